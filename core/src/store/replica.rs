//! The operations a server performs on the store it keeps as its read model (see
//! `crate::replica`): ingest its log, make decisions as named authors, read scope facts.

use super::{Inner, Store};
use crate::bundle::{BundleEntry, ChangeBundle};
use crate::doc::parse_change;
use crate::evidence::SignedEntry;
use crate::replica::LogEntry;
use crate::sync::{DocFacts, Transition, apply_judged, doc_facts};
use crate::{Error, Officer, Result};
use automerge::Automerge;
use std::collections::HashMap;

/// A log entry the store could not apply, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAsideEntry {
    /// Its position in the entries given to `ingest`.
    pub index: usize,
    /// Why, in Chinese with the error's code.
    pub reason: String,
}

/// What `ingest` did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ingested {
    /// Changes new to this store.
    pub changes_added: usize,
    pub set_aside: Vec<SetAsideEntry>,
}

/// A decision made by `decide_as`: its outcome, and every change it made (even when it failed
/// half way, so that what the store holds can still reach the log).
#[derive(Debug)]
pub struct Decided<T> {
    pub outcome: Result<T>,
    /// The changes, in the order made, each signed by this store's device key.
    pub changes: Vec<LogEntry>,
}

/// The author of the decision being made, and what it has made so far.
pub(crate) struct Acting {
    pub(crate) officer: Officer,
    pub(crate) made: Vec<LogEntry>,
}

impl Store {
    /// Applies log entries in their order, and moves the store's cursor to `cursor` (the
    /// position of the last). An entry that cannot be applied — a change Automerge refuses, a
    /// record that does not project, evidence that does not open or whose chain position is
    /// taken — is set aside and the rest applied. If the step fails as a whole, entries are
    /// applied one by one, and one that fails alone is set aside with the reason.
    pub fn ingest(&self, entries: &[LogEntry], cursor: u64) -> Result<Ingested> {
        let step = self.ingest_step(entries, cursor);
        let Err(why) = step else { return step };
        if entries.len() < 2 {
            // Past it, so that it is not tried again.
            self.ingest_step(&[], cursor)?;
            return Ok(Ingested {
                changes_added: 0,
                set_aside: (0..entries.len())
                    .map(|index| SetAsideEntry {
                        index,
                        reason: format!("无法写入服务器的记录副本：{}", why.message_with_code()),
                    })
                    .collect(),
            });
        }
        // One at a time, leaving the cursor where it was until the last: a crash half way
        // replays them all, which is harmless (every entry is applied once).
        let before = self.sync_cursor()?;
        let mut report = Ingested::default();
        for (index, entry) in entries.iter().enumerate() {
            let at = if index + 1 == entries.len() { cursor } else { before };
            let one = self.ingest(std::slice::from_ref(entry), at)?;
            report.changes_added += one.changes_added;
            report.set_aside.extend(one.set_aside.into_iter().map(|s| SetAsideEntry { index, ..s }));
        }
        Ok(report)
    }

    fn ingest_step(&self, entries: &[LogEntry], cursor: u64) -> Result<Ingested> {
        let mut changes = ChangeBundle::default();
        let mut evidence: Vec<SignedEntry> = Vec::new();
        // Set-aside entries come back by their log key.
        let mut index_of: HashMap<String, usize> = HashMap::new();
        for (index, e) in entries.iter().enumerate() {
            index_of.entry(e.key()).or_insert(index);
            match e {
                LogEntry::Change { doc_id, bytes, signature } => {
                    changes.entries.push(BundleEntry::new(doc_id.clone(), bytes.clone(), signature.clone()));
                }
                LogEntry::Evidence { signed, .. } => evidence.push(signed.clone()),
            }
        }
        let applied = self.apply_pull(&changes, &evidence, cursor)?;
        let set_aside = applied
            .set_aside
            .into_iter()
            .filter_map(|s| Some(SetAsideEntry { index: *index_of.get(&s.key)?, reason: s.reason }))
            .collect();
        Ok(Ingested { changes_added: applied.changes_added, set_aside })
    }

    /// Makes a decision as `officer` (a supervisor, or the server itself): every edit
    /// `decision` makes names them as its author and this store's device, and is signed by
    /// its key. Returns exactly the changes it made, which are not left pending to push: the
    /// caller hands them on (the server appends them to its log). Evidence a decision adds
    /// stays in this store. One decision at a time; other writes should not run meanwhile.
    pub fn decide_as<T>(&self, officer: Officer, decision: impl FnOnce(&Store) -> Result<T>) -> Decided<T> {
        let _one = self.deciding.lock().unwrap_or_else(|p| p.into_inner());
        if officer.name.trim().is_empty() {
            return Decided {
                outcome: Err(Error::invalid("officer name", "须填写检查人员姓名")), changes: Vec::new()
            };
        }
        self.lock().acting = Some(Acting { officer, made: Vec::new() });
        // Cleared however the decision ends, a panic included: later edits are not its own.
        let _clear = ClearActing(self);
        let outcome = decision(self);
        let changes = self.lock().acting.take().map(|a| a.made).unwrap_or_default();
        Decided { outcome, changes }
    }

    /// The scope facts of a record as this store holds it.
    pub fn doc_facts(&self, doc_id: &str) -> Result<DocFacts> {
        Ok(doc_facts(self.lock().doc(doc_id)?))
    }

    /// What `changes` (raw bytes) would do to a record, judged before anything is stored (see
    /// `crate::sync::Transition`): they are applied to a copy of the document in memory, so
    /// the store's own copy is left as it is. A record this store does not hold starts empty.
    pub fn transition(&self, doc_id: &str, changes: &[&[u8]]) -> Result<Transition> {
        let parsed = changes.iter().map(|c| parse_change(c)).collect::<Result<Vec<_>>>()?;
        let mut inner = self.lock();
        let saved_size = inner.stored_size(doc_id)?;
        let mut copy = match inner.doc(doc_id) {
            Ok(doc) => doc.clone(),
            Err(Error::NotFound { .. }) => Automerge::new(),
            Err(e) => return Err(e),
        };
        apply_judged(&mut copy, saved_size, &parsed)
    }
}

struct ClearActing<'a>(&'a Store);

impl Drop for ClearActing<'_> {
    fn drop(&mut self) {
        self.0.lock().acting = None;
    }
}

impl Inner {
    /// The bytes of a record's stored changes: its size as the limits count it (the same
    /// measure a phone uses for changes from another phone).
    pub(crate) fn stored_size(&self, doc_id: &str) -> Result<usize> {
        let size: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(sum(length(bytes)), 0) FROM changes WHERE doc_id = ?1")?
            .query_row([doc_id], |r| r.get(0))?;
        Ok(size.max(0) as usize)
    }
}
