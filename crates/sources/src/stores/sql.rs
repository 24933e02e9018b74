//! PostgreSQL and MySQL/MariaDB as sources: every table (or the ones `--tables` chooses),
//! column names as field names, the primary key in the location.
//!
//! Rather than decode every SQL type on the client, each row is turned into one JSON
//! object by the server (`row_to_json` in PostgreSQL, `JSON_OBJECT` in MySQL): every type
//! the server can print arrives as text or a number under its column name, and nested
//! JSON columns flatten into `column.key` paths. Rows stream through a cursor; sampling
//! uses `ORDER BY random()` / `ORDER BY RAND()` with a `LIMIT`.

use super::json_row::flatten_row_into;
use super::{host_port, push_key_part, Batcher, Record, Report, StoreJob, StoreOptions};
use crate::NoticeKind;
use futures_util::TryStreamExt;
use sqlx::mysql::MySqlConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};
use std::fmt::Write as _;
use std::str::FromStr;

/// A table to read: schema, name, primary-key columns.
struct Table {
    schema: String,
    name: String,
    key: Vec<String>,
}

pub(crate) async fn postgres(
    url: &str,
    options: &StoreOptions,
    send: &mut dyn FnMut(StoreJob) -> bool,
    report: &mut Report<'_>,
) {
    let connect = match PgConnectOptions::from_str(url) {
        // Anonymous reading (what `audit --classify` does) must not pick up PGPASSWORD or
        // a pgpass file from the operator's environment: an explicit empty password.
        Ok(o) if options.anonymous => o.application_name("leakscope").password(""),
        Ok(o) => o.application_name("leakscope"),
        Err(e) => return report(url, NoticeKind::Error, format!("not a PostgreSQL URL: {e}")),
    };
    let database = connect
        .get_database()
        .map(str::to_string)
        .unwrap_or_else(|| connect.get_username().to_string());
    let base = format!(
        "postgres://{}/{database}",
        host_port(connect.get_host(), connect.get_port())
    );
    let mut conn = match tokio::time::timeout(options.timeout, connect.connect()).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return report(&base, NoticeKind::Error, format!("cannot connect: {e}")),
        Err(_) => return report(&base, NoticeKind::Error, "no answer to connect".into()),
    };
    let listed = sqlx::query(
        "SELECT t.table_schema::text, t.table_name::text, \
         coalesce((SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey, a.attnum)) \
                   FROM pg_index i JOIN pg_attribute a \
                     ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                   WHERE i.indrelid = format('%I.%I', t.table_schema, t.table_name)::regclass \
                     AND i.indisprimary), '{}') \
         FROM information_schema.tables t \
         WHERE t.table_type = 'BASE TABLE' \
           AND t.table_schema NOT IN ('pg_catalog', 'information_schema') \
         ORDER BY 1, 2",
    )
    .fetch_all(&mut conn)
    .await;
    let tables: Vec<Table> = match listed {
        Ok(rows) => rows
            .iter()
            .map(|r| Table {
                schema: r.try_get(0).unwrap_or_default(),
                name: r.try_get(1).unwrap_or_default(),
                key: r.try_get(2).unwrap_or_default(),
            })
            .collect(),
        Err(e) => return report(&base, NoticeKind::Error, format!("cannot list tables: {e}")),
    };
    for table in tables {
        let qualified = format!("{}.{}", table.schema, table.name);
        if !options.wants(&qualified) {
            continue;
        }
        let location = format!("{base}/{qualified}");
        let mut sql = format!(
            "SELECT row_to_json(t)::text FROM {}.{} AS t",
            pg_ident(&table.schema),
            pg_ident(&table.name)
        );
        if let Some(n) = options.sample_size() {
            sql.push_str(&format!(" ORDER BY random() LIMIT {n}"));
        }
        let mut batcher = Batcher::new(location.clone(), options.batch_records, send);
        let mut rows = sqlx::query(&sql).fetch(&mut conn);
        if !stream_rows(&mut rows, &table, &location, &mut batcher, report).await {
            return;
        }
    }
    let _ = conn.close().await;
}

pub(crate) async fn mysql(
    url: &str,
    options: &StoreOptions,
    send: &mut dyn FnMut(StoreJob) -> bool,
    report: &mut Report<'_>,
) {
    // `mariadb://` is accepted as a synonym; the driver knows only `mysql://`.
    let normalized = match url.split_once("://") {
        Some((_, rest)) => format!("mysql://{rest}"),
        None => url.to_string(),
    };
    let connect = match MySqlConnectOptions::from_str(&normalized) {
        Ok(o) => o,
        Err(e) => return report(url, NoticeKind::Error, format!("not a MySQL URL: {e}")),
    };
    let chosen = connect.get_database().map(str::to_string);
    let base = format!(
        "mysql://{}",
        host_port(connect.get_host(), connect.get_port())
    );
    let mut conn = match tokio::time::timeout(options.timeout, connect.connect()).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return report(&base, NoticeKind::Error, format!("cannot connect: {e}")),
        Err(_) => return report(&base, NoticeKind::Error, "no answer to connect".into()),
    };
    let listed = sqlx::query(
        "SELECT CAST(t.TABLE_SCHEMA AS CHAR), CAST(t.TABLE_NAME AS CHAR), \
         CAST(COALESCE((SELECT GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR '\\n') \
           FROM information_schema.KEY_COLUMN_USAGE k \
           WHERE k.TABLE_SCHEMA = t.TABLE_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME \
             AND k.CONSTRAINT_NAME = 'PRIMARY'), '') AS CHAR), \
         CAST((SELECT GROUP_CONCAT(c.COLUMN_NAME ORDER BY c.ORDINAL_POSITION SEPARATOR '\\n') \
           FROM information_schema.COLUMNS c \
           WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME) AS CHAR) \
         FROM information_schema.TABLES t \
         WHERE t.TABLE_TYPE = 'BASE TABLE' \
           AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') \
           AND (? IS NULL OR t.TABLE_SCHEMA = ?) \
         ORDER BY 1, 2",
    )
    .bind(chosen.clone())
    .bind(chosen)
    .fetch_all(&mut conn)
    .await;
    let tables: Vec<(Table, Vec<String>)> = match listed {
        Ok(rows) => rows
            .iter()
            .map(|r| {
                let split = |s: String| -> Vec<String> {
                    s.split('\n')
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect()
                };
                let columns = split(r.try_get(3).unwrap_or_default());
                (
                    Table {
                        schema: r.try_get(0).unwrap_or_default(),
                        name: r.try_get(1).unwrap_or_default(),
                        key: split(r.try_get(2).unwrap_or_default()),
                    },
                    columns,
                )
            })
            .collect(),
        Err(e) => return report(&base, NoticeKind::Error, format!("cannot list tables: {e}")),
    };
    for (table, columns) in tables {
        let qualified = format!("{}.{}", table.schema, table.name);
        if !options.wants(&qualified) || columns.is_empty() {
            continue;
        }
        let location = format!("{base}/{}/{}", table.schema, table.name);
        let pairs: Vec<String> = columns
            .iter()
            .map(|c| {
                format!(
                    "'{}', {}",
                    c.replace('\\', "\\\\").replace('\'', "''"),
                    my_ident(c)
                )
            })
            .collect();
        let mut sql = format!(
            "SELECT CAST(JSON_OBJECT({}) AS CHAR) FROM {}.{}",
            pairs.join(", "),
            my_ident(&table.schema),
            my_ident(&table.name)
        );
        if let Some(n) = options.sample_size() {
            sql.push_str(&format!(" ORDER BY RAND() LIMIT {n}"));
        }
        let mut batcher = Batcher::new(location.clone(), options.batch_records, send);
        let mut rows = sqlx::query(&sql).fetch(&mut conn);
        if !stream_rows(&mut rows, &table, &location, &mut batcher, report).await {
            return;
        }
    }
    let _ = conn.close().await;
}

/// Reads a stream of one-JSON-column rows into the batcher. Returns false when the scan is
/// stopping. Each row's text is read in place from the driver's row, not copied into a
/// string of its own.
async fn stream_rows<R>(
    rows: &mut (impl futures_util::Stream<Item = Result<R, sqlx::Error>> + Unpin),
    table: &Table,
    location: &str,
    batcher: &mut Batcher<'_>,
    report: &mut Report<'_>,
) -> bool
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut ordinal = 0u64;
    loop {
        match rows.try_next().await {
            Ok(Some(row)) => {
                ordinal += 1;
                let mut record = batcher.record();
                let converted = row
                    .try_get::<&str, _>(0)
                    .map_err(|e| e.to_string())
                    .and_then(|text| {
                        row_record(text, &table.key, ordinal, &mut record)
                            .map_err(|e| e.to_string())
                    });
                match converted {
                    Ok(()) => {}
                    Err(e) => {
                        report(
                            location,
                            NoticeKind::Error,
                            format!("row {ordinal} did not convert to JSON: {e}"),
                        );
                        continue;
                    }
                };
                if !batcher.add(record) {
                    return false;
                }
            }
            Ok(None) => break,
            Err(e) => {
                report(
                    location,
                    NoticeKind::Error,
                    format!("reading stopped after {ordinal} rows: {e}"),
                );
                break;
            }
        }
    }
    batcher.flush();
    !batcher.closed
}

/// A row, given as its JSON text, into an empty record: the primary key values (joined by
/// `,`) name it, else its position.
fn row_record(
    row: &str,
    key: &[String],
    ordinal: u64,
    record: &mut Record,
) -> Result<(), serde_json::Error> {
    let key_texts = flatten_row_into(row, key, &mut record.fields)?;
    if key.is_empty() {
        let _ = write!(record.key, "row {ordinal}");
        return Ok(());
    }
    // The texts joined by `,`.
    for (i, text) in key_texts.iter().enumerate() {
        if i > 0 {
            record.key.push(',');
        }
        push_key_part(&mut record.key, text);
    }
    Ok(())
}

fn pg_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn my_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_keyed_by_primary_key() {
        let row = r#"{"org":"a/b","id":7,"phone":"13812345678"}"#;
        let record = |key: &[&str]| {
            let key: Vec<String> = key.iter().map(|k| k.to_string()).collect();
            let mut r = Record::default();
            row_record(row, &key, 3, &mut r).map(|()| r)
        };
        let r = record(&["org", "id"]).unwrap();
        assert_eq!(r.key, "a%2Fb,7");
        assert_eq!(r.fields.get(2), Some(("phone", "13812345678")));
        assert_eq!(record(&[]).unwrap().key, "row 3");
        assert_eq!(record(&["org"]).unwrap().key, "a%2Fb");
        assert_eq!(record(&["id"]).unwrap().key, "7");
        assert_eq!(record(&["id", "none", "id"]).unwrap().key, "7,null,7");
        assert!(row_record("{", &[], 3, &mut Record::default()).is_err());
        assert_eq!(pg_ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(my_ident("a`b"), "`a``b`");
    }
}
