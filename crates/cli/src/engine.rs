//! The engine a command runs: built-in rules, rule files and watch-lists from flags and
//! configuration, the detector selection, and the ruleset id that keys rescans.

use crate::args::DetectorSelection;
use crate::commands::today;
use crate::config::Config;
use crate::watchlist;
use anyhow::{bail, Context, Result};
use leakscope_core::{Category, Confidence, DetectorInfo, HashKey};
use leakscope_detect::{Engine, EngineConfig, RuleFile, CATALOG_VERSION};
use std::path::PathBuf;

/// Reads rule files from files and directories (`*.toml`, sorted).
pub(crate) fn load_rule_files(paths: &[PathBuf]) -> Result<Vec<RuleFile>> {
    let mut out = Vec::new();
    for p in paths {
        let mut files = Vec::new();
        if p.is_dir() {
            for e in std::fs::read_dir(p)
                .with_context(|| format!("reading rule directory {}", p.display()))?
            {
                let e = e?;
                if e.path().extension().is_some_and(|x| x == "toml") {
                    files.push(e.path());
                }
            }
            files.sort();
        } else {
            files.push(p.clone());
        }
        for f in files {
            let text = std::fs::read_to_string(&f)
                .with_context(|| format!("reading rule file {}", f.display()))?;
            out.push(RuleFile::parse(&f.display().to_string(), &text)?);
        }
    }
    Ok(out)
}

pub(crate) fn parse_categories(names: &[String]) -> Result<Vec<Category>> {
    names
        .iter()
        .map(|c| c.parse::<Category>().map_err(Into::into))
        .collect()
}

/// The engine a scan runs, with what goes with it.
pub(crate) struct BuiltEngine {
    pub(crate) engine: Engine,
    /// Every detector at every confidence, when the scan's own engine is narrower: names
    /// (paths, fields, notices) are masked with it whatever the scan looks for.
    pub(crate) full: Option<Engine>,
    /// The detectors the engine runs, described.
    pub(crate) detectors: Vec<DetectorInfo>,
    /// An id that changes whenever the results could.
    pub(crate) ruleset: String,
}

impl BuiltEngine {
    /// The engine that masks names.
    pub(crate) fn redaction(&self) -> &Engine {
        self.full.as_ref().unwrap_or(&self.engine)
    }
}

/// Builds the engine from built-in rules, configured rule files and flags.
pub(crate) fn build_engine(
    sel: &DetectorSelection,
    config: &Config,
    key: HashKey,
) -> Result<BuiltEngine> {
    let mut files = RuleFile::builtin()?;
    let mut extra: Vec<PathBuf> = config
        .scan
        .rules
        .iter()
        .map(|p| config.resolve(p))
        .collect();
    extra.extend(sel.rule_paths.iter().cloned());
    files.extend(load_rule_files(&extra)?);
    let lists: Vec<PathBuf> = config
        .scan
        .watchlists
        .iter()
        .map(|p| config.resolve(p))
        .chain(sel.watchlists.iter().cloned())
        .collect();
    for list in &lists {
        let taken: Vec<&str> = files
            .iter()
            .flat_map(|f| f.rules.iter().map(|r| r.id.get_ref().as_str()))
            .collect();
        let file = watchlist::load(list, &taken)?;
        files.push(file);
    }
    let mut ec = EngineConfig::new(key, today());
    ec.only_detectors = sel
        .detectors
        .clone()
        .or_else(|| config.scan.detectors.clone());
    ec.exclude_detectors = sel
        .exclude_detectors
        .iter()
        .chain(&config.scan.exclude_detectors)
        .cloned()
        .collect();
    if let Some(c) = sel.categories.as_ref().or(config.scan.categories.as_ref()) {
        ec.categories = Some(parse_categories(c)?);
    }
    if let Some(c) = sel
        .min_confidence
        .as_ref()
        .or(config.scan.min_confidence.as_ref())
    {
        ec.min_confidence = c.parse::<Confidence>()?;
    }
    // Every detector id named by a flag or the configuration must exist: an excluded typo
    // (`ipv44`) would otherwise leave the detector on without a word.
    let known: Vec<&str> = files
        .iter()
        .flat_map(|f| f.rules.iter().map(|r| r.id.get_ref().as_str()))
        .collect();
    for d in ec
        .only_detectors
        .iter()
        .flatten()
        .chain(&ec.exclude_detectors)
    {
        if !known.contains(&d.as_str()) {
            bail!("unknown detector `{d}` (see `leakscope detectors`)");
        }
    }
    let engine = Engine::new(&files, &ec)?;
    let narrowed = ec.only_detectors.is_some()
        || !ec.exclude_detectors.is_empty()
        || ec.categories.is_some()
        || ec.min_confidence != Confidence::Low;
    let full = if narrowed {
        Some(Engine::new(
            &files,
            &EngineConfig::new(ec.hash_key.clone(), ec.today),
        )?)
    } else {
        None
    };
    let enabled: std::collections::HashSet<String> =
        engine.rules().into_iter().map(|r| r.id).collect();
    let detectors: Vec<DetectorInfo> = leakscope_detect::catalog::catalog(&files)?
        .into_iter()
        .filter(|d| enabled.contains(&d.id))
        .collect();
    // The rule files' text, built-in ones included, so that a build whose rules changed
    // scans unchanged objects again; a change of validators' code raises CATALOG_VERSION.
    let mut hasher = blake3::Hasher::new();
    hasher.update(CATALOG_VERSION.as_bytes());
    for f in &files {
        hasher.update(f.source.as_bytes());
    }
    let selection = format!(
        "{:?}|{:?}|{:?}|{:?}",
        ec.only_detectors, ec.exclude_detectors, ec.categories, ec.min_confidence
    );
    hasher.update(selection.as_bytes());
    let ruleset = format!("{CATALOG_VERSION}:{}", &hasher.finalize().to_hex()[..16]);
    Ok(BuiltEngine {
        engine,
        full,
        detectors,
        ruleset,
    })
}
