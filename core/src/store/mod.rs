//! The one entry point: a [`Store`] opened on a directory owns the SQLite database (WAL, one
//! writer) and the evidence folder. Every record edit is one Automerge change and one SQLite
//! transaction that stores the change and updates the record's projection row together.

mod app_lock;
mod cases;
mod db_open;
mod evidence;
mod evidence_files;
mod exchange;
#[cfg(test)]
mod inspection_list_tests;
mod inspections;
mod judge;
mod ledger;
mod patrols;
mod places;
pub(crate) mod projection;
mod pull;
mod push;
mod readers;
mod snapshots;
pub use readers::ReaderPool;
mod reference;
mod replica;
pub(crate) mod schema;
mod search;
mod sync_state;
mod wipe;

pub use cases::StepDetails;
pub use exchange::{ImportReport, PeerState};
pub use pull::{PullApplied, SetAside, SetAsideKind};
pub use push::PushBatch;
pub use replica::{Decided, Ingested, SetAsideEntry};
pub use search::SearchHit;
pub use sync_state::SyncStatus;

use crate::bundle::BundleEntry;
use crate::crypt::StoreKey;
use crate::doc::{self, Author, ChangeSignature, Edit};
use crate::evidence::DeviceSigner;
use crate::util::{new_id, now_ms, random_bytes};
use crate::{Access, AuditEntry, ChecklistTemplate, DeviceIdentity, Error, Officer, RecordKind, Result, Role};
use automerge::{ActorId, Automerge, Change, ChangeHash};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

const DB_FILE: &str = "xuncha.db";
const EVIDENCE_DIR: &str = "evidence";
/// Documents kept decoded in memory; beyond this the cache is emptied (they reload from disk).
const DOC_CACHE_LIMIT: usize = 512;
/// The writer's page cache (negative: KiB, as SQLite reads it); memory is taken only as pages
/// are used. With SQLite's 2 MiB default, ingesting 10,000 records reread 372,000 pages from the
/// file. 16 MiB keeps phones small: a first pull of 10,000 records peaks near 85 MB.
const WRITER_CACHE_KIB: i64 = -16 * 1024;

/// The device's store. Safe to share between threads: one writer at a time.
pub struct Store {
    dir: PathBuf,
    inner: Mutex<Inner>,
    /// Evidence bytes and thumbnails on disk, sealed when the store has a key.
    files: evidence_files::EvidenceFiles,
    /// App lock and wipe state (`app_lock.rs`); taken before `inner` when both are needed.
    gate: Mutex<app_lock::Gate>,
    /// Held for the whole of a `decide_as`, so that two decisions never share one record of
    /// what was made.
    deciding: Mutex<()>,
    /// Read-only connections: reads that do not wait behind the writer.
    readers: readers::ReaderPool,
}

pub(crate) struct Inner {
    pub(crate) conn: Connection,
    pub(crate) device_id: String,
    actor: ActorId,
    pub(crate) officer: Option<Officer>,
    pub(crate) signer: Box<dyn DeviceSigner>,
    pub(crate) docs: HashMap<String, Automerge>,
    templates: HashMap<(String, u32), ChecklistTemplate>,
    /// The decision being made (`Store::decide_as`): its author, and the changes made so far.
    pub(crate) acting: Option<replica::Acting>,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, upgrading an older database. The device
    /// key is kept in the database; see `open_with_signer` for a platform keystore.
    pub fn open(dir: impl AsRef<Path>) -> Result<Store> {
        Self::open_with_signer(dir, None)
    }

    /// Opens the store with the device key held by the platform (Android Keystore, iOS Keychain).
    /// Unencrypted: for the server's replica and tests; the apps use `open_encrypted`.
    pub fn open_with_signer(dir: impl AsRef<Path>, signer: Option<Box<dyn DeviceSigner>>) -> Result<Store> {
        Self::open_keyed(dir.as_ref(), None, signer)
    }

    /// Opens the store encrypted at rest with `key`, which the platform keystore holds (ADR
    /// 0013): the database through SQLCipher, evidence files sealed. A wrong key is refused
    /// with `StoreKeyWrong`. A plaintext store from before is encrypted on this first open.
    pub fn open_encrypted(
        dir: impl AsRef<Path>,
        key: &StoreKey,
        signer: Option<Box<dyn DeviceSigner>>,
    ) -> Result<Store> {
        Self::open_keyed(dir.as_ref(), Some(key), signer)
    }

    fn open_keyed(dir: &Path, key: Option<&StoreKey>, signer: Option<Box<dyn DeviceSigner>>) -> Result<Store> {
        let dir = dir.to_path_buf();
        std::fs::create_dir_all(dir.join(EVIDENCE_DIR))?;
        let files = evidence_files::EvidenceFiles::new(dir.join(EVIDENCE_DIR), key.map(StoreKey::file_key));
        // Files first: the database's rename is what marks a store as encrypted.
        files.seal_plaintext_files()?;
        let db_key = key.map(StoreKey::db_key);
        let mut conn = db_open::open(&dir.join(DB_FILE), db_key.as_ref())?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: an acknowledged edit survives power loss, not only a killed process.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn)?;
        let device_id = match conn
            .query_row("SELECT device_id FROM device WHERE id = 1", [], |r| r.get::<_, String>(0))
            .optional()?
        {
            Some(id) => id,
            None => {
                let id = hex::encode(random_bytes::<16>());
                conn.execute(
                    "INSERT INTO device (id, device_id, created_at) VALUES (1, ?1, ?2)",
                    params![id, now_ms()],
                )?;
                id
            }
        };
        let officer = conn.query_row(
            "SELECT officer_name, officer_department, officer_cert_no FROM device WHERE id = 1",
            [],
            |r| {
                let Some(name) = r.get::<_, Option<String>>(0)? else { return Ok(None) };
                Ok(Some(Officer {
                    name,
                    department: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    cert_no: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                }))
            },
        )?;
        let actor =
            ActorId::from(hex::decode(&device_id).map_err(|_| Error::invalid("device id", "本机设备编号已损坏"))?);
        let signer = evidence::device_signer(&conn, &device_id, signer)?;
        evidence::sweep_orphans(&conn, files.dir())?;
        let gate = Mutex::new(app_lock::Gate::load(&conn)?);
        let readers = readers::open(&dir.join(DB_FILE), db_key.as_ref())?;
        let inner = Inner {
            conn,
            device_id,
            actor,
            officer,
            signer,
            docs: HashMap::new(),
            templates: HashMap::new(),
            acting: None,
        };
        Ok(Store { dir, inner: Mutex::new(inner), files, gate, deciding: Mutex::new(()), readers })
    }

    /// For a store that can be rebuilt from elsewhere (the server's replica, rebuilt from its
    /// log): commits survive a killed process but may be lost on power failure, in exchange
    /// for one fsync fewer per write.
    pub fn relax_durability(&self) -> Result<()> {
        self.lock().conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn evidence_dir(&self) -> PathBuf {
        self.dir.join(EVIDENCE_DIR)
    }

    /// True when the store was opened with a key (database and evidence files encrypted).
    pub fn is_encrypted(&self) -> bool {
        self.files.encrypted()
    }

    pub(crate) fn gate(&self) -> MutexGuard<'_, app_lock::Gate> {
        // The gate holds plain flags; a panic elsewhere cannot leave it half written.
        self.gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves SQLite consistent (the transaction rolls back),
        // and the document cache is dropped below, so the poisoned state is safe to reuse.
        self.inner.lock().unwrap_or_else(|poisoned| {
            let mut inner = poisoned.into_inner();
            inner.docs.clear();
            inner
        })
    }

    /// Runs a read on a reader connection: it sees the last committed state and does not wait
    /// for the writer. A wiped store has no readers; the read then goes to the writer.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        match self.readers.with(f) {
            Ok(result) => result,
            Err(f) => f(&self.lock().conn),
        }
    }

    /// `f` on the document of a record: the writer's cached one when the writer is free, else
    /// one decoded from a reader, so that a view does not wait behind a write.
    pub(crate) fn with_doc<T>(&self, id: &str, f: impl FnOnce(&Automerge) -> Result<T>) -> Result<T> {
        match self.inner.try_lock() {
            Ok(mut inner) => f(inner.doc(id)?),
            Err(std::sync::TryLockError::Poisoned(_)) => f(self.lock().doc(id)?),
            Err(std::sync::TryLockError::WouldBlock) => {
                let doc = self
                    .read(|conn| load_doc(conn, &ActorId::random(), id))?
                    .ok_or_else(|| Error::NotFound { kind: "record", id: id.to_owned() })?;
                f(&doc)
            }
        }
    }

    /// `f` on the document of a record of `kind` (see `with_doc`); ids of other kinds are
    /// not found.
    pub(crate) fn view<T>(&self, id: &str, kind: RecordKind, f: impl FnOnce(&doc::DocView<'_>) -> T) -> Result<T> {
        self.with_doc(id, |doc| {
            let view = of_kind(doc::DocView(doc), id, kind)?;
            Ok(f(&view))
        })
    }

    pub fn identity(&self) -> DeviceIdentity {
        let inner = self.lock();
        DeviceIdentity { device_id: inner.device_id.clone(), officer: inner.officer.clone() }
    }

    /// Signs an officer in on this device; their name and certificate number go on every edit.
    pub fn sign_in(&self, officer: Officer) -> Result<()> {
        if officer.name.trim().is_empty() {
            return Err(Error::invalid("officer name", "须填写检查人员姓名"));
        }
        let mut inner = self.lock();
        inner.conn.execute(
            "UPDATE device SET officer_name = ?1, officer_department = ?2, officer_cert_no = ?3 WHERE id = 1",
            params![officer.name, officer.department, officer.cert_no],
        )?;
        inner.officer = Some(officer);
        Ok(())
    }

    pub fn sign_out(&self) -> Result<()> {
        let mut inner = self.lock();
        inner.conn.execute(
            "UPDATE device SET officer_name = NULL, officer_department = NULL, officer_cert_no = NULL WHERE id = 1",
            [],
        )?;
        inner.officer = None;
        Ok(())
    }

    /// Every field edit of a record, oldest first: who, on which device, when, old → new.
    pub fn audit_trail(&self, record_id: &str) -> Result<Vec<AuditEntry>> {
        self.with_doc(record_id, |doc| Ok(doc::audit_trail(doc)))
    }

    /// The whole document of a record, saved in Automerge's compact format.
    pub fn document_bytes(&self, record_id: &str) -> Result<Vec<u8>> {
        let mut inner = self.lock();
        Ok(inner.doc(record_id)?.save())
    }

    /// The current heads of a record's document, hex encoded and sorted.
    pub fn heads(&self, record_id: &str) -> Result<Vec<String>> {
        let mut inner = self.lock();
        Ok(inner.doc(record_id)?.get_heads().iter().map(|h| h.to_string()).collect())
    }
}

impl Inner {
    /// Who edits: the author of the decision being made, else the officer signed in.
    pub(crate) fn editor(&self) -> Result<&Officer> {
        let acting = self.acting.as_ref().map(|a| &a.officer);
        acting.or(self.officer.as_ref()).ok_or(Error::NotSignedIn)
    }

    pub(crate) fn author(&self) -> Result<Author> {
        let officer = self.editor()?;
        Ok(Author::new(officer, &self.device_id))
    }

    /// The decoded document of a record, loaded from its changes if not cached.
    pub(crate) fn doc(&mut self, id: &str) -> Result<&mut Automerge> {
        if !self.docs.contains_key(id) {
            let doc = load_doc(&self.conn, &self.actor, id)?
                .ok_or_else(|| Error::NotFound { kind: "record", id: id.to_owned() })?;
            self.trim_cache();
            self.docs.insert(id.to_owned(), doc);
        }
        Ok(self.docs.get_mut(id).expect("just inserted"))
    }

    /// Keeps the decoded-document cache bounded (a fresh phone imports thousands of records).
    /// Called only where no document of the current write is still waiting to be stored.
    pub(crate) fn trim_cache(&mut self) {
        if self.docs.len() >= DOC_CACHE_LIMIT {
            self.docs.clear();
        }
    }

    /// The document of a record of `kind`, refusing ids of other kinds. Reads only what the
    /// caller asks of the view, so checking a large record stays cheap.
    pub(crate) fn record(&mut self, id: &str, kind: RecordKind) -> Result<doc::DocView<'_>> {
        of_kind(doc::DocView(self.doc(id)?), id, kind)
    }

    /// Creates a record document and stores it; returns its id.
    pub(crate) fn create(
        &mut self,
        kind: RecordKind,
        prefix: &str,
        maps: &[&'static str],
        edits: &[Edit],
    ) -> Result<String> {
        let author = self.author()?;
        self.may_make(kind)?;
        let id = new_id(prefix);
        let (doc, change) = doc::create(&self.actor, &author, kind.as_str(), &id, maps, edits)?;
        self.docs.insert(id.clone(), doc);
        self.persist(&id, vec![change], self.local_origin())?;
        Ok(id)
    }

    /// The server refuses records of a kind the account's role does not work on: refuse them
    /// here, when the officer starts one, not weeks later at sync. A store never enrolled
    /// (or the server's own replica) has no role and no such limit.
    fn may_make(&self, kind: RecordKind) -> Result<()> {
        let role: Option<String> = self.conn.query_row("SELECT role FROM sync_state WHERE id = 1", [], |r| r.get(0))?;
        if let Some(role) = role.as_deref().and_then(Role::parse)
            && role.access(kind) == Access::Never
        {
            return Err(Error::RoleForbidden { role, kind });
        }
        Ok(())
    }

    /// Applies `edits` to a record as one change, stored durably with its projection.
    pub(crate) fn edit(&mut self, id: &str, edits: &[Edit]) -> Result<()> {
        self.edit_with(id, edits, |_| Ok(()))
    }

    /// Like `edit`, with more writes (`also`) in the same transaction.
    pub(crate) fn edit_with(
        &mut self,
        id: &str,
        edits: &[Edit],
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let author = self.author()?;
        let change = doc::apply(self.doc(id)?, &author, edits)?;
        let origin = self.local_origin();
        self.persist_with(id, change.into_iter().collect(), origin, also)
    }

    fn persist(&mut self, id: &str, changes: Vec<Change>, origin: Origin) -> Result<()> {
        self.persist_with(id, changes, origin, |_| Ok(()))
    }

    /// Stores changes already applied to the cached document, its projection and `also`, in one
    /// transaction. On failure the cached document is dropped so memory matches disk again.
    fn persist_with(
        &mut self,
        id: &str,
        changes: Vec<Change>,
        origin: Origin,
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let result = (|| {
            // Signed here, on the device that made them, so that others can relay them. A key
            // store that fails leaves nothing stored, like any other failure below.
            let mut signed: Vec<Signed> = changes
                .into_iter()
                .map(|mut change| {
                    let sig = ChangeSignature::sign(&self.device_id, id, &change.bytes(), |m| self.signer.sign(m))?;
                    Ok((change, Some(sig)))
                })
                .collect::<Result<_>>()?;
            let made: Vec<crate::replica::LogEntry> = match origin {
                // The bytes as stored and signed.
                Origin::Decision => signed
                    .iter_mut()
                    .map(|(change, sig)| crate::replica::LogEntry::Change {
                        doc_id: id.to_owned(),
                        bytes: change.bytes().to_vec(),
                        signature: sig.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let tx = self.conn.transaction()?;
            let doc = self.docs.get(id).expect("persist follows a load");
            insert_changes(&tx, id, signed, origin)?;
            projection::write(&tx, id, doc)?;
            also(&tx)?;
            tx.commit()?;
            if let Some(acting) = &mut self.acting {
                acting.made.extend(made);
            }
            Ok(())
        })();
        if result.is_err() {
            self.docs.remove(id);
        }
        result
    }

    /// Where an edit made here comes from: an officer's own, or a decision being made.
    fn local_origin(&self) -> Origin {
        if self.acting.is_some() { Origin::Decision } else { Origin::Local }
    }

    pub(crate) fn forget_everything(&mut self) {
        self.docs.clear();
        self.templates.clear();
    }

    pub(crate) fn forget_cached(&mut self, ids: impl IntoIterator<Item = String>) {
        for id in ids {
            self.docs.remove(&id);
        }
    }
}

/// The view, if its document is a record of `kind`; not found otherwise.
fn of_kind<'a>(view: doc::DocView<'a>, id: &str, kind: RecordKind) -> Result<doc::DocView<'a>> {
    if view.str("kind").as_deref() != Some(kind.as_str()) {
        return Err(Error::NotFound { kind: kind.noun(), id: id.to_owned() });
    }
    Ok(view)
}

/// Where a change came from: made here, received from another phone, or from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Local,
    /// Made here in a decision (`Store::decide_as`), whose maker hands it on: never pending.
    Decision,
    Peer,
    Server,
}

/// A change with the signature of the device that made it, when known.
pub(crate) type Signed = (Change, Option<ChangeSignature>);

/// Stores changes once each (by hash), with their signatures. Changes from the server count as
/// acknowledged by it; a change first received from a peer and later from the server becomes
/// acknowledged (and takes the server's signature if it had none).
pub(crate) fn insert_changes(
    tx: &Transaction<'_>,
    doc_id: &str,
    changes: Vec<Signed>,
    origin: Origin,
) -> Result<usize> {
    let mut added = 0;
    for (mut change, sig) in changes {
        let hash = change.hash();
        added += insert_change(tx, doc_id, hash, &change.bytes(), sig.as_ref(), origin)?;
    }
    reconsider_if_added(tx, doc_id, added)
}

/// Changes from the server, stored as they came: the bytes of the wire, or a snapshot's
/// changes uncompressed (compressing the 150,000 changes of a first pull of 10,000 records
/// took a fifth of its time; a change loads the same either way).
pub(crate) fn insert_pulled(tx: &Transaction<'_>, doc_id: &str, changes: &[(Change, &BundleEntry)]) -> Result<usize> {
    let mut added = 0;
    for (change, entry) in changes {
        added += insert_change(tx, doc_id, change.hash(), &entry.change, entry.signature.as_ref(), Origin::Server)?;
    }
    reconsider_if_added(tx, doc_id, added)
}

/// Stores one change unless it is here already (see `insert_changes`); 1 if it was added.
fn insert_change(
    tx: &Transaction<'_>,
    doc_id: &str,
    hash: ChangeHash,
    bytes: &[u8],
    sig: Option<&ChangeSignature>,
    origin: Origin,
) -> Result<usize> {
    let (signer, signature) = match sig {
        Some(s) => (Some(s.device_id.as_str()), Some(&s.signature[..])),
        None => (None, None),
    };
    if tx.prepare_cached("SELECT 1 FROM changes WHERE hash = ?1")?.exists([&hash.0[..]])? {
        if origin == Origin::Server {
            tx.prepare_cached(
                "UPDATE changes SET acked = 1, signer = coalesce(signer, ?2),
                   signature = CASE WHEN signer IS NULL THEN ?3 ELSE signature END WHERE hash = ?1",
            )?
            .execute(params![&hash.0[..], signer, signature])?;
        }
        return Ok(0);
    }
    tx.prepare_cached(
        "INSERT INTO changes (doc_id, hash, bytes, local, acked, signer, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        doc_id,
        &hash.0[..],
        bytes,
        matches!(origin, Origin::Local | Origin::Decision),
        matches!(origin, Origin::Server | Origin::Decision),
        signer,
        signature
    ])?;
    Ok(1)
}

fn reconsider_if_added(tx: &Transaction<'_>, doc_id: &str, added: usize) -> Result<usize> {
    if added > 0 {
        push::reconsider(tx, doc_id)?;
    }
    Ok(added)
}

/// Reads a stored signature (signer, 64 bytes); None for unsigned or unreadable ones.
pub(crate) fn stored_signature(signer: Option<String>, signature: Option<Vec<u8>>) -> Option<ChangeSignature> {
    let sig = <[u8; 64]>::try_from(signature?.as_slice()).ok()?;
    ChangeSignature::new(&signer?, sig).ok()
}

/// Rebuilds a document from its stored changes; None if the record has none.
pub(crate) fn load_doc(conn: &Connection, actor: &ActorId, id: &str) -> Result<Option<Automerge>> {
    let (doc, after) = match snapshots::latest(conn, id)? {
        Some((doc, upto)) => (Some(doc.with_actor(actor.clone())), upto),
        None => (None, 0),
    };
    let mut stmt = conn.prepare_cached("SELECT bytes FROM changes WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq")?;
    let changes = stmt
        .query_map(params![id, after], |r| r.get::<_, Vec<u8>>(0))?
        .map(|b| doc::parse_change(&b?))
        .collect::<Result<Vec<_>>>()?;
    if doc.is_none() && changes.is_empty() {
        return Ok(None);
    }
    let mut doc = doc.unwrap_or_else(|| Automerge::new().with_actor(actor.clone()));
    doc.apply_changes(changes)?;
    Ok(Some(doc))
}
