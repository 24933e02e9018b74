//! The hand-written matcher of the postal-address pattern (the `cn_address` rule).
//!
//! The pattern is a lazy prefix, a road word, a lazy middle, a number word and any number
//! of numbered building parts:
//!
//! ```text
//! A{2,40}? ROAD A{0,24}? NUMBER (C{0,10}? D{1,5} PART)*
//! A = [\p{Han}0-9A-Za-z\-]   C = [\p{Han}A-Za-z]   D = [0-9A-Za-z一二三四五六七八九十]
//! ```
//!
//! Every character the pattern can take is in `A`, so a match lies inside one maximal run
//! of `A` characters. A start `s` in a run can match exactly when a road word starts 2 to
//! 40 characters after it and a number word starts at most 24 characters after that road
//! word ends (a "good" road). So one forward walk finds the first good road at least two
//! characters into the run, and the leftmost start is 40 characters before it, or the
//! run's start. The lazy counts then take that road and the nearest number word, the
//! first alternative of each in the pattern's order, and the trailing repetition is
//! greedy with nothing after it, so each part is the first one the pattern's order
//! allows. The regex needs a forward and a
//! reverse lazy-DFA search over the whole window for the same answer; the reverse one,
//! walking back over counted repetitions of a Unicode class, was most of an address's
//! cost.

use super::{decode, decode_at, followed_by, is_han};

/// The pattern implemented here, exactly as the rule writes it.
pub(super) const PATTERN: &str = r"[\p{Han}0-9A-Za-z\-]{2,40}?(?:路|街|大道|道|巷|弄|胡同|村)[\p{Han}0-9A-Za-z\-]{0,24}?(?:号楼|号院|号|室|栋|幢|单元)(?:[\p{Han}A-Za-z]{0,10}?[0-9A-Za-z一二三四五六七八九十]{1,5}(?:号楼|号院|号|室|栋|幢|单元|层|楼|座))*";

/// The leftmost match in `hay[from..to]`, as the regex of [`PATTERN`] finds it in
/// `hay[..to]` from `from`. `hay` is UTF-8 and `from`, `to` are character boundaries.
pub(super) fn find(hay: &[u8], from: usize, to: usize) -> Option<(usize, usize)> {
    let hay = &hay[..to.min(hay.len())];
    let mut p = from;
    // Where the current run of `A` characters starts, and how many characters of it
    // come before `p`.
    let mut run_start = from;
    let mut index = 0usize;
    while p < hay.len() {
        let (c, len) = decode(hay, p);
        if !in_a(c) {
            p += len;
            run_start = p;
            index = 0;
            continue;
        }
        // The first good road of the run: a road word at least two characters into it,
        // with a number word at most 24 characters after it.
        if index >= 2 {
            if let Some(road) = road_at(c, hay, p + len) {
                if let Some(after_number) = number_after(hay, p + len + road) {
                    let s = back(hay, p, 40, run_start);
                    return Some((s, parts(hay, after_number)));
                }
            }
        }
        index += 1;
        p += len;
    }
    None
}

/// After the road word's first character `c` (whose next character starts at `next`):
/// how many more bytes the first road word of the pattern's order (路, 街, 大道, 道, 巷,
/// 弄, 胡同, 村) takes, if one starts with `c`.
fn road_at(c: char, hay: &[u8], next: usize) -> Option<usize> {
    match c {
        '路' | '街' | '道' | '巷' | '弄' | '村' => Some(0),
        '大' => followed_by(hay, next, '道'),
        '胡' => followed_by(hay, next, '同'),
        _ => None,
    }
}

/// The end of the first number word (号楼, 号院, 号, 室, 栋, 幢, 单元) that starts within
/// 24 characters of `A` after `q`.
fn number_after(hay: &[u8], mut q: usize) -> Option<usize> {
    for m in 0..=24 {
        let (c, len) = decode_at(hay, q)?;
        if let Some(more) = number_at(c, hay, q + len, false) {
            return Some(q + len + more);
        }
        if m == 24 || !in_a(c) {
            return None;
        }
        q += len;
    }
    None
}

/// After a word's first character `c`: how many more bytes the first number word takes
/// (with `parts`, the first word that ends a numbered building part, which adds 层, 楼 and
/// 座 to the number words).
fn number_at(c: char, hay: &[u8], next: usize, parts: bool) -> Option<usize> {
    match c {
        '号' => Some(
            followed_by(hay, next, '楼')
                .or_else(|| followed_by(hay, next, '院'))
                .unwrap_or(0),
        ),
        '室' | '栋' | '幢' => Some(0),
        '单' => followed_by(hay, next, '元'),
        '层' | '楼' | '座' if parts => Some(0),
        _ => None,
    }
}

/// The start of the character `chars` characters before `p`, not before `floor`.
fn back(hay: &[u8], mut p: usize, chars: usize, floor: usize) -> usize {
    for _ in 0..chars {
        if p <= floor {
            break;
        }
        p -= 1;
        while p > floor && hay[p] & 0xC0 == 0x80 {
            p -= 1;
        }
    }
    p
}

/// The end of the greedy repetition of numbered parts
/// (`(?:C{0,10}? D{1,5} PART)*`) from `at`.
fn parts(hay: &[u8], mut at: usize) -> usize {
    while let Some(end) = part(hay, at, 10, false) {
        at = end;
    }
    at
}

/// The end of one numbered part at `at` (`C{0,letters}? D{1,5} PART`, where `C` is
/// `[\p{Han}A-Za-z]`, with a space when `space`), choosing as the regex does.
pub(super) fn part(hay: &[u8], at: usize, letters: usize, space: bool) -> Option<usize> {
    let mut y = at;
    // `C{0,letters}?`: the fewest letters first.
    for c in 0..=letters {
        if c > 0 {
            match decode_at(hay, y) {
                Some((ch, len)) if in_c(ch) || (space && ch == ' ') => y += len,
                _ => return None,
            }
        }
        // `D{1,5}` greedy: the most digits first; `ends[d - 1]` is where `d` end.
        let mut ends = [0usize; 5];
        let mut most = 0;
        let mut z = y;
        while most < 5 {
            match decode_at(hay, z) {
                Some((ch, len)) if in_d(ch) => z += len,
                _ => break,
            }
            ends[most] = z;
            most += 1;
        }
        for d in (1..=most).rev() {
            let e = ends[d - 1];
            if let Some((ch, len)) = decode_at(hay, e) {
                if let Some(more) = number_at(ch, hay, e + len, true) {
                    return Some(e + len + more);
                }
            }
        }
    }
    None
}

/// `[\p{Han}0-9A-Za-z\-]`.
pub(super) fn in_a(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || is_han(c)
}

/// `[\p{Han}A-Za-z]`.
fn in_c(c: char) -> bool {
    c.is_ascii_alphabetic() || is_han(c)
}

/// `[0-9A-Za-z一二三四五六七八九十]`.
pub(super) fn in_d(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
        )
}
