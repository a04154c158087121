//! Server latency under many devices, against a real server on loopback (in this process, on
//! its own tokio runtime). Prints `bench <name> <value> <unit>` lines:
//!
//! - `server_sync_p99_ms` (goal < 1000): push + pull of 1,000 enrolled devices (100 inspectors ×
//!   10 phones), two syncs each, from 32 connections at once; with p50 and throughput.
//! - `server_sync_p99_ms_3000_devices` (goal < 1000): the same with 3,000 devices.
//!
//! Conditions: the server's SQLite on `BENCH_DIR` (disk) with its own durability settings (the
//! log fsynced per commit); warm page cache. The devices and their signed pushes are made once,
//! enrolled once, and the server's data directory kept as it was then; each repetition starts a
//! server on a fresh copy of it, so every run meets the same log. Each figure is the median of
//! `BENCH_REPS` runs. A run stops handing out syncs after `DEADLINE`; a sync not finished by then
//! counts as lasting `DEADLINE` (so a p99 at the deadline means "at least"), and
//! `server_sync_unfinished*` says how many there were.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use xuncha_core::sync::protocol::{EnrollRequest, EnrollResponse, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse};
use xuncha_core::{Officer, Store};
use xuncha_e2e::bench::{bench, copy_dir, median, percentile, reps, scratch_dir, tempdir};
use xuncha_e2e::*;

const PER_USER: usize = 10;
const THREADS: usize = 32;
const ROUNDS: usize = 2;
const DEADLINE: Duration = Duration::from_secs(90);

/// A device's token on the kept server, and its two pushes (already signed, encoded).
struct Device {
    token: String,
    pushes: Vec<Vec<u8>>,
}

fn main() {
    let (snapshot, devices) = prepare(3000);
    for (count, suffix) in [(1000, ""), (3000, "_3000_devices")] {
        let runs: Vec<Run> = (0..reps()).map(|_| run(&snapshot.path().join("server"), &devices[..count])).collect();
        let m = |f: fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
        if suffix.is_empty() {
            bench("server_sync_devices", count as f64, "devices");
            bench("server_sync_concurrency", THREADS as f64, "connections");
        }
        bench(&format!("server_sync_p50_ms{suffix}"), m(|r| r.p50), "ms");
        bench(&format!("server_sync_p99_ms{suffix}"), m(|r| r.p99), "ms");
        bench(&format!("server_sync_throughput{suffix}"), m(|r| r.throughput), "syncs_per_s");
        bench(&format!("server_sync_unfinished{suffix}"), m(|r| r.unfinished as f64), "syncs");
    }
}

/// A seeded server with `count` enrolled devices (one small inspection each, pushed in two
/// parts: the new inspection, then a finding), stopped; its data directory is kept.
fn prepare(count: usize) -> (tempfile::TempDir, Vec<Device>) {
    let t = TestServer::start();
    let state = &t.server.state;
    let officers: Vec<Officer> = (0..count.div_ceil(PER_USER))
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
    // Each device's changes are made on its own store (the server takes a change only from the
    // device that signed it); the stores are scratch (tmpfs) and closed once enrolled.
    let scratch = scratch_dir();
    let client = http();
    let url = t.url();
    let devices = (0..count)
        .map(|d| {
            let maker = Store::open(scratch.path().join(d.to_string())).unwrap();
            maker.relax_durability().unwrap();
            xuncha_fixtures::load_reference(&maker).unwrap();
            maker.sign_in(officers[d / PER_USER].clone()).unwrap();
            let id = maker.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
            let mut pushes = Vec::new();
            for r in 0..ROUNDS {
                if r > 0 {
                    maker.add_finding(&id, "门口有学生进出").unwrap();
                }
                let batch = maker.next_push(usize::MAX).unwrap();
                pushes.push(batch.request.encode());
                maker.mark_pushed(&batch).unwrap();
            }
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
            Device { token: response.token, pushes }
        })
        .collect();
    let TestServer { server, dir } = t;
    drop(server);
    (dir, devices)
}

struct Run {
    p50: f64,
    p99: f64,
    throughput: f64,
    unfinished: usize,
}

/// One run: a server on a fresh copy of `snapshot`, every device syncing `ROUNDS` times.
fn run(snapshot: &Path, devices: &[Device]) -> Run {
    let dir = tempdir();
    copy_dir(snapshot, &dir.path().join("server"));
    let server = xuncha_server::start(&dir.path().join("server"), "127.0.0.1:0").unwrap();
    let url = server.url();
    let start_cursor = server.state.storage.last_seq().unwrap();
    let cursors: Vec<Mutex<u64>> = devices.iter().map(|_| Mutex::new(start_cursor)).collect();
    let total = devices.len() * ROUNDS;
    let next = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(total));
    let started = Instant::now();
    let deadline = started + DEADLINE;
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                let client = http();
                loop {
                    let task = next.fetch_add(1, Ordering::SeqCst);
                    if task >= total || Instant::now() > deadline {
                        return;
                    }
                    let (round, d) = (task / devices.len(), task % devices.len());
                    let t0 = Instant::now();
                    let push = client
                        .post(format!("{url}/v1/sync/push"))
                        .bearer_auth(&devices[d].token)
                        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
                        .body(devices[d].pushes[round].clone())
                        .send()
                        .unwrap();
                    assert_eq!(push.status().as_u16(), 200, "{}", push.text().unwrap_or_default());
                    let mut cursor = cursors[d].lock().unwrap();
                    for _ in 0..100 {
                        let response = client
                            .get(format!("{url}/v1/sync/pull?cursor={cursor}"))
                            .bearer_auth(&devices[d].token)
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
    drop(server);
    let mut l = latencies.into_inner().unwrap();
    let done = l.len();
    l.resize(total, DEADLINE.as_secs_f64() * 1000.0);
    Run {
        p50: percentile(&l, 0.5),
        p99: percentile(&l, 0.99),
        throughput: done as f64 / elapsed,
        unfinished: total - done,
    }
}
