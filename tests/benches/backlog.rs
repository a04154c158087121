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

use std::time::Instant;
use xuncha_core::sync::{Progress, SyncClient};
use xuncha_e2e::{TestServer, answer_every_item, capture, new_inspection};
use xuncha_fixtures::photos::{PhotoSpec, jpeg};

const NODE: &str = "qs-yx-gx-hq-g1";

fn bench(name: &str, value: f64, unit: &str) {
    println!("bench {name} {value:.3} {unit}");
}

fn quiet(_: Progress) {}

fn main() {
    upload_requests();
    backlog_5000();
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

fn upload_requests() {
    const PHOTOS: u64 = 1000;
    let side = side_for_50kb();
    let t = TestServer::start();
    let mut requests = Vec::new();
    for (offset, batched) in [(0, true), (PHOTOS, false)] {
        let phone = t.phone("lin", &t.url());
        phone.store.relax_durability().unwrap();
        let id = phone.store.start_inspection(new_inspection(NODE)).unwrap();
        let mut sizes = Vec::new();
        for n in 0..PHOTOS {
            let bytes = photo(offset + n, side);
            sizes.push(bytes.len());
            phone.store.add_photo(&bytes, &capture(&id)).unwrap();
        }
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(*min >= 30_000 && *max <= 70_000, "photos of {min}..{max} bytes");
        let mut client = SyncClient::for_store(&phone.store).unwrap();
        if !batched {
            client = client.without_batched_uploads();
        }
        let report = client.sync(&phone.store, &quiet).unwrap();
        assert_eq!(phone.store.sync_status().unwrap().pending_bytes, 0);
        requests.push(report.upload_requests as f64);
    }
    bench("upload_requests_1000_photos", requests[0], "requests");
    bench("upload_requests_1000_photos_per_file", requests[1], "requests");
    bench("upload_requests_batched_vs_per_file_ratio", requests[0] / requests[1], "ratio");
}

fn backlog_5000() {
    const COUNT: u64 = 5000;
    let t = TestServer::start();
    let phone = t.phone("lin", &t.url());
    phone.store.relax_durability().unwrap();
    let started = Instant::now();
    for n in 0..COUNT {
        let id = phone.store.start_inspection(new_inspection(NODE)).unwrap();
        assert_eq!(answer_every_item(&phone.store, &id), 13);
        phone.store.add_photo(&photo(10_000 + n, 90), &capture(&id)).unwrap();
    }
    let recorded = started.elapsed().as_secs_f64();
    let metadata_bytes: usize = {
        let all = phone.store.next_push(usize::MAX).unwrap().request;
        all.changes.entries.iter().map(|e| e.change.len()).sum::<usize>()
            + all.evidence.iter().map(|e| e.payload_json.len()).sum::<usize>()
    };
    let started = Instant::now();
    let report = phone.client.sync(&phone.store, &quiet).unwrap();
    let synced = started.elapsed().as_secs_f64();
    let status = phone.store.sync_status().unwrap();
    assert_eq!((status.pending_changes, status.pending_bytes), (0, 0));
    bench("sync_backlog_5000_inspections_s", synced, "s");
    bench("record_backlog_5000_inspections_s", recorded, "s");
    bench("sync_vs_record_backlog_ratio", synced / recorded, "ratio");
    bench("sync_backlog_requests", report.round_trips as f64, "requests");
    let four_mb = (metadata_bytes as f64 / (4u64 << 20) as f64).ceil().max(1.0);
    bench("sync_backlog_push_requests_per_4mb", report.push_requests as f64 / four_mb, "requests");
}
