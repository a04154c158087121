//! The case board by closed-loop state, a case's timeline, recording a step with its evidence,
//! and the CSV export. Assigning a department uses `/v1/decisions/cases/{id}/assign`.

use super::evidence::{item_json, items_of};
use super::util::{Params, csv_response, fmt_ms, now_ms, param};
use super::{ConsoleUser, Supervisor, Tree};
use crate::api::{Body, Path, Query, blocking};
use crate::decisions::{self, Decision};
use crate::error::{ApiError, json_body};
use crate::openapi::Errors;
use crate::scope::Refuse;
use crate::state::{AppState, SharedState};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use xuncha_core::Lookup;
use xuncha_core::RecordKind;
use xuncha_core::{Case, CaseState, CaseSummary, StepDetails};

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

fn summary_json(tree: &Tree, c: &CaseSummary, now: i64) -> Value {
    json!({
        "id": c.id,
        "summary": c.summary,
        "source": c.source,
        "state": c.state,
        "department": c.department,
        "deadline_ms": c.deadline_ms,
        "overdue": overdue(c.state, c.deadline_ms, now),
        "due_soon": c.state != CaseState::Closed && c.deadline_ms.is_some_and(|d| d >= now && d - now < DUE_SOON_MS),
        "jurisdiction_id": c.jurisdiction_id,
        "jurisdiction": tree.path(&c.jurisdiction_id),
        "has_conflicts": c.has_conflicts,
    })
}

#[utoipa::path(get, path = "/v1/console/cases", tag = "console", security(("bearer" = [])),
    params(("node" = Option<String>, Query, description = "jurisdiction node (default: the whole subtree)"),
           ("state" = Option<String>, Query, description = "a case state"),
           ("overdue" = Option<String>, Query, description = "1: only overdue cases"),
           ("q" = Option<String>, Query, description = "search text")),
    responses((status = 200, description = "the case board", body = serde_json::Value), Errors))]
pub async fn board(
    State(state): State<SharedState>,
    Query(q): Query<Params>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        let tree = Tree::of(&state, &sup)?;
        let cases = cases_in(&state, &sup, &q)?;
        let now = now_ms();
        let columns: Vec<Value> = CaseState::ALL
            .iter()
            .map(|s| {
                let in_state: Vec<Value> =
                    cases.iter().filter(|c| c.state == *s).map(|c| summary_json(&tree, c, now)).collect();
                json!({"state": s, "cases": in_state})
            })
            .collect();
        let overdue_count = cases.iter().filter(|c| overdue(c.state, c.deadline_ms, now)).count();
        Ok(Json(json!({"now_ms": now, "total": cases.len(), "overdue": overdue_count, "columns": columns})))
    })
    .await
}

/// The records whose evidence belongs to a case: the case and the inspection it came from.
pub fn evidence_records(case: &Case) -> Vec<&str> {
    std::iter::once(case.id.as_str()).chain(case.inspection_id.as_deref()).collect()
}

#[utoipa::path(get, path = "/v1/console/cases/{id}", tag = "console", security(("bearer" = [])),
    params(("id" = String, Path, description = "the case")),
    responses((status = 200, description = "the case with its steps and evidence", body = serde_json::Value), Errors))]
pub async fn detail(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<Value>, ApiError> {
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
        Ok(Json(json!({
            "id": case.id,
            "jurisdiction_id": case.jurisdiction_id,
            "jurisdiction": tree.path(&case.jurisdiction_id),
            "source": case.source,
            "summary": case.summary,
            "state": case.state,
            "allowed_next": case.state.allowed_next(),
            "department": case.department,
            "deadline_ms": case.deadline_ms,
            "overdue": overdue(case.state, case.deadline_ms, now),
            "steps": case.steps,
            "conflicts": case.conflicts,
            "inspection": inspection.map(|i| json!({
                "id": i.id,
                "started_at_ms": i.started_at_ms,
                "conclusion": i.conclusion,
                "review": i.review,
                "findings": i.findings,
                "place": place,
            })),
            "evidence": evidence.iter().map(|e| item_json(&state, e)).collect::<Result<Vec<_>, _>>()?,
            "audit": state.replica.audit_trail(&id)?,
            "now_ms": now,
        })))
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
    responses((status = 200, description = "the case moved one step along the closed loop", body = serde_json::Value), Errors))]
pub async fn step(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    ConsoleUser(sup): ConsoleUser,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
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
        Ok(Json(json!({"case_id": id, "state": to})))
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
