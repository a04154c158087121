//! Evidence (证据): photos, the inspected party's signature, voice notes, each fixed at
//! capture: kept byte for byte under its SHA-256, described by metadata signed once by the
//! device key and appended to the device's hash chain, never edited afterwards.

mod chain;
mod exif;
mod gps;
mod hash;
mod photo;
mod signer;
mod verify;

pub use chain::{EvidenceItem, EvidencePayload, PAYLOAD_VERSION, SignedEntry};
pub use exif::ExifSummary;
pub(crate) use gps::distance_m as gps_distance_m;
pub use gps::{GpsFix, GpsProvider};
pub use hash::{ContentHash, EntryHash};
pub use photo::{MAX_PIXELS, THUMBNAIL_EDGE};
pub use signer::{DeviceSigner, SoftwareSigner};
pub use verify::{Check, ItemCheck, VerifyReport, verify_signed_entry};

pub(crate) use chain::is_record_id;
pub(crate) use exif::read_exif;
pub(crate) use photo::{check_png, inspect_jpeg, thumbnail};
pub(crate) use verify::{verify_chain_links, verify_items};

use serde::{Deserialize, Serialize};

crate::model::wire_enum!(
    /// What a piece of evidence is.
    EvidenceKind { Photo = "photo", Signature = "signature", VoiceNote = "voice_note" }
);

/// Where and when it was captured, and what it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    pub record_id: String,
    pub item_id: Option<String>,
    /// The location fix at capture, if the phone had one.
    pub gps: Option<GpsFix>,
    /// A correction names the evidence entry it corrects; the old entry stays as it was.
    pub corrects: Option<String>,
}

/// Something about a piece of evidence that a reviewer should look at. Flags never refuse
/// evidence: a blurry fix in a basement is still evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// The GPS fix is less accurate than the checklist's rule.
    PoorAccuracy { accuracy_m: f64, limit_m: f64 },
    /// The phone reported a mock (simulated) location.
    MockLocation,
    /// No GPS fix came with the capture.
    NoGpsFix,
    /// The photo's EXIF has no position.
    NoExifPosition,
    /// EXIF position and the GPS fix are far apart.
    ExifPositionMismatch { distance_m: f64 },
    /// EXIF capture time and the fix time are far apart.
    ExifTimeMismatch { seconds: i64 },
    /// The device clock differed from the server's at the last sync.
    ClockSkew { seconds: i64 },
}

/// Thresholds for the flags above.
pub const EXIF_DISTANCE_LIMIT_M: f64 = 200.0;
pub const EXIF_TIME_LIMIT_S: i64 = 600;
pub const CLOCK_SKEW_LIMIT_S: i64 = 120;
/// Accuracy rule for records whose template sets none.
pub const DEFAULT_ACCURACY_LIMIT_M: f64 = 50.0;
/// Largest voice note or signature accepted.
pub const MAX_OTHER_BYTES: usize = 32 * 1024 * 1024;
/// Largest photo accepted.
pub const MAX_PHOTO_BYTES: usize = 64 * 1024 * 1024;
