//! Offline verification of an evidence package. Nothing in the package vouches for itself: the
//! manifest must carry the signature of the deployment key the reader trusts (given from
//! outside), the device keys come from that signed manifest or from the reader, and every
//! item's signature, hash chain and bytes are checked against those keys. What it checks is
//! what README.txt in the package explains (see `package::readme`).

use super::archive::Files;
use super::keys::PublicKey;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use xuncha_core::evidence::{EvidencePayload, SignedEntry, verify_signed_entry};

pub const FORMAT: &str = "xuncha-evidence-package/1";
pub const MANIFEST: &str = "manifest.json";
/// The deployment key's detached signature of `manifest.json`'s bytes.
pub const SIGNATURE: &str = "manifest.sig";
pub const SIGNATURE_FORMAT: &str = "xuncha-manifest-signature/1";

/// `xuncha-verify`'s exit statuses.
pub mod exit {
    /// Every check held.
    pub const VERIFIED: i32 = 0;
    /// A check failed: something was changed, removed or added, or not signed by a trusted key.
    pub const FAILED: i32 = 1;
    /// The command line was wrong (clap's status for bad arguments).
    pub const USAGE: i32 = 2;
    /// The package could not be read at all (no such file, not a ZIP archive).
    pub const UNREADABLE: i32 = 3;
    /// Every check held, but some evidence bytes were not in the package.
    pub const INCOMPLETE: i32 = 4;
}

/// What the reader trusts, taken from outside the package.
#[derive(Debug, Clone)]
pub struct Trust {
    /// The deployment's public key: the manifest must be signed by it.
    pub deployment: PublicKey,
    /// Device keys the reader knows from elsewhere (the device registry): when given, a
    /// device's key in the manifest must be this one.
    pub devices: BTreeMap<String, PublicKey>,
}

impl Trust {
    pub fn deployment(key: PublicKey) -> Trust {
        Trust { deployment: key, devices: BTreeMap::new() }
    }
}

/// What the verification found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// What was checked and held.
    pub notes: Vec<String>,
    /// Checks that failed: something was changed, removed or added.
    pub failures: Vec<String>,
    /// Evidence whose bytes the package does not carry (not uploaded when it was made).
    pub incomplete: Vec<String>,
    pub items_verified: usize,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.failures.is_empty() && self.incomplete.is_empty()
    }

    pub fn exit_code(&self) -> i32 {
        if !self.failures.is_empty() {
            exit::FAILED
        } else if !self.incomplete.is_empty() {
            exit::INCOMPLETE
        } else {
            exit::VERIFIED
        }
    }
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|x| x.as_str())
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(|x| x.as_array()).into_iter().flatten()
}

/// The detached signature file the server writes next to the manifest.
pub fn signature_file(manifest: &[u8], key: &crate::deployment_key::DeploymentKey) -> Vec<u8> {
    let public = key.public();
    let sig = serde_json::json!({
        "format": SIGNATURE_FORMAT,
        "signed_file": MANIFEST,
        "algorithm": "ed25519",
        "public_key": public.hex(),
        "fingerprint_sha256": public.fingerprint(),
        "signature": key.sign(manifest),
    });
    serde_json::to_vec_pretty(&sig).expect("plain JSON")
}

/// Verifies a package given as its files, against keys the reader trusts.
pub fn verify_files(files: &Files, trust: &Trust) -> Outcome {
    let mut out = Outcome::default();
    let Some(manifest_bytes) = files.get(MANIFEST) else {
        out.failures.push(format!("缺少清单 {MANIFEST}"));
        return out;
    };
    // Nothing in the manifest is believed before its signature holds.
    if !check_signature(files.get(SIGNATURE), manifest_bytes, trust, &mut out) {
        return out;
    }
    let manifest: Value = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            out.failures.push(format!(
                "清单 {MANIFEST} 不是有效的 JSON（第 {} 行第 {} 列），可能已被改动",
                e.line(),
                e.column()
            ));
            return out;
        }
    };
    if text(&manifest, "format") != Some(FORMAT) {
        out.failures.push(format!("清单格式不是 {FORMAT}"));
        return out;
    }
    check_files(files, &manifest, &mut out);
    let keys = device_keys(&manifest, trust, &mut out);
    let chains = check_chains(&manifest, &keys, &mut out);
    check_items(files, &manifest, &keys, &chains, &mut out);
    out
}

/// The manifest's bytes carry the trusted deployment key's signature.
fn check_signature(sig_file: Option<&Vec<u8>>, manifest: &[u8], trust: &Trust, out: &mut Outcome) -> bool {
    let trusted = &trust.deployment;
    let Some(sig_file) = sig_file else {
        out.failures.push(format!("清单未签名（缺少 {SIGNATURE}），无法确认它出自所信任的部署"));
        return false;
    };
    let sig: Value = serde_json::from_slice(sig_file).unwrap_or(Value::Null);
    let Some(signature) = text(&sig, "signature") else {
        out.failures.push(format!("签名文件 {SIGNATURE} 无法读取"));
        return false;
    };
    if trusted.verifies(manifest, signature) {
        out.notes.push(format!("清单签名有效，由所信任的部署密钥签名：{}", trusted.describe()));
        return true;
    }
    match text(&sig, "public_key").and_then(|k| PublicKey::from_hex(k).ok()) {
        Some(other) if other != *trusted => out.failures.push(format!(
            "清单由另一个密钥签名：{}；所信任的部署密钥是：{}",
            other.describe(),
            trusted.describe()
        )),
        _ => out.failures.push(format!(
            "清单签名无效：{MANIFEST} 在签名后被改动过 (the manifest signature does not verify with the trusted key {})",
            trusted.fingerprint()
        )),
    }
    false
}

/// Every file is listed with its SHA-256 and size, and nothing unlisted was added.
fn check_files(files: &Files, manifest: &Value, out: &mut Outcome) {
    let mut seen: HashSet<&str> = HashSet::from([MANIFEST, SIGNATURE]);
    let (mut listed, mut matched) = (0, 0);
    for f in array(manifest, "files") {
        listed += 1;
        let (Some(path), Some(sha)) = (text(f, "path"), text(f, "sha256")) else {
            out.failures.push("清单中有文件缺少路径或哈希".into());
            continue;
        };
        seen.insert(path);
        match files.get(path) {
            None => out.failures.push(format!("{path} 列在清单中，但包内没有")),
            Some(b) if sha256_hex(b) != sha => out.failures.push(format!("{path} 被改动：SHA-256 与清单不符")),
            Some(b) if f.get("size").and_then(|s| s.as_u64()) != Some(b.len() as u64) => {
                out.failures.push(format!("{path} 的大小与清单不符"))
            }
            Some(_) => matched += 1,
        }
    }
    for path in files.keys().filter(|p| !seen.contains(p.as_str())) {
        out.failures.push(format!("{path} 在包内，但不在清单中"));
    }
    out.notes.push(format!("清单所列 {listed} 个文件中 {matched} 个的 SHA-256 与大小一致"));
}

/// Each device's trusted key: the one the reader gave, or the one the signed manifest vouches
/// for. Keys written in the evidence metadata itself are never trusted, only compared.
fn device_keys(manifest: &Value, trust: &Trust, out: &mut Outcome) -> HashMap<String, PublicKey> {
    let mut keys = HashMap::new();
    for d in array(manifest, "devices") {
        let Some(id) = text(d, "device_id") else {
            out.failures.push("清单中有设备缺少编号".into());
            continue;
        };
        let owner = text(d, "enrolled_to").unwrap_or_default();
        let listed = text(d, "enrolled_public_key").and_then(|k| PublicKey::from_hex(k).ok());
        match (trust.devices.get(id), listed) {
            (Some(given), Some(listed)) if *given != listed => {
                out.failures.push(format!(
                    "设备 {id} 在清单中的登记公钥 {} 与给定的设备公钥 {} 不一致",
                    listed.describe(),
                    given.describe()
                ));
                keys.insert(id.to_owned(), *given);
            }
            (Some(given), _) => {
                out.notes.push(format!("设备 {id}（{owner}）：{}，与给定的设备公钥一致", given.describe()));
                keys.insert(id.to_owned(), *given);
            }
            (None, Some(listed)) => {
                out.notes.push(format!("设备 {id}（{owner}）：登记公钥 {}，由已签名的清单担保", listed.describe()));
                keys.insert(id.to_owned(), listed);
            }
            (None, None) => out.failures.push(format!("设备 {id} 没有可信的公钥")),
        }
    }
    for id in trust.devices.keys().filter(|id| !keys.contains_key(id.as_str())) {
        out.notes.push(format!("给定的设备 {id} 不在本证据包中"));
    }
    keys
}

type Chains = HashMap<String, BTreeMap<u64, (String, Option<String>)>>;

/// Each device's chain: sequence numbers from 1 without gaps, each full entry signed by the
/// device's trusted key and linked to the entry before it. Returns device → seq → entry.
fn check_chains(manifest: &Value, keys: &HashMap<String, PublicKey>, out: &mut Outcome) -> Chains {
    let mut chains = HashMap::new();
    for d in array(manifest, "devices") {
        let Some(device) = text(d, "device_id") else { continue };
        let key = keys.get(device).map(PublicKey::hex);
        let mut chain: BTreeMap<u64, (String, Option<String>)> = BTreeMap::new();
        for e in array(d, "chain") {
            let (Some(seq), Some(hash)) = (e.get("chain_seq").and_then(|s| s.as_u64()), text(e, "entry_hash")) else {
                out.failures.push(format!("设备 {device} 的哈希链中有条目缺少序号或哈希"));
                continue;
            };
            chain.insert(seq, (hash.to_owned(), text(e, "payload").map(str::to_owned)));
            let (Some(payload_json), Some(signature), Some(key)) = (text(e, "payload"), text(e, "signature"), &key)
            else {
                continue;
            };
            let entry = SignedEntry {
                entry_hash: hash.to_owned(),
                payload_json: payload_json.to_owned(),
                signature: signature.to_owned(),
            };
            match verify_signed_entry(&entry, Some(key)) {
                // The core's reason is English; the reader needs what it means, not its wording.
                Err(_) => out
                    .failures
                    .push(format!("设备 {device} 哈希链第 {seq} 条验证失败：签名或元数据与哈希不符，可能已被改动")),
                Ok(p) if p.chain_seq != seq || p.device_id != device => {
                    out.failures.push(format!("设备 {device} 哈希链第 {seq} 条的序号或设备不符"))
                }
                Ok(_) => {}
            }
        }
        let mut redacted = 0;
        let mut prev: Option<&str> = None;
        for (i, (seq, (hash, payload))) in chain.iter().enumerate() {
            if *seq != i as u64 + 1 {
                out.failures.push(format!("设备 {device} 哈希链缺少第 {} 条", i + 1));
                break;
            }
            match payload.as_deref().and_then(|p| serde_json::from_str::<EvidencePayload>(p).ok()) {
                Some(p) if p.prev.as_deref() != prev => {
                    out.failures.push(format!("设备 {device} 哈希链第 {seq} 条没有接在第 {} 条之后", i))
                }
                Some(_) => {}
                None => redacted += 1,
            }
            prev = Some(hash);
        }
        out.notes.push(format!(
            "设备 {device}：哈希链第 1–{} 条齐全且首尾相接{}",
            chain.len(),
            if redacted > 0 {
                format!("（其中 {redacted} 条属于本案以外的记录，只给出哈希)")
            } else {
                String::new()
            }
        ));
        chains.insert(device.to_owned(), chain);
    }
    chains
}

/// Each item: its signed metadata (file) hashes to its entry hash and carries the signature of
/// its device's trusted key; it sits in its device's chain; its bytes hash to the signed
/// content hash.
fn check_items(files: &Files, manifest: &Value, keys: &HashMap<String, PublicKey>, chains: &Chains, out: &mut Outcome) {
    let records: Vec<&str> =
        ["case", "inspection"].iter().filter_map(|k| manifest.get(*k).and_then(|r| text(r, "id"))).collect();
    for item in array(manifest, "items") {
        let (Some(hash), Some(payload_file), Some(signature)) =
            (text(item, "entry_hash"), text(item, "payload_file"), text(item, "signature"))
        else {
            out.failures.push("清单中有证据缺少条目哈希、元数据文件或签名".into());
            continue;
        };
        let Some(payload_json) = files.get(payload_file).and_then(|b| String::from_utf8(b.clone()).ok()) else {
            out.failures.push(format!("证据 {hash}：缺少元数据文件 {payload_file}"));
            continue;
        };
        let device = serde_json::from_str::<EvidencePayload>(&payload_json).map(|p| p.device_id).unwrap_or_default();
        let Some(key) = keys.get(&device) else {
            out.failures.push(format!("证据 {hash}：设备 {device:?} 没有可信的公钥"));
            continue;
        };
        let entry = SignedEntry {
            entry_hash: hash.to_owned(),
            payload_json: payload_json.clone(),
            signature: signature.to_owned(),
        };
        let payload = match verify_signed_entry(&entry, Some(&key.hex())) {
            Ok(p) => p,
            Err(_) => {
                out.failures.push(format!("证据 {hash}：签名或元数据验证失败，与哈希不符或签名密钥不对，可能已被改动"));
                continue;
            }
        };
        match chains.get(&payload.device_id).and_then(|c| c.get(&payload.chain_seq)) {
            Some((h, p)) if h == hash && p.as_deref().is_none_or(|p| p == payload_json) => {}
            _ => out
                .failures
                .push(format!("证据 {hash}：不是设备 {} 哈希链的第 {} 条", payload.device_id, payload.chain_seq)),
        }
        if !records.contains(&payload.record_id.as_str()) {
            out.failures.push(format!("证据 {hash}：属于记录 {}，不属于本案", payload.record_id));
        }
        match text(item, "content_file") {
            None => out.incomplete.push(format!("证据 {hash}：导出时服务器尚未收到该{}原件", payload.kind)),
            Some(path) => match files.get(path) {
                None => out.failures.push(format!("证据 {hash}：缺少原件 {path}")),
                Some(b) if payload.content_hash != sha256_hex(b) || b.len() as u64 != payload.size => {
                    out.failures.push(format!("证据 {hash}：{path} 不是设备签名时的原件，哈希或大小不符"))
                }
                Some(_) => {
                    out.items_verified += 1;
                    out.notes.push(format!(
                        "{path}：SHA-256 {}，由设备 {} 签名（公钥指纹 SHA-256 {}），{} 由 {} 采集",
                        payload.content_hash,
                        payload.device_id,
                        key.fingerprint(),
                        super::fmt_time(payload.captured_at_ms),
                        payload.officer
                    ));
                }
            },
        }
    }
}
