//! Patrol logs (巡查记录) of grid captains and building managers.

use super::Store;
use super::projection::search_text;
use crate::doc::{DocView, Edit};
use crate::util::{new_id, now_ms};
use crate::{Error, Level, PatrolLog, PatrolPoint, PatrolResult, PatrolSummary, RecordKind, Result};
use rusqlite::{Transaction, params};
use serde_json::json;

impl Store {
    /// Starts a patrol of one grid by the signed-in officer.
    pub fn start_patrol(&self, grid_id: &str) -> Result<String> {
        let mut inner = self.lock();
        let author = inner.author()?;
        if inner.jurisdiction(grid_id)?.level != Level::Grid {
            return Err(Error::invalid("patrol grid", format!("{grid_id} 不是网格，巡查须在网格内进行")));
        }
        inner.create(
            RecordKind::Patrol,
            "patrol",
            &["points", "evidence"],
            &[
                Edit::Set("grid_id", json!(grid_id)),
                Edit::Set("officer", json!(author.officer)),
                Edit::Set("started_at", json!(now_ms())),
            ],
        )
    }

    /// Adds a GPS point of the route.
    pub fn add_patrol_point(&self, id: &str, point: PatrolPoint) -> Result<()> {
        crate::model::check_lat_lon(point.lat, point.lon)?;
        crate::model::check_accuracy(point.accuracy_m)?;
        let mut inner = self.lock();
        inner.record(id, RecordKind::Patrol)?;
        inner.edit(id, &[Edit::Entry("points", new_id("pt"), serde_json::to_value(&point).expect("plain JSON"))])
    }

    /// Ends the patrol with its result; "nothing found" is a result like any other.
    pub fn finish_patrol(&self, id: &str, result: PatrolResult, note: &str) -> Result<()> {
        let mut inner = self.lock();
        inner.record(id, RecordKind::Patrol)?;
        inner.edit(
            id,
            &[
                Edit::Set("result", json!(result.as_str())),
                Edit::Set("note", json!(note.trim())),
                Edit::Set("ended_at", json!(now_ms())),
            ],
        )
    }

    /// Patrols of the grids in a jurisdiction subtree started in [from_ms, to_ms), newest first.
    pub fn list_patrols(&self, jurisdiction_id: &str, from_ms: i64, to_ms: i64) -> Result<Vec<PatrolSummary>> {
        self.read(|conn| {
            let path = super::reference::path_of(conn, jurisdiction_id)?;
            let mut stmt = conn.prepare_cached(
                "SELECT doc_id, grid_id, officer, started_at, ended_at, result, points FROM patrols
             WHERE grid_id IN (SELECT id FROM jurisdictions WHERE path LIKE ?1 || '%')
               AND started_at >= ?2 AND started_at < ?3
             ORDER BY started_at DESC, doc_id",
            )?;
            let rows = stmt.query_map(rusqlite::params![path, from_ms, to_ms], |r| {
                Ok(PatrolSummary {
                    id: r.get(0)?,
                    grid_id: r.get(1)?,
                    officer: r.get(2)?,
                    started_at_ms: r.get(3)?,
                    ended_at_ms: r.get(4)?,
                    result: r.get::<_, Option<String>>(5)?.and_then(|s| PatrolResult::parse(&s)),
                    points: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub fn patrol(&self, id: &str) -> Result<PatrolLog> {
        let mut inner = self.lock();
        Ok(materialize(id, &inner.record(id, RecordKind::Patrol)?))
    }
}

fn materialize(id: &str, v: &DocView<'_>) -> PatrolLog {
    let mut points: Vec<PatrolPoint> = v.entries("points").into_iter().map(|(_, p)| p).collect();
    points.sort_by_key(|p| p.at_ms);
    PatrolLog {
        id: id.to_owned(),
        grid_id: v.str("grid_id").unwrap_or_default(),
        officer: v.str("officer").unwrap_or_default(),
        started_at_ms: v.i64("started_at").unwrap_or(0),
        ended_at_ms: v.i64("ended_at"),
        points,
        result: v.str("result").and_then(|r| PatrolResult::parse(&r)),
        note: v.str("note").unwrap_or_default(),
        conflicts: v.conflicts(),
    }
}

pub(crate) fn project(tx: &Transaction<'_>, id: &str, v: &DocView<'_>) -> Result<String> {
    let p = materialize(id, v);
    tx.prepare_cached(
        "INSERT OR REPLACE INTO patrols (doc_id, grid_id, officer, started_at, ended_at, result, points, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        id,
        p.grid_id,
        p.officer,
        p.started_at_ms,
        p.ended_at_ms,
        p.result.map(PatrolResult::as_str),
        p.points.len() as i64,
        now_ms()
    ])?;
    Ok(search_text([p.note.as_str(), p.officer.as_str()]))
}
