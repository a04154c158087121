//! Entry point of the evidence-package fuzz target (`fuzz/fuzz_targets/evidence_package.rs`),
//! shared with the corpus replay test (`sync-server/tests/fuzz_regressions.rs`).

use super::archive;
use super::verify::{MANIFEST, SIGNATURE, Trust, signature_file, verify_files};
use crate::deployment_key::DeploymentKey;

/// Reads `data` as a package archive and verifies it; then takes `data` as a manifest signed
/// by the trusted key, so that the checks behind the signature see hostile manifests too
/// (a fuzzer cannot forge the signature). Neither may panic, whatever the bytes.
pub fn evidence_package(data: &[u8]) {
    let key = DeploymentKey::from_seed([7; 32]);
    let trust = Trust::deployment(key.public());
    if let Ok(mut files) = archive::read(data) {
        let outcome = verify_files(&files, &trust);
        assert!(outcome.exit_code() != 0 || files.contains_key(SIGNATURE), "verified without a signature");
        if let Some(manifest) = files.get(MANIFEST).cloned() {
            files.insert(SIGNATURE.into(), signature_file(&manifest, &key));
            let _ = verify_files(&files, &trust);
        }
    }
    let files = archive::Files::from([
        (MANIFEST.to_owned(), data.to_vec()),
        (SIGNATURE.to_owned(), signature_file(data, &key)),
    ]);
    let _ = verify_files(&files, &trust);
}
