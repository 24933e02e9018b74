//! The detector catalog: one [`DetectorInfo`] per detector id, read from rule data.
//!
//! A detector's display name, severity, link rank and remediation are written once, on any
//! one rule of its id (a detector found by several variants carries them on one of them).
//! Whatever a user rule leaves out comes from its category's defaults in
//! `rules/categories.toml`, so a one-line custom rule still ranks and explains itself.
//! Built-in detectors must give every field; a test checks it.

use crate::rules::{RuleError, RuleFile, RuleSpec};
use leakscope_core::{Category, DetectorInfo, Guidance, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The per-category defaults, embedded.
const CATEGORY_DEFAULTS: &str = include_str!("../rules/categories.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Default_ {
    severity: Severity,
    what: String,
    why: String,
    action: String,
}

/// The default severity and guidance of a category, for detectors whose rule data gives
/// none (user rules, watch-lists, YARA rules).
pub fn category_default(category: Category) -> (Severity, Guidance) {
    // Parsed once: the severity of a finding is looked up per finding in some outputs.
    static TABLE: std::sync::OnceLock<BTreeMap<String, Default_>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        toml::from_str(CATEGORY_DEFAULTS).expect("categories.toml is valid (tested)")
    });
    match table.get(category.as_str()) {
        Some(d) => (
            d.severity,
            Guidance {
                what: d.what.clone(),
                why: d.why.clone(),
                action: d.action.clone(),
            },
        ),
        None => (Severity::Medium, Guidance::default()),
    }
}

/// A detector with its category's defaults and the given description: how YARA rules and
/// watch-lists, which have no rule-level metadata, enter the catalog.
pub fn default_info(id: &str, category: Category, description: &str) -> DetectorInfo {
    let (severity, mut guidance) = category_default(category);
    // A rule says best what it looks for: its own description, over the category's
    // generic sentence.
    if !description.is_empty() {
        guidance.what = description.to_string();
    }
    DetectorInfo {
        id: id.to_string(),
        name: String::new(),
        category,
        severity,
        link_rank: None,
        description: description.to_string(),
        guidance,
    }
}

/// One entry per detector id across `files`, in the order ids first appear. A detector
/// field given differently by two rules of one id is an error naming the second.
pub fn catalog(files: &[RuleFile]) -> Result<Vec<DetectorInfo>, RuleError> {
    let mut out: Vec<DetectorInfo> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut severity_given = std::collections::BTreeSet::new();
    for file in files {
        for spec in &file.rules {
            let id = spec.id.get_ref();
            let i = match index.get(id) {
                Some(i) => *i,
                None => {
                    let category = file.category_of(spec)?;
                    let mut info = default_info(id, category, &spec.description);
                    // The category default applies only where the rule data is silent.
                    info.name.clear();
                    index.insert(id.clone(), out.len());
                    out.push(info);
                    out.len() - 1
                }
            };
            let first_severity = spec.severity.is_some() && severity_given.insert(id.clone());
            if spec.severity.is_some() && !first_severity {
                return Err(file.error_at(
                    spec,
                    "`severity` is already given by another rule of the same id; write it once",
                ));
            }
            merge(file, spec, &mut out[i])?;
        }
    }
    Ok(out)
}

/// The built-in catalog, parsed once per process (the dashboard asks for it per request).
pub fn builtin() -> Result<Vec<DetectorInfo>, RuleError> {
    static BUILTIN: std::sync::OnceLock<Result<Vec<DetectorInfo>, RuleError>> =
        std::sync::OnceLock::new();
    BUILTIN
        .get_or_init(|| catalog(&RuleFile::builtin()?))
        .clone()
}

/// Adds what one rule says about its detector; a second rule of the same id may repeat a
/// name or rank but not contradict it.
fn merge(file: &RuleFile, spec: &RuleSpec, info: &mut DetectorInfo) -> Result<(), RuleError> {
    let conflict = |field: &str| {
        file.error_at(
            spec,
            format!("`{field}` differs from another rule of the same id; write it once"),
        )
    };
    if info.description.is_empty() {
        info.description = spec.description.clone();
    }
    if let Some(name) = &spec.name {
        if !info.name.is_empty() && &info.name != name {
            return Err(conflict("name"));
        }
        info.name = name.clone();
    }
    if let Some(s) = &spec.severity {
        let s: Severity = s
            .parse()
            .map_err(|e: leakscope_core::ParseEnumError| file.error_at(spec, e.to_string()))?;
        info.severity = s;
    }
    if let Some(rank) = spec.link_rank {
        if info.link_rank.is_some_and(|r| r != rank) {
            return Err(conflict("link_rank"));
        }
        if rank == 0 {
            return Err(file.error_at(spec, "`link_rank` starts at 1 (the strongest)"));
        }
        info.link_rank = Some(rank);
    }
    for (value, slot) in [
        (&spec.what, &mut info.guidance.what),
        (&spec.why, &mut info.guidance.why),
        (&spec.action, &mut info.guidance.action),
    ] {
        if let Some(v) = value {
            *slot = v.clone();
        }
    }
    Ok(())
}

/// The ids of detectors whose values identify one person, strongest first: what impact
/// links records by.
pub fn linking<'a>(catalog: impl IntoIterator<Item = &'a DetectorInfo>) -> Vec<String> {
    let mut linked: Vec<&DetectorInfo> = catalog.into_iter().filter(|d| d.links_people()).collect();
    linked.sort_by_key(|d| d.link_rank);
    linked.into_iter().map(|d| d.id.clone()).collect()
}

/// Detector descriptions by id, for stages that read findings back: the built-in catalog
/// overlaid with what scans recorded. An id nobody described (a database from before
/// detectors were recorded) gets its category's defaults.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    by_id: BTreeMap<String, DetectorInfo>,
}

impl Catalog {
    /// The built-in catalog (an empty one if the embedded rules failed to parse, which
    /// tests rule out).
    pub fn builtin() -> Catalog {
        let mut c = Catalog::default();
        for d in builtin().unwrap_or_default() {
            c.insert(d);
        }
        c
    }

    /// Adds or replaces one detector.
    pub fn insert(&mut self, info: DetectorInfo) {
        self.by_id.insert(info.id.clone(), info);
    }

    /// The detector `id` of `category`, described by the catalog or by the category.
    pub fn get(&self, id: &str, category: Category) -> DetectorInfo {
        self.by_id
            .get(id)
            .cloned()
            .unwrap_or_else(|| default_info(id, category, ""))
    }

    /// The severity of `id`, or its category's default.
    pub fn severity(&self, id: &str, category: Category) -> Severity {
        match self.by_id.get(id) {
            Some(d) => d.severity,
            None => category_default(category).0,
        }
    }

    /// The display name of `id` (the id itself when it has none).
    pub fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.by_id.get(id).map_or(id, DetectorInfo::label)
    }

    /// Whether `id` is described.
    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// The linking detectors, strongest first (see [`linking`]).
    pub fn linking(&self) -> Vec<String> {
        linking(self.by_id.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_detector_is_fully_described() {
        let files = RuleFile::builtin().unwrap();
        let cat = catalog(&files).unwrap();
        assert!(cat.len() >= 28);
        for file in &files {
            let ids: Vec<&String> = file.rules.iter().map(|r| r.id.get_ref()).collect();
            for id in ids {
                let set = |f: fn(&RuleSpec) -> bool| {
                    file.rules
                        .iter()
                        .filter(|r| r.id.get_ref() == id && f(r))
                        .count()
                };
                // Each detector-level field is written exactly once per built-in id.
                assert_eq!(set(|r| r.name.is_some()), 1, "{id}: name");
                assert_eq!(set(|r| r.severity.is_some()), 1, "{id}: severity");
                assert_eq!(set(|r| r.what.is_some()), 1, "{id}: what");
                assert_eq!(set(|r| r.why.is_some()), 1, "{id}: why");
                assert_eq!(set(|r| r.action.is_some()), 1, "{id}: action");
            }
        }
        let by_id = |id: &str| cat.iter().find(|d| d.id == id).unwrap();
        assert_eq!(by_id("cn_resident_id").severity, Severity::Critical);
        assert_eq!(by_id("private_key").severity, Severity::Critical);
        assert!(by_id("ipv4").severity < by_id("cn_mobile").severity);
        assert_eq!(by_id("cn_resident_id").label(), "Resident ID number");
        // Ranks are distinct, so the strongest identifier of a record is well defined.
        let link = linking(&cat);
        assert_eq!(link[0], "cn_resident_id");
        let mut ranks: Vec<u8> = cat.iter().filter_map(|d| d.link_rank).collect();
        ranks.sort();
        ranks.dedup();
        assert_eq!(ranks.len(), link.len());
        assert!(link.contains(&"cn_mobile".to_string()));
        assert!(
            !link.contains(&"person_name".to_string()),
            "names never link"
        );
    }

    #[test]
    fn categories_have_defaults_and_user_rules_inherit_them() {
        for c in [
            Category::Pii,
            Category::Secret,
            Category::Implant,
            Category::Custom,
        ] {
            let (_, g) = category_default(c);
            assert!(!g.what.is_empty() && !g.why.is_empty() && !g.action.is_empty());
        }
        let f = RuleFile::parse(
            "mine.toml",
            "[[rule]]\nid = \"staff_no\"\npattern = 'S\\d{6}'\n\n[[rule]]\nid = \"vip\"\nseverity = \"critical\"\nname = \"VIP list\"\nwords = [\"x\"]\n",
        )
        .unwrap();
        let cat = catalog(&[f]).unwrap();
        assert_eq!(cat[0].severity, Severity::Medium);
        assert_eq!(cat[0].label(), "staff_no");
        assert_eq!(cat[1].severity, Severity::Critical);
        assert_eq!(cat[1].label(), "VIP list");
    }

    #[test]
    fn contradictions_and_bad_severities_are_located_errors() {
        let f = RuleFile::parse(
            "mine.toml",
            "[[rule]]\nid = \"a\"\nname = \"A\"\npattern = 'a'\nvariant = \"1\"\n\n[[rule]]\nid = \"a\"\nname = \"B\"\npattern = 'b'\nvariant = \"2\"\n",
        )
        .unwrap();
        let e = catalog(&[f]).unwrap_err();
        assert_eq!(e.line, 8, "{e}");
        assert!(e.message.contains("name"), "{e}");
        let f = RuleFile::parse("m.toml", "[[rule]]\nid = \"a\"\nseverity = \"severe\"\n").unwrap();
        assert!(catalog(&[f]).unwrap_err().message.contains("severity"));
    }
}
