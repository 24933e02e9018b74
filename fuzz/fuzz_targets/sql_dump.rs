//! Fuzz target: a SQL dump's text read for `INSERT` rows and `COPY` blocks; every row and
//! value range must lie inside the text and on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let dump = leakscope_sources::sql::parse(&text);
    for row in &dump.rows {
        assert!(row.span.end <= text.len());
        assert!(row.columns < dump.columns.len());
        for v in &row.values {
            assert!(v.start <= v.end && v.end <= text.len());
            assert!(text.is_char_boundary(v.start) && text.is_char_boundary(v.end));
        }
    }
});
