//! Desktop integration: the `.desktop` file that makes `softtoken://` links
//! from the EHR's email open SoftToken, the icon and the AppStream metainfo.
//!
//! The desktop file is `DBusActivatable`: a desktop that supports it starts
//! SoftToken through the D-Bus service file written beside it (so the link
//! travels over the session bus, not on a command line; see
//! [`crate::instance`]), and others run its `Exec` line.
//!
//! The files live in `assets/` (validated by the test suite with
//! `desktop-file-validate` and `appstreamcli validate`) and are built into
//! the binary, so `softtoken desktop-install` works from the binary alone.

use std::path::{Path, PathBuf};

/// The application ID (reverse DNS), which names the installed files.
pub const APP_ID: &str = "io.github.softtoken.SoftToken";
/// The URL scheme the desktop file registers.
pub const SCHEME_MIME: &str = "x-scheme-handler/softtoken";

const DESKTOP: &str = include_str!("../assets/io.github.softtoken.SoftToken.desktop");
const METAINFO: &str = include_str!("../assets/io.github.softtoken.SoftToken.metainfo.xml");
const ICON: &str = include_str!("../assets/io.github.softtoken.SoftToken.svg");

/// Why installing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DesktopError {
    #[error("Could not write {path}: {error}")]
    Write { path: String, error: String },
    #[error("Could not remove {path}: {error}")]
    Remove { path: String, error: String },
}

/// Quotes a program path for a desktop file's Exec key (Desktop Entry spec, "The Exec key").
pub fn quote_exec_arg(arg: &str) -> String {
    let plain = !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+,:@".contains(c));
    if plain {
        return arg.to_string();
    }
    let mut s = String::from("\"");
    for c in arg.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    // A literal % must be doubled in Exec, quoted or not.
    s.replace('%', "%%")
}

/// The desktop file, with Exec pointing at `exe`.
pub fn desktop_file_for(exe: &Path) -> String {
    let exec = format!("Exec={} open %u", quote_exec_arg(&exe.to_string_lossy()));
    DESKTOP
        .lines()
        .map(|l| if l.starts_with("Exec=") { exec.as_str() } else { l })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The D-Bus service file that lets the session bus start SoftToken for its
/// name (`Exec` runs the window without a link; the link follows over D-Bus).
pub fn dbus_service_for(exe: &Path) -> String {
    format!(
        "[D-BUS Service]\nName={APP_ID}\nExec={} open\n",
        quote_exec_arg(&exe.to_string_lossy())
    )
}

/// Where each file goes under a data folder (`~/.local/share` for a user).
pub fn install_paths(data_home: &Path) -> [PathBuf; 4] {
    [
        data_home.join("dbus-1/services").join(format!("{APP_ID}.service")),
        data_home.join("applications").join(format!("{APP_ID}.desktop")),
        data_home
            .join("icons/hicolor/scalable/apps")
            .join(format!("{APP_ID}.svg")),
        data_home.join("metainfo").join(format!("{APP_ID}.metainfo.xml")),
    ]
}

/// Writes the three files under `data_home`, the desktop file running `exe`.
pub fn install(data_home: &Path, exe: &Path) -> Result<Vec<PathBuf>, DesktopError> {
    let paths = install_paths(data_home);
    let contents = [
        dbus_service_for(exe),
        desktop_file_for(exe),
        ICON.to_string(),
        METAINFO.to_string(),
    ];
    for (path, text) in paths.iter().zip(contents) {
        let err = |e: std::io::Error| DesktopError::Write {
            path: path.display().to_string(),
            error: e.to_string(),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        std::fs::write(path, text).map_err(err)?;
    }
    Ok(paths.to_vec())
}

/// Removes the files [`install`] wrote (missing ones are fine).
pub fn uninstall(data_home: &Path) -> Result<Vec<PathBuf>, DesktopError> {
    let mut removed = Vec::new();
    for path in install_paths(data_home) {
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(DesktopError::Remove {
                    path: path.display().to_string(),
                    error: e.to_string(),
                })
            }
        }
    }
    Ok(removed)
}

/// The user's data folder: `$XDG_DATA_HOME`, else `~/.local/share`.
pub fn user_data_home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.data_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_quoting_follows_the_desktop_entry_spec() {
        assert_eq!(quote_exec_arg("/usr/bin/softtoken"), "/usr/bin/softtoken");
        assert_eq!(
            quote_exec_arg("/opt/Soft Token/softtoken"),
            "\"/opt/Soft Token/softtoken\""
        );
        assert_eq!(quote_exec_arg("/a/$x`\"\\"), "\"/a/\\$x\\`\\\"\\\\\"");
        assert_eq!(quote_exec_arg("/a/100%"), "\"/a/100%%\"");
    }

    #[test]
    fn the_desktop_file_registers_the_scheme_and_runs_open() {
        assert!(DESKTOP.contains(&format!("MimeType={SCHEME_MIME};")));
        assert!(DESKTOP.contains("Exec=softtoken open %u"));
        assert!(DESKTOP.contains("DBusActivatable=true"));
        let f = desktop_file_for(Path::new("/opt/Soft Token/softtoken"));
        assert!(f.contains("Exec=\"/opt/Soft Token/softtoken\" open %u\n"), "{f}");
        assert_eq!(f.matches("Exec=").count(), 1);
        let d = dbus_service_for(Path::new("/opt/Soft Token/softtoken"));
        assert_eq!(
            d,
            "[D-BUS Service]\nName=io.github.softtoken.SoftToken\nExec=\"/opt/Soft Token/softtoken\" open\n"
        );
    }
}
