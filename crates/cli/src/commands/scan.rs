//! `leakscope scan`: flags and configuration resolved into a scan plan, then run.

use super::{db_path, hash_key, open_output, store_options};
use crate::args::ScanArgs;
use crate::config::Config;
use crate::engine::build_engine;
use crate::{roots, scan, yara};
use anyhow::Result;
use leakscope_report::{Format, PrinterOptions};
use leakscope_sources::walk::WalkOptions;
use leakscope_sources::Limits;
use std::io::IsTerminal;
use std::path::PathBuf;

pub(crate) fn run(args: ScanArgs) -> Result<i32> {
    let config = Config::load(args.config.as_deref())?;
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    let fail_on = match args.fail_on.as_str() {
        "never" => None,
        other => Some(other.parse::<leakscope_core::Severity>()?),
    };
    let key = hash_key()?;
    let built = build_engine(&args.selection, &config, key.clone())?;
    // Rules are compiled before anything is read: a mistake in one stops the command.
    let yara_paths: Vec<PathBuf> = config
        .scan
        .yara
        .iter()
        .map(|p| {
            if p.as_os_str() == yara::BUILTIN {
                p.clone()
            } else {
                config.resolve(p)
            }
        })
        .chain(args.yara.iter().cloned())
        .collect();
    let yara = yara::compile(&yara_paths, key)?;
    let baseline = args
        .baseline
        .clone()
        .or_else(|| config.baseline.as_ref().map(|b| config.resolve(b)));
    let filter = scan::Filter::new(
        &config,
        baseline
            .as_deref()
            .filter(|p| p.exists() || args.baseline.is_some()),
    )?;
    let mut limits = Limits::default();
    if let Some(v) = config.limits.max_depth {
        limits.max_depth = v;
    }
    if let Some(v) = config.limits.max_object_bytes {
        limits.max_object_bytes = v;
    }
    if let Some(v) = config.limits.max_total_bytes {
        limits.max_total_bytes = v;
    }
    if let Some(v) = config.limits.max_ratio {
        limits.max_ratio = v;
    }
    if let Some(v) = config.limits.max_members {
        limits.max_members = v;
    }
    let walk = WalkOptions {
        respect_ignore_files: args.gitignore || config.scan.respect_gitignore,
        include: args
            .include
            .iter()
            .chain(&config.scan.include)
            .cloned()
            .collect(),
        exclude: args
            .exclude
            .iter()
            .chain(&config.scan.exclude)
            .cloned()
            .collect(),
        max_file_size: args.max_file_size.or(config.scan.max_file_size),
        follow_links: false,
        git_repositories: false,
    };
    walk.check().map_err(|e| anyhow::anyhow!("usage: {e}"))?;
    let store = store_options(&args.stores)?;
    let (out, is_tty) = open_output(args.output.as_deref())?;
    let printer = leakscope_report::printer(
        format,
        out,
        PrinterOptions {
            color: format == Format::Text && args.color.enabled(is_tty),
            quiet: args.quiet,
            // SARIF locations are relative to where the scan runs (the checkout in CI).
            base: std::env::current_dir().ok(),
            max_results: args.max_results,
        },
    );
    let detectors = scan::detectors_with_yara(&built.detectors, yara.as_ref().map(|y| &y.rules));
    let db_path = if args.no_db {
        None
    } else {
        Some(db_path(&args.db)?)
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let progress = !args.quiet && !args.no_progress && std::io::stderr().is_terminal();
    // First Ctrl-C: finish cleanly and record the scan as interrupted; a second one
    // ends the process at once.
    let _ = ctrlc::set_handler(|| {
        if scan::STOP.swap(true, std::sync::atomic::Ordering::Relaxed) {
            std::process::exit(130);
        }
        eprintln!("leakscope: stopping after the objects in progress (Ctrl-C again to quit now)");
    });
    let plan = scan::ScanPlan {
        engine: &built.engine,
        redaction: built.redaction(),
        ruleset: {
            let mut ruleset = built.ruleset.clone();
            if let Some(y) = &yara {
                ruleset.push_str(&format!("+yara:{}", y.fingerprint));
            }
            if let Some(f) = filter.fingerprint() {
                ruleset.push_str(&format!("+filter:{f}"));
            }
            ruleset
        },
        catalog: scan::catalog_of(&detectors),
        detectors,
        yara: yara.as_ref().map(|y| &y.rules),
        roots: args.paths.clone(),
        walk,
        git: roots::GitOptions {
            history: !args.no_git_history,
            refs: args.git_refs.clone(),
            since_commit: args.since_commit.clone(),
            staged: args.staged,
        },
        store,
        limits,
        threads,
        show_values: args.show_values,
        db_path,
        filter,
        progress,
        fail_on,
        write_baseline: args.write_baseline.clone(),
        print_unchanged: !(args.quiet && format == Format::Text) || args.write_baseline.is_some(),
        config_file: config.source.clone(),
    };
    let (code, summary) = scan::run_with_summary(plan, printer)?;
    if let Some(path) = &args.output {
        // The results went to a file: the terminal still learns how the scan went.
        eprintln!(
            "{}\n  results written to {}",
            leakscope_report::summary_text(&summary),
            path.display()
        );
    }
    Ok(code)
}
