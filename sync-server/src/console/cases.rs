//! The case board by closed-loop state, a case's timeline, recording a step with its evidence,
//! and the CSV export. Assigning a department uses `/v1/decisions/cases/{id}/assign`.

use super::evidence::{EvidenceView, item_views, items_of};
use super::util::{Params, csv_response, fmt_ms, now_ms, param};
use super::{ConsoleUser, Supervisor, Tree};
use crate::api::decisions::CaseMoved;
use crate::api::{Body, Path, Query, blocking};
use crate::decisions::{self, Decision};
use crate::error::{ApiError, json_body};
use crate::openapi::Errors;
use crate::scope::Refuse;
use crate::state::{AppState, SharedState};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use xuncha_core::Lookup;
use xuncha_core::RecordKind;
use xuncha_core::{
    AuditEntry, Case, CaseSource, CaseState, CaseStep, CaseSummary, Conclusion, Conflict, Finding, Review, StepDetails,
};

/// A case is due soon when its deadline is this close.
const DUE_SOON_MS: i64 = 2 * 86_400_000;

pub const STATE_LABELS: [(&str, &str); 7] = [
    ("warning", "预警提示"),
    ("received", "投诉接收"),
    ("verifying", "核查"),
    ("investigating", "联合取证查处"),
    ("decided", "处理决定"),
    ("feedback_given", "结果反馈"),
    ("closed", "办结"),
];

pub const SOURCE_LABELS: [(&str, &str); 5] = [
    ("warning", "预警提示"),
    ("hotline_12345", "12345热线"),
    ("mailbox", "举报信箱"),
    ("tip", "随手拍"),
    ("inspection", "检查发现"),
];

/// Past its deadline and not closed.
pub fn overdue(state: CaseState, deadline_ms: Option<i64>, now: i64) -> bool {
    state != CaseState::Closed && deadline_ms.is_some_and(|d| d < now)
}

fn cases_in(state: &AppState, sup: &Supervisor, q: &Params) -> Result<Vec<CaseSummary>, ApiError> {
    let node = sup.node_or_root(state, param(q, "node"))?;
    let wanted = match param(q, "state") {
        None => None,
        Some(s) => Some(CaseState::parse(s).ok_or_else(|| ApiError::bad_request(crate::error::not_a_case_state(s)))?),
    };
    let mut cases = state.replica.list_cases(&node, wanted)?;
    cases.retain(|c| sup.sees(state, &c.jurisdiction_id));
    if matches!(param(q, "overdue"), Some("1" | "true")) {
        let now = now_ms();
        cases.retain(|c| overdue(c.state, c.deadline_ms, now));
    }
    if let Some(text) = param(q, "q") {
        cases.retain(|c| c.summary.contains(text) || c.id.contains(text));
    }
    Ok(cases)
}

/// A case on the board.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseCard {
    pub id: String,
    pub summary: String,
    pub source: CaseSource,
    pub state: CaseState,
    /// The department the case is assigned to.
    pub department: Option<String>,
    /// The deadline of the current step, ms since the epoch.
    pub deadline_ms: Option<i64>,
    /// Past its deadline and not closed.
    pub overdue: bool,
    /// Not closed, and its deadline is less than two days away.
    pub due_soon: bool,
    pub jurisdiction_id: String,
    /// The jurisdiction's path from the caller's top node, such as "云溪县 / 桂香镇".
    pub jurisdiction: String,
    /// Some field has concurrent edits not yet settled.
    pub has_conflicts: bool,
}

fn card(tree: &Tree, c: &CaseSummary, now: i64) -> CaseCard {
    CaseCard {
        id: c.id.clone(),
        summary: c.summary.clone(),
        source: c.source,
        state: c.state,
        department: c.department.clone(),
        deadline_ms: c.deadline_ms,
        overdue: overdue(c.state, c.deadline_ms, now),
        due_soon: c.state != CaseState::Closed && c.deadline_ms.is_some_and(|d| d >= now && d - now < DUE_SOON_MS),
        jurisdiction_id: c.jurisdiction_id.clone(),
        jurisdiction: tree.path(&c.jurisdiction_id),
        has_conflicts: c.has_conflicts,
    }
}

/// The cases of one state, a column of the board.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseColumn {
    pub state: CaseState,
    pub cases: Vec<CaseCard>,
}

/// The case board: one column per state of the closed loop, in loop order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseBoard {
    /// The server's clock when the board was read, ms since the epoch.
    pub now_ms: i64,
    /// Cases on the board.
    pub total: usize,
    /// Of which past their deadline.
    pub overdue: usize,
    pub columns: Vec<CaseColumn>,
}

#[utoipa::path(get, path = "/v1/console/cases", tag = "console", security(("bearer" = [])),
    params(("node" = Option<String>, Query, description = "jurisdiction node (default: the whole subtree)"),
           ("state" = Option<String>, Query, description = "a case state"),
           ("overdue" = Option<String>, Query, description = "1: only overdue cases"),
           ("q" = Option<String>, Query, description = "search text")),
    responses((status = 200, description = "the case board", body = CaseBoard), Errors))]
pub async fn board(
    State(state): State<SharedState>,
    Query(q): Query<Params>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<CaseBoard>, ApiError> {
    blocking(move || {
        let tree = Tree::of(&state, &sup)?;
        let cases = cases_in(&state, &sup, &q)?;
        let now = now_ms();
        let columns = CaseState::ALL
            .iter()
            .map(|s| CaseColumn {
                state: *s,
                cases: cases.iter().filter(|c| c.state == *s).map(|c| card(&tree, c, now)).collect(),
            })
            .collect();
        let overdue_count = cases.iter().filter(|c| overdue(c.state, c.deadline_ms, now)).count();
        Ok(Json(CaseBoard { now_ms: now, total: cases.len(), overdue: overdue_count, columns }))
    })
    .await
}

/// The records whose evidence belongs to a case: the case and the inspection it came from.
pub fn evidence_records(case: &Case) -> Vec<&str> {
    std::iter::once(case.id.as_str()).chain(case.inspection_id.as_deref()).collect()
}

/// The inspection a case came from, as its page shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseInspection {
    pub id: String,
    pub started_at_ms: i64,
    pub conclusion: Option<Conclusion>,
    pub review: Option<Review>,
    pub findings: Vec<Finding>,
    /// The place's name, when the inspection names a known place.
    pub place: Option<String>,
}

/// A case with its steps, evidence and history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    pub id: String,
    pub jurisdiction_id: String,
    /// The jurisdiction's path from the caller's top node.
    pub jurisdiction: String,
    pub source: CaseSource,
    pub summary: String,
    pub state: CaseState,
    /// The states the case may move to next.
    pub allowed_next: Vec<CaseState>,
    pub department: Option<String>,
    pub deadline_ms: Option<i64>,
    /// Past its deadline and not closed.
    pub overdue: bool,
    /// Every step, in time order.
    pub steps: Vec<CaseStep>,
    /// Concurrent edits not yet settled.
    pub conflicts: Vec<Conflict>,
    /// The inspection the case came from, if the caller may see it.
    pub inspection: Option<CaseInspection>,
    /// Evidence of the case and of its inspection, oldest first.
    pub evidence: Vec<EvidenceView>,
    /// Every field edit of the case, oldest first.
    pub audit: Vec<AuditEntry>,
    /// The server's clock, ms since the epoch.
    pub now_ms: i64,
}

#[utoipa::path(get, path = "/v1/console/cases/{id}", tag = "console", security(("bearer" = [])),
    params(("id" = String, Path, description = "the case")),
    responses((status = 200, description = "the case with its steps and evidence", body = CaseDetail), Errors))]
pub async fn detail(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<CaseDetail>, ApiError> {
    blocking(move || {
        sup.over(&state, &id, RecordKind::Case, Refuse::AsAbsent)?;
        let tree = Tree::of(&state, &sup)?;
        let case = state.replica.case(&id)?;
        // The inspection is shown only if the caller may see it too.
        let inspection = match case
            .inspection_id
            .as_deref()
            .filter(|i| sup.over(&state, i, RecordKind::Inspection, Refuse::AsAbsent).is_ok())
        {
            Some(i) => state.replica.inspection(i).absent_as_none()?,
            None => None,
        };
        let place = match inspection.as_ref().and_then(|i| i.place_id.as_deref()) {
            Some(p) => state.replica.place(p).absent_as_none()?.map(|p| p.name),
            None => None,
        };
        let records: Vec<&str> =
            std::iter::once(id.as_str()).chain(inspection.as_ref().map(|i| i.id.as_str())).collect();
        let evidence = items_of(&state, &records)?;
        let now = now_ms();
        Ok(Json(CaseDetail {
            jurisdiction: tree.path(&case.jurisdiction_id),
            allowed_next: case.state.allowed_next().to_vec(),
            overdue: overdue(case.state, case.deadline_ms, now),
            inspection: inspection.map(|i| CaseInspection {
                id: i.id,
                started_at_ms: i.started_at_ms,
                conclusion: i.conclusion,
                review: i.review,
                findings: i.findings,
                place,
            }),
            evidence: item_views(&state, &evidence)?,
            audit: state.replica.audit_trail(&id)?,
            now_ms: now,
            id: case.id,
            jurisdiction_id: case.jurisdiction_id,
            source: case.source,
            summary: case.summary,
            state: case.state,
            department: case.department,
            deadline_ms: case.deadline_ms,
            steps: case.steps,
            conflicts: case.conflicts,
        }))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct StepBody {
    to: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    note: String,
    deadline_ms: Option<i64>,
    /// Entry hashes of evidence of the case or of its inspection.
    #[serde(default)]
    evidence: Vec<String>,
}

/// Moves a case one step along the loop, with who, department, note, deadline and evidence.
/// "结果反馈" (feedback_given) carries the feedback to the reporter in its note.
#[utoipa::path(post, path = "/v1/console/cases/{id}/step", tag = "console", security(("bearer" = [])),
    params(("id" = String, Path, description = "the case")),
    request_body = StepBody,
    responses((status = 200, description = "the case moved one step along the closed loop", body = CaseMoved), Errors))]
pub async fn step(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    ConsoleUser(sup): ConsoleUser,
    Body(body): Body,
) -> Result<Json<CaseMoved>, ApiError> {
    blocking(move || {
        let target = decisions::target(&state, &sup, &id, RecordKind::Case, Refuse::AsAbsent)?;
        let req: StepBody = json_body(&body)?;
        let to =
            CaseState::parse(&req.to).ok_or_else(|| ApiError::bad_request(crate::error::not_a_case_state(&req.to)))?;
        if to == CaseState::FeedbackGiven && req.note.trim().is_empty() {
            return Err(ApiError::bad_request("向举报人反馈时必须填写反馈内容"));
        }
        if req.note.chars().count() > 2_000 || req.department.chars().count() > 100 {
            return Err(ApiError::bad_request("说明不能超过 2000 字，部门名称不能超过 100 字"));
        }
        let case = state.replica.case(&id)?;
        let known: Vec<String> =
            items_of(&state, &evidence_records(&case))?.into_iter().map(|e| e.entry_hash.into()).collect();
        if let Some(unknown) = req.evidence.iter().find(|e| !known.contains(e)) {
            return Err(ApiError::bad_request(format!("证据 {unknown} 不属于本案件或其检查记录，请重新选择证据")));
        }
        let details = StepDetails {
            department: req.department,
            note: req.note,
            deadline_ms: req.deadline_ms,
            evidence: req.evidence,
        };
        decisions::decide(&state, &target, Decision::Advance { to, details })?;
        Ok(Json(CaseMoved { case_id: id, state: to }))
    })
    .await
}

#[utoipa::path(get, path = "/v1/console/cases.csv", tag = "console", security(("bearer" = [])),
    params(("node" = Option<String>, Query, description = "jurisdiction node (default: the whole subtree)"),
           ("state" = Option<String>, Query, description = "a case state"),
           ("overdue" = Option<String>, Query, description = "1: only overdue cases"),
           ("q" = Option<String>, Query, description = "search text")),
    responses((status = 200, description = "the case board as CSV", content_type = "text/csv", body = String), Errors))]
pub async fn csv(
    State(state): State<SharedState>,
    Query(q): Query<Params>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Response, ApiError> {
    blocking(move || {
        let tree = Tree::of(&state, &sup)?;
        let now = now_ms();
        let mut rows = Vec::new();
        for c in cases_in(&state, &sup, &q)? {
            let full = state.replica.case(&c.id)?;
            let last = full.steps.last();
            rows.push(vec![
                c.id.clone(),
                tree.path(&c.jurisdiction_id),
                super::inspections::label(&SOURCE_LABELS, c.source.as_str()),
                c.summary.clone(),
                super::inspections::label(&STATE_LABELS, c.state.as_str()),
                c.department.clone().unwrap_or_default(),
                fmt_ms(c.deadline_ms),
                if overdue(c.state, c.deadline_ms, now) { "是" } else { "否" }.into(),
                full.inspection_id.clone().unwrap_or_default(),
                full.steps.len().to_string(),
                last.map(|s| fmt_ms(Some(s.at_ms))).unwrap_or_default(),
                last.map(|s| s.note.clone()).unwrap_or_default(),
            ]);
        }
        let header = [
            "案件编号",
            "属地",
            "来源",
            "摘要",
            "状态",
            "承办部门",
            "办理期限",
            "是否逾期",
            "关联检查",
            "步骤数",
            "最近办理时间",
            "最近办理意见",
        ];
        Ok(csv_response("cases.csv", &header, rows))
    })
    .await
}
