//! A small W3C WebDriver client over blocking HTTP, enough to drive chromedriver: sessions,
//! navigation, finding elements, clicking, typing, scripts and screenshots. (A hand-written
//! client instead of fantoccini/thirtyfour: reqwest is already in the build, and this adds no
//! dependency tree to every `cargo test --workspace`.)
#![allow(dead_code)]

use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// chromedriver, started on a free loopback port, stopped (by its own pid) on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    pub fn start(chromedriver: &str, log: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromedriver}: {e}"));
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
        let http = reqwest::blocking::Client::new();
        let started = Instant::now();
        loop {
            let ready = http
                .get(format!("{}/status", driver.url))
                .send()
                .ok()
                .and_then(|r| r.json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                return driver;
            }
            assert!(started.elapsed() < TIMEOUT, "chromedriver did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session.
pub struct Session {
    http: reqwest::blocking::Client,
    base: String,
}

#[derive(Clone, Debug)]
pub struct Element(String);

impl Session {
    /// A new headless Chromium with a fresh profile; downloads go to `downloads`.
    pub fn new(driver: &Driver, chromium: &str, profile: &Path, downloads: &Path) -> Session {
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--lang=zh-CN", "--window-size=1400,1000",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "safebrowsing.enabled": false,
                },
            },
        }}});
        let r: Value = http.post(format!("{}/session", driver.url)).json(&caps).send().unwrap().json().unwrap();
        let id = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {r}")).to_owned();
        Session { http, base: format!("{}/session/{id}", driver.url) }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let r: Value = req.send().unwrap().json().unwrap();
        if let Some(err) = r["value"].get("error") {
            panic!("WebDriver {method} {path}: {err}: {}", r["value"]["message"]);
        }
        r["value"].clone()
    }

    fn try_call(&self, path: &str, body: Value) -> Option<Value> {
        let r: Value = self.http.post(format!("{}{path}", self.base)).json(&body).send().ok()?.json().ok()?;
        if r["value"].get("error").is_some() { None } else { Some(r["value"].clone()) }
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    pub fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap_or_default().to_owned()
    }

    pub fn find(&self, css: &str) -> Option<Element> {
        let v = self.try_call("/element", json!({"using": "css selector", "value": css}))?;
        v[ELEMENT].as_str().map(|id| Element(id.to_owned()))
    }

    pub fn find_all(&self, css: &str) -> Vec<Element> {
        self.try_call("/elements", json!({"using": "css selector", "value": css}))
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e[ELEMENT].as_str().map(|id| Element(id.to_owned())))
            .collect()
    }

    /// Waits until `css` matches an element.
    pub fn wait(&self, css: &str) -> Element {
        self.wait_for(&format!("an element {css}"), || self.find(css))
    }

    /// Waits until `check` returns Some.
    pub fn wait_for<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            if let Some(v) = check() {
                return v;
            }
            if started.elapsed() > TIMEOUT {
                let page = self.script("return document.body ? document.body.innerText.slice(0, 2000) : ''", json!([]));
                panic!("timed out waiting for {what}; the page says:\n{page}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the text of `css` contains `text`.
    pub fn wait_text(&self, css: &str, text: &str) -> Element {
        self.wait_for(&format!("{css} to contain {text:?}"), || {
            let e = self.find(css)?;
            self.text(&e).contains(text).then_some(e)
        })
    }

    pub fn click(&self, e: &Element) {
        self.call("POST", &format!("/element/{}/click", e.0), None);
    }

    pub fn click_css(&self, css: &str) {
        let e = self.wait(css);
        self.click(&e);
    }

    pub fn type_into(&self, e: &Element, text: &str) {
        self.call("POST", &format!("/element/{}/clear", e.0), None);
        self.call("POST", &format!("/element/{}/value", e.0), Some(json!({"text": text})));
    }

    pub fn text(&self, e: &Element) -> String {
        self.try_call_get(&format!("/element/{}/text", e.0))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    fn try_call_get(&self, path: &str) -> Option<Value> {
        let r: Value = self.http.get(format!("{}{path}", self.base)).send().ok()?.json().ok()?;
        if r["value"].get("error").is_some() { None } else { Some(r["value"].clone()) }
    }

    /// Selects the option with `value` of a `<select>` by clicking it, as a person would.
    pub fn choose(&self, select_css: &str, value: &str) {
        let option = self.wait(&format!("{select_css} option[value=\"{value}\"]"));
        self.click(&option);
    }

    pub fn script(&self, js: &str, args: Value) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": js, "args": args})))
    }

    /// Saves a PNG of the whole page (the window is made as tall as the page first).
    pub fn screenshot(&self, path: &Path) -> PathBuf {
        let height =
            self.script("return Math.max(document.body.scrollHeight, 800)", json!([])).as_u64().unwrap_or(1000);
        self.call("POST", "/window/rect", Some(json!({"width": 1400, "height": height.min(6000) + 140})));
        std::thread::sleep(Duration::from_millis(250));
        let png = self.call("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        self.call("POST", "/window/rect", Some(json!({"width": 1400, "height": 1000})));
        path.to_path_buf()
    }

    /// Closes the browser (also on drop, so that a failing test leaves no Chromium behind).
    pub fn quit(self) {}
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.http.delete(&self.base).send();
    }
}
