//! Rewriting the runs of ASCII digits in a text: names masked for output rewrite the long
//! ones, and field names are read with their array indices written alike.

use std::borrow::Cow;

/// `text` with runs of ASCII digits rewritten: `rewrite(start, end)` gives what the run
/// `text[start..end]` becomes, or `None` to keep it. `None` when no run was rewritten, so
/// a text without one costs no allocation.
pub(crate) fn rewrite_digit_runs<'a>(
    text: &str,
    mut rewrite: impl FnMut(usize, usize) -> Option<Cow<'a, str>>,
) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if let Some(new) = rewrite(start, i) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..start]);
            o.push_str(&new);
            copied = i;
        }
    }
    let mut o = out?;
    o.push_str(&text[copied..]);
    Some(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_rewritten_or_kept_as_asked() {
        let longer = |s: usize, e: usize| (e - s > 2).then_some(Cow::Borrowed("#"));
        assert_eq!(
            rewrite_digit_runs("a12b345c6789", longer).as_deref(),
            Some("a12b#c#")
        );
        assert_eq!(rewrite_digit_runs("a12b", longer), None);
        assert_eq!(rewrite_digit_runs("", longer), None);
        assert_eq!(rewrite_digit_runs("1234", longer).as_deref(), Some("#"));
    }
}
