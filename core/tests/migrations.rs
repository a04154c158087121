//! A database upgraded from every older schema version equals a fresh one, and keeps its data.

mod common;

use xuncha_core::testing::{SCHEMA_VERSION, create_database_at, schema_dump};
use xuncha_core::*;

#[test]
fn every_older_version_upgrades_to_the_fresh_schema_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = common::store_at(&dir.path().join("fresh"), 0);
    let id = fresh.start_inspection(common::new_inspection(Shift::Day, None)).unwrap();
    fresh.add_finding(&id, "旧版本写入的发现：储物间堆放课桌").unwrap();
    let fresh_dump = schema_dump(&fresh.dir().join("xuncha.db")).unwrap();
    assert_eq!(fresh_dump.0, SCHEMA_VERSION);
    let source = rusqlite::Connection::open(fresh.dir().join("xuncha.db")).unwrap();

    for version in 1..SCHEMA_VERSION {
        let old_dir = dir.path().join(format!("v{version}"));
        std::fs::create_dir_all(&old_dir).unwrap();
        let db = old_dir.join("xuncha.db");
        create_database_at(&db, version).unwrap();
        // What an app at that version wrote: reference data, the device, the document's changes and
        // the projections that existed then.
        let old = rusqlite::Connection::open(&db).unwrap();
        old.execute_batch(&format!("ATTACH '{}' AS src", fresh.dir().join("xuncha.db").display())).unwrap();
        old.execute_batch(
            "INSERT INTO device (id, device_id, created_at, officer_name, officer_department, officer_cert_no)
               SELECT id, device_id, created_at, officer_name, officer_department, officer_cert_no FROM src.device;
             INSERT INTO jurisdictions SELECT * FROM src.jurisdictions;
             INSERT INTO templates SELECT * FROM src.templates;
             INSERT INTO documents SELECT * FROM src.documents;
             INSERT INTO changes (seq, doc_id, hash, bytes, local) SELECT seq, doc_id, hash, bytes, local FROM src.changes;
             INSERT INTO inspections SELECT * FROM src.inspections;",
        )
        .unwrap();
        if version >= 2 {
            old.execute_batch("INSERT INTO search SELECT * FROM src.search").unwrap();
        }
        old.execute_batch("DETACH src").unwrap();
        drop(old);

        let upgraded = Store::open(&old_dir).unwrap();
        assert_eq!(schema_dump(&db).unwrap(), fresh_dump, "schema upgraded from v{version}");
        assert_eq!(upgraded.inspection(&id).unwrap(), fresh.inspection(&id).unwrap());
        let listed = upgraded.list_inspections(&InspectionFilter::default(), 10, 0).unwrap();
        assert_eq!(listed.len(), 1, "projection rebuilt from v{version}");
        let hits = upgraded.search("储物间堆放课桌", 5).unwrap();
        assert_eq!(hits.len(), 1, "search index filled from v{version}");
        // An edit after the upgrade replaces the record's search row rather than adding one.
        upgraded.add_finding(&id, &format!("升级到第{version}版后补记：后门有学生进出")).unwrap();
        assert_eq!(
            upgraded.search("储物间堆放课桌", 5).unwrap().len(),
            1,
            "one search row per record, from v{version}"
        );
        assert_eq!(upgraded.search(&format!("第{version}版后补记"), 5).unwrap().len(), 1);
        assert_eq!(upgraded.identity(), fresh.identity());
    }
    drop(source);
}

#[test]
fn a_database_from_a_newer_app_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("xuncha.db");
    create_database_at(&db, SCHEMA_VERSION).unwrap();
    rusqlite::Connection::open(&db).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    let before = schema_dump(&db).unwrap();
    let err = Store::open(dir.path()).err().expect("refused");
    assert!(matches!(err, Error::SchemaTooNew { .. }), "{err}");
    assert_eq!(schema_dump(&db).unwrap(), before);
}
