//! The public tip form (随手拍): anyone may report a suspected violation, with a photo, without
//! logging in. A tip becomes a lead (a case with source "tip") in the chosen area, made on the
//! replica by `decide` so that it flows to devices like any decision. The reporter gets a
//! tracking code to look up the state and the feedback (结果反馈); no contact data is kept.
//!
//! Limits: the body size (route layer and checked again here), the text lengths, the photo
//! size, and a sliding-window rate limit per client address and for all clients together.

use super::util::now_ms;
use crate::api::{Path, blocking, check_id};
use crate::error::{ApiError, json_body};
use crate::state::SharedState;
use crate::storage::{EntryKind, NewEntry};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use xuncha_core::{Capture, CaseSource, CaseState, EvidenceItem, Level, NewCase, Officer};

/// The largest request body: a 6 MB photo in base64 and the text.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024 + 16 * 1024;
pub const MAX_PHOTO_BYTES: usize = 6 * 1024 * 1024;
const MAX_DESCRIPTION_CHARS: usize = 1_000;
const MIN_DESCRIPTION_CHARS: usize = 5;
const MAX_PLACE_CHARS: usize = 200;
/// Rate limits over a sliding window.
const WINDOW: Duration = Duration::from_secs(600);
pub const TIPS_PER_CLIENT: usize = 5;
const TIPS_ALL_CLIENTS: usize = 200;
const LOOKUPS_PER_CLIENT: usize = 60;
/// A tip is verified (核查) within this many days unless the supervisor sets another deadline.
const VERIFY_WITHIN_MS: i64 = 7 * 86_400_000;

/// Sliding-window counters by key.
#[derive(Default)]
pub struct Limiter {
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    /// Counts a hit for `key` if fewer than `limit` happened within the window.
    fn allow(&self, key: &str, limit: usize) -> bool {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 50_000 {
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        let q = hits.entry(key.to_owned()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        if q.len() >= limit {
            return false;
        }
        q.push_back(now);
        true
    }
}

fn too_many(what: &str) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("too many {what}; try again in a few minutes"))
}

fn client(addr: &Option<Extension<ConnectInfo<SocketAddr>>>) -> String {
    addr.as_ref().map(|Extension(ConnectInfo(a))| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The areas a tip can be filed under (not grids: the public does not know them).
pub async fn areas(State(state): State<SharedState>) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        // The tree is reference data the server loads from the fixtures (see `open_state`).
        let roots = xuncha_fixtures::jurisdictions().into_iter().filter(|j| j.parent_id.is_none());
        let mut nodes = Vec::new();
        for root in roots {
            for j in state.replica.jurisdiction_subtree(&root.id)? {
                if matches!(j.level, Level::County | Level::Township | Level::Community) {
                    nodes.push(json!({"id": j.id, "name": j.name, "level": j.level, "parent_id": j.parent_id}));
                }
            }
        }
        Ok(Json(json!({"areas": nodes})))
    })
    .await
}

#[derive(Deserialize)]
struct TipBody {
    description: String,
    #[serde(default)]
    place: String,
    area: String,
    /// JPEG, base64 (a `data:` URL prefix is accepted).
    photo_base64: Option<String>,
    /// A field people do not see: bots fill it in.
    #[serde(default)]
    website: String,
}

pub async fn submit(
    State(state): State<SharedState>,
    Extension(limiter): Extension<Arc<Limiter>>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let who = client(&addr);
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("a tip is at most {MAX_BODY_BYTES} bytes; send a smaller photo"),
        ),
        status => ApiError::new(status, "bad_body", "the body could not be read"),
    })?;
    blocking(move || {
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the tip is too large"));
        }
        if !limiter.allow(&format!("tip:{who}"), TIPS_PER_CLIENT) {
            return Err(too_many("tips from your address"));
        }
        if !limiter.allow("tip:*", TIPS_ALL_CLIENTS) {
            return Err(too_many("tips right now"));
        }
        let req: TipBody = json_body(&body)?;
        if !req.website.is_empty() {
            return Err(ApiError::bad_request("the tip was not accepted"));
        }
        let description = req.description.trim();
        let chars = description.chars().count();
        if !(MIN_DESCRIPTION_CHARS..=MAX_DESCRIPTION_CHARS).contains(&chars) {
            return Err(ApiError::bad_request(format!(
                "describe what you saw in {MIN_DESCRIPTION_CHARS} to {MAX_DESCRIPTION_CHARS} characters"
            )));
        }
        if req.place.chars().count() > MAX_PLACE_CHARS {
            return Err(ApiError::bad_request(format!("the place is longer than {MAX_PLACE_CHARS} characters")));
        }
        check_id("area", &req.area)?;
        let area = state
            .replica
            .jurisdiction(&req.area)
            .map_err(|_| ApiError::bad_request(format!("area {} is not known", req.area)))?;
        if area.level == Level::City {
            return Err(ApiError::bad_request("choose a county, township or community"));
        }
        let photo = match req.photo_base64.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => {
                let p = p.split_once(";base64,").map(|(_, data)| data).unwrap_or(p);
                if p.len() > MAX_PHOTO_BYTES / 3 * 4 + 4 {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "too_large",
                        "the photo is larger than 6 MB",
                    ));
                }
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(p)
                    .map_err(|_| ApiError::bad_request("the photo is not valid base64"))?;
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
                s.add_photo(&bytes, &capture).map_err(|e| e.to_string())
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
            Json(json!({
                "tracking_code": case_id,
                "photo_attached": photo_attached,
                "photo_problem": photo_problem,
                "message": "已收到您的举报，请保存查询码以查看处理结果。",
            })),
        ))
    })
    .await
}

/// Evidence taken in on the server goes into the log like a device's, bytes complete, so
/// that devices pull its metadata and may download it.
fn publish_evidence(state: &crate::state::AppState, item: &EvidenceItem) -> Result<(), ApiError> {
    let bytes =
        serde_json::to_vec(&[item.entry_hash.as_str(), &item.payload_json, &item.signature]).expect("plain JSON");
    let entry = NewEntry {
        origin: "server".into(),
        doc_id: item.payload.record_id.clone(),
        kind: EntryKind::Evidence,
        hash: item.entry_hash.to_string(),
        bytes,
    };
    let meta = state.doc_meta_now(&item.payload.record_id)?;
    state.storage.append(&[entry], &[meta])?;
    state.storage.register_blob(&item.payload.content_hash, item.payload.size)?;
    state.storage.set_blob_progress(&item.payload.content_hash, item.payload.size, true)?;
    Ok(())
}

/// The reporter looks up a tip by its tracking code: the state and the feedback, nothing else.
pub async fn status(
    State(state): State<SharedState>,
    Extension(limiter): Extension<Arc<Limiter>>,
    addr: Option<Extension<ConnectInfo<SocketAddr>>>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let who = client(&addr);
    blocking(move || {
        if !limiter.allow(&format!("lookup:{who}"), LOOKUPS_PER_CLIENT) {
            return Err(too_many("lookups from your address"));
        }
        let not_found = || ApiError::not_found("no tip with this tracking code");
        check_id("tracking code", &code).map_err(|_| not_found())?;
        let is_case = state.storage.doc_meta(&code)?.is_some_and(|m| m.kind.as_deref() == Some("case"));
        let case = if is_case { state.replica.case(&code).ok() } else { None };
        let case = case.filter(|c| c.source == CaseSource::Tip).ok_or_else(not_found)?;
        let feedback = case.steps.iter().rev().find(|s| s.to == CaseState::FeedbackGiven).map(|s| s.note.clone());
        Ok(Json(json!({
            "tracking_code": case.id,
            "state": case.state,
            "updated_at_ms": case.steps.last().map(|s| s.at_ms),
            "feedback": feedback,
        })))
    })
    .await
}
