//! The server key: seals seeds at rest and keys the audit chain and the
//! activation-code hashes. Read from a file of 32 random bytes (as 64 hex
//! digits) that only the server's user may read.

use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Why the server key could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("cannot read the server key {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot create the server key {path}: {source}")]
    Create { path: PathBuf, source: std::io::Error },
    #[error("the server key {0} can be read by other users (mode {1:o}); run chmod 600 on it")]
    Mode(PathBuf, u32),
    #[error("the server key {0} must hold 64 hex digits (32 bytes)")]
    Format(PathBuf),
    #[error("a sealed seed does not open under this server key (wrong key, or the row was edited)")]
    Open,
}

/// The server key and the keys derived from it.
pub struct ServerKey {
    seal: ChaCha20Poly1305,
    audit: Zeroizing<[u8; 32]>,
    code: Zeroizing<[u8; 32]>,
}

impl ServerKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> ServerKey {
        let hk = Hkdf::<Sha256>::new(Some(b"softtoken-server key v1"), bytes);
        let mut seal = Zeroizing::new([0u8; 32]);
        let mut audit = Zeroizing::new([0u8; 32]);
        let mut code = Zeroizing::new([0u8; 32]);
        hk.expand(b"seal", &mut *seal).expect("32 bytes");
        hk.expand(b"audit", &mut *audit).expect("32 bytes");
        hk.expand(b"activation code", &mut *code).expect("32 bytes");
        ServerKey {
            seal: ChaCha20Poly1305::new((&*seal).into()),
            audit,
            code,
        }
    }

    /// Reads the key file, refusing one other users could read.
    pub fn load(path: &Path) -> Result<ServerKey, KeyError> {
        let read = |source| KeyError::Read {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::Mode(path.to_owned(), mode));
            }
        }
        let _ = meta;
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(read)?);
        let mut bytes = Zeroizing::new([0u8; 32]);
        let decoded = data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.trim().as_bytes())
            .map_err(|_| KeyError::Format(path.to_owned()))?;
        let decoded = Zeroizing::new(decoded);
        if decoded.len() != 32 {
            return Err(KeyError::Format(path.to_owned()));
        }
        bytes.copy_from_slice(&decoded);
        Ok(ServerKey::from_bytes(&bytes))
    }

    /// Creates a new key file (mode 0600, never overwriting one).
    pub fn create(path: &Path) -> Result<(), KeyError> {
        let create = |source| KeyError::Create {
            path: path.to_owned(),
            source,
        };
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut *bytes);
        let text = Zeroizing::new(data_encoding::HEXLOWER.encode(&*bytes));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(create)?;
        file.write_all(text.as_bytes())
            .and_then(|_| file.write_all(b"\n"))
            .and_then(|_| file.sync_all())
            .map_err(create)
    }

    /// Seals a seed for the row `id` (the id is bound as associated data, so
    /// a sealed seed copied to another row does not open).
    pub fn seal(&self, id: &str, seed: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .seal
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: seed,
                    aad: id.as_bytes(),
                },
            )
            .expect("ChaCha20-Poly1305 encryption of a short seed cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        crate::protocol::encode(&out)
    }

    pub fn open(&self, id: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let raw = data_encoding::BASE64URL_NOPAD
            .decode(sealed.as_bytes())
            .map_err(|_| KeyError::Open)?;
        if raw.len() < 12 + 16 {
            return Err(KeyError::Open);
        }
        let (nonce, ct) = raw.split_at(12);
        self.seal
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: id.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| KeyError::Open)
    }

    /// HMAC-SHA256 under the audit key.
    pub fn audit_mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&*self.audit).expect("HMAC takes any key")
    }

    /// The stored form of an activation code for an enrollment.
    pub fn code_hash(&self, enrollment_id: &str, code: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.code).expect("HMAC takes any key");
        mac.update(enrollment_id.as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        crate::protocol::encode(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_seeds_open_only_for_their_row_and_key() {
        let k = ServerKey::from_bytes(&[1; 32]);
        let s = k.seal("a", b"seed bytes here!");
        assert_eq!(&*k.open("a", &s).unwrap(), b"seed bytes here!");
        assert!(k.open("b", &s).is_err());
        assert!(ServerKey::from_bytes(&[2; 32]).open("a", &s).is_err());
        assert!(k.open("a", "AAAA").is_err());
    }

    #[test]
    fn key_files_are_created_private_and_wider_modes_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("server.key");
        ServerKey::create(&p).unwrap();
        assert!(ServerKey::create(&p).is_err(), "an existing key is never overwritten");
        ServerKey::load(&p).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(ServerKey::load(&p), Err(KeyError::Mode(_, 0o644))));
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        std::fs::write(&p, "nothex").unwrap();
        assert!(matches!(ServerKey::load(&p), Err(KeyError::Format(_))));
    }
}
