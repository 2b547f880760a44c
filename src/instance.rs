//! One SoftToken window per user session, and links handed to it over the
//! session bus instead of a command line.
//!
//! A link on a command line is visible to every local user (`ps`,
//! `/proc/PID/cmdline`) for as long as the process runs, and an app window
//! runs for a long time. So the window claims the well-known name
//! [`BUS_NAME`] on the D-Bus session bus (which only this user can reach) and
//! implements `org.freedesktop.Application` there (`Activate`, `Open` with
//! the URI), as desktops expect of a `DBusActivatable` application. A
//! `softtoken open LINK` then hands its link to the running window and exits;
//! with no window running it starts one *without* the link in its arguments,
//! waits for it to claim the name and hands the link over the same way.
//! Without a session bus there is no private channel: the window is started
//! with the link as before (the README says what that exposes).
//!
//! This module knows nothing of Slint: the app passes in what to do with a
//! [`Request`].

use std::collections::HashMap;
use std::process::Child;
use std::time::{Duration, Instant};

use zbus::zvariant::OwnedValue;
use zeroize::Zeroizing;

/// The well-known bus name: the application ID, as the desktop file is named.
pub const BUS_NAME: &str = crate::desktop::APP_ID;
/// The object path `org.freedesktop.Application` is served at (the ID with / for .).
pub const OBJECT_PATH: &str = "/io/github/softtoken/SoftToken";
const INTERFACE: &str = "org.freedesktop.Application";
/// How long `softtoken open` waits for the window it started to claim the name.
pub const START_WAIT: Duration = Duration::from_secs(15);

/// What a running window is asked to do.
#[derive(Debug)]
pub enum Request {
    /// Come to the front.
    Activate,
    /// Come to the front at this link.
    Open(Zeroizing<String>),
}

/// Why a hand-over did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstanceError {
    /// There is no session bus (or it refused us): no private channel.
    #[error("no D-Bus session bus: {0}")]
    NoBus(String),
    #[error("the running SoftToken window did not take the link: {0}")]
    Call(String),
    #[error("could not start the SoftToken window: {0}")]
    Start(String),
    #[error("the SoftToken window started but did not answer on the session bus within {0} seconds")]
    NoAnswer(u64),
}

struct Application {
    handler: Box<dyn Fn(Request) + Send + Sync>,
}

#[zbus::interface(name = "org.freedesktop.Application")]
impl Application {
    fn activate(&self, _platform_data: HashMap<String, OwnedValue>) {
        (self.handler)(Request::Activate);
    }

    fn open(&self, uris: Vec<String>, _platform_data: HashMap<String, OwnedValue>) {
        for uri in uris {
            (self.handler)(Request::Open(Zeroizing::new(uri)));
        }
    }

    fn activate_action(
        &self,
        _action: String,
        _parameter: Vec<OwnedValue>,
        _platform_data: HashMap<String, OwnedValue>,
    ) {
        // SoftToken declares no actions.
    }
}

/// What [`claim`] found.
pub enum Claim {
    /// This process is the window; requests arrive at the handler for as long
    /// as the connection is kept.
    Serving(zbus::blocking::Connection),
    /// Another window has the name; it was asked to come to the front.
    AlreadyRunning,
    /// No session bus: run without one (no hand-over possible).
    NoBus(String),
}

fn session() -> Result<zbus::blocking::Connection, InstanceError> {
    zbus::blocking::Connection::session().map_err(|e| InstanceError::NoBus(e.to_string()))
}

/// Becomes the session's SoftToken window: serves `org.freedesktop.Application`
/// and claims [`BUS_NAME`]. When another process already has the name, asks it
/// to come to the front instead.
pub fn claim(handler: impl Fn(Request) + Send + Sync + 'static) -> Claim {
    let conn = match session() {
        Ok(c) => c,
        Err(e) => return Claim::NoBus(e.to_string()),
    };
    // Serve first, so a request that arrives the moment the name is ours finds the object.
    if let Err(e) = conn.object_server().at(
        OBJECT_PATH,
        Application {
            handler: Box::new(handler),
        },
    ) {
        return Claim::NoBus(e.to_string());
    }
    use zbus::fdo::{RequestNameFlags, RequestNameReply};
    match conn.request_name_with_flags(BUS_NAME, RequestNameFlags::DoNotQueue.into()) {
        Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner) => Claim::Serving(conn),
        Ok(_) | Err(zbus::Error::NameTaken) => match call(&conn, None) {
            Ok(()) => Claim::AlreadyRunning,
            // The owner went away between the two calls: carry on as the window, without the name.
            Err(_) => Claim::NoBus("another SoftToken held the name and did not answer".into()),
        },
        Err(e) => Claim::NoBus(e.to_string()),
    }
}

fn call(conn: &zbus::blocking::Connection, link: Option<&str>) -> Result<(), InstanceError> {
    let platform_data: HashMap<&str, zbus::zvariant::Value> = HashMap::new();
    let reply = match link {
        Some(uri) => conn.call_method(
            Some(BUS_NAME),
            OBJECT_PATH,
            Some(INTERFACE),
            "Open",
            &(vec![uri], platform_data),
        ),
        None => conn.call_method(
            Some(BUS_NAME),
            OBJECT_PATH,
            Some(INTERFACE),
            "Activate",
            &(platform_data,),
        ),
    };
    reply.map(drop).map_err(|e| InstanceError::Call(e.to_string()))
}

fn has_owner(conn: &zbus::blocking::Connection) -> bool {
    zbus::blocking::fdo::DBusProxy::new(conn)
        .ok()
        .and_then(|p| p.name_has_owner(BUS_NAME.try_into().ok()?).ok())
        .unwrap_or(false)
}

/// Hands `link` to the session's SoftToken window, first starting one with
/// `start` (which must not put the link on a command line) when none runs.
/// `Err(NoBus)` means there is no private channel to hand it over.
pub fn hand_over(link: &str, start: impl FnOnce() -> std::io::Result<Child>) -> Result<(), InstanceError> {
    let conn = session()?;
    if !has_owner(&conn) {
        let mut child = start().map_err(|e| InstanceError::Start(e.to_string()))?;
        let deadline = Instant::now() + START_WAIT;
        while !has_owner(&conn) {
            if let Ok(Some(status)) = child.try_wait() {
                // It may have found another window that claimed the name meanwhile.
                if has_owner(&conn) {
                    break;
                }
                return Err(InstanceError::Start(format!("it exited ({status})")));
            }
            if Instant::now() > deadline {
                return Err(InstanceError::NoAnswer(START_WAIT.as_secs()));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
    call(&conn, Some(link))
}
