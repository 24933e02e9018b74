//! The HTML report in a real browser (Debian's chromium, headless): what a person sees.
//!
//! Chromium is installed by `scripts/test` (and so in CI), which sets
//! `LEAKSCOPE_REQUIRE_BROWSER=1`; without it, and without a chromium on the machine, the
//! browser test reports that it was not run.

mod common;

use common::*;

/// Text content of the element with `id` in a dumped DOM (numbers in summary cards).
fn element_text<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let open = start + dom[start..].find('>').unwrap() + 1;
    let close = open + dom[open..].find('<').unwrap();
    dom[open..close].trim()
}

#[test]
fn report_shows_numbers_tables_charts_and_pages_in_a_browser() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let env = Env::new();
    let data = env.dir().join("data");
    let out = env.run(&["generate", data.to_str().unwrap(), "--mib", "24"]);
    assert!(out.status.success());
    let db = env.home.path().join("r.db");
    let db = db.to_str().unwrap();
    let (code, _, _) = env.scan_jsonl(&["--db", db, "data"]);
    assert_eq!(code, 1);
    let impact = env.run(&["impact", "--db", db, "--format", "json"]);
    let impact: serde_json::Value = serde_json::from_slice(&impact.stdout).unwrap();
    let report = env.dir().join("report.html");
    let out = env.run(&["report", "--db", db, "--out", report.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        !html.contains("http://") || html.matches("http://").all(|_| html.contains("xmlns")),
        "no external references"
    );
    assert!(
        !html.contains("<link") && !html.contains("src=\"http"),
        "self-contained"
    );

    let url = format!("file://{}", report.display());
    let profile = tempfile::tempdir().unwrap();
    let dom = headless(&browser, profile.path(), &["--dump-dom".to_string()], &url);
    let dom = String::from_utf8(dom.stdout).unwrap();
    assert!(dom.contains("<svg class=\"chart\""), "charts are drawn");
    // Numbers as people read them: with thousands separators.
    let thousands = |v: &serde_json::Value| leakscope_report::thousands(v.as_u64().unwrap());
    assert_eq!(
        element_text(&dom, "distinct-people"),
        thousands(&impact["impact"]["distinct_people"])
    );
    assert_eq!(
        element_text(&dom, "records-exposed"),
        thousands(&impact["impact"]["records_exposed"])
    );
    assert!(
        element_text(&dom, "distinct-people").contains(','),
        "a separator"
    );
    // The executive summary leads: an overall risk, a headline, and what to act on first,
    // most severe first.
    let exec = dom.find("id=\"executive\"").expect("an executive summary");
    assert!(exec < dom.find("id=\"detectors\"").unwrap());
    assert_eq!(element_text(&dom, "overall-risk"), "critical risk");
    assert!(element_text(&dom, "headline").contains("distinct people"));
    let top = &dom[dom.find("id=\"top-risks\"").unwrap()..];
    let first = &top[..top.find("</li>").unwrap()];
    assert!(
        first.contains("(critical)"),
        "the first risk is a critical one: {first}"
    );
    // Detector sections lead with the most severe and use display names.
    let sections = &dom[dom.find("id=\"detectors\"").unwrap()..];
    let first_section = &sections[..sections.find("</h3>").unwrap()];
    assert!(first_section.contains("sev-critical"), "{first_section}");
    assert!(dom.contains("Resident ID number"), "display names");
    // The drill-down names the files and tables that expose people.
    assert!(
        dom.contains("id=\"impact-places\""),
        "people per file and table"
    );
    assert!(
        dom.contains("What to do") && dom.contains("PIPL"),
        "guidance is shown"
    );
    // Dozens of objects: the location table is paged by the inline script.
    assert!(dom.contains("page 1 of "), "paging ran in the browser");
    assert!(
        dom.matches("style=\"display: none;\"").count() >= 1,
        "rows beyond the first page are hidden"
    );
    // Raw values never appear: every example value is masked.
    assert!(dom.contains("****"));

    let png = artifacts().join("report.png");
    let shot = headless(
        &browser,
        profile.path(),
        &[format!("--screenshot={}", png.display())],
        &url,
    );
    assert!(shot.status.success());
    assert!(
        std::fs::metadata(&png).unwrap().len() > 10_000,
        "a real screenshot"
    );
}

#[test]
fn report_json_has_the_same_content() {
    let env = Env::new();
    env.write(
        "a/people.csv",
        format!("姓名,身份证号\n张三,{}\n", resident_id(9)).as_bytes(),
    );
    let db = env.home.path().join("j.db");
    let db = db.to_str().unwrap();
    env.scan_jsonl(&["--db", db, "a"]);
    let out = env.run(&["report", "--db", db, "--format", "json", "--out", "-"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["impact"]["distinct_people"], 1);
    let ids: Vec<&str> = v["detectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"cn_resident_id") && ids.contains(&"person_name"));
    assert!(
        v["detectors"][0]["guidance"]["action"]
            .as_str()
            .unwrap()
            .len()
            > 10
    );
}
