//! Feeding the replica from the log, at start and after every push.
//!
//! The log is the source of truth; the replica follows it from its own cursor, so a crash or a
//! failure between the two is caught up later. An entry the replica cannot apply is set aside:
//! marked in storage with the reason (never pulled again, listed on the console), logged, and
//! skipped. Start-up and every other record carry on: one bad entry never stops the server.

use crate::anyhow_like::Result;
use crate::state::AppState;
use crate::storage::LogEntry;

/// Log entries applied per step, in one transaction. Each commit writes every page the step
/// dirtied, and a step of new records dirties pages all over the indexes (random record ids and
/// change hashes): fewer, larger steps make a rebuild of 10,000 inspections about a fifth
/// faster than steps of 2,000 (measured on the bench's log). Pushes wait for the rebuild anyway.
const BATCH: usize = 10_000;

/// Catches the replica up with the log after a start, a batch at a time under the write lock
/// (pushes may go between batches), then marks the server ready.
pub fn rebuild(state: &AppState) -> Result<()> {
    let started = std::time::Instant::now();
    let mut set_aside = 0;
    loop {
        let _guard = state.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let step = catch_up_step(state)?;
        set_aside += step.set_aside;
        if step.applied == 0 {
            state.ready.store(true, std::sync::atomic::Ordering::Release);
            break;
        }
    }
    if set_aside > 0 {
        tracing::warn!(set_aside, "log entries the replica cannot apply were set aside; see /v1/console/set-aside");
    }
    tracing::info!(ms = started.elapsed().as_millis() as u64, "the replica has caught up with the log");
    Ok(())
}

/// Applies what the log holds past the replica's cursor; returns how many entries were set aside.
pub fn catch_up(state: &AppState) -> Result<usize> {
    let mut set_aside = 0;
    loop {
        let step = catch_up_step(state)?;
        set_aside += step.set_aside;
        if step.applied == 0 {
            return Ok(set_aside);
        }
    }
}

struct Step {
    /// Log entries looked at (none: caught up).
    applied: usize,
    set_aside: usize,
}

/// Applies one batch of what the log holds past the replica's cursor.
fn catch_up_step(state: &AppState) -> Result<Step> {
    let logged = state.storage.entries_after(state.replica.sync_cursor()?, BATCH)?;
    let applied = logged.len();
    let mut set_aside = 0;
    let Some(last) = logged.last().map(|e| e.seq) else { return Ok(Step { applied, set_aside }) };
    let mut entries: Vec<LogEntry> = Vec::with_capacity(logged.len());
    let mut seqs: Vec<u64> = Vec::with_capacity(logged.len());
    for l in logged {
        match l.entry {
            Ok(entry) => {
                entries.push(entry);
                seqs.push(l.seq);
            }
            Err(why) => {
                mark(state, l.seq, &why.0)?;
                set_aside += 1;
            }
        }
    }
    let ingested = state.replica.ingest(&entries, last)?;
    for s in ingested.set_aside {
        if let Some(seq) = seqs.get(s.index) {
            mark(state, *seq, &s.reason)?;
            set_aside += 1;
        }
    }
    Ok(Step { applied, set_aside })
}

fn mark(state: &AppState, seq: u64, reason: &str) -> Result<()> {
    tracing::warn!(seq, reason, "log entry set aside: the replica cannot apply it");
    state.storage.set_aside(seq, reason, chrono::Utc::now().timestamp_millis())?;
    Ok(())
}
