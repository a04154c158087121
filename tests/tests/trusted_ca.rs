//! A device can trust only the deployment's CA instead of the platform's trust store (needed on
//! Android, where the platform verifier wants the app context, and a way to pin the server).

use xuncha_core::sync::SyncClient;
use xuncha_e2e::TestServer;

fn self_signed_pem() -> String {
    let out = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
        .args(["-subj", "/CN=xuncha-test-ca", "-days", "1", "-keyout", "/dev/null", "-out", "-"])
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_pinned_ca_is_kept_used_and_checked() {
    let t = TestServer::start();
    let phone = t.phone("lin", &t.url());
    let e = phone.store.set_trusted_ca(Some("not a certificate")).unwrap_err();
    assert!(e.to_string().contains("trusted CA"), "{e}");
    phone.store.set_trusted_ca(Some(&self_signed_pem())).unwrap();
    // The pinned client builds without the platform verifier and syncs (loopback is plain HTTP).
    let client = SyncClient::for_store(&phone.store).unwrap();
    let report = client.sync(&phone.store, &|_: xuncha_core::sync::Progress| {}).unwrap();
    assert!(report.pulled_changes > 0, "the seeded places arrive");
    assert!(!phone.store.list_places("qs-yx").unwrap().is_empty());
    phone.store.set_trusted_ca(None).unwrap();
    SyncClient::for_store(&phone.store).unwrap();
}
