//! `softtoken-server`'s command line, and the one place that maps errors to
//! exit codes.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use zeroize::Zeroizing;

use super::db::Db;
use super::http::{self, Tls};
use super::pskc::{self, Unlock};
use super::seal::ServerKey;
use super::service::{EnrollRequest, Role};
use super::{Actor, Policy, Server, ServerError};
use crate::clock::SystemClock;

#[derive(Parser, Debug)]
#[command(
    name = "softtoken-server",
    version,
    about = "The issuer and verifier for SoftToken: enrollments with two-channel activation, \
             one-time verification, revocation, hard tokens and an audit trail."
)]
pub struct Cli {
    /// Folder for the SQLite database and the server key
    /// [default: $XDG_DATA_HOME/softtoken-server]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://USER@HOST/DB
    /// [default: sqlite:DATA_DIR/server.db]
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// File with the server key (64 hex digits, mode 0600) that seals the
    /// seeds [default: DATA_DIR/server.key, created for a new database]
    #[arg(long, global = true, value_name = "FILE")]
    pub server_key: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API; prints where it listens
    Serve {
        /// Address to listen on (plain HTTP only on a loopback address)
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// TLS certificate chain (PEM)
        #[arg(long, requires = "tls_key", value_name = "FILE")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM)
        #[arg(long, requires = "tls_cert", value_name = "FILE")]
        tls_key: Option<PathBuf>,
        /// The URL apps reach this server at, put into enrollment links
        /// [default: the address listened on]
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
        /// TOTP steps accepted either side of the current one
        #[arg(long, default_value_t = 1)]
        totp_window: u64,
        /// HOTP counters accepted ahead of the next one
        #[arg(long, default_value_t = 10)]
        hotp_lookahead: u64,
    },
    /// Make an enrollment: prints the link for the email and the activation
    /// code for a second channel
    Enroll {
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        account: String,
        /// Prescribing device IDs, comma-separated: the token is refused there
        #[arg(long, value_delimiter = ',', value_name = "ID,...")]
        pdid: Vec<String>,
        /// Seconds after activation before codes verify
        #[arg(long, default_value_t = 0, value_name = "SECONDS")]
        sync: u64,
        /// How long the activation code is valid: 60s to 10m
        #[arg(long, default_value = "10m", value_parser = parse_duration)]
        ttl: u64,
        /// Server URL for the link [default: what `serve` recorded]
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// List an account's tokens
    Tokens {
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token at once (a lost phone)
    Revoke { credential_id: String },
    /// Make an API key; it is printed once
    ApiKey {
        #[arg(long)]
        name: String,
        /// verify (the EHR at signing time) or admin
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Hard tokens (key fobs) from a vendor's PSKC file
    #[command(subcommand)]
    HardToken(HardCommand),
    /// The audit trail
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand, Debug)]
pub enum HardCommand {
    /// Import the fobs in a PSKC (RFC 6030) file
    Import {
        file: PathBuf,
        #[arg(long)]
        issuer: String,
        /// File with the pre-shared AES-128 key, as 32 hex digits
        #[arg(long, value_name = "FILE", conflicts_with = "password_stdin")]
        psk_file: Option<PathBuf>,
        /// Read the file's password from standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Assign a fob to an account: its serial number and a current code
    Activate {
        #[arg(long)]
        serial: String,
        #[arg(long)]
        account: String,
        /// The code shown when the fob's button is pressed
        #[arg(long)]
        code: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain: any edited or deleted entry is reported
    Verify,
    /// Export the trail for review
    Export {
        #[arg(long, default_value = "csv", value_parser = ["csv", "json"])]
        format: String,
        /// Only entries at or after this Unix time
        #[arg(long, default_value_t = 0)]
        since: u64,
    },
}

fn parse_duration(s: &str) -> Result<u64, String> {
    let (num, mult) = match s.chars().last() {
        Some('s') => (&s[..s.len() - 1], 1),
        Some('m') => (&s[..s.len() - 1], 60),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("expected seconds or minutes, like 90s or 10m; got \"{s}\""))
}

fn parse_role(s: &str) -> Result<Role, String> {
    match s {
        "verify" => Ok(Role::Verify),
        "admin" => Ok(Role::Admin),
        _ => Err("expected verify or admin".into()),
    }
}

/// Exit codes: 0 done, 1 failed, 2 bad input, 3 refused, 4 database unavailable.
pub fn exit_code(e: &ServerError) -> u8 {
    match e {
        ServerError::BadRequest(_) | ServerError::Pskc(_) => 2,
        ServerError::Unavailable(_) => 4,
        ServerError::Setup(_) | ServerError::Key(_) | ServerError::Internal(_) | ServerError::AuditBroken { .. } => 1,
        _ => 3,
    }
}

fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("softtoken-server")
}

fn make_private_dir(dir: &Path) -> Result<(), ServerError> {
    let err = |e: std::io::Error| ServerError::Setup(format!("cannot create {}: {e}", dir.display()));
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(err)
}

/// Opens the database and the server key. A missing key is created only for
/// a database that has never held one; a key that does not match the
/// database is refused (seeds sealed under another key would not open).
pub async fn open(cli: &Cli, policy: Policy) -> Result<Server, ServerError> {
    let dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let url = match &cli.database {
        Some(u) => u.clone(),
        None => {
            make_private_dir(&dir)?;
            format!("sqlite:{}", dir.join("server.db").display())
        }
    };
    let key_path = cli.server_key.clone().unwrap_or_else(|| dir.join("server.key"));
    let db = Db::connect(&url).await?;
    let check: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'key_check'")
        .fetch_optional(&db.pool)
        .await?;
    if !key_path.exists() {
        if check.is_some() {
            return Err(ServerError::Setup(format!(
                "the server key {} is missing, but this database was set up with one; restore it from your backup",
                key_path.display()
            )));
        }
        if let Some(parent) = key_path.parent() {
            make_private_dir(parent)?;
        }
        ServerKey::create(&key_path)?;
        eprintln!(
            "softtoken-server: created a new server key at {}; back it up: without it no token can be verified",
            key_path.display()
        );
    }
    let key = ServerKey::load(&key_path)?;
    let mine = key.code_hash("key check", "");
    match check {
        Some(c) if c != mine => {
            return Err(ServerError::Setup(format!(
                "the server key {} is not the key this database was set up with",
                key_path.display()
            )))
        }
        Some(_) => {}
        None => {
            sqlx::query("INSERT INTO settings (name, value) VALUES ('key_check', $1) ON CONFLICT (name) DO NOTHING")
                .bind(&mine)
                .execute(&db.pool)
                .await?;
        }
    }
    Ok(Server::new(db, key, Arc::new(SystemClock), policy))
}

fn fmt_time(t: Option<i64>) -> String {
    t.map(|t| crate::clock::format_utc(t.max(0) as u64))
        .unwrap_or_else(|| "-".into())
}

async fn run(cli: Cli) -> Result<(), ServerError> {
    let actor = Actor::cli();
    let mut policy = Policy::default();
    if let Command::Serve {
        totp_window,
        hotp_lookahead,
        ..
    } = &cli.command
    {
        if *totp_window > 10 || *hotp_lookahead > 100 {
            return Err(ServerError::BadRequest(
                "--totp-window is at most 10 and --hotp-lookahead at most 100".into(),
            ));
        }
        policy.totp_window = *totp_window;
        policy.hotp_lookahead = *hotp_lookahead;
    }
    let server = open(&cli, policy).await?;
    match cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            public_url,
            ..
        } => {
            let tls = tls_cert.zip(tls_key).map(|(cert, key)| Tls { cert, key });
            http::serve(Arc::new(server), listen, tls, public_url, |addr, url| {
                println!("softtoken-server listening on {addr} (links point to {url})");
            })
            .await
        }
        Command::Enroll {
            issuer,
            account,
            pdid,
            sync,
            ttl,
            url,
            json,
        } => {
            let r = server
                .enroll(
                    &actor,
                    EnrollRequest {
                        issuer,
                        account,
                        prescribing_devices: pdid,
                        sync_seconds: sync,
                        ttl_seconds: Some(ttl),
                        server_url: url,
                        params: None,
                    },
                )
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r).expect("serialisable"));
            } else {
                println!("Enrollment link (send by email):   {}", r.link);
                println!("Activation code (second channel):  {}", r.activation_code);
                println!(
                    "The code works once, until {}, with at most 5 wrong tries.",
                    crate::clock::format_utc(r.expires_at)
                );
                if !r.replaces.is_empty() {
                    println!("Once activated, it replaces: {}", r.replaces.join(", "));
                }
            }
            Ok(())
        }
        Command::Tokens { account, json } => {
            let list = server.tokens(&account).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list).expect("serialisable"));
            } else if list.is_empty() {
                println!("{account} has no tokens.");
            } else {
                println!(
                    "{:<20} {:<5} {:<12} {:<20} {:<20} {:<20}",
                    "CREDENTIAL", "CLASS", "STATE", "DEVICE/SERIAL", "BOUND", "LAST USED"
                );
                for t in list {
                    let dev = t.device_id.or(t.serial).unwrap_or_else(|| "-".into());
                    println!(
                        "{:<20} {:<5} {:<12} {:<20} {:<20} {:<20}",
                        t.credential_id,
                        t.class,
                        t.state,
                        dev,
                        fmt_time(t.bound_at),
                        fmt_time(t.last_used)
                    );
                }
            }
            Ok(())
        }
        Command::Revoke { credential_id } => {
            if server
                .revoke(&actor, &credential_id, "revoked on the command line")
                .await?
            {
                println!("Revoked {credential_id}: its codes are refused from now on.");
                Ok(())
            } else {
                Err(ServerError::UnknownCredential)
            }
        }
        Command::ApiKey { name, role } => {
            let key = server.create_api_key(&actor, &name, role).await?;
            println!("{key}");
            eprintln!("This key is shown once; only its hash is stored.");
            Ok(())
        }
        Command::HardToken(HardCommand::Import {
            file,
            issuer,
            psk_file,
            password_stdin,
        }) => {
            let xml = std::fs::read_to_string(&file)
                .map_err(|e| ServerError::BadRequest(format!("cannot read {}: {e}", file.display())))?;
            let psk = match &psk_file {
                Some(p) => {
                    let text = Zeroizing::new(
                        std::fs::read_to_string(p)
                            .map_err(|e| ServerError::BadRequest(format!("cannot read {}: {e}", p.display())))?,
                    );
                    Some(Zeroizing::new(
                        data_encoding::HEXLOWER_PERMISSIVE
                            .decode(text.trim().as_bytes())
                            .map_err(|_| {
                                ServerError::BadRequest("the pre-shared key file must hold hex digits".into())
                            })?,
                    ))
                }
                None => None,
            };
            let password = if password_stdin {
                let mut s = Zeroizing::new(String::new());
                std::io::stdin()
                    .take(4096)
                    .read_to_string(&mut s)
                    .map_err(|e| ServerError::BadRequest(format!("cannot read the password: {e}")))?;
                Some(Zeroizing::new(s.trim_end_matches(['\r', '\n']).to_owned()))
            } else {
                None
            };
            let unlock = match (&psk, &password) {
                (Some(k), _) => Unlock::PreShared(k),
                (None, Some(p)) => Unlock::Password(p),
                _ => Unlock::None,
            };
            let keys = pskc::parse(&xml, unlock)?;
            let n = server.import_hard_tokens(&actor, &issuer, keys).await?;
            println!("Imported {n} hard tokens.");
            Ok(())
        }
        Command::HardToken(HardCommand::Activate { serial, account, code }) => {
            let id = server.activate_hard_token(&actor, &serial, &account, &code).await?;
            println!("Hard token {serial} is now {account}'s ({id}).");
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let n = server.audit_verify().await?;
            println!("The audit trail is intact: {n} entries.");
            Ok(())
        }
        Command::Audit(AuditCommand::Export { format, since }) => {
            let entries = server.audit_entries(since).await?;
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&entries).expect("serialisable"));
            } else {
                print!("{}", super::audit::to_csv(&entries));
            }
            Ok(())
        }
    }
}

/// The server binary's whole `main`.
pub fn main() -> ExitCode {
    crate::files::disable_core_dumps();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("softtoken-server: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("softtoken-server: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}
