//! Log entries the replica could not apply (搁置的条目): what they were, who pushed them and
//! why they were set aside, so that a person can look at them. Admins see every one; a
//! supervisor sees those of records in their subtree.

use super::ConsoleUser;
use crate::api::blocking;
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::state::SharedState;
use crate::storage::EntryKind;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

/// What a set-aside entry is.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SetAsideKind {
    /// A document change.
    Change,
    /// A signed evidence entry.
    Evidence,
}

/// A log entry the replica could not apply.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SetAsideRow {
    /// Its place in the server's log.
    pub seq: u64,
    pub kind: SetAsideKind,
    /// The record it belongs to.
    pub record_id: String,
    /// The change's or the evidence entry's hash.
    pub hash: String,
    /// The device that pushed it.
    pub device_id: String,
    /// Why it was set aside.
    pub reason: String,
    /// When, ms since the epoch.
    pub at_ms: i64,
}

/// The set-aside entries the caller may see.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SetAsideList {
    pub count: usize,
    pub entries: Vec<SetAsideRow>,
}

#[utoipa::path(get, path = "/v1/console/set-aside", tag = "console", security(("bearer" = [])),
    responses((status = 200, description = "log entries the replica could not apply, with the reason", body = SetAsideList), Errors))]
pub async fn list(
    State(state): State<SharedState>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<SetAsideList>, ApiError> {
    blocking(move || {
        let mut entries = Vec::new();
        for e in state.storage.set_aside_entries()? {
            let visible = sup.is_admin() || sup.sees_record(&state, &e.doc_id)?;
            if !visible {
                continue;
            }
            entries.push(SetAsideRow {
                seq: e.seq,
                kind: match e.kind {
                    EntryKind::Change => SetAsideKind::Change,
                    EntryKind::Evidence => SetAsideKind::Evidence,
                },
                record_id: e.doc_id,
                hash: e.hash,
                device_id: e.origin,
                reason: e.reason,
                at_ms: e.at_ms,
            });
        }
        Ok(Json(SetAsideList { count: entries.len(), entries }))
    })
    .await
}
