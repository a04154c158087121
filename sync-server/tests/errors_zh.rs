//! What an officer or supervisor reads when the server says no: every refusal, whether a
//! handler's, an extractor's or the framework's own (unknown route, wrong method, a body over
//! the limit), is our `{code, message}` JSON with a snake_case code and a Chinese message that
//! carries no English words (the English goes to the log).

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::*;
use xuncha_core::Store;
use xuncha_core::sync::protocol::{MAX_BODY_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION};

/// One bad request and the status it must get. `ids` are values the request put in, which the
/// message may repeat (they are not words).
struct Bad {
    name: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    protocol: bool,
    body: Vec<u8>,
    status: u16,
    ids: Vec<String>,
}

fn bad(name: &'static str, method: Method, path: impl Into<String>, status: u16) -> Bad {
    Bad { name, method, path: path.into(), token: None, protocol: false, body: Vec::new(), status, ids: Vec::new() }
}

impl Bad {
    fn token(mut self, t: &str) -> Self {
        self.token = Some(t.to_owned());
        self
    }
    fn sync(mut self) -> Self {
        self.protocol = true;
        self
    }
    fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = b.into();
        self
    }
    fn json(self, v: Value) -> Self {
        self.body(serde_json::to_vec(&v).unwrap())
    }
    fn ids(mut self, ids: &[&str]) -> Self {
        self.ids = ids.iter().map(|s| (*s).to_owned()).collect();
        self
    }
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// ASCII words of three or more letters left in `message` once `ids` are taken out.
fn english_words(message: &str, ids: &[String]) -> Vec<String> {
    let mut rest = message.to_owned();
    for id in ids {
        rest = rest.replace(id.as_str(), " ");
    }
    rest.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 3).map(str::to_owned).collect()
}

/// Why `text` (a response body) is not our error shape in Chinese; None if it is.
fn problem(text: &str, ids: &[String]) -> Option<String> {
    let Ok(body) = serde_json::from_str::<Value>(text) else { return Some("not JSON".into()) };
    let code = body["code"].as_str().unwrap_or_default();
    let snake = !code.is_empty()
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !snake {
        return Some(format!("code {code:?} is not snake_case"));
    }
    let message = body["message"].as_str().unwrap_or_default();
    if !message.chars().any(is_han) {
        return Some(format!("message {message:?} has no Chinese"));
    }
    let words = english_words(message, ids);
    if !words.is_empty() {
        return Some(format!("message {message:?} has English words {words:?}"));
    }
    None
}

#[test]
fn the_checker_itself_catches_english() {
    let no_ids: &[String] = &[];
    assert!(problem("not json", no_ids).is_some());
    assert!(problem(r#"{"code":"bad_request","message":"the body is not valid"}"#, no_ids).is_some());
    assert!(problem(r#"{"code":"bad_request","message":"请求无效：missing field"}"#, no_ids).is_some());
    assert!(problem(r#"{"code":"BadRequest","message":"请求无效"}"#, no_ids).is_some());
    assert!(problem(r#"{"code":"","message":"请求无效"}"#, no_ids).is_some());
    assert!(problem(r#"{"code":"not_found","message":"找不到用户 nobody"}"#, &["nobody".into()]).is_none());
    assert!(problem(r#"{"code":"too_large","message":"超过 8388608 字节的上限"}"#, no_ids).is_none());
}

/// Enrols a raw device for `username`: its store (signed in as the fixture officer) and token.
fn device(env: &Env, username: &str, officer: usize) -> (Store, String) {
    let store = Store::open(env.dir.path().join(format!("zh-{username}"))).unwrap();
    store.sign_in(xuncha_fixtures::officers()[officer].clone()).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    let token = env.device_token(&store, username);
    (store, token)
}

#[test]
fn every_refusal_is_our_shape_with_a_chinese_message() {
    let env = Env::demo();
    let chen = env.login(CHEN);
    let la = env.login(LA_SUP);
    let admin = env.login(ADMIN);
    let (lin, lin_token) = device(&env, "lin", 0);
    let inspection = env.inspection_id();
    let case = env.tip_case_id();
    // A new inspection at the city node: outside lin's county, refused by scope when pushed.
    let outside = lin
        .start_inspection(xuncha_core::NewInspection {
            template_id: xuncha_fixtures::TEMPLATE_ID.into(),
            template_version: 1,
            jurisdiction_id: "qs".into(),
            shift: xuncha_core::Shift::Day,
            mode: xuncha_core::Mode::Joint,
            approach: xuncha_core::Approach::Open,
            place_id: None,
            ledger_id: None,
        })
        .unwrap();
    let push_outside = lin.next_push(usize::MAX).unwrap().request.encode();
    let huge = vec![b'x'; MAX_BODY_BYTES as usize + 1024];
    let unknown_hash = "0".repeat(64);

    let cases = vec![
        // Bodies.
        bad("malformed json", Method::POST, "/v1/login", 400).body("{\"username\": "),
        bad("wrong types", Method::POST, "/v1/login", 400).json(json!({"username": 5, "password": [1]})),
        bad("missing field", Method::POST, "/v1/enroll", 400).json(json!({"code": "x"})),
        bad("oversize body", Method::POST, "/v1/enroll", 413).body(huge.clone()),
        bad("oversize push", Method::POST, "/v1/sync/push", 413).token(&lin_token).sync().body(huge.clone()),
        bad("garbage push", Method::POST, "/v1/sync/push", 400).token(&lin_token).sync().body(vec![7u8; 64]),
        bad("tip malformed", Method::POST, "/v1/tips", 400).body("[1,"),
        // The framework's own answers.
        bad("unknown route", Method::GET, "/v1/no-such-thing", 404),
        bad("unknown console route", Method::GET, "/v1/console/nothing-here", 404).token(&chen),
        bad("wrong method", Method::DELETE, "/v1/login", 405),
        bad("wrong method on console", Method::PUT, "/v1/console/meta", 405).token(&chen),
        bad("path not utf-8", Method::GET, "/v1/evidence/%FF%FE/original", 400).token(&chen),
        // Who is calling.
        bad("no token", Method::GET, "/v1/console/meta", 401),
        bad("bad token", Method::GET, "/v1/console/meta", 401).token("not-a-real-token"),
        bad("device on the console", Method::GET, "/v1/console/meta", 403).token(&lin_token),
        bad("supervisor outside jurisdiction", Method::GET, "/v1/console/inspections?node=qs-yx-gx", 403)
            .token(&la)
            .ids(&["qs-yx-gx", "qs-yx-la"]),
        bad("supervisor on an admin endpoint", Method::GET, "/v1/admin/devices", 403).token(&chen),
        bad("console session syncing", Method::GET, "/v1/sync/pull", 403).token(&chen).sync(),
        bad("bad enrolment signature", Method::POST, "/v1/enroll", 400).json(json!({
            "code": "abc", "device_id": "abcdef", "public_key": "00", "signature": "00"})),
        // Ids and values.
        bad("not-found inspection", Method::GET, "/v1/console/inspections/insp-nothing", 404)
            .token(&chen)
            .ids(&["insp-nothing"]),
        bad("record outside subtree", Method::GET, format!("/v1/console/inspections/{inspection}"), 404)
            .token(&la)
            .ids(&[&inspection]),
        bad("bad id", Method::GET, "/v1/console/cases/CASE%20X", 400).token(&chen).ids(&["CASE X"]),
        bad("unknown user", Method::POST, "/v1/admin/users/nobody/enrollment", 404).token(&admin).ids(&["nobody"]),
        bad("duplicate user", Method::POST, "/v1/admin/users", 409)
            .token(&admin)
            .json(json!({
            "username": "lin", "name": "林", "role": "inspector", "jurisdiction_id": "qs"}))
            .ids(&["lin"]),
        bad("bad role", Method::POST, "/v1/admin/users", 400)
            .token(&admin)
            .json(json!({
            "username": "x1", "name": "X", "role": "king", "jurisdiction_id": "qs"}))
            .ids(&["king"]),
        bad("bad date", Method::GET, "/v1/console/inspections?from=yesterday", 400).token(&chen).ids(&["yesterday"]),
        bad("bad page", Method::GET, "/v1/console/inspections?page=abc", 400).token(&chen).ids(&["abc"]),
        bad("bad filter", Method::GET, "/v1/console/inspections?shift=dawn", 400).token(&chen),
        bad("bad case state", Method::POST, format!("/v1/decisions/cases/{case}/advance"), 400)
            .token(&chen)
            .json(json!({"to": "heaven"}))
            .ids(&["heaven"]),
        bad("unknown case", Method::POST, "/v1/decisions/cases/case-none/advance", 404)
            .token(&chen)
            .json(json!({"to": "verifying"}))
            .ids(&["case-none"]),
        bad("bad decision", Method::POST, format!("/v1/decisions/inspections/{inspection}/review"), 400)
            .token(&chen)
            .json(json!({"decision": "burn"}))
            .ids(&["burn"]),
        bad("bad evidence hash", Method::GET, "/v1/evidence/zz/original", 400).token(&chen),
        bad("unknown evidence", Method::GET, format!("/v1/evidence/{unknown_hash}/original"), 404).token(&chen),
        bad("tip unknown code", Method::GET, "/v1/tips/nothing-here", 404),
        // Sync.
        bad("pull bad cursor", Method::GET, "/v1/sync/pull?cursor=abc", 400).token(&lin_token).sync().ids(&["abc"]),
        bad("pull no protocol", Method::GET, "/v1/sync/pull", 400).token(&lin_token),
        bad("push refused by scope", Method::POST, "/v1/sync/push", 403)
            .token(&lin_token)
            .sync()
            .body(push_outside)
            .ids(&[&outside]),
    ];

    let mut failures = Vec::new();
    for c in &cases {
        let mut r = env.http.request(c.method.clone(), env.url(&c.path)).body(c.body.clone());
        if let Some(t) = &c.token {
            r = r.bearer_auth(t);
        }
        if c.protocol {
            r = r.header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
        }
        let response = match r.send() {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: no response: {e}", c.name));
                continue;
            }
        };
        let status = response.status().as_u16();
        let json_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let text = response.text().unwrap_or_default();
        if status != c.status {
            failures.push(format!("{}: want {}, got {status} {text:.300}", c.name, c.status));
        } else if !json_type {
            failures.push(format!("{}: not declared as JSON: {text:.300}", c.name));
        } else if let Some(why) = problem(&text, &c.ids) {
            failures.push(format!("{}: {why}", c.name));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// A wrong method keeps telling which methods the path takes.
#[test]
fn a_wrong_method_still_names_the_allowed_ones() {
    let env = Env::demo();
    let r = env.http.delete(env.url("/v1/login")).send().unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers().get("allow").is_some_and(|v| v.to_str().unwrap().contains("POST")), "{:?}", r.headers());
}
