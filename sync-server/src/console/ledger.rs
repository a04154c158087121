//! The key-target ledger (重点机构和个人清单) with its in/out history, and moving an entry in or
//! out (入账 / 出账) with a reason.

use super::util::{Params, param};
use super::{ConsoleUser, Tree};
use crate::api::{Body, Path, Query, blocking};
use crate::decisions::{self, Decision};
use crate::error::{ApiError, json_body};
use crate::openapi::Errors;
use crate::scope::Refuse;
use crate::state::SharedState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use xuncha_core::RecordKind;
use xuncha_core::{LedgerCategory, LedgerMove, LedgerStatus};

/// An entry of the key-target ledger with its history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerRow {
    pub id: String,
    pub jurisdiction_id: String,
    /// The jurisdiction's path from the caller's top node.
    pub jurisdiction: String,
    /// The institution's or person's name.
    pub name: String,
    pub category: LedgerCategory,
    pub address: String,
    /// On the ledger now (`in`) or taken off (`out`).
    pub status: LedgerStatus,
    /// Every move in and out, oldest first.
    pub history: Vec<LedgerMove>,
}

/// The ledger entries that pass the filters.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerList {
    pub total: usize,
    pub entries: Vec<LedgerRow>,
}

#[utoipa::path(get, path = "/v1/console/ledger", tag = "console", security(("bearer" = [])),
    params(("node" = Option<String>, Query, description = "jurisdiction node"),
           ("status" = Option<String>, Query, description = "a ledger status"),
           ("category" = Option<String>, Query, description = "a ledger category"),
           ("q" = Option<String>, Query, description = "search text")),
    responses((status = 200, description = "the key-target ledger with its in/out history", body = LedgerList), Errors))]
pub async fn list(
    State(state): State<SharedState>,
    Query(q): Query<Params>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Json<LedgerList>, ApiError> {
    blocking(move || {
        let tree = Tree::of(&state, &sup)?;
        let node = sup.node_or_root(&state, param(&q, "node"))?;
        let status = match param(&q, "status") {
            None => None,
            Some(s) => Some(
                LedgerStatus::parse(s)
                    .ok_or_else(|| ApiError::bad_request("台账状态只能是“在册”或“已移出”，请刷新页面后重新选择"))?,
            ),
        };
        let category = match param(&q, "category") {
            None => None,
            Some(c) => Some(
                LedgerCategory::parse(c).ok_or_else(|| ApiError::bad_request("台账类别无效，请刷新页面后重新选择"))?,
            ),
        };
        let text = param(&q, "q");
        let mut entries = Vec::new();
        for row in state.replica.list_ledger(&node, status)? {
            if !sup.sees(&state, &row.jurisdiction_id) {
                continue;
            }
            let e = state.replica.ledger_entry(&row.id)?;
            if status.is_some_and(|s| s != e.status) || category.is_some_and(|c| c != e.category) {
                continue;
            }
            if text.is_some_and(|t| !(e.name.contains(t) || e.address.contains(t))) {
                continue;
            }
            entries.push(LedgerRow {
                jurisdiction: tree.path(&e.jurisdiction_id),
                id: e.id,
                jurisdiction_id: e.jurisdiction_id,
                name: e.name,
                category: e.category,
                address: e.address,
                status: e.status,
                history: e.history,
            });
        }
        Ok(Json(LedgerList { total: entries.len(), entries }))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MoveBody {
    /// `in` (入账) or `out` (出账).
    status: String,
    /// Why, at most 500 characters.
    reason: String,
}

/// Where a ledger entry now stands.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerMoved {
    pub ledger_id: String,
    pub status: LedgerStatus,
}

#[utoipa::path(post, path = "/v1/console/ledger/{id}/move", tag = "console", security(("bearer" = [])),
    params(("id" = String, Path, description = "the ledger entry")),
    request_body = MoveBody,
    responses((status = 200, description = "moved in or out of the ledger", body = LedgerMoved), Errors))]
pub async fn move_entry(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    ConsoleUser(sup): ConsoleUser,
    Body(body): Body,
) -> Result<Json<LedgerMoved>, ApiError> {
    blocking(move || {
        let target = decisions::target(&state, &sup, &id, RecordKind::LedgerEntry, Refuse::AsAbsent)?;
        let req: MoveBody = json_body(&body)?;
        let status = LedgerStatus::parse(&req.status)
            .ok_or_else(|| ApiError::bad_request("台账状态只能是“在册”或“已移出”，请刷新页面后重新选择"))?;
        if req.reason.chars().count() > 500 {
            return Err(ApiError::bad_request("原因不能超过 500 字"));
        }
        decisions::decide(&state, &target, Decision::MoveLedgerEntry { status, reason: req.reason })?;
        Ok(Json(LedgerMoved { ledger_id: id, status }))
    })
    .await
}
