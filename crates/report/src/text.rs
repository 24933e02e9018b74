//! The text format: findings grouped by object and record, for people at a terminal, and
//! the closing summary (also written to the terminal when results go to a file).

use crate::{Printer, PrinterOptions, ReportFinding, ReportNotice, Summary};
use leakscope_core::{Category, DetectorInfo, Severity};
use std::io::{self, Write};

/// How many of the most severe findings the text summary repeats.
const MOST_SEVERE_SHOWN: usize = 10;

/// How many of those may come from one detector.
const PER_DETECTOR_SHOWN: usize = 2;

/// Findings held back to print in path order: workers finish objects in whatever order, and
/// output a person reads (or a diff compares) should not depend on it. Beyond this many,
/// what is held is printed in order and the rest streams as it comes, so memory stays
/// bounded on a dump with millions of findings.
const SORTED_FINDINGS: usize = 100_000;

pub(crate) struct TextPrinter {
    out: Box<dyn Write + Send>,
    options: PrinterOptions,
    /// The first findings of the highest severity seen, repeated before the summary so a
    /// private key is not lost among thousands of phone numbers above it.
    most_severe: Vec<Remembered>,
    /// Objects held back for path order (see [`SORTED_FINDINGS`]), and their findings.
    held: Vec<(String, Vec<ReportFinding>)>,
    held_findings: usize,
    /// Set once the hold overflowed: everything after streams.
    streaming: bool,
    /// An object's lines, built without an allocation per finding and written at once.
    lines: Vec<u8>,
}

impl TextPrinter {
    pub(crate) fn new(out: Box<dyn Write + Send>, options: PrinterOptions) -> Self {
        TextPrinter {
            out,
            options,
            most_severe: Vec::new(),
            held: Vec::new(),
            held_findings: 0,
            streaming: false,
            lines: Vec::new(),
        }
    }

    /// Prints what is held, in path order. Batches of one object keep their order (the
    /// sort is stable) and print as one.
    fn release(&mut self) -> io::Result<()> {
        let mut held = std::mem::take(&mut self.held);
        self.held_findings = 0;
        held.sort_by(|a, b| a.0.cmp(&b.0));
        let mut i = 0;
        while i < held.len() {
            let mut j = i + 1;
            while j < held.len() && held[j].0 == held[i].0 {
                j += 1;
            }
            let mut all = std::mem::take(&mut held[i].1);
            for batch in &mut held[i + 1..j] {
                all.append(&mut batch.1);
            }
            self.print_object(&all)?;
            i = j;
        }
        Ok(())
    }

    /// `text` in the colour of `code`, as a string (see [`painted`]).
    fn paint(&self, code: &str, text: &str) -> String {
        written(|out| painted(out, self.options.color, code, format_args!("{text}")))
    }

    /// The severity column as a string (see [`severity`]).
    fn severity(&self, s: Severity) -> String {
        written(|out| severity(out, self.options.color, s))
    }

    fn remember(&mut self, f: &ReportFinding) {
        let top = self.most_severe.first().map(|m| m.severity);
        if top.is_some_and(|t| f.severity < t) {
            return;
        }
        if top.is_some_and(|t| f.severity > t) {
            self.most_severe.clear();
        }
        // A few of each detector, so one kind of finding cannot hide the others.
        let same = self
            .most_severe
            .iter()
            .filter(|m| m.detector == f.detector)
            .count();
        if self.most_severe.len() < MOST_SEVERE_SHOWN && same < PER_DETECTOR_SHOWN {
            let at = match f.line {
                Some(l) => format!("{}:{l}", f.path),
                None => f.path.to_string(),
            };
            self.most_severe.push(Remembered {
                severity: f.severity,
                // Credentials and implants first: they are acted on today.
                rank: match f.category {
                    Category::Implant => 0,
                    Category::Secret => 1,
                    _ => 2,
                },
                detector: f.detector.clone(),
                line: format!("{:<24} {at}  {}", f.detector, f.value),
            });
        }
    }
}

/// What `write` appends to an empty buffer, as a string.
fn written(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writing to a vector does not fail");
    String::from_utf8(out).expect("only text is written")
}

/// Appends `text`, in the colour of the terminal code `code` when `color` is set.
fn painted(
    out: &mut Vec<u8>,
    color: bool,
    code: &str,
    text: std::fmt::Arguments<'_>,
) -> io::Result<()> {
    if color {
        write!(out, "\x1b[{code}m")?;
    }
    out.write_fmt(text)?;
    if color {
        out.extend_from_slice(b"\x1b[0m");
    }
    Ok(())
}

/// Appends the severity column, padded before painting (escape codes have no width).
fn severity(out: &mut Vec<u8>, color: bool, s: Severity) -> io::Result<()> {
    let code = match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "2",
    };
    painted(out, color, code, format_args!("{:<8}", s.as_str()))
}

/// One finding kept for the "most severe" list.
struct Remembered {
    severity: Severity,
    rank: u8,
    detector: leakscope_core::DetectorId,
    line: String,
}

/// The heading a finding is listed under: its record (a table row, a document) when the
/// location names the field last, so the cells of one row print together; else the path.
fn heading(f: &ReportFinding) -> &str {
    match &f.field {
        Some(field) => f
            .path
            .strip_suffix(&**field)
            .and_then(|p| p.strip_suffix('/'))
            .filter(|p| p.contains("!/") || p.contains("://"))
            .unwrap_or(&f.path),
        None => &f.path,
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
        if self.streaming {
            return self.print_object(findings);
        }
        self.held.push((path.to_string(), findings.to_vec()));
        self.held_findings += findings.len();
        if self.held_findings > SORTED_FINDINGS {
            self.release()?;
            self.streaming = true;
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

    fn finish(&mut self, s: &Summary, _detectors: &[DetectorInfo]) -> io::Result<()> {
        self.release()?;
        self.print_tail(s)
    }
}

impl TextPrinter {
    /// Prints the findings of one object under their member or record headings.
    fn print_object(&mut self, findings: &[ReportFinding]) -> io::Result<()> {
        // Remembered in print order, so the list does not depend on which worker was first.
        for f in findings {
            self.remember(f);
        }
        // Grouped by member or record, in the order the object yielded them (rows in
        // table order, lines in file order).
        let mut groups: Vec<(&str, Vec<&ReportFinding>)> = Vec::new();
        for f in findings {
            let h = heading(f);
            match groups.iter_mut().rev().find(|(k, _)| *k == h) {
                Some((_, v)) => v.push(f),
                None => groups.push((h, vec![f])),
            }
        }
        let color = self.options.color;
        let out = &mut self.lines;
        out.clear();
        for (h, fs) in groups {
            painted(out, color, "1;35", format_args!("{h}"))?;
            out.push(b'\n');
            if let Some(c) = fs.first().and_then(|f| f.commit.as_ref()) {
                let line = format_args!("  commit {} {} {}: {}", c.id, c.date, c.author, c.summary);
                painted(out, color, "2", line)?;
                out.push(b'\n');
            }
            for f in fs {
                // The location column is right-aligned, so it is written apart first.
                let mut at = [0u8; 48];
                let width = {
                    let mut cursor = &mut at[..];
                    match (f.line, f.offset) {
                        (Some(l), Some(o)) => write!(cursor, "{l}:{o}")?,
                        (Some(l), None) => write!(cursor, "{l}")?,
                        _ => cursor.write_all(b"-")?,
                    }
                    48 - cursor.len()
                };
                out.extend_from_slice(b"  ");
                out.extend(std::iter::repeat_n(b' ', 10usize.saturating_sub(width)));
                out.extend_from_slice(&at[..width]);
                out.extend_from_slice(b"  ");
                severity(out, color, f.severity)?;
                out.push(b' ');
                painted(out, color, "36", format_args!("{:<24}", f.detector))?;
                out.push(b' ');
                painted(
                    out,
                    color,
                    "2",
                    format_args!("{:<6}", f.confidence.as_str()),
                )?;
                out.extend_from_slice(b"  ");
                out.extend_from_slice(f.value.as_bytes());
                if let Some(x) = &f.field {
                    write!(out, "  [{x}]")?;
                }
                out.push(b'\n');
            }
            out.push(b'\n');
        }
        self.out.write_all(&self.lines)
    }

    /// The most severe findings again, then the summary.
    fn print_tail(&mut self, s: &Summary) -> io::Result<()> {
        if let Some(top) = self.most_severe.first().map(|m| m.severity) {
            let title = format!("Most severe findings ({top}):");
            writeln!(self.out, "{}", self.paint("1", &title))?;
            self.most_severe.sort_by_key(|m| m.rank);
            for m in &self.most_severe {
                writeln!(self.out, "  {} {}", self.severity(m.severity), m.line)?;
            }
            writeln!(self.out)?;
        }
        writeln!(self.out, "{}", summary_text(s))?;
        self.out.flush()
    }
}

/// `n` with thousands separators (`1,234,567`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and the noun, singular for one (`1 object`, `2,000 objects`).
pub fn counted(n: u64, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        thousands(n),
        if n == 1 { singular } else { plural }
    )
}

/// A byte count in binary units, as the progress bar shows them (`12.3 MiB`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// The closing summary as the text format prints it. The command line also writes it to
/// the terminal when the results go to a file, so that a scan never ends silently. It
/// answers the first questions in order: how serious, how many people, how many secrets,
/// what was left out, then what was read.
pub fn summary_text(s: &Summary) -> String {
    let mut text = counted(s.findings, "finding", "findings");
    let severities: Vec<String> = Severity::DESCENDING
        .iter()
        .filter_map(|sev| {
            let n = *s.by_severity.get(sev)?;
            (n > 0).then(|| format!("{sev} {}", thousands(n)))
        })
        .collect();
    if !severities.is_empty() {
        text.push_str(&format!(": {}", severities.join(", ")));
    }
    let mut facts = Vec::new();
    if let Some(p) = &s.people {
        facts.push(format!(
            "{}{} in {}",
            if p.estimated { "about " } else { "" },
            counted(p.distinct, "person", "distinct people"),
            counted(p.records, "record", "records"),
        ));
    }
    facts.push(counted(s.secrets, "secret", "secrets"));
    if s.implants > 0 {
        facts.push(counted(s.implants, "implant", "implants"));
    }
    // Nothing found: no people and no secrets to mention.
    if s.findings > 0 {
        text.push_str(&format!("\n  {}", facts.join(", ")));
    }
    // One line per severity, most severe first, each listing its detectors by count.
    for sev in Severity::DESCENDING {
        let mut here: Vec<(&str, u64)> = s
            .by_detector
            .iter()
            .filter(|(id, _)| s.detectors.get(*id).map_or(Severity::Medium, |d| d.1) == sev)
            .map(|(id, n)| {
                let name = s.detectors.get(id).map_or(id.as_str(), |d| d.0.as_str());
                (name, *n)
            })
            .collect();
        if here.is_empty() {
            continue;
        }
        here.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = here
            .iter()
            .map(|(name, n)| format!("{name} {}", thousands(*n)))
            .collect();
        text.push_str(&format!(
            "\n  {:<9} {}",
            format!("{sev}:"),
            parts.join(", ")
        ));
    }
    let sup = s.suppressed;
    if sup.total() > 0 {
        let mut why = Vec::new();
        for (n, reason) in [
            (sup.baseline, "by the baseline"),
            (sup.allowlist, "by the allowlist"),
            (sup.inline, "by leakscope:ignore comments"),
        ] {
            if n > 0 {
                why.push(format!("{} {reason}", thousands(n)));
            }
        }
        text.push_str(&format!("\n  suppressed: {}", why.join(", ")));
    }
    // A listing from the database (`leakscope findings`) read no objects: no such line.
    let read_anything = s.objects_scanned + s.objects_unchanged + s.errors + s.skipped > 0;
    if read_anything || s.findings == 0 {
        text.push_str(&format!(
            "\n  {} scanned ({} unchanged and skipped), {} in {:.1}s; {}, {} skipped",
            counted(s.objects_scanned, "object", "objects"),
            thousands(s.objects_unchanged),
            bytes(s.bytes_scanned),
            s.elapsed_secs,
            counted(s.errors, "error", "errors"),
            thousands(s.skipped),
        ));
    }
    if let Some(c) = &s.config {
        text.push_str(&format!("\n  configuration: {c}"));
    }
    if let Some(id) = s.scan_id {
        text.push_str(&format!("\n  recorded as scan {id}"));
    }
    text
}
