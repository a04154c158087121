//! A device can trust only the deployment's CA instead of the platform's trust store (a county
//! behind its own CA; a way to pin the server). Run over real TLS: a front with a certificate
//! from a test CA, in front of the test server.

use xuncha_core::sync::SyncClient;
use xuncha_core::{Error, Officer, Store};
use xuncha_e2e::TestServer;
use xuncha_e2e::tls::{TestCa, TlsFront};

fn phone(t: &TestServer, label: &str) -> Store {
    let store = Store::open(t.phone_dir(label)).unwrap();
    xuncha_fixtures::load_reference(&store).unwrap();
    store
        .sign_in(Officer {
            name: "林晓雯".into(), department: "教育局".into(), cert_no: "QS-JY-2023-0117".into()
        })
        .unwrap();
    store
}

fn code(t: &TestServer) -> String {
    xuncha_server::api::accounts::issue_code(&t.server.state, "lin").unwrap().code
}

#[test]
fn a_pinned_ca_is_kept_used_and_checked_over_tls() {
    let t = TestServer::start();
    let ca = TestCa::new("巡查测试县 CA");
    let front = TlsFront::start(&ca, t.server.addr);

    let store = phone(&t, "pinned");
    let e = store.set_trusted_ca(Some("not a certificate")).unwrap_err();
    assert!(e.to_string().contains("trusted CA"), "{e}");
    assert!(e.message_zh().contains("服务器根证书"), "{}", e.message_zh());

    // Pinned to the deployment's CA: enrols and syncs over TLS.
    store.set_trusted_ca(Some(&ca.pem())).unwrap();
    let (client, user) = SyncClient::enroll(&store, &front.url(), &code(&t)).unwrap();
    assert_eq!(user.username, "lin");
    let report = client.sync(&store, &|_: xuncha_core::sync::Progress| {}).unwrap();
    assert!(report.pulled_changes > 0, "the seeded places arrive over TLS");
    assert!(!store.list_places("qs-yx").unwrap().is_empty());

    // Pinned to another CA: the server's certificate is refused, nothing is lost.
    let pending_before = store.sync_status().unwrap().pending_changes;
    store.set_trusted_ca(Some(&TestCa::new("另一个 CA").pem())).unwrap();
    let e = SyncClient::for_store(&store).unwrap().sync(&store, &|_: xuncha_core::sync::Progress| {}).unwrap_err();
    assert!(matches!(e, Error::Network(_)), "{e:?}");
    assert!(e.message_zh().starts_with("无法连接服务器"), "{}", e.message_zh());
    assert_eq!(store.sync_status().unwrap().pending_changes, pending_before);

    // No pin: the platform's roots do not know the test CA either.
    store.set_trusted_ca(None).unwrap();
    let e = SyncClient::for_store(&store).unwrap().sync(&store, &|_: xuncha_core::sync::Progress| {}).unwrap_err();
    assert!(matches!(e, Error::Network(_)), "{e:?}");

    // Pinned again: syncs again.
    store.set_trusted_ca(Some(&ca.pem())).unwrap();
    SyncClient::for_store(&store).unwrap().sync(&store, &|_: xuncha_core::sync::Progress| {}).unwrap();
}

#[test]
fn enrolment_over_tls_with_the_wrong_pin_stores_no_account() {
    let t = TestServer::start();
    let front = TlsFront::start(&TestCa::new("巡查测试县 CA"), t.server.addr);
    let store = phone(&t, "wrong-pin");
    store.set_trusted_ca(Some(&TestCa::new("冒充的 CA").pem())).unwrap();
    let result = SyncClient::enroll(&store, &front.url(), &code(&t));
    assert!(matches!(result, Err(Error::Network(_))), "{:?}", result.err());
    assert!(!store.sync_status().unwrap().enrolled, "no account is kept from a refused server");
}
