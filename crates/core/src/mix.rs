//! A hasher for hash tables whose keys the program makes itself (automaton state ids,
//! union-find nodes, byte offsets of a window) or that come from keyed hashes: one
//! multiplication and a rotation per key, where the standard library's SipHash, built to
//! resist chosen keys, cost more than the work around the table. Never for keys that an
//! input can aim at a table, such as its own text or an unkeyed hash of it.

use std::hash::{BuildHasherDefault, Hasher};

/// See the module documentation.
#[derive(Debug, Default, Clone, Copy)]
pub struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        // The multiplication carries every bit of the key into the high bits; the
        // rotation brings some of those down to where a table takes its bucket from.
        self.0 = (self.0 ^ n)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(26);
    }
}

/// The `BuildHasher` of [`MixHasher`], for `HashMap::default()`.
pub type MixState = BuildHasherDefault<MixHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn consecutive_keys_spread_over_bucket_and_tag_bits() {
        let hash = |n: u64| {
            let mut h = MixHasher::default();
            h.write_u64(n);
            h.finish()
        };
        // The low bits pick a bucket and the top seven tag it: consecutive keys must
        // differ in both.
        let low: HashSet<u64> = (0..1024).map(|n| hash(n) & 1023).collect();
        let top: HashSet<u64> = (0..1024).map(|n| hash(n) >> 57).collect();
        assert!(low.len() > 600, "{}", low.len());
        assert_eq!(top.len(), 128);
        let set: HashSet<u32, MixState> = (0..10_000).collect();
        assert_eq!(set.len(), 10_000);
    }
}
