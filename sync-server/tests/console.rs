//! The supervisor console over HTTP: permissions by role and subtree, filters, decisions that
//! reach devices, tips and exports (the evidence package and its verifier: `package.rs`).

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;
use xuncha_core::{Review, Store};
use xuncha_server::console::package::verify::{Trust, verify_files};

/// Every console read endpoint, for the role checks.
fn console_gets(inspection: &str, case: &str) -> Vec<String> {
    vec![
        "/v1/console/meta".into(),
        "/v1/console/inspections".into(),
        "/v1/console/inspections.csv".into(),
        format!("/v1/console/inspections/{inspection}"),
        "/v1/console/cases".into(),
        "/v1/console/cases.csv".into(),
        format!("/v1/console/cases/{case}"),
        format!("/v1/console/cases/{case}/package.zip"),
        "/v1/console/deployment-key".into(),
        "/v1/console/ledger".into(),
        "/v1/console/patrols".into(),
        "/v1/console/report".into(),
    ]
}

#[test]
fn a_township_supervisor_sees_and_acts_only_within_their_subtree() {
    let env = Env::demo();
    let la = env.login(LA_SUP);
    let inspection = env.inspection_id();
    let case = env.tip_case_id();
    let photo = env.server.state.replica.evidence_for_record(&inspection).unwrap()[0].payload.content_hash.clone();

    // Lists hold nothing of 桂香镇.
    assert_eq!(env.get_json("/v1/console/inspections", &la)["total"], 0);
    let board = env.get_json("/v1/console/cases", &la);
    assert_eq!(board["total"], 0, "{board}");
    let csv = env.get("/v1/console/inspections.csv", &la).text().unwrap();
    assert!(!csv.contains(&inspection));
    assert!(!env.get("/v1/console/cases.csv", &la).text().unwrap().contains(&case));
    let ledger = env.get_json("/v1/console/ledger", &la);
    assert!(ledger["total"].as_u64().unwrap() > 0);
    assert!(
        ledger["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["jurisdiction_id"].as_str().unwrap().starts_with("qs-yx-la"))
    );
    let patrols = env.get_json("/v1/console/patrols", &la);
    assert!(
        patrols["grids"].as_array().unwrap().iter().all(|g| g["grid_id"].as_str().unwrap().starts_with("qs-yx-la"))
    );
    assert_eq!(env.get_json("/v1/console/report", &la)["inspections"]["total"], 0);
    let meta = env.get_json("/v1/console/meta", &la);
    assert!(
        meta["jurisdictions"].as_array().unwrap().iter().all(|j| j["id"].as_str().unwrap().starts_with("qs-yx-la"))
    );

    // Asking for the other township's node is refused.
    for path in [
        "/v1/console/inspections?node=qs-yx-gx",
        "/v1/console/inspections.csv?node=qs-yx-gx",
        "/v1/console/cases?node=qs-yx-gx",
        "/v1/console/ledger?node=qs-yx-gx-hq-g1",
        "/v1/console/patrols?node=qs-yx",
        "/v1/console/report?node=qs-yx-gx",
    ] {
        assert_eq!(env.get(path, &la).status(), StatusCode::FORBIDDEN, "{path}");
    }
    // Its records are not found, and not downloadable.
    for path in [
        format!("/v1/console/inspections/{inspection}"),
        format!("/v1/console/cases/{case}"),
        format!("/v1/console/cases/{case}/package.zip"),
        format!("/v1/evidence/{photo}/thumbnail"),
        format!("/v1/evidence/{photo}/original"),
    ] {
        assert_eq!(env.get(&path, &la).status(), StatusCode::NOT_FOUND, "{path}");
    }
    // And it cannot act on them.
    let review = json!({"decision": "reinspection_requested", "reason": "越权"});
    let forbidden = [
        env.post(&format!("/v1/decisions/inspections/{inspection}/review"), &la, review),
        env.post(&format!("/v1/decisions/inspections/{inspection}/case"), &la, json!({"summary": "越权立案"})),
        env.post(&format!("/v1/decisions/cases/{case}/assign"), &la, json!({"department": "公安局"})),
        env.post(&format!("/v1/decisions/cases/{case}/advance"), &la, json!({"to": "investigating"})),
    ];
    for r in forbidden {
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = env.post(&format!("/v1/console/cases/{case}/step"), &la, json!({"to": "investigating", "note": "越权"}));
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let gx_entry = env.get_json("/v1/console/ledger", &env.login(CHEN))["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["jurisdiction_id"].as_str().unwrap().starts_with("qs-yx-gx"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = env.post(&format!("/v1/console/ledger/{gx_entry}/move"), &la, json!({"status": "out", "reason": "越权"}));
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Nothing changed.
    let i = env.server.state.replica.inspection(&inspection).unwrap();
    assert_eq!(i.review, None);
    assert!(env.server.state.replica.case(&case).unwrap().department.as_deref() != Some("公安局"));
}

#[test]
fn the_county_and_the_right_township_supervisor_see_and_act() {
    let env = Env::demo();
    let inspection = env.inspection_id();
    let case = env.tip_case_id();
    for who in [CHEN, GX_SUP, ADMIN] {
        let token = env.login(who);
        assert_eq!(env.get_json("/v1/console/inspections", &token)["total"], 1, "{}", who.0);
        for path in console_gets(&inspection, &case) {
            assert_eq!(env.get(&path, &token).status(), StatusCode::OK, "{} GET {path}", who.0);
        }
        assert_eq!(env.get("/v1/console/inspections?node=qs-yx-gx-hq", &token).status(), StatusCode::OK);
    }
    // The township supervisor acts on its own records.
    let gx = env.login(GX_SUP);
    let r = env.post(&format!("/v1/decisions/cases/{case}/assign"), &gx, json!({"department": "市场监管局"}));
    assert_eq!(r.status(), StatusCode::OK);
    let r = env.post(
        &format!("/v1/console/cases/{case}/step"),
        &gx,
        json!({"to": "investigating", "department": "市场监管局", "note": "联合取证"}),
    );
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().unwrap());
    let c = env.server.state.replica.case(&case).unwrap();
    assert_eq!(c.state.as_str(), "investigating");
    assert_eq!(c.steps.last().unwrap().by, "测试gx-sup");
}

#[test]
fn field_staff_and_devices_cannot_use_the_console() {
    let env = Env::demo();
    let inspection = env.inspection_id();
    let case = env.tip_case_id();
    let device_token = enrol_token(&env, "zhao");
    for token in [env.login(INSPECTOR), env.login(CAPTAIN), device_token] {
        for path in console_gets(&inspection, &case) {
            assert_eq!(env.get(&path, &token).status(), StatusCode::FORBIDDEN, "GET {path}");
        }
        let r = env.post(&format!("/v1/console/cases/{case}/step"), &token, json!({"to": "investigating"}));
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    for path in console_gets(&inspection, &case) {
        assert_eq!(env.http.get(env.url(&path)).send().unwrap().status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // A signed-out session stops working.
    let token = env.login(CHEN);
    assert_eq!(env.post("/v1/console/logout", &token, json!({})).status(), StatusCode::OK);
    assert_eq!(env.get("/v1/console/meta", &token).status(), StatusCode::UNAUTHORIZED);
}

/// Enrols a device for `username` by hand and returns its token.
fn enrol_token(env: &Env, username: &str) -> String {
    let store = Store::open(env.dir.path().join(format!("raw-{username}"))).unwrap();
    env.device_token(&store, username)
}

#[test]
fn filters_search_and_integrity_status() {
    let env = Env::demo();
    let chen = env.login(CHEN);
    let total = |q: &str| env.get_json(&format!("/v1/console/inspections?{q}"), &chen)["total"].as_u64().unwrap();
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(total(""), 1);
    assert_eq!(total("shift=night"), 1);
    assert_eq!(total("shift=day"), 0);
    assert_eq!(total("mode=joint"), 1);
    assert_eq!(total("mode=spot"), 0);
    assert_eq!(total("node=qs-yx-gx-hq-g1"), 1);
    assert_eq!(total("node=qs-yx-gx-sm"), 0);
    assert_eq!(total("department=%E5%B8%82%E5%9C%BA%E7%9B%91%E7%AE%A1%E5%B1%80"), 1); // 市场监管局
    assert_eq!(total("department=%E5%85%AC%E5%AE%89%E5%B1%80"), 0); // 公安局
    assert_eq!(total("conclusion=none"), 1);
    assert_eq!(total("conclusion=confirmed"), 0);
    assert_eq!(total(&format!("from={today}&to={today}")), 1);
    assert_eq!(total(&format!("from={tomorrow}")), 0);
    assert_eq!(total("conflicts=1"), 0);
    assert_eq!(total("conflicts=0"), 1);
    assert_eq!(total("photo_pending=1"), 0);
    assert_eq!(total("q=%E6%95%B0%E5%AD%A6"), 1); // 数学, in an answer's note
    assert_eq!(total("q=%E8%8D%B7%E6%A1%A5%E8%8A%B1%E5%9B%AD"), 1); // 荷桥花园, the place
    assert_eq!(total("q=%E8%8B%B1%E8%AF%AD"), 0); // 英语
    assert_eq!(env.get("/v1/console/inspections?shift=noon", &chen).status(), StatusCode::BAD_REQUEST);
    assert_eq!(env.get("/v1/console/inspections?from=yesterday", &chen).status(), StatusCode::BAD_REQUEST);
    assert_eq!(env.get("/v1/console/inspections?review=maybe", &chen).status(), StatusCode::BAD_REQUEST);
    // Paging past the end: the total stays, the page is empty.
    let past = env.get_json("/v1/console/inspections?per_page=1&page=2", &chen);
    assert_eq!((past["total"].as_u64(), past["rows"].as_array().map(Vec::len)), (Some(1), Some(0)));
    assert_eq!((total("review=none"), total("review=approved")), (1, 0));
    let reviewed = env.post(
        &format!("/v1/decisions/inspections/{}/review", env.inspection_id()),
        &chen,
        json!({"decision": "approved"}),
    );
    assert_eq!(reviewed.status(), StatusCode::OK);
    assert_eq!((total("review=none"), total("review=approved"), total("review=reinspection_requested")), (0, 1, 0));

    // The detail: answers with who answered, findings, audit, evidence verified with GPS.
    let id = env.inspection_id();
    let d = env.get_json(&format!("/v1/console/inspections/{id}"), &chen);
    let i01 = d["items"].as_array().unwrap().iter().find(|i| i["item_id"] == "I01").unwrap();
    assert_eq!(i01["answer"]["answered_by"]["name"], "林晓雯");
    assert_eq!(i01["evidence"].as_array().unwrap().len(), 1);
    assert_eq!(d["findings"].as_array().unwrap().len(), 1);
    assert!(d["audit"].as_array().unwrap().len() > 5);
    assert_eq!(d["evidence"][0]["integrity"]["status"], "verified");
    assert_eq!(d["evidence"][0]["gps"]["accuracy_m"], 8.0);
    assert_eq!(d["jurisdiction"]["bounds"].as_array().unwrap().len(), 4);

    // A photo whose metadata synced but whose bytes did not: pending.
    let store = Store::open(env.dir.path().join("phone-sun")).unwrap();
    store.sign_in(xuncha_fixtures::officers()[3].clone()).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    let token = env.device_token(&store, "sun");
    let pending = pending_photo(&env, &store, &token);
    assert_eq!(total("photo_pending=1"), 1);
    let d = env.get_json(&format!("/v1/console/inspections/{pending}"), &chen);
    assert_eq!(d["evidence"][0]["integrity"]["status"], "pending", "{}", d["evidence"]);

    // The status is the one verified when the bytes arrived: a page view reads no bytes. (A
    // file changed on the server afterwards fails its evidence package: see tests/package.rs.)
    let hash = env.server.state.replica.evidence_for_record(&id).unwrap()[0].payload.content_hash.clone();
    let path = env.server.state.replica.content_path(&hash);
    std::fs::remove_file(&path).unwrap();
    let d = env.get_json(&format!("/v1/console/inspections/{id}"), &chen);
    assert_eq!(d["evidence"][0]["integrity"]["status"], "verified", "{}", d["evidence"]);
}

/// Starts an inspection with a photo on `store` and pushes it without uploading the bytes.
fn pending_photo(env: &Env, store: &Store, token: &str) -> String {
    use xuncha_core::sync::protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION};
    use xuncha_core::*;
    let id = store
        .start_inspection(NewInspection {
            template_id: xuncha_fixtures::TEMPLATE_ID.into(),
            template_version: 1,
            jurisdiction_id: "qs-yx-gx-sm-g1".into(),
            shift: Shift::Day,
            mode: Mode::Spot,
            approach: Approach::Undercover,
            place_id: None,
            ledger_id: None,
        })
        .unwrap();
    let photo = xuncha_fixtures::photos::jpeg(&xuncha_fixtures::photos::phone_spec(7, 26.66, 106.97));
    store.add_photo(&photo, &Capture { record_id: id.clone(), item_id: None, gps: None, corrects: None }).unwrap();
    let batch = store.next_push(usize::MAX).unwrap();
    let r = env
        .http
        .post(env.url("/v1/sync/push"))
        .bearer_auth(token)
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .body(batch.request.encode())
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().unwrap());
    id
}

#[test]
fn a_review_reaches_the_device_at_its_next_sync() {
    let env = Env::demo();
    let chen = env.login(CHEN);
    let id = env.inspection_id();
    let phone =
        xuncha_server::demo::Phone::enrol(&env.server.state, &env.server.url(), &env.dir.path().join("lin2"), "lin")
            .unwrap();
    phone.sync().unwrap();
    assert_eq!(phone.store.inspection(&id).unwrap().review, None);
    let r = env.post(
        &format!("/v1/decisions/inspections/{id}/review"),
        &chen,
        json!({"decision": "reinspection_requested", "reason": "照片未体现授课内容"}),
    );
    assert_eq!(r.status(), StatusCode::OK);
    phone.sync().unwrap();
    let i = phone.store.inspection(&id).unwrap();
    assert_eq!(i.review, Some(Review::ReinspectionRequested));
    assert_eq!(i.review_reason.as_deref(), Some("照片未体现授课内容"));
    let row = &env.get_json("/v1/console/inspections", &chen)["rows"][0];
    assert_eq!(row["review"], "reinspection_requested");
}

#[test]
fn case_steps_carry_evidence_and_the_reporter_sees_the_feedback() {
    let env = Env::demo();
    let chen = env.login(CHEN);
    let id = env.inspection_id();
    let r = env.post(
        &format!("/v1/decisions/inspections/{id}/case"),
        &chen,
        json!({"summary": "荷桥花园一对一补课", "deadline_ms": 1}),
    );
    let case: String = r.json::<Value>().unwrap()["case_id"].as_str().unwrap().into();
    // Past its deadline: overdue on the board.
    let board = env.get_json("/v1/console/cases", &chen);
    assert_eq!(board["overdue"], 1, "{board}");
    let received = board["columns"].as_array().unwrap().iter().find(|c| c["state"] == "received").unwrap();
    assert_eq!(received["cases"][0]["overdue"], true);
    assert_eq!(env.get_json("/v1/console/cases?overdue=1", &chen)["total"], 1);

    let evidence = env.get_json(&format!("/v1/console/cases/{case}"), &chen)["evidence"][0]["entry_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = env.post(
        &format!("/v1/console/cases/{case}/step"),
        &chen,
        json!({"to": "verifying", "note": "核查属实", "evidence": ["0".repeat(64)]}),
    );
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = env.post(
        &format!("/v1/console/cases/{case}/step"),
        &chen,
        json!({"to": "verifying", "department": "教育局", "note": "核查属实", "evidence": [evidence]}),
    );
    assert_eq!(r.status(), StatusCode::OK);
    let r = env.post(&format!("/v1/console/cases/{case}/step"), &chen, json!({"to": "closed"}));
    assert_eq!(r.status(), StatusCode::CONFLICT, "the loop allows no jump");
    let d = env.get_json(&format!("/v1/console/cases/{case}"), &chen);
    assert_eq!(d["steps"][0]["evidence"][0], evidence);
    assert_eq!(d["inspection"]["id"], id);

    // A tip from the public, through to feedback.
    let tip = env
        .http
        .post(env.url("/v1/tips"))
        .json(&json!({"area": "qs-yx-la-jh", "description": "镜湖小区5栋每晚有初中生上数学课", "place": "镜湖小区5栋"}))
        .send()
        .unwrap();
    assert_eq!(tip.status(), StatusCode::CREATED);
    let code = tip.json::<Value>().unwrap()["tracking_code"].as_str().unwrap().to_owned();
    let la = env.login(LA_SUP);
    for (to, note) in [("verifying", ""), ("feedback_given", "经核查，已责令停止违规培训")] {
        let r = env.post(&format!("/v1/console/cases/{code}/step"), &la, json!({"to": to, "note": note}));
        assert_eq!(r.status(), StatusCode::OK, "{to}");
    }
    let r = env.post(&format!("/v1/console/cases/{code}/step"), &la, json!({"to": "closed"}));
    assert_eq!(r.status(), StatusCode::OK);
    let status: Value = env.http.get(env.url(&format!("/v1/tips/{code}"))).send().unwrap().json().unwrap();
    assert_eq!(status["state"], "closed");
    assert_eq!(status["feedback"], "经核查，已责令停止违规培训");
    // Only tips can be looked up, and nothing else of them is shown.
    assert_eq!(env.http.get(env.url(&format!("/v1/tips/{case}"))).send().unwrap().status(), StatusCode::NOT_FOUND);
    assert!(status.get("summary").is_none());
}

#[test]
fn tips_enter_as_leads_and_are_limited() {
    let env = Env::demo();
    let chen = env.login(CHEN);
    let post = |body: Value| env.http.post(env.url("/v1/tips")).json(&body).send().unwrap();
    let areas: Value = env.http.get(env.url("/v1/tips/areas")).send().unwrap().json().unwrap();
    assert!(areas["areas"].as_array().unwrap().iter().any(|a| a["id"] == "qs-yx-gx-hq"));
    assert!(areas["areas"].as_array().unwrap().iter().all(|a| a["level"] != "grid"));

    // A tip is a lead ("received", source tip) on the board of the area's supervisors.
    let r = post(json!({"area": "qs-yx-gx-hq", "description": "荷桥花园2栋周末有学生补课", "place": "荷桥花园2栋"}));
    assert_eq!(r.status(), StatusCode::CREATED);
    let r: Value = r.json().unwrap();
    let code = r["tracking_code"].as_str().unwrap();
    let d = env.get_json(&format!("/v1/console/cases/{code}"), &chen);
    assert_eq!(d["source"], "tip");
    assert_eq!(d["state"], "received");
    assert_eq!(d["summary"], "随手拍：荷桥花园2栋周末有学生补课（地点：荷桥花园2栋）");
    assert!(d["deadline_ms"].as_i64().unwrap() > chrono::Utc::now().timestamp_millis());
    let status: Value = env.http.get(env.url(&format!("/v1/tips/{code}"))).send().unwrap().json().unwrap();
    assert_eq!(status["state"], "received");
    // Devices of the area pull it like any decision.
    let phone =
        xuncha_server::demo::Phone::enrol(&env.server.state, &env.server.url(), &env.dir.path().join("zhou"), "zhou")
            .unwrap();
    phone.sync().unwrap();
    assert_eq!(phone.store.case(code).unwrap().summary, d["summary"].as_str().unwrap());

    // Without EXIF the photo is not evidence, but the tip is kept.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(b"\xff\xd8\xff\xd9");
    let r: Value =
        post(json!({"area": "qs-yx-gx", "description": "桂香镇有人发补课传单", "photo_base64": b64})).json().unwrap();
    assert_eq!(r["photo_attached"], false);
    assert!(r["photo_problem"].is_string());

    // Refusals. Each request that reaches the handler counts against the limit of 5 per
    // address in 10 minutes (two above); a body over the size limit is refused before.
    assert_eq!(post(json!({"area": "", "description": "有人补课有人补课"})).status(), StatusCode::BAD_REQUEST);
    assert_eq!(post(json!({"area": "qs-yx", "description": "短"})).status(), StatusCode::BAD_REQUEST);
    let big = "A".repeat(8 * 1024 * 1024 + 64 * 1024); // over the 8 MB + 16 KB body limit
    let r = post(json!({"area": "qs-yx", "description": "照片太大了的举报", "photo_base64": big}));
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let fifth = post(json!({"area": "qs-yx", "description": "又发现有人补课"}));
    assert_eq!(fifth.status(), StatusCode::CREATED);
    let sixth = post(json!({"area": "qs-yx", "description": "又发现有人补课"}));
    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.json::<Value>().unwrap()["code"], "rate_limited");
    // Every accepted tip is a lead in the case board.
    let tips = env.server.state.replica.list_cases("qs", Some(xuncha_core::CaseState::Received)).unwrap();
    assert!(tips.iter().filter(|c| c.source == xuncha_core::CaseSource::Tip).count() >= 2);
}

/// A camera photo sent with a tip is evidence of the lead: signed by the server's replica key,
/// in the log for devices, downloadable, and in the case's evidence package.
#[test]
fn a_tip_photo_becomes_verified_evidence_of_the_lead() {
    use base64::Engine;
    let env = Env::demo();
    let chen = env.login(CHEN);
    let photo = xuncha_fixtures::photos::jpeg(&xuncha_fixtures::photos::phone_spec(3, 26.61, 106.92));
    let b64 = base64::engine::general_purpose::STANDARD.encode(&photo);
    let body = json!({"area": "qs-yx-gx-hq", "description": "荷桥花园2栋周末有学生补课", "photo_base64": format!("data:image/jpeg;base64,{b64}")});
    let r: Value = env.http.post(env.url("/v1/tips")).json(&body).send().unwrap().json().unwrap();
    assert_eq!(r["photo_attached"], true, "{r}");
    let code = r["tracking_code"].as_str().unwrap();
    let d = env.get_json(&format!("/v1/console/cases/{code}"), &chen);
    assert_eq!(d["evidence"][0]["integrity"]["status"], "verified", "{}", d["evidence"]);
    let hash = d["evidence"][0]["content_hash"].as_str().unwrap();
    assert_eq!(env.get(&format!("/v1/evidence/{hash}/original"), &chen).bytes().unwrap().len(), photo.len());
    let zip = env.get(&format!("/v1/console/cases/{code}/package.zip"), &chen).bytes().unwrap();
    let files = xuncha_server::console::package::archive::read(&zip).unwrap();
    let trust = Trust::deployment(env.server.state.deployment_key.public());
    assert_eq!(verify_files(&files, &trust).exit_code(), 0);
}

#[test]
fn a_bot_or_an_unknown_area_is_refused() {
    let env = Env::demo();
    let post = |body: Value| env.http.post(env.url("/v1/tips")).json(&body).send().unwrap();
    let r = post(json!({"area": "qs-yx", "description": "有人补课有人补课", "website": "http://spam"}));
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        post(json!({"area": "qs-nowhere", "description": "有人补课有人补课"})).status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(post(json!({"area": "qs", "description": "有人补课有人补课"})).status(), StatusCode::BAD_REQUEST);
    assert_eq!(post(json!({"description": "有人补课有人补课"})).status(), StatusCode::BAD_REQUEST);
    assert_eq!(env.server.state.replica.list_cases("qs-yx", Some(xuncha_core::CaseState::Received)).unwrap().len(), 0);
}

#[test]
fn csv_exports_and_the_self_contained_pages() {
    let env = Env::demo();
    let chen = env.login(CHEN);
    let r = env.get("/v1/console/inspections.csv?shift=night", &chen);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().unwrap();
    assert!(csv.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].contains("检查编号") && lines[1].contains("荷桥花园小区") && lines[1].contains("夜查"));
    assert_eq!(
        env.get("/v1/console/inspections.csv?shift=day", &chen).text().unwrap().trim_end().split("\r\n").count(),
        1
    );
    let cases = env.get("/v1/console/cases.csv", &chen).text().unwrap();
    assert!(cases.contains("随手拍") && cases.contains("核查"));

    for (path, kind) in [
        ("/", "text/html"),
        ("/console.js", "text/javascript"),
        ("/console.css", "text/css"),
        ("/tip", "text/html"),
        ("/tip.js", "text/javascript"),
    ] {
        let r = env.http.get(env.url(path)).send().unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(kind));
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        // The SVG namespace is a name, not a download.
        let body = r.text().unwrap().replace("http://www.w3.org/2000/svg", "");
        // Nothing is loaded from elsewhere: no CDN, no web fonts, no map tiles.
        assert!(!body.contains("http://") && !body.contains("https://") && !body.contains("//cdn"), "{path}");
    }
    assert!(env.http.get(env.url("/")).send().unwrap().text().unwrap().contains("巡查"));
}

#[test]
fn ledger_moves_patrol_coverage_and_the_quarterly_report() {
    let env = Env::demo();
    let chen = env.login(CHEN);
    let ledger = env.get_json("/v1/console/ledger", &chen);
    let entry = ledger["entries"][0].clone();
    let id = entry["id"].as_str().unwrap();
    assert_eq!(entry["status"], "in");
    assert_eq!(entry["history"].as_array().unwrap().len(), 1);
    let r =
        env.post(&format!("/v1/console/ledger/{id}/move"), &chen, json!({"status": "out", "reason": "已停业并注销"}));
    assert_eq!(r.status(), StatusCode::OK);
    let after = env.get_json("/v1/console/ledger?status=out", &chen);
    assert_eq!(after["total"], 1);
    assert_eq!(after["entries"][0]["history"].as_array().unwrap().len(), 2);
    assert_eq!(
        env.post(&format!("/v1/console/ledger/{id}/move"), &chen, json!({"status": "out", "reason": "再出"}))
            .status()
            .as_u16(),
        422
    );

    let p = env.get_json("/v1/console/patrols?weeks=4", &chen);
    assert_eq!(p["weeks"].as_array().unwrap().len(), 4);
    let g1 = p["grids"].as_array().unwrap().iter().find(|g| g["grid_id"] == "qs-yx-gx-hq-g1").unwrap();
    assert_eq!(g1["total"], 1);
    assert_eq!(g1["per_week"][3], 1);
    assert_eq!(g1["nothing_found"], 1);
    assert_eq!(p["not_patrolled"].as_array().unwrap().len(), 7, "eight grids, one patrolled");

    // A decided case is a typical-case candidate of its quarter.
    let case = env.tip_case_id();
    for (to, note) in [("investigating", "联合取证"), ("decided", "责令停止培训，退还费用")] {
        assert_eq!(
            env.post(&format!("/v1/console/cases/{case}/step"), &chen, json!({"to": to, "note": note})).status(),
            StatusCode::OK
        );
    }
    let r = env.get_json("/v1/console/report", &chen);
    assert_eq!(r["inspections"]["total"], 1);
    assert_eq!(r["patrols"]["total"], 1);
    assert_eq!(r["typical_cases"][0]["decision"], "责令停止培训，退还费用");
    let other_year = env.get_json("/v1/console/report?year=2020&quarter=1", &chen);
    assert_eq!(other_year["typical_cases"].as_array().unwrap().len(), 0);
}

#[test]
fn conflicting_answers_are_shown_and_filterable() {
    use xuncha_core::AnswerValue;
    let env = Env::demo();
    let chen = env.login(CHEN);
    let id = env.inspection_id();
    let phone = |user: &str| {
        let p =
            xuncha_server::demo::Phone::enrol(&env.server.state, &env.server.url(), &env.dir.path().join(user), user)
                .unwrap();
        p.sync().unwrap();
        p
    };
    let (lin, zhao) = (phone("lin"), phone("zhao"));
    // Both answer I02 offline, neither having seen the other's answer.
    lin.store.answer_item(&id, "I02", AnswerValue::Yes, "有三名学生合伙请老师").unwrap();
    zhao.store.answer_item(&id, "I02", AnswerValue::No, "未发现").unwrap();
    lin.sync().unwrap();
    zhao.sync().unwrap();
    let total = |q: &str| env.get_json(&format!("/v1/console/inspections?{q}"), &chen)["total"].as_u64().unwrap();
    assert_eq!(total("conflicts=1"), 1);
    assert_eq!(total("conflicts=0"), 0);
    let d = env.get_json(&format!("/v1/console/inspections/{id}"), &chen);
    let i02 = d["items"].as_array().unwrap().iter().find(|i| i["item_id"] == "I02").unwrap();
    assert_eq!(i02["conflict"].as_array().unwrap().len(), 2, "{i02}");
    assert!(d["conflicts"].as_array().unwrap().iter().any(|c| c["field"] == "answers.I02"));
    let row = &env.get_json("/v1/console/inspections", &chen)["rows"][0];
    assert_eq!(row["has_conflicts"], true);
}

/// A photo the camera or a tool wrote oddly (no EXIF, CMYK colour) is evidence all the same:
/// the console lists it with each flag named in Chinese, and its thumbnail is in normal colour.
#[test]
fn an_odd_photo_is_evidence_with_its_flags_named_in_chinese() {
    use base64::Engine;
    use xuncha_fixtures::photos::{Coding, PhotoSpec, jpeg_coded, phone_spec, test_card};
    let env = Env::demo();
    let chen = env.login(CHEN);
    let tip = |photo: &[u8]| -> Value {
        let b64 = base64::engine::general_purpose::STANDARD.encode(photo);
        let body = json!({"area": "qs-yx-gx-hq", "description": "荷桥花园2栋周末有学生补课", "photo_base64": b64});
        let r: Value = env.http.post(env.url("/v1/tips")).json(&body).send().unwrap().json().unwrap();
        assert_eq!(r["photo_attached"], true, "{r}");
        let code = r["tracking_code"].as_str().unwrap();
        env.get_json(&format!("/v1/console/cases/{code}"), &chen)["evidence"][0].clone()
    };
    let ev = tip(&jpeg_coded(&PhotoSpec { exif: None, ..phone_spec(12, 26.61, 106.92) }, Coding::AdobeCmyk));
    assert_eq!(ev["integrity"]["status"], "verified", "{ev}");
    let codes: Vec<&str> = ev["flags"].as_array().unwrap().iter().map(|f| f["flag"].as_str().unwrap()).collect();
    assert_eq!(codes, ["no_gps_fix", "no_exif", "cmyk_colour"]);
    let labels: Vec<&str> = ev["flag_labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(labels, ["无定位", "照片无 EXIF 信息（非相机原图或已被处理）", "CMYK 印刷色彩（非相机原图）"]);

    // A CMYK card (red left, blue right) has a thumbnail in screen colours.
    let ev = tip(&test_card(640, 480, 1, Coding::AdobeCmyk));
    let hash = ev["content_hash"].as_str().unwrap();
    let thumb = env.get(&format!("/v1/evidence/{hash}/thumbnail"), &chen).bytes().unwrap();
    let thumb = image::load_from_memory(&thumb).unwrap().to_rgb8();
    let [r, _, b] = thumb.get_pixel(80, 180).0;
    assert!(r > 180 && b < 80, "left half is red, got {:?}", thumb.get_pixel(80, 180));

    // The console's badge table names every flag core can raise.
    let js = include_str!("../src/console/static/console.js");
    for code in xuncha_core::evidence::FLAG_CODES {
        assert!(js.contains(&format!("{code}: '")), "console.js has no label for flag {code}");
    }
}
