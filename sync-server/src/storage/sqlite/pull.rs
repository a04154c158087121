//! The reads of a pull: entries by the caller's scope, joined to the document index in SQL so
//! that entries outside it are never loaded, and whole histories of many documents at once.

use super::{ENTRY_COLS, row_entry};
use crate::storage::{Logged, PullPage, PullScope, StorageResult};
use rusqlite::{Connection, params};

pub(super) fn last_seq(c: &Connection) -> StorageResult<u64> {
    Ok(c.prepare_cached("SELECT coalesce(max(seq), 0) FROM log")?.query_row([], |r| r.get::<_, i64>(0))? as u64)
}

fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("strings serialize")
}

pub(super) fn visible_after(
    c: &Connection,
    cursor: u64,
    scope: &PullScope,
    limit: usize,
    max_bytes: usize,
) -> StorageResult<PullPage> {
    // Read first: everything up to it is committed (appends are serialized), so a page that
    // ends short covers the log up to here and nothing appended meanwhile is skipped.
    let end = last_seq(c)?;
    let kinds = |ks: &[xuncha_core::RecordKind]| json(&ks.iter().map(|k| k.as_str()).collect::<Vec<_>>());
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {cols} FROM log l JOIN docs d ON d.doc_id = l.doc_id
         WHERE l.seq > ?1 AND l.seq <= ?2 AND l.origin <> ?3
           AND NOT EXISTS (SELECT 1 FROM set_aside s WHERE s.seq = l.seq)
           AND (?4 OR (d.jurisdiction_id IN (SELECT value FROM json_each(?5))
                AND (d.kind IN (SELECT value FROM json_each(?6))
                     OR (d.kind IN (SELECT value FROM json_each(?7))
                         AND instr(char(10) || d.members || char(10), char(10) || ?8 || char(10)) > 0))))
         ORDER BY l.seq LIMIT ?9",
        cols = ENTRY_COLS.split(", ").map(|c| format!("l.{c}")).collect::<Vec<_>>().join(", ")
    ))?;
    let rows = stmt.query_map(
        params![
            cursor as i64,
            end as i64,
            scope.device_id,
            scope.nodes.is_none(),
            json(scope.nodes.as_deref().unwrap_or_default()),
            kinds(&scope.all_kinds),
            kinds(&scope.member_kinds),
            scope.member,
            // One more than the page holds: whether the log holds more.
            limit as i64 + 1,
        ],
        row_entry,
    )?;
    let mut page = PullPage { cursor: end, ..Default::default() };
    let mut bytes = 0;
    for row in rows {
        let entry = row?;
        if page.entries.len() == limit || bytes >= max_bytes {
            page.more = true;
            break;
        }
        bytes += entry.entry.as_ref().map_or(0, |e| e.stored_bytes().len());
        page.cursor = entry.seq;
        page.entries.push(entry);
    }
    if !page.more {
        page.cursor = end;
    }
    Ok(page)
}

pub(super) fn doc_histories(
    c: &Connection,
    doc_ids: &[String],
    until: u64,
    origin: &str,
) -> StorageResult<Vec<Logged>> {
    if doc_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ENTRY_COLS} FROM log
         WHERE doc_id IN (SELECT value FROM json_each(?1)) AND seq <= ?2 AND origin <> ?3
           AND seq NOT IN (SELECT seq FROM set_aside)
         ORDER BY seq"
    ))?;
    Ok(stmt.query_map(params![json(&doc_ids), until as i64, origin], row_entry)?.collect::<Result<_, _>>()?)
}
