//! The sync state machine against the real server's router in-process (no socket), through a
//! seeded fault plan: requests lost, answers lost after the server acted, answers cut, a busy
//! front. Waits cost nothing, so hundreds of faults run in a second, and a failing seed replays
//! exactly (`XUNCHA_SEED`). Afterwards nothing is lost or doubled and every phone agrees.

use xuncha_core::sync::{
    self, Backoff, HttpMethod, Progress, SyncAccount, SyncAction, SyncEvent, SyncOptions, SyncReport, SyncSession,
    Transport,
};
use xuncha_core::*;
use xuncha_e2e::in_process::{FaultyLink, LinkFault};
use xuncha_e2e::*;

const NODE: &str = "qs-yx-gx-hq-g1";
const BASE: &str = "http://in-process";

fn seed() -> u64 {
    std::env::var("XUNCHA_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261207)
}

struct Server {
    state: xuncha_server::state::SharedState,
    _dir: tempfile::TempDir,
}

fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let state = xuncha_server::open_state(&dir.path().join("server")).unwrap();
    xuncha_server::demo::seed(&state).unwrap();
    Server { state, _dir: dir }
}

/// A phone of demo account `username`, enrolled over a clean in-process link.
fn phone(server: &Server, username: &str) -> (Store, SyncAccount, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.sign_in(demo_officer(username)).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    let code = xuncha_server::api::accounts::issue_code(&server.state, username).unwrap().code;
    let clean = FaultyLink::new(server.state.clone(), 0, 0.0);
    let (account, user) = sync::enroll(&store, &clean, BASE, &code).unwrap();
    assert_eq!(user.username, username);
    (store, account, dir)
}

/// One sync driven by hand: waits are skipped (the machine only says how long).
fn sync_over(store: &Store, account: &SyncAccount, link: &dyn Transport, seed: u64) -> Result<SyncReport> {
    let retry = Backoff { max_attempts: 30, ..Backoff::default() };
    // Small push batches: many push requests for the faults to land on.
    let options = SyncOptions {
        retry: Some(retry),
        seed: Some(seed),
        push_batch_bytes: 4 * 1024,
        // 12-MP photos in chunks, small ones in batches: every kind of exchange.
        batch_file_bytes: 512 * 1024,
        ..SyncOptions::default()
    };
    let progress = |_: Progress| {};
    let mut session = SyncSession::new(store, account.clone(), options, &progress);
    let mut action = session.start()?;
    loop {
        action = match action {
            SyncAction::Send(request) => session.handle(match link.send(request) {
                Ok(response) => SyncEvent::Response(response),
                Err(why) => SyncEvent::Failed(why),
            })?,
            SyncAction::Wait(delay) => {
                assert!(delay <= retry.cap, "waits are capped");
                session.handle(SyncEvent::Waited)?
            }
            SyncAction::Done(report) => return Ok(report),
        }
    }
}

/// Syncs until one sync completes (a cut 4xx answer can end one without retry).
fn sync_until_done(store: &Store, account: &SyncAccount, link: &dyn Transport, seed: u64) -> SyncReport {
    let mut last = None;
    for round in 0..10 {
        match sync_over(store, account, link, seed + round) {
            Ok(report) => return report,
            Err(e) => last = Some(e),
        }
    }
    panic!("no sync completed in 10 rounds: {last:?}");
}

#[test]
fn faults_everywhere_lose_nothing_and_double_nothing() {
    let seed = seed();
    let server = server();
    let link = FaultyLink::new(server.state.clone(), seed, 0.35);
    let (lin, lin_account, _d1) = phone(&server, "lin");
    let (chen, chen_account, _d2) = phone(&server, "chen");
    sync_until_done(&lin, &lin_account, &link, seed);
    sync_until_done(&chen, &chen_account, &link, seed);

    // Offline work: many records, small photos (batched) and 12-MP ones (chunked).
    let mut ids = Vec::new();
    for i in 0..40u64 {
        let id = lin.start_inspection(new_inspection(NODE)).unwrap();
        lin.add_finding(&id, &format!("第{i}户门口有儿童书包")).unwrap();
        lin.add_photo(&xuncha_fixtures::photos::phone_photo(i, 26.61, 106.92), &capture(&id)).unwrap();
        ids.push(id);
    }
    for i in 0..2u64 {
        lin.add_photo(&photo_12mp(100 + i), &capture(&ids[i as usize])).unwrap();
    }
    let pending = lin.sync_status().unwrap();
    assert!(pending.pending_bytes > 10_000_000, "{pending:?}");

    let report = sync_until_done(&lin, &lin_account, &link, seed);
    let after = lin.sync_status().unwrap();
    assert_eq!((after.pending_changes, after.pending_bytes), (0, 0), "all acknowledged: {after:?} {report:?}");

    // The server holds each change once, and every photo whole and verified.
    let logged = log_hashes(&server.state);
    assert!(logged.values().all(|n| *n == 1), "no entry twice in the log");
    assert!(!logged.keys().any(|k| k.starts_with("undecodable")), "every entry decodes");
    for id in &ids {
        let items = server.state.replica.evidence_for_record(id).unwrap();
        assert!(!items.is_empty(), "{id}: evidence reached the server");
        for item in items {
            let bytes = server.state.replica.evidence_bytes(&item.payload.content_hash).unwrap();
            assert_eq!(evidence::ContentHash::of(&bytes), item.payload.content_hash, "whole and unchanged");
        }
    }

    // The supervisor's phone pulls all of it through the same faults, and agrees.
    sync_until_done(&chen, &chen_account, &link, seed + 1000);
    for id in &ids {
        assert_eq!(chen.inspection(id).unwrap(), lin.inspection(id).unwrap());
    }

    // The plan reached every part of a sync with every kind of fault.
    let log = link.log.lock().unwrap();
    let parts = [
        (HttpMethod::Post, "/v1/sync/push"),
        (HttpMethod::Post, "/v1/evidence/batch"),
        (HttpMethod::Put, "/upload"),
        (HttpMethod::Get, "/v1/sync/pull"),
    ];
    for (method, path) in parts {
        for fault in [LinkFault::LostRequest, LinkFault::LostResponse, LinkFault::CutResponse, LinkFault::Busy] {
            let hits = log.iter().filter(|(m, p, f)| *m == method && p.ends_with(path) && *f == fault).count();
            assert!(hits > 0, "{method:?} {path}: no {fault:?} landed (seed {seed})");
        }
    }
}

#[test]
fn the_same_seed_makes_the_same_waits() {
    let server = server();
    let (lin, account, _d) = phone(&server, "lin");
    let waits = |seed: u64| {
        let options = SyncOptions { retry: Some(Backoff::default()), seed: Some(seed), ..SyncOptions::default() };
        let progress = |_: Progress| {};
        let mut session = SyncSession::new(&lin, account.clone(), options, &progress);
        let mut out = Vec::new();
        let mut action = session.start().unwrap();
        // The link is down for the whole sync: the machine waits and tries again until it
        // gives up.
        loop {
            action = match action {
                SyncAction::Send(_) => match session.handle(SyncEvent::Failed("down".into())) {
                    Ok(a) => a,
                    Err(e) => {
                        assert_eq!(e.code(), "network");
                        return out;
                    }
                },
                SyncAction::Wait(d) => {
                    out.push(d);
                    session.handle(SyncEvent::Waited).unwrap()
                }
                SyncAction::Done(_) => panic!("no sync over a dead link"),
            }
        }
    };
    let first = waits(7);
    assert_eq!(first.len() as u32, Backoff::default().max_attempts - 1, "{first:?}");
    assert_eq!(waits(7), first, "replayable");
    assert_ne!(waits(8), first, "jittered");
    let status = lin.sync_status().unwrap();
    assert!(status.last_error.is_some_and(|e| e.contains("network")), "the officer sees why");
}
