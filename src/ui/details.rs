//! Token details (from an open passcode, so the PIN was given): the
//! credential ID and the rest of what a help desk asks for, and Report lost
//! or remove, which tells the token's issuer (signed with the seed) before
//! removing it here. Offline, it is removed here and the screen says the
//! issuer must be told.

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{Controller, DetailsAdapter, Screen};
use crate::clock::format_utc;
use crate::link::OtpKind;
use crate::online;
use crate::tokens::TokenMeta;

pub(super) fn wire(c: &Rc<Controller>) {
    let a = c.window.global::<DetailsAdapter>();
    a.on_remove(super::on(c, |c| {
        let a = c.window.global::<DetailsAdapter>();
        a.set_error("".into());
        a.set_confirming(true);
    }));
    a.on_confirm_remove(super::on(c, remove));
    a.on_back(super::on(c, |c| {
        let a = c.window.global::<DetailsAdapter>();
        if a.get_busy() {
            return;
        }
        if a.get_confirming() {
            a.set_confirming(false);
        } else {
            super::passcode::resume(c);
        }
    }));
}

/// The facts shown, one "Label: value" line each.
pub fn facts(t: &TokenMeta, device: &str) -> Vec<String> {
    let mut out = Vec::new();
    match (&t.credential_id, &t.server) {
        (Some(id), Some(server)) => {
            out.push(format!("Credential ID: {id}"));
            out.push(format!("Issuer: {} · {}", t.issuer, crate::link::host_of(server)));
        }
        _ => {
            out.push("Credential ID: none (offline enrollment: the secret came in the link)".into());
            out.push(format!("Issuer: {}", t.issuer));
        }
    }
    out.push(format!("Account: {}", t.account));
    out.push(format!("Bound on: {}", format_utc(t.enrolled_at)));
    out.push(format!("This device: {device}"));
    out.push(match t.kind {
        OtpKind::Totp { period } => format!(
            "Codes: {} digits, {}, every {period} s",
            t.format.digits, t.format.algorithm
        ),
        OtpKind::Hotp { .. } => format!(
            "Codes: {} digits, {}, counter-based",
            t.format.digits, t.format.algorithm
        ),
    });
    out
}

pub(super) fn show(c: &Controller) {
    let Some(meta) = c.state.borrow().unlocked.as_ref().map(|u| u.meta.clone()) else {
        c.show_tokens();
        return;
    };
    let a = c.window.global::<DetailsAdapter>();
    a.set_token_name(meta.name.as_str().into());
    let lines: Vec<SharedString> = facts(&meta, &c.tokens.device().to_string())
        .into_iter()
        .map(Into::into)
        .collect();
    a.set_facts(ModelRc::new(VecModel::from(lines)));
    a.set_confirming(false);
    a.set_busy(false);
    a.set_error("".into());
    a.set_notice("".into());
    c.go(Screen::Details);
}

fn remove(c: &Controller) {
    let a = c.window.global::<DetailsAdapter>();
    let signed = {
        let s = c.state.borrow();
        let Some(u) = s.unlocked.as_ref() else { return };
        match (&u.meta.server, &u.meta.credential_id) {
            (Some(server), Some(id)) => Some((
                server.clone(),
                id.clone(),
                zeroize::Zeroizing::new(u.secret().to_vec()),
                u.meta.name.clone(),
            )),
            _ => None,
        }
    };
    let Some((server, id, seed, name)) = signed else {
        let name = c.state.borrow().unlocked.as_ref().map(|u| u.meta.name.clone());
        if let Some(name) = name {
            finish(c, &name, "Removed from this device.".into());
        }
        return;
    };
    a.set_busy(true);
    let net = c.network();
    let now = c.now();
    c.background(
        move || online::revoke(&*net, &server, &id, &seed, now).map(|_| id),
        move |c, result| {
            c.window.global::<DetailsAdapter>().set_busy(false);
            let message = match result {
                Ok(id) => format!(
                    "The issuer no longer accepts codes from credential {id}, and it was removed from this device."
                ),
                Err(e) => format!(
                    "Removed from this device, but the issuer was not told ({e}). Tell your EHR's help desk \
                     that this token is lost."
                ),
            };
            finish(c, &name, message);
        },
    );
}

fn finish(c: &Controller, name: &str, message: String) {
    match c.tokens.remove(name) {
        Ok(()) => {
            c.lock();
            super::link_problem::show(c, "Token removed", &message, false);
        }
        Err(e) => c.window.global::<DetailsAdapter>().set_error(e.to_string().into()),
    }
}
