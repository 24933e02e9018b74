//! PostgreSQL and MySQL/MariaDB: is a connection accepted without a password?
//!
//! PostgreSQL: one connection as the user named in the URL (default `postgres`) with an
//! empty password. A server whose `pg_hba.conf` says `trust` for that user and address
//! accepts it; `scram-sha-256`, `md5` or `reject` refuse it (SQLSTATE 28P01 or 28000).
//!
//! MySQL/MariaDB: connections as `root` (or the user named in the URL) and then as the
//! anonymous user, each with an empty password, the two defaults old installers left behind.
//! Access denied (error 1045) for both: not exposed.
//!
//! After an accepted connection the probe runs one read-only catalogue query so the
//! evidence says what the account can see (schemas and tables, never row content).

use crate::{ProbeConfig, Target};
use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection, Row};

pub(crate) async fn postgres(target: &Target, config: &ProbeConfig) -> (Option<bool>, String) {
    let user = target.user.clone().unwrap_or_else(|| "postgres".into());
    let database = target.database.clone().unwrap_or_else(|| "postgres".into());
    // An explicit empty password: nothing from the environment or a pgpass file is used,
    // and a server that asks for one gets the empty default and refuses it.
    let options = PgConnectOptions::new_without_pgpass()
        .host(&target.host)
        .port(target.port)
        .username(&user)
        .password("")
        .database(&database)
        .ssl_mode(PgSslMode::Prefer)
        .application_name("leakscope-audit");
    let mut conn = match tokio::time::timeout(config.timeout, options.connect()).await {
        Err(_) => return (None, no_answer(config)),
        Ok(Err(e)) => return pg_refusal(&user, &e),
        Ok(Ok(c)) => c,
    };
    let facts = sqlx::query(
        "SELECT current_user::text, split_part(version(), ' ', 2), \
         (SELECT count(*) FROM information_schema.tables \
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema'))::bigint, \
         (SELECT count(*) FROM pg_database WHERE datallowconn AND NOT datistemplate)::bigint",
    )
    .fetch_one(&mut conn)
    .await;
    let _ = conn.close().await;
    let seen = match facts {
        Ok(row) => format!(
            "; connected as {} to PostgreSQL {}, {} user tables visible in database {database}, {} databases accept connections",
            row.try_get::<String, _>(0).unwrap_or_default(),
            row.try_get::<String, _>(1).unwrap_or_default(),
            row.try_get::<i64, _>(2).unwrap_or(0),
            row.try_get::<i64, _>(3).unwrap_or(0),
        ),
        Err(e) => format!("; the catalogue query failed: {}", short(&e)),
    };
    (
        Some(true),
        format!(
            "connection accepted for user {user} without a password (trust authentication){seen}"
        ),
    )
}

fn pg_refusal(user: &str, e: &sqlx::Error) -> (Option<bool>, String) {
    match e {
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // invalid_password, invalid_authorization_specification (pg_hba reject or no
            // entry), insufficient privilege to connect.
            Some("28P01") | Some("28000") | Some("42501") => (
                Some(false),
                format!(
                    "connection for user {user} without a password refused: {} (SQLSTATE {})",
                    db.message(),
                    db.code().unwrap_or_default()
                ),
            ),
            code => (
                None,
                format!(
                    "server answered, but not about authentication: {} (SQLSTATE {})",
                    db.message(),
                    code.unwrap_or("?")
                ),
            ),
        },
        _ => (None, format!("unreachable: {}", short(e))),
    }
}

pub(crate) async fn mysql(target: &Target, config: &ProbeConfig) -> (Option<bool>, String) {
    let first = target.user.clone().unwrap_or_else(|| "root".into());
    let mut refusals = Vec::new();
    for user in [first.as_str(), ""] {
        // No password at all: the client then sends an empty authentication response,
        // which is what an empty password means to MySQL (a scrambled empty string is not).
        let options = MySqlConnectOptions::new()
            .host(&target.host)
            .port(target.port)
            .username(user)
            .ssl_mode(MySqlSslMode::Preferred);
        let shown = if user.is_empty() {
            crate::target::ANONYMOUS_MYSQL.to_string()
        } else {
            format!("user {user}")
        };
        let mut conn = match tokio::time::timeout(config.timeout, options.connect()).await {
            Err(_) => return (None, no_answer(config)),
            Ok(Err(sqlx::Error::Database(db)))
                if matches!(db.code().as_deref(), Some("28000") | Some("1045"))
                    || db.message().contains("Access denied") =>
            {
                refusals.push(format!("{shown}: {}", db.message()));
                continue;
            }
            Ok(Err(e)) if refusals.is_empty() => {
                return (None, format!("unreachable: {}", short(&e)))
            }
            Ok(Err(e)) => {
                refusals.push(format!("{shown}: {}", short(&e)));
                continue;
            }
            Ok(Ok(c)) => c,
        };
        let facts = sqlx::query(
            "SELECT CAST(CURRENT_USER() AS CHAR), CAST(VERSION() AS CHAR), \
             (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN \
              ('mysql', 'information_schema', 'performance_schema', 'sys')), \
             (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA NOT IN \
              ('mysql', 'information_schema', 'performance_schema', 'sys'))",
        )
        .fetch_one(&mut conn)
        .await;
        let _ = conn.close().await;
        let seen = match facts {
            Ok(row) => format!(
                "; connected as {} to {}, {} user databases and {} user tables visible",
                row.try_get::<String, _>(0).unwrap_or_default(),
                row.try_get::<String, _>(1).unwrap_or_default(),
                row.try_get::<i64, _>(2).unwrap_or(0),
                row.try_get::<i64, _>(3).unwrap_or(0),
            ),
            Err(e) => format!("; the catalogue query failed: {}", short(&e)),
        };
        return (
            Some(true),
            format!("connection accepted for {shown} with an empty password{seen}"),
        );
    }
    (
        Some(false),
        format!(
            "empty-password connections refused: {}",
            refusals.join("; ")
        ),
    )
}

fn no_answer(config: &ProbeConfig) -> String {
    format!(
        "no answer within {} s (filtered port or stalled server)",
        config.timeout.as_secs()
    )
}

fn short(e: &sqlx::Error) -> String {
    crate::first_line(&e.to_string())
}
