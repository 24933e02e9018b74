//! `leakscope generate`: a directory of synthetic leak-like data to try leakscope on.

use anyhow::Result;
use std::path::Path;

pub(crate) fn run(dir: &Path, mib: usize, seed: u64) -> Result<i32> {
    leakscope_generate::generate(dir, mib, seed)?;
    println!("wrote synthetic data to {}", dir.display());
    Ok(0)
}
