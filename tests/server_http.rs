//! softtoken-server as a process on loopback: the whole flow over HTTP and
//! its command line, malformed requests, concurrent verification of one
//! code (SQLite, and two processes on one PostgreSQL), and what it links.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;

use softtoken::otp::{self, CodeFormat};
use softtoken::protocol::{ActivateResponse, ActivationCode, ClientActivation, ConfirmRequest};
use softtoken::server::service::EnrollResponse;

const BIN: &str = env!("CARGO_BIN_EXE_softtoken-server");
const PHONE: &str = "PHONEPHONEPHONE2";
const DESK: &str = "DESKDESKDESKDESK";

struct Running {
    child: Child,
    url: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_cmd(dir: &Path, db: Option<&str>, key: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data-dir").arg(dir).arg("--server-key").arg(key);
    if let Some(db) = db {
        c.arg("--database").arg(db);
    }
    c
}

/// Starts `serve` on a free loopback port and waits for its first line.
fn start(dir: &Path, db: Option<&str>, key: &Path) -> Running {
    start_with(dir, db, key, &[])
}

fn start_with(dir: &Path, db: Option<&str>, key: &Path, extra: &[&str]) -> Running {
    let mut child = server_cmd(dir, db, key)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .strip_prefix("softtoken-server listening on ")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        for l in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&l);
        }
    });
    let scheme = if extra.contains(&"--tls-cert") { "https" } else { "http" };
    Running {
        child,
        url: format!("{scheme}://{addr}"),
        log,
    }
}

fn cli(dir: &Path, db: Option<&str>, key: &Path, args: &[&str]) -> std::process::Output {
    let out = server_cmd(dir, db, key).args(args).output().unwrap();
    out
}

fn cli_ok(dir: &Path, db: Option<&str>, key: &Path, args: &[&str]) -> String {
    let out = cli(dir, db, key, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .new_agent()
}

/// (status, body) of a JSON POST.
fn post(a: &ureq::Agent, url: &str, key: Option<&str>, body: &str) -> (u16, String) {
    let mut req = a.post(url).header("Content-Type", "application/json");
    if let Some(k) = key {
        req = req.header("Authorization", &format!("Bearer {k}"));
    }
    let mut resp = req.send(body).unwrap();
    (
        resp.status().as_u16(),
        resp.body_mut().read_to_string().unwrap_or_default(),
    )
}

fn now() -> u64 {
    otp::unix_now().unwrap()
}

fn code_now(seed: &[u8]) -> String {
    otp::totp(seed, CodeFormat::default(), 30, now()).unwrap()
}

/// `POST /v1/activate` with the enrollment's code, as the app sends it:
/// the client's half, and the (status, body) answered.
fn post_activation(a: &ureq::Agent, base: &str, e: &EnrollResponse, device: &str) -> (ClientActivation, u16, String) {
    let code = ActivationCode::parse(&e.activation_code).unwrap();
    let (client, req) =
        ClientActivation::start(&mut rand::rngs::OsRng, &e.enrollment_id, code, device.parse().unwrap());
    let (status, body) = post(
        a,
        &format!("{base}/v1/activate"),
        None,
        &serde_json::to_string(&req).unwrap(),
    );
    (client, status, body)
}

/// The app's half over HTTP; returns the seed and credential ID.
fn activate(a: &ureq::Agent, base: &str, e: &EnrollResponse, device: &str) -> (Vec<u8>, String) {
    let (client, status, body) = post_activation(a, base, e, device);
    assert_eq!(status, 200, "{body}");
    let resp: ActivateResponse = serde_json::from_str(&body).unwrap();
    let agreed = client.finish(&resp).unwrap();
    let confirm: ConfirmRequest = client.confirm_request(&agreed, &resp);
    let (status, body) = post(
        a,
        &format!("{base}/v1/activate/confirm"),
        None,
        &serde_json::to_string(&confirm).unwrap(),
    );
    assert_eq!(status, 200, "{body}");
    (agreed.seed.to_vec(), resp.credential_id)
}

fn verify_body(account: &str, code: &str, pd: Option<&str>) -> String {
    let mut v = serde_json::json!({ "account": account, "code": code });
    if let Some(pd) = pd {
        v["prescribing_device_id"] = pd.into();
    }
    v.to_string()
}

/// Waits for the next TOTP step if fewer than `margin` seconds are left, so
/// a test's codes stay valid while it runs.
fn fresh_step(margin: u64) {
    let left = otp::seconds_left(30, now());
    if left < margin {
        std::thread::sleep(Duration::from_secs(left + 1));
    }
}

#[test]
fn end_to_end_over_http_and_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    let s = start(dir.path(), None, &key);
    let a = agent();
    let ehr = cli_ok(
        dir.path(),
        None,
        &key,
        &["api-key", "--name", "ehr", "--role", "verify"],
    );
    let ehr = ehr.trim();
    let out = cli_ok(
        dir.path(),
        None,
        &key,
        &[
            "enroll",
            "--issuer",
            "Clinic",
            "--account",
            "dr.x",
            "--pdid",
            DESK,
            "--json",
        ],
    );
    let e: EnrollResponse = serde_json::from_str(&out).unwrap();
    let port = s.url.rsplit(':').next().unwrap();
    assert!(e.link.contains(&format!("127%2E0%2E0%2E1%3A{port}")), "{}", e.link);

    fresh_step(10);
    let (seed, cred) = activate(&a, &s.url, &e, PHONE);
    let verify = format!("{}/v1/verify", s.url);
    let c = code_now(&seed);
    assert_eq!(post(&a, &verify, None, &verify_body("dr.x", &c, Some(DESK))).0, 401);
    let (status, body) = post(&a, &verify, Some(ehr), &verify_body("dr.x", &c, Some(DESK)));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&cred));
    let (status, body) = post(&a, &verify, Some(ehr), &verify_body("dr.x", &c, Some(DESK)));
    assert_eq!(status, 403);
    assert!(body.contains("\"error\":\"replayed\""), "{body}");
    // The EHR names the phone as its prescribing device: refused.
    let (status, body) = post(&a, &verify, Some(ehr), &verify_body("dr.x", &c, Some(PHONE)));
    assert_eq!((status, body.contains("same_device")), (403, true), "{body}");
    // A verify key may not enroll.
    let (status, _) = post(
        &a,
        &format!("{}/v1/admin/enrollments", s.url),
        Some(ehr),
        "{\"issuer\":\"a\",\"account\":\"b\"}",
    );
    assert_eq!(status, 403);

    let mut t = a.get(&format!("{}/v1/time", s.url)).call().unwrap();
    let time: serde_json::Value = serde_json::from_str(&t.body_mut().read_to_string().unwrap()).unwrap();
    assert!(time["unix"].as_u64().unwrap().abs_diff(now()) <= 2);

    let listed = cli_ok(dir.path(), None, &key, &["tokens", "dr.x"]);
    assert!(
        listed.contains(&cred) && listed.contains("active") && listed.contains(PHONE),
        "{listed}"
    );
    cli_ok(dir.path(), None, &key, &["revoke", &cred]);
    let (status, body) = post(&a, &verify, Some(ehr), &verify_body("dr.x", &code_now(&seed), None));
    assert_eq!((status, body.contains("revoked")), (403, true), "{body}");

    let audit = cli_ok(dir.path(), None, &key, &["audit", "verify"]);
    assert!(audit.contains("intact"), "{audit}");
    let csv = cli_ok(dir.path(), None, &key, &["audit", "export", "--format", "csv"]);
    for ev in [
        "enrollment.created",
        "activation.agreed",
        "activation.confirmed",
        "verify.passed",
        "verify.failed",
        "token.revoked",
    ] {
        assert!(csv.contains(ev), "{ev} missing from the audit export");
    }
    // Never logged or exported: the activation code and the seed.
    let seed_hex = data_encoding::HEXLOWER.encode(&seed);
    let seed_b32 = data_encoding::BASE32_NOPAD.encode(&seed);
    let everything = format!("{csv}{}", s.log.lock().unwrap());
    for secret in [
        e.activation_code.as_str(),
        &e.activation_code.replace('-', ""),
        &seed_hex,
        &seed_b32,
    ] {
        assert!(
            !everything.contains(secret),
            "a secret appears in the log or audit trail"
        );
    }
    // An edited row is found by `audit verify`, with a failing exit code.
    drop(s);
    let db = dir.path().join("server.db");
    let conn = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit SET actor='someone' WHERE seq=3\"); c.commit()"])
        .arg(&db)
        .status()
        .unwrap();
    assert!(conn.success());
    let out = cli(dir.path(), None, &key, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken at entry 3"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_server_key_must_be_private_and_match_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    cli_ok(dir.path(), None, &key, &["tokens", "nobody"]);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = cli(dir.path(), None, &key, &["tokens", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
    let other = dir.path().join("other.key");
    softtoken::server::seal::ServerKey::create(&other).unwrap();
    let out = cli(dir.path(), None, &other, &["tokens", "nobody"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the key this database was set up with"));
    std::fs::remove_file(&key).unwrap();
    let out = cli(dir.path(), None, &key, &["tokens", "nobody"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("restore it from your backup"));
    // Plain HTTP is refused off loopback.
    let fresh = tempfile::tempdir().unwrap();
    let out = cli(
        fresh.path(),
        None,
        &fresh.path().join("k"),
        &["serve", "--listen", "0.0.0.0:0"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("only allowed on a loopback address"));
}

#[test]
fn malformed_requests_are_answered_never_with_500() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    let s = start(dir.path(), None, &key);
    let admin = cli_ok(dir.path(), None, &key, &["api-key", "--name", "adm", "--role", "admin"]);
    let admin = admin.trim();
    let a = agent();
    let zero_key = softtoken::protocol::encode(&[0u8; 32]);
    let nonce = softtoken::protocol::encode(&[0u8; 16]);
    let big = "x".repeat(20_000);
    let generic = vec![
        String::new(),
        "{".into(),
        "null".into(),
        "[]".into(),
        "42".into(),
        "\"text\"".into(),
        "{}".into(),
        "{\"v\":\"2\"}".into(),
        format!("{{\"a\":\"{big}\"}}"),
        "[".repeat(10_000),
        "{\"code\":123456}".into(),
        "{\"account\":\"\u{202e}x\",\"code\":\"123456\"}".into(),
        "{\"account\":\"a\",\"credential_id\":\"b\",\"code\":\"123456\"}".into(),
        "{\"account\":\"a\",\"code\":\"12345a\"}".into(),
        "{\"account\":\"a\",\"code\":\"123456\",\"prescribing_device_id\":\"??\"}".into(),
        "{\"credential_id\":\"x\",\"time\":18446744073709551615,\"mac\":\"\"}".into(),
        "{\"credential_id\":\"x\",\"time\":-1,\"mac\":\"\"}".into(),
        format!("{{\"v\":2,\"enrollment_id\":\"x\",\"activation_code\":\"K7QM-2XWD\",\"device_id\":\"{PHONE}\",\"client_public\":\"{zero_key}\",\"client_nonce\":\"{nonce}\"}}"),
        format!("{{\"v\":2,\"enrollment_id\":\"x\",\"activation_code\":\"K7QM-2XWD\",\"device_id\":\"{PHONE}\",\"client_public\":\"!!\",\"client_nonce\":\"{nonce}\"}}"),
        "{\"v\":3,\"enrollment_id\":\"x\",\"activation_code\":\"\",\"device_id\":\"\",\"client_public\":\"\",\"client_nonce\":\"\"}".into(),
        "{\"enrollment_id\":\"x\",\"credential_id\":\"y\",\"client_mac\":\"z\"}".into(),
        "{\"issuer\":\"\",\"account\":\"b\"}".into(),
        "{\"issuer\":\"a\",\"account\":\"b\",\"sync_seconds\":999999999,\"ttl_seconds\":5}".into(),
        "{\"issuer\":\"a\",\"account\":\"b\",\"prescribing_devices\":[\"bad\"]}".into(),
        "{\"issuer\":\"a\",\"pskc\":\"<!DOCTYPE x><KeyContainer/>\"}".into(),
        "{\"issuer\":\"a\",\"pskc\":\"<KeyContainer>\",\"psk_hex\":\"zz\"}".into(),
        "{\"serial\":\"nosuch\",\"account\":\"a\",\"code\":\"123456\"}".into(),
        "{\"serial\":\"\",\"account\":\"a\",\"code\":\"1\"}".into(),
    ];
    let endpoints = [
        "/v1/activate",
        "/v1/activate/confirm",
        "/v1/verify",
        "/v1/revoke",
        "/v1/admin/enrollments",
        "/v1/admin/hard-tokens/import",
        "/v1/admin/hard-tokens/activate",
        "/v1/admin/tokens/x/revoke",
        "/v1/nosuch",
    ];
    let mut answered = 0;
    for ep in endpoints {
        for body in &generic {
            for key in [None, Some(admin)] {
                let (status, text) = post(&a, &format!("{}{ep}", s.url), key, body);
                assert!(
                    status < 500,
                    "{ep} answered {status} to {:?}: {text}",
                    &body[..body.len().min(80)]
                );
                if status != 405 {
                    let v: serde_json::Value =
                        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{ep} answered non-JSON {text:?}"));
                    if status >= 400 {
                        assert!(v["error"].is_string() && v["message"].is_string(), "{ep}: {text}");
                    }
                }
                answered += 1;
            }
        }
    }
    // Query-string endpoints.
    for q in ["", "?account=", "?nosuch=1", "?account=%FF", &format!("?account={big}")] {
        let mut r = a
            .get(&format!("{}/v1/admin/tokens{q}", s.url))
            .header("Authorization", &format!("Bearer {admin}"))
            .call()
            .unwrap();
        assert!(
            r.status().as_u16() < 500,
            "{q}: {}",
            r.body_mut().read_to_string().unwrap_or_default()
        );
    }
    let mut r = a
        .get(&format!("{}/v1/admin/audit?format=xml", s.url))
        .header("Authorization", &format!("Bearer {admin}"))
        .call()
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        400,
        "{}",
        r.body_mut().read_to_string().unwrap_or_default()
    );
    assert!(answered > 400);
    // Still serving, and the audit chain still whole.
    let mut t = a.get(&format!("{}/v1/time", s.url)).call().unwrap();
    assert_eq!(t.status().as_u16(), 200);
    let _ = t.body_mut().read_to_string();
    assert!(cli_ok(dir.path(), None, &key, &["audit", "verify"]).contains("intact"));
}

/// `n` verifications of the same code at once, spread over `servers`;
/// returns how many were accepted.
fn same_code_at_once(servers: &[String], ehr: &str, account: &str, code: &str, n: usize) -> usize {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let url = format!("{}/v1/verify", servers[i % servers.len()]);
            let body = verify_body(account, code, None);
            let ehr = ehr.to_string();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let a = agent();
                barrier.wait();
                let (status, text) = post(&a, &url, Some(&ehr), &body);
                assert!(status == 200 || status == 403, "{status}: {text}");
                status == 200
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).filter(|ok| *ok).count()
}

fn concurrent_case(db: Option<&str>, processes: usize) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    let servers: Vec<Running> = (0..processes).map(|_| start(dir.path(), db, &key)).collect();
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let ehr = cli_ok(dir.path(), db, &key, &["api-key", "--name", "ehr", "--role", "verify"]);
    let out = cli_ok(
        dir.path(),
        db,
        &key,
        &[
            "enroll",
            "--issuer",
            "C",
            "--account",
            "dr.y",
            "--json",
            "--url",
            &urls[0],
        ],
    );
    let e: EnrollResponse = serde_json::from_str(&out).unwrap();
    fresh_step(12);
    let (seed, _) = activate(&agent(), &urls[0], &e, PHONE);
    let accepted = same_code_at_once(&urls, ehr.trim(), "dr.y", &code_now(&seed), 100);
    assert_eq!(
        accepted, 1,
        "one code, {processes} server processes, 100 requests at once"
    );
}

#[test]
fn one_code_is_accepted_once_under_concurrency_on_sqlite() {
    concurrent_case(None, 1);
}

#[test]
#[ignore = "needs the PostgreSQL that scripts/test.sh starts"]
fn two_processes_on_one_postgres_accept_a_code_once() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(common::fresh_postgres_db());
    concurrent_case(Some(&url), 2);
}

#[test]
fn the_server_binary_links_no_gui_code() {
    let ldd = Command::new("ldd").arg(BIN).output().unwrap();
    let libs = String::from_utf8_lossy(&ldd.stdout);
    for gui in [
        "libX11",
        "libxcb",
        "libxkbcommon",
        "libwayland",
        "libfontconfig",
        "libfreetype",
        "libGL",
        "libEGL",
    ] {
        assert!(!libs.contains(gui), "softtoken-server links {gui}:\n{libs}");
    }
    // Nor is Slint or winit code linked in statically: no function of theirs
    // is in the symbol table. (Debug information may still name their
    // types.) The app binary is the control: the same search finds them.
    let symbols = |path: &str| {
        let out = Command::new("nm").args(["--defined-only", path]).output().unwrap();
        assert!(out.status.success(), "nm failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let app = symbols(env!("CARGO_BIN_EXE_softtoken"));
    let server = symbols(BIN);
    for needle in ["i_slint_core", "winit"] {
        assert!(app.contains(needle), "control: the app binary has {needle} symbols");
        assert!(!server.contains(needle), "softtoken-server has {needle} symbols");
    }
}

/// A body over the limit is refused with a 400 the client actually receives:
/// the server reads it before answering, so the connection is not reset
/// under the client (which could lose the answer), and it stays usable.
#[test]
fn an_oversized_body_is_read_then_refused_and_the_connection_kept() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    let s = start(dir.path(), None, &key);
    let addr = s.url.trim_start_matches("http://").to_string();
    // 20 KB just over the limit, and 900 KB: more than the socket buffers
    // hold, so without the drain the client's write itself would fail.
    for size in [20_000usize, 900_000] {
        for _ in 0..10 {
            let mut sock = std::net::TcpStream::connect(&addr).unwrap();
            sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let body = format!("{{\"a\":\"{}\"}}", "x".repeat(size));
            let head = format!(
                "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            sock.write_all(head.as_bytes()).unwrap();
            sock.write_all(body.as_bytes())
                .unwrap_or_else(|e| panic!("{size}-byte body: the server reset the connection: {e}"));
            // Then a second request on the same connection.
            sock.write_all(b"GET /v1/time HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let text = loop {
                let n = sock.read(&mut buf).unwrap();
                assert!(n > 0, "connection closed after {:?}", String::from_utf8_lossy(&got));
                got.extend_from_slice(&buf[..n]);
                let t = String::from_utf8_lossy(&got).to_string();
                if t.matches("HTTP/1.1 ").count() == 2 && t.trim_end().ends_with('}') {
                    break t;
                }
            };
            assert!(text.starts_with("HTTP/1.1 400"), "{text}");
            assert!(text.contains("\"error\":\"bad_request\""), "{text}");
            assert!(text.contains("larger than 16384 bytes"), "{text}");
            let second = &text[text.rfind("HTTP/1.1 ").unwrap()..];
            assert!(second.starts_with("HTTP/1.1 200"), "{second}");
        }
    }
}

/// With --tls-cert/--tls-key the server speaks only TLS: a client that trusts
/// the issuing CA gets answers, a client that does not refuses the server,
/// and plain HTTP gets no API answer. A bad certificate stops the start.
#[test]
fn tls_serves_with_a_certificate_from_a_test_ca() {
    use rcgen::KeyPair;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    let (cert_file, key_file, ca_file) = common::server::test_ca(dir.path());

    let s = start_with(
        dir.path(),
        None,
        &key,
        &[
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
        ],
    );
    assert!(s.url.starts_with("https://127.0.0.1:"), "{}", s.url);
    let ca = ureq::tls::Certificate::from_pem(&std::fs::read(&ca_file).unwrap()).unwrap();
    let trusting = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(15)))
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![ca])))
                .build(),
        )
        .build()
        .new_agent();
    let mut r = trusting.get(&format!("{}/v1/time", s.url)).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert!(v["unix"].as_u64().unwrap() > 1_700_000_000, "{v}");
    let (status, text) = post(
        &trusting,
        &format!("{}/v1/verify", s.url),
        None,
        &verify_body("a", "123456", None),
    );
    assert_eq!(status, 401, "{text}");

    // A client with only the public roots does not accept the test CA.
    let err = agent().get(&format!("{}/v1/time", s.url)).call().unwrap_err();
    assert!(
        err.to_string().to_lowercase().contains("certificate") || err.to_string().contains("issuer"),
        "{err}"
    );
    // Plain HTTP on the TLS port gets no API answer.
    let plain = s.url.replace("https://", "http://");
    if let Ok(mut r) = agent().get(&format!("{plain}/v1/time")).call() {
        let text = r.body_mut().read_to_string().unwrap_or_default();
        assert!(!text.contains("\"unix\""), "plain HTTP was answered: {text}");
    }

    // A key that does not belong to the certificate: the start fails with a sentence.
    std::fs::write(&key_file, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let out = server_cmd(dir.path(), None, &key)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&cert_file)
        .arg("--tls-key")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot load the TLS certificate"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "said it listens: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn enroll_json(dir: &Path, db: Option<&str>, key: &Path, account: &str) -> EnrollResponse {
    let out = cli_ok(
        dir,
        db,
        key,
        &["enroll", "--issuer", "Clinic", "--account", account, "--json"],
    );
    serde_json::from_str(&out).unwrap()
}

/// The database goes away under a running server: a verification gets 503
/// with a sentence, nothing of it is written (the same code is accepted once
/// the database is back), and the audit chain stays whole.
#[test]
#[ignore = "needs the PostgreSQL that scripts/test.sh starts"]
fn a_database_that_goes_away_gives_503_and_writes_nothing() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(common::fresh_postgres_db());
    let name = url.rsplit('/').next().unwrap().to_string();
    let base = std::env::var("SOFTTOKEN_TEST_POSTGRES").unwrap();
    let admin_sql = |sql: String| {
        rt.block_on(async {
            let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{base}/postgres"))
                .await
                .unwrap();
            sqlx::Executor::execute(&mut c, sql.as_str()).await.unwrap();
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    let db = Some(url.as_str());
    let s = start(dir.path(), db, &key);
    let ehr = cli_ok(dir.path(), db, &key, &["api-key", "--name", "ehr", "--role", "verify"]);
    let ehr = ehr.trim();
    let a = agent();
    fresh_step(15);
    let e = enroll_json(dir.path(), db, &key, "dr.gone");
    let (seed, _) = activate(&a, &s.url, &e, PHONE);
    let code = code_now(&seed);
    let verify = format!("{}/v1/verify", s.url);

    admin_sql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    admin_sql(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ));
    let started = std::time::Instant::now();
    let (status, body) = post(&a, &verify, Some(ehr), &verify_body("dr.gone", &code, None));
    assert_eq!(status, 503, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"], "unavailable", "{body}");
    assert!(v["message"].as_str().unwrap().contains("nothing was changed"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(12), "{:?}", started.elapsed());
    // So does the app's activation, which needs no key.
    let (_, status, body) = post_activation(&a, &s.url, &e, PHONE);
    assert_eq!(status, 503, "{body}");

    admin_sql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    let (status, body) = post(&a, &verify, Some(ehr), &verify_body("dr.gone", &code, None));
    assert_eq!(status, 200, "the code was used up while the database was away: {body}");
    let (status, body) = post(&a, &verify, Some(ehr), &verify_body("dr.gone", &code, None));
    assert_eq!((status, body.contains("replayed")), (403, true), "{body}");
    assert!(cli_ok(dir.path(), db, &key, &["audit", "verify"]).contains("intact"));
    assert!(s.log.lock().unwrap().contains("database error"), "the log says why");
}

/// `kill -9` at any moment of an activation never leaves a token the app
/// does not have: after a restart the enrollment is either still pending
/// (the same code activates) or used by an unconfirmed credential that
/// verifies nothing, and the app that got the answer can still confirm.
#[test]
fn killing_the_server_mid_activation_leaves_nothing_usable() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    let ehr = cli_ok(
        dir.path(),
        None,
        &key,
        &["api-key", "--name", "ehr", "--role", "verify"],
    );
    let ehr = ehr.trim();
    let a = agent();
    // A first start records the server's URL for the enrollment links.
    drop(start(dir.path(), None, &key));
    let mut outcomes = std::collections::BTreeMap::new();
    for round in 0..12u64 {
        let account = format!("dr.kill{round}");
        let e = enroll_json(dir.path(), None, &key, &account);
        let mut s = start(dir.path(), None, &key);
        let code = ActivationCode::parse(&e.activation_code).unwrap();
        let (client, req) =
            ClientActivation::start(&mut rand::rngs::OsRng, &e.enrollment_id, code, PHONE.parse().unwrap());
        let body = serde_json::to_string(&req).unwrap();
        let addr = s.url.trim_start_matches("http://").to_string();
        let mut sock = std::net::TcpStream::connect(&addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let head = format!(
            "POST /v1/activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        sock.write_all(head.as_bytes()).unwrap();
        sock.write_all(body.as_bytes()).unwrap();
        // Kill at a different moment each round: from before the request is
        // read to after the answer is sent (a debug build commits in ~1-5 ms).
        std::thread::sleep(Duration::from_micros(round * round * 60));
        s.child.kill().unwrap();
        s.child.wait().unwrap();
        let mut got = String::new();
        let _ = sock.read_to_string(&mut got);
        let answered = got.starts_with("HTTP/1.1 200");
        let s = start(dir.path(), None, &key);
        let tokens = cli_ok(dir.path(), None, &key, &["tokens", &account, "--json"]);
        let list: serde_json::Value = serde_json::from_str(&tokens).unwrap();
        assert!(
            list.as_array().unwrap().iter().all(|t| t["state"] != "active"),
            "round {round}: an active token nobody confirmed: {tokens}"
        );
        if answered {
            // The app has its half: it confirms after the restart.
            let json = &got[got.find("\r\n\r\n").unwrap() + 4..];
            let resp: ActivateResponse = serde_json::from_str(json).unwrap();
            let agreed = client.finish(&resp).unwrap();
            let confirm = client.confirm_request(&agreed, &resp);
            let (status, text) = post(
                &a,
                &format!("{}/v1/activate/confirm", s.url),
                None,
                &serde_json::to_string(&confirm).unwrap(),
            );
            assert_eq!(status, 200, "round {round}: {text}");
            fresh_step(5);
            let c = code_now(&agreed.seed);
            let (status, text) = post(
                &a,
                &format!("{}/v1/verify", s.url),
                Some(ehr),
                &verify_body(&account, &c, None),
            );
            assert_eq!(status, 200, "round {round}: {text}");
            *outcomes.entry("answered, confirmed after restart").or_insert(0) += 1;
        } else {
            // No answer: retrying with the same code either works (nothing
            // was committed) or says the enrollment is used (the credential
            // stays unconfirmed and never verifies).
            let (client2, status, text) = post_activation(&a, &s.url, &e, PHONE);
            match status {
                200 => {
                    let resp: ActivateResponse = serde_json::from_str(&text).unwrap();
                    assert!(client2.finish(&resp).is_ok(), "round {round}");
                    *outcomes.entry("no answer, retry activated").or_insert(0) += 1;
                }
                409 => {
                    assert!(text.contains("enrollment_used"), "round {round}: {text}");
                    *outcomes.entry("no answer, enrollment used (void)").or_insert(0) += 1;
                }
                _ => panic!("round {round}: retry answered {status}: {text}"),
            }
        }
    }
    eprintln!("kill -9 outcomes: {outcomes:?}");
    assert!(
        outcomes.len() >= 2,
        "the kills all landed at the same point: {outcomes:?}"
    );
}
