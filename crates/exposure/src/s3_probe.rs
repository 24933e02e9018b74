//! S3-compatible object storage: can anyone list a bucket and read an object?
//!
//! The probe sends unsigned requests (exactly what an anonymous visitor sends): a
//! ListObjectsV2 of at most five keys, then a ranged GetObject of the first kilobyte of one
//! listed object. `AccessDenied` to the listing means not exposed. As explanation it then
//! tries to read the bucket ACL and policy anonymously: when they are readable, the
//! evidence names the grant or statement that opens the bucket.

use crate::{ProbeConfig, Target};
use rusty_s3::actions::ListObjectsV2;
use rusty_s3::{Bucket, S3Action, UrlStyle};
use serde::Deserialize;
use std::io::Read;
use std::time::Duration;

/// The endpoint used when the user names none: the AWS global endpoint, where buckets are
/// addressed by virtual host.
const DEFAULT_ENDPOINT: &str = "https://s3.amazonaws.com";
/// Largest response body read from a target (a listing of five keys is a few kilobytes).
const MAX_BODY: u64 = 1 << 20;

pub(crate) fn probe(target: &Target, config: &ProbeConfig) -> (Option<bool>, String) {
    let (endpoint, style) = match &config.s3_endpoint {
        Some(e) => (e.as_str(), UrlStyle::Path),
        None => (DEFAULT_ENDPOINT, UrlStyle::VirtualHost),
    };
    let url = match url::Url::parse(endpoint) {
        Ok(u) => u,
        Err(e) => return (None, format!("not probed: endpoint `{endpoint}`: {e}")),
    };
    let bucket = match Bucket::new(url, style, target.host.clone(), "us-east-1") {
        Ok(b) => b,
        Err(e) => return (None, format!("not probed: bucket `{}`: {e}", target.host)),
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(config.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent("leakscope-audit")
        .build()
        .into();
    let mut list = ListObjectsV2::new(&bucket, None);
    list.with_max_keys(5);
    if let Some(prefix) = &target.database {
        list.with_prefix(prefix.as_str());
    }
    let (status, body) = match get(&agent, list.sign(Duration::from_secs(60)).as_str(), None) {
        Ok(r) => r,
        Err(e) => return (None, format!("unreachable: {e}")),
    };
    // The ACL and policy explain a verdict; they are fetched only once there is one, not
    // for a missing bucket or a redirect.
    match status {
        200 => {}
        403 | 401 => {
            let why = explanation(&agent, &bucket);
            return (
                Some(false),
                format!("anonymous ListObjectsV2 refused: HTTP {status} {}{why}", error_code(&body)),
            )
        }
        404 => {
            return (
                None,
                format!("no such bucket at this endpoint: HTTP 404 {}", error_code(&body)),
            )
        }
        301 | 307 => {
            return (
                None,
                "the bucket lives behind another endpoint or region (redirect); name it with --endpoint"
                    .to_string(),
            )
        }
        other => {
            return (
                None,
                format!("unexpected answer to ListObjectsV2: HTTP {other} {}", error_code(&body)),
            )
        }
    }
    let why = explanation(&agent, &bucket);
    let listing = match ListObjectsV2::parse_response(&body) {
        Ok(l) => l,
        Err(e) => {
            return (
                None,
                format!(
                "HTTP 200 to an anonymous listing, but the body is not a ListObjectsV2 result: {e}"
            ),
            )
        }
    };
    let Some(first) = listing.contents.first() else {
        return (
            Some(true),
            format!(
                "anonymous ListObjectsV2 allowed (HTTP 200), the bucket or prefix is empty{why}"
            ),
        );
    };
    let listed = format!(
        "anonymous ListObjectsV2 listed {}{} keys (HTTP 200)",
        listing.contents.len(),
        if listing.next_continuation_token.is_some() {
            "+"
        } else {
            ""
        }
    );
    let key = leakscope_core::s3_listed_key(&first.key);
    let object = match bucket.object_url(&key) {
        Ok(u) => u,
        Err(e) => return (Some(true), format!("{listed}; object URL: {e}{why}")),
    };
    let read = match get(&agent, object.as_str(), Some("bytes=0-1023")) {
        Ok((200 | 206, bytes)) => format!(
            "; anonymous GetObject read {} bytes of `{}` ({} bytes)",
            bytes.len(),
            key,
            first.size
        ),
        Ok((status, body)) => format!(
            "; anonymous GetObject of `{}` refused: HTTP {status} {}",
            key,
            error_code(&body)
        ),
        Err(e) => format!("; GetObject of `{key}` failed: {e}"),
    };
    (Some(true), format!("{listed}{read}{why}"))
}

/// Sends one unsigned GET and reads at most [`MAX_BODY`] bytes of the answer.
fn get(agent: &ureq::Agent, url: &str, range: Option<&str>) -> Result<(u16, Vec<u8>), String> {
    let mut request = agent.get(url);
    if let Some(r) = range {
        request = request.header("Range", r);
    }
    let response = request.call().map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_BODY)
        .read_to_end(&mut body)
        .map_err(|e| e.to_string())?;
    Ok((status, body))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct S3Error {
    code: String,
}

/// The `<Code>` of an S3 error body, or nothing when the body is not one.
fn error_code(body: &[u8]) -> String {
    quick_xml::de::from_reader::<_, S3Error>(body)
        .map(|e| e.code)
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccessControlPolicy {
    #[serde(default)]
    access_control_list: AccessControlList,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct AccessControlList {
    #[serde(default)]
    grant: Vec<Grant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Grant {
    grantee: Grantee,
    permission: String,
}

#[derive(Deserialize)]
struct Grantee {
    #[serde(rename = "URI", default)]
    uri: Option<String>,
}

/// Why the bucket is (or is not) open, from its ACL and policy when anyone may read them.
fn explanation(agent: &ureq::Agent, bucket: &Bucket) -> String {
    let mut parts = Vec::new();
    let base = bucket.base_url().clone();
    let mut acl_url = base.clone();
    acl_url.set_query(Some("acl"));
    if let Ok((200, body)) = get(agent, acl_url.as_str(), None) {
        match quick_xml::de::from_reader::<_, AccessControlPolicy>(body.as_slice()) {
            Ok(policy) => {
                let public: Vec<String> = policy
                    .access_control_list
                    .grant
                    .iter()
                    .filter_map(|g| {
                        let uri = g.grantee.uri.as_deref()?;
                        let group = uri.rsplit('/').next()?;
                        matches!(group, "AllUsers" | "AuthenticatedUsers")
                            .then(|| format!("{} to {group}", g.permission))
                    })
                    .collect();
                parts.push(if public.is_empty() {
                    "the bucket ACL is readable anonymously and grants nothing to AllUsers"
                        .to_string()
                } else {
                    format!("the bucket ACL grants {}", public.join(", "))
                });
            }
            Err(_) => parts.push("the bucket ACL is readable anonymously".to_string()),
        }
    }
    let mut policy_url = base;
    policy_url.set_query(Some("policy"));
    if let Ok((200, body)) = get(agent, policy_url.as_str(), None) {
        let open = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .map(|doc| public_statements(&doc))
            .unwrap_or_default();
        parts.push(if open.is_empty() {
            "the bucket policy is readable anonymously".to_string()
        } else {
            format!(
                "the bucket policy allows {} to everyone (Principal *)",
                open.join(", ")
            )
        });
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join("; "))
    }
}

/// Actions an `Allow` statement with `Principal: "*"` grants.
fn public_statements(doc: &serde_json::Value) -> Vec<String> {
    let statements = match &doc["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut actions = Vec::new();
    for s in statements {
        let everyone = match &s["Principal"] {
            serde_json::Value::String(p) => p == "*",
            serde_json::Value::Object(o) => o.get("AWS").is_some_and(|a| a == "*"),
            _ => false,
        };
        if s["Effect"] != "Allow" || !everyone {
            continue;
        }
        match &s["Action"] {
            serde_json::Value::String(a) => actions.push(a.clone()),
            serde_json::Value::Array(a) => {
                actions.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string)))
            }
            _ => {}
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_policy_statements_are_recognised() {
        let doc: serde_json::Value = serde_json::from_str(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"]},
                {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"s3:*"},
                {"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject"}]}"#,
        )
        .unwrap();
        assert_eq!(public_statements(&doc), ["s3:GetObject", "s3:ListBucket"]);
        assert_eq!(
            error_code(b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>x</Message></Error>"),
            "AccessDenied"
        );
        assert_eq!(error_code(b"not xml"), "");
    }
}
