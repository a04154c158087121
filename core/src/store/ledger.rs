//! The key-target ledger (台账): entries come in and go out with a reason; history is kept.

use super::Store;
use super::projection::search_text;
use crate::doc::{DocView, Edit};
use crate::util::{new_id, now_ms};
use crate::{
    Error, LedgerCategory, LedgerEntry, LedgerMove, LedgerStatus, LedgerSummary, NewLedgerEntry, RecordKind, Result,
};
use rusqlite::{Transaction, params};
use serde_json::json;

impl Store {
    /// Enters an institution or person on the ledger (入账).
    pub fn add_ledger_entry(&self, new: &NewLedgerEntry) -> Result<String> {
        if new.name.trim().is_empty() || new.reason.trim().is_empty() {
            return Err(Error::invalid("ledger entry", "台账条目须填写名称和入账原因"));
        }
        let mut inner = self.lock();
        let author = inner.author()?;
        inner.jurisdiction(&new.jurisdiction_id)?;
        let entry = LedgerMove {
            seq: 1,
            status: LedgerStatus::In,
            reason: new.reason.trim().to_owned(),
            at_ms: now_ms(),
            by: author.officer,
        };
        inner.create(
            RecordKind::LedgerEntry,
            "ledger",
            &["history"],
            &[
                Edit::Set("jurisdiction_id", json!(new.jurisdiction_id)),
                Edit::Set("name", json!(new.name.trim())),
                Edit::Set("category", json!(new.category.as_str())),
                Edit::Set("address", json!(new.address)),
                Edit::Set("status", json!(LedgerStatus::In.as_str())),
                Edit::Entry("history", new_id("move"), serde_json::to_value(&entry).expect("plain JSON")),
            ],
        )
    }

    /// Moves an entry in or out of the ledger with a reason (入账 / 出账).
    pub fn move_ledger_entry(&self, id: &str, status: LedgerStatus, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(Error::invalid("ledger move", "须填写出入账原因"));
        }
        let mut inner = self.lock();
        let author = inner.author()?;
        let current = materialize(id, &inner.record(id, RecordKind::LedgerEntry)?);
        if current.status == status {
            return Err(Error::invalid("ledger move", format!("该台账条目已经{}", status.label_zh())));
        }
        let seq = current.history.len() as u32 + 1;
        let entry = LedgerMove { seq, status, reason: reason.trim().to_owned(), at_ms: now_ms(), by: author.officer };
        inner.edit(
            id,
            &[
                Edit::Set("status", json!(status.as_str())),
                Edit::Entry("history", new_id("move"), serde_json::to_value(&entry).expect("plain JSON")),
            ],
        )
    }

    /// The ledger of a jurisdiction subtree (optionally only entries in or out), by name.
    pub fn list_ledger(&self, jurisdiction_id: &str, status: Option<LedgerStatus>) -> Result<Vec<LedgerSummary>> {
        self.read(|conn| {
            let path = super::reference::path_of(conn, jurisdiction_id)?;
            let mut stmt = conn.prepare_cached(
                "SELECT doc_id, jurisdiction_id, name, category, address, status FROM ledger_entries
             WHERE jurisdiction_id IN (SELECT id FROM jurisdictions WHERE path LIKE ?1 || '%')
               AND (?2 IS NULL OR status = ?2)
             ORDER BY name, doc_id",
            )?;
            let rows = stmt.query_map(params![path, status.map(LedgerStatus::as_str)], |r| {
                Ok(LedgerSummary {
                    id: r.get(0)?,
                    jurisdiction_id: r.get(1)?,
                    name: r.get(2)?,
                    category: LedgerCategory::parse(&r.get::<_, String>(3)?)
                        .unwrap_or(LedgerCategory::ConvertedInstitution),
                    address: r.get(4)?,
                    status: LedgerStatus::parse(&r.get::<_, String>(5)?).unwrap_or(LedgerStatus::In),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub fn ledger_entry(&self, id: &str) -> Result<LedgerEntry> {
        self.view(id, RecordKind::LedgerEntry, |v| materialize(id, v))
    }
}

fn materialize(id: &str, v: &DocView<'_>) -> LedgerEntry {
    let mut history: Vec<LedgerMove> = v.entries("history").into_iter().map(|(_, m)| m).collect();
    history.sort_by_key(|m| (m.seq, m.at_ms));
    LedgerEntry {
        id: id.to_owned(),
        jurisdiction_id: v.str("jurisdiction_id").unwrap_or_default(),
        name: v.str("name").unwrap_or_default(),
        category: v
            .str("category")
            .and_then(|c| LedgerCategory::parse(&c))
            .unwrap_or(LedgerCategory::ConvertedInstitution),
        address: v.str("address").unwrap_or_default(),
        status: v.str("status").and_then(|s| LedgerStatus::parse(&s)).unwrap_or(LedgerStatus::In),
        history,
    }
}

pub(crate) fn project(tx: &Transaction<'_>, id: &str, v: &DocView<'_>) -> Result<String> {
    let e = materialize(id, v);
    tx.prepare_cached(
        "INSERT OR REPLACE INTO ledger_entries (doc_id, jurisdiction_id, name, category, address, status, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id,
        e.jurisdiction_id,
        e.name,
        e.category.as_str(),
        e.address,
        e.status.as_str(),
        now_ms()
    ])?;
    Ok(search_text(
        [e.name.as_str(), e.address.as_str()].into_iter().chain(e.history.iter().map(|m| m.reason.as_str())),
    ))
}
