//! The server-facing store operations (`xuncha_core::replica`): a replica ingests log entries
//! in order and sets aside the ones it cannot apply; a decision made as a named author returns
//! exactly the changes it made and leaves nothing pending; the scope facts of a document after
//! given changes, judged on a copy in memory, are those of a full merge.

mod common;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Automerge, ROOT, ReadDoc};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use xuncha_core::evidence::SignedEntry;
use xuncha_core::replica::LogEntry;
use xuncha_core::sync::{doc_facts, transition};
use xuncha_core::*;

/// What a phone has made and not pushed, as the server's log would hold it.
fn log_entries(phone: &Store) -> Vec<LogEntry> {
    let batch = phone.next_push(usize::MAX).unwrap();
    phone.mark_pushed(&batch).unwrap();
    let changes = batch.request.changes.entries.into_iter().map(|e| LogEntry::Change {
        doc_id: e.doc_id,
        bytes: e.change,
        signature: e.signature,
    });
    let evidence = batch.request.evidence.into_iter().map(|signed| {
        let item = signed.open().unwrap();
        LogEntry::evidence(&item)
    });
    changes.chain(evidence).collect()
}

/// A server-side store: the reference data, nobody signed in.
fn replica_at(dir: &std::path::Path) -> Store {
    let replica = Store::open(dir).unwrap();
    xuncha_fixtures::load_reference(&replica).unwrap();
    replica
}

fn supervisor() -> Officer {
    Officer { name: "陈督导".into(), department: "教育局".into(), cert_no: "QS-SUP-001".into() }
}

#[test]
fn a_replica_ingests_in_order_and_sets_aside_only_the_bad_entries() {
    let dir = tempfile::tempdir().unwrap();
    let phone = store_at(&dir.path().join("phone"), 0);
    let replica = replica_at(&dir.path().join("replica"));
    let id = phone.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    phone.add_finding(&id, "无证办学").unwrap();
    let photo = photo_at(1, 26.6, 106.9, 1_700_000_000_000, 1);
    phone.add_photo(&photo, &Capture { record_id: id.clone(), item_id: None, gps: None, corrects: None }).unwrap();
    let mut entries = log_entries(&phone);
    let (honest, honest_entries) = (entries.len(), entries.clone());
    // A change Automerge cannot read, in the middle; evidence whose signature was changed, last.
    entries.insert(1, LogEntry::Change { doc_id: id.clone(), bytes: b"garbage".to_vec(), signature: None });
    let LogEntry::Evidence { record_id, signed } = entries.last().unwrap().clone() else { panic!("evidence last") };
    // Its payload changed (and hashed again), its signature left as it was.
    let payload_json = format!("{} ", signed.payload_json);
    let entry_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(payload_json.as_bytes()));
    let forged = SignedEntry { entry_hash, payload_json, ..signed };
    entries.push(LogEntry::Evidence { record_id, signed: forged });

    let ingested = replica.ingest(&entries, 42).unwrap();
    let aside: Vec<usize> = ingested.set_aside.iter().map(|s| s.index).collect();
    assert_eq!(aside, [1, honest + 1], "{:?}", ingested.set_aside);
    assert!(ingested.set_aside.iter().all(|s| s.reason.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))));
    assert_eq!(replica.inspection(&id).unwrap(), phone.inspection(&id).unwrap(), "every honest change applied");
    assert_eq!(replica.evidence_for_record(&id).unwrap().len(), 1);
    assert_eq!(replica.sync_cursor().unwrap(), 42);
    assert_eq!(replica.set_aside_entries().unwrap().len(), 2, "kept with the reason");
    // Entries come again after a crash before the server noted them: nothing changes.
    let again = replica.ingest(&honest_entries, 43).unwrap();
    assert_eq!((again.changes_added, again.set_aside.len()), (0, 0));
    assert_eq!(replica.heads(&id).unwrap(), phone.heads(&id).unwrap());
}

#[test]
fn a_decision_returns_exactly_the_changes_it_made_and_leaves_nothing_pending() {
    let dir = tempfile::tempdir().unwrap();
    let phone = store_at(&dir.path().join("phone"), 0);
    let replica = replica_at(&dir.path().join("replica"));
    let id = phone.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    replica.ingest(&log_entries(&phone), 1).unwrap();
    let before = replica.heads(&id).unwrap();

    let decided = replica.decide_as(supervisor(), |s| {
        s.review_inspection(&id, Review::ReinspectionRequested, "照片不清楚")?;
        s.add_finding(&id, "督导补充：现场有学生")
    });
    let finding = decided.outcome.unwrap();
    assert!(!finding.is_empty());
    // Exactly the changes the document gained, in order, each signed by the replica's key.
    let doc = Automerge::load(&replica.document_bytes(&id).unwrap()).unwrap();
    let heads: Vec<automerge::ChangeHash> = before.iter().map(|h| h.parse().unwrap()).collect();
    let gained: Vec<Vec<u8>> = doc.get_changes(&heads).into_iter().map(|c| c.raw_bytes().to_vec()).collect();
    let made: Vec<Vec<u8>> = decided
        .changes
        .iter()
        .map(|e| {
            let LogEntry::Change { doc_id, bytes, signature } = e else { panic!("a decision makes changes") };
            assert_eq!(doc_id, &id);
            let sig = signature.as_ref().expect("signed");
            assert!(sig.verifies(doc_id, bytes, &replica.device_public_key()));
            automerge::Change::from_bytes(bytes.clone()).unwrap().raw_bytes().to_vec()
        })
        .collect();
    assert_eq!(made, gained);
    let audit = replica.audit_trail(&id).unwrap();
    assert_eq!(audit.last().unwrap().officer, "陈督导", "the decision names its author");
    assert_eq!(replica.identity().officer, None, "nobody was signed in");
    assert!(replica.next_push(usize::MAX).unwrap().request.changes.entries.is_empty(), "nothing left to push");

    // The phone takes them as the server's log hands them on.
    phone.ingest(&decided.changes, 2).unwrap();
    assert_eq!(phone.inspection(&id).unwrap().review, replica.inspection(&id).unwrap().review);

    // A decision that fails half way still reports what it made; a nameless author is refused.
    let half = replica.decide_as(supervisor(), |s| {
        s.add_finding(&id, "第二条")?;
        s.review_inspection("insp-missing", Review::Approved, "")
    });
    assert!(half.outcome.is_err());
    assert_eq!(half.changes.len(), 1);
    let nameless = Officer { name: " ".into(), ..supervisor() };
    let refused = replica.decide_as(nameless, |s| s.add_finding(&id, "无名"));
    assert!(refused.outcome.is_err() && refused.changes.is_empty());
    assert_eq!(replica.inspection(&id).unwrap().findings.len(), 2);
}

/// A random edit of a record's scope fields, by one of two concurrent editors.
#[derive(Debug, Clone)]
enum Edit {
    Node(usize),
    AddMember(usize),
    RemoveMember(usize),
    Kind(usize),
}

const NODES: [&str; 3] = ["qs-yx-gx-hq-g1", "qs-yx-gx-hq-g2", "qs-yx-la-jh-g1"];
const KINDS: [&str; 2] = ["inspection", "case"];

fn apply(doc: &mut AutoCommit, edit: &Edit) {
    let team = match doc.get(ROOT, "team").unwrap() {
        Some((_, id)) => id,
        None => doc.put_object(ROOT, "team", automerge::ObjType::Map).unwrap(),
    };
    match edit {
        Edit::Node(n) => doc.put(ROOT, "jurisdiction_id", NODES[*n]).unwrap(),
        Edit::AddMember(m) => {
            let o =
                Officer { name: format!("组员{m}"), department: "教育局".into(), cert_no: format!("QS-M-{m}") };
            doc.put(&team, o.cert_no.clone(), serde_json::to_string(&o).unwrap()).unwrap();
        }
        Edit::RemoveMember(m) => doc.delete(&team, format!("QS-M-{m}")).unwrap(),
        Edit::Kind(k) => doc.put(ROOT, "kind", KINDS[*k]).unwrap(),
    }
    doc.commit();
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..NODES.len()).prop_map(Edit::Node),
        (0..3usize).prop_map(Edit::AddMember),
        (0..3usize).prop_map(Edit::RemoveMember),
        (0..KINDS.len()).prop_map(Edit::Kind),
    ]
}

#[test]
fn facts_after_changes_are_those_of_a_full_merge() {
    let dir = tempfile::tempdir().unwrap();
    let phone = store_at(&dir.path().join("phone"), 0);
    let replica = replica_at(&dir.path().join("replica"));
    let id = phone.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    phone.add_team_member(&id, &xuncha_fixtures::officers()[1]).unwrap();
    replica.ingest(&log_entries(&phone), 1).unwrap();
    let saved = replica.document_bytes(&id).unwrap();
    let heads = replica.heads(&id).unwrap();

    let mut runner = TestRunner::new(Config { cases: 64, ..Config::default() });
    let editors = (prop::collection::vec(edit(), 0..6), prop::collection::vec(edit(), 0..6), any::<u64>());
    runner
        .run(&editors, |(a, b, keep)| {
            // Two editors from the saved document; the changes arrive in any mix, some missing.
            let mut changes: Vec<Vec<u8>> = Vec::new();
            for (n, edits) in [a, b].iter().enumerate() {
                let mut doc = AutoCommit::load(&saved).unwrap().with_actor(ActorId::from(vec![n as u8 + 1; 16]));
                let start = doc.get_heads();
                for e in edits {
                    apply(&mut doc, e);
                }
                changes.extend(doc.get_changes(&start).into_iter().map(|c| c.raw_bytes().to_vec()));
            }
            let sent: Vec<&[u8]> = changes
                .iter()
                .enumerate()
                .filter(|(i, _)| keep >> (i % 64) & 1 == 1)
                .map(|(_, c)| c.as_slice())
                .collect();

            let judged = replica.transition(&id, &sent).unwrap();
            // The reference: the saved document loaded in full and merged.
            let mut merged = Automerge::load(&saved).unwrap();
            let reference = transition(Some(&saved), &sent).unwrap();
            merged.apply_changes(sent.iter().map(|c| automerge::Change::from_bytes(c.to_vec()).unwrap())).unwrap();
            prop_assert_eq!(&judged.after.facts, &doc_facts(&merged));
            prop_assert_eq!(&judged.after, &reference.after);
            prop_assert_eq!(&judged.before, &reference.before);
            prop_assert_eq!(&judged.new_changes, &reference.new_changes);
            prop_assert_eq!(&judged.missing_deps, &reference.missing_deps);
            prop_assert_eq!(replica.heads(&id).unwrap(), heads.clone(), "the replica's own copy is untouched");
            Ok(())
        })
        .unwrap();
}
