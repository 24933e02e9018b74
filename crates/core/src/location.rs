//! Where an object lives: a root (file path, URL) plus the chain of container members.

use std::fmt;

/// Separator between a container and a member path inside it, as in `a.zip!/b.csv`.
pub const MEMBER_SEPARATOR: &str = "!/";

/// The provenance of one scanned object: the root as the user named it and the chain of
/// members inside nested containers. Kept structured so sinks can group by root while the
/// wire formats print the joined form.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectPath {
    root: String,
    members: Vec<String>,
}

impl Clone for ObjectPath {
    fn clone(&self) -> Self {
        ObjectPath {
            root: self.root.clone(),
            members: self.members.clone(),
        }
    }

    /// Reuses this path's buffers: a sink keeps the path of the record it gathers, and
    /// records arrive by the hundred thousand.
    fn clone_from(&mut self, source: &Self) {
        self.root.clone_from(&source.root);
        self.members.clone_from(&source.members);
    }
}

impl ObjectPath {
    /// A top-level object (a file path as given, `s3://bucket/key`, a database location).
    pub fn root(root: impl Into<String>) -> Self {
        ObjectPath {
            root: root.into(),
            members: Vec::new(),
        }
    }

    /// The path of a member inside this object (which is then a container).
    pub fn child(&self, member: impl Into<String>) -> Self {
        let mut members = self.members.clone();
        members.push(member.into());
        ObjectPath {
            root: self.root.clone(),
            members,
        }
    }

    /// Makes this the path of the top-level object `root`, reusing its buffer.
    pub fn set_root(&mut self, root: &str) {
        self.root.clear();
        self.root.push_str(root);
        self.members.clear();
    }

    /// Appends the joined form (what `Display` writes) to `out`, without the formatting
    /// machinery: store cells ask for it once each.
    pub fn write_to(&self, out: &mut String) {
        self.pieces().for_each(|p| out.push_str(p));
    }

    /// The pieces of the joined form, in order: the root, then a separator and a member
    /// (without its leading `/`) per container.
    fn pieces(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.root.as_str()).chain(
            self.members
                .iter()
                .flat_map(|m| [MEMBER_SEPARATOR, m.trim_start_matches('/')]),
        )
    }

    /// The root as named by the user.
    pub fn root_str(&self) -> &str {
        &self.root
    }

    /// How many containers deep this object is (0 for a root).
    pub fn depth(&self) -> usize {
        self.members.len()
    }

    /// The last path component: the member name, or the root itself.
    pub fn leaf(&self) -> &str {
        self.members
            .last()
            .map(String::as_str)
            .unwrap_or(&self.root)
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pieces().try_for_each(|p| f.write_str(p))
    }
}

/// What a record key counts in: the line a record starts on, or its byte offset when
/// several records share a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordUnit {
    /// `#line N` (1-based).
    Line,
    /// `#byte N` (0-based).
    Byte,
}

impl RecordUnit {
    /// The word between a record key's `#` and its number.
    fn word(self) -> &'static str {
        match self {
            RecordUnit::Line => "line ",
            RecordUnit::Byte => "byte ",
        }
    }
}

/// Writes the key of a record into `out` (cleared first): `{path}#line {n}` or
/// `{path}#byte {n}`. Keys are made once per row, and for text once per finding, so
/// without the formatting machinery (a quarter of a small finding's output cost).
pub fn write_record_key(out: &mut String, path: &str, unit: RecordUnit, n: u64) {
    out.clear();
    out.push_str(path);
    out.push('#');
    push_position(out, unit, n);
}

/// Appends the part of a record key after its `#` (`line 12`) to `out`.
pub fn push_position(out: &mut String, unit: RecordUnit, n: u64) {
    out.push_str(unit.word());
    out.push_str(itoa::Buffer::new().format(n));
}

/// Whether `key`, the part of a record key after its `#`, is exactly what
/// [`push_position`] writes for `n` (the findings store leaves such a key out and writes
/// it again from the finding's line).
pub fn is_position_of(key: &str, unit: RecordUnit, n: u64) -> bool {
    key.strip_prefix(unit.word())
        .is_some_and(|digits| digits == itoa::Buffer::new().format(n))
}

/// True when `suffix`, what follows the path in a record key, is only a position that
/// [`write_record_key`] wrote (`#line 12`, `#byte 345`): the reader's, never a value.
pub fn is_position_key(suffix: &str) -> bool {
    [RecordUnit::Line, RecordUnit::Byte]
        .into_iter()
        .any(|unit| {
            suffix
                .strip_prefix('#')
                .and_then(|s| s.strip_prefix(unit.word()))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys() {
        let mut key = String::from("left over");
        write_record_key(&mut key, "a.csv", RecordUnit::Line, 12);
        assert_eq!(key, "a.csv#line 12");
        write_record_key(&mut key, "d.sql!/x", RecordUnit::Byte, 0);
        assert_eq!(key, "d.sql!/x#byte 0");
        write_record_key(&mut key, "", RecordUnit::Line, u64::MAX);
        assert_eq!(key, format!("#line {}", u64::MAX));
        assert!(is_position_key(&key));
        assert!(is_position_key("#byte 0"));
        for other in ["#line ", "#line 12a", "#row 3", "#13812345678", ""] {
            assert!(!is_position_key(other), "{other}");
        }
        // The part after `#`, as the findings store leaves it out and writes it again.
        let mut position = String::from("x#");
        push_position(&mut position, RecordUnit::Line, 7);
        assert_eq!(position, "x#line 7");
        assert!(is_position_of("line 7", RecordUnit::Line, 7));
        for (other, n) in [
            ("line 07", 7),
            ("line 7 ", 7),
            ("line 8", 7),
            ("byte 7", 7),
            ("line", 0),
        ] {
            assert!(!is_position_of(other, RecordUnit::Line, n), "{other}");
        }
        assert!(is_position_of(
            &format!("line {}", u64::MAX),
            RecordUnit::Line,
            u64::MAX
        ));
    }

    #[test]
    fn nested_members_join_with_bang_slash() {
        let p = ObjectPath::root("exports/2019.zip")
            .child("police/b.zip")
            .child("/c.txt");
        assert_eq!(p.to_string(), "exports/2019.zip!/police/b.zip!/c.txt");
        assert_eq!(p.depth(), 2);
        assert_eq!(p.leaf(), "/c.txt");
    }
}
