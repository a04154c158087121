//! Who may see and write which document: by role and jurisdiction subtree.
//!
//! - admin: everything;
//! - supervisor: everything in their subtree;
//! - inspector: inspections of teams they are on, and the ledger, places and cases in their
//!   subtree (their county);
//! - grid captain / building manager: patrols and places of their grids, and the leads they
//!   raised there.

use crate::storage::{DocMeta, Role, User};
use xuncha_core::{Access, RecordKind};

/// `within(node, ancestor)`: whether node lies in ancestor's subtree.
pub fn can_read(user: &User, doc: &DocMeta, within: &dyn Fn(&str, &str) -> bool) -> bool {
    why_not(user, doc, within).is_none()
}

/// Why `user` may not see or write `doc`; None if they may.
pub fn why_not(user: &User, doc: &DocMeta, within: &dyn Fn(&str, &str) -> bool) -> Option<String> {
    if user.role == Role::Admin {
        return None;
    }
    let Some(kind) = doc.kind else {
        return Some(format!("document {} is incomplete (its first change is missing)", doc.doc_id));
    };
    let Some(node) = doc.jurisdiction_id.as_deref() else {
        return Some(format!("{kind} {} has no jurisdiction", doc.doc_id));
    };
    if !within(node, &user.jurisdiction_id) {
        return Some(format!(
            "{kind} {} belongs to {node}, outside your jurisdiction {}",
            doc.doc_id, user.jurisdiction_id
        ));
    }
    let me = if user.cert_no.is_empty() { &user.name } else { &user.cert_no };
    let member = doc.members.iter().any(|m| m == me);
    let allowed = match user.role.access(kind) {
        Access::All => true,
        Access::AsMember => member,
        Access::Never => false,
    };
    if allowed {
        None
    } else if matches!(kind, RecordKind::Inspection | RecordKind::Case) && !member {
        Some(format!("you are not on {kind} {}", doc.doc_id))
    } else {
        let role = user.role.as_str().replace('_', " ");
        let article = if role.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        Some(format!("{kind} {}: {article} {role} does not work on {kind} records", doc.doc_id))
    }
}
