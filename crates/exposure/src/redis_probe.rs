//! Redis: do commands work without AUTH?
//!
//! The probe connects with no credentials and sends `PING`, then `DBSIZE` (both read-only).
//! A server with `requirepass` or ACLs answers `NOAUTH`: not exposed. A server that answers
//! `PONG` is exposed; `DBSIZE` says how many keys anyone can read.

use crate::{ProbeConfig, Target};

pub(crate) fn probe(target: &Target, config: &ProbeConfig) -> (Option<bool>, String) {
    let db: i64 = target
        .database
        .as_deref()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    let info = redis::ConnectionInfo {
        addr: redis::ConnectionAddr::Tcp(target.host.clone(), target.port),
        redis: redis::RedisConnectionInfo {
            db,
            username: None,
            password: None,
            ..Default::default()
        },
    };
    let client = match redis::Client::open(info) {
        Ok(c) => c,
        Err(e) => return (None, format!("not probed: {e}")),
    };
    let mut con = match client.get_connection_with_timeout(config.timeout) {
        Ok(c) => c,
        Err(e) if is_auth(&e) => {
            return (
                Some(false),
                format!("connection refused without credentials: {}", first_line(&e)),
            )
        }
        Err(e) => return (None, format!("unreachable: {}", first_line(&e))),
    };
    let _ = con.set_read_timeout(Some(config.timeout));
    let _ = con.set_write_timeout(Some(config.timeout));
    match redis::cmd("PING").query::<String>(&mut con) {
        Ok(pong) => {
            let keys = redis::cmd("DBSIZE").query::<i64>(&mut con);
            let size = match keys {
                Ok(n) => {
                    format!("DBSIZE reports {n} keys in database {db} readable without credentials")
                }
                Err(e) => format!("DBSIZE refused: {}", first_line(&e)),
            };
            (
                Some(true),
                format!("PING answered {pong:?} without AUTH; {size}"),
            )
        }
        Err(e) if is_auth(&e) => (
            Some(false),
            format!("PING refused without credentials: {}", first_line(&e)),
        ),
        Err(e) => (None, format!("no answer to PING: {}", first_line(&e))),
    }
}

fn is_auth(e: &redis::RedisError) -> bool {
    let text = e.to_string();
    e.kind() == redis::ErrorKind::AuthenticationFailed
        || text.contains("NOAUTH")
        || text.contains("NOPERM")
        || text.contains("Authentication required")
}

fn first_line(e: &redis::RedisError) -> String {
    crate::first_line(&e.to_string())
}
