//! Data-store URLs (`s3://`, `mongodb://`, `postgres://`, `mysql://`, `redis://`): parsed
//! once, printed without credentials, handed to drivers well-formed.
//!
//! Both ends of leakscope read these URLs: `scan` lists a store through its driver, and
//! `audit` probes it and then scans it through an access URL it builds. One parser here
//! means that what the auditor builds is what the scanner accepts, and that a password is
//! hidden the same way everywhere.
//!
//! Users paste URLs as their tools print them, and passwords hold `@`, `/` or `:` without
//! percent-encoding more often than not. The user information therefore ends at the last
//! `@` before the host, and a `/` inside it is accepted when a `:` (the password
//! separator) comes before the first `/`: `postgres://app:p@ss/w0rd@db:5432/crm` is user
//! `app` with password `p@ss/w0rd` on host `db`.

use std::fmt;

/// The kinds of data store leakscope reads and audits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreKind {
    /// S3-compatible object storage: the host part is the bucket.
    S3,
    /// MongoDB (also `mongodb+srv://`).
    Mongodb,
    /// PostgreSQL (`postgres://` or `postgresql://`).
    Postgres,
    /// MySQL or MariaDB (`mysql://` or `mariadb://`).
    Mysql,
    /// Redis.
    Redis,
}

impl StoreKind {
    /// The kind a URL scheme names, case-insensitively.
    pub fn from_scheme(scheme: &str) -> Option<StoreKind> {
        Some(match scheme.to_ascii_lowercase().as_str() {
            "s3" => StoreKind::S3,
            "mongodb" | "mongodb+srv" => StoreKind::Mongodb,
            "postgres" | "postgresql" => StoreKind::Postgres,
            "mysql" | "mariadb" => StoreKind::Mysql,
            "redis" => StoreKind::Redis,
            _ => return None,
        })
    }

    /// The canonical scheme.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::S3 => "s3",
            StoreKind::Mongodb => "mongodb",
            StoreKind::Postgres => "postgres",
            StoreKind::Mysql => "mysql",
            StoreKind::Redis => "redis",
        }
    }

    /// The service's usual port (none for S3, whose endpoint is configured apart).
    pub fn default_port(self) -> u16 {
        match self {
            StoreKind::S3 => 0,
            StoreKind::Mongodb => 27017,
            StoreKind::Postgres => 5432,
            StoreKind::Mysql => 3306,
            StoreKind::Redis => 6379,
        }
    }
}

/// One host of a URL, with its port when the URL gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// Name or address, IPv6 without brackets; for S3 the bucket.
    pub host: String,
    /// The port written in the URL.
    pub port: Option<u16>,
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => Ok(()),
        }
    }
}

/// A parsed data-store URL. Its password is kept for the driver only: [`fmt::Display`],
/// [`fmt::Debug`] and [`StoreUrl::redacted`] never show it, and neither do they show the
/// query, whose options can carry secrets too.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl {
    /// Which store.
    pub kind: StoreKind,
    /// The scheme as written, lower-cased (`postgresql`, `mongodb+srv`, `mariadb`).
    pub scheme: String,
    /// The user name, decoded.
    pub user: Option<String>,
    password: Option<String>,
    /// One or more hosts (MongoDB lists replica-set members).
    pub hosts: Vec<HostPort>,
    /// What follows the hosts, without the leading `/`: a database, a Redis database
    /// number, an S3 key prefix. Empty when absent.
    pub path: String,
    /// The options after `?`, as written.
    pub query: Option<String>,
}

/// Why a text is not a usable store URL. Messages never quote credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreUrlError {
    /// The scheme is not one leakscope reads.
    #[error("`{0}`: not a data store URL (s3://, mongodb://, postgres://, mysql://, redis://)")]
    Unsupported(String),
    /// The URL does not parse.
    #[error("`{url}`: {reason}")]
    Malformed { url: String, reason: &'static str },
}

impl StoreUrl {
    /// Whether `text` names a data store (by its scheme) rather than a file.
    pub fn is_store_url(text: &str) -> bool {
        text.split_once("://")
            .is_some_and(|(scheme, _)| StoreKind::from_scheme(scheme).is_some())
    }

    /// Parses a store URL.
    pub fn parse(text: &str) -> Result<StoreUrl, StoreUrlError> {
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| StoreUrlError::Unsupported(redact_text(text)))?;
        let kind = StoreKind::from_scheme(scheme)
            .ok_or_else(|| StoreUrlError::Unsupported(redact_text(text)))?;
        let malformed = |reason| StoreUrlError::Malformed {
            url: redact_text(text),
            reason,
        };
        let (userinfo, rest) = split_userinfo(rest);
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q.to_string())),
            None => (rest, None),
        };
        let rest = rest.split('#').next().unwrap_or("");
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (user, password) = match userinfo {
            Some(u) => {
                let (name, pw) = match u.split_once(':') {
                    Some((n, p)) => (n, Some(p)),
                    None => (u, None),
                };
                (Some(decode(name)).filter(|n| !n.is_empty()), pw.map(decode))
            }
            None => (None, None),
        };
        let mut hosts = Vec::new();
        for part in authority.split(',') {
            let (host, port) = match part.strip_prefix('[') {
                Some(v6) => {
                    let (h, after) = v6
                        .split_once(']')
                        .ok_or_else(|| malformed("unclosed [ in host"))?;
                    (h, after.strip_prefix(':'))
                }
                None if kind == StoreKind::S3 => (part, None),
                None => match part.rsplit_once(':') {
                    Some((h, p)) => (h, Some(p)),
                    None => (part, None),
                },
            };
            if host.is_empty() {
                return Err(malformed(if kind == StoreKind::S3 {
                    "no bucket"
                } else {
                    "no host"
                }));
            }
            let port = match port {
                None | Some("") => None,
                Some(p) => Some(
                    p.parse::<u16>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| malformed("port is not a number from 1 to 65535"))?,
                ),
            };
            hosts.push(HostPort {
                host: host.to_string(),
                port,
            });
        }
        Ok(StoreUrl {
            kind,
            scheme: scheme.to_ascii_lowercase(),
            user,
            password,
            hosts,
            path: path.to_string(),
            query,
        })
    }

    /// The password, for the driver that logs in with it.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// Whether the URL carried a password.
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The first host.
    pub fn host(&self) -> &str {
        &self.hosts[0].host
    }

    /// The first host's port, or the service's default.
    pub fn port(&self) -> u16 {
        self.hosts[0].port.unwrap_or(self.kind.default_port())
    }

    /// The same store without credentials or options:
    /// `postgres://db.internal:5432/crm`, `s3://bucket/prefix`. Ports are written out.
    pub fn redacted(&self) -> String {
        let mut out = format!("{}://", self.scheme);
        self.push_hosts(&mut out, true);
        if !self.path.is_empty() {
            out.push('/');
            out.push_str(&self.path);
        }
        out
    }

    /// The URL to give a driver: user and password percent-encoded, options kept.
    pub fn for_driver(&self) -> String {
        let mut out = format!("{}://", self.scheme);
        if let Some(user) = &self.user {
            out.push_str(&encode(user));
        }
        if let Some(pw) = &self.password {
            out.push(':');
            out.push_str(&encode(pw));
        }
        if self.user.is_some() || self.password.is_some() {
            out.push('@');
        }
        self.push_hosts(&mut out, false);
        out.push('/');
        out.push_str(&self.path);
        if let Some(q) = &self.query {
            out.push('?');
            out.push_str(q);
        }
        out
    }

    /// The same store reached as `user` with no password (the access an audit proved).
    pub fn as_user_without_password(&self, user: Option<&str>) -> StoreUrl {
        StoreUrl {
            user: user.map(str::to_string),
            password: None,
            query: None,
            ..self.clone()
        }
    }

    /// `text` (a driver's error message, a location) with this URL's credentials taken
    /// out: the user information as written and as encoded, and the password wherever it
    /// appears on its own.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for form in [self.for_driver(), self.for_driver().replace("%40", "@")] {
            out = out.replace(&form, &self.redacted());
        }
        if let Some(pw) = self.password.as_deref().filter(|p| !p.is_empty()) {
            for form in [pw.to_string(), encode(pw)] {
                out = out.replace(&form, "***");
            }
        }
        redact_text(&out)
    }

    fn push_hosts(&self, out: &mut String, with_default_port: bool) {
        for (i, h) in self.hosts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let port = match (h.port, with_default_port, self.kind) {
                (Some(p), _, _) => Some(p),
                (None, true, kind) if kind != StoreKind::S3 && self.scheme != "mongodb+srv" => {
                    Some(kind.default_port())
                }
                _ => None,
            };
            out.push_str(
                &HostPort {
                    host: h.host.clone(),
                    port,
                }
                .to_string(),
            );
        }
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreUrl")
            .field("url", &self.redacted())
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Splits `user:password@` off the front of what follows `scheme://` (see the module
/// documentation for where it ends).
fn split_userinfo(rest: &str) -> (Option<&str>, &str) {
    let before_query = rest.split('?').next().unwrap_or(rest);
    let Some(at) = before_query.rfind('@') else {
        return (None, rest);
    };
    let userinfo = &rest[..at];
    let first_segment = userinfo.split('/').next().unwrap_or("");
    if userinfo.contains('/') && !first_segment.contains(':') {
        // `s3://bucket/key@2x.png`: the `@` is in the path.
        return (None, rest);
    }
    (Some(userinfo), &rest[at + 1..])
}

/// Characters left as they are in user names and passwords written into a URL.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decodes, keeping malformed escapes as written.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Hides the user information of anything URL-like in `text` (`scheme://user:pw@host`
/// becomes `scheme://***@host`), for messages about URLs that did not parse.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let (url, after) = tail.split_at(end);
        match split_userinfo(url) {
            (Some(_), host) => {
                out.push_str("***@");
                out.push_str(host);
            }
            (None, _) => out.push_str(url),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// An object key as an S3 listing returns it, decoded.
///
/// ListObjectsV2 requests from `rusty-s3` ask for `encoding-type=url`, so every key in the
/// answer comes form-encoded (`exports/%E6%88%B7%E7%B1%8D+2022.csv`), and the client is the
/// one to decode it. Used as listed, the key is encoded a second time when the object URL is
/// built and every GetObject of a key that is not plain ASCII answers 404. A `+` stands for
/// a space here; a literal `+` in a key arrives as `%2B`. Keys are UTF-8 by the protocol;
/// bytes that are not become replacement characters rather than an error, so one odd key
/// never stops a listing.
pub fn s3_listed_key(encoded: &str) -> String {
    let spaced = encoded.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_s3_keys_are_form_decoded() {
        assert_eq!(
            s3_listed_key("exports/%E6%88%B7%E7%B1%8D+2022.csv"),
            "exports/户籍 2022.csv"
        );
        assert_eq!(s3_listed_key("a%2Bb/plain.txt"), "a+b/plain.txt");
        assert_eq!(s3_listed_key("plain/key.txt"), "plain/key.txt");
        assert_eq!(s3_listed_key("bad%FF%"), "bad\u{fffd}%");
    }

    #[test]
    fn passwords_with_at_signs_and_slashes_stay_in_the_userinfo() {
        let u = StoreUrl::parse("postgres://app:p@ss/w0rd@db.internal:5433/crm?sslmode=disable")
            .unwrap();
        assert_eq!(
            (u.kind, u.host(), u.port()),
            (StoreKind::Postgres, "db.internal", 5433)
        );
        assert_eq!(
            (u.user.as_deref(), u.password()),
            (Some("app"), Some("p@ss/w0rd"))
        );
        assert_eq!(u.path, "crm");
        assert_eq!(u.redacted(), "postgres://db.internal:5433/crm");
        assert_eq!(
            u.for_driver(),
            "postgres://app:p%40ss%2Fw0rd@db.internal:5433/crm?sslmode=disable"
        );
        assert_eq!(StoreUrl::parse(&u.for_driver()).unwrap(), u);
        let message = "password authentication failed for app:p@ss/w0rd (p%40ss%2Fw0rd)";
        let shown = u.redact(message);
        assert!(!shown.contains("w0rd"), "{shown}");
        assert!(!format!("{u} {u:?}").contains("w0rd"));
    }

    #[test]
    fn every_kind_parses_with_defaults_and_redacts() {
        let cases = [
            ("redis://:s3cret@10.0.0.5:6380/2", "redis://10.0.0.5:6380/2"),
            ("redis://cache", "redis://cache:6379"),
            ("redis://[::1]:7000", "redis://[::1]:7000"),
            (
                "mongodb://admin:pw@db/app?authSource=admin",
                "mongodb://db:27017/app",
            ),
            ("mongodb://a:1,b:2/db", "mongodb://a:1,b:2/db"),
            ("MySQL://root@h", "mysql://h:3306"),
            ("mariadb://h/x", "mariadb://h:3306/x"),
            (
                "s3://KEY:SECRET@public-bkt/exports/",
                "s3://public-bkt/exports/",
            ),
            ("s3://bkt/images/logo@2x.png", "s3://bkt/images/logo@2x.png"),
        ];
        for (text, shown) in cases {
            let u = StoreUrl::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(u.redacted(), shown, "{text}");
        }
        assert!(StoreUrl::is_store_url("PostgreSQL://h/db") && !StoreUrl::is_store_url("/tmp/x"));
        for bad in [
            "ftp://root:pw@db:21",
            "redis://host:99999",
            "redis://:pw@",
            "redis://[::1",
        ] {
            let e = StoreUrl::parse(bad).unwrap_err().to_string();
            assert!(!e.contains("pw"), "{bad}: {e}");
        }
    }

    #[test]
    fn unparsed_text_loses_its_userinfo() {
        assert_eq!(
            redact_text("cannot reach mongodb://admin:Sup3r@db:27017/app now"),
            "cannot reach mongodb://***@db:27017/app now"
        );
        assert_eq!(redact_text("no url here"), "no url here");
    }
}
