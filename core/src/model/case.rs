use super::{Conflict, wire_enum};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// The closed loop (全流程闭环) a lead or case moves through.
    CaseState {
        Warning = "warning",
        Received = "received",
        Verifying = "verifying",
        Investigating = "investigating",
        Decided = "decided",
        FeedbackGiven = "feedback_given",
        Closed = "closed",
    }
);

impl CaseState {
    /// The states a case may move to next. A lead found unfounded at verification skips
    /// investigation and decision but the reporter still gets feedback.
    pub fn allowed_next(self) -> &'static [CaseState] {
        use CaseState::*;
        match self {
            Warning => &[Received],
            Received => &[Verifying],
            Verifying => &[Investigating, FeedbackGiven],
            Investigating => &[Decided],
            Decided => &[FeedbackGiven],
            FeedbackGiven => &[Closed],
            Closed => &[],
        }
    }
}

wire_enum!(
    /// Where a lead came from (投诉接收 channels).
    CaseSource { Warning = "warning", Hotline = "hotline_12345", Mailbox = "mailbox", Tip = "tip", Inspection = "inspection" }
);

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct NewCase {
    pub jurisdiction_id: String,
    pub source: CaseSource,
    pub summary: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub inspection_id: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub deadline_ms: Option<i64>,
}

/// One step of the loop: who moved the case, when, for which department, with what evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseStep {
    pub id: String,
    /// Order of the step on the device that made it (steps made concurrently elsewhere share
    /// a number and are ordered by time, then id).
    #[serde(default)]
    pub seq: u32,
    pub from: CaseState,
    pub to: CaseState,
    pub by: String,
    pub department: String,
    pub note: String,
    pub at_ms: i64,
    pub deadline_ms: Option<i64>,
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Case {
    pub id: String,
    pub jurisdiction_id: String,
    pub source: CaseSource,
    pub summary: String,
    pub inspection_id: Option<String>,
    pub state: CaseState,
    pub department: Option<String>,
    pub deadline_ms: Option<i64>,
    pub opened_at_ms: i64,
    /// Steps in time order.
    pub steps: Vec<CaseStep>,
    pub conflicts: Vec<Conflict>,
}

/// A row of the case board, from the projection.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CaseSummary {
    pub id: String,
    pub jurisdiction_id: String,
    pub source: CaseSource,
    pub summary: String,
    pub state: CaseState,
    pub department: Option<String>,
    pub deadline_ms: Option<i64>,
    pub has_conflicts: bool,
}
