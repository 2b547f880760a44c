//! The rules of the issuer and verifier, independent of HTTP: every
//! operation is one database transaction that also appends its audit entry,
//! so a crash leaves either all of it or none of it.

use std::sync::{Arc, OnceLock};

use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};
use subtle::ConstantTimeEq;
use tokio::sync::{mpsc, oneshot};

use super::audit::{self, Event, Head};
use super::db::Db;
use super::pskc::PskcKey;
use super::seal::ServerKey;
use super::{Actor, Refusal, ServerError};
use crate::clock::Clock;
use crate::device::DeviceId;
use crate::otp::{self, Algorithm, CodeFormat};
use crate::protocol::{
    self, ActivateLink, ActivateRequest, ActivateResponse, ActivationCode, Agreed, ConfirmRequest, ConfirmResponse,
    Ephemeral, Kind, Params, RevokeRequest, Transcript, VerifyRequest, VerifyResponse,
};

/// The verifier's knobs. The defaults are what the issue and SP 800-63B-4 ask.
#[derive(Clone, Debug)]
pub struct Policy {
    /// TOTP steps accepted either side of the expected one.
    pub totp_window: u64,
    /// HOTP counters accepted ahead of the next expected one.
    pub hotp_lookahead: u64,
    /// Consecutive failures after which each try waits.
    pub throttle_from: i64,
    /// Consecutive failures that disable a token (SP 800-63B-4 §3.2.2: at most 100).
    pub disable_at: i64,
    /// Wrong activation codes that void an enrollment.
    pub activation_tries: i64,
    /// Seconds the app has to confirm an activation.
    pub confirm_seconds: u64,
    /// Seconds an activation code stays valid unless the enrollment says otherwise.
    pub default_ttl: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            totp_window: 1,
            hotp_lookahead: 10,
            throttle_from: 5,
            disable_at: 100,
            activation_tries: 5,
            confirm_seconds: 600,
            default_ttl: 600,
        }
    }
}

/// The longest an activation code may live (SP 800-63B-4 §4.1: 10 minutes).
pub const MAX_TTL: u64 = 600;
/// Longest issuer or account name.
pub const MAX_NAME: usize = 128;

/// `POST /v1/admin/enrollments` and `softtoken-server enroll`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub issuer: String,
    pub account: String,
    #[serde(default)]
    pub prescribing_devices: Vec<String>,
    #[serde(default)]
    pub sync_seconds: u64,
    #[serde(default)]
    pub ttl_seconds: Option<u64>,
    /// The URL the app reaches this server at; defaults to what `serve` recorded.
    #[serde(default)]
    pub server_url: Option<String>,
    #[serde(default)]
    pub params: Option<Params>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub enrollment_id: String,
    /// For the email: no secret in it.
    pub link: String,
    /// For the second channel, as typed: `K7QM-2XWD`.
    pub activation_code: String,
    pub expires_at: u64,
    /// Tokens this enrollment will replace once it is confirmed.
    pub replaces: Vec<String>,
}

/// One token of an account, as `tokens` lists it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenInfo {
    pub credential_id: String,
    pub class: String,
    pub state: String,
    pub account: String,
    pub device_id: Option<String>,
    pub serial: Option<String>,
    pub bound_at: Option<i64>,
    pub last_used: Option<i64>,
    pub ready_at: i64,
    pub failures: i64,
}

/// An API key's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May verify codes (the EHR at signing time).
    Verify,
    /// May also enroll, list, revoke, import and read the audit trail.
    Admin,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Verify => "verify",
            Role::Admin => "admin",
        }
    }
}

/// The issuer and verifier.
pub struct Server {
    pub db: Db,
    key: Arc<ServerKey>,
    clock: Arc<dyn Clock>,
    pub policy: Policy,
    /// The group-commit worker's queue, started by the first verification.
    batch: OnceLock<mpsc::Sender<Job>>,
}

/// The most verifications committed in one transaction. Larger batches add
/// latency for the first request in them and gain little throughput.
const MAX_BATCH: usize = 64;

/// A verification request that passed validation, waiting for a group commit.
struct Job {
    actor: Actor,
    column: &'static str,
    key: String,
    code: String,
    prescribing: Option<DeviceId>,
    reply: oneshot::Sender<Result<VerifyResponse, ServerError>>,
}

fn bad(msg: impl Into<String>) -> ServerError {
    ServerError::BadRequest(msg.into())
}

fn check_name(field: &str, value: &str) -> Result<(), ServerError> {
    if value.trim().is_empty() {
        return Err(bad(format!("{field} is empty")));
    }
    if value.chars().count() > MAX_NAME {
        return Err(bad(format!("{field} is longer than {MAX_NAME} characters")));
    }
    if value.chars().any(|c| c.is_control() || crate::link::is_invisible(c)) {
        return Err(bad(format!("{field} contains control or invisible characters")));
    }
    Ok(())
}

/// A credential ID people read out: `ST-` and 12 Crockford characters.
fn new_credential_id() -> String {
    let code = ActivationCode::generate(&mut OsRng);
    let more = ActivationCode::generate(&mut OsRng);
    let s = format!("{}{}", code.as_str(), &more.as_str()[..4]);
    format!("ST-{}-{}-{}", &s[..4], &s[4..8], &s[8..])
}

fn parse_algorithm(s: &str) -> Result<Algorithm, ServerError> {
    s.parse()
        .map_err(|_| ServerError::Internal(format!("stored algorithm {s} is unknown")))
}

/// The wait after `failures` consecutive failures: from the throttle
/// threshold on, 1 s doubling to at most 5 minutes.
fn throttle_delay(policy: &Policy, failures: i64) -> u64 {
    if failures < policy.throttle_from {
        0
    } else {
        let exp = (failures - policy.throttle_from).min(16) as u32;
        (1u64 << exp).min(300)
    }
}

struct Cred {
    id: String,
    otp: String,
    algorithm: String,
    digits: i64,
    period: i64,
    device_id: Option<String>,
    sealed_seed: String,
    state: String,
    ready_at: i64,
    last_counter: i64,
    drift: i64,
    failures: i64,
    throttled_until: i64,
}

const CRED_COLUMNS: &str = "id, otp, algorithm, digits, period, device_id, sealed_seed, state, \
     ready_at, last_counter, drift, failures, throttled_until";

type CredRow = (
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn cred(r: CredRow) -> Cred {
    Cred {
        id: r.0,
        otp: r.1,
        algorithm: r.2,
        digits: r.3,
        period: r.4,
        device_id: r.5,
        sealed_seed: r.6,
        state: r.7,
        ready_at: r.8,
        last_counter: r.9,
        drift: r.10,
        failures: r.11,
        throttled_until: r.12,
    }
}

/// Where a code matched: the counter (or time step) and, for TOTP, the drift.
struct Match {
    counter: i64,
    drift: i64,
}

impl Server {
    pub fn new(db: Db, key: ServerKey, clock: Arc<dyn Clock>, policy: Policy) -> Server {
        Server {
            db,
            key: Arc::new(key),
            clock,
            policy,
            batch: OnceLock::new(),
        }
    }

    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    async fn begin(&self) -> Result<(Transaction<'static, Any>, Head), ServerError> {
        let mut tx = self.db.pool.begin().await?;
        let head = audit::lock(&mut tx).await?;
        Ok((tx, head))
    }

    async fn log(
        &self,
        tx: &mut Transaction<'_, Any>,
        head: &mut Head,
        actor: &Actor,
        event: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> Result<(), ServerError> {
        head.append(
            tx,
            &self.key,
            self.now(),
            Event {
                actor: &actor.name,
                source: &actor.source,
                event,
                subject,
                detail: detail.to_string(),
            },
        )
        .await
    }

    /// Commits the changes and the audit entries together.
    async fn commit(&self, mut tx: Transaction<'_, Any>, head: Head) -> Result<(), ServerError> {
        head.store(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- settings ----

    pub async fn set_setting(&self, name: &str, value: &str) -> Result<(), ServerError> {
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    pub async fn setting(&self, name: &str) -> Result<Option<String>, ServerError> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.db.pool)
            .await?)
    }

    // ---- API keys ----

    /// Makes an API key; the key itself is returned once and only its hash kept.
    pub async fn create_api_key(&self, actor: &Actor, name: &str, role: Role) -> Result<String, ServerError> {
        check_name("the key's name", name)?;
        let key = format!("stk_{}", protocol::random_id(&mut OsRng, 32));
        let id = protocol::random_id(&mut OsRng, 8);
        let (mut tx, mut head) = self.begin().await?;
        sqlx::query("INSERT INTO api_keys (id, name, role, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(name)
            .bind(role.as_str())
            .bind(hash_api_key(&key))
            .bind(self.now() as i64)
            .execute(&mut *tx)
            .await?;
        let detail = serde_json::json!({ "name": name, "role": role.as_str() });
        self.log(&mut tx, &mut head, actor, "api_key.created", &id, detail)
            .await?;
        self.commit(tx, head).await?;
        Ok(key)
    }

    /// The name and role of a presented API key.
    pub async fn authenticate(&self, key: &str) -> Result<(String, Role), ServerError> {
        if key.len() > 128 {
            return Err(ServerError::Unauthorized);
        }
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT name, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                .bind(hash_api_key(key))
                .fetch_optional(&self.db.pool)
                .await?;
        match row {
            Some((name, role)) if role == "admin" => Ok((name, Role::Admin)),
            Some((name, _)) => Ok((name, Role::Verify)),
            None => Err(ServerError::Unauthorized),
        }
    }

    // ---- enrollment ----

    pub async fn enroll(&self, actor: &Actor, req: EnrollRequest) -> Result<EnrollResponse, ServerError> {
        check_name("issuer", &req.issuer)?;
        check_name("account", &req.account)?;
        if req.prescribing_devices.len() > crate::link::MAX_PRESCRIBING_DEVICES {
            return Err(bad(format!(
                "at most {} prescribing devices per enrollment",
                crate::link::MAX_PRESCRIBING_DEVICES
            )));
        }
        let mut pdids = Vec::new();
        for d in &req.prescribing_devices {
            let id: DeviceId = d.parse().map_err(|e| {
                bad(format!(
                    "prescribing device \"{}\": {e}",
                    d.chars().take(24).collect::<String>()
                ))
            })?;
            pdids.push(id.as_str().to_owned());
        }
        if req.sync_seconds > crate::link::MAX_SYNC_SECONDS {
            return Err(bad(format!(
                "the sync delay is {} seconds; expected at most {}",
                req.sync_seconds,
                crate::link::MAX_SYNC_SECONDS
            )));
        }
        let ttl = req.ttl_seconds.unwrap_or(self.policy.default_ttl);
        if !(60..=MAX_TTL).contains(&ttl) {
            return Err(bad(format!(
                "the activation code's lifetime is {ttl} seconds; expected 60 to {MAX_TTL} (SP 800-63B-4 allows at most 10 minutes)"
            )));
        }
        let params = req.params.unwrap_or_default();
        params.validate().map_err(|e| bad(e.to_string()))?;
        let server_url = match req.server_url {
            Some(u) => u,
            None => self.setting("public_url").await?.ok_or_else(|| {
                bad("no server URL: pass one, or start `softtoken-server serve` once so it records its own")
            })?,
        };
        check_server_url(&server_url)?;

        let now = self.now();
        let id = protocol::random_id(&mut OsRng, protocol::ENROLLMENT_ID_BYTES);
        let code = ActivationCode::generate(&mut OsRng);
        let (mut tx, mut head) = self.begin().await?;
        let replaces: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM credentials WHERE account = $1 AND class = 'soft' AND state = 'active' ORDER BY id",
        )
        .bind(&req.account)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO enrollments (id, issuer, account, code_hash, pdids, sync_seconds, otp, algorithm, \
             digits, period, created_at, expires_at, tries, state, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, 'pending', $13)",
        )
        .bind(&id)
        .bind(&req.issuer)
        .bind(&req.account)
        .bind(self.key.code_hash(&id, code.as_str()))
        .bind(pdids.join(","))
        .bind(req.sync_seconds as i64)
        .bind(kind_str(params.kind))
        .bind(params.algorithm.to_string())
        .bind(params.digits as i64)
        .bind(params.period as i64)
        .bind(now as i64)
        .bind((now + ttl) as i64)
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({
            "account": req.account, "issuer": req.issuer, "prescribing_devices": pdids,
            "sync_seconds": req.sync_seconds, "expires_at": now + ttl, "replaces": replaces,
        });
        self.log(&mut tx, &mut head, actor, "enrollment.created", &id, detail)
            .await?;
        self.commit(tx, head).await?;
        let link = ActivateLink {
            server: server_url,
            enrollment_id: id.clone(),
            issuer: req.issuer,
            account: req.account,
        };
        Ok(EnrollResponse {
            enrollment_id: id,
            link: link.to_uri(),
            activation_code: code.grouped(),
            expires_at: now + ttl,
            replaces,
        })
    }

    // ---- activation ----

    pub async fn activate(&self, actor: &Actor, req: ActivateRequest) -> Result<ActivateResponse, ServerError> {
        if req.v != protocol::VERSION {
            return Err(bad(protocol::ProtocolError::Version(req.v).to_string()));
        }
        if req.enrollment_id.len() > 64 {
            return Err(bad("enrollment_id is longer than 64 characters"));
        }
        let code = ActivationCode::parse(&req.activation_code).map_err(|e| bad(e.to_string()))?;
        let device: DeviceId = req.device_id.parse().map_err(|e| bad(format!("device_id: {e}")))?;
        let client_public: [u8; 32] =
            protocol::decode_fixed("client_public", &req.client_public).map_err(|e| bad(e.to_string()))?;
        let client_nonce: [u8; protocol::NONCE_BYTES] =
            protocol::decode_fixed("client_nonce", &req.client_nonce).map_err(|e| bad(e.to_string()))?;
        let now = self.now();
        // Computed before the lookup so an unknown id costs the same work.
        let given_hash = self.key.code_hash(&req.enrollment_id, code.as_str());

        let (mut tx, mut head) = self.begin().await?;
        type Row = (
            String,
            String,
            String,
            String,
            i64,
            String,
            String,
            i64,
            i64,
            i64,
            i64,
            String,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT issuer, account, code_hash, pdids, sync_seconds, otp, algorithm, digits, period, \
             expires_at, tries, state FROM enrollments WHERE id = $1",
        )
        .bind(&req.enrollment_id)
        .fetch_optional(&mut *tx)
        .await?;
        let subject = req.enrollment_id.as_str();
        let Some((issuer, account, code_hash, pdids, sync, otp_kind, alg, digits, period, expires_at, tries, state)) =
            row
        else {
            // The same statements as a wrong code (this one changes no row),
            // so the answer's timing does not tell whether an id exists.
            sqlx::query("UPDATE enrollments SET tries = $1, state = $2 WHERE id = $3")
                .bind(0i64)
                .bind("pending")
                .bind(subject)
                .execute(&mut *tx)
                .await?;
            let err = ServerError::UnknownEnrollment;
            return Err(self
                .refuse_activation(tx, head, actor, subject, &device, "unknown_enrollment", err)
                .await);
        };
        let error = match state.as_str() {
            "pending" if now >= expires_at as u64 => Some(("expired", ServerError::ActivationExpired)),
            "pending" => None,
            "void" => Some(("void", ServerError::EnrollmentVoid)),
            _ => Some(("already_used", ServerError::EnrollmentUsed)),
        };
        if let Some((reason, err)) = error {
            return Err(self
                .refuse_activation(tx, head, actor, subject, &device, reason, err)
                .await);
        }
        if !bool::from(given_hash.as_bytes().ct_eq(code_hash.as_bytes())) {
            let tries = tries + 1;
            let void = tries >= self.policy.activation_tries;
            sqlx::query("UPDATE enrollments SET tries = $1, state = $2 WHERE id = $3")
                .bind(tries)
                .bind(if void { "void" } else { "pending" })
                .bind(subject)
                .execute(&mut *tx)
                .await?;
            let (reason, err) = if void {
                ("wrong_code_void", ServerError::EnrollmentVoid)
            } else {
                let tries_left = (self.policy.activation_tries - tries) as u32;
                ("wrong_code", ServerError::WrongActivationCode { tries_left })
            };
            return Err(self
                .refuse_activation(tx, head, actor, subject, &device, reason, err)
                .await);
        }
        if pdids.split(',').any(|p| p == device.as_str()) {
            // The code is not used up: the prescriber can go on on a phone.
            let err = ServerError::PrescribingDevice;
            return Err(self
                .refuse_activation(tx, head, actor, subject, &device, "prescribing_device", err)
                .await);
        }

        let params = Params {
            kind: if otp_kind == "hotp" { Kind::Hotp } else { Kind::Totp },
            algorithm: parse_algorithm(&alg)?,
            digits: digits as u8,
            period: period as u64,
        };
        let server = Ephemeral::generate(&mut OsRng);
        let shared = server.agree(&client_public).map_err(|e| bad(e.to_string()))?;
        let credential_id = new_credential_id();
        let transcript = Transcript {
            enrollment_id: subject,
            device_id: &device,
            params,
            client_public: &client_public,
            client_nonce: &client_nonce,
            server_public: &server.public,
            server_nonce: &server.nonce,
            credential_id: &credential_id,
        };
        let agreed = Agreed::derive(&shared, &code, &transcript);
        let ready_at = now + sync as u64;
        let confirm_by = now + self.policy.confirm_seconds;
        sqlx::query(&format!(
            "INSERT INTO credentials (id, class, issuer, account, otp, algorithm, digits, period, device_id, \
             enrollment_id, sealed_seed, confirm_mac, state, confirm_by, ready_at, created_at, last_counter, \
             drift, failures, throttled_until) VALUES ($1, 'soft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             'unconfirmed', $12, $13, $14, {}, 0, 0, 0)",
            NONE_ACCEPTED
        ))
        .bind(&credential_id)
        .bind(&issuer)
        .bind(&account)
        .bind(kind_str(params.kind))
        .bind(params.algorithm.to_string())
        .bind(params.digits as i64)
        .bind(params.period as i64)
        .bind(device.as_str())
        .bind(subject)
        .bind(self.key.seal(&credential_id, &agreed.seed))
        .bind(self.key.code_hash(&credential_id, &agreed.client_mac()))
        .bind(confirm_by as i64)
        .bind(ready_at as i64)
        .bind(now as i64)
        .execute(&mut *tx)
        .await?;
        let used = sqlx::query(
            "UPDATE enrollments SET state = 'activating', credential_id = $1 WHERE id = $2 AND state = 'pending'",
        )
        .bind(&credential_id)
        .bind(subject)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            return Err(ServerError::EnrollmentUsed);
        }
        let detail = serde_json::json!({ "credential_id": credential_id, "device_id": device.as_str() });
        self.log(&mut tx, &mut head, actor, "activation.agreed", subject, detail)
            .await?;
        self.commit(tx, head).await?;
        Ok(ActivateResponse {
            credential_id,
            params,
            server_public: protocol::encode(&server.public),
            server_nonce: protocol::encode(&server.nonce),
            server_mac: agreed.server_mac(),
            ready_at,
            confirm_by,
            now,
            issuer,
            account,
        })
    }

    /// Records a refused activation (with whatever the transaction already
    /// changed, such as a counted wrong try) and returns the refusal, or the
    /// database error if it could not be recorded.
    #[allow(clippy::too_many_arguments)]
    async fn refuse_activation(
        &self,
        mut tx: Transaction<'_, Any>,
        mut head: Head,
        actor: &Actor,
        enrollment_id: &str,
        device: &DeviceId,
        reason: &str,
        err: ServerError,
    ) -> ServerError {
        let detail = serde_json::json!({ "reason": reason, "device_id": device.as_str() });
        let recorded = match self
            .log(&mut tx, &mut head, actor, "activation.refused", enrollment_id, detail)
            .await
        {
            Ok(()) => self.commit(tx, head).await,
            Err(e) => Err(e),
        };
        recorded.err().unwrap_or(err)
    }

    /// The app has stored the seed: the token becomes active, and any token it
    /// replaces is revoked in the same transaction.
    pub async fn confirm(&self, actor: &Actor, req: ConfirmRequest) -> Result<ConfirmResponse, ServerError> {
        if req.credential_id.len() > 64 || req.enrollment_id.len() > 64 || req.client_mac.len() > 64 {
            return Err(bad("a field is longer than 64 characters"));
        }
        let now = self.now();
        let (mut tx, mut head) = self.begin().await?;
        let row: Option<(String, String, i64, i64, String)> = sqlx::query_as(
            "SELECT account, state, confirm_by, ready_at, confirm_mac FROM credentials \
             WHERE id = $1 AND enrollment_id = $2",
        )
        .bind(&req.credential_id)
        .bind(&req.enrollment_id)
        .fetch_optional(&mut *tx)
        .await?;
        let subject = req.credential_id.as_str();
        let Some((account, state, confirm_by, ready_at, expected)) = row else {
            return Err(ServerError::UnknownCredential);
        };
        let given = self.key.code_hash(&req.credential_id, &req.client_mac);
        let mac_ok = bool::from(expected.as_bytes().ct_eq(given.as_bytes()));
        match state.as_str() {
            // A repeated confirmation (the first answer was lost) succeeds again.
            "active" if mac_ok => {
                return Ok(ConfirmResponse {
                    credential_id: req.credential_id,
                    ready_at: ready_at as u64,
                })
            }
            "unconfirmed" => {}
            _ => return Err(ServerError::UnknownCredential),
        }
        let failure = if now > confirm_by as u64 {
            Some(("expired", ServerError::ConfirmationExpired))
        } else if !mac_ok {
            Some(("bad_mac", ServerError::ConfirmationFailed))
        } else {
            None
        };
        if let Some((reason, err)) = failure {
            self.void_activation(&mut tx, &req.credential_id, &req.enrollment_id)
                .await?;
            let detail = serde_json::json!({ "reason": reason });
            self.log(&mut tx, &mut head, actor, "activation.refused", subject, detail)
                .await?;
            self.commit(tx, head).await?;
            return Err(err);
        }
        sqlx::query("UPDATE credentials SET state = 'active', bound_at = $1 WHERE id = $2 AND state = 'unconfirmed'")
            .bind(now as i64)
            .bind(subject)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE enrollments SET state = 'done' WHERE id = $1")
            .bind(&req.enrollment_id)
            .execute(&mut *tx)
            .await?;
        let replaced: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM credentials WHERE account = $1 AND class = 'soft' AND state = 'active' AND id <> $2",
        )
        .bind(&account)
        .bind(subject)
        .fetch_all(&mut *tx)
        .await?;
        for old in &replaced {
            sqlx::query("UPDATE credentials SET state = 'revoked', revoked_at = $1 WHERE id = $2")
                .bind(now as i64)
                .bind(old)
                .execute(&mut *tx)
                .await?;
            let detail = serde_json::json!({ "reason": "replaced", "by": subject });
            self.log(&mut tx, &mut head, actor, "token.revoked", old, detail)
                .await?;
        }
        let detail = serde_json::json!({ "account": account, "replaced": replaced });
        self.log(&mut tx, &mut head, actor, "activation.confirmed", subject, detail)
            .await?;
        self.commit(tx, head).await?;
        Ok(ConfirmResponse {
            credential_id: req.credential_id,
            ready_at: ready_at as u64,
        })
    }

    async fn void_activation(
        &self,
        tx: &mut Transaction<'_, Any>,
        credential_id: &str,
        enrollment_id: &str,
    ) -> Result<(), ServerError> {
        sqlx::query("UPDATE credentials SET state = 'void' WHERE id = $1 AND state = 'unconfirmed'")
            .bind(credential_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE enrollments SET state = 'void' WHERE id = $1")
            .bind(enrollment_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    // ---- verification ----

    /// Checks a code. Verifications are committed in groups: one worker per
    /// server process takes every request waiting (up to [`MAX_BATCH`]), runs
    /// them one after the other in a single transaction, commits once and only
    /// then answers them all. Each accepted code and its audit entry are
    /// durable before its answer, as with one transaction per request, but
    /// the fsync and the audit head lock are paid once per group. Within the
    /// group each request sees the ones before it, so the same code twice in
    /// one group is accepted once; across processes the head lock orders the
    /// groups. If the transaction fails, every request in it gets the error
    /// and nothing of it is written.
    pub async fn verify(&self, actor: &Actor, req: VerifyRequest) -> Result<VerifyResponse, ServerError> {
        let (column, key) = match (req.account, req.credential_id) {
            (Some(a), None) => ("account", a),
            (None, Some(c)) => ("id", c),
            _ => return Err(bad("give exactly one of account and credential_id")),
        };
        if key.is_empty() || key.len() > 256 {
            return Err(bad(format!("{column} must be 1 to 256 characters")));
        }
        if !(6..=8).contains(&req.code.len()) || !req.code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("code must be 6 to 8 digits"));
        }
        let prescribing = match &req.prescribing_device_id {
            Some(d) => Some(
                d.parse::<DeviceId>()
                    .map_err(|e| bad(format!("prescribing_device_id: {e}")))?,
            ),
            None => None,
        };
        let (reply, answer) = oneshot::channel();
        let job = Job {
            actor: actor.clone(),
            column,
            key,
            code: req.code,
            prescribing,
            reply,
        };
        let queue = self.batch.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
            tokio::spawn(self.worker().group_commit(rx));
            tx
        });
        let stopped = || ServerError::Internal("the verification worker stopped".into());
        queue.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// The same server without a queue of its own, for the worker (so the
    /// worker does not keep its own queue open).
    fn worker(&self) -> Server {
        Server {
            db: self.db.clone(),
            key: self.key.clone(),
            clock: self.clock.clone(),
            policy: self.policy.clone(),
            batch: OnceLock::new(),
        }
    }

    async fn group_commit(self, mut queue: mpsc::Receiver<Job>) {
        let mut jobs = Vec::with_capacity(MAX_BATCH);
        while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
            match self.verify_group(&jobs).await {
                Ok(answers) => {
                    for (job, answer) in jobs.drain(..).zip(answers) {
                        // The client may have gone; its code stays used.
                        let _ = job.reply.send(answer);
                    }
                }
                Err(e) => {
                    let why = e.to_string();
                    for job in jobs.drain(..) {
                        let _ = job
                            .reply
                            .send(Err(ServerError::Unavailable(sqlx::Error::Protocol(why.clone()))));
                    }
                }
            }
        }
    }

    /// One transaction for a group: the outer error is the database's (the
    /// whole group fails), the inner results are each request's answer.
    async fn verify_group(&self, jobs: &[Job]) -> Result<Vec<Result<VerifyResponse, ServerError>>, ServerError> {
        let (mut tx, mut head) = self.begin().await?;
        let mut answers = Vec::with_capacity(jobs.len());
        for job in jobs {
            answers.push(self.verify_one(&mut tx, &mut head, job).await?);
        }
        self.commit(tx, head).await?;
        Ok(answers)
    }

    async fn verify_one(
        &self,
        tx: &mut Transaction<'static, Any>,
        head: &mut Head,
        job: &Job,
    ) -> Result<Result<VerifyResponse, ServerError>, ServerError> {
        let Job { actor, column, key, .. } = job;
        let prescribing = &job.prescribing;
        let now = self.now();
        let rows: Vec<CredRow> = sqlx::query_as(&format!(
            "SELECT {CRED_COLUMNS} FROM credentials WHERE {column} = $1 AND state IN ('active', 'revoked') ORDER BY id"
        ))
        .bind(key)
        .fetch_all(&mut **tx)
        .await?;
        let creds: Vec<Cred> = rows.into_iter().map(cred).collect();
        let mut outcome: Result<(String, Match), (Option<String>, Refusal)> = Err((None, Refusal::NoToken));
        if creds.iter().all(|c| c.state == "revoked") && !creds.is_empty() {
            outcome = Err((Some(creds[0].id.clone()), Refusal::Revoked));
        }
        for c in creds.iter().filter(|c| c.state == "active") {
            let r = self.check(c, &job.code, prescribing.as_ref(), now)?;
            match r {
                Ok(m) => {
                    outcome = Ok((c.id.clone(), m));
                    break;
                }
                Err(refusal) => {
                    let better = match &outcome {
                        Err((_, prev)) => rank(&refusal) > rank(prev),
                        Ok(_) => false,
                    };
                    if better {
                        outcome = Err((Some(c.id.clone()), refusal));
                    }
                }
            }
        }
        let result = match outcome {
            Ok((id, m)) => {
                let done = sqlx::query(
                    "UPDATE credentials SET last_counter = $1, drift = $2, failures = 0, throttled_until = 0, \
                     last_used = $3 WHERE id = $4 AND state = 'active' AND last_counter < $1",
                )
                .bind(m.counter)
                .bind(m.drift)
                .bind(now as i64)
                .bind(&id)
                .execute(&mut **tx)
                .await?;
                if done.rows_affected() == 1 {
                    let detail = serde_json::json!({ "counter": m.counter, "drift": m.drift });
                    self.log(tx, head, actor, "verify.passed", &id, detail).await?;
                    Ok(id)
                } else {
                    Err((Some(id), Refusal::Replayed))
                }
            }
            Err(e) => Err(e),
        };
        Ok(match result {
            Ok(id) => Ok(VerifyResponse {
                ok: true,
                credential_id: id,
            }),
            Err((id, refusal)) => {
                // Count the failure on each token that was actually tried.
                let counts = matches!(refusal, Refusal::WrongCode | Refusal::Replayed);
                for c in creds.iter().filter(|c| c.state == "active" && counts) {
                    let failures = c.failures + 1;
                    let until = now + throttle_delay(&self.policy, failures);
                    sqlx::query("UPDATE credentials SET failures = failures + 1, throttled_until = $1 WHERE id = $2")
                        .bind(until as i64)
                        .bind(&c.id)
                        .execute(&mut **tx)
                        .await?;
                    if failures == self.policy.disable_at {
                        let detail = serde_json::json!({ "failures": failures });
                        self.log(tx, head, actor, "token.disabled", &c.id, detail).await?;
                    }
                }
                let event = match refusal {
                    Refusal::Throttled { .. } | Refusal::Disabled => "verify.throttled",
                    _ => "verify.failed",
                };
                let subject = id.as_deref().unwrap_or(key);
                let mut detail = serde_json::json!({ "reason": refusal.code() });
                if let Some(p) = prescribing {
                    detail["prescribing_device_id"] = p.as_str().into();
                }
                self.log(tx, head, actor, event, subject, detail).await?;
                Err(ServerError::Refused(refusal))
            }
        })
    }

    /// One token against one code: a match, or why not.
    fn check(
        &self,
        c: &Cred,
        code: &str,
        prescribing: Option<&DeviceId>,
        now: u64,
    ) -> Result<Result<Match, Refusal>, ServerError> {
        if let (Some(p), Some(d)) = (prescribing, &c.device_id) {
            if p.as_str() == d {
                return Ok(Err(Refusal::SameDevice));
            }
        }
        if c.failures >= self.policy.disable_at {
            return Ok(Err(Refusal::Disabled));
        }
        if c.throttled_until as u64 > now {
            return Ok(Err(Refusal::Throttled {
                retry_after: c.throttled_until as u64 - now,
            }));
        }
        if (c.ready_at as u64) > now {
            return Ok(Err(Refusal::NotReady {
                ready_at: c.ready_at as u64,
                retry_after: c.ready_at as u64 - now,
            }));
        }
        if code.len() != c.digits as usize {
            return Ok(Err(Refusal::WrongCode));
        }
        let (first, last, current) = if c.otp == "hotp" {
            let next = c.last_counter + 1;
            let look = self.policy.hotp_lookahead as i64;
            ((next - look).max(0), next + look, next)
        } else {
            let step = time_step(now, c)?;
            let center = step + c.drift;
            let w = self.policy.totp_window as i64;
            // Around the remembered drift, and around the true time in
            // case the token's clock was corrected since.
            ((center.min(step) - w).max(0), center.max(step) + w, step)
        };
        let found = self.scan(c, code, first, last)?;
        let in_window = |n: i64| {
            if c.otp == "hotp" {
                n >= current
            } else {
                let w = self.policy.totp_window as i64;
                (n - (current + c.drift)).abs() <= w || (n - current).abs() <= w
            }
        };
        // A usable match wins over a used one; among usable TOTP matches, the
        // one nearest the expected step keeps the remembered drift steady.
        let expected = if c.otp == "hotp" { current } else { current + c.drift };
        let usable = found
            .iter()
            .copied()
            .filter(|&n| n > c.last_counter && in_window(n))
            .min_by_key(|&n| ((n - expected).abs(), n));
        Ok(match usable {
            Some(n) => Ok(Match {
                counter: n,
                drift: if c.otp == "hotp" { 0 } else { n - current },
            }),
            None if found.iter().any(|&n| n <= c.last_counter) => Err(Refusal::Replayed),
            None => Err(Refusal::WrongCode),
        })
    }

    // ---- lifecycle ----

    pub async fn tokens(&self, account: &str) -> Result<Vec<TokenInfo>, ServerError> {
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            i64,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, class, state, account, device_id, serial, bound_at, last_used, ready_at, failures \
             FROM credentials WHERE account = $1 ORDER BY created_at, id",
        )
        .bind(account)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| TokenInfo {
                credential_id: r.0,
                class: r.1,
                state: r.2,
                account: r.3,
                device_id: r.4,
                serial: r.5,
                bound_at: r.6,
                last_used: r.7,
                ready_at: r.8,
                failures: r.9,
            })
            .collect())
    }

    /// Revokes a token at once (a lost phone). Returns false if it was not
    /// active or waiting for confirmation.
    pub async fn revoke(&self, actor: &Actor, credential_id: &str, reason: &str) -> Result<bool, ServerError> {
        if credential_id.len() > 64 {
            return Err(bad("credential_id is longer than 64 characters"));
        }
        let now = self.now();
        let (mut tx, mut head) = self.begin().await?;
        let done = sqlx::query(
            "UPDATE credentials SET state = 'revoked', revoked_at = $1 WHERE id = $2 AND state IN ('active', 'unconfirmed')",
        )
        .bind(now as i64)
        .bind(credential_id)
        .execute(&mut *tx)
        .await?;
        let revoked = done.rows_affected() == 1;
        let detail = serde_json::json!({ "reason": reason, "changed": revoked });
        self.log(&mut tx, &mut head, actor, "token.revoked", credential_id, detail)
            .await?;
        self.commit(tx, head).await?;
        Ok(revoked)
    }

    /// Revocation by the app, signed with a key derived from the seed.
    pub async fn revoke_signed(&self, actor: &Actor, req: RevokeRequest) -> Result<bool, ServerError> {
        let now = self.now();
        if req.time.abs_diff(now) > protocol::MANAGE_SKEW {
            return Err(bad(format!(
                "the request's time is {} seconds from the server's; check the device clock",
                req.time.abs_diff(now)
            )));
        }
        let sealed: Option<String> =
            sqlx::query_scalar("SELECT sealed_seed FROM credentials WHERE id = $1 AND class = 'soft'")
                .bind(&req.credential_id)
                .fetch_optional(&self.db.pool)
                .await?;
        let Some(sealed) = sealed else {
            return Err(ServerError::UnknownCredential);
        };
        let seed = self.key.open(&req.credential_id, &sealed)?;
        if !protocol::check_manage_mac(&seed, &req.credential_id, "revoke", req.time, &req.mac) {
            return Err(ServerError::Unauthorized);
        }
        self.revoke(actor, &req.credential_id, "reported lost by the app").await
    }

    // ---- hard tokens ----

    /// Stores the keys of a PSKC file as hard tokens not yet assigned.
    pub async fn import_hard_tokens(
        &self,
        actor: &Actor,
        issuer: &str,
        keys: Vec<PskcKey>,
    ) -> Result<usize, ServerError> {
        check_name("issuer", issuer)?;
        let now = self.now();
        let (mut tx, mut head) = self.begin().await?;
        for k in &keys {
            let id = format!("HT-{}", k.serial);
            let exists: Option<String> = sqlx::query_scalar("SELECT id FROM credentials WHERE serial = $1")
                .bind(&k.serial)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                return Err(bad(format!(
                    "hard token {} is already imported; nothing was imported",
                    k.serial
                )));
            }
            sqlx::query(
                "INSERT INTO credentials (id, class, issuer, account, otp, algorithm, digits, period, serial, \
                 sealed_seed, confirm_mac, state, confirm_by, ready_at, created_at, last_counter, drift, failures, \
                 throttled_until) VALUES ($1, 'hard', $2, '', $3, $4, $5, $6, $7, $8, '', 'stock', 0, 0, $9, $10, 0, 0, 0)",
            )
            .bind(&id)
            .bind(issuer)
            .bind(kind_str(k.params.kind))
            .bind(k.params.algorithm.to_string())
            .bind(k.params.digits as i64)
            .bind(k.params.period as i64)
            .bind(&k.serial)
            .bind(self.key.seal(&id, &k.secret))
            .bind(now as i64)
            .bind(k.counter.map(|c| c as i64 - 1).unwrap_or(NONE_ACCEPTED))
            .execute(&mut *tx)
            .await?;
        }
        let serials: Vec<&str> = keys.iter().map(|k| k.serial.as_str()).collect();
        let detail = serde_json::json!({ "count": keys.len(), "serials": serials });
        self.log(&mut tx, &mut head, actor, "hard_token.imported", issuer, detail)
            .await?;
        self.commit(tx, head).await?;
        Ok(keys.len())
    }

    /// Assigns a fob to an account: its serial number and a current code
    /// (which also sets its counter or drift).
    pub async fn activate_hard_token(
        &self,
        actor: &Actor,
        serial: &str,
        account: &str,
        code: &str,
    ) -> Result<String, ServerError> {
        check_name("account", account)?;
        if serial.is_empty() || serial.len() > 64 {
            return Err(bad("the serial number must be 1 to 64 characters"));
        }
        if !(6..=8).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the code must be the 6 to 8 digits the token shows"));
        }
        let now = self.now();
        let (mut tx, mut head) = self.begin().await?;
        let row: Option<CredRow> = sqlx::query_as(&format!(
            "SELECT {CRED_COLUMNS} FROM credentials WHERE serial = $1 AND class = 'hard'"
        ))
        .bind(serial)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(c) = row.map(cred) else {
            return Err(ServerError::UnknownSerial(serial.into()));
        };
        if c.state != "stock" {
            return Err(ServerError::SerialTaken(serial.into()));
        }
        // A fob may have been pressed many times since it was made: look
        // further ahead than at verification, once.
        let matched = self.check_with(
            &c,
            code,
            now,
            self.policy.hotp_lookahead.max(100),
            self.policy.totp_window.max(2),
        )?;
        let detail_fail = serde_json::json!({ "serial": serial, "account": account, "reason": "wrong_code" });
        let Some(m) = matched else {
            self.log(&mut tx, &mut head, actor, "hard_token.refused", &c.id, detail_fail)
                .await?;
            self.commit(tx, head).await?;
            return Err(ServerError::Refused(Refusal::WrongCode));
        };
        sqlx::query(
            "UPDATE credentials SET state = 'active', account = $1, bound_at = $2, last_used = $2, \
             last_counter = $3, drift = $4 WHERE id = $5 AND state = 'stock'",
        )
        .bind(account)
        .bind(now as i64)
        .bind(m.counter)
        .bind(m.drift)
        .bind(&c.id)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({ "serial": serial, "account": account });
        self.log(&mut tx, &mut head, actor, "hard_token.activated", &c.id, detail)
            .await?;
        self.commit(tx, head).await?;
        Ok(c.id)
    }

    /// Whether `code` is the token's code at `now`, looking `lookahead`
    /// counters ahead (HOTP) or `window` steps either side (TOTP).
    fn check_with(
        &self,
        c: &Cred,
        code: &str,
        now: u64,
        lookahead: u64,
        window: u64,
    ) -> Result<Option<Match>, ServerError> {
        let (first, last, current) = if c.otp == "hotp" {
            let next = c.last_counter + 1;
            (next, next + lookahead as i64, next)
        } else {
            let step = time_step(now, c)?;
            ((step - window as i64).max(0), step + window as i64, step)
        };
        Ok(self.scan(c, code, first, last)?.first().map(|&counter| Match {
            counter,
            drift: if c.otp == "hotp" { 0 } else { counter - current },
        }))
    }

    /// Every counter in `first..=last` whose code is `code`: 6-digit codes of
    /// nearby counters collide (about 1 in 10^5 per verification with a
    /// look-behind of 10), so the caller must prefer a usable match over a
    /// used one. Every candidate is computed and compared in constant time,
    /// so the time taken does not say which one matched.
    fn scan(&self, c: &Cred, code: &str, first: i64, last: i64) -> Result<Vec<i64>, ServerError> {
        let seed = self.key.open(&c.id, &c.sealed_seed)?;
        let format = CodeFormat {
            algorithm: parse_algorithm(&c.algorithm)?,
            digits: c.digits as u8,
        };
        let mut found = Vec::new();
        for counter in first..=last {
            let candidate = otp::hotp(&seed, format, counter as u64).map_err(otp_internal)?;
            if otp::codes_equal(&candidate, code) {
                found.push(counter);
            }
        }
        Ok(found)
    }

    // ---- audit ----

    pub async fn audit_verify(&self) -> Result<i64, ServerError> {
        audit::verify(&self.db.pool, &self.key).await
    }

    pub async fn audit_entries(&self, since: u64) -> Result<Vec<audit::Entry>, ServerError> {
        audit::entries(&self.db.pool, since).await
    }
}

/// Which refusal to report when an account has several tokens.
fn rank(r: &Refusal) -> u8 {
    match r {
        Refusal::NoToken => 0,
        Refusal::Revoked => 1,
        Refusal::WrongCode => 2,
        Refusal::NotReady { .. } => 3,
        Refusal::Throttled { .. } => 4,
        Refusal::Disabled => 5,
        Refusal::SameDevice => 6,
        Refusal::Replayed => 7,
    }
}

fn kind_str(k: Kind) -> &'static str {
    match k {
        Kind::Totp => "totp",
        Kind::Hotp => "hotp",
    }
}

/// `last_counter` before any code was accepted: HOTP counters and TOTP
/// steps start at 0.
const NONE_ACCEPTED: i64 = -1;

fn otp_internal(e: otp::OtpError) -> ServerError {
    ServerError::Internal(e.to_string())
}

/// The current TOTP step of a token.
fn time_step(now: u64, c: &Cred) -> Result<i64, ServerError> {
    Ok(otp::time_step(now, c.period as u64).map_err(otp_internal)? as i64)
}

pub fn hash_api_key(key: &str) -> String {
    use sha2::{Digest, Sha256};
    protocol::encode(&Sha256::digest(key.as_bytes()))
}

/// The app talks to HTTPS servers, and to plain HTTP only on loopback.
pub fn check_server_url(url: &str) -> Result<(), ServerError> {
    // The app's own check, so every link the server makes is one the app opens.
    crate::link::check_server_url(url)
        .map(|_| ())
        .map_err(|e| bad(format!("the server URL: {e}")))
}
