//! The metadata file (`tokens.json` in the data folder): each token's
//! non-secret description, the enrollment links already used and the secrets
//! whose deletion did not finish; and the rules for token names.

use std::fs;
use std::path::Path;

use super::TokenError;
use crate::device::DeviceId;
use crate::files;
use crate::link::{OtpKind, Source};
use crate::otp::CodeFormat;

/// Version of the metadata file format.
pub const METADATA_VERSION: u32 = 1;
/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 40;
const METADATA_FILE: &str = "tokens.json";

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
pub(super) struct MetaFile {
    pub(super) version: u32,
    pub(super) tokens: Vec<TokenMeta>,
    /// Enrollment IDs already used on this device.
    #[serde(default)]
    pub(super) used_links: Vec<String>,
    /// Secrets whose tokens are gone but whose deletion did not finish.
    #[serde(default)]
    pub(super) orphans: Vec<String>,
}

impl MetaFile {
    /// The token named `name`.
    pub(super) fn named(&self, name: &str) -> Result<TokenMeta, TokenError> {
        self.tokens
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .ok_or_else(|| TokenError::NotFound(name.into()))
    }

    /// Reads the metadata file in `dir`; a missing file is an empty list.
    pub(super) fn load(dir: &Path) -> Result<MetaFile, TokenError> {
        let path = dir.join(METADATA_FILE);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(MetaFile {
                    version: METADATA_VERSION,
                    ..Default::default()
                })
            }
            Err(e) => return Err(TokenError::io("read", &path, e)),
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
    pub(super) fn save(&self, dir: &Path) -> Result<(), TokenError> {
        let path = dir.join(METADATA_FILE);
        let json =
            serde_json::to_vec_pretty(self).map_err(|e| TokenError::io("encode", &path, std::io::Error::other(e)))?;
        Ok(files::write_atomic(dir, METADATA_FILE, &json)?)
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
