//! Raw identifiers never reach the database or an output, wherever they hide: in file and
//! directory names, archive member names, JSON keys, the first row of a headerless CSV, an
//! SQLite table name, or a parser's error message. Every artifact a scan leaves is
//! searched for them: the database file, each output format, the HTML and JSON reports,
//! and the dashboard's API answers.

mod common;

use common::*;

#[test]
fn identifiers_in_names_keys_headers_tables_and_errors_never_reach_an_artifact() {
    let env = Env::new();
    let in_file_name = resident_id(21);
    let in_member_name = resident_id(22);
    let in_header_row = resident_id(23);
    let json_key = "13700001111";
    let header_phone = "13611112222";
    let table_phone = "13522223333";
    let error_phone = "18622334455";
    let dir_phone = "15844445555";
    env.write(
        &format!("s/{dir_phone}/{in_file_name}_张伟.txt"),
        "手机 13812345678\n".as_bytes(),
    );
    env.write(
        "s/keys.json",
        format!(r#"{{"{json_key}": {{"phone": "13912345678"}}}}"#).as_bytes(),
    );
    env.write(
        "s/noheader.csv",
        format!(
            "{header_phone},{in_header_row}\n13812340000,{}\n",
            resident_id(24)
        )
        .as_bytes(),
    );
    env.write(
        "s/bundle.zip",
        &zip(&[(
            &format!("{in_member_name}.txt"),
            b"phone 13812345679\n" as &[u8],
        )]),
    );
    let db_file = env.dir().join("s/people.db");
    {
        let conn = rusqlite::Connection::open(&db_file).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE t_{table_phone} (phone TEXT); INSERT INTO t_{table_phone} VALUES ('13812345670');"
        ))
        .unwrap();
    }
    env.write(
        "s/broken.docx",
        &zip(&[(
            "word/document.xml",
            format!("<w:document><w:p><w:t>x</w:t{error_phone}></w:p></w:document>").as_bytes(),
        )]),
    );
    let secrets = [
        in_file_name.as_str(),
        in_member_name.as_str(),
        in_header_row.as_str(),
        json_key,
        header_phone,
        table_phone,
        error_phone,
        dir_phone,
        "13812345678",
        "13912345678",
    ];
    let leaks = |what: &str, bytes: &[u8]| {
        for s in secrets {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{what} holds the raw identifier {s}:\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
    };

    let db = env.home.path().join("p.db");
    let db = db.to_str().unwrap();
    let scan = env.run(&[
        "scan",
        "--no-progress",
        "--format",
        "jsonl",
        "--db",
        db,
        "s",
    ]);
    assert_eq!(scan.status.code(), Some(2), "the broken docx is an error");
    leaks("scan stdout", &scan.stdout);
    leaks("scan stderr", &scan.stderr);
    let stdout = String::from_utf8_lossy(&scan.stdout);
    assert!(
        stdout.contains("137****1111"),
        "the JSON key is masked, not dropped"
    );
    assert!(stdout.contains("_张伟.txt"), "the rest of a name is kept");

    for format in ["text", "jsonl", "csv", "sarif", "json"] {
        let out = env.run(&["findings", "--db", db, "--format", format]);
        assert_eq!(out.status.code(), Some(0), "findings --format {format}");
        assert!(!out.stdout.is_empty());
        leaks(&format!("findings --format {format}"), &out.stdout);
    }
    for format in ["html", "json"] {
        let out = env.run(&["report", "--db", db, "--format", format, "--out", "-"]);
        assert_eq!(out.status.code(), Some(0), "report --format {format}");
        // Break opportunities in paths (`<wbr>`) would hide an identifier from the search.
        let text = String::from_utf8_lossy(&out.stdout).replace("<wbr>", "");
        leaks(&format!("report --format {format}"), text.as_bytes());
    }
    let scans = env.run(&["scans", "--db", db]);
    leaks("scans", &scans.stdout);

    let server = serve(&env, db, &[]);
    for api in [
        "/api/scans",
        "/api/summary",
        "/api/findings",
        "/api/locations",
        "/api/impact",
    ] {
        let (status, body) = http_get(&format!("{}{api}", server.base), None);
        assert_eq!(status, 200, "{api}");
        leaks(api, body.to_string().as_bytes());
    }
    drop(server);

    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(format!("{db}{suffix}")) {
            leaks(&format!("database file {db}{suffix}"), &bytes);
        }
    }

    // A quiet scan into a database packs its findings in the workers, from their parts
    // (see `Delivery::Packed`): the same names are masked on that way too.
    let packed = env.home.path().join("packed.db");
    let packed = packed.to_str().unwrap();
    let scan = env.run(&["scan", "--no-progress", "--quiet", "--db", packed, "s"]);
    assert_eq!(scan.status.code(), Some(2), "the broken docx is an error");
    leaks("quiet scan stdout", &scan.stdout);
    leaks("quiet scan stderr", &scan.stderr);
    let out = env.run(&["findings", "--db", packed, "--format", "jsonl"]);
    let stored = String::from_utf8_lossy(&out.stdout);
    assert!(stored.contains("137****1111"), "{stored}");
    leaks("findings of the packed scan", &out.stdout);
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(format!("{packed}{suffix}")) {
            leaks(&format!("database file {packed}{suffix}"), &bytes);
        }
    }
}
