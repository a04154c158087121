//! Offline verification of an evidence package: needs only the package's files. What it checks
//! is what README.txt in the package explains (see `package::readme`).

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use xuncha_core::evidence::{EvidencePayload, SignedEntry, verify_signed_entry};

pub const FORMAT: &str = "xuncha-evidence-package/1";
pub const MANIFEST: &str = "manifest.json";

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

    /// 0: complete and verified; 1: a check failed (tampering or damage); 3: verified but
    /// incomplete (some bytes are not in the package).
    pub fn exit_code(&self) -> i32 {
        if !self.failures.is_empty() {
            1
        } else if !self.incomplete.is_empty() {
            3
        } else {
            0
        }
    }
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn text<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|x| x.as_str())
}

/// Verifies a package given as its files (path → bytes).
pub fn verify_files(files: &BTreeMap<String, Vec<u8>>) -> Outcome {
    let mut out = Outcome::default();
    let Some(manifest_bytes) = files.get(MANIFEST) else {
        out.failures.push(format!("{MANIFEST} is missing"));
        return out;
    };
    let manifest: serde_json::Value = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            out.failures.push(format!("{MANIFEST} is not valid JSON: {e}"));
            return out;
        }
    };
    if text(&manifest, "format") != Some(FORMAT) {
        out.failures.push(format!("{MANIFEST} is not a {FORMAT} manifest"));
        return out;
    }
    check_files(files, &manifest, &mut out);
    let keys = device_keys(&manifest, &mut out);
    let chains = check_chains(&manifest, &keys, &mut out);
    check_items(files, &manifest, &keys, &chains, &mut out);
    out
}

/// Every file is listed with its SHA-256 and size, and nothing unlisted was added.
fn check_files(files: &BTreeMap<String, Vec<u8>>, manifest: &serde_json::Value, out: &mut Outcome) {
    let listed = manifest.get("files").and_then(|f| f.as_array()).cloned().unwrap_or_default();
    let mut seen = vec![MANIFEST.to_owned()];
    let mut matched = 0;
    for f in &listed {
        let (Some(path), Some(sha)) = (text(f, "path"), text(f, "sha256")) else {
            out.failures.push("a file entry of the manifest lacks its path or hash".into());
            continue;
        };
        seen.push(path.to_owned());
        match files.get(path) {
            None => out.failures.push(format!("{path} is listed in the manifest but missing")),
            Some(b) if sha256_hex(b) != sha => {
                out.failures.push(format!("{path} was changed: its SHA-256 is not the one in the manifest"))
            }
            Some(b) if f.get("size").and_then(|s| s.as_u64()) != Some(b.len() as u64) => {
                out.failures.push(format!("{path} has another size than the manifest says"))
            }
            Some(_) => matched += 1,
        }
    }
    for path in files.keys().filter(|p| !seen.contains(p)) {
        out.failures.push(format!("{path} is in the package but not in the manifest"));
    }
    out.notes.push(format!("{matched} of {} listed files match their SHA-256 and size", listed.len()));
}

fn device_keys(manifest: &serde_json::Value, out: &mut Outcome) -> HashMap<String, String> {
    let mut keys = HashMap::new();
    for d in manifest.get("devices").and_then(|d| d.as_array()).into_iter().flatten() {
        match (text(d, "device_id"), text(d, "enrolled_public_key")) {
            (Some(id), Some(key)) => {
                keys.insert(id.to_owned(), key.to_owned());
            }
            _ => out.failures.push("a device of the manifest lacks its id or enrolled key".into()),
        }
    }
    keys
}

/// Each device's chain: sequence numbers from 1 without gaps, each full entry signed by the
/// device's enrolled key and linked to the entry before it. Returns device → seq → entry hash.
fn check_chains(
    manifest: &serde_json::Value,
    keys: &HashMap<String, String>,
    out: &mut Outcome,
) -> HashMap<String, BTreeMap<u64, (String, Option<String>)>> {
    let mut chains = HashMap::new();
    for d in manifest.get("devices").and_then(|d| d.as_array()).into_iter().flatten() {
        let Some(device) = text(d, "device_id") else { continue };
        let key = keys.get(device).map(String::as_str);
        let mut chain: BTreeMap<u64, (String, Option<String>)> = BTreeMap::new();
        for e in d.get("chain").and_then(|c| c.as_array()).into_iter().flatten() {
            let (Some(seq), Some(hash)) = (e.get("chain_seq").and_then(|s| s.as_u64()), text(e, "entry_hash")) else {
                out.failures.push(format!("a chain entry of device {device} lacks its number or hash"));
                continue;
            };
            chain.insert(seq, (hash.to_owned(), text(e, "payload").map(str::to_owned)));
            let (Some(payload_json), Some(signature)) = (text(e, "payload"), text(e, "signature")) else { continue };
            let entry = SignedEntry {
                entry_hash: hash.to_owned(),
                payload_json: payload_json.to_owned(),
                signature: signature.to_owned(),
            };
            match verify_signed_entry(&entry, key) {
                Err(why) => out.failures.push(format!("device {device} chain item {seq}: {why}")),
                Ok(p) if p.chain_seq != seq || p.device_id != device => out
                    .failures
                    .push(format!("device {device} chain item {seq} is listed under the wrong number or device")),
                Ok(_) => {}
            }
        }
        let mut redacted = 0;
        let mut prev: Option<&str> = None;
        for (i, (seq, (hash, payload))) in chain.iter().enumerate() {
            if *seq != i as u64 + 1 {
                out.failures.push(format!("device {device}: chain item {} is missing", i + 1));
                break;
            }
            match payload.as_deref().and_then(|p| serde_json::from_str::<EvidencePayload>(p).ok()) {
                Some(p) if p.prev.as_deref() != prev => {
                    out.failures.push(format!("device {device}: chain item {seq} does not link to item {}", seq - 1))
                }
                Some(_) => {}
                None => redacted += 1,
            }
            prev = Some(hash);
        }
        if key.is_none() {
            out.failures.push(format!("device {device} has no enrolled key in the manifest"));
        }
        out.notes.push(format!(
            "device {device}: chain items 1..{} present and linked{}",
            chain.len(),
            if redacted > 0 {
                format!(" ({redacted} items of records outside this case carry only their hash)")
            } else {
                String::new()
            }
        ));
        chains.insert(device.to_owned(), chain);
    }
    chains
}

/// Each item: its signed metadata (file) hashes to its entry hash and carries the device's
/// signature; it sits in its device's chain; its bytes hash to the signed content hash.
fn check_items(
    files: &BTreeMap<String, Vec<u8>>,
    manifest: &serde_json::Value,
    keys: &HashMap<String, String>,
    chains: &HashMap<String, BTreeMap<u64, (String, Option<String>)>>,
    out: &mut Outcome,
) {
    let records: Vec<&str> =
        ["case", "inspection"].iter().filter_map(|k| manifest.get(*k).and_then(|r| text(r, "id"))).collect();
    for item in manifest.get("items").and_then(|i| i.as_array()).into_iter().flatten() {
        let (Some(hash), Some(payload_file), Some(signature)) =
            (text(item, "entry_hash"), text(item, "payload_file"), text(item, "signature"))
        else {
            out.failures.push("an item of the manifest lacks its hash, metadata file or signature".into());
            continue;
        };
        let Some(payload_json) = files.get(payload_file).and_then(|b| String::from_utf8(b.clone()).ok()) else {
            out.failures.push(format!("item {hash}: its metadata file {payload_file} is missing"));
            continue;
        };
        let entry = SignedEntry {
            entry_hash: hash.to_owned(),
            payload_json: payload_json.clone(),
            signature: signature.to_owned(),
        };
        let device = serde_json::from_str::<EvidencePayload>(&payload_json).map(|p| p.device_id).unwrap_or_default();
        let payload = match verify_signed_entry(&entry, keys.get(&device).map(String::as_str)) {
            Ok(p) => p,
            Err(why) => {
                out.failures.push(format!("item {hash}: {why}"));
                continue;
            }
        };
        if !keys.contains_key(&payload.device_id) {
            out.failures.push(format!("item {hash}: device {} has no enrolled key in the manifest", payload.device_id));
            continue;
        }
        match chains.get(&payload.device_id).and_then(|c| c.get(&payload.chain_seq)) {
            Some((h, p)) if h == hash && p.as_deref().is_none_or(|p| p == payload_json) => {}
            _ => out.failures.push(format!(
                "item {hash}: it is not item {} of device {}'s chain",
                payload.chain_seq, payload.device_id
            )),
        }
        if !records.contains(&payload.record_id.as_str()) {
            out.failures.push(format!("item {hash}: it belongs to record {}, not to this case", payload.record_id));
        }
        match text(item, "content_file") {
            None => out.incomplete.push(format!(
                "item {hash}: the {} bytes were not on the server when the package was made",
                payload.kind
            )),
            Some(path) => match files.get(path) {
                None => out.failures.push(format!("item {hash}: {path} is missing")),
                Some(b) if payload.content_hash != sha256_hex(b) || b.len() as u64 != payload.size => {
                    out.failures.push(format!(
                        "item {hash}: {path} is not the {} the device signed (hash or size differ)",
                        payload.kind
                    ))
                }
                Some(_) => {
                    out.items_verified += 1;
                    out.notes.push(format!(
                        "{path}: SHA-256 {} signed by device {} ({}), captured {} by {}",
                        payload.content_hash,
                        payload.device_id,
                        keys[&payload.device_id].get(..16).unwrap_or_default(),
                        super::fmt_time(payload.captured_at_ms),
                        payload.officer
                    ));
                }
            },
        }
    }
}
