//! Evidence bytes: resumable chunked upload (ask the offset, continue from there), verified
//! against the hash before it is acknowledged; downloads of originals and thumbnails.
//!
//! Every endpoint answers only callers who may see a record the evidence belongs to; for
//! anyone else the evidence does not exist (404, the same answer as for an unknown hash).
//! Bytes are served as JPEG or PNG only when they are that, else as octet-stream.

use super::{Body, Path, Query, blocking};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::scope;
use crate::state::{AppState, SharedState};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io::Write;
use xuncha_core::EvidenceItem;
use xuncha_core::evidence::ContentHash;
use xuncha_core::sync::protocol::UploadStatus;
use xuncha_core::sync::upload_batch::{BatchFileResult, BatchUploadResponse, UploadBatch};

fn check_hash(hash: &str) -> Result<ContentHash, ApiError> {
    hash.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "证据编号 {} 无效，应为 64 位小写十六进制数字；请刷新页面后重试",
            hash.chars().take(64).collect::<String>()
        ))
    })
}

/// The evidence items with content `hash`, if the caller may see a record of one of them.
fn visible_items(state: &AppState, caller: &Caller, hash: &ContentHash) -> Result<Vec<EvidenceItem>, ApiError> {
    let items = state.replica.evidence_by_content(hash)?;
    let within = state.within();
    let allowed = items.iter().any(|i| {
        state
            .storage
            .doc_meta(&i.payload.record_id)
            .ok()
            .flatten()
            .is_some_and(|m| scope::can_read(&caller.user, &m, &within))
    });
    if allowed {
        Ok(items)
    } else {
        Err(ApiError::not_found(format!("找不到您可查看的证据 {hash}；手机请先同步该证据的记录，再上传文件")))
    }
}

/// The type the bytes really have: JPEG and PNG by their signatures, else octet-stream.
pub fn verified_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else {
        "application/octet-stream"
    }
}

fn status_of(state: &AppState, hash: &str) -> Result<UploadStatus, ApiError> {
    let blob = state
        .storage
        .blob(hash)?
        .ok_or_else(|| ApiError::not_found(format!("服务器还没有证据 {hash} 的记录；请先同步，再上传文件")))?;
    // Chunks are not fsynced one by one (the bytes are fsynced once, when the whole file is
    // adopted): after a crash the part file may hold less than was recorded, and the upload
    // resumes from what it holds. Bytes that survived wrong fail the hash at the end.
    let offset = match blob.complete {
        true => blob.received,
        false => blob.received.min(part_len(state, hash)),
    };
    Ok(UploadStatus { offset, size: blob.size, complete: blob.complete })
}

fn part_path(state: &AppState, hash: &str) -> std::path::PathBuf {
    state.uploads.join(format!("{hash}.part"))
}

fn part_len(state: &AppState, hash: &str) -> u64 {
    std::fs::metadata(part_path(state, hash)).map_or(0, |m| m.len())
}

#[utoipa::path(get, path = "/v1/evidence/{hash}/upload", tag = "evidence", security(("bearer" = [])),
    params(("hash" = String, Path, description = "SHA-256 of the evidence bytes, lowercase hex")),
    responses((status = 200, description = "how many bytes the server holds", body = UploadStatus), Errors))]
pub async fn upload_status(
    State(state): State<SharedState>,
    Path(hash): Path<String>,
    caller: Caller,
) -> Result<axum::Json<UploadStatus>, ApiError> {
    blocking(move || {
        let hash = check_hash(&hash)?;
        visible_items(&state, &caller, &hash)?;
        status_of(&state, &hash).map(axum::Json)
    })
    .await
}

/// The query of a chunk; the offset is parsed in the handler, which names what is wrong.
#[derive(serde::Deserialize)]
pub struct ChunkQuery {
    offset: Option<String>,
}

/// Appends one chunk at `offset`. A chunk the server already has (a retry after a lost reply)
/// changes nothing; a gap is refused. The last chunk completes the upload only if the bytes
/// hash to the content hash.
#[utoipa::path(put, path = "/v1/evidence/{hash}/upload", tag = "evidence", security(("bearer" = [])),
    params(("hash" = String, Path, description = "SHA-256 of the evidence bytes, lowercase hex"),
           ("offset" = u64, Query, description = "where this chunk starts")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "a chunk of the bytes"),
    responses((status = 200, description = "the new upload state", body = UploadStatus), Errors))]
pub async fn upload_chunk(
    State(state): State<SharedState>,
    Path(hash): Path<String>,
    Query(q): Query<ChunkQuery>,
    caller: Caller,
    Body(body): Body,
) -> Result<axum::Json<UploadStatus>, ApiError> {
    blocking(move || {
        let hash = check_hash(&hash)?;
        visible_items(&state, &caller, &hash)?;
        let offset: u64 = q
            .offset
            .ok_or_else(|| ApiError::bad_request("上传请求缺少续传位置，请把应用升级到最新版本"))?
            .parse()
            .map_err(|_| ApiError::bad_request("上传的续传位置不是有效的数字，请重新上传"))?;
        append(&state, &hash, offset, &body).map(axum::Json)
    })
    .await
}

/// Writes `body` at `offset` of the upload of `hash`; completes it when the last byte arrives
/// and the bytes hash right. A chunk the server already has changes nothing; a gap is refused.
fn append(state: &AppState, hash: &ContentHash, offset: u64, body: &[u8]) -> Result<UploadStatus, ApiError> {
    let _guard = state.write_lock.lock().unwrap_or_else(|p| p.into_inner());
    let status = status_of(state, hash.as_str())?;
    let end = offset
        .checked_add(body.len() as u64)
        .filter(|e| *e <= u64::MAX / 2)
        .ok_or_else(|| ApiError::bad_request(format!("续传位置 {offset} 超出范围，请重新查询上传进度后再续传")))?;
    if status.complete || end <= status.offset {
        return Ok(status);
    }
    if offset != status.offset {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "offset",
            format!("服务器已收到 {} 字节，请从该位置续传，而不是从 {offset}", status.offset),
        ));
    }
    if end > status.size {
        return Err(ApiError::bad_request(format!(
            "上传到 {end} 字节，超过了证据登记的大小 {} 字节，请重新上传",
            status.size
        )));
    }
    let part = part_path(state, hash.as_str());
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&part).map_err(ApiError::internal)?;
    // The file may hold bytes past the recorded offset from a write whose record was lost.
    f.set_len(offset).map_err(ApiError::internal)?;
    f.write_all(body).map_err(ApiError::internal)?;
    drop(f);
    let complete = end == status.size;
    if complete {
        // The bytes are read once, here: checked against the hash, moved into the replica,
        // and every item with them verified; the console shows the kept result.
        match state.replica.adopt_evidence_bytes(hash, &part) {
            Ok(reports) => {
                if let Err(e) = crate::console::evidence::keep_checks(state, reports) {
                    // The bytes are kept all the same; the console verifies them when first shown.
                    tracing::warn!(%hash, error = e.message, "the verification of uploaded bytes was not kept");
                }
            }
            Err(e) => {
                // Wrong bytes: start over rather than keep what cannot be evidence.
                let _ = std::fs::remove_file(&part);
                state.storage.set_blob_progress(hash.as_str(), 0, false)?;
                tracing::warn!(%hash, error = %e, "uploaded bytes refused");
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "hash_mismatch",
                    "上传的文件与证据登记的内容不符，已丢弃，请从头重新上传",
                ));
            }
        }
    }
    state.storage.set_blob_progress(hash.as_str(), end, complete)?;
    Ok(UploadStatus { offset: end, size: status.size, complete })
}

/// Several whole files in one request (`XEB1`, see `xuncha_core::sync::upload_batch`). Each is
/// judged on its own — scope, announced size, hash — and answered on its own: one bad file
/// does not fail the others.
#[utoipa::path(post, path = "/v1/evidence/batch", tag = "evidence", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "an XEB1 batch of whole files"),
    responses((status = 200, description = "what became of each file", body = BatchUploadResponse), Errors))]
pub async fn upload_batch(
    State(state): State<SharedState>,
    caller: Caller,
    Body(body): Body,
) -> Result<axum::Json<BatchUploadResponse>, ApiError> {
    blocking(move || {
        let batch = UploadBatch::decode(&body)?;
        let files = batch
            .files
            .iter()
            .map(|(hash, bytes)| {
                let done = whole_file(&state, &caller, hash, bytes);
                if let Err(e) = &done {
                    tracing::info!(%hash, code = e.code, "batch file not taken");
                }
                BatchFileResult {
                    content_hash: hash.to_string(),
                    complete: done.is_ok(),
                    code: done.as_ref().err().map(|e| e.code.to_owned()),
                    message: done.err().map(|e| e.message),
                }
            })
            .collect();
        Ok(axum::Json(BatchUploadResponse { files }))
    })
    .await
}

/// One whole file of a batch, from wherever the server got to.
fn whole_file(state: &AppState, caller: &Caller, hash: &ContentHash, bytes: &[u8]) -> Result<(), ApiError> {
    visible_items(state, caller, hash)?;
    let status = status_of(state, hash.as_str())?;
    if status.complete {
        return Ok(());
    }
    if bytes.len() as u64 != status.size {
        return Err(ApiError::bad_request(format!(
            "发送了 {} 字节，但证据登记的大小是 {} 字节，请重新上传",
            bytes.len(),
            status.size
        )));
    }
    let rest = usize::try_from(status.offset).ok().and_then(|o| bytes.get(o..)).unwrap_or_default();
    let done = append(state, hash, status.offset, rest)?;
    if done.complete { Ok(()) } else { Err(ApiError::internal("a whole file did not complete its upload")) }
}

/// The original or the thumbnail, for callers who may see a record it belongs to.
#[utoipa::path(get, path = "/v1/evidence/{hash}/{what}", tag = "evidence", security(("bearer" = [])),
    params(("hash" = String, Path, description = "SHA-256 of the evidence bytes, lowercase hex"),
           ("what" = String, Path, description = "original or thumbnail")),
    responses((status = 200, description = "the bytes", content_type = "application/octet-stream", body = Vec<u8>), Errors))]
pub async fn download(
    State(state): State<SharedState>,
    Path((hash, what)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    blocking(move || {
        let hash = check_hash(&hash)?;
        visible_items(&state, &caller, &hash)?;
        let bytes = match what.as_str() {
            "original" => state.replica.evidence_bytes(&hash),
            "thumbnail" => state.replica.thumbnail(&hash),
            other => {
                return Err(ApiError::not_found(format!(
                    "证据没有 {} 这种查看方式，只能查看原件或缩略图",
                    other.chars().take(32).collect::<String>()
                )));
            }
        };
        let bytes = bytes.map_err(|_| {
            ApiError::not_found(format!("证据 {hash} 的文件还未上传到服务器（照片待上传），请稍后再看"))
        })?;
        // The claimed type is the device's word; the bytes decide (nosniff is set for all).
        Ok(([(header::CONTENT_TYPE, verified_type(&bytes))], bytes).into_response())
    })
    .await
}
