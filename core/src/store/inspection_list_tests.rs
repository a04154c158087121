//! The inspection list's filters and paging run in SQL on the projections: checked against a
//! brute-force filter of the same thousands of rows, written straight into the projection,
//! search and evidence tables (what the SQL reads).

use super::Store;
use crate::{Conclusion, InspectionFilter, Jurisdiction, Level, Mode, Review, Shift};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::params;

const DEPARTMENTS: [&str; 3] = ["公安局", "教育局", "市场监管局"];
/// Words of notes and findings; two-character ones take the substring path, longer ones
/// the trigram index.
const WORDS: [&str; 8] = ["补课", "违规收费", "无证办学", "消防通道堵塞", "学生名册", "正常", "夜间营业", "招生广告"];

#[derive(Debug, Clone)]
struct Row {
    id: String,
    grid: String,
    place: Option<usize>,
    shift: Shift,
    mode: Mode,
    started_at: i64,
    conclusion: Option<Conclusion>,
    review: Option<Review>,
    departments: Vec<&'static str>,
    has_conflicts: bool,
    updated_at: i64,
    text: String,
    /// (evidence count, of which without bytes)
    photos: (u32, u32),
}

/// Grids below two townships of one county: c / c-a / c-a-{1,2} / c-a-{t}-m / c-a-{t}-m-g{1,2}.
fn tree(store: &Store) -> Vec<String> {
    let node = |id: &str, parent: Option<&str>, level| Jurisdiction {
        id: id.into(),
        parent_id: parent.map(Into::into),
        level,
        name: id.into(),
        bounds: None,
    };
    let mut nodes = vec![node("c", None, Level::City), node("c-a", Some("c"), Level::County)];
    let mut grids = Vec::new();
    for t in ["c-a-1", "c-a-2"] {
        let m = format!("{t}-m");
        nodes.push(node(t, Some("c-a"), Level::Township));
        nodes.push(node(&m, Some(t), Level::Community));
        for g in 1..=2 {
            let grid = format!("{m}-g{g}");
            nodes.push(node(&grid, Some(&m), Level::Grid));
            grids.push(grid);
        }
    }
    store.upsert_jurisdictions(&nodes).unwrap();
    grids
}

fn place_name(i: usize) -> String {
    format!("场所{i}号培训中心")
}

fn rows(grids: &[String], n: usize) -> Vec<Row> {
    let mut rng = StdRng::seed_from_u64(12);
    (0..n)
        .map(|i| {
            let pick = |rng: &mut StdRng, p: f64| rng.random_bool(p);
            let mut departments: Vec<&str> = DEPARTMENTS.iter().copied().filter(|_| rng.random_bool(0.4)).collect();
            departments.sort();
            let words: Vec<&str> =
                (0..rng.random_range(0..3)).map(|_| WORDS[rng.random_range(0..WORDS.len())]).collect();
            let evidence = rng.random_range(0..3);
            Row {
                id: format!("insp-{i:05}"),
                grid: grids[rng.random_range(0..grids.len())].clone(),
                place: pick(&mut rng, 0.7).then(|| rng.random_range(0..20)),
                shift: if pick(&mut rng, 0.5) { Shift::Day } else { Shift::Night },
                mode: if pick(&mut rng, 0.5) { Mode::Joint } else { Mode::Spot },
                started_at: rng.random_range(0..30) * 86_400_000,
                conclusion: match rng.random_range(0..4) {
                    0 => None,
                    1 => Some(Conclusion::NoProblem),
                    2 => Some(Conclusion::Suspected),
                    _ => Some(Conclusion::Confirmed),
                },
                review: match rng.random_range(0..3) {
                    0 => None,
                    1 => Some(Review::Approved),
                    _ => Some(Review::ReinspectionRequested),
                },
                departments,
                has_conflicts: pick(&mut rng, 0.1),
                // Ties on purpose: the order falls back to the id.
                updated_at: rng.random_range(0..500),
                text: words.join("\n"),
                photos: (evidence, rng.random_range(0..=evidence)),
            }
        })
        .collect()
}

fn write(store: &Store, rows: &[Row]) {
    let mut inner = store.lock();
    let tx = inner.conn.transaction().unwrap();
    for p in 0..20 {
        let id = format!("place-{p}");
        tx.execute(
            "INSERT INTO places (doc_id, jurisdiction_id, name, place_type, address, updated_at)
             VALUES (?1, 'c-a-1-m-g1', ?2, 'training', '荷桥路', 0)",
            params![id, place_name(p)],
        )
        .unwrap();
        super::projection::replace_search_row(&tx, &id, "place", &place_name(p)).unwrap();
    }
    let mut chain = 0;
    for r in rows {
        tx.execute(
            "INSERT INTO inspections (doc_id, jurisdiction_id, place_id, template_id, template_version, shift, mode,
                approach, started_at, conclusion, review, departments, answered, violations, has_conflicts, updated_at)
             VALUES (?1, ?2, ?3, 't', 1, ?4, ?5, 'open', ?6, ?7, ?8, ?9, 0, 0, ?10, ?11)",
            params![
                r.id,
                r.grid,
                r.place.map(|p| format!("place-{p}")),
                r.shift.as_str(),
                r.mode.as_str(),
                r.started_at,
                r.conclusion.map(Conclusion::as_str),
                r.review.map(Review::as_str),
                r.departments.join(","),
                r.has_conflicts,
                r.updated_at
            ],
        )
        .unwrap();
        super::projection::replace_search_row(&tx, &r.id, "inspection", &r.text).unwrap();
        for e in 0..r.photos.0 {
            chain += 1;
            tx.execute(
                "INSERT INTO evidence (entry_hash, device_id, chain_seq, content_hash, record_id, kind, captured_at,
                    payload, signature, bytes_present) VALUES (?1, 'd', ?2, ?1, ?3, 'photo', 0, '{}', '', ?4)",
                params![format!("e{chain}"), chain, r.id, e >= r.photos.1],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// What the filter means, row by row.
fn selects(f: &InspectionFilter, r: &Row) -> bool {
    let text_hit =
        |t: &str| r.text.contains(t) || r.place.is_some_and(|p| place_name(p).contains(t)) || r.id.contains(t);
    f.jurisdiction_id.as_ref().is_none_or(|j| r.grid.starts_with(j.as_str()))
        && f.shift.is_none_or(|s| s == r.shift)
        && f.mode.is_none_or(|m| m == r.mode)
        && f.conclusion.is_none_or(|c| Some(c) == r.conclusion)
        && f.concluded.is_none_or(|c| c == r.conclusion.is_some())
        && f.review.is_none_or(|v| Some(v) == r.review)
        && f.reviewed.is_none_or(|v| v == r.review.is_some())
        && f.department.as_ref().is_none_or(|d| r.departments.contains(&d.as_str()))
        && f.started_from_ms.is_none_or(|t| r.started_at >= t)
        && f.started_to_ms.is_none_or(|t| r.started_at < t)
        && f.has_conflicts.is_none_or(|c| c == r.has_conflicts)
        && f.photos_pending.is_none_or(|p| p == (r.photos.1 > 0))
        && f.text.as_deref().is_none_or(text_hit)
}

fn filters() -> Vec<InspectionFilter> {
    let d = InspectionFilter::default;
    let mut all = vec![
        d(),
        InspectionFilter { jurisdiction_id: Some("c-a-1".into()), ..d() },
        InspectionFilter { jurisdiction_id: Some("c-a-2-m-g2".into()), ..d() },
        InspectionFilter { shift: Some(Shift::Night), ..d() },
        InspectionFilter { mode: Some(Mode::Joint), ..d() },
        InspectionFilter { conclusion: Some(Conclusion::Suspected), ..d() },
        InspectionFilter { concluded: Some(false), ..d() },
        InspectionFilter { concluded: Some(true), ..d() },
        InspectionFilter { review: Some(Review::ReinspectionRequested), ..d() },
        InspectionFilter { reviewed: Some(false), ..d() },
        InspectionFilter { department: Some("教育局".into()), ..d() },
        InspectionFilter { started_from_ms: Some(10 * 86_400_000), started_to_ms: Some(12 * 86_400_000), ..d() },
        InspectionFilter { has_conflicts: Some(true), ..d() },
        InspectionFilter { photos_pending: Some(true), ..d() },
        InspectionFilter { photos_pending: Some(false), ..d() },
        InspectionFilter {
            jurisdiction_id: Some("c-a-2".into()),
            shift: Some(Shift::Day),
            concluded: Some(true),
            reviewed: Some(false),
            photos_pending: Some(true),
            ..d()
        },
    ];
    for text in ["补课", "消防通道", "违规收费", "场所7号", "培训中心", "insp-0012", "00"] {
        all.push(InspectionFilter { text: Some(text.into()), ..d() });
    }
    all.push(InspectionFilter { text: Some("夜间营业".into()), department: Some("公安局".into()), ..d() });
    all
}

#[test]
fn every_filter_and_page_matches_a_brute_force_filter() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let grids = tree(&store);
    let rows = rows(&grids, 3_000);
    write(&store, &rows);
    for f in filters() {
        let mut want: Vec<&Row> = rows.iter().filter(|r| selects(&f, r)).collect();
        want.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
        let want: Vec<&str> = want.iter().map(|r| r.id.as_str()).collect();
        assert!(!want.is_empty() || f.text.is_some(), "the data leaves {f:?} with nothing to check");
        assert_eq!(store.count_inspections(&f).unwrap(), want.len() as u64, "{f:?}");
        let got: Vec<String> = store.list_inspections(&f, 100_000, 0).unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(got, want, "{f:?}");
        // Pages of an odd size put together are the whole list, and the last one is short.
        let mut paged = Vec::new();
        for page in 0.. {
            let rows = store.list_inspections(&f, 37, page * 37).unwrap();
            let done = rows.len() < 37;
            paged.extend(rows.into_iter().map(|s| s.id));
            if done {
                break;
            }
        }
        assert_eq!(paged, want, "{f:?} in pages");
    }
    // Text that is only control characters filters nothing (it matches nothing a person wrote).
    let blank = InspectionFilter { text: Some("\u{0}\t".into()), ..Default::default() };
    assert_eq!(store.count_inspections(&blank).unwrap(), rows.len() as u64);
    // An unknown node is an error, not an empty list.
    let unknown = InspectionFilter { jurisdiction_id: Some("nowhere".into()), ..Default::default() };
    assert!(store.list_inspections(&unknown, 10, 0).is_err());
}
