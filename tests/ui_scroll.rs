//! Headless UI test (issue #4): a token list longer than the window scrolls.
//! The list is SoftToken's own `ScrollList` (a Flickable with a thin
//! indicator) since the std ScrollView was dropped to keep SVG decoding out
//! of the start-up; this guards that the replacement still reaches every row.
//! Its own file because the Slint testing backend is set up once per process.

mod common;

use std::sync::Arc;

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};
use softtoken::clock::ManualClock;
use softtoken::link::{self, Link};
use softtoken::pin::Pin;
use softtoken::tokens::EnrollRequest;
use softtoken::ui::{Controller, MemoryClipboard, Screen, UnlockAdapter};

const S: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const T0: u64 = 1_800_000_000;
const COUNT: usize = 14;

/// The row of token `n` if any of it is in view (the testing backend lists
/// only elements that are drawn; rows scrolled out of the list are not).
fn row(c: &Controller, n: usize) -> Option<ElementHandle> {
    let prefix = format!("Token Token {n:02},");
    let mut found: Vec<_> = ElementQuery::from_root(&c.window)
        .match_descendants()
        .find_all()
        .into_iter()
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .filter(|e| e.accessible_label().is_some_and(|l| l.starts_with(&prefix)))
        .collect();
    // An element shows up once per level of its inheritance chain: one per place.
    found.dedup_by(|a, b| a.absolute_position() == b.absolute_position() && a.size() == b.size());
    assert!(found.len() <= 1, "one row labelled {prefix}…");
    found.into_iter().next()
}

fn bottom(e: &ElementHandle) -> f32 {
    e.absolute_position().y + e.size().height
}

#[test]
fn a_long_token_list_scrolls_to_its_last_row() {
    i_slint_backend_testing::init_integration_test_with_mock_time();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let tokens = common::mock_tokens(dir.path(), "ui-scroll-test", &clock);
    for n in 1..=COUNT {
        let text = format!("softtoken://enroll?type=soft&issuer=Acme&account=dr{n}&secret={S}");
        let Link::Soft(enrollment) = link::parse(&text, T0).unwrap() else {
            panic!("soft link")
        };
        tokens
            .enroll(EnrollRequest {
                enrollment,
                name: format!("Token {n:02}"),
                pin: Pin::new("2580".to_string()),
                replace: false,
            })
            .unwrap();
    }
    let c = Controller::new(tokens, Arc::new(clock), Box::new(MemoryClipboard::default())).unwrap();
    assert_eq!(c.screen(), Screen::Tokens);
    c.window.show().unwrap();
    let window = c.window.window();
    let height = window.size().to_logical(window.scale_factor()).height;

    // The list ends where the paste field below it begins.
    let field = ElementHandle::find_by_accessible_label(&c.window, "Enrollment link")
        .next()
        .expect("paste field");
    let list_end = field.absolute_position().y;
    assert!(list_end < height);
    let first = row(&c, 1).expect("the first row is in view");
    let first_top = first.absolute_position().y;
    assert!(first_top >= 0.0 && bottom(&first) <= list_end);
    assert!(
        row(&c, COUNT).is_none(),
        "{COUNT} rows do not fit: the last one starts out of view"
    );

    // A mouse wheel over the list scrolls it until its end is reached, no further.
    let over_list = LogicalPosition::new(100.0, first_top + 10.0);
    window.dispatch_event(WindowEvent::PointerMoved { position: over_list });
    for _ in 0..20 {
        window.dispatch_event(WindowEvent::PointerScrolled {
            position: over_list,
            delta_x: 0.0,
            delta_y: -120.0,
        });
    }
    let last = row(&c, COUNT).expect("after scrolling, the last row is in view");
    let last_bottom = bottom(&last);
    assert!(
        last_bottom <= list_end,
        "the last row ends ({last_bottom} px) above the paste field ({list_end} px)"
    );
    assert!(
        list_end - last_bottom < 40.0,
        "scrolling stops at the end of the list, not beyond it"
    );
    assert!(row(&c, 1).is_none(), "the first row scrolled out of view");

    // The scrolled-to row still opens its token.
    let centre = LogicalPosition::new(100.0, last.absolute_position().y + last.size().height / 2.0);
    window.dispatch_event(WindowEvent::PointerPressed {
        position: centre,
        button: PointerEventButton::Left,
    });
    window.dispatch_event(WindowEvent::PointerReleased {
        position: centre,
        button: PointerEventButton::Left,
    });
    assert_eq!(c.screen(), Screen::Unlock);
    assert_eq!(
        c.window.global::<UnlockAdapter>().get_token_name(),
        format!("Token {COUNT:02}")
    );
}
