//! Records compacted into snapshots in storage: a long-edited record loads from its snapshot
//! plus the changes after it and is the same record, with its whole audit trail; a snapshot
//! that does not load is passed over.

use xuncha_core::*;

fn store(dir: &std::path::Path) -> Store {
    let store = Store::open(dir).unwrap();
    store.sign_in(xuncha_fixtures::officers()[0].clone()).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    store
}

fn yes_no_items() -> Vec<String> {
    xuncha_fixtures::checklist()
        .items
        .into_iter()
        .filter(|i| i.answer_type == AnswerType::YesNo && i.place_types.is_empty() && i.only_shift.is_none())
        .map(|i| i.id)
        .collect()
}

fn db(dir: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("xuncha.db")).unwrap()
}

#[test]
fn a_long_edited_record_loads_from_its_snapshot_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let items = yes_no_items();
    let (id, before, trail, heads) = {
        let store = store(dir.path());
        let id = store
            .start_inspection(NewInspection {
                template_id: xuncha_fixtures::TEMPLATE_ID.into(),
                template_version: 1,
                jurisdiction_id: "qs-yx-gx-hq-g1".into(),
                shift: Shift::Day,
                mode: Mode::Joint,
                approach: Approach::Open,
                place_id: None,
                ledger_id: None,
            })
            .unwrap();
        for n in 0..150 {
            let value = if n % 2 == 0 { AnswerValue::No } else { AnswerValue::Yes };
            store.answer_item(&id, &items[n % items.len()], value, &format!("第 {n} 次")).unwrap();
        }
        let heads = store.heads(&id).unwrap();
        (id.clone(), store.inspection(&id).unwrap(), store.audit_trail(&id).unwrap(), heads)
    };
    let (snapshot_upto, last): (i64, i64) = db(dir.path())
        .query_row(
            "SELECT (SELECT upto_seq FROM doc_snapshots WHERE doc_id = ?1), (SELECT max(seq) FROM changes WHERE doc_id = ?1)",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(snapshot_upto < last, "edits after the snapshot are stored as changes ({snapshot_upto} < {last})");

    let reopened = Store::open(dir.path()).unwrap();
    assert_eq!(reopened.inspection(&id).unwrap(), before, "snapshot plus later changes: the same record");
    assert_eq!(reopened.heads(&id).unwrap(), heads);
    assert_eq!(reopened.audit_trail(&id).unwrap(), trail, "the whole history is still there");
    drop(reopened);

    // A snapshot that does not load is passed over: the history is read instead.
    db(dir.path()).execute("UPDATE doc_snapshots SET bytes = x'00ff' WHERE doc_id = ?1", [&id]).unwrap();
    let reopened = Store::open(dir.path()).unwrap();
    assert_eq!(reopened.inspection(&id).unwrap(), before);
    assert_eq!(reopened.heads(&id).unwrap(), heads);
}
