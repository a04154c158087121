//! The behaviour every storage backend must have, as one test per check. A backend runs the
//! suite by invoking `storage_conformance_tests!(expr)` in a test module, where `expr` makes an
//! empty storage and whatever must outlive it (such as a temp dir): `(storage, keep)`. It is
//! evaluated afresh for each check. Compiled for tests and under the `conformance` feature, so
//! that a backend in another crate can run the same checks. A new check is a `pub fn` below
//! and its name in the macro's list.

use super::*;

/// One `#[test]` per conformance check, each on a fresh backend from `$make`.
#[macro_export]
macro_rules! storage_conformance_tests {
    ($make:expr) => {
        $crate::storage_conformance_tests!(@each $make;
            users_are_unique_and_found,
            enrollment_codes_work_once_and_expire,
            revoked_devices_are_marked,
            appends_are_idempotent_and_ordered,
            device_docs_and_blobs,
            a_push_is_stored_whole,
            change_signatures_are_kept,
            a_device_belongs_to_its_first_user_and_keeps_its_keys,
            chain_positions_are_taken_once,
            set_aside_entries_leave_the_pulls,
            evidence_checks_are_kept,
            pulls_see_only_their_scope,
            pull_pages_end_at_the_limits,
        );
    };
    (@each $make:expr; $($check:ident),+ $(,)?) => {
        $(
            #[test]
            fn $check() {
                let (storage, _keep) = $make;
                $crate::storage::conformance::$check(&storage);
            }
        )+
    };
}

fn meta(doc: &str, kind: xuncha_core::RecordKind, node: &str, members: &[&str]) -> DocMeta {
    DocMeta {
        doc_id: doc.into(),
        kind: Some(kind),
        jurisdiction_id: Some(node.into()),
        members: members.iter().map(|m| m.to_string()).collect(),
    }
}

fn from(origin: &str, doc: &str, bytes: &[u8]) -> NewEntry {
    NewEntry { origin: origin.into(), ..change_entry(doc, bytes, None) }
}

fn docs_of(page: &PullPage) -> Vec<&str> {
    page.entries.iter().map(|e| e.doc_id.as_str()).collect()
}

/// An inspector of street "s1" sees every place there, the inspections they are on, nothing of
/// street "s2", no patrols, nothing they pushed themselves and nothing set aside.
pub fn pulls_see_only_their_scope(s: &dyn ServerStorage) {
    use xuncha_core::RecordKind::{Inspection, Patrol, Place};
    let docs = [
        meta("place-in", Place, "s1", &[]),
        meta("place-out", Place, "s2", &[]),
        meta("insp-on", Inspection, "s1-g1", &["A1", "B2"]),
        meta("insp-off", Inspection, "s1", &["B2"]),
        meta("insp-prefix", Inspection, "s1", &["A12"]),
        meta("patrol", Patrol, "s1", &[]),
    ];
    let entries: Vec<NewEntry> = vec![
        from("d9", "place-in", b"1"),
        from("d9", "place-out", b"2"),
        from("d9", "insp-on", b"3"),
        from("d9", "insp-off", b"4"),
        from("d9", "insp-prefix", b"5"),
        from("d9", "patrol", b"6"),
        from("d1", "insp-on", b"7"),
        from("d9", "place-in", b"8"),
        from("d9", "unknown-doc", b"9"),
    ];
    s.append(&entries, &docs).unwrap();
    let set_aside = s.entries_after(0, 100).unwrap().into_iter().find(|e| e.doc_id == "place-in").unwrap().seq;
    s.set_aside(set_aside, "bad", 1).unwrap();
    let scope = PullScope {
        device_id: "d1".into(),
        nodes: Some(vec!["s1".into(), "s1-g1".into()]),
        all_kinds: vec![Place],
        member_kinds: vec![Inspection],
        member: "A1".into(),
    };
    let page = s.visible_after(0, &scope, 100, usize::MAX).unwrap();
    assert_eq!(docs_of(&page), vec!["insp-on", "place-in"]);
    assert_eq!((page.cursor, page.more), (s.last_seq().unwrap(), false), "the page covers the whole log");
    let later = s.visible_after(page.cursor, &scope, 100, usize::MAX).unwrap();
    assert!(later.entries.is_empty() && !later.more);

    let admin = PullScope { nodes: None, ..scope.clone() };
    let all = s.visible_after(0, &admin, 100, usize::MAX).unwrap();
    assert_eq!(all.entries.len(), 6, "everything but the set-aside entry, d1's own and the one without a document");

    let histories = s.doc_histories(&["insp-on".into(), "place-in".into()], s.last_seq().unwrap(), "d1").unwrap();
    assert_eq!(
        histories.iter().map(|e| read(e).stored_bytes().to_vec()).collect::<Vec<_>>(),
        vec![b"3".to_vec(), b"8".to_vec()]
    );
    let until = histories[0].seq;
    assert_eq!(
        s.doc_histories(&["insp-on".into(), "place-in".into()], until, "d1").unwrap().len(),
        1,
        "up to the cursor"
    );
    assert!(s.doc_histories(&[], until, "d1").unwrap().is_empty());
}

/// A page stops at the entry limit or past the byte budget and says there is more; its
/// cursor is the last entry it holds, so the next page starts right after.
pub fn pull_pages_end_at_the_limits(s: &dyn ServerStorage) {
    use xuncha_core::RecordKind::Place;
    let entries: Vec<NewEntry> = (0..10).map(|i| from("d9", "p", format!("{i:03}").as_bytes())).collect();
    s.append(&entries, &[meta("p", Place, "s1", &[])]).unwrap();
    let scope = PullScope {
        device_id: "d1".into(),
        nodes: Some(vec!["s1".into()]),
        all_kinds: vec![Place],
        member_kinds: vec![],
        member: "A1".into(),
    };
    let mut cursor = 0;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let page = s.visible_after(cursor, &scope, 4, usize::MAX).unwrap();
        seen.extend(page.entries.iter().map(|e| e.seq));
        cursor = page.cursor;
        if !page.more {
            break;
        }
        assert_eq!(page.entries.len(), 4);
        assert_eq!(page.cursor, page.entries[3].seq);
    }
    assert_eq!(seen.len(), 10, "every entry once, in three pages");
    assert_eq!(cursor, s.last_seq().unwrap());
    let by_bytes = s.visible_after(0, &scope, 100, 5).unwrap();
    assert_eq!(
        (by_bytes.entries.len(), by_bytes.more),
        (2, true),
        "3 bytes each: the one that crosses 5 ends the page"
    );
    let exact = s.visible_after(0, &scope, 10, usize::MAX).unwrap();
    assert!(!exact.more, "exactly the limit left: nothing more");
}

pub fn evidence_checks_are_kept(s: &dyn ServerStorage) {
    use xuncha_core::evidence::Check;
    assert!(s.evidence_check("e1").unwrap().is_none());
    let check = |hash: &str, failed: Vec<Check>, at_ms| EvidenceCheck { entry_hash: hash.into(), failed, at_ms };
    s.set_evidence_checks(&[check("e1", vec![], 1), check("e2", vec![Check::Bytes, Check::Key], 1)]).unwrap();
    assert_eq!(s.evidence_check("e1").unwrap(), Some(check("e1", vec![], 1)));
    assert_eq!(s.evidence_check("e2").unwrap(), Some(check("e2", vec![Check::Bytes, Check::Key], 1)));
    s.set_evidence_checks(&[check("e1", vec![Check::Bytes], 2)]).unwrap();
    assert_eq!(s.evidence_check("e1").unwrap(), Some(check("e1", vec![Check::Bytes], 2)), "verified again");
}

pub fn a_device_belongs_to_its_first_user_and_keeps_its_keys(s: &dyn ServerStorage) {
    let owner = user(s, "lin", Role::Inspector);
    let other = user(s, "wu", Role::Inspector);
    for code in ["o1", "o2", "x1"] {
        let who = if code == "x1" { other.id } else { owner.id };
        s.create_enrollment(code, who, i64::MAX).unwrap();
    }
    let keyed = |key: &str| Device { public_key: key.repeat(32), ..device("d1", 0) };
    assert_eq!(s.redeem_enrollment("o1", &keyed("aa"), "t1", 1).unwrap(), Redemption::Enrolled { user_id: owner.id });
    assert_eq!(
        s.redeem_enrollment("x1", &keyed("cc"), "tx", 2).unwrap(),
        Redemption::DeviceOfAnotherUser,
        "another user cannot take the device over"
    );
    let d = s.device("d1").unwrap().unwrap();
    assert_eq!((d.user_id, d.public_key.as_str()), (owner.id, "aa".repeat(32).as_str()), "nothing changed");
    assert!(s.device_by_token("tx").unwrap().is_none());
    assert!(s.device_by_token("t1").unwrap().is_some());
    s.revoke_device("d1").unwrap();
    assert_eq!(s.redeem_enrollment("o2", &keyed("bb"), "t2", 3).unwrap(), Redemption::Enrolled { user_id: owner.id });
    let d = s.device("d1").unwrap().unwrap();
    assert!(!d.revoked, "the owner's re-enrolment reinstates the device");
    assert_eq!(d.public_key, "bb".repeat(32));
    assert!(s.device_by_token("t1").unwrap().is_none(), "the old token is gone");
    assert_eq!(s.device_keys("d1").unwrap(), vec!["aa".repeat(32), "bb".repeat(32)], "every key stays known");
    assert!(s.device_keys("d2").unwrap().is_empty());
    // The other user's code was not used by the refused attempt.
    assert_eq!(
        s.redeem_enrollment("x1", &device("d2", 0), "t3", 4).unwrap(),
        Redemption::Enrolled { user_id: other.id }
    );
}

fn evidence_entry(hash: &str) -> NewEntry {
    let signed = xuncha_core::evidence::SignedEntry {
        entry_hash: hash.into(),
        payload_json: format!("{{\"n\":\"{hash}\"}}"),
        signature: String::new(),
    };
    NewEntry { origin: "d1".into(), entry: LogEntry::Evidence { record_id: "a".into(), signed } }
}

fn change_entry(doc: &str, bytes: &[u8], signature: Option<ChangeSignature>) -> NewEntry {
    NewEntry { origin: "d1".into(), entry: LogEntry::Change { doc_id: doc.into(), bytes: bytes.to_vec(), signature } }
}

/// A stored entry as read back: the entry must decode.
fn read(l: &Logged) -> &LogEntry {
    l.entry.as_ref().expect("every entry written decodes")
}

pub fn chain_positions_are_taken_once(s: &dyn ServerStorage) {
    let link = |seq: u64, hash: &str| ChainLink { device_id: "d1".into(), chain_seq: seq, entry_hash: hash.into() };
    let push = |entries: &[NewEntry], chain: &[ChainLink]| {
        s.append_push(&Push { device_id: "d1", entries, docs: &[], blobs: &[], created: &[], chain })
    };
    assert!(s.chain_tip("d1").unwrap().is_none());
    let (e1, e2) = (evidence_entry("e1"), evidence_entry("e2"));
    assert_eq!(push(&[e1.clone(), e2.clone()], &[link(1, "e1"), link(2, "e2")]).unwrap(), 2);
    assert_eq!(s.chain_tip("d1").unwrap(), Some(link(2, "e2")));
    assert_eq!(s.chain_link("d1", 1).unwrap().as_deref(), Some("e1"));
    assert!(s.chain_link("d1", 3).unwrap().is_none());
    assert!(s.chain_link("d1", u64::MAX).unwrap().is_none());
    assert!(s.has_entry("e1").unwrap() && !s.has_entry("e3").unwrap());
    let before = s.entries_after(0, 100).unwrap();
    let clash = push(&[evidence_entry("e3")], &[link(2, "e3")]);
    assert!(matches!(clash, Err(StorageError::Conflict(_))), "{clash:?}");
    assert_eq!(s.entries_after(0, 100).unwrap(), before, "a refused push stores nothing");
    assert!(!s.has_entry("e3").unwrap());
}

pub fn set_aside_entries_leave_the_pulls(s: &dyn ServerStorage) {
    s.append(&[evidence_entry("p1"), evidence_entry("p2"), evidence_entry("p3")], &[]).unwrap();
    let all = s.entries_after(0, 10).unwrap();
    s.set_aside(all[1].seq, "the replica refused it", 77).unwrap();
    s.set_aside(all[1].seq, "again", 78).unwrap();
    let left: Vec<u64> = s.entries_after(0, 10).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(left, vec![all[0].seq, all[2].seq]);
    assert_eq!(s.doc_entries("a").unwrap().len(), 2);
    assert!(s.has_entry("p2").unwrap(), "it stays in the log");
    let aside = s.set_aside_entries().unwrap();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        (aside[0].seq, aside[0].hash.as_str(), aside[0].reason.as_str(), aside[0].at_ms),
        (all[1].seq, "p2", "the replica refused it", 77)
    );
    assert_eq!((aside[0].kind, aside[0].origin.as_str(), aside[0].doc_id.as_str()), (EntryKind::Evidence, "d1", "a"));
    s.set_aside(9_999, "no such entry", 1).unwrap();
    assert_eq!(s.set_aside_entries().unwrap().len(), 1);
}

pub fn change_signatures_are_kept(s: &dyn ServerStorage) {
    let sig = ChangeSignature::new("d1", [9; 64]).unwrap();
    s.append(&[change_entry("a", b"signed", Some(sig.clone())), change_entry("a", b"unsigned", None)], &[]).unwrap();
    let all = s.entries_after(0, 10).unwrap();
    assert_eq!(all.iter().map(|x| read(x).signature().cloned()).collect::<Vec<_>>(), vec![Some(sig.clone()), None]);
    assert_eq!(read(&s.doc_entries("a").unwrap()[0]).signature(), Some(&sig), "a pull of the document hands it on");
}

pub fn a_push_is_stored_whole(s: &dyn ServerStorage) {
    let entry = change_entry("a", b"x", None);
    let meta = DocMeta {
        doc_id: "a".into(),
        kind: Some(xuncha_core::RecordKind::Patrol),
        jurisdiction_id: Some("g1".into()),
        members: vec![],
    };
    let blobs = [("c".repeat(64), 42u64)];
    let created = ["a".to_string()];
    let push = Push {
        device_id: "d1",
        entries: std::slice::from_ref(&entry),
        docs: std::slice::from_ref(&meta),
        blobs: &blobs,
        created: &created,
        chain: &[],
    };
    assert_eq!(s.append_push(&push).unwrap(), 1);
    assert_eq!(s.append_push(&push).unwrap(), 0, "a retried push adds nothing");
    assert_eq!(s.entries_after(0, 10).unwrap().len(), 1);
    assert_eq!(s.doc_meta("a").unwrap().unwrap(), meta);
    assert_eq!(s.blob(&"c".repeat(64)).unwrap().unwrap().size, 42);
    assert_eq!(s.device_has_docs("d1", &created, 0).unwrap(), created.to_vec(), "the maker has the history");
}

fn user(s: &dyn ServerStorage, name: &str, role: Role) -> User {
    s.create_user(&NewUser {
        username: name.into(),
        name: format!("{name}-名字"),
        role,
        jurisdiction_id: "qs-yx".into(),
        department: "教育局".into(),
        cert_no: format!("C-{name}"),
        password_hash: None,
    })
    .unwrap()
}

pub fn users_are_unique_and_found(s: &dyn ServerStorage) {
    let u = user(s, "lin", Role::Inspector);
    assert_eq!(s.user(u.id).unwrap().unwrap(), u);
    assert_eq!(s.user_by_username("lin").unwrap().unwrap().role, Role::Inspector);
    assert!(matches!(
        s.create_user(&NewUser { username: "lin".into(), ..new_user_like(&u) }),
        Err(StorageError::Conflict(_))
    ));
    assert!(s.user_by_username("nobody").unwrap().is_none());
    assert_eq!(s.users().unwrap().len(), 1);
}

fn new_user_like(u: &User) -> NewUser {
    NewUser {
        username: u.username.clone(),
        name: u.name.clone(),
        role: u.role,
        jurisdiction_id: u.jurisdiction_id.clone(),
        department: u.department.clone(),
        cert_no: u.cert_no.clone(),
        password_hash: None,
    }
}

fn device(id: &str, user_id: i64) -> Device {
    Device { device_id: id.into(), user_id, public_key: "ab".repeat(32), revoked: false }
}

pub fn enrollment_codes_work_once_and_expire(s: &dyn ServerStorage) {
    let u = user(s, "zhao", Role::GridCaptain);
    s.create_enrollment("code-1", u.id, 2_000).unwrap();
    s.create_enrollment("code-2", u.id, 1_000).unwrap();
    let invalid = Redemption::InvalidCode;
    assert_eq!(
        s.redeem_enrollment("code-1", &device("d1", u.id), "tok-1", 1_500).unwrap(),
        Redemption::Enrolled { user_id: u.id }
    );
    assert_eq!(s.redeem_enrollment("code-1", &device("d2", u.id), "tok-2", 1_500).unwrap(), invalid, "used once");
    assert_eq!(s.redeem_enrollment("code-2", &device("d3", u.id), "tok-3", 1_500).unwrap(), invalid, "expired");
    assert_eq!(s.redeem_enrollment("nope", &device("d4", u.id), "tok-4", 0).unwrap(), invalid);
    assert_eq!(s.device_by_token("tok-1").unwrap().unwrap().device_id, "d1");
    assert!(s.device_by_token("tok-2").unwrap().is_none());
}

pub fn revoked_devices_are_marked(s: &dyn ServerStorage) {
    let u = user(s, "zhou", Role::Supervisor);
    s.create_enrollment("c", u.id, i64::MAX).unwrap();
    s.redeem_enrollment("c", &device("d9", u.id), "t9", 0).unwrap();
    assert!(!s.device("d9").unwrap().unwrap().revoked);
    assert!(s.revoke_device("d9").unwrap());
    assert!(s.device_by_token("t9").unwrap().unwrap().revoked);
    assert!(!s.revoke_device("missing").unwrap());
    assert_eq!(s.devices().unwrap().len(), 1);
}

pub fn appends_are_idempotent_and_ordered(s: &dyn ServerStorage) {
    let e = |doc: &str, bytes: &str| change_entry(doc, bytes.as_bytes(), None);
    let meta = DocMeta {
        doc_id: "a".into(),
        kind: Some(xuncha_core::RecordKind::Inspection),
        jurisdiction_id: Some("g1".into()),
        members: vec!["C-1".into(), "C-2".into()],
    };
    assert_eq!(s.append(&[e("a", "h1"), e("b", "h2")], std::slice::from_ref(&meta)).unwrap(), 2);
    assert_eq!(s.append(&[e("a", "h1"), e("a", "h3")], &[]).unwrap(), 1, "a retry adds only what is new");
    let all = s.entries_after(0, 100).unwrap();
    assert_eq!(
        all.iter().map(|x| read(x).stored_bytes().into_owned()).collect::<Vec<_>>(),
        vec![b"h1".to_vec(), b"h2".to_vec(), b"h3".to_vec()]
    );
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(*read(&s.entries_after(all[0].seq, 1).unwrap()[0]).stored_bytes(), *b"h2");
    assert!(s.has_entry(&read(&all[0]).key()).unwrap(), "the log's key is the entry's");
    assert_eq!(s.doc_entries("a").unwrap().len(), 2);
    assert_eq!(s.doc_meta("a").unwrap().unwrap(), meta);
    assert_eq!(s.last_seq().unwrap(), all[2].seq);
    assert_eq!(all[0].origin, "d1");
    let ev = evidence_entry("ev1");
    s.append(std::slice::from_ref(&ev), &[]).unwrap();
    let back = s.entries_after(all[2].seq, 10).unwrap();
    assert_eq!((read(&back[0]), back[0].doc_id.as_str()), (&ev.entry, "a"), "evidence reads back as written");
}

pub fn device_docs_and_blobs(s: &dyn ServerStorage) {
    s.mark_device_docs("d1", &["a".into(), "b".into()], 5).unwrap();
    s.mark_device_docs("d1", &["a".into()], 9).unwrap();
    let ab = ["a".to_string(), "b".to_string(), "c".to_string()];
    assert!(s.device_has_docs("d1", &ab, 4).unwrap().is_empty(), "not confirmed before cursor 5");
    assert_eq!(
        s.device_has_docs("d1", &ab, 5).unwrap(),
        vec!["a".to_string(), "b".to_string()],
        "the earliest answer counts"
    );
    assert!(s.device_has_docs("d2", &ab, 100).unwrap().is_empty());
    s.mark_device_docs("d2", &["c".into()], 0).unwrap();
    assert_eq!(s.device_has_docs("d2", &ab, 0).unwrap(), vec!["c".to_string()], "made by the device");
    s.register_blob("h", 10).unwrap();
    s.register_blob("h", 10).unwrap();
    assert_eq!(
        s.blob("h").unwrap().unwrap(),
        Blob { content_hash: "h".into(), size: 10, received: 0, complete: false }
    );
    s.set_blob_progress("h", 10, true).unwrap();
    assert!(s.blob("h").unwrap().unwrap().complete);
    assert!(s.blob("x").unwrap().is_none());
}
