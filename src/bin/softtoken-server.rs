//! `softtoken-server`: see `softtoken_server --help` and docs/PROTOCOL.md.
fn main() -> std::process::ExitCode {
    softtoken::server::cli::main()
}
