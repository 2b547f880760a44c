//! softtoken-server as a process on loopback, for the app's tests (online
//! activation from the library, the command line and the window).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use softtoken::server::service::EnrollResponse;

const SERVER: &str = env!("CARGO_BIN_EXE_softtoken-server");

pub struct Server {
    child: Child,
    pub url: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn start(tls: Option<(&Path, &Path)>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(SERVER);
        cmd.arg("--data-dir")
            .arg(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0"]);
        if let Some((cert, key)) = tls {
            cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line.split_whitespace().nth(3).expect("listening on ADDR").to_string();
        let scheme = if tls.is_some() { "https" } else { "http" };
        Server {
            child,
            url: format!("{scheme}://{addr}"),
            dir,
        }
    }

    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(SERVER)
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn enroll(&self, account: &str, extra: &[&str]) -> EnrollResponse {
        let mut args = vec!["enroll", "--issuer", "Clinic", "--account", account, "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.cli(&args)).unwrap()
    }

    /// POST /v1/verify with a fresh verify key; (status, body).
    pub fn verify(&self, key: &str, account: &str, code: &str) -> (u16, String) {
        let body = serde_json::json!({ "account": account, "code": code }).to_string();
        let out = Command::new("curl")
            .args([
                "-s",
                "-k",
                "-o",
                "-",
                "-w",
                "\n%{http_code}",
                "-H",
                "Content-Type: application/json",
            ])
            .arg("-H")
            .arg(format!("@{}", self.header_file(key).display()))
            .args(["-d", &body])
            .arg(format!("{}/v1/verify", self.url))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap();
        (status.trim().parse().unwrap(), body.to_string())
    }

    /// The API key in a 0600 header file, so it is not on curl's command line.
    pub fn header_file(&self, key: &str) -> std::path::PathBuf {
        let path = self.dir.path().join("ehr.header");
        std::fs::write(&path, format!("Authorization: Bearer {key}\n")).unwrap();
        path
    }
}

/// A test CA and a certificate for 127.0.0.1 signed by it, written to `dir`:
/// (certificate, key, CA certificate) files.
pub fn test_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "SoftToken test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let (cert, key, ca_file) = (dir.join("cert.pem"), dir.join("key.pem"), dir.join("ca.pem"));
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    std::fs::write(&ca_file, ca.pem()).unwrap();
    (cert, key, ca_file)
}
