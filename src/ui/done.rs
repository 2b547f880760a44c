//! Done screen: the token is linked and will be usable after syncing.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, DoneAdapter, Screen};
use crate::tokens::{Status, TokenMeta};

use crate::tokens::SYNC_MESSAGE;

pub(super) fn wire(c: &Rc<Controller>) {
    c.window
        .global::<DoneAdapter>()
        .on_finish(super::on(c, |c| c.show_tokens()));
}

pub(super) fn show(c: &Controller, token: &TokenMeta) {
    let a = c.window.global::<DoneAdapter>();
    match token.status(c.now()) {
        Status::Syncing { ready_at } => {
            a.set_message(SYNC_MESSAGE.into());
            a.set_ready_at(crate::clock::format_ready(ready_at, c.now()).into());
        }
        _ => {
            a.set_message(format!("\"{}\" is ready to use.", token.name).into());
            a.set_ready_at("".into());
        }
    }
    a.set_credential_id(token.credential_id.as_deref().unwrap_or_default().into());
    c.go(Screen::Done);
}
