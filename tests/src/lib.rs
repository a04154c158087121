//! Helpers for end-to-end tests: a real server on a loopback port, enrolled phones, a fault
//! proxy, and small HTTP helpers for what phones do not do (console login, raw requests).

pub mod bench;
pub mod counting_proxy;
pub mod in_process;
pub mod loopback;
pub mod proxy;
pub mod tls;

use std::collections::BTreeMap;
use std::path::Path;
use xuncha_core::sync::SyncClient;
use xuncha_core::sync::protocol::{EnrollRequest, EnrollResponse, PROTOCOL_HEADER, PROTOCOL_VERSION};
use xuncha_core::{Officer, Store};
pub use xuncha_server::demo::Phone;
use xuncha_server::storage::LogEntry;

/// A server on 127.0.0.1 with the demo accounts, places and ledger seeded, in a temp dir.
pub struct TestServer {
    pub server: xuncha_server::Running,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(&xuncha_server::ServerConfig::default())
    }

    /// A server with chosen settings (login limits, session timeouts, trusted proxies).
    pub fn start_with(config: &xuncha_server::ServerConfig) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let server = xuncha_server::start_with(&dir.path().join("server"), "127.0.0.1:0", config).unwrap();
        xuncha_server::demo::seed(&server.state).unwrap();
        TestServer { server, dir }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Stops the server and starts it again on the same data directory and address: whatever
    /// it stored must let it start.
    pub fn restart(self) -> TestServer {
        let TestServer { server, dir } = self;
        let addr = server.addr;
        drop(server);
        let server = xuncha_server::start(&dir.path().join("server"), &addr.to_string()).unwrap();
        TestServer { server, dir }
    }

    /// A phone enrolled as demo account `username`, syncing to `url` (the server, or a proxy).
    pub fn phone(&self, username: &str, url: &str) -> Phone {
        Phone::enrol(&self.server.state, url, &self.phone_dir(username), username).unwrap()
    }

    /// A fresh directory for a phone's store.
    pub fn phone_dir(&self, label: &str) -> std::path::PathBuf {
        self.dir.path().join(format!("phone-{label}-{}", chrono::Utc::now().timestamp_nanos_opt().unwrap()))
    }

    /// A phone for any user (demo or created by the test), signed in as `officer`, enrolled
    /// by hand so that the test also holds its device token.
    pub fn device(&self, username: &str, officer: Officer) -> Device {
        let store = Store::open(self.phone_dir(username)).unwrap();
        store.sign_in(officer).unwrap();
        xuncha_fixtures::load_reference(&store).unwrap();
        let code = xuncha_server::api::accounts::issue_code(&self.server.state, username).unwrap().code;
        let request = EnrollRequest {
            code: code.clone(),
            device_id: store.identity().device_id,
            public_key: store.device_public_key(),
            signature: store.sign_with_device_key(code.as_bytes()).unwrap(),
        };
        let (status, body) =
            post_json(&format!("{}/v1/enroll", self.url()), None, &serde_json::to_value(&request).unwrap());
        assert_eq!(status, 200, "{body}");
        let response: EnrollResponse = serde_json::from_value(body).unwrap();
        store.set_sync_account(&self.url(), &response.token).unwrap();
        let client = SyncClient::new(&self.url(), &response.token).unwrap();
        Device { store, client, token: response.token }
    }

    /// The number of entries in the server's log.
    pub fn log_len(&self) -> usize {
        self.server.state.storage.entries_after(0, 10_000_000).unwrap().len()
    }

    /// Change hashes in the server's log, with how often each appears.
    pub fn log_hashes(&self) -> BTreeMap<String, usize> {
        log_hashes(&self.server.state)
    }

    /// A console session token for a user with a password.
    pub fn login(&self, username: &str, password: &str) -> String {
        let (status, body) = post_json(
            &format!("{}/v1/login", self.url()),
            None,
            &serde_json::json!({"username": username, "password": password}),
        );
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }
}

/// A phone enrolled by the test, with its device token.
pub struct Device {
    pub store: Store,
    pub client: SyncClient,
    pub token: String,
}

impl Device {
    /// A client for this device's account that talks to `url` (a fault proxy).
    pub fn client_via(&self, url: &str) -> SyncClient {
        SyncClient::new(url, &self.token).unwrap()
    }

    pub fn sync(&self) -> xuncha_core::Result<xuncha_core::sync::SyncReport> {
        self.client.sync(&self.store, &|_: xuncha_core::sync::Progress| {})
    }
}

/// The demo officer of a demo account (as `Phone::enrol` signs in).
pub fn demo_officer(username: &str) -> Officer {
    let (_, _, _, _, who) = xuncha_server::demo::ACCOUNTS.iter().find(|a| a.0 == username).unwrap();
    xuncha_fixtures::officers()[*who].clone()
}

pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap()
}

/// Status and JSON body (Null if the body is not JSON).
pub fn json_of(response: reqwest::blocking::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().unwrap_or_default();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

pub fn post_json(url: &str, token: Option<&str>, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let mut r = http().post(url).json(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    json_of(r.send().unwrap())
}

/// A raw push of `body` with a device token and the protocol header.
pub fn push_raw(url: &str, token: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    json_of(
        http()
            .post(format!("{url}/v1/sync/push"))
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .body(body)
            .send()
            .unwrap(),
    )
}

/// Every document id a device receives when it pulls from cursor 0 (following `more`).
pub fn pull_doc_ids(url: &str, token: &str) -> std::collections::BTreeSet<String> {
    let mut ids = std::collections::BTreeSet::new();
    let mut cursor = 0;
    for _ in 0..1000 {
        let response = http()
            .get(format!("{url}/v1/sync/pull?cursor={cursor}"))
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let pull = xuncha_core::sync::protocol::PullResponse::decode(&response.bytes().unwrap()).unwrap();
        ids.extend(pull.changes.entries.into_iter().map(|e| e.doc_id));
        ids.extend(pull.snapshots.into_iter().map(|s| s.doc_id));
        cursor = pull.cursor;
        if !pull.more {
            return ids;
        }
    }
    panic!("pull did not end");
}

/// Document ids with changes in a store (every record, reference data excluded).
pub fn doc_ids(store: &Store) -> Vec<String> {
    store.peer_state().unwrap().heads.into_keys().collect()
}

/// Asserts two stores hold the same heads for `ids`.
pub fn assert_same_docs(a: &Store, b: &Store, ids: &[String], what: &str) {
    for id in ids {
        assert_eq!(a.heads(id).unwrap(), b.heads(id).unwrap(), "{what}: document {id} differs");
    }
}

/// A directory's total size in bytes (for storage checks).
pub fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() { dir_size(&p) } else { e.metadata().map(|m| m.len()).unwrap_or(0) }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// A new day inspection at `node` with the demo checklist.
pub fn new_inspection(node: &str) -> xuncha_core::NewInspection {
    xuncha_core::NewInspection {
        template_id: xuncha_fixtures::TEMPLATE_ID.into(),
        template_version: 1,
        jurisdiction_id: node.into(),
        shift: xuncha_core::Shift::Day,
        mode: xuncha_core::Mode::Joint,
        approach: xuncha_core::Approach::Open,
        place_id: None,
        ledger_id: None,
    }
}

/// A good GPS fix taken now.
pub fn gps(lat: f64, lon: f64) -> xuncha_core::GpsFix {
    let now = chrono::Utc::now().timestamp_millis();
    xuncha_core::GpsFix {
        lat,
        lon,
        accuracy_m: 8.0,
        altitude_m: Some(880.0),
        provider: xuncha_core::GpsProvider::Fused,
        mock: false,
        fix_time_ms: now,
        device_time_ms: now,
    }
}

/// A capture for `record` at the demo community, with a fix.
pub fn capture(record: &str) -> xuncha_core::Capture {
    xuncha_core::Capture { record_id: record.into(), item_id: None, gps: Some(gps(26.61, 106.92)), corrects: None }
}

/// A 12-MP fixture photo (a few MB: many upload chunks), generated once per seed per process.
pub fn photo_12mp(seed: u64) -> std::sync::Arc<Vec<u8>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<u64, Arc<Vec<u8>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache.lock().unwrap().get(&seed) {
        return p.clone();
    }
    let photo = Arc::new(xuncha_fixtures::photos::twelve_megapixel(seed, 26.61, 106.92));
    cache.lock().unwrap().insert(seed, photo.clone());
    photo
}

/// Syncs until success, at most `attempts` times, with a short pause between tries; returns
/// the reports of every attempt (errors included).
pub fn sync_until_ok(
    client: &SyncClient,
    store: &Store,
    attempts: usize,
) -> Vec<xuncha_core::Result<xuncha_core::sync::SyncReport>> {
    let mut out = Vec::new();
    for _ in 0..attempts {
        let r = client.sync(store, &|_: xuncha_core::sync::Progress| {});
        let ok = r.is_ok();
        if let Err(e) = &r {
            assert!(e.is_transient(), "a fault of the link must look transient: {e}");
        }
        out.push(r);
        if ok {
            return out;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("no successful sync in {attempts} attempts: {:?}", out.last());
}

/// What the server's user `username` may see: the replica's documents that pass the scope rules.
pub fn visible_docs(t: &TestServer, username: &str) -> std::collections::BTreeSet<String> {
    let state = &t.server.state;
    let user = state.storage.user_by_username(username).unwrap().unwrap();
    let within = state.within();
    doc_ids(&state.replica)
        .into_iter()
        .filter(|d| {
            state.storage.doc_meta(d).unwrap().is_some_and(|m| xuncha_server::scope::can_read(&user, &m, &within))
        })
        .collect()
}

/// The invariants after any sequence of syncs, faults included, once every phone has synced
/// last: nothing lost, nothing duplicated, every replica identical.
/// `phones`: (demo username, store) of every phone that took part.
pub fn assert_converged(t: &TestServer, phones: &[(&str, &Store)]) {
    let state = &t.server.state;
    let replica = &state.replica;
    // The log holds each change and evidence item once, and exactly the replica's changes.
    let hashes = t.log_hashes();
    assert!(hashes.values().all(|n| *n == 1), "a log entry appears twice");
    let log_changes = hashes.keys().filter(|k| !k.starts_with("evidence:")).count();
    let replica_docs = doc_ids(replica);
    let replica_changes: usize = replica_docs
        .iter()
        .map(|d| automerge::Automerge::load(&replica.document_bytes(d).unwrap()).unwrap().get_changes(&[]).len())
        .sum();
    assert_eq!(log_changes, replica_changes, "the log and the replica disagree on the changes");
    let mut evidence_on_phones = std::collections::BTreeSet::new();
    for (username, store) in phones {
        let status = store.sync_status().unwrap();
        assert_eq!(status.pending_changes, 0, "{username} has unpushed changes");
        assert_eq!(status.pending_bytes, 0, "{username} has evidence bytes not uploaded");
        // The phone holds exactly what its user may see, each as the server has it.
        let mine: std::collections::BTreeSet<String> = doc_ids(store).into_iter().collect();
        assert_eq!(mine, visible_docs(t, username), "{username} holds other documents than it may see");
        let ids: Vec<String> = mine.into_iter().collect();
        assert_same_docs(store, replica, &ids, username);
        // Its own evidence verifies on the phone (bytes, signatures, the chain without gaps).
        let device = store.identity().device_id;
        let report = store.verify_device_chain(&device).unwrap();
        assert!(report.ok(), "{username}'s evidence does not verify: {report:?}");
        for id in &ids {
            for item in store.evidence_for_record(id).unwrap() {
                if item.payload.device_id == device {
                    evidence_on_phones.insert(item.entry_hash.clone());
                }
            }
        }
    }
    // Every piece of evidence reached the server once, with its bytes, and verifies there.
    let evidence_in_log = hashes.keys().filter(|k| k.starts_with("evidence:")).count();
    let mut evidence_on_replica = std::collections::BTreeSet::new();
    for id in &replica_docs {
        let items = replica.evidence_for_record(id).unwrap();
        for item in &items {
            assert!(item.bytes_present, "the bytes of {} never arrived", item.entry_hash);
            assert!(evidence_on_replica.insert(item.entry_hash.clone()), "{} twice on the replica", item.entry_hash);
        }
        if !items.is_empty() {
            let report = replica.verify_record(id).unwrap();
            assert!(report.ok(), "record {id} does not verify on the server: {report:?}");
        }
    }
    assert!(evidence_on_phones.is_subset(&evidence_on_replica), "evidence was lost");
    assert_eq!(evidence_in_log, evidence_on_replica.len(), "the log and the replica disagree on evidence");
}

/// Answers every item that applies to inspection `id` (no violation, nobody present, a short
/// description), as an officer finishing a check does; returns how many.
pub fn answer_every_item(store: &Store, id: &str) -> usize {
    use xuncha_core::{AnswerType, AnswerValue};
    let items = store.applicable_items(id).unwrap();
    for item in &items {
        let value = match item.answer_type {
            AnswerType::YesNo => AnswerValue::No,
            AnswerType::Count => AnswerValue::Count(0),
            AnswerType::Text => AnswerValue::Text("现场为普通住户，未见培训迹象".into()),
        };
        store.answer_item(id, &item.id, value, "").unwrap();
    }
    items.len()
}

/// Change hashes (and evidence entry hashes) in a server's log, with how often each appears.
pub fn log_hashes(state: &xuncha_server::state::AppState) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for e in state.storage.entries_after(0, 10_000_000).unwrap() {
        let key = match &e.entry {
            Ok(entry @ LogEntry::Change { .. }) => entry.key(),
            Ok(entry @ LogEntry::Evidence { .. }) => format!("evidence:{}", entry.key()),
            Err(why) => format!("undecodable:{}:{why}", e.seq),
        };
        *out.entry(key).or_default() += 1;
    }
    out
}
