//! Malformed and oversized payloads to every endpoint: each gets a 4xx with a JSON
//! `{code, message}` body that says what is wrong; nothing panics, nothing is stored, and the
//! server still answers.

use reqwest::Method;
use xuncha_core::sync::protocol::{MAX_BODY_BYTES, PROTOCOL_HEADER, PushRequest};
use xuncha_e2e::*;

/// The protocol version this build speaks, as the header carries it.
const CURRENT: &str = "3";

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    protocol: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    /// A word the message must contain.
    says: &'static str,
}

fn case(name: &'static str, method: Method, path: impl Into<String>, status: u16, says: &'static str) -> Case {
    Case { name, method, path: path.into(), token: None, protocol: None, body: Vec::new(), status, says }
}

impl Case {
    fn token(mut self, t: &str) -> Self {
        self.token = Some(t.to_owned());
        self
    }
    fn sync(mut self, t: &str) -> Self {
        self.token = Some(t.to_owned());
        self.protocol = Some(CURRENT);
        self
    }
    fn protocol(mut self, v: Option<&'static str>) -> Self {
        self.protocol = v;
        self
    }
    fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = b.into();
        self
    }
}

#[test]
fn malformed_and_oversized_requests_get_a_clear_4xx_and_store_nothing() {
    assert_eq!(CURRENT, xuncha_core::sync::protocol::PROTOCOL_VERSION.to_string());
    let t = TestServer::start();
    let url = t.url();
    let lin = t.device("lin", demo_officer("lin"));
    let admin = t.login("admin", "admin-demo-2026");
    let chen = t.login("chen", "supervisor-demo-2026");
    // A real record and a real photo already on the server, to aim at.
    let id = lin.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
    let photo = xuncha_fixtures::photos::phone_photo(9, 26.61, 106.92);
    let item = lin.store.add_photo(&photo, &capture(&id)).unwrap();
    let valid_push = lin.store.next_push(usize::MAX).unwrap().request.encode();
    lin.sync().unwrap();
    let hash = item.payload.content_hash.clone();
    // A second photo whose metadata is on the server but whose bytes are not: an open upload.
    let photo2 = xuncha_fixtures::photos::phone_photo(10, 26.61, 106.92);
    let item2 = lin.store.add_photo(&photo2, &capture(&id)).unwrap();
    let batch = lin.store.next_push(usize::MAX).unwrap();
    assert_eq!(push_raw(&url, &lin.token, batch.request.encode()).0, 200);
    lin.store.mark_pushed(&batch).unwrap();
    let open = format!("{url}/v1/evidence/{}/upload", item2.payload.content_hash);
    let unknown_hash = "0".repeat(64);
    // The next push, kept unsent, to truncate and corrupt.
    lin.store.add_finding(&id, "待推送的发现").unwrap();
    let pending = lin.store.next_push(usize::MAX).unwrap().request;
    let body = pending.encode();
    let mut wrong_version = body.clone();
    wrong_version[4] = 7;
    let mut corrupt_change = pending.clone();
    let c = &mut corrupt_change.changes.entries[0].change;
    let mid = c.len() / 2;
    c[mid] ^= 0xff;
    let mut bad_id = pending.clone();
    bad_id.changes.entries[0].doc_id = "../../etc/passwd".into();
    let mut bad_evidence = pending.clone();
    bad_evidence.evidence = vec![xuncha_core::evidence::SignedEntry {
        entry_hash: "ab".into(),
        payload_json: "{not json".into(),
        signature: "cd".into(),
    }];
    let mut forged_evidence = PushRequest::default();
    let mut forged = item.clone();
    forged.payload_json = forged.payload_json.replace("\"size\":", "\"size\":1");
    forged_evidence.evidence = vec![xuncha_core::evidence::SignedEntry {
        entry_hash: forged.entry_hash.to_string(),
        payload_json: forged.payload_json,
        signature: forged.signature,
    }];
    let huge = vec![b'x'; MAX_BODY_BYTES as usize + 1024];
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let tok = lin.token.clone();
    let json = |v: serde_json::Value| serde_json::to_vec(&v).unwrap();
    let push = format!("{url}/v1/sync/push");
    let pull = format!("{url}/v1/sync/pull");
    let upload = format!("{url}/v1/evidence/{hash}/upload");
    let enroll = format!("{url}/v1/enroll");
    let login = format!("{url}/v1/login");
    let review = format!("{url}/v1/decisions/inspections/{id}/review");
    let cases = vec![
        // Push.
        case("push garbage", Method::POST, &push, 400, "格式不正确").sync(&tok).body(garbage.clone()),
        case("push empty", Method::POST, &push, 400, "格式不正确").sync(&tok),
        case("push truncated", Method::POST, &push, 400, "格式不正确").sync(&tok).body(&body[..body.len() / 2]),
        case("push trailing bytes", Method::POST, &push, 400, "格式不正确")
            .sync(&tok)
            .body([&body[..], b"xx"].concat()),
        case("push body version", Method::POST, &push, 422, "版本 7").sync(&tok).body(wrong_version),
        case("push no protocol header", Method::POST, &push, 400, "同步协议版本")
            .sync(&tok)
            .protocol(None)
            .body(body.clone()),
        case("push wrong protocol header", Method::POST, &push, 400, "版本 9")
            .sync(&tok)
            .protocol(Some("9"))
            .body(body.clone()),
        case("push corrupt change", Method::POST, &push, 400, "未保存").sync(&tok).body(corrupt_change.encode()),
        case("push bad document id", Method::POST, &push, 400, "编号").sync(&tok).body(bad_id.encode()),
        case("push bad evidence json", Method::POST, &push, 400, "证据").sync(&tok).body(bad_evidence.encode()),
        case("push forged evidence", Method::POST, &push, 400, "").sync(&tok).body(forged_evidence.encode()),
        case("push huge", Method::POST, &push, 413, "上限").sync(&tok).body(huge.clone()),
        case("push no token", Method::POST, &push, 401, "登录").protocol(Some(CURRENT)).body(valid_push.clone()),
        case("push bad token", Method::POST, &push, 401, "登录").sync("0123").body(valid_push.clone()),
        case("push console session", Method::POST, &push, 403, "手机").sync(&chen).body(valid_push.clone()),
        // Pull.
        case("pull bad cursor", Method::GET, format!("{pull}?cursor=abc"), 400, "同步位置").sync(&tok),
        case("pull negative cursor", Method::GET, format!("{pull}?cursor=-1"), 400, "同步位置").sync(&tok),
        case("pull no protocol header", Method::GET, &pull, 400, "同步协议版本").sync(&tok).protocol(None),
        case("pull wrong protocol", Method::GET, &pull, 400, "版本").sync(&tok).protocol(Some("0")),
        case("pull no token", Method::GET, &pull, 401, "登录").protocol(Some(CURRENT)),
        // Upload status and chunks.
        case("status bad hash", Method::GET, format!("{url}/v1/evidence/XYZ/upload"), 400, "证据编号").token(&tok),
        case("status unknown hash", Method::GET, format!("{url}/v1/evidence/{unknown_hash}/upload"), 404, "先同步")
            .token(&tok),
        case("status no token", Method::GET, &upload, 401, "登录"),
        case("chunk no offset", Method::PUT, &upload, 400, "续传位置").token(&tok).body(vec![1, 2, 3]),
        case("chunk bad offset", Method::PUT, format!("{upload}?offset=abc"), 400, "续传位置")
            .token(&tok)
            .body(vec![1]),
        case("chunk negative offset", Method::PUT, format!("{upload}?offset=-5"), 400, "续传位置")
            .token(&tok)
            .body(vec![1]),
        case("chunk huge offset", Method::PUT, format!("{upload}?offset={}", u64::MAX), 400, "续传位置")
            .token(&tok)
            .body(vec![1]),
        case("open chunk huge offset", Method::PUT, format!("{open}?offset={}", u64::MAX), 400, "续传位置")
            .token(&tok)
            .body(vec![1]),
        case("open chunk gap", Method::PUT, format!("{open}?offset=1000"), 409, "已收到 0 字节")
            .token(&tok)
            .body(vec![1; 10]),
        case("open chunk past size", Method::PUT, format!("{open}?offset=0"), 400, "证据登记的大小")
            .token(&tok)
            .body(vec![0; photo2.len() + 1]),
        case(
            "open download pending",
            Method::GET,
            format!("{url}/v1/evidence/{}/original", item2.payload.content_hash),
            404,
            "待上传",
        )
        .token(&chen),
        case("download path not utf-8", Method::GET, format!("{url}/v1/evidence/%FF%FE/original"), 400, "")
            .token(&chen),
        case(
            "chunk unknown hash",
            Method::PUT,
            format!("{url}/v1/evidence/{unknown_hash}/upload?offset=0"),
            404,
            "先同步",
        )
        .token(&tok)
        .body(vec![1]),
        case("chunk bad hash", Method::PUT, format!("{url}/v1/evidence/nothex/upload?offset=0"), 400, "证据编号")
            .token(&tok)
            .body(vec![1]),
        case("chunk huge", Method::PUT, format!("{upload}?offset=0"), 413, "上限").token(&tok).body(huge.clone()),
        // Download.
        case("download bad hash", Method::GET, format!("{url}/v1/evidence/zz/original"), 400, "证据编号").token(&chen),
        case("download unknown", Method::GET, format!("{url}/v1/evidence/{unknown_hash}/original"), 404, "证据")
            .token(&chen),
        case("download bad view", Method::GET, format!("{url}/v1/evidence/{hash}/raw"), 404, "原件或缩略图")
            .token(&chen),
        case("download no token", Method::GET, format!("{url}/v1/evidence/{hash}/original"), 401, "登录"),
        // Enrolment.
        case("enroll garbage", Method::POST, &enroll, 400, "请求内容").body(garbage.clone()),
        case("enroll bad json", Method::POST, &enroll, 400, "请求内容").body("{\"code\": "),
        case("enroll missing fields", Method::POST, &enroll, 400, "必填项")
            .body(json(serde_json::json!({"code": "x"}))),
        case("enroll bad device id", Method::POST, &enroll, 400, "设备编号").body(json(serde_json::json!({
            "code": "abc", "device_id": "NOT HEX", "public_key": "00", "signature": "00"}))),
        case("enroll bad signature", Method::POST, &enroll, 400, "签名").body(json(serde_json::json!({
            "code": "abc", "device_id": "abcdef", "public_key": "00", "signature": "00"}))),
        case("enroll huge", Method::POST, &enroll, 413, "上限").body(huge.clone()),
        // Login.
        case("login garbage", Method::POST, &login, 400, "请求内容").body(garbage.clone()),
        case("login bad json", Method::POST, &login, 400, "请求内容").body("[1,2"),
        case("login wrong password", Method::POST, &login, 401, "密码").body(json(serde_json::json!({
            "username": "admin", "password": "nope"}))),
        case("login huge", Method::POST, &login, 413, "上限").body(huge.clone()),
        // Admin.
        case("admin users bad json", Method::POST, format!("{url}/v1/admin/users"), 400, "请求内容")
            .token(&admin)
            .body("{"),
        case("admin users bad role", Method::POST, format!("{url}/v1/admin/users"), 400, "角色")
            .token(&admin)
            .body(json(serde_json::json!({
            "username": "x1", "name": "X", "role": "king", "jurisdiction_id": "qs"}))),
        case("admin users bad node", Method::POST, format!("{url}/v1/admin/users"), 400, "辖区")
            .token(&admin)
            .body(json(serde_json::json!({
            "username": "x2", "name": "X", "role": "inspector", "jurisdiction_id": "nowhere"}))),
        case("admin users short password", Method::POST, format!("{url}/v1/admin/users"), 400, "8 个字符")
            .token(&admin)
            .body(json(serde_json::json!({
            "username": "x3", "name": "X", "role": "supervisor", "jurisdiction_id": "qs", "password": "short"}))),
        case("admin users duplicate", Method::POST, format!("{url}/v1/admin/users"), 409, "lin")
            .token(&admin)
            .body(json(serde_json::json!({
            "username": "lin", "name": "X", "role": "inspector", "jurisdiction_id": "qs"}))),
        case("admin users by inspector", Method::POST, format!("{url}/v1/admin/users"), 403, "检查员")
            .token(&tok)
            .body(json(serde_json::json!({
            "username": "x4", "name": "X", "role": "admin", "jurisdiction_id": "qs"}))),
        case("admin users huge", Method::POST, format!("{url}/v1/admin/users"), 413, "上限")
            .token(&admin)
            .body(huge.clone()),
        case("admin code unknown user", Method::POST, format!("{url}/v1/admin/users/nobody/enrollment"), 404, "nobody")
            .token(&admin),
        case("admin revoke unknown", Method::POST, format!("{url}/v1/admin/devices/ffff/revoke"), 404, "ffff")
            .token(&admin),
        case("admin revoke by supervisor", Method::POST, format!("{url}/v1/admin/devices/ffff/revoke"), 403, "督导员")
            .token(&chen),
        case("admin list no token", Method::GET, format!("{url}/v1/admin/devices"), 401, "登录"),
        // Decisions.
        case("review bad json", Method::POST, &review, 400, "请求内容").token(&chen).body("{\"decision\":"),
        case("review bad decision", Method::POST, &review, 400, "审核结论")
            .token(&chen)
            .body(json(serde_json::json!({"decision": "burn"}))),
        case("review bad id", Method::POST, format!("{url}/v1/decisions/inspections/INSP%20X/review"), 400, "编号")
            .token(&chen)
            .body(json(serde_json::json!({"decision": "approved"}))),
        case(
            "review unknown id",
            Method::POST,
            format!("{url}/v1/decisions/inspections/insp-nothing/review"),
            404,
            "insp-nothing",
        )
        .token(&chen)
        .body(json(serde_json::json!({"decision": "approved"}))),
        case("review huge", Method::POST, &review, 413, "上限").token(&chen).body(huge.clone()),
        case("case bad json", Method::POST, format!("{url}/v1/decisions/inspections/{id}/case"), 400, "请求内容")
            .token(&chen)
            .body("nope"),
        case("assign not a case", Method::POST, format!("{url}/v1/decisions/cases/{id}/assign"), 404, "案件")
            .token(&chen)
            .body(json(serde_json::json!({"department": "公安局"}))),
        case("advance bad state", Method::POST, format!("{url}/v1/decisions/cases/{id}/advance"), 400, "案件环节")
            .token(&chen)
            .body(json(serde_json::json!({"to": "heaven"}))),
    ];

    let before =
        (t.log_len(), t.server.state.storage.users().unwrap().len(), t.server.state.storage.devices().unwrap().len());
    let uploads_before = dir_size(&t.server.state.uploads);
    let client = http();
    let mut failures = Vec::new();
    for c in &cases {
        let mut r = client.request(c.method.clone(), &c.path).body(c.body.clone());
        if let Some(tok) = &c.token {
            r = r.bearer_auth(tok);
        }
        if let Some(v) = c.protocol {
            r = r.header(PROTOCOL_HEADER, v);
        }
        let response = match r.send() {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: no response: {e}", c.name));
                continue;
            }
        };
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        let body: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        let message = body["message"].as_str().unwrap_or_default();
        let ok = status == c.status
            && body["code"].as_str().is_some_and(|s| !s.is_empty())
            && !message.is_empty()
            && message.contains(c.says);
        if !ok {
            failures.push(format!("{}: want {} with {:?}, got {status} {text:.200}", c.name, c.status, c.says));
        }
        assert_eq!(client.get(format!("{url}/healthz")).send().unwrap().status().as_u16(), 200, "after {}", c.name);
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    let after =
        (t.log_len(), t.server.state.storage.users().unwrap().len(), t.server.state.storage.devices().unwrap().len());
    assert_eq!(after, before, "nothing was stored (log, users, devices)");
    assert_eq!(dir_size(&t.server.state.uploads), uploads_before, "no upload bytes were kept");
    let blob = t.server.state.storage.blob(&hash).unwrap().unwrap();
    assert!(blob.complete && blob.received == photo.len() as u64);
    let open_blob = t.server.state.storage.blob(&item2.payload.content_hash).unwrap().unwrap();
    assert_eq!((open_blob.received, open_blob.complete), (0, false), "no stray bytes were taken");
    // And the phone syncs as before: the open upload completes, the held finding goes up.
    lin.sync().unwrap();
    assert!(t.server.state.storage.blob(&item2.payload.content_hash).unwrap().unwrap().complete);
    assert_eq!(t.server.state.replica.inspection(&id).unwrap().findings.len(), 1);
}

/// Status line and JSON body of a raw HTTP/1.1 exchange: `head` is sent as it is and no body
/// follows. The server closes the connection after its answer; a server still waiting (for a
/// body it asked for) leaves what it sent so far, once 10 s have passed.
fn raw_exchange(addr: std::net::SocketAddr, head: &str) -> (String, serde_json::Value) {
    use std::io::{ErrorKind, Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    if let Err(e) = stream.read_to_end(&mut answer) {
        assert!(matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{e}");
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (headers, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = headers.lines().next().unwrap_or_default().to_owned();
    (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
}

/// Who pushes is checked before the body is read: a push without a token is refused from its
/// headers alone, however large a body it announces. With `Expect: 100-continue` the server
/// would answer `100 Continue` the moment it asked for the body; it answers 401 instead, and
/// the body is never sent. With a device token the same size is read up to the limit: 413.
#[test]
fn an_oversized_push_is_401_without_a_token_and_413_with_one() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let size = MAX_BODY_BYTES as usize + 1024;
    let addr = t.server.addr;
    let log_before = t.log_len();
    let head = format!(
        "POST /v1/sync/push HTTP/1.1\r\nHost: {addr}\r\n{PROTOCOL_HEADER}: {CURRENT}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {size}\r\n\
         Expect: 100-continue\r\nConnection: close\r\n\r\n"
    );
    let (status, body) = raw_exchange(addr, &head);
    assert!(status.starts_with("HTTP/1.1 401"), "answered from the headers: {status} {body}");
    assert_eq!(body["code"], "unauthorized", "{body}");
    assert!(body["message"].as_str().unwrap().contains("登录"), "{body}");

    let (status, body) = push_raw(&t.url(), &lin.token, vec![b'x'; size]);
    assert_eq!((status, body["code"].as_str()), (413, Some("too_large")), "{body}");
    assert!(body["message"].as_str().unwrap().contains(&MAX_BODY_BYTES.to_string()), "{body}");
    assert_eq!(t.log_len(), log_before, "nothing was stored");
}

/// A query key given twice is not guessed at (first? last?): the pull is refused, `bad_query`.
#[test]
fn a_repeated_query_key_is_a_bad_query() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let response = http()
        .get(format!("{}/v1/sync/pull?cursor=1&cursor=2", t.url()))
        .bearer_auth(&lin.token)
        .header(PROTOCOL_HEADER, CURRENT)
        .send()
        .unwrap();
    let (status, body) = json_of(response);
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_query")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("查询条件"), "{body}");
    // One cursor is fine.
    let response = http()
        .get(format!("{}/v1/sync/pull?cursor=0", t.url()))
        .bearer_auth(&lin.token)
        .header(PROTOCOL_HEADER, CURRENT)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}
