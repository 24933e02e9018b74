//! The command line: every command's arguments, parsed by clap. Commands live in
//! `commands/`, one module each; this module only says what they accept.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "leakscope",
    version,
    about = "Find sensitive data and implants where they sit, and count the people at risk."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
pub(crate) enum RulesCommand {
    /// Compile rule files and run their examples.
    Check {
        /// Rule files or directories of `*.toml` files.
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
pub(crate) enum BenchWhat {
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
pub(crate) struct DbArgs {
    /// Findings database (default: `findings.db` in the data directory; `LEAKSCOPE_HOME`
    /// overrides the data directory).
    #[arg(long, global = true)]
    pub(crate) db: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct DetectorSelection {
    /// Only these detectors (comma separated ids).
    #[arg(long, value_delimiter = ',')]
    pub(crate) detectors: Option<Vec<String>>,
    /// Leave out these detectors.
    #[arg(long, value_delimiter = ',')]
    pub(crate) exclude_detectors: Vec<String>,
    /// Only these categories: pii, secret, implant, custom.
    #[arg(long, value_delimiter = ',')]
    pub(crate) categories: Option<Vec<String>>,
    /// Drop findings below this confidence: low, medium, high.
    #[arg(long)]
    pub(crate) min_confidence: Option<String>,
    /// Extra rule files or directories.
    #[arg(long = "rules")]
    pub(crate) rule_paths: Vec<PathBuf>,
    /// A watch-list: one term per line (any script, Latin case-insensitive, `#` comments);
    /// its file name becomes the detector id, category `custom`. Repeatable.
    #[arg(long = "watchlist", value_name = "FILE")]
    pub(crate) watchlists: Vec<PathBuf>,
}

#[derive(Args)]
pub(crate) struct ScanArgs {
    /// Files or directories to scan, `-` for standard input, or data stores:
    /// `s3://bucket/prefix`, `mongodb://`, `postgres://`, `mysql://`, `redis://` URLs.
    #[arg(required = true)]
    pub(crate) paths: Vec<String>,
    #[command(flatten)]
    pub(crate) selection: DetectorSelection,
    /// Output format: text, json, jsonl, sarif, csv.
    #[arg(long, default_value = "text")]
    pub(crate) format: String,
    /// Write results to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub(crate) output: Option<PathBuf>,
    /// Print raw values instead of masked ones (never stored in the database).
    #[arg(long)]
    pub(crate) show_values: bool,
    /// Only the summary and errors (text format).
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
    /// Lowest severity that makes the exit code 1: critical, high, medium, low, or never.
    #[arg(long, default_value = "low")]
    pub(crate) fail_on: String,
    /// Most results in SARIF output (GitHub code scanning takes 25,000 per run); the most
    /// severe are kept.
    #[arg(long, value_name = "N")]
    pub(crate) max_results: Option<usize>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub(crate) threads: Option<usize>,
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Do not record anything in the findings database (and no incremental skipping).
    #[arg(long)]
    pub(crate) no_db: bool,
    /// Honour .gitignore and .ignore files.
    #[arg(long)]
    pub(crate) gitignore: bool,
    /// Only scan paths matching these globs.
    #[arg(long)]
    pub(crate) include: Vec<String>,
    /// Skip paths matching these globs.
    #[arg(long)]
    pub(crate) exclude: Vec<String>,
    /// Skip files larger than this many bytes.
    #[arg(long)]
    pub(crate) max_file_size: Option<u64>,
    /// Scan git repositories as plain files: no history, no deleted or dangling objects.
    #[arg(long)]
    pub(crate) no_git_history: bool,
    /// Only the history reachable from this revision (a branch, tag or commit id);
    /// repeatable. Default: every commit and every object in the repository.
    #[arg(long = "git-ref", value_name = "REV")]
    pub(crate) git_refs: Vec<String>,
    /// Only blobs that are not already in this revision's history (for CI on a branch).
    #[arg(long, value_name = "REV")]
    pub(crate) since_commit: Option<String>,
    /// Only what is staged for the next commit (for a pre-commit hook).
    #[arg(long)]
    pub(crate) staged: bool,
    /// YARA rules run over every object's raw bytes: a file, a directory of `.yar` files,
    /// or `builtin` (generic web shells and implants). Repeatable.
    #[arg(long = "yara", value_name = "FILE|DIR|builtin")]
    pub(crate) yara: Vec<PathBuf>,
    /// Configuration file (default: ./leakscope.toml when present).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Suppress findings listed in this baseline file.
    #[arg(long)]
    pub(crate) baseline: Option<PathBuf>,
    /// Write this scan's findings (location, detector, masked value, fingerprint) to a
    /// baseline file that can be reviewed and passed to --baseline.
    #[arg(long, conflicts_with = "show_values")]
    pub(crate) write_baseline: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub(crate) no_progress: bool,
    /// Colours in text output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    #[command(flatten)]
    pub(crate) stores: StoreArgs,
}

/// When text output is coloured.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour output going to a terminal (`is_tty`) or elsewhere. `auto`
    /// follows the NO_COLOR convention: any non-empty value turns colours off.
    pub(crate) fn enabled(self, is_tty: bool) -> bool {
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
pub(crate) struct StoreArgs {
    /// Read at most N objects, documents or rows per prefix, collection or table (random
    /// where the store supports it) instead of everything.
    #[arg(long, value_name = "N")]
    pub(crate) sample: Option<u64>,
    /// S3-compatible endpoint for `s3://` roots (`http://host:port`, path-style).
    #[arg(long, env = "LEAKSCOPE_S3_ENDPOINT")]
    pub(crate) endpoint: Option<String>,
    /// No credentials from the environment: unsigned S3 requests even when AWS keys are
    /// set, no PGPASSWORD or pgpass file for PostgreSQL.
    #[arg(long)]
    pub(crate) anonymous: bool,
    /// Only these collections or tables (`db.collection`, `schema.table` or `db.table`
    /// globs; repeat or comma-separate).
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    pub(crate) tables: Vec<String>,
    /// Seconds to wait for a store to connect or answer.
    #[arg(long, default_value_t = 30)]
    pub(crate) store_timeout: u64,
}

#[derive(Args)]
pub(crate) struct FindingsArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Colours in text output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// Scan id (default: the latest).
    #[arg(long)]
    pub(crate) scan: Option<i64>,
    /// Only these detectors.
    #[arg(long, value_delimiter = ',')]
    pub(crate) detectors: Vec<String>,
    /// Only this category.
    #[arg(long)]
    pub(crate) category: Option<String>,
    /// At least this confidence.
    #[arg(long)]
    pub(crate) min_confidence: Option<String>,
    /// Only locations starting with this prefix.
    #[arg(long)]
    pub(crate) path_prefix: Option<String>,
    /// At most this many findings.
    #[arg(long)]
    pub(crate) limit: Option<u64>,
    /// Output format: text, json, jsonl, sarif, csv.
    #[arg(long, default_value = "text")]
    pub(crate) format: String,
}

#[derive(Args)]
pub(crate) struct ImpactArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Scans to count (default: the latest); repeat or comma-separate for several stores.
    #[arg(long, value_delimiter = ',')]
    pub(crate) scan: Vec<i64>,
    /// Count across the latest completed scan of every distinct target set.
    #[arg(long)]
    pub(crate) all: bool,
    /// Output format: text or json.
    #[arg(long, default_value = "text")]
    pub(crate) format: String,
    /// Distinct hashes and records counted exactly before switching to sketches.
    #[arg(long, default_value_t = leakscope_impact::DEFAULT_EXACT_LIMIT)]
    pub(crate) exact_limit: usize,
}

#[derive(Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Scan to report on (default: the latest).
    #[arg(long)]
    pub(crate) scan: Option<i64>,
    /// Output file (`-` for standard output).
    #[arg(long, short = 'o', default_value = "leakscope-report.html")]
    pub(crate) out: PathBuf,
    /// html or json.
    #[arg(long, default_value = "html")]
    pub(crate) format: String,
    /// Rows in the "where" table.
    #[arg(long, default_value_t = 1000)]
    pub(crate) top: usize,
    /// Masked examples per detector (shown ten to a page).
    #[arg(long, default_value_t = 50)]
    pub(crate) examples: usize,
}

#[derive(Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Address to listen on; any address other than loopback requires a token.
    #[arg(long, default_value = "127.0.0.1:8377")]
    pub(crate) bind: std::net::SocketAddr,
    /// Token every request must carry (`Authorization: Bearer …`); also read from
    /// LEAKSCOPE_TOKEN.
    #[arg(long, env = "LEAKSCOPE_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
}

#[derive(Args)]
pub(crate) struct AuditArgs {
    /// Targets to probe: `redis://host[:port][/db]`, `mongodb://host[:port][/db]`,
    /// `postgres://[user@]host[:port][/db]`, `mysql://[user@]host[:port]`,
    /// `s3://bucket[/prefix]`. Passwords in them are ignored: probes never use credentials.
    pub(crate) targets: Vec<String>,
    /// S3-compatible endpoint for `s3://` targets (`http://host:port`, path-style).
    #[arg(long, env = "LEAKSCOPE_S3_ENDPOINT")]
    pub(crate) endpoint: Option<String>,
    /// A file with one target per line (`#` starts a comment).
    #[arg(long)]
    pub(crate) targets_file: Option<PathBuf>,
    /// Output format: text or jsonl.
    #[arg(long, default_value = "text")]
    pub(crate) format: String,
    /// Seconds to wait for each connection and answer.
    #[arg(long, default_value_t = 5)]
    pub(crate) timeout: u64,
    /// Least time between two probes, in milliseconds (be gentle with shared networks).
    #[arg(long, default_value_t = 200)]
    pub(crate) interval_ms: u64,
    /// For each exposed store, scan a sample of what anyone can read and report findings
    /// and distinct people (recorded as a scan in the findings database).
    #[arg(long)]
    pub(crate) classify: bool,
    /// Objects, documents or rows read per prefix, collection or table by `--classify`.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub(crate) sample: u64,
    /// Detectors used by `--classify` and to mask identifiers quoted in evidence.
    #[command(flatten)]
    pub(crate) selection: DetectorSelection,
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Record nothing in the findings database.
    #[arg(long)]
    pub(crate) no_db: bool,
    /// Configuration file (default: ./leakscope.toml when present).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct DetectorsArgs {
    /// Extra rule files or directories.
    #[arg(long = "rules")]
    pub(crate) rule_paths: Vec<PathBuf>,
    /// A watch-list: one term per line (any script, Latin case-insensitive, `#` comments);
    /// its file name becomes the detector id, category `custom`. Repeatable.
    #[arg(long = "watchlist", value_name = "FILE")]
    pub(crate) watchlists: Vec<PathBuf>,
}
