//! Compiles the Slint UI. Debug info is kept (also in release) so that the
//! QA runner and the UI tests can find elements by their accessible labels.
//!
//! Release builds for x86-64 Linux (linked by rust-lld) also pass the linker
//! `build/startup.order`: the functions that run from start to the first
//! window, placed next to each other so that start-up touches a few
//! contiguous pages of the binary's code instead of pages scattered over all
//! of it (docs/PERFORMANCE.md has the measurements).
//! `scripts/startup-order.sh` regenerates the list; names missing from the
//! binary are ignored, so a stale list only costs memory, never correctness.
//! They are also linked with packed relative relocations (RELR), see below.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(true)
        .with_style("fluent".into());
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("Slint compilation failed: {e}");
        std::process::exit(1);
    }

    println!("cargo:rerun-if-changed=build/startup.order");
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    let target = std::env::var("TARGET").unwrap_or_default();
    if release && target == "x86_64-unknown-linux-gnu" {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
        println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={dir}/build/startup.order");
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
        // RELR: the position-independent binary's relative relocations take a
        // small bitmap instead of a table the loader reads at every start
        // (glibc 2.36+, Debian 12 and later).
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
