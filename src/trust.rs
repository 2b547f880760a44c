//! Which issuers the app trusts with an activation (core; no Slint).
//!
//! An administrator can install a policy file (system-wide, at
//! [`policy_path`]) that lists the allowed issuer hosts; then every other
//! host is refused, and it can forbid links that carry their secret
//! (`softtoken://enroll` version 1 and `otpauth://`). Without a policy, a
//! host never seen before gets a one-time caution that names it. A host that
//! looks like a known one (this device's issuers, the policy's, and a few
//! well-known authentication providers) is refused with both names: a typo
//! domain such as `saftenetid.com` for `safenetid.com` is how a phishing
//! email would harvest an activation code.

use std::path::PathBuf;

/// Authentication providers whose look-alikes are refused even before any
/// token from them is on this device.
pub const WELL_KNOWN: &[&str] = &[
    "safenetid.com",
    "thalesgroup.com",
    "symantec.com",
    "symauth.com",
    "rsa.com",
    "securid.com",
    "duosecurity.com",
    "okta.com",
    "imprivata.com",
    "drfirst.com",
    "surescripts.com",
];

/// The administrator's policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Allowed issuer hosts (lower case); empty means no allow-list.
    pub allow: Vec<String>,
    /// Links that carry their secret are refused.
    pub forbid_offline_links: bool,
}

/// What to do with an issuer host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Known (a token from it is on this device, or the policy lists it).
    Known,
    /// Never seen: go on after a caution that names it.
    FirstSeen,
    /// Refused; the sentence says why.
    Refused(String),
}

/// Where the policy file lives on this platform.
pub fn policy_path() -> PathBuf {
    if cfg!(target_os = "windows") {
        let base = std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into());
        PathBuf::from(base).join("SoftToken").join("policy")
    } else if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/SoftToken/policy")
    } else {
        PathBuf::from("/etc/softtoken/policy")
    }
}

/// Why a policy file could not be used. A broken policy refuses every
/// activation rather than silently allowing all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the SoftToken policy file {path} has an error on line {line}: {why}; ask your administrator")]
pub struct PolicyError {
    pub path: String,
    pub line: usize,
    pub why: String,
}

impl Policy {
    /// Reads [`policy_path`]: no file is no policy.
    pub fn load() -> Result<Policy, PolicyError> {
        let path = policy_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => Policy::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Policy::default()),
            Err(e) => Err(PolicyError {
                path: path.display().to_string(),
                line: 0,
                why: e.to_string(),
            }),
        }
    }

    /// One statement per line; `#` starts a comment:
    /// `allow HOST` (repeatable) and `offline-links forbid|allow`.
    pub fn parse(text: &str, path: &str) -> Result<Policy, PolicyError> {
        let mut p = Policy::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let err = |why: String| PolicyError {
                path: path.into(),
                line: i + 1,
                why,
            };
            let mut words = line.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("allow"), Some(host), None) => {
                    let host = host.to_ascii_lowercase();
                    let ok = host.is_ascii()
                        && !host.is_empty()
                        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
                    if !ok {
                        return Err(err(format!("\"{host}\" is not a host name")));
                    }
                    p.allow.push(host);
                }
                (Some("offline-links"), Some("forbid"), None) => p.forbid_offline_links = true,
                (Some("offline-links"), Some("allow"), None) => p.forbid_offline_links = false,
                _ => {
                    return Err(err(format!(
                        "expected \"allow HOST\" or \"offline-links forbid\", found \"{line}\""
                    )))
                }
            }
        }
        Ok(p)
    }

    /// Judges an issuer `host` (as in the link, with any port) against the
    /// policy and the hosts this device already has tokens from.
    pub fn judge(&self, host: &str, known: &[String]) -> Verdict {
        let host = host.to_ascii_lowercase();
        let name = strip_port(&host);
        if !self.allow.is_empty() {
            return if self.allow.iter().any(|a| a == &host || strip_port(a) == name) {
                Verdict::Known
            } else {
                Verdict::Refused(format!(
                    "Your administrator allows activations only from {}; this link names {host}.",
                    self.allow.join(", ")
                ))
            };
        }
        if known.iter().any(|k| strip_port(&k.to_ascii_lowercase()) == name) {
            return Verdict::Known;
        }
        if name.split('.').any(|label| label.starts_with("xn--")) {
            return Verdict::Refused(format!(
                "The link names {host}, an internationalised (punycode) name, which can imitate another. \
                 Ask your EHR for the issuer's plain address."
            ));
        }
        let candidates = known
            .iter()
            .map(|k| strip_port(k).to_ascii_lowercase())
            .chain(WELL_KNOWN.iter().map(|s| s.to_string()));
        for k in candidates {
            if let Some(why) = looks_like(name, &k) {
                return Verdict::Refused(format!(
                    "The link names {host}, which looks like {k} ({why}) but is not it. This link may be a \
                     phishing attempt: do not type your activation code, and tell your EHR's help desk."
                ));
            }
        }
        Verdict::FirstSeen
    }
}

fn strip_port(host: &str) -> &str {
    if let Some(v6) = host.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

/// The registrable part of a host, roughly: its last two labels
/// (`auth.safenetid.com` → `safenetid.com`).
fn domain(host: &str) -> &str {
    let mut dots = host.match_indices('.').map(|(i, _)| i).collect::<Vec<_>>();
    match dots.len() {
        0 | 1 => host,
        _ => {
            dots.reverse();
            &host[dots[1] + 1..]
        }
    }
}

/// ASCII characters that read alike, folded together (a small ASCII subset
/// of Unicode TR 39's confusables; non-ASCII hosts are refused earlier).
fn skeleton(s: &str) -> String {
    s.replace("rn", "m")
        .replace("vv", "w")
        .replace("cl", "d")
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' | 'I' => 'l',
            '5' => 's',
            '8' => 'b',
            c => c,
        })
        .collect()
}

/// Why `host` would be mistaken for `known`, if it would: the same
/// registrable domain read with look-alike characters, or one or two
/// characters apart (typed, swapped, missing or extra).
fn looks_like(host: &str, known: &str) -> Option<&'static str> {
    let (a, b) = (domain(host), domain(known));
    if a == b {
        return None;
    }
    if skeleton(a) == skeleton(b) {
        return Some("look-alike characters");
    }
    let d = strsim::damerau_levenshtein(a, b);
    // Short names are too close to each other by chance.
    if d <= 2 && b.len() >= 8 {
        return Some(if d == 1 {
            "one character apart"
        } else {
            "two characters apart"
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_and_look_alike_hosts_are_refused_with_both_names() {
        let p = Policy::default();
        let known = vec!["ehr.example-clinic.org".to_string()];
        let refused = |host: &str| match p.judge(host, &known) {
            Verdict::Refused(why) => why,
            other => panic!("{host}: {other:?}"),
        };
        // The seeds' own help page points at this typo domain.
        let why = refused("saftenetid.com");
        assert!(why.contains("saftenetid.com, which looks like safenetid.com"), "{why}");
        assert!(refused("auth.saftenetid.com").contains("safenetid.com"));
        assert!(refused("safenetid.co:443").contains("safenetid.com"));
        assert!(refused("ehr.exarnple-clinic.org").contains("look-alike characters"));
        assert!(refused("ehr.examp1e-clinic.org").contains("look-alike"));
        assert!(refused("ehr.example-clinics.org").contains("one character apart"));
        assert!(refused("xn--safnetid-i2a.com").contains("punycode"));
        // Known hosts, subdomains of known ones, and unrelated new ones.
        assert_eq!(p.judge("ehr.example-clinic.org", &known), Verdict::Known);
        assert_eq!(p.judge("EHR.example-clinic.org:8443", &known), Verdict::Known);
        assert_eq!(p.judge("www.safenetid.com", &known), Verdict::FirstSeen);
        assert_eq!(p.judge("epcs.mercy-health.org", &known), Verdict::FirstSeen);
        assert_eq!(p.judge("127.0.0.1:8443", &[]), Verdict::FirstSeen);
    }

    #[test]
    fn an_allow_list_refuses_every_other_host() {
        let p = Policy::parse(
            "# EPCS issuers\nallow ehr.example.org\nallow 127.0.0.1:8443   # local\noffline-links forbid\n",
            "policy",
        )
        .unwrap();
        assert!(p.forbid_offline_links);
        assert_eq!(p.judge("ehr.example.org", &[]), Verdict::Known);
        assert_eq!(p.judge("127.0.0.1:8443", &[]), Verdict::Known);
        let Verdict::Refused(why) = p.judge("other.example.org", &["other.example.org".into()]) else {
            panic!()
        };
        assert!(why.contains("only from ehr.example.org, 127.0.0.1:8443"), "{why}");
    }

    #[test]
    fn a_broken_policy_file_names_its_line() {
        let e = Policy::parse("allow a.example\nallow\n", "/etc/softtoken/policy").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("/etc/softtoken/policy has an error on line 2"));
        assert!(Policy::parse("allow exa mple.org", "p").is_err());
        assert!(Policy::parse("offline-links maybe", "p").is_err());
        assert!(Policy::parse("allow ex/ample.org", "p").is_err());
    }
}
