//! Scripted UI tests for QA teams: `softtoken qa run FILE...`.
//!
//! QA writes plain-text `.qa` scripts ([`script`]) that address controls by
//! their accessible labels; the runner ([`play`]) parses every file first, so
//! a typo fails with `file:line` before anything runs, then plays each script
//! on the real controllers and screens, headless, and reports as text and as
//! JUnit XML that CI dashboards read.

pub mod play;
pub mod script;
mod server;

pub use server::libfaketime;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One script's result, for the reports.
pub struct CaseResult {
    pub file: String,
    pub name: String,
    pub time: Duration,
    pub outcome: play::Outcome,
}

impl CaseResult {
    /// "file:line: step: message" plus what was on screen and the screenshot.
    pub fn failure_text(&self) -> Option<String> {
        let f = self.outcome.failure.as_ref()?;
        let mut s = format!(
            "{}:{}: {}: {}\n  on screen: {}",
            self.file, f.line, f.step, f.message, f.on_screen
        );
        if let Some(p) = &f.screenshot {
            s.push_str(&format!("\n  screenshot: {}", p.display()));
        }
        Some(s)
    }
}

/// Why a QA run did not pass; the CLI maps it to an exit code.
#[derive(Debug, thiserror::Error)]
pub enum QaError {
    /// The scripts could not be read or parsed (exit code 2).
    #[error("{0}")]
    Invalid(String),
    /// A script failed, or the runner could not run or report (exit code 1).
    #[error("{0}")]
    Failed(String),
}

/// Parses every file; the first syntax error stops everything.
pub fn load(files: &[PathBuf]) -> Result<Vec<(String, script::Script)>, QaError> {
    if files.is_empty() {
        return Err(QaError::Invalid("give at least one .qa script to run".into()));
    }
    let mut out = Vec::new();
    for f in files {
        let shown = f.display().to_string();
        let text = std::fs::read_to_string(f).map_err(|e| QaError::Invalid(format!("{shown}: cannot read it: {e}")))?;
        let s = script::parse(&shown, &text).map_err(|e| QaError::Invalid(e.to_string()))?;
        out.push((shown, s));
    }
    let mut names = std::collections::HashSet::new();
    for (file, s) in &out {
        if !names.insert(s.name.clone()) {
            return Err(QaError::Invalid(format!(
                "{file}: another script is also named {} (names must differ: they name reports and screenshot folders)",
                s.name
            )));
        }
    }
    Ok(out)
}

/// Plays loaded scripts one after the other.
pub fn run_all(scripts: &[(String, script::Script)], shots: Option<&Path>) -> Result<Vec<CaseResult>, QaError> {
    play::init_platform().map_err(QaError::Failed)?;
    Ok(scripts
        .iter()
        .map(|(file, s)| {
            let start = Instant::now();
            let outcome = play::play(s, shots);
            CaseResult {
                file: file.clone(),
                name: s.name.clone(),
                time: start.elapsed(),
                outcome,
            }
        })
        .collect())
}

/// The JUnit XML report: one testsuite, one testcase per script.
pub fn junit(results: &[CaseResult]) -> Result<String, String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("softtoken-qa");
    let mut suite = TestSuite::new("qa");
    for r in results {
        let status = match r.failure_text() {
            None => TestCaseStatus::success(),
            Some(text) => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                if let Some(f) = &r.outcome.failure {
                    st.set_message(format!("line {}: {}", f.line, f.message));
                }
                st.set_description(text);
                st
            }
        };
        let mut case = TestCase::new(r.name.clone(), status);
        case.set_classname("qa").set_time(r.time);
        if !r.outcome.screenshots.is_empty() {
            let list: Vec<String> = r.outcome.screenshots.iter().map(|p| p.display().to_string()).collect();
            case.set_system_out(format!("screenshots:\n{}", list.join("\n")));
        }
        case.properties.push(quick_junit::Property::new("file", r.file.clone()));
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report.to_string().map_err(|e| e.to_string())
}

/// `softtoken qa run FILE... [--screenshots DIR] [--junit FILE]`.
pub fn run_cli(files: &[PathBuf], shots: Option<&Path>, junit_file: Option<&Path>) -> Result<(), QaError> {
    let scripts = load(files)?;
    // Scripts see the same clock faces on every machine: times on screen are UTC.
    std::env::set_var("TZ", "UTC");
    let results = run_all(&scripts, shots)?;
    let mut failed = 0;
    for r in &results {
        match r.failure_text() {
            None => println!(
                "ok    {} ({} steps, {} ms)",
                r.file,
                r.outcome.steps_run,
                r.time.as_millis()
            ),
            Some(text) => {
                failed += 1;
                println!("FAIL  {text}");
            }
        }
    }
    println!(
        "{} scripts: {} passed, {} failed",
        results.len(),
        results.len() - failed,
        failed
    );
    if let Some(path) = junit_file {
        let xml = junit(&results).map_err(|e| QaError::Failed(format!("could not build the JUnit report: {e}")))?;
        std::fs::write(path, xml)
            .map_err(|e| QaError::Failed(format!("could not write the JUnit report {}: {e}", path.display())))?;
    }
    if failed > 0 {
        Err(QaError::Failed(format!("{failed} QA script(s) failed")))
    } else {
        Ok(())
    }
}
