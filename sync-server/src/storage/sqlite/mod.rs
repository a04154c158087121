//! The default backend: one SQLite file in the data directory.

mod deliveries;
mod pull;

use super::*;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use xuncha_core::store::ReaderPool;

/// Read-only connections: pulls, sign-ins and console reads never wait behind a push.
const READERS: usize = 4;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL,
    department TEXT NOT NULL,
    cert_no TEXT NOT NULL,
    password_hash TEXT
);
CREATE TABLE IF NOT EXISTS enrollments (
    code_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    expires_ms INTEGER NOT NULL,
    used_by TEXT
);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    public_key TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    bytes BLOB NOT NULL,
    -- A change's signature: the device that made it and 64 bytes (NULL: unsigned).
    signer TEXT,
    signature BLOB
);
CREATE INDEX IF NOT EXISTS log_doc ON log(doc_id, seq);
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY,
    kind TEXT,
    jurisdiction_id TEXT,
    members TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS device_docs (
    device_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    at_cursor INTEGER NOT NULL,
    PRIMARY KEY (device_id, doc_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
    content_hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    received INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0
);
-- Every key a device enrolled with, so that evidence it signed before stays verifiable.
CREATE TABLE IF NOT EXISTS device_keys (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    enrolled_ms INTEGER NOT NULL,
    UNIQUE (device_id, public_key)
);
-- The position each evidence entry of the log takes in its device's chain: one entry each.
CREATE TABLE IF NOT EXISTS evidence_chain (
    device_id TEXT NOT NULL,
    chain_seq INTEGER NOT NULL,
    entry_hash TEXT NOT NULL UNIQUE,
    PRIMARY KEY (device_id, chain_seq)
);
-- Each evidence item's integrity, verified once when its bytes arrived: the failed checks
-- (JSON array of names; empty: verified).
CREATE TABLE IF NOT EXISTS evidence_checks (
    entry_hash TEXT PRIMARY KEY,
    failed TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
-- Log entries the replica could not apply: never pulled, listed on the console.
CREATE TABLE IF NOT EXISTS set_aside (
    seq INTEGER PRIMARY KEY,
    reason TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
"#;

/// Fills the tables added for issue 10 from what an older server left (once, on user_version
/// 0): the key each device has now, and the chain position of every evidence entry in the log
/// (the first entry at a position keeps it).
const BACKFILL_V1: &str = r#"
INSERT OR IGNORE INTO device_keys (device_id, public_key, enrolled_ms)
    SELECT device_id, public_key, 0 FROM devices ORDER BY device_id;
INSERT OR IGNORE INTO evidence_chain (device_id, chain_seq, entry_hash)
    SELECT json_extract(payload, '$.device_id'), json_extract(payload, '$.chain_seq'), json_extract(entry, '$[0]')
    FROM (SELECT CAST(bytes AS TEXT) AS entry, json_extract(CAST(bytes AS TEXT), '$[1]') AS payload, seq
          FROM log WHERE kind = 'evidence' AND json_valid(CAST(bytes AS TEXT)))
    WHERE json_valid(payload) AND typeof(json_extract(payload, '$.device_id')) = 'text'
      AND typeof(json_extract(payload, '$.chain_seq')) = 'integer' AND typeof(json_extract(entry, '$[0]')) = 'text'
    ORDER BY seq;
PRAGMA user_version = 1;
"#;

pub struct SqliteStorage {
    /// The one writer; shared with the delivery writer's thread.
    conn: Arc<Mutex<Connection>>,
    readers: ReaderPool,
    deliveries: deliveries::Deliveries,
}

impl SqliteStorage {
    pub fn open(path: &Path) -> StorageResult<SqliteStorage> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        add_signature_columns(&conn)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version < 1 {
            conn.execute_batch(&format!("BEGIN; {BACKFILL_V1} COMMIT;"))?;
        }
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open(path)?;
                ReaderPool::prepare(&reader)?;
                Ok(reader)
            })
            .collect::<StorageResult<Vec<_>>>()?;
        let conn = Arc::new(Mutex::new(conn));
        Ok(SqliteStorage {
            deliveries: deliveries::Deliveries::start(conn.clone()),
            conn,
            readers: ReaderPool::new(readers),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A read on a reader connection: the last committed state, without waiting for a write.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> StorageResult<T>) -> StorageResult<T> {
        match self.readers.with(f) {
            Ok(result) => result,
            Err(f) => f(&self.conn()),
        }
    }
}

fn row_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        name: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Inspector),
        jurisdiction_id: r.get(4)?,
        department: r.get(5)?,
        cert_no: r.get(6)?,
        password_hash: r.get(7)?,
    })
}

fn row_device(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device { device_id: r.get(0)?, user_id: r.get(1)?, public_key: r.get(2)?, revoked: r.get(3)? })
}

/// A data directory from before change signatures gets the two log columns (once).
fn add_signature_columns(conn: &Connection) -> StorageResult<()> {
    let has: bool = conn.query_row("SELECT count(*) FROM pragma_table_info('log') WHERE name = 'signer'", [], |r| {
        r.get::<_, i64>(0).map(|n| n > 0)
    })?;
    if !has {
        conn.execute_batch("ALTER TABLE log ADD COLUMN signer TEXT; ALTER TABLE log ADD COLUMN signature BLOB;")?;
    }
    Ok(())
}

const ENTRY_COLS: &str = "seq, doc_id, kind, bytes, origin, signer, signature";

fn row_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Logged> {
    let kind: String = r.get(2)?;
    let doc_id: String = r.get(1)?;
    let signer: Option<String> = r.get(5)?;
    let signature: Option<Vec<u8>> = r.get(6)?;
    // Only well-formed signatures are ever written; anything else reads as unsigned.
    let signature = match (signer, signature.and_then(|s| <[u8; 64]>::try_from(s.as_slice()).ok())) {
        (Some(device), Some(sig)) => ChangeSignature::new(&device, sig).ok(),
        _ => None,
    };
    let entry = match EntryKind::parse(&kind) {
        Some(kind) => LogEntry::from_stored(kind, doc_id.clone(), r.get(3)?, signature),
        None => Err(Undecodable(format!("日志条目的类型 {kind} 无法识别"))),
    };
    Ok(Logged { seq: r.get::<_, i64>(0)? as u64, origin: r.get(4)?, doc_id, entry })
}

const USER_COLS: &str = "id, username, name, role, jurisdiction_id, department, cert_no, password_hash";
const DEVICE_COLS: &str = "device_id, user_id, public_key, revoked";

impl ServerStorage for SqliteStorage {
    fn create_user(&self, u: &NewUser) -> StorageResult<User> {
        let conn = self.conn();
        let result = conn.execute(
            "INSERT INTO users (username, name, role, jurisdiction_id, department, cert_no, password_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![u.username, u.name, u.role.as_str(), u.jurisdiction_id, u.department, u.cert_no, u.password_hash],
        );
        match result {
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                return Err(StorageError::Conflict(format!("用户名 {}", u.username)));
            }
            other => other?,
        };
        let id = conn.last_insert_rowid();
        Ok(conn.query_row(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"), [id], row_user)?)
    }

    fn user(&self, id: i64) -> StorageResult<Option<User>> {
        self.read(|c| {
            Ok(c.prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))?
                .query_row([id], row_user)
                .optional()?)
        })
    }

    fn user_by_username(&self, username: &str) -> StorageResult<Option<User>> {
        self.read(|c| {
            Ok(c.prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE username = ?1"))?
                .query_row([username], row_user)
                .optional()?)
        })
    }

    fn users(&self) -> StorageResult<Vec<User>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!("SELECT {USER_COLS} FROM users ORDER BY id"))?;
            Ok(stmt.query_map([], row_user)?.collect::<Result<_, _>>()?)
        })
    }

    fn create_enrollment(&self, code_hash: &str, user_id: i64, expires_ms: i64) -> StorageResult<()> {
        self.conn().execute(
            "INSERT INTO enrollments (code_hash, user_id, expires_ms) VALUES (?1, ?2, ?3)",
            params![code_hash, user_id, expires_ms],
        )?;
        Ok(())
    }

    fn redeem_enrollment(
        &self,
        code_hash: &str,
        device: &Device,
        token_hash: &str,
        now_ms: i64,
    ) -> StorageResult<Redemption> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let user: Option<i64> = tx
            .query_row(
                "SELECT user_id FROM enrollments WHERE code_hash = ?1 AND used_by IS NULL AND expires_ms > ?2",
                params![code_hash, now_ms],
                |r| r.get(0),
            )
            .optional()?;
        let Some(user_id) = user else { return Ok(Redemption::InvalidCode) };
        let owner: Option<i64> = tx
            .query_row("SELECT user_id FROM devices WHERE device_id = ?1", [&device.device_id], |r| r.get(0))
            .optional()?;
        if owner.is_some_and(|o| o != user_id) {
            return Ok(Redemption::DeviceOfAnotherUser);
        }
        tx.execute("UPDATE enrollments SET used_by = ?1 WHERE code_hash = ?2", params![device.device_id, code_hash])?;
        // The owner stays the same: only the token, the key and the revocation change.
        tx.execute(
            "INSERT INTO devices (device_id, user_id, public_key, token_hash, revoked) VALUES (?1, ?2, ?3, ?4, 0)
             ON CONFLICT (device_id) DO UPDATE SET public_key = excluded.public_key,
               token_hash = excluded.token_hash, revoked = 0",
            params![device.device_id, user_id, device.public_key, token_hash],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO device_keys (device_id, public_key, enrolled_ms) VALUES (?1, ?2, ?3)",
            params![device.device_id, device.public_key, now_ms],
        )?;
        tx.commit()?;
        Ok(Redemption::Enrolled { user_id })
    }

    fn device_by_token(&self, token_hash: &str) -> StorageResult<Option<Device>> {
        self.read(|c| {
            Ok(c.prepare_cached(&format!("SELECT {DEVICE_COLS} FROM devices WHERE token_hash = ?1"))?
                .query_row([token_hash], row_device)
                .optional()?)
        })
    }

    fn device(&self, device_id: &str) -> StorageResult<Option<Device>> {
        self.read(|c| {
            Ok(c.prepare_cached(&format!("SELECT {DEVICE_COLS} FROM devices WHERE device_id = ?1"))?
                .query_row([device_id], row_device)
                .optional()?)
        })
    }

    fn devices(&self) -> StorageResult<Vec<Device>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!("SELECT {DEVICE_COLS} FROM devices ORDER BY device_id"))?;
            Ok(stmt.query_map([], row_device)?.collect::<Result<_, _>>()?)
        })
    }

    fn revoke_device(&self, device_id: &str) -> StorageResult<bool> {
        Ok(self.conn().execute("UPDATE devices SET revoked = 1 WHERE device_id = ?1", [device_id])? > 0)
    }

    fn device_keys(&self, device_id: &str) -> StorageResult<Vec<String>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT public_key FROM device_keys WHERE device_id = ?1 ORDER BY id")?;
            Ok(stmt.query_map([device_id], |r| r.get(0))?.collect::<Result<_, _>>()?)
        })
    }

    fn append(&self, entries: &[NewEntry], docs: &[DocMeta]) -> StorageResult<u64> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let added = append_in(&tx, entries, docs)?;
        tx.commit()?;
        Ok(added)
    }

    fn append_push(&self, push: &Push<'_>) -> StorageResult<u64> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let added = append_in(&tx, push.entries, push.docs)?;
        for (hash, size) in push.blobs {
            tx.prepare_cached("INSERT OR IGNORE INTO blobs (content_hash, size) VALUES (?1, ?2)")?
                .execute(params![hash, *size as i64])?;
        }
        mark_docs_in(&tx, push.device_id, push.created, 0)?;
        for link in push.chain {
            let taken = tx
                .prepare_cached("INSERT INTO evidence_chain (device_id, chain_seq, entry_hash) VALUES (?1, ?2, ?3)")?
                .execute(params![link.device_id, link.chain_seq as i64, link.entry_hash]);
            match taken {
                Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                    return Err(StorageError::Conflict(format!(
                        "设备 {} 证据链第 {} 项",
                        link.device_id, link.chain_seq
                    )));
                }
                other => other?,
            };
        }
        tx.commit()?;
        Ok(added)
    }

    fn entries_after(&self, cursor: u64, limit: usize) -> StorageResult<Vec<Logged>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!("SELECT {ENTRY_COLS} FROM log WHERE seq > ?1 AND seq NOT IN (SELECT seq FROM set_aside) ORDER BY seq LIMIT ?2"))?;
            Ok(stmt.query_map(params![cursor as i64, limit as i64], row_entry)?.collect::<Result<_, _>>()?)
        })
    }

    fn doc_entries(&self, doc_id: &str) -> StorageResult<Vec<Logged>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ENTRY_COLS} FROM log WHERE doc_id = ?1 AND seq NOT IN (SELECT seq FROM set_aside) ORDER BY seq"
            ))?;
            Ok(stmt.query_map([doc_id], row_entry)?.collect::<Result<_, _>>()?)
        })
    }

    fn visible_after(&self, cursor: u64, scope: &PullScope, limit: usize, max_bytes: usize) -> StorageResult<PullPage> {
        self.read(|c| pull::visible_after(c, cursor, scope, limit, max_bytes))
    }

    fn doc_histories(&self, doc_ids: &[String], until: u64, origin: &str) -> StorageResult<Vec<Logged>> {
        self.read(|c| pull::doc_histories(c, doc_ids, until, origin))
    }

    fn has_entry(&self, hash: &str) -> StorageResult<bool> {
        self.read(|c| Ok(c.prepare_cached("SELECT 1 FROM log WHERE hash = ?1")?.exists([hash])?))
    }

    fn chain_tip(&self, device_id: &str) -> StorageResult<Option<ChainLink>> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT chain_seq, entry_hash FROM evidence_chain WHERE device_id = ?1 ORDER BY chain_seq DESC LIMIT 1",
            )?
            .query_row([device_id], |r| {
                Ok(ChainLink {
                    device_id: device_id.to_owned(),
                    chain_seq: r.get::<_, i64>(0)? as u64,
                    entry_hash: r.get(1)?,
                })
            })
            .optional()?)
        })
    }

    fn chain_link(&self, device_id: &str, chain_seq: u64) -> StorageResult<Option<String>> {
        let Ok(seq) = i64::try_from(chain_seq) else { return Ok(None) };
        self.read(|c| {
            Ok(c.prepare_cached("SELECT entry_hash FROM evidence_chain WHERE device_id = ?1 AND chain_seq = ?2")?
                .query_row(params![device_id, seq], |r| r.get(0))
                .optional()?)
        })
    }

    fn set_aside(&self, seq: u64, reason: &str, at_ms: i64) -> StorageResult<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO set_aside (seq, reason, at_ms) SELECT seq, ?2, ?3 FROM log WHERE seq = ?1",
            params![seq as i64, reason, at_ms],
        )?;
        Ok(())
    }

    fn set_aside_entries(&self) -> StorageResult<Vec<SetAsideEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT l.seq, l.doc_id, l.kind, l.hash, l.origin, s.reason, s.at_ms
             FROM set_aside s JOIN log l ON l.seq = s.seq ORDER BY l.seq",
            )?;
            let rows = stmt.query_map([], |r| {
                let kind: String = r.get(2)?;
                Ok(SetAsideEntry {
                    seq: r.get::<_, i64>(0)? as u64,
                    doc_id: r.get(1)?,
                    kind: EntryKind::parse(&kind).unwrap_or(EntryKind::Change),
                    hash: r.get(3)?,
                    origin: r.get(4)?,
                    reason: r.get(5)?,
                    at_ms: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn doc_meta(&self, doc_id: &str) -> StorageResult<Option<DocMeta>> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT doc_id, kind, jurisdiction_id, members FROM docs WHERE doc_id = ?1")?
                .query_row([doc_id], |r| {
                    let members: String = r.get(3)?;
                    Ok(DocMeta {
                        doc_id: r.get(0)?,
                        // A kind this build does not know reads as none: such a record is nobody's.
                        kind: r.get::<_, Option<String>>(1)?.as_deref().and_then(xuncha_core::RecordKind::parse),
                        jurisdiction_id: r.get(2)?,
                        members: members.split('\n').filter(|m| !m.is_empty()).map(str::to_owned).collect(),
                    })
                })
                .optional()?)
        })
    }

    fn last_seq(&self) -> StorageResult<u64> {
        self.read(pull::last_seq)
    }

    fn device_has_docs(&self, device_id: &str, doc_ids: &[String], cursor: u64) -> StorageResult<Vec<String>> {
        let written: Vec<String> = self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT doc_id FROM device_docs WHERE device_id = ?1 AND at_cursor <= ?3
                   AND doc_id IN (SELECT value FROM json_each(?2))",
            )?;
            let ids = serde_json::to_string(doc_ids).expect("strings");
            Ok(stmt.query_map(params![device_id, ids, cursor as i64], |r| r.get(0))?.collect::<Result<_, _>>()?)
        })?;
        let unwritten = self.deliveries.unwritten(device_id, doc_ids, cursor);
        // In the order asked, once each.
        Ok(doc_ids.iter().filter(|d| written.contains(d) || unwritten.contains(d)).cloned().collect())
    }

    fn mark_device_docs(&self, device_id: &str, doc_ids: &[String], at_cursor: u64) -> StorageResult<()> {
        if !doc_ids.is_empty() {
            self.deliveries.record(device_id, doc_ids, at_cursor);
        }
        Ok(())
    }

    fn register_blob(&self, content_hash: &str, size: u64) -> StorageResult<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO blobs (content_hash, size) VALUES (?1, ?2)",
            params![content_hash, size as i64],
        )?;
        Ok(())
    }

    fn blob(&self, content_hash: &str) -> StorageResult<Option<Blob>> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT content_hash, size, received, complete FROM blobs WHERE content_hash = ?1")?
                .query_row([content_hash], |r| {
                    Ok(Blob {
                        content_hash: r.get(0)?,
                        size: r.get::<_, i64>(1)? as u64,
                        received: r.get::<_, i64>(2)? as u64,
                        complete: r.get(3)?,
                    })
                })
                .optional()?)
        })
    }

    fn set_blob_progress(&self, content_hash: &str, received: u64, complete: bool) -> StorageResult<()> {
        self.conn().execute(
            "UPDATE blobs SET received = ?1, complete = ?2 WHERE content_hash = ?3",
            params![received as i64, complete, content_hash],
        )?;
        Ok(())
    }

    fn set_evidence_checks(&self, checks: &[EvidenceCheck]) -> StorageResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for c in checks {
            let failed = serde_json::to_string(&c.failed).expect("check names");
            tx.prepare_cached(
                "INSERT INTO evidence_checks (entry_hash, failed, at_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (entry_hash) DO UPDATE SET failed = excluded.failed, at_ms = excluded.at_ms",
            )?
            .execute(params![c.entry_hash, failed, c.at_ms])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn evidence_check(&self, entry_hash: &str) -> StorageResult<Option<EvidenceCheck>> {
        let row: Option<(String, i64)> = self.read(|c| {
            Ok(c.prepare_cached("SELECT failed, at_ms FROM evidence_checks WHERE entry_hash = ?1")?
                .query_row([entry_hash], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })?;
        let Some((failed, at_ms)) = row else { return Ok(None) };
        // A check this build does not know makes the whole result unknown: verified again.
        let Ok(failed) = serde_json::from_str(&failed) else { return Ok(None) };
        Ok(Some(EvidenceCheck { entry_hash: entry_hash.to_owned(), failed, at_ms }))
    }
}

fn append_in(tx: &rusqlite::Transaction<'_>, entries: &[NewEntry], docs: &[DocMeta]) -> StorageResult<u64> {
    let mut added = 0;
    for NewEntry { origin, entry } in entries {
        let (signer, signature) = match entry.signature() {
            Some(s) => (Some(s.device_id.as_str()), Some(&s.signature[..])),
            None => (None, None),
        };
        added += tx
            .prepare_cached(
                "INSERT OR IGNORE INTO log (origin, doc_id, kind, hash, bytes, signer, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                origin,
                entry.doc_id(),
                entry.kind().as_str(),
                entry.key(),
                entry.stored_bytes(),
                signer,
                signature
            ])? as u64;
    }
    for d in docs {
        tx.prepare_cached(
            "INSERT INTO docs (doc_id, kind, jurisdiction_id, members) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (doc_id) DO UPDATE SET kind = excluded.kind, jurisdiction_id = excluded.jurisdiction_id,
               members = excluded.members",
        )?
        .execute(params![d.doc_id, d.kind.map(|k| k.as_str()), d.jurisdiction_id, d.members.join("\n")])?;
    }
    Ok(added)
}

fn mark_docs_in(
    tx: &rusqlite::Transaction<'_>,
    device_id: &str,
    doc_ids: &[String],
    at_cursor: u64,
) -> StorageResult<()> {
    for d in doc_ids {
        // An earlier, unconfirmed answer already carried the history: the earliest wins.
        tx.prepare_cached(
            "INSERT INTO device_docs (device_id, doc_id, at_cursor) VALUES (?1, ?2, ?3)
             ON CONFLICT (device_id, doc_id) DO UPDATE SET at_cursor = min(at_cursor, excluded.at_cursor)",
        )?
        .execute(params![device_id, d, at_cursor as i64])?;
    }
    Ok(())
}

#[cfg(test)]
mod conformance {
    crate::storage_conformance_tests!({
        let dir = tempfile::tempdir().unwrap();
        (super::SqliteStorage::open(&dir.path().join("server.db")).unwrap(), dir)
    });
}
