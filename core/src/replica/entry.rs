//! One entry of a server's ordered log: a document change, or a signed evidence entry. The
//! stored form (a kind, the record, bytes and a change's signature) is written and read only
//! here, so storage, the replica feed, pulls and judging share one codec.

use crate::doc::ChangeSignature;
use crate::evidence::{EntryHash, EvidenceItem, SignedEntry};

crate::model::wire_enum!(
    /// What a log entry holds, as its stored `kind`.
    EntryKind { Change = "change", Evidence = "evidence" }
);

#[derive(Debug, Clone, PartialEq)]
pub enum LogEntry {
    /// An Automerge change of `doc_id`, with the signature of the device that made it.
    Change { doc_id: String, bytes: Vec<u8>, signature: Option<ChangeSignature> },
    /// A signed evidence entry of the record `record_id` (as its payload names it).
    Evidence { record_id: String, signed: SignedEntry },
}

/// A stored entry that does not decode, and why (Chinese): it can only be set aside.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Undecodable(pub String);

impl LogEntry {
    /// The entry of an evidence item that opened (see `SignedEntry::open`).
    pub fn evidence(item: &EvidenceItem) -> LogEntry {
        LogEntry::Evidence { record_id: item.payload.record_id.clone(), signed: SignedEntry::from(item) }
    }

    pub fn kind(&self) -> EntryKind {
        match self {
            LogEntry::Change { .. } => EntryKind::Change,
            LogEntry::Evidence { .. } => EntryKind::Evidence,
        }
    }

    /// The document (record) the entry belongs to.
    pub fn doc_id(&self) -> &str {
        match self {
            LogEntry::Change { doc_id, .. } => doc_id,
            LogEntry::Evidence { record_id, .. } => record_id,
        }
    }

    /// The log's key, which makes appends idempotent: the SHA-256 (hex) of a change's bytes
    /// (Automerge's own hash needs a decode), an evidence entry's hash as sent.
    pub fn key(&self) -> String {
        match self {
            LogEntry::Change { bytes, .. } => EntryHash::of(bytes).to_string(),
            LogEntry::Evidence { signed, .. } => signed.entry_hash.clone(),
        }
    }

    /// The stored bytes: a change's own, an evidence entry's JSON form.
    pub fn stored_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            LogEntry::Change { bytes, .. } => bytes.into(),
            LogEntry::Evidence { signed, .. } => signed.to_json().into(),
        }
    }

    /// A change's signature (evidence carries its own inside).
    pub fn signature(&self) -> Option<&ChangeSignature> {
        match self {
            LogEntry::Change { signature, .. } => signature.as_ref(),
            LogEntry::Evidence { .. } => None,
        }
    }

    /// Reads an entry back from its stored parts.
    pub fn from_stored(
        kind: EntryKind,
        doc_id: String,
        bytes: Vec<u8>,
        signature: Option<ChangeSignature>,
    ) -> Result<LogEntry, Undecodable> {
        match kind {
            EntryKind::Change => Ok(LogEntry::Change { doc_id, bytes, signature }),
            EntryKind::Evidence => SignedEntry::from_json(&bytes)
                .map(|signed| LogEntry::Evidence { record_id: doc_id, signed })
                .map_err(|e| Undecodable(e.message_with_code())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_from_what_is_stored() {
        let change = LogEntry::Change { doc_id: "insp-1".into(), bytes: vec![1, 2, 3], signature: None };
        let signed = SignedEntry { entry_hash: "ab".into(), payload_json: "{}".into(), signature: "cd".into() };
        let evidence = LogEntry::Evidence { record_id: "insp-1".into(), signed };
        for e in [change, evidence] {
            let back = LogEntry::from_stored(e.kind(), e.doc_id().into(), e.stored_bytes().into_owned(), None);
            assert_eq!(back.unwrap(), e);
        }
        let broken = LogEntry::from_stored(EntryKind::Evidence, "insp-1".into(), b"{not json".to_vec(), None);
        assert!(broken.unwrap_err().0.contains("证据记录的格式无法识别"), "the reason is for people");
    }
}
