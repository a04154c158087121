//! A scripted attacker with a really enrolled phone pushes hand-made Automerge changes, raw:
//! moving another township's case into its own jurisdiction, changing a record's kind,
//! forging a supervisor as author, signing with the wrong key, taking a member off a team, a
//! document id collision, missing dependencies, oversized changes and documents, replays.
//! Each is refused with a clear 4xx and a stable code, nothing is stored, the server restarts
//! cleanly on the same data, and honest phones keep syncing. Honest relays (a colleague's
//! changes carried after an offline exchange) and a supervisor's move within their subtree
//! are accepted.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue};
use xuncha_core::bundle::{BundleEntry, ChangeBundle};
use xuncha_core::doc::{Author, ChangeSignature};
use xuncha_core::sync::protocol::PushRequest;
use xuncha_core::*;
use xuncha_e2e::*;
use xuncha_server::api::accounts::{NewUserBody, create_user};

/// One hand-made edit of a document.
type HandEdit = Box<dyn FnOnce(&mut AutoCommit)>;

fn officer(name: &str, cert_no: &str) -> Officer {
    Officer { name: name.into(), department: "教育局".into(), cert_no: cert_no.into() }
}

fn user(t: &TestServer, username: &str, role: &str, node: &str, o: &Officer) -> Device {
    let body = NewUserBody {
        username: username.into(),
        name: o.name.clone(),
        role: role.into(),
        jurisdiction_id: node.into(),
        department: o.department.clone(),
        cert_no: o.cert_no.clone(),
        password: None,
    };
    create_user(&t.server.state, body).unwrap();
    t.device(username, o.clone())
}

fn author_of(d: &Device) -> Author {
    Author::new(&d.store.identity().officer.unwrap(), &d.store.identity().device_id)
}

/// Hand-made changes on top of `doc` (a saved document, or none for a new one), by `actor`
/// (hex), each naming `author`; one change per edit function.
fn hand_made(doc: Option<&[u8]>, actor: &str, author: &Author, edits: Vec<HandEdit>) -> Vec<Vec<u8>> {
    let actor = ActorId::from(hex::decode(actor).unwrap());
    let mut d = match doc {
        Some(bytes) => AutoCommit::load(bytes).unwrap().with_actor(actor),
        None => AutoCommit::new().with_actor(actor),
    };
    let message = serde_json::json!({"author": author, "edits": []}).to_string();
    edits
        .into_iter()
        .map(|edit| {
            edit(&mut d);
            d.commit_with(CommitOptions::default().with_message(message.clone()));
            d.get_last_local_change().unwrap().raw_bytes().to_vec()
        })
        .collect()
}

fn one(doc: Option<&[u8]>, actor: &str, author: &Author, edit: impl FnOnce(&mut AutoCommit) + 'static) -> Vec<u8> {
    hand_made(doc, actor, author, vec![Box::new(edit)]).remove(0)
}

/// A signature by `signer`'s key, claiming to be device `device_id`'s.
fn signed_by(signer: &Store, device_id: &str, doc: &str, change: &[u8]) -> ChangeSignature {
    ChangeSignature::sign(device_id, doc, change, |m| {
        Ok(hex::decode(signer.sign_with_device_key(m)?).unwrap().try_into().unwrap())
    })
    .unwrap()
}

fn push(entries: Vec<BundleEntry>) -> Vec<u8> {
    PushRequest { changes: ChangeBundle { entries }, evidence: vec![] }.encode()
}

fn server_doc(t: &TestServer, id: &str) -> Vec<u8> {
    t.server.state.replica.document_bytes(id).unwrap()
}

struct Tally {
    tried: usize,
    refused: usize,
}

impl Tally {
    /// Pushes `body` as `device` and checks the refusal: status, code, a Chinese message naming
    /// the record, and nothing stored (log and the record's heads unchanged).
    #[allow(clippy::too_many_arguments)]
    fn attack(
        &mut self,
        t: &TestServer,
        name: &str,
        device: &Device,
        body: Vec<u8>,
        status: u16,
        code: &str,
        doc: &str,
    ) {
        self.tried += 1;
        let log = t.log_len();
        let heads = t.server.state.replica.heads(doc).ok();
        let (got, answer) = push_raw(&t.url(), &device.token, body);
        let message = answer["message"].as_str().unwrap_or_default();
        assert_eq!(got, status, "{name}: {answer}");
        assert_eq!(answer["code"], code, "{name}: {answer}");
        assert!(message.contains("推送被拒绝") && message.contains(doc), "{name}: {message}");
        assert_eq!(t.log_len(), log, "{name}: the log grew");
        assert_eq!(t.server.state.replica.heads(doc).ok(), heads, "{name}: the record changed");
        self.refused += 1;
    }
}

#[test]
fn hostile_changes_are_refused_and_honest_relays_accepted() {
    let t = TestServer::start();
    let mallory = user(&t, "gx-mallory", "inspector", "qs-yx-gx", &officer("马立", "QS-ATK-0001"));
    let lily = user(&t, "la-lily", "inspector", "qs-yx-la", &officer("李莉", "QS-LA-0001"));
    let la_sup = user(&t, "la-sup", "supervisor", "qs-yx-la", &officer("罗督导", "QS-LA-0009"));
    let chen = t.device("chen", demo_officer("chen"));
    let lin = t.device("lin", demo_officer("lin"));
    let zhao = t.device("zhao", demo_officer("zhao"));
    let m_dev = mallory.store.identity().device_id;
    let m_author = author_of(&mallory);

    // Honest records: a case of the other township (柳岸街道), the attacker's own inspection
    // with lin on the team, lin and zhao's inspection.
    let case = lily
        .store
        .open_case(&NewCase {
            jurisdiction_id: "qs-yx-la-jh".into(),
            source: CaseSource::Tip,
            summary: "镜湖社区有学生周末进出".into(),
            inspection_id: None,
            deadline_ms: None,
        })
        .unwrap();
    lily.sync().unwrap();
    let insp_m = mallory.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
    mallory.store.add_team_member(&insp_m, &demo_officer("lin")).unwrap();
    mallory.sync().unwrap();
    let insp_l = lin.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
    lin.store.add_team_member(&insp_l, &demo_officer("zhao")).unwrap();
    for d in [&lin, &zhao, &chen] {
        d.sync().unwrap();
    }
    let mut tally = Tally { tried: 0, refused: 0 };

    // The attack of the issue: move another township's case into one's own jurisdiction.
    let moved = one(Some(&server_doc(&t, &case)), &m_dev, &m_author, |d| {
        d.put(ROOT, "jurisdiction_id", "qs-yx-gx").unwrap();
    });
    let body = push(vec![BundleEntry::unsigned(&case, moved)]);
    tally.attack(&t, "move a case of another township", &mallory, body, 403, "jurisdiction_changed", &case);
    // A supervisor moving a record out of their own subtree.
    let sup_dev = la_sup.store.identity().device_id;
    let out = one(Some(&server_doc(&t, &case)), &sup_dev, &author_of(&la_sup), |d| {
        d.put(ROOT, "jurisdiction_id", "qs-yx-gx").unwrap();
    });
    let body = push(vec![BundleEntry::unsigned(&case, out)]);
    tally.attack(&t, "supervisor moves a case out of their subtree", &la_sup, body, 403, "jurisdiction_changed", &case);

    // Change a record's kind.
    let kind = one(Some(&server_doc(&t, &insp_m)), &m_dev, &m_author, |d| d.put(ROOT, "kind", "place").unwrap());
    tally.attack(
        &t,
        "change the kind",
        &mallory,
        push(vec![BundleEntry::unsigned(&insp_m, kind)]),
        403,
        "kind_changed",
        &insp_m,
    );

    // Forge the supervisor as author: name and certificate number, on the attacker's device.
    let chen_dev = chen.store.identity().device_id;
    let as_chen = Author { device_id: m_dev.clone(), ..author_of(&chen) };
    let forged = one(Some(&server_doc(&t, &insp_m)), &m_dev, &as_chen, |d| d.put(ROOT, "review", "同意").unwrap());
    let body = push(vec![BundleEntry::unsigned(&insp_m, forged.clone())]);
    tally.attack(&t, "forge the supervisor's name", &mallory, body, 403, "forged_author", &insp_m);
    // … signed by the attacker's own (valid) key: the device is not the supervisor's.
    let sig = signed_by(&mallory.store, &m_dev, &insp_m, &forged);
    let body = push(vec![BundleEntry::new(&insp_m, forged, Some(sig))]);
    tally.attack(&t, "forge the supervisor, signed by own device", &mallory, body, 403, "forged_author", &insp_m);
    // … naming the supervisor's device, signed with the attacker's key.
    let on_chen =
        one(Some(&server_doc(&t, &insp_m)), &chen_dev, &author_of(&chen), |d| d.put(ROOT, "review", "同意").unwrap());
    let sig = signed_by(&mallory.store, &chen_dev, &insp_m, &on_chen);
    let body = push(vec![BundleEntry::new(&insp_m, on_chen.clone(), Some(sig))]);
    tally.attack(&t, "a change signed by another device's key", &mallory, body, 403, "forged_author", &insp_m);
    // … or with no signature at all.
    let body = push(vec![BundleEntry::unsigned(&insp_m, on_chen)]);
    tally.attack(&t, "the supervisor's device, unsigned", &mallory, body, 403, "forged_author", &insp_m);
    // Squat another device's actor id (its next sequence number would then be refused).
    let lin_dev = lin.store.identity().device_id;
    let squat = one(Some(&server_doc(&t, &insp_m)), &lin_dev, &m_author, |d| d.put(ROOT, "review", "x").unwrap());
    let body = push(vec![BundleEntry::unsigned(&insp_m, squat)]);
    tally.attack(&t, "another device's actor id", &mallory, body, 403, "forged_author", &insp_m);

    // Take a member off the team.
    let removed = one(Some(&server_doc(&t, &insp_m)), &m_dev, &m_author, |d| {
        let team = match d.get(ROOT, "team").unwrap() {
            Some((automerge::Value::Object(ObjType::Map), id)) => id,
            other => panic!("{other:?}"),
        };
        let key = d.keys(&team).find(|k| k.contains(&demo_officer("lin").cert_no)).expect("lin is on the team");
        d.delete(&team, key.as_str()).unwrap();
    });
    let body = push(vec![BundleEntry::unsigned(&insp_m, removed)]);
    tally.attack(&t, "delete a team member", &mallory, body, 403, "team_member_removed", &insp_m);

    // A new document pushed under an id the server holds.
    let collision = one(None, &m_dev, &m_author, {
        let case = case.clone();
        move |d| {
            d.put(ROOT, "kind", "case").unwrap();
            d.put(ROOT, "id", case.as_str()).unwrap();
            d.put(ROOT, "jurisdiction_id", "qs-yx-gx").unwrap();
        }
    });
    let body = push(vec![BundleEntry::unsigned(&case, collision)]);
    tally.attack(&t, "document id collision", &mallory, body, 409, "id_collision", &case);

    // A change whose dependency is not sent (Automerge would queue it silently).
    let two = hand_made(
        Some(&server_doc(&t, &insp_m)),
        &m_dev,
        &m_author,
        vec![Box::new(|d| d.put(ROOT, "review", "一").unwrap()), Box::new(|d| d.put(ROOT, "review", "二").unwrap())],
    );
    let body = push(vec![BundleEntry::unsigned(&insp_m, two[1].clone())]);
    tally.attack(&t, "missing dependencies", &mallory, body, 422, "missing_dependencies", &insp_m);

    // Oversized: one change over 1 MiB; a document over 8 MiB in changes under 1 MiB each.
    let noise = |n: usize, seed: u8| -> Vec<u8> {
        let mut x = u64::from(seed) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    };
    let big = noise(1536 * 1024, 1);
    let huge = one(Some(&server_doc(&t, &insp_m)), &m_dev, &m_author, move |d| {
        d.put(ROOT, "note", ScalarValue::Bytes(big)).unwrap();
    });
    let body = push(vec![BundleEntry::unsigned(&insp_m, huge)]);
    tally.attack(&t, "oversized change", &mallory, body, 413, "change_too_large", &insp_m);
    let pieces: Vec<HandEdit> = (0..9u8)
        .map(|i| {
            let chunk = noise(950 * 1024, i + 2);
            Box::new(move |d: &mut AutoCommit| d.put(ROOT, format!("note{i}"), ScalarValue::Bytes(chunk)).unwrap())
                as HandEdit
        })
        .collect();
    let chunks = hand_made(Some(&server_doc(&t, &insp_m)), &m_dev, &m_author, pieces);
    let body = push(chunks.into_iter().map(|c| BundleEntry::unsigned(&insp_m, c)).collect());
    tally.attack(&t, "oversized document", &mallory, body, 413, "document_too_large", &insp_m);

    // Replays of an honest device's signed change by another device. lin's finding, made
    // offline, relayed by zhao: without its signature it is refused…
    lin.store.add_finding(&insp_l, "屋内白板写有初二数学题").unwrap();
    let lin_batch = lin.store.next_push(usize::MAX).unwrap();
    let finding = lin_batch.request.changes.entries[0].clone();
    assert!(finding.signature.is_some(), "core signs every change it makes");
    let stripped = BundleEntry { signature: None, ..finding.clone() };
    tally.attack(&t, "relay with the signature stripped", &zhao, push(vec![stripped]), 403, "forged_author", &insp_l);
    // … and lin's new inspection, signed for its own id, cannot be replayed under another id.
    let fresh = lin.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
    lin.store.add_team_member(&fresh, &demo_officer("zhao")).unwrap();
    let elsewhere = "insp-replayed-elsewhere";
    let replayed: Vec<BundleEntry> = lin
        .store
        .next_push(usize::MAX)
        .unwrap()
        .request
        .changes
        .entries
        .into_iter()
        .filter(|e| e.doc_id == fresh)
        .map(|e| BundleEntry { doc_id: elsewhere.into(), ..e })
        .collect();
    assert_eq!(replayed.len(), 2);
    tally.attack(
        &t,
        "a signed change replayed into another document",
        &zhao,
        push(replayed),
        403,
        "forged_author",
        elsewhere,
    );

    println!("hostile changes: {} attacks tried, {} refused", tally.tried, tally.refused);
    assert_eq!(tally.tried, tally.refused);

    // The relay with its valid signature is accepted, the author preserved.
    let (status, body) = push_raw(&t.url(), &zhao.token, push(vec![finding.clone()]));
    assert_eq!(status, 200, "{body}");
    let trail = t.server.state.replica.audit_trail(&insp_l).unwrap();
    let entry = trail.iter().find(|e| e.field.starts_with("findings.")).expect("the finding arrived");
    assert_eq!(
        (entry.officer.as_str(), entry.device_id.as_str()),
        (demo_officer("lin").name.as_str(), lin_dev.as_str())
    );

    // The server restarts cleanly on the same data, and honest phones keep syncing.
    let log = t.log_len();
    let t = t.restart();
    assert_eq!(t.log_len(), log);
    for d in [&lin, &zhao, &lily, &mallory, &chen] {
        sync_until_ok(&d.client, &d.store, 5);
    }
    assert_eq!(lin.store.sync_status().unwrap().pending_changes, 0);
    assert!(pull_doc_ids(&t.url(), &la_sup.token).contains(&case), "the owning township still sees its case");
    let meta = t.server.state.storage.doc_meta(&case).unwrap().unwrap();
    assert_eq!(meta.jurisdiction_id.as_deref(), Some("qs-yx-la-jh"));
    assert_eq!(t.server.state.replica.inspection(&fresh).unwrap().team.len(), 2, "lin's own push went through");
    assert!(t.server.state.replica.document_bytes(elsewhere).is_err());

    // A supervisor over both nodes may move a record within their subtree.
    let chen_move = one(Some(&chen.store.document_bytes(&case).unwrap()), &chen_dev, &author_of(&chen), |d| {
        d.put(ROOT, "jurisdiction_id", "qs-yx-gx-hq").unwrap();
    });
    let (status, body) = push_raw(&t.url(), &chen.token, push(vec![BundleEntry::unsigned(&case, chen_move)]));
    assert_eq!(status, 200, "{body}");
    let meta = t.server.state.storage.doc_meta(&case).unwrap().unwrap();
    assert_eq!(meta.jurisdiction_id.as_deref(), Some("qs-yx-gx-hq"));
}

/// Two phones exchange an inspection offline (no server), the second pushes the first's
/// changes with its own: accepted, each change keeping its author.
#[test]
fn a_colleagues_changes_relayed_after_an_offline_exchange_keep_their_authors() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let zhao = t.device("zhao", demo_officer("zhao"));
    let id = lin.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap();
    lin.store.add_team_member(&id, &demo_officer("zhao")).unwrap();
    lin.store.answer_item(&id, "I01", AnswerValue::No, "").unwrap();
    // Offline: lin's phone hands the inspection to zhao's.
    zhao.store.import_changes(&lin.store.export_changes(&zhao.store.peer_state().unwrap()).unwrap()).unwrap();
    zhao.store.add_finding(&id, "门口鞋柜有多双儿童鞋").unwrap();
    let report = zhao.sync().unwrap();
    assert_eq!(report.pushed_changes, 4, "lin's three changes and zhao's one");
    let trail = t.server.state.replica.audit_trail(&id).unwrap();
    let who = |field: &str| trail.iter().find(|e| e.field.starts_with(field)).map(|e| e.officer.clone()).unwrap();
    assert_eq!(who("answers.I01"), demo_officer("lin").name);
    assert_eq!(who("team."), demo_officer("lin").name);
    assert_eq!(who("findings."), demo_officer("zhao").name);
    lin.sync().unwrap();
    assert_same_docs(&lin.store, &t.server.state.replica, std::slice::from_ref(&id), "lin");
    assert_same_docs(&zhao.store, &t.server.state.replica, std::slice::from_ref(&id), "zhao");
}
