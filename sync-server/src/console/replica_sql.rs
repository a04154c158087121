//! STOPGAP: read-only queries on the replica's projection tables for lists the core store does
//! not offer yet (patrols by grid and time, ledger entries by jurisdiction). They read
//! `replica/xuncha.db` directly and so depend on core's schema (version 4): replace them with
//! `Store::list_patrols(grids, from, to)` and `Store::list_ledger(jurisdiction, status)` once
//! core has them.

use crate::error::ApiError;
use crate::state::AppState;
use rusqlite::{Connection, OpenFlags};

fn open(state: &AppState) -> Result<Connection, ApiError> {
    let path = state.replica.dir().join("xuncha.db");
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(ApiError::internal)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(ApiError::internal)?;
    Ok(conn)
}

/// A patrol as its projection row has it.
#[derive(Debug, Clone)]
pub struct PatrolRow {
    pub id: String,
    pub grid_id: String,
    pub officer: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub result: Option<String>,
    pub points: i64,
}

/// Patrols started in `[from_ms, to_ms)`, newest first.
pub fn patrols_between(state: &AppState, from_ms: i64, to_ms: i64) -> Result<Vec<PatrolRow>, ApiError> {
    let conn = open(state)?;
    let mut stmt = conn
        .prepare(
            "SELECT doc_id, grid_id, officer, started_at, ended_at, result, points FROM patrols
             WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at DESC",
        )
        .map_err(ApiError::internal)?;
    let rows = stmt
        .query_map([from_ms, to_ms], |r| {
            Ok(PatrolRow {
                id: r.get(0)?,
                grid_id: r.get(1)?,
                officer: r.get(2)?,
                started_at_ms: r.get(3)?,
                ended_at_ms: r.get(4)?,
                result: r.get(5)?,
                points: r.get(6)?,
            })
        })
        .map_err(ApiError::internal)?;
    rows.collect::<Result<_, _>>().map_err(ApiError::internal)
}

/// Every ledger entry: (id, jurisdiction id).
pub fn ledger_ids(state: &AppState) -> Result<Vec<(String, String)>, ApiError> {
    let conn = open(state)?;
    let mut stmt =
        conn.prepare("SELECT doc_id, jurisdiction_id FROM ledger_entries ORDER BY name").map_err(ApiError::internal)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(ApiError::internal)?;
    rows.collect::<Result<_, _>>().map_err(ApiError::internal)
}
