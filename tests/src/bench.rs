//! What the benchmarks share: the output line, repetitions and their median, process memory
//! read from /proc, and child processes. A bench binary runs itself again in another role (a
//! server, a pulling phone), so that a server or a device is measured as a process of its own.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// One figure, in the one format `scripts/bench` passes on.
pub fn bench(name: &str, value: f64, unit: &str) {
    println!("bench {name} {value:.3} {unit}");
}

/// Repetitions of each figure inside one run (`BENCH_REPS`, default 3); every timed figure is
/// the median of these, so one slow moment of a shared machine does not make the figure.
pub fn reps() -> usize {
    std::env::var("BENCH_REPS").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(3)
}

/// The median (the mean of the two middle values for an even count).
pub fn median(values: &[f64]) -> f64 {
    assert!(!values.is_empty(), "a median of nothing");
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// The p-th percentile (0..1) by nearest rank.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Where benchmarks put their data: `BENCH_DIR` (scripts/bench sets it to `target/`, on disk,
/// so fsync costs what it costs), or the working directory.
pub fn bench_dir() -> PathBuf {
    std::env::var_os("BENCH_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

pub fn tempdir() -> tempfile::TempDir {
    std::fs::create_dir_all(bench_dir()).unwrap();
    tempfile::tempdir_in(bench_dir()).unwrap()
}

/// Scratch space where fsync is free (tmpfs), for data made only to be sent, never measured.
pub fn scratch_dir() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm").unwrap_or_else(|_| tempdir())
}

/// A field of /proc/<pid>/status in MB: `VmRSS` (now) or `VmHWM` (peak).
pub fn proc_mb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(&format!("{field}:"))).unwrap();
    let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024.0
}

/// Seconds since `t`.
pub fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

const ROLE_FLAG: &str = "--xuncha-bench-role";

/// The role this process was started in by `spawn_role`, with its arguments; None in the
/// parent (cargo bench's own arguments).
pub fn child_role() -> Option<(String, Vec<String>)> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some(ROLE_FLAG) {
        return None;
    }
    Some((args[1].clone(), args[2..].to_vec()))
}

/// A child process talking in lines: stdin and stdout are pipes to the parent, stderr is
/// inherited. Children end when their stdin closes (see `from_parent`), so a parent that dies
/// leaves nothing running; dropping one kills it if it is still there.
pub struct ChildProcess {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl ChildProcess {
    /// This bench binary again, in `role` (see `child_role`).
    pub fn spawn(role: &str, args: &[&str]) -> ChildProcess {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command.arg(ROLE_FLAG).arg(role).args(args);
        ChildProcess::start(command)
    }

    pub fn start(mut command: Command) -> ChildProcess {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stdout = BufReader::new(child.stdout.take().unwrap());
        ChildProcess { child, stdout }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The child's next line on stdout (its answers are lines of `key value…`).
    pub fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "the child process ended without answering");
        line.trim_end().to_owned()
    }

    /// Sends a line to the child's stdin.
    pub fn say(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Says `line` and waits for the answer.
    pub fn ask(&mut self, line: &str) -> String {
        self.say(line);
        self.line()
    }

    /// Closes stdin and waits for the child to end (it ends when its stdin closes).
    pub fn finish(mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// In a child: the next line from the parent (None once the parent closed stdin).
pub fn from_parent() -> Option<String> {
    let mut line = String::new();
    match std::io::stdin().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end().to_owned()),
    }
}

/// In a child: a line to the parent.
pub fn to_parent(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// A real server process on loopback (this bench binary in the role `serve`, see
/// `serve_role`), seeded with the demo accounts, its data in `data`.
pub struct ServerProcess {
    process: ChildProcess,
    pub url: String,
    pub addr: std::net::SocketAddr,
    admin: std::sync::OnceLock<String>,
}

impl ServerProcess {
    pub fn start(data: &Path) -> ServerProcess {
        let mut process = ChildProcess::spawn("serve", &[data.to_str().unwrap()]);
        let line = process.line();
        let url = line.strip_prefix("url ").unwrap_or_else(|| panic!("the server said {line}")).to_owned();
        let addr = url.trim_start_matches("http://").parse().unwrap();
        ServerProcess { process, url, addr, admin: Default::default() }
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Resident memory of the server process now, in MB.
    pub fn rss_mb(&self) -> f64 {
        proc_mb(self.pid(), "VmRSS")
    }

    /// An enrolment code for demo account `username`, asked over HTTP as the demo admin.
    pub fn enrolment_code(&self, username: &str) -> String {
        enrolment_code(&self.url, self.admin.get_or_init(|| admin_token(&self.url)), username)
    }

    pub fn stop(self) {
        self.process.finish();
    }
}

/// Role `serve DIR`: starts the server on 127.0.0.1 (any port), seeds the demo accounts,
/// answers `url …` and serves until the parent closes stdin.
pub fn serve_role(args: &[String]) {
    let data = Path::new(&args[0]);
    let server = xuncha_server::start(data, "127.0.0.1:0").unwrap();
    xuncha_server::demo::seed(&server.state).unwrap();
    to_parent(&format!("url {}", server.url()));
    while from_parent().is_some() {}
    drop(server);
}

/// A console session of the demo admin at `url` (logged in over HTTP).
pub fn admin_token(url: &str) -> String {
    let admin = xuncha_server::demo::ACCOUNTS.iter().find(|a| a.0 == "admin").unwrap();
    let (status, body) = crate::post_json(
        &format!("{url}/v1/login"),
        None,
        &serde_json::json!({"username": admin.0, "password": admin.3.unwrap()}),
    );
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// An enrolment code for demo account `username` from the server at `url`, asked over HTTP as
/// the demo admin (what a console user does).
pub fn enrolment_code(url: &str, admin_token: &str, username: &str) -> String {
    let (status, body) = crate::post_json(
        &format!("{url}/v1/admin/users/{username}/enrollment"),
        Some(admin_token),
        &serde_json::json!({}),
    );
    assert_eq!(status, 200, "{body}");
    body["code"].as_str().unwrap().to_owned()
}

/// A new phone store for demo account `username` (its officer signed in, reference data
/// loaded), enrolled at `url` with `code`.
pub fn enrolled_phone(dir: &Path, url: &str, username: &str, code: &str) -> crate::Phone {
    let store = xuncha_core::Store::open(dir).unwrap();
    store.sign_in(crate::demo_officer(username)).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    let (client, _) = xuncha_core::sync::SyncClient::enroll(&store, url, code).unwrap();
    crate::Phone { store, client }
}

/// Copies a directory tree (a closed store or a stopped server's data).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Enrols `store`'s device as demo account `username`'s phone at `url` with a code, by hand
/// (the bench then pushes bodies it made ahead); returns the device token.
pub fn enrol_device(url: &str, store: &xuncha_core::Store, code: &str) -> String {
    let request = xuncha_core::sync::protocol::EnrollRequest {
        code: code.to_owned(),
        device_id: store.identity().device_id,
        public_key: store.device_public_key(),
        signature: store.sign_with_device_key(code.as_bytes()).unwrap(),
    };
    let (status, body) = crate::post_json(&format!("{url}/v1/enroll"), None, &serde_json::to_value(&request).unwrap());
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// Everything `store` has not pushed, as encoded push bodies of at most `max_bytes` each (what
/// its sync would send), marked pushed on the store.
pub fn drain_pushes(store: &xuncha_core::Store, max_bytes: usize) -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    loop {
        let batch = store.next_push(max_bytes).unwrap();
        if batch.request.changes.entries.is_empty() && batch.request.evidence.is_empty() {
            return bodies;
        }
        bodies.push(batch.request.encode());
        store.mark_pushed(&batch).unwrap();
    }
}

/// Answers every item that applies, as an officer finishing a check does, and adds a finding.
pub fn complete_inspection(store: &xuncha_core::Store, id: &str) {
    crate::answer_every_item(store, id);
    store.add_finding(id, "门口张贴有招生广告，已拍照").unwrap();
}
