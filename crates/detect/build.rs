//! Writes the table of traditional Chinese characters and their simplified forms that
//! `src/script.rs` reads: for each CJK Unified Ideograph, `zhconv`'s conversion of the
//! character alone, kept when it is one other character of the same block (so the same
//! UTF-8 length), as that character's offset in the block plus one, else 0.

use std::fmt::Write as _;

const FIRST: u32 = 0x4E00;
const LAST: u32 = 0x9FFF;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut table = String::from("[");
    let mut buf = [0u8; 4];
    for cp in FIRST..=LAST {
        let mut entry = 0u32;
        if let Some(c) = char::from_u32(cp) {
            let converted = zhconv::zhconv(c.encode_utf8(&mut buf), zhconv::Variant::ZhHans);
            let mut chars = converted.chars();
            if let (Some(s), None) = (chars.next(), chars.next()) {
                let s = u32::from(s);
                if s != cp && (FIRST..=LAST).contains(&s) {
                    entry = s - FIRST + 1;
                }
            }
        }
        let _ = write!(table, "{entry},");
    }
    table.push(']');
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("simplified.rs"), table).expect("writing the simplified table");
}
