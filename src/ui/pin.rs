//! PIN screen: set and confirm the four-digit token PIN, then Continue
//! (which seals the secret and stores the token).

use std::rc::Rc;

use slint::ComponentHandle;
use zeroize::Zeroizing;

use super::{Controller, NameAdapter, PinAdapter, Screen};
use crate::online;
use crate::pin::{check_new_pin_pair, Pin};
use crate::tokens::{EnrollRequest, TokenError};

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<PinAdapter>();
    a.on_continue(super::on(c, finish));
    a.on_back(super::on(c, |c| c.go(Screen::Name)));
}

pub(super) fn show(c: &Controller) {
    let a = c.window.global::<PinAdapter>();
    a.set_pin("".into());
    a.set_confirm("".into());
    a.set_error("".into());
    a.set_busy(false);
    c.go(Screen::Pin);
}

fn enrolled(c: &Controller, token: &crate::tokens::TokenMeta) {
    let a = c.window.global::<PinAdapter>();
    a.set_pin("".into());
    a.set_confirm("".into());
    {
        let mut s = c.state.borrow_mut();
        s.pending = None;
        s.link_text = None;
        s.online = None;
        s.activated = None;
    }
    super::done::show(c, token);
}

fn finish(c: &Controller) {
    let a = c.window.global::<PinAdapter>();
    let pin = Pin::new(Zeroizing::new(a.get_pin().to_string()));
    let confirm = Pin::new(Zeroizing::new(a.get_confirm().to_string()));
    if let Err(e) = check_new_pin_pair(&pin, &confirm) {
        a.set_error(e.to_string().into());
        return;
    }
    let Some(enrollment) = c.state.borrow().pending.clone() else {
        c.show_tokens();
        return;
    };
    let replace = c.state.borrow().replace_confirmed;
    let name = c.window.global::<NameAdapter>().get_name().to_string();
    let req = EnrollRequest {
        enrollment,
        name,
        pin,
        replace,
    };
    let Some(activated) = c.state.borrow().activated.clone() else {
        match c.tokens.enroll(req) {
            Ok(token) => enrolled(c, &token),
            Err(e) => a.set_error(e.to_string().into()),
        }
        return;
    };
    // Online: seal, then confirm to the issuer, off the UI thread (the
    // confirmation may wait up to the network time-out).
    a.set_busy(true);
    a.set_error("".into());
    let tokens = c.tokens.clone();
    let net = c.network();
    let confirm = activated;
    c.background(
        move || {
            tokens.enroll_then(req, |_| {
                online::confirm(&*net, &confirm)
                    .map(|_| ())
                    .map_err(TokenError::NotConfirmed)
            })
        },
        |c, result| {
            c.window.global::<PinAdapter>().set_busy(false);
            match result {
                Ok(token) => enrolled(c, &token),
                Err(e @ TokenError::NotConfirmed(_)) => {
                    // The issuer voids the unconfirmed activation: this link is spent.
                    super::link_problem::show(c, "The token was not activated", &e.to_string(), false)
                }
                Err(e) => c.window.global::<PinAdapter>().set_error(e.to_string().into()),
            }
        },
    );
}
