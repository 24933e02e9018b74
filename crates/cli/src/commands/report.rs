//! `leakscope report`: the self-contained HTML report (or its content as JSON) of a scan.

use super::impact::compute_impact;
use super::{db_path, known_scan};
use crate::args::ReportArgs;
use anyhow::{bail, Context, Result};
use leakscope_store::Store;
use std::io::Write;

pub(crate) fn run(args: ReportArgs) -> Result<i32> {
    use leakscope_report::html::{render_html, LocationRow, ReportData, ScanInfo};
    let store = Store::open_existing(&db_path(&args.db)?)?;
    let id = match args.scan {
        Some(id) => known_scan(&store, id)?,
        None => store
            .latest_scan()?
            .context("no scans recorded; run `leakscope scan` first")?,
    };
    let row = store
        .scans()?
        .into_iter()
        .find(|s| s.id == id)
        .with_context(|| format!("no scan {id}"))?;
    let counts = store.detector_counts(id)?;
    let examples = store.detector_examples(id, args.examples)?;
    let mut by_category = std::collections::BTreeMap::new();
    for (_, cat, _, n) in &counts {
        *by_category.entry(cat.as_str().to_string()).or_insert(0u64) += n;
    }
    let impact = compute_impact(&store, &[id], leakscope_impact::DEFAULT_EXACT_LIMIT)?;
    let catalog = leakscope_report::detector_catalog(&store)?;
    let detectors = ReportData::detector_sections(&counts, &examples, &catalog);
    let exposures: Vec<leakscope_report::html::ExposureInfo> = store
        .latest_exposures()?
        .into_iter()
        .map(leakscope_report::html::ExposureInfo::from_row)
        .collect();
    let impact = (impact.records_exposed > 0).then_some(impact);
    let executive = leakscope_report::html::Executive::of(&detectors, impact.as_ref(), &exposures);
    let data = ReportData {
        title: "leakscope report".into(),
        generated_at: leakscope_store::now_rfc3339(),
        version: env!("CARGO_PKG_VERSION").into(),
        scan: ScanInfo {
            id,
            started_at: row.started_at,
            finished_at: row.finished_at,
            status: row.status,
            targets: store.scan_targets(id)?.join(", "),
            objects_scanned: row.objects_scanned,
            objects_unchanged: row.objects_skipped,
            bytes_scanned: row.bytes_scanned,
            findings: row.findings,
            errors: row.errors,
        },
        executive,
        impact,
        by_category,
        detectors: ReportData::detector_sections(
            &counts,
            &examples,
            &leakscope_report::detector_catalog(&store)?,
        ),
        locations: store
            .location_counts(id, args.top)?
            .into_iter()
            .map(|(path, findings, detectors)| LocationRow {
                path,
                findings,
                detectors: detectors.replace(',', ", "),
            })
            .collect(),
        notices: store
            .notices(id)?
            .into_iter()
            // Info notices are routine, except the statement that a store was sampled.
            .filter(|(_, kind, message)| kind != "info" || message.starts_with("sampled:"))
            .map(|(path, kind, message)| leakscope_report::ReportNotice {
                kind,
                path,
                message,
            })
            .collect(),
        exposures,
    };
    let text = match args.format.as_str() {
        "html" => render_html(&data).context("rendering the report")?,
        "json" => serde_json::to_string_pretty(&data)? + "\n",
        other => bail!("unknown format `{other}` (html, json)"),
    };
    if args.out.as_os_str() == "-" {
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        std::fs::write(&args.out, text)
            .with_context(|| format!("writing {}", args.out.display()))?;
        eprintln!("wrote {}", args.out.display());
    }
    Ok(0)
}
