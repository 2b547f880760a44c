//! The composition root: `softtoken`'s `main` calls [`run`], which parses
//! the command line and hands each command to its layer: the window
//! (`softtoken`, `softtoken open LINK`), the QA runner (`softtoken qa run`)
//! or the command line's own commands. Errors become exit codes here, through
//! [`Failure::exit_code`], and nowhere else.

use std::ffi::OsString;

use crate::cli::{self, Command, Failure, QaCommand};

/// Runs `softtoken` with these arguments and returns the process exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    crate::files::disable_core_dumps();
    let parsed = match cli::parse(args) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    match dispatch(parsed.command) {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("softtoken: {}", failure.message());
            failure.exit_code()
        }
    }
}

fn dispatch(command: Option<Command>) -> Result<(), Failure> {
    match command {
        None => run_gui(None),
        Some(Command::Open { link }) => {
            let link = link
                .map(|l| cli::arg_or_stdin(&l, "link").map(|l| l.to_string()))
                .transpose()?;
            run_gui(link)
        }
        Some(Command::Qa {
            command:
                QaCommand::Run {
                    files,
                    screenshots,
                    junit,
                },
        }) => crate::qa::run_cli(&files, screenshots.as_deref(), junit.as_deref()).map_err(|e| match e {
            crate::qa::QaError::Invalid(m) => Failure::Invalid(m),
            crate::qa::QaError::Failed(m) => Failure::Refused(m),
        }),
        Some(Command::Windowless(command)) => cli::run_command(command),
    }
}

/// Opens the app, optionally at an enrollment link, and runs it until closed.
///
/// With a link and a session bus, the link never stays on this process's
/// command line: it is handed to the session's window (started first, without
/// the link, when none runs) and this process exits.
fn run_gui(link: Option<String>) -> Result<(), Failure> {
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
    let clock: std::sync::Arc<dyn crate::clock::Clock> = std::sync::Arc::new(crate::clock::SystemClock);
    let (tokens, store) = crate::tokens::open_system_in_background(clock.clone())?;
    crate::ui::run(tokens, store, clock, link).map_err(Failure::Refused)
}
