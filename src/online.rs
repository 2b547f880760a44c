//! The app's half of online activation (docs/PROTOCOL.md): the enrollment
//! link names the issuer and the enrollment, the activation code comes over a
//! second channel, and the seed is agreed with the issuer, never sent.
//!
//! Core module: no Slint. The network is a [`Network`] trait so tests and QA
//! swap it; [`HttpNetwork`] is the real one (HTTPS through rustls with the
//! operating system's trust store, plain HTTP only to a loopback host, 15 s
//! time-out). Every call blocks: the window runs them off its UI thread.

use std::time::Duration;

use rand::rngs::OsRng;

use crate::device::DeviceId;
use crate::link::{Enrollment, OnlineLink, OtpKind, Source};
use crate::protocol::{
    self, ActivateResponse, ActivationCode, Agreed, ClientActivation, ConfirmResponse, ErrorBody, Kind, RevokeRequest,
    TimeResponse,
};

/// How long one request may take before the app gives up and says so.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Why talking to the issuer did not work. Each message is a sentence for
/// the prescriber that says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnlineError {
    #[error("{host} could not be reached: {detail}. Check this device's network connection and try again")]
    Unreachable { host: String, detail: String },
    #[error("{host} did not answer within 15 seconds; try again later")]
    Timeout { host: String },
    #[error("the certificate of {host} is not valid ({detail}); do not continue, and tell your EHR's help desk")]
    Certificate { host: String, detail: String },
    #[error("the activation code is wrong; {tries_left} tries left")]
    WrongCode { tries_left: u32 },
    #[error("the activation code has expired; ask your EHR for a new enrollment")]
    Expired,
    #[error("this enrollment has already been used; ask your EHR for a new enrollment")]
    Used,
    #[error("this enrollment was voided after too many wrong activation codes; ask your EHR for a new one")]
    Void,
    #[error("the issuer does not know this enrollment; ask your EHR for a new enrollment email")]
    UnknownEnrollment,
    #[error(
        "the issuer says this device is one of your prescribing devices; DEA rules require the token on a \
         different device"
    )]
    PrescribingDevice,
    #[error(
        "the issuer could not prove it knows your activation code; do not continue, and tell your EHR's help desk"
    )]
    IssuerProof,
    #[error("the issuer refused: {message}")]
    Refused { code: String, message: String },
    #[error("the issuer's answer was not understood ({0}); try again later")]
    BadAnswer(String),
}

impl OnlineError {
    /// True when the device could not talk to the issuer at all (as opposed
    /// to the issuer saying no).
    pub fn is_offline(&self) -> bool {
        matches!(self, OnlineError::Unreachable { .. } | OnlineError::Timeout { .. })
    }
}

/// One HTTP answer.
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// The network, as the activation needs it.
pub trait Network: Send + Sync {
    /// `GET` (no body) or `POST` of a JSON body.
    fn call(&self, url: &str, json: Option<&str>) -> Result<Reply, OnlineError>;
}

/// HTTPS with the operating system's trust store (rustls-platform-verifier;
/// on Linux that includes `SSL_CERT_FILE`), plain HTTP only to loopback.
pub struct HttpNetwork {
    agent: ureq::Agent,
}

impl Default for HttpNetwork {
    fn default() -> Self {
        HttpNetwork::with_timeout(TIMEOUT)
    }
}

impl HttpNetwork {
    /// A network whose requests give up after `timeout` (the clock check
    /// uses a short one: it must never hold up a code).
    pub fn with_timeout(timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                    .build(),
            )
            .user_agent(concat!("SoftToken/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        HttpNetwork { agent }
    }
}

/// How long the clock check may take.
pub const CLOCK_CHECK_TIMEOUT: Duration = Duration::from_secs(4);
/// A device clock further than this from the issuer's is corrected.
pub const CLOCK_TOLERANCE: u64 = 15;

/// Seconds to add to the device clock to get the issuer's, when they are
/// more than [`CLOCK_TOLERANCE`] apart (RFC 6238 §6 lets the verifier
/// absorb less; Google Authenticator's "time correction" does the same).
pub fn clock_offset(device_now: u64, issuer_now: u64) -> Option<i64> {
    let d = issuer_now as i64 - device_now as i64;
    (d.unsigned_abs() > CLOCK_TOLERANCE).then_some(d)
}

/// What the clock check before showing codes found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockCheck {
    /// The issuer told its time: codes add `offset` to this device's clock
    /// (none when within [`CLOCK_TOLERANCE`]).
    Issuer { offset: Option<i64> },
    /// No issuer time (offline, or a token enrolled offline), and the system
    /// says the clock is not kept in step with a time server.
    Unsynchronized,
    /// Nothing known: codes use this device's clock and nothing is claimed.
    Unknown,
}

impl ClockCheck {
    /// Judges from the issuer's time, if it answered, and otherwise from
    /// the system's `NTPSynchronized`. The issuer's time wins: it is the
    /// clock the codes are verified against.
    pub fn judge(device_now: u64, issuer_now: Option<u64>, synchronized: Option<bool>) -> ClockCheck {
        match (issuer_now, synchronized) {
            (Some(issuer_now), _) => ClockCheck::Issuer {
                offset: clock_offset(device_now, issuer_now),
            },
            (None, Some(false)) => ClockCheck::Unsynchronized,
            (None, _) => ClockCheck::Unknown,
        }
    }

    /// Runs the check: the issuer's time when `server` answers, otherwise
    /// the system's word on its clock's sync (not asked when the issuer
    /// answered), judged at `clock`'s time once the answers are in. Blocks
    /// for up to the network's and the system bus's time limits.
    pub fn ask(
        net: &dyn Network,
        server: Option<&str>,
        sync: &dyn crate::clock::TimeSync,
        clock: &dyn crate::clock::Clock,
    ) -> ClockCheck {
        let issuer = server.and_then(|s| issuer_time(net, s).ok());
        let synchronized = if issuer.is_none() { sync.synchronized() } else { None };
        ClockCheck::judge(clock.now(), issuer, synchronized)
    }

    /// Seconds to add to this device's clock for the codes.
    pub fn offset(&self) -> i64 {
        match self {
            ClockCheck::Issuer { offset: Some(o) } => *o,
            _ => 0,
        }
    }

    /// What to say beside the codes, if anything.
    pub fn notice(&self) -> Option<String> {
        match self {
            ClockCheck::Issuer { offset: Some(o) } => Some(describe_offset(*o)),
            ClockCheck::Issuer { offset: None } | ClockCheck::Unknown => None,
            ClockCheck::Unsynchronized => Some(UNSYNCHRONIZED.into()),
        }
    }
}

/// The notice for a clock the system does not keep in step.
pub const UNSYNCHRONIZED: &str = "This device's clock is not kept in step with a time server, and the issuer's \
     time could not be checked: if codes are refused, turn on automatic date and time.";

/// "This device's clock is 90 s behind the issuer's; codes use the issuer's time."
pub fn describe_offset(offset: i64) -> String {
    let (n, way) = if offset > 0 {
        (offset, "behind")
    } else {
        (-offset, "ahead of")
    };
    let amount = if n >= 120 {
        format!("{} min", n / 60)
    } else {
        format!("{n} s")
    };
    format!("This device's clock is {amount} {way} the issuer's; these codes use the issuer's time.")
}

impl Network for HttpNetwork {
    fn call(&self, url: &str, json: Option<&str>) -> Result<Reply, OnlineError> {
        let result = match json {
            Some(body) => self
                .agent
                .post(url)
                .header("Content-Type", "application/json")
                .send(body),
            None => self.agent.get(url).call(),
        };
        let host = crate::link::host_of(url).to_string();
        match result {
            Ok(mut r) => {
                let status = r.status().as_u16();
                let body = r
                    .body_mut()
                    .with_config()
                    .limit(64 * 1024)
                    .read_to_string()
                    .map_err(|e| OnlineError::BadAnswer(e.to_string()))?;
                Ok(Reply { status, body })
            }
            Err(e) => Err(transport_error(host, e)),
        }
    }
}

fn transport_error(host: String, e: ureq::Error) -> OnlineError {
    match e {
        ureq::Error::Timeout(_) => OnlineError::Timeout { host },
        ureq::Error::Rustls(err) => OnlineError::Certificate {
            host,
            detail: err.to_string(),
        },
        ureq::Error::Io(io) => {
            if let Some(err) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return OnlineError::Certificate {
                    host,
                    detail: err.to_string(),
                };
            }
            if io.kind() == std::io::ErrorKind::TimedOut {
                return OnlineError::Timeout { host };
            }
            OnlineError::Unreachable {
                host,
                detail: io.to_string(),
            }
        }
        ureq::Error::HostNotFound => OnlineError::Unreachable {
            host,
            detail: "the host name was not found".into(),
        },
        other => OnlineError::Unreachable {
            host,
            detail: other.to_string(),
        },
    }
}

fn parse<T: serde::de::DeserializeOwned>(reply: &Reply) -> Result<T, OnlineError> {
    serde_json::from_str(&reply.body).map_err(|e| OnlineError::BadAnswer(e.to_string()))
}

/// A refusal from the issuer, as its stable `error` code says.
fn refusal(reply: &Reply) -> OnlineError {
    let Ok(body) = serde_json::from_str::<ErrorBody>(&reply.body) else {
        return OnlineError::BadAnswer(format!("HTTP {}", reply.status));
    };
    match body.error.as_str() {
        "wrong_activation_code" => OnlineError::WrongCode {
            tries_left: body.tries_left.unwrap_or(0),
        },
        "activation_expired" => OnlineError::Expired,
        "enrollment_used" => OnlineError::Used,
        "enrollment_void" => OnlineError::Void,
        "unknown_enrollment" => OnlineError::UnknownEnrollment,
        "prescribing_device" => OnlineError::PrescribingDevice,
        _ => OnlineError::Refused {
            code: body.error,
            message: body.message,
        },
    }
}

/// An activation the issuer answered: the seed is agreed, and the token
/// becomes active at the issuer once [`confirm`] is called after the seed is
/// sealed on this device.
pub struct Activated {
    pub link: OnlineLink,
    pub response: ActivateResponse,
    client: ClientActivation,
    agreed: Agreed,
}

impl Activated {
    /// The enrollment to seal, as a link would have given it (the seed came
    /// from the key agreement). The issuer enforces the prescribing devices.
    pub fn enrollment(&self, now: u64) -> Enrollment {
        let p = &self.response.params;
        Enrollment {
            source: Source::Epcs,
            kind: match p.kind {
                Kind::Totp => OtpKind::Totp { period: p.period },
                Kind::Hotp => OtpKind::Hotp { counter: 0 },
            },
            issuer: self.response.issuer.clone(),
            account: self.response.account.clone(),
            secret: self.agreed.seed.clone(),
            format: p.format(),
            prescribing_devices: Vec::new(),
            // On the issuer's clock when it sent it (a device clock that is
            // off would otherwise lengthen or cut the sync).
            sync_seconds: self.response.ready_at.saturating_sub(if self.response.now > 0 {
                self.response.now
            } else {
                now
            }),
            expires_at: None,
            enrollment_id: Some(self.link.enrollment_id.clone()),
            online: Some(crate::link::OnlineToken {
                server: self.link.server.clone(),
                credential_id: self.response.credential_id.clone(),
            }),
        }
    }
}

/// `POST /v1/activate`: agrees the seed with the issuer.
pub fn activate(
    net: &dyn Network,
    link: &OnlineLink,
    code: &ActivationCode,
    device: &DeviceId,
) -> Result<Activated, OnlineError> {
    let (client, req) = ClientActivation::start(
        &mut OsRng,
        &link.enrollment_id,
        ActivationCode::parse(code.as_str()).expect("already parsed"),
        device.clone(),
    );
    let body = serde_json::to_string(&req).expect("serialisable");
    let reply = net.call(&format!("{}/v1/activate", link.server), Some(&body))?;
    if reply.status != 200 {
        return Err(refusal(&reply));
    }
    let response: ActivateResponse = parse(&reply)?;
    response
        .params
        .validate()
        .map_err(|e| OnlineError::BadAnswer(e.to_string()))?;
    let agreed = client.finish(&response).map_err(|_| OnlineError::IssuerProof)?;
    Ok(Activated {
        link: link.clone(),
        response,
        client,
        agreed,
    })
}

/// `POST /v1/activate/confirm`, once the seed is sealed here.
pub fn confirm(net: &dyn Network, a: &Activated) -> Result<ConfirmResponse, OnlineError> {
    let agreed = a.client.finish(&a.response).map_err(|_| OnlineError::IssuerProof)?;
    let req = a.client.confirm_request(&agreed, &a.response);
    let body = serde_json::to_string(&req).expect("serialisable");
    let reply = net.call(&format!("{}/v1/activate/confirm", a.link.server), Some(&body))?;
    if reply.status != 200 {
        return Err(refusal(&reply));
    }
    parse(&reply)
}

/// `GET /v1/time`: the issuer's clock, in Unix seconds.
pub fn issuer_time(net: &dyn Network, server: &str) -> Result<u64, OnlineError> {
    let reply = net.call(&format!("{server}/v1/time"), None)?;
    if reply.status != 200 {
        return Err(refusal(&reply));
    }
    Ok(parse::<TimeResponse>(&reply)?.unix)
}

/// `POST /v1/revoke`, signed with the seed ("report lost").
pub fn revoke(net: &dyn Network, server: &str, credential_id: &str, seed: &[u8], now: u64) -> Result<(), OnlineError> {
    let req = RevokeRequest {
        credential_id: credential_id.to_string(),
        time: now,
        mac: protocol::manage_mac(seed, credential_id, "revoke", now),
    };
    let body = serde_json::to_string(&req).expect("serialisable");
    let reply = net.call(&format!("{server}/v1/revoke"), Some(&body))?;
    if reply.status != 200 {
        return Err(refusal(&reply));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every refusal the issuer can give an activation becomes its own
    /// sentence (the HTTP tests reach most of them; this covers them all).
    #[test]
    fn issuer_refusals_map_to_their_sentences() {
        let reply = |status: u16, error: &str, tries: Option<u32>| Reply {
            status,
            body: serde_json::to_string(&ErrorBody {
                error: error.into(),
                message: "m".into(),
                tries_left: tries,
                retry_after: None,
            })
            .unwrap(),
        };
        let said = |r: Reply| refusal(&r).to_string();
        assert!(said(reply(403, "wrong_activation_code", Some(2))).contains("2 tries left"));
        assert!(said(reply(410, "activation_expired", None)).contains("has expired"));
        assert!(said(reply(409, "enrollment_used", None)).contains("already been used"));
        assert!(said(reply(410, "enrollment_void", None)).contains("voided"));
        assert!(said(reply(404, "unknown_enrollment", None)).contains("does not know this enrollment"));
        assert!(said(reply(403, "prescribing_device", None)).contains("prescribing devices"));
        assert!(said(reply(429, "something_new", None)).contains("the issuer refused: m"));
        let garbage = Reply {
            status: 502,
            body: "<html>bad gateway</html>".into(),
        };
        assert!(said(garbage).contains("HTTP 502"));
    }

    #[test]
    fn a_clock_more_than_15_s_off_is_corrected_and_said() {
        assert_eq!(
            ClockCheck::judge(1000, Some(1090), Some(false)),
            ClockCheck::Issuer { offset: Some(90) }
        );
        assert_eq!(ClockCheck::judge(1000, Some(1010), Some(false)).notice(), None);
        assert_eq!(ClockCheck::judge(1000, None, Some(false)), ClockCheck::Unsynchronized);
        assert_eq!(ClockCheck::judge(1000, None, Some(true)), ClockCheck::Unknown);
        assert_eq!(ClockCheck::judge(1000, None, None).notice(), None);
        assert_eq!(ClockCheck::judge(1000, None, Some(false)).offset(), 0);
        assert!(ClockCheck::Unsynchronized
            .notice()
            .unwrap()
            .contains("not kept in step"));
        assert_eq!(clock_offset(1000, 1015), None);
        assert_eq!(clock_offset(1000, 985), None);
        assert_eq!(clock_offset(1000, 1016), Some(16));
        assert_eq!(clock_offset(1090, 1000), Some(-90));
        assert!(describe_offset(-90).contains("90 s ahead of the issuer's"));
        assert!(describe_offset(16).contains("16 s behind the issuer's"));
        assert!(describe_offset(3600).contains("60 min behind"));
    }
}
