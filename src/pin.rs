//! The four-digit token PIN and the wrong-PIN policy.
//!
//! A four-digit PIN has only 10,000 values, so its strength comes from the
//! policy around it, not from the digits: the trivially guessable PINs are
//! refused, guesses slow down from the fifth failure, and the tenth failure
//! erases the secret. The policy is pure arithmetic on the failure count so it
//! can be tested exhaustively; [`crate::vault`] stores the count in the
//! keyring beside the sealed secret.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Consecutive wrong PINs that erase the secret.
pub const MAX_FAILURES: u32 = 10;
/// Digits in a token PIN.
pub const PIN_LENGTH: usize = 4;
/// Failures that are free (no waiting after them).
pub const FREE_FAILURES: u32 = 4;
/// The wait after the fifth failure; it doubles with each further failure.
pub const BASE_DELAY_SECONDS: u64 = 30;

/// A PIN as typed. Its memory is wiped on drop and it never prints.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    pub fn new(text: impl Into<Zeroizing<String>>) -> Pin {
        Pin(text.into())
    }
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
    /// Compares two PINs in constant time.
    pub fn matches(&self, other: &Pin) -> bool {
        self.0.len() == other.0.len() && bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// Why a new PIN was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinError {
    #[error("The token PIN must be exactly four digits (0–9).")]
    Format,
    #[error("The PIN repeats one digit, which is among the first PINs anyone would try. Choose another.")]
    Repeated,
    #[error("The PIN is a straight run of digits (like 1234 or 4321), which is easy to guess. Choose another.")]
    Sequence,
    #[error("The two PINs do not match. Enter the same PIN twice.")]
    Mismatch,
}

/// Checks the PIN's form only: four ASCII digits.
pub fn check_format(pin: &Pin) -> Result<(), PinError> {
    let b = pin.as_bytes();
    if b.len() == PIN_LENGTH && b.iter().all(u8::is_ascii_digit) {
        Ok(())
    } else {
        Err(PinError::Format)
    }
}

/// Checks a PIN being set: its form, and that it is not trivially guessable.
pub fn check_new_pin(pin: &Pin) -> Result<(), PinError> {
    check_format(pin)?;
    let d: Vec<i8> = pin.as_bytes().iter().map(|b| (b - b'0') as i8).collect();
    let steps: Vec<i8> = d.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.iter().all(|s| *s == 0) {
        Err(PinError::Repeated)
    } else if steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1) {
        Err(PinError::Sequence)
    } else {
        Ok(())
    }
}

/// Checks a new PIN and its confirmation.
pub fn check_new_pin_pair(pin: &Pin, confirm: &Pin) -> Result<(), PinError> {
    check_new_pin(pin)?;
    if pin.matches(confirm) {
        Ok(())
    } else {
        Err(PinError::Mismatch)
    }
}

/// Seconds to wait before the next try after `failures` consecutive wrong PINs:
/// 0 for the first four, then 30 s × 2^(n−5).
pub fn delay_after(failures: u32) -> u64 {
    if failures <= FREE_FAILURES {
        0
    } else {
        BASE_DELAY_SECONDS << (failures - FREE_FAILURES - 1).min(20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(s: &str) -> Pin {
        Pin::new(s.to_string())
    }

    #[test]
    fn every_four_digit_pin_is_classified() {
        let mut refused = 0;
        for n in 0..10_000 {
            let p = format!("{n:04}");
            if check_new_pin(&pin(&p)).is_err() {
                refused += 1;
            }
        }
        // 10 repeated digits + 7 runs up + 7 runs down.
        assert_eq!(refused, 24);
    }

    #[test]
    fn reasons_are_specific() {
        assert_eq!(check_new_pin(&pin("0000")), Err(PinError::Repeated));
        assert_eq!(check_new_pin(&pin("9999")), Err(PinError::Repeated));
        assert_eq!(check_new_pin(&pin("0123")), Err(PinError::Sequence));
        assert_eq!(check_new_pin(&pin("6789")), Err(PinError::Sequence));
        assert_eq!(check_new_pin(&pin("9876")), Err(PinError::Sequence));
        assert_eq!(check_new_pin(&pin("3210")), Err(PinError::Sequence));
        assert_eq!(check_new_pin(&pin("8901")), Ok(()), "runs do not wrap around");
        assert_eq!(check_new_pin(&pin("123")), Err(PinError::Format));
        assert_eq!(check_new_pin(&pin("12345")), Err(PinError::Format));
        assert_eq!(check_new_pin(&pin("12a4")), Err(PinError::Format));
        assert_eq!(check_new_pin(&pin("١٢٣٤")), Err(PinError::Format), "non-ASCII digits");
        assert_eq!(check_new_pin_pair(&pin("2580"), &pin("2581")), Err(PinError::Mismatch));
        assert_eq!(check_new_pin_pair(&pin("2580"), &pin("2580")), Ok(()));
        assert_eq!(format!("{:?}", pin("2580")), "Pin(<redacted>)");
    }

    #[test]
    fn back_off_schedule() {
        let delays: Vec<u64> = (1..=9).map(delay_after).collect();
        assert_eq!(delays, [0, 0, 0, 0, 30, 60, 120, 240, 480]);
    }
}
