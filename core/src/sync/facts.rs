//! What the server needs to know about a document to decide who may see and write it.

use crate::doc::{DocView, audit_trail};
use crate::{Officer, RecordKind};
use automerge::Automerge;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocFacts {
    pub kind: Option<RecordKind>,
    /// The node the record belongs to (a patrol's grid).
    pub jurisdiction_id: Option<String>,
    /// Who works on it: an inspection's team, a patrol's officer, a case's opener
    /// (certificate number, or name for staff without one).
    pub members: Vec<String>,
}

pub fn doc_facts(doc: &Automerge) -> DocFacts {
    let v = DocView(doc);
    let kind = v.str("kind").and_then(|k| RecordKind::parse(&k));
    let jurisdiction_id = match kind {
        Some(RecordKind::Patrol) => v.str("grid_id"),
        _ => v.str("jurisdiction_id"),
    };
    let mut members: Vec<String> = match kind {
        Some(RecordKind::Inspection) => v
            .entries::<Officer>("team")
            .into_iter()
            .map(|(_, o)| if o.cert_no.is_empty() { o.name } else { o.cert_no })
            .collect(),
        _ => Vec::new(),
    };
    if let Some(first) = audit_trail(doc).into_iter().next() {
        members.push(if first.cert_no.is_empty() { first.officer } else { first.cert_no });
    }
    members.sort();
    members.dedup();
    DocFacts { kind, jurisdiction_id, members }
}

/// The facts of a document as it would be after merging `changes` into `current` (a saved
/// document, if the server has one): a push is judged by what it would produce.
pub fn facts_after_merge(current: Option<&[u8]>, changes: &[&[u8]]) -> crate::Result<DocFacts> {
    let mut doc = match current {
        Some(bytes) => Automerge::load(bytes).map_err(|e| crate::Error::CorruptChanges(e.to_string()))?,
        None => Automerge::new(),
    };
    let parsed = changes.iter().map(|c| crate::doc::parse_change(c)).collect::<crate::Result<Vec<_>>>()?;
    doc.apply_changes(parsed).map_err(|e| crate::Error::CorruptChanges(e.to_string()))?;
    Ok(doc_facts(&doc))
}
