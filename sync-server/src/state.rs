//! What every request handler shares.

use crate::auth::login_limit::LoginLimiter;
use crate::auth::password::PasswordChecks;
use crate::auth::sessions::Sessions;
use crate::error::ApiError;
use crate::storage::{DocMeta, LogEntry, NewEntry, ServerStorage};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use xuncha_core::{Officer, Store};

pub struct AppState {
    /// The source of truth: accounts, devices, the ordered log, upload progress.
    pub storage: Arc<dyn ServerStorage>,
    /// A core store fed from the log: the read model the console queries, the evidence bytes,
    /// and where supervisor decisions are made as document changes by the server's identity.
    pub replica: Store,
    /// Partial uploads, until complete and verified.
    pub uploads: PathBuf,
    /// Writes to the log and the replica happen one at a time, in log order.
    pub write_lock: Mutex<()>,
    /// Console sessions: token hash → user, with idle and absolute timeouts, bounded.
    pub sessions: Sessions,
    /// Login attempts per username and per address: backoff and lockout.
    pub login_limits: LoginLimiter,
    /// The bounded pool that runs password checks.
    pub password_checks: PasswordChecks,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see `client_addr`).
    pub trusted_proxies: Vec<IpAddr>,
    /// Signs every evidence package's manifest (see `deployment_key`).
    pub deployment_key: crate::deployment_key::DeploymentKey,
    /// Whether the replica has caught up with the log since start (`replica::rebuild`); until
    /// then reads are answered and writes refused as busy.
    pub ready: std::sync::atomic::AtomicBool,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// `within(node, ancestor)` over the replica's jurisdiction tree; unknown nodes are outside.
    pub fn within(&self) -> impl Fn(&str, &str) -> bool + '_ {
        |node: &str, ancestor: &str| self.replica.jurisdiction_within(node, ancestor).unwrap_or(false)
    }

    /// Scope facts of a document as the replica has it now.
    pub fn doc_meta_now(&self, doc_id: &str) -> Result<DocMeta, ApiError> {
        Ok(meta(doc_id, self.replica.doc_facts(doc_id)?))
    }

    /// Makes a supervisor decision on the replica (as `officer`), then appends the changes it
    /// made to the log so that devices pull them — also those of a decision that failed half
    /// way, which the replica holds all the same.
    pub fn decide<T>(
        &self,
        officer: Officer,
        decision: impl FnOnce(&Store) -> xuncha_core::Result<T>,
    ) -> Result<T, ApiError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let decided = self.replica.decide_as(officer, decision);
        if !decided.changes.is_empty() {
            let mut docs: Vec<&str> = decided.changes.iter().map(LogEntry::doc_id).collect();
            docs.sort_unstable();
            docs.dedup();
            let metas = docs.iter().map(|d| self.doc_meta_now(d)).collect::<Result<Vec<_>, _>>()?;
            let entries: Vec<NewEntry> =
                decided.changes.into_iter().map(|entry| NewEntry { origin: "server".into(), entry }).collect();
            self.storage.append(&entries, &metas)?;
        }
        Ok(decided.outcome?)
    }
}

pub fn meta(doc_id: &str, facts: xuncha_core::sync::DocFacts) -> DocMeta {
    DocMeta {
        doc_id: doc_id.to_owned(),
        kind: facts.kind,
        jurisdiction_id: facts.jurisdiction_id,
        members: facts.members,
    }
}
