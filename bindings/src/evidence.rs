//! Evidence (证据): photos, the inspected party's signature and voice notes, fixed at capture
//! by core (hashed, signed with the device key, chained); listing, thumbnails and verification.

use crate::error::ApiResult;
use crate::store::XunchaStore;
use std::path::Path;
use xuncha_core::evidence::Check;
use xuncha_core::{Capture, EvidenceItem, Flag};

/// One failed check, and what it found.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifyFailure {
    /// The item that failed; null for problems of the whole chain or record (a gap, a missing item).
    pub entry_hash: Option<String>,
    pub check: Check,
    pub message: String,
}

/// The result of verifying evidence, as a screen shows it: `ok` when every check of every item
/// held, and one flat list of failures. Not core's `VerifyReport` itself, which nests failures
/// per item as (check, message) pairs that uniffi cannot carry; this is the one conversion the
/// FFI keeps.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifyReport {
    pub ok: bool,
    /// How many items were checked.
    pub items_checked: u32,
    /// Chain- or record-level failures first, then each item's, in order.
    pub failures: Vec<VerifyFailure>,
}

impl From<xuncha_core::VerifyReport> for VerifyReport {
    fn from(r: xuncha_core::VerifyReport) -> Self {
        let ok = r.ok();
        let items_checked = r.items.len() as u32;
        let whole = r.failures.into_iter().map(|f| (None, f));
        let items = r.items.into_iter().flat_map(|i| {
            let hash = i.entry_hash;
            i.failures.into_iter().map(move |f| (Some(hash.clone()), f))
        });
        let failures = whole
            .chain(items)
            .map(|(entry_hash, (check, message))| VerifyFailure { entry_hash, check, message })
            .collect();
        VerifyReport { ok, items_checked, failures }
    }
}

#[uniffi::export]
impl XunchaStore {
    /// Takes a camera photo (JPEG bytes, kept exactly as given) as evidence. Refused
    /// (`InvalidInput`) only when the bytes are not a complete JPEG (empty, not a JPEG,
    /// truncated, a decompression bomb) or the GPS fix is impossible. Whatever the camera did
    /// (no EXIF, junk EXIF GPS, CMYK or grayscale colour, a poor fix) is kept and flagged.
    pub fn add_photo(&self, jpeg: Vec<u8>, capture: Capture) -> ApiResult<EvidenceItem> {
        let store = self.store()?;
        Ok(store.add_photo(&jpeg, &capture)?)
    }

    /// Like `add_photo`, reading the camera's file at `path`.
    pub fn add_photo_file(&self, path: String, capture: Capture) -> ApiResult<EvidenceItem> {
        let store = self.store()?;
        Ok(store.add_photo_file(Path::new(&path), &capture)?)
    }

    /// The inspected party's signature, drawn on screen (PNG bytes).
    pub fn add_signature(&self, png: Vec<u8>, capture: Capture) -> ApiResult<EvidenceItem> {
        let store = self.store()?;
        Ok(store.add_signature(&png, &capture)?)
    }

    /// A voice note: the recorder's bytes and their audio MIME type (e.g. "audio/mp4").
    pub fn add_voice_note(&self, bytes: Vec<u8>, mime: String, capture: Capture) -> ApiResult<EvidenceItem> {
        let store = self.store()?;
        Ok(store.add_voice_note(&bytes, &mime, &capture)?)
    }

    /// Every evidence item of a record (from any device), oldest first.
    pub fn evidence_for_record(&self, record_id: String) -> ApiResult<Vec<EvidenceItem>> {
        Ok(self.store()?.evidence_for_record(&record_id)?)
    }

    pub fn evidence_item(&self, entry_hash: String) -> ApiResult<EvidenceItem> {
        Ok(self.store()?.evidence_item(&entry_hash)?)
    }

    /// The original bytes, exactly as captured (`NotFound` while they have not arrived).
    pub fn evidence_bytes(&self, content_hash: String) -> ApiResult<Vec<u8>> {
        Ok(self.store()?.evidence_bytes(&content_hash.parse()?)?)
    }

    /// A JPEG thumbnail (about 320 px on the long side, upright) of a photo, made on first use.
    pub fn thumbnail(&self, content_hash: String) -> ApiResult<Vec<u8>> {
        Ok(self.store()?.thumbnail(&content_hash.parse()?)?)
    }

    /// Makes up to `limit` missing thumbnails ahead of time (call from a background thread);
    /// returns how many it made.
    pub fn make_thumbnails(&self, limit: u32) -> ApiResult<u32> {
        Ok(self.store()?.make_thumbnails(limit as usize)? as u32)
    }

    /// Checks one item: its bytes against their hash, its signature, its key, its chain link.
    pub fn verify_evidence(&self, entry_hash: String) -> ApiResult<VerifyReport> {
        Ok(self.store()?.verify_evidence(&entry_hash)?.into())
    }

    /// Checks every item of a record, and that every item the record links to exists.
    pub fn verify_record(&self, record_id: String) -> ApiResult<VerifyReport> {
        Ok(self.store()?.verify_record(&record_id)?.into())
    }

    /// Checks a device's whole evidence chain: every item, and no gaps from the first.
    pub fn verify_device_chain(&self, device_id: String) -> ApiResult<VerifyReport> {
        Ok(self.store()?.verify_device_chain(&device_id)?.into())
    }

    /// This device's ed25519 public key (hex), as it appears in its evidence. Public, so
    /// readable while locked.
    pub fn device_public_key(&self) -> String {
        self.inner.device_public_key()
    }
}

/// The Chinese text of an evidence flag, with its numbers ("照片位置与定位相距 1100 米"), for
/// the officer's and the reviewer's screens.
#[uniffi::export]
pub fn flag_label(flag: Flag) -> String {
    flag.label_zh()
}
