//! YARA rules in the same pass as the detectors: a planted test ELF and a web shell inside
//! an update zip are flagged beside the personal data around them, clean neighbours are
//! not, implants lead the output, and a rule that does not compile stops the scan before
//! anything is read.

mod common;
use common::{resident_id, zip, Env};

const RULES: &str = r#"
rule planted_test_agent : test implant
{
    meta:
        description = "Harmless test file planted for the drill"
        author = "leakscope tests"
        reference = "https://example.org/drill"
    strings:
        $beacon = "DRILL-BEACON-7731" ascii
        $c2 = "c2.drill.invalid" ascii
    condition:
        uint32(0) == 0x464c457f and filesize < 100KB and all of them
}
"#;

fn planted_elf() -> Vec<u8> {
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    elf.extend_from_slice(b"\0DRILL-BEACON-7731\0c2.drill.invalid\0");
    elf
}

#[test]
fn rules_flag_implants_beside_personal_data_and_not_clean_neighbours() {
    let env = Env::new();
    env.write("rules/drill.yar", RULES.as_bytes());
    env.write("srv/bin/agent", &planted_elf());
    // A clean ELF with one of the two strings only.
    let mut clean_elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    clean_elf.extend_from_slice(b"\0DRILL-BEACON-7731\0");
    env.write("srv/bin/tool", &clean_elf);
    let update = zip(&[
        ("www/upload/x.php", b"<?php @eval($_POST['z']); ?>"),
        (
            "www/index.php",
            b"<?php echo htmlspecialchars($_GET['q']); ?>",
        ),
        (
            "www/users.csv",
            format!("姓名,身份证号\n李娜,{}\n", resident_id(501)).as_bytes(),
        ),
    ]);
    env.write("srv/update-2.3.zip", &update);
    env.write(
        "srv/notes.txt",
        format!("身份证 {}\n", resident_id(502)).as_bytes(),
    );
    let (code, findings, _) =
        env.scan_jsonl(&["srv", "--no-db", "--yara", "builtin", "--yara", "rules"]);
    assert_eq!(code, 1);
    let implants: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f["category"] == "implant")
        .map(|f| (f["detector"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    let mut sorted = implants.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            ("planted_test_agent", "srv/bin/agent"),
            (
                "webshell_php_request_eval",
                "srv/update-2.3.zip!/www/upload/x.php"
            ),
        ],
        "{findings:#?}"
    );
    // The same scan found the personal data around them.
    let ids: Vec<&str> = findings
        .iter()
        .filter(|f| f["detector"] == "cn_resident_id")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"srv/update-2.3.zip!/www/users.csv"),
        "{ids:?}"
    );
    assert!(ids.contains(&"srv/notes.txt"), "{ids:?}");
    // Meta and tags travel with the finding; the matched string is masked.
    let agent = findings
        .iter()
        .find(|f| f["detector"] == "planted_test_agent")
        .unwrap();
    assert_eq!(
        agent["meta"]["description"],
        "Harmless test file planted for the drill"
    );
    assert_eq!(agent["meta"]["reference"], "https://example.org/drill");
    assert_eq!(agent["tags"], serde_json::json!(["test", "implant"]));
    let value = agent["value"].as_str().unwrap();
    assert!(
        value.contains('*') && !value.contains("BEACON-7731"),
        "{value}"
    );
    // Within an object, implants lead: the web shell comes before the IDs beside it.
    let at = |detector: &str| {
        findings
            .iter()
            .position(|f| {
                f["detector"] == detector
                    && f["path"]
                        .as_str()
                        .unwrap()
                        .starts_with("srv/update-2.3.zip")
            })
            .unwrap()
    };
    assert!(at("webshell_php_request_eval") < at("cn_resident_id"));
}

#[test]
fn rules_run_over_mail_attachments() {
    let env = Env::new();
    env.write("rules/drill.yar", RULES.as_bytes());
    // A mail whose attachment is the planted file.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(planted_elf());
    let mail = format!(
        "From: a@corp.example.cn\r\nTo: b@corp.example.cn\r\nSubject: update\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"agent\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--XX--\r\n"
    );
    env.write("mail/update.eml", mail.as_bytes());
    let (_, findings, _) = env.scan_jsonl(&["mail", "--no-db", "--yara", "rules/drill.yar"]);
    let paths: Vec<&str> = findings
        .iter()
        .filter(|f| f["detector"] == "planted_test_agent")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 1, "{findings:#?}");
    assert!(paths[0].starts_with("mail/update.eml!/"), "{paths:?}");
}

#[test]
fn a_rule_that_does_not_compile_stops_the_scan_with_its_location() {
    let env = Env::new();
    env.write("rules/ok.yar", b"rule fine { condition: true }\n");
    env.write(
        "rules/zz_bad.yar",
        b"rule fine2 {\n  strings: $a = \"x\"\n  condition: $b\n}\n",
    );
    env.write(
        "data.txt",
        format!("身份证 {}", resident_id(503)).as_bytes(),
    );
    let out = env.run(&[
        "scan", "data.txt", "--no-db", "--yara", "rules", "--format", "jsonl",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("zz_bad.yar:3:"), "{err}");
    assert!(out.stdout.is_empty(), "nothing was scanned");
}

#[test]
fn implants_lead_the_report_and_the_dashboard_with_their_rule_descriptions() {
    let env = Env::new();
    env.write("rules/drill.yar", RULES.as_bytes());
    env.write("srv/bin/agent", &planted_elf());
    let mut ids = String::from("姓名,身份证号\n");
    for i in 0..5 {
        ids.push_str(&format!("王芳,{}\n", resident_id(520 + i)));
    }
    env.write("srv/people.csv", ids.as_bytes());
    let db = env.dir().join("y.db");
    let db = db.to_str().unwrap();
    let (code, _, _) = env.scan_jsonl(&["srv", "--db", db, "--yara", "rules"]);
    assert_eq!(code, 1);
    // The report: the implant's section comes first, described by its rule.
    let out = env.run(&["report", "--db", db, "--format", "json", "--out", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &report["detectors"][0];
    assert_eq!(first["id"], "planted_test_agent", "{report:#}");
    assert_eq!(
        first["guidance"]["what"],
        "Harmless test file planted for the drill"
    );
    let html_path = env.dir().join("r.html");
    let out = env.run(&["report", "--db", db, "--out", html_path.to_str().unwrap()]);
    assert!(out.status.success());
    let html = std::fs::read_to_string(&html_path).unwrap();
    let html = &html[html.find("id=\"detectors\"").unwrap()..];
    let implant_at = html
        .find("Harmless test file planted for the drill")
        .unwrap();
    let id_at = html.find("cn_resident_id").unwrap();
    assert!(
        implant_at < id_at,
        "the implant is described before the IDs"
    );
    // The dashboard's summary lists the implant first, with its description.
    let server = common::serve(&env, db, &[]);
    let (status, summary) = common::http_get(&format!("{}/api/summary", server.base), None);
    assert_eq!(status, 200);
    let first = &summary["detectors"][0];
    assert_eq!(first["category"], "implant", "{summary:#}");
    assert_eq!(
        first["description"],
        "Harmless test file planted for the drill"
    );
    // And in a real browser the implants table leads the page.
    let Some(browser) = common::browser_or_skip() else {
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let page = common::headless(
        &browser,
        profile.path(),
        &["--dump-dom".to_string()],
        &format!("{}/", server.base),
    );
    let dom = String::from_utf8(page.stdout).unwrap();
    assert!(dom.contains("data-ready=\"1\""), "the page loaded its data");
    let section = &dom[dom.find("id=\"implant-section\"").unwrap()..];
    let head = &section[..section.find('>').unwrap()];
    assert!(!head.contains("hidden"), "{head}");
    let implants = &section[..section.find("</table>").unwrap()];
    assert!(
        implants.contains("planted_test_agent")
            && implants.contains("Harmless test file planted for the drill"),
        "{implants}"
    );
    assert!(dom.find("id=\"implant-section\"").unwrap() < dom.find("id=\"findings\"").unwrap());
}

#[test]
fn a_stream_too_large_for_the_rules_is_still_decoded_whole() {
    let env = Env::new();
    env.write("leakscope.toml", b"[limits]\nmax_object_bytes = 1048576\n");
    // A compressed log whose size is known only once it is inflated: 2 MiB, the ID last.
    let mut log = "GET /health 200\n".repeat(140_000).into_bytes();
    log.extend_from_slice(format!("身份证 {}\n", resident_id(530)).as_bytes());
    env.write("logs/app.log.gz", &common::gzip(&log));
    let (_, findings, other) = env.scan_jsonl(&["logs", "--no-db", "--yara", "builtin"]);
    assert!(
        findings.iter().any(|f| f["detector"] == "cn_resident_id"),
        "{other:?}"
    );
    assert!(
        other
            .iter()
            .any(|o| o["type"] == "info" && o["message"].as_str().unwrap().contains("YARA")),
        "{other:?}"
    );
}
