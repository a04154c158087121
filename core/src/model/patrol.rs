use super::{Conflict, wire_enum};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// 巡查结果: "nothing found" is a valid, recorded result.
    PatrolResult { NothingFound = "nothing_found", LeadRaised = "lead_raised", IssueFound = "issue_found" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PatrolPoint {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub at_ms: i64,
}

/// A row of the patrol list, from the projection.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PatrolSummary {
    pub id: String,
    pub grid_id: String,
    pub officer: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub result: Option<PatrolResult>,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PatrolLog {
    pub id: String,
    pub grid_id: String,
    pub officer: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub points: Vec<PatrolPoint>,
    pub result: Option<PatrolResult>,
    pub note: String,
    pub conflicts: Vec<Conflict>,
}
