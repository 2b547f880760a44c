//! Load generator for softtoken-server and, for comparison, privacyIDEA
//! (scripts/bench-server.sh runs both, in the same run, with this program).
//!
//! Every request is a verification the server must accept and make durable.
//! The generator makes tokens with known seeds, then each client thread
//! sends the next code of its own tokens over a keep-alive connection and
//! counts anything but an acceptance as a refusal. It prints requests per
//! second and the p50/p99 latency, and exits 1 if any code was refused,
//! with the first refusal's answer.
//!
//!   server_load softtoken URL CONCURRENCY SECONDS
//!       (keys from $ADMIN_KEY and $VERIFY_KEY: HOTP hard tokens imported
//!       from a plain PSKC file, 4 per client)
//!   server_load privacyidea URL CONCURRENCY SECONDS hotp|totp
//!       (admin password from $PI_ADMIN_PASSWORD, user "admin": tokens made
//!       through /token/init, verified with /validate/check; a TOTP token is
//!       used once, so TOTP runs make at least 200 tokens)
//!
//! Keys and passwords come from the environment, not the command line, where
//! `ps` would show them.

use std::time::{Duration, Instant};

use softtoken::otp::{self, CodeFormat};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent()
}

fn post(a: &ureq::Agent, url: &str, auth: &str, body: &str) -> (u16, String) {
    let mut r = a
        .post(url)
        .header("Content-Type", "application/json")
        .header("Authorization", auth)
        .send(body)
        .expect("the server answers");
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default())
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("server_load: set {name}");
        std::process::exit(2)
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Hotp,
    Totp,
}

/// One token a client verifies: how the server names it, and its seed.
#[derive(Clone)]
struct Token {
    name: String,
    seed: [u8; 20],
}

/// What differs between the two servers: where to send a code, with what
/// body and credentials, and what an acceptance looks like.
#[derive(Clone)]
struct Target {
    verify_url: String,
    auth: String,
    privacyidea: bool,
}

impl Target {
    fn body(&self, token: &Token, code: &str) -> String {
        if self.privacyidea {
            format!("{{\"serial\":\"{}\",\"pass\":\"{code}\"}}", token.name)
        } else {
            format!("{{\"account\":\"{}\",\"code\":\"{code}\"}}", token.name)
        }
    }

    fn accepted(&self, status: u16, text: &str) -> bool {
        if !self.privacyidea {
            return status == 200;
        }
        // privacyIDEA answers 200 to a wrong code too, with value false.
        status == 200
            && serde_json::from_str::<serde_json::Value>(text)
                .map(|v| v["result"]["value"] == serde_json::Value::Bool(true))
                .unwrap_or(false)
    }
}

fn softtoken(url: &str, n: usize, run: &str) -> (Target, Vec<Token>) {
    let (admin, verify) = (env("ADMIN_KEY"), env("VERIFY_KEY"));
    let admin = format!("Bearer {admin}");
    let seeds: Vec<[u8; 20]> = (0..n).map(|_| rand::random()).collect();
    // Import and activate HOTP tokens (counter 0 at activation).
    let mut xml = String::from("<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">");
    for (i, s) in seeds.iter().enumerate() {
        xml.push_str(&format!(
            "<KeyPackage><DeviceInfo><SerialNo>{run}-{i}</SerialNo></DeviceInfo>\
             <Key Id=\"{i}\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">\
             <AlgorithmParameters><ResponseFormat Length=\"6\" Encoding=\"DECIMAL\"/></AlgorithmParameters>\
             <Data><Secret><PlainValue>{}</PlainValue></Secret><Counter><PlainValue>0</PlainValue></Counter></Data>\
             </Key></KeyPackage>",
            data_encoding::BASE64.encode(s)
        ));
    }
    xml.push_str("</KeyContainer>");
    let a = agent();
    let body = serde_json::json!({ "issuer": "load", "pskc": xml }).to_string();
    let (status, text) = post(&a, &format!("{url}/v1/admin/hard-tokens/import"), &admin, &body);
    assert_eq!(status, 200, "import: {text}");
    let mut tokens = Vec::new();
    for (i, s) in seeds.iter().enumerate() {
        let code = otp::hotp(s, CodeFormat::default(), 0).unwrap();
        let account = format!("{run}-acct-{i}");
        let body = serde_json::json!({ "serial": format!("{run}-{i}"), "account": account, "code": code });
        let (status, text) = post(
            &a,
            &format!("{url}/v1/admin/hard-tokens/activate"),
            &admin,
            &body.to_string(),
        );
        assert_eq!(status, 200, "activate: {text}");
        tokens.push(Token {
            name: account,
            seed: *s,
        });
    }
    let target = Target {
        verify_url: format!("{url}/v1/verify"),
        auth: format!("Bearer {verify}"),
        privacyidea: false,
    };
    (target, tokens)
}

fn privacyidea(url: &str, n: usize, run: &str, kind: Kind) -> (Target, Vec<Token>) {
    let a = agent();
    let login = serde_json::json!({ "username": "admin", "password": env("PI_ADMIN_PASSWORD") });
    let (status, text) = post(&a, &format!("{url}/auth"), "", &login.to_string());
    assert_eq!(status, 200, "privacyIDEA /auth: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let jwt = v["result"]["value"]["token"].as_str().expect("a JWT").to_owned();
    let mut tokens = Vec::new();
    for i in 0..n {
        let seed: [u8; 20] = rand::random();
        let serial = format!("LOAD{run}{i}");
        let body = serde_json::json!({
            "type": if kind == Kind::Hotp { "hotp" } else { "totp" },
            "serial": serial,
            "otpkey": data_encoding::HEXLOWER.encode(&seed),
            "genkey": 0,
            "otplen": 6,
            "hashlib": "sha1",
            "timeStep": 30,
        });
        let (status, text) = post(&a, &format!("{url}/token/init"), &jwt, &body.to_string());
        assert_eq!(status, 200, "privacyIDEA /token/init: {text}");
        tokens.push(Token { name: serial, seed });
    }
    let target = Target {
        verify_url: format!("{url}/validate/check"),
        auth: String::new(),
        privacyidea: true,
    };
    (target, tokens)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!(
            "usage: server_load softtoken URL CONCURRENCY SECONDS\n       \
             server_load privacyidea URL CONCURRENCY SECONDS hotp|totp"
        );
        std::process::exit(2)
    };
    if args.len() < 5 {
        usage();
    }
    let url = args[2].trim_end_matches('/').to_owned();
    let clients: usize = args[3].parse().unwrap_or_else(|_| usage());
    let seconds: u64 = args[4].parse().unwrap_or_else(|_| usage());
    let run = softtoken::protocol::random_id(&mut rand::rngs::OsRng, 5);
    let (kind, (target, tokens), per_client) = match (args[1].as_str(), args.get(5).map(String::as_str)) {
        ("softtoken", None) => (Kind::Hotp, softtoken(&url, clients * 4, &run), 4),
        ("privacyidea", Some("hotp")) => (Kind::Hotp, privacyidea(&url, clients, &run, Kind::Hotp), 1),
        ("privacyidea", Some("totp")) => {
            // Enough TOTP tokens for ~60 verifications/s for 3 s, each used once.
            let per_client = (200 / clients).max(6);
            (
                Kind::Totp,
                privacyidea(&url, clients * per_client, &run, Kind::Totp),
                per_client,
            )
        }
        _ => usage(),
    };

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let target = target.clone();
            let mine = tokens[c * per_client..(c + 1) * per_client].to_vec();
            std::thread::spawn(move || {
                let a = agent();
                // A softtoken-server hard token used counter 0 to activate.
                let first = if target.privacyidea { 0 } else { 1 };
                let mut counters = vec![first; mine.len()];
                let mut lat = Vec::new();
                let mut refused = 0u64;
                let mut why = None;
                let mut k = 0;
                while Instant::now() < deadline {
                    let token = &mine[k];
                    let code = match kind {
                        Kind::Hotp => otp::hotp(&token.seed, CodeFormat::default(), counters[k]).unwrap(),
                        Kind::Totp => {
                            let now = std::time::SystemTime::now()
                                .duration_since(std::time::UNIX_EPOCH)
                                .unwrap()
                                .as_secs();
                            otp::totp(&token.seed, CodeFormat::default(), 30, now).unwrap()
                        }
                    };
                    let body = target.body(token, &code);
                    let t = Instant::now();
                    let (status, text) = post(&a, &target.verify_url, &target.auth, &body);
                    lat.push(t.elapsed());
                    if target.accepted(status, &text) {
                        counters[k] += 1;
                    } else {
                        refused += 1;
                        why.get_or_insert(format!("{} (counter {}): {status} {text}", token.name, counters[k]));
                    }
                    k += 1;
                    if k == mine.len() {
                        if kind == Kind::Totp {
                            // Each TOTP token is used once: its next code
                            // would be the same step's, a replay.
                            why.get_or_insert("ran out of TOTP tokens; run for fewer seconds".into());
                            break;
                        }
                        k = 0;
                    }
                }
                (lat, refused, why)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut refused = 0;
    let mut why = None;
    for h in handles {
        let (l, r, w) = h.join().unwrap();
        lat.extend(l);
        refused += r;
        why = why.or(w);
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "concurrency {clients:>3}: {:>6} verifications in {elapsed:.1} s = {:>7.1}/s, p50 {:.2} ms, p99 {:.2} ms, refused {refused}",
        lat.len(),
        lat.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99)
    );
    if let Some(w) = why {
        // Any refusal is a fault here: every code sent is the next valid one.
        eprintln!("first refusal: {}", w.chars().take(400).collect::<String>());
        std::process::exit(1);
    }
}
