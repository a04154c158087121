use super::ChangeMessage;
use crate::AuditEntry;
use automerge::{Automerge, ChangeMetadata};

/// Every field edit of a document, oldest first, read from the change messages in its history.
pub fn audit_trail(doc: &Automerge) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    for (change, msg) in messages(doc) {
        let hash = change.hash.to_string();
        for e in msg.edits {
            out.push(AuditEntry {
                change_hash: hash.clone(),
                officer: msg.author.officer.clone(),
                cert_no: msg.author.cert_no.clone(),
                device_id: msg.author.device_id.clone(),
                at_ms: change.timestamp,
                field: e.field,
                old: e.old.map(|v| v.to_string()),
                new: e.new.map(|v| v.to_string()),
            });
        }
    }
    out
}

/// Who made the first edit of a document (an opener): the author of its oldest change that
/// names one. Reads change metadata only, never the operations, so that judging a push to a
/// long-lived record does not cost its whole history decoded.
pub fn first_author(doc: &Automerge) -> Option<super::Author> {
    messages(doc).find(|(_, m)| !m.edits.is_empty()).map(|(_, m)| m.author)
}

/// The changes with a message this build reads, in causal order (`get_changes_meta` yields
/// it: an entry never precedes the edit it overwrote).
fn messages(doc: &Automerge) -> impl Iterator<Item = (ChangeMetadata<'_>, ChangeMessage)> {
    doc.get_changes_meta(&[]).into_iter().filter_map(|change| {
        let msg = change.message.as_deref().and_then(|m| serde_json::from_str::<ChangeMessage>(m).ok())?;
        Some((change, msg))
    })
}
