//! Done screen: the token is linked and will be usable after syncing.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, DoneAdapter};
use crate::clock::format_local_hm;
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
            a.set_ready_at(format_local_hm(ready_at).into());
        }
        _ => {
            a.set_message(format!("\"{}\" is ready to use.", token.name).into());
            a.set_ready_at("".into());
        }
    }
    c.go("done");
}
