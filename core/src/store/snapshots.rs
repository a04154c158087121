//! Documents compacted into snapshots in storage: a record is loaded from its last saved
//! snapshot plus the changes stored after it, not by replaying its whole history, so loading a
//! long-lived record costs what it is, not how often it was edited. Every change stays in
//! `changes` (the audit trail, pushes and bundles read them); a snapshot is only a shortcut and
//! one that does not load is ignored.

use crate::Result;
use automerge::{Automerge, ReadDoc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// Changes stored after a snapshot before the next one is saved: a save costs about one load,
/// so this keeps loads short and saves rare.
pub(crate) const COMPACT_AFTER: i64 = 64;

/// The record's last snapshot that loads, with the change position it covers.
pub(crate) fn latest(conn: &Connection, id: &str) -> Result<Option<(Automerge, i64)>> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT upto_seq, bytes FROM doc_snapshots WHERE doc_id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    // One that does not load is passed over: the whole history is read instead.
    Ok(row.and_then(|(upto, bytes)| Automerge::load(&bytes).ok().map(|doc| (doc, upto))))
}

/// Saves a new snapshot of `doc` once `COMPACT_AFTER` changes were stored since the last one.
/// `doc` must hold every stored change of the record: it is called where the record is written,
/// with the document those changes were applied to. A document still waiting for a change's
/// dependencies is not compacted (a snapshot would leave the waiting change out).
pub(crate) fn compact(tx: &Transaction<'_>, id: &str, doc: &Automerge) -> Result<()> {
    let (after, last): (i64, Option<i64>) = tx
        .prepare_cached(
            "SELECT count(*), max(seq) FROM changes WHERE doc_id = ?1
               AND seq > coalesce((SELECT upto_seq FROM doc_snapshots WHERE doc_id = ?1), 0)",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let Some(last) = last.filter(|_| after >= COMPACT_AFTER) else { return Ok(()) };
    if !doc.get_missing_deps(&[]).is_empty() {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO doc_snapshots (doc_id, upto_seq, bytes) VALUES (?1, ?2, ?3)
         ON CONFLICT (doc_id) DO UPDATE SET upto_seq = excluded.upto_seq, bytes = excluded.bytes",
    )?
    .execute(params![id, last, doc.save()])?;
    Ok(())
}
