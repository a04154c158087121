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
mod evidence;
mod inspections;
mod ledger;
pub mod package;
mod patrols;
mod report;
mod set_aside;
mod tips;
mod util;

use crate::api::check_id;
use crate::auth;
use crate::error::ApiError;
use crate::scope;
use crate::state::{AppState, SharedState};
use crate::storage::{DocMeta, Role, User};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use xuncha_core::{Jurisdiction, Officer};

/// The console's routes, merged into the server's router.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/", get(assets::index))
        .route("/console.css", get(assets::css))
        .route("/console.js", get(assets::js))
        .route("/tip", get(assets::tip_page))
        .route("/tip.js", get(assets::tip_js))
        .route("/v1/console/meta", get(meta))
        .route("/v1/console/logout", post(logout))
        .route("/v1/console/inspections", get(inspections::list))
        .route("/v1/console/inspections.csv", get(inspections::csv))
        .route("/v1/console/inspections/{id}", get(inspections::detail))
        .route("/v1/console/cases", get(cases::board))
        .route("/v1/console/cases.csv", get(cases::csv))
        .route("/v1/console/cases/{id}", get(cases::detail))
        .route("/v1/console/cases/{id}/step", post(cases::step))
        .route("/v1/console/cases/{id}/package.zip", get(package::download))
        .route("/v1/console/ledger", get(ledger::list))
        .route("/v1/console/ledger/{id}/move", post(ledger::move_entry))
        .route("/v1/console/patrols", get(patrols::coverage))
        .route("/v1/console/report", get(report::quarterly))
        .route("/v1/console/set-aside", get(set_aside::list))
        .route("/v1/tips", post(tips::submit).layer(DefaultBodyLimit::max(tips::MAX_BODY_BYTES)))
        .route("/v1/tips/areas", get(tips::areas))
        .route("/v1/tips/{code}", get(tips::status))
        // One limiter per server: tests run several servers in one process.
        .layer(Extension(Arc::new(tips::Limiter::default())))
}

/// A signed-in supervisor or admin, and what they may see.
pub(crate) struct Supervisor {
    pub user: User,
}

impl Supervisor {
    /// The caller, if a console user (supervisor or admin) signed in with a password.
    pub fn from(state: &AppState, headers: &HeaderMap) -> Result<Supervisor, ApiError> {
        let caller = auth::caller(state, headers)?;
        caller.require(&[Role::Supervisor, Role::Admin])?;
        if caller.device.is_some() {
            return Err(ApiError::forbidden("the console is for supervisors signed in with a password, not devices"));
        }
        Ok(Supervisor { user: caller.user })
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Whether `node` lies in the caller's subtree (admins see every node).
    pub fn sees(&self, state: &AppState, node: &str) -> bool {
        self.is_admin() || state.replica.jurisdiction_within(node, &self.user.jurisdiction_id).unwrap_or(false)
    }

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
                    .map_err(|_| ApiError::bad_request(format!("jurisdiction {node} is not known")))?;
                if self.sees(state, node) {
                    Ok(Some(node.to_owned()))
                } else {
                    Err(ApiError::forbidden(format!(
                        "{node} is outside your jurisdiction {}",
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
            None => Ok(root_of(state, &self.user.jurisdiction_id)),
        }
    }

    /// The scope facts of a record of `kind` the caller may see; not found otherwise, so that
    /// records outside the subtree do not reveal that they exist.
    pub fn record(&self, state: &AppState, id: &str, kind: &str) -> Result<DocMeta, ApiError> {
        check_id(kind, id)?;
        let meta = state.storage.doc_meta(id)?.filter(|m| m.kind.as_deref() == Some(kind));
        match meta {
            Some(m) if scope::can_read(&self.user, &m, &state.within()) => Ok(m),
            _ => Err(ApiError::not_found(format!("no {kind} {id} that you may see"))),
        }
    }

    /// The identity decisions are made under.
    pub fn officer(&self) -> Officer {
        Officer {
            name: self.user.name.clone(),
            department: self.user.department.clone(),
            cert_no: self.user.cert_no.clone(),
        }
    }
}

/// The top of the tree above `node`.
fn root_of(state: &AppState, node: &str) -> String {
    let mut id = node.to_owned();
    for _ in 0..16 {
        match state.replica.jurisdiction(&id).ok().and_then(|j| j.parent_id) {
            Some(parent) => id = parent,
            None => break,
        }
    }
    id
}

/// Names and bounds of the nodes a caller may see, by id.
pub(crate) struct Tree {
    pub nodes: Vec<Jurisdiction>,
    by_id: HashMap<String, usize>,
}

impl Tree {
    pub fn of(state: &AppState, sup: &Supervisor) -> Result<Tree, ApiError> {
        let top =
            if sup.is_admin() { root_of(state, &sup.user.jurisdiction_id) } else { sup.user.jurisdiction_id.clone() };
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

/// Who is signed in, the tree they see, and the lists the filters offer.
async fn meta(State(state): State<SharedState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    crate::api::blocking(move || {
        let sup = Supervisor::from(&state, &headers)?;
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
        Ok(Json(json!({
            "user": crate::api::accounts::user_info(&sup.user),
            "jurisdiction_name": tree.name(&sup.user.jurisdiction_id),
            "jurisdictions": tree.nodes,
            "departments": departments,
            "now_ms": chrono::Utc::now().timestamp_millis(),
        })))
    })
    .await
}

/// Ends the console session of the token used.
async fn logout(State(state): State<SharedState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    crate::api::blocking(move || {
        Supervisor::from(&state, &headers)?;
        let token = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        state.sessions.lock().unwrap_or_else(|p| p.into_inner()).remove(&auth::token_hash(token));
        Ok(Json(json!({"signed_out": true})))
    })
    .await
}
