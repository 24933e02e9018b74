//! `--yara`: which YARA rule files a scan runs, read and compiled once before it starts.
//!
//! Each `--yara` (or `yara = [...]` entry in `leakscope.toml`) is a rule file, a directory
//! whose `*.yar` and `*.yara` files are read in name order, or `builtin` for the rules that
//! ship with leakscope. A rule that does not compile stops the command before anything is
//! scanned, with the file, line and column of the mistake.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

/// The word that names the built-in rules.
pub const BUILTIN: &str = "builtin";

/// Every rule file the arguments name, in order; `builtin` stands for itself.
fn rule_files(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for arg in args {
        if arg.as_os_str() == BUILTIN {
            files.push(arg.clone());
        } else if arg.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(arg)
                .with_context(|| format!("reading YARA rule directory {}", arg.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().is_some_and(|x| {
                        x.eq_ignore_ascii_case("yar") || x.eq_ignore_ascii_case("yara")
                    })
                })
                .collect();
            found.sort();
            if found.is_empty() {
                bail!(
                    "YARA rule directory {} has no .yar or .yara files",
                    arg.display()
                );
            }
            files.extend(found);
        } else {
            files.push(arg.clone());
        }
    }
    Ok(files)
}

/// Compiled rules with a fingerprint of their texts.
pub struct Compiled {
    pub rules: Rules,
    /// Changes whenever a rule text does: part of the ruleset id, so a changed rule file
    /// makes the next scan read everything again instead of trusting stored results.
    pub fingerprint: String,
}

/// Compiles the rules named by `args`; `None` when there are none.
#[cfg(feature = "yara")]
pub fn compile(args: &[PathBuf], key: leakscope_core::HashKey) -> Result<Option<Compiled>> {
    use leakscope_detect::yara::{self, YaraRules, YaraSource};
    if args.is_empty() {
        return Ok(None);
    }
    let mut sources = Vec::new();
    for file in rule_files(args)? {
        sources.push(if file.as_os_str() == BUILTIN {
            YaraSource {
                origin: yara::BUILTIN_ORIGIN.into(),
                text: yara::BUILTIN.into(),
            }
        } else {
            YaraSource {
                origin: file.display().to_string(),
                text: read(&file)?,
            }
        });
    }
    let rules = YaraRules::compile(&sources, key)
        .map_err(|e| anyhow::anyhow!("usage: YARA rules do not compile: {e}"))?;
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for s in &sources {
        h.update(&[0]);
        h.update(s.text.as_bytes());
    }
    Ok(Some(Compiled {
        rules,
        fingerprint: h.finalize().to_hex()[..16].to_string(),
    }))
}

/// Compiled rules, as the scan holds them.
#[cfg(feature = "yara")]
pub type Rules = leakscope_detect::yara::YaraRules;

/// Without the `yara` feature there are never compiled rules.
#[cfg(not(feature = "yara"))]
pub enum Rules {}

#[cfg(not(feature = "yara"))]
impl Rules {
    /// Never called: no value of this type exists.
    pub fn scan(
        &self,
        _bytes: &[u8],
        _out: &mut Vec<leakscope_core::Finding>,
    ) -> Result<(), String> {
        match *self {}
    }

    /// Never called: no value of this type exists.
    pub fn description(&self, _rule: &str) -> Option<Described> {
        match *self {}
    }
}

/// A rule's `meta:` entries and its tags.
pub type Described = (Vec<(String, String)>, Vec<String>);

/// A rule's meta entries and tags, for the record of its findings.
#[cfg(feature = "yara")]
pub fn describe(rules: &Rules, rule: &str) -> Option<Described> {
    rules
        .rules()
        .get(rule)
        .map(|m| (m.meta.clone(), m.tags.clone()))
}

/// A rule's meta entries and tags (never: no rules without the feature).
#[cfg(not(feature = "yara"))]
pub fn describe(rules: &Rules, rule: &str) -> Option<Described> {
    rules.description(rule)
}

/// Without the `yara` feature a rule file is an error, not silently ignored.
#[cfg(not(feature = "yara"))]
pub fn compile(args: &[PathBuf], _key: leakscope_core::HashKey) -> Result<Option<Compiled>> {
    if args.is_empty() {
        return Ok(None);
    }
    rule_files(args)?;
    bail!("usage: YARA support is not built in (cargo feature `yara`)")
}

#[cfg(feature = "yara")]
fn read(file: &std::path::Path) -> Result<String> {
    let bytes =
        std::fs::read(file).with_context(|| format!("reading YARA rules {}", file.display()))?;
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("usage: YARA rules {} are not UTF-8 text", file.display()))
}
