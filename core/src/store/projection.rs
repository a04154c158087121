//! Projection rows: what lists, filters and search read, so that they never load a document.
//! Written in the same transaction as the document's changes.

use super::{cases, inspections, ledger, patrols, places};
use crate::doc::DocView;
use crate::util::now_ms;
use crate::{RecordKind, Result};
use automerge::Automerge;
use rusqlite::{Transaction, params};

/// Updates the document row, the projection row of its kind and its search text.
pub(crate) fn write(tx: &Transaction<'_>, id: &str, doc: &Automerge) -> Result<()> {
    let view = DocView(doc);
    let kind = view.str("kind").and_then(|k| RecordKind::parse(&k));
    let heads: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
    tx.prepare_cached(
        "INSERT INTO documents (doc_id, kind, heads, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (doc_id) DO UPDATE SET kind = excluded.kind, heads = excluded.heads, updated_at = excluded.updated_at",
    )?
    .execute(params![id, kind.map(|k| k.as_str()), heads.join(","), now_ms()])?;
    super::snapshots::compact(tx, id, doc)?;
    // Changes can arrive before the change that created the record; no projection until then.
    let Some(kind) = kind else { return Ok(()) };
    let text = match kind {
        RecordKind::Inspection => inspections::project(tx, id, &view)?,
        RecordKind::Patrol => patrols::project(tx, id, &view)?,
        RecordKind::Case => cases::project(tx, id, &view)?,
        RecordKind::LedgerEntry => ledger::project(tx, id, &view)?,
        RecordKind::Place => places::project(tx, id, &view)?,
    };
    replace_search_row(tx, id, kind.as_str(), &text)
}

/// A record's one row of the search index, found by its rowid (`search_rows`).
pub(crate) fn replace_search_row(tx: &rusqlite::Connection, id: &str, kind: &str, text: &str) -> Result<()> {
    tx.prepare_cached("INSERT INTO search_rows (doc_id) VALUES (?1) ON CONFLICT (doc_id) DO NOTHING")?.execute([id])?;
    let row: i64 = tx.prepare_cached("SELECT row FROM search_rows WHERE doc_id = ?1")?.query_row([id], |r| r.get(0))?;
    tx.prepare_cached("DELETE FROM search WHERE rowid = ?1")?.execute([row])?;
    tx.prepare_cached("INSERT INTO search (rowid, doc_id, kind, body) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![row, id, kind, text])?;
    Ok(())
}

/// Rebuilds every projection from the stored documents (after a migration that needs it).
pub(crate) fn reproject_all(tx: &Transaction<'_>) -> Result<()> {
    let ids: Vec<String> =
        tx.prepare("SELECT doc_id FROM documents")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let actor = automerge::ActorId::random();
    for id in ids {
        if let Some(doc) = super::load_doc(tx, &actor, &id)? {
            write(tx, &id, &doc)?;
        }
    }
    Ok(())
}

/// Joins the non-empty parts of a record's searchable text.
pub(crate) fn search_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n")
}
