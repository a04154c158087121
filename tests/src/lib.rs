//! Helpers for end-to-end tests: a real server on a loopback port and enrolled phones.

pub use xuncha_server::demo::Phone;

/// A server on 127.0.0.1 with the demo accounts, places and ledger seeded, in a temp dir.
pub struct TestServer {
    pub server: xuncha_server::Running,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let server = xuncha_server::start(&dir.path().join("server"), "127.0.0.1:0").unwrap();
        xuncha_server::demo::seed(&server.state).unwrap();
        TestServer { server, dir }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// A phone enrolled as demo account `username`, syncing to `url` (the server, or a proxy).
    pub fn phone(&self, username: &str, url: &str) -> Phone {
        let dir =
            self.dir.path().join(format!("phone-{username}-{}", chrono::Utc::now().timestamp_nanos_opt().unwrap()));
        Phone::enrol(&self.server.state, url, &dir, username).unwrap()
    }
}
