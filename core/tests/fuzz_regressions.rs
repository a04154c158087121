//! Replays the core's fuzz targets' inputs on stable: seeds made here from a real store (a
//! push body, a pull body, a change bundle, photos the camera could hand over), every crasher
//! kept under `fuzz/regressions/<target>/`, and the local corpus `fuzz/corpus/<target>/` when
//! `scripts/fuzz` has grown one. Each input goes through the function the fuzz target calls
//! (`xuncha_core::fuzzing`) and must not panic.
//!
//! `cargo test -p xuncha-core --test fuzz_regressions -- --ignored write_seed_corpus` writes the
//! seeds into `fuzz/corpus/`, which `scripts/fuzz` does before fuzzing.

mod common;

use common::{new_inspection, photo_at, store_at};
use std::path::{Path, PathBuf};
use xuncha_core::bundle::ChangeBundle;
use xuncha_core::sync::protocol::PullResponse;
use xuncha_core::{Capture, Shift, fuzzing};
use xuncha_fixtures::photos;

const T0: i64 = 1_790_000_000_000;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 4] = [
    ("push_body", fuzzing::push_body),
    ("pull_body", fuzzing::pull_body),
    ("change_bundle", fuzzing::change_bundle),
    ("photo", fuzzing::photo),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Small, valid inputs of every target, so that mutations reach the checks behind the format.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(dir.path(), 0);
    let id = store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    let small =
        photos::jpeg(&photos::PhotoSpec { width: 64, height: 48, orientation: 6, seed: 3, exif: None, quality: 60 });
    let capture = Capture { record_id: id.clone(), item_id: None, gps: None, corrects: None };
    store.add_photo(&small, &capture).unwrap();
    let push = store.next_push(64 * 1024).unwrap().request;
    match target {
        "push_body" => vec![push.encode()],
        "pull_body" => vec![
            PullResponse {
                cursor: 7,
                more: true,
                server_time_ms: T0,
                changes: push.changes.clone(),
                evidence: push.evidence.clone(),
                snapshots: vec![xuncha_core::sync::protocol::DocSnapshot {
                    bytes: store.document_bytes(&id).unwrap(),
                    doc_id: id,
                }],
            }
            .encode(),
        ],
        "change_bundle" => {
            let payload = push.evidence.first().map(|e| e.payload_json.clone().into_bytes()).unwrap_or_default();
            vec![push.changes.encode(), ChangeBundle::default().encode(), payload]
        }
        "photo" => vec![
            small,
            photos::bomb_header(),
            photos::garbage_gps_exif(5).get(..4096).unwrap_or_default().to_vec(),
            photo_at(4, 31.2, 121.4, T0, 1),
        ],
        other => panic!("no seeds for {other}"),
    }
}

#[test]
fn every_seed_regression_and_corpus_input_runs_without_a_panic() {
    for (target, run) in TARGETS {
        let mut count = 0;
        for seed in seeds(target) {
            run(&seed);
            count += 1;
        }
        for kind in ["regressions", "corpus"] {
            let Ok(dir) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else { continue };
            let mut paths: Vec<PathBuf> =
                dir.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
            paths.sort();
            for path in paths {
                eprintln!("{target}: {}", path.display());
                run(&std::fs::read(&path).unwrap());
                count += 1;
            }
        }
        println!("{target}: {count} inputs replayed");
    }
}

/// The seeds are what they claim: each decodes, so fuzzing starts from inside the format.
#[test]
fn the_seeds_are_well_formed() {
    use xuncha_core::sync::protocol::PushRequest;
    let push = PushRequest::decode(&seeds("push_body")[0]).unwrap();
    assert!(!push.changes.entries.is_empty() && push.evidence.len() == 1);
    for entry in &push.evidence {
        entry.open().unwrap();
    }
    let pull = PullResponse::decode(&seeds("pull_body")[0]).unwrap();
    assert_eq!((pull.cursor, pull.more), (7, true));
    assert!(!ChangeBundle::decode(&seeds("change_bundle")[0]).unwrap().entries.is_empty());
}

#[test]
#[ignore = "writes fuzz/corpus/; run by scripts/fuzz"]
fn write_seed_corpus() {
    for (target, _) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, seed) in seeds(target).into_iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), seed).unwrap();
        }
    }
}
