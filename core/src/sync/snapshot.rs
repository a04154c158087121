//! A document new to a device travels as a snapshot (ADR 0004): the Automerge document saved
//! from its history as the server's log holds it up to the pull's cursor, instead of every
//! change with its header, dependency hashes and signature. The server makes it
//! (`save_history`); the phone opens it (`open`), treating it as anything from outside: size
//! capped before and after loading, it must load and verify, and it must be the record it
//! is sent as. The changes it holds are then stored one row each, as pulled changes are, so
//! the phone's storage, exchange bundles and audit trail are what a history would have made.

use super::transition::MAX_DOCUMENT_BYTES;
use crate::doc::{DocView, parse_change};
use crate::evidence::is_record_id;
use crate::{Error, Result};
use automerge::{Automerge, Change, ReadDoc};

/// A document's history saved as one Automerge document. `plain`: columns left uncompressed,
/// so that the zstd coding of the whole answer finds what documents share (officer names,
/// checklist items); otherwise deflated per column (when the answer is already large).
/// An error when a change does not decode or its dependencies are not all in `changes`.
pub fn save_history<'a>(changes: impl IntoIterator<Item = &'a [u8]>, plain: bool) -> Result<Vec<u8>> {
    let changes = changes.into_iter().map(parse_change).collect::<Result<Vec<Change>>>()?;
    let mut doc = Automerge::new();
    doc.apply_changes(changes)?;
    let missing = doc.get_missing_deps(&[]);
    if let Some(first) = missing.first() {
        return Err(Error::CorruptChanges(format!("the history lacks change {first}")));
    }
    Ok(if plain { doc.save_nocompress() } else { doc.save() })
}

/// A snapshot saved `plain` by `save_history`, deflated per column.
pub fn deflate_saved(plain: &[u8]) -> Result<Vec<u8>> {
    Ok(Automerge::load(plain)?.save())
}

/// A snapshot as received, checked: at most `MAX_DOCUMENT_BYTES` in and out, loads (Automerge
/// checks every change against the heads it was saved with), and is the record `doc_id`.
/// Returns the document and the changes it holds, oldest first.
pub(crate) fn open(doc_id: &str, bytes: &[u8]) -> Result<(Automerge, Vec<Change>)> {
    let refuse = |why: String| Error::CorruptChanges(format!("snapshot of {doc_id}: {why}"));
    if !is_record_id(doc_id) {
        return Err(Error::invalid("record id", "收到的记录快照没有有效的记录编号"));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(refuse(format!("{} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit", bytes.len())));
    }
    let doc = Automerge::load(bytes).map_err(|e| refuse(e.to_string()))?;
    let changes: Vec<Change> = doc.get_changes(&[]);
    let size: usize = changes.iter().map(|c| c.raw_bytes().len()).sum();
    if size > MAX_DOCUMENT_BYTES {
        return Err(refuse(format!("its changes are {size} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit")));
    }
    let named = DocView(&doc).str("id");
    if named.as_deref() != Some(doc_id) {
        let named = named.unwrap_or_default().chars().take(64).collect::<String>();
        return Err(Error::invalid("snapshot", format!("收到的记录 {doc_id} 的快照是另一条记录（{named}），未保存")));
    }
    Ok((doc, changes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    fn history(id: &str) -> Vec<Vec<u8>> {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "kind", "inspection").unwrap();
        doc.put(ROOT, "id", id).unwrap();
        doc.commit();
        doc.put(ROOT, "note", "门口张贴有招生广告").unwrap();
        doc.commit();
        doc.get_changes(&[]).into_iter().map(|c| c.raw_bytes().to_vec()).collect()
    }

    #[test]
    fn a_saved_history_opens_as_the_same_changes() {
        let changes = history("insp-1");
        for plain in [true, false] {
            let saved = save_history(changes.iter().map(Vec::as_slice), plain).unwrap();
            let (_, opened) = open("insp-1", &saved).unwrap();
            let opened: Vec<Vec<u8>> = opened.iter().map(|c| c.raw_bytes().to_vec()).collect();
            assert_eq!(opened, changes, "plain: {plain}");
        }
    }

    #[test]
    fn a_history_with_a_gap_is_not_saved() {
        let changes = history("insp-1");
        let e = save_history(changes.iter().skip(1).map(Vec::as_slice), true).unwrap_err();
        assert!(e.to_string().contains("lacks change"), "{e}");
        assert!(save_history([&b"junk"[..]], true).is_err());
    }

    #[test]
    fn a_snapshot_of_another_record_or_not_a_record_is_refused() {
        let saved = save_history(history("insp-1").iter().map(Vec::as_slice), true).unwrap();
        let e = open("insp-2", &saved).unwrap_err();
        assert!(e.message_zh().contains("insp-2 的快照是另一条记录（insp-1）"), "{e:?}");
        assert!(open("Insp 1/..", &saved).is_err());
        let mut bad = saved.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        assert!(open("insp-1", &bad).is_err(), "a damaged snapshot does not load");
        assert!(open("insp-1", &saved[..saved.len() / 2]).is_err(), "a cut one neither");
        assert!(open("insp-1", &vec![0u8; MAX_DOCUMENT_BYTES + 1]).is_err());
    }
}
