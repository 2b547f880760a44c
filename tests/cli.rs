//! The `softtoken` binary as scripts use it (issues #2 and #3): output,
//! exit codes (2 invalid input, 1 refusal), no panics, no secret on stdout
//! or stderr, and the vault on the real Secret Service when the test command
//! has started one (SOFTTOKEN_REAL_KEYRING=1).

mod common;

use std::process::{Command, Output, Stdio};

const S: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn run_in(data: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    common::run_softtoken(data, args, stdin, &[])
}

fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), args, "")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn otp_calculator_prints_only_the_code() {
    let o = run(&["otp", "--secret", S, "--digits", "8", "--time", "59"]);
    assert_eq!((o.status.code(), out(&o).as_str()), (Some(0), "94287082\n"));
    let o = run(&["otp", "--secret", &S.to_lowercase(), "--counter", "9"]);
    assert_eq!(out(&o), "520489\n");
    let k256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
    let o = run(&[
        "otp",
        "--secret",
        k256,
        "--algorithm",
        "sha256",
        "--digits",
        "8",
        "--time",
        "1111111109",
    ]);
    assert_eq!(out(&o), "68084774\n");
}

#[test]
fn invalid_input_exits_2_with_a_message_and_never_panics() {
    for (args, needle) in [
        (vec!["otp", "--secret", "not base32!"], "base32"),
        (vec!["otp", "--secret", "GEZDGNBV"], "expected 16 to 64 bytes"),
        (vec!["otp", "--secret", S, "--digits", "9"], "expected 6, 7 or 8"),
        (vec!["otp", "--secret", S, "--period", "5"], "15 to 300"),
        (
            vec!["otp", "--secret", S, "--time", "1", "--counter", "1"],
            "cannot be used with",
        ),
        (vec!["otp", "--secret", S, "--time", "-1"], "unexpected argument"),
        (vec!["inspect", "https://example.com"], "not an enrollment link"),
        (
            vec!["inspect", "softtoken://enroll?type=soft&issuer=A&account=b&secret=AAAA"],
            "16 to 64 bytes",
        ),
        (vec!["frobnicate"], "unrecognized subcommand"),
        (vec!["inspect"], "required"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains(needle), "{args:?}: {}", err(&o));
        assert!(!err(&o).contains("panicked"), "{args:?}");
        assert!(out(&o).is_empty(), "{args:?}");
    }
}

#[test]
fn inspect_describes_without_the_secret() {
    let me = out(&run(&["device-id"])).trim().to_string();
    let link = format!(
        "softtoken://enroll?type=soft&issuer=Acme%20EHR&account=dr.who&secret={S}&digits=8&pdid=AAAA-BBBB-CCCC-DDDD,{me}&id=e1"
    );
    let o = run(&["inspect", &link]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    for line in [
        "type: soft (EPCS enrollment)",
        "issuer: Acme EHR",
        "account: dr.who",
        "algorithm: SHA1",
        "digits: 8",
        "period: 30 s",
        "prescribing devices: 2",
        "this device is a prescribing device: yes",
        "sync: 3600 s",
        "expires: never",
        "single use: yes",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert!(!text.contains(S) && !text.contains(&S.to_lowercase()));
    let hard = out(&run(&[
        "inspect",
        "softtoken://enroll?type=hard&issuer=Acme&account=dr&serial=FOB-123",
    ]));
    assert!(
        hard.contains("serial: FOB-123") && hard.contains("below the bar code"),
        "{hard}"
    );
}

#[test]
fn device_id_is_the_documented_function_of_the_machine_id() {
    // The machine ID the app reads (/etc/machine-id, else D-Bus's copy);
    // a machine without one cannot run this test, and says so.
    let mid = softtoken::device::os_machine_id().expect("this machine has no machine ID for the device ID");
    // Independent computation with coreutils: sha256sum, first 10 bytes, base32.
    let script =
        r#"printf 'SoftToken device ID v1\000%s' "$1" | sha256sum | cut -c1-20 | xxd -r -p | base32 | tr -d '=\n'"#;
    let o = Command::new("sh")
        .args(["-c", script, "sh", mid.trim()])
        .output()
        .unwrap();
    let expected = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        expected.len(),
        16,
        "shell pipeline failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let grouped: Vec<String> = expected
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    assert_eq!(out(&run(&["device-id"])).trim(), grouped.join("-"));
}

#[test]
fn without_a_keyring_nothing_is_written_and_the_reason_is_plain() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_softtoken"));
    let o = cmd
        .args([
            "enroll",
            &format!("softtoken://enroll?type=soft&issuer=A&account=b&secret={S}"),
            "--name",
            "W",
            "--pin-stdin",
        ])
        .env("XDG_DATA_HOME", dir.path())
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("No system keyring is available"), "{}", err(&o));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
}

/// The vault on a real gnome-keyring Secret Service (started by the README's
/// test command in a private D-Bus session).
#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn real_keyring_enroll_list_code_remove() {
    assert_eq!(
        std::env::var("SOFTTOKEN_REAL_KEYRING").as_deref(),
        Ok("1"),
        "run through scripts/test.sh, which starts a real Secret Service"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let link = format!("softtoken://enroll?type=soft&issuer=Acme&account=dr&secret={S}&sync=0&id=real-1");
    let o = run_in(d, &["enroll", &link, "--name", "Work", "--pin-stdin"], "2580\n");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = run_in(d, &["enroll", &link, "--name", "Again", "--pin-stdin"], "2580\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("already been used on this device"), "{}", err(&o));
    let list = out(&run_in(d, &["list"], ""));
    assert_eq!(list, "Work\tAcme\tdr\tactive\n");
    // The code matches the calculator at the same second (retry across a rollover).
    let mut matched = false;
    for _ in 0..3 {
        let o = run_in(d, &["code", "Work", "--pin-stdin"], "2580\n");
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert_eq!(out(&o).trim().len(), 6);
        let calc = out(&run(&["otp", "--secret", S]));
        if out(&o) == calc {
            matched = true;
            break;
        }
    }
    assert!(matched, "the stored token's code never matched the calculator");
    let o = run_in(d, &["code", "Work", "--pin-stdin"], "1111\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("Wrong PIN. 9 tries left"), "{}", err(&o));
    // Not four digits: refused before the keyring, and no try is spent.
    let o = run_in(d, &["code", "Work", "--pin-stdin"], "12\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("exactly four digits"), "{}", err(&o));
    let o = run_in(d, &["code", "Work", "--pin-stdin"], "1112\n");
    assert!(err(&o).contains("Wrong PIN. 8 tries left"), "{}", err(&o));
    let o = run_in(d, &["code", "Work", "--pin-stdin"], "2580\n");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = run_in(d, &["remove", "Work", "--yes"], "");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&run_in(d, &["list"], "")), "");
    let o = run_in(d, &["code", "Work", "--pin-stdin"], "2580\n");
    assert_eq!(o.status.code(), Some(2));
}
