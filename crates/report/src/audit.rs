//! `leakscope audit` output: one record per probed target, as text or JSON Lines (the
//! contract in `docs/output-formats.md`), with what a sampled scan of an exposed store
//! found.

use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The verdict on one target.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Always `exposure`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The target as named, without credentials.
    pub target: String,
    /// `redis`, `mongodb`, `postgres`, `mysql` or `s3`.
    pub service: String,
    /// `true`: answered without credentials; `false`: refused; `null`: could not tell.
    pub exposed: Option<bool>,
    /// What was observed (identifiers masked).
    pub evidence: String,
}

/// What a sampled scan of an exposed store found.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    /// The scan whose findings these are (`leakscope findings --scan N`).
    pub scan_id: Option<i64>,
    /// At most this many objects, documents or rows were read per prefix, collection or
    /// table.
    pub sample: u64,
    /// Objects or record batches read.
    pub objects: u64,
    /// Findings in the sample.
    pub findings: u64,
    /// Records (documents, rows, lines) in the sample that hold personal data.
    pub records_exposed: u64,
    /// Distinct people in the sample, linked by strong identifiers.
    pub distinct_people: u64,
    /// Distinct values per identifier type.
    pub distinct_identifiers: BTreeMap<String, u64>,
    /// Findings per detector.
    pub by_detector: BTreeMap<String, u64>,
    /// Objects or collections that could not be read.
    pub errors: u64,
}

/// One JSON Lines record: the verdict, and the classification when one was made.
#[derive(Serialize)]
struct Record<'a> {
    #[serde(flatten)]
    verdict: &'a Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    classification: Option<&'a Classification>,
}

/// Writes one target's record: a JSON line when `jsonl`, else aligned text.
pub fn write_verdict(
    out: &mut dyn Write,
    jsonl: bool,
    verdict: &Verdict,
    classification: Option<&Classification>,
) -> io::Result<()> {
    if jsonl {
        serde_json::to_writer(
            &mut *out,
            &Record {
                verdict,
                classification,
            },
        )?;
        return writeln!(out);
    }
    let word = match verdict.exposed {
        Some(true) => "EXPOSED",
        Some(false) => "protected",
        None => "unknown",
    };
    writeln!(
        out,
        "{:<9} {:<8} {}  {}",
        word, verdict.service, verdict.target, verdict.evidence
    )?;
    if let Some(c) = classification {
        let identifiers: Vec<String> = c
            .distinct_identifiers
            .iter()
            .map(|(d, n)| format!("{d} {}", crate::thousands(*n)))
            .collect();
        writeln!(
            out,
            "{:<18} sample of at most {} per collection/table/prefix: {}, {}, {} with personal data, {}{}{}",
            "",
            crate::thousands(c.sample),
            crate::counted(c.objects, "object", "objects"),
            crate::counted(c.findings, "finding", "findings"),
            crate::counted(c.records_exposed, "record", "records"),
            crate::counted(c.distinct_people, "distinct person", "distinct people"),
            if identifiers.is_empty() {
                String::new()
            } else {
                format!(" (distinct: {})", identifiers.join(", "))
            },
            match c.scan_id {
                Some(id) => format!("; details: leakscope findings --scan {id}"),
                None => String::new(),
            }
        )?;
    }
    Ok(())
}
