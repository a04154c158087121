//! Full-text search over notes, names and addresses, Chinese included (trigram index).

use super::Store;
use crate::{RecordKind, Result};

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SearchHit {
    pub record_id: String,
    pub kind: RecordKind,
    /// The matching text with the match in 【】.
    pub snippet: String,
}

impl Store {
    /// Records whose text contains `query`. Queries of three or more characters use the trigram
    /// index; shorter ones (common in Chinese: "补课") fall back to a substring scan.
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
        // Control characters match nothing a person wrote, and a NUL ends the FTS5 string early
        // ("unterminated string"): drop them.
        let cleaned: String = query.chars().filter(|c| !c.is_control()).collect();
        let q = cleaned.trim();
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let inner = self.lock();
        let (sql, arg) = if q.chars().count() >= 3 {
            (
                "SELECT doc_id, kind, snippet(search, 2, '【', '】', '…', 16) FROM search WHERE search MATCH ?1 ORDER BY rank LIMIT ?2",
                format!("\"{}\"", q.replace('"', "\"\"")),
            )
        } else {
            (
                "SELECT doc_id, kind, substr(body, max(1, instr(body, ?1) - 8), 24) FROM search WHERE instr(body, ?1) > 0 LIMIT ?2",
                q.to_owned(),
            )
        };
        let mut stmt = inner.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(rusqlite::params![arg, limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        let mut hits = Vec::new();
        for row in rows {
            let (record_id, kind, snippet) = row?;
            if let Some(kind) = RecordKind::parse(&kind) {
                hits.push(SearchHit { record_id, kind, snippet });
            }
        }
        Ok(hits)
    }
}
