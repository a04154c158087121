//! Weeks offline, then one sync (issue 11), against a real server on loopback. Prints
//! `bench <name> <value> <unit>` lines, each goal beside its baseline from the same run:
//!
//! - `upload_requests_1000_photos` (goal ≤ 25): requests to upload 1,000 photos of 40–60 KB,
//!   small files batched; baseline `upload_requests_1000_photos_per_file`: the same upload one
//!   file at a time (a status request and a chunk each), as before batching.
//! - `sync_backlog_5000_inspections_s`: one sync of a phone holding 5,000 offline inspections
//!   (13 answers and a photo each); baseline `record_backlog_5000_inspections_s`: recording
//!   them on the phone, and their ratio.
//! - `sync_backlog_requests`, and `sync_backlog_push_requests_per_4mb` (goal ≤ 1): push
//!   requests per 4 MB of change and evidence metadata bytes.
//!
//! Conditions (docs/benchmarks.md): phones record with `relax_durability` (`synchronous =
//! NORMAL`: no fsync per commit, as the backlog was timed before) on `BENCH_DIR`; a fresh server
//! per sync, in this process, with its own durability settings; warm page cache. Each phone is
//! recorded once and closed; every repetition (`BENCH_REPS`) syncs a fresh copy of it to a new
//! server, and each figure is the median. The recording is timed once, in blocks of 1,000
//! inspections: `record_backlog_5000_inspections_s` is five times the median block.

use std::path::{Path, PathBuf};
use std::time::Instant;
use xuncha_core::Store;
use xuncha_core::sync::{Progress, SyncClient, SyncReport};
use xuncha_e2e::bench::{bench, copy_dir, median, reps, secs, tempdir};
use xuncha_e2e::{TestServer, answer_every_item, capture, demo_officer, new_inspection};
use xuncha_fixtures::photos::{PhotoSpec, jpeg};

const NODE: &str = "qs-yx-gx-hq-g1";

fn quiet(_: Progress) {}

fn main() {
    let dir = tempdir();
    upload_requests(dir.path());
    backlog_5000(dir.path());
}

/// A phone photo of 40–60 KB: the size is tuned once, then every seed gives other bytes.
fn photo(seed: u64, side: u32) -> Vec<u8> {
    jpeg(&PhotoSpec { width: side * 4 / 3, height: side, orientation: 1, seed, exif: None, quality: 80 })
}

fn side_for_50kb() -> u32 {
    let mut side = 240;
    while photo(1, side).len() < 50_000 && side < 2000 {
        side += 20;
    }
    side
}

/// A phone of demo inspector lin (not enrolled yet) at `dir`, filled by `fill`, then closed.
fn recorded_phone(dir: &Path, fill: impl FnOnce(&Store)) -> PathBuf {
    let store = Store::open(dir).unwrap();
    store.sign_in(demo_officer("lin")).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    store.relax_durability().unwrap();
    fill(&store);
    dir.to_owned()
}

/// A copy of the recorded phone enrolled at a new server, synced once: the report, the sync's
/// seconds, and the bytes of what it had to push (change and evidence metadata).
fn sync_copy(phone: &Path, run: &Path, batched: bool) -> (SyncReport, f64, usize) {
    let t = TestServer::start();
    copy_dir(phone, run);
    let store = Store::open(run).unwrap();
    store.relax_durability().unwrap();
    let code = xuncha_server::api::accounts::issue_code(&t.server.state, "lin").unwrap().code;
    let (mut client, _) = SyncClient::enroll(&store, &t.url(), &code).unwrap();
    if !batched {
        client = client.without_batched_uploads();
    }
    let metadata_bytes: usize = {
        let all = store.next_push(usize::MAX).unwrap().request;
        all.changes.entries.iter().map(|e| e.change.len()).sum::<usize>()
            + all.evidence.iter().map(|e| e.payload_json.len()).sum::<usize>()
    };
    let started = Instant::now();
    let report = client.sync(&store, &quiet).unwrap();
    let took = secs(started);
    let status = store.sync_status().unwrap();
    assert_eq!((status.pending_changes, status.pending_bytes), (0, 0));
    drop(store);
    std::fs::remove_dir_all(run).unwrap();
    (report, took, metadata_bytes)
}

fn upload_requests(dir: &Path) {
    const PHOTOS: u64 = 1000;
    let side = side_for_50kb();
    let phone = recorded_phone(&dir.join("photos"), |store| {
        let id = store.start_inspection(new_inspection(NODE)).unwrap();
        let mut sizes = Vec::new();
        for n in 0..PHOTOS {
            let bytes = photo(n, side);
            sizes.push(bytes.len());
            store.add_photo(&bytes, &capture(&id)).unwrap();
        }
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(*min >= 30_000 && *max <= 70_000, "photos of {min}..{max} bytes");
    });
    let (mut batched, mut per_file) = (Vec::new(), Vec::new());
    for _ in 0..reps() {
        batched.push(sync_copy(&phone, &dir.join("run"), true).0.upload_requests as f64);
        per_file.push(sync_copy(&phone, &dir.join("run"), false).0.upload_requests as f64);
    }
    let (batched, per_file) = (median(&batched), median(&per_file));
    bench("upload_requests_1000_photos", batched, "requests");
    bench("upload_requests_1000_photos_per_file", per_file, "requests");
    bench("upload_requests_batched_vs_per_file_ratio", batched / per_file, "ratio");
}

fn backlog_5000(dir: &Path) {
    const COUNT: u64 = 5000;
    const BLOCK: u64 = 1000;
    let mut blocks = Vec::new();
    let phone = recorded_phone(&dir.join("backlog"), |store| {
        for block in 0..COUNT / BLOCK {
            let started = Instant::now();
            for n in block * BLOCK..(block + 1) * BLOCK {
                let id = store.start_inspection(new_inspection(NODE)).unwrap();
                assert_eq!(answer_every_item(store, &id), 13);
                store.add_photo(&photo(10_000 + n, 90), &capture(&id)).unwrap();
            }
            blocks.push(secs(started));
        }
    });
    let recorded = median(&blocks) * (COUNT / BLOCK) as f64;
    let (mut synced, mut requests, mut per_4mb) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps() {
        let (report, took, metadata_bytes) = sync_copy(&phone, &dir.join("run"), true);
        synced.push(took);
        requests.push(report.round_trips as f64);
        let four_mb = (metadata_bytes as f64 / (4u64 << 20) as f64).ceil().max(1.0);
        per_4mb.push(report.push_requests as f64 / four_mb);
    }
    let synced = median(&synced);
    bench("sync_backlog_5000_inspections_s", synced, "s");
    bench("record_backlog_5000_inspections_s", recorded, "s");
    bench("sync_vs_record_backlog_ratio", synced / recorded, "ratio");
    bench("sync_backlog_requests", median(&requests), "requests");
    bench("sync_backlog_push_requests_per_4mb", median(&per_4mb), "requests");
}
