//! `leakscope impact`: how many distinct people the findings of one or more scans expose.

use super::{db_path, known_scan};
use crate::args::ImpactArgs;
use anyhow::{bail, Result};
use leakscope_store::Store;
use std::io::Write;

/// Chooses the scans an impact count covers.
fn impact_scans(store: &Store, args: &ImpactArgs) -> Result<Vec<i64>> {
    if args.all {
        let mut seen = std::collections::HashSet::new();
        let mut ids = Vec::new();
        for s in store.scans()? {
            if s.status == "completed" && seen.insert(s.targets.clone()) {
                ids.push(s.id);
            }
        }
        return Ok(ids);
    }
    if !args.scan.is_empty() {
        return args.scan.iter().map(|id| known_scan(store, *id)).collect();
    }
    Ok(store.latest_scan()?.into_iter().collect())
}

pub(crate) fn run(args: ImpactArgs) -> Result<i32> {
    let store = Store::open_existing(&db_path(&args.db)?)?;
    let scans = impact_scans(&store, &args)?;
    if scans.is_empty() {
        bail!("no scans recorded; run `leakscope scan` first");
    }
    let report = compute_impact(&store, &scans, args.exact_limit)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format.as_str() {
        "json" => leakscope_report::impact::write_json(&mut out, &scans, &report)?,
        "text" => {
            let catalog = leakscope_report::detector_catalog(&store)?;
            leakscope_report::impact::write_text(&mut out, &scans, &report, &catalog)?
        }
        other => bail!("unknown format `{other}` (text, json)"),
    }
    out.flush()?;
    Ok(0)
}

/// Counts people over the personal-data findings of `scans`.
pub(crate) fn compute_impact(
    store: &Store,
    scans: &[i64],
    exact_limit: usize,
) -> Result<leakscope_impact::ImpactReport> {
    let linking = leakscope_report::detector_catalog(store)?.linking();
    Ok(store.impact(
        scans,
        leakscope_impact::ImpactConfig {
            exact_limit,
            linking,
        },
    )?)
}
