//! Issue #12: the locked-token screen says its message once (it was shown in
//! red as the error and again in grey as the status). Its own test binary:
//! the Slint testing platform can be set up once per process.

mod common;

use std::sync::Arc;

use slint::ComponentHandle;
use softtoken::clock::ManualClock;
use softtoken::ui::{Controller, MemoryClipboard, NameAdapter, PinAdapter, TokensAdapter, UnlockAdapter};

const S: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const T0: u64 = 1_800_000_000;

#[test]
fn a_locked_token_says_so_once() {
    i_slint_backend_testing::init_integration_test_with_mock_time();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let tokens = common::mock_tokens(dir.path(), "ui-test", &clock);
    let c = Controller::new(tokens, Arc::new(clock.clone()), Box::new(MemoryClipboard::default())).unwrap();
    c.open_link(&format!(
        "softtoken://enroll?type=soft&issuer=A&account=b&secret={S}&sync=0"
    ));
    c.window.global::<NameAdapter>().invoke_activate();
    let p = c.window.global::<PinAdapter>();
    p.set_pin("2580".into());
    p.set_confirm("2580".into());
    p.invoke_continue();
    c.show_tokens();
    c.window.global::<TokensAdapter>().invoke_select(0);
    let unlock = c.window.global::<UnlockAdapter>();
    for _ in 0..10 {
        clock.advance(600);
        unlock.set_pin("1111".into());
        unlock.invoke_unlock();
    }
    assert!(unlock.get_locked());
    assert!(
        unlock.get_status().contains("locked after 10 wrong PINs"),
        "{}",
        unlock.get_status()
    );
    assert_eq!(unlock.get_error(), "", "the lockout is said once, on the status line");
}
