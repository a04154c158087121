//! What a push costs the server as a document's history grows (issue 13, item 7). Prints
//! `bench <name> <value> <unit>` lines:
//!
//! - `push_cost_long_history_ratio` (goal ≤ 1.5): the latency of a push carrying one small
//!   change (one answer) to a document of 1,000 changes ÷ the same push to a new document,
//!   with both latencies (`push_small_change_*_ms`) and, for the shape of the curve, the same
//!   at 100 changes.
//!
//! Conditions (docs/benchmarks.md): a real server on loopback (in this process, its own
//! runtime), its SQLite on the system's temp dir with its own durability settings; warm page
//! cache. The latency is the HTTP round trip of `POST /v1/sync/push` as seen by the phone
//! (nothing else in flight). `SAMPLES` pushes of each kind, taken in turn (long, 100, new, long,
//! …) so a slow moment of the machine hits all alike; each figure is the median.

use std::time::Instant;
use xuncha_core::{AnswerType, AnswerValue};
use xuncha_e2e::bench::{bench, median};
use xuncha_e2e::{TestServer, demo_officer, new_inspection, push_raw};

const SAMPLES: usize = 21;
const NODE: &str = "qs-yx-gx-hq-g1";

fn main() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let store = &lin.store;
    store.relax_durability().unwrap();
    let items: Vec<String> = {
        let probe = store.start_inspection(new_inspection(NODE)).unwrap();
        store
            .applicable_items(&probe)
            .unwrap()
            .into_iter()
            .filter(|i| i.answer_type == AnswerType::YesNo)
            .map(|i| i.id)
            .collect()
    };
    // One answer: a different item or note each time, so every edit is a change.
    let mut edits = 0usize;
    let mut answer = |id: &str| {
        let note = format!("复查 {edits}");
        store.answer_item(id, &items[edits % items.len()], AnswerValue::No, &note).unwrap();
        edits += 1;
    };
    let long = store.start_inspection(new_inspection(NODE)).unwrap();
    let medium = store.start_inspection(new_inspection(NODE)).unwrap();
    for _ in 1..1000 {
        answer(&long);
    }
    for _ in 1..100 {
        answer(&medium);
    }
    let changes =
        |id: &str| automerge::Automerge::load(&store.document_bytes(id).unwrap()).unwrap().get_changes(&[]).len();
    assert_eq!((changes(&long), changes(&medium)), (1000, 100), "documents of 1,000 and 100 changes");
    lin.sync().unwrap();

    // The push of what the store has pending (one change), timed.
    let push = || {
        let batch = store.next_push(usize::MAX).unwrap();
        assert_eq!(batch.request.changes.entries.len(), 1);
        let body = batch.request.encode();
        let t0 = Instant::now();
        let (status, answer) = push_raw(&t.url(), &lin.token, body);
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(status, 200, "{answer}");
        store.mark_pushed(&batch).unwrap();
        ms
    };
    let (mut at_1000, mut at_100, mut new) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..SAMPLES {
        answer(&long);
        at_1000.push(push());
        answer(&medium);
        at_100.push(push());
        let fresh = store.start_inspection(new_inspection(NODE)).unwrap();
        push();
        answer(&fresh);
        new.push(push());
    }
    bench("push_small_change_new_doc_ms", median(&new), "ms");
    bench("push_small_change_100_change_doc_ms", median(&at_100), "ms");
    bench("push_small_change_1000_change_doc_ms", median(&at_1000), "ms");
    bench("push_cost_long_history_ratio", median(&at_1000) / median(&new), "ratio");
}
