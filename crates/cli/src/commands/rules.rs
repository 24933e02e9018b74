//! `leakscope rules check`: rule files compiled and their examples run.

use super::today;
use crate::engine::load_rule_files;
use anyhow::Result;
use leakscope_core::HashKey;
use leakscope_detect::{Engine, EngineConfig, RuleFile};
use std::path::PathBuf;

pub(crate) fn run(paths: &[PathBuf]) -> Result<i32> {
    let files = load_rule_files(paths)?;
    let mut all = RuleFile::builtin()?;
    all.extend(files.iter().cloned());
    let engine = Engine::new(
        &all,
        &EngineConfig::new(HashKey::insecure_test_key(), today()),
    )?;
    let (mut failures, mut checked) = (0, 0);
    for f in &files {
        let report = leakscope_detect::check_examples(&engine, f);
        checked += report.checked;
        failures += report.failures.len();
        for failure in &report.failures {
            println!(
                "{}: rule `{}`: {}",
                f.origin, failure.detector, failure.message
            );
        }
    }
    let rules: usize = files.iter().map(|f| f.rules.len()).sum();
    println!(
        "{rules} rules in {} files compiled; {checked} examples checked, {failures} failed",
        files.len()
    );
    Ok(if failures > 0 { 1 } else { 0 })
}
