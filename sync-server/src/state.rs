//! What every request handler shares.

use crate::auth::login_limit::LoginLimiter;
use crate::auth::password::PasswordChecks;
use crate::auth::sessions::Sessions;
use crate::error::ApiError;
use crate::storage::{DocMeta, EntryKind, NewEntry, ServerStorage};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use xuncha_core::sync::facts_after_merge;
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
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// `within(node, ancestor)` over the replica's jurisdiction tree; unknown nodes are outside.
    pub fn within(&self) -> impl Fn(&str, &str) -> bool + '_ {
        |node: &str, ancestor: &str| self.replica.jurisdiction_within(node, ancestor).unwrap_or(false)
    }

    /// Scope facts of a document as the replica has it now.
    pub fn doc_meta_now(&self, doc_id: &str) -> Result<DocMeta, ApiError> {
        let bytes = self.replica.document_bytes(doc_id)?;
        let facts = facts_after_merge(Some(&bytes), &[])?;
        Ok(meta(doc_id, facts))
    }

    /// Makes a supervisor decision on the replica (as `officer`), then appends the changes it
    /// made to the log so that devices pull them.
    pub fn decide<T>(
        &self,
        officer: Officer,
        decision: impl FnOnce(&Store) -> xuncha_core::Result<T>,
    ) -> Result<T, ApiError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.replica.sign_in(officer)?;
        let result = decision(&self.replica)?;
        let batch = self.replica.next_push(usize::MAX)?;
        let mut docs: Vec<String> = batch.request.changes.entries.iter().map(|e| e.doc_id.clone()).collect();
        docs.sort();
        docs.dedup();
        let metas = docs.iter().map(|d| self.doc_meta_now(d)).collect::<Result<Vec<_>, _>>()?;
        let entries: Vec<NewEntry> = batch
            .request
            .changes
            .entries
            .iter()
            .map(|e| NewEntry {
                origin: "server".into(),
                doc_id: e.doc_id.clone(),
                kind: EntryKind::Change,
                hash: change_hash(&e.change),
                bytes: e.change.clone(),
                signature: e.signature.clone(),
            })
            .collect();
        self.storage.append(&entries, &metas)?;
        self.replica.mark_pushed(&batch)?;
        Ok(result)
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

/// The log key of a change: SHA-256 of its bytes (Automerge's own hash needs a decode).
pub fn change_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
