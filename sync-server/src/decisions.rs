//! The one decision service, for the device API (`/v1/decisions/...`) and the console alike:
//! a supervisor's decision on one record, checked against their scope once and made on the
//! replica under their name (`AppState::decide`), so that devices pull it at their next sync.
//!
//! A decision needs a [`Target`], and only [`target`] makes one, after the scope check: a
//! handler cannot decide on a record it did not check.

use crate::auth::callers::Supervisor;
use crate::error::ApiError;
use crate::scope::Refuse;
use crate::state::AppState;
use xuncha_core::{CaseSource, CaseState, LedgerStatus, NewCase, RecordKind, Review, StepDetails};

/// What a supervisor decides.
pub enum Decision {
    /// Approve an inspection, or ask for re-inspection with a reason.
    Review { review: Review, reason: String },
    /// Open a case from an inspection.
    OpenCase { summary: String, deadline_ms: Option<i64> },
    /// Assign a case to a department.
    Assign { department: String, deadline_ms: Option<i64> },
    /// Move a case one step along the closed loop.
    Advance { to: CaseState, details: StepDetails },
    /// Move a ledger entry in or out, with the reason.
    MoveLedgerEntry { status: LedgerStatus, reason: String },
}

impl Decision {
    /// The kind of record the decision is about.
    pub fn kind(&self) -> RecordKind {
        match self {
            Decision::Review { .. } | Decision::OpenCase { .. } => RecordKind::Inspection,
            Decision::Assign { .. } | Decision::Advance { .. } => RecordKind::Case,
            Decision::MoveLedgerEntry { .. } => RecordKind::LedgerEntry,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Decision::Review { .. } => "review",
            Decision::OpenCase { .. } => "open case",
            Decision::Assign { .. } => "assign",
            Decision::Advance { .. } => "advance",
            Decision::MoveLedgerEntry { .. } => "move ledger entry",
        }
    }
}

/// A record a supervisor may decide on, for decisions on records of `kind`.
pub struct Target<'a> {
    by: &'a Supervisor,
    id: String,
    kind: RecordKind,
}

impl Target<'_> {
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// Checks that `by` may decide on record `id` of `kind`; out of reach is answered as `refuse`.
pub fn target<'a>(
    state: &AppState,
    by: &'a Supervisor,
    id: &str,
    kind: RecordKind,
    refuse: Refuse,
) -> Result<Target<'a>, ApiError> {
    by.over(state, id, kind, refuse)?;
    Ok(Target { by, id: id.to_owned(), kind })
}

/// Makes `decision` on the target. Returns the case it opened, if it opened one.
pub fn decide(state: &AppState, target: &Target<'_>, decision: Decision) -> Result<Option<String>, ApiError> {
    if decision.kind() != target.kind {
        return Err(ApiError::internal(format!("a {} decision on {} {}", decision.name(), target.kind, target.id)));
    }
    tracing::info!(record_id = target.id, by = target.by.user.username, decision = decision.name(), "decision");
    let (officer, id) = (target.by.officer(), target.id.as_str());
    match decision {
        Decision::Review { review, reason } => {
            state.decide(officer, |s| s.review_inspection(id, review, &reason))?;
            Ok(None)
        }
        Decision::OpenCase { summary, deadline_ms } => {
            let inspection = state.replica.inspection(id)?;
            let new = NewCase {
                jurisdiction_id: inspection.jurisdiction_id,
                source: CaseSource::Inspection,
                summary,
                inspection_id: Some(id.to_owned()),
                deadline_ms,
            };
            Ok(Some(state.decide(officer, |s| s.open_case(&new))?))
        }
        Decision::Assign { department, deadline_ms } => {
            state.decide(officer, |s| s.assign_case(id, &department, deadline_ms))?;
            Ok(None)
        }
        Decision::Advance { to, details } => {
            state.decide(officer, |s| s.advance_case(id, to, &details))?;
            Ok(None)
        }
        Decision::MoveLedgerEntry { status, reason } => {
            state.decide(officer, |s| s.move_ledger_entry(id, status, &reason))?;
            Ok(None)
        }
    }
}
