//! Feeding the replica from the log, at start and after every push.
//!
//! The log is the source of truth; the replica follows it from its own cursor, so a crash or a
//! failure between the two is caught up later. An entry the replica cannot apply is set aside:
//! marked in storage with the reason (never pulled again, listed on the console), logged, and
//! skipped. Start-up and every other record carry on: one bad entry never stops the server.

use crate::anyhow_like::Result;
use crate::state::{AppState, change_hash};
use crate::storage::{EntryKind, LogEntry};
use std::collections::HashMap;
use xuncha_core::bundle::ChangeBundle;
use xuncha_core::evidence::SignedEntry;

/// Log entries applied per step.
const BATCH: usize = 2_000;

/// Applies what the log holds past the replica's cursor; returns how many entries were set aside.
pub fn catch_up(state: &AppState) -> Result<usize> {
    let mut set_aside = 0;
    loop {
        let entries = state.storage.entries_after(state.replica.sync_cursor()?, BATCH)?;
        let Some(last) = entries.last().map(|e| e.seq) else { return Ok(set_aside) };
        set_aside += apply(state, &entries, last)?;
    }
}

/// Applies entries up to `last` in one step; if the replica fails on the step as a whole,
/// entry by entry, setting aside each that fails alone.
fn apply(state: &AppState, entries: &[LogEntry], last: u64) -> Result<usize> {
    let mut set_aside = 0;
    let mut bundle = ChangeBundle::default();
    let mut evidence = Vec::new();
    // The replica names what it sets aside by the log's key: the hash of a change's bytes, or
    // an evidence item's entry hash.
    let mut seq_of: HashMap<String, u64> = HashMap::new();
    for e in entries {
        match e.kind {
            EntryKind::Change => {
                seq_of.insert(change_hash(&e.bytes), e.seq);
                bundle.entries.push(xuncha_core::bundle::BundleEntry::new(
                    e.doc_id.clone(),
                    e.bytes.clone(),
                    e.signature.clone(),
                ));
            }
            EntryKind::Evidence => match serde_json::from_slice::<[String; 3]>(&e.bytes) {
                Ok([entry_hash, payload_json, signature]) => {
                    seq_of.insert(entry_hash.clone(), e.seq);
                    evidence.push(SignedEntry { entry_hash, payload_json, signature });
                }
                Err(why) => {
                    tracing::warn!(seq = e.seq, %why, "evidence log entry is not [entry_hash, payload, signature]");
                    mark(state, e.seq, "证据记录的格式无法识别，无法读取 (corrupt)")?;
                    set_aside += 1;
                }
            },
        }
    }
    match state.replica.apply_pull(&bundle, &evidence, last) {
        Ok(applied) => {
            for s in applied.set_aside {
                // Keys the log does not hold were refused in an earlier step and marked then.
                if let Some(seq) = seq_of.get(&s.key) {
                    mark(state, *seq, &s.reason)?;
                    set_aside += 1;
                }
            }
            Ok(set_aside)
        }
        Err(why) if entries.len() > 1 => {
            let from = entries.first().map_or(last, |e| e.seq);
            tracing::warn!(%why, from, to = last, "the replica failed on a step; applying entry by entry");
            for e in entries {
                set_aside += apply(state, std::slice::from_ref(e), e.seq)?;
            }
            Ok(set_aside)
        }
        Err(why) => {
            mark(state, last, &format!("the replica cannot apply it: {why}"))?;
            // Past it, so that it is not tried again.
            state.replica.apply_pull(&ChangeBundle::default(), &[], last)?;
            Ok(set_aside + 1)
        }
    }
}

fn mark(state: &AppState, seq: u64, reason: &str) -> Result<()> {
    tracing::warn!(seq, reason, "log entry set aside: the replica cannot apply it");
    state.storage.set_aside(seq, reason, chrono::Utc::now().timestamp_millis())?;
    Ok(())
}
