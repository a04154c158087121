//! The supervisor console in a real browser (Debian's Chromium over WebDriver): log in, filter,
//! open the demo inspection, see its verified photo, request re-inspection and see the decision
//! arrive in a device store at its next sync, open a case, record a step with evidence, export
//! the evidence package and verify it offline. Screenshots of the main pages go to
//! target/screenshots/ (or $XUNCHA_SCREENSHOTS).
//!
//! Ignored by default (it needs Chromium and chromedriver): `scripts/test` runs it in its
//! browser suite with `--ignored`, after `scripts/setup/chromium.sh` installed them.

mod support;
#[path = "support/webdriver.rs"]
mod webdriver;

use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::*;
use webdriver::{Driver, Session};
use xuncha_core::Review;

fn screenshots_dir() -> PathBuf {
    std::env::var_os("XUNCHA_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots"))
}

#[test]
#[ignore = "needs Chromium and chromedriver; run by scripts/test (browser suite)"]
fn a_supervisor_reviews_the_demo_day_in_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let shots = screenshots_dir();
    std::fs::create_dir_all(&shots).unwrap();
    let shot = |s: &Session, name: &str| {
        let p = s.screenshot(&shots.join(format!("{name}.png")));
        eprintln!("screenshot {}", p.display());
    };

    let env = Env::demo();
    let inspection = env.inspection_id();
    // Lin's phone (on the team) has the inspection, not yet reviewed.
    let phone = xuncha_server::demo::Phone::enrol(
        &env.server.state,
        &env.server.url(),
        &env.dir.path().join("lin-phone"),
        "lin",
    )
    .unwrap();
    phone.sync().unwrap();
    assert_eq!(phone.store.inspection(&inspection).unwrap().review, None);

    let downloads = env.dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let driver = Driver::start(&chromedriver, &env.dir.path().join("chromedriver.log"));
    let s = Session::new(&driver, &chromium, &env.dir.path().join("chromium-profile"), &downloads);

    // Log in.
    s.goto(&env.server.url());
    let user = s.wait("#login-username");
    shot(&s, "01-login");
    s.type_into(&user, "chen");
    s.type_into(&s.wait("#login-password"), "wrong-password");
    s.click_css("#login-submit");
    s.wait_text("#login-msg", "用户名或密码错误");
    s.type_into(&s.wait("#login-password"), "supervisor-demo-2026");
    s.click_css("#login-submit");
    s.wait_text("#who-name", "陈志远");
    s.wait_text("#inspection-total", "1");

    // Filter: day checks find nothing, night checks with 数学 find the demo inspection.
    s.choose("#f-shift", "day");
    s.click_css("#f-submit");
    s.wait("#no-results");
    s.choose("#f-shift", "night");
    s.choose("#f-mode", "joint");
    s.type_into(&s.wait("#f-q"), "数学");
    s.click_css("#f-submit");
    s.wait_for("the filtered list", || s.url().contains("shift=night").then_some(()));
    s.wait_text("#inspection-total", "1");
    s.wait(&format!("tr.insp-row[data-id=\"{inspection}\"]"));
    shot(&s, "02-inspections-filtered");

    // The inspection: answers with who answered, a verified photo whose thumbnail loads, GPS.
    s.click_css(".insp-link");
    s.wait_text("#inspection-title", "荷桥花园小区");
    s.wait_text("tr[data-item=\"I01\"]", "林晓雯");
    s.wait_text("#evidence-list .integrity", "已验证");
    s.wait_for("the thumbnail to load", || {
        let w = s.script(
            "const i = document.querySelector('#evidence-list img.thumb'); return i && i.complete ? i.naturalWidth : 0",
            json!([]),
        );
        (w.as_u64().unwrap_or(0) > 0).then_some(())
    });
    s.wait("#gps-maps svg .map-fix");
    shot(&s, "03-inspection-detail");
    // The original, full size.
    s.click_css("#evidence-list .thumb-holder");
    s.wait_for("the original to load", || {
        let w = s.script(
            "const i = document.getElementById('original-image'); return i && i.complete ? i.naturalWidth : 0",
            json!([]),
        );
        (w.as_u64().unwrap_or(0) >= 1600).then_some(())
    });
    shot(&s, "04-original-photo");
    s.click_css("#close-original");

    // Request re-inspection with a reason.
    let reason = "照片未拍到授课内容，请补充取证";
    s.click_css("#reinspect");
    s.wait_text("#action-msg", "请填写复查原因");
    s.type_into(&s.wait("#reinspect-reason"), reason);
    s.click_css("#reinspect");
    s.wait_text("#action-msg", "已要求复查");
    s.wait_text("#review-status", "要求复查");

    // The decision reaches lin's phone at its next sync.
    phone.sync().unwrap();
    let on_phone = phone.store.inspection(&inspection).unwrap();
    assert_eq!(on_phone.review, Some(Review::ReinspectionRequested));
    assert_eq!(on_phone.review_reason.as_deref(), Some(reason));

    // Open a case from the inspection and record a step with the photo as its evidence.
    s.type_into(&s.wait("#case-summary"), "荷桥花园小区一对一学科类培训");
    s.click_css("#open-case");
    s.wait_text("#case-title", "荷桥花园小区一对一学科类培训");
    s.type_into(&s.wait("#assign-dept"), "市场监管局");
    s.click_css("#assign-submit");
    s.wait_text("#case-msg", "已分派");
    s.wait_text("#case-dept", "市场监管局");
    s.choose("#step-to", "verifying");
    s.type_into(&s.wait("#step-note"), "现场核查属实，照片为证");
    s.click_css(".pick-evidence");
    s.click_css("#step-submit");
    s.wait_text("#case-msg", "已记录：核查");
    s.wait_text("#case-steps", "现场核查属实");
    for (to, label, note) in [
        ("investigating", "联合取证查处", "教育、市场监管联合取证"),
        ("decided", "处理决定", "责令停止违规培训，退还预收费用"),
    ] {
        s.choose("#step-to", to);
        s.type_into(&s.wait("#step-note"), note);
        s.click_css("#step-submit");
        s.wait_text("#case-msg", &format!("已记录：{label}"));
    }
    let case_id = s.url().rsplit('/').next().unwrap().to_owned();
    let case = env.server.state.replica.case(&case_id).unwrap();
    assert_eq!(case.steps[0].evidence.len(), 1);
    assert_eq!(case.state, xuncha_core::CaseState::Decided);
    assert_eq!(case.department.as_deref(), Some("市场监管局"));
    shot(&s, "05-case-detail");

    // Export the evidence package from the browser and verify it offline.
    s.click_css("#export-package");
    let zip = wait_for_download(&downloads, &format!("evidence-{case_id}.zip"));
    // The page shows the command with the deployment's public key, as the console holds it.
    let shown = s.text(&s.wait_text("#case-msg", "xuncha-verify --deployment-key"));
    let key = env.server.state.deployment_key.public();
    assert!(shown.contains(&key.hex()) && shown.contains(&key.fingerprint()), "{shown}");
    let verify = |path: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_xuncha-verify"))
            .args(["--deployment-key", &key.hex()])
            .arg(path)
            .output()
            .unwrap()
    };
    let out = verify(&zip);
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("VERIFIED"));
    std::fs::copy(&zip, shots.join("evidence-package.zip")).unwrap();
    // Tampered, it fails.
    let mut bytes = std::fs::read(&zip).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    let tampered = env.dir.path().join("tampered.zip");
    std::fs::write(&tampered, bytes).unwrap();
    assert_eq!(verify(&tampered).status.code(), Some(1));

    // The other pages.
    s.click_css("#nav a[data-page=cases]");
    s.wait("#case-board .case-card");
    s.wait_text("#case-stats", "共");
    shot(&s, "06-case-board");
    s.click_css("#nav a[data-page=ledger]");
    s.wait_text("#ledger-list", "青石博学教育培训学校");
    shot(&s, "07-ledger");
    s.click_css("#nav a[data-page=patrols]");
    s.wait_text("#not-patrolled", "荷桥第二网格");
    shot(&s, "08-patrol-coverage");
    s.click_css("#nav a[data-page=report]");
    s.wait_text("#typical-cases", "责令停止违规培训，退还预收费用");
    shot(&s, "09-quarterly-report");
    s.goto(&env.url("/tip"));
    s.wait("#tip-area option[value=\"qs-yx-gx-hq\"]");
    shot(&s, "10-public-tip-form");

    // A tip sent through the public form is a lead on the board.
    s.choose("#tip-area", "qs-yx-gx-hq");
    s.type_into(&s.wait("#tip-description"), "荷桥花园5栋晚上有初中生进出补课");
    s.click_css("#tip-submit");
    let msg = s.wait_text("#tip-msg", "查询码");
    let code = s.text(&msg).split("查询码：").nth(1).unwrap().trim().to_owned();
    assert_eq!(env.server.state.replica.case(&code).unwrap().source, xuncha_core::CaseSource::Tip);
    s.click_css("#lookup-form button");
    s.wait_text("#lookup-msg", "已受理");

    s.quit();
    drop(driver);
}

fn wait_for_download(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let started = Instant::now();
    loop {
        // Chromium writes NAME.crdownload and renames it when complete.
        if path.exists() && !dir.join(format!("{name}.crdownload")).exists() {
            return path;
        }
        assert!(started.elapsed() < webdriver::TIMEOUT, "the download {name} did not arrive in {}", dir.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}
