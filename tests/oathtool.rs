//! Cross-check of the OTP engine against `oathtool` (oath-toolkit), which no
//! one here wrote (issue #2). Random secrets, times, counters, hashes and
//! digit counts. The test command installs oathtool; without it this test
//! fails rather than passing silently, unless SOFTTOKEN_SKIP_OATHTOOL=1.

mod common;

use std::process::Command;

use rand::{Rng, RngCore};
use softtoken::otp::{hotp, totp, Algorithm, CodeFormat};

fn oathtool(args: &[String]) -> Option<String> {
    let out = Command::new("oathtool").args(args).output().ok()?;
    assert!(
        out.status.success(),
        "oathtool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap().trim().to_string())
}

#[test]
fn matches_oathtool_on_random_inputs() {
    if Command::new("oathtool").arg("--version").output().is_err() {
        assert_eq!(
            std::env::var("SOFTTOKEN_SKIP_OATHTOOL").as_deref(),
            Ok("1"),
            "oathtool is not installed (apt-get install oathtool)"
        );
        return;
    }
    let (seed, mut rng) = common::seeded_rng();
    let algs = [
        (Algorithm::Sha1, "SHA1"),
        (Algorithm::Sha256, "SHA256"),
        (Algorithm::Sha512, "SHA512"),
    ];
    for i in 0..60 {
        let mut secret = vec![0u8; rng.gen_range(16..=64)];
        rng.fill_bytes(&mut secret);
        let hex = data_encoding::HEXLOWER.encode(&secret);
        let (alg, name) = algs[i % 3];
        let digits = rng.gen_range(6..=8u8);
        let format = CodeFormat { algorithm: alg, digits };
        if i % 2 == 0 {
            let time: u64 = rng.gen_range(0..4_000_000_000);
            let period = [15u64, 30, 60, 300][rng.gen_range(0..4)];
            let when = chrono::DateTime::from_timestamp(time as i64, 0)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string();
            let theirs = oathtool(&[
                format!("--totp={name}"),
                format!("--digits={digits}"),
                format!("--time-step-size={period}s"),
                format!("--now={when}"),
                hex.clone(),
            ])
            .unwrap();
            assert_eq!(
                totp(&secret, format, period, time).unwrap(),
                theirs,
                "totp {name} {digits} {period} {time} (seed {seed})"
            );
        } else {
            let counter: u64 = rng.gen_range(0..1u64 << 40);
            // oathtool's HOTP is SHA1 only.
            let format = CodeFormat {
                algorithm: Algorithm::Sha1,
                digits,
            };
            let theirs = oathtool(&[
                format!("--digits={digits}"),
                format!("--counter={counter}"),
                hex.clone(),
            ])
            .unwrap();
            assert_eq!(
                hotp(&secret, format, counter).unwrap(),
                theirs,
                "hotp {digits} {counter} (seed {seed})"
            );
        }
    }
}
