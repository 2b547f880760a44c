//! SoftToken's own fonts, built into the binary and registered through
//! Slint's public font API (`slint::fontique_011`).
//!
//! DejaVu Sans (regular, bold) and DejaVu Sans Mono become the generic
//! `sans-serif`, `system-ui`, `ui-sans-serif` and `monospace` families, so
//! every screen looks the same on every system, whatever the system's font
//! configuration picks (or when it has no fonts at all). Characters DejaVu
//! lacks (a token named in Devanagari or Chinese) still fall back to the
//! system's fonts. The license is in `ui/fonts/DejaVu-LICENSE.txt`.

use std::cell::Cell;
use std::sync::Arc;

use slint::fontique_011::fontique;

static SANS: &[u8] = include_bytes!("../../ui/fonts/DejaVuSans.ttf");
static SANS_BOLD: &[u8] = include_bytes!("../../ui/fonts/DejaVuSans-Bold.ttf");
static MONO: &[u8] = include_bytes!("../../ui/fonts/DejaVuSansMono.ttf");

thread_local! {
    // Slint keeps one font collection per thread's platform context (the app
    // has one; the headless tests have one per test thread).
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
}

/// Registers the built-in fonts with this thread's Slint font collection,
/// once. Call before the first window is created.
pub fn install() {
    if INSTALLED.with(Cell::get) {
        return;
    }
    INSTALLED.with(|i| i.set(true));
    let mut collection = slint::fontique_011::shared_collection();
    let mut register = |data: &'static [u8]| -> Vec<fontique::FamilyId> {
        let mut families = Vec::new();
        for (family, _) in collection.register_fonts(fontique::Blob::new(Arc::new(data)), None) {
            if !families.contains(&family) {
                families.push(family);
            }
        }
        families
    };
    let mut sans = register(SANS);
    for family in register(SANS_BOLD) {
        if !sans.contains(&family) {
            sans.push(family);
        }
    }
    let mono = register(MONO);
    for generic in [
        fontique::GenericFamily::SansSerif,
        fontique::GenericFamily::SystemUi,
        fontique::GenericFamily::UiSansSerif,
    ] {
        collection.set_generic_families(generic, sans.iter().copied());
    }
    collection.set_generic_families(fontique::GenericFamily::Monospace, mono.iter().copied());
}
