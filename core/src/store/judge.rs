//! What a store accepts from another phone (an offline exchange). A phone only relays: the
//! server judges every change again with the enrolled keys and roles it alone knows. But a
//! phone must not take what the server would refuse, or it could not push afterwards, and
//! must not become a way to launder forged changes.
//!
//! Refused: a damaged, oversized or incomplete batch (missing dependencies), a second
//! document under an existing id, a change of a record's kind, a change claiming to be this
//! device's that this device never made, one whose Automerge actor is not its author's device,
//! a signature by another device than the author's or
//! one that does not verify with a key this store knows, and an unsigned change that moves a
//! record or takes someone off its team.

use super::{Inner, Signed};
use crate::sync::{Refusal, RefusalCode, apply_judged};
use crate::{Error, Result};
use rusqlite::OptionalExtension;

impl Inner {
    /// Applies `changes` from a peer to the cached document `id`, or refuses them. On refusal
    /// the caller drops the cached document (it may be half applied).
    pub(super) fn judge_peer_changes(&mut self, id: &str, changes: &[Signed]) -> Result<()> {
        let saved_size: i64 = self.conn.query_row(
            "SELECT coalesce(sum(length(bytes)), 0) FROM changes WHERE doc_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let plain: Vec<automerge::Change> = changes.iter().map(|(c, _)| c.clone()).collect();
        let doc = self.docs.get_mut(id).expect("loaded by the caller");
        let t = apply_judged(doc, saved_size.max(0) as usize, &plain)?;
        let refuse = |r: Refusal| Err(Error::ChangeRefused { doc_id: id.to_owned(), code: r.code, why: r.why });
        if let Some(r) = t.problem(id) {
            return refuse(r);
        }
        let mut unsigned = false;
        for new in &t.new_changes {
            let Some((change, sig)) = changes.get(new.index) else { continue };
            let forged = |why: String| refuse(Refusal::new(RefusalCode::ForgedAuthor, why));
            let Some(author) = &new.author else {
                return forged(format!("change {} names no author", new.hash));
            };
            if new.actor != author.device_id {
                // Another device's actor id would let this change take a sequence number that
                // device has yet to use, and its own change would then be refused everywhere.
                return forged(format!(
                    "change {} is made by actor {} but names device {}",
                    new.hash, new.actor, author.device_id
                ));
            }
            if author.device_id == self.device_id {
                return forged(format!("change {} claims to come from this device, which never made it", new.hash));
            }
            let Some(sig) = sig else {
                unsigned = true;
                continue;
            };
            if sig.device_id != author.device_id {
                return forged(format!(
                    "change {} names device {} but is signed by device {}",
                    new.hash, author.device_id, sig.device_id
                ));
            }
            if let Some(key) = self.known_key(&sig.device_id)?
                && !sig.verifies(id, change.raw_bytes(), &key)
            {
                return forged(format!("the signature of change {} does not verify", new.hash));
            }
        }
        if unsigned && t.node_change().is_some() {
            return refuse(Refusal::new(RefusalCode::JurisdictionChanged, format!("an unsigned change moves {id}")));
        }
        if unsigned && !t.removed_members().is_empty() {
            return refuse(Refusal::new(
                RefusalCode::TeamMemberRemoved,
                format!("an unsigned change takes members off {id}"),
            ));
        }
        Ok(())
    }

    fn known_key(&self, device_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT public_key FROM device_keys WHERE device_id = ?1")?
            .query_row([device_id], |r| r.get(0))
            .optional()?)
    }
}
