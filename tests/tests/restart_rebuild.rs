//! A restart with a log the replica lacks (ADR 0017): the server answers at once and rebuilds
//! in the background. `/healthz` is alive throughout, `/readyz` says when the rebuild is done,
//! reads are answered meanwhile and writes are refused as busy with a stable code, never lost.

use xuncha_core::*;
use xuncha_e2e::*;

const NODE: &str = "qs-yx-gx-hq-g1";

#[test]
fn a_restart_answers_at_once_and_refuses_writes_until_the_replica_caught_up() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let ids: Vec<String> = (0..30).map(|_| lin.store.start_inspection(new_inspection(NODE)).unwrap()).collect();
    lin.client.sync(&lin.store, &|_| {}).unwrap();
    let TestServer { server, dir } = t;
    let addr = server.addr;
    drop(server);
    // The replica is gone (a disk swap, or a crash before it caught up): only the log is left.
    std::fs::remove_dir_all(dir.path().join("server/replica")).unwrap();

    let state = xuncha_server::open_unready(&dir.path().join("server"), &Default::default()).unwrap();
    // Holding the write lock keeps the rebuild from starting, so "not yet" is certain.
    let hold = state.write_lock.lock().unwrap();
    let server = xuncha_server::serve(state.clone(), &addr.to_string()).unwrap();
    xuncha_server::rebuild_in_background(state.clone()).unwrap();
    let url = server.url();
    let http = reqwest::blocking::Client::new();
    assert_eq!(http.get(format!("{url}/healthz")).send().unwrap().status(), 200, "alive at once");
    let ready = http.get(format!("{url}/readyz")).send().unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().unwrap();
    assert_eq!(body["code"], "catching_up", "{body}");
    assert!(body["message"].as_str().unwrap().contains("正在根据日志重建"), "{body}");

    // A push now is refused as busy; the phone keeps its work and sends it later.
    let late = lin.store.start_inspection(new_inspection(NODE)).unwrap();
    let err = lin.client.sync(&lin.store, &|_| {}).unwrap_err();
    assert!(matches!(&err, Error::Refused { status: 503, code, .. } if code == "catching_up"), "{err:?}");
    assert!(err.is_transient(), "a phone retries it with backoff");
    assert!(lin.store.inspection(&late).is_ok());

    drop(hold);
    let running = Running(server);
    running.0.wait_ready();
    assert_eq!(http.get(format!("{url}/readyz")).send().unwrap().status(), 200);
    for id in &ids {
        assert!(running.0.state.replica.inspection(id).is_ok(), "{id} rebuilt from the log");
    }
    lin.client.sync(&lin.store, &|_| {}).unwrap();
    assert!(running.0.state.replica.inspection(&late).is_ok(), "the refused push went through once ready");
    drop(dir);
}

/// Keeps the server alive to the end of the test.
struct Running(xuncha_server::Running);
