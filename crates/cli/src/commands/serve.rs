//! `leakscope serve`: the dashboard and its JSON API over the findings database.

use super::db_path;
use crate::args::ServeArgs;
use anyhow::Result;

pub(crate) fn run(args: ServeArgs) -> Result<i32> {
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
