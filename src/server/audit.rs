//! The audit trail (DEA 21 CFR 1311.150): every event is appended in the same
//! transaction as the change it records, and chained with an HMAC under a key
//! derived from the server key, so editing, inserting or deleting a row, even
//! by someone who can write the database, is found by [`verify`].

use hmac::Mac;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use super::seal::ServerKey;
use super::ServerError;

/// One row of the trail.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub source: String,
    pub event: String,
    pub subject: String,
    pub detail: String,
    pub hash: String,
}

/// The chain's head, locked for the rest of the transaction.
pub struct Head {
    seq: i64,
    hash: String,
}

/// Locks the head. Every audited transaction calls this first: on
/// PostgreSQL it orders appends across server processes, on SQLite it takes
/// the write lock at once (a read-then-write transaction could deadlock).
pub async fn lock(tx: &mut Transaction<'_, Any>) -> Result<Head, ServerError> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    Ok(Head {
        seq: row.try_get(0)?,
        hash: row.try_get(1)?,
    })
}

fn chain(key: &ServerKey, prev: &str, e: &Entry) -> String {
    let mut mac = key.audit_mac();
    for part in [
        prev.as_bytes(),
        &e.seq.to_be_bytes(),
        &e.at.to_be_bytes(),
        e.actor.as_bytes(),
        e.source.as_bytes(),
        e.event.as_bytes(),
        e.subject.as_bytes(),
        e.detail.as_bytes(),
    ] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    crate::protocol::encode(&mac.finalize().into_bytes())
}

/// What happened, to whom, with what detail (JSON text).
pub struct Event<'a> {
    pub actor: &'a str,
    pub source: &'a str,
    pub event: &'a str,
    pub subject: &'a str,
    pub detail: String,
}

impl Head {
    /// Appends one event.
    pub async fn append(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        key: &ServerKey,
        at: u64,
        ev: Event<'_>,
    ) -> Result<(), ServerError> {
        let mut e = Entry {
            seq: self.seq + 1,
            at: at as i64,
            actor: ev.actor.to_owned(),
            source: ev.source.to_owned(),
            event: ev.event.to_owned(),
            subject: ev.subject.to_owned(),
            detail: ev.detail,
            hash: String::new(),
        };
        e.hash = chain(key, &self.hash, &e);
        sqlx::query(
            "INSERT INTO audit (seq, at, actor, source, event, subject, detail, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(e.seq)
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.source)
        .bind(&e.event)
        .bind(&e.subject)
        .bind(&e.detail)
        .bind(&e.hash)
        .execute(&mut **tx)
        .await?;
        self.seq = e.seq;
        self.hash = e.hash;
        Ok(())
    }

    /// Stores the new head; call once, before commit.
    pub async fn store(self, tx: &mut Transaction<'_, Any>) -> Result<(), ServerError> {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(self.seq)
            .bind(&self.hash)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// Reads the trail from `since` (Unix time) on, oldest first.
pub async fn entries(pool: &sqlx::AnyPool, since: u64) -> Result<Vec<Entry>, ServerError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, source, event, subject, detail, hash FROM audit \
         WHERE at >= $1 ORDER BY seq",
    )
    .bind(since as i64)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                seq: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                source: r.try_get(3)?,
                event: r.try_get(4)?,
                subject: r.try_get(5)?,
                detail: r.try_get(6)?,
                hash: r.try_get(7)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(ServerError::from)
}

/// Checks the whole chain: numbering without gaps from 1, every hash, and
/// the head (which catches the deletion of the newest rows). Returns the
/// number of entries.
pub async fn verify(pool: &sqlx::AnyPool, key: &ServerKey) -> Result<i64, ServerError> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    let mut prev = String::new();
    let mut expected = 1;
    for e in entries(pool, 0).await? {
        if e.seq != expected {
            return Err(ServerError::AuditBroken {
                seq: expected,
                why: format!("entry {expected} is missing (the next one is {})", e.seq),
            });
        }
        if chain(key, &prev, &e) != e.hash {
            return Err(ServerError::AuditBroken {
                seq: e.seq,
                why: "its contents or the entry before it were changed".into(),
            });
        }
        prev = e.hash;
        expected += 1;
    }
    if expected - 1 != head_seq || prev != head_hash {
        return Err(ServerError::AuditBroken {
            seq: expected,
            why: format!(
                "the trail ends at entry {} but {head_seq} were written; newer entries were deleted",
                expected - 1
            ),
        });
    }
    Ok(head_seq)
}

/// The trail as CSV (RFC 4180 quoting), for the daily review.
pub fn to_csv(entries: &[Entry]) -> String {
    fn q(s: &str) -> String {
        // A leading = + - @ would be read as a formula by a spreadsheet.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    }
    let mut out = String::from("seq,time,actor,source,event,subject,detail,hash\r\n");
    for e in entries {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            e.seq,
            crate::clock::format_utc(e.at.max(0) as u64),
            q(&e.actor),
            q(&e.source),
            q(&e.event),
            q(&e.subject),
            q(&e.detail),
            e.hash
        ));
    }
    out
}
