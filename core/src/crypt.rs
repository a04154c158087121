//! Keys for encryption at rest (ADR 0013). The app hands over one 32-byte store key that the
//! platform keystore holds (Android Keystore-wrapped, iOS Keychain); core never writes it down.
//! Two subkeys are derived from it with HKDF-SHA256 under distinct labels, so the database key
//! and the evidence-file key are independent: one leaking says nothing of the other.

use crate::{Error, Result};
use chacha20poly1305::aead::stream::{NewStream, StreamBE32, StreamPrimitive};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The secret that opens one device's store. Wiped from memory on drop; prints nothing.
/// 32 fresh random bytes, for an app to make a store key on its first start.
pub fn random_key_bytes() -> zeroize::Zeroizing<[u8; 32]> {
    zeroize::Zeroizing::new(crate::util::random_bytes::<32>())
}

#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct StoreKey([u8; 32]);

impl StoreKey {
    pub fn from_bytes(bytes: [u8; 32]) -> StoreKey {
        StoreKey(bytes)
    }

    /// A key from a slice, as the platform keystore hands it over; it must be 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<StoreKey> {
        let key = <[u8; 32]>::try_from(bytes)
            .map_err(|_| Error::invalid("store key", format!("存储密钥有 {} 字节，应为 32 字节", bytes.len())))?;
        Ok(StoreKey(key))
    }

    /// A fresh random key, for the app's first start (it then hands it to the keystore).
    pub fn generate() -> StoreKey {
        StoreKey(*random_key_bytes())
    }

    fn derive(&self, label: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::new(None, &self.0).expand(label, &mut out).expect("32 bytes is a valid HKDF length");
        out
    }

    pub(crate) fn db_key(&self) -> DbKey {
        DbKey(self.derive(b"xuncha/v1/sqlcipher"))
    }

    pub(crate) fn file_key(&self) -> FileKey {
        FileKey(self.derive(b"xuncha/v1/evidence-files"))
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

/// SQLCipher's raw key: given as a blob literal, so SQLCipher skips its own PBKDF2 (the key is
/// already uniformly random).
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct DbKey([u8; 32]);

impl DbKey {
    /// `x'<64 hex>'` in double quotes, the form `PRAGMA key` takes for a raw key.
    pub(crate) fn pragma_value(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(format!("\"x'{}'\"", hex::encode(self.0)))
    }
}

/// The key of evidence files.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct FileKey([u8; 32]);

/// Marks a file sealed whole (format version 1; still read, no longer written).
pub(crate) const SEALED_MAGIC: &[u8; 4] = b"XCE1";
const NONCE_LEN: usize = 24;
/// Marks a file sealed in segments (format version 2): `XCE2 || 19-byte nonce prefix ||
/// segments`, each `SEGMENT` plaintext bytes (the last shorter, maybe empty) plus a 16-byte tag,
/// sealed with STREAM (big-endian segment counter and a last-segment flag in the nonce). Any
/// range opens by reading only the segments it spans; cutting, reordering or swapping segments
/// fails to open.
pub(crate) const SEGMENTED_MAGIC: &[u8; 4] = b"XCE2";
pub(crate) const SEGMENT: usize = 64 * 1024;
const PREFIX_LEN: usize = 19;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 4 + PREFIX_LEN;
const SEALED_SEGMENT: usize = SEGMENT + TAG_LEN;

fn changed() -> Error {
    Error::CorruptChanges("the evidence file was changed or sealed with another key".into())
}

impl FileKey {
    /// Seals in segments (format 2) under a fresh random nonce prefix; the AAD binds the file
    /// to its name.
    pub(crate) fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let prefix = crate::util::random_bytes::<PREFIX_LEN>();
        let stream = StreamBE32::from_aead(self.cipher(), (&prefix).into());
        let segments: Vec<&[u8]> = if plaintext.is_empty() { vec![&[]] } else { plaintext.chunks(SEGMENT).collect() };
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + segments.len() * TAG_LEN);
        out.extend_from_slice(SEGMENTED_MAGIC);
        out.extend_from_slice(&prefix);
        let last = segments.len() - 1;
        for (i, segment) in segments.into_iter().enumerate() {
            let sealed = stream
                .encrypt(i as u32, i == last, Payload { msg: segment, aad })
                .expect("a segment of a file a phone holds encrypts");
            out.extend_from_slice(&sealed);
        }
        out
    }

    /// The whole plaintext of a sealed file (either format); an error if it is not sealed, not
    /// ours, or was changed.
    pub(crate) fn open(&self, aad: &[u8], file: &[u8]) -> Result<Vec<u8>> {
        if file.starts_with(SEGMENTED_MAGIC) {
            let mut reader = std::io::Cursor::new(file);
            return self.open_range(aad, &mut reader, file.len() as u64, 0, u64::MAX);
        }
        let body = file
            .strip_prefix(SEALED_MAGIC)
            .filter(|b| b.len() >= NONCE_LEN)
            .ok_or_else(|| Error::CorruptChanges("the evidence file is not sealed".into()))?;
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        self.cipher().decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad }).map_err(|_| changed())
    }

    /// Up to `len` plaintext bytes from `offset` of a file sealed in segments, reading only the
    /// segments that hold them. `file_len` is the sealed file's length.
    pub(crate) fn open_range<R: std::io::Read + std::io::Seek>(
        &self,
        aad: &[u8],
        file: &mut R,
        file_len: u64,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>> {
        use std::io::SeekFrom;
        let mut header = [0u8; HEADER_LEN];
        file.seek(SeekFrom::Start(0))?;
        file.read_exact(&mut header).map_err(|_| changed())?;
        let (magic, prefix) = header.split_at(4);
        if magic != SEGMENTED_MAGIC {
            return Err(Error::CorruptChanges("the evidence file is not sealed in segments".into()));
        }
        let body = file_len.checked_sub(HEADER_LEN as u64).filter(|b| *b >= TAG_LEN as u64).ok_or_else(changed)?;
        let count = body.div_ceil(SEALED_SEGMENT as u64);
        let plain_len = body - count * TAG_LEN as u64;
        if count > u64::from(u32::MAX) {
            return Err(changed());
        }
        let stream = StreamBE32::from_aead(self.cipher(), prefix.into());
        let end = offset.saturating_add(len).min(plain_len);
        // An empty range still opens one segment: a file that does not open is never "empty".
        let (first, last) =
            if offset < end { (offset / SEGMENT as u64, (end - 1) / SEGMENT as u64) } else { (count - 1, count - 1) };
        let mut out = Vec::new();
        let mut buffer = Vec::with_capacity(SEALED_SEGMENT);
        for i in first..=last {
            let at = HEADER_LEN as u64 + i * SEALED_SEGMENT as u64;
            let size = (file_len - at).min(SEALED_SEGMENT as u64) as usize;
            buffer.resize(size, 0);
            file.seek(SeekFrom::Start(at))?;
            file.read_exact(&mut buffer).map_err(|_| changed())?;
            stream.decrypt_in_place(i as u32, i + 1 == count, aad, &mut buffer).map_err(|_| changed())?;
            out.extend_from_slice(&buffer);
        }
        if offset >= end {
            return Ok(Vec::new());
        }
        let skip = (offset - first * SEGMENT as u64) as usize;
        let take = (end - offset) as usize;
        Ok(out.get(skip..skip + take).ok_or_else(changed)?.to_vec())
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

pub(crate) fn is_sealed(file: &[u8]) -> bool {
    file.starts_with(SEALED_MAGIC) || file.starts_with(SEGMENTED_MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_differ_and_debug_prints_nothing() {
        let key = StoreKey::from_bytes([7; 32]);
        assert_ne!(key.db_key().0, key.file_key().0);
        assert_eq!(format!("{key:?}"), "StoreKey(..)");
        assert!(StoreKey::from_slice(&[1; 31]).is_err());
    }

    #[test]
    fn sealed_files_open_only_with_their_key_and_name() {
        let key = StoreKey::from_bytes([1; 32]).file_key();
        let sealed = key.seal(b"name", b"secret bytes");
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(key.open(b"name", &sealed).unwrap(), b"secret bytes");
        assert!(key.open(b"other", &sealed).is_err());
        assert!(StoreKey::from_bytes([2; 32]).file_key().open(b"name", &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(key.open(b"name", &tampered).is_err());
        assert_ne!(key.seal(b"name", b"same"), key.seal(b"name", b"same"), "a fresh nonce per file");
    }

    #[test]
    fn segmented_files_open_whole_and_by_range_and_refuse_cuts_and_swaps() {
        let key = StoreKey::from_bytes([3; 32]).file_key();
        for size in [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 7] {
            let plain: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let sealed = key.seal(b"name", &plain);
            assert!(sealed.starts_with(SEGMENTED_MAGIC));
            assert_eq!(key.open(b"name", &sealed).unwrap(), plain, "size {size}");
            assert!(key.open(b"other", &sealed).is_err());
            let mut file = std::io::Cursor::new(&sealed);
            for (offset, len) in
                [(0, 10), (SEGMENT as u64 - 3, 10), (5, u64::MAX), (size as u64, 4), (size as u64 + 9, 1)]
            {
                let got = key.open_range(b"name", &mut file, sealed.len() as u64, offset, len).unwrap();
                let from = (offset as usize).min(size);
                let to = from.saturating_add(len.min(size as u64) as usize).min(size);
                assert_eq!(got, plain.get(from..to).unwrap(), "size {size} range {offset}+{len}");
            }
        }
        let plain = vec![9u8; 3 * SEGMENT];
        let sealed = key.seal(b"name", &plain);
        // Cut at a segment boundary: the new last segment was not sealed as the last.
        assert!(key.open(b"name", sealed.get(..HEADER_LEN + 2 * SEALED_SEGMENT).unwrap()).is_err());
        let mut swapped = sealed.clone();
        let (a, b) = (HEADER_LEN, HEADER_LEN + SEALED_SEGMENT);
        let first = swapped.get(a..b).unwrap().to_vec();
        let second = swapped.get(b..b + SEALED_SEGMENT).unwrap().to_vec();
        swapped.splice(a..b + SEALED_SEGMENT, second.into_iter().chain(first));
        assert!(key.open(b"name", &swapped).is_err(), "segments keep their places");
    }

    #[test]
    fn files_sealed_whole_by_earlier_versions_still_open() {
        let key = StoreKey::from_bytes([4; 32]).file_key();
        let nonce = [5u8; NONCE_LEN];
        let sealed =
            key.cipher().encrypt(XNonce::from_slice(&nonce), Payload { msg: b"old photo", aad: b"name" }).unwrap();
        let file = [SEALED_MAGIC.as_slice(), &nonce, &sealed].concat();
        assert!(is_sealed(&file));
        assert_eq!(key.open(b"name", &file).unwrap(), b"old photo");
    }
}
