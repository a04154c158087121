//! Accounts, device enrolment with one-time codes, revocation, console login.

use super::{Body, Path, blocking};
use crate::auth::callers::Admin;
use crate::auth::login_limit::Refusal;
use crate::auth::{Caller, hash_password, new_secret, token_hash};
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, json_body};
use crate::openapi::Errors;
use crate::state::SharedState;
use crate::storage::{Device, NewUser, Redemption, Role, User};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuncha_core::sync::protocol::{EnrollRequest, EnrollResponse, UserInfo};

/// How long an enrolment code stays valid.
const ENROLLMENT_TTL_MS: i64 = 24 * 3600 * 1000;

pub fn user_info(u: &User) -> UserInfo {
    UserInfo {
        username: u.username.clone(),
        name: u.name.clone(),
        role: u.role.as_str().to_owned(),
        jurisdiction_id: u.jurisdiction_id.clone(),
        department: u.department.clone(),
        cert_no: u.cert_no.clone(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUserBody {
    pub username: String,
    pub name: String,
    pub role: String,
    pub jurisdiction_id: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub cert_no: String,
    pub password: Option<String>,
}

/// Creates a user (shared by the admin endpoint and the demo seed).
pub fn create_user(state: &crate::state::AppState, body: NewUserBody) -> Result<User, ApiError> {
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::bad_request(format!(
            "角色 {} 不存在，只能是检查员、网格长、楼宇管理员、督导员或管理员之一",
            body.role.chars().take(32).collect::<String>()
        ))
    })?;
    if body.username.trim().is_empty() || body.name.trim().is_empty() {
        return Err(ApiError::bad_request("用户名和姓名都必须填写"));
    }
    state
        .replica
        .jurisdiction(&body.jurisdiction_id)
        .map_err(|_| ApiError::bad_request(format!("辖区 {} 不存在，请从辖区列表中选择", body.jurisdiction_id)))?;
    let password_hash = match body.password.as_deref() {
        Some(p) if p.len() < 8 => return Err(ApiError::bad_request("密码至少需要 8 个字符")),
        Some(p) => Some(hash_password(p)?),
        None => None,
    };
    Ok(state.storage.create_user(&NewUser {
        username: body.username.trim().to_owned(),
        name: body.name.trim().to_owned(),
        role,
        jurisdiction_id: body.jurisdiction_id,
        department: body.department,
        cert_no: body.cert_no,
        password_hash,
    })?)
}

#[utoipa::path(post, path = "/v1/admin/users", tag = "accounts", security(("bearer" = [])),
    request_body = NewUserBody,
    responses((status = 200, description = "the user created (admin only)", body = UserInfo), Errors))]
pub async fn create(State(state): State<SharedState>, _: Admin, Body(body): Body) -> Result<Json<UserInfo>, ApiError> {
    blocking(move || Ok(Json(user_info(&create_user(&state, json_body(&body)?)?)))).await
}

#[utoipa::path(get, path = "/v1/admin/users", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "every user (admin only)", body = Vec<UserInfo>), Errors))]
pub async fn list(State(state): State<SharedState>, _: Admin) -> Result<Json<Vec<UserInfo>>, ApiError> {
    blocking(move || Ok(Json(state.storage.users()?.iter().map(user_info).collect()))).await
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollmentCode {
    pub code: String,
    pub expires_ms: i64,
}

/// Issues a one-time enrolment code for a user (shared with the demo seed).
pub fn issue_code(state: &crate::state::AppState, username: &str) -> Result<EnrollmentCode, ApiError> {
    let user = state
        .storage
        .user_by_username(username)?
        .ok_or_else(|| ApiError::not_found(format!("找不到用户 {username}，请检查用户名")))?;
    let code = new_secret(6);
    let expires_ms = chrono::Utc::now().timestamp_millis() + ENROLLMENT_TTL_MS;
    state.storage.create_enrollment(&token_hash(&code), user.id, expires_ms)?;
    Ok(EnrollmentCode { code, expires_ms })
}

#[utoipa::path(post, path = "/v1/admin/users/{username}/enrollment", tag = "accounts", security(("bearer" = [])),
    params(("username" = String, Path, description = "the user the phone will belong to")),
    responses((status = 200, description = "a one-time enrolment code (admin only)", body = EnrollmentCode), Errors))]
pub async fn enrollment_code(
    State(state): State<SharedState>,
    Path(username): Path<String>,
    _: Admin,
) -> Result<Json<EnrollmentCode>, ApiError> {
    blocking(move || Ok(Json(issue_code(&state, &username)?))).await
}

/// A phone redeems its one-time code, proving it holds the device key it enrols.
#[utoipa::path(post, path = "/v1/enroll", tag = "accounts",
    request_body = EnrollRequest,
    responses((status = 200, description = "the device's token and its user", body = EnrollResponse), Errors))]
pub async fn enroll(State(state): State<SharedState>, Body(body): Body) -> Result<Json<EnrollResponse>, ApiError> {
    blocking(move || {
        let req: EnrollRequest = json_body(&body)?;
        if !is_device_id(&req.device_id) {
            return Err(ApiError::bad_request("设备编号格式不正确，请把应用升级到最新版本后重新登记"));
        }
        if !signature_ok(&req) {
            return Err(ApiError::bad_request("本机登记签名验证失败，请重新打开应用后再登记"));
        }
        // The server's own store signs tip evidence under its device id: no phone may take it.
        if req.device_id == state.replica.identity().device_id {
            return Err(device_taken(&req.device_id));
        }
        let token = new_secret(32);
        let device = Device {
            device_id: req.device_id.clone(),
            user_id: 0,
            public_key: req.public_key.to_ascii_lowercase(),
            revoked: false,
        };
        let now = chrono::Utc::now().timestamp_millis();
        let user_id =
            match state.storage.redeem_enrollment(&token_hash(req.code.trim()), &device, &token_hash(&token), now)? {
                Redemption::Enrolled { user_id } => user_id,
                Redemption::InvalidCode => {
                    return Err(ApiError::unauthorized("登记码不正确、已使用或已过期，请向管理员索取新的登记码"));
                }
                Redemption::DeviceOfAnotherUser => {
                    tracing::warn!(device = req.device_id, "enrolment refused: the device belongs to another user");
                    return Err(device_taken(&req.device_id));
                }
            };
        let user = state.storage.user(user_id)?.ok_or_else(|| ApiError::internal("enrolled user vanished"))?;
        tracing::info!(device = req.device_id, user = user.username, "device enrolled");
        Ok(Json(EnrollResponse { token, user: user_info(&user) }))
    })
    .await
}

/// A device id as phones make them (also their Automerge actor id): lowercase hex bytes.
fn is_device_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.len().is_multiple_of(2)
        && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A device id belongs to the user who first enrolled it; the code stays unused.
fn device_taken(device_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "device_taken",
        format!("设备 {device_id} 已登记在其他用户名下，不能用此注册码登记；请在本机重新安装后再登记，或联系管理员"),
    )
}

fn signature_ok(req: &EnrollRequest) -> bool {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    let key = hex::decode(&req.public_key).ok().and_then(|k| <[u8; 32]>::try_from(k).ok());
    let sig = hex::decode(&req.signature).ok().and_then(|s| <[u8; 64]>::try_from(s).ok());
    match (key.and_then(|k| VerifyingKey::from_bytes(&k).ok()), sig) {
        (Some(k), Some(s)) => k.verify(req.code.trim().as_bytes(), &Signature::from_bytes(&s)).is_ok(),
        _ => false,
    }
}

/// An enrolled phone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrolledDevice {
    pub device_id: String,
    /// The user it belongs to (their numeric id).
    pub user_id: i64,
    /// Revoked devices are refused (`device_revoked`) and wipe their store.
    pub revoked: bool,
}

#[utoipa::path(get, path = "/v1/admin/devices", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "enrolled devices (admin only)", body = Vec<EnrolledDevice>), Errors))]
pub async fn devices(State(state): State<SharedState>, _: Admin) -> Result<Json<Vec<EnrolledDevice>>, ApiError> {
    blocking(move || {
        let list = state
            .storage
            .devices()?
            .into_iter()
            .map(|d| EnrolledDevice { device_id: d.device_id, user_id: d.user_id, revoked: d.revoked })
            .collect();
        Ok(Json(list))
    })
    .await
}

/// A device revoked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceRevoked {
    pub device_id: String,
    /// Always true.
    pub revoked: bool,
}

/// A lost phone: its token stops working from its next request.
#[utoipa::path(post, path = "/v1/admin/devices/{device_id}/revoke", tag = "accounts", security(("bearer" = [])),
    params(("device_id" = String, Path, description = "the lost device")),
    responses((status = 200, description = "revoked (admin only)", body = DeviceRevoked), Errors))]
pub async fn revoke(
    State(state): State<SharedState>,
    Path(device_id): Path<String>,
    _: Admin,
) -> Result<Json<DeviceRevoked>, ApiError> {
    blocking(move || {
        if !state.storage.revoke_device(&device_id)? {
            return Err(ApiError::not_found(format!("找不到设备 {device_id}，请刷新设备列表")));
        }
        tracing::warn!(device_id, "device revoked");
        Ok(Json(DeviceRevoked { device_id, revoked: true }))
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct Login {
    username: String,
    password: String,
}

/// A console session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsoleSession {
    /// The bearer token of the session.
    pub token: String,
    pub user: UserInfo,
}

/// Longest username and password looked at; longer ones are refused before any work.
const MAX_USERNAME_BYTES: usize = 256;
const MAX_PASSWORD_BYTES: usize = 1024;

/// Console login. Limited per username and per address (backoff, lockout), checked on the
/// bounded password pool, and the same argon2 work whether or not the username exists.
#[utoipa::path(post, path = "/v1/login", tag = "accounts",
    request_body = Login,
    responses((status = 200, description = "a console session token and the user", body = ConsoleSession), Errors))]
pub async fn login(State(state): State<SharedState>, ClientAddr(address): ClientAddr, Body(body): Body) -> Response {
    match login_checked(state, address, &body).await {
        Ok(answer) => answer.into_response(),
        Err(LoginError::Refused(refusal)) => refusal.into_response(),
        Err(LoginError::Api(e)) => e.into_response(),
    }
}

enum LoginError {
    Refused(Refusal),
    Api(ApiError),
}

impl From<ApiError> for LoginError {
    fn from(e: ApiError) -> Self {
        LoginError::Api(e)
    }
}

async fn login_checked(
    state: SharedState,
    address: Option<std::net::IpAddr>,
    body: &[u8],
) -> Result<Json<ConsoleSession>, LoginError> {
    let req: Login = json_body(body)?;
    if req.username.len() > MAX_USERNAME_BYTES || req.password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "login_too_long", "用户名或密码过长").into());
    }
    state.login_limits.admit(&req.username, address).map_err(|r| {
        tracing::warn!(username = req.username, ?address, refusal = ?r, "login refused before checking");
        LoginError::Refused(r)
    })?;
    let checked = state.clone();
    let username = req.username.clone();
    let user = state
        .password_checks
        .run(move |verifier| {
            let user = checked.storage.user_by_username(&username)?;
            // No hash (unknown user, or a field account without password): the same work.
            let ok = verifier.verify(&req.password, user.as_ref().and_then(|u| u.password_hash.as_deref()));
            Ok(user.filter(|_| ok))
        })
        .await?;
    let Some(user) = user else {
        tracing::info!(username = req.username, ?address, "login failed");
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "login_failed", "用户名或密码错误").into());
    };
    state.login_limits.succeeded(&req.username, address);
    let token = new_secret(32);
    state.sessions.open(token_hash(&token), user.id);
    Ok(Json(ConsoleSession { token, user: user_info(&user) }))
}

/// A login lockout lifted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Unlocked {
    pub username: String,
    /// Always true: the user may try again now.
    pub unlocked: bool,
    /// Whether a backoff or lockout was in force.
    pub was_limited: bool,
}

/// An admin lifts a login lockout (or backoff) of a user before it passes.
#[utoipa::path(post, path = "/v1/admin/users/{username}/unlock", tag = "accounts", security(("bearer" = [])),
    params(("username" = String, Path, description = "the locked-out user")),
    responses((status = 200, description = "the lockout lifted (admin only)", body = Unlocked), Errors))]
pub async fn unlock(
    State(state): State<SharedState>,
    Path(username): Path<String>,
    Admin(admin): Admin,
) -> Result<Json<Unlocked>, ApiError> {
    blocking(move || {
        state
            .storage
            .user_by_username(&username)?
            .ok_or_else(|| ApiError::not_found(format!("找不到用户 {username}，请检查用户名")))?;
        let was_limited = state.login_limits.unlock(&username);
        tracing::warn!(username, by = admin.username, was_limited, "login unlocked by an admin");
        Ok(Json(Unlocked { username, unlocked: true, was_limited }))
    })
    .await
}

#[utoipa::path(get, path = "/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "the caller", body = UserInfo), Errors))]
pub async fn me(caller: Caller) -> Json<UserInfo> {
    Json(user_info(&caller.user))
}
