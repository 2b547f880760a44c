//! Issue #5: the QA runner, driven through the shipped binary as QA teams use
//! it — every script in tests/qa passes, failures are reported with file,
//! line, step, what was on screen and a screenshot, syntax errors stop
//! everything before it runs, and the JUnit report says the same.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn softtoken(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_softtoken"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run softtoken")
}

fn scripts() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/qa"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "qa"))
        .collect();
    v.sort();
    v
}

/// A PNG's size and whether it has more than one colour.
fn png_facts(path: &Path) -> (u32, u32, bool) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    let first = &px[..4];
    let varied = px.chunks(4).any(|p| p != first);
    (info.width, info.height, varied)
}

#[test]
fn every_repo_script_passes_with_screenshots_and_junit() {
    let out = tempfile::tempdir().unwrap();
    let shots = out.path().join("shots");
    let junit = out.path().join("qa.xml");
    let files = scripts();
    assert!(files.len() >= 12, "{files:?}");
    let mut args = vec!["qa".to_string(), "run".into()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    args.extend([
        "--screenshots".into(),
        shots.display().to_string(),
        "--junit".into(),
        junit.display().to_string(),
    ]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = softtoken(&argv, Path::new(env!("CARGO_MANIFEST_DIR")));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains(&format!("{} scripts: {} passed, 0 failed", files.len(), files.len())),
        "{stdout}"
    );

    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), files.len(), "{xml}");
    assert!(xml.contains("failures=\"0\""), "{xml}");
    assert!(xml.contains("name=\"first-enrollment\""), "{xml}");

    // Screenshots are real renderings of the window at its size.
    let (w, h, varied) = png_facts(&shots.join("first-enrollment/passcode.png"));
    assert_eq!((w, h), (400, 720));
    assert!(varied);
    // The same-device QR code decodes (zbarimg, from zbar-tools) to the very link that was opened.
    let qr = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(shots.join("same-device/same-device.png"))
        .output()
        .expect("zbarimg (scripts/test.sh installs zbar-tools)");
    let decoded = String::from_utf8_lossy(&qr.stdout).to_string();
    let script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/qa/same-device.qa")).unwrap();
    let opened = script
        .lines()
        .find_map(|l| l.strip_prefix("open-link \"").and_then(|r| r.strip_suffix('"')))
        .unwrap();
    assert!(
        decoded.lines().any(|l| l == opened),
        "QR decoded to {decoded:?}, expected {opened}"
    );
    // Scale 2 at the minimum size: 320x560 logical pixels, twice as many physical ones.
    let (w, h, varied) = png_facts(&shots.join("look/passcode-dark.png"));
    assert_eq!((w, h), (640, 1120));
    assert!(varied);
}

#[test]
fn a_failing_step_names_file_line_step_screen_and_saves_a_screenshot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fails.qa"),
        "# a wrong expectation on line 3\nopen-link \"softtoken://enroll?type=hard&issuer=A&account=b\"\nexpect-screen name\nclick \"Back\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("passes.qa"), "expect-screen tokens\n").unwrap();
    let o = softtoken(
        &[
            "qa",
            "run",
            "fails.qa",
            "passes.qa",
            "--screenshots",
            "shots",
            "--junit",
            "r.xml",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  fails.qa:3: expect-screen name: expected screen name, but link-problem is on screen"),
        "{stdout}"
    );
    assert!(
        stdout.contains("on screen: screen link-problem showing \"This is a hard-token link\""),
        "{stdout}"
    );
    assert!(stdout.contains("ok    passes.qa"), "{stdout}");
    assert!(stdout.contains("2 scripts: 1 passed, 1 failed"), "{stdout}");
    let shot = dir.path().join("shots/fails/FAILED-line-3.png");
    assert!(stdout.contains("FAILED-line-3.png"), "{stdout}");
    assert!(png_facts(&shot).2);
    let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(
        xml.contains("line 3: expected screen name, but link-problem is on screen"),
        "{xml}"
    );
}

#[test]
fn scroll_fails_when_nothing_moves() {
    // Guards the `scroll` step (issue #4, long token lists): it must not pass
    // silently where there is nothing to scroll, or past the end of a list.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.qa"), "expect-screen tokens\nscroll down\n").unwrap();
    std::fs::write(dir.path().join("up.qa"), "expect-screen tokens\nscroll up\n").unwrap();
    let o = softtoken(&["qa", "run", "empty.qa", "up.qa"], dir.path());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "FAIL  empty.qa:2: scroll down: nothing moved (no list under the window's centre, or it is already at its end)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("FAIL  up.qa:2: scroll up: nothing moved"), "{stdout}");
    assert!(stdout.contains("already at its start"), "{stdout}");
    // Without --screenshots, each failure's screenshot is in a new folder of
    // its own that only this user can open (not a shared, guessable path).
    let shots: Vec<std::path::PathBuf> = stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("screenshot: "))
        .map(std::path::PathBuf::from)
        .collect();
    assert_eq!(shots.len(), 2, "{stdout}");
    let folders: Vec<_> = shots
        .iter()
        .map(|p| p.parent().unwrap().parent().unwrap().to_path_buf())
        .collect();
    assert_ne!(folders[0], folders[1]);
    for (shot, folder) in shots.iter().zip(&folders) {
        assert!(png_facts(shot).0 > 0);
        let name = folder.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.starts_with("softtoken-qa-") && name.len() > "softtoken-qa-".len() + 4,
            "{name}"
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(folder).unwrap().permissions().mode() & 0o777, 0o700);
        std::fs::remove_dir_all(folder).unwrap();
    }
}

#[test]
fn syntax_errors_stop_everything_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.qa"), "expect-screen tokens\nscreenshot \"x\"\n").unwrap();
    std::fs::write(dir.path().join("bad.qa"), "expect-screen tokens\n\nclik \"Activate\"\n").unwrap();
    let o = softtoken(
        &[
            "qa",
            "run",
            "good.qa",
            "bad.qa",
            "--screenshots",
            "shots",
            "--junit",
            "r.xml",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.qa:3: unknown step `clik`"), "{stderr}");
    assert!(
        o.stdout.is_empty(),
        "nothing ran: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(!dir.path().join("shots").exists());
    assert!(!dir.path().join("r.xml").exists());
}

#[test]
fn a_failure_report_never_shows_the_link_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.qa"),
        "open-link \"softtoken://enroll?type=soft&issuer=A&account=b&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&sync=0\"\nexpect-screen done\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("t.qa"),
        "open-link \"softtoken://enroll?type=soft&issuer=A&account=b&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&sync=0\"\nclick \"Activate\"\nfill \"PIN\" \"2580\"\nfill \"Confirm PIN\" \"2580\"\nclick \"Continue\"\nclick \"Done\"\nclick \"Token A (b), active\"\nfill \"Token PIN\" \"2580\"\nclick \"Unlock\"\nexpect-text \"nothing like this\"\n",
    )
    .unwrap();
    let o = softtoken(&["qa", "run", "s.qa", "t.qa", "--junit", "r.xml"], dir.path());
    let all = format!(
        "{}{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
        std::fs::read_to_string(dir.path().join("r.xml")).unwrap()
    );
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(!all.contains("GEZDGNBV"), "{all}");
    // Nor the passcode on screen.
    assert!(all.contains("t.qa:10: expect-text"), "{all}");
    assert!(!all.contains("Passcode "), "{all}");
}

/// The shared objects the dynamic loader loaded while `softtoken qa run`
/// played `scripts` (glibc's LD_DEBUG=files log), and whether all passed.
fn libraries_loaded_by_qa_run(scripts: &[PathBuf]) -> (String, bool) {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("ld");
    let o = Command::new(env!("CARGO_BIN_EXE_softtoken"))
        .args(["qa", "run"])
        .args(scripts)
        .env("LD_DEBUG", "files")
        .env("LD_DEBUG_OUTPUT", &log)
        .output()
        .expect("run softtoken");
    let mut loaded = String::new();
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        loaded += &std::fs::read_to_string(entry.unwrap().path()).unwrap();
    }
    (loaded, o.status.success())
}

/// Issue #4 (memory and start-up): every screen of every QA script — Latin
/// text, digits, times, multi-line text, light and dark, scale 2 — is drawn
/// with the built-in fonts alone: fontconfig is never loaded
/// (vendor/fontique; the fonts in ui/fonts). The Devanagari script shows the
/// check can see it: there fontconfig is loaded to find a system font.
#[test]
fn the_built_in_fonts_draw_every_screen_without_fontconfig() {
    let (loaded, passed) = libraries_loaded_by_qa_run(&scripts());
    assert!(passed, "the QA scripts did not pass");
    assert!(loaded.contains("libX11"), "LD_DEBUG logged no libraries:\n{loaded}");
    assert!(
        !loaded.contains("libfontconfig"),
        "fontconfig was loaded by the QA scripts"
    );

    let tmp = tempfile::tempdir().unwrap();
    let devanagari = tmp.path().join("devanagari.qa");
    std::fs::write(
        &devanagari,
        "open-link \"softtoken://enroll?type=soft&issuer=Acme%20EHR&account=%E0%A4%A1%E0%A5%89.%E0%A4%B6%E0%A4%B0%E0%A5%8D%E0%A4%AE%E0%A4%BE&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\"\nexpect-screen name\nexpect-text \"डॉ.शर्मा\"\n",
    )
    .unwrap();
    let (loaded, passed) = libraries_loaded_by_qa_run(&[devanagari]);
    assert!(passed, "the Devanagari script did not pass");
    assert!(
        loaded.contains("libfontconfig"),
        "a Devanagari name did not load fontconfig"
    );
}
