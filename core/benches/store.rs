//! Store benchmarks. Prints `bench <name> <value> <unit>` lines; ratios compare against a
//! baseline measured in the same run, since absolute times drift on shared machines.

use std::path::Path;
use std::time::Instant;
use xuncha_core::*;

fn main() {
    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    edit_commit(&dir.path().join("edit"));
    cold_open(&dir.path().join("cold"));
}

fn store(dir: &Path) -> Store {
    let store = Store::open(dir).unwrap();
    store.sign_in(xuncha_fixtures::officers()[0].clone()).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    store
}

fn new_inspection(i: usize) -> NewInspection {
    let grids = ["qs-yx-gx-hq-g1", "qs-yx-gx-hq-g2", "qs-yx-la-jh-g1", "qs-yx-la-yp-g2"];
    NewInspection {
        template_id: xuncha_fixtures::TEMPLATE_ID.into(),
        template_version: 1,
        jurisdiction_id: grids[i % grids.len()].into(),
        shift: if i.is_multiple_of(3) { Shift::Night } else { Shift::Day },
        mode: Mode::Joint,
        approach: Approach::Open,
        place_id: None,
        ledger_id: None,
    }
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn bench(name: &str, value: f64, unit: &str) {
    println!("bench {name} {value:.3} {unit}");
}

/// Answering one item (document change + projection + search, one durable transaction)
/// against a raw insert of the same number of bytes into the same kind of database.
fn edit_commit(dir: &Path) {
    const N: usize = 400;
    let store = store(dir);
    let template = xuncha_fixtures::checklist();
    let yes_no: Vec<&str> = template
        .items
        .iter()
        .filter(|i| i.answer_type == AnswerType::YesNo && i.place_types.is_empty() && i.only_shift.is_none())
        .map(|i| i.id.as_str())
        .collect();
    let ids: Vec<String> = (0..20).map(|i| store.start_inspection(new_inspection(3 * i + 1)).unwrap()).collect();
    let mut edit_us = Vec::with_capacity(N);
    for n in 0..N {
        let t = Instant::now();
        store.answer_item(&ids[n % ids.len()], yes_no[n % yes_no.len()], AnswerValue::No, "现场未见学生").unwrap();
        edit_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let change_bytes = {
        let conn = rusqlite::Connection::open(dir.join("xuncha.db")).unwrap();
        conn.query_row("SELECT avg(length(bytes)) FROM changes", [], |r| r.get::<_, f64>(0)).unwrap() as usize
    };
    let raw = rusqlite::Connection::open(dir.join("raw.db")).unwrap();
    raw.pragma_update(None, "journal_mode", "WAL").unwrap();
    raw.pragma_update(None, "synchronous", "FULL").unwrap();
    raw.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, doc TEXT, b BLOB)").unwrap();
    let payload = vec![7u8; change_bytes];
    let mut raw_us = Vec::with_capacity(N);
    for n in 0..N {
        let t = Instant::now();
        raw.execute("INSERT INTO t (doc, b) VALUES (?1, ?2)", rusqlite::params![ids[n % ids.len()], payload]).unwrap();
        raw_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let p50_edit = percentile(&mut edit_us, 0.5);
    let p50_raw = percentile(&mut raw_us, 0.5);
    bench("edit_commit_p50_us", p50_edit, "us");
    bench("edit_commit_p95_us", percentile(&mut edit_us, 0.95), "us");
    bench("raw_insert_p50_us", p50_raw, "us");
    bench("edit_commit_vs_raw_insert_ratio", p50_edit / p50_raw, "x");
    bench("change_bytes_avg", change_bytes as f64, "bytes");
}

/// Open a store holding 10,000 inspections and read the first page of the list.
fn cold_open(dir: &Path) {
    const N: usize = 10_000;
    const FULL: usize = 200;
    {
        let store = store(dir);
        let template = xuncha_fixtures::checklist();
        for i in 0..N {
            let id = store.start_inspection(new_inspection(i)).unwrap();
            if i < FULL {
                // A realistic, fully answered inspection for the size figure.
                for item in template
                    .items
                    .iter()
                    .filter(|it| it.place_types.is_empty() && (it.only_shift.is_none() || i.is_multiple_of(3)))
                {
                    let v = match item.answer_type {
                        AnswerType::YesNo => AnswerValue::No,
                        AnswerType::Count => AnswerValue::Count(0),
                        AnswerType::Text => AnswerValue::Text("现场为普通办公区域，未见中小学生".into()),
                    };
                    store.answer_item(&id, &item.id, v, "").unwrap();
                }
                store.add_finding(&id, "门口张贴培训广告一张，已拍照").unwrap();
            }
        }
        let conn = rusqlite::Connection::open(dir.join("xuncha.db")).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        let full_bytes: f64 = conn
            .query_row(
                "SELECT sum(length(bytes)) FROM changes WHERE doc_id IN (SELECT doc_id FROM inspections WHERE answered > 0)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let file_bytes = std::fs::metadata(dir.join("xuncha.db")).unwrap().len() as f64;
        bench("store_bytes_per_inspection", file_bytes / N as f64, "bytes");
        bench("document_bytes_per_answered_inspection", full_bytes / FULL as f64, "bytes");
    }
    // Drop the OS page cache when allowed, so "cold" means cold.
    let _ = std::process::Command::new("sh").args(["-c", "sync; echo 3 > /proc/sys/vm/drop_caches"]).status();
    let t = Instant::now();
    let store = Store::open(dir).unwrap();
    let opened_ms = t.elapsed().as_secs_f64() * 1e3;
    let page = store.list_inspections(&InspectionFilter::default(), 50, 0).unwrap();
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    bench("cold_open_store_only_ms", opened_ms, "ms");
    assert_eq!(page.len(), 50);
    drop(store);
    let _ = std::process::Command::new("sh").args(["-c", "sync; echo 3 > /proc/sys/vm/drop_caches"]).status();
    let t = Instant::now();
    let conn = rusqlite::Connection::open(dir.join("xuncha.db")).unwrap();
    let mut stmt = conn.prepare("SELECT * FROM inspections ORDER BY updated_at DESC LIMIT 50").unwrap();
    let n = stmt.query_map([], |_| Ok(())).unwrap().count();
    let raw_ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(n, 50);
    bench("cold_open_first_page_ms", open_ms, "ms");
    bench("cold_open_vs_raw_select_ratio", open_ms / raw_ms, "x");
}
