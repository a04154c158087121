//! Who may see and write which document: by role and jurisdiction subtree.
//!
//! - admin: everything;
//! - supervisor: everything in their subtree;
//! - inspector: inspections of teams they are on, and the ledger, places and cases in their
//!   subtree (their county);
//! - grid captain / building manager: patrols and places of their grids, and the leads they
//!   raised there.

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{DocMeta, PullScope, Role, User};
use xuncha_core::Lookup;
use xuncha_core::{Access, RecordKind};

/// The one subtree check: whether `node` lies in `user`'s subtree (admins hold every node).
pub fn holds(user: &User, node: &str, within: &dyn Fn(&str, &str) -> bool) -> bool {
    user.role == Role::Admin || within(node, &user.jurisdiction_id)
}

/// `holds` over the replica's jurisdiction tree.
pub fn in_subtree(state: &AppState, user: &User, node: &str) -> bool {
    holds(user, node, &state.within())
}

/// Why a record is out of a caller's reach.
#[derive(Debug)]
pub enum Unreachable {
    /// The server knows no record of that id (and kind).
    Absent,
    /// It exists outside the caller's jurisdiction or duties; the English reason, for the log.
    Outside(String),
}

/// The one record check: the scope facts of record `id` (of `kind`, if given) when `user` may
/// see and act on it, else why not. Storage failures are errors, not "absent".
pub fn reach(
    state: &AppState,
    user: &User,
    id: &str,
    kind: Option<RecordKind>,
) -> Result<Result<DocMeta, Unreachable>, ApiError> {
    let meta = state.storage.doc_meta(id)?.filter(|m| kind.is_none_or(|k| m.kind == Some(k)));
    let Some(meta) = meta else { return Ok(Err(Unreachable::Absent)) };
    Ok(match why_not(user, &meta, &state.within()) {
        None => Ok(meta),
        Some(why) => Err(Unreachable::Outside(why)),
    })
}

/// How a surface answers a record out of reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refuse {
    /// The console: such a record is not found, so that it does not reveal that it exists.
    AsAbsent,
    /// The device API's decisions: an unknown record is not found, one outside the caller's
    /// jurisdiction is forbidden.
    AsForbidden,
}

impl Refuse {
    /// What `check_id` calls the id in its message.
    pub fn id_noun(self, kind: RecordKind) -> &'static str {
        match self {
            Refuse::AsAbsent => kind.as_str(),
            Refuse::AsForbidden => "record",
        }
    }

    /// The kind the scope check requires. The decision API leaves it to the decision, which
    /// refuses another kind's id by name after the body is checked (as it always has).
    pub fn kind_checked(self, kind: RecordKind) -> Option<RecordKind> {
        match self {
            Refuse::AsAbsent => Some(kind),
            Refuse::AsForbidden => None,
        }
    }

    pub fn answer(self, why: Unreachable, kind: RecordKind, id: &str) -> ApiError {
        match (self, why) {
            (Refuse::AsAbsent, _) => ApiError::not_found(format!("找不到您可查看的{} {id}", kind.label_zh())),
            (Refuse::AsForbidden, Unreachable::Absent) => ApiError::not_found(format!("找不到记录 {id}")),
            (Refuse::AsForbidden, Unreachable::Outside(_)) => {
                ApiError::forbidden(format!("记录 {id} 不在您的辖区或职责范围内，不能对它作出决定"))
            }
        }
    }
}

/// What `user`'s device may pull, as `can_read` decides it, in a form storage queries with.
pub fn pull_scope(state: &AppState, user: &User, device_id: &str) -> Result<PullScope, ApiError> {
    let nodes = match user.role {
        Role::Admin => None,
        _ => Some(
            state
                .replica
                .jurisdiction_subtree(&user.jurisdiction_id)
                .absent_as_none()?
                .unwrap_or_default()
                .into_iter()
                .map(|j| j.id)
                .collect(),
        ),
    };
    let with = |access: Access| RecordKind::ALL.iter().copied().filter(|k| user.role.access(*k) == access).collect();
    Ok(PullScope {
        device_id: device_id.to_owned(),
        nodes,
        all_kinds: with(Access::All),
        member_kinds: with(Access::AsMember),
        member: member_name(user).to_owned(),
    })
}

/// How records name `user` among their members: the certificate number, or the name of
/// someone without one.
fn member_name(user: &User) -> &str {
    if user.cert_no.is_empty() { &user.name } else { &user.cert_no }
}

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
    if !holds(user, node, within) {
        return Some(format!(
            "{kind} {} belongs to {node}, outside your jurisdiction {}",
            doc.doc_id, user.jurisdiction_id
        ));
    }
    let me = member_name(user);
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
