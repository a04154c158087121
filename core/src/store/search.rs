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

/// How a query meets the search text: three or more characters use the trigram index,
/// shorter ones (common in Chinese: "补课") a substring scan.
pub(crate) enum TextMatch {
    Trigram(String),
    Substring(String),
}

impl TextMatch {
    /// None when nothing is left to match. Control characters match nothing a person wrote,
    /// and a NUL ends the FTS5 string early ("unterminated string"): they are dropped.
    pub(crate) fn parse(query: &str) -> Option<TextMatch> {
        let cleaned: String = query.chars().filter(|c| !c.is_control()).collect();
        let q = cleaned.trim();
        match q.chars().count() {
            0 => None,
            1 | 2 => Some(TextMatch::Substring(q.to_owned())),
            _ => Some(TextMatch::Trigram(q.to_owned())),
        }
    }

    /// The text looked for.
    pub(crate) fn text(&self) -> &str {
        match self {
            TextMatch::Trigram(q) | TextMatch::Substring(q) => q,
        }
    }

    /// A condition on the `search` table with one parameter, `?`, bound to `arg`.
    pub(crate) fn condition(&self) -> &'static str {
        match self {
            TextMatch::Trigram(_) => "search MATCH ?",
            TextMatch::Substring(_) => "instr(body, ?) > 0",
        }
    }

    pub(crate) fn arg(&self) -> String {
        match self {
            // One phrase: FTS5 operators in the text are taken as text.
            TextMatch::Trigram(q) => format!("\"{}\"", q.replace('"', "\"\"")),
            TextMatch::Substring(q) => q.clone(),
        }
    }
}

impl Store {
    /// Records whose text contains `query` (see `TextMatch`), best first for longer queries.
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let Some(m) = TextMatch::parse(query) else { return Ok(Vec::new()) };
        let sql = match m {
            TextMatch::Trigram(_) => {
                "SELECT doc_id, kind, snippet(search, 2, '【', '】', '…', 16) FROM search WHERE search MATCH ?1 ORDER BY rank LIMIT ?2"
            }
            TextMatch::Substring(_) => {
                "SELECT doc_id, kind, substr(body, max(1, instr(body, ?1) - 8), 24) FROM search WHERE instr(body, ?1) > 0 LIMIT ?2"
            }
        };
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt.query_map(rusqlite::params![m.arg(), limit], |r| {
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
        })
    }
}
