//! Weeks offline, then one sync (issue 11): whatever a phone recorded offline, cut into push
//! batches of whatever size, ends fully acknowledged on the server — nothing lost, nothing
//! duplicated — in one `sync()` call.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;
use xuncha_core::sync::{Progress, SyncClient, SyncReport};
use xuncha_core::{AnswerValue, CaseSource, NewCase, NewLedgerEntry, Store};
use xuncha_e2e::{TestServer, answer_every_item, capture, doc_ids, new_inspection};
use xuncha_fixtures::photos::{PhotoSpec, jpeg};

/// A grid inside inspector lin's county.
const NODE: &str = "qs-yx-gx-hq-g1";

/// A small, distinct camera photo.
fn photo(seed: u64) -> Vec<u8> {
    jpeg(&PhotoSpec { width: 48, height: 32, orientation: 1, seed, exif: None, quality: 60 })
}

/// A small signature drawing.
fn signature(seed: u64) -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 20, |x, y| image::Rgb([(x as u64 * seed % 251) as u8, y as u8 * 9, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Records a random backlog on `store`: inspections with answers, photos and signatures, cases,
/// ledger entries, and later edits to earlier records. Returns the records made.
fn random_backlog(store: &Store, rng: &mut StdRng, records: usize, seed: u64) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut inspections: Vec<String> = Vec::new();
    for n in 0..records {
        let tag = seed * 1_000 + n as u64;
        match rng.random_range(0..10) {
            0..=5 => {
                let id = store.start_inspection(new_inspection(NODE)).unwrap();
                if rng.random_bool(0.7) {
                    answer_every_item(store, &id);
                }
                for p in 0..rng.random_range(0..=2) {
                    store.add_photo(&photo(tag * 10 + p), &capture(&id)).unwrap();
                }
                if rng.random_bool(0.3) {
                    store.add_signature(&signature(tag + 1), &capture(&id)).unwrap();
                }
                inspections.push(id.clone());
                ids.push(id);
            }
            6..=7 => {
                let case = NewCase {
                    jurisdiction_id: NODE.into(),
                    source: CaseSource::Hotline,
                    summary: format!("群众反映小区内有学科类培训 {tag}"),
                    inspection_id: None,
                    deadline_ms: None,
                };
                let id = store.open_case(&case).unwrap();
                if rng.random_bool(0.5) {
                    store.add_photo(&photo(tag * 10 + 7), &capture(&id)).unwrap();
                }
                ids.push(id);
            }
            8 => {
                let entry = NewLedgerEntry {
                    jurisdiction_id: NODE.into(),
                    name: format!("某培训点 {tag}"),
                    category: xuncha_core::LedgerCategory::ALL[0],
                    address: "观山湖区某小区".into(),
                    reason: "群众举报".into(),
                };
                ids.push(store.add_ledger_entry(&entry).unwrap());
            }
            _ => {
                // A later edit to an earlier inspection: its changes are far apart in the queue.
                if let Some(id) = inspections.get(rng.random_range(0..inspections.len().max(1))) {
                    store.answer_item(id, "I13", AnswerValue::Yes, "发现超期预收费").unwrap();
                    store.add_photo(&photo(tag * 10 + 9), &capture(id)).unwrap();
                }
            }
        }
    }
    ids
}

fn quiet(_: Progress) {}

/// Everything the phone made is on the server exactly once, and nothing waits on the phone.
fn assert_fully_synced(t: &TestServer, store: &Store, made: &[String], what: &str) {
    let status = store.sync_status().unwrap();
    assert_eq!(
        (status.pending_changes, status.pending_bytes, status.refused_records),
        (0, 0, 0),
        "{what}: something is still waiting"
    );
    let next = store.next_push(usize::MAX).unwrap();
    assert!(next.request.changes.entries.is_empty() && next.request.evidence.is_empty(), "{what}: more to push");
    let replica = &t.server.state.replica;
    for id in made {
        assert_eq!(replica.heads(id).unwrap(), store.heads(id).unwrap(), "{what}: record {id} differs");
        let mine = store.evidence_for_record(id).unwrap().len();
        assert_eq!(replica.evidence_for_record(id).unwrap().len(), mine, "{what}: evidence of {id}");
    }
    let duplicated: Vec<_> = t.log_hashes().into_iter().filter(|(_, n)| *n > 1).collect();
    assert!(duplicated.is_empty(), "{what}: stored twice: {duplicated:?}");
}

#[test]
fn any_backlog_cut_into_any_batch_size_syncs_fully_in_one_call() {
    let t = TestServer::start();
    let seed: u64 = std::env::var("XUNCHA_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_201);
    let mut rng = StdRng::seed_from_u64(seed);
    // Down to one change per batch; up to the phone's 4 MB.
    let limits = [1, 500, 3_000, 20_000, 200_000, 4 << 20];
    let cases = 12;
    let (mut records, mut requests) = (0, 0);
    for case in 0..cases {
        let phone = t.phone("lin", &t.url());
        let size = rng.random_range(1..=30);
        let made = random_backlog(&phone.store, &mut rng, size, case);
        let limit = limits[rng.random_range(0..limits.len())];
        let client = SyncClient::for_store(&phone.store).unwrap().with_push_batch_bytes(limit);
        let report: SyncReport = client.sync(&phone.store, &quiet).unwrap();
        let what = format!("seed {seed} case {case}: {} records, batches of {limit} bytes", made.len());
        assert_fully_synced(&t, &phone.store, &made, &what);
        assert_eq!(report.refused_records, 0, "{what}");
        records += made.len();
        requests += report.round_trips;
    }
    println!("backlogs: {cases} phones, {records} records, {requests} requests, seed {seed}: 0 lost, 0 duplicated");
}

/// Five thousand inspections of 13 answers and one photo each, recorded offline on one
/// phone, sync in one call.
#[test]
fn five_thousand_offline_inspections_sync_in_one_call() {
    let count: usize = std::env::var("XUNCHA_BACKLOG").ok().and_then(|s| s.parse().ok()).unwrap_or(5_000);
    let t = TestServer::start();
    let phone = t.phone("lin", &t.url());
    // The offline weeks are not what is measured here: one fsync per edit would take longer
    // than the sync itself.
    phone.store.relax_durability().unwrap();
    let started = Instant::now();
    let mut made = Vec::with_capacity(count);
    for n in 0..count {
        let id = phone.store.start_inspection(new_inspection(NODE)).unwrap();
        assert_eq!(answer_every_item(&phone.store, &id), 13);
        phone.store.add_photo(&photo(n as u64), &capture(&id)).unwrap();
        made.push(id);
    }
    let recorded = started.elapsed();
    let started = Instant::now();
    let report = phone.client.sync(&phone.store, &quiet).unwrap();
    let synced = started.elapsed();
    assert_eq!(report.pushed_evidence, count as u64);
    assert!(report.pushed_changes >= 14 * count as u64, "{report:?}");
    assert_fully_synced(&t, &phone.store, &made, &format!("{count} inspections"));
    let on_server = doc_ids(&t.server.state.replica).iter().filter(|id| made.contains(id)).count();
    assert_eq!(on_server, count);
    println!(
        "{count} offline inspections: recorded in {:.1} s, one sync of {} requests in {:.1} s",
        recorded.as_secs_f64(),
        report.round_trips,
        synced.as_secs_f64()
    );
}
