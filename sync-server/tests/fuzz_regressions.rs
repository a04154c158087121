//! Replays the evidence-package fuzz target's inputs on stable: a generated seed package, every
//! crasher kept under `fuzz/regressions/evidence_package/`, and the local corpus
//! `fuzz/corpus/evidence_package/` when `scripts/fuzz` has grown one. Each goes through the
//! function the fuzz target calls and must not panic.
//!
//! `cargo test -p xuncha-server --test fuzz_regressions -- --ignored write_seed_corpus` writes
//! the seeds into `fuzz/corpus/evidence_package/`.

use ed25519_dalek::{Signer, SigningKey};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use xuncha_core::evidence::EvidencePayload;
use xuncha_server::console::package::archive;
use xuncha_server::console::package::fuzzing::evidence_package;
use xuncha_server::console::package::verify::{MANIFEST, SIGNATURE, Trust, signature_file, verify_files};
use xuncha_server::deployment_key::DeploymentKey;

const TARGET: &str = "evidence_package";

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The key the fuzz target trusts (`fuzzing::evidence_package`).
fn fuzz_key() -> DeploymentKey {
    DeploymentKey::from_seed([7; 32])
}

/// A small, complete package of one photo, signed by the fuzz target's trusted key: what the
/// verifier accepts, so mutations of it reach every check.
fn seed_files() -> Vec<(String, Vec<u8>)> {
    let device = SigningKey::from_bytes(&[9; 32]);
    let photo = b"\xff\xd8 a very small photo \xff\xd9".to_vec();
    let payload = EvidencePayload {
        v: 1,
        device_id: "d0f0".repeat(8),
        public_key: hex::encode(device.verifying_key().as_bytes()),
        chain_seq: 1,
        prev: None,
        content_hash: xuncha_core::evidence::ContentHash::of(&photo),
        kind: xuncha_core::evidence::EvidenceKind::Photo,
        mime: "image/jpeg".into(),
        size: photo.len() as u64,
        record_id: "case-1".into(),
        item_id: None,
        officer: "林晓雯".into(),
        cert_no: "QS-0001".into(),
        captured_at_ms: 1_790_000_000_000,
        gps: None,
        exif: None,
        flags: vec![],
        corrects: None,
    };
    let payload_json = serde_json::to_string(&payload).unwrap();
    let entry_hash = sha256(payload_json.as_bytes());
    let signature = hex::encode(device.sign(payload_json.as_bytes()).to_bytes());
    let photo_file = format!("files/{}.jpg", payload.content_hash);
    let payload_file = format!("evidence/{entry_hash}.json");
    let mut files = vec![
        ("README.txt".to_owned(), "证据包".as_bytes().to_vec()),
        (payload_file.clone(), payload_json.clone().into_bytes()),
        (photo_file.clone(), photo),
    ];
    let listed: Vec<_> = files.iter().map(|(p, b)| json!({"path": p, "sha256": sha256(b), "size": b.len()})).collect();
    let manifest = json!({
        "format": "xuncha-evidence-package/1",
        "case": {"id": "case-1"},
        "inspection": null,
        "items": [{
            "entry_hash": entry_hash, "payload_file": payload_file, "signature": signature,
            "content_file": photo_file, "device_id": payload.device_id, "chain_seq": 1,
        }],
        "devices": [{
            "device_id": payload.device_id,
            "enrolled_public_key": payload.public_key,
            "enrolled_to": "林晓雯 (lin)",
            "chain": [{"chain_seq": 1, "entry_hash": entry_hash, "payload": payload_json, "signature": signature}],
        }],
        "files": listed,
    });
    let manifest = serde_json::to_vec(&manifest).unwrap();
    files.push((SIGNATURE.into(), signature_file(&manifest, &fuzz_key())));
    files.push((MANIFEST.into(), manifest));
    files
}

fn seeds() -> Vec<Vec<u8>> {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 18).unwrap().and_hms_opt(21, 5, 0).unwrap();
    let files = seed_files();
    let manifest = files.iter().find(|(p, _)| p == MANIFEST).unwrap().1.clone();
    vec![archive::write(&files, at).unwrap(), manifest]
}

#[test]
fn the_seed_package_verifies() {
    let files = archive::read(&seeds()[0]).unwrap();
    let outcome = verify_files(&files, &Trust::deployment(fuzz_key().public()));
    assert_eq!(outcome.exit_code(), 0, "{:?}", outcome.failures);
    assert_eq!(outcome.items_verified, 1);
}

#[test]
fn every_seed_regression_and_corpus_input_runs_without_a_panic() {
    let mut count = 0;
    for seed in seeds() {
        evidence_package(&seed);
        count += 1;
    }
    for kind in ["regressions", "corpus"] {
        let Ok(dir) = std::fs::read_dir(fuzz_dir().join(kind).join(TARGET)) else { continue };
        let mut paths: Vec<PathBuf> = dir.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
        paths.sort();
        for path in paths {
            eprintln!("{TARGET}: {}", path.display());
            evidence_package(&std::fs::read(&path).unwrap());
            count += 1;
        }
    }
    println!("{TARGET}: {count} inputs replayed");
}

#[test]
#[ignore = "writes fuzz/corpus/; run by scripts/fuzz"]
fn write_seed_corpus() {
    let dir = fuzz_dir().join("corpus").join(TARGET);
    std::fs::create_dir_all(&dir).unwrap();
    for (i, seed) in seeds().into_iter().enumerate() {
        std::fs::write(dir.join(format!("seed-{i}")), seed).unwrap();
    }
}
