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
use serde_json::{Value, json};

#[utoipa::path(get, path = "/v1/console/set-aside", tag = "console", security(("bearer" = [])),
    responses((status = 200, description = "log entries the replica could not apply, with the reason", body = serde_json::Value), Errors))]
pub async fn list(State(state): State<SharedState>, ConsoleUser(sup): ConsoleUser) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        let mut entries = Vec::new();
        for e in state.storage.set_aside_entries()? {
            let visible = sup.is_admin() || sup.sees_record(&state, &e.doc_id)?;
            if !visible {
                continue;
            }
            entries.push(json!({
                "seq": e.seq,
                "kind": match e.kind { EntryKind::Change => "change", EntryKind::Evidence => "evidence" },
                "record_id": e.doc_id,
                "hash": e.hash,
                "device_id": e.origin,
                "reason": e.reason,
                "at_ms": e.at_ms,
            }));
        }
        Ok(Json(json!({ "count": entries.len(), "entries": entries })))
    })
    .await
}
