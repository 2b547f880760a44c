//! Where secrets live: the OS keyring, behind a small trait.
//!
//! [`SecretStore`] is the seam between SoftToken and the keyring. The real
//! implementation, [`KeyringStore`], wraps any keyring-core credential store:
//! Secret Service on Linux/BSD, Keychain on macOS/iOS, Credential Manager on
//! Windows, the Android keystore on Android. Tests use keyring-core's mock
//! store through the same type, and [`FailingStore`] injects a failure at the
//! Nth call to prove that no step of a multi-step change can lose a token.
//! There is no fallback: when no keyring is reachable the error says so and
//! nothing is written anywhere else.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use keyring_core::{CredentialStore, Error as KeyringError};
use zeroize::Zeroizing;

use crate::device::DeviceId;

/// The keyring "service" under which SoftToken's entries are filed.
pub const SERVICE: &str = "softtoken";

/// A keyring failure, said plainly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error(
        "No system keyring is available: {0}. SoftToken keeps secrets only in the system keyring \
         and has saved nothing. Unlock your keyring (on Linux, start GNOME Keyring or KWallet and \
         log in to it), then try again."
    )]
    Unavailable(String),
    #[error("The system keyring failed: {0}. Nothing was changed; try again.")]
    Failed(String),
}

/// Byte secrets filed under a key.
pub trait SecretStore: Send + Sync {
    /// The value under `key`, or `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError>;
    /// Stores `value` under `key`, replacing any value there.
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
    /// Deletes `key`; deleting what is not there succeeds.
    fn delete(&self, key: &str) -> Result<(), StoreError>;
}

fn map_error(e: KeyringError) -> StoreError {
    match e {
        KeyringError::NoStorageAccess(inner) => StoreError::Unavailable(inner.to_string()),
        KeyringError::NoDefaultStore => StoreError::Unavailable("no credential store is configured".into()),
        other => StoreError::Failed(other.to_string()),
    }
}

/// A keyring-core credential store.
pub struct KeyringStore {
    inner: Arc<CredentialStore>,
}

impl KeyringStore {
    pub fn new(inner: Arc<CredentialStore>) -> KeyringStore {
        KeyringStore { inner }
    }

    /// keyring-core's in-memory mock store (tests and the QA runner).
    pub fn mock() -> KeyringStore {
        // mock::Store::new never fails; map anyway rather than unwrap.
        let store = keyring_core::mock::Store::new().map(|s| s as Arc<CredentialStore>);
        KeyringStore {
            inner: store.unwrap_or_else(|_| unreachable_mock()),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring_core::Entry, StoreError> {
        self.inner.build(SERVICE, key, None).map_err(map_error)
    }
}

#[cold]
fn unreachable_mock() -> Arc<CredentialStore> {
    panic!("keyring-core's mock store could not be created")
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        match self.entry(key)?.get_secret() {
            Ok(v) => Ok(Some(Zeroizing::new(v))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.entry(key)?.set_secret(value).map_err(map_error)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// The platform's keyring.
pub fn system_store() -> Result<Arc<dyn SecretStore>, StoreError> {
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    let store = zbus_secret_service_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>);
    #[cfg(target_os = "macos")]
    let store = apple_native_keyring_store::keychain::Store::new().map(|s| s as Arc<CredentialStore>);
    #[cfg(target_os = "windows")]
    let store = windows_native_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>);
    #[cfg(target_os = "android")]
    let store = android_native_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>);
    // Elsewhere (iOS included, for now) there is no store: say so rather than keep secrets anywhere else.
    #[cfg(not(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        target_os = "windows",
        target_os = "android"
    )))]
    let store: Result<Arc<CredentialStore>, KeyringError> = Err(KeyringError::NoStorageAccess(
        "SoftToken has no keyring support for this platform yet".into(),
    ));
    let store = store.map_err(|e| match map_error(e) {
        StoreError::Failed(m) => StoreError::Unavailable(m),
        other => other,
    })?;
    let store = KeyringStore::new(store);
    // Reach the keyring once now, so a missing or locked one is reported
    // before the user types anything.
    store.get("probe")?;
    Ok(Arc::new(store))
}

/// Where the token metadata file lives (the platform's per-user data folder).
pub fn data_dir() -> Result<PathBuf, StoreError> {
    directories::ProjectDirs::from("org", "SoftToken", "SoftToken")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| StoreError::Failed("this system has no home folder for application data".into()))
}

/// For platforms without an OS machine ID: a random device ID created once
/// and kept in the keyring.
pub fn random_device_id(store: &dyn SecretStore) -> Result<DeviceId, StoreError> {
    const KEY: &str = "device-id";
    if let Some(bytes) = store.get(KEY)? {
        if let Some(id) = std::str::from_utf8(&bytes).ok().and_then(|s| s.parse().ok()) {
            return Ok(id);
        }
    }
    let id = DeviceId::random();
    store.set(KEY, id.as_str().as_bytes())?;
    Ok(id)
}

/// The system keyring, reached on a background thread so the window does not
/// wait for D-Bus and the Secret Service handshake; the first call that needs
/// the keyring waits for the connection (and gets its error, if any).
pub struct BackgroundStore {
    cell: Arc<std::sync::OnceLock<Result<Arc<dyn SecretStore>, StoreError>>>,
}

impl BackgroundStore {
    /// Starts connecting with `connect` (normally [`system_store`]) at once.
    pub fn start(connect: fn() -> Result<Arc<dyn SecretStore>, StoreError>) -> BackgroundStore {
        let cell: Arc<std::sync::OnceLock<Result<Arc<dyn SecretStore>, StoreError>>> = Arc::default();
        let c = cell.clone();
        std::thread::spawn(move || {
            c.get_or_init(connect);
        });
        BackgroundStore { cell }
    }

    /// Waits for the connection: `Ok` when the keyring is reachable.
    pub fn ready(&self) -> Result<(), StoreError> {
        self.inner().map(|_| ())
    }

    fn inner(&self) -> Result<&Arc<dyn SecretStore>, StoreError> {
        self.cell.wait().as_ref().map_err(Clone::clone)
    }
}

impl SecretStore for BackgroundStore {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        self.inner()?.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.inner()?.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner()?.delete(key)
    }
}

/// A store that fails the Nth call (counting get, set and delete from 1), for
/// tests that stop a multi-step change at every step.
pub struct FailingStore {
    inner: Arc<dyn SecretStore>,
    calls: AtomicUsize,
    fail_at: AtomicUsize,
    written: std::sync::Mutex<Vec<String>>,
}

impl FailingStore {
    /// Fails call number `fail_at` (0: never).
    pub fn new(inner: Arc<dyn SecretStore>, fail_at: usize) -> FailingStore {
        FailingStore {
            inner,
            calls: AtomicUsize::new(0),
            fail_at: AtomicUsize::new(fail_at),
            written: Default::default(),
        }
    }
    /// Calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    /// Every key ever passed to `set` (so tests can look for leftovers).
    pub fn keys_written(&self) -> Vec<String> {
        self.written.lock().map(|w| w.clone()).unwrap_or_default()
    }
    /// Fails call number `fail_at` from now on, counting from the calls made so far.
    pub fn fail_after(&self, more: usize) {
        self.fail_at.store(self.calls() + more, Ordering::SeqCst);
    }
    fn tick(&self) -> Result<(), StoreError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.fail_at.load(Ordering::SeqCst) {
            Err(StoreError::Failed(format!("injected failure at call {n}")))
        } else {
            Ok(())
        }
    }
}

impl SecretStore for FailingStore {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        self.tick()?;
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        if let Ok(mut w) = self.written.lock() {
            w.push(key.to_string());
        }
        self.tick()?;
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.tick()?;
        self.inner.delete(key)
    }
}

/// A store that reads through to another and refuses every write, as a
/// keyring behind a filter that lets reads pass would (tests).
pub struct ReadOnlyStore(pub Arc<dyn SecretStore>);

impl SecretStore for ReadOnlyStore {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        self.0.get(key)
    }
    fn set(&self, _: &str, _: &[u8]) -> Result<(), StoreError> {
        Err(StoreError::Failed("writes are refused".into()))
    }
    fn delete(&self, _: &str) -> Result<(), StoreError> {
        Err(StoreError::Failed("writes are refused".into()))
    }
}

#[cfg(test)]
mod background_tests {
    use super::*;

    #[test]
    fn background_store_passes_calls_through_or_reports_the_connection_error() {
        let ok = BackgroundStore::start(|| Ok(Arc::new(KeyringStore::mock())));
        ok.set("k", b"v").unwrap();
        assert_eq!(ok.get("k").unwrap().as_deref().map(|v| v.to_vec()), Some(b"v".to_vec()));
        assert!(ok.ready().is_ok());
        let down = BackgroundStore::start(|| Err(StoreError::Unavailable("no D-Bus".into())));
        assert_eq!(down.ready(), Err(StoreError::Unavailable("no D-Bus".into())));
        assert!(down
            .set("k", b"v")
            .unwrap_err()
            .to_string()
            .starts_with("No system keyring is available: no D-Bus."));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mock_round_trip_and_missing_entries() {
        let s = KeyringStore::mock();
        assert_eq!(s.get("a").unwrap(), None);
        s.set("a", b"one").unwrap();
        assert_eq!(s.get("a").unwrap().as_deref().map(|v| v.as_slice()), Some(&b"one"[..]));
        s.delete("a").unwrap();
        s.delete("a").unwrap();
        assert_eq!(s.get("a").unwrap(), None);
    }

    #[test]
    fn no_storage_access_is_reported_as_no_keyring() {
        let e = map_error(KeyringError::NoStorageAccess("locked collection".into()));
        assert!(e
            .to_string()
            .starts_with("No system keyring is available: locked collection"));
    }

    #[test]
    fn random_device_id_is_created_once() {
        let s = KeyringStore::mock();
        let a = random_device_id(&s).unwrap();
        assert_eq!(random_device_id(&s).unwrap(), a);
    }

    #[test]
    fn failing_store_fails_exactly_the_nth_call() {
        let f = FailingStore::new(Arc::new(KeyringStore::mock()), 2);
        assert!(f.set("k", b"v").is_ok());
        assert!(f.get("k").is_err());
        assert!(f.get("k").is_ok());
    }
}
