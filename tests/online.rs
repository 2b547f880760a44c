//! Online activation (issue 14), the app's half against a real
//! `softtoken-server` process on loopback: the library flow on the mock
//! keyring, and the `softtoken enroll … --activation-code-stdin` command on
//! the real keyring that scripts/test.sh starts, over plain HTTP and over
//! HTTPS with a test CA given through `SSL_CERT_FILE`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

mod common;

use softtoken::clock::ManualClock;
use softtoken::link::{self, Link, OnlineLink};
use softtoken::online::{self, HttpNetwork, Network, OnlineError, Reply};
use softtoken::pin::Pin;
use softtoken::protocol::ActivationCode;
use softtoken::server::service::EnrollResponse;
use softtoken::tokens::{EnrollRequest, TokenError};

const SERVER: &str = env!("CARGO_BIN_EXE_softtoken-server");
const APP: &str = env!("CARGO_BIN_EXE_softtoken");

struct Server {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(tls: Option<(&Path, &Path)>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(SERVER);
        cmd.arg("--data-dir")
            .arg(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0"]);
        if let Some((cert, key)) = tls {
            cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line.split_whitespace().nth(3).expect("listening on ADDR").to_string();
        let scheme = if tls.is_some() { "https" } else { "http" };
        Server {
            child,
            url: format!("{scheme}://{addr}"),
            dir,
        }
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(SERVER)
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn enroll(&self, account: &str, extra: &[&str]) -> EnrollResponse {
        let mut args = vec!["enroll", "--issuer", "Clinic", "--account", account, "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.cli(&args)).unwrap()
    }

    /// POST /v1/verify with a fresh verify key; (status, body).
    fn verify(&self, key: &str, account: &str, code: &str) -> (u16, String) {
        let body = serde_json::json!({ "account": account, "code": code }).to_string();
        let out = Command::new("curl")
            .args([
                "-s",
                "-k",
                "-o",
                "-",
                "-w",
                "\n%{http_code}",
                "-H",
                "Content-Type: application/json",
            ])
            .arg("-H")
            .arg(format!("@{}", self.header_file(key).display()))
            .args(["-d", &body])
            .arg(format!("{}/v1/verify", self.url))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap();
        (status.trim().parse().unwrap(), body.to_string())
    }

    /// The API key in a 0600 header file, so it is not on curl's command line.
    fn header_file(&self, key: &str) -> std::path::PathBuf {
        let path = self.dir.path().join("ehr.header");
        std::fs::write(&path, format!("Authorization: Bearer {key}\n")).unwrap();
        path
    }
}

fn online_link(e: &EnrollResponse) -> OnlineLink {
    match link::parse(&e.link, 0).unwrap() {
        Link::Online(l) => l,
        other => panic!("not an activation link: {other:?}"),
    }
}

/// A network that passes requests to the real one, except that it can fail
/// the confirmation as if the connection dropped.
struct DropConfirm(HttpNetwork);

impl Network for DropConfirm {
    fn call(&self, url: &str, json: Option<&str>) -> Result<Reply, OnlineError> {
        if url.ends_with("/v1/activate/confirm") {
            return Err(OnlineError::Unreachable {
                host: "test".into(),
                detail: "connection reset".into(),
            });
        }
        self.0.call(url, json)
    }
}

#[test]
fn activation_seals_then_confirms_and_the_issuer_verifies_the_code() {
    let s = Server::start(None);
    let key = s.cli(&["api-key", "--name", "ehr", "--role", "verify"]);
    let key = key.trim();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(otp_now());
    let tokens = common::mock_tokens(dir.path(), "online-test-machine", &clock);
    let net = HttpNetwork::default();

    // The link carries no secret, and parses as an online link.
    let e = s.enroll("dr.online", &[]);
    let l = online_link(&e);
    assert_eq!(l.server, s.url);
    assert_eq!(l.issuer, "Clinic");

    // A wrong code says how many tries are left, and stores nothing.
    let wrong = ActivationCode::parse("AAAA-AAAA").unwrap();
    let err = online::activate(&net, &l, &wrong, tokens.device()).err().unwrap();
    assert!(matches!(err, OnlineError::WrongCode { tries_left: 4 }), "{err}");
    assert!(err.to_string().contains("4 tries left"));

    // The confirmation is lost: nothing is kept here, and the issuer's
    // token never verifies (it was never confirmed).
    let code = ActivationCode::parse(&e.activation_code).unwrap();
    let a = online::activate(&net, &l, &code, tokens.device()).unwrap();
    let seed_code = softtoken::otp::totp(
        &a.enrollment(clock.now_secs()).secret,
        Default::default(),
        30,
        otp_now(),
    )
    .unwrap();
    let r = tokens.enroll_then(
        EnrollRequest {
            enrollment: a.enrollment(clock.now_secs()),
            name: "Work".into(),
            pin: Pin::new("2580".to_string()),
            replace: false,
        },
        |_| {
            online::confirm(&DropConfirm(HttpNetwork::default()), &a)
                .map(|_| ())
                .map_err(TokenError::NotConfirmed)
        },
    );
    let err = r.err().unwrap();
    assert!(
        err.to_string().contains("Start again from the enrollment link"),
        "{err}"
    );
    assert!(tokens.list().unwrap().is_empty(), "a token the issuer does not have");
    let (status, body) = s.verify(key, "dr.online", &seed_code);
    assert_eq!(status, 403, "{body}");
    // And the enrollment is used: a second try needs a new enrollment.
    let again = online::activate(&net, &l, &code, tokens.device()).err().unwrap();
    assert!(matches!(again, OnlineError::Used), "{again}");

    // The whole flow: activate, seal, confirm; the issuer verifies the code once.
    let e = s.enroll("dr.online", &[]);
    let l = online_link(&e);
    let code = ActivationCode::parse(&e.activation_code).unwrap();
    let a = online::activate(&net, &l, &code, tokens.device()).unwrap();
    let token = tokens
        .enroll_then(
            EnrollRequest {
                enrollment: a.enrollment(clock.now_secs()),
                name: "Work".into(),
                pin: Pin::new("2580".to_string()),
                replace: false,
            },
            |_| online::confirm(&net, &a).map(|_| ()).map_err(TokenError::NotConfirmed),
        )
        .unwrap();
    assert_eq!(token.credential_id.as_deref(), Some(a.response.credential_id.as_str()));
    assert_eq!(token.server.as_deref(), Some(s.url.as_str()));
    let c = tokens.code("Work", &Pin::new("2580".to_string())).unwrap();
    let (status, body) = s.verify(key, "dr.online", &c.code);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&a.response.credential_id), "{body}");
    let (status, body) = s.verify(key, "dr.online", &c.code);
    assert_eq!((status, body.contains("replayed")), (403, true), "{body}");

    // The issuer's clock, for the clock check.
    let t = online::issuer_time(&net, &s.url).unwrap();
    assert!(t.abs_diff(otp_now()) <= 2);
}

#[test]
fn a_prescribing_device_is_refused_by_the_issuer_and_the_code_survives() {
    let s = Server::start(None);
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(otp_now());
    let tokens = common::mock_tokens(dir.path(), "online-desk", &clock);
    let net = HttpNetwork::default();
    let me = tokens.device().to_string();
    // The link itself lists no devices: only the issuer knows.
    let e = s.enroll("dr.desk", &["--pdid", &me]);
    assert!(!e.link.contains(&me));
    let l = online_link(&e);
    let code = ActivationCode::parse(&e.activation_code).unwrap();
    let err = online::activate(&net, &l, &code, tokens.device()).err().unwrap();
    assert!(matches!(err, OnlineError::PrescribingDevice), "{err}");
    // On the phone the same code still works.
    let phone = common::mock_tokens(tempfile::tempdir().unwrap().path(), "online-phone", &clock);
    assert!(online::activate(&net, &l, &code, phone.device()).is_ok());
}

#[test]
fn an_unreachable_issuer_is_said_plainly_and_quickly() {
    // A port nothing listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let l = OnlineLink {
        server: format!("http://127.0.0.1:{port}"),
        enrollment_id: "x".into(),
        issuer: "Clinic".into(),
        account: "dr.x".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let tokens = common::mock_tokens(dir.path(), "m", &ManualClock::new(0));
    let started = std::time::Instant::now();
    let err = online::activate(
        &HttpNetwork::default(),
        &l,
        &ActivationCode::parse("K7QM-2XWD").unwrap(),
        tokens.device(),
    )
    .err()
    .unwrap();
    assert!(err.is_offline(), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("127.0.0.1:{port} could not be reached")),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn activation_links_are_checked() {
    let ok = "softtoken://activate?v=2&server=https%3A%2F%2Fehr.example.com&id=abc_DEF-1&issuer=Clinic&account=dr.a";
    let Link::Online(l) = link::parse(ok, 0).unwrap() else {
        panic!()
    };
    assert_eq!(
        (l.server.as_str(), l.host()),
        ("https://ehr.example.com", "ehr.example.com")
    );
    for (bad, needle) in [
        (
            "softtoken://activate?v=2&server=http%3A%2F%2Fehr.example.com&id=a&issuer=C&account=a",
            "plain http",
        ),
        (
            "softtoken://activate?v=2&server=https%3A%2F%2Fehr.example.com%2Fp%3Fq&id=a&issuer=C&account=a",
            "just https",
        ),
        (
            "softtoken://activate?v=2&server=https%3A%2F%2Fuser%40ehr.example.com&id=a&issuer=C&account=a",
            "just https",
        ),
        (
            "softtoken://activate?v=2&server=https%3A%2F%2Fxn--80ak6aa92e.com%3Abad&id=a&issuer=C&account=a",
            "port",
        ),
        (
            "softtoken://activate?v=2&server=https%3A%2F%2F%D0%B0pple.com&id=a&issuer=C&account=a",
            "non-ASCII",
        ),
        (
            "softtoken://activate?v=2&server=ftp%3A%2F%2Fehr.example.com&id=a&issuer=C&account=a",
            "https://",
        ),
        (
            "softtoken://activate?v=2&server=https%3A%2F%2Fehr.example.com&id=a%2Fb&issuer=C&account=a",
            "enrollment id",
        ),
        ("softtoken://activate?v=2&id=a&issuer=C&account=a", "server"),
        (
            "softtoken://activate?v=3&server=https%3A%2F%2Fe.com&id=a&issuer=C&account=a",
            "newer",
        ),
        (
            "softtoken://activate?v=1&server=https%3A%2F%2Fe.com&id=a&issuer=C&account=a",
            "version",
        ),
        (
            "softtoken://activate?v=2&server=https%3A%2F%2Fe.com&id=a&issuer=C&account=a&secret=GEZDGNBV",
            "secret",
        ),
    ] {
        let err = link::parse(bad, 0).err().unwrap_or_else(|| panic!("accepted {bad}"));
        assert!(
            err.to_string().to_lowercase().contains(&needle.to_lowercase()),
            "{bad}: {err}"
        );
    }
    // A path prefix is fine (a server behind a reverse proxy).
    let path = "softtoken://activate?v=2&server=https%3A%2F%2Fehr.example.com%2Fsofttoken%2F&id=a&issuer=C&account=a";
    let Link::Online(l) = link::parse(path, 0).unwrap() else {
        panic!()
    };
    assert_eq!(
        (l.server.as_str(), l.host()),
        ("https://ehr.example.com/softtoken", "ehr.example.com")
    );
    // Loopback may use plain HTTP (a local test server).
    let local = "softtoken://activate?v=2&server=http%3A%2F%2F127.0.0.1%3A8443&id=a&issuer=C&account=a";
    assert!(matches!(link::parse(local, 0), Ok(Link::Online(_))));
}

// ---- the command line, on the real keyring ----

fn app(data: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(APP)
        .args(args)
        .env("XDG_DATA_HOME", data)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn cli_flow(s: &Server, env: &[(&str, &str)]) {
    let key = s.cli(&["api-key", "--name", "ehr", "--role", "verify"]);
    let key = key.trim();
    let data = tempfile::tempdir().unwrap();
    let e = s.enroll("dr.cli", &[]);
    let enroll = [
        "enroll",
        "-",
        "--name",
        "Work",
        "--activation-code-stdin",
        "--pin-stdin",
    ];

    // Wrong code: exit 2, tries left, nothing stored.
    let o = app(data.path(), &enroll, &format!("{}\nAAAA-AAAA\n2580\n", e.link), env);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("4 tries left"), "{}", text(&o));

    let o = app(
        data.path(),
        &enroll,
        &format!("{}\n{}\n2580\n", e.link, e.activation_code),
        env,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("Credential ID: "), "{out}");
    assert!(!text(&o).contains(&e.activation_code), "the code is not echoed");

    let show = app(data.path(), &["show", "Work"], "", env);
    let shown = text(&show);
    assert!(shown.contains(&format!("issuer address: {}", s.url)), "{shown}");
    let cred = shown
        .lines()
        .find_map(|l| l.strip_prefix("credential ID: "))
        .unwrap()
        .to_string();
    assert!(out.contains(&format!("Credential ID: {cred}")), "{out}");

    let code = app(data.path(), &["code", "Work", "--pin-stdin"], "2580\n", env);
    assert_eq!(code.status.code(), Some(0), "{}", text(&code));
    let code = String::from_utf8_lossy(&code.stdout).trim().to_string();
    let (status, body) = s.verify(key, "dr.cli", &code);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&cred));
    let (status, body) = s.verify(key, "dr.cli", &code);
    assert_eq!((status, body.contains("replayed")), (403, true), "{body}");

    // The same link again: refused here before the network.
    let o = app(
        data.path(),
        &enroll,
        &format!("{}\n{}\n2580\n", e.link, e.activation_code),
        env,
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
#[ignore = "needs the keyring that scripts/test.sh starts"]
fn cli_enrolls_online_over_http_on_loopback() {
    let s = Server::start(None);
    cli_flow(&s, &[]);
}

#[test]
#[ignore = "needs the keyring that scripts/test.sh starts"]
fn cli_enrolls_online_over_https_with_a_test_ca_from_ssl_cert_file() {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let certs = tempfile::tempdir().unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "SoftToken test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let (cert, key, ca_file) = (
        certs.path().join("cert.pem"),
        certs.path().join("key.pem"),
        certs.path().join("ca.pem"),
    );
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let s = Server::start(Some((&cert, &key)));
    assert!(s.url.starts_with("https://"));

    // Without the CA in the trust store, the issuer is refused, and said so.
    let data = tempfile::tempdir().unwrap();
    let e = s.enroll("dr.tls", &[]);
    let o = app(
        data.path(),
        &[
            "enroll",
            "-",
            "--name",
            "Work",
            "--activation-code-stdin",
            "--pin-stdin",
        ],
        &format!("{}\n{}\n2580\n", e.link, e.activation_code),
        &[("SSL_CERT_FILE", certs.path().join("none.pem").to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("certificate"), "{}", text(&o));

    // With the test CA given the platform's way, the whole flow works.
    cli_flow(&s, &[("SSL_CERT_FILE", ca_file.to_str().unwrap())]);
}

fn otp_now() -> u64 {
    softtoken::otp::unix_now().unwrap()
}

trait NowSecs {
    fn now_secs(&self) -> u64;
}

impl NowSecs for ManualClock {
    fn now_secs(&self) -> u64 {
        softtoken::clock::Clock::now(self)
    }
}
