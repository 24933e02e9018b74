//! The `leakscope` binary: argument parsing and glue between the library crates.
//!
//! Exit codes: 0 nothing found (at or above `--fail-on`), 1 findings, 2 an error stopped
//! part of the scan (a corrupt object, an unreadable file, a bad argument), 141 the output
//! was closed by its reader.

mod accuracy;
mod audit;
mod bench;
mod config;
mod corpus;
mod example;
mod filter;
mod names;
mod roots;
mod scan;
mod watchlist;
mod yara;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use config::Config;
use leakscope_core::DetectorInfo;
use leakscope_core::{Category, Confidence, HashKey};
use leakscope_detect::{Date, Engine, EngineConfig, RuleFile, CATALOG_VERSION};
use leakscope_report::{Format, PrinterOptions, ReportFinding};
use leakscope_sources::stores::StoreOptions;
use leakscope_sources::walk::WalkOptions;
use leakscope_sources::Limits;
use leakscope_store::{FindingQuery, Store};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "leakscope",
    version,
    about = "Find sensitive data and implants where they sit, and count the people at risk."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files, directories, archives and documents (`-` reads standard input).
    Scan(Box<ScanArgs>),
    /// List recorded scan runs.
    Scans(DbArgs),
    /// Query findings recorded in the database.
    Findings(FindingsArgs),
    /// How many people the findings expose: distinct identifiers and linked persons.
    Impact(ImpactArgs),
    /// Write a self-contained HTML report (or its content as JSON) for a scan.
    Report(ReportArgs),
    /// Serve the dashboard and JSON API over the findings database (127.0.0.1 by default).
    Serve(ServeArgs),
    /// Check whether named data stores answer without credentials (read-only probes).
    Audit(AuditArgs),
    /// List the detectors (built-in and from rule files).
    Detectors(DetectorsArgs),
    /// Check custom rule files: syntax, patterns, validators and their examples.
    Rules {
        #[command(subcommand)]
        what: RulesCommand,
    },
    /// Write a directory of synthetic leak-like data (for trying leakscope and benchmarks).
    Generate {
        /// Target directory (created).
        dir: PathBuf,
        /// Approximate size in MiB of generated text spread over many files and formats.
        #[arg(long, default_value_t = 1)]
        mib: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Measure throughput on generated data.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Compile rule files and run their examples.
    Check {
        /// Rule files or directories of `*.toml` files.
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Fill a findings database with synthetic findings (for report, impact and dashboard
    /// benchmarks).
    Store {
        /// Database to create or extend.
        #[arg(long)]
        db: PathBuf,
        /// How many findings.
        #[arg(long, default_value_t = 10_000_000)]
        findings: u64,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Print citizen-record-like rows (CSV with a header, or JSON lines) to standard
    /// output, for loading into a database or object store under test.
    Records {
        /// How many records.
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        /// `csv` or `jsonl`.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Read a data store the way `scan` does, without the engine: the baseline that shows
    /// how much of a store scan's time is the store and how much is detection.
    Read {
        /// An `s3://`, `mongodb://`, `postgres://`, `mysql://` or `redis://` URL.
        url: String,
        #[command(flatten)]
        stores: StoreArgs,
    },
    /// Accuracy: a labelled corpus in the shapes leaks take (chat, exports with and without
    /// headers, JSON Lines, SQL dump, SQLite, GBK, full-width digits, logs, a zip, decoy
    /// tables), scanned as a user would; precision, recall and F1 per detector. Exits 1
    /// when an accuracy target is missed.
    Accuracy {
        /// Write the corpus here and keep it (default: a temporary directory, removed).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Records per table (the chat and logs scale with it).
        #[arg(long, default_value_t = 400)]
        rows: usize,
        /// Print up to this many missed and false values per detector (the corpus is
        /// synthetic, so its values may be shown).
        #[arg(long, default_value_t = 0)]
        show_errors: usize,
        /// Score the scan of another leakscope binary (an older build) on the same corpus.
        #[arg(long)]
        binary: Option<PathBuf>,
    },
    /// The detection engine alone, on generated mixed text.
    Engine {
        /// Corpus size in MiB.
        #[arg(long, default_value_t = 256)]
        mib: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// How many 1 MiB chunks the (slow) raw multi-pattern pass runs over.
        #[arg(long, default_value_t = 8)]
        raw_chunks: usize,
        /// Use the sparse profile (identifiers here and there) instead of the dense one
        /// (a leak dump of records).
        #[arg(long)]
        sparse: bool,
        /// Only these detectors (to measure one rule's cost).
        #[arg(long, value_delimiter = ',')]
        detectors: Option<Vec<String>>,
    },
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Findings database (default: `findings.db` in the data directory; `LEAKSCOPE_HOME`
    /// overrides the data directory).
    #[arg(long, global = true)]
    db: Option<PathBuf>,
}

#[derive(Args)]
struct DetectorSelection {
    /// Only these detectors (comma separated ids).
    #[arg(long, value_delimiter = ',')]
    detectors: Option<Vec<String>>,
    /// Leave out these detectors.
    #[arg(long, value_delimiter = ',')]
    exclude_detectors: Vec<String>,
    /// Only these categories: pii, secret, implant, custom.
    #[arg(long, value_delimiter = ',')]
    categories: Option<Vec<String>>,
    /// Drop findings below this confidence: low, medium, high.
    #[arg(long)]
    min_confidence: Option<String>,
    /// Extra rule files or directories.
    #[arg(long = "rules")]
    rule_paths: Vec<PathBuf>,
    /// A watch-list: one term per line (any script, Latin case-insensitive, `#` comments);
    /// its file name becomes the detector id, category `custom`. Repeatable.
    #[arg(long = "watchlist", value_name = "FILE")]
    watchlists: Vec<PathBuf>,
}

#[derive(Args)]
struct ScanArgs {
    /// Files or directories to scan, `-` for standard input, or data stores:
    /// `s3://bucket/prefix`, `mongodb://`, `postgres://`, `mysql://`, `redis://` URLs.
    #[arg(required = true)]
    paths: Vec<String>,
    #[command(flatten)]
    selection: DetectorSelection,
    /// Output format: text, json, jsonl, sarif, csv.
    #[arg(long, default_value = "text")]
    format: String,
    /// Write results to this file instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Print raw values instead of masked ones (never stored in the database).
    #[arg(long)]
    show_values: bool,
    /// Only the summary and errors (text format).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Lowest severity that makes the exit code 1: critical, high, medium, low, or never.
    #[arg(long, default_value = "low")]
    fail_on: String,
    /// Most results in SARIF output (GitHub code scanning takes 25,000 per run); the most
    /// severe are kept.
    #[arg(long, value_name = "N")]
    max_results: Option<usize>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    #[command(flatten)]
    db: DbArgs,
    /// Do not record anything in the findings database (and no incremental skipping).
    #[arg(long)]
    no_db: bool,
    /// Honour .gitignore and .ignore files.
    #[arg(long)]
    gitignore: bool,
    /// Only scan paths matching these globs.
    #[arg(long)]
    include: Vec<String>,
    /// Skip paths matching these globs.
    #[arg(long)]
    exclude: Vec<String>,
    /// Skip files larger than this many bytes.
    #[arg(long)]
    max_file_size: Option<u64>,
    /// Scan git repositories as plain files: no history, no deleted or dangling objects.
    #[arg(long)]
    no_git_history: bool,
    /// Only the history reachable from this revision (a branch, tag or commit id);
    /// repeatable. Default: every commit and every object in the repository.
    #[arg(long = "git-ref", value_name = "REV")]
    git_refs: Vec<String>,
    /// Only blobs that are not already in this revision's history (for CI on a branch).
    #[arg(long, value_name = "REV")]
    since_commit: Option<String>,
    /// Only what is staged for the next commit (for a pre-commit hook).
    #[arg(long)]
    staged: bool,
    /// YARA rules run over every object's raw bytes: a file, a directory of `.yar` files,
    /// or `builtin` (generic web shells and implants). Repeatable.
    #[arg(long = "yara", value_name = "FILE|DIR|builtin")]
    yara: Vec<PathBuf>,
    /// Configuration file (default: ./leakscope.toml when present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Suppress findings listed in this baseline file.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Write this scan's findings (location, detector, masked value, fingerprint) to a
    /// baseline file that can be reviewed and passed to --baseline.
    #[arg(long, conflicts_with = "show_values")]
    write_baseline: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Colours in text output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    stores: StoreArgs,
}

/// When text output is coloured.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour output going to a terminal (`is_tty`) or elsewhere. `auto`
    /// follows the NO_COLOR convention: any non-empty value turns colours off.
    fn enabled(self, is_tty: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// How data stores named as scan roots are read.
#[derive(Args, Clone, Default)]
struct StoreArgs {
    /// Read at most N objects, documents or rows per prefix, collection or table (random
    /// where the store supports it) instead of everything.
    #[arg(long, value_name = "N")]
    sample: Option<u64>,
    /// S3-compatible endpoint for `s3://` roots (`http://host:port`, path-style).
    #[arg(long, env = "LEAKSCOPE_S3_ENDPOINT")]
    endpoint: Option<String>,
    /// No credentials from the environment: unsigned S3 requests even when AWS keys are
    /// set, no PGPASSWORD or pgpass file for PostgreSQL.
    #[arg(long)]
    anonymous: bool,
    /// Only these collections or tables (`db.collection`, `schema.table` or `db.table`
    /// globs; repeat or comma-separate).
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    tables: Vec<String>,
    /// Seconds to wait for a store to connect or answer.
    #[arg(long, default_value_t = 30)]
    store_timeout: u64,
}

fn store_options(args: &StoreArgs) -> Result<StoreOptions> {
    let only = if args.tables.is_empty() {
        None
    } else {
        let mut b = globset::GlobSetBuilder::new();
        for g in &args.tables {
            b.add(globset::Glob::new(g).with_context(|| format!("--tables glob `{g}`"))?);
        }
        Some(b.build()?)
    };
    Ok(StoreOptions {
        sample: args.sample,
        s3_endpoint: args.endpoint.clone(),
        anonymous: args.anonymous,
        timeout: std::time::Duration::from_secs(args.store_timeout.max(1)),
        only,
        ..StoreOptions::default()
    })
}

#[derive(Args)]
struct FindingsArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Colours in text output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Scan id (default: the latest).
    #[arg(long)]
    scan: Option<i64>,
    /// Only these detectors.
    #[arg(long, value_delimiter = ',')]
    detectors: Vec<String>,
    /// Only this category.
    #[arg(long)]
    category: Option<String>,
    /// At least this confidence.
    #[arg(long)]
    min_confidence: Option<String>,
    /// Only locations starting with this prefix.
    #[arg(long)]
    path_prefix: Option<String>,
    /// At most this many findings.
    #[arg(long)]
    limit: Option<u64>,
    /// Output format: text, json, jsonl, sarif, csv.
    #[arg(long, default_value = "text")]
    format: String,
}

#[derive(Args)]
struct ImpactArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Scans to count (default: the latest); repeat or comma-separate for several stores.
    #[arg(long, value_delimiter = ',')]
    scan: Vec<i64>,
    /// Count across the latest completed scan of every distinct target set.
    #[arg(long)]
    all: bool,
    /// Output format: text or json.
    #[arg(long, default_value = "text")]
    format: String,
    /// Distinct hashes and records counted exactly before switching to sketches.
    #[arg(long, default_value_t = leakscope_impact::DEFAULT_EXACT_LIMIT)]
    exact_limit: usize,
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Scan to report on (default: the latest).
    #[arg(long)]
    scan: Option<i64>,
    /// Output file (`-` for standard output).
    #[arg(long, short = 'o', default_value = "leakscope-report.html")]
    out: PathBuf,
    /// html or json.
    #[arg(long, default_value = "html")]
    format: String,
    /// Rows in the "where" table.
    #[arg(long, default_value_t = 1000)]
    top: usize,
    /// Masked examples per detector (shown ten to a page).
    #[arg(long, default_value_t = 50)]
    examples: usize,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on; any address other than loopback requires a token.
    #[arg(long, default_value = "127.0.0.1:8377")]
    bind: std::net::SocketAddr,
    /// Token every request must carry (`Authorization: Bearer …`); also read from
    /// LEAKSCOPE_TOKEN.
    #[arg(long, env = "LEAKSCOPE_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

#[derive(Args)]
struct AuditArgs {
    /// Targets to probe: `redis://host[:port][/db]`, `mongodb://host[:port][/db]`,
    /// `postgres://[user@]host[:port][/db]`, `mysql://[user@]host[:port]`,
    /// `s3://bucket[/prefix]`. Passwords in them are ignored: probes never use credentials.
    targets: Vec<String>,
    /// S3-compatible endpoint for `s3://` targets (`http://host:port`, path-style).
    #[arg(long, env = "LEAKSCOPE_S3_ENDPOINT")]
    endpoint: Option<String>,
    /// A file with one target per line (`#` starts a comment).
    #[arg(long)]
    targets_file: Option<PathBuf>,
    /// Output format: text or jsonl.
    #[arg(long, default_value = "text")]
    format: String,
    /// Seconds to wait for each connection and answer.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
    /// Least time between two probes, in milliseconds (be gentle with shared networks).
    #[arg(long, default_value_t = 200)]
    interval_ms: u64,
    /// For each exposed store, scan a sample of what anyone can read and report findings
    /// and distinct people (recorded as a scan in the findings database).
    #[arg(long)]
    classify: bool,
    /// Objects, documents or rows read per prefix, collection or table by `--classify`.
    #[arg(long, default_value_t = 100, value_name = "N")]
    sample: u64,
    /// Detectors used by `--classify` and to mask identifiers quoted in evidence.
    #[command(flatten)]
    selection: DetectorSelection,
    #[command(flatten)]
    db: DbArgs,
    /// Record nothing in the findings database.
    #[arg(long)]
    no_db: bool,
    /// Configuration file (default: ./leakscope.toml when present).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct DetectorsArgs {
    /// Extra rule files or directories.
    #[arg(long = "rules")]
    rule_paths: Vec<PathBuf>,
    /// A watch-list: one term per line (any script, Latin case-insensitive, `#` comments);
    /// its file name becomes the detector id, category `custom`. Repeatable.
    #[arg(long = "watchlist", value_name = "FILE")]
    watchlists: Vec<PathBuf>,
}

fn main() {
    // Third-party parsers run behind catch_unwind; their panics become notices, so the
    // default hook's message would only be noise in the middle of the output.
    std::panic::set_hook(Box::new(|info| {
        if std::env::var_os("LEAKSCOPE_DEBUG_PANICS").is_some() {
            eprintln!("panic: {info}");
        }
    }));
    let code = match run(Cli::parse()) {
        Ok(code) => code,
        // The reader of the output went away (`leakscope findings | head`): there is
        // nobody left to tell, so no message; the status is the one a process killed by
        // SIGPIPE has (128 + 13), never "nothing found", since the output was cut short.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            141
        }
        Err(e) => {
            eprintln!("leakscope: error: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Scan(args) => cmd_scan(*args),
        Command::Scans(db) => cmd_scans(&db),
        Command::Findings(args) => cmd_findings(args),
        Command::Detectors(args) => cmd_detectors(&args),
        Command::Impact(args) => cmd_impact(args),
        Command::Report(args) => cmd_report(args),
        Command::Serve(args) => cmd_serve(args),
        Command::Audit(args) => audit::run(args),
        Command::Rules {
            what: RulesCommand::Check { paths },
        } => cmd_rules_check(&paths),
        Command::Generate { dir, mib, seed } => {
            example::generate(&dir, mib, seed)?;
            println!("wrote synthetic data to {}", dir.display());
            Ok(0)
        }
        Command::Bench {
            what: BenchWhat::Store { db, findings, seed },
        } => {
            bench::store(&db, findings, seed)?;
            Ok(0)
        }
        Command::Bench {
            what:
                BenchWhat::Records {
                    count,
                    format,
                    seed,
                },
        } => {
            bench::records(count, &format, seed)?;
            Ok(0)
        }
        Command::Bench {
            what:
                BenchWhat::Accuracy {
                    dir,
                    seed,
                    rows,
                    show_errors,
                    binary,
                },
        } => accuracy::run(
            dir.as_deref(),
            seed,
            rows.max(2),
            dir.is_some(),
            show_errors,
            binary.as_deref(),
        ),
        Command::Bench {
            what: BenchWhat::Read { url, stores },
        } => bench::read(&url, &store_options(&stores)?),
        Command::Bench {
            what:
                BenchWhat::Engine {
                    mib,
                    seed,
                    raw_chunks,
                    sparse,
                    detectors,
                },
        } => {
            let mut config = EngineConfig::new(HashKey::insecure_test_key(), today());
            config.only_detectors = detectors;
            let engine = Engine::builtin(&config)?;
            bench::engine(&engine, mib, seed, raw_chunks, sparse)?;
            Ok(0)
        }
    }
}

/// The data directory: `LEAKSCOPE_HOME`, or the platform's per-user data directory.
fn data_dir() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("LEAKSCOPE_HOME") {
        return Ok(PathBuf::from(home));
    }
    directories::ProjectDirs::from("", "", "leakscope")
        .map(|d| d.data_dir().to_path_buf())
        .context("no home directory found; set LEAKSCOPE_HOME")
}

fn db_path(db: &DbArgs) -> Result<PathBuf> {
    match &db.db {
        Some(p) => Ok(p.clone()),
        None => Ok(data_dir()?.join("findings.db")),
    }
}

fn hash_key() -> Result<HashKey> {
    Ok(leakscope_store::key::load_or_create(
        &data_dir()?.join("hash.key"),
    )?)
}

fn today() -> Date {
    let (y, m, d) = leakscope_store::today_utc();
    Date::new(y as u32, m, d).unwrap_or(Date {
        year: 2100,
        month: 1,
        day: 1,
    })
}

/// Reads rule files from files and directories (`*.toml`, sorted).
fn load_rule_files(paths: &[PathBuf]) -> Result<Vec<RuleFile>> {
    let mut out = Vec::new();
    for p in paths {
        let mut files = Vec::new();
        if p.is_dir() {
            for e in std::fs::read_dir(p)
                .with_context(|| format!("reading rule directory {}", p.display()))?
            {
                let e = e?;
                if e.path().extension().is_some_and(|x| x == "toml") {
                    files.push(e.path());
                }
            }
            files.sort();
        } else {
            files.push(p.clone());
        }
        for f in files {
            let text = std::fs::read_to_string(&f)
                .with_context(|| format!("reading rule file {}", f.display()))?;
            out.push(RuleFile::parse(&f.display().to_string(), &text)?);
        }
    }
    Ok(out)
}

fn parse_categories(names: &[String]) -> Result<Vec<Category>> {
    names
        .iter()
        .map(|c| c.parse::<Category>().map_err(Into::into))
        .collect()
}

/// The engine a scan runs, with what goes with it.
struct BuiltEngine {
    engine: Engine,
    /// Every detector at every confidence, when the scan's own engine is narrower: names
    /// (paths, fields, notices) are masked with it whatever the scan looks for.
    full: Option<Engine>,
    /// The detectors the engine runs, described.
    detectors: Vec<DetectorInfo>,
    /// An id that changes whenever the results could.
    ruleset: String,
}

impl BuiltEngine {
    /// The engine that masks names.
    fn redaction(&self) -> &Engine {
        self.full.as_ref().unwrap_or(&self.engine)
    }
}

/// Builds the engine from built-in rules, configured rule files and flags.
fn build_engine(sel: &DetectorSelection, config: &Config, key: HashKey) -> Result<BuiltEngine> {
    let mut files = RuleFile::builtin()?;
    let mut extra: Vec<PathBuf> = config
        .scan
        .rules
        .iter()
        .map(|p| config.resolve(p))
        .collect();
    extra.extend(sel.rule_paths.iter().cloned());
    files.extend(load_rule_files(&extra)?);
    let lists: Vec<PathBuf> = config
        .scan
        .watchlists
        .iter()
        .map(|p| config.resolve(p))
        .chain(sel.watchlists.iter().cloned())
        .collect();
    for list in &lists {
        let taken: Vec<&str> = files
            .iter()
            .flat_map(|f| f.rules.iter().map(|r| r.id.get_ref().as_str()))
            .collect();
        let file = watchlist::load(list, &taken)?;
        files.push(file);
    }
    let mut ec = EngineConfig::new(key, today());
    ec.only_detectors = sel
        .detectors
        .clone()
        .or_else(|| config.scan.detectors.clone());
    ec.exclude_detectors = sel
        .exclude_detectors
        .iter()
        .chain(&config.scan.exclude_detectors)
        .cloned()
        .collect();
    if let Some(c) = sel.categories.as_ref().or(config.scan.categories.as_ref()) {
        ec.categories = Some(parse_categories(c)?);
    }
    if let Some(c) = sel
        .min_confidence
        .as_ref()
        .or(config.scan.min_confidence.as_ref())
    {
        ec.min_confidence = c.parse::<Confidence>()?;
    }
    // Every detector id named by a flag or the configuration must exist: an excluded typo
    // (`ipv44`) would otherwise leave the detector on without a word.
    let known: Vec<&str> = files
        .iter()
        .flat_map(|f| f.rules.iter().map(|r| r.id.get_ref().as_str()))
        .collect();
    for d in ec
        .only_detectors
        .iter()
        .flatten()
        .chain(&ec.exclude_detectors)
    {
        if !known.contains(&d.as_str()) {
            bail!("unknown detector `{d}` (see `leakscope detectors`)");
        }
    }
    let engine = Engine::new(&files, &ec)?;
    let narrowed = ec.only_detectors.is_some()
        || !ec.exclude_detectors.is_empty()
        || ec.categories.is_some()
        || ec.min_confidence != Confidence::Low;
    let full = if narrowed {
        Some(Engine::new(
            &files,
            &EngineConfig::new(ec.hash_key.clone(), ec.today),
        )?)
    } else {
        None
    };
    let enabled: std::collections::HashSet<String> =
        engine.rules().into_iter().map(|r| r.id).collect();
    let detectors: Vec<DetectorInfo> = leakscope_detect::catalog::catalog(&files)?
        .into_iter()
        .filter(|d| enabled.contains(&d.id))
        .collect();
    let mut hasher = blake3::Hasher::new();
    hasher.update(CATALOG_VERSION.as_bytes());
    for f in &files {
        if !f.origin.starts_with("builtin:") {
            hasher.update(f.source.as_bytes());
        }
    }
    let selection = format!(
        "{:?}|{:?}|{:?}|{:?}",
        ec.only_detectors, ec.exclude_detectors, ec.categories, ec.min_confidence
    );
    hasher.update(selection.as_bytes());
    let ruleset = format!("{CATALOG_VERSION}:{}", &hasher.finalize().to_hex()[..16]);
    Ok(BuiltEngine {
        engine,
        full,
        detectors,
        ruleset,
    })
}

fn open_output(path: Option<&Path>) -> Result<(Box<dyn Write + Send>, bool)> {
    match path {
        Some(p) => {
            let f =
                std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?;
            Ok((Box::new(std::io::BufWriter::new(f)), false))
        }
        None => Ok((
            Box::new(std::io::BufWriter::new(std::io::stdout())),
            std::io::stdout().is_terminal(),
        )),
    }
}

fn cmd_scan(args: ScanArgs) -> Result<i32> {
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
        ruleset: match &yara {
            Some(y) => format!("{}+yara:{}", built.ruleset, y.fingerprint),
            None => built.ruleset.clone(),
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

fn cmd_scans(db: &DbArgs) -> Result<i32> {
    let store = Store::open_existing(&db_path(db)?)?;
    let scans = store.scans()?;
    if scans.is_empty() {
        println!("no scans recorded");
        return Ok(0);
    }
    println!(
        "{:>5}  {:<20}  {:<11}  {:>8}  {:>9}  {:>9}  {:>6}  targets",
        "id", "started", "status", "objects", "unchanged", "findings", "errors"
    );
    for s in scans {
        println!(
            "{:>5}  {:<20}  {:<11}  {:>8}  {:>9}  {:>9}  {:>6}  {}",
            s.id,
            s.started_at,
            s.status,
            s.objects_scanned,
            s.objects_skipped,
            s.findings,
            s.errors,
            s.targets
        );
    }
    Ok(0)
}

/// `id` when the store records such a scan; otherwise a usage error naming the command
/// that lists them (an unknown id used to give empty results or a database message).
fn known_scan(store: &Store, id: i64) -> Result<i64> {
    if store.has_scan(id)? {
        Ok(id)
    } else {
        bail!("no scan {id} is recorded (`leakscope scans` lists them)")
    }
}

/// Checks detector ids given to a query: built-in ids, and ids of user rules that have
/// findings in the store. A typo is a usage error rather than an empty answer.
fn known_detectors(store: &Store, ids: &[String]) -> Result<()> {
    let builtin = RuleFile::builtin()?;
    for id in ids {
        let in_catalog = builtin
            .iter()
            .any(|f| f.rules.iter().any(|r| r.id.get_ref() == id));
        if !in_catalog && !store.has_detector(id)? {
            bail!("unknown detector `{id}` (see `leakscope detectors`)");
        }
    }
    Ok(())
}

fn cmd_findings(args: FindingsArgs) -> Result<i32> {
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
        *summary.by_detector.entry(f.detector.clone()).or_default() += 1;
        *summary.by_severity.entry(f.severity).or_default() += 1;
        match f.category {
            Category::Secret => summary.secrets += 1,
            Category::Implant => summary.implants += 1,
            _ => {}
        }
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
    let detectors: Vec<DetectorInfo> = summary
        .by_detector
        .keys()
        .map(|id| catalog.get(id, Category::Custom))
        .collect();
    for d in &detectors {
        summary
            .detectors
            .insert(d.id.clone(), (d.label().to_string(), d.severity));
    }
    printer.finish(&summary, &detectors)?;
    Ok(0)
}

fn cmd_detectors(args: &DetectorsArgs) -> Result<i32> {
    let mut files = RuleFile::builtin()?;
    files.extend(load_rule_files(&args.rule_paths)?);
    let mut seen = Vec::new();
    for f in &files {
        for r in &f.rules {
            let id = r.id.get_ref();
            if seen.contains(id) {
                continue;
            }
            seen.push(id.clone());
            let cat = f.category_of(r).map(|c| c.as_str()).unwrap_or("?");
            println!("{id:<28} {cat:<7} {}", r.description);
        }
    }
    Ok(0)
}

fn cmd_rules_check(paths: &[PathBuf]) -> Result<i32> {
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

fn cmd_impact(args: ImpactArgs) -> Result<i32> {
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
fn compute_impact(
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

fn cmd_report(args: ReportArgs) -> Result<i32> {
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

fn cmd_serve(args: ServeArgs) -> Result<i32> {
    let config = leakscope_server::ServeConfig {
        db: db_path(&args.db)?,
        bind: args.bind,
        token: args.token,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(leakscope_server::serve(config))?;
    Ok(0)
}
