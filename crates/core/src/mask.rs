//! Masking of values for display: enough to recognise a value, not enough to use it.

/// How a value is masked. Chosen per detector in the rule files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaskStyle {
    /// Keep a few leading and trailing characters, scaled to the length
    /// (`1101**********002X`, `138****5678`).
    #[default]
    Ends,
    /// Keep the first character only (a person's surname: `张**`).
    FirstChar,
    /// Keep the first two characters of the local part and the whole domain
    /// (`zh******@example.com`).
    Email,
    /// Show only the first line's label and the length (PEM blocks, long tokens).
    Block,
    /// Keep scheme, user and host of a URI, hide the password
    /// (`mongodb://admin:****@db.internal:27017/app`).
    Uri,
    /// A coordinate pair as its numbers only, to one decimal (about 10 km):
    /// `31.2***,121.4***`, whatever labels or keys surrounded them in the text.
    Coordinates,
}

impl MaskStyle {
    /// Parses the style name used in rule files.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ends" => Some(MaskStyle::Ends),
            "first_char" => Some(MaskStyle::FirstChar),
            "email" => Some(MaskStyle::Email),
            "block" => Some(MaskStyle::Block),
            "uri" => Some(MaskStyle::Uri),
            "coordinates" => Some(MaskStyle::Coordinates),
            _ => None,
        }
    }
}

/// The longest run of `*` written for a hidden part, so long secrets stay readable.
const MAX_STARS: usize = 12;

/// Masks `value` according to `style`. Never returns the input unchanged for inputs longer
/// than one character.
pub fn mask_value(value: &str, style: MaskStyle) -> String {
    match style {
        MaskStyle::Coordinates => mask_coordinates(value).unwrap_or_else(|| mask_ends(value)),
        MaskStyle::Ends => mask_ends(value),
        MaskStyle::FirstChar => {
            let first = value.chars().next().map_or(0, char::len_utf8);
            let rest = value[first..].chars().count();
            let mut out = String::with_capacity(first + rest.max(1));
            out.push_str(&value[..first]);
            push_stars(&mut out, rest.max(1));
            out
        }
        MaskStyle::Email => match value.rfind('@') {
            Some(at) => {
                let local = &value[..at];
                let n = local.chars().count();
                let keep = n.min(2).min(n.saturating_sub(1));
                let mut out = String::with_capacity(value.len() + MAX_STARS);
                out.push_str(&local[..char_offset(local, keep)]);
                push_stars(&mut out, (n - keep).clamp(1, MAX_STARS));
                out.push_str(&value[at..]);
                out
            }
            None => mask_ends(value),
        },
        MaskStyle::Uri => mask_uri(value).unwrap_or_else(|| mask_ends(value)),
        MaskStyle::Block => {
            let first_line = value.lines().next().unwrap_or("");
            let label = &first_line[..char_offset(first_line, 40)];
            format!(
                "{label}…[{} chars hidden]",
                value.chars().count().saturating_sub(label.chars().count())
            )
        }
    }
}

/// Byte offset of the `n`th character of `s` (its length when `s` is shorter).
fn char_offset(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

fn mask_uri(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once("://")?;
    let (userinfo, host) = rest.rsplit_once('@')?;
    let (user, _password) = userinfo.split_once(':')?;
    Some(format!("{scheme}://{user}:****@{host}"))
}

/// How many characters [`MaskStyle::Ends`] keeps at each end of a value of `n` characters.
fn ends_kept(n: usize) -> (usize, usize) {
    match n {
        0..=3 => (0, 0),
        4..=6 => (1, 1),
        7..=10 => (2, 2),
        11..=15 => (3, 4),
        _ => (4, 4),
    }
}

/// [`MaskStyle::Ends`] for any text, sliced in place (this runs once per finding, and
/// names and addresses are not ASCII).
fn mask_ends(value: &str) -> String {
    let n = value.chars().count();
    let (lead, trail) = ends_kept(n);
    let stars = (n - lead - trail).clamp(1, MAX_STARS);
    // Most masked values are ASCII (numbers, keys), where characters are bytes.
    let (lead_end, trail_start) = if n == value.len() {
        (lead, n - trail)
    } else {
        // The kept ends are a few characters each: the tail is found from the end rather
        // than by walking the whole value again.
        (char_offset(value, lead), last_chars_start(value, trail))
    };
    let mut out = String::with_capacity(lead_end + stars + value.len() - trail_start);
    out.push_str(&value[..lead_end]);
    push_stars(&mut out, stars);
    out.push_str(&value[trail_start..]);
    out
}

/// Byte offset where the last `k` characters of `s` start (0 when it has fewer).
fn last_chars_start(s: &str, k: usize) -> usize {
    let b = s.as_bytes();
    let mut i = b.len();
    for _ in 0..k {
        if i == 0 {
            break;
        }
        i -= 1;
        while i > 0 && b[i] & 0xC0 == 0x80 {
            i -= 1;
        }
    }
    i
}

/// Appends `n` stars, a slice at a time rather than a character at a time.
fn push_stars(out: &mut String, mut n: usize) {
    const STARS: &str = "************";
    while n > 0 {
        let k = n.min(STARS.len());
        out.push_str(&STARS[..k]);
        n -= k;
    }
}

/// The decimal numbers of a coordinate pair, each cut after its first decimal; `None`
/// unless there are exactly two.
fn mask_coordinates(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = if i > 0 && bytes[i - 1] == b'-' {
                i - 1
            } else {
                i
            };
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                numbers.push(format!("{}***", &value[start..i + 2]));
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
        } else {
            i += 1;
        }
    }
    (numbers.len() == 2).then(|| numbers.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_lose_their_labels_and_precision() {
        for (text, masked) in [
            (
                "\"lat\": 31.230416, \"lng\": 121.473701",
                "31.2***,121.4***",
            ),
            ("纬度：39.9042，经度：116.4074", "39.9***,116.4***"),
            ("-33.8688, 151.2093", "-33.8***,151.2***"),
        ] {
            assert_eq!(mask_value(text, MaskStyle::Coordinates), masked);
        }
        // Not a pair: masked like any value, never shown whole.
        assert_ne!(mask_value("31.2304", MaskStyle::Coordinates), "31.2304");
    }

    #[test]
    fn spec_examples() {
        assert_eq!(
            mask_value("11010519491231002X", MaskStyle::Ends),
            "1101**********002X"
        );
        assert_eq!(mask_value("13812345678", MaskStyle::Ends), "138****5678");
        assert_eq!(mask_value("张三丰", MaskStyle::FirstChar), "张**");
        assert_eq!(
            mask_value("zhangsan@example.com", MaskStyle::Email),
            "zh******@example.com"
        );
        assert_eq!(mask_value("a@b.cn", MaskStyle::Email), "*@b.cn");
        assert_eq!(mask_value("ab", MaskStyle::Ends), "**");
        let block = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----";
        let m = mask_value(block, MaskStyle::Block);
        assert!(m.starts_with("-----BEGIN RSA PRIVATE KEY-----…["));
        assert!(!m.contains("MIIE"));
    }

    #[test]
    fn uri_hides_only_the_password() {
        assert_eq!(
            mask_value("mongodb://admin:Pa55w0rd@10.0.0.5:27017/db", MaskStyle::Uri),
            "mongodb://admin:****@10.0.0.5:27017/db"
        );
    }

    /// The ends and first-character masks, a character at a time: what the sliced forms
    /// must give for every length and script.
    fn by_chars(value: &str, style: MaskStyle) -> String {
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let (keep_front, keep_back, stars) = match style {
            MaskStyle::FirstChar => (n.min(1), 0, n.saturating_sub(1).max(1)),
            _ => {
                let (lead, trail) = ends_kept(n);
                (lead, trail, (n - lead - trail).clamp(1, MAX_STARS))
            }
        };
        let mut out: String = chars[..keep_front].iter().collect();
        out.extend(std::iter::repeat_n('*', stars));
        out.extend(&chars[n - keep_back..]);
        out
    }

    #[test]
    fn sliced_masks_equal_masking_by_characters() {
        for unit in ["7", "张", "é", "𠀀"] {
            for mixed in [false, true] {
                for n in 0..40 {
                    let value: String = (0..n)
                        .map(|i| if mixed && i % 3 == 1 { "x" } else { unit })
                        .collect();
                    for style in [MaskStyle::Ends, MaskStyle::FirstChar] {
                        assert_eq!(
                            mask_value(&value, style),
                            by_chars(&value, style),
                            "{value:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn long_values_are_capped() {
        let token = "ghp_".to_string() + &"a".repeat(36);
        let m = mask_value(&token, MaskStyle::Ends);
        assert_eq!(m, "ghp_************aaaa");
    }
}
