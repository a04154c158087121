//! A hostile phone: an enrolled attacker device with real keys hand-makes evidence entries,
//! signs them with real device keys and sends them as raw pushes; it also tries to take over
//! another user's device at enrolment. Every attack gets a clear 4xx and stores nothing; the
//! server restarts cleanly afterwards and an honest phone keeps syncing. A log already holding
//! poison (from an older server) does not stop start-up: the entries are set aside and shown
//! to the console.

use serde_json::{Value, json};
use xuncha_core::Store;
use xuncha_core::evidence::{DeviceSigner, EntryHash, SignedEntry, SoftwareSigner};
use xuncha_core::sync::SyncClient;
use xuncha_core::sync::protocol::{EnrollRequest, PushRequest};
use xuncha_e2e::*;
use xuncha_server::storage::{LogEntry, NewEntry};

/// Signs `payload` with `sign` (a device key), with the right entry hash.
fn signed(payload: &Value, sign: impl Fn(&[u8]) -> String) -> SignedEntry {
    let payload_json = serde_json::to_string(payload).unwrap();
    SignedEntry {
        entry_hash: EntryHash::of(payload_json.as_bytes()).to_string(),
        signature: sign(payload_json.as_bytes()),
        payload_json,
    }
}

fn by_store(store: &Store) -> impl Fn(&[u8]) -> String + '_ {
    |m| store.sign_with_device_key(m).unwrap()
}

fn push_of(entries: Vec<SignedEntry>) -> Vec<u8> {
    PushRequest { changes: Default::default(), evidence: entries }.encode()
}

/// A phone for a demo user, enrolled by hand.
fn device(t: &TestServer, username: &str) -> Device {
    t.device(username, demo_officer(username))
}

/// Syncs a device against the server at `url` (the port changes on restart).
fn sync_at(url: &str, d: &Device) -> xuncha_core::sync::SyncReport {
    SyncClient::new(url, &d.token).unwrap().sync(&d.store, &|_: xuncha_core::sync::Progress| {}).unwrap()
}

/// An honest phone records an inspection with a photo and syncs: it must keep working.
fn honest_round(url: &str, honest: &Device, seed: u64) -> String {
    let id = honest.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
    let photo = xuncha_fixtures::photos::phone_photo(seed, 26.61, 106.92);
    honest.store.add_photo(&photo, &capture(&id)).unwrap();
    sync_at(url, honest);
    let status = honest.store.sync_status().unwrap();
    assert_eq!((status.pending_changes, status.pending_bytes, status.set_aside), (0, 0, 0), "honest phone");
    id
}

struct Score {
    tried: usize,
    refused: usize,
}

impl Score {
    /// One entry held: accepted into its place in the chain, nothing stored or shown.
    fn expect_held(&mut self, t: &TestServer, name: &str, entry: SignedEntry, token: &str) {
        self.tried += 1;
        let before = t.log_hashes();
        let (got, answer) = push_raw(&t.url(), token, push_of(vec![entry.clone()]));
        assert_eq!(got, 200, "{name}: {answer}");
        assert_eq!(answer["held_evidence"], json!([entry.entry_hash]), "{name}: {answer}");
        assert_eq!(t.log_hashes(), before, "{name}: nothing may be stored");
        println!("held {name}: nothing stored");
        self.refused += 1;
    }

    /// One attack: a 4xx whose message contains `says`, and the log exactly as before.
    fn expect_refused(&mut self, t: &TestServer, name: &str, body: Vec<u8>, token: &str, status: u16, says: &str) {
        self.tried += 1;
        let before = t.log_hashes();
        let (got, answer) = push_raw(&t.url(), token, body);
        assert_eq!(got, status, "{name}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{name}: {message:?} should say {says:?}");
        assert!(message.contains("未保存") || got == 400, "{name}: {message}");
        assert_eq!(t.log_hashes(), before, "{name}: nothing may be stored");
        println!("refused {name}: {got} {message}");
        self.refused += 1;
    }
}

#[test]
fn a_hostile_phone_cannot_store_bad_evidence_or_take_over_a_device() {
    let mut t = TestServer::start();
    let attacker = device(&t, "lin");
    let honest = device(&t, "zhao");
    // The admin signs in as their own account (a change names its true author).
    let admin = t.server.state.storage.user_by_username("admin").unwrap().unwrap();
    let boss = t.device(
        "admin",
        xuncha_core::Officer { name: admin.name, department: admin.department, cert_no: admin.cert_no },
    );
    let honest_record = honest_round(&t.url(), &honest, 1);
    // A record outside lin's county (qs-yx), made by the admin at the city node.
    let outside = boss.store.start_inspection(new_inspection("qs")).unwrap();
    sync_at(&t.url(), &boss);
    // The attacker's own, honest first photo: chain position 1 is on the server.
    let own = attacker.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
    let photo = xuncha_fixtures::photos::phone_photo(2, 26.61, 106.92);
    let first = attacker.store.add_photo(&photo, &capture(&own)).unwrap();
    sync_at(&t.url(), &attacker);
    let base: Value = serde_json::from_str(&first.payload_json).unwrap();
    // The next item as an honest phone would make it: position 2, linked to the first.
    let next = {
        let mut p = base.clone();
        p["chain_seq"] = json!(2);
        p["prev"] = json!(first.entry_hash.as_str());
        p["captured_at_ms"] = json!(base["captured_at_ms"].as_i64().unwrap() + 1_000);
        p
    };
    let with = |edits: &[(&str, Value)]| {
        let mut p = next.clone();
        for (k, v) in edits {
            p[*k] = v.clone();
        }
        p
    };
    let me = by_store(&attacker.store);
    let tok = attacker.token.clone();
    let good_hash = EntryHash::of(b"some bytes").to_string();
    let honest_items = honest.store.evidence_for_record(&honest_record).unwrap();
    let honest_photo = &honest_items[0].payload;
    let stranger = SoftwareSigner::generate();
    let mut score = Score { tried: 0, refused: 0 };

    let mut dup = base.clone();
    dup["captured_at_ms"] = json!(base["captured_at_ms"].as_i64().unwrap() + 7);
    score.expect_refused(
        &t,
        "same (device, chain_seq) as a stored entry",
        push_of(vec![signed(&dup, &me)]),
        &tok,
        409,
        "第 1 项",
    );
    for (name, hash, says) in [
        ("content_hash \"a\"", json!("a"), "无法读取"),
        ("content_hash ../../../../etc/passwd", json!("../../../../etc/passwd"), "无法读取"),
        ("uppercase content_hash", json!(good_hash.to_uppercase()), "无法读取"),
        ("short content_hash", json!(&good_hash[..63]), "无法读取"),
        ("content_hash not a string", json!(42), "无法读取"),
    ] {
        let body = push_of(vec![signed(&with(&[("content_hash", hash)]), &me)]);
        score.expect_refused(&t, name, body, &tok, 400, says);
    }
    let bad_prev = push_of(vec![signed(&with(&[("prev", json!("../x"))]), &me)]);
    score.expect_refused(&t, "prev hash not a hash", bad_prev, &tok, 400, "无法读取");
    let mut wrong_hash = signed(&next, &me);
    wrong_hash.entry_hash = good_hash.clone();
    score.expect_refused(&t, "entry hash not the payload's", push_of(vec![wrong_hash]), &tok, 400, "哈希");
    let mut short_entry = signed(&next, &me);
    short_entry.entry_hash = "a".into();
    score.expect_refused(&t, "entry hash \"a\"", push_of(vec![short_entry]), &tok, 400, "不是有效的哈希值");
    let body = push_of(vec![signed(&with(&[("size", json!(u64::MAX))]), &me)]);
    score.expect_refused(&t, "size beyond any photo", body, &tok, 400, "字节");
    let body = push_of(vec![signed(&with(&[("mime", json!("text/html"))]), &me)]);
    score.expect_refused(&t, "photo claiming text/html", body, &tok, 400, "文件类型");
    let body = push_of(vec![signed(&with(&[("record_id", json!("../../etc"))]), &me)]);
    score.expect_refused(&t, "record id a path", body, &tok, 400, "记录编号");
    let body = push_of(vec![signed(&with(&[("chain_seq", json!(0)), ("prev", Value::Null)]), &me)]);
    score.expect_refused(&t, "chain_seq 0", body, &tok, 400, "证据链");
    let honest_id = honest.store.identity().device_id;
    let body = push_of(vec![signed(&with(&[("device_id", json!(honest_id))]), &me)]);
    score.expect_refused(&t, "evidence naming another device", body, &tok, 403, "不是本设备");
    let theirs = with(&[("public_key", json!(honest.store.device_public_key()))]);
    let body = push_of(vec![signed(&theirs, by_store(&honest.store))]);
    score.expect_refused(&t, "signed by another device's key", body, &tok, 403, "密钥");
    let unknown = with(&[("public_key", json!(hex::encode(stranger.public_key())))]);
    let body = push_of(vec![signed(&unknown, |m| hex::encode(stranger.sign(m).unwrap()))]);
    score.expect_refused(&t, "signed by a key never enrolled", body, &tok, 403, "密钥");
    let forged = signed(&with(&[("officer", json!("陈督导"))]), &me);
    let mut forged = forged;
    forged.signature = me(b"something else");
    score.expect_refused(&t, "signature over other bytes", push_of(vec![forged]), &tok, 400, "签名");
    let body = push_of(vec![signed(&with(&[("chain_seq", json!(3))]), &me)]);
    score.expect_refused(&t, "a gap in chain_seq", body, &tok, 409, "第 2 项");
    let body = push_of(vec![signed(&with(&[("prev", json!(good_hash))]), &me)]);
    score.expect_refused(&t, "a link to the wrong previous item", body, &tok, 409, "上一项");
    let second = signed(&next, &me);
    let mut rival = next.clone();
    rival["captured_at_ms"] = json!(next["captured_at_ms"].as_i64().unwrap() + 1);
    let body = push_of(vec![second.clone(), signed(&rival, &me)]);
    score.expect_refused(&t, "two entries of one push at one position", body, &tok, 409, "第 3 项");
    let squat =
        with(&[("content_hash", json!(honest_photo.content_hash.as_str())), ("size", json!(honest_photo.size + 1))]);
    score.expect_refused(
        &t,
        "announcing another photo's hash with another size",
        push_of(vec![signed(&squat, &me)]),
        &tok,
        409,
        "字节",
    );

    // A replayed entry is a retry: accepted, stored once.
    let before = t.log_len();
    let replay = SignedEntry::from(&first);
    for _ in 0..3 {
        let (status, body) = push_raw(&t.url(), &tok, push_of(vec![replay.clone()]));
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(t.log_len(), before, "a replay is not stored twice");
    // The honest next item is still free for the attacker's own phone: nothing was consumed.
    let (status, body) = push_raw(&t.url(), &tok, push_of(vec![second.clone()]));
    assert_eq!(status, 200, "{body}");
    assert_eq!(t.log_len(), before + 1);

    // Evidence for a record the caller may not write, or one the server lacks, is held: it
    // takes its place in the chain (so that the device's later evidence is not blocked) but
    // nothing of it is stored or shown to anyone.
    let mut prev = second.entry_hash.clone();
    for (n, (name, record)) in [
        ("evidence for an out-of-scope record", outside.as_str()),
        ("evidence for a record the server lacks", "insp-00000000deadbeef"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut p = with(&[("record_id", json!(record)), ("prev", json!(prev))]);
        p["chain_seq"] = json!(3 + n);
        let entry = signed(&p, &me);
        prev = entry.entry_hash.clone();
        score.expect_held(&t, name, entry, &tok);
    }

    // Device takeover: the attacker's user enrols the honest phone's device id with its own key.
    score.tried += 1;
    let code = xuncha_server::api::accounts::issue_code(&t.server.state, "lin").unwrap().code;
    let takeover = EnrollRequest {
        code: code.clone(),
        device_id: honest_id.clone(),
        public_key: attacker.store.device_public_key(),
        signature: attacker.store.sign_with_device_key(code.as_bytes()).unwrap(),
    };
    let (status, body) = post_json(&format!("{}/v1/enroll", t.url()), None, &serde_json::to_value(&takeover).unwrap());
    assert_eq!(status, 409, "{body}");
    assert!(body["message"].as_str().unwrap().contains("其他用户"), "{body}");
    let owner = t.server.state.storage.device(&honest_id).unwrap().unwrap();
    assert_eq!(owner.public_key, honest.store.device_public_key(), "the key is unchanged");
    assert_eq!(t.server.state.storage.user(owner.user_id).unwrap().unwrap().username, "zhao");
    score.refused += 1;
    // The code was not consumed: it still enrols a device of the attacker's own.
    let spare = Store::open(t.phone_dir("spare")).unwrap();
    let own_enrol = EnrollRequest {
        code: code.clone(),
        device_id: spare.identity().device_id,
        public_key: spare.device_public_key(),
        signature: spare.sign_with_device_key(code.as_bytes()).unwrap(),
    };
    let (status, body) = post_json(&format!("{}/v1/enroll", t.url()), None, &serde_json::to_value(&own_enrol).unwrap());
    assert_eq!(status, 200, "{body}");
    // And the server's own device id (which signs tip evidence) is nobody's to take.
    score.tried += 1;
    let code = xuncha_server::api::accounts::issue_code(&t.server.state, "lin").unwrap().code;
    let server_id = t.server.state.replica.identity().device_id;
    let grab = EnrollRequest { device_id: server_id, ..own_enrol.clone() };
    let grab =
        EnrollRequest { code: code.clone(), signature: spare.sign_with_device_key(code.as_bytes()).unwrap(), ..grab };
    let (status, body) = post_json(&format!("{}/v1/enroll", t.url()), None, &serde_json::to_value(&grab).unwrap());
    assert_eq!(status, 409, "{body}");
    score.refused += 1;

    // The honest phone never noticed, and nothing was set aside.
    let second_record = honest_round(&t.url(), &honest, 3);
    assert!(t.server.state.storage.set_aside_entries().unwrap().is_empty());
    println!("hostile evidence: {} attacks tried, {} refused", score.tried, score.refused);
    assert_eq!(score.tried, score.refused);

    // The server restarts on the same data and the honest phone keeps syncing.
    let log_before = t.log_len();
    t = t.restart();
    assert_eq!(t.log_len(), log_before);
    let third = honest_round(&t.url(), &honest, 4);
    sync_at(&t.url(), &attacker);
    for id in [&honest_record, &second_record, &third] {
        assert!(t.server.state.replica.verify_record(id).unwrap().ok(), "{id} verifies on the server");
    }
    assert!(t.server.state.storage.set_aside_entries().unwrap().is_empty());
}

/// A device revoked and enrolled again by its owner with a new key gets a new token; what it
/// signed with the old key still verifies, on the server and on the console.
#[test]
fn the_owner_re_enrols_a_revoked_device_and_its_old_evidence_still_verifies() {
    let t = TestServer::start();
    let dir = t.phone_dir("zhao");
    let zhao = device_at(&t, &dir, "zhao", None);
    let id = honest_round(&t.url(), &zhao, 11);
    let chen = t.login("chen", "supervisor-demo-2026");
    let status_of = |id: &str| -> Vec<String> {
        let d = console_get(&t, &format!("/v1/console/inspections/{id}"), &chen);
        d["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["integrity"]["status"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(status_of(&id), ["verified"]);
    let device_id = zhao.store.identity().device_id;
    let old_key = zhao.store.device_public_key();
    let admin = t.login("admin", "admin-demo-2026");
    let (status, _) = post_json(&format!("{}/v1/admin/devices/{device_id}/revoke", t.url()), Some(&admin), &json!({}));
    assert_eq!(status, 200);
    let old_token = zhao.token.clone();
    drop(zhao);
    // The phone's keystore was reset: the same device (same store, same id), a new key.
    let zhao = device_at(&t, &dir, "zhao", Some(Box::new(SoftwareSigner::generate())));
    assert_eq!(zhao.store.identity().device_id, device_id);
    assert_ne!(zhao.store.device_public_key(), old_key);
    assert_ne!(zhao.token, old_token);
    let (status, _) = push_raw(&t.url(), &old_token, push_of(vec![]));
    assert_eq!(status, 401, "the old token is gone");
    assert_eq!(
        t.server.state.storage.device_keys(&device_id).unwrap(),
        vec![old_key.clone(), zhao.store.device_public_key()]
    );
    // Old evidence still verifies; new evidence (the chain continues) does too.
    assert_eq!(status_of(&id), ["verified"]);
    let again = honest_round(&t.url(), &zhao, 12);
    assert_eq!(status_of(&again), ["verified"]);
    assert!(t.server.state.replica.verify_record(&id).unwrap().ok());
}

/// Opens the store at `dir` (with a platform signer if given) and enrols it for `username`.
fn device_at(t: &TestServer, dir: &std::path::Path, username: &str, signer: Option<Box<dyn DeviceSigner>>) -> Device {
    let store = Store::open_with_signer(dir, signer).unwrap();
    store.sign_in(demo_officer(username)).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    let code = xuncha_server::api::accounts::issue_code(&t.server.state, username).unwrap().code;
    let request = EnrollRequest {
        code: code.clone(),
        device_id: store.identity().device_id,
        public_key: store.device_public_key(),
        signature: store.sign_with_device_key(code.as_bytes()).unwrap(),
    };
    let (status, body) = post_json(&format!("{}/v1/enroll", t.url()), None, &serde_json::to_value(&request).unwrap());
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    store.set_sync_account(&t.url(), &token).unwrap();
    let client = SyncClient::new(&t.url(), &token).unwrap();
    Device { store, client, token }
}

fn console_get(t: &TestServer, path: &str, session: &str) -> Value {
    let (status, body) = json_of(http().get(format!("{}{path}", t.url())).bearer_auth(session).send().unwrap());
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// A log written by an older server with poison in it (entries the replica cannot apply):
/// the server starts, sets them aside with the reason, never sends them in pulls, shows them to
/// the console, and every other record carries on.
#[test]
fn a_poisoned_log_does_not_stop_start_up_and_is_set_aside() {
    let mut t = TestServer::start();
    let honest = device(&t, "zhao");
    let id = honest_round(&t.url(), &honest, 21);
    let item = honest.store.evidence_for_record(&id).unwrap().remove(0);
    let base: Value = serde_json::from_str(&item.payload_json).unwrap();
    let sign = by_store(&honest.store);
    let mut twin = base.clone();
    twin["captured_at_ms"] = json!(base["captured_at_ms"].as_i64().unwrap() + 1);
    let mut a_hash = base.clone();
    a_hash["chain_seq"] = json!(2);
    a_hash["prev"] = json!(item.entry_hash.as_str());
    a_hash["content_hash"] = json!("a");
    let poison = [signed(&twin, &sign), signed(&a_hash, &sign)];
    let mut entries: Vec<NewEntry> = poison
        .iter()
        .map(|signed| NewEntry {
            origin: honest.store.identity().device_id,
            entry: LogEntry::Evidence { record_id: id.clone(), signed: signed.clone() },
        })
        .collect();
    entries.push(NewEntry {
        origin: "old-server".into(),
        entry: LogEntry::Change { doc_id: id.clone(), bytes: b"garbage".to_vec(), signature: None },
    });
    // Simulates an old log: straight into storage, past every check.
    t.server.state.storage.append(&entries, &[]).unwrap();
    // And an evidence row no codec can read, written as an old server might have.
    let db = rusqlite::Connection::open(t.dir.path().join("server/server.db")).unwrap();
    db.execute(
        "INSERT INTO log (origin, doc_id, kind, hash, bytes) VALUES ('old-server', ?1, 'evidence', 'not-json', ?2)",
        rusqlite::params![id, b"{not json".to_vec()],
    )
    .unwrap();
    let log_with_poison = t.log_len();

    t = t.restart();
    let aside = t.server.state.storage.set_aside_entries().unwrap();
    assert_eq!(aside.len(), 4, "{aside:#?}");
    assert_eq!(t.log_len(), log_with_poison - 4, "set-aside entries leave the pulls");
    // Shown to the console, with the reasons: the supervisor over the record, and the admin.
    let chen = t.login("chen", "supervisor-demo-2026");
    let listed = console_get(&t, "/v1/console/set-aside", &chen);
    assert_eq!(listed["count"], 4, "{listed}");
    let reasons: Vec<&str> =
        listed["entries"].as_array().unwrap().iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.contains("证据的签名信息无法读取")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("证据记录的格式无法识别")), "{reasons:?}");
    assert!(reasons.iter().all(|r| r.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("已是")), "{reasons:?}");
    let admin = t.login("admin", "admin-demo-2026");
    assert_eq!(console_get(&t, "/v1/console/set-aside", &admin)["count"], 4);
    let (status, _) =
        json_of(http().get(format!("{}/v1/console/set-aside", t.url())).bearer_auth(&honest.token).send().unwrap());
    assert_eq!(status, 403, "devices do not see the console");
    // A phone pulling everything gets the record and its real photo, not the poison.
    let fresh = device(&t, "chen");
    sync_at(&t.url(), &fresh);
    assert_eq!(fresh.store.evidence_for_record(&id).unwrap().len(), 1);
    assert_eq!(fresh.store.sync_status().unwrap().set_aside, 0);
    // The honest phone keeps syncing, and a second restart finds nothing new to set aside.
    honest_round(&t.url(), &honest, 22);
    t = t.restart();
    assert_eq!(t.server.state.storage.set_aside_entries().unwrap().len(), 4);
    honest_round(&t.url(), &honest, 23);
    assert!(t.server.state.replica.verify_record(&id).unwrap().ok());
}
