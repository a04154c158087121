//! Several small evidence files in one request (`POST /v1/evidence/batch`), so that a week of
//! photos does not cost two requests each. Body `XEB1`, then per file: the content hash (32
//! bytes), then the bytes (varint length, bytes). Each file is whole; the server checks each on
//! its own and answers per file, so one bad file does not fail the others.

use crate::bundle::{put_bytes, take_bytes};
use crate::evidence::ContentHash;
use crate::sync::protocol::MAX_BODY_BYTES;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 4] = b"XEB1";
/// Files up to this size travel in batches by default; larger ones in resumable chunks. A
/// phone photo (12 MP, about 3 MB) goes whole in a batch: 20 of them take 4 requests instead
/// of 240 chunks. A request then holds at most `BATCH_BYTES` in memory, not a file stream.
pub const BATCH_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// A batch is cut at about this many bytes of files: under the server's body limit
/// (`MAX_BODY_BYTES`, 16 MiB) with room for the framing.
pub const BATCH_BYTES: usize = 15 * 1024 * 1024;
/// Most files in one batch.
pub const MAX_BATCH_FILES: usize = 500;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UploadBatch {
    pub files: Vec<(ContentHash, Vec<u8>)>,
}

/// What the server did with one file of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchFileResult {
    pub content_hash: String,
    /// The server holds the whole file, verified against its hash.
    pub complete: bool,
    /// Why not, when not: a stable code and a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchUploadResponse {
    pub files: Vec<BatchFileResult>,
}

impl UploadBatch {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for (hash, bytes) in &self.files {
            out.extend_from_slice(&hash.to_bytes());
            put_bytes(&mut out, bytes);
        }
        out
    }

    pub fn decode(mut bytes: &[u8]) -> Result<UploadBatch> {
        let bad = |why: String| Error::CorruptChanges(format!("evidence batch {why}"));
        bytes = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(|| bad("does not start with XEB1".into()))?;
        let mut files = Vec::new();
        while !bytes.is_empty() {
            if files.len() == MAX_BATCH_FILES {
                return Err(bad(format!("has more than {MAX_BATCH_FILES} files")));
            }
            let (hash, rest) =
                bytes.split_first_chunk::<32>().ok_or_else(|| bad(format!("file {} has no hash", files.len())))?;
            bytes = rest;
            let body = take_bytes(&mut bytes, MAX_BODY_BYTES)
                .ok_or_else(|| bad(format!("file {} has a broken length", files.len())))?;
            files.push((ContentHash::from_bytes(*hash), body.to_vec()));
        }
        Ok(UploadBatch { files })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_round_trips_and_broken_ones_are_refused() {
        let files: Vec<_> = (0..3u8).map(|i| vec![i; 10 * i as usize]).map(|b| (ContentHash::of(&b), b)).collect();
        let batch = UploadBatch { files };
        let bytes = batch.encode();
        assert_eq!(UploadBatch::decode(&bytes).unwrap(), batch);
        for cut in [0, 3, 4 + 31, bytes.len() - 1] {
            assert!(UploadBatch::decode(bytes.get(..cut).unwrap()).is_err(), "cut at {cut}");
        }
        assert!(UploadBatch::decode(b"XEB1").unwrap().files.is_empty());
    }
}
