//! Issue #4: the desktop file, AppStream metainfo and icon are valid, and
//! `softtoken desktop-install` makes softtoken:// links open SoftToken.

use std::path::Path;
use std::process::Command;

const ID: &str = "io.github.softtoken.SoftToken";

fn assets() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

/// Runs a validator; it must exit 0 and print no error or warning.
fn validate(cmd: &str, args: &[&str]) {
    let o = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed (scripts/test.sh installs it): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{cmd} {args:?} failed:\n{text}");
    for line in text.lines() {
        let l = line.to_lowercase();
        assert!(
            !(l.contains("error") || l.contains("warning") || l.starts_with("e:") || l.starts_with("w:")),
            "{cmd}: {line}"
        );
    }
}

#[test]
fn desktop_file_and_metainfo_validate() {
    validate(
        "desktop-file-validate",
        &[assets().join(format!("{ID}.desktop")).to_str().unwrap()],
    );
    validate(
        "appstreamcli",
        &[
            "validate",
            "--no-net",
            assets().join(format!("{ID}.metainfo.xml")).to_str().unwrap(),
        ],
    );
}

#[test]
fn the_icon_renders() {
    let out = tempfile::tempdir().unwrap();
    let png = out.path().join("icon.png");
    let o = Command::new("/usr/bin/convert")
        .args([
            assets().join(format!("{ID}.svg")).to_str().unwrap(),
            png.to_str().unwrap(),
        ])
        .output()
        .expect("imagemagick convert");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new("/usr/bin/identify")
        .args(["-format", "%w %h %k", png.to_str().unwrap()])
        .output()
        .unwrap();
    let facts = String::from_utf8_lossy(&o.stdout).to_string();
    let v: Vec<u32> = facts.split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!((v[0], v[1]), (128, 128), "{facts}");
    assert!(v[2] > 3, "the icon has only {} colours", v[2]);
}

#[test]
fn desktop_install_registers_the_scheme_and_uninstall_removes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_softtoken"))
            .args(args)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_CONFIG_HOME", &config)
            .env("XDG_DATA_DIRS", &data)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let out = run(&["desktop-install"]);
    let desktop = data.join(format!("applications/{ID}.desktop"));
    assert!(out.contains(&format!("wrote {}", desktop.display())), "{out}");
    assert!(out.contains("softtoken:// links now open SoftToken"), "{out}");
    validate("desktop-file-validate", &[desktop.to_str().unwrap()]);
    let text = std::fs::read_to_string(&desktop).unwrap();
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_softtoken")).unwrap();
    assert!(text.contains(&format!("Exec={} open %u", exe.display())), "{text}");
    assert!(data.join(format!("icons/hicolor/scalable/apps/{ID}.svg")).is_file());
    assert!(data.join(format!("metainfo/{ID}.metainfo.xml")).is_file());
    // DBusActivatable: the session bus can start SoftToken for its name.
    assert!(text.contains("DBusActivatable=true"), "{text}");
    let service = std::fs::read_to_string(data.join(format!("dbus-1/services/{ID}.service"))).unwrap();
    assert_eq!(
        service,
        format!("[D-BUS Service]\nName={ID}\nExec={} open\n", exe.display())
    );
    // The desktop's own lookup now names SoftToken for softtoken:// links.
    let q = Command::new("xdg-mime")
        .args(["query", "default", "x-scheme-handler/softtoken"])
        .env("XDG_DATA_HOME", &data)
        .env("XDG_CONFIG_HOME", &config)
        .env("XDG_DATA_DIRS", &data)
        .output()
        .expect("xdg-mime (xdg-utils)");
    assert_eq!(String::from_utf8_lossy(&q.stdout).trim(), format!("{ID}.desktop"));

    let out = run(&["desktop-install", "--uninstall"]);
    assert!(out.contains("removed"), "{out}");
    assert!(!desktop.exists());
    let out = run(&["desktop-install", "--uninstall"]);
    assert!(out.contains("nothing to remove"), "{out}");
}
