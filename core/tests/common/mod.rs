#![allow(dead_code)]

use std::path::Path;
use xuncha_core::{Approach, Mode, NewInspection, Shift, Store};

/// A store on disk with the reference data, signed in as fixture officer `who`.
pub fn store_at(dir: &Path, who: usize) -> Store {
    let store = Store::open(dir).expect("store opens");
    store.sign_in(xuncha_fixtures::officers()[who].clone()).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    store
}

pub fn new_inspection(shift: Shift, place_id: Option<String>) -> NewInspection {
    NewInspection {
        template_id: xuncha_fixtures::TEMPLATE_ID.into(),
        template_version: 1,
        jurisdiction_id: "qs-yx-gx-hq-g1".into(),
        shift,
        mode: Mode::Joint,
        approach: Approach::Open,
        place_id,
        ledger_id: None,
    }
}

/// Everything a user could see change: per-document heads and the number of stored changes.
pub fn fingerprint(store: &Store) -> (xuncha_core::PeerState, i64) {
    let conn = rusqlite::Connection::open(store.dir().join("xuncha.db")).unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM changes", [], |r| r.get(0)).unwrap();
    (store.peer_state().unwrap(), n)
}

/// Sends what each store lacks to the other, both ways.
pub fn exchange(a: &Store, b: &Store) {
    let to_b = a.export_changes(&b.peer_state().unwrap()).unwrap();
    let to_a = b.export_changes(&a.peer_state().unwrap()).unwrap();
    b.import_changes(&to_b).unwrap();
    a.import_changes(&to_a).unwrap();
}

/// A fixture phone photo taken at (lat, lon) at `utc_ms`, with EXIF saying so.
pub fn photo_at(seed: u64, lat: f64, lon: f64, utc_ms: i64, orientation: u16) -> Vec<u8> {
    xuncha_fixtures::photos::jpeg(&spec_at(seed, lat, lon, utc_ms, orientation))
}

/// The spec of `photo_at`, to code it another way (`photos::jpeg_coded`).
pub fn spec_at(seed: u64, lat: f64, lon: f64, utc_ms: i64, orientation: u16) -> xuncha_fixtures::photos::PhotoSpec {
    use chrono::{Datelike, Timelike};
    use xuncha_fixtures::photos::{ExifGps, ExifSpec, PhotoSpec};
    let utc = chrono::DateTime::from_timestamp_millis(utc_ms).unwrap();
    let local = utc + chrono::Duration::hours(8);
    PhotoSpec {
        width: 1200,
        height: 900,
        orientation,
        seed,
        quality: 85,
        exif: Some(ExifSpec {
            make: "Xiaomi".into(),
            model: "Redmi Note 12".into(),
            datetime_original: local.format("%Y:%m:%d %H:%M:%S").to_string(),
            gps: Some(ExifGps {
                lat,
                lon,
                altitude_m: 880.0,
                utc: (utc.year(), utc.month(), utc.day(), utc.hour(), utc.minute(), utc.second()),
            }),
        }),
    }
}

/// A good GPS fix at (lat, lon) taken at `at_ms`.
pub fn fix_at(lat: f64, lon: f64, at_ms: i64) -> xuncha_core::GpsFix {
    xuncha_core::GpsFix {
        lat,
        lon,
        accuracy_m: 6.0,
        altitude_m: Some(880.0),
        provider: xuncha_core::GpsProvider::Fused,
        mock: false,
        fix_time_ms: at_ms,
        device_time_ms: at_ms,
    }
}

/// Number of files under a directory tree.
pub fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| if e.path().is_dir() { count_files(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}
