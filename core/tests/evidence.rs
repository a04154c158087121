//! Evidence that stands up: photos kept byte for byte, EXIF, thumbnails, GPS rules, signed
//! items on a device chain, offline verification, refusal of bad input.

mod common;

use common::*;
use rand::Rng;
use xuncha_core::evidence::{Check, DeviceSigner, SoftwareSigner};
use xuncha_core::*;

const LAT: f64 = 26.6121;
const LON: f64 = 106.9213;
const T0: i64 = 1_790_000_000_000;

fn inspection(store: &Store) -> String {
    store.start_inspection(new_inspection(Shift::Day, None)).unwrap()
}

fn capture(record: &str, item: Option<&str>, at_ms: i64) -> Capture {
    Capture {
        record_id: record.into(),
        item_id: item.map(Into::into),
        gps: Some(fix_at(LAT, LON, at_ms)),
        corrects: None,
    }
}

#[test]
fn a_photo_is_kept_byte_for_byte_with_exif_thumbnail_and_link() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let jpeg = photo_at(1, LAT, LON, T0, 6);
    let item = store.add_photo(&jpeg, &capture(&id, Some("I01"), T0)).unwrap();

    assert_eq!(store.evidence_bytes(&item.payload.content_hash).unwrap(), jpeg, "original kept byte for byte");
    use sha2_check::sha256;
    assert_eq!(item.payload.content_hash, sha256(&jpeg));
    let exif = item.payload.exif.as_ref().unwrap();
    assert_eq!(
        (exif.make.as_deref(), exif.model.as_deref(), exif.orientation),
        (Some("Xiaomi"), Some("Redmi Note 12"), 6)
    );
    assert_eq!(exif.captured_at_ms, Some(T0));
    assert!((exif.lat.unwrap() - LAT).abs() < 1e-6 && (exif.lon.unwrap() - LON).abs() < 1e-6);
    assert!(item.payload.flags.is_empty(), "{:?}", item.payload.flags);
    assert_eq!((item.payload.officer.as_str(), item.payload.cert_no.as_str()), ("林晓雯", "QS-JY-2023-0117"));

    // Stored 1200x900 with orientation 6: the upright thumbnail is portrait, 320 on the long side.
    let thumb = image::load_from_memory(&store.thumbnail(&item.payload.content_hash).unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (240, 320));

    let links = store.inspection(&id).unwrap().evidence;
    assert_eq!(links.len(), 1);
    assert_eq!(item.entry_hash, links[0].entry_hash);
    assert_eq!(links[0].item_id.as_deref(), Some("I01"));
    assert!(store.verify_record(&id).unwrap().ok());
}

mod sha2_check {
    pub fn sha256(b: &[u8]) -> String {
        // Independent of the store's own hashing: the system's sha256sum.
        use std::io::Write;
        let mut child = std::process::Command::new("sha256sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b).unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_owned()
    }
}

#[test]
fn the_same_photo_twice_is_stored_once_and_a_retry_is_the_same_item() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let jpeg = photo_at(2, LAT, LON, T0, 1);
    let a = store.add_photo(&jpeg, &capture(&id, Some("I01"), T0)).unwrap();
    let retry = store.add_photo(&jpeg, &capture(&id, Some("I01"), T0)).unwrap();
    assert_eq!(a, retry);
    let b = store.add_photo(&jpeg, &capture(&id, Some("I02"), T0)).unwrap();
    assert_ne!(a.entry_hash, b.entry_hash);
    assert_eq!(a.payload.content_hash, b.payload.content_hash);
    assert_eq!(count_files(&store.evidence_dir()), 1, "one original");
    assert_eq!(store.make_thumbnails(10).unwrap(), 1);
    assert_eq!(store.make_thumbnails(10).unwrap(), 0, "made once");
    assert_eq!(count_files(&store.evidence_dir()), 2, "one original, one thumbnail");
    assert_eq!(store.evidence_for_record(&id).unwrap().len(), 2);
}

#[test]
fn a_yes_answer_with_note_and_evidence_can_be_concluded() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    for item in xuncha_fixtures::checklist().items {
        if !item.place_types.is_empty() || item.only_shift.is_some() {
            continue;
        }
        let v = match item.answer_type {
            AnswerType::YesNo => AnswerValue::No,
            AnswerType::Count => AnswerValue::Count(6),
            AnswerType::Text => AnswerValue::Text("客厅内6名初中生".into()),
        };
        store.answer_item(&id, &item.id, v, "").unwrap();
    }
    store.answer_item(&id, "I01", AnswerValue::Yes, "一名教师对一名学生讲授数学").unwrap();
    let e = store.conclude_inspection(&id, Conclusion::Confirmed).unwrap_err();
    assert!(e.message_zh().contains("检查项 I01 答“是”，但没有证据"), "{e}");
    store.add_photo(&photo_at(3, LAT, LON, T0, 1), &capture(&id, Some("I01"), T0)).unwrap();
    store.conclude_inspection(&id, Conclusion::Confirmed).unwrap();
    assert_eq!(store.inspection(&id).unwrap().conclusion, Some(Conclusion::Confirmed));
}

#[test]
fn gps_rules_refuse_impossible_fixes_and_flag_doubtful_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let jpeg = photo_at(4, LAT, LON, T0, 1);
    for (bad, word) in [
        (GpsFix { lat: 95.0, ..fix_at(LAT, LON, T0) }, "latitude"),
        (GpsFix { lon: f64::NAN, ..fix_at(LAT, LON, T0) }, "longitude"),
        (GpsFix { accuracy_m: 0.0, ..fix_at(LAT, LON, T0) }, "accuracy"),
    ] {
        let c = Capture { gps: Some(bad), ..capture(&id, None, T0) };
        let e = store.add_photo(&jpeg, &c).unwrap_err();
        assert!(e.to_string().contains(word), "{e}");
    }
    assert!(store.evidence_for_record(&id).unwrap().is_empty());

    let poor = Capture {
        gps: Some(GpsFix { accuracy_m: 120.0, mock: true, ..fix_at(LAT, LON, T0) }),
        ..capture(&id, None, T0)
    };
    let flags = store.add_photo(&jpeg, &poor).unwrap().payload.flags;
    assert!(flags.contains(&Flag::PoorAccuracy { accuracy_m: 120.0, limit_m: 50.0 }), "{flags:?}");
    assert!(flags.contains(&Flag::MockLocation));

    // EXIF says 1.1 km north and 20 minutes later than the fix.
    let far = photo_at(5, LAT + 0.01, LON, T0 + 20 * 60_000, 1);
    let flags = store.add_photo(&far, &capture(&id, None, T0)).unwrap().payload.flags;
    assert!(
        flags
            .iter()
            .any(|f| matches!(f, Flag::ExifPositionMismatch { distance_m } if (1000.0..1200.0).contains(distance_m))),
        "{flags:?}"
    );
    assert!(flags.contains(&Flag::ExifTimeMismatch { seconds: 1200 }), "{flags:?}");

    store.set_server_clock_offset(-5 * 60_000).unwrap();
    let flags = store.add_photo(&photo_at(6, LAT, LON, T0, 1), &capture(&id, None, T0)).unwrap().payload.flags;
    assert_eq!(flags, vec![Flag::ClockSkew { seconds: -300 }]);
    let none = Capture { gps: None, ..capture(&id, None, T0) };
    assert!(store.add_photo(&photo_at(7, LAT, LON, T0, 1), &none).unwrap().payload.flags.contains(&Flag::NoGpsFix));
}

#[test]
fn items_are_signed_once_and_chained_per_device() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let items: Vec<EvidenceItem> =
        (0..3).map(|n| store.add_photo(&photo_at(10 + n, LAT, LON, T0, 1), &capture(&id, None, T0)).unwrap()).collect();
    assert_eq!(items.iter().map(|i| i.payload.chain_seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(items[0].payload.prev, None);
    assert_eq!(items[1].payload.prev.as_deref(), Some(items[0].entry_hash.as_str()));
    assert_eq!(items[2].payload.prev.as_deref(), Some(items[1].entry_hash.as_str()));
    assert!(items.iter().all(|i| i.payload.public_key == store.device_public_key()));
    let report = store.verify_device_chain(&store.identity().device_id).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.items.len(), 3);

    // A correction is a new item pointing at the old one; the old one is untouched.
    let fixed = Capture { corrects: Some(items[1].entry_hash.to_string()), ..capture(&id, Some("I04"), T0) };
    let correction = store.add_photo(&photo_at(10, LAT, LON, T0, 1), &fixed).unwrap();
    assert_eq!(correction.payload.corrects.as_deref(), Some(items[1].entry_hash.as_str()));
    assert_eq!(store.evidence_item(&items[1].entry_hash).unwrap(), items[1]);
    let missing = Capture { corrects: Some("00".repeat(32)), ..capture(&id, None, T0) };
    assert!(store.add_photo(&photo_at(11, LAT, LON, T0, 1), &missing).is_err());

    // Signatures and voice notes get the same treatment.
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(400, 160)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let sig = store.add_signature(&png, &capture(&id, None, T0)).unwrap();
    assert_eq!((sig.payload.kind.as_str(), sig.payload.mime.as_str()), ("signature", "image/png"));
    let voice = store.add_voice_note(b"OggS\0fake-opus-frames", "audio/ogg", &capture(&id, None, T0)).unwrap();
    assert_eq!(voice.payload.chain_seq, 6);
    assert!(store.add_voice_note(b"", "audio/ogg", &capture(&id, None, T0)).is_err());
    assert!(store.add_voice_note(b"x", "text/plain", &capture(&id, None, T0)).is_err());
    assert!(store.add_signature(b"GIF89a", &capture(&id, None, T0)).is_err());
    assert!(store.verify_device_chain(&store.identity().device_id).unwrap().ok());
    assert!(store.verify_record(&id).unwrap().ok());
}

#[test]
fn every_flipped_bit_and_truncation_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let item = store.add_photo(&photo_at(20, LAT, LON, T0, 1), &capture(&id, None, T0)).unwrap();
    let path = store.content_path(&item.payload.content_hash);
    let original = std::fs::read(&path).unwrap();
    let db = rusqlite::Connection::open(store.dir().join("xuncha.db")).unwrap();
    let mut rng = rand::rng();
    let mut detected = 0;
    const TRIALS: usize = 1200;
    for n in 0..TRIALS {
        let expect = match n % 4 {
            // Photo bytes: a flipped bit or a truncation.
            0 | 1 => {
                let mut bad = original.clone();
                if n % 4 == 0 {
                    let i = rng.random_range(0..bad.len());
                    bad[i] ^= 1 << rng.random_range(0..8);
                } else {
                    bad.truncate(rng.random_range(0..bad.len()));
                }
                std::fs::write(&path, &bad).unwrap();
                Check::Bytes
            }
            // Signed metadata or the signature itself.
            2 => {
                let mut payload = item.payload_json.clone().into_bytes();
                let i = rng.random_range(0..payload.len());
                payload[i] ^= 1 << rng.random_range(0..7);
                db.execute("UPDATE evidence SET payload = ?1", [String::from_utf8_lossy(&payload).into_owned()])
                    .unwrap();
                Check::Payload
            }
            _ => {
                let mut sig = hex::decode(&item.signature).unwrap();
                let i = rng.random_range(0..sig.len());
                sig[i] ^= 1 << rng.random_range(0..8);
                db.execute("UPDATE evidence SET signature = ?1", [hex::encode(sig)]).unwrap();
                Check::Signature
            }
        };
        let report = store.verify_evidence(&item.entry_hash).unwrap();
        if report.failed_checks().contains(&expect) {
            detected += 1;
        }
        std::fs::write(&path, &original).unwrap();
        db.execute("UPDATE evidence SET payload = ?1, signature = ?2", [&item.payload_json, &item.signature]).unwrap();
    }
    assert_eq!(detected, TRIALS, "100% of tampering detected");
    assert!(store.verify_evidence(&item.entry_hash).unwrap().ok());

    // A missing file, a missing item in the chain.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(store.verify_evidence(&item.entry_hash).unwrap().failed_checks(), vec![Check::MissingBytes]);
    std::fs::write(&path, &original).unwrap();
    let second = store.add_photo(&photo_at(21, LAT, LON, T0, 1), &capture(&id, None, T0)).unwrap();
    store.add_photo(&photo_at(22, LAT, LON, T0, 1), &capture(&id, None, T0)).unwrap();
    db.execute("DELETE FROM evidence WHERE entry_hash = ?1", [&second.entry_hash]).unwrap();
    let chain = store.verify_device_chain(&store.identity().device_id).unwrap();
    assert!(chain.failed_checks().contains(&Check::MissingItem), "{chain:?}");
    assert!(store.verify_record(&id).unwrap().failed_checks().contains(&Check::MissingItem));
}

#[test]
fn bad_photos_are_refused_clearly_leaving_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let good = photo_at(30, LAT, LON, T0, 1);
    let before = fingerprint(&store);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "照片文件是空的"),
        (b"PNG? no, plain text".to_vec(), "文件不是 JPEG 照片"),
        (good[..good.len() / 2].to_vec(), "照片文件不完整"),
        (good[..good.len() - 2].to_vec(), "照片文件不完整"),
        (xuncha_fixtures::photos::bomb_header(), "60000×60000"),
        // What a camera did (no EXIF, junk GPS) is flagged, not refused: see tests/capture.rs.
    ];
    for (bytes, expected) in cases {
        let e = store.add_photo(&bytes, &capture(&id, None, T0)).unwrap_err();
        assert!(e.message_zh().contains(expected), "expected {expected:?} in {e}");
    }
    let e = store.add_photo(&good, &capture(&id, Some("I77"), T0)).unwrap_err();
    assert!(matches!(e, Error::UnknownItem { .. }), "{e}");
    let e = store.add_photo(&good, &capture("insp-nope", None, T0)).unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    assert_eq!(count_files(&store.evidence_dir()), 0, "no orphan file");
    assert_eq!(fingerprint(&store), before, "no half-written row");
    assert!(store.evidence_for_record(&id).unwrap().is_empty());
}

#[test]
fn a_full_disk_mid_write_leaves_no_file_and_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir_all(&mnt).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1500k", "tmpfs"])
        .arg(&mnt)
        .status()
        .unwrap();
    assert!(ok.success(), "this test mounts a small tmpfs and needs root");
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    let store = store_at(&mnt.join("store"), 0);
    let id = inspection(&store);
    let big = xuncha_fixtures::photos::twelve_megapixel(40, LAT, LON);
    let before = fingerprint(&store);
    let e = store.add_photo(&big, &capture(&id, None, T0)).unwrap_err();
    assert!(e.to_string().to_lowercase().contains("no space left"), "{e}");
    assert_eq!(count_files(&store.evidence_dir()), 0, "the partial file was removed");
    assert_eq!(fingerprint(&store), before);
    // The store keeps working once there is room.
    let small = photo_at(41, LAT, LON, T0, 1);
    store.add_photo(&small, &capture(&id, None, T0)).unwrap();
    assert!(store.verify_record(&id).unwrap().ok());
}

#[test]
fn a_platform_keystore_can_hold_the_device_key() {
    /// A platform key store that can be told to fail (key invalidated, user not authenticated).
    struct Keystore(SoftwareSigner, std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl DeviceSigner for Keystore {
        fn public_key(&self) -> [u8; 32] {
            self.0.public_key()
        }
        fn sign(&self, m: &[u8]) -> Result<[u8; 64]> {
            if self.1.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(Error::KeyStore { why: "设备密钥库未能签名".into() });
            }
            self.0.sign(m)
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let key = SoftwareSigner::from_secret([7u8; 32]);
    let public = hex::encode(key.public_key());
    let failing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let store = Store::open_with_signer(dir.path(), Some(Box::new(Keystore(key, failing.clone())))).unwrap();
    store.sign_in(xuncha_fixtures::officers()[0].clone()).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    let id = inspection(&store);
    let item = store.add_photo(&photo_at(50, LAT, LON, T0, 1), &capture(&id, None, T0)).unwrap();
    assert_eq!(item.payload.public_key, public);
    assert!(store.verify_evidence(&item.entry_hash).unwrap().ok());
    let secret: Option<Vec<u8>> = rusqlite::Connection::open(dir.path().join("xuncha.db"))
        .unwrap()
        .query_row("SELECT secret_key FROM device_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(secret, None, "the secret never touches the database");

    // The key store fails: every write that signs is refused as an ordinary error, and nothing
    // is stored, neither the answer nor the photo.
    failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let before = store.inspection(&id).unwrap();
    let e = store.answer_item(&id, "I01", AnswerValue::No, "").unwrap_err();
    assert_eq!(e.code(), "key_store", "{e:?}");
    assert!(e.message_zh().contains("本次操作未保存"), "{}", e.message_zh());
    let e = store.add_photo(&photo_at(51, LAT, LON, T0, 1), &capture(&id, None, T0)).unwrap_err();
    assert_eq!(e.code(), "key_store", "{e:?}");
    assert_eq!(store.inspection(&id).unwrap(), before, "nothing of the refused writes is kept");
    // Once it works again, so does the store, with no gap in the chain.
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    store.answer_item(&id, "I01", AnswerValue::No, "").unwrap();
    let next = store.add_photo(&photo_at(52, LAT, LON, T0, 1), &capture(&id, None, T0)).unwrap();
    assert_eq!(next.payload.chain_seq, item.payload.chain_seq + 1);
    assert!(store.verify_device_chain(&store.identity().device_id).unwrap().ok());
}

#[test]
fn patrols_and_cases_take_photos_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 4);
    let patrol = store.start_patrol("qs-yx-gx-hq-g1").unwrap();
    let case = store
        .open_case(&NewCase {
            jurisdiction_id: "qs-yx-gx-hq-g1".into(),
            source: CaseSource::Tip,
            summary: "随手拍".into(),
            inspection_id: None,
            deadline_ms: None,
        })
        .unwrap();
    for record in [&patrol, &case] {
        let item = store.add_photo(&photo_at(60, LAT, LON, T0, 1), &capture(record, None, T0)).unwrap();
        assert_eq!(store.evidence_for_record(record).unwrap(), vec![item]);
        assert!(store.verify_record(record).unwrap().ok());
    }
    let e = store.add_photo(&photo_at(61, LAT, LON, T0, 1), &capture(&patrol, Some("I01"), T0)).unwrap_err();
    assert!(e.message_zh().contains("只有检查记录有检查项"), "{e}");
}

#[test]
fn a_file_that_cannot_be_read_is_an_error_not_missing_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let item = store.add_photo(&photo_at(71, LAT, LON, T0, 1), &capture(&id, Some("I01"), T0)).unwrap();
    let hash = item.payload.content_hash.clone();
    // A directory where the file should be: reading fails, and not with "no such file".
    let path = store.content_path(&hash);
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let e = store.evidence_bytes(&hash).unwrap_err();
    assert!(matches!(e, Error::Io(_)), "an unreadable file is a storage error, not absent: {e:?}");
    let e = store.verify_record(&id).unwrap_err();
    assert!(matches!(e, Error::Io(_)), "verification fails loudly instead of reporting missing bytes: {e:?}");
    assert!(matches!(store.thumbnail(&hash), Err(Error::Io(_))));

    // Truly absent bytes are reported as missing, and verification names the check.
    std::fs::remove_dir(&path).unwrap();
    assert!(matches!(store.evidence_bytes(&hash), Err(Error::NotFound { .. })));
    let report = store.verify_record(&id).unwrap();
    assert_eq!(report.failed_checks(), vec![Check::MissingBytes]);
}
