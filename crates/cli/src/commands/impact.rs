//! `leakscope impact`: how many distinct people the findings of one or more scans expose.

use super::{db_path, known_scan};
use crate::args::ImpactArgs;
use anyhow::{bail, Result};
use leakscope_store::Store;

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
    match args.format.as_str() {
        "json" => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "scans": scans, "impact": report }))?
        ),
        "text" => print_impact(&scans, &report),
        other => bail!("unknown format `{other}` (text, json)"),
    }
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

fn print_impact(scans: &[i64], r: &leakscope_impact::ImpactReport) {
    let ids: Vec<String> = scans.iter().map(|s| s.to_string()).collect();
    let mode = if r.mode == "exact" {
        "exact counts".to_string()
    } else {
        format!(
            "estimated, ±{:.1}% standard error",
            r.relative_error * 100.0
        )
    };
    println!("Impact of scan {} ({mode})", ids.join(", "));
    println!("  records exposed:  {:>12}", r.records_exposed);
    println!(
        "  distinct people:  {:>12}   (linked by ID numbers, phones, e-mail, IMSI, cards)",
        r.distinct_people
    );
    println!(
        "  records with only names, addresses or other shared identifiers: {}",
        r.records_with_only_weak_identifiers
    );
    println!();
    println!("  {:<28} {:>12} {:>12}", "identifier", "distinct", "found");
    for d in &r.by_identifier {
        println!(
            "  {:<28} {:>12} {:>12}",
            d.detector, d.distinct, d.occurrences
        );
    }
    println!();
    println!("  {:<40} {:>12} {:>12}", "store", "records", "people");
    for s in &r.by_store {
        println!(
            "  {:<40} {:>12} {:>12}",
            s.store, s.records_exposed, s.distinct_people
        );
    }
}
