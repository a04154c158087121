//! The store's side of sync: what the server has not acknowledged, applying what it sends,
//! and the status shown to the officer. Every step is one transaction, so a sync killed at any
//! point resumes without losing or duplicating anything.

use super::Store;
use crate::evidence::ContentHash;
use crate::util::now_ms;
use crate::{Error, Result, Role};
use rusqlite::{OptionalExtension, params};

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
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
    /// Records the server refused (see `refused_records`); not counted as pending.
    pub refused_records: u64,
}

impl Store {
    pub fn sync_cursor(&self) -> Result<u64> {
        let c: i64 = self.lock().conn.query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| r.get(0))?;
        Ok(c as u64)
    }

    /// Evidence whose bytes the server does not have yet: (content hash, size), oldest first.
    /// Evidence the server holds until its refused record is accepted waits with it.
    pub fn pending_uploads(&self) -> Result<Vec<(ContentHash, u64)>> {
        let inner = self.lock();
        let mut stmt = inner.conn.prepare_cached(
            "SELECT content_hash, max(json_extract(payload, '$.size')) FROM evidence
             WHERE uploaded = 0 AND bytes_present = 1 AND meta_acked != 2 GROUP BY content_hash ORDER BY min(captured_at)",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        rows.map(|row| {
            let (hash, size) = row?;
            Ok((hash.parse().map_err(|e| Error::CorruptChanges(format!("stored evidence: {e}")))?, size))
        })
        .collect()
    }

    pub fn mark_uploaded(&self, content_hash: &ContentHash) -> Result<()> {
        let mut inner = self.lock();
        let tx = inner.conn.transaction()?;
        tx.execute("UPDATE evidence SET uploaded = 1 WHERE content_hash = ?1", [content_hash])?;
        tx.execute("DELETE FROM upload_progress WHERE content_hash = ?1", [content_hash])?;
        tx.commit()?;
        Ok(())
    }

    /// How many bytes of a file the server last acknowledged (0 if none).
    pub fn upload_offset(&self, content_hash: &ContentHash) -> Result<u64> {
        let offset: Option<i64> = self
            .lock()
            .conn
            .query_row("SELECT offset FROM upload_progress WHERE content_hash = ?1", [content_hash], |r| r.get(0))
            .optional()?;
        Ok(offset.map_or(0, |o| o.max(0) as u64))
    }

    pub fn set_upload_offset(&self, content_hash: &ContentHash, offset: u64) -> Result<()> {
        self.lock().conn.execute(
            "INSERT OR REPLACE INTO upload_progress (content_hash, offset) VALUES (?1, ?2)",
            params![content_hash, offset.min(i64::MAX as u64) as i64],
        )?;
        Ok(())
    }

    /// Where to sync and with which device token (from enrolment).
    /// A new account may have another role: every refusal is reconsidered.
    pub fn set_sync_account(&self, server_url: &str, token: &str) -> Result<()> {
        let mut inner = self.lock();
        let tx = inner.conn.transaction()?;
        tx.execute("UPDATE sync_state SET server_url = ?1, token = ?2 WHERE id = 1", params![server_url, token])?;
        super::push::reconsider_all(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// The role of the account this device enrolled with (None: unknown to this app version):
    /// records it does not work on are refused when started.
    pub fn set_account_role(&self, role: Option<Role>) -> Result<()> {
        let role = role.map(Role::as_str);
        self.lock().conn.execute("UPDATE sync_state SET role = ?1 WHERE id = 1", [role])?;
        Ok(())
    }

    pub fn account_role(&self) -> Result<Option<Role>> {
        let role: Option<String> =
            self.lock().conn.query_row("SELECT role FROM sync_state WHERE id = 1", [], |r| r.get(0))?;
        Ok(role.as_deref().and_then(Role::parse))
    }

    /// Trust only this CA (PEM) for the server, instead of the platform's trust store: pins the
    /// deployment, and on Android needs no platform verifier. None goes back to the platform's.
    #[cfg(feature = "reqwest")]
    pub fn set_trusted_ca(&self, pem: Option<&str>) -> Result<()> {
        if let Some(pem) = pem {
            crate::sync::parse_ca(pem)?;
        }
        self.lock().conn.execute("UPDATE sync_state SET trusted_ca = ?1 WHERE id = 1", [pem])?;
        Ok(())
    }

    #[cfg(feature = "reqwest")]
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
        let (pending_records, pending_changes): (i64, i64) = inner.conn.query_row(
            "SELECT count(DISTINCT doc_id), count(*) FROM changes
                 WHERE acked = 0 AND doc_id NOT IN (SELECT doc_id FROM refused_records)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let pending_bytes: i64 = inner.conn.query_row(
            "SELECT coalesce(sum(size), 0) FROM (SELECT max(json_extract(payload, '$.size')) AS size FROM evidence
             WHERE uploaded = 0 AND bytes_present = 1 AND meta_acked != 2 GROUP BY content_hash)",
            [],
            |r| r.get(0),
        )?;
        let set_aside: i64 = inner.conn.query_row("SELECT count(*) FROM set_aside", [], |r| r.get(0))?;
        let refused: i64 = inner.conn.query_row("SELECT count(*) FROM refused_records", [], |r| r.get(0))?;
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
                    refused_records: refused as u64,
                })
            },
        )
        .map_err(Into::into)
    }
}
