//! `leakscope bench accuracy`: a labelled corpus in the shapes real leaks take, scanned by
//! the real pipeline, scored per detector.
//!
//! The generator writes chat logs, CSV exports with and without a header row, JSON Lines,
//! an SQL dump, an SQLite database, a GBK-encoded text, full-width digits, server logs, a
//! zipped export and a decoy-heavy metrics table. Every personal value it writes is
//! recorded as a label (file, detector, value as written); every look-alike it writes
//! (order, waybill and invoice numbers, timestamps, hashes, versions, metrics) is recorded
//! as a decoy. The scan runs as a child process of this binary, exactly as a user runs it
//! (`scan --no-db --format jsonl --show-values`), so decoders, record assembly and the
//! engine are all measured. The values are synthetic; raw values only pass through the
//! pipe between the two processes and are compared in memory.
//!
//! A finding matches a label when file, detector and normalised value agree (full-width
//! forms folded, separators dropped, letters upper-cased). Values repeated in one file are
//! counted once, so each figure is about distinct values per file.

use anyhow::{bail, Context, Result};
use leakscope_generate::corpus::{id_check, luhn_complete, Rng};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// Detectors whose values carry a checksum: the 0.99 bar.
const CHECKSUMMED: &[&str] = &[
    "cn_resident_id",
    "cn_uscc",
    "bank_card",
    "hk_id",
    "tw_id",
    "imsi",
    "imei",
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖",
    "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈",
    "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "廖", "贾", "夏", "韦", "傅", "白", "邹",
    "孟", "熊", "秦", "邱", "尹", "薛", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝",
    "龚", "邵", "钱", "严", "戴", "莫", "孔", "汤", "欧阳", "司马", "上官", "诸葛",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "超",
    "霞", "刚", "斌", "宇", "浩", "凯", "鹏", "婷", "雪", "琳", "欣", "颖", "倩", "慧", "莉", "洁",
    "博", "帆", "秀英", "桂英", "建华", "建国", "志强", "晓东", "海燕", "玉兰", "子涵", "梓轩",
    "雨桐", "思远", "嘉怡", "俊杰", "秀兰", "立新", "春梅", "丽娟", "文静", "宏伟", "晓明", "佳琪",
    "雅婷", "振华", "国庆", "淑珍", "亚楠", "浩然", "一鸣", "诗涵",
];
const PLACES: &[(&str, &str, &[&str])] = &[
    ("北京市", "朝阳区", &["建国路", "朝阳北路", "望京街"]),
    ("上海市", "浦东新区", &["世纪大道", "张杨路", "陆家嘴环路"]),
    (
        "广东省广州市",
        "天河区",
        &["天河路", "黄埔大道", "体育西路"],
    ),
    (
        "广东省深圳市",
        "南山区",
        &["深南大道", "科苑路", "南海大道"],
    ),
    ("浙江省杭州市", "西湖区", &["文三路", "天目山路", "教工路"]),
    ("宁波市", "鄞州区", &["天童南路", "钱湖北路", "中山东路"]),
    ("江苏省南京市", "鼓楼区", &["中山北路", "湖南路", "汉中路"]),
    (
        "四川省成都市",
        "武侯区",
        &["人民南路", "科华北路", "武侯祠大街"],
    ),
    (
        "湖北省武汉市",
        "洪山区",
        &["珞喻路", "雄楚大道", "民族大道"],
    ),
    ("重庆市", "渝中区", &["解放碑步行街", "中山三路", "民生路"]),
];
const ESTATES: &[&str] = &["翠苑小区", "阳光花园", "锦绣家园", "金色港湾", "幸福里"];
/// Counties of rural addresses (province, city, county) and their towns and villages, as
/// household registers write them.
const COUNTIES: &[(&str, &str, &str)] = &[
    ("河南省", "周口市", "郸城县"),
    ("四川省", "南充市", "仪陇县"),
    ("湖南省", "邵阳市", "隆回县"),
    ("河北省", "保定市", "涞源县"),
    ("山东省", "菏泽市", "曹县"),
    ("广西壮族自治区", "桂林市", "全州县"),
];
const TOWNS: &[&str] = &["汲冢镇", "马鞍镇", "桃洪镇", "南屯乡", "城关镇", "双河乡"];
const VILLAGES: &[&str] = &["王庄村", "新政村", "大水田村", "南屯村", "李楼村", "石桥村"];
const REGIONS: &[&str] = &[
    "110105", "310115", "440106", "440305", "330106", "330212", "320106", "510107", "420111",
    "500103",
];

/// What the scorer compares against.
#[derive(Default)]
struct Truth {
    /// (file, detector, normalised value).
    labels: BTreeSet<(String, String, String)>,
    /// (file, normalised value) of look-alikes that must not be reported.
    decoys: BTreeSet<(String, String)>,
}

/// Builds labelled values and decoys.
struct Labeller {
    rng: Rng,
    truth: Truth,
    file: String,
}

impl Labeller {
    fn label(&mut self, detector: &str, value: &str) -> String {
        self.truth
            .labels
            .insert((self.file.clone(), detector.to_string(), normalise(value)));
        value.to_string()
    }

    fn decoy(&mut self, value: String) -> String {
        self.truth
            .decoys
            .insert((self.file.clone(), normalise(&value)));
        value
    }

    fn name(&mut self) -> String {
        let v = format!("{}{}", self.rng.pick(SURNAMES), self.rng.pick(GIVEN));
        self.label("person_name", &v)
    }

    /// A name whose given part holds a character that beside a surname mostly spells an
    /// everyday word (天, 可, 中, 大 …): a name only where something announces it.
    fn announced_name(&mut self) -> String {
        let v = format!(
            "{}{}",
            self.rng.pick(SURNAMES),
            self.rng.pick(&[
                "天宇", "可欣", "中华", "大伟", "为民", "天明", "可馨", "有才"
            ])
        );
        self.label("person_name", &v)
    }

    /// A mobile number's shape that is a machine's counter, not a phone: a decoy.
    fn counter_like_mobile(&mut self) -> String {
        let v = format!("13{}", self.rng.digits(9));
        self.decoy(v)
    }

    /// A password as people choose them for services: a word, a symbol, digits, a tail.
    fn password(&mut self) -> String {
        let v = format!(
            "{}{}{}{}",
            self.rng
                .pick(&["Crm", "Tiger", "Blue", "Dragon", "Moon", "Prod", "Data", "Oa"]),
            self.rng.pick(&["#", "@", "!", "$", "%", "&", "*", "_"]),
            self.rng.digits(4),
            self.rng.pick(&["x", "Q", "kz", "Pw", "!", "ab"])
        );
        self.label("generic_password", &v)
    }

    fn english_name(&mut self) -> String {
        let first = *self.rng.pick(&[
            "John", "Mary", "David", "Linda", "Wei", "Min", "Jing", "Michael", "Sarah",
        ]);
        let last = *self.rng.pick(&[
            "Smith", "Chen", "Wang", "Johnson", "Li", "Brown", "Zhang", "Lee", "Garcia",
        ]);
        let v = format!("{first} {last}");
        self.label("person_name", &v)
    }

    fn resident_id(&mut self) -> String {
        let region = *self.rng.pick(REGIONS);
        let (y, m, d) = (
            1950 + self.rng.below(55),
            1 + self.rng.below(12),
            1 + self.rng.below(28),
        );
        let body = format!("{region}{y}{m:02}{d:02}{}", self.rng.digits(3));
        let check = id_check(&body);
        let check = if self.rng.below(3) == 0 {
            check.to_ascii_lowercase()
        } else {
            check
        };
        let v = format!("{body}{check}");
        self.label("cn_resident_id", &v)
    }

    fn mobile(&mut self) -> String {
        let prefix = *self.rng.pick(&[
            "138", "139", "186", "159", "177", "199", "135", "150", "188", "152",
        ]);
        let d = self.rng.digits(8);
        let v = match self.rng.below(8) {
            0 => format!("{prefix} {} {}", &d[..4], &d[4..]),
            1 => format!("{prefix}-{}-{}", &d[..4], &d[4..]),
            2 => format!("+86 {prefix}{d}"),
            _ => format!("{prefix}{d}"),
        };
        self.label("cn_mobile", &v)
    }

    /// A mobile written plainly, for cells and columns that hold nothing else.
    fn plain_mobile(&mut self) -> String {
        let prefix = *self.rng.pick(&[
            "138", "139", "186", "159", "177", "199", "135", "150", "188", "152",
        ]);
        let v = format!("{prefix}{}", self.rng.digits(8));
        self.label("cn_mobile", &v)
    }

    fn landline(&mut self) -> String {
        let v = match self.rng.below(3) {
            0 => format!("010-{}{}", 5 + self.rng.below(4), self.rng.digits(7)),
            1 => format!("0755-{}{}", 2 + self.rng.below(7), self.rng.digits(7)),
            _ => format!("(0571)8{}", self.rng.digits(7)),
        };
        self.label("cn_landline", &v)
    }

    fn bank_card(&mut self) -> String {
        let prefix = *self.rng.pick(&["62220", "62148", "62170", "62284"]);
        let v = luhn_complete(&format!("{prefix}{}", self.rng.digits(13)));
        self.label("bank_card", &v)
    }

    /// An address that stops at its road or at one numbered building part, as forms and
    /// registers often hold it: an address only where a label or a field says so.
    fn area_address(&mut self) -> String {
        let (city, district, roads) = *self.rng.pick(PLACES);
        let v = if self.rng.below(2) == 0 {
            format!("{city}{district}{}", self.rng.pick(roads))
        } else {
            format!(
                "{city}{district}{}{}{}",
                self.rng.pick(ESTATES),
                1 + self.rng.below(30),
                self.rng.pick(&["栋", "号楼", "单元"])
            )
        };
        self.label("cn_address", &v)
    }

    fn address(&mut self) -> String {
        let (city, district, roads) = *self.rng.pick(PLACES);
        let road = *self.rng.pick(roads);
        let number = 1 + self.rng.below(400);
        let v = match self.rng.below(5) {
            0 => format!("{city}{district}{road}{number}号"),
            // A city's street office and community, as registers give them.
            4 if self.rng.below(4) == 0 => format!(
                "{city}{district}{}街道{}社区",
                self.rng.pick(&["石牌", "湖滨", "南湖", "新华"]),
                self.rng.pick(&["华师", "东园", "桂花", "民主"])
            ),
            // A rural address: town, village and the village's group, no road.
            4 => {
                let (province, city, county) = *self.rng.pick(COUNTIES);
                let group = match self.rng.below(3) {
                    0 => String::new(),
                    1 => format!("{}组", 1 + self.rng.below(12)),
                    _ => format!("{}组", self.rng.pick(&["一", "三", "五", "七"])),
                };
                format!(
                    "{province}{city}{county}{}{}{group}",
                    self.rng.pick(TOWNS),
                    self.rng.pick(VILLAGES)
                )
            }
            // An estate or office block named without its road.
            3 => format!(
                "{city}{district}{}{}{}{}室",
                self.rng.pick(ESTATES),
                1 + self.rng.below(30),
                self.rng.pick(&["栋", "幢", "号楼", "座"]),
                101 + self.rng.below(1800)
            ),
            1 => format!(
                "{city}{district}{road}{number}号{}{}栋{}单元{}室",
                self.rng.pick(ESTATES),
                1 + self.rng.below(30),
                1 + self.rng.below(6),
                101 + self.rng.below(1800)
            ),
            _ => format!(
                "{city}{district}{road}{number}号{}栋{}室",
                1 + self.rng.below(20),
                101 + self.rng.below(900)
            ),
        };
        self.label("cn_address", &v)
    }

    fn email(&mut self) -> String {
        let user = *self.rng.pick(&[
            "wang.fang",
            "lijun88",
            "zhang_wei",
            "chen.jing",
            "liuyang2019",
        ]);
        let domain = *self
            .rng
            .pick(&["qq.com", "163.com", "126.com", "sina.com", "example.cn"]);
        let v = format!("{user}{}@{domain}", self.rng.below(1000));
        self.label("email", &v)
    }

    fn gps(&mut self) -> (String, String) {
        // Six decimals ending in a non-zero digit, so a JSON number prints as written.
        let part = |rng: &mut Rng, whole: u64| {
            let decimals = rng.below(100_000) * 10 + 1 + rng.below(9);
            format!("{whole}.{decimals:06}")
        };
        let (lat_whole, lng_whole) = (22 + self.rng.below(18), 103 + self.rng.below(19));
        let lat = part(&mut self.rng, lat_whole);
        let lng = part(&mut self.rng, lng_whole);
        self.label("gps", &format!("{lat},{lng}"));
        (lat, lng)
    }

    fn ipv4(&mut self) -> String {
        // A host's public or private address: never loopback (127/8), which is nobody's.
        let first = match 1 + self.rng.below(222) {
            127 => 128,
            n => n,
        };
        let v = format!(
            "{}.{}.{}.{}",
            first,
            self.rng.below(256),
            self.rng.below(256),
            1 + self.rng.below(254)
        );
        self.label("ipv4", &v)
    }

    fn hk_id(&mut self) -> String {
        let letter = char::from(b'A' + self.rng.below(26) as u8);
        let digits = self.rng.digits(6);
        // A single-letter number is weighed as if a space (value 36) came first.
        let mut sum = 36 * 9 + (u32::from(letter as u8 - b'A') + 10) * 8;
        for (i, c) in digits.bytes().enumerate() {
            sum += u32::from(c - b'0') * (7 - i as u32);
        }
        let check = match (11 - sum % 11) % 11 {
            10 => 'A',
            n => char::from(b'0' + n as u8),
        };
        let v = if self.rng.below(2) == 0 {
            format!("{letter}{digits}({check})")
        } else {
            format!("{letter}{digits}{check}")
        };
        self.label("hk_id", &v)
    }

    fn tw_id(&mut self) -> String {
        const CODES: [u32; 26] = [
            10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29,
            32, 30, 31, 33,
        ];
        let l = self.rng.below(26) as usize;
        let body = format!("{}{}", 1 + self.rng.below(2), self.rng.digits(7));
        let code = CODES[l];
        let mut sum = code / 10 + (code % 10) * 9;
        for (i, c) in body.bytes().enumerate() {
            sum += u32::from(c - b'0') * (8 - i as u32);
        }
        let check = (10 - sum % 10) % 10;
        let v = format!("{}{body}{check}", char::from(b'A' + l as u8));
        self.label("tw_id", &v)
    }

    fn imsi(&mut self) -> String {
        let mnc = *self.rng.pick(&["00", "01", "02", "03", "11"]);
        let v = format!("460{mnc}{}", self.rng.digits(10));
        self.label("imsi", &v)
    }

    fn imei(&mut self) -> String {
        let v = luhn_complete(&format!("86{}", self.rng.digits(12)));
        self.label("imei", &v)
    }

    /// A hardware address in one of the forms devices print, its first groups sometimes
    /// letters only (`AB:CD:EF:…`), which no digit announces.
    fn mac(&mut self) -> String {
        let letters_first = self.rng.below(4) == 0;
        let bytes: Vec<u8> = (0..6)
            .map(|i| {
                if letters_first && i < 3 {
                    (0xA + self.rng.below(6) as u8) << 4 | (0xA + self.rng.below(6) as u8)
                } else {
                    self.rng.below(256) as u8
                }
            })
            .collect();
        let hex = |b: &u8| format!("{b:02x}");
        let pairs: Vec<String> = bytes.iter().map(hex).collect();
        let v = match self.rng.below(4) {
            0 => pairs.join(":"),
            1 => pairs.join(":").to_ascii_uppercase(),
            2 => pairs.join("-").to_ascii_uppercase(),
            _ => format!(
                "{}{}.{}{}.{}{}",
                pairs[0], pairs[1], pairs[2], pairs[3], pairs[4], pairs[5]
            ),
        };
        self.label("mac_address", &v)
    }

    fn uscc(&mut self) -> String {
        const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        const WEIGHTS: [usize; 17] = [
            1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
        ];
        let region = *self.rng.pick(REGIONS);
        let org: String = (0..9)
            .map(|_| char::from(ALPHABET[self.rng.below(31) as usize]))
            .collect();
        let body = format!("91{region}{org}");
        let sum: usize = body
            .bytes()
            .zip(WEIGHTS)
            .map(|(c, w)| ALPHABET.iter().position(|a| *a == c).unwrap_or(0) * w)
            .sum();
        let check = char::from(ALPHABET[(31 - sum % 31) % 31]);
        let v = format!("{body}{check}");
        self.label("cn_uscc", &v)
    }

    fn order_no(&mut self) -> String {
        let v = format!("{}{}", 2020 + self.rng.below(6), self.rng.digits(14));
        self.decoy(v)
    }

    fn waybill(&mut self) -> String {
        let v = format!("SF{}", self.rng.digits(12));
        self.decoy(v)
    }

    fn invoice_code(&mut self) -> String {
        let region = *self.rng.pick(&["4403", "1100", "3301", "4400", "3100"]);
        let v = format!("0{region}{}", self.rng.digits(7));
        self.decoy(v)
    }

    fn metric(&mut self) -> String {
        format!("{}.{:04}", self.rng.below(100), self.rng.below(10_000))
    }
}

/// Folds full-width forms, drops everything but letters, digits, Han characters and dots,
/// and upper-cases ASCII: how a finding's value is compared with a label's.
fn normalise(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_alphanumeric() || *c == '.')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn full_width(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Writes the corpus into `dir` (created) and returns its labels and decoys.
fn write_corpus(dir: &Path, seed: u64, rows: usize) -> Result<Truth> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut l = Labeller {
        rng: Rng::new(seed),
        truth: Truth::default(),
        file: String::new(),
    };
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        std::fs::write(dir.join(name), bytes).with_context(|| format!("writing {name}"))
    };

    l.file = "chat.txt".into();
    write("chat.txt", chat(&mut l, rows * 3).as_bytes())?;

    l.file = "people.csv".into();
    let mut csv = String::from("姓名,身份证号,手机号,住址,银行卡号,订单号\n");
    for _ in 0..rows {
        let row = [
            l.name(),
            l.resident_id(),
            l.mobile(),
            l.address(),
            l.bank_card(),
            l.order_no(),
        ];
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    write("people.csv", csv.as_bytes())?;

    // A hotel register exported on Windows: CRLF line ends, and a header cell that starts
    // with a surname character (曾用名, "former name").
    l.file = "checkin_windows.csv".into();
    let mut csv = String::from("入住时间,姓名,曾用名,证件号码,手机,房号\r\n");
    for _ in 0..rows / 2 {
        let row = [
            l.rng.timestamp(),
            l.name(),
            l.name(),
            l.resident_id(),
            l.mobile(),
            format!("{}", 800 + l.rng.below(400)),
        ];
        csv.push_str(&row.join(","));
        csv.push_str("\r\n");
    }
    write("checkin_windows.csv", csv.as_bytes())?;

    l.file = "no_header.csv".into();
    let mut csv = String::new();
    for _ in 0..rows {
        let row = [l.name(), l.resident_id(), l.mobile(), l.address()];
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    write("no_header.csv", csv.as_bytes())?;

    // A payment app's bill: a preamble padded to the table's width above the header, and
    // merchant order numbers that pass Luhn with a card's prefix (decoys).
    l.file = "wechat_bill.csv".into();
    let mut csv = String::from(
        "微信支付账单明细,,,,,\n微信昵称：[小王],,,,,\n起始时间：[2023-01-01 00:00:00],,,,,\n,,,,,\n\
         ----------------------微信支付账单明细列表--------------------,,,,,\n\
         交易时间,交易对方,金额(元),当前状态,交易单号,商户单号\n",
    );
    for _ in 0..rows / 4 {
        let merchant_no = luhn_complete(&format!("6225{}", l.rng.digits(14)));
        let merchant_no = l.decoy(merchant_no);
        let _ = writeln!(
            csv,
            "2023-02-{:02} 12:{:02}:00,美团,¥{}.{:02},支付成功,4200001{}\t,{merchant_no}\t",
            1 + l.rng.below(28),
            l.rng.below(60),
            1 + l.rng.below(200),
            l.rng.below(100),
            l.rng.digits(21)
        );
    }
    write("wechat_bill.csv", csv.as_bytes())?;

    // A sheet saved as CSV with its title cell above the header, and names whose given
    // part only a field named for names lets through.
    l.file = "titled_export.csv".into();
    let mut csv = String::from("2023年第三季度客户回访名单,,,\n序号,客户姓名,联系方式,回访结果\n");
    for i in 0..rows / 4 {
        let _ = writeln!(
            csv,
            "{},{},{},{}",
            i + 1,
            l.announced_name(),
            l.mobile(),
            l.rng.pick(&["满意", "一般", "未接通"])
        );
    }
    write("titled_export.csv", csv.as_bytes())?;

    l.file = "users.jsonl".into();
    let mut jsonl = String::new();
    for i in 0..rows {
        let (lat, lng) = l.gps();
        let record = serde_json::json!({
            "id": i + 1,
            "name": l.name(),
            "phone": l.mobile(),
            "email": l.email(),
            "location": { "lat": lat.parse::<f64>().unwrap_or(0.0), "lng": lng.parse::<f64>().unwrap_or(0.0) },
            "order_no": l.order_no(),
            "trace": l.rng.hex(32),
        });
        jsonl.push_str(&record.to_string());
        jsonl.push('\n');
    }
    write("users.jsonl", jsonl.as_bytes())?;

    // One JSON document per shop, as an API returns one entity: the shop's GeoJSON point
    // is an array of two numbers that no array of records holds.
    l.file = "shops".into();
    std::fs::create_dir_all(dir.join("shops")).context("creating shops")?;
    for i in 0..rows / 8 {
        let (lat, lng) = l.gps();
        let number = |v: &str| v.parse::<f64>().unwrap_or(0.0);
        let doc = serde_json::json!({
            "shop_id": i + 1,
            "manager": l.name(),
            "geo": {"type": "Point", "coordinates": [number(&lng), number(&lat)]},
        });
        let text = serde_json::to_string_pretty(&doc).context("writing a shop")?;
        write(&format!("shops/{i:03}.json"), text.as_bytes())?;
    }

    l.file = "dump.sql".into();
    let mut sql = String::from("-- MySQL dump\nCREATE TABLE `customer` (`id` int, `real_name` varchar(32), `id_card` varchar(18), `mobile` varchar(11), `address` varchar(128), `invoice_code` varchar(12));\n");
    for chunk in 0..rows.div_ceil(50) {
        sql.push_str("INSERT INTO `customer` (`id`,`real_name`,`id_card`,`mobile`,`address`,`invoice_code`) VALUES ");
        let n = 50.min(rows - chunk * 50);
        let tuples: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "({},'{}','{}','{}','{}','{}')",
                    chunk * 50 + i + 1,
                    l.name(),
                    l.resident_id(),
                    l.mobile(),
                    l.address(),
                    l.invoice_code()
                )
            })
            .collect();
        sql.push_str(&tuples.join(","));
        sql.push_str(";\n");
    }
    // mysqldump's default: the columns only in CREATE TABLE (pinyin names and comments, as
    // government and hospital systems write them), the rows without a column list.
    sql.push_str("CREATE TABLE `t_ry` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `xm` varchar(32) DEFAULT NULL COMMENT '姓名',\n  `sfzh` varchar(18) DEFAULT NULL,\n  `lat` decimal(10,6) DEFAULT NULL,\n  `lng` decimal(10,6) DEFAULT NULL,\n  `mac` varchar(17) DEFAULT NULL,\n  `c7` varchar(128) DEFAULT NULL COMMENT '家庭住址',\n  PRIMARY KEY (`id`),\n  KEY `idx_sfzh` (`sfzh`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n");
    let tuples: Vec<String> = (0..rows / 4)
        .map(|i| {
            let (lat, lng) = l.gps();
            format!(
                "({},'{}','{}',{lat},{lng},'{}','{}')",
                i + 1,
                l.name(),
                l.resident_id(),
                l.mac(),
                l.address()
            )
        })
        .collect();
    sql.push_str(&format!(
        "INSERT INTO `t_ry` VALUES {};\n",
        tuples.join(",")
    ));
    write("dump.sql", sql.as_bytes())?;

    l.file = "records_gbk.txt".into();
    let mut text = String::new();
    for _ in 0..rows {
        let address = if l.rng.below(4) == 0 {
            l.area_address()
        } else {
            l.address()
        };
        let _ = writeln!(
            text,
            "姓名：{}，身份证号：{}，手机：{}，住址：{address}",
            l.name(),
            l.resident_id(),
            l.mobile(),
        );
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    write("records_gbk.txt", &gbk)?;

    l.file = "fullwidth.txt".into();
    let mut text = String::new();
    for _ in 0..rows / 2 {
        // The value as written is full-width; the label holds it as written.
        let id = full_width(&l.resident_id());
        let mobile = full_width(&l.mobile());
        let _ = writeln!(text, "身份证号：{id}　手机：{mobile}");
    }
    write("fullwidth.txt", text.as_bytes())?;

    l.file = "server.log".into();
    let mut log = String::new();
    for _ in 0..rows * 2 {
        let ts = l.rng.timestamp();
        match l.rng.below(7) {
            // A payment callback's order number (Luhn-valid by chance, a card's prefix)
            // and metrics whose values have a mobile's shape: decoys all.
            6 => {
                let trade = luhn_complete(&format!("62{}", l.rng.digits(16)));
                let trade = l.decoy(trade);
                let size = l.counter_like_mobile();
                let took = l.counter_like_mobile();
                let _ = writeln!(
                    log,
                    "{ts} INFO pay notify out_trade_no={trade}&total_fee=100 rx_bytes: {size} duration_us={took}"
                );
            }
            0 => {
                let (lat, lng) = l.gps();
                let _ = writeln!(log, "{ts} INFO device report GPS:{lat},{lng} battery=87");
            }
            // A form submitted by GET: the name and address percent-encoded in the URL.
            5 => {
                let encode = |s: &str| {
                    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                };
                let (name, address) = (l.name(), l.address());
                let _ = writeln!(
                    log,
                    "{ts} INFO GET /api/register?name={}&mobile={}&addr={} 200",
                    encode(&name),
                    l.plain_mobile(),
                    encode(&address)
                );
            }
            1 => {
                let sha = l.rng.hex(40);
                let version = format!(
                    "2.{}.{}.{}",
                    l.rng.below(10),
                    l.rng.below(30),
                    l.rng.below(300)
                );
                let version = l.decoy(version);
                let _ = writeln!(log, "{ts} DEBUG build sha={sha} version={version}");
            }
            2 => {
                let network = format!("58.{}.0.0", l.rng.below(200));
                let network = l.decoy(network);
                let _ = writeln!(log, "{ts} WARN route {network}/16 dropped");
            }
            _ => {
                let ip = l.ipv4();
                let req = l.rng.hex(16);
                let _ = writeln!(
                    log,
                    "{ts} INFO client={ip} req={req} GET /api/v1/orders/{} 200 {}ms",
                    l.order_no(),
                    l.rng.below(900)
                );
            }
        }
    }
    write("server.log", log.as_bytes())?;

    l.file = "metrics.csv".into();
    let mut csv = String::from("ts,host,cpu,mem,order_no,invoice_code,waybill,amount\n");
    for _ in 0..rows * 2 {
        let cpu = l.metric();
        let mem = l.metric();
        l.decoy(format!("{cpu},{mem}"));
        let _ = writeln!(
            csv,
            "{},web-{},{},{},{},{},{},{}.{:02}",
            l.rng.timestamp(),
            l.rng.below(40),
            cpu,
            mem,
            l.order_no(),
            l.invoice_code(),
            l.waybill(),
            l.rng.below(100_000),
            l.rng.below(100)
        );
    }
    write("metrics.csv", csv.as_bytes())?;

    l.file = "hr.json".into();
    let mut staff = Vec::new();
    for _ in 0..rows / 2 {
        staff.push(serde_json::json!({
            "full_name": l.name(),
            "hkid": l.hk_id(),
            "tw_id": l.tw_id(),
            "mobile": l.mobile(),
            "employer_uscc": l.uscc(),
            "device": { "imsi": l.imsi(), "imei": l.imei() },
            "office_tel": l.landline(),
        }));
    }
    write("hr.json", serde_json::to_string_pretty(&staff)?.as_bytes())?;

    l.file = "members.db".into();
    let db_path = dir.join("members.db");
    let _ = std::fs::remove_file(&db_path);
    {
        let conn = rusqlite::Connection::open(&db_path)?;
        conn.execute_batch(
            "CREATE TABLE member (id INTEGER PRIMARY KEY, name TEXT, id_card TEXT, phone TEXT, card_no TEXT, address TEXT);",
        )?;
        let tx = conn.unchecked_transaction()?;
        for _ in 0..rows {
            tx.execute(
                "INSERT INTO member (name, id_card, phone, card_no, address) VALUES (?1, ?2, ?3, ?4, ?5)",
                [l.name(), l.resident_id(), l.mobile(), l.bank_card(), l.address()],
            )?;
        }
        tx.commit()?;
    }

    l.file = "hotel_checkin.csv".into();
    let mut csv = String::from("GUEST_NAME,ID_TYPE,ID_NO,ROOM_NO,CHECKIN_TIME,MOBILE,ADDRESS\n");
    for _ in 0..rows {
        let room = format!("{}{:02}", 2 + l.rng.below(20), 1 + l.rng.below(40));
        let address = if l.rng.below(4) == 0 {
            l.area_address()
        } else {
            l.address()
        };
        let _ = writeln!(
            csv,
            "{},身份证,{},{room},{},{},{address}",
            l.name(),
            l.resident_id(),
            l.rng.timestamp(),
            l.plain_mobile(),
        );
    }
    write("hotel_checkin.csv", csv.as_bytes())?;

    l.file = "household.tsv".into();
    let mut tsv = String::from("户号\t户主姓名\t与户主关系\t姓名\t公民身份号码\t出生日期\t住址\n");
    for h in 0..rows / 2 {
        let head = l.name();
        let address = l.address();
        for relation in ["户主", "配偶", "子"] {
            let _ = writeln!(
                tsv,
                "{:09}\t{head}\t{relation}\t{}\t{}\t19{}-{:02}-{:02}\t{address}",
                100_000 + h,
                l.name(),
                l.resident_id(),
                50 + l.rng.below(50),
                1 + l.rng.below(12),
                1 + l.rng.below(28)
            );
        }
    }
    write("household.tsv", tsv.as_bytes())?;

    l.file = "waybills.csv".into();
    let mut csv =
        String::from("运单号,寄件人,寄件人电话,寄件地址,收件人,收件人电话,收件地址,重量kg\n");
    for _ in 0..rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{}.{}",
            l.waybill(),
            l.name(),
            l.plain_mobile(),
            l.address(),
            l.name(),
            l.plain_mobile(),
            l.address(),
            l.rng.below(30),
            l.rng.below(10)
        );
    }
    write("waybills.csv", csv.as_bytes())?;

    l.file = "api_users.json".into();
    let mut users = Vec::new();
    for i in 0..rows {
        let keys: [&str; 5] = match i % 4 {
            // Pinyin initials, as many government systems name their columns.
            3 => ["khxm", "zjhm", "lxdh", "hjdz", "yhkh"],
            0 => [
                "realName",
                "idCard",
                "phoneNumber",
                "homeAddress",
                "bankCardNo",
            ],
            1 => ["userName", "certNo", "mobilePhone", "addr", "cardNo"],
            _ => ["xm", "sfzh", "sjhm", "dz", "yhkh"],
        };
        let mut user = serde_json::Map::new();
        user.insert("uid".into(), serde_json::json!(1_000_000 + i));
        user.insert(keys[0].into(), serde_json::json!(l.name()));
        user.insert(keys[1].into(), serde_json::json!(l.resident_id()));
        user.insert(keys[2].into(), serde_json::json!(l.plain_mobile()));
        let address = if i % 4 == 3 {
            l.area_address()
        } else {
            l.address()
        };
        user.insert(keys[3].into(), serde_json::json!(address));
        user.insert(keys[4].into(), serde_json::json!(l.bank_card()));
        user.insert("createTime".into(), serde_json::json!(l.rng.timestamp()));
        users.push(serde_json::Value::Object(user));
    }
    let body = serde_json::json!({ "code": 0, "data": { "list": users } });
    write("api_users.json", serde_json::to_string(&body)?.as_bytes())?;

    // What `mongoexport` writes by default: one extended-JSON document per line, in a file
    // named `.json`.
    l.file = "members_export.json".into();
    let mut lines = String::new();
    for i in 0..rows / 2 {
        let (lat, lng) = l.gps();
        // Half the documents keep the place as MongoDB's geospatial indexes want it: a
        // GeoJSON point, longitude first.
        let place = if i % 2 == 0 {
            serde_json::json!({ "lat": lat.parse::<f64>()?, "lng": lng.parse::<f64>()?, "orderNo": l.order_no() })
        } else {
            serde_json::json!({ "loc": { "type": "Point", "coordinates": [lng.parse::<f64>()?, lat.parse::<f64>()?] }, "orderNo": l.order_no() })
        };
        let doc = serde_json::json!({
            "_id": { "$oid": format!("65a1{:020x}", i) },
            "profile": { "name": l.name(), "idNo": l.resident_id() },
            "contact": { "tel": l.plain_mobile(), "address": l.address() },
            "lastLogin": place,
        });
        lines.push_str(&serde_json::to_string(&doc)?);
        lines.push('\n');
    }
    write("members_export.json", lines.as_bytes())?;

    l.file = "contacts_en.csv".into();
    let mut csv = String::from("full_name,email,phone,company\n");
    for _ in 0..rows / 2 {
        let _ = writeln!(
            csv,
            "{},{},{},Acme Trading Co",
            l.english_name(),
            l.email(),
            l.plain_mobile()
        );
    }
    write("contacts_en.csv", csv.as_bytes())?;

    l.file = "id_card_ocr.txt".into();
    let mut text = String::new();
    for _ in 0..rows / 4 {
        let _ = writeln!(
            text,
            "姓名 {}\n性别 男 民族 汉\n出生 19{}年{}月{}日\n住址 {}\n公民身份号码 {}\n",
            l.name(),
            50 + l.rng.below(50),
            1 + l.rng.below(12),
            1 + l.rng.below(28),
            l.address(),
            l.resident_id()
        );
    }
    write("id_card_ocr.txt", text.as_bytes())?;

    l.file = "export.zip".into();
    let mut inner = String::from("客户姓名,证件号码,联系电话,收货地址\n");
    for _ in 0..rows {
        let row = [l.name(), l.resident_id(), l.mobile(), l.address()];
        inner.push_str(&row.join(","));
        inner.push('\n');
    }
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        use std::io::Write as _;
        let mut z = zip::ZipWriter::new(&mut zipped);
        z.start_file(
            "客户/2023.csv",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )?;
        z.write_all(inner.as_bytes())?;
        z.finish()?;
    }
    write("export.zip", zipped.get_ref())?;

    // Contracts and case forms: a party's role labels the name (房东, 租客, 法人代表 …),
    // an English form names its customer or contact; an organisation in the same place
    // is a decoy.
    l.file = "forms.txt".into();
    let mut text = String::new();
    for _ in 0..rows / 2 {
        let role = *l.rng.pick(&[
            "房东",
            "租客",
            "业主",
            "车主",
            "法人代表",
            "学生",
            "家长",
            "医生",
        ]);
        let sep = *l.rng.pick(&["：", ": ", " "]);
        let _ = writeln!(text, "{role}{sep}{}", l.name());
        // Minutes and rosters list people after one label.
        if l.rng.below(4) == 0 {
            let label = *l
                .rng
                .pick(&["参会人员：", "值班人员 ", "获奖名单：", "小组成员: "]);
            let sep = *l.rng.pick(&["、", "，", " ", "/"]);
            let names = [l.name(), l.name(), l.name()].join(sep);
            let _ = writeln!(text, "{label}{names}");
        }
        match l.rng.below(3) {
            0 => {
                let _ = writeln!(text, "Customer: {}", l.english_name());
            }
            1 => {
                let _ = writeln!(
                    text,
                    "Contact person: {}, tel {}",
                    l.english_name(),
                    l.mobile()
                );
            }
            _ => {
                let org = l.rng.pick(&[
                    "Acme Trading Co",
                    "Sales Team",
                    "Blue Harbor Holdings",
                    "Pacific Services Ltd",
                ]);
                let org = l.decoy(org.to_string());
                let _ = writeln!(text, "Customer: {org}");
            }
        }
    }
    write("forms.txt", text.as_bytes())?;

    // A build's test log and a change log: `PASS:` results and source files named for
    // passwords, where the word after the colon is a test or a sentence (decoys).
    l.file = "build.log".into();
    let mut text = String::new();
    for i in 0..rows / 4 {
        let test = l.decoy(format!("auth/login-{i}.exp:"));
        let verb = *l.rng.pick(&["Fix", "Avoid", "Likewise.", "Rename"]);
        let verb = l.decoy(verb.to_string());
        let _ = writeln!(
            text,
            "PASS: {test} password prompt\n\t* src/passwd.c: {verb} the error message."
        );
    }
    write("build.log", text.as_bytes())?;

    // A Hong Kong and Taiwan customer list in traditional characters: names and Taiwan
    // addresses as written there, beside the identifiers of those places.
    l.file = "customers_zht.txt".into();
    let mut text = String::new();
    for i in 0..rows / 4 {
        let surname = *l
            .rng
            .pick(&["陳", "張", "黃", "劉", "趙", "吳", "林", "王"]);
        let given = *l
            .rng
            .pick(&["大文", "志明", "美玲", "家豪", "淑芬", "建國"]);
        let name = l.label("person_name", &format!("{surname}{given}"));
        if i % 2 == 0 {
            let _ = writeln!(text, "姓名：{name} 香港身份證：{}", l.hk_id());
        } else {
            let city = *l
                .rng
                .pick(&["台北市大安區", "新北市板橋區", "台中市西屯區"]);
            let road = *l.rng.pick(&["忠孝東路四段", "文化路一段", "台灣大道三段"]);
            let number = 1 + l.rng.below(300);
            let address = l.label("cn_address", &format!("{city}{road}{number}號"));
            let _ = writeln!(
                text,
                "姓名：{name} 身分證字號：{} 地址：{address}",
                l.tw_id()
            );
        }
    }
    write("customers_zht.txt", text.as_bytes())?;

    // A combo list as credential dumps pair them: the address, a colon, the password.
    l.file = "combo.txt".into();
    let mut text = String::new();
    for _ in 0..rows / 4 {
        let _ = writeln!(text, "{}:{}", l.email(), l.rng.hex(10));
    }
    write("combo.txt", text.as_bytes())?;

    // Services' configuration and code as a leaked repository holds it: every file of
    // the tree counts for one "file" of the score.
    l.file = "configs".into();
    configs(&mut l, &dir.join("configs"), rows.div_ceil(20))?;
    Ok(l.truth)
}

/// Writes `services` small service trees in the forms configuration and code take (YAML,
/// `.env`, `web.config`, `wp-config.php`, Django settings, Node code): passwords and
/// connection URIs as labels, and what only names a password held elsewhere (environment
/// and template references, placeholders, code that reads one) as decoys.
fn configs(l: &mut Labeller, dir: &Path, services: usize) -> Result<()> {
    for i in 0..services {
        let service = dir.join(format!("svc-{i:03}"));
        std::fs::create_dir_all(&service)
            .with_context(|| format!("creating {}", service.display()))?;
        let (name, text) = match i % 6 {
            0 => {
                l.decoy("${REDIS_PASSWORD}".into());
                (
                    "application.yml",
                    format!(
                        "spring:\n  datasource:\n    url: jdbc:mysql://db-{i}.internal:3306/crm\n    username: crm\n    password: {}\n  redis:\n    password: ${{REDIS_PASSWORD}}\n",
                        l.password()
                    ),
                )
            }
            1 => {
                let uri = format!("postgres://app:{}@db-{i}.internal:5432/app", l.rng.hex(12));
                let uri = l.label("db_connection_credential", &uri);
                l.decoy("changeme".into());
                (
                    ".env",
                    format!(
                        "APP_ENV=production\nDB_PASSWORD={}\nDATABASE_URL={uri}\nMAIL_PASSWORD=changeme\n",
                        l.password()
                    ),
                )
            }
            2 => {
                l.decoy("{{ldap_password}}".into());
                (
                    "web.config",
                    format!(
                        "<configuration>\n  <appSettings>\n    <add key=\"SmtpPassword\" value=\"{}\" />\n    <add key=\"LdapPassword\" value=\"{{{{ldap_password}}}}\" />\n  </appSettings>\n  <connectionStrings>\n    <add name=\"Main\" connectionString=\"Server=db-{i}.internal;Database=hr;User Id=sa;Password={};\" />\n  </connectionStrings>\n</configuration>\n",
                        l.password(),
                        l.password()
                    ),
                )
            }
            3 => {
                l.decoy("getenv(".into());
                (
                    "wp-config.php",
                    format!(
                        "<?php\ndefine( 'DB_NAME', 'wordpress' );\ndefine( 'DB_USER', 'wp' );\ndefine( 'DB_PASSWORD', '{}' );\n$smtp_password = getenv('SMTP_PASSWORD');\n",
                        l.password()
                    ),
                )
            }
            4 => {
                l.decoy("input(".into());
                l.decoy("os.environ.get(".into());
                (
                    "settings.py",
                    format!(
                        "DATABASES = {{\n    'default': {{\n        'ENGINE': 'django.db.backends.mysql',\n        'PASSWORD': '{}',\n    }}\n}}\nEMAIL_HOST_PASSWORD = os.environ.get(\"EMAIL_PW\")\n\ndef ask():\n    password = input(\"Password: \")\n    return password\n",
                        l.password()
                    ),
                )
            }
            _ => {
                let uri = format!(
                    "mongodb://app:{}@mongo-{i}.internal:27017/app",
                    l.rng.hex(12)
                );
                let uri = l.label("db_connection_credential", &uri);
                l.decoy("req.body.password".into());
                (
                    "login.js",
                    format!(
                        "mongoose.connect(\"{uri}\");\nasync function login(req) {{\n  const password = req.body.password;\n  return check(password);\n}}\n"
                    ),
                )
            }
        };
        std::fs::write(service.join(name), text).with_context(|| format!("writing {name}"))?;
        ci_and_model(l, &service)?;
        // The repository's remote and a bot's sign-off: hosts and mailboxes of no one.
        l.decoy("git@github.com".into());
        l.decoy("noreply@github.com".into());
        std::fs::write(
            service.join("GIT_NOTES"),
            format!(
                "remote: git@github.com:acme/svc-{i:03}.git\nCo-authored-by: ci-bot <noreply@github.com>\n"
            ),
        )
        .context("writing GIT_NOTES")?;
    }
    Ok(())
}

/// A service's CI workflow, whose steps are named with capitalised verb phrases
/// (`- name: Install Rust`, which a name key holds but no person bears), a model file
/// whose weights are lists of fractions (two neighbours of which look like a coordinate
/// pair), and client code that annotates and passes passwords: decoys, but for the token
/// of a callback URL.
fn ci_and_model(l: &mut Labeller, service: &Path) -> Result<()> {
    let workflows = service.join(".github/workflows");
    std::fs::create_dir_all(&workflows)
        .with_context(|| format!("creating {}", workflows.display()))?;
    let mut ci = String::from(
        "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n",
    );
    for _ in 0..3 {
        let verb = *l
            .rng
            .pick(&["Install", "Setup", "Run", "Upload", "Publish", "Check"]);
        let object = *l
            .rng
            .pick(&["Rust", "Node", "Clippy", "Artifact", "Docs", "Coverage"]);
        let step = l.decoy(format!("{verb} {object}"));
        let _ = writeln!(
            ci,
            "      - name: {step}\n        run: make {}",
            object.to_lowercase()
        );
    }
    std::fs::write(workflows.join("ci.yml"), ci).context("writing ci.yml")?;
    let mut weights = Vec::new();
    for _ in 0..6 {
        // Five decimals ending in a non-zero digit: written as the pair would be read.
        let w = format!(
            "{}.{:04}{}",
            l.rng.below(90),
            l.rng.below(10_000),
            1 + l.rng.below(9)
        );
        weights.push(w);
    }
    for pair in weights.windows(2) {
        l.decoy(format!("{},{}", pair[0], pair[1]));
    }
    let model = format!(
        "# dense_1\nWEIGHTS = [{}]\nBIAS = [\n    {},\n    {},\n]\n",
        weights.join(", "),
        weights[0],
        weights[1]
    );
    std::fs::write(service.join("model.py"), model).context("writing model.py")?;
    // Client code that passes a password along: type annotations and calls where a
    // configuration would hold the value, and a query string whose secret ends at `&`.
    for decoy in [
        "str",
        "str)",
        "Optional[bytes]",
        "string)",
        "encode(client_secret)",
    ] {
        l.decoy(decoy.to_string());
    }
    let token = l.rng.hex(14);
    let token = l.label("generic_password", &token);
    let client = format!(
        "def connect(host: str, password: str) -> None:\n    ...\n\n\
         def login(user, password: Optional[bytes] = None):\n    auth = encode(client_secret)\n\n\
         # login(user: string, password: string): void;\n\
         CALLBACK = \"/cb?oauth_token_secret={token}&oauth_callback_confirmed=true\"\n"
    );
    std::fs::write(service.join("client.py"), client).context("writing client.py")
}

/// Districts with one of their roads, for addresses that start at the district (which
/// need a label or a cue before them).
const DISTRICT_ROADS: &[(&str, &str)] = &[
    ("海淀区", "中关村大街"),
    ("朝阳区", "建国路"),
    ("南山区", "科苑路"),
];

/// Chat lines: names in prose and beside identifiers, identifiers with and without labels,
/// and the numbers people type that are not identifiers.
fn chat(l: &mut Labeller, lines: usize) -> String {
    let mut out = String::new();
    for _ in 0..lines {
        let who = *l
            .rng
            .pick(&["[群聊] 老张", "[群聊] 小李", "客服01", "店长"]);
        let ts = l.rng.timestamp();
        let text = match l.rng.below(42) {
            0 => format!("这个人的资料 {} 身份证{}", l.name(), l.resident_id()),
            1 => format!("刚才{}在门口等你", l.name()),
            2 => format!("我的手机号是 {}，有事打我电话", l.mobile()),
            3 => format!("订单号 {} 已发货，快递单号 {}", l.order_no(), l.waybill()),
            4 => format!("收货地址：{}", l.address()),
            5 => format!("{}的电话是{}", l.name(), l.mobile()),
            6 => format!("把钱转到这张卡 {}，户名{}", l.bank_card(), l.name()),
            7 => format!(
                "转账 {}.{:02} 元，流水号 {}",
                l.rng.below(100_000),
                l.rng.below(100),
                l.order_no()
            ),
            8 => format!(
                "会议改到 2024-{:02}-{:02} 下午三点",
                1 + l.rng.below(12),
                1 + l.rng.below(28)
            ),
            9 => {
                let (lat, lng) = l.gps();
                format!("我到了，位置 {lat},{lng}")
            }
            10 => format!("发票代码 {} 请核对", l.invoice_code()),
            11 => format!("座机 {} 白天有人", l.landline()),
            12 => format!("邮箱 {} 收一下文件", l.email()),
            13 => {
                let version = format!(
                    "{}.{}.{}.{}",
                    l.rng.below(5),
                    l.rng.below(20),
                    l.rng.below(50),
                    l.rng.below(300)
                );
                format!("版本 v{} 有问题，回滚", l.decoy(version))
            }
            14 => format!("联系人：{}，手机 {}", l.name(), l.mobile()),
            15 => format!("麻烦{}把合同发一下", l.name()),
            16 => format!("好的，收到，谢谢！今天{}点前处理完", 1 + l.rng.below(11)),
            17 => format!(
                "{}的身份证号码是{}，帮忙登记一下",
                l.name(),
                l.resident_id()
            ),
            18 => format!("昨天{}说下午过来拿", l.name()),
            19 => format!("帮我查一下 {} 这个号是谁的", l.mobile()),
            20 => format!("跟{}说一下，电话{}", l.name(), l.mobile()),
            21 => format!("客服小王：您好，订单 {} 已退款", l.order_no()),
            22 => format!("王总说明天开会，会议室 3{:02}", l.rng.below(40)),
            23 => {
                let (lat, lng) = l.gps();
                match l.rng.below(7) {
                    // Spatial databases and GeoJSON put the longitude first by definition.
                    5 => format!("geom=POINT({lng} {lat})"),
                    6 => format!(
                        "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{lng},{lat}]}}}}"
                    ),
                    0 => format!("纬度：{lat} 经度：{lng}"),
                    1 => format!("经度{lng}，纬度{lat}"),
                    // Chinese map services put longitude first.
                    2 => format!("{{\"poi\":\"门店\",\"location\":\"{lng},{lat}\"}}"),
                    3 => format!("定位 {lat}°N, {lng}°E"),
                    _ => format!("https://map.example.cn/?lat={lat}&lng={lng}"),
                }
            }
            24 => {
                let (district, road) = *l.rng.pick(DISTRICT_ROADS);
                let v = format!(
                    "{district}{road}{}号院{}号楼",
                    1 + l.rng.below(90),
                    1 + l.rng.below(20)
                );
                format!("地址：{}", l.label("cn_address", &v))
            }
            25 => match l.rng.below(4) {
                0 => format!("终端 {} 上线，MAC {}", l.rng.below(100), l.mac()),
                1 => format!("设备物理地址：{}", l.mac()),
                // A wireless controller's log glues the label on.
                2 => format!("wlan0: sta mac:{} assoc ok", l.mac()),
                _ => format!("  {}  DYNAMIC  Gi0/{}", l.mac(), l.rng.below(48)),
            },
            // Numbers printed in their groups, as forms and phone labels show them.
            26 => {
                let id = l.resident_id();
                match l.rng.below(3) {
                    // Copied from a field that prints digits in fours, as card numbers are.
                    0 => {
                        let fours: Vec<&str> = [0, 4, 8, 12, 16]
                            .iter()
                            .map(|&i| &id[i..(i + 4).min(18)])
                            .collect();
                        format!("身份证号 {}，核对一下", fours.join(" "))
                    }
                    _ => {
                        let sep = *l.rng.pick(&[" ", "-"]);
                        format!("身份证号 {}{sep}{}{sep}{}", &id[..6], &id[6..14], &id[14..])
                    }
                }
            }
            27 => {
                let imei = l.imei();
                let sep = *l.rng.pick(&[" ", "-"]);
                format!(
                    "手机串号 {}{sep}{}{sep}{}{sep}{}",
                    &imei[..2],
                    &imei[2..8],
                    &imei[8..14],
                    &imei[14..]
                )
            }
            // Register and case-file lines: a name followed by the person's sex.
            28 => format!(
                "{}，{}，{}年出生，汉族",
                l.name(),
                l.rng.pick(&["男", "女"]),
                1950 + l.rng.below(55)
            ),
            // Case files and contracts name people by their role.
            29 => {
                let role = *l.rng.pick(&[
                    "报警人",
                    "受害人",
                    "借款人",
                    "被告人",
                    "收款人",
                    "经办人",
                    "委托人",
                ]);
                let colon = *l.rng.pick(&["", "：", " "]);
                format!(
                    "{role}{colon}{}（身份证号码：{}）",
                    l.name(),
                    l.resident_id()
                )
            }
            // Administrative levels named as a list, not a place.
            30 => {
                let levels = *l.rng.pick(&["省市县乡镇村", "各市县乡镇村", "市县乡村"]);
                format!("通知要求全{}开展排查", l.decoy(levels.to_string()))
            }
            // A name that a label or the person's sex announces may hold characters that
            // elsewhere spell everyday words.
            31 => match l.rng.below(2) {
                0 => format!("姓名：{}，登记完成", l.announced_name()),
                _ => format!(
                    "{}，{}，{}年生",
                    l.announced_name(),
                    l.rng.pick(&["男", "女"]),
                    1960 + l.rng.below(45)
                ),
            },
            // A surname with a title names nobody, even beside a phone number.
            32 => {
                let surname = *l.rng.pick(SURNAMES);
                let title = *l.rng.pick(&["经理", "女士", "先生", "师傅", "老师", "总"]);
                let who = l.decoy(format!("{surname}{title}"));
                format!("联系人：{who}，手机 {}", l.mobile())
            }
            // Where a parcel goes announces an address that starts at the district.
            33 => {
                let (district, road) = *l.rng.pick(DISTRICT_ROADS);
                let v = format!(
                    "{district}{road}{}号{}栋{}室",
                    1 + l.rng.below(300),
                    1 + l.rng.below(30),
                    101 + l.rng.below(2000)
                );
                format!("快递寄到{}，放门口", l.label("cn_address", &v))
            }
            34 => {
                let (lat, lng) = l.gps();
                format!("我在北纬{lat} 东经{lng}附近")
            }
            // A product's four-part version in a User-Agent, and machine counters behind
            // their keys.
            35 => {
                let version = format!(
                    "{}.{}.{}.{}",
                    1 + l.rng.below(20),
                    l.rng.below(60),
                    l.rng.below(100),
                    l.rng.below(256)
                );
                format!("UA: okhttp/{} Dalvik/2.1.0", l.decoy(version))
            }
            36 => format!("txn_id={} 处理完成", l.counter_like_mobile()),
            37 => format!("运单编号：{} 已签收", l.counter_like_mobile()),
            38 => format!("同住人：{}，房号 {}", l.name(), 1000 + l.rng.below(9000)),
            // Everyday talk after the words that introduce a person: verbs, places and
            // ranks where a name would stand.
            39 => {
                let (line, word) = *l.rng.pick(&[
                    ("多和朋友相处就没事了", "相处"),
                    ("有的人是通过制造麻烦来赚钱，", "来赚钱"),
                    ("今天成功送给了客户", "成功送"),
                    ("因为我是南方人，吃不惯", "南方人"),
                    ("我是全校第 5 名", "全校第"),
                ]);
                l.decoy(word.to_string());
                line.to_string()
            }
            // A label joined to the name by a verb.
            40 => format!(
                "{}{}，有事找我",
                l.rng.pick(&["我的名字叫", "联系人是", "姓名为"]),
                l.name()
            ),
            _ => format!("网吧上机记录已经导出，共 {} 条", l.rng.below(10_000_000)),
        };
        let _ = writeln!(out, "{ts} {who}: {text}");
    }
    out
}

#[derive(Default, Clone, Copy)]
struct Score {
    tp: u64,
    fp: u64,
    fn_: u64,
}

impl Score {
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Generates the corpus, scans it with this binary (or `binary`, to score another build
/// of leakscope on the same corpus) and prints precision, recall and F1 per detector. Exits 1 when a target of the accuracy issue is missed (micro F1 0.95,
/// checksummed identifiers 0.99, names, addresses and coordinates 0.90, no decoy), so CI
/// can hold the line.
pub fn run(
    dir: Option<&Path>,
    seed: u64,
    rows: usize,
    keep: bool,
    show_errors: usize,
    binary: Option<&Path>,
) -> Result<i32> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("leakscope-accuracy-{}", std::process::id())),
    };
    let truth = write_corpus(&dir, seed, rows)?;
    let exe = match binary {
        Some(b) => b.to_path_buf(),
        None => std::env::current_exe().context("locating the leakscope binary")?,
    };
    let output = std::process::Command::new(exe)
        .arg("scan")
        .arg(&dir)
        .args([
            "--no-db",
            "--format",
            "jsonl",
            "--show-values",
            "--no-progress",
            "--fail-on",
            "never",
        ])
        .output()
        .context("running the scan")?;
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if !output.status.success() {
        bail!(
            "the scan failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let root = format!("{}/", dir.display());
    let mut found: BTreeSet<(String, String, String)> = BTreeSet::new();
    for line in output.stdout.split(|b| *b == b'\n') {
        let Ok(record) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if record.get("type").is_some_and(|t| t != "finding") {
            continue;
        }
        let (Some(detector), Some(path), Some(value)) = (
            record["detector"].as_str(),
            record["path"].as_str(),
            record["value"].as_str(),
        ) else {
            continue;
        };
        let relative = path.strip_prefix(&root).unwrap_or(path);
        // Members of containers and rows of databases count for their file.
        let file = relative
            .split("!/")
            .next()
            .unwrap_or(relative)
            .split('/')
            .next()
            .unwrap_or(relative);
        // A labelled pair is reported as written (`经度121.4737，纬度31.2304`); it is the
        // same place as the bare pair the label holds.
        let canonical = match leakscope_detect::validators::coordinates(value) {
            Some(pair) if detector == "gps" => pair.to_string(),
            _ => value.to_string(),
        };
        found.insert((
            file.to_string(),
            detector.to_string(),
            normalise(&canonical),
        ));
    }
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    for label in &truth.labels {
        let s = scores.entry(label.1.clone()).or_default();
        if found.contains(label) {
            s.tp += 1;
        } else {
            s.fn_ += 1;
        }
    }
    let mut decoys_reported: BTreeMap<String, u64> = BTreeMap::new();
    for f in &found {
        if !truth.labels.contains(f) {
            scores.entry(f.1.clone()).or_default().fp += 1;
            if truth.decoys.contains(&(f.0.clone(), f.2.clone())) {
                *decoys_reported.entry(f.1.clone()).or_default() += 1;
            }
        }
    }
    if show_errors > 0 {
        // The corpus is synthetic, so its values may be shown: this is how a rule is tuned.
        let misses = truth.labels.iter().filter(|l| !found.contains(*l));
        let false_hits = found.iter().filter(|f| !truth.labels.contains(*f));
        for (what, items) in [
            ("missed", misses.collect::<Vec<_>>()),
            ("false", false_hits.collect()),
        ] {
            let mut per_detector: BTreeMap<&str, usize> = BTreeMap::new();
            for (file, detector, value) in items {
                let n = per_detector.entry(detector).or_default();
                *n += 1;
                if *n <= show_errors {
                    println!("{what}: {detector} in {file}: {value}");
                }
            }
        }
    }
    let micro = scores.values().fold(Score::default(), |a, s| Score {
        tp: a.tp + s.tp,
        fp: a.fp + s.fp,
        fn_: a.fn_ + s.fn_,
    });
    println!(
        "{} labelled values, {} decoys, seed {seed}, {rows} rows per table",
        truth.labels.len(),
        truth.decoys.len()
    );
    println!("| detector | labelled | found | precision | recall | F1 | decoys reported |");
    println!("|---|---|---|---|---|---|---|");
    let mut missed: Vec<String> = Vec::new();
    for (detector, s) in &scores {
        let decoys = decoys_reported.get(detector).copied().unwrap_or(0);
        println!(
            "| `{detector}` | {} | {} | {:.3} | {:.3} | {:.3} | {decoys} |",
            s.tp + s.fn_,
            s.tp + s.fp,
            s.precision(),
            s.recall(),
            s.f1()
        );
        let bar = if CHECKSUMMED.contains(&detector.as_str()) {
            0.99
        } else if ["person_name", "cn_address", "gps"].contains(&detector.as_str()) {
            0.90
        } else {
            0.0
        };
        if s.f1() < bar {
            missed.push(format!("{detector} F1 {:.3} < {bar}", s.f1()));
        }
        if decoys > 0 {
            missed.push(format!("{detector} reported {decoys} decoys"));
        }
    }
    println!(
        "| **micro** | {} | {} | {:.3} | {:.3} | **{:.3}** | {} |",
        micro.tp + micro.fn_,
        micro.tp + micro.fp,
        micro.precision(),
        micro.recall(),
        micro.f1(),
        decoys_reported.values().sum::<u64>()
    );
    if micro.f1() < 0.95 {
        missed.push(format!("micro F1 {:.3} < 0.95", micro.f1()));
    }
    if missed.is_empty() {
        println!("every accuracy target met");
        Ok(0)
    } else {
        println!("targets missed: {}", missed.join("; "));
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_compare_as_written_or_folded() {
        assert_eq!(normalise("１３８ １２３４ ５６７８"), "13812345678");
        assert_eq!(normalise("A123456(3)"), "A1234563");
        assert_eq!(normalise("31.2304,121.4737"), "31.2304121.4737");
        assert_eq!(full_width("138"), "１３８");
    }

    #[test]
    fn generated_identifiers_pass_their_validators() {
        use leakscope_detect::validators as v;
        let mut l = Labeller {
            rng: Rng::new(3),
            truth: Truth::default(),
            file: "x".into(),
        };
        for _ in 0..200 {
            assert!(v::hk_id(&l.hk_id()));
            assert!(v::tw_id(&l.tw_id()));
            assert!(v::cn_uscc(&l.uscc()));
            assert!(v::imsi(&l.imsi()));
            assert!(v::imei(&l.imei()));
            assert!(v::bank_card(&l.bank_card()));
            assert!(v::cn_landline(&l.landline()));
            assert!(!v::cn_landline(&l.invoice_code()));
        }
    }
}
