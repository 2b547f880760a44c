//! This device's identity and the DEA separate-device rule.
//!
//! EPCS rules say a soft token must never run on the device used to send
//! prescriptions. An enrollment link lists the prescribing devices by ID, and
//! an EHR must be able to compute that ID on its own machine without talking to
//! SoftToken, so the ID is a documented one-way function of the OS machine ID:
//!
//! ```text
//! id = base32( SHA-256( "SoftToken device ID v1" || 0x00 || lowercase(trim(machine_id)) )[0..10] )
//! ```
//!
//! (RFC 4648 alphabet, no padding: 16 characters, printed as `ABCD-EFGH-IJKL-MNOP`.)
//! Where the platform has no machine ID (Android, iOS) a random ID is created
//! once and kept in the keyring (see [`crate::store::device_id`]).
//!
//! The rule itself is the pure function [`check_separate_device`]; callers run
//! it at enrollment and again before every code. There is deliberately no
//! override in release builds: the only other source of an ID is the QA
//! runner's simulated device, which never touches real tokens.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Domain separation for the device-ID hash; part of the documented algorithm.
pub const DEVICE_ID_DOMAIN: &[u8] = b"SoftToken device ID v1\0";
/// Characters in an ID, without dashes.
pub const DEVICE_ID_LEN: usize = 16;

/// A device ID: 16 characters of RFC 4648 base32, stored without dashes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceId(String);

/// Why a device ID was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceIdError {
    #[error("a device ID has 16 letters and digits 2–7 (like ABCD-EFGH-IJKL-MNOP); this one has {0}")]
    Length(usize),
    #[error("a device ID uses only the letters A–Z and digits 2–7; found \"{0}\"")]
    Character(char),
    #[error("this device has no machine ID to derive a device ID from: {0}")]
    NoMachineId(String),
}

impl DeviceId {
    /// Derives the ID from an OS machine ID (the documented one-way function).
    pub fn from_machine_id(machine_id: &str) -> DeviceId {
        let mut hash = Sha256::new();
        hash.update(DEVICE_ID_DOMAIN);
        hash.update(machine_id.trim().to_lowercase().as_bytes());
        let digest = hash.finalize();
        DeviceId(data_encoding::BASE32_NOPAD.encode(&digest[..10]))
    }

    /// A fresh random ID, for platforms without a machine ID.
    pub fn random() -> DeviceId {
        let bytes: [u8; 10] = rand::random();
        DeviceId(data_encoding::BASE32_NOPAD.encode(&bytes))
    }

    /// The ID derived from this computer's OS machine ID, read exactly where
    /// the README's formula says (see [`os_machine_id`]).
    pub fn from_os() -> Result<DeviceId, DeviceIdError> {
        os_machine_id().map(|id| DeviceId::from_machine_id(&id))
    }

    /// The 16 characters without dashes.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Groups of four joined by dashes, easy to read aloud.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl FromStr for DeviceId {
    type Err = DeviceIdError;
    /// Accepts any case, with or without dashes and spaces.
    fn from_str(s: &str) -> Result<Self, DeviceIdError> {
        let mut out = String::with_capacity(DEVICE_ID_LEN);
        for c in s.chars().filter(|c| *c != '-' && *c != ' ') {
            let c = c.to_ascii_uppercase();
            if !(c.is_ascii_uppercase() || ('2'..='7').contains(&c)) {
                return Err(DeviceIdError::Character(c));
            }
            out.push(c);
        }
        if out.len() != DEVICE_ID_LEN {
            return Err(DeviceIdError::Length(out.len()));
        }
        Ok(DeviceId(out))
    }
}

impl TryFrom<String> for DeviceId {
    type Error = DeviceIdError;
    fn try_from(s: String) -> Result<Self, DeviceIdError> {
        s.parse()
    }
}

impl From<DeviceId> for String {
    fn from(id: DeviceId) -> String {
        id.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({})", self.grouped())
    }
}

/// The first of `paths` that holds a machine ID (empty files are skipped:
/// systemd leaves `/etc/machine-id` empty until first boot completes).
#[cfg(any(target_os = "linux", target_os = "freebsd", test))]
fn first_machine_id(paths: &[&str]) -> Option<String> {
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
}

/// Runs a system tool by its absolute path (never looked up in `PATH`, which
/// another program could put a look-alike in) and returns its trimmed output.
#[cfg(any(target_os = "freebsd", target_os = "openbsd", target_os = "macos"))]
fn tool_output(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// Whether this platform has an OS machine ID; elsewhere (Android, iOS) a
/// random ID is created once and kept in the keyring.
pub const HAS_MACHINE_ID: bool = cfg!(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "windows"
));

/// The OS machine ID: `/etc/machine-id` (else `/var/lib/dbus/machine-id`) on
/// Linux, `/etc/hostid` (else the SMBIOS UUID from `/bin/kenv`) on FreeBSD,
/// `hw.uuid` from `/sbin/sysctl` on OpenBSD, `IOPlatformUUID` from
/// `/usr/sbin/ioreg` on macOS, `MachineGuid` from the registry on Windows.
#[allow(unreachable_code, unused_variables)] // One platform's branch returns; the rest are compiled out.
pub fn os_machine_id() -> Result<String, DeviceIdError> {
    let none = |what: &str| DeviceIdError::NoMachineId(format!("{what} holds no machine ID"));
    #[cfg(target_os = "linux")]
    return first_machine_id(&["/etc/machine-id", "/var/lib/dbus/machine-id"])
        .ok_or_else(|| none("neither /etc/machine-id nor /var/lib/dbus/machine-id"));
    #[cfg(target_os = "freebsd")]
    return first_machine_id(&["/etc/hostid"])
        .or_else(|| tool_output("/bin/kenv", &["-q", "smbios.system.uuid"]))
        .ok_or_else(|| none("neither /etc/hostid nor the SMBIOS system UUID"));
    #[cfg(target_os = "openbsd")]
    return tool_output("/sbin/sysctl", &["-n", "hw.uuid"]).ok_or_else(|| none("sysctl hw.uuid"));
    #[cfg(target_os = "macos")]
    return tool_output("/usr/sbin/ioreg", &["-rd1", "-c", "IOPlatformExpertDevice"])
        .and_then(|text| {
            let line = text.lines().find(|l| l.contains("\"IOPlatformUUID\""))?;
            Some(line.rsplit('"').nth(1)?.to_string())
        })
        .ok_or_else(|| none("ioreg's IOPlatformUUID"));
    #[cfg(target_os = "windows")]
    return machine_uid::get().map_err(|e| DeviceIdError::NoMachineId(e.to_string()));
    Err(none("this platform"))
}

/// The separate-device rule was broken: this is a prescribing device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "This is your prescribing device ({0}). Soft tokens must be installed on a separate device, \
     such as your phone: open the enrollment link there instead."
)]
pub struct SameDevice(pub DeviceId);

/// The DEA rule: a token whose link lists this device must not be activated
/// or produce codes here.
pub fn check_separate_device(prescribing: &[DeviceId], this: &DeviceId) -> Result<(), SameDevice> {
    if prescribing.contains(this) {
        Err(SameDevice(this.clone()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_the_documented_function() {
        // Independent check: printf 'SoftToken device ID v1\0%s' 0123456789abcdef0123456789abcdef \
        //   | sha256sum, first 10 bytes, base32.
        let id = DeviceId::from_machine_id("0123456789ABCDEF0123456789ABCDEF\n");
        assert_eq!(id, DeviceId::from_machine_id("0123456789abcdef0123456789abcdef"));
        assert_eq!(id.as_str().len(), 16);
        assert_eq!(id.grouped().len(), 19);
        assert_ne!(id, DeviceId::from_machine_id("0123456789abcdef0123456789abcdee"));
    }

    #[test]
    fn parsing_ignores_case_and_dashes() {
        let id: DeviceId = "abcd-efgh-ijkl-mn23".parse().unwrap();
        assert_eq!(id.to_string(), "ABCD-EFGH-IJKL-MN23");
        assert_eq!("ABCDEFGHIJKLMN23".parse::<DeviceId>().unwrap(), id);
        assert_eq!("ABCD-EFGH".parse::<DeviceId>(), Err(DeviceIdError::Length(8)));
        assert_eq!(
            "ABCD-EFGH-IJKL-MN01".parse::<DeviceId>(),
            Err(DeviceIdError::Character('0'))
        );
    }

    #[test]
    fn the_first_file_with_an_id_is_used_and_empty_ones_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let (empty, etc, dbus) = (dir.path().join("e"), dir.path().join("etc"), dir.path().join("dbus"));
        std::fs::write(&empty, "\n").unwrap();
        std::fs::write(&etc, "aaaa\n").unwrap();
        std::fs::write(&dbus, "bbbb\n").unwrap();
        let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
        assert_eq!(first_machine_id(&[&s(&etc), &s(&dbus)]).as_deref(), Some("aaaa"));
        assert_eq!(first_machine_id(&[&s(&empty), &s(&dbus)]).as_deref(), Some("bbbb"));
        assert_eq!(first_machine_id(&["/nonexistent/x", &s(&empty)]), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_the_id_comes_from_etc_machine_id() {
        let etc = std::fs::read_to_string("/etc/machine-id").unwrap_or_default();
        if !etc.trim().is_empty() {
            assert_eq!(DeviceId::from_os().unwrap(), DeviceId::from_machine_id(&etc));
        }
    }

    #[test]
    fn rule_refuses_only_listed_devices() {
        let me = DeviceId::from_machine_id("me");
        let other = DeviceId::from_machine_id("other");
        assert_eq!(check_separate_device(std::slice::from_ref(&other), &me), Ok(()));
        assert_eq!(check_separate_device(&[], &me), Ok(()));
        let err = check_separate_device(&[other, me.clone()], &me).unwrap_err();
        assert!(err.to_string().contains("separate device"));
    }
}
