//! Findings left out on purpose, and counted: allowlisted values and paths, findings
//! listed in a baseline, and findings on lines marked `leakscope:ignore` (dropped by the
//! engine, counted here).
//!
//! A baseline is a JSON file people can review in a pull request: one entry per accepted
//! finding with its location, detector and masked value beside the fingerprint that
//! matches it. Only the fingerprint is compared (detector, location, field and keyed
//! hash, not the line), so an edit above a finding does not revive it. Files written by
//! older versions, a bare list of fingerprints, are still read.

use crate::config::{allow_key, Config};
use anyhow::{Context, Result};
use globset::GlobSet;
use leakscope_report::{fingerprint, ReportFinding, Suppressed};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// One accepted finding in a baseline file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// Where it is.
    pub path: String,
    /// Its line, when it has one (for the reader; not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The detector id.
    pub detector: String,
    /// The field, column or key, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The masked value (never the raw one).
    pub value: String,
    /// What is compared: see [`leakscope_report::fingerprint`].
    pub fingerprint: String,
}

impl BaselineEntry {
    /// The entry for a reported finding. Its value is the printed one, which is masked:
    /// `--write-baseline` refuses `--show-values`.
    pub fn of(f: &ReportFinding) -> Self {
        BaselineEntry {
            path: f.path.to_string(),
            line: f.line,
            detector: f.detector.to_string(),
            field: f.field.as_deref().map(str::to_string),
            value: f.value.clone(),
            fingerprint: fingerprint(f),
        }
    }
}

/// The baseline file as written.
#[derive(Debug, Serialize, Deserialize)]
struct BaselineFile {
    tool: String,
    /// Format version: 2 lists entries; 1 (no field) listed bare fingerprints.
    #[serde(default)]
    version: u32,
    #[serde(default)]
    findings: Vec<BaselineEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fingerprints: Vec<String>,
}

/// Writes a baseline of `entries`, sorted by path and line so that a change reads as a
/// small diff.
pub fn write_baseline(path: &Path, mut entries: Vec<BaselineEntry>) -> Result<()> {
    entries.sort();
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let doc = BaselineFile {
        tool: "leakscope".into(),
        version: 2,
        findings: entries,
        fingerprints: Vec::new(),
    };
    std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("writing baseline {}", path.display()))
}

/// Reads the fingerprints of a baseline file (either format).
fn read_baseline(p: &Path) -> Result<HashSet<String>> {
    let text =
        std::fs::read_to_string(p).with_context(|| format!("reading baseline {}", p.display()))?;
    let doc: BaselineFile = serde_json::from_str(&text)
        .with_context(|| format!("baseline {} is not a leakscope baseline", p.display()))?;
    Ok(doc
        .findings
        .into_iter()
        .map(|e| e.fingerprint)
        .chain(doc.fingerprints)
        .collect())
}

/// Findings that are not reported, with how many each rule left out.
#[derive(Default)]
pub struct Filter {
    values: HashSet<String>,
    paths: Option<GlobSet>,
    baseline: HashSet<String>,
    /// Counts by reason: allowlist, baseline, inline ignore. Workers share the filter.
    counts: [AtomicU64; 3],
    /// What the filter drops, as one hash (see [`Filter::fingerprint`]).
    fingerprint: Option<String>,
}

impl Filter {
    /// Builds the filter from the configuration and an optional baseline file.
    pub fn new(config: &Config, baseline: Option<&Path>) -> Result<Filter> {
        let values: HashSet<String> = config
            .allowlist
            .values
            .iter()
            .map(|v| allow_key(v))
            .collect();
        let paths = if config.allowlist.paths.is_empty() {
            None
        } else {
            let mut b = globset::GlobSetBuilder::new();
            for g in &config.allowlist.paths {
                b.add(globset::Glob::new(g).with_context(|| format!("allowlist path glob `{g}`"))?);
            }
            Some(b.build()?)
        };
        let baseline = match baseline {
            None => HashSet::new(),
            Some(p) => read_baseline(p)?,
        };
        let fingerprint = {
            let mut parts: Vec<String> = values.iter().cloned().collect();
            parts.extend(config.allowlist.paths.iter().map(|g| format!("path:{g}")));
            parts.extend(baseline.iter().map(|f| format!("baseline:{f}")));
            parts.sort();
            (!parts.is_empty()).then(|| {
                let mut h = blake3::Hasher::new();
                for p in &parts {
                    h.update(p.as_bytes());
                    h.update(&[0]);
                }
                h.finalize().to_hex()[..16].to_string()
            })
        };
        Ok(Filter {
            values,
            paths,
            baseline,
            counts: Default::default(),
            fingerprint,
        })
    }

    /// A hash of everything the filter drops, `None` when it drops nothing. Findings are
    /// filtered before they are stored, so it is part of the ruleset that keys rescans: an
    /// object scanned under another allowlist or baseline is scanned again rather than its
    /// stored findings reused.
    pub fn fingerprint(&self) -> Option<&str> {
        self.fingerprint.as_deref()
    }

    /// True when any allowlist or baseline is set (otherwise nothing is ever dropped).
    pub fn active(&self) -> bool {
        !self.values.is_empty() || self.paths.is_some() || !self.baseline.is_empty()
    }

    /// Whether `report` (with its `raw` value, when known) is left out; counted if so.
    pub fn drops(&self, raw: Option<&str>, report: &ReportFinding) -> bool {
        let allowed_value =
            raw.is_some_and(|raw| !self.values.is_empty() && self.values.contains(&allow_key(raw)));
        let allowed_path = self.paths.as_ref().is_some_and(|set| {
            let root = report.path.split("!/").next().unwrap_or(&report.path);
            set.is_match(&*report.path) || set.is_match(root)
        });
        if allowed_value || allowed_path {
            self.counts[0].fetch_add(1, Ordering::Relaxed);
            return true;
        }
        if !self.baseline.is_empty() && self.baseline.contains(&fingerprint(report)) {
            self.counts[1].fetch_add(1, Ordering::Relaxed);
            return true;
        }
        false
    }

    /// Counts findings the engine dropped for a `leakscope:ignore` comment.
    pub fn ignored_inline(&self, n: u64) {
        if n > 0 {
            self.counts[2].fetch_add(n, Ordering::Relaxed);
        }
    }

    /// What was left out so far.
    pub fn suppressed(&self) -> Suppressed {
        Suppressed {
            allowlist: self.counts[0].load(Ordering::Relaxed),
            baseline: self.counts[1].load(Ordering::Relaxed),
            inline: self.counts[2].load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines_round_trip_and_old_files_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        let e = BaselineEntry {
            path: "src/a.rs".into(),
            line: Some(3),
            detector: "aws_access_key_id".into(),
            field: None,
            value: "AKIA************WW5FG".into(),
            fingerprint: "f1".into(),
        };
        write_baseline(&p, vec![e.clone(), e.clone()]).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"path\": \"src/a.rs\"") && text.contains("\"version\": 2"));
        assert_eq!(read_baseline(&p).unwrap().len(), 1);
        std::fs::write(&p, r#"{"tool":"leakscope","fingerprints":["a","b"]}"#).unwrap();
        assert_eq!(read_baseline(&p).unwrap().len(), 2);
        std::fs::write(&p, "[1,2]").unwrap();
        assert!(read_baseline(&p).is_err());
    }
}
