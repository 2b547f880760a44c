//! Headless UI tests (issue #4, partial): the real controllers on the Slint
//! testing backend with keyring-core's mock store, a manual clock and an
//! in-memory clipboard.

mod common;

use std::sync::Arc;

use i_slint_backend_testing::ElementQuery;
use slint::ComponentHandle;
use softtoken::clock::ManualClock;
use softtoken::device::DeviceId;
use softtoken::ui::{
    Controller, MemoryClipboard, NameAdapter, PasscodeAdapter, PinAdapter, Screen, TokensAdapter, UnlockAdapter,
};

const S: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const T0: u64 = 1_800_000_000;

fn labels_of_interactive(c: &Controller) -> Vec<(String, bool)> {
    use i_slint_backend_testing::AccessibleRole as R;
    ElementQuery::from_root(&c.window)
        .match_descendants()
        .find_all()
        .into_iter()
        .filter(|e| matches!(e.accessible_role(), Some(R::Button | R::TextInput)))
        .map(|e| {
            let label = e.accessible_label().map(|l| l.to_string()).unwrap_or_default();
            let ok = !label.is_empty();
            (label, ok)
        })
        .collect()
}

#[test]
fn enrollment_unlock_passcode_copy_and_auto_lock() {
    i_slint_backend_testing::init_integration_test_with_mock_time();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let tokens = common::mock_tokens(dir.path(), "ui-test", &clock);
    let clipboard = MemoryClipboard::default();
    let c = Controller::new(tokens, Arc::new(clock.clone()), Box::new(clipboard.clone())).unwrap();
    assert_eq!(c.screen(), Screen::Tokens);
    let mut visited = vec![labels_of_interactive(&c)];

    // A bad link is explained.
    c.open_link("https://example.com");
    assert_eq!(c.screen(), Screen::LinkProblem);
    c.escape();
    // A hard-token link is explained.
    c.open_link("softtoken://enroll?type=hard&issuer=A&account=b");
    assert_eq!(c.screen(), Screen::LinkProblem);
    visited.push(labels_of_interactive(&c));
    c.escape();
    // This device listed as a prescribing device: the QR screen.
    let me = DeviceId::from_machine_id("ui-test");
    c.open_link(&format!(
        "softtoken://enroll?type=soft&issuer=A&account=b&secret={S}&pdid={me}"
    ));
    assert_eq!(c.screen(), Screen::SameDevice);
    visited.push(labels_of_interactive(&c));
    c.escape();

    // Paste a good link: name proposed from issuer and account.
    let link = format!("softtoken://enroll?type=soft&issuer=Acme%20EHR&account=dr.who&secret={S}&sync=600");
    c.window.global::<TokensAdapter>().set_paste_text(link.as_str().into());
    c.window.global::<TokensAdapter>().invoke_open_pasted();
    assert_eq!(c.screen(), Screen::Name);
    assert_eq!(c.window.global::<NameAdapter>().get_name(), "Acme EHR (dr.who)");
    visited.push(labels_of_interactive(&c));
    c.window.global::<NameAdapter>().invoke_activate();
    assert_eq!(c.screen(), Screen::Pin);
    visited.push(labels_of_interactive(&c));

    // Weak PIN and mismatch are explained inline.
    let pin = c.window.global::<PinAdapter>();
    pin.set_pin("1234".into());
    pin.set_confirm("1234".into());
    pin.invoke_continue();
    assert!(pin.get_error().contains("straight run"), "{}", pin.get_error());
    pin.set_pin("2580".into());
    pin.set_confirm("2581".into());
    pin.invoke_continue();
    assert!(pin.get_error().contains("do not match"));
    pin.set_confirm("2580".into());
    pin.invoke_continue();
    assert_eq!(c.screen(), Screen::Done);
    visited.push(labels_of_interactive(&c));
    c.escape();

    // The list shows it syncing; unlock with a wrong then right PIN.
    let rows = c.window.global::<TokensAdapter>().get_tokens();
    assert_eq!(slint::Model::row_count(&rows), 1);
    assert!(slint::Model::row_data(&rows, 0)
        .unwrap()
        .status
        .starts_with("syncing, ready at"));
    c.window.global::<TokensAdapter>().invoke_select(0);
    assert_eq!(c.screen(), Screen::Unlock);
    visited.push(labels_of_interactive(&c));
    let unlock = c.window.global::<UnlockAdapter>();
    unlock.set_pin("1111".into());
    unlock.invoke_unlock();
    assert_eq!(unlock.get_error(), "Wrong PIN.");
    assert_eq!(unlock.get_status(), "1 wrong PIN so far; 9 tries left.");
    unlock.set_pin("2580".into());
    unlock.invoke_unlock();
    assert_eq!(c.screen(), Screen::Passcode);
    visited.push(labels_of_interactive(&c));

    // The code on screen is the RFC computation at the clock's time.
    let secret = softtoken::link::decode_secret(S).unwrap();
    let expected = softtoken::otp::totp(&secret, Default::default(), 30, T0).unwrap();
    let pc = c.window.global::<PasscodeAdapter>();
    assert_eq!(pc.get_code().replace(' ', ""), expected);
    assert_eq!(pc.get_spoken().replace(' ', ""), expected);
    assert_eq!(pc.get_seconds_left(), 30 - (T0 % 30) as i32);
    assert!(pc.get_warning().contains("still syncing"));
    // Rollover at the period boundary.
    clock.advance(pc.get_seconds_left() as u64);
    c.tick();
    let next = softtoken::otp::totp(&secret, Default::default(), 30, clock_now(&clock)).unwrap();
    assert_eq!(pc.get_code().replace(' ', ""), next);
    // Copy, then the clipboard is cleared after 30 s.
    c.touch();
    pc.invoke_copy();
    assert_eq!(clipboard.0.lock().unwrap().as_deref(), Some(next.as_str()));
    clock.advance(30);
    c.touch();
    c.tick();
    assert_eq!(*clipboard.0.lock().unwrap(), None);
    // Auto-lock after two minutes without interaction.
    clock.advance(120);
    c.tick();
    assert_eq!(c.screen(), Screen::Tokens);

    // Issue #12: Lock takes a copied code off the clipboard, but never what
    // the user copied since.
    use softtoken::ui::Clipboard;
    for user_copied_since in [false, true] {
        c.window.global::<TokensAdapter>().invoke_select(0);
        unlock.set_pin("2580".into());
        unlock.invoke_unlock();
        assert_eq!(c.screen(), Screen::Passcode);
        pc.invoke_copy();
        assert!(clipboard.get().is_some());
        if user_copied_since {
            clipboard.set("the user's own text").unwrap();
        }
        c.lock();
        assert_eq!(c.screen(), Screen::Tokens);
        let expected = user_copied_since.then(|| "the user's own text".to_string());
        assert_eq!(clipboard.get(), expected);
    }

    // Every interactive element seen on every screen has a label.
    for screen in &visited {
        assert!(!screen.is_empty());
        for (label, ok) in screen {
            assert!(ok, "an interactive element has no accessible label (next to {label:?})");
        }
    }
}

fn clock_now(c: &ManualClock) -> u64 {
    softtoken::clock::Clock::now(c)
}
