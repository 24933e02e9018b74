//! Watch-lists: a plain file of terms (names, numbers, project words) becomes a detector.
//!
//! One term per line, in any script and in any encoding the scanner reads (UTF-8, GBK,
//! UTF-16 with a BOM); `#` starts a comment line; blank lines are ignored. Full-width forms
//! match their ASCII forms, as everywhere in the engine.
//! Latin letters match case-insensitively, and a term is not found inside a longer ASCII
//! word (`Ann` does not match `Annual`); CJK terms match wherever they occur. The detector
//! id is the file name without its extension, the category is `custom`, and findings are
//! located and masked like every other. The file becomes an ordinary rule file (a `words`
//! rule), so it goes through the same engine and checks as hand-written rules.

use anyhow::{bail, Context, Result};
use leakscope_detect::RuleFile;
use std::path::Path;

/// Shortest term accepted, in characters: a one-letter term would match everywhere.
const MIN_TERM_CHARS: usize = 2;

/// Reads a watch-list file into a rule file with one detector.
pub fn load(path: &Path, taken: &[&str]) -> Result<RuleFile> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading watch-list {}", path.display()))?;
    // Lists are kept in whatever a desk's editor saves: UTF-8, GBK, UTF-16 with a BOM. They
    // are decoded like any scanned text.
    let Some((text, _)) = leakscope_sources::text::decode_all(&bytes) else {
        bail!(
            "watch-list {} is not text (one term per line expected)",
            path.display()
        );
    };
    let id = detector_id(path);
    if taken.contains(&id.as_str()) {
        bail!(
            "watch-list {}: detector id `{id}` (from the file name) is already a detector; rename the file",
            path.display()
        );
    }
    let terms = terms(&text);
    for (line, term) in &terms {
        if term.chars().count() < MIN_TERM_CHARS {
            bail!(
                "watch-list {}:{line}: `{term}` is shorter than {MIN_TERM_CHARS} characters and would match almost everywhere",
                path.display()
            );
        }
    }
    if terms.is_empty() {
        bail!("watch-list {} has no terms", path.display());
    }
    let words: Vec<toml::Value> = terms
        .into_iter()
        .map(|(_, t)| toml::Value::String(t))
        .collect();
    let mut rule = toml::Table::new();
    rule.insert("id".into(), id.clone().into());
    rule.insert("category".into(), "custom".into());
    rule.insert(
        "description".into(),
        format!("A term of the watch-list {}.", path.display()).into(),
    );
    rule.insert("words".into(), toml::Value::Array(words));
    rule.insert("confidence".into(), "high".into());
    let mut doc = toml::Table::new();
    doc.insert(
        "rule".into(),
        toml::Value::Array(vec![toml::Value::Table(rule)]),
    );
    let source = toml::to_string(&doc).context("writing the watch-list as a rule")?;
    Ok(RuleFile::parse(&path.display().to_string(), &source)?)
}

/// The terms of a watch-list with their 1-based line numbers.
fn terms(text: &str) -> Vec<(usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let term = line.trim();
        if term.is_empty() || term.starts_with('#') {
            continue;
        }
        if !out.iter().any(|(_, t)| t.eq_ignore_ascii_case(term)) {
            out.push((i + 1, term.to_string()));
        }
    }
    out
}

/// `targets.txt` → `targets`; characters a detector id cannot hold become `_`.
fn detector_id(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let id: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let id = id.trim_matches('_').to_string();
    if id.chars().any(|c| c.is_ascii_alphanumeric()) {
        id
    } else {
        "watchlist".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_skip_comments_blanks_and_repeats() {
        let t = terms("\u{feff}# targets\n张三\n\n  Blue Harbor  \nblue harbor\n13800138000\n");
        let words: Vec<&str> = t.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(words, ["张三", "Blue Harbor", "13800138000"]);
        assert_eq!(t[1].0, 4);
    }

    #[test]
    fn ids_come_from_file_names() {
        assert_eq!(
            detector_id(Path::new("lists/SMS Targets.txt")),
            "sms_targets"
        );
        assert_eq!(detector_id(Path::new("名单.txt")), "watchlist");
        assert_eq!(detector_id(Path::new("imsi-list")), "imsi-list");
    }
}
