//! "Open the new link?": a link handed over from outside while the PIN or
//! unlock screen is on show waits for the user's say instead of replacing
//! the screen mid-PIN.

use std::rc::Rc;

use slint::ComponentHandle;
use zeroize::Zeroizing;

use super::{Controller, NewLinkAdapter, PinAdapter, Screen, UnlockAdapter};

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<NewLinkAdapter>();
    a.on_open(super::on(c, open));
    a.on_keep(super::on(c, keep));
}

/// Holds `link` and asks; the screen on show now is where "Go back" returns.
pub(super) fn ask(c: &Controller, link: Zeroizing<String>) {
    let screen = c.screen();
    let mut s = c.state.borrow_mut();
    if screen != Screen::NewLink {
        s.return_to = Some(screen);
    }
    s.incoming = Some(link);
    drop(s);
    let doing = match c.state.borrow().return_to {
        Some(Screen::Unlock) => "entering a token PIN",
        _ => "setting a token PIN",
    };
    c.window.global::<NewLinkAdapter>().set_interrupted(doing.into());
    c.go(Screen::NewLink);
}

fn open(c: &Controller) {
    let link = c.state.borrow_mut().incoming.take();
    c.state.borrow_mut().return_to = None;
    c.window.global::<PinAdapter>().set_pin("".into());
    c.window.global::<PinAdapter>().set_confirm("".into());
    c.window.global::<UnlockAdapter>().set_pin("".into());
    match link {
        Some(link) => c.open_link(&link),
        None => c.show_tokens(),
    }
}

/// Back to the screen the link interrupted, as it was.
pub(super) fn keep(c: &Controller) {
    let back = {
        let mut s = c.state.borrow_mut();
        s.incoming = None;
        s.return_to.take()
    };
    match back {
        Some(screen) => c.go(screen),
        None => c.show_tokens(),
    }
}
