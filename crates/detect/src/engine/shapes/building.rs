//! The hand-written matcher of the pattern of an estate or office-block address (the
//! `building` variant of `cn_address`).
//!
//! ```text
//! H H+? PROVINCE A*? DISTRICT B*? D{1,5} BLOCK (C{0,6}? D{1,5} PART)+
//! H = \p{Han}   A = [\p{Han}0-9A-Za-z\-]   B = A and the space   D as in the address
//! ```
//!
//! Every lazy repetition stops at the first place from which the rest matches, so the
//! regex's choice is: the first province word at least two characters into a run of Han
//! characters from which a district follows, the first district from which a block
//! follows, the first block followed by at least one part. What follows a position
//! depends only on the position, so those answers are remembered: text with many
//! cities and districts and no block is not searched again for each of them. The
//! windows of this variant are the longest of any rule (a city name may stand far
//! before the block number), and the regex's reverse search over them was the cost.

use super::address::{in_a, in_d, part};
use super::{decode, decode_at, followed_by, is_han};
use leakscope_core::mix::MixState;
use std::collections::HashMap;

/// The pattern implemented here, exactly as the rule writes it.
pub(super) const PATTERN: &str = r"\p{Han}\p{Han}+?(?:省|自治区|市)[\p{Han}0-9A-Za-z\-]*?(?:区|县|市|镇|乡|旗)[\p{Han}0-9A-Za-z\- ]*?[0-9A-Za-z一二三四五六七八九十]{1,5}(?:号楼|号院|栋|幢|座|单元)(?:[\p{Han}A-Za-z ]{0,6}?[0-9A-Za-z一二三四五六七八九十]{1,5}(?:号楼|号院|号|室|栋|幢|单元|层|楼|座))+";

/// The leftmost match in `hay[from..to]`, as the regex of [`PATTERN`] finds it in
/// `hay[..to]` from `from`. `hay` is UTF-8 and `from`, `to` are character boundaries.
pub(super) fn find(hay: &[u8], from: usize, to: usize) -> Option<(usize, usize)> {
    let hay = &hay[..to.min(hay.len())];
    // The memo's maps are kept on the thread and emptied per call: a dense export calls
    // this for every address cell, and two fresh maps were two allocations each time.
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        memo.province.clear();
        memo.district.clear();
        leftmost(hay, from, &mut memo)
    })
}

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(Memo::default());
}

/// [`find`] with a given memo.
fn leftmost(hay: &[u8], from: usize, memo: &mut Memo) -> Option<(usize, usize)> {
    let mut p = from;
    while p < hay.len() {
        let (c, len) = decode(hay, p);
        if !is_han(c) {
            p += len;
            continue;
        }
        // A run of Han characters starts at `p`: it is the leftmost start when a province
        // word at least two characters into it leads to the rest, and no start in it is
        // otherwise (a later start only has fewer province words ahead).
        let mut q = p;
        let mut index = 0usize;
        while let Some((c, len)) = decode_at(hay, q) {
            if !is_han(c) {
                break;
            }
            if index >= 2 {
                if let Some(more) = province_at(c, hay, q + len) {
                    if let Some(end) = memo.after_province(hay, q + len + more) {
                        return Some((p, end));
                    }
                }
            }
            index += 1;
            q += len;
        }
        p = q;
    }
    None
}

/// After a word's first character `c` (the next one starts at `next`): how many more
/// bytes the province word (省, 自治区, 市) starting with it takes.
fn province_at(c: char, hay: &[u8], next: usize) -> Option<usize> {
    match c {
        '省' | '市' => Some(0),
        '自' => {
            let a = followed_by(hay, next, '治')?;
            followed_by(hay, next + a, '区').map(|b| a + b)
        }
        _ => None,
    }
}

/// After a block number's digits: how many bytes the block word (号楼, 号院, 栋, 幢,
/// 座, 单元) at `at` takes.
fn block_at(hay: &[u8], at: usize) -> Option<usize> {
    let (c, len) = decode_at(hay, at)?;
    match c {
        '号' => followed_by(hay, at + len, '楼')
            .or_else(|| followed_by(hay, at + len, '院'))
            .map(|more| len + more),
        '栋' | '幢' | '座' => Some(len),
        '单' => followed_by(hay, at + len, '元').map(|more| len + more),
        _ => None,
    }
}

/// The ends of what follows a province word and a district, by position. A window of
/// dense addresses can hold thousands of each, so the lookups are hashed; the keys are
/// byte offsets, one per word, which the mixing hasher spreads without SipHash's cost.
#[derive(Default)]
struct Memo {
    province: HashMap<usize, Option<usize>, MixState>,
    district: HashMap<usize, Option<usize>, MixState>,
}

impl Memo {
    /// `A*? DISTRICT …` from `y`: the first district from which a block follows.
    fn after_province(&mut self, hay: &[u8], y: usize) -> Option<usize> {
        if let Some(&known) = self.province.get(&y) {
            return known;
        }
        let mut at = y;
        let mut found = None;
        while let Some((c, len)) = decode_at(hay, at) {
            if !in_a(c) {
                break;
            }
            if matches!(c, '区' | '县' | '市' | '镇' | '乡' | '旗') {
                found = self.after_district(hay, at + len);
                if found.is_some() {
                    break;
                }
            }
            at += len;
        }
        self.province.insert(y, found);
        found
    }

    /// `B*? D{1,5} BLOCK (PART)+` from `x`: the first block number followed by a part.
    fn after_district(&mut self, hay: &[u8], x: usize) -> Option<usize> {
        if let Some(&known) = self.district.get(&x) {
            return known;
        }
        let mut at = x;
        let found = loop {
            let Some((c, len)) = decode_at(hay, at) else {
                break None;
            };
            if in_d(c) {
                let (z, count) = d_run(hay, at);
                if let Some(end) = block_and_parts(hay, z) {
                    break Some(end);
                }
                // A later start inside a run that ended before five characters sees the
                // same end, so the same missing block word: the run is passed whole
                // (its characters are `B`s, as every `D` is).
                if count < 5 {
                    at = z;
                    continue;
                }
            }
            if in_a(c) || c == ' ' {
                at += len;
            } else {
                break None;
            }
        };
        self.district.insert(x, found);
        found
    }
}

/// `D{1,5}` greedy at `j`: where the run of at most five `D` characters ends, and how many
/// it has.
fn d_run(hay: &[u8], j: usize) -> (usize, usize) {
    let mut z = j;
    let mut count = 0;
    while count < 5 {
        match decode_at(hay, z) {
            Some((c, len)) if in_d(c) => z += len,
            _ => break,
        }
        count += 1;
    }
    (z, count)
}

/// `BLOCK (C{0,6}? D{1,5} PART)+` at `z`, the end of a non-empty `D{1,5}` (a block word
/// never starts with a `D` character, so only the whole run can be followed by one).
fn block_and_parts(hay: &[u8], z: usize) -> Option<usize> {
    let mut end = part(hay, z + block_at(hay, z)?, 6, true)?;
    while let Some(next) = part(hay, end, 6, true) {
        end = next;
    }
    Some(end)
}
