//! Token list screen: the tokens with their status, and the paste field.

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, VecModel};
use zeroize::Zeroizing;

use super::{Controller, Screen, TokenRow, TokenState, TokensAdapter};
use crate::link::{self, Link};
use crate::tokens::{propose_name, Status, TokenError};

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<TokensAdapter>();
    let w = Rc::downgrade(c);
    a.on_open_pasted(move || {
        if let Some(c) = w.upgrade() {
            let text = Zeroizing::new(c.window.global::<TokensAdapter>().get_paste_text().to_string());
            c.open_link(&text);
        }
    });
    let w = Rc::downgrade(c);
    a.on_select(move |i| {
        if let Some(c) = w.upgrade() {
            let name = c
                .tokens
                .list()
                .ok()
                .and_then(|l| l.get(i as usize).map(|t| t.name.clone()));
            if let Some(name) = name {
                c.state.borrow_mut().selected = Some(name);
                super::unlock::show(&c);
            }
        }
    });
    a.on_about(super::on(c, super::about::show));
}

pub(super) fn refresh(c: &Controller) {
    let a = c.window.global::<TokensAdapter>();
    let now = c.now();
    match c.tokens.list() {
        Ok(list) => {
            let rows: Vec<TokenRow> = list
                .iter()
                .map(|t| {
                    let status = t.status(now);
                    TokenRow {
                        name: t.name.as_str().into(),
                        subtitle: if t.issuer.is_empty() {
                            t.account.as_str().into()
                        } else {
                            format!("{} · {}", t.issuer, t.account).into()
                        },
                        status: status.describe(now).into(),
                        // "ready at 09:15": the token's name keeps the room
                        // beside it (the badge's colour says syncing).
                        badge: match status {
                            Status::Syncing { ready_at } => {
                                format!("ready {}", crate::clock::format_ready(ready_at, now))
                            }
                            other => other.describe(now),
                        }
                        .into(),
                        state: match status {
                            Status::Active => TokenState::Active,
                            Status::Syncing { .. } => TokenState::Syncing,
                            Status::Locked => TokenState::Locked,
                        },
                    }
                })
                .collect();
            a.set_tokens(ModelRc::new(VecModel::from(rows)));
            c.state.borrow_mut().list_changes_at = list
                .iter()
                .filter_map(|t| match t.status(now) {
                    Status::Syncing { ready_at } => Some(ready_at),
                    _ => None,
                })
                .min();
            a.set_paste_error(c.startup_error().unwrap_or_default().into());
        }
        Err(e) => a.set_paste_error(e.to_string().into()),
    }
}

/// Routes a link to the screen that handles it.
pub(super) fn open_link(c: &Controller, text: &str) {
    c.touch();
    let now = c.now();
    let a = c.window.global::<TokensAdapter>();
    let policy = match c.policy() {
        Ok(p) => p,
        Err(e) => return super::link_problem::show(c, "SoftToken's policy has an error", &e.to_string(), false),
    };
    let parsed = link::parse(text, now);
    if policy.forbid_offline_links && matches!(parsed, Ok(Link::Soft(_))) {
        return super::link_problem::show(
            c,
            "This kind of link is not allowed here",
            "Your administrator allows only tokens activated online with an activation code. This link \
             carries its secret; ask your EHR for a new enrollment.",
            false,
        );
    }
    let mut first_seen = false;
    if let Ok(Link::Online(l)) = &parsed {
        let known = c.tokens.known_issuer_hosts().unwrap_or_default();
        match policy.judge(l.host(), &known) {
            crate::trust::Verdict::Refused(why) => {
                return super::link_problem::show(c, "This link was refused", &why, false);
            }
            crate::trust::Verdict::FirstSeen => first_seen = true,
            crate::trust::Verdict::Known => {}
        }
    }
    // An online link is checked as the enrollment it will become (no
    // device list: the issuer enforces that one).
    let (e, online) = match parsed {
        Err(e) => return super::link_problem::show(c, "This link can't be used", &e.to_string(), false),
        Ok(Link::Hard(_)) => {
            return super::link_problem::show(c, "This is a hard-token link", link::HardToken::EXPLANATION, true)
        }
        Ok(Link::Online(l)) => (l.probe(), Some(l)),
        Ok(Link::Soft(e)) => (e, None),
    };
    match c.tokens.check_link(&e) {
        Err(TokenError::SameDevice(_)) => super::same_device::show(c, text),
        Err(TokenError::LinkUsed) => super::link_problem::show(
            c,
            "This link was already used",
            &TokenError::LinkUsed.to_string(),
            false,
        ),
        Err(other) => {
            a.set_paste_error(other.to_string().into());
            c.go(Screen::Tokens);
        }
        Ok(()) => start(c, text, e, online, first_seen),
    }
}

/// Goes on with a link that passed its checks: the name screen (or the
/// replace question first), with the enrollment remembered.
fn start(c: &Controller, text: &str, e: link::Enrollment, online: Option<link::OnlineLink>, first_seen: bool) {
    let a = c.window.global::<TokensAdapter>();
    a.set_paste_text("".into());
    a.set_paste_error("".into());
    let existing = c.tokens.existing_for(&e).ok().flatten();
    let proposed = propose_name(&e.issuer, &e.account);
    {
        let mut s = c.state.borrow_mut();
        s.link_text = Some(Zeroizing::new(text.trim().to_string()));
        s.pending = Some(e);
        s.online = online;
        s.first_seen = first_seen;
        s.activated = None;
        s.replace_confirmed = false;
    }
    match existing {
        Some(old) => super::replace::show(c, &old.name),
        None => super::name::show(c, &proposed),
    }
}
