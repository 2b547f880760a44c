//! Starting the GUI from the command line (`softtoken`, `softtoken open LINK`).

use crate::cli::Failure;

/// Opens the app, optionally at an enrollment link, and runs it until closed.
pub fn run_gui(link: Option<String>) -> Result<(), Failure> {
    crate::ui::run(link).map_err(Failure::Refused)
}
