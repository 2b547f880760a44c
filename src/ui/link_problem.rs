//! Link problem screen: a link that cannot be used, and what to do.

use std::rc::Rc;

use slint::ComponentHandle;

use super::{Controller, LinkProblemAdapter, Screen};

pub(super) fn wire(c: &Rc<Controller>) {
    c.window
        .global::<LinkProblemAdapter>()
        .on_back(super::on(c, |c| c.show_tokens()));
}

pub(super) fn show(c: &Controller, title: &str, message: &str, hard_token: bool) {
    let a = c.window.global::<LinkProblemAdapter>();
    a.set_title(title.into());
    a.set_message(message.into());
    a.set_hard_token(hard_token);
    c.go(Screen::LinkProblem);
}
