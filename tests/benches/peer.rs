//! The peer benchmark (issue 13, item 5): xuncha's sync beside the stack a team would pick
//! instead, PouchDB (LevelDB adapter) replicating to express-pouchdb, over the same data in the
//! same run. Prints `bench <name> <value> <unit>` lines; every ratio is xuncha ÷ PouchDB:
//!
//! - `peer_push_time_ratio` (goal ≤ 1.0): a device pushing 1,000 inspections to an empty server.
//! - `peer_pull_time_ratio` (goal ≤ 1.0): a new device (a new database) pulling them all.
//! - `peer_pull_bytes_ratio` (goal ≤ 1.5): bytes from the server to the device in that pull.
//! - `peer_photo_requests_ratio` (goal ≤ 1.25): HTTP requests of the sync that sends 20 photos
//!   of ~2.9 MB (one on each of 20 of the inspections) after the documents are on the server.
//!
//! and each side's raw figures (`peer_xuncha_*`, `peer_pouchdb_*`: seconds, bytes each way,
//! requests). The same content on both sides: 1,000 inspections recorded through core's Store
//! API (13 answers and a finding each); the PouchDB documents are the JSON of those same
//! Automerge documents (`AutoSerde`), and the photos the same JPEG bytes (attachments there,
//! evidence here).
//!
//! Conditions (docs/benchmarks.md): both servers are processes of their own on loopback (xuncha:
//! this binary in the `serve` role; PouchDB: `node bench/peer/peer.js serve`), each behind a
//! counting proxy (`counting_proxy.rs`) that counts bytes and requests the same way for both.
//! xuncha's stores and server use SQLite with their own durability settings (phone
//! `synchronous = FULL`); PouchDB's LevelDB writes without fsync (its default). PouchDB runs
//! without authentication; xuncha checks a device token and every change's signature. The
//! xuncha server also holds the demo seed (places, ledger entries), which its new device pulls
//! too. Warm page cache. Each repetition (`BENCH_REPS`) starts both servers anew, on copies of
//! the same recorded device; each figure is the median, ratios are of the medians.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use xuncha_core::Store;
use xuncha_core::sync::{Progress, SyncClient};
use xuncha_e2e::bench::{
    ChildProcess, ServerProcess, bench, child_role, copy_dir, enrolled_phone, median, reps, secs, serve_role, tempdir,
};
use xuncha_e2e::counting_proxy::{CountingProxy, Tally};
use xuncha_e2e::{answer_every_item, capture, demo_officer, new_inspection};

const DOCS: usize = 1000;
const PHOTOS: usize = 20;
const GRIDS: [&str; 4] = ["qs-yx-gx-hq-g1", "qs-yx-gx-hq-g2", "qs-yx-la-jh-g1", "qs-yx-la-yp-g2"];

fn quiet(_: Progress) {}

fn main() {
    if let Some((role, args)) = child_role() {
        assert_eq!(role, "serve");
        return serve_role(&args);
    }
    let peer_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/peer");
    assert!(
        peer_dir.join("node_modules/pouchdb").is_dir(),
        "bench/peer/node_modules is missing: run `npm ci` in bench/peer (scripts/bench does)"
    );
    let dir = tempdir();
    let data = record(dir.path());
    let (mut x, mut p) = (Vec::new(), Vec::new());
    for rep in 0..reps() {
        let run = dir.path().join(format!("run{rep}"));
        x.push(xuncha_side(&data, &run.join("xuncha")));
        p.push(pouchdb_side(&data, &run.join("pouchdb"), &peer_dir));
        std::fs::remove_dir_all(&run).unwrap();
    }
    report(&x, &p);
}

/// What one side did in one repetition.
#[derive(Debug, Clone, Copy)]
struct Side {
    push_s: f64,
    push: Tally,
    pull_s: f64,
    pull: Tally,
    photo_s: f64,
    photo: Tally,
    /// xuncha only: the evidence upload requests of the photo sync.
    upload_requests: u64,
}

/// The data both sides send: a recorded phone store (closed, copied for each repetition), its
/// documents as JSON, and the photos as files.
struct Data {
    phone: PathBuf,
    docs_json: PathBuf,
    ids: Vec<String>,
    photos: Vec<PathBuf>,
}

fn record(dir: &Path) -> Data {
    let phone = dir.join("recorded-phone");
    let store = Store::open(&phone).unwrap();
    store.sign_in(demo_officer("lin")).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    store.relax_durability().unwrap();
    let ids: Vec<String> = (0..DOCS)
        .map(|i| {
            let id = store.start_inspection(new_inspection(GRIDS[i % GRIDS.len()])).unwrap();
            answer_every_item(&store, &id);
            store.add_finding(&id, "门口张贴有招生广告，已拍照").unwrap();
            id
        })
        .collect();
    // The same content as JSON documents: each Automerge document's current state.
    let docs: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| {
            let doc = automerge::Automerge::load(&store.document_bytes(id).unwrap()).unwrap();
            let mut json = serde_json::to_value(automerge::AutoSerde::from(&doc)).unwrap();
            let object = json.as_object_mut().unwrap();
            assert!(object.keys().all(|k| !k.starts_with('_')), "CouchDB reserves top-level names starting with _");
            object.insert("_id".into(), id.clone().into());
            json
        })
        .collect();
    drop(store);
    let docs_json = dir.join("docs.json");
    std::fs::write(&docs_json, serde_json::to_vec(&docs).unwrap()).unwrap();
    let photos = (0..PHOTOS)
        .map(|n| {
            let path = dir.join(format!("photo-{n}.jpg"));
            std::fs::write(&path, &*xuncha_e2e::photo_12mp(500 + n as u64)).unwrap();
            path
        })
        .collect();
    Data { phone, docs_json, ids, photos }
}

/// xuncha: a copy of the recorded phone enrolled at a new server; push, a new device's pull,
/// then the photos.
fn xuncha_side(data: &Data, dir: &Path) -> Side {
    let server = ServerProcess::start(&dir.join("server"));
    let proxy = CountingProxy::start(server.addr);
    copy_dir(&data.phone, &dir.join("phone"));
    let phone = Store::open(dir.join("phone")).unwrap();
    let (client, _) = SyncClient::enroll(&phone, &proxy.url(), &server.enrolment_code("lin")).unwrap();

    let before = proxy.tally();
    let t = Instant::now();
    client.sync(&phone, &quiet).unwrap();
    let push_s = secs(t);
    let push = proxy.since(before);
    assert_eq!(phone.sync_status().unwrap().pending_changes, 0);

    let fresh = enrolled_phone(&dir.join("fresh"), &proxy.url(), "chen", &server.enrolment_code("chen"));
    let before = proxy.tally();
    let t = Instant::now();
    fresh.client.sync(&fresh.store, &quiet).unwrap();
    let pull_s = secs(t);
    let pull = proxy.since(before);
    for id in [&data.ids[0], &data.ids[DOCS - 1]] {
        assert_eq!(fresh.store.heads(id).unwrap(), phone.heads(id).unwrap(), "the new device has the documents");
    }

    for (n, path) in data.photos.iter().enumerate() {
        phone.add_photo(&std::fs::read(path).unwrap(), &capture(&data.ids[n])).unwrap();
    }
    let before = proxy.tally();
    let t = Instant::now();
    let report = client.sync(&phone, &quiet).unwrap();
    let photo_s = secs(t);
    let photo = proxy.since(before);
    assert_eq!(report.failed_uploads, 0);
    let upload_requests = report.upload_requests;
    assert_eq!(phone.sync_status().unwrap().pending_bytes, 0, "every photo uploaded");
    drop(proxy);
    server.stop();
    Side { push_s, push, pull_s, pull, photo_s, photo, upload_requests }
}

/// PouchDB: the same documents loaded into a local LevelDB database, replicated to a new
/// express-pouchdb; a new database pulling everything; then the photos as attachments.
fn pouchdb_side(data: &Data, dir: &Path, peer_dir: &Path) -> Side {
    std::fs::create_dir_all(dir).unwrap();
    let mut server = node(peer_dir, &["serve", dir.join("server").to_str().unwrap()]);
    let url = server.line();
    let addr = url.strip_prefix("url http://").unwrap().parse().unwrap();
    let proxy = CountingProxy::start(addr);
    let remote = format!("{}/inspections", proxy.url());
    let mut client = node(peer_dir, &["client"]);
    let ok = client.ask(&format!("load {} {}", data.docs_json.display(), dir.join("local").display()));
    assert_eq!(ok, format!("ok {DOCS}"));

    let timed = |client: &mut ChildProcess, command: String| {
        let before = proxy.tally();
        let answer = client.ask(&command);
        let tally = proxy.since(before);
        let fields: Vec<&str> = answer.split(' ').collect();
        assert_eq!(fields[0], "done", "{answer}");
        (fields[1].parse::<f64>().unwrap(), fields[2].parse::<usize>().unwrap(), tally)
    };
    let (push_s, written, push) = timed(&mut client, format!("push {remote}"));
    assert_eq!(written, DOCS);
    let (pull_s, written, pull) = timed(&mut client, format!("pull {remote} {}", dir.join("fresh").display()));
    assert_eq!(written, DOCS);
    let manifest = dir.join("photos.json");
    let entries: Vec<serde_json::Value> = data
        .photos
        .iter()
        .enumerate()
        .map(|(n, path)| serde_json::json!({"doc_id": data.ids[n], "file": path, "content_type": "image/jpeg"}))
        .collect();
    std::fs::write(&manifest, serde_json::to_vec(&entries).unwrap()).unwrap();
    let (photo_s, written, photo) = timed(&mut client, format!("photos {} {remote}", manifest.display()));
    assert_eq!(written, PHOTOS);
    client.finish();
    drop(proxy);
    server.finish();
    Side { push_s, push, pull_s, pull, photo_s, photo, upload_requests: 0 }
}

/// A raw figure: its name after `peer_<side>_`, how it is read from a side, its unit.
type Figure = (&'static str, fn(&Side) -> f64, &'static str);

fn report(x: &[Side], p: &[Side]) {
    let m = |sides: &[Side], f: fn(&Side) -> f64| median(&sides.iter().map(f).collect::<Vec<_>>());
    let figures: [Figure; 12] = [
        ("push_s", |s| s.push_s, "s"),
        ("push_up_bytes", |s| s.push.up as f64, "bytes"),
        ("push_requests", |s| s.push.requests as f64, "requests"),
        ("pull_s", |s| s.pull_s, "s"),
        ("pull_bytes", |s| s.pull.down as f64, "bytes"),
        ("pull_requests", |s| s.pull.requests as f64, "requests"),
        ("photo_push_s", |s| s.photo_s, "s"),
        ("photo_up_bytes", |s| s.photo.up as f64, "bytes"),
        ("photo_requests", |s| s.photo.requests as f64, "requests"),
        ("push_down_bytes", |s| s.push.down as f64, "bytes"),
        ("pull_up_bytes", |s| s.pull.up as f64, "bytes"),
        ("photo_down_bytes", |s| s.photo.down as f64, "bytes"),
    ];
    for (name, f, unit) in figures {
        bench(&format!("peer_xuncha_{name}"), m(x, f), unit);
        bench(&format!("peer_pouchdb_{name}"), m(p, f), unit);
    }
    bench("peer_xuncha_photo_upload_requests", m(x, |s| s.upload_requests as f64), "requests");
    let ratio = |f: fn(&Side) -> f64| m(x, f) / m(p, f);
    bench("peer_push_time_ratio", ratio(|s| s.push_s), "ratio");
    bench("peer_pull_time_ratio", ratio(|s| s.pull_s), "ratio");
    bench("peer_pull_bytes_ratio", ratio(|s| s.pull.down as f64), "ratio");
    bench("peer_photo_requests_ratio", ratio(|s| s.photo.requests as f64), "ratio");
    bench("peer_photo_up_bytes_ratio", ratio(|s| s.photo.up as f64), "ratio");
}

/// `node bench/peer/peer.js ARGS…`, talking in lines.
fn node(peer_dir: &Path, args: &[&str]) -> ChildProcess {
    let mut command = Command::new("node");
    command.arg(peer_dir.join("peer.js")).args(args).current_dir(peer_dir);
    ChildProcess::start(command)
}
