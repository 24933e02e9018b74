//! `leakscope bench`: throughput and accuracy measurements on generated data (see
//! `docs/benchmarks.md` for the figures and how to reproduce them).

use super::{store_options, today};
use crate::args::BenchWhat;
use anyhow::Result;
use leakscope_core::HashKey;
use leakscope_detect::{Engine, EngineConfig};

pub(crate) fn run(what: BenchWhat) -> Result<i32> {
    match what {
        BenchWhat::Store { db, findings, seed } => {
            crate::bench::store(&db, findings, seed)?;
            Ok(0)
        }
        BenchWhat::Records {
            count,
            format,
            seed,
        } => {
            crate::bench::records(count, &format, seed)?;
            Ok(0)
        }
        BenchWhat::Accuracy {
            dir,
            seed,
            rows,
            show_errors,
            binary,
        } => crate::accuracy::run(
            dir.as_deref(),
            seed,
            rows.max(2),
            dir.is_some(),
            show_errors,
            binary.as_deref(),
        ),
        BenchWhat::Read { url, stores } => crate::bench::read(&url, &store_options(&stores)?),
        BenchWhat::Engine {
            mib,
            seed,
            raw_chunks,
            sparse,
            detectors,
        } => {
            let mut config = EngineConfig::new(HashKey::insecure_test_key(), today());
            config.only_detectors = detectors;
            let engine = Engine::builtin(&config)?;
            crate::bench::engine(&engine, mib, seed, raw_chunks, sparse)?;
            Ok(0)
        }
    }
}
