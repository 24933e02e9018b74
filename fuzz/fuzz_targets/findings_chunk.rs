//! Fuzz target: a findings chunk read back from a database file, which may be damaged or
//! crafted. Decoding must end in findings or an error, never a panic or a runaway
//! allocation; whatever decodes must encode and decode again to the same findings.
#![no_main]

use leakscope_store::chunk::{self, Encoder};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut first = Vec::new();
    if chunk::for_each(data, |f| {
        first.push(f.to_stored());
        true
    })
    .is_err()
    {
        return;
    }
    // A chunk holds at most this many; a longer decoded list is encoded in the first part.
    first.truncate(chunk::MAX_FINDINGS);
    let mut bytes = Vec::new();
    Encoder::default().encode(&first, &mut bytes);
    let mut again = Vec::new();
    chunk::for_each(&bytes, |f| {
        again.push(f.to_stored());
        true
    })
    .expect("an encoded chunk decodes");
    assert_eq!(first, again);
});
