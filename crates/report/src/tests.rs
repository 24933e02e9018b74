//! Printer tests: the JSONL contract, CSV header, SARIF schema validity and fingerprints.

use super::*;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn sample() -> Vec<ReportFinding> {
    vec![
        ReportFinding {
            detector: "cn_resident_id".into(),
            category: Category::Pii,
            confidence: Confidence::High,
            severity: Severity::Critical,
            path: "exports/2019.zip!/police/records.csv".into(),
            line: Some(12),
            offset: Some(3456),
            field: Some("身份证号".into()),
            value: "1101**********002X".into(),
            value_hash: ValueHash::from_bytes([0x3f; 16]),
            commit: None,
            meta: None,
            tags: Vec::new(),
        },
        ReportFinding {
            detector: "cn_mobile".into(),
            category: Category::Pii,
            confidence: Confidence::Medium,
            severity: Severity::High,
            path: "notes with space.txt".into(),
            line: None,
            offset: None,
            field: None,
            value: "138****5678".into(),
            value_hash: ValueHash::from_bytes([0; 16]),
            commit: None,
            meta: None,
            tags: Vec::new(),
        },
    ]
}

fn render(format: Format) -> String {
    render_with(format, PrinterOptions::default(), &sample())
}

fn render_with(format: Format, options: PrinterOptions, findings: &[ReportFinding]) -> String {
    let buf = Shared::default();
    let mut p = printer(format, Box::new(buf.clone()), options);
    p.object("x", findings).unwrap();
    p.notice(&ReportNotice {
        kind: "error".into(),
        path: "bad.zip".into(),
        message: "corrupt zip".into(),
    })
    .unwrap();
    let catalog = Catalog::builtin();
    let detectors = vec![
        catalog.get("cn_resident_id", Category::Pii),
        catalog.get("cn_mobile", Category::Pii),
    ];
    p.finish(
        &Summary {
            findings: findings.len() as u64,
            ..Default::default()
        },
        &detectors,
    )
    .unwrap();
    let bytes = buf.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn jsonl_matches_the_public_contract() {
    let out = render(Format::Jsonl);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let f = &lines[0];
    for key in [
        "detector",
        "category",
        "confidence",
        "path",
        "line",
        "offset",
        "field",
        "value",
        "value_hash",
    ] {
        assert!(f.get(key).is_some(), "missing {key}");
    }
    assert!(f.get("type").is_none());
    assert_eq!(f["path"], "exports/2019.zip!/police/records.csv");
    assert_eq!(f["line"], 12);
    assert_eq!(lines[1]["line"], serde_json::Value::Null);
    assert_eq!(lines[2]["type"], "error");
    assert_eq!(lines[3]["type"], "summary");
}

#[test]
fn csv_has_a_header() {
    let out = render(Format::Csv);
    let mut r = ::csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        CSV_HEADER.to_vec()
    );
    assert_eq!(r.records().count(), 2);
}

#[test]
fn sarif_validates_against_the_schema() {
    let out = render(Format::Sarif);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The published schema's `run.language` pattern has a stray `]` that ECMAScript
    // regexes tolerate and Rust's do not; replace it with the pattern it means.
    let text = include_str!("../tests/data/sarif-2.1.0.schema.json").replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["level"], "error");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "exports/2019.zip"
    );
    assert_eq!(results[0]["properties"]["member"], "police/records.csv");
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "notes%20with%20space.txt"
    );
    assert!(results[0]["partialFingerprints"]["leakscope/v1"].is_string());
    let problems = sarif::github_problems(&doc);
    assert!(problems.is_empty(), "{problems:#?}");
    let rule = &doc["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["properties"]["security-severity"], "9.5");
    assert!(rule["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("What to do"));
}

#[test]
fn sarif_is_capped_most_severe_first_and_says_so() {
    let mut many = Vec::new();
    for i in 0..30 {
        let mut f = sample().remove(1);
        f.line = Some(i + 1);
        many.push(f);
    }
    many.push(sample().remove(0));
    let options = PrinterOptions {
        max_results: Some(10),
        ..Default::default()
    };
    let doc: serde_json::Value =
        serde_json::from_str(&render_with(Format::Sarif, options, &many)).unwrap();
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    assert!(
        results.iter().any(|r| r["ruleId"] == "cn_resident_id"),
        "the critical one is kept"
    );
    assert_eq!(run["properties"]["capped"], true);
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(notes.iter().any(|n| n["message"]["text"]
        .as_str()
        .unwrap()
        .contains("31 findings")));
}

#[test]
fn the_github_check_catches_what_github_rejects() {
    let mut doc: serde_json::Value = serde_json::from_str(&render(Format::Sarif)).unwrap();
    let loc = &mut doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    loc["artifactLocation"]["uriBaseId"] = serde_json::Value::Null;
    loc["region"]["startLine"] = serde_json::Value::Null;
    doc["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] =
        serde_json::json!("high");
    let problems = sarif::github_problems(&doc);
    assert!(
        problems.iter().any(|p| p.contains("without uriBaseId")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("startLine")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("security-severity")),
        "{problems:?}"
    );
}

#[test]
fn the_summary_leads_with_severity_people_and_secrets() {
    let mut s = Summary {
        findings: 1_234_567,
        secrets: 3,
        objects_scanned: 1,
        bytes_scanned: 5 * 1024 * 1024,
        people: Some(People {
            distinct: 2_000,
            records: 2_500,
            estimated: false,
        }),
        suppressed: Suppressed {
            baseline: 6_736,
            ..Default::default()
        },
        config: Some("leakscope.toml".into()),
        ..Default::default()
    };
    s.by_severity.insert(Severity::Critical, 3);
    s.by_severity.insert(Severity::Low, 1_234_564);
    s.by_detector.insert("ipv4".into(), 1_234_564);
    s.by_detector.insert("private_key".into(), 3);
    s.detectors
        .insert("ipv4".into(), ("IPv4 address".into(), Severity::Low));
    s.detectors.insert(
        "private_key".into(),
        ("Private key".into(), Severity::Critical),
    );
    let text = summary_text(&s);
    assert!(
        text.starts_with("1,234,567 findings: critical 3, low 1,234,564"),
        "{text}"
    );
    assert!(
        text.contains("2,000 distinct people in 2,500 records, 3 secrets"),
        "{text}"
    );
    assert!(
        text.contains("\n  critical: Private key 3\n  low:      IPv4 address 1,234,564"),
        "{text}"
    );
    assert!(text.contains("suppressed: 6,736 by the baseline"), "{text}");
    assert!(
        text.contains("1 object scanned") && text.contains("5.0 MiB"),
        "{text}"
    );
    assert!(text.contains("configuration: leakscope.toml"), "{text}");
}

#[test]
fn fingerprints_ignore_lines_but_not_values() {
    let a = sample().remove(0);
    let mut b = a.clone();
    b.line = Some(99);
    assert_eq!(fingerprint(&a), fingerprint(&b));
    b.value_hash = ValueHash::from_bytes([1; 16]);
    assert_ne!(fingerprint(&a), fingerprint(&b));
}

/// The document is written piece by piece as the whole document would be printed at
/// once: byte for byte, with findings in two objects, with one, and with none, and with
/// the findings held in memory, moved to a file after each object, or after some.
/// The columns of the finding lines line up: the detector column is padded like the
/// others, so each finding's value starts at the same column.
#[test]
fn text_columns_line_up() {
    let out = render(Format::Text);
    let starts: Vec<usize> = out
        .lines()
        .filter(|l| {
            l.trim_start()
                .starts_with(|c: char| c.is_ascii_digit() || c == '-')
        })
        .filter(|l| l.contains("**"))
        .map(|l| l.find("1101").or_else(|| l.find("138")).expect("a value"))
        .collect();
    assert_eq!(starts.len(), 2, "{out}");
    assert_eq!(starts[0], starts[1], "{out}");
}

#[test]
fn json_is_printed_as_its_whole_tree_would_be() {
    let sample = sample();
    for (objects, notices) in [
        (vec![&sample[..1], &sample[1..]], 2),
        (vec![&sample[..]], 1),
        (vec![], 0),
    ] {
        for spill_at in [usize::MAX, 1, 400] {
            let buf = Shared::default();
            let mut p: Box<dyn Printer> = Box::new(super::json::JsonPrinter::spilling_at(
                Box::new(buf.clone()),
                spill_at,
            ));
            for o in &objects {
                p.object("x", o).unwrap();
            }
            let notice = |i: usize| ReportNotice {
                kind: "skip".into(),
                path: format!("dir/{i}.bin"),
                message: "too \"big\"\nto read".into(),
            };
            for i in 0..notices {
                p.notice(&notice(i)).unwrap();
            }
            let summary = Summary {
                findings: 2,
                ..Default::default()
            };
            p.finish(&summary, &[]).unwrap();
            let findings: Vec<&ReportFinding> = objects.iter().flat_map(|o| o.iter()).collect();
            let notices: Vec<ReportNotice> = (0..notices).map(notice).collect();
            #[derive(serde::Serialize)]
            struct Document<'a> {
                tool: &'a str,
                version: &'a str,
                summary: &'a Summary,
                findings: Vec<&'a ReportFinding>,
                notices: Vec<ReportNotice>,
            }
            let tree = Document {
                tool: "leakscope",
                version: env!("CARGO_PKG_VERSION"),
                summary: &summary,
                findings,
                notices,
            };
            let expected = serde_json::to_string_pretty(&tree).unwrap() + "\n";
            let printed = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
            assert_eq!(printed, expected, "spilling at {spill_at} bytes");
        }
    }
}

#[test]
fn json_is_one_document() {
    let doc: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2);
    assert_eq!(doc["notices"][0]["type"], "error");
}
