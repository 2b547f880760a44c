//! Passcode screen: the code, grouped for the eye and digit by digit for
//! screen readers, the seconds left, the next code, Copy, Lock and (HOTP)
//! Next code.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, PasscodeAdapter, Screen};
use crate::link::OtpKind;

/// "123456" → "123 456"; "12345678" → "1234 5678"; "1234567" → "123 4567".
pub fn group(code: &str) -> String {
    let split = code.len() / 2;
    format!("{} {}", &code[..split], &code[split..])
}

/// "123456" → "1 2 3 4 5 6", so a screen reader reads digits one by one.
pub fn spoken(code: &str) -> String {
    code.chars().map(String::from).collect::<Vec<_>>().join(" ")
}

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<PasscodeAdapter>();
    a.on_copy(super::on(c, copy));
    a.on_lock(super::on(c, |c| c.lock()));
    a.on_next(super::on(c, next_hotp));
    a.on_details(super::on(c, super::details::show));
}

pub(super) fn show(c: &Controller) {
    let a = c.window.global::<PasscodeAdapter>();
    a.set_notice("".into());
    c.touch();
    let hotp = matches!(
        c.state.borrow().unlocked.as_ref().map(|u| u.meta.kind),
        Some(OtpKind::Hotp { .. })
    );
    a.set_counter_based(hotp);
    if hotp {
        next_hotp(c);
    } else {
        refresh(c);
    }
    c.go(Screen::Passcode);
    if !hotp {
        check_clock(c);
    }
}

/// Before the codes are trusted: for a token activated online, compares
/// this device's clock with its issuer's (`GET /v1/time`); more than 15 s
/// apart, the codes use the issuer's time and the screen says so. With no
/// issuer time (offline, or enrolled offline), a clock the system says is
/// not synchronized (`NTPSynchronized`) is said; otherwise nothing is
/// claimed. Off the UI thread.
fn check_clock(c: &Controller) {
    let server = c.state.borrow().unlocked.as_ref().and_then(|u| u.meta.server.clone());
    let net = c.clock_network();
    let sync = c.time_sync();
    let clock = c.clock.clone();
    c.background(
        move || crate::online::ClockCheck::ask(&*net, server.as_deref(), &*sync, &*clock),
        |c, check| {
            c.state.borrow_mut().clock_check = Some(check);
            if c.screen() == Screen::Passcode {
                refresh(c);
            }
        },
    );
}

/// Back to the passcode from its details: the same code (an HOTP token
/// does not move to its next counter).
pub(super) fn resume(c: &Controller) {
    let hotp = c.window.global::<PasscodeAdapter>().get_counter_based();
    if !hotp {
        refresh(c);
    }
    c.go(Screen::Passcode);
}

/// The code currently on show, digits only.
pub fn current_code(c: &Controller) -> String {
    c.window.global::<PasscodeAdapter>().get_code().replace(' ', "")
}

pub(super) fn refresh(c: &Controller) {
    let a = c.window.global::<PasscodeAdapter>();
    let s = c.state.borrow();
    let Some(u) = s.unlocked.as_ref() else { return };
    a.set_token_name(u.meta.name.as_str().into());
    if let OtpKind::Totp { period } = u.meta.kind {
        let check = s.clock_check;
        let now = c.now().saturating_add_signed(check.map_or(0, |k| k.offset()));
        match c.tokens.totp_at(u, now) {
            Ok(code) => {
                a.set_code(group(&code.code).into());
                a.set_spoken(spoken(&code.code).into());
                a.set_seconds_left(code.seconds_left.unwrap_or(0) as i32);
                a.set_period(period as i32);
                let warning = [check.and_then(|k| k.notice()), code.warning]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                a.set_warning(warning.into());
                let next = c
                    .tokens
                    .totp_at(u, now + period)
                    .map(|n| group(&n.code))
                    .unwrap_or_default();
                a.set_next_code(next.into());
            }
            Err(e) => {
                a.set_code("".into());
                a.set_warning(e.to_string().into());
            }
        }
    }
}

fn next_hotp(c: &Controller) {
    let a = c.window.global::<PasscodeAdapter>();
    let result = {
        let mut s = c.state.borrow_mut();
        let Some(u) = s.unlocked.as_mut() else { return };
        a.set_token_name(u.meta.name.as_str().into());
        c.tokens.next_hotp(u)
    };
    match result {
        Ok(code) => {
            a.set_code(group(&code.code).into());
            a.set_spoken(spoken(&code.code).into());
            a.set_warning(code.warning.unwrap_or_default().into());
        }
        Err(e) => a.set_warning(e.to_string().into()),
    }
}

fn copy(c: &Controller) {
    let a = c.window.global::<PasscodeAdapter>();
    let code = current_code(c);
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    match c.clipboard.set(&code) {
        Ok(()) => {
            c.state.borrow_mut().copied = Some((code.into(), c.now()));
            c.wake();
            a.set_notice(
                format!(
                    "Copied. The clipboard is cleared in {} seconds.",
                    super::CLIPBOARD_CLEAR_SECONDS
                )
                .into(),
            );
        }
        Err(e) => a.set_notice(format!("Could not copy: {e}").into()),
    }
}
