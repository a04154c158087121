//! The shape every record document shares, and the one way documents are edited.
//!
//! A record is a root map of scalar fields plus named maps whose entries are JSON texts
//! (answers, findings, team members, case steps…). Every named map is created in the
//! document's first change, so replicas never create the same map concurrently (which would
//! hide one side's entries). An entry is replaced whole, so concurrent edits of one entry
//! surface as an Automerge conflict with every value kept.
//!
//! Each change carries who made it and which fields it changed (old → new) in its message:
//! the audit trail is read back from the document history.

mod audit;
mod signature;

pub use audit::{audit_trail, first_author};
pub use signature::{ChangeSignature, MAX_DEVICE_ID_LEN, change_author};

use crate::{Conflict, Error, Officer, Result};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, Change, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One edit of a record.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Set a root field to a scalar (string, number, bool or null).
    Set(&'static str, Json),
    /// Put a whole entry (stored as JSON text) into a named map.
    Entry(&'static str, String, Json),
}

/// Who made a change; written into every change message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub officer: String,
    pub cert_no: String,
    pub device_id: String,
}

impl Author {
    pub fn new(officer: &Officer, device_id: &str) -> Self {
        Author { officer: officer.name.clone(), cert_no: officer.cert_no.clone(), device_id: device_id.to_owned() }
    }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct ChangeMessage {
    pub author: Author,
    pub edits: Vec<FieldEdit>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct FieldEdit {
    pub field: String,
    pub old: Option<Json>,
    pub new: Option<Json>,
}

/// A new, empty document for a record of `kind`, with its named maps, written by `actor`.
pub fn create(
    actor: &ActorId,
    author: &Author,
    kind: &str,
    id: &str,
    maps: &[&'static str],
    edits: &[Edit],
) -> Result<(Automerge, Change)> {
    let mut doc = Automerge::new().with_actor(actor.clone());
    let mut all = vec![Edit::Set("kind", Json::from(kind)), Edit::Set("id", Json::from(id))];
    all.extend_from_slice(edits);
    let change = commit(&mut doc, author, &all, maps)?.expect("a new document always changes");
    Ok((doc, change))
}

/// Applies `edits` in one Automerge change and returns it; None when the edits set values the
/// document already has (a repeated tap). Nothing changes on error.
pub fn apply(doc: &mut Automerge, author: &Author, edits: &[Edit]) -> Result<Option<Change>> {
    commit(doc, author, edits, &[])
}

fn commit(
    doc: &mut Automerge,
    author: &Author,
    edits: &[Edit],
    create_maps: &[&'static str],
) -> Result<Option<Change>> {
    let mut tx = doc.transaction();
    let mut log = Vec::with_capacity(edits.len());
    let result: Result<()> = (|| {
        for map in create_maps {
            tx.put_object(ROOT, *map, ObjType::Map)?;
        }
        for edit in edits {
            match edit {
                Edit::Set(key, value) => {
                    let old = scalar_json(&tx, &ROOT, key);
                    tx.put(ROOT, *key, to_scalar(value))?;
                    log.push(FieldEdit { field: key.to_string(), old, new: Some(value.clone()) });
                }
                Edit::Entry(map, key, value) => {
                    let obj = map_id(&tx, map)
                        .ok_or_else(|| Error::CorruptChanges(format!("the document has no map {map}")))?;
                    let old = entry_json(&tx, &obj, key);
                    tx.put(&obj, key.as_str(), value.to_string())?;
                    log.push(FieldEdit { field: format!("{map}.{key}"), old, new: Some(value.clone()) });
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        tx.rollback();
        return Err(e);
    }
    let message = serde_json::to_string(&ChangeMessage { author: author.clone(), edits: log }).expect("plain JSON");
    let (hash, _) = tx.commit_with(CommitOptions::default().with_message(message).with_time(crate::util::now_ms()));
    let Some(hash) = hash else { return Ok(None) };
    doc.get_change_by_hash(&hash)
        .map(Some)
        .ok_or_else(|| Error::CorruptChanges("the change just made is missing".into()))
}

fn to_scalar(v: &Json) -> ScalarValue {
    match v {
        Json::Null => ScalarValue::Null,
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => ScalarValue::Int(i),
            None => ScalarValue::F64(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        other => ScalarValue::Str(other.to_string().into()),
    }
}

fn from_scalar(v: &Value<'_>) -> Option<Json> {
    match v {
        Value::Object(_) => None,
        Value::Scalar(s) => Some(match s.as_ref() {
            ScalarValue::Null => Json::Null,
            ScalarValue::Boolean(b) => Json::Bool(*b),
            ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Json::from(*i),
            ScalarValue::Uint(u) => Json::from(*u),
            ScalarValue::F64(f) => serde_json::Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
            ScalarValue::Str(s) => Json::from(s.as_str()),
            _ => Json::Null,
        }),
    }
}

fn map_id<R: ReadDoc>(doc: &R, map: &str) -> Option<ObjId> {
    match doc.get(ROOT, map).ok()?? {
        (Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

fn scalar_json<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<Json> {
    doc.get(obj, key).ok()?.and_then(|(v, _)| from_scalar(&v))
}

fn entry_json<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<Json> {
    match scalar_json(doc, obj, key)? {
        Json::String(s) => serde_json::from_str(&s).ok(),
        other => Some(other),
    }
}

/// A read view over a record document.
pub struct DocView<'a>(pub &'a Automerge);

impl DocView<'_> {
    pub fn field(&self, key: &str) -> Option<Json> {
        scalar_json(self.0, &ROOT, key).filter(|v| !v.is_null())
    }

    pub fn str(&self, key: &str) -> Option<String> {
        self.field(key).and_then(|v| v.as_str().map(str::to_owned))
    }

    pub fn i64(&self, key: &str) -> Option<i64> {
        self.field(key).and_then(|v| v.as_i64())
    }

    /// The winning entries of a named map, sorted by key, parsed into `T`; entries that do not
    /// parse (from a newer app version, say) are skipped.
    pub fn entries<T: serde::de::DeserializeOwned>(&self, map: &str) -> Vec<(String, T)> {
        let Some(obj) = map_id(self.0, map) else {
            return Vec::new();
        };
        self.0
            .keys(&obj)
            .filter_map(|k| {
                let v = entry_json(self.0, &obj, &k)?;
                Some((k, serde_json::from_value(v).ok()?))
            })
            .collect()
    }

    /// Every field or entry with more than one concurrent value.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let doc = self.0;
        let mut out = Vec::new();
        let mut push = |obj: &ObjId, key: &str, field: String| {
            let all = doc.get_all(obj, key).unwrap_or_default();
            if all.len() > 1 {
                let mut values: Vec<String> = all
                    .iter()
                    .filter_map(|(v, _)| from_scalar(v))
                    .map(|v| match v {
                        Json::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect();
                values.sort();
                out.push(Conflict { field, values });
            }
        };
        for key in doc.keys(ROOT) {
            match map_id(doc, &key) {
                Some(obj) => {
                    for k in doc.keys(&obj) {
                        push(&obj, &k, format!("{key}.{k}"));
                    }
                }
                None => push(&ROOT, &key, key.clone()),
            }
        }
        out
    }
}

/// Reads changes from bytes, refusing anything that is not a well-formed Automerge change.
pub fn parse_change(bytes: &[u8]) -> Result<Change> {
    Change::from_bytes(bytes.to_vec()).map_err(|e| Error::CorruptChanges(e.to_string()))
}
