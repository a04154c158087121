//! Sync benchmarks against a real server on loopback. Prints `bench <name> <value> <unit>`
//! lines, each goal beside the baseline it is compared with, measured in the same run:
//!
//! - `sync_round_trips_1000_docs` (goal ≤ 2): HTTP requests of one sync of a phone holding
//!   1,000 synced documents of which 5 % changed; baseline: Automerge's own per-document sync
//!   protocol on the same documents (`automerge_sync_round_trips_1000_docs`: message round
//!   trips, one exchange per document; `automerge_sync_rounds_batched_1000_docs`: rounds if
//!   every document's messages of a round travelled together).
//! - `sync_wire_bytes_vs_change_bytes_ratio` (goal ≤ 1.3): bytes both ways through the proxy ÷
//!   raw change bytes, for that sync; baseline: the Automerge messages' bytes ÷ the same.
//! - `resent_bytes_after_cut` (goal ≤ 262144): extra bytes uploaded after a cut in the third
//!   chunk of a 12-MP photo; baseline: what a restart from byte 0 would resend.
//!
//! (`server_sync_p99_ms` is in `server_load.rs`.)
//!
//! Conditions (docs/benchmarks.md): a fresh server per repetition, in this process, its SQLite
//! on the system's temp dir with its own durability settings; phone stores with theirs
//! (`synchronous = FULL`); warm page cache. Counts and byte ratios are the median of
//! `BENCH_REPS` repetitions (they vary only with ids and timestamps), each on new stores and
//! a new server.

use automerge::Automerge;
use automerge::sync::{State, SyncDoc};
use xuncha_core::sync::Progress;
use xuncha_core::sync::protocol::UPLOAD_CHUNK_BYTES;
use xuncha_e2e::bench::{bench, median, reps};
use xuncha_e2e::proxy::{Fault, FaultProxy};
use xuncha_e2e::*;

fn main() {
    let runs: Vec<Vec<(&str, f64, &str)>> = (0..reps()).map(|_| round_trips_and_wire_bytes()).collect();
    print_medians(&runs);
    let runs: Vec<Vec<(&str, f64, &str)>> = (0..reps()).map(|_| resent_bytes_after_cut()).collect();
    print_medians(&runs);
}

/// Each figure's median over the runs (every run gives the same figures, in the same order).
fn print_medians(runs: &[Vec<(&'static str, f64, &'static str)>]) {
    for (i, (name, _, unit)) in runs[0].iter().enumerate() {
        bench(name, median(&runs.iter().map(|r| r[i].1).collect::<Vec<_>>()), unit);
    }
}

fn round_trips_and_wire_bytes() -> Vec<(&'static str, f64, &'static str)> {
    const DOCS: usize = 1000;
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let grids = ["qs-yx-gx-hq-g1", "qs-yx-gx-hq-g2", "qs-yx-la-jh-g1", "qs-yx-la-yp-g2"];
    let ids: Vec<String> =
        (0..DOCS).map(|i| lin.store.start_inspection(new_inspection(grids[i % grids.len()])).unwrap()).collect();
    lin.sync().unwrap();
    // 5 % of the documents change: an answer and a finding each.
    for id in ids.iter().step_by(20) {
        lin.store.answer_item(id, "I01", xuncha_core::AnswerValue::No, "现场未见学生").unwrap();
        lin.store.add_finding(id, "门口张贴有招生广告，已拍照").unwrap();
    }
    let batch = lin.store.next_push(usize::MAX).unwrap();
    let change_bytes: usize = batch.request.changes.entries.iter().map(|e| e.change.len()).sum();

    // Baseline first, while the server still has the old documents: Automerge's protocol per
    // document, from sync states persisted after the last sync (a new session).
    let replica = &t.server.state.replica;
    let (mut total_round_trips, mut max_rounds, mut message_bytes) = (0usize, 0usize, 0usize);
    for id in &ids {
        let mut server = Automerge::load(&replica.document_bytes(id).unwrap()).unwrap();
        let mut phone = Automerge::load(&lin.store.document_bytes(id).unwrap()).unwrap();
        let (mut sp, mut ss) = persisted_states(&server);
        let mut rounds = 0;
        for _ in 0..20 {
            let to_server = phone.generate_sync_message(&mut sp);
            let sent = to_server.is_some();
            if let Some(m) = to_server {
                message_bytes += m.clone().encode().len();
                server.receive_sync_message(&mut ss, m).unwrap();
            }
            let to_phone = server.generate_sync_message(&mut ss);
            let replied = to_phone.is_some();
            if let Some(m) = to_phone {
                message_bytes += m.clone().encode().len();
                phone.receive_sync_message(&mut sp, m).unwrap();
            }
            if !sent && !replied {
                break;
            }
            rounds += 1;
        }
        assert_eq!(server.get_heads(), phone.get_heads(), "the baseline converged");
        total_round_trips += rounds;
        max_rounds = max_rounds.max(rounds);
    }

    let proxy = FaultProxy::uniform(t.server.addr, Fault::None);
    let report = lin.client_via(&proxy.url()).sync(&lin.store, &|_: Progress| {}).unwrap();
    assert_eq!(report.pushed_changes as usize, batch.request.changes.entries.len());
    let (up, down) = proxy.bytes();
    vec![
        ("sync_round_trips_1000_docs", report.round_trips as f64, "round_trips"),
        ("automerge_sync_round_trips_1000_docs", total_round_trips as f64, "round_trips"),
        ("automerge_sync_rounds_batched_1000_docs", max_rounds as f64, "round_trips"),
        ("sync_wire_bytes_vs_change_bytes_ratio", (up + down) as f64 / change_bytes as f64, "ratio"),
        ("automerge_sync_message_bytes_vs_change_bytes_ratio", message_bytes as f64 / change_bytes as f64, "ratio"),
        ("sync_change_bytes_1000_docs", change_bytes as f64, "bytes"),
    ]
}

/// Sync states as both sides keep them after a finished sync of `doc`, then persisted and
/// loaded again (what a new session starts from).
fn persisted_states(doc: &Automerge) -> (State, State) {
    let mut a = doc.clone();
    let mut b = doc.clone();
    let (mut sa, mut sb) = (State::new(), State::new());
    for _ in 0..10 {
        let m1 = a.generate_sync_message(&mut sa);
        let none1 = m1.is_none();
        if let Some(m) = m1 {
            b.receive_sync_message(&mut sb, m).unwrap();
        }
        let m2 = b.generate_sync_message(&mut sb);
        let none2 = m2.is_none();
        if let Some(m) = m2 {
            a.receive_sync_message(&mut sa, m).unwrap();
        }
        if none1 && none2 {
            break;
        }
    }
    (State::decode(&sa.encode()).unwrap(), State::decode(&sb.encode()).unwrap())
}

/// Uploads one 12-MP photo twice on fresh servers: once on a clean link, once cut in its
/// third chunk and resumed. The difference in bytes sent is what the cut cost.
fn resent_bytes_after_cut() -> Vec<(&'static str, f64, &'static str)> {
    let photo = photo_12mp(7);
    let chunk = UPLOAD_CHUNK_BYTES as u64;
    let run = |fault: Fault| -> (u64, u64) {
        let t = TestServer::start();
        let lin = t.device("lin", demo_officer("lin"));
        let id = lin.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
        lin.sync().unwrap();
        lin.store.add_photo(&photo, &capture(&id)).unwrap();
        let proxy = FaultProxy::start(t.server.addr, move |k| if k == 0 { fault } else { Fault::None });
        // The chunked path (a photo this size goes whole in a batch by default).
        let client = lin.client_via(&proxy.url()).with_batch_file_bytes(512 * 1024);
        let first_failed = client.sync(&lin.store, &|_: Progress| {}).is_err();
        let first_up = proxy.bytes().0;
        if first_failed {
            client.sync(&lin.store, &|_: Progress| {}).unwrap();
        }
        assert_eq!(lin.store.sync_status().unwrap().pending_bytes, 0);
        let (up, _) = proxy.bytes();
        (up, first_up)
    };
    let (clean, _) = run(Fault::None);
    let (cut, before_cut) = run(Fault::CutRequest(2 * chunk + chunk / 2));
    vec![
        ("resent_bytes_after_cut", cut.saturating_sub(clean) as f64, "bytes"),
        // Without resumption every byte sent before the cut would be sent again.
        ("upload_restart_from_zero_resent_bytes", before_cut as f64, "bytes"),
        ("upload_photo_bytes", photo.len() as f64, "bytes"),
    ]
}
