//! Why a token operation did not happen: one error type for the token
//! lifecycle, with a sentence for the prescriber in each message.

use super::count;
use crate::clock::format_local_hm;
use crate::device::{DeviceIdError, SameDevice};
use crate::files::FileError;
use crate::link::LinkError;
use crate::otp::OtpError;
use crate::pin::{self, PinError};
use crate::store::StoreError;
use crate::vault::VaultError;

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
    pub(super) fn io(action: &'static str, path: &std::path::Path, e: std::io::Error) -> TokenError {
        TokenError::Io {
            action,
            path: path.display().to_string(),
            error: e.to_string(),
        }
    }

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

    pub(super) fn from_vault(e: VaultError, name: &str, now: u64) -> TokenError {
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
