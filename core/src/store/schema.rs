//! The database schema and its migrations, keyed on `PRAGMA user_version`.
//!
//! Each step moves the schema up one version. A fresh database runs every step; an old one
//! runs the steps it lacks. The test below checks that both end with the same schema and that
//! data written at every older version survives.

use crate::{Error, Result};
use rusqlite::Connection;

pub(crate) struct Step {
    sql: &'static str,
    /// The projections must be rebuilt from the documents once every step has run. Rebuilding
    /// at the end (not inside the step) means the rebuild always writes the current schema.
    reproject: bool,
}

pub(crate) const STEPS: &[Step] = &[
    Step { sql: V1, reproject: false },
    Step { sql: V2_SEARCH, reproject: true },
    Step { sql: V3_EVIDENCE, reproject: false },
    Step { sql: V4_SYNC, reproject: false },
    Step { sql: V5_TRUSTED_CA, reproject: false },
    Step { sql: V6_CHANGE_SIGNATURES, reproject: false },
    Step { sql: V7_SET_ASIDE, reproject: false },
    Step { sql: V8_REFUSED, reproject: false },
    Step { sql: V9_APP_LOCK, reproject: false },
    Step { sql: V10_SNAPSHOTS, reproject: false },
    Step { sql: V11_SEARCH_ROWS, reproject: false },
];

pub(crate) const VERSION: i64 = STEPS.len() as i64;

const V1: &str = r#"
CREATE TABLE device (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    device_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    officer_name TEXT,
    officer_department TEXT,
    officer_cert_no TEXT
);
CREATE TABLE jurisdictions (
    id TEXT PRIMARY KEY,
    parent_id TEXT,
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    -- '/root/…/id/': a subtree is every row whose path starts with the node's path.
    path TEXT NOT NULL,
    bounds TEXT
);
CREATE INDEX jurisdictions_path ON jurisdictions(path);
CREATE TABLE templates (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
-- Documents are their changes; a row per change, deduplicated by hash.
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY,
    kind TEXT,
    heads TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    hash BLOB NOT NULL UNIQUE,
    bytes BLOB NOT NULL,
    local INTEGER NOT NULL
);
CREATE INDEX changes_doc ON changes(doc_id, seq);
CREATE TABLE inspections (
    doc_id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    place_id TEXT,
    ledger_id TEXT,
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    shift TEXT NOT NULL,
    mode TEXT NOT NULL,
    approach TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    conclusion TEXT,
    review TEXT,
    departments TEXT NOT NULL,
    answered INTEGER NOT NULL,
    violations INTEGER NOT NULL,
    has_conflicts INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX inspections_updated ON inspections(updated_at DESC, doc_id);
CREATE INDEX inspections_started ON inspections(started_at);
CREATE INDEX inspections_jurisdiction ON inspections(jurisdiction_id);
CREATE TABLE places (
    doc_id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    name TEXT NOT NULL,
    place_type TEXT NOT NULL,
    address TEXT NOT NULL,
    lat REAL,
    lon REAL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX places_jurisdiction ON places(jurisdiction_id);
CREATE TABLE ledger_entries (
    doc_id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    address TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ledger_jurisdiction ON ledger_entries(jurisdiction_id);
CREATE TABLE patrols (
    doc_id TEXT PRIMARY KEY,
    grid_id TEXT NOT NULL,
    officer TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    result TEXT,
    points INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX patrols_grid ON patrols(grid_id, started_at);
CREATE TABLE cases (
    doc_id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    source TEXT NOT NULL,
    summary TEXT NOT NULL,
    state TEXT NOT NULL,
    department TEXT,
    deadline INTEGER,
    inspection_id TEXT,
    has_conflicts INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX cases_state ON cases(state, deadline);
"#;

/// Version 2: full-text search over notes, names and addresses. Chinese has no spaces, so the
/// trigram tokenizer (substring match) is used; the index is filled from existing documents.
const V2_SEARCH: &str =
    "CREATE VIRTUAL TABLE search USING fts5(doc_id UNINDEXED, kind UNINDEXED, body, tokenize = 'trigram');";

/// Version 3: evidence metadata (signed, never updated but for `bytes_present`), device keys,
/// and the clock offset to the server seen at the last sync.
const V3_EVIDENCE: &str = r#"
CREATE TABLE device_keys (
    device_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    -- Only this device's own key, and only when no platform keystore holds it.
    secret_key BLOB
);
CREATE TABLE evidence (
    entry_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    chain_seq INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    record_id TEXT NOT NULL,
    item_id TEXT,
    kind TEXT NOT NULL,
    captured_at INTEGER NOT NULL,
    payload TEXT NOT NULL,
    signature TEXT NOT NULL,
    bytes_present INTEGER NOT NULL,
    UNIQUE (device_id, chain_seq)
);
CREATE INDEX evidence_record ON evidence(record_id);
CREATE INDEX evidence_content ON evidence(content_hash);
ALTER TABLE device ADD COLUMN clock_offset_ms INTEGER;
"#;

/// Version 4: what the server has acknowledged, the pull cursor and the sync status.
const V4_SYNC: &str = r#"
ALTER TABLE changes ADD COLUMN acked INTEGER NOT NULL DEFAULT 0;
CREATE INDEX changes_unacked ON changes(acked, seq);
ALTER TABLE evidence ADD COLUMN meta_acked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE evidence ADD COLUMN uploaded INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    server_url TEXT,
    token TEXT,
    cursor INTEGER NOT NULL DEFAULT 0,
    last_success INTEGER,
    last_attempt INTEGER,
    last_error TEXT
);
INSERT INTO sync_state (id) VALUES (1);
"#;

/// Version 5: the deployment's CA certificate, when the device trusts only that one.
const V5_TRUSTED_CA: &str = "ALTER TABLE sync_state ADD COLUMN trusted_ca TEXT;";

/// Version 6: the signature of the device that made each change (device id and 64 bytes),
/// which travels with the change. Changes stored before stay unsigned.
const V6_CHANGE_SIGNATURES: &str = r#"
ALTER TABLE changes ADD COLUMN signer TEXT;
ALTER TABLE changes ADD COLUMN signature BLOB;
"#;

/// Version 7: entries from the server this store could not apply, kept aside with the reason
/// instead of blocking every later pull. `key` is the entry's key in the server's log.
const V7_SET_ASIDE: &str = r#"
CREATE TABLE set_aside (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    bytes BLOB NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
);
"#;

/// Version 8: the enrolled account's role, records the server refused, and how far each upload
/// got, with its reason: kept and shown, not sent again until
/// they change. Evidence `meta_acked` 2 means held by the server until its record is accepted.
const V8_REFUSED: &str = r#"
CREATE TABLE refused_records (
    doc_id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX evidence_chain_pending ON evidence(device_id, meta_acked, chain_seq);
ALTER TABLE sync_state ADD COLUMN role TEXT;
CREATE TABLE upload_progress (
    content_hash TEXT PRIMARY KEY,
    offset INTEGER NOT NULL
);
"#;

/// Version 9: the app lock (ADR 0013), one row: the PIN's argon2 hash (none until the officer
/// sets one), the idle timeout, and wrong PINs in a row with the time the next try is allowed.
const V9_APP_LOCK: &str = r#"
CREATE TABLE app_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pin_hash TEXT,
    idle_minutes INTEGER NOT NULL DEFAULT 5,
    failed_pins INTEGER NOT NULL DEFAULT 0,
    blocked_until_ms INTEGER NOT NULL DEFAULT 0
);
INSERT INTO app_lock (id) VALUES (1);
"#;

/// Version 10: each record's last snapshot (Automerge `save()`) and the change position it
/// covers; a record loads from it plus the changes after (`snapshots.rs`).
const V10_SNAPSHOTS: &str = r#"
CREATE TABLE doc_snapshots (
    doc_id TEXT PRIMARY KEY,
    upto_seq INTEGER NOT NULL,
    bytes BLOB NOT NULL
);
"#;

/// Version 11: which search row holds each record. FTS5 cannot index `doc_id`, so replacing a
/// record's row by `doc_id` scanned the whole index on every write (quadratic over a large
/// pull); existing rows keep their rowids, and strays without a record are dropped.
const V11_SEARCH_ROWS: &str = r#"
CREATE TABLE search_rows (
    row INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE
);
INSERT OR IGNORE INTO search_rows (row, doc_id) SELECT rowid, doc_id FROM search;
DELETE FROM search WHERE rowid NOT IN (SELECT row FROM search_rows);
"#;

/// Brings the database to the current version in one transaction: a crash mid-upgrade leaves
/// the old version intact.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, VERSION)
}

pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > VERSION {
        return Err(Error::SchemaTooNew { found, supported: VERSION });
    }
    if found >= target {
        return Ok(());
    }
    let tx = conn.transaction()?;
    let mut reproject = false;
    for step in STEPS.iter().take(target as usize).skip(found as usize) {
        tx.execute_batch(step.sql)?;
        reproject |= step.reproject;
    }
    if reproject && found > 0 {
        super::projection::reproject_all(&tx)?;
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(())
}
