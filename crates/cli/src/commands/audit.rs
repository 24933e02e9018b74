//! `leakscope audit`: probe the stores the user names for access without credentials,
//! record each verdict, and with `--classify` sample what an exposed store holds.
//!
//! Probing itself lives in `leakscope-exposure` (the only crate that probes targets). This
//! module parses every target before any traffic is sent, paces the probes, masks
//! identifiers that servers quote in their evidence (an S3 key or a database name can be a
//! phone number), records verdicts in the findings database, and for an exposed store
//! runs an ordinary sampled scan through the same credential-free access the probe used,
//! then counts findings and distinct people in it.

use super::{db_path, hash_key};
use crate::args::AuditArgs;
use crate::engine::{build_engine, BuiltEngine};
use crate::filter::Filter;
use crate::scan::{self, ScanPlan};
use anyhow::{bail, Context, Result};
use leakscope_core::DetectorInfo;
use leakscope_exposure::{Exposure, ProbeConfig, Target};
use leakscope_report::audit::{write_verdict, Classification, Verdict};
use leakscope_report::{Printer, ReportFinding, ReportNotice, Summary};
use leakscope_sources::stores::StoreOptions;
use leakscope_sources::walk::WalkOptions;
use leakscope_sources::Limits;
use leakscope_store::Store;
use std::path::PathBuf;
use std::time::Duration;

/// Shared state of one audit run.
struct Auditor {
    built: BuiltEngine,
    db: Option<PathBuf>,
    store: Option<Store>,
    sample: u64,
    timeout: Duration,
    endpoint: Option<String>,
}

pub(crate) fn run(args: AuditArgs) -> Result<i32> {
    let mut names = args.targets.clone();
    if let Some(file) = &args.targets_file {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        names.extend(
            text.lines()
                .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
                .filter(|l| !l.is_empty()),
        );
    }
    if names.is_empty() {
        bail!("name at least one target (or --targets-file)");
    }
    if !matches!(args.format.as_str(), "text" | "jsonl") {
        bail!("unknown format `{}` (text, jsonl)", args.format);
    }
    if args.classify && args.no_db {
        bail!("--classify records its sample scan in the findings database; drop --no-db");
    }
    // Every target is checked before any is probed: a typo fails before traffic is sent.
    let targets: Vec<Target> = names
        .iter()
        .map(|n| Target::parse(n))
        .collect::<Result<_, _>>()?;
    let config = crate::config::Config::load(args.config.as_deref())?;
    let built = build_engine(&args.selection, &config, hash_key()?)?;
    let db = if args.no_db {
        None
    } else {
        Some(db_path(&args.db)?)
    };
    let store = match &db {
        Some(p) => Some(Store::open(p)?),
        None => None,
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let probe_config = ProbeConfig {
        timeout,
        s3_endpoint: args.endpoint.clone(),
    };
    let auditor = Auditor {
        built,
        db,
        store,
        sample: args.sample.max(1),
        timeout,
        endpoint: args.endpoint.clone(),
    };
    let mut exposed_any = false;
    let mut unknown_any = false;
    for (i, t) in targets.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(args.interval_ms));
        }
        let mut verdict = leakscope_exposure::probe(t, &probe_config);
        verdict.evidence = auditor.mask(&verdict.evidence);
        exposed_any |= verdict.exposed == Some(true);
        unknown_any |= verdict.exposed.is_none();
        let row = match &auditor.store {
            Some(s) => Some(s.add_exposure(
                &verdict.target,
                verdict.service.as_str(),
                verdict.exposed,
                &verdict.evidence,
            )?),
            None => None,
        };
        let classification = match (&verdict.access, args.classify) {
            (Some(access), true) => Some(auditor.classify(access, row)?),
            _ => None,
        };
        print(args.format == "jsonl", &verdict, classification.as_ref())?;
    }
    Ok(if unknown_any {
        2
    } else if exposed_any {
        1
    } else {
        0
    })
}

impl Auditor {
    /// Evidence with every identifier the engine recognises replaced by its masked form.
    fn mask(&self, text: &str) -> String {
        crate::names::Names::new(self.built.redaction()).text(text)
    }

    /// Scans a sample of an exposed store through the credential-free `access` URL and
    /// counts what it holds.
    fn classify(&self, access: &str, exposure_row: Option<i64>) -> Result<Classification> {
        let db = self
            .db
            .clone()
            .context("classification needs the findings database")?;
        let plan = ScanPlan {
            engine: &self.built.engine,
            redaction: self.built.redaction(),
            ruleset: self.built.ruleset.clone(),
            detectors: self.built.detectors.clone(),
            catalog: scan::catalog_of(&self.built.detectors),
            yara: None,
            roots: vec![access.to_string()],
            walk: WalkOptions::default(),
            git: crate::roots::GitOptions::default(),
            store: StoreOptions {
                sample: Some(self.sample),
                s3_endpoint: self.endpoint.clone(),
                // The question is what anyone can read: never the operator's own keys.
                anonymous: true,
                timeout: self.timeout,
                ..StoreOptions::default()
            },
            limits: Limits::default(),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            show_values: false,
            db_path: Some(db),
            filter: Filter::default(),
            progress: false,
            fail_on: None,
            write_baseline: None,
            print_unchanged: false,
            config_file: None,
        };
        let (_, summary) = scan::run_with_summary(plan, Box::new(NoticesToStderr))?;
        let store = self.store.as_ref().context("findings database")?;
        let impact = match summary.scan_id {
            Some(id) => {
                let linking = scan::catalog_of(&self.built.detectors).linking();
                Some(store.impact(&[id], leakscope_impact::ImpactConfig::new(linking))?)
            }
            None => None,
        };
        let classification = Classification {
            scan_id: summary.scan_id,
            sample: self.sample,
            objects: summary.objects_scanned + summary.objects_unchanged,
            findings: summary.findings,
            records_exposed: impact.as_ref().map_or(0, |i| i.records_exposed),
            distinct_people: impact.as_ref().map_or(0, |i| i.distinct_people),
            distinct_identifiers: impact
                .as_ref()
                .map(|i| i.distinct_by_identifier().into_iter().collect())
                .unwrap_or_default(),
            by_detector: summary.by_detector.clone(),
            errors: summary.errors,
        };
        if let (Some(row), Some(scan)) = (exposure_row, summary.scan_id) {
            store.set_exposure_classification(
                row,
                scan,
                &serde_json::to_string(&classification)?,
            )?;
        }
        Ok(classification)
    }
}

/// Writes one target's record through the report crate's audit format.
fn print(jsonl: bool, verdict: &Exposure, classification: Option<&Classification>) -> Result<()> {
    let v = Verdict {
        kind: "exposure",
        target: verdict.target.clone(),
        service: verdict.service.as_str().to_string(),
        exposed: verdict.exposed,
        evidence: verdict.evidence.clone(),
    };
    let mut out = std::io::stdout().lock();
    write_verdict(&mut out, jsonl, &v, classification)?;
    Ok(())
}

/// The classification scan prints nothing but its errors (on standard error), so the
/// audit's own output stays one record per target.
struct NoticesToStderr;

impl Printer for NoticesToStderr {
    fn object(&mut self, _path: &str, _findings: &[ReportFinding]) -> std::io::Result<()> {
        Ok(())
    }

    fn notice(&mut self, notice: &ReportNotice) -> std::io::Result<()> {
        if notice.kind == "error" {
            eprintln!("classify: {}: {}", notice.path, notice.message);
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary, _detectors: &[DetectorInfo]) -> std::io::Result<()> {
        Ok(())
    }
}
