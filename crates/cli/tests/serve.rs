//! The dashboard: its JSON API over a real server process, its token rules, and the page
//! in headless chromium with filters applied (see `report.rs` for the browser setup).

mod common;
mod servers;

use common::*;

fn scanned(env: &Env) -> String {
    let id = resident_id(4);
    env.write(
        "s/people.csv",
        format!(
            "姓名,身份证号,手机\n张三,{id},13812345678\n李四,{},13912345678\n",
            resident_id(5)
        )
        .as_bytes(),
    );
    env.write("s/notes.txt", b"email me: someone@example.com\n");
    let db = env.home.path().join("d.db").to_str().unwrap().to_string();
    let (code, _, _) = env.scan_jsonl(&["--db", &db, "s"]);
    assert_eq!(code, 1);
    db
}

#[test]
fn api_serves_masked_filtered_findings_and_clean_errors() {
    let env = Env::new();
    let db = scanned(&env);
    let server = serve(&env, &db, &[]);
    let (status, scans) = http_get(&format!("{}/api/scans", server.base), None);
    assert_eq!(status, 200);
    assert_eq!(scans.as_array().unwrap().len(), 1);
    assert!(
        scans[0]["targets"].is_array(),
        "targets are a list, not JSON in a string"
    );
    let (_, all) = http_get(&format!("{}/api/findings", server.base), None);
    let n_all = all["findings"].as_array().unwrap().len();
    assert!(n_all >= 6, "{all:#}");
    assert_eq!(all["total"], n_all, "the total is given");
    assert!(all["findings"][0]["severity"].is_string());
    let (_, ids) = http_get(
        &format!("{}/api/findings?detector=cn_resident_id", server.base),
        None,
    );
    let ids = ids["findings"].as_array().unwrap();
    assert_eq!(ids.len(), 2);
    assert!(
        ids.iter()
            .all(|f| f["value"].as_str().unwrap().contains('*')),
        "values are masked"
    );
    let (_, page) = http_get(
        &format!("{}/api/findings?limit=2&offset=2", server.base),
        None,
    );
    assert_eq!(page["findings"].as_array().unwrap().len(), 2);
    assert_eq!(page["more"], true);
    assert_eq!(
        page["total"], n_all,
        "a page knows the total of the listing"
    );
    let (_, pref) = http_get(
        &format!("{}/api/findings?path_prefix=s/notes", server.base),
        None,
    );
    assert!(pref["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["path"].as_str().unwrap().starts_with("s/notes")));
    // Impact is counted in the background: 202 until ready.
    let mut impact = serde_json::Value::Null;
    for _ in 0..100 {
        let (status, body) = http_get(&format!("{}/api/impact", server.base), None);
        if status == 200 {
            impact = body;
            break;
        }
        assert_eq!(status, 202);
        assert_eq!(body["status"], "computing");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(impact["impact"]["distinct_people"], 3);
    let (status, err) = http_get(
        &format!("{}/api/findings?min_confidence=bogus", server.base),
        None,
    );
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("confidence"));
    let (status, err) = http_get(&format!("{}/api/findings?scan=999", server.base), None);
    assert_eq!(status, 200, "an unknown scan is simply empty");
    assert_eq!(err["findings"].as_array().unwrap().len(), 0);
    let (status, _) = http_get(&format!("{}/etc/passwd", server.base), None);
    assert_eq!(status, 404);
    let (status, spec) = http_get(&format!("{}/api/openapi.json", server.base), None);
    assert_eq!(status, 200);
    assert_eq!(spec["openapi"], "3.0.3");
    for path in spec["paths"].as_object().unwrap().keys() {
        let (status, _) = http_get(&format!("{}{path}", server.base), None);
        assert!(
            status == 200 || (status == 202 && path == "/api/impact"),
            "documented path {path} answers: {status}"
        );
    }
}

#[test]
fn tokens_are_required_when_set_and_for_other_addresses() {
    let env = Env::new();
    let db = scanned(&env);
    let out = env.run(&["serve", "--db", &db, "--bind", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("token"));
    let server = serve(&env, &db, &["--token", "s3cret-token"]);
    let (status, body) = http_get(&format!("{}/api/scans", server.base), None);
    assert_eq!(status, 401);
    assert!(body["error"].as_str().is_some());
    let (status, _) = http_get(&format!("{}/api/scans", server.base), Some("wrong"));
    assert_eq!(status, 401);
    let (status, _) = http_get(&format!("{}/api/scans", server.base), Some("s3cret-token"));
    assert_eq!(status, 200);
}

/// The status code of a raw HTTP/1.1 GET sent with the given `Host:` header.
fn status_with_host(base: &str, path: &str, host: &str) -> u16 {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"))
}

#[test]
fn empty_tokens_and_foreign_host_names_are_refused() {
    let env = Env::new();
    let db = scanned(&env);
    for bind in ["127.0.0.1:0", "0.0.0.0:0"] {
        let out = env.run(&["serve", "--db", &db, "--bind", bind, "--token", ""]);
        assert_eq!(out.status.code(), Some(2), "--token \"\" on {bind}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
    }
    // Without a token, a page on another origin that rebinds its name to 127.0.0.1 sends
    // its own name as the host: refused. Loopback names are answered.
    let server = serve(&env, &db, &[]);
    let port = server.base.rsplit(':').next().unwrap().to_string();
    assert_eq!(
        status_with_host(
            &server.base,
            "/api/scans",
            &format!("attacker.example:{port}")
        ),
        421
    );
    assert_eq!(
        status_with_host(&server.base, "/", "rebind.attacker.example"),
        421
    );
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "[::1]".to_string(),
    ] {
        assert_eq!(
            status_with_host(&server.base, "/api/scans", &host),
            200,
            "{host}"
        );
    }
    drop(server);
    // With a token the token is the guard, whatever name the client used.
    let server = serve(&env, &db, &["--token", "s3cret-token"]);
    assert_eq!(
        status_with_host(&server.base, "/api/scans?token=", "localhost"),
        401
    );
}

#[test]
fn dashboard_page_applies_filters_in_a_browser() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let env = Env::new();
    let db = scanned(&env);
    let server = serve(&env, &db, &[]);
    let profile = tempfile::tempdir().unwrap();
    let run = |url: &str, extra: &[String]| headless(&browser, profile.path(), extra, url);
    let filtered = run(
        &format!("{}/?detector=cn_resident_id", server.base),
        &["--dump-dom".into()],
    );
    let dom = String::from_utf8(filtered.stdout).unwrap();
    assert!(dom.contains("data-ready=\"1\""), "the page loaded its data");
    let tbody = &dom[dom.find("<table id=\"findings\"").unwrap()..];
    let tbody = &tbody[..tbody.find("</table>").unwrap()];
    assert_eq!(
        tbody.matches("<tr>").count(),
        3,
        "header plus the two resident ids"
    );
    assert!(!tbody.contains("cn_mobile") && !tbody.contains("email"));
    assert!(dom.contains("1–2 of 2 findings"), "totals are shown");
    // An executive summary: the overall risk, then people and the most severe first.
    assert!(dom.contains(">critical risk<"), "the overall risk is shown");
    let cards = &dom[dom.find("id=\"cards\"").unwrap()..];
    let (people, critical, findings) = (
        cards.find("id=\"c-people\"").unwrap(),
        cards.find("id=\"c-critical\"").unwrap(),
        cards.find("id=\"c-findings\"").unwrap(),
    );
    assert!(
        people < critical && critical < findings,
        "cards in a fixed order"
    );
    assert!(
        dom.contains("scan 1 · "),
        "scans are named by id, date and target"
    );
    let (status, svg) = http_get(
        &format!("{}/api/charts/detectors.svg?category=secret", server.base),
        None,
    );
    assert_eq!(status, 200);
    let svg = svg.as_str().unwrap_or_default().to_string();
    assert!(
        svg.contains("<svg") && !svg.contains("Mobile number"),
        "the chart follows the filters: {svg}"
    );
    assert!(dom.contains("expose 3 distinct people"), "impact is shown");
    let impact = &dom[dom.find("id=\"impact\"").unwrap()..];
    assert!(
        impact.contains("Resident ID number"),
        "identifiers by display name"
    );
    assert!(
        dom.contains("id=\"detector-chart\""),
        "the chart is on the page"
    );
    let unfiltered = run(&format!("{}/", server.base), &["--dump-dom".into()]);
    let dom = String::from_utf8(unfiltered.stdout).unwrap();
    assert!(dom.contains("cn_mobile") && dom.contains("email"));
    assert!(
        dom.contains("id=\"exposure-section\" hidden"),
        "no audit yet, no exposure table"
    );

    // An audit of an open Redis (classified) and of a port nobody listens on adds the
    // exposure table; its sample is a scan of its own, so the page pins scan 1.
    let Some(redis) = servers::redis(&[]) else {
        return;
    };
    servers::redis_cli(&redis, None, &[&["SET", "citizen", &resident_id(77)]]);
    let open = format!("redis://127.0.0.1:{}/0", redis.port);
    let closed = format!("redis://127.0.0.1:{}/0", servers::free_port());
    let out = env.run(&[
        "audit",
        "--db",
        &db,
        "--classify",
        "--interval-ms",
        "0",
        "--timeout",
        "3",
        &open,
        &closed,
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let (status, rows) = http_get(&format!("{}/api/exposures", server.base), None);
    assert_eq!(status, 200);
    assert_eq!(rows[0]["exposed"], true, "{rows}");
    assert_eq!(rows[0]["distinct_people"], 1, "{rows}");
    assert_eq!(rows[1]["exposed"], serde_json::Value::Null, "{rows}");
    let page = run(&format!("{}/?scan=1", server.base), &["--dump-dom".into()]);
    let dom = String::from_utf8(page.stdout).unwrap();
    let table = &dom[dom.find("<table id=\"exposures\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(
        table.contains("EXPOSED") && table.contains(&open),
        "{table}"
    );
    assert!(
        table.contains("unknown") && table.contains(&closed),
        "{table}"
    );
    assert!(
        table.contains("(scan 2)"),
        "the sample links to its scan: {table}"
    );
    let shots =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("dashboard.png");
    let shot = run(
        &format!("{}/?scan=1&detector=cn_resident_id", server.base),
        &[format!("--screenshot={}", png.display())],
    );
    assert!(shot.status.success());
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
}

#[test]
fn malformed_query_parameters_are_answered_as_json_errors() {
    let env = Env::new();
    let db = scanned(&env);
    let server = serve(&env, &db, &[]);
    for path in [
        "/api/summary?scan=abc",
        "/api/findings?limit=many",
        "/api/findings?limit=5000",
        "/api/findings?limit=0",
        "/api/locations?limit=100000",
        "/api/locations?scan=1.5",
    ] {
        let (status, body) = http_get(&format!("{}{path}", server.base), None);
        assert_eq!(status, 400, "{path}: {body}");
        let error = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: {body}"));
        assert!(!error.is_empty(), "{path}");
    }
}
