//! Activation screen (softtoken://activate links): the activation code from
//! the second channel, then the seed is agreed with the issuer off the UI
//! thread. Cancel stops waiting; a late answer is dropped.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{ActivationAdapter, Controller, Screen};
use crate::online::{self, OnlineError};
use crate::protocol::ActivationCode;

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<ActivationAdapter>();
    let w = Rc::downgrade(c);
    a.on_edited(move |text| {
        if let Some(c) = w.upgrade() {
            let a = c.window.global::<ActivationAdapter>();
            a.set_error("".into());
            // Shown as typed in the EHR's page: upper case, one dash.
            let shown = format_as_typed(&text);
            if shown != text.as_str() {
                a.set_code(shown.into());
            }
        }
    });
    a.on_activate(super::on(c, activate));
    a.on_cancel(super::on(c, |c| {
        let busy = c.window.global::<ActivationAdapter>().get_busy();
        c.cancel_background();
        c.window.global::<ActivationAdapter>().set_busy(false);
        if !busy {
            c.show_tokens();
        }
    }));
}

/// `k7qm2xwd` → `K7QM-2XWD`: Crockford characters, upper case, a dash
/// after the fourth; anything else typed is dropped.
pub fn format_as_typed(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(8)
        .collect();
    let mut out: String = chars.iter().take(4).collect();
    if chars.len() > 4 {
        out.push('-');
        out.extend(&chars[4..]);
    }
    out
}

pub(super) fn show(c: &Controller) {
    let a = c.window.global::<ActivationAdapter>();
    if let Some(l) = &c.state.borrow().online {
        a.set_issuer(l.issuer.as_str().into());
        a.set_account(l.account.as_str().into());
        a.set_host(l.host().into());
    }
    a.set_code("".into());
    a.set_error("".into());
    a.set_busy(false);
    c.go(Screen::Activation);
}

fn activate(c: &Controller) {
    let a = c.window.global::<ActivationAdapter>();
    if a.get_busy() {
        return;
    }
    let code = match ActivationCode::parse(&a.get_code()) {
        Ok(code) => code,
        Err(e) => {
            a.set_error(sentence(&e.to_string()).into());
            return;
        }
    };
    let Some(link) = c.state.borrow().online.clone() else {
        c.show_tokens();
        return;
    };
    a.set_error("".into());
    a.set_busy(true);
    let net = c.network();
    let device = c.tokens.device().clone();
    c.background(
        move || online::activate(&*net, &link, &code, &device),
        |c, result| {
            let a = c.window.global::<ActivationAdapter>();
            a.set_busy(false);
            match result {
                Ok(activated) => {
                    {
                        let mut s = c.state.borrow_mut();
                        s.pending = Some(activated.enrollment(c.now()));
                        s.activated = Some(std::sync::Arc::new(activated));
                    }
                    a.set_code("".into());
                    super::pin::show(c);
                }
                Err(OnlineError::PrescribingDevice) => {
                    let link = c.state.borrow().link_text.clone().unwrap_or_default();
                    super::same_device::show(c, &link);
                }
                Err(e) => a.set_error(sentence(&e.to_string()).into()),
            }
        },
    );
}

/// The issuer's messages start in lower case (they are also log lines); on
/// screen they start a sentence.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_show_as_the_ehr_prints_them() {
        assert_eq!(format_as_typed("k7qm2xwd"), "K7QM-2XWD");
        assert_eq!(format_as_typed("K7QM-"), "K7QM");
        assert_eq!(format_as_typed("k7 qm 2x wd 99"), "K7QM-2XWD");
        assert_eq!(format_as_typed("k7q"), "K7Q");
        assert_eq!(format_as_typed("é-!"), "");
        assert_eq!(sentence("the code is wrong"), "The code is wrong");
    }
}
