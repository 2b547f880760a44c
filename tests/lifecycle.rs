//! Token lifecycle on keyring-core's mock store (issue #3): enrollment,
//! refusals with their messages, syncing, HOTP counters, lockout, and
//! replacement interrupted at every keyring step.

use std::sync::Arc;

use softtoken::clock::ManualClock;
use softtoken::device::DeviceId;
use softtoken::link::{parse, Enrollment, Link};
use softtoken::otp::{self, CodeFormat};
use softtoken::pin::Pin;
use softtoken::store::{FailingStore, KeyringStore, SecretStore};
use softtoken::tokens::{EnrollRequest, Status, TokenError, Tokens};
use softtoken::vault::KdfParams;

const S1: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
const S2: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"; // "abcdefghijklmnopqrst"
const T0: u64 = 1_800_000_000;

struct Env {
    _dir: tempfile::TempDir,
    clock: ManualClock,
    tokens: Tokens,
    device: DeviceId,
}

fn env_with(store: Arc<dyn SecretStore>) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let device = DeviceId::from_machine_id("test-phone");
    let tokens =
        Tokens::new(store, dir.path().to_path_buf(), device.clone(), Arc::new(clock.clone())).with_kdf(KdfParams::TEST);
    Env {
        _dir: dir,
        clock,
        tokens,
        device,
    }
}

fn env() -> Env {
    env_with(Arc::new(KeyringStore::mock()))
}

fn link(extra: &str, secret: &str) -> Enrollment {
    let text = format!("softtoken://enroll?type=soft&issuer=Acme%20EHR&account=dr.who&secret={secret}{extra}");
    match parse(&text, T0).unwrap() {
        Link::Soft(e) => e,
        Link::Hard(_) | Link::Online(_) => unreachable!(),
    }
}

fn pin(s: &str) -> Pin {
    Pin::new(s.to_string())
}

fn enroll(t: &Tokens, e: Enrollment, name: &str, replace: bool) -> Result<softtoken::tokens::TokenMeta, TokenError> {
    t.enroll(EnrollRequest {
        enrollment: e,
        name: name.into(),
        pin: pin("2580"),
        replace,
    })
}

fn code_of(secret_b32: &str, t: u64) -> String {
    let secret = softtoken::link::decode_secret(secret_b32).unwrap();
    otp::totp(&secret, CodeFormat::default(), 30, t).unwrap()
}

#[test]
fn enroll_sync_and_code() {
    let e = env();
    let meta = enroll(&e.tokens, link("", S1), "Work", false).unwrap();
    assert_eq!(meta.usable_from, T0 + 3600);
    assert_eq!(meta.status(T0), Status::Syncing { ready_at: T0 + 3600 });
    let c = e.tokens.code("Work", &pin("2580")).unwrap();
    assert_eq!(*c.code, code_of(S1, T0));
    assert!(c.warning.unwrap().contains("still syncing"));
    e.clock.advance(3600);
    let c = e.tokens.code("Work", &pin("2580")).unwrap();
    assert_eq!(*c.code, code_of(S1, T0 + 3600));
    assert!(c.warning.is_none());
    assert_eq!(e.tokens.get("Work").unwrap().status(e.clock_now()), Status::Active);
}

impl Env {
    fn clock_now(&self) -> u64 {
        self.tokens.now()
    }
}

#[test]
fn metadata_survives_a_reopen_and_holds_no_secret() {
    let e = env();
    enroll(&e.tokens, link("&id=enr-7", S1), "Work", false).unwrap();
    let text = std::fs::read_to_string(e.tokens.data_dir().join("tokens.json")).unwrap();
    assert!(text.contains("\"version\": 1") && text.contains("enr-7"));
    assert!(!text.contains(S1) && !text.contains("1234567890") && !text.contains("2580"));
}

#[test]
fn refusals_say_why() {
    let e = env();
    // Same device.
    let here = link(&format!("&pdid=AAAA-BBBB-CCCC-DDDD,{}", e.device), S1);
    let err = enroll(&e.tokens, here, "Work", false).unwrap_err();
    assert!(
        err.to_string()
            .contains("Soft tokens must be installed on a separate device"),
        "{err}"
    );
    assert!(e.tokens.list().unwrap().is_empty());
    // Weak PINs and names.
    for (p, why) in [
        ("1111", "repeats one digit"),
        ("1234", "straight run"),
        ("12345", "exactly four digits"),
    ] {
        let err = e
            .tokens
            .enroll(EnrollRequest {
                enrollment: link("", S1),
                name: "W".into(),
                pin: pin(p),
                replace: false,
            })
            .unwrap_err();
        assert!(err.to_string().contains(why), "{p}: {err}");
    }
    let err = enroll(&e.tokens, link("", S1), &"n".repeat(41), false).unwrap_err();
    assert!(err.to_string().contains("at most 40"), "{err}");
    assert!(enroll(&e.tokens, link("", S1), "  ", false)
        .unwrap_err()
        .to_string()
        .contains("Give the token a name"));
    // Single-use links.
    enroll(&e.tokens, link("&id=once", S1), "Work", false).unwrap();
    let mut again = link("&id=once", S2);
    again.account = "someone.else".into();
    assert!(matches!(
        enroll(&e.tokens, again, "Other", false),
        Err(TokenError::LinkUsed)
    ));
    // Duplicate names.
    let mut other = link("", S2);
    other.account = "other".into();
    let err = enroll(&e.tokens, other, "Work", false).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    // Unknown token.
    assert!(matches!(
        e.tokens.code("Nope", &pin("2580")),
        Err(TokenError::NotFound(_))
    ));
}

#[test]
fn several_tokens_side_by_side_and_remove() {
    let e = env();
    enroll(&e.tokens, link("", S1), "Work", false).unwrap();
    let mut other = link("&sync=0", S2);
    other.account = "second".into();
    enroll(&e.tokens, other, "Clinic", false).unwrap();
    assert_eq!(e.tokens.list().unwrap().len(), 2);
    assert_eq!(*e.tokens.code("Clinic", &pin("2580")).unwrap().code, code_of(S2, T0));
    e.tokens.remove("Work").unwrap();
    assert_eq!(
        e.tokens
            .list()
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Clinic"]
    );
    assert!(matches!(e.tokens.remove("Work"), Err(TokenError::NotFound(_))));
}

#[test]
fn hotp_counter_is_saved_before_the_code_is_shown() {
    let e = env();
    let Link::Soft(h) = parse(&format!("otpauth://hotp/Acme:dr?secret={S1}&counter=3"), T0).unwrap() else {
        panic!()
    };
    enroll(&e.tokens, h, "H", false).unwrap();
    // RFC 4226 Appendix D: counter 3 → 969429, 4 → 338314.
    assert_eq!(*e.tokens.code("H", &pin("2580")).unwrap().code, "969429");
    assert_eq!(
        e.tokens.get("H").unwrap().kind,
        softtoken::link::OtpKind::Hotp { counter: 4 }
    );
    let mut u = e.tokens.unlock("H", &pin("2580")).unwrap();
    assert_eq!(*e.tokens.next_hotp(&mut u).unwrap().code, "338314");
}

#[test]
fn ten_wrong_pins_lock_the_token_for_good() {
    let e = env();
    enroll(&e.tokens, link("&sync=0", S1), "Work", false).unwrap();
    for n in 1..=9u32 {
        let err = e.tokens.code("Work", &pin("9999")).unwrap_err();
        match &err {
            TokenError::WrongPin {
                failures, remaining, ..
            } => assert_eq!((*failures, *remaining), (n, 10 - n)),
            other => panic!("{other:?}"),
        }
        if n >= 5 {
            assert!(err.to_string().contains("wait"), "{err}");
            let blocked = e.tokens.code("Work", &pin("2580")).unwrap_err();
            assert!(
                blocked.to_string().starts_with("Too many wrong PINs: try again in"),
                "{blocked}"
            );
        }
        e.clock.advance(softtoken::pin::delay_after(n));
    }
    let err = e.tokens.code("Work", &pin("9999")).unwrap_err();
    assert!(
        err.to_string().contains("locked after 10 wrong PINs") && err.to_string().contains("replacement"),
        "{err}"
    );
    assert!(matches!(
        e.tokens.code("Work", &pin("2580")),
        Err(TokenError::Locked(_))
    ));
    assert_eq!(e.tokens.get("Work").unwrap().status(T0), Status::Locked);
}

#[test]
fn wrong_pin_count_lives_in_the_keyring_not_the_files() {
    let e = env();
    enroll(&e.tokens, link("", S1), "Work", false).unwrap();
    let path = e.tokens.data_dir().join("tokens.json");
    let backup = std::fs::read(&path).unwrap();
    for _ in 0..3 {
        e.tokens.code("Work", &pin("9999")).unwrap_err();
    }
    // "Reset" the app's files: delete them and restore the copy from before the guesses.
    std::fs::remove_dir_all(e.tokens.data_dir()).unwrap();
    std::fs::create_dir_all(e.tokens.data_dir()).unwrap();
    std::fs::write(&path, backup).unwrap();
    let meta = e.tokens.get("Work").unwrap();
    assert_eq!(e.tokens.attempts(&meta).unwrap().failures, 3);
    match e.tokens.code("Work", &pin("9999")) {
        Err(TokenError::WrongPin {
            failures: 4,
            remaining: 6,
            ..
        }) => {}
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn corrupt_metadata_is_reported_and_left_untouched() {
    let e = env();
    enroll(&e.tokens, link("", S1), "Work", false).unwrap();
    let path = e.tokens.data_dir().join("tokens.json");
    std::fs::write(&path, b"{\"version\": 1, \"tokens\": [").unwrap();
    let err = e.tokens.list().unwrap_err();
    assert!(
        err.to_string().contains("is damaged") && err.to_string().contains("has not changed it"),
        "{err}"
    );
    let mut other = link("", S2);
    other.account = "x".into();
    assert!(enroll(&e.tokens, other, "Other", false).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"version\": 1, \"tokens\": [");
    std::fs::write(&path, b"{\"version\": 7, \"tokens\": []}").unwrap();
    assert!(e.tokens.list().unwrap_err().to_string().contains("newer SoftToken"));
}

#[test]
fn replacement_needs_confirmation_and_may_keep_the_name() {
    let e = env();
    enroll(&e.tokens, link("", S1), "Work", false).unwrap();
    let err = enroll(&e.tokens, link("", S2), "Work 2", false).unwrap_err();
    assert!(
        err.to_string()
            .contains("You already have a token for this account (\"Work\")"),
        "{err}"
    );
    enroll(&e.tokens, link("", S2), "Work", true).unwrap();
    let list = e.tokens.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(*e.tokens.code("Work", &pin("2580")).unwrap().code, code_of(S2, T0));
}

/// Stops a replacement at every keyring call and checks that the old token or
/// the new one works afterwards — never neither — and that no secret is left
/// behind once a later change completes.
#[test]
fn replacement_interrupted_at_every_step_never_loses_both() {
    // Count the keyring calls of an uninterrupted replacement.
    let steps = {
        let failing = Arc::new(FailingStore::new(Arc::new(KeyringStore::mock()), 0));
        let e = env_with(failing.clone());
        enroll(&e.tokens, link("&sync=0", S1), "Work", false).unwrap();
        let before = failing.calls();
        enroll(&e.tokens, link("&sync=0", S2), "Work", true).unwrap();
        failing.calls() - before
    };
    assert!(steps >= 2, "store new, delete old: {steps}");
    let (mut kept_old, mut got_new) = (0, 0);
    for fail_at in 1..=steps {
        let mock: Arc<dyn SecretStore> = Arc::new(KeyringStore::mock());
        let failing = Arc::new(FailingStore::new(mock.clone(), 0));
        let e = env_with(failing.clone());
        enroll(&e.tokens, link("&sync=0", S1), "Work", false).unwrap();
        failing.fail_after(fail_at);
        let result = enroll(&e.tokens, link("&sync=0", S2), "Work", true);
        failing.fail_after(usize::MAX / 2);
        let code = e
            .tokens
            .code("Work", &pin("2580"))
            .unwrap_or_else(|err| panic!("fail_at {fail_at}: no working token: {err}"));
        let now = e.clock_now();
        if result.is_ok() {
            assert_eq!(*code.code, code_of(S2, now), "fail_at {fail_at}: new token stored");
            got_new += 1;
        } else {
            kept_old += 1;
            assert_eq!(*code.code, code_of(S1, now), "fail_at {fail_at}: old token kept");
        }
        assert_eq!(e.tokens.list().unwrap().len(), 1);
        // Once a later change runs, no secret of a gone token is left in the keyring.
        let mut third = link("&sync=0", S1);
        third.account = "third".into();
        enroll(&e.tokens, third, "Third", false).unwrap();
        let live: Vec<String> = e
            .tokens
            .list()
            .unwrap()
            .into_iter()
            .map(|t| format!("token:{}", t.id))
            .collect();
        assert_eq!(live.len(), 2);
        for key in failing.keys_written() {
            let present = mock.get(&key).unwrap().is_some();
            assert_eq!(
                present,
                live.contains(&key),
                "fail_at {fail_at}: {key} present={present}"
            );
        }
    }
    // Both outcomes were exercised: early failures keep the old token, late ones the new.
    assert!(kept_old >= 1 && got_new >= 1, "kept_old {kept_old}, got_new {got_new}");
}

/// Runs a side effect on every `set`, then passes it on.
struct HookStore<F: Fn() + Send + Sync> {
    inner: Arc<dyn SecretStore>,
    on_set: F,
}

impl<F: Fn() + Send + Sync> SecretStore for HookStore<F> {
    fn get(&self, key: &str) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, softtoken::store::StoreError> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), softtoken::store::StoreError> {
        (self.on_set)();
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), softtoken::store::StoreError> {
        self.inner.delete(key)
    }
}

/// The step between the keyring calls: the metadata write fails (while the
/// new secret is sealed, a non-empty folder takes the metadata file's place,
/// so the rename onto it fails), so the switch never happens.
#[test]
fn replacement_with_a_failing_metadata_write_keeps_the_old_token() {
    let mock: Arc<dyn SecretStore> = Arc::new(KeyringStore::mock());
    let failing = Arc::new(FailingStore::new(mock.clone(), 0));
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let dir = tempfile::tempdir().unwrap();
    let (meta, saved) = (dir.path().join("tokens.json"), dir.path().join("saved.json"));
    let hook = {
        let (armed, meta, saved) = (armed.clone(), meta.clone(), saved.clone());
        HookStore {
            inner: failing.clone(),
            on_set: move || {
                if armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
                    std::fs::rename(&meta, &saved).unwrap();
                    std::fs::create_dir(&meta).unwrap();
                    std::fs::write(meta.join("x"), b"").unwrap();
                }
            },
        }
    };
    let clock = ManualClock::new(T0);
    let tokens = Tokens::new(
        Arc::new(hook),
        dir.path().to_path_buf(),
        DeviceId::from_machine_id("test-phone"),
        Arc::new(clock),
    )
    .with_kdf(KdfParams::TEST);
    enroll(&tokens, link("&sync=0", S1), "Work", false).unwrap();
    armed.store(true, std::sync::atomic::Ordering::SeqCst);
    let err = enroll(&tokens, link("&sync=0", S2), "Work", true).unwrap_err();
    assert!(err.to_string().starts_with("Could not write"), "{err}");
    std::fs::remove_dir_all(&meta).unwrap();
    std::fs::rename(&saved, &meta).unwrap();
    assert_eq!(*tokens.code("Work", &pin("2580")).unwrap().code, code_of(S1, T0));
    // The new secret that was stored first has been taken back out.
    let live = format!("token:{}", tokens.get("Work").unwrap().id);
    for key in failing.keys_written() {
        assert_eq!(mock.get(&key).unwrap().is_some(), key == live, "{key}");
    }
    // And no temporary file was left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_keyring_failure_during_first_enrollment_leaves_nothing() {
    for fail_at in 1..=4 {
        let mock: Arc<dyn SecretStore> = Arc::new(KeyringStore::mock());
        let failing = Arc::new(FailingStore::new(mock.clone(), fail_at));
        let e = env_with(failing);
        if enroll(&e.tokens, link("", S1), "Work", false).is_err() {
            assert!(e.tokens.list().unwrap().is_empty(), "fail_at {fail_at}");
        }
    }
}
