//! Targets: URLs the user names, parsed and stripped of credentials.

use crate::Service;
use leakscope_core::{StoreUrl, StoreUrlError};

/// A target to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The service.
    pub service: Service,
    /// Host name or address; for S3 the bucket (the endpoint comes from the probe settings).
    pub host: String,
    /// Port (the service default when the URL has none; unused for S3).
    pub port: u16,
    /// The path after the host: database number (Redis), database name (MongoDB, SQL) or
    /// key prefix (S3).
    pub database: Option<String>,
    /// The user name in the URL, if any. SQL probes try it (with no password) instead of
    /// the default administrator; it is not a secret and is shown in evidence.
    pub user: Option<String>,
    /// Whether the URL carried a password (it is dropped, never used or printed).
    pub had_credentials: bool,
}

/// A target that cannot be probed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not a URL leakscope can audit.
    #[error(
        "`{0}`: not a supported target (redis://, mongodb://, postgres://, mysql://, s3://bucket)"
    )]
    Unsupported(String),
    /// The URL does not parse.
    #[error("`{target}`: {reason}")]
    Malformed { target: String, reason: String },
}

impl Target {
    /// Parses a target URL (with [`StoreUrl`], the parser `scan` uses too). Passwords in it
    /// are recognised and discarded: an exposure probe only ever tries "no credentials".
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let url = StoreUrl::parse(text).map_err(|e| match e {
            StoreUrlError::Unsupported(t) => TargetError::Unsupported(t),
            StoreUrlError::Malformed { url, reason } => TargetError::Malformed {
                target: url,
                reason: reason.to_string(),
            },
        })?;
        if url.hosts.len() > 1 {
            return Err(TargetError::Malformed {
                target: url.redacted(),
                reason: "name one host per target (probe each member on its own)".into(),
            });
        }
        let service = Service::from(url.kind);
        // Options after `?` (replica set names, TLS settings) do not change what an
        // unauthenticated probe sees, and may carry secrets: they are dropped.
        Ok(Target {
            service,
            host: url.host().to_string(),
            port: url.port(),
            database: Some(url.path.clone()).filter(|d| !d.is_empty()),
            user: if service == Service::S3 {
                None
            } else {
                url.user.clone()
            },
            had_credentials: url.has_password(),
        })
    }

    /// The target for display: scheme, host, port and database, never credentials.
    pub fn redacted(&self) -> String {
        let db = self
            .database
            .as_deref()
            .map(|d| format!("/{d}"))
            .unwrap_or_default();
        if self.service == Service::S3 {
            return format!("s3://{}{db}", self.host);
        }
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{}://{host}:{}{db}", self.service.as_str(), self.port)
    }
}

impl Target {
    /// A URL without credentials that reads this store the way an exposed probe got in:
    /// the same database and prefix, and for SQL the user that was accepted without a
    /// password. `evidence` is the probe's own evidence text, which names that user.
    pub(crate) fn access_url(&self, evidence: &str) -> String {
        let db = self.database.as_deref().unwrap_or("");
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let user = match self.service {
            Service::Postgres => self.user.clone().unwrap_or_else(|| "postgres".into()),
            // MySQL's anonymous account matches any user name no named account claims, so
            // a scan through it connects under a name of its own.
            Service::Mysql if evidence.contains(ANONYMOUS_MYSQL) => "leakscope".into(),
            Service::Mysql => self.user.clone().unwrap_or_else(|| "root".into()),
            _ => String::new(),
        };
        let user = percent_encoding::utf8_percent_encode(&user, USERINFO).to_string();
        match self.service {
            Service::S3 => self.redacted(),
            Service::Redis | Service::Mongodb => {
                format!("{}://{host}:{}/{db}", self.service.as_str(), self.port)
            }
            Service::Postgres => {
                let db = if db.is_empty() { "postgres" } else { db };
                format!("postgres://{user}@{host}:{}/{db}", self.port)
            }
            Service::Mysql => format!("mysql://{user}@{host}:{}/{db}", self.port),
        }
    }
}

/// How the MySQL probe's evidence names the anonymous account (kept in one place so the
/// access URL follows the evidence).
pub(crate) const ANONYMOUS_MYSQL: &str = "the anonymous user";

/// Characters escaped in a user name placed in a URL.
const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.');

/// Removes `user:password@` from anything URL-like, for error messages.
pub fn redact(text: &str) -> String {
    leakscope_core::store_url::redact_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_redacts() {
        let t = Target::parse("redis://:s3cret@10.0.0.5:6380/2").unwrap();
        assert_eq!(
            (
                t.host.as_str(),
                t.port,
                t.database.as_deref(),
                t.had_credentials
            ),
            ("10.0.0.5", 6380, Some("2"), true)
        );
        assert_eq!(t.redacted(), "redis://10.0.0.5:6380/2");
        assert!(!t.redacted().contains("s3cret"));
        assert_eq!(Target::parse("redis://cache").unwrap().port, 6379);
        assert_eq!(
            Target::parse("redis://[::1]:7000").unwrap().redacted(),
            "redis://[::1]:7000"
        );
        let err = Target::parse("ftp://root:pw@db:21")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a supported target") && !err.contains("pw"),
            "{err}"
        );
        let m = Target::parse("mongodb://admin:pw@db.internal/app?authSource=admin").unwrap();
        assert_eq!(m.redacted(), "mongodb://db.internal:27017/app");
        assert_eq!(
            (m.user.as_deref(), m.had_credentials),
            (Some("admin"), true)
        );
        let p = Target::parse("postgresql://report@10.1.1.1").unwrap();
        assert_eq!(p.redacted(), "postgres://10.1.1.1:5432");
        assert_eq!(
            (p.user.as_deref(), p.had_credentials),
            (Some("report"), false)
        );
        assert_eq!(Target::parse("mariadb://h").unwrap().port, 3306);
        let s3 = Target::parse("s3://KEY:SECRET@public-bkt/exports/").unwrap();
        assert_eq!(s3.redacted(), "s3://public-bkt/exports/");
        assert!(Target::parse("mongodb://a:1,b:2/db").is_err());
        assert!(matches!(
            Target::parse("redis://host:99999"),
            Err(TargetError::Malformed { .. })
        ));
        assert!(Target::parse("redis://:pw@").is_err());
        // A password holding `@` and `/`, not percent-encoded, as users paste it.
        let odd = Target::parse("redis://:p@ss/w0rd@127.0.0.1:6390/1").unwrap();
        assert_eq!(odd.redacted(), "redis://127.0.0.1:6390/1");
        assert!(odd.had_credentials);
    }

    #[test]
    fn access_urls_parse_back_as_the_same_store() {
        for text in [
            "redis://:pw@10.0.0.5:6380/2",
            "mongodb://db.internal/app",
            "postgresql://report:x@10.1.1.1/crm",
            "mysql://h:3307/shop",
            "s3://public-bkt/exports/",
            "postgres://[::1]:6543",
        ] {
            let t = Target::parse(text).unwrap();
            let access = t.access_url("");
            let url = StoreUrl::parse(&access).unwrap_or_else(|e| panic!("{access}: {e}"));
            assert_eq!(Service::from(url.kind), t.service, "{access}");
            assert_eq!(
                (url.host(), url.port()),
                (t.host.as_str(), t.port),
                "{access}"
            );
            assert!(!url.has_password(), "{access}");
        }
    }
}
