//! Traditional Chinese, read as simplified.
//!
//! Records from Hong Kong and Taiwan, and exports made on their software, write names,
//! labels and addresses in traditional characters (`姓名：陳大文`,
//! `台北市大安區忠孝東路四段100號`), while every rule, surname list and place word is written in
//! simplified ones. A text that holds traditional characters is scanned as its simplified
//! reading: each character with a one-character simplified form of the same UTF-8 length
//! is replaced in place, so offsets, segments and the map back to the text as written stay
//! what they are, and a value is reported as written but hashed as read (the same person
//! in either script counts once).
//!
//! The table is `zhconv`'s conversion of each CJK Unified Ideograph alone, made at build
//! time (`build.rs`). Which texts to read so is told by [`MARKERS`]: their traditional
//! forms join the engine's word automaton, whose walk reads every byte anyway, so text in
//! simplified Chinese or without Chinese pays nothing for this.

/// The CJK Unified Ideographs block, where both scripts' common characters are.
const FIRST: u32 = 0x4E00;
const LAST: u32 = 0x9FFF;

/// Per character of the block, its simplified form's offset in the block plus one, or 0
/// when it has no other one-character form (written by `build.rs`).
static TABLE: [u16; (LAST - FIRST + 1) as usize] =
    include!(concat!(env!("OUT_DIR"), "/simplified.rs"));

/// Simplified characters whose traditional forms mark a text as traditional: a few of the
/// commonest of prose (們, 這, 會, 國), labels and places (區, 號, 證) and surnames (陳, 張,
/// 黃). Their traditional forms never stand in simplified text, so one of them is enough;
/// each one more makes the word automaton larger for every text.
pub const MARKERS: &str = "们这会国区号证陈张黄";

/// The simplified form of `c`, when it is a traditional character with one.
pub fn simplified(c: char) -> Option<char> {
    let cp = u32::from(c);
    if !(FIRST..=LAST).contains(&cp) {
        return None;
    }
    match TABLE[(cp - FIRST) as usize] {
        0 => None,
        s => char::from_u32(FIRST + u32::from(s) - 1),
    }
}

/// The traditional characters whose simplified form is one of `simplified_chars`.
pub fn traditional_forms(simplified_chars: &str) -> Vec<char> {
    (FIRST..=LAST)
        .filter_map(char::from_u32)
        .filter(|&c| simplified(c).is_some_and(|s| simplified_chars.contains(s)))
        .collect()
}

/// Replaces every traditional character of `text` that has a one-character simplified
/// form. Both lie in the same block, three bytes each in UTF-8, so every byte offset keeps
/// its meaning; the text is rewritten in one pass (a replacement per character moved the
/// bookkeeping of a splice each time).
pub fn simplify_in_place(text: &mut String) {
    let read: String = text.chars().map(|c| simplified(c).unwrap_or(c)).collect();
    debug_assert_eq!(read.len(), text.len());
    *text = read;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_text_reads_as_simplified_in_place() {
        let mut text =
            String::from("姓名：陳大文 地址：台北市大安區忠孝東路四段100號 聯絡人：黃美玲");
        let before = text.len();
        simplify_in_place(&mut text);
        assert_eq!(text.len(), before);
        assert_eq!(
            text,
            "姓名：陈大文 地址：台北市大安区忠孝东路四段100号 联络人：黄美玲"
        );
        // Simplified text is its own reading.
        let mut plain = String::from("姓名：王芳，住址：北京市朝阳区建国路88号");
        simplify_in_place(&mut plain);
        assert_eq!(plain, "姓名：王芳，住址：北京市朝阳区建国路88号");
    }

    #[test]
    fn markers_are_traditional_only_and_replacements_keep_their_length() {
        let markers = traditional_forms(MARKERS);
        assert!(markers.len() >= MARKERS.chars().count());
        for m in &markers {
            assert!(!MARKERS.contains(*m), "{m} is its own simplified form");
        }
        for cp in FIRST..=LAST {
            if let Some(c) = char::from_u32(cp) {
                if let Some(s) = simplified(c) {
                    assert_eq!(s.len_utf8(), c.len_utf8());
                }
            }
        }
    }
}
