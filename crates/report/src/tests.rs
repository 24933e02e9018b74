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
            path: "exports/2019.zip!/police/records.csv".into(),
            line: Some(12),
            offset: Some(3456),
            field: Some("身份证号".into()),
            value: "1101**********002X".into(),
            value_hash: "k1:3f9a".into(),
            commit: None,
            meta: None,
            tags: Vec::new(),
        },
        ReportFinding {
            detector: "cn_mobile".into(),
            category: Category::Pii,
            confidence: Confidence::Medium,
            path: "notes with space.txt".into(),
            line: None,
            offset: None,
            field: None,
            value: "138****5678".into(),
            value_hash: "k1:0000".into(),
            commit: None,
            meta: None,
            tags: Vec::new(),
        },
    ]
}

fn render(format: Format) -> String {
    let buf = Shared::default();
    let mut p = printer(format, Box::new(buf.clone()), PrinterOptions::default());
    p.object("x", &sample()).unwrap();
    p.notice(&ReportNotice {
        kind: "error".into(),
        path: "bad.zip".into(),
        message: "corrupt zip".into(),
    })
    .unwrap();
    let rules = vec![
        RuleMeta {
            id: "cn_resident_id".into(),
            category: Category::Pii,
            description: "PRC resident ID".into(),
        },
        RuleMeta {
            id: "cn_mobile".into(),
            category: Category::Pii,
            description: "mobile".into(),
        },
    ];
    p.finish(
        &Summary {
            findings: 2,
            ..Default::default()
        },
        &rules,
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
    let mut r = csv::Reader::from_reader(out.as_bytes());
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
        "exports/2019.zip!/police/records.csv"
    );
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "notes%20with%20space.txt"
    );
    assert!(results[0]["partialFingerprints"]["leakscope/v1"].is_string());
}

#[test]
fn fingerprints_ignore_lines_but_not_values() {
    let a = sample().remove(0);
    let mut b = a.clone();
    b.line = Some(99);
    assert_eq!(fingerprint(&a), fingerprint(&b));
    b.value_hash = "k1:other".into();
    assert_ne!(fingerprint(&a), fingerprint(&b));
}

#[test]
fn json_is_one_document() {
    let doc: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2);
    assert_eq!(doc["notices"][0]["type"], "error");
}
