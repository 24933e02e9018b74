//! S3-compatible object storage as a source: `s3://bucket[/prefix]`.
//!
//! The lister pages through ListObjectsV2 (1000 keys a page) and hands each object to a
//! worker, which fetches it with GetObject and decodes it exactly like a file of the same
//! name (archives, documents, encodings). Objects up to the in-memory limit are read whole;
//! larger ones stream. Requests are signed with the standard AWS environment variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) or the
//! `[default]`/`AWS_PROFILE` section of `~/.aws/credentials`; `--anonymous` sends unsigned
//! requests, which is what any visitor can do. ETag and size identify an object's content,
//! so a rescan skips unchanged objects without downloading them.
//!
//! Sampling keeps a uniform random sample (reservoir) of `N` objects per "directory"
//! prefix (the key up to its last `/`) while listing, so a bucket with a million exports
//! in a thousand folders is sampled in every folder.

use super::{Report, StoreJob, StoreOptions};
use crate::{Limits, NoticeKind, Sink};
use leakscope_core::ObjectPath;
use leakscope_core::StoreUrl;
use rusty_s3::actions::ListObjectsV2;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

/// Endpoint used when none is named: the AWS global endpoint (virtual-host addressing).
const DEFAULT_ENDPOINT: &str = "https://s3.amazonaws.com";
/// How long a signed request URL stays valid.
const SIGNATURE_TTL: Duration = Duration::from_secs(3600);

/// What a worker needs to fetch objects of one bucket.
pub struct S3Bucket {
    bucket: Bucket,
    credentials: Option<Credentials>,
    agent: ureq::Agent,
}

/// One listed object.
pub struct S3Object {
    /// The bucket it is in.
    pub bucket: Arc<S3Bucket>,
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its ETag (quotes removed): with the size, an identity of its content.
    pub etag: String,
}

impl S3Object {
    /// `s3://bucket/key`.
    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket.bucket.name(), self.key)
    }

    /// A content identity for incremental rescans, known before downloading.
    pub fn content_hash(&self) -> String {
        format!("s3-etag:{}:{}", self.etag, self.size)
    }

    /// Fetches the object and decodes it like a file of the same name.
    pub fn decode(&self, limits: &Limits, sink: &mut dyn Sink) {
        let location = self.location();
        let path = ObjectPath::root(location.clone());
        let url = self
            .bucket
            .bucket
            .get_object(self.bucket.credentials.as_ref(), &self.key);
        let response = match self
            .bucket
            .agent
            .get(url.sign(SIGNATURE_TTL).as_str())
            .call()
        {
            Ok(r) => r,
            Err(e) => return crate::report_error(sink, &path, format!("GetObject failed: {e}")),
        };
        let status = response.status().as_u16();
        if status != 200 {
            return crate::report_error(sink, &path, format!("GetObject answered HTTP {status}"));
        }
        let budget = crate::Budget::new(limits.max_total_bytes);
        let mut body = response.into_body();
        let mut reader = body.with_config().limit(limits.max_total_bytes).reader();
        if self.size <= limits.max_object_bytes.min(32 << 20) {
            let mut bytes = Vec::with_capacity(self.size as usize);
            if let Err(e) = reader.read_to_end(&mut bytes) {
                return crate::report_error(sink, &path, format!("download interrupted: {e}"));
            }
            crate::decode_bytes(&path, &self.key, &bytes, limits, &budget, sink);
        } else {
            crate::decode_reader(
                &path,
                &self.key,
                &mut reader,
                Some(self.size),
                limits,
                &budget,
                sink,
            );
        }
    }
}

pub(crate) fn list(
    url: &StoreUrl,
    options: &StoreOptions,
    send: &mut dyn FnMut(StoreJob) -> bool,
    report: &mut Report<'_>,
) {
    // Keys in the URL (`s3://KEY:SECRET@bucket`) are not used: they would end up in shell
    // history. The environment or a profile carries them instead.
    let (name, prefix) = (url.host().to_string(), url.path.clone());
    let shown = format!("s3://{name}/{prefix}");
    let (endpoint, style) = match &options.s3_endpoint {
        Some(e) => (e.as_str(), UrlStyle::Path),
        None => (DEFAULT_ENDPOINT, UrlStyle::VirtualHost),
    };
    let endpoint_url = match url::Url::parse(endpoint) {
        Ok(u) => u,
        Err(e) => {
            return report(
                &shown,
                NoticeKind::Error,
                format!("endpoint `{endpoint}`: {e}"),
            )
        }
    };
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".into());
    let bucket = match Bucket::new(endpoint_url, style, name.clone(), region) {
        Ok(b) => b,
        Err(e) => return report(&shown, NoticeKind::Error, format!("bucket `{name}`: {e}")),
    };
    let credentials = if options.anonymous {
        None
    } else {
        Credentials::from_env().or_else(profile_credentials)
    };
    if credentials.is_none() && !options.anonymous {
        report(
            &shown,
            NoticeKind::Info,
            "no AWS credentials in the environment or profile: reading anonymously".into(),
        );
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(options.timeout))
        .timeout_recv_response(Some(options.timeout))
        .http_status_as_error(false)
        .user_agent("leakscope")
        .build()
        .into();
    let shared = Arc::new(S3Bucket {
        bucket,
        credentials,
        agent,
    });
    let mut token: Option<String> = None;
    let mut reservoirs: HashMap<String, (u64, Vec<S3Object>)> = HashMap::new();
    loop {
        let mut action = ListObjectsV2::new(&shared.bucket, shared.credentials.as_ref());
        if !prefix.is_empty() {
            action.with_prefix(prefix.as_str());
        }
        if let Some(t) = &token {
            action.with_continuation_token(t.as_str());
        }
        action.with_max_keys(1000);
        let signed = action.sign(SIGNATURE_TTL);
        let response = match shared.agent.get(signed.as_str()).call() {
            Ok(r) => r,
            Err(e) => {
                return report(
                    &shown,
                    NoticeKind::Error,
                    format!("ListObjectsV2 failed: {e}"),
                )
            }
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        let _ = response
            .into_body()
            .into_reader()
            .take(64 << 20)
            .read_to_end(&mut body);
        if status != 200 {
            let code = String::from_utf8_lossy(&body)
                .split("<Code>")
                .nth(1)
                .and_then(|r| r.split("</Code>").next())
                .unwrap_or("")
                .to_string();
            return report(
                &shown,
                NoticeKind::Error,
                format!("ListObjectsV2 answered HTTP {status} {code}"),
            );
        }
        let page = match ListObjectsV2::parse_response(&body) {
            Ok(p) => p,
            Err(e) => return report(&shown, NoticeKind::Error, format!("bad listing: {e}")),
        };
        for item in page.contents {
            let key = leakscope_core::s3_listed_key(&item.key);
            if key.ends_with('/') && item.size == 0 {
                continue;
            }
            let object = S3Object {
                bucket: shared.clone(),
                etag: item.etag.trim_matches('"').to_string(),
                key,
                size: item.size,
            };
            match options.sample {
                None => {
                    if !send(StoreJob::Object(object)) {
                        return;
                    }
                }
                Some(n) => {
                    let dir = object
                        .key
                        .rsplit_once('/')
                        .map(|(d, _)| d.to_string())
                        .unwrap_or_default();
                    let (seen, kept) = reservoirs.entry(dir).or_default();
                    *seen += 1;
                    if (kept.len() as u64) < n {
                        kept.push(object);
                    } else {
                        let j = rand::random_range(0..*seen);
                        if j < n {
                            kept[j as usize] = object;
                        }
                    }
                }
            }
        }
        match page.next_continuation_token {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    let mut dirs: Vec<_> = reservoirs.into_iter().collect();
    dirs.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, (_, kept)) in dirs {
        for object in kept {
            if !send(StoreJob::Object(object)) {
                return;
            }
        }
    }
}

/// Keys from `~/.aws/credentials`, section `AWS_PROFILE` or `default`.
fn profile_credentials() -> Option<Credentials> {
    let path = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".aws/credentials"))
        })?;
    let text = std::fs::read_to_string(path).ok()?;
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let (key, secret, token) = parse_profile(&text, &profile)?;
    Some(match token {
        Some(t) => Credentials::new_with_token(key, secret, t),
        None => Credentials::new(key, secret),
    })
}

/// The access key, secret and session token of one section of a credentials file.
fn parse_profile(text: &str, profile: &str) -> Option<(String, String, Option<String>)> {
    let mut in_section = false;
    let (mut key, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') && line.ends_with(']') {
            in_section = line[1..line.len() - 1].trim() == profile;
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().to_string();
            match k.trim() {
                "aws_access_key_id" => key = Some(v),
                "aws_secret_access_key" => secret = Some(v),
                "aws_session_token" => token = Some(v),
                _ => {}
            }
        }
    }
    Some((key?, secret?, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_profiles_parse() {
        let text = "[default]\naws_access_key_id = AK1\naws_secret_access_key = S1\n\n[ci]\naws_access_key_id=AK2\naws_secret_access_key=S2\naws_session_token=T2\n";
        assert_eq!(
            parse_profile(text, "ci"),
            Some(("AK2".into(), "S2".into(), Some("T2".into())))
        );
        assert_eq!(parse_profile(text, "default").unwrap().0, "AK1");
        assert_eq!(parse_profile(text, "other"), None);
    }
}
