//! Scripted UI tests.

use std::path::{Path, PathBuf};

use crate::cli::Failure;

/// `softtoken qa run`.
pub fn run_cli(_files: &[PathBuf], _shots: Option<&Path>, _junit: Option<&Path>) -> Result<(), Failure> {
    Err(Failure::Refused("the QA runner is not built yet".into()))
}
