//! Starting the GUI.

use crate::cli::Failure;

/// Opens the app, optionally at an enrollment link.
pub fn run_gui(_link: Option<String>) -> Result<(), Failure> {
    Err(Failure::Refused(
        "the SoftToken app is not built yet; use the command line (softtoken --help)".into(),
    ))
}
