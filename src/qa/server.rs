//! A real `softtoken-server` for a QA session (`server …` steps): the
//! binary next to `softtoken`, on a free loopback port, with its SQLite file
//! in the session's temporary folder, stopped when the session ends.
//!
//! When libfaketime is installed, the server and its command line run with
//! it, reading their clock's offset from a file in that folder, so `server
//! advance 11m` moves the issuer's clock (an activation code expires)
//! without waiting. The monotonic clock is left alone.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct QaServer {
    child: Option<Child>,
    bin: PathBuf,
    dir: PathBuf,
    pub url: String,
    verify_key: String,
    /// libfaketime, when installed, and the seconds the issuer's clock is ahead.
    faketime: Option<PathBuf>,
    ahead: u64,
}

/// libfaketime's multi-threaded library, loaded with LD_PRELOAD to move a
/// process's wall clock (the QA server here; the hostile tests' guessers).
/// Preloaded directly, not through the `faketime` wrapper, whose
/// semaphore and shared memory outlive a killed wrapper and collide with a
/// later process given the same pid ("sem_open: File exists").
pub fn libfaketime() -> Option<PathBuf> {
    ["x86_64-linux-gnu", "aarch64-linux-gnu", "i386-linux-gnu", ""]
        .iter()
        .map(|triple| Path::new("/usr/lib").join(triple).join("faketime/libfaketimeMT.so.1"))
        .find(|p| p.is_file())
}

impl Drop for QaServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The server binary, installed next to this one.
fn binary() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program's folder: {e}"))?;
    let name = if cfg!(windows) {
        "softtoken-server.exe"
    } else {
        "softtoken-server"
    };
    // Test binaries run from target/debug/deps; the server is one folder up.
    let dir = me.parent().unwrap_or(Path::new("."));
    [dir.join(name), dir.join("..").join(name)]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| format!("`server start` needs {name} next to {}", me.display()))
}

impl QaServer {
    pub fn start(session_dir: &Path) -> Result<QaServer, String> {
        let bin = binary()?;
        let dir = session_dir.join("server");
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        let faketime = libfaketime();
        let mut command = Command::new(&bin);
        command
            .arg("--data-dir")
            .arg(&dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(lib) = &faketime {
            std::fs::write(dir.join("faketime"), "+0\n")
                .map_err(|e| format!("cannot write the server's clock file: {e}"))?;
            with_faketime(&mut command, lib, &dir);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line);
        let Some(addr) = line
            .strip_prefix("softtoken-server listening on ")
            .and_then(|r| r.split_whitespace().next())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("softtoken-server did not start: {}", line.trim()));
        };
        let mut s = QaServer {
            child: Some(child),
            bin,
            dir,
            url: format!("http://{addr}"),
            verify_key: String::new(),
            faketime,
            ahead: 0,
        };
        s.verify_key = s
            .cli(&["api-key", "--name", "qa", "--role", "verify"])?
            .trim()
            .to_string();
        Ok(s)
    }

    fn cli(&self, args: &[&str]) -> Result<String, String> {
        let mut command = Command::new(&self.bin);
        command.arg("--data-dir").arg(&self.dir).args(args);
        // The command line keeps the server's time (an enrollment's expiry is set here).
        if let Some(lib) = &self.faketime {
            with_faketime(&mut command, lib, &self.dir);
        }
        let out = command
            .output()
            .map_err(|e| format!("cannot run softtoken-server: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "softtoken-server {}: {}",
                args.first().unwrap_or(&""),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// A new enrollment: (link, activation code).
    pub fn enroll(&self, issuer: &str, account: &str, pdids: Option<&str>) -> Result<(String, String), String> {
        let mut args = vec!["enroll", "--issuer", issuer, "--account", account, "--json"];
        if let Some(p) = pdids {
            args.extend(["--pdid", p]);
        }
        let v: serde_json::Value =
            serde_json::from_str(&self.cli(&args)?).map_err(|e| format!("softtoken-server enroll: {e}"))?;
        match (v["link"].as_str(), v["activation_code"].as_str()) {
            (Some(l), Some(c)) => Ok((l.to_string(), c.to_string())),
            _ => Err(format!("softtoken-server enroll answered {v}")),
        }
    }

    /// `POST /v1/verify`: "accepted" or the server's error code.
    pub fn verify(&self, account: &str, code: &str) -> Result<String, String> {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .build()
            .new_agent();
        let body = serde_json::json!({ "account": account, "code": code }).to_string();
        let mut r = agent
            .post(&format!("{}/v1/verify", self.url))
            .header("Content-Type", "application/json")
            .header("Authorization", &format!("Bearer {}", self.verify_key))
            .send(body.as_str())
            .map_err(|e| format!("the server did not answer: {e}"))?;
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().unwrap_or_default();
        if status == 200 {
            return Ok("accepted".into());
        }
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        Ok(v["error"].as_str().unwrap_or("unknown").to_string())
    }

    /// Revokes every token of the account (an administrator, for a lost phone).
    pub fn revoke(&self, account: &str) -> Result<(), String> {
        let v: serde_json::Value = serde_json::from_str(&self.cli(&["tokens", account, "--json"])?)
            .map_err(|e| format!("softtoken-server tokens: {e}"))?;
        let ids: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["state"] == "active")
            .filter_map(|t| t["credential_id"].as_str().map(String::from))
            .collect();
        if ids.is_empty() {
            return Err(format!("{account} has no active token at the server"));
        }
        for id in ids {
            self.cli(&["revoke", &id])?;
        }
        Ok(())
    }

    /// Moves the issuer's clock `seconds` forward.
    pub fn advance(&mut self, seconds: u64) -> Result<(), String> {
        if self.faketime.is_none() {
            return Err(
                "`server advance` needs libfaketime to move the issuer's clock (Debian: apt install faketime)".into(),
            );
        }
        self.ahead += seconds;
        std::fs::write(self.dir.join("faketime"), format!("+{}\n", self.ahead))
            .map_err(|e| format!("cannot move the server's clock: {e}"))
    }

    /// Takes the server offline (its data stays).
    pub fn stop(&mut self) {
        let Some(mut c) = self.child.take() else { return };
        // A clean exit first (the server stops on SIGTERM): libfaketime
        // removes its shared memory then, which a killed server leaves in
        // /dev/shm. Killed if it has not stopped within 5 s.
        #[cfg(unix)]
        if let Ok(pid) = i32::try_from(c.id()) {
            // SAFETY: kill(2) on our own child's pid; no memory is involved.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        let _ = c.kill();
        let _ = c.wait();
    }
}

/// Runs `command` with libfaketime reading its offset from `dir/faketime`
/// at every call, the monotonic clock (timers, time-outs) untouched.
fn with_faketime(command: &mut Command, lib: &Path, dir: &Path) {
    command
        .env("LD_PRELOAD", lib)
        .env("FAKETIME_TIMESTAMP_FILE", dir.join("faketime"))
        .env("FAKETIME_NO_CACHE", "1")
        .env("DONT_FAKE_MONOTONIC", "1")
        .env_remove("FAKETIME");
}
