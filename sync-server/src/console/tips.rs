//! The public tip form (随手拍): anyone may report a suspected violation, with a photo, without
//! logging in. A tip becomes a lead (a case with source "tip") in the chosen area, made on the
//! replica by `decide` so that it flows to devices like any decision. The reporter gets a
//! tracking code to look up the state and the feedback (结果反馈); no contact data is kept.
//!
//! Limits: the body size (route layer and checked again here), the text lengths, the photo
//! size, and rate limits (governor, GCRA) per client address and per reporter. There is no
//! limit for all clients together: one sender must not close the form for everyone. The
//! address is the TCP peer's, or a trusted proxy's `X-Forwarded-For` (see `client_addr`);
//! IPv6 is limited per /64. A reporter is the random id the form keeps in the browser
//! (`reporter`), or else the address: an office behind one address gets `TIPS_PER_ADDRESS`,
//! each browser in it `TIPS_PER_REPORTER`.

use super::util::now_ms;
use crate::api::{Path, blocking, check_id};
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, json_body};
use crate::openapi::Errors;
use crate::state::SharedState;
use crate::storage::{LogEntry, NewEntry};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::{Extension, Json};
use base64::Engine;
use governor::{DefaultKeyedRateLimiter, Quota};
use serde::{Deserialize, Serialize};
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use xuncha_core::{Capture, CaseSource, CaseState, EvidenceItem, Level, NewCase, Officer};

/// The largest request body: a 6 MB photo in base64 and the text.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024 + 16 * 1024;
pub const MAX_PHOTO_BYTES: usize = 6 * 1024 * 1024;
const MAX_DESCRIPTION_CHARS: usize = 1_000;
const MIN_DESCRIPTION_CHARS: usize = 5;
const MAX_PLACE_CHARS: usize = 200;
/// Rate limits: so many per window, refilled evenly over it.
const WINDOW: Duration = Duration::from_secs(600);
pub const TIPS_PER_REPORTER: u32 = 5;
pub const TIPS_PER_ADDRESS: u32 = 30;
const LOOKUPS_PER_ADDRESS: u32 = 60;
/// Keys a limiter holds before it drops those whose limit has refilled.
const MAX_KEYS: usize = 100_000;
/// A tip is verified (核查) within this many days unless the supervisor sets another deadline.
const VERIFY_WITHIN_MS: i64 = 7 * 86_400_000;

/// Who sent a tip, for its limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Reporter {
    Browser(String),
    Address(IpAddr),
}

/// The tip form's rate limits, one set per server.
pub struct TipLimits {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_reporter: DefaultKeyedRateLimiter<Reporter>,
    lookups: DefaultKeyedRateLimiter<IpAddr>,
}

fn quota(per_window: u32) -> Quota {
    let n = NonZeroU32::new(per_window).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(WINDOW / n.get()).expect("a nonzero window").allow_burst(n)
}

/// Counts a hit for `key`; false when over the limit.
fn allow<K: Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> bool {
    if limiter.len() > MAX_KEYS {
        limiter.retain_recent();
    }
    limiter.check_key(key).is_ok()
}

impl Default for TipLimits {
    fn default() -> Self {
        TipLimits {
            per_address: DefaultKeyedRateLimiter::keyed(quota(TIPS_PER_ADDRESS)),
            per_reporter: DefaultKeyedRateLimiter::keyed(quota(TIPS_PER_REPORTER)),
            lookups: DefaultKeyedRateLimiter::keyed(quota(LOOKUPS_PER_ADDRESS)),
        }
    }
}

fn too_many(what: &str) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("{what}过于频繁，请几分钟后再试"))
}

/// Without connect info (never in a served server) everyone shares one key.
fn address_of(client: ClientAddr) -> IpAddr {
    client.0.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// An area a tip can be filed under.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TipArea {
    pub id: String,
    pub name: String,
    /// `county`, `township` or `community`.
    pub level: Level,
    pub parent_id: Option<String>,
}

/// The areas of the tip form, each tree top down.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TipAreas {
    pub areas: Vec<TipArea>,
}

/// The areas a tip can be filed under (not grids: the public does not know them).
#[utoipa::path(get, path = "/v1/tips/areas", tag = "tips",
    responses((status = 200, description = "the areas a tip can be filed under", body = TipAreas), Errors))]
pub async fn areas(State(state): State<SharedState>) -> Result<Json<TipAreas>, ApiError> {
    blocking(move || {
        let roots = state.replica.jurisdiction_roots()?;
        let mut nodes = Vec::new();
        for root in roots {
            for j in state.replica.jurisdiction_subtree(&root.id)? {
                if matches!(j.level, Level::County | Level::Township | Level::Community) {
                    nodes.push(TipArea { id: j.id, name: j.name, level: j.level, parent_id: j.parent_id });
                }
            }
        }
        Ok(Json(TipAreas { areas: nodes }))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct TipBody {
    /// What the reporter saw, 5 to 1000 characters.
    description: String,
    /// Where, in the reporter's words (at most 200 characters).
    #[serde(default)]
    place: String,
    /// The area (`/v1/tips/areas`) the tip is filed under.
    area: String,
    /// JPEG, base64 (a `data:` URL prefix is accepted).
    photo_base64: Option<String>,
    /// A field people do not see: bots fill it in.
    #[serde(default)]
    website: String,
    /// The random id the form keeps in the browser, for the per-reporter limit.
    reporter: Option<String>,
}

/// The reporter of a tip: its browser's id if it sent a well-formed one, else its address.
fn reporter_of(req: &TipBody, address: IpAddr) -> Result<Reporter, ApiError> {
    match req.reporter.as_deref() {
        None | Some("") => Ok(Reporter::Address(address)),
        Some(id) if (16..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Reporter::Browser(id.to_ascii_lowercase()))
        }
        Some(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_reporter", "举报人标识无效，请刷新页面后重试")),
    }
}

/// What the reporter is told when a tip is taken.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TipReceipt {
    /// The code to look the tip up with (`/v1/tips/{code}`).
    pub tracking_code: String,
    /// Whether the photo was kept with the tip.
    pub photo_attached: bool,
    /// Why a photo sent was not kept, in Chinese.
    pub photo_problem: Option<String>,
    /// The confirmation the form shows, in Chinese.
    pub message: String,
}

#[utoipa::path(post, path = "/v1/tips", tag = "tips",
    request_body = TipBody,
    responses((status = 201, description = "the tip taken as a lead, with its tracking code", body = TipReceipt), Errors))]
pub async fn submit(
    State(state): State<SharedState>,
    Extension(limits): Extension<Arc<TipLimits>>,
    client: ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<TipReceipt>), ApiError> {
    let address = address_of(client);
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("举报内容不能超过 {} 兆字节，请换一张较小的照片", MAX_BODY_BYTES / (1024 * 1024)),
        ),
        status => ApiError::new(status, "bad_body", "举报内容未能完整接收，请检查网络后重试"),
    })?;
    blocking(move || {
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "举报内容过大，请换一张较小的照片"));
        }
        if !allow(&limits.per_address, &address) {
            return Err(too_many("您所在网络提交举报"));
        }
        let req: TipBody = json_body(&body)?;
        if !allow(&limits.per_reporter, &reporter_of(&req, address)?) {
            return Err(too_many("提交举报"));
        }
        if !req.website.is_empty() {
            return Err(ApiError::bad_request("举报未被受理，请刷新页面后重试"));
        }
        let description = req.description.trim();
        let chars = description.chars().count();
        if !(MIN_DESCRIPTION_CHARS..=MAX_DESCRIPTION_CHARS).contains(&chars) {
            return Err(ApiError::bad_request(format!(
                "请用 {MIN_DESCRIPTION_CHARS} 到 {MAX_DESCRIPTION_CHARS} 个字描述您看到的情况"
            )));
        }
        if req.place.chars().count() > MAX_PLACE_CHARS {
            return Err(ApiError::bad_request(format!("地点不能超过 {MAX_PLACE_CHARS} 个字")));
        }
        check_id("area", &req.area)?;
        let area = state
            .replica
            .jurisdiction(&req.area)
            .map_err(|_| ApiError::bad_request(format!("所选地区 {} 不存在，请刷新页面后重新选择", req.area)))?;
        if area.level == Level::City {
            return Err(ApiError::bad_request("请选择具体的县、乡镇或社区"));
        }
        let photo = match req.photo_base64.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => {
                let p = p.split_once(";base64,").map(|(_, data)| data).unwrap_or(p);
                if p.len() > MAX_PHOTO_BYTES / 3 * 4 + 4 {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "too_large",
                        "照片不能超过 6 兆字节，请换一张较小的照片",
                    ));
                }
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(p)
                    .map_err(|_| ApiError::bad_request("照片数据已损坏，请重新选择照片"))?;
                Some(bytes)
            }
        };
        let summary = if req.place.trim().is_empty() {
            format!("随手拍：{description}")
        } else {
            format!("随手拍：{description}（地点：{}）", req.place.trim())
        };
        let new = NewCase {
            jurisdiction_id: area.id.clone(),
            source: CaseSource::Tip,
            summary,
            inspection_id: None,
            deadline_ms: Some(now_ms() + VERIFY_WITHIN_MS),
        };
        let reporter =
            Officer {
                name: "随手拍（公众举报）".into(), department: "社会监督".into(), cert_no: String::new()
            };
        let (case_id, attached) = state.decide(reporter, |s| {
            let case_id = s.open_case(&new)?;
            let attached = photo.map(|bytes| {
                let capture = Capture { record_id: case_id.clone(), item_id: None, gps: None, corrects: None };
                s.add_photo(&bytes, &capture).map_err(|e| {
                    tracing::info!(error = %e, "a tip photo was not kept");
                    e.message_zh()
                })
            });
            Ok((case_id, attached))
        })?;
        let (photo_attached, photo_problem) = match attached {
            None => (false, None),
            Some(Ok(item)) => {
                publish_evidence(&state, &item)?;
                (true, None)
            }
            Some(Err(why)) => (false, Some(why)),
        };
        tracing::info!(case = case_id, area = area.id, photo_attached, "tip received");
        Ok((
            StatusCode::CREATED,
            Json(TipReceipt {
                tracking_code: case_id,
                photo_attached,
                photo_problem,
                message: "已收到您的举报，请保存查询码以查看处理结果。".into(),
            }),
        ))
    })
    .await
}

/// Evidence taken in on the server goes into the log like a device's, bytes complete, so
/// that devices pull its metadata and may download it.
fn publish_evidence(state: &crate::state::AppState, item: &EvidenceItem) -> Result<(), ApiError> {
    let entry = NewEntry { origin: "server".into(), entry: LogEntry::evidence(item) };
    let meta = state.doc_meta_now(&item.payload.record_id)?;
    state.storage.append(&[entry], &[meta])?;
    state.storage.register_blob(&item.payload.content_hash, item.payload.size)?;
    state.storage.set_blob_progress(&item.payload.content_hash, item.payload.size, true)?;
    Ok(())
}

/// What a reporter may know of their tip.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TipStatus {
    pub tracking_code: String,
    pub state: CaseState,
    /// When the tip's case last moved, ms since the epoch.
    pub updated_at_ms: Option<i64>,
    /// The feedback given to the reporter (结果反馈), once given.
    pub feedback: Option<String>,
}

/// The reporter looks up a tip by its tracking code: the state and the feedback, nothing else.
#[utoipa::path(get, path = "/v1/tips/{code}", tag = "tips",
    params(("code" = String, Path, description = "the tracking code given at submission")),
    responses((status = 200, description = "the tip's state and feedback", body = TipStatus), Errors))]
pub async fn status(
    State(state): State<SharedState>,
    Extension(limits): Extension<Arc<TipLimits>>,
    client: ClientAddr,
    Path(code): Path<String>,
) -> Result<Json<TipStatus>, ApiError> {
    let address = address_of(client);
    blocking(move || {
        if !allow(&limits.lookups, &address) {
            return Err(too_many("查询"));
        }
        let not_found = || ApiError::not_found("没有这个查询码对应的举报，请核对查询码");
        check_id("tracking code", &code).map_err(|_| not_found())?;
        let is_case = state.storage.doc_meta(&code)?.is_some_and(|m| m.kind == Some(xuncha_core::RecordKind::Case));
        let case = if is_case { state.replica.case(&code).ok() } else { None };
        let case = case.filter(|c| c.source == CaseSource::Tip).ok_or_else(not_found)?;
        let feedback = case.steps.iter().rev().find(|s| s.to == CaseState::FeedbackGiven).map(|s| s.note.clone());
        Ok(Json(TipStatus {
            updated_at_ms: case.steps.last().map(|s| s.at_ms),
            tracking_code: case.id,
            state: case.state,
            feedback,
        }))
    })
    .await
}
