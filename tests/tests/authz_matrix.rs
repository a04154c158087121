//! The authorization matrix: every role × (own node, child, sibling, parent) × record kind,
//! for what a pull delivers and what a push may write. Users sit at community qs-yx-gx-hq:
//! child qs-yx-gx-hq-g1 (a grid), sibling qs-yx-gx-sm, parent qs-yx-gx. Patrols belong to
//! grids, so a patrol's "own" and "parent" cells use no patrol (core refuses patrols on other
//! levels) and its "sibling" cell uses a grid of the sibling community.

use std::collections::BTreeSet;
use xuncha_core::*;
use xuncha_e2e::*;
use xuncha_server::api::accounts::{NewUserBody, create_user};

const HOME: &str = "qs-yx-gx-hq";
const RELATIONS: [(&str, &str); 4] =
    [("own", HOME), ("child", "qs-yx-gx-hq-g1"), ("sibling", "qs-yx-gx-sm"), ("parent", "qs-yx-gx")];
const ROLES: [&str; 5] = ["inspector", "grid_captain", "building_manager", "supervisor", "admin"];
const KINDS: [&str; 5] = ["inspection", "patrol", "place", "ledger_entry", "case"];

/// The grid a patrol uses for a relation, if any.
fn patrol_grid(relation: &str) -> Option<&'static str> {
    match relation {
        "child" => Some("qs-yx-gx-hq-g1"),
        "sibling" => Some("qs-yx-gx-sm-g1"),
        _ => None,
    }
}

/// The rules as the issue states them: admin everything; others only in their subtree, where
/// a supervisor sees everything, an inspector the inspections of teams they are on and the
/// ledger, places and cases, a grid captain or building manager the patrols and places, and
/// the cases (leads) they raised.
fn expected(role: &str, kind: &str, relation: &str, member: bool) -> bool {
    if role == "admin" {
        return true;
    }
    if !matches!(relation, "own" | "child") {
        return false;
    }
    match (role, kind) {
        ("supervisor", _) => true,
        ("inspector", "inspection") => member,
        ("inspector", "ledger_entry" | "place" | "case") => true,
        ("grid_captain" | "building_manager", "patrol" | "place") => true,
        ("grid_captain" | "building_manager", "case") => member,
        _ => false,
    }
}

fn officer(role: &str) -> Officer {
    Officer {
        name: format!("矩阵{role}"),
        department: "测试".into(),
        cert_no: if matches!(role, "grid_captain" | "building_manager") {
            String::new()
        } else {
            format!("QS-TEST-{}", role.to_uppercase())
        },
    }
}

/// Creates a record of `kind` at `node` on `store`; returns its id.
fn create(store: &Store, kind: &str, node: &str, team: Option<&Officer>) -> String {
    match kind {
        "inspection" => {
            let id = store.start_inspection(new_inspection(node)).unwrap();
            if let Some(o) = team {
                store.add_team_member(&id, o).unwrap();
            }
            id
        }
        "patrol" => store.start_patrol(node).unwrap(),
        "place" => store
            .add_place(&Place {
                id: String::new(),
                jurisdiction_id: node.into(),
                name: format!("{node}测试场所"),
                place_type: PlaceType::Residential,
                address: "测试路1号".into(),
                lat: None,
                lon: None,
                owner: String::new(),
            })
            .unwrap(),
        "ledger_entry" => store
            .add_ledger_entry(&NewLedgerEntry {
                jurisdiction_id: node.into(),
                name: format!("{node}测试机构"),
                category: LedgerCategory::ConvertedInstitution,
                address: "测试路2号".into(),
                reason: "测试".into(),
            })
            .unwrap(),
        "case" => store
            .open_case(&NewCase {
                jurisdiction_id: node.into(),
                source: CaseSource::Tip,
                summary: format!("{node}测试线索"),
                inspection_id: None,
                deadline_ms: None,
            })
            .unwrap(),
        other => panic!("{other}"),
    }
}

fn users(t: &TestServer) -> Vec<(&'static str, Device)> {
    ROLES
        .iter()
        .map(|role| {
            let username = format!("matrix-{}", role.replace('_', "-"));
            let o = officer(role);
            create_user(
                &t.server.state,
                NewUserBody {
                    username: username.clone(),
                    name: o.name.clone(),
                    role: (*role).into(),
                    jurisdiction_id: HOME.into(),
                    department: o.department.clone(),
                    cert_no: o.cert_no.clone(),
                    password: None,
                },
            )
            .unwrap();
            (*role, t.device(&username, o))
        })
        .collect()
}

#[test]
fn pull_visibility_follows_role_and_subtree() {
    let t = TestServer::start();
    let users = users(&t);
    // The admin's phone writes one record of each kind at each node: inspections both with and
    // without the matrix users on the team, cases raised by the admin (no member).
    let admin =
        t.device("admin", Officer { name: "系统管理员".into(), department: "教育局".into(), cert_no: String::new() });
    let team: Vec<Officer> = ROLES.iter().map(|r| officer(r)).collect();
    let mut cells: Vec<(&str, &str, bool, String)> = Vec::new(); // (kind, relation, member, id)
    for (relation, node) in RELATIONS {
        for kind in KINDS {
            let node = if kind == "patrol" {
                match patrol_grid(relation) {
                    Some(g) => g,
                    None => continue,
                }
            } else {
                node
            };
            if kind == "inspection" {
                let id = create(&admin.store, kind, node, None);
                for o in &team {
                    admin.store.add_team_member(&id, o).unwrap();
                }
                cells.push((kind, relation, true, id));
            }
            cells.push((kind, relation, false, create(&admin.store, kind, node, None)));
        }
    }
    admin.sync().unwrap();
    let mut failures = Vec::new();
    for (role, device) in &users {
        let seen: BTreeSet<String> = pull_doc_ids(&t.url(), &device.token);
        for (kind, relation, member, id) in &cells {
            let want = expected(role, kind, relation, *member);
            if seen.contains(id) != want {
                failures
                    .push(format!("{role} {kind} {relation} member={member}: saw {} want {want}", seen.contains(id)));
            }
        }
        // And the real client applies exactly that.
        device.sync().unwrap();
        let on_phone: BTreeSet<String> = doc_ids(&device.store).into_iter().collect();
        assert_eq!(on_phone, seen, "{role}: the phone holds what the pull delivered");
    }
    assert!(failures.is_empty(), "pull visibility:\n{}", failures.join("\n"));
}

#[test]
fn push_acceptance_follows_role_and_subtree_and_a_refused_push_stores_nothing() {
    let t = TestServer::start();
    let users = users(&t);
    let mut failures = Vec::new();
    for (role, device) in &users {
        for (relation, node) in RELATIONS {
            for kind in KINDS {
                let node = if kind == "patrol" {
                    match patrol_grid(relation) {
                        Some(g) => g,
                        None => continue,
                    }
                } else {
                    node
                };
                // The creator is on the team of the inspection and the opener of the case.
                let id = create(&device.store, kind, node, None);
                let batch = device.store.next_push(usize::MAX).unwrap();
                assert!(batch.request.changes.entries.iter().all(|e| e.doc_id == id));
                let before = t.log_len();
                let (status, body) = push_raw(&t.url(), &device.token, batch.request.encode());
                let want = expected(role, kind, relation, true);
                let accepted = status == 200;
                if accepted != want {
                    failures.push(format!("{role} {kind} {relation}: status {status} {body}, want accepted={want}"));
                }
                if !accepted {
                    assert_eq!(status, 403, "{role} {kind} {relation}: {body}");
                    let message = body["message"].as_str().unwrap_or_default();
                    assert!(message.contains("未保存") && message.contains(&id), "{message}");
                    assert_eq!(body["refused"][0]["doc_id"], id.as_str(), "{body}");
                    assert_eq!(t.log_len(), before, "a refused push stores nothing");
                    assert!(t.server.state.replica.document_bytes(&id).is_err());
                }
                device.store.mark_pushed(&batch).unwrap(); // next cell starts clean
            }
        }
    }
    assert!(failures.is_empty(), "push acceptance:\n{}", failures.join("\n"));
}

/// One document out of scope is refused alone, with a message saying which and why; the rest
/// of the push is stored, and the phone keeps the refused record, marked, without resending it.
#[test]
fn a_document_outside_scope_is_refused_alone_and_the_rest_syncs() {
    let t = TestServer::start();
    let lin = t.device("lin", demo_officer("lin"));
    let inside: Vec<String> =
        (0..3).map(|_| lin.store.start_inspection(new_inspection("qs-yx-gx-hq-g1")).unwrap()).collect();
    // Another county: outside lin's jurisdiction qs-yx. (Core knows only the demo tree, so the
    // record is made at the city node, lin's parent.)
    let outside = lin.store.start_inspection(new_inspection("qs")).unwrap();
    let photo = xuncha_fixtures::photos::phone_photo(3, 26.61, 106.92);
    let item = lin.store.add_photo(&photo, &capture(&inside[0])).unwrap();
    let held_photo = xuncha_fixtures::photos::phone_photo(4, 26.61, 106.92);
    let held = lin.store.add_photo(&held_photo, &capture(&outside)).unwrap();
    let after_held = lin.store.add_photo(&xuncha_fixtures::photos::phone_photo(5, 26.61, 106.92), &capture(&inside[1]));
    let report = lin.sync().unwrap();
    assert_eq!(report.refused_records, 1, "{report:?}");
    for id in &inside {
        assert_eq!(t.server.state.replica.heads(id).unwrap(), lin.store.heads(id).unwrap(), "{id}");
    }
    assert!(t.server.state.replica.document_bytes(&outside).is_err(), "{outside} was stored");
    assert!(t.server.state.storage.blob(&item.payload.content_hash).unwrap().is_some_and(|b| b.complete));
    // The photo of the refused record is held, not stored; the one taken after it is not blocked.
    assert!(t.server.state.storage.blob(&held.payload.content_hash).unwrap().is_none());
    let after = after_held.unwrap();
    assert_eq!(t.server.state.replica.evidence_for_record(&inside[1]).unwrap().len(), 1, "{after:?}");

    let refused = lin.store.refused_records().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!((refused[0].doc_id.as_str(), refused[0].code.as_str()), (outside.as_str(), "forbidden"));
    assert!(refused[0].message.contains("辖区") && refused[0].message.contains(&outside), "{:?}", refused[0]);
    let status = lin.store.sync_status().unwrap();
    assert_eq!((status.pending_records, status.refused_records), (0, 1), "kept, marked, not pending");

    // Not sent again until it changes.
    let before = t.log_len();
    let again = lin.sync().unwrap();
    assert_eq!((again.pushed_changes, again.refused_records), (0, 0), "{again:?}");
    assert_eq!(t.log_len(), before);
    // A change to it offers it again (and it is refused again, with its held photo).
    lin.store.answer_item(&outside, "I01", xuncha_core::AnswerValue::No, "").unwrap();
    let third = lin.sync().unwrap();
    assert_eq!(third.refused_records, 1, "{third:?}");
    assert_eq!(lin.store.refused_records().unwrap().len(), 1);
}

/// Writing to an existing document one may see but not write (a supervisor's decision on an
/// inspection is fine; a grid captain touching a place outside their grid is not).
#[test]
fn a_push_to_an_existing_document_outside_scope_is_refused() {
    let t = TestServer::start();
    let chen = t.device("chen", demo_officer("chen"));
    let wu = t.device("wu", demo_officer("wu"));
    // A place in another community, known to wu's store only by import (not by sync).
    let place = create(&chen.store, "place", "qs-yx-la-jh", None);
    chen.sync().unwrap();
    wu.store.import_document(&place, &chen.store.document_bytes(&place).unwrap()).unwrap();
    wu.store.mark_pushed(&wu.store.next_push(usize::MAX).unwrap()).unwrap();
    let before = t.log_len();
    // wu edits it by hand: the change is wu's, the document is outside wu's grid.
    let mut doc = automerge::AutoCommit::load(&chen.store.document_bytes(&place).unwrap()).unwrap();
    {
        use automerge::transaction::Transactable;
        doc.put(automerge::ROOT, "address", "被改动的地址").unwrap();
    }
    let change = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    let body = xuncha_core::sync::protocol::PushRequest {
        changes: xuncha_core::bundle::ChangeBundle {
            entries: vec![xuncha_core::bundle::BundleEntry::unsigned(place.clone(), change)],
        },
        evidence: vec![],
    };
    let (status, body) = push_raw(&t.url(), &wu.token, body.encode());
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("辖区"), "{body}");
    assert_eq!(t.log_len(), before);
}
