//! Full-width folding: a view of the text in which full-width ASCII forms (U+FF01-FF5E)
//! and the ideographic space are replaced by their ASCII equivalents, with a map back to
//! the original byte offsets.
//!
//! Chinese input methods produce full-width digits and letters (`１３８１２３４５６７８`),
//! and full-width punctuation (`：`, `，`) surrounds values in forms. Patterns are written
//! for ASCII; folding lets them match while findings still point at, and show, the text as
//! written. Folding only allocates when the text contains such characters.

use std::borrow::Cow;

/// Folded text plus, when folding changed anything, a map from each folded byte offset
/// (and one past the end) to the original byte offset.
#[derive(Debug, Default)]
pub struct Folded {
    text: String,
    map: Vec<u32>,
    changed: bool,
}

impl Folded {
    /// Folds `original` into this reusable buffer. Returns the text to scan: either the
    /// original (nothing to fold) or the folded copy.
    pub fn fold<'a>(&mut self, original: &'a str) -> Cow<'a, str> {
        self.changed = needs_folding(original.as_bytes());
        if !self.changed {
            return Cow::Borrowed(original);
        }
        self.text.clear();
        self.map.clear();
        self.text.reserve(original.len());
        self.map.reserve(original.len() + 1);
        for (i, c) in original.char_indices() {
            let folded = fold_char(c);
            let before = self.text.len();
            self.text.push(folded);
            for _ in before..self.text.len() {
                self.map.push(i as u32);
            }
        }
        self.map.push(original.len() as u32);
        Cow::Owned(std::mem::take(&mut self.text))
    }

    /// Maps a byte offset in the scanned (folded) text back to the original text.
    pub fn to_original(&self, offset: usize) -> usize {
        if self.changed {
            self.map[offset.min(self.map.len() - 1)] as usize
        } else {
            offset
        }
    }
}

fn needs_folding(bytes: &[u8]) -> bool {
    // U+FF01..U+FF5E encode as EF BC 81..BF and EF BD 80..9E; U+3000 as E3 80 80.
    memchr::memchr2_iter(0xEF, 0xE3, bytes).any(|i| {
        match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(0xEF), Some(0xBC), Some(0x81..=0xBF))
            | (Some(0xEF), Some(0xBD), Some(0x80..=0x9E)) => true,
            (Some(0xE3), Some(0x80), Some(0x80)) => true,
            _ => false,
        }
    })
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
    }

    #[test]
    fn ascii_is_borrowed() {
        let mut f = Folded::default();
        assert!(matches!(f.fold("abc 中文"), Cow::Borrowed(_)));
        assert_eq!(f.to_original(2), 2);
    }
}
