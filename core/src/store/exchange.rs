//! Store-to-store exchange without a server: one side says what it has (its heads per
//! document), the other exports exactly the changes it lacks, and the first imports them.
//! Import is all-or-nothing and idempotent: a duplicated bundle is harmless, and one that
//! arrives before the changes it depends on is refused whole (the next exchange brings both).
//! Changes travel with their signatures; what another phone sends is judged first
//! (`judge.rs`), so that a phone cannot be used to launder forged changes.

use super::{Inner, Origin, Signed, Store, insert_changes, load_doc, projection, stored_signature};
use crate::bundle::{BundleEntry, ChangeBundle, check_checksums};
use crate::doc::parse_change;
use crate::{Error, Result};
use automerge::{Automerge, ChangeHash, ReadDoc};
use rusqlite::OptionalExtension;
use std::collections::BTreeMap;

/// What a store holds: for every document, its current heads (hex).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PeerState {
    pub heads: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub documents: usize,
    /// Changes that were new to this store (duplicates are not counted).
    pub changes_added: usize,
}

impl Store {
    pub fn peer_state(&self) -> Result<PeerState> {
        let inner = self.lock();
        let mut stmt = inner.conn.prepare("SELECT doc_id, heads FROM documents")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut heads = BTreeMap::new();
        for row in rows {
            let (id, h) = row?;
            heads.insert(id, h.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect());
        }
        Ok(PeerState { heads })
    }

    /// The changes this store has and `peer` lacks, for every document.
    pub fn export_changes(&self, peer: &PeerState) -> Result<Vec<u8>> {
        let mut inner = self.lock();
        let ids: Vec<String> = inner
            .conn
            .prepare("SELECT doc_id FROM documents ORDER BY doc_id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut bundle = ChangeBundle::default();
        for id in ids {
            let their: Vec<ChangeHash> =
                peer.heads.get(&id).map(|h| h.iter().filter_map(|s| s.parse().ok()).collect()).unwrap_or_default();
            let doc = inner.doc(&id)?;
            if their == doc.get_heads() {
                continue;
            }
            // Heads the peer has that we do not know say nothing about what it lacks; ignore them.
            let known: Vec<ChangeHash> = their.into_iter().filter(|h| doc.get_change_by_hash(h).is_some()).collect();
            let changes = doc.get_changes(&known);
            let mut stmt = inner.conn.prepare_cached("SELECT signer, signature FROM changes WHERE hash = ?1")?;
            for mut change in changes {
                let sig = stmt
                    .query_row([&change.hash().0[..]], |r| Ok(stored_signature(r.get(0)?, r.get(1)?)))
                    .optional()?
                    .flatten();
                bundle.entries.push(BundleEntry::new(id.clone(), change.bytes().into_owned(), sig));
            }
        }
        Ok(bundle.encode())
    }

    /// Imports a bundle from another store. Either every change is stored or none is; a bundle
    /// with a forged, damaged or incomplete change, or one that changes what a record is, is
    /// refused whole (`Error::ChangeRefused`).
    pub fn import_changes(&self, bytes: &[u8]) -> Result<ImportReport> {
        let bundle = ChangeBundle::decode(bytes)?;
        check_checksums(&bundle)?;
        let mut by_doc: BTreeMap<String, Vec<Signed>> = BTreeMap::new();
        for e in bundle.entries {
            by_doc.entry(e.doc_id).or_default().push((parse_change(&e.change)?, e.signature));
        }
        self.lock().import(by_doc, Origin::Peer)
    }

    /// Imports a whole saved Automerge document as the record `id` (merging with what is here).
    pub fn import_document(&self, id: &str, bytes: &[u8]) -> Result<ImportReport> {
        let doc = Automerge::load(bytes).map_err(|e| Error::CorruptChanges(format!("document {id}: {e}")))?;
        let mut by_doc = BTreeMap::new();
        by_doc.insert(id.to_owned(), doc.get_changes(&[]).into_iter().map(|c| (c, None)).collect());
        self.lock().import(by_doc, Origin::Peer)
    }
}

impl Inner {
    /// Applies changes from elsewhere to many documents in one transaction.
    pub(crate) fn import(&mut self, by_doc: BTreeMap<String, Vec<Signed>>, origin: Origin) -> Result<ImportReport> {
        self.import_with(by_doc, origin, |_| Ok(()))
    }

    /// Like `import`, with more writes (`also`) in the same transaction.
    pub(crate) fn import_with(
        &mut self,
        by_doc: BTreeMap<String, Vec<Signed>>,
        origin: Origin,
        also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<ImportReport> {
        let touched: Vec<String> = by_doc.keys().cloned().collect();
        let result = self.import_inner(by_doc, origin, also);
        if result.is_err() {
            // Memory must match disk again: drop what was half applied.
            self.forget_cached(touched);
        }
        result
    }

    fn import_inner(
        &mut self,
        by_doc: BTreeMap<String, Vec<Signed>>,
        origin: Origin,
        also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        for (id, changes) in &by_doc {
            if !self.docs.contains_key(id) {
                let doc = load_doc(&self.conn, &self.actor, id)?
                    .unwrap_or_else(|| Automerge::new().with_actor(self.actor.clone()));
                self.docs.insert(id.clone(), doc);
            }
            if origin == Origin::Peer {
                self.judge_peer_changes(id, changes)?;
                continue;
            }
            let doc = self.docs.get_mut(id).expect("inserted above");
            doc.apply_changes(changes.iter().map(|(c, _)| c.clone()))
                .map_err(|e| Error::CorruptChanges(format!("document {id}: {e}")))?;
        }
        let tx = self.conn.transaction()?;
        for (id, changes) in by_doc {
            let added = insert_changes(&tx, &id, changes, origin)?;
            if added > 0 {
                report.documents += 1;
                report.changes_added += added;
                projection::write(&tx, &id, &self.docs[&id])?;
            }
        }
        also(&tx)?;
        tx.commit()?;
        self.trim_cache();
        Ok(report)
    }
}
