//! Folding: a view of the text in which full-width ASCII forms (U+FF01-FF5E) and the
//! ideographic space are replaced by their ASCII equivalents, and percent-encoded
//! characters beyond ASCII (`%E5%BC%A0`, as URLs in server logs carry names and addresses)
//! by the characters themselves, with a map back to the original byte offsets.
//!
//! Chinese input methods produce full-width digits and letters (`１３８１２３４５６７８`),
//! and full-width punctuation (`：`, `，`) surrounds values in forms. Patterns are written
//! for ASCII; folding lets them match while findings still point at the text as written.
//! A query string keeps `姓名=张伟` as `%E5%A7%93%E5%90%8D=%E5%BC%A0%E4%BC%9F`: decoded,
//! its label and value read as in any form. Only complete UTF-8 sequences of a character
//! beyond ASCII are decoded, so `%20`, `100%` and broken escapes stay as they are.
//!
//! Every replacement shrinks the text, so the map is sparse: per replacement, its position
//! in the folded text and the bytes saved up to and including it; an offset maps back by
//! adding the bytes saved before it. Text without such characters is not copied.

use std::borrow::Cow;

/// Reusable folding state: the replacements of the last fold.
#[derive(Debug, Default)]
pub struct Folded {
    /// Per replacement, in order: its position in the folded text, and the bytes saved by
    /// it and every replacement before it.
    points: Vec<(u32, u32)>,
    /// The positions (in the folded text) of the replacements that decoded a
    /// percent-encoded character, in order.
    decoded: Vec<u32>,
}

impl Folded {
    /// Folds `original`. Returns the text to scan: the original itself when there is
    /// nothing to fold, otherwise a folded copy.
    pub fn fold<'a>(&mut self, original: &'a str) -> Cow<'a, str> {
        self.points.clear();
        self.decoded.clear();
        let bytes = original.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0usize;
        let mut saved = 0u32;
        for i in memchr::memchr3_iter(0xEF, 0xE3, b'%', bytes) {
            if i < copied {
                // Inside a percent-encoded character already decoded.
                continue;
            }
            let (c, len) = if bytes[i] == b'%' {
                match percent_char(bytes, i) {
                    Some((c, len)) => (fold_char(c), len),
                    None => continue,
                }
            } else {
                let ascii = match (bytes.get(i + 1), bytes.get(i + 2)) {
                    (Some(0xBC), Some(b @ 0x81..=0xBF)) if bytes[i] == 0xEF => b - 0x81 + 0x21,
                    (Some(0xBD), Some(b @ 0x80..=0x9E)) if bytes[i] == 0xEF => b - 0x80 + 0x60,
                    (Some(0x80), Some(0x80)) if bytes[i] == 0xE3 => b' ',
                    _ => continue,
                };
                (char::from(ascii), 3)
            };
            let s = out.get_or_insert_with(|| String::with_capacity(original.len()));
            s.push_str(&original[copied..i]);
            let at = s.len() as u32;
            if bytes[i] == b'%' {
                self.decoded.push(at);
            }
            s.push(c);
            saved += (len - c.len_utf8()) as u32;
            self.points.push((at, saved));
            copied = i + len;
        }
        match out {
            None => Cow::Borrowed(original),
            Some(mut s) => {
                s.push_str(&original[copied..]);
                Cow::Owned(s)
            }
        }
    }

    /// True when the last fold replaced nothing (scanned and original offsets agree).
    pub fn is_identity(&self) -> bool {
        self.points.is_empty()
    }

    /// True when the last fold decoded a percent-encoded character in `start..end` of the
    /// folded text: a value found there is reported decoded, as a value of a
    /// quoted-printable mail body is, since its escapes say nothing to a reader.
    pub fn decoded_within(&self, start: usize, end: usize) -> bool {
        let first = self.decoded.partition_point(|p| (*p as usize) < start);
        self.decoded.get(first).is_some_and(|p| (*p as usize) < end)
    }

    /// The bytes saved by the replacements before the `k`-th.
    fn saved_before(&self, k: usize) -> usize {
        k.checked_sub(1).map_or(0, |i| self.points[i].1 as usize)
    }

    /// Maps a byte offset in the original text (at a character boundary outside any
    /// replaced sequence) to the folded text. The `k`-th replacement starts at folded
    /// `points[k].0` and original `points[k].0` plus the bytes saved before it.
    pub fn to_folded(&self, offset: usize) -> usize {
        let (mut lo, mut hi) = (0usize, self.points.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.points[mid].0 as usize + self.saved_before(mid) < offset {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        offset - self.saved_before(lo)
    }

    /// Maps a byte offset in the scanned (folded) text back to the original text.
    pub fn to_original(&self, offset: usize) -> usize {
        let before = self.points.partition_point(|p| (p.0 as usize) < offset);
        offset + self.saved_before(before)
    }
}

/// The character a run of percent escapes at `at` encodes, and the run's length: a
/// complete UTF-8 sequence of a character beyond ASCII (`%E5%BC%A0` is `张`).
fn percent_char(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    let byte = |k: usize| -> Option<u8> {
        let i = at + 3 * k;
        if bytes.get(i) != Some(&b'%') {
            return None;
        }
        let hex = |c: u8| (c as char).to_digit(16);
        let (hi, lo) = (hex(*bytes.get(i + 1)?)?, hex(*bytes.get(i + 2)?)?);
        Some((hi * 16 + lo) as u8)
    };
    let lead = byte(0)?;
    let len = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut buf = [lead, 0, 0, 0];
    for (k, slot) in buf.iter_mut().enumerate().take(len).skip(1) {
        *slot = byte(k)?;
    }
    let c = std::str::from_utf8(&buf[..len]).ok()?.chars().next()?;
    Some((c, 3 * len))
}

/// Folds one character: full-width ASCII forms to ASCII, the ideographic space to a space.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_maps_back() {
        let original = "手机：１３８a";
        let mut f = Folded::default();
        let text = f.fold(original).into_owned();
        assert_eq!(text, "手机:138a");
        let pos = text.find("138").unwrap();
        let back = f.to_original(pos);
        assert_eq!(&original[back..], "１３８a");
        assert_eq!(f.to_original(text.len()), original.len());
        assert_eq!(f.to_original(pos + 3), original.len() - 1);
    }

    #[test]
    fn ascii_is_borrowed() {
        let mut f = Folded::default();
        assert!(matches!(f.fold("abc 中文"), Cow::Borrowed(_)));
        assert_eq!(f.to_original(2), 2);
    }

    #[test]
    fn percent_encoded_characters_are_decoded_and_mapped_back() {
        let original = "GET /q?name=%E5%BC%A0%E4%BC%9F&x=%20%zz%E5%BC&n=%EF%BC%91%C3%A9 100%";
        let mut f = Folded::default();
        let text = f.fold(original).into_owned();
        assert_eq!(text, "GET /q?name=张伟&x=%20%zz%E5%BC&n=1é 100%");
        let name = text.find("张伟").unwrap();
        let (a, b) = (f.to_original(name), f.to_original(name + "张伟".len()));
        assert_eq!(&original[a..b], "%E5%BC%A0%E4%BC%9F");
        assert!(f.decoded_within(name, name + "张伟".len()));
        assert!(!f.decoded_within(0, name));
        // `%20`, `%zz` and the cut `%E5%BC` stay as written, and a full-width digit folded
        // is not a decoding; `%EF%BC%91` is (it is decoded, then folded).
        let x = text.find("&x=").unwrap();
        assert!(!f.decoded_within(x, x + "&x=%20%zz%E5%BC&n=".len()));
        assert!(f.decoded_within(text.find("=1").unwrap() + 1, text.len()));
        // Offsets outside replacements go both ways.
        for (i, _) in text.char_indices() {
            let o = f.to_original(i);
            if !original[o..].starts_with('%') || text[i..].starts_with('%') {
                assert_eq!(f.to_folded(o), i, "at {i}");
            }
        }
        assert_eq!(f.to_original(text.len()), original.len());
        assert_eq!(f.to_folded(original.len()), text.len());
        let amp = text.find('&').unwrap();
        assert_eq!(&original[f.to_original(amp)..f.to_original(amp) + 1], "&");
    }

    proptest::proptest! {
        /// Every character of the folded text maps back to the start of what it replaced
        /// (or to itself), and that offset maps forward to it again.
        #[test]
        fn the_map_round_trips(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "%E5%BC%A0", "%c3%a9", "%F0%9F%98%80", "１", "　", "a", "%", "%2", "%E5%BC", "张",
            "\n", "%20", "%EF%BC%91", "%80",
        ]), 0..24)) {
            let original = pieces.concat();
            let mut f = Folded::default();
            let text = f.fold(&original).into_owned();
            for (i, c) in text.char_indices() {
                let o = f.to_original(i);
                proptest::prop_assert!(original.is_char_boundary(o));
                proptest::prop_assert_eq!(f.to_folded(o), i);
                let rest = &original[o..];
                let same = rest.starts_with(c)
                    || fold_char(rest.chars().next().unwrap()) == c
                    || super::percent_char(rest.as_bytes(), 0).is_some_and(|(d, _)| fold_char(d) == c);
                proptest::prop_assert!(same, "{:?} at {} from {:?}", c, i, rest);
            }
            proptest::prop_assert_eq!(f.to_original(text.len()), original.len());
        }
    }

    #[test]
    fn agrees_with_char_folding() {
        let original = "Ａ１　ｚ～！中ｘ";
        let mut f = Folded::default();
        let folded = f.fold(original);
        let expected: String = original.chars().map(fold_char).collect();
        assert_eq!(folded, expected);
        for (i, _) in folded.char_indices() {
            let o = f.to_original(i);
            assert!(original.is_char_boundary(o));
            assert_eq!(
                fold_char(original[o..].chars().next().unwrap()),
                folded[i..].chars().next().unwrap()
            );
        }
    }
}
