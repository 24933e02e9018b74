//! Findings people can trust: the accuracy benchmark holds its targets, and the shapes the
//! accuracy issue named (names in prose, in rows without a header, in SQL `INSERT`s and
//! spreadsheets; whole addresses; coordinates in every form; MAC forms; decoys) are found
//! or left alone end to end, through the binary.

mod common;
use common::{resident_id, xlsx, Env};
use std::collections::BTreeSet;

/// Scans the environment's directory and returns (file name, detector, value as written).
fn scan_values(env: &Env) -> BTreeSet<(String, String, String)> {
    let out = env.run(&[
        "scan",
        ".",
        "--no-db",
        "--format",
        "jsonl",
        "--show-values",
        "--no-progress",
        "--fail-on",
        "never",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r.get("detector").is_some())
        .map(|r| {
            let path = r["path"].as_str().unwrap().trim_start_matches("./");
            let file = path.split(['/', '!']).next().unwrap().to_string();
            (
                file,
                r["detector"].as_str().unwrap().to_string(),
                r["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(
    found: &BTreeSet<(String, String, String)>,
    file: &str,
    detector: &str,
    value: &str,
) -> bool {
    found.contains(&(file.to_string(), detector.to_string(), value.to_string()))
}

#[test]
fn bench_accuracy_meets_its_targets() {
    let env = Env::new();
    let out = env.run(&["bench", "accuracy", "--rows", "60", "--seed", "9"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("| **micro** |"), "{stdout}");
    for detector in [
        "person_name",
        "cn_address",
        "gps",
        "cn_resident_id",
        "hk_id",
        "imsi",
    ] {
        assert!(
            stdout.contains(&format!("| `{detector}` |")),
            "{detector}: {stdout}"
        );
    }
    assert!(stdout.contains("every accuracy target met"), "{stdout}");
}

#[test]
fn names_are_found_in_prose_rows_without_headers_dumps_and_sheets() {
    let env = Env::new();
    let (a, b, c) = (resident_id(61), resident_id(62), resident_id(63));
    env.write(
        "chat.txt",
        format!(
            "这个人的资料 王芳 身份证{a}\n刚才李建国在门口等你\n今天天气很好，联系方式在群里\n"
        )
        .as_bytes(),
    );
    env.write(
        "no_header.csv",
        format!("赵丽娟,{b},13812345678\n钱立新,{c},13912345678\n").as_bytes(),
    );
    env.write(
        "dump.sql",
        "INSERT INTO `guest` (`id`,`guest_name`,`room`) VALUES (1,'孙浩然','0302'),(2,'周雅婷','0303');\n"
            .as_bytes(),
    );
    env.write(
        "sheet.xlsx",
        &xlsx(
            &[],
            &[vec![
                "欧阳娜娜".into(),
                resident_id(64),
                "13712345678".into(),
            ]],
        ),
    );
    let found = scan_values(&env);
    for (file, name) in [
        ("chat.txt", "王芳"),
        ("chat.txt", "李建国"),
        ("no_header.csv", "赵丽娟"),
        ("no_header.csv", "钱立新"),
        ("dump.sql", "孙浩然"),
        ("dump.sql", "周雅婷"),
        ("sheet.xlsx", "欧阳娜娜"),
    ] {
        assert!(
            has(&found, file, "person_name", name),
            "{file} {name}: {found:?}"
        );
    }
    let names: Vec<_> = found.iter().filter(|f| f.1 == "person_name").collect();
    assert_eq!(names.len(), 7, "no other names: {names:?}");
    // The first row of a file without a header is a record, not column names.
    assert!(
        has(&found, "no_header.csv", "cn_resident_id", &c),
        "{found:?}"
    );
}

#[test]
fn addresses_coordinates_and_hardware_addresses_are_whole_and_decoys_stay_quiet() {
    let env = Env::new();
    env.write(
        "notes.txt",
        "收货地址：浙江省杭州市西湖区建设路12号翠苑小区3栋2单元502室\n寄到宁波市鄞州区中山东路191号\nGPS:31.2304,121.4737\nmac 3C-22-FB-10-A2-7E ac12.3f00.91be\nroute 58.0.0.0/8 dropped, build version=2.0.1.213\n发票代码 044031900111\n"
            .as_bytes(),
    );
    env.write("points.csv", b"name,lat,lng\nA,30.5728,104.0668\n");
    env.write(
        "points.jsonl",
        b"{\"device\":7,\"latitude\":\"22.5431\",\"longitude\":\"114.0579\"}\n",
    );
    env.write(
        "metrics.csv",
        b"ts,cpu,mem\n2024-01-01 10:00:00,41.2207,17.0815\n",
    );
    let found = scan_values(&env);
    for (file, detector, value) in [
        (
            "notes.txt",
            "cn_address",
            "浙江省杭州市西湖区建设路12号翠苑小区3栋2单元502室",
        ),
        ("notes.txt", "cn_address", "宁波市鄞州区中山东路191号"),
        ("notes.txt", "gps", "31.2304,121.4737"),
        ("notes.txt", "mac_address", "3C-22-FB-10-A2-7E"),
        ("notes.txt", "mac_address", "ac12.3f00.91be"),
        ("points.csv", "gps", "30.5728,104.0668"),
        ("points.jsonl", "gps", "22.5431,114.0579"),
    ] {
        assert!(
            has(&found, file, detector, value),
            "{file} {detector} {value}: {found:?}"
        );
    }
    let noise: Vec<_> = found
        .iter()
        .filter(|f| {
            f.0 == "metrics.csv"
                || matches!(f.1.as_str(), "ipv4" | "cn_landline")
                || (f.1 == "cn_address" && f.2.starts_with("山东"))
        })
        .collect();
    assert!(noise.is_empty(), "decoys reported: {noise:?}");
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_files_read_with_every_codec() {
    use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let env = Env::new();
    let codecs = [
        ("snappy", Compression::SNAPPY),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
        ("lz4", Compression::LZ4),
        ("lz4_raw", Compression::LZ4_RAW),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
        ("none", Compression::UNCOMPRESSED),
    ];
    for (i, (name, codec)) in codecs.iter().enumerate() {
        let schema = Arc::new(
            parquet::schema::parser::parse_message_type(
                "message people { REQUIRED BYTE_ARRAY name (UTF8); REQUIRED BYTE_ARRAY id_card (UTF8); }",
            )
            .unwrap(),
        );
        let props = Arc::new(WriterProperties::builder().set_compression(*codec).build());
        let mut buf = Vec::new();
        let mut w = SerializedFileWriter::new(&mut buf, schema, props).unwrap();
        let mut rg = w.next_row_group().unwrap();
        for value in ["张伟", resident_id(70 + i as u32).as_str()] {
            let mut col = rg.next_column().unwrap().unwrap();
            col.typed::<ByteArrayType>()
                .write_batch(&[ByteArray::from(value)], None, None)
                .unwrap();
            col.close().unwrap();
        }
        rg.close().unwrap();
        w.close().unwrap();
        env.write(&format!("people_{name}.parquet"), &buf);
    }
    let found = scan_values(&env);
    for (i, (name, _)) in codecs.iter().enumerate() {
        let file = format!("people_{name}.parquet");
        assert!(
            has(&found, &file, "cn_resident_id", &resident_id(70 + i as u32)),
            "{name}: {found:?}"
        );
        assert!(
            has(&found, &file, "person_name", "张伟"),
            "{name}: {found:?}"
        );
    }
}

#[test]
fn a_token_in_a_credential_url_is_no_email_address() {
    let env = Env::new();
    env.write(
        ".git-credentials",
        b"https://ghp_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78@github.com\nhttps://deploy:S3cr3tPassw0rd@git.example.cn\n",
    );
    env.write("contact.txt", b"mailto:li.wei@example.cn\n");
    let emails: Vec<_> = scan_values(&env)
        .into_iter()
        .filter(|f| f.1 == "email")
        .collect();
    assert_eq!(
        emails,
        [(
            "contact.txt".to_string(),
            "email".to_string(),
            "li.wei@example.cn".to_string()
        )],
        "only the mailto address"
    );
}

#[test]
fn spreadsheet_columns_of_floating_point_ids_are_named_in_a_notice() {
    let env = Env::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "姓名").unwrap();
    ws.write_string(0, 1, "身份证号").unwrap();
    ws.write_string(1, 0, "张三").unwrap();
    ws.write_number(1, 1, 1.10105194912310e17).unwrap();
    // A card number that lost its last digits to floating point, whose written-out form
    // (6228480402564890000) would pass the Luhn check by chance.
    ws.write_string(0, 2, "银行账号").unwrap();
    ws.write_number(1, 2, 6.22848040256489e18).unwrap();
    env.write("ids.xlsx", &wb.save_to_buffer().unwrap());
    let out = env.run(&[
        "scan",
        "ids.xlsx",
        "--no-db",
        "--format",
        "jsonl",
        "--no-progress",
        "--fail-on",
        "never",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let notice = stdout
        .lines()
        .find(|l| l.contains("\"type\":\"info\"") && l.contains("身份证号"));
    assert!(
        notice.is_some_and(|n| n.contains("floating point")),
        "{stdout}"
    );
    assert!(
        !stdout.contains("\"detector\":\"bank_card\""),
        "a damaged number is no card: {stdout}"
    );
}

#[test]
fn a_title_row_above_the_header_does_not_hide_the_column_names() {
    let env = Env::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    // An office export: a lone title cell, then the header, then the records. The given
    // name 昊天 holds 天, which only a field named for names lets through.
    ws.write_string(0, 0, "2023年第三季度客户回访名单").unwrap();
    for (c, h) in ["序号", "客户姓名", "联系方式"].iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    ws.write_number(2, 0, 1.0).unwrap();
    ws.write_string(2, 1, "何昊天").unwrap();
    ws.write_number(2, 2, 13912345678.0).unwrap();
    // A one-column sheet: its lone first cell is the header after all.
    let names = wb.add_worksheet();
    names.write_string(0, 0, "姓名").unwrap();
    names.write_string(1, 0, "程昊天").unwrap();
    // A payment bill's preamble: several lone cells above the header.
    let bill = wb.add_worksheet();
    for (r, line) in ["微信支付账单明细", "微信昵称：[小王]", "----明细列表----"]
        .iter()
        .enumerate()
    {
        bill.write_string(r as u32, 0, *line).unwrap();
    }
    for (c, h) in ["序号", "收货人", "联系电话"].iter().enumerate() {
        bill.write_string(3, c as u16, *h).unwrap();
    }
    bill.write_number(4, 0, 1.0).unwrap();
    bill.write_string(4, 1, "吴昊天").unwrap();
    bill.write_number(4, 2, 13612345678.0).unwrap();
    env.write("titled.xlsx", &wb.save_to_buffer().unwrap());
    let (_, findings, _) = env.scan_jsonl(&["titled.xlsx", "--no-db", "--fail-on", "never"]);
    let field_of = |detector: &str| {
        findings
            .iter()
            .filter(|f| f["detector"] == detector)
            .map(|f| f["field"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        field_of("person_name"),
        ["客户姓名", "姓名", "收货人"],
        "{findings:?}"
    );
    assert_eq!(
        field_of("cn_mobile"),
        ["联系方式", "联系电话"],
        "{findings:?}"
    );
}

#[test]
fn a_mail_body_in_gbk_is_read_as_chinese() {
    use base64::Engine as _;
    let env = Env::new();
    let body = "客户资料如下：\n姓名：陈静\n身份证：11010519491231002X\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(body);
    let eml = format!(
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: list\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"gbk\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        base64::engine::general_purpose::STANDARD.encode(&gbk)
    );
    env.write("客户.eml", eml.as_bytes());
    let found = scan_values(&env);
    assert!(has(&found, "客户.eml", "person_name", "陈静"), "{found:?}");
}
