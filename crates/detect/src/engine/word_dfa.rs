//! The shared word automaton in a compact table of its own.
//!
//! The library's DFA over the engine's few hundred trigger, context and negative words
//! (most of them Chinese, three bytes a character) takes 1.6 MB: its byte classes come
//! from byte ranges, which the scattered bytes of UTF-8 split into more than 128, so each
//! state's row is 256 transitions of four bytes. On dense text nearly every character
//! moves the automaton, and the loads of that table, larger than a core's L2 cache, were
//! the stall of the word search. This module reads the same automaton out state by state
//! and stores it again with exact byte classes (bytes no state tells apart share a
//! class, about a hundred here), which is less than half the size, with the states that
//! report words numbered first so that one comparison tells a reporting state.
//!
//! The occurrences reported are exactly those of the library's overlapping search (a
//! property test compares them); the search skips, a table lookup per byte, the bytes
//! that leave the automaton at its start (digits, spaces, most punctuation).

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{Anchored, MatchKind};
use leakscope_core::mix::MixState;
use std::collections::HashMap;

/// Texts at least this long are walked as two halves at once (see [`WordDfa::each`]).
const TWO_WALKS_MIN: usize = 4096;

/// Every occurrence of a set of words, ASCII case ignored.
#[derive(Debug, Clone)]
pub(super) struct WordDfa {
    /// Per byte: its class.
    classes: [u8; 256],
    /// How many classes there are: the length of a state's row.
    stride: usize,
    /// `ceil(2^32 / stride)`: a row index times this, shifted right by 32, is the state's
    /// number (exact for multiples of the stride), without a division per reported word.
    per_row: u64,
    /// Per state and class: the next state, as the index of its row (state × stride).
    trans: Vec<u32>,
    /// Row indices below this one belong to states that report words.
    reporting: u32,
    /// Per reporting state: where its words start in `words`, and where they end.
    reports: Vec<(u32, u32)>,
    /// The words each reporting state reports: (word index, length in bytes).
    words: Vec<(u32, u32)>,
    /// The start state's row index.
    start: u32,
    /// Per byte: the automaton stays at its start state on it.
    stays: [bool; 256],
    /// Whether a space keeps a walk at its start (no word starts with one).
    space_stays: bool,
    /// The longest word's length in bytes.
    longest: usize,
    #[cfg(test)]
    patterns: Vec<String>,
}

impl WordDfa {
    /// The automaton of `words`, or the library's error for them.
    pub(super) fn new(words: &[String]) -> Result<WordDfa, aho_corasick::BuildError> {
        let dfa = aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(words)?;
        let first = dfa
            .start_state(Anchored::No)
            .expect("an unanchored search has a start state");
        // Every state reachable from the start, numbered in discovery order, with the
        // numbers of its 256 successors (the library is asked once per state and byte).
        let mut states = vec![first];
        // State ids are small integers: with the standard hasher, reading the automaton
        // out was most of the cost of building an engine.
        let mut known: HashMap<StateID, u32, MixState> = HashMap::default();
        known.insert(first, 0);
        let mut successors: Vec<u32> = Vec::new();
        let mut at = 0;
        while at < states.len() {
            let s = states[at];
            at += 1;
            for b in 0..=255u8 {
                let t = dfa.next_state(Anchored::No, s, b);
                let fresh = states.len() as u32;
                let number = *known.entry(t).or_insert(fresh);
                if number == fresh {
                    states.push(t);
                }
                successors.push(number);
            }
        }
        // Reporting states first, so `row < reporting` tells one: `by_rank` lists the
        // discovery numbers in the new order, `rank` is its inverse.
        let mut by_rank: Vec<usize> = (0..states.len()).collect();
        by_rank.sort_by_key(|&d| !dfa.is_match(states[d]));
        let mut rank = vec![0u32; states.len()];
        for (r, &d) in by_rank.iter().enumerate() {
            rank[d] = r as u32;
        }
        let next = |d: usize, b: usize| rank[successors[d * 256 + b] as usize];
        // Two bytes share a class when every state goes to the same place on both: the
        // bytes sorted by their column of next states, equal columns side by side.
        let columns: Vec<Vec<u32>> = (0..256)
            .map(|b| by_rank.iter().map(|&d| next(d, b)).collect())
            .collect();
        let mut bytes: Vec<usize> = (0..256).collect();
        bytes.sort_by(|&a, &b| columns[a].cmp(&columns[b]));
        let mut classes = [0u8; 256];
        let mut stride = 0usize;
        for (i, &b) in bytes.iter().enumerate() {
            if i == 0 || columns[b] != columns[bytes[i - 1]] {
                stride += 1;
            }
            classes[b] = (stride - 1) as u8;
        }
        let mut trans = vec![0u32; states.len() * stride];
        for (b, column) in columns.iter().enumerate() {
            for (r, &to) in column.iter().enumerate() {
                trans[r * stride + classes[b] as usize] = to * stride as u32;
            }
        }
        let states: Vec<StateID> = by_rank.iter().map(|&d| states[d]).collect();
        let mut reports = Vec::new();
        let mut found = Vec::new();
        for &s in states.iter().take_while(|&&s| dfa.is_match(s)) {
            let from = found.len() as u32;
            for k in 0..dfa.match_len(s) {
                let word = dfa.match_pattern(s, k);
                found.push((word.as_u32(), dfa.pattern_len(word) as u32));
            }
            reports.push((from, found.len() as u32));
        }
        let start = rank[0] * stride as u32;
        let mut stays = [false; 256];
        for (b, stay) in stays.iter_mut().enumerate() {
            *stay = trans[start as usize + classes[b] as usize] == start;
        }
        Ok(WordDfa {
            classes,
            stride,
            per_row: (1u64 << 32).div_ceil(stride as u64),
            trans,
            reporting: (reports.len() * stride) as u32,
            reports,
            words: found,
            start,
            space_stays: stays[usize::from(b' ')],
            stays,
            longest: words.iter().map(String::len).max().unwrap_or(0),
            #[cfg(test)]
            patterns: words.to_vec(),
        })
    }

    /// Calls `found(start, end, word)` for every occurrence in `text`, by end (and, at
    /// one end, in the library's order) in each half of a long text, the first half's
    /// first.
    ///
    /// A long text is walked as two halves at once: each byte's transition waits on the
    /// previous one's load, and two independent walks keep two loads in flight. The
    /// second walk starts from the start state a word's length less one before the
    /// middle, so it sees every word ending after the middle whole, and reports only
    /// those; the first reports those ending at or before it.
    ///
    /// `later` holds the second half's occurrences until the first half's are reported:
    /// the caller's, kept between texts, since a new list for every text (a megabyte for
    /// a chunk of a log) was fresh memory, faulted in page by page.
    pub(super) fn each(
        &self,
        text: &[u8],
        later: &mut Vec<(usize, usize, u32)>,
        mut found: impl FnMut(usize, usize, u32),
    ) {
        // Two walks in step only pay on text the automaton reads byte by byte. A text that
        // is mostly spaces (a dump whose rows were blanked out of its text scan) is walked
        // once, skipping the runs that keep the walk at its start.
        if text.len() < TWO_WALKS_MIN || (self.space_stays && mostly_spaces(text)) {
            self.walk(text, self.start, 0, text.len(), 0, &mut found);
            return;
        }
        let mid = text.len() / 2;
        let (mut a, mut i) = (self.start, 0usize);
        let second_from = mid.saturating_sub(self.longest.saturating_sub(1));
        let (mut b, mut j) = (self.start, second_from);
        later.clear();
        let steps = (mid - i).min(text.len() - j);
        // The two halves' bytes side by side, so no byte read needs a bounds check.
        for (&x, &y) in text[i..i + steps].iter().zip(&text[j..j + steps]) {
            a = self.trans[a as usize + self.classes[x as usize] as usize];
            b = self.trans[b as usize + self.classes[y as usize] as usize];
            i += 1;
            j += 1;
            if a < self.reporting {
                self.report(a, i, 0, &mut found);
            }
            if b < self.reporting {
                self.report(b, j, mid + 1, &mut |s, e, w| later.push((s, e, w)));
            }
        }
        self.walk(text, a, i, mid, 0, &mut found);
        self.walk(text, b, j, text.len(), mid + 1, &mut |s, e, w| {
            later.push((s, e, w))
        });
        for &(s, e, w) in later.iter() {
            found(s, e, w);
        }
    }

    /// Walks `text[from..to]` from the state at `row`, reporting the words that end at or
    /// after `report_from`.
    fn walk(
        &self,
        text: &[u8],
        mut row: u32,
        from: usize,
        to: usize,
        report_from: usize,
        found: &mut impl FnMut(usize, usize, u32),
    ) {
        let mut i = from;
        while i < to {
            if row == self.start {
                match text[i..to].iter().position(|&b| !self.stays[b as usize]) {
                    Some(skip) => i += skip,
                    None => break,
                }
            }
            row = self.trans[row as usize + self.classes[text[i] as usize] as usize];
            i += 1;
            if row < self.reporting {
                self.report(row, i, report_from, found);
            }
        }
    }

    /// Reports the words of the reporting state at `row`, which end at `end`, if `end`
    /// is at least `report_from`.
    #[inline]
    fn report(
        &self,
        row: u32,
        end: usize,
        report_from: usize,
        found: &mut impl FnMut(usize, usize, u32),
    ) {
        if end < report_from {
            return;
        }
        let state = (u64::from(row) * self.per_row) >> 32;
        debug_assert_eq!(state as usize, row as usize / self.stride);
        let (from, to) = self.reports[state as usize];
        for &(word, len) in &self.words[from as usize..to as usize] {
            found(end - len as usize, end, word);
        }
    }

    /// The table's size in bytes.
    #[cfg(test)]
    pub(super) fn memory(&self) -> usize {
        self.trans.len() * 4 + self.words.len() * 8 + self.reports.len() * 8
    }

    /// The words, as built.
    #[cfg(test)]
    pub(super) fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// Whether more than three quarters of three samples of `text` (its start, middle and
/// end, a kilobyte each) are spaces: a guess at the whole that costs no pass over it.
fn mostly_spaces(text: &[u8]) -> bool {
    const SAMPLE: usize = 1024;
    let n = text.len();
    let (mut seen, mut spaces) = (0, 0);
    for from in [0, n.saturating_sub(SAMPLE) / 2, n.saturating_sub(SAMPLE)] {
        let piece = &text[from..(from + SAMPLE).min(n)];
        seen += piece.len();
        spaces += memchr::memchr_iter(b' ', piece).count();
    }
    spaces * 4 > seen * 3
}
