//! The `.qa` script format, parsed before anything runs.
//!
//! QA teams write UI tests as plain text, one step per line, addressing
//! controls by their accessible labels. This module only reads text: it never
//! touches Slint, so every syntax error is reported with `file:line` before a
//! window is created. The player (`qa::play`) gives the steps their meaning.

use std::fmt;

/// Screen names `expect-screen` accepts (the values of `Nav.screen` in `ui/app.slint`).
pub const SCREENS: &[&str] = &[
    "tokens",
    "link-problem",
    "same-device",
    "name",
    "pin",
    "replace",
    "done",
    "unlock",
    "passcode",
    "about",
    "new-link",
    "activation",
    "details",
];

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
    ExpectScreen(String),
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
    Window { width: u32, height: u32 },
    Scale(f32),
    ColorScheme(Scheme),
    Screenshot(String),
}

/// A step with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub number: usize,
    pub text: String,
    pub step: Step,
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
set-device-id, window, scale, color-scheme, screenshot";

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
            if !SCREENS.contains(&s.as_str()) {
                return Err(format!("unknown screen {s}: the screens are {}", SCREENS.join(", ")));
            }
            Step::ExpectScreen(s)
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
        other => return Err(format!("unknown step `{other}`; the steps are: {STEP_HELP}")),
    })
}

/// Parses a whole script; `file` names it in errors. Every line is checked,
/// and the first error is returned.
pub fn parse(file: &str, text: &str) -> Result<Script, ParseError> {
    let mut lines = Vec::new();
    let mut shots = std::collections::HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        let err = |message: String| ParseError {
            file: file.to_string(),
            line: number,
            message,
        };
        let tokens = tokenize(raw).map_err(err)?;
        if tokens.is_empty() {
            continue;
        }
        let step = step(&tokens).map_err(err)?;
        if let Step::Screenshot(name) = &step {
            if !shots.insert(name.clone()) {
                return Err(err(format!(
                    "a screenshot named \"{name}\" is already taken in this script"
                )));
            }
        }
        lines.push(Line {
            number,
            text: raw.trim().to_string(),
            step,
        });
    }
    if lines.is_empty() {
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
    Ok(Script { name, lines })
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
            Step::ExpectScreen("same-device".into())
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

    #[test]
    fn screens_match_the_app() {
        let app = include_str!("../../ui/app.slint");
        let in_app: Vec<&str> = app
            .split("Nav.screen == \"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        let mut a = in_app.clone();
        a.sort();
        let mut b = SCREENS.to_vec();
        b.sort();
        assert_eq!(a, b);
    }
}
