//! The three commands, each a few calls into core; each returns its figures as (name, value)
//! lines for `main` to print.

use std::path::Path;
use xuncha_core::sync::{Progress, SyncAccount, SyncClient};
use xuncha_core::{Error, Result, Store};

pub type Figures = Vec<(&'static str, String)>;

/// Enrols the store in `dir` (created if new) at `server`; with `ca`, the store trusts only
/// that CA from now on, this enrolment included.
pub fn enroll(dir: &Path, server: &str, code: &str, ca: Option<&str>) -> Result<Figures> {
    let store = Store::open(dir)?;
    if let Some(pem) = ca {
        store.set_trusted_ca(Some(pem))?;
    }
    let (_, user) = SyncClient::enroll(&store, server, code)?;
    let account = SyncAccount::of_store(&store)?;
    Ok(vec![
        ("server", account.base),
        ("device", store.identity().device_id),
        ("user", user.username),
        ("role", user.role),
        ("jurisdiction", user.jurisdiction_id),
    ])
}

/// One sync attempt of an enrolled store, over the CA it keeps or, for this sync, `ca`.
pub fn sync(dir: &Path, ca: Option<&str>) -> Result<Figures> {
    let store = open_existing(dir)?;
    let client = match ca {
        Some(pem) => {
            let account = SyncAccount::of_store(&store)?;
            SyncClient::with_trusted_ca(&account.base, &account.token, Some(pem))?
        }
        None => SyncClient::for_store(&store)?,
    };
    let r = client.sync(&store, &|_: Progress| {})?;
    let mut figures = vec![
        ("pushed_changes", r.pushed_changes.to_string()),
        ("pushed_evidence", r.pushed_evidence.to_string()),
        ("uploaded_bytes", r.uploaded_bytes.to_string()),
        ("pulled_changes", r.pulled_changes.to_string()),
        ("round_trips", r.round_trips.to_string()),
        ("push_requests", r.push_requests.to_string()),
        ("upload_requests", r.upload_requests.to_string()),
        ("failed_uploads", r.failed_uploads.to_string()),
        ("refused_records", r.refused_records.to_string()),
    ];
    figures.extend(r.upload_errors.into_iter().map(|e| ("upload_error", e)));
    Ok(figures)
}

/// Where the store syncs, as which device, and what waits to be synced.
pub fn status(dir: &Path) -> Result<Figures> {
    let store = open_existing(dir)?;
    let s = store.sync_status()?;
    let role = store.account_role()?;
    let when = |ms: Option<i64>| {
        ms.and_then(chrono::DateTime::from_timestamp_millis).map_or("-".to_owned(), |t| t.to_rfc3339())
    };
    Ok(vec![
        ("server", s.server_url.unwrap_or_else(|| "-".into())),
        ("enrolled", if s.enrolled { "yes" } else { "no" }.into()),
        ("role", role.map_or("-", |r| r.as_str()).into()),
        ("device", store.identity().device_id),
        ("pending_records", s.pending_records.to_string()),
        ("pending_changes", s.pending_changes.to_string()),
        ("pending_uploads", store.pending_uploads()?.len().to_string()),
        ("pending_bytes", s.pending_bytes.to_string()),
        ("refused_records", s.refused_records.to_string()),
        ("set_aside", s.set_aside.to_string()),
        ("last_success", when(s.last_success_ms)),
        ("last_attempt", when(s.last_attempt_ms)),
        ("last_error", s.last_error.unwrap_or_else(|| "-".into())),
    ])
}

/// Sync and status never make a store: a directory that is not there was never enrolled.
fn open_existing(dir: &Path) -> Result<Store> {
    if !dir.is_dir() {
        return Err(Error::NotEnrolled);
    }
    Store::open(dir)
}
