//! Evidence (证据): photos, the inspected party's signature, voice notes, each fixed at
//! capture: kept byte for byte under its SHA-256, described by metadata signed once by the
//! device key and appended to the device's hash chain, never edited afterwards.

mod chain;
pub(crate) mod exif;
mod gps;
mod hash;
pub(crate) mod photo;
mod signed_codec;
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
pub(crate) use exif::{ExifReading, read_exif};
pub(crate) use photo::{check_png, inspect_jpeg, thumbnail};
pub(crate) use verify::{verify_chain_links, verify_items};

use serde::{Deserialize, Serialize};

crate::model::wire_enum!(
    /// What a piece of evidence is.
    EvidenceKind { Photo = "photo", Signature = "signature", VoiceNote = "voice_note" }
);

/// Where and when it was captured, and what it belongs to.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Capture {
    pub record_id: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub item_id: Option<String>,
    /// The location fix at capture, if the phone had one.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub gps: Option<GpsFix>,
    /// A correction names the evidence entry it corrects; the old entry stays as it was.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub corrects: Option<String>,
}

/// Something about a piece of evidence that a reviewer should look at. Flags never refuse
/// evidence: a blurry fix in a basement is still evidence, and so is a photo whose camera
/// wrote odd metadata or colour. The serde tag (`code()`) is stable: it is signed into every
/// payload and keys the labels of the console and the apps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The photo has no EXIF at all (not straight from a phone camera, or stripped).
    NoExif,
    /// The photo has an EXIF block that cannot be read, in whole or in part (the readable
    /// fields are kept).
    ExifUnreadable,
    /// The EXIF GPS block is present but unusable (wrong types or counts, zero denominators,
    /// off the globe); the EXIF position is treated as unknown.
    ExifGpsInvalid,
    /// The EXIF orientation is outside 1..=8; the photo is shown as stored.
    ExifOrientationInvalid { orientation: u32 },
    /// With no GPS fix to compare with, the EXIF capture time is far from the device clock.
    ExifTimeFarOff { seconds: i64 },
    /// The JPEG is CMYK or YCCK (print colour): an edited or converted file, not a camera's.
    CmykColour,
    /// The JPEG is grayscale.
    GrayscaleColour,
    /// A flag this version does not know (written by a newer app); kept in the signed payload.
    #[serde(other)]
    Other,
}

/// Every flag code, in declaration order.
pub const FLAG_CODES: [&str; 15] = [
    "poor_accuracy",
    "mock_location",
    "no_gps_fix",
    "no_exif_position",
    "exif_position_mismatch",
    "exif_time_mismatch",
    "clock_skew",
    "no_exif",
    "exif_unreadable",
    "exif_gps_invalid",
    "exif_orientation_invalid",
    "exif_time_far_off",
    "cmyk_colour",
    "grayscale_colour",
    "other",
];

impl Flag {
    /// The stable name, as serialized in the signed payload.
    pub fn code(&self) -> &'static str {
        match self {
            Flag::PoorAccuracy { .. } => "poor_accuracy",
            Flag::MockLocation => "mock_location",
            Flag::NoGpsFix => "no_gps_fix",
            Flag::NoExifPosition => "no_exif_position",
            Flag::ExifPositionMismatch { .. } => "exif_position_mismatch",
            Flag::ExifTimeMismatch { .. } => "exif_time_mismatch",
            Flag::ClockSkew { .. } => "clock_skew",
            Flag::NoExif => "no_exif",
            Flag::ExifUnreadable => "exif_unreadable",
            Flag::ExifGpsInvalid => "exif_gps_invalid",
            Flag::ExifOrientationInvalid { .. } => "exif_orientation_invalid",
            Flag::ExifTimeFarOff { .. } => "exif_time_far_off",
            Flag::CmykColour => "cmyk_colour",
            Flag::GrayscaleColour => "grayscale_colour",
            Flag::Other => "other",
        }
    }

    /// What an officer or reviewer reads, in Chinese, with the numbers.
    pub fn label_zh(&self) -> String {
        match self {
            Flag::PoorAccuracy { accuracy_m, limit_m } => {
                format!("定位精度不足（±{accuracy_m:.0} 米，要求 {limit_m:.0} 米以内）")
            }
            Flag::MockLocation => "模拟定位".into(),
            Flag::NoGpsFix => "无定位".into(),
            Flag::NoExifPosition => "照片无位置信息".into(),
            Flag::ExifPositionMismatch { distance_m } => format!("照片位置与定位相距 {distance_m:.0} 米"),
            Flag::ExifTimeMismatch { seconds } => format!("照片时间与定位时间相差{}", span_zh(*seconds)),
            Flag::ClockSkew { seconds } => format!("设备时钟与服务器相差{}", span_zh(*seconds)),
            Flag::NoExif => "照片无 EXIF 信息（非相机原图或已被处理）".into(),
            Flag::ExifUnreadable => "照片 EXIF 信息无法读取".into(),
            Flag::ExifGpsInvalid => "照片 EXIF 位置信息无效".into(),
            Flag::ExifOrientationInvalid { orientation } => format!("照片方向标记无效（{orientation}），按原样显示"),
            Flag::ExifTimeFarOff { seconds } => format!("照片时间与设备时钟相差{}", span_zh(*seconds)),
            Flag::CmykColour => "CMYK 印刷色彩（非相机原图）".into(),
            Flag::GrayscaleColour => "黑白（灰度）照片".into(),
            Flag::Other => "其他提示（新版本应用标记）".into(),
        }
    }
}

/// " 300 秒", " 25 分钟", " 3 小时", " 9131 天": a time difference as a person says it.
fn span_zh(seconds: i64) -> String {
    match seconds.unsigned_abs() {
        s if s < 600 => format!(" {s} 秒"),
        s if s < 3 * 3600 => format!(" {} 分钟", s / 60),
        s if s < 3 * 86_400 => format!(" {} 小时", s / 3600),
        s => format!(" {} 天", s / 86_400),
    }
}

/// Thresholds for the flags above.
pub const EXIF_DISTANCE_LIMIT_M: f64 = 200.0;
pub const EXIF_TIME_LIMIT_S: i64 = 600;
/// EXIF capture time against the device clock, when there is no fix to compare with.
pub const EXIF_CLOCK_LIMIT_S: i64 = 600;
pub const CLOCK_SKEW_LIMIT_S: i64 = 120;
/// Accuracy rule for records whose template sets none.
pub const DEFAULT_ACCURACY_LIMIT_M: f64 = 50.0;
/// Largest voice note or signature accepted.
pub const MAX_OTHER_BYTES: usize = 32 * 1024 * 1024;
/// Largest photo accepted.
pub const MAX_PHOTO_BYTES: usize = 64 * 1024 * 1024;
