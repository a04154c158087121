//! What the camera wrote into the photo: capture time, position, orientation, make and model.

use super::Flag;
use exif::{In, Reader, Tag, Value};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExifSummary {
    pub make: Option<String>,
    pub model: Option<String>,
    /// EXIF orientation 1..=8 (1 when absent or out of range, which is flagged).
    pub orientation: u16,
    /// Capture time in ms since the epoch: the GPS UTC stamp when present, else
    /// DateTimeOriginal with its offset (China Standard Time when no offset is written).
    pub captured_at_ms: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// What the camera wrote, and what about it a reviewer should look at.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ExifReading {
    /// None when the photo has no readable EXIF.
    pub summary: Option<ExifSummary>,
    pub flags: Vec<Flag>,
}

/// Reads the EXIF of a JPEG. Nothing here refuses the photo: whatever the camera wrote or
/// failed to write (no EXIF, a junk GPS block, an orientation outside 1..=8) is flagged and
/// the part that cannot be trusted is left out of the summary.
pub(crate) fn read_exif(jpeg: &[u8]) -> ExifReading {
    // Broken fields are skipped rather than losing the whole block: a camera that writes one
    // bad entry still says when and with what the photo was taken.
    let read = Reader::new().continue_on_error(true).read_from_container(&mut std::io::Cursor::new(jpeg));
    let mut flags = Vec::new();
    let exif = match read {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => {
            flags.push(Flag::ExifUnreadable);
            partial.into_inner().0
        }
        Err(exif::Error::NotFound(_)) => return ExifReading { summary: None, flags: vec![Flag::NoExif] },
        Err(_) => return ExifReading { summary: None, flags: vec![Flag::ExifUnreadable] },
    };
    let text = |tag| exif.get_field(tag, In::PRIMARY).and_then(|f| ascii(&f.value));
    let written = exif.get_field(Tag::Orientation, In::PRIMARY).map(|f| f.value.get_uint(0));
    let orientation = match written {
        None => 1,
        Some(Some(o @ 1..=8)) => o as u16,
        Some(other) => {
            // A tag of the wrong type reads as 0: equally unusable.
            flags.push(Flag::ExifOrientationInvalid { orientation: other.unwrap_or(0) });
            1
        }
    };
    let has_gps = [Tag::GPSLatitude, Tag::GPSLongitude, Tag::GPSLatitudeRef, Tag::GPSLongitudeRef]
        .iter()
        .any(|t| exif.get_field(*t, In::PRIMARY).is_some());
    let lat = coordinate(&exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, 'S', 90.0);
    let lon = coordinate(&exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, 'W', 180.0);
    let (lat, lon) = match (lat, lon) {
        (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
        _ => {
            if has_gps {
                flags.push(Flag::ExifGpsInvalid);
            }
            (None, None)
        }
    };
    let gps_time = gps_utc_ms(&exif);
    let local_time = text(Tag::DateTimeOriginal).or_else(|| text(Tag::DateTime)).and_then(|t| {
        let offset = text(Tag::OffsetTimeOriginal).unwrap_or_else(|| "+08:00".into());
        chrono::DateTime::parse_from_str(&format!("{} {}", t.trim(), offset.trim()), "%Y:%m:%d %H:%M:%S %:z").ok()
    });
    let summary = ExifSummary {
        make: text(Tag::Make),
        model: text(Tag::Model),
        orientation,
        captured_at_ms: gps_time.or(local_time.map(|t| t.timestamp_millis())),
        lat,
        lon,
    };
    ExifReading { summary: Some(summary), flags }
}

fn ascii(v: &Value) -> Option<String> {
    match v {
        Value::Ascii(parts) => parts
            .first()
            .map(|p| String::from_utf8_lossy(p).trim_end_matches('\0').trim().to_owned())
            .filter(|s| !s.is_empty()),
        _ => None,
    }
}

fn coordinate(exif: &exif::Exif, tag: Tag, reference: Tag, negative: char, max: f64) -> Option<f64> {
    let Value::Rational(parts) = &exif.get_field(tag, In::PRIMARY)?.value else { return None };
    if parts.len() != 3 || parts.iter().any(|r| r.denom == 0) {
        return None;
    }
    let deg = parts[0].to_f64() + parts[1].to_f64() / 60.0 + parts[2].to_f64() / 3600.0;
    let sign = match ascii(&exif.get_field(reference, In::PRIMARY)?.value)?.chars().next()? {
        c if c == negative => -1.0,
        'N' | 'E' => 1.0,
        _ => return None,
    };
    (deg.is_finite() && deg <= max).then_some(sign * deg)
}

fn gps_utc_ms(exif: &exif::Exif) -> Option<i64> {
    let date = ascii(&exif.get_field(Tag::GPSDateStamp, In::PRIMARY)?.value)?;
    let Value::Rational(t) = &exif.get_field(Tag::GPSTimeStamp, In::PRIMARY)?.value else { return None };
    if t.len() != 3 || t.iter().any(|r| r.denom == 0) {
        return None;
    }
    let (h, m, sec) = (t[0].to_f64(), t[1].to_f64(), t[2].to_f64());
    if !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&m) || !(0.0..61.0).contains(&sec) {
        return None;
    }
    let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y:%m:%d").ok()?;
    let secs = h * 3600.0 + m * 60.0 + sec;
    let midnight = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
    Some(midnight + (secs * 1000.0).round() as i64)
}
