//! The server and a new device at 10,000 documents (issue 13, item 7). Prints
//! `bench <name> <value> <unit>` lines:
//!
//! - `server_rss_mb_10k_docs` (goal ≤ 200): resident memory (VmRSS) of a real server process
//!   (this binary in the `serve` role) right after one phone pushed 10,000 inspections to it.
//! - `fresh_pull_10k_docs_s` (goal ≤ 10) and `fresh_pull_10k_docs_peak_rss_mb` (goal ≤ 150): a
//!   new phone of the county supervisor, a process of its own (the `pull` role), pulls all
//!   10,000 from that server; its time from the first request to the end of the sync, and its
//!   peak resident memory (VmHWM, so the server's memory is not counted). With its requests
//!   and the bytes it received (counted by a proxy in front of the server).
//! - `replica_rebuild_10x_ratio` (goal ≤ 11): the server started on a data directory whose
//!   replica was deleted, until the replica has caught up with the log (its cursor at the
//!   log's last entry), with 10,000 inspections in the log ÷ with 1,000.
//!
//! Conditions (docs/benchmarks.md): servers' and the new phone's SQLite on `BENCH_DIR` (disk),
//! each with its own durability settings (phone `synchronous = FULL`, the replica relaxed as
//! the server sets it); warm page cache. The inspections (13 answers and a finding each, about
//! what officers send) are recorded once on ten scratch phones of demo inspector lin and sent
//! as the pushes their syncs would make (4 MB each); each repetition (`BENCH_REPS`) is a new server process receiving
//! them, then a new phone pulling, then the rebuilds. Each figure is the median.

use std::path::Path;
use std::time::{Duration, Instant};
use xuncha_core::sync::{PUSH_BATCH_BYTES, Progress};
use xuncha_core::{InspectionFilter, Store};
use xuncha_e2e::bench::*;
use xuncha_e2e::counting_proxy::CountingProxy;
use xuncha_e2e::{demo_officer, new_inspection, push_raw};

const DOCS_1X: usize = 1_000;
const DOCS_10X: usize = 10_000;
const PHONES: usize = DOCS_10X / DOCS_1X;
const GRIDS: [&str; 4] = ["qs-yx-gx-hq-g1", "qs-yx-gx-hq-g2", "qs-yx-la-jh-g1", "qs-yx-la-yp-g2"];
/// A rebuild slower than this is a failure of the benchmark run, not a figure.
const REBUILD_LIMIT: Duration = Duration::from_secs(600);

fn main() {
    if let Some((role, args)) = child_role() {
        match role.as_str() {
            "serve" => serve_role(&args),
            "pull" => pull_role(&args),
            other => panic!("no role {other}"),
        }
        return;
    }
    let dir = tempdir();
    let scratch = scratch_dir();
    let phones = record_phones(scratch.path());

    // The 1× log: a server that received only the first phone's 1,000.
    let one_x = dir.path().join("1x");
    let server = ServerProcess::start(&one_x);
    push_all(&server, &phones[..1]);
    server.stop();

    let (mut rss, mut pull_s, mut pull_hwm, mut pull_requests, mut pull_bytes) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut rebuild_1x, mut rebuild_10x) = (vec![], vec![]);
    for rep in 0..reps() {
        let data = dir.path().join(format!("10x-{rep}"));
        let server = ServerProcess::start(&data);
        push_all(&server, &phones);
        rss.push(server.rss_mb());

        let proxy = CountingProxy::start(server.addr);
        let phone_dir = dir.path().join(format!("fresh-{rep}"));
        let code = server.enrolment_code("chen");
        let mut phone = ChildProcess::spawn("pull", &[&proxy.url(), &code, phone_dir.to_str().unwrap()]);
        assert_eq!(phone.line(), "ready");
        let before = proxy.tally();
        let answer = phone.ask("go");
        let tally = proxy.since(before);
        let f: Vec<&str> = answer.split(' ').collect();
        assert_eq!(f[0], "pulled", "{answer}");
        let inspections: usize = f[3].parse().unwrap();
        assert!(inspections >= DOCS_10X, "the new phone holds {inspections} inspections");
        pull_s.push(f[1].parse().unwrap());
        pull_requests.push(f[2].parse().unwrap());
        pull_hwm.push(f[4].parse().unwrap());
        pull_bytes.push(tally.down as f64);
        phone.finish();
        drop(proxy);
        server.stop();
        std::fs::remove_dir_all(&phone_dir).unwrap();

        rebuild_10x.push(rebuild_s(&data));
        rebuild_1x.push(rebuild_s(&one_x));
        std::fs::remove_dir_all(&data).unwrap();
    }
    bench("server_rss_mb_10k_docs", median(&rss), "MB");
    bench("fresh_pull_10k_docs_s", median(&pull_s), "s");
    bench("fresh_pull_10k_docs_peak_rss_mb", median(&pull_hwm), "MB");
    bench("fresh_pull_10k_docs_requests", median(&pull_requests), "requests");
    bench("fresh_pull_10k_docs_bytes", median(&pull_bytes), "bytes");
    bench("replica_rebuild_1k_docs_s", median(&rebuild_1x), "s");
    bench("replica_rebuild_10k_docs_s", median(&rebuild_10x), "s");
    bench("replica_rebuild_10x_ratio", median(&rebuild_10x) / median(&rebuild_1x), "ratio");
}

/// One of lin's phones (scratch, on tmpfs), its inspections recorded and the pushes its sync
/// would make (4 MB each) taken from it.
struct Recorded {
    store: Store,
    pushes: Vec<Vec<u8>>,
}

/// `PHONES` phones of `DOCS_1X` inspections each (13 answers and a finding each, about what
/// officers send), recorded on two threads. Several phones rather than one: the recording is
/// not what is measured, and one store of 10,000 records ever more slowly as it grows.
fn record_phones(scratch: &Path) -> Vec<Recorded> {
    let record = |p: usize| {
        let store = Store::open(scratch.join(p.to_string())).unwrap();
        store.relax_durability().unwrap();
        store.sign_in(demo_officer("lin")).unwrap();
        xuncha_fixtures::load_reference(&store).unwrap();
        for i in 0..DOCS_1X {
            let id = store.start_inspection(new_inspection(GRIDS[i % GRIDS.len()])).unwrap();
            complete_inspection(&store, &id);
        }
        let pushes = drain_pushes(&store, PUSH_BATCH_BYTES);
        (p, Recorded { store, pushes })
    };
    let mut phones: Vec<(usize, Recorded)> = std::thread::scope(|s| {
        let workers: Vec<_> =
            (0..2).map(|w| s.spawn(move || (w..PHONES).step_by(2).map(record).collect::<Vec<_>>())).collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    phones.sort_by_key(|(p, _)| *p);
    phones.into_iter().map(|(_, r)| r).collect()
}

/// Enrols each phone as one of lin's at `server` and sends its pushes as its sync would.
fn push_all(server: &ServerProcess, phones: &[Recorded]) {
    for phone in phones {
        let token = enrol_device(&server.url, &phone.store, &server.enrolment_code("lin"));
        for body in &phone.pushes {
            let (status, answer) = push_raw(&server.url, &token, body.clone());
            assert_eq!(status, 200, "{answer}");
        }
    }
}

/// Seconds from starting the server on `data` without its replica until the replica holds the
/// whole log. Measured whether the catch-up runs before the server answers or behind it.
fn rebuild_s(data: &Path) -> f64 {
    std::fs::remove_dir_all(data.join("replica")).unwrap();
    let t = Instant::now();
    let server = xuncha_server::start(data, "127.0.0.1:0").unwrap();
    let last = server.state.storage.last_seq().unwrap();
    while server.state.replica.sync_cursor().unwrap() < last {
        assert!(t.elapsed() < REBUILD_LIMIT, "the replica did not catch up within {REBUILD_LIMIT:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = secs(t);
    drop(server);
    took
}

/// Role `pull URL CODE DIR`: a new phone of the demo supervisor `chen`, enrolled at URL; says
/// `ready`, and at `go` syncs once and answers
/// `pulled SECONDS REQUESTS INSPECTIONS PEAK_RSS_MB`; ends when the parent closes stdin.
fn pull_role(args: &[String]) {
    let (url, code, dir) = (&args[0], &args[1], Path::new(&args[2]));
    let phone = enrolled_phone(dir, url, "chen", code);
    to_parent("ready");
    assert_eq!(from_parent().as_deref(), Some("go"));
    let t = Instant::now();
    let report = phone.client.sync(&phone.store, &|_: Progress| {}).unwrap();
    let took = secs(t);
    let inspections = phone.store.count_inspections(&InspectionFilter::default()).unwrap();
    let peak = proc_mb(std::process::id(), "VmHWM");
    to_parent(&format!("pulled {took} {} {inspections} {peak}", report.round_trips));
    while from_parent().is_some() {}
}
