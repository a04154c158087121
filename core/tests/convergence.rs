//! Property: with 2–5 replicas, random edits and exchanges delivered late, duplicated and out
//! of order, every replica ends in the same state once everything is delivered.

mod common;

use common::*;
use proptest::prelude::*;
use xuncha_core::*;

#[derive(Debug, Clone)]
enum Op {
    Answer {
        replica: usize,
        item: usize,
        value: usize,
    },
    Finding {
        replica: usize,
    },
    MoveCase {
        replica: usize,
        choice: usize,
    },
    /// Export what `to` lacks (as `from` sees it now) into the mailbox.
    Send {
        from: usize,
        to: usize,
    },
    /// Deliver a queued bundle; it stays queued so it can be delivered again.
    Deliver {
        index: usize,
    },
}

const ITEMS: &[&str] = &["I01", "I02", "I07", "I15", "I16"];

fn answer(item: &str, value: usize) -> AnswerValue {
    match item {
        "I15" => AnswerValue::Count(value as u32),
        "I16" => AnswerValue::Text(format!("描述{value}")),
        _ => [AnswerValue::Yes, AnswerValue::No, AnswerValue::NotApplicable][value % 3].clone(),
    }
}

fn op(n: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..n, 0..ITEMS.len(), 0..5usize).prop_map(|(replica, item, value)| Op::Answer { replica, item, value }),
        1 => (0..n).prop_map(|replica| Op::Finding { replica }),
        1 => (0..n, 0..2usize).prop_map(|(replica, choice)| Op::MoveCase { replica, choice }),
        2 => (0..n, 0..n).prop_map(|(from, to)| Op::Send { from, to }),
        2 => (0..64usize).prop_map(|index| Op::Deliver { index }),
    ]
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Op>)> {
    (2..=5usize).prop_flat_map(|n| (Just(n), prop::collection::vec(op(n), 1..24)))
}

fn summary_without_local_time(s: &Store) -> Vec<(String, u32, u32, bool)> {
    let list = s.list_inspections(&InspectionFilter::default(), 10, 0).unwrap();
    list.into_iter().map(|x| (x.id, x.answered, x.violations, x.has_conflicts)).collect()
}

/// Imports a bundle that may arrive before the changes it depends on: such a bundle is
/// refused whole (nothing stored), and a later exchange brings everything.
fn import_in_any_order(store: &Store, bundle: &[u8]) {
    match store.import_changes(bundle) {
        Ok(_)
        | Err(xuncha_core::Error::ChangeRefused {
            code: xuncha_core::sync::RefusalCode::MissingDependencies, ..
        }) => {}
        Err(e) => panic!("{e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge((n, ops) in scenario()) {
        // Convergence, not durability, is under test here: tmpfs keeps 1,000 cases quick.
        let dir = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap();
        let stores: Vec<Store> = (0..n).map(|i| store_at(&dir.path().join(i.to_string()), i % 6)).collect();
        let insp = stores[0].start_inspection(new_inspection(Shift::Night, None)).unwrap();
        let case = stores[0].open_case(&NewCase {
            jurisdiction_id: "qs-yx".into(), source: CaseSource::Hotline, summary: "热线举报".into(), inspection_id: None, deadline_ms: None,
        }).unwrap();
        for s in &stores[1..] {
            s.import_changes(&stores[0].export_changes(&s.peer_state().unwrap()).unwrap()).unwrap();
        }
        let mut mailbox: Vec<(usize, Vec<u8>)> = Vec::new();
        for op in &ops {
            match *op {
                Op::Answer { replica, item, value } => {
                    stores[replica].answer_item(&insp, ITEMS[item], answer(ITEMS[item], value), "").unwrap();
                }
                Op::Finding { replica } => {
                    stores[replica].add_finding(&insp, "发现").unwrap();
                }
                Op::MoveCase { replica, choice } => {
                    let state = stores[replica].case(&case).unwrap().state;
                    let next = state.allowed_next();
                    if !next.is_empty() {
                        stores[replica].advance_case(&case, next[choice % next.len()], &StepDetails::default()).unwrap();
                    }
                }
                Op::Send { from, to } => {
                    let bundle = stores[from].export_changes(&stores[to].peer_state().unwrap()).unwrap();
                    mailbox.push((to, bundle));
                }
                Op::Deliver { index } => {
                    if !mailbox.is_empty() {
                        let (to, bundle) = &mailbox[index % mailbox.len()];
                        import_in_any_order(&stores[*to], bundle);
                    }
                }
            }
        }
        // Late delivery of everything still queued, newest first, then a full exchange.
        for (to, bundle) in mailbox.iter().rev() {
            import_in_any_order(&stores[*to], bundle);
        }
        for s in &stores[1..] {
            exchange(&stores[0], s);
        }
        for s in &stores[1..] {
            exchange(&stores[0], s);
        }
        let first = (stores[0].inspection(&insp).unwrap(), stores[0].case(&case).unwrap(), stores[0].heads(&insp).unwrap(), summary_without_local_time(&stores[0]));
        for s in &stores[1..] {
            let other = (s.inspection(&insp).unwrap(), s.case(&case).unwrap(), s.heads(&insp).unwrap(), summary_without_local_time(s));
            prop_assert_eq!(&first, &other);
            prop_assert_eq!(s.peer_state().unwrap(), stores[0].peer_state().unwrap());
        }
    }
}
