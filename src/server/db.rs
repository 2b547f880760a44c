//! The database: SQLite by default (a file in the data folder), PostgreSQL
//! for several server processes. One portable schema (migrations/), applied
//! at every start; sqlx's `Any` driver runs the same queries on both.

use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

use super::ServerError;

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool with the schema applied.
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connects and applies the migrations. `sqlite:PATH` creates the file;
    /// `sqlite::memory:` is one private in-memory database (tests, QA).
    pub async fn connect(url: &str) -> Result<Db, ServerError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(ServerError::Setup(format!(
                "the database must be sqlite:PATH or postgres://…; got \"{}\"",
                url.chars().take(40).collect::<String>()
            )));
        };
        let memory = url.contains(":memory:");
        let url = if backend == Backend::Sqlite && !memory && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        } else {
            url.to_owned()
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| ServerError::Setup(format!("the database URL is not valid: {e}")))?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            // An in-memory SQLite database exists once per connection.
            .max_connections(if memory {
                1
            } else if backend == Backend::Sqlite {
                4
            } else {
                16
            })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL with synchronous=FULL: every commit is on disk
                        // before the answer. Writers queue on the busy timeout.
                        conn.execute(
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                             PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| ServerError::Setup(format!("cannot open the database: {e}")))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| ServerError::Setup(format!("cannot apply the database migrations: {e}")))?;
        Ok(Db { pool, backend })
    }
}
