//! Evidence endpoints and pull cursors as an outsider would probe them, on a real server:
//! - upload status, upload and download answer only callers who may see the evidence's record;
//!   anyone else gets exactly the answer an unknown hash gets (no existence oracle), and their
//!   bytes are not taken;
//! - evidence is served as its verified image type or as octet-stream, never as the type the
//!   device claimed, and always with `X-Content-Type-Options: nosniff`;
//! - a pull cursor ≥ 2^63 or past the end of the log is a 400, not a pull from the start.

use reqwest::Method;
use reqwest::blocking::RequestBuilder;
use serde_json::Value;
use xuncha_core::Officer;
use xuncha_core::sync::protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION};
use xuncha_e2e::*;
use xuncha_server::api::accounts::{NewUserBody, create_user};

fn add_user(t: &TestServer, username: &str, role: &str, node: &str, password: Option<&str>) -> Officer {
    let officer =
        Officer {
            name: format!("外部{username}"), department: "教育局".into(), cert_no: format!("QS-OUT-{username}")
        };
    create_user(
        &t.server.state,
        NewUserBody {
            username: username.into(),
            name: officer.name.clone(),
            role: role.into(),
            jurisdiction_id: node.into(),
            department: officer.department.clone(),
            cert_no: officer.cert_no.clone(),
            password: password.map(str::to_owned),
        },
    )
    .map_err(|e| e.message)
    .unwrap();
    officer
}

/// Status, body, and the type headers of a response.
struct Answer {
    status: u16,
    body: Vec<u8>,
    content_type: String,
    nosniff: bool,
}

fn send(r: RequestBuilder, token: &str) -> Answer {
    let r = r.bearer_auth(token).header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string()).send().unwrap();
    let header = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (content_type, nosniff) = (header("content-type"), header("x-content-type-options") == "nosniff");
    Answer { status: r.status().as_u16(), content_type, nosniff, body: r.bytes().unwrap().to_vec() }
}

/// The four evidence requests for `hash`.
fn probes(url: &str, hash: &str, bytes: &[u8]) -> Vec<(&'static str, RequestBuilder)> {
    let c = http();
    vec![
        ("upload status", c.request(Method::GET, format!("{url}/v1/evidence/{hash}/upload"))),
        ("upload", c.request(Method::PUT, format!("{url}/v1/evidence/{hash}/upload?offset=0")).body(bytes.to_vec())),
        ("original", c.request(Method::GET, format!("{url}/v1/evidence/{hash}/original"))),
        ("thumbnail", c.request(Method::GET, format!("{url}/v1/evidence/{hash}/thumbnail"))),
    ]
}

#[test]
fn evidence_outside_the_callers_scope_does_not_exist_for_them() {
    let t = TestServer::start();
    let url = t.url();
    let lin = t.device("lin", demo_officer("lin"));
    let id = lin.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
    let photo = xuncha_fixtures::photos::phone_photo(21, 26.61, 106.92);
    let item = lin.store.add_photo(&photo, &capture(&id)).unwrap();
    let hash = item.payload.content_hash.clone();
    // Metadata pushed, bytes not yet: an open upload.
    let batch = lin.store.next_push(usize::MAX).unwrap();
    assert_eq!(push_raw(&url, &lin.token, batch.request.encode()).0, 200);
    lin.store.mark_pushed(&batch).unwrap();

    // Outsiders: a supervisor of another township, an inspector not on the team (a device).
    add_user(&t, "la-sup", "supervisor", "qs-yx-la", Some("township-la-2026"));
    let other = add_user(&t, "insp-other", "inspector", "qs-yx", None);
    let outsiders = [
        ("other township's supervisor", t.login("la-sup", "township-la-2026")),
        ("inspector not on the team", t.device("insp-other", other).token),
    ];
    let unknown = "0".repeat(64);
    let mut refused = 0;
    let check_outsiders = |refused: &mut usize| {
        for (who, token) in &outsiders {
            for ((what, request), (_, unknown_request)) in
                probes(&url, &hash, &photo).into_iter().zip(probes(&url, &unknown, &photo))
            {
                let a = send(request, token);
                let u = send(unknown_request, token);
                assert_eq!(a.status, 404, "{who}: {what}: {}", String::from_utf8_lossy(&a.body));
                let a_body = String::from_utf8_lossy(&a.body).replace(hash.as_str(), "HASH");
                let u_body = String::from_utf8_lossy(&u.body).replace(&unknown, "HASH");
                assert_eq!(a_body, u_body, "{who}: {what}: the same answer as for an unknown hash");
                *refused += 1;
            }
        }
    };
    check_outsiders(&mut refused);
    let blob = t.server.state.storage.blob(&hash).unwrap().unwrap();
    assert_eq!((blob.received, blob.complete), (0, false), "an outsider's upload was not taken");

    // Those who may see the record: the uploading device, the county supervisor.
    let chen = t.login("chen", "supervisor-demo-2026");
    let c = http();
    let status = send(c.get(format!("{url}/v1/evidence/{hash}/upload")), &lin.token);
    assert_eq!(status.status, 200);
    assert_eq!(send(c.get(format!("{url}/v1/evidence/{hash}/upload")), &chen).status, 200);
    lin.sync().unwrap();
    assert!(t.server.state.storage.blob(&hash).unwrap().unwrap().complete);
    let original = send(c.get(format!("{url}/v1/evidence/{hash}/original")), &chen);
    assert_eq!((original.status, original.content_type.as_str(), original.nosniff), (200, "image/jpeg", true));
    assert_eq!(original.body, photo);
    let thumb = send(c.get(format!("{url}/v1/evidence/{hash}/thumbnail")), &chen);
    assert_eq!((thumb.status, thumb.content_type.as_str(), thumb.nosniff), (200, "image/jpeg", true));
    // Complete evidence is as hidden as open evidence.
    check_outsiders(&mut refused);
    println!("{refused} out-of-scope evidence requests refused as not found");
}

/// Bytes that are HTML are never served as HTML, whatever the signed metadata claims.
#[test]
fn evidence_is_served_as_what_the_bytes_are_with_nosniff() {
    let t = TestServer::start();
    let url = t.url();
    let lin = t.device("lin", demo_officer("lin"));
    let id = lin.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
    let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    // An honest app path: a voice note claimed as audio, whose bytes are HTML.
    let note = lin.store.add_voice_note(&html, "audio/mpeg", &capture(&id)).unwrap();
    lin.sync().unwrap();
    let chen = t.login("chen", "supervisor-demo-2026");
    let got = send(http().get(format!("{url}/v1/evidence/{}/original", note.payload.content_hash)), &chen);
    assert_eq!(got.status, 200);
    assert_eq!((got.content_type.as_str(), got.nosniff), ("application/octet-stream", true));
    assert_eq!(got.body, html);

    // A hand-made entry claiming text/html, signed with the device's real key.
    let html2 = b"<html><body>second</body></html>".to_vec();
    let item = lin.store.add_voice_note(&html2, "audio/ogg", &capture(&id)).unwrap();
    let mut batch = lin.store.next_push(usize::MAX).unwrap();
    let payload_json = item.payload_json.replace("\"mime\":\"audio/ogg\"", "\"mime\":\"text/html\"");
    assert_ne!(payload_json, item.payload_json);
    let forged = xuncha_core::evidence::SignedEntry {
        entry_hash: xuncha_core::evidence::EntryHash::of(payload_json.as_bytes()).to_string(),
        signature: lin.store.sign_with_device_key(payload_json.as_bytes()).unwrap(),
        payload_json,
    };
    batch.request.evidence = vec![forged];
    let (status, body) = push_raw(&url, &lin.token, batch.request.encode());
    if status == 200 {
        let hash = &item.payload.content_hash;
        let put = http().put(format!("{url}/v1/evidence/{hash}/upload?offset=0")).body(html2.clone());
        assert_eq!(send(put, &lin.token).status, 200);
        let got = send(http().get(format!("{url}/v1/evidence/{hash}/original")), &chen);
        assert_eq!(got.status, 200);
        assert_eq!((got.content_type.as_str(), got.nosniff), ("application/octet-stream", true));
    } else {
        // Refusing the forged entry outright is as good.
        assert!((400..500).contains(&status), "{status} {body}");
    }
    // Console responses carry nosniff too.
    let meta = send(http().get(format!("{url}/v1/console/meta")), &chen);
    assert!(meta.status == 200 && meta.nosniff);
}

#[test]
fn a_pull_cursor_past_the_log_or_over_2_63_is_refused() {
    let t = TestServer::start();
    let url = t.url();
    let lin = t.device("lin", demo_officer("lin"));
    let end = t.server.state.storage.last_seq().unwrap();
    assert!(end > 0, "the seed wrote to the log");
    let pull = |cursor: &str| {
        let a = send(http().get(format!("{url}/v1/sync/pull?cursor={cursor}")), &lin.token);
        let body: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
        (a.status, body)
    };
    for cursor in [
        (1u64 << 63).to_string(),
        u64::MAX.to_string(),
        i64::MAX.to_string(),
        (end + 1).to_string(),
        "18446744073709551616".to_owned(),
    ] {
        let (status, body) = pull(&cursor);
        assert_eq!(status, 400, "cursor {cursor}: {body}");
        assert_eq!(body["code"], "bad_cursor", "cursor {cursor}: {body}");
        assert!(body["message"].as_str().unwrap().contains("同步位置"), "{body}");
    }
    assert_eq!(pull(&end.to_string()).0, 200, "the end of the log is a valid cursor");
    assert_eq!(pull("0").0, 200);
    lin.sync().unwrap();
}
