//! Applying a pull. What the server sends is checked like anything from outside: a change
//! Automerge refuses, a snapshot that does not load or is not the record it is sent as, a
//! record that cannot be projected, evidence whose metadata is not valid or whose place in its
//! device's chain is taken — each is set aside (kept with the reason, counted in the sync
//! status) and everything else is applied. One bad entry never blocks a phone.
//!
//! A snapshot (a document new to this phone, `sync::snapshot`) is opened and its changes are
//! applied and stored like pulled changes, one row each and acknowledged, so storage, exchange
//! and the audit trail do not depend on how a document arrived. They are stored without
//! signatures: the server holds those (ADR 0004).

use super::evidence::{content_path, insert_item};
use super::{Inner, Store, insert_pulled, load_doc, projection};
use crate::bundle::{BundleEntry, ChangeBundle};
use crate::doc::parse_change;
use crate::evidence::{EntryHash, EvidenceItem, SignedEntry, is_record_id};
use crate::sync::protocol::{DocSnapshot, PullResponse};
use crate::sync::snapshot;
use crate::util::now_ms;
use crate::{Error, Result};
use automerge::{Automerge, Change};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;
use std::path::Path;

crate::model::wire_enum!(
    /// What kind of entry was set aside.
    SetAsideKind { Change = "change", Evidence = "evidence", Snapshot = "snapshot" }
);

/// An entry from the server that this store could not apply.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAside {
    pub kind: SetAsideKind,
    /// The record the entry names, when it names a valid one; else empty.
    pub doc_id: String,
    /// The entry's key in the server's log: the SHA-256 (hex) of a change's bytes, or an
    /// evidence item's entry hash as sent; for a snapshot (which the log does not hold as
    /// such), the SHA-256 of the record id it came as, a zero byte and its bytes.
    pub key: String,
    pub reason: String,
    pub at_ms: i64,
}

/// What a pull did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullApplied {
    /// Changes new to this store.
    pub changes_added: usize,
    /// Changes the pull's snapshots held (new to this store or not).
    pub snapshot_changes: usize,
    /// Entries of this pull set aside.
    pub set_aside: Vec<SetAside>,
}

/// A set-aside entry with its bytes (as the server's log holds them), before it is written.
struct Aside {
    entry: SetAside,
    bytes: Vec<u8>,
}

impl Aside {
    fn change(doc_id: &str, bytes: &[u8], why: &Error) -> Aside {
        Aside {
            entry: SetAside {
                kind: SetAsideKind::Change,
                doc_id: if is_record_id(doc_id) { doc_id.to_owned() } else { String::new() },
                key: EntryHash::of(bytes).to_string(),
                reason: why.message_with_code(),
                at_ms: now_ms(),
            },
            bytes: bytes.to_vec(),
        }
    }

    fn snapshot(s: &DocSnapshot, why: &Error) -> Aside {
        let named = [s.doc_id.as_bytes(), &[0], &s.bytes].concat();
        let entry = SetAside { kind: SetAsideKind::Snapshot, ..Aside::change(&s.doc_id, &named, why).entry };
        Aside { entry, bytes: s.bytes.clone() }
    }

    fn evidence(e: &SignedEntry, why: &Error) -> Aside {
        // The record as the payload names it, read loosely: the payload may not be valid.
        let doc_id = serde_json::from_str::<serde_json::Value>(&e.payload_json)
            .ok()
            .and_then(|v| v.get("record_id").and_then(|r| r.as_str()).map(str::to_owned))
            .filter(|r| is_record_id(r))
            .unwrap_or_default();
        Aside {
            entry: SetAside {
                kind: SetAsideKind::Evidence,
                doc_id,
                key: e.entry_hash.clone(),
                reason: why.message_with_code(),
                at_ms: now_ms(),
            },
            bytes: e.to_json(),
        }
    }
}

/// A change with the entry it came as (bytes and signature).
type Pulled<'a> = (Change, &'a BundleEntry);

impl Store {
    /// Applies a pull answer: its snapshots, changes, evidence metadata and new cursor, in one
    /// transaction. Entries that cannot be applied are set aside (see the module comment).
    pub fn apply_pull_response(&self, pull: &PullResponse) -> Result<PullApplied> {
        self.apply_pulled_parts(&pull.changes, &pull.snapshots, &pull.evidence, pull.cursor)
    }

    /// `apply_pull_response` for an answer without snapshots (the replica's log entries).
    pub fn apply_pull(&self, changes: &ChangeBundle, evidence: &[SignedEntry], cursor: u64) -> Result<PullApplied> {
        self.apply_pulled_parts(changes, &[], evidence, cursor)
    }

    fn apply_pulled_parts(
        &self,
        changes: &ChangeBundle,
        snapshots: &[DocSnapshot],
        evidence: &[SignedEntry],
        cursor: u64,
    ) -> Result<PullApplied> {
        let mut asides = Vec::new();
        // A snapshot's changes come first in its document: the pull's own changes of it, if
        // any, may depend on them.
        let mut opened: BTreeMap<String, Automerge> = BTreeMap::new();
        let mut held: Vec<(Change, BundleEntry)> = Vec::new();
        for s in snapshots {
            match snapshot::open(&s.doc_id, &s.bytes) {
                Ok((doc, changes)) => {
                    held.extend(changes.into_iter().map(|c| {
                        let entry = BundleEntry::unsigned(s.doc_id.clone(), c.raw_bytes().to_vec());
                        (c, entry)
                    }));
                    opened.entry(s.doc_id.clone()).or_insert(doc);
                }
                Err(why) => asides.push(Aside::snapshot(s, &why)),
            }
        }
        let snapshot_changes = held.len();
        let mut by_doc: BTreeMap<String, Vec<Pulled<'_>>> = BTreeMap::new();
        for (change, entry) in &held {
            by_doc.entry(entry.doc_id.clone()).or_default().push((change.clone(), entry));
        }
        for entry in &changes.entries {
            let id = &entry.doc_id;
            let parsed = if is_record_id(id) {
                parse_change(&entry.change)
            } else {
                Err(Error::invalid("record id", "收到的修改没有有效的记录编号"))
            };
            match parsed {
                Ok(change) => by_doc.entry(id.clone()).or_default().push((change, entry)),
                Err(e) => asides.push(Aside::change(id, &entry.change, &e)),
            }
        }
        let mut items = Vec::new();
        for e in evidence {
            match e.open() {
                Ok(item) => items.push((item, e)),
                Err(why) => asides.push(Aside::evidence(e, &why)),
            }
        }
        let dir = self.evidence_dir();
        let mut inner = self.lock();
        let touched: Vec<String> = by_doc.keys().cloned().collect();
        let result =
            inner.adopt_snapshots(opened).and_then(|()| inner.apply_pulled(by_doc, items, asides, &dir, cursor));
        if result.is_err() {
            // Memory must match disk again: drop what was half applied.
            inner.forget_cached(touched);
        }
        result.map(|applied| PullApplied { snapshot_changes, ..applied })
    }

    /// Every entry set aside so far, oldest first.
    pub fn set_aside_entries(&self) -> Result<Vec<SetAside>> {
        let inner = self.lock();
        let mut stmt =
            inner.conn.prepare_cached("SELECT kind, doc_id, key, reason, at FROM set_aside ORDER BY at, key")?;
        let rows = stmt.query_map([], |r| {
            let kind: String = r.get(0)?;
            Ok(SetAside {
                kind: SetAsideKind::parse(&kind).unwrap_or(SetAsideKind::Change),
                doc_id: r.get(1)?,
                key: r.get(2)?,
                reason: r.get(3)?,
                at_ms: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Inner {
    /// A snapshot of a document this store holds nothing of becomes its cached copy as loaded,
    /// so its changes are not applied a second time; for one it holds, they are merged as
    /// pulled changes are. Like every document of the pull they stay cached until it is
    /// stored, and the cache is trimmed then (`apply_pulled`), so it stays bounded after a
    /// pull of thousands of new documents.
    fn adopt_snapshots(&mut self, opened: BTreeMap<String, Automerge>) -> Result<()> {
        self.trim_cache();
        for (id, mut doc) in opened {
            if self.docs.contains_key(&id)
                || self.conn.prepare_cached("SELECT 1 FROM changes WHERE doc_id = ?1")?.exists([&id])?
            {
                continue;
            }
            doc.set_actor(self.actor.clone());
            self.docs.insert(id, doc);
        }
        Ok(())
    }

    fn apply_pulled(
        &mut self,
        by_doc: BTreeMap<String, Vec<Pulled<'_>>>,
        items: Vec<(EvidenceItem, &SignedEntry)>,
        mut asides: Vec<Aside>,
        dir: &Path,
        cursor: u64,
    ) -> Result<PullApplied> {
        let mut report = PullApplied::default();
        let mut kept = Vec::new();
        for (id, changes) in by_doc {
            let good = self.apply_in_memory(&id, changes, &mut asides);
            kept.push((id, good));
        }
        let Inner { conn, docs, .. } = self;
        // Records are stored without a savepoint each (one costs about what storing a small
        // record does); only if one fails is the whole step redone with them, so that the
        // one is set aside and the others kept.
        let mut tx = conn.transaction()?;
        let quick = kept.iter().try_fold(0, |added, (id, changes)| match docs.get(id) {
            Some(doc) if !changes.is_empty() => Ok(added + store_pulled_doc(&tx, id, changes, doc)?),
            _ => Ok::<_, Error>(added),
        });
        match quick {
            Ok(added) => report.changes_added = added,
            Err(_) => {
                tx.rollback()?;
                tx = conn.transaction()?;
                for (id, changes) in &kept {
                    let Some(doc) = docs.get(id).filter(|_| !changes.is_empty()) else { continue };
                    match in_savepoint(&tx, || store_pulled_doc(&tx, id, changes, doc)) {
                        Ok(added) => report.changes_added += added,
                        Err(why) => {
                            docs.remove(id);
                            asides.extend(changes.iter().map(|(_, e)| Aside::change(id, &e.change, &why)));
                        }
                    }
                }
            }
        }
        for (item, raw) in items {
            if let Err(why) = store_pulled_item(&tx, item, dir) {
                asides.push(Aside::evidence(raw, &why));
            }
        }
        for a in &asides {
            let e = &a.entry;
            tx.prepare_cached(
                "INSERT OR IGNORE INTO set_aside (key, kind, doc_id, bytes, reason, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![e.key, e.kind.as_str(), e.doc_id, a.bytes, e.reason, e.at_ms])?;
        }
        tx.prepare_cached("UPDATE sync_state SET cursor = ?1 WHERE id = 1")?.execute([cursor as i64])?;
        tx.commit()?;
        self.trim_cache();
        report.set_aside = asides.into_iter().map(|a| a.entry).collect();
        Ok(report)
    }

    /// Applies a document's pulled changes to its cached copy; returns those Automerge took.
    /// A refused change is set aside alone: the others are applied again from what is on disk.
    fn apply_in_memory<'a>(&mut self, id: &str, changes: Vec<Pulled<'a>>, asides: &mut Vec<Aside>) -> Vec<Pulled<'a>> {
        let all = changes.iter().map(|(c, _)| c.clone());
        if self.cached_doc(id).and_then(|doc| Ok(doc.apply_changes(all)?)).is_ok() {
            return changes;
        }
        let mut good: Vec<Pulled<'a>> = Vec::new();
        for (change, bytes) in changes {
            let applied = self.fresh_doc(id, &good).and_then(|doc| Ok(doc.apply_changes([change.clone()])?));
            match applied {
                Ok(()) => good.push((change, bytes)),
                Err(why) => asides.push(Aside::change(id, &bytes.change, &why)),
            }
        }
        if self.fresh_doc(id, &good).is_err() {
            // What is on disk does not load: nothing can be added to it.
            let why = Error::CorruptChanges(format!("the stored record {id} does not load"));
            asides.extend(good.drain(..).map(|(_, e)| Aside::change(id, &e.change, &why)));
            self.docs.remove(id);
        }
        good
    }

    /// The cached document, loaded if needed (empty if new). Unlike `doc`, never empties the
    /// cache: documents changed earlier in the same pull must stay until they are stored.
    fn cached_doc(&mut self, id: &str) -> Result<&mut Automerge> {
        if !self.docs.contains_key(id) {
            return self.fresh_doc(id, &[]);
        }
        Ok(self.docs.get_mut(id).expect("checked above"))
    }

    /// The document as on disk (empty if new) with `also` applied, replacing the cached copy.
    fn fresh_doc(&mut self, id: &str, also: &[Pulled<'_>]) -> Result<&mut Automerge> {
        self.docs.remove(id);
        let mut doc =
            load_doc(&self.conn, &self.actor, id)?.unwrap_or_else(|| Automerge::new().with_actor(self.actor.clone()));
        doc.apply_changes(also.iter().map(|(c, _)| c.clone()))?;
        Ok(self.docs.entry(id.to_owned()).or_insert(doc))
    }
}

/// Stores a record's pulled changes and, if any was new, its projection.
fn store_pulled_doc(tx: &Transaction<'_>, id: &str, changes: &[Pulled<'_>], doc: &Automerge) -> Result<usize> {
    let added = insert_pulled(tx, id, changes)?;
    if added > 0 {
        projection::write(tx, id, doc)?;
    }
    Ok(added)
}

/// Stores one pulled evidence item unless it is already here. An item whose place in its
/// device's chain another item holds is refused: two items cannot be the same link.
fn store_pulled_item(tx: &Transaction<'_>, mut item: EvidenceItem, dir: &Path) -> Result<()> {
    if tx.prepare_cached("SELECT 1 FROM evidence WHERE entry_hash = ?1")?.exists([&item.entry_hash])? {
        return Ok(());
    }
    let p = &item.payload;
    let holder: Option<String> = tx
        .prepare_cached("SELECT entry_hash FROM evidence WHERE device_id = ?1 AND chain_seq = ?2")?
        .query_row(params![p.device_id, p.chain_seq as i64], |r| r.get(0))
        .optional()?;
    if let Some(holder) = holder {
        return Err(Error::invalid(
            "evidence chain",
            format!("设备 {} 的第 {} 条证据已是 {holder}，不能再有另一条", p.device_id, p.chain_seq),
        ));
    }
    item.bytes_present = content_path(dir, &p.content_hash).exists();
    in_savepoint(tx, || {
        insert_item(tx, &item)?;
        tx.prepare_cached("UPDATE evidence SET meta_acked = 1, uploaded = 1 WHERE entry_hash = ?1")?
            .execute([&item.entry_hash])?;
        Ok(())
    })
}

/// Runs `f` inside a savepoint of `tx`: its writes are kept if it succeeds, undone if not.
fn in_savepoint<T>(tx: &Transaction<'_>, f: impl FnOnce() -> Result<T>) -> Result<T> {
    tx.execute_batch("SAVEPOINT pulled")?;
    match f() {
        Ok(v) => {
            tx.execute_batch("RELEASE pulled")?;
            Ok(v)
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO pulled; RELEASE pulled")?;
            Err(e)
        }
    }
}
