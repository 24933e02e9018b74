//! The hand-written matcher of the coordinate-pair pattern (the `gps` rule).
//!
//! The pattern has seven alternatives: a labelled pair in either order (`lat … lng …`,
//! case-insensitive, the labels optionally quoted and followed by `:` or `=`), pairs with
//! hemisphere letters after or before the numbers, and bare decimal pairs, the one whose
//! first number can only be a longitude (100 to 189) first. At each start they are tried
//! in the pattern's order, as the regex does.
//!
//! The optional and repeated pieces between the numbers (`"?`, `\s*`, `[:=]?`, `°?`) are
//! each taken whole: what follows each run of them (a digit, a sign, a label, a
//! hemisphere letter) can never be one of their characters, so giving one back never
//! lets the rest match. A number `\d{1,2}\.\d{4,}` must be the whole digit run before its
//! dot, and its fraction runs to the last digit. Only the label alternations need real
//! backtracking (`lon` before `long` before `longitude`), and they get it.

use super::{decode, decode_at, is_digit};

/// The pattern implemented here, exactly as the rule writes it.
pub(super) const PATTERN: &str = r#"(?i:"?(?:lat|latitude|纬度)"?\s*[:=]?\s*"?-?\d{1,2}\.\d{4,}"?\s*[,;&]?\s*"?(?:lng|lon|long|longitude|经度)"?\s*[:=]?\s*"?-?\d{1,3}\.\d{4,})|(?i:"?(?:lng|lon|long|longitude|经度)"?\s*[:=]?\s*"?-?\d{1,3}\.\d{4,}"?\s*[,;&]?\s*"?(?:lat|latitude|纬度)"?\s*[:=]?\s*"?-?\d{1,2}\.\d{4,})|\d{1,2}\.\d{4,}\s*°?\s*[NS]\s*[,，]?\s*\d{1,3}\.\d{4,}\s*°?\s*[EW]|\d{1,3}\.\d{4,}\s*°?\s*[EW]\s*[,，]?\s*\d{1,2}\.\d{4,}\s*°?\s*[NS]|[NS]\s*\d{1,2}\.\d{4,}\s*°?\s*[,，]?\s*[EW]\s*\d{1,3}\.\d{4,}°?|-?1[0-8]\d\.\d{4,}[^\S\r\n]*,[^\S\r\n]*-?\d{1,2}\.\d{4,}|-?\d{1,2}\.\d{4,}[^\S\r\n]*,[^\S\r\n]*-?\d{1,3}\.\d{4,}"#;

const LAT: [&str; 3] = ["lat", "latitude", "纬度"];
const LNG: [&str; 5] = ["lng", "lon", "long", "longitude", "经度"];

/// The leftmost match in `hay[from..to]`, as the regex of [`PATTERN`] finds it in
/// `hay[..to]` from `from`. `hay` is UTF-8 and `from`, `to` are character boundaries.
pub(super) fn find(hay: &[u8], from: usize, to: usize) -> Option<(usize, usize)> {
    let hay = &hay[..to.min(hay.len())];
    // Every alternative holds two numbers with a fraction, so two dots: a window with
    // fewer (one decimal in a cell of its own, a metric) is answered without a walk.
    memchr::memchr_iter(b'.', hay.get(from..).unwrap_or_default()).nth(1)?;
    let mut p = from;
    while p < hay.len() {
        let b = hay[p];
        if (0xE4..=0xE9).contains(&b) {
            // U+4000 to U+9FFF, Chinese text: no digit of any script is there (a test
            // checks), so only the labels 纬度 and 经度 can start a match.
            let rest = &hay[p..];
            if rest.starts_with("纬".as_bytes()) || rest.starts_with("经".as_bytes()) {
                if let Some(end) = at(hay, p) {
                    return Some((p, end));
                }
            }
            p += 3;
            continue;
        }
        if b >= 0x80 {
            // Beyond ASCII only a label (纬度, 经度) or a digit of another script starts one.
            let (c, len) = decode(hay, p);
            if matches!(c, '纬' | '经') || is_digit(c) {
                if let Some(end) = at(hay, p) {
                    return Some((p, end));
                }
            }
            p += len;
            continue;
        }
        let worth_trying = match b {
            // A number's digits before its dot are one to three: a start with more
            // digits of its run after it cannot match, so the run's last three are tried.
            b'0'..=b'9' => {
                let run = hay[p..].iter().take_while(|b| b.is_ascii_digit()).count();
                if run > 3 {
                    p += run - 3;
                }
                // And the run must end at the dot (or at a digit of another script).
                matches!(hay.get(p + run.min(3)), Some(b'.' | 0x80..))
            }
            // A quote starts only a quoted label.
            b'"' => label_starts(hay, p + 1),
            b'l' | b'L' => label_starts(hay, p),
            b'-' | b'N' | b'S' => true,
            _ => false,
        };
        if worth_trying {
            if let Some(end) = at(hay, p) {
                return Some((p, end));
            }
        }
        p += 1;
    }
    None
}

/// Whether a label can start at `p`: `la`, `ln`, `lo` in any case, 纬 or 经.
fn label_starts(hay: &[u8], p: usize) -> bool {
    match hay.get(p..) {
        Some([b'l' | b'L', b'a' | b'A' | b'n' | b'N' | b'o' | b'O', ..]) => true,
        Some(rest) => rest.starts_with("纬".as_bytes()) || rest.starts_with("经".as_bytes()),
        None => false,
    }
}

/// The end of a match starting at `p`: the first alternative that matches there.
fn at(hay: &[u8], p: usize) -> Option<usize> {
    let label = label_starts(hay, optional_char(hay, p, &['"']));
    label
        .then(|| labelled(hay, p, &LAT, 2, &LNG, 3))
        .flatten()
        .or_else(|| label.then(|| labelled(hay, p, &LNG, 3, &LAT, 2)).flatten())
        .or_else(|| {
            // `\d{1,2}\.\d{4,}\s*°?\s*[NS]\s*[,，]?\s*\d{1,3}\.\d{4,}\s*°?\s*[EW]`
            let q = hemisphere(hay, number(hay, p, 2)?, b"NS")?;
            let q = space(hay, optional_char(hay, space(hay, q), &[',', '，']));
            hemisphere(hay, number(hay, q, 3)?, b"EW")
        })
        .or_else(|| {
            // `\d{1,3}\.\d{4,}\s*°?\s*[EW]\s*[,，]?\s*\d{1,2}\.\d{4,}\s*°?\s*[NS]`
            let q = hemisphere(hay, number(hay, p, 3)?, b"EW")?;
            let q = space(hay, optional_char(hay, space(hay, q), &[',', '，']));
            hemisphere(hay, number(hay, q, 2)?, b"NS")
        })
        .or_else(|| {
            // `[NS]\s*\d{1,2}\.\d{4,}\s*°?\s*[,，]?\s*[EW]\s*\d{1,3}\.\d{4,}°?`
            let q = letter(hay, p, b"NS")?;
            let q = number(hay, space(hay, q), 2)?;
            let q = space(hay, optional_char(hay, space(hay, q), &['°']));
            let q = space(hay, optional_char(hay, q, &[',', '，']));
            let q = letter(hay, q, b"EW")?;
            let q = number(hay, space(hay, q), 3)?;
            Some(optional_char(hay, q, &['°']))
        })
        .or_else(|| {
            // `-?1[0-8]\d\.\d{4,}[^\S\r\n]*,[^\S\r\n]*-?\d{1,2}\.\d{4,}`
            let q = optional_char(hay, p, &['-']);
            if hay.get(q) != Some(&b'1') || !matches!(hay.get(q + 1), Some(b'0'..=b'8')) {
                return None;
            }
            let (c, len) = decode_at(hay, q + 2)?;
            if !is_digit(c) {
                return None;
            }
            let q = fraction(hay, q + 2 + len)?;
            let q = blank(hay, comma(hay, blank(hay, q))?);
            signed(hay, q, 2)
        })
        .or_else(|| {
            // `-?\d{1,2}\.\d{4,}[^\S\r\n]*,[^\S\r\n]*-?\d{1,3}\.\d{4,}`
            let q = signed(hay, p, 2)?;
            let q = blank(hay, comma(hay, blank(hay, q))?);
            signed(hay, q, 3)
        })
}

/// `"?(?:FIRST)"?\s*[:=]?\s*"?-?\d{1,A}\.\d{4,}"?\s*[,;&]?\s*"?(?:SECOND)"?\s*[:=]?\s*"?-?\d{1,B}\.\d{4,}`,
/// the labels case-insensitive and tried in their order.
fn labelled(
    hay: &[u8],
    p: usize,
    first: &[&str],
    first_digits: usize,
    second: &[&str],
    second_digits: usize,
) -> Option<usize> {
    let p = optional_char(hay, p, &['"']);
    first.iter().find_map(|label| {
        let q = label_at(hay, p, label)?;
        let q = signed(hay, label_separator(hay, q), first_digits)?;
        let q = optional_char(hay, q, &['"']);
        let q = space(hay, optional_char(hay, space(hay, q), &[',', ';', '&']));
        let q = optional_char(hay, q, &['"']);
        second.iter().find_map(|label| {
            let r = label_at(hay, q, label)?;
            signed(hay, label_separator(hay, r), second_digits)
        })
    })
}

/// `"?\s*[:=]?\s*"?` after a label.
fn label_separator(hay: &[u8], q: usize) -> usize {
    let q = space(hay, optional_char(hay, q, &['"']));
    optional_char(hay, space(hay, optional_char(hay, q, &[':', '='])), &['"'])
}

/// The end of `label` at `p`, ASCII letters compared without case.
fn label_at(hay: &[u8], p: usize, label: &str) -> Option<usize> {
    let end = p + label.len();
    hay.get(p..end)?
        .eq_ignore_ascii_case(label.as_bytes())
        .then_some(end)
}

/// `-?\d{1,max}\.\d{4,}` at `p`.
fn signed(hay: &[u8], p: usize, max: usize) -> Option<usize> {
    number(hay, optional_char(hay, p, &['-']), max)
}

/// `\d{1,max}\.\d{4,}` at `p`: the digits before the dot must be all of the run there.
fn number(hay: &[u8], p: usize, max: usize) -> Option<usize> {
    let (count, q) = digit_run(hay, p, max + 1);
    if count == 0 || count > max || hay.get(q) != Some(&b'.') {
        return None;
    }
    fraction(hay, q)
}

/// `\.\d{4,}` at `p` (the dot itself at `p`), greedy.
fn fraction(hay: &[u8], p: usize) -> Option<usize> {
    if hay.get(p) != Some(&b'.') {
        return None;
    }
    let (count, q) = digit_run(hay, p + 1, usize::MAX);
    (count >= 4).then_some(q)
}

/// How many `\d` characters start at `p` (counting stops at `limit`), and where they end.
fn digit_run(hay: &[u8], mut p: usize, limit: usize) -> (usize, usize) {
    let mut count = 0;
    while count < limit {
        match decode_at(hay, p) {
            Some((c, len)) if is_digit(c) => p += len,
            _ => break,
        }
        count += 1;
    }
    (count, p)
}

/// `\s*°?\s*[LETTERS]` after a number.
fn hemisphere(hay: &[u8], q: usize, letters: &[u8]) -> Option<usize> {
    let q = space(hay, optional_char(hay, space(hay, q), &['°']));
    letter(hay, q, letters)
}

/// One of the ASCII `letters` at `p`.
fn letter(hay: &[u8], p: usize, letters: &[u8]) -> Option<usize> {
    hay.get(p)
        .is_some_and(|b| letters.contains(b))
        .then_some(p + 1)
}

/// A comma at `p`.
fn comma(hay: &[u8], p: usize) -> Option<usize> {
    (hay.get(p) == Some(&b',')).then_some(p + 1)
}

/// One of `chars` at `p` when there (greedy `?`).
fn optional_char(hay: &[u8], p: usize, chars: &[char]) -> usize {
    match decode_at(hay, p) {
        Some((c, len)) if chars.contains(&c) => p + len,
        _ => p,
    }
}

/// `[^\S\r\n]*` at `p`: white space on the line (a bare pair is written on one line; two
/// numbers ending and starting lines are two entries of a list).
fn blank(hay: &[u8], mut p: usize) -> usize {
    while let Some((c, len)) = decode_at(hay, p) {
        if !c.is_whitespace() || c == '\r' || c == '\n' {
            break;
        }
        p += len;
    }
    p
}

/// `\s*` at `p`.
fn space(hay: &[u8], mut p: usize) -> usize {
    while let Some((c, len)) = decode_at(hay, p) {
        if !c.is_whitespace() {
            break;
        }
        p += len;
    }
    p
}
