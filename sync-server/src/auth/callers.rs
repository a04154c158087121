//! The caller of a request, as axum extractors: a handler names who it serves in its
//! signature (`Device`, `Supervisor`, `ConsoleUser`, `Admin`, or any `Caller`) and never
//! starts with a preamble. Each runs the token lookup on the blocking pool (storage is
//! synchronous SQLite) and refuses with the same codes and messages as before.

use super::{Caller, caller};
use crate::error::ApiError;
use crate::scope::{self, Refuse, Unreachable};
use crate::state::{AppState, SharedState};
use crate::storage::{DocMeta, Role, User};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use xuncha_core::{Officer, RecordKind};

/// Any signed-in caller: an enrolled phone or a console session.
impl FromRequestParts<SharedState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let (state, headers) = (state.clone(), parts.headers.clone());
        crate::api::blocking(move || caller(&state, &headers)).await
    }
}

/// An enrolled, not revoked phone (sync): a console session is refused.
pub struct Device {
    pub user: User,
    pub device: crate::storage::Device,
}

impl FromRequestParts<SharedState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let Caller { user, device } = Caller::from_request_parts(parts, state).await?;
        let device = device.ok_or_else(|| ApiError::forbidden("只有已登记的手机才能同步，督导台账号不能同步"))?;
        Ok(Device { user, device })
    }
}

/// A supervisor or admin, from their phone or the console: who makes decisions.
pub struct Supervisor {
    pub user: User,
}

impl FromRequestParts<SharedState> for Supervisor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(&[Role::Supervisor, Role::Admin])?;
        Ok(Supervisor { user: caller.user })
    }
}

impl Supervisor {
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Whether `node` lies in the caller's subtree.
    pub fn sees(&self, state: &AppState, node: &str) -> bool {
        scope::in_subtree(state, &self.user, node)
    }

    /// The scope facts of a record of `kind` the caller may see and decide on; refused as
    /// `refuse` says otherwise.
    pub fn over(&self, state: &AppState, id: &str, kind: RecordKind, refuse: Refuse) -> Result<DocMeta, ApiError> {
        crate::api::check_id(refuse.id_noun(kind), id)?;
        scope::reach(state, &self.user, id, refuse.kind_checked(kind))?.map_err(|why| {
            if let Unreachable::Outside(why) = &why {
                tracing::info!(record_id = id, why, "record out of the caller's reach");
            }
            refuse.answer(why, kind, id)
        })
    }

    /// Whether the caller may see record `id`, of whatever kind (a record the server does
    /// not know is not seen).
    pub fn sees_record(&self, state: &AppState, id: &str) -> Result<bool, ApiError> {
        Ok(scope::reach(state, &self.user, id, None)?.is_ok())
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

/// A supervisor or admin signed in on the console with their password (never a phone's token).
pub struct ConsoleUser(pub Supervisor);

impl FromRequestParts<SharedState> for ConsoleUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(&[Role::Supervisor, Role::Admin])?;
        if caller.device.is_some() {
            return Err(ApiError::forbidden(
                "督导台只能用督导或管理员账号和密码登录使用，手机的登记凭证不能使用督导台",
            ));
        }
        Ok(ConsoleUser(Supervisor { user: caller.user }))
    }
}

/// An admin (accounts and devices).
pub struct Admin(pub User);

impl FromRequestParts<SharedState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(&[Role::Admin])?;
        Ok(Admin(caller.user))
    }
}
