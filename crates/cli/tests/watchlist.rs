//! Watch-lists end to end: a plain file of terms finds its CJK and Latin terms (case
//! insensitive, whole ASCII words), beside the built-in detectors on the same span, from
//! the flag and from `leakscope.toml`.

mod common;
use common::Env;

#[test]
fn a_watch_list_finds_its_cjk_and_latin_terms() {
    let env = Env::new();
    env.write(
        "lists/sms-targets.txt",
        "# numbers and words the implant filtered on\n欧阳娜娜\nBlue Harbor\n460001234567890\n\n"
            .as_bytes(),
    );
    env.write(
        "smsc/filter.log",
        "转发给欧阳娜娜的短信\nsubject: BLUE HARBOR rollout\nimsi=460001234567890\nBlue Harbors annual report\n"
            .as_bytes(),
    );
    env.write("smsc/clean.log", b"nothing to see here\n");
    let (code, findings, _) =
        env.scan_jsonl(&["smsc", "--no-db", "--watchlist", "lists/sms-targets.txt"]);
    assert_eq!(code, 1);
    let listed: Vec<(u64, &str, &str)> = findings
        .iter()
        .filter(|f| f["detector"] == "sms-targets")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["category"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (1, "custom", "smsc/filter.log"),
            (2, "custom", "smsc/filter.log"),
            (3, "custom", "smsc/filter.log"),
        ],
        "{findings:#?}"
    );
    // The IMSI is still reported by its own detector, and values are masked.
    assert!(findings.iter().any(|f| f["detector"] == "imsi"));
    assert!(findings.iter().all(|f| f["value"] != "欧阳娜娜"));
    // The same list from the configuration file.
    env.write(
        "leakscope.toml",
        b"[scan]\nwatchlists = [\"lists/sms-targets.txt\"]\n",
    );
    let (_, from_config, _) = env.scan_jsonl(&["smsc", "--no-db"]);
    assert_eq!(
        from_config
            .iter()
            .filter(|f| f["detector"] == "sms-targets")
            .count(),
        3
    );
}

#[test]
fn a_watch_list_that_would_match_everywhere_is_refused() {
    let env = Env::new();
    env.write("short.txt", b"ok term\nx\n");
    env.write("data.txt", b"x");
    let out = env.run(&["scan", "data.txt", "--no-db", "--watchlist", "short.txt"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("short.txt:2"), "{err}");
}

#[test]
fn watch_lists_in_gbk_utf16_and_full_width_forms_are_read() {
    let env = Env::new();
    let (gbk, _, _) = encoding_rs::GBK.encode("# 名单\n欧阳娜娜\n");
    env.write("gbk-list.txt", &gbk);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "张伟\r\nBlue Harbor\r\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    env.write("u16-list.txt", &utf16);
    // Written with full-width digits and letters, as copied from a Chinese form.
    env.write(
        "wide-list.txt",
        "１３８００１３８０００\nＰＲＯＪＥＣＴ　ＸＩＮ\n".as_bytes(),
    );
    env.write(
        "data.txt",
        "转发给欧阳娜娜和张伟 re: blue harbor\n号码 13800138000 project xin\n".as_bytes(),
    );
    let (_, findings, _) = env.scan_jsonl(&[
        "data.txt",
        "--no-db",
        "--categories",
        "custom",
        "--watchlist",
        "gbk-list.txt",
        "--watchlist",
        "u16-list.txt",
        "--watchlist",
        "wide-list.txt",
    ]);
    let mut got: Vec<&str> = findings
        .iter()
        .map(|f| f["detector"].as_str().unwrap())
        .collect();
    got.sort();
    assert_eq!(
        got,
        ["gbk-list", "u16-list", "u16-list", "wide-list", "wide-list"],
        "{findings:#?}"
    );
}
