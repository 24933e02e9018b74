//! The `leakscope` binary: argument parsing and glue between the library crates. Each
//! command is a module of `commands/`; `args` says what they accept.
//!
//! Exit codes: 0 nothing found (at or above `--fail-on`), 1 findings, 2 an error stopped
//! part of the scan (a corrupt object, an unreadable file, a bad argument), 141 the output
//! was closed by its reader.

mod accuracy;
mod args;
mod bench;
mod commands;
mod config;
mod engine;
mod filter;
mod names;
mod roots;
mod scan;
mod watchlist;
mod yara;

use anyhow::Result;
use args::{Cli, Command, RulesCommand};
use clap::Parser;

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

/// Runs the command and returns its exit code.
fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Scan(args) => commands::scan::run(*args),
        Command::Scans(db) => commands::scans::run(&db),
        Command::Findings(args) => commands::findings::run(args),
        Command::Detectors(args) => commands::detectors::run(&args),
        Command::Impact(args) => commands::impact::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Audit(args) => commands::audit::run(args),
        Command::Rules {
            what: RulesCommand::Check { paths },
        } => commands::rules::run(&paths),
        Command::Generate { dir, mib, seed } => commands::generate::run(&dir, mib, seed),
        Command::Bench { what } => commands::bench::run(what),
    }
}
