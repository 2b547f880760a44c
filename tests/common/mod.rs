//! Shared set-up for the headless UI tests: the real token store on
//! keyring-core's mock keyring, in a temporary folder, at a manual clock,
//! with the fast test KDF parameters.

#[allow(dead_code)] // Only the app's online tests start a server.
pub mod server;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use softtoken::clock::ManualClock;
use softtoken::device::DeviceId;
use softtoken::store::KeyringStore;
use softtoken::tokens::Tokens;
use softtoken::vault::KdfParams;

#[allow(dead_code)] // Used by the UI tests, not by every binary that shares this module.
pub fn mock_tokens(dir: &Path, machine_id: &str, clock: &ManualClock) -> Tokens {
    Tokens::new(
        Arc::new(KeyringStore::mock()),
        dir.to_path_buf(),
        DeviceId::from_machine_id(machine_id),
        Arc::new(clock.clone()),
    )
    .with_kdf(KdfParams::TEST)
}

/// A random generator for a randomized test: the seed is printed (shown when
/// the test fails), and `SOFTTOKEN_TEST_SEED=N` replays that run.
#[allow(dead_code)] // Not every test binary that shares this module is randomized.
pub fn seeded_rng() -> (u64, rand::rngs::StdRng) {
    use rand::SeedableRng;
    let seed: u64 = std::env::var("SOFTTOKEN_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("seed {seed} (replay with SOFTTOKEN_TEST_SEED={seed})");
    (seed, rand::rngs::StdRng::seed_from_u64(seed))
}

/// A new, empty database on the throwaway PostgreSQL cluster that
/// scripts/test.sh starts (SOFTTOKEN_TEST_POSTGRES); returns its URL.
#[allow(dead_code)] // Only the server tests use PostgreSQL.
pub async fn fresh_postgres_db() -> String {
    let base = std::env::var("SOFTTOKEN_TEST_POSTGRES").expect("SOFTTOKEN_TEST_POSTGRES (scripts/test.sh sets it)");
    let name = format!("t_{}", softtoken::protocol::random_id(&mut rand::rngs::OsRng, 8));
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{base}/postgres"))
        .await
        .unwrap();
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    format!("{base}/{name}")
}

/// Runs the `softtoken` binary with its data folder `data`, `stdin` written
/// to it and `env` added to its environment, and waits for it.
#[allow(dead_code)] // Only the tests that drive the command line.
pub fn run_softtoken(data: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_softtoken"))
        .args(args)
        .env("XDG_DATA_HOME", data)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}
