//! Supervisor decisions: written on the server as document changes by the server's identity
//! (with the supervisor's name on them), appended to the log, pulled by the devices.

use super::{Body, Path, blocking, check_id};
use crate::auth::{self, Caller};
use crate::error::{ApiError, json_body};
use crate::openapi::Errors;
use crate::scope;
use crate::state::{AppState, SharedState};
use crate::storage::Role;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use xuncha_core::{CaseSource, CaseState, NewCase, Officer, Review, StepDetails};

/// The caller, if a supervisor or admin whose subtree holds the record.
fn supervisor_over(state: &AppState, headers: &HeaderMap, record_id: &str) -> Result<Caller, ApiError> {
    let caller = auth::caller(state, headers)?;
    caller.require(&[Role::Supervisor, Role::Admin])?;
    check_id("record", record_id)?;
    let meta =
        state.storage.doc_meta(record_id)?.ok_or_else(|| ApiError::not_found(format!("找不到记录 {record_id}")))?;
    if let Some(why) = scope::why_not(&caller.user, &meta, &state.within()) {
        tracing::info!(record_id, why, "decision refused");
        return Err(ApiError::forbidden(format!("记录 {record_id} 不在您的辖区或职责范围内，不能对它作出决定")));
    }
    Ok(caller)
}

fn officer(c: &Caller) -> Officer {
    Officer { name: c.user.name.clone(), department: c.user.department.clone(), cert_no: c.user.cert_no.clone() }
}

/// The shape every decision shares: a supervisor over the record, a JSON body, one action.
async fn decision<B: DeserializeOwned + Send + 'static>(
    state: SharedState,
    headers: HeaderMap,
    id: String,
    body: axum::body::Bytes,
    act: impl FnOnce(&AppState, &Caller, &str, B) -> Result<Value, ApiError> + Send + 'static,
) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        let caller = supervisor_over(&state, &headers, &id)?;
        let req: B = json_body(&body)?;
        Ok(Json(act(&state, &caller, &id, req)?))
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
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    decision(state, headers, id, body, |state, caller, id, req: ReviewBody| {
        let review = Review::parse(&req.decision).ok_or_else(|| {
            ApiError::bad_request(format!(
                "审核结论 {} 无效，只能是“通过”或“要求复查”",
                req.decision.chars().take(32).collect::<String>()
            ))
        })?;
        state.decide(officer(caller), |s| s.review_inspection(id, review, &req.reason))?;
        Ok(json!({"inspection_id": id, "review": review.as_str()}))
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
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    decision(state, headers, id, body, |state, caller, id, req: OpenCaseBody| {
        let inspection = state.replica.inspection(id)?;
        let new = NewCase {
            jurisdiction_id: inspection.jurisdiction_id,
            source: CaseSource::Inspection,
            summary: req.summary,
            inspection_id: Some(id.to_owned()),
            deadline_ms: req.deadline_ms,
        };
        let case_id = state.decide(officer(caller), |s| s.open_case(&new))?;
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
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    decision(state, headers, id, body, |state, caller, id, req: AssignBody| {
        state.decide(officer(caller), |s| s.assign_case(id, &req.department, req.deadline_ms))?;
        Ok(json!({"case_id": id, "department": req.department}))
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
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    decision(state, headers, id, body, |state, caller, id, req: AdvanceBody| {
        let to =
            CaseState::parse(&req.to).ok_or_else(|| ApiError::bad_request(crate::error::not_a_case_state(&req.to)))?;
        let details = StepDetails {
            department: req.department,
            note: req.note,
            deadline_ms: req.deadline_ms,
            evidence: Vec::new(),
        };
        state.decide(officer(caller), |s| s.advance_case(id, to, &details))?;
        Ok(json!({"case_id": id, "state": to.as_str()}))
    })
    .await
}
