use super::ChangeMessage;
use crate::AuditEntry;
use automerge::Automerge;

/// Every field edit of a document, oldest first, read from the change messages in its history.
pub fn audit_trail(doc: &Automerge) -> Vec<AuditEntry> {
    // get_changes yields causal order: an entry never precedes the edit it overwrote.
    let mut changes = doc.get_changes(&[]);
    let mut out = Vec::new();
    for change in changes.iter_mut() {
        let Some(msg) = change.message().and_then(|m| serde_json::from_str::<ChangeMessage>(m).ok()) else {
            continue;
        };
        let hash = change.hash().to_string();
        for e in msg.edits {
            out.push(AuditEntry {
                change_hash: hash.clone(),
                officer: msg.author.officer.clone(),
                cert_no: msg.author.cert_no.clone(),
                device_id: msg.author.device_id.clone(),
                at_ms: change.timestamp(),
                field: e.field,
                old: e.old.map(|v| v.to_string()),
                new: e.new.map(|v| v.to_string()),
            });
        }
    }
    out
}
