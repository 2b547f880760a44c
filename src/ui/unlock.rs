//! Unlock screen: the token PIN, with failures so far, any wait, and the
//! lockout explained.

use std::rc::Rc;

use slint::ComponentHandle;
use zeroize::Zeroizing;

use super::{Controller, Screen, UnlockAdapter};
use crate::clock::format_local_hms;
use crate::pin::{Pin, MAX_FAILURES};
use crate::tokens::{count, TokenError};

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<UnlockAdapter>();
    a.on_unlock(super::on(c, unlock));
    a.on_back(super::on(c, |c| c.show_tokens()));
}

pub(super) fn show(c: &Controller) {
    let a = c.window.global::<UnlockAdapter>();
    let Some(name) = c.state.borrow().selected.clone() else {
        return;
    };
    a.set_token_name(name.as_str().into());
    a.set_pin("".into());
    a.set_error("".into());
    status(c, &name);
    c.go(Screen::Unlock);
}

/// Shows failures so far, a wait, or the lockout.
fn status(c: &Controller, name: &str) {
    let a = c.window.global::<UnlockAdapter>();
    let now = c.now();
    let attempts = c.tokens.get(name).and_then(|meta| c.tokens.attempts(&meta));
    match attempts {
        Ok(at) if at.locked => {
            a.set_locked(true);
            a.set_waiting(false);
            c.state.borrow_mut().unlock_wait_until = None;
            a.set_status(TokenError::Locked(name.into()).to_string().into());
        }
        Ok(at) => {
            a.set_locked(false);
            let mut text = String::new();
            if at.failures > 0 {
                text = format!(
                    "{} so far; {} left.",
                    count(at.failures.into(), "wrong PIN", "wrong PINs"),
                    count((MAX_FAILURES - at.failures).into(), "try", "tries")
                );
            }
            let waiting = at.not_before > now;
            if waiting {
                text += &format!(
                    " Wait {} before the next try (until {}).",
                    wait_words(at.not_before - now),
                    format_local_hms(at.not_before)
                );
            }
            a.set_waiting(waiting);
            a.set_status(text.trim().into());
            c.state.borrow_mut().unlock_wait_until = waiting.then_some(at.not_before);
        }
        Err(e) => {
            a.set_locked(false);
            a.set_waiting(false);
            c.state.borrow_mut().unlock_wait_until = None;
            a.set_status(e.to_string().into());
        }
    }
}

/// "45 seconds", "1 minute 30 seconds", "8 minutes".
pub fn wait_words(secs: u64) -> String {
    let (m, s) = (secs / 60, secs % 60);
    match (m, s) {
        (0, s) => count(s, "second", "seconds"),
        (m, 0) => count(m, "minute", "minutes"),
        (m, s) => format!("{} {}", count(m, "minute", "minutes"), count(s, "second", "seconds")),
    }
}

/// The tick during a back-off wait: the countdown, and the end of the wait.
pub(super) fn refresh_wait(c: &Controller) {
    let name = c.state.borrow().selected.clone();
    if let Some(name) = name {
        status(c, &name);
    }
}

fn unlock(c: &Controller) {
    let a = c.window.global::<UnlockAdapter>();
    let Some(name) = c.state.borrow().selected.clone() else {
        return;
    };
    if c.state.borrow().unlock_wait_until.is_some_and(|t| c.now() < t) {
        return;
    }
    let pin = Pin::new(Zeroizing::new(a.get_pin().to_string()));
    a.set_pin("".into());
    match c.tokens.unlock(&name, &pin) {
        Ok(u) => {
            a.set_error("".into());
            c.state.borrow_mut().unlocked = Some(u);
            super::passcode::show(c);
        }
        Err(e) => {
            // The count, any wait and the lockout are on the status line below
            // (counting down), so each is said once.
            let text = match e {
                TokenError::WrongPin { .. } => "Wrong PIN.".to_string(),
                TokenError::Locked(_) => String::new(),
                other => other.to_string(),
            };
            a.set_error(text.into());
            status(c, &name);
        }
    }
}
