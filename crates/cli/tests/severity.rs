//! What a responder sees first (issue 14): severity from rule data in every output, a
//! summary that counts people and secrets, SARIF that GitHub code scanning accepts,
//! baselines people can review, and inline ignores.

mod common;
use common::{resident_id, Env};
use std::io::Read;

/// A small dump: a private key and an AWS key pair among many phone numbers.
fn dump(env: &Env) {
    let mut phones = String::new();
    for i in 0..300 {
        phones.push_str(&format!("联系电话 138{:08}\n", 10_000_000 + i * 7919));
    }
    env.write("dump/a/phones.txt", phones.as_bytes());
    env.write(
        "dump/b/deploy.ini",
        b"aws_access_key_id=AKIAZ3MSJV4WWNKWW5FG\naws_secret_access_key=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\n",
    );
    env.write(
        "dump/c/people.csv",
        format!("name,sfz,phone\n张伟,{},13912345678\n", resident_id(40)).as_bytes(),
    );
}

#[test]
fn text_output_and_summary_lead_with_the_most_severe() {
    let env = Env::new();
    dump(&env);
    let out = env.run(&["scan", "dump", "--no-progress", "--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let most = text.find("Most severe findings (critical):").expect(&text);
    let tail = &text[most..];
    // Credentials come first in the list, before the identity number of the same severity.
    let secret = tail.find("aws_secret_access_key").expect(tail);
    let id = tail.find("cn_resident_id").expect(tail);
    assert!(secret < id, "{tail}");
    assert!(
        !tail[..tail.find("findings:").unwrap()].contains("cn_mobile"),
        "{tail}"
    );
    // The summary: severities, then people and secrets, then one line per severity.
    assert!(tail.contains("findings: critical 2, high "), "{tail}");
    assert!(tail.contains("distinct people in "), "{tail}");
    assert!(tail.contains("2 secrets"), "{tail}");
    assert!(tail.contains("  critical: "), "{tail}");
    assert!(
        tail.contains("Resident ID number 1"),
        "display names: {tail}"
    );
}

/// A quiet scan without a database only counts its findings (no masks, hashes or record
/// names are built for them): its summary and exit code are those of a scan that stores
/// and prints every finding.
#[test]
fn a_scan_that_only_counts_summarises_like_one_that_keeps_every_finding() {
    let env = Env::new();
    dump(&env);
    let summary = |args: &[&str]| {
        let out = env.run(args);
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| {
                l.contains("findings: ")
                    || l.trim_start().starts_with("critical:")
                    || l.trim_start().starts_with("high:")
                    || l.contains(" secrets")
            })
            // Only a scan into the database counts people (it reads the findings back).
            .map(|l| match l.find("records, ") {
                Some(at) => l[at + "records, ".len()..].trim().to_string(),
                None => l.trim().to_string(),
            })
            .collect();
        (out.status.code(), lines)
    };
    let counted = summary(&[
        "scan",
        "dump",
        "--no-db",
        "--quiet",
        "--no-progress",
        "--fail-on",
        "high",
    ]);
    let kept = summary(&[
        "scan",
        "dump",
        "--quiet",
        "--no-progress",
        "--fail-on",
        "high",
    ]);
    assert_eq!(counted.0, Some(1));
    assert!(
        counted
            .1
            .iter()
            .any(|l| l.contains("findings: critical 2, high ")),
        "{counted:?}"
    );
    assert_eq!(counted, kept);
}

/// A quiet scan into the database packs its findings in the workers; a scan that prints
/// them hands them to the writer whole. Both store the same findings.
#[test]
fn findings_packed_by_workers_are_stored_as_printed_ones_are() {
    let env = Env::new();
    dump(&env);
    let stored = |db: &str, format: &str| {
        let out = env.run(&[
            "scan",
            "dump",
            "--db",
            db,
            "--format",
            format,
            "--quiet",
            "--no-progress",
            "--fail-on",
            "never",
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let out = env.run(&["findings", "--db", db, "--format", "jsonl"]);
        let mut lines: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.contains("\"type\":\"summary\""))
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    let packed = stored("packed.db", "text");
    let whole = stored("whole.db", "jsonl");
    assert_eq!(packed.len(), 305);
    assert_eq!(packed, whole);
}

#[test]
fn the_summary_reaches_the_terminal_with_people_when_results_go_to_a_file() {
    let env = Env::new();
    dump(&env);
    let out = env.run(&[
        "scan",
        "dump",
        "--no-progress",
        "--format",
        "sarif",
        "-o",
        "out.sarif",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("301 distinct people in 301 records"), "{err}");
    assert!(err.contains("results written to out.sarif"), "{err}");
}

#[test]
fn sarif_of_the_bundled_example_meets_githubs_requirements() {
    let env = Env::new();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/leak-dump");
    let doc = sarif_for_github(&env, example.to_str().unwrap(), "example.sarif");
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 5_000);
    // Members of containers point at the container and name the member.
    let member = results
        .iter()
        .find(|r| r["properties"]["member"].is_string())
        .expect("an archive member");
    let uri = member["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(!uri.contains("!/") && !uri.starts_with('/'), "{uri}");
    // Every rule carries a GitHub severity score.
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(
            rule["properties"]["security-severity"].is_string(),
            "{rule}"
        );
    }
}

#[test]
fn sarif_is_capped_at_githubs_limit_with_a_note() {
    let env = Env::new();
    let mut lines = String::new();
    for i in 0..400u64 {
        lines.push_str(&format!(
            "手机 138{:08} 邮箱 u{i}@example.org\n",
            20_000_000 + i * 7
        ));
    }
    env.write("many.txt", lines.as_bytes());
    env.write("key.ini", b"aws_access_key_id=AKIAZ3MSJV4WWNKWW5FG\n");
    let out = env.run(&[
        "scan",
        "many.txt",
        "key.ini",
        "--no-db",
        "--no-progress",
        "--format",
        "sarif",
        "--max-results",
        "100",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &doc["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 100);
    assert!(run["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["ruleId"] == "aws_access_key_id"));
    assert_eq!(run["properties"]["findings"], 801);
    let notes = run["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(notes.contains("801 findings"), "{notes}");
    assert!(leakscope_report::sarif::github_problems(&doc).is_empty());
}

#[test]
fn baselines_are_reviewable_and_suppressions_are_counted() {
    let env = Env::new();
    dump(&env);
    let out = env.run(&[
        "scan",
        "dump",
        "--no-db",
        "--no-progress",
        "--write-baseline",
        "base.json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let mut text = String::new();
    std::fs::File::open(env.dir().join("base.json"))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entries = doc["findings"].as_array().unwrap();
    let key = entries
        .iter()
        .find(|e| e["detector"] == "aws_access_key_id")
        .expect("the key is listed");
    assert_eq!(key["path"], "dump/b/deploy.ini");
    assert_eq!(key["line"], 1);
    assert!(
        key["value"].as_str().unwrap().contains('*'),
        "masked: {key}"
    );
    assert!(
        !text.contains("AKIAZ3MSJV4WWNKWW5FG"),
        "no raw value in a baseline"
    );
    let total = entries.len();
    let out = env.run(&[
        "scan",
        "dump",
        "--no-db",
        "--no-progress",
        "--baseline",
        "base.json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(summary.starts_with("0 findings"), "{summary}");
    assert!(
        summary.contains(&format!("suppressed: {} by the baseline", thousands(total))),
        "{summary}"
    );
    // Raw values never go into a baseline.
    let out = env.run(&[
        "scan",
        "dump",
        "--no-db",
        "--show-values",
        "--write-baseline",
        "b2.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn inline_ignores_drop_their_line_and_are_counted() {
    let env = Env::new();
    env.write(
        "test_fixture.py",
        b"KEY = 'AKIAZ3MSJV4WWNKWW5FG'  # leakscope:ignore fixture for the parser tests\nOTHER = 'AKIAZ3MSJV4WWNKWW5FH'\n",
    );
    env.write(
        "leakscope.toml",
        b"[scan]\nexclude_detectors = [\"ipv4\"]\n",
    );
    let out = env.run(&["scan", "test_fixture.py", "--no-db", "--no-progress", "-q"]);
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(summary.starts_with("1 finding: high 1"), "{summary}");
    assert!(
        summary.contains("suppressed: 1 by leakscope:ignore comments"),
        "{summary}"
    );
    assert!(
        summary.contains("configuration: leakscope.toml"),
        "{summary}"
    );
}

/// Scans `target` to a SARIF file and returns the document, which must meet GitHub's
/// documented requirements.
fn sarif_for_github(env: &Env, target: &str, file: &str) -> serde_json::Value {
    let out = env.run(&[
        "scan",
        target,
        "--no-db",
        "--no-progress",
        "--format",
        "sarif",
        "-o",
        file,
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(env.dir().join(file)).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let problems = leakscope_report::sarif::github_problems(&doc);
    assert!(
        problems.is_empty(),
        "{:#?}",
        &problems[..problems.len().min(20)]
    );
    doc
}

#[test]
fn a_new_baseline_applies_to_objects_already_recorded() {
    let env = Env::new();
    dump(&env);
    let db = env.home.path().join("b.db");
    let db = db.to_str().unwrap();
    let first = env.run(&[
        "scan",
        "dump",
        "--db",
        db,
        "--no-progress",
        "-q",
        "--write-baseline",
        "base.json",
    ]);
    assert_eq!(first.status.code(), Some(1));
    // The same unchanged files, now with the baseline: its findings are not reported.
    let out = env.run(&[
        "scan",
        "dump",
        "--db",
        db,
        "--no-progress",
        "-q",
        "--baseline",
        "base.json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(summary.starts_with("0 findings\n"), "{summary}");
    assert!(summary.contains("suppressed: "), "{summary}");
}

fn thousands(n: usize) -> String {
    leakscope_report::thousands(n as u64)
}

#[test]
fn sarif_of_50_mib_of_generated_data_is_accepted_by_github() {
    let env = Env::new();
    let data = env.dir().join("data");
    let out = env.run(&["generate", data.to_str().unwrap(), "--mib", "50"]);
    assert!(out.status.success());
    let doc = sarif_for_github(&env, "data", "big.sarif");
    let bytes = std::fs::read(env.dir().join("big.sarif")).unwrap();
    let run = &doc["runs"][0];
    assert_eq!(
        run["results"].as_array().unwrap().len(),
        25_000,
        "GitHub's cap"
    );
    assert_eq!(run["properties"]["capped"], true);
    assert!(run["properties"]["findings"].as_u64().unwrap() > 100_000);
    // The most severe are kept: no low-severity result while critical ones were dropped.
    let levels: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["severity"].as_str().unwrap())
        .collect();
    assert!(
        levels.iter().all(|l| *l == "critical" || *l == "high"),
        "most severe kept"
    );
    // GitHub takes files up to 10 MB gzipped.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &bytes).unwrap();
    let compressed = gz.finish().unwrap().len();
    assert!(compressed < 10_000_000, "{compressed} bytes gzipped");
}
