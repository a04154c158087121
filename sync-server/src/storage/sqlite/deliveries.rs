//! Which documents' whole history went to which device (`device_docs`), written by a
//! background thread in group commits: a pull answers without waiting for a write or an fsync.
//! Until written, a delivery is kept in memory and read from there, so the next pull of the
//! device sees it either way; one lost in a crash only means that history is sent again.

use super::mark_docs_in;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the writer gathers deliveries after the first one before it commits them.
const GATHER: Duration = Duration::from_millis(20);

/// (device, document) → the answer cursor the history went out in.
type Pending = HashMap<(String, String), u64>;

pub(super) struct Deliveries {
    pending: Arc<Mutex<Pending>>,
    wake: Option<Sender<()>>,
    writer: Option<JoinHandle<()>>,
}

impl Deliveries {
    pub(super) fn start(conn: Arc<Mutex<Connection>>) -> Deliveries {
        let pending = Arc::new(Mutex::new(Pending::new()));
        let (wake, woken) = channel();
        let writer = {
            let pending = pending.clone();
            std::thread::Builder::new()
                .name("device-docs".into())
                .spawn(move || write_loop(&conn, &pending, &woken))
                .expect("spawn the delivery writer")
        };
        Deliveries { pending, wake: Some(wake), writer: Some(writer) }
    }

    /// Records deliveries; the earliest answer that carried a history wins.
    pub(super) fn record(&self, device_id: &str, doc_ids: &[String], at_cursor: u64) {
        let mut pending = lock(&self.pending);
        for d in doc_ids {
            let at = pending.entry((device_id.to_owned(), d.clone())).or_insert(at_cursor);
            *at = (*at).min(at_cursor);
        }
        drop(pending);
        if let Some(wake) = &self.wake {
            let _ = wake.send(());
        }
    }

    /// Of `doc_ids`, those with a delivery not yet written at or before `cursor`.
    pub(super) fn unwritten(&self, device_id: &str, doc_ids: &[String], cursor: u64) -> Vec<String> {
        let pending = lock(&self.pending);
        if pending.is_empty() {
            return Vec::new();
        }
        doc_ids
            .iter()
            .filter(|d| pending.get(&(device_id.to_owned(), (*d).clone())).is_some_and(|at| *at <= cursor))
            .cloned()
            .collect()
    }
}

impl Drop for Deliveries {
    /// Writes what is pending before the storage closes.
    fn drop(&mut self) {
        self.wake.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn lock(pending: &Mutex<Pending>) -> MutexGuard<'_, Pending> {
    pending.lock().unwrap_or_else(|p| p.into_inner())
}

fn write_loop(conn: &Mutex<Connection>, pending: &Mutex<Pending>, woken: &Receiver<()>) {
    loop {
        let closing = woken.recv().is_err();
        if !closing {
            // Gather what else arrives meanwhile into the same commit.
            let until = std::time::Instant::now() + GATHER;
            while let Some(left) = until.checked_duration_since(std::time::Instant::now()) {
                match woken.recv_timeout(left) {
                    Ok(()) => {}
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        }
        let batch: Vec<((String, String), u64)> = lock(pending).iter().map(|(k, v)| (k.clone(), *v)).collect();
        if !batch.is_empty() {
            match write(conn, &batch) {
                Ok(()) => {
                    let mut pending = lock(pending);
                    for (key, at) in &batch {
                        // A later, earlier-cursor delivery of the same pair stays pending.
                        if pending.get(key) == Some(at) {
                            pending.remove(key);
                        }
                    }
                }
                // Kept in memory and tried again with the next delivery.
                Err(e) => tracing::warn!(error = %e, pending = batch.len(), "delivery records not written yet"),
            }
        }
        if closing {
            return;
        }
    }
}

fn write(conn: &Mutex<Connection>, batch: &[((String, String), u64)]) -> crate::storage::StorageResult<()> {
    let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
    let tx = conn.transaction()?;
    for ((device, doc), at) in batch {
        mark_docs_in(&tx, device, std::slice::from_ref(doc), *at)?;
    }
    Ok(tx.commit()?)
}
