//! Redis as a source: keys and their values (strings, hashes, lists, sets, sorted sets).
//!
//! Keys are listed with `SCAN` (never `KEYS`, which blocks the server), or picked with
//! `RANDOMKEY` when sampling. Each key is one record: a string's value under the field
//! `value`, a hash's fields under their names, list, set and sorted-set members under their
//! index. Large collections are read in pages of at most [`MEMBERS`] members.

use super::{host_port, Batcher, Report, StoreJob, StoreOptions};
use crate::NoticeKind;
use redis::{Commands, Connection};

/// Most members read from one list, set, sorted set or hash.
const MEMBERS: isize = 10_000;

pub(crate) fn list(
    url: &str,
    options: &StoreOptions,
    send: &mut dyn FnMut(StoreJob) -> bool,
    report: &mut Report<'_>,
) {
    let client = match redis::Client::open(url) {
        Ok(c) => c,
        Err(e) => return report(url, NoticeKind::Error, format!("not a Redis URL: {e}")),
    };
    let info = client.get_connection_info();
    let (host, port) = match &info.addr {
        redis::ConnectionAddr::Tcp(h, p)
        | redis::ConnectionAddr::TcpTls {
            host: h, port: p, ..
        } => (h.clone(), *p),
        other => (other.to_string(), 0),
    };
    let location = format!("redis://{}/{}", host_port(&host, port), info.redis.db);
    let mut con = match client.get_connection_with_timeout(options.timeout) {
        Ok(c) => c,
        Err(e) => return report(&location, NoticeKind::Error, format!("cannot connect: {e}")),
    };
    let _ = con.set_read_timeout(Some(options.timeout));
    let mut batcher = Batcher::new(location.clone(), options.batch_records, send);
    let mut read = |con: &mut Connection, key: Vec<u8>, batcher: &mut Batcher<'_>| -> bool {
        match read_key(con, &key) {
            Ok(Some(fields)) => {
                let mut record = batcher.record();
                record.key.push_str(&String::from_utf8_lossy(&key));
                for (path, value) in &fields {
                    record.fields.push(path, value);
                }
                batcher.add(record)
            }
            Ok(None) => true,
            Err(e) => {
                report(
                    &format!("{location}/{}", String::from_utf8_lossy(&key)),
                    NoticeKind::Error,
                    format!("cannot read key: {e}"),
                );
                true
            }
        }
    };
    match options.sample {
        Some(n) => {
            for key in sample_keys(&mut con, n) {
                if !read(&mut con, key, &mut batcher) {
                    return;
                }
            }
        }
        None => {
            // SCAN walks the key space on one connection while values are read on a
            // second, so a large database is streamed instead of listed into memory.
            let mut reader = match client.get_connection_with_timeout(options.timeout) {
                Ok(c) => c,
                Err(e) => {
                    return report(&location, NoticeKind::Error, format!("cannot connect: {e}"))
                }
            };
            let _ = reader.set_read_timeout(Some(options.timeout));
            let keys = match con.scan::<Vec<u8>>() {
                Ok(iter) => iter,
                Err(e) => return report(&location, NoticeKind::Error, format!("SCAN failed: {e}")),
            };
            for key in keys {
                if !read(&mut reader, key, &mut batcher) {
                    return;
                }
            }
        }
    }
    batcher.flush();
}

/// Up to `n` distinct random keys.
fn sample_keys(con: &mut Connection, n: u64) -> Vec<Vec<u8>> {
    let mut seen = std::collections::HashSet::new();
    // Random draws repeat on small databases; stop after a few misses in a row.
    let mut misses = 0;
    while (seen.len() as u64) < n && misses < 32 {
        match redis::cmd("RANDOMKEY").query::<Option<Vec<u8>>>(con) {
            Ok(Some(k)) => {
                if !seen.insert(k) {
                    misses += 1;
                } else {
                    misses = 0;
                }
            }
            _ => break,
        }
    }
    seen.into_iter().collect()
}

fn read_key(con: &mut Connection, key: &[u8]) -> redis::RedisResult<Option<Vec<(String, String)>>> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let kind: String = redis::cmd("TYPE").arg(key).query(con)?;
    let fields = match kind.as_str() {
        "string" => {
            let v: Vec<u8> = con.get(key)?;
            vec![("value".to_string(), text(&v))]
        }
        "hash" => {
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = con
                .hscan::<_, (Vec<u8>, Vec<u8>)>(key)?
                .take(MEMBERS as usize)
                .collect();
            pairs
                .into_iter()
                .map(|(f, v)| (text(&f), text(&v)))
                .collect()
        }
        "list" => {
            let items: Vec<Vec<u8>> = con.lrange(key, 0, MEMBERS - 1)?;
            indexed(items)
        }
        "set" => {
            let items: Vec<Vec<u8>> = con
                .sscan::<_, Vec<u8>>(key)?
                .take(MEMBERS as usize)
                .collect();
            indexed(items)
        }
        "zset" => {
            let items: Vec<Vec<u8>> = con.zrange(key, 0, MEMBERS - 1)?;
            indexed(items)
        }
        // Streams, modules' types and keys that vanished meanwhile are not read.
        _ => return Ok(None),
    };
    Ok(Some(fields))
}

fn indexed(items: Vec<Vec<u8>>) -> Vec<(String, String)> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| (i.to_string(), String::from_utf8_lossy(&v).into_owned()))
        .collect()
}
