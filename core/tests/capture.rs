//! Evidence is never refused at capture for what a camera did: photos without EXIF, in CMYK,
//! YCCK or grayscale, progressive, with junk or impossible EXIF GPS, an orientation outside
//! 1..=8 or a camera clock far off are kept byte for byte and flagged; only what is not a
//! complete image is refused. Thumbnails come out upright and in normal colour.

mod common;

use common::*;
use xuncha_core::*;
use xuncha_fixtures::photos::{self, CARD_CORNER, CARD_LEFT, CARD_RIGHT, Coding, PhotoSpec};

const LAT: f64 = 26.6121;
const LON: f64 = 106.9213;
const T0: i64 = 1_790_000_000_000;

fn inspection(store: &Store) -> String {
    store.start_inspection(new_inspection(Shift::Day, None)).unwrap()
}

fn capture(record: &str, gps: Option<GpsFix>) -> Capture {
    Capture { record_id: record.into(), item_id: None, gps, corrects: None }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// What a reviewer must see for one camera oddity.
struct Oddity {
    name: &'static str,
    bytes: Vec<u8>,
    gps: Option<GpsFix>,
    /// Flags that must be there.
    flags: Vec<Flag>,
    /// Flags that must not be there (they would say the same thing twice, or wrongly).
    not: Vec<Flag>,
}

fn oddities() -> Vec<Oddity> {
    let fix = || Some(fix_at(LAT, LON, T0));
    let at = |seed| spec_at(seed, LAT, LON, T0, 1);
    vec![
        Oddity {
            name: "no EXIF at all",
            bytes: photos::jpeg(&PhotoSpec { exif: None, ..at(1) }),
            gps: fix(),
            flags: vec![Flag::NoExif],
            not: vec![Flag::NoExifPosition],
        },
        Oddity {
            name: "grayscale",
            bytes: photos::jpeg_coded(&at(2), Coding::Grayscale),
            gps: fix(),
            flags: vec![Flag::GrayscaleColour],
            not: vec![],
        },
        Oddity {
            name: "Adobe CMYK (inverted)",
            bytes: photos::jpeg_coded(&at(3), Coding::AdobeCmyk),
            gps: fix(),
            flags: vec![Flag::CmykColour],
            not: vec![],
        },
        Oddity {
            name: "Adobe YCCK",
            bytes: photos::jpeg_coded(&at(4), Coding::AdobeYcck),
            gps: fix(),
            flags: vec![Flag::CmykColour],
            not: vec![],
        },
        Oddity {
            name: "progressive",
            bytes: photos::jpeg_coded(&at(5), Coding::Progressive),
            gps: fix(),
            flags: vec![],
            not: vec![],
        },
        Oddity {
            name: "GPS of wrong types and counts, 0/0 rationals",
            bytes: photos::garbage_gps_exif(6),
            gps: fix(),
            flags: vec![Flag::ExifGpsInvalid],
            not: vec![Flag::NoExifPosition, Flag::NoExif, Flag::ExifUnreadable],
        },
        Oddity {
            name: "GPS off the globe (95° N, 200° E)",
            bytes: photos::out_of_range_gps(7),
            gps: fix(),
            flags: vec![Flag::ExifGpsInvalid],
            not: vec![Flag::NoExifPosition],
        },
        Oddity {
            name: "orientation 9",
            bytes: photos::bad_orientation(8, 9),
            gps: fix(),
            flags: vec![Flag::ExifOrientationInvalid { orientation: 9 }],
            not: vec![],
        },
        Oddity {
            name: "orientation 0",
            bytes: photos::bad_orientation(9, 0),
            gps: fix(),
            flags: vec![Flag::ExifOrientationInvalid { orientation: 0 }],
            not: vec![],
        },
        Oddity {
            name: "camera clock reset to 2000, no fix",
            bytes: photos::clock_reset(10),
            gps: None,
            flags: vec![Flag::NoGpsFix],
            not: vec![],
        },
    ]
}

#[test]
fn every_camera_oddity_is_kept_byte_for_byte_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    for odd in oddities() {
        let name = odd.name;
        let c = capture(&id, odd.gps.clone());
        let item = store.add_photo(&odd.bytes, &c).unwrap_or_else(|e| panic!("{name}: refused: {e}"));
        let flags = &item.payload.flags;
        for f in &odd.flags {
            assert!(flags.contains(f), "{name}: {f:?} missing from {flags:?}");
        }
        for f in &odd.not {
            assert!(!flags.contains(f), "{name}: {f:?} should not be in {flags:?}");
        }
        // Kept exactly as the camera wrote it, named by the hash of those bytes.
        assert_eq!(item.payload.content_hash, sha256_hex(&odd.bytes), "{name}");
        assert_eq!(store.evidence_bytes(&item.payload.content_hash).unwrap(), odd.bytes, "{name}");
        assert_eq!(item.payload.size, odd.bytes.len() as u64, "{name}");
        // The device fix, never EXIF, is where the evidence was taken.
        assert_eq!(item.payload.gps, odd.gps, "{name}");
        // Signed like any other item, and the flags are in what was signed.
        assert!(store.verify_evidence(&item.entry_hash).unwrap().ok(), "{name}");
        let signed: serde_json::Value = serde_json::from_str(&item.payload_json).unwrap();
        let codes: Vec<&str> =
            signed["flags"].as_array().unwrap().iter().map(|f| f["flag"].as_str().unwrap()).collect();
        assert_eq!(codes, flags.iter().map(Flag::code).collect::<Vec<_>>(), "{name}");
        // A thumbnail can be made of each.
        let thumb = image::load_from_memory(&store.thumbnail(&item.payload.content_hash).unwrap()).unwrap();
        assert_eq!(thumb.width().max(thumb.height()), 320, "{name}");
    }
    assert_eq!(store.evidence_for_record(&id).unwrap().len(), oddities().len());
    assert!(store.verify_record(&id).unwrap().ok());
}

#[test]
fn what_each_oddity_leaves_in_the_exif_summary() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let fix = Some(fix_at(LAT, LON, T0));
    let add = |bytes: &[u8], gps: Option<GpsFix>| store.add_photo(bytes, &capture(&id, gps)).unwrap().payload;

    let no_exif = add(&photos::jpeg(&PhotoSpec { exif: None, ..spec_at(20, LAT, LON, T0, 1) }), fix.clone());
    assert_eq!(no_exif.exif, None);

    // Junk GPS: make, model and time still read; the position is unknown, not made up.
    let junk = add(&photos::garbage_gps_exif(21), fix.clone());
    let exif = junk.exif.unwrap();
    assert_eq!((exif.make.as_deref(), exif.lat, exif.lon), (Some("Xiaomi"), None, None));
    assert!(exif.captured_at_ms.is_some());

    // An orientation outside 1..=8 is shown as stored.
    let turned = add(&photos::bad_orientation(22, 9), fix.clone());
    assert_eq!(turned.exif.unwrap().orientation, 1);

    // Only the flags the photo deserves: a good fix where and when a grayscale photo was taken.
    let gray = add(&photos::jpeg_coded(&spec_at(23, LAT, LON, T0, 1), Coding::Grayscale), fix.clone());
    assert_eq!(gray.flags, vec![Flag::GrayscaleColour]);
    let cmyk = add(&photos::jpeg_coded(&spec_at(24, LAT, LON, T0, 6), Coding::AdobeCmyk), fix.clone());
    assert_eq!(cmyk.flags, vec![Flag::CmykColour]);
    assert_eq!(cmyk.exif.unwrap().orientation, 6);
}

#[test]
fn exif_time_is_checked_against_the_fix_or_else_the_device_clock() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let now = chrono::Utc::now().timestamp_millis();

    // No fix (a basement): EXIF from 2000 is far from the device clock.
    let reset = store.add_photo(&photos::clock_reset(30), &capture(&id, None)).unwrap().payload.flags;
    let far = reset.iter().find_map(|f| match f {
        Flag::ExifTimeFarOff { seconds } => Some(*seconds),
        _ => None,
    });
    let expected = (946_684_800_000 - 8 * 3_600_000 - now) / 1000; // 2000-01-01 00:00 in China
    assert!(far.is_some_and(|s| (s - expected).abs() < 120), "{reset:?}, expected about {expected}");

    // No fix, EXIF written moments ago by this phone's camera: nothing to flag about time.
    let fresh = store.add_photo(&photo_at(31, LAT, LON, now - 5_000, 1), &capture(&id, None)).unwrap();
    assert_eq!(fresh.payload.flags, vec![Flag::NoGpsFix]);

    // With a fix, the fix's time is the reference (ExifTimeMismatch), not the device clock.
    let late = photo_at(32, LAT, LON, T0 + 3 * 3_600_000, 1);
    let flags = store.add_photo(&late, &capture(&id, Some(fix_at(LAT, LON, T0)))).unwrap().payload.flags;
    assert_eq!(flags, vec![Flag::ExifTimeMismatch { seconds: 3 * 3600 }]);
}

#[test]
fn only_what_is_not_a_complete_image_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let good = photo_at(40, LAT, LON, T0, 1);
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(64, 64)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    // A frame header claiming two colour components: no decoder shows such a file.
    let mut two_components = photos::jpeg(&PhotoSpec { exif: None, ..spec_at(41, LAT, LON, T0, 1) });
    let sof = two_components.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    two_components[sof + 9] = 2;
    let before = fingerprint(&store);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "照片文件是空的"),
        ("text", b"not a photo at all".to_vec(), "文件不是 JPEG 照片"),
        ("a PNG", png, "文件不是 JPEG 照片"),
        ("half a JPEG", good[..good.len() / 2].to_vec(), "照片文件不完整"),
        ("no end marker", good[..good.len() - 2].to_vec(), "照片文件不完整"),
        ("the first 20 bytes", good[..20].to_vec(), "照片文件不完整"),
        ("a decompression bomb", photos::bomb_header(), "60000×60000"),
        ("two colour components", two_components, "有 2 个颜色通道"),
    ];
    for (name, bytes, expected) in cases {
        let e = store.add_photo(&bytes, &capture(&id, Some(fix_at(LAT, LON, T0)))).unwrap_err();
        assert!(matches!(e, Error::Invalid { field: "photo", .. }), "{name}: {e:?}");
        assert!(e.message_zh().contains(expected), "{name}: expected {expected:?} in {e}");
    }
    assert_eq!(fingerprint(&store), before, "nothing written");
    assert!(store.evidence_for_record(&id).unwrap().is_empty());
}

/// Within `tolerance` on every channel (the card goes through two lossy JPEG encodings).
fn near(got: [u8; 3], want: [u8; 3], tolerance: u8) -> bool {
    got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= tolerance)
}

fn gray(c: [u8; 3]) -> [u8; 3] {
    let [r, g, b] = c.map(u32::from);
    let y = ((299 * r + 587 * g + 114 * b + 500) / 1000) as u8;
    [y, y, y]
}

#[test]
fn thumbnails_are_upright_and_in_normal_colour_whatever_the_coding() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = inspection(&store);
    let codings = [Coding::Baseline, Coding::Progressive, Coding::AdobeCmyk, Coding::AdobeYcck, Coding::Grayscale];
    let mut checked = 0;
    for coding in codings {
        for orientation in 1..=8u16 {
            let what = format!("{coding:?}, orientation {orientation}");
            let card = photos::test_card(640, 480, orientation, coding);
            let item = store.add_photo(&card, &capture(&id, Some(fix_at(LAT, LON, T0)))).unwrap();
            let thumb =
                image::load_from_memory(&store.thumbnail(&item.payload.content_hash).unwrap()).unwrap().to_rgb8();
            let (w, h) = thumb.dimensions();
            // Displayed size: stored 640x480, so 5..=8 are portrait.
            let want_size = if orientation >= 5 { (240, 320) } else { (320, 240) };
            assert_eq!((w, h), want_size, "{what}");
            let colour = |c: [u8; 3]| if coding == Coding::Grayscale { gray(c) } else { c };
            let at = |x: u32, y: u32| thumb.get_pixel(x, y).0;
            for (x, y, want, part) in [
                (w / 4, h * 3 / 4, CARD_LEFT, "left half"),
                (w * 3 / 4, h / 2, CARD_RIGHT, "right half"),
                (w / 16, h / 16, CARD_CORNER, "top-left corner"),
                (w * 15 / 16, h / 16, CARD_RIGHT, "top-right corner"),
                (w / 16, h * 15 / 16, CARD_LEFT, "bottom-left corner"),
            ] {
                let got = at(x, y);
                assert!(
                    near(got, colour(want), 40),
                    "{what}: {part} at ({x}, {y}) is {got:?}, want {:?}",
                    colour(want)
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 8 * 5);
}

#[test]
fn flags_have_stable_codes_chinese_labels_and_unknown_ones_still_parse() {
    let examples = [
        Flag::PoorAccuracy { accuracy_m: 120.0, limit_m: 50.0 },
        Flag::MockLocation,
        Flag::NoGpsFix,
        Flag::NoExifPosition,
        Flag::ExifPositionMismatch { distance_m: 1100.0 },
        Flag::ExifTimeMismatch { seconds: -1200 },
        Flag::ClockSkew { seconds: 300 },
        Flag::NoExif,
        Flag::ExifUnreadable,
        Flag::ExifGpsInvalid,
        Flag::ExifOrientationInvalid { orientation: 9 },
        Flag::ExifTimeFarOff { seconds: -850_000_000 },
        Flag::CmykColour,
        Flag::GrayscaleColour,
        Flag::Other,
    ];
    assert_eq!(examples.iter().map(Flag::code).collect::<Vec<_>>(), evidence::FLAG_CODES);
    for f in &examples {
        let json = serde_json::to_value(f).unwrap();
        assert_eq!(json["flag"], f.code(), "the code is the signed tag");
        assert_eq!(&serde_json::from_value::<Flag>(json).unwrap(), f, "round trip");
        let label = f.label_zh();
        assert!(label.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{label}");
    }
    assert_eq!(Flag::ExifPositionMismatch { distance_m: 1100.0 }.label_zh(), "照片位置与定位相距 1100 米");
    assert_eq!(Flag::ExifTimeFarOff { seconds: -850_000_000 }.label_zh(), "照片时间与设备时钟相差 9837 天");
    assert_eq!(Flag::ExifTimeMismatch { seconds: -1200 }.label_zh(), "照片时间与定位时间相差 20 分钟");
    // A flag from a newer app, with fields this version has never seen, still parses.
    let newer: Flag = serde_json::from_str(r#"{"flag":"lens_smudged","score":0.9}"#).unwrap();
    assert_eq!(newer, Flag::Other);
}
