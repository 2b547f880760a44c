//! The HTTP API (docs/PROTOCOL.md §3–4) and the one place that turns a
//! [`ServerError`] into a status and a JSON body.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::pskc::{self, Unlock};
use super::service::{EnrollRequest, Role};
use super::{Actor, Server, ServerError};
use crate::protocol::{ActivateRequest, ConfirmRequest, ErrorBody, RevokeRequest, TimeResponse, VerifyRequest};

/// Largest JSON body (the PSKC import takes files up to [`pskc::MAX_FILE`]).
pub const BODY_LIMIT: usize = 16 * 1024;

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ServerError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ServerError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ServerError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServerError::UnknownEnrollment => (StatusCode::NOT_FOUND, "unknown_enrollment"),
            ServerError::WrongActivationCode { .. } => (StatusCode::FORBIDDEN, "wrong_activation_code"),
            ServerError::ActivationExpired => (StatusCode::GONE, "activation_expired"),
            ServerError::EnrollmentUsed => (StatusCode::CONFLICT, "enrollment_used"),
            ServerError::EnrollmentVoid => (StatusCode::GONE, "enrollment_void"),
            ServerError::PrescribingDevice => (StatusCode::FORBIDDEN, "prescribing_device"),
            ServerError::ConfirmationFailed => (StatusCode::FORBIDDEN, "confirmation_failed"),
            ServerError::UnknownCredential => (StatusCode::NOT_FOUND, "unknown_credential"),
            ServerError::ConfirmationExpired => (StatusCode::GONE, "confirmation_expired"),
            ServerError::Refused(r) => (StatusCode::FORBIDDEN, r.code()),
            ServerError::UnknownSerial(_) => (StatusCode::NOT_FOUND, "unknown_serial"),
            ServerError::SerialTaken(_) => (StatusCode::CONFLICT, "serial_taken"),
            ServerError::Pskc(_) => (StatusCode::BAD_REQUEST, "bad_pskc"),
            ServerError::AuditBroken { .. } => (StatusCode::CONFLICT, "audit_broken"),
            ServerError::Unavailable(e) => {
                eprintln!("softtoken-server: database error: {e}");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            ServerError::Key(e) => {
                eprintln!("softtoken-server: key error: {e}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
            ServerError::Setup(_) | ServerError::Internal(_) => {
                eprintln!("softtoken-server: {self}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        let (tries_left, retry_after) = match &self {
            ServerError::WrongActivationCode { tries_left } => (Some(*tries_left), None),
            ServerError::Refused(r) => (None, r.retry_after()),
            _ => (None, None),
        };
        let message = match &self {
            // Internal details stay in the server's log.
            ServerError::Unavailable(_) => self.to_string(),
            ServerError::Key(_) | ServerError::Setup(_) | ServerError::Internal(_) => {
                "the server could not complete the request; its log says why".into()
            }
            _ => self.to_string(),
        };
        let body = ErrorBody {
            error: code.into(),
            message,
            tries_left,
            retry_after,
        };
        let mut resp = (status, Json(body)).into_response();
        if let Some(s) = retry_after {
            if let Ok(v) = s.to_string().parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

/// JSON in, with every rejection (syntax, types, size, content type) turned
/// into a 400 that says what was wrong.
pub struct J<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for J<T> {
    type Rejection = ServerError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ServerError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(J(v)),
            Err(e) => Err(ServerError::BadRequest(match e {
                JsonRejection::JsonDataError(e) => format!("the JSON does not fit: {}", e.body_text()),
                JsonRejection::JsonSyntaxError(e) => format!("the body is not valid JSON: {}", e.body_text()),
                JsonRejection::MissingJsonContentType(_) => {
                    "send the body as JSON with Content-Type: application/json".into()
                }
                other => {
                    if other.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        "the body is too large".into()
                    } else {
                        other.body_text()
                    }
                }
            })),
        }
    }
}

type Shared = State<Arc<Server>>;
type Peer = ConnectInfo<SocketAddr>;

fn anonymous(peer: &SocketAddr) -> Actor {
    Actor {
        name: "app".into(),
        source: peer.ip().to_string(),
    }
}

/// The caller's API key, with at least `need`.
async fn authorize(s: &Server, headers: &HeaderMap, peer: &SocketAddr, need: Role) -> Result<Actor, ServerError> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ServerError::Unauthorized)?;
    let (name, role) = s.authenticate(key.trim()).await?;
    if need == Role::Admin && role != Role::Admin {
        return Err(ServerError::Forbidden("admin"));
    }
    Ok(Actor {
        name: format!("{}:{name}", if role == Role::Admin { "admin" } else { "ehr" }),
        source: peer.ip().to_string(),
    })
}

async fn time(State(s): Shared) -> Json<TimeResponse> {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    // The service clock decides (tests move it); milliseconds follow it.
    let unix = s.now();
    Json(TimeResponse {
        unix,
        unix_ms: unix * 1000 + ms % 1000,
    })
}

async fn activate(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    J(req): J<ActivateRequest>,
) -> Result<Response, ServerError> {
    Ok(Json(s.activate(&anonymous(&peer), req).await?).into_response())
}

async fn confirm(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    J(req): J<ConfirmRequest>,
) -> Result<Response, ServerError> {
    Ok(Json(s.confirm(&anonymous(&peer), req).await?).into_response())
}

async fn revoke_signed(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    J(req): J<RevokeRequest>,
) -> Result<Response, ServerError> {
    let revoked = s.revoke_signed(&anonymous(&peer), req).await?;
    Ok(Json(serde_json::json!({ "revoked": revoked })).into_response())
}

async fn verify(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    J(req): J<VerifyRequest>,
) -> Result<Response, ServerError> {
    let actor = authorize(&s, &headers, &peer, Role::Verify).await?;
    Ok(Json(s.verify(&actor, req).await?).into_response())
}

async fn enroll(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    J(req): J<EnrollRequest>,
) -> Result<Response, ServerError> {
    let actor = authorize(&s, &headers, &peer, Role::Admin).await?;
    Ok((StatusCode::CREATED, Json(s.enroll(&actor, req).await?)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountQuery {
    account: String,
}

async fn tokens(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    q: Result<Query<AccountQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ServerError> {
    authorize(&s, &headers, &peer, Role::Admin).await?;
    let Query(q) = q.map_err(|e| ServerError::BadRequest(e.body_text()))?;
    Ok(Json(s.tokens(&q.account).await?).into_response())
}

async fn revoke_admin(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    let actor = authorize(&s, &headers, &peer, Role::Admin).await?;
    let revoked = s.revoke(&actor, &id, "revoked by an administrator").await?;
    Ok(Json(serde_json::json!({ "revoked": revoked })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportRequest {
    issuer: String,
    pskc: String,
    #[serde(default)]
    psk_hex: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

async fn import(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    J(req): J<ImportRequest>,
) -> Result<Response, ServerError> {
    let actor = authorize(&s, &headers, &peer, Role::Admin).await?;
    let psk = match &req.psk_hex {
        Some(h) => Some(zeroize::Zeroizing::new(
            data_encoding::HEXLOWER_PERMISSIVE
                .decode(h.trim().as_bytes())
                .map_err(|_| ServerError::BadRequest("psk_hex is not hexadecimal".into()))?,
        )),
        None => None,
    };
    let unlock = match (&psk, &req.password) {
        (Some(k), None) => Unlock::PreShared(k),
        (None, Some(p)) => Unlock::Password(p),
        (None, None) => Unlock::None,
        _ => return Err(ServerError::BadRequest("give psk_hex or password, not both".into())),
    };
    let keys = pskc::parse(&req.pskc, unlock)?;
    let n = s.import_hard_tokens(&actor, &req.issuer, keys).await?;
    Ok(Json(serde_json::json!({ "imported": n })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HardActivate {
    serial: String,
    account: String,
    code: String,
}

async fn hard_activate(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    J(req): J<HardActivate>,
) -> Result<Response, ServerError> {
    let actor = authorize(&s, &headers, &peer, Role::Admin).await?;
    let id = s
        .activate_hard_token(&actor, &req.serial, &req.account, &req.code)
        .await?;
    Ok(Json(serde_json::json!({ "credential_id": id })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    since: Option<u64>,
}

async fn audit(
    State(s): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ServerError> {
    authorize(&s, &headers, &peer, Role::Admin).await?;
    let Query(q) = q.map_err(|e| ServerError::BadRequest(e.body_text()))?;
    let entries = s.audit_entries(q.since.unwrap_or(0)).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(entries).into_response()),
        "csv" => Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            super::audit::to_csv(&entries),
        )
            .into_response()),
        _ => Err(ServerError::BadRequest("format must be json or csv".into())),
    }
}

async fn audit_verify(State(s): Shared, ConnectInfo(peer): Peer, headers: HeaderMap) -> Result<Response, ServerError> {
    authorize(&s, &headers, &peer, Role::Admin).await?;
    let n = s.audit_verify().await?;
    Ok(Json(serde_json::json!({ "ok": true, "entries": n })).into_response())
}

async fn not_found() -> ServerError {
    ServerError::BadRequest("no such endpoint; see docs/PROTOCOL.md".into())
}

/// Every route of the API.
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/v1/time", get(time))
        .route("/v1/activate", post(activate))
        .route("/v1/activate/confirm", post(confirm))
        .route("/v1/verify", post(verify))
        .route("/v1/revoke", post(revoke_signed))
        .route("/v1/admin/enrollments", post(enroll))
        .route("/v1/admin/tokens", get(tokens))
        .route("/v1/admin/tokens/{id}/revoke", post(revoke_admin))
        .route(
            "/v1/admin/hard-tokens/import",
            post(import).layer(DefaultBodyLimit::max(pskc::MAX_FILE + BODY_LIMIT)),
        )
        .route("/v1/admin/hard-tokens/activate", post(hard_activate))
        .route("/v1/admin/audit", get(audit))
        .route("/v1/admin/audit/verify", get(audit_verify))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(refuse_oversized))
        .with_state(server)
}

/// The body limit of a path: the PSKC import takes a whole file.
fn body_limit(path: &str) -> usize {
    if path == "/v1/admin/hard-tokens/import" {
        pskc::MAX_FILE + BODY_LIMIT
    } else {
        BODY_LIMIT
    }
}

/// The most of an oversized body read and thrown away before refusing it.
const DRAIN_LIMIT: u64 = 1 << 20;

/// Refuses a body whose Content-Length is over the limit before any handler
/// runs, but reads it first (up to [`DRAIN_LIMIT`]): closing a socket with
/// unread data makes the kernel reset the connection, and the client may
/// then lose the answer along with it. Bodies without a Content-Length are
/// still cut off by [`DefaultBodyLimit`].
async fn refuse_oversized(req: Request, next: axum::middleware::Next) -> Response {
    let limit = body_limit(req.uri().path());
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let Some(length) = length.filter(|&n| n > limit as u64) else {
        return next.run(req).await;
    };
    let drained = length <= DRAIN_LIMIT
        && axum::body::to_bytes(req.into_body(), DRAIN_LIMIT as usize)
            .await
            .is_ok();
    let mut resp = ServerError::BadRequest(format!("the body is larger than {limit} bytes")).into_response();
    if !drained {
        resp.headers_mut()
            .insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    }
    resp
}

/// TLS certificate and key files (PEM).
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Serves until SIGINT or SIGTERM. `ready` is called with the address
/// actually bound (the port may have been 0).
pub async fn serve(
    server: Arc<Server>,
    listen: SocketAddr,
    tls: Option<Tls>,
    public_url: Option<String>,
    ready: impl FnOnce(SocketAddr, &str),
) -> Result<(), ServerError> {
    if tls.is_none() && !listen.ip().is_loopback() {
        return Err(ServerError::Setup(format!(
            "plain HTTP is only allowed on a loopback address; give --tls-cert and --tls-key to listen on {listen}"
        )));
    }
    let listener = std::net::TcpListener::bind(listen)
        .map_err(|e| ServerError::Setup(format!("cannot listen on {listen}: {e}")))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| ServerError::Setup(format!("cannot listen on {listen}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| ServerError::Setup(format!("cannot listen on {listen}: {e}")))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = public_url.unwrap_or_else(|| format!("{scheme}://{bound}"));
    super::service::check_server_url(&url)?;
    server.set_setting("public_url", &url).await?;
    // Load the certificate before saying we listen: a bad file is a start-up error.
    let tls = match tls {
        Some(t) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&t.cert, &t.key)
                    .await
                    .map_err(|e| {
                        ServerError::Setup(format!(
                            "cannot load the TLS certificate {} or key {}: {e}",
                            t.cert.display(),
                            t.key.display()
                        ))
                    })?,
            )
        }
        None => None,
    };
    let app = router(server).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
    });
    ready(bound, &url);
    let result = match tls {
        Some(config) => {
            axum_server::from_tcp_rustls(listener, config)
                .handle(handle)
                .serve(app)
                .await
        }
        None => axum_server::from_tcp(listener).handle(handle).serve(app).await,
    };
    result.map_err(|e| ServerError::Setup(format!("the server stopped: {e}")))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
