//! `leakscope scan`: walk, decode, detect, record and print, on all cores.
//!
//! Threads: one walker lists files into a bounded queue; N workers each own a
//! [`Scanner`] and turn one object at a time into findings and notices; the calling
//! thread is the single collector that writes the findings database in batched
//! transactions and drives the printer and progress bar. Bounded channels keep memory
//! flat however large the input is.
//!
//! Incremental: before reading a file, a worker asks the database whether this location
//! was scanned with the same size, modification time and ruleset (no read at all); then
//! whether its content hash was (a moved or copied file). Either way its stored findings
//! are reported again and it is not decoded. An interrupted scan resumes the same way.

use crate::filter::BaselineEntry;
pub use crate::filter::Filter;
use crate::names::Names;
use crate::roots::{Committed, Emit, GitOptions};
use anyhow::Result;
use crossbeam_channel::{bounded, Receiver, Sender};
use indicatif::{ProgressBar, ProgressStyle};
use leakscope_core::buffer::emptied;
use leakscope_core::{Category, CommitInfo, DetectorInfo, Finding, ObjectPath, Severity};
use leakscope_detect::{Engine, RecordField, Scanner, StreamScanner};
use leakscope_report::{Catalog, Printer, ReportFinding, ReportNotice, Summary};
use leakscope_sources::stores::{self, StoreJob, StoreOptions};
use leakscope_sources::walk::{WalkItem, WalkOptions};
use leakscope_sources::{FieldAt, Limits, Notice, NoticeKind, RowCell, Sink};
use leakscope_store::batch::FindingBatch;
use leakscope_store::chunk::{split_record, Encoder, FindingRef, RecordKey};
use leakscope_store::writer::{ScanTotals, ScanWriter, ScannedObject, UnchangedObject};
use leakscope_store::{ScanOutcome, Store, StoredFinding};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Set by Ctrl-C: workers stop taking new objects, the collector records what was
/// finished and marks the scan interrupted, so running the same command again resumes.
pub static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn stopping() -> bool {
    STOP.load(std::sync::atomic::Ordering::Relaxed)
}

/// Files up to this size are read once into memory for both hashing and decoding.
const IN_MEMORY_BYTES: u64 = 32 << 20;

/// Everything a scan needs, resolved from flags and configuration.
pub struct ScanPlan<'a> {
    pub engine: &'a Engine,
    /// Every detector at every confidence: masks names on their way out (see [`Names`]).
    pub redaction: &'a Engine,
    pub ruleset: String,
    /// Every detector the scan runs, described (YARA rules included).
    pub detectors: Vec<DetectorInfo>,
    /// The same, looked up by id.
    pub catalog: Catalog,
    /// YARA rules run over every object's raw bytes.
    pub yara: Option<&'a crate::yara::Rules>,
    pub roots: Vec<String>,
    pub walk: WalkOptions,
    /// How git repositories among the roots are read.
    pub git: GitOptions,
    /// How `s3://`, `mongodb://`, `postgres://`, `mysql://` and `redis://` roots are read.
    pub store: StoreOptions,
    pub limits: Limits,
    pub threads: usize,
    pub show_values: bool,
    pub db_path: Option<PathBuf>,
    pub filter: Filter,
    pub progress: bool,
    /// The exit code is 1 when a finding of this severity or worse is reported.
    pub fail_on: Option<Severity>,
    pub write_baseline: Option<PathBuf>,
    /// Whether the findings of unchanged objects are printed one by one (otherwise only
    /// counted, which keeps a rescan fast).
    pub print_unchanged: bool,
    /// The configuration file read, for the summary.
    pub config_file: Option<PathBuf>,
}

impl ScanPlan<'_> {
    /// Whether a finding of `detector` makes the scan fail (`--fail-on`).
    fn fails(&self, detector: &str, category: Category) -> bool {
        self.fail_on
            .is_some_and(|min| self.catalog.severity(detector, category) >= min)
    }
}

/// One finding on its way out: the printed form and the stored form.
struct Out {
    stored: StoredFinding,
    /// The raw value, kept only with `--show-values` (for the printer, never stored).
    raw: Option<String>,
}

impl std::borrow::Borrow<StoredFinding> for Out {
    fn borrow(&self) -> &StoredFinding {
        &self.stored
    }
}

/// What the collector needs of the findings the workers send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// Their number per detector only: nothing stores, prints or filters them, so no
    /// masks, keyed hashes or record names are built for them.
    Counts,
    /// Packed for the database by the worker (see [`FindingBatch`]): they are stored and
    /// not printed.
    Packed,
    /// Whole: they are printed or filtered (and stored, with a database).
    Whole,
}

/// An object's findings on their way to the collector, in the form its [`Delivery`] asks.
enum Found {
    Whole(Vec<Out>),
    /// Packed, or only counted.
    Packed(FindingBatch),
}

impl Default for Found {
    fn default() -> Self {
        Found::Whole(Vec::new())
    }
}

/// What a worker sends to the collector.
enum Msg {
    /// Findings of an object still being read: a large object's findings stream to the
    /// collector instead of accumulating in the worker.
    Partial {
        object: u64,
        location: String,
        findings: Found,
        commit: Option<CommitInfo>,
    },
    Scanned {
        /// The object's number (see [`next_object`]); it ties earlier partials to it.
        object: u64,
        location: String,
        size: u64,
        mtime_ns: i64,
        content_hash: Option<String>,
        findings: Found,
        notices: Vec<Notice>,
        /// The commit a git blob is attributed to, printed beside its findings.
        commit: Option<CommitInfo>,
    },
    Unchanged {
        location: String,
        size: u64,
        mtime_ns: i64,
        blob: i64,
        commit: Option<CommitInfo>,
    },
    Notice(Notice),
    Walked(u64),
    /// A work-tree file whose content is a blob of the repository's history, which is
    /// scanned (and reported) as that blob instead.
    InHistory(u64),
}

/// Work for a worker.
enum Job {
    /// A file, with the history of the repository whose work tree holds it.
    File(WalkItem, Option<Arc<Committed>>),
    Stdin,
    /// A batch of records or an object from a data store.
    Store(StoreJob),
}

/// Decoded content goes through the engine here.
struct ScanSink<'a, 'e> {
    scanner: &'a mut Scanner<'e>,
    /// Masks paths, members, fields and records of findings.
    names: &'a mut Names<'e>,
    /// The object's path as decoders name it (raw), and as it is stored and printed.
    root: &'a str,
    /// Shared by the printed forms the filter judges (one per object, not per finding).
    location: Arc<str>,
    show_values: bool,
    /// The form the collector takes the findings in.
    delivery: Delivery,
    /// The findings packed or counted so far (not with [`Delivery::Whole`]).
    packed: FindingBatch,
    filter: &'a Filter,
    catalog: &'a Catalog,
    /// The path of the text being streamed, if one is.
    text: Option<String>,
    /// The worker's buffers, lent to this object.
    reuse: &'a mut Reuse,
    out: Vec<Out>,
    notices: Vec<Notice>,
    /// Notices of this object beyond [`MAX_NOTICES_PER_OBJECT`]: counted, not kept.
    dropped: DroppedNotices,
    /// Where full batches of findings go while the object is read, and the object's number.
    partials: &'a Outbox,
    object: u64,
    /// The commit of a git blob (sent with partial batches too).
    commit: Option<CommitInfo>,
    /// YARA rules, run over each object's raw bytes.
    yara: Option<&'a crate::yara::Rules>,
    /// Findings of one YARA run, reused.
    implants: Vec<Finding>,
}

/// What a worker lends each object's sink and takes back: a dense object no longer grows
/// (and faults in) megabytes of fresh buffers, only to free them at its end.
struct Reuse {
    /// The chunked scan of a text.
    stream: StreamScanner,
    /// Findings of the last engine call, on their way out.
    found: Vec<Finding>,
    /// Cells of the record being collected; scanned together in one engine call.
    pending: PendingRecord,
    /// For each finding of a record scan, the index of its cell.
    owners: Vec<u32>,
    /// Encodes packed findings (with [`Delivery::Packed`]).
    encoder: Encoder,
    /// The path of a store record's cell with a finding.
    cell_path: String,
    /// The buffer of the list of a record's fields handed to the engine (see
    /// [`emptied`]).
    fields: Vec<RecordField<'static>>,
}

impl Reuse {
    fn new(scanner: &Scanner<'_>) -> Self {
        Reuse {
            stream: StreamScanner::new(scanner),
            found: Vec::new(),
            pending: PendingRecord::default(),
            owners: Vec::new(),
            encoder: Encoder::default(),
            cell_path: String::new(),
            fields: Vec::new(),
        }
    }

    /// Empties what an earlier object may have left (one that ended in an error midway).
    fn clear(&mut self) {
        self.stream.restart();
        self.found.clear();
        self.owners.clear();
        self.pending.clear();
        self.pending.record.clear();
    }
}

/// A worker's own state: its engine scanner, its masking of names and its buffers.
struct WorkerState<'e> {
    scanner: Scanner<'e>,
    names: Names<'e>,
    reuse: Reuse,
    /// The form the collector takes the findings in.
    delivery: Delivery,
    /// The buffer files are read into, kept between files: a fresh one for every file
    /// was fresh pages, faulted in one by one, for every byte scanned.
    file: Vec<u8>,
}

/// The cells of one record (a row, a document), gathered so that the engine scans the
/// record in one call instead of once per value.
#[derive(Default)]
struct PendingRecord {
    path: Option<ObjectPath>,
    /// `path` as text, made once per path rather than once per record.
    path_text: String,
    record: String,
    /// Field names and values, back to back; cells refer to them by range.
    names: String,
    values: String,
    /// The paths of cells whose path is not the record's first one, back to back.
    paths: String,
    cells: Vec<PendingCell>,
}

impl PendingRecord {
    /// Drops the cells, keeping the buffers' memory and the path (the next record's cells
    /// mostly come from the same object).
    fn clear(&mut self) {
        self.cells.clear();
        self.names.clear();
        self.values.clear();
        self.paths.clear();
    }
}

struct PendingCell {
    name: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
    /// The cell's own path in `PendingRecord::paths`, when it has one (a database cell's
    /// path names its column); `None` for the record's path.
    path: Option<std::ops::Range<usize>>,
    line: Option<u64>,
    offset: Option<u64>,
}

/// Notices kept for one object. A crafted archive can hold hundreds of thousands of
/// broken members; past this many, notices are only counted and summed up in one line.
const MAX_NOTICES_PER_OBJECT: usize = 100;

/// How many notices of each kind an object produced past the cap.
#[derive(Default)]
struct DroppedNotices {
    errors: u64,
    skips: u64,
    infos: u64,
}

impl DroppedNotices {
    fn count(&mut self, kind: NoticeKind) {
        match kind {
            NoticeKind::Error => self.errors += 1,
            NoticeKind::Skip => self.skips += 1,
            NoticeKind::Info => self.infos += 1,
        }
    }

    /// The line that stands for the dropped notices, if any were dropped. It is an error
    /// when any dropped notice was, so the exit code still tells.
    fn summary(&self, path: &str) -> Option<Notice> {
        let total = self.errors + self.skips + self.infos;
        (total > 0).then(|| Notice {
            path: path.to_string(),
            kind: if self.errors > 0 {
                NoticeKind::Error
            } else if self.skips > 0 {
                NoticeKind::Skip
            } else {
                NoticeKind::Info
            },
            message: format!(
                "and {total} more notices for this object, not listed ({} errors, {} skipped, {} remarks)",
                self.errors, self.skips, self.infos
            ),
        })
    }
}

/// Bytes of values gathered before a record is scanned even if it has not ended (a whole
/// JSON file can be one record).
const PENDING_MAX_BYTES: usize = 1 << 20;

/// Findings a worker holds for one object before sending them on: memory stays bounded
/// by this, not by how many identifiers one file holds.
const PARTIAL_FINDINGS: usize = 8192;

/// Emptied finding buffers waiting to be used again, at most: a full one holds
/// [`PARTIAL_FINDINGS`] findings, and a fresh one of that size costs a page fault every
/// few findings while it fills.
const SPARE_BUFFERS: usize = 8;

/// A worker's way to the collector: the messages it sends, and the emptied finding
/// buffers the collector hands back.
#[derive(Clone)]
struct Outbox {
    msgs: Sender<Msg>,
    spare: Receiver<Vec<Out>>,
}

impl Outbox {
    /// Sends a message; false when the collector is gone (the scan is ending).
    fn send(&self, msg: Msg) -> bool {
        self.msgs.send(msg).is_ok()
    }

    /// An empty buffer for a batch of findings: a returned one when there is one.
    fn buffer(&self) -> Vec<Out> {
        self.spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(PARTIAL_FINDINGS))
    }

    /// A returned buffer, if one waits (an object's first finding takes it instead of
    /// growing a new one by doubling).
    fn spare(&self) -> Option<Vec<Out>> {
        self.spare.try_recv().ok()
    }
}

/// Empties a batch the collector is done with and hands the buffer back to the workers,
/// unless enough are waiting already or it is too small to be worth keeping.
fn recycle(mut findings: Vec<Out>, spare: &Sender<Vec<Out>>) {
    if findings.capacity() >= PARTIAL_FINDINGS {
        findings.clear();
        let _ = spare.try_send(findings);
    }
}

/// The printed forms of a batch of findings of the object at `location`.
fn printed(
    location: &str,
    findings: &mut Vec<Out>,
    commit: Option<&CommitInfo>,
    plan: &ScanPlan<'_>,
) -> Vec<ReportFinding> {
    let location: Arc<str> = location.into();
    findings
        .drain(..)
        .map(|o| {
            let mut f = ReportFinding::from_stored(&location, o.stored, o.raw, &plan.catalog);
            annotate(&mut f, commit, plan.yara);
            f
        })
        .collect()
}

/// Counts a batch of findings (detector and category of each): per detector, in the
/// total, and against `--fail-on`. Printed and unprinted findings are counted here alike.
fn tally<'f>(
    findings: impl Iterator<Item = (&'f str, Category, u64)>,
    plan: &ScanPlan<'_>,
    summary: &mut Summary,
    by_detector: &mut BTreeMap<String, u64>,
    should_fail: &mut bool,
) {
    // A handful of detectors per batch: counted here first, so the map is touched once
    // per detector instead of once per finding.
    let mut counts: Vec<(&str, Category, u64)> = Vec::new();
    let mut total = 0u64;
    for (detector, category, n) in findings {
        total += n;
        match counts.iter_mut().find(|c| c.0 == detector) {
            Some(c) => c.2 += n,
            None => counts.push((detector, category, n)),
        }
    }
    for (detector, category, n) in counts {
        if plan.fails(detector, category) {
            *should_fail = true;
        }
        match by_detector.get_mut(detector) {
            Some(c) => *c += n,
            None => {
                by_detector.insert(detector.to_string(), n);
            }
        }
    }
    summary.findings += total;
}

/// Adds what is known about a finding beyond its row: the commit of a git blob, and the
/// meta entries and tags of the YARA rule that matched.
fn annotate(f: &mut ReportFinding, commit: Option<&CommitInfo>, yara: Option<&crate::yara::Rules>) {
    f.commit = commit.cloned();
    if f.category == Category::Implant {
        if let Some((meta, tags)) = yara.and_then(|r| crate::yara::describe(r, &f.detector)) {
            f.meta = Some(meta.into_iter().collect());
            f.tags = tags;
        }
    }
}

/// The detector list with every YARA rule in it, for SARIF rules and reports. A YARA
/// rule's `meta:` may give its `severity` and `description`; implants are critical unless
/// the rule says otherwise.
#[cfg(feature = "yara")]
pub fn detectors_with_yara(
    detectors: &[DetectorInfo],
    yara: Option<&crate::yara::Rules>,
) -> Vec<DetectorInfo> {
    let mut out = detectors.to_vec();
    for (name, meta) in yara.map(|y| y.rules().iter()).into_iter().flatten() {
        let get = |key: &str| meta.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        let description = get("description")
            .cloned()
            .unwrap_or_else(|| format!("YARA rule {name}"));
        let mut info =
            leakscope_detect::catalog::default_info(name, Category::Implant, &description);
        if let Some(sev) = get("severity").and_then(|s| s.parse().ok()) {
            info.severity = sev;
        }
        out.push(info);
    }
    out
}

/// The built-in catalog with `detectors` (what a scan runs) over it.
pub fn catalog_of(detectors: &[DetectorInfo]) -> Catalog {
    let mut catalog = Catalog::builtin();
    for d in detectors {
        catalog.insert(d.clone());
    }
    catalog
}

/// Without YARA support the detector list is the engine's.
#[cfg(not(feature = "yara"))]
pub fn detectors_with_yara(
    detectors: &[DetectorInfo],
    _yara: Option<&crate::yara::Rules>,
) -> Vec<DetectorInfo> {
    detectors.to_vec()
}

/// A number for each object a worker starts on, unique within the process.
fn next_object() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl ScanSink<'_, '_> {
    /// The findings and notices of everything decoded so far, with the last record scanned.
    fn finish(mut self) -> (Found, Vec<Notice>) {
        self.flush_record();
        if let Some(n) = self.dropped.summary(self.root) {
            self.notices.push(n);
        }
        let found = match self.delivery {
            Delivery::Whole => Found::Whole(self.out),
            Delivery::Packed | Delivery::Counts => {
                self.packed.seal(&mut self.reuse.encoder);
                Found::Packed(self.packed)
            }
        };
        (found, self.notices)
    }

    /// Adds a stored finding to the packed batch (see [`FindingBatch::push`]).
    fn push_packed(&mut self, f: &FindingRef<'_>) {
        self.packed.push(&mut self.reuse.encoder, f);
        self.send_if_full();
    }

    /// Sends the packed batch on once it holds [`PARTIAL_FINDINGS`].
    fn send_if_full(&mut self) {
        if self.packed.findings() >= PARTIAL_FINDINGS as u64 {
            // A dense object's findings go on while it is read, as with whole findings.
            self.packed.seal(&mut self.reuse.encoder);
            let findings = Found::Packed(std::mem::take(&mut self.packed));
            self.partials.send(Msg::Partial {
                object: self.object,
                location: self.location.to_string(),
                findings,
                commit: self.commit.clone(),
            });
        }
    }

    /// Scans the gathered record, if any.
    fn flush_record(&mut self) {
        if self.reuse.pending.cells.is_empty() {
            return;
        }
        let mut p = std::mem::take(&mut self.reuse.pending);
        let mut fields = emptied(std::mem::take(&mut self.reuse.fields));
        fields.extend(p.cells.iter().map(|c| RecordField {
            name: &p.names[c.name.clone()],
            value: &p.values[c.value.clone()],
        }));
        let record = (!p.record.is_empty()).then_some(p.record.as_str());
        self.scan_cells(&fields, |sink, f, o| {
            let cell = &p.cells[o];
            let value = &p.values[cell.value.clone()];
            let path = cell.path.clone().map_or(&p.path_text[..], |r| &p.paths[r]);
            sink.emit_one(f, path, cell.offset, cell.line, record, Some(value));
        });
        self.reuse.fields = emptied(fields);
        p.clear();
        self.reuse.pending = p;
    }

    /// Scans a record's cells in one engine call and hands each finding, with the index of
    /// its cell, to `emit`.
    fn scan_cells(
        &mut self,
        cells: &[RecordField<'_>],
        mut emit: impl FnMut(&mut Self, Finding, usize),
    ) {
        self.reuse.owners.clear();
        self.scanner
            .scan_record(cells, &mut self.reuse.found, &mut self.reuse.owners);
        // Both buffers are put back after the loop, so their capacity serves every record.
        let mut found = std::mem::take(&mut self.reuse.found);
        let owners = std::mem::take(&mut self.reuse.owners);
        for (f, &o) in found.drain(..).zip(&owners) {
            emit(self, f, o as usize);
        }
        self.reuse.found = found;
        self.reuse.owners = owners;
    }

    fn emit(
        &mut self,
        path: &str,
        base_offset: Option<u64>,
        base_line: Option<u64>,
        record: Option<&str>,
        value_text: Option<&str>,
    ) {
        let mut found = std::mem::take(&mut self.reuse.found);
        for f in found.drain(..) {
            self.emit_one(f, path, base_offset, base_line, record, value_text);
        }
        self.reuse.found = found;
    }

    fn emit_one(
        &mut self,
        mut f: Finding,
        path: &str,
        base_offset: Option<u64>,
        base_line: Option<u64>,
        record: Option<&str>,
        value_text: Option<&str>,
    ) {
        if self.delivery == Delivery::Counts {
            self.packed.count(&f.detector, f.category, f.confidence);
            return;
        }
        let offset = base_offset.map(|b| b + f.start as u64);
        let line = match (base_line, value_text) {
            // The engine gives a cell's finding its line within the cell (counted from the
            // finding before it); counting from the cell's start again for every finding
            // was quadratic in a long cell: 200,000 phone numbers in one 2.4 MB cell took
            // 6 s instead of 0.1.
            (Some(l), Some(v)) => Some(match f.line {
                Some(within) => l + within.saturating_sub(1),
                None => l + memchr::memchr_iter(b'\n', &v.as_bytes()[..f.start]).count() as u64,
            }),
            (Some(l), None) => Some(l),
            (None, Some(_)) => None,
            (None, None) => f.line,
        };
        // Names around the value can hold identifiers too (a file named after an ID
        // number, a JSON key that is a phone number): they are masked before they leave.
        let member = self.names.member(self.root, path, record);
        let field = f.field.take().map(|field| self.names.shared_name(field));
        if self.delivery == Delivery::Packed && !self.filter.active() {
            // Encoded straight from the finding's parts: no stored form is built, moved
            // and dropped for each of millions of findings. A line of a text object is
            // its record: the masked path and the line go to the encoder as they are,
            // where a key written for the line was split and its number compared again.
            let kept: std::sync::Arc<str>;
            let (record_base, record_key) = match (record, line) {
                (Some(r), _) => {
                    kept = self.names.record(self.root, path, r);
                    split_record(Some(&kept))
                }
                (None, Some(l)) => (Some(self.names.path(path)), Some(RecordKey::Line(l))),
                (None, None) => (None, None),
            };
            self.packed.push(
                &mut self.reuse.encoder,
                &FindingRef {
                    member: &member,
                    detector: &f.detector,
                    category: f.category,
                    confidence: f.confidence,
                    line,
                    offset,
                    field: field.as_deref(),
                    record_base,
                    record_key,
                    masked: &f.masked,
                    value_hash: f.value_hash,
                },
            );
            self.send_if_full();
            return;
        }
        let record = match record {
            Some(r) => Some(self.names.record(self.root, path, r)),
            None => line.map(|l| self.names.line_record(path, l)),
        };
        let raw_value = (self.filter.active() || self.show_values).then(|| f.raw.clone());
        let mut stored = StoredFinding::from_finding(f, member, offset, record);
        stored.line = line;
        stored.field = field;
        if let Some(raw_value) = raw_value.as_ref().filter(|_| self.filter.active()) {
            let report =
                ReportFinding::from_stored(&self.location, stored.clone(), None, self.catalog);
            if self.filter.drops(Some(raw_value.expose()), &report) {
                return;
            }
        }
        if self.delivery == Delivery::Packed {
            self.push_packed(&FindingRef::of(&stored));
            return;
        }
        let raw = raw_value
            .filter(|_| self.show_values)
            .map(|r| r.expose().to_string());
        self.push_out(Out { stored, raw });
    }

    /// Adds a finding to the object's batch, and sends the batch when it is full.
    fn push_out(&mut self, out: Out) {
        if self.out.capacity() == 0 {
            if let Some(spare) = self.partials.spare() {
                self.out = spare;
            }
        }
        self.out.push(out);
        if self.out.len() >= PARTIAL_FINDINGS {
            // An object this dense is likely to fill another message: the next buffer is
            // whole at once instead of growing (each doubling copied every finding). If the
            // collector is gone, the scan is ending anyway and the batch is dropped.
            let next = self.partials.buffer();
            let findings = Found::Whole(std::mem::replace(&mut self.out, next));
            self.partials.send(Msg::Partial {
                object: self.object,
                location: self.location.to_string(),
                findings,
                commit: self.commit.clone(),
            });
        }
    }
}

impl Sink for ScanSink<'_, '_> {
    fn begin_text(&mut self, path: &ObjectPath, _encoding: &'static str) {
        self.flush_record();
        self.reuse.stream.restart();
        self.text = Some(path.to_string());
    }

    fn text_chunk(&mut self, chunk: &str) {
        let Some(path) = self.text.take() else {
            return;
        };
        let reuse = &mut *self.reuse;
        reuse.stream.push(self.scanner, chunk, &mut reuse.found);
        if !self.reuse.found.is_empty() {
            self.emit_text_findings(&path);
        }
        self.text = Some(path);
    }

    fn end_text(&mut self) {
        if let Some(path) = self.text.take() {
            let reuse = &mut *self.reuse;
            let ignored = reuse.stream.finish(self.scanner, &mut reuse.found);
            self.filter.ignored_inline(ignored);
            self.emit_text_findings(&path);
        }
    }

    fn field(&mut self, path: &ObjectPath, at: FieldAt<'_>, value: &str) {
        // Cells of one record arrive one after another; they are gathered and scanned
        // together when the record (or the object) ends. A record's cells can have paths
        // of their own (a database cell's path names its column, a document's its field):
        // they still make one record, so that a name beside an ID, or a latitude beside a
        // longitude, in another column or field is seen. Without a record key, the path
        // tells records apart.
        let p = &self.reuse.pending;
        let same_path = p.path.as_ref() == Some(path);
        let same_record = p.record == at.record && (!at.record.is_empty() || same_path);
        if !p.cells.is_empty() && !same_record {
            self.flush_record();
        }
        let p = &mut self.reuse.pending;
        // The first cell sets the record's path; a later one with another path keeps its own.
        let first = p.cells.is_empty();
        if first {
            if !same_path {
                match &mut p.path {
                    Some(kept) => kept.clone_from(path),
                    None => p.path = Some(path.clone()),
                }
                p.path_text.clear();
                path.write_to(&mut p.path_text);
            }
            p.record.clear();
            p.record.push_str(at.record);
        }
        let own_path = (!first && !same_path).then(|| {
            let start = p.paths.len();
            path.write_to(&mut p.paths);
            start..p.paths.len()
        });
        let name_start = p.names.len();
        p.names.push_str(at.field);
        let value_start = p.values.len();
        p.values.push_str(value);
        p.cells.push(PendingCell {
            name: name_start..p.names.len(),
            value: value_start..p.values.len(),
            path: own_path,
            line: at.line,
            offset: at.offset,
        });
        if p.values.len() >= PENDING_MAX_BYTES {
            self.flush_record();
        }
    }

    fn row(&mut self, path: &ObjectPath, record: &str, cells: &[RowCell<'_>]) {
        // A row bigger than a gathered record may grow is gathered cell by cell, in parts.
        if cells.iter().map(|c| c.value.len()).sum::<usize>() >= PENDING_MAX_BYTES {
            return leakscope_sources::row_cells(self, path, record, cells);
        }
        self.flush_record();
        if cells.is_empty() {
            return;
        }
        // The row is scanned straight from the decoder's cells: no copy into the gathered
        // record and no comparison of its path and record id per cell. The path as text
        // is the gathered record's, kept while rows come from the same object.
        let p = &mut self.reuse.pending;
        if p.path.as_ref() != Some(path) {
            match &mut p.path {
                Some(kept) => kept.clone_from(path),
                None => p.path = Some(path.clone()),
            }
            p.path_text.clear();
            path.write_to(&mut p.path_text);
        }
        let path_text = std::mem::take(&mut p.path_text);
        let mut fields = emptied(std::mem::take(&mut self.reuse.fields));
        fields.extend(cells.iter().map(|c| RecordField {
            name: c.field,
            value: c.value,
        }));
        let record = (!record.is_empty()).then_some(record);
        self.scan_cells(&fields, |sink, f, o| {
            let c = &cells[o];
            sink.emit_one(f, &path_text, c.offset, c.line, record, Some(c.value));
        });
        self.reuse.fields = emptied(fields);
        self.reuse.pending.path_text = path_text;
    }

    fn record(&mut self, record: &str, fields: &leakscope_sources::stores::Fields) {
        // A record bigger than a gathered one may grow is scanned cell by cell, in parts,
        // as gathered cells are.
        if fields.value_bytes() as usize >= PENDING_MAX_BYTES {
            return leakscope_sources::record_cells(self, record, fields);
        }
        self.flush_record();
        // The record is scanned straight from its buffer: no path, copy or call per cell.
        // A cell's path (`record/field`) is written only for its findings, and only when
        // they are kept (a counting scan needs none).
        let mut cells = emptied(std::mem::take(&mut self.reuse.fields));
        cells.extend(
            fields
                .iter()
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| RecordField { name, value }),
        );
        if cells.is_empty() {
            self.reuse.fields = emptied(cells);
            return;
        }
        let mut path = std::mem::take(&mut self.reuse.cell_path);
        self.scan_cells(&cells, |sink, f, o| {
            let cell = &cells[o];
            path.clear();
            if sink.delivery != Delivery::Counts {
                path.push_str(record);
                path.push('/');
                path.push_str(cell.name);
            }
            sink.emit_one(f, &path, None, None, Some(record), Some(cell.value));
        });
        self.reuse.cell_path = path;
        self.reuse.fields = emptied(cells);
    }

    fn wants_raw(&self) -> bool {
        self.yara.is_some()
    }

    fn raw(&mut self, path: &ObjectPath, bytes: &[u8]) {
        let Some(rules) = self.yara else { return };
        let mut found = std::mem::take(&mut self.implants);
        found.clear();
        if let Err(e) = rules.scan(bytes, &mut found) {
            self.notice(Notice {
                path: path.to_string(),
                kind: NoticeKind::Error,
                message: e.to_string(),
            });
        }
        if !found.is_empty() {
            let path = path.to_string();
            for f in found.drain(..) {
                // Offsets of YARA matches count raw bytes of the object, not decoded text.
                self.emit_one(f, &path, Some(0), None, None, None);
            }
        }
        self.implants = found;
    }

    fn notice(&mut self, notice: Notice) {
        self.flush_record();
        if self.notices.len() >= MAX_NOTICES_PER_OBJECT {
            self.dropped.count(notice.kind);
            return;
        }
        self.notices.push(notice);
    }
}

impl ScanSink<'_, '_> {
    /// Findings of a text object already carry whole-text offsets and lines.
    fn emit_text_findings(&mut self, path: &str) {
        self.emit(path, Some(0), None, None, None);
    }
}

/// Scans with more findings than this are not counted for people in the summary: reading
/// them back would add seconds to every large scan (`leakscope impact` counts them).
const SUMMARY_IMPACT_MAX_FINDINGS: u64 = 1_000_000;

/// Adds to the counts of a finished scan what the summary leads with: severities, secrets,
/// implants, people, suppressed findings and the configuration file.
fn complete_summary(
    summary: &mut Summary,
    plan: &ScanPlan<'_>,
    store: Option<&Store>,
) -> Result<()> {
    summary.rank(&plan.catalog);
    summary.suppressed = plan.filter.suppressed();
    summary.config = plan.config_file.as_ref().map(|p| p.display().to_string());
    if let (Some(store), Some(id)) = (store, summary.scan_id) {
        if summary.findings <= SUMMARY_IMPACT_MAX_FINDINGS {
            let linking = plan.catalog.linking();
            let r = store.impact(&[id], leakscope_impact::ImpactConfig::new(linking))?;
            summary.people = Some(leakscope_report::People {
                distinct: r.distinct_people,
                records: r.records_exposed,
                estimated: r.mode != "exact",
            });
        }
    }
    Ok(())
}

/// Runs the scan and returns the exit code and the totals.
pub fn run_with_summary(
    plan: ScanPlan<'_>,
    mut printer: Box<dyn Printer>,
) -> Result<(i32, Summary)> {
    let started = Instant::now();
    let store = match &plan.db_path {
        Some(p) => Some(Store::open(p)?),
        None => None,
    };
    // Credentials in store URLs are used to connect and never recorded.
    let mut names = Names::new(plan.redaction);
    let redacted: Vec<String> = plan
        .roots
        .iter()
        .map(|r| names.text(&stores::redact(r, r)))
        .collect();
    let targets = serde_json::to_string(&redacted)?;
    // Reports and the dashboard rank and describe detectors (YARA rules and watch-lists
    // too) from what the scan records of them.
    let mut writer = match &store {
        Some(s) => Some(s.begin_scan_writer(&targets, &plan.ruleset, &plan.detectors)?),
        None => None,
    };
    let scan_id = writer.as_ref().map(ScanWriter::scan_id);
    let (job_tx, job_rx) = bounded::<Job>(256);
    // Store jobs hold their records (a thousand rows, up to 8 MiB): a reader faster than
    // the workers would fill the job queue with them. One ticket per store job in flight
    // bounds that; a worker hands the ticket back when the job is done.
    let (ticket_tx, ticket_rx) = bounded::<()>(2 * plan.threads.max(1) + 2);
    // Whether anybody reads the findings one by one: a quiet scan into the database only
    // stores them, and one without a database only counts them.
    let show = printer.prints_findings() || plan.write_baseline.is_some();
    let delivery = if show {
        Delivery::Whole
    } else if store.is_some() {
        Delivery::Packed
    } else if plan.filter.active() || plan.show_values {
        Delivery::Whole
    } else {
        Delivery::Counts
    };
    // A message carries at most `PARTIAL_FINDINGS` findings, so sixteen in flight hold a
    // few tens of megabytes at worst. With only two, workers stalled whenever the
    // collector paused for the database (a WAL checkpoint writes thousands of pages): a
    // scan into the database took 8.1 s where one without took 4.7 s; with sixteen, 5.5 s.
    // Packed findings take a third of the memory of whole ones, and the collector's
    // pauses (a commit and checkpoint every second, 200 ms each on a 1 GiB scan) still
    // filled sixteen: both workers then stood idle for part of the pause.
    let in_flight = if delivery == Delivery::Packed { 64 } else { 16 };
    let (msg_tx, msg_rx) = bounded::<Msg>(in_flight);
    let (spare_tx, spare_rx) = bounded::<Vec<Out>>(SPARE_BUFFERS);
    let progress = if plan.progress {
        Some(progress_bar())
    } else {
        None
    };

    let mut summary = Summary {
        scan_id,
        ..Default::default()
    };
    let mut baseline_out: Vec<BaselineEntry> = Vec::new();
    let mut should_fail = false;
    let outcome: Result<()> = std::thread::scope(|scope| {
        // Walker.
        let walk_tx = msg_tx.clone();
        let roots = plan.roots.clone();
        let walk_opts = plan.walk.clone();
        let store_opts = &plan.store;
        let git_plan = &plan.git;
        let redaction = plan.redaction;
        scope.spawn(move || {
            let mut fs_roots = Vec::new();
            let mut store_roots = Vec::new();
            for r in &roots {
                if r == "-" {
                    let _ = job_tx.send(Job::Stdin);
                } else if stores::is_store_url(r) {
                    store_roots.push(r.as_str());
                } else {
                    fs_roots.push(PathBuf::from(r));
                }
            }
            // Store jobs (of store roots, and of git history) wait for a ticket first.
            let store_job = |job: StoreJob| {
                let _ = walk_tx.send(Msg::Walked(job.size()));
                !stopping() && ticket_tx.send(()).is_ok() && job_tx.send(Job::Store(job)).is_ok()
            };
            // A missing root is reported here, once, and not handed to the walker (which
            // would report it a second time in its own words).
            fs_roots.retain(|r| {
                let exists = r.symlink_metadata().is_ok();
                if !exists {
                    let _ = walk_tx.send(Msg::Notice(Notice {
                        path: r.display().to_string(),
                        kind: NoticeKind::Error,
                        message: "no such file or directory".into(),
                    }));
                }
                exists
            });
            let roots: Vec<String> = fs_roots
                .iter()
                .map(|r| r.display().to_string())
                .collect();
            let file = |item: WalkItem, committed: Option<Arc<Committed>>| {
                if stopping() {
                    return;
                }
                let _ = walk_tx.send(Msg::Walked(item.size));
                let _ = job_tx.send(Job::File(item, committed));
            };
            let notice = |n: Notice| {
                let _ = walk_tx.send(Msg::Notice(n));
            };
            crate::roots::run(
                &roots,
                &walk_opts,
                git_plan,
                Emit {
                    file: &file,
                    job: &mut |job| store_job(job),
                    notice: &notice,
                },
            );
            let mut key_names = Names::new(redaction);
            for url in store_roots {
                if stopping() {
                    break;
                }
                if let Some(n) = store_opts.sample {
                    // A sample is not the whole store: say so where the results are read.
                    let _ = walk_tx.send(Msg::Notice(Notice {
                        path: stores::redact(url, url),
                        kind: NoticeKind::Info,
                        message: format!(
                            "sampled: at most {n} objects, documents or rows per prefix, collection or table (random where the store supports it)"
                        ),
                    }));
                }
                stores::list(
                    url,
                    store_opts,
                    &mut |job| store_job(job),
                    &mut |n| {
                        // Listers name records by key (`_id`, a Redis key), and a key can be
                        // an identifier: notices are stored, so they are masked like
                        // record locations are.
                        let _ = walk_tx.send(Msg::Notice(key_names.notice(n)));
                    },
                );
            }
        });
        // Workers.
        for _ in 0..plan.threads.max(1) {
            let rx = job_rx.clone();
            let tickets = ticket_rx.clone();
            let outbox = Outbox {
                msgs: msg_tx.clone(),
                spare: spare_rx.clone(),
            };
            let plan = &plan;
            scope.spawn(move || worker(plan, rx, tickets, outbox, delivery));
        }
        drop(msg_tx);
        drop(job_rx);
        drop(ticket_rx);
        collect(
            &plan,
            store.as_ref(),
            writer.as_mut(),
            (msg_rx, &spare_tx),
            (printer.as_mut(), show),
            progress.as_ref(),
            &mut summary,
            &mut baseline_out,
            &mut should_fail,
        )
    });
    if let Some(pb) = &progress {
        pb.finish_and_clear();
    }
    outcome?;
    summary.elapsed_secs = started.elapsed().as_secs_f64();
    if let Some(writer) = writer {
        // A scan that read nothing and met errors failed as a whole (every root missing or
        // unreachable): it is recorded as such and never becomes the default scan.
        let outcome = if stopping() {
            ScanOutcome::Interrupted
        } else if summary.objects_scanned + summary.objects_unchanged == 0 && summary.errors > 0 {
            ScanOutcome::Failed
        } else {
            ScanOutcome::Completed
        };
        writer.finish(
            outcome,
            &ScanTotals {
                objects_scanned: summary.objects_scanned,
                objects_unchanged: summary.objects_unchanged,
                bytes_scanned: summary.bytes_scanned,
                findings: summary.findings,
                errors: summary.errors,
            },
        )?;
    }
    complete_summary(&mut summary, &plan, store.as_ref())?;
    printer.finish(&summary, &plan.detectors)?;
    if let Some(path) = &plan.write_baseline {
        crate::filter::write_baseline(path, baseline_out)?;
    }
    if stopping() {
        eprintln!("leakscope: interrupted; run the same command again to resume (finished objects are skipped)");
    }
    let code = if summary.errors > 0 || stopping() {
        2
    } else if should_fail {
        1
    } else {
        0
    };
    Ok((code, summary))
}

fn progress_bar() -> ProgressBar {
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}

fn worker(
    plan: &ScanPlan<'_>,
    jobs: Receiver<Job>,
    tickets: Receiver<()>,
    out: Outbox,
    delivery: Delivery,
) {
    let mut scanner = plan.engine.scanner();
    // Raw values are needed only to filter by value or to show them.
    scanner.set_keep_raw(plan.filter.active() || plan.show_values);
    // Masks and keyed hashes only for findings that someone reads.
    scanner.set_values(delivery != Delivery::Counts);
    let mut state = WorkerState {
        reuse: Reuse::new(&scanner),
        scanner,
        names: Names::new(plan.redaction),
        delivery,
        file: Vec::new(),
    };
    let reader = plan
        .db_path
        .as_deref()
        .and_then(|p| Store::open_reader(p).ok());
    for job in jobs {
        if stopping() {
            break;
        }
        let msg = match job {
            Job::Stdin => {
                let mut sink = new_sink(&mut state, "-", "-", plan, &out);
                let stdin = std::io::stdin();
                let mut lock = stdin.lock();
                let budget = leakscope_sources::Budget::new(plan.limits.max_total_bytes);
                leakscope_sources::decode_reader(
                    &ObjectPath::root("-"),
                    "-",
                    &mut lock,
                    None,
                    &plan.limits,
                    &budget,
                    &mut sink,
                );
                let object = sink.object;
                let (findings, notices) = sink.finish();
                Msg::Scanned {
                    object,
                    location: "-".into(),
                    size: 0,
                    mtime_ns: 0,
                    content_hash: None,
                    findings,
                    notices,
                    commit: None,
                }
            }
            Job::File(item, committed) => {
                let committed = committed.as_deref();
                scan_file(plan, &mut state, reader.as_ref(), item, committed, &out)
            }
            Job::Store(job) => {
                let msg = scan_store(plan, &mut state, reader.as_ref(), job, &out);
                let _ = tickets.try_recv();
                msg
            }
        };
        if !out.send(msg) {
            break;
        }
    }
}

fn new_sink<'a, 'e>(
    state: &'a mut WorkerState<'e>,
    root: &'a str,
    location: &'a str,
    plan: &'a ScanPlan<'_>,
    partials: &'a Outbox,
) -> ScanSink<'a, 'e> {
    let WorkerState {
        scanner,
        names,
        reuse,
        delivery,
        ..
    } = state;
    reuse.clear();
    ScanSink {
        partials,
        object: next_object(),
        scanner,
        names,
        root,
        location: location.into(),
        show_values: plan.show_values,
        delivery: *delivery,
        packed: FindingBatch::new(),
        filter: &plan.filter,
        catalog: &plan.catalog,
        text: None,
        reuse,
        out: Vec::new(),
        notices: Vec::new(),
        dropped: DroppedNotices::default(),
        commit: None,
        yara: plan.yara,
        implants: Vec::new(),
    }
}

fn scan_file(
    plan: &ScanPlan<'_>,
    state: &mut WorkerState<'_>,
    reader: Option<&Store>,
    item: WalkItem,
    committed: Option<&Committed>,
    partials: &Outbox,
) -> Msg {
    let location = state.names.path(&item.display).to_string();
    // Raw values are never stored, so `--show-values` must read every object again.
    let reader = if plan.show_values { None } else { reader };
    if let Some(store) = reader {
        if let Ok(Some(blob)) =
            store.unchanged_blob(&location, item.size, item.mtime_ns, &plan.ruleset)
        {
            return Msg::Unchanged {
                location,
                size: item.size,
                mtime_ns: item.mtime_ns,
                blob,
                commit: None,
            };
        }
    }
    let error = |message: String| Msg::Scanned {
        object: 0,
        location: location.clone(),
        size: item.size,
        mtime_ns: item.mtime_ns,
        content_hash: None,
        findings: Found::default(),
        notices: vec![Notice {
            path: location.clone(),
            kind: NoticeKind::Error,
            message,
        }],
        commit: None,
    };
    let in_memory = item.size <= IN_MEMORY_BYTES;
    let (bytes, content_hash) = if in_memory {
        let mut b = std::mem::take(&mut state.file);
        match read_into(&item.fs_path, &mut b) {
            Ok(()) => {
                let h = plan
                    .db_path
                    .is_some()
                    .then(|| blake3::hash(&b).to_hex().to_string());
                (Some(b), h)
            }
            Err(e) => {
                state.file = b;
                return error(format!("read error: {e}"));
            }
        }
    } else if plan.db_path.is_some() {
        match hash_file(&item.fs_path) {
            Ok(h) => (None, Some(h)),
            Err(e) => return error(format!("read error: {e}")),
        }
    } else {
        (None, None)
    };
    // The file's buffer goes back to the worker whichever way the file is done with.
    let keep = |state: &mut WorkerState<'_>, bytes: Option<Vec<u8>>| {
        if let Some(b) = bytes {
            state.file = b;
        }
    };
    if let (Some(committed), Some(b)) = (committed, &bytes) {
        if committed.contains_content(b) {
            keep(state, bytes);
            return Msg::InHistory(item.size);
        }
    }
    if let (Some(store), Some(hash)) = (reader, &content_hash) {
        if let Ok(Some(blob)) = store.blob_by_content(hash, &plan.ruleset) {
            keep(state, bytes);
            return Msg::Unchanged {
                location,
                size: item.size,
                mtime_ns: item.mtime_ns,
                blob,
                commit: None,
            };
        }
    }
    let mut sink = new_sink(state, &item.display, &location, plan, partials);
    let object = sink.object;
    match &bytes {
        Some(b) => leakscope_sources::decode_file_bytes(
            &item.fs_path,
            &item.display,
            b,
            &plan.limits,
            &mut sink,
        ),
        None => {
            leakscope_sources::decode_file(&item.fs_path, &item.display, &plan.limits, &mut sink)
        }
    }
    let (findings, notices) = sink.finish();
    keep(state, bytes);
    Msg::Scanned {
        object,
        location,
        size: item.size,
        mtime_ns: item.mtime_ns,
        content_hash,
        findings,
        notices,
        commit: None,
    }
}

/// Scans one batch of records or one object from a data store. Its content identity (a
/// hash of the records, or the object's ETag and size) is known before anything is
/// decoded or downloaded, so unchanged content is counted from the database instead.
fn scan_store(
    plan: &ScanPlan<'_>,
    state: &mut WorkerState<'_>,
    reader: Option<&Store>,
    job: StoreJob,
    partials: &Outbox,
) -> Msg {
    let location = job.location();
    let size = job.size();
    let content_hash = plan.db_path.is_some().then(|| job.content_hash());
    let reader = if plan.show_values { None } else { reader };
    // A commit's author is a name and an e-mail address: masked like any other text.
    let commit = job.commit().map(|c| CommitInfo {
        author: state.names.text(&c.author),
        summary: state.names.text(&c.summary),
        ..c.clone()
    });
    if let (Some(store), Some(hash)) = (reader, &content_hash) {
        if let Ok(Some(blob)) = store.blob_by_content(hash, &plan.ruleset) {
            return Msg::Unchanged {
                location: state.names.path(&location).to_string(),
                size,
                mtime_ns: 0,
                blob,
                commit,
            };
        }
    }
    let mut job = job;
    // A record's key goes into its location, and locations are stored: an `_id` or primary
    // key that is itself an identifier (a phone number as `_id`) is masked there like any
    // other value.
    state.names.texts(&mut job.keys_mut());
    let location = state.names.path(&location).to_string();
    let root = job.location();
    let mut sink = new_sink(state, &root, &location, plan, partials);
    sink.commit = commit.clone();
    let object = sink.object;
    job.decode(&plan.limits, &mut sink);
    let (findings, notices) = sink.finish();
    job.recycle();
    Msg::Scanned {
        object,
        location: location.clone(),
        size,
        mtime_ns: 0,
        content_hash,
        findings,
        notices,
        commit,
    }
}

/// Reads the file at `path` into `buf`, emptied first (its memory kept).
fn read_into(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Read as _;
    buf.clear();
    let mut file = std::fs::File::open(path)?;
    if let Ok(meta) = file.metadata() {
        buf.reserve(meta.len() as usize);
    }
    file.read_to_end(buf)?;
    Ok(())
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

#[allow(clippy::too_many_arguments)]
fn collect(
    plan: &ScanPlan<'_>,
    store: Option<&Store>,
    mut writer: Option<&mut ScanWriter<'_>>,
    (rx, spare): (Receiver<Msg>, &Sender<Vec<Out>>),
    // Whether findings are printed (or written to a baseline) one by one.
    (printer, show): (&mut dyn Printer, bool),
    progress: Option<&ProgressBar>,
    summary: &mut Summary,
    baseline: &mut Vec<BaselineEntry>,
    should_fail: &mut bool,
) -> Result<()> {
    let mut by_detector: BTreeMap<String, u64> = BTreeMap::new();
    // Every notice passes here, from walkers, listers and decoders alike: its path and
    // message are masked once, before they are stored or printed.
    let mut names = Names::new(plan.redaction);
    let mut note = |n: &Notice,
                    summary: &mut Summary,
                    printer: &mut dyn Printer,
                    writer: &mut Option<&mut ScanWriter<'_>>|
     -> Result<()> {
        let n = &names.notice(n.clone());
        match n.kind {
            NoticeKind::Error => summary.errors += 1,
            NoticeKind::Skip => summary.skipped += 1,
            NoticeKind::Info => {}
        }
        if let Some(w) = writer {
            w.notice(&n.path, n.kind, &n.message)?;
        }
        let r = ReportNotice {
            kind: n.kind.as_str().to_string(),
            path: n.path.clone(),
            message: n.message.clone(),
        };
        match progress {
            Some(pb) => pb.suspend(|| printer.notice(&r))?,
            None => printer.notice(&r)?,
        }
        Ok(())
    };
    for msg in rx {
        let mut report: Vec<ReportFinding> = Vec::new();
        let object_path;
        // Findings just read (not those of an unchanged object), with their commit.
        let mut fresh: Option<(Found, Option<CommitInfo>)> = None;
        match msg {
            Msg::Walked(size) => {
                if let Some(pb) = progress {
                    pb.inc_length(size);
                }
                continue;
            }
            Msg::InHistory(size) => {
                if let Some(pb) = progress {
                    pb.inc(size);
                }
                continue;
            }
            Msg::Notice(n) => {
                note(&n, summary, printer, &mut writer)?;
                continue;
            }
            Msg::Unchanged {
                location,
                size,
                mtime_ns,
                blob,
                commit,
            } => {
                summary.objects_unchanged += 1;
                if let (Some(s), Some(w)) = (store, writer.as_deref_mut()) {
                    let origin = commit.as_ref().map(serde_json::to_string).transpose()?;
                    w.unchanged(UnchangedObject {
                        location: &location,
                        size,
                        mtime_ns,
                        blob,
                        origin: origin.as_deref(),
                    })?;
                    if !plan.print_unchanged {
                        // Nobody reads the findings themselves: count them in the
                        // database instead of loading every row (a fast rescan).
                        for (detector, _, n) in s.blob_finding_counts(blob)? {
                            if plan.fails(&detector, Category::Custom) {
                                *should_fail = true;
                            }
                            *by_detector.entry(detector).or_default() += n;
                            summary.findings += n;
                        }
                    }
                    let rows = if plan.print_unchanged {
                        s.blob_findings(blob)?
                    } else {
                        Vec::new()
                    };
                    let shared: Arc<str> = location.as_str().into();
                    for f in rows {
                        let mut f = ReportFinding::from_stored(&shared, f, None, &plan.catalog);
                        annotate(&mut f, commit.as_ref(), plan.yara);
                        report.push(f);
                    }
                }
                if let Some(pb) = progress {
                    pb.inc(size);
                }
                object_path = location;
            }
            Msg::Partial {
                object,
                location,
                findings,
                commit,
            } => {
                if let Some(w) = writer.as_deref_mut() {
                    match &findings {
                        Found::Whole(findings) => w.partial(object, findings)?,
                        Found::Packed(batch) => w.partial_packed(object, batch)?,
                    }
                }
                fresh = Some((findings, commit));
                object_path = location;
            }
            Msg::Scanned {
                object,
                location,
                size,
                mtime_ns,
                content_hash,
                findings,
                notices,
                commit,
            } => {
                summary.objects_scanned += 1;
                summary.bytes_scanned += size;
                for n in &notices {
                    note(n, summary, printer, &mut writer)?;
                }
                if let Some(w) = writer.as_deref_mut() {
                    let origin = commit.as_ref().map(serde_json::to_string).transpose()?;
                    let object_record = ScannedObject {
                        location: &location,
                        size,
                        mtime_ns,
                        content_hash: content_hash.as_deref(),
                        complete: !notices.iter().any(|n| n.kind == NoticeKind::Error),
                        origin: origin.as_deref(),
                    };
                    match &findings {
                        Found::Whole(findings) => w.scanned(object, object_record, findings)?,
                        Found::Packed(batch) => w.scanned_packed(object, object_record, batch)?,
                    }
                }
                if let Some(pb) = progress {
                    pb.inc(size);
                }
                fresh = Some((findings, commit));
                object_path = location;
            }
        }
        match fresh {
            Some((Found::Whole(mut findings), commit)) => {
                if show {
                    report = printed(&object_path, &mut findings, commit.as_ref(), plan);
                } else {
                    let each = findings
                        .iter()
                        .map(|o| (o.stored.detector.as_str(), o.stored.category, 1));
                    tally(each, plan, summary, &mut by_detector, should_fail);
                }
                recycle(findings, spare);
            }
            Some((Found::Packed(batch), _)) => {
                let each = batch
                    .counts()
                    .iter()
                    .map(|c| (c.detector.as_str(), c.category, c.n));
                tally(each, plan, summary, &mut by_detector, should_fail);
            }
            None => {}
        }
        // Implants lead: a web shell matters more than the identifiers beside it.
        if plan.yara.is_some() {
            report.sort_by_key(|f| f.category != Category::Implant);
        }
        let each = report.iter().map(|f| (f.detector.as_str(), f.category, 1));
        tally(each, plan, summary, &mut by_detector, should_fail);
        if plan.write_baseline.is_some() {
            baseline.extend(report.iter().map(BaselineEntry::of));
        }
        if !report.is_empty() {
            match progress {
                Some(pb) => pb.suspend(|| printer.object(&object_path, &report))?,
                None => printer.object(&object_path, &report)?,
            }
        }
        if let Some(pb) = progress {
            pb.set_message(format!(
                "{} objects, {} findings",
                summary.objects_scanned + summary.objects_unchanged,
                summary.findings
            ));
        }
    }
    summary.by_detector = by_detector;
    Ok(())
}
