//! Issue #12: the README's promises against a hostile local user, each attack
//! run against the `softtoken` binary on the real gnome-keyring Secret Service
//! that scripts/test.sh starts (these tests are ignored elsewhere; the script
//! runs them with --include-ignored).
//!
//! The clock of a guesser is moved with libfaketime (LD_PRELOAD), so a test
//! can reach the end of a back-off wait without waiting and without any clock
//! switch in SoftToken itself.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use softtoken::clock::{Clock, SystemClock};
use softtoken::device::DeviceId;
use softtoken::pin::Pin;
use softtoken::store::{self, ReadOnlyStore};
use softtoken::tokens::{TokenError, Tokens};
use softtoken::vault::Attempts;

const S: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RIGHT: &str = "2580";

/// A user's fresh data folder ($XDG_DATA_HOME) with one token "T" enrolled
/// through the binary with the real Argon2id parameters.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let home = Home {
            dir: tempfile::tempdir().unwrap(),
        };
        let link = format!("softtoken://enroll?type=soft&issuer=Acme&account=dr&secret={S}&sync=0");
        let o = home.run(
            &["enroll", "-", "--name", "T", "--pin-stdin"],
            &format!("{link}\n{RIGHT}\n"),
        );
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        home
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("softtoken")
    }

    fn command(&self, faketime: Option<&str>) -> Command {
        let mut c = match faketime {
            Some(offset) => {
                // Only the wall clock is faked: a faked monotonic clock once
                // left a keyring D-Bus call (zbus timers) waiting forever.
                // And bounded, so a hang fails this test instead of stalling
                // the suite.
                // libfaketime preloaded directly (softtoken::qa::libfaketime
                // says why not through the `faketime` wrapper).
                let lib = softtoken::qa::libfaketime().expect("libfaketime (scripts/test.sh installs faketime)");
                let mut c = Command::new("timeout");
                c.args(["60", env!("CARGO_BIN_EXE_softtoken")])
                    .env("LD_PRELOAD", lib)
                    .env("FAKETIME", offset)
                    .env("DONT_FAKE_MONOTONIC", "1");
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_softtoken")),
        };
        c.env("XDG_DATA_HOME", self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn spawn(&self, args: &[&str], stdin: &str, faketime: Option<&str>) -> Child {
        let mut child = self.command(faketime).args(args).spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.spawn(args, stdin, None).wait_with_output().unwrap()
    }

    /// The token manager of this home on the real keyring (for reading the count).
    fn tokens(&self) -> Tokens {
        Tokens::new(
            store::system_store().unwrap(),
            self.data(),
            DeviceId::from_os().unwrap(),
            Arc::new(SystemClock),
        )
    }

    fn attempts(&self) -> Attempts {
        let t = self.tokens();
        t.attempts(&t.get("T").unwrap()).unwrap()
    }
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Sixteen guessers at once, each with its own wrong PIN; returns their stderr.
fn sixteen_guessers(home: &Home, faketime: Option<&str>) -> Vec<String> {
    let children: Vec<Child> = (0..16)
        .map(|i| home.spawn(&["code", "T", "--pin-stdin"], &format!("{}\n", 1000 + i), faketime))
        .collect();
    children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(1), "{}", err(&o));
            err(&o)
        })
        .collect()
}

fn count(answers: &[String], needle: &str) -> usize {
    answers.iter().filter(|a| a.contains(needle)).count()
}

#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn sixteen_concurrent_wrong_pins_count_as_sixteen_tries_until_the_secret_is_erased() {
    let home = Home::new();
    let answers = sixteen_guessers(&home, None);
    assert_eq!(count(&answers, "Wrong PIN."), 5, "{answers:#?}");
    assert_eq!(count(&answers, "Too many wrong PINs: try again in"), 11, "{answers:#?}");
    assert_eq!(home.attempts().failures, 5);
    // After each wait (reached by moving the guessers' clock past it), sixteen
    // more at once get exactly one try between them.
    for failures in 6..=10u32 {
        let at = home.attempts();
        let ahead = at.not_before.saturating_sub(SystemClock.now()) + 2;
        let answers = sixteen_guessers(&home, Some(&format!("+{ahead}s")));
        let tried = if failures < 10 {
            "Wrong PIN."
        } else {
            "is locked after 10 wrong PINs"
        };
        assert_eq!(
            count(&answers, tried),
            if failures < 10 { 1 } else { 16 },
            "{answers:#?}"
        );
        if failures < 10 {
            assert_eq!(count(&answers, "Too many wrong PINs: try again in"), 15, "{answers:#?}");
        }
        assert_eq!(home.attempts().failures, failures);
    }
    let at = home.attempts();
    assert!(at.locked, "{at:?}");
    // Erased for good: the right PIN, at any time, gets nothing.
    for offset in [None, Some("+3d")] {
        let o = home.spawn(&["code", "T", "--pin-stdin"], &format!("{RIGHT}\n"), offset);
        let o = o.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(1));
        assert!(err(&o).contains("is locked after 10 wrong PINs"), "{}", err(&o));
        assert!(o.stdout.is_empty());
    }
    assert!(home.attempts().locked);
}

/// Whether the process has mapped Argon2id's 64 MiB working memory: one
/// anonymous read-write mapping of at least 64 MiB (malloc arenas and thread
/// stacks are far smaller as read-write mappings).
fn argon2_started(pid: u32) -> bool {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    maps.lines().any(|l| {
        let mut f = l.split_whitespace();
        let (Some(range), Some(perms)) = (f.next(), f.next()) else {
            return false;
        };
        let inode = f.nth(2).unwrap_or("1");
        let Some((a, b)) = range.split_once('-') else {
            return false;
        };
        let size = u64::from_str_radix(b, 16).unwrap_or(0) - u64::from_str_radix(a, 16).unwrap_or(0);
        perms.starts_with("rw") && inode == "0" && size >= 64 << 20
    })
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) on a child of ours.
    unsafe {
        libc::kill(pid as i32, sig);
    }
}

/// Waits until the guesser has mapped Argon2id's memory, then stops it.
fn stop_in_argon2(child: &Child) {
    let t = Instant::now();
    while !argon2_started(child.id()) {
        assert!(t.elapsed() < Duration::from_secs(20), "the guesser never ran Argon2id");
        std::thread::sleep(Duration::from_micros(300));
    }
    signal(child.id(), libc::SIGSTOP);
}

#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn a_guesser_stopped_mid_check_cannot_roll_the_count_back() {
    let home = Home::new();
    let stopped = home.spawn(&["code", "T", "--pin-stdin"], "1111\n", None);
    stop_in_argon2(&stopped);
    // Stopped after reading the record: its try is already in the keyring.
    assert_eq!(home.attempts().failures, 1);
    let others: Vec<Child> = ["2222", "3333", "4444"]
        .iter()
        .map(|p| home.spawn(&["code", "T", "--pin-stdin"], &format!("{p}\n"), None))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    signal(stopped.id(), libc::SIGCONT);
    let mut answers = vec![err(&stopped.wait_with_output().unwrap())];
    answers.extend(others.into_iter().map(|c| err(&c.wait_with_output().unwrap())));
    assert_eq!(count(&answers, "Wrong PIN."), 4, "{answers:#?}");
    assert_eq!(home.attempts().failures, 4);
}

#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn killing_guessers_at_random_moments_never_loses_a_try() {
    let (seed, mut rng) = common::seeded_rng();
    let home = Home::new();
    let tokens = home.tokens();
    let (mut ran, mut not_ran) = (0, 0);
    for round in 0..50 {
        let before = home.attempts().failures;
        let guesser = home.spawn(&["code", "T", "--pin-stdin"], "1111\n", None);
        let deadline = Instant::now() + Duration::from_micros(rng.gen_range(0..600_000));
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(200));
        }
        signal(guesser.id(), libc::SIGSTOP);
        let started = argon2_started(guesser.id());
        // While stopped: a guesser already inside Argon2id has paid for its try.
        let during = home.attempts().failures;
        signal(guesser.id(), libc::SIGKILL);
        let _ = guesser.wait_with_output();
        let after = home.attempts().failures;
        if started {
            ran += 1;
            assert_eq!(
                during,
                before + 1,
                "round {round} (seed {seed}): Argon2id ran before the try was recorded"
            );
        } else {
            not_ran += 1;
        }
        assert!(
            after >= before + u32::from(started),
            "round {round} (seed {seed}): {before} → {after}"
        );
        assert!(
            after <= before + 1,
            "round {round} (seed {seed}): one guesser, {before} → {after}"
        );
        if after >= 3 {
            // Reset with the right PIN (as the prescriber would) so the rounds never reach the back-off.
            tokens.unlock("T", &Pin::new(RIGHT.to_string())).unwrap();
            assert_eq!(home.attempts().failures, 0);
        }
    }
    eprintln!("killed {ran} guessers inside Argon2id and {not_ran} before it");
    assert!(
        ran >= 5 && not_ran >= 5,
        "the kill moments did not cover both sides: {ran} / {not_ran}"
    );
}

#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn a_keyring_that_refuses_writes_yields_no_code_for_the_right_pin() {
    let home = Home::new();
    let tokens = Tokens::new(
        // The real keyring for reading; every write refused.
        Arc::new(ReadOnlyStore(store::system_store().unwrap())),
        home.data(),
        DeviceId::from_os().unwrap(),
        Arc::new(SystemClock),
    );
    for p in [RIGHT, "1111"] {
        let e = tokens.code("T", &Pin::new(p.to_string())).unwrap_err();
        assert!(matches!(e, TokenError::NotRecorded(_)), "{e}");
        assert!(e.to_string().contains("did not check the PIN"), "{e}");
    }
    assert_eq!(home.attempts().failures, 0);
    let o = home.run(&["code", "T", "--pin-stdin"], &format!("{RIGHT}\n"));
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn input_that_is_not_four_digits_costs_no_try() {
    let home = Home::new();
    for bad in ["", "12", "12345", "12a4", " 258", "２５８０"] {
        let o = home.run(&["code", "T", "--pin-stdin"], &format!("{bad}\n"));
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", err(&o));
        assert!(err(&o).contains("exactly four digits"), "{bad:?}: {}", err(&o));
    }
    assert_eq!(home.attempts().failures, 0);
}

#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn a_clock_that_was_days_ahead_does_not_lock_the_token_for_days() {
    let home = Home::new();
    let ahead = Some("+10d");
    for p in ["1111", "2222", "3333", "4444", "5555"] {
        let o = home.spawn(&["code", "T", "--pin-stdin"], &format!("{p}\n"), ahead);
        assert!(err(&o.wait_with_output().unwrap()).contains("Wrong PIN."));
    }
    assert!(home.attempts().not_before > SystemClock.now() + 9 * 86_400);
    // Back at the real time: the wait is the 30 s that five failures allow.
    let o = home.run(&["code", "T", "--pin-stdin"], &format!("{RIGHT}\n"));
    assert!(err(&o).contains("Too many wrong PINs: try again in"), "{}", err(&o));
    let wait = home.attempts().not_before.saturating_sub(SystemClock.now());
    assert!((1..=30).contains(&wait), "{wait}");
    let o = home.spawn(&["code", "T", "--pin-stdin"], &format!("{RIGHT}\n"), Some("+31s"));
    let o = o.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn the_data_folder_is_private_and_planted_links_are_not_followed() {
    let home = Home::new();
    assert_eq!(mode(&home.data()), 0o700);
    assert_eq!(mode(&home.data().join("tokens.json")), 0o600);
    assert_eq!(mode(&home.data().join("tokens.lock")), 0o600);
    let names: Vec<String> = std::fs::read_dir(home.data())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files: {names:?}");

    // Another home where someone planted a link at the lock path.
    let planted = tempfile::tempdir().unwrap();
    let data = planted.path().join("softtoken");
    std::fs::create_dir(&data).unwrap();
    let victim = planted.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, data.join("tokens.lock")).unwrap();
    let link = format!("softtoken://enroll?type=soft&issuer=Acme&account=dr&secret={S}&sync=0");
    let o = Command::new(env!("CARGO_BIN_EXE_softtoken"))
        .args(["enroll", "-", "--name", "T", "--pin-stdin"])
        .env("XDG_DATA_HOME", planted.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(format!("{link}\n{RIGHT}\n").as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("tokens.lock is a symbolic link"), "{}", err(&o));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(!data.join("tokens.json").exists());
}

#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn a_name_with_a_bidi_override_is_refused() {
    let home = Home::new();
    let link = format!("softtoken://enroll?type=soft&issuer=Other&account=dr&secret={S}&sync=0");
    let o = home.run(
        &["enroll", "-", "--name", "Work\u{202E}kroW", "--pin-stdin"],
        &format!("{link}\n{RIGHT}\n"),
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("invisible or text-direction characters"),
        "{}",
        err(&o)
    );
    assert_eq!(
        String::from_utf8_lossy(&home.run(&["list"], "").stdout).lines().count(),
        1
    );
}
