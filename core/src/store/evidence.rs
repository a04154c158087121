//! Evidence in the store: ingest (file first, then one transaction for the signed row and the
//! record's link), listing, bytes and thumbnails, verification, and the orphan sweep.

use super::{Inner, Store};
use crate::doc::Edit;
use crate::evidence::{
    self, CLOCK_SKEW_LIMIT_S, Capture, ContentHash, DEFAULT_ACCURACY_LIMIT_M, DeviceSigner, EXIF_CLOCK_LIMIT_S,
    EXIF_DISTANCE_LIMIT_M, EXIF_TIME_LIMIT_S, EntryHash, EvidenceItem, EvidenceKind, EvidencePayload, ExifReading,
    ExifSummary, Flag, MAX_OTHER_BYTES, MAX_PHOTO_BYTES, PAYLOAD_VERSION, SignedEntry, SoftwareSigner, VerifyReport,
};
use crate::util::now_ms;
use crate::{Error, EvidenceLink, RecordKind, Result};
use rusqlite::{Connection, OptionalExtension, params};
use std::io::Write;
use std::path::{Path, PathBuf};

impl Store {
    /// Takes a photo from the camera (JPEG bytes) as evidence for a record and maybe one of
    /// its checklist items. The bytes are kept as they are. The thumbnail is not made here
    /// (decoding is most of the cost and the officer is waiting): `thumbnail` makes it on
    /// first use, and `make_thumbnails` ahead of time on a background thread.
    pub fn add_photo(&self, jpeg: &[u8], capture: &Capture) -> Result<EvidenceItem> {
        if jpeg.len() > MAX_PHOTO_BYTES {
            return Err(Error::invalid("photo", format!("照片有 {} 字节，超过手机照片的大小上限", jpeg.len())));
        }
        // Only what is not a complete image is refused; what the camera did is flagged.
        let info = evidence::inspect_jpeg(jpeg)?;
        let mut reading = evidence::read_exif(jpeg);
        reading.flags.extend(info.colour_flags());
        self.capture(EvidenceKind::Photo, "image/jpeg", jpeg, capture, reading)
    }

    /// Like `add_photo`, reading the camera's file.
    pub fn add_photo_file(&self, path: &Path, capture: &Capture) -> Result<EvidenceItem> {
        let bytes = std::fs::read(path)?;
        self.add_photo(&bytes, capture)
    }

    /// The inspected party's signature, drawn on screen (PNG).
    pub fn add_signature(&self, png: &[u8], capture: &Capture) -> Result<EvidenceItem> {
        evidence::check_png(png)?;
        self.capture(EvidenceKind::Signature, "image/png", png, capture, ExifReading::default())
    }

    /// A voice note: opaque bytes of an audio MIME type.
    pub fn add_voice_note(&self, bytes: &[u8], mime: &str, capture: &Capture) -> Result<EvidenceItem> {
        if bytes.is_empty() {
            return Err(Error::invalid("voice note", "录音文件是空的，请重新录制"));
        }
        if bytes.len() > MAX_OTHER_BYTES {
            return Err(Error::invalid(
                "voice note",
                format!("录音有 {} 字节，超过 {MAX_OTHER_BYTES} 字节的上限", bytes.len()),
            ));
        }
        if !mime.starts_with("audio/") || mime.len() > 64 {
            return Err(Error::invalid("voice note", format!("{mime:?} 不是录音文件类型")));
        }
        self.capture(EvidenceKind::VoiceNote, mime, bytes, capture, ExifReading::default())
    }

    /// Every evidence item linked to a record, oldest first.
    pub fn evidence_for_record(&self, record_id: &str) -> Result<Vec<EvidenceItem>> {
        self.read(|conn| query_items(conn, "WHERE record_id = ?1 ORDER BY captured_at, entry_hash", [record_id]))
    }

    pub fn evidence_item(&self, entry_hash: &str) -> Result<EvidenceItem> {
        self.read(|conn| query_items(conn, "WHERE entry_hash = ?1", [entry_hash]))?
            .pop()
            .ok_or_else(|| Error::NotFound { kind: "evidence item", id: entry_hash.to_owned() })
    }

    /// Evidence items (from any device) whose bytes hash to `content_hash`.
    pub fn evidence_by_content(&self, content_hash: &ContentHash) -> Result<Vec<EvidenceItem>> {
        let inner = self.lock();
        query_items(&inner.conn, "WHERE content_hash = ?1 ORDER BY captured_at", [content_hash])
    }

    /// Takes bytes that arrived separately (an upload) for known evidence: they must hash to
    /// `content_hash`; the file at `from` is moved into the evidence folder. Every item with this
    /// content is then verified (as `verify_evidence`) from the bytes just read, the one read of
    /// them: returns each item's entry hash and report, for the caller to keep.
    pub fn adopt_evidence_bytes(&self, content_hash: &ContentHash, from: &Path) -> Result<Vec<(String, VerifyReport)>> {
        let items = self.evidence_by_content(content_hash)?;
        if items.is_empty() {
            // Wrong bytes are refused before unknown metadata, as before.
            let bytes = std::fs::read(from)?;
            if ContentHash::of(&bytes) != *content_hash {
                return Err(Error::invalid("evidence bytes", format!("证据文件与其哈希 {content_hash} 不符")));
            }
            return Err(Error::NotFound { kind: "evidence metadata", id: content_hash.to_string() });
        }
        let bytes = self.files.adopt(content_hash, from)?;
        self.lock().conn.execute("UPDATE evidence SET bytes_present = 1 WHERE content_hash = ?1", [content_hash])?;
        let known = Some((content_hash, bytes.as_slice()));
        items.iter().map(|i| Ok((i.entry_hash.to_string(), self.verify_entry(i.entry_hash.as_str(), known)?))).collect()
    }

    /// The original bytes, exactly as captured (decrypted when the store has a key).
    pub fn evidence_bytes(&self, content_hash: &ContentHash) -> Result<Vec<u8>> {
        self.files.read(content_hash)
    }

    /// Up to `len` original bytes from `offset`: one upload chunk, without reading the rest.
    pub fn evidence_chunk(&self, content_hash: &ContentHash, offset: u64, len: u64) -> Result<Vec<u8>> {
        self.files.read_range(content_hash, offset, len)
    }

    /// Where the original bytes live. In an encrypted store the file is sealed: read it with
    /// `evidence_bytes`, never directly.
    pub fn content_path(&self, content_hash: &ContentHash) -> PathBuf {
        content_path(&self.evidence_dir(), content_hash)
    }

    /// A JPEG thumbnail (about 320 px on the long side, upright) of a photo, made from the
    /// original at reduced scale the first time it is asked for.
    pub fn thumbnail(&self, content_hash: &ContentHash) -> Result<Vec<u8>> {
        if let Some(bytes) = self.files.read_thumbnail(content_hash)? {
            return Ok(bytes);
        }
        let jpeg = self.files.read(content_hash).map_err(|e| match e {
            Error::NotFound { .. } => Error::NotFound { kind: "photo bytes", id: content_hash.to_string() },
            other => other,
        })?;
        let info = evidence::inspect_jpeg(&jpeg)?;
        let orientation = evidence::read_exif(&jpeg).summary.map_or(1, |e| e.orientation);
        let thumb = evidence::thumbnail(&jpeg, info.width, info.height, orientation)?;
        self.files.write_thumbnail(content_hash, &thumb)?;
        Ok(thumb)
    }

    /// Makes missing thumbnails of photos on this device, up to `limit`; returns how many.
    pub fn make_thumbnails(&self, limit: usize) -> Result<usize> {
        let hashes: Vec<ContentHash> = {
            let inner = self.lock();
            let mut stmt = inner.conn.prepare_cached(
                "SELECT DISTINCT content_hash FROM evidence WHERE kind = 'photo' AND bytes_present = 1
                 ORDER BY captured_at DESC",
            )?;
            let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            rows.into_iter().filter_map(|h| h.parse().ok()).collect()
        };
        let mut made = 0;
        for hash in hashes.iter().filter(|h| !self.files.has_thumbnail(h)).take(limit) {
            self.thumbnail(hash)?;
            made += 1;
        }
        Ok(made)
    }

    /// Signs `message` with the device key (enrolment proves the device holds it).
    pub fn sign_with_device_key(&self, message: &[u8]) -> Result<String> {
        Ok(hex::encode(self.lock().signer.sign(message)?))
    }

    /// This device's public key (hex).
    pub fn device_public_key(&self) -> String {
        hex::encode(self.lock().signer.public_key())
    }

    /// Records the server clock minus the device clock, as seen at a sync.
    pub fn set_server_clock_offset(&self, offset_ms: i64) -> Result<()> {
        self.lock().conn.execute("UPDATE device SET clock_offset_ms = ?1 WHERE id = 1", [offset_ms])?;
        Ok(())
    }

    /// Verifies one item: bytes against hash, signature, key, and that its chain link exists.
    pub fn verify_evidence(&self, entry_hash: &str) -> Result<VerifyReport> {
        self.verify_entry(entry_hash, None)
    }

    /// `verify_evidence`, with bytes already read (`known`: their hash and them).
    fn verify_entry(&self, entry_hash: &str, known: Option<(&ContentHash, &[u8])>) -> Result<VerifyReport> {
        let entries = self.signed_entries("WHERE entry_hash = ?1", entry_hash)?;
        if entries.is_empty() {
            return Err(Error::NotFound { kind: "evidence item", id: entry_hash.to_owned() });
        }
        let mut report = self.verify_with(&entries, known)?;
        let prev = entries.first().and_then(|e| EvidencePayload::decode(&e.payload_json).ok()).and_then(|p| p.prev);
        if let Some(prev) = prev
            && self.signed_entries("WHERE entry_hash = ?1", &prev)?.is_empty()
        {
            let why = format!("the previous item {prev} of the chain is missing");
            report.failures.push((evidence::Check::MissingItem, why));
        }
        Ok(report)
    }

    /// Verifies every item linked to a record, and that every item the record links to exists.
    pub fn verify_record(&self, record_id: &str) -> Result<VerifyReport> {
        let items = self.signed_entries("WHERE record_id = ?1", record_id)?;
        let linked: Vec<EvidenceLink> = {
            let mut inner = self.lock();
            crate::doc::DocView(inner.doc(record_id)?)
                .entries::<EvidenceLink>("evidence")
                .into_iter()
                .map(|(_, l)| l)
                .collect()
        };
        let mut report = self.verify(&items)?;
        for link in linked {
            if !items.iter().any(|i| i.entry_hash == link.entry_hash) {
                report.failures.push((
                    evidence::Check::MissingItem,
                    format!("evidence {} linked to the record is missing", link.entry_hash),
                ));
            }
        }
        Ok(report)
    }

    /// Verifies a device's whole chain: every item, and that the links run from 1 without gaps.
    pub fn verify_device_chain(&self, device_id: &str) -> Result<VerifyReport> {
        let items = self.signed_entries("WHERE device_id = ?1 ORDER BY chain_seq", device_id)?;
        let mut report = self.verify(&items)?;
        report.failures.extend(evidence::verify_chain_links(&items));
        Ok(report)
    }

    fn signed_entries(&self, clause: &str, arg: &str) -> Result<Vec<SignedEntry>> {
        let inner = self.lock();
        let mut stmt =
            inner.conn.prepare_cached(&format!("SELECT entry_hash, payload, signature FROM evidence {clause}"))?;
        let rows = stmt.query_map([arg], |r| {
            Ok(SignedEntry { entry_hash: r.get(0)?, payload_json: r.get(1)?, signature: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A storage failure is an error, never a skipped check: unknown keys would skip the key
    /// check, unreadable files would read as missing.
    fn verify(&self, items: &[SignedEntry]) -> Result<VerifyReport> {
        self.verify_with(items, None)
    }

    fn verify_with(&self, items: &[SignedEntry], known: Option<(&ContentHash, &[u8])>) -> Result<VerifyReport> {
        let keys: std::collections::HashMap<String, String> = {
            let inner = self.lock();
            let mut stmt = inner.conn.prepare_cached("SELECT device_id, public_key FROM device_keys")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
        };
        let items = evidence::verify_items(
            items,
            &|p: &EvidencePayload| match known {
                Some((hash, bytes)) if *hash == p.content_hash => Ok(Some(bytes.to_vec())),
                _ => self.files.read_for_verify(&p.content_hash),
            },
            &|d: &str| keys.get(d).cloned(),
        )?;
        Ok(VerifyReport { items, failures: Vec::new() })
    }

    fn capture(
        &self,
        kind: EvidenceKind,
        mime: &str,
        bytes: &[u8],
        capture: &Capture,
        camera: ExifReading,
    ) -> Result<EvidenceItem> {
        if let Some(gps) = &capture.gps {
            gps.validate()?;
        }
        let corrects: Option<EntryHash> = capture.corrects.as_deref().map(str::parse).transpose()?;
        let content_hash = ContentHash::of(bytes);
        let mut inner = self.lock();
        let author = inner.author()?;
        let limit_m = inner.evidence_target(capture)?;
        if let Some(old) = &corrects
            && query_items(&inner.conn, "WHERE entry_hash = ?1", [old])?.is_empty()
        {
            return Err(Error::NotFound { kind: "evidence item to correct", id: old.to_string() });
        }
        // The same capture handed over twice (an app retry) is the same evidence.
        if let Some(existing) = query_items(
            &inner.conn,
            "WHERE content_hash = ?1 AND record_id = ?2 AND item_id IS ?3 AND device_id = ?4",
            (&content_hash, capture.record_id.as_str(), capture.item_id.as_deref(), inner.device_id.as_str()),
        )?
        .pop()
        {
            return Ok(existing);
        }
        let clock_offset_ms: Option<i64> =
            inner.conn.query_row("SELECT clock_offset_ms FROM device WHERE id = 1", [], |r| r.get(0))?;
        let captured_at_ms = now_ms();
        let exif = camera.summary;
        let flags = flags(capture, exif.as_ref(), camera.flags, limit_m, clock_offset_ms, captured_at_ms);
        let (prev_seq, prev): (i64, Option<EntryHash>) = inner
            .conn
            .query_row(
                "SELECT chain_seq, entry_hash FROM evidence WHERE device_id = ?1 ORDER BY chain_seq DESC LIMIT 1",
                [&inner.device_id],
                |r| Ok((r.get(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?
            .map(|(seq, hash)| Ok::<_, Error>((seq, Some(hash.parse()?))))
            .transpose()?
            .unwrap_or((0, None));
        let payload = EvidencePayload {
            v: PAYLOAD_VERSION,
            device_id: inner.device_id.clone(),
            public_key: hex::encode(inner.signer.public_key()),
            chain_seq: prev_seq as u64 + 1,
            prev,
            content_hash: content_hash.clone(),
            kind,
            mime: mime.to_owned(),
            size: bytes.len() as u64,
            record_id: capture.record_id.clone(),
            item_id: capture.item_id.clone(),
            officer: author.officer.clone(),
            cert_no: author.cert_no.clone(),
            captured_at_ms,
            gps: capture.gps.clone(),
            exif,
            flags,
            corrects,
        };
        let payload_json = serde_json::to_string(&payload).expect("plain JSON");
        let item = EvidenceItem {
            entry_hash: EntryHash::of(payload_json.as_bytes()),
            signature: hex::encode(inner.signer.sign(payload_json.as_bytes())?),
            payload_json,
            payload,
            bytes_present: true,
        };

        // Bytes first, durably; the row that makes them evidence comes after. A crash between
        // the two leaves a file no row names, which the next open removes.
        let new_file = self.files.write(&content_hash, bytes)?;
        let link = EvidenceLink {
            entry_hash: item.entry_hash.to_string(),
            content_hash: content_hash.to_string(),
            item_id: capture.item_id.clone(),
            kind: kind.as_str().to_owned(),
            at_ms: captured_at_ms,
        };
        let edit =
            Edit::Entry("evidence", item.entry_hash.to_string(), serde_json::to_value(&link).expect("plain JSON"));
        if let Err(e) = inner.edit_with(&capture.record_id, &[edit], |tx| insert_item(tx, &item)) {
            if new_file {
                let _ = std::fs::remove_file(self.content_path(&content_hash));
            }
            return Err(e);
        }
        Ok(item)
    }
}

impl Inner {
    /// Checks the capture's record and item exist; returns the GPS accuracy rule that applies.
    fn evidence_target(&mut self, capture: &Capture) -> Result<f64> {
        let kind = {
            let view = crate::doc::DocView(self.doc(&capture.record_id)?);
            view.str("kind").and_then(|k| RecordKind::parse(&k))
        };
        match kind {
            Some(RecordKind::Inspection) => {
                let i = self.inspection(&capture.record_id)?;
                let t = self.template(&i.template_id, i.template_version)?;
                if let Some(item) = &capture.item_id
                    && t.item(item).is_none()
                {
                    return Err(Error::UnknownItem { item: item.clone(), template: t.id.clone(), version: t.version });
                }
                Ok(t.gps_accuracy_limit_m)
            }
            Some(RecordKind::Patrol | RecordKind::Case) if capture.item_id.is_none() => Ok(DEFAULT_ACCURACY_LIMIT_M),
            Some(RecordKind::Patrol | RecordKind::Case) => {
                Err(Error::invalid("evidence item", "只有检查记录有检查项，巡查和案件线索的证据不能关联检查项"))
            }
            _ => Err(Error::invalid(
                "evidence record",
                format!("{} 不是检查、巡查或案件线索记录，不能添加证据", capture.record_id),
            )),
        }
    }
}

/// The reviewer's flags: the fix against the checklist's rule, EXIF against the fix (or, with
/// no fix, against the device clock), what the camera wrote (`camera`), and the device clock.
/// The evidence position is always the device fix; EXIF only raises flags.
fn flags(
    capture: &Capture,
    exif: Option<&ExifSummary>,
    camera: Vec<Flag>,
    limit_m: f64,
    clock_offset_ms: Option<i64>,
    device_now_ms: i64,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    let gps_unusable = camera.contains(&Flag::ExifGpsInvalid);
    match &capture.gps {
        None => {
            flags.push(Flag::NoGpsFix);
            if let Some(t) = exif.and_then(|e| e.captured_at_ms) {
                let seconds = (t - device_now_ms) / 1000;
                if seconds.abs() > EXIF_CLOCK_LIMIT_S {
                    flags.push(Flag::ExifTimeFarOff { seconds });
                }
            }
        }
        Some(fix) => {
            if fix.accuracy_m > limit_m {
                flags.push(Flag::PoorAccuracy { accuracy_m: fix.accuracy_m, limit_m });
            }
            if fix.mock {
                flags.push(Flag::MockLocation);
            }
            if let Some(exif) = exif {
                match (exif.lat, exif.lon) {
                    (Some(lat), Some(lon)) => {
                        let d = crate::evidence::gps_distance_m(lat, lon, fix.lat, fix.lon);
                        if d > EXIF_DISTANCE_LIMIT_M {
                            flags.push(Flag::ExifPositionMismatch { distance_m: d.round() });
                        }
                    }
                    // A junk GPS block says so itself (ExifGpsInvalid, from `camera`).
                    _ if gps_unusable => {}
                    _ => flags.push(Flag::NoExifPosition),
                }
                if let Some(t) = exif.captured_at_ms {
                    let seconds = (t - fix.fix_time_ms) / 1000;
                    if seconds.abs() > EXIF_TIME_LIMIT_S {
                        flags.push(Flag::ExifTimeMismatch { seconds });
                    }
                }
            }
        }
    }
    flags.extend(camera);
    if let Some(offset) = clock_offset_ms
        && (offset / 1000).abs() > CLOCK_SKEW_LIMIT_S
    {
        flags.push(Flag::ClockSkew { seconds: offset / 1000 });
    }
    flags
}

pub(crate) fn insert_item(conn: &Connection, item: &EvidenceItem) -> Result<()> {
    let p = &item.payload;
    conn.prepare_cached(
        "INSERT INTO evidence (entry_hash, device_id, chain_seq, content_hash, record_id, item_id, kind, captured_at,
            payload, signature, bytes_present) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        item.entry_hash,
        p.device_id,
        p.chain_seq as i64,
        p.content_hash,
        p.record_id,
        p.item_id,
        p.kind.as_str(),
        p.captured_at_ms,
        item.payload_json,
        item.signature,
        item.bytes_present
    ])?;
    Ok(())
}

fn query_items(conn: &Connection, clause: &str, args: impl rusqlite::Params) -> Result<Vec<EvidenceItem>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT entry_hash, payload, signature, bytes_present FROM evidence {clause}"))?;
    let rows = stmt.query_map(args, |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (entry_hash, payload_json, signature, bytes_present) = row?;
        // Rows were checked when they were written; a row that no longer passes is damage.
        let corrupt = |e: Error| Error::CorruptChanges(format!("evidence {entry_hash}: {e}"));
        let payload = EvidencePayload::decode(&payload_json).map_err(corrupt)?;
        let entry_hash = entry_hash.parse().map_err(corrupt)?;
        out.push(EvidenceItem { entry_hash, payload_json, signature, payload, bytes_present });
    }
    Ok(out)
}

pub(crate) fn content_path(dir: &Path, hash: &ContentHash) -> PathBuf {
    dir.join(hash.shard()).join(hash)
}

pub(crate) fn thumb_path(dir: &Path, hash: &ContentHash) -> PathBuf {
    dir.join("thumbs").join(format!("{hash}.jpg"))
}

/// Writes a file under its final name only once complete and synced; false if it was already
/// there (content-addressed: same name, same bytes).
pub(crate) fn write_new_file(path: &Path, bytes: &[u8]) -> Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    replace_file(path, bytes)?;
    Ok(true)
}

/// Writes `bytes` under `path`, replacing what is there in one rename: a crash leaves the old
/// file or the new one, never a part.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path.parent().expect("evidence paths have a parent");
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(".{}.tmp", hex::encode(crate::util::random_bytes::<6>())));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(parent)?.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Io(e));
    }
    Ok(())
}

/// Loads this device's signer: the platform's if given, else the key kept in the database
/// (made on first use). Records the public key either way.
pub(crate) fn device_signer(
    conn: &Connection,
    device_id: &str,
    platform: Option<Box<dyn DeviceSigner>>,
) -> Result<Box<dyn DeviceSigner>> {
    let signer: Box<dyn DeviceSigner> = match platform {
        Some(s) => s,
        None => {
            let secret: Option<Vec<u8>> = conn
                .query_row("SELECT secret_key FROM device_keys WHERE device_id = ?1", [device_id], |r| r.get(0))
                .optional()?
                .flatten();
            match secret.and_then(|s| <[u8; 32]>::try_from(s.as_slice()).ok()) {
                Some(s) => Box::new(SoftwareSigner::from_secret(s)),
                None => {
                    let s = SoftwareSigner::generate();
                    conn.execute(
                        "INSERT INTO device_keys (device_id, public_key, secret_key) VALUES (?1, ?2, ?3)
                         ON CONFLICT (device_id) DO UPDATE SET public_key = excluded.public_key, secret_key = excluded.secret_key",
                        params![device_id, hex::encode(s.public_key()), s.secret().to_vec()],
                    )?;
                    return Ok(Box::new(s));
                }
            }
        }
    };
    conn.execute(
        "INSERT INTO device_keys (device_id, public_key) VALUES (?1, ?2) ON CONFLICT (device_id) DO UPDATE SET public_key = excluded.public_key",
        params![device_id, hex::encode(signer.public_key())],
    )?;
    Ok(signer)
}

/// Removes files no evidence row names: leftovers of a crash between writing the bytes and
/// committing the row, and unfinished temporary files.
pub(crate) fn sweep_orphans(conn: &Connection, dir: &Path) -> Result<usize> {
    let mut removed = 0;
    let mut known = conn.prepare_cached("SELECT 1 FROM evidence WHERE content_hash = ?1 LIMIT 1")?;
    for (path, name) in evidence_files(dir)? {
        let hash = name.strip_suffix(".jpg").unwrap_or(&name);
        let orphan = name.starts_with('.') || !known.exists([hash])?;
        if orphan {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Every file in the evidence folder's shard directories, with its file name.
pub(crate) fn evidence_files(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let sub = entry?.path();
        if !sub.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&sub)? {
            let path = file?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            files.push((path, name));
        }
    }
    Ok(files)
}
