//! What reaches the terminal: the summary when results go to a file, colours on request
//! and never by surprise, counts with the right plural, rows under one heading, files in
//! path order, masks that show no keys.

mod common;
use common::{resident_id, sqlite, Env};

#[test]
fn results_in_a_file_still_leave_a_summary_on_the_terminal() {
    let env = Env::new();
    env.write("one.txt", format!("身份证 {}", resident_id(91)).as_bytes());
    let out = env.run(&[
        "scan",
        "one.txt",
        "--no-db",
        "--no-progress",
        "--format",
        "jsonl",
        "-o",
        "out.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("1 finding: critical 1\n"),
        "singular counts: {stderr}"
    );
    assert!(stderr.contains("1 object scanned"), "{stderr}");
    assert!(stderr.contains("results written to out.jsonl"), "{stderr}");
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(env.dir().join("out.jsonl")).unwrap();
    assert!(written.contains("cn_resident_id"), "{written}");
}

#[test]
fn colours_follow_the_flag() {
    let env = Env::new();
    env.write("one.txt", format!("身份证 {}", resident_id(92)).as_bytes());
    let run = |color: &str| {
        let out = env.run(&[
            "scan",
            "one.txt",
            "--no-db",
            "--no-progress",
            "--color",
            color,
        ]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run("always").contains("\x1b["), "always colours");
    assert!(!run("never").contains("\x1b["), "never colours");
    // Not a terminal: auto means no colours.
    assert!(!run("auto").contains("\x1b["), "auto off a terminal");
    let bad = env.run(&["scan", "one.txt", "--no-db", "--color", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_reader_that_goes_away_ends_findings_quietly_with_the_sigpipe_status() {
    let env = Env::new();
    // Enough findings that their printed form overflows any pipe buffer.
    let text: String = (0..5000)
        .map(|i| format!("身份证 {}\n", resident_id(i)))
        .collect();
    env.write("ids.txt", text.as_bytes());
    let scan = env.run(&["scan", "ids.txt", "--no-progress", "-q"]);
    assert_eq!(scan.status.code(), Some(1));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(["findings", "--format", "jsonl"])
        .env("LEAKSCOPE_HOME", env.home.path())
        .current_dir(env.dir())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, as `head -1` would, then close the pipe.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert!(first.contains("cn_resident_id"), "{first}");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(141));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn text_output_is_in_path_order_whatever_the_threads() {
    let env = Env::new();
    for i in 0..40 {
        // Sizes vary so that workers finish out of order.
        let filler = "x".repeat((40 - i) * 2_000);
        env.write(
            &format!("d/f{i:02}.txt"),
            format!("{filler}\n身份证 {}\n", resident_id(200 + i as u32)).as_bytes(),
        );
    }
    let run = |threads: &str| {
        let out = env.run(&[
            "scan",
            "d",
            "--no-db",
            "--no-progress",
            "--color",
            "never",
            "-j",
            threads,
        ]);
        let text = String::from_utf8(out.stdout).unwrap();
        let headings: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with("d/"))
            .map(str::to_string)
            .collect();
        headings
    };
    let one = run("1");
    let four = run("4");
    assert_eq!(one.len(), 40);
    assert_eq!(one, four, "the same order with one thread and with four");
    let mut sorted = one.clone();
    sorted.sort();
    assert_eq!(one, sorted, "in path order");
}

#[test]
fn table_rows_print_under_one_heading_with_their_cells() {
    let env = Env::new();
    let rows = [("张伟", resident_id(300)), ("李娜", resident_id(301))];
    let rows: Vec<(&str, &str)> = rows.iter().map(|(n, id)| (*n, id.as_str())).collect();
    sqlite(env.dir(), "people.db", &rows);
    let out = env.run(&[
        "scan",
        "people.db",
        "--no-db",
        "--no-progress",
        "--color",
        "never",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let headings: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("people.db"))
        .collect();
    assert_eq!(
        headings,
        ["people.db!/people/1", "people.db!/people/2"],
        "{text}"
    );
    assert!(
        text.contains("[real_name]") && text.contains("[id_card]"),
        "{text}"
    );
    // Sizes in the same binary units as the progress bar.
    assert!(
        text.contains(" KiB in ") || text.contains(" B in "),
        "{text}"
    );
}

#[test]
fn coordinate_masks_show_numbers_not_keys() {
    let env = Env::new();
    env.write(
        "track.txt",
        b"pos {\"lat\": 31.230416, \"lng\": 121.473701}\n",
    );
    let out = env.run(&[
        "scan",
        "track.txt",
        "--no-db",
        "--no-progress",
        "--color",
        "never",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("31.2***,121.4***"), "{text}");
    assert!(!text.contains("\"lat"), "{text}");
    assert!(
        !text.contains("230416") && !text.contains("473701"),
        "{text}"
    );
}
