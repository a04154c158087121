//! The behaviour every storage backend must have. A backend's test calls `run` with a factory
//! that makes an empty storage (and keeps whatever it needs alive, such as a temp dir).

use super::*;

pub fn run<K>(make: impl Fn() -> (Box<dyn ServerStorage>, K)) {
    users_are_unique_and_found(&*make().0);
    enrollment_codes_work_once_and_expire(&*make().0);
    revoked_devices_are_marked(&*make().0);
    appends_are_idempotent_and_ordered(&*make().0);
    device_docs_and_blobs(&*make().0);
    a_push_is_stored_whole(&*make().0);
    change_signatures_are_kept(&*make().0);
}

fn change_signatures_are_kept(s: &dyn ServerStorage) {
    let sig = ChangeSignature::new("d1", [9; 64]).unwrap();
    let e = |hash: &str, signature: Option<ChangeSignature>| NewEntry {
        origin: "d1".into(),
        doc_id: "a".into(),
        kind: EntryKind::Change,
        hash: hash.into(),
        bytes: hash.as_bytes().to_vec(),
        signature,
    };
    s.append(&[e("signed", Some(sig.clone())), e("unsigned", None)], &[]).unwrap();
    let all = s.entries_after(0, 10).unwrap();
    assert_eq!(all.iter().map(|x| x.signature.clone()).collect::<Vec<_>>(), vec![Some(sig.clone()), None]);
    assert_eq!(s.doc_entries("a").unwrap()[0].signature, Some(sig), "a pull of the document hands it on");
}

fn a_push_is_stored_whole(s: &dyn ServerStorage) {
    let entry = NewEntry {
        origin: "d1".into(),
        doc_id: "a".into(),
        kind: EntryKind::Change,
        hash: "h".into(),
        bytes: b"x".to_vec(),
        signature: None,
    };
    let meta = DocMeta {
        doc_id: "a".into(),
        kind: Some("patrol".into()),
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

fn users_are_unique_and_found(s: &dyn ServerStorage) {
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

fn enrollment_codes_work_once_and_expire(s: &dyn ServerStorage) {
    let u = user(s, "zhao", Role::GridCaptain);
    s.create_enrollment("code-1", u.id, 2_000).unwrap();
    s.create_enrollment("code-2", u.id, 1_000).unwrap();
    assert_eq!(s.redeem_enrollment("code-1", &device("d1", u.id), "tok-1", 1_500).unwrap(), Some(u.id));
    assert_eq!(s.redeem_enrollment("code-1", &device("d2", u.id), "tok-2", 1_500).unwrap(), None, "used once");
    assert_eq!(s.redeem_enrollment("code-2", &device("d3", u.id), "tok-3", 1_500).unwrap(), None, "expired");
    assert_eq!(s.redeem_enrollment("nope", &device("d4", u.id), "tok-4", 0).unwrap(), None);
    assert_eq!(s.device_by_token("tok-1").unwrap().unwrap().device_id, "d1");
    assert!(s.device_by_token("tok-2").unwrap().is_none());
}

fn revoked_devices_are_marked(s: &dyn ServerStorage) {
    let u = user(s, "zhou", Role::Supervisor);
    s.create_enrollment("c", u.id, i64::MAX).unwrap();
    s.redeem_enrollment("c", &device("d9", u.id), "t9", 0).unwrap();
    assert!(!s.device("d9").unwrap().unwrap().revoked);
    assert!(s.revoke_device("d9").unwrap());
    assert!(s.device_by_token("t9").unwrap().unwrap().revoked);
    assert!(!s.revoke_device("missing").unwrap());
    assert_eq!(s.devices().unwrap().len(), 1);
}

fn appends_are_idempotent_and_ordered(s: &dyn ServerStorage) {
    let e = |doc: &str, hash: &str| NewEntry {
        origin: "d1".into(),
        doc_id: doc.into(),
        kind: EntryKind::Change,
        hash: hash.into(),
        bytes: hash.as_bytes().to_vec(),
        signature: None,
    };
    let meta = DocMeta {
        doc_id: "a".into(),
        kind: Some("inspection".into()),
        jurisdiction_id: Some("g1".into()),
        members: vec!["C-1".into(), "C-2".into()],
    };
    assert_eq!(s.append(&[e("a", "h1"), e("b", "h2")], std::slice::from_ref(&meta)).unwrap(), 2);
    assert_eq!(s.append(&[e("a", "h1"), e("a", "h3")], &[]).unwrap(), 1, "a retry adds only what is new");
    let all = s.entries_after(0, 100).unwrap();
    assert_eq!(
        all.iter().map(|x| x.bytes.clone()).collect::<Vec<_>>(),
        vec![b"h1".to_vec(), b"h2".to_vec(), b"h3".to_vec()]
    );
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(s.entries_after(all[0].seq, 1).unwrap()[0].bytes, b"h2");
    assert_eq!(s.doc_entries("a").unwrap().len(), 2);
    assert_eq!(s.doc_meta("a").unwrap().unwrap(), meta);
    assert_eq!(s.last_seq().unwrap(), all[2].seq);
    assert_eq!(all[0].origin, "d1");
    let ev = NewEntry {
        origin: "server".into(),
        doc_id: "a".into(),
        kind: EntryKind::Evidence,
        hash: "ev1".into(),
        bytes: b"[]".to_vec(),
        signature: None,
    };
    s.append(&[ev], &[]).unwrap();
    assert_eq!(s.entries_after(all[2].seq, 10).unwrap()[0].kind, EntryKind::Evidence);
}

fn device_docs_and_blobs(s: &dyn ServerStorage) {
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
