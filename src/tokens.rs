//! The token lifecycle: enroll, list, unlock and make codes, replace, remove.
//!
//! [`Tokens`] ties together the link, the device rule, the PIN policy, the
//! vault (secrets in the keyring) and the metadata file (everything that is
//! not secret, in the platform data folder). Its store, clock, device ID and
//! data folder are injected, so the CLI, the app, the QA runner and the tests
//! all drive the same code. Every change that touches both the keyring and
//! the metadata file is ordered so that stopping at any step leaves either the
//! old or the new state fully working, never neither.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::clock::{format_local_hm, Clock};
use crate::device::{check_separate_device, DeviceId, DeviceIdError, SameDevice};
use crate::files::{self, DataLock, FileError};
use crate::link::{Enrollment, LinkError, OtpKind, Source};
use crate::otp::{self, CodeFormat, OtpError};
use crate::pin::{self, Pin, PinError};
use crate::store::{SecretStore, StoreError};
use crate::vault::{Attempts, KdfParams, Vault, VaultError};

/// Version of the metadata file format.
pub const METADATA_VERSION: u32 = 1;
/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 40;
const METADATA_FILE: &str = "tokens.json";
const LOCK_FILE: &str = "tokens.lock";

/// What a newly enrolled token that is still syncing tells the prescriber
/// (the sentence EHR help pages use; the app and the CLI both show it, with the ready time).
pub const SYNC_MESSAGE: &str = "Your token is now linked to your account and will automatically be activated for use \
     after syncing, which may take up to 60 minutes.";

/// "1 try", "9 tries".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A token's non-secret description, as kept in the metadata file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TokenMeta {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub account: String,
    pub source: Source,
    /// For HOTP, the counter of the next code.
    pub kind: OtpKind,
    pub format: CodeFormat,
    pub prescribing_devices: Vec<DeviceId>,
    pub enrolled_at: u64,
    pub usable_from: u64,
    /// Set once the vault has erased the secret after too many wrong PINs.
    #[serde(default)]
    pub locked: bool,
    /// For a token activated online: the ID its issuer knows it by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// For a token activated online: the issuer's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

/// Where a token stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Syncing { ready_at: u64 },
    Active,
    Locked,
}

impl Status {
    /// "syncing, ready at 09:00" (or "tomorrow at 09:00", "on Wed 25 Nov at
    /// 09:00"), "active", "locked".
    pub fn describe(&self, now: u64) -> String {
        match self {
            Status::Syncing { ready_at } => {
                format!("syncing, ready {}", crate::clock::format_ready(*ready_at, now))
            }
            Status::Active => "active".into(),
            Status::Locked => "locked".into(),
        }
    }
}

impl TokenMeta {
    pub fn status(&self, now: u64) -> Status {
        if self.locked {
            Status::Locked
        } else if now < self.usable_from {
            Status::Syncing {
                ready_at: self.usable_from,
            }
        } else {
            Status::Active
        }
    }
    /// The TOTP period, if time-based.
    pub fn period(&self) -> Option<u64> {
        match self.kind {
            OtpKind::Totp { period } => Some(period),
            OtpKind::Hotp { .. } => None,
        }
    }
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct MetaFile {
    version: u32,
    tokens: Vec<TokenMeta>,
    /// Enrollment IDs already used on this device.
    #[serde(default)]
    used_links: Vec<String>,
    /// Secrets whose tokens are gone but whose deletion did not finish.
    #[serde(default)]
    orphans: Vec<String>,
}

impl MetaFile {
    /// The token named `name`.
    fn named(&self, name: &str) -> Result<TokenMeta, TokenError> {
        self.tokens
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .ok_or_else(|| TokenError::NotFound(name.into()))
    }
}

/// Why a token operation did not happen. Messages are for the prescriber.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    SameDevice(#[from] SameDevice),
    #[error("{0}")]
    Name(String),
    #[error("A token named \"{0}\" already exists. Choose another name.")]
    NameTaken(String),
    #[error(
        "You already have a token for this account (\"{0}\"). Replacing it makes the old one stop \
         working once the new one is stored; confirm the replacement (--replace) to continue."
    )]
    NeedsReplace(String),
    #[error("This enrollment link has already been used on this device. Ask your EHR administrator for a new one.")]
    LinkUsed,
    #[error(transparent)]
    Pin(#[from] PinError),
    #[error("There is no token named \"{0}\". `softtoken list` shows your tokens.")]
    NotFound(String),
    #[error("Wrong PIN. {} left before the token is locked{wait}.", count(*.remaining as u64, "try", "tries"))]
    WrongPin {
        failures: u32,
        remaining: u32,
        wait: String,
        wait_until: u64,
    },
    #[error("Too many wrong PINs: try again in {seconds} seconds (at {at}).")]
    Wait {
        seconds: u64,
        at: String,
        until: u64,
        failures: u32,
    },
    #[error(
        "The token \"{0}\" is locked after 10 wrong PINs and its secret has been erased. Ask your \
         EHR administrator for a replacement token (a new enrollment email)."
    )]
    Locked(String),
    #[error(
        "The token \"{0}\" was activated on another device and cannot be used here. Enroll a new token on this device."
    )]
    OtherDevice(String),
    #[error(
        "The secret of \"{0}\" is missing from the system keyring (was the keyring reset?). \
         Ask your EHR administrator for a replacement token."
    )]
    SecretMissing(String),
    #[error(
        "The keyring record of \"{name}\" is damaged ({detail}). Ask your EHR administrator for a replacement token."
    )]
    Damaged { name: String, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Device(#[from] DeviceIdError),
    #[error(
        "The token list at {path} is damaged ({detail}). SoftToken has not changed it; move it \
         aside to start afresh, or restore it from a backup."
    )]
    Corrupt { path: String, detail: String },
    #[error("The token list at {path} was written by a newer SoftToken (format {version}); update SoftToken.")]
    NewerMetadata { path: String, version: u32 },
    #[error("Could not {action} {path}: {error}")]
    Io {
        action: &'static str,
        path: String,
        error: String,
    },
    #[error(transparent)]
    File(#[from] FileError),
    #[error(
        "SoftToken could not record this PIN try in the system keyring ({0}), so it did not check \
         the PIN and counted nothing. Try again once the keyring works."
    )]
    NotRecorded(StoreError),
    #[error(transparent)]
    Otp(#[from] OtpError),
    #[error("This token counts codes (HOTP); use \"Next code\" to get a code.")]
    NotTimeBased,
    #[error(transparent)]
    Online(#[from] crate::online::OnlineError),
    #[error(
        "The issuer did not accept the new token ({0}), so it was not kept on this device. Start again \
         from the enrollment link; the issuer voids the unfinished activation."
    )]
    NotConfirmed(crate::online::OnlineError),
}

impl TokenError {
    /// True when the user's input was at fault (rather than a refusal or a failure).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            TokenError::Link(_)
                | TokenError::Name(_)
                | TokenError::NameTaken(_)
                | TokenError::Pin(_)
                | TokenError::NotFound(_)
        )
    }

    fn from_vault(e: VaultError, name: &str, now: u64) -> TokenError {
        match e {
            VaultError::WrongPin { failures, wait_until } => TokenError::WrongPin {
                failures,
                remaining: pin::MAX_FAILURES - failures,
                wait: if wait_until > now {
                    format!("; wait {} seconds before the next try", wait_until - now)
                } else {
                    String::new()
                },
                wait_until,
            },
            VaultError::Wait { until, failures } => TokenError::Wait {
                seconds: until.saturating_sub(now),
                at: format_local_hm(until),
                until,
                failures,
            },
            VaultError::Locked => TokenError::Locked(name.into()),
            VaultError::OtherDevice => TokenError::OtherDevice(name.into()),
            VaultError::Missing => TokenError::SecretMissing(name.into()),
            VaultError::Damaged(detail) => TokenError::Damaged {
                name: name.into(),
                detail,
            },
            VaultError::NotRecorded(s) => TokenError::NotRecorded(s),
            VaultError::Store(s) => TokenError::Store(s),
        }
    }
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

/// Checks a proposed token name (1–40 characters, no control characters).
pub fn check_name(name: &str) -> Result<String, TokenError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(TokenError::Name("Give the token a name (up to 40 characters).".into()));
    }
    let n = trimmed.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(TokenError::Name(format!(
            "The name is {n} characters long; use at most {MAX_NAME_CHARS}."
        )));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(TokenError::Name(
            "The name cannot contain control characters such as tabs or line breaks.".into(),
        ));
    }
    if trimmed.chars().any(crate::link::is_invisible) {
        return Err(TokenError::Name(
            "The name cannot contain invisible or text-direction characters (zero-width spaces, \
             direction marks or overrides): they can make one name read as another."
                .into(),
        ));
    }
    Ok(trimmed.to_string())
}

/// A name proposed from the issuer and account, within the length limit.
pub fn propose_name(issuer: &str, account: &str) -> String {
    let full = if issuer.is_empty() {
        account.to_string()
    } else {
        format!("{issuer} ({account})")
    };
    let base = if full.chars().count() <= MAX_NAME_CHARS {
        full
    } else {
        issuer.chars().take(MAX_NAME_CHARS).collect()
    };
    let base = base
        .chars()
        .filter(|c| !c.is_control() && !crate::link::is_invisible(*c))
        .collect::<String>();
    if base.trim().is_empty() {
        "Token".into()
    } else {
        base.trim().to_string()
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

    fn path(&self) -> PathBuf {
        self.dir.join(METADATA_FILE)
    }

    fn io(action: &'static str, path: &Path, e: std::io::Error) -> TokenError {
        TokenError::Io {
            action,
            path: path.display().to_string(),
            error: e.to_string(),
        }
    }

    /// Holds the data folder's exclusive lock while `f` runs, so the app and
    /// every CLI process never interleave read-modify-write cycles of the
    /// metadata file or of a keyring record (the wrong-PIN count included).
    fn locked<T>(&self, f: impl FnOnce(&DataLock) -> Result<T, TokenError>) -> Result<T, TokenError> {
        let lock = DataLock::acquire(&self.dir, LOCK_FILE, files::LOCK_WAIT)?;
        f(&lock)
    }

    fn load(&self) -> Result<MetaFile, TokenError> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(MetaFile {
                    version: METADATA_VERSION,
                    ..Default::default()
                })
            }
            Err(e) => return Err(Self::io("read", &path, e)),
        };
        let corrupt = |detail: String| TokenError::Corrupt {
            path: path.display().to_string(),
            detail,
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        let version = value
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| corrupt("no version".into()))?;
        if version > u64::from(METADATA_VERSION) {
            return Err(TokenError::NewerMetadata {
                path: path.display().to_string(),
                version: version as u32,
            });
        }
        serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))
    }

    /// Writes the metadata atomically (see [`files::write_atomic`]).
    fn save(&self, meta: &MetaFile) -> Result<(), TokenError> {
        let path = self.path();
        let json = serde_json::to_vec_pretty(meta).map_err(|e| Self::io("encode", &path, std::io::Error::other(e)))?;
        Ok(files::write_atomic(&self.dir, METADATA_FILE, &json)?)
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
        self.code_with_offset(name, pin, 0)
    }

    /// As [`Tokens::code`], with a TOTP code computed `offset` seconds from
    /// this device's clock (the issuer's time, after a clock check).
    pub fn code_with_offset(&self, name: &str, pin: &Pin, offset: i64) -> Result<Code, TokenError> {
        let mut u = self.unlock(name, pin)?;
        match u.meta.kind {
            OtpKind::Totp { .. } => self.totp_at(&u, self.now().saturating_add_signed(offset)),
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

fn new_id() -> String {
    let bytes: [u8; 12] = rand::random();
    data_encoding::HEXLOWER.encode(&bytes)
}
