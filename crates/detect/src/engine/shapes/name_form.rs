//! The hand-written matcher of the pattern of a Chinese name standing alone in a form
//! (the `cn_form` variant of `person_name`).
//!
//! The pattern is a left edge, the value (a surname and one to four more characters,
//! lazily) and a right edge:
//!
//! ```text
//! (?:LEFT_WORD|^|[LEFT_CHAR]) (?P<v>[SURNAME][\p{Han}·]{1,4}?) (?:$|[RIGHT_CHAR]|RIGHT_WORD)
//! ```
//!
//! The rule fires beside every identifier of dense data, on windows of a few hundred
//! bytes, and the regex answered each with a forward and a reverse lazy-DFA search and a
//! backtracking pass for the value's bounds. Here each start is tried in order: the left
//! edges that begin there (a word first, then the start of the text, then a character:
//! words are Han and the edge characters are not, so at most one of each), then the
//! value with one more character at a time until a right edge follows it.

use super::{decode, decode_at, followed_by, is_han};
use crate::charset::PlaneSet;
use std::sync::OnceLock;

macro_rules! left_words {
    () => {
        "客户|用户|本人|学生|员工|会员|车主|业主|租客|住户|告诉|通知|联系|老婆|老公|妻子|丈夫|爱人|儿子|女儿|父亲|母亲|爸爸|妈妈|哥哥|姐姐|弟弟|妹妹|同事|朋友|同学|邻居|是|叫|跟|和|给|找|让|请|问"
    };
}
macro_rules! left_chars {
    () => {
        "\\s,，、;；:：。!！?？()（）\\[\\]【】<>《》\"“”'‘’|/=_\\-"
    };
}
macro_rules! surnames {
    () => {
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉斯元束檀衣信展阴昝智幸奉植衡富尧闭由上东皇长宇轩令闾端西独太澹濮淳拓百微第"
    };
}
macro_rules! right_chars {
    () => {
        "\\s,，、;；:：。!！?？()（）\\[\\]【】<>《》\"“”'‘’|/=&_\\-0-9A-Za-z"
    };
}
macro_rules! right_words {
    () => {
        "的|在|是|说|讲|来|去|已|等|打|住|家|男|女|身份|手机|电话|号码|证件|地址|银行卡|卡号|邮箱|护照"
    };
}

/// The pattern implemented here, exactly as the rule writes it.
pub(super) const PATTERN: &str = concat!(
    "(?:",
    left_words!(),
    "|^|[",
    left_chars!(),
    "])(?P<v>[",
    surnames!(),
    "][\\p{Han}·]{1,4}?)(?:$|[",
    right_chars!(),
    "]|",
    right_words!(),
    ")"
);

/// The leftmost match in `hay[from..to]` and its value, as the regex of [`PATTERN`] finds
/// them in `hay[..to]` from `from`: `(match start, match end, value start, value end)`.
/// `hay` is UTF-8 and `from`, `to` are character boundaries.
pub(super) fn find(hay: &[u8], from: usize, to: usize) -> Option<(usize, usize, usize, usize)> {
    let hay = &hay[..to.min(hay.len())];
    let t = tables();
    let mut p = from;
    // The first byte at or after `p` that can start a surname: a match starting at `p`
    // has its value within `t.left_max` bytes, so positions further from one are skipped
    // without decoding them (the ASCII cells of a record, the digits of a log line).
    let next_high = |p: usize| {
        hay[p..]
            .iter()
            .position(|&b| b >= t.surname_lead)
            .map_or(hay.len(), |i| p + i)
    };
    let mut high = next_high(p.min(hay.len()));
    while p < hay.len() {
        if high < p {
            high = next_high(p);
        }
        if high == hay.len() {
            return None;
        }
        if high > p + t.left_max {
            let mut q = high - t.left_max;
            while q > p && (0x80..0xC0).contains(&hay[q]) {
                q -= 1;
            }
            p = q;
        }
        let (c, len) = decode(hay, p);
        let edge = t.left.of(c);
        if edge != 0 || p == 0 {
            let word = if edge & STARTS_WORD != 0 {
                word_at(c, hay, p + len, &t.left_words)
            } else {
                None
            };
            let edges = [
                word.map(|more| p + len + more),
                (p == 0).then_some(p),
                (edge & IS_CHAR != 0).then_some(p + len),
            ];
            for q in edges.into_iter().flatten() {
                if let Some((value_end, end)) = value_at(t, hay, q) {
                    return Some((p, end, q, value_end));
                }
            }
        }
        p += len;
    }
    None
}

/// The value starting at `q` and the end of the right edge after it.
fn value_at(t: &Tables, hay: &[u8], q: usize) -> Option<(usize, usize)> {
    let (first, len) = decode_at(hay, q)?;
    if !t.surnames.contains(first) {
        return None;
    }
    let mut x = q + len;
    // `[\p{Han}·]{1,4}?`: one more character at a time until a right edge follows.
    for _ in 0..4 {
        match decode_at(hay, x) {
            Some((c, len)) if c == '·' || is_han(c) => x += len,
            _ => return None,
        }
        let Some((c, len)) = decode_at(hay, x) else {
            // `$`: the end of the text.
            return Some((x, x));
        };
        let edge = t.right.of(c);
        if edge & IS_CHAR != 0 {
            return Some((x, x + len));
        }
        if edge & STARTS_WORD != 0 {
            if let Some(more) = word_at(c, hay, x + len, &t.right_words) {
                return Some((x, x + len + more));
            }
        }
    }
    None
}

/// After a word's first character `c` (the next character starts at `next`): how many
/// more bytes the first word of `words` starting with `c` takes.
fn word_at(c: char, hay: &[u8], next: usize, words: &[Vec<char>]) -> Option<usize> {
    words.iter().filter(|w| w[0] == c).find_map(|w| {
        w[1..].iter().try_fold(0, |more, &d| {
            followed_by(hay, next + more, d).map(|len| more + len)
        })
    })
}

/// The character is in the edge's class.
const IS_CHAR: u8 = 1;
/// The character starts one of the edge's words.
const STARTS_WORD: u8 = 2;

/// What each character is to one edge: a bit mask for ASCII, a set per bit for the rest
/// of the Basic Multilingual Plane (every edge character beyond ASCII is in it, and so is
/// all white space: `\s` is part of every edge class here). The matcher asks for each
/// character of a window, so a lookup is one load rather than a search.
struct Edge {
    ascii: [u8; 128],
    chars: PlaneSet,
    word_starts: PlaneSet,
}

impl Edge {
    fn new(class: &str, words: &[Vec<char>]) -> Edge {
        let mut ascii = [0u8; 128];
        let mut other: Vec<(char, u8)> = Vec::new();
        let mut mark = |c: char, bit: u8| {
            if c.is_ascii() {
                ascii[c as usize] |= bit;
            } else if let Some(e) = other.iter_mut().find(|(o, _)| *o == c) {
                e.1 |= bit;
            } else {
                other.push((c, bit));
            }
        };
        for c in class_chars(class) {
            mark(c, IS_CHAR);
        }
        for w in words {
            mark(w[0], STARTS_WORD);
        }
        if class.contains("\\s") {
            (0u8..128)
                .filter(|b| char::from(*b).is_whitespace())
                .for_each(|b| ascii[usize::from(b)] |= IS_CHAR);
        }
        if class.contains("0-9A-Za-z") {
            (0u8..128)
                .filter(u8::is_ascii_alphanumeric)
                .for_each(|b| ascii[usize::from(b)] |= IS_CHAR);
        }
        assert!(
            other.iter().all(|(c, _)| u32::from(*c) <= 0xFFFF),
            "edge characters are in the Basic Multilingual Plane"
        );
        let has = |bit: u8| {
            other
                .iter()
                .filter(move |(_, b)| b & bit != 0)
                .map(|(c, _)| *c)
        };
        // Every edge class here holds `\s`; no white space lies beyond the plane.
        let space = ('\u{80}'..='\u{FFFF}').filter(|c| c.is_whitespace());
        Edge {
            ascii,
            chars: PlaneSet::new(has(IS_CHAR).chain(space)),
            word_starts: PlaneSet::new(has(STARTS_WORD)),
        }
    }

    fn of(&self, c: char) -> u8 {
        if c.is_ascii() {
            return self.ascii[c as usize];
        }
        let bit = |set: &PlaneSet, bit: u8| if set.contains(c) { bit } else { 0 };
        bit(&self.chars, IS_CHAR) | bit(&self.word_starts, STARTS_WORD)
    }
}

/// The pattern's pieces, ready for lookups.
struct Tables {
    left: Edge,
    right: Edge,
    left_words: Vec<Vec<char>>,
    right_words: Vec<Vec<char>>,
    /// The surnames (all in the Basic Multilingual Plane): one is looked up after every
    /// left edge.
    surnames: PlaneSet,
    /// The smallest first byte of a surname's UTF-8 form.
    surname_lead: u8,
    /// The most bytes a left edge takes (a word or a character).
    left_max: usize,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let left_words = words(left_words!());
        let right_words = words(right_words!());
        assert!(
            surnames!().chars().all(|c| u32::from(c) <= 0xFFFF),
            "surnames are in the Basic Multilingual Plane"
        );
        let surnames = PlaneSet::new(surnames!().chars());
        let surname_lead = surnames!()
            .chars()
            .map(|c| c.encode_utf8(&mut [0; 4]).as_bytes()[0])
            .min()
            .expect("surnames");
        // Non-ASCII white space, which `\s` holds, takes at most three bytes.
        let left_max = left_words
            .iter()
            .map(|w| w.iter().map(|c| c.len_utf8()).sum::<usize>())
            .chain(class_chars(left_chars!()).iter().map(|c| c.len_utf8()))
            .chain([3])
            .max()
            .expect("left edges");
        Tables {
            surname_lead,
            left_max,
            left: Edge::new(left_chars!(), &left_words),
            right: Edge::new(right_chars!(), &right_words),
            left_words,
            right_words,
            surnames,
        }
    })
}

/// The words of an alternation (`a|b|c`), in its order.
fn words(alternation: &str) -> Vec<Vec<char>> {
    alternation
        .split('|')
        .map(|w| w.chars().collect())
        .collect()
}

/// The literal characters of a class's text: escapes are undone, and `\s` and the ASCII
/// ranges, which [`Edge::new`] adds on its own, are left out.
fn class_chars(class: &str) -> Vec<char> {
    let class = class.replace("\\s", "").replace("0-9A-Za-z", "");
    let mut out = Vec::new();
    let mut chars = class.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().unwrap_or(c)
        } else {
            c
        });
    }
    out
}
