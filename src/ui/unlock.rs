//! Unlock screen: the token PIN, with failures so far, any wait, and the
//! lockout explained.

use std::rc::Rc;

use slint::ComponentHandle;
use zeroize::Zeroizing;

use super::{Controller, UnlockAdapter};
use crate::clock::format_local_hm;
use crate::pin::{Pin, MAX_FAILURES};
use crate::tokens::TokenError;

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
    c.go("unlock");
}

/// Shows failures so far, a wait, or the lockout.
fn status(c: &Controller, name: &str) {
    let a = c.window.global::<UnlockAdapter>();
    let now = c.now();
    let attempts = c.tokens.get(name).and_then(|meta| c.tokens.attempts(&meta));
    match attempts {
        Ok(at) if at.locked => {
            a.set_locked(true);
            a.set_status(TokenError::Locked(name.into()).to_string().into());
        }
        Ok(at) => {
            a.set_locked(false);
            let mut text = String::new();
            if at.failures > 0 {
                text = format!(
                    "{} wrong PIN(s) so far; {} tries left.",
                    at.failures,
                    MAX_FAILURES - at.failures
                );
            }
            if at.not_before > now {
                text += &format!(" Wait until {} before the next try.", format_local_hm(at.not_before));
            }
            a.set_status(text.trim().into());
        }
        Err(e) => {
            a.set_locked(false);
            a.set_status(e.to_string().into());
        }
    }
}

fn unlock(c: &Controller) {
    let a = c.window.global::<UnlockAdapter>();
    let Some(name) = c.state.borrow().selected.clone() else {
        return;
    };
    let pin = Pin::new(Zeroizing::new(a.get_pin().to_string()));
    a.set_pin("".into());
    match c.tokens.unlock(&name, &pin) {
        Ok(u) => {
            a.set_error("".into());
            c.state.borrow_mut().unlocked = Some(u);
            super::passcode::show(c);
        }
        Err(e) => {
            a.set_error(e.to_string().into());
            status(c, &name);
        }
    }
}
