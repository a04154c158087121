//! The supervisor console (督导台): the static pages at `/`, the JSON endpoints they read under
//! `/v1/console/...`, CSV exports, evidence packages, the quarterly report, and the public tip
//! form (随手拍) at `/tip` and `/v1/tips`.
//!
//! Every console endpoint takes a signed-in supervisor or admin (never a device token) and
//! keeps to their jurisdiction subtree: a node outside it is refused (403), a record outside it
//! is not found (404). Reads come from the replica; decisions go through `AppState::decide`, so
//! they reach the devices at their next sync.

mod assets;
mod cases;
pub(crate) mod evidence;
mod inspections;
mod ledger;
pub mod package;
mod patrols;
mod report;
mod set_aside;
mod tips;
mod util;

use crate::auth;
use crate::auth::callers::{ConsoleUser, Supervisor};
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::state::{AppState, SharedState};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xuncha_core::Jurisdiction;
use xuncha_core::Lookup;
use xuncha_core::sync::protocol::UserInfo;

pub use tips::{TIPS_PER_ADDRESS, TIPS_PER_REPORTER};

/// The console's routes, merged into the server's router (and its OpenAPI document).
pub fn routes() -> OpenApiRouter<SharedState> {
    // The public tip form takes photos: its own, larger body limit.
    let tip_submit =
        OpenApiRouter::new().routes(routes!(tips::submit)).layer(DefaultBodyLimit::max(tips::MAX_BODY_BYTES));
    OpenApiRouter::new()
        .routes(routes!(assets::index))
        .routes(routes!(assets::css))
        .routes(routes!(assets::js))
        .routes(routes!(assets::tip_page))
        .routes(routes!(assets::tip_js))
        .routes(routes!(meta))
        .routes(routes!(logout))
        .routes(routes!(inspections::list))
        .routes(routes!(inspections::csv))
        .routes(routes!(inspections::detail))
        .routes(routes!(cases::board))
        .routes(routes!(cases::csv))
        .routes(routes!(cases::detail))
        .routes(routes!(cases::step))
        .routes(routes!(package::download))
        .routes(routes!(package::deployment_key))
        .routes(routes!(ledger::list))
        .routes(routes!(ledger::move_entry))
        .routes(routes!(patrols::coverage))
        .routes(routes!(report::quarterly))
        .routes(routes!(set_aside::list))
        .merge(tip_submit)
        .routes(routes!(tips::areas))
        .routes(routes!(tips::status))
        // One limiter per server: tests run several servers in one process.
        .layer(Extension(Arc::new(tips::TipLimits::default())))
}

/// The views of a console user: the node a view starts from.
impl Supervisor {
    /// The node a view starts from: the one asked for, if in the caller's subtree, else the
    /// caller's own node. None means everything (admins only).
    pub fn node(&self, state: &AppState, asked: Option<&str>) -> Result<Option<String>, ApiError> {
        match asked {
            None if self.is_admin() => Ok(None),
            None => Ok(Some(self.user.jurisdiction_id.clone())),
            Some(node) => {
                state
                    .replica
                    .jurisdiction(node)
                    .map_err(|_| ApiError::bad_request(format!("辖区 {node} 不存在，请刷新页面后重新选择")))?;
                if self.sees(state, node) {
                    Ok(Some(node.to_owned()))
                } else {
                    Err(ApiError::forbidden(format!(
                        "辖区 {node} 不在您负责的辖区 {} 内，无权查看",
                        self.user.jurisdiction_id
                    )))
                }
            }
        }
    }

    /// A node for views that need one: `node(…)`, or the top of the tree for admins.
    pub fn node_or_root(&self, state: &AppState, asked: Option<&str>) -> Result<String, ApiError> {
        match self.node(state, asked)? {
            Some(n) => Ok(n),
            None => root_of(state, &self.user.jurisdiction_id),
        }
    }
}

/// The top of the tree above `node`.
fn root_of(state: &AppState, node: &str) -> Result<String, ApiError> {
    let mut id = node.to_owned();
    for _ in 0..16 {
        match state.replica.jurisdiction(&id).absent_as_none()?.and_then(|j| j.parent_id) {
            Some(parent) => id = parent,
            None => break,
        }
    }
    Ok(id)
}

/// Names and bounds of the nodes a caller may see, by id.
pub(crate) struct Tree {
    pub nodes: Vec<Jurisdiction>,
    by_id: HashMap<String, usize>,
}

impl Tree {
    pub fn of(state: &AppState, sup: &Supervisor) -> Result<Tree, ApiError> {
        let top =
            if sup.is_admin() { root_of(state, &sup.user.jurisdiction_id)? } else { sup.user.jurisdiction_id.clone() };
        let nodes = state.replica.jurisdiction_subtree(&top)?;
        let by_id = nodes.iter().enumerate().map(|(i, j)| (j.id.clone(), i)).collect();
        Ok(Tree { nodes, by_id })
    }

    pub fn get(&self, id: &str) -> Option<&Jurisdiction> {
        self.by_id.get(id).map(|i| &self.nodes[*i])
    }

    pub fn name(&self, id: &str) -> String {
        self.get(id).map(|j| j.name.clone()).unwrap_or_else(|| id.to_owned())
    }

    /// "云溪县 / 桂香镇 / 荷桥社区": the names from the caller's top node down to `id`.
    pub fn path(&self, id: &str) -> String {
        let mut names = Vec::new();
        let mut at = self.get(id);
        while let Some(j) = at {
            names.push(j.name.clone());
            at = j.parent_id.as_deref().and_then(|p| self.get(p));
        }
        names.reverse();
        if names.is_empty() { id.to_owned() } else { names.join(" / ") }
    }

    /// `id` and every node below it.
    pub fn subtree(&self, id: &str) -> Vec<&Jurisdiction> {
        self.nodes.iter().filter(|j| self.is_within(&j.id, id)).collect()
    }

    pub fn is_within(&self, node: &str, ancestor: &str) -> bool {
        let mut at = self.get(node);
        while let Some(j) = at {
            if j.id == ancestor {
                return true;
            }
            at = j.parent_id.as_deref().and_then(|p| self.get(p));
        }
        false
    }
}

/// What every console page starts from.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsoleMeta {
    /// The signed-in supervisor or admin.
    pub user: UserInfo,
    /// The name of their own node.
    pub jurisdiction_name: String,
    /// Every node they see, each tree top down.
    pub jurisdictions: Vec<Jurisdiction>,
    /// Departments the department filter offers.
    pub departments: Vec<String>,
    /// The server's clock, ms since the epoch.
    pub now_ms: i64,
}

/// Who is signed in, the tree they see, and the lists the filters offer.
#[utoipa::path(get, path = "/v1/console/meta", tag = "console", security(("bearer" = [])),
    responses((status = 200, description = "the signed-in supervisor, their tree and the filter lists", body = ConsoleMeta), Errors))]
async fn meta(State(state): State<SharedState>, ConsoleUser(sup): ConsoleUser) -> Result<Json<ConsoleMeta>, ApiError> {
    crate::api::blocking(move || {
        let tree = Tree::of(&state, &sup)?;
        let node = sup.node(&state, None)?;
        let filter = xuncha_core::InspectionFilter { jurisdiction_id: node, ..Default::default() };
        let mut departments: Vec<String> = state
            .replica
            .list_inspections(&filter, inspections::MAX_ROWS, 0)?
            .into_iter()
            .flat_map(|r| r.departments)
            .chain(state.storage.users()?.into_iter().map(|u| u.department))
            .filter(|d| !d.is_empty())
            .collect();
        departments.sort();
        departments.dedup();
        Ok(Json(ConsoleMeta {
            user: crate::api::accounts::user_info(&sup.user),
            jurisdiction_name: tree.name(&sup.user.jurisdiction_id),
            jurisdictions: tree.nodes,
            departments,
            now_ms: chrono::Utc::now().timestamp_millis(),
        }))
    })
    .await
}

/// The answer to a logout.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignedOut {
    /// Always true: the token no longer works.
    pub signed_out: bool,
}

/// Ends the console session of the token used.
#[utoipa::path(post, path = "/v1/console/logout", tag = "console", security(("bearer" = [])),
    responses((status = 200, description = "the session ended", body = SignedOut), Errors))]
async fn logout(
    State(state): State<SharedState>,
    _: ConsoleUser,
    headers: HeaderMap,
) -> Result<Json<SignedOut>, ApiError> {
    crate::api::blocking(move || {
        state.sessions.close(&auth::token_hash(auth::bearer(&headers).unwrap_or_default()));
        Ok(Json(SignedOut { signed_out: true }))
    })
    .await
}
