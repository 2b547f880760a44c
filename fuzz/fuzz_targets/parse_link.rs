//! Fuzzes the enrollment-link parser: it must never panic, and no error
//! message may contain the link's secret.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = softtoken::link::parse(text, 1_800_000_000) {
            let msg = e.to_string();
            // Every value given as a secret that SoftToken would take as one:
            // a run of letters and digits that decodes as a 16-byte or longer
            // base32 secret. (Any other text after "secret=" may well occur in
            // a message's own words: "secret=softtoken://enroll" is no secret.)
            for value in text.split("secret=").skip(1) {
                let secret = value.split('&').next().unwrap_or("");
                let plausible = secret.bytes().all(|b| b.is_ascii_alphanumeric())
                    && softtoken::link::decode_secret(secret).is_ok();
                if plausible {
                    assert!(!msg.contains(secret), "secret echoed in {msg:?}");
                }
            }
        }
    }
});
