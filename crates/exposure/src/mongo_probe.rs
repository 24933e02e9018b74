//! MongoDB: can anyone list the databases and read a document?
//!
//! The probe connects directly to the one named host with no credentials and runs
//! `listDatabases`. A server with authentication on answers code 13 (`Unauthorized`): not
//! exposed. Some servers (honeypots, proxies, a fresh install) answer `ok: 1` with an empty
//! list, which fools checks that stop there; this probe only says "exposed" once it has read
//! one document from a database that listed as non-empty. The document's content is never
//! printed: the evidence names the collection and counts the fields.

use crate::{ProbeConfig, Target};
use mongodb::bson::{doc, Document};
use mongodb::error::{Error, ErrorKind};
use mongodb::options::{ClientOptions, ServerAddress};
use mongodb::Client;

/// Databases every server has; their presence says nothing about exposed data.
const SYSTEM_DATABASES: [&str; 3] = ["admin", "config", "local"];
/// How many databases and collections per database the probe looks into for a document.
const LOOK_INTO: usize = 20;

pub(crate) async fn probe(target: &Target, config: &ProbeConfig) -> (Option<bool>, String) {
    let options = ClientOptions::builder()
        .hosts(vec![ServerAddress::Tcp {
            host: target.host.clone(),
            port: Some(target.port),
        }])
        .direct_connection(Some(true))
        .connect_timeout(Some(config.timeout))
        .server_selection_timeout(Some(config.timeout))
        .app_name(Some("leakscope-audit".to_string()))
        .build();
    let client = match Client::with_options(options) {
        Ok(c) => c,
        Err(e) => return (None, format!("not probed: {}", short(&e))),
    };
    let verdict = examine(&client, target).await;
    client.shutdown().await;
    verdict
}

async fn examine(client: &Client, target: &Target) -> (Option<bool>, String) {
    let databases = match client.list_databases().await {
        Ok(d) => d,
        Err(e) => return refused_or_unreachable("listDatabases", &e),
    };
    let listed = databases.len();
    let mut candidates: Vec<_> = databases
        .into_iter()
        .filter(|d| !SYSTEM_DATABASES.contains(&d.name.as_str()) && !d.empty)
        .filter(|d| target.database.as_deref().is_none_or(|want| want == d.name))
        .collect();
    candidates.sort_by_key(|d| std::cmp::Reverse(d.size_on_disk));
    if candidates.is_empty() {
        return (
            Some(false),
            format!(
                "listDatabases answered without credentials but listed no non-empty user database \
                 ({listed} listed); authentication appears off, yet nothing readable was found"
            ),
        );
    }
    let total: u64 = candidates.iter().map(|d| d.size_on_disk).sum();
    let names: Vec<&str> = candidates.iter().take(5).map(|d| d.name.as_str()).collect();
    let summary = format!(
        "listDatabases without credentials listed {} non-empty user database(s) ({}{}), {} bytes on disk",
        candidates.len(),
        names.join(", "),
        if candidates.len() > names.len() { ", …" } else { "" },
        total
    );
    let mut last_refusal = None;
    for spec in candidates.iter().take(LOOK_INTO) {
        let db = client.database(&spec.name);
        let collections = match db.list_collection_names().await {
            Ok(c) => c,
            Err(e) => {
                last_refusal = Some(short(&e));
                continue;
            }
        };
        for name in collections
            .iter()
            .filter(|c| !c.starts_with("system."))
            .take(LOOK_INTO)
        {
            match db.collection::<Document>(name).find_one(doc! {}).await {
                Ok(Some(document)) => {
                    return (
                        Some(true),
                        format!(
                            "{summary}; read one document from {}.{name} without credentials ({} fields, content not shown)",
                            spec.name,
                            document.len()
                        ),
                    )
                }
                Ok(None) => {}
                Err(e) => last_refusal = Some(short(&e)),
            }
        }
    }
    (
        Some(false),
        match last_refusal {
            Some(why) => format!("{summary}, but reading a document was refused: {why}"),
            None => format!("{summary}, but no document could be read"),
        },
    )
}

/// Code 13 (Unauthorized) and authentication errors mean the server protects its data;
/// anything else (no server selected in time, connection refused) means we cannot tell.
fn refused_or_unreachable(what: &str, e: &Error) -> (Option<bool>, String) {
    match e.kind.as_ref() {
        ErrorKind::Command(c) if c.code == 13 || c.code == 18 || c.code_name == "Unauthorized" => (
            Some(false),
            format!(
                "{what} refused without credentials: code {} {} ({})",
                c.code, c.code_name, c.message
            ),
        ),
        ErrorKind::Authentication { message, .. } => (
            Some(false),
            format!("{what} refused without credentials: {message}"),
        ),
        _ => (None, format!("unreachable: {}", short(e))),
    }
}

fn short(e: &Error) -> String {
    crate::first_line(&e.to_string())
}
