//! The token lifecycle: enroll, list, unlock and make codes, replace, remove.
//!
//! [`Tokens`] ties together the link, the device rule, the PIN policy, the
//! vault (secrets in the keyring) and the metadata file (everything that is
//! not secret, in the platform data folder). Its store, clock, device ID and
//! data folder are injected, so the CLI, the app, the QA runner and the tests
//! all drive the same code. Every change that touches both the keyring and
//! the metadata file is ordered so that stopping at any step leaves either the
//! old or the new state fully working, never neither.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

mod error;
mod metadata;

pub use error::TokenError;
use metadata::MetaFile;
pub use metadata::{check_name, propose_name, Status, TokenMeta, MAX_NAME_CHARS, METADATA_VERSION};

use crate::clock::Clock;
use crate::device::{check_separate_device, DeviceId};
use crate::files::{self, DataLock};
use crate::link::{Enrollment, OtpKind};
use crate::otp::{self, OtpError};
use crate::pin::{self, Pin};
use crate::store::SecretStore;
use crate::vault::{Attempts, KdfParams, Vault, VaultError};

const LOCK_FILE: &str = "tokens.lock";

/// What a newly enrolled token that is still syncing tells the prescriber
/// (the sentence EHR help pages use; the app and the CLI both show it, with the ready time).
pub const SYNC_MESSAGE: &str = "Your token is now linked to your account and will automatically be activated for use \
     after syncing, which may take up to 60 minutes.";

/// "1 try", "9 tries".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Everything needed to enroll a token.
pub struct EnrollRequest {
    pub enrollment: Enrollment,
    pub name: String,
    pub pin: Pin,
    /// The user confirmed replacing the token with the same issuer and account.
    pub replace: bool,
}

/// A code and what to tell the user with it.
pub struct Code {
    pub code: Zeroizing<String>,
    /// Seconds until a TOTP code changes (`None` for HOTP).
    pub seconds_left: Option<u64>,
    /// For example, that the token is still syncing.
    pub warning: Option<String>,
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Code")
            .field("code", &"<redacted>")
            .field("seconds_left", &self.seconds_left)
            .field("warning", &self.warning)
            .finish()
    }
}

/// A token whose secret is open in memory (wiped on drop).
pub struct Unlocked {
    pub meta: TokenMeta,
    secret: Zeroizing<Vec<u8>>,
}

impl Unlocked {
    /// The open secret, for signing a request to the token's issuer.
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }
}

/// The token manager. Clones share the store; the data-folder lock keeps
/// them (and other processes) from interleaving changes.
#[derive(Clone)]
pub struct Tokens {
    store: Arc<dyn SecretStore>,
    dir: PathBuf,
    device: DeviceId,
    clock: Arc<dyn Clock>,
    kdf: KdfParams,
}

impl Tokens {
    pub fn new(store: Arc<dyn SecretStore>, dir: PathBuf, device: DeviceId, clock: Arc<dyn Clock>) -> Tokens {
        Tokens {
            store,
            dir,
            device,
            clock,
            kdf: KdfParams::DEFAULT,
        }
    }

    /// Uses other Argon2id parameters for new seals (tests use cheap ones).
    pub fn with_kdf(mut self, kdf: KdfParams) -> Tokens {
        self.kdf = kdf;
        self
    }

    pub fn device(&self) -> &DeviceId {
        &self.device
    }
    pub fn data_dir(&self) -> &Path {
        &self.dir
    }
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    fn vault(&self) -> Vault<'_> {
        Vault::new(&*self.store, &self.device, self.kdf)
    }

    /// Holds the data folder's exclusive lock while `f` runs, so the app and
    /// every CLI process never interleave read-modify-write cycles of the
    /// metadata file or of a keyring record (the wrong-PIN count included).
    fn locked<T>(&self, f: impl FnOnce(&DataLock) -> Result<T, TokenError>) -> Result<T, TokenError> {
        let lock = DataLock::acquire(&self.dir, LOCK_FILE, files::LOCK_WAIT)?;
        f(&lock)
    }

    fn load(&self) -> Result<MetaFile, TokenError> {
        MetaFile::load(&self.dir)
    }

    fn save(&self, meta: &MetaFile) -> Result<(), TokenError> {
        meta.save(&self.dir)
    }

    /// The hosts of the issuers this device has online tokens from.
    pub fn known_issuer_hosts(&self) -> Result<Vec<String>, TokenError> {
        Ok(self
            .list()?
            .into_iter()
            .filter_map(|t| t.server)
            .map(|s| crate::link::host_of(&s).to_string())
            .collect())
    }

    /// All tokens, in enrollment order.
    pub fn list(&self) -> Result<Vec<TokenMeta>, TokenError> {
        Ok(self.load()?.tokens)
    }

    /// The token named `name`.
    pub fn get(&self, name: &str) -> Result<TokenMeta, TokenError> {
        self.load()?.named(name)
    }

    /// The wrong-PIN state of a token (no PIN needed).
    pub fn attempts(&self, meta: &TokenMeta) -> Result<Attempts, TokenError> {
        self.vault()
            .attempts(&meta.id)
            .map_err(|e| TokenError::from_vault(e, &meta.name, self.now()))
    }

    /// Everything that would refuse this enrollment, checked before a PIN is
    /// asked for. Returns the token it would replace, if any.
    pub fn precheck(&self, e: &Enrollment, name: &str, replace: bool) -> Result<Option<TokenMeta>, TokenError> {
        let meta = self.load()?;
        self.precheck_with(&meta, e, name, replace)
    }

    /// The token with the same issuer and account as the link, if any.
    pub fn existing_for(&self, e: &Enrollment) -> Result<Option<TokenMeta>, TokenError> {
        Ok(self
            .load()?
            .tokens
            .into_iter()
            .find(|t| t.issuer == e.issuer && t.account == e.account))
    }

    /// The device rule and single-use check, which need no name.
    pub fn check_link(&self, e: &Enrollment) -> Result<(), TokenError> {
        self.check_link_with(&self.load()?, e)
    }

    fn check_link_with(&self, meta: &MetaFile, e: &Enrollment) -> Result<(), TokenError> {
        check_separate_device(&e.prescribing_devices, &self.device)?;
        if let Some(id) = &e.enrollment_id {
            if meta.used_links.contains(id) {
                return Err(TokenError::LinkUsed);
            }
        }
        Ok(())
    }

    fn precheck_with(
        &self,
        meta: &MetaFile,
        e: &Enrollment,
        name: &str,
        replace: bool,
    ) -> Result<Option<TokenMeta>, TokenError> {
        self.check_link_with(meta, e)?;
        let name = check_name(name)?;
        let replaced = meta
            .tokens
            .iter()
            .find(|t| t.issuer == e.issuer && t.account == e.account)
            .cloned();
        if let Some(old) = &replaced {
            if !replace {
                return Err(TokenError::NeedsReplace(old.name.clone()));
            }
        }
        let taken = meta
            .tokens
            .iter()
            .any(|t| t.name == name && replaced.as_ref().is_none_or(|r| r.id != t.id));
        if taken {
            return Err(TokenError::NameTaken(name));
        }
        Ok(replaced)
    }

    /// Enrolls a token: device rule, name, PIN, then sealed and stored.
    ///
    /// Order for a replacement: (1) the new secret is stored in the keyring,
    /// (2) the metadata switches to the new token in one atomic rename, (3) the
    /// old secret is deleted. A stop before (2) leaves the old token; after it,
    /// the new one (an old secret left behind is deleted at the next change).
    pub fn enroll(&self, req: EnrollRequest) -> Result<TokenMeta, TokenError> {
        self.enroll_then(req, |_| Ok(()))
    }

    /// Enrolls, and calls `confirm` (an online token's confirmation to its
    /// issuer) after the secret is sealed but before the token is listed. If
    /// `confirm` fails, the new secret is deleted and nothing changes here: a
    /// token being replaced stays, as it does at the issuer. An online
    /// token's ID is recorded as an orphan before its secret is sealed, so a
    /// process killed in between leaves nothing behind for long.
    pub fn enroll_then(
        &self,
        req: EnrollRequest,
        confirm: impl FnOnce(&TokenMeta) -> Result<(), TokenError>,
    ) -> Result<TokenMeta, TokenError> {
        pin::check_new_pin(&req.pin)?;
        self.locked(|_| {
            let mut meta = self.load()?;
            let replaced = self.precheck_with(&meta, &req.enrollment, &req.name, req.replace)?;
            let now = self.now();
            let e = &req.enrollment;
            let token = TokenMeta {
                id: new_id(),
                name: check_name(&req.name)?,
                issuer: e.issuer.clone(),
                account: e.account.clone(),
                source: e.source,
                kind: e.kind,
                format: e.format,
                prescribing_devices: e.prescribing_devices.clone(),
                enrolled_at: now,
                usable_from: now.saturating_add(e.sync_seconds),
                locked: false,
                credential_id: e.online.as_ref().map(|o| o.credential_id.clone()),
                server: e.online.as_ref().map(|o| o.server.clone()),
            };
            let online = e.online.is_some();
            if online {
                meta.orphans.push(token.id.clone());
                self.save(&meta)?;
            }
            // (1) New secret first.
            if let Err(err) = self.vault().seal(&token.id, &e.secret, &req.pin) {
                let _ = self.vault().delete(&token.id);
                return Err(TokenError::from_vault(err, &token.name, now));
            }
            if let Err(err) = confirm(&token) {
                if self.vault().delete(&token.id).is_ok() && online {
                    meta.orphans.retain(|o| o != &token.id);
                    let _ = self.save(&meta);
                }
                return Err(err);
            }
            // (2) Switch the metadata atomically.
            meta.orphans.retain(|o| o != &token.id);
            if let Some(old) = &replaced {
                meta.tokens.retain(|t| t.id != old.id);
                meta.orphans.push(old.id.clone());
            }
            meta.tokens.push(token.clone());
            if let Some(id) = &e.enrollment_id {
                meta.used_links.push(id.clone());
            }
            if let Err(err) = self.save(&meta) {
                let _ = self.vault().delete(&token.id);
                return Err(err);
            }
            // (3) Old secrets go last; failures here leave only orphans.
            self.collect_orphans(&mut meta);
            Ok(token)
        })
    }

    /// Deletes secrets of tokens that are gone, best effort.
    fn collect_orphans(&self, meta: &mut MetaFile) {
        if meta.orphans.is_empty() {
            return;
        }
        let before = meta.orphans.len();
        meta.orphans.retain(|id| self.vault().delete(id).is_err());
        if meta.orphans.len() != before {
            let _ = self.save(meta);
        }
    }

    /// Removes a token: from the list first, then its secret.
    pub fn remove(&self, name: &str) -> Result<(), TokenError> {
        self.locked(|_| {
            let mut meta = self.load()?;
            let token = meta.named(name)?;
            meta.tokens.retain(|t| t.id != token.id);
            meta.orphans.push(token.id);
            self.save(&meta)?;
            self.collect_orphans(&mut meta);
            Ok(())
        })
    }

    /// Opens a token's secret with its PIN (the device rule is checked first).
    /// Anything but four digits is refused before the keyring is touched, so
    /// a slip of the keyboard costs no try.
    pub fn unlock(&self, name: &str, pin: &Pin) -> Result<Unlocked, TokenError> {
        pin::check_format(pin)?;
        self.locked(|lock| {
            let mut file = self.load()?;
            let meta = file.named(name)?;
            check_separate_device(&meta.prescribing_devices, &self.device)?;
            let now = self.now();
            match self.vault().open(lock, &meta.id, pin, now) {
                Ok(secret) => Ok(Unlocked { meta, secret }),
                Err(e) => {
                    if e == VaultError::Locked && !meta.locked {
                        // Best effort: the list shows "locked" from the keyring's word anyway.
                        if let Some(t) = file.tokens.iter_mut().find(|t| t.id == meta.id) {
                            t.locked = true;
                            let _ = self.save(&file);
                        }
                    }
                    Err(TokenError::from_vault(e, &meta.name, now))
                }
            }
        })
    }

    fn warning(&self, meta: &TokenMeta, now: u64) -> Option<String> {
        match meta.status(now) {
            Status::Syncing { ready_at } => Some(format!(
                "This token is still syncing with the network and will be ready {}; \
                 codes may be refused until then.",
                crate::clock::format_ready(ready_at, now)
            )),
            _ => None,
        }
    }

    /// The current TOTP code of an unlocked token (device rule checked again).
    pub fn totp(&self, u: &Unlocked) -> Result<Code, TokenError> {
        self.totp_at(u, self.now())
    }

    /// The TOTP code of an unlocked token at `now` (also used for "next code").
    pub fn totp_at(&self, u: &Unlocked, now: u64) -> Result<Code, TokenError> {
        check_separate_device(&u.meta.prescribing_devices, &self.device)?;
        let OtpKind::Totp { period } = u.meta.kind else {
            return Err(TokenError::NotTimeBased);
        };
        Ok(Code {
            code: Zeroizing::new(otp::totp(&u.secret, u.meta.format, period, now)?),
            seconds_left: Some(otp::seconds_left(period, now)),
            warning: self.warning(&u.meta, now),
        })
    }

    /// The next HOTP code: the counter is advanced and saved before the code is returned.
    pub fn next_hotp(&self, u: &mut Unlocked) -> Result<Code, TokenError> {
        check_separate_device(&u.meta.prescribing_devices, &self.device)?;
        let counter = self.locked(|_| {
            let mut meta = self.load()?;
            let t = meta
                .tokens
                .iter_mut()
                .find(|t| t.id == u.meta.id)
                .ok_or_else(|| TokenError::NotFound(u.meta.name.clone()))?;
            let OtpKind::Hotp { counter } = t.kind else {
                return Err(TokenError::NotTimeBased);
            };
            let next = counter.checked_add(1).ok_or(OtpError::Time)?;
            t.kind = OtpKind::Hotp { counter: next };
            self.save(&meta)?;
            Ok(counter)
        })?;
        u.meta.kind = OtpKind::Hotp { counter: counter + 1 };
        Ok(Code {
            code: Zeroizing::new(otp::hotp(&u.secret, u.meta.format, counter)?),
            seconds_left: None,
            warning: self.warning(&u.meta, self.now()),
        })
    }

    /// PIN → code in one call (the CLI's `code`).
    pub fn code(&self, name: &str, pin: &Pin) -> Result<Code, TokenError> {
        let mut u = self.unlock(name, pin)?;
        match u.meta.kind {
            OtpKind::Totp { .. } => self.totp(&u),
            OtpKind::Hotp { .. } => self.next_hotp(&mut u),
        }
    }
}

/// This device's ID, from the OS machine ID (or, on platforms without one,
/// a random ID created once and kept in the keyring).
pub fn this_device() -> Result<DeviceId, TokenError> {
    if crate::device::HAS_MACHINE_ID {
        Ok(DeviceId::from_os()?)
    } else {
        Ok(crate::store::random_device_id(&*crate::store::system_store()?)?)
    }
}

/// The token manager on the system keyring, the user's data folder and the
/// system clock (the CLI's; the app reaches the keyring in the background).
pub fn open_system() -> Result<Tokens, TokenError> {
    let store = crate::store::system_store()?;
    let device = this_device()?;
    let dir = crate::store::data_dir()?;
    Ok(Tokens::new(store, dir, device, Arc::new(crate::clock::SystemClock)))
}

/// The app's token manager: like [`open_system`], but the keyring is reached
/// on a background thread, so the window does not wait for it; the store is
/// returned too, to learn when (or whether) the keyring answered.
pub fn open_system_in_background(
    clock: Arc<dyn crate::clock::Clock>,
) -> Result<(Tokens, Arc<crate::store::BackgroundStore>), TokenError> {
    let device = this_device()?;
    let dir = crate::store::data_dir()?;
    let store = Arc::new(crate::store::BackgroundStore::start(crate::store::system_store));
    Ok((Tokens::new(store.clone(), dir, device, clock), store))
}

fn new_id() -> String {
    let bytes: [u8; 12] = rand::random();
    data_encoding::HEXLOWER.encode(&bytes)
}
