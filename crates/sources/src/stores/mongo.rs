//! MongoDB as a source: every database and collection (or the database in the URL, or the
//! collections `--tables` chooses), documents walked field by field.
//!
//! Documents arrive as raw BSON and are walked element by element ([`flatten_bson`]), so
//! one malformed element ends only its own document with a notice, never the scan. Strings
//! and numbers are scanned; binary values that are mostly printable are scanned as text;
//! object ids, dates, booleans and other types carry no identifiers and are skipped.
//! Sampling uses the server's `$sample` stage (random documents).

use super::{host_port, Batcher, Fields, Record, Report, StoreJob, StoreOptions};
use crate::NoticeKind;
use futures_util::TryStreamExt;
use mongodb::bson::{doc, RawBsonRef, RawDocument, RawDocumentBuf};
use mongodb::options::ClientOptions;
use mongodb::Client;

/// Databases every server has; they hold users and configuration, not records.
const SYSTEM_DATABASES: [&str; 3] = ["admin", "config", "local"];
/// Nesting deeper than this is not walked (hostile documents can nest 100 levels).
const MAX_DEPTH: usize = 64;

pub(crate) async fn list(
    url: &str,
    options: &StoreOptions,
    send: &mut dyn FnMut(StoreJob) -> bool,
    report: &mut Report<'_>,
) {
    let mut client_options = match ClientOptions::parse(url).await {
        Ok(o) => o,
        Err(e) => return report(url, NoticeKind::Error, format!("not a MongoDB URL: {e}")),
    };
    client_options.app_name = Some("leakscope".into());
    client_options.connect_timeout = Some(options.timeout);
    client_options.server_selection_timeout = Some(options.timeout);
    let server = client_options
        .hosts
        .first()
        .map(|h| match h {
            mongodb::options::ServerAddress::Tcp { host, port } => {
                host_port(host, port.unwrap_or(27017))
            }
            other => other.to_string(),
        })
        .unwrap_or_default();
    let chosen_db = client_options.default_database.clone();
    let client = match Client::with_options(client_options) {
        Ok(c) => c,
        Err(e) => return report(url, NoticeKind::Error, format!("cannot connect: {e}")),
    };
    let base = format!("mongodb://{server}");
    let databases = match chosen_db {
        Some(db) => vec![db],
        None => match client.list_database_names().await {
            Ok(names) => names
                .into_iter()
                .filter(|n| !SYSTEM_DATABASES.contains(&n.as_str()))
                .collect(),
            Err(e) => {
                return report(
                    &base,
                    NoticeKind::Error,
                    format!("listDatabases failed: {e}"),
                )
            }
        },
    };
    for name in databases {
        let db = client.database(&name);
        let collections = match db.list_collection_names().await {
            Ok(c) => c,
            Err(e) => {
                report(
                    &format!("{base}/{name}"),
                    NoticeKind::Error,
                    format!("listCollections failed: {e}"),
                );
                continue;
            }
        };
        for coll in collections {
            let qualified = format!("{name}.{coll}");
            if coll.starts_with("system.") || !options.wants(&qualified) {
                continue;
            }
            let location = format!("{base}/{qualified}");
            let collection = db.collection::<RawDocumentBuf>(&coll);
            let cursor = match options.sample_size() {
                Some(n) => {
                    collection
                        .aggregate([doc! { "$sample": { "size": n } }])
                        .with_type::<RawDocumentBuf>()
                        .await
                }
                None => collection.find(doc! {}).batch_size(1000).await,
            };
            let mut cursor = match cursor {
                Ok(c) => c,
                Err(e) => {
                    report(&location, NoticeKind::Error, format!("cannot read: {e}"));
                    continue;
                }
            };
            let mut batcher = Batcher::new(location.clone(), options.batch_records, send);
            let mut ordinal = 0u64;
            loop {
                match cursor.try_next().await {
                    Ok(Some(raw)) => {
                        ordinal += 1;
                        let mut record = batcher.record();
                        let problem = flatten_document_into(&raw, ordinal, &mut record);
                        if let Some(problem) = problem {
                            report(
                                &format!("{location}/{}", record.key),
                                NoticeKind::Error,
                                format!("malformed BSON, rest of the document skipped: {problem}"),
                            );
                        }
                        if !batcher.add(record) {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        // A failed cursor cannot continue: the rest of this collection is
                        // reported and the scan moves to the next collection.
                        report(
                            &location,
                            NoticeKind::Error,
                            format!("reading stopped after {ordinal} documents: {e}"),
                        );
                        break;
                    }
                }
            }
            batcher.flush();
            if batcher.closed {
                return;
            }
        }
    }
}

/// Flattens one document into a record keyed by its `_id` (or its position when the id
/// cannot be shown). Returns the first problem met, if the document is malformed.
pub fn flatten_document(doc: &RawDocument, ordinal: u64) -> (Record, Option<String>) {
    let mut record = Record::default();
    let problem = flatten_document_into(doc, ordinal, &mut record);
    (record, problem)
}

/// [`flatten_document`] into an empty record (a scanned one whose buffers are filled
/// again).
fn flatten_document_into(doc: &RawDocument, ordinal: u64, record: &mut Record) -> Option<String> {
    use std::fmt::Write as _;
    let key = &mut record.key;
    let _ = match doc.get("_id") {
        Ok(Some(RawBsonRef::ObjectId(oid))) => write!(key, "{}", oid.to_hex()),
        Ok(Some(RawBsonRef::String(s))) => {
            super::push_key_part(key, s);
            Ok(())
        }
        Ok(Some(RawBsonRef::Int32(n))) => write!(key, "{n}"),
        Ok(Some(RawBsonRef::Int64(n))) => write!(key, "{n}"),
        _ => write!(key, "doc {ordinal}"),
    };
    flatten_bson(doc, "", 0, &mut record.fields).err()
}

/// Flattens one document given as bytes (as a server sends it). A document whose header is
/// inconsistent is an error; a malformed element inside is the returned problem.
pub fn flatten_bytes(bytes: &[u8], ordinal: u64) -> Result<(Record, Option<String>), String> {
    let doc = RawDocument::from_bytes(bytes).map_err(|e| format!("not a BSON document: {e}"))?;
    Ok(flatten_document(doc, ordinal))
}

/// Walks a raw BSON document, pushing `(path, text)` for every scannable leaf. Stops at the
/// first malformed element with a description of it.
pub fn flatten_bson(
    doc: &RawDocument,
    prefix: &str,
    depth: usize,
    out: &mut Fields,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "nested deeper than {MAX_DEPTH} levels at `{prefix}`"
        ));
    }
    for element in doc {
        let (key, value) = element.map_err(|e| format!("at `{prefix}`: {e}"))?;
        let path = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        leaf(value, path, depth, out)?;
    }
    Ok(())
}

fn leaf(value: RawBsonRef<'_>, path: String, depth: usize, out: &mut Fields) -> Result<(), String> {
    match value {
        RawBsonRef::String(s) => out.push(&path, s),
        RawBsonRef::Int32(n) => out.push_display(&path, n),
        RawBsonRef::Int64(n) => out.push_display(&path, n),
        RawBsonRef::Double(f) => {
            // Integral doubles (IDs and phone numbers stored as numbers) are written
            // without an exponent or a trailing `.0`, as a person would type them.
            let text = if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 {
                format!("{f:.0}")
            } else {
                f.to_string()
            };
            out.push(&path, &text);
        }
        RawBsonRef::Decimal128(d) => out.push_display(&path, d),
        RawBsonRef::Symbol(s) | RawBsonRef::JavaScriptCode(s) => out.push(&path, s),
        RawBsonRef::Binary(b) => {
            let printable = b
                .bytes
                .iter()
                .filter(|&&c| c >= 0x20 || c == b'\n' || c == b'\t' || c == b'\r')
                .count();
            if !b.bytes.is_empty() && printable * 10 >= b.bytes.len() * 9 {
                out.push(&path, &String::from_utf8_lossy(b.bytes));
            }
        }
        RawBsonRef::Document(d) => flatten_bson(d, &path, depth + 1, out)?,
        RawBsonRef::Array(a) => {
            for (i, item) in a.into_iter().enumerate() {
                let item = item.map_err(|e| format!("at `{path}.{i}`: {e}"))?;
                if depth + 1 > MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} levels at `{path}`"));
                }
                leaf(item, format!("{path}.{i}"), depth + 1, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::{rawdoc, Binary};

    #[test]
    fn documents_flatten_with_paths_and_id() {
        let d = rawdoc! {
            "_id": "p/1",
            "name": "张三",
            "ids": { "cn": "11010519491231002X" },
            "phones": ["13812345678", 13912345678_i64],
            "card": 6.2284801234567e15_f64,
            "note": Binary { subtype: mongodb::bson::spec::BinarySubtype::Generic, bytes: b"tel 13700000000".to_vec() },
            "at": mongodb::bson::DateTime::from_millis(0),
        };
        let (record, problem) = flatten_document(&d, 1);
        assert_eq!(problem, None);
        assert_eq!(record.key, "p%2F1");
        let paths: Vec<&str> = record.fields.iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            ["_id", "name", "ids.cn", "phones.0", "phones.1", "card", "note"]
        );
        assert_eq!(record.fields.get(5).unwrap().1, "6228480123456700");
    }

    /// The body of the `bson_document` fuzz target, over every single-byte corruption and
    /// every truncation of a document with nesting, arrays, binary and numbers.
    #[test]
    fn corrupted_and_truncated_documents_never_panic() {
        let d = rawdoc! {
            "_id": 7_i32,
            "a": { "b": ["13812345678", { "c": 1.5_f64, "d": [1_i64, "x"] }] },
            "bin": Binary { subtype: mongodb::bson::spec::BinarySubtype::Generic, bytes: b"idcard 11010519491231002X".to_vec() },
            "s": "张三",
        };
        let bytes = d.as_bytes().to_vec();
        for i in 0..bytes.len() {
            for v in [0x00, 0x01, 0x03, 0x04, 0x05, 0x7f, 0x80, 0xff] {
                let mut m = bytes.clone();
                m[i] = v;
                let _ = flatten_bytes(&m, 1);
            }
            let _ = flatten_bytes(&bytes[..i], 1);
        }
        // Deep nesting stops at the limit with a problem, not a stack overflow.
        let mut deep = rawdoc! { "v": "x" };
        for _ in 0..200 {
            deep = rawdoc! { "n": deep };
        }
        let (_, problem) = flatten_bytes(deep.as_bytes(), 1).unwrap();
        assert!(problem.unwrap().contains("nested deeper"));
    }

    #[test]
    fn malformed_bson_is_a_problem_not_a_panic() {
        let good = rawdoc! { "a": "x", "b": { "c": "y" } };
        let mut bytes = good.as_bytes().to_vec();
        // Layout: total length (4), type 0x02, "a\0", string length (4 bytes at 7) …
        // Claim a longer string than the document holds.
        bytes[7] = 0x7f;
        let doc = RawDocument::from_bytes(&bytes).expect("only the header is checked");
        let mut out = Fields::default();
        assert!(flatten_bson(doc, "", 0, &mut out).is_err());
    }
}
