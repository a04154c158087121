//! Shared by the console tests: a server on loopback with the demo day played, extra accounts,
//! and small HTTP helpers.
#![allow(dead_code)]

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use xuncha_server::Running;
use xuncha_server::api::accounts::{NewUserBody, create_user};

pub const CHEN: (&str, &str) = ("chen", "supervisor-demo-2026");
pub const ADMIN: (&str, &str) = ("admin", "admin-demo-2026");
/// Supervisors of the two townships, an inspector and a grid captain with passwords.
pub const LA_SUP: (&str, &str) = ("la-sup", "township-la-2026");
pub const GX_SUP: (&str, &str) = ("gx-sup", "township-gx-2026");
pub const INSPECTOR: (&str, &str) = ("insp-pw", "inspector-pw-2026");
pub const CAPTAIN: (&str, &str) = ("grid-pw", "captain-pw-2026");

pub struct Env {
    pub server: Running,
    pub dir: tempfile::TempDir,
    pub http: Client,
}

impl Env {
    /// A server with the demo seeded and the demo day played (an inspection in 桂香镇 with a
    /// verified photo, a patrol, a tip case), plus the accounts above.
    pub fn demo() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let server = xuncha_server::start(&dir.path().join("server"), "127.0.0.1:0").unwrap();
        xuncha_server::demo::run(&server).unwrap();
        let state = &server.state;
        for (user, role, node) in [
            (LA_SUP, "supervisor", "qs-yx-la"),
            (GX_SUP, "supervisor", "qs-yx-gx"),
            (INSPECTOR, "inspector", "qs-yx"),
            (CAPTAIN, "grid_captain", "qs-yx-gx-hq-g1"),
        ] {
            create_user(
                state,
                NewUserBody {
                    username: user.0.into(),
                    name: format!("测试{}", user.0),
                    role: role.into(),
                    jurisdiction_id: node.into(),
                    department: "教育局".into(),
                    cert_no: format!("QS-TEST-{}", user.0),
                    password: Some(user.1.into()),
                },
            )
            .map_err(|e| e.message)
            .unwrap();
        }
        Env { server, dir, http: Client::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    pub fn login(&self, (user, password): (&str, &str)) -> String {
        let r = self
            .http
            .post(self.url("/v1/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login {user}");
        r.json::<Value>().unwrap()["token"].as_str().unwrap().to_owned()
    }

    pub fn get(&self, path: &str, token: &str) -> Response {
        self.http.get(self.url(path)).bearer_auth(token).send().unwrap()
    }

    pub fn get_json(&self, path: &str, token: &str) -> Value {
        let r = self.get(path, token);
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().unwrap()
    }

    pub fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.http.post(self.url(path)).bearer_auth(token).json(&body).send().unwrap()
    }

    /// The demo day's inspection.
    pub fn inspection_id(&self) -> String {
        let list = self.server.state.replica.list_inspections(&Default::default(), 10, 0).unwrap();
        assert_eq!(list.len(), 1);
        list[0].id.clone()
    }

    /// The demo day's tip case (in 桂香镇).
    pub fn tip_case_id(&self) -> String {
        let cases = self.server.state.replica.list_cases("qs-yx-gx", None).unwrap();
        cases.iter().find(|c| c.source == xuncha_core::CaseSource::Tip).unwrap().id.clone()
    }

    /// Enrols `store` as a device of `username` by hand, as a phone does; returns its token.
    pub fn device_token(&self, store: &xuncha_core::Store, username: &str) -> String {
        let code = xuncha_server::api::accounts::issue_code(&self.server.state, username).unwrap().code;
        let body = json!({
            "code": code,
            "device_id": store.identity().device_id,
            "public_key": store.device_public_key(),
            "signature": store.sign_with_device_key(code.as_bytes()).unwrap(),
        });
        let r = self.http.post(self.url("/v1/enroll")).json(&body).send().unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().unwrap()["token"].as_str().unwrap().to_owned()
    }
}

pub fn status(r: Response) -> StatusCode {
    r.status()
}
