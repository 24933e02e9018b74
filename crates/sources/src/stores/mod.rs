//! Live data stores as scan sources: S3-compatible object storage, MongoDB, PostgreSQL,
//! MySQL/MariaDB and Redis.
//!
//! Each store has a *lister* that runs on one thread and turns the store into
//! [`StoreJob`]s: S3 objects to fetch and decode like files, or [`RecordBatch`]es of
//! documents or rows already read and flattened into `(field path, value)` pairs. Workers
//! turn jobs into findings through the same [`Sink`] as files, so every decoder and the
//! whole engine apply unchanged. Reading is read-only (cursors, `SELECT`, `SCAN`, `GET`);
//! nothing is ever written to a store.
//!
//! Paths follow the JSONL contract: `s3://bucket/key`,
//! `mongodb://host:port/db.collection/<_id>/field.path`,
//! `postgres://host:port/db/schema.table/<primary key>/column`,
//! `mysql://host:port/db/table/<primary key>/column`, `redis://host:port/db/<key>/<field>`.
//! Credentials in the URL a user names are used to connect and never appear in a path,
//! notice or error: [`redact`] strips them from anything printed.
//!
//! Drivers are behind cargo features (`mongodb`, `sql`, `s3`); Redis is always built. A
//! URL for a store this build lacks gives one located error notice.

pub mod json_row;
#[cfg(feature = "mongodb")]
pub mod mongo;
pub mod redis_store;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "sql")]
pub mod sql;

use crate::{Notice, NoticeKind, Sink};
use leakscope_core::StoreUrl;
use std::time::Duration;

/// How a store is read.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Read at most this many objects, documents or rows per prefix, collection or table
    /// (random where the store supports it); `None` reads everything.
    pub sample: Option<u64>,
    /// Endpoint of an S3-compatible server (`http://host:port`, path-style addressing).
    pub s3_endpoint: Option<String>,
    /// Use no credentials from the environment: unsigned S3 requests even when AWS keys
    /// are set, and no PGPASSWORD or pgpass password for PostgreSQL.
    pub anonymous: bool,
    /// Records per batch handed to a worker.
    pub batch_records: usize,
    /// Connect and per-request timeout.
    pub timeout: Duration,
    /// Only collections or tables whose `db.collection` / `schema.table` name matches.
    pub only: Option<globset::GlobSet>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            sample: None,
            s3_endpoint: None,
            anonymous: false,
            batch_records: 1000,
            timeout: Duration::from_secs(30),
            only: None,
        }
    }
}

impl StoreOptions {
    /// Whether a collection or table was chosen (always true without `only`).
    pub fn wants(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|set| set.is_match(name))
    }

    /// How many records the sample takes, as SQL and pipeline stages expect it.
    #[cfg(any(feature = "mongodb", feature = "sql"))]
    fn sample_size(&self) -> Option<i64> {
        self.sample.map(|n| n.min(i64::MAX as u64) as i64)
    }
}

/// Work for a scan worker.
pub enum StoreJob {
    /// Documents, rows or keys already read.
    Records(RecordBatch),
    /// An object to fetch and decode like a file.
    #[cfg(feature = "s3")]
    Object(s3::S3Object),
    /// A blob of a git repository's history.
    #[cfg(feature = "git")]
    GitBlob(crate::git::GitBlob),
}

impl StoreJob {
    /// Where the job's content comes from, without credentials: the collection, table or
    /// key space of a batch, or `s3://bucket/key` of an object.
    pub fn location(&self) -> String {
        match self {
            StoreJob::Records(batch) => batch.location.clone(),
            #[cfg(feature = "s3")]
            StoreJob::Object(object) => object.location(),
            #[cfg(feature = "git")]
            StoreJob::GitBlob(blob) => blob.location(),
        }
    }

    /// Bytes of content (field values of a batch, the listed size of an object).
    pub fn size(&self) -> u64 {
        match self {
            StoreJob::Records(batch) => batch.bytes,
            #[cfg(feature = "s3")]
            StoreJob::Object(object) => object.size,
            #[cfg(feature = "git")]
            StoreJob::GitBlob(blob) => blob.size,
        }
    }

    /// A content identity known before decoding, so unchanged content is not read again.
    pub fn content_hash(&self) -> String {
        match self {
            StoreJob::Records(batch) => batch.content_hash(),
            #[cfg(feature = "s3")]
            StoreJob::Object(object) => object.content_hash(),
            #[cfg(feature = "git")]
            StoreJob::GitBlob(blob) => blob.content_hash(),
        }
    }

    /// Every record key, to be rewritten (objects have none): keys become part of stored
    /// locations, so the caller masks identifiers in them.
    pub fn keys_mut(&mut self) -> Vec<&mut String> {
        match self {
            StoreJob::Records(batch) => batch.records.iter_mut().map(|r| &mut r.key).collect(),
            #[cfg(feature = "s3")]
            StoreJob::Object(_) => Vec::new(),
            #[cfg(feature = "git")]
            StoreJob::GitBlob(_) => Vec::new(),
        }
    }

    /// Hands a scanned batch's records back to the lister that read them, which fills
    /// them again: their buffers were made on the lister's thread, and freeing them on a
    /// worker and making new ones on the lister cost about a fortieth of a table row's
    /// scan. Other jobs, and batches whose lister is gone or has enough, are dropped.
    pub fn recycle(self) {
        if let StoreJob::Records(RecordBatch {
            records,
            recycle: Some(back),
            ..
        }) = self
        {
            let _ = back.try_send(records);
        }
    }

    /// Pushes the content into the sink: record fields directly, objects fetched and
    /// decoded like files of the same name.
    pub fn decode(&self, limits: &crate::Limits, sink: &mut dyn Sink) {
        match self {
            StoreJob::Records(batch) => {
                let _ = limits;
                batch.decode(sink)
            }
            #[cfg(feature = "s3")]
            StoreJob::Object(object) => object.decode(limits, sink),
            #[cfg(feature = "git")]
            StoreJob::GitBlob(blob) => blob.decode(limits, sink),
        }
    }

    /// The commit a git blob is attributed to; `None` for everything else.
    pub fn commit(&self) -> Option<&leakscope_core::CommitInfo> {
        match self {
            #[cfg(feature = "git")]
            StoreJob::GitBlob(blob) => blob.commit(),
            _ => None,
        }
    }
}

/// A batch of records from one collection, table or key space.
#[derive(Debug, Clone, Default)]
pub struct RecordBatch {
    /// Where the records come from, without credentials: `mongodb://h:27017/db.coll`.
    pub location: String,
    /// The records.
    pub records: Vec<Record>,
    /// Bytes of field values in the batch (for progress and summaries).
    pub bytes: u64,
    /// Where the records go back to be filled again once scanned (see
    /// [`StoreJob::recycle`]), when the lister takes them back.
    pub recycle: Option<std::sync::mpsc::SyncSender<Vec<Record>>>,
}

/// One document, row or key, flattened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// The record's identity in its collection or table: `_id`, primary key values joined
    /// by `,`, or `row N` when there is none.
    pub key: String,
    /// `(field path, value)` pairs: nested fields as `a.b`, array elements as `a.0`.
    pub fields: Fields,
}

/// The `(field path, value)` pairs of a record, in order, kept in one buffer. A row of ten
/// columns is two allocations instead of twenty: they are made on the thread that reads
/// the store and freed on a worker, where a pair of strings per field was a fifth of a
/// database scan's time in the allocator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// The paths and values, one after the other.
    text: String,
    /// Per field: where its path ends and where its value ends in `text`.
    ends: Vec<(usize, usize)>,
}

impl Fields {
    /// Drops the fields, keeping the buffers' memory.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Room for `fields` more fields of `bytes` more bytes of paths and values.
    pub fn reserve(&mut self, bytes: usize, fields: usize) {
        self.text.reserve(bytes);
        self.ends.reserve(fields);
    }

    /// Room for `fields` fields of `bytes` bytes of paths and values in all.
    pub fn with_capacity(bytes: usize, fields: usize) -> Fields {
        Fields {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(fields),
        }
    }

    /// Appends a field.
    pub fn push(&mut self, path: &str, value: &str) {
        self.text.push_str(path);
        let path_end = self.text.len();
        self.text.push_str(value);
        self.ends.push((path_end, self.text.len()));
    }

    /// Appends a field whose value is written by `value`'s `Display` (a number), without
    /// a string of its own.
    pub fn push_display(&mut self, path: &str, value: impl std::fmt::Display) {
        use std::fmt::Write as _;
        self.text.push_str(path);
        let path_end = self.text.len();
        // Writing into a `String` cannot fail.
        let _ = write!(self.text, "{value}");
        self.ends.push((path_end, self.text.len()));
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`th field's path and value.
    pub fn get(&self, i: usize) -> Option<(&str, &str)> {
        let &(path_end, value_end) = self.ends.get(i)?;
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p].1);
        Some((&self.text[start..path_end], &self.text[path_end..value_end]))
    }

    /// The fields in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone + '_ {
        (0..self.len()).map(|i| self.get(i).expect("an index below the length"))
    }

    /// Bytes of the values (for progress and summaries).
    pub fn value_bytes(&self) -> u64 {
        let mut start = 0;
        let mut total = 0;
        for &(path_end, value_end) in &self.ends {
            total += (value_end - path_end) as u64;
            start = value_end;
        }
        debug_assert!(start == self.text.len());
        total
    }
}

impl<P: AsRef<str>, V: AsRef<str>> FromIterator<(P, V)> for Fields {
    fn from_iter<I: IntoIterator<Item = (P, V)>>(pairs: I) -> Fields {
        let mut fields = Fields::default();
        for (p, v) in pairs {
            fields.push(p.as_ref(), v.as_ref());
        }
        fields
    }
}

impl RecordBatch {
    /// A content hash of the batch, so an unchanged batch is not scanned again.
    pub fn content_hash(&self) -> String {
        let mut h = blake3::Hasher::new();
        h.update(self.location.as_bytes());
        for r in &self.records {
            h.update(&[0]);
            h.update(r.key.as_bytes());
            for (f, v) in r.fields.iter() {
                h.update(&[1]);
                h.update(f.as_bytes());
                h.update(&[2]);
                h.update(v.as_bytes());
            }
        }
        format!("records:{}", h.finalize().to_hex())
    }

    /// Pushes every record into the sink, named by the batch's location and its key.
    pub fn decode(&self, sink: &mut dyn Sink) {
        let mut name = String::new();
        for r in &self.records {
            name.clear();
            name.push_str(&self.location);
            name.push('/');
            name.push_str(&r.key);
            sink.record(&name, &r.fields);
        }
    }

    pub(crate) fn push(&mut self, record: Record) {
        self.bytes += record.fields.value_bytes();
        self.records.push(record);
    }
}

/// Collects records into batches and hands full ones on, and takes scanned batches back
/// so their records' buffers are filled again (see [`StoreJob::recycle`]).
pub(crate) struct Batcher<'a> {
    batch: RecordBatch,
    size: usize,
    send: &'a mut dyn FnMut(StoreJob) -> bool,
    /// Set once the receiver has gone (the scan is stopping).
    pub(crate) closed: bool,
    /// Scanned batches' records, handed back by the workers.
    back: std::sync::mpsc::Receiver<Vec<Record>>,
    back_to: std::sync::mpsc::SyncSender<Vec<Record>>,
    /// Records to fill again, taken from a batch handed back.
    spare: Vec<Record>,
}

/// Scanned batches a lister keeps to fill again: a few, so that one is ready whenever a
/// worker is slower than the lister for a moment. A batch closes at 8 MiB of values, so
/// what the kept records hold stays within a few tens of megabytes.
const RECYCLED_BATCHES: usize = 4;

impl<'a> Batcher<'a> {
    pub(crate) fn new(
        location: String,
        size: usize,
        send: &'a mut dyn FnMut(StoreJob) -> bool,
    ) -> Self {
        let (back_to, back) = std::sync::mpsc::sync_channel(RECYCLED_BATCHES);
        Batcher {
            batch: RecordBatch {
                location,
                recycle: Some(back_to.clone()),
                ..Default::default()
            },
            size: size.max(1),
            send,
            closed: false,
            back,
            back_to,
            spare: Vec::new(),
        }
    }

    /// An empty record to fill: one of a scanned batch's, with its buffers, when one has
    /// come back.
    pub(crate) fn record(&mut self) -> Record {
        if self.spare.is_empty() {
            if let Ok(records) = self.back.try_recv() {
                self.spare = records;
            }
        }
        match self.spare.pop() {
            Some(mut r) => {
                r.key.clear();
                r.fields.clear();
                r
            }
            None => Record::default(),
        }
    }

    /// Adds a record; returns false when the scan is stopping.
    pub(crate) fn add(&mut self, record: Record) -> bool {
        self.batch.push(record);
        // Batches also close at 8 MiB so one huge document does not make a huge message.
        if self.batch.records.len() >= self.size || self.batch.bytes >= 8 << 20 {
            self.flush();
        }
        !self.closed
    }

    /// Sends what is collected.
    pub(crate) fn flush(&mut self) {
        if self.batch.records.is_empty() || self.closed {
            return;
        }
        let next = RecordBatch {
            location: self.batch.location.clone(),
            recycle: Some(self.back_to.clone()),
            ..Default::default()
        };
        let full = std::mem::replace(&mut self.batch, next);
        if !(self.send)(StoreJob::Records(full)) {
            self.closed = true;
        }
    }
}

/// The schemes [`list`] reads (see [`StoreUrl`]).
pub fn is_store_url(text: &str) -> bool {
    StoreUrl::is_store_url(text)
}

/// `text` without the credentials of `url` (its user information and password), or of
/// anything URL-like when `url` does not parse.
pub fn redact(url: &str, text: &str) -> String {
    match StoreUrl::parse(url) {
        Ok(u) => u.redact(text),
        Err(_) => leakscope_core::store_url::redact_text(text),
    }
}

/// Reads the store behind `url`, sending jobs until done or until `send` returns false.
/// Problems become notices located at the (credential-free) store, collection or table.
pub fn list(
    url: &str,
    options: &StoreOptions,
    send: &mut dyn FnMut(StoreJob) -> bool,
    notice: &mut dyn FnMut(Notice),
) {
    let parsed = match StoreUrl::parse(url) {
        Ok(u) => u,
        Err(e) => {
            return notice(Notice {
                path: leakscope_core::store_url::redact_text(url),
                kind: NoticeKind::Error,
                message: e.to_string(),
            })
        }
    };
    // Drivers get the URL well-formed: a password with `@` or `/` typed as is becomes
    // percent-encoded, so no driver mistakes part of it for the host.
    let driver = parsed.for_driver();
    let url = driver.as_str();
    let scheme = parsed.scheme.clone();
    let mut located = |path: &str, kind: NoticeKind, message: String| {
        notice(Notice {
            path: parsed.redact(path),
            kind,
            message: parsed.redact(&message),
        })
    };
    #[cfg(not(all(feature = "mongodb", feature = "sql", feature = "s3")))]
    let missing = |feature: &str| {
        format!(
            "this build of leakscope cannot read this store (rebuild with `--features {feature}`)"
        )
    };
    match scheme.as_str() {
        "redis" => redis_store::list(url, options, send, &mut located),
        #[cfg(feature = "mongodb")]
        "mongodb" | "mongodb+srv" => block_on(url, &mut located, |rt, r| {
            rt.block_on(mongo::list(url, options, send, r))
        }),
        #[cfg(feature = "sql")]
        "postgres" | "postgresql" => block_on(url, &mut located, |rt, r| {
            rt.block_on(sql::postgres(url, options, send, r))
        }),
        #[cfg(feature = "sql")]
        "mysql" | "mariadb" => block_on(url, &mut located, |rt, r| {
            rt.block_on(sql::mysql(url, options, send, r))
        }),
        #[cfg(feature = "s3")]
        "s3" => s3::list(&parsed, options, send, &mut located),
        #[cfg(not(feature = "mongodb"))]
        "mongodb" | "mongodb+srv" => located(url, NoticeKind::Error, missing("mongodb")),
        #[cfg(not(feature = "sql"))]
        "postgres" | "postgresql" | "mysql" | "mariadb" => {
            located(url, NoticeKind::Error, missing("sql"))
        }
        #[cfg(not(feature = "s3"))]
        "s3" => located(url, NoticeKind::Error, missing("s3")),
        _ => located(url, NoticeKind::Error, "not a data store URL".to_string()),
    }
}

/// A located notice reporter handed to the listers.
pub(crate) type Report<'a> = dyn FnMut(&str, NoticeKind, String) + 'a;

/// Runs an asynchronous lister on a tokio runtime of its own (the async drivers need one;
/// listers run on the walker thread, so a current-thread runtime is enough).
#[cfg(any(feature = "mongodb", feature = "sql"))]
fn block_on<'a>(
    url: &str,
    report: &mut Report<'a>,
    run: impl FnOnce(&tokio::runtime::Runtime, &mut Report<'a>),
) {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => run(&rt, report),
        Err(e) => report(url, NoticeKind::Error, format!("cannot start I/O: {e}")),
    }
}

/// Appends `text` to a record key with `/` written as `%2F`: a key is one segment of the
/// record's path.
pub(crate) fn push_key_part(key: &mut String, text: &str) {
    let mut parts = text.split('/');
    key.push_str(parts.next().unwrap_or_default());
    for part in parts {
        key.push_str("%2F");
        key.push_str(part);
    }
}

/// `host:port` for a location, with brackets around IPv6 addresses.
pub(crate) fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_their_pairs_in_order() {
        let mut fields = Fields::default();
        assert!(fields.is_empty() && fields.get(0).is_none());
        fields.push("name", "张三");
        fields.push("", "");
        fields.push_display("id", 42u64);
        fields.push("tags.0", "a");
        let pairs: Vec<(&str, &str)> = fields.iter().collect();
        assert_eq!(
            pairs,
            [("name", "张三"), ("", ""), ("id", "42"), ("tags.0", "a")]
        );
        assert_eq!((fields.len(), fields.value_bytes()), (4, 6 + 2 + 1));
        assert_eq!(fields.get(2), Some(("id", "42")));
        assert_eq!(pairs.iter().copied().collect::<Fields>(), fields);
    }

    #[test]
    fn scanned_batches_come_back_to_be_filled_again() {
        let (jobs, sent) = std::sync::mpsc::channel();
        let mut send = |job: StoreJob| jobs.send(job).is_ok();
        let mut batcher = Batcher::new("redis://h:6379/0".into(), 2, &mut send);
        for key in ["a", "b"] {
            let mut r = batcher.record();
            r.key.push_str(key);
            r.fields.push("phone", "13812345678");
            assert!(batcher.add(r));
        }
        // Nothing has come back yet: a fresh record.
        assert_eq!(batcher.record(), Record::default());
        let job = sent.try_recv().expect("the full batch was sent");
        let StoreJob::Records(batch) = &job else {
            panic!("a batch of records");
        };
        assert_eq!(batch.records.len(), 2);
        job.recycle();
        // A scanned batch's records come back emptied, with their buffers.
        let reused = batcher.record();
        assert!(reused.key.is_empty() && reused.fields.is_empty());
        assert!(reused.key.capacity() > 0 && reused.fields.value_bytes() == 0);
        let other = batcher.record();
        assert!(other.key.capacity() > 0);
        assert_eq!(
            batcher.record(),
            Record::default(),
            "two came back, two reused"
        );
    }

    #[test]
    fn redaction_removes_userinfo_and_password() {
        let url = "mongodb://admin:Sup3r@db:27017/app";
        assert_eq!(
            redact(
                url,
                "cannot reach mongodb://admin:Sup3r@db:27017/app (auth Sup3r)"
            ),
            "cannot reach mongodb://db:27017/app (auth ***)"
        );
        assert_eq!(redact("redis://h:6379", "x"), "x");
        assert!(is_store_url("PostgreSQL://h/db") && !is_store_url("/tmp/x"));
    }
}
