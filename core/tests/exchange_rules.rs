//! A phone must not take from another phone what the server would refuse (or it could not push
//! afterwards), nor become a way to launder forged changes: changes travel signed, relays keep
//! the signatures, and forged, incomplete or record-changing bundles are refused whole.

mod common;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ROOT};
use common::*;
use xuncha_core::bundle::{BundleEntry, ChangeBundle};
use xuncha_core::doc::{Author, ChangeSignature};
use xuncha_core::*;

fn phones(n: usize) -> (tempfile::TempDir, Vec<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let stores = (0..n).map(|i| store_at(&dir.path().join(i.to_string()), i)).collect();
    (dir, stores)
}

/// A hand-made change to `doc` of store `on`, by `actor`, naming `author`.
fn hand_made(on: &Store, doc: &str, actor: &str, author: &Author, edit: impl FnOnce(&mut AutoCommit)) -> Vec<u8> {
    let mut d = AutoCommit::load(&on.document_bytes(doc).unwrap())
        .unwrap()
        .with_actor(ActorId::from(hex::decode(actor).unwrap()));
    edit(&mut d);
    let message = serde_json::json!({"author": author, "edits": []}).to_string();
    d.commit_with(CommitOptions::default().with_message(message));
    d.get_last_local_change().unwrap().raw_bytes().to_vec()
}

fn refused_code(result: Result<ImportReport>) -> &'static str {
    match result {
        Err(Error::ChangeRefused { code, .. }) => code.as_str(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn relayed_changes_keep_their_signatures_and_authors() {
    let (_dir, s) = phones(3);
    let id = s[0].start_inspection(new_inspection(Shift::Day, None)).unwrap();
    s[0].add_finding(&id, "门口有家长接送").unwrap();
    // 0 → 1 → 2: the middle phone only relays.
    s[1].import_changes(&s[0].export_changes(&s[1].peer_state().unwrap()).unwrap()).unwrap();
    let relayed = ChangeBundle::decode(&s[1].export_changes(&s[2].peer_state().unwrap()).unwrap()).unwrap();
    assert_eq!(relayed.entries.len(), 2);
    let author = s[0].identity().device_id;
    for e in &relayed.entries {
        let sig = e.signature.as_ref().expect("the relay keeps the signature");
        assert_eq!(sig.device_id, author);
        assert!(sig.verifies(&e.doc_id, &e.change, &s[0].device_public_key()));
    }
    s[2].import_changes(&relayed.encode()).unwrap();
    assert_eq!(s[2].heads(&id).unwrap(), s[0].heads(&id).unwrap());
    // The relaying phone pushes them on with the author's signatures.
    let push = s[2].next_push(usize::MAX).unwrap().request.changes;
    assert!(push.entries.iter().all(|e| e.signature.as_ref().is_some_and(|g| g.device_id == author)));
}

#[test]
fn forged_incomplete_and_record_changing_bundles_are_refused_whole() {
    let (_dir, s) = phones(2);
    let (a, b) = (&s[0], &s[1]);
    let id = a.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    b.import_changes(&a.export_changes(&PeerState::default()).unwrap()).unwrap();
    let before = fingerprint(b);
    let a_dev = a.identity().device_id;
    let b_dev = b.identity().device_id;
    let a_author = Author::new(&xuncha_fixtures::officers()[0], &a_dev);
    let b_author = Author::new(&xuncha_fixtures::officers()[1], &b_dev);
    let sign = |store: &Store, device: &str, change: &[u8]| {
        Some(
            ChangeSignature::sign(device, &id, change, |m| {
                Ok(hex::decode(store.sign_with_device_key(m)?).unwrap().try_into().unwrap())
            })
            .unwrap(),
        )
    };
    let bundle = |entries: Vec<BundleEntry>| ChangeBundle { entries }.encode();

    // A change claiming to be b's own, which b never made.
    let mine = hand_made(a, &id, &b_dev, &b_author, |d| d.put(ROOT, "shift", "night").unwrap());
    assert_eq!(refused_code(b.import_changes(&bundle(vec![BundleEntry::unsigned(id.clone(), mine)]))), "forged_author");
    let change = hand_made(a, &id, &a_dev, &a_author, |d| d.put(ROOT, "shift", "night").unwrap());
    // Signature of one device on a change naming another.
    let mismatch = BundleEntry::new(id.clone(), change.clone(), sign(b, &b_dev, &change));
    assert_eq!(refused_code(b.import_changes(&bundle(vec![mismatch]))), "forged_author");
    // The actor of another device (it would take that device's next sequence number).
    let squat = hand_made(a, &id, &a_dev, &b_author, |d| d.put(ROOT, "shift", "night").unwrap());
    assert_eq!(
        refused_code(b.import_changes(&bundle(vec![BundleEntry::unsigned(id.clone(), squat)]))),
        "forged_author"
    );
    // A change whose dependency is not sent.
    let mut doc = AutoCommit::load(&a.document_bytes(&id).unwrap())
        .unwrap()
        .with_actor(ActorId::from(hex::decode(&a_dev).unwrap()));
    let msg = serde_json::json!({"author": a_author, "edits": []}).to_string();
    doc.put(ROOT, "shift", "night").unwrap();
    doc.commit_with(CommitOptions::default().with_message(msg.clone()));
    doc.put(ROOT, "shift", "day").unwrap();
    doc.commit_with(CommitOptions::default().with_message(msg));
    let second = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    let orphan = BundleEntry::new(id.clone(), second.clone(), sign(a, &a_dev, &second));
    assert_eq!(refused_code(b.import_changes(&bundle(vec![orphan]))), "missing_dependencies");
    // The record's kind changed, even signed by its author.
    let kind = hand_made(a, &id, &a_dev, &a_author, |d| d.put(ROOT, "kind", "case").unwrap());
    let kind = BundleEntry::new(id.clone(), kind.clone(), sign(a, &a_dev, &kind));
    assert_eq!(refused_code(b.import_changes(&bundle(vec![kind]))), "kind_changed");
    // Moved to another node by an unsigned change.
    let moved = hand_made(a, &id, &a_dev, &a_author, |d| d.put(ROOT, "jurisdiction_id", "qs-yx-la").unwrap());
    assert_eq!(
        refused_code(b.import_changes(&bundle(vec![BundleEntry::unsigned(id.clone(), moved)]))),
        "jurisdiction_changed"
    );
    // A second document under the same id.
    let other = a.start_inspection(new_inspection(Shift::Night, None)).unwrap();
    let root = ChangeBundle::decode(&a.export_changes(&PeerState::default()).unwrap())
        .unwrap()
        .entries
        .into_iter()
        .find(|e| e.doc_id == other)
        .unwrap();
    let collision = BundleEntry::unsigned(id.clone(), root.change);
    assert_eq!(refused_code(b.import_changes(&bundle(vec![collision]))), "id_collision");
    assert_eq!(fingerprint(b), before, "nothing was stored");
    // An honest, signed change in the same bundle as a forged one: the whole bundle is refused.
    let honest = BundleEntry::new(id.clone(), change.clone(), sign(a, &a_dev, &change));
    let squat = hand_made(a, &id, &a_dev, &b_author, |d| d.put(ROOT, "mode", "solo").unwrap());
    let squat = BundleEntry::unsigned(id.clone(), squat);
    assert!(b.import_changes(&bundle(vec![honest.clone(), squat])).is_err());
    assert_eq!(fingerprint(b), before);
    b.import_changes(&bundle(vec![honest])).unwrap();
    assert_eq!(b.inspection(&id).unwrap().shift, Shift::Night);
}

#[test]
fn importing_thousands_of_records_keeps_the_document_cache_bounded() {
    let (_dir, s) = phones(2);
    let (a, b) = (&s[0], &s[1]);
    for _ in 0..700 {
        a.start_inspection(common::new_inspection(Shift::Day, None)).unwrap();
    }
    let report = b.import_changes(&a.export_changes(&PeerState::default()).unwrap()).unwrap();
    assert_eq!(report.documents, 700);
    let cached = xuncha_core::testing::cached_documents(b);
    assert!(cached < 512, "{cached} decoded documents kept after the import");
    assert_eq!(b.list_inspections(&InspectionFilter::default(), 1000, 0).unwrap().len(), 700);
}
