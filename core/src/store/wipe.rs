//! Wiping the store when the console revoked this device (ADR 0013): the database (and its WAL
//! and shared-memory files) and the evidence folder are deleted, and the store object refuses
//! everything after with `device_revoked`. The app then deletes the store key from the
//! keystore; without it nothing left on the flash (deleted blocks) can be read.

use super::db_open::{remove_if_present, sibling};
use super::{DB_FILE, Store};
use crate::Result;
use rusqlite::Connection;

impl Store {
    /// Closes the database and deletes every file of the store. Idempotent.
    pub fn wipe(&self) -> Result<()> {
        self.gate().wiped = true;
        self.readers.close();
        {
            let mut inner = self.lock();
            // Closing needs the connection by value: an empty in-memory one takes its place,
            // so nothing written by a late call can reach the disk.
            let closed = std::mem::replace(&mut inner.conn, Connection::open_in_memory()?);
            if let Err((conn, _)) = closed.close() {
                drop(conn);
            }
            inner.officer = None;
            inner.forget_everything();
        }
        let db = self.dir().join(DB_FILE);
        for path in [sibling(&db, "-wal"), sibling(&db, "-shm"), db.clone()] {
            remove_if_present(&path)?;
        }
        if let Err(e) = std::fs::remove_dir_all(self.evidence_dir())
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(e.into());
        }
        std::fs::File::open(self.dir())?.sync_all()?;
        Ok(())
    }

    /// True once `wipe` ran.
    pub fn is_wiped(&self) -> bool {
        self.gate().wiped
    }
}
