//! SoftToken's own files in the per-user data folder, made so that another
//! local user can neither read them nor redirect them.
//!
//! The folder is created 0700 (and tightened if an older SoftToken left it
//! wider); files are 0600. The lock file is opened without following a
//! symbolic link, and the metadata is written through a temporary file with
//! a fresh random name created exclusively, so a link planted at either path
//! is never followed. [`DataLock`] is the one cross-process lock that every
//! SoftToken process (the app window, every CLI command) takes before it
//! changes a token: the metadata file *and* the keyring records, the wrong-PIN
//! count included.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a process waits for another one to finish with the tokens.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Why a data-folder file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    #[error("Could not {action} {path}: {error}")]
    Io {
        action: &'static str,
        path: String,
        error: io::Error,
    },
    #[error(
        "{path} is a symbolic link. SoftToken never follows links in its data folder; remove the \
         link and try again."
    )]
    Symlink { path: String },
    #[error(
        "Another SoftToken window or command is using your tokens (it holds {path}). Try again in a \
         moment."
    )]
    Busy { path: String },
}

fn io_error(action: &'static str, path: &Path, error: io::Error) -> FileError {
    FileError::Io {
        action,
        path: path.display().to_string(),
        error,
    }
}

/// Creates `dir` (and its parents) readable by this user only, and narrows
/// an existing one to 0700.
pub fn private_dir(dir: &Path) -> Result<(), FileError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| io_error("create", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(dir).map_err(|e| io_error("read", dir, e))?;
        if meta.permissions().mode() & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| io_error("protect", dir, e))?;
        }
    }
    Ok(())
}

/// Opens (creating 0600) `path` for writing, refusing a symbolic link.
fn open_no_follow(path: &Path) -> Result<File, FileError> {
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return FileError::Symlink {
                path: path.display().to_string(),
            };
        }
        io_error("open", path, e)
    })
}

/// An exclusive lock on the data folder, held until dropped. Functions that
/// must only run under it take a `&DataLock`.
#[derive(Debug)]
pub struct DataLock {
    file: File,
    path: PathBuf,
}

impl DataLock {
    /// Takes the lock `name` in `dir` (created private), waiting up to `wait`
    /// for another process to release it.
    pub fn acquire(dir: &Path, name: &str, wait: Duration) -> Result<DataLock, FileError> {
        private_dir(dir)?;
        let path = dir.join(name);
        let file = open_no_follow(&path)?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(DataLock { file, path }),
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(FileError::Busy {
                        path: path.display().to_string(),
                    })
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_error("lock", &path, e)),
            }
        }
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DataLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Replaces `dir/name` with `bytes` atomically and durably: a new 0600 file
/// with a random name (created exclusively, so nothing planted is followed),
/// fsync, rename over the old one, fsync the folder.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), FileError> {
    let path = dir.join(name);
    let write = || -> io::Result<()> {
        // tempfile creates with O_EXCL and mode 0600.
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| io_error("write", &path, e))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_folder_and_files_are_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        let lock = DataLock::acquire(&dir, "x.lock", LOCK_WAIT).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(lock.path()), 0o600);
        write_atomic(&dir, "f.json", b"{}").unwrap();
        assert_eq!(mode(&dir.join("f.json")), 0o600);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2, "no temporary file left");
        // A folder an older version left open to others is narrowed.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn a_link_at_the_lock_path_is_refused_and_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("victim");
        fs::write(&target, b"keep").unwrap();
        let before = mode(&target);
        let dir = tmp.path().join("d");
        private_dir(&dir).unwrap();
        std::os::unix::fs::symlink(&target, dir.join("x.lock")).unwrap();
        let err = DataLock::acquire(&dir, "x.lock", LOCK_WAIT).unwrap_err();
        assert!(matches!(err, FileError::Symlink { .. }), "{err}");
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert_eq!(fs::read(&target).unwrap(), b"keep");
        assert_eq!(mode(&target), before, "the link's target was not touched");
    }

    #[test]
    fn a_second_holder_waits_then_is_told_who_holds_it() {
        let tmp = tempfile::tempdir().unwrap();
        let held = DataLock::acquire(tmp.path(), "x.lock", LOCK_WAIT).unwrap();
        let t = Instant::now();
        let err = DataLock::acquire(tmp.path(), "x.lock", Duration::from_millis(200)).unwrap_err();
        assert!(t.elapsed() >= Duration::from_millis(200));
        assert!(matches!(err, FileError::Busy { .. }), "{err}");
        drop(held);
        DataLock::acquire(tmp.path(), "x.lock", Duration::ZERO).unwrap();
    }
}

/// A crash must not write the secrets and PINs this process holds to a core
/// file; on Linux the process is also made non-dumpable, which keeps other
/// programs of the same user from attaching a debugger to read its memory.
pub fn disable_core_dumps() {
    #[cfg(unix)]
    // SAFETY: plain system calls with valid arguments; failure leaves the defaults.
    unsafe {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}
