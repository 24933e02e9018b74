//! SARIF 2.1.0 output, built with `serde-sarif`'s typed builders, in the subset GitHub code
//! scanning accepts.
//!
//! What GitHub's SARIF documentation asks for, and how it is met here:
//! - file locations relative to the checkout with a `uriBaseId` (`%SRCROOT%`, declared in
//!   `originalUriBaseIds`); a path outside the base stays an absolute `file:` URI and a
//!   store location (`s3://…`) stays as it is;
//! - a region with `startLine` on every result: the line when the finding has one, else 1
//!   (a table cell, a document field, a binary);
//! - a container member is not a file GitHub can open: the result points at the container
//!   and names the member (and its line) in the message and in `properties.member`;
//! - rules with `name`, short and full descriptions, `help` (text and Markdown),
//!   `defaultConfiguration.level`, and `properties.security-severity` from the detector's
//!   severity, plus `tags` and `precision`;
//! - at most 25,000 results per run (GitHub's limit), the most severe kept; a capped run
//!   says so in a notification and in `properties`.

use crate::{fingerprint, Collected, Printer, ReportFinding, ReportNotice, Summary};
use leakscope_core::location::MEMBER_SEPARATOR;
use leakscope_core::{Confidence, DetectorInfo, Severity};
use serde_json::json;
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The most results GitHub code scanning accepts in one run.
pub const GITHUB_MAX_RESULTS: usize = 25_000;

/// The base id relative locations are resolved against.
const SRCROOT: &str = "%SRCROOT%";

pub(crate) struct SarifPrinter {
    out: Box<dyn Write + Send>,
    all: Collected,
    /// Findings seen, kept or not.
    seen: usize,
    /// The order each kept finding arrived in (parallel to `all.findings`).
    arrival: Vec<usize>,
    base: Option<PathBuf>,
    max_results: usize,
}

impl SarifPrinter {
    pub(crate) fn new(
        out: Box<dyn Write + Send>,
        base: Option<PathBuf>,
        max_results: Option<usize>,
    ) -> Self {
        SarifPrinter {
            out,
            all: Collected::default(),
            seen: 0,
            arrival: Vec::new(),
            base,
            max_results: max_results.unwrap_or(GITHUB_MAX_RESULTS),
        }
    }
}

fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low => sarif::ResultLevel::Note,
    }
}

fn level_name(s: Severity) -> &'static str {
    match level(s) {
        sarif::ResultLevel::Error => "error",
        sarif::ResultLevel::Warning => "warning",
        _ => "note",
    }
}

/// GitHub's `precision` from a finding's confidence.
fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// Percent-encodes a path for a URI reference; `/` stays a separator.
fn encode(path: &str) -> String {
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
            | b'@'
            | b'+'
            | b'=' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Where a finding is, as SARIF wants it: the artifact URI, its base id when relative,
/// and the member inside it when the artifact is a container.
#[derive(Debug, PartialEq, Eq)]
struct Artifact {
    uri: String,
    base_id: Option<&'static str>,
    member: Option<String>,
    /// For a location in git history: the commit (`unreachable` or `staged` when none).
    commit: Option<String>,
}

/// Splits `git:<repo>@<commit>:<path>` into its parts. The commit is hexadecimal,
/// `unreachable` or `staged`, which tells the separating `@` from one in the repository
/// path.
fn split_git(outer: &str) -> Option<(&str, &str, &str)> {
    let rest = outer.strip_prefix("git:")?;
    for (at, _) in rest.match_indices('@') {
        let after = &rest[at + 1..];
        if let Some((commit, path)) = after.split_once(':') {
            let is_commit = (commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit()))
                || commit == "unreachable"
                || commit == "staged";
            if is_commit {
                return Some((&rest[..at], commit, path));
            }
        }
    }
    None
}

/// Splits `path` into the outermost artifact and the member inside it, and makes a file
/// path relative to `base` when it lies under it.
fn artifact(path: &str, base: Option<&Path>) -> Artifact {
    let (outer, member) = match path.split_once(MEMBER_SEPARATOR) {
        Some((o, m)) => (o, Some(m.to_string())),
        None => (path, None),
    };
    // A file in git history is the file in the checkout, at the commit that introduced it.
    if let Some((repo, commit, file)) = split_git(outer) {
        let mut a = artifact(&format!("{repo}/{file}"), base);
        a.member = member;
        a.commit = Some(commit.to_string());
        return a;
    }
    // Store locations are URIs of their own kind; they cannot be made relative.
    if outer.contains("://") {
        return Artifact {
            uri: outer.to_string(),
            base_id: None,
            member,
            commit: None,
        };
    }
    let p = Path::new(outer);
    let relative: Option<PathBuf> = if p.is_absolute() {
        base.and_then(|b| p.strip_prefix(b).ok())
            .map(Path::to_path_buf)
    } else {
        Some(p.components().filter(|c| c.as_os_str() != ".").collect())
    };
    match relative {
        Some(rel) if !rel.as_os_str().is_empty() => Artifact {
            uri: encode(&rel.to_string_lossy().replace('\\', "/")),
            base_id: Some(SRCROOT),
            member,
            commit: None,
        },
        _ => Artifact {
            uri: format!("file://{}", encode(&outer.replace('\\', "/"))),
            base_id: None,
            member,
            commit: None,
        },
    }
}

fn text(s: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(s.to_string())
        .build()
}

fn rule(d: &DetectorInfo) -> sarif::ReportingDescriptor {
    let help_text = format!(
        "{}\n\nWhy it matters: {}\n\nWhat to do: {}",
        d.guidance.what, d.guidance.why, d.guidance.action
    );
    let help_markdown = format!(
        "**{}** ({} severity)\n\n{}\n\n**Why it matters.** {}\n\n**What to do.** {}",
        d.label(),
        d.severity,
        d.guidance.what,
        d.guidance.why,
        d.guidance.action
    );
    let mut help = text(&help_text);
    help.markdown = Some(help_markdown);
    let short = if d.name.is_empty() {
        d.id.clone()
    } else {
        d.name.clone()
    };
    let full = if d.description.is_empty() {
        d.guidance.what.clone()
    } else {
        d.description.clone()
    };
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(d.severity.security_score()),
    );
    props.insert(
        "tags".to_string(),
        json!(["security", d.category.as_str(), d.severity.as_str()]),
    );
    props.insert("category".to_string(), json!(d.category.as_str()));
    props.insert("severity".to_string(), json!(d.severity.as_str()));
    let mut r = sarif::ReportingDescriptor::builder()
        .id(d.id.clone())
        .name(d.id.clone())
        .short_description(text(&short))
        .full_description(text(&full))
        .help(help)
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        )
        .build();
    r.default_configuration = Some(
        sarif::ReportingConfiguration::builder()
            .level(json!(level_name(d.severity)))
            .build(),
    );
    r
}

impl SarifPrinter {
    fn result(&self, f: &ReportFinding, rule_index: Option<i64>) -> sarif::Result {
        let a = artifact(&f.path, self.base.as_deref());
        let mut location = sarif::ArtifactLocation::builder().uri(a.uri).build();
        location.uri_base_id = a.base_id.map(str::to_string);
        // The line belongs to the artifact only when the finding is not inside a member.
        let own_line = if a.member.is_none() { f.line } else { None };
        let mut region = sarif::Region::builder().build();
        region.start_line = Some(own_line.unwrap_or(1).max(1) as i64);
        let physical = sarif::PhysicalLocation::builder()
            .artifact_location(location)
            .region(region)
            .build();
        let mut fingerprints = BTreeMap::new();
        fingerprints.insert("leakscope/v1".to_string(), fingerprint(f));
        let mut whereabouts = String::new();
        if let Some(m) = &a.member {
            whereabouts.push_str(&format!(" in member `{m}`"));
            if let Some(l) = f.line {
                whereabouts.push_str(&format!(" line {l}"));
            }
        }
        if let Some(x) = &f.field {
            whereabouts.push_str(&format!(" in field `{x}`"));
        }
        let mut props = BTreeMap::new();
        props.insert("severity".to_string(), json!(f.severity.as_str()));
        props.insert("confidence".to_string(), json!(f.confidence.as_str()));
        props.insert("precision".to_string(), json!(precision(f.confidence)));
        props.insert("valueHash".to_string(), json!(f.value_hash));
        if let Some(m) = &a.member {
            props.insert("member".to_string(), json!(m));
        }
        if let Some(c) = &a.commit {
            props.insert("commit".to_string(), json!(c));
        }
        if let Some(x) = &f.field {
            props.insert("field".to_string(), json!(x));
        }
        let mut result = sarif::Result::builder()
            .rule_id(f.detector.to_string())
            .message(&format!(
                "{} ({} severity, {} confidence){whereabouts}: {}",
                f.detector, f.severity, f.confidence, f.value
            ))
            .locations(vec![sarif::Location::builder()
                .physical_location(physical)
                .build()])
            .level(level(f.severity))
            .partial_fingerprints(fingerprints)
            .properties(
                sarif::PropertyBag::builder()
                    .additional_properties(props)
                    .build(),
            )
            .build();
        result.rule_index = rule_index;
        result
    }
}

impl SarifPrinter {
    /// Keeps the `max_results` most severe and most certain findings. Ties are broken by
    /// path and position, not by arrival, so the same data gives the same results
    /// whichever worker finished first. A selection, not a sort: this runs each time the
    /// held findings reach twice the cap.
    fn keep_most_severe(&mut self) {
        if self.all.findings.len() <= self.max_results {
            return;
        }
        let findings = std::mem::take(&mut self.all.findings);
        let arrival = std::mem::take(&mut self.arrival);
        let mut kept: Vec<(usize, ReportFinding)> = arrival.into_iter().zip(findings).collect();
        if self.max_results == 0 {
            return;
        }
        kept.select_nth_unstable_by(self.max_results - 1, |(a, fa), (b, fb)| {
            fb.severity
                .cmp(&fa.severity)
                .then(fb.confidence.cmp(&fa.confidence))
                .then(fa.path.cmp(&fb.path))
                .then(fa.offset.cmp(&fb.offset))
                .then(a.cmp(b))
        });
        kept.truncate(self.max_results);
        for (a, f) in kept {
            self.arrival.push(a);
            self.all.findings.push(f);
        }
    }

    /// Puts the kept findings in path order; within an object, the order it yielded them.
    fn in_path_order(&mut self) {
        let findings = std::mem::take(&mut self.all.findings);
        let arrival = std::mem::take(&mut self.arrival);
        let mut kept: Vec<(usize, ReportFinding)> = arrival.into_iter().zip(findings).collect();
        kept.sort_by(|(a, fa), (b, fb)| fa.path.cmp(&fb.path).then(a.cmp(b)));
        for (a, f) in kept {
            self.arrival.push(a);
            self.all.findings.push(f);
        }
    }
}

impl Printer for SarifPrinter {
    fn object(&mut self, _path: &str, findings: &[ReportFinding]) -> io::Result<()> {
        self.all.object(findings)?;
        self.arrival.extend(self.seen..self.seen + findings.len());
        self.seen += findings.len();
        // Only the results that can make the cut are kept: memory stays at about twice
        // the cap whatever the number of findings.
        if self.all.findings.len() >= self.max_results.saturating_mul(2).max(1024) {
            self.keep_most_severe();
        }
        Ok(())
    }

    fn notice(&mut self, n: &ReportNotice) -> io::Result<()> {
        self.all.notice(n)
    }

    fn finish(&mut self, _s: &Summary, detectors: &[DetectorInfo]) -> io::Result<()> {
        let mut index: BTreeMap<&str, i64> = BTreeMap::new();
        let mut descriptors = Vec::new();
        for d in detectors {
            if index.contains_key(d.id.as_str()) {
                continue;
            }
            index.insert(&d.id, descriptors.len() as i64);
            descriptors.push(rule(d));
        }
        self.keep_most_severe();
        self.in_path_order();
        let total = self.seen;
        let results: Vec<sarif::Result> = self
            .all
            .findings
            .iter()
            .map(|f| self.result(f, index.get(f.detector.as_str()).copied()))
            .collect();
        let mut notifications: Vec<sarif::Notification> = self
            .all
            .notices
            .iter()
            .filter(|n| n.kind == "error")
            .map(|n| {
                sarif::Notification::builder()
                    .message(&format!("{}: {}", n.path, n.message))
                    .level(json!("error"))
                    .build()
            })
            .collect();
        let capped = total > results.len();
        if capped {
            notifications.push(
                sarif::Notification::builder()
                    .message(&format!(
                        "{total} findings; the {} most severe are included (GitHub code scanning takes at most {GITHUB_MAX_RESULTS} per run; see --max-results, or use --format jsonl for all)",
                        results.len()
                    ))
                    .level(json!("warning"))
                    .build(),
            );
        }
        let invocation = sarif::Invocation::builder()
            .execution_successful(self.all.notices.iter().all(|n| n.kind != "error"))
            .tool_execution_notifications(notifications)
            .build();
        let driver = sarif::ToolComponent::builder()
            .name("leakscope")
            .version(env!("CARGO_PKG_VERSION").to_string())
            .semantic_version(env!("CARGO_PKG_VERSION").to_string())
            .information_uri(env!("CARGO_PKG_REPOSITORY").to_string())
            .rules(descriptors)
            .build();
        let mut run_props = BTreeMap::new();
        run_props.insert("findings".to_string(), json!(total));
        run_props.insert("resultsIncluded".to_string(), json!(results.len()));
        run_props.insert("capped".to_string(), json!(capped));
        let mut run = sarif::Run::builder()
            .tool(sarif::Tool::builder().driver(driver).build())
            .results(results)
            .invocations(vec![invocation])
            .properties(
                sarif::PropertyBag::builder()
                    .additional_properties(run_props)
                    .build(),
            )
            .build();
        if let Some(base) = &self.base {
            let mut uri = format!("file://{}", encode(&base.to_string_lossy()));
            if !uri.ends_with('/') {
                uri.push('/');
            }
            let mut bases = BTreeMap::new();
            bases.insert(
                SRCROOT.to_string(),
                sarif::ArtifactLocation::builder().uri(uri).build(),
            );
            run.original_uri_base_ids = Some(bases);
        }
        let doc = sarif::Sarif::builder()
            .version(sarif::Version::V2_1_0.to_string())
            .schema("https://json.schemastore.org/sarif-2.1.0.json".to_string())
            .runs(vec![run])
            .build();
        serde_json::to_writer(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// What GitHub code scanning checks when a SARIF file is uploaded, as listed in its SARIF
/// documentation (required properties and limits), returned as readable problems. Empty
/// when the document would be accepted. Tests run it on real output; the JSON schema alone
/// accepts documents GitHub rejects.
pub fn github_problems(doc: &serde_json::Value) -> Vec<String> {
    let mut p = Vec::new();
    if doc["version"] != "2.1.0" {
        p.push("version is not 2.1.0".to_string());
    }
    let Some(runs) = doc["runs"].as_array() else {
        return vec!["no runs".to_string()];
    };
    if runs.is_empty() || runs.len() > 20 {
        p.push(format!("{} runs (1 to 20 allowed)", runs.len()));
    }
    for (ri, run) in runs.iter().enumerate() {
        let driver = &run["tool"]["driver"];
        if driver["name"].as_str().is_none_or(str::is_empty) {
            p.push(format!("run {ri}: tool.driver.name missing"));
        }
        let absolute = |v: &serde_json::Value| v.as_str().is_some_and(|u| u.contains("://"));
        if !absolute(&driver["informationUri"]) {
            p.push(format!(
                "run {ri}: tool.driver.informationUri is not an absolute URI"
            ));
        }
        let rules = driver["rules"].as_array().cloned().unwrap_or_default();
        if rules.len() > 25_000 {
            p.push(format!("run {ri}: {} rules (25,000 allowed)", rules.len()));
        }
        let mut rule_ids = Vec::new();
        for r in &rules {
            let id = r["id"].as_str().unwrap_or("");
            rule_ids.push(id.to_string());
            for key in ["shortDescription", "fullDescription", "help"] {
                if r[key]["text"].as_str().is_none_or(str::is_empty) {
                    p.push(format!("rule {id}: {key}.text missing"));
                }
            }
            let score = r["properties"]["security-severity"]
                .as_str()
                .and_then(|s| s.parse::<f64>().ok());
            if !score.is_some_and(|s| (0.0..=10.0).contains(&s)) {
                p.push(format!(
                    "rule {id}: properties.security-severity is not a score 0-10"
                ));
            }
            if r["properties"]["tags"]
                .as_array()
                .is_some_and(|t| t.len() > 20)
            {
                p.push(format!("rule {id}: more than 20 tags"));
            }
        }
        let bases = &run["originalUriBaseIds"];
        let results = run["results"].as_array().cloned().unwrap_or_default();
        if results.len() > GITHUB_MAX_RESULTS {
            p.push(format!(
                "run {ri}: {} results ({GITHUB_MAX_RESULTS} allowed)",
                results.len()
            ));
        }
        for (i, r) in results.iter().enumerate() {
            let mut bad = |what: &str| p.push(format!("run {ri} result {i}: {what}"));
            let rule_id = r["ruleId"].as_str().unwrap_or("");
            if !rule_ids.iter().any(|id| id == rule_id) {
                bad("ruleId names no rule of the run");
            }
            if r["message"]["text"].as_str().is_none_or(str::is_empty) {
                bad("message.text missing");
            }
            if r["partialFingerprints"]
                .as_object()
                .is_none_or(|o| o.is_empty())
            {
                bad("no partialFingerprints");
            }
            let locations = r["locations"].as_array().cloned().unwrap_or_default();
            if locations.is_empty() || locations.len() > 1_000 {
                bad("needs 1 to 1,000 locations");
            }
            for l in &locations {
                let phys = &l["physicalLocation"];
                let art = &phys["artifactLocation"];
                let uri = art["uri"].as_str().unwrap_or("");
                if uri.is_empty() {
                    bad("artifactLocation.uri missing");
                }
                if uri.contains("!/") {
                    bad("uri points inside a container");
                }
                if !uri.contains("://") {
                    match art["uriBaseId"].as_str() {
                        // GitHub resolves `%SRCROOT%` to the checkout even undeclared.
                        Some(id) if id == SRCROOT || bases.get(id).is_some() => {}
                        Some(_) => bad("uriBaseId not declared in originalUriBaseIds"),
                        None => bad("relative uri without uriBaseId"),
                    }
                }
                if !phys["region"].is_null()
                    && phys["region"]["startLine"].as_i64().is_none_or(|l| l < 1)
                {
                    bad("region without startLine");
                }
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_relative_with_members_apart() {
        let base = Path::new("/work/repo");
        let a = artifact("/work/repo/dump/a.zip!/in/b.csv", Some(base));
        assert_eq!(a.uri, "dump/a.zip");
        assert_eq!(a.base_id, Some(SRCROOT));
        assert_eq!(a.member.as_deref(), Some("in/b.csv"));
        assert_eq!(
            artifact("./notes with space.txt", Some(base)).uri,
            "notes%20with%20space.txt"
        );
        let outside = artifact("/etc/x.conf", Some(base));
        assert_eq!(
            (outside.uri.as_str(), outside.base_id),
            ("file:///etc/x.conf", None)
        );
        let git = artifact("git:.@3f1c2a9b:src/app.ini", Some(base));
        assert_eq!(
            (git.uri.as_str(), git.base_id),
            ("src/app.ini", Some(SRCROOT))
        );
        assert_eq!(git.commit.as_deref(), Some("3f1c2a9b"));
        let nested = artifact(
            "git:/work/repo/leak@unreachable:9ae0c1d2e3!/a.csv",
            Some(base),
        );
        assert_eq!(nested.uri, "leak/9ae0c1d2e3");
        assert_eq!(nested.member.as_deref(), Some("a.csv"));
        let s3 = artifact("s3://bucket/key.csv", Some(base));
        assert_eq!((s3.uri.as_str(), s3.base_id), ("s3://bucket/key.csv", None));
        assert_eq!(
            artifact("数据/名单.csv", None).uri,
            "%E6%95%B0%E6%8D%AE/%E5%90%8D%E5%8D%95.csv"
        );
    }
}
