//! Supervisor decisions from a phone or any HTTP client: the bodies and answers of
//! `/v1/decisions/...`; the decisions themselves are made by the one decision service
//! (`crate::decisions`), which the console uses too.

use super::{Body, Path, blocking};
use crate::auth::callers::Supervisor;
use crate::decisions::{self, Decision, Target};
use crate::error::{ApiError, json_body};
use crate::openapi::Errors;
use crate::scope::Refuse;
use crate::state::{AppState, SharedState};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use xuncha_core::{CaseState, RecordKind, Review, StepDetails};

/// The shape every decision shares: a supervisor over the record of `kind` (out of reach is
/// refused: 404 unknown, 403 outside), a JSON body, one decision and its answer.
async fn decision<B: DeserializeOwned + Send + 'static>(
    state: SharedState,
    sup: Supervisor,
    id: String,
    kind: RecordKind,
    body: axum::body::Bytes,
    act: impl FnOnce(&AppState, &Target<'_>, B) -> Result<Value, ApiError> + Send + 'static,
) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        let target = decisions::target(&state, &sup, &id, kind, Refuse::AsForbidden)?;
        let req: B = json_body(&body)?;
        Ok(Json(act(&state, &target, req)?))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ReviewBody {
    decision: String,
    #[serde(default)]
    reason: String,
}

#[utoipa::path(post, path = "/v1/decisions/inspections/{id}/review", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "the inspection")),
    request_body = ReviewBody,
    responses((status = 200, description = "reviewed; devices pull the decision", body = serde_json::Value), Errors))]
pub async fn review(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    sup: Supervisor,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    decision(state, sup, id, RecordKind::Inspection, body, |state, target, req: ReviewBody| {
        let review = Review::parse(&req.decision).ok_or_else(|| {
            ApiError::bad_request(format!(
                "审核结论 {} 无效，只能是“通过”或“要求复查”",
                req.decision.chars().take(32).collect::<String>()
            ))
        })?;
        decisions::decide(state, target, Decision::Review { review, reason: req.reason })?;
        Ok(json!({"inspection_id": target.id(), "review": review.as_str()}))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct OpenCaseBody {
    summary: String,
    deadline_ms: Option<i64>,
}

#[utoipa::path(post, path = "/v1/decisions/inspections/{id}/case", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "the inspection the case comes from")),
    request_body = OpenCaseBody,
    responses((status = 200, description = "the case opened", body = serde_json::Value), Errors))]
pub async fn open_case(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    sup: Supervisor,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    decision(state, sup, id, RecordKind::Inspection, body, |state, target, req: OpenCaseBody| {
        let case_id = decisions::decide(
            state,
            target,
            Decision::OpenCase { summary: req.summary, deadline_ms: req.deadline_ms },
        )?;
        Ok(json!({"case_id": case_id}))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AssignBody {
    department: String,
    deadline_ms: Option<i64>,
}

#[utoipa::path(post, path = "/v1/decisions/cases/{id}/assign", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "the case")),
    request_body = AssignBody,
    responses((status = 200, description = "assigned", body = serde_json::Value), Errors))]
pub async fn assign(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    sup: Supervisor,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    decision(state, sup, id, RecordKind::Case, body, |state, target, req: AssignBody| {
        let department = req.department.clone();
        decisions::decide(
            state,
            target,
            Decision::Assign { department: req.department, deadline_ms: req.deadline_ms },
        )?;
        Ok(json!({"case_id": target.id(), "department": department}))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AdvanceBody {
    to: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    note: String,
    deadline_ms: Option<i64>,
}

#[utoipa::path(post, path = "/v1/decisions/cases/{id}/advance", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "the case")),
    request_body = AdvanceBody,
    responses((status = 200, description = "moved along the closed loop", body = serde_json::Value), Errors))]
pub async fn advance(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    sup: Supervisor,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    decision(state, sup, id, RecordKind::Case, body, |state, target, req: AdvanceBody| {
        let to =
            CaseState::parse(&req.to).ok_or_else(|| ApiError::bad_request(crate::error::not_a_case_state(&req.to)))?;
        let details = StepDetails {
            department: req.department,
            note: req.note,
            deadline_ms: req.deadline_ms,
            evidence: Vec::new(),
        };
        decisions::decide(state, target, Decision::Advance { to, details })?;
        Ok(json!({"case_id": target.id(), "state": to.as_str()}))
    })
    .await
}
