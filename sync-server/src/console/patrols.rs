//! Patrol coverage (巡查频次): patrols per grid per week, and the grids nobody patrolled.

use super::util::{Params, date, day_start_ms, num, param, today, week_start};
use super::{ConsoleUser, Tree};
use crate::api::{Query, blocking};
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::state::SharedState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use xuncha_core::{Level, PatrolResult};

/// One grid's patrols over the weeks shown.
#[derive(Serialize, utoipa::ToSchema)]
pub struct GridCoverage {
    pub grid_id: String,
    /// The grid's path from the caller's top node.
    pub grid: String,
    /// Patrols in each week, in the order of `weeks`.
    pub per_week: Vec<u32>,
    /// Patrols in all the weeks.
    pub total: usize,
    /// Weeks nobody patrolled the grid.
    pub weeks_without: usize,
    /// Patrols by result.
    pub nothing_found: usize,
    pub lead_raised: usize,
    pub issue_found: usize,
    /// When the latest patrol started, ms since the epoch.
    pub last_patrol_ms: Option<i64>,
}

/// A grid nobody patrolled in the weeks shown.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UnpatrolledGrid {
    pub id: String,
    /// The grid's path from the caller's top node.
    pub name: String,
}

/// A patrol in the weeks shown.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecentPatrol {
    pub id: String,
    /// The grid's path from the caller's top node.
    pub grid: String,
    pub officer: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub result: Option<PatrolResult>,
    /// GPS points recorded.
    pub points: u32,
}

/// Patrol coverage (巡查频次) of the grids under a node.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PatrolCoverage {
    /// The first day (Monday, YYYY-MM-DD) of each week shown, oldest first.
    pub weeks: Vec<String>,
    pub grids: Vec<GridCoverage>,
    pub not_patrolled: Vec<UnpatrolledGrid>,
    /// Up to 50 of the patrols.
    pub recent: Vec<RecentPatrol>,
    /// Patrols in the weeks shown.
    pub total: usize,
}

#[utoipa::path(get, path = "/v1/console/patrols", tag = "console", security(("bearer" = [])),
    params(("node" = Option<String>, Query, description = "jurisdiction node"),
           ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD"),
           ("weeks" = Option<i64>, Query, description = "weeks back, 1 to 52")),
    responses((status = 200, description = "patrol coverage per grid and week", body = PatrolCoverage), Errors))]
pub async fn coverage(
    State(state): State<SharedState>,
    Query(q): Query<Params>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<PatrolCoverage>, ApiError> {
    blocking(move || {
        let tree = Tree::of(&state, &sup)?;
        let node = sup.node_or_root(&state, param(&q, "node"))?;
        let weeks = num(&q, "weeks", 8, 1..=52)?;
        let last_day = param(&q, "to").map(|v| date("to", v)).transpose()?.unwrap_or_else(today);
        let first_week = week_start(last_day) - chrono::Duration::weeks(weeks - 1);
        let week_starts: Vec<chrono::NaiveDate> = (0..weeks).map(|w| first_week + chrono::Duration::weeks(w)).collect();
        let from_ms = day_start_ms(first_week);
        let to_ms = day_start_ms(week_start(last_day) + chrono::Duration::weeks(1));
        let grids: Vec<_> =
            tree.subtree(&node).into_iter().filter(|j| j.level == Level::Grid && sup.sees(&state, &j.id)).collect();
        let patrols: Vec<_> = state
            .replica
            .list_patrols(&node, from_ms, to_ms)?
            .into_iter()
            .filter(|p| grids.iter().any(|g| g.id == p.grid_id))
            .collect();
        let week_of = |ms: i64| -> usize { ((ms - from_ms) / (7 * 86_400_000)).clamp(0, weeks - 1) as usize };
        let mut rows = Vec::new();
        let mut not_patrolled = Vec::new();
        for g in &grids {
            let mine: Vec<_> = patrols.iter().filter(|p| p.grid_id == g.id).collect();
            let mut per_week = vec![0u32; weeks as usize];
            for p in &mine {
                per_week[week_of(p.started_at_ms)] += 1;
            }
            let count = |r: &str| mine.iter().filter(|p| p.result.map(|x| x.as_str()) == Some(r)).count();
            if mine.is_empty() {
                not_patrolled.push(UnpatrolledGrid { id: g.id.clone(), name: tree.path(&g.id) });
            }
            rows.push(GridCoverage {
                grid_id: g.id.clone(),
                grid: tree.path(&g.id),
                total: mine.len(),
                weeks_without: per_week.iter().filter(|n| **n == 0).count(),
                per_week,
                nothing_found: count("nothing_found"),
                lead_raised: count("lead_raised"),
                issue_found: count("issue_found"),
                last_patrol_ms: mine.iter().map(|p| p.started_at_ms).max(),
            });
        }
        let recent = patrols
            .iter()
            .take(50)
            .map(|p| RecentPatrol {
                id: p.id.clone(),
                grid: tree.path(&p.grid_id),
                officer: p.officer.clone(),
                started_at_ms: p.started_at_ms,
                ended_at_ms: p.ended_at_ms,
                result: p.result,
                points: p.points,
            })
            .collect();
        Ok(Json(PatrolCoverage {
            weeks: week_starts.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect(),
            grids: rows,
            not_patrolled,
            recent,
            total: patrols.len(),
        }))
    })
    .await
}
