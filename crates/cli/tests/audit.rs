//! `leakscope audit` against real servers on loopback, each verdict both ways: Redis with
//! and without `requirepass`, SecantusDB (MongoDB wire protocol) with auth off and
//! `--auth`, PostgreSQL with trust and scram-sha-256, MariaDB with an empty and a set root
//! password, SeaweedFS with an anonymously readable and a private bucket, and ports nobody
//! listens on. `scripts/test` installs the servers and sets `LEAKSCOPE_REQUIRE_SERVERS=1` so
//! no test can silently skip in CI.

mod common;

use common::*;
mod servers;
use servers::*;

#[test]
fn audit_tells_open_protected_and_unreachable_redis_apart() {
    let Some(open) = redis(&[]) else { return };
    redis_cli(&open, None, &[&["SET", "session:1", "x"]]);
    let Some(locked) = redis(&["--requirepass", "n0t-guessable"]) else {
        return;
    };
    let nobody = free_port();
    let env = Env::new();
    let targets = [
        format!("redis://127.0.0.1:{}", open.port),
        // Credentials in a target are never used: the probe only tries none.
        format!("redis://:n0t-guessable@127.0.0.1:{}/0", locked.port),
        format!("redis://127.0.0.1:{nobody}"),
    ];
    let mut args = vec![
        "audit",
        "--format",
        "jsonl",
        "--timeout",
        "3",
        "--interval-ms",
        "0",
    ];
    args.extend(targets.iter().map(String::as_str));
    let out = env.run(&args);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stdout.contains("n0t-guessable"),
        "credentials never appear in output"
    );
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3, "{stdout}");
    assert!(records
        .iter()
        .all(|r| r["type"] == "exposure" && r["service"] == "redis"));
    assert_eq!(records[0]["exposed"], true, "{:#}", records[0]);
    assert!(records[0]["evidence"].as_str().unwrap().contains("PONG"));
    assert_eq!(records[1]["exposed"], false, "{:#}", records[1]);
    assert!(records[1]["evidence"].as_str().unwrap().contains("NOAUTH"));
    assert_eq!(
        records[1]["target"],
        format!("redis://127.0.0.1:{}/0", locked.port)
    );
    assert_eq!(records[2]["exposed"], serde_json::Value::Null);
    assert!(records[2]["evidence"]
        .as_str()
        .unwrap()
        .contains("unreachable"));
    assert_eq!(
        out.status.code(),
        Some(2),
        "an undecided target makes the exit code 2"
    );

    let only_locked = env.run(&[
        "audit",
        "--interval-ms",
        "0",
        &format!("redis://127.0.0.1:{}", locked.port),
    ]);
    assert_eq!(
        only_locked.status.code(),
        Some(0),
        "a protected store alone: nothing exposed"
    );
    let only_open = env.run(&["audit", &format!("redis://127.0.0.1:{}", open.port)]);
    assert_eq!(only_open.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&only_open.stdout).starts_with("EXPOSED"));
}

#[test]
fn unsupported_or_malformed_targets_fail_before_any_probe() {
    let env = Env::new();
    let out = env.run(&[
        "audit",
        "redis://127.0.0.1:6379",
        "ftp://root:pw@10.1.2.3/admin",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a supported target") && !err.contains("pw@"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing was probed");
}

#[test]
fn passwords_with_at_signs_and_slashes_do_not_move_the_host_or_leak() {
    let env = Env::new();
    let nobody = free_port();
    let target = format!("redis://:p@ss/w0rd@127.0.0.1:{nobody}/0");
    let (code, records, all) = audit(&env, &[], std::slice::from_ref(&target));
    assert_eq!(code, 2, "{all}");
    assert_eq!(
        records[0]["target"],
        format!("redis://127.0.0.1:{nobody}/0"),
        "{all}"
    );
    assert!(!all.contains("w0rd") && !all.contains("p@ss"), "{all}");
    // The scanner reads the same URL the same way.
    let url = format!("postgres://app:p@ss/w0rd@127.0.0.1:{nobody}/crm");
    let (_, _, other) = env.scan_jsonl(&["--no-db", &url]);
    let shown = serde_json::to_string(&other).unwrap();
    assert!(shown.contains(&format!("127.0.0.1:{nobody}")), "{shown}");
    assert!(
        !shown.contains("w0rd") && !shown.contains("p@ss"),
        "{shown}"
    );
}

/// Runs `audit --format jsonl` on targets and returns the exit code and the records.
fn audit(env: &Env, extra: &[&str], targets: &[String]) -> (i32, Vec<serde_json::Value>, String) {
    let mut args = vec![
        "audit",
        "--format",
        "jsonl",
        "--timeout",
        "5",
        "--interval-ms",
        "0",
    ];
    args.extend_from_slice(extra);
    args.extend(targets.iter().map(String::as_str));
    let out = env.run(&args);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let records = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    (out.status.code().unwrap_or(-1), records, stdout + &stderr)
}

fn evidence(r: &serde_json::Value) -> &str {
    r["evidence"].as_str().unwrap_or("")
}

#[cfg(feature = "mongodb")]
#[test]
fn audit_proves_mongodb_exposure_by_reading_a_document() {
    let seed =
        "client.cafe.chats.insert_many([{'user': 'u%d' % i, 'msg': 'hello'} for i in range(3)])";
    let Some(open) = secantus(false, seed) else {
        return;
    };
    let Some(locked) = secantus(true, seed) else {
        return;
    };
    // Auth off but nothing stored: answers listDatabases, yet holds no data to expose.
    let Some(empty) = secantus(false, "") else {
        return;
    };
    let env = Env::new();
    let targets = [
        format!("mongodb://127.0.0.1:{}", open.port),
        format!(
            "mongodb://root:mongo-s3cret@127.0.0.1:{}/admin",
            locked.port
        ),
        format!("mongodb://127.0.0.1:{}", empty.port),
        format!("mongodb://127.0.0.1:{}", free_port()),
    ];
    let (code, records, all) = audit(&env, &[], &targets);
    assert!(!all.contains("mongo-s3cret"), "credentials never appear");
    assert_eq!(records.len(), 4, "{all}");
    assert!(records.iter().all(|r| r["service"] == "mongodb"), "{all}");
    assert_eq!(records[0]["exposed"], true, "{:#}", records[0]);
    assert!(
        evidence(&records[0]).contains("cafe.chats"),
        "{:#}",
        records[0]
    );
    assert!(
        !evidence(&records[0]).contains("hello"),
        "document content is not shown"
    );
    assert_eq!(records[1]["exposed"], false, "{:#}", records[1]);
    assert!(
        evidence(&records[1]).contains("code 13"),
        "{:#}",
        records[1]
    );
    assert_eq!(
        records[1]["target"],
        format!("mongodb://127.0.0.1:{}/admin", locked.port)
    );
    assert_eq!(
        records[2]["exposed"], false,
        "an empty listing is not exposure: {:#}",
        records[2]
    );
    assert_eq!(
        records[3]["exposed"],
        serde_json::Value::Null,
        "{:#}",
        records[3]
    );
    assert!(
        evidence(&records[3]).contains("unreachable"),
        "{:#}",
        records[3]
    );
    assert_eq!(code, 2);
}

#[cfg(feature = "sql")]
#[test]
fn audit_tells_trust_from_scram_postgres() {
    let Some(open) = postgres(true) else { return };
    let Some(locked) = postgres(false) else {
        return;
    };
    psql(
        &open,
        "postgres",
        "CREATE TABLE citizens (id int primary key, name text)",
    );
    let env = Env::new();
    let targets = [
        format!("postgres://127.0.0.1:{}", open.port),
        format!(
            "postgresql://postgres:pg-s3cret@127.0.0.1:{}/postgres",
            locked.port
        ),
        format!("postgres://127.0.0.1:{}", free_port()),
    ];
    let (code, records, all) = audit(&env, &[], &targets);
    assert!(!all.contains("pg-s3cret"), "credentials never appear");
    assert_eq!(records.len(), 3, "{all}");
    assert_eq!(records[0]["exposed"], true, "{:#}", records[0]);
    assert!(evidence(&records[0]).contains("trust"), "{:#}", records[0]);
    assert!(
        evidence(&records[0]).contains("1 user tables"),
        "{:#}",
        records[0]
    );
    assert_eq!(records[1]["exposed"], false, "{:#}", records[1]);
    assert!(evidence(&records[1]).contains("28P01"), "{:#}", records[1]);
    assert_eq!(
        records[2]["exposed"],
        serde_json::Value::Null,
        "{:#}",
        records[2]
    );
    assert_eq!(code, 2);
}

#[cfg(feature = "sql")]
#[test]
fn audit_tells_empty_root_from_protected_mariadb() {
    let Some(open) = mariadb(true) else { return };
    let Some(locked) = mariadb(false) else { return };
    let env = Env::new();
    let targets = [
        format!("mysql://127.0.0.1:{}", open.port),
        format!("mariadb://root:my-s3cret@127.0.0.1:{}", locked.port),
    ];
    let (code, records, all) = audit(&env, &[], &targets);
    assert!(!all.contains("my-s3cret"), "credentials never appear");
    assert_eq!(records.len(), 2, "{all}");
    assert!(records.iter().all(|r| r["service"] == "mysql"), "{all}");
    assert_eq!(records[0]["exposed"], true, "{:#}", records[0]);
    assert!(
        evidence(&records[0]).contains("user root"),
        "{:#}",
        records[0]
    );
    assert_eq!(records[1]["exposed"], false, "{:#}", records[1]);
    assert!(
        evidence(&records[1]).contains("Access denied"),
        "{:#}",
        records[1]
    );
    assert_eq!(code, 1);
}

#[cfg(feature = "s3")]
#[test]
fn audit_tells_public_from_private_buckets() {
    let Some(s3) = seaweed() else { return };
    for bucket in ["public-bkt", "private-bkt"] {
        assert_eq!(s3_request(&s3, "PUT", Some(bucket), None, None).0, 200);
        let (status, body) = s3_request(
            &s3,
            "PUT",
            Some(bucket),
            Some("exports/人员 名单.csv"),
            Some(b"name,phone\n"),
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }
    let env = Env::new();
    let endpoint = s3_endpoint(&s3);
    let targets = [
        "s3://public-bkt".to_string(),
        format!("s3://{S3_ACCESS_KEY}:{S3_SECRET_KEY}@private-bkt/exports/"),
    ];
    let (code, records, all) = audit(&env, &["--endpoint", &endpoint], &targets);
    assert!(!all.contains(S3_SECRET_KEY), "credentials never appear");
    assert_eq!(records.len(), 2, "{all}");
    assert_eq!(records[0]["exposed"], true, "{:#}", records[0]);
    assert!(
        evidence(&records[0]).contains("GetObject read"),
        "{:#}",
        records[0]
    );
    assert!(
        evidence(&records[0]).contains("read 11 bytes of `exports/人员 名单.csv`"),
        "{:#}",
        records[0]
    );
    assert_eq!(records[1]["exposed"], false, "{:#}", records[1]);
    assert!(
        evidence(&records[1]).contains("AccessDenied"),
        "{:#}",
        records[1]
    );
    assert_eq!(records[1]["target"], "s3://private-bkt/exports/");
    assert_eq!(code, 1);
}

#[cfg(all(feature = "mongodb", feature = "s3"))]
#[test]
fn classify_counts_what_anyone_can_read_and_masks_evidence() {
    let (a, b) = (resident_id(61), resident_id(62));
    // Three chat records, two of them by the same person: two distinct people.
    let seed = format!(
        "client.cafe.chats.insert_many([\
           {{'_id': 1, 'idcard': '{a}', 'msg': 'hi'}},\
           {{'_id': 2, 'idcard': '{a}', 'msg': 'again'}},\
           {{'_id': 3, 'idcard': '{b}', 'mobile': '13912345678'}}])"
    );
    let Some(open) = secantus(false, &seed) else {
        return;
    };
    let Some(s3) = seaweed() else { return };
    assert_eq!(
        s3_request(&s3, "PUT", Some("public-bkt"), None, None).0,
        200
    );
    // The only key in the bucket is itself a phone number: evidence quotes keys.
    let body = format!("name,idcard\n张三,{b}\n");
    let (status, _) = s3_request(
        &s3,
        "PUT",
        Some("public-bkt"),
        Some("13812345678.csv"),
        Some(body.as_bytes()),
    );
    assert_eq!(status, 200);
    let env = Env::new();
    let targets = [
        format!("mongodb://127.0.0.1:{}", open.port),
        "s3://public-bkt".to_string(),
    ];
    let endpoint = s3_endpoint(&s3);
    let (code, records, all) = audit(
        &env,
        &["--classify", "--sample", "50", "--endpoint", &endpoint],
        &targets,
    );
    assert_eq!(code, 1, "{all}");
    assert_eq!(records.len(), 2, "{all}");
    let mongo = &records[0]["classification"];
    assert_eq!(records[0]["exposed"], true, "{all}");
    assert_eq!(mongo["sample"], 50, "{all}");
    assert_eq!(mongo["distinct_people"], 2, "{all}");
    assert_eq!(mongo["distinct_identifiers"]["cn_resident_id"], 2, "{all}");
    assert_eq!(mongo["by_detector"]["cn_resident_id"], 3, "{all}");
    assert!(mongo["scan_id"].as_i64().is_some(), "{all}");
    let bucket = &records[1]["classification"];
    assert_eq!(records[1]["exposed"], true, "{all}");
    assert_eq!(bucket["distinct_people"], 1, "{all}");
    assert!(
        !all.contains("13812345678") && !all.contains(a.as_str()) && !all.contains(b.as_str()),
        "raw identifiers never printed: {all}"
    );
    // The recorded classification scan holds the findings under the store's locations.
    let out = env.run(&[
        "findings",
        "--scan",
        &mongo["scan_id"].to_string(),
        "--format",
        "jsonl",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "mongodb://127.0.0.1:{}/cafe.chats/3/idcard",
            open.port
        )),
        "{text}"
    );
    // The HTML report lists the verdicts with their samples' counts.
    let out = env.run(&["report", "--format", "html", "--out", "-"]);
    // Paths carry `<wbr>` break opportunities, which are no text.
    let html = String::from_utf8_lossy(&out.stdout).replace("<wbr>", "");
    let section = &html[html
        .find("<section id=\"exposure\">")
        .expect("an exposure section")..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(
        section.contains("EXPOSED") && section.contains("public-bkt"),
        "{section}"
    );
    assert!(!section.contains("13812345678"), "{section}");
    // Without --classify no sample is taken.
    let (_, records, _) = audit(&env, &["--endpoint", &endpoint], &targets);
    assert!(records.iter().all(|r| r.get("classification").is_none()));
}
