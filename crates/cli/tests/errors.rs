//! Mistakes are said once and plainly: a scan whose every root failed never becomes the
//! default scan, and unknown detector or scan ids are usage errors everywhere instead of
//! empty answers.

mod common;
use common::{resident_id, Env};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_scan_whose_roots_all_failed_is_recorded_failed_and_never_the_default() {
    let env = Env::new();
    env.write(
        "good/ids.txt",
        format!("身份证 {}", resident_id(81)).as_bytes(),
    );
    let db = env.dir().join("f.db");
    let db = db.to_str().unwrap();
    let good = env.run(&["scan", "good", "--db", db, "--no-progress", "-q"]);
    assert_eq!(good.status.code(), Some(1), "{}", stderr(&good));
    let missing = env.run(&["scan", "no-such-dir", "--db", db, "--no-progress", "-q"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&missing.stdout),
        stderr(&missing)
    );
    assert_eq!(said.matches("no-such-dir").count(), 1, "said once: {said}");
    let scans = env.run(&["scans", "--db", db]);
    let listing = String::from_utf8_lossy(&scans.stdout);
    assert!(listing.contains("failed"), "{listing}");
    // `impact` and `findings` open on the good scan, not the failed one.
    let impact = env.run(&["impact", "--db", db]);
    let text = String::from_utf8_lossy(&impact.stdout);
    assert!(
        text.contains("Impact of scan 1 "),
        "{text}{}",
        stderr(&impact)
    );
    let findings = env.run(&["findings", "--db", db, "--format", "jsonl"]);
    assert!(
        String::from_utf8_lossy(&findings.stdout).contains("cn_resident_id"),
        "{}",
        stderr(&findings)
    );
}

#[test]
fn unknown_detector_and_scan_ids_are_usage_errors() {
    let env = Env::new();
    env.write("ids.txt", format!("身份证 {}", resident_id(82)).as_bytes());
    let db = env.dir().join("u.db");
    let db = db.to_str().unwrap();
    for args in [
        vec!["scan", "ids.txt", "--no-db", "--exclude-detectors", "ipv44"],
        vec!["scan", "ids.txt", "--no-db", "--detectors", "ssn"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("unknown detector"), "{args:?}: {err}");
        assert_eq!(
            err.matches("unknown detector").count(),
            1,
            "said once: {err}"
        );
    }
    let config = env.write(
        "cfg/leakscope.toml",
        b"[scan]\nexclude_detectors = [\"ipv44\"]\n",
    );
    let out = env.run(&[
        "scan",
        "ids.txt",
        "--no-db",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`ipv44`"), "{}", stderr(&out));

    let scan = env.run(&["scan", "ids.txt", "--db", db, "--no-progress", "-q"]);
    assert_eq!(scan.status.code(), Some(1), "{}", stderr(&scan));
    for args in [
        vec!["findings", "--db", db, "--detectors", "foo"],
        vec!["findings", "--db", db, "--scan", "99"],
        vec!["impact", "--db", db, "--scan", "99"],
        vec!["report", "--db", db, "--scan", "99", "-o", "-"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("unknown detector `foo`") || err.contains("no scan 99 is recorded"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("Query returned no rows"), "{err}");
    }
}

#[test]
fn an_outlook_pst_is_skipped_with_a_plain_notice_and_the_scan_goes_on() {
    let env = Env::new();
    let mut pst = b"!BDN\x1d\x01\x00\x00SM".to_vec();
    pst.extend(std::iter::repeat_n(0u8, 4096));
    env.write("mail/exchange-export.pst", &pst);
    env.write(
        "mail/ids.txt",
        format!("身份证 {}", resident_id(83)).as_bytes(),
    );
    let (code, findings, other) = env.scan_jsonl(&["mail", "--no-db"]);
    assert_eq!(code, 1, "a skip is not an error: {other:?}");
    assert_eq!(findings.len(), 1);
    let skip = other
        .iter()
        .find(|o| o["type"] == "skip")
        .unwrap_or_else(|| panic!("{other:?}"));
    assert_eq!(skip["path"], "mail/exchange-export.pst");
    let message = skip["message"].as_str().unwrap();
    assert!(
        message.contains("PST") && message.contains("mbox"),
        "{message}"
    );
}

/// A user's plain build (`cargo build --release`, the README's first command) is the whole
/// tool: every store driver, Parquet, git history and YARA are default features.
#[test]
fn a_plain_build_has_every_source() {
    let manifest: toml::Table = toml::from_str(include_str!("../Cargo.toml")).unwrap();
    let default: Vec<&str> = manifest["features"]["default"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for feature in ["stores", "parquet", "git", "yara"] {
        assert!(
            default.contains(&feature),
            "{feature} is not in a plain build"
        );
    }
    let stores: Vec<&str> = manifest["features"]["stores"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for store in ["mongodb", "sql", "s3"] {
        assert!(stores.contains(&store), "{store}");
    }
}
