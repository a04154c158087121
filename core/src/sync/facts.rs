//! What the server needs to know about a document to decide who may see and write it.

use crate::doc::{DocView, first_author};
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
    if let Some(first) = first_author(doc) {
        members.push(if first.cert_no.is_empty() { first.officer } else { first.cert_no });
    }
    members.sort();
    members.dedup();
    DocFacts { kind, jurisdiction_id, members }
}
