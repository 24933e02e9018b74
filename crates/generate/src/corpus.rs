//! A deterministic generator of realistic leak-like text for benchmarks and examples.
//!
//! The mix imitates what real dumps contain: Chinese chat logs, CSV and JSON record
//! exports, server logs, configuration files and prose, with valid identifiers sprinkled
//! among many decoys (order and waybill numbers, timestamps, hashes, version strings,
//! amounts). Identifiers are synthetic but structurally valid (check digits are computed),
//! so the detectors do real work on them. Nothing here reads the clock or a random device:
//! the same seed gives the same bytes.

/// A small, fast, deterministic PRNG (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator (a zero seed is replaced by a fixed constant).
    pub fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform integer in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// `n` random decimal digits.
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// `n` random lower-case hexadecimal digits (hashes, trace and request ids).
    pub fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }

    /// A log timestamp in 2024.
    pub fn timestamp(&mut self) -> String {
        format!(
            "2024-{:02}-{:02} {:02}:{:02}:{:02}",
            1 + self.below(12),
            1 + self.below(28),
            self.below(24),
            self.below(60),
            self.below(60)
        )
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "欧阳", "司马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "小红", "建国",
];
const REGIONS: &[&str] = &[
    "110105", "310104", "440304", "320106", "510107", "330106", "420102", "610113", "370202",
    "500103",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("北京市", "朝阳区", "建国路"),
    ("上海市", "徐汇区", "漕溪北路"),
    ("广东省深圳市", "南山区", "深南大道"),
    ("浙江省杭州市", "西湖区", "文三路"),
    ("四川省成都市", "武侯区", "人民南路"),
];
const CHAT: &[&str] = &[
    "在吗？今天晚上一起吃饭吧",
    "好的，我七点到",
    "文件我已经发到群里了，大家看一下",
    "这个版本 v2.3.1 有问题，回滚到 2.2.9",
    "订单号 {order} 已发货，快递单号 {waybill}",
    "今天转账 {amount} 元，备注房租",
    "我的手机号是 {mobile}，有事打我电话",
    "会议改到 {date} 下午三点",
    "收到，谢谢！",
    "网吧上机记录已经导出，共 {count} 条",
];

/// Computes the GB 11643 check character for 17 digits.
pub fn id_check(body: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    char::from(b"10X98765432"[(sum % 11) as usize])
}

/// Appends the Luhn check digit to `body`.
pub fn luhn_complete(body: &str) -> String {
    (0..10u8)
        .map(|d| format!("{body}{d}"))
        .find(|candidate| leakscope_detect::validators::luhn(candidate))
        .expect("one of ten digits always completes a Luhn number")
}

/// Generates synthetic identifiers and records.
pub struct Generator {
    rng: Rng,
}

impl Generator {
    /// A generator with a fixed seed.
    pub fn new(seed: u64) -> Self {
        Generator {
            rng: Rng::new(seed),
        }
    }

    /// A valid 18-digit resident identity number.
    pub fn resident_id(&mut self) -> String {
        let region = *self.rng.pick(REGIONS);
        let year = 1950 + self.rng.below(55);
        let month = 1 + self.rng.below(12);
        let day = 1 + self.rng.below(28);
        let body = format!("{region}{year}{month:02}{day:02}{}", self.rng.digits(3));
        let c = id_check(&body);
        format!("{body}{c}")
    }

    /// A valid mainland mobile number.
    pub fn mobile(&mut self) -> String {
        let prefix = *self
            .rng
            .pick(&["138", "139", "186", "159", "177", "199", "135", "150"]);
        format!("{prefix}{}", self.rng.digits(8))
    }

    /// A valid UnionPay card number.
    pub fn bank_card(&mut self) -> String {
        luhn_complete(&format!("62220{}", self.rng.digits(13)))
    }

    /// A Chinese name.
    pub fn name(&mut self) -> String {
        format!("{}{}", self.rng.pick(SURNAMES), self.rng.pick(GIVEN))
    }

    /// A postal address.
    pub fn address(&mut self) -> String {
        let (city, district, road) = *self.rng.pick(CITIES);
        format!(
            "{city}{district}{road}{}号{}栋{}室",
            1 + self.rng.below(300),
            1 + self.rng.below(20),
            101 + self.rng.below(900)
        )
    }

    fn decoy_order(&mut self) -> String {
        format!("{}{}", 2020 + self.rng.below(6), self.rng.digits(14))
    }

    fn fill(&mut self, template: &str) -> String {
        let mut s = template.to_string();
        if s.contains("{order}") {
            let v = self.decoy_order();
            s = s.replace("{order}", &v);
        }
        if s.contains("{waybill}") {
            let v = format!("SF{}", self.rng.digits(12));
            s = s.replace("{waybill}", &v);
        }
        if s.contains("{amount}") {
            let v = format!("{}.{:02}", self.rng.below(100000), self.rng.below(100));
            s = s.replace("{amount}", &v);
        }
        if s.contains("{mobile}") {
            let v = self.mobile();
            s = s.replace("{mobile}", &v);
        }
        if s.contains("{date}") {
            let v = format!(
                "2024-{:02}-{:02}",
                1 + self.rng.below(12),
                1 + self.rng.below(28)
            );
            s = s.replace("{date}", &v);
        }
        if s.contains("{count}") {
            let v = self.rng.below(10_000_000).to_string();
            s = s.replace("{count}", &v);
        }
        s
    }

    /// A public-looking client address (never a network or broadcast address).
    fn client_ip(&mut self) -> String {
        format!(
            "{}.{}.{}.{}",
            1 + self.rng.below(222),
            self.rng.below(256),
            self.rng.below(256),
            1 + self.rng.below(254)
        )
    }

    /// One block of mixed content (a few hundred bytes to a few KiB).
    pub fn block(&mut self, out: &mut String) {
        match self.rng.below(6) {
            0 => {
                for _ in 0..8 {
                    let who = self.name();
                    let template = self.rng_pick_chat();
                    let line = self.fill(template);
                    let ts = self.rng.timestamp();
                    out.push_str(&format!("[{ts}] {who}: {line}\n"));
                }
            }
            1 => {
                out.push_str("序号,姓名,身份证号,手机,地址,订单号,金额\n");
                for i in 0..6 {
                    let (n, id, m, a, o) = (
                        self.name(),
                        self.resident_id(),
                        self.mobile(),
                        self.address(),
                        self.decoy_order(),
                    );
                    let amt = self.rng.below(100_000);
                    out.push_str(&format!("{i},{n},{id},{m},{a},{o},{amt}.00\n"));
                }
            }
            2 => {
                for _ in 0..4 {
                    let (n, m, c) = (self.name(), self.mobile(), self.bank_card());
                    let uid = self.rng.hex(32);
                    let ts = self.rng.below(2_000_000_000);
                    out.push_str(&format!(
                        "{{\"uid\":\"{uid}\",\"name\":\"{n}\",\"phone\":\"{m}\",\"card\":\"{c}\",\"ts\":{ts},\"lat\":31.{:04},\"lng\":121.{:04}}}\n",
                        self.rng.below(10000),
                        self.rng.below(10000)
                    ));
                }
            }
            3 => {
                for _ in 0..10 {
                    let ts = self.rng.timestamp();
                    let ip = self.client_ip();
                    let rid = self.rng.hex(16);
                    let sha = self.rng.hex(40);
                    let ms = self.rng.below(5000);
                    out.push_str(&format!("{ts} INFO req={rid} client={ip} GET /api/v1/items/{} 200 {ms}ms build=1.4.{} sha={sha}\n", self.rng.below(100000), self.rng.below(99)));
                }
            }
            4 => {
                let pw = format!("Zx{}!{}", self.rng.hex(6), self.rng.below(1000));
                out.push_str(&format!(
                    "[database]\nhost = 10.0.{}.{}\nport = 5432\nuser = app\npassword = {pw}\npool_size = 20\ntimeout_ms = 30000\n\n[cache]\nurl = redis://cache:6379/0\nttl = 3600\n",
                    self.rng.below(256),
                    1 + self.rng.below(254)
                ));
            }
            _ => {
                let order = self.decoy_order();
                let para = format!(
                    "2023年第{}季度，平台共处理订单{}笔，累计交易额{}万元。订单号{}的用户反馈物流延迟，客服已于{}回复。\
                     The quarterly report covers {} transactions across {} regions; see appendix {}.{} for methodology. \
                     Version 3.{}.{} fixes issue #{}.\n",
                    1 + self.rng.below(4),
                    self.rng.below(10_000_000),
                    self.rng.below(100_000),
                    order,
                    self.rng.timestamp(),
                    self.rng.below(1_000_000),
                    self.rng.below(50),
                    self.rng.below(10),
                    self.rng.below(10),
                    self.rng.below(20),
                    self.rng.below(20),
                    self.rng.below(100_000)
                );
                out.push_str(&para);
            }
        }
    }

    fn rng_pick_chat(&mut self) -> &'static str {
        CHAT[self.rng.below(CHAT.len() as u64) as usize]
    }

    /// Mixed text of at least `bytes` bytes: the dense profile, a leak dump where about
    /// half the blocks are records full of identifiers.
    pub fn text(&mut self, bytes: usize) -> String {
        let mut out = String::with_capacity(bytes + 4096);
        while out.len() < bytes {
            self.block(&mut out);
        }
        out
    }

    /// Mixed text of at least `bytes` bytes with identifiers only here and there: the
    /// sparse profile, like a file share or a log archive. One block in 25 comes from the
    /// dense mix; the rest is chat, prose with dates, amounts and order numbers, and logs.
    pub fn sparse_text(&mut self, bytes: usize) -> String {
        let mut out = String::with_capacity(bytes + 4096);
        while out.len() < bytes {
            match self.rng.below(25) {
                0 => self.block(&mut out),
                1..=8 => {
                    for _ in 0..8 {
                        let who = *self.rng.pick(SURNAMES);
                        let template = *self.rng.pick(&CHAT[..4]);
                        let ts = self.rng.timestamp();
                        out.push_str(&format!("[{ts}] {who}: {template}\n"));
                    }
                }
                9..=16 => {
                    let order = self.decoy_order();
                    out.push_str(&format!(
                        "本季度平台共处理订单{}笔，同比增长{}.{}%，订单号{}等延迟件已于{}处理完毕。\
                         The committee reviewed {} proposals and approved {} of them for the {} budget cycle.\n",
                        self.rng.below(10_000_000),
                        self.rng.below(100),
                        self.rng.below(10),
                        order,
                        self.rng.timestamp(),
                        self.rng.below(1000),
                        self.rng.below(100),
                        2020 + self.rng.below(6)
                    ));
                }
                _ => {
                    for _ in 0..6 {
                        let ts = self.rng.timestamp();
                        let rid = self.rng.hex(16);
                        let ms = self.rng.below(5000);
                        out.push_str(&format!(
                            "{ts} INFO worker-{} req={rid} GET /api/v1/items/{} 200 {ms}ms\n",
                            self.rng.below(16),
                            self.rng.below(100000)
                        ));
                    }
                }
            }
        }
        out
    }
}

/// The kinds of bulk file in a generated part, with their share of its size. Together they
/// imitate a mixed leak: chat, server logs, record exports in three shapes, and the
/// decoy-heavy tables (metrics, orders) that make up much of a real dump. A name with `!/`
/// is a member of a zip archive.
pub const BULK_KINDS: &[(&str, u32)] = &[
    ("chat/群聊记录.txt", 30),
    ("logs/access.log", 20),
    ("exports/metrics.csv", 15),
    ("exports/orders.csv", 10),
    ("exports/citizens.sql", 10),
    ("exports/users.jsonl", 10),
    ("archives/户籍导出.zip!/户籍.csv", 5),
];

impl Generator {
    /// Bulk content of one of the [`BULK_KINDS`], at least `bytes` long.
    pub fn bulk(&mut self, kind: &str, bytes: usize) -> String {
        let mut out = String::with_capacity(bytes + 4096);
        match kind {
            "logs/access.log" => self.fill_lines(&mut out, bytes, Self::log_line),
            "exports/metrics.csv" => {
                out.push_str(
                    "ts,host,cpu_pct,mem_pct,disk_io,latency_ms,requests,trace_id,lat,lng\n",
                );
                self.fill_lines(&mut out, bytes, Self::metrics_row);
            }
            "exports/orders.csv" => {
                out.push_str("order_no,waybill,created,amount,status,province,buyer_phone,sku\n");
                self.fill_lines(&mut out, bytes, Self::order_row);
            }
            "exports/citizens.sql" => {
                out.push_str("-- dump of table citizens\nCREATE TABLE citizens (id INT, name VARCHAR(32), id_no CHAR(18), mobile CHAR(11), address VARCHAR(128), created DATETIME);\n");
                let mut id = 0u64;
                while out.len() < bytes {
                    out.push_str(
                        "INSERT INTO citizens (id, name, id_no, mobile, address, created) VALUES ",
                    );
                    for i in 0..20 {
                        id += 1;
                        let (n, r, m, a, t) = (
                            self.name(),
                            self.resident_id(),
                            self.mobile(),
                            self.address(),
                            self.rng.timestamp(),
                        );
                        let sep = if i == 19 { ";\n" } else { "," };
                        out.push_str(&format!("({id},'{n}','{r}','{m}','{a}','{t}'){sep}"));
                    }
                }
            }
            "exports/users.jsonl" => self.fill_lines(&mut out, bytes, Self::user_json),
            "archives/户籍导出.zip!/户籍.csv" => {
                out.push_str("姓名,身份证号,手机,住址,备注\n");
                self.fill_lines(&mut out, bytes, Self::citizen_row);
            }
            _ => {
                while out.len() < bytes {
                    self.block(&mut out);
                }
            }
        }
        out
    }

    fn fill_lines(&mut self, out: &mut String, bytes: usize, line: fn(&mut Self, &mut String)) {
        while out.len() < bytes {
            line(self, out);
        }
    }

    /// A web server log line: timestamps, client addresses, request ids and digests.
    fn log_line(&mut self, out: &mut String) {
        let ts = self.rng.timestamp();
        let ip = self.client_ip();
        let (rid, sha) = (self.rng.hex(16), self.rng.hex(40));
        let (ms, item) = (self.rng.below(5000), self.rng.below(100_000));
        out.push_str(&format!(
            "{ts} INFO req={rid} client={ip} GET /api/v1/items/{item} 200 {ms}ms sha={sha}\n"
        ));
    }

    /// A metrics row: decimals, counters and trace ids, and now and then a coordinate pair
    /// of a device (the only personal data in such a table).
    fn metrics_row(&mut self, out: &mut String) {
        let ts = self.rng.timestamp();
        let host = self.rng.below(64);
        let (cpu, mem) = (self.rng.below(1_000_000), self.rng.below(1_000_000));
        let (io, lat, req) = (
            self.rng.below(10_000_000),
            self.rng.below(500_000),
            self.rng.below(100_000),
        );
        let trace = self.rng.hex(32);
        let geo = if self.rng.below(50) == 0 {
            format!(
                "31.{:04},121.{:04}",
                self.rng.below(10000),
                self.rng.below(10000)
            )
        } else {
            ",".to_string()
        };
        out.push_str(&format!(
            "{ts},web-{host:02},{}.{:04},{}.{:04},{io},{}.{:03},{req},{trace},{geo}\n",
            cpu / 10000,
            cpu % 10000,
            mem / 10000,
            mem % 10000,
            lat / 1000,
            lat % 1000
        ));
    }

    /// An order row: order and waybill numbers, amounts, masked phones, and one real
    /// buyer phone in twenty rows.
    fn order_row(&mut self, out: &mut String) {
        let order = self.decoy_order();
        let waybill = format!("SF{}", self.rng.digits(12));
        let ts = self.rng.timestamp();
        let amount = format!("{}.{:02}", self.rng.below(100_000), self.rng.below(100));
        let status = *self.rng.pick(&["paid", "shipped", "refunded", "closed"]);
        let province = *self.rng.pick(&["浙江", "广东", "江苏", "四川", "北京"]);
        let phone = if self.rng.below(20) == 0 {
            self.mobile()
        } else {
            format!(
                "1{}{}****{}",
                3 + self.rng.below(7),
                self.rng.below(10),
                self.rng.digits(4)
            )
        };
        let sku = self.rng.digits(13);
        out.push_str(&format!(
            "{order},{waybill},{ts},{amount},{status},{province},{phone},{sku}\n"
        ));
    }

    /// A user record as one JSON line.
    fn user_json(&mut self, out: &mut String) {
        let (n, m, id) = (self.name(), self.mobile(), self.resident_id());
        let uid = self.rng.below(100_000_000);
        let created = self.rng.below(2_000_000_000);
        out.push_str(&format!(
            "{{\"uid\":{uid},\"name\":\"{n}\",\"phone\":\"{m}\",\"id_card\":\"{id}\",\"vip\":{},\"created\":{created},\"score\":{}.{}}}\n",
            self.rng.below(2) == 0,
            self.rng.below(100),
            self.rng.below(1000)
        ));
    }

    /// A household-register row.
    fn citizen_row(&mut self, out: &mut String) {
        let (n, r, m, a) = (
            self.name(),
            self.resident_id(),
            self.mobile(),
            self.address(),
        );
        out.push_str(&format!("{n},{r},{m},{a},户主\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid() {
        let a = Generator::new(7).text(10_000);
        let b = Generator::new(7).text(10_000);
        assert_eq!(a, b);
        let mut g = Generator::new(1);
        let id = g.resident_id();
        let today = leakscope_detect::Date::new(2026, 1, 1).unwrap();
        assert!(
            leakscope_detect::validators::cn_resident_id(&id, today),
            "{id}"
        );
        assert!(leakscope_detect::validators::bank_card(&g.bank_card()));
        assert!(leakscope_detect::validators::cn_mobile(&g.mobile()));
    }
}
