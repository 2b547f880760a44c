//! The `softtoken` binary: everything happens in [`softtoken::app::run`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(softtoken::app::run(std::env::args_os()))
}
