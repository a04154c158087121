//! Evidence benchmarks: `bench <name> <value> <unit>` lines, ratios against baselines measured
//! in the same run.
//!
//! Conditions (docs/benchmarks.md): the store on `BENCH_DIR` (disk), `synchronous = FULL`, evidence
//! bytes fsynced before their row commits; warm page cache (everything was just written). Each
//! time is the median of `ROUNDS` repetitions: five 12-MP photos ingested, each right after the
//! baseline (SHA-256 + write + fsync of the same bytes); the thumbnail of each of them, made on
//! first use; the verification of one 1,000-item chain, `ROUNDS` times.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::time::Instant;
use xuncha_core::*;

const LAT: f64 = 26.6121;
const LON: f64 = 106.9213;
const ROUNDS: usize = 5;

fn main() {
    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let store = Store::open(dir.path().join("store")).unwrap();
    store.sign_in(xuncha_fixtures::officers()[0].clone()).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    let id = store
        .start_inspection(NewInspection {
            template_id: xuncha_fixtures::TEMPLATE_ID.into(),
            template_version: 1,
            jurisdiction_id: "qs-yx-gx-hq-g1".into(),
            shift: Shift::Day,
            mode: Mode::Joint,
            approach: Approach::Open,
            place_id: None,
            ledger_id: None,
        })
        .unwrap();
    let fix = GpsFix {
        lat: LAT,
        lon: LON,
        accuracy_m: 5.0,
        altitude_m: None,
        provider: GpsProvider::Gps,
        mock: false,
        fix_time_ms: 1,
        device_time_ms: 1,
    };
    let capture = Capture { record_id: id.clone(), item_id: None, gps: Some(fix), corrects: None };

    // 12-MP ingest against SHA-256 + write + fsync of the same bytes, alternating.
    let photos: Vec<Vec<u8>> =
        (0..ROUNDS as u64).map(|s| xuncha_fixtures::photos::twelve_megapixel(100 + s, LAT, LON)).collect();
    let (mut ingest, mut baseline) = (Vec::new(), Vec::new());
    for (n, jpeg) in photos.iter().enumerate() {
        let t = Instant::now();
        let digest = hex::encode(Sha256::digest(jpeg));
        let path = dir.path().join(format!("raw-{n}-{digest}"));
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(jpeg).unwrap();
        f.sync_all().unwrap();
        baseline.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        store.add_photo(jpeg, &capture).unwrap();
        ingest.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let (ingest_ms, base_ms) = (median(&mut ingest), median(&mut baseline));
    println!("bench photo_ingest_12mp_ms {ingest_ms:.3} ms");
    println!("bench hash_write_fsync_12mp_ms {base_ms:.3} ms");
    println!("bench photo_ingest_vs_hash_write_ratio {:.3} x", ingest_ms / base_ms);
    println!("bench photo_12mp_bytes {} bytes", photos[0].len());
    // The thumbnail is made after the ingest returns (see Store::add_photo); its cost, for the
    // record: each photo's, on first use.
    let mut thumbs = Vec::new();
    for item in store.evidence_for_record(&id).unwrap() {
        let t = Instant::now();
        store.thumbnail(&item.payload.content_hash).unwrap();
        thumbs.push(t.elapsed().as_secs_f64() * 1e3);
    }
    assert_eq!(thumbs.len(), ROUNDS);
    println!("bench thumbnail_12mp_ms {:.3} ms", median(&mut thumbs));

    // A device chain of 1,000 items (voice notes keep set-up quick; verification is the same).
    let have = store.evidence_for_record(&id).unwrap().len();
    for n in have..1000 {
        let note = format!("OggS voice note {n} ").repeat(200);
        store.add_voice_note(note.as_bytes(), "audio/ogg", &capture).unwrap();
    }
    let device = store.identity().device_id;
    let mut verify = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let report = store.verify_device_chain(&device).unwrap();
        verify.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(report.ok() && report.items.len() == 1000);
    }
    println!("bench verify_chain_1000_items_ms {:.3} ms", median(&mut verify));
}
