//! Output formats: human text, JSON, JSON Lines, SARIF 2.1.0 and CSV.
//!
//! Printers receive findings object by object (all findings of one object together), plus
//! notices and a closing summary. The JSON Lines record is a public contract
//! (`docs/output-formats.md`): fields are added, never renamed or removed. Serializable
//! wire types live here and nowhere else.

pub mod html;
mod sarif;

use leakscope_core::{Category, CommitInfo, Confidence};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// One finding as printed. `value` is masked unless the user asked for raw values.
#[derive(Debug, Clone, Serialize)]
pub struct ReportFinding {
    /// Detector id.
    pub detector: String,
    /// Category.
    pub category: Category,
    /// Confidence.
    pub confidence: Confidence,
    /// Full location.
    pub path: String,
    /// 1-based line in the decoded text.
    pub line: Option<u64>,
    /// Byte offset in the decoded text.
    pub offset: Option<u64>,
    /// Field, column or key.
    pub field: Option<String>,
    /// Masked value (raw only with `--show-values`).
    pub value: String,
    /// Keyed hash of the normalised value.
    pub value_hash: String,
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
    pub fn from_stored(
        location: &str,
        f: leakscope_store::StoredFinding,
        raw: Option<String>,
    ) -> Self {
        ReportFinding {
            path: format!("{location}{}", f.member),
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
}

impl From<leakscope_store::FindingRow> for ReportFinding {
    fn from(r: leakscope_store::FindingRow) -> Self {
        let location = r
            .path
            .strip_suffix(r.finding.member.as_str())
            .unwrap_or(&r.path)
            .to_string();
        let mut f = ReportFinding::from_stored(&location, r.finding, None);
        f.commit = r.origin.and_then(|o| serde_json::from_str(&o).ok());
        f
    }
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
}

/// What a detector is, for SARIF rule metadata.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    /// Detector id.
    pub id: String,
    /// Category.
    pub category: Category,
    /// One-sentence description.
    pub description: String,
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
#[derive(Debug, Clone, Copy, Default)]
pub struct PrinterOptions {
    /// ANSI colours (text format, on a terminal).
    pub color: bool,
    /// Print no per-finding lines, only the summary (text format).
    pub quiet: bool,
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
    fn finish(&mut self, summary: &Summary, rules: &[RuleMeta]) -> io::Result<()>;
}

/// Builds the printer for a format.
pub fn printer(
    format: Format,
    out: Box<dyn Write + Send>,
    options: PrinterOptions,
) -> Box<dyn Printer> {
    match format {
        Format::Text => Box::new(TextPrinter { out, options }),
        Format::Jsonl => Box::new(JsonlPrinter { out }),
        Format::Json => Box::new(JsonPrinter {
            out,
            all: Collected::default(),
        }),
        Format::Csv => Box::new(CsvPrinter {
            out: csv::Writer::from_writer(out),
            header: false,
        }),
        Format::Sarif => Box::new(sarif::SarifPrinter::new(out)),
    }
}

struct TextPrinter {
    out: Box<dyn Write + Send>,
    options: PrinterOptions,
}

impl TextPrinter {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.options.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

impl Printer for TextPrinter {
    fn prints_findings(&self) -> bool {
        !self.options.quiet
    }

    fn object(&mut self, path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        if self.options.quiet || findings.is_empty() {
            return Ok(());
        }
        // Group by full path (members of one archive print under each member).
        let mut groups: BTreeMap<&str, Vec<&ReportFinding>> = BTreeMap::new();
        for f in findings {
            groups.entry(f.path.as_str()).or_default().push(f);
        }
        let _ = path;
        for (p, fs) in groups {
            let header = self.paint("1;35", p);
            writeln!(self.out, "{header}")?;
            if let Some(c) = fs.first().and_then(|f| f.commit.as_ref()) {
                let line = format!("  commit {} {} {}: {}", c.id, c.date, c.author, c.summary);
                writeln!(self.out, "{}", self.paint("2", &line))?;
            }
            for f in fs {
                let loc = match (f.line, f.offset) {
                    (Some(l), Some(o)) => format!("{l}:{o}"),
                    (Some(l), None) => format!("{l}"),
                    _ => "-".to_string(),
                };
                let conf = match f.confidence {
                    Confidence::High => self.paint("1;31", "high"),
                    Confidence::Medium => self.paint("33", "medium"),
                    Confidence::Low => self.paint("2", "low"),
                };
                let field = f
                    .field
                    .as_deref()
                    .map(|x| format!("  [{x}]"))
                    .unwrap_or_default();
                let det = self.paint("36", &f.detector);
                writeln!(
                    self.out,
                    "  {loc:>10}  {det:<24} {conf:<6}  {}{field}",
                    f.value
                )?;
            }
            writeln!(self.out)?;
        }
        Ok(())
    }

    fn notice(&mut self, n: &ReportNotice) -> io::Result<()> {
        if self.options.quiet && n.kind != "error" {
            return Ok(());
        }
        let tag = match n.kind.as_str() {
            "error" => self.paint("1;31", "error"),
            "skip" => self.paint("33", "skipped"),
            _ => self.paint("2", "note"),
        };
        writeln!(self.out, "{tag}: {}: {}", n.path, n.message)
    }

    fn finish(&mut self, s: &Summary, _rules: &[RuleMeta]) -> io::Result<()> {
        writeln!(self.out, "{}", summary_text(s))?;
        self.out.flush()
    }
}

/// `n` and the noun, singular for one (`1 object`, `2 objects`).
pub fn counted(n: u64, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// The closing summary as the text format prints it. The command line also writes it to
/// the terminal when the results go to a file, so that a scan never ends silently.
pub fn summary_text(s: &Summary) -> String {
    let by: Vec<String> = s
        .by_detector
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let mut text = format!(
        "{} in {} scanned ({} unchanged and skipped), {:.1} MB in {:.1}s; {}, {} skipped",
        counted(s.findings, "finding", "findings"),
        counted(s.objects_scanned, "object", "objects"),
        s.objects_unchanged,
        s.bytes_scanned as f64 / 1e6,
        s.elapsed_secs,
        counted(s.errors, "error", "errors"),
        s.skipped,
    );
    if !by.is_empty() {
        text.push_str(&format!("\n  by detector: {}", by.join(", ")));
    }
    if let Some(id) = s.scan_id {
        text.push_str(&format!("\n  recorded as scan {id}"));
    }
    text
}

struct JsonlPrinter {
    out: Box<dyn Write + Send>,
}

impl Printer for JsonlPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        for f in findings {
            serde_json::to_writer(&mut self.out, f)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn notice(&mut self, n: &ReportNotice) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, n)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self, s: &Summary, _rules: &[RuleMeta]) -> io::Result<()> {
        #[derive(Serialize)]
        struct Tagged<'a> {
            #[serde(rename = "type")]
            kind: &'static str,
            #[serde(flatten)]
            summary: &'a Summary,
        }
        serde_json::to_writer(
            &mut self.out,
            &Tagged {
                kind: "summary",
                summary: s,
            },
        )?;
        self.out.write_all(b"\n")?;
        self.out.flush()
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

struct JsonPrinter {
    out: Box<dyn Write + Send>,
    all: Collected,
}

impl Printer for JsonPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        self.all.object(findings)
    }

    fn notice(&mut self, n: &ReportNotice) -> io::Result<()> {
        self.all.notice(n)
    }

    fn finish(&mut self, s: &Summary, _rules: &[RuleMeta]) -> io::Result<()> {
        let doc = serde_json::json!({
            "tool": "leakscope",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": s,
            "findings": self.all.findings,
            "notices": self.all.notices,
        });
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// The columns of `--format csv`, in order.
pub const CSV_HEADER: [&str; 9] = [
    "detector",
    "category",
    "confidence",
    "path",
    "line",
    "offset",
    "field",
    "value",
    "value_hash",
];

struct CsvPrinter {
    out: csv::Writer<Box<dyn Write + Send>>,
    header: bool,
}

impl CsvPrinter {
    fn ensure_header(&mut self) -> io::Result<()> {
        if !self.header {
            self.out.write_record(CSV_HEADER)?;
            self.header = true;
        }
        Ok(())
    }
}

impl Printer for CsvPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        self.ensure_header()?;
        for f in findings {
            let opt = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
            self.out.write_record([
                f.detector.as_str(),
                f.category.as_str(),
                f.confidence.as_str(),
                &f.path,
                &opt(f.line),
                &opt(f.offset),
                f.field.as_deref().unwrap_or(""),
                &f.value,
                &f.value_hash,
            ])?;
        }
        Ok(())
    }

    fn notice(&mut self, _n: &ReportNotice) -> io::Result<()> {
        // CSV carries findings only; notices go to the text summary on stderr.
        Ok(())
    }

    fn finish(&mut self, _s: &Summary, _rules: &[RuleMeta]) -> io::Result<()> {
        self.ensure_header()?;
        self.out.flush()
    }
}

/// A stable identifier of a finding across rescans: detector, location and value hash,
/// but not the line, so unrelated edits above it do not change it.
pub fn fingerprint(f: &ReportFinding) -> String {
    let mut h = blake3::Hasher::new();
    for part in [
        f.detector.as_str(),
        f.path.as_str(),
        f.field.as_deref().unwrap_or(""),
        f.value_hash.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    h.finalize().to_hex()[..32].to_string()
}

#[cfg(test)]
mod tests;
