//! `softtoken-server`: the issuer and verifier an EHR runs.
//!
//! [`service`] holds the rules (enrollment, activation, verification,
//! revocation, hard tokens, audit) over a [`db::Db`]; [`http`] is the axum
//! front end and the one place that maps [`ServerError`] to HTTP statuses;
//! [`cli`] is the command line and the one place that maps errors to exit
//! codes. None of it imports Slint: the server binary links no GUI code.

pub mod audit;
pub mod cli;
pub mod db;
pub mod http;
pub mod pskc;
pub mod seal;
pub mod service;

pub use service::{Policy, Server};

/// Who did something, for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// `admin:NAME`, `ehr:NAME` (an API key's name), `app` or `cli:USER`.
    pub name: String,
    /// The peer's address, or `local` for the command line.
    pub source: String,
}

impl Actor {
    pub fn cli() -> Actor {
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        Actor {
            name: format!("cli:{user}"),
            source: "local".into(),
        }
    }
}

/// Every way a request can be refused. [`http`] maps each to a status and a
/// stable `error` code; the message is the sentence shown to people.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    #[error("{0}")]
    BadRequest(String),
    #[error("this request needs an API key: send \"Authorization: Bearer KEY\"")]
    Unauthorized,
    #[error("this API key may not do that; it needs the {0} role")]
    Forbidden(&'static str),
    #[error("no enrollment has this id; ask your EHR for a new enrollment email")]
    UnknownEnrollment,
    #[error("the activation code is wrong; {tries_left} tries left")]
    WrongActivationCode { tries_left: u32 },
    #[error("the activation code has expired; ask your EHR for a new enrollment")]
    ActivationExpired,
    #[error("this enrollment has already been used; ask your EHR for a new enrollment")]
    EnrollmentUsed,
    #[error("this enrollment was voided after too many wrong activation codes; ask your EHR for a new one")]
    EnrollmentVoid,
    #[error(
        "this device is one of the prescribing devices for this account; DEA rules require the \
         token on a different device"
    )]
    PrescribingDevice,
    #[error("the app could not prove it derived the same keys; start again from the link")]
    ConfirmationFailed,
    #[error("no token with this credential ID is waiting for confirmation")]
    UnknownCredential,
    #[error("the activation was not confirmed in time and is void; start again from the link")]
    ConfirmationExpired,
    #[error("{0}")]
    Refused(Refusal),
    #[error("no hard token has serial number {0}")]
    UnknownSerial(String),
    #[error("hard token {0} is already assigned to an account")]
    SerialTaken(String),
    #[error("the PSKC file could not be read: {0}")]
    Pskc(#[from] pskc::PskcError),
    #[error("the audit trail is broken at entry {seq}: {why}")]
    AuditBroken { seq: i64, why: String },
    #[error("the database is not available; nothing was changed, try again")]
    Unavailable(#[source] sqlx::Error),
    #[error("the server key could not be used: {0}")]
    Key(#[from] seal::KeyError),
    #[error("{0}")]
    Setup(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for ServerError {
    fn from(e: sqlx::Error) -> ServerError {
        ServerError::Unavailable(e)
    }
}

/// Why a code was not accepted at verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoToken,
    WrongCode,
    Replayed,
    NotReady { ready_at: u64, retry_after: u64 },
    Revoked,
    SameDevice,
    Throttled { retry_after: u64 },
    Disabled,
}

impl Refusal {
    /// The stable code in the JSON answer.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NoToken => "no_token",
            Refusal::WrongCode => "wrong_code",
            Refusal::Replayed => "replayed",
            Refusal::NotReady { .. } => "not_ready",
            Refusal::Revoked => "revoked",
            Refusal::SameDevice => "same_device",
            Refusal::Throttled { .. } => "throttled",
            Refusal::Disabled => "disabled",
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Refusal::NotReady { retry_after, .. } | Refusal::Throttled { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NoToken => f.write_str("this account has no active token"),
            Refusal::WrongCode => f.write_str("the code is wrong"),
            Refusal::Replayed => f.write_str("this code was already used; wait for the next one"),
            Refusal::NotReady { ready_at, .. } => write!(
                f,
                "the token is still syncing and verifies from {}",
                crate::clock::format_utc(*ready_at)
            ),
            Refusal::Revoked => f.write_str("the token was revoked"),
            Refusal::SameDevice => {
                f.write_str("the token is on the prescribing device; DEA rules require a separate device")
            }
            Refusal::Throttled { retry_after } => write!(f, "too many wrong codes; try again in {retry_after} seconds"),
            Refusal::Disabled => {
                f.write_str("the token was disabled after 100 wrong codes in a row; the administrator must replace it")
            }
        }
    }
}
