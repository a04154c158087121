//! The evidence package and its offline verifier, run as the real `xuncha-verify` binary: a
//! package verifies only against the deployment key the reader trusts; tampering of any kind
//! fails with status 1, even when the attacker re-signs what they changed with keys of their
//! own; a re-zipped (deflate) package and an unpacked folder verify; usage errors are status 2,
//! an unreadable package status 3.

mod support;

use ed25519_dalek::{Signer, SigningKey};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::*;
use xuncha_server::console::package::archive::{self, Files};
use xuncha_server::console::package::keys::PublicKey;

const VERIFY: &str = env!("CARGO_BIN_EXE_xuncha-verify");

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn report(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn write_folder(root: &Path, files: &Files) {
    for (path, bytes) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// A server with a case opened on the demo inspection, its package, and the trusted key as
/// the console shows it.
struct Exported {
    env: Env,
    zip: Vec<u8>,
    files: Files,
    key: String,
    dir: PathBuf,
}

fn export() -> Exported {
    let env = Env::demo();
    let chen = env.login(CHEN);
    let id = env.inspection_id();
    let r = env.post(&format!("/v1/decisions/inspections/{id}/case"), &chen, json!({"summary": "荷桥花园一对一补课"}));
    let case = r.json::<Value>().unwrap()["case_id"].as_str().unwrap().to_owned();
    let r = env.get(&format!("/v1/console/cases/{case}/package.zip"), &chen);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let zip = r.bytes().unwrap().to_vec();
    let shown = env.get_json("/v1/console/deployment-key", &chen);
    let key = shown["public_key"].as_str().unwrap().to_owned();
    assert_eq!(shown["fingerprint_sha256"].as_str().unwrap(), sha256(&hex::decode(&key).unwrap()));
    assert_eq!(key, env.server.state.deployment_key.public().hex());
    let files = archive::read(&zip).unwrap();
    let dir = env.dir.path().join("package");
    std::fs::create_dir_all(&dir).unwrap();
    Exported { env, zip, files, key, dir }
}

impl Exported {
    fn verify(&self, path: &Path, extra: &[&str]) -> Output {
        Command::new(VERIFY).arg("--deployment-key").arg(&self.key).args(extra).arg(path).output().unwrap()
    }

    /// Writes a changed copy as a folder and asserts the verifier refuses it with status 1.
    fn assert_refused(&self, name: &str, files: &Files, extra: &[&str]) -> String {
        let root = self.dir.join(name);
        write_folder(&root, files);
        let out = self.verify(&root, extra);
        let text = report(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {text}");
        assert!(text.contains("验证失败"), "{name}: {text}");
        text
    }

    fn manifest(files: &Files) -> Value {
        serde_json::from_slice(&files["manifest.json"]).unwrap()
    }

    fn photo(&self) -> String {
        self.files.keys().find(|k| k.starts_with("files/")).unwrap().clone()
    }
}

fn set_manifest(files: &mut Files, manifest: &Value) {
    files.insert("manifest.json".into(), serde_json::to_vec_pretty(manifest).unwrap());
}

/// Signs the manifest as the server does, with `key` (the trusted one or an attacker's).
fn resign_manifest(files: &mut Files, key: &SigningKey) {
    let manifest = files["manifest.json"].clone();
    let sig = json!({
        "format": "xuncha-manifest-signature/1",
        "signed_file": "manifest.json",
        "algorithm": "ed25519",
        "public_key": hex::encode(key.verifying_key().as_bytes()),
        "signature": hex::encode(key.sign(&manifest).to_bytes()),
    });
    files.insert("manifest.sig".into(), serde_json::to_vec(&sig).unwrap());
}

fn deployment_signing_key(env: &Env) -> SigningKey {
    let seed = std::fs::read_to_string(env.dir.path().join("server/deployment-signing.key")).unwrap();
    SigningKey::from_bytes(&hex::decode(seed.trim()).unwrap().try_into().unwrap())
}

/// The attack from issue 10: the photo swapped for another, its device's chain re-signed by a
/// new key, and that key written into manifest.json as the device's enrolled key, with every
/// hash in the manifest brought up to date. Returns the forged files and the new key.
fn swap_photo_and_resign(files: &Files, photo: &str) -> (Files, SigningKey) {
    let attacker = SigningKey::from_bytes(&rand_seed());
    let attacker_hex = hex::encode(attacker.verifying_key().as_bytes());
    let mut files = files.clone();
    let mut manifest = Exported::manifest(&files);
    let new_photo = xuncha_fixtures::photos::jpeg(&xuncha_fixtures::photos::phone_spec(99, 26.61, 106.92));
    let new_content_hash = sha256(&new_photo);
    let old_content_hash = photo.trim_start_matches("files/").split('.').next().unwrap().to_owned();
    let new_photo_path = photo.replace(&old_content_hash, &new_content_hash);
    files.remove(photo);
    files.insert(new_photo_path.clone(), new_photo.clone());

    // Re-sign the whole chain of the photo's device with the attacker's key.
    let item = manifest["items"].as_array().unwrap().iter().find(|i| i["content_file"] == photo).unwrap().clone();
    let device = item["device_id"].as_str().unwrap().to_owned();
    let mut renamed: Vec<(String, String, String, String)> = Vec::new(); // old hash, new hash, payload, sig
    for d in manifest["devices"].as_array_mut().unwrap() {
        if d["device_id"] != device.as_str() {
            continue;
        }
        d["enrolled_public_key"] = json!(attacker_hex);
        let mut prev: Option<String> = None;
        for e in d["chain"].as_array_mut().unwrap() {
            let old_hash = e["entry_hash"].as_str().unwrap().to_owned();
            let Some(payload) = e["payload"].as_str() else {
                prev = Some(old_hash);
                continue;
            };
            let mut p: Value = serde_json::from_str(payload).unwrap();
            p["public_key"] = json!(attacker_hex);
            p["prev"] = json!(prev);
            if p["content_hash"] == old_content_hash.as_str() {
                p["content_hash"] = json!(new_content_hash);
                p["size"] = json!(new_photo.len());
            }
            let payload = serde_json::to_string(&p).unwrap();
            let hash = sha256(payload.as_bytes());
            let sig = hex::encode(attacker.sign(payload.as_bytes()).to_bytes());
            e["entry_hash"] = json!(hash);
            e["payload"] = json!(payload);
            e["signature"] = json!(sig);
            renamed.push((old_hash, hash.clone(), payload, sig));
            prev = Some(hash);
        }
    }
    for i in manifest["items"].as_array_mut().unwrap() {
        let Some((old, new, payload, sig)) = renamed.iter().find(|r| i["entry_hash"] == r.0.as_str()) else {
            continue;
        };
        files.remove(&format!("evidence/{old}.json"));
        files.insert(format!("evidence/{new}.json"), payload.clone().into_bytes());
        i["entry_hash"] = json!(new);
        i["payload_file"] = json!(format!("evidence/{new}.json"));
        i["signature"] = json!(sig);
        if i["content_file"] == photo {
            i["content_file"] = json!(new_photo_path);
            i["content_hash"] = json!(new_content_hash);
        }
    }
    let listed: Vec<Value> = files
        .iter()
        .filter(|(p, _)| !matches!(p.as_str(), "manifest.json" | "manifest.sig"))
        .map(|(p, b)| json!({"path": p, "sha256": sha256(b), "size": b.len()}))
        .collect();
    manifest["files"] = json!(listed);
    set_manifest(&mut files, &manifest);
    (files, attacker)
}

fn rand_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    seed
}

#[test]
fn the_package_verifies_against_the_trusted_deployment_key_and_prints_full_fingerprints() {
    let p = export();
    let zip_path = p.dir.join("evidence.zip");
    std::fs::write(&zip_path, &p.zip).unwrap();
    let out = p.verify(&zip_path, &[]);
    let text = report(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("验证通过"), "{text}");
    // Full keys and fingerprints: the deployment's and each device's.
    let deployment = PublicKey::from_hex(&p.key).unwrap();
    assert!(text.contains(&deployment.hex()) && text.contains(&deployment.fingerprint()), "{text}");
    let manifest = Exported::manifest(&p.files);
    for d in manifest["devices"].as_array().unwrap() {
        let key = PublicKey::from_hex(d["enrolled_public_key"].as_str().unwrap()).unwrap();
        assert!(text.contains(&key.fingerprint()), "{text}");
    }
    assert!(p.files.contains_key("manifest.sig") && p.files.contains_key("README.txt"));
    assert!(String::from_utf8_lossy(&p.files["README.txt"]).contains(&deployment.fingerprint()));

    // The key as a file: the one the server wrote into its data folder.
    let key_file = p.env.dir.path().join("server/deployment-key.pub");
    let out =
        Command::new(VERIFY).arg("--deployment-key").arg(format!("@{}", key_file.display())).arg(&zip_path).output();
    assert_eq!(out.unwrap().status.code(), Some(0));

    // Device keys known from elsewhere: matching ones verify, from the command line or a file.
    let device = &manifest["devices"][0];
    let (id, key) = (device["device_id"].as_str().unwrap(), device["enrolled_public_key"].as_str().unwrap());
    let pair = format!("{id}={key}");
    assert_eq!(p.verify(&zip_path, &["--device-key", &pair]).status.code(), Some(0));
    let devices_file = p.dir.join("devices.txt");
    std::fs::write(&devices_file, format!("# 设备登记记录\n{pair}\n")).unwrap();
    let at_file = format!("@{}", devices_file.display());
    assert_eq!(p.verify(&zip_path, &["--device-key", &at_file]).status.code(), Some(0));

    // An unpacked folder, and the package re-zipped with deflate compression, verify too.
    let folder = p.dir.join("unpacked");
    write_folder(&folder, &p.files);
    let out = p.verify(&folder, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
    let mut rezipped = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    rezipped.add_directory("files/", deflate).unwrap();
    for (path, bytes) in &p.files {
        rezipped.start_file(path.as_str(), deflate).unwrap();
        rezipped.write_all(bytes).unwrap();
    }
    let rezipped = rezipped.finish().unwrap().into_inner();
    assert!(rezipped.len() < p.zip.len(), "deflate made it smaller: {} vs {}", rezipped.len(), p.zip.len());
    let rezipped_path = p.dir.join("rezipped.zip");
    std::fs::write(&rezipped_path, &rezipped).unwrap();
    let out = p.verify(&rezipped_path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", report(&out));
}

#[test]
fn tampering_fails_even_when_the_attacker_re_signs_with_keys_of_their_own() {
    let p = export();
    let photo = p.photo();
    let trusted = deployment_signing_key(&p.env);
    assert_eq!(hex::encode(trusted.verifying_key().as_bytes()), p.key);

    // The six ways of changing an unpacked copy.
    let changed = |change: &dyn Fn(&mut Files)| {
        let mut f = p.files.clone();
        change(&mut f);
        f
    };
    p.assert_refused("flip-a-photo-byte", &changed(&|f| f.get_mut(&photo).unwrap()[1000] ^= 1), &[]);
    p.assert_refused(
        "remove-the-photo",
        &changed(&|f| {
            f.remove(&photo);
        }),
        &[],
    );
    p.assert_refused(
        "add-a-file",
        &changed(&|f| {
            f.insert("files/extra.jpg".into(), vec![1, 2, 3]);
        }),
        &[],
    );
    let swap_signature = |f: &mut Files| {
        let mut v = Exported::manifest(f);
        let sig = v["items"][0]["signature"].as_str().unwrap().to_owned();
        let first = if sig.starts_with('0') { "1" } else { "0" };
        v["items"][0]["signature"] = json!(format!("{first}{}", sig.get(1..).unwrap()));
        set_manifest(f, &v);
    };
    let text = p.assert_refused("swap-the-signature", &changed(&swap_signature), &[]);
    assert!(text.contains("清单签名无效"), "{text}");
    p.assert_refused(
        "edit-the-metadata",
        &changed(&|f| {
            let key = f.keys().find(|k| k.starts_with("evidence/")).unwrap().clone();
            let text = String::from_utf8(f[&key].clone()).unwrap().replace("林晓雯", "李某某");
            f.insert(key, text.into_bytes());
        }),
        &[],
    );
    let replace_photo_and_hash = |f: &mut Files| {
        let bytes = f.get_mut(&photo).unwrap();
        bytes[2000] ^= 1;
        let sha = sha256(bytes);
        let mut v = Exported::manifest(f);
        for file in v["files"].as_array_mut().unwrap() {
            if file["path"] == photo.as_str() {
                file["sha256"] = json!(sha);
            }
        }
        set_manifest(f, &v);
    };
    p.assert_refused("replace-photo-and-manifest-hash", &changed(&replace_photo_and_hash), &[]);
    // Even a manifest the deployment key signed cannot vouch for bytes or metadata the device
    // did not sign: the item checks behind the manifest signature still hold.
    for (name, change) in [
        ("swap-the-signature-trusted-resign", &swap_signature as &dyn Fn(&mut Files)),
        ("replace-photo-trusted-resign", &replace_photo_and_hash),
    ] {
        let mut f = changed(change);
        resign_manifest(&mut f, &trusted);
        let text = p.assert_refused(name, &f, &[]);
        assert!(text.contains("清单签名有效"), "{name}: {text}");
    }

    // The attack of issue 10: a swapped photo re-signed by a new key, that key written into
    // manifest.json. The manifest no longer carries the deployment's signature.
    let (forged, attacker) = swap_photo_and_resign(&p.files, &photo);
    let text = p.assert_refused("swapped-photo-new-device-key", &forged, &[]);
    assert!(text.contains("清单签名无效"), "{text}");
    // Re-signed by a key of the attacker's own: an untrusted key, shown in full.
    let mut own = forged.clone();
    resign_manifest(&mut own, &attacker);
    let text = p.assert_refused("swapped-photo-manifest-signed-by-attacker", &own, &[]);
    let attacker_key = PublicKey::from_hex(&hex::encode(attacker.verifying_key().as_bytes())).unwrap();
    assert!(text.contains("另一个密钥") && text.contains(&attacker_key.fingerprint()), "{text}");
    // Without its manifest signature (the file removed), nothing in it is believed.
    let mut unsigned = forged.clone();
    unsigned.remove("manifest.sig");
    let text = p.assert_refused("swapped-photo-unsigned", &unsigned, &[]);
    assert!(text.contains("清单未签名"), "{text}");

    // The forgery is otherwise complete: signed with the deployment key (a server that was
    // itself compromised), it would pass, so the checks above are what stopped it...
    let mut by_server = forged.clone();
    resign_manifest(&mut by_server, &trusted);
    let root = p.dir.join("forged-signed-by-deployment");
    write_folder(&root, &by_server);
    assert_eq!(p.verify(&root, &[]).status.code(), Some(0), "{}", report(&p.verify(&root, &[])));
    // ...and a reader who knows the device's real key from the registry still catches it.
    let manifest = Exported::manifest(&p.files);
    let item = manifest["items"].as_array().unwrap().iter().find(|i| i["content_file"] == photo.as_str()).unwrap();
    let device = manifest["devices"].as_array().unwrap().iter().find(|d| d["device_id"] == item["device_id"]).unwrap();
    let pair = format!("{}={}", device["device_id"].as_str().unwrap(), device["enrolled_public_key"].as_str().unwrap());
    let text = p.assert_refused("forged-signed-by-deployment", &by_server, &["--device-key", &pair]);
    assert!(text.contains("不一致"), "{text}");

    // A flipped byte in the archive itself.
    let mut damaged = p.zip.clone();
    let at = damaged.len() / 2;
    damaged[at] ^= 0x55;
    std::fs::write(p.dir.join("damaged.zip"), damaged).unwrap();
    assert_eq!(p.verify(&p.dir.join("damaged.zip"), &[]).status.code(), Some(1));
}

/// A photo changed on the server's disk after it was uploaded and verified: the console shows
/// the integrity verified at upload (it reads no bytes per view), and the evidence package,
/// which carries the bytes as they are now, fails verification.
#[test]
fn a_photo_changed_after_upload_keeps_its_console_status_and_fails_its_package() {
    let env = Env::demo();
    let chen = env.login(CHEN);
    let id = env.inspection_id();
    let status = || env.get_json(&format!("/v1/console/inspections/{id}"), &chen)["evidence"][0]["integrity"].clone();
    let item = env.server.state.replica.evidence_for_record(&id).unwrap().remove(0);
    let kept = env.server.state.storage.evidence_check(item.entry_hash.as_str()).unwrap();
    assert!(kept.is_some_and(|c| c.failed.is_empty()), "verified once, when the upload completed");
    assert_eq!(status()["status"], "verified");

    let path = env.server.state.replica.content_path(&item.payload.content_hash);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[500] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(status()["status"], "verified", "the kept result");
    assert!(
        !env.server.state.replica.verify_evidence(item.entry_hash.as_str()).unwrap().ok(),
        "verified anew, it fails"
    );

    let r = env.post(&format!("/v1/decisions/inspections/{id}/case"), &chen, json!({"summary": "荷桥花园一对一补课"}));
    let case = r.json::<Value>().unwrap()["case_id"].as_str().unwrap().to_owned();
    let r = env.get(&format!("/v1/console/cases/{case}/package.zip"), &chen);
    assert_eq!(r.status(), StatusCode::OK);
    let zip = env.dir.path().join("tampered.zip");
    std::fs::write(&zip, r.bytes().unwrap()).unwrap();
    let key = env.server.state.deployment_key.public().hex();
    let out = Command::new(VERIFY).arg("--deployment-key").arg(&key).arg(&zip).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", report(&out));
    assert!(report(&out).contains("验证失败"), "{}", report(&out));
}

#[test]
fn a_package_verified_against_another_deployment_fails() {
    let p = export();
    let zip_path = p.dir.join("evidence.zip");
    std::fs::write(&zip_path, &p.zip).unwrap();
    let other = SigningKey::from_bytes(&rand_seed());
    let other = hex::encode(other.verifying_key().as_bytes());
    let out = Command::new(VERIFY).args(["--deployment-key", &other]).arg(&zip_path).output().unwrap();
    let text = report(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("另一个密钥"), "{text}");
}

#[test]
fn usage_errors_exit_2_and_an_unreadable_package_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let key = hex::encode(SigningKey::from_bytes(&rand_seed()).verifying_key().as_bytes());
    let package = dir.path().join("p.zip");
    std::fs::write(&package, b"PK not really").unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(VERIFY).args(args).output().unwrap();
        (out.status.code(), report(&out))
    };
    let p = package.to_str().unwrap();
    let missing_file = format!("@{}", dir.path().join("nope.pub").display());
    for args in [
        vec![],
        vec![p],
        vec!["--deployment-key", "abcd", p],
        vec!["--deployment-key", &missing_file, p],
        vec!["--deployment-key", &key],
        vec!["--deployment-key", &key, "--device-key", "no-equals-sign", p],
        vec!["--deployment-key", &key, "--device-key", "dev-1=zz", p],
        vec!["--deployment-key", &key, "--unknown", p],
    ] {
        let (code, text) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {text}");
    }
    let (code, text) = run(&["--deployment-key", &key, p]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("无法读取"), "{text}");
    let (code, _) = run(&["--deployment-key", &key, dir.path().join("absent.zip").to_str().unwrap()]);
    assert_eq!(code, Some(3));
}
