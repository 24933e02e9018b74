//! Targets: URLs the user names, parsed and stripped of credentials.

use crate::Service;

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
    /// Parses a target URL. Passwords in it are recognised and discarded: an exposure
    /// probe only ever tries "no credentials".
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| TargetError::Unsupported(redact(text)))?;
        let service = match scheme.to_ascii_lowercase().as_str() {
            "redis" => Service::Redis,
            "mongodb" => Service::Mongodb,
            "postgres" | "postgresql" => Service::Postgres,
            "mysql" | "mariadb" => Service::Mysql,
            "s3" => Service::S3,
            _ => return Err(TargetError::Unsupported(redact(text))),
        };
        // Options after `?` (replica set names, TLS settings) do not change what an
        // unauthenticated probe sees, and may carry secrets: they are dropped.
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let (authority, path) = match rest.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (rest, None),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, hp)) => (Some(u), hp),
            None => (None, authority),
        };
        let had_credentials = userinfo.is_some_and(|u| u.contains(':'));
        let user = userinfo
            .map(|u| u.split(':').next().unwrap_or(""))
            .filter(|u| !u.is_empty())
            .map(percent_decode);
        let malformed = |reason: &str| TargetError::Malformed {
            target: redact(text),
            reason: reason.to_string(),
        };
        if service == Service::S3 {
            if hostport.is_empty() {
                return Err(malformed("no bucket"));
            }
            return Ok(Target {
                service,
                host: hostport.to_string(),
                port: 0,
                database: path.map(str::to_string).filter(|d| !d.is_empty()),
                user: None,
                had_credentials,
            });
        }
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| malformed("unclosed [ in host"))?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(malformed("no host"));
        }
        if host.contains(',') {
            return Err(malformed(
                "name one host per target (probe each member on its own)",
            ));
        }
        let port = match port {
            None | Some("") => service.default_port(),
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| malformed("port is not a number from 1 to 65535"))?,
        };
        let database = path.map(str::to_string).filter(|d| !d.is_empty());
        Ok(Target {
            service,
            host,
            port,
            database,
            user,
            had_credentials,
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

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Removes `user:password@` from anything URL-like, for error messages.
pub fn redact(text: &str) -> String {
    match (text.split_once("://"), text.rfind('@')) {
        (Some((scheme, rest)), Some(_)) => {
            let after = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
            format!("{scheme}://***@{after}")
        }
        _ => text.to_string(),
    }
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
    }
}
