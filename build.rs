//! Compiles the Slint UI. Debug info is kept (also in release) so that the
//! QA runner and the UI tests can find elements by their accessible labels.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(true)
        .with_style("fluent".into());
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("Slint compilation failed: {e}");
        std::process::exit(1);
    }
}
