//! Sync bodies are compressed here, in core, so that every transport (the phones' own HTTP
//! stacks, reqwest) sends and reads them alike: pushes go out as zstd with
//! `Content-Encoding: zstd`, pulls ask for it with `Accept-Encoding: zstd`. Evidence uploads
//! are JPEG and go as they are.
//!
//! What comes back is read as bytes whatever a stack did with them: a `zstd` answer that
//! still starts with zstd's frame magic is decoded here, one that does not was decoded on
//! the way (libcurl behind URLSession on Linux decodes zstd itself and keeps the header).
//! Decoding is capped, so a small hostile body cannot inflate past the largest answer.

use super::protocol::MAX_BODY_BYTES;
use std::io::Read;

/// The one content coding the sync uses.
pub const ZSTD: &str = "zstd";
/// zstd's default level: about 3× on change bundles at a few ms per megabyte.
const LEVEL: i32 = 3;
/// The largest window a frame may ask the decoder for (8 MiB): what zstd's levels up to 19
/// use; a frame asking for more is refused instead of allocating it.
const WINDOW_LOG_MAX: u32 = 23;
/// zstd frames start with these bytes (RFC 8878, 3.1.1).
const FRAME_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
/// The largest decoded answer: a pull's three sections at their caps, and their framing.
pub const MAX_DECODED_BYTES: u64 = 3 * MAX_BODY_BYTES + 1024;

/// `bytes` as one zstd frame.
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    // Compressing a slice in memory fails only for a level zstd does not have.
    zstd::bulk::compress(bytes, LEVEL).expect("zstd level 3 exists")
}

/// Whether `bytes` start as a zstd frame does.
pub fn is_zstd_frame(bytes: &[u8]) -> bool {
    bytes.starts_with(&FRAME_MAGIC)
}

/// Decodes zstd frames into at most `limit` bytes; more, or anything that is not zstd, is
/// an error that says why.
pub fn decompress(bytes: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut decoder = zstd::stream::read::Decoder::with_buffer(bytes).map_err(|e| format!("zstd: {e}"))?;
    decoder.window_log_max(WINDOW_LOG_MAX).map_err(|e| format!("zstd: {e}"))?;
    let mut out = Vec::new();
    decoder.take(limit.saturating_add(1)).read_to_end(&mut out).map_err(|e| format!("zstd body: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!("the zstd body decodes to more than {limit} bytes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_says_what_it_made() {
        let body = b"XPL1 and some text that repeats, repeats, repeats, repeats".repeat(100);
        let packed = compress(&body);
        assert!(packed.len() < body.len() / 10, "{} of {}", packed.len(), body.len());
        assert!(is_zstd_frame(&packed));
        assert!(!is_zstd_frame(&body));
        assert_eq!(decompress(&packed, body.len() as u64).unwrap(), body);
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let bomb = compress(&vec![0u8; 64 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
        let e = decompress(&bomb, 1024 * 1024).unwrap_err();
        assert!(e.contains("more than 1048576"), "{e}");
    }

    #[test]
    fn garbage_and_cut_frames_are_errors() {
        assert!(decompress(b"not zstd at all", 1024).is_err());
        let packed = compress(&b"abc".repeat(10_000));
        assert!(decompress(packed.get(..packed.len() / 2).unwrap(), 1 << 20).is_err());
    }

    #[test]
    fn a_frame_asking_for_a_huge_window_is_refused() {
        // A frame by hand (RFC 8878): no content size, a window descriptor, one raw block "A".
        let frame = |window_descriptor: u8| vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, window_descriptor, 0x09, 0, 0, b'A'];
        assert_eq!(decompress(&frame(10 << 3), 16).unwrap(), b"A", "a 1 MiB window");
        let e = decompress(&frame(17 << 3), 16).unwrap_err();
        assert!(e.contains("zstd"), "a 128 MiB window: {e}");
    }
}
