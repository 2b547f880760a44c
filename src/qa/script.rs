//! The `.qa` script format, parsed before anything runs.
//!
//! QA teams write UI tests as plain text, one step per line, addressing
//! controls by their accessible labels. This module only reads text (screen
//! names are checked against the app's `Screen` enum, generated from
//! `ui/app.slint`), so every syntax error is reported with `file:line` before
//! a window is created. The player (`qa::play`) gives the steps their meaning.

use std::fmt;

use crate::ui::Screen;

/// A key `press` can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Enter,
    Escape,
    Tab,
}

/// Which way `scroll` moves the content under the window's centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Towards the end of the list (as a mouse wheel turned towards you).
    Down,
    /// Towards its start.
    Up,
}

/// What `expect-clipboard` expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClipboardExpectation {
    /// The passcode on screen.
    Code,
    /// Nothing.
    Empty,
}

/// The color scheme `color-scheme` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Light,
    Dark,
}

/// One step of a script.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    OpenLink(String),
    PasteLink(String),
    Fill(String, String),
    Click(String),
    Press(Key),
    Scroll(Direction),
    ExpectScreen(Screen),
    ExpectText(String),
    ExpectNoText(String),
    ExpectEnabled(String),
    ExpectDisabled(String),
    ExpectCode,
    ExpectClipboard(ClipboardExpectation),
    ExpectNoClipping,
    SetTime(u64),
    Advance(u64),
    SetDeviceId(crate::device::DeviceId),
    Window {
        width: u32,
        height: u32,
    },
    Scale(f32),
    ColorScheme(Scheme),
    Screenshot(String),
    /// Shifts the clock at once (a device clock that is off).
    Skew(i64),
    /// What the system says of its clock's sync (`NTPSynchronized`): on,
    /// off, or nothing (the default: no answer).
    TimeSync(Option<bool>),
    Server(ServerStep),
}

/// Steps that drive a real `softtoken-server` in the session.
#[derive(Clone, Debug, PartialEq)]
pub enum ServerStep {
    Start,
    /// Sets `$LINK` and `$CODE`.
    Enroll {
        issuer: String,
        account: String,
        prescribing_devices: Option<String>,
    },
    /// Verifies the code on screen for the account; the outcome expected:
    /// `accepted` or the server's error code (`replayed`, `revoked`, …).
    Verify {
        account: String,
        expect: String,
    },
    Revoke(String),
    /// Moves the issuer's clock forward (seconds), e.g. past an activation
    /// code's lifetime.
    Advance(u64),
    Stop,
}

/// Variables that steps set while the script runs (`server enroll`).
pub const RUNTIME_VARIABLES: &[&str] = &["LINK", "CODE"];

/// A step with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// The line in the script file (for a step from an included file, the
    /// `include` line).
    pub number: usize,
    pub text: String,
    pub step: Step,
    /// For a step from an included file: `file:line` where it is written.
    pub origin: Option<String>,
}

/// A parsed script.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    pub name: String,
    pub lines: Vec<Line>,
}

/// A syntax error: `file:line: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// One word or quoted string of a line.
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
}

fn tokenize(line: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            break;
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    None => return Err("a string is not closed: add the missing \"".into()),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some('"') => s.push('"'),
                        Some('\\') => s.push('\\'),
                        Some('n') => s.push('\n'),
                        Some(other) => {
                            return Err(format!(
                                "unknown escape \\{other} in a string: use \\\" for a quote, \\\\ for a backslash, \\n for a new line"
                            ))
                        }
                        None => return Err("a string ends with a lone backslash".into()),
                    },
                    Some(ch) => s.push(ch),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace() && *c != '#') {
                return Err("a string must be followed by a space or the end of the line".into());
            }
            out.push(Token::Quoted(s));
        } else {
            let mut s = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == '"' || ch == '#' {
                    break;
                }
                s.push(ch);
                chars.next();
            }
            out.push(Token::Word(s));
        }
    }
    Ok(out)
}

/// "30s", "2m", "1h", "90" (seconds) → seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let (num, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    if num.is_empty() || num.len() > 7 {
        return None;
    }
    let n: u64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return None,
    };
    Some(n * mult)
}

const STEP_HELP: &str =
    "open-link, paste-link, fill, click, press, scroll, expect-screen, expect-text, expect-no-text, \
expect-enabled, expect-disabled, expect-code, expect-clipboard, expect-no-clipping, set-time, advance, \
set-device-id, window, scale, color-scheme, screenshot, skew, time-sync, server";

fn step(tokens: &[Token]) -> Result<Step, String> {
    let Some(Token::Word(name)) = tokens.first() else {
        return Err("a line must start with a step name, not a string".into());
    };
    let args = &tokens[1..];
    let strings = |n: usize, usage: &str| -> Result<Vec<String>, String> {
        if args.len() != n {
            return Err(format!("`{name}` takes {n} quoted string(s): {usage}"));
        }
        args.iter()
            .map(|t| match t {
                Token::Quoted(s) => Ok(s.clone()),
                Token::Word(w) => Err(format!("`{name}` expects a quoted string, found {w}: {usage}")),
            })
            .collect()
    };
    let word = |usage: &str| -> Result<String, String> {
        match args {
            [Token::Word(w)] => Ok(w.clone()),
            [Token::Quoted(w)] => Ok(w.clone()),
            _ => Err(format!("`{name}` takes one value: {usage}")),
        }
    };
    let none = || -> Result<(), String> {
        if args.is_empty() {
            Ok(())
        } else {
            Err(format!("`{name}` takes nothing after it"))
        }
    };
    let label = |s: String| -> Result<String, String> {
        if s.trim().is_empty() {
            Err(format!("`{name}` needs a non-empty label"))
        } else {
            Ok(s)
        }
    };
    Ok(match name.as_str() {
        "open-link" => Step::OpenLink(strings(1, "open-link \"softtoken://enroll?…\"")?.remove(0)),
        "paste-link" => Step::PasteLink(strings(1, "paste-link \"softtoken://enroll?…\"")?.remove(0)),
        "fill" => {
            let mut v = strings(2, "fill \"LABEL\" \"TEXT\"")?;
            let text = v.remove(1);
            Step::Fill(label(v.remove(0))?, text)
        }
        "click" => Step::Click(label(strings(1, "click \"LABEL\"")?.remove(0))?),
        "press" => Step::Press(match word("press Enter|Escape|Tab")?.as_str() {
            "Enter" => Key::Enter,
            "Escape" => Key::Escape,
            "Tab" => Key::Tab,
            other => return Err(format!("`press` knows Enter, Escape and Tab, not {other}")),
        }),
        "scroll" => Step::Scroll(match word("scroll down|up")?.as_str() {
            "down" => Direction::Down,
            "up" => Direction::Up,
            other => return Err(format!("`scroll` goes down or up, not {other}")),
        }),
        "expect-screen" => {
            let s = word("expect-screen NAME")?;
            let screen = Screen::from_name(&s)
                .ok_or_else(|| format!("unknown screen {s}: the screens are {}", Screen::names().join(", ")))?;
            Step::ExpectScreen(screen)
        }
        "expect-text" => Step::ExpectText(label(strings(1, "expect-text \"TEXT\"")?.remove(0))?),
        "expect-no-text" => Step::ExpectNoText(label(strings(1, "expect-no-text \"TEXT\"")?.remove(0))?),
        "expect-enabled" => Step::ExpectEnabled(label(strings(1, "expect-enabled \"LABEL\"")?.remove(0))?),
        "expect-disabled" => Step::ExpectDisabled(label(strings(1, "expect-disabled \"LABEL\"")?.remove(0))?),
        "expect-code" => {
            none()?;
            Step::ExpectCode
        }
        "expect-no-clipping" => {
            none()?;
            Step::ExpectNoClipping
        }
        "expect-clipboard" => Step::ExpectClipboard(match word("expect-clipboard code|empty")?.as_str() {
            "code" => ClipboardExpectation::Code,
            "empty" => ClipboardExpectation::Empty,
            other => return Err(format!("`expect-clipboard` takes code or empty, not {other}")),
        }),
        "set-time" => {
            let s = strings(1, "set-time \"2026-01-01T09:00:00Z\"")?.remove(0);
            Step::SetTime(crate::clock::parse_rfc3339(&s).ok_or_else(|| {
                format!("`set-time` expects an RFC 3339 time such as \"2026-01-01T09:00:00Z\", not \"{s}\"")
            })?)
        }
        "advance" => {
            let s = word("advance 30s")?;
            let secs = parse_duration(&s)
                .filter(|n| (1..=7 * 86400).contains(n))
                .ok_or_else(|| format!("`advance` expects a duration such as 30s, 2m or 1h (up to 7 days), not {s}"))?;
            Step::Advance(secs)
        }
        "set-device-id" => {
            let s = strings(1, "set-device-id \"ABCD-EFGH-IJKL-MNOP\"")?.remove(0);
            Step::SetDeviceId(s.parse().map_err(|e| format!("`set-device-id`: {e}"))?)
        }
        "window" => {
            let s = word("window 400x720")?;
            let parsed = s
                .split_once('x')
                .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
                .filter(|(w, h)| (100..=4000).contains(w) && (100..=4000).contains(h));
            let (width, height) =
                parsed.ok_or_else(|| format!("`window` expects WIDTHxHEIGHT in logical pixels (100–4000), not {s}"))?;
            Step::Window { width, height }
        }
        "scale" => {
            let s = word("scale 2")?;
            let f: f32 = s
                .parse()
                .ok()
                .filter(|f: &f32| (0.5..=4.0).contains(f))
                .ok_or_else(|| format!("`scale` expects a factor from 0.5 to 4, not {s}"))?;
            Step::Scale(f)
        }
        "color-scheme" => Step::ColorScheme(match word("color-scheme light|dark")?.as_str() {
            "light" => Scheme::Light,
            "dark" => Scheme::Dark,
            other => return Err(format!("`color-scheme` takes light or dark, not {other}")),
        }),
        "screenshot" => {
            let s = strings(1, "screenshot \"NAME\"")?.remove(0);
            let ok =
                !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(format!(
                    "`screenshot` names become file names: use 1–64 letters, digits, - or _, not \"{s}\""
                ));
            }
            Step::Screenshot(s)
        }
        "skew" => {
            let s = word("skew +90s")?;
            let (sign, rest) = match s.strip_prefix('-') {
                Some(r) => (-1, r),
                None => (1, s.strip_prefix('+').unwrap_or(&s)),
            };
            let secs = parse_duration(rest)
                .filter(|n| (1..=86400).contains(n))
                .ok_or_else(|| format!("`skew` expects +DURATION or -DURATION such as +90s (up to 1 day), not {s}"))?;
            Step::Skew(sign * secs as i64)
        }
        "time-sync" => Step::TimeSync(match word("time-sync on|off|unknown")?.as_str() {
            "on" => Some(true),
            "off" => Some(false),
            "unknown" => None,
            other => return Err(format!("`time-sync` is on, off or unknown, not {other}")),
        }),
        "server" => {
            let usage = "server start | enroll \"ISSUER\" \"ACCOUNT\" [\"PDID,…\"] | verify \"ACCOUNT\" accepted|replayed|revoked|… | revoke \"ACCOUNT\" | advance DURATION | stop";
            let quoted = |t: &Token| match t {
                Token::Quoted(q) => Ok(q.clone()),
                Token::Word(w) => Err(format!("`server` expects a quoted string, found {w}: {usage}")),
            };
            Step::Server(match args {
                [Token::Word(w)] if w == "start" => ServerStep::Start,
                [Token::Word(w)] if w == "stop" => ServerStep::Stop,
                [Token::Word(w), i, a] if w == "enroll" => ServerStep::Enroll {
                    issuer: quoted(i)?,
                    account: quoted(a)?,
                    prescribing_devices: None,
                },
                [Token::Word(w), i, a, d] if w == "enroll" => ServerStep::Enroll {
                    issuer: quoted(i)?,
                    account: quoted(a)?,
                    prescribing_devices: Some(quoted(d)?),
                },
                [Token::Word(w), a, Token::Word(e)] if w == "verify" => ServerStep::Verify {
                    account: quoted(a)?,
                    expect: e.clone(),
                },
                [Token::Word(w), a] if w == "revoke" => ServerStep::Revoke(quoted(a)?),
                [Token::Word(w), Token::Word(d)] if w == "advance" => {
                    ServerStep::Advance(parse_duration(d).filter(|n| (1..=30 * 86400).contains(n)).ok_or_else(
                        || format!("`server advance` expects a duration such as 11m (up to 30 days), not {d}"),
                    )?)
                }
                _ => return Err(format!("`server` usage: {usage}")),
            })
        }
        other => return Err(format!("unknown step `{other}`; the steps are: {STEP_HELP}")),
    })
}

/// How deep `include` may nest (a file that includes itself stops here).
const MAX_INCLUDE_DEPTH: usize = 8;
/// The most steps a script may expand to (`repeat` inside `repeat`).
const MAX_STEPS: usize = 10_000;

/// Parses a whole script; `file` names it in errors, and `include` paths
/// are read relative to its folder. Every line is checked, and the first
/// error is returned, with the file and line it is on (inside an included
/// file too).
pub fn parse(file: &str, text: &str) -> Result<Script, ParseError> {
    parse_with(file, text, &|path| std::fs::read_to_string(path))
}

/// [`parse`], reading included files with `read`.
pub fn parse_with(
    file: &str,
    text: &str,
    read: &dyn Fn(&std::path::Path) -> std::io::Result<String>,
) -> Result<Script, ParseError> {
    let mut x = Expander {
        read,
        lines: Vec::new(),
        shots: std::collections::HashSet::new(),
    };
    let numbered: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    let mut vars = Vars::new();
    x.block(file, &numbered, &mut vars, None, 0)?;
    if x.lines.is_empty() {
        return Err(ParseError {
            file: file.to_string(),
            line: 1,
            message: "the script has no steps".into(),
        });
    }
    let name = std::path::Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    Ok(Script { name, lines: x.lines })
}

type Vars = std::collections::HashMap<String, String>;

/// Expands `set`, `$NAME`, `repeat … end` and `include` into plain steps.
struct Expander<'a> {
    read: &'a dyn Fn(&std::path::Path) -> std::io::Result<String>,
    lines: Vec<Line>,
    shots: std::collections::HashSet<String>,
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_') && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Replaces `$NAME`, `${NAME}` and `${NAME:0W}` (zero-padded to W digits)
/// with their values; `$$` is a dollar sign.
fn substitute(text: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let (name, pad, after) = if let Some(r) = rest.strip_prefix('{') {
            let end = r.find('}').ok_or("a ${ is not closed: add the missing }")?;
            let inner = &r[..end];
            let (name, pad) = match inner.split_once(':') {
                Some((n, w)) => {
                    let width = w
                        .strip_prefix('0')
                        .and_then(|d| d.parse::<usize>().ok())
                        .filter(|w| *w <= 12)
                        .ok_or_else(|| format!("${{{inner}}}: the padding must be like :02"))?;
                    (n, width)
                }
                None => (inner, 0),
            };
            (name, pad, &r[end + 1..])
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (&rest[..end], 0, &rest[end..])
        };
        if !is_name(name) {
            return Err("a $ must be followed by a variable name (write $$ for a dollar sign)".into());
        }
        match vars.get(name) {
            Some(value) => out.push_str(&format!("{value:0>pad$}")),
            // Set by a step while the script runs: replaced then.
            None if RUNTIME_VARIABLES.contains(&name) && pad == 0 => out.push_str(&format!("${name}")),
            None => return Err(format!("${name} is not set: set it first with  set {name} \"…\"")),
        }
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

impl Expander<'_> {
    fn block(
        &mut self,
        file: &str,
        lines: &[(usize, &str)],
        vars: &mut Vars,
        included_at: Option<usize>,
        depth: usize,
    ) -> Result<(), ParseError> {
        let mut i = 0;
        while i < lines.len() {
            let (n, raw) = lines[i];
            i += 1;
            let err = |message: String| ParseError {
                file: file.to_string(),
                line: n,
                message,
            };
            let tokens = tokenize(raw).map_err(err)?;
            let Some(Token::Word(first)) = tokens.first() else {
                if tokens.is_empty() {
                    continue;
                }
                return Err(err("a line must start with a step name, not a string".into()));
            };
            match first.as_str() {
                "set" => match &tokens[1..] {
                    [Token::Word(name), Token::Quoted(value)] if is_name(name) => {
                        let value = substitute(value, vars).map_err(err)?;
                        vars.insert(name.clone(), value);
                    }
                    _ => return Err(err("`set` takes a name and a quoted value: set NAME \"value\"".into())),
                },
                "end" => return Err(err("`end` without a `repeat` before it".into())),
                "repeat" => {
                    let usage = "`repeat` takes a count and optionally a name for the round: repeat 10 as N";
                    let (count, round) = match &tokens[1..] {
                        [Token::Word(c)] => (c, None),
                        [Token::Word(c), Token::Word(as_), Token::Word(name)] if as_ == "as" && is_name(name) => {
                            (c, Some(name.clone()))
                        }
                        _ => return Err(err(usage.into())),
                    };
                    let count: usize = substitute(count, vars)
                        .map_err(err)?
                        .parse()
                        .ok()
                        .filter(|c| (1..=1000).contains(c))
                        .ok_or_else(|| err(format!("{usage}; the count is 1 to 1000")))?;
                    // The matching `end`, with repeats nested inside.
                    let mut level = 1;
                    let mut j = i;
                    while j < lines.len() {
                        let t = tokenize(lines[j].1).unwrap_or_default();
                        match t.first() {
                            Some(Token::Word(w)) if w == "repeat" => level += 1,
                            Some(Token::Word(w)) if w == "end" => {
                                level -= 1;
                                if level == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    if j == lines.len() {
                        return Err(err("this `repeat` has no `end`".into()));
                    }
                    for round_no in 1..=count {
                        let mut inner = vars.clone();
                        if let Some(name) = &round {
                            inner.insert(name.clone(), round_no.to_string());
                        }
                        self.block(file, &lines[i..j], &mut inner, included_at, depth)?;
                    }
                    i = j + 1;
                }
                "include" => {
                    let usage = "`include` takes a quoted file and NAME=\"value\" parameters: include \"flows/enroll.qa\" NAME=\"x\"";
                    let Some(Token::Quoted(path)) = tokens.get(1) else {
                        return Err(err(usage.into()));
                    };
                    let mut inner = vars.clone();
                    let mut rest = &tokens[2..];
                    while let [Token::Word(k), Token::Quoted(v), tail @ ..] = rest {
                        let name = k
                            .strip_suffix('=')
                            .filter(|n| is_name(n))
                            .ok_or_else(|| err(usage.into()))?;
                        inner.insert(name.to_string(), substitute(v, vars).map_err(err)?);
                        rest = tail;
                    }
                    if !rest.is_empty() {
                        return Err(err(usage.into()));
                    }
                    if depth >= MAX_INCLUDE_DEPTH {
                        return Err(err(format!(
                            "includes nest deeper than {MAX_INCLUDE_DEPTH}: does a file include itself?"
                        )));
                    }
                    let path = substitute(path, vars).map_err(err)?;
                    let target = std::path::Path::new(file)
                        .parent()
                        .unwrap_or(std::path::Path::new(""))
                        .join(&path);
                    let text = (self.read)(&target)
                        .map_err(|e| err(format!("cannot read the included file {}: {e}", target.display())))?;
                    let shown = target.display().to_string();
                    let numbered: Vec<(usize, &str)> = text.lines().enumerate().map(|(k, l)| (k + 1, l)).collect();
                    self.block(&shown, &numbered, &mut inner, Some(included_at.unwrap_or(n)), depth + 1)?;
                }
                _ => {
                    let tokens = tokens
                        .into_iter()
                        .map(|t| {
                            Ok(match t {
                                Token::Word(w) => Token::Word(substitute(&w, vars)?),
                                Token::Quoted(q) => Token::Quoted(substitute(&q, vars)?),
                            })
                        })
                        .collect::<Result<Vec<_>, String>>()
                        .map_err(err)?;
                    let step = step(&tokens).map_err(err)?;
                    if let Step::Screenshot(name) = &step {
                        if !self.shots.insert(name.clone()) {
                            return Err(err(format!(
                                "a screenshot named \"{name}\" is already taken in this script"
                            )));
                        }
                    }
                    if self.lines.len() >= MAX_STEPS {
                        return Err(err(format!("the script expands to more than {MAX_STEPS} steps")));
                    }
                    let text = substitute(raw.trim(), vars).unwrap_or_else(|_| raw.trim().to_string());
                    self.lines.push(Line {
                        number: included_at.unwrap_or(n),
                        text,
                        step,
                        origin: included_at.map(|_| format!("{file}:{n}")),
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Result<Step, String> {
        parse("t.qa", line)
            .map(|s| s.lines[0].step.clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn every_step() {
        assert_eq!(one("open-link \"x\"").unwrap(), Step::OpenLink("x".into()));
        assert_eq!(one("paste-link \"x\"").unwrap(), Step::PasteLink("x".into()));
        assert_eq!(
            one("fill \"PIN\" \"2580\"").unwrap(),
            Step::Fill("PIN".into(), "2580".into())
        );
        assert_eq!(one("click \"Activate\"  # go").unwrap(), Step::Click("Activate".into()));
        assert_eq!(one("press Enter").unwrap(), Step::Press(Key::Enter));
        assert_eq!(one("press Escape").unwrap(), Step::Press(Key::Escape));
        assert_eq!(one("press Tab").unwrap(), Step::Press(Key::Tab));
        assert_eq!(one("scroll down").unwrap(), Step::Scroll(Direction::Down));
        assert_eq!(one("scroll up").unwrap(), Step::Scroll(Direction::Up));
        assert_eq!(
            one("expect-screen same-device").unwrap(),
            Step::ExpectScreen(Screen::SameDevice)
        );
        assert_eq!(
            one("expect-text \"a \\\"b\\\"\"").unwrap(),
            Step::ExpectText("a \"b\"".into())
        );
        assert_eq!(one("expect-no-text \"x\"").unwrap(), Step::ExpectNoText("x".into()));
        assert_eq!(one("expect-enabled \"x\"").unwrap(), Step::ExpectEnabled("x".into()));
        assert_eq!(one("expect-disabled \"x\"").unwrap(), Step::ExpectDisabled("x".into()));
        assert_eq!(one("expect-code").unwrap(), Step::ExpectCode);
        assert_eq!(one("expect-no-clipping").unwrap(), Step::ExpectNoClipping);
        assert_eq!(one("time-sync off").unwrap(), Step::TimeSync(Some(false)));
        assert_eq!(one("time-sync on").unwrap(), Step::TimeSync(Some(true)));
        assert_eq!(one("time-sync unknown").unwrap(), Step::TimeSync(None));
        assert!(one("time-sync maybe").unwrap_err().contains("on, off or unknown"));
        assert_eq!(
            one("server advance 11m").unwrap(),
            Step::Server(ServerStep::Advance(660))
        );
        assert!(one("server advance soon").unwrap_err().contains("duration such as 11m"));
        assert!(one("expect-screen nowhere")
            .unwrap_err()
            .contains("the screens are tokens, link-problem"));
        assert_eq!(
            one("expect-clipboard code").unwrap(),
            Step::ExpectClipboard(ClipboardExpectation::Code)
        );
        assert_eq!(
            one("set-time \"2026-01-01T09:00:00Z\"").unwrap(),
            Step::SetTime(1_767_258_000)
        );
        assert_eq!(one("advance 30s").unwrap(), Step::Advance(30));
        assert_eq!(one("advance 2m").unwrap(), Step::Advance(120));
        assert_eq!(one("advance 1h").unwrap(), Step::Advance(3600));
        assert_eq!(
            one("set-device-id \"abcd-efgh-ijkl-mnop\"").unwrap(),
            Step::SetDeviceId("ABCD-EFGH-IJKL-MNOP".parse().unwrap())
        );
        assert_eq!(
            one("window 320x560").unwrap(),
            Step::Window {
                width: 320,
                height: 560
            }
        );
        assert_eq!(one("scale 2").unwrap(), Step::Scale(2.0));
        assert_eq!(one("color-scheme dark").unwrap(), Step::ColorScheme(Scheme::Dark));
        assert_eq!(
            one("screenshot \"first-run\"").unwrap(),
            Step::Screenshot("first-run".into())
        );
    }

    #[test]
    fn errors_name_file_line_and_what_was_expected() {
        let e = parse("a/b.qa", "# c\n\nclick \"x\"\nclik \"Activate\"\n").unwrap_err();
        assert_eq!(e.file, "a/b.qa");
        assert_eq!(e.line, 4);
        assert!(e.to_string().starts_with("a/b.qa:4: unknown step `clik`"), "{e}");
        let cases = [
            ("click Activate", "expects a quoted string"),
            ("click \"Activate", "not closed"),
            ("click \"\"", "non-empty label"),
            ("click \"a\" \"b\"", "takes 1 quoted"),
            ("press Space", "Enter, Escape and Tab"),
            ("scroll left", "down or up"),
            ("scroll", "takes one value"),
            ("expect-screen home", "unknown screen home"),
            ("expect-code now", "takes nothing"),
            ("set-time \"tomorrow\"", "RFC 3339"),
            ("advance 30x", "duration"),
            ("advance 0s", "duration"),
            ("set-device-id \"nope\"", "set-device-id"),
            ("window 10x10", "WIDTHxHEIGHT"),
            ("scale 9", "factor"),
            ("color-scheme blue", "light or dark"),
            ("screenshot \"../x\"", "file names"),
            ("\"x\"", "step name"),
            ("fill \"a\"\"b\"", "followed by a space"),
            ("expect-text \"\\q\"", "unknown escape"),
            ("screenshot \"a\"\nscreenshot \"a\"", "already taken"),
        ];
        for (line, want) in cases {
            let e = parse("t.qa", line).unwrap_err().to_string();
            assert!(e.starts_with("t.qa:"), "{line}: {e}");
            assert!(e.contains(want), "{line}: {e} (wanted {want})");
        }
        assert!(parse("t.qa", "# only a comment\n")
            .unwrap_err()
            .to_string()
            .contains("no steps"));
    }

    fn files(map: &'static [(&'static str, &'static str)]) -> impl Fn(&std::path::Path) -> std::io::Result<String> {
        move |p: &std::path::Path| {
            map.iter()
                .find(|(name, _)| std::path::Path::new(name) == p)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
        }
    }

    #[test]
    fn variables_repeat_and_include_expand_to_plain_steps() {
        let read = files(&[(
            "qa/flows/enroll.qa",
            "# a flow\nopen-link \"softtoken://enroll?account=$ACCOUNT\"\nfill \"Token name\" \"$NAME\"\n",
        )]);
        let text = "set PIN \"2580\"\n\
                    repeat 2 as N\n\
                    include \"flows/enroll.qa\" ACCOUNT=\"dr${N:02}\" NAME=\"Clinic $N\"\n\
                    end\n\
                    repeat 2\n\
                    fill \"PIN\" \"$PIN\"\n\
                    end\n\
                    expect-text \"costs $$5\"\n";
        let s = parse_with("qa/main.qa", text, &read).unwrap();
        let steps: Vec<Step> = s.lines.iter().map(|l| l.step.clone()).collect();
        assert_eq!(
            steps,
            vec![
                Step::OpenLink("softtoken://enroll?account=dr01".into()),
                Step::Fill("Token name".into(), "Clinic 1".into()),
                Step::OpenLink("softtoken://enroll?account=dr02".into()),
                Step::Fill("Token name".into(), "Clinic 2".into()),
                Step::Fill("PIN".into(), "2580".into()),
                Step::Fill("PIN".into(), "2580".into()),
                Step::ExpectText("costs $5".into()),
            ]
        );
        // Included steps name the include line, and where they are written.
        assert_eq!(s.lines[0].number, 3);
        assert_eq!(s.lines[1].origin.as_deref(), Some("qa/flows/enroll.qa:3"));
        assert_eq!((s.lines[4].number, s.lines[4].origin.as_deref()), (6, None));
    }

    #[test]
    fn expansion_errors_name_the_file_and_line_they_are_in() {
        let read = files(&[
            ("qa/flows/bad.qa", "click \"Done\"\nfill \"PIN\" \"$MISSING\"\n"),
            ("qa/flows/loop.qa", "include \"loop.qa\"\n"),
        ]);
        let err = |text: &str| parse_with("qa/main.qa", text, &read).unwrap_err().to_string();
        assert_eq!(
            err("click \"Done\"\ninclude \"flows/bad.qa\"\n"),
            "qa/flows/bad.qa:2: $MISSING is not set: set it first with  set MISSING \"…\""
        );
        assert!(err("include \"flows/nope.qa\"")
            .starts_with("qa/main.qa:1: cannot read the included file qa/flows/nope.qa"));
        assert!(err("include \"flows/loop.qa\"").contains("nest deeper than 8"));
        assert_eq!(
            err("repeat 3\nclick \"x\"\n"),
            "qa/main.qa:1: this `repeat` has no `end`"
        );
        assert_eq!(
            err("click \"x\"\nend\n"),
            "qa/main.qa:2: `end` without a `repeat` before it"
        );
        assert!(err("repeat 0\nend").contains("1 to 1000"));
        assert!(err("set 1X \"a\"").contains("set NAME"));
        assert!(err("fill \"PIN\" \"${N:2}\"").contains("padding"));
        assert!(err("expect-text \"$ 5\"").contains("$$ for a dollar sign"));
        assert!(err("repeat 1000 as A\nrepeat 1000 as B\nclick \"x\"\nend\nend").contains("more than 10000 steps"));
    }
}
