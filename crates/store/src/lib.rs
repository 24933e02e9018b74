//! The findings database: scan runs, content-addressed objects, masked findings.
//!
//! SQLite, one writer. The schema lives in `schema.sql` with its version in
//! `PRAGMA user_version`, checked on open. The types accepted here carry no raw values:
//! [`StoredFinding`] is built from a [`leakscope_core::Finding`] by keeping only the
//! masked value and the keyed hash, so the raw text cannot reach a row by construction.
//!
//! Writes are batched: [`Store::begin_batch`] / [`Store::commit_batch`] wrap many objects
//! in one transaction (the CLI's writer thread commits every few hundred objects or every
//! second), which is what makes a million small files affordable.

pub mod batch;
pub mod chunk;
pub mod files;
pub mod key;
pub mod writer;

use batch::FindingBatch;
use leakscope_core::{Category, Confidence, DetectorInfo, Finding, ValueHash};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::Arc;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = 7;

/// Schema changes from each older version: the statements that bring version `v` to
/// `v + 1`, applied in order inside one transaction when an older database is opened.
/// They run with foreign keys off, so that a table can be rebuilt (SQLite cannot change a
/// CHECK constraint in place) while other tables reference it by name.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, "ALTER TABLE scans ADD COLUMN owner TEXT;"),
    (
        2,
        "CREATE TABLE scans_v3 (
            id              INTEGER PRIMARY KEY,
            started_at      TEXT    NOT NULL,
            finished_at     TEXT,
            status          TEXT    NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
            targets         TEXT    NOT NULL,
            ruleset         TEXT    NOT NULL,
            objects_scanned INTEGER NOT NULL DEFAULT 0,
            objects_skipped INTEGER NOT NULL DEFAULT 0,
            bytes_scanned   INTEGER NOT NULL DEFAULT 0,
            findings        INTEGER NOT NULL DEFAULT 0,
            errors          INTEGER NOT NULL DEFAULT 0,
            owner           TEXT
        ) STRICT;
        INSERT INTO scans_v3 SELECT id, started_at, finished_at, status, targets, ruleset,
            objects_scanned, objects_skipped, bytes_scanned, findings, errors, owner FROM scans;
        DROP TABLE scans;
        ALTER TABLE scans_v3 RENAME TO scans;",
    ),
    // Version 4 adds the `rules` table (which the schema creates) and the commit of git
    // blobs to `objects` (added after the schema runs: see `Store::prepare`).
    (3, ""),
    // Version 5 keeps findings in chunks: `Store::prepare` re-encodes a version 4
    // `findings` table (which needs the encoder, not SQL).
    (4, ""),
    // Version 6 records every detector a scan ran with its display name, severity and
    // guidance (`rules.info`, added after the schema runs: see `Store::prepare`).
    (5, ""),
    // Version 7 writes findings chunks of the encoding's version 3, which leaves out a
    // record key that is the finding's own line (see `chunk`). Chunks written before stay
    // as they are and are still read; the version is raised so that an older build
    // refuses the database as newer instead of reading the new chunks as damaged.
    (6, ""),
];
const SCHEMA: &str = include_str!("schema.sql");

/// A detector as a scan recorded it (see [`Store::recorded_detectors`]).
#[derive(Debug, Clone)]
pub struct RecordedDetector {
    /// Detector id.
    pub id: String,
    /// Category.
    pub category: Category,
    /// One sentence saying what it finds.
    pub description: String,
    /// Everything else, when the database is of version 6 or later.
    pub info: Option<DetectorInfo>,
}

/// Errors from the findings database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("findings database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A column holds a value of the wrong type (a damaged or foreign database).
    #[error("findings database: {0}")]
    Column(#[from] rusqlite::types::FromSqlError),
    /// A findings chunk is damaged (see [`chunk`]).
    #[error("findings database: {0}")]
    Chunk(#[from] chunk::ChunkError),
    /// The file was written by a newer leakscope.
    #[error("findings database has schema version {found}, this leakscope understands up to {supported}; upgrade leakscope or use another --db")]
    NewerSchema { found: i64, supported: i64 },
    /// Creating the directory or key file failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    /// A command that reads findings was pointed at a database that does not exist.
    #[error("no findings database at {path} (run `leakscope scan` first, or pass --db)")]
    Missing { path: String },
    /// The key file exists but is not a valid key.
    #[error("hash key file {path}: {message}")]
    BadKey { path: String, message: String },
}

/// A finding as stored: no raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    /// Path inside the object (`!/inner/file.csv`), empty for the object itself.
    pub member: String,
    /// Detector id.
    pub detector: leakscope_core::DetectorId,
    /// Category.
    pub category: Category,
    /// Confidence.
    pub confidence: Confidence,
    /// 1-based line.
    pub line: Option<u64>,
    /// Byte offset in the decoded text.
    pub offset: Option<u64>,
    /// Field or column name.
    pub field: Option<Arc<str>>,
    /// Record the value belongs to (for linking identifiers to one person). Shared by the
    /// findings of one record.
    pub record: Option<Arc<str>>,
    /// Masked value.
    pub masked: String,
    /// Keyed hash of the normalised value.
    pub value_hash: ValueHash,
}

impl StoredFinding {
    /// Keeps only what may be stored from a finding.
    pub fn from_finding(
        f: Finding,
        member: String,
        offset: Option<u64>,
        record: Option<Arc<str>>,
    ) -> Self {
        // The finding is consumed: its strings move into the stored form, and its raw
        // value is dropped here.
        StoredFinding {
            member,
            detector: f.detector,
            category: f.category,
            confidence: f.confidence,
            line: f.line,
            offset,
            field: f.field,
            record,
            masked: f.masked,
            value_hash: f.value_hash,
        }
    }
}

/// A blob whose findings are being written batch by batch (see [`Store::begin_blob`]).
/// Dropping it without [`Store::finish_blob`] leaves a provisional blob that no object
/// references, so it is never read.
#[derive(Debug)]
pub struct BlobWriter {
    id: i64,
    /// The number of the next chunk.
    seq: i64,
    ruleset: String,
    /// Findings per (detector, confidence, category), for the per-blob summary.
    counts: Vec<(Box<str>, Confidence, Category, i64)>,
}

/// A masked example finding: (detector, path, line, field, masked value).
pub type ExampleRow = (String, String, Option<u64>, Option<String>, String);

/// A finding read back for a scan, with its full location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    /// Scan that saw it.
    pub scan_id: i64,
    /// Full path (object location plus member path).
    pub path: String,
    /// The stored finding.
    pub finding: StoredFinding,
    /// For a git blob: the commit that introduced it, as JSON (see `CommitInfo`).
    pub origin: Option<String>,
}

/// One recorded exposure verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposureRow {
    /// Row id.
    pub id: i64,
    /// RFC 3339 time of the probe.
    pub audited_at: String,
    /// The target, without credentials.
    pub target: String,
    /// `redis`, `mongodb`, `postgres`, `mysql` or `s3`.
    pub service: String,
    /// `Some(true)` exposed, `Some(false)` refused, `None` could not tell.
    pub exposed: Option<bool>,
    /// What was observed (identifiers already masked).
    pub evidence: String,
    /// The sampled classification scan of an exposed store.
    pub scan_id: Option<i64>,
    /// The classification summary (JSON), when the store was classified.
    pub classification: Option<String>,
}

/// How a scan run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOutcome {
    /// Every root was read to the end (objects with errors included).
    Completed,
    /// Stopped early (Ctrl-C); a rerun resumes it.
    Interrupted,
    /// Nothing could be read: every root failed (a missing path, an unreachable store).
    Failed,
}

impl ScanOutcome {
    /// The `scans.status` text.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanOutcome::Completed => "completed",
            ScanOutcome::Interrupted => "interrupted",
            ScanOutcome::Failed => "failed",
        }
    }
}

/// Summary of one scan run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    /// Scan id.
    pub id: i64,
    /// RFC 3339 start time.
    pub started_at: String,
    /// RFC 3339 end time, when finished.
    pub finished_at: Option<String>,
    /// `running`, `completed` or `interrupted`.
    pub status: String,
    /// The targets as given (credentials redacted by the caller).
    pub targets: String,
    /// Objects scanned in this run.
    pub objects_scanned: i64,
    /// Objects skipped as unchanged.
    pub objects_skipped: i64,
    /// Bytes read.
    pub bytes_scanned: i64,
    /// Findings in this run (including those of unchanged objects).
    pub findings: i64,
    /// Error notices.
    pub errors: i64,
}

/// Filters for [`Store::findings`].
#[derive(Debug, Clone, Default)]
pub struct FindingQuery {
    /// Only this scan (default: the latest).
    pub scan_id: Option<i64>,
    /// Only these detectors.
    pub detectors: Vec<String>,
    /// Only this category.
    pub category: Option<Category>,
    /// At least this confidence.
    pub min_confidence: Option<Confidence>,
    /// Only paths starting with this prefix.
    pub path_prefix: Option<String>,
    /// At most this many rows.
    pub limit: Option<u64>,
    /// Skip this many rows first (paging).
    pub offset: Option<u64>,
}

/// The page size of new databases, in bytes.
const PAGE_SIZE: i64 = 16 * 1024;

/// An open findings database.
pub struct Store {
    conn: Connection,
    /// The chunk encoder, reused from one chunk to the next.
    encoder: std::cell::RefCell<chunk::Encoder>,
}

/// Re-encodes a version 4 `findings` table (one row per finding) as chunks, blob by blob
/// in the order the findings were written, and drops it.
fn migrate_findings_to_chunks(conn: &Connection) -> Result<(), StoreError> {
    let mut read = conn.prepare(
        "SELECT blob_id, member, detector, category, confidence, line, byte_offset, field, record, masked, value_hash
         FROM findings ORDER BY blob_id, id",
    )?;
    let mut write =
        conn.prepare("INSERT INTO finding_chunks (blob_id, seq, n, data) VALUES (?1, ?2, ?3, ?4)")?;
    let mut encoder = chunk::Encoder::default();
    let mut data = Vec::new();
    let mut batch: Vec<StoredFinding> = Vec::new();
    let mut current: Option<(i64, i64)> = None;
    let mut flush = |blob: (i64, i64), batch: &mut Vec<StoredFinding>| -> Result<(), StoreError> {
        encoder.encode(batch, &mut data);
        write.execute(params![blob.0, blob.1, batch.len() as i64, &data[..]])?;
        batch.clear();
        Ok(())
    };
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let blob: i64 = r.get(0)?;
        let category: String = r.get(3)?;
        let confidence: String = r.get(4)?;
        let f = StoredFinding {
            member: r.get(1)?,
            detector: r.get::<_, String>(2)?.into(),
            category: category.parse().unwrap_or(Category::Custom),
            confidence: confidence.parse().unwrap_or(Confidence::Low),
            line: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
            offset: r.get::<_, Option<i64>>(6)?.map(|v| v as u64),
            field: r.get(7)?,
            record: r.get(8)?,
            masked: r.get(9)?,
            // Written by leakscope as `k1:` and hexadecimal; anything else is damage.
            value_hash: ValueHash::parse(r.get_ref(10)?.as_str()?)
                .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))?,
        };
        match current {
            Some((b, _)) if b == blob && batch.len() < chunk::MAX_FINDINGS => {}
            Some((b, seq)) => {
                flush((b, seq), &mut batch)?;
                current = Some((blob, if b == blob { seq + 1 } else { 0 }));
            }
            None => current = Some((blob, 0)),
        }
        batch.push(f);
    }
    if let Some(at) = current {
        flush(at, &mut batch)?;
    }
    drop(rows);
    drop(read);
    drop(write);
    conn.execute_batch("DROP TABLE findings;")?;
    Ok(())
}

/// Current time as RFC 3339 UTC, without a date crate: seconds since the epoch converted
/// with the civil-from-days algorithm.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let s = secs.rem_euclid(86400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Today's date (UTC) as (year, month, day).
pub fn today_utc() -> (i64, u32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    civil_from_days(secs.div_euclid(86400))
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl Store {
    /// Opens (creating when needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            files::private_dir(dir)?;
        }
        files::private_file(path)?;
        Store::init(Connection::open(path)?)
    }

    /// Opens a database that must already exist (commands that read findings): a
    /// mistyped `--db` is an error, not a new empty database.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Store::init(Connection::open_with_flags(path, flags)?)
    }

    /// Opens an existing database for lookups only (worker threads check for unchanged
    /// objects while the single writer records results).
    pub fn open_reader(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Store {
            conn,
            encoder: Default::default(),
        })
    }

    /// An in-memory database (tests, `--no-db` runs that still need a session).
    pub fn in_memory() -> Result<Store, StoreError> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Two processes opening a new database at once contend for the switch to WAL and
        // the schema, and SQLite answers some of those lock upgrades with "busy" at once
        // rather than waiting: retry for as long as the busy timeout would have waited.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match Store::prepare(&conn) {
                Err(StoreError::Sqlite(e))
                    if is_busy(&e) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => return Err(e),
                Ok(()) => {
                    return Ok(Store {
                        conn,
                        encoder: Default::default(),
                    })
                }
            }
        }
    }

    /// Settings, schema and migrations, and scans whose process died marked interrupted.
    fn prepare(conn: &Connection) -> Result<(), StoreError> {
        // Pages of 16 KiB in a new database (an existing one keeps its own size: SQLite
        // ignores the setting once the file has pages). A scan appends chunks of a few
        // hundred kilobytes: with 4 KiB pages SQLite wrote 690,000 pages one system call
        // each for a 1 GiB scan, and the scan into the database took 11.3-11.7 s; with 16
        // KiB, 10.8-10.9 s (32 KiB and 64 KiB were no faster).
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A scan inserts millions of rows: a 32 MiB page cache keeps the hot B-tree pages
        // in memory. Memory-mapped I/O stays off, since mapped pages count against the
        // scan's resident memory budget.
        conn.pragma_update(None, "cache_size", -32768)?;
        conn.pragma_update(None, "mmap_size", 0)?;
        // Large sorts and groupings spill to temporary files, not to resident memory.
        conn.pragma_update(None, "temp_store", "FILE")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < SCHEMA_VERSION {
            Store::upgrade(conn)?;
        }
        // On only now: a migration rebuilds tables that others reference.
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Store::reap_dead_scans(conn)?;
        Ok(())
    }

    /// Brings the database to [`SCHEMA_VERSION`], reading its version again under the
    /// write lock (a no-op when another connection got there first).
    fn upgrade(conn: &Connection) -> Result<(), StoreError> {
        // The write lock is taken before the version is read again: another process may
        // have created or migrated the database since the caller read it, and a deferred
        // transaction would then replay migrations on tables that already have them.
        let tx =
            rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let rewrote_findings = version < SCHEMA_VERSION && Store::migrate(&tx, version)?;
        tx.commit()?;
        if rewrote_findings {
            // The chunks take less than half the pages the rows did; the file gives the
            // rest back now rather than keeping it free for later scans.
            conn.execute_batch("VACUUM")?;
        }
        Ok(())
    }

    /// Brings a database of `version` (0 for a new file) to [`SCHEMA_VERSION`] inside the
    /// caller's write transaction. Says whether findings of a version before 5 were
    /// re-encoded (the file then has many free pages).
    fn migrate(tx: &Connection, version: i64) -> Result<bool, StoreError> {
        let has_scans: bool = tx.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'scans'",
            [],
            |r| r.get(0),
        )?;
        if has_scans {
            for (from, sql) in MIGRATIONS {
                if *from >= version.max(1) {
                    tx.execute_batch(sql)?;
                }
            }
        }
        tx.execute_batch(SCHEMA)?;
        // Findings of a version before 5, one row each, are re-encoded as chunks.
        let old_findings: bool = tx.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'findings'",
            [],
            |r| r.get(0),
        )?;
        if old_findings {
            migrate_findings_to_chunks(tx)?;
        }
        // Columns that later versions added to tables the schema's CREATE leaves as they
        // were: `objects.origin` (version 4) and `rules.info` (version 6).
        for (table, column) in [("objects", "origin"), ("rules", "info")] {
            let present: bool = tx.query_row(
                "SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
                params![table, column],
                |r| r.get(0),
            )?;
            if !present {
                tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} TEXT;"))?;
            }
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(old_findings)
    }

    /// Marks interrupted the scans still `running` whose process is gone (killed, or the
    /// machine stopped): nothing will ever finish them.
    fn reap_dead_scans(conn: &Connection) -> Result<(), StoreError> {
        let running: Vec<(i64, String)> = conn
            .prepare("SELECT id, owner FROM scans WHERE status = 'running' AND owner IS NOT NULL")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, owner) in running {
            if files::owner_is_gone(&owner) == Some(true) {
                conn.execute(
                    "UPDATE scans SET status = 'interrupted', finished_at = ?2 WHERE id = ?1 AND status = 'running'",
                    params![id, now_rfc3339()],
                )?;
            }
        }
        Ok(())
    }

    /// Starts a scan run and returns its id.
    pub fn begin_scan(&self, targets: &str, ruleset: &str) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO scans (started_at, status, targets, ruleset, owner) VALUES (?1, 'running', ?2, ?3, ?4)",
            params![now_rfc3339(), targets, ruleset, files::this_process()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Opens a write transaction for a batch of objects.
    pub fn begin_batch(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    /// Commits the current batch.
    pub fn commit_batch(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    /// The file of a database on disk (none for one in memory).
    fn file_path(&self) -> Option<String> {
        self.conn
            .path()
            .filter(|p| !p.is_empty())
            .map(str::to_string)
    }

    /// Whether this connection checkpoints the write-ahead log itself after commits
    /// (SQLite's default, every 1,000 pages), or leaves it to another connection.
    fn set_auto_checkpoint(&self, on: bool) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "wal_autocheckpoint", if on { 1000 } else { 0 })?;
        Ok(())
    }

    /// The blob already scanned at this location with the same size, mtime and ruleset,
    /// if any: the fast path of an incremental rescan (no read at all).
    pub fn unchanged_blob(
        &self,
        location: &str,
        size: u64,
        mtime_ns: i64,
        ruleset: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT o.blob_id FROM objects o JOIN blobs b ON b.id = o.blob_id
                 WHERE o.location = ?1 AND o.size = ?2 AND o.mtime_ns = ?3 AND b.ruleset = ?4
                 ORDER BY o.id DESC LIMIT 1",
                params![location, size as i64, mtime_ns, ruleset],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The blob with this content hash scanned under this ruleset, if any.
    pub fn blob_by_content(
        &self,
        content_hash: &str,
        ruleset: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM blobs WHERE content_hash = ?1 AND ruleset = ?2",
                params![content_hash, ruleset],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records the findings of one content under `content_hash` in one call (a blob
    /// already recorded with this hash and ruleset is reused). The same as
    /// [`Store::begin_blob`], [`Store::append_findings`] and [`Store::finish_blob`].
    pub fn insert_blob<F: std::borrow::Borrow<StoredFinding>>(
        &self,
        content_hash: &str,
        ruleset: &str,
        size: u64,
        findings: &[F],
    ) -> Result<i64, StoreError> {
        let batch = self.pack(findings);
        self.insert_packed(content_hash, ruleset, size, &batch)
    }

    /// [`Store::insert_blob`] with findings packed elsewhere (see [`Store::append_packed`]).
    pub fn insert_packed(
        &self,
        content_hash: &str,
        ruleset: &str,
        size: u64,
        batch: &FindingBatch,
    ) -> Result<i64, StoreError> {
        if let Some(id) = self.blob_by_content(content_hash, ruleset)? {
            return Ok(id);
        }
        let mut blob = self.begin_blob(&format!("pending:{content_hash}"), ruleset)?;
        self.append_packed(&mut blob, batch)?;
        self.finish_blob(blob, content_hash, size)
    }

    /// Starts recording the findings of one content whose hash is not final yet (a large
    /// object whose findings arrive while it is still being read). `provisional` must be
    /// unique among blobs being written; it never matches a real content hash.
    pub fn begin_blob(&self, provisional: &str, ruleset: &str) -> Result<BlobWriter, StoreError> {
        self.conn.execute(
            "INSERT INTO blobs (content_hash, ruleset, size, scanned_at) VALUES (?1, ?2, 0, ?3)",
            params![provisional, ruleset, now_rfc3339()],
        )?;
        Ok(BlobWriter {
            id: self.conn.last_insert_rowid(),
            seq: 0,
            ruleset: ruleset.to_string(),
            counts: Vec::new(),
        })
    }

    /// Appends a batch of findings to a blob being written.
    pub fn append_findings<F: std::borrow::Borrow<StoredFinding>>(
        &self,
        blob: &mut BlobWriter,
        findings: &[F],
    ) -> Result<(), StoreError> {
        let batch = self.pack(findings);
        self.append_packed(blob, &batch)
    }

    /// Packs findings for [`Store::append_packed`] with this store's encoder.
    pub fn pack<F: std::borrow::Borrow<StoredFinding>>(&self, findings: &[F]) -> FindingBatch {
        let mut batch = FindingBatch::new();
        batch.pack(&mut self.encoder.borrow_mut(), findings);
        batch
    }

    /// Appends findings packed elsewhere (a scan's worker) to a blob being written. Every
    /// finding of the batch must be packed, none only counted.
    pub fn append_packed(
        &self,
        blob: &mut BlobWriter,
        batch: &FindingBatch,
    ) -> Result<(), StoreError> {
        debug_assert_eq!(
            batch.chunks().map(|(n, _)| u64::from(n)).sum::<u64>(),
            batch.findings(),
            "a batch with counted findings is never stored"
        );
        for c in batch.counts() {
            // A handful of detectors per blob: a linear search beats hashing the id.
            let n = c.n as i64;
            match blob
                .counts
                .iter_mut()
                .find(|b| *b.0 == *c.detector.as_str() && b.1 == c.confidence && b.2 == c.category)
            {
                Some(b) => b.3 += n,
                None => blob
                    .counts
                    .push((c.detector.as_str().into(), c.confidence, c.category, n)),
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO finding_chunks (blob_id, seq, n, data) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (n, data) in batch.chunks() {
            stmt.execute(params![blob.id, blob.seq, i64::from(n), data])?;
            blob.seq += 1;
        }
        Ok(())
    }

    /// Gives a blob being written its final content hash and size, and records its
    /// per-detector counts. When the same content was recorded meanwhile (the same bytes
    /// at two paths, scanned at once), that blob is kept and this one removed; the id
    /// returned is the one to reference.
    pub fn finish_blob(
        &self,
        blob: BlobWriter,
        content_hash: &str,
        size: u64,
    ) -> Result<i64, StoreError> {
        if let Some(existing) = self.blob_by_content(content_hash, &blob.ruleset)? {
            self.conn.execute(
                "DELETE FROM finding_chunks WHERE blob_id = ?1",
                params![blob.id],
            )?;
            self.conn
                .execute("DELETE FROM blobs WHERE id = ?1", params![blob.id])?;
            return Ok(existing);
        }
        self.conn.execute(
            "UPDATE blobs SET content_hash = ?1, size = ?2 WHERE id = ?3",
            params![content_hash, size as i64, blob.id],
        )?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO blob_counts (blob_id, detector, category, confidence, n) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (detector, confidence, category, n) in &blob.counts {
            stmt.execute(params![
                blob.id,
                detector.as_ref(),
                category.as_str(),
                confidence.as_str(),
                n
            ])?;
        }
        Ok(blob.id)
    }

    /// Records that a blob was seen at `location` in `scan`.
    // One argument per column of the row: a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn add_object(
        &self,
        scan: i64,
        blob: i64,
        location: &str,
        size: u64,
        mtime_ns: i64,
        unchanged: bool,
        origin: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("INSERT INTO objects (scan_id, blob_id, location, size, mtime_ns, status, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
            .execute(params![scan, blob, location, size as i64, mtime_ns, if unchanged { "unchanged" } else { "scanned" }, origin])?;
        Ok(())
    }

    /// The findings stored for a blob (an unchanged object's findings, re-reported).
    pub fn blob_findings(&self, blob: i64) -> Result<Vec<StoredFinding>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM finding_chunks WHERE blob_id = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([blob])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            chunk::for_each(r.get_ref(0)?.as_blob()?, |f| {
                out.push(f.to_stored());
                true
            })?;
        }
        Ok(out)
    }

    /// Streams the personal-data findings of the given scans for impact counting, grouped
    /// by record: `f(scan_id, location, record, place, detector, value_hash)` with the keyed
    /// hash as its bytes. Findings without a record count as one record per object.
    pub fn for_each_pii_finding(
        &self,
        scans: &[i64],
        mut f: impl FnMut(i64, &str, &str, &str, &str, [u8; 16]),
    ) -> Result<u64, StoreError> {
        if scans.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "SELECT o.scan_id, o.location, c.data
             FROM objects o JOIN finding_chunks c ON c.blob_id = o.blob_id
             WHERE o.scan_id IN ({})
             ORDER BY o.id, c.seq",
            vec!["?"; scans.len()].join(",")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(scans.iter()))?;
        let mut n = 0u64;
        let mut record = String::new();
        while let Some(r) = rows.next()? {
            let scan: i64 = r.get(0)?;
            let location = r.get_ref(1)?.as_str()?;
            chunk::for_each(r.get_ref(2)?.as_blob()?, |x| {
                if x.category != Category::Pii {
                    return true;
                }
                // Findings without a record count as one record per object.
                record.clear();
                let place = if x.write_record(&mut record) {
                    place_of(&record)
                } else {
                    record.push_str(location);
                    record.push_str(x.member);
                    &record
                };
                f(
                    scan,
                    location,
                    &record,
                    place,
                    x.detector,
                    x.value_hash.to_bytes(),
                );
                n += 1;
                true
            })?;
        }
        Ok(n)
    }

    /// Counts the people exposed by the given scans (see `leakscope-impact`). A finding's
    /// store is the scan target its location lies under.
    pub fn impact(
        &self,
        scans: &[i64],
        config: leakscope_impact::ImpactConfig,
    ) -> Result<leakscope_impact::ImpactReport, StoreError> {
        let mut targets: Vec<(i64, Vec<String>)> = Vec::new();
        for id in scans {
            targets.push((*id, self.scan_targets(*id)?));
        }
        // The target a location lies under (its store), borrowed: this runs per finding.
        fn store_of<'a>(
            targets: &'a [(i64, Vec<String>)],
            scan: i64,
            location: &'a str,
        ) -> &'a str {
            targets
                .iter()
                .find(|(id, _)| *id == scan)
                .and_then(|(_, ts)| {
                    ts.iter()
                        .filter(|t| location.starts_with(t.as_str()))
                        .max_by_key(|t| t.len())
                })
                .map_or(location, String::as_str)
        }
        let mut counter = leakscope_impact::ImpactCounter::new(config);
        let mut add = |o: &ObservedRef<'_>| {
            counter.add(leakscope_impact::Observation {
                store: store_of(&targets, o.scan, o.location),
                record: o.record,
                place: o.place,
                detector: o.detector,
                value_hash: &o.hash,
            });
        };
        // Reading and decoding the findings takes a quarter of the time: for a database
        // file, a second connection does it on a thread of its own while this one counts.
        // Should that connection not open, this one reads the findings itself.
        let reader = self
            .file_path()
            .and_then(|path| Store::open_reader(Path::new(&path)).ok());
        match reader {
            Some(store) => {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Observed>(4);
                std::thread::scope(|scope| {
                    let reader = scope.spawn(move || -> Result<(), StoreError> {
                        let mut batch = Observed::default();
                        store.for_each_pii_finding(scans, |scan, loc, rec, place, det, hash| {
                            batch.push(scan, loc, rec, place, det, hash);
                            if batch.len() >= OBSERVED_BATCH {
                                // A counter that stopped (it never does early) drops it.
                                let _ = tx.send(std::mem::take(&mut batch));
                            }
                        })?;
                        let _ = tx.send(batch);
                        Ok(())
                    });
                    for batch in rx {
                        batch.each(&mut add);
                    }
                    reader
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })?;
            }
            None => {
                self.for_each_pii_finding(
                    scans,
                    |scan, location, record, place, detector, hash| {
                        add(&ObservedRef {
                            scan,
                            location,
                            record,
                            place,
                            detector,
                            hash,
                        });
                    },
                )?;
            }
        }
        Ok(counter.finish())
    }

    /// The targets (JSON array text) of a scan.
    pub fn scan_targets(&self, scan: i64) -> Result<Vec<String>, StoreError> {
        let text: String =
            self.conn
                .query_row("SELECT targets FROM scans WHERE id = ?1", [scan], |r| {
                    r.get(0)
                })?;
        Ok(serde_json::from_str(&text).unwrap_or_else(|_| vec![text]))
    }

    /// Findings of a blob counted per detector and confidence.
    pub fn blob_finding_counts(
        &self,
        blob: i64,
    ) -> Result<Vec<(String, Confidence, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT detector, confidence, n FROM blob_counts WHERE blob_id = ?1")?;
        let rows = stmt.query_map([blob], |r| {
            let c: String = r.get(1)?;
            Ok((
                r.get::<_, String>(0)?,
                c.parse().unwrap_or(Confidence::Low),
                r.get::<_, i64>(2)? as u64,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records what the detectors a scan ran say about themselves (display name, severity,
    /// link rank, guidance), so that reports and the dashboard can rank and explain a YARA
    /// rule or watch-list long after its file is gone.
    pub fn record_detectors(&self, detectors: &[DetectorInfo]) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(
            "INSERT INTO rules (detector, category, description, info) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (detector) DO UPDATE SET category = excluded.category,
                 description = excluded.description, info = excluded.info",
        )?;
        for d in detectors {
            // Plain strings and enums: serialising cannot fail.
            let info = serde_json::to_string(d).unwrap_or_default();
            stmt.execute(rusqlite::params![
                d.id,
                d.category.as_str(),
                d.description,
                info
            ])?;
        }
        Ok(())
    }

    /// Every recorded detector. A database written before version 6 knows only the
    /// category and description of YARA rules and watch-lists: such rows come back
    /// without `info`, for the caller to complete with its category's defaults.
    pub fn recorded_detectors(&self) -> Result<Vec<RecordedDetector>, StoreError> {
        // A read-only database of version 5 has no `info` column and cannot be migrated.
        let with_info = self
            .conn
            .prepare("SELECT detector, category, description, info FROM rules");
        let mut stmt = match with_info {
            Ok(stmt) => stmt,
            Err(_) => self
                .conn
                .prepare("SELECT detector, category, description, NULL FROM rules")?,
        };
        let rows = stmt.query_map([], |r| {
            let category: String = r.get(1)?;
            let info: Option<String> = r.get(3)?;
            Ok(RecordedDetector {
                id: r.get(0)?,
                category: category.parse().unwrap_or(Category::Custom),
                description: r.get(2)?,
                info: info.and_then(|i| serde_json::from_str(&i).ok()),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Findings of a scan counted per detector, category and confidence; implants first
    /// (a planted web shell matters before the data beside it), then the most found.
    pub fn detector_counts(
        &self,
        scan: i64,
    ) -> Result<Vec<(String, Category, Confidence, u64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.detector, c.category, c.confidence, sum(c.n) FROM objects o JOIN blob_counts c ON c.blob_id = o.blob_id
             WHERE o.scan_id = ?1 GROUP BY 1, 2, 3 ORDER BY c.category = 'implant' DESC, 4 DESC",
        )?;
        let rows = stmt.query_map([scan], |r| {
            let cat: String = r.get(1)?;
            let conf: String = r.get(2)?;
            Ok((
                r.get::<_, String>(0)?,
                cat.parse().unwrap_or(Category::Custom),
                conf.parse().unwrap_or(Confidence::Low),
                r.get::<_, i64>(3)? as u64,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Up to `per_detector` example findings of each detector in a scan, in scan order:
    /// (detector, path, line, field, masked value). Reads findings in storage order and
    /// stops as soon as every detector of the scan has its examples, so a scan of millions
    /// of findings is not sorted for a handful of examples.
    pub fn detector_examples(
        &self,
        scan: i64,
        per_detector: usize,
    ) -> Result<Vec<ExampleRow>, StoreError> {
        let wanted: std::collections::HashSet<String> = self
            .detector_counts(scan)?
            .into_iter()
            .map(|(d, ..)| d)
            .collect();
        let mut have: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut full = 0usize;
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT o.location, c.data FROM objects o JOIN finding_chunks c ON c.blob_id = o.blob_id
             WHERE o.scan_id = ?1 ORDER BY o.id, c.seq",
        )?;
        let mut rows = stmt.query([scan])?;
        while full < wanted.len() {
            let Some(r) = rows.next()? else { break };
            let location = r.get_ref(0)?.as_str()?;
            chunk::for_each(r.get_ref(1)?.as_blob()?, |f| {
                if !have.contains_key(f.detector) {
                    have.insert(f.detector.to_string(), 0);
                }
                let n = have.get_mut(f.detector).expect("inserted above");
                if *n >= per_detector {
                    return true;
                }
                *n += 1;
                if *n == per_detector {
                    full += 1;
                }
                out.push((
                    f.detector.to_string(),
                    format!("{location}{}", f.member),
                    f.line,
                    f.field.map(str::to_string),
                    f.masked.to_string(),
                ));
                full < wanted.len()
            })?;
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Objects of a scan with the most findings: (location, findings, detectors seen).
    pub fn location_counts(
        &self,
        scan: i64,
        limit: usize,
    ) -> Result<Vec<(String, u64, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT o.location, sum(c.n), group_concat(DISTINCT c.detector) FROM objects o JOIN blob_counts c ON c.blob_id = o.blob_id
             WHERE o.scan_id = ?1 GROUP BY o.location ORDER BY 2 DESC, 1 LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![scan, limit as i64], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of findings stored for a blob.
    pub fn blob_finding_count(&self, blob: i64) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT coalesce(sum(n), 0) FROM finding_chunks WHERE blob_id = ?1",
            [blob],
            |r| r.get(0),
        )?)
    }

    /// Records an exposure verdict and returns its row id. The caller masks identifiers in
    /// the evidence first: this table, like every other, never holds a raw value.
    pub fn add_exposure(
        &self,
        target: &str,
        service: &str,
        exposed: Option<bool>,
        evidence: &str,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO exposures (audited_at, target, service, exposed, evidence) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now_rfc3339(), target, service, exposed, evidence],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Attaches a classification scan and its summary to an exposure verdict.
    pub fn set_exposure_classification(
        &self,
        exposure: i64,
        scan: i64,
        summary_json: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE exposures SET scan_id = ?2, classification = ?3 WHERE id = ?1",
            params![exposure, scan, summary_json],
        )?;
        Ok(())
    }

    /// The newest verdict for every target ever audited, exposed ones first.
    pub fn latest_exposures(&self) -> Result<Vec<ExposureRow>, StoreError> {
        // A read-only handle on a database no audit ever touched may predate the table.
        let exists: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'exposures'",
            [],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, audited_at, target, service, exposed, evidence, scan_id, classification
             FROM exposures e
             WHERE id = (SELECT max(id) FROM exposures WHERE target = e.target)
             ORDER BY coalesce(exposed, -1) DESC, target",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ExposureRow {
                id: r.get(0)?,
                audited_at: r.get(1)?,
                target: r.get(2)?,
                service: r.get(3)?,
                exposed: r.get(4)?,
                evidence: r.get(5)?,
                scan_id: r.get(6)?,
                classification: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a notice.
    pub fn add_notice(
        &self,
        scan: i64,
        location: &str,
        kind: leakscope_core::NoticeKind,
        message: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO notices (scan_id, location, kind, message) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![scan, location, kind.as_str(), message])?;
        Ok(())
    }

    /// Closes a scan run with its outcome and totals.
    #[allow(clippy::too_many_arguments)]
    pub fn finish_scan(
        &self,
        scan: i64,
        outcome: ScanOutcome,
        scanned: u64,
        skipped: u64,
        bytes: u64,
        findings: u64,
        errors: u64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE scans SET finished_at = ?2, status = ?3, objects_scanned = ?4, objects_skipped = ?5,
                 bytes_scanned = ?6, findings = ?7, errors = ?8 WHERE id = ?1",
            params![
                scan,
                now_rfc3339(),
                outcome.as_str(),
                scanned as i64,
                skipped as i64,
                bytes as i64,
                findings as i64,
                errors as i64
            ],
        )?;
        Ok(())
    }

    /// All scan runs, newest first.
    pub fn scans(&self) -> Result<Vec<ScanRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, started_at, finished_at, status, targets, objects_scanned, objects_skipped, bytes_scanned, findings, errors
             FROM scans ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ScanRow {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                status: r.get(3)?,
                targets: r.get(4)?,
                objects_scanned: r.get(5)?,
                objects_skipped: r.get(6)?,
                bytes_scanned: r.get(7)?,
                findings: r.get(8)?,
                errors: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest scan id that read something, if any: a scan whose every root failed
    /// (a mistyped path) is recorded but never becomes the default of `findings`,
    /// `impact`, `report` or the dashboard.
    pub fn latest_scan(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT max(id) FROM scans WHERE status <> 'failed'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Whether any finding of this detector is recorded (for detector ids a user rule
    /// defined, which the built-in catalog does not know).
    pub fn has_detector(&self, detector: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM blob_counts WHERE detector = ?1)",
            [detector],
            |r| r.get(0),
        )?)
    }

    /// Whether a scan with this id is recorded.
    pub fn has_scan(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM scans WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )?)
    }

    /// Findings of one scan (default: the latest), filtered.
    pub fn findings(&self, q: &FindingQuery) -> Result<Vec<FindingRow>, StoreError> {
        let mut out = Vec::new();
        self.for_each_finding(q, |row| {
            out.push(row);
            true
        })?;
        Ok(out)
    }

    /// Hands the findings of [`Store::findings`] to `sink` one at a time, in order, without
    /// holding them: a command that prints ten million findings keeps one chunk in memory.
    /// Stops early when `sink` returns false.
    pub fn for_each_finding(
        &self,
        q: &FindingQuery,
        mut sink: impl FnMut(FindingRow) -> bool,
    ) -> Result<(), StoreError> {
        let Some(scan) = (match q.scan_id {
            Some(s) => Some(s),
            None => self.latest_scan()?,
        }) else {
            return Ok(());
        };
        // Objects are narrowed in SQL (by the path prefix: an object can match if its
        // location starts with the prefix, or is the start of it and a member path may
        // continue it); findings are filtered as their chunks are decoded, so only the
        // findings kept are ever copied out.
        let mut sql = String::from(
            "SELECT o.location, o.origin, c.id, c.n FROM objects o JOIN finding_chunks c ON c.blob_id = o.blob_id
             WHERE o.scan_id = ?1",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![scan.into()];
        if let Some(prefix) = &q.path_prefix {
            sql.push_str(" AND (substr(o.location, 1, ?2) = ?3 OR substr(?3, 1, length(o.location)) = o.location)");
            args.push((prefix.chars().count() as i64).into());
            args.push(prefix.clone().into());
        }
        // Blobs without a finding of the detectors or category asked for are passed over
        // by their counts, without reading their chunks.
        if !q.detectors.is_empty() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM blob_counts b WHERE b.blob_id = o.blob_id AND b.detector IN ({}))",
                vec!["?"; q.detectors.len()].join(",")
            ));
            args.extend(
                q.detectors
                    .iter()
                    .map(|d| rusqlite::types::Value::from(d.clone())),
            );
        }
        if let Some(c) = q.category {
            sql.push_str(" AND EXISTS (SELECT 1 FROM blob_counts b WHERE b.blob_id = o.blob_id AND b.category = ?)");
            args.push(c.as_str().to_string().into());
        }
        // Insertion order needs no sort, so the first page of ten million findings is quick.
        sql.push_str(" ORDER BY o.id, c.seq");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        // The bytes of a chunk are read only when its findings are looked at: selected
        // with the list, they would be read for every chunk a deep page skips.
        let mut data = self
            .conn
            .prepare_cached("SELECT data FROM finding_chunks WHERE id = ?1")?;
        let mut skip = q.offset.unwrap_or(0);
        let limit = q.limit.unwrap_or(u64::MAX);
        let mut taken = 0u64;
        let mut stopped = false;
        let mut path = String::new();
        // Without filters, a page far down skips whole chunks by their count, without
        // reading their bytes.
        let unfiltered = q.detectors.is_empty()
            && q.category.is_none()
            && q.min_confidence.is_none()
            && q.path_prefix.is_none();
        while taken < limit && !stopped {
            let Some(r) = rows.next()? else { break };
            if unfiltered {
                let n = r.get::<_, i64>(3)? as u64;
                if skip >= n {
                    skip -= n;
                    continue;
                }
            }
            let location = r.get_ref(0)?.as_str()?;
            let origin: Option<String> = r.get(1)?;
            let mut chunk_rows = data.query([r.get::<_, i64>(2)?])?;
            let Some(chunk_row) = chunk_rows.next()? else {
                continue;
            };
            chunk::for_each(chunk_row.get_ref(0)?.as_blob()?, |f| {
                let wanted = (q.detectors.is_empty()
                    || q.detectors.iter().any(|d| d == f.detector))
                    && q.category.is_none_or(|c| c == f.category)
                    && q.min_confidence.is_none_or(|m| f.confidence >= m);
                if !wanted {
                    return true;
                }
                path.clear();
                path.push_str(location);
                path.push_str(f.member);
                if q.path_prefix
                    .as_ref()
                    .is_some_and(|p| !path.starts_with(p.as_str()))
                {
                    return true;
                }
                if skip > 0 {
                    skip -= 1;
                    return true;
                }
                taken += 1;
                stopped = !sink(FindingRow {
                    scan_id: scan,
                    path: path.clone(),
                    finding: f.to_stored(),
                    origin: origin.clone(),
                });
                !stopped && taken < limit
            })?;
        }
        Ok(())
    }

    /// Notices of one scan.
    pub fn notices(&self, scan: i64) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT location, kind, message FROM notices WHERE scan_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([scan], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many findings [`Store::for_each_finding`] would yield for `q` without its
    /// limit and offset: the total a paged listing shows. Objects wholly under the path
    /// prefix are counted from their per-blob counts; only an object the prefix reaches
    /// into (one member of an archive) has its chunks read.
    pub fn count_matching(&self, q: &FindingQuery) -> Result<u64, StoreError> {
        let Some(scan) = (match q.scan_id {
            Some(s) => Some(s),
            None => self.latest_scan()?,
        }) else {
            return Ok(0);
        };
        let mut filter = String::new();
        let mut args: Vec<rusqlite::types::Value> = vec![scan.into()];
        if !q.detectors.is_empty() {
            filter.push_str(&format!(
                " AND b.detector IN ({})",
                vec!["?"; q.detectors.len()].join(",")
            ));
            args.extend(q.detectors.iter().map(|d| d.clone().into()));
        }
        if let Some(c) = q.category {
            filter.push_str(" AND b.category = ?");
            args.push(c.as_str().to_string().into());
        }
        if let Some(min) = q.min_confidence {
            let allowed: Vec<&str> = [Confidence::Low, Confidence::Medium, Confidence::High]
                .into_iter()
                .filter(|c| *c >= min)
                .map(Confidence::as_str)
                .collect();
            filter.push_str(&format!(
                " AND b.confidence IN ({})",
                vec!["?"; allowed.len()].join(",")
            ));
            args.extend(allowed.into_iter().map(|a| a.to_string().into()));
        }
        let mut whole = format!(
            "SELECT coalesce(sum(b.n), 0) FROM objects o JOIN blob_counts b ON b.blob_id = o.blob_id WHERE o.scan_id = ?1{filter}"
        );
        if let Some(prefix) = &q.path_prefix {
            whole.push_str(&format!(
                " AND substr(o.location, 1, {}) = ?",
                prefix.chars().count()
            ));
            args.push(prefix.clone().into());
        }
        let mut total: i64 =
            self.conn
                .query_row(&whole, rusqlite::params_from_iter(args), |r| r.get(0))?;
        if let Some(prefix) = &q.path_prefix {
            // Objects the prefix reaches into: their members are matched one by one.
            let mut stmt = self.conn.prepare(
                "SELECT o.location, c.data FROM objects o JOIN finding_chunks c ON c.blob_id = o.blob_id
                 WHERE o.scan_id = ?1 AND length(o.location) < length(?2)
                   AND substr(?2, 1, length(o.location)) = o.location",
            )?;
            let mut rows = stmt.query(rusqlite::params![scan, prefix])?;
            let mut path = String::new();
            while let Some(r) = rows.next()? {
                let location = r.get_ref(0)?.as_str()?;
                chunk::for_each(r.get_ref(1)?.as_blob()?, |f| {
                    path.clear();
                    path.push_str(location);
                    path.push_str(f.member);
                    if path.starts_with(prefix.as_str())
                        && (q.detectors.is_empty() || q.detectors.iter().any(|d| d == f.detector))
                        && q.category.is_none_or(|c| c == f.category)
                        && q.min_confidence.is_none_or(|m| f.confidence >= m)
                    {
                        total += 1;
                    }
                    true
                })?;
            }
        }
        Ok(total as u64)
    }

    /// Counts findings of a scan (objects scanned in it and unchanged ones).
    pub fn count_findings(&self, scan: i64) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT coalesce(sum(c.n), 0) FROM objects o JOIN finding_chunks c ON c.blob_id = o.blob_id WHERE o.scan_id = ?1",
            [scan],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests;

/// What holds a record, from its key: the file of a line (`a.txt#line 3`), the table of
/// a row (`db.sqlite!/users/7`), the collection of a document.
fn place_of(record: &str) -> &str {
    match record.rfind('#') {
        Some(i) => &record[..i],
        None => record.rfind('/').map_or(record, |i| &record[..i]),
    }
}

/// Observations handed from the thread that reads findings to the one that counts them.
const OBSERVED_BATCH: usize = 4096;

/// A batch of observations for impact counting, their strings in one buffer (the
/// location and detector written once for a run of findings that share them).
#[derive(Default)]
struct Observed {
    text: String,
    items: Vec<ObservedItem>,
}

/// One observation of an [`Observed`] batch: its strings as ranges of the batch's text.
struct ObservedItem {
    scan: i64,
    location: std::ops::Range<usize>,
    record: std::ops::Range<usize>,
    /// The place is the start of the record name.
    place_len: usize,
    detector: std::ops::Range<usize>,
    hash: [u8; 16],
}

/// One observation as the counter takes it.
struct ObservedRef<'a> {
    scan: i64,
    location: &'a str,
    record: &'a str,
    place: &'a str,
    detector: &'a str,
    hash: [u8; 16],
}

impl Observed {
    fn len(&self) -> usize {
        self.items.len()
    }

    /// Adds an observation; `place` is the start of `record` (see `place_of`) or, for a
    /// finding without a record, the record itself.
    fn push(
        &mut self,
        scan: i64,
        location: &str,
        record: &str,
        place: &str,
        detector: &str,
        hash: [u8; 16],
    ) {
        debug_assert!(record.starts_with(place));
        let last = self.items.last();
        let range_of = |text: &mut String, s: &str, same: Option<std::ops::Range<usize>>| match same
            .filter(|r| text[r.clone()] == *s)
        {
            Some(r) => r,
            None => {
                let start = text.len();
                text.push_str(s);
                start..text.len()
            }
        };
        let location = range_of(&mut self.text, location, last.map(|l| l.location.clone()));
        let detector = range_of(&mut self.text, detector, last.map(|l| l.detector.clone()));
        let record = range_of(&mut self.text, record, last.map(|l| l.record.clone()));
        self.items.push(ObservedItem {
            scan,
            location,
            record,
            place_len: place.len(),
            detector,
            hash,
        });
    }

    /// Calls `f` with each observation, in order.
    fn each(&self, mut f: impl FnMut(&ObservedRef<'_>)) {
        for o in &self.items {
            let record = &self.text[o.record.clone()];
            f(&ObservedRef {
                scan: o.scan,
                location: &self.text[o.location.clone()],
                record,
                place: &record[..o.place_len],
                detector: &self.text[o.detector.clone()],
                hash: o.hash,
            });
        }
    }
}

/// Whether SQLite reported that another connection holds the lock.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}
