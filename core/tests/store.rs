//! The store on real SQLite files: records, projections, search, audit trail, refusals.

mod common;

use common::*;
use xuncha_core::*;

#[test]
fn opens_in_wal_mode_and_keeps_device_and_officer_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let store = store_at(dir.path(), 0);
        store.identity()
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.identity(), first);
    assert_eq!(first.officer.unwrap().cert_no, "QS-JY-2023-0117");
    let conn = rusqlite::Connection::open(dir.path().join("xuncha.db")).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    assert!(dir.path().join("evidence").is_dir());
}

#[test]
fn edits_need_a_signed_in_officer() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    store.sign_out().unwrap();
    let err = store.start_inspection(new_inspection(Shift::Day, None)).unwrap_err();
    assert!(matches!(err, Error::NotSignedIn), "{err}");
}

#[test]
fn a_whole_inspection_is_recorded_listed_filtered_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let demo = xuncha_fixtures::seed_demo(&store).unwrap();
    let id = store.start_inspection(new_inspection(Shift::Night, Some(demo.place_ids[0].clone()))).unwrap();
    let template = xuncha_fixtures::checklist();
    for item in &template.items {
        let value = match item.answer_type {
            AnswerType::YesNo => AnswerValue::No,
            AnswerType::Count => AnswerValue::Count(0),
            AnswerType::Text => AnswerValue::Text("现场为普通住户，未见学生".into()),
        };
        if item.place_types.is_empty() || item.place_types.contains(&PlaceType::Residential) {
            store.answer_item(&id, &item.id, value, "").unwrap();
        }
    }
    store.add_finding(&id, "楼道张贴有“暑期数学提高班”小广告").unwrap();
    store.conclude_inspection(&id, Conclusion::NoProblem).unwrap();

    let inspection = store.inspection(&id).unwrap();
    assert_eq!(inspection.conclusion, Some(Conclusion::NoProblem));
    assert_eq!(inspection.team[0].name, "林晓雯");
    assert_eq!(inspection.findings.len(), 1);
    assert!(inspection.ended_at_ms.is_some());
    assert!(inspection.answers.iter().all(|a| a.answered_by.cert_no == "QS-JY-2023-0117"));

    let day = store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    let night = InspectionFilter { shift: Some(Shift::Night), ..Default::default() };
    let listed = store.list_inspections(&night, 50, 0).unwrap();
    assert_eq!(listed.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), vec![id.as_str()]);
    assert_eq!(listed[0].departments, vec!["教育局".to_string()]);
    assert_eq!(listed[0].answered as usize, inspection.answers.len());
    let all = store.list_inspections(&InspectionFilter::default(), 50, 0).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, day, "newest first");
    let other_township = InspectionFilter { jurisdiction_id: Some("qs-yx-la".into()), ..Default::default() };
    assert!(store.list_inspections(&other_township, 50, 0).unwrap().is_empty());
    let county = InspectionFilter {
        jurisdiction_id: Some("qs-yx".into()),
        department: Some("教育局".into()),
        ..Default::default()
    };
    assert_eq!(store.list_inspections(&county, 50, 0).unwrap().len(), 2);

    let hits = store.search("数学提高班", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].record_id, id);
    assert!(hits[0].snippet.contains("【数学提高班】"), "{}", hits[0].snippet);
    let short = store.search("广告", 10).unwrap();
    assert!(short.iter().any(|h| h.record_id == id), "two-character Chinese queries match too");
    let by_address = store.search("荷桥路18号", 10).unwrap();
    assert_eq!(by_address[0].kind, RecordKind::Place);
    assert!(store.search("不存在的内容", 10).unwrap().is_empty());
    // What a console search box may send: quotes, NULs and control characters.
    let odd = store.search("数学\0提高\u{e}班\"", 10).unwrap();
    assert!(odd.iter().all(|h| h.record_id == id), "{odd:?}");
    assert!(store.search("\0\0\0", 10).unwrap().is_empty());
}

#[test]
fn rules_refuse_items_that_do_not_apply_and_unready_conclusions() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let demo = xuncha_fixtures::seed_demo(&store).unwrap();
    let office = demo.place_ids[1].clone();
    let id = store.start_inspection(new_inspection(Shift::Day, Some(office))).unwrap();
    let err = store.answer_item(&id, "I14", AnswerValue::No, "").unwrap_err();
    assert!(err.message_zh().contains("仅在夜查时检查"), "{err}");
    let err = store.answer_item(&id, "I09", AnswerValue::No, "").unwrap_err();
    assert!(err.message_zh().contains("不适用于写字楼"), "{err}");

    store.answer_item(&id, "I01", AnswerValue::Yes, "").unwrap();
    let err = store.conclude_inspection(&id, Conclusion::NoProblem).unwrap_err().message_zh();
    assert!(err.contains("检查项 I01 答“是”，但未填写说明"), "{err}");
    assert!(err.contains("检查项 I01 答“是”，但没有证据"), "{err}");
    assert!(err.contains("检查项 I02 未作答"), "{err}");
    assert!(err.contains("结论不能是“无问题”"), "{err}");
    assert!(!err.contains("I14"), "night-only items are not required by day: {err}");
    assert_eq!(store.inspection(&id).unwrap().conclusion, None);
}

#[test]
fn bad_input_is_a_typed_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    store.answer_item(&id, "I01", AnswerValue::No, "").unwrap();
    let case = store
        .open_case(&NewCase {
            jurisdiction_id: "qs-yx-gx".into(),
            source: CaseSource::Hotline,
            summary: "12345热线反映荷桥花园有人上门补课".into(),
            inspection_id: None,
            deadline_ms: None,
        })
        .unwrap();
    let before = fingerprint(&store);
    let trail = store.audit_trail(&id).unwrap();

    let e = store.answer_item(&id, "I99", AnswerValue::No, "").unwrap_err();
    assert!(matches!(e, Error::UnknownItem { .. }) && e.to_string().contains("I99"), "{e}");
    let e = store.answer_item(&id, "I15", AnswerValue::Yes, "").unwrap_err();
    assert!(matches!(e, Error::WrongAnswerType { .. }) && e.message_zh().contains("检查项 I15 应填写数量"), "{e}");
    let e = store.answer_item(&id, "I02", AnswerValue::Count(3), "").unwrap_err();
    assert!(e.message_zh().contains("应填写“是 / 否 / 不适用”"), "{e}");
    let e = store.advance_case(&case, CaseState::Decided, &StepDetails::default()).unwrap_err();
    assert!(matches!(e, Error::IllegalTransition { .. }), "{e}");
    assert_eq!(e.message_zh(), "案件处于“投诉接收”环节，不能直接转到“处理决定”，下一步只能是：核查");
    let mut unknown = new_inspection(Shift::Day, None);
    unknown.template_version = 7;
    let e = store.start_inspection(unknown).unwrap_err();
    assert!(e.message_zh().contains("本机没有检查表 hidden-tutoring（第 7 版）"), "{e}");
    let e = store.import_changes(b"XCB1\x06insp-1\x05abcde").unwrap_err();
    assert!(matches!(e, Error::CorruptChanges(_)), "{e}");
    let mut good = store.export_changes(&PeerState::default()).unwrap();
    // A byte of the change itself (not of its signature, which follows it).
    let change = xuncha_core::bundle::ChangeBundle::decode(&good).unwrap().entries[0].change.clone();
    let at = good.windows(change.len()).position(|w| w == change.as_slice()).unwrap() + change.len() - 3;
    good[at] ^= 0xff;
    let e = store.import_changes(&good).unwrap_err();
    assert!(matches!(e, Error::CorruptChanges(_)), "a flipped byte is caught: {e}");
    let e = store.import_document("insp-x", b"\x85\x6f\x4a\x83garbage").unwrap_err();
    assert!(matches!(e, Error::CorruptChanges(_)), "{e}");
    let e = store.inspection("insp-missing").unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");

    assert_eq!(fingerprint(&store), before);
    assert_eq!(store.audit_trail(&id).unwrap(), trail);
    // A fresh process sees the same.
    drop(store);
    let reopened = Store::open(dir.path()).unwrap();
    assert_eq!(fingerprint(&reopened), before);
}

#[test]
fn audit_trail_says_who_when_which_field_old_and_new() {
    let dir = tempfile::tempdir().unwrap();
    let a = store_at(&dir.path().join("a"), 0);
    let id = a.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    a.answer_item(&id, "I01", AnswerValue::No, "").unwrap();
    let b = store_at(&dir.path().join("b"), 1);
    exchange(&a, &b);
    b.join_inspection(&id).unwrap();
    b.answer_item(&id, "I01", AnswerValue::Yes, "屋内有6名学生在做数学卷").unwrap();
    exchange(&a, &b);

    let trail = a.audit_trail(&id).unwrap();
    let i01: Vec<_> = trail.iter().filter(|e| e.field == "answers.I01").collect();
    assert_eq!(i01.len(), 2);
    assert_eq!(i01[0].officer, "林晓雯");
    assert_eq!(i01[0].device_id, a.identity().device_id);
    assert!(i01[0].old.is_none());
    assert_eq!(i01[1].officer, "赵海川");
    assert_eq!(i01[1].cert_no, "QS-SJ-2023-0342");
    assert_eq!(i01[1].device_id, b.identity().device_id);
    assert!(i01[1].old.as_deref().unwrap().contains("\"no\""));
    assert!(i01[1].new.as_deref().unwrap().contains("屋内有6名学生"));
    assert!(i01[1].at_ms >= i01[0].at_ms);
    assert!(trail.iter().any(|e| e.field == "team.QS-SJ-2023-0342"));
    assert_eq!(b.audit_trail(&id).unwrap(), trail, "both devices read the same history");
}

#[test]
fn cases_move_only_along_the_closed_loop() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 5);
    let id = store
        .open_case(&NewCase {
            jurisdiction_id: "qs-yx-la".into(),
            source: CaseSource::Tip,
            summary: "随手拍：镜湖路88号周末有中学生进出".into(),
            inspection_id: None,
            deadline_ms: Some(1_900_000_000_000),
        })
        .unwrap();
    use CaseState::*;
    let path = [Verifying, Investigating, Decided, FeedbackGiven, Closed];
    for (n, to) in path.into_iter().enumerate() {
        let details =
            StepDetails {
                department: "市场监管局".into(), note: format!("第{}步", n + 1), ..Default::default()
            };
        store.advance_case(&id, to, &details).unwrap();
    }
    let case = store.case(&id).unwrap();
    assert_eq!(case.state, Closed);
    assert_eq!(case.steps.iter().map(|s| s.to).collect::<Vec<_>>(), path.to_vec());
    assert_eq!(case.steps[0].from, Received);
    assert_eq!(case.department.as_deref(), Some("市场监管局"));
    let e = store.advance_case(&id, Received, &StepDetails::default()).unwrap_err();
    assert!(e.to_string().contains("none (the case is closed)"), "{e}");
    let board = store.list_cases("qs-yx", Some(Closed)).unwrap();
    assert_eq!(board.len(), 1);
    assert!(store.list_cases("qs-yx-gx", None).unwrap().is_empty());
}

#[test]
fn ledger_entries_keep_their_in_and_out_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let demo = xuncha_fixtures::seed_demo(&store).unwrap();
    let id = &demo.ledger_ids[0];
    store.move_ledger_entry(id, LedgerStatus::Out, "核查确认已停止营业").unwrap();
    assert!(store.move_ledger_entry(id, LedgerStatus::Out, "again").is_err());
    store.move_ledger_entry(id, LedgerStatus::In, "群众再次举报").unwrap();
    let e = store.ledger_entry(id).unwrap();
    assert_eq!(e.status, LedgerStatus::In);
    assert_eq!(
        e.history.iter().map(|m| m.status).collect::<Vec<_>>(),
        vec![LedgerStatus::In, LedgerStatus::Out, LedgerStatus::In]
    );
    assert_eq!(e.history[1].reason, "核查确认已停止营业");
    store.move_ledger_entry(&demo.ledger_ids[1], LedgerStatus::Out, "已转型为托管服务").unwrap();
    let gx = store.list_ledger("qs-yx-gx", None).unwrap();
    assert_eq!(gx.len(), 3, "three of the six demo entries are in 桂香镇");
    let out = store.list_ledger("qs-yx", Some(LedgerStatus::Out)).unwrap();
    assert_eq!(out.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec![demo.ledger_ids[1].as_str()]);
}

#[test]
fn a_patrol_with_nothing_found_is_a_recorded_result() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 4);
    let id = store.start_patrol("qs-yx-gx-hq-g1").unwrap();
    store.add_patrol_point(&id, PatrolPoint { lat: 26.61, lon: 106.92, accuracy_m: 8.0, at_ms: 1 }).unwrap();
    let e =
        store.add_patrol_point(&id, PatrolPoint { lat: 126.0, lon: 106.92, accuracy_m: 8.0, at_ms: 2 }).unwrap_err();
    assert!(e.to_string().contains("latitude"), "{e}");
    let e = store
        .add_patrol_point(&id, PatrolPoint { lat: 26.0, lon: 106.92, accuracy_m: f64::NAN, at_ms: 2 })
        .unwrap_err();
    assert!(e.to_string().contains("accuracy"), "{e}");
    store.finish_patrol(&id, PatrolResult::NothingFound, "").unwrap();
    let p = store.patrol(&id).unwrap();
    assert_eq!(p.result, Some(PatrolResult::NothingFound));
    assert_eq!(p.points.len(), 1);
    assert!(store.start_patrol("qs-yx-gx-hq").is_err(), "a community is not a grid");
}

#[test]
fn a_published_template_version_cannot_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let mut t = xuncha_fixtures::checklist();
    store.add_template(&t).unwrap();
    t.items[0].text = "改过的题目".into();
    let e = store.add_template(&t).unwrap_err();
    assert!(e.message_zh().contains("修改后请发布新版本"), "{e}");
    t.version = 2;
    store.add_template(&t).unwrap();
    assert_eq!(store.latest_template(&t.id).unwrap().version, 2);
    assert_eq!(store.template(&t.id, 1).unwrap(), xuncha_fixtures::checklist());
}

#[test]
fn lists_patrols_and_applicable_items() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 4);
    let demo = xuncha_fixtures::seed_demo(&store).unwrap();
    let p1 = store.start_patrol("qs-yx-gx-hq-g1").unwrap();
    store.finish_patrol(&p1, PatrolResult::NothingFound, "").unwrap();
    store.start_patrol("qs-yx-la-jh-g1").unwrap();
    let listed = store.list_patrols("qs-yx-gx", 0, i64::MAX).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id.as_str(), listed[0].result), (p1.as_str(), Some(PatrolResult::NothingFound)));
    assert!(store.list_patrols("qs-yx-gx", 0, 1).unwrap().is_empty(), "time window applies");

    // A day check at an office building: no night-only item, no items for other place types.
    let office = demo.place_ids[1].clone();
    let id = store.start_inspection(new_inspection(Shift::Day, Some(office))).unwrap();
    let items: Vec<String> = store.applicable_items(&id).unwrap().into_iter().map(|i| i.id).collect();
    assert!(
        !items.contains(&"I14".to_string())
            && !items.contains(&"I09".to_string())
            && !items.contains(&"I03".to_string())
    );
    assert_eq!(items.len(), xuncha_fixtures::checklist().items.len() - 3);
    let night = store.start_inspection(new_inspection(Shift::Night, Some(demo.place_ids[0].clone()))).unwrap();
    let items: Vec<String> = store.applicable_items(&night).unwrap().into_iter().map(|i| i.id).collect();
    assert!(items.contains(&"I14".to_string()) && items.contains(&"I03".to_string()), "residential night check");
}
