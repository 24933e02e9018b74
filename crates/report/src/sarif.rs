//! SARIF 2.1.0 output, built with `serde-sarif`'s typed builders.

use crate::{fingerprint, Collected, Printer, ReportFinding, ReportNotice, RuleMeta, Summary};
use leakscope_core::Confidence;
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub(crate) struct SarifPrinter {
    out: Box<dyn Write + Send>,
    all: Collected,
}

impl SarifPrinter {
    pub(crate) fn new(out: Box<dyn Write + Send>) -> Self {
        SarifPrinter {
            out,
            all: Collected::default(),
        }
    }
}

fn level(c: Confidence) -> sarif::ResultLevel {
    match c {
        Confidence::High => sarif::ResultLevel::Error,
        Confidence::Medium => sarif::ResultLevel::Warning,
        Confidence::Low => sarif::ResultLevel::Note,
    }
}

/// SARIF artifact locations are URIs: container members keep the `!/` notation, which is
/// valid in a URI reference; spaces and other reserved characters are percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'/'
            | b'!'
            | b':'
            | b'@'
            | b'+'
            | b'='
            | b'<'
            | b'>' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.replace('<', "%3C").replace('>', "%3E")
}

impl Printer for SarifPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        self.all.object(findings)
    }

    fn notice(&mut self, n: &ReportNotice) -> io::Result<()> {
        self.all.notice(n)
    }

    fn finish(&mut self, _s: &Summary, rules: &[RuleMeta]) -> io::Result<()> {
        let mut index: BTreeMap<&str, i64> = BTreeMap::new();
        let mut descriptors = Vec::new();
        for r in rules {
            if index.contains_key(r.id.as_str()) {
                continue;
            }
            index.insert(&r.id, descriptors.len() as i64);
            let mut props = BTreeMap::new();
            props.insert(
                "category".to_string(),
                serde_json::Value::String(r.category.as_str().to_string()),
            );
            descriptors.push(
                sarif::ReportingDescriptor::builder()
                    .id(r.id.clone())
                    .name(r.id.clone())
                    .short_description(&r.description)
                    .properties(
                        sarif::PropertyBag::builder()
                            .additional_properties(props)
                            .build(),
                    )
                    .build(),
            );
        }
        let results: Vec<sarif::Result> = self
            .all
            .findings
            .iter()
            .map(|f| {
                let mut region = sarif::Region::builder().build();
                region.start_line = f.line.map(|l| l as i64);
                region.byte_offset = f.offset.map(|o| o as i64);
                let location = sarif::Location::builder()
                    .physical_location(
                        sarif::PhysicalLocation::builder()
                            .artifact_location(
                                sarif::ArtifactLocation::builder().uri(uri(&f.path)).build(),
                            )
                            .region(region)
                            .build(),
                    )
                    .build();
                let mut fingerprints = BTreeMap::new();
                fingerprints.insert("leakscope/v1".to_string(), fingerprint(f));
                let field = f
                    .field
                    .as_deref()
                    .map(|x| format!(" in field `{x}`"))
                    .unwrap_or_default();
                let mut result = sarif::Result::builder()
                    .rule_id(f.detector.clone())
                    .message(&format!(
                        "{} ({}){field}: {}",
                        f.detector, f.confidence, f.value
                    ))
                    .locations(vec![location])
                    .level(level(f.confidence))
                    .partial_fingerprints(fingerprints)
                    .build();
                result.rule_index = index.get(f.detector.as_str()).copied();
                result
            })
            .collect();
        let notifications: Vec<sarif::Notification> = self
            .all
            .notices
            .iter()
            .filter(|n| n.kind == "error")
            .map(|n| {
                sarif::Notification::builder()
                    .message(&format!("{}: {}", n.path, n.message))
                    .level(serde_json::json!("error"))
                    .build()
            })
            .collect();
        let invocation = sarif::Invocation::builder()
            .execution_successful(self.all.notices.iter().all(|n| n.kind != "error"))
            .tool_execution_notifications(notifications)
            .build();
        let driver = sarif::ToolComponent::builder()
            .name("leakscope")
            .version(env!("CARGO_PKG_VERSION").to_string())
            .rules(descriptors)
            .build();
        let run = sarif::Run::builder()
            .tool(sarif::Tool::builder().driver(driver).build())
            .results(results)
            .invocations(vec![invocation])
            .build();
        let doc = sarif::Sarif::builder()
            .version(sarif::Version::V2_1_0.to_string())
            .schema("https://json.schemastore.org/sarif-2.1.0.json".to_string())
            .runs(vec![run])
            .build();
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
