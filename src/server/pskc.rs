//! PSKC (RFC 6030): the file a hard-token vendor ships with its key fobs.
//!
//! Reads plain keys (§6 unencrypted), keys encrypted under a pre-shared
//! AES-128 key (§6.1) and under a password-derived key (§6.2, PBKDF2), and
//! checks each encrypted value's MAC (HMAC-SHA1 over IV ‖ ciphertext, with
//! the MAC key the file carries encrypted) before decrypting. A pure
//! function of the text and the key: no I/O.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use quick_xml::events::Event;
use quick_xml::Reader;
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::otp::Algorithm;
use crate::protocol::{Kind, Params};

/// A file larger than this is refused (a vendor file of 100,000 fobs is ~60 MB).
pub const MAX_FILE: usize = 64 << 20;
/// PBKDF2 iterations above this are refused (a hostile file could ask for
/// hours of CPU).
pub const MAX_ITERATIONS: u32 = 10_000_000;

const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
const HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
const HOTP: &str = "urn:ietf:params:xml:ns:keyprov:pskc:hotp";
const TOTP: &str = "urn:ietf:params:xml:ns:keyprov:pskc:totp";
const TOTP_ALT: &str = "urn:ietf:params:xml:ns:keyprov:pskc#totp";

/// Why a PSKC file was not imported. Nothing is imported from a file with
/// any error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PskcError {
    #[error("the file is not well-formed XML: {0}")]
    Xml(String),
    #[error("the file declares a DOCTYPE, which PSKC files never need; refused")]
    Doctype,
    #[error("the file is larger than 64 MiB")]
    TooLarge,
    #[error("the file has no <KeyContainer>")]
    NoContainer,
    #[error("key {0}: {1}")]
    Key(String, String),
    #[error("the keys are encrypted; give the pre-shared key (--psk-file) or the password (--password-stdin)")]
    NeedKey,
    #[error("the keys are encrypted under a password; give it with --password-stdin, not a pre-shared key")]
    NeedPassword,
    #[error("the MAC of key {0} does not match: wrong pre-shared key or password, or the file was changed")]
    Mac(String),
    #[error("the pre-shared key or password is wrong: the file's MAC key does not decrypt")]
    WrongKey,
    #[error("{0}")]
    Unsupported(String),
}

/// The secret that opens an encrypted file.
pub enum Unlock<'a> {
    None,
    PreShared(&'a [u8]),
    Password(&'a str),
}

/// One imported key.
pub struct PskcKey {
    pub serial: String,
    pub key_id: String,
    pub issuer: Option<String>,
    pub params: Params,
    pub secret: Zeroizing<Vec<u8>>,
    /// HOTP: the counter of the next code the fob will show.
    pub counter: Option<u64>,
}

impl std::fmt::Debug for PskcKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PskcKey")
            .field("serial", &self.serial)
            .field("key_id", &self.key_id)
            .field("params", &self.params)
            .field("secret", &"<redacted>")
            .field("counter", &self.counter)
            .finish()
    }
}

#[derive(Default)]
struct Value {
    plain: Option<String>,
    cipher: Option<String>,
    method: Option<String>,
    mac: Option<String>,
}

#[derive(Default)]
struct RawKey {
    serial: Option<String>,
    id: String,
    algorithm: String,
    issuer: Option<String>,
    length: Option<String>,
    encoding: Option<String>,
    secret: Value,
    counter: Value,
    interval: Value,
}

#[derive(Default)]
struct Container {
    seen: bool,
    key_name: Option<String>,
    pbkdf2: bool,
    salt: Option<String>,
    iterations: Option<String>,
    key_length: Option<String>,
    prf: Option<String>,
    mac_algorithm: Option<String>,
    mac_key: Value,
    keys: Vec<RawKey>,
}

fn b64(field: &str, text: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    data_encoding::BASE64
        .decode(clean.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| format!("{field} is not valid base64"))
}

/// Reads the file's keys. With `Unlock::None`, an encrypted file is refused.
pub fn parse(xml: &str, unlock: Unlock) -> Result<Vec<PskcKey>, PskcError> {
    if xml.len() > MAX_FILE {
        return Err(PskcError::TooLarge);
    }
    let c = read(xml)?;
    if !c.seen {
        return Err(PskcError::NoContainer);
    }
    let encrypted = c.keys.iter().any(|k| k.secret.cipher.is_some());
    let enc_key: Option<Zeroizing<Vec<u8>>> = if !encrypted {
        None
    } else if c.pbkdf2 {
        let Unlock::Password(pw) = unlock else {
            return Err(PskcError::NeedPassword);
        };
        Some(derive_pbkdf2(&c, pw)?)
    } else {
        match unlock {
            Unlock::PreShared(k) if k.len() == 16 => Some(Zeroizing::new(k.to_vec())),
            Unlock::PreShared(k) => {
                return Err(PskcError::Unsupported(format!(
                    "the pre-shared key is {} bytes; AES-128 needs 16 (32 hex digits)",
                    k.len()
                )))
            }
            Unlock::Password(_) => {
                return Err(PskcError::Unsupported(
                    "the keys are encrypted under a pre-shared key, not a password".into(),
                ))
            }
            Unlock::None => return Err(PskcError::NeedKey),
        }
    };
    let mac_key = match (&enc_key, &c.mac_key.cipher) {
        (Some(k), Some(_)) => {
            if c.mac_algorithm.as_deref().is_some_and(|a| a != HMAC_SHA1) {
                return Err(PskcError::Unsupported("only HMAC-SHA1 MACs are supported".into()));
            }
            Some(decrypt(k, &c.mac_key, "the MAC key").map_err(|_| PskcError::WrongKey)?)
        }
        _ => None,
    };

    let mut out = Vec::with_capacity(c.keys.len());
    let mut serials = std::collections::HashSet::new();
    for k in c.keys {
        let name = k.serial.clone().unwrap_or_else(|| k.id.clone());
        let err = |m: String| PskcError::Key(name.chars().take(64).collect(), m);
        let serial = k.serial.clone().or_else(|| (!k.id.is_empty()).then(|| k.id.clone()));
        let Some(serial) = serial.map(|s| s.trim().to_owned()) else {
            return Err(err("it has no serial number (<DeviceInfo><SerialNo>) or Id".into()));
        };
        if serial.is_empty() || serial.len() > 64 || serial.chars().any(|c| c.is_control()) {
            return Err(err(
                "its serial number is empty, longer than 64 characters or has control characters".into(),
            ));
        }
        if !serials.insert(serial.clone()) {
            return Err(err("the serial number appears twice in the file".into()));
        }
        let kind = match k.algorithm.as_str() {
            HOTP => Kind::Hotp,
            TOTP | TOTP_ALT => Kind::Totp,
            other => {
                return Err(err(format!(
                    "algorithm {} is not HOTP or TOTP",
                    other.chars().take(80).collect::<String>()
                )))
            }
        };
        if k.encoding.as_deref().is_some_and(|e| e != "DECIMAL") {
            return Err(err("codes must be DECIMAL".into()));
        }
        let digits: u8 = k
            .length
            .as_deref()
            .unwrap_or("6")
            .trim()
            .parse()
            .map_err(|_| err("ResponseFormat Length is not a number".into()))?;
        let secret = if let Some(p) = &k.secret.plain {
            b64("the secret", p).map_err(err)?
        } else if k.secret.cipher.is_some() {
            let key = enc_key.as_ref().ok_or(PskcError::NeedKey)?;
            if let Some(mk) = &mac_key {
                let Some(mac) = &k.secret.mac else {
                    return Err(err("an encrypted secret without a ValueMAC".into()));
                };
                let given = b64("ValueMAC", mac).map_err(err)?;
                let cipher = b64("CipherValue", k.secret.cipher.as_deref().unwrap_or("")).map_err(err)?;
                let mut m = <Hmac<Sha1>>::new_from_slice(mk).expect("HMAC takes any key");
                m.update(&cipher);
                let expected = m.finalize().into_bytes();
                if !bool::from(expected.as_slice().ct_eq(&given)) {
                    return Err(PskcError::Mac(name.chars().take(64).collect()));
                }
            }
            decrypt(key, &k.secret, "the secret").map_err(err)?
        } else {
            return Err(err("it has no <Secret>".into()));
        };
        let counter = match &k.counter.plain {
            Some(t) => Some(
                t.trim()
                    .parse::<u64>()
                    .map_err(|_| err("Counter is not a number".into()))?,
            ),
            None if k.counter.cipher.is_some() => {
                return Err(err("encrypted counters are not supported".into()));
            }
            None => None,
        };
        let period = match (&k.interval.plain, kind) {
            (_, Kind::Hotp) => 0,
            (Some(t), Kind::Totp) => t
                .trim()
                .parse()
                .map_err(|_| err("TimeInterval is not a number".into()))?,
            (None, Kind::Totp) => 30,
        };
        // RFC 6030 names no hash for HOTP/TOTP keys: HMAC-SHA1 (RFC 4226).
        let params = Params {
            kind,
            algorithm: Algorithm::Sha1,
            digits,
            period,
        };
        params.validate().map_err(|e| err(e.to_string()))?;
        crate::otp::validate_secret(&secret).map_err(|e| err(e.to_string()))?;
        if matches!(counter, Some(c) if c > i64::MAX as u64 / 2) {
            return Err(err("Counter is too large".into()));
        }
        out.push(PskcKey {
            serial,
            key_id: k.id,
            issuer: k.issuer,
            params,
            secret,
            counter: if kind == Kind::Hotp {
                Some(counter.unwrap_or(0))
            } else {
                None
            },
        });
    }
    Ok(out)
}

fn derive_pbkdf2(c: &Container, password: &str) -> Result<Zeroizing<Vec<u8>>, PskcError> {
    let bad = |m: &str| PskcError::Unsupported(format!("the key derivation: {m}"));
    if c.prf
        .as_deref()
        .is_some_and(|p| !p.is_empty() && !p.ends_with("hmac-sha1"))
    {
        return Err(bad("only PBKDF2 with HMAC-SHA1 is supported"));
    }
    let salt = b64("Salt", c.salt.as_deref().ok_or_else(|| bad("no Salt"))?).map_err(|m| bad(&m))?;
    let iterations: u32 = c
        .iterations
        .as_deref()
        .ok_or_else(|| bad("no IterationCount"))?
        .trim()
        .parse()
        .map_err(|_| bad("IterationCount is not a number"))?;
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(bad("IterationCount must be 1 to 10,000,000"));
    }
    let len: usize = c
        .key_length
        .as_deref()
        .unwrap_or("16")
        .trim()
        .parse()
        .map_err(|_| bad("KeyLength is not a number"))?;
    if len != 16 {
        return Err(bad("KeyLength must be 16 (AES-128)"));
    }
    let mut key = Zeroizing::new(vec![0u8; 16]);
    pbkdf2::pbkdf2_hmac::<Sha1>(password.as_bytes(), &salt, iterations, &mut key);
    Ok(key)
}

/// AES-128-CBC with the IV in front of the ciphertext (XML Encryption).
fn decrypt(key: &[u8], v: &Value, what: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    if v.method.as_deref().is_some_and(|m| m != AES128_CBC) {
        return Err(format!("{what} is encrypted with an algorithm other than AES-128-CBC"));
    }
    let data = b64("CipherValue", v.cipher.as_deref().unwrap_or(""))?;
    if data.len() < 32 || data.len() % 16 != 0 {
        return Err(format!("{what}: the ciphertext has a wrong length"));
    }
    let (iv, ct) = data.split_at(16);
    let dec = cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv).map_err(|_| "bad key length".to_string())?;
    dec.decrypt_padded_vec_mut::<Pkcs7>(ct)
        .map(Zeroizing::new)
        .map_err(|_| format!("{what} does not decrypt (wrong key or password)"))
}

/// One pass over the XML, keeping the elements PSKC defines by local name.
fn read(xml: &str) -> Result<Container, PskcError> {
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut c = Container::default();
    let mut text = String::new();
    let xml_err = |e: &dyn std::fmt::Display| PskcError::Xml(e.to_string().chars().take(120).collect());
    loop {
        let ev = r.read_event().map_err(|e| xml_err(&e))?;
        match ev {
            Event::DocType(_) => return Err(PskcError::Doctype),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let attr = |want: &str| -> Result<Option<String>, PskcError> {
                    for a in e.attributes() {
                        let a = a.map_err(|e| xml_err(&e))?;
                        if a.key.local_name().as_ref() == want.as_bytes() {
                            return Ok(Some(
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .map_err(|e| xml_err(&e))?
                                    .into_owned(),
                            ));
                        }
                    }
                    Ok(None)
                };
                match name.as_str() {
                    "KeyContainer" => c.seen = true,
                    "KeyPackage" => c.keys.push(RawKey::default()),
                    "Key" if path.last().is_some_and(|p| p == "KeyPackage") => {
                        if let Some(k) = c.keys.last_mut() {
                            k.id = attr("Id")?.unwrap_or_default();
                            k.algorithm = attr("Algorithm")?.unwrap_or_default();
                        }
                    }
                    "ResponseFormat" => {
                        if let Some(k) = c.keys.last_mut() {
                            k.length = attr("Length")?;
                            k.encoding = attr("Encoding")?;
                        }
                    }
                    "KeyDerivationMethod" => {
                        c.pbkdf2 = attr("Algorithm")?.is_some_and(|a| a.ends_with("pbkdf2"));
                        if !c.pbkdf2 {
                            return Err(PskcError::Unsupported("only PBKDF2 key derivation is supported".into()));
                        }
                    }
                    "PRF" => c.prf = attr("Algorithm")?.or(Some(String::new())),
                    "MACMethod" => c.mac_algorithm = attr("Algorithm")?,
                    "EncryptionMethod" => {
                        let m = attr("Algorithm")?;
                        if let Some(v) = value_slot(&mut c, &path) {
                            v.method = m;
                        }
                    }
                    _ => {}
                }
                if matches!(ev, Event::Start(_)) {
                    path.push(name);
                    if path.len() > 32 {
                        return Err(PskcError::Xml("elements nested more than 32 deep".into()));
                    }
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.decode().map_err(|e| xml_err(&e))?),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t.into_inner())),
            Event::GeneralRef(r) => {
                if let Some(ch) = r.resolve_char_ref().map_err(|e| xml_err(&e))? {
                    text.push(ch);
                } else {
                    let name = r.decode().map_err(|e| xml_err(&e))?;
                    let v = quick_xml::escape::resolve_predefined_entity(&name).ok_or_else(|| {
                        PskcError::Xml(format!(
                            "unknown entity &{};",
                            name.chars().take(20).collect::<String>()
                        ))
                    })?;
                    text.push_str(v);
                }
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or("");
                let t = std::mem::take(&mut text);
                match (parent, name.as_str()) {
                    ("DeviceInfo", "SerialNo") => {
                        if let Some(k) = c.keys.last_mut() {
                            k.serial = Some(t);
                        }
                    }
                    ("Key", "Issuer") => {
                        if let Some(k) = c.keys.last_mut() {
                            k.issuer = Some(t);
                        }
                    }
                    ("EncryptionKey", "KeyName") => c.key_name = Some(t),
                    ("Salt", "Specified") => c.salt = Some(t),
                    (_, "IterationCount") => c.iterations = Some(t),
                    (_, "KeyLength") => c.key_length = Some(t),
                    (_, "PlainValue") | (_, "CipherValue") | (_, "ValueMAC") => {
                        if let Some(v) = value_slot(&mut c, &path) {
                            match name.as_str() {
                                "PlainValue" => v.plain = Some(t),
                                "CipherValue" => v.cipher = Some(t),
                                _ => v.mac = Some(t),
                            }
                        } else if name == "ValueMAC" {
                            if let Some(k) = c.keys.last_mut() {
                                k.secret.mac = Some(t);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(PskcError::Xml(format!("<{}> is not closed", path.last().unwrap())));
    }
    Ok(c)
}

/// Which value an element inside `path` belongs to.
fn value_slot<'a>(c: &'a mut Container, path: &[String]) -> Option<&'a mut Value> {
    if path.iter().any(|p| p == "MACKey") {
        return Some(&mut c.mac_key);
    }
    let k = c.keys.last_mut()?;
    if path.iter().any(|p| p == "Secret") {
        Some(&mut k.secret)
    } else if path.iter().any(|p| p == "Counter") {
        Some(&mut k.counter)
    } else if path.iter().any(|p| p == "TimeInterval") {
        Some(&mut k.interval)
    } else {
        None
    }
}
