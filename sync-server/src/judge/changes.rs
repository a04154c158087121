//! Every pushed change is judged before anything is stored, one document at a time, on the
//! transition it makes (the server's document before → after the push), not only on the
//! merged result. See ADR 0007.
//!
//! A change already in the server's document is not judged again (relaying what the server
//! has is harmless). A new one must decode and fit the limits, depend only on changes the
//! server or the push holds, not start a second document under an existing id, not change a
//! record's kind, and name a true author: the caller's own officer on the caller's device, or
//! an author whose enrolled device signed it. Moving a record between nodes needs a
//! supervisor (or admin) over both; taking someone off a record's team needs a supervisor
//! over the record. And the merged result must be within the caller's scope.

use crate::auth::callers::Device;
use crate::error::ApiError;
use crate::scope;
use crate::state::{AppState, meta};
use crate::storage::{DocMeta, Role, User};
use axum::http::StatusCode;
use std::collections::BTreeMap;
use xuncha_core::bundle::{BundleEntry, ChangeBundle};
use xuncha_core::doc::Author;
use xuncha_core::sync::protocol::RefusedRecord;
use xuncha_core::sync::{NewChange, Refusal, RefusalCode, Transition};

/// What a push's documents come to: the accepted ones' facts, and the refused ones.
pub struct Judged {
    /// Scope facts of every accepted document after the push.
    pub metas: Vec<DocMeta>,
    /// Accepted documents the push creates (the device has their whole history).
    pub created: Vec<String>,
    /// Documents refused, each with the status a push of it alone would get.
    pub refused: Vec<(StatusCode, RefusedRecord)>,
}

impl Judged {
    pub fn accepts(&self, doc: &str) -> bool {
        !self.refused.iter().any(|(_, r)| r.doc_id == doc)
    }

    /// The whole push refused, when every document in it was: the first refusal's status and
    /// message, naming every record.
    pub fn all_refused(&self) -> Option<ApiError> {
        let (status, first) = self.refused.first()?;
        let code = RefusalCode::parse(&first.code).map_or("refused", RefusalCode::as_str);
        let mut error = ApiError::new(*status, code, format!("推送被拒绝，未保存任何内容：{}", first.message));
        error.refused = self.refused.iter().map(|(_, r)| r.clone()).collect();
        Some(error)
    }
}

/// Judges every document of a push on its own: one refused document does not stop the others.
pub fn judge_push(state: &AppState, pusher: &Device, bundle: &ChangeBundle) -> Result<Judged, ApiError> {
    let mut by_doc: BTreeMap<&str, Vec<&BundleEntry>> = BTreeMap::new();
    for e in &bundle.entries {
        crate::api::check_id("document", &e.doc_id)?;
        by_doc.entry(e.doc_id.as_str()).or_default().push(e);
    }
    let within = state.within();
    let mut judged = Judged { metas: Vec::new(), created: Vec::new(), refused: Vec::new() };
    for (doc, entries) in by_doc {
        match judge_document(state, pusher, doc, &entries, &within)? {
            Ok((m, created)) => {
                if created {
                    judged.created.push(doc.to_owned());
                }
                judged.metas.push(m);
            }
            Err(r) => judged.refused.push(refusal(doc, r)),
        }
    }
    Ok(judged)
}

/// One document's new changes: its facts after them and whether they create it, or why they
/// are refused. The outer error is the server's own failure.
fn judge_document(
    state: &AppState,
    pusher: &Device,
    doc: &str,
    entries: &[&BundleEntry],
    within: &dyn Fn(&str, &str) -> bool,
) -> Result<Result<(DocMeta, bool), Refusal>, ApiError> {
    let bytes: Vec<&[u8]> = entries.iter().map(|e| e.change.as_slice()).collect();
    // On a copy of the replica's document in memory: nothing is stored until judged.
    let t = match state.replica.transition(doc, &bytes) {
        Ok(t) => t,
        Err(e @ (xuncha_core::Error::CorruptChanges(_) | xuncha_core::Error::Document(_))) => {
            return Ok(Err(Refusal::new(RefusalCode::BadChange, e.to_string())));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(r) = t.problem(doc) {
        return Ok(Err(r));
    }
    if let Err(r) = check_scope_changes(&pusher.user, doc, &t, within) {
        return Ok(Err(r));
    }
    let m = meta(doc, t.after.facts.clone());
    if let Some(why) = scope::why_not(&pusher.user, &m, within) {
        return Ok(Err(Refusal::new(RefusalCode::Forbidden, why)));
    }
    for new in &t.new_changes {
        let entry = entries.get(new.index).copied().ok_or_else(|| ApiError::internal("change index"))?;
        if let Err(r) = check_author(state, pusher, doc, new, entry) {
            return Ok(Err(r));
        }
    }
    Ok(Ok((m, !t.before.exists)))
}

/// Whether `author` is `user` as the server knows them (name and certificate number).
fn is_user(author: &Author, user: &User) -> bool {
    author.officer == user.name && author.cert_no == user.cert_no
}

/// The author a change names made it: it is the caller's own, or its author's device signed it.
fn check_author(
    state: &AppState,
    pusher: &Device,
    doc: &str,
    new: &NewChange,
    entry: &BundleEntry,
) -> Result<(), Refusal> {
    let forged = |why: String| Refusal::new(RefusalCode::ForgedAuthor, why);
    let Some(author) = &new.author else {
        return Err(forged(format!("change {} names no author", new.hash)));
    };
    if new.actor != author.device_id {
        // Squatting another device's actor id would take sequence numbers that device has yet
        // to use: its own next change would then be refused forever ("duplicate seq").
        return Err(forged(format!(
            "change {} is made by actor {} but names device {}",
            new.hash, new.actor, author.device_id
        )));
    }
    if author.device_id == pusher.device.device_id && is_user(author, &pusher.user) {
        return Ok(());
    }
    let Some(sig) = &entry.signature else {
        return Err(forged(format!(
            "change {} names {} ({}) on device {} but is not signed by that device",
            new.hash, author.officer, author.cert_no, author.device_id
        )));
    };
    if sig.device_id != author.device_id {
        return Err(forged(format!(
            "change {} names device {} but is signed by device {}",
            new.hash, author.device_id, sig.device_id
        )));
    }
    let backend = |e: crate::storage::StorageError| forged(format!("the signer could not be checked: {e}"));
    let device = state.storage.device(&sig.device_id).map_err(backend)?;
    let Some(device) = device.filter(|d| !d.revoked) else {
        return Err(forged(format!(
            "change {} is signed by device {}, which is not enrolled",
            new.hash, sig.device_id
        )));
    };
    if !sig.verifies(doc, &entry.change, &device.public_key) {
        return Err(forged(format!(
            "the signature of change {} does not verify with device {}'s key",
            new.hash, sig.device_id
        )));
    }
    let owner = state.storage.user(device.user_id).map_err(backend)?;
    if !owner.is_some_and(|u| is_user(author, &u)) {
        return Err(forged(format!(
            "change {} names {} ({}), who is not the user of device {}",
            new.hash, author.officer, author.cert_no, sig.device_id
        )));
    }
    Ok(())
}

/// Moving a record needs a supervisor (or admin) over the old and the new node; taking
/// someone off its team needs a supervisor over the record.
fn check_scope_changes(
    user: &User,
    doc: &str,
    t: &Transition,
    within: &dyn Fn(&str, &str) -> bool,
) -> Result<(), Refusal> {
    let supervises = |node: &str| match user.role {
        Role::Admin => true,
        Role::Supervisor => within(node, &user.jurisdiction_id),
        _ => false,
    };
    if let Some((old, new)) = t.node_change()
        && !old.iter().chain(&new).all(|n| supervises(n))
    {
        return Err(Refusal::new(
            RefusalCode::JurisdictionChanged,
            format!("{doc} would move from {} to {}", old.join(","), new.join(",")),
        ));
    }
    let removed = t.removed_members();
    if !removed.is_empty() && !t.before.nodes.iter().all(|n| supervises(n)) {
        return Err(Refusal::new(
            RefusalCode::TeamMemberRemoved,
            format!("{} would be taken off {doc}", removed.join(",")),
        ));
    }
    Ok(())
}

/// A refusal as the pusher sees it: a stable code, a 4xx, a Chinese message naming the record.
fn refusal(doc: &str, r: Refusal) -> (StatusCode, RefusedRecord) {
    tracing::warn!(doc, code = r.code.as_str(), why = r.why, "push refused");
    let status = match r.code {
        RefusalCode::IdCollision => StatusCode::CONFLICT,
        RefusalCode::MissingDependencies => StatusCode::UNPROCESSABLE_ENTITY,
        RefusalCode::ChangeTooLarge | RefusalCode::DocumentTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        RefusalCode::BadChange => StatusCode::BAD_REQUEST,
        RefusalCode::ForgedAuthor
        | RefusalCode::JurisdictionChanged
        | RefusalCode::TeamMemberRemoved
        | RefusalCode::KindChanged
        | RefusalCode::Forbidden => StatusCode::FORBIDDEN,
    };
    (status, RefusedRecord { doc_id: doc.to_owned(), code: r.code.as_str().to_owned(), message: r.message_zh(doc) })
}
