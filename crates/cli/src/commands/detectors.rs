//! `leakscope detectors`: the detector catalog, built-in and from rule files, most severe
//! first: id, severity, category, display name and what it finds.

use crate::args::DetectorsArgs;
use crate::engine::load_rule_files;
use anyhow::Result;
use leakscope_detect::RuleFile;

pub(crate) fn run(args: &DetectorsArgs) -> Result<i32> {
    let mut files = RuleFile::builtin()?;
    files.extend(load_rule_files(&args.rule_paths)?);
    let mut catalog = leakscope_detect::catalog::catalog(&files)?;
    // Stable within a severity: the catalog's own order.
    catalog.sort_by_key(|d| std::cmp::Reverse(d.severity));
    println!(
        "{:<28} {:<9} {:<8} {:<32} what it finds",
        "id", "severity", "category", "name"
    );
    for d in &catalog {
        println!(
            "{:<28} {:<9} {:<8} {:<32} {}",
            d.id,
            d.severity,
            d.category.as_str(),
            d.label(),
            d.description
        );
    }
    Ok(0)
}
