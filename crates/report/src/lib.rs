//! Output formats: human text, JSON, JSON Lines, SARIF 2.1.0 and CSV.
//!
//! Printers receive findings object by object (all findings of one object together), plus
//! notices and a closing summary. The JSON Lines record is a public contract
//! (`docs/output-formats.md`): fields are added, never renamed or removed. Serializable
//! wire types live here and nowhere else.

pub mod audit;
mod csv;
pub mod html;
pub mod impact;
mod json;
mod jsonl;
pub mod sarif;
mod text;

pub use crate::csv::CSV_HEADER;
pub use text::{bytes, counted, summary_text, thousands};

use leakscope_core::{Category, CommitInfo, Confidence, DetectorInfo, Severity, ValueHash};
pub use leakscope_detect::catalog::Catalog;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

/// One finding as printed. `value` is masked unless the user asked for raw values.
#[derive(Debug, Clone, Serialize)]
pub struct ReportFinding {
    /// Detector id.
    pub detector: leakscope_core::DetectorId,
    /// Category.
    pub category: Category,
    /// Confidence.
    pub confidence: Confidence,
    /// How serious the finding is, from the detector's rule data.
    pub severity: Severity,
    /// Full location, shared by the findings of one object.
    pub path: Arc<str>,
    /// 1-based line in the decoded text.
    pub line: Option<u64>,
    /// Byte offset in the decoded text.
    pub offset: Option<u64>,
    /// Field, column or key.
    pub field: Option<Arc<str>>,
    /// Masked value (raw only with `--show-values`).
    pub value: String,
    /// Keyed hash of the normalised value.
    pub value_hash: ValueHash,
    /// For a finding in git history: the commit that introduced the blob (its author
    /// masked like any other text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitInfo>,
    /// For a YARA finding: the rule's `meta:` entries (description, author, reference …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<BTreeMap<String, String>>,
    /// For a YARA finding: the rule's tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl ReportFinding {
    /// The printed form of a finding stored for the object at `location`; `raw` replaces
    /// the masked value only when the user asked for raw values (and it is never stored).
    /// A finding in the object itself (not in a member) shares `location`: printing
    /// millions of findings allocates nothing per finding for their paths, fields and
    /// hashes.
    pub fn from_stored(
        location: &Arc<str>,
        f: leakscope_store::StoredFinding,
        raw: Option<String>,
        catalog: &Catalog,
    ) -> Self {
        ReportFinding {
            path: if f.member.is_empty() {
                location.clone()
            } else {
                format!("{location}{}", f.member).into()
            },
            severity: catalog.severity(&f.detector, f.category),
            detector: f.detector,
            category: f.category,
            confidence: f.confidence,
            line: f.line,
            offset: f.offset,
            field: f.field,
            value: raw.unwrap_or(f.masked),
            value_hash: f.value_hash,
            commit: None,
            meta: None,
            tags: Vec::new(),
        }
    }

    /// The printed form of a finding read back from the database with its location.
    pub fn from_row(r: leakscope_store::FindingRow, catalog: &Catalog) -> Self {
        let location = r
            .path
            .strip_suffix(r.finding.member.as_str())
            .unwrap_or(&r.path)
            .into();
        let mut f = ReportFinding::from_stored(&location, r.finding, None, catalog);
        f.commit = r.origin.and_then(|o| serde_json::from_str(&o).ok());
        f
    }
}

/// The detectors a database knows: the built-in catalog overlaid with what its scans
/// recorded about the detectors they ran (YARA rules, watch-lists, user rules).
pub fn detector_catalog(
    store: &leakscope_store::Store,
) -> Result<Catalog, leakscope_store::StoreError> {
    let mut catalog = Catalog::builtin();
    for d in store.recorded_detectors()? {
        match d.info {
            Some(info) => catalog.insert(info),
            // Recorded before detectors carried a severity: the category decides.
            None if !catalog.contains(&d.id) => catalog.insert(
                leakscope_detect::catalog::default_info(&d.id, d.category, &d.description),
            ),
            None => {}
        }
    }
    Ok(catalog)
}

/// A notice as printed.
#[derive(Debug, Clone, Serialize)]
pub struct ReportNotice {
    /// `error`, `skip` or `info`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The object concerned.
    pub path: String,
    /// What happened.
    pub message: String,
}

/// Totals printed at the end of a scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Database id of the scan run, when recorded.
    pub scan_id: Option<i64>,
    /// Objects read and scanned in this run.
    pub objects_scanned: u64,
    /// Objects skipped because their content was already scanned with the same rules.
    pub objects_unchanged: u64,
    /// Bytes read.
    pub bytes_scanned: u64,
    /// Findings printed.
    pub findings: u64,
    /// Error notices.
    pub errors: u64,
    /// Skip notices.
    pub skipped: u64,
    /// Wall-clock seconds.
    pub elapsed_secs: f64,
    /// Findings per detector.
    pub by_detector: BTreeMap<String, u64>,
    /// Findings per severity (`critical`, `high`, `medium`, `low`).
    pub by_severity: BTreeMap<Severity, u64>,
    /// Findings of credentials (category `secret`).
    pub secrets: u64,
    /// Findings of implants (YARA rules).
    pub implants: u64,
    /// Distinct people exposed, when the scan was recorded (see `leakscope impact`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<People>,
    /// Findings left out on purpose, by reason.
    pub suppressed: Suppressed,
    /// The configuration file read, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// Display name and severity of each detector counted, for the text summary.
    #[serde(skip)]
    pub detectors: BTreeMap<String, (String, Severity)>,
}

impl Summary {
    /// Completes the counts per detector with what the summary leads with: findings per
    /// severity, secrets, implants, and each detector's display name and severity. Returns
    /// the detectors counted, for the printers' rule lists.
    pub fn rank(&mut self, catalog: &Catalog) -> Vec<DetectorInfo> {
        let mut counted = Vec::with_capacity(self.by_detector.len());
        for (id, n) in &self.by_detector {
            let info = catalog.get(id, Category::Custom);
            *self.by_severity.entry(info.severity).or_default() += n;
            match info.category {
                Category::Secret => self.secrets += n,
                Category::Implant => self.implants += n,
                _ => {}
            }
            self.detectors
                .insert(id.clone(), (info.label().to_string(), info.severity));
            counted.push(info);
        }
        counted
    }
}

/// People counted for a summary.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct People {
    /// Distinct people.
    pub distinct: u64,
    /// Records (rows, documents, lines) holding personal data.
    pub records: u64,
    /// `true` when counted with sketches (about 0.8% error) rather than exactly.
    pub estimated: bool,
}

/// Findings that matched but were left out, by the reason.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Suppressed {
    /// Listed in the baseline.
    pub baseline: u64,
    /// Matched an `[allowlist]` entry of the configuration.
    pub allowlist: u64,
    /// On a line carrying a `leakscope:ignore` comment.
    pub inline: u64,
}

impl Suppressed {
    /// All suppressed findings.
    pub fn total(&self) -> u64 {
        self.baseline + self.allowlist + self.inline
    }
}

/// Output format names accepted on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grouped by location, for people.
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
    /// CSV with a header row.
    Csv,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            "sarif" => Ok(Format::Sarif),
            "csv" => Ok(Format::Csv),
            _ => Err(format!(
                "unknown format `{s}` (text, json, jsonl, sarif, csv)"
            )),
        }
    }
}

/// Printer settings.
#[derive(Debug, Clone, Default)]
pub struct PrinterOptions {
    /// ANSI colours (text format, on a terminal).
    pub color: bool,
    /// Print no per-finding lines, only the summary (text format).
    pub quiet: bool,
    /// The directory SARIF locations are relative to (the checkout root in CI).
    pub base: Option<std::path::PathBuf>,
    /// The most SARIF results in a run (GitHub's 25,000 by default).
    pub max_results: Option<usize>,
}

/// A sink for scan results.
pub trait Printer: Send {
    /// All findings of one object.
    fn object(&mut self, path: &str, findings: &[ReportFinding]) -> io::Result<()>;
    /// Whether [`Printer::object`] shows findings at all: when it does not (quiet text),
    /// the caller need not build them.
    fn prints_findings(&self) -> bool {
        true
    }
    /// A notice.
    fn notice(&mut self, notice: &ReportNotice) -> io::Result<()>;
    /// The end of the run.
    fn finish(&mut self, summary: &Summary, detectors: &[DetectorInfo]) -> io::Result<()>;
}

/// Builds the printer for a format.
pub fn printer(
    format: Format,
    out: Box<dyn Write + Send>,
    options: PrinterOptions,
) -> Box<dyn Printer> {
    match format {
        Format::Text => Box::new(text::TextPrinter::new(out, options)),
        Format::Jsonl => Box::new(jsonl::JsonlPrinter::new(out)),
        Format::Json => Box::new(json::JsonPrinter::new(out)),
        Format::Csv => Box::new(crate::csv::CsvPrinter {
            out: ::csv::Writer::from_writer(out),
            header: false,
        }),
        Format::Sarif => Box::new(sarif::SarifPrinter::new(
            out,
            options.base,
            options.max_results,
        )),
    }
}

/// Findings and notices gathered for formats written as one document at the end.
#[derive(Default)]
pub(crate) struct Collected {
    pub(crate) findings: Vec<ReportFinding>,
    pub(crate) notices: Vec<ReportNotice>,
}

impl Collected {
    fn object(&mut self, findings: &[ReportFinding]) -> io::Result<()> {
        self.findings.extend_from_slice(findings);
        Ok(())
    }

    fn notice(&mut self, n: &ReportNotice) -> io::Result<()> {
        self.notices.push(n.clone());
        Ok(())
    }
}

/// A stable identifier of a finding across rescans: detector, location and value hash,
/// but not the line, so unrelated edits above it do not change it.
pub fn fingerprint(f: &ReportFinding) -> String {
    let mut h = blake3::Hasher::new();
    for part in [
        f.detector.as_str(),
        &f.path,
        f.field.as_deref().unwrap_or(""),
        f.value_hash.text().as_str(),
    ] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    h.finalize().to_hex()[..32].to_string()
}

#[cfg(test)]
mod tests;
