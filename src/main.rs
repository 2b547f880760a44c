//! The `softtoken` binary: everything happens in [`softtoken::cli::run`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(softtoken::cli::run(std::env::args_os()))
}
