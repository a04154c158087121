//! Several officers edit one record offline on their own phones, then exchange: nobody's work
//! is lost, real conflicts are shown, and a later edit settles them.

mod common;

use common::*;
use xuncha_core::*;

fn two_phones() -> (tempfile::TempDir, Store, Store) {
    let dir = tempfile::tempdir().unwrap();
    let a = store_at(&dir.path().join("a"), 0);
    let b = store_at(&dir.path().join("b"), 1);
    (dir, a, b)
}

#[test]
fn two_officers_answer_one_inspection_offline_and_converge() {
    let (_dir, a, b) = two_phones();
    let id = a.start_inspection(new_inspection(Shift::Night, None)).unwrap();
    exchange(&a, &b);
    b.join_inspection(&id).unwrap();

    // Offline: different items, the same item with different answers, findings on both sides.
    a.answer_item(&id, "I01", AnswerValue::No, "").unwrap();
    b.answer_item(&id, "I02", AnswerValue::No, "").unwrap();
    a.answer_item(&id, "I07", AnswerValue::No, "未发现在职教师").unwrap();
    b.answer_item(&id, "I07", AnswerValue::Yes, "一名在职教师承认收费辅导").unwrap();
    let fa = a.add_finding(&id, "门口有家长接送").unwrap();
    let fb = b.add_finding(&id, "屋内白板写有初二数学题").unwrap();

    exchange(&a, &b);
    let (ia, ib) = (a.inspection(&id).unwrap(), b.inspection(&id).unwrap());
    assert_eq!(ia, ib, "both phones show the same inspection");
    assert_eq!(a.heads(&id).unwrap(), b.heads(&id).unwrap());
    assert_eq!(ia.team.len(), 2);
    let answered: Vec<&str> = ia.answers.iter().map(|x| x.item_id.as_str()).collect();
    assert_eq!(answered, vec!["I01", "I02", "I07"]);
    let mut findings: Vec<&str> = ia.findings.iter().map(|f| f.id.as_str()).collect();
    findings.sort();
    let mut expected = vec![fa.as_str(), fb.as_str()];
    expected.sort();
    assert_eq!(findings, expected);

    // The conflicting answers are both kept and reported, on both phones.
    assert_eq!(ia.conflicts.len(), 1);
    let c = &ia.conflicts[0];
    assert_eq!(c.field, "answers.I07");
    assert_eq!(c.values.len(), 2);
    assert!(c.values.iter().any(|v| v.contains("未发现在职教师") && v.contains("林晓雯")));
    assert!(c.values.iter().any(|v| v.contains("一名在职教师承认收费辅导") && v.contains("赵海川")));
    let listed =
        a.list_inspections(&InspectionFilter { has_conflicts: Some(true), ..Default::default() }, 10, 0).unwrap();
    assert_eq!(listed.len(), 1, "the list shows the inspection has a conflict");
    let e = a.conclude_inspection(&id, Conclusion::Suspected).unwrap_err();
    assert!(e.message_zh().contains("检查项 I07 有多人填写的不同答案"), "{e}");

    // A later edit by either officer settles it everywhere.
    a.answer_item(&id, "I07", AnswerValue::Yes, "经核实，一名在职教师收费辅导").unwrap();
    exchange(&a, &b);
    let (ia, ib) = (a.inspection(&id).unwrap(), b.inspection(&id).unwrap());
    assert_eq!(ia, ib);
    assert!(ia.conflicts.is_empty());
    assert_eq!(ia.answers.iter().find(|x| x.item_id == "I07").unwrap().value, AnswerValue::Yes);
    assert!(
        a.list_inspections(&InspectionFilter { has_conflicts: Some(true), ..Default::default() }, 10, 0)
            .unwrap()
            .is_empty()
    );
    // Nothing anyone entered disappeared from the history either.
    let trail = a.audit_trail(&id).unwrap();
    assert!(trail.iter().any(|e| { e.new.as_deref().is_some_and(|n| n.contains("未发现在职教师")) }));
    assert!(trail.iter().any(|e| { e.new.as_deref().is_some_and(|n| n.contains("一名在职教师承认收费辅导")) }));
}

#[test]
fn concurrent_case_moves_are_kept_and_shown() {
    let (_dir, a, b) = two_phones();
    let id = a
        .open_case(&NewCase {
            jurisdiction_id: "qs-yx-gx".into(),
            source: CaseSource::Mailbox,
            summary: "信箱举报：松木路9号托管中心周末讲授语文数学".into(),
            inspection_id: None,
            deadline_ms: None,
        })
        .unwrap();
    a.advance_case(&id, CaseState::Verifying, &StepDetails { department: "教育局".into(), ..Default::default() })
        .unwrap();
    exchange(&a, &b);
    // Offline, one officer finds it unfounded while the other opens an investigation.
    a.advance_case(&id, CaseState::FeedbackGiven, &StepDetails { note: "核查不实".into(), ..Default::default() })
        .unwrap();
    b.advance_case(
        &id,
        CaseState::Investigating,
        &StepDetails { department: "市场监管局".into(), note: "联合取证".into(), ..Default::default() },
    )
    .unwrap();
    exchange(&a, &b);
    let (ca, cb) = (a.case(&id).unwrap(), b.case(&id).unwrap());
    assert_eq!(ca, cb);
    assert_eq!(ca.steps.len(), 3, "both steps are kept");
    let state = ca.conflicts.iter().find(|c| c.field == "state").expect("state conflict shown");
    assert_eq!(state.values, vec!["feedback_given".to_string(), "investigating".to_string()]);
    assert!(a.list_cases("qs-yx", None).unwrap()[0].has_conflicts);
    // Settling: the next move is made from the state the document now shows.
    let from = ca.state;
    let next = from.allowed_next()[0];
    b.advance_case(&id, next, &StepDetails::default()).unwrap();
    exchange(&a, &b);
    let ca = a.case(&id).unwrap();
    assert!(ca.conflicts.iter().all(|c| c.field != "state"));
    assert_eq!(ca.state, next);
    assert_eq!(ca, b.case(&id).unwrap());
}

#[test]
fn exchange_sends_only_what_the_other_lacks_and_is_idempotent() {
    let (_dir, a, b) = two_phones();
    let id = a.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    for item in ["I01", "I02", "I04"] {
        a.answer_item(&id, item, AnswerValue::No, "").unwrap();
    }
    let bundle = a.export_changes(&b.peer_state().unwrap()).unwrap();
    let r1 = b.import_changes(&bundle).unwrap();
    assert_eq!((r1.documents, r1.changes_added), (1, 4));
    let r2 = b.import_changes(&bundle).unwrap();
    assert_eq!(r2.changes_added, 0, "a duplicate import adds nothing");
    let nothing = a.export_changes(&b.peer_state().unwrap()).unwrap();
    assert_eq!(nothing, xuncha_core::bundle::ChangeBundle::default().encode(), "nothing left to send");
    a.answer_item(&id, "I05", AnswerValue::No, "").unwrap();
    let one = xuncha_core::bundle::ChangeBundle::decode(&a.export_changes(&b.peer_state().unwrap()).unwrap()).unwrap();
    assert_eq!(one.entries.len(), 1, "only the new change is sent");
}
