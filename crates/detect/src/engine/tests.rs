//! Engine tests: the catalog's own examples, boundaries, folding, context, fields, errors.

use super::*;
use crate::rules::RuleFile;
use crate::stream::StreamScanner;

fn config() -> EngineConfig {
    EngineConfig::new(
        HashKey::insecure_test_key(),
        Date::new(2026, 11, 23).unwrap(),
    )
}

fn engine() -> Engine {
    Engine::builtin(&config()).unwrap()
}

fn scan(engine: &Engine, text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    engine.scanner().scan(text, &mut out);
    out
}

/// The first finding of `detector` among `found`; the test fails when there is none.
fn found_one<'a>(found: &'a [Finding], detector: &str) -> &'a Finding {
    found
        .iter()
        .find(|f| f.detector == detector)
        .unwrap_or_else(|| panic!("no {detector} among {found:?}"))
}

fn scan_field(engine: &Engine, field: &str, value: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    engine.scanner().scan_field(field, value, &mut out);
    out
}

/// Every rule's `examples` must produce a finding of that rule, and its
/// `negative_examples` none. This is what makes a broken rule fail CI.
#[test]
fn catalog_examples_hold() {
    let engine = engine();
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in RuleFile::builtin().unwrap() {
        let report = crate::examples::check_examples(&engine, &file);
        checked += report.checked;
        failures.extend(
            report
                .failures
                .into_iter()
                .map(|f| format!("{}: {}", f.detector, f.message)),
        );
    }
    assert!(checked > 200, "only {checked} examples ran");
    assert!(
        failures.is_empty(),
        "{} of {checked} example checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_spec_detector_exists_with_examples() {
    let ids = [
        "cn_resident_id",
        "cn_mobile",
        "cn_landline",
        "cn_passport",
        "cn_uscc",
        "bank_card",
        "hk_id",
        "tw_id",
        "imsi",
        "imei",
        "email",
        "ipv4",
        "mac_address",
        "gps",
        "cn_license_plate",
        "person_name",
        "cn_address",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aliyun_access_key_id",
        "aliyun_access_key_secret",
        "tencent_secret_id",
        "github_token",
        "slack_token",
        "private_key",
        "jwt",
        "db_connection_credential",
        "generic_password",
    ];
    let files = RuleFile::builtin().unwrap();
    for id in ids {
        let specs: Vec<_> = files
            .iter()
            .flat_map(|f| &f.rules)
            .filter(|r| r.id.get_ref() == id)
            .collect();
        assert!(!specs.is_empty(), "{id} missing");
        assert!(
            specs
                .iter()
                .all(|s| !s.examples.is_empty() && !s.negative_examples.is_empty()),
            "{id} lacks examples"
        );
    }
}

#[test]
fn finding_fields_are_filled() {
    let engine = engine();
    let text = "第一行\n身份证号：11010519491231002X，手机13812345678";
    let f = scan(&engine, text);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0].detector, "cn_resident_id");
    assert_eq!(f[0].category, Category::Pii);
    assert_eq!(f[0].confidence, Confidence::High);
    assert_eq!(f[0].line, Some(2));
    assert_eq!(&text[f[0].start..f[0].end], "11010519491231002X");
    assert_eq!(f[0].raw.expose(), "11010519491231002X");
    assert_eq!(f[1].detector, "cn_mobile");
    assert_eq!(f[1].masked, "138****5678");
    assert_eq!(f[1].confidence, Confidence::High, "手机 is context");
}

#[test]
fn a_scan_that_only_counts_finds_the_same_without_masks_or_hashes() {
    let engine = engine();
    let text = "姓名：王芳 身份证号：11010519491231002X\n手机13812345678，\
                住址浙江省杭州市西湖区文三路241号3栋253室 GPS:31.2304,121.4737";
    let full = scan(&engine, text);
    let mut scanner = engine.scanner();
    scanner.set_values(false);
    let mut counted = Vec::new();
    scanner.scan(text, &mut counted);
    assert!(full.len() >= 5, "{full:?}");
    let shape = |f: &Finding| (f.detector.clone(), f.confidence, f.start, f.end, f.line);
    assert_eq!(
        full.iter().map(shape).collect::<Vec<_>>(),
        counted.iter().map(shape).collect::<Vec<_>>()
    );
    for f in &counted {
        assert!(f.masked.is_empty(), "{f:?}");
        assert_eq!(f.value_hash, leakscope_core::ValueHash::NOT_COMPUTED);
    }
    assert!(full
        .iter()
        .all(|f| !f.masked.is_empty() && f.value_hash != leakscope_core::ValueHash::NOT_COMPUTED));
    // Nor do they name their field: a shared name costs an atomic update per copy.
    let mut named = Vec::new();
    scanner.scan_field("mobile", "13812345678", &mut named);
    assert_eq!((named.len(), named[0].field.as_deref()), (1, None));
    let mut full_named = Vec::new();
    engine
        .scanner()
        .scan_field("mobile", "13812345678", &mut full_named);
    assert_eq!(full_named[0].field.as_deref(), Some("mobile"));
}

#[test]
fn cjk_neighbours_do_not_hide_numbers_and_digit_runs_do() {
    let engine = engine();
    assert_eq!(scan(&engine, "手机13812345678谢谢").len(), 1);
    assert!(scan(&engine, "913812345678")
        .iter()
        .all(|f| f.detector != "cn_mobile"));
    assert!(scan(&engine, "138123456789")
        .iter()
        .all(|f| f.detector != "cn_mobile"));
}

#[test]
fn full_width_digits_are_found_and_shown_as_written() {
    let engine = engine();
    let text = "电话：１３８１２３４５６７８。";
    let f = scan(&engine, text);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].raw.expose(), "１３８１２３４５６７８");
    assert_eq!(&text[f[0].start..f[0].end], "１３８１２３４５６７８");
    // The hash is of the normalised value: the same as the ASCII spelling.
    let g = scan(&engine, "电话：13812345678");
    assert_eq!(f[0].value_hash, g[0].value_hash);
}

#[test]
fn same_value_same_hash_across_spellings() {
    let engine = engine();
    let a = scan(&engine, "tel 138-1234-5678");
    let b = scan(&engine, "tel +86 13812345678");
    assert_eq!(a[0].value_hash, b[0].value_hash);
}

#[test]
fn context_and_negative_words_move_confidence() {
    let engine = engine();
    let plain = scan(&engine, "x 6222021234567890128 y");
    assert_eq!(plain[0].confidence, Confidence::Medium);
    let ctx = scan(&engine, "银行卡号 6222021234567890128");
    assert_eq!(ctx[0].confidence, Confidence::High);
    let neg = scan(&engine, "订单号 20240315 备注 6222021234567890128");
    assert_eq!(neg[0].confidence, Confidence::Low);
    // Right after the word, the word labels the value: an order number, a digest.
    assert!(scan(&engine, "订单号 6222021234567890128").is_empty());
    assert!(scan(&engine, "订单号：6222021234567890128").is_empty());
    assert!(scan(&engine, "sha=510014360831272f76143fd2").is_empty());
    // Log keys of counters and ids label what follows them, English suffixes and all.
    for text in [
        "txn_id=13812345678",
        "order_no=6222021234567890128",
        "trace_id: 6222021234567890128",
        "Tracking Number: 13812345678",
        "商品编码 6222021234567890128",
    ] {
        assert!(scan(&engine, text).is_empty(), "{text}");
    }
    // A word that is not a label's suffix keeps it from labelling the value.
    assert_eq!(scan(&engine, "order from 13812345678").len(), 1);
    // So does a label with a suffix (`订单编号：`), and it outweighs a context word further
    // away that belongs to the line before.
    let two = scan(&engine, "IMEI: 490154203237518\n订单编号：490154203237518");
    assert_eq!(two.len(), 1);
    assert_eq!(two[0].line, Some(1));
    // A context word of the rule between the label and the value outweighs it.
    assert_eq!(
        scan(&engine, "订单号 银行卡 6222021234567890128")[0].confidence,
        Confidence::Medium
    );
}

#[test]
fn imsi_needs_context_or_field() {
    let engine = engine();
    assert!(scan(&engine, "460001234567890").is_empty());
    assert_eq!(scan(&engine, "IMSI=460001234567890")[0].detector, "imsi");
    assert_eq!(
        scan_field(&engine, "imsi", "460001234567890")[0].detector,
        "imsi"
    );
    assert!(scan_field(&engine, "order_id", "460001234567890").is_empty());
}

#[test]
fn field_names_tokenise() {
    let engine = engine();
    assert_eq!(
        scan_field(&engine, "customerName", "王小明")[0].detector,
        "person_name"
    );
    assert_eq!(
        scan_field(&engine, "Full Name", "John Smith")[0].detector,
        "person_name"
    );
    assert!(scan_field(&engine, "hostname", "Web Server").is_empty());
    assert!(scan_field(&engine, "filename", "Report Final").is_empty());
    assert!(scan_field(&engine, "product_name", "Apple Watch").is_empty());
    // A field name's veto words are those of its key path's last two steps.
    let veto = |name: &str| ReadName::new(name).veto_words().to_vec();
    assert_eq!(veto("user.profile.name"), ["profile", "name"]);
    assert_eq!(veto("order.productName"), ["order", "product", "name"]);
    assert_eq!(veto("a.b.c.userName"), ["c", "user", "name"]);
    assert_eq!(veto("user_name"), ["user", "name"]);
}

#[test]
fn filters_select_detectors() {
    let mut cfg = config();
    cfg.only_detectors = Some(vec!["email".into()]);
    let engine = Engine::builtin(&cfg).unwrap();
    let f = scan(&engine, "a@example.com 13812345678");
    assert_eq!(f.len(), 1);
    let mut cfg = config();
    cfg.categories = Some(vec![Category::Secret]);
    let engine = Engine::builtin(&cfg).unwrap();
    assert!(scan(&engine, "a@example.com 13812345678").is_empty());
    let mut cfg = config();
    cfg.min_confidence = Confidence::High;
    let engine = Engine::builtin(&cfg).unwrap();
    assert!(scan(&engine, "x 6222021234567890128 y").is_empty());
}

#[test]
fn custom_rules_and_watch_lists() {
    let text = r#"
[[rule]]
id = "acme_employee_id"
pattern = 'ACME-\d{6}'
trigger = { literals = ["ACME-"] }
window = [0, 12]
boundary = "alnum"
confidence = "high"
examples = ["emp ACME-123456"]
negative_examples = ["ACME-12"]

[[rule]]
id = "project_codenames"
words = ["Blue Harbor", "天网工程"]
examples = ["re: blue harbor status"]
negative_examples = ["harbor"]
"#;
    let mut files = RuleFile::builtin().unwrap();
    files.push(RuleFile::parse("mine.toml", text).unwrap());
    let engine = Engine::new(&files, &config()).unwrap();
    let f = scan(&engine, "emp ACME-123456 joined 天网工程 and Blue Harbor");
    let ids: Vec<_> = f
        .iter()
        .map(|f| (f.detector.as_str(), f.category))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("acme_employee_id", Category::Custom),
            ("project_codenames", Category::Custom),
            ("project_codenames", Category::Custom)
        ]
    );
}

#[test]
fn broken_rule_files_give_located_errors() {
    let cases = [
        ("[[rule]]\nid = \"x\"\npattern = '('\ntrigger = { literals = [\"a\"] }\n", "bad pattern"),
        ("[[rule]]\nid = \"x\"\npattern = 'a'\ntrigger = { literals = [\"a\"] }\nvalidator = \"nope\"\n", "unknown validator"),
        ("[[rule]]\nid = \"x\"\npattern = 'a'\n", "trigger needs"),
        ("[[rule]]\nid = \"Bad Id\"\npattern = 'a'\ntrigger = { literals = [\"a\"] }\n", "id must be"),
        ("\n[[rule]]\nid = \"x\"\npattern = 'a'\ntrigger = { literals = [\"a\"] }\n[[rule]]\nid = \"x\"\npattern = 'b'\ntrigger = { literals = [\"b\"] }\n", "duplicate"),
    ];
    for (text, expect) in cases {
        let file = RuleFile::parse("user.toml", text).unwrap();
        let err = Engine::new(&[file], &config()).unwrap_err();
        assert!(err.message.contains(expect), "{expect}: {err}");
        assert_eq!(err.origin, "user.toml");
        assert!(err.line >= 2, "{err}");
    }
}

#[test]
fn overlapping_claims_resolve_to_one_finding() {
    // A Gansu resident id (province 62) that is also Luhn-valid with a UnionPay prefix.
    let engine = engine();
    let id = (0..10000u32)
        .map(|n| format!("62010219880808{:03}", n % 1000))
        .flat_map(|body| {
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "X"].map(|c| format!("{body}{c}"))
        })
        .find(|s| validators::cn_resident_id(s, config().today) && validators::bank_card(s))
        .expect("such a number exists");
    let f = scan(&engine, &format!("证件号码 {id}"));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].detector, "cn_resident_id");
    let f = scan(&engine, &format!("银行卡号 {id}"));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].detector, "bank_card");
}

#[test]
fn a_claim_inside_a_longer_one_of_its_detector_is_dropped() {
    let engine = engine();
    // The area variant stops at the road; the labelled one goes on to the house number.
    let f = scan(
        &engine,
        "住址：广州市天河区珠江新城华夏路10号，电话13812345678",
    );
    let addresses: Vec<_> = f.iter().filter(|f| f.detector == "cn_address").collect();
    assert_eq!(addresses.len(), 1, "{f:?}");
    assert_eq!(addresses[0].raw.expose(), "广州市天河区珠江新城华夏路10号");
    // Claims of different detectors on overlapping text both stand.
    let mut files = RuleFile::builtin().unwrap();
    files.push(
        RuleFile::parse(
            "mine.toml",
            "[[rule]]\nid = \"road_name\"\ncategory = \"custom\"\npattern = '''华夏路'''\ntrigger = { literals = [\"华夏路\"] }\nwindow = [0, 12]\nboundary = \"none\"\n",
        )
        .unwrap(),
    );
    let engine = Engine::new(&files, &config()).unwrap();
    let f = scan(&engine, "住址：广州市天河区珠江新城华夏路10号");
    assert!(f.iter().any(|f| f.detector == "road_name"), "{f:?}");
    assert!(f.iter().any(|f| f.detector == "cn_address"), "{f:?}");
}
#[test]
fn stream_reports_straddling_match_exactly_once() {
    let engine = engine();
    let mut text = String::new();
    let filler = "普通的聊天记录，没有敏感信息。 some english text 2024-01-01 v1.2.3\n";
    while text.len() < 1_500_000 {
        text.push_str(filler);
        if text.len().is_multiple_of(7) {
            text.push_str("身份证号：11010519491231002X 手机：13812345678\n");
        }
    }
    let mut whole = Vec::new();
    engine.scanner().scan(&text, &mut whole);
    // One stream serves the three texts one after another (`finish` readies it for the
    // next), and findings already in the output list stay as they are.
    let mut scanner = engine.scanner();
    let mut stream = StreamScanner::new(&scanner);
    let mut all = Vec::new();
    for chunk_size in [1000usize, 4097, 65536] {
        let before = all.len();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let mut cut = chunk_size.min(rest.len());
            while !rest.is_char_boundary(cut) {
                cut += 1;
            }
            stream.push(&mut scanner, &rest[..cut], &mut all);
            rest = &rest[cut..];
        }
        stream.finish(&mut scanner, &mut all);
        let got = &all[before..];
        let a: Vec<_> = whole
            .iter()
            .map(|f| (f.start, f.end, f.line, f.detector.clone()))
            .collect();
        let b: Vec<_> = got
            .iter()
            .map(|f| (f.start, f.end, f.line, f.detector.clone()))
            .collect();
        assert_eq!(a, b, "chunk size {chunk_size}");
    }
}

#[test]
fn stream_boundary_inside_a_value() {
    let engine = engine();
    let text = format!(
        "{}身份证号：11010519491231002X{}",
        "a".repeat(5000),
        "b".repeat(5000)
    );
    let cut = text.find("1949").unwrap();
    let mut scanner = engine.scanner();
    let mut stream = StreamScanner::new(&scanner);
    let mut got = Vec::new();
    stream.push(&mut scanner, &text[..cut], &mut got);
    stream.push(&mut scanner, &text[cut..], &mut got);
    stream.finish(&mut scanner, &mut got);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].raw.expose(), "11010519491231002X");
}

#[test]
fn prefilter_stage_is_observable() {
    let engine = engine();
    let mut s = engine.scanner();
    assert!(s.candidates("no digits or triggers here").is_empty());
    let c = s.candidates("手机13812345678");
    assert!(!c.is_empty());
}

/// What identifies a finding for comparing two ways of scanning the same values.
fn key(field: usize, f: &Finding) -> String {
    format!(
        "{field} {} {} {}..{} line {:?} field {:?} {} {}",
        f.detector, f.confidence, f.start, f.end, f.line, f.field, f.masked, f.value_hash
    )
}

/// Scanning a record in one pass gives exactly the findings of scanning its values one by
/// one: every catalog example (positive, negative, field) as one record, named and
/// unnamed fields mixed, full-width values and empty values between them.
#[test]
fn record_scan_equals_value_scans() {
    let engine = engine();
    let mut cells: Vec<(String, String)> = Vec::new();
    for file in RuleFile::builtin().unwrap() {
        for spec in &file.rules {
            for ex in spec.examples.iter().chain(&spec.negative_examples) {
                cells.push((String::new(), ex.clone()));
                cells.push(("note".into(), ex.clone()));
            }
            for ex in spec
                .field_examples
                .iter()
                .chain(&spec.negative_field_examples)
            {
                cells.push((ex.field.clone(), ex.value.clone()));
                cells.push((String::new(), String::new()));
            }
        }
    }
    cells.push((
        "手机".into(),
        "１３８１２３４５６７８\n第二行 13912345678".into(),
    ));
    cells.push(("order_no".into(), "110105194912310021".into()));
    for chunk in [cells.len(), 7, 3, 1] {
        for record in cells.chunks(chunk) {
            let fields: Vec<RecordField<'_>> = record
                .iter()
                .map(|(n, v)| RecordField { name: n, value: v })
                .collect();
            let mut expected = Vec::new();
            for (i, (n, v)) in record.iter().enumerate() {
                let found = if n.is_empty() {
                    scan(&engine, v)
                } else {
                    scan_field(&engine, n, v)
                };
                expected.extend(found.iter().map(|f| key(i, f)));
            }
            let mut out = Vec::new();
            let mut owners = Vec::new();
            engine.scanner().scan_record(&fields, &mut out, &mut owners);
            assert_eq!(out.len(), owners.len());
            let mut got: Vec<String> = out
                .iter()
                .zip(&owners)
                .map(|(f, o)| key(*o as usize, f))
                .collect();
            expected.sort();
            got.sort();
            // A record adds what only a record shows: names found by the form context of
            // another cell (`RuleSpec::near`), which may also raise the confidence of a
            // name the per-value scan found. Everything else is exactly the per-value scan.
            let names_without_confidence = |keys: &mut Vec<String>| {
                for k in keys.iter_mut() {
                    if k.contains(" person_name ") {
                        *k = k
                            .replace(" low ", " ")
                            .replace(" medium ", " ")
                            .replace(" high ", " ");
                    }
                }
            };
            names_without_confidence(&mut expected);
            names_without_confidence(&mut got);
            let mut extra = got.clone();
            for e in &expected {
                let at = extra.iter().position(|g| g == e);
                assert!(at.is_some(), "record of {chunk} cells lost {e}");
                extra.remove(at.unwrap());
            }
            assert!(
                extra.iter().all(|k| k.contains("person_name")),
                "record of {chunk} cells added {extra:?}"
            );
        }
    }
}

/// The values found are whole: an address runs through its building, unit and room, and
/// a dotted MAC address hashes like the same address written with colons.
#[test]
fn values_are_whole_and_forms_agree() {
    let engine = engine();
    let text = "家住浙江省杭州市西湖区建设路12号翠苑小区3栋2单元502室，电话";
    let found = scan(&engine, text);
    let address = found_one(&found, "cn_address");
    assert_eq!(
        &text[address.start..address.end],
        "浙江省杭州市西湖区建设路12号翠苑小区3栋2单元502室"
    );
    // The rest of a sentence that merely ends in 号 is not part of the address.
    let text = "地址：上海市徐汇区漕溪北路88号张三的手机号";
    let found = scan(&engine, text);
    let address = found_one(&found, "cn_address");
    assert!(text[address.start..address.end].ends_with("88号"));

    // A coordinate in two fields, one written with full-width digits, is the same pair.
    let pair = |lat: &str| {
        let fields = [
            RecordField {
                name: "lat",
                value: lat,
            },
            RecordField {
                name: "lng",
                value: "121.4737",
            },
        ];
        let (mut out, mut owners) = (Vec::new(), Vec::new());
        engine.scanner().scan_record(&fields, &mut out, &mut owners);
        assert_eq!(owners, [0]);
        out.remove(0).value_hash
    };
    assert_eq!(pair("31.2304"), pair("３１.２３０４"));

    let dotted = scan(&engine, "mac ac12.3f00.91be");
    let colons = scan(&engine, "mac AC:12:3F:00:91:BE");
    assert_eq!(dotted.len(), 1);
    assert_eq!(dotted[0].value_hash, colons[0].value_hash);
}

/// Look-alikes that are not a person's data: a URL's user part is not an e-mail address,
/// network and broadcast addresses are not anyone's IP, and a three-digit area code takes
/// an eight-digit local number.
#[test]
fn look_alikes_are_not_reported() {
    let engine = engine();
    let ids = |text: &str| -> Vec<String> {
        scan(&engine, text)
            .into_iter()
            .map(|f| f.detector.to_string())
            .collect()
    };
    assert!(
        !ids("https://x-access:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com")
            .contains(&"email".to_string())
    );
    assert!(ids("mailto:li.lei@example.cn").contains(&"email".to_string()));
    assert!(ids("from 58.0.0.0 to 58.255.255.255").is_empty());
    assert!(ids("client 58.12.0.7").contains(&"ipv4".to_string()));
    assert!(!ids("电话 010-6234567").contains(&"cn_landline".to_string()));
    assert!(ids("电话 0755-8123456").contains(&"cn_landline".to_string()));
}

/// A value in a field named for order, tracking or hash numbers is dropped unless some
/// context supports it; the name's words are compared, so `shanghai` is not `sha`.
#[test]
fn decoy_fields_drop_unsupported_look_alikes() {
    let engine = engine();
    // A valid resident ID number shape in an order column is an order number.
    assert!(scan_field(&engine, "order_no", "110105194912310021").is_empty());
    assert!(scan_field(&engine, "trackingNumber", "13812345678").is_empty());
    assert!(scan_field(&engine, "sha256", "13812345678").is_empty());
    // Support keeps it: a label in the value, or a field that is also named for the data.
    assert_eq!(
        scan_field(&engine, "order_no", "收件人手机 13812345678").len(),
        1
    );
    assert_eq!(scan_field(&engine, "order_phone", "13812345678").len(), 1);
    assert_eq!(
        scan_field(&engine, "shanghai_office", "13812345678").len(),
        1
    );
}

/// Digit runs inside a hash or trace id are not identifiers, however valid they look; a
/// number glued to ordinary words still is.
#[test]
fn digit_runs_inside_hex_tokens_are_not_identifiers() {
    let engine = engine();
    let id = "11010519491231002X";
    let card = "6222021234567890128";
    // Valid on their own (the checks below), but here the middle of a hex token.
    assert!(scan(&engine, &format!("trace=3fa{card}c7e1")).is_empty());
    assert!(scan(&engine, &format!("sha ab{id}e0fd91")).is_empty());
    assert_eq!(scan(&engine, &format!("ID:{id}")).len(), 1);
    assert_eq!(scan(&engine, &format!("卡号{card}")).len(), 1);
    // Short hex-looking words around a number do not make it a hash.
    assert_eq!(scan(&engine, &format!("card {card} exp")).len(), 1);
}

/// A coordinate pair hashes the same however it is written: bare, labelled, labelled with
/// longitude first, or in two fields of a record.
#[test]
fn coordinate_forms_hash_alike() {
    let engine = engine();
    let hashes: Vec<leakscope_core::ValueHash> = [
        "位置 31.2304,121.4737",
        "lat: 31.2304, lng: 121.4737",
        "经度121.4737，纬度31.2304",
        "?lat=31.2304&lng=121.4737",
        "北纬31.2304 东经121.4737",
        "东经121.4737，北纬31.2304",
    ]
    .iter()
    .map(|t| {
        let found = scan(&engine, t);
        let gps = found.iter().find(|f| f.detector == "gps");
        gps.unwrap_or_else(|| panic!("{t}: {found:?}")).value_hash
    })
    .collect();
    assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{hashes:?}");
    let fields = [
        RecordField {
            name: "lat",
            value: "31.2304",
        },
        RecordField {
            name: "lng",
            value: "121.4737",
        },
    ];
    let (mut out, mut owners) = (Vec::new(), Vec::new());
    engine.scanner().scan_record(&fields, &mut out, &mut owners);
    assert_eq!(out[0].value_hash, hashes[0]);
}

#[test]
fn a_near_id_that_no_rule_defines_is_a_located_error() {
    let text = "[[rule]]\nid = \"visitor\"\npattern = \"x\"\nnear = [\"cn_mobil\"]\n";
    let mut files = RuleFile::builtin().unwrap();
    files.push(RuleFile::parse("mine.toml", text).unwrap());
    let err = Engine::new(&files, &config()).unwrap_err();
    assert!(err.to_string().contains("`cn_mobil`"), "{err}");
    assert_eq!((err.origin.as_str(), err.line), ("mine.toml", 2));
}

#[test]
fn inline_ignore_drops_only_its_own_line_in_streams_and_counts_once() {
    let engine = engine();
    let text = "aws_key = AKIAZ3MSJV4WWNKWW5FG # leakscope:ignore (test fixture)\n\
                手机 13812345678\n\
                // leakscope:ignore\n\
                other = AKIAZ3MSJV4WWNKWW5FH\n";
    let mut scanner = engine.scanner();
    let mut stream = StreamScanner::new(&scanner);
    let mut found = Vec::new();
    stream.push(&mut scanner, text, &mut found);
    assert_eq!(stream.finish(&mut scanner, &mut found), 1);
    let ids: Vec<&str> = found.iter().map(|f| f.detector.as_str()).collect();
    assert_eq!(
        ids,
        ["cn_mobile", "aws_access_key_id"],
        "the marker covers its own line only"
    );
    // Streamed in small pieces with a long filler, the ignored finding is counted once
    // even though overlapping scans see it more than once.
    let filler = "x".repeat(700 << 10);
    let long = format!("{filler}\n{text}{filler}\n{text}");
    let mut stream = StreamScanner::new(&scanner);
    let mut out = Vec::new();
    for piece in long.as_bytes().chunks(4096) {
        stream.push(&mut scanner, std::str::from_utf8(piece).unwrap(), &mut out);
    }
    let ignored = stream.finish(&mut scanner, &mut out);
    assert_eq!((ignored, out.len()), (2, 4));
    // A plain scan (what the masking of names and messages uses) never honours it: an
    // identifier in a message that carries the marker is still found, so still masked.
    assert_eq!(scan(&engine, text).len(), 3);
}

#[test]
fn fuzz_find_email_like_runs_with_several_at_signs() {
    // Found by `engine_scan`: `…K@A.K@KKA.K…` with control bytes around.
    let data: &[u8] = &[
        0xc2, 0x85, 0xce, 0x90, 0x4b, 0x4b, 0x41, 0x2e, 0x4b, 0x40, 0x41, 0x2e, 0x4b, 0x40, 0x4b,
        0x4b, 0x41, 0x2e, 0x4b, 0x00, 0x90, 0x90, 0x9c,
    ];
    let text = String::from_utf8_lossy(data);
    let engine = engine();
    let mut scanner = engine.scanner();
    let mut out = Vec::new();
    scanner.scan(&text, &mut out);
    scanner.scan_field("身份证号", &text, &mut out);
    let mut stream = crate::StreamScanner::new(&scanner);
    let mid = (text.len() / 2..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    stream.push(&mut scanner, &text[..mid], &mut out);
    stream.push(&mut scanner, &text[mid..], &mut out);
    stream.finish(&mut scanner, &mut out);
}

mod word_hits {
    use super::super::{gallop, word_automaton, Hit, Required, WordHits};
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
    use proptest::prelude::*;

    /// Words that overlap and nest in every way: shared prefixes and suffixes, a word
    /// inside another, CJK and ASCII of either case.
    const WORDS: &[&str] = &[
        "号",
        "单号",
        "订单号",
        "订单",
        "手机",
        "手机号",
        "机号码",
        "secret",
        "aws_secret",
        "sec",
        "ab",
        "abc",
        "bc",
        "b",
        "Name",
        "na",
    ];

    fn direct(kind: MatchKind) -> AhoCorasick {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(kind)
            .build(WORDS)
            .unwrap()
    }

    fn text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "号", "单", "订", "手", "机", "码", "secret", "aws_", "s", "e", "c", "a", "b", "A",
            "B", "Name", "n", " ", "      ", "：", "1",
        ]);
        prop::collection::vec(pieces, 0..60).prop_map(|p| p.concat())
    }

    fn words() -> Vec<String> {
        WORDS.iter().map(|w| w.to_string()).collect()
    }

    /// The largest character boundary of `text` at or before `i`.
    fn boundary(text: &str, i: usize) -> usize {
        let mut i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    /// The library's overlapping search of `text`, as (start, end, word) in the order
    /// [`WordHits`] keeps: by start, longest first.
    fn library_occurrences(text: &str) -> Vec<(usize, usize, String)> {
        let mut found: Vec<(usize, usize, String)> = direct(MatchKind::Standard)
            .find_overlapping_iter(text)
            .map(|m| {
                (
                    m.start(),
                    m.end(),
                    WORDS[m.pattern().as_usize()].to_lowercase(),
                )
            })
            .collect();
        found.sort_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)));
        found
    }

    /// The occurrences `hits` holds, as [`library_occurrences`] lists them.
    fn occurrences(hits: &WordHits, words: &[String]) -> Vec<(usize, usize, String)> {
        hits.hits
            .iter()
            .map(|h| (h.start, h.end, words[h.word as usize].to_lowercase()))
            .collect()
    }

    proptest! {
        /// The selections from the occurrences equal what a non-overlapping search of the
        /// window itself reports: leftmost-longest, and standard (earliest end).
        #[test]
        /// Several windows are looked up in turn, forwards and backwards, as values of
        /// different rules are, so the lookups' cursor is exercised too.
        fn selections_equal_direct_searches(
            text in text(),
            windows in prop::collection::vec((0usize..200, 0usize..200), 1..6),
        ) {
            let (ac, roles) = word_automaton(&words(), &[], &[], &[]);
            let required: Vec<u64> = roles.iter().map(|r| r.required_by).collect();
            let mut hits = WordHits::default();
            hits.find(ac.as_ref(), &required, &text);
            for (a, b) in windows {
            let (from, to) = (boundary(&text, a.min(b)), boundary(&text, a.max(b)));
            let window = &text[from..to];
            let longest: Vec<(usize, usize)> = direct(MatchKind::LeftmostLongest)
                .find_iter(window)
                .map(|m| (from + m.start(), from + m.end()))
                .collect();
            let picked: Vec<(usize, usize)> =
                hits.leftmost_longest(from, to, |_| true).map(|h| (h.start, h.end)).collect();
            prop_assert_eq!(picked, longest);
            let earliest: Vec<usize> = direct(MatchKind::Standard)
                .find_iter(window)
                .map(|m| from + m.end())
                .collect();
            let picked: Vec<usize> =
                hits.earliest_ending(from, to, |_| true).map(|h| h.end).collect();
            prop_assert_eq!(picked, earliest);
            }
        }
    }

    proptest! {
        /// The occurrences are exactly the library's overlapping search's, in start order
        /// (longest first at one start), and a rule's required words are found in a
        /// window exactly when their own automaton finds them there.
        #[test]
        fn occurrences_equal_the_overlapping_search(
            text in text(),
            windows in prop::collection::vec((0usize..200, 0usize..200), 1..6),
        ) {
            let words = words();
            // Two rules' required words, one of them case-sensitive ASCII.
            let required = [("单号", 0u8), ("Name", 0), ("机号码", 1), ("ab", 1)];
            let (automaton, roles) = word_automaton(
                &words,
                &[],
                &[],
                &required.map(|(w, slot)| (w.to_string(), slot)),
            );
            let masks: Vec<u64> = roles.iter().map(|r| r.required_by).collect();
            let mut hits = WordHits::default();
            hits.find(automaton.as_ref(), &masks, &text);
            prop_assert_eq!(occurrences(&hits, &words), library_occurrences(&text));
            for slot in [0u8, 1] {
                let own: Vec<String> =
                    required.iter().filter(|r| r.1 == slot).map(|r| r.0.to_string()).collect();
                let req = Required {
                    ac: AhoCorasick::new(&own).unwrap(),
                    words: own,
                    slot: Some(slot),
                };
                // A slot's bit is set wherever one of its words is in the text, so a
                // rule whose bit is clear may skip the text.
                if req.ac.is_match(&text) {
                    prop_assert!(hits.required & (1u64 << slot) != 0, "slot {}", slot);
                }
                for &(a, b) in &windows {
                    let (from, to) = (boundary(&text, a.min(b)), boundary(&text, a.max(b)));
                    prop_assert_eq!(
                        req.found(&hits, &roles, &text, from, to),
                        req.ac.is_match(&text[from..to]),
                        "slot {} in {:?}", slot, &text[from..to]
                    );
                }
            }
        }
    }

    /// The reason for the table of its own: the built-in words' automaton is less than
    /// half the size of the library's.
    #[test]
    fn the_compact_table_is_less_than_half_the_library_dfa() {
        use aho_corasick::automaton::Automaton;
        let engine = super::super::Engine::builtin(&super::config()).unwrap();
        let words = engine.words.as_ref().unwrap();
        let library = aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(words.patterns())
            .unwrap();
        assert!(
            words.memory() * 2 < library.memory_usage(),
            "{} bytes against the library's {}",
            words.memory(),
            library.memory_usage()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Texts long enough to be walked as two halves at once give the occurrences of the
        /// library's search too, wherever the middle falls among them.
        #[test]
        fn long_texts_give_the_same_occurrences(
            pieces in prop::collection::vec(text(), 80..160),
        ) {
            let text = pieces.concat();
            let words = words();
            let (automaton, roles) = word_automaton(&words, &[], &[], &[]);
            let masks: Vec<u64> = roles.iter().map(|r| r.required_by).collect();
            let mut hits = WordHits::default();
            hits.find(automaton.as_ref(), &masks, &text);
            prop_assert_eq!(occurrences(&hits, &words), library_occurrences(&text));
        }

        /// A long text of mostly spaces (walked once, not as two halves) gives them too.
        #[test]
        fn long_blank_texts_give_the_same_occurrences(
            pieces in prop::collection::vec((text(), 100usize..300), 40..80),
        ) {
            let text: String = pieces
                .iter()
                .map(|(piece, blank)| format!("{piece}{}", " ".repeat(*blank)))
                .collect();
            let words = words();
            let (automaton, roles) = word_automaton(&words, &[], &[], &[]);
            let masks: Vec<u64> = roles.iter().map(|r| r.required_by).collect();
            let mut hits = WordHits::default();
            hits.find(automaton.as_ref(), &masks, &text);
            prop_assert_eq!(occurrences(&hits, &words), library_occurrences(&text));
        }
    }

    proptest! {
        /// Galloping from any hint finds what a binary search of the whole list finds.
        #[test]
        fn gallop_equals_a_binary_search(
            starts in prop::collection::vec(0usize..100, 0..80),
            hint in 0usize..100,
            key in 0usize..110,
        ) {
            let mut starts = starts;
            starts.sort_unstable();
            let hits: Vec<Hit> = starts
                .iter()
                .map(|&start| Hit { start, end: start + 1, word: 0 })
                .collect();
            prop_assert_eq!(
                gallop(&hits, hint, key),
                hits.partition_point(|h| h.start < key)
            );
        }
    }
}

mod runs {
    use super::super::{skip_digits, skip_letters};
    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time run ends equal a byte-at-a-time walk, for any bytes.
        #[test]
        fn run_ends_equal_a_byte_walk(bytes in prop::collection::vec(any::<u8>(), 0..40), j in 0usize..40, n in 0usize..40) {
            let n = n.min(bytes.len());
            let j = j.min(n);
            let walk = |pred: fn(&u8) -> bool| {
                let mut k = j;
                while k < n && pred(&bytes[k]) {
                    k += 1;
                }
                k
            };
            prop_assert_eq!(skip_digits(&bytes, j, n), walk(u8::is_ascii_digit));
            prop_assert_eq!(skip_letters(&bytes, j, n), walk(u8::is_ascii_alphabetic));
        }

        /// The same on text made of the bytes around the classes' edges.
        #[test]
        fn run_ends_at_class_edges(bytes in prop::collection::vec(prop::sample::select(vec![b'/', b'0', b'9', b':', b'@', b'A', b'Z', b'[', b'`', b'a', b'z', b'{', 0x80, 0xC1, 0xDA, 0xFA, 0xB0, 0xB9]), 0..40)) {
            let n = bytes.len();
            let walk = |pred: fn(&u8) -> bool| bytes.iter().take_while(|b| pred(b)).count();
            prop_assert_eq!(skip_digits(&bytes, 0, n), walk(u8::is_ascii_digit));
            prop_assert_eq!(skip_letters(&bytes, 0, n), walk(u8::is_ascii_alphabetic));
        }
    }
}

mod merging {
    use super::super::{merge_candidates, Candidate, MergeScratch};
    use proptest::prelude::*;

    proptest! {
        /// Both ways of merging (sorting a few windows, grouping many by rule) give the
        /// windows of each rule sorted and with overlaps joined.
        #[test]
        fn merging_equals_sorting_and_joining(
            raw in prop::collection::vec((0u32..6, 0usize..200, 0usize..40, 0u32..3), 0..80),
        ) {
            let mut cands: Vec<Candidate> = raw
                .iter()
                .map(|&(rule, start, len, segment)| Candidate { rule, start, end: start + len, segment })
                .collect();
            let mut expected = cands.clone();
            expected.sort();
            let mut joined: Vec<Candidate> = Vec::new();
            for c in expected {
                match joined.last_mut() {
                    Some(last) if last.rule == c.rule && c.start <= last.end => {
                        last.end = last.end.max(c.end);
                    }
                    _ => joined.push(c),
                }
            }
            merge_candidates(&mut cands, &mut MergeScratch::default(), 6);
            prop_assert_eq!(cands, joined);
        }
    }
}

mod dispatch {
    use super::super::ClusterFeatures;
    use proptest::prelude::*;

    proptest! {
        /// The dispatch offers a cluster to every built-in token rule that fires on it
        /// (it may offer more: `fires` decides), whatever its lengths and separators.
        #[test]
        fn every_rule_that_fires_is_offered(
            masks in (any::<u64>(), any::<u64>(), any::<u64>()),
            counts in (0u32..70, 0u32..70, 0u32..12, 0u32..12, 0u32..12, 0u32..12),
            letter: bool,
            cjk_before: bool,
        ) {
            let engine = super::engine();
            let dispatch = engine.token_dispatch.as_ref().expect("few token rules");
            let (run_mask, zero_run_mask, alnum_mask) = masks;
            let (max_joined, max_run, dots, colons, hyphens, max_decimals) = counts;
            let f = ClusterFeatures {
                run_mask,
                zero_run_mask,
                alnum_mask,
                max_joined,
                max_run,
                dots,
                colons,
                hyphens,
                max_decimals,
                letter,
            };
            let offered = dispatch.offered(&f);
            for (i, &r) in engine.token_rules.iter().enumerate() {
                let token = engine.rules[r as usize].token.as_ref().expect("a token rule");
                if token.fires(&f, cjk_before) {
                    prop_assert!(offered & (1 << i) != 0, "rule {} not offered", engine.rules[r as usize].id);
                }
            }
        }
    }
}

/// Names that differ only in an array index of two or more read alike to every rule when
/// no rule's field words hold a digit, so their reading is shared; a rule that reads a
/// digit in names turns the sharing off.
mod indexed_names {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn indices_of_two_or_more_are_written_as_two() {
        assert_eq!(index_key("12.phone").as_deref(), Some("2.phone"));
        assert_eq!(
            index_key("people.345.id_no").as_deref(),
            Some("people.2.id_no")
        );
        assert_eq!(index_key("coordinates.1"), None);
        assert_eq!(index_key("loc.0.lat"), None);
        assert_eq!(index_key("2.name"), None);
        assert_eq!(index_key("phone2"), None);
        assert_eq!(index_key("v1.10"), Some("v1.2".to_string()));
        assert_eq!(index_key("手机.07"), Some("手机.2".to_string()));
        assert_eq!(index_key("a12b"), None);
        assert_eq!(index_key(""), None);
    }

    #[test]
    fn the_catalog_reads_no_digits_in_names_and_a_rule_can() {
        assert!(engine().index_blind);
        let text = r#"
[[rule]]
id = "line2_phone"
pattern = '\d{5}'
trigger = { run_len = [5] }
fields = ["tel_2"]
examples = ["x 12345"]
"#;
        let mut files = RuleFile::builtin().unwrap();
        files.push(RuleFile::parse("mine.toml", text).unwrap());
        let engine = Engine::new(&files, &config()).unwrap();
        assert!(!engine.index_blind);
        // And then each name is read as it is: `tel_2` supports the rule, `tel_12` not.
        let mut scanner = engine.scanner();
        let rule = engine
            .rules
            .iter()
            .position(|r| r.id == "line2_phone")
            .unwrap();
        assert!(scanner.facts("tel.2").supports[rule]);
        assert!(!scanner.facts("tel.12").supports[rule]);
    }

    fn name() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "phone",
            "Phone",
            "name",
            "id_no",
            "idNo",
            "lat",
            "lng",
            "latitude",
            "longitude",
            "coordinates",
            "loc",
            "order_no",
            "sha",
            "手机",
            "姓名",
            "地址",
            "0",
            "1",
            "2",
            "12",
            "345",
            "07",
            ".",
            "_",
            "-",
            " ",
            "[",
            "]",
            "x",
            "customer",
            "card",
            "imsi",
            "v1",
            "md5",
            "订单",
        ]);
        prop::collection::vec(pieces, 1..7).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn a_name_and_its_index_key_read_alike(field in name()) {
            let engine = engine();
            if let Some(key) = index_key(&field) {
                prop_assert_eq!(engine.name_rules(&field), engine.name_rules(&key), "{} / {}", field, key);
            }
        }
    }
}

#[test]
fn traditional_chinese_is_read_as_simplified_and_shown_as_written() {
    let engine = engine();
    let text = "姓名：陳大文 香港身份證：A123456(3)\n地址：台北市大安區忠孝東路四段100號";
    let f = scan(&engine, text);
    let name = found_one(&f, "person_name");
    assert_eq!(name.raw.expose(), "陳大文");
    assert_eq!(&text[name.start..name.end], "陳大文");
    let address = found_one(&f, "cn_address");
    assert_eq!(address.raw.expose(), "台北市大安區忠孝東路四段100號");
    // Hashed as read: the same name in either script is one value.
    let simplified = scan(&engine, "姓名：陈大文 电话");
    let same = found_one(&simplified, "person_name");
    assert_eq!(same.value_hash, name.value_hash);
}
