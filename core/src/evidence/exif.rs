//! What the camera wrote into the photo: capture time, position, orientation, make and model.

use crate::{Error, Result};
use exif::{In, Reader, Tag, Value};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExifSummary {
    pub make: Option<String>,
    pub model: Option<String>,
    /// EXIF orientation 1..=8 (1 when absent).
    pub orientation: u16,
    /// Capture time in ms since the epoch: the GPS UTC stamp when present, else
    /// DateTimeOriginal with its offset (China Standard Time when no offset is written).
    pub captured_at_ms: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Reads the EXIF of a JPEG. A photo without EXIF, or with a GPS block that cannot be read,
/// is refused: the in-app camera always writes EXIF, so its absence means the bytes did not
/// come straight from the camera. A photo without any GPS block is fine (no fix indoors).
pub(crate) fn read_exif(jpeg: &[u8]) -> Result<ExifSummary> {
    let exif = Reader::new().read_from_container(&mut std::io::Cursor::new(jpeg)).map_err(|e| {
        Error::invalid("photo", format!("it has no readable EXIF metadata ({e}); take it with the in-app camera"))
    })?;
    let text = |tag| exif.get_field(tag, In::PRIMARY).and_then(|f| ascii(&f.value));
    let orientation = exif.get_field(Tag::Orientation, In::PRIMARY).and_then(|f| f.value.get_uint(0)).unwrap_or(1);
    if !(1..=8).contains(&orientation) {
        return Err(Error::invalid("photo", format!("EXIF orientation {orientation} is not 1..8")));
    }
    let has_gps = [Tag::GPSLatitude, Tag::GPSLongitude, Tag::GPSLatitudeRef, Tag::GPSLongitudeRef]
        .iter()
        .any(|t| exif.get_field(*t, In::PRIMARY).is_some());
    let (lat, lon) = if has_gps {
        let lat = coordinate(&exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, 'S', 90.0);
        let lon = coordinate(&exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, 'W', 180.0);
        match (lat, lon) {
            (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
            _ => return Err(Error::invalid("photo", "its EXIF GPS position is malformed")),
        }
    } else {
        (None, None)
    };
    let gps_time = gps_utc_ms(&exif);
    let local_time = text(Tag::DateTimeOriginal).or_else(|| text(Tag::DateTime)).and_then(|t| {
        let offset = text(Tag::OffsetTimeOriginal).unwrap_or_else(|| "+08:00".into());
        chrono::DateTime::parse_from_str(&format!("{} {}", t.trim(), offset.trim()), "%Y:%m:%d %H:%M:%S %:z").ok()
    });
    Ok(ExifSummary {
        make: text(Tag::Make),
        model: text(Tag::Model),
        orientation: orientation as u16,
        captured_at_ms: gps_time.or(local_time.map(|t| t.timestamp_millis())),
        lat,
        lon,
    })
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
    (deg <= max).then_some(sign * deg)
}

fn gps_utc_ms(exif: &exif::Exif) -> Option<i64> {
    let date = ascii(&exif.get_field(Tag::GPSDateStamp, In::PRIMARY)?.value)?;
    let Value::Rational(t) = &exif.get_field(Tag::GPSTimeStamp, In::PRIMARY)?.value else { return None };
    if t.len() != 3 || t.iter().any(|r| r.denom == 0) {
        return None;
    }
    let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y:%m:%d").ok()?;
    let secs = t[0].to_f64() * 3600.0 + t[1].to_f64() * 60.0 + t[2].to_f64();
    let midnight = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
    Some(midnight + (secs * 1000.0).round() as i64)
}
