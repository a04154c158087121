//! A lost phone (ADR 0013), end to end with a real server on loopback: an encrypted phone
//! enrols, captures and syncs (the server gets the plain photo and verifies it); the admin
//! revokes the device; at its next sync the phone wipes its store.

use xuncha_core::sync::{Progress, SyncClient};
use xuncha_core::*;
use xuncha_e2e::*;

const NODE: &str = "qs-yx-gx-hq-g1";

#[test]
fn a_revoked_encrypted_phone_wipes_its_store_at_its_next_sync() {
    let t = TestServer::start();
    let dir = t.phone_dir("lin");
    let store = Store::open_encrypted(&dir, &StoreKey::generate(), None).unwrap();
    store.sign_in(demo_officer("lin")).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    let code = xuncha_server::api::accounts::issue_code(&t.server.state, "lin").unwrap().code;
    let (client, _) = SyncClient::enroll(&store, &t.url(), &code).unwrap();

    let id = store.start_inspection(new_inspection(NODE)).unwrap();
    let photo = xuncha_fixtures::photos::phone_photo(7, 26.61, 106.92);
    let item = store.add_photo(&photo, &capture(&id)).unwrap();
    let hash = item.payload.content_hash.clone();
    let on_phone = std::fs::read(store.content_path(&hash)).unwrap();
    assert!(on_phone.starts_with(b"XCE2") && !on_phone.starts_with(&[0xFF, 0xD8]), "sealed on the phone");
    let report = client.sync(&store, &|_: Progress| {}).unwrap();
    assert_eq!(report.uploaded_bytes, photo.len() as u64, "the plain bytes were uploaded");
    // The server received the photo itself and verifies it.
    assert_eq!(t.server.state.replica.evidence_bytes(&hash).unwrap(), photo);
    assert!(t.server.state.replica.verify_record(&id).unwrap().ok());

    let admin = t.login("admin", "admin-demo-2026");
    let device = store.identity().device_id;
    let (status, body) =
        post_json(&format!("{}/v1/admin/devices/{device}/revoke", t.url()), Some(&admin), &serde_json::json!({}));
    assert_eq!(status, 200, "{body}");

    // Work done after the revocation never leaves the phone.
    let late = store.start_inspection(new_inspection(NODE)).unwrap();
    let before = t.log_len();
    let err = client.sync(&store, &|_: Progress| {}).unwrap_err();
    assert!(matches!(err, Error::DeviceRevoked), "{err:?}");
    assert_eq!(err.code(), "device_revoked");
    assert!(err.message_zh().contains("本机已被管理员停用，本机数据已清除"), "{err}");
    assert_eq!(t.log_len(), before);
    assert!(t.server.state.replica.inspection(&late).is_err());

    assert!(dir.exists(), "the folder the app chose stays");
    assert_eq!(dir_size(&dir), 0);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "database, WAL and evidence are gone");
    assert!(matches!(store.check_access(0), Err(Error::DeviceRevoked)));
    assert!(store.inspection(&id).is_err());
    // Nothing more is sent: the wiped store refuses before any request.
    assert!(matches!(client.sync(&store, &|_: Progress| {}), Err(Error::DeviceRevoked)));
    assert!(matches!(SyncClient::for_store(&store), Err(Error::DeviceRevoked)));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn the_server_answers_a_revoked_token_with_a_stable_code() {
    let t = TestServer::start();
    let phone = t.device("lin", demo_officer("lin"));
    phone.sync().unwrap();
    let admin = t.login("admin", "admin-demo-2026");
    let device = phone.store.identity().device_id;
    post_json(&format!("{}/v1/admin/devices/{device}/revoke", t.url()), Some(&admin), &serde_json::json!({}));
    let (status, body) = push_raw(&t.url(), &phone.token, Vec::new());
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "device_revoked", "{body}");
    assert!(body["message"].as_str().unwrap().contains("停用"), "{body}");
}
