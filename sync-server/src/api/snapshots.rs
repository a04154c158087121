//! Documents new to a device, as snapshots (protocol 3, ADR 0004): each saved from its
//! history in the log up to the pull's cursor, so the snapshot is exactly what the device may
//! have at that cursor — never a later state of a document that has since left its scope — and
//! is made without the replica's writer. A history that does not save (a change that does not
//! decode, a gap from a set-aside entry) is left out here and goes as changes, as before.

use crate::storage::{LogEntry, Logged};
use std::collections::BTreeMap;
use xuncha_core::sync::snapshot::{deflate_saved, save_history};

/// Snapshot bytes left uncompressed in an answer coded as zstd (which then finds what
/// documents share: 1,000 inspections are 9.8 MB plain, 0.27 MB coded) up to this much;
/// past it, and in an answer that goes plain, deflated per column (about 5× smaller than
/// plain), so that a pull of thousands of new documents stays within the phone's 16 MB section.
const PLAIN_SNAPSHOT_BYTES: usize = 8 * 1024 * 1024;

/// Whether the request asks for zstd (`Accept-Encoding`, a `q` of 0 refusing it), as the
/// compression layer reads it.
pub(super) fn accepts_zstd(headers: &axum::http::HeaderMap) -> bool {
    let values = headers.get_all(axum::http::header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok());
    values.flat_map(|v| v.split(',')).any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let named = parts.next().is_some_and(|name| name.eq_ignore_ascii_case("zstd"));
        let refused = parts.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()) == Some(0.0));
        named && !refused
    })
}

/// Each document's snapshot by record id, from `histories` (log order); `coded`: the answer
/// goes as zstd. Saved on every core: a page of a first pull holds hundreds of new documents,
/// and replaying their histories is most of the pull's time on the server.
pub(super) fn of_histories(histories: &[Logged], coded: bool) -> BTreeMap<String, Vec<u8>> {
    let mut changes: BTreeMap<&str, Vec<&[u8]>> = BTreeMap::new();
    for logged in histories {
        if let Ok(LogEntry::Change { doc_id, bytes, .. }) = &logged.entry {
            changes.entry(doc_id.as_str()).or_default().push(bytes.as_slice());
        }
    }
    let docs: Vec<(&str, Vec<&[u8]>)> = changes.into_iter().collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS);
    let per_thread = docs.len().div_ceil(cores).max(MIN_DOCS_PER_THREAD);
    let saved: Vec<(&str, Vec<u8>)> = if docs.len() <= per_thread {
        save_all(&docs, coded)
    } else {
        // A worker that panicked leaves its documents out: they go as changes.
        std::thread::scope(|s| {
            let workers: Vec<_> = docs.chunks(per_thread).map(|part| s.spawn(move || save_all(part, coded))).collect();
            workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
        })
    };
    // Uncompressed while the answer's zstd can find what they share, up to a bound.
    let mut out = BTreeMap::new();
    let mut plain_bytes = 0;
    for (doc_id, bytes) in saved {
        let bytes = if coded && plain_bytes >= PLAIN_SNAPSHOT_BYTES { deflated(bytes) } else { bytes };
        plain_bytes += bytes.len();
        out.insert(doc_id.to_owned(), bytes);
    }
    out
}

/// Threads a pull's snapshots are saved on, at most; and the fewest documents worth a thread.
const MAX_THREADS: usize = 4;
const MIN_DOCS_PER_THREAD: usize = 16;

/// Saves each history (`plain` as `save_history` takes it); one that does not save is left
/// out, to go as changes.
fn save_all<'a>(docs: &[(&'a str, Vec<&[u8]>)], plain: bool) -> Vec<(&'a str, Vec<u8>)> {
    let mut out = Vec::with_capacity(docs.len());
    for (doc_id, history) in docs {
        match save_history(history.iter().copied(), plain) {
            Ok(bytes) => out.push((*doc_id, bytes)),
            Err(why) => tracing::warn!(doc_id, %why, "a history that does not save goes as changes"),
        }
    }
    out
}

/// A plain snapshot deflated per column (rare: only past `PLAIN_SNAPSHOT_BYTES` of one answer).
fn deflated(plain: Vec<u8>) -> Vec<u8> {
    deflate_saved(&plain).unwrap_or(plain)
}

#[cfg(test)]
mod tests {
    use super::accepts_zstd;
    use axum::http::{HeaderMap, HeaderValue, header::ACCEPT_ENCODING};

    #[test]
    fn zstd_is_accepted_when_named_without_a_zero_q() {
        for (value, accepted) in [
            ("zstd", true),
            ("gzip, ZSTD;q=0.5", true),
            ("br , zstd ; q=1", true),
            ("zstd;q=0", false),
            ("gzip, deflate", false),
            ("zstdx", false),
            ("", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_static(value));
            assert_eq!(accepts_zstd(&headers), accepted, "{value:?}");
        }
        assert!(!accepts_zstd(&HeaderMap::new()));
    }
}
