//! Starting the GUI from the command line (`softtoken`, `softtoken open LINK`).

use crate::cli::Failure;

/// Opens the app, optionally at an enrollment link, and runs it until closed.
///
/// With a link and a session bus, the link never stays on this process's
/// command line: it is handed to the session's window (started first, without
/// the link, when none runs) and this process exits.
pub fn run_gui(link: Option<String>) -> Result<(), Failure> {
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    if let Some(text) = &link {
        use crate::instance::{hand_over, InstanceError};
        let start = || {
            use std::os::unix::process::CommandExt;
            let exe = std::env::current_exe()?;
            std::process::Command::new(exe)
                .arg("open")
                // Nothing of this process's: a caller reading its output (a script,
                // $(…)) would otherwise wait for the window to close.
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                // Its own process group: closing the terminal this ran in does not close the window.
                .process_group(0)
                .spawn()
        };
        match hand_over(text, start) {
            Ok(()) => return Ok(()),
            Err(InstanceError::NoBus(why)) => eprintln!(
                "softtoken: note: {why}; opening the window here, where the link stays on this \
                 process's command line until the window is closed"
            ),
            Err(e) => return Err(Failure::Refused(e.to_string())),
        }
    }
    crate::ui::run(link).map_err(Failure::Refused)
}
