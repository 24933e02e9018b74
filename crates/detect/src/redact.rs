//! Masking of the free text around findings: paths, archive member names, field names,
//! record keys and notice messages.
//!
//! Values are masked where they are found, but identifiers also sit in the names of
//! things: a file called `110105199003071239_张伟.txt`, a JSON object keyed by phone
//! numbers, a headerless CSV whose first row becomes every column's name, a parser error
//! that quotes the bytes it choked on. Every such string passes a [`Redactor`] before it is
//! stored or printed: whatever the engine detects in it is replaced by its masked form.

use crate::digits::rewrite_digit_runs;
use crate::engine::Scanner;
use leakscope_core::Finding;
use std::borrow::Cow;
use std::collections::HashMap;

/// Distinct strings remembered by [`Redactor::redact_cached`] before the memory is reset.
const CACHE_ENTRIES: usize = 4096;

/// Digit runs at least this long are masked in names even when no detector claims them.
/// Detectors require boundaries that free text has (a phone number glued to letters, as
/// in a parser error quoting `</w:t18622334455>`, is not a finding), but in a name or a
/// message a run of 11+ digits is most often an identifier (mobiles have 11 digits, IMSIs
/// 15, bank cards 16-19, ID numbers 17 before the check character), and masking a
/// harmless one (a timestamp in a file name) only costs readability.
pub const LONG_DIGIT_RUN: usize = 11;

/// Masks every run of [`LONG_DIGIT_RUN`] or more ASCII digits, keeping its first three
/// and last four digits; `None` when there is none.
fn mask_digit_runs(text: &str) -> Option<String> {
    // Worked out on the first long run only: most names have none.
    let mut hashes: Option<Vec<(usize, usize)>> = None;
    rewrite_digit_runs(text, |start, end| {
        let long = end - start >= LONG_DIGIT_RUN
            && !inside(hashes.get_or_insert_with(|| hash_runs(text)), start, end);
        long.then(|| {
            let mut masked = String::with_capacity(end - start);
            masked.push_str(&text[start..start + 3]);
            masked.extend(std::iter::repeat_n('*', end - start - 7));
            masked.push_str(&text[end - 4..end]);
            Cow::Owned(masked)
        })
    })
}

/// Shortest run of lower-case hex digits taken for a hash (MD5 has 32, a git commit id 40).
const HASH_RUN: usize = 32;

/// Spans of `text` that are hex hashes: commit and blob ids in git locations, content
/// hashes in file names. Digits inside them are not identifiers, and masking them would
/// break the locations users paste into `git show`.
fn hash_runs(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    if bytes.len() < HASH_RUN {
        return runs;
    }
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'a'..=b'f') {
            i += 1;
        }
        let bounded = |at: Option<&u8>| at.is_none_or(|b| !b.is_ascii_alphanumeric());
        if i - start >= HASH_RUN
            && bounded(start.checked_sub(1).and_then(|p| bytes.get(p)))
            && bounded(bytes.get(i))
        {
            runs.push((start, i));
        }
        i = i.max(start + 1);
    }
    runs
}

/// True when `start..end` lies inside one of `runs`.
fn inside(runs: &[(usize, usize)], start: usize, end: usize) -> bool {
    runs.iter().any(|&(s, e)| s <= start && end <= e)
}

/// `text` with the values `found` in it replaced by their masked forms, and any other run
/// of [`LONG_DIGIT_RUN`] or more digits masked too. Findings inside hex hashes are not
/// values (see [`hash_runs`]); `found` is reordered.
fn mask<'t>(text: &'t str, found: &mut Vec<Finding>) -> Cow<'t, str> {
    if !found.is_empty() {
        let hashes = hash_runs(text);
        found.retain(|f| !inside(&hashes, f.start, f.end));
    }
    let masked = if found.is_empty() {
        Cow::Borrowed(text)
    } else {
        // Outer matches first, so a value found inside a longer one is covered by it.
        found.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for f in found.iter() {
            if f.start < at || f.end > text.len() {
                continue;
            }
            out.push_str(&text[at..f.start]);
            out.push_str(&f.masked);
            at = f.end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    };
    match mask_digit_runs(&masked) {
        Some(out) => Cow::Owned(out),
        None => masked,
    }
}

/// Masks detected values inside names and messages, with a cache for names that repeat.
#[derive(Default)]
pub struct Redactor {
    found: Vec<Finding>,
    /// Which text each finding of [`Redactor::redact_each`] belongs to.
    owners: Vec<u32>,
    /// For each name seen: its masked form, or `None` when it holds nothing to mask.
    cache: HashMap<String, Option<String>>,
}

impl Redactor {
    /// A redactor with an empty cache.
    pub fn new() -> Self {
        Redactor::default()
    }

    /// `text` with every value `scanner` detects in it replaced by its masked form, and any
    /// other run of [`LONG_DIGIT_RUN`] or more digits masked too.
    pub fn redact<'t>(&mut self, scanner: &mut Scanner<'_>, text: &'t str) -> Cow<'t, str> {
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        scanner.scan(text, &mut found);
        let masked = mask(text, &mut found);
        self.found = found;
        masked
    }

    /// [`Redactor::redact`] of each of `texts` (the keys of a batch of rows) in one scan:
    /// a text with anything to mask is replaced by its masked form. The answers are those
    /// of one call per text; one pass saves what a scan costs whatever its length.
    pub fn redact_each(&mut self, scanner: &mut Scanner<'_>, texts: &mut [&mut String]) {
        let mut found = std::mem::take(&mut self.found);
        let mut owners = std::mem::take(&mut self.owners);
        found.clear();
        owners.clear();
        {
            let views: Vec<&str> = texts.iter().map(|t| t.as_str()).collect();
            scanner.scan_each(&views, &mut found, &mut owners);
        }
        // A text's findings come together, after the previous text's (owners never
        // decrease): taken from the back, last text first, each is a tail of the list.
        debug_assert!(owners.windows(2).all(|w| w[0] <= w[1]));
        let mut group = Vec::new();
        for (i, text) in texts.iter_mut().enumerate().rev() {
            let n = owners
                .iter()
                .rev()
                .take_while(|&&o| o as usize == i)
                .count();
            owners.truncate(owners.len() - n);
            group.clear();
            group.extend(found.drain(found.len() - n..));
            if let Cow::Owned(masked) = mask(text, &mut group) {
                **text = masked;
            }
        }
        self.found = found;
        self.owners = owners;
    }

    /// Like [`Redactor::redact`], remembering the answer for names that come back (field
    /// names, paths of the same object).
    pub fn redact_cached<'t>(&mut self, scanner: &mut Scanner<'_>, text: &'t str) -> Cow<'t, str> {
        if let Some(known) = self.cache.get(text) {
            return match known {
                Some(masked) => Cow::Owned(masked.clone()),
                None => Cow::Borrowed(text),
            };
        }
        let masked = self.redact(scanner, text);
        if self.cache.len() >= CACHE_ENTRIES {
            self.cache.clear();
        }
        let entry = match &masked {
            Cow::Borrowed(_) => None,
            Cow::Owned(m) => Some(m.clone()),
        };
        self.cache.insert(text.to_string(), entry);
        masked
    }

    /// A record key that begins with its object's path (`a.csv#line 3`,
    /// `db.sqlite#people/17`): the path part is masked through the cache, the rest alone.
    pub fn redact_record(&mut self, scanner: &mut Scanner<'_>, path: &str, record: &str) -> String {
        match record.strip_prefix(path) {
            Some(rest) if !path.is_empty() => {
                let mut out = self.redact_cached(scanner, path).into_owned();
                if leakscope_core::is_position_key(rest) {
                    // A line number or byte offset is the reader's, never a value: a
                    // dump's rows need no scan of their key each.
                    out.push_str(rest);
                } else {
                    out.push_str(&self.redact(scanner, rest));
                }
                out
            }
            _ => self.redact(scanner, record).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Date, Engine, EngineConfig};
    use leakscope_core::HashKey;

    fn engine() -> Engine {
        let config =
            EngineConfig::new(HashKey::insecure_test_key(), Date::new(2026, 1, 1).unwrap());
        Engine::builtin(&config).unwrap()
    }

    #[test]
    fn identifiers_in_names_are_masked_and_the_rest_kept() {
        let engine = engine();
        let mut scanner = engine.scanner();
        let mut r = Redactor::new();
        let cases = [
            (
                "mongodb://h:27017/app.users/13812345678: cannot read",
                "mongodb://h:27017/app.users/138****5678: cannot read",
            ),
            ("redis://h:6379/0/session:42", "redis://h:6379/0/session:42"),
            // The inline-ignore marker is for scanned text, never for masking names.
            (
                "dump/13812345678 leakscope:ignore.txt",
                "dump/138****5678 leakscope:ignore.txt",
            ),
            (
                "git:leak@0b9cc636b532dcf4420ca2edf13812345678990a:13812345678.txt",
                "git:leak@0b9cc636b532dcf4420ca2edf13812345678990a:138****5678.txt",
            ),
            (
                "docs/11010519491231002X_张伟.txt",
                "docs/1101**********002X_张伟.txt",
            ),
            ("exports/a.csv#line 12", "exports/a.csv#line 12"),
            (
                "expected `</w:t>`, but `</w:t18622334455>` was found",
                "expected `</w:t>`, but `</w:t186****4455>` was found",
            ),
            ("export_2024061310.csv", "export_2024061310.csv"),
        ];
        for (text, want) in cases {
            assert_eq!(r.redact(&mut scanner, text), want);
            assert_eq!(r.redact_cached(&mut scanner, text), want);
            assert_eq!(r.redact_cached(&mut scanner, text), want, "from the cache");
        }
        assert_eq!(
            r.redact_record(&mut scanner, "dump.json", "dump.json#13812345678"),
            "dump.json#138****5678"
        );
        // A position is the reader's, whatever digits it has; anything more is scanned.
        assert_eq!(
            r.redact_record(&mut scanner, "d.sql", "d.sql#byte 13812345678"),
            "d.sql#byte 13812345678"
        );
        assert_eq!(
            r.redact_record(&mut scanner, "d.sql", "d.sql#line 13812345678x"),
            "d.sql#line 138****5678x"
        );
    }

    #[test]
    fn texts_masked_together_are_masked_as_alone() {
        let engine = engine();
        let mut scanner = engine.scanner();
        let mut r = Redactor::new();
        // A name beside an ID number would be searched for in a record's other fields;
        // unrelated keys are not a record.
        let texts = [
            "王小明",
            "110105194912310021",
            "13812345678",
            "",
            "7",
            "user:13812345678:张伟",
            "0b9cc636b532dcf4420ca2edf13812345678990a",
            "a\nb 13912345678\n",
            "姓名：李雷 电话 13812345678",
        ];
        let alone: Vec<String> = texts
            .iter()
            .map(|t| r.redact(&mut scanner, t).into_owned())
            .collect();
        let mut owned: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        r.redact_each(&mut scanner, &mut owned.iter_mut().collect::<Vec<_>>());
        assert_eq!(owned, alone);
        assert_eq!(owned[2], "138****5678");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = String> {
            let pieces = prop::sample::select(vec![
                "13812345678",
                "110105194912310021",
                "6222021234567890123",
                "王",
                "小明",
                "张伟",
                "姓名",
                "：",
                "电话",
                "身份证",
                "@",
                "a.com",
                "x",
                "1",
                "0",
                " ",
                "\n",
                "/",
                ",",
                "ab12",
                "北京市朝阳区建国路88号",
                "3号楼",
                "f",
                "e9",
            ]);
            prop::collection::vec(pieces, 0..8).prop_map(|p| p.concat())
        }

        proptest! {
            #[test]
            fn one_scan_of_many_texts_masks_each_as_alone(
                texts in prop::collection::vec(text(), 0..12)
            ) {
                let engine = engine();
                let mut scanner = engine.scanner();
                let mut r = Redactor::new();
                let alone: Vec<String> = texts
                    .iter()
                    .map(|t| r.redact(&mut scanner, t).into_owned())
                    .collect();
                let mut owned = texts.clone();
                r.redact_each(&mut scanner, &mut owned.iter_mut().collect::<Vec<_>>());
                prop_assert_eq!(owned, alone);
            }
        }
    }
}
