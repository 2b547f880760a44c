//! Plays a parsed `.qa` script on the real controllers and screens.
//!
//! The app runs on Slint's testing backend with the software renderer (so
//! screenshots are real pixels) and mock time; each script gets a fresh
//! temporary data folder, an in-memory keyring and a manual clock, so it can
//! never touch the user's tokens. Controls are found by their accessible
//! labels only, exactly as a screen reader would find them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use slint::platform::{Key as SlintKey, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, PhysicalSize, SharedString};

mod steps;

use super::script::{Direction, Key, Line, Script};
use crate::clock::ManualClock;
use crate::device::DeviceId;
use crate::link::{Enrollment, OtpKind};
use crate::store::{KeyringStore, SecretStore};
use crate::tokens::Tokens;
use crate::ui::{Controller, MemoryClipboard};
use crate::vault::KdfParams;

/// The clock a script starts at unless it says `set-time`: 2026-01-05T09:00:00Z.
pub const START_TIME: u64 = 1_767_603_600;
/// The window a script starts with (logical pixels).
pub const START_SIZE: (u32, u32) = (400, 720);
/// The machine ID the simulated device's ID is derived from.
const QA_MACHINE: &str = "softtoken-qa-runner";

/// Installs the headless platform (once per process).
pub fn init_platform() -> Result<(), String> {
    thread_local! { static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) }; }
    if DONE.with(|d| d.get()) {
        return Ok(());
    }
    let backend = i_slint_backend_testing::TestingBackend::new(i_slint_backend_testing::TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend))
        .map_err(|e| format!("the headless UI platform could not be installed: {e}"))?;
    DONE.with(|d| d.set(true));
    Ok(())
}

/// Why a step failed.
#[derive(Debug)]
pub struct StepFailure {
    pub line: usize,
    pub step: String,
    pub message: String,
    /// The screen name and visible texts at the time.
    pub on_screen: String,
    pub screenshot: Option<PathBuf>,
}

/// The outcome of one script.
#[derive(Debug)]
pub struct Outcome {
    pub steps_run: usize,
    pub failure: Option<StepFailure>,
    pub screenshots: Vec<PathBuf>,
}

/// One script's app and simulated world.
struct Session {
    c: Rc<Controller>,
    clock: ManualClock,
    store: Arc<dyn SecretStore>,
    dir: tempfile::TempDir,
    clipboard: MemoryClipboard,
    size: (u32, u32),
    scale: f32,
    dark: bool,
    /// The last link opened or pasted, and per issuer/account the link whose
    /// enrollment reached the done screen.
    last_link: Option<Enrollment>,
    enrolled: HashMap<(String, String), Enrollment>,
    /// `server …` steps: the server, and the variables they set ($LINK, $CODE).
    server: Option<super::server::QaServer>,
    vars: HashMap<String, String>,
}

impl Session {
    fn new() -> Result<Session, String> {
        let dir = tempfile::Builder::new()
            .prefix("softtoken-qa-")
            .tempdir()
            .map_err(|e| format!("could not make a temporary data folder: {e}"))?;
        let clock = ManualClock::new(START_TIME);
        let store: Arc<dyn SecretStore> = Arc::new(KeyringStore::mock());
        let clipboard = MemoryClipboard::default();
        let c = build(
            &store,
            dir.path(),
            DeviceId::from_machine_id(QA_MACHINE),
            &clock,
            &clipboard,
        )?;
        let s = Session {
            c,
            clock,
            store,
            dir,
            clipboard,
            size: START_SIZE,
            scale: 1.0,
            dark: false,
            last_link: None,
            enrolled: HashMap::new(),
            server: None,
            vars: HashMap::new(),
        };
        s.apply_window();
        Ok(s)
    }

    fn apply_window(&self) {
        let w = self.c.window.window();
        w.dispatch_event(WindowEvent::ScaleFactorChanged {
            scale_factor: self.scale,
        });
        // In physical pixels, so the logical size stays what the script asked for.
        w.set_size(PhysicalSize::new(
            (self.size.0 as f32 * self.scale).round() as u32,
            (self.size.1 as f32 * self.scale).round() as u32,
        ));
        self.c.window.invoke_set_dark(self.dark);
        let _ = self.c.window.show();
    }

    /// Every visible element.
    fn elements(&self) -> Vec<ElementHandle> {
        ElementQuery::from_root(&self.c.window).match_descendants().find_all()
    }

    /// The texts a person sees (and a screen reader reads).
    fn texts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.elements() {
            for t in [e.accessible_label(), e.accessible_value()].into_iter().flatten() {
                let t = t.to_string();
                if !t.trim().is_empty() && !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        out
    }

    fn on_screen(&self) -> String {
        let texts: Vec<String> = self
            .texts()
            .into_iter()
            .filter(|t| !looks_secret(t))
            .map(|t| format!("\"{t}\""))
            .collect();
        format!("screen {} showing {}", self.c.screen(), texts.join(", "))
    }

    /// The one visible control labelled `label`.
    fn control(&self, label: &str) -> Result<ElementHandle, String> {
        let found: Vec<ElementHandle> = self
            .elements()
            .into_iter()
            .filter(|e| e.accessible_label().is_some_and(|l| l == label))
            .filter(is_control)
            .collect();
        // A widget shows up once per element of its inheritance chain (the
        // Button, its base, its touch area…): one control per place on screen.
        let mut found = found;
        found.dedup_by(|a, b| same_place(a, b));
        match found.len() {
            0 => Err(format!("no control labelled \"{label}\" on screen {}", self.c.screen())),
            1 => Ok(found.into_iter().next().unwrap_or_else(|| unreachable!())),
            n => Err(format!(
                "{n} controls are labelled \"{label}\"; labels must be unique on a screen"
            )),
        }
    }

    fn inside_window(&self, e: &ElementHandle) -> bool {
        let p = e.absolute_position();
        let s = e.size();
        let eps = 0.5;
        s.width > 0.0
            && s.height > 0.0
            && p.x >= -eps
            && p.y >= -eps
            && p.x + s.width <= self.size.0 as f32 + eps
            && p.y + s.height <= self.size.1 as f32 + eps
    }

    fn press(&self, key: Key) {
        let text: SharedString = match key {
            Key::Enter => SlintKey::Return.into(),
            Key::Escape => SlintKey::Escape.into(),
            Key::Tab => SlintKey::Tab.into(),
        };
        let w = self.c.window.window();
        w.dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        w.dispatch_event(WindowEvent::KeyReleased { text });
    }

    /// Turns the mouse wheel over the window's centre by three quarters of
    /// the window's height. Fails when nothing on screen moved: no list under
    /// the centre, or the list is already at that end.
    fn scroll(&self, d: Direction) -> Result<(), String> {
        let places = || -> Vec<(String, f32, f32)> {
            self.elements()
                .into_iter()
                .filter_map(|e| {
                    let p = e.absolute_position();
                    e.accessible_label().map(|l| (l.to_string(), p.x, p.y))
                })
                .collect()
        };
        let before = places();
        let (width, height) = (self.size.0 as f32, self.size.1 as f32);
        let centre = LogicalPosition::new(width / 2.0, height / 2.0);
        let (delta_y, end) = match d {
            Direction::Down => (-0.75 * height, "end"),
            Direction::Up => (0.75 * height, "start"),
        };
        let w = self.c.window.window();
        w.dispatch_event(WindowEvent::PointerMoved { position: centre });
        w.dispatch_event(WindowEvent::PointerScrolled {
            position: centre,
            delta_x: 0.0,
            delta_y,
        });
        if places() == before {
            return Err(format!(
                "nothing moved (no list under the window's centre, or it is already at its {end})"
            ));
        }
        Ok(())
    }

    /// One simulated second: the clock, Slint's animations, the app's tick.
    fn second(&self) {
        self.clock.advance(1);
        i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_secs(1));
        self.c.tick();
    }

    fn snapshot(&self, path: &Path) -> Result<(), String> {
        let buf = self
            .c
            .window
            .window()
            .take_snapshot()
            .map_err(|e| format!("could not render the window: {e}"))?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("could not create {}: {e}", parent.display()))?;
        }
        let file = std::fs::File::create(path).map_err(|e| format!("could not create {}: {e}", path.display()))?;
        let mut enc = png::Encoder::new(std::io::BufWriter::new(file), buf.width(), buf.height());
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()
            .and_then(|mut w| w.write_image_data(buf.as_bytes()))
            .map_err(|e| format!("could not write {}: {e}", path.display()))
    }

    /// The code on screen, read from the passcode's accessible label.
    fn code_on_screen(&self) -> Result<String, String> {
        let label = self
            .texts()
            .into_iter()
            .find(|t| t.starts_with("Passcode "))
            .ok_or_else(|| format!("no passcode on screen {}", self.c.screen()))?;
        Ok(label["Passcode ".len()..]
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect())
    }

    /// The RFC computation for the token on screen at the runner's clock.
    fn expected_code(&self) -> Result<String, String> {
        let meta = self.c.shown_token().ok_or_else(|| "no token is unlocked".to_string())?;
        let e = self
            .enrolled
            .get(&(meta.issuer.clone(), meta.account.clone()))
            .ok_or_else(|| {
                format!(
                    "the script did not enroll a token for {} / {} (expect-code needs its link's secret)",
                    meta.issuer, meta.account
                )
            })?;
        let now = crate::clock::Clock::now(&self.clock);
        match meta.kind {
            OtpKind::Totp { period } => crate::otp::totp(&e.secret, e.format, period, now).map_err(|e| e.to_string()),
            OtpKind::Hotp { counter } => {
                // `counter` is the next one; the code on screen used the one before.
                let OtpKind::Hotp { counter: first } = e.kind else {
                    return Err("the token is counter-based but its link was time-based".into());
                };
                let shown = counter
                    .checked_sub(1)
                    .filter(|c| *c >= first)
                    .ok_or_else(|| format!("the HOTP counter {counter} is before the link's {first}"))?;
                crate::otp::hotp(&e.secret, e.format, shown).map_err(|e| e.to_string())
            }
        }
    }
}

/// Buttons (token rows included), text fields and checkboxes: what a script
/// clicks or fills, and what must have an accessible label.
fn is_control(e: &ElementHandle) -> bool {
    matches!(
        e.accessible_role(),
        Some(AccessibleRole::Button | AccessibleRole::TextInput | AccessibleRole::Checkbox)
    )
}

fn same_place(a: &ElementHandle, b: &ElementHandle) -> bool {
    a.absolute_position() == b.absolute_position() && a.size() == b.size()
}

/// Texts that could hold a secret or a link with one are not echoed in reports.
fn looks_secret(t: &str) -> bool {
    t.contains("secret=") || t.starts_with("Passcode ")
}

fn build(
    store: &Arc<dyn SecretStore>,
    dir: &Path,
    device: DeviceId,
    clock: &ManualClock,
    clipboard: &MemoryClipboard,
) -> Result<Rc<Controller>, String> {
    let tokens =
        Tokens::new(store.clone(), dir.to_path_buf(), device, Arc::new(clock.clone())).with_kdf(KdfParams::TEST);
    let c = Controller::new(tokens, Arc::new(clock.clone()), Box::new(clipboard.clone()))
        .map_err(|e| format!("could not create the window: {e}"))?;
    // Scripts run the same on every machine: no administrator policy file,
    // and no answer from the system about its clock's sync.
    c.set_policy(Default::default());
    c.set_time_sync(Arc::new(crate::clock::FixedTimeSync(None)));
    c.touch();
    Ok(c)
}

/// Plays `script`; screenshots (and a failure's screenshot) go under `shots`
/// or, without it, a failure's screenshot goes to a new private folder
/// (0700, random name) in the system temporary folder, where no other user
/// can read it or plant a link for it to be written through.
pub fn play(script: &Script, shots: Option<&Path>) -> Outcome {
    let mut taken = Vec::new();
    let mut session = match Session::new() {
        Ok(s) => s,
        Err(message) => {
            return Outcome {
                steps_run: 0,
                failure: Some(StepFailure {
                    line: script.lines.first().map(|l| l.number).unwrap_or(1),
                    step: String::new(),
                    message,
                    on_screen: String::new(),
                    screenshot: None,
                }),
                screenshots: taken,
            }
        }
    };
    for (
        i,
        Line {
            number,
            text,
            step,
            origin,
        },
    ) in script.lines.iter().enumerate()
    {
        let result = session
            .resolve(step)
            .and_then(|step| session.step(&step, shots, &script.name, &mut taken));
        if let Err(message) = result {
            let message = match origin {
                Some(at) => format!("{message} (in {at})"),
                None => message,
            };
            let dir = match shots {
                Some(dir) => Some(dir.to_path_buf()),
                None => private_temp_dir().ok().map(tempfile::TempDir::keep),
            };
            let screenshot = dir.and_then(|dir| {
                let path = dir.join(&script.name).join(format!("FAILED-line-{number}.png"));
                session.snapshot(&path).ok().map(|_| path)
            });
            return Outcome {
                steps_run: i,
                failure: Some(StepFailure {
                    line: *number,
                    step: redact(text),
                    message,
                    on_screen: session.on_screen(),
                    screenshot,
                }),
                screenshots: taken,
            };
        }
    }
    Outcome {
        steps_run: script.lines.len(),
        failure: None,
        screenshots: taken,
    }
}

/// A new folder with a random name in the system temporary folder, 0700.
fn private_temp_dir() -> std::io::Result<tempfile::TempDir> {
    let mut b = tempfile::Builder::new();
    b.prefix("softtoken-qa-");
    #[cfg(unix)]
    b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    b.tempdir()
}

/// A step's text for a report, with any link secret cut out.
pub fn redact(step: &str) -> String {
    match step.find("secret=") {
        Some(i) => {
            let rest = &step[i + 7..];
            let end = rest.find(['&', '"', '#']).unwrap_or(rest.len());
            format!("{}secret=…{}", &step[..i], &rest[end..])
        }
        None => step.to_string(),
    }
}
