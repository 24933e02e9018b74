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
    env.write(
        "s/bundle.zip",
        &zip(&[("inner.db", &std::fs::read(&inner).unwrap())]),
    );
    let beside = |suffix: &str| live.with_file_name(format!("live.db{suffix}"));
    assert!(!beside("-wal").exists() && !beside("-shm").exists());
    let tmp = tempfile::tempdir().unwrap();
    let out = env.run_env(
        &["scan", "--no-progress", "--format", "jsonl", "--no-db", "s"],
        &[("TMPDIR", tmp.path())],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("live.db!/t/1/phone"), "{stdout}");
    assert!(
        stdout.contains("bundle.zip!/inner.db!/people/1/id_card"),
        "{stdout}"
    );
    assert!(
        !beside("-wal").exists() && !beside("-shm").exists(),
        "reading must not create files beside the evidence"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(
        left.is_empty(),
        "nothing is written to the temporary directory: {left:?}"
    );
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
        last["message"]
            .as_str()
            .unwrap()
            .starts_with("and 700 more notices"),
        "{last}"
    );
}

#[test]
fn first_runs_racing_on_a_fresh_data_directory_all_succeed_with_one_key() {
    let env = Env::new();
    env.write("s/a.txt", "手机 13812345678\n".as_bytes());
    for round in 0..3 {
        let home = env.home.path().join(format!("fresh-{round}"));
        let children: Vec<_> = (0..6)
            .map(|_| {
                std::process::Command::new(env!("CARGO_BIN_EXE_leakscope"))
                    .args(["scan", "--no-progress", "--format", "jsonl", "s"])
                    .env("LEAKSCOPE_HOME", &home)
                    .current_dir(env.dir())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut hashes = Vec::new();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(1),
                "round {round}: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let first: serde_json::Value =
                serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
            hashes.push(first["value_hash"].as_str().unwrap().to_string());
        }
        hashes.dedup();
        assert_eq!(hashes.len(), 1, "every run used the same key");
    }
}

#[cfg(unix)]
#[test]
fn the_database_key_and_data_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.write("s/a.txt", "手机 13812345678\n".as_bytes());
    let home = env.home.path().join("new/home");
    let out = env.run_env(
        &["scan", "--no-progress", "-q", "s"],
        &[("LEAKSCOPE_HOME", &home)],
    );
    assert_eq!(out.status.code(), Some(1));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home), 0o700);
    assert_eq!(mode(&home.join("hash.key")), 0o600);
    assert_eq!(mode(&home.join("findings.db")), 0o600);
    for side in ["findings.db-wal", "findings.db-shm"] {
        if home.join(side).exists() {
            assert_eq!(mode(&home.join(side)), 0o600, "{side}");
        }
    }
}

#[test]
fn reading_commands_refuse_a_missing_database_instead_of_creating_it() {
    let env = Env::new();
    for args in [
        &["findings", "--db", "missing.db"][..],
        &["scans", "--db", "missing.db"],
        &["impact", "--db", "missing.db"],
        &["report", "--db", "missing.db", "--out", "-"],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no findings database"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !env.dir().join("missing.db").exists(),
            "{args:?} created it"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_killed_scan_is_marked_interrupted_by_the_next_run() {
    let env = Env::new();
    let db = env.home.path().join("k.db");
    let db = db.to_str().unwrap();
    // A scan of standard input waits for input that never comes: it is running.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(["scan", "--no-progress", "-q", "--db", db, "-"])
        .env("LEAKSCOPE_HOME", env.home.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let listed =
        |env: &Env| String::from_utf8_lossy(&env.run(&["scans", "--db", db]).stdout).into_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !listed(&env).contains("running") {
        assert!(
            std::time::Instant::now() < deadline,
            "the scan never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let after = listed(&env);
    assert!(
        after.contains("interrupted") && !after.contains("running"),
        "{after}"
    );
}

#[test]
fn a_bad_exclude_glob_is_a_usage_error_before_anything_is_scanned() {
    let env = Env::new();
    env.write("s/a.txt", "手机 13812345678\n".as_bytes());
    let out = env.run(&[
        "scan",
        "--no-progress",
        "--format",
        "jsonl",
        "--exclude",
        "[",
        "s",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing was scanned or printed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid glob `[`"), "{stderr}");
    assert!(
        !env.home.path().join("findings.db").exists(),
        "no scan was recorded"
    );
}
