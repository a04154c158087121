//! What a batch of changes from elsewhere does to one document: judged on the transition
//! (before → after), not only on the merged result. The server applies these rules to every
//! push, and a store to every bundle from another phone, before anything is stored.

use super::facts::{DocFacts, doc_facts};
use super::refusal::{Refusal, RefusalCode};
use crate::doc::{Author, change_author, parse_change};
use crate::{Error, Result};
use automerge::{Automerge, Change, ROOT, ReadDoc};
use std::collections::{BTreeSet, HashSet};

/// Largest change accepted from elsewhere. An officer's edit is a few kilobytes; a megabyte
/// leaves room for a long patrol track written at once.
pub const MAX_CHANGE_BYTES: usize = 1024 * 1024;
/// Largest document (saved size plus the new changes) accepted from elsewhere.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// What decides scope, with every concurrent value (a conflict is a change too).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScopeValues {
    pub facts: DocFacts,
    /// Every value of the `kind` field.
    pub kinds: BTreeSet<String>,
    /// Every value of the fields naming the record's node (`jurisdiction_id`, `grid_id`).
    pub nodes: BTreeSet<String>,
    /// The document has history (it is not new).
    pub exists: bool,
}

/// A change in the batch that the document did not have.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChange {
    /// Its position in the batch.
    pub index: usize,
    pub hash: String,
    /// The Automerge actor that made it (hex): a device's actor is its device id.
    pub actor: String,
    /// The author its message names; None if it names none.
    pub author: Option<Author>,
    pub bytes: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub before: ScopeValues,
    pub after: ScopeValues,
    pub new_changes: Vec<NewChange>,
    /// New changes with no dependencies: they start a document.
    pub new_roots: usize,
    /// Changes the batch depends on that neither the document nor the batch holds (hex).
    pub missing_deps: Vec<String>,
    /// The document's saved size before plus the new changes' bytes.
    pub size: usize,
}

impl Transition {
    /// The rules that hold whoever sends the changes; None if none is broken.
    pub fn problem(&self, doc_id: &str) -> Option<Refusal> {
        if let Some(big) = self.new_changes.iter().find(|c| c.bytes > MAX_CHANGE_BYTES) {
            return Some(Refusal::new(
                RefusalCode::ChangeTooLarge,
                format!("a change of {doc_id} is {} bytes, over the {MAX_CHANGE_BYTES}-byte limit", big.bytes),
            ));
        }
        if self.size > MAX_DOCUMENT_BYTES {
            return Some(Refusal::new(
                RefusalCode::DocumentTooLarge,
                format!("{doc_id} would be {} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit", self.size),
            ));
        }
        if !self.missing_deps.is_empty() {
            return Some(Refusal::new(
                RefusalCode::MissingDependencies,
                format!("changes of {doc_id} depend on {} change(s) that were not sent", self.missing_deps.len()),
            ));
        }
        if self.new_roots > 1 || (self.new_roots == 1 && self.before.exists) {
            return Some(Refusal::new(
                RefusalCode::IdCollision,
                format!("a second document was sent under the id {doc_id}, which already names another"),
            ));
        }
        if self.kind_changed() {
            return Some(Refusal::new(
                RefusalCode::KindChanged,
                format!("the changes would change the kind of {doc_id}"),
            ));
        }
        None
    }

    pub fn kind_changed(&self) -> bool {
        self.before.exists && self.before.kinds != self.after.kinds
    }

    /// The record's node changes (or gains a concurrent value): old nodes and new ones.
    pub fn node_change(&self) -> Option<(Vec<String>, Vec<String>)> {
        if !self.before.exists || self.before.nodes == self.after.nodes {
            return None;
        }
        Some((
            self.before.nodes.iter().cloned().collect(),
            self.after.nodes.difference(&self.before.nodes).cloned().collect(),
        ))
    }

    /// Members (certificate numbers, or names) the changes take off the record.
    pub fn removed_members(&self) -> Vec<String> {
        let after: HashSet<&String> = self.after.facts.members.iter().collect();
        self.before.facts.members.iter().filter(|m| !after.contains(m)).cloned().collect()
    }
}

fn values(doc: &Automerge, key: &str) -> impl Iterator<Item = String> {
    doc.get_all(ROOT, key)
        .unwrap_or_default()
        .into_iter()
        .map(|(v, _)| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
}

pub(crate) fn scope_values(doc: &Automerge) -> ScopeValues {
    ScopeValues {
        facts: doc_facts(doc),
        kinds: values(doc, "kind").collect(),
        nodes: values(doc, "jurisdiction_id").chain(values(doc, "grid_id")).collect(),
        exists: !doc.get_heads().is_empty(),
    }
}

/// Applies `changes` to `doc` in place (Automerge queues those whose dependencies are missing)
/// and reports the transition. `saved_size`: the document's saved size before.
pub(crate) fn apply_judged(doc: &mut Automerge, saved_size: usize, changes: &[Change]) -> Result<Transition> {
    let before = scope_values(doc);
    let mut seen = HashSet::new();
    let mut new_changes = Vec::new();
    let mut new_roots = 0;
    for (index, change) in changes.iter().enumerate() {
        let hash = change.hash();
        if doc.get_change_meta_by_hash(&hash).is_some() || !seen.insert(hash) {
            continue;
        }
        if change.deps().is_empty() {
            new_roots += 1;
        }
        new_changes.push(NewChange {
            index,
            hash: hash.to_string(),
            actor: change.actor_id().to_hex_string(),
            author: change_author(change),
            bytes: change.raw_bytes().len(),
        });
    }
    let size = saved_size + new_changes.iter().map(|c| c.bytes).sum::<usize>();
    // Too large to merge, or a second document (whose actor may clash with this one's
    // sequence numbers): judged without applying.
    let collides = new_roots > 1 || (new_roots == 1 && before.exists);
    if !collides && new_changes.iter().all(|c| c.bytes <= MAX_CHANGE_BYTES) && size <= MAX_DOCUMENT_BYTES {
        doc.apply_changes(changes.iter().cloned()).map_err(|e| Error::CorruptChanges(e.to_string()))?;
    }
    let missing_deps = doc.get_missing_deps(&[]).iter().map(|h| h.to_string()).collect();
    let after = scope_values(doc);
    Ok(Transition { before, after, new_changes, new_roots, missing_deps, size })
}

/// The transition `changes` (raw bytes) make to a document saved as `current` (None: the
/// server does not have it).
pub fn transition(current: Option<&[u8]>, changes: &[&[u8]]) -> Result<Transition> {
    let mut doc = match current {
        Some(bytes) => Automerge::load(bytes).map_err(|e| Error::CorruptChanges(e.to_string()))?,
        None => Automerge::new(),
    };
    let parsed = changes.iter().map(|c| parse_change(c)).collect::<Result<Vec<_>>>()?;
    apply_judged(&mut doc, current.map_or(0, <[u8]>::len), &parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::AutoCommit;
    use automerge::transaction::Transactable;

    fn last(doc: &mut AutoCommit) -> Vec<u8> {
        doc.get_last_local_change().unwrap().raw_bytes().to_vec()
    }

    #[test]
    fn a_transition_sees_kind_node_collisions_and_missing_deps() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "kind", "case").unwrap();
        doc.put(ROOT, "jurisdiction_id", "qs-yx").unwrap();
        let saved = doc.save();
        let mut fork = doc.fork();
        fork.put(ROOT, "jurisdiction_id", "qs-other").unwrap();
        let moved = last(&mut fork);
        fork.put(ROOT, "kind", "place").unwrap();
        let kind = last(&mut fork);

        let t = transition(Some(&saved), &[&moved]).unwrap();
        assert_eq!(t.problem("case-1"), None);
        assert_eq!(t.node_change(), Some((vec!["qs-yx".into()], vec!["qs-other".into()])));
        let t = transition(Some(&saved), &[&moved, &kind]).unwrap();
        assert_eq!(t.problem("case-1").unwrap().code, RefusalCode::KindChanged);
        let t = transition(Some(&saved), &[&kind]).unwrap();
        assert_eq!(t.problem("case-1").unwrap().code, RefusalCode::MissingDependencies, "{t:?}");

        let mut other = AutoCommit::new();
        other.put(ROOT, "kind", "case").unwrap();
        let root = last(&mut other);
        assert_eq!(
            transition(Some(&saved), &[&root]).unwrap().problem("case-1").unwrap().code,
            RefusalCode::IdCollision
        );
        assert_eq!(transition(None, &[&root]).unwrap().problem("case-1"), None);
        let again = transition(Some(&saved), &[]).unwrap();
        assert!(again.new_changes.is_empty() && again.node_change().is_none());
    }
}
