//! Fuzzes the enrollment-link parser: it must never panic, and no error
//! message may contain the link's secret.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = softtoken::link::parse(text, 1_800_000_000) {
            let msg = e.to_string();
            if let Some(secret) = text.split("secret=").nth(1).map(|s| s.split('&').next().unwrap_or("")) {
                if secret.len() >= 16 {
                    assert!(!msg.contains(secret), "secret echoed in {msg:?}");
                }
            }
        }
    }
});
