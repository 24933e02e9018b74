//! Exposure probes: does a store the user names answer without credentials?
//!
//! **Architecture invariant:** this is the only crate that opens connections to targets for
//! probing, and only to the targets it is given. Probes are read-only: they never write,
//! never guess passwords (only "none" is tried: credentials in a target URL are removed
//! before probing), and they stop at the first answer that proves or disproves exposure.
//! Each verdict carries evidence a person can check.
//!
//! Services: Redis (always built), MongoDB (cargo feature `mongodb`), PostgreSQL and
//! MySQL/MariaDB (feature `sql`) and S3-compatible object storage (feature `s3`). A build
//! without a feature still parses its targets and answers `exposed: null` with the reason,
//! so a targets file never fails half-way.

#[cfg(feature = "mongodb")]
mod mongo_probe;
mod redis_probe;
#[cfg(feature = "s3")]
mod s3_probe;
#[cfg(feature = "sql")]
mod sql_probe;
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
    /// MongoDB or a server speaking its wire protocol.
    Mongodb,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
    /// S3-compatible object storage.
    S3,
}

impl From<leakscope_core::StoreKind> for Service {
    fn from(kind: leakscope_core::StoreKind) -> Self {
        use leakscope_core::StoreKind as K;
        match kind {
            K::Redis => Service::Redis,
            K::Mongodb => Service::Mongodb,
            K::Postgres => Service::Postgres,
            K::Mysql => Service::Mysql,
            K::S3 => Service::S3,
        }
    }
}

impl From<Service> for leakscope_core::StoreKind {
    fn from(service: Service) -> Self {
        use leakscope_core::StoreKind as K;
        match service {
            Service::Redis => K::Redis,
            Service::Mongodb => K::Mongodb,
            Service::Postgres => K::Postgres,
            Service::Mysql => K::Mysql,
            Service::S3 => K::S3,
        }
    }
}

impl Service {
    /// The lower-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Redis => "redis",
            Service::Mongodb => "mongodb",
            Service::Postgres => "postgres",
            Service::Mysql => "mysql",
            Service::S3 => "s3",
        }
    }

    /// The port a URL without one means.
    pub fn default_port(self) -> u16 {
        leakscope_core::StoreKind::from(self).default_port()
    }

    /// The cargo feature a build needs to probe this service, if any.
    pub fn feature(self) -> Option<&'static str> {
        match self {
            Service::Redis => None,
            Service::Mongodb => Some("mongodb"),
            Service::Postgres | Service::Mysql => Some("sql"),
            Service::S3 => Some("s3"),
        }
    }

    /// Whether this build can probe the service.
    pub fn available(self) -> bool {
        match self {
            Service::Redis => true,
            Service::Mongodb => cfg!(feature = "mongodb"),
            Service::Postgres | Service::Mysql => cfg!(feature = "sql"),
            Service::S3 => cfg!(feature = "s3"),
        }
    }
}

/// Probe settings.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Connect and read timeout for each probe.
    pub timeout: Duration,
    /// The S3 endpoint (`http://host:port` of an S3-compatible server). Buckets are
    /// addressed path-style under it. Without one, S3 targets are not probed.
    pub s3_endpoint: Option<String>,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            timeout: Duration::from_secs(5),
            s3_endpoint: None,
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
    /// For an exposed store: a credential-free URL that reads it the way the probe did
    /// (the user that was let in, no password), for a sampled classification scan.
    #[serde(skip)]
    pub access: Option<String>,
}

/// Probes one target.
pub fn probe(target: &Target, config: &ProbeConfig) -> Exposure {
    let (exposed, evidence) = if target.service.available() {
        dispatch(target, config)
    } else {
        (
            None,
            format!(
                "not probed: this build of leakscope lacks {} support (rebuild with `--features {}`)",
                target.service.as_str(),
                target.service.feature().unwrap_or("")
            ),
        )
    };
    let access = (exposed == Some(true)).then(|| target.access_url(&evidence));
    Exposure {
        kind: "exposure",
        target: target.redacted(),
        service: target.service,
        exposed,
        evidence: printable(&evidence),
        access,
    }
}

/// The first line of a driver's error, at most 300 characters: drivers describe the whole
/// topology or a stack of causes, and evidence should stay one readable line.
pub(crate) fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// Evidence quotes what servers said, and a hostile server can say anything: control
/// characters (terminal escape sequences, line breaks that would forge extra output lines)
/// become spaces, in one place for every probe.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn dispatch(target: &Target, config: &ProbeConfig) -> (Option<bool>, String) {
    match target.service {
        Service::Redis => redis_probe::probe(target, config),
        #[cfg(feature = "mongodb")]
        Service::Mongodb => runtime(config, mongo_probe::probe(target, config)),
        #[cfg(feature = "sql")]
        Service::Postgres => runtime(config, sql_probe::postgres(target, config)),
        #[cfg(feature = "sql")]
        Service::Mysql => runtime(config, sql_probe::mysql(target, config)),
        #[cfg(feature = "s3")]
        Service::S3 => s3_probe::probe(target, config),
        #[allow(unreachable_patterns)]
        _ => (None, "not probed: support not built in".to_string()),
    }
}

/// Runs one asynchronous probe to completion under an overall deadline, so a server that
/// accepts the connection and then stalls cannot hold the audit.
#[cfg(any(feature = "mongodb", feature = "sql"))]
fn runtime(
    config: &ProbeConfig,
    probe: impl std::future::Future<Output = (Option<bool>, String)>,
) -> (Option<bool>, String) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return (
                None,
                format!("not probed: cannot start the I/O runtime: {e}"),
            )
        }
    };
    // Several round trips happen in one probe; each has the timeout, and the whole probe
    // gets a few of them.
    let deadline = config.timeout * 4;
    rt.block_on(async {
        match tokio::time::timeout(deadline, probe).await {
            Ok(v) => v,
            Err(_) => (
                None,
                format!("no complete answer within {} s", deadline.as_secs()),
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn evidence_cannot_carry_control_characters() {
        assert_eq!(
            super::printable("ok\u{1b}[2J\nEXPOSED fake"),
            "ok [2J EXPOSED fake"
        );
    }

    #[test]
    fn driver_errors_shrink_to_one_short_line() {
        assert_eq!(super::first_line("refused\ncaused by: x"), "refused");
        let long = "身".repeat(400);
        let short = super::first_line(&long);
        assert_eq!(short.chars().count(), 301);
        assert!(short.ends_with('…'));
    }
}
