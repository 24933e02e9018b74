//! Names on their way out of a scan are masked here: object locations, archive members,
//! field names, record keys, notice paths and messages. Whatever the engine detects in
//! them is replaced by its masked form (see [`Redactor`]), so the invariant that raw
//! values never reach the store or an output holds for the strings around the values too.
//!
//! The scanner used here runs the whole catalog at every confidence, whatever detectors
//! the scan itself was limited to: `--detectors aws_access_key` must not store a file
//! called after an ID number.

use leakscope_core::{write_record_key, RecordUnit};
use leakscope_detect::{Engine, Redactor, Scanner};
use leakscope_sources::Notice;
use std::sync::Arc;

/// How many shared field names [`Names::shared_name`] remembers.
const SHARED_FIELDS: usize = 32;

/// One worker's (or the collector's) masking of names.
pub struct Names<'e> {
    scanner: Scanner<'e>,
    redactor: Redactor,
    /// The last object path masked, and its masked form: findings of one object repeat it.
    last: (String, String),
    /// The same for the last record key: findings of one record repeat it, and share
    /// its masked form.
    last_record: (String, Arc<str>),
    /// The field names met lately (the same shared names come back for every record of
    /// an export), each with its masked form: the name itself when nothing in it needs
    /// masking.
    fields: Vec<(Arc<str>, Arc<str>)>,
    /// The last line record made: the object path (raw), the line, and the record key.
    last_line: (String, u64, Arc<str>),
    /// Where a line's (or a row's) record key is written before it is shared.
    key: String,
    /// The last record part of a member masked (see [`Names::member`]): raw and masked.
    last_member_record: (String, String),
}

impl<'e> Names<'e> {
    /// Masks with a scanner of `engine`, which must run every detector.
    pub fn new(engine: &'e Engine) -> Self {
        Names {
            scanner: engine.scanner(),
            redactor: Redactor::new(),
            last: (String::new(), String::new()),
            last_record: (String::new(), Arc::from("")),
            fields: Vec::new(),
            last_line: (String::new(), 0, Arc::from("")),
            key: String::new(),
            last_member_record: (String::new(), String::new()),
        }
    }

    /// The member part of `path` below the object at `root` (`/17/phone` of a table's
    /// row 17), masked. When the path is its record's key and a field name
    /// (`…/users/17` and `/phone`), the two are masked apart: the record part once for
    /// all the findings of the record, the field part through the cache, where the whole
    /// member, new for every row of a table, was a scan of its own for every finding.
    /// An identifier does not span the `/` between them.
    pub fn member(&mut self, root: &str, path: &str, record: Option<&str>) -> String {
        let Some(rest) = path.strip_prefix(root) else {
            return self.path(path).to_string();
        };
        if rest.is_empty() {
            return String::new();
        }
        let split = record.and_then(|r| {
            let field = path.strip_prefix(r)?;
            let key = r.strip_prefix(root)?;
            field.starts_with('/').then_some((key, field))
        });
        let Some((key, field)) = split else {
            return self.name(rest);
        };
        let field = self.redactor.redact_cached(&mut self.scanner, field);
        let key = self.masked_key(key);
        let mut out = String::with_capacity(key.len() + field.len());
        out.push_str(key);
        out.push_str(&field);
        out
    }

    /// A row's key below its table (`/17`), masked once for all the findings of the row.
    fn masked_key(&mut self, key: &str) -> &str {
        if self.last_member_record.0 != key {
            let masked = self.redactor.redact(&mut self.scanner, key).into_owned();
            self.last_member_record.0.clear();
            self.last_member_record.0.push_str(key);
            self.last_member_record.1 = masked;
        }
        &self.last_member_record.1
    }

    /// A name that repeats (a field, a member, a table): masked through a cache.
    pub fn name(&mut self, text: &str) -> String {
        self.redactor
            .redact_cached(&mut self.scanner, text)
            .into_owned()
    }

    /// [`Names::name`] of a shared name (the field of a finding): the same name when
    /// nothing in it needs masking, as it is for the columns of exports, instead of a copy.
    pub fn shared_name(&mut self, text: Arc<str>) -> Arc<str> {
        if let Some((_, masked)) = self.fields.iter().find(|(f, _)| Arc::ptr_eq(f, &text)) {
            return masked.clone();
        }
        let masked = match self.redactor.redact_cached(&mut self.scanner, &text) {
            std::borrow::Cow::Borrowed(_) => text.clone(),
            std::borrow::Cow::Owned(masked) => masked.into(),
        };
        // A table has a few dozen columns; a document store may name thousands of fields,
        // which then go through the redactor's own cache.
        if self.fields.len() >= SHARED_FIELDS {
            self.fields.clear();
        }
        self.fields.push((text, masked.clone()));
        masked
    }

    /// An object path; the findings of one object ask for the same path in a row.
    pub fn path(&mut self, text: &str) -> &str {
        if self.last.0 != text {
            let masked = self
                .redactor
                .redact_cached(&mut self.scanner, text)
                .into_owned();
            self.last = (text.to_string(), masked);
        }
        &self.last.1
    }

    /// Free text seen once (a message, a store key).
    pub fn text(&mut self, text: &str) -> String {
        self.redactor.redact(&mut self.scanner, text).into_owned()
    }

    /// Free texts seen once each, many at a time (the keys of a batch of rows): each is
    /// masked in place, as [`Names::text`] masks one, in one scan of them all.
    pub fn texts(&mut self, texts: &mut [&mut String]) {
        self.redactor.redact_each(&mut self.scanner, texts);
    }

    /// A record key that starts with its object's path, or with the location `root` of
    /// the table or collection it is a row of (`…/public.users/17`). A row's key is masked
    /// apart from the location, as [`Names::member`] masks it: once per row, where the
    /// whole key was a scan of a URL for every row.
    pub fn record(&mut self, root: &str, path: &str, record: &str) -> Arc<str> {
        if self.last_record.0 != record {
            let row_key = record.strip_prefix(root).filter(|key| {
                !root.is_empty() && key.starts_with('/') && !record.starts_with(path)
            });
            let position = record
                .strip_prefix(path)
                .filter(|rest| !path.is_empty() && leakscope_core::is_position_key(rest));
            // The masked key is put together in a kept buffer and shared from there: a
            // string grown as its parts came was a reallocation and a copy per record.
            let mut buf = std::mem::take(&mut self.key);
            buf.clear();
            let masked: Arc<str> = match (row_key, position) {
                (Some(key), _) => {
                    buf.push_str(&self.redactor.redact_cached(&mut self.scanner, root));
                    buf.push_str(self.masked_key(key));
                    Arc::from(buf.as_str())
                }
                // A line or byte position after the object's path (every row of an
                // export): the path as last masked, the position as it is.
                (None, Some(rest)) => {
                    buf.push_str(self.path(path));
                    buf.push_str(rest);
                    Arc::from(buf.as_str())
                }
                (None, None) => self
                    .redactor
                    .redact_record(&mut self.scanner, path, record)
                    .into(),
            };
            self.key = buf;
            self.last_record.0.clear();
            self.last_record.0.push_str(record);
            self.last_record.1 = masked;
        }
        self.last_record.1.clone()
    }

    /// The record key of a line of a text object (`path#line 12`), shared by the findings
    /// of that line.
    pub fn line_record(&mut self, path: &str, line: u64) -> Arc<str> {
        if self.last_line.1 != line || self.last_line.0 != path {
            // Brings the masked path (`last`) up to date; the key is written into a reused
            // buffer, so a line costs the one allocation of its shared key.
            self.path(path);
            self.key.clear();
            write_record_key(&mut self.key, &self.last.1, RecordUnit::Line, line);
            self.last_line.0.clear();
            self.last_line.0.push_str(path);
            self.last_line.1 = line;
            self.last_line.2 = Arc::from(self.key.as_str());
        }
        self.last_line.2.clone()
    }

    /// A notice with its path and message masked.
    pub fn notice(&mut self, notice: Notice) -> Notice {
        Notice {
            path: self.name(&notice.path),
            kind: notice.kind,
            message: self.text(&notice.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names masked by the built-in catalog (with the public test key), built once.
    fn names() -> Names<'static> {
        static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        Names::new(ENGINE.get_or_init(|| {
            let key = leakscope_core::HashKey::insecure_test_key();
            let today = leakscope_detect::Date::new(2026, 1, 1).unwrap();
            Engine::builtin(&leakscope_detect::EngineConfig::new(key, today)).unwrap()
        }))
    }

    #[test]
    fn shared_names_are_kept_or_masked_once() {
        let mut names = names();
        let plain: Arc<str> = Arc::from("手机");
        assert!(Arc::ptr_eq(&names.shared_name(plain.clone()), &plain));
        let named: Arc<str> = Arc::from("13812345678");
        let masked = names.shared_name(named.clone());
        assert_eq!(&*masked, "138****5678");
        // The same name again is the same masked name, not a new one.
        assert!(Arc::ptr_eq(&names.shared_name(named), &masked));
    }

    #[test]
    fn record_keys_mask_their_path_and_share_one_key() {
        let fresh = names;
        let mut names = fresh();
        let path = "/d/13812345678.sql";
        let mut key = String::new();
        write_record_key(&mut key, path, RecordUnit::Line, 3);
        let row = names.record(path, path, &key);
        assert_eq!(&*row, "/d/138****5678.sql#line 3");
        assert!(Arc::ptr_eq(&row, &names.record(path, path, &key)));
        // A key that is not a position has the rest masked too.
        let doc = names.record("/d/a.json", "/d/a.json", "/d/a.json#users/13912345678");
        assert_eq!(&*doc, "/d/a.json#users/139****5678");
        // A store row: the location and the row's key apart, with the answer of masking
        // the whole record key.
        let root = "postgres://h:5432/db/public.users";
        for key in [
            "/13812345678",
            "/17",
            "/110105194912310021,13912345678",
            "/a%2Fb",
        ] {
            let record = format!("{root}{key}");
            let cell = format!("{record}/phone");
            let whole = fresh().text(&record);
            assert_eq!(&*names.record(root, &cell, &record), whole, "{record}");
        }

        let line = names.line_record(path, 7);
        assert_eq!(&*line, "/d/138****5678.sql#line 7");
        assert!(Arc::ptr_eq(&line, &names.line_record(path, 7)));
        assert_eq!(&*names.line_record(path, 8), "/d/138****5678.sql#line 8");
        assert_eq!(&*names.line_record("/d/b.txt", 8), "/d/b.txt#line 8");
    }

    /// A row's member is masked in two parts, key and field, with the answer of masking
    /// it whole; without a record that holds the path, it is masked whole.
    #[test]
    fn members_are_masked_by_record_and_field_as_whole() {
        let root = "postgres://h:5432/db/public.users";
        let cases = [
            ("/13812345678", "/phone"),
            ("/17", "/contacts.13912345678"),
            ("/110105194912310021", "/身份证"),
            ("/42", "/name"),
        ];
        for (key, field) in cases {
            let record = format!("{root}{key}");
            let path = format!("{record}{field}");
            let whole = names().name(&format!("{key}{field}"));
            let mut split = names();
            assert_eq!(split.member(root, &path, Some(&record)), whole, "{path}");
            // The record part is reused for the next field of the same record.
            assert_eq!(split.member(root, &path, Some(&record)), whole, "{path}");
            assert!(!whole.contains("13812345678") && !whole.contains("13912345678"));
        }
        let mut n = names();
        assert_eq!(n.member("/d/a.zip", "/d/a.zip", None), "");
        assert_eq!(
            n.member("/d/a.zip", "/d/a.zip!/13812345678.txt", None),
            "!/138****5678.txt"
        );
        assert_eq!(
            n.member("/d/a.zip", "/e/13812345678.txt", None),
            "/e/138****5678.txt"
        );
    }
}
