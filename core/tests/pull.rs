//! A phone applying a pull that carries entries it cannot apply (a poisoned server log, or a
//! hostile server): each is set aside with its reason and counted in the sync status, and
//! everything else in the pull is applied. The next pull works.

mod common;

use automerge::transaction::Transactable;
use common::*;
use sha2::{Digest, Sha256};
use xuncha_core::bundle::BundleEntry;
use xuncha_core::bundle::ChangeBundle;
use xuncha_core::evidence::SignedEntry;
use xuncha_core::*;

/// Signs a payload with `store`'s device key, as a device would (the entry hash is right).
fn signed_by(store: &Store, payload: &serde_json::Value) -> SignedEntry {
    let payload_json = serde_json::to_string(payload).unwrap();
    SignedEntry {
        entry_hash: hex::encode(Sha256::digest(payload_json.as_bytes())),
        signature: store.sign_with_device_key(payload_json.as_bytes()).unwrap(),
        payload_json,
    }
}

/// A change by actor `actor` (seq 1) that sets `kind` to `value`.
fn change_by(actor: &[u8], value: &str) -> Vec<u8> {
    let mut doc = automerge::AutoCommit::new().with_actor(automerge::ActorId::from(actor));
    doc.put(automerge::ROOT, "kind", value).unwrap();
    doc.get_last_local_change().unwrap().bytes().into_owned()
}

#[test]
fn a_phone_sets_aside_what_it_cannot_apply_and_applies_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (author, phone) = (store_at(&dir.path().join("a"), 0), store_at(&dir.path().join("b"), 1));
    // What the server would send honestly: an inspection with two photos.
    let id = author.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    author.add_finding(&id, "无证办学").unwrap();
    for seed in 1..=2 {
        let capture = Capture { record_id: id.clone(), item_id: None, gps: None, corrects: None };
        author.add_photo(&photo_at(seed, 26.61, 106.92, 1_790_000_000_000, 1), &capture).unwrap();
    }
    let honest = author.next_push(usize::MAX).unwrap().request;
    assert_eq!(honest.evidence.len(), 2);
    let first: serde_json::Value = serde_json::from_str(&honest.evidence[0].payload_json).unwrap();

    // Poison, each signed with the author's real key so that only the content is wrong.
    let mut evidence = honest.evidence.clone();
    let poisoned = |field: &str, value: serde_json::Value| {
        let mut p = first.clone();
        p[field] = value;
        p["captured_at_ms"] = serde_json::json!(first["captured_at_ms"].as_i64().unwrap() + 1);
        signed_by(&author, &p)
    };
    evidence.push(poisoned("content_hash", "a".into()));
    evidence.push(poisoned("content_hash", "../../../../etc/passwd".into()));
    evidence.push(poisoned("content_hash", "AB".repeat(32).into()));
    // The same chain position as the honest first item: a different entry.
    evidence.push(poisoned("size", 12_345.into()));
    evidence.push(SignedEntry { entry_hash: "a".into(), payload_json: "{}".into(), signature: "00".into() });
    let mut changes = honest.changes.clone();
    changes.entries.push(BundleEntry::new(id.clone(), b"not a change".to_vec(), None));
    changes.entries.push(BundleEntry::new("../../etc", honest.changes.entries[0].change.clone(), None));
    // Two different changes with the same actor and sequence number: Automerge takes only one.
    let actor = [7u8; 16];
    changes.entries.push(BundleEntry::new("insp-0000000000000001", change_by(&actor, "inspection"), None));
    changes.entries.push(BundleEntry::new("insp-0000000000000001", change_by(&actor, "case"), None));

    let applied = phone.apply_pull(&changes, &evidence, 42).unwrap();
    let reasons: Vec<String> = applied.set_aside.iter().map(|s| format!("{:?}: {}", s.kind, s.reason)).collect();
    println!("set aside: {reasons:#?}");
    let evidence_aside = applied.set_aside.iter().filter(|s| s.kind == SetAsideKind::Evidence).count();
    let changes_aside = applied.set_aside.iter().filter(|s| s.kind == SetAsideKind::Change).count();
    assert_eq!((evidence_aside, changes_aside), (5, 3), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains("已是")), "the taken chain position is named: {reasons:#?}");

    // Everything else arrived: the record, its finding and its photos' metadata.
    assert_eq!(phone.heads(&id).unwrap(), author.heads(&id).unwrap());
    let items = phone.evidence_for_record(&id).unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| honest.evidence.iter().any(|e| i.entry_hash == e.entry_hash)));
    assert!(!phone.evidence_dir().join("..").join("..").join("etc").exists());
    assert_eq!(phone.sync_cursor().unwrap(), 42);
    let status = phone.sync_status().unwrap();
    assert_eq!(status.set_aside, 8);
    assert_eq!(phone.set_aside_entries().unwrap().len(), 8);
    let kept = phone.set_aside_entries().unwrap();
    assert!(kept.iter().filter(|s| s.kind == SetAsideKind::Evidence).all(|s| s.doc_id == id || s.key == "a"));

    // The same pull again (a retry) adds nothing and sets nothing more aside; the store reopens.
    let again = phone.apply_pull(&changes, &evidence, 43).unwrap();
    assert_eq!(again.changes_added, 0);
    assert_eq!(phone.sync_status().unwrap().set_aside, 8);
    drop(phone);
    let phone = Store::open(dir.path().join("b")).unwrap();
    assert_eq!(phone.evidence_for_record(&id).unwrap().len(), 2);
    assert!(
        phone
            .verify_device_chain(&author.identity().device_id)
            .unwrap()
            .failed_checks()
            .iter()
            .all(|c| *c == evidence::Check::MissingBytes)
    );
    // And a later honest pull still applies.
    author.add_finding(&id, "第二条发现").unwrap();
    let next = author.export_changes(&phone.peer_state().unwrap()).unwrap();
    let bundle = ChangeBundle::decode(&next).unwrap();
    assert_eq!(phone.apply_pull(&bundle, &[], 44).unwrap().changes_added, 1);
    assert_eq!(phone.heads(&id).unwrap(), author.heads(&id).unwrap());
}

/// Records are stored in one go, without a savepoint each; when one fails at that stage (here
/// a trigger refuses its projection row, as a full disk or a damaged index would), the step is
/// redone record by record: that one is set aside, the others and the cursor are kept.
#[test]
fn a_record_that_fails_to_store_is_set_aside_and_the_others_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (author, phone) = (store_at(&dir.path().join("a"), 0), store_at(&dir.path().join("b"), 1));
    let ids: Vec<String> =
        (0..3).map(|_| author.start_inspection(new_inspection(Shift::Night, None)).unwrap()).collect();
    let push = author.next_push(usize::MAX).unwrap().request;
    let refused = &ids[1];
    rusqlite::Connection::open(dir.path().join("b").join("xuncha.db"))
        .unwrap()
        .execute_batch(&format!(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON inspections WHEN NEW.doc_id = '{refused}'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
        ))
        .unwrap();

    let applied = phone.apply_pull(&push.changes, &[], 7).unwrap();
    assert!(!applied.set_aside.is_empty());
    assert!(applied.set_aside.iter().all(|s| s.kind == SetAsideKind::Change && s.doc_id == *refused));
    assert!(applied.set_aside.iter().all(|s| s.reason.contains("(storage)")), "{:?}", applied.set_aside);
    for id in [&ids[0], &ids[2]] {
        assert_eq!(phone.heads(id).unwrap(), author.heads(id).unwrap());
        assert_eq!(phone.inspection(id).unwrap().shift, Shift::Night);
    }
    assert!(phone.inspection(refused).is_err());
    assert_eq!(phone.sync_cursor().unwrap(), 7);
    let listed = phone.list_inspections(&InspectionFilter::default(), 10, 0).unwrap();
    assert_eq!(listed.len(), 2);
}
