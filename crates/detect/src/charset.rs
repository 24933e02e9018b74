//! Sets of characters looked up once per character of text: the Han matchers test every
//! character of a window, and the name validator every character of a candidate.

/// A set of characters of the Basic Multilingual Plane as a bitmap (8 KiB): one lookup
/// per character where a table search would run on every character of a window.
pub(crate) struct PlaneSet(Vec<u64>);

impl PlaneSet {
    /// The set of `chars` (those beyond the plane are left out: callers test them apart).
    pub(crate) fn new(chars: impl Iterator<Item = char>) -> PlaneSet {
        let mut bits = vec![0u64; 0x10000 / 64];
        for code in chars.map(u32::from).filter(|&c| c <= 0xFFFF) {
            bits[code as usize / 64] |= 1 << (code % 64);
        }
        PlaneSet(bits)
    }

    pub(crate) fn contains(&self, c: char) -> bool {
        let code = u32::from(c) as usize;
        self.0
            .get(code / 64)
            .is_some_and(|bits| bits & (1 << (code % 64)) != 0)
    }
}
