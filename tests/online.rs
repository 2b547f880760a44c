//! Online activation (issue 14), the app's half against a real
//! `softtoken-server` process on loopback: the library flow on the mock
//! keyring, and the `softtoken enroll … --activation-code-stdin` command on
//! the real keyring that scripts/test.sh starts, over plain HTTP and over
//! HTTPS with a test CA given through `SSL_CERT_FILE`.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

mod common;

use common::run_softtoken as app;
use common::server::{test_ca, Server};

use softtoken::clock::ManualClock;
use softtoken::link::{self, Link, OnlineLink};
use softtoken::online::{self, HttpNetwork, Network, OnlineError, Reply};
use softtoken::pin::Pin;
use softtoken::protocol::ActivationCode;
use softtoken::server::service::EnrollResponse;
use softtoken::tokens::{EnrollRequest, TokenError};

const APP: &str = env!("CARGO_BIN_EXE_softtoken");

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

    // Report lost: a wrong PIN changes nothing; the right one revokes it at
    // the issuer and removes it here.
    let lost = ["report-lost", "Work", "--pin-stdin", "--yes"];
    let o = app(data.path(), &lost, "1111\n", env);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("Wrong PIN"), "{}", text(&o));
    let o = app(data.path(), &lost, "2580\n", env);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("no longer accepts codes from credential {cred}")),
        "{}",
        text(&o)
    );
    let (status, body) = s.verify(key, "dr.cli", &code);
    assert_eq!((status, body.contains("revoked")), (403, true), "{body}");
    let list = app(data.path(), &["list"], "", env);
    assert!(!text(&list).contains("Work\t"), "{}", text(&list));
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
    let certs = tempfile::tempdir().unwrap();
    let (cert, key, ca_file) = test_ca(certs.path());
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

// ---- the window (headless), against the real server ----

/// Writes the window to `$SOFTTOKEN_SHOTS/NAME.png` when that is set
/// (how the README's screenshots of these screens are made).
fn shot(c: &softtoken::ui::Controller, name: &str) {
    let Ok(dir) = std::env::var("SOFTTOKEN_SHOTS") else {
        return;
    };
    use slint::ComponentHandle;
    let buf = c.window.window().take_snapshot().unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let file = std::fs::File::create(Path::new(&dir).join(format!("{name}.png"))).unwrap();
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), buf.width(), buf.height());
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(buf.as_bytes()).unwrap();
}

#[test]
fn the_window_activates_online_and_the_issuer_verifies_the_code() {
    use slint::ComponentHandle;
    use softtoken::ui::{
        ActivationAdapter, Controller, DetailsAdapter, DoneAdapter, LinkProblemAdapter, MemoryClipboard, NameAdapter,
        PasscodeAdapter, PinAdapter, Screen, TokensAdapter, UnlockAdapter,
    };
    // The QA runner's headless platform: software rendering, so screenshots work.
    softtoken::qa::play::init_platform().unwrap();
    the_window_refuses_look_alike_and_unlisted_issuers();
    let s = Server::start(None);
    let key = s.cli(&["api-key", "--name", "ehr", "--role", "verify"]);
    let key = key.trim();
    for dark in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(otp_now());
        let tokens = common::mock_tokens(dir.path(), "online-ui", &clock);
        // A clone shares the mock keyring: the test reads the code through it.
        let c = Controller::new(
            tokens.clone(),
            std::sync::Arc::new(clock.clone()),
            Box::new(MemoryClipboard::default()),
        )
        .unwrap();
        c.set_policy(Default::default());
        c.window.invoke_set_dark(dark);
        c.window.window().set_size(slint::LogicalSize::new(400.0, 720.0));
        let suffix = if dark { "-dark" } else { "" };
        let account = format!("dr.window{suffix}");
        let e = s.enroll(&account, &[]);

        // The name screen says where the token comes from.
        c.open_link(&e.link);
        assert_eq!(c.screen(), Screen::Name);
        let host = s.url.trim_start_matches("http://").to_string();
        // The first token from this server: a caution that names it.
        let origin = c.window.global::<NameAdapter>().get_origin().to_string();
        assert!(origin.starts_with(&format!("Activation server: {host}.")), "{origin}");
        assert!(origin.contains("no token from this server yet"), "{origin}");
        shot(&c, &format!("online-1-name{suffix}"));
        c.window.global::<NameAdapter>().invoke_activate();
        assert_eq!(c.screen(), Screen::Activation);
        let a = c.window.global::<ActivationAdapter>();
        assert_eq!(a.get_host(), host.as_str());

        // Typed as the EHR shows it; a wrong code says the tries left.
        a.invoke_edited("aaaaaaaa".into());
        assert_eq!(a.get_code(), "AAAA-AAAA");
        a.invoke_activate();
        assert_eq!(c.screen(), Screen::Activation);
        assert!(a.get_error().contains("4 tries left"), "{}", a.get_error());
        shot(&c, &format!("online-2-wrong-code{suffix}"));

        a.invoke_edited(e.activation_code.to_lowercase().replace('-', "").into());
        assert_eq!(a.get_code(), e.activation_code.as_str());
        shot(&c, &format!("online-3-code{suffix}"));
        a.invoke_activate();
        assert_eq!(c.screen(), Screen::Pin, "{}", a.get_error());
        let pin = c.window.global::<PinAdapter>();
        pin.set_pin("2580".into());
        pin.set_confirm("2580".into());
        pin.invoke_continue();
        assert_eq!(c.screen(), Screen::Done, "{}", pin.get_error());
        let d = c.window.global::<DoneAdapter>();
        let cred = d.get_credential_id().to_string();
        assert!(!cred.is_empty());
        shot(&c, &format!("online-4-done{suffix}"));

        c.escape();

        // The same link again: already used here.
        c.open_link(&e.link);
        assert_eq!(c.screen(), Screen::LinkProblem);
        c.escape();

        // This device's clock runs 90 s ahead: the passcode asks the issuer
        // its time, uses it, and says so; the code verifies, once.
        clock.set(otp_now() + 90);
        c.window.global::<TokensAdapter>().invoke_select(0);
        let unlock = c.window.global::<UnlockAdapter>();
        unlock.set_pin("2580".into());
        unlock.invoke_unlock();
        assert_eq!(c.screen(), Screen::Passcode);
        let pc = c.window.global::<PasscodeAdapter>();
        // 90 s, or 89 when a second of real time passed since the clock was set.
        let w = pc.get_warning().to_string();
        assert!(
            w.contains("90 s ahead of the issuer's") || w.contains("89 s ahead of the issuer's"),
            "{w}"
        );
        shot(&c, &format!("online-5-clock{suffix}"));
        let shown = pc.get_code().replace(' ', "");
        let (status, body) = s.verify(key, &account, &shown);
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(&cred), "{body}");
        let (status, body) = s.verify(key, &account, &shown);
        assert_eq!((status, body.contains("replayed")), (403, true), "{body}");

        // Details, from the open passcode: the credential ID; then Report lost.
        c.window.global::<PasscodeAdapter>().invoke_details();
        assert_eq!(c.screen(), Screen::Details);
        let d = c.window.global::<DetailsAdapter>();
        let facts: Vec<String> = slint::Model::iter(&d.get_facts()).map(|f| f.to_string()).collect();
        assert_eq!(facts[0], format!("Credential ID: {cred}"));
        assert_eq!(facts[1], format!("Issuer: Clinic · {host}"));
        assert!(facts.iter().any(|f| f.starts_with("This device: ")), "{facts:?}");
        shot(&c, &format!("online-6-details{suffix}"));
        d.invoke_remove();
        assert!(d.get_confirming());
        shot(&c, &format!("online-7-report-lost{suffix}"));
        d.invoke_confirm_remove();
        assert_eq!(c.screen(), Screen::LinkProblem);
        let told = c.window.global::<LinkProblemAdapter>().get_message().to_string();
        assert!(
            told.contains(&format!("no longer accepts codes from credential {cred}")),
            "{told}"
        );
        assert!(tokens.list().unwrap().is_empty());
        // The issuer refuses the token from now on.
        let (status, body) = s.verify(key, &account, &shown);
        assert_eq!((status, body.contains("revoked")), (403, true), "{body}");
        c.escape();
    }
}

/// Links the issuer policy refuses never reach the network: a typo host of
/// a well-known provider, a host outside the administrator's allow-list,
/// and (when forbidden) a link that carries its secret. (Called from the
/// window test: Slint's UI stays on one thread.)
fn the_window_refuses_look_alike_and_unlisted_issuers() {
    use slint::ComponentHandle;
    use softtoken::trust::Policy;
    use softtoken::ui::{Controller, LinkProblemAdapter, MemoryClipboard, Screen};
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(otp_now());
    let tokens = common::mock_tokens(dir.path(), "policy-ui", &clock);
    let c = Controller::new(tokens, std::sync::Arc::new(clock), Box::new(MemoryClipboard::default())).unwrap();
    c.set_policy(Policy::default());
    c.window.window().set_size(slint::LogicalSize::new(400.0, 720.0));
    let link = |server: &str| {
        format!(
            "softtoken://activate?v=2&server={}&id=abc&issuer=SafeNet&account=dr.p",
            urlencode(server)
        )
    };
    let message = |c: &Controller| c.window.global::<LinkProblemAdapter>().get_message().to_string();

    c.open_link(&link("https://saftenetid.com"));
    assert_eq!(c.screen(), Screen::LinkProblem);
    assert!(
        message(&c).contains("saftenetid.com, which looks like safenetid.com"),
        "{}",
        message(&c)
    );
    shot(&c, "online-8-typo-host");
    c.escape();

    let p = Policy::parse("allow ehr.example.org\noffline-links forbid\n", "test").unwrap();
    c.set_policy(p);
    c.open_link(&link("https://other.example.org"));
    assert_eq!(c.screen(), Screen::LinkProblem);
    assert!(message(&c).contains("only from ehr.example.org"), "{}", message(&c));
    c.escape();
    c.open_link("softtoken://enroll?type=soft&issuer=A&account=b&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    assert_eq!(c.screen(), Screen::LinkProblem);
    assert!(
        message(&c).contains("allows only tokens activated online"),
        "{}",
        message(&c)
    );
    c.escape();
    c.open_link(&link("https://ehr.example.org"));
    assert_eq!(c.screen(), Screen::Name);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The README's softtoken-server demo, as written, typed into bash in a
/// terminal by `scripts/readme-demo.py` (prompts answered as a person
/// would); the final curl must print {"ok":true,…}.
#[test]
#[ignore = "needs the keyring that scripts/test.sh starts"]
fn the_readme_demo_works_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = Path::new(APP).parent().unwrap();
    let home = tempfile::tempdir().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("timeout")
        .arg("120")
        .arg("python3")
        .arg(root.join("scripts/readme-demo.py"))
        .arg(root.join("README.md"))
        .env("PATH", path)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .current_dir(home.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("readme-demo: the code verified"), "{said}");
}
