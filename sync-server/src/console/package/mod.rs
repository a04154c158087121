//! The evidence package of one case (证据包): a ZIP with the evidence bytes exactly as captured,
//! each item's signed metadata, a manifest of hashes, signatures and the devices' hash chains,
//! and a README that explains how to check it offline with `xuncha-verify` (or by hand).

pub mod verify;
pub mod zip;

use super::Supervisor;
use super::cases::evidence_records;
use super::evidence::{enrolled_key, items_of};
use crate::api::{Path, blocking};
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::scope;
use crate::state::{AppState, SharedState};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use xuncha_core::EvidenceItem;

/// "2026-03-18 21:05:09 (UTC+8)".
pub fn fmt_time(ms: i64) -> String {
    super::util::local(ms).map(|t| t.format("%Y-%m-%d %H:%M:%S (UTC+8)").to_string()).unwrap_or_default()
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" => "m4a",
        "audio/aac" => "aac",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        "audio/wav" | "audio/x-wav" => "wav",
        _ => "bin",
    }
}

/// One device's chain up to its latest item in the package, walked back through the `prev`
/// links. Items of records the caller may not see carry only their number and hash.
fn chain_of(state: &AppState, sup: &Supervisor, newest: &EvidenceItem) -> Result<Vec<Value>, ApiError> {
    let within = state.within();
    let mut chain = Vec::new();
    let mut at = Some(newest.clone());
    while let Some(item) = at {
        let visible =
            state.storage.doc_meta(&item.payload.record_id)?.is_some_and(|m| scope::can_read(&sup.user, &m, &within));
        chain.push(if visible {
            json!({"chain_seq": item.payload.chain_seq, "entry_hash": item.entry_hash, "payload": item.payload_json, "signature": item.signature})
        } else {
            json!({"chain_seq": item.payload.chain_seq, "entry_hash": item.entry_hash})
        });
        at = match &item.payload.prev {
            // A missing link stays missing: the verifier reports the gap.
            Some(prev) => state.replica.evidence_item(prev).ok(),
            None => None,
        };
        if chain.len() > 1_000_000 {
            return Err(ApiError::internal("a device chain does not end"));
        }
    }
    chain.reverse();
    Ok(chain)
}

/// Builds the package of a case the caller may see: (file name, ZIP bytes).
pub(crate) fn build(state: &AppState, sup: &Supervisor, case_id: &str) -> Result<(String, Vec<u8>), ApiError> {
    sup.record(state, case_id, "case")?;
    let case = state.replica.case(case_id)?;
    let inspection = case
        .inspection_id
        .as_deref()
        .filter(|i| sup.record(state, i, "inspection").is_ok())
        .and_then(|i| state.replica.inspection(i).ok());
    let records: Vec<&str> = evidence_records(&case)
        .into_iter()
        .filter(|r| *r == case.id || inspection.as_ref().is_some_and(|i| i.id == *r))
        .collect();
    let items = items_of(state, &records)?;

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut manifest_items = Vec::new();
    for item in &items {
        let payload_file = format!("evidence/{}.json", item.entry_hash);
        files.push((payload_file.clone(), item.payload_json.clone().into_bytes()));
        let content_file = match state.replica.evidence_bytes(&item.payload.content_hash) {
            Ok(bytes) => {
                let path = format!("files/{}.{}", item.payload.content_hash, extension(&item.payload.mime));
                if !files.iter().any(|(p, _)| *p == path) {
                    files.push((path.clone(), bytes));
                }
                Some(path)
            }
            Err(_) => None,
        };
        manifest_items.push(json!({
            "entry_hash": item.entry_hash,
            "record_id": item.payload.record_id,
            "item_id": item.payload.item_id,
            "kind": item.payload.kind,
            "content_hash": item.payload.content_hash,
            "payload_file": payload_file,
            "signature": item.signature,
            "content_file": content_file,
            "device_id": item.payload.device_id,
            "chain_seq": item.payload.chain_seq,
            "officer": item.payload.officer,
            "cert_no": item.payload.cert_no,
            "captured_at_ms": item.payload.captured_at_ms,
            "captured_at": fmt_time(item.payload.captured_at_ms),
            "gps": item.payload.gps,
            "flags": item.payload.flags,
        }));
    }

    // Each device's chain, from its first item to its newest item in the package.
    let mut newest: BTreeMap<&str, &EvidenceItem> = BTreeMap::new();
    for item in &items {
        let slot = newest.entry(item.payload.device_id.as_str()).or_insert(item);
        if item.payload.chain_seq > slot.payload.chain_seq {
            *slot = item;
        }
    }
    let mut devices = Vec::new();
    for (device, item) in newest {
        let key = enrolled_key(state, device).unwrap_or_default();
        let owner = state
            .storage
            .device(device)?
            .and_then(|d| state.storage.user(d.user_id).ok().flatten())
            .map(|u| format!("{} ({})", u.name, u.username))
            .unwrap_or_else(|| "巡查平台服务器（随手拍等服务器接收的证据）".into());
        devices.push(json!({
            "device_id": device,
            "enrolled_public_key": key,
            "enrolled_to": owner,
            "chain": chain_of(state, sup, item)?,
        }));
    }

    let now = chrono::Utc::now();
    let inspection_json = inspection.as_ref().map(|i| {
        json!({
            "id": i.id, "jurisdiction_id": i.jurisdiction_id, "place_id": i.place_id, "shift": i.shift, "mode": i.mode,
            "approach": i.approach, "started_at_ms": i.started_at_ms, "ended_at_ms": i.ended_at_ms, "team": i.team,
            "answers": i.answers, "findings": i.findings, "conclusion": i.conclusion, "review": i.review,
            "review_reason": i.review_reason,
        })
    });
    let mut audit = serde_json::Map::new();
    for r in &records {
        audit.insert((*r).to_owned(), serde_json::to_value(state.replica.audit_trail(r)?).map_err(ApiError::internal)?);
    }
    let readme = readme(&case, items.len(), &devices, fmt_time(now.timestamp_millis()), &sup.user.name);
    files.insert(0, ("README.txt".into(), readme.into_bytes()));
    let listed: Vec<Value> = files
        .iter()
        .map(|(path, bytes)| json!({"path": path, "sha256": hex::encode(Sha256::digest(bytes)), "size": bytes.len()}))
        .collect();
    let manifest = json!({
        "format": verify::FORMAT,
        "generated_at_ms": now.timestamp_millis(),
        "generated_at": fmt_time(now.timestamp_millis()),
        "generated_by": {"name": sup.user.name, "username": sup.user.username, "department": sup.user.department, "cert_no": sup.user.cert_no},
        "case": {
            "id": case.id, "jurisdiction_id": case.jurisdiction_id, "source": case.source, "summary": case.summary,
            "state": case.state, "department": case.department, "deadline_ms": case.deadline_ms, "steps": case.steps,
        },
        "inspection": inspection_json,
        "audit": audit,
        "items": manifest_items,
        "devices": devices,
        "files": listed,
    });
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(ApiError::internal)?;
    files.insert(1, (verify::MANIFEST.into(), manifest));
    let local = now.with_timezone(&super::util::cst()).naive_local();
    let zip = zip::write(&files, local).map_err(ApiError::internal)?;
    Ok((format!("evidence-{}.zip", case.id), zip))
}

#[utoipa::path(get, path = "/v1/console/cases/{id}/package.zip", tag = "console", security(("bearer" = [])),
    params(("id" = String, Path, description = "the case")),
    responses((status = 200, description = "the evidence package (zip) for offline verification", content_type = "application/zip", body = Vec<u8>), Errors))]
pub async fn download(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let sup = Supervisor::from(&state, &headers)?;
        let (name, zip) = build(&state, &sup, &id)?;
        tracing::info!(case = id, by = sup.user.username, bytes = zip.len(), "evidence package exported");
        Ok((
            [
                (header::CONTENT_TYPE, "application/zip".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            ],
            zip,
        )
            .into_response())
    })
    .await
}

fn readme(case: &xuncha_core::Case, items: usize, devices: &[Value], generated: String, by: &str) -> String {
    let keys: String = devices
        .iter()
        .map(|d| {
            format!(
                "  设备 {}（{}）\n    登记公钥 {}\n",
                d["device_id"].as_str().unwrap_or_default(),
                d["enrolled_to"].as_str().unwrap_or_default(),
                d["enrolled_public_key"].as_str().unwrap_or_default()
            )
        })
        .collect();
    format!(
        r#"巡查（xuncha）证据包 / Evidence package
==========================================

案件编号：{case_id}
案件摘要：{summary}
导出时间：{generated}
导出人：{by}
证据数量：{items}

一、包内文件
  README.txt            本说明
  manifest.json         清单：案件与检查记录、每件证据的签名元数据、各设备的哈希链、
                        以及除清单本身外每个文件的 SHA-256 与大小
  evidence/<条目哈希>.json  每件证据在采集时由设备签名的元数据原文（逐字节），
                        含内容哈希（content_hash）、采集时间、地点（GPS）、设备、执法人员
  files/<内容哈希>.<扩展名>  证据原件，与采集时逐字节相同（照片未经压缩或修改）

二、离线验证（不需要网络，也不需要服务器）
  使用项目提供的验证工具：
      xuncha-verify evidence-{case_id}.zip
  或先解压，再验证文件夹：
      xuncha-verify 解压后的文件夹
  全部通过时退出码为 0；任何文件被修改、删除或添加时退出码为 1；
  若有证据在导出时尚未上传到服务器（包内缺原件），退出码为 3。
  该工具的源代码位于项目的 sync-server/src/bin/xuncha-verify.rs 与
  sync-server/src/console/package/verify.rs，可自行审阅后编译：
      cargo build --release -p xuncha-server --bin xuncha-verify

三、验证了什么
  1. 原件未被改动：files/ 中每个文件的 SHA-256 等于设备签名元数据中的 content_hash，
     大小等于其 size。
  2. 元数据未被改动：evidence/<条目哈希>.json 的 SHA-256 等于文件名中的条目哈希（entry hash）。
  3. 签名有效：元数据由采集设备的 Ed25519 私钥签名（manifest.json 中 items[].signature），
     签名公钥与该设备在服务器登记（扫码入网）时的公钥一致。
  4. 哈希链完整：每台设备的证据按序号 1、2、3… 连成一条链，每一条的 prev 等于前一条的
     条目哈希；链上不能缺号、不能被替换。属于本案以外记录的链条只给出哈希（保护其他
     案件的信息），仍可验证链的连续性。
  5. 清单一致：除 manifest.json 外的每个文件都列在清单中，哈希与大小一致，没有多余文件。

四、手工核对（不使用验证工具时）
  - 原件：  sha256sum files/*   结果应与文件名及元数据中的 content_hash 相同。
  - 元数据：sha256sum evidence/*.json   结果应与文件名相同。
  - 签名：  从 manifest.json 取出 items[].signature（十六进制）与元数据中的 public_key，
            例如用 OpenSSL 3（请在包外的临时目录中操作，以免新文件被验证工具视为多余文件）：
              printf '%s' "$SIG_HEX" | xxd -r -p > sig.bin
              printf '302a300506032b6570032100%s' "$PUBKEY_HEX" | xxd -r -p > key.der
              openssl pkey -pubin -inform DER -in key.der -out key.pem
              openssl pkeyutl -verify -pubin -inkey key.pem -rawin \
                  -in evidence/<条目哈希>.json -sigfile sig.bin
  - 设备公钥：请与巡查平台设备登记记录核对下列公钥（它们不应只以本包为准）：
{keys}
五、说明
  - 时间均为北京时间（UTC+8）。本清单本身未另行签名：证据的不可篡改性来自采集设备的签名
    与哈希链；对设备公钥的信任来自服务器的设备登记记录。
  - 验证失败不等于证据无效，但说明包内文件与采集时不一致，应从平台重新导出并查明原因。

English summary: files/ holds the evidence bytes exactly as captured; evidence/*.json the
metadata each device signed at capture (Ed25519) with the bytes' SHA-256; manifest.json lists
signatures, the devices' hash chains and every file's SHA-256. Run `xuncha-verify <zip|folder>`:
exit 0 = verified, 1 = something was changed/removed/added, 3 = some bytes were not uploaded
when the package was made. Compare the device keys above with the server's device registry.
"#,
        case_id = case.id,
        summary = case.summary,
    )
}
