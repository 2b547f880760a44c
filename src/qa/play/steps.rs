//! What each step of a `.qa` script does to the session: fill, click,
//! press, the expectations, and the `server` steps.

use std::path::{Path, PathBuf};

use i_slint_backend_testing::AccessibleRole;
use slint::ComponentHandle;

use super::{build, is_control, Session};
use crate::link::{self, Link};
use crate::qa::script::{ClipboardExpectation, Scheme, ServerStep, Step};
use crate::ui::Clipboard;
use crate::ui::Screen;

impl Session {
    pub(super) fn remember_link(&mut self, text: &str) {
        if let Ok(Link::Soft(e)) = link::parse(text, crate::clock::Clock::now(&self.clock)) {
            self.last_link = Some(e);
        }
    }

    pub(super) fn step(
        &mut self,
        step: &Step,
        shots: Option<&Path>,
        script: &str,
        taken: &mut Vec<PathBuf>,
    ) -> Result<(), String> {
        let before = self.c.screen();
        match step {
            Step::OpenLink(l) => {
                self.remember_link(l);
                self.c.open_external(l);
            }
            Step::PasteLink(l) => {
                if self.c.screen() != Screen::Tokens {
                    return Err(format!(
                        "paste-link needs the token list on screen, not {}",
                        self.c.screen()
                    ));
                }
                self.remember_link(l);
                self.control("Enrollment link")?.set_accessible_value(l.as_str());
                self.click("Open")?;
            }
            Step::Fill(label, text) => {
                let e = self.control(label)?;
                if e.accessible_role() != Some(AccessibleRole::TextInput) {
                    return Err(format!("\"{label}\" is not a text field"));
                }
                if e.accessible_enabled() == Some(false) {
                    return Err(format!("\"{label}\" is disabled"));
                }
                e.set_accessible_value(text.as_str());
            }
            Step::Click(label) => self.click(label)?,
            Step::Press(k) => self.press(*k),
            Step::Scroll(d) => self.scroll(*d)?,
            Step::ExpectScreen(name) => {
                if self.c.screen() != *name {
                    return Err(format!("expected screen {name}, but {} is on screen", self.c.screen()));
                }
            }
            Step::ExpectText(t) => {
                if !self.texts().iter().any(|s| s.contains(t.as_str())) {
                    return Err(format!("no text containing \"{t}\" on screen"));
                }
            }
            Step::ExpectNoText(t) => {
                if let Some(s) = self.texts().iter().find(|s| s.contains(t.as_str())) {
                    return Err(format!("\"{t}\" is on screen (in \"{s}\")"));
                }
            }
            Step::ExpectEnabled(label) | Step::ExpectDisabled(label) => {
                let want = matches!(step, Step::ExpectEnabled(_));
                let enabled = self.control(label)?.accessible_enabled().unwrap_or(true);
                if enabled != want {
                    return Err(format!(
                        "\"{label}\" is {}",
                        if enabled { "enabled" } else { "disabled" }
                    ));
                }
            }
            Step::ExpectCode => {
                let shown = self.code_on_screen()?;
                let want = self.expected_code()?;
                if !crate::otp::codes_equal(&shown, &want) {
                    return Err(format!(
                        "the passcode on screen is not the RFC code for the token's secret at {}",
                        crate::clock::format_utc(crate::clock::Clock::now(&self.clock))
                    ));
                }
            }
            Step::ExpectClipboard(what) => {
                let now = self.clipboard.get();
                match what {
                    ClipboardExpectation::Empty => {
                        if now.is_some() {
                            return Err("the clipboard is not empty".into());
                        }
                    }
                    ClipboardExpectation::Code => {
                        let shown = self.code_on_screen()?;
                        if now.as_deref() != Some(shown.as_str()) {
                            return Err(if now.is_some() {
                                "the clipboard holds something other than the code on screen".into()
                            } else {
                                "the clipboard is empty".into()
                            });
                        }
                    }
                }
            }
            Step::ExpectNoClipping => {
                let outside: Vec<String> = self
                    .elements()
                    .into_iter()
                    .filter(|e| e.accessible_label().is_some_and(|l| !l.trim().is_empty()))
                    .filter(|e| !self.inside_window(e))
                    .filter_map(|e| e.accessible_label().map(|l| format!("\"{l}\"")))
                    .collect();
                if !outside.is_empty() {
                    return Err(format!(
                        "outside the {}x{} window: {}",
                        self.size.0,
                        self.size.1,
                        outside.join(", ")
                    ));
                }
            }
            Step::SetTime(t) => {
                self.clock.set(*t);
                self.c.tick();
            }
            Step::Advance(secs) => {
                for _ in 0..*secs {
                    self.second();
                }
            }
            Step::SetDeviceId(device) => {
                self.c = build(
                    &self.store,
                    self.dir.path(),
                    device.clone(),
                    &self.clock,
                    &self.clipboard,
                )?;
                self.apply_window();
            }
            Step::Window { width, height } => {
                self.size = (*width, *height);
                self.apply_window();
            }
            Step::Scale(f) => {
                self.scale = *f;
                self.apply_window();
            }
            Step::ColorScheme(s) => {
                self.dark = *s == Scheme::Dark;
                self.apply_window();
            }
            Step::Skew(secs) => {
                self.clock
                    .set(crate::clock::Clock::now(&self.clock).saturating_add_signed(*secs));
            }
            Step::TimeSync(answer) => self
                .c
                .set_time_sync(std::sync::Arc::new(crate::clock::FixedTimeSync(*answer))),
            Step::Server(s) => self.server_step(s)?,
            Step::Screenshot(name) => {
                if let Some(dir) = shots {
                    let path = dir.join(script).join(format!("{name}.png"));
                    self.snapshot(&path)?;
                    taken.push(path);
                } else {
                    // Rendered all the same, so a script fails the same way with or without --screenshots.
                    self.c
                        .window
                        .window()
                        .take_snapshot()
                        .map_err(|e| format!("could not render the window: {e}"))?;
                }
            }
        }
        self.check_labels()?;
        if before != Screen::Done && self.c.screen() == Screen::Done {
            if let Some(e) = self.last_link.clone() {
                self.enrolled.insert((e.issuer.clone(), e.account.clone()), e);
            }
        }
        Ok(())
    }

    /// Every script is an accessibility check: after each step, every
    /// button, field and checkbox on screen must have an accessible label.
    pub(super) fn check_labels(&self) -> Result<(), String> {
        let unlabelled: Vec<String> = self
            .elements()
            .into_iter()
            .filter(is_control)
            .filter(|e| e.accessible_label().is_none_or(|l| l.trim().is_empty()))
            .map(|e| {
                let p = e.absolute_position();
                let kind = match e.accessible_role() {
                    Some(AccessibleRole::Button) => "a button",
                    Some(AccessibleRole::TextInput) => "a text field",
                    Some(AccessibleRole::Checkbox) => "a checkbox",
                    _ => "a control",
                };
                format!("{kind} at ({}, {})", p.x, p.y)
            })
            .collect();
        let mut unlabelled = unlabelled;
        unlabelled.dedup();
        if unlabelled.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "controls without an accessible label on screen {}: {}",
                self.c.screen(),
                unlabelled.join(", ")
            ))
        }
    }

    pub(super) fn click(&self, label: &str) -> Result<(), String> {
        let e = self.control(label)?;
        if e.accessible_enabled() == Some(false) {
            return Err(format!("\"{label}\" is disabled"));
        }
        if !self.inside_window(&e) {
            return Err(format!("\"{label}\" is outside the visible window"));
        }
        e.invoke_accessible_default_action();
        Ok(())
    }

    pub(super) fn server_step(&mut self, step: &ServerStep) -> Result<(), String> {
        let running = |s: &Option<crate::qa::server::QaServer>| -> Result<(), String> {
            s.as_ref()
                .map(|_| ())
                .ok_or_else(|| "no server: use `server start` first".into())
        };
        match step {
            ServerStep::Start => {
                if self.server.is_some() {
                    return Err("the server is already running".into());
                }
                self.server = Some(crate::qa::server::QaServer::start(self.dir.path())?);
                // The server keeps real time; so does the app from here on.
                self.clock.set(crate::otp::unix_now().map_err(|e| e.to_string())?);
                self.c.tick();
            }
            ServerStep::Enroll {
                issuer,
                account,
                prescribing_devices,
            } => {
                running(&self.server)?;
                let server = self.server.as_ref().expect("checked");
                let (link, code) = server.enroll(issuer, account, prescribing_devices.as_deref())?;
                self.vars.insert("LINK".into(), link);
                self.vars.insert("CODE".into(), code);
            }
            ServerStep::Verify { account, expect } => {
                running(&self.server)?;
                if self.c.screen() != Screen::Passcode {
                    return Err(format!(
                        "server verify needs a passcode on screen, not {}",
                        self.c.screen()
                    ));
                }
                let code = crate::ui::passcode_on_screen(&self.c);
                let got = self.server.as_ref().expect("checked").verify(account, &code)?;
                if &got != expect {
                    return Err(format!("the server answered {got}, expected {expect}"));
                }
            }
            ServerStep::Revoke(account) => {
                running(&self.server)?;
                self.server.as_ref().expect("checked").revoke(account)?;
            }
            ServerStep::Advance(seconds) => {
                running(&self.server)?;
                self.server.as_mut().expect("checked").advance(*seconds)?;
            }
            ServerStep::Stop => {
                running(&self.server)?;
                // Offline, but the step names keep working: `server start`
                // again is refused, as the data is the session's.
                if let Some(s) = self.server.as_mut() {
                    s.stop();
                }
            }
        }
        Ok(())
    }

    /// `$LINK` and `$CODE` in a step's strings, as `server enroll` set them.
    pub(super) fn resolve(&self, step: &Step) -> Result<Step, String> {
        let fix = |t: &String| -> Result<String, String> {
            let mut out = t.clone();
            for name in crate::qa::script::RUNTIME_VARIABLES {
                for form in [format!("${{{name}}}"), format!("${name}")] {
                    if out.contains(&form) {
                        let value = self
                            .vars
                            .get(*name)
                            .ok_or_else(|| format!("${name} is not set yet: `server enroll` sets it"))?;
                        out = out.replace(&form, value);
                    }
                }
            }
            Ok(out)
        };
        Ok(match step {
            Step::OpenLink(l) => Step::OpenLink(fix(l)?),
            Step::PasteLink(l) => Step::PasteLink(fix(l)?),
            Step::Fill(a, b) => Step::Fill(fix(a)?, fix(b)?),
            Step::Click(l) => Step::Click(fix(l)?),
            Step::ExpectText(t) => Step::ExpectText(fix(t)?),
            Step::ExpectNoText(t) => Step::ExpectNoText(fix(t)?),
            other => other.clone(),
        })
    }
}
