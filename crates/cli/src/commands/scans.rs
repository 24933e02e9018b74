//! `leakscope scans`: the recorded scan runs.

use super::db_path;
use crate::args::DbArgs;
use anyhow::Result;
use leakscope_store::Store;

pub(crate) fn run(db: &DbArgs) -> Result<i32> {
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
