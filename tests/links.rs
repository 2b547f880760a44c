//! Regression corpus for the enrollment-link parser (issue #2): every
//! malformed link is refused with its own specific error, and no error
//! message ever contains the secret.

use softtoken::link::{parse, Link, LinkError};

const S: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const NOW: u64 = 1_800_000_000;

fn base() -> String {
    format!("softtoken://enroll?type=soft&issuer=Acme&account=dr.who&secret={S}")
}

fn err(link: &str) -> LinkError {
    match parse(link, NOW) {
        Err(e) => e,
        Ok(l) => panic!("expected an error for {link:?}, got {l:?}"),
    }
}

macro_rules! refused {
    ($link:expr, $pat:pat) => {{
        let link: String = $link;
        let e = err(&link);
        assert!(matches!(e, $pat), "{link:?} gave {e:?}");
        let msg = e.to_string();
        assert!(
            !msg.contains(S) && !msg.to_lowercase().contains(&S.to_lowercase()),
            "secret echoed: {msg}"
        );
        assert!(
            msg.ends_with('.') || msg.ends_with(')'),
            "message should be a sentence: {msg}"
        );
        1
    }};
}

#[test]
fn malformed_links_each_give_their_specific_error() {
    let b = base();
    let mut n = 0;
    n += refused!(String::new(), LinkError::Empty);
    n += refused!("   \n".into(), LinkError::Empty);
    n += refused!(format!("{b}&x={}", "a".repeat(4096)), LinkError::TooLong(_));
    n += refused!("https://example.com/enroll?type=soft".into(), LinkError::NotALink);
    n += refused!("enroll?type=soft".into(), LinkError::NotALink);
    n += refused!("mailto://x".into(), LinkError::NotALink);
    n += refused!("softtoken://install?type=soft".into(), LinkError::NotEnroll);
    // softtoken://activate is the online format (issue 14): its own checks.
    n += refused!("softtoken://activate?type=soft".into(), LinkError::Missing("v"));
    n += refused!("softtoken://".into(), LinkError::NotEnroll);
    n += refused!(format!("{b}&v=2"), LinkError::NewerVersion(2));
    n += refused!(format!("{b}&v=x"), LinkError::BadVersion(_));
    n += refused!(format!("{b}&v=0"), LinkError::BadVersion(_));
    n += refused!(
        format!("softtoken://enroll?issuer=A&account=b&secret={S}"),
        LinkError::Missing("type")
    );
    n += refused!(
        format!("softtoken://enroll?type=soft&account=b&secret={S}"),
        LinkError::Missing("issuer")
    );
    n += refused!(
        format!("softtoken://enroll?type=soft&issuer=A&secret={S}"),
        LinkError::Missing("account")
    );
    n += refused!(
        "softtoken://enroll?type=soft&issuer=A&account=b".into(),
        LinkError::Missing("secret")
    );
    n += refused!(format!("{b}&type=soft"), LinkError::Repeated("type"));
    n += refused!(format!("{b}&ISSUER=B"), LinkError::Repeated("issuer"));
    n += refused!(format!("{b}&secret={S}"), LinkError::Repeated("secret"));
    n += refused!(
        format!("softtoken://enroll?type=soft&issuer=%FF&account=b&secret={S}"),
        LinkError::Encoding("issuer")
    );
    n += refused!(
        format!("softtoken://enroll?type=soft&issuer=A%0Ab&account=b&secret={S}"),
        LinkError::ControlCharacter("issuer")
    );
    n += refused!(
        format!("softtoken://enroll?type=soft&issuer=A&account=b%00&secret={S}"),
        LinkError::ControlCharacter("account")
    );
    n += refused!(
        format!("softtoken://enroll?type=soft&issuer=&account=b&secret={S}"),
        LinkError::EmptyField("issuer")
    );
    n += refused!(
        format!("softtoken://enroll?type=soft&issuer=A&account=%20&secret={S}"),
        LinkError::EmptyField("account")
    );
    n += refused!(
        format!(
            "softtoken://enroll?type=soft&issuer={}&account=b&secret={S}",
            "I".repeat(65)
        ),
        LinkError::FieldTooLong {
            field: "issuer",
            len: 65,
            max: 64
        }
    );
    n += refused!(
        format!(
            "softtoken://enroll?type=soft&issuer=A&account={}&secret={S}",
            "a".repeat(129)
        ),
        LinkError::FieldTooLong { field: "account", .. }
    );
    n += refused!(
        format!(
            "softtoken://enroll?type=soft&issuer=A&account={}&secret={S}",
            "%C3%A9".repeat(129)
        ),
        LinkError::FieldTooLong {
            field: "account",
            len: 129,
            ..
        }
    );
    n += refused!(
        format!("softtoken://enroll?type=firm&issuer=A&account=b&secret={S}"),
        LinkError::BadType(_)
    );
    n += refused!(
        "softtoken://enroll?type=soft&issuer=A&account=b&secret=".into(),
        LinkError::EmptyField("secret")
    );
    n += refused!(
        "softtoken://enroll?type=soft&issuer=A&account=b&secret=GEZDGNBVGY3TQOJ1GEZDGNBV".into(),
        LinkError::SecretNotBase32
    );
    n += refused!(
        "softtoken://enroll?type=soft&issuer=A&account=b&secret=GEZDGNBV%21Y3TQOJQ".into(),
        LinkError::SecretNotBase32
    );
    n += refused!(
        "softtoken://enroll?type=soft&issuer=A&account=b&secret=GEZDGNBVGY3TQOJQ".into(),
        LinkError::SecretLength(10)
    );
    n += refused!(
        format!(
            "softtoken://enroll?type=soft&issuer=A&account=b&secret={}",
            "A".repeat(112)
        ),
        LinkError::SecretLength(70)
    );
    n += refused!(format!("{b}&algorithm=MD5"), LinkError::BadAlgorithm(_));
    n += refused!(format!("{b}&digits=5"), LinkError::BadDigits(_));
    n += refused!(format!("{b}&digits=9"), LinkError::BadDigits(_));
    n += refused!(format!("{b}&digits=262"), LinkError::BadDigits(_));
    n += refused!(format!("{b}&digits=%2B6"), LinkError::BadDigits(_));
    n += refused!(format!("{b}&period=14"), LinkError::BadPeriod(_));
    n += refused!(format!("{b}&period=301"), LinkError::BadPeriod(_));
    n += refused!(format!("{b}&period=-30"), LinkError::BadPeriod(_));
    n += refused!(format!("{b}&sync=86401"), LinkError::BadSync(_));
    n += refused!(format!("{b}&sync=soon"), LinkError::BadSync(_));
    n += refused!(format!("{b}&exp=tomorrow"), LinkError::BadExpiry(_));
    n += refused!(format!("{b}&exp={}", NOW - 1), LinkError::Expired { .. });
    n += refused!(format!("{b}&pdid=ABCD-EFGH"), LinkError::BadDeviceId { index: 1, .. });
    n += refused!(
        format!("{b}&pdid=ABCD-EFGH-IJKL-MNOP,ABCD-EFGH-IJKL-MN01"),
        LinkError::BadDeviceId { index: 2, .. }
    );
    n += refused!(format!("{b}&pdid="), LinkError::BadDeviceId { index: 1, .. });
    n += refused!(
        format!("{b}&pdid={}", vec!["ABCDEFGHIJKLMNOP"; 33].join(",")),
        LinkError::TooManyDevices
    );
    n += refused!(format!("{b}&id="), LinkError::BadEnrollmentId);
    n += refused!(format!("{b}&id=a%20b"), LinkError::BadEnrollmentId);
    n += refused!(format!("{b}&serial=AB12"), LinkError::SerialOnSoftLink);
    n += refused!(
        "softtoken://enroll?type=hard&issuer=A&account=b&serial=AB%2012".into(),
        LinkError::BadSerial(_)
    );
    n += refused!(
        "softtoken://enroll?type=hard&issuer=A&account=b&exp=1".into(),
        LinkError::Expired { .. }
    );
    n += refused!(format!("otpauth://motp/A:b?secret={S}"), LinkError::OtpauthType(_));
    n += refused!(format!("otpauth://totp/?secret={S}"), LinkError::OtpauthLabel);
    n += refused!(format!("otpauth://totp/Acme:?secret={S}"), LinkError::OtpauthLabel);
    n += refused!(
        format!("otpauth://hotp/Acme:b?secret={S}"),
        LinkError::Missing("counter")
    );
    n += refused!(
        format!("otpauth://hotp/Acme:b?secret={S}&counter=-1"),
        LinkError::BadCounter(_)
    );
    n += refused!(
        format!("otpauth://totp/Acme:b?secret={S}&issuer=Other"),
        LinkError::IssuerMismatch { .. }
    );
    n += refused!("otpauth://totp/Acme:b?issuer=Acme".into(), LinkError::Missing("secret"));
    n += refused!(
        format!("otpauth://totp/Acme:b?secret={S}&period=0"),
        LinkError::BadPeriod(_)
    );
    assert!(n >= 40, "corpus has only {n} links");
}

#[test]
fn tolerated_variations() {
    // Whitespace around the link, lower-case and padded secrets, unknown and
    // badly encoded unknown parameters, fragments.
    let padded = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".to_lowercase();
    for link in [
        format!("  {}\n", base()),
        format!("softtoken://enroll?type=soft&issuer=Acme&account=dr&secret={padded}===="),
        format!("{}&utm_source=%ZZ&foo", base()),
        format!("{}#fragment", base()),
        format!("softtoken://ENROLL/?type=SOFT&issuer=Acme&account=dr&secret={S}&algorithm=Sha256"),
    ] {
        assert!(matches!(parse(&link, NOW), Ok(Link::Soft(_))), "{link}");
    }
}

#[test]
fn messages_tell_the_prescriber_what_to_do() {
    assert!(err(&format!("{}&v=9", base())).to_string().contains("newer SoftToken"));
    assert!(err(&format!("{}&exp=1", base()))
        .to_string()
        .contains("Ask your EHR administrator"));
    assert!(err("https://x").to_string().contains("Copy the whole link"));
}

/// Random and mutated links never panic and never echo the secret (a cheap
/// stand-in for the cargo-fuzz target that runs in every test run).
#[test]
fn random_links_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let seed = format!(
        "{}&algorithm=SHA256&digits=8&period=60&pdid=ABCD-EFGH-IJKL-MNOP&sync=10&exp=1900000000&id=x",
        base()
    );
    let alphabet: Vec<char> = "=&?%:/,+-#AZaz27 \u{0}\u{e9}".chars().collect();
    for _ in 0..20_000 {
        let mut chars: Vec<char> = seed.chars().collect();
        for _ in 0..rng.gen_range(1..6) {
            let i = rng.gen_range(0..chars.len());
            match rng.gen_range(0..3) {
                0 => chars[i] = alphabet[rng.gen_range(0..alphabet.len())],
                1 => {
                    chars.remove(i);
                }
                _ => chars.insert(i, alphabet[rng.gen_range(0..alphabet.len())]),
            }
        }
        let link: String = chars.into_iter().collect();
        if let Err(e) = parse(&link, NOW) {
            assert!(!e.to_string().contains(S), "{link}: {e}");
        }
    }
}
