//! Phones edit offline and sync with a real server on loopback, directly and through a fault
//! proxy that drops, delays, cuts and truncates connections in the middle of pushes, photo
//! uploads and pulls. Afterwards nothing is lost, nothing is duplicated, and every replica is
//! identical.

use std::time::Duration;
use xuncha_core::sync::Progress;
use xuncha_core::sync::protocol::UPLOAD_CHUNK_BYTES;
use xuncha_core::*;
use xuncha_e2e::proxy::{Fault, FaultProxy};
use xuncha_e2e::*;

const NODE: &str = "qs-yx-gx-hq-g1";

fn phones_of<'a>(list: &'a [(&'a str, &'a Phone)]) -> Vec<(&'a str, &'a Store)> {
    list.iter().map(|(n, p)| (*n, &p.store)).collect()
}

fn devices_of<'a>(list: &'a [(&'a str, &'a Device)]) -> Vec<(&'a str, &'a Store)> {
    list.iter().map(|(n, p)| (*n, &p.store)).collect()
}

#[test]
fn four_phones_edit_offline_and_converge() {
    let t = TestServer::start();
    let url = t.url();
    let (lin, zhao, zhou, wu) =
        (t.phone("lin", &url), t.phone("zhao", &url), t.phone("zhou", &url), t.phone("wu", &url));
    for p in [&lin, &zhao, &zhou, &wu] {
        p.sync().unwrap();
    }
    // The leader starts the inspection and puts a second officer on the team.
    let id = lin.store.start_inspection(new_inspection(NODE)).unwrap();
    lin.store.add_team_member(&id, &demo_officer("zhao")).unwrap();
    lin.sync().unwrap();
    zhao.sync().unwrap();
    assert_eq!(zhao.store.inspection(&id).unwrap().team.len(), 2, "zhao's phone got the inspection");

    // Offline: both edit the same inspection, the others their own records.
    lin.store.answer_item(&id, "I01", AnswerValue::Yes, "客厅内一对一授课").unwrap();
    lin.store.add_photo(&xuncha_fixtures::photos::phone_photo(1, 26.61, 106.92), &capture(&id)).unwrap();
    zhao.store.answer_item(&id, "I13", AnswerValue::No, "未发现预收费").unwrap();
    zhao.store.add_finding(&id, "门口鞋柜有多双儿童鞋").unwrap();
    zhao.store.add_photo(&xuncha_fixtures::photos::phone_photo(2, 26.61, 106.92), &capture(&id)).unwrap();
    // Both answer I01: a conflict both phones must resolve the same way.
    zhao.store.answer_item(&id, "I01", AnswerValue::No, "未见学生").unwrap();
    let own = zhou.store.start_inspection(new_inspection("qs-yx-la-jh-g1")).unwrap();
    zhou.store.add_finding(&own, "门窗紧闭").unwrap();
    let ledger = zhou
        .store
        .add_ledger_entry(&NewLedgerEntry {
            jurisdiction_id: "qs-yx-la".into(),
            name: "某某教育咨询有限公司".into(),
            category: LedgerCategory::ConvertedInstitution,
            address: "柳岸街道12号".into(),
            reason: "已转型但仍有学生进出".into(),
        })
        .unwrap();
    let patrol = wu.store.start_patrol(NODE).unwrap();
    wu.store.finish_patrol(&patrol, PatrolResult::NothingFound, "").unwrap();

    for _ in 0..2 {
        for p in [&lin, &zhao, &zhou, &wu] {
            p.sync().unwrap();
        }
    }
    let phones = [("lin", &lin), ("zhao", &zhao), ("zhou", &zhou), ("wu", &wu)];
    assert_converged(&t, &phones_of(&phones));
    let replica = &t.server.state.replica;
    let merged = replica.inspection(&id).unwrap();
    assert_eq!(merged.answers.len(), 2);
    assert_eq!(merged.findings.len(), 1);
    assert_eq!(merged.evidence.len(), 2);
    assert_eq!(lin.store.inspection(&id).unwrap(), zhao.store.inspection(&id).unwrap());
    assert!(zhou.store.inspection(&id).is_err(), "zhou is not on the team");
    assert!(lin.store.ledger_entry(&ledger).is_ok(), "the county ledger reaches every inspector");
    assert!(lin.store.patrol(&patrol).is_err(), "patrols are the grid's");
    assert!(wu.store.inspection(&id).is_err(), "a grid captain does not see inspections");
}

/// A push cut in the middle of its body stores nothing; the retry stores everything once.
#[test]
fn a_push_cut_mid_body_stores_nothing_and_the_retry_stores_it_once() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    lin.sync().unwrap();
    let ids: Vec<String> = (0..8).map(|_| lin.store.start_inspection(new_inspection(NODE)).unwrap()).collect();
    for (n, id) in ids.iter().enumerate() {
        for k in 0..6 {
            lin.store.add_finding(id, &format!("第{n}份记录的发现{k}：门口有学生书包")).unwrap();
        }
    }
    // What goes on the wire is the push compressed (`Content-Encoding: zstd`).
    let plain = lin.store.next_push(4 << 20).unwrap().request.encode();
    let body = xuncha_core::sync::compression::compress(&plain).len() as u64;
    assert!(body > 2_000, "a push big enough to cut in the middle: {body} bytes");
    let before = t.log_len();
    // Request headers are a few hundred bytes: this cut falls well inside the body.
    let proxy =
        FaultProxy::start(t.server.addr, move |k| if k == 0 { Fault::CutRequest(body / 2) } else { Fault::None });
    let client = lin.client_via(&proxy.url());
    let err = client.sync(&lin.store, &|_: Progress| {}).unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert_eq!(proxy.faults_applied(), 1);
    assert_eq!(t.log_len(), before, "a cut push stores nothing");
    assert_eq!(lin.store.sync_status().unwrap().pending_records, 8);
    let status = lin.store.sync_status().unwrap();
    assert!(status.last_error.is_some(), "the failure shows in the sync status");

    let report = client.sync(&lin.store, &|_: Progress| {}).unwrap();
    assert_eq!(report.pushed_changes as usize, t.log_len() - before);
    assert_eq!(lin.store.sync_status().unwrap().last_error, None);
    assert_converged(&t, &[("lin", &lin.store)]);
}

/// The server stores a push but its reply is lost: the retry changes nothing on the server.
#[test]
fn a_lost_push_reply_is_retried_without_duplicates() {
    let t = TestServer::start();
    let (lin, zhao) = (t.device("lin", demo_officer("lin")), t.phone("zhao", &t.url()));
    let id = lin.store.start_inspection(new_inspection(NODE)).unwrap();
    lin.store.add_team_member(&id, &demo_officer("zhao")).unwrap();
    lin.store.add_finding(&id, "楼道内张贴补课广告").unwrap();
    let pending = lin.store.sync_status().unwrap().pending_changes as usize;
    let before = t.log_len();
    let proxy = FaultProxy::start(t.server.addr, |k| if k == 0 { Fault::CutResponse(12) } else { Fault::None });
    let client = lin.client_via(&proxy.url());
    assert!(client.sync(&lin.store, &|_: Progress| {}).unwrap_err().is_transient());
    assert_eq!(t.log_len(), before + pending, "the server stored the push");
    assert_eq!(lin.store.sync_status().unwrap().pending_changes as usize, pending, "but the phone never heard");

    let report = client.sync(&lin.store, &|_: Progress| {}).unwrap();
    assert_eq!(report.pushed_changes as usize, pending, "pushed again");
    assert_eq!(t.log_len(), before + pending, "and nothing was stored twice");
    zhao.sync().unwrap();
    assert_converged(&t, &[("lin", &lin.store), ("zhao", &zhao.store)]);
}

/// Cut in the third 256 KB chunk of a 12-MP photo: the server keeps two whole chunks, the
/// photo is pending until the rest arrives, and the retry continues from the server's offset.
#[test]
fn an_upload_cut_mid_chunk_resumes_from_the_server_offset_and_the_photo_is_pending_until_then() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let id = lin.store.start_inspection(new_inspection(NODE)).unwrap();
    lin.sync().unwrap();
    let photo = photo_12mp(7);
    let item = lin.store.add_photo(&photo, &capture(&id)).unwrap();
    let size = photo.len() as u64;
    assert!(size > 8 * UPLOAD_CHUNK_BYTES as u64, "{size} bytes: many chunks");
    let chunk = UPLOAD_CHUNK_BYTES as u64;
    let cut = 2 * chunk + chunk / 2; // the push and status request are a few KB: inside chunk 3
    let proxy = FaultProxy::start(t.server.addr, move |k| if k == 0 { Fault::CutRequest(cut) } else { Fault::None });
    // A photo this size goes in chunks once batches take only files up to 512 KiB.
    let client = lin.client_via(&proxy.url()).with_batch_file_bytes(512 * 1024);
    assert!(client.sync(&lin.store, &|_: Progress| {}).unwrap_err().is_transient());
    let (up_cut, _) = proxy.bytes();
    let state = &t.server.state;
    let blob = state.storage.blob(&item.payload.content_hash).unwrap().unwrap();
    assert_eq!((blob.received, blob.complete), (2 * chunk, false), "two whole chunks kept");

    // Records before photos: the record and the evidence metadata are there, the bytes not.
    let on_server = state.replica.evidence_item(&item.entry_hash).unwrap();
    assert!(!on_server.bytes_present, "photo pending");
    assert_eq!(state.replica.inspection(&id).unwrap().evidence.len(), 1);
    let chen = t.login("chen", "supervisor-demo-2026");
    let original = format!("{}/v1/evidence/{}/original", t.url(), item.payload.content_hash);
    let (status, body) = json_of(http().get(&original).bearer_auth(&chen).send().unwrap());
    assert_eq!(status, 404);
    assert!(body["message"].as_str().unwrap().contains("待上传"), "{body}");
    assert_eq!(lin.store.sync_status().unwrap().pending_bytes, size);

    let report = client.sync(&lin.store, &|_: Progress| {}).unwrap();
    assert_eq!(report.uploaded_bytes, size - 2 * chunk, "resumed from the server's offset, not from 0");
    let (up_total, _) = proxy.bytes();
    let resent = up_cut + (up_total - up_cut) - size; // everything above one copy of the photo
    assert!(resent <= chunk + 16 * 1024, "resent {resent} bytes (with request overhead)");
    let response = http().get(&original).bearer_auth(&chen).send().unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.bytes().unwrap().as_ref(), photo.as_slice(), "the original, byte for byte");
    let thumb = http()
        .get(format!("{}/v1/evidence/{}/thumbnail", t.url(), item.payload.content_hash))
        .bearer_auth(&chen)
        .send()
        .unwrap();
    assert_eq!(thumb.status().as_u16(), 200);
    assert!(state.replica.evidence_item(&item.entry_hash).unwrap().bytes_present);
    assert_converged(&t, &[("lin", &lin.store)]);
}

/// Chunks are not fsynced one by one: a crash may leave the server's part file shorter than the
/// progress it recorded. The upload then resumes from what the file holds, and the photo
/// arrives whole and verified.
#[test]
fn an_upload_whose_unsynced_tail_was_lost_resumes_from_what_the_server_holds() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let id = lin.store.start_inspection(new_inspection(NODE)).unwrap();
    lin.sync().unwrap();
    let photo = photo_12mp(8);
    let item = lin.store.add_photo(&photo, &capture(&id)).unwrap();
    let size = photo.len() as u64;
    let chunk = UPLOAD_CHUNK_BYTES as u64;
    assert!(size > 3 * chunk, "{size} bytes: several chunks");
    let cut = 2 * chunk + chunk / 2;
    let proxy = FaultProxy::start(t.server.addr, move |k| if k == 0 { Fault::CutRequest(cut) } else { Fault::None });
    // A photo this size goes in chunks once batches take only files up to 512 KiB.
    let client = lin.client_via(&proxy.url()).with_batch_file_bytes(512 * 1024);
    assert!(client.sync(&lin.store, &|_: Progress| {}).unwrap_err().is_transient());
    let hash = item.payload.content_hash.to_string();
    assert_eq!(t.server.state.storage.blob(&hash).unwrap().unwrap().received, 2 * chunk);
    // The crash: the second chunk never reached the disk.
    let part = t.dir.path().join("server/uploads").join(format!("{hash}.part"));
    std::fs::OpenOptions::new().write(true).open(&part).unwrap().set_len(chunk).unwrap();

    let report = client.sync(&lin.store, &|_: Progress| {}).unwrap();
    assert_eq!(report.uploaded_bytes, size - chunk, "resumed from the one chunk the file holds");
    assert_eq!(t.server.state.replica.evidence_bytes(&item.payload.content_hash).unwrap(), *photo);
    assert!(t.server.state.replica.evidence_item(&item.entry_hash).unwrap().bytes_present);
}

/// A pull answer truncated in its body is not applied; the next pull delivers everything.
#[test]
fn a_truncated_pull_is_pulled_again() {
    let t = TestServer::start();
    let lin = t.phone("lin", &t.url());
    for _ in 0..5 {
        let id = lin.store.start_inspection(new_inspection(NODE)).unwrap();
        lin.store.add_team_member(&id, &demo_officer("zhao")).unwrap();
        lin.store.add_finding(&id, "发现学生作业本").unwrap();
    }
    lin.sync().unwrap();
    let proxy = FaultProxy::start(t.server.addr, |k| match k {
        0 => Fault::TruncateResponse(0.5),
        1 => Fault::Drop,
        2 => Fault::Delay(Duration::from_millis(150)),
        _ => Fault::None,
    });
    let zhao = t.device("zhao", demo_officer("zhao"));
    let attempts = sync_until_ok(&zhao.client_via(&proxy.url()), &zhao.store, 10);
    assert!(attempts.len() >= 3, "the truncated and the dropped pulls failed: {attempts:?}");
    assert_eq!(zhao.store.sync_cursor().unwrap(), t.server.state.storage.last_seq().unwrap());
    assert_converged(&t, &[("lin", &lin.store), ("zhao", &zhao.store)]);
}

/// Several phones sync at once through seeded random faults while recording, with 12-MP
/// photos; each retries until it succeeds. Then every invariant holds.
#[test]
fn random_faults_during_concurrent_syncs_lose_and_duplicate_nothing() {
    let t = TestServer::start();
    // The first 30 connections are dropped, cut or truncated; request cuts fall anywhere in the
    // first 1.5 MB of a connection (pushes, upload chunks), response cuts in the first 4 KB.
    let proxy = FaultProxy::seeded(t.server.addr, 2026, 30, 3 << 19);
    let url = proxy.url();
    let [lin, zhao, zhou, wu] = ["lin", "zhao", "zhou", "wu"].map(|u| {
        let d = t.device(u, demo_officer(u));
        let client = d.client_via(&url);
        Device { client, ..d }
    });
    let shared = lin.store.start_inspection(new_inspection(NODE)).unwrap();
    lin.store.add_team_member(&shared, &demo_officer("zhao")).unwrap();
    lin.store.add_team_member(&shared, &demo_officer("zhou")).unwrap();
    sync_until_ok(&lin.client, &lin.store, 40);
    let phones = [("lin", &lin), ("zhao", &zhao), ("zhou", &zhou), ("wu", &wu)];
    std::thread::scope(|s| {
        for (i, (name, phone)) in phones.iter().enumerate() {
            let shared = shared.clone();
            s.spawn(move || {
                sync_until_ok(&phone.client, &phone.store, 40);
                for round in 0..4u64 {
                    let seed = 100 * i as u64 + round;
                    if *name == "wu" {
                        // (Patrols take no photos yet: core creates them without an evidence map.)
                        let patrol = phone.store.start_patrol(NODE).unwrap();
                        let at_ms = chrono::Utc::now().timestamp_millis();
                        let point = PatrolPoint { lat: 26.61, lon: 106.92, accuracy_m: 9.0, at_ms };
                        phone.store.add_patrol_point(&patrol, point).unwrap();
                        phone.store.finish_patrol(&patrol, PatrolResult::NothingFound, "").unwrap();
                    } else {
                        phone.store.add_finding(&shared, &format!("{name} 第{round}轮发现")).unwrap();
                        if round != 1 {
                            phone.store.add_photo(&photo_12mp(seed), &capture(&shared)).unwrap();
                        }
                        let own = phone.store.start_inspection(new_inspection("qs-yx-la-yp-g2")).unwrap();
                        phone.store.answer_item(&own, "I02", AnswerValue::No, "").unwrap();
                    }
                    sync_until_ok(&phone.client, &phone.store, 40);
                }
            });
        }
    });
    assert!(
        proxy.faults_applied() >= 20,
        "faults hit: {} of {} connections",
        proxy.faults_applied(),
        proxy.connections()
    );
    // A last round on a clean link so that everyone has everyone's latest.
    for _ in 0..2 {
        for (_, p) in &phones {
            sync_until_ok(&p.client, &p.store, 40);
        }
    }
    assert_converged(&t, &devices_of(&phones));
    let merged = t.server.state.replica.inspection(&shared).unwrap();
    assert_eq!(merged.findings.len(), 12);
    assert_eq!(merged.evidence.len(), 9);
    assert_eq!(lin.store.inspection(&shared).unwrap(), zhou.store.inspection(&shared).unwrap());
}

const KILL_CHILD: &str = "XUNCHA_E2E_KILL_CHILD";

/// The child half of `an_app_killed_mid_sync_loses_and_duplicates_nothing`: syncs the store in
/// the given folder against the given server, printing progress until killed.
#[test]
#[ignore = "run as a child process by an_app_killed_mid_sync_loses_and_duplicates_nothing"]
fn kill_child() {
    let Ok(spec) = std::env::var(KILL_CHILD) else { return };
    let store = Store::open(spec).unwrap();
    let client = sync::SyncClient::for_store(&store).unwrap();
    let progress = |p: Progress| println!("progress {} {} {}", p.phase.as_str(), p.done, p.total);
    let _ = client.sync(&store, &progress);
    println!("done");
}

#[test]
fn an_app_killed_mid_sync_loses_and_duplicates_nothing() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let t = TestServer::start();
    // Slow the link so that kills land inside requests, not between them.
    let proxy = FaultProxy::uniform(t.server.addr, Fault::Slow(Duration::from_millis(3)));
    let lin = t.device("lin", demo_officer("lin"));
    let zhao = t.device("zhao", demo_officer("zhao"));
    // The child syncs with the account the store holds: point it at the slow proxy.
    lin.store.set_sync_account(&proxy.url(), &lin.token).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut ids = Vec::new();
    let mut killed_mid_sync = 0;
    // Kill after the k-th progress line: early in the push, during the photo upload, later.
    for (round, kill_after) in [1usize, 2, 3, 5, 8].into_iter().enumerate() {
        let id = lin.store.start_inspection(new_inspection(NODE)).unwrap();
        lin.store.add_team_member(&id, &demo_officer("zhao")).unwrap();
        for k in 0..20 {
            lin.store.add_finding(&id, &format!("第{round}轮第{k}条")).unwrap();
        }
        lin.store.add_photo(&photo_12mp(500 + round as u64), &capture(&id)).unwrap();
        ids.push(id);
        let mut child = Command::new(&exe)
            .args(["kill_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(KILL_CHILD, lin.store.dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        let mut finished = false;
        while seen < kill_after {
            match lines.next() {
                Some(Ok(l)) if l.starts_with("progress") => seen += 1,
                Some(Ok(l)) if l == "done" => {
                    finished = true;
                    break;
                }
                Some(Ok(_)) => {}
                _ => break,
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        if !finished && !rest.iter().any(|l| l == "done") {
            killed_mid_sync += 1;
        }
        // The parent's store handle sees what the child committed (same SQLite file).
    }
    assert!(killed_mid_sync >= 3, "only {killed_mid_sync} of 5 kills landed inside a sync");
    // Reopen as the app would after the kill, and sync on a clean link.
    let (dir, token) = (lin.store.dir().to_path_buf(), lin.token.clone());
    drop(lin);
    let store = Store::open(&dir).unwrap();
    store.set_sync_account(&t.url(), &token).unwrap();
    let client = sync::SyncClient::for_store(&store).unwrap();
    sync_until_ok(&client, &store, 5);
    zhao.sync().unwrap();
    client.sync(&store, &|_: Progress| {}).unwrap();
    for id in &ids {
        let record = t.server.state.replica.inspection(id).unwrap();
        assert_eq!(record.findings.len(), 20, "nothing lost");
        assert_eq!(record.evidence.len(), 1);
    }
    assert_converged(&t, &[("lin", &store), ("zhao", &zhao.store)]);
}

#[test]
fn a_revoked_device_is_refused_at_its_next_sync() {
    let t = TestServer::start();
    let lin = t.phone("lin", &t.url());
    lin.sync().unwrap();
    let admin = t.login("admin", "admin-demo-2026");
    let device = lin.store.identity().device_id;
    let (status, body) =
        post_json(&format!("{}/v1/admin/devices/{device}/revoke", t.url()), Some(&admin), &serde_json::json!({}));
    assert_eq!(status, 200, "{body}");
    let id = lin.store.start_inspection(new_inspection(NODE)).unwrap();
    let before = t.log_len();
    // The phone wipes itself at the server's answer (ADR 0013; tests/tests/lost_phone.rs).
    match lin.client.sync(&lin.store, &|_: Progress| {}) {
        Err(Error::DeviceRevoked) => {}
        other => panic!("a revoked device synced: {other:?}"),
    }
    assert_eq!(t.log_len(), before);
    assert!(t.server.state.replica.inspection(&id).is_err());
    assert!(lin.store.is_wiped());
    // Not something to retry: sync_with_retry gives up at once.
    let started = std::time::Instant::now();
    assert!(lin.client.sync_with_retry(&lin.store, &|_: Progress| {}, sync::Backoff::default()).is_err());
    assert!(started.elapsed() < Duration::from_secs(5));
    // Other devices are unaffected.
    let zhao = t.phone("zhao", &t.url());
    zhao.sync().unwrap();
}

#[test]
fn supervisor_decisions_reach_the_inspector_phone() {
    let t = TestServer::start();
    let lin = t.phone("lin", &t.url());
    let id = lin.store.start_inspection(new_inspection(NODE)).unwrap();
    lin.store.answer_item(&id, "I01", AnswerValue::Yes, "一对一授课").unwrap();
    lin.sync().unwrap();
    let chen = t.login("chen", "supervisor-demo-2026");
    let reason = "照片未显示授课现场，请复查";
    let (status, body) = post_json(
        &format!("{}/v1/decisions/inspections/{id}/review", t.url()),
        Some(&chen),
        &serde_json::json!({"decision": "reinspection_requested", "reason": reason}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_json(
        &format!("{}/v1/decisions/inspections/{id}/case", t.url()),
        Some(&chen),
        &serde_json::json!({"summary": "疑似一对一学科类培训，立案核查"}),
    );
    assert_eq!(status, 200, "{body}");
    assert!(lin.store.inspection(&id).unwrap().review.is_none());
    let report = lin.sync().unwrap();
    assert!(report.pulled_changes >= 1);
    let record = lin.store.inspection(&id).unwrap();
    assert_eq!(record.review, Some(Review::ReinspectionRequested));
    assert_eq!(record.review_reason.as_deref(), Some(reason));
    let trail = lin.store.audit_trail(&id).unwrap();
    assert!(trail.iter().any(|e| e.officer == demo_officer("chen").name), "the decision names the supervisor");
    // An inspector may not decide.
    let (status, _) = post_json(
        &format!("{}/v1/decisions/inspections/{id}/review", t.url()),
        Some(&t.device("lin", demo_officer("lin")).token),
        &serde_json::json!({"decision": "approved"}),
    );
    assert_eq!(status, 403);
    assert_converged(&t, &[("lin", &lin.store)]);
}

#[test]
fn evidence_gets_a_clock_skew_flag_only_when_the_device_clock_is_off() {
    let t = TestServer::start();
    let lin = t.phone("lin", &t.url());
    let id = lin.store.start_inspection(new_inspection(NODE)).unwrap();
    lin.sync().unwrap();
    let skewed = |item: &EvidenceItem| item.payload.flags.iter().any(|f| matches!(f, Flag::ClockSkew { .. }));
    let photo = |seed| xuncha_fixtures::photos::phone_photo(seed, 26.61, 106.92);
    let good = lin.store.add_photo(&photo(1), &capture(&id)).unwrap();
    assert!(!skewed(&good), "the clock agreed with the server: {:?}", good.payload.flags);
    // The phone's clock is 10 minutes behind the server's.
    lin.store.set_server_clock_offset(600_000).unwrap();
    let off = lin.store.add_photo(&photo(2), &capture(&id)).unwrap();
    assert!(off.payload.flags.contains(&Flag::ClockSkew { seconds: 600 }), "{:?}", off.payload.flags);
    // The next sync measures the offset again; the clock is right, so no flag.
    lin.sync().unwrap();
    let again = lin.store.add_photo(&photo(3), &capture(&id)).unwrap();
    assert!(!skewed(&again), "{:?}", again.payload.flags);
    lin.sync().unwrap();
    let on_server = t.server.state.replica.evidence_item(&off.entry_hash).unwrap();
    assert!(skewed(&on_server), "the flag is part of the signed metadata the server keeps");
    assert_converged(&t, &[("lin", &lin.store)]);
}
