use super::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Categories of the key-target ledger (重点机构和个人清单).
    LedgerCategory {
        ConvertedInstitution = "converted_institution",
        DeregisteredInstitution = "deregistered_institution",
        CaughtNonSubject = "caught_non_subject",
        CareBeyondScope = "care_beyond_scope",
        HousekeepingTutor = "housekeeping_tutor",
        CompetitionConsultancy = "competition_consultancy",
        ServingTeacher = "serving_teacher",
        LaidOffStaff = "laid_off_staff",
    }
);

wire_enum!(
    /// Whether an entry is on the ledger now (入账) or was taken off (出账).
    LedgerStatus { In = "in", Out = "out" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerMove {
    /// Order of the move (see `CaseStep::seq`).
    #[serde(default)]
    pub seq: u32,
    pub status: LedgerStatus,
    pub reason: String,
    pub at_ms: i64,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LedgerEntry {
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub category: LedgerCategory,
    pub address: String,
    pub status: LedgerStatus,
    /// Every move in and out, oldest first.
    pub history: Vec<LedgerMove>,
}

/// A row of the ledger list, from the projection.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerSummary {
    pub id: String,
    pub jurisdiction_id: String,
    pub name: String,
    pub category: LedgerCategory,
    pub address: String,
    pub status: LedgerStatus,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct NewLedgerEntry {
    pub jurisdiction_id: String,
    pub name: String,
    pub category: LedgerCategory,
    pub address: String,
    pub reason: String,
}
