//! Entry points of the core's fuzz targets (`fuzz/fuzz_targets/`), shared with the replay test
//! `core/tests/fuzz_regressions.rs` so that every kept crasher runs on stable too.
//!
//! Each takes bytes from outside exactly where the app takes them: a push or pull body from
//! the wire, a change bundle from a file or a colleague's phone, a photo from the camera. None
//! may panic, loop or allocate without bound, whatever the bytes; refusing them is fine.

use crate::bundle::{ChangeBundle, check_checksums};
use crate::evidence::{EvidencePayload, exif, photo};
use crate::sync::protocol::{PullResponse, PushRequest};

/// A push body as the server receives it; what decodes must encode back to the same bytes and
/// every evidence entry in it is opened as the server would.
pub fn push_body(data: &[u8]) {
    if let Ok(push) = PushRequest::decode(data) {
        for entry in &push.evidence {
            let _ = entry.open();
        }
        let again = PushRequest::decode(&push.encode()).expect("an encoded push decodes");
        assert_eq!(again.changes.entries.len(), push.changes.entries.len());
    }
}

/// A pull body as a phone receives it.
pub fn pull_body(data: &[u8]) {
    if let Ok(pull) = PullResponse::decode(data) {
        for entry in &pull.evidence {
            let _ = entry.open();
        }
        for s in &pull.snapshots {
            let _ = crate::sync::snapshot::open(&s.doc_id, &s.bytes);
        }
        let again = PullResponse::decode(&pull.encode()).expect("an encoded pull decodes");
        assert_eq!((again.cursor, again.snapshots.len()), (pull.cursor, pull.snapshots.len()));
    }
}

/// A change bundle (an `.xcb` file or a nearby phone's exchange), then every change in it, then
/// the bytes as an evidence payload's JSON.
pub fn change_bundle(data: &[u8]) {
    if let Ok(bundle) = ChangeBundle::decode(data) {
        let _ = check_checksums(&bundle);
        for entry in &bundle.entries {
            let _ = crate::doc::parse_change(&entry.change);
        }
        let again = ChangeBundle::decode(&bundle.encode()).expect("an encoded bundle decodes");
        assert_eq!(again.entries.len(), bundle.entries.len());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = EvidencePayload::decode(text);
    }
}

/// A photo as the camera hands it over: the structure check, the EXIF reading and, for what
/// passes, the thumbnail; then the same bytes as a signature drawing.
pub fn photo(data: &[u8]) {
    if let Ok(info) = photo::inspect_jpeg(data) {
        let reading = exif::read_exif(data);
        let orientation = reading.summary.as_ref().map_or(1, |s| s.orientation);
        let _ = photo::thumbnail(data, info.width, info.height, orientation);
    }
    let _ = photo::check_png(data);
}
