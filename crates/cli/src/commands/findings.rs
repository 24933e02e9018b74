//! `leakscope findings`: findings read back from the database, streamed an object at a
//! time to any output format.

use super::{db_path, known_detectors, known_scan, open_output};
use crate::args::FindingsArgs;
use anyhow::Result;
use leakscope_report::{Format, PrinterOptions, ReportFinding};
use leakscope_store::{FindingQuery, Store};

pub(crate) fn run(args: FindingsArgs) -> Result<i32> {
    let store = Store::open_existing(&db_path(&args.db)?)?;
    if let Some(id) = args.scan {
        known_scan(&store, id)?;
    }
    known_detectors(&store, &args.detectors)?;
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    let q = FindingQuery {
        scan_id: args.scan,
        detectors: args.detectors.clone(),
        category: args.category.as_deref().map(str::parse).transpose()?,
        min_confidence: args.min_confidence.as_deref().map(str::parse).transpose()?,
        path_prefix: args.path_prefix.clone(),
        limit: args.limit,
        offset: None,
    };
    let (out, is_tty) = open_output(None)?;
    let mut printer = leakscope_report::printer(
        format,
        out,
        PrinterOptions {
            color: format == Format::Text && args.color.enabled(is_tty),
            base: std::env::current_dir().ok(),
            ..Default::default()
        },
    );
    let catalog = leakscope_report::detector_catalog(&store)?;
    let mut summary = leakscope_report::Summary::default();
    // Findings stream from the database and are printed an object at a time: the
    // findings of the current object are all that is held.
    let mut object: Option<(String, Vec<ReportFinding>)> = None;
    let mut failed: Option<std::io::Error> = None;
    store.for_each_finding(&q, |r| {
        summary.scan_id.get_or_insert(r.scan_id);
        let root = r
            .path
            .strip_suffix(r.finding.member.as_str())
            .unwrap_or(&r.path)
            .to_string();
        let f = ReportFinding::from_row(r, &catalog);
        *summary
            .by_detector
            .entry(f.detector.to_string())
            .or_default() += 1;
        summary.findings += 1;
        match &mut object {
            Some((p, v)) if *p == root => v.push(f),
            _ => {
                if let Some((p, fs)) = object.replace((root, vec![f])) {
                    if let Err(e) = printer.object(&p, &fs) {
                        failed = Some(e);
                        return false;
                    }
                }
            }
        }
        true
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    if let Some((p, fs)) = object {
        printer.object(&p, &fs)?;
    }
    let detectors = summary.rank(&catalog);
    printer.finish(&summary, &detectors)?;
    Ok(0)
}
