//! The Slint glue: one controller that owns the app state and drives the
//! screens through their adapter globals (one file per screen in this folder).
//!
//! The controller takes its token manager (and through it the keyring and the
//! data folder), its clock and its clipboard as injected values, so the
//! headless UI tests and the QA runner drive exactly the code the app runs.
//! Nothing under `ui/` decides anything: `.slint` files only show adapter
//! properties and call adapter callbacks.

mod about;
mod activation;
mod details;
mod done;
mod fonts;
mod link_problem;
mod name;
mod new_link;
mod passcode;
mod pin;
mod replace;
mod same_device;
mod tokens;
mod unlock;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use slint::ComponentHandle;
use zeroize::Zeroizing;

use crate::clock::Clock;
use crate::link::Enrollment;
use crate::tokens::{Tokens, Unlocked};

slint::include_modules!();

impl Screen {
    /// The screen's name in QA scripts (`expect-screen link-problem`) and
    /// messages.
    pub fn name(self) -> &'static str {
        match self {
            Screen::Tokens => "tokens",
            Screen::LinkProblem => "link-problem",
            Screen::SameDevice => "same-device",
            Screen::Name => "name",
            Screen::Pin => "pin",
            Screen::Replace => "replace",
            Screen::Done => "done",
            Screen::Unlock => "unlock",
            Screen::Passcode => "passcode",
            Screen::About => "about",
            Screen::NewLink => "new-link",
            Screen::Activation => "activation",
            Screen::Details => "details",
        }
    }

    /// The screen a QA script names.
    pub fn from_name(name: &str) -> Option<Screen> {
        use strum::VariantArray;
        Screen::VARIANTS.iter().copied().find(|s| s.name() == name)
    }

    /// Every screen's name, in the order of `ui/app.slint`.
    pub fn names() -> Vec<&'static str> {
        use strum::VariantArray;
        Screen::VARIANTS.iter().map(|s| s.name()).collect()
    }
}

impl std::fmt::Display for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Seconds without interaction before an open passcode locks itself.
pub const AUTO_LOCK_SECONDS: u64 = 120;
/// Seconds after which a copied code is cleared from the clipboard (if still there).
pub const CLIPBOARD_CLEAR_SECONDS: u64 = 30;

/// The system clipboard, injected so tests can read it.
pub trait Clipboard {
    fn set(&self, text: &str) -> Result<(), String>;
    fn get(&self) -> Option<String>;
    fn clear(&self);
}

/// An in-memory clipboard for tests and the QA runner.
#[derive(Clone, Default)]
pub struct MemoryClipboard(pub Arc<Mutex<Option<String>>>);

impl Clipboard for MemoryClipboard {
    fn set(&self, text: &str) -> Result<(), String> {
        *self.0.lock().map_err(|e| e.to_string())? = Some(text.to_string());
        Ok(())
    }
    fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|c| c.clone())
    }
    fn clear(&self) {
        if let Ok(mut c) = self.0.lock() {
            *c = None;
        }
    }
}

/// The desktop clipboard (arboard); opened on first use.
#[derive(Default)]
pub struct SystemClipboard(RefCell<Option<arboard::Clipboard>>);

impl SystemClipboard {
    fn with<T>(&self, f: impl FnOnce(&mut arboard::Clipboard) -> Result<T, arboard::Error>) -> Result<T, String> {
        let mut slot = self.0.borrow_mut();
        if slot.is_none() {
            *slot = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        match slot.as_mut() {
            Some(c) => f(c).map_err(|e| e.to_string()),
            None => Err("no clipboard".into()),
        }
    }
}

impl Clipboard for SystemClipboard {
    fn set(&self, text: &str) -> Result<(), String> {
        // Marked so that clipboard managers keep the code out of their history.
        #[cfg(target_os = "macos")]
        use arboard::SetExtApple;
        #[cfg(any(
            target_os = "linux",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd"
        ))]
        use arboard::SetExtLinux;
        #[cfg(target_os = "windows")]
        use arboard::SetExtWindows;
        self.with(|c| c.set().exclude_from_history().text(text.to_string()))
    }
    fn get(&self) -> Option<String> {
        self.with(|c| c.get_text()).ok()
    }
    fn clear(&self) {
        let _ = self.with(|c| c.clear());
    }
}

/// The passcode on screen, digits only (QA's `server verify`).
pub fn passcode_on_screen(c: &Controller) -> String {
    passcode::current_code(c)
}

/// What a PIN field keeps of its text: the first four digits.
pub fn clean_pin_input(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_digit)
        .take(crate::pin::PIN_LENGTH)
        .collect()
}

/// A callback that records the interaction (for auto-lock) and runs `f` on the
/// controller while it is alive (callbacks hold a weak reference, so the
/// window does not keep itself alive).
pub(crate) fn on(c: &Rc<Controller>, f: impl Fn(&Controller) + 'static) -> impl Fn() + 'static {
    let weak = Rc::downgrade(c);
    move || {
        if let Some(c) = weak.upgrade() {
            c.touch();
            f(&c);
        }
    }
}

/// What the app is in the middle of.
#[derive(Default)]
pub(crate) struct State {
    /// The link being enrolled (kept for the QR code), and its parsed form.
    link_text: Option<Zeroizing<String>>,
    pending: Option<Enrollment>,
    replace_confirmed: bool,
    /// The token chosen on the list.
    selected: Option<String>,
    unlocked: Option<Unlocked>,
    hotp_code: Option<Zeroizing<String>>,
    last_activity: u64,
    copied: Option<(Zeroizing<String>, u64)>,
    /// When the token list next changes by itself (a syncing token becomes ready).
    list_changes_at: Option<u64>,
    /// Until when the unlock screen counts down a back-off wait.
    unlock_wait_until: Option<u64>,
    /// A link handed over from outside that waits for the user's say, and
    /// the screen it interrupted.
    incoming: Option<Zeroizing<String>>,
    return_to: Option<Screen>,
    /// A softtoken://activate link being enrolled, and once the issuer
    /// answered, the agreed activation (sealed and confirmed on Continue).
    online: Option<crate::link::OnlineLink>,
    /// The issuer host is new to this device (the name screen cautions).
    first_seen: bool,
    activated: Option<Arc<crate::online::Activated>>,
    /// Seconds the open token's issuer is ahead of this device's clock, when
    /// its clock check found them more than 15 s apart.
    clock_check: Option<crate::online::ClockCheck>,
}

/// Where work that may block (the network) runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Runner {
    /// On the calling thread, at once: tests and QA scripts, which need
    /// each step finished before the next.
    Inline,
    /// On a thread of its own, the answer handed back through the event loop.
    Threads,
}

type JobDone = Box<dyn FnOnce(&Controller, Box<dyn std::any::Any + Send>)>;

/// The app: window, state and services.
pub struct Controller {
    pub window: AppWindow,
    pub(crate) tokens: Tokens,
    pub(crate) clipboard: Box<dyn Clipboard>,
    pub(crate) state: RefCell<State>,
    clock: Arc<dyn Clock>,
    startup_error: RefCell<Option<String>>,
    /// Called when the app may need ticks again (see [`Controller::next_tick_in`]).
    waker: RefCell<Option<Box<dyn Fn()>>>,
    network: RefCell<Arc<dyn crate::online::Network>>,
    /// Whether the system keeps the clock in step (the clock check).
    time_sync: RefCell<Arc<dyn crate::clock::TimeSync>>,
    runner: std::cell::Cell<Runner>,
    /// Background work in flight, by id; a cancelled job is removed, so its
    /// answer finds nothing to call.
    jobs: RefCell<std::collections::HashMap<u64, JobDone>>,
    next_job: std::cell::Cell<u64>,
    /// The administrator's issuer policy; read from its file at each link
    /// unless a test put one in.
    policy: RefCell<Option<crate::trust::Policy>>,
}

impl Controller {
    /// Builds the window and wires every screen. A problem found after start
    /// (no keyring) is shown on the token list through [`Controller::set_startup_error`].
    pub fn new(
        tokens: Tokens,
        clock: Arc<dyn Clock>,
        clipboard: Box<dyn Clipboard>,
    ) -> Result<Rc<Controller>, slint::PlatformError> {
        fonts::install();
        let window = AppWindow::new()?;
        let c = Rc::new(Controller {
            window,
            tokens,
            clipboard,
            state: RefCell::new(State::default()),
            clock,
            startup_error: RefCell::new(None),
            waker: RefCell::new(None),
            network: RefCell::new(Arc::new(crate::online::HttpNetwork::default())),
            time_sync: RefCell::new(Arc::new(crate::clock::SystemTimeSync::default())),
            runner: std::cell::Cell::new(Runner::Inline),
            jobs: RefCell::new(Default::default()),
            next_job: std::cell::Cell::new(1),
            policy: RefCell::new(None),
        });
        APP.with(|a| *a.borrow_mut() = Rc::downgrade(&c));
        tokens::wire(&c);
        link_problem::wire(&c);
        same_device::wire(&c);
        name::wire(&c);
        pin::wire(&c);
        replace::wire(&c);
        done::wire(&c);
        unlock::wire(&c);
        passcode::wire(&c);
        about::wire(&c);
        new_link::wire(&c);
        activation::wire(&c);
        details::wire(&c);
        c.window.global::<PinRules>().on_clean(|t| clean_pin_input(&t).into());
        c.window.global::<Nav>().on_escape(on(&c, |c| c.escape()));
        c.window.global::<Nav>().on_activity(on(&c, |c| c.touch()));
        c.show_tokens();
        Ok(c)
    }

    /// The network the activation uses (tests put their own in).
    pub fn set_network(&self, net: Arc<dyn crate::online::Network>) {
        *self.network.borrow_mut() = net;
    }

    pub(crate) fn network(&self) -> Arc<dyn crate::online::Network> {
        self.network.borrow().clone()
    }

    /// Uses `policy` instead of the system's policy file (tests).
    pub fn set_policy(&self, policy: crate::trust::Policy) {
        *self.policy.borrow_mut() = Some(policy);
    }

    pub(crate) fn policy(&self) -> Result<crate::trust::Policy, crate::trust::PolicyError> {
        match self.policy.borrow().clone() {
            Some(p) => Ok(p),
            None => crate::trust::Policy::load(),
        }
    }

    /// Replaces the system's time-sync answer (tests, the QA runner).
    pub fn set_time_sync(&self, sync: Arc<dyn crate::clock::TimeSync>) {
        *self.time_sync.borrow_mut() = sync;
    }

    pub(crate) fn time_sync(&self) -> Arc<dyn crate::clock::TimeSync> {
        self.time_sync.borrow().clone()
    }

    /// The network for the clock check: a short time-out in the app.
    pub(crate) fn clock_network(&self) -> Arc<dyn crate::online::Network> {
        match self.runner.get() {
            Runner::Threads => Arc::new(crate::online::HttpNetwork::with_timeout(
                crate::online::CLOCK_CHECK_TIMEOUT,
            )),
            Runner::Inline => self.network(),
        }
    }

    /// Runs network work on threads of its own, so the window never freezes
    /// (the app does this; tests and QA scripts run it inline, step by step).
    pub fn use_threads(&self) {
        self.runner.set(Runner::Threads);
    }

    /// Runs `work` (off the UI thread when [`Controller::use_threads`] was
    /// called), then `done` with its result on the UI thread, unless
    /// [`Controller::cancel_background`] came first.
    pub(crate) fn background<R: Send + 'static>(
        &self,
        work: impl FnOnce() -> R + Send + 'static,
        done: impl FnOnce(&Controller, R) + 'static,
    ) {
        let id = self.next_job.get();
        self.next_job.set(id + 1);
        let done: JobDone = Box::new(move |c, any| {
            if let Ok(r) = any.downcast::<R>() {
                done(c, *r)
            }
        });
        self.jobs.borrow_mut().insert(id, done);
        match self.runner.get() {
            Runner::Inline => self.finish_job(id, Box::new(work())),
            Runner::Threads => {
                std::thread::spawn(move || {
                    let result: Box<dyn std::any::Any + Send> = Box::new(work());
                    let _ = slint::invoke_from_event_loop(move || {
                        if let Some(c) = APP.with(|a| a.borrow().upgrade()) {
                            c.finish_job(id, result);
                        }
                    });
                });
            }
        }
    }

    fn finish_job(&self, id: u64, result: Box<dyn std::any::Any + Send>) {
        let done = self.jobs.borrow_mut().remove(&id);
        if let Some(done) = done {
            done(self, result);
        }
        self.wake();
    }

    /// Forgets the background work in flight: its answers are dropped.
    pub(crate) fn cancel_background(&self) {
        self.jobs.borrow_mut().clear();
    }

    /// Reports a problem found after start (such as no keyring) on the token list.
    pub fn set_startup_error(&self, error: Option<String>) {
        *self.startup_error.borrow_mut() = error;
        if self.screen() == Screen::Tokens {
            tokens::refresh(self);
        }
    }

    pub(crate) fn startup_error(&self) -> Option<String> {
        self.startup_error.borrow().clone()
    }

    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The screen on show.
    pub fn screen(&self) -> Screen {
        self.window.global::<Nav>().get_screen()
    }

    pub(crate) fn go(&self, screen: Screen) {
        self.window.global::<Nav>().set_screen(screen);
        self.wake();
    }

    /// Sets what to call when ticks may be needed again (the app's timer).
    pub fn set_waker(&self, f: impl Fn() + 'static) {
        *self.waker.borrow_mut() = Some(Box::new(f));
    }

    pub(crate) fn wake(&self) {
        if let Some(f) = self.waker.borrow().as_ref() {
            f();
        }
    }

    /// Seconds until the next [`Controller::tick`] has something to do, or
    /// `None` when nothing on show changes by itself (then the app's timer
    /// stops, and the app uses no CPU until the next input).
    pub fn next_tick_in(&self) -> Option<u64> {
        let now = self.now();
        let s = self.state.borrow();
        let screen = self.screen();
        let mut next: Option<u64> = None;
        let mut at = |secs: u64| next = Some(next.map_or(secs, |n: u64| n.min(secs)).max(1));
        if screen == Screen::Passcode || screen == Screen::Details {
            at(1);
        }
        if let Some((_, copied)) = &s.copied {
            at((copied + CLIPBOARD_CLEAR_SECONDS).saturating_sub(now));
        }
        if screen == Screen::Tokens {
            if let Some(t) = s.list_changes_at {
                at(t.saturating_sub(now));
            }
        }
        if screen == Screen::Unlock && s.unlock_wait_until.is_some() {
            at(1);
        }
        next
    }

    /// The token whose passcode is open, if any.
    pub fn shown_token(&self) -> Option<crate::tokens::TokenMeta> {
        self.state.borrow().unlocked.as_ref().map(|u| u.meta.clone())
    }

    /// Records user interaction (for auto-lock).
    pub fn touch(&self) {
        self.state.borrow_mut().last_activity = self.now();
    }

    /// Escape goes back one step.
    pub fn escape(&self) {
        match self.screen() {
            // Not while the token is being sealed and confirmed.
            Screen::Pin if self.window.global::<PinAdapter>().get_busy() => {}
            Screen::Pin => self.go(Screen::Name),
            Screen::Passcode => self.lock(),
            Screen::Details if self.window.global::<DetailsAdapter>().get_busy() => {}
            Screen::Details => passcode::resume(self),
            Screen::NewLink => new_link::keep(self),
            Screen::Tokens => {}
            _ => self.show_tokens(),
        }
    }

    /// Forgets any enrollment in progress and shows the list.
    pub fn show_tokens(&self) {
        self.cancel_background();
        {
            let mut s = self.state.borrow_mut();
            s.pending = None;
            s.link_text = None;
            s.replace_confirmed = false;
            s.online = None;
            s.activated = None;
        }
        tokens::refresh(self);
        self.go(Screen::Tokens);
    }

    /// Drops the open secret and returns to the list; a copied code still
    /// on the clipboard goes too.
    pub fn lock(&self) {
        {
            let mut s = self.state.borrow_mut();
            s.unlocked = None;
            s.hotp_code = None;
            s.clock_check = None;
        }
        self.clear_copied_code();
        self.show_tokens();
    }

    /// Clears the clipboard if it still holds the code SoftToken copied (never
    /// anything the user copied since), as on Lock and when the app quits.
    pub fn clear_copied_code(&self) {
        let Some((code, _)) = self.state.borrow_mut().copied.take() else {
            return;
        };
        if self.clipboard.get().as_deref() == Some(code.as_str()) {
            self.clipboard.clear();
        }
        self.window.global::<PasscodeAdapter>().set_notice("".into());
    }

    /// Opens an enrollment link typed or pasted into the app.
    pub fn open_link(&self, text: &str) {
        tokens::open_link(self, text);
    }

    /// Opens a link handed over from outside (the desktop, another
    /// `softtoken open`, a QA script's `open-link`). On the PIN or unlock
    /// screen it waits behind "Open the new link?"; an open passcode is
    /// locked first.
    pub fn open_external(&self, text: &str) {
        match self.screen() {
            Screen::Pin | Screen::Unlock | Screen::NewLink => new_link::ask(self, Zeroizing::new(text.to_string())),
            Screen::Passcode => {
                {
                    let mut s = self.state.borrow_mut();
                    s.unlocked = None;
                    s.hotp_code = None;
                }
                self.open_link(text);
            }
            _ => self.open_link(text),
        }
    }

    /// The one-second tick: passcode, auto-lock, clipboard clearing.
    pub fn tick(&self) {
        let now = self.now();
        let copy_expired = self
            .state
            .borrow()
            .copied
            .as_ref()
            .is_some_and(|(_, at)| now >= at + CLIPBOARD_CLEAR_SECONDS);
        if copy_expired {
            self.clear_copied_code();
        }
        let screen = self.screen();
        let (list_due, wait_running) = {
            let s = self.state.borrow();
            (
                s.list_changes_at.is_some_and(|t| now >= t),
                s.unlock_wait_until.is_some(),
            )
        };
        if screen == Screen::Tokens && list_due {
            tokens::refresh(self);
        }
        if screen == Screen::Unlock && wait_running {
            unlock::refresh_wait(self);
        }
        if screen == Screen::Passcode || screen == Screen::Details {
            // The details screen holds the open secret too.
            let idle = now.saturating_sub(self.state.borrow().last_activity);
            let busy = self.window.global::<DetailsAdapter>().get_busy();
            if idle >= AUTO_LOCK_SECONDS && !busy {
                self.lock();
                return;
            }
            if screen == Screen::Passcode {
                passcode::refresh(self);
            }
        }
    }
}

/// Requests from other processes (src/instance.rs), waiting for the event loop.
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
static REQUESTS: Mutex<Vec<crate::instance::Request>> = Mutex::new(Vec::new());

thread_local! {
    /// The UI thread's controller: for requests from other processes and
    /// for answers coming back from background work.
    static APP: RefCell<std::rc::Weak<Controller>> = const { RefCell::new(std::rc::Weak::new()) };
}

/// Carries out the requests that arrived over the session bus: to the front,
/// and a link opened as [`Controller::open_external`] does.
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn serve_requests() {
    use slint::winit_030::WinitWindowAccessor;
    let Some(c) = APP.with(|a| a.borrow().upgrade()) else {
        return; // The window is not up yet: run() serves them once it is.
    };
    let requests: Vec<_> = REQUESTS.lock().map(|mut q| q.drain(..).collect()).unwrap_or_default();
    for r in requests {
        c.window.window().with_winit_window(|w| {
            w.set_minimized(false);
            w.focus_window();
        });
        if let crate::instance::Request::Open(link) = r {
            c.open_external(&link);
        }
    }
}

/// Opens the app window on the token manager `app::run` made (the real
/// keyring, reached through `store` in the background, the data folder and
/// the system clock), and runs it until closed; `link` opens an enrollment
/// link at start. The window is
/// the session's only one: it claims SoftToken's name on the session bus
/// (while the window is being built), and when another window has it, that
/// one comes to the front instead and this process ends.
pub fn run(
    tokens: Tokens,
    store: Arc<crate::store::BackgroundStore>,
    clock: Arc<dyn Clock>,
    link: Option<String>,
) -> Result<(), String> {
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    let claim = std::thread::spawn(|| {
        crate::instance::claim(|request| {
            if let Ok(mut q) = REQUESTS.lock() {
                q.push(request);
            }
            // Before the event loop exists this fails, and run() serves the queue itself.
            let _ = slint::invoke_from_event_loop(serve_requests);
        })
    });
    let c = Controller::new(tokens, clock, Box::new(SystemClipboard::default()))
        .map_err(|e| format!("could not open a window: {e}"))?;
    c.use_threads();
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    let _bus = match claim.join() {
        Ok(crate::instance::Claim::AlreadyRunning) => {
            // Only reached with a link when there was no bus a moment ago; hand it over too.
            if let Some(link) = &link {
                crate::instance::hand_over(link, || Err(std::io::Error::other("no window")))
                    .map_err(|e| e.to_string())?;
            }
            return Ok(());
        }
        Ok(crate::instance::Claim::Serving(conn)) => Some(conn),
        Ok(crate::instance::Claim::NoBus(_)) | Err(_) => None,
    };
    if let Some(link) = link {
        c.open_link(&link);
    }
    // A missing or locked keyring is said on the list as soon as it is known.
    // This waits on its own thread, started only now: invoke_from_event_loop
    // needs the Slint platform, which exists once the window does.
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    serve_requests();
    std::thread::spawn(move || {
        if let Err(e) = store.ready() {
            let message = e.to_string();
            let _ = slint::invoke_from_event_loop(move || {
                if let Some(c) = APP.with(|a| a.borrow().upgrade()) {
                    c.set_startup_error(Some(message));
                }
            });
        }
    });
    c.touch();
    // One timer, armed only while something on show changes by itself.
    let timer = Rc::new(slint::Timer::default());
    let (wc, wt) = (Rc::downgrade(&c), Rc::downgrade(&timer));
    c.set_waker(move || {
        let (wc, wt) = (wc.clone(), wt.clone());
        // Deferred to the event loop: the waker runs in the middle of screen changes.
        slint::Timer::single_shot(std::time::Duration::ZERO, move || {
            if let (Some(c), Some(t)) = (wc.upgrade(), wt.upgrade()) {
                schedule(&c, &t);
            }
        });
    });
    schedule(&c, &timer);
    let result = c.window.run().map_err(|e| e.to_string());
    // A code copied and still on the clipboard does not outlive the app.
    c.clear_copied_code();
    result
}

/// Arms `timer` for the controller's next tick, or stops it.
fn schedule(c: &Rc<Controller>, timer: &Rc<slint::Timer>) {
    match c.next_tick_in() {
        None => timer.stop(),
        Some(secs) => {
            let (wc, wt) = (Rc::downgrade(c), Rc::downgrade(timer));
            timer.start(
                slint::TimerMode::SingleShot,
                std::time::Duration::from_secs(secs),
                move || {
                    if let (Some(c), Some(t)) = (wc.upgrade(), wt.upgrade()) {
                        c.tick();
                        schedule(&c, &t);
                    }
                },
            );
        }
    }
}
