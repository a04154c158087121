//! What to push next, cut so that any backlog goes through, and what the server's answer means
//! for each record.
//!
//! A batch holds whole records: all of a record's unacknowledged changes go in the same batch,
//! and evidence only goes with (or after) the record it belongs to, in the order of the
//! device's evidence chain (the server takes a chain only in order). A single record larger
//! than the limit goes alone, split in change order; its evidence waits for its last part.
//! Records the server refused stay here, visible, and are not sent again until they change.

use super::{Store, stored_signature};
use crate::bundle::BundleEntry;
use crate::evidence::SignedEntry;
use crate::sync::protocol::{PushRequest, RefusedRecord};
use crate::util::now_ms;
use crate::{Error, Result};
use rusqlite::{Connection, params};
use std::collections::{HashMap, HashSet};

/// One push: the request and what to mark acknowledged once the server confirms it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushBatch {
    pub request: PushRequest,
    pub change_seqs: Vec<i64>,
}

/// Evidence metadata states (`evidence.meta_acked`).
const META_PENDING: i64 = 0;
const META_ACKED: i64 = 1;
/// The server took the entry's place in the device's chain but holds the entry until its
/// record is accepted.
const META_HELD: i64 = 2;

/// An unacknowledged change, without its bytes.
struct Pending {
    seq: i64,
    doc_id: String,
    len: usize,
}

impl Store {
    /// The next batch of about `max_bytes` (changes plus evidence metadata): whole records,
    /// oldest first, with the evidence whose records are in the batch or already on the server.
    pub fn next_push(&self, max_bytes: usize) -> Result<PushBatch> {
        let inner = self.lock();
        let conn = &inner.conn;
        let pending = pending_changes(conn)?;
        let mut by_doc: HashMap<&str, Vec<&Pending>> = HashMap::new();
        let mut order = Vec::new();
        for p in &pending {
            let list = by_doc.entry(p.doc_id.as_str()).or_default();
            if list.is_empty() {
                order.push(p.doc_id.as_str());
            }
            list.push(p);
        }
        let doc_size = |doc: &str| by_doc.get(doc).map_or(0, |l| l.iter().map(|p| p.len).sum::<usize>());

        let mut chosen: Vec<&Pending> = Vec::new();
        let mut in_batch: HashSet<&str> = HashSet::new();
        let mut size = 0;
        let mut evidence = Vec::new();
        let mut full = false;
        // Evidence first, in chain order: each entry brings its record along.
        for e in own_pending_evidence(conn, &inner.device_id)? {
            let record = e.record_id.as_str();
            let needs_record = by_doc.contains_key(record) && !in_batch.contains(record);
            let cost = e.entry.payload_json.len() + if needs_record { doc_size(record) } else { 0 };
            if size > 0 && size + cost > max_bytes {
                full = true;
                break;
            }
            if needs_record {
                if doc_size(record) > max_bytes {
                    // Too big for any batch: sent alone in parts; its evidence goes after.
                    take_split(&by_doc[record], max_bytes, &mut chosen);
                    full = true;
                    break;
                }
                chosen.extend(by_doc[record].iter().copied());
                in_batch.insert(by_doc[record][0].doc_id.as_str());
            }
            size += cost;
            evidence.push(e.entry);
        }
        // Then records without new evidence, whole, oldest first.
        if !full {
            for doc in &order {
                if in_batch.contains(doc) {
                    continue;
                }
                let cost = doc_size(doc);
                if size > 0 && size + cost > max_bytes {
                    break;
                }
                if cost > max_bytes {
                    take_split(&by_doc[doc], max_bytes, &mut chosen);
                    break;
                }
                chosen.extend(by_doc[doc].iter().copied());
                in_batch.insert(doc);
                size += cost;
            }
        }
        chosen.sort_by_key(|p| p.seq);
        let mut batch = PushBatch::default();
        let mut stmt = conn.prepare_cached("SELECT bytes, signer, signature FROM changes WHERE seq = ?1")?;
        for p in chosen {
            let (bytes, sig) = stmt.query_row([p.seq], |r| Ok((r.get(0)?, stored_signature(r.get(1)?, r.get(2)?))))?;
            batch.change_seqs.push(p.seq);
            batch.request.changes.entries.push(BundleEntry::new(p.doc_id.clone(), bytes, sig));
        }
        batch.request.evidence = evidence;
        Ok(batch)
    }

    /// The server stored the whole batch: never send it again.
    pub fn mark_pushed(&self, batch: &PushBatch) -> Result<()> {
        self.mark_push_answer(batch, &[], &[])
    }

    /// The server's answer to a batch: `refused` records stay on the device, marked with the
    /// reason, and are not sent again until they change; `held` evidence entries have their
    /// place in the chain and wait for their record; everything else is acknowledged.
    pub fn mark_push_answer(&self, batch: &PushBatch, refused: &[RefusedRecord], held: &[String]) -> Result<()> {
        let refused_docs: HashSet<&str> = refused.iter().map(|r| r.doc_id.as_str()).collect();
        let held: HashSet<&str> = held.iter().map(String::as_str).collect();
        let mut inner = self.lock();
        let tx = inner.conn.transaction()?;
        for (seq, entry) in batch.change_seqs.iter().zip(&batch.request.changes.entries) {
            if !refused_docs.contains(entry.doc_id.as_str()) {
                tx.prepare_cached("UPDATE changes SET acked = 1 WHERE seq = ?1")?.execute([seq])?;
            }
        }
        let now = now_ms();
        for r in refused {
            // Only what this batch sent: a server cannot mark other records refused.
            if batch.request.changes.entries.iter().any(|e| e.doc_id == r.doc_id) {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO refused_records (doc_id, code, message, at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![r.doc_id, r.code, r.message, now])?;
            }
        }
        for e in &batch.request.evidence {
            let state = if held.contains(e.entry_hash.as_str()) { META_HELD } else { META_ACKED };
            tx.prepare_cached("UPDATE evidence SET meta_acked = ?2 WHERE entry_hash = ?1")?
                .execute(params![e.entry_hash, state])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the server refused, with its reason, newest first.
    pub fn refused_records(&self) -> Result<Vec<RefusedRecord>> {
        let inner = self.lock();
        let mut stmt =
            inner.conn.prepare_cached("SELECT doc_id, code, message FROM refused_records ORDER BY at DESC, doc_id")?;
        let rows =
            stmt.query_map([], |r| Ok(RefusedRecord { doc_id: r.get(0)?, code: r.get(1)?, message: r.get(2)? }))?;
        rows.collect::<Result<_, _>>().map_err(Error::from)
    }
}

/// A record changed (here or elsewhere): a refusal of its old state no longer stands, so it
/// and its held evidence are offered again.
pub(crate) fn reconsider(conn: &Connection, doc_id: &str) -> Result<()> {
    if conn.prepare_cached("DELETE FROM refused_records WHERE doc_id = ?1")?.execute([doc_id])? > 0 {
        conn.prepare_cached("UPDATE evidence SET meta_acked = ?2 WHERE record_id = ?1 AND meta_acked = ?3")?
            .execute(params![doc_id, META_PENDING, META_HELD])?;
    }
    Ok(())
}

/// Every refusal is reconsidered (a new account, a new role).
pub(crate) fn reconsider_all(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM refused_records", [])?;
    conn.execute("UPDATE evidence SET meta_acked = ?1 WHERE meta_acked = ?2", params![META_PENDING, META_HELD])?;
    Ok(())
}

/// A record too large for one batch: its oldest changes, up to the limit (at least one).
fn take_split<'a>(changes: &[&'a Pending], max_bytes: usize, chosen: &mut Vec<&'a Pending>) {
    let mut size = 0;
    for p in changes {
        if size > 0 && size + p.len > max_bytes {
            break;
        }
        size += p.len;
        chosen.push(p);
    }
}

fn pending_changes(conn: &Connection) -> Result<Vec<Pending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, doc_id, length(bytes) FROM changes
         WHERE acked = 0 AND doc_id NOT IN (SELECT doc_id FROM refused_records) ORDER BY seq",
    )?;
    let rows =
        stmt.query_map([], |r| Ok(Pending { seq: r.get(0)?, doc_id: r.get(1)?, len: r.get::<_, i64>(2)? as usize }))?;
    rows.collect::<Result<_, _>>().map_err(Error::from)
}

struct PendingEvidence {
    record_id: String,
    entry: SignedEntry,
}

/// This device's evidence the server has not acknowledged, in chain order. Colleagues'
/// evidence (from an offline exchange) is theirs to push: the server takes a chain only from
/// its device. Evidence of a refused record goes too, alone: the server holds it in its place
/// in the chain, so that the entries after it are not blocked.
fn own_pending_evidence(conn: &Connection, device_id: &str) -> Result<Vec<PendingEvidence>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record_id, entry_hash, payload, signature FROM evidence
         WHERE meta_acked = ?2 AND device_id = ?1
         ORDER BY chain_seq",
    )?;
    let rows = stmt.query_map(params![device_id, META_PENDING], |r| {
        Ok(PendingEvidence {
            record_id: r.get(0)?,
            entry: SignedEntry { entry_hash: r.get(1)?, payload_json: r.get(2)?, signature: r.get(3)? },
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(Error::from)
}
