//! Patrol coverage (巡查频次): patrols per grid per week, and the grids nobody patrolled.

use super::util::{Params, date, day_start_ms, num, param, today, week_start};
use super::{ConsoleUser, Tree};
use crate::api::{Query, blocking};
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::state::SharedState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use xuncha_core::Level;

#[utoipa::path(get, path = "/v1/console/patrols", tag = "console", security(("bearer" = [])),
    params(("node" = Option<String>, Query, description = "jurisdiction node"),
           ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD"),
           ("weeks" = Option<i64>, Query, description = "weeks back, 1 to 52")),
    responses((status = 200, description = "patrol coverage per grid and week", body = serde_json::Value), Errors))]
pub async fn coverage(
    State(state): State<SharedState>,
    Query(q): Query<Params>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<Value>, ApiError> {
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
                not_patrolled.push(json!({"id": g.id, "name": tree.path(&g.id)}));
            }
            rows.push(json!({
                "grid_id": g.id,
                "grid": tree.path(&g.id),
                "per_week": per_week,
                "total": mine.len(),
                "weeks_without": per_week.iter().filter(|n| **n == 0).count(),
                "nothing_found": count("nothing_found"),
                "lead_raised": count("lead_raised"),
                "issue_found": count("issue_found"),
                "last_patrol_ms": mine.iter().map(|p| p.started_at_ms).max(),
            }));
        }
        let recent: Vec<Value> = patrols
            .iter()
            .take(50)
            .map(|p| {
                json!({
                    "id": p.id, "grid": tree.path(&p.grid_id), "officer": p.officer, "started_at_ms": p.started_at_ms,
                    "ended_at_ms": p.ended_at_ms, "result": p.result.map(|x| x.as_str()), "points": p.points,
                })
            })
            .collect();
        Ok(Json(json!({
            "weeks": week_starts.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect::<Vec<_>>(),
            "grids": rows,
            "not_patrolled": not_patrolled,
            "recent": recent,
            "total": patrols.len(),
        })))
    })
    .await
}
