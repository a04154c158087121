//! Opening the database file, encrypted with SQLCipher when the store has a key (ADR 0013).
//! The key is the connection's first statement and is checked at once by reading the schema,
//! so a wrong key is reported as such, not later as "file is not a database".
//! A plaintext database (a store from before encryption) opened with a key is migrated: copied
//! into an encrypted file with `sqlcipher_export`, which then replaces it in one rename.

use crate::crypt::DbKey;
use crate::{Error, Result};
use rusqlite::{Connection, ErrorCode, params};
use std::path::{Path, PathBuf};

const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Opens `path` (creating it if needed) with `key`, or in plaintext without one.
pub(crate) fn open(path: &Path, key: Option<&DbKey>) -> Result<Connection> {
    if let Some(key) = key
        && is_plaintext(path)?
    {
        encrypt_in_place(path, key)?;
    }
    let conn = Connection::open(path)?;
    if let Some(key) = key {
        let sql = zeroize::Zeroizing::new(format!("PRAGMA key = {};", key.pragma_value().as_str()));
        conn.execute_batch(&sql)?;
    }
    check_readable(&conn)?;
    Ok(conn)
}

/// The first read: SQLite answers NOTADB when the key (or its absence) does not fit the file.
fn check_readable(conn: &Connection) -> Result<()> {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => Err(Error::StoreKeyWrong),
        Err(e) => Err(e.into()),
    }
}

/// True if the file exists and starts with SQLite's plaintext header (an encrypted file starts
/// with its random salt instead).
fn is_plaintext(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut header = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut f) => Ok(f.read_exact(&mut header).is_ok() && &header == PLAINTEXT_HEADER),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Copies the plaintext database into an encrypted one beside it, then renames it over the
/// original. A crash before the rename leaves the plaintext store intact (and the half copy is
/// removed on the next try); after it, the encrypted one.
fn encrypt_in_place(path: &Path, key: &DbKey) -> Result<()> {
    let tmp = sibling(path, ".encrypting");
    remove_if_present(&tmp)?;
    {
        let conn = Connection::open(path)?;
        // Everything in the WAL goes into the main file first, so the copy misses nothing.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let tmp_str = tmp.to_str().ok_or_else(|| Error::invalid("store path", "本机数据目录的路径无法识别"))?;
        conn.execute("ATTACH DATABASE ?1 AS encrypted KEY ?2", params![tmp_str, raw_key_text(key).as_str()])?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        conn.execute_batch(&format!("PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"))?;
    }
    std::fs::File::open(&tmp)?.sync_all()?;
    // The closed plaintext database has no pending WAL; its files must not meet the new one.
    for suffix in ["-wal", "-shm"] {
        remove_if_present(&sibling(path, suffix))?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(path.parent().expect("the database is in the store folder"))?.sync_all()?;
    Ok(())
}

/// `x'<hex>'` as a string value: SQLCipher takes it as a raw key, as `PRAGMA key` does.
fn raw_key_text(key: &DbKey) -> zeroize::Zeroizing<String> {
    let quoted = key.pragma_value();
    zeroize::Zeroizing::new(quoted.trim_matches('"').to_owned())
}

pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

pub(crate) fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}
