//! The activation protocol between the app and `softtoken-server`
//! (docs/PROTOCOL.md is the normative text; this module is its code, shared
//! by both sides so they cannot drift apart).
//!
//! The enrollment email carries no secret: only where the issuer is and which
//! enrollment to activate. The app and the server then agree the token's seed
//! with ephemeral X25519 keys, and HKDF-SHA256 mixes in the activation code
//! (which reached the prescriber over a second channel) and the whole
//! transcript, so a party that saw only the email, or only the network, or
//! only the code, learns nothing of the seed. Each side then proves with a MAC
//! that it derived the same keys (key confirmation both ways).
//!
//! Nothing here does I/O or reads the clock: callers pass the time and the
//! random generator, so the tests are repeatable.

use std::fmt;

use data_encoding::BASE64URL_NOPAD;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, ReusableSecret};
use zeroize::Zeroizing;

use crate::device::DeviceId;
use crate::otp::{Algorithm, CodeFormat};

/// The protocol's version, in links (`v=2`) and requests.
pub const VERSION: u32 = 2;
/// Characters of an activation code: 8 of Crockford base32 = 40 bits.
pub const CODE_CHARS: usize = 8;
/// Bytes of each side's nonce.
pub const NONCE_BYTES: usize = 16;
/// Bytes of an enrollment id before encoding (128 bits: not guessable).
pub const ENROLLMENT_ID_BYTES: usize = 16;
/// How far a signed management request (revocation by the app) may be from
/// the server's clock, in seconds.
pub const MANAGE_SKEW: u64 = 300;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const HKDF_SALT_LABEL: &[u8] = b"SoftToken activation v2\0";

type HmacSha256 = Hmac<Sha256>;

/// Why a protocol message or value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    #[error("an activation code has {CODE_CHARS} letters and digits (like K7QM-2XWD); this one has {0}")]
    CodeLength(usize),
    #[error("an activation code uses the digits 0–9 and the letters A–Z without U; found \"{0}\"")]
    CodeCharacter(char),
    #[error("{field} is not valid base64url of {expected} bytes")]
    Encoding { field: &'static str, expected: usize },
    #[error("the issuer's public key is a weak key; the activation was stopped")]
    WeakKey,
    #[error(
        "the issuer could not prove it knows the activation code; this is not your issuer or \
         the code was mistyped"
    )]
    ServerProof,
    #[error("protocol version {0} is not supported; this SoftToken speaks version {VERSION}")]
    Version(u32),
    #[error("the issuer sent {0}")]
    Parameters(String),
}

/// A single-use code that reaches the prescriber over a second channel.
/// Stored normalised (8 upper-case Crockford characters, no dash).
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationCode(Zeroizing<String>);

impl fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationCode(<redacted>)")
    }
}

impl ActivationCode {
    /// A fresh random code (each character uniform over the 32 symbols).
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> ActivationCode {
        let mut bytes = Zeroizing::new([0u8; CODE_CHARS]);
        rng.fill_bytes(&mut *bytes);
        let text: String = bytes.iter().map(|b| CROCKFORD[(b & 31) as usize] as char).collect();
        ActivationCode(Zeroizing::new(text))
    }

    /// Reads a code as a person types it: case, dashes and spaces do not
    /// matter, and O, I and L are read as 0, 1 and 1 (Crockford's rule),
    /// since a code read over the phone is easily written either way.
    pub fn parse(input: &str) -> Result<ActivationCode, ProtocolError> {
        let mut out = Zeroizing::new(String::with_capacity(CODE_CHARS));
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
                other => return Err(ProtocolError::CodeCharacter(other)),
            };
            out.push(c);
        }
        if out.len() != CODE_CHARS {
            return Err(ProtocolError::CodeLength(out.len()));
        }
        Ok(ActivationCode(out))
    }

    /// The normalised code, as hashed and mixed into the key derivation.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as shown and typed: `K7QM-2XWD`.
    pub fn grouped(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }
}

/// Time-based or counter-based codes, as the protocol names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Totp,
    Hotp,
}

/// The code parameters the server chose for a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    pub kind: Kind,
    pub algorithm: Algorithm,
    pub digits: u8,
    /// Seconds per step for TOTP; 0 for HOTP.
    pub period: u64,
}

impl Default for Params {
    /// What every EHR expects: TOTP, SHA-1, 6 digits, 30 s.
    fn default() -> Self {
        Params {
            kind: Kind::Totp,
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
        }
    }
}

impl Params {
    pub fn format(&self) -> CodeFormat {
        CodeFormat {
            algorithm: self.algorithm,
            digits: self.digits,
        }
    }

    /// Seed length: the hash's output size (RFC 4226 §4 / RFC 6238 §5.1).
    pub fn seed_len(&self) -> usize {
        match self.algorithm {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        }
    }

    /// Checks digits and period against what the app accepts.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        self.format()
            .validate()
            .map_err(|e| ProtocolError::Parameters(e.to_string()))?;
        match self.kind {
            Kind::Totp => {
                crate::otp::validate_period(self.period).map_err(|e| ProtocolError::Parameters(e.to_string()))
            }
            Kind::Hotp if self.period == 0 => Ok(()),
            Kind::Hotp => Err(ProtocolError::Parameters(format!(
                "a counter-based token with a period of {} seconds; expected 0",
                self.period
            ))),
        }
    }
}

/// Everything both sides have seen, in the order the key derivation hashes it.
pub struct Transcript<'a> {
    pub enrollment_id: &'a str,
    pub device_id: &'a DeviceId,
    pub params: Params,
    pub client_public: &'a [u8; 32],
    pub client_nonce: &'a [u8; NONCE_BYTES],
    pub server_public: &'a [u8; 32],
    pub server_nonce: &'a [u8; NONCE_BYTES],
    pub credential_id: &'a str,
}

impl Transcript<'_> {
    /// SHA-256 over length-prefixed fields, so no two transcripts encode alike.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u32).to_be_bytes());
            h.update(bytes);
        };
        field(b"SoftToken transcript v2");
        field(self.enrollment_id.as_bytes());
        field(self.device_id.as_str().as_bytes());
        field(match self.params.kind {
            Kind::Totp => b"totp",
            Kind::Hotp => b"hotp",
        });
        field(self.params.algorithm.to_string().as_bytes());
        field(&[self.params.digits]);
        field(&self.params.period.to_be_bytes());
        field(self.client_public);
        field(self.client_nonce);
        field(self.server_public);
        field(self.server_nonce);
        field(self.credential_id.as_bytes());
        h.finalize().into()
    }
}

/// The keys both sides derive: the token's seed and the confirmation key.
pub struct Agreed {
    pub seed: Zeroizing<Vec<u8>>,
    confirm_key: Zeroizing<[u8; 32]>,
    transcript_hash: [u8; 32],
}

impl Agreed {
    /// seed and confirmation key = HKDF-SHA256(
    ///   salt = label ‖ client nonce ‖ server nonce,
    ///   ikm  = X25519 shared secret ‖ normalised activation code,
    ///   info = "seed" / "confirm" ‖ transcript hash).
    pub fn derive(shared: &[u8; 32], code: &ActivationCode, transcript: &Transcript) -> Agreed {
        let mut salt = Vec::with_capacity(HKDF_SALT_LABEL.len() + 2 * NONCE_BYTES);
        salt.extend_from_slice(HKDF_SALT_LABEL);
        salt.extend_from_slice(transcript.client_nonce);
        salt.extend_from_slice(transcript.server_nonce);
        let mut ikm = Zeroizing::new(Vec::with_capacity(32 + CODE_CHARS));
        ikm.extend_from_slice(shared);
        ikm.extend_from_slice(code.as_str().as_bytes());
        let hk = Hkdf::<Sha256>::new(Some(&salt), &ikm);
        let th = transcript.hash();
        let mut seed = Zeroizing::new(vec![0u8; transcript.params.seed_len()]);
        let mut confirm_key = Zeroizing::new([0u8; 32]);
        // Output lengths are at most 64 bytes, far below HKDF's 255 × 32 limit.
        hk.expand_multi_info(&[b"seed", &th], &mut seed)
            .expect("seed length within HKDF limits");
        hk.expand_multi_info(&[b"confirm", &th], &mut *confirm_key)
            .expect("key length within HKDF limits");
        Agreed {
            seed,
            confirm_key,
            transcript_hash: th,
        }
    }

    fn mac(&self, role: &[u8]) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&*self.confirm_key).expect("HMAC takes any key");
        mac.update(role);
        mac.update(&self.transcript_hash);
        mac.finalize().into_bytes().into()
    }

    /// The server's proof, sent with its public key.
    pub fn server_mac(&self) -> String {
        BASE64URL_NOPAD.encode(&self.mac(b"server"))
    }

    /// The app's proof, sent once the seed is stored.
    pub fn client_mac(&self) -> String {
        BASE64URL_NOPAD.encode(&self.mac(b"client"))
    }

    /// Checks the server's proof in constant time.
    pub fn check_server_mac(&self, mac: &str) -> Result<(), ProtocolError> {
        check_mac(&self.mac(b"server"), mac).map_err(|_| ProtocolError::ServerProof)
    }

    /// Checks the app's proof in constant time.
    pub fn check_client_mac(&self, mac: &str) -> bool {
        check_mac(&self.mac(b"client"), mac).is_ok()
    }
}

fn check_mac(expected: &[u8; 32], given: &str) -> Result<(), ()> {
    let given = BASE64URL_NOPAD.decode(given.as_bytes()).map_err(|_| ())?;
    if given.len() == 32 && bool::from(given.ct_eq(expected)) {
        Ok(())
    } else {
        Err(())
    }
}

/// One side's ephemeral key pair and nonce.
pub struct Ephemeral {
    secret: ReusableSecret,
    pub public: [u8; 32],
    pub nonce: [u8; NONCE_BYTES],
}

impl Ephemeral {
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Ephemeral {
        let secret = ReusableSecret::random_from_rng(&mut *rng);
        let public = PublicKey::from(&secret).to_bytes();
        let mut nonce = [0u8; NONCE_BYTES];
        rng.fill_bytes(&mut nonce);
        Ephemeral { secret, public, nonce }
    }

    /// The X25519 shared secret with the other side's public key. A result
    /// that does not depend on our key (a low-order point) is refused.
    pub fn agree(&self, other: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>, ProtocolError> {
        let shared = self.secret.diffie_hellman(&PublicKey::from(*other));
        if !shared.was_contributory() {
            return Err(ProtocolError::WeakKey);
        }
        Ok(Zeroizing::new(shared.to_bytes()))
    }
}

/// Decodes a fixed-length base64url field.
pub fn decode_fixed<const N: usize>(field: &'static str, text: &str) -> Result<[u8; N], ProtocolError> {
    let err = ProtocolError::Encoding { field, expected: N };
    if text.len() > 2 * N + 4 {
        return Err(err);
    }
    let bytes = BASE64URL_NOPAD.decode(text.as_bytes()).map_err(|_| err.clone())?;
    bytes.try_into().map_err(|_| err)
}

pub fn encode(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

/// A random identifier of `bytes` bytes, in lower-case base32 (no padding).
pub fn random_id<R: RngCore + CryptoRng>(rng: &mut R, bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rng.fill_bytes(&mut raw);
    data_encoding::BASE32_NOPAD.encode(&raw).to_ascii_lowercase()
}

/// The key the app signs management requests (revocation) with: only a
/// holder of the seed can revoke through the public API.
pub fn manage_mac(seed: &[u8], credential_id: &str, action: &str, unix_time: u64) -> String {
    let hk = Hkdf::<Sha256>::new(Some(b"SoftToken manage v2"), seed);
    let mut key = Zeroizing::new([0u8; 32]);
    hk.expand(b"manage", &mut *key).expect("32 bytes within HKDF limits");
    let mut mac = HmacSha256::new_from_slice(&*key).expect("HMAC takes any key");
    for part in [action.as_bytes(), credential_id.as_bytes(), &unix_time.to_be_bytes()] {
        mac.update(&(part.len() as u32).to_be_bytes());
        mac.update(part);
    }
    BASE64URL_NOPAD.encode(&mac.finalize().into_bytes())
}

/// Checks a management MAC in constant time.
pub fn check_manage_mac(seed: &[u8], credential_id: &str, action: &str, unix_time: u64, mac: &str) -> bool {
    let expected = manage_mac(seed, credential_id, action, unix_time);
    expected.len() == mac.len() && bool::from(expected.as_bytes().ct_eq(mac.as_bytes()))
}

/// The app's side of an activation: what it sends, and how it checks the
/// answer and derives the seed.
pub struct ClientActivation {
    eph: Ephemeral,
    code: ActivationCode,
    enrollment_id: String,
    device_id: DeviceId,
}

impl ClientActivation {
    pub fn start<R: RngCore + CryptoRng>(
        rng: &mut R,
        enrollment_id: &str,
        code: ActivationCode,
        device_id: DeviceId,
    ) -> (ClientActivation, ActivateRequest) {
        let eph = Ephemeral::generate(rng);
        let req = ActivateRequest {
            v: VERSION,
            enrollment_id: enrollment_id.to_owned(),
            activation_code: code.grouped(),
            device_id: device_id.as_str().to_owned(),
            client_public: encode(&eph.public),
            client_nonce: encode(&eph.nonce),
        };
        let me = ClientActivation {
            eph,
            code,
            enrollment_id: enrollment_id.to_owned(),
            device_id,
        };
        (me, req)
    }

    /// Checks the server's answer (parameters and its proof) and derives the
    /// seed. Only a server that knew the activation code passes.
    pub fn finish(&self, resp: &ActivateResponse) -> Result<Agreed, ProtocolError> {
        resp.params.validate()?;
        let server_public: [u8; 32] = decode_fixed("server_public", &resp.server_public)?;
        let server_nonce: [u8; NONCE_BYTES] = decode_fixed("server_nonce", &resp.server_nonce)?;
        let shared = self.eph.agree(&server_public)?;
        let transcript = Transcript {
            enrollment_id: &self.enrollment_id,
            device_id: &self.device_id,
            params: resp.params,
            client_public: &self.eph.public,
            client_nonce: &self.eph.nonce,
            server_public: &server_public,
            server_nonce: &server_nonce,
            credential_id: &resp.credential_id,
        };
        let agreed = Agreed::derive(&shared, &self.code, &transcript);
        agreed.check_server_mac(&resp.server_mac)?;
        Ok(agreed)
    }

    /// The request that makes the token active, sent once the seed is stored.
    pub fn confirm_request(&self, agreed: &Agreed, resp: &ActivateResponse) -> ConfirmRequest {
        ConfirmRequest {
            enrollment_id: self.enrollment_id.clone(),
            credential_id: resp.credential_id.clone(),
            client_mac: agreed.client_mac(),
        }
    }
}

// ---- The JSON messages (docs/PROTOCOL.md §3) ----

/// `POST /v1/activate`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    pub v: u32,
    pub enrollment_id: String,
    /// As typed; the server normalises it.
    pub activation_code: String,
    pub device_id: String,
    pub client_public: String,
    pub client_nonce: String,
}

/// The answer to an activation: everything the app needs to make codes,
/// except the seed, which it derives.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ActivateResponse {
    pub credential_id: String,
    #[serde(flatten)]
    pub params: Params,
    pub server_public: String,
    pub server_nonce: String,
    pub server_mac: String,
    /// Unix time from which codes verify (the issuer's sync delay).
    pub ready_at: u64,
    /// Unix time by which the app must confirm, or the activation is void.
    pub confirm_by: u64,
    /// The server's clock when it answered, so the app can count the sync
    /// delay on the server's clock rather than its own (which may be off).
    #[serde(default)]
    pub now: u64,
    pub issuer: String,
    pub account: String,
}

/// `POST /v1/activate/confirm`
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    pub enrollment_id: String,
    pub credential_id: String,
    pub client_mac: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConfirmResponse {
    pub credential_id: String,
    pub ready_at: u64,
}

/// `POST /v1/verify` (the EHR, with its API key).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescribing_device_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VerifyResponse {
    pub ok: bool,
    pub credential_id: String,
}

/// `POST /v1/revoke` (the app, signed with the seed).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    pub credential_id: String,
    pub time: u64,
    pub mac: String,
}

/// `GET /v1/time`
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimeResponse {
    pub unix: u64,
    pub unix_ms: u64,
}

/// Every refusal: a stable code for programs and a sentence for people.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// The enrollment link for the email: where to activate, never a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivateLink {
    /// `https://host[:port]` (plain `http://` only for a loopback host).
    pub server: String,
    pub enrollment_id: String,
    pub issuer: String,
    pub account: String,
}

impl ActivateLink {
    pub fn to_uri(&self) -> String {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        format!(
            "softtoken://activate?v={VERSION}&server={}&id={}&issuer={}&account={}",
            enc(&self.server),
            enc(&self.enrollment_id),
            enc(&self.issuer),
            enc(&self.account)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(7)
    }

    #[test]
    fn activation_codes_are_40_bits_typed_in_two_groups() {
        let code = ActivationCode::generate(&mut rng());
        assert_eq!(code.as_str().len(), 8);
        let g = code.grouped();
        assert_eq!(g.len(), 9);
        assert_eq!(&g[4..5], "-");
        assert_eq!(ActivationCode::parse(&g).unwrap(), code);
        assert_eq!(ActivationCode::parse(&g.to_lowercase()).unwrap(), code);
    }

    #[test]
    fn activation_codes_read_as_people_type_them() {
        assert_eq!(ActivationCode::parse("k7qm 2xwd").unwrap().as_str(), "K7QM2XWD");
        assert_eq!(ActivationCode::parse("OIL0-1234").unwrap().as_str(), "01101234");
        assert_eq!(ActivationCode::parse("K7QM-2XW"), Err(ProtocolError::CodeLength(7)));
        assert_eq!(
            ActivationCode::parse("K7QM-2XWU"),
            Err(ProtocolError::CodeCharacter('U'))
        );
        assert_eq!(
            ActivationCode::parse("K7QM-2XWé"),
            Err(ProtocolError::CodeCharacter('é'))
        );
        assert!(format!("{:?}", ActivationCode::parse("K7QM-2XWD").unwrap()).contains("redacted"));
    }

    #[test]
    fn every_symbol_appears_in_generated_codes() {
        let mut r = rng();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            seen.extend(ActivationCode::generate(&mut r).as_str().chars());
        }
        assert_eq!(seen.len(), 32);
    }

    struct Run {
        client_seed: Zeroizing<Vec<u8>>,
        server_seed: Zeroizing<Vec<u8>>,
        server_mac: String,
        client: Agreed,
        server: Agreed,
    }

    fn run(client_code: &str, server_code: &str, client_device: &str, server_device: &str) -> Run {
        let mut r = rng();
        let c = Ephemeral::generate(&mut r);
        let s = Ephemeral::generate(&mut r);
        let params = Params::default();
        let dc: DeviceId = client_device.parse().unwrap();
        let ds: DeviceId = server_device.parse().unwrap();
        let t = |d| Transcript {
            enrollment_id: "enr",
            device_id: d,
            params,
            client_public: &c.public,
            client_nonce: &c.nonce,
            server_public: &s.public,
            server_nonce: &s.nonce,
            credential_id: "cred",
        };
        let server = Agreed::derive(
            &s.agree(&c.public).unwrap(),
            &ActivationCode::parse(server_code).unwrap(),
            &t(&ds),
        );
        let client = Agreed::derive(
            &c.agree(&s.public).unwrap(),
            &ActivationCode::parse(client_code).unwrap(),
            &t(&dc),
        );
        Run {
            client_seed: client.seed.clone(),
            server_seed: server.seed.clone(),
            server_mac: server.server_mac(),
            client,
            server,
        }
    }

    const DEV: &str = "ABCDEFGHIJKLMNOP";

    #[test]
    fn both_sides_agree_the_seed_and_confirm_each_other() {
        let r = run("K7QM-2XWD", "K7QM2XWD", DEV, DEV);
        assert_eq!(r.client_seed, r.server_seed);
        assert_eq!(r.client_seed.len(), 20);
        r.client.check_server_mac(&r.server_mac).unwrap();
        assert!(r.server.check_client_mac(&r.client.client_mac()));
        // A side's own proof is not the other's.
        assert!(!r.server.check_client_mac(&r.server_mac));
    }

    #[test]
    fn a_different_code_or_device_gives_a_different_seed_and_fails_confirmation() {
        for (code, device) in [("K7QM-2XWE", DEV), ("K7QM-2XWD", "ABCDEFGHIJKLMNOQ")] {
            let r = run(code, "K7QM-2XWD", device, DEV);
            assert_ne!(r.client_seed, r.server_seed);
            assert_eq!(
                r.client.check_server_mac(&r.server_mac),
                Err(ProtocolError::ServerProof)
            );
            assert!(!r.server.check_client_mac(&r.client.client_mac()));
        }
    }

    #[test]
    fn low_order_public_keys_are_refused() {
        let e = Ephemeral::generate(&mut rng());
        assert_eq!(e.agree(&[0u8; 32]).unwrap_err(), ProtocolError::WeakKey);
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_eq!(e.agree(&one).unwrap_err(), ProtocolError::WeakKey);
    }

    #[test]
    fn seed_length_follows_the_hash() {
        for (alg, len) in [(Algorithm::Sha1, 20), (Algorithm::Sha256, 32), (Algorithm::Sha512, 64)] {
            let p = Params {
                algorithm: alg,
                ..Params::default()
            };
            assert_eq!(p.seed_len(), len);
        }
    }

    #[test]
    fn manage_macs_bind_action_credential_and_time() {
        let seed = [9u8; 20];
        let m = manage_mac(&seed, "c1", "revoke", 100);
        assert!(check_manage_mac(&seed, "c1", "revoke", 100, &m));
        assert!(!check_manage_mac(&seed, "c2", "revoke", 100, &m));
        assert!(!check_manage_mac(&seed, "c1", "revoke", 101, &m));
        assert!(!check_manage_mac(&[8u8; 20], "c1", "revoke", 100, &m));
    }

    #[test]
    fn fixed_fields_refuse_wrong_lengths_and_alphabets() {
        assert!(decode_fixed::<32>("client_public", &encode(&[1u8; 32])).is_ok());
        assert!(decode_fixed::<32>("client_public", &encode(&[1u8; 31])).is_err());
        assert!(decode_fixed::<32>("client_public", "!!!!").is_err());
        assert!(decode_fixed::<32>("client_public", &"A".repeat(10_000)).is_err());
    }

    #[test]
    fn links_carry_no_secret_and_escape_their_fields() {
        let l = ActivateLink {
            server: "https://ehr.example:8443".into(),
            enrollment_id: "abc".into(),
            issuer: "Clinic & Co".into(),
            account: "dr@x".into(),
        };
        assert_eq!(
            l.to_uri(),
            "softtoken://activate?v=2&server=https%3A%2F%2Fehr%2Eexample%3A8443&id=abc&issuer=Clinic%20%26%20Co&account=dr%40x"
        );
    }
}
