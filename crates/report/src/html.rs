//! The human report: one self-contained HTML file (and the same content as JSON).
//!
//! Everything is inline: styles, server-side SVG charts and a few lines of script for
//! paging long tables. The file makes no network request and opens by double click.
//! Values are masked as stored; raw values never reach a report.

use crate::Catalog;
use crate::ReportNotice;
use leakscope_core::{Category, Confidence, Guidance, Severity};
use leakscope_impact::ImpactReport;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const TEMPLATE: &str = include_str!("../templates/report.html");
/// One scan run in a report.
#[derive(Debug, Clone, Serialize)]
pub struct ScanInfo {
    /// Scan id.
    pub id: i64,
    /// Start time.
    pub started_at: String,
    /// End time.
    pub finished_at: Option<String>,
    /// Status.
    pub status: String,
    /// Targets.
    pub targets: String,
    /// Objects scanned.
    pub objects_scanned: i64,
    /// Objects unchanged since an earlier scan.
    pub objects_unchanged: i64,
    /// Bytes read.
    pub bytes_scanned: i64,
    /// Findings.
    pub findings: i64,
    /// Errors.
    pub errors: i64,
}

/// The latest exposure verdict for one audited target.
#[derive(Debug, Clone, Serialize)]
pub struct ExposureInfo {
    /// The target, without credentials.
    pub target: String,
    /// `redis`, `mongodb`, `postgres`, `mysql` or `s3`.
    pub service: String,
    /// `true` exposed, `false` refused, `null` could not tell.
    pub exposed: Option<bool>,
    /// What the probe observed (identifiers masked).
    pub evidence: String,
    /// When it was probed.
    pub audited_at: String,
    /// The sampled classification scan, when the store was classified.
    pub scan_id: Option<i64>,
    /// Findings in that sample.
    pub findings: Option<u64>,
    /// Distinct people in that sample.
    pub distinct_people: Option<u64>,
}

impl ExposureInfo {
    /// Builds the row from a stored verdict; the classification summary is JSON as
    /// `leakscope audit --classify` wrote it.
    pub fn from_row(row: leakscope_store::ExposureRow) -> Self {
        let classification: Option<serde_json::Value> = row
            .classification
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok());
        let number = |key: &str| {
            classification
                .as_ref()
                .and_then(|c| c.get(key))
                .and_then(serde_json::Value::as_u64)
        };
        ExposureInfo {
            findings: number("findings"),
            distinct_people: number("distinct_people"),
            target: row.target,
            service: row.service,
            exposed: row.exposed,
            evidence: row.evidence,
            audited_at: row.audited_at,
            scan_id: row.scan_id,
        }
    }
}

/// A masked example finding.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// Location.
    pub path: String,
    /// Line.
    pub line: Option<u64>,
    /// Field.
    pub field: Option<String>,
    /// Masked value.
    pub value: String,
}

/// Everything about one detector in a report.
#[derive(Debug, Clone, Serialize)]
pub struct DetectorSection {
    /// Detector id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: Category,
    /// How serious one finding is.
    pub severity: Severity,
    /// Findings per confidence.
    pub high: u64,
    /// Medium-confidence findings.
    pub medium: u64,
    /// Low-confidence findings.
    pub low: u64,
    /// All findings.
    pub total: u64,
    /// Remediation guidance.
    pub guidance: Guidance,
    /// Masked examples.
    pub examples: Vec<Example>,
}

/// An object with many findings.
#[derive(Debug, Clone, Serialize)]
pub struct LocationRow {
    /// Location.
    pub path: String,
    /// Findings.
    pub findings: u64,
    /// Detectors seen there.
    pub detectors: String,
}

/// What a data-protection officer reads first: the overall risk, who is affected, and the
/// few things to act on.
#[derive(Debug, Clone, Serialize)]
pub struct Executive {
    /// The overall risk: critical when a store holding findings answers without
    /// credentials, else the severity of the most severe finding (`none` without any).
    pub risk: String,
    /// One sentence saying what the scan found.
    pub headline: String,
    /// Findings per severity, most severe first (`[severity, count]`).
    pub by_severity: Vec<(Severity, u64)>,
    /// Credentials found.
    pub secrets: u64,
    /// Implant matches.
    pub implants: u64,
    /// Audited stores that answered without credentials.
    pub exposed_stores: u64,
    /// The things to act on first, most severe first.
    pub top_risks: Vec<String>,
}

impl Executive {
    /// Summarises the other parts of a report.
    pub fn of(
        detectors: &[DetectorSection],
        impact: Option<&ImpactReport>,
        exposures: &[ExposureInfo],
    ) -> Self {
        let mut by: BTreeMap<Severity, u64> = BTreeMap::new();
        let (mut secrets, mut implants) = (0, 0);
        for d in detectors {
            *by.entry(d.severity).or_default() += d.total;
            match d.category {
                Category::Secret => secrets += d.total,
                Category::Implant => implants += d.total,
                _ => {}
            }
        }
        let exposed: Vec<&ExposureInfo> = exposures
            .iter()
            .filter(|e| e.exposed == Some(true))
            .collect();
        let findings: u64 = by.values().sum();
        let risk = if !exposed.is_empty() && findings > 0 {
            "critical".to_string()
        } else {
            by.keys()
                .next_back()
                .map_or_else(|| "none".to_string(), |s| s.as_str().to_string())
        };
        let mut top_risks = Vec::new();
        for e in &exposed {
            let people = e
                .distinct_people
                .map(|p| format!(" (its sample alone exposes {} people)", crate::thousands(p)))
                .unwrap_or_default();
            top_risks.push(format!(
                "{} {} answers without credentials{people}: close it to the public first.",
                e.service, e.target
            ));
        }
        // Detectors are already ranked most severe first.
        for d in detectors.iter().filter(|d| d.severity >= Severity::High) {
            if top_risks.len() >= 6 {
                break;
            }
            top_risks.push(format!(
                "{} × {} ({}): {}",
                crate::thousands(d.total),
                d.name,
                d.severity,
                d.guidance.action
            ));
        }
        let people = match impact {
            Some(i) if i.distinct_people > 0 => format!(
                "{}{} distinct people in {} records",
                if i.mode == "exact" { "" } else { "about " },
                crate::thousands(i.distinct_people),
                crate::thousands(i.records_exposed)
            ),
            _ => "no identifiable people".to_string(),
        };
        let headline = format!(
            "{} findings expose {people}; {} credentials{}{}.",
            crate::thousands(findings),
            crate::thousands(secrets),
            if implants > 0 {
                format!(" and {} implant matches", crate::thousands(implants))
            } else {
                String::new()
            },
            if exposed.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} audited stores answer without credentials",
                    exposed.len()
                )
            },
        );
        Executive {
            risk,
            headline,
            by_severity: by.into_iter().rev().collect(),
            secrets,
            implants,
            exposed_stores: exposed.len() as u64,
            top_risks,
        }
    }
}

/// The content of a report, serialisable for `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    /// Title line.
    pub title: String,
    /// When the report was made.
    pub generated_at: String,
    /// leakscope version.
    pub version: String,
    /// The scan reported on.
    pub scan: ScanInfo,
    /// The executive summary.
    pub executive: Executive,
    /// People counts.
    pub impact: Option<ImpactReport>,
    /// Findings per category.
    pub by_category: BTreeMap<String, u64>,
    /// Per detector.
    pub detectors: Vec<DetectorSection>,
    /// Objects with the most findings.
    pub locations: Vec<LocationRow>,
    /// Errors and skips.
    pub notices: Vec<ReportNotice>,
    /// The latest verdict for every target `leakscope audit` probed with this database.
    pub exposures: Vec<ExposureInfo>,
}

impl ReportData {
    /// Builds per-detector sections from counts and examples, most severe first.
    pub fn detector_sections(
        counts: &[(String, Category, Confidence, u64)],
        examples: &[leakscope_store::ExampleRow],
        catalog: &Catalog,
    ) -> Vec<DetectorSection> {
        let mut map: BTreeMap<String, DetectorSection> = BTreeMap::new();
        for (id, category, confidence, n) in counts {
            let s = map.entry(id.clone()).or_insert_with(|| {
                let info = catalog.get(id, *category);
                let guidance = info.guidance.clone();
                DetectorSection {
                    id: id.clone(),
                    name: info.label().to_string(),
                    category: *category,
                    severity: info.severity,
                    high: 0,
                    medium: 0,
                    low: 0,
                    total: 0,
                    guidance,
                    examples: Vec::new(),
                }
            });
            match confidence {
                Confidence::High => s.high += n,
                Confidence::Medium => s.medium += n,
                Confidence::Low => s.low += n,
            }
            s.total += n;
        }
        for (id, path, line, field, value) in examples {
            if let Some(s) = map.get_mut(id) {
                s.examples.push(Example {
                    path: path.clone(),
                    line: *line,
                    field: field.clone(),
                    value: value.clone(),
                });
            }
        }
        let mut v: Vec<DetectorSection> = map.into_values().collect();
        // The most severe first (implants and keys are why a host or account must be
        // handled today), then the most found.
        let urgency = |c: Category| match c {
            Category::Implant => 0,
            Category::Secret => 1,
            _ => 2,
        };
        v.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(urgency(a.category).cmp(&urgency(b.category)))
                .then(b.total.cmp(&a.total))
                .then(a.id.cmp(&b.id))
        });
        v
    }
}

/// Escapes text for SVG and HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A horizontal bar chart as inline SVG.
pub fn bar_chart(title: &str, items: &[(String, u64)], color: &str) -> String {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
    let row = 24;
    let label_w = 210;
    let bar_w = 420;
    let height = items.len() * row + 30;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" aria-label="{t}" width="{w}" height="{height}" viewBox="0 0 {w} {height}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title),
        w = label_w + bar_w + 90
    );
    for (i, (label, value)) in items.iter().enumerate() {
        let y = 20 + i * row;
        let w = (*value as f64 / max as f64 * bar_w as f64).round().max(1.0);
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="lbl">{l}</text><rect x="{bx}" y="{y}" width="{w}" height="16" fill="{color}" class="bar"><title>{l}: {value}</title></rect><text x="{vx}" y="{ty}" class="val">{value}</text>"#,
            lx = label_w - 8,
            ty = y + 12,
            l = esc(label),
            bx = label_w,
            vx = label_w as f64 + w + 6.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A location as HTML that wraps at separators (`/`, `!`, `.`, `_`) rather than inside a
/// name.
fn wrap_path(path: &str) -> minijinja::Value {
    let mut out = String::with_capacity(path.len() + 16);
    for c in path.chars() {
        out.push_str(&esc(c.encode_utf8(&mut [0; 4])));
        if matches!(c, '/' | '!' | '.' | '_' | '#' | '-') {
            out.push_str("<wbr>");
        }
    }
    minijinja::Value::from_safe_string(out)
}

/// Renders the report as one HTML document.
pub fn render_html(data: &ReportData) -> Result<String, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    // Counts are read by people: 1,234,567.
    env.add_filter("n", |v: u64| crate::thousands(v));
    env.add_filter("path", |v: String| wrap_path(&v));
    env.add_template("report.html", TEMPLATE)?;
    let categories: Vec<(String, u64)> = data
        .by_category
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let detectors: Vec<(String, u64)> = data
        .detectors
        .iter()
        .take(20)
        .map(|d| (format!("{} ({})", d.name, d.severity), d.total))
        .collect();
    let people: Vec<(String, u64)> = data
        .impact
        .as_ref()
        .map(ImpactReport::distinct_by_identifier)
        .unwrap_or_default();
    let charts = minijinja::context! {
        categories => minijinja::Value::from_safe_string(bar_chart("Findings by category", &categories, "#b03a2e")),
        detectors => minijinja::Value::from_safe_string(bar_chart("Findings by detector, most severe first", &detectors, "#1f618d")),
        identifiers => minijinja::Value::from_safe_string(bar_chart("Distinct values by identifier", &people, "#117a65")),
    };
    // Display names for tables that carry detector ids (the impact counts).
    let names: BTreeMap<String, String> = data
        .detectors
        .iter()
        .map(|d| (d.id.clone(), d.name.clone()))
        .collect();
    env.get_template("report.html")?.render(minijinja::context! { r => minijinja::Value::from(minijinja::value::Serde(data)), charts => charts, names => names })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_lead_with_the_most_severe_and_use_display_names() {
        let counts = vec![
            ("ipv4".to_string(), Category::Pii, Confidence::High, 157_000),
            (
                "private_key".to_string(),
                Category::Secret,
                Confidence::High,
                1,
            ),
            ("drill".to_string(), Category::Implant, Confidence::High, 2),
        ];
        let mut catalog = Catalog::builtin();
        catalog.insert(leakscope_detect::catalog::default_info(
            "drill",
            Category::Implant,
            "A drill rule",
        ));
        let v = ReportData::detector_sections(&counts, &[], &catalog);
        let ids: Vec<&str> = v.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["drill", "private_key", "ipv4"]);
        assert_eq!(v[1].name, "Private key");
        assert!(v[1].guidance.action.contains("Revoke") || !v[1].guidance.action.is_empty());
        assert_eq!(v[0].guidance.what, "A drill rule", "a rule's own words");
        assert!(v[2].guidance.why.len() > 10);
    }

    #[test]
    fn charts_escape_labels() {
        let svg = bar_chart("x", &[("<script>".into(), 3)], "#000");
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
    }
}
