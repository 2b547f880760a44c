//! Sealed token secrets: PIN → Argon2id → XChaCha20-Poly1305, in the keyring.
//!
//! Each token's secret is sealed with a key derived from its four-digit PIN by
//! Argon2id, with the token's ID and this device's ID as associated data, and
//! the sealed record is stored in the OS keyring (never in a file). The
//! record also carries the wrong-PIN count and back-off deadline, so deleting
//! or editing SoftToken's files cannot reset them; the tenth wrong PIN erases
//! the ciphertext. A record copied to another device names the device it was
//! sealed on and, because that ID is authenticated, does not open there.

use argon2::{Algorithm as Argon2Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use data_encoding::BASE64;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::device::DeviceId;
use crate::pin::{self, Pin};
use crate::store::{SecretStore, StoreError};

/// Argon2id cost parameters, stored with every record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// The default: 64 MiB, 3 passes, 1 lane (see the README's security model).
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// Cheap parameters for tests only; records made with them are as valid but weak.
    pub const TEST: KdfParams = KdfParams { m_kib: 64, t: 1, p: 1 };
}

/// A vault failure. Wrong PINs carry what the user needs to know next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    #[error("Wrong PIN ({failures} of {max} tries used).", max = pin::MAX_FAILURES)]
    WrongPin { failures: u32, wait_until: u64 },
    #[error("Too many wrong PINs: wait until the back-off ends before trying again.")]
    Wait { until: u64, failures: u32 },
    #[error("This token is locked after 10 wrong PINs and its secret has been erased.")]
    Locked,
    #[error("This token was activated on another device and cannot be used here.")]
    OtherDevice,
    #[error("This token's secret is missing from the system keyring.")]
    Missing,
    #[error("This token's keyring record is damaged: {0}")]
    Damaged(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What is stored in the keyring for one token (JSON).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Record {
    v: u32,
    device: DeviceId,
    kdf: KdfParams,
    salt: String,
    nonce: String,
    /// `None` once erased after too many wrong PINs.
    ciphertext: Option<String>,
    failures: u32,
    not_before: u64,
}

/// The wrong-PIN state of a token, read without the PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Attempts {
    pub failures: u32,
    pub not_before: u64,
    pub locked: bool,
}

/// Seals and opens token secrets in a [`SecretStore`].
pub struct Vault<'a> {
    store: &'a dyn SecretStore,
    device: &'a DeviceId,
    kdf: KdfParams,
}

fn key_name(token_id: &str) -> String {
    format!("token:{token_id}")
}

fn associated_data(token_id: &str, device: &DeviceId) -> Vec<u8> {
    format!("softtoken-vault-v1\0{token_id}\0{}", device.as_str()).into_bytes()
}

/// Argon2id(PIN, salt) → 32-byte key.
pub fn derive_key(pin: &[u8], salt: &[u8], kdf: KdfParams) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let params = Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).map_err(|e| VaultError::Damaged(e.to_string()))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Argon2Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pin, salt, &mut key[..])
        .map_err(|e| VaultError::Damaged(e.to_string()))?;
    Ok(key)
}

impl<'a> Vault<'a> {
    pub fn new(store: &'a dyn SecretStore, device: &'a DeviceId, kdf: KdfParams) -> Vault<'a> {
        Vault { store, device, kdf }
    }

    fn load(&self, token_id: &str) -> Result<Record, VaultError> {
        let raw = self.store.get(&key_name(token_id))?.ok_or(VaultError::Missing)?;
        serde_json::from_slice(&raw).map_err(|e| VaultError::Damaged(e.to_string()))
    }

    fn save(&self, token_id: &str, record: &Record) -> Result<(), VaultError> {
        let json = Zeroizing::new(serde_json::to_vec(record).map_err(|e| VaultError::Damaged(e.to_string()))?);
        Ok(self.store.set(&key_name(token_id), &json)?)
    }

    /// Seals `secret` under `pin` and stores it for `token_id`.
    pub fn seal(&self, token_id: &str, secret: &[u8], pin: &Pin) -> Result<(), VaultError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let key = derive_key(pin.as_bytes(), &salt, self.kdf)?;
        let cipher = XChaCha20Poly1305::new(key.as_ref().into());
        let aad = associated_data(token_id, self.device);
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: secret, aad: &aad })
            .map_err(|_| VaultError::Damaged("encryption failed".into()))?;
        let record = Record {
            v: 1,
            device: self.device.clone(),
            kdf: self.kdf,
            salt: BASE64.encode(&salt),
            nonce: BASE64.encode(&nonce),
            ciphertext: Some(BASE64.encode(&ciphertext)),
            failures: 0,
            not_before: 0,
        };
        self.save(token_id, &record)
    }

    /// The wrong-PIN state, without the PIN.
    pub fn attempts(&self, token_id: &str) -> Result<Attempts, VaultError> {
        let r = self.load(token_id)?;
        Ok(Attempts {
            failures: r.failures,
            not_before: r.not_before,
            locked: r.ciphertext.is_none(),
        })
    }

    /// Opens the secret with `pin` at time `now`. A wrong PIN is counted in the
    /// keyring before the error is returned; the tenth erases the secret.
    pub fn open(&self, token_id: &str, pin: &Pin, now: u64) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let mut record = self.load(token_id)?;
        if &record.device != self.device {
            return Err(VaultError::OtherDevice);
        }
        let Some(ciphertext) = record.ciphertext.as_deref() else {
            return Err(VaultError::Locked);
        };
        if now < record.not_before {
            return Err(VaultError::Wait {
                until: record.not_before,
                failures: record.failures,
            });
        }
        let bad = |what: &str| VaultError::Damaged(format!("its {what} is not valid base64"));
        let salt = BASE64.decode(record.salt.as_bytes()).map_err(|_| bad("salt"))?;
        let nonce = BASE64.decode(record.nonce.as_bytes()).map_err(|_| bad("nonce"))?;
        let ciphertext = BASE64.decode(ciphertext.as_bytes()).map_err(|_| bad("ciphertext"))?;
        if nonce.len() != 24 {
            return Err(VaultError::Damaged("its nonce has the wrong length".into()));
        }
        let key = derive_key(pin.as_bytes(), &salt, record.kdf)?;
        let cipher = XChaCha20Poly1305::new(key.as_ref().into());
        let aad = associated_data(token_id, self.device);
        match cipher.decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: &aad,
            },
        ) {
            Ok(secret) => {
                let secret = Zeroizing::new(secret);
                if record.failures != 0 || record.not_before != 0 {
                    record.failures = 0;
                    record.not_before = 0;
                    self.save(token_id, &record)?;
                }
                Ok(secret)
            }
            Err(_) => {
                record.failures = record.failures.saturating_add(1);
                if record.failures >= pin::MAX_FAILURES {
                    record.ciphertext = None;
                    record.nonce.clear();
                    record.salt.clear();
                    record.not_before = 0;
                    self.save(token_id, &record)?;
                    return Err(VaultError::Locked);
                }
                record.not_before = now + pin::delay_after(record.failures);
                self.save(token_id, &record)?;
                Err(VaultError::WrongPin {
                    failures: record.failures,
                    wait_until: record.not_before,
                })
            }
        }
    }

    /// Deletes the token's record.
    pub fn delete(&self, token_id: &str) -> Result<(), VaultError> {
        Ok(self.store.delete(&key_name(token_id))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::KeyringStore;

    fn pin(s: &str) -> Pin {
        Pin::new(s.to_string())
    }

    #[test]
    fn argon2id_matches_the_rfc_9106_shape() {
        // RFC 9106 §5.3 uses secret/associated data we do not; check instead that
        // the KDF is deterministic and salt- and PIN-sensitive.
        let k = derive_key(b"2580", b"saltsaltsaltsalt", KdfParams::TEST).unwrap();
        assert_eq!(k, derive_key(b"2580", b"saltsaltsaltsalt", KdfParams::TEST).unwrap());
        assert_ne!(k, derive_key(b"2581", b"saltsaltsaltsalt", KdfParams::TEST).unwrap());
        assert_ne!(k, derive_key(b"2580", b"saltsaltsaltsalu", KdfParams::TEST).unwrap());
    }

    #[test]
    fn seal_open_and_the_record_holds_no_plaintext() {
        let store = KeyringStore::mock();
        let dev = DeviceId::from_machine_id("a");
        let v = Vault::new(&store, &dev, KdfParams::TEST);
        v.seal("t1", b"12345678901234567890", &pin("2580")).unwrap();
        assert_eq!(&*v.open("t1", &pin("2580"), 0).unwrap(), b"12345678901234567890");
        let raw = store.get("token:t1").unwrap().unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("1234567890") && !text.contains("2580"), "{text}");
        assert!(text.contains("\"m_kib\":64"));
    }

    #[test]
    fn another_device_or_token_id_does_not_open() {
        let store = KeyringStore::mock();
        let a = DeviceId::from_machine_id("a");
        let b = DeviceId::from_machine_id("b");
        Vault::new(&store, &a, KdfParams::TEST)
            .seal("t1", &[1; 20], &pin("2580"))
            .unwrap();
        let there = Vault::new(&store, &b, KdfParams::TEST);
        assert_eq!(there.open("t1", &pin("2580"), 0), Err(VaultError::OtherDevice));
        // A record moved to another token ID does not open, even on its own device.
        store.set("token:t2", &store.get("token:t1").unwrap().unwrap()).unwrap();
        let here = Vault::new(&store, &a, KdfParams::TEST);
        assert!(matches!(
            here.open("t2", &pin("2580"), 0),
            Err(VaultError::WrongPin { failures: 1, .. })
        ));
        // Forge the device field: the associated data still binds the original device.
        let raw = store.get("token:t1").unwrap().unwrap();
        let forged = String::from_utf8(raw.to_vec()).unwrap().replace(a.as_str(), b.as_str());
        store.set("token:t1", forged.as_bytes()).unwrap();
        assert!(matches!(
            there.open("t1", &pin("2580"), 0),
            Err(VaultError::WrongPin { .. })
        ));
    }

    #[test]
    fn wrong_pins_back_off_then_erase_and_a_right_pin_resets() {
        let store = KeyringStore::mock();
        let dev = DeviceId::from_machine_id("a");
        let v = Vault::new(&store, &dev, KdfParams::TEST);
        v.seal("t", &[9; 20], &pin("2580")).unwrap();
        let mut now = 1_000;
        for n in 1..=4 {
            assert_eq!(
                v.open("t", &pin("1111"), now),
                Err(VaultError::WrongPin {
                    failures: n,
                    wait_until: now
                })
            );
        }
        // A right PIN resets the count.
        assert!(v.open("t", &pin("2580"), now).is_ok());
        assert_eq!(v.attempts("t").unwrap(), Attempts::default());
        for n in 1..=9u32 {
            let wait = pin::delay_after(n);
            assert_eq!(
                v.open("t", &pin("0000"), now),
                Err(VaultError::WrongPin {
                    failures: n,
                    wait_until: now + wait
                })
            );
            if wait > 0 {
                // Even the right PIN is refused during the wait, and the wait is not counted.
                assert_eq!(
                    v.open("t", &pin("2580"), now + wait - 1),
                    Err(VaultError::Wait {
                        until: now + wait,
                        failures: n
                    })
                );
            }
            now += wait;
        }
        assert_eq!(v.open("t", &pin("0000"), now), Err(VaultError::Locked));
        assert_eq!(v.open("t", &pin("2580"), now), Err(VaultError::Locked));
        assert!(v.attempts("t").unwrap().locked);
        let raw = store.get("token:t").unwrap().unwrap();
        assert!(String::from_utf8_lossy(&raw).contains("\"ciphertext\":null"));
    }
}
