//! Enrollment links: what an EHR's email hands to SoftToken.
//!
//! Three kinds are understood:
//! * `softtoken://enroll?…` (format v1), the EPCS soft-token enrollment, with
//!   the prescribing devices that must not run the token and the network sync
//!   delay;
//! * `softtoken://enroll?type=hard&…`, a hard-token (key-fob) email, which is
//!   recognised only to explain that it is activated in the prescribing portal;
//! * `otpauth://totp/…` and `otpauth://hotp/…` (the Google Authenticator Key URI
//!   format) for ordinary tokens, without device rule or sync wait.
//!
//! Parsing is a pure function of the text and the current time. Every failure
//! is its own [`LinkError`] variant whose message tells a prescriber what is
//! wrong and what to do; no message ever contains the secret.

use std::fmt;

use zeroize::Zeroizing;

use crate::device::{DeviceId, DeviceIdError};
use crate::otp::{self, Algorithm, CodeFormat};

/// Links longer than this are refused before anything else is looked at.
pub const MAX_LINK_BYTES: usize = 4096;
/// The only `softtoken://` format version this build understands.
pub const FORMAT_VERSION: u32 = 1;
/// Seconds until a token is usable when the link does not say ("up to 60 minutes").
pub const DEFAULT_SYNC_SECONDS: u64 = 3600;
/// The longest sync delay a link may ask for (one day).
pub const MAX_SYNC_SECONDS: u64 = 86_400;
/// At most this many prescribing devices in one link.
pub const MAX_PRESCRIBING_DEVICES: usize = 32;

/// Where a link came from, which decides the rules its token lives by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A `softtoken://` EPCS enrollment: device rule and sync delay apply.
    Epcs,
    /// An `otpauth://` token: an ordinary authenticator entry.
    Otpauth,
}

/// Time-based or counter-based codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum OtpKind {
    Totp { period: u64 },
    Hotp { counter: u64 },
}

/// A soft token ready to be enrolled.
#[derive(Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub source: Source,
    pub kind: OtpKind,
    /// May be empty only for an `otpauth://` link without an issuer.
    pub issuer: String,
    pub account: String,
    pub secret: Zeroizing<Vec<u8>>,
    pub format: CodeFormat,
    pub prescribing_devices: Vec<DeviceId>,
    pub sync_seconds: u64,
    pub expires_at: Option<u64>,
    pub enrollment_id: Option<String>,
    /// Set when the seed was agreed with the issuer online.
    pub online: Option<OnlineToken>,
}

/// Where an online-activated token lives at its issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlineToken {
    /// The issuer's base URL, `https://host[:port]`.
    pub server: String,
    /// The credential ID the EHR and the help desk see.
    pub credential_id: String,
}

/// A `softtoken://activate?v=2&…` link (docs/PROTOCOL.md §2): where and
/// what to activate; it carries no secret, the activation code comes over
/// a second channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlineLink {
    pub server: String,
    pub enrollment_id: String,
    pub issuer: String,
    pub account: String,
}

impl OnlineLink {
    /// What is known before activation, for the name and used-link checks:
    /// issuer, account and enrollment id, no secret yet.
    pub fn probe(&self) -> Enrollment {
        Enrollment {
            source: Source::Epcs,
            kind: OtpKind::Totp { period: 30 },
            issuer: self.issuer.clone(),
            account: self.account.clone(),
            secret: Zeroizing::new(Vec::new()),
            format: CodeFormat::default(),
            prescribing_devices: Vec::new(),
            sync_seconds: 0,
            expires_at: None,
            enrollment_id: Some(self.enrollment_id.clone()),
            online: None,
        }
    }

    /// The issuer's host (and port), shown in full so a look-alike stands out.
    pub fn host(&self) -> &str {
        host_of(&self.server)
    }
}

/// The host (and port) of an issuer URL: `https://ehr.example:8443/x` →
/// `ehr.example:8443`.
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split('/').next().unwrap_or(rest)
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enrollment")
            .field("source", &self.source)
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("secret", &format_args!("<{} bytes, redacted>", self.secret.len()))
            .field("format", &self.format)
            .field("prescribing_devices", &self.prescribing_devices)
            .field("sync_seconds", &self.sync_seconds)
            .field("expires_at", &self.expires_at)
            .field("enrollment_id", &self.enrollment_id)
            .field("online", &self.online)
            .finish()
    }
}

/// A hard-token (key-fob) email: explained, never enrolled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HardToken {
    pub issuer: String,
    pub account: String,
    pub serial: Option<String>,
    pub expires_at: Option<u64>,
}

impl HardToken {
    /// What the prescriber should do instead.
    pub const EXPLANATION: &'static str = "This link is for a hard token (a key fob), not a soft token. \
        Hard tokens are activated in your prescribing portal, not in SoftToken: enter the serial \
        number printed on the back of the token (below the bar code) and the six-digit code shown \
        when you press its button.";
}

/// What a link describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Soft(Enrollment),
    Hard(HardToken),
    /// Activated online with a code from a second channel.
    Online(OnlineLink),
}

/// Why a link was refused. Messages say what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    #[error("The link is empty. Copy the whole enrollment link from your email and try again.")]
    Empty,
    #[error(
        "The link is {0} bytes long; enrollment links are at most 4096. Copy just the link from \
         your email, not the text around it."
    )]
    TooLong(usize),
    #[error(
        "This is not an enrollment link: it should start with softtoken://enroll? or otpauth://. \
         Copy the whole link from your email and try again."
    )]
    NotALink,
    #[error(
        "This softtoken:// link is not an enrollment link (it should start with \
         softtoken://enroll?). Ask your EHR administrator for a new enrollment email."
    )]
    NotEnroll,
    #[error(
        "This link was made for a newer SoftToken (format version {0}). Update SoftToken and open the link again."
    )]
    NewerVersion(u32),
    #[error(
        "The link's format version \"{0}\" is not a number. Ask your EHR administrator for a new enrollment email."
    )]
    BadVersion(String),
    #[error("The link is missing its \"{0}\" part; it may have been cut off. Copy the whole link from your email.")]
    Missing(&'static str),
    #[error("The link gives \"{0}\" more than once, so it is ambiguous. Ask your EHR administrator for a new enrollment email.")]
    Repeated(&'static str),
    #[error("The link's \"{0}\" part is not valid text (bad %-encoding). Copy the whole link from your email again.")]
    Encoding(&'static str),
    #[error("The link's \"{0}\" part contains control characters. Copy the link from your email again.")]
    ControlCharacter(&'static str),
    #[error(
        "The link's \"{0}\" part contains invisible or text-direction characters, which can make it \
         read as something it is not. Ask your EHR administrator for a new enrollment email."
    )]
    Invisible(&'static str),
    #[error("The link's \"{0}\" part is empty. Ask your EHR administrator for a new enrollment email.")]
    EmptyField(&'static str),
    #[error("The link's \"{field}\" is {len} characters long; at most {max} are allowed.")]
    FieldTooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("The link's type \"{0}\" is unknown; it should be \"soft\" or \"hard\".")]
    BadType(String),
    #[error(
        "The link's secret is damaged: it must be base32 (letters A–Z and digits 2–7). Copy the \
         whole link from your email again."
    )]
    SecretNotBase32,
    #[error("The link's secret is {0} bytes long; a secret must be 16 to 64 bytes. Ask for a new enrollment email.")]
    SecretLength(usize),
    #[error("The link's algorithm \"{0}\" is not supported; use SHA1, SHA256 or SHA512.")]
    BadAlgorithm(String),
    #[error("The link asks for \"{0}\" digits; codes have 6, 7 or 8 digits.")]
    BadDigits(String),
    #[error("The link's period \"{0}\" is not supported; it must be 15 to 300 seconds.")]
    BadPeriod(String),
    #[error("The link's sync time \"{0}\" is not valid; it must be 0 to 86400 seconds.")]
    BadSync(String),
    #[error("The link's expiry \"{0}\" is not a valid time.")]
    BadExpiry(String),
    #[error("This enrollment link expired at {at}. Ask your EHR administrator to send a new enrollment email.")]
    Expired { at: String },
    #[error("Prescribing device number {index} in the link is not a device ID ({error}). Ask your EHR administrator for a new enrollment email.")]
    BadDeviceId { index: usize, error: DeviceIdError },
    #[error("The link names more than 32 prescribing devices. Ask your EHR administrator for a new enrollment email.")]
    TooManyDevices,
    #[error("The link's enrollment id is not valid (1–128 letters, digits, '.', '_', '~' or '-').")]
    BadEnrollmentId,
    #[error("The link's serial number \"{0}\" is not valid (1–32 letters, digits or dashes).")]
    BadSerial(String),
    #[error(
        "This soft-token link carries a hard-token serial number, so it is inconsistent. Ask \
         your EHR administrator for a new enrollment email."
    )]
    SerialOnSoftLink,
    #[error("This otpauth:// link is for \"{0}\" tokens; SoftToken supports totp and hotp.")]
    OtpauthType(String),
    #[error("This otpauth:// link has no account name (the part after otpauth://totp/).")]
    OtpauthLabel,
    #[error("The otpauth:// link's counter \"{0}\" is not a whole number.")]
    BadCounter(String),
    #[error("The link's issuer parameter (\"{param}\") differs from the issuer in its label (\"{label}\").")]
    IssuerMismatch { label: String, param: String },
    #[error("the issuer address in the link is not valid: {0}")]
    BadServer(String),
}

/// Parses and validates a link at time `now` (Unix seconds).
pub fn parse(input: &str, now: u64) -> Result<Link, LinkError> {
    if input.len() > MAX_LINK_BYTES {
        return Err(LinkError::TooLong(input.len()));
    }
    let text = input.trim();
    if text.is_empty() {
        return Err(LinkError::Empty);
    }
    let (scheme, rest) = text.split_once("://").ok_or(LinkError::NotALink)?;
    let rest = rest.split('#').next().unwrap_or_default();
    match scheme.to_ascii_lowercase().as_str() {
        "softtoken" => {
            let (host, query) = rest.split_once('?').unwrap_or((rest, ""));
            let host = host.trim_end_matches('/');
            if host.eq_ignore_ascii_case("activate") {
                return parse_activate(&Query::parse(query)?);
            }
            if !host.eq_ignore_ascii_case("enroll") {
                return Err(LinkError::NotEnroll);
            }
            parse_softtoken(&Query::parse(query)?, now)
        }
        "otpauth" => parse_otpauth(rest),
        _ => Err(LinkError::NotALink),
    }
}

/// The query string, as decoded name/value pairs, in order.
struct Query(Vec<(String, String)>);

const KNOWN: &[&str] = &[
    "type",
    "issuer",
    "account",
    "secret",
    "algorithm",
    "digits",
    "period",
    "pdid",
    "sync",
    "exp",
    "id",
    "serial",
    "v",
    "counter",
    "server",
];

impl Query {
    fn parse(query: &str) -> Result<Query, LinkError> {
        let mut pairs = Vec::new();
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let (raw_key, raw_value) = part.split_once('=').unwrap_or((part, ""));
            let key = raw_key.to_ascii_lowercase();
            // Unknown parameters are ignored, including badly encoded ones.
            let Some(name) = KNOWN.iter().find(|k| **k == key) else {
                continue;
            };
            if pairs.iter().any(|(k, _)| k == name) {
                return Err(LinkError::Repeated(name));
            }
            pairs.push((key, decode(raw_value, name)?));
        }
        Ok(Query(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Percent-decodes `value` as UTF-8; `+` stands for a space (form encoding).
/// A `%` not followed by two hex digits is refused: kept as literal text, a
/// mistyped escape would change the issuer or account without a word.
fn decode(value: &str, field: &'static str) -> Result<String, LinkError> {
    let b = value.as_bytes();
    let escapes_ok = b
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == b'%')
        .all(|(i, _)| b.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)));
    if !escapes_ok {
        return Err(LinkError::Encoding(field));
    }
    let spaced = value.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| LinkError::Encoding(field))
}

/// Characters that are invisible or reorder text (zero-width, bidi
/// embeddings, overrides and isolates, the byte-order mark): in a name they
/// let one issuer or account read as another.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A free-text field: 1..=max characters, no control or invisible characters.
fn text_field(value: &str, field: &'static str, max: usize) -> Result<String, LinkError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(LinkError::EmptyField(field));
    }
    if value.chars().any(char::is_control) {
        return Err(LinkError::ControlCharacter(field));
    }
    if value.chars().any(is_invisible) {
        return Err(LinkError::Invisible(field));
    }
    let len = value.chars().count();
    if len > max {
        return Err(LinkError::FieldTooLong { field, len, max });
    }
    Ok(value.to_string())
}

/// A plain decimal number: ASCII digits only, no sign or spaces.
fn number(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// At most this many characters of link text are echoed in an error. A
/// mangled link can put the secret in any field; secrets are at least 16
/// bytes (26 base32 characters), so an excerpt gives away at most 40 of
/// their 128 or more bits.
const EXCERPT_CHARS: usize = 8;

/// A short excerpt of link text for an error message: at most
/// [`EXCERPT_CHARS`] characters, control and invisible ones shown as `?`.
fn shown(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() || is_invisible(c) { '?' } else { c })
        .collect();
    if value.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

fn secret(value: Option<&str>) -> Result<Zeroizing<Vec<u8>>, LinkError> {
    decode_secret(value.ok_or(LinkError::Missing("secret"))?)
}

/// Decodes a base32 secret (RFC 4648; case, spaces, dashes and `=` padding
/// ignored) and checks its length.
pub fn decode_secret(value: &str) -> Result<Zeroizing<Vec<u8>>, LinkError> {
    let mut clean = Zeroizing::new(value.trim_end_matches('=').replace([' ', '-'], "").to_ascii_uppercase());
    if clean.is_empty() {
        return Err(LinkError::EmptyField("secret"));
    }
    // Re-pad so the strict RFC 4648 decoder accepts it.
    while !clean.len().is_multiple_of(8) {
        clean.push('=');
    }
    let bytes = data_encoding::BASE32
        .decode(clean.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| LinkError::SecretNotBase32)?;
    otp::validate_secret(&bytes).map_err(|_| LinkError::SecretLength(bytes.len()))?;
    Ok(bytes)
}

fn code_format(q: &Query) -> Result<CodeFormat, LinkError> {
    let algorithm = match q.get("algorithm") {
        None => Algorithm::Sha1,
        Some(a) => a.parse().map_err(|_| LinkError::BadAlgorithm(shown(a)))?,
    };
    let digits = match q.get("digits") {
        None => 6,
        Some(d) => number(d)
            .filter(|n| (6..=8).contains(n))
            .ok_or_else(|| LinkError::BadDigits(shown(d)))? as u8,
    };
    Ok(CodeFormat { algorithm, digits })
}

fn period(q: &Query) -> Result<u64, LinkError> {
    match q.get("period") {
        None => Ok(30),
        Some(p) => number(p)
            .filter(|n| otp::PERIOD.contains(n))
            .ok_or_else(|| LinkError::BadPeriod(shown(p))),
    }
}

fn expiry(q: &Query, now: u64) -> Result<Option<u64>, LinkError> {
    let Some(raw) = q.get("exp") else { return Ok(None) };
    let at = number(raw).ok_or_else(|| LinkError::BadExpiry(shown(raw)))?;
    if now > at {
        return Err(LinkError::Expired {
            at: crate::clock::format_utc(at),
        });
    }
    Ok(Some(at))
}

/// A `softtoken://activate` link: version 2, the issuer's URL, the
/// enrollment id, issuer and account. No secret, so nothing to expire here:
/// the issuer keeps the clock on the activation code.
fn parse_activate(q: &Query) -> Result<Link, LinkError> {
    let v = q.get("v").ok_or(LinkError::Missing("v"))?;
    let version = number(v)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| LinkError::BadVersion(shown(v)))?;
    if version > crate::protocol::VERSION {
        return Err(LinkError::NewerVersion(version));
    }
    if version != crate::protocol::VERSION {
        return Err(LinkError::BadVersion(shown(v)));
    }
    if q.get("secret").is_some() {
        // An activation link never carries a seed; one that does was edited.
        return Err(LinkError::BadServer(
            "an activation link must not carry a secret".into(),
        ));
    }
    let server = q.get("server").ok_or(LinkError::Missing("server"))?;
    let server = check_server_url(server).map_err(LinkError::BadServer)?;
    let id = q.get("id").ok_or(LinkError::Missing("id"))?;
    let ok = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
    if !ok {
        return Err(LinkError::BadEnrollmentId);
    }
    Ok(Link::Online(OnlineLink {
        server,
        enrollment_id: id.to_string(),
        issuer: text_field(q.get("issuer").ok_or(LinkError::Missing("issuer"))?, "issuer", 64)?,
        account: text_field(q.get("account").ok_or(LinkError::Missing("account"))?, "account", 128)?,
    }))
}

/// An issuer URL: `https://host[:port][/path]` with no query, fragment, user
/// name or password; plain `http://` only for a loopback host (a local test
/// server). Returns it without a trailing slash. The server checks the URL
/// it puts in links with this same function, so the app accepts them.
pub fn check_server_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    if url.len() > 200 {
        return Err(format!(
            "the issuer address is {} characters long; at most 200",
            url.len()
        ));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("\"{}\" is not an https:// address", clip(url)))?;
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.is_empty()
        || authority.contains('@')
        || rest.contains(['?', '#', '\\'])
        || rest.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "\"{}\" must be just https://, a host name and at most a path",
            clip(url)
        ));
    }
    let _ = path;
    let rest = authority;
    let (host, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("\"{}\" has an unclosed [", clip(url)))?;
            (h.to_string(), after.strip_prefix(':'))
        }
        None => match rest.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (rest.to_ascii_lowercase(), None),
        },
    };
    if let Some(port) = port {
        port.parse::<u16>()
            .map_err(|_| format!("the port in \"{}\" is not a number", clip(url)))?;
    }
    if host.is_empty() {
        return Err(format!("\"{}\" has no host name", clip(url)));
    }
    if !host.is_ascii() {
        return Err(format!(
            "the host \"{host}\" has non-ASCII characters; a real issuer uses a plain name"
        ));
    }
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or_default();
    match scheme.as_str() {
        "https" => Ok(format!("https://{rest}")),
        "http" if loopback => Ok(format!("http://{rest}")),
        "http" => Err(format!("{host} must be reached over https://, not plain http://")),
        _ => Err(format!("\"{}\" is not an https:// address", clip(url))),
    }
}

/// A URL for an error message (links of this kind carry no secret).
fn clip(url: &str) -> String {
    url.chars().take(80).collect()
}

fn parse_softtoken(q: &Query, now: u64) -> Result<Link, LinkError> {
    if let Some(v) = q.get("v") {
        let version: u32 = number(v)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| LinkError::BadVersion(shown(v)))?;
        if version > FORMAT_VERSION {
            return Err(LinkError::NewerVersion(version));
        }
    }
    let kind = q.get("type").ok_or(LinkError::Missing("type"))?;
    let hard = match kind.to_ascii_lowercase().as_str() {
        "soft" => false,
        "hard" => true,
        _ => return Err(LinkError::BadType(shown(kind))),
    };
    let issuer = text_field(q.get("issuer").ok_or(LinkError::Missing("issuer"))?, "issuer", 64)?;
    let account = text_field(q.get("account").ok_or(LinkError::Missing("account"))?, "account", 128)?;
    let expires_at = expiry(q, now)?;
    if hard {
        let serial = match q.get("serial") {
            None => None,
            Some(s) => {
                let s = s.trim();
                let ok = (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
                if !ok {
                    return Err(LinkError::BadSerial(shown(s)));
                }
                Some(s.to_string())
            }
        };
        return Ok(Link::Hard(HardToken {
            issuer,
            account,
            serial,
            expires_at,
        }));
    }
    if q.get("serial").is_some() {
        return Err(LinkError::SerialOnSoftLink);
    }
    let secret = secret(q.get("secret"))?;
    let format = code_format(q)?;
    let period = period(q)?;
    let prescribing_devices = match q.get("pdid") {
        None => Vec::new(),
        Some(list) => {
            let ids = list
                .split(',')
                .enumerate()
                .map(|(i, id)| {
                    id.parse::<DeviceId>()
                        .map_err(|error| LinkError::BadDeviceId { index: i + 1, error })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if ids.len() > MAX_PRESCRIBING_DEVICES {
                return Err(LinkError::TooManyDevices);
            }
            ids
        }
    };
    let sync_seconds = match q.get("sync") {
        None => DEFAULT_SYNC_SECONDS,
        Some(s) => number(s)
            .filter(|n| *n <= MAX_SYNC_SECONDS)
            .ok_or_else(|| LinkError::BadSync(shown(s)))?,
    };
    let enrollment_id = match q.get("id") {
        None => None,
        Some(id) => {
            let ok =
                (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._~-".contains(&b));
            if !ok {
                return Err(LinkError::BadEnrollmentId);
            }
            Some(id.to_string())
        }
    };
    Ok(Link::Soft(Enrollment {
        source: Source::Epcs,
        kind: OtpKind::Totp { period },
        issuer,
        account,
        secret,
        format,
        prescribing_devices,
        sync_seconds,
        expires_at,
        enrollment_id,
        online: None,
    }))
}

fn parse_otpauth(rest: &str) -> Result<Link, LinkError> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (kind, label) = path.split_once('/').unwrap_or((path, ""));
    let q = Query::parse(query)?;
    let kind = match kind.to_ascii_lowercase().as_str() {
        "totp" => OtpKind::Totp { period: period(&q)? },
        "hotp" => {
            let raw = q.get("counter").ok_or(LinkError::Missing("counter"))?;
            OtpKind::Hotp {
                counter: number(raw).ok_or_else(|| LinkError::BadCounter(shown(raw)))?,
            }
        }
        other => return Err(LinkError::OtpauthType(shown(other))),
    };
    let label = decode(label, "label")?;
    let (label_issuer, account) = match label.split_once(':') {
        Some((i, a)) => (Some(text_field(i, "issuer", 64)?), a),
        None => (None, label.as_str()),
    };
    if account.trim().is_empty() {
        return Err(LinkError::OtpauthLabel);
    }
    let account = text_field(account, "account", 128)?;
    let param_issuer = q.get("issuer").map(|i| text_field(i, "issuer", 64)).transpose()?;
    let issuer = match (label_issuer, param_issuer) {
        (Some(label), Some(param)) if label != param => {
            return Err(LinkError::IssuerMismatch {
                label: shown(&label),
                param: shown(&param),
            })
        }
        (Some(i), _) | (None, Some(i)) => i,
        (None, None) => String::new(),
    };
    Ok(Link::Soft(Enrollment {
        source: Source::Otpauth,
        kind,
        issuer,
        account,
        secret: secret(q.get("secret"))?,
        format: code_format(&q)?,
        prescribing_devices: Vec::new(),
        sync_seconds: 0,
        expires_at: None,
        enrollment_id: None,
        online: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"

    fn soft(link: &str) -> Enrollment {
        match parse(link, 1_000).unwrap() {
            Link::Soft(e) => e,
            other => panic!("not soft: {other:?}"),
        }
    }

    #[test]
    fn defaults_for_a_minimal_soft_link() {
        let e = soft(&format!(
            "softtoken://enroll?type=soft&issuer=Acme%20EHR&account=dr.who&secret={S}"
        ));
        assert_eq!(e.source, Source::Epcs);
        assert_eq!(e.kind, OtpKind::Totp { period: 30 });
        assert_eq!(e.issuer, "Acme EHR");
        assert_eq!(&*e.secret, b"12345678901234567890");
        assert_eq!(e.format, CodeFormat::default());
        assert_eq!(e.sync_seconds, 3600);
        assert!(e.prescribing_devices.is_empty());
        assert!(!format!("{e:?}").contains(S) && !format!("{e:?}").contains("1234567890"));
    }

    #[test]
    fn all_parameters() {
        let e = soft(&format!(
            "SoftToken://ENROLL?v=1&type=SOFT&issuer=A+B&account=%C3%A9mile&secret={}&algorithm=sha512\
             &digits=8&period=60&pdid=abcd-efgh-ijkl-mnop,QRSTUVWXYZ234567&sync=0&exp=2000&id=enr-1&x=%ZZ",
            S.to_lowercase().trim_end_matches('=')
        ));
        assert_eq!(e.issuer, "A B");
        assert_eq!(e.account, "émile");
        assert_eq!(
            e.format,
            CodeFormat {
                algorithm: Algorithm::Sha512,
                digits: 8
            }
        );
        assert_eq!(e.kind, OtpKind::Totp { period: 60 });
        assert_eq!(e.prescribing_devices.len(), 2);
        assert_eq!(e.sync_seconds, 0);
        assert_eq!(e.expires_at, Some(2000));
        assert_eq!(e.enrollment_id.as_deref(), Some("enr-1"));
    }

    #[test]
    fn hard_link_explains_itself() {
        let link = "softtoken://enroll?type=hard&issuer=Acme&account=dr&serial=AB-1234";
        let Link::Hard(h) = parse(link, 0).unwrap() else {
            panic!()
        };
        assert_eq!(h.serial.as_deref(), Some("AB-1234"));
        assert!(HardToken::EXPLANATION.contains("back of the token"));
    }

    #[test]
    fn otpauth_links() {
        let e = soft(&format!(
            "otpauth://totp/ACME%20Co:john@example.com?secret={S}&issuer=ACME%20Co&period=30"
        ));
        assert_eq!((e.issuer.as_str(), e.account.as_str()), ("ACME Co", "john@example.com"));
        assert_eq!(e.source, Source::Otpauth);
        assert_eq!(e.sync_seconds, 0);
        let h = soft(&format!("otpauth://hotp/alice?secret={S}&counter=7"));
        assert_eq!(h.kind, OtpKind::Hotp { counter: 7 });
        assert_eq!(h.issuer, "");
    }

    #[test]
    fn the_fuzzers_crash_echoes_no_secret_and_excerpts_are_short() {
        // cargo fuzz found this: the whole path was echoed as the otpauth "type".
        let secret = "ssssssssssssssss";
        let e = parse(&format!("otpauth://ssecret={secret}{secret}"), 0).unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains(secret), "{msg}");
        assert_eq!(
            msg,
            "This otpauth:// link is for \"ssecret=…\" tokens; SoftToken supports totp and hotp."
        );
        let e = parse(
            &format!("softtoken://enroll?type=soft&issuer=A&account=b&secret={S}&digits={S}"),
            0,
        )
        .unwrap_err();
        assert_eq!(e, LinkError::BadDigits("GEZDGNBV…".into()));
        assert_eq!(shown("a\u{202E}b\tc"), "a?b?c");
    }

    #[test]
    fn a_broken_percent_escape_is_refused_not_kept() {
        for bad in ["%ZZ", "Acme%2", "%", "Acme%G0"] {
            let link = format!("softtoken://enroll?type=soft&issuer={bad}&account=b&secret={S}");
            assert_eq!(parse(&link, 0), Err(LinkError::Encoding("issuer")), "{bad}");
        }
        let ok = format!("softtoken://enroll?type=soft&issuer=100%25%20sure&account=b&secret={S}");
        assert_eq!(soft(&ok).issuer, "100% sure");
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused() {
        for c in [
            '\u{200B}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{FEFF}',
        ] {
            let enc: String = c.to_string().bytes().map(|b| format!("%{b:02X}")).collect();
            let link = format!("softtoken://enroll?type=soft&issuer=Acme{enc}&account=b&secret={S}");
            assert_eq!(
                parse(&link, 0),
                Err(LinkError::Invisible("issuer")),
                "U+{:04X}",
                c as u32
            );
            let link = format!("otpauth://totp/Acme:dr{enc}x?secret={S}");
            assert_eq!(
                parse(&link, 0),
                Err(LinkError::Invisible("account")),
                "U+{:04X}",
                c as u32
            );
        }
        assert!(
            soft(&format!(
                "softtoken://enroll?type=soft&issuer=%D7%90%D7%91&account=b&secret={S}"
            ))
            .issuer
            .starts_with('\u{05D0}'),
            "right-to-left letters themselves are fine"
        );
    }

    #[test]
    fn expiry_is_inclusive_of_the_second() {
        let link = format!("softtoken://enroll?type=soft&issuer=A&account=b&secret={S}&exp=1000");
        assert!(parse(&link, 1000).is_ok());
        assert!(matches!(parse(&link, 1001), Err(LinkError::Expired { .. })));
    }
}
