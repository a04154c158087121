//! A new phone pulling 1,000 inspections (issue 13): documents new to it come as snapshots
//! coded with zstd, and it ends with exactly the server's documents. The same pull as a phone
//! of protocol 2 (histories) still works and gives the same documents. Bytes down are counted
//! for each way and printed: histories plain (before), histories as zstd, snapshots plain,
//! snapshots as zstd (what a phone of this build gets).

use std::sync::Mutex;
use std::time::Instant;
use xuncha_core::Store;
use xuncha_core::sync::protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse};
use xuncha_core::sync::{
    HttpRequest, HttpResponse, ReqwestTransport, SyncAccount, SyncOptions, SyncSession, Transport, compression, run,
};
use xuncha_e2e::*;

const DOCS: usize = 1000;
const GRIDS: [&str; 4] = ["qs-yx-gx-hq-g1", "qs-yx-gx-hq-g2", "qs-yx-la-jh-g1", "qs-yx-la-yp-g2"];

/// The peer benchmark's inspections: every item answered and a finding, 15 changes each.
fn record(store: &Store) -> Vec<String> {
    store.relax_durability().unwrap();
    (0..DOCS)
        .map(|i| {
            let id = store.start_inspection(new_inspection(GRIDS[i % GRIDS.len()])).unwrap();
            answer_every_item(store, &id);
            store.add_finding(&id, "门口张贴有招生广告，已拍照").unwrap();
            id
        })
        .collect()
}

/// Every pull answer from cursor 0 by a device of protocol `version`, asking for zstd or not:
/// the answers decoded, and the body bytes that came down.
fn raw_pulls(url: &str, token: &str, version: u64, zstd: bool) -> (Vec<PullResponse>, usize) {
    let (mut answers, mut bytes, mut cursor) = (Vec::new(), 0, 0);
    loop {
        let mut request = http()
            .get(format!("{url}/v1/sync/pull?cursor={cursor}"))
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, version.to_string());
        if zstd {
            request = request.header("accept-encoding", "zstd");
        }
        let response = request.send().unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let coded = response.headers().get("content-encoding").is_some();
        assert_eq!(coded, zstd, "coded only when asked");
        let body = response.bytes().unwrap().to_vec();
        bytes += body.len();
        let body = if zstd { compression::decompress(&body, u64::MAX).unwrap() } else { body };
        let pull = PullResponse::decode(&body).unwrap();
        cursor = pull.cursor;
        let more = pull.more;
        answers.push(pull);
        if !more {
            return (answers, bytes);
        }
    }
}

/// Counts the body bytes of pull answers a real sync receives.
struct Counting {
    inner: ReqwestTransport,
    pulled: Mutex<usize>,
}

impl Transport for Counting {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let pull = request.url.contains("/v1/sync/pull");
        let response = self.inner.send(request)?;
        if pull {
            assert_eq!(response.header("content-encoding"), Some("zstd"));
            *self.pulled.lock().unwrap() += response.body.len();
        }
        Ok(response)
    }
}

#[test]
fn a_new_phone_gets_the_same_documents_as_snapshots_in_a_fraction_of_the_bytes() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let started = Instant::now();
    let ids = record(&lin.store);
    lin.sync().unwrap();
    println!("recorded and pushed {DOCS} inspections in {:.1} s", started.elapsed().as_secs_f64());
    let replica = &t.server.state.replica;

    // Each way on a device of its own: a pull marks documents as delivered to its device.
    let url = t.url();
    let mut figures = Vec::new();
    for (what, version, zstd) in [
        ("histories, plain (protocol 2: before)", 2, false),
        ("histories, zstd (protocol 2)", 2, true),
        ("snapshots, plain (deflated per document)", PROTOCOL_VERSION, false),
    ] {
        let device = t.device("lin", demo_officer("lin"));
        let started = Instant::now();
        let (answers, bytes) = raw_pulls(&url, &device.token, version, zstd);
        let secs = started.elapsed().as_secs_f64();
        let snapshots: usize = answers.iter().map(|a| a.snapshots.len()).sum();
        assert_eq!(snapshots > 0, version == PROTOCOL_VERSION, "{what}: {snapshots} snapshots");
        if version == 2 && !zstd {
            // An old phone applies histories and ends with the server's documents too.
            for answer in &answers {
                device.store.apply_pull_response(answer).unwrap();
            }
            assert_same_as_replica(&device.store, replica, &ids, what);
            assert!(xuncha_core::testing::cached_documents(&device.store) < 512, "{what}: the cache stays bounded");
        }
        figures.push((what, bytes, secs));
    }

    // What a phone of this build does: a real sync, snapshots as zstd.
    let phone = t.device("lin", demo_officer("lin"));
    let transport = Counting { inner: ReqwestTransport::new(None).unwrap(), pulled: Mutex::new(0) };
    let quiet = |_: xuncha_core::sync::Progress| {};
    let account = SyncAccount::new(&url, &phone.token);
    let started = Instant::now();
    let report = run(&mut SyncSession::new(&phone.store, account, SyncOptions::default(), &quiet), &transport).unwrap();
    let secs = started.elapsed().as_secs_f64();
    figures.push(("snapshots, zstd (this build)", *transport.pulled.lock().unwrap(), secs));
    assert!(report.pulled_changes >= (DOCS * 15) as u64, "{report:?}");
    assert_same_as_replica(&phone.store, replica, &ids, "snapshots, zstd");
    assert_eq!(phone.store.sync_status().unwrap().set_aside, 0);
    assert!(xuncha_core::testing::cached_documents(&phone.store) < 512, "the phone's document cache stays bounded");
    assert!(xuncha_core::testing::cached_documents(replica) < 512, "the replica's too");
    assert_eq!(phone.store.audit_trail(&ids[7]).unwrap(), replica.audit_trail(&ids[7]).unwrap());

    for (what, bytes, secs) in &figures {
        println!(
            "fresh pull of {DOCS} inspections, {what}: {bytes} bytes down ({:.2} MB) in {secs:.2} s",
            *bytes as f64 / 1e6
        );
    }
    let before = figures[0].1;
    let now = figures[3].1;
    println!("snapshots + zstd: {:.1} % of the bytes of histories, plain", now as f64 * 100.0 / before as f64);
    assert!(now * 2 <= before, "snapshots + zstd {now} bytes, histories {before}");
    assert!(figures[3].1 < figures[1].1, "snapshots beat histories under zstd too");
}

fn assert_same_as_replica(store: &Store, replica: &Store, ids: &[String], what: &str) {
    for id in ids {
        assert_eq!(store.heads(id).unwrap(), replica.heads(id).unwrap(), "{what}: {id}");
    }
    let listed = store.list_inspections(&xuncha_core::InspectionFilter::default(), 2 * DOCS as u32, 0).unwrap();
    assert!(listed.len() >= DOCS, "{what}: {} listed", listed.len());
}
