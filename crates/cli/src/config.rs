//! `leakscope.toml`: settings that a team keeps with the data it scans.
//!
//! Every key is optional; command-line flags override the file. Example:
//!
//! ```toml
//! [scan]
//! detectors = ["cn_resident_id", "cn_mobile"]   # only these (default: all)
//! exclude_detectors = ["ipv4"]
//! categories = ["pii", "secret"]
//! min_confidence = "medium"
//! rules = ["rules/"]                # custom rule files or directories of *.toml
//! watchlists = ["lists/targets.txt"] # one term per line; the file name is the detector id
//! yara = ["builtin", "rules/yara/"]  # YARA rule files or directories run over raw bytes
//! include = ["**/*.csv"]
//! exclude = ["node_modules", "*.iso"]
//! max_file_size = 1073741824
//! respect_gitignore = false
//!
//! [limits]
//! max_depth = 10
//! max_object_bytes = 268435456
//! max_total_bytes = 17179869184
//! max_ratio = 200
//!
//! [allowlist]
//! values = ["13800138000"]          # test numbers that are not people
//! paths = ["tests/fixtures/**"]
//!
//! baseline = "leakscope-baseline.json"
//! ```

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub scan: ScanSection,
    #[serde(default)]
    pub limits: LimitsSection,
    #[serde(default)]
    pub allowlist: AllowlistSection,
    /// A file of accepted findings (fingerprints) that are not reported again.
    pub baseline: Option<PathBuf>,
    /// Directory the file was read from; relative paths in it are resolved against it.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The file read, if any (the summary names it).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    pub detectors: Option<Vec<String>>,
    #[serde(default)]
    pub exclude_detectors: Vec<String>,
    pub categories: Option<Vec<String>>,
    pub min_confidence: Option<String>,
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Watch-list files (see `watchlist`).
    #[serde(default)]
    pub watchlists: Vec<PathBuf>,
    /// YARA rule files or directories, or `builtin` (see `yara`).
    #[serde(default)]
    pub yara: Vec<PathBuf>,
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    pub max_file_size: Option<u64>,
    #[serde(default)]
    pub respect_gitignore: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    pub max_depth: Option<usize>,
    pub max_object_bytes: Option<u64>,
    pub max_total_bytes: Option<u64>,
    pub max_ratio: Option<u64>,
    pub max_members: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSection {
    /// Values never reported (compared after removing spaces and hyphens).
    #[serde(default)]
    pub values: Vec<String>,
    /// Globs of paths whose findings are not reported.
    #[serde(default)]
    pub paths: Vec<String>,
}

impl Config {
    /// Loads `path`, or `./leakscope.toml` when it exists and no path is given.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => {
                let default = PathBuf::from("leakscope.toml");
                if !default.exists() {
                    return Ok(Config::default());
                }
                default
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading config {}", path.display()))?;
        Config::parse(&text, &path)
    }

    /// Parses the text of the file at `path`; an error names the file and line.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| {
                    let end = s.start.min(text.len());
                    text.as_bytes()[..end]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count()
                        + 1
                })
                .unwrap_or(0);
            anyhow::anyhow!("{}:{line}: {}", path.display(), e.message())
        })?;
        config.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Resolves a path written in the file against the file's directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }
}

/// Normalises a value for allowlist comparison.
pub fn allow_key(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_lowercase()
}
