//! Which bytes of a block start a character of text, and how long that character is,
//! for the extraction of strings from binary content.
//!
//! The answer for every byte is computed independently of the others, so that a block of
//! random binary costs no mispredicted branches: with SSE2 (every x86-64 processor) sixteen
//! bytes at a time, elsewhere one byte at a time from tables. Both agree with
//! `text_step`, the plain definition, which the tests check.

/// Bit `k` of a field is set when byte `k` of the block starts a character of text of that
/// many bytes: printable ASCII or a tab (`one`), or a valid UTF-8 character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct CharStarts {
    pub one: u64,
    pub two: u64,
    pub three: u64,
    pub four: u64,
}

/// The bytes of a block, and the three after it that a character starting in the block
/// may run into.
pub(super) type Block = [u8; BLOCK + 3];

/// Bytes per block: one bit each in a `u64`.
pub(super) const BLOCK: usize = 64;

/// Classifies the 64 bytes of a block.
pub(super) fn block(window: &Block) -> CharStarts {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        // SAFETY: the only requirement of `sse2::block` is the SSE2 instruction set, which
        // this build enables for every target it runs on (it is part of x86-64 itself).
        unsafe { sse2::block(window) }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        scalar_block(window)
    }
}

/// The same, one byte at a time.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
pub(super) fn scalar_block(window: &Block) -> CharStarts {
    let mut c = CharStarts::default();
    for k in 0..BLOCK {
        let len = char_len(&window[k..k + 4]);
        c.one |= u64::from(len == 1) << k;
        c.two |= u64::from(len == 2) << k;
        c.three |= u64::from(len == 3) << k;
        c.four |= u64::from(len == 4) << k;
    }
    c
}

/// Per lead byte: the length of the character it starts when that is text (1 for
/// printable ASCII and tab, 2 to 4 for a UTF-8 lead), 0 when the byte cannot start text.
static CHAR_LEN: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'\t' | 0x20..=0x7E => 1,
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 0,
        };
        b += 1;
    }
    t
};

/// Per lead byte: the range the second byte of its character must fall in, as its lowest
/// value and its width minus one (narrower than any continuation byte after the leads that
/// would otherwise allow overlong forms, surrogates or values above U+10FFFF).
static SECOND_RANGE: [(u8, u8); 256] = {
    let mut t = [(0x80u8, 0x3Fu8); 256];
    t[0xE0] = (0xA0, 0x1F);
    t[0xED] = (0x80, 0x1F);
    t[0xF0] = (0x90, 0x2F);
    t[0xF4] = (0x80, 0x0F);
    t
};

/// What [`text_step`] says for the character starting `window[0]`, given the next three
/// bytes, without a branch on the bytes: 1 for ASCII text, 2 to 4 for a valid multi-byte
/// character, 0 for a byte that is not text.
#[inline(always)]
pub(super) fn char_len(window: &[u8]) -> usize {
    let (b0, b1, b2, b3) = (window[0], window[1], window[2], window[3]);
    let len = usize::from(CHAR_LEN[usize::from(b0)]);
    let (lo, span) = SECOND_RANGE[usize::from(b0)];
    let second = b1.wrapping_sub(lo) <= span;
    let third = b2 & 0xC0 == 0x80;
    let fourth = b3 & 0xC0 == 0x80;
    let valid = (len <= 1) | (second & ((len < 3) | third) & ((len < 4) | fourth));
    len * usize::from(valid)
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    //! SSE2 is part of x86-64, so these intrinsics need no detection at run time.
    //! Bytes are compared as signed values; flipping the top bit first
    //! (`x ^ 0x80`) turns the unsigned ranges of UTF-8 into signed ones.

    use super::{Block, CharStarts, BLOCK};
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_set_epi64x, _mm_xor_si128,
    };

    /// Sixteen bytes from `bytes[at..]`, built from two words so that no pointer is read.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load(bytes: &[u8], at: usize) -> __m128i {
        let lo = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        let hi = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().expect("eight bytes"));
        _mm_set_epi64x(hi as i64, lo as i64)
    }

    /// Lanes whose signed value `v` has `lo < v < hi`.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn between(v: __m128i, lo: i8, hi: i8) -> __m128i {
        _mm_and_si128(
            _mm_cmpgt_epi8(v, _mm_set1_epi8(lo)),
            _mm_cmplt_epi8(v, _mm_set1_epi8(hi)),
        )
    }

    /// The top bit of every lane flipped: unsigned order becomes signed order.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn flip(v: __m128i) -> __m128i {
        _mm_xor_si128(v, _mm_set1_epi8(i8::MIN))
    }

    /// Lanes holding a continuation byte (`0x80..=0xBF`), given the flipped bytes.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn continuation(flipped: __m128i) -> __m128i {
        between(flipped, -1, 0x40)
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn mask(v: __m128i) -> u64 {
        u64::from(_mm_movemask_epi8(v) as u16)
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn set(v: u8) -> __m128i {
        _mm_set1_epi8(v as i8)
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn block(window: &Block) -> CharStarts {
        let mut c = CharStarts::default();
        for lane in (0..BLOCK).step_by(16) {
            let b0 = load(window, lane);
            let f0 = flip(b0);
            let f1 = flip(load(window, lane + 1));
            let f2 = flip(load(window, lane + 2));
            let f3 = flip(load(window, lane + 3));
            let ascii = _mm_or_si128(between(b0, 0x1F, 0x7F), _mm_cmpeq_epi8(b0, set(b'\t')));
            // Leads, flipped: 0xC2..=0xDF, 0xE0..=0xEF and 0xF0..=0xF4.
            let lead2 = between(f0, 0x41, 0x60);
            let lead3 = between(f0, 0x5F, 0x70);
            let lead4 = between(f0, 0x6F, 0x75);
            // The leads whose second byte has a narrower range than a continuation byte.
            let above_9f = _mm_cmpgt_epi8(f1, set(0x1F));
            let above_8f = _mm_cmpgt_epi8(f1, set(0x0F));
            let bad_second = _mm_or_si128(
                _mm_or_si128(
                    _mm_andnot_si128(above_9f, _mm_cmpeq_epi8(b0, set(0xE0))),
                    _mm_and_si128(above_9f, _mm_cmpeq_epi8(b0, set(0xED))),
                ),
                _mm_or_si128(
                    _mm_andnot_si128(above_8f, _mm_cmpeq_epi8(b0, set(0xF0))),
                    _mm_and_si128(above_8f, _mm_cmpeq_epi8(b0, set(0xF4))),
                ),
            );
            let second = _mm_andnot_si128(bad_second, continuation(f1));
            let third = _mm_and_si128(second, continuation(f2));
            let fourth = _mm_and_si128(third, continuation(f3));
            c.one |= mask(ascii) << lane;
            c.two |= mask(_mm_and_si128(lead2, second)) << lane;
            c.three |= mask(_mm_and_si128(lead3, third)) << lane;
            c.four |= mask(_mm_and_si128(lead4, fourth)) << lane;
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_classified_alike_one_byte_and_sixteen_at_a_time() {
        // Every byte value in every position of a lane, followed by every byte value, and
        // the bytes that decide multi-byte characters after them.
        let tails = [0x00u8, 0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xE4];
        let mut window: Block = [0; BLOCK + 3];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for b0 in 0..=255u8 {
            for b1 in 0..=255u8 {
                for (k, byte) in window.iter_mut().enumerate() {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    *byte = match k % 4 {
                        0 => b0,
                        1 => b1,
                        _ => tails[(seed % tails.len() as u64) as usize],
                    };
                }
                assert_eq!(block(&window), scalar_block(&window), "{b0:x} {b1:x}");
            }
        }
    }
}
