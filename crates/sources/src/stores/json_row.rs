//! A database row, as the JSON object the server makes of it (`row_to_json`,
//! `JSON_OBJECT`), turned into the `(field path, text)` leaves a scan looks at: strings and
//! numbers, nested objects and arrays joined into dotted paths (`tags.1.x`).
//!
//! Rows are read straight from their text into leaves. Building a tree of JSON values
//! first and walking it took a fifth of a database scan's time, for values dropped at once.

use super::Fields;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// Flattens a JSON value into `(path, text)` leaves (strings and numbers).
pub fn flatten_json(value: &Value, prefix: &str, out: &mut Fields) {
    match value {
        Value::String(s) => out.push(prefix, s),
        Value::Number(n) => out.push_display(prefix, n),
        Value::Object(map) => {
            let mut name = String::new();
            for (k, v) in map {
                join(&mut name, prefix, k);
                flatten_json(v, &name, out);
            }
        }
        Value::Array(items) => {
            let mut name = String::new();
            for (i, v) in items.iter().enumerate() {
                join(&mut name, prefix, &i.to_string());
                flatten_json(v, &name, out);
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
}

/// One row read from its JSON text.
#[derive(Debug, PartialEq, Eq)]
pub struct Row {
    /// `(field path, text)` of every string and number.
    pub leaves: Fields,
    /// The texts of the key columns asked for, in their order: a string as it is, `null`
    /// for a null or missing column, any other value as JSON.
    pub key_texts: Vec<String>,
}

/// The leaves of one row's JSON text and the texts of its `key` columns. The leaves are
/// what [`flatten_json`] gives for the parsed row, except that a field named twice in one
/// object gives both its values, where a parsed tree keeps the last.
pub fn flatten_row(text: &str, key: &[String]) -> Result<Row, serde_json::Error> {
    let mut leaves = Fields::default();
    let key_texts = flatten_row_into(text, key, &mut leaves)?;
    Ok(Row { leaves, key_texts })
}

/// [`flatten_row`] into the fields `out` (a record's, emptied, whose buffers are filled
/// again); returns the key columns' texts.
pub fn flatten_row_into(
    text: &str,
    key: &[String],
    out: &mut Fields,
) -> Result<Vec<String>, serde_json::Error> {
    // A flat row's paths and values are shorter than its JSON text, which quotes and
    // separates them: with room for that text the buffer does not grow (nested objects
    // repeat their path in each leaf and may make it grow).
    out.reserve(text.len(), 16);
    let mut texts: Vec<Option<String>> = vec![None; key.len()];
    let mut de = serde_json::Deserializer::from_str(text);
    Leaves {
        prefix: "",
        out,
        key: Some((key, &mut texts)),
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(texts
        .into_iter()
        .map(|t| t.unwrap_or_else(|| "null".to_string()))
        .collect())
}

/// `prefix.name` (or `name` at the top) into `out`.
fn join(out: &mut String, prefix: &str, name: &str) {
    out.clear();
    if !prefix.is_empty() {
        out.push_str(prefix);
        out.push('.');
    }
    out.push_str(name);
}

/// Reads one value, pushing its leaves under `prefix`.
struct Leaves<'a, 'k> {
    prefix: &'a str,
    out: &'a mut Fields,
    /// At the top level only: the key columns and the texts found for them.
    key: Option<(&'k [String], &'a mut [Option<String>])>,
}

impl<'de> DeserializeSeed<'de> for Leaves<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Leaves<'_, '_> {
    fn leaf(self, text: &str) {
        self.out.push(self.prefix, text);
    }

    fn number(self, n: impl fmt::Display) {
        self.out.push_display(self.prefix, n);
    }
}

impl<'de> Visitor<'de> for Leaves<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.leaf(v);
        Ok(())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.leaf(&v);
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.number(v);
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.number(v);
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // Written as a parsed number writes itself; the parser never gives a non-finite one.
        if let Some(n) = serde_json::Number::from_f64(v) {
            self.number(n);
        }
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Leaves {
            prefix,
            out,
            mut key,
        } = self;
        // At the top level a field's path is its name, read in place from the row's text
        // when it has no escapes: no copy of either per row.
        let mut joined = String::new();
        while let Some(field) = map.next_key_seed(FieldName)? {
            let name: &str = if prefix.is_empty() {
                &field
            } else {
                join(&mut joined, prefix, &field);
                &joined
            };
            let column = key
                .as_ref()
                .is_some_and(|(names, _)| names.iter().any(|n| *n == *field));
            if !column {
                map.next_value_seed(Leaves {
                    prefix: name,
                    out: &mut *out,
                    key: None,
                })?;
                continue;
            }
            // A key column is parsed whole: its text names the record.
            let value: Value = map.next_value()?;
            flatten_json(&value, name, out);
            if let Some((names, texts)) = &mut key {
                let mut text = Some(match value {
                    Value::String(s) => s,
                    Value::Null => "null".to_string(),
                    other => other.to_string(),
                });
                // A column named twice in the key list (never in practice) gets a copy.
                let mut slots = texts
                    .iter_mut()
                    .zip(names.iter())
                    .filter(|(_, n)| **n == *field)
                    .map(|(slot, _)| slot)
                    .peekable();
                while let Some(slot) = slots.next() {
                    *slot = if slots.peek().is_some() {
                        text.clone()
                    } else {
                        text.take()
                    };
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Leaves { prefix, out, .. } = self;
        let mut name = String::new();
        for i in 0usize.. {
            join(&mut name, prefix, &i.to_string());
            let seed = Leaves {
                prefix: &name,
                out: &mut *out,
                key: None,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
        }
        Ok(())
    }
}

/// Reads an object's field name: borrowed from the text when it has no escapes.
struct FieldName;

impl<'de> DeserializeSeed<'de> for FieldName {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FieldName {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rows_flatten_to_field_paths() {
        let v: Value =
            serde_json::from_str(r#"{"id":7,"name":"张三","tags":["a",{"x":"b"}],"ok":true}"#)
                .unwrap();
        let mut out = Fields::default();
        flatten_json(&v, "", &mut out);
        assert_eq!(
            out.iter().collect::<Vec<_>>(),
            [
                ("id", "7"),
                ("name", "张三"),
                ("tags.0", "a"),
                ("tags.1.x", "b")
            ]
        );
    }

    /// What the streamed reading must equal: the parsed row flattened, and the key
    /// columns' texts as the row's tree gives them.
    fn by_tree(text: &str, key: &[String]) -> Row {
        let row: Value = serde_json::from_str(text).unwrap();
        let mut out = Fields::default();
        flatten_json(&row, "", &mut out);
        let key_texts = key
            .iter()
            .map(|k| match &row[k.as_str()] {
                Value::String(s) => s.clone(),
                Value::Null => "null".into(),
                other => other.to_string(),
            })
            .collect();
        Row {
            leaves: out,
            key_texts,
        }
    }

    #[test]
    fn streamed_rows_equal_flattened_trees() {
        let key = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        for (text, columns) in [
            (
                r#"{"id":7,"name":"张三","tags":["a",{"x":"b"}],"ok":true}"#,
                key(&["id"]),
            ),
            (
                r#"{"org":"a/b","id":-7,"n":null,"f":1.5e300,"big":123456789012345678901234}"#,
                key(&["org", "id"]),
            ),
            (
                r#"{"esc":"\u5f20\"\n","deep":{"a":{"b":[[1,2],[{"c":"d"}]]}},"e":{},"l":[]}"#,
                key(&["deep", "missing"]),
            ),
            (
                r#"{"f":0.1,"g":-0.0,"h":1E2,"i":18446744073709551615,"j":-9223372036854775808}"#,
                key(&[]),
            ),
            (r#"{"k":{"x":1},"v":true}"#, key(&["k", "v"])),
            (r#""just a string""#, key(&["id"])),
            (r#"[1,"two",{"three":3}]"#, key(&[])),
        ] {
            assert_eq!(
                flatten_row(text, &columns).unwrap(),
                by_tree(text, &columns),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        /// Whatever a server sends, a row is read without a panic, and it is refused
        /// exactly when it is not one JSON value (the body of the `sql_row` fuzz target).
        #[test]
        fn any_text_is_read_or_refused_as_json_is(
            text in "[{}\\[\\]\":,0-9a-z\\\\.eE+ -]{0,40}|\\PC{0,20}",
            at in 0usize..200,
            byte in proptest::prelude::any::<u8>(),
        ) {
            let streamed = flatten_row(&text, &["id".to_string()]);
            let parsed = serde_json::from_str::<Value>(&text);
            proptest::prop_assert_eq!(streamed.is_ok(), parsed.is_ok(), "{:?}", text);
            // One byte of a valid row changed, as a corrupt page would.
            let mut row = br#"{"id":7,"name":"\u5f20","n":[1.5,{"x":null}]}"#.to_vec();
            let i = at % row.len();
            row[i] = byte;
            if let Ok(row) = std::str::from_utf8(&row) {
                let streamed = flatten_row(row, &["id".to_string()]);
                proptest::prop_assert_eq!(streamed.is_ok(), serde_json::from_str::<Value>(row).is_ok());
            }
        }
    }

    /// A hostile server's row nested far deeper than any table is refused by the parser's
    /// depth limit, not followed until the stack runs out; a wide row is read whole.
    #[test]
    fn deep_rows_are_refused_and_wide_ones_read() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(flatten_row(&deep, &[]).is_err());
        let deep_objects = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
        assert!(flatten_row(&deep_objects, &[]).is_err());
        let wide = format!(
            "{{{}}}",
            (0..20_000)
                .map(|i| format!(r#""c{i}":"{i}""#))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(flatten_row(&wide, &[]).unwrap().leaves.len(), 20_000);
    }

    #[test]
    fn broken_rows_are_errors() {
        for text in [r#"{"a":"#, r#"{"a":1} x"#, "", r#"{"a":[1,}"#] {
            assert!(flatten_row(text, &[]).is_err(), "{text}");
        }
    }
}
