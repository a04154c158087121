//! A phone applying documents that arrive as snapshots (protocol 3): stored as the history
//! would have been (one acknowledged row per change, projection, audit trail, exchange), a bad
//! one set aside without holding up the rest, one the phone partly holds merged, and many at
//! once without an unbounded document cache.

mod common;

use common::*;
use xuncha_core::bundle::{BundleEntry, ChangeBundle};
use xuncha_core::sync::protocol::{DocSnapshot, PullResponse};
use xuncha_core::sync::snapshot::save_history;
use xuncha_core::*;

/// An inspection with a few answers and a finding, on `author`.
fn inspection(author: &Store) -> String {
    let id = author.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    for item in author.applicable_items(&id).unwrap().iter().take(3) {
        author.answer_item(&id, &item.id, AnswerValue::No, "").unwrap();
    }
    author.add_finding(&id, "门口张贴有招生广告").unwrap();
    id
}

/// What `author` has not pushed yet, per record: the changes as the server's log holds them.
fn history(author: &Store) -> ChangeBundle {
    author.next_push(usize::MAX).unwrap().request.changes
}

/// The snapshot the server makes of `id` from `log`.
fn snapshot(log: &ChangeBundle, id: &str, plain: bool) -> DocSnapshot {
    let changes = log.entries.iter().filter(|e| e.doc_id == id).map(|e| e.change.as_slice());
    DocSnapshot { doc_id: id.to_owned(), bytes: save_history(changes, plain).unwrap() }
}

fn answer(cursor: u64, snapshots: Vec<DocSnapshot>, changes: Vec<BundleEntry>) -> PullResponse {
    PullResponse { cursor, snapshots, changes: ChangeBundle { entries: changes }, ..PullResponse::default() }
}

#[test]
fn a_snapshot_is_stored_as_its_history_would_have_been() {
    let dir = tempfile::tempdir().unwrap();
    let (author, phone, third) =
        (store_at(&dir.path().join("a"), 0), store_at(&dir.path().join("b"), 1), store_at(&dir.path().join("c"), 2));
    let id = inspection(&author);
    let log = history(&author);
    let n = log.entries.len();
    assert!(n >= 5, "{n}");

    for (cursor, plain) in [(5, true), (6, false)] {
        let applied = phone.apply_pull_response(&answer(cursor, vec![snapshot(&log, &id, plain)], vec![])).unwrap();
        assert_eq!(applied.snapshot_changes, n);
        // The first time every change is new; the second (a deflated snapshot) adds nothing.
        assert_eq!(applied.changes_added, if cursor == 5 { n } else { 0 });
        assert!(applied.set_aside.is_empty(), "{:?}", applied.set_aside);
    }
    assert_eq!(phone.heads(&id).unwrap(), author.heads(&id).unwrap());
    assert_eq!(phone.audit_trail(&id).unwrap(), author.audit_trail(&id).unwrap());
    assert_eq!(phone.inspection(&id).unwrap(), author.inspection(&id).unwrap());
    assert_eq!(phone.list_inspections(&InspectionFilter::default(), 10, 0).unwrap().len(), 1);
    assert_eq!(phone.sync_status().unwrap().pending_changes, 0, "the server's changes are acknowledged");
    assert_eq!(phone.sync_cursor().unwrap(), 6);

    // Relayed to another phone: the same changes, without signatures (the server holds them).
    let bundle = ChangeBundle::decode(&phone.export_changes(&PeerState::default()).unwrap()).unwrap();
    let mut relayed: Vec<&[u8]> = bundle.entries.iter().map(|e| e.change.as_slice()).collect();
    let mut logged: Vec<&[u8]> = log.entries.iter().map(|e| e.change.as_slice()).collect();
    relayed.sort();
    logged.sort();
    assert_eq!(relayed, logged, "the phone holds the very bytes the author signed");
    assert!(bundle.entries.iter().all(|e| e.signature.is_none()));
    third.import_changes(&bundle.encode()).unwrap();
    assert_eq!(third.heads(&id).unwrap(), author.heads(&id).unwrap());

    // Reopened from disk, the document is the same.
    drop(phone);
    let phone = Store::open(dir.path().join("b")).unwrap();
    assert_eq!(phone.heads(&id).unwrap(), author.heads(&id).unwrap());
}

#[test]
fn a_bad_snapshot_is_set_aside_and_the_rest_applies() {
    let dir = tempfile::tempdir().unwrap();
    let (author, phone) = (store_at(&dir.path().join("a"), 0), store_at(&dir.path().join("b"), 1));
    let (damaged, misnamed, good, changed) =
        (inspection(&author), inspection(&author), inspection(&author), inspection(&author));
    let log = history(&author);
    let mut broken = snapshot(&log, &damaged, true);
    let middle = broken.bytes.len() / 2;
    broken.bytes[middle] ^= 0x5a;
    let wrong = DocSnapshot { doc_id: misnamed.clone(), ..snapshot(&log, &good, true) };
    let no_id = DocSnapshot { doc_id: "../../etc".into(), ..snapshot(&log, &good, true) };
    let empty = DocSnapshot { doc_id: "insp-empty".into(), bytes: Vec::new() };
    let changes: Vec<BundleEntry> = log.entries.iter().filter(|e| e.doc_id == changed).cloned().collect();

    let pull = answer(9, vec![broken, wrong, no_id, snapshot(&log, &good, true), empty], changes);
    let applied = phone.apply_pull_response(&pull).unwrap();
    let reasons: Vec<String> =
        applied.set_aside.iter().map(|s| format!("{:?} {}: {}", s.kind, s.doc_id, s.reason)).collect();
    assert_eq!(applied.set_aside.len(), 4, "{reasons:#?}");
    assert!(applied.set_aside.iter().all(|s| s.kind == SetAsideKind::Snapshot), "{reasons:#?}");
    assert!(
        reasons.iter().any(|r| r.contains(&misnamed) && r.contains(&good)),
        "the wrong record is named: {reasons:#?}"
    );
    assert!(applied.set_aside.iter().any(|s| s.doc_id.is_empty()), "an invalid id is not kept as one");

    for id in [&good, &changed] {
        assert_eq!(phone.heads(id).unwrap(), author.heads(id).unwrap(), "{id} arrived");
    }
    for id in [&damaged, &misnamed] {
        assert!(phone.inspection(id).is_err(), "{id} did not");
    }
    assert_eq!(phone.sync_cursor().unwrap(), 9);
    assert_eq!(phone.sync_status().unwrap().set_aside, 4);
    // The same answer again (a retry) sets nothing more aside.
    phone.apply_pull_response(&pull).unwrap();
    assert_eq!(phone.sync_status().unwrap().set_aside, 4);
}

#[test]
fn a_snapshot_of_a_record_the_phone_partly_holds_is_merged() {
    let dir = tempfile::tempdir().unwrap();
    let (author, phone) = (store_at(&dir.path().join("a"), 0), store_at(&dir.path().join("b"), 1));
    let id = inspection(&author);
    let log = history(&author);
    // The first change came before, signed (a pull of protocol 2, or a colleague's phone).
    let first = log.entries.iter().find(|e| e.doc_id == id).unwrap().clone();
    assert!(first.signature.is_some());
    phone.import_changes(&ChangeBundle { entries: vec![first.clone()] }.encode()).unwrap();
    assert_eq!(phone.sync_status().unwrap().pending_changes, 1, "a colleague's change waits for the server");
    // And a later change the snapshot does not have yet comes in the same answer.
    author.add_finding(&id, "第二条发现").unwrap();
    let later = history(&author).entries.into_iter().filter(|e| !log.entries.contains(e)).collect::<Vec<_>>();
    assert_eq!(later.len(), 1);

    let applied = phone.apply_pull_response(&answer(3, vec![snapshot(&log, &id, true)], later)).unwrap();
    assert_eq!(applied.changes_added, log.entries.len(), "all but the one held, and the later one");
    assert_eq!(phone.heads(&id).unwrap(), author.heads(&id).unwrap());
    assert_eq!(phone.sync_status().unwrap().pending_changes, 0, "the server sent it: acknowledged");
    let bundle = ChangeBundle::decode(&phone.export_changes(&PeerState::default()).unwrap()).unwrap();
    let kept = bundle.entries.iter().find(|e| e.change == first.change).unwrap();
    assert_eq!(kept.signature, first.signature, "a signature held stays");
    assert_eq!(bundle.entries.len(), log.entries.len() + 1, "no change stored twice");
}

#[test]
fn many_snapshots_at_once_keep_the_document_cache_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let (author, phone) = (store_at(&dir.path().join("a"), 0), store_at(&dir.path().join("b"), 1));
    author.relax_durability().unwrap();
    let ids: Vec<String> =
        (0..700).map(|_| author.start_inspection(new_inspection(Shift::Day, None)).unwrap()).collect();
    let log = history(&author);
    let snapshots = ids.iter().map(|id| snapshot(&log, id, true)).collect();
    let applied = phone.apply_pull_response(&answer(1, snapshots, vec![])).unwrap();
    assert_eq!(applied.changes_added, 700);
    let cached = xuncha_core::testing::cached_documents(&phone);
    assert!(cached < 512, "{cached} decoded documents kept after the pull");
    assert_eq!(phone.list_inspections(&InspectionFilter::default(), 1000, 0).unwrap().len(), 700);
    assert_eq!(phone.heads(&ids[699]).unwrap(), author.heads(&ids[699]).unwrap());
}
