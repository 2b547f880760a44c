//! About screen: this device's ID for the EHR, the version, where data lives.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{AboutAdapter, Controller, Screen};

pub(super) fn wire(c: &Rc<Controller>) {
    c.window
        .global::<AboutAdapter>()
        .on_back(super::on(c, |c| c.show_tokens()));
}

pub(super) fn show(c: &Controller) {
    let a = c.window.global::<AboutAdapter>();
    a.set_device_id(c.tokens.device().to_string().into());
    a.set_version(env!("CARGO_PKG_VERSION").into());
    a.set_data_dir(c.tokens.data_dir().display().to_string().into());
    c.go(Screen::About);
}
