//! The demo day end to end: a real server on loopback, three phones, photos, decisions.

use xuncha_e2e::TestServer;

#[test]
fn the_demo_day_syncs_and_converges() {
    let t = TestServer::start();
    xuncha_server::demo::run(&t.server).unwrap();
    let replica = &t.server.state.replica;
    let list = replica.list_inspections(&Default::default(), 10, 0).unwrap();
    assert_eq!(list.len(), 1);
    let inspection = replica.inspection(&list[0].id).unwrap();
    assert_eq!(inspection.team.len(), 2);
    assert_eq!(inspection.answers.len(), 2);
    assert_eq!(inspection.findings.len(), 1);
    let evidence = replica.evidence_for_record(&inspection.id).unwrap();
    assert_eq!(evidence.len(), 1);
    assert!(evidence[0].bytes_present, "the photo bytes were uploaded and verified");
    assert!(replica.verify_record(&inspection.id).unwrap().ok());
    assert_eq!(replica.list_cases("qs", None).unwrap().len(), 1);
}
