//! Sync bodies travel as zstd both ways, coded in core (ADR 0004): a push as zstd is stored,
//! a plain one from an older phone too; a small push that inflates past the body limit is a
//! 413 in our error shape, not memory; a body that does not decode or comes in a coding the
//! server does not take is refused the same way; a pull answer is zstd only when asked for.
//! Evidence uploads go as they are (JPEG).

use reqwest::blocking::Response;
use serde_json::Value;
use std::sync::Mutex;
use xuncha_core::sync::protocol::{MAX_BODY_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse};
use xuncha_core::sync::{
    HttpRequest, HttpResponse, ReqwestTransport, SyncAccount, SyncOptions, SyncSession, Transport, compression, run,
};
use xuncha_e2e::*;

const GRID: &str = "qs-yx-gx-hq-g1";

fn push_coded(url: &str, token: &str, body: Vec<u8>, coding: Option<&str>) -> (u16, Value) {
    let mut request = http()
        .post(format!("{url}/v1/sync/push"))
        .bearer_auth(token)
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .body(body);
    if let Some(coding) = coding {
        request = request.header("content-encoding", coding);
    }
    json_of(request.send().unwrap())
}

fn pull(url: &str, token: &str, accept: Option<&str>) -> Response {
    let mut request = http()
        .get(format!("{url}/v1/sync/pull?cursor=0"))
        .bearer_auth(token)
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    request.send().unwrap()
}

#[test]
fn pushes_are_taken_as_zstd_or_plain_and_a_bomb_is_a_413() {
    let t = TestServer::start();
    let url = t.url();
    let lin = t.device("lin", demo_officer("lin"));
    let a = lin.store.start_inspection(new_inspection(GRID)).unwrap();
    let plain = lin.store.next_push(usize::MAX).unwrap().request.encode();
    let before = t.log_len();

    // Refused, and nothing stored: a bomb, a cut frame, a coding the server does not take.
    let bomb = compression::compress(&vec![0u8; 4 * MAX_BODY_BYTES as usize]);
    assert!(bomb.len() < 64 * 1024, "the bomb is small on the wire: {}", bomb.len());
    let (status, body) = push_coded(&url, &lin.token, bomb, Some("zstd"));
    assert_eq!((status, body["code"].as_str()), (413, Some("too_large")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("上限"), "{body}");
    let coded = compression::compress(&plain);
    let cut = coded.get(..coded.len() / 2).unwrap().to_vec();
    let (status, body) = push_coded(&url, &lin.token, cut, Some("zstd"));
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_body")), "{body}");
    let (status, body) = push_coded(&url, &lin.token, plain.clone(), Some("gzip"));
    assert_eq!((status, body["code"].as_str()), (415, Some("unsupported_media_type")), "{body}");
    assert_eq!(t.log_len(), before, "a refused push stores nothing");

    // zstd, as core sends it; plain, as an older phone does.
    let (status, body) = push_coded(&url, &lin.token, coded, Some("zstd"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["new_changes"].as_u64(), Some(1), "{body}");
    let b = lin.store.start_inspection(new_inspection(GRID)).unwrap();
    let (status, body) = push_coded(&url, &lin.token, lin.store.next_push(usize::MAX).unwrap().request.encode(), None);
    assert_eq!(status, 200, "{body}");
    let mut want = vec![a, b];
    want.sort();
    let on_server: Vec<String> = want.iter().filter(|id| t.server.state.replica.heads(id).is_ok()).cloned().collect();
    assert_eq!(on_server, want);
}

#[test]
fn a_pull_answer_is_zstd_only_when_asked_for() {
    let t = TestServer::start();
    let url = t.url();
    let lin = t.device("lin", demo_officer("lin"));
    for _ in 0..10 {
        let id = lin.store.start_inspection(new_inspection(GRID)).unwrap();
        answer_every_item(&lin.store, &id);
    }
    lin.sync().unwrap();
    let second = t.device("lin", demo_officer("lin"));

    let plain = pull(&url, &second.token, None);
    assert_eq!(plain.status().as_u16(), 200);
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain = plain.bytes().unwrap().to_vec();
    let as_plain = PullResponse::decode(&plain).unwrap();

    let coded = pull(&url, &second.token, Some("zstd"));
    assert_eq!(coded.status().as_u16(), 200);
    assert_eq!(coded.headers().get("content-encoding").unwrap(), "zstd");
    let coded = coded.bytes().unwrap().to_vec();
    assert!(compression::is_zstd_frame(&coded));
    println!("pull of 10 inspections: {} bytes plain, {} as zstd", plain.len(), coded.len());
    assert!(coded.len() * 10 < plain.len() * 6, "{} of {}", coded.len(), plain.len());
    let as_coded = PullResponse::decode(&compression::decompress(&coded, u64::MAX).unwrap()).unwrap();
    assert_eq!(
        (as_coded.cursor, &as_coded.changes, &as_coded.evidence),
        (as_plain.cursor, &as_plain.changes, &as_plain.evidence)
    );
    // The same documents, saved plain for a coded answer and deflated for a plain one.
    let heads = |pull: &PullResponse| -> Vec<(String, Vec<automerge::ChangeHash>)> {
        let load = |b: &[u8]| automerge::Automerge::load(b).unwrap().get_heads();
        pull.snapshots.iter().map(|s| (s.doc_id.clone(), load(&s.bytes))).collect()
    };
    assert!(as_coded.snapshots.len() >= 10, "{}", as_coded.snapshots.len());
    assert_eq!(heads(&as_coded), heads(&as_plain));

    // A refusal is coded too, and still reads as our error shape once decoded.
    let refused = http()
        .get(format!("{url}/v1/sync/pull?cursor=x"))
        .bearer_auth(&second.token)
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .header("accept-encoding", "zstd")
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let coding = refused.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
    let bytes = refused.bytes().unwrap().to_vec();
    let bytes =
        if coding.as_deref() == Some("zstd") { compression::decompress(&bytes, 1 << 20).unwrap() } else { bytes };
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["code"], "bad_cursor", "{body}");
}

/// One exchange: the path, the request's `Content-Encoding` and the answer's.
type Exchange = (String, Option<String>, Option<String>);

/// What a sync sent and got back.
struct Recording {
    inner: ReqwestTransport,
    seen: Mutex<Vec<Exchange>>,
}

impl Transport for Recording {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let path = request.url.split("/v1/").nth(1).unwrap_or_default().split('?').next().unwrap().to_owned();
        let sent = request.header("content-encoding").map(str::to_owned);
        let response = self.inner.send(request)?;
        let came = response.header("content-encoding").map(str::to_owned);
        self.seen.lock().unwrap().push((path, sent, came));
        Ok(response)
    }
}

#[test]
fn a_sync_codes_pushes_and_pulls_but_not_photos() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let id = lin.store.start_inspection(new_inspection(GRID)).unwrap();
    lin.store.add_photo(&xuncha_fixtures::photos::phone_photo(3, 26.61, 106.92), &capture(&id)).unwrap();
    let transport = Recording { inner: ReqwestTransport::new(None).unwrap(), seen: Mutex::new(Vec::new()) };
    let account = SyncAccount::new(&t.url(), &lin.token);
    let quiet = |_: xuncha_core::sync::Progress| {};
    let report = run(&mut SyncSession::new(&lin.store, account, SyncOptions::default(), &quiet), &transport).unwrap();
    assert!(report.pushed_changes >= 1 && report.pulled_changes > 0, "{report:?}");
    assert_eq!(lin.store.sync_status().unwrap().pending_bytes, 0, "the photo went up");
    let seen = transport.seen.into_inner().unwrap();
    let zstd = Some("zstd".to_owned());
    for (path, sent, came) in &seen {
        match path.as_str() {
            "sync/push" => assert_eq!(sent, &zstd, "{seen:?}"),
            "sync/pull" => assert_eq!((sent, came), (&None, &zstd), "{seen:?}"),
            _ => assert_eq!((sent, came), (&None, &None), "uploads go as they are: {seen:?}"),
        }
    }
    assert!(seen.iter().any(|(p, ..)| p.starts_with("evidence")), "{seen:?}");
    assert_eq!(lin.store.heads(&id).unwrap(), t.server.state.replica.heads(&id).unwrap());
}
