use super::{Conflict, Officer, wire_enum};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// 日查 / 夜查.
    Shift { Day = "day", Night = "night" }
);
wire_enum!(
    /// 联检 / 抽检.
    Mode { Joint = "joint", Spot = "spot" }
);
wire_enum!(
    /// 明查 / 暗访.
    Approach { Open = "open", Undercover = "undercover" }
);
wire_enum!(
    /// 无问题 / 疑似 / 确认违规.
    Conclusion { NoProblem = "no_problem", Suspected = "suspected", Confirmed = "confirmed" }
);
wire_enum!(
    /// The supervisor's review of a concluded inspection.
    Review { Approved = "approved", ReinspectionRequested = "reinspection_requested" }
);

/// An answer to one checklist item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AnswerValue {
    /// Violation seen (是).
    Yes,
    No,
    NotApplicable,
    Count(u32),
    Text(String),
}

impl AnswerValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            AnswerValue::Yes | AnswerValue::No | AnswerValue::NotApplicable => "yes/no/not applicable",
            AnswerValue::Count(_) => "a count",
            AnswerValue::Text(_) => "text",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemAnswer {
    pub item_id: String,
    pub value: AnswerValue,
    pub note: String,
    pub answered_by: Officer,
    pub device_id: String,
    pub answered_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub id: String,
    /// Order of the finding as its author saw the list (see `CaseStep::seq`).
    #[serde(default)]
    pub seq: u32,
    pub text: String,
    pub by: String,
    pub at_ms: i64,
}

/// A piece of evidence linked to a record (and maybe to one checklist item), by hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct EvidenceLink {
    /// The signed evidence entry.
    pub entry_hash: String,
    /// SHA-256 of the bytes.
    pub content_hash: String,
    pub item_id: Option<String>,
    pub kind: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct NewInspection {
    pub template_id: String,
    pub template_version: u32,
    pub jurisdiction_id: String,
    pub shift: Shift,
    pub mode: Mode,
    pub approach: Approach,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub place_id: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub ledger_id: Option<String>,
}

/// An inspection (检查) as merged from every officer's edits.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Inspection {
    pub id: String,
    pub template_id: String,
    pub template_version: u32,
    pub jurisdiction_id: String,
    pub shift: Shift,
    pub mode: Mode,
    pub approach: Approach,
    pub place_id: Option<String>,
    pub ledger_id: Option<String>,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub team: Vec<Officer>,
    /// One answer per item; for an item in conflict, the deterministic winner (see `conflicts`).
    pub answers: Vec<ItemAnswer>,
    pub findings: Vec<Finding>,
    pub evidence: Vec<EvidenceLink>,
    pub conclusion: Option<Conclusion>,
    pub review: Option<Review>,
    pub review_reason: Option<String>,
    pub conflicts: Vec<Conflict>,
}

/// A row of the inspection list, read from the projection without loading the document.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct InspectionSummary {
    pub id: String,
    pub jurisdiction_id: String,
    pub place_id: Option<String>,
    pub shift: Shift,
    pub mode: Mode,
    pub started_at_ms: i64,
    pub conclusion: Option<Conclusion>,
    pub departments: Vec<String>,
    pub answered: u32,
    pub violations: u32,
    pub has_conflicts: bool,
    pub updated_at_ms: i64,
}

/// Filters for the inspection list; every field narrows, None means any.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct InspectionFilter {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub jurisdiction_id: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub shift: Option<Shift>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub mode: Option<Mode>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub conclusion: Option<Conclusion>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub department: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub started_from_ms: Option<i64>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub started_to_ms: Option<i64>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub has_conflicts: Option<bool>,
    /// Some(false): not concluded yet; Some(true): concluded, whatever the conclusion.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub concluded: Option<bool>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub review: Option<Review>,
    /// Some(false): not reviewed yet; Some(true): reviewed, whatever the review.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub reviewed: Option<bool>,
    /// Some(true): some evidence of the inspection has no bytes in this store yet.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub photos_pending: Option<bool>,
    /// Text in the inspection (notes, findings, team, review reason), in its place's name or
    /// address, or in its id.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub text: Option<String>,
}
