//! End-to-end impact counts: known people across two stores, in one scan and across scans.

mod common;

use common::*;

fn impact(env: &Env, db: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["impact", "--db", db, "--format", "json"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn setup() -> Env {
    let env = Env::new();
    let (p, q, r) = (resident_id(1), resident_id(2), resident_id(3));
    env.write(
        "storeA/people.csv",
        format!("姓名,身份证号,手机\n张伟,{p},13812345678\n张伟,{q},13912345678\n").as_bytes(),
    );
    env.write("storeB/chat.txt", format!("[10:01] 老王: 他的手机是13812345678\n[10:02] 老李: 报案人身份证号 {r}\n[10:03] 老王: 收到\n").as_bytes());
    env
}

#[test]
fn people_are_linked_within_records_and_across_stores() {
    let env = setup();
    let db = env.home.path().join("i.db");
    let db = db.to_str().unwrap();
    let (code, _, _) = env.scan_jsonl(&["--db", db, "storeA", "storeB"]);
    assert_eq!(code, 1);
    let v = impact(&env, db, &[]);
    let i = &v["impact"];
    assert_eq!(i["mode"], "exact");
    assert_eq!(i["records_exposed"], 4, "{i:#}");
    assert_eq!(
        i["distinct_people"], 3,
        "P appears in both stores and counts once: {i:#}"
    );
    let stores = i["by_store"].as_array().unwrap();
    let a = stores.iter().find(|s| s["store"] == "storeA").unwrap();
    let b = stores.iter().find(|s| s["store"] == "storeB").unwrap();
    assert_eq!(
        (a["records_exposed"].as_u64(), a["distinct_people"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        (b["records_exposed"].as_u64(), b["distinct_people"].as_u64()),
        (Some(2), Some(2))
    );
    let names = i["by_identifier"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["detector"] == "person_name")
        .unwrap();
    assert_eq!(
        (names["occurrences"].as_u64(), names["distinct"].as_u64()),
        (Some(2), Some(1)),
        "two 张伟, one name, never merged"
    );
}

#[test]
fn separate_scans_are_combined_with_all() {
    let env = setup();
    let db = env.home.path().join("j.db");
    let db = db.to_str().unwrap();
    env.scan_jsonl(&["--db", db, "storeA"]);
    env.scan_jsonl(&["--db", db, "storeB"]);
    let latest = impact(&env, db, &[]);
    assert_eq!(
        latest["impact"]["distinct_people"], 2,
        "the latest scan alone is store B"
    );
    let all = impact(&env, db, &["--all"]);
    assert_eq!(all["impact"]["distinct_people"], 3);
    assert_eq!(all["scans"].as_array().unwrap().len(), 2);
    let text = env.run(&["impact", "--db", db, "--all"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("distinct people") && text.contains("exact counts"),
        "{text}"
    );
}
