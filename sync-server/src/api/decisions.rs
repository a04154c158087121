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
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use xuncha_core::{CaseState, RecordKind, Review, StepDetails};

/// The shape every decision shares: a supervisor over the record of `kind` (out of reach is
/// refused: 404 unknown, 403 outside), a JSON body, one decision and its answer.
async fn decision<B: DeserializeOwned + Send + 'static, A: Serialize + Send + 'static>(
    state: SharedState,
    sup: Supervisor,
    id: String,
    kind: RecordKind,
    body: axum::body::Bytes,
    act: impl FnOnce(&AppState, &Target<'_>, B) -> Result<A, ApiError> + Send + 'static,
) -> Result<Json<A>, ApiError> {
    blocking(move || {
        let target = decisions::target(&state, &sup, &id, kind, Refuse::AsForbidden)?;
        let req: B = json_body(&body)?;
        Ok(Json(act(&state, &target, req)?))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ReviewBody {
    /// `approved` or `reinspection_requested`.
    decision: String,
    /// Why, for the officers (required in practice when asking for a reinspection).
    #[serde(default)]
    reason: String,
}

/// The review made.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Reviewed {
    pub inspection_id: String,
    pub review: Review,
}

#[utoipa::path(post, path = "/v1/decisions/inspections/{id}/review", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "the inspection")),
    request_body = ReviewBody,
    responses((status = 200, description = "reviewed; devices pull the decision", body = Reviewed), Errors))]
pub async fn review(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    sup: Supervisor,
    Body(body): Body,
) -> Result<Json<Reviewed>, ApiError> {
    decision(state, sup, id, RecordKind::Inspection, body, |state, target, req: ReviewBody| {
        let review = Review::parse(&req.decision).ok_or_else(|| {
            ApiError::bad_request(format!(
                "审核结论 {} 无效，只能是“通过”或“要求复查”",
                req.decision.chars().take(32).collect::<String>()
            ))
        })?;
        decisions::decide(state, target, Decision::Review { review, reason: req.reason })?;
        Ok(Reviewed { inspection_id: target.id().to_owned(), review })
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct OpenCaseBody {
    /// What the case is about.
    summary: String,
    /// When the first step is due, ms since the epoch.
    deadline_ms: Option<i64>,
}

/// The case opened from an inspection.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseOpened {
    pub case_id: String,
}

#[utoipa::path(post, path = "/v1/decisions/inspections/{id}/case", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "the inspection the case comes from")),
    request_body = OpenCaseBody,
    responses((status = 200, description = "the case opened", body = CaseOpened), Errors))]
pub async fn open_case(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    sup: Supervisor,
    Body(body): Body,
) -> Result<Json<CaseOpened>, ApiError> {
    decision(state, sup, id, RecordKind::Inspection, body, |state, target, req: OpenCaseBody| {
        let case_id = decisions::decide(
            state,
            target,
            Decision::OpenCase { summary: req.summary, deadline_ms: req.deadline_ms },
        )?;
        // Opening a case always names it; the service's answer is optional for the others.
        let case_id = case_id.ok_or_else(|| ApiError::internal("opening a case named no case"))?;
        Ok(CaseOpened { case_id })
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AssignBody {
    /// The department that takes the case on.
    department: String,
    /// When it is due, ms since the epoch.
    deadline_ms: Option<i64>,
}

/// The department a case was assigned to.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseAssigned {
    pub case_id: String,
    pub department: String,
}

#[utoipa::path(post, path = "/v1/decisions/cases/{id}/assign", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "the case")),
    request_body = AssignBody,
    responses((status = 200, description = "assigned", body = CaseAssigned), Errors))]
pub async fn assign(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    sup: Supervisor,
    Body(body): Body,
) -> Result<Json<CaseAssigned>, ApiError> {
    decision(state, sup, id, RecordKind::Case, body, |state, target, req: AssignBody| {
        let department = req.department.clone();
        decisions::decide(
            state,
            target,
            Decision::Assign { department: req.department, deadline_ms: req.deadline_ms },
        )?;
        Ok(CaseAssigned { case_id: target.id().to_owned(), department })
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AdvanceBody {
    /// The state to move to: one the case allows next.
    to: String,
    /// The department handling the step.
    #[serde(default)]
    department: String,
    /// What was done or decided.
    #[serde(default)]
    note: String,
    /// When the next step is due, ms since the epoch.
    deadline_ms: Option<i64>,
}

/// The state a case moved to (the decision API's `advance` and the console's `step`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseMoved {
    pub case_id: String,
    pub state: CaseState,
}

#[utoipa::path(post, path = "/v1/decisions/cases/{id}/advance", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "the case")),
    request_body = AdvanceBody,
    responses((status = 200, description = "moved along the closed loop", body = CaseMoved), Errors))]
pub async fn advance(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    sup: Supervisor,
    Body(body): Body,
) -> Result<Json<CaseMoved>, ApiError> {
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
        Ok(CaseMoved { case_id: target.id().to_owned(), state: to })
    })
    .await
}
