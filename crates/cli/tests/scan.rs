//! End-to-end tests of `leakscope scan` on fixtures generated here: every container,
//! document and encoding, corrupt inputs, exit codes, incremental rescans, raw-value
//! hygiene and baselines.

mod common;

use common::*;
use std::io::Write;

fn paths_with(findings: &[serde_json::Value], detector: &str) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .filter(|f| f["detector"] == detector)
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn every_container_document_and_encoding() {
    let env = Env::new();
    let mut n = 0u32;
    let mut next = || {
        n += 1;
        resident_id(n)
    };
    let mut expected: Vec<(String, String)> = Vec::new();
    let put = |expected: &mut Vec<(String, String)>,
               rel: &str,
               bytes: Vec<u8>,
               member: &str,
               id: String| {
        env.write(rel, &bytes);
        expected.push((format!("{rel}{member}"), id));
    };

    let id = next();
    put(
        &mut expected,
        "plain.txt",
        format!("身份证号：{id}\n").into_bytes(),
        "",
        id,
    );
    let id = next();
    let gbk_text = format!("旧系统导出\r\n姓名：张三 身份证号：{id}\r\n备注：无");
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk_text);
    put(&mut expected, "legacy_gbk.txt", gbk.into_owned(), "", id);
    let id = next();
    let big5_text = format!("身分證字號與資料：{id}，請妥善保管這份資料。");
    let (big5, _, _) = encoding_rs::BIG5.encode(&big5_text);
    put(&mut expected, "legacy_big5.txt", big5.into_owned(), "", id);
    let id = next();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in format!("name,id_card\r\nWang,{id}\r\n").encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    put(&mut expected, "windows_utf16.csv", utf16, "", id);
    let id = next();
    let mut utf16be = Vec::new();
    for u in format!("export {id} end of record\n").encode_utf16() {
        utf16be.extend_from_slice(&u.to_be_bytes());
    }
    put(&mut expected, "no_bom_utf16be.txt", utf16be, "", id);
    let id = next();
    let long_line = format!("{{\"blob\":\"{}\",\"sfz\":\"{id}\"}}", "x".repeat(1 << 20));
    put(
        &mut expected,
        "long_line.json",
        long_line.into_bytes(),
        "",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "people.tsv",
        format!("姓名\t身份证号\n李四\t{id}\n").into_bytes(),
        "",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "events.jsonl",
        format!(
            "{{\"user\":{{\"idcard\":\"{id}\"}}}}\nnot json {}\n",
            next()
        )
        .into_bytes(),
        "",
        id,
    );
    let id = next();
    let inner_zip = zip(&[("deep/note.txt", format!("证件号码 {id}").as_bytes())]);
    put(
        &mut expected,
        "nested.zip",
        zip(&[("inner.zip", &inner_zip)]),
        "!/inner.zip!/deep/note.txt",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "backup.tar",
        tar(&[("etc/users.txt", format!("sfz {id}").as_bytes())]),
        "!/etc/users.txt",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "backup.tar.gz",
        gzip(&tar(&[("home/a.txt", format!("sfz {id}").as_bytes())])),
        "!/home/a.txt",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "single.txt.gz",
        gzip(format!("sfz {id}").as_bytes()),
        "",
        id,
    );
    let id = next();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(format!("sfz {id}").as_bytes()).unwrap();
    put(
        &mut expected,
        "single.txt.bz2",
        bz.finish().unwrap(),
        "",
        id,
    );
    let id = next();
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(format!("sfz {id}").as_bytes()).unwrap();
    put(&mut expected, "single.txt.xz", xz.finish().unwrap(), "", id);
    let id = next();
    put(
        &mut expected,
        "single.txt.zst",
        zstd::encode_all(format!("sfz {id}").as_bytes(), 3).unwrap(),
        "",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "archive.7z",
        seven_z(&[("docs/list.txt", format!("sfz {id}").as_bytes())]),
        "!/docs/list.txt",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "report.docx",
        docx(&["人员名单", &format!("身份证号：{id}")]),
        "",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "legacy.doc",
        doc(&["人员名单", &format!("身份证号：{id}")]),
        "",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "deck.pptx",
        pptx(&format!("sfz {id}")),
        "",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "book.xlsx",
        xlsx(&["姓名", "身份证号"], &[vec!["王五".into(), id.clone()]]),
        "!/Sheet1",
        id,
    );
    let id = next();
    put(
        &mut expected,
        "scan.pdf",
        pdf(&format!("ID card number {id}")),
        "",
        id,
    );
    let id = next();
    let eml = format!("From: a@example.com\r\nTo: b@example.com\r\nSubject: list\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E8=BA=AB=E4=BB=BD=E8=AF=81 {id}\r\n");
    put(&mut expected, "message.eml", eml.into_bytes(), "", id);
    let id = next();
    let att = gzip(format!("sfz {id}").as_bytes());
    let b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&att)
    };
    let mbox = format!("From x@example.com Mon Jan  1 00:00:00 2024\nFrom: x@example.com\nTo: y@example.com\nSubject: a\n\nhello\n\nFrom x@example.com Mon Jan  1 00:00:01 2024\nFrom: x@example.com\nTo: y@example.com\nSubject: b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Type: text/plain\n\nsee attachment\n--zz\nContent-Type: application/gzip\nContent-Disposition: attachment; filename=\"ids.txt.gz\"\nContent-Transfer-Encoding: base64\n\n{b64}\n--zz--\n");
    put(
        &mut expected,
        "inbox.mbox",
        mbox.into_bytes(),
        "!/2!/attachments/ids.txt.gz",
        id,
    );
    let id = next();
    let mut binary = vec![0u8, 1, 2, 0x7f, 0x45, 0x4c, 0x46, 0, 0, 0];
    binary.extend_from_slice(format!("config sfz={id};").as_bytes());
    binary.extend_from_slice(&[0, 0, 0xff, 0xfe, 0]);
    put(&mut expected, "implant.bin", binary, "", id);
    let id = next();
    sqlite(env.dir(), "people.sqlite", &[("赵六", &id)]);
    expected.push(("people.sqlite!/people/1/id_card".to_string(), id));
    let id = next();
    put(
        &mut expected,
        "fullwidth.txt",
        format!(
            "身份证号：{}",
            id.chars()
                .map(|c| char::from_u32(c as u32 - 0x30 + 0xFF10).unwrap_or(c))
                .collect::<String>()
        )
        .into_bytes(),
        "",
        id,
    );

    let (code, findings, other) = env.scan_jsonl(&["--no-db", "."]);
    let errors: Vec<_> = other.iter().filter(|r| r["type"] == "error").collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    assert_eq!(code, 1, "findings mean exit code 1");
    let ids = paths_with(&findings, "cn_resident_id");
    let mut missing = Vec::new();
    for (path, _id) in &expected {
        let want = format!("./{path}");
        if !ids.iter().any(|p| p == &want) {
            missing.push(want);
        }
    }
    assert!(
        missing.is_empty(),
        "missing resident ids at {missing:#?}\nfound at {ids:#?}"
    );
    // Offsets point into the decoded text: the GBK file's match is at its UTF-8 offset.
    let gbk = findings
        .iter()
        .find(|f| f["path"] == "./legacy_gbk.txt" && f["detector"] == "cn_resident_id")
        .unwrap();
    assert_eq!(gbk["line"], 2);
    let decoded = format!("旧系统导出\r\n姓名：张三 身份证号：{}", resident_id(2));
    assert_eq!(
        gbk["offset"].as_u64().unwrap() as usize,
        decoded.find(&resident_id(2)).unwrap()
    );
    // Field names travel with structured values.
    let tsv = findings
        .iter()
        .find(|f| f["path"] == "./people.tsv" && f["detector"] == "cn_resident_id")
        .unwrap();
    assert_eq!(tsv["field"], "身份证号");
    assert_eq!(tsv["line"], 2);
    let json = findings
        .iter()
        .find(|f| f["path"] == "./events.jsonl" && f["detector"] == "cn_resident_id")
        .unwrap();
    assert_eq!(json["field"], "user.idcard");
    // Binary content is noted.
    assert!(other
        .iter()
        .any(|r| r["type"] == "info" && r["path"] == "./implant.bin"));
}

#[test]
fn corrupt_inputs_are_located_and_the_scan_goes_on() {
    let env = Env::new();
    let good = resident_id(500);
    env.write("good.txt", format!("sfz {good}").as_bytes());
    let z = zip(&[(
        "a.txt",
        b"hello world, this is a member long enough to matter",
    )]);
    env.write("truncated.zip", &z[..z.len() / 2]);
    let gz = gzip(&vec![b'a'; 100_000]);
    let mut bad_gz = gz.clone();
    let mid = bad_gz.len() / 2;
    bad_gz[mid..mid + 8].copy_from_slice(&[0xFF; 8]);
    env.write("corrupt.txt.gz", &bad_gz);
    // A decompression bomb: 64 MiB of zeros in a tiny zip member.
    let zeros = vec![0u8; 64 << 20];
    env.write("bomb.zip", &zip(&[("zeros.bin", &zeros)]));
    let pdf_bytes = pdf("nothing here");
    env.write("truncated.pdf", &pdf_bytes[..pdf_bytes.len() / 3]);
    let mut fake_db = b"SQLite format 3\0".to_vec();
    fake_db.extend_from_slice(&[0xAB; 4000]);
    env.write("fake.sqlite", &fake_db);
    env.write(
        "broken.7z",
        &[
            b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C, 0, 4, 1, 2, 3, 4, 5, 6, 7, 8,
        ],
    );
    env.write("broken.xlsx", &zip(&[("xl/workbook.xml", b"<not really")]));
    env.write("deep.json", "[".repeat(100_000).as_bytes());
    let t = gzip(&tar(&[("a.txt", &[b'x'; 5000]), ("b.txt", b"more")]));
    env.write("truncated.tar.gz", &t[..t.len() * 2 / 3]);
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(&[b'y'; 50_000]).unwrap();
    let mut bz = bz.finish().unwrap();
    let n = bz.len();
    bz[n / 2..n / 2 + 4].copy_from_slice(&[0; 4]);
    env.write("corrupt.txt.bz2", &bz);
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(&[b'z'; 50_000]).unwrap();
    let xz = xz.finish().unwrap();
    env.write("truncated.txt.xz", &xz[..xz.len() - 10]);
    let zs = zstd::encode_all(&[b'w'; 50_000][..], 3).unwrap();
    env.write("truncated.txt.zst", &zs[..zs.len() / 2]);
    env.write(
        "broken.docx",
        &zip(&[(
            "word/document.xml",
            b"<w:document><w:body><w:p><w:t>unclosed",
        )])[..60],
    );
    let mut nest = zip(&[("x.txt", b"bottom")]);
    for _ in 0..12 {
        nest = zip(&[("n.zip", &nest)]);
    }
    env.write("nested_too_deep.zip", &nest);

    let (code, findings, other) = env.scan_jsonl(&["--no-db", "."]);
    assert_eq!(code, 2, "errors mean exit code 2: {other:#?}");
    assert!(
        findings.iter().any(|f| f["path"] == "./good.txt"),
        "the good file is still scanned"
    );
    let notice_for = |p: &str| {
        other
            .iter()
            .find(|r| r["path"].as_str().is_some_and(|x| x.starts_with(p)))
            .cloned()
    };
    for p in [
        "./truncated.zip",
        "./corrupt.txt.gz",
        "./bomb.zip!/zeros.bin",
        "./truncated.pdf",
        "./fake.sqlite",
        "./broken.7z",
        "./broken.xlsx",
        "./nested_too_deep.zip",
        "./truncated.tar.gz",
        "./corrupt.txt.bz2",
        "./truncated.txt.xz",
        "./truncated.txt.zst",
        "./broken.docx",
    ] {
        let n = notice_for(p).unwrap_or_else(|| panic!("no notice for {p}: {other:#?}"));
        assert!(n["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let bomb = notice_for("./bomb.zip!/zeros.bin").unwrap();
    assert!(
        bomb["message"].as_str().unwrap().contains("ratio"),
        "{bomb}"
    );
    let deep = notice_for("./nested_too_deep.zip").unwrap();
    assert_eq!(deep["type"], "skip");
    // The summary counts the errors.
    let summary = other.iter().find(|r| r["type"] == "summary").unwrap();
    assert!(summary["errors"].as_u64().unwrap() >= 6);
}

#[test]
fn exit_codes_follow_fail_on() {
    let env = Env::new();
    env.write(
        "clean.txt",
        b"nothing to see, version 1.2.3.4.5, order 2024011512345678901\n",
    );
    let (code, findings, _) = env.scan_jsonl(&["--no-db", "clean.txt"]);
    assert_eq!((code, findings.len()), (0, 0));
    // An IP address is a low-severity finding, a bank card a critical one.
    env.write("weak.txt", b"login from 58.30.12.77 today\n");
    let (code, found, _) = env.scan_jsonl(&["--no-db", "weak.txt"]);
    assert_eq!((code, found[0]["severity"].as_str()), (1, Some("low")));
    let (code, _, _) = env.scan_jsonl(&["--no-db", "--fail-on", "high", "weak.txt"]);
    assert_eq!(
        code, 0,
        "a low-severity finding does not fail --fail-on high"
    );
    env.write("card.txt", b"x 6222021234567890128 y\n");
    let (code, _, _) = env.scan_jsonl(&["--no-db", "--fail-on", "critical", "card.txt"]);
    assert_eq!(code, 1, "a bank card is critical");
    let (code, _, _) = env.scan_jsonl(&["--no-db", "--fail-on", "severe", "card.txt"]);
    assert_eq!(code, 2, "an unknown severity is a usage error");
    let (code, _, _) = env.scan_jsonl(&["--no-db", "missing-file.txt"]);
    assert_eq!(code, 2);
}

#[test]
fn rescans_skip_unchanged_objects_and_keep_their_findings() {
    let env = Env::new();
    for i in 0..20 {
        env.write(
            &format!("d/f{i}.txt"),
            format!("sfz {}", resident_id(i)).as_bytes(),
        );
    }
    let db = env.home.path().join("f.db");
    let db = db.to_str().unwrap();
    let (_, first, other1) = env.scan_jsonl(&["--db", db, "d"]);
    let s1 = other1
        .iter()
        .find(|r| r["type"] == "summary")
        .unwrap()
        .clone();
    assert_eq!(s1["objects_scanned"], 20);
    let (_, second, other2) = env.scan_jsonl(&["--db", db, "d"]);
    let s2 = other2
        .iter()
        .find(|r| r["type"] == "summary")
        .unwrap()
        .clone();
    assert_eq!(s2["objects_scanned"], 0);
    assert_eq!(s2["objects_unchanged"], 20);
    assert_eq!(first.len(), second.len());
    // A copy of known content elsewhere is recognised by its hash.
    std::fs::copy(env.dir().join("d/f1.txt"), env.dir().join("d/copy.txt")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    env.write(
        "d/f2.txt",
        format!("sfz {} changed", resident_id(2)).as_bytes(),
    );
    let (_, third, other3) = env.scan_jsonl(&["--db", db, "d"]);
    let s3 = other3
        .iter()
        .find(|r| r["type"] == "summary")
        .unwrap()
        .clone();
    assert_eq!(
        s3["objects_scanned"], 1,
        "only the changed file is read and scanned"
    );
    assert_eq!(s3["objects_unchanged"], 20);
    assert_eq!(third.len(), 21);
    // Queries read back the latest scan.
    let out = env.run(&["findings", "--db", db, "--format", "jsonl"]);
    let n = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("\"type\""))
        .count();
    assert_eq!(n, 21);
    let out = env.run(&["scans", "--db", db]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.contains("completed")).count(),
        3,
        "{text}"
    );
}

#[test]
fn raw_values_stay_out_of_the_database_and_default_output() {
    let env = Env::new();
    let id = resident_id(77);
    env.write(
        "r.txt",
        format!("身份证号 {id} 手机 13812345678").as_bytes(),
    );
    let db = env.home.path().join("raw.db");
    let (_, masked, _) = env.scan_jsonl(&["--db", db.to_str().unwrap(), "r.txt"]);
    assert!(masked
        .iter()
        .all(|f| !f["value"].as_str().unwrap().contains(&id[4..14])));
    let (_, raw, _) = env.scan_jsonl(&["--db", db.to_str().unwrap(), "--show-values", "r.txt"]);
    assert!(raw.iter().any(|f| f["value"] == id.as_str()));
    let bytes = std::fs::read(&db).unwrap();
    let wal = std::fs::read(db.with_extension("db-wal")).unwrap_or_default();
    for hay in [&bytes, &wal] {
        assert!(
            !hay.windows(id.len()).any(|w| w == id.as_bytes()),
            "raw id in the database"
        );
        assert!(
            !hay.windows(11).any(|w| w == b"13812345678"),
            "raw mobile in the database"
        );
    }
}

#[test]
fn stdin_is_scanned() {
    let env = Env::new();
    let out = env.run_with_stdin(
        &["scan", "--format", "jsonl", "--no-db", "-"],
        Some("手机：13812345678\n".as_bytes()),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"path\":\"-\""), "{text}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn baselines_suppress_accepted_findings() {
    let env = Env::new();
    env.write("a.txt", format!("sfz {}", resident_id(5)).as_bytes());
    let (code, f, _) = env.scan_jsonl(&["--no-db", "--write-baseline", "base.json", "a.txt"]);
    assert_eq!((code, f.len()), (1, 1));
    let (code, f, _) = env.scan_jsonl(&["--no-db", "--baseline", "base.json", "a.txt"]);
    assert_eq!((code, f.len()), (0, 0));
    env.write(
        "a.txt",
        format!("sfz {} and {}", resident_id(5), resident_id(6)).as_bytes(),
    );
    let (code, f, _) = env.scan_jsonl(&["--no-db", "--baseline", "base.json", "a.txt"]);
    assert_eq!((code, f.len()), (1, 1), "only the new finding is reported");
}

#[test]
fn config_file_and_custom_rules() {
    let env = Env::new();
    env.write(
        "rules/acme.toml",
        br#"
[[rule]]
id = "acme_employee_id"
pattern = 'ACME-\d{6}'
trigger = { literals = ["ACME-"] }
window = [0, 12]
boundary = "alnum"
examples = ["ACME-123456"]
negative_examples = ["ACME-12"]
"#,
    );
    env.write("leakscope.toml", b"[scan]\nrules = [\"rules\"]\nexclude_detectors = [\"cn_mobile\"]\n\n[allowlist]\nvalues = [\"a@example.com\"]\n");
    env.write(
        "data/x.txt",
        b"ACME-654321 13812345678 a@example.com b@example.com",
    );
    let (_, f, _) = env.scan_jsonl(&["--no-db", "data"]);
    let ids: Vec<&str> = f.iter().map(|x| x["detector"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["acme_employee_id", "email"], "{f:#?}");
    let out = env.run(&["rules", "check", "rules"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    env.write(
        "bad/broken.toml",
        b"[[rule]]\nid = \"x\"\npattern = '('\ntrigger = { literals = [\"a\"] }\n",
    );
    let out = env.run(&["rules", "check", "bad"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad/broken.toml:2") && err.contains("bad pattern"),
        "{err}"
    );
}

#[test]
fn bundled_example_finds_every_kind_of_leak() {
    let env = Env::new();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/leak-dump");
    let (code, f, other) = env.scan_jsonl(&["--no-db", example]);
    assert_eq!(code, 1);
    assert!(other.iter().all(|r| r["type"] != "error"), "{other:#?}");
    for d in [
        "cn_resident_id",
        "cn_mobile",
        "bank_card",
        "person_name",
        "cn_address",
        "email",
        "imsi",
        "gps",
        "aws_access_key_id",
        "aws_secret_access_key",
        "db_connection_credential",
        "private_key",
        "generic_password",
    ] {
        assert!(
            f.iter().any(|x| x["detector"] == d),
            "no {d} in the example"
        );
    }
    // The decoy file yields nothing.
    assert!(
        f.iter()
            .all(|x| !x["path"].as_str().unwrap().ends_with("release-notes.txt")),
        "decoys reported"
    );
    // A row of a table is scanned in one pass, yet each finding keeps its own cell's path.
    let cells: Vec<&str> = f
        .iter()
        .filter_map(|x| x["path"].as_str())
        .filter(|p| p.contains("customers.sqlite!/"))
        .collect();
    assert!(!cells.is_empty());
    for x in f
        .iter()
        .filter(|x| x["path"].as_str().unwrap().contains("customers.sqlite!/"))
    {
        let column = x["path"].as_str().unwrap().rsplit('/').next().unwrap();
        assert_eq!(x["field"].as_str(), Some(column), "{x}");
    }
}

/// A SQL dump is read as rows: a bare name in an `INSERT` tuple and an IMSI in a `COPY`
/// block are found through their column names (neither has a label in the text), every
/// value once, at its own line and offset; text outside the rows is still scanned.
#[test]
fn sql_dumps_are_read_as_rows() {
    let env = Env::new();
    let id = resident_id(41);
    let dump = format!(
        "-- MySQL dump\n-- contact: 13712345678\nCREATE TABLE `guests` (`id` int, `name` varchar(32), `id_no` char(18));\n\
         INSERT INTO `guests` (`id`, `name`, `id_no`) VALUES (1,'王芳','{id}'),\n(2,'O''Brien',NULL);\n\
         COPY public.subscribers (id, imsi, note) FROM stdin;\n7\t460001234567890\t\\N\n\\.\n"
    );
    env.write("hotel.sql", dump.as_bytes());
    let (code, findings, _) = env.scan_jsonl(&["--no-db", "--show-values", "hotel.sql"]);
    assert_eq!(code, 1);
    let find = |detector: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .filter(|f| f["detector"] == detector)
            .collect()
    };
    let names = find("person_name");
    assert_eq!(names.len(), 1, "{findings:?}");
    assert_eq!(names[0]["value"], "王芳");
    assert_eq!(names[0]["field"], "guests.name");
    assert_eq!(names[0]["line"], 4);
    let ids = find("cn_resident_id");
    assert_eq!(ids.len(), 1, "each value once: {findings:?}");
    assert_eq!(ids[0]["field"], "guests.id_no");
    let offset = ids[0]["offset"].as_u64().unwrap() as usize;
    assert_eq!(&dump[offset..offset + id.len()], id);
    let imsi = find("imsi");
    assert_eq!(imsi.len(), 1, "{findings:?}");
    assert_eq!(imsi[0]["field"], "subscribers.imsi");
    assert_eq!(imsi[0]["line"], 7);
    // The comment line is text, scanned as such.
    let phones = find("cn_mobile");
    assert_eq!(phones.len(), 1);
    assert_eq!(phones[0]["line"], 2);
}

/// A finding inside a cell that spans lines (a quoted CSV cell, an SQL string) is on the
/// file's line where it stands, whether printed or stored; each one's line is the cell's
/// line plus the line breaks before it in the cell.
#[test]
fn findings_in_cells_that_span_lines_keep_their_file_lines() {
    let env = Env::new();
    let csv = "name,note\n王小明,\"first 13812345678\nsecond\nthird 13912345678 and 13712345678\"\n李雷,\"x\n13612345678\"\n";
    env.write("notes.csv", csv.as_bytes());
    let lines = |findings: &[serde_json::Value]| {
        let mut phones: Vec<(String, u64)> = findings
            .iter()
            .filter(|f| f["detector"] == "cn_mobile")
            .map(|f| {
                (
                    f["value"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect();
        phones.sort();
        phones
    };
    let (_, printed, _) = env.scan_jsonl(&["--no-db", "--show-values", "notes.csv"]);
    let want = [
        ("13612345678".to_string(), 6),
        ("13712345678".to_string(), 4),
        ("13812345678".to_string(), 2),
        ("13912345678".to_string(), 4),
    ];
    assert_eq!(lines(&printed), want, "{printed:?}");
    // Stored, the same lines come back (values masked there: compared by line alone).
    let out = env.run(&["scan", "--db", "f.db", "--quiet", "notes.csv"]);
    assert!(out.status.code().is_some(), "{out:?}");
    let out = env.run(&["findings", "--db", "f.db", "--format", "jsonl"]);
    let stored: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|f: &serde_json::Value| f["detector"] == "cn_mobile")
        .collect();
    let mut stored_lines: Vec<u64> = stored.iter().map(|f| f["line"].as_u64().unwrap()).collect();
    stored_lines.sort();
    assert_eq!(stored_lines, [2, 4, 4, 6], "{stored:?}");
}

/// A CSV saved by a spreadsheet program holds long numbers as `1.10105E+17`: the column is
/// named in a notice (the identifiers there are damaged, not absent); ordinary decimals
/// and short exponents are not.
#[test]
fn spreadsheet_damaged_numbers_are_named() {
    let env = Env::new();
    env.write(
        "export.csv",
        "姓名,身份证号,amount,ratio\n张三,1.10105E+17,3.5E+02,0.25\n李四,4.40304E+17,12,1e-3\n"
            .as_bytes(),
    );
    let (_, _, other) = env.scan_jsonl(&["--no-db", "export.csv"]);
    let notices: Vec<&str> = other
        .iter()
        .filter(|v| v["type"] == "info")
        .filter_map(|v| v["message"].as_str())
        .collect();
    assert_eq!(notices.len(), 1, "{other:?}");
    assert!(notices[0].contains("`身份证号`"), "{notices:?}");
}

/// A value longer than the SQL reader takes is scanned up to that length, and a notice
/// says the rest was not read (its row is kept out of the text scan).
#[test]
fn oversized_sql_values_are_named() {
    let env = Env::new();
    let big = "x".repeat((1 << 20) + 10);
    env.write(
        "blob.sql",
        format!("INSERT INTO files (name, body) VALUES ('a.txt', '{big}');\n").as_bytes(),
    );
    let (code, _, other) = env.scan_jsonl(&["--no-db", "blob.sql"]);
    let skips: Vec<&serde_json::Value> = other.iter().filter(|v| v["type"] == "skip").collect();
    assert_eq!(skips.len(), 1, "{other:?}");
    assert!(skips[0]["message"].as_str().unwrap().contains("line 1"));
    assert_eq!(code, 0, "a skip is not an error");
}
