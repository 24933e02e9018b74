//! Targets: URLs the user names, parsed and stripped of credentials.

use crate::Service;

/// A target to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The service.
    pub service: Service,
    /// Host name or address.
    pub host: String,
    /// Port (the service default when the URL has none).
    pub port: u16,
    /// Database number or name from the path, when given.
    pub database: Option<String>,
    /// Whether the URL carried credentials (they are dropped, never used or printed).
    pub had_credentials: bool,
}

/// A target that cannot be probed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not a URL leakscope can audit.
    #[error("`{0}`: not a supported target (audit supports redis://host[:port][/db] so far)")]
    Unsupported(String),
    /// The URL does not parse.
    #[error("`{target}`: {reason}")]
    Malformed { target: String, reason: String },
}

impl Target {
    /// Parses a target URL. Credentials in it are recognised and discarded: an exposure
    /// probe only ever tries "no credentials".
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| TargetError::Unsupported(redact(text)))?;
        let service = match scheme.to_ascii_lowercase().as_str() {
            "redis" => Service::Redis,
            _ => return Err(TargetError::Unsupported(redact(text))),
        };
        let (authority, path) = match rest.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (rest, None),
        };
        let (had_credentials, hostport) = match authority.rsplit_once('@') {
            Some((_, hp)) => (true, hp),
            None => (false, authority),
        };
        let malformed = |reason: &str| TargetError::Malformed {
            target: redact(text),
            reason: reason.to_string(),
        };
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
        let port = match port {
            None | Some("") => 6379,
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
            had_credentials,
        })
    }

    /// The target for display: scheme, host, port and database, never credentials.
    pub fn redacted(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let db = self
            .database
            .as_deref()
            .map(|d| format!("/{d}"))
            .unwrap_or_default();
        format!("{}://{host}:{}{db}", self.service.as_str(), self.port)
    }
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
        let err = Target::parse("mongodb://root:pw@db:27017")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a supported target") && !err.contains("pw"),
            "{err}"
        );
        assert!(matches!(
            Target::parse("redis://host:99999"),
            Err(TargetError::Malformed { .. })
        ));
        assert!(Target::parse("redis://:pw@").is_err());
    }
}
