//! Structural validators: pure functions from a candidate value to a verdict.
//!
//! Every validator here is deterministic, does no IO and never panics on any input (a
//! property test feeds them arbitrary strings). Checks that depend on "today" (a birth date
//! must not lie in the future) take the reference date from [`ValidationContext`] so the
//! result depends only on the engine's configuration, never on the clock.

use crate::charset::PlaneSet;
use base64::Engine as _;

/// A calendar date used as "today" by validators that reject future dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Full year, e.g. 2026.
    pub year: u32,
    /// Month 1-12.
    pub month: u32,
    /// Day 1-31.
    pub day: u32,
}

impl Date {
    /// Builds a date when it exists in the proleptic Gregorian calendar.
    pub fn new(year: u32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }
}

/// Inputs that validators may consult besides the value itself.
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext {
    /// The reference date for "not in the future" checks.
    pub today: Date,
}

/// The verdict of a validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The value is not valid: no finding.
    Reject,
    /// The whole value is valid.
    Accept,
    /// Only the byte range `start..end` of the value is valid (used by name and address
    /// validators, whose patterns over-capture neighbouring words).
    Narrow(usize, usize),
}

impl Check {
    fn from_bool(ok: bool) -> Check {
        if ok {
            Check::Accept
        } else {
            Check::Reject
        }
    }
}

/// A validator as stored in the catalog.
pub type Validator = fn(&str, &ValidationContext) -> Check;

/// Looks up a validator by the name used in rule files.
pub fn by_name(name: &str) -> Option<Validator> {
    Some(match name {
        "cn_resident_id" => |v, c| Check::from_bool(cn_resident_id(v, c.today)),
        "cn_mobile" => |v, _| Check::from_bool(cn_mobile(v)),
        "cn_landline" => |v, _| Check::from_bool(cn_landline(v)),
        "cn_passport" => |v, _| Check::from_bool(cn_passport(v)),
        "cn_uscc" => |v, _| Check::from_bool(cn_uscc(v)),
        "cn_uscc_lettered" => {
            |v, _| Check::from_bool(v.bytes().any(|c| c.is_ascii_alphabetic()) && cn_uscc(v))
        }
        "bank_card" => |v, _| Check::from_bool(bank_card(v)),
        "hk_id" => |v, _| Check::from_bool(hk_id(v)),
        "tw_id" => |v, _| Check::from_bool(tw_id(v)),
        "imsi" => |v, _| Check::from_bool(imsi(v)),
        "imei" => |v, _| Check::from_bool(imei(v)),
        "imei_grouped" => |v, _| Check::from_bool(ungrouped(v).is_some_and(|u| imei(&u))),
        "cn_resident_id_grouped" => {
            |v, c| Check::from_bool(ungrouped(v).is_some_and(|u| cn_resident_id(&u, c.today)))
        }
        "email" => |v, _| Check::from_bool(email(v)),
        "ipv4" => |v, _| Check::from_bool(ipv4(v)),
        "mac_address" => |v, _| Check::from_bool(mac_address(v)),
        "gps" => |v, _| Check::from_bool(gps(v)),
        "cn_license_plate" => |v, _| Check::from_bool(cn_license_plate(v)),
        "jwt" => |v, _| Check::from_bool(jwt(v)),
        "pem_private_key" => |v, _| Check::from_bool(pem_private_key(v)),
        "mixed_secret" => |v, _| Check::from_bool(mixed_secret(v)),
        "not_placeholder" => |v, _| Check::from_bool(!is_placeholder(v)),
        "password" => |v, _| password_value(v),
        "connection_uri" => |v, _| Check::from_bool(connection_uri(v)),
        "cn_person_name" => |v, _| cn_person_name(v),
        "cn_person_name_labelled" => |v, _| cn_person_name_labelled(v),
        "en_person_name" => |v, _| Check::from_bool(en_person_name(v)),
        "cn_address" => |v, _| cn_address(v),
        "cn_address_labelled" => |v, _| cn_address_labelled(v),
        "cn_address_building" => |v, _| cn_address_building(v),
        "cn_address_area" => |v, _| cn_address_area(v),
        "cn_address_village" => |v, _| cn_address_village(v),
        _ => return None,
    })
}

/// The names accepted by [`by_name`], for error messages and documentation.
pub const VALIDATOR_NAMES: &[&str] = &[
    "cn_resident_id",
    "cn_mobile",
    "cn_landline",
    "cn_passport",
    "cn_uscc",
    "cn_uscc_lettered",
    "bank_card",
    "hk_id",
    "tw_id",
    "imsi",
    "imei",
    "imei_grouped",
    "cn_resident_id_grouped",
    "email",
    "ipv4",
    "mac_address",
    "gps",
    "cn_license_plate",
    "jwt",
    "pem_private_key",
    "mixed_secret",
    "not_placeholder",
    "password",
    "connection_uri",
    "cn_person_name",
    "en_person_name",
    "cn_address",
    "cn_address_labelled",
    "cn_address_building",
    "cn_address_area",
    "cn_address_village",
];

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The digits of a value as numbers, held on the stack: a validator runs once per
/// candidate, and a heap vector per call was a tenth of its cost. A value with more digits
/// than any identifier has ([`Digits::MAX`]) keeps only its first ones; `len` still counts
/// them all, so every length check refuses it.
struct Digits {
    buf: [u8; Digits::MAX],
    len: usize,
}

impl Digits {
    const MAX: usize = 32;
}

impl std::ops::Deref for Digits {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len.min(Digits::MAX)]
    }
}

fn digits_of(value: &str) -> Digits {
    let mut d = Digits {
        buf: [0; Digits::MAX],
        len: 0,
    };
    for b in value.bytes().filter(u8::is_ascii_digit) {
        if let Some(slot) = d.buf.get_mut(d.len) {
            *slot = b - b'0';
        }
        d.len += 1;
    }
    d
}

fn parse_num(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
    )
}

/// True when the two digits are a province-level code of GB/T 2260.
pub fn is_province_code(code: u32) -> bool {
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82)
}

/// GB 11643-1999 resident identity number: region, real past date, MOD 11-2 check
/// character; also the 15-digit pre-1999 form (region and YYMMDD date, 19YY).
/// Whether ten or more digits in a row count up by one (`…7890123…`) or repeat one digit:
/// the values typed to fill a form or a test, not an identifier.
fn counted_digits(b: &[u8]) -> bool {
    let (mut up, mut same) = (1usize, 1usize);
    for w in b.windows(2) {
        let (a, c) = (w[0], w[1]);
        up = if a.is_ascii_digit() && c.is_ascii_digit() && (a - b'0' + 1) % 10 == c - b'0' {
            up + 1
        } else {
            1
        };
        same = if c == a { same + 1 } else { 1 };
        if up >= 10 || same >= 10 {
            return true;
        }
    }
    false
}

pub fn cn_resident_id(value: &str, today: Date) -> bool {
    let b = value.as_bytes();
    let (date_bytes, century) = match b.len() {
        18 => (&b[6..14], None),
        15 => (&b[6..12], Some(1900)),
        _ => return false,
    };
    let body = if b.len() == 18 { &b[..17] } else { b };
    if !body.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let Some(province) = parse_num(&b[..2]) else {
        return false;
    };
    if !is_province_code(province) {
        return false;
    }
    let (year, month, day) = match century {
        None => (
            parse_num(&date_bytes[..4]),
            parse_num(&date_bytes[4..6]),
            parse_num(&date_bytes[6..8]),
        ),
        Some(c) => (
            parse_num(&date_bytes[..2]).map(|y| y + c),
            parse_num(&date_bytes[2..4]),
            parse_num(&date_bytes[4..6]),
        ),
    };
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return false;
    };
    let Some(date) = Date::new(year, month, day) else {
        return false;
    };
    if year < 1900 || date > today {
        return false;
    }
    if b.len() == 15 {
        // No check digit guards the old form, so the digits people type to fill a test
        // (`234567890123456`, `111111111111111`) would pass; a person's number is no
        // such run.
        return !counted_digits(b);
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

/// Mainland mobile number: 11 digits in a segment in use, after removing a `+86`, `86` or
/// `0086` prefix and separators.
pub fn cn_mobile(value: &str) -> bool {
    let digits = digits_of(value);
    let d: &[u8] = &digits;
    let d: &[u8] = match digits.len {
        11 => d,
        13 if d[..2] == [8, 6] => &d[2..],
        15 if d[..4] == [0, 0, 8, 6] => &d[4..],
        _ => return false,
    };
    if d[0] != 1 {
        return false;
    }
    let segment_ok = match (d[1], d[2]) {
        (3, _) | (7, _) | (8, _) | (9, _) => true,
        (4, 5..=9) => true,
        (5, x) => x != 4,
        (6, 2) | (6, 5..=7) => true,
        _ => false,
    };
    // Eight or more equal digits in the subscriber part are test numbers, not people.
    segment_ok && !has_run_of_equal(&d[3..], 8)
}

fn has_run_of_equal(d: &[u8], n: usize) -> bool {
    d.windows(n).any(|w| w.iter().all(|x| *x == w[0]))
}

/// The four-digit mainland area codes in use, without the leading `0` (`755` is 0755,
/// Shenzhen), in ranges as the numbering plan allocates them by province. A number whose
/// "area code" is not one of them is no landline: invoice codes (`0` + a region code, such
/// as `04403…`) and other zero-led serials fall out here.
const FOUR_DIGIT_AREA_CODES: AreaCodes = AreaCodes(&[
    (310, 319),
    (335, 335),
    (349, 359),
    (370, 379),
    (391, 398),
    (410, 419),
    (421, 421),
    (427, 427),
    (429, 429),
    (431, 439),
    (451, 459),
    (464, 464),
    (467, 479),
    (482, 483),
    (510, 519),
    (523, 523),
    (527, 527),
    (530, 539),
    (543, 543),
    (546, 546),
    (550, 559),
    (561, 566),
    (570, 580),
    (591, 599),
    (631, 635),
    (660, 663),
    (668, 668),
    (691, 692),
    (701, 701),
    (710, 719),
    (722, 722),
    (724, 724),
    (728, 728),
    (730, 739),
    (743, 746),
    (750, 763),
    (766, 766),
    (768, 769),
    (770, 779),
    (790, 799),
    (812, 818),
    (825, 839),
    (851, 859),
    (870, 879),
    (883, 883),
    (886, 888),
    (891, 898),
    (901, 903),
    (906, 906),
    (908, 909),
    (911, 919),
    (930, 939),
    (941, 941),
    (943, 943),
    (951, 955),
    (970, 979),
    (990, 999),
]);

/// Inclusive ranges of numbers.
struct AreaCodes(&'static [(u32, u32)]);

impl AreaCodes {
    fn contains(&self, code: &u32) -> bool {
        self.0.iter().any(|&(lo, hi)| (lo..=hi).contains(code))
    }
}

/// Mainland fixed-line number: a real area code (`010`, `02x` but 026, or one of
/// [`FOUR_DIGIT_AREA_CODES`]) and a local number of the length its area uses, starting
/// with 2-8.
pub fn cn_landline(value: &str) -> bool {
    let digits = digits_of(value);
    if digits.len > Digits::MAX {
        return false;
    }
    // `+86 10 …` is `010 …` dialled from abroad: the country code stands for the trunk `0`.
    let mut buf = [0u8; Digits::MAX + 1];
    let d: &[u8] = if digits.len >= 11 && digits[..2] == [8, 6] {
        buf[1..digits.len - 1].copy_from_slice(&digits[2..]);
        &buf[..digits.len - 1]
    } else {
        &digits
    };
    if d.first() != Some(&0) {
        return false;
    }
    let area_len = match (d.get(1), d.get(2)) {
        (Some(1), Some(0)) => 3,
        (Some(2), Some(x)) if *x != 6 => 3,
        (Some(3..=9), Some(_)) => 4,
        _ => return false,
    };
    if area_len == 4 {
        let code = d[1..]
            .iter()
            .take(3)
            .fold(0u32, |n, x| n * 10 + u32::from(*x));
        if d.len() < 4 || !FOUR_DIGIT_AREA_CODES.contains(&code) {
            return false;
        }
    }
    let local = &d[area_len.min(d.len())..];
    // Three-digit area codes (Beijing, Shanghai and the other 02x cities) have eight-digit
    // local numbers; four-digit ones have seven or eight.
    let lengths = if area_len == 3 { 8..=8 } else { 7..=8 };
    lengths.contains(&local.len()) && (2..=8).contains(&local[0]) && !has_run_of_equal(local, 7)
}

/// PRC passport: `E` + 8 digits, `E` + letter (not I or O) + 7 digits, or `G` + 8 digits.
pub fn cn_passport(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 9 {
        return false;
    }
    let digits_from = match (b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()) {
        (b'E', c) if c.is_ascii_uppercase() && c != b'I' && c != b'O' => 2,
        (b'E' | b'G', c) if c.is_ascii_digit() => 1,
        _ => return false,
    };
    let digits = &b[digits_from..];
    digits.iter().all(u8::is_ascii_digit) && !digits.iter().all(|d| *d == b'0')
}

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Unified social credit code, GB 32100-2015: registration authority and type codes,
/// administrative division digits, and the MOD 31 check character.
pub fn cn_uscc(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 18 {
        return false;
    }
    // On the stack: every 18-digit run in dense data is offered to this check.
    let mut upper = [0u8; 18];
    for (u, c) in upper.iter_mut().zip(b) {
        *u = c.to_ascii_uppercase();
    }
    let types: &[u8] = match upper[0] {
        b'1' | b'5' | b'7' | b'N' => b"1239",
        b'2' | b'4' | b'8' | b'A' => b"19",
        b'3' => b"123459",
        b'6' => b"129",
        b'9' => b"123",
        b'Y' => b"1",
        _ => return false,
    };
    if !types.contains(&upper[1]) {
        return false;
    }
    if !upper[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    // Division code 10xxxx marks organisations registered at national level.
    match parse_num(&upper[2..4]) {
        Some(p) if is_province_code(p) || p == 10 => {}
        _ => return false,
    }
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let mut sum = 0u32;
    for (c, w) in upper[..17].iter().zip(WEIGHTS) {
        let Some(v) = USCC_ALPHABET.iter().position(|a| a == c) else {
            return false;
        };
        sum += v as u32 * w;
    }
    let check = (31 - sum % 31) % 31;
    USCC_ALPHABET[check as usize] == upper[17]
}

/// The Luhn (mod 10) checksum over the digits of `value`.
pub fn luhn(value: &str) -> bool {
    luhn_of(
        value
            .bytes()
            .rev()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0'),
    )
}

/// The Luhn checksum of digits given as numbers.
fn luhn_digits(d: &[u8]) -> bool {
    luhn_of(d.iter().rev().copied())
}

/// The Luhn checksum of digits given last first; at least two are needed.
fn luhn_of(reversed: impl Iterator<Item = u8>) -> bool {
    let (mut sum, mut count) = (0u32, 0usize);
    for x in reversed {
        let x = u32::from(x);
        sum += if count % 2 == 1 {
            let y = x * 2;
            if y > 9 {
                y - 9
            } else {
                y
            }
        } else {
            x
        };
        count += 1;
    }
    count >= 2 && sum.is_multiple_of(10)
}

/// Payment card: 13-19 digits, Luhn-valid, a known issuer prefix with a length that issuer
/// uses.
pub fn bank_card(value: &str) -> bool {
    let d = digits_of(value);
    let n = d.len;
    if !(13..=19).contains(&n) {
        return false;
    }
    let prefix = |k: usize| d[..k].iter().fold(0u32, |a, x| a * 10 + u32::from(*x));
    // The issuer's prefix and length first: they turn most look-alikes (an ID number is
    // offered to this rule too) away before the checksum.
    let issued = match d[0] {
        4 => matches!(n, 13 | 16 | 19),
        5 => (51..=55).contains(&prefix(2)) && n == 16,
        2 => (2221..=2720).contains(&prefix(4)) && n == 16,
        3 => match prefix(2) {
            34 | 37 => n == 15,
            35 => (3528..=3589).contains(&prefix(4)) && (16..=19).contains(&n),
            _ => false,
        },
        6 => prefix(2) == 62 && (16..=19).contains(&n),
        8 => prefix(2) == 81 && (16..=19).contains(&n),
        _ => false,
    };
    issued && luhn_digits(&d) && !has_run_of_equal(&d, 8)
}

/// Hong Kong identity card: one or two letters, six digits, check digit (0-9 or A), with
/// the check digit optionally in parentheses.
pub fn hk_id(value: &str) -> bool {
    let cleaned: Vec<u8> = value
        .bytes()
        .filter(|b| !matches!(b, b'(' | b')' | b' '))
        .map(|b| b.to_ascii_uppercase())
        .collect();
    let letters = cleaned
        .iter()
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    if !(1..=2).contains(&letters) || cleaned.len() != letters + 7 {
        return false;
    }
    let digits = &cleaned[letters..letters + 6];
    let check = cleaned[letters + 6];
    if !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut values: Vec<u32> = Vec::with_capacity(8);
    if letters == 1 {
        values.push(36);
    }
    values.extend(cleaned[..letters].iter().map(|c| u32::from(c - b'A') + 10));
    values.extend(digits.iter().map(|c| u32::from(c - b'0')));
    let sum: u32 = values.iter().zip((2..=9).rev()).map(|(v, w)| v * w).sum();
    let expected = (11 - sum % 11) % 11;
    match check {
        b'A' => expected == 10,
        c if c.is_ascii_digit() => expected == u32::from(c - b'0'),
        _ => false,
    }
}

/// Taiwan national identification number (and the newer resident certificate numbers whose
/// second character is 8 or 9): letter code plus weighted digits, sum divisible by 10.
pub fn tw_id(value: &str) -> bool {
    let b: Vec<u8> = value.bytes().map(|c| c.to_ascii_uppercase()).collect();
    if b.len() != 10 || !b[0].is_ascii_uppercase() || !b[1..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    if !matches!(b[1], b'1' | b'2' | b'8' | b'9') {
        return false;
    }
    const CODES: [u32; 26] = [
        10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32,
        30, 31, 33,
    ];
    let code = CODES[usize::from(b[0] - b'A')];
    let mut sum = code / 10 + (code % 10) * 9;
    for (i, c) in b[1..9].iter().enumerate() {
        sum += u32::from(c - b'0') * (8 - i as u32);
    }
    sum += u32::from(b[9] - b'0');
    sum.is_multiple_of(10)
}

/// IMSI: 15 digits, MCC 460 (mainland), 454 (Hong Kong), 455 (Macao) or 466 (Taiwan) with a
/// mobile network code assigned in that country.
pub fn imsi(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 15 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mcc = parse_num(&b[..3]).unwrap_or(0);
    let mnc = parse_num(&b[3..5]).unwrap_or(100);
    let mnc_ok = match mcc {
        460 => matches!(mnc, 0..=9 | 11 | 15 | 20),
        454 => matches!(mnc, 0..=20 | 29 | 30 | 31 | 35),
        455 => matches!(mnc, 0..=7),
        466 => matches!(
            mnc,
            1 | 5 | 6 | 9 | 10 | 11 | 12 | 88 | 89 | 92 | 93 | 97 | 99
        ),
        _ => false,
    };
    mnc_ok && !has_run_of_equal(&b[5..], 8)
}

/// IMEI: 15 digits, Luhn-valid, not a run of one digit.
pub fn imei(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 15
        && b.iter().all(u8::is_ascii_digit)
        && luhn(value)
        && !has_run_of_equal(&digits_of(value), 8)
}

/// A number printed in groups (`110101 19900307 123X`, `35-209900-176148-1`) without its
/// joiners: `None` unless the groups are joined by single spaces or hyphens, one kind
/// throughout, as forms print them.
pub fn ungrouped(value: &str) -> Option<String> {
    let b = value.as_bytes();
    let joiner = *b.iter().find(|c| matches!(c, b' ' | b'-'))?;
    let mut out = String::with_capacity(b.len());
    let mut prev_joiner = true;
    for &c in b {
        if c == joiner {
            if prev_joiner {
                return None;
            }
            prev_joiner = true;
        } else if c.is_ascii_alphanumeric() {
            out.push(c as char);
            prev_joiner = false;
        } else {
            return None;
        }
    }
    (!prev_joiner).then_some(out)
}

/// Top-level domains accepted by the e-mail validator besides any two-letter country code.
/// File extensions that look like TLDs (`png`, `js`) are deliberately absent.
const GENERIC_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "mobi", "asia",
    "tel", "xyz", "top", "site", "online", "club", "shop", "vip", "wang", "ltd", "group", "tech",
    "store", "app", "dev", "io", "ai", "cloud", "email", "work", "live", "life", "world", "today",
    "company", "center", "network", "icu", "fun", "link", "space", "website", "press", "news",
    "media", "host", "art", "xin", "ink", "red", "kim", "law", "studio", "team", "global",
];

/// Two-letter endings that are file extensions far more often than country codes in the
/// text we scan, so `logo@2x.js` is not an address.
const TLD_LOOKALIKES: &[&str] = &[
    "js", "py", "rs", "go", "md", "sh", "db", "gz", "xz", "ts", "pl", "rb",
];

/// Practical RFC 5322 subset: dot-atom local part and a domain of letter-digit-hyphen labels
/// ending in a real-looking top-level domain.
pub fn email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.len() > 253 {
        return false;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    // A mailbox that takes no mail and belongs to no one (`noreply@github.com`).
    const NOBODY: &[&str] = &[
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
        "mailer-daemon",
    ];
    if NOBODY.iter().any(|n| local.eq_ignore_ascii_case(n)) {
        return false;
    }
    if !local
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&c))
    {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    for l in &labels {
        if l.is_empty()
            || l.len() > 63
            || l.starts_with('-')
            || l.ends_with('-')
            || !l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        {
            return false;
        }
    }
    let tld = labels[labels.len() - 1].to_ascii_lowercase();
    // An internationalised top-level domain (`.中国` is `xn--fiqs8s`) is real by its form.
    if let Some(puny) = tld.strip_prefix("xn--") {
        return puny.len() >= 2 && puny.bytes().all(|c| c.is_ascii_alphanumeric());
    }
    if !tld.bytes().all(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    (tld.len() == 2 && !TLD_LOOKALIKES.contains(&tld.as_str()))
        || GENERIC_TLDS.contains(&tld.as_str())
}

/// IPv4 dotted quad without leading zeros; unspecified, loopback, broadcast and netmask
/// values are not addresses of anyone.
pub fn ipv4(value: &str) -> bool {
    let mut octets = [0u32; 4];
    let mut parts = value.split('.');
    for slot in &mut octets {
        let Some(p) = parts.next() else { return false };
        if p.is_empty() || p.len() > 3 || (p.len() > 1 && p.starts_with('0')) {
            return false;
        }
        match parse_num(p.as_bytes()) {
            Some(v) if v <= 255 => *slot = v,
            _ => return false,
        }
    }
    if parts.next().is_some() {
        return false;
    }
    // Unspecified, loopback, multicast and reserved space (and netmasks such as
    // 255.255.255.0) are configuration, not anyone's address; neither are network and
    // broadcast addresses (`58.0.0.0`, `58.255.255.255`), which name ranges in logs and
    // routing tables.
    !(octets[0] == 0 || octets[0] == 127 || octets[0] >= 224 || octets[3] == 0 || octets[3] == 255)
}

/// Hardware address: six hex pairs with one consistent separator; all-zero and broadcast
/// addresses are excluded.
pub fn mac_address(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() == 14 {
        return dotted_mac(value);
    }
    if b.len() != 17 {
        return false;
    }
    let sep = b[2];
    if sep != b':' && sep != b'-' {
        return false;
    }
    for (i, c) in b.iter().enumerate() {
        let ok = if i % 3 == 2 {
            *c == sep
        } else {
            c.is_ascii_hexdigit()
        };
        if !ok {
            return false;
        }
    }
    let hex: String = value
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase();
    hex != "000000000000" && hex != "ffffffffffff"
}

/// The dotted form network equipment prints (`ac12.3f00.91be`): three groups of four hex
/// digits.
fn dotted_mac(value: &str) -> bool {
    let groups: Vec<&str> = value.split('.').collect();
    groups.len() == 3
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.bytes().all(|c| c.is_ascii_hexdigit()))
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "0000.0000.0000" | "ffff.ffff.ffff"
        )
}

/// A latitude/longitude pair: two decimal numbers, each with at least four decimals, in
/// range, and not the null island (0, 0).
pub fn gps(value: &str) -> bool {
    coordinates(value).is_some()
}

/// A coordinate pair as found: the two numbers as written, latitude first, and the
/// hemispheres that letters (`S`, `W`) gave them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatLng<'a> {
    /// Latitude as written, without a hemisphere's sign.
    pub lat: &'a str,
    /// Longitude as written, without a hemisphere's sign.
    pub lng: &'a str,
    /// `S` followed the latitude: it is negative.
    pub south: bool,
    /// `W` followed the longitude: it is negative.
    pub west: bool,
}

impl std::fmt::Display for LatLng<'_> {
    /// `latitude,longitude` with signs, the form a coordinate is hashed and compared in.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = |negative: bool| if negative { "-" } else { "" };
        write!(
            f,
            "{}{},{}{}",
            sign(self.south),
            self.lat,
            sign(self.west),
            self.lng
        )
    }
}

/// The hemisphere letters of a pair written with them (`31.2304°N, 121.4737°E`,
/// `N31.2304 E121.4737`): capital N, S, E or W standing alone (not inside a word such as
/// `Lat`), in order. `None` when the pair has none; `Some(None)` when it has letters that
/// do not make one latitude and one longitude.
fn hemispheres(value: &str) -> Option<Option<(bool, bool, bool)>> {
    let b = value.as_bytes();
    // The first two letters and how many there are; a third spoils the pair anyway.
    let (mut letters, mut count) = ([0u8; 2], 0usize);
    for (i, c) in b.iter().enumerate() {
        let alone = (i == 0 || !b[i - 1].is_ascii_alphabetic())
            && b.get(i + 1).is_none_or(|n| !n.is_ascii_alphabetic());
        if alone && matches!(c, b'N' | b'S' | b'E' | b'W') {
            if let Some(slot) = letters.get_mut(count) {
                *slot = *c;
            }
            count += 1;
        }
    }
    if count == 0 {
        return None;
    }
    let latitude = |c: u8| c == b'N' || c == b'S';
    let [first, second] = letters;
    Some(
        (count == 2 && latitude(first) != latitude(second)).then(|| {
            (
                !latitude(first),
                letters.contains(&b'S'),
                letters.contains(&b'W'),
            )
        }),
    )
}

/// Whether the first axis a pair's text names is the longitude (`lng`, `lon`, `经度`) rather
/// than the latitude (`lat`, `纬度`), ignoring ASCII case; `None` when it names neither.
/// `经纬度` ("coordinates") names both and says nothing about the order.
fn names_longitude_first(value: &str) -> Option<bool> {
    let b = value.as_bytes();
    let both = "经纬度".as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let word = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
        if rest.starts_with(both) {
            i += both.len();
            continue;
        }
        // Well-known text (`POINT(x y)`) and GeoJSON (`"coordinates": [x, y]`) put the
        // longitude first by definition.
        let wkt_point = word(b"point") && rest[5..].trim_ascii_start().starts_with(b"(");
        if wkt_point || word(b"\"coordinates\"") {
            return Some(true);
        }
        // The hemisphere words name the number after them too (北纬 north latitude, 东经
        // east longitude).
        if word(b"lat")
            || rest.starts_with("纬度".as_bytes())
            || rest.starts_with("北纬".as_bytes())
        {
            return Some(false);
        }
        if word(b"lng")
            || word(b"lon")
            || rest.starts_with("经度".as_bytes())
            || rest.starts_with("东经".as_bytes())
        {
            return Some(true);
        }
        i += 1;
    }
    None
}

/// The latitude and longitude of a coordinate pair as written (`31.2304,121.4737`,
/// `lat: 31.2304, lng: 121.4737`, `经度121.4737，纬度31.2304`, `31.2304°N, 121.4737°E`):
/// when the text names longitude first, or the first number can only be a longitude
/// (`116.4815,39.9905`, the order of Chinese map services), the two are swapped. Both need
/// four decimals or more and must be in range; `0,0` is no place.
pub fn coordinates(value: &str) -> Option<LatLng<'_>> {
    let mut nums = value
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter(|s| s.bytes().any(|c| c.is_ascii_digit()));
    let (first, second) = (nums.next()?, nums.next()?);
    if nums.next().is_some() {
        return None;
    }
    // Four decimals or more on both numbers, checked before either is parsed.
    let four_decimals = |n: &str| n.split_once('.').is_some_and(|(_, frac)| frac.len() >= 4);
    if !four_decimals(first) || !four_decimals(second) {
        return None;
    }
    let (Ok(a), Ok(b)) = (first.parse::<f64>(), second.parse::<f64>()) else {
        return None;
    };
    // Only a labelled pair can name longitude first; a bare pair (digits and separators,
    // the common case) skips the label search.
    let labelled = value
        .bytes()
        .any(|b| b.is_ascii_alphabetic() || !b.is_ascii());
    let (mut south, mut west) = (false, false);
    let longitude_first = match labelled.then(|| hemispheres(value)).flatten() {
        Some(None) => return None,
        Some(Some((longitude_first, s, w))) => {
            // A sign and a hemisphere letter together contradict each other.
            if first.starts_with('-') || second.starts_with('-') {
                return None;
            }
            (south, west) = (s, w);
            longitude_first
        }
        None if labelled => {
            names_longitude_first(value).unwrap_or_else(|| a.abs() > 90.0 && b.abs() <= 90.0)
        }
        None => a.abs() > 90.0 && b.abs() <= 90.0,
    };
    let ((lat_text, lat), (lng_text, lng)) = if longitude_first {
        ((second, b), (first, a))
    } else {
        ((first, a), (second, b))
    };
    // Both numbers under one degree is a point in the Gulf of Guinea ("null island"): in
    // data it is an offset, an error or a fraction, not where someone is.
    let null_island = lat.abs() < 1.0 && lng.abs() < 1.0;
    // Whole degrees written with zero decimals (`91.0000,10.0000`) are a placeholder or a
    // grid line, not a measured position.
    let zero_decimals = |n: &str| {
        n.split_once('.')
            .is_some_and(|(_, f)| f.bytes().all(|c| c == b'0'))
    };
    let placeholder = zero_decimals(lat_text) && zero_decimals(lng_text);
    (!placeholder && lat.abs() <= 90.0 && lng.abs() <= 180.0 && !null_island).then_some(LatLng {
        lat: lat_text,
        lng: lng_text,
        south,
        west,
    })
}

const PLATE_PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Vehicle plate: province abbreviation, issuing-office letter, then five (six for
/// new-energy) letters or digits, with at least one digit among them.
pub fn cn_license_plate(value: &str) -> bool {
    let mut chars = value
        .chars()
        .filter(|c| *c != '·' && *c != ' ' && *c != '•');
    let Some(p) = chars.next() else { return false };
    if !PLATE_PROVINCES.contains(p) {
        return false;
    }
    let rest: Vec<char> = chars.collect();
    if !(6..=7).contains(&rest.len()) {
        return false;
    }
    let office = rest[0];
    if !office.is_ascii_uppercase() || office == 'I' || office == 'O' {
        return false;
    }
    let tail = &rest[1..];
    tail.iter()
        .all(|c| (c.is_ascii_uppercase() && *c != 'I' && *c != 'O') || c.is_ascii_digit())
        && tail.iter().filter(|c| c.is_ascii_digit()).count() >= 3
}

/// JSON Web Token: three base64url segments, the first a JSON object with `alg`.
pub fn jwt(value: &str) -> bool {
    let mut parts = value.split('.');
    let (Some(header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if payload.is_empty() {
        return false;
    }
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let Ok(bytes) = engine.decode(header.trim_end_matches('=')) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(map)) => {
            map.get("alg").is_some_and(serde_json::Value::is_string)
        }
        _ => false,
    }
}

/// PEM or OpenSSH private key block: matching BEGIN/END labels and a body of base64 text.
pub fn pem_private_key(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("-----BEGIN ") else {
        return false;
    };
    let Some((label, body)) = rest.split_once("-----") else {
        return false;
    };
    let end = format!("-----END {label}-----");
    let Some(body) = body.strip_suffix(end.as_str()) else {
        return false;
    };
    let mut payload = 0usize;
    for line in body.lines() {
        let line = line.trim();
        // Encrypted PEM headers (`Proc-Type: 4,ENCRYPTED`) are key material's envelope.
        if line.is_empty() || line.contains(':') {
            continue;
        }
        if !line
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=')
        {
            return false;
        }
        payload += line.len();
    }
    label.contains("PRIVATE KEY") && payload >= 32
}

/// A generated secret: mixes at least two of upper case, lower case and digits and is not a
/// placeholder. Rejects hex digests (one case only) and English words.
pub fn mixed_secret(value: &str) -> bool {
    let upper = value.bytes().any(|c| c.is_ascii_uppercase());
    let lower = value.bytes().any(|c| c.is_ascii_lowercase());
    let digit = value.bytes().any(|c| c.is_ascii_digit());
    let classes = usize::from(upper) + usize::from(lower) + usize::from(digit);
    // Random base64 puts a `/` in one character of 64: four or more in a value this long
    // make a path (`org/Public/MAPPINGS/EASTASIA/JIS/JIS0208`), not a key.
    let slashes = value.bytes().filter(|&b| b == b'/').count();
    classes >= 2 && upper && slashes < 4 && !is_placeholder(value) && distinct_chars(value) >= 10
}

fn distinct_chars(value: &str) -> usize {
    let mut seen = [false; 256];
    value
        .bytes()
        .filter(|b| !std::mem::replace(&mut seen[usize::from(*b)], true))
        .count()
}

/// Values that stand in for a secret in templates, docs and examples.
pub fn is_placeholder(value: &str) -> bool {
    // Quotes, and the parentheses of a note (`(required)`), around the word.
    let v = value
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`');
    let v = v
        .strip_prefix('(')
        .and_then(|v| v.strip_suffix(')'))
        .unwrap_or(v);
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "password",
        "passwd",
        "secret",
        "example",
        "sample",
        "placeholder",
        "redacted",
        "removed",
        "hidden",
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "todo",
        "tbd",
        "xxx",
        "test",
        "dummy",
        "fake",
        "your_password",
        "yourpassword",
        "your-password",
        "mypassword",
        "my_password",
        "pass",
        "pwd",
        "string",
        "required",
        "optional",
        "empty",
        "default",
        "******",
        "<password>",
        "请输入密码",
        "密码",
        "口令",
        "无",
        "空",
    ];
    if WORDS.contains(&lower.as_str()) {
        return true;
    }
    // References to a value held elsewhere: environment, template, format string.
    if v.starts_with('$')
        || v.starts_with("%(")
        || v.starts_with("%s")
        || v.starts_with("%d")
        || v.starts_with('{')
        || v.starts_with('<') && v.ends_with('>')
    {
        return true;
    }
    if lower.starts_with("os.")
        || lower.starts_with("process.env")
        || lower.starts_with("env(")
        || lower.starts_with("getenv")
        || is_code_reference(v)
    {
        return true;
    }
    // A run of one masking character (`***`, `xxxx`, `....`).
    let first = v.chars().next().unwrap_or(' ');
    if v.chars().count() >= 3 && "*xX.#-_?".contains(first) && v.chars().all(|c| c == first) {
        return true;
    }
    lower.starts_with("your")
        || lower.starts_with("<your")
        || lower.contains("example")
        || lower.contains("xxxx")
}

/// Source code that fetches a password instead of holding one: an identifier path called
/// or indexed (`input(`, `getpass.getpass()`, `request.form[`; a value stops at the quote
/// of its argument), or an identifier path whose last step names the secret
/// (`user.password`, `cfg.db.pwd`). A password rarely has that form, and code assigns
/// these everywhere a login is handled.
fn is_code_reference(v: &str) -> bool {
    // A method called with arguments (`alice.computeSecret(bob.getPublicKey()`): the
    // object and method before the parenthesis.
    if let Some((callee, _)) = v.split_once('(') {
        if callee.contains('.') && is_identifier_path(callee) {
            return true;
        }
    }
    let body = v
        .strip_suffix("()")
        .or_else(|| v.strip_suffix('('))
        .or_else(|| v.strip_suffix('['));
    let path = body.unwrap_or(v);
    if !is_identifier_path(path) {
        return false;
    }
    if body.is_some() {
        return true;
    }
    match path.rsplit_once('.') {
        Some((_, last)) => {
            let last = last.to_ascii_lowercase();
            ["pass", "pwd", "secret", "token", "key"]
                .iter()
                .any(|w| last.contains(w))
        }
        None => false,
    }
}

/// Identifiers joined by dots (`getpass.getpass`, `cfg.db`), as code names a value.
fn is_identifier_path(path: &str) -> bool {
    let identifier = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    !path.is_empty() && path.split('.').all(identifier)
}

/// A value assigned to a key named for a password that may be one: not a placeholder or
/// code (see [`is_placeholder`]), and not the first word of a sentence. Change logs and API
/// references write `passwd.c: Fix …`, `secret_func: New callback`, `… with alice.`: a
/// capitalised word, or a word that ends the sentence, stands where a config keeps its
/// password. An all-lower-case word (`dragon`) is kept: weak passwords look like that.
pub fn password(value: &str) -> bool {
    if is_placeholder(value) || is_secret_location(value) || is_code_value(value) {
        return false;
    }
    // Chinese words after the label are a message of the program (`口令不匹配.`, `密码错误`):
    // people type passwords in Latin letters, digits and symbols.
    let body = value.trim_end_matches(|c: char| c.is_ascii_punctuation() || "。！，".contains(c));
    if !body.is_empty() && body.chars().all(is_han) {
        return false;
    }
    let word = value.strip_suffix('.').unwrap_or(value);
    let letters = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphabetic());
    let capitalised = word.len() >= 2
        && word.as_bytes()[0].is_ascii_uppercase()
        && word.bytes().skip(1).all(|b| b.is_ascii_lowercase());
    !(letters && (word.len() < value.len() || capitalised))
}

/// A password value as a pattern took it: in a query string it ends before the next
/// parameter (`secret=qwe089&oauth_callback=…` holds `qwe089`; an `&` inside a password
/// with no `name=` after it stays), then [`password`] decides.
pub fn password_value(value: &str) -> Check {
    let bytes = value.as_bytes();
    let next_parameter = value.match_indices('&').map(|(i, _)| i).find(|&i| {
        let name = bytes[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        name > 0 && bytes.get(i + 1 + name) == Some(&b'=')
    });
    match next_parameter {
        // As long as the pattern's shortest value (`[^\s"'<>,;]{3,128}`).
        Some(cut) if cut >= 3 && password(&value[..cut]) => Check::Narrow(0, cut),
        Some(_) => Check::Reject,
        None => Check::from_bool(password(value)),
    }
}

/// Type names and keywords of the languages that annotate or pass a password
/// (`password: str`, `password: string;`, `password=None):`), lower-cased.
const CODE_WORDS: &[&str] = &[
    "any", "bool", "boolean", "byte", "bytes", "char", "def", "float", "int", "number", "object",
    "raise", "return", "self", "str", "string", "text", "void",
];

/// Source code standing where a configuration keeps the password: a call with its
/// arguments (`encode(client_secret)`, `str(password)`), a generic type or an index
/// (`Optional[bytes]`, `uri[u`), a type name or keyword, a word with the parenthesis or
/// colon of the signature around it (`str)`, `None):`, `(bool`), an attribute of the object
/// at hand (`self.separate`), or a variable named for a secret (`key_password`).
fn is_code_value(v: &str) -> bool {
    if v.ends_with(')') {
        if let Some((callee, _)) = v.split_once('(') {
            if is_identifier_path(callee) {
                return true;
            }
        }
    }
    if let Some((head, _)) = v.split_once('[') {
        if head.len() >= 2 && is_identifier_path(head) {
            return true;
        }
    }
    let word = v.trim_start_matches('(').trim_end_matches([')', ':', ',']);
    if !is_identifier_path(word) {
        return false;
    }
    let lower = word.to_ascii_lowercase();
    word.len() < v.len()
        || CODE_WORDS.contains(&lower.as_str())
        || lower.starts_with("self.")
        || lower.starts_with("this.")
        || (word.contains('_')
            && ["pass", "pwd", "secret", "token", "key"]
                .iter()
                .any(|w| lower.contains(w)))
}

/// Where a secret is kept rather than the secret: a URI (`gs://bucket/key.encrypted`,
/// `vault://…`, `https://…`), or a resource path of three or more steps whose steps are
/// words (`projects/p/secrets/db/versions/2`). A password with slashes (base64) mixes the
/// cases within its pieces; a path's steps are written in one case each.
fn is_secret_location(value: &str) -> bool {
    if let Some((scheme, _)) = value.split_once("://") {
        let mut chars = scheme.chars();
        if chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        {
            return true;
        }
    }
    let one_case = |step: &str| {
        !(step.bytes().any(|b| b.is_ascii_uppercase())
            && step.bytes().any(|b| b.is_ascii_lowercase()))
    };
    value.matches('/').count() >= 3
        && value
            .split('/')
            .all(|step| one_case(step) && !step.contains(['+', '=']))
}

/// Database URI with credentials: a user (optional for Redis) and a real password.
pub fn connection_uri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return false;
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return false;
    };
    let redis = scheme.to_ascii_lowercase().starts_with("redis");
    !host.is_empty()
        && (redis || !user.is_empty())
        && !is_placeholder(password)
        && !password.contains("${")
}

/// Chinese surnames: the single-character ones seen most often in population statistics.
const CN_SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉斯元束檀衣信展阴昝智幸奉植衡富尧闭由";

/// Compound (two-character) surnames.
const CN_COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "钟离", "闾丘", "端木", "南宫", "西门", "独孤", "呼延", "申屠", "太史",
    "万俟", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "拓跋", "百里", "东郭", "南门", "羊舌",
    "微生", "梁丘", "左丘", "第五",
];

/// Words that commonly follow a name in forms and records. A name pattern that runs into
/// one of them is cut before it (`张三性别男` names 张三).
const AFTER_NAME_WORDS: &[&str] = &[
    "性别", "电话", "手机", "身份", "证件", "地址", "住址", "年龄", "民族", "出生", "联系", "先生",
    "女士", "同志", "学号", "工号", "籍贯", "职务", "备注", "男", "女", "的", "在", "于", "和",
    "与", "已", "是", "说", "等", "同学", "老师",
];

/// Everyday words that begin with a surname character (方式 starts like 方, 金额 like 金) and
/// so look like a two- or three-character name when they stand alone between punctuation
/// or after a cue word. Names found by form context or prose cues meet these words far
/// more often than names found after a label.
const COMMON_WORDS: &[&str] = &[
    // Foreign cities whose first character is a surname.
    "罗马",
    "巴黎",
    "柏林",
    "米兰",
    "方式",
    "曾用名",
    "方法",
    "方面",
    "方案",
    "方向",
    "方便",
    "时间",
    "时候",
    "时期",
    "金额",
    "金融",
    "高温",
    "高速",
    "高铁",
    "高级",
    "高度",
    "温度",
    "明天",
    "明年",
    "明细",
    "明确",
    "安全",
    "安装",
    "安排",
    "成功",
    "成本",
    "成绩",
    "成员",
    "平台",
    "平安",
    "平均",
    "海外",
    "海关",
    "文件",
    "文化",
    "文章",
    "万元",
    "国家",
    "国内",
    "国际",
    "国籍",
    "华为",
    "银行",
    "银联",
    "信息",
    "信用",
    "信用卡",
    "信箱",
    "元旦",
    "全部",
    "全国",
    "应该",
    "应用",
    "和平",
    "关于",
    "关系",
    "关注",
    "管理",
    "管理员",
    "车辆",
    "车牌",
    "车主",
    "单位",
    "单号",
    "师傅",
    "商品",
    "商家",
    "商户",
    "宁波",
    "苏州",
    "南京",
    "常州",
    "包裹",
    "路由",
    "路线",
    "邮箱",
    "邮编",
    "房间",
    "房号",
    "房东",
    "房屋",
    "谷歌",
    "任务",
    "任何",
    "程序",
    "石家庄",
    "武汉",
    "长沙",
    "江门",
    "温州",
    "云端",
    "云南",
    "黄金",
    "龙华",
    "龙岗",
    "宝安",
    "福田",
    "罗湖",
    "南山",
    "朝阳",
    "海淀",
    "丰台",
    "通州",
    "于是",
    "余额",
    "周末",
    "周一",
    "周二",
    "周三",
    "周四",
    "周五",
    "周六",
    "周日",
    "周年",
    "周期",
    "林业",
    "农业",
    "农行",
    "工行",
    "建行",
    "中行",
    "交行",
    "招行",
    "花呗",
    "支付宝",
    "微信",
    "快递",
    "顺丰",
    "申通",
    "韵达",
    "圆通",
    "中通",
    "邮政",
    "京东",
    "淘宝",
    "拼多多",
    "美团",
    "滴滴",
    "严重",
    "苗条",
    "项目",
    "简单",
    "解决",
    "司机",
    "公司",
    "公安",
    "公民",
    "公开",
    "公斤",
    "党员",
    "计划",
    "计算",
    "索引",
    "宣传",
    "相关",
    "初始",
    "都市",
    "普通",
    "戈壁",
    "卫生",
    "米饭",
    "宗教",
    "全额",
    "盛大",
    "曲线",
    "乐园",
    "原因",
    "原来",
    "燕窝",
    "满意",
    "闻到",
    "区域",
    "海南",
    "权限",
    "强制",
    "练习",
    "祖国",
    "丰富",
    "支持",
    "支付",
    "国庆",
    "来源",
    "容量",
    "敬请",
    "宾馆",
    "利息",
    "利率",
    "居民",
    "居住",
    "干部",
    "元素",
    "展示",
    "智能",
    "幸福",
    "富贵",
    "由于",
    "何时",
    "余下",
    "章节",
    "史上",
    "贺卡",
    "顾客",
    "毛重",
    "万一",
    "严格",
    "武警",
    "戴尔",
    "莫名",
    "孔子",
    "向导",
    "常见",
    "康复",
    "施工",
    "牛奶",
    "安卓",
    "齐全",
    "易用",
    "乔迁",
    "庞大",
    "颜色",
    "庄园",
    "岳阳",
    "段落",
    "雷达",
    "史料",
    "陶瓷",
    "黎明",
    "毛衣",
    "钱包",
    "熊猫",
    "秦岭",
    "江湖",
    "夏天",
    "夏季",
    "白天",
    "白色",
    "石头",
    "田地",
    "董事",
    "王国",
    "王牌",
    "王者",
    "陈述",
    "陈列",
    "陈旧",
    "黄色",
    "黄昏",
    "黄瓜",
    "黄牛",
    "周边",
    "周围",
    "周转",
    "孙子",
    "孙女",
    "马上",
    "马路",
    "马桶",
    "马达",
    "胡同",
    "胡说",
    "何况",
    "何必",
    "高兴",
    "高中",
    "高考",
    "高端",
    "高层",
    "高新",
    "高效",
    "高清",
    "罗列",
    "郑重",
    "谢谢",
    "谢绝",
    "宋体",
    "许多",
    "许可",
    "许久",
    "韩国",
    "韩元",
    "曾经",
    "肖像",
    "田园",
    "董事长",
    "杜绝",
    "叶片",
    "程度",
    "任意",
    "任职",
    "沈阳",
    "钟表",
    "钟点",
    "陆续",
    "陆地",
    "范围",
    "范例",
    "金属",
    "金牌",
    "石油",
    "付款",
    "付费",
    "付出",
    "方针",
    "方位",
    "白菜",
    "白领",
    "武器",
    "向上",
    "向前",
    "汤圆",
    "常用",
    "常规",
    "文字",
    "文档",
    "文本",
    "牛肉",
    "安置",
    "岳父",
    "岳母",
    "申请",
    "银行",
    "申报",
    "申诉",
    "欧洲",
    "欧元",
    "关闭",
    "关键",
    "关联",
    "兰州",
    "焦点",
    "焦虑",
    "左边",
    "左右",
    "祝福",
    "祝贺",
    "包括",
    "包含",
    "包装",
    "宁可",
    "尚未",
    "符合",
    "符号",
    "舒服",
    "舒适",
    "纪律",
    "纪念",
    "纪录",
    "童年",
    "童装",
    "凌晨",
    "毕业",
    "单价",
    "单独",
    "单元",
    "季度",
    "季节",
    "成为",
    "成立",
    "成交",
    "成熟",
    "蓝色",
    "蓝牙",
    "路口",
    "路费",
    "游戏",
    "游客",
    "游泳",
    "辛苦",
    "管道",
    "柴油",
    "蒙古",
    "华人",
    "房租",
    "房产",
    "房价",
    "解释",
    "解除",
    "解锁",
    "尤其",
    "阳台",
    "时代",
    "时尚",
    "农村",
    "农民",
    "司法",
    "古代",
    "吉利",
    "简历",
    "简介",
    "车站",
    "车票",
    "车位",
    "连接",
    "连续",
    "景点",
    "景区",
    "费用",
    "卫星",
    "全面",
    "全体",
    "应当",
    "边境",
    "边缘",
    "师范",
    "师父",
    "和谐",
    "商场",
    "商业",
    "商务",
    "沙发",
    "荣誉",
    "仲裁",
    "巩固",
    "明白",
    "明显",
    "查询",
    "查看",
    "麻烦",
    "迟到",
    "官方",
    "官网",
    "封面",
    "谈话",
    "谈判",
    "南方",
    "班级",
    "班长",
    "储存",
    "储蓄",
    "原则",
    "劳动",
    "皮肤",
    "皮革",
    "楼层",
    "楼盘",
    "楼下",
    "楼上",
    "盘点",
    "位置",
    "位于",
    "厉害",
    "花园",
    "花费",
    "权利",
    "强大",
    "帅哥",
    "豆腐",
    "盖章",
    "相同",
    "相信",
    "初中",
    "门口",
    "门店",
    "门票",
    "容易",
    "来自",
    "浦东",
    "薄弱",
    "羊肉",
    "母亲",
    "修改",
    "修复",
    "杭州",
    "宿舍",
    "鲜花",
    "印象",
    "印刷",
    "隆重",
    "诸位",
    "战斗",
    "危险",
    "玉米",
    "哈哈",
    "宾客",
    "利用",
    "利润",
    "呼叫",
    "呼吸",
    "但是",
    "衣服",
    "植物",
    "上午",
    "上班",
    "上面",
    "上传",
    "东西",
    "东方",
    "长期",
    "长度",
    "宇宙",
    "端口",
    "西安",
    "西方",
    "独立",
    "太阳",
    "拓展",
    "百度",
    "第一",
    "第二",
    "第三",
];

/// The name lists as sets, built once: a validator of names runs for every candidate of
/// the form and prose rules, and searching the lists as strings and slices was most of its
/// cost. Every character of these lists is in the Basic Multilingual Plane (a test checks
/// it), so each set is a bitmap of that plane.
struct NameTables {
    surnames: PlaneSet,
    /// The compound surnames, each as its [`short_key`], sorted.
    compound_surnames: Vec<u64>,
    /// The first characters of [`AFTER_NAME_WORDS`]: only where one stands can a word
    /// that ends a name start.
    after_name_first: PlaneSet,
    /// [`FORMS_OF_ADDRESS`], each as its [`short_key`], sorted.
    forms_of_address: Vec<u64>,
    not_in_names: PlaneSet,
    /// [`NOT_IN_NAMES`] without [`IN_LABELLED_NAMES`].
    not_in_labelled_names: PlaneSet,
    label_endings: PlaneSet,
}

impl NameTables {
    fn is_compound_surname(&self, two: &str) -> bool {
        short_key(two.chars()).is_some_and(|p| self.compound_surnames.binary_search(&p).is_ok())
    }
}

/// One or two characters as one number (the first in the high half, nothing as zero), for
/// a search of integers instead of strings; `None` for any other count.
fn short_key(mut chars: impl Iterator<Item = char>) -> Option<u64> {
    match (chars.next(), chars.next(), chars.next()) {
        (Some(a), b, None) => Some((u64::from(a) << 32) | b.map_or(0, u64::from)),
        _ => None,
    }
}

fn name_tables() -> &'static NameTables {
    static TABLES: std::sync::OnceLock<NameTables> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut compound_surnames: Vec<u64> = CN_COMPOUND_SURNAMES
            .iter()
            .filter_map(|s| short_key(s.chars()))
            .collect();
        compound_surnames.sort_unstable();
        let mut forms_of_address: Vec<u64> = FORMS_OF_ADDRESS
            .iter()
            .filter_map(|w| short_key(w.chars()))
            .collect();
        forms_of_address.sort_unstable();
        NameTables {
            surnames: PlaneSet::new(CN_SURNAMES.chars()),
            compound_surnames,
            after_name_first: PlaneSet::new(
                AFTER_NAME_WORDS.iter().filter_map(|w| w.chars().next()),
            ),
            forms_of_address,
            not_in_names: PlaneSet::new(NOT_IN_NAMES.chars()),
            not_in_labelled_names: PlaneSet::new(
                NOT_IN_NAMES
                    .chars()
                    .filter(|c| !IN_LABELLED_NAMES.contains(*c)),
            ),
            label_endings: PlaneSet::new(LABEL_ENDINGS.chars()),
        }
    })
}

/// Whether `v` is a common word or a province's name, which a surname character starting
/// it does not make a name. One set lookup: this runs for every name-shaped candidate.
fn common_word(v: &str) -> bool {
    // A fixed set of a few hundred short words, looked up, never grown from input.
    type Words = std::collections::HashSet<&'static str, leakscope_core::mix::MixState>;
    static SET: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    SET.get_or_init(|| COMMON_WORDS.iter().chain(PROVINCES).copied().collect())
        .contains(v)
}

/// Middle dots that join the parts of a transliterated name: the standard `·` and the
/// look-alikes that input methods and fonts substitute for it.
const NAME_DOTS: &[char] = &['·', '•', '・', '‧'];

/// Characters that never appear in a given name, so a capture containing them is not a name.
const NOT_IN_NAMES: &str = concat!(
    "的了是在有不这个们中为上来到时大地以说就出要也后过会可下而生自之年着对所于去能当部都等那没把看天里又公但",
    // Particles, pronouns, measure words and the verbs of everyday talk, which chat and
    // prose put after a cue word (麻烦来赚钱, 朋友相处, 今天成功送给): no given name holds them.
    "吗呢吧啊哦嗯呀么什怎谁哪很最还已被让给往跟赚钱送处校第释吃喝睡跑拿放买卖付收找用做搞弄打听想认懂该得叫请问告诉讲聊算块次回遍号秒别只件条些每各另此您你我他她它咱",
    // The end of a demonym (我是南方人, 江西人), and the nouns and verbs that a surname
    // character starts in prose (石头城, 平面, 那样, 幸好遇到, 商量).
    "人头面样遇量乘",
);

/// Characters of [`NOT_IN_NAMES`] that real given names do hold (李天宇, 王可欣, 张中华, 刘大伟,
/// 陈为民, 赵有才, 孙之恒, 王来福, 李生, 王人杰): with a surname they mostly spell everyday
/// words (明天, 许可, 高中, 强大, 成为, 卫生, 南方人), so they turn a name found by its form
/// away, but not one that a label, the field's name or the person's sex announces.
const IN_LABELLED_NAMES: &str = "有中为来大可生之天人";

/// Last characters of the words that label an identifier (银行卡, 账号, 密码, 身份证, 地址,
/// 邮箱, 电话, 手机, 余额): a word ending in one is the label beside a value, not a name.
const LABEL_ENDINGS: &str = "卡号码证址箱话机账额";

/// What follows a surname when a person is addressed by title or kinship rather than named
/// (王经理, 刘女士, 李总, 张师傅), and the placeholder of anonymised records (张某, 王某某):
/// the surname alone names nobody.
const FORMS_OF_ADDRESS: &[&str] = &[
    "先生", "女士", "小姐", "太太", "夫人", "老师", "同学", "同志", "经理", "总监", "老总", "总",
    "董事", "主管", "主任", "组长", "班长", "店长", "厂长", "局长", "处长", "科长", "所长", "队长",
    "部长", "院长", "校长", "书记", "村长", "镇长", "县长", "市长", "师傅", "师父", "医生", "大夫",
    "护士", "律师", "警官", "教授", "博士", "会计", "老板", "工", "阿姨", "叔叔", "大爷", "大妈",
    "大姐", "大哥", "姐", "哥", "某", "某某",
];

/// A Chinese personal name: a known surname (single or compound) followed by one or two
/// given-name characters; trailing label words are cut off.
pub fn cn_person_name(value: &str) -> Check {
    person_name(value, false)
}

/// [`cn_person_name`] for a value that a label (`姓名：`), the field's name or the person's
/// sex right after it (`李天宇，男`) says is a name: the given name may hold the characters of
/// [`IN_LABELLED_NAMES`].
pub fn cn_person_name_labelled(value: &str) -> Check {
    person_name(value, true)
}

fn person_name(value: &str, labelled: bool) -> Check {
    let mut trimmed_start = value.len() - value.trim_start().len();
    let mut v = value.trim();
    if v.chars().any(|c| !is_han(c) && !NAME_DOTS.contains(&c)) {
        return Check::Reject;
    }
    // A label may be followed by the verb that joins it to the name (`名字叫里斯·戴维斯`,
    // `姓名是王芳`, `联系人为张伟`); none of those verbs is a surname.
    if let Some(rest) = ["叫", "是", "为"].iter().find_map(|w| v.strip_prefix(w)) {
        trimmed_start += v.len() - rest.len();
        v = rest;
    }
    let tables = name_tables();
    // `和` and `跟` join a person to the sentence (`中午和任兰在…`) and are surnames too
    // (和珅): a conjunction before a whole name of a single surname is cut off, a
    // two-character value stays a name.
    if let Some(rest) = ["和", "跟"].iter().find_map(|w| v.strip_prefix(w)) {
        let count = rest.chars().count();
        let single = (2..=3).contains(&count)
            && rest
                .chars()
                .next()
                .is_some_and(|c| tables.surnames.contains(c));
        let compound = (3..=4).contains(&count)
            && rest
                .char_indices()
                .nth(2)
                .is_some_and(|(two, _)| tables.is_compound_surname(&rest[..two]));
        if single || compound {
            trimmed_start += v.len() - rest.len();
            v = rest;
        }
    }
    // Cut at the first word that begins a new field. Most characters start none of those
    // words, so the words are compared only where one could start.
    if let Some((cut, _)) = v.char_indices().skip(2).find(|(i, c)| {
        tables.after_name_first.contains(*c)
            && AFTER_NAME_WORDS.iter().any(|w| v[*i..].starts_with(w))
    }) {
        v = &v[..cut];
    }
    // A transliterated name (Uyghur, Tibetan, foreign: 买买提·艾力) joins its parts with a
    // middle dot and follows no surname list; two or three parts of Chinese characters
    // make one.
    if v.contains(NAME_DOTS) {
        // Transliterations use 不, 都 and 地 (阿不都), so only function characters that never
        // spell a sound rule a part out.
        let part_ok = |p: &str| {
            (1..=8).contains(&p.chars().count())
                && !p.chars().any(|c| "的了是在们这个和与或".contains(c))
        };
        let parts = v.matches(NAME_DOTS).count() + 1;
        return if (2..=3).contains(&parts) && v.split(NAME_DOTS).all(part_ok) {
            Check::Narrow(trimmed_start, trimmed_start + v.len())
        } else {
            Check::Reject
        };
    }
    let surname_len = match v.char_indices().nth(2) {
        Some((two, _)) if tables.is_compound_surname(&v[..two]) => 2,
        None if tables.is_compound_surname(v) => 2,
        _ if v
            .chars()
            .next()
            .is_some_and(|c| tables.surnames.contains(c)) =>
        {
            1
        }
        _ => return Check::Reject,
    };
    let mut given_chars = v.chars().skip(surname_len);
    let given = given_chars.clone().count();
    if short_key(given_chars.clone())
        .is_some_and(|k| tables.forms_of_address.binary_search(&k).is_ok())
    {
        return Check::Reject;
    }
    let not_in_names = if labelled {
        &tables.not_in_labelled_names
    } else {
        &tables.not_in_names
    };
    if !(1..=2).contains(&given)
        || given_chars.any(|c| not_in_names.contains(c))
        || v.chars()
            .last()
            .is_some_and(|c| tables.label_endings.contains(c))
    {
        return Check::Reject;
    }
    if common_word(v) {
        return Check::Reject;
    }
    Check::Narrow(trimmed_start, trimmed_start + v.len())
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// An English personal name in a labelled field: two or three capitalised words.
pub fn en_person_name(value: &str) -> bool {
    // Every word starts with a capital letter, the first one too: a value that does not
    // (a Chinese name in the same field) is turned away before its words are split.
    if !value
        .trim_start()
        .starts_with(|c: char| c.is_ascii_uppercase())
    {
        return false;
    }
    // Placeholders, and the words that make a capitalised phrase an organisation or a
    // team (`Acme Trading Co`, `Sales Team`): a customer or contact field holds those too.
    const NOT_NAMES: &[&str] = &[
        "The",
        "This",
        "That",
        "Test",
        "User",
        "Admin",
        "Name",
        "First",
        "Last",
        "Full",
        "Your",
        "None",
        "Null",
        "Unknown",
        "Example",
        "Sample",
        "Inc",
        "Ltd",
        "Llc",
        "Co",
        "Corp",
        "Corporation",
        "Company",
        "Group",
        "Trading",
        "Bank",
        "Of",
        "And",
        "Services",
        "Solutions",
        "Technologies",
        "Technology",
        "Systems",
        "Holdings",
        "Partners",
        "International",
        "University",
        "College",
        "School",
        "Hospital",
        "Clinic",
        "Department",
        "Team",
        "Store",
        "Shop",
        "Support",
        "Sales",
        "Service",
        "Office",
        "Center",
        "Centre",
        "Limited",
        "Industries",
        "Enterprises",
        "Agency",
        "Association",
        "Foundation",
        "Resources",
        "Human",
        "Customer",
        "Client",
        "Guest",
        "Member",
        "Staff",
        "Manager",
        "Developer",
        "Developers",
        "Maintainers",
        "Contributors",
        "Authors",
        "Project",
        "Community",
        "Software",
        "Commons",
        "Ecosystem",
        "List",
        // The placeholder people of examples and test data (`John Doe`, `Jane Doe`).
        "Doe",
    ];
    // The verbs that start the title of a step or a task (`- name: Install Rust` in a CI
    // workflow, `name: Deploy Worker` in a playbook): a name key there names an action.
    // Verbs that are also given names (`Mark`, `Grant`, `Bill`) are left out.
    const STEP_VERBS: &[&str] = &[
        "Activate",
        "Add",
        "Apply",
        "Archive",
        "Build",
        "Bump",
        "Cache",
        "Check",
        "Checkout",
        "Clean",
        "Clone",
        "Compile",
        "Configure",
        "Copy",
        "Create",
        "Delete",
        "Deploy",
        "Disable",
        "Download",
        "Dump",
        "Enable",
        "Ensure",
        "Export",
        "Fetch",
        "Format",
        "Generate",
        "Get",
        "Ignore",
        "Import",
        "Install",
        "Lint",
        "Load",
        "Login",
        "Merge",
        "Migrate",
        "Notify",
        "Prepare",
        "Print",
        "Publish",
        "Pull",
        "Push",
        "Release",
        "Remove",
        "Restart",
        "Restore",
        "Run",
        "Save",
        "Send",
        "Set",
        "Setup",
        "Show",
        "Sign",
        "Start",
        "Stop",
        "Sync",
        "Test",
        "Update",
        "Upgrade",
        "Upload",
        "Use",
        "Validate",
        "Verify",
        "Wait",
    ];
    let mut words = value.split_whitespace();
    if words
        .clone()
        .next()
        .is_some_and(|w| STEP_VERBS.contains(&w))
    {
        return false;
    }
    (2..=3).contains(&words.clone().count())
        && words.all(|w| {
            let mut cs = w.chars();
            cs.next().is_some_and(|c| c.is_ascii_uppercase())
                && w.len() >= 2
                && cs.clone().any(|c| c.is_ascii_lowercase())
                && cs.all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-')
                && !NOT_NAMES.contains(&w)
        })
}

/// Province-level names that start an address.
/// The longest province name in bytes (内蒙古, 黑龙江: three characters).
const PROVINCE_BYTES: usize = 9;

const PROVINCES: &[&str] = &[
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
];

/// A postal address: it must contain at least two levels of the administrative hierarchy
/// (province, city, district or county, town or street office) before the road and number
/// parts. Words before the first level (`家住`, `地址是`) are cut off.
pub fn cn_address(value: &str) -> Check {
    address(value, 2, Parts::Road)
}

/// An address after a label (`地址：`) or in a field named for one, where the label is the
/// evidence: one level of the hierarchy (`海淀区中关村大街27号`) is enough.
pub fn cn_address_labelled(value: &str) -> Check {
    address(value, 1, Parts::Road)
}

/// An address of a residential estate or office block without a road
/// (`四川省成都市武侯区玉林小区5栋3单元12号`): the hierarchy (a province, or two levels) and
/// at least two numbered building parts (block, entrance, room) say what it is.
pub fn cn_address_building(value: &str) -> Check {
    address(value, 2, Parts::Building)
}

/// An address after a label or in an address field that names its place down to a road
/// (`山东省青岛市市南区香港中路`) or to one numbered building part
/// (`广东省深圳市南山区科技园南区8栋`), without a house number: two levels of the hierarchy
/// (a city and a district, or a province and a city) say it is a place, and the label says
/// it is where someone lives. Without the label such a phrase is as often a place
/// mentioned in prose, which the other variants leave alone.
pub fn cn_address_area(value: &str) -> Check {
    address(value, 2, Parts::Area)
}

/// A rural address as household registers write it (`河南省周口市郸城县汲冢镇王庄村三组`):
/// a town (镇, 乡) and after it a village (村), below a county or district, with a province
/// or two levels above the town. A street office and its community (`石牌街道华师社区`) are
/// the town and village of a city. Words that only prose uses (的, 了, 我 …) never stand in
/// a place name, so a value holding one is a sentence about places, not an address.
pub fn cn_address_village(value: &str) -> Check {
    // A village part is a 村 or a 社区 (a street office's village): without either the
    // address below rejects the value anyway, after a pass over all of it.
    if !value.contains('村') && !value.contains("社区") {
        return Check::Reject;
    }
    if value.chars().any(|c| {
        matches!(
            c,
            '的' | '了'
                | '是'
                | '在'
                | '我'
                | '你'
                | '他'
                | '她'
                | '们'
                | '这'
                | '那'
                | '说'
                | '个'
                | '吗'
                | '呢'
                | '吧'
                | '和'
                | '到'
        )
    }) {
        return Check::Reject;
    }
    // Three level words in a row are a list of levels (`各市县乡镇村`), not places: a name
    // stands between them in an address, though two may meet (`济南市市中区`, `古镇村`).
    let level = |c: char| matches!(c, '省' | '市' | '县' | '区' | '乡' | '镇' | '村');
    let mut run = 0;
    for c in value.chars() {
        run = if level(c) { run + 1 } else { 0 };
        if run >= 3 {
            return Check::Reject;
        }
    }
    address(value, 3, Parts::Village)
}

/// What an address must hold after its hierarchy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    /// A road (路, 街, 巷…) and a number or building part.
    Road,
    /// Two numbered building parts (号楼, 栋, 单元, 室…), with or without a road.
    Building,
    /// A village (村, 社区) after a town (镇, 乡, 街道).
    Village,
    /// A road or one numbered building part, below two levels of the hierarchy.
    Area,
}

/// An address with at least `min_levels` levels of the hierarchy when no province is named.
fn address(value: &str, min_levels: usize, parts: Parts) -> Check {
    // The address variants check the same value one after another (a record's address
    // cell is the plain rule's match, the building variant's and the labelled field's
    // value): the facts of the last value are kept for the next check on this thread.
    thread_local! {
        static LAST: std::cell::RefCell<(String, Option<AddressFacts>)> =
            const { std::cell::RefCell::new((String::new(), None)) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        let (known, facts) = &mut *last;
        let facts = match facts {
            Some(facts) if known == value => facts,
            _ => {
                known.clear();
                known.push_str(value);
                facts.insert(address_facts(value))
            }
        };
        let complete = match parts {
            Parts::Road => facts.has_road && facts.has_number,
            Parts::Building => facts.building_parts >= 2,
            Parts::Village => facts.village,
            Parts::Area => facts.levels >= 2 && (facts.has_road || facts.building_parts >= 1),
        };
        if !complete {
            return Check::Reject;
        }
        // Where the address starts is looked for only in a complete one.
        let (province_at, unnamed_start) = *facts.start.get_or_insert_with(|| address_start(value));
        match province_at {
            Some(_) if facts.levels < 1 => Check::Reject,
            Some(p) => Check::Narrow(p, value.len()),
            None if facts.levels < min_levels => Check::Reject,
            None => Check::Narrow(unnamed_start, value.len()),
        }
    })
}

/// What [`address`] judges a value by, whatever the variant.
#[derive(Clone, Copy)]
struct AddressFacts {
    /// Levels of the hierarchy, the two-character level words counted once each.
    levels: usize,
    has_road: bool,
    has_number: bool,
    /// A village after a town.
    village: bool,
    /// Parts with their number right before them (`5栋`, `3单元`, `1502室`).
    building_parts: usize,
    /// Once asked for: where a province name starts, when one starts before the first
    /// level marker, and where the address starts when none is named.
    start: Option<(Option<usize>, usize)>,
}

fn address_facts(value: &str) -> AddressFacts {
    // One pass over the characters counts the hierarchy levels and notes road and number
    // parts; the two-character words are recognised from the previous characters, so no
    // substring search runs per candidate.
    let (mut levels, mut has_road, mut has_number) = (0usize, false, false);
    let (mut autonomous, mut street_office) = (false, false);
    // A town seen, and a village after it.
    let (mut town, mut village) = (false, false);
    // Parts with their number right before them (`5栋`, `3单元`, `1502室`).
    let mut building_parts = 0usize;
    let (mut prev2, mut prev) = ('\0', '\0');
    for c in value.chars() {
        match c {
            '镇' | '乡' => {
                levels += 1;
                town = true;
            }
            '省' | '市' | '县' | '州' | '旗' => levels += 1,
            // An estate, a campus or a park (小区, 校区, 园区, 景区…) is not a district.
            // A community (社区) is a street office's village.
            '区' if prev == '社' => village |= town,
            '区' if matches!(
                prev,
                '小' | '校' | '园' | '景' | '城' | '厂' | '营' | '郊' | '禁' | '片' | '分'
            ) => {}
            '区' => {
                levels += 1;
                autonomous |= prev2 == '自' && prev == '治';
            }
            '村' => {
                has_road = true;
                village |= town;
            }
            '路' | '街' | '巷' | '弄' => has_road = true,
            '道' => {
                has_road = true;
                street_office |= prev == '街';
                town |= prev == '街';
            }
            '同' if prev == '胡' => has_road = true,
            '号' | '室' | '栋' | '幢' | '座' => {
                has_number = true;
                // `号楼` is one part: its `楼` adds nothing.
                building_parts += usize::from(prev.is_ascii_alphanumeric() || is_cjk_numeral(prev));
            }
            '元' if prev == '单' => {
                has_number = true;
                building_parts +=
                    usize::from(prev2.is_ascii_alphanumeric() || is_cjk_numeral(prev2));
            }
            _ => {}
        }
        prev2 = prev;
        prev = c;
    }
    // Each of the two-character level words counts once, however often it appears.
    levels += usize::from(autonomous) + usize::from(street_office);
    AddressFacts {
        levels,
        has_road,
        has_number,
        village,
        building_parts,
        start: None,
    }
}

/// Where a complete address starts: `(province name's start, start without one)`.
fn address_start(value: &str) -> (Option<usize>, usize) {
    // A province name after the first level marker is part of a road or estate name
    // (宁波市…中山东路 holds 山东), not where the address starts.
    let first_level = value
        .char_indices()
        .find(|(_, c)| matches!(c, '省' | '市' | '县' | '州' | '区' | '旗'))
        .map_or(value.len(), |(i, _)| i);
    // Only a name starting before the first level counts, so the search stops where such
    // a name would have ended: a province name is at most `PROVINCE_BYTES` long.
    let mut cut = (first_level + PROVINCE_BYTES).min(value.len());
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    let province_at = province_automaton()
        .find(&value[..cut])
        .map(|m| m.start())
        .filter(|p| *p < first_level);
    let unnamed_start = if province_at.is_some() {
        0
    } else {
        // No province name: start two characters before the first city or county marker,
        // the usual length of a city name, unless the value starts later.
        // `州` right before `市` ends a city's own name (福州市, 杭州市); the city marker
        // is the `市`, and starting two characters before the `州` would take in the
        // word before the address (住福州市…).
        let mut chars = value.char_indices().peekable();
        let mut first_marker = None;
        while let Some((i, c)) = chars.next() {
            let city_name = c == '州' && chars.peek().is_some_and(|(_, n)| *n == '市');
            if (c == '市' || c == '县' || c == '州') && !city_name {
                first_marker = Some((i, c));
                break;
            }
        }
        match first_marker {
            Some((i, _)) => value[..i].char_indices().rev().nth(1).map_or(0, |(j, _)| j),
            None => 0,
        }
    };
    (province_at, unnamed_start)
}

/// The numerals that number a block or an entrance in words (`三单元`).
fn is_cjk_numeral(c: char) -> bool {
    matches!(
        c,
        '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
    )
}

/// One automaton over the province names: the leftmost one in a value is where an
/// address starts.
fn province_automaton() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::new(PROVINCES).expect("province names are plain literals")
    })
}

#[cfg(test)]
mod tests;
