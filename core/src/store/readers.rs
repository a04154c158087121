//! Read-only connections beside the one writer. In WAL mode a reader sees the last committed
//! state while a write transaction is open, so lists, searches and record views (the server's
//! console above all) do not wait behind a long write such as a push being ingested.
//! Readers are opened with the writer, with the same key (an encrypted store stays encrypted
//! and the key is not kept); a wiped store closes them and reads fall back to the writer.
//! The pool itself (`ReaderPool`) is public: the server's own SQLite storage uses it too.

use super::db_open;
use crate::Result;
use crate::crypt::DbKey;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Readers per store: the server's console serves a few people at a time.
const READERS: usize = 3;

/// Opens the readers of the database at `path`, which the writer has opened and migrated.
pub(crate) fn open(path: &Path, key: Option<&DbKey>) -> Result<ReaderPool> {
    let conns = (0..READERS)
        .map(|_| {
            let conn = db_open::open(path, key)?;
            ReaderPool::prepare(&conn)?;
            Ok(conn)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ReaderPool::new(conns))
}

/// A fixed set of read-only connections to one SQLite database, lent one at a time.
pub struct ReaderPool {
    pool: Mutex<Pool>,
    freed: Condvar,
}

struct Pool {
    idle: Vec<Connection>,
    /// False once closed (a wiped store): no reader is handed out or taken back.
    open: bool,
}

impl ReaderPool {
    /// A pool of `conns`, each already opened on the database and made read-only (`prepare`).
    pub fn new(conns: Vec<Connection>) -> ReaderPool {
        ReaderPool { pool: Mutex::new(Pool { idle: conns, open: true }), freed: Condvar::new() }
    }

    /// Makes a connection a reader: a reader that tried to write would wait for, or race, the
    /// writer.
    pub fn prepare(conn: &Connection) -> rusqlite::Result<()> {
        conn.pragma_update(None, "query_only", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
    }

    fn pool(&self) -> MutexGuard<'_, Pool> {
        // The pool holds idle connections only; a panic elsewhere cannot leave it half written.
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on an idle reader, waiting for one; hands `f` back when the pool is closed.
    pub fn with<T, F: FnOnce(&Connection) -> T>(&self, f: F) -> std::result::Result<T, F> {
        let mut pool = self.pool();
        let conn = loop {
            if !pool.open {
                return Err(f);
            }
            if let Some(conn) = pool.idle.pop() {
                break conn;
            }
            pool = self.freed.wait(pool).unwrap_or_else(|p| p.into_inner());
        };
        drop(pool);
        let lease = Lease { readers: self, conn: Some(conn) };
        Ok(f(lease.conn.as_ref().expect("leased")))
    }

    /// Closes every reader (the store is being wiped); ones in use close when returned.
    pub fn close(&self) {
        let mut pool = self.pool();
        pool.open = false;
        pool.idle.clear();
        self.freed.notify_all();
    }
}

/// A reader in use; back to the pool when done, even if the read panicked.
struct Lease<'a> {
    readers: &'a ReaderPool,
    conn: Option<Connection>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut pool = self.readers.pool();
        if let (true, Some(conn)) = (pool.open, self.conn.take()) {
            pool.idle.push(conn);
            self.readers.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::crypt::StoreKey;
    use crate::{Jurisdiction, Level, Store};
    use std::sync::mpsc;
    use std::time::Duration;

    fn city(id: &str) -> Jurisdiction {
        Jurisdiction { id: id.into(), parent_id: None, level: Level::City, name: id.into(), bounds: None }
    }

    /// A thread holds the writer with a write transaction open; reads on another thread go on,
    /// see what was committed before and not the open transaction, then see it once committed.
    fn reads_do_not_wait_for_the_writer(store: Store) {
        store.upsert_jurisdictions(&[city("committed")]).unwrap();
        let store = std::sync::Arc::new(store);
        let (opened, wait_opened) = mpsc::channel();
        let (release, wait_release) = mpsc::channel::<()>();
        let writer = {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut inner = store.lock();
                let tx = inner.conn.transaction().unwrap();
                tx.execute(
                    "INSERT INTO jurisdictions (id, level, name, path) VALUES ('pending', 'city', 'pending', '/pending/')",
                    [],
                )
                .unwrap();
                opened.send(()).unwrap();
                wait_release.recv().unwrap();
                tx.commit().unwrap();
            })
        };
        wait_opened.recv().unwrap();
        let (answer, got) = mpsc::channel();
        {
            let store = store.clone();
            std::thread::spawn(move || {
                let seen = (store.jurisdiction("committed").is_ok(), store.jurisdiction("pending").is_ok());
                answer.send(seen).unwrap();
            });
        }
        let seen = got.recv_timeout(Duration::from_secs(10)).expect("a read waited behind the open write");
        assert_eq!(seen, (true, false), "the last committed state, not the open transaction");
        release.send(()).unwrap();
        writer.join().unwrap();
        assert!(store.jurisdiction("pending").is_ok(), "committed data is seen");
    }

    #[test]
    fn reads_go_on_during_a_write_transaction() {
        let dir = tempfile::tempdir().unwrap();
        reads_do_not_wait_for_the_writer(Store::open(dir.path()).unwrap());
    }

    #[test]
    fn readers_of_an_encrypted_store_use_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::from_bytes([7; 32]);
        reads_do_not_wait_for_the_writer(Store::open_encrypted(dir.path(), &key, None).unwrap());
        // Still encrypted: without the key the file does not open.
        let reopened = Store::open(dir.path());
        assert!(reopened.is_err());
    }

    #[test]
    fn a_wiped_store_reads_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.upsert_jurisdictions(&[city("c")]).unwrap();
        store.wipe().unwrap();
        assert!(store.jurisdiction("c").is_err());
        assert!(!dir.path().join(super::super::DB_FILE).exists());
    }
}
