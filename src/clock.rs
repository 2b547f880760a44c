//! Time, injected.
//!
//! Codes, sync deadlines, PIN back-off and link expiry all depend on the time.
//! Everything that needs "now" takes a [`Clock`], so tests and the QA runner
//! can set and advance time, and only [`SystemClock`] reads the wall clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Local, TimeZone, Utc};

/// A source of the current Unix time in seconds.
pub trait Clock: Send + Sync {
    fn now(&self) -> u64;
}

/// The computer's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        crate::otp::unix_now().unwrap_or(0)
    }
}

/// A clock that only moves when told to; cloning shares the time.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    pub fn new(now: u64) -> ManualClock {
        ManualClock(Arc::new(AtomicU64::new(now)))
    }
    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }
    pub fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Whether the operating system keeps this device's clock in step with a
/// time server, injected like the clock: `None` when it cannot say.
pub trait TimeSync: Send + Sync {
    fn synchronized(&self) -> Option<bool>;
}

/// A fixed answer, for tests and the QA runner.
pub struct FixedTimeSync(pub Option<bool>);

impl TimeSync for FixedTimeSync {
    fn synchronized(&self) -> Option<bool> {
        self.0
    }
}

/// The system's answer: on Linux, systemd-timedated's `NTPSynchronized`
/// (`org.freedesktop.timedate1` on the system bus), asked with a time limit;
/// elsewhere, or with no such service, `None`.
#[derive(Clone, Debug, Default)]
pub struct SystemTimeSync {
    /// Another bus than the system bus (tests run a private one).
    pub bus_address: Option<String>,
}

/// How long the system bus may take to answer.
pub const TIME_SYNC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

impl TimeSync for SystemTimeSync {
    #[cfg(target_os = "linux")]
    fn synchronized(&self) -> Option<bool> {
        // zbus has no time limit of its own; a wedged bus must not hold the code.
        let (tx, rx) = std::sync::mpsc::channel();
        let address = self.bus_address.clone();
        std::thread::spawn(move || {
            let answer = (|| -> zbus::Result<bool> {
                let conn = match address {
                    Some(a) => zbus::blocking::connection::Builder::address(a.as_str())?.build()?,
                    None => zbus::blocking::Connection::system()?,
                };
                let proxy = zbus::blocking::fdo::PropertiesProxy::builder(&conn)
                    .destination("org.freedesktop.timedate1")?
                    .path("/org/freedesktop/timedate1")?
                    .build()?;
                let value = proxy.get(
                    zbus::names::InterfaceName::from_static_str_unchecked("org.freedesktop.timedate1"),
                    "NTPSynchronized",
                )?;
                bool::try_from(value).map_err(zbus::Error::from)
            })();
            let _ = tx.send(answer.ok());
        });
        rx.recv_timeout(TIME_SYNC_TIMEOUT).ok().flatten()
    }
    #[cfg(not(target_os = "linux"))]
    fn synchronized(&self) -> Option<bool> {
        None
    }
}

/// `2026-01-01 09:00 UTC`.
pub fn format_utc(unix: u64) -> String {
    match i64::try_from(unix).ok().and_then(|s| Utc.timestamp_opt(s, 0).single()) {
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => format!("{unix} (Unix time)"),
    }
}

fn format_local(unix: u64, format: &str, unknown: &str) -> String {
    match i64::try_from(unix)
        .ok()
        .and_then(|s| Local.timestamp_opt(s, 0).single())
    {
        Some(t) => t.format(format).to_string(),
        None => unknown.into(),
    }
}

/// `09:00` in the local time zone (what a prescriber reads off the screen).
pub fn format_local_hm(unix: u64) -> String {
    format_local(unix, "%H:%M", "--:--")
}

/// When a syncing token is ready, as a prescriber should read it: `at 09:00`
/// today, `tomorrow at 09:00`, or `on Wed 25 Nov at 09:00` (a bare time that
/// is not today would read as a time that already passed).
pub fn format_ready(ready_at: u64, now: u64) -> String {
    let day = |unix: u64| {
        i64::try_from(unix)
            .ok()
            .and_then(|s| Local.timestamp_opt(s, 0).single())
            .map(|t| t.date_naive())
    };
    let hm = format_local_hm(ready_at);
    match (day(ready_at), day(now)) {
        (Some(r), Some(n)) if r == n => format!("at {hm}"),
        (Some(r), Some(n)) if n.succ_opt() == Some(r) => format!("tomorrow at {hm}"),
        (Some(_), Some(_)) => format!("on {} at {hm}", format_local(ready_at, "%a %-d %b", "?")),
        _ => format!("at {}", format_utc(ready_at)),
    }
}

/// `09:00:30` in the local time zone (for short waits).
pub fn format_local_hms(unix: u64) -> String {
    format_local(unix, "%H:%M:%S", "--:--:--")
}

/// Parses an RFC 3339 time such as `2026-01-01T09:00:00Z`.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .and_then(|t| u64::try_from(t.timestamp()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_time_that_is_not_today_says_its_day() {
        let noon = Local
            .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
            .single()
            .unwrap()
            .timestamp() as u64;
        assert_eq!(format_ready(noon + 3600, noon), "at 13:00");
        assert_eq!(format_ready(noon + 86_400, noon), "tomorrow at 12:00");
        assert_eq!(format_ready(noon + 2 * 86_400, noon), "on Wed 25 Nov at 12:00");
        // A 24-hour sync started at 09:00 is not "09:00" today.
        let nine = noon - 3 * 3600;
        assert_eq!(format_ready(nine + 86_400, nine), "tomorrow at 09:00");
    }
}
