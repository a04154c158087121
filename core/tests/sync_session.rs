//! The sync state machine on its own: no server and no socket, each answer written by the test.
//! What a phone depends on — what is forgotten after which answer, what a refusal keeps, that
//! photo bytes go up as chunks of the file at the offsets the server asked for — is decided
//! here, so it is checked here, answer by answer.

mod common;

use common::*;
use xuncha_core::sync::protocol::{ErrorBody, PullResponse, PushRequest, PushResponse, RefusedRecord, UploadStatus};
use xuncha_core::sync::{
    HttpHeader, HttpMethod, HttpRequest, HttpResponse, Progress, SyncAccount, SyncAction, SyncEvent, SyncOptions,
    SyncSession, compression,
};
use xuncha_core::*;

const LAT: f64 = 26.6121;
const LON: f64 = 106.9213;
const T0: i64 = 1_790_000_000_000;
const BASE: &str = "https://xuncha.example";

fn phone() -> (Store, tempfile::TempDir) {
    phone_with(None)
}

/// A phone's store, encrypted at rest when given a key (as on a real phone).
fn phone_with(key: Option<StoreKey>) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = match key {
        Some(key) => Store::open_encrypted(dir.path(), &key, None).unwrap(),
        None => Store::open(dir.path()).unwrap(),
    };
    store.sign_in(xuncha_fixtures::officers()[0].clone()).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    store.set_sync_account(BASE, "device-token").unwrap();
    (store, dir)
}

fn json<T: serde::Serialize>(status: u16, value: &T) -> SyncEvent {
    SyncEvent::Response(HttpResponse::new(status, serde_json::to_vec(value).unwrap()))
}

/// The push a request carries: zstd, as core always sends it.
fn push_of(request: &HttpRequest) -> PushRequest {
    assert_eq!(request.header("content-encoding"), Some("zstd"));
    PushRequest::decode(&compression::decompress(&request.body, u64::MAX).unwrap()).unwrap()
}

fn accepted(request: &HttpRequest) -> SyncEvent {
    let push = push_of(request);
    json(
        200,
        &PushResponse {
            accepted_changes: push.changes.entries.len() as u64,
            new_changes: push.changes.entries.len() as u64,
            accepted_evidence: push.evidence.len() as u64,
            server_time_ms: T0,
            refused: Vec::new(),
            held_evidence: Vec::new(),
        },
    )
}

fn pulled(cursor: u64) -> SyncEvent {
    let pull = PullResponse { cursor, more: false, server_time_ms: T0, ..PullResponse::default() };
    SyncEvent::Response(HttpResponse::new(200, pull.encode()))
}

fn sent(action: SyncAction) -> HttpRequest {
    match action {
        SyncAction::Send(request) => request,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn path(request: &HttpRequest) -> &str {
    request.url.strip_prefix(BASE).unwrap()
}

fn session(store: &Store) -> SyncSession<'_> {
    session_with(store, SyncOptions::default())
}

fn session_with(store: &Store, options: SyncOptions) -> SyncSession<'_> {
    static QUIET: fn(Progress) = |_| {};
    SyncSession::new(store, SyncAccount::of_store(store).unwrap(), options, &QUIET)
}

#[test]
fn every_request_names_the_device_and_the_protocol() {
    let (store, _dir) = phone();
    store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    let mut sync = session(&store);
    let push = sent(sync.start().unwrap());
    assert_eq!((push.method, path(&push)), (HttpMethod::Post, "/v1/sync/push"));
    let header = |name: &str| push.headers.iter().find(|h| h.name == name).map(|h| h.value.clone());
    assert_eq!(header("authorization").as_deref(), Some("Bearer device-token"));
    assert_eq!(header("x-xuncha-protocol").as_deref(), Some("3"));
}

/// A pull answer coded as the server sends it to a phone that asked for zstd.
fn zstd_answer(body: &[u8]) -> HttpResponse {
    let header = HttpHeader { name: "Content-Encoding".into(), value: "zstd".into() };
    HttpResponse { status: 200, headers: vec![header], body: compression::compress(body) }
}

#[test]
fn pushes_go_as_zstd_and_pulls_ask_for_it_and_read_it() {
    let (store, _dir) = phone();
    for _ in 0..20 {
        store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    }
    let mut sync = session(&store);
    let push = sent(sync.start().unwrap());
    // Signatures and hashes do not compress, so how much smaller varies with the keys of the
    // run (the figure is `sync_wire_bytes_vs_change_bytes` in scripts/bench); what holds is
    // that the body is the push coded, and smaller.
    let plain = push_of(&push).encode();
    assert!(compression::is_zstd_frame(&push.body));
    assert_eq!(compression::decompress(&push.body, u64::MAX).unwrap(), plain);
    assert!(push.body.len() < plain.len(), "{} of {}", push.body.len(), plain.len());
    let pull = sent(sync.handle(accepted(&push)).unwrap());
    assert_eq!(pull.header("accept-encoding"), Some("zstd"));
    assert_eq!(pull.header("content-encoding"), None, "a GET has no body to code");
    let answer = PullResponse { cursor: 9, more: false, server_time_ms: T0, ..PullResponse::default() };
    let SyncAction::Done(_) = sync.handle(SyncEvent::Response(zstd_answer(&answer.encode()))).unwrap() else {
        panic!("done")
    };
    assert_eq!(store.sync_cursor().unwrap(), 9);
}

/// libcurl (URLSession on Linux) decodes zstd itself and keeps the header; an old server
/// answers plain. Either is read as it is.
#[test]
fn a_pull_answer_already_decoded_or_never_coded_is_read_as_it_is() {
    for (cursor, coded) in [(11, true), (12, false)] {
        let (store, _dir) = phone();
        let mut sync = session(&store);
        let pull = sent(sync.start().unwrap());
        assert_eq!(path(&pull), "/v1/sync/pull?cursor=0");
        let answer = PullResponse { cursor, more: false, server_time_ms: T0, ..PullResponse::default() };
        let mut response = HttpResponse::new(200, answer.encode());
        if coded {
            response.headers.push(HttpHeader { name: "content-encoding".into(), value: "zstd".into() });
        }
        let SyncAction::Done(_) = sync.handle(SyncEvent::Response(response)).unwrap() else { panic!("done") };
        assert_eq!(store.sync_cursor().unwrap(), cursor);
    }
}

/// A cut zstd answer, a bomb, a coding never asked for: the link failed; nothing is applied.
#[test]
fn a_pull_answer_that_does_not_decode_is_the_links_failure() {
    let answer = PullResponse { cursor: 5, more: false, server_time_ms: T0, ..PullResponse::default() }.encode();
    let whole = zstd_answer(&answer);
    let cut = HttpResponse { body: whole.body.get(..whole.body.len() - 3).unwrap().to_vec(), ..whole.clone() };
    let bomb = zstd_answer(&vec![0u8; 3 * 16 * 1024 * 1024 + 4096]);
    let gzip = HttpResponse {
        headers: vec![HttpHeader { name: "content-encoding".into(), value: "gzip".into() }],
        ..HttpResponse::new(200, answer.clone())
    };
    for (what, response) in [("cut", cut), ("bomb", bomb), ("gzip", gzip)] {
        let (store, _dir) = phone();
        let mut sync = session(&store);
        sent(sync.start().unwrap());
        let e = sync.handle(SyncEvent::Response(response)).unwrap_err();
        assert_eq!(e.code(), "network", "{what}: {e}");
        assert_eq!(store.sync_cursor().unwrap(), 0, "{what}");
    }
}

#[test]
fn a_refused_record_is_kept_and_the_sync_goes_on() {
    let (store, _dir) = phone();
    let id = store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    let mut sync = session(&store);
    let push = sent(sync.start().unwrap());
    assert!(push_of(&push).changes.entries.iter().any(|e| e.doc_id == id));
    let refusal = ErrorBody {
        code: "out_of_scope".into(),
        message: "不在辖区".into(),
        refused: vec![RefusedRecord {
            doc_id: id.clone(), code: "out_of_scope".into(), message: "不在辖区".into()
        }],
    };
    let pull = sent(sync.handle(json(422, &refusal)).unwrap());
    assert_eq!(path(&pull), "/v1/sync/pull?cursor=0", "nothing else to push: on to the pull");
    let SyncAction::Done(report) = sync.handle(pulled(7)).unwrap() else { panic!("done") };
    assert_eq!(report.refused_records, 1);
    assert_eq!(store.refused_records().unwrap()[0].doc_id, id, "kept and shown, not lost");
    assert_eq!(store.sync_cursor().unwrap(), 7);
    assert_eq!(store.sync_status().unwrap().last_error, None);
}

#[test]
fn a_lost_answer_forgets_nothing_and_the_next_sync_sends_it_again() {
    let (store, _dir) = phone();
    store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    let pending = store.sync_status().unwrap().pending_changes;
    let mut sync = session(&store);
    let first = sent(sync.start().unwrap());
    let e = sync.handle(SyncEvent::Failed("connection reset".into())).unwrap_err();
    assert_eq!(e.code(), "network");
    assert_eq!(store.sync_status().unwrap().pending_changes, pending, "unacknowledged stays pending");
    assert!(store.sync_status().unwrap().last_error.unwrap().contains("(network)"));

    let mut again = session(&store);
    let second = sent(again.start().unwrap());
    assert_eq!(second.body, first.body, "the same push, whole");
    sent(again.handle(accepted(&second)).unwrap());
    assert_eq!(store.sync_status().unwrap().pending_changes, 0, "forgotten only once acknowledged");
}

#[test]
fn a_revoked_device_is_wiped_at_the_answer() {
    let (store, dir) = phone();
    store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    let mut sync = session(&store);
    sent(sync.start().unwrap());
    let revoked = ErrorBody { code: "device_revoked".into(), message: "停用".into(), refused: Vec::new() };
    assert!(matches!(sync.handle(json(401, &revoked)), Err(Error::DeviceRevoked)));
    assert!(matches!(SyncAccount::of_store(&store), Err(Error::DeviceRevoked)));
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing left on disk");
}

#[test]
fn a_cut_pull_is_the_links_failure_and_applies_nothing() {
    let (store, _dir) = phone();
    let mut sync = session(&store);
    sent(sync.start().unwrap());
    let pull = PullResponse { cursor: 9, more: false, server_time_ms: T0, ..PullResponse::default() }.encode();
    let cut = HttpResponse::new(200, pull.get(..pull.len() / 2).unwrap().to_vec());
    let e = sync.handle(SyncEvent::Response(cut)).unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    assert_eq!(store.sync_cursor().unwrap(), 0);
}

#[test]
fn a_large_photo_goes_up_in_chunks_of_the_file_resuming_where_the_server_is() {
    large_photo_in_chunks(None);
}

#[test]
fn a_sealed_photo_goes_up_in_chunks_of_its_plaintext() {
    large_photo_in_chunks(Some(StoreKey::from_bytes([6; 32])));
}

fn large_photo_in_chunks(key: Option<StoreKey>) {
    let (store, _dir) = phone_with(key);
    let id = store.start_inspection(new_inspection(Shift::Day, None)).unwrap();
    let jpeg = xuncha_fixtures::photos::twelve_megapixel(4, LAT, LON);
    let capture = Capture { record_id: id, item_id: None, gps: Some(fix_at(LAT, LON, T0)), corrects: None };
    let item = store.add_photo(&jpeg, &capture).unwrap();
    let hash = item.payload.content_hash;
    let size = jpeg.len() as u64;
    assert!(size > 1_000_000, "several chunks: {size}");

    // Files over 512 KiB in chunks (by default a photo this size goes whole in a batch).
    let mut sync = session_with(&store, SyncOptions { batch_file_bytes: 512 * 1024, ..SyncOptions::default() });
    let push = sent(sync.start().unwrap());
    let mut request = sent(sync.handle(accepted(&push)).unwrap());
    let mut offsets = Vec::new();
    let mut refused_once = false;
    while request.method == HttpMethod::Put || request.method == HttpMethod::Get && path(&request).contains("/upload") {
        let url = path(&request).to_owned();
        assert!(url.starts_with(&format!("/v1/evidence/{hash}/upload")), "{url}");
        if request.method == HttpMethod::Get {
            // The server says where it is: the phone goes on from there.
            let status = UploadStatus { offset: 262_144, size, complete: false };
            request = sent(sync.handle(json(200, &status)).unwrap());
            continue;
        }
        let from: u64 = url.rsplit("offset=").next().unwrap().parse().unwrap();
        let chunk = jpeg.get(from as usize..from as usize + request.body.len()).unwrap();
        assert_eq!(request.body, chunk, "the file's own bytes at {from}");
        assert!(request.body.len() <= 256 * 1024, "one chunk, not the whole photo");
        offsets.push(from);
        if from == 2 * 262_144 && !refused_once {
            // An upload restarted on the server: the phone asks where it is instead of guessing.
            refused_once = true;
            let body =
                ErrorBody { code: "offset_mismatch".into(), message: "偏移不符".into(), refused: Vec::new() };
            request = sent(sync.handle(json(409, &body)).unwrap());
            assert_eq!(request.method, HttpMethod::Get, "asks the server");
            continue;
        }
        let to = from + request.body.len() as u64;
        request = sent(sync.handle(json(200, &UploadStatus { offset: to, size, complete: to == size })).unwrap());
    }
    assert!(refused_once);
    assert_eq!(offsets.first(), Some(&0));
    assert_eq!(offsets.iter().filter(|o| **o == 262_144).count(), 2, "resumed from the server's offset");
    assert_eq!(path(&request), "/v1/sync/pull?cursor=0");
    let SyncAction::Done(report) = sync.handle(pulled(1)).unwrap() else { panic!("done") };
    assert_eq!(store.sync_status().unwrap().pending_bytes, 0);
    assert!(report.uploaded_bytes >= size);
}
