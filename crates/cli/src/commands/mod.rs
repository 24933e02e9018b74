//! One module per command, each a `run` function taking its parsed arguments and returning
//! the exit code; and what several commands share: where the database and key live, the
//! output, and checks of ids a user typed.

pub(crate) mod audit;
pub(crate) mod bench;
pub(crate) mod detectors;
pub(crate) mod findings;
pub(crate) mod generate;
pub(crate) mod impact;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod scan;
pub(crate) mod scans;
pub(crate) mod serve;

use crate::args::{DbArgs, StoreArgs};
use anyhow::{bail, Context, Result};
use leakscope_core::HashKey;
use leakscope_detect::{Date, RuleFile};
use leakscope_sources::stores::StoreOptions;
use leakscope_store::Store;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The data directory: `LEAKSCOPE_HOME`, or the platform's per-user data directory.
pub(crate) fn data_dir() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("LEAKSCOPE_HOME") {
        return Ok(PathBuf::from(home));
    }
    directories::ProjectDirs::from("", "", "leakscope")
        .map(|d| d.data_dir().to_path_buf())
        .context("no home directory found; set LEAKSCOPE_HOME")
}

/// The findings database: `--db`, or `findings.db` in the data directory.
pub(crate) fn db_path(db: &DbArgs) -> Result<PathBuf> {
    match &db.db {
        Some(p) => Ok(p.clone()),
        None => Ok(data_dir()?.join("findings.db")),
    }
}

/// The installation's hash key, created on first use (owner-only file).
pub(crate) fn hash_key() -> Result<HashKey> {
    Ok(leakscope_store::key::load_or_create(
        &data_dir()?.join("hash.key"),
    )?)
}

/// Today's date (UTC), for the validators that refuse dates in the future.
pub(crate) fn today() -> Date {
    let (y, m, d) = leakscope_store::today_utc();
    Date::new(y as u32, m, d).unwrap_or(Date {
        year: 2100,
        month: 1,
        day: 1,
    })
}

/// Where results go: the file given, or standard output; and whether that is a terminal
/// (for `--color auto`).
pub(crate) fn open_output(path: Option<&Path>) -> Result<(Box<dyn Write + Send>, bool)> {
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

/// `id` when the store records such a scan; otherwise a usage error naming the command
/// that lists them (an unknown id used to give empty results or a database message).
pub(crate) fn known_scan(store: &Store, id: i64) -> Result<i64> {
    if store.has_scan(id)? {
        Ok(id)
    } else {
        bail!("no scan {id} is recorded (`leakscope scans` lists them)")
    }
}

/// Checks detector ids given to a query: built-in ids, and ids of user rules that have
/// findings in the store. A typo is a usage error rather than an empty answer.
pub(crate) fn known_detectors(store: &Store, ids: &[String]) -> Result<()> {
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

pub(crate) fn store_options(args: &StoreArgs) -> Result<StoreOptions> {
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
