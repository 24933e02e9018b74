//! JSON documents walked as they are parsed: every string and number is handed to the sink
//! with its key path, without building the document in memory first.
//!
//! A `serde_json::Value` costs an allocation per key, per string and per object (an index
//! map), all freed again a moment later; allocation was a quarter of the time of a JSON
//! Lines scan, most of it for those values. The walker sees the same values in the same order (document order) and
//! locates each in the text as before. Unlike a `Value`, it also sees every value of a key
//! that a document repeats: the hidden duplicate is data too.

use super::Locator;
use crate::{FieldAt, Sink};
use leakscope_core::ObjectPath;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// How far ahead of the cursor a value or key is looked for in the text.
const HORIZON: usize = 1 << 16;

/// Whether `text` is one JSON value and nothing else, checked without building it.
///
/// A document is checked before it is walked because the walk hands values over as it
/// meets them: a document found corrupt half-way is read again another way (as JSON Lines
/// or as text), and its first half must not have been handed over already. The check
/// costs a second parse, which allocates nothing and is a few percent of a JSON scan.
pub(super) fn valid(text: &str) -> Result<(), serde_json::Error> {
    serde_json::from_str::<IgnoredAny>(text).map(|_| ())
}

/// Walks the JSON value `json` (which [`valid`] accepted) and hands each string and number to
/// `sink` as a field named by its key path. `record` is the record of every value (a line
/// of JSON Lines); without one, each element of the first array on a value's path is its
/// own record (one person each, usually), and values outside any array belong to the whole
/// file. An array of at most [`TUPLE`] numbers or strings is a tuple, not a list: a GeoJSON
/// point's `coordinates` are parts of what holds them, and belong to its record.
pub(super) fn walk<'w>(
    path: &'w ObjectPath,
    json: &str,
    record: Option<&'w str>,
    locator: &'w mut Locator<'_>,
    sink: &'w mut dyn Sink,
) -> Result<(), serde_json::Error> {
    let mut walker = Walker {
        path,
        key_path: String::new(),
        record: record.map(Cow::Borrowed),
        element: None,
        held: None,
        whole: None,
        number: String::new(),
        locator,
        sink,
    };
    let mut de = serde_json::Deserializer::from_str(json);
    (&mut walker).deserialize(&mut de)?;
    de.end()
}

struct Walker<'w, 't> {
    path: &'w ObjectPath,
    key_path: String,
    /// The record of the values being walked, when known.
    record: Option<Cow<'w, str>>,
    /// Without a record, the index of the element of the first array being walked: an
    /// object or array there makes that element's record.
    element: Option<usize>,
    /// Plain elements of the first array (index, key path, text), held back while the
    /// array may still be a tuple; `None` when nothing is held back.
    held: Option<Vec<(usize, String, String)>>,
    /// The whole file's record, made when first needed.
    whole: Option<String>,
    /// Reused text of the number being handed over.
    number: String,
    locator: &'w mut Locator<'t>,
    sink: &'w mut dyn Sink,
}

/// The most elements an array of plain values may have to be a tuple (longitude, latitude
/// and altitude) rather than a list.
const TUPLE: usize = 3;

impl Walker<'_, '_> {
    fn leaf(&mut self, text: &str) {
        let Some(i) = self.element.filter(|_| self.record.is_none()) else {
            self.emit(None, text);
            return;
        };
        // A plain element of the first array.
        if let Some(held) = &mut self.held {
            if held.len() < TUPLE {
                held.push((i, self.key_path.clone(), text.to_string()));
                return;
            }
            // One element more than a tuple has: a list, whose elements are records.
            self.release_held(false);
        }
        self.record = Some(Cow::Owned(format!("{}#[{i}]", self.path)));
        self.emit(None, text);
        self.record = None;
    }

    /// Hands `text` to the sink under `field` (the current key path when `None`), in the
    /// current record (the whole file's when there is none).
    fn emit(&mut self, field: Option<&str>, text: &str) {
        let at = self.locator.find(text, HORIZON);
        let record = match &self.record {
            Some(r) => r.as_ref(),
            None => self
                .whole
                .get_or_insert_with(|| self.path.to_string())
                .as_str(),
        };
        let at = FieldAt {
            field: field.unwrap_or(&self.key_path),
            line: at.map(|a| a.0),
            offset: at.map(|a| a.1),
            record,
        };
        self.sink.field(self.path, at, text);
    }

    /// Hands over the plain elements held back: together, in the record of what holds
    /// the array, when it proved a tuple; each in its own record when it proved a list.
    /// Values are held back only under the first array, where there is no record yet.
    fn release_held(&mut self, tuple: bool) {
        let Some(held) = self.held.take() else {
            return;
        };
        for (i, field, text) in held {
            if !tuple {
                self.record = Some(Cow::Owned(format!("{}#[{i}]", self.path)));
            }
            self.emit(Some(&field), &text);
        }
        if !tuple {
            self.record = None;
        }
    }

    /// An object or array that is an element of the first array: the element's record,
    /// from here to [`Walker::close_element_record`]. True when it opened one.
    fn open_element_record(&mut self) -> bool {
        // The array holds more than plain values: a list of records.
        self.release_held(false);
        match (self.record.is_none(), self.element.take()) {
            (true, Some(i)) => {
                self.record = Some(Cow::Owned(format!("{}#[{i}]", self.path)));
                true
            }
            (_, element) => {
                self.element = element;
                false
            }
        }
    }

    fn close_element_record(&mut self, opened: bool) {
        if opened {
            self.record = None;
        }
    }

    fn number(&mut self, n: serde_json::Number) {
        // Written as `serde_json` writes a number, so the text found is the text shown.
        let mut text = std::mem::take(&mut self.number);
        text.clear();
        let _ = write!(text, "{n}");
        self.leaf(&text);
        self.number = text;
    }
}

impl<'de> DeserializeSeed<'de> for &mut Walker<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &mut Walker<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.leaf(v);
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.number(v.into());
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.number(v.into());
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        if let Some(n) = serde_json::Number::from_f64(v) {
            self.number(n);
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let opened = self.open_element_record();
        let len = self.key_path.len();
        while map.next_key_seed(Key(&mut *self))?.is_some() {
            map.next_value_seed(&mut *self)?;
            self.key_path.truncate(len);
        }
        self.close_element_record(opened);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let opened = self.open_element_record();
        let len = self.key_path.len();
        // The first array on the path, with no record yet: its elements are numbered, and
        // its plain values held back until it shows itself a tuple or a list.
        let first = self.record.is_none() && self.element.is_none();
        if first {
            self.held = Some(Vec::new());
        }
        let mut i = 0usize;
        loop {
            let _ = write!(self.key_path, "[{i}]");
            if first {
                self.element = Some(i);
            }
            let more = seq.next_element_seed(&mut *self)?.is_some();
            self.key_path.truncate(len);
            if !more {
                break;
            }
            i += 1;
        }
        if first {
            self.element = None;
            self.release_held(true);
        }
        self.close_element_record(opened);
        Ok(())
    }
}

/// A key of an object: appended to the key path, and skipped past in the text so that a
/// value equal to its own key is located at the value.
struct Key<'a, 'w, 't>(&'a mut Walker<'w, 't>);

impl<'de> DeserializeSeed<'de> for Key<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, k: &str) -> Result<(), E> {
        let w = self.0;
        if !w.key_path.is_empty() {
            w.key_path.push('.');
        }
        w.key_path.push_str(k);
        w.locator.find_key(k, HORIZON);
        Ok(())
    }
}
