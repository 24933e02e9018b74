//! Hostile input and a hostile environment, end to end: what a scan leaves behind, how
//! many notices one object may produce, and two scans racing on a fresh data directory.

mod common;

use common::*;

#[test]
fn sqlite_evidence_is_read_without_writing_beside_it_or_to_a_temporary_file() {
    let env = Env::new();
    let live = env.dir().join("s/live.db");
    std::fs::create_dir_all(live.parent().unwrap()).unwrap();
    {
        let conn = rusqlite::Connection::open(&live).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; CREATE TABLE t (phone TEXT); INSERT INTO t VALUES ('13812345678');",
        )
        .unwrap();
    }
    let inner = sqlite(env.home.path(), "inner.db", &[("张三", &resident_id(31))]);
    env.write("s/bundle.zip", &zip(&[("inner.db", &std::fs::read(&inner).unwrap())]));
    let beside = |suffix: &str| live.with_file_name(format!("live.db{suffix}"));
    assert!(!beside("-wal").exists() && !beside("-shm").exists());
    let tmp = tempfile::tempdir().unwrap();
    let out = env.run_env(
        &["scan", "--no-progress", "--format", "jsonl", "--no-db", "s"],
        &[("TMPDIR", tmp.path())],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("live.db!/t/1/phone"), "{stdout}");
    assert!(stdout.contains("bundle.zip!/inner.db!/people/1/id_card"), "{stdout}");
    assert!(
        !beside("-wal").exists() && !beside("-shm").exists(),
        "reading must not create files beside the evidence"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing is written to the temporary directory: {left:?}");
}

#[test]
fn notices_of_one_object_are_capped_with_a_count_of_the_rest() {
    let env = Env::new();
    let bogus: Vec<(String, &[u8])> = (0..400)
        .map(|i| (format!("m{i}.zip"), b"PK\x03\x04 not really a zip" as &[u8]))
        .collect();
    let members: Vec<(&str, &[u8])> = bogus.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let inner = zip(&members);
    env.write(
        "s/outer.zip",
        &zip(&[("a.zip", inner.as_slice()), ("b.zip", inner.as_slice())]),
    );
    env.write("s/good.txt", "手机 13812345678\n".as_bytes());
    let (code, findings, other) = env.scan_jsonl(&["--no-db", "-q", "s"]);
    assert_eq!(code, 2, "the dropped errors still set the exit code");
    assert_eq!(findings.len(), 1, "the good file beside it is reported");
    let notices: Vec<_> = other.iter().filter(|v| v["type"] != "summary").collect();
    assert_eq!(notices.len(), 101, "100 notices and one line for the rest");
    let last = notices.last().unwrap();
    assert_eq!(last["type"], "error");
    assert!(
        last["message"].as_str().unwrap().starts_with("and 700 more notices"),
        "{last}"
    );
}
