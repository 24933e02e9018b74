//! Hand-written matchers for the rules that fire on most tokens of dense data: the digit
//! rules, the postal and estate addresses (`address`, `building`), the name in a form
//! (`name_form`) and the coordinate pair (`gps`). The Han matchers work on characters
//! and take their Unicode classes (`\p{Han}`, `\d`) from the regex parser's own tables.
//!
//! A rule's pattern stays its definition: a shape names the exact pattern it implements
//! (`Shape::pattern`), the engine refuses a rule whose pattern differs, and a property
//! test compares every shape with the regex compiled from that pattern, on random texts
//! and spans. What a shape saves is the regex call per candidate window: a forward and a
//! reverse lazy-DFA search of a few dozen bytes, which was a quarter of the cost of a
//! finding on dense text, against a few comparisons here.
//!
//! Each matcher returns what `regex.search(Input::new(&hay[..to]).span(from..to))` would:
//! the leftmost match starting at or after `from` and ending at or before `to`, choosing
//! among alternatives at one start the way the regex does (first alternative first,
//! greedy repetitions as long as they can be, lazy ones as short). A pattern with a value
//! group also gets the group's bounds, as `search_captures` reports them.

mod address;
mod building;
mod gps;
mod name_form;

use crate::charset::PlaneSet;
use std::sync::OnceLock;

/// A hand-written matcher and the pattern it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Fifteen digits (IMSI, IMEI).
    Digits15,
    /// Eighteen digits (a numeric credit code).
    Digits18,
    /// A resident ID: seventeen digits and a digit or `X`, or fifteen digits.
    ResidentId,
    /// A mainland mobile with an optional country prefix and separators.
    Mobile,
    /// A card number: 13-19 digits, or grouped 4-4-4-4(-1..3), or 4-6-5.
    BankCard,
    /// Four dotted octets of one to three digits.
    Ipv4,
    /// A postal address: a road, a number and numbered building parts (see [`address`]).
    Address,
    /// A Chinese name standing alone between a left and a right edge, with the name as
    /// the value group (see [`name_form`]).
    NameForm,
    /// A latitude and longitude pair, labelled or bare (see [`gps`]).
    Gps,
    /// An estate or office-block address: a city, a district and numbered building
    /// parts (see [`building`]).
    Building,
}

impl Shape {
    /// The shape of a name in rule data.
    pub(crate) fn by_name(name: &str) -> Option<Shape> {
        Some(match name {
            "digits15" => Shape::Digits15,
            "digits18" => Shape::Digits18,
            "resident_id" => Shape::ResidentId,
            "mobile" => Shape::Mobile,
            "bank_card" => Shape::BankCard,
            "ipv4" => Shape::Ipv4,
            "address" => Shape::Address,
            "name_form" => Shape::NameForm,
            "gps" => Shape::Gps,
            "building" => Shape::Building,
            _ => return None,
        })
    }

    /// Every shape, for tests.
    #[cfg(test)]
    pub(crate) const ALL: [Shape; 10] = [
        Shape::Digits15,
        Shape::Digits18,
        Shape::ResidentId,
        Shape::Mobile,
        Shape::BankCard,
        Shape::Ipv4,
        Shape::Address,
        Shape::NameForm,
        Shape::Gps,
        Shape::Building,
    ];

    /// The pattern this shape implements, exactly as a rule must write it.
    pub(crate) fn pattern(self) -> &'static str {
        match self {
            Shape::Digits15 => "[0-9]{15}",
            Shape::Digits18 => "[0-9]{18}",
            Shape::ResidentId => "[0-9]{17}[0-9Xx]|[0-9]{15}",
            Shape::Mobile => {
                "(?:(?:\\+|00)86[ -]?|86[ -]?)?1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}"
            }
            Shape::BankCard => {
                "[0-9]{13,19}|[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -][0-9]{1,3})?|[0-9]{4}[ -][0-9]{6}[ -][0-9]{5}"
            }
            Shape::Ipv4 => "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
            Shape::Address => address::PATTERN,
            Shape::NameForm => name_form::PATTERN,
            Shape::Gps => gps::PATTERN,
            Shape::Building => building::PATTERN,
        }
    }

    /// Whether every match holds a Han character (the road or number word of an address,
    /// the surname of a name, the province word of an estate): a window of ASCII text
    /// holds no match, and is not searched.
    pub(crate) fn needs_han(self) -> bool {
        matches!(self, Shape::Address | Shape::NameForm | Shape::Building)
    }

    /// Whether the pattern has a value group (`v`), which [`Shape::find_value`] reports.
    pub(crate) fn has_value(self) -> bool {
        self == Shape::NameForm
    }

    /// The leftmost match in `hay[from..to]` and its value (the `v` group, or the whole
    /// match for a pattern without one): `(start, end, value start, value end)`.
    pub(crate) fn find_value(
        self,
        hay: &[u8],
        from: usize,
        to: usize,
    ) -> Option<(usize, usize, usize, usize)> {
        match self {
            Shape::NameForm => name_form::find(hay, from, to),
            _ => self.find(hay, from, to).map(|(s, e)| (s, e, s, e)),
        }
    }

    /// The leftmost match in `hay[from..to]` (see the module documentation).
    pub(crate) fn find(self, hay: &[u8], from: usize, to: usize) -> Option<(usize, usize)> {
        let hay = &hay[..to.min(hay.len())];
        let at: fn(&[u8], usize) -> Option<usize> = match self {
            Shape::Address => return address::find(hay, from, hay.len()),
            Shape::Gps => return gps::find(hay, from, hay.len()),
            Shape::Building => return building::find(hay, from, hay.len()),
            Shape::NameForm => {
                return name_form::find(hay, from, hay.len()).map(|(s, e, _, _)| (s, e))
            }
            Shape::Digits15 => |h, p| exactly(h, p, 15),
            Shape::Digits18 => |h, p| exactly(h, p, 18),
            Shape::ResidentId => resident_id_at,
            Shape::Mobile => mobile_at,
            Shape::BankCard => bank_card_at,
            Shape::Ipv4 => ipv4_at,
        };
        // Every shape starts with a digit or `+`: other bytes are skipped without a call.
        let mut p = from;
        while p < hay.len() {
            let b = hay[p];
            if b.is_ascii_digit() || b == b'+' {
                if let Some(end) = at(hay, p) {
                    return Some((p, end));
                }
            }
            p += 1;
        }
        None
    }
}

/// How many ASCII digits start at `p` (at most `max`).
fn digits(hay: &[u8], p: usize, max: usize) -> usize {
    hay.get(p..)
        .unwrap_or_default()
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count()
}

/// `[0-9]{n}` at `p`.
fn exactly(hay: &[u8], p: usize, n: usize) -> Option<usize> {
    (digits(hay, p, n) == n).then_some(p + n)
}

/// An optional `[ -]` at `p`, taken when there (greedy; a separator is never followed by
/// what would have matched without it, so the regex never gives it back).
fn separator(hay: &[u8], p: usize) -> usize {
    match hay.get(p) {
        Some(b' ' | b'-') => p + 1,
        _ => p,
    }
}

fn resident_id_at(hay: &[u8], p: usize) -> Option<usize> {
    if digits(hay, p, 17) == 17 && matches!(hay.get(p + 17), Some(b'0'..=b'9' | b'X' | b'x')) {
        return Some(p + 18);
    }
    exactly(hay, p, 15)
}

fn mobile_at(hay: &[u8], p: usize) -> Option<usize> {
    // The prefix is optional and greedy: with it first, then without. The body starts
    // with `1`, which no prefix does, so at most one of the two can match.
    let rest = &hay[p..];
    let prefixed = if rest.starts_with(b"+86") {
        Some(p + 3)
    } else if rest.starts_with(b"0086") {
        Some(p + 4)
    } else if rest.starts_with(b"86") {
        Some(p + 2)
    } else {
        None
    };
    if let Some(q) = prefixed {
        if let Some(end) = mobile_body(hay, separator(hay, q)) {
            return Some(end);
        }
    }
    mobile_body(hay, p)
}

/// `1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}` at `p`.
fn mobile_body(hay: &[u8], p: usize) -> Option<usize> {
    if hay.get(p) != Some(&b'1')
        || !matches!(hay.get(p + 1), Some(b'3'..=b'9'))
        || !hay.get(p + 2).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let q = exactly(hay, separator(hay, p + 3), 4)?;
    exactly(hay, separator(hay, q), 4)
}

fn bank_card_at(hay: &[u8], p: usize) -> Option<usize> {
    let run = digits(hay, p, 19);
    if run >= 13 {
        return Some(p + run);
    }
    if run != 4 {
        // Both grouped forms start with exactly four digits and a separator.
        return None;
    }
    grouped_4444(hay, p).or_else(|| grouped_465(hay, p))
}

/// `[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -][0-9]{1,3})?` at `p`.
fn grouped_4444(hay: &[u8], p: usize) -> Option<usize> {
    let mut q = p + 4;
    for _ in 0..3 {
        if !matches!(hay.get(q), Some(b' ' | b'-')) {
            return None;
        }
        q = exactly(hay, q + 1, 4)?;
    }
    if matches!(hay.get(q), Some(b' ' | b'-')) {
        let tail = digits(hay, q + 1, 3);
        if tail > 0 {
            q += 1 + tail;
        }
    }
    Some(q)
}

/// `[0-9]{4}[ -][0-9]{6}[ -][0-9]{5}` at `p`.
fn grouped_465(hay: &[u8], p: usize) -> Option<usize> {
    let mut q = p + 4;
    for n in [6, 5] {
        if !matches!(hay.get(q), Some(b' ' | b'-')) {
            return None;
        }
        q = exactly(hay, q + 1, n)?;
    }
    Some(q)
}

fn ipv4_at(hay: &[u8], p: usize) -> Option<usize> {
    // An octet followed by a dot must be its whole run of digits (the dot cannot match a
    // digit, so a shorter choice never helps); the last one takes up to three.
    let mut q = p;
    for _ in 0..3 {
        let n = digits(hay, q, 4);
        if !(1..=3).contains(&n) || hay.get(q + n) != Some(&b'.') {
            return None;
        }
        q += n + 1;
    }
    let n = digits(hay, q, 3);
    (n > 0).then_some(q + n)
}

// Characters of UTF-8 text and the Unicode classes of the patterns, shared by the
// matchers of Han text.

/// The length of `c` in bytes when it is the character at `at`.
fn followed_by(hay: &[u8], at: usize, c: char) -> Option<usize> {
    let mut buf = [0u8; 4];
    let bytes = c.encode_utf8(&mut buf).as_bytes();
    hay.get(at..)?.starts_with(bytes).then_some(bytes.len())
}

/// The character at `p`, if `p` is inside `hay`.
fn decode_at(hay: &[u8], p: usize) -> Option<(char, usize)> {
    (p < hay.len()).then(|| decode(hay, p))
}

/// The character at `p` of valid UTF-8 and its length in bytes (U+FFFD for a byte that
/// does not start one, which no class here holds).
fn decode(hay: &[u8], p: usize) -> (char, usize) {
    let b = hay[p];
    let (len, init) = match b {
        0x00..=0x7F => return (b as char, 1),
        0xC0..=0xDF => (2, u32::from(b & 0x1F)),
        0xE0..=0xEF => (3, u32::from(b & 0x0F)),
        0xF0..=0xF7 => (4, u32::from(b & 0x07)),
        _ => return ('\u{FFFD}', 1),
    };
    let Some(rest) = hay.get(p + 1..p + len) else {
        return ('\u{FFFD}', 1);
    };
    let code = rest
        .iter()
        .fold(init, |acc, &b| (acc << 6) | u32::from(b & 0x3F));
    (char::from_u32(code).unwrap_or('\u{FFFD}'), len)
}

/// `\p{Han}`, from the same Unicode tables as the regex (the class of the parsed pattern),
/// so the two never disagree on a character.
fn is_han(c: char) -> bool {
    static HAN: OnceLock<Vec<(char, char)>> = OnceLock::new();
    if c.is_ascii() {
        return false;
    }
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || in_ranges(HAN.get_or_init(|| ranges(r"\p{Han}")), c)
}

/// `\d`: a decimal digit of any script (`\p{Nd}`), as the regex takes it. Tested on
/// every character of Han text around coordinates, so the Basic Multilingual Plane is a
/// bitmap instead of a search of the ranges.
fn is_digit(c: char) -> bool {
    /// The plane's bitmap and all the ranges.
    type Digits = (PlaneSet, Vec<(char, char)>);
    static DIGITS: OnceLock<Digits> = OnceLock::new();
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    let (plane, ranges) = DIGITS.get_or_init(|| {
        let ranges = ranges(r"\d");
        let plane = PlaneSet::new(ranges.iter().flat_map(|&(lo, hi)| lo..=hi));
        (plane, ranges)
    });
    if u32::from(c) <= 0xFFFF {
        plane.contains(c)
    } else {
        in_ranges(ranges, c)
    }
}

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    let i = ranges.partition_point(|&(_, hi)| hi < c);
    ranges.get(i).is_some_and(|&(lo, _)| lo <= c)
}

/// The ranges of a Unicode class as the regex parser reads it.
fn ranges(class: &str) -> Vec<(char, char)> {
    let hir = regex_syntax::parse(class).expect("a valid class");
    match hir.kind() {
        regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class)) => class
            .ranges()
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect(),
        _ => unreachable!("{class} parses to a Unicode class"),
    }
}

#[cfg(test)]
mod tests {
    use super::Shape;
    use proptest::prelude::*;
    use regex_automata::meta::Regex;
    use regex_automata::Input;

    /// Texts built from the bytes that decide these patterns: digits, separators, dots,
    /// `+`, `X`, a letter and a multi-byte character.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            8 => "[0-9]{1,20}",
            2 => Just(" ".to_string()),
            2 => Just("-".to_string()),
            2 => Just(".".to_string()),
            1 => Just("+86".to_string()),
            1 => Just("0086".to_string()),
            1 => Just("86".to_string()),
            1 => Just("X".to_string()),
            1 => Just("x".to_string()),
            1 => Just("a".to_string()),
            1 => Just("号".to_string()),
            1 => Just("1".to_string()),
            // Pieces of the grouped forms, so that they are met often.
            2 => Just("138".to_string()),
            2 => Just("1234".to_string()),
            1 => Just("123456".to_string()),
            1 => Just("12345".to_string()),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    /// A shape's rule compiles no regex, so what the regex would say of its value group
    /// is the shape's to say: checked here against the compiled pattern.
    #[test]
    fn shapes_report_a_value_exactly_when_their_pattern_has_one() {
        for shape in Shape::ALL {
            let regex = Regex::new(shape.pattern()).unwrap();
            let group = regex
                .group_info()
                .to_index(regex_automata::PatternID::ZERO, "v");
            assert_eq!(group.is_some(), shape.has_value(), "{shape:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn every_shape_finds_what_its_pattern_finds(text in text(), a in 0usize..200, b in 0usize..200) {
            for shape in Shape::ALL {
                same_as_pattern(shape, &text, a, b)?;
            }
        }

        #[test]
        fn patterns_of_shapes_that_need_han_match_no_ascii_text(text in "[ -~\t\n]{0,200}") {
            for shape in Shape::ALL.into_iter().filter(|s| s.needs_han()) {
                let regex = Regex::new(shape.pattern()).unwrap();
                prop_assert!(regex.find(&text).is_none(), "{:?} in {:?}", shape, text);
            }
        }

        #[test]
        fn the_name_shape_finds_what_its_pattern_finds(text in name_text(), a in 0usize..300, b in 0usize..300) {
            let floor = |mut i: usize| {
                i = i.min(text.len());
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                i
            };
            let (from, to) = (floor(a.min(b)), floor(a.max(b)));
            let regex = Regex::new(Shape::NameForm.pattern()).unwrap();
            let mut caps = regex.create_captures();
            regex.search_captures(&Input::new(&text.as_bytes()[..to]).span(from..to), &mut caps);
            let expected = caps.get_match().map(|m| {
                let v = caps.get_group_by_name("v").expect("the value group takes part");
                (m.start(), m.end(), v.start, v.end)
            });
            prop_assert_eq!(
                Shape::NameForm.find_value(text.as_bytes(), from, to),
                expected,
                "in {:?} from {} to {}", text, from, to
            );
        }

        #[test]
        fn the_gps_shape_finds_what_its_pattern_finds(text in gps_text(), a in 0usize..300, b in 0usize..300) {
            same_as_pattern(Shape::Gps, &text, a, b)?;
        }

        #[test]
        fn the_address_shape_finds_what_its_pattern_finds(text in address_text(), a in 0usize..300, b in 0usize..300) {
            same_as_pattern(Shape::Address, &text, a, b)?;
        }

        #[test]
        fn the_building_shape_finds_what_its_pattern_finds(text in building_text(), a in 0usize..300, b in 0usize..300) {
            same_as_pattern(Shape::Building, &text, a, b)?;
        }
    }

    /// Whether `shape` finds in `text` between the character boundaries at or below `a`
    /// and `b` what its pattern's regex finds (the engine only passes boundaries).
    fn same_as_pattern(shape: Shape, text: &str, a: usize, b: usize) -> Result<(), TestCaseError> {
        let floor = |mut i: usize| {
            i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (from, to) = (floor(a.min(b)), floor(a.max(b)));
        let regex = Regex::new(shape.pattern()).unwrap();
        let expected = regex
            .search(&Input::new(&text.as_bytes()[..to]).span(from..to))
            .map(|m| (m.start(), m.end()));
        prop_assert_eq!(
            shape.find(text.as_bytes(), from, to),
            expected,
            "{:?} in {:?} from {} to {}",
            shape,
            text,
            from,
            to
        );
        Ok(())
    }

    /// Texts built from what decides the name pattern: left and right words, surnames,
    /// other Han characters, the middle dot, the edge characters and white space, letters
    /// and digits.
    fn name_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            2 => proptest::sample::select(vec![
                "客户", "客", "是", "叫", "和", "同事", "同", "老婆", "问",
            ]).prop_map(str::to_string),
            4 => proptest::sample::select(vec!["王", "李", "欧", "阳", "和", "明", "第", "司", "马"]).prop_map(str::to_string),
            3 => "[小芳建国娜龙伟]{1,3}",
            2 => proptest::sample::select(vec![
                "的", "在", "说", "身份", "身", "手机", "号码", "号", "男", "女", "护照",
            ]).prop_map(str::to_string),
            1 => Just("·".to_string()),
            3 => proptest::sample::select(vec![
                " ", "，", ",", "、", "：", "（", "）", "[", "]", "\"", "“", "&", "=", "_", "-", "\n", "\u{3000}", "\u{A0}", "ー", "é",
            ]).prop_map(str::to_string),
            2 => "[0-9]{1,11}",
            1 => "[A-Za-z]{1,3}",
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    /// Texts built from what decides the coordinate pattern: labels in any case, quotes,
    /// separators, signs, numbers with and without enough decimals, digits of another
    /// script, degree signs, hemisphere letters and white space.
    fn gps_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            2 => proptest::sample::select(vec![
                "lat", "Lat", "LATITUDE", "latitude", "纬度", "lng", "LON", "long", "Longitude", "经度", "lo", "la", "K", "ſ", "İ",
            ]).prop_map(str::to_string),
            2 => proptest::sample::select(vec!["\"", ":", "=", ",", ";", "&", "，", "°", "-", ".", "N", "S", "E", "W", "n"]).prop_map(str::to_string),
            2 => proptest::sample::select(vec![" ", "  ", "\t", "\u{3000}", "\u{A0}"]).prop_map(str::to_string),
            3 => "[0-9]{1,3}\\.[0-9]{2,6}",
            2 => "1[0-9]{2}\\.[0-9]{4,5}",
            2 => "[0-9]{1,4}",
            1 => Just("٣١.٢٣٠٤".to_string()),
            1 => Just("x".to_string()),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    /// The words that end a numbered building part, pieces of them and a look-alike.
    fn part_word() -> impl Strategy<Value = String> {
        proptest::sample::select(vec![
            "号楼", "号院", "号", "室", "栋", "幢", "单元", "单", "层", "楼", "座", "院",
        ])
        .prop_map(str::to_string)
    }

    /// Han numerals that number a part, and one that does not (百).
    fn numeral() -> impl Strategy<Value = String> {
        proptest::sample::select(vec!["一", "二", "五", "十", "百"]).prop_map(str::to_string)
    }

    /// Texts built from what decides the building pattern: province, district, block and
    /// part words, Han numerals, other Han characters, letters, digits, spaces and the
    /// characters that end a run.
    fn building_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            3 => proptest::sample::select(vec!["省", "市", "自治区", "自治", "区", "县", "镇", "乡", "旗"]).prop_map(str::to_string),
            3 => part_word(),
            2 => numeral(),
            4 => "[北京成都浦东花园小中山]{1,8}",
            3 => "[0-9]{1,7}",
            // Whole numbered parts, so that complete addresses are met often.
            3 => "[0-9一二]{1,6}(栋|单元|号楼|座)",
            3 => " ?[0-9A]{1,6}(室|层|号|单元)",
            1 => "[A-Za-z]{1,3}",
            1 => proptest::sample::select(vec!["-", " ", " ", "，", "。", "\n", "é"]).prop_map(str::to_string),
        ];
        proptest::collection::vec(piece, 0..30).prop_map(|p| p.concat())
    }

    /// Texts built from what decides the address pattern: road, number and part words,
    /// Han numerals, other Han characters, letters, digits, hyphens and the characters
    /// that end a run (spaces, punctuation, a character outside `\p{Han}`).
    fn address_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            3 => proptest::sample::select(vec![
                "路", "街", "大道", "道", "大", "巷", "弄", "胡同", "胡", "村",
            ]).prop_map(str::to_string),
            3 => part_word(),
            2 => numeral(),
            4 => "[北京市朝阳区建国小花园中山]{1,12}",
            3 => "[0-9]{1,6}",
            1 => "[A-Za-z]{1,3}",
            1 => Just("-".to_string()),
            1 => proptest::sample::select(vec![" ", "，", "、", "ー", "。", "\n", "é"]).prop_map(str::to_string),
        ];
        proptest::collection::vec(piece, 0..30).prop_map(|p| p.concat())
    }

    /// The coordinate matcher steps over characters from U+4000 to U+9FFF three bytes at
    /// a time, looking only for its labels: no digit of any script may lie there.
    #[test]
    fn no_digit_among_chinese_characters() {
        assert!(('\u{4000}'..='\u{9FFF}').all(|c| !super::is_digit(c)));
        assert!(super::is_digit('５') && super::is_digit('٣'));
    }

    #[test]
    fn shapes_by_name_round_trip() {
        for (name, shape) in [
            ("digits15", Shape::Digits15),
            ("digits18", Shape::Digits18),
            ("resident_id", Shape::ResidentId),
            ("mobile", Shape::Mobile),
            ("bank_card", Shape::BankCard),
            ("ipv4", Shape::Ipv4),
            ("address", Shape::Address),
            ("name_form", Shape::NameForm),
            ("gps", Shape::Gps),
            ("building", Shape::Building),
        ] {
            assert_eq!(Shape::by_name(name), Some(shape));
        }
        assert_eq!(Shape::by_name("nope"), None);
    }

    #[test]
    fn known_values() {
        fn find(s: Shape, t: &str) -> Option<&str> {
            s.find(t.as_bytes(), 0, t.len()).map(|(a, b)| &t[a..b])
        }
        assert_eq!(
            find(Shape::Mobile, "电话+86 138-1234-5678。"),
            Some("+86 138-1234-5678")
        );
        assert_eq!(find(Shape::Mobile, "8612345678901"), None);
        assert_eq!(
            find(Shape::ResidentId, "号11010519491231002X。"),
            Some("11010519491231002X")
        );
        assert_eq!(
            find(Shape::BankCard, "6222 0212 3456 7890 128"),
            Some("6222 0212 3456 7890 128")
        );
        assert_eq!(
            find(Shape::BankCard, "3714 496353 98431"),
            Some("3714 496353 98431")
        );
        assert_eq!(find(Shape::Ipv4, "1234.5.6.7"), Some("234.5.6.7"));
    }
}
