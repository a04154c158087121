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
//! - `server_sync_p99_ms` (goal < 1000): push + pull of 1,000 lightweight enrolled devices,
//!   two syncs each, from a pool of threads.

use automerge::Automerge;
use automerge::sync::{State, SyncDoc};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use xuncha_core::sync::Progress;
use xuncha_core::sync::protocol::{
    EnrollRequest, EnrollResponse, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, UPLOAD_CHUNK_BYTES,
};
use xuncha_core::{Officer, Store};
use xuncha_e2e::proxy::{Fault, FaultProxy};
use xuncha_e2e::*;

fn bench(name: &str, value: f64, unit: &str) {
    println!("bench {name} {value:.3} {unit}");
}

fn main() {
    round_trips_and_wire_bytes();
    resent_bytes_after_cut();
    server_p99();
}

fn round_trips_and_wire_bytes() {
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
    bench("sync_round_trips_1000_docs", report.round_trips as f64, "round_trips");
    bench("automerge_sync_round_trips_1000_docs", total_round_trips as f64, "round_trips");
    bench("automerge_sync_rounds_batched_1000_docs", max_rounds as f64, "round_trips");
    bench("sync_wire_bytes_vs_change_bytes_ratio", (up + down) as f64 / change_bytes as f64, "ratio");
    bench("automerge_sync_message_bytes_vs_change_bytes_ratio", message_bytes as f64 / change_bytes as f64, "ratio");
    bench("sync_change_bytes_1000_docs", change_bytes as f64, "bytes");
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
fn resent_bytes_after_cut() {
    let photo = photo_12mp(7);
    let chunk = UPLOAD_CHUNK_BYTES as u64;
    let run = |fault: Fault| -> (u64, u64) {
        let t = TestServer::start();
        let lin = t.device("lin", demo_officer("lin"));
        let id = lin.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
        lin.sync().unwrap();
        lin.store.add_photo(&photo, &capture(&id)).unwrap();
        let proxy = FaultProxy::start(t.server.addr, move |k| if k == 0 { fault } else { Fault::None });
        let client = lin.client_via(&proxy.url());
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
    bench("resent_bytes_after_cut", cut.saturating_sub(clean) as f64, "bytes");
    // Without resumption every byte sent before the cut would be sent again.
    bench("upload_restart_from_zero_resent_bytes", before_cut as f64, "bytes");
    bench("upload_photo_bytes", photo.len() as f64, "bytes");
}

/// 1,000 enrolled devices (100 inspectors × 10 phones), each pushing a small bundle and
/// pulling, twice, from a pool of threads; the latency of each push + pull.
fn server_p99() {
    const USERS: usize = 100;
    const PER_USER: usize = 10;
    const DEVICES: usize = USERS * PER_USER;
    const THREADS: usize = 32;
    const ROUNDS: usize = 2;
    let t = TestServer::start();
    let url = t.url();
    let state = &t.server.state;
    let officers: Vec<Officer> = (0..USERS)
        .map(|u| Officer {
            name: format!("负载{u:03}"),
            department: "教育局".into(),
            cert_no: format!("QS-LOAD-{u:03}"),
        })
        .collect();
    for (u, o) in officers.iter().enumerate() {
        xuncha_server::api::accounts::create_user(
            state,
            xuncha_server::api::accounts::NewUserBody {
                username: format!("load{u:03}"),
                name: o.name.clone(),
                role: "inspector".into(),
                jurisdiction_id: "qs-yx".into(),
                department: o.department.clone(),
                cert_no: o.cert_no.clone(),
                password: None,
            },
        )
        .unwrap();
    }
    // One small document per device, made ahead on that device's own store (the server takes a
    // change only from the device that signed it): a new inspection, then a finding.
    let dir = tempfile::tempdir().unwrap();
    let mut bundles: Vec<Vec<Vec<u8>>> = Vec::with_capacity(DEVICES);
    let mut makers = Vec::with_capacity(DEVICES);
    for d in 0..DEVICES {
        let maker = Store::open(dir.path().join(d.to_string())).unwrap();
        xuncha_fixtures::load_reference(&maker).unwrap();
        maker.sign_in(officers[d / PER_USER].clone()).unwrap();
        let id = maker.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
        let mut rounds = Vec::new();
        for r in 0..ROUNDS {
            if r > 0 {
                maker.add_finding(&id, "门口有学生进出").unwrap();
            }
            let batch = maker.next_push(usize::MAX).unwrap();
            rounds.push(batch.request.encode());
            maker.mark_pushed(&batch).unwrap();
        }
        bundles.push(rounds);
        makers.push(maker);
    }
    // Enrol every device over HTTP with its own key.
    let client = http();
    let start_cursor = state.storage.last_seq().unwrap();
    let tokens: Vec<String> = makers
        .iter()
        .enumerate()
        .map(|(d, maker)| {
            let code =
                xuncha_server::api::accounts::issue_code(state, &format!("load{:03}", d / PER_USER)).unwrap().code;
            let request = EnrollRequest {
                code: code.clone(),
                device_id: maker.identity().device_id,
                public_key: maker.device_public_key(),
                signature: maker.sign_with_device_key(code.as_bytes()).unwrap(),
            };
            let response: EnrollResponse =
                client.post(format!("{url}/v1/enroll")).json(&request).send().unwrap().json().unwrap();
            response.token
        })
        .collect();
    drop(makers);
    let cursors: Vec<Mutex<u64>> = (0..DEVICES).map(|_| Mutex::new(start_cursor)).collect();

    let next = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(DEVICES * ROUNDS));
    let deadline = Instant::now() + Duration::from_secs(300);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let client = http();
                loop {
                    let task = next.fetch_add(1, Ordering::SeqCst);
                    if task >= DEVICES * ROUNDS || Instant::now() > deadline {
                        return;
                    }
                    let (round, d) = (task / DEVICES, task % DEVICES);
                    let t0 = Instant::now();
                    let push = client
                        .post(format!("{url}/v1/sync/push"))
                        .bearer_auth(&tokens[d])
                        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
                        .body(bundles[d][round].clone())
                        .send()
                        .unwrap();
                    assert_eq!(push.status().as_u16(), 200, "{}", push.text().unwrap_or_default());
                    let mut cursor = cursors[d].lock().unwrap();
                    for _ in 0..100 {
                        let response = client
                            .get(format!("{url}/v1/sync/pull?cursor={cursor}"))
                            .bearer_auth(&tokens[d])
                            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
                            .send()
                            .unwrap();
                        assert_eq!(response.status().as_u16(), 200);
                        let pull = PullResponse::decode(&response.bytes().unwrap()).unwrap();
                        *cursor = pull.cursor;
                        if !pull.more {
                            break;
                        }
                    }
                    latencies.lock().unwrap().push(t0.elapsed().as_secs_f64() * 1000.0);
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut l = latencies.into_inner().unwrap();
    assert_eq!(l.len(), DEVICES * ROUNDS, "every sync finished within the time limit");
    l.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| l[((l.len() - 1) as f64 * p).round() as usize];
    bench("server_sync_devices", DEVICES as f64, "devices");
    bench("server_sync_concurrency", THREADS as f64, "connections");
    bench("server_sync_p50_ms", pct(0.5), "ms");
    bench("server_sync_p99_ms", pct(0.99), "ms");
    bench("server_sync_throughput", l.len() as f64 / elapsed, "syncs_per_s");
}
