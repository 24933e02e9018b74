//! The `leakscope` binary: argument parsing and glue between the library crates.

mod bench;
mod corpus;

use anyhow::Result;
use clap::{Parser, Subcommand};
use leakscope_core::HashKey;
use leakscope_detect::{Date, Engine, EngineConfig};

#[derive(Parser)]
#[command(
    name = "leakscope",
    version,
    about = "Find sensitive data and implants where they sit."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure throughput on generated data.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
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
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Bench {
            what:
                BenchWhat::Engine {
                    mib,
                    seed,
                    raw_chunks,
                },
        } => {
            let config =
                EngineConfig::new(HashKey::insecure_test_key(), Date::new(2026, 1, 1).unwrap());
            let engine = Engine::builtin(&config)?;
            bench::engine(&engine, mib, seed, raw_chunks)
        }
    }
}
