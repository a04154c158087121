//! The evidence package of one case (证据包): a ZIP with the evidence bytes exactly as captured,
//! each item's signed metadata, a manifest of hashes, signatures and the devices' hash chains
//! signed by the deployment key (`manifest.sig`), and a README that explains how to check it
//! offline with `xuncha-verify` (or by hand).

pub mod archive;
#[doc(hidden)]
pub mod fuzzing;
pub mod keys;
pub mod verify;

use super::cases::evidence_records;
use super::evidence::{enrolled_key, items_of};
use super::{ConsoleUser, Supervisor};
use crate::api::{Path, blocking};
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::scope::Refuse;
use crate::state::{AppState, SharedState};
use axum::extract::State;
use axum::http::header;
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
    let mut chain = Vec::new();
    let mut at = Some(newest.clone());
    while let Some(item) = at {
        let visible = sup.sees_record(state, &item.payload.record_id)?;
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
    sup.over(state, case_id, xuncha_core::RecordKind::Case, Refuse::AsAbsent)?;
    let case = state.replica.case(case_id)?;
    let inspection = case
        .inspection_id
        .as_deref()
        .filter(|i| sup.over(state, i, xuncha_core::RecordKind::Inspection, Refuse::AsAbsent).is_ok())
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
    let deployment = state.deployment_key.public();
    let readme = readme(&case, items.len(), &devices, fmt_time(now.timestamp_millis()), &sup.user.name, &deployment);
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
    let signature = verify::signature_file(&manifest, &state.deployment_key);
    files.insert(1, (verify::MANIFEST.into(), manifest));
    files.insert(2, (verify::SIGNATURE.into(), signature));
    let local = now.with_timezone(&super::util::cst()).naive_local();
    let zip = archive::write(&files, local).map_err(ApiError::internal)?;
    Ok((format!("evidence-{}.zip", case.id), zip))
}

#[utoipa::path(get, path = "/v1/console/cases/{id}/package.zip", tag = "console", security(("bearer" = [])),
    params(("id" = String, Path, description = "the case")),
    responses((status = 200, description = "the evidence package (zip) for offline verification", content_type = "application/zip", body = Vec<u8>), Errors))]
pub async fn download(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    ConsoleUser(sup): ConsoleUser,
) -> Result<Response, ApiError> {
    blocking(move || {
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

/// The key that signs evidence packages.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DeploymentKeyInfo {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The public key, 64 hex digits.
    pub public_key: String,
    /// SHA-256 of the key, to compare by eye or by phone.
    pub fingerprint_sha256: String,
    /// The command that verifies a package against this key.
    pub verify_command: String,
}

/// The deployment's public key, against which packages are verified: for supervisors and
/// admins to copy into `xuncha-verify --deployment-key` (or compare with what they were given).
#[utoipa::path(get, path = "/v1/console/deployment-key", tag = "console", security(("bearer" = [])),
    responses((status = 200, description = "the deployment's public key and its fingerprint", body = DeploymentKeyInfo), Errors))]
pub async fn deployment_key(
    State(state): State<SharedState>,
    _: ConsoleUser,
) -> Result<axum::Json<DeploymentKeyInfo>, ApiError> {
    blocking(move || {
        let key = state.deployment_key.public();
        Ok(axum::Json(DeploymentKeyInfo {
            algorithm: "ed25519".into(),
            public_key: key.hex(),
            fingerprint_sha256: key.fingerprint(),
            verify_command: format!("xuncha-verify --deployment-key {} 证据包.zip", key.hex()),
        }))
    })
    .await
}

fn readme(
    case: &xuncha_core::Case,
    items: usize,
    devices: &[Value],
    generated: String,
    by: &str,
    deployment: &keys::PublicKey,
) -> String {
    let keys: String = devices
        .iter()
        .map(|d| {
            let key = d["enrolled_public_key"].as_str().unwrap_or_default();
            let fingerprint = keys::PublicKey::from_hex(key).map(|k| k.fingerprint()).unwrap_or_default();
            format!(
                "  设备 {}（{}）\n    登记公钥 {key}\n    指纹 SHA-256 {fingerprint}\n",
                d["device_id"].as_str().unwrap_or_default(),
                d["enrolled_to"].as_str().unwrap_or_default(),
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
签名密钥：本部署的签名公钥（部署公钥）
    {deployment_key}
    指纹 SHA-256 {deployment_fingerprint}
    （仅供对照：验证时所信任的部署公钥必须来自平台本身——督导台“证据包验证公钥”、
    管理员或服务器数据目录中的 deployment-key.pub——而不能取自本包。）

一、包内文件
  README.txt            本说明
  manifest.json         清单：案件与检查记录、每件证据的签名元数据、各设备的哈希链与登记公钥、
                        以及除 manifest.json 与 manifest.sig 外每个文件的 SHA-256 与大小
  manifest.sig          平台用部署密钥（Ed25519）对 manifest.json 全部字节的签名
  evidence/<条目哈希>.json  每件证据在采集时由设备签名的元数据原文（逐字节），
                        含内容哈希（content_hash）、采集时间、地点（GPS）、设备、执法人员
  files/<内容哈希>.<扩展名>  证据原件，与采集时逐字节相同（照片未经压缩或修改）

二、离线验证（不需要网络，也不需要服务器）
  先从平台取得部署公钥（64 位十六进制），然后：
      xuncha-verify --deployment-key 部署公钥 evidence-{case_id}.zip
  或把公钥存入文件：
      xuncha-verify --deployment-key @deployment-key.pub evidence-{case_id}.zip
  也可先解压（或重新压缩成 ZIP）再验证：
      xuncha-verify --deployment-key @deployment-key.pub 解压后的文件夹
  已从设备登记记录得知某台设备的公钥时，可另加（可重复，或 @文件，每行一个）：
      --device-key 设备编号=设备公钥
  退出码：0 全部通过；1 验证失败（文件被修改、删除或添加，或清单不是由所信任的部署密钥签名）；
  2 命令行用法错误；3 证据包无法读取（不是 ZIP 文件或文件不存在）；
  4 其余全部通过，但有证据在导出时尚未上传到服务器（包内缺原件）。
  该工具的源代码位于项目的 sync-server/src/bin/xuncha-verify.rs 与
  sync-server/src/console/package/verify.rs，可自行审阅后编译：
      cargo build --release -p xuncha-server --bin xuncha-verify

三、验证了什么
  1. 清单出自平台：manifest.sig 是所信任的部署公钥对 manifest.json 的有效签名。
     包内写着的任何公钥都不会被当作可信依据；清单被改动或由其他密钥重新签名都会失败。
  2. 原件未被改动：files/ 中每个文件的 SHA-256 等于设备签名元数据中的 content_hash，
     大小等于其 size。
  3. 元数据未被改动：evidence/<条目哈希>.json 的 SHA-256 等于文件名中的条目哈希（entry hash）。
  4. 签名有效：元数据由采集设备的 Ed25519 私钥签名（manifest.json 中 items[].signature），
     签名公钥等于该设备的登记公钥（由已签名的清单担保，或由 --device-key 给定）。
  5. 哈希链完整：每台设备的证据按序号 1、2、3… 连成一条链，每一条的 prev 等于前一条的
     条目哈希；链上不能缺号、不能被替换。属于本案以外记录的链条只给出哈希（保护其他
     案件的信息），仍可验证链的连续性。
  6. 清单一致：除 manifest.json 与 manifest.sig 外的每个文件都列在清单中，哈希与大小一致，
     没有多余文件。
  工具会打印每个公钥的完整十六进制与完整 SHA-256 指纹，便于与平台记录逐位核对。

四、手工核对（不使用验证工具时）
  - 原件：  sha256sum files/*   结果应与文件名及元数据中的 content_hash 相同。
  - 元数据：sha256sum evidence/*.json   结果应与文件名相同。
  - 签名：  用 OpenSSL 3 验证 Ed25519 签名（请在包外的临时目录中操作，以免新文件被验证
            工具视为多余文件）。清单：SIG_HEX 取 manifest.sig 中的 signature，PUBKEY_HEX
            为从平台取得的部署公钥，被签名的文件为 manifest.json；每件证据：SIG_HEX 取
            manifest.json 中 items[].signature，PUBKEY_HEX 为该设备的登记公钥，被签名的文件为
            evidence/<条目哈希>.json：
              printf '%s' "$SIG_HEX" | xxd -r -p > sig.bin
              printf '302a300506032b6570032100%s' "$PUBKEY_HEX" | xxd -r -p > key.der
              openssl pkey -pubin -inform DER -in key.der -out key.pem
              openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in 被签名的文件 -sigfile sig.bin
  - 设备公钥（由已签名的清单担保；也可与平台设备登记记录核对）：
{keys}
五、说明
  - 时间均为北京时间（UTC+8）。
  - 验证失败不等于证据无效，但说明包内文件与导出时不一致，应从平台重新导出并查明原因。

English summary: files/ holds the evidence bytes exactly as captured; evidence/*.json the
metadata each device signed at capture (Ed25519) with the bytes' SHA-256; manifest.json lists
signatures, the devices' hash chains and keys and every file's SHA-256; manifest.sig is the
deployment key's Ed25519 signature of manifest.json. Run
`xuncha-verify --deployment-key HEX|@FILE [--device-key ID=HEX|@FILE]... <zip|folder>` with the
deployment's public key taken from the deployment, never from this package: exit 0 = verified,
1 = something was changed/removed/added or not signed by the trusted key, 2 = usage,
3 = unreadable, 4 = verified but some bytes were not uploaded when the package was made.
"#,
        case_id = case.id,
        summary = case.summary,
        deployment_key = deployment.hex(),
        deployment_fingerprint = deployment.fingerprint(),
    )
}
