//! Streaming: scanning a long text in chunks with a stated overlap.
//!
//! A [`StreamScanner`] accepts the text piece by piece. It keeps the last
//! [`StreamScanner::overlap`] bytes of what it has seen and scans them again together with
//! the next piece, and it only reports a finding once it lies wholly before that carried
//! tail (or at the end of input). A value that straddles a chunk boundary is therefore
//! found in the later scan and reported exactly once, and memory stays bounded by the
//! chunk size plus the overlap, whatever the input size.
//!
//! Limit: a single value longer than the overlap (a PEM block of more than 16 KiB) cannot
//! be matched across a boundary.

use crate::engine::{Scanner, CONTEXT_BEFORE};
use leakscope_core::Finding;

/// Chunked scanning state for one text.
pub struct StreamScanner<'s, 'e> {
    scanner: &'s mut Scanner<'e>,
    overlap: usize,
    buffer: String,
    /// Offset of `buffer[0]` in the whole text.
    base: usize,
    /// Lines (newlines) before `buffer[0]`.
    base_lines: u64,
    /// Findings starting before this whole-text offset were already reported.
    reported_until: usize,
    scratch: Vec<Finding>,
}

impl<'s, 'e> StreamScanner<'s, 'e> {
    /// Starts a stream using `scanner`. The overlap is the engine's largest rule window plus
    /// the context distance, so no match and no context word is lost at a boundary.
    pub fn new(scanner: &'s mut Scanner<'e>) -> Self {
        let overlap = scanner.engine().max_window() + CONTEXT_BEFORE + 64;
        StreamScanner {
            scanner,
            overlap,
            buffer: String::new(),
            base: 0,
            base_lines: 0,
            reported_until: 0,
            scratch: Vec::new(),
        }
    }

    /// Bytes re-scanned from each previous chunk.
    pub fn overlap(&self) -> usize {
        self.overlap
    }

    /// Adds the next piece of text and appends the findings that are now final to `out`,
    /// with offsets and line numbers relative to the whole text.
    pub fn push(&mut self, chunk: &str, out: &mut Vec<Finding>) {
        self.buffer.push_str(chunk);
        if self.buffer.len() <= self.overlap * 2 {
            return;
        }
        self.scan_buffer(false, out);
    }

    /// Ends the text and appends the remaining findings.
    pub fn finish(mut self, out: &mut Vec<Finding>) {
        self.scan_buffer(true, out);
    }

    fn scan_buffer(&mut self, last: bool, out: &mut Vec<Finding>) {
        self.scratch.clear();
        self.scanner.scan(&self.buffer, &mut self.scratch);
        // Findings starting at or after `limit` might still grow with the next chunk (or
        // need context from it); they are left for the next scan.
        let limit = if last {
            self.buffer.len()
        } else {
            floor_char(&self.buffer, self.buffer.len() - self.overlap)
        };
        for mut f in self.scratch.drain(..) {
            let global = self.base + f.start;
            if global < self.reported_until || (f.start >= limit && !last) {
                continue;
            }
            f.start += self.base;
            f.end += self.base;
            f.line = f.line.map(|l| l + self.base_lines);
            out.push(f);
        }
        if last {
            return;
        }
        self.reported_until = self.base + limit;
        // Keep enough before `limit` for boundary and context checks of the next scan.
        let keep_from = floor_char(&self.buffer, limit.saturating_sub(CONTEXT_BEFORE));
        self.base_lines +=
            memchr::memchr_iter(b'\n', &self.buffer.as_bytes()[..keep_from]).count() as u64;
        self.base += keep_from;
        self.buffer.drain(..keep_from);
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
