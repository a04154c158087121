//! `--demo`: seeds the demo jurisdiction, places, ledger and accounts, then runs simulated
//! field devices — real core stores syncing over real HTTP on loopback — through the day the
//! product is built for: two officers on one inspection, a night check, a patrol with nothing
//! found, and a tip that becomes a case.

use crate::Running;
use crate::anyhow_like::Result;
use crate::api::accounts::{NewUserBody, create_user, issue_code};
use crate::state::AppState;
use std::path::Path;
use xuncha_core::sync::{Backoff, SyncClient};
use xuncha_core::*;

/// Demo accounts: (username, role, jurisdiction, password for console users, fixture officer index).
pub const ACCOUNTS: &[(&str, &str, &str, Option<&str>, usize)] = &[
    ("admin", "admin", "qs", Some("admin-demo-2026"), 5),
    ("chen", "supervisor", "qs-yx", Some("supervisor-demo-2026"), 5),
    ("lin", "inspector", "qs-yx", None, 0),
    ("zhao", "inspector", "qs-yx", None, 1),
    ("zhou", "inspector", "qs-yx", None, 2),
    ("sun", "inspector", "qs-yx", None, 3),
    ("wu", "grid_captain", "qs-yx-gx-hq", None, 4),
];

/// Creates the demo accounts and the places and ledger entries (as the server's records).
/// Idempotent: an existing account is kept.
pub fn seed(state: &AppState) -> Result<()> {
    let officers = xuncha_fixtures::officers();
    for (username, role, node, password, who) in ACCOUNTS {
        if state.storage.user_by_username(username)?.is_some() {
            continue;
        }
        let o = &officers[*who];
        let name = if *username == "admin" { "系统管理员".to_owned() } else { o.name.clone() };
        create_user(
            state,
            NewUserBody {
                username: (*username).into(),
                name,
                role: (*role).into(),
                jurisdiction_id: (*node).into(),
                department: o.department.clone(),
                cert_no: if *username == "admin" { String::new() } else { o.cert_no.clone() },
                password: password.map(str::to_owned),
            },
        )
        .map_err(|e| e.message)?;
    }
    if state.replica.list_places("qs")?.is_empty() {
        let admin = Officer { name: "系统管理员".into(), department: "教育局".into(), cert_no: String::new() };
        state.decide(admin, |s| xuncha_fixtures::seed_demo(s).map(|_| ())).map_err(|e| e.message)?;
    }
    Ok(())
}

/// A simulated phone: a core store of its own, enrolled with a fresh code.
pub struct Phone {
    pub store: Store,
    pub client: SyncClient,
}

impl Phone {
    pub fn enrol(state: &AppState, url: &str, dir: &Path, username: &str) -> Result<Phone> {
        let (_, _, _, _, who) = ACCOUNTS.iter().find(|a| a.0 == username).ok_or("unknown demo account")?;
        let store = Store::open(dir)?;
        store.sign_in(xuncha_fixtures::officers()[*who].clone())?;
        xuncha_fixtures::load_reference(&store)?;
        let code = issue_code(state, username).map_err(|e| e.message)?.code;
        let (client, _) = SyncClient::enroll(&store, url, &code)?;
        Ok(Phone { store, client })
    }

    pub fn sync(&self) -> Result<sync::SyncReport> {
        Ok(self.client.sync_with_retry(&self.store, &|_: sync::Progress| {}, Backoff::default())?)
    }
}

fn fix(lat: f64, lon: f64, accuracy_m: f64) -> GpsFix {
    let now = chrono::Utc::now().timestamp_millis();
    GpsFix {
        lat,
        lon,
        accuracy_m,
        altitude_m: Some(880.0),
        provider: GpsProvider::Fused,
        mock: false,
        fix_time_ms: now,
        device_time_ms: now,
    }
}

fn photo(seed: u64, lat: f64, lon: f64) -> Vec<u8> {
    let mut spec = xuncha_fixtures::photos::phone_spec(seed, lat, lon);
    // EXIF time = now, so the demo evidence carries no time flag.
    let now = chrono::Utc::now();
    let local = now + chrono::Duration::hours(8);
    if let Some(exif) = spec.exif.as_mut() {
        exif.datetime_original = local.format("%Y:%m:%d %H:%M:%S").to_string();
        if let Some(gps) = exif.gps.as_mut() {
            use chrono::{Datelike, Timelike};
            gps.utc = (now.year(), now.month(), now.day(), now.hour(), now.minute(), now.second());
        }
    }
    xuncha_fixtures::photos::jpeg(&spec)
}

/// Seeds and plays the demo day; returns once every phone has synced twice.
pub fn run(server: &Running) -> Result<()> {
    let state = &server.state;
    seed(state)?;
    let url = server.url();
    let root = server.state.uploads.parent().unwrap_or(Path::new(".")).join("demo-devices");
    let phone = |name: &str| Phone::enrol(state, &url, &root.join(format!("{name}-{}", hex_now())), name);
    let (lin, zhao, wu) = (phone("lin")?, phone("zhao")?, phone("wu")?);
    for p in [&lin, &zhao, &wu] {
        p.sync()?;
    }
    let place = lin.store.list_places("qs-yx-gx-hq-g1")?.into_iter().next().ok_or("the demo place did not sync")?;
    let (lat, lon) = (place.lat.unwrap_or(26.61), place.lon.unwrap_or(106.92));

    // Two officers on one joint night check.
    let id = lin.store.start_inspection(NewInspection {
        template_id: xuncha_fixtures::TEMPLATE_ID.into(),
        template_version: 1,
        jurisdiction_id: place.jurisdiction_id.clone(),
        shift: Shift::Night,
        mode: Mode::Joint,
        approach: Approach::Open,
        place_id: Some(place.id.clone()),
        ledger_id: None,
    })?;
    lin.store.add_team_member(&id, &xuncha_fixtures::officers()[1])?;
    lin.sync()?;
    zhao.sync()?;
    lin.store.answer_item(&id, "I01", AnswerValue::Yes, "客厅内一名教师为一名初二学生讲授数学")?;
    let capture =
        Capture { record_id: id.clone(), item_id: Some("I01".into()), gps: Some(fix(lat, lon, 8.0)), corrects: None };
    lin.store.add_photo(&photo(1, lat, lon), &capture)?;
    zhao.store.answer_item(&id, "I13", AnswerValue::No, "未发现预收费")?;
    zhao.store.add_finding(&id, "门口鞋柜有多双儿童鞋")?;
    lin.sync()?;
    zhao.sync()?;
    lin.sync()?;

    // A patrol with nothing found.
    let patrol = wu.store.start_patrol("qs-yx-gx-hq-g1")?;
    wu.store.add_patrol_point(
        &patrol,
        PatrolPoint { lat, lon, accuracy_m: 12.0, at_ms: chrono::Utc::now().timestamp_millis() },
    )?;
    wu.store.finish_patrol(&patrol, PatrolResult::NothingFound, "")?;
    // A tip that becomes a case.
    let case = wu.store.open_case(&NewCase {
        jurisdiction_id: "qs-yx-gx-hq-g1".into(),
        source: CaseSource::Tip,
        summary: "随手拍：荷桥花园3栋周末有学生背书包进出".into(),
        inspection_id: None,
        deadline_ms: Some(chrono::Utc::now().timestamp_millis() + 7 * 86_400_000),
    })?;
    wu.store.advance_case(
        &case,
        CaseState::Verifying,
        &StepDetails { department: "荷桥社区网格".into(), ..Default::default() },
    )?;
    wu.sync()?;
    tracing::info!(inspection = id, patrol, case, "demo day recorded and synced; open the console");
    Ok(())
}

fn hex_now() -> String {
    format!("{:x}", chrono::Utc::now().timestamp_millis())
}
