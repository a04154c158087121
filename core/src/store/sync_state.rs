//! The store's side of sync: what the server has not acknowledged, applying what it sends,
//! and the status shown to the officer. Every step is one transaction, so a sync killed at any
//! point resumes without losing or duplicating anything.

use super::{Store, stored_signature};
use crate::bundle::BundleEntry;
use crate::evidence::{ContentHash, SignedEntry};
use crate::sync::protocol::PushRequest;
use crate::util::now_ms;
use crate::{Error, Result};
use rusqlite::{OptionalExtension, params};

/// One push: the request and what to mark acknowledged once the server confirms it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushBatch {
    pub request: PushRequest,
    pub change_seqs: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncStatus {
    /// Records with changes the server has not acknowledged.
    pub pending_records: u64,
    pub pending_changes: u64,
    /// Evidence bytes not yet uploaded.
    pub pending_bytes: u64,
    pub last_success_ms: Option<i64>,
    pub last_attempt_ms: Option<i64>,
    pub last_error: Option<String>,
    pub server_url: Option<String>,
    pub enrolled: bool,
    /// Entries from the server this store could not apply (see `set_aside_entries`).
    pub set_aside: u64,
}

impl Store {
    /// Unacknowledged changes (oldest first, up to about `max_bytes`) and every evidence item
    /// whose metadata the server has not acknowledged.
    pub fn next_push(&self, max_bytes: usize) -> Result<PushBatch> {
        let inner = self.lock();
        let mut batch = PushBatch::default();
        let mut size = 0;
        let mut stmt = inner
            .conn
            .prepare_cached("SELECT seq, doc_id, bytes, signer, signature FROM changes WHERE acked = 0 ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let bytes: Vec<u8> = r.get(2)?;
            if size > 0 && size + bytes.len() > max_bytes {
                break;
            }
            size += bytes.len();
            batch.change_seqs.push(r.get(0)?);
            let sig = stored_signature(r.get(3)?, r.get(4)?);
            batch.request.changes.entries.push(BundleEntry::new(r.get::<_, String>(1)?, bytes, sig));
        }
        let mut stmt = inner.conn.prepare_cached(
            "SELECT entry_hash, payload, signature FROM evidence WHERE meta_acked = 0 ORDER BY captured_at",
        )?;
        batch.request.evidence = stmt
            .query_map([], |r| {
                Ok(SignedEntry { entry_hash: r.get(0)?, payload_json: r.get(1)?, signature: r.get(2)? })
            })?
            .collect::<Result<_, _>>()?;
        Ok(batch)
    }

    /// The server stored the batch: never send it again.
    pub fn mark_pushed(&self, batch: &PushBatch) -> Result<()> {
        let mut inner = self.lock();
        let tx = inner.conn.transaction()?;
        for seq in &batch.change_seqs {
            tx.prepare_cached("UPDATE changes SET acked = 1 WHERE seq = ?1")?.execute([seq])?;
        }
        for e in &batch.request.evidence {
            tx.prepare_cached("UPDATE evidence SET meta_acked = 1 WHERE entry_hash = ?1")?.execute([&e.entry_hash])?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn sync_cursor(&self) -> Result<u64> {
        let c: i64 = self.lock().conn.query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| r.get(0))?;
        Ok(c as u64)
    }

    /// Evidence whose bytes the server does not have yet: (content hash, size), oldest first.
    pub fn pending_uploads(&self) -> Result<Vec<(ContentHash, u64)>> {
        let inner = self.lock();
        let mut stmt = inner.conn.prepare_cached(
            "SELECT content_hash, max(json_extract(payload, '$.size')) FROM evidence
             WHERE uploaded = 0 AND bytes_present = 1 GROUP BY content_hash ORDER BY min(captured_at)",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        rows.map(|row| {
            let (hash, size) = row?;
            Ok((hash.parse().map_err(|e| Error::CorruptChanges(format!("stored evidence: {e}")))?, size))
        })
        .collect()
    }

    pub fn mark_uploaded(&self, content_hash: &ContentHash) -> Result<()> {
        self.lock().conn.execute("UPDATE evidence SET uploaded = 1 WHERE content_hash = ?1", [content_hash])?;
        Ok(())
    }

    /// Where to sync and with which device token (from enrolment).
    pub fn set_sync_account(&self, server_url: &str, token: &str) -> Result<()> {
        self.lock()
            .conn
            .execute("UPDATE sync_state SET server_url = ?1, token = ?2 WHERE id = 1", params![server_url, token])?;
        Ok(())
    }

    /// Trust only this CA (PEM) for the server, instead of the platform's trust store: pins the
    /// deployment, and on Android needs no platform verifier. None goes back to the platform's.
    pub fn set_trusted_ca(&self, pem: Option<&str>) -> Result<()> {
        if let Some(pem) = pem {
            crate::sync::parse_ca(pem)?;
        }
        self.lock().conn.execute("UPDATE sync_state SET trusted_ca = ?1 WHERE id = 1", [pem])?;
        Ok(())
    }

    pub(crate) fn trusted_ca(&self) -> Result<Option<String>> {
        Ok(self.lock().conn.query_row("SELECT trusted_ca FROM sync_state WHERE id = 1", [], |r| r.get(0))?)
    }

    pub(crate) fn sync_account(&self) -> Result<Option<(String, String)>> {
        let inner = self.lock();
        Ok(inner
            .conn
            .query_row("SELECT server_url, token FROM sync_state WHERE id = 1 AND token IS NOT NULL", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// Records how a sync attempt ended.
    pub fn record_sync_attempt(&self, error: Option<&str>) -> Result<()> {
        let inner = self.lock();
        let now = now_ms();
        match error {
            None => inner.conn.execute(
                "UPDATE sync_state SET last_attempt = ?1, last_success = ?1, last_error = NULL WHERE id = 1",
                [now],
            )?,
            Some(e) => inner
                .conn
                .execute("UPDATE sync_state SET last_attempt = ?1, last_error = ?2 WHERE id = 1", params![now, e])?,
        };
        Ok(())
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        let inner = self.lock();
        let (pending_records, pending_changes): (i64, i64) =
            inner.conn.query_row("SELECT count(DISTINCT doc_id), count(*) FROM changes WHERE acked = 0", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let pending_bytes: i64 = inner.conn.query_row(
            "SELECT coalesce(sum(size), 0) FROM (SELECT max(json_extract(payload, '$.size')) AS size FROM evidence
             WHERE uploaded = 0 AND bytes_present = 1 GROUP BY content_hash)",
            [],
            |r| r.get(0),
        )?;
        let set_aside: i64 = inner.conn.query_row("SELECT count(*) FROM set_aside", [], |r| r.get(0))?;
        inner.conn.query_row(
            "SELECT last_success, last_attempt, last_error, server_url, token IS NOT NULL FROM sync_state WHERE id = 1",
            [],
            |r| {
                Ok(SyncStatus {
                    pending_records: pending_records as u64,
                    pending_changes: pending_changes as u64,
                    pending_bytes: pending_bytes as u64,
                    last_success_ms: r.get(0)?,
                    last_attempt_ms: r.get(1)?,
                    last_error: r.get(2)?,
                    server_url: r.get(3)?,
                    enrolled: r.get(4)?,
                    set_aside: set_aside as u64,
                })
            },
        )
        .map_err(Into::into)
    }
}
