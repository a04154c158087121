//! The sync protocol, shared by the client and the server.
//!
//! Push: `POST /v1/sync/push` with a binary body (every unacknowledged change, for all
//! documents at once, plus signed evidence metadata). Pull: `GET /v1/sync/pull?cursor=N`
//! returning everything new since the cursor. Both carry the protocol version; pushes are
//! idempotent (changes and evidence are keyed by hash).

use crate::bundle::{ChangeBundle, check_checksums, put_bytes, put_varint, take_bytes, take_varint};
use crate::evidence::SignedEntry;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// 3: a pull answer may carry documents new to the device as snapshots (`DocSnapshot`)
/// instead of their histories. 2: changes travel with the signature of the device that made
/// them (bundle `XCB2`); pulls carry histories only.
pub const PROTOCOL_VERSION: u64 = 3;
/// The oldest version a server still serves: phones not yet updated keep syncing, and get
/// histories instead of snapshots. Pushes are the same in both.
pub const OLDEST_PROTOCOL_VERSION: u64 = 2;
/// The first version whose pull answers carry snapshots.
pub const SNAPSHOT_VERSION: u64 = 3;
/// Header naming the protocol version on every sync request.
pub const PROTOCOL_HEADER: &str = "x-xuncha-protocol";
/// Largest push or pull body either side produces or accepts.
pub const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;
/// Evidence bytes travel in chunks of this size.
pub const UPLOAD_CHUNK_BYTES: usize = 256 * 1024;

/// Refuse absurd record ids in a snapshot section before allocating.
const MAX_SNAPSHOT_ID_LEN: u64 = 256;

const PUSH_MAGIC: &[u8; 4] = b"XSP1";
const PULL_MAGIC: &[u8; 4] = b"XPL1";

/// What a device sends: changes and evidence metadata the server has not acknowledged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushRequest {
    pub changes: ChangeBundle,
    pub evidence: Vec<SignedEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// Changes in the request now stored on the server (all but the refused records').
    pub accepted_changes: u64,
    /// Of those, the ones the server did not have before.
    pub new_changes: u64,
    pub accepted_evidence: u64,
    pub server_time_ms: i64,
    /// Records of the request the server did not store, each with why; the rest is stored.
    #[serde(default)]
    pub refused: Vec<RefusedRecord>,
    /// Evidence entries whose place in the device's chain the server took but which it holds
    /// until their record is accepted (their record was refused or is not on the server).
    #[serde(default)]
    pub held_evidence: Vec<String>,
}

/// A record the server refused to store, and why (a stable code and a message for people).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct RefusedRecord {
    pub doc_id: String,
    pub code: String,
    pub message: String,
}

/// What the server returns for a pull.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullResponse {
    /// Give this back on the next pull.
    pub cursor: u64,
    /// More is waiting: pull again.
    pub more: bool,
    pub server_time_ms: i64,
    pub changes: ChangeBundle,
    pub evidence: Vec<SignedEntry>,
    /// Documents new to the device, whole up to `cursor` (protocol 3); their changes are not
    /// also in `changes`.
    pub snapshots: Vec<DocSnapshot>,
}

/// A document as Automerge saves it (`Automerge::save` or `save_nocompress`), sent instead of
/// its history; the record id it is sent as must be the one inside.
#[derive(Debug, Clone, PartialEq)]
pub struct DocSnapshot {
    pub doc_id: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadStatus {
    /// Bytes the server holds; continue from here.
    pub offset: u64,
    pub size: u64,
    /// True once the bytes are all there and match the hash and the signed metadata.
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollRequest {
    pub code: String,
    pub device_id: String,
    /// Hex ed25519 public key of the device.
    pub public_key: String,
    /// Hex signature of the code by that key: the device holds the key it enrols.
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    pub token: String,
    pub user: UserInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct UserInfo {
    pub username: String,
    pub name: String,
    pub role: String,
    pub jurisdiction_id: String,
    pub department: String,
    pub cert_no: String,
}

/// The error code (HTTP 401) of a device the console revoked: the phone wipes its store.
pub const DEVICE_REVOKED: &str = "device_revoked";

/// Every error the server returns: a machine-readable code and a message for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// A push refused as a whole: each of its records, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RefusedRecord>,
}

/// A version this build reads and writes, or the error that tells the officer to upgrade.
fn supported(version: u64, message: impl FnOnce() -> String) -> Result<u64> {
    if (OLDEST_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&version) {
        return Ok(version);
    }
    Err(Error::invalid("protocol", message()))
}

impl PushRequest {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = PUSH_MAGIC.to_vec();
        put_varint(&mut out, PROTOCOL_VERSION);
        put_bytes(&mut out, &self.changes.encode());
        put_bytes(&mut out, &SignedEntry::list_to_json(&self.evidence));
        out
    }

    pub fn decode(mut bytes: &[u8]) -> Result<PushRequest> {
        let bad = |why: &str| Error::CorruptChanges(format!("push body {why}"));
        if bytes.len() < 4 || &bytes[..4] != PUSH_MAGIC {
            return Err(bad("does not start with XSP1"));
        }
        bytes = &bytes[4..];
        let version = take_varint(&mut bytes).ok_or_else(|| bad("has no protocol version"))?;
        supported(version, || format!("同步协议版本 {version} 与服务器的版本 {PROTOCOL_VERSION} 不一致，请升级应用"))?;
        let changes = take_bytes(&mut bytes, MAX_BODY_BYTES).ok_or_else(|| bad("has a broken change section"))?;
        let evidence = take_bytes(&mut bytes, MAX_BODY_BYTES).ok_or_else(|| bad("has a broken evidence section"))?;
        if !bytes.is_empty() {
            return Err(bad("has trailing bytes"));
        }
        let changes = ChangeBundle::decode(changes)?;
        check_checksums(&changes)?;
        Ok(PushRequest { changes, evidence: SignedEntry::list_from_json(evidence)? })
    }
}

impl PullResponse {
    pub fn encode(&self) -> Vec<u8> {
        self.encode_as(PROTOCOL_VERSION)
    }

    /// The answer as a phone of protocol `version` reads it: from 3 on with the snapshot
    /// section (each record id and saved document); before, without it (the server then sends
    /// histories instead: snapshots given here are not written).
    pub fn encode_as(&self, version: u64) -> Vec<u8> {
        let mut out = PULL_MAGIC.to_vec();
        put_varint(&mut out, version);
        put_varint(&mut out, self.cursor);
        out.push(u8::from(self.more));
        put_varint(&mut out, self.server_time_ms.max(0) as u64);
        put_bytes(&mut out, &self.changes.encode());
        put_bytes(&mut out, &SignedEntry::list_to_json(&self.evidence));
        if version >= SNAPSHOT_VERSION {
            let mut section = Vec::new();
            for s in &self.snapshots {
                put_bytes(&mut section, s.doc_id.as_bytes());
                put_bytes(&mut section, &s.bytes);
            }
            put_bytes(&mut out, &section);
        }
        out
    }

    pub fn decode(mut bytes: &[u8]) -> Result<PullResponse> {
        let bad = |why: &str| Error::CorruptChanges(format!("pull body {why}"));
        if bytes.len() < 4 || &bytes[..4] != PULL_MAGIC {
            return Err(bad("does not start with XPL1"));
        }
        bytes = &bytes[4..];
        let version = take_varint(&mut bytes).ok_or_else(|| bad("has no protocol version"))?;
        supported(version, || format!("服务器的同步协议版本为 {version}，本应用为 {PROTOCOL_VERSION}，请升级应用"))?;
        let cursor = take_varint(&mut bytes).ok_or_else(|| bad("has no cursor"))?;
        let (&more, rest) = bytes.split_first().ok_or_else(|| bad("is truncated"))?;
        bytes = rest;
        let server_time_ms = take_varint(&mut bytes).ok_or_else(|| bad("has no server time"))? as i64;
        let changes = take_bytes(&mut bytes, MAX_BODY_BYTES).ok_or_else(|| bad("has a broken change section"))?;
        let evidence = take_bytes(&mut bytes, MAX_BODY_BYTES).ok_or_else(|| bad("has a broken evidence section"))?;
        let snapshots = if version >= SNAPSHOT_VERSION {
            let section = take_bytes(&mut bytes, MAX_BODY_BYTES).ok_or_else(|| bad("has a broken snapshot section"))?;
            if !bytes.is_empty() {
                return Err(bad("has trailing bytes"));
            }
            decode_snapshots(section)?
        } else {
            Vec::new()
        };
        let changes = ChangeBundle::decode(changes)?;
        check_checksums(&changes)?;
        Ok(PullResponse {
            cursor,
            more: more != 0,
            server_time_ms,
            changes,
            evidence: SignedEntry::list_from_json(evidence)?,
            snapshots,
        })
    }
}

/// The framing of the snapshot section; what each snapshot holds is checked when it is
/// applied (`Store::apply_pull`), so that a bad one is set aside alone.
fn decode_snapshots(mut section: &[u8]) -> Result<Vec<DocSnapshot>> {
    let bad = |why: String| Error::CorruptChanges(format!("pull body snapshot {why}"));
    let mut out = Vec::new();
    while !section.is_empty() {
        let n = out.len();
        let id = take_bytes(&mut section, MAX_SNAPSHOT_ID_LEN).ok_or_else(|| bad(format!("{n} has a broken id")))?;
        let doc_id = std::str::from_utf8(id).map_err(|_| bad(format!("{n} has an id that is not UTF-8")))?.to_owned();
        let bytes = take_bytes(&mut section, MAX_BODY_BYTES).ok_or_else(|| bad(format!("{n} is cut")))?.to_vec();
        out.push(DocSnapshot { doc_id, bytes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::BundleEntry;

    fn a_change() -> Vec<u8> {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "kind", "inspection").unwrap();
        doc.get_last_local_change().unwrap().bytes().into_owned()
    }

    #[test]
    fn a_damaged_change_is_refused_by_its_checksum() {
        let change = a_change();
        let mut damaged = change.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 0x01;
        for (what, bytes) in [("push", &change), ("damaged", &damaged)] {
            let push = PushRequest {
                changes: ChangeBundle { entries: vec![BundleEntry::unsigned("insp-1", bytes.clone())] },
                evidence: vec![],
            };
            let decoded = PushRequest::decode(&push.encode());
            assert_eq!(decoded.is_ok(), what == "push", "{what}: {decoded:?}");
        }
    }

    #[test]
    fn push_and_pull_round_trip_and_refuse_other_versions() {
        let push = PushRequest {
            changes: ChangeBundle {
                entries: vec![BundleEntry::new(
                    "insp-1",
                    a_change(),
                    Some(crate::doc::ChangeSignature::new("d1", [3; 64]).unwrap()),
                )],
            },
            evidence: vec![SignedEntry { entry_hash: "ab".into(), payload_json: "{}".into(), signature: "cd".into() }],
        };
        assert_eq!(PushRequest::decode(&push.encode()).unwrap(), push);
        let mut other = push.encode();
        other[4] = 9;
        assert!(PushRequest::decode(&other).unwrap_err().message_zh().contains("同步协议版本 9"));
        let pull = PullResponse {
            cursor: 77,
            more: true,
            server_time_ms: 5,
            changes: push.changes.clone(),
            evidence: push.evidence.clone(),
            snapshots: vec![DocSnapshot { doc_id: "insp-2".into(), bytes: vec![1, 2, 3] }],
        };
        assert_eq!(PullResponse::decode(&pull.encode()).unwrap(), pull);
        for version in [OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION] {
            let bytes = pull.encode_as(version);
            for cut in 0..bytes.len() {
                assert!(PullResponse::decode(&bytes[..cut]).is_err(), "version {version}, prefix {cut}");
            }
        }
        let mut longer = pull.encode();
        longer.push(0);
        assert!(PullResponse::decode(&longer).is_err(), "trailing bytes");
        let mut other = pull.encode();
        other[4] = 1;
        assert!(PullResponse::decode(&other).unwrap_err().message_zh().contains("协议版本为 1"));
    }

    /// A phone of protocol 2 reads the answer without the snapshot section: the server sends
    /// it histories instead.
    #[test]
    fn an_answer_for_protocol_2_has_no_snapshot_section() {
        let pull = PullResponse {
            cursor: 3,
            snapshots: vec![DocSnapshot { doc_id: "insp-2".into(), bytes: vec![1, 2, 3] }],
            ..PullResponse::default()
        };
        let old = pull.encode_as(2);
        assert_eq!(old.len() + 2 + "insp-2".len() + 1 + 3, pull.encode().len());
        let read = PullResponse::decode(&old).unwrap();
        assert_eq!((read.cursor, read.snapshots.len()), (3, 0));
    }

    #[test]
    fn a_snapshot_section_with_a_broken_frame_is_refused() {
        let mut section = Vec::new();
        put_bytes(&mut section, b"insp-1");
        put_varint(&mut section, 9);
        section.push(1);
        let mut body = PULL_MAGIC.to_vec();
        put_varint(&mut body, PROTOCOL_VERSION);
        body.extend([0, 0, 0]);
        put_bytes(&mut body, &ChangeBundle::default().encode());
        put_bytes(&mut body, b"[]");
        put_bytes(&mut body, &section);
        let e = PullResponse::decode(&body).unwrap_err();
        assert!(e.to_string().contains("snapshot 0 is cut"), "{e}");
    }
}
