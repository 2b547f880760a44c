//! Name screen: a proposed name, inline validation, then Activate.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, NameAdapter, Screen};

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<NameAdapter>();
    let w = Rc::downgrade(c);
    a.on_edited(move |text| {
        if let Some(c) = w.upgrade() {
            c.window
                .global::<NameAdapter>()
                .set_error(problem(&c, &text).unwrap_or_default().into());
        }
    });
    a.on_activate(super::on(c, activate));
    a.on_cancel(super::on(c, |c| c.show_tokens()));
}

/// What is wrong with `name` for the pending enrollment, if anything.
fn problem(c: &Controller, name: &str) -> Option<String> {
    let s = c.state.borrow();
    let e = s.pending.as_ref()?;
    c.tokens
        .precheck(e, name, s.replace_confirmed)
        .err()
        .map(|e| e.to_string())
}

pub(super) fn show(c: &Controller, proposed: &str) {
    let a = c.window.global::<NameAdapter>();
    {
        let s = c.state.borrow();
        if let Some(e) = &s.pending {
            a.set_issuer(e.issuer.as_str().into());
            a.set_account(e.account.as_str().into());
            let origin = match (&s.online, e.source) {
                (Some(l), _) if s.first_seen => format!(
                    "Activation server: {}. SoftToken has no token from this server yet: go on only if your \
                     EHR named it.",
                    l.host()
                ),
                (Some(l), _) => format!("Activation server: {}", l.host()),
                (None, _) => "Offline enrollment: the secret came in the link.".into(),
            };
            a.set_origin(origin.into());
        }
    }
    a.set_name(proposed.into());
    a.set_error(problem(c, proposed).unwrap_or_default().into());
    c.go(Screen::Name);
}

fn activate(c: &Controller) {
    let a = c.window.global::<NameAdapter>();
    match problem(c, &a.get_name()) {
        Some(err) => a.set_error(err.into()),
        None if c.state.borrow().online.is_some() => super::activation::show(c),
        None => super::pin::show(c),
    }
}
