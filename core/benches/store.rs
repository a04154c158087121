//! Store benchmarks. Prints `bench <name> <value> <unit>` lines; ratios compare against a
//! baseline measured in the same run, since absolute times drift on shared machines.
//!
//! Conditions (docs/benchmarks.md has the table): the store is on `BENCH_DIR` (disk), SQLite in
//! WAL mode with `synchronous = FULL` (a phone's default: every commit is fsynced), and so is
//! the raw baseline. Every figure is the median over repetitions inside the run:
//!
//! - edit commits: `ROUNDS` rounds of `EDITS_PER_ROUND` edits, each edit followed by a raw
//!   insert, so both meet the same moment of a shared disk; warm page cache (the store was
//!   just written). A round's figure is its p50 (p95); the printed figure is the median round.
//! - cold open: a store of 10,000 inspections opened `COLD_OPENS` times, the OS page cache
//!   dropped before each (`echo 3 > /proc/sys/vm/drop_caches`, as root; without root the
//!   figure is a warm open, and `cold_open_page_cache_dropped` says 0).

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

const ROUNDS: usize = 5;
const EDITS_PER_ROUND: usize = 100;
const COLD_OPENS: usize = 5;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn median(samples: &[f64]) -> f64 {
    percentile(&mut samples.to_vec(), 0.5)
}

/// Drops the OS page cache (needs root); false when it could not.
fn drop_page_cache() -> bool {
    std::process::Command::new("sh")
        .args(["-c", "sync && echo 3 > /proc/sys/vm/drop_caches"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn bench(name: &str, value: f64, unit: &str) {
    println!("bench {name} {value:.3} {unit}");
}

/// Answering one item (document change + projection + search, one durable transaction)
/// against a raw insert of the same number of bytes into the same kind of database, one after
/// the other.
fn edit_commit(dir: &Path) {
    let store = store(dir);
    let template = xuncha_fixtures::checklist();
    let yes_no: Vec<&str> = template
        .items
        .iter()
        .filter(|i| i.answer_type == AnswerType::YesNo && i.place_types.is_empty() && i.only_shift.is_none())
        .map(|i| i.id.as_str())
        .collect();
    let ids: Vec<String> = (0..20).map(|i| store.start_inspection(new_inspection(3 * i + 1)).unwrap()).collect();
    // A first round, not measured, warms the caches and gives the average change size, which
    // the raw baseline's rows then have.
    for n in 0..EDITS_PER_ROUND {
        store.answer_item(&ids[n % ids.len()], yes_no[n % yes_no.len()], AnswerValue::No, "").unwrap();
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
    let (mut p50_edit, mut p95_edit, mut p50_raw, mut ratio) = (vec![], vec![], vec![], vec![]);
    let mut n = 0;
    for _ in 0..ROUNDS {
        let (mut edit_us, mut raw_us) = (Vec::new(), Vec::new());
        for _ in 0..EDITS_PER_ROUND {
            let t = Instant::now();
            store.answer_item(&ids[n % ids.len()], yes_no[n % yes_no.len()], AnswerValue::No, "现场未见学生").unwrap();
            edit_us.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            raw.execute("INSERT INTO t (doc, b) VALUES (?1, ?2)", rusqlite::params![ids[n % ids.len()], payload])
                .unwrap();
            raw_us.push(t.elapsed().as_secs_f64() * 1e6);
            n += 1;
        }
        let (e, r) = (percentile(&mut edit_us, 0.5), percentile(&mut raw_us, 0.5));
        p50_edit.push(e);
        p95_edit.push(percentile(&mut edit_us, 0.95));
        p50_raw.push(r);
        ratio.push(e / r);
    }
    bench("edit_commit_p50_us", median(&p50_edit), "us");
    bench("edit_commit_p95_us", median(&p95_edit), "us");
    bench("raw_insert_p50_us", median(&p50_raw), "us");
    bench("edit_commit_vs_raw_insert_ratio", median(&ratio), "x");
    bench("change_bytes_avg", change_bytes as f64, "bytes");
}

/// Open a store holding 10,000 inspections and read the first page of the list. The sizes are
/// exact (one measurement); the times are medians of `COLD_OPENS` cold opens.
fn cold_open(dir: &Path) {
    const N: usize = 10_000;
    const FULL: usize = 200;
    {
        let store = store(dir);
        // Making the store is not what is measured: no fsync per commit while filling it.
        store.relax_durability().unwrap();
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
    let (mut store_only, mut first_page, mut raw_select) = (Vec::new(), Vec::new(), Vec::new());
    let mut dropped = true;
    for _ in 0..COLD_OPENS {
        dropped &= drop_page_cache();
        let t = Instant::now();
        let store = Store::open(dir).unwrap();
        store_only.push(t.elapsed().as_secs_f64() * 1e3);
        let page = store.list_inspections(&InspectionFilter::default(), 50, 0).unwrap();
        first_page.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(page.len(), 50);
        drop(store);
        dropped &= drop_page_cache();
        let t = Instant::now();
        let conn = rusqlite::Connection::open(dir.join("xuncha.db")).unwrap();
        let mut stmt = conn.prepare("SELECT * FROM inspections ORDER BY updated_at DESC LIMIT 50").unwrap();
        let n = stmt.query_map([], |_| Ok(())).unwrap().count();
        raw_select.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(n, 50);
    }
    bench("cold_open_store_only_ms", median(&store_only), "ms");
    bench("cold_open_first_page_ms", median(&first_page), "ms");
    bench("cold_open_vs_raw_select_ratio", median(&first_page) / median(&raw_select), "x");
    bench("cold_open_page_cache_dropped", if dropped { 1.0 } else { 0.0 }, "bool");
}
