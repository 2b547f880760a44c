//! PIN screen: set and confirm the four-digit token PIN, then Continue
//! (which seals the secret and stores the token).

use std::rc::Rc;

use slint::ComponentHandle;
use zeroize::Zeroizing;

use super::{Controller, NameAdapter, PinAdapter};
use crate::pin::{check_new_pin_pair, Pin};
use crate::tokens::EnrollRequest;

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<PinAdapter>();
    a.on_continue(super::on(c, finish));
    a.on_back(super::on(c, |c| c.go("name")));
}

pub(super) fn show(c: &Controller) {
    let a = c.window.global::<PinAdapter>();
    a.set_pin("".into());
    a.set_confirm("".into());
    a.set_error("".into());
    c.go("pin");
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
    match c.tokens.enroll(EnrollRequest {
        enrollment,
        name,
        pin,
        replace,
    }) {
        Ok(token) => {
            a.set_pin("".into());
            a.set_confirm("".into());
            {
                let mut s = c.state.borrow_mut();
                s.pending = None;
                s.link_text = None;
            }
            super::done::show(c, &token);
        }
        Err(e) => a.set_error(e.to_string().into()),
    }
}
