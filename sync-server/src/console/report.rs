//! The quarterly report (每季度公开曝光典型案例): the quarter's figures and the cases decided in
//! it, from which the supervisor picks the typical ones to print.

use super::util::{Params, day_start_ms, num, param, today};
use super::{ConsoleUser, Tree};
use crate::api::{Query, blocking};
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::state::SharedState;
use axum::Json;
use axum::extract::State;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use xuncha_core::{AnswerValue, CaseSource, CaseState, Conclusion, InspectionFilter, Level};

/// The quarter's inspections in figures.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InspectionFigures {
    pub total: usize,
    /// Inspections by shift (`day`, `night`).
    pub by_shift: BTreeMap<String, usize>,
    /// Inspections by mode (`joint`, `spot`).
    pub by_mode: BTreeMap<String, usize>,
    /// Inspections by conclusion; `none` for those without one.
    pub by_conclusion: BTreeMap<String, usize>,
    /// Violations seen, over all inspections.
    pub violations: usize,
    /// Departments that took part.
    pub departments: Vec<String>,
}

/// The quarter's patrols in figures, by result.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PatrolFigures {
    pub total: usize,
    pub nothing_found: usize,
    pub lead_raised: usize,
    pub issue_found: usize,
}

/// The quarter's cases in figures.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseFigures {
    /// Opened, closed and decided in the quarter.
    pub opened: usize,
    pub closed: usize,
    pub decided: usize,
}

/// A case decided in the quarter: a candidate for public exposure.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TypicalCase {
    pub id: String,
    pub summary: String,
    /// The jurisdiction's path from the caller's top node.
    pub jurisdiction: String,
    pub source: CaseSource,
    pub state: CaseState,
    pub department: Option<String>,
    /// The decision step: when, what (its note) and by whom.
    pub decided_at_ms: i64,
    pub decision: String,
    pub decided_by: String,
    /// The feedback given to the reporter, if any.
    pub feedback: Option<String>,
    /// The name of the place of the inspection the case came from.
    pub place: Option<String>,
    /// That inspection's conclusion, findings and violations.
    pub conclusion: Option<Conclusion>,
    pub findings: Vec<String>,
    pub violations: usize,
}

/// The quarterly report (每季度公开曝光典型案例) of a node.
#[derive(Serialize, utoipa::ToSchema)]
pub struct QuarterlyReport {
    pub year: i32,
    /// 1 to 4.
    pub quarter: u32,
    /// The quarter's first and last day, YYYY-MM-DD.
    pub from: String,
    pub to: String,
    pub node: String,
    /// The node's path from the caller's top node.
    pub node_name: String,
    pub inspections: InspectionFigures,
    pub patrols: PatrolFigures,
    pub cases: CaseFigures,
    /// The cases decided in the quarter, from which the supervisor picks.
    pub typical_cases: Vec<TypicalCase>,
}

#[utoipa::path(get, path = "/v1/console/report", tag = "console", security(("bearer" = [])),
    params(("node" = Option<String>, Query, description = "jurisdiction node"),
           ("year" = Option<i64>, Query, description = "2000 to 2100"),
           ("quarter" = Option<i64>, Query, description = "1 to 4")),
    responses((status = 200, description = "the quarterly report", body = QuarterlyReport), Errors))]
pub async fn quarterly(
    State(state): State<SharedState>,
    Query(q): Query<Params>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<QuarterlyReport>, ApiError> {
    blocking(move || {
        let tree = Tree::of(&state, &sup)?;
        let node = sup.node_or_root(&state, param(&q, "node"))?;
        let now = today();
        let year = num(&q, "year", now.year() as i64, 2000..=2100)? as i32;
        let quarter = num(&q, "quarter", (now.month0() / 3 + 1) as i64, 1..=4)? as u32;
        let first = NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1).expect("valid quarter start");
        let next = if quarter == 4 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, quarter * 3 + 1, 1)
        }
        .expect("valid quarter end");
        let (from_ms, to_ms) = (day_start_ms(first), day_start_ms(next));
        let within = |ms: i64| ms >= from_ms && ms < to_ms;

        // Inspections started in the quarter.
        let filter = InspectionFilter {
            jurisdiction_id: Some(node.clone()),
            started_from_ms: Some(from_ms),
            started_to_ms: Some(to_ms),
            ..Default::default()
        };
        let inspections = state.replica.list_inspections(&filter, super::inspections::MAX_ROWS, 0)?;
        let by = |key: &str| -> BTreeMap<String, usize> {
            let mut m = BTreeMap::new();
            for i in &inspections {
                let k = match key {
                    "shift" => i.shift.as_str().to_owned(),
                    "mode" => i.mode.as_str().to_owned(),
                    _ => i.conclusion.map(|c| c.as_str().to_owned()).unwrap_or_else(|| "none".into()),
                };
                *m.entry(k).or_insert(0) += 1;
            }
            m
        };
        let (by_shift, by_mode, by_conclusion) = (by("shift"), by("mode"), by("conclusion"));
        let mut departments: Vec<String> = inspections.iter().flat_map(|i| i.departments.clone()).collect();
        departments.sort();
        departments.dedup();

        // Patrols in the quarter, in the node's grids.
        let grids: Vec<String> =
            tree.subtree(&node).into_iter().filter(|j| j.level == Level::Grid).map(|j| j.id.clone()).collect();
        let patrols: Vec<_> = state
            .replica
            .list_patrols(&node, from_ms, to_ms)?
            .into_iter()
            .filter(|p| grids.contains(&p.grid_id))
            .collect();

        // Cases: opened, decided and closed in the quarter; the decided ones are the candidates.
        let mut opened = 0;
        let mut closed = 0;
        let mut candidates = Vec::new();
        for c in state.replica.list_cases(&node, None)? {
            if !sup.sees(&state, &c.jurisdiction_id) {
                continue;
            }
            let case = state.replica.case(&c.id)?;
            let opened_at = state.replica.audit_trail(&c.id)?.first().map(|a| a.at_ms);
            if opened_at.is_some_and(within) {
                opened += 1;
            }
            if case.steps.iter().any(|s| s.to == CaseState::Closed && within(s.at_ms)) {
                closed += 1;
            }
            let Some(decided) = case.steps.iter().find(|s| s.to == CaseState::Decided && within(s.at_ms)) else {
                continue;
            };
            let feedback = case.steps.iter().find(|s| s.to == CaseState::FeedbackGiven);
            let inspection = case.inspection_id.as_deref().and_then(|i| state.replica.inspection(i).ok());
            let place = inspection
                .as_ref()
                .and_then(|i| i.place_id.as_deref())
                .and_then(|p| state.replica.place(p).ok())
                .map(|p| p.name);
            candidates.push(TypicalCase {
                id: case.id,
                summary: case.summary,
                jurisdiction: tree.path(&case.jurisdiction_id),
                source: case.source,
                state: case.state,
                department: case.department,
                decided_at_ms: decided.at_ms,
                decision: decided.note.clone(),
                decided_by: decided.by.clone(),
                feedback: feedback.map(|f| f.note.clone()),
                place,
                conclusion: inspection.as_ref().and_then(|i| i.conclusion),
                findings: inspection
                    .as_ref()
                    .map(|i| i.findings.iter().map(|f| f.text.clone()).collect())
                    .unwrap_or_default(),
                violations: inspection
                    .as_ref()
                    .map(|i| i.answers.iter().filter(|a| a.value == AnswerValue::Yes).count())
                    .unwrap_or(0),
            });
        }
        let patrols_with = |r: &str| patrols.iter().filter(|p| p.result.map(|x| x.as_str()) == Some(r)).count();
        Ok(Json(QuarterlyReport {
            year,
            quarter,
            from: first.format("%Y-%m-%d").to_string(),
            to: (next - chrono::Duration::days(1)).format("%Y-%m-%d").to_string(),
            node_name: tree.path(&node),
            node,
            inspections: InspectionFigures {
                total: inspections.len(),
                by_shift,
                by_mode,
                by_conclusion,
                violations: inspections.iter().map(|i| i.violations as usize).sum(),
                departments,
            },
            patrols: PatrolFigures {
                total: patrols.len(),
                nothing_found: patrols_with("nothing_found"),
                lead_raised: patrols_with("lead_raised"),
                issue_found: patrols_with("issue_found"),
            },
            cases: CaseFigures { opened, closed, decided: candidates.len() },
            typical_cases: candidates,
        }))
    })
    .await
}
