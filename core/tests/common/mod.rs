#![allow(dead_code)]

use std::path::Path;
use xuncha_core::{Approach, Mode, NewInspection, Shift, Store};

/// A store on disk with the reference data, signed in as fixture officer `who`.
pub fn store_at(dir: &Path, who: usize) -> Store {
    let store = Store::open(dir).expect("store opens");
    store
        .sign_in(xuncha_fixtures::officers()[who].clone())
        .unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    store
}

pub fn new_inspection(shift: Shift, place_id: Option<String>) -> NewInspection {
    NewInspection {
        template_id: xuncha_fixtures::TEMPLATE_ID.into(),
        template_version: 1,
        jurisdiction_id: "qs-yx-gx-hq-g1".into(),
        shift,
        mode: Mode::Joint,
        approach: Approach::Open,
        place_id,
        ledger_id: None,
    }
}

/// Everything a user could see change: per-document heads and the number of stored changes.
pub fn fingerprint(store: &Store) -> (xuncha_core::PeerState, i64) {
    let conn = rusqlite::Connection::open(store.dir().join("xuncha.db")).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap();
    (store.peer_state().unwrap(), n)
}

/// Sends what each store lacks to the other, both ways.
pub fn exchange(a: &Store, b: &Store) {
    let to_b = a.export_changes(&b.peer_state().unwrap()).unwrap();
    let to_a = b.export_changes(&a.peer_state().unwrap()).unwrap();
    b.import_changes(&to_b).unwrap();
    a.import_changes(&to_a).unwrap();
}
