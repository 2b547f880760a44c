//! Load generator for softtoken-server (scripts/bench-server.sh runs it).
//!
//! Every request is a verification the server must accept and make durable:
//! it imports HOTP hard tokens with known seeds (a plain PSKC file),
//! activates them, then each client thread sends the next code of its own
//! tokens over a keep-alive connection. Prints requests per second and the
//! p50/p99 latency.
//!
//! server_load URL ADMIN_KEY VERIFY_KEY CONCURRENCY SECONDS [TOKENS_PER_CLIENT]

use std::time::{Duration, Instant};

use softtoken::otp::{self, CodeFormat};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent()
}

fn post(a: &ureq::Agent, url: &str, key: &str, body: &str) -> (u16, String) {
    let mut r = a
        .post(url)
        .header("Content-Type", "application/json")
        .header("Authorization", &format!("Bearer {key}"))
        .send(body)
        .expect("the server answers");
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!("usage: server_load URL ADMIN_KEY VERIFY_KEY CONCURRENCY SECONDS [TOKENS_PER_CLIENT]");
        std::process::exit(2);
    }
    let (url, admin, verify) = (args[1].clone(), args[2].clone(), args[3].clone());
    let clients: usize = args[4].parse().expect("CONCURRENCY");
    let seconds: u64 = args[5].parse().expect("SECONDS");
    let per_client: usize = args.get(6).map(|s| s.parse().expect("TOKENS_PER_CLIENT")).unwrap_or(4);
    let run = softtoken::protocol::random_id(&mut rand::rngs::OsRng, 5);
    let n = clients * per_client;
    let seeds: Vec<[u8; 20]> = (0..n).map(|_| rand::random()).collect();

    // Import and activate the tokens (counter 0 at activation).
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
    for (i, s) in seeds.iter().enumerate() {
        let code = otp::hotp(s, CodeFormat::default(), 0).unwrap();
        let body =
            serde_json::json!({ "serial": format!("{run}-{i}"), "account": format!("{run}-acct-{i}"), "code": code });
        let (status, text) = post(
            &a,
            &format!("{url}/v1/admin/hard-tokens/activate"),
            &admin,
            &body.to_string(),
        );
        assert_eq!(status, 200, "activate: {text}");
    }

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let url = format!("{url}/v1/verify");
            let verify = verify.clone();
            let run = run.clone();
            let mine: Vec<(usize, [u8; 20])> = (0..per_client)
                .map(|k| (c * per_client + k, seeds[c * per_client + k]))
                .collect();
            std::thread::spawn(move || {
                let a = agent();
                let mut counters = vec![1u64; mine.len()];
                let mut lat = Vec::new();
                let mut refused = 0u64;
                let mut k = 0;
                while Instant::now() < deadline {
                    let (i, seed) = &mine[k];
                    let code = otp::hotp(seed, CodeFormat::default(), counters[k]).unwrap();
                    let body = format!("{{\"account\":\"{run}-acct-{i}\",\"code\":\"{code}\"}}");
                    let t = Instant::now();
                    let (status, _) = post(&a, &url, &verify, &body);
                    lat.push(t.elapsed());
                    if status == 200 {
                        counters[k] += 1;
                    } else {
                        refused += 1;
                    }
                    k = (k + 1) % mine.len();
                }
                (lat, refused)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut refused = 0;
    for h in handles {
        let (l, r) = h.join().unwrap();
        lat.extend(l);
        refused += r;
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "concurrency {clients:>3}: {:>6} verifications in {elapsed:.1} s = {:>7.0}/s, p50 {:.2} ms, p99 {:.2} ms, refused {refused}",
        lat.len(),
        lat.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99)
    );
}
