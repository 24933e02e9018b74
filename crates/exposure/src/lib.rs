//! Exposure probes: does a store the user names answer without credentials?
//!
//! **Architecture invariant:** this is the only crate that opens connections to targets for
//! probing, and only to the targets it is given. Probes are read-only: they never write,
//! never guess passwords (only "none" is tried: credentials in a target URL are removed
//! before probing), and they stop at the first answer that proves or disproves exposure.
//! Each verdict carries evidence a person can check.
//!
//! Supported so far: Redis (`redis://`, `rediss://` is refused as not yet supported). The
//! other stores of the issue (S3-compatible storage, MongoDB, PostgreSQL, MySQL/MariaDB)
//! plug in as further [`Service`]s.

mod redis_probe;
pub mod target;

pub use target::{Target, TargetError};

use serde::Serialize;
use std::time::Duration;

/// Which kind of store a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Redis.
    Redis,
}

impl Service {
    /// The lower-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Redis => "redis",
        }
    }
}

/// Probe settings.
#[derive(Debug, Clone, Copy)]
pub struct ProbeConfig {
    /// Connect and read timeout for each probe.
    pub timeout: Duration,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            timeout: Duration::from_secs(5),
        }
    }
}

/// The verdict on one target, as written in `{"type":"exposure",…}` records.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Exposure {
    /// Always `exposure`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The target as named, with any credentials removed.
    pub target: String,
    /// The service probed.
    pub service: Service,
    /// `true`: answered without credentials; `false`: refused; `null`: could not tell.
    pub exposed: Option<bool>,
    /// What was observed.
    pub evidence: String,
}

/// Probes one target.
pub fn probe(target: &Target, config: &ProbeConfig) -> Exposure {
    let (exposed, evidence) = match target.service {
        Service::Redis => redis_probe::probe(target, config),
    };
    Exposure {
        kind: "exposure",
        target: target.redacted(),
        service: target.service,
        exposed,
        evidence,
    }
}
