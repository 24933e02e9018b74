//! `leakscope scan` reading live data stores: Redis, SecantusDB (MongoDB wire protocol),
//! PostgreSQL, MariaDB and SeaweedFS (S3), each started on a free loopback port and seeded
//! with identifiers at known places. Every test checks that findings carry the location the
//! JSONL contract promises, that sampling is stated, and that the password given in the URL
//! reaches neither the output nor the findings database.

mod common;

use common::*;
mod servers;
use servers::*;
use std::collections::BTreeSet;

/// Scans `url` (plus `extra` flags) into a private database and returns
/// (exit code, findings as `(path, detector)`, all other records, raw stdout+stderr+db).
fn scan_store(
    env: &Env,
    extra: &[&str],
) -> (
    i32,
    BTreeSet<(String, String)>,
    Vec<serde_json::Value>,
    String,
) {
    let db = env.dir().join("findings.db");
    let db = db.to_str().unwrap();
    let mut args = vec!["scan", "--format", "jsonl", "--no-progress", "--db", db];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut found = BTreeSet::new();
    let mut other = Vec::new();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v.get("type").is_some() {
            other.push(v);
        } else {
            found.insert((
                v["path"].as_str().unwrap().to_string(),
                v["detector"].as_str().unwrap().to_string(),
            ));
        }
    }
    let database = String::from_utf8_lossy(&std::fs::read(db).unwrap_or_default()).into_owned();
    let everything = format!("{stdout}\n{stderr}\n{database}");
    (out.status.code().unwrap_or(-1), found, other, everything)
}

fn has(found: &BTreeSet<(String, String)>, path: &str, detector: &str) -> bool {
    found.contains(&(path.to_string(), detector.to_string()))
}

fn summary(other: &[serde_json::Value]) -> &serde_json::Value {
    other
        .iter()
        .find(|r| r["type"] == "summary")
        .expect("a summary record")
}

#[test]
fn redis_keys_and_values_are_scanned_with_their_key_in_the_path() {
    let Some(server) = redis(&["--requirepass", "r3dis-pw"]) else {
        return;
    };
    let (a, b, c) = (resident_id(11), resident_id(12), resident_id(13));
    redis_cli(
        &server,
        Some("r3dis-pw"),
        &[
            &["SET", "citizen:1", &a],
            &[
                "HSET",
                "user:2",
                "name",
                "王小明",
                "idcard",
                &b,
                "mobile",
                "13812345678",
            ],
            &["RPUSH", "queue", "nothing here", &format!("身份证 {c}")],
            &["SADD", "tags", "alpha", "beta"],
        ],
    );
    let env = Env::new();
    let url = format!("redis://:r3dis-pw@127.0.0.1:{}/0", server.port);
    let base = format!("redis://127.0.0.1:{}/0", server.port);
    let (code, found, other, everything) = scan_store(&env, &[&url]);
    assert_eq!(code, 1, "findings make exit code 1: {found:?} {other:?}");
    assert!(
        has(&found, &format!("{base}/citizen:1/value"), "cn_resident_id"),
        "{found:?}"
    );
    assert!(
        has(&found, &format!("{base}/user:2/idcard"), "cn_resident_id"),
        "{found:?}"
    );
    assert!(
        has(&found, &format!("{base}/user:2/mobile"), "cn_mobile"),
        "{found:?}"
    );
    assert!(
        has(&found, &format!("{base}/queue/1"), "cn_resident_id"),
        "{found:?}"
    );
    assert!(!everything.contains("r3dis-pw"), "the password leaked");
    for raw in [&a, &b, &c] {
        assert!(!everything.contains(raw.as_str()), "raw value {raw} leaked");
    }

    // A sample is stated, and a wrong password is a located error, not a crash.
    let (_, _, other, _) = scan_store(&env, &["--sample", "2", &url]);
    assert!(
        other.iter().any(|r| r["type"] == "info"
            && r["message"]
                .as_str()
                .unwrap()
                .starts_with("sampled: at most 2")),
        "{other:?}"
    );
    let wrong = format!("redis://:not-it@127.0.0.1:{}/0", server.port);
    let (code, _, other, everything) = scan_store(&env, &[&wrong]);
    assert_eq!(code, 2, "{other:?}");
    assert!(other
        .iter()
        .any(|r| r["type"] == "error" && r["path"] == base.as_str()));
    assert!(!everything.contains("not-it"));
}

#[test]
fn mongodb_documents_are_walked_field_by_field_with_id_in_the_path() {
    let (a, b, c) = (resident_id(21), resident_id(22), resident_id(23));
    let seed = format!(
        "db = client.app\n\
         db.people.insert_many([\n\
           {{'_id': 1, 'name': '张伟', 'idcard': '{a}', 'contact': {{'mobile': '13912345678'}}}},\n\
           {{'_id': 'u-2', 'history': [{{'note': 'ok'}}, {{'note': '证件 {b}'}}]}},\n\
           {{'_id': 3, 'blob': __import__('bson').Binary(b'idcard={c}')}},\n\
           {{'_id': 4, 'loc': {{'type': 'Point', 'coordinates': [121.473701, 31.230416]}}}},\n\
         ])\n\
         db.logs.insert_one({{'_id': 9, 'msg': 'nothing'}})\n\
         client.other.stuff.insert_one({{'_id': 1, 'idcard': '{c}'}})\n"
    );
    let Some(server) = secantus(true, &seed) else {
        return;
    };
    let env = Env::new();
    let url = format!(
        "mongodb://root:mongo-s3cret@127.0.0.1:{}/?authSource=admin",
        server.port
    );
    let base = format!("mongodb://127.0.0.1:{}", server.port);
    let (code, found, other, everything) = scan_store(&env, &[&url]);
    assert_eq!(code, 1, "{found:?} {other:?}");
    assert!(
        has(
            &found,
            &format!("{base}/app.people/1/idcard"),
            "cn_resident_id"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            &format!("{base}/app.people/1/contact.mobile"),
            "cn_mobile"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            &format!("{base}/app.people/u-2/history.1.note"),
            "cn_resident_id"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            &format!("{base}/app.people/3/blob"),
            "cn_resident_id"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            &format!("{base}/other.stuff/1/idcard"),
            "cn_resident_id"
        ),
        "{found:?}"
    );
    // A GeoJSON point, longitude first, is one coordinate pair, placed at its latitude.
    assert!(
        has(
            &found,
            &format!("{base}/app.people/4/loc.coordinates.1"),
            "gps"
        ),
        "{found:?}"
    );
    assert!(!everything.contains("mongo-s3cret"), "the password leaked");
    assert!(!everything.contains(a.as_str()));

    // Chosen collections only; an unchanged collection is not read into the engine again.
    let (_, found, other, _) = scan_store(&env, &["--tables", "app.*", &url]);
    assert!(found.iter().all(|(p, _)| p.contains("/app.")), "{found:?}");
    assert!(
        summary(&other)["objects_unchanged"].as_u64().unwrap() >= 1,
        "{other:?}"
    );

    // Without credentials the server refuses, and that is a located error.
    let (code, _, other, _) = scan_store(&env, &[&format!("mongodb://127.0.0.1:{}/", server.port)]);
    assert_eq!(code, 2, "{other:?}");
}

#[test]
fn postgres_rows_are_located_by_primary_key_and_column() {
    let Some(server) = postgres(false) else {
        return;
    };
    let (a, b) = (resident_id(31), resident_id(32));
    psql(
        &server,
        "postgres",
        &format!(
            "CREATE SCHEMA hr;
             CREATE TABLE hr.staff (id int PRIMARY KEY, name text, idcard text, extra jsonb);
             INSERT INTO hr.staff VALUES (7, '李娜', '{a}', '{{\"phones\": [\"13712345678\"]}}');
             CREATE TABLE public.audit_log (line text);
             INSERT INTO public.audit_log VALUES ('changed {b}');"
        ),
    );
    let env = Env::new();
    let url = format!(
        "postgres://postgres:pg-s3cret@127.0.0.1:{}/postgres",
        server.port
    );
    let base = format!("postgres://127.0.0.1:{}/postgres", server.port);
    let (code, found, other, everything) = scan_store(&env, &[&url]);
    assert_eq!(code, 1, "{found:?} {other:?}");
    assert!(
        has(
            &found,
            &format!("{base}/hr.staff/7/idcard"),
            "cn_resident_id"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            &format!("{base}/hr.staff/7/extra.phones.0"),
            "cn_mobile"
        ),
        "{found:?}"
    );
    // A table without a primary key is located by row number.
    assert!(
        found
            .iter()
            .any(|(p, d)| p.starts_with(&format!("{base}/public.audit_log/"))
                && d == "cn_resident_id"),
        "{found:?}"
    );
    assert!(!everything.contains("pg-s3cret"), "the password leaked");

    let (_, found, _, _) = scan_store(&env, &["--tables", "hr.*", "--sample", "1", &url]);
    assert!(
        found.iter().all(|(p, _)| p.contains("/hr.staff/")),
        "{found:?}"
    );
    let (code, _, other, everything) = scan_store(
        &env,
        &[&format!(
            "postgres://postgres:wrong-pw@127.0.0.1:{}/postgres",
            server.port
        )],
    );
    assert_eq!(code, 2, "{other:?}");
    assert!(!everything.contains("wrong-pw"));

    // PGPASSWORD from the environment is used for an ordinary scan, and never with
    // --anonymous (what `audit --classify` reads with).
    let bare = format!("postgres://postgres@127.0.0.1:{}/postgres", server.port);
    let with_env = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_leakscope"))
            .args([
                "scan",
                "--no-db",
                "--quiet",
                "--no-progress",
                "--fail-on",
                "never",
            ])
            .args(extra)
            .arg(&bare)
            .env("LEAKSCOPE_HOME", env.home.path())
            .env("PGPASSWORD", "pg-s3cret")
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(with_env(&[]), Some(0));
    assert_eq!(with_env(&["--anonymous"]), Some(2));
}

#[test]
fn mysql_rows_are_located_by_primary_key_and_column() {
    let Some(server) = mariadb(false) else { return };
    let a = resident_id(41);
    mariadb_sql(
        &server,
        &format!(
            "SET NAMES utf8mb4;
             CREATE DATABASE shop CHARACTER SET utf8mb4;
             CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(20), card VARCHAR(30), phone VARCHAR(20));
             INSERT INTO shop.customers VALUES (5, '赵敏', '{a}', '13612345678');"
        ),
    );
    let env = Env::new();
    let url = format!("mysql://root:my-s3cret@127.0.0.1:{}/", server.port);
    let base = format!("mysql://127.0.0.1:{}", server.port);
    let (code, found, other, everything) = scan_store(&env, &[&url]);
    assert_eq!(code, 1, "{found:?} {other:?}");
    assert!(
        has(
            &found,
            &format!("{base}/shop/customers/5/card"),
            "cn_resident_id"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            &format!("{base}/shop/customers/5/phone"),
            "cn_mobile"
        ),
        "{found:?}"
    );
    assert!(
        found.iter().all(|(p, _)| !p.contains("/mysql/")),
        "system schemas are not scanned: {found:?}"
    );
    assert!(!everything.contains("my-s3cret"), "the password leaked");
}

#[test]
fn s3_objects_are_decoded_like_files_and_rescans_use_etags() {
    let Some(server) = seaweed() else { return };
    for bucket in ["public-bkt", "private-bkt"] {
        assert_eq!(s3_request(&server, "PUT", Some(bucket), None, None).0, 200);
    }
    let (a, b, c) = (resident_id(51), resident_id(52), resident_id(53));
    let csv = format!("name,idcard\n张三,{a}\n");
    let archive = zip(&[("inner/notes.txt", format!("身份证 {b}").as_bytes())]);
    let d = resident_id(54);
    // Chinese object names are the norm in these buckets, and a listing sends them
    // percent-encoded; a space and a plus sign are encoded differently again.
    let uploads: [(&str, &str, Vec<u8>); 5] = [
        ("public-bkt", "exports/people.csv", csv.into_bytes()),
        (
            "public-bkt",
            "exports/户籍 2022+副本.csv",
            format!("姓名,身份证号\n李四,{d}\n").into_bytes(),
        ),
        (
            "private-bkt",
            "人事/名单.txt",
            format!("身份证 {d}").into_bytes(),
        ),
        ("public-bkt", "exports/batch.zip", archive),
        (
            "private-bkt",
            "hr/list.txt",
            format!("身份证 {c}").into_bytes(),
        ),
    ];
    for (bucket, key, body) in &uploads {
        assert_eq!(
            s3_request(&server, "PUT", Some(bucket), Some(key), Some(body)).0,
            200
        );
    }
    let env = Env::new();
    let endpoint = s3_endpoint(&server);
    let (code, found, other, _) = scan_store(
        &env,
        &["--endpoint", &endpoint, "--anonymous", "s3://public-bkt"],
    );
    assert_eq!(code, 1, "{found:?} {other:?}");
    assert!(
        has(
            &found,
            "s3://public-bkt/exports/people.csv",
            "cn_resident_id"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "s3://public-bkt/exports/batch.zip!/inner/notes.txt",
            "cn_resident_id"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "s3://public-bkt/exports/户籍 2022+副本.csv",
            "cn_resident_id"
        ),
        "{found:?}"
    );
    // The second run knows every object by ETag and downloads none.
    let first = found;
    let (_, found, other, _) = scan_store(
        &env,
        &[
            "--endpoint",
            &endpoint,
            "--anonymous",
            "s3://public-bkt/exports/",
        ],
    );
    assert_eq!(found, first);
    let s = summary(&other);
    assert_eq!(s["objects_unchanged"], 3, "{s}");
    assert_eq!(s["objects_scanned"], 0, "{s}");

    // The private bucket refuses anonymous reads and answers the owner's keys.
    let (code, _, other, _) = scan_store(
        &env,
        &["--endpoint", &endpoint, "--anonymous", "s3://private-bkt"],
    );
    assert_eq!(code, 2, "{other:?}");
    assert!(other.iter().any(|r| r["type"] == "error"), "{other:?}");
    let db = env.dir().join("owner.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(["scan", "--format", "jsonl", "--no-progress", "--db"])
        .arg(&db)
        .args(["--endpoint", &endpoint, "s3://private-bkt"])
        .env("LEAKSCOPE_HOME", env.home.path())
        .env("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY)
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("\"path\":\"s3://private-bkt/hr/list.txt\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"path\":\"s3://private-bkt/人事/名单.txt\""),
        "signed reads of non-ASCII keys: {stdout}"
    );
    let database = String::from_utf8_lossy(&std::fs::read(&db).unwrap()).into_owned();
    assert!(!stdout.contains(S3_SECRET_KEY) && !database.contains(S3_SECRET_KEY));
}

#[test]
fn unreachable_and_unknown_stores_are_located_errors() {
    let env = Env::new();
    let port = free_port();
    let (code, _, other, _) = scan_store(
        &env,
        &[
            "--store-timeout",
            "3",
            &format!("redis://127.0.0.1:{port}/0"),
        ],
    );
    assert_eq!(code, 2, "{other:?}");
    let error = other
        .iter()
        .find(|r| r["type"] == "error")
        .expect("an error");
    assert_eq!(error["path"], format!("redis://127.0.0.1:{port}/0"));
}
