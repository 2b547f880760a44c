//! Sealed token secrets: PIN → Argon2id → XChaCha20-Poly1305, in the keyring.
//!
//! Each token's secret is sealed with a key derived from its four-digit PIN by
//! Argon2id, with the token's ID and this device's ID as associated data, and
//! the sealed record is stored in the OS keyring (never in a file). The
//! record also carries the wrong-PIN count and back-off deadline, so deleting
//! or editing SoftToken's files cannot reset them; the tenth wrong PIN erases
//! the ciphertext. A record copied to another device names the device it was
//! sealed on and, because that ID is authenticated, does not open there.
//!
//! The count cannot be raced or rolled back: [`Vault::open`] runs only under
//! the data folder's [`DataLock`] (every SoftToken process takes it), and it
//! records each try as a failure in the keyring *before* Argon2id runs, so a
//! guesser killed or stopped at any moment has already paid for its guess; a
//! right PIN then clears the count under the same lock. If the try cannot be
//! recorded, the PIN is not checked.

use argon2::{Algorithm as Argon2Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use data_encoding::BASE64;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::device::DeviceId;
use crate::files::DataLock;
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
    /// The most a record may ask for: 4× the default memory, a few more passes.
    /// A record edited to ask for gigabytes or thousands of passes would
    /// otherwise make the app hang or abort when a PIN is typed.
    pub const MAX: KdfParams = KdfParams {
        m_kib: 256 * 1024,
        t: 10,
        p: 4,
    };

    /// True when every parameter is within [`KdfParams::MAX`].
    pub fn within_limits(&self) -> bool {
        self.m_kib <= Self::MAX.m_kib && self.t <= Self::MAX.t && self.p <= Self::MAX.p
    }
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
    /// The try could not be written down first, so the PIN was not checked.
    #[error("The PIN try could not be recorded in the system keyring, so the PIN was not checked: {0}")]
    NotRecorded(StoreError),
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

/// A record's sealed parts, decoded and checked before any PIN try is spent.
struct Sealed {
    salt: Vec<u8>,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
}

impl Sealed {
    fn decode(record: &Record) -> Result<Sealed, VaultError> {
        let bad = |what: &str| VaultError::Damaged(format!("its {what} is not valid base64"));
        let ciphertext = record.ciphertext.as_deref().ok_or(VaultError::Locked)?;
        let sealed = Sealed {
            salt: BASE64.decode(record.salt.as_bytes()).map_err(|_| bad("salt"))?,
            nonce: BASE64.decode(record.nonce.as_bytes()).map_err(|_| bad("nonce"))?,
            ciphertext: BASE64.decode(ciphertext.as_bytes()).map_err(|_| bad("ciphertext"))?,
        };
        if sealed.nonce.len() != 24 {
            return Err(VaultError::Damaged("its nonce has the wrong length".into()));
        }
        if !record.kdf.within_limits() {
            let max = KdfParams::MAX;
            return Err(VaultError::Damaged(format!(
                "it asks for Argon2id with {} MiB, {} passes and {} lanes; SoftToken allows at most {} MiB, {} passes and {} lanes",
                record.kdf.m_kib / 1024,
                record.kdf.t,
                record.kdf.p,
                max.m_kib / 1024,
                max.t,
                max.p
            )));
        }
        Ok(sealed)
    }
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

    /// Opens the secret with `pin` at time `now`, under the data folder's lock.
    ///
    /// The try is written to the keyring as a failure before Argon2id runs;
    /// a right PIN clears the count afterwards, the tenth failure erases the
    /// secret. A back-off deadline further away than the stored count allows
    /// (the clock was ahead when it was set) is brought back to that delay.
    pub fn open(
        &self,
        _held: &DataLock,
        token_id: &str,
        pin: &Pin,
        now: u64,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let mut record = self.load(token_id)?;
        if &record.device != self.device {
            return Err(VaultError::OtherDevice);
        }
        if record.ciphertext.is_none() {
            return Err(VaultError::Locked);
        }
        if record.failures >= pin::MAX_FAILURES {
            // The last allowed try was recorded but its process never finished
            // (killed mid-check): it counts, and the secret goes now.
            self.erase(token_id)?;
            return Err(VaultError::Locked);
        }
        let longest = now.saturating_add(pin::delay_after(record.failures));
        if record.not_before > longest {
            record.not_before = longest;
            self.save(token_id, &record)?;
        }
        if now < record.not_before {
            return Err(VaultError::Wait {
                until: record.not_before,
                failures: record.failures,
            });
        }
        let sealed = Sealed::decode(&record)?;
        // Pay for the guess first: from here on, stopping this process at any
        // moment leaves the try counted.
        record.failures += 1;
        record.not_before = now.saturating_add(pin::delay_after(record.failures));
        self.save(token_id, &record).map_err(|e| match e {
            VaultError::Store(s) => VaultError::NotRecorded(s),
            other => other,
        })?;
        let key = derive_key(pin.as_bytes(), &sealed.salt, record.kdf)?;
        let cipher = XChaCha20Poly1305::new(key.as_ref().into());
        let aad = associated_data(token_id, self.device);
        let opened = cipher.decrypt(
            XNonce::from_slice(&sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: &aad,
            },
        );
        match opened {
            Ok(secret) => {
                let secret = Zeroizing::new(secret);
                self.update_counters(token_id, &record, 0, 0)?;
                Ok(secret)
            }
            Err(_) if record.failures >= pin::MAX_FAILURES => {
                self.erase(token_id)?;
                Err(VaultError::Locked)
            }
            Err(_) => Err(VaultError::WrongPin {
                failures: record.failures,
                wait_until: record.not_before,
            }),
        }
    }

    /// Sets the counters of the record as it is in the keyring now, provided
    /// it is still the seal `expected` was read from (nothing read before the
    /// check is written back over a newer record).
    fn update_counters(
        &self,
        token_id: &str,
        expected: &Record,
        failures: u32,
        not_before: u64,
    ) -> Result<(), VaultError> {
        let mut current = self.load(token_id)?;
        if current.salt != expected.salt || current.ciphertext != expected.ciphertext {
            return Err(VaultError::Damaged("it changed while the PIN was checked".into()));
        }
        current.failures = failures;
        current.not_before = not_before;
        self.save(token_id, &current)
    }

    /// Erases the ciphertext (and its salt and nonce), keeping the count.
    fn erase(&self, token_id: &str) -> Result<(), VaultError> {
        let mut record = self.load(token_id)?;
        record.ciphertext = None;
        record.nonce.clear();
        record.salt.clear();
        record.not_before = 0;
        record.failures = record.failures.max(pin::MAX_FAILURES);
        self.save(token_id, &record)
    }

    /// Deletes the token's record.
    pub fn delete(&self, token_id: &str) -> Result<(), VaultError> {
        Ok(self.store.delete(&key_name(token_id))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FailingStore, KeyringStore, ReadOnlyStore};
    use std::sync::Arc;

    fn pin(s: &str) -> Pin {
        Pin::new(s.to_string())
    }

    /// The data folder lock every open runs under (a folder of the test's own).
    fn lock() -> (tempfile::TempDir, DataLock) {
        let dir = tempfile::tempdir().unwrap();
        let l = DataLock::acquire(dir.path(), "tokens.lock", crate::files::LOCK_WAIT).unwrap();
        (dir, l)
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
        let (_d, l) = lock();
        let store = KeyringStore::mock();
        let dev = DeviceId::from_machine_id("a");
        let v = Vault::new(&store, &dev, KdfParams::TEST);
        v.seal("t1", b"12345678901234567890", &pin("2580")).unwrap();
        assert_eq!(&*v.open(&l, "t1", &pin("2580"), 0).unwrap(), b"12345678901234567890");
        let raw = store.get("token:t1").unwrap().unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("1234567890") && !text.contains("2580"), "{text}");
        assert!(text.contains("\"m_kib\":64"));
    }

    #[test]
    fn another_device_or_token_id_does_not_open() {
        let (_d, l) = lock();
        let store = KeyringStore::mock();
        let a = DeviceId::from_machine_id("a");
        let b = DeviceId::from_machine_id("b");
        Vault::new(&store, &a, KdfParams::TEST)
            .seal("t1", &[1; 20], &pin("2580"))
            .unwrap();
        let there = Vault::new(&store, &b, KdfParams::TEST);
        assert_eq!(there.open(&l, "t1", &pin("2580"), 0), Err(VaultError::OtherDevice));
        // A record moved to another token ID does not open, even on its own device.
        store.set("token:t2", &store.get("token:t1").unwrap().unwrap()).unwrap();
        let here = Vault::new(&store, &a, KdfParams::TEST);
        assert!(matches!(
            here.open(&l, "t2", &pin("2580"), 0),
            Err(VaultError::WrongPin { failures: 1, .. })
        ));
        // Forge the device field: the associated data still binds the original device.
        let raw = store.get("token:t1").unwrap().unwrap();
        let forged = String::from_utf8(raw.to_vec()).unwrap().replace(a.as_str(), b.as_str());
        store.set("token:t1", forged.as_bytes()).unwrap();
        assert!(matches!(
            there.open(&l, "t1", &pin("2580"), 0),
            Err(VaultError::WrongPin { .. })
        ));
    }

    #[test]
    fn wrong_pins_back_off_then_erase_and_a_right_pin_resets() {
        let (_d, l) = lock();
        let store = KeyringStore::mock();
        let dev = DeviceId::from_machine_id("a");
        let v = Vault::new(&store, &dev, KdfParams::TEST);
        v.seal("t", &[9; 20], &pin("2580")).unwrap();
        let mut now = 1_000;
        for n in 1..=4 {
            assert_eq!(
                v.open(&l, "t", &pin("1111"), now),
                Err(VaultError::WrongPin {
                    failures: n,
                    wait_until: now
                })
            );
        }
        // A right PIN resets the count.
        assert!(v.open(&l, "t", &pin("2580"), now).is_ok());
        assert_eq!(v.attempts("t").unwrap(), Attempts::default());
        for n in 1..=9u32 {
            let wait = pin::delay_after(n);
            assert_eq!(
                v.open(&l, "t", &pin("0000"), now),
                Err(VaultError::WrongPin {
                    failures: n,
                    wait_until: now + wait
                })
            );
            if wait > 0 {
                // Even the right PIN is refused during the wait, and the wait is not counted.
                assert_eq!(
                    v.open(&l, "t", &pin("2580"), now + wait - 1),
                    Err(VaultError::Wait {
                        until: now + wait,
                        failures: n
                    })
                );
            }
            now += wait;
        }
        assert_eq!(v.open(&l, "t", &pin("0000"), now), Err(VaultError::Locked));
        assert_eq!(v.open(&l, "t", &pin("2580"), now), Err(VaultError::Locked));
        assert!(v.attempts("t").unwrap().locked);
        let raw = store.get("token:t").unwrap().unwrap();
        assert!(String::from_utf8_lossy(&raw).contains("\"ciphertext\":null"));
    }

    /// Token "t" sealed under PIN 2580 on device "a" in a mock keyring, with the
    /// data folder lock held.
    struct Fixture {
        _dir: tempfile::TempDir,
        lock: DataLock,
        store: KeyringStore,
        dev: DeviceId,
    }

    impl Fixture {
        fn new() -> Fixture {
            let (dir, lock) = lock();
            let f = Fixture {
                _dir: dir,
                lock,
                store: KeyringStore::mock(),
                dev: DeviceId::from_machine_id("a"),
            };
            f.vault().seal("t", &[7; 20], &pin("2580")).unwrap();
            f
        }

        fn vault(&self) -> Vault<'_> {
            Vault::new(&self.store, &self.dev, KdfParams::TEST)
        }
    }

    fn edit(store: &KeyringStore, key: &str, f: impl FnOnce(&mut serde_json::Value)) {
        let mut v: serde_json::Value = serde_json::from_slice(&store.get(key).unwrap().unwrap()).unwrap();
        f(&mut v);
        store.set(key, &serde_json::to_vec(&v).unwrap()).unwrap();
    }

    #[test]
    fn a_try_is_recorded_before_the_pin_is_checked_or_not_checked_at_all() {
        let (_d, l) = lock();
        let inner: Arc<dyn SecretStore> = Arc::new(KeyringStore::mock());
        let dev = DeviceId::from_machine_id("a");
        Vault::new(&*inner, &dev, KdfParams::TEST)
            .seal("t", &[7; 20], &pin("2580"))
            .unwrap();
        // Call 1 reads the record, call 2 records the try: make that write fail.
        let failing = FailingStore::new(inner.clone(), 2);
        let v = Vault::new(&failing, &dev, KdfParams::TEST);
        let err = v.open(&l, "t", &pin("2580"), 0).unwrap_err();
        assert!(matches!(err, VaultError::NotRecorded(_)), "{err:?}");
        assert!(err.to_string().contains("the PIN was not checked"), "{err}");
        // A store that fails every write never yields the secret.
        let ro = ReadOnlyStore(inner.clone());
        let v = Vault::new(&ro, &dev, KdfParams::TEST);
        for p in ["2580", "1111"] {
            assert!(matches!(v.open(&l, "t", &pin(p), 0), Err(VaultError::NotRecorded(_))));
        }
        // The right PIN still works once the keyring does, and nothing was counted.
        let v = Vault::new(&*inner, &dev, KdfParams::TEST);
        assert_eq!(v.attempts("t").unwrap(), Attempts::default());
        assert!(v.open(&l, "t", &pin("2580"), 0).is_ok());
    }

    #[test]
    fn a_recorded_try_that_never_finished_counts() {
        let f = Fixture::new();
        let v = f.vault();
        // What a guesser killed during its 10th Argon2id run leaves behind.
        edit(&f.store, "token:t", |r| r["failures"] = 10.into());
        assert_eq!(v.open(&f.lock, "t", &pin("2580"), 0), Err(VaultError::Locked));
        assert!(v.attempts("t").unwrap().locked);
    }

    #[test]
    fn a_deadline_set_by_a_clock_far_ahead_is_capped_at_its_delay() {
        let f = Fixture::new();
        let v = f.vault();
        let ahead = 1_000 + 30 * 86_400;
        for _ in 0..5 {
            let _ = v.open(&f.lock, "t", &pin("1111"), ahead);
        }
        assert_eq!(v.attempts("t").unwrap().not_before, ahead + 30);
        // Back at the right time: the wait is the 30 s five failures allow, not 30 days.
        let now = 1_000;
        assert_eq!(
            v.open(&f.lock, "t", &pin("2580"), now),
            Err(VaultError::Wait {
                until: now + 30,
                failures: 5
            })
        );
        assert_eq!(v.attempts("t").unwrap().not_before, now + 30);
        assert!(v.open(&f.lock, "t", &pin("2580"), now + 30).is_ok());
    }

    #[test]
    fn argon2_parameters_beyond_the_limits_are_refused_without_a_try() {
        let f = Fixture::new();
        let v = f.vault();
        for (field, value) in [("m_kib", 4u64 << 20), ("t", 1_000_000), ("p", 64)] {
            edit(&f.store, "token:t", |r| r["kdf"][field] = value.into());
            let err = v.open(&f.lock, "t", &pin("2580"), 0).unwrap_err();
            assert!(
                matches!(&err, VaultError::Damaged(m) if m.contains("SoftToken allows at most")),
                "{err}"
            );
            edit(&f.store, "token:t", |r| {
                r["kdf"] = serde_json::to_value(KdfParams::TEST).unwrap()
            });
        }
        assert_eq!(v.attempts("t").unwrap().failures, 0);
    }
}
