//! The `xuncha` binary as a field office runs it, against a real demo server on loopback: it
//! enrols a store, the officer's work recorded in that store reaches the server at `sync`,
//! and failures exit 1 with `错误 [code]: 中文` (usage errors 2).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use xuncha_core::Store;
use xuncha_e2e::tls::{TestCa, TlsFront};
use xuncha_e2e::{TestServer, demo_officer, new_inspection};

fn xuncha(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xuncha")).args(args).output().unwrap()
}

fn on(store: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--store", store.to_str().unwrap()];
    all.extend_from_slice(args);
    xuncha(&all)
}

/// The `name value` lines of a successful run.
fn figures(out: &Output) -> BTreeMap<String, String> {
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| {
            let (name, value) = l.split_once(' ').unwrap_or((l, ""));
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn code(t: &TestServer, username: &str) -> String {
    xuncha_server::api::accounts::issue_code(&t.server.state, username).unwrap().code
}

#[test]
fn work_recorded_in_a_store_reaches_the_server_through_the_command_line() {
    let t = TestServer::start();
    let dir = t.phone_dir("cli-lin");
    let enrolled = figures(&on(&dir, &["enroll", "--server", &t.url(), "--code", &code(&t, "lin")]));
    assert_eq!(enrolled["user"], "lin");
    assert_eq!(enrolled["role"], "inspector");
    assert_eq!(enrolled["server"], t.url());

    // The officer's work, recorded through core as the app records it; the store is closed
    // before the command line opens it.
    let id = {
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.identity().device_id, enrolled["device"]);
        store.sign_in(demo_officer("lin")).unwrap();
        xuncha_fixtures::load_reference(&store).unwrap();
        let id = store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
        store.add_finding(&id, "楼内有学生进出，疑似开展学科类培训").unwrap();
        id
    };
    let before = figures(&on(&dir, &["status"]));
    assert_eq!(before["enrolled"], "yes");
    assert_eq!(before["server"], t.url());
    assert_eq!(before["device"], enrolled["device"]);
    assert_eq!(before["role"], "inspector");
    assert_eq!(before["pending_records"], "1");
    let pending: u64 = before["pending_changes"].parse().unwrap();
    assert!(pending >= 2, "the start and the finding wait: {before:?}");
    assert_eq!(before["last_success"], "-");

    let report = figures(&on(&dir, &["sync"]));
    assert_eq!(report["pushed_changes"], pending.to_string(), "{report:?}");
    assert_eq!(report["refused_records"], "0");
    assert!(report["pulled_changes"].parse::<u64>().unwrap() > 0, "the seeded places arrive: {report:?}");
    let replica = &t.server.state.replica;
    assert_eq!(replica.inspection(&id).unwrap().findings.len(), 1, "the server has the inspection and its finding");
    assert_eq!(replica.heads(&id).unwrap(), Store::open(&dir).unwrap().heads(&id).unwrap());

    let after = figures(&on(&dir, &["status"]));
    assert_eq!((after["pending_records"].as_str(), after["pending_changes"].as_str()), ("0", "0"));
    assert_ne!(after["last_success"], "-");
    assert_eq!(after["last_error"], "-");

    // A supervisor's store, enrolled and synced the same way, pulls the inspection.
    let chen = t.phone_dir("cli-chen");
    figures(&on(&chen, &["enroll", "--server", &t.url(), "--code", &code(&t, "chen")]));
    figures(&on(&chen, &["sync"]));
    assert_eq!(Store::open(&chen).unwrap().heads(&id).unwrap(), replica.heads(&id).unwrap());
}

#[test]
fn a_bad_code_fails_with_exit_1_and_a_chinese_message_with_its_code() {
    let t = TestServer::start();
    let dir = t.phone_dir("cli-bad-code");
    let out = on(&dir, &["enroll", "--server", &t.url(), "--code", "NOPE42"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("错误 [refused]: "), "{err}");
    assert!(err.contains("登记码不正确"), "the server's Chinese reason: {err}");
    assert!(out.stdout.is_empty());
    // Nothing was enrolled: the store says so, and a sync is refused with its own code.
    assert_eq!(figures(&on(&dir, &["status"]))["enrolled"], "no");
    let out = on(&dir, &["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("错误 [not_enrolled]: 本机尚未登记"), "{}", stderr(&out));
    // Nor does a store that is not there get made by asking about it.
    let missing = t.dir.path().join("no-such-store");
    let out = on(&missing, &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("错误 [not_enrolled]"), "{}", stderr(&out));
    assert!(!missing.exists());
}

#[test]
fn an_unreachable_server_fails_with_exit_1_and_the_network_code() {
    let t = TestServer::start();
    let dir = t.phone_dir("cli-offline");
    figures(&on(&dir, &["enroll", "--server", &t.url(), "--code", &code(&t, "zhao")]));
    drop(t.server);
    let out = on(&dir, &["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("错误 [network]: 无法连接服务器"), "{}", stderr(&out));
    assert_ne!(figures(&on(&dir, &["status"]))["last_error"], "-", "the failed attempt is kept");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(xuncha(&[]).status.code(), Some(2), "no arguments");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert_eq!(on(&store, &[]).status.code(), Some(2), "no command");
    assert_eq!(on(&store, &["enroll", "--code", "x"]).status.code(), Some(2), "no server");
    assert_eq!(xuncha(&["status"]).status.code(), Some(2), "no store");
    let out = on(&store, &["sync", "--ca", "/no/such/ca.pem"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("无法读取证书文件 /no/such/ca.pem：文件不存在"), "{}", stderr(&out));
    assert!(!store.exists(), "a usage error touches no store");
    assert_eq!(xuncha(&["--help"]).status.code(), Some(0));
}

#[test]
fn a_ca_given_at_enrolment_is_kept_for_later_syncs_over_tls() {
    let t = TestServer::start();
    let ca = TestCa::new("巡查测试县 CA");
    let front = TlsFront::start(&ca, t.server.addr);
    let files = tempfile::tempdir().unwrap();
    let ca_file = files.path().join("ca.pem");
    let other_file = files.path().join("other.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    std::fs::write(&other_file, TestCa::new("另一个 CA").pem()).unwrap();
    let (ca_file, other_file) = (ca_file.to_str().unwrap(), other_file.to_str().unwrap());
    let dir = t.phone_dir("cli-tls");

    // Without the CA, the deployment's certificate is not trusted.
    let out = on(&dir, &["enroll", "--server", &front.url(), "--code", &code(&t, "sun")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("错误 [network]"), "{}", stderr(&out));
    figures(&on(&dir, &["enroll", "--server", &front.url(), "--code", &code(&t, "sun"), "--ca", ca_file]));
    let report = figures(&on(&dir, &["sync"]));
    assert!(report["pulled_changes"].parse::<u64>().unwrap() > 0, "{report:?}");
    // Another CA for one sync: refused, and the kept one still works after.
    let out = on(&dir, &["sync", "--ca", other_file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("错误 [network]"), "{}", stderr(&out));
    figures(&on(&dir, &["sync"]));
    // Not a certificate at all: core's own refusal.
    let junk = files.path().join("junk.pem");
    std::fs::write(&junk, "不是证书").unwrap();
    let out = on(&dir, &["sync", "--ca", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("错误 [invalid]: 服务器根证书"), "{}", stderr(&out));
}
