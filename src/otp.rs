//! One-time passcodes: HOTP (RFC 4226) and TOTP (RFC 6238).
//!
//! Everything here is a pure function of the secret, the parameters and the
//! time or counter, so every code can be checked against the RFC appendices
//! and `oathtool`; the `_now` wrappers are the only place the wall clock is
//! read. The HMAC and dynamic truncation come from `totp-rs`; this module adds
//! the parameter rules SoftToken accepts (6–8 digits, 15–300 s periods,
//! 16–64 byte secrets) and a constant-time verifier that never accepts the
//! same time step twice.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use subtle::ConstantTimeEq;

/// Shortest secret accepted, in bytes (RFC 4226 §4 requires at least 128 bits).
pub const MIN_SECRET_BYTES: usize = 16;
/// Longest secret accepted, in bytes (the SHA-512 block size is 128; 64 is ample).
pub const MAX_SECRET_BYTES: usize = 64;
/// Fewest and most digits in a code.
pub const DIGITS: std::ops::RangeInclusive<u8> = 6..=8;
/// Shortest and longest TOTP period, in seconds.
pub const PERIOD: std::ops::RangeInclusive<u64> = 15..=300;

/// The HMAC hash function of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    fn to_totp_rs(self) -> totp_rs::Algorithm {
        match self {
            Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
            Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
            Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        })
    }
}

impl FromStr for Algorithm {
    type Err = OtpError;
    /// Case-insensitive `SHA1`, `SHA256` or `SHA512` (a dash, as in `SHA-256`, is allowed).
    fn from_str(s: &str) -> Result<Self, OtpError> {
        match s.to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA512" => Ok(Algorithm::Sha512),
            _ => Err(OtpError::Algorithm(s.chars().take(32).collect())),
        }
    }
}

/// Why a code could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OtpError {
    #[error("the secret is {0} bytes long; expected {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")]
    SecretLength(usize),
    #[error("a code has {0} digits; expected 6, 7 or 8")]
    Digits(u8),
    #[error("the period is {0} seconds; expected 15 to 300 seconds")]
    Period(u64),
    #[error("unknown algorithm \"{0}\"; expected SHA1, SHA256 or SHA512")]
    Algorithm(String),
    #[error("the time is before 1970 or the counter overflowed")]
    Time,
}

/// How codes are made from a secret: the hash and the number of digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CodeFormat {
    pub algorithm: Algorithm,
    pub digits: u8,
}

impl Default for CodeFormat {
    fn default() -> Self {
        CodeFormat {
            algorithm: Algorithm::Sha1,
            digits: 6,
        }
    }
}

impl CodeFormat {
    /// Checks the digit count.
    pub fn validate(&self) -> Result<(), OtpError> {
        if DIGITS.contains(&self.digits) {
            Ok(())
        } else {
            Err(OtpError::Digits(self.digits))
        }
    }
}

/// Checks a period in seconds.
pub fn validate_period(period: u64) -> Result<(), OtpError> {
    if PERIOD.contains(&period) {
        Ok(())
    } else {
        Err(OtpError::Period(period))
    }
}

/// Checks a secret's length.
pub fn validate_secret(secret: &[u8]) -> Result<(), OtpError> {
    if (MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&secret.len()) {
        Ok(())
    } else {
        Err(OtpError::SecretLength(secret.len()))
    }
}

/// HOTP (RFC 4226): the code for `counter`.
pub fn hotp(secret: &[u8], format: CodeFormat, counter: u64) -> Result<String, OtpError> {
    validate_secret(secret)?;
    format.validate()?;
    // totp-rs computes HMAC(secret, time / step); a step of one second makes
    // the "time" the counter itself, which is exactly RFC 4226.
    let engine = totp_rs::Builder::new()
        .with_algorithm(format.algorithm.to_totp_rs())
        .with_digits(format.digits)
        .with_secret(secret.to_vec()) // totp-rs zeroizes its copy on drop
        .with_step_duration(1)
        .build()
        .map_err(|_| OtpError::SecretLength(secret.len()))?;
    Ok(engine.generate(counter).to_string())
}

/// The TOTP time step (RFC 6238 `T`) that contains `unix_time`.
pub fn time_step(unix_time: u64, period: u64) -> Result<u64, OtpError> {
    validate_period(period)?;
    Ok(unix_time / period)
}

/// TOTP (RFC 6238): the code at `unix_time` (seconds since 1970, T0 = 0).
pub fn totp(secret: &[u8], format: CodeFormat, period: u64, unix_time: u64) -> Result<String, OtpError> {
    hotp(secret, format, time_step(unix_time, period)?)
}

/// Seconds left until the code at `unix_time` changes.
pub fn seconds_left(period: u64, unix_time: u64) -> u64 {
    let period = period.max(1);
    period - unix_time % period
}

/// The current Unix time in seconds.
pub fn unix_now() -> Result<u64, OtpError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| OtpError::Time)
}

/// [`totp`] at the current time.
pub fn totp_now(secret: &[u8], format: CodeFormat, period: u64) -> Result<String, OtpError> {
    totp(secret, format, period, unix_now()?)
}

/// Compares two codes in time independent of where they differ.
pub fn codes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// What a verifier needs to check a TOTP code.
#[derive(Clone, Copy, Debug)]
pub struct TotpVerifier {
    pub format: CodeFormat,
    pub period: u64,
    /// How many steps before and after the current one are accepted.
    pub window: u64,
}

impl TotpVerifier {
    /// Checks `code` at `unix_time`. Returns the matched time step, which the
    /// caller stores and passes back as `last_accepted`: a step at or before it
    /// is never accepted again, so a code cannot be replayed. Every candidate
    /// step in the window is computed and compared in constant time, so the
    /// time taken does not tell which step matched.
    pub fn verify(
        &self,
        secret: &[u8],
        code: &str,
        unix_time: u64,
        last_accepted: Option<u64>,
    ) -> Result<Option<u64>, OtpError> {
        let now = time_step(unix_time, self.period)?;
        let first = now.saturating_sub(self.window);
        let last = now.checked_add(self.window).ok_or(OtpError::Time)?;
        let mut matched = None;
        for step in first..=last {
            let candidate = hotp(secret, self.format, step)?;
            let fresh = last_accepted.is_none_or(|l| step > l);
            if codes_equal(&candidate, code) & fresh && matched.is_none() {
                matched = Some(step);
            }
        }
        Ok(matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA1_KEY: &[u8] = b"12345678901234567890";
    const SHA256_KEY: &[u8] = b"12345678901234567890123456789012";
    const SHA512_KEY: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    fn fmt(algorithm: Algorithm, digits: u8) -> CodeFormat {
        CodeFormat { algorithm, digits }
    }

    /// RFC 6238 Appendix B, all 18 rows (8 digits, 30 s period).
    #[test]
    fn rfc6238_appendix_b() {
        let table: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, s1, s256, s512) in table {
            assert_eq!(
                totp(SHA1_KEY, fmt(Algorithm::Sha1, 8), 30, t).unwrap(),
                s1,
                "SHA1 t={t}"
            );
            assert_eq!(
                totp(SHA256_KEY, fmt(Algorithm::Sha256, 8), 30, t).unwrap(),
                s256,
                "SHA256 t={t}"
            );
            assert_eq!(
                totp(SHA512_KEY, fmt(Algorithm::Sha512, 8), 30, t).unwrap(),
                s512,
                "SHA512 t={t}"
            );
        }
    }

    /// RFC 4226 Appendix D, all 10 rows.
    #[test]
    fn rfc4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(SHA1_KEY, CodeFormat::default(), counter as u64).unwrap(), *code);
        }
    }

    #[test]
    fn parameters_are_checked() {
        assert_eq!(
            hotp(&[0; 15], CodeFormat::default(), 0),
            Err(OtpError::SecretLength(15))
        );
        assert_eq!(
            hotp(&[0; 65], CodeFormat::default(), 0),
            Err(OtpError::SecretLength(65))
        );
        assert_eq!(hotp(SHA1_KEY, fmt(Algorithm::Sha1, 5), 0), Err(OtpError::Digits(5)));
        assert_eq!(hotp(SHA1_KEY, fmt(Algorithm::Sha1, 9), 0), Err(OtpError::Digits(9)));
        assert_eq!(totp(SHA1_KEY, CodeFormat::default(), 14, 0), Err(OtpError::Period(14)));
        assert_eq!(
            totp(SHA1_KEY, CodeFormat::default(), 301, 0),
            Err(OtpError::Period(301))
        );
        assert!(hotp(&[7; 64], fmt(Algorithm::Sha512, 7), u64::MAX).is_ok());
        assert_eq!("sha-256".parse::<Algorithm>(), Ok(Algorithm::Sha256));
        assert!("md5"
            .parse::<Algorithm>()
            .unwrap_err()
            .to_string()
            .contains("expected SHA1"));
    }

    #[test]
    fn seconds_left_counts_down_to_the_boundary() {
        assert_eq!(seconds_left(30, 0), 30);
        assert_eq!(seconds_left(30, 29), 1);
        assert_eq!(seconds_left(30, 30), 30);
    }

    #[test]
    fn verifier_accepts_within_window_and_never_the_same_step_twice() {
        let v = TotpVerifier {
            format: fmt(Algorithm::Sha1, 8),
            period: 30,
            window: 1,
        };
        // 59 is in step 1; its code is RFC 6238's "94287082".
        assert_eq!(v.verify(SHA1_KEY, "94287082", 59, None).unwrap(), Some(1));
        assert_eq!(
            v.verify(SHA1_KEY, "94287082", 59, Some(1)).unwrap(),
            None,
            "replay refused"
        );
        // One step later the previous code is still in the window...
        assert_eq!(v.verify(SHA1_KEY, "94287082", 89, None).unwrap(), Some(1));
        // ...but not two steps later.
        assert_eq!(v.verify(SHA1_KEY, "94287082", 119, None).unwrap(), None);
        assert_eq!(v.verify(SHA1_KEY, "00000000", 59, None).unwrap(), None);
        assert_eq!(v.verify(SHA1_KEY, "9428708", 59, None).unwrap(), None, "wrong length");
    }
}
