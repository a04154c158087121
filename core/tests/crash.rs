//! A child process commits edits and is killed with SIGKILL at random points; every edit it
//! acknowledged is there afterwards and SQLite's integrity check passes.

mod common;

use rand::Rng;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;
use xuncha_core::*;

const CHILD_ENV: &str = "XUNCHA_CRASH_CHILD";
const ROUNDS: usize = 100;

/// Runs only inside the child (started with --ignored): edit until killed, printing each
/// acknowledged edit.
#[test]
#[ignore = "the child half of acknowledged_edits_survive_sigkill"]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = common::store_at(std::path::Path::new(&dir), 0);
    let id = match store
        .list_inspections(&InspectionFilter::default(), 1, 0)
        .unwrap()
        .first()
    {
        Some(s) => s.id.clone(),
        None => {
            let id = store
                .start_inspection(common::new_inspection(Shift::Day, None))
                .unwrap();
            println!("inspection {id}");
            id
        }
    };
    let round: String = std::env::var("XUNCHA_CRASH_ROUND").unwrap();
    for n in 0..10_000 {
        let text = format!("r{round}-f{n}");
        store.add_finding(&id, &text).unwrap();
        println!("ack {text}");
    }
}

#[test]
fn acknowledged_edits_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::rng();
    let mut acked: Vec<String> = Vec::new();
    let mut inspection: Option<String> = None;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                "crash_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .env("XUNCHA_CRASH_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let wanted = rng.random_range(0..25usize);
        let mut got = 0;
        while got < wanted {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(id) = line.strip_prefix("inspection ") {
                inspection = Some(id.to_owned());
            } else if let Some(text) = line.strip_prefix("ack ") {
                acked.push(text.to_owned());
                got += 1;
            }
        }
        // Land the kill at a random moment, often in the middle of a write.
        std::thread::sleep(Duration::from_micros(rng.random_range(0..3000)));
        child.kill().unwrap();
        child.wait().unwrap();
        // Lines already printed before the kill were acknowledged too.
        for line in lines.map_while(Result::ok) {
            if let Some(text) = line.strip_prefix("ack ") {
                acked.push(text.to_owned());
            } else if let Some(id) = line.strip_prefix("inspection ") {
                inspection = Some(id.to_owned());
            }
        }

        let conn = rusqlite::Connection::open(dir.path().join("xuncha.db")).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        drop(conn);
        if let Some(id) = &inspection {
            let store = Store::open(dir.path()).unwrap();
            let have: std::collections::HashSet<String> = store
                .inspection(id)
                .unwrap()
                .findings
                .into_iter()
                .map(|f| f.text)
                .collect();
            let lost: Vec<&String> = acked.iter().filter(|t| !have.contains(*t)).collect();
            assert!(
                lost.is_empty(),
                "round {round}: acknowledged edits lost: {lost:?}"
            );
            let listed = store
                .list_inspections(&InspectionFilter::default(), 5, 0)
                .unwrap();
            assert_eq!(listed.len(), 1, "the projection survived with the document");
        }
    }
    assert!(
        acked.len() > ROUNDS,
        "the children acknowledged edits ({})",
        acked.len()
    );
}
