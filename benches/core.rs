//! Criterion benchmarks: code generation, link parsing, and PIN → code
//! (Argon2id + open + TOTP) beside the bare Argon2id at the same parameters.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use softtoken::clock::ManualClock;
use softtoken::device::DeviceId;
use softtoken::link::{parse, Link};
use softtoken::otp::{totp, Algorithm, CodeFormat};
use softtoken::pin::Pin;
use softtoken::store::KeyringStore;
use softtoken::tokens::{EnrollRequest, Tokens};
use softtoken::vault::{derive_key, KdfParams};

const LINK: &str = "softtoken://enroll?type=soft&issuer=Acme%20EHR&account=dr.who%40example.org\
    &secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA256&digits=8&period=30\
    &pdid=ABCD-EFGH-IJKL-MNOP,QRST-UVWX-YZ23-4567&sync=3600&id=enr-123";

fn codes(c: &mut Criterion) {
    let secret = b"12345678901234567890";
    for (alg, name) in [(Algorithm::Sha1, "totp_sha1"), (Algorithm::Sha512, "totp_sha512")] {
        let f = CodeFormat {
            algorithm: alg,
            digits: 6,
        };
        c.bench_function(name, |b| {
            b.iter(|| totp(black_box(secret), f, 30, black_box(1_111_111_109)))
        });
    }
}

fn links(c: &mut Criterion) {
    c.bench_function("parse_link", |b| b.iter(|| parse(black_box(LINK), 1_800_000_000)));
}

fn pin_to_code(c: &mut Criterion) {
    let mut g = c.benchmark_group("pin");
    g.sample_size(10);
    let dir = tempfile::tempdir().unwrap();
    let tokens = Tokens::new(
        Arc::new(KeyringStore::mock()),
        dir.path().to_path_buf(),
        DeviceId::from_machine_id("bench"),
        Arc::new(ManualClock::new(1_800_000_000)),
    );
    let Ok(Link::Soft(e)) = parse(LINK, 1_800_000_000) else {
        panic!("bench link")
    };
    tokens
        .enroll(EnrollRequest {
            enrollment: e,
            name: "Bench".into(),
            pin: Pin::new("2580".to_string()),
            replace: false,
        })
        .unwrap();
    let pin = Pin::new("2580".to_string());
    g.bench_function("pin_to_code_default_kdf", |b| {
        b.iter(|| tokens.code("Bench", &pin).unwrap())
    });
    g.bench_function("argon2id_default_kdf", |b| {
        b.iter(|| derive_key(black_box(b"2580"), b"0123456789abcdef", KdfParams::DEFAULT).unwrap())
    });
    g.finish();
}

criterion_group!(benches, codes, links, pin_to_code);
criterion_main!(benches);
