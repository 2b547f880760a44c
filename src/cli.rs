//! The command line: argument parsing and the commands that need no window.
//!
//! Every command returns `Result<(), Failure>`; [`Failure::exit_code`] is the
//! one mapping to exit codes (2: the input was invalid, 1: SoftToken refused
//! or could not do it), applied by `app::run`, which also starts the window
//! and the QA runner. Nothing here panics on any input: all parsing goes
//! through the typed errors of the core modules.

use std::ffi::OsString;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use zeroize::Zeroizing;

use crate::clock::{Clock, SystemClock};
use crate::link::{self, Link, OtpKind, Source};
use crate::otp::{self, Algorithm, CodeFormat};
use crate::pin::Pin;
use crate::store;
use crate::tokens::{self, EnrollRequest, Status, TokenError};

/// Why a command did not succeed; [`Failure::exit_code`] is the only mapping to exit codes.
#[derive(Debug)]
pub enum Failure {
    /// The input was not valid (exit code 2).
    Invalid(String),
    /// SoftToken refused, or something it relies on failed (exit code 1).
    Refused(String),
}

impl Failure {
    /// The exit code for this failure: 2 for invalid input, 1 for a refusal.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Invalid(_) => 2,
            Failure::Refused(_) => 1,
        }
    }
    pub fn message(&self) -> &str {
        match self {
            Failure::Invalid(m) | Failure::Refused(m) => m,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl From<link::LinkError> for Failure {
    fn from(e: link::LinkError) -> Self {
        Failure::Invalid(e.to_string())
    }
}

impl From<otp::OtpError> for Failure {
    fn from(e: otp::OtpError) -> Self {
        Failure::Invalid(e.to_string())
    }
}

impl From<TokenError> for Failure {
    fn from(e: TokenError) -> Self {
        if e.is_invalid_input() {
            Failure::Invalid(e.to_string())
        } else {
            Failure::Refused(e.to_string())
        }
    }
}

impl From<store::StoreError> for Failure {
    fn from(e: store::StoreError) -> Self {
        Failure::Refused(e.to_string())
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "softtoken",
    version,
    about = "SoftToken: one-time passcodes for EPCS two-factor signing"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Every subcommand: the ones this module runs, then the window's and the
/// QA runner's (started by `app::run`).
#[derive(Subcommand, Debug)]
pub enum Command {
    #[command(flatten)]
    Windowless(Windowless),
    /// Open the app (optionally at an enrollment link, or - to read the link from standard
    /// input). A running SoftToken window comes to the front and takes the link.
    Open { link: Option<String> },
    /// Scripted UI tests for QA.
    Qa {
        #[command(subcommand)]
        command: QaCommand,
    },
}

/// The commands that need no window, run by [`run_command`].
#[derive(Subcommand, Debug)]
pub enum Windowless {
    /// Compute a code from a base32 secret, like oathtool (prints only the code).
    Otp(OtpArgs),
    /// Validate an enrollment link and show what it would enroll (never the secret).
    Inspect {
        /// The enrollment link (softtoken://enroll?… or otpauth://…), or - to read it from
        /// standard input (keeps it out of `ps` and shell history).
        link: String,
    },
    /// Print this device's ID, which the EHR lists as a prescribing device.
    DeviceId,
    /// Enroll a soft token from a link, protected by a four-digit PIN.
    Enroll {
        /// The enrollment link, or - to read it from the first line of standard input (keeps
        /// the secret out of `ps` and shell history; with --pin-stdin the PIN is the second line).
        link: String,
        /// The token's name (1–40 characters, unique).
        #[arg(long)]
        name: String,
        /// Replace the token that has the same issuer and account.
        #[arg(long)]
        replace: bool,
        /// Read the PIN from one line of standard input (for scripts).
        #[arg(long)]
        pin_stdin: bool,
        /// For a softtoken://activate link: read the activation code (from the EHR's page
        /// or a phone call) from one line of standard input, before the PIN.
        #[arg(long)]
        activation_code_stdin: bool,
    },
    /// Show a token's details: credential ID, issuer, account, device, code format.
    Show { name: String },
    /// Report a token lost: its issuer stops accepting its codes at once (a request
    /// signed with the token's secret, so the PIN is needed), then it is removed here.
    ReportLost {
        name: String,
        #[arg(long)]
        pin_stdin: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// List the tokens: name, issuer, account, status.
    List,
    /// Print a token's current code after its PIN (only the digits on stdout).
    Code {
        name: String,
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Remove a token and its secret.
    Remove {
        name: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Install the desktop file (so softtoken:// links open SoftToken), icon and metainfo for this user.
    DesktopInstall {
        /// The data folder to install under (default: $XDG_DATA_HOME or ~/.local/share).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Remove what desktop-install wrote instead.
        #[arg(long)]
        uninstall: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum QaCommand {
    /// Run .qa scripts headless against the real UI.
    Run {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Save screenshots here (and one for every failure).
        #[arg(long)]
        screenshots: Option<PathBuf>,
        /// Write a JUnit XML report here.
        #[arg(long)]
        junit: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AlgorithmArg {
    Sha1,
    Sha256,
    Sha512,
}

#[derive(Args, Debug)]
pub struct OtpArgs {
    /// The shared secret in base32 (RFC 4648; case, spaces and padding ignored), or - to read
    /// it from standard input (keeps it out of `ps` and shell history).
    #[arg(long)]
    secret: String,
    #[arg(long, value_enum, default_value = "sha1")]
    algorithm: AlgorithmArg,
    #[arg(long, default_value_t = 6)]
    digits: u8,
    /// TOTP period in seconds.
    #[arg(long, default_value_t = 30)]
    period: u64,
    /// TOTP at this Unix time (default: now).
    #[arg(long, conflicts_with = "counter")]
    time: Option<u64>,
    /// HOTP at this counter.
    #[arg(long)]
    counter: Option<u64>,
}

/// Parses the arguments; on `--help`, `--version` or a usage error, clap's
/// text is printed and the exit code returned instead (0, or 2).
pub fn parse<I, T>(args: I) -> Result<Cli, u8>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    Cli::try_parse_from(args).map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            2
        } else {
            0
        }
    })
}

/// One line of standard input, without its line ending, in wiped memory.
fn stdin_line(what: &str) -> Result<Zeroizing<String>, Failure> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Invalid(format!("could not read the {what} from standard input: {e}")))?;
    Ok(Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string()))
}

/// The argument itself, or for `-` one line of standard input, so a secret
/// need not appear on the command line.
pub fn arg_or_stdin(value: &str, what: &str) -> Result<Zeroizing<String>, Failure> {
    if value != "-" {
        return Ok(Zeroizing::new(value.to_string()));
    }
    let text = stdin_line(what)?;
    if text.is_empty() {
        return Err(Failure::Invalid(format!(
            "expected the {what} on the first line of standard input, found nothing"
        )));
    }
    Ok(text)
}

/// Runs a command that needs no window (`app::run` starts the window for
/// `open` and the QA runner for `qa`).
pub fn run_command(command: Windowless) -> Result<(), Failure> {
    match command {
        Windowless::Otp(args) => cmd_otp(args),
        Windowless::Inspect { link } => cmd_inspect(&arg_or_stdin(&link, "link")?),
        Windowless::DeviceId => {
            println!("{}", tokens::this_device()?);
            Ok(())
        }
        Windowless::Show { name } => cmd_show(&name),
        Windowless::ReportLost { name, pin_stdin, yes } => cmd_report_lost(&name, pin_stdin, yes),
        Windowless::Enroll {
            activation_code_stdin,
            link,
            name,
            replace,
            pin_stdin,
        } => cmd_enroll(
            &arg_or_stdin(&link, "link")?,
            &name,
            replace,
            pin_stdin,
            activation_code_stdin,
        ),
        Windowless::List => cmd_list(),
        Windowless::Code { name, pin_stdin } => cmd_code(&name, pin_stdin),
        Windowless::Remove { name, yes } => cmd_remove(&name, yes),
        Windowless::DesktopInstall { data_dir, uninstall } => cmd_desktop_install(data_dir, uninstall),
    }
}

fn cmd_otp(args: OtpArgs) -> Result<(), Failure> {
    let text = arg_or_stdin(&args.secret, "secret")?;
    let secret = link::decode_secret(&text).map_err(|e| match e {
        link::LinkError::SecretLength(n) => Failure::Invalid(otp::OtpError::SecretLength(n).to_string()),
        _ => Failure::Invalid("--secret must be base32: the letters A–Z and digits 2–7".into()),
    })?;
    let algorithm = match args.algorithm {
        AlgorithmArg::Sha1 => Algorithm::Sha1,
        AlgorithmArg::Sha256 => Algorithm::Sha256,
        AlgorithmArg::Sha512 => Algorithm::Sha512,
    };
    let format = CodeFormat {
        algorithm,
        digits: args.digits,
    };
    let code = match args.counter {
        Some(counter) => otp::hotp(&secret, format, counter)?,
        None => {
            let time = match args.time {
                Some(t) => t,
                None => SystemClock.now(),
            };
            otp::totp(&secret, format, args.period, time)?
        }
    };
    println!("{code}");
    Ok(())
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn cmd_inspect(text: &str) -> Result<(), Failure> {
    let now = SystemClock.now();
    let mut out = String::new();
    match link::parse(text, now)? {
        Link::Hard(h) => {
            out += "type: hard token (key fob) — not enrolled in SoftToken\n";
            out += &format!("issuer: {}\naccount: {}\n", h.issuer, h.account);
            out += &format!("serial: {}\n", h.serial.as_deref().unwrap_or("(not in the link)"));
            out += &format!("{}\n", link::HardToken::EXPLANATION);
        }
        Link::Online(l) => {
            out += "type: soft (online activation: needs the activation code from your EHR)\n";
            out += &format!("issuer: {}\naccount: {}\n", l.issuer, l.account);
            out += &format!("issuer address: {}\nissuer host: {}\n", l.server, l.host());
            out += &format!("enrollment id: {}\n", l.enrollment_id);
            out += "secret: none in the link; the seed is agreed with the issuer\n";
        }
        Link::Soft(e) => {
            let source = match e.source {
                Source::Epcs => "soft (EPCS enrollment)",
                Source::Otpauth => "otpauth (ordinary token)",
            };
            out += &format!("type: {source}\n");
            out += &format!("issuer: {}\naccount: {}\n", e.issuer, e.account);
            out += &format!("algorithm: {}\ndigits: {}\n", e.format.algorithm, e.format.digits);
            match e.kind {
                OtpKind::Totp { period } => out += &format!("period: {period} s\n"),
                OtpKind::Hotp { counter } => out += &format!("counter: {counter}\n"),
            }
            let this = tokens::this_device().ok();
            let here = this.as_ref().is_some_and(|d| e.prescribing_devices.contains(d));
            out += &format!("prescribing devices: {}\n", e.prescribing_devices.len());
            out += &match &this {
                Some(_) => format!(
                    "this device is a prescribing device: {}{}\n",
                    yes_no(here),
                    if here {
                        " (activation would be refused here)"
                    } else {
                        ""
                    }
                ),
                None => "this device is a prescribing device: unknown (no device ID)\n".into(),
            };
            out += &format!(
                "sync: {} s (usable {} after activation)\n",
                e.sync_seconds,
                minutes(e.sync_seconds)
            );
            out += &format!(
                "expires: {}\n",
                e.expires_at
                    .map(crate::clock::format_utc)
                    .unwrap_or_else(|| "never".into())
            );
            out += &format!("single use: {}\n", yes_no(e.enrollment_id.is_some()));
        }
    }
    print!("{out}");
    Ok(())
}

fn minutes(seconds: u64) -> String {
    match seconds {
        0 => "immediately".into(),
        1 => "up to 1 second".into(),
        s if s < 60 => format!("up to {s} seconds"),
        60 => "up to 1 minute".into(),
        s => format!("up to {} minutes", s.div_ceil(60)),
    }
}

/// A new token PIN: checked, and typed twice on a terminal.
fn read_new_pin(pin_stdin: bool) -> Result<Pin, Failure> {
    let pin = read_pin("Token PIN (four digits): ", pin_stdin)?;
    crate::pin::check_new_pin(&pin).map_err(|e| Failure::Invalid(e.to_string()))?;
    if !pin_stdin {
        let again = read_pin("Confirm the PIN: ", false)?;
        if !pin.matches(&again) {
            return Err(Failure::Invalid("the two PINs do not match; nothing was saved".into()));
        }
    }
    Ok(pin)
}

fn read_pin(prompt: &str, from_stdin: bool) -> Result<Pin, Failure> {
    let text = if from_stdin {
        stdin_line("PIN")?
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::Invalid(
                "no terminal to ask for the PIN; use --pin-stdin to read it from standard input".into(),
            ));
        }
        Zeroizing::new(
            rpassword::prompt_password(prompt).map_err(|e| Failure::Invalid(format!("could not read the PIN: {e}")))?,
        )
    };
    Ok(Pin::new(text))
}

/// Online activation: the code from the second channel, the seed agreed
/// with the issuer, then the PIN, sealed, and confirmed to the issuer.
fn cmd_enroll_online(
    tokens: &tokens::Tokens,
    l: &link::OnlineLink,
    name: &str,
    replace: bool,
    pin_stdin: bool,
    code_stdin: bool,
) -> Result<(), Failure> {
    let net = crate::online::HttpNetwork::default();
    // Refuse early what would be refused anyway: the name, a used link.
    let probe = l.probe();
    tokens.precheck(&probe, name, replace)?;
    let code_text = if code_stdin {
        stdin_line("activation code")?
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::Invalid(
                "no terminal to ask for the activation code; use --activation-code-stdin".into(),
            ));
        }
        eprint!(
            "Activation code for {} at {} (from your EHR's page or phone call): ",
            l.account,
            l.host()
        );
        Zeroizing::new(stdin_line("activation code")?.trim().to_string())
    };
    let code = crate::protocol::ActivationCode::parse(&code_text).map_err(|e| Failure::Invalid(e.to_string()))?;
    eprintln!("Contacting {}…", l.host());
    let activated = crate::online::activate(&net, l, &code, tokens.device()).map_err(online_failure)?;
    let enrollment = activated.enrollment(SystemClock.now());
    let pin = read_new_pin(pin_stdin)?;
    let mut ready_at = activated.response.ready_at;
    let token = tokens.enroll_then(
        EnrollRequest {
            enrollment,
            name: name.to_string(),
            pin,
            replace,
        },
        |_| {
            let r = crate::online::confirm(&net, &activated).map_err(TokenError::NotConfirmed)?;
            ready_at = r.ready_at;
            Ok(())
        },
    )?;
    println!("Enrolled \"{}\".", token.name);
    println!("Credential ID: {}", token.credential_id.as_deref().unwrap_or_default());
    let now = SystemClock.now();
    if ready_at > now {
        println!(
            "{} It will be ready {}.",
            crate::tokens::SYNC_MESSAGE,
            crate::clock::format_ready(ready_at, now)
        );
    }
    Ok(())
}

fn online_failure(e: crate::online::OnlineError) -> Failure {
    use crate::online::OnlineError as E;
    match e {
        E::WrongCode { .. } => Failure::Invalid(e.to_string()),
        _ => Failure::Refused(e.to_string()),
    }
}

fn cmd_show(name: &str) -> Result<(), Failure> {
    let tokens = tokens::open_system()?;
    let t = tokens.get(name)?;
    let now = SystemClock.now();
    let mut out = format!("name: {}\nissuer: {}\naccount: {}\n", t.name, t.issuer, t.account);
    match (&t.credential_id, &t.server) {
        (Some(id), Some(server)) => {
            out += &format!("credential ID: {id}\nissuer address: {server}\n");
        }
        _ => {
            out += "credential ID: (none: offline enrollment, the secret came in the link)\n";
        }
    }
    out += &format!("enrolled: {}\n", crate::clock::format_utc(t.enrolled_at));
    out += &format!("this device: {}\n", tokens.device());
    out += &format!("algorithm: {}\ndigits: {}\n", t.format.algorithm, t.format.digits);
    match t.kind {
        link::OtpKind::Totp { period } => out += &format!("period: {period} s\n"),
        link::OtpKind::Hotp { .. } => out += "counter-based (HOTP)\n",
    }
    out += &format!("status: {}\n", t.status(now).describe(now));
    print!("{out}");
    Ok(())
}

fn cmd_enroll(text: &str, name: &str, replace: bool, pin_stdin: bool, code_stdin: bool) -> Result<(), Failure> {
    let tokens = tokens::open_system()?;
    let now = SystemClock.now();
    let policy = crate::trust::Policy::load().map_err(|e| Failure::Refused(e.to_string()))?;
    let enrollment = match link::parse(text, now)? {
        Link::Hard(_) => return Err(Failure::Refused(link::HardToken::EXPLANATION.into())),
        Link::Online(l) => {
            let known = tokens.known_issuer_hosts()?;
            match policy.judge(l.host(), &known) {
                crate::trust::Verdict::Refused(why) => return Err(Failure::Refused(why)),
                crate::trust::Verdict::FirstSeen => eprintln!(
                    "caution: SoftToken has no token from {} yet; go on only if your EHR named this server.",
                    l.host()
                ),
                crate::trust::Verdict::Known => {}
            }
            return cmd_enroll_online(&tokens, &l, name, replace, pin_stdin, code_stdin);
        }
        Link::Soft(_) if policy.forbid_offline_links => {
            return Err(Failure::Refused(
                "your administrator allows only tokens activated online with an activation code; this link \
                 carries its secret, so ask your EHR for a new enrollment"
                    .into(),
            ))
        }
        Link::Soft(e) if code_stdin => {
            let _ = e;
            return Err(Failure::Invalid(
                "--activation-code-stdin is for softtoken://activate links; this link carries its secret".into(),
            ));
        }
        Link::Soft(e) => e,
    };
    // Refuse early (before asking for a PIN) what would be refused anyway.
    tokens.precheck(&enrollment, name, replace)?;
    let pin = read_new_pin(pin_stdin)?;
    let token = tokens.enroll(EnrollRequest {
        enrollment,
        name: name.to_string(),
        pin,
        replace,
    })?;
    println!("Enrolled \"{}\".", token.name);
    if let Status::Syncing { ready_at } = token.status(now) {
        println!(
            "{} It will be ready at {}.",
            crate::tokens::SYNC_MESSAGE,
            crate::clock::format_local_hm(ready_at)
        );
    }
    Ok(())
}

fn cmd_list() -> Result<(), Failure> {
    let tokens = tokens::open_system()?;
    let now = SystemClock.now();
    let list = tokens.list()?;
    if list.is_empty() {
        eprintln!("No tokens yet. Enroll one with: softtoken enroll LINK --name NAME");
    }
    for t in list {
        println!(
            "{}\t{}\t{}\t{}",
            t.name,
            t.issuer,
            t.account,
            t.status(now).describe(now)
        );
    }
    Ok(())
}

fn cmd_code(name: &str, pin_stdin: bool) -> Result<(), Failure> {
    let tokens = tokens::open_system()?;
    let pin = read_pin(&format!("PIN for {name}: "), pin_stdin)?;
    // The PIN first: a wrong PIN asks nobody anything.
    let mut unlocked = tokens.unlock(name, &pin)?;
    // A time-based token: its issuer's clock when it answers within a few
    // seconds; otherwise this device's clock, with a warning if the system
    // says it is not synchronized (see ui/passcode.rs).
    let (code, check) = match unlocked.meta.kind {
        OtpKind::Totp { .. } => {
            let check = crate::online::ClockCheck::ask(
                &crate::online::HttpNetwork::with_timeout(crate::online::CLOCK_CHECK_TIMEOUT),
                unlocked.meta.server.as_deref(),
                &crate::clock::SystemTimeSync::default(),
                &SystemClock,
            );
            let at = tokens.now().saturating_add_signed(check.offset());
            (tokens.totp_at(&unlocked, at)?, check)
        }
        OtpKind::Hotp { .. } => (tokens.next_hotp(&mut unlocked)?, crate::online::ClockCheck::Unknown),
    };
    if let Some(notice) = check.notice() {
        eprintln!("warning: {notice}");
    }
    if let Some(warning) = &code.warning {
        eprintln!("warning: {warning}");
    }
    println!("{}", code.code.as_str());
    Ok(())
}

fn cmd_report_lost(name: &str, pin_stdin: bool, yes: bool) -> Result<(), Failure> {
    let tokens = tokens::open_system()?;
    let meta = tokens.get(name)?;
    let (Some(server), Some(id)) = (meta.server.clone(), meta.credential_id.clone()) else {
        return Err(Failure::Refused(format!(
            "\"{name}\" was enrolled offline (the secret came in the link), so SoftToken cannot tell its \
             issuer; ask your EHR's help desk to revoke it, then run: softtoken remove \"{name}\""
        )));
    };
    if !yes {
        confirm_on_terminal(
            &format!("Report \"{name}\" (credential {id}) lost to {server} and remove it here? Type yes to confirm: "),
            "report a token lost",
            "nothing was changed",
        )?;
    }
    let pin = read_pin("Token PIN: ", pin_stdin)?;
    let unlocked = tokens.unlock(name, &pin)?;
    let net = crate::online::HttpNetwork::default();
    let told = crate::online::revoke(&net, &server, &id, unlocked.secret(), SystemClock.now());
    drop(unlocked);
    tokens.remove(name)?;
    match told {
        Ok(()) => {
            println!("Reported lost: {server} no longer accepts codes from credential {id}. Removed \"{name}\".");
            Ok(())
        }
        Err(e) => Err(Failure::Refused(format!(
            "Removed \"{name}\" here, but the issuer was not told ({e}). Tell your EHR's help desk that \
             credential {id} is lost."
        ))),
    }
}

/// Asks `question` on the terminal; only "yes" goes on. `action` names what
/// --yes does, `refused` what is said otherwise.
fn confirm_on_terminal(question: &str, action: &str, refused: &str) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Invalid(format!(
            "pass --yes to {action} without a terminal to confirm on"
        )));
    }
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() != "yes" {
        return Err(Failure::Refused(refused.into()));
    }
    Ok(())
}

fn cmd_remove(name: &str, yes: bool) -> Result<(), Failure> {
    let tokens = tokens::open_system()?;
    tokens.get(name)?;
    if !yes {
        confirm_on_terminal(
            &format!("Remove \"{name}\" and its secret? This cannot be undone. Type yes to confirm: "),
            "remove a token",
            "not removed",
        )?;
    }
    tokens.remove(name)?;
    println!("Removed \"{name}\".");
    Ok(())
}

fn cmd_desktop_install(data_dir: Option<PathBuf>, uninstall: bool) -> Result<(), Failure> {
    use crate::desktop;
    let home = data_dir
        .or_else(desktop::user_data_home)
        .ok_or_else(|| Failure::Refused("No home folder was found; give --data-dir.".into()))?;
    let refresh = |home: &std::path::Path| {
        // Best effort: desktops pick the files up without these, only later.
        let apps = home.join("applications");
        if let Ok(s) = std::process::Command::new("update-desktop-database")
            .arg("-q")
            .arg(&apps)
            .status()
        {
            if !s.success() {
                eprintln!("note: update-desktop-database {} failed ({s})", apps.display());
            }
        }
    };
    if uninstall {
        let removed = desktop::uninstall(&home).map_err(|e| Failure::Refused(e.to_string()))?;
        for p in &removed {
            println!("removed {}", p.display());
        }
        if removed.is_empty() {
            println!("nothing to remove under {}", home.display());
        }
        refresh(&home);
        return Ok(());
    }
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| Failure::Refused(format!("Could not find this program's path: {e}")))?;
    for p in desktop::install(&home, &exe).map_err(|e| Failure::Refused(e.to_string()))? {
        println!("wrote {}", p.display());
    }
    refresh(&home);
    match std::process::Command::new("xdg-mime")
        .args(["default", &format!("{}.desktop", desktop::APP_ID), desktop::SCHEME_MIME])
        .status()
    {
        Ok(s) if s.success() => println!("softtoken:// links now open SoftToken ({})", exe.display()),
        _ => println!(
            "softtoken:// links open SoftToken once your desktop reads {}.desktop (xdg-mime was not available to make it the default now)",
            desktop::APP_ID
        ),
    }
    Ok(())
}
