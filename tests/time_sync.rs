//! The clock check's second source on Linux: systemd-timedated's
//! `NTPSynchronized`, read from the system bus. A private dbus-daemon plays
//! the system bus, with a stand-in `org.freedesktop.timedate1` served by this
//! test (no system bus is needed, nor changed).
#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use softtoken::clock::{SystemTimeSync, TimeSync, TIME_SYNC_TIMEOUT};

struct Timedate {
    ntp: bool,
}

#[zbus::interface(name = "org.freedesktop.timedate1")]
impl Timedate {
    #[zbus(property, name = "NTPSynchronized")]
    fn ntp_synchronized(&self) -> bool {
        self.ntp
    }
}

/// A private bus daemon; killed when dropped.
struct Bus(Child, String);
impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn private_bus(dir: &Path) -> Bus {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .arg(format!("--address=unix:path={}", dir.join("bus").display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (scripts/test.sh installs dbus)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Bus(child, line.trim().to_string())
}

/// Serves the stand-in timedated on `bus` until dropped.
fn timedate(bus: &Bus, ntp: bool) -> zbus::blocking::Connection {
    zbus::blocking::connection::Builder::address(bus.1.as_str())
        .unwrap()
        .name("org.freedesktop.timedate1")
        .unwrap()
        .serve_at("/org/freedesktop/timedate1", Timedate { ntp })
        .unwrap()
        .build()
        .unwrap()
}

fn on(bus: &Bus) -> SystemTimeSync {
    SystemTimeSync {
        bus_address: Some(bus.1.clone()),
    }
}

#[test]
fn ntp_synchronized_is_read_from_timedated() {
    let tmp = tempfile::tempdir().unwrap();
    let bus = private_bus(tmp.path());
    // No timedated on the bus: nothing known.
    assert_eq!(on(&bus).synchronized(), None);
    for ntp in [true, false] {
        let service = timedate(&bus, ntp);
        assert_eq!(on(&bus).synchronized(), Some(ntp));
        drop(service);
    }
    // No bus at all: nothing known, without waiting for the time limit.
    let gone = SystemTimeSync {
        bus_address: Some(format!("unix:path={}", tmp.path().join("nothing").display())),
    };
    let start = Instant::now();
    assert_eq!(gone.synchronized(), None);
    assert!(start.elapsed() < TIME_SYNC_TIMEOUT);
}

/// A bus that accepts the connection and never answers: the answer is
/// given up after the time limit, not waited for.
#[test]
fn a_silent_bus_is_given_up_after_the_time_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("silent");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let _held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for s in listener.incoming().flatten() {
            kept.push(s);
        }
    });
    let silent = SystemTimeSync {
        bus_address: Some(format!("unix:path={}", path.display())),
    };
    let start = Instant::now();
    assert_eq!(silent.synchronized(), None);
    let took = start.elapsed();
    assert!(
        took >= TIME_SYNC_TIMEOUT && took < TIME_SYNC_TIMEOUT + Duration::from_secs(2),
        "{took:?}"
    );
}

/// `softtoken code` for a token enrolled offline: the system bus's
/// NTPSynchronized false gives a warning on stderr, true gives none, and the
/// code is on stdout either way.
#[test]
#[ignore = "needs the display and keyring that scripts/test.sh starts"]
fn softtoken_code_warns_when_the_clock_is_not_synchronized() {
    let tmp = tempfile::tempdir().unwrap();
    let bus = private_bus(tmp.path());
    let data = tmp.path().join("data");
    let run =
        |args: &[&str], stdin: &str| common::run_softtoken(&data, args, stdin, &[("DBUS_SYSTEM_BUS_ADDRESS", &bus.1)]);

    let link =
        "softtoken://enroll?type=soft&issuer=Acme%20EHR&account=dr.ntp&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&sync=0";
    let o = run(&["enroll", link, "--name", "NTP", "--pin-stdin"], "2580\n2580\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for ntp in [false, true] {
        let service = timedate(&bus, ntp);
        let o = run(&["code", "NTP", "--pin-stdin"], "2580\n");
        let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "{err}");
        assert_eq!(out.trim().len(), 6, "{out}");
        assert_eq!(
            err.contains("not kept in step with a time server"),
            !ntp,
            "NTPSynchronized {ntp}: {err}"
        );
        drop(service);
    }
}
