//! `leakscope serve`: a local dashboard and JSON API over the findings database.
//!
//! - Binds 127.0.0.1 by default. Binding any other address requires a token, and when a
//!   token is set every request must carry it (`Authorization: Bearer …`, or `?token=` on
//!   the page URL, which the page then sends as the header). An empty token is refused (an
//!   unset variable must not open the dashboard to anyone who sends `?token=`).
//! - Without a token, only requests addressed to a loopback name (`localhost`,
//!   `127.0.0.1`, `[::1]`) are answered: a web page on another origin that rebinds its
//!   own host name to 127.0.0.1 (DNS rebinding) sends its own name in `Host:`, and is
//!   refused.
//! - Serves only what the database holds: masked values and keyed hashes. Raw values do not
//!   exist there, so they cannot be served.
//! - Errors are JSON `{"error": "…"}` with a message meant for the user; internal details
//!   (SQL, paths of the database) go to the server's standard error, never to the client.
//! - Nothing is fetched from the internet: the page, its script and its styles are embedded,
//!   and charts are server-side SVG.
//!
//! The API is described in `assets/openapi.json`, served at `/api/openapi.json`.

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leakscope_core::{Category, Confidence};
use leakscope_store::{FindingQuery, Store};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const INDEX: &str = include_str!("../assets/index.html");
const OPENAPI: &str = include_str!("../assets/openapi.json");

/// Largest page of findings one request may ask for.
pub const MAX_PAGE: u64 = 1000;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The findings database.
    pub db: PathBuf,
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Required bearer token (mandatory when `bind` is not a loopback address).
    pub token: Option<String>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// An empty (or blank) token.
    #[error("the token is empty (an unset variable?); give a real --token or none")]
    EmptyToken,
    /// A non-loopback bind without a token.
    #[error("binding {0} exposes the dashboard beyond this machine; give --token (or LEAKSCOPE_TOKEN) to require one")]
    TokenRequired(SocketAddr),
    /// The database could not be opened.
    #[error("{0}")]
    Store(#[from] leakscope_store::StoreError),
    /// Listening failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

#[derive(Clone)]
struct AppState {
    db: Arc<PathBuf>,
    token: Option<Arc<str>>,
    impact_cache: Arc<Mutex<HashMap<i64, serde_json::Value>>>,
}

/// An error as the client sees it.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<leakscope_store::StoreError> for ApiError {
    fn from(e: leakscope_store::StoreError) -> Self {
        eprintln!("leakscope serve: database error: {e}");
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error reading the findings database".into(),
        )
    }
}

fn bad_request(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

/// Query parameters whose mistakes (`scan=abc`) are answered as JSON, like every other
/// error of the API, instead of axum's plain-text rejection.
struct ApiQuery<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequestParts<S>
    for ApiQuery<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| bad_request(e.body_text()))
    }
}

/// Builds the router (exposed for tests that drive it in process).
pub fn router(db: PathBuf, token: Option<String>) -> Router {
    app(db, token).0
}

fn app(db: PathBuf, token: Option<String>) -> (Router, AppState) {
    let state = AppState {
        db: Arc::new(db),
        token: token.map(Arc::from),
        impact_cache: Arc::default(),
    };
    let router = Router::new()
        .route("/", get(index))
        .route("/api/openapi.json", get(openapi))
        .route("/api/scans", get(scans))
        .route("/api/summary", get(summary))
        .route("/api/findings", get(findings))
        .route("/api/locations", get(locations))
        .route("/api/impact", get(impact))
        .route("/api/exposures", get(exposures))
        .route("/api/charts/detectors.svg", get(chart_detectors))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such page".into()) })
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state.clone());
    (router, state)
}

/// Runs the server until interrupted. Prints the URL it listens on.
pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    if config.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(ServeError::EmptyToken);
    }
    if !config.bind.ip().is_loopback() && config.token.is_none() {
        return Err(ServeError::TokenRequired(config.bind));
    }
    // Fail early with a clear message when the database is missing or unreadable. Opened
    // once for writing first, so that a database of an older schema version is migrated
    // before the read-only connections of the requests use it; a file we may not write
    // (read-only media) is served as it is.
    if Store::open_existing(&config.db).is_err() {
        Store::open_reader(&config.db)?;
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: config.bind,
        source,
    })?;
    println!("leakscope dashboard on http://{addr}/");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let (app, state) = app(config.db.clone(), config.token);
    // Count the latest scan's people right away, so the dashboard has them when opened.
    if let Ok(Some(latest)) = Store::open_reader(&config.db).and_then(|s| s.latest_scan()) {
        if let Ok(mut c) = state.impact_cache.lock() {
            c.insert(latest, serde_json::Value::Null);
        }
        start_impact(state.db.clone(), state.impact_cache.clone(), latest);
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|source| ServeError::Listen { addr, source })
}

/// Token check and security headers for every response.
async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.token.is_none() && !addressed_to_loopback(&req) {
        return ApiError(
            StatusCode::MISDIRECTED_REQUEST,
            "this dashboard answers only requests addressed to localhost".into(),
        )
        .into_response();
    }
    if let Some(token) = &state.token {
        // An empty token matches an empty `?token=`: it opens nothing, ever.
        if token.trim().is_empty() {
            return ApiError(StatusCode::UNAUTHORIZED, "a valid token is required".into())
                .into_response();
        }
        let header_ok = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()));
        let query_ok = req.uri().query().is_some_and(|q| {
            q.split('&').any(|kv| {
                kv.strip_prefix("token=")
                    .is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
            })
        });
        if !header_ok && !query_ok {
            return ApiError(StatusCode::UNAUTHORIZED, "a valid token is required".into())
                .into_response();
        }
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Whether the request names a loopback host in `Host:` (HTTP/1.1) or its URI's authority
/// (HTTP/2). A request naming no host at all cannot come from a browser and is let through.
fn addressed_to_loopback(req: &Request) -> bool {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    let Some(host) = host else {
        return true;
    };
    // Drop the port: `[::1]:8377`, `localhost:8377`, `127.0.0.1`.
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn index() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX)
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Runs a blocking database call off the async workers.
async fn with_store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let db = state.db.clone();
    tokio::task::spawn_blocking(move || {
        let store = Store::open_reader(&db)?;
        f(&store)
    })
    .await
    .map_err(|_| ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into()))?
}

#[derive(Serialize)]
struct ScanOut {
    id: i64,
    started_at: String,
    finished_at: Option<String>,
    status: String,
    /// The scanned targets (files, directories, store URLs without credentials).
    targets: Vec<String>,
    objects_scanned: i64,
    objects_unchanged: i64,
    bytes_scanned: i64,
    findings: i64,
    errors: i64,
}

async fn scans(State(state): State<AppState>) -> Result<Json<Vec<ScanOut>>, ApiError> {
    let rows = with_store(&state, |s| Ok(s.scans()?)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ScanOut {
                id: r.id,
                started_at: r.started_at,
                finished_at: r.finished_at,
                status: r.status,
                // Stored as JSON text; served as the list it is.
                targets: serde_json::from_str(&r.targets)
                    .unwrap_or_else(|_| vec![r.targets.clone()]),
                objects_scanned: r.objects_scanned,
                objects_unchanged: r.objects_skipped,
                bytes_scanned: r.bytes_scanned,
                findings: r.findings,
                errors: r.errors,
            })
            .collect(),
    ))
}

/// The latest audit verdict per target (not tied to a scan: audits probe stores, scans
/// read them).
async fn exposures(
    State(state): State<AppState>,
) -> Result<Json<Vec<leakscope_report::html::ExposureInfo>>, ApiError> {
    let rows = with_store(&state, |s| Ok(s.latest_exposures()?)).await?;
    Ok(Json(
        rows.into_iter()
            .map(leakscope_report::html::ExposureInfo::from_row)
            .collect(),
    ))
}

#[derive(Deserialize)]
struct ScanParam {
    scan: Option<i64>,
}

fn resolve_scan(store: &Store, scan: Option<i64>) -> Result<i64, ApiError> {
    match scan {
        Some(id) => Ok(id),
        None => store
            .latest_scan()?
            .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "no scans recorded yet".into())),
    }
}

#[derive(Serialize)]
struct DetectorCount {
    detector: String,
    category: Category,
    confidence: Confidence,
    count: u64,
    /// The detector's display name.
    name: String,
    /// How serious one finding is.
    severity: leakscope_core::Severity,
    /// What the detector finds (a YARA rule's or watch-list's own words).
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
}

async fn summary(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ScanParam>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let v = with_store(&state, move |s| {
        let id = resolve_scan(s, p.scan)?;
        let catalog = leakscope_report::detector_catalog(s)?;
        // The most severe first, then implants, then the most found.
        let mut counts: Vec<DetectorCount> = s
            .detector_counts(id)?
            .into_iter()
            .map(|(detector, category, confidence, count)| {
                let info = catalog.get(&detector, category);
                DetectorCount {
                    name: info.label().to_string(),
                    severity: info.severity,
                    description: info.description,
                    detector,
                    category,
                    confidence,
                    count,
                }
            })
            .collect();
        counts.sort_by_key(|c| std::cmp::Reverse(c.severity));
        let notices: Vec<serde_json::Value> = s
            .notices(id)?
            .into_iter()
            .filter(|(_, kind, _)| kind != "info")
            .take(500)
            .map(|(path, kind, message)| serde_json::json!({ "type": kind, "path": path, "message": message }))
            .collect();
        Ok(serde_json::json!({ "scan": id, "detectors": counts, "notices": notices }))
    })
    .await?;
    Ok(Json(v))
}

#[derive(Deserialize)]
struct FindingParams {
    scan: Option<i64>,
    detector: Option<String>,
    category: Option<String>,
    min_confidence: Option<String>,
    path_prefix: Option<String>,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl FindingParams {
    /// The query these parameters ask for in scan `id` (all of it: no page yet). A
    /// category or confidence that is not one is a 400 naming the accepted values.
    fn query(&self, id: i64) -> Result<FindingQuery, ApiError> {
        let category = match self.category.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(
                c.parse::<Category>()
                    .map_err(|e| bad_request(e.to_string()))?,
            ),
            None => None,
        };
        let min_confidence = match self.min_confidence.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(
                c.parse::<Confidence>()
                    .map_err(|e| bad_request(e.to_string()))?,
            ),
            None => None,
        };
        Ok(FindingQuery {
            scan_id: Some(id),
            detectors: self
                .detector
                .iter()
                .filter(|d| !d.is_empty())
                .cloned()
                .collect(),
            category,
            min_confidence,
            path_prefix: self.path_prefix.clone().filter(|x| !x.is_empty()),
            limit: None,
            offset: None,
        })
    }
}

async fn findings(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<FindingParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // Parameters are checked before the database is touched.
    p.query(0)?;
    // A page larger than the API serves is refused, not quietly shortened.
    let limit = match p.limit {
        None => 100,
        Some(l @ 1..=MAX_PAGE) => l,
        Some(l) => {
            return Err(bad_request(format!(
                "limit {l}: a page holds 1 to {MAX_PAGE} findings"
            )))
        }
    };
    let offset = p.offset.unwrap_or(0);
    let v = with_store(&state, move |s| {
        let id = resolve_scan(s, p.scan)?;
        let mut q = p.query(id)?;
        let total = s.count_matching(&q)?;
        // One more row than asked tells whether a next page exists.
        q.limit = Some(limit + 1);
        q.offset = Some(offset);
        let mut rows = s.findings(&q)?;
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let catalog = leakscope_report::detector_catalog(s)?;
        let out: Vec<leakscope_report::ReportFinding> = rows
            .into_iter()
            .map(|r| leakscope_report::ReportFinding::from_row(r, &catalog))
            .collect();
        Ok(serde_json::json!({ "scan": id, "offset": offset, "limit": limit, "total": total, "more": more, "findings": out }))
    })
    .await?;
    Ok(Json(v))
}

#[derive(Deserialize)]
struct LocationParams {
    scan: Option<i64>,
    limit: Option<usize>,
}

async fn locations(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<LocationParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let limit = match p.limit {
        None => 100,
        Some(l @ 1..=1000) => l,
        Some(l) => return Err(bad_request(format!("limit {l}: 1 to 1000 locations"))),
    };
    let v = with_store(&state, move |s| {
        let id = resolve_scan(s, p.scan)?;
        let rows: Vec<serde_json::Value> = s
            .location_counts(id, limit)?
            .into_iter()
            .map(|(path, n, detectors)| serde_json::json!({ "path": path, "findings": n, "detectors": detectors }))
            .collect();
        Ok(serde_json::json!({ "scan": id, "locations": rows }))
    })
    .await?;
    Ok(Json(v))
}

/// Impact of a scan. Counting people over millions of findings takes seconds, so it runs
/// in the background: the first request starts it and answers 202 `{"status":"computing"}`;
/// later requests get the result (kept for completed scans, which never change).
async fn impact(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ScanParam>,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    let id = with_store(&state, move |s| resolve_scan(s, p.scan)).await?;
    let cache = state.impact_cache.clone();
    let entry = cache.lock().ok().and_then(|c| c.get(&id).cloned());
    match entry {
        Some(serde_json::Value::Null) => Ok((
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "scan": id, "status": "computing" })),
        )
            .into_response()),
        Some(v) => Ok(Json(v).into_response()),
        None => {
            if let Ok(mut c) = cache.lock() {
                c.insert(id, serde_json::Value::Null);
            }
            start_impact(db, cache, id);
            Ok((
                StatusCode::ACCEPTED,
                Json(serde_json::json!({ "scan": id, "status": "computing" })),
            )
                .into_response())
        }
    }
}

/// Computes a scan's impact on a blocking thread and stores it in the cache (removing the
/// placeholder on failure, so a later request retries).
fn start_impact(db: Arc<PathBuf>, cache: Arc<Mutex<HashMap<i64, serde_json::Value>>>, id: i64) {
    tokio::task::spawn_blocking(move || {
        let result = Store::open_reader(&db).and_then(|s| {
            let catalog = leakscope_report::detector_catalog(&s)?;
            let report = s.impact(
                &[id],
                leakscope_impact::ImpactConfig::new(catalog.linking()),
            )?;
            let completed = s
                .scans()?
                .iter()
                .any(|r| r.id == id && r.status == "completed");
            // Display names of the identifiers counted, for the page's table.
            let names: std::collections::BTreeMap<String, String> = report
                .by_identifier
                .iter()
                .map(|d| (d.detector.clone(), catalog.label(&d.detector).to_string()))
                .collect();
            Ok((report, completed, names))
        });
        if let Ok(mut c) = cache.lock() {
            match result {
                Ok((report, completed, names)) => {
                    c.insert(id, serde_json::json!({ "scan": id, "status": "ready", "complete_scan": completed, "impact": report, "names": names }));
                }
                Err(e) => {
                    eprintln!("leakscope serve: impact of scan {id} failed: {e}");
                    c.remove(&id);
                }
            }
        }
    });
}

async fn chart_detectors(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<FindingParams>,
) -> Result<Response, ApiError> {
    p.query(0)?;
    let svg = with_store(&state, move |s| {
        let id = resolve_scan(s, p.scan)?;
        // The chart shows what the findings table shows: the same filters apply.
        let q = p.query(id)?;
        let catalog = leakscope_report::detector_catalog(s)?;
        let mut totals: std::collections::BTreeMap<String, (leakscope_core::Severity, u64)> =
            std::collections::BTreeMap::new();
        for (d, category, confidence, n) in s.detector_counts(id)? {
            let wanted = (q.detectors.is_empty() || q.detectors.contains(&d))
                && q.category.is_none_or(|c| c == category)
                && q.min_confidence.is_none_or(|m| confidence >= m);
            if wanted {
                let info = catalog.get(&d, category);
                totals
                    .entry(info.label().to_string())
                    .or_insert((info.severity, 0))
                    .1 += n;
            }
        }
        let mut ranked: Vec<(String, (leakscope_core::Severity, u64))> =
            totals.into_iter().collect();
        // The most severe first, as everywhere else.
        ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(b.1 .1.cmp(&a.1 .1)));
        let mut items: Vec<(String, u64)> = ranked
            .into_iter()
            .map(|(name, (sev, n))| (format!("{name} ({sev})"), n))
            .collect();
        items.truncate(20);
        Ok(leakscope_report::html::bar_chart(
            "Findings by detector",
            &items,
            "#1f618d",
        ))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}
