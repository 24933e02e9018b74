//! Store tests: round trips, incremental lookups, filters, schema versioning, key file.

use super::*;
use leakscope_core::HashKey;

fn finding(detector: &str, masked: &str) -> StoredFinding {
    StoredFinding {
        member: "!/inner.csv".into(),
        detector: detector.into(),
        category: Category::Pii,
        confidence: Confidence::High,
        line: Some(3),
        offset: Some(10),
        field: Some("手机".into()),
        record: Some("line 3".into()),
        masked: masked.into(),
        value_hash: HashKey::insecure_test_key().hash(detector, masked),
    }
}

#[test]
fn round_trip_and_incremental_lookups() {
    let store = Store::in_memory().unwrap();
    let scan = store.begin_scan("[\"dump\"]", "r1").unwrap();
    store.begin_batch().unwrap();
    let blob = store
        .insert_blob(
            "h1",
            "r1",
            100,
            &[
                finding("cn_mobile", "138****5678"),
                finding("email", "zh***@a.cn"),
            ],
        )
        .unwrap();
    store
        .add_object(scan, blob, "dump/a.zip", 100, 42, false, None)
        .unwrap();
    store.commit_batch().unwrap();
    store
        .finish_scan(scan, ScanOutcome::Completed, 1, 0, 100, 2, 0)
        .unwrap();
    assert_eq!(
        store.unchanged_blob("dump/a.zip", 100, 42, "r1").unwrap(),
        Some(blob)
    );
    assert_eq!(
        store.unchanged_blob("dump/a.zip", 100, 43, "r1").unwrap(),
        None
    );
    assert_eq!(
        store.unchanged_blob("dump/a.zip", 100, 42, "r2").unwrap(),
        None
    );
    assert_eq!(store.blob_by_content("h1", "r1").unwrap(), Some(blob));
    let rows = store.findings(&FindingQuery::default()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].path, "dump/a.zip!/inner.csv");
    let only = store
        .findings(&FindingQuery {
            detectors: vec!["email".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(only.len(), 1);
    let prefix = store
        .findings(&FindingQuery {
            path_prefix: Some("dump/b".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(prefix.is_empty());
    let scans = store.scans().unwrap();
    assert_eq!(scans[0].status, "completed");
    assert_eq!(scans[0].findings, 2);

    // A second scan that sees the same blob unchanged shares its findings.
    let scan2 = store.begin_scan("[\"dump\"]", "r1").unwrap();
    store
        .add_object(scan2, blob, "dump/a.zip", 100, 42, true, None)
        .unwrap();
    assert_eq!(store.count_findings(scan2).unwrap(), 2);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::NewerSchema { found: 99, .. })
    ));
}

#[test]
fn a_version_1_database_is_migrated_through_every_version_and_keeps_its_scans() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let conn = Connection::open(&path).unwrap();
        // Version 1's scans table, as earlier releases created it.
        conn.execute_batch(
            "CREATE TABLE scans (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
                status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted')),
                targets TEXT NOT NULL, ruleset TEXT NOT NULL,
                objects_scanned INTEGER NOT NULL DEFAULT 0, objects_skipped INTEGER NOT NULL DEFAULT 0,
                bytes_scanned INTEGER NOT NULL DEFAULT 0, findings INTEGER NOT NULL DEFAULT 0,
                errors INTEGER NOT NULL DEFAULT 0) STRICT;
             INSERT INTO scans (started_at, finished_at, status, targets, ruleset)
                VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 'completed', '[\"old\"]', 'r');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let scans = store.scans().unwrap();
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].status, "completed");
    let id = store.begin_scan("[\"new\"]", "r").unwrap();
    // Version 3 knows failed scans, and a failed scan is never the default.
    store
        .finish_scan(id, ScanOutcome::Failed, 0, 0, 0, 0, 1)
        .unwrap();
    assert_eq!(store.latest_scan().unwrap(), Some(scans[0].id));
    assert_eq!(store.scans().unwrap().len(), 2);
    assert!(id > scans[0].id);
    drop(store);
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_version_3_database_gains_the_commit_of_git_objects() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    drop(Store::open(&path).unwrap());
    {
        // Take the database back to version 3: `objects` without `origin`, no `rules`.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE rules;
             ALTER TABLE objects DROP COLUMN origin;
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let scan = store.begin_scan("[\"repo\"]", "r").unwrap();
    let none: &[&StoredFinding] = &[];
    let blob = store.insert_blob("git-blob:1", "r", 10, none).unwrap();
    store
        .add_object(
            scan,
            blob,
            "git:repo@abc:a.txt",
            10,
            0,
            false,
            Some("{\"id\":\"abc\"}"),
        )
        .unwrap();
    store.record_detectors(&[drill()]).unwrap();
    let recorded = store.recorded_detectors().unwrap();
    assert_eq!(recorded[0].description, "a drill");
    assert_eq!(recorded[0].info, Some(drill()));
}

/// A YARA rule as the catalog describes it.
fn drill() -> DetectorInfo {
    DetectorInfo {
        id: "drill".into(),
        name: "Drill".into(),
        category: Category::Implant,
        severity: leakscope_core::Severity::Critical,
        link_rank: None,
        description: "a drill".into(),
        guidance: Default::default(),
    }
}

#[test]
fn key_is_created_once_with_owner_only_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/hash.key");
    let a = key::load_or_create(&path).unwrap();
    let b = key::load_or_create(&path).unwrap();
    assert_eq!(a.hash("d", "v"), b.hash("d", "v"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    std::fs::write(&path, "nonsense").unwrap();
    assert!(matches!(
        key::load_or_create(&path),
        Err(StoreError::BadKey { .. })
    ));
}

#[test]
fn an_upgrade_that_lost_the_race_to_create_the_database_changes_nothing() {
    // A second process read version 0 before the first one created the schema; its
    // upgrade, run after, must see the finished tables rather than migrate them again
    // (which failed with "duplicate column name: owner").
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("findings.db");
    let first = Store::open(&path).unwrap();
    let late = Connection::open(&path).unwrap();
    late.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    Store::upgrade(&late).unwrap();
    let version: i64 = late
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    drop(first);
    Store::open(&path).unwrap();
}

#[test]
fn dates_are_civil() {
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    assert_eq!(civil_from_days(11_016), (2000, 2, 29));
}

#[test]
fn latest_exposure_per_target_exposed_first() {
    let s = Store::in_memory().unwrap();
    let a = s
        .add_exposure("redis://h:6379/0", "redis", Some(false), "NOAUTH")
        .unwrap();
    s.add_exposure("mongodb://m:27017", "mongodb", None, "unreachable")
        .unwrap();
    let later = s
        .add_exposure("redis://h:6379/0", "redis", Some(true), "PONG")
        .unwrap();
    assert!(later > a);
    let scan = s.begin_scan("[]", "r").unwrap();
    s.set_exposure_classification(later, scan, r#"{"findings":3}"#)
        .unwrap();
    let rows = s.latest_exposures().unwrap();
    assert_eq!(rows.len(), 2, "one row per target: {rows:?}");
    assert_eq!(rows[0].target, "redis://h:6379/0");
    assert_eq!(rows[0].exposed, Some(true));
    assert_eq!(rows[0].scan_id, Some(scan));
    assert_eq!(rows[0].classification.as_deref(), Some(r#"{"findings":3}"#));
    assert_eq!(rows[1].exposed, None);
}

#[test]
fn a_version_4_database_keeps_its_findings_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.db");
    let blob;
    {
        let store = Store::open(&path).unwrap();
        let scan = store.begin_scan("[\"dump\"]", "r").unwrap();
        let none: &[&StoredFinding] = &[];
        blob = store.insert_blob("h1", "r", 10, none).unwrap();
        store
            .add_object(scan, blob, "/dump/a.zip", 10, 0, false, None)
            .unwrap();
    }
    {
        // Version 4 kept one row per finding, with every string in it.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "DROP TABLE finding_chunks;
             CREATE TABLE findings (id INTEGER PRIMARY KEY, blob_id INTEGER NOT NULL, member TEXT NOT NULL,
                detector TEXT NOT NULL, category TEXT NOT NULL, confidence TEXT NOT NULL, line INTEGER,
                byte_offset INTEGER, field TEXT, record TEXT, masked TEXT NOT NULL, value_hash TEXT NOT NULL) STRICT;
             INSERT INTO findings VALUES
                (1, {blob}, '!/a.csv', 'cn_mobile', 'pii', 'high', 3, 10, '手机', '/dump/a.zip!/a.csv#line 3', '138****5678', 'k1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
                (2, {blob}, '', 'aws_access_key_id', 'secret', 'medium', NULL, NULL, NULL, NULL, 'AKIA****', 'k1:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'),
                (3, {blob}, '!/b.db', 'person_name', 'pii', 'low', NULL, NULL, 'name', 'users/7', '张*', 'k1:cccccccccccccccccccccccccccccccc');
             DROP TABLE rules;
             CREATE TABLE rules (detector TEXT PRIMARY KEY, category TEXT NOT NULL, description TEXT NOT NULL) STRICT;
             INSERT INTO rules VALUES ('drill', 'implant', 'a drill');
             PRAGMA user_version = 4;"
        ))
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let got = store.blob_findings(blob).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].record.as_deref(), Some("/dump/a.zip!/a.csv#line 3"));
    assert_eq!(got[0].field.as_deref(), Some("手机"));
    assert_eq!(got[0].confidence, Confidence::High);
    assert_eq!(got[1].category, Category::Secret);
    assert_eq!((got[1].line, got[1].record.as_deref()), (None, None));
    assert_eq!(got[2].record.as_deref(), Some("users/7"));
    assert_eq!(got[2].masked, "张*");
    assert_eq!(
        got[2].value_hash.to_string(),
        format!("k1:{}", "c".repeat(32))
    );
    assert_eq!(store.blob_finding_count(blob).unwrap(), 3);
    let no_table: bool = store
        .conn
        .query_row(
            "SELECT count(*) = 0 FROM sqlite_master WHERE name = 'findings'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(no_table, "the version 4 table is gone");
    // Rules recorded before version 6 keep their description and gain room for the rest.
    let recorded = store.recorded_detectors().unwrap();
    assert_eq!(
        (recorded[0].description.as_str(), recorded[0].info.as_ref()),
        ("a drill", None)
    );
    store.record_detectors(&[drill()]).unwrap();
    assert_eq!(store.recorded_detectors().unwrap()[0].info, Some(drill()));
}

#[test]
fn totals_match_what_listings_yield() {
    let store = Store::in_memory().unwrap();
    let scan = store.begin_scan("[\"dump\"]", "r").unwrap();
    store.begin_batch().unwrap();
    let mut a = finding("cn_mobile", "138****0001");
    a.member = "!/in/a.csv".into();
    let mut b = finding("email", "a***@x.org");
    b.member = "!/in/b.csv".into();
    b.confidence = Confidence::Low;
    let blob = store
        .insert_blob("h1", "r", 1, &[a.clone(), b.clone(), a.clone()])
        .unwrap();
    store
        .add_object(scan, blob, "/dump/x.zip", 1, 0, false, None)
        .unwrap();
    let blob2 = store.insert_blob("h2", "r", 1, &[b.clone()]).unwrap();
    store
        .add_object(scan, blob2, "/dump/y.txt", 1, 0, false, None)
        .unwrap();
    store.commit_batch().unwrap();
    let queries = [
        FindingQuery::default(),
        FindingQuery {
            detectors: vec!["email".into()],
            ..Default::default()
        },
        FindingQuery {
            min_confidence: Some(Confidence::Medium),
            ..Default::default()
        },
        FindingQuery {
            path_prefix: Some("/dump/x".into()),
            ..Default::default()
        },
        FindingQuery {
            path_prefix: Some("/dump/x.zip!/in/b".into()),
            ..Default::default()
        },
        FindingQuery {
            path_prefix: Some("/nowhere".into()),
            ..Default::default()
        },
    ];
    for q in queries {
        let mut listed = 0u64;
        store
            .for_each_finding(&q, |_| {
                listed += 1;
                true
            })
            .unwrap();
        assert_eq!(
            store.count_matching(&q).unwrap(),
            listed,
            "{:?}",
            q.path_prefix
        );
    }
}

#[test]
fn findings_are_filtered_and_paged_across_chunks() {
    let store = Store::in_memory().unwrap();
    let scan = store.begin_scan("[\"dump\"]", "r").unwrap();
    store.begin_batch().unwrap();
    let many: Vec<StoredFinding> = (0..chunk::MAX_FINDINGS + 10)
        .map(|i| {
            let mut f = finding(
                if i % 2 == 0 { "cn_mobile" } else { "email" },
                &format!("v{i}"),
            );
            f.line = Some(i as u64 + 1);
            f
        })
        .collect();
    let blob = store.insert_blob("h", "r", 1, &many).unwrap();
    store
        .add_object(scan, blob, "/dump/x.zip", 1, 0, false, None)
        .unwrap();
    store.commit_batch().unwrap();
    assert_eq!(store.count_findings(scan).unwrap(), many.len() as i64);
    let page = store
        .findings(&FindingQuery {
            scan_id: Some(scan),
            detectors: vec!["email".into()],
            offset: Some(4094),
            limit: Some(5),
            ..Default::default()
        })
        .unwrap();
    // Odd findings only; the 4,095th of them onwards crosses into the second chunk.
    let lines: Vec<u64> = page.iter().map(|r| r.finding.line.unwrap()).collect();
    assert_eq!(lines, vec![8190, 8192, 8194, 8196, 8198]);
    assert_eq!(page[0].path, "/dump/x.zip!/inner.csv");
    let none = store
        .findings(&FindingQuery {
            scan_id: Some(scan),
            path_prefix: Some("/dump/x.zip!/other".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(none.is_empty());
}

#[test]
fn a_scan_writer_records_partial_batches_objects_and_totals() {
    use writer::{ScanTotals, ScannedObject, UnchangedObject};
    let store = Store::in_memory().unwrap();
    let rules = [drill()];
    let mut w = store.begin_scan_writer("[\"dump\"]", "r", &rules).unwrap();
    let scan = w.scan_id();
    // A large object: two partial batches, then the rest with the object itself.
    w.partial(7, &[finding("cn_mobile", "138****0001")])
        .unwrap();
    w.partial(7, &[finding("cn_mobile", "138****0002")])
        .unwrap();
    let big = ScannedObject {
        location: "/dump/big.txt",
        size: 100,
        mtime_ns: 5,
        content_hash: Some("h-big"),
        complete: true,
        origin: None,
    };
    w.scanned(7, big, &[finding("email", "a***@x.cn")]).unwrap();
    // An object read with an error: recorded, but never reused by content or mtime.
    let broken = ScannedObject {
        location: "/dump/broken.zip",
        content_hash: Some("h-broken"),
        complete: false,
        ..big
    };
    w.scanned(8, broken, &[finding("cn_mobile", "138****0003")])
        .unwrap();
    let blob = store.blob_by_content("h-big", "r").unwrap().unwrap();
    w.unchanged(UnchangedObject {
        location: "/dump/copy.txt",
        size: 100,
        mtime_ns: 9,
        blob,
        origin: None,
    })
    .unwrap();
    w.notice(
        "/dump/broken.zip",
        leakscope_core::NoticeKind::Error,
        "truncated",
    )
    .unwrap();
    let totals = ScanTotals {
        objects_scanned: 2,
        objects_unchanged: 1,
        bytes_scanned: 200,
        findings: 7,
        errors: 1,
    };
    w.finish(ScanOutcome::Completed, &totals).unwrap();

    let masked: Vec<String> = store
        .blob_findings(blob)
        .unwrap()
        .into_iter()
        .map(|f| f.masked)
        .collect();
    assert_eq!(masked, ["138****0001", "138****0002", "a***@x.cn"]);
    assert!(store.blob_by_content("h-broken", "r").unwrap().is_none());
    assert!(store
        .unchanged_blob("/dump/broken.zip", 100, -1, "r")
        .unwrap()
        .is_some_and(|b| b != blob));
    assert_eq!(
        store
            .unchanged_blob("/dump/broken.zip", 100, 5, "r")
            .unwrap(),
        None
    );
    assert_eq!(store.count_findings(scan).unwrap(), 7);
    let row = &store.scans().unwrap()[0];
    assert_eq!(
        (
            row.status.as_str(),
            row.objects_scanned,
            row.objects_skipped
        ),
        ("completed", 2, 1)
    );
    assert_eq!(store.notices(scan).unwrap().len(), 1);
    assert_eq!(store.recorded_detectors().unwrap()[0].info, Some(drill()));
}

/// Findings packed away from the store (by a scan's worker, with an encoder of its own,
/// in batches that split one object) read back as the same findings, in order, with the
/// same per-detector counts, as findings handed to the writer whole.
#[test]
fn packed_batches_store_what_whole_findings_store() {
    use batch::FindingBatch;
    use writer::ScannedObject;
    let findings: Vec<StoredFinding> = (0..20_000)
        .map(|i| {
            let mut f = finding(
                if i % 3 == 0 { "email" } else { "cn_mobile" },
                &format!("138****{:04}", i % 10_000),
            );
            f.record = Some(format!("/dump/x.csv#line {}", i / 2).into());
            f.line = Some(i / 2);
            f
        })
        .collect();
    let object = |hash| ScannedObject {
        location: "/dump/x.csv",
        size: 100,
        mtime_ns: 5,
        content_hash: Some(hash),
        complete: true,
        origin: None,
    };
    let store = Store::in_memory().unwrap();
    let mut w = store.begin_scan_writer("[\"dump\"]", "r", &[]).unwrap();
    w.partial(1, &findings[..9_000]).unwrap();
    w.scanned(1, object("whole"), &findings[9_000..]).unwrap();
    let mut encoder = chunk::Encoder::default();
    let mut first = FindingBatch::new();
    first.pack(&mut encoder, &findings[..9_000]);
    assert_eq!(first.findings(), 9_000);
    w.partial_packed(2, &first).unwrap();
    let mut rest = FindingBatch::new();
    rest.pack(&mut encoder, &findings[9_000..12_000]);
    rest.pack(&mut encoder, &findings[12_000..]);
    w.scanned_packed(2, object("packed"), &rest).unwrap();
    w.finish(ScanOutcome::Completed, &Default::default())
        .unwrap();
    let whole = store.blob_by_content("whole", "r").unwrap().unwrap();
    let packed = store.blob_by_content("packed", "r").unwrap().unwrap();
    assert_eq!(store.blob_findings(packed).unwrap(), findings);
    assert_eq!(
        store.blob_findings(whole).unwrap(),
        store.blob_findings(packed).unwrap()
    );
    let sorted_counts = |blob| {
        let mut c = store.blob_finding_counts(blob).unwrap();
        c.sort();
        c
    };
    assert_eq!(sorted_counts(packed), sorted_counts(whole));
    assert_eq!(
        sorted_counts(packed).iter().map(|c| c.2).sum::<u64>(),
        findings.len() as u64
    );
}

/// A new database gets pages of 16 KiB; one made with another page size keeps it and is
/// read and written as before.
#[test]
fn new_databases_get_large_pages_and_old_ones_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let page_size = |s: &Store| -> i64 {
        s.conn
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap()
    };
    let fresh = Store::open(&dir.path().join("new.db")).unwrap();
    assert_eq!(page_size(&fresh), PAGE_SIZE);
    let old_path = dir.path().join("old.db");
    {
        let conn = Connection::open(&old_path).unwrap();
        conn.pragma_update(None, "page_size", 4096).unwrap();
        conn.execute_batch("CREATE TABLE earlier (x)").unwrap();
    }
    let old = Store::open(&old_path).unwrap();
    assert_eq!(page_size(&old), 4096);
    let scan = old.begin_scan("[\"dump\"]", "r").unwrap();
    old.begin_batch().unwrap();
    let blob = old
        .insert_blob("h", "r", 1, &[finding("cn_mobile", "138****0001")])
        .unwrap();
    old.add_object(scan, blob, "/dump/a.txt", 1, 1, false, None)
        .unwrap();
    old.commit_batch().unwrap();
    assert_eq!(old.blob_findings(blob).unwrap()[0].masked, "138****0001");
}

/// A scan into a file database checkpoints on a thread of its own: every object written
/// over many commits is in the database file by the end (not only in the log), and the
/// writing connection checkpoints by itself again afterwards.
#[test]
fn a_scan_writer_checkpoints_beside_its_commits() {
    use writer::ScannedObject;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.db");
    let store = Store::open(&path).unwrap();
    let mut w = store.begin_scan_writer("[\"dump\"]", "r", &[]).unwrap();
    let auto = |s: &Store| -> i64 {
        s.conn
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        auto(&store),
        0,
        "the writer leaves checkpoints to its thread"
    );
    let hashes: Vec<String> = (0..3_000).map(|i| format!("h{i}")).collect();
    for (i, hash) in hashes.iter().enumerate() {
        let location = format!("/dump/{i}.txt");
        let object = ScannedObject {
            location: &location,
            size: 10,
            mtime_ns: 1,
            content_hash: Some(hash),
            complete: true,
            origin: None,
        };
        let masked = format!("138****{:04}", i % 10_000);
        w.scanned(i as u64, object, &[finding("cn_mobile", &masked)])
            .unwrap();
    }
    w.finish(ScanOutcome::Completed, &Default::default())
        .unwrap();
    assert_eq!(auto(&store), 1000);
    // The checkpoints copied the committed objects into the database file itself (each
    // object's rows take well over a hundred bytes), while the writer kept it open.
    let file = std::fs::metadata(&path).unwrap().len();
    assert!(file > 300_000, "{file} bytes in the database file");
    let other = Store::open_reader(&path).unwrap();
    let scan = other.scans().unwrap()[0].id;
    assert_eq!(other.count_findings(scan).unwrap(), 3_000);
}

/// Impact is counted while a second connection reads the findings of a database file (on a
/// thread of its own); a database in memory is read and counted on one thread. Both give
/// the same report for the same findings: stores, records of several findings, objects
/// without records, and more findings than one batch between the threads holds.
#[test]
fn impact_read_on_a_thread_of_its_own_counts_as_read_in_line() {
    let fill = |store: &Store| {
        for (target, files) in [("/dump", 3u64), ("s3://bucket/x", 2)] {
            let scan = store.begin_scan(&format!("[\"{target}\"]"), "r").unwrap();
            store.begin_batch().unwrap();
            for file in 0..files {
                let location = format!("{target}/f{file}.csv");
                let findings: Vec<StoredFinding> = (0..3_000u64)
                    .map(|i| {
                        let person = (i / 3 + file * 500) % 1_700;
                        let (detector, masked) = match i % 3 {
                            0 => ("cn_mobile", format!("138{person:08}")),
                            1 => ("cn_resident_id", format!("1101{person:014}")),
                            _ => ("person_name", format!("张{}", person % 40)),
                        };
                        let mut f = finding(detector, &masked);
                        f.member = String::new();
                        f.record =
                            (i % 7 != 0).then(|| format!("{location}#line {}", i / 3).into());
                        f
                    })
                    .collect();
                let blob = store
                    .insert_blob(&format!("{target}-{file}"), "r", 1, &findings)
                    .unwrap();
                store
                    .add_object(scan, blob, &location, 1, 1, false, None)
                    .unwrap();
            }
            store.commit_batch().unwrap();
            store
                .finish_scan(scan, ScanOutcome::Completed, files, 0, 1, 3_000 * files, 0)
                .unwrap();
        }
    };
    let config =
        || leakscope_impact::ImpactConfig::new(vec!["cn_resident_id".into(), "cn_mobile".into()]);
    let dir = tempfile::tempdir().unwrap();
    let file = Store::open(&dir.path().join("f.db")).unwrap();
    fill(&file);
    let memory = Store::in_memory().unwrap();
    fill(&memory);
    assert!(file.file_path().is_some() && memory.file_path().is_none());
    let threaded = file.impact(&[1, 2], config()).unwrap();
    let in_line = memory.impact(&[1, 2], config()).unwrap();
    assert_eq!(threaded, in_line);
    assert!(threaded.distinct_people > 0 && threaded.by_store.len() == 2);
    assert_eq!(
        threaded
            .by_identifier
            .iter()
            .map(|i| i.occurrences)
            .sum::<u64>(),
        15_000
    );
}
