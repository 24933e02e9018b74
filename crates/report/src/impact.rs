//! `leakscope impact` output: the people counts as text for a terminal, or as one JSON
//! document.

use crate::{thousands, Catalog};
use leakscope_impact::ImpactReport;
use std::io::{self, Write};

/// Writes the impact of `scans` as text: totals, then distinct values per identifier (by
/// display name), per store and the places exposing the most people.
pub fn write_text(
    out: &mut dyn Write,
    scans: &[i64],
    r: &ImpactReport,
    catalog: &Catalog,
) -> io::Result<()> {
    let ids: Vec<String> = scans.iter().map(|s| s.to_string()).collect();
    let mode = if r.mode == "exact" {
        "exact counts".to_string()
    } else {
        format!(
            "estimated, ±{:.1}% standard error",
            r.relative_error * 100.0
        )
    };
    writeln!(out, "Impact of scan {} ({mode})", ids.join(", "))?;
    writeln!(
        out,
        "  records exposed:  {:>12}",
        thousands(r.records_exposed)
    )?;
    writeln!(
        out,
        "  distinct people:  {:>12}   (linked by ID numbers, phones, e-mail, IMSI, cards)",
        thousands(r.distinct_people)
    )?;
    writeln!(
        out,
        "  records with only names, addresses or other shared identifiers: {}",
        thousands(r.records_with_only_weak_identifiers)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "  {:<32} {:>12} {:>12}  links people",
        "identifier", "distinct", "found"
    )?;
    for d in &r.by_identifier {
        writeln!(
            out,
            "  {:<32} {:>12} {:>12}  {}",
            catalog.label(&d.detector),
            thousands(d.distinct),
            thousands(d.occurrences),
            if d.links_people { "yes" } else { "no" }
        )?;
    }
    // Numbers first and names last: a path of any length or script (CJK characters are
    // two columns wide) cannot push the columns out of line.
    writeln!(out)?;
    writeln!(out, "  {:>12} {:>12}  store", "records", "people")?;
    for s in &r.by_store {
        writeln!(
            out,
            "  {:>12} {:>12}  {}",
            thousands(s.records_exposed),
            thousands(s.distinct_people),
            s.store
        )?;
    }
    if !r.by_place.is_empty() {
        const SHOWN: usize = 20;
        writeln!(out)?;
        writeln!(
            out,
            "  {:>12} {:>12}  file, table or collection (most people first)",
            "records", "people"
        )?;
        for p in r.by_place.iter().take(SHOWN) {
            writeln!(
                out,
                "  {:>12} {:>12}  {}",
                thousands(p.records_exposed),
                thousands(p.distinct_people),
                p.place
            )?;
        }
        if r.by_place.len() > SHOWN {
            writeln!(
                out,
                "  … and {} more (`leakscope report` lists them all)",
                thousands((r.by_place.len() - SHOWN) as u64)
            )?;
        }
    }
    Ok(())
}

/// Writes the impact of `scans` as one JSON document: `{"scans": […], "impact": {…}}`.
pub fn write_json(out: &mut dyn Write, scans: &[i64], r: &ImpactReport) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &serde_json::json!({ "scans": scans, "impact": r }),
    )?;
    writeln!(out)
}
