//! The seam between a running scan and the findings database: begin a scan, record each
//! object with its findings (in partial batches while a large object is still being read),
//! record notices, and finish with the totals.
//!
//! The scan's collector thread drives one [`ScanWriter`]. It decides nothing about SQL: the
//! writer owns the transactions (many objects per commit, and at least one commit a
//! second, so a crash loses little and readers see progress), the blobs still being
//! written, and the content-addressed reuse of blobs.
//!
//! Checkpoints (copying the write-ahead log into the database file, with an `fsync` of
//! each) run on a thread of their own with a connection of their own, after commits. Run
//! by the writing connection, as SQLite does by default, each one stopped the collector for
//! the length of its `fsync`s, the workers' messages piled up behind it, and a 1 GiB scan
//! into the database took 10.5-10.6 s where the same scan without any `fsync` took 9.9 s.

use crate::batch::FindingBatch;
use crate::{BlobWriter, ScanOutcome, Store, StoreError, StoredFinding};
use leakscope_core::{DetectorInfo, NoticeKind};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Objects per transaction, at most.
const BATCH_OBJECTS: usize = 500;

/// Longest time between two commits.
const BATCH_TIME: Duration = Duration::from_secs(1);

/// What a scan knows of an object it has just read.
#[derive(Debug, Clone, Copy)]
pub struct ScannedObject<'a> {
    /// Where the object is (masked).
    pub location: &'a str,
    pub size: u64,
    pub mtime_ns: i64,
    /// The content hash, when the object was hashed.
    pub content_hash: Option<&'a str>,
    /// False when reading it met an error: the result is partial, and the next scan must
    /// read it again instead of trusting it.
    pub complete: bool,
    /// For a git blob, the commit that introduced it, as JSON.
    pub origin: Option<&'a str>,
}

/// An object found unchanged since an earlier scan, whose findings are the blob's.
#[derive(Debug, Clone, Copy)]
pub struct UnchangedObject<'a> {
    pub location: &'a str,
    pub size: u64,
    pub mtime_ns: i64,
    /// The blob recorded for it before.
    pub blob: i64,
    pub origin: Option<&'a str>,
}

/// A scan's totals, recorded when it finishes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanTotals {
    pub objects_scanned: u64,
    pub objects_unchanged: u64,
    pub bytes_scanned: u64,
    pub findings: u64,
    pub errors: u64,
}

/// One scan being recorded (see the module documentation).
pub struct ScanWriter<'s> {
    store: &'s Store,
    scan: i64,
    ruleset: String,
    /// Blobs of objects whose findings arrived in partial batches, by the scan's object
    /// number.
    open: HashMap<u64, BlobWriter>,
    in_batch: usize,
    last_commit: Instant,
    /// Checkpoints the database after commits (a file database only).
    checkpointer: Option<Checkpointer>,
}

/// A thread that checkpoints the write-ahead log when told a commit happened.
struct Checkpointer {
    /// Holds at most one request: commits while a checkpoint runs ask for one more, not
    /// for one each.
    wake: SyncSender<()>,
    thread: JoinHandle<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` with a connection of its own, and turns
    /// the writing connection's own checkpoints off.
    fn start(store: &Store, path: &str) -> Result<Checkpointer, StoreError> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        store.set_auto_checkpoint(false)?;
        let (wake, asked) = sync_channel::<()>(1);
        let thread = std::thread::spawn(move || {
            while asked.recv().is_ok() {
                // A passive checkpoint copies what no reader still needs and never waits
                // for the writer; what it leaves, the next one copies. A failure (the disk
                // full, say) leaves the log to grow: the writer's commits are unaffected,
                // and closing the database checkpoints again.
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
        });
        Ok(Checkpointer { wake, thread })
    }

    /// Asks for a checkpoint, unless one is already asked for.
    fn after_commit(&self) {
        let _ = self.wake.try_send(());
    }

    /// Waits for the checkpoint under way, if any, and ends the thread.
    fn stop(self) {
        drop(self.wake);
        let _ = self.thread.join();
    }
}

impl Store {
    /// Begins recording a scan of `targets` (JSON text, masked) under `ruleset`, with what
    /// its detectors say about themselves (see [`Store::record_detectors`]).
    pub fn begin_scan_writer(
        &self,
        targets: &str,
        ruleset: &str,
        detectors: &[DetectorInfo],
    ) -> Result<ScanWriter<'_>, StoreError> {
        let scan = self.begin_scan(targets, ruleset)?;
        self.record_detectors(detectors)?;
        let mut writer = ScanWriter {
            store: self,
            scan,
            ruleset: ruleset.to_string(),
            open: HashMap::new(),
            in_batch: 0,
            last_commit: Instant::now(),
            checkpointer: None,
        };
        if let Some(path) = self.file_path() {
            writer.checkpointer = Some(Checkpointer::start(self, &path)?);
        }
        // Should the batch not begin, dropping the writer stops the checkpoint thread and
        // gives checkpoints back to this connection.
        self.begin_batch()?;
        Ok(writer)
    }
}

impl Drop for ScanWriter<'_> {
    /// A scan that ends early (an error) stops checkpointing too.
    fn drop(&mut self) {
        let _ = self.stop_checkpoints();
    }
}

impl ScanWriter<'_> {
    /// Ends the checkpoint thread and gives checkpoints back to the writing connection.
    fn stop_checkpoints(&mut self) -> Result<(), StoreError> {
        if let Some(c) = self.checkpointer.take() {
            c.stop();
            self.store.set_auto_checkpoint(true)?;
        }
        Ok(())
    }

    /// The id of the scan being recorded.
    pub fn scan_id(&self) -> i64 {
        self.scan
    }

    /// Records a notice (its path and message masked by the caller).
    pub fn notice(
        &mut self,
        location: &str,
        kind: NoticeKind,
        message: &str,
    ) -> Result<(), StoreError> {
        self.store.add_notice(self.scan, location, kind, message)
    }

    /// Records findings of object number `object` that is still being read.
    pub fn partial<F: Borrow<StoredFinding>>(
        &mut self,
        object: u64,
        findings: &[F],
    ) -> Result<(), StoreError> {
        let batch = self.store.pack(findings);
        self.partial_packed(object, &batch)
    }

    /// [`ScanWriter::partial`] with findings packed by the caller (see [`FindingBatch`]).
    pub fn partial_packed(&mut self, object: u64, batch: &FindingBatch) -> Result<(), StoreError> {
        let blob = match self.open.entry(object) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                self.store
                    .begin_blob(&format!("pending:{}:{object}", self.scan), &self.ruleset)?,
            ),
        };
        self.store.append_packed(blob, batch)?;
        self.end_object()
    }

    /// Records object number `object`, read to its end, with its last findings (those not
    /// sent as partial batches).
    pub fn scanned<F: Borrow<StoredFinding>>(
        &mut self,
        object: u64,
        o: ScannedObject<'_>,
        findings: &[F],
    ) -> Result<(), StoreError> {
        let batch = self.store.pack(findings);
        self.scanned_packed(object, o, &batch)
    }

    /// [`ScanWriter::scanned`] with findings packed by the caller (see [`FindingBatch`]).
    pub fn scanned_packed(
        &mut self,
        object: u64,
        o: ScannedObject<'_>,
        batch: &FindingBatch,
    ) -> Result<(), StoreError> {
        // An object with errors is recorded under a content hash that never matches, so
        // the next run scans it again instead of trusting a partial result.
        let hash = match (o.content_hash, o.complete) {
            (Some(h), true) => h.to_string(),
            _ => format!("incomplete:{}:{}", o.location, crate::now_rfc3339()),
        };
        let blob = match self.open.remove(&object) {
            Some(mut blob) => {
                self.store.append_packed(&mut blob, batch)?;
                self.store.finish_blob(blob, &hash, o.size)?
            }
            None => self
                .store
                .insert_packed(&hash, &self.ruleset, o.size, batch)?,
        };
        self.store.add_object(
            self.scan,
            blob,
            o.location,
            o.size,
            if o.complete { o.mtime_ns } else { -1 },
            false,
            o.origin,
        )?;
        self.end_object()
    }

    /// Records an object found unchanged.
    pub fn unchanged(&mut self, o: UnchangedObject<'_>) -> Result<(), StoreError> {
        self.store.add_object(
            self.scan, o.blob, o.location, o.size, o.mtime_ns, true, o.origin,
        )?;
        self.end_object()
    }

    /// Commits when the batch is full or old enough.
    fn end_object(&mut self) -> Result<(), StoreError> {
        self.in_batch += 1;
        if self.in_batch >= BATCH_OBJECTS || self.last_commit.elapsed() > BATCH_TIME {
            self.store.commit_batch()?;
            if let Some(c) = &self.checkpointer {
                c.after_commit();
            }
            self.store.begin_batch()?;
            self.in_batch = 0;
            self.last_commit = Instant::now();
        }
        Ok(())
    }

    /// Commits what is left and records how the scan ended, with its totals.
    pub fn finish(mut self, outcome: ScanOutcome, t: &ScanTotals) -> Result<(), StoreError> {
        self.store.commit_batch()?;
        self.stop_checkpoints()?;
        self.store.finish_scan(
            self.scan,
            outcome,
            t.objects_scanned,
            t.objects_unchanged,
            t.bytes_scanned,
            t.findings,
            t.errors,
        )
    }
}
