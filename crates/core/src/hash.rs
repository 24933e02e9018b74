//! Keyed hashing of normalised values.
//!
//! A plain hash of a resident ID number is no protection: the space of valid numbers is
//! small enough to enumerate. A keyed hash with a per-installation secret key lets the same
//! installation recognise the same identifier everywhere while a stolen database alone
//! reveals nothing. BLAKE3's keyed mode is used because it is fast and is a PRF.

use std::fmt;

/// Length of a hash key in bytes.
pub const KEY_LEN: usize = 32;

/// Version tag written in front of every hash, so the scheme can change later.
const HASH_PREFIX: &str = "k1:";

/// Number of bytes of the keyed hash that are kept (128 bits: collisions are negligible for
/// any realistic number of identifiers).
pub const HASH_BYTES: usize = 16;

/// A per-installation secret key.
#[derive(Clone)]
pub struct HashKey([u8; KEY_LEN]);

/// Errors when loading a key from its textual form.
#[derive(Debug, thiserror::Error)]
pub enum HashKeyError {
    /// The text was not 64 hexadecimal characters.
    #[error("hash key must be {expected} hexadecimal characters, found {found} characters")]
    BadLength { expected: usize, found: usize },
    /// A character was not hexadecimal.
    #[error("hash key contains a non-hexadecimal character at position {position}")]
    BadChar { position: usize },
}

impl HashKey {
    /// Wraps key bytes (the caller generates them from a cryptographic random source).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        HashKey(bytes)
    }

    /// A fixed, public key for tests and examples. Never use it for real data: anyone can
    /// recompute hashes made with it.
    pub fn insecure_test_key() -> Self {
        HashKey(*b"leakscope-insecure-test-key-0001")
    }

    /// Parses the 64-character hexadecimal form written by [`HashKey::to_hex`].
    pub fn from_hex(text: &str) -> Result<Self, HashKeyError> {
        let text = text.trim();
        if text.len() != KEY_LEN * 2 {
            return Err(HashKeyError::BadLength {
                expected: KEY_LEN * 2,
                found: text.len(),
            });
        }
        let mut out = [0u8; KEY_LEN];
        read_hex(text.as_bytes(), &mut out)
            .map_err(|position| HashKeyError::BadChar { position })?;
        Ok(HashKey(out))
    }

    /// The 64-character hexadecimal form, for storing the key in a file.
    pub fn to_hex(&self) -> String {
        let mut text = [0u8; KEY_LEN * 2];
        write_hex(&self.0, &mut text);
        text.iter().map(|&b| char::from(b)).collect()
    }

    /// Keyed hash of a normalised value, domain-separated by the detector's hash domain so
    /// that equal digit strings of different kinds do not collide.
    pub fn hash(&self, domain: &str, normalized: &str) -> ValueHash {
        // The one-shot form over one buffer gives the same digest as feeding the parts to
        // an incremental hasher, at about half the instructions for the short values that
        // identifiers are (the incremental hasher's set-up dominates there).
        const INLINE: usize = 192;
        let len = domain.len() + 1 + normalized.len();
        let digest = if len <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..domain.len()].copy_from_slice(domain.as_bytes());
            buf[domain.len() + 1..len].copy_from_slice(normalized.as_bytes());
            blake3::keyed_hash(&self.0, &buf[..len])
        } else {
            let mut hasher = blake3::Hasher::new_keyed(&self.0);
            hasher.update(domain.as_bytes());
            hasher.update(&[0u8]);
            hasher.update(normalized.as_bytes());
            hasher.finalize()
        };
        let mut bytes = [0u8; HASH_BYTES];
        bytes.copy_from_slice(&digest.as_bytes()[..HASH_BYTES]);
        ValueHash(bytes)
    }
}

impl fmt::Debug for HashKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashKey(hidden)")
    }
}

/// Writes `bytes` as lower-case hexadecimal into `out` (twice as long) without going
/// through the formatting machinery: a hash's text is made for every finding printed.
fn write_hex(bytes: &[u8], out: &mut [u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 15)];
    }
}

/// Reads hexadecimal `text` (twice as long as `out`, checked by the caller) into `out`;
/// on failure, the position of the first character that is not hexadecimal.
fn read_hex(text: &[u8], out: &mut [u8]) -> Result<(), usize> {
    for (i, slot) in out.iter_mut().enumerate() {
        let hi = hex_digit(text[2 * i]).ok_or(2 * i)?;
        let lo = hex_digit(text[2 * i + 1]).ok_or(2 * i + 1)?;
        *slot = hi << 4 | lo;
    }
    Ok(())
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A keyed hash: the first [`HASH_BYTES`] bytes of the digest. It is held as bytes (a
/// finding carries one from the engine to the store without an allocation) and written as
/// text, `k1:` followed by 32 hexadecimal characters, wherever people or tools read it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueHash([u8; HASH_BYTES]);

/// Length of the textual form of a [`ValueHash`].
pub const HASH_TEXT_LEN: usize = HASH_PREFIX.len() + HASH_BYTES * 2;

/// Errors when reading a hash back from its textual form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a keyed hash (`k1:` and 32 hexadecimal characters)")]
pub struct ValueHashError;

impl ValueHash {
    /// All zero bits: what a finding carries when its scan only counts findings and no
    /// hash was computed (see `Scanner::set_values` in the detection crate). No keyed hash
    /// of a value is expected to be this one.
    pub const NOT_COMPUTED: ValueHash = ValueHash([0; HASH_BYTES]);

    /// The digest bytes, as the compact store encoding keeps them.
    pub fn to_bytes(self) -> [u8; HASH_BYTES] {
        self.0
    }

    /// A hash from digest bytes written by [`ValueHash::to_bytes`].
    pub fn from_bytes(bytes: [u8; HASH_BYTES]) -> Self {
        ValueHash(bytes)
    }

    /// The textual form, built on the stack.
    pub fn text(self) -> HashText {
        let mut out = [0u8; HASH_TEXT_LEN];
        out[..HASH_PREFIX.len()].copy_from_slice(HASH_PREFIX.as_bytes());
        write_hex(&self.0, &mut out[HASH_PREFIX.len()..]);
        HashText(out)
    }

    /// Reads the textual form back (from a report, a baseline or an older database).
    pub fn parse(text: &str) -> Result<Self, ValueHashError> {
        let hex = text.strip_prefix(HASH_PREFIX).ok_or(ValueHashError)?;
        if hex.len() != HASH_BYTES * 2 {
            return Err(ValueHashError);
        }
        let mut out = [0u8; HASH_BYTES];
        read_hex(hex.as_bytes(), &mut out).map_err(|_| ValueHashError)?;
        Ok(ValueHash(out))
    }
}

impl fmt::Display for ValueHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// Serialised as its textual form, as reports and baselines write it.
impl serde::Serialize for ValueHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.text().as_str())
    }
}

impl fmt::Debug for ValueHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValueHash({self})")
    }
}

/// The textual form of a [`ValueHash`], held on the stack.
#[derive(Clone, Copy)]
pub struct HashText([u8; HASH_TEXT_LEN]);

impl HashText {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII (the prefix and hexadecimal digits) is ever written into it.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::ops::Deref for HashText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_hash_and_domains_separate() {
        let key = HashKey::insecure_test_key();
        let a = key.hash("cn_mobile", "13812345678");
        assert_eq!(a, key.hash("cn_mobile", "13812345678"));
        assert_ne!(a, key.hash("bank_card", "13812345678"));
        assert!(a.text().starts_with("k1:"));
        assert_eq!(a.text().len(), 3 + 32);
        assert_eq!(ValueHash::parse(&a.to_string()), Ok(a));
        assert_eq!(ValueHash::from_bytes(a.to_bytes()), a);
        for bad in [
            "",
            "k1:",
            "k2:a031cc16d4d4cba0fccac925034a755e",
            "k1:a031cc16d4d4cba0fccac925034a755",
            "k1:g031cc16d4d4cba0fccac925034a755e",
        ] {
            assert_eq!(ValueHash::parse(bad), Err(ValueHashError), "{bad}");
        }
        let other = HashKey::from_bytes([7; 32]);
        assert_ne!(a, other.hash("cn_mobile", "13812345678"));
    }

    /// Stored hashes outlive releases (baselines, findings databases): the short-value
    /// and long-value paths must give the digest of the incremental form, pinned here.
    #[test]
    fn digest_is_stable_for_short_and_long_values() {
        let key = HashKey::insecure_test_key();
        let reference = |domain: &str, value: &str| {
            let mut hasher = blake3::Hasher::new_keyed(&key.0);
            hasher.update(domain.as_bytes());
            hasher.update(&[0u8]);
            hasher.update(value.as_bytes());
            // BLAKE3's own hexadecimal form, cut to the 16 bytes kept.
            format!("k1:{}", &hasher.finalize().to_hex()[..32])
        };
        for value in [
            "",
            "13812345678",
            &"x".repeat(187),
            &"y".repeat(188),
            &"z".repeat(4000),
        ] {
            assert_eq!(
                key.hash("cn_mobile", value).to_string(),
                reference("cn_mobile", value)
            );
        }
        assert_eq!(
            key.hash("cn_mobile", "13812345678").to_string(),
            "k1:a031cc16d4d4cba0fccac925034a755e"
        );
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let key = HashKey::from_bytes([0xab; 32]);
        let back = HashKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key.hash("d", "v"), back.hash("d", "v"));
        assert!(matches!(
            HashKey::from_hex("abc"),
            Err(HashKeyError::BadLength { .. })
        ));
        let bad = "g".repeat(64);
        assert!(matches!(
            HashKey::from_hex(&bad),
            Err(HashKeyError::BadChar { position: 0 })
        ));
    }
}
