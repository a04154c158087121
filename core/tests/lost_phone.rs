//! A lost phone (ADR 0013): the store is encrypted at rest with a key from the platform
//! keystore, the app locks after idle, and a revoked device wipes its store.

mod common;

use common::*;
use std::path::Path;
use xuncha_core::*;

const LAT: f64 = 26.6121;
const LON: f64 = 106.9213;
const T0: i64 = 1_790_000_000_000;
/// A note only this test writes, to look for on disk.
const NOTE: &str = "楼上补课现场发现学生十二名";
const MIN: i64 = 60_000;

fn key(n: u8) -> StoreKey {
    StoreKey::from_bytes([n; 32])
}

/// A signed-in store with reference data, an answered item and a photo; returns its record
/// and the photo's bytes and hash.
fn fill(store: &Store) -> (String, Vec<u8>, evidence::ContentHash) {
    store.sign_in(xuncha_fixtures::officers()[0].clone()).unwrap();
    xuncha_fixtures::load_reference(store).unwrap();
    let id = store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    store.answer_item(&id, "I01", AnswerValue::Yes, NOTE).unwrap();
    let jpeg = photo_at(3, LAT, LON, T0, 1);
    let capture =
        Capture { record_id: id.clone(), item_id: Some("I01".into()), gps: Some(fix_at(LAT, LON, T0)), corrects: None };
    let item = store.add_photo(&jpeg, &capture).unwrap();
    (id, jpeg, item.payload.content_hash)
}

/// Every file under `dir`, read whole.
fn all_files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(all_files(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What a finder of the phone could look for: the officer's name, the note, a stretch of the photo.
fn secrets(jpeg: &[u8]) -> Vec<Vec<u8>> {
    let officer = xuncha_fixtures::officers()[0].name.clone();
    vec![officer.into_bytes(), NOTE.as_bytes().to_vec(), jpeg[jpeg.len() / 2..jpeg.len() / 2 + 64].to_vec()]
}

#[test]
fn a_plaintext_store_shows_what_the_encrypted_one_hides() {
    // The control: without a key, the same data is readable on disk.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (_, jpeg, _) = fill(&store);
    drop(store);
    let files = all_files(dir.path());
    for secret in secrets(&jpeg) {
        assert!(files.iter().any(|(_, bytes)| contains(bytes, &secret)), "the control finds its data");
    }
}

#[test]
fn the_database_and_evidence_files_hold_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_encrypted(dir.path(), &key(1), None).unwrap();
    assert!(store.is_encrypted());
    let (id, jpeg, hash) = fill(&store);
    // Thumbnails too.
    let thumb = store.thumbnail(&hash).unwrap();
    assert!(thumb.starts_with(&[0xFF, 0xD8]));

    // While open (WAL and all) and after closing, nothing readable is on disk.
    for _ in 0..2 {
        for (path, bytes) in all_files(dir.path()) {
            for secret in secrets(&jpeg).iter().chain([&thumb[thumb.len() / 2..thumb.len() / 2 + 64].to_vec()]) {
                assert!(!contains(&bytes, secret), "{} holds plaintext", path.display());
            }
            assert!(!bytes.starts_with(b"SQLite format 3"), "{} is a plaintext database", path.display());
            assert!(!bytes.starts_with(&[0xFF, 0xD8]), "{} is a JPEG", path.display());
        }
        let on_disk = std::fs::read(store.content_path(&hash)).unwrap();
        assert!(on_disk.starts_with(b"XCE2"), "sealed in segments");
        assert_eq!(store.evidence_bytes(&hash).unwrap(), jpeg, "read back exactly as captured");
        assert!(store.verify_record(&id).unwrap().ok());
        if !dir.path().join("xuncha.db-wal").exists() {
            break;
        }
    }
    drop(store);

    // Without the key the file is not a database; SQLite itself cannot read it.
    let raw = rusqlite::Connection::open(dir.path().join("xuncha.db")).unwrap();
    assert!(raw.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err());

    let store = Store::open_encrypted(dir.path(), &key(1), None).unwrap();
    let answer = &store.inspection(&id).unwrap().answers;
    assert!(format!("{answer:?}").contains(NOTE));
    assert_eq!(store.evidence_bytes(&hash).unwrap(), jpeg);
    assert_eq!(store.thumbnail(&hash).unwrap(), thumb);
}

#[test]
fn a_wrong_key_or_no_key_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open_encrypted(dir.path(), &key(1), None).unwrap());
    for result in [Store::open_encrypted(dir.path(), &key(2), None), Store::open(dir.path())] {
        let err = result.err().expect("refused");
        assert!(matches!(err, Error::StoreKeyWrong), "{err:?}");
        assert_eq!(err.code(), "store_key_wrong");
        assert!(err.message_zh().contains("存储密钥不正确"), "{err}");
    }
    assert!(Store::open_encrypted(dir.path(), &key(1), None).is_ok(), "nothing was damaged");
}

#[test]
fn a_sealed_evidence_file_that_was_changed_fails_verification() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_encrypted(dir.path(), &key(1), None).unwrap();
    let (id, _, hash) = fill(&store);
    let path = store.content_path(&hash);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert!(store.evidence_bytes(&hash).is_err());
    assert!(!store.verify_record(&id).unwrap().ok());
}

#[test]
fn a_plaintext_store_is_encrypted_at_its_first_open_with_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (id, jpeg, hash) = fill(&store);
    store.thumbnail(&hash).unwrap();
    let device = store.identity().device_id;
    drop(store);

    let store = Store::open_encrypted(dir.path(), &key(5), None).unwrap();
    assert_eq!(store.identity().device_id, device, "the same store");
    assert_eq!(store.evidence_bytes(&hash).unwrap(), jpeg);
    assert!(store.verify_record(&id).unwrap().ok());
    assert!(format!("{:?}", store.inspection(&id).unwrap().answers).contains(NOTE));
    drop(store);
    for (path, bytes) in all_files(dir.path()) {
        for secret in secrets(&jpeg) {
            assert!(!contains(&bytes, &secret), "{} still holds plaintext", path.display());
        }
    }
    assert!(matches!(Store::open(dir.path()), Err(Error::StoreKeyWrong)));
    // Idempotent: opening again finds nothing left to migrate.
    assert!(Store::open_encrypted(dir.path(), &key(5), None).is_ok());
}

#[test]
fn the_app_locks_after_idle_and_opens_with_the_pin_or_biometrics() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_encrypted(dir.path(), &key(1), None).unwrap();
    assert_eq!(store.lock_state(T0).unwrap(), LockState::NoPin);
    store.check_access(T0).unwrap();
    assert!(matches!(store.set_pin("12a4", T0), Err(Error::Invalid { .. })));
    assert!(matches!(store.set_pin("123", T0), Err(Error::Invalid { .. })));
    store.set_pin("135790", T0).unwrap();
    assert_eq!(store.lock_state(T0).unwrap(), LockState::Unlocked { locks_at_ms: T0 + 5 * MIN });

    // Activity postpones the lock; idle past the timeout locks.
    store.touch(T0 + 4 * MIN).unwrap();
    store.check_access(T0 + 8 * MIN).unwrap();
    assert_eq!(store.lock_state(T0 + 13 * MIN - 1).unwrap(), LockState::Unlocked { locks_at_ms: T0 + 13 * MIN });
    let err = store.check_access(T0 + 13 * MIN).unwrap_err();
    assert_eq!(err.code(), "app_locked");
    assert!(err.message_zh().contains("应用已锁定"), "{err}");
    // A clock set back does not open it.
    assert!(matches!(store.check_access(T0), Err(Error::AppLocked)));

    let t = T0 + 20 * MIN;
    assert!(matches!(store.unlock_with_pin("000000", t), Err(Error::PinWrong { wait_ms: 0 })));
    store.unlock_with_pin("135790", t).unwrap();
    store.check_access(t + 1000).unwrap();

    // A shorter timeout; locking on request; biometrics.
    assert!(store.set_idle_timeout(0, t).is_err());
    assert!(store.set_idle_timeout(31, t).is_err());
    store.set_idle_timeout(1, t).unwrap();
    // Last used at t + 1 s: a minute after that it is locked.
    store.check_access(t + 1000 + MIN - 1).unwrap();
    assert!(matches!(store.check_access(t + 1000 + 2 * MIN), Err(Error::AppLocked)));
    store.unlock_with_biometrics(t + 2 * MIN).unwrap();
    store.check_access(t + 2 * MIN + 59_000).unwrap();
    store.lock_now().unwrap();
    assert!(matches!(store.check_access(t + 2 * MIN + 59_001), Err(Error::AppLocked)));
    assert!(matches!(store.set_pin("2468", t + 3 * MIN), Err(Error::AppLocked)), "no PIN change while locked");

    // A store with a PIN starts locked: a killed app does not skip the lock.
    drop(store);
    let store = Store::open_encrypted(dir.path(), &key(1), None).unwrap();
    assert_eq!(store.lock_state(t).unwrap(), LockState::Locked { wait_ms: 0 });
    store.unlock_with_pin("135790", t).unwrap();
}

#[test]
fn wrong_pins_wait_thirty_seconds_after_five_then_double_even_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_encrypted(dir.path(), &key(1), None).unwrap();
    store.set_pin("4321", T0).unwrap();
    store.lock_now().unwrap();
    for _ in 0..4 {
        assert!(matches!(store.unlock_with_pin("1111", T0), Err(Error::PinWrong { wait_ms: 0 })));
    }
    assert!(matches!(store.unlock_with_pin("1111", T0), Err(Error::PinWrong { wait_ms: 30_000 })));
    // During the wait even the right PIN is not checked.
    let err = store.unlock_with_pin("4321", T0 + 10_000).unwrap_err();
    assert!(matches!(err, Error::PinBackoff { wait_ms: 20_000 }), "{err:?}");
    assert_eq!(err.code(), "pin_backoff");
    assert!(err.message_zh().contains("20 秒"), "{err}");
    assert_eq!(store.lock_state(T0 + 10_000).unwrap(), LockState::Locked { wait_ms: 20_000 });

    drop(store);
    let store = Store::open_encrypted(dir.path(), &key(1), None).unwrap();
    assert!(matches!(store.unlock_with_pin("4321", T0 + 29_999), Err(Error::PinBackoff { .. })));
    assert!(matches!(store.unlock_with_pin("1111", T0 + 30_000), Err(Error::PinWrong { wait_ms: 60_000 })));
    assert!(matches!(store.unlock_with_pin("4321", T0 + 80_000), Err(Error::PinBackoff { wait_ms: 10_000 })));
    store.unlock_with_pin("4321", T0 + 90_000).unwrap();
    // A success starts the count again.
    store.lock_now().unwrap();
    assert!(matches!(store.unlock_with_pin("1111", T0 + 91_000), Err(Error::PinWrong { wait_ms: 0 })));
}

#[test]
fn a_wiped_store_is_gone_from_disk_and_refuses_everything() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_encrypted(dir.path(), &key(1), None).unwrap();
    let (id, _, hash) = fill(&store);
    store.wipe().unwrap();
    assert!(store.is_wiped());
    assert_eq!(count_files(dir.path()), 0, "database, WAL, evidence: all gone");
    let err = store.check_access(T0).unwrap_err();
    assert_eq!(err.code(), "device_revoked");
    assert!(err.message_zh().contains("本机已被管理员停用"), "{err}");
    assert!(matches!(store.lock_state(T0), Err(Error::DeviceRevoked)));
    assert!(matches!(store.unlock_with_biometrics(T0), Err(Error::DeviceRevoked)));
    assert!(store.evidence_bytes(&hash).is_err());
    assert!(store.inspection(&id).is_err(), "nothing left in memory either");
    assert!(matches!(sync::SyncAccount::of_store(&store), Err(Error::DeviceRevoked)));
    store.wipe().unwrap();
    assert_eq!(count_files(dir.path()), 0, "a late call wrote nothing");
}
