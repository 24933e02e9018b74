//! Full-width folding: a view of the text in which full-width ASCII forms (U+FF01-FF5E)
//! and the ideographic space are replaced by their ASCII equivalents, with a map back to
//! the original byte offsets.
//!
//! Chinese input methods produce full-width digits and letters (`１３８１２３４５６７８`),
//! and full-width punctuation (`：`, `，`) surrounds values in forms. Patterns are written
//! for ASCII; folding lets them match while findings still point at, and show, the text as
//! written. Every folded character shrinks from three bytes to one, so the map is sparse:
//! the folded positions of the replaced characters, and an offset maps back by adding two
//! bytes for every replacement before it. Text without such characters is not copied.

use std::borrow::Cow;

/// Reusable folding state: the positions (in the folded text) of replaced characters.
#[derive(Debug, Default)]
pub struct Folded {
    points: Vec<u32>,
}

impl Folded {
    /// Folds `original`. Returns the text to scan: the original itself when there is
    /// nothing to fold, otherwise a folded copy.
    pub fn fold<'a>(&mut self, original: &'a str) -> Cow<'a, str> {
        self.points.clear();
        let bytes = original.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0usize;
        for i in memchr::memchr2_iter(0xEF, 0xE3, bytes) {
            let ascii = match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(0xBC), Some(b @ 0x81..=0xBF)) if bytes[i] == 0xEF => b - 0x81 + 0x21,
                (Some(0xBD), Some(b @ 0x80..=0x9E)) if bytes[i] == 0xEF => b - 0x80 + 0x60,
                (Some(0x80), Some(0x80)) if bytes[i] == 0xE3 => b' ',
                _ => continue,
            };
            let s = out.get_or_insert_with(|| String::with_capacity(original.len()));
            s.push_str(&original[copied..i]);
            self.points.push(s.len() as u32);
            s.push(char::from(ascii));
            copied = i + 3;
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

    /// Maps a byte offset in the original text (at a character boundary) to the folded
    /// text. The `k`-th replaced character sits at folded `points[k]` and original
    /// `points[k] + 2k`.
    pub fn to_folded(&self, offset: usize) -> usize {
        let (mut lo, mut hi) = (0usize, self.points.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.points[mid] as usize + 2 * mid < offset {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        offset - 2 * lo
    }

    /// Maps a byte offset in the scanned (folded) text back to the original text.
    pub fn to_original(&self, offset: usize) -> usize {
        let before = self.points.partition_point(|p| (*p as usize) < offset);
        offset + 2 * before
    }
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
