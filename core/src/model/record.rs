use super::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// The kinds of record kept as Automerge documents.
    RecordKind { Inspection = "inspection", Patrol = "patrol", Case = "case", LedgerEntry = "ledger_entry", Place = "place" }
);

impl RecordKind {
    /// How errors name the kind.
    pub fn noun(self) -> &'static str {
        match self {
            RecordKind::Inspection => "inspection",
            RecordKind::Patrol => "patrol",
            RecordKind::Case => "case",
            RecordKind::LedgerEntry => "ledger entry",
            RecordKind::Place => "place",
        }
    }
}

/// Concurrent edits to one field that neither side had seen: all values are kept and shown
/// until a later edit settles them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    /// Field path such as `answers.I03` or `state`.
    pub field: String,
    /// Every concurrent value, as JSON text, in a deterministic order.
    pub values: Vec<String>,
}

/// One field change in a record's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub change_hash: String,
    pub officer: String,
    pub cert_no: String,
    pub device_id: String,
    pub at_ms: i64,
    pub field: String,
    /// JSON text of the value before the edit, as the editor saw it; None when new.
    pub old: Option<String>,
    /// JSON text of the value after the edit; None when removed.
    pub new: Option<String>,
}
