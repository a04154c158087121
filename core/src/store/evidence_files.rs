//! The evidence folder: every read and write of evidence bytes and thumbnails goes through
//! here. With a store key, files are sealed (XChaCha20-Poly1305, `XCE1 || nonce || ciphertext`,
//! AAD = the content hash) and names stay the content hash of the plaintext, so the rest of the
//! store (pull, sweep, upload) does not change. Without one (server replica, tests) files are the
//! plain bytes, as before.

use super::evidence::{content_path, evidence_files, replace_file, thumb_path, write_new_file};
use crate::crypt::{FileKey, SEGMENTED_MAGIC, is_sealed};
use crate::evidence::ContentHash;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

pub(crate) struct EvidenceFiles {
    dir: PathBuf,
    key: Option<FileKey>,
}

impl EvidenceFiles {
    pub(crate) fn new(dir: PathBuf, key: Option<FileKey>) -> Self {
        EvidenceFiles { dir, key }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// Stores the original bytes under their hash, durably; false if they were already there.
    pub(crate) fn write(&self, hash: &ContentHash, plaintext: &[u8]) -> Result<bool> {
        write_new_file(&content_path(&self.dir, hash), &self.encode(&original_aad(hash), plaintext))
    }

    /// The original bytes, exactly as captured: decrypted, and checked against their name.
    pub(crate) fn read(&self, hash: &ContentHash) -> Result<Vec<u8>> {
        let Some(file) = read_if_present(&content_path(&self.dir, hash))? else {
            return Err(Error::NotFound { kind: "evidence bytes", id: hash.to_string() });
        };
        let Some(key) = &self.key else { return Ok(file) };
        let plain = key.open(&original_aad(hash), &file)?;
        if ContentHash::of(&plain) != *hash {
            return Err(Error::CorruptChanges(format!("the evidence file {hash} does not hash to its name")));
        }
        Ok(plain)
    }

    /// `len` bytes of the original from `offset` (fewer at the end), for uploads in chunks:
    /// only the bytes (or, sealed, the segments) that hold them are read. A file sealed whole by
    /// an earlier version is opened whole.
    pub(crate) fn read_range(&self, hash: &ContentHash, offset: u64, len: u64) -> Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = match std::fs::File::open(content_path(&self.dir, hash)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound { kind: "evidence bytes", id: hash.to_string() });
            }
            other => other?,
        };
        if let Some(key) = &self.key {
            let mut magic = [0u8; 4];
            file.read_exact(&mut magic)?;
            if &magic == SEGMENTED_MAGIC {
                let file_len = file.metadata()?.len();
                return key.open_range(&original_aad(hash), &mut file, file_len, offset, len);
            }
            let whole = self.read(hash)?;
            let from = usize::try_from(offset).unwrap_or(usize::MAX).min(whole.len());
            let to = from.saturating_add(usize::try_from(len).unwrap_or(usize::MAX)).min(whole.len());
            return Ok(whole.get(from..to).unwrap_or_default().to_vec());
        }
        file.seek(SeekFrom::Start(offset))?;
        let mut out = Vec::new();
        file.take(len).read_to_end(&mut out)?;
        Ok(out)
    }

    /// For verification, which judges the bytes itself: None if absent; bytes that cannot be
    /// decrypted count as changed (empty), not as missing. A file that cannot be read is an
    /// error, never "absent".
    pub(crate) fn read_for_verify(&self, hash: &ContentHash) -> Result<Option<Vec<u8>>> {
        let Some(file) = read_if_present(&content_path(&self.dir, hash))? else { return Ok(None) };
        Ok(Some(match &self.key {
            None => file,
            Some(key) => key.open(&original_aad(hash), &file).unwrap_or_default(),
        }))
    }

    /// Takes bytes that arrived separately: `from` (plaintext) must hash to `hash`. Without a
    /// key the file is moved in place; with one it is sealed into place and `from` removed.
    /// Returns the bytes, read this once.
    pub(crate) fn adopt(&self, hash: &ContentHash, from: &Path) -> Result<Vec<u8>> {
        let bytes = std::fs::read(from)?;
        if ContentHash::of(&bytes) != *hash {
            return Err(Error::invalid("evidence bytes", format!("证据文件与其哈希 {hash} 不符")));
        }
        let target = content_path(&self.dir, hash);
        if self.key.is_some() {
            self.write(hash, &bytes)?;
            std::fs::remove_file(from)?;
        } else if !target.exists() {
            std::fs::create_dir_all(target.parent().expect("has a parent"))?;
            std::fs::rename(from, &target)?;
            std::fs::File::open(target.parent().expect("has a parent"))?.sync_all()?;
        }
        Ok(bytes)
    }

    pub(crate) fn read_thumbnail(&self, hash: &ContentHash) -> Result<Option<Vec<u8>>> {
        let Some(file) = read_if_present(&thumb_path(&self.dir, hash))? else { return Ok(None) };
        Ok(match &self.key {
            None => Some(file),
            // A thumbnail that does not open is made again from the original.
            Some(key) => key.open(&thumb_aad(hash), &file).ok(),
        })
    }

    pub(crate) fn write_thumbnail(&self, hash: &ContentHash, jpeg: &[u8]) -> Result<()> {
        // Replaces one that did not open.
        replace_file(&thumb_path(&self.dir, hash), &self.encode(&thumb_aad(hash), jpeg))
    }

    pub(crate) fn has_thumbnail(&self, hash: &ContentHash) -> bool {
        thumb_path(&self.dir, hash).exists()
    }

    /// Seals files left in plaintext by a store that had no key yet (its first open with one).
    /// Each file is replaced atomically, so a crash leaves every file either plain or sealed,
    /// and the next open finishes the job. Returns how many were sealed.
    pub(crate) fn seal_plaintext_files(&self) -> Result<usize> {
        let Some(key) = &self.key else { return Ok(0) };
        let mut sealed = 0;
        for (path, name) in evidence_files(&self.dir)? {
            let (aad, hash) = match name.strip_suffix(".jpg") {
                Some(hash) => (thumb_aad_str(hash), hash.to_owned()),
                None => (original_aad_str(&name), name.clone()),
            };
            if name.starts_with('.') || hash.parse::<ContentHash>().is_err() {
                continue;
            }
            let bytes = std::fs::read(&path)?;
            if is_sealed(&bytes) {
                continue;
            }
            replace_file(&path, &key.seal(&aad, &bytes))?;
            sealed += 1;
        }
        Ok(sealed)
    }

    fn encode(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        match &self.key {
            Some(key) => key.seal(aad, plaintext),
            None => plaintext.to_vec(),
        }
    }
}

/// The AAD binds a file to its name: a sealed file copied under another hash does not open.
fn original_aad(hash: &ContentHash) -> Vec<u8> {
    original_aad_str(hash.as_str())
}

fn original_aad_str(hash: &str) -> Vec<u8> {
    hash.as_bytes().to_vec()
}

fn thumb_aad(hash: &ContentHash) -> Vec<u8> {
    thumb_aad_str(hash.as_str())
}

fn thumb_aad_str(hash: &str) -> Vec<u8> {
    format!("thumb:{hash}").into_bytes()
}

/// A file's bytes, or None when there is no such file; any other failure is an error.
fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}
