//! Replace screen: the link's account already has a token; confirm or cancel.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, ReplaceAdapter, Screen};

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<ReplaceAdapter>();
    let w = Rc::downgrade(c);
    a.on_confirm(move || {
        if let Some(c) = w.upgrade() {
            c.state.borrow_mut().replace_confirmed = true;
            let name = c.window.global::<ReplaceAdapter>().get_existing_name().to_string();
            super::name::show(&c, &name);
        }
    });
    a.on_cancel(super::on(c, |c| c.show_tokens()));
}

pub(super) fn show(c: &Controller, existing: &str) {
    c.window.global::<ReplaceAdapter>().set_existing_name(existing.into());
    c.go(Screen::Replace);
}
