//! Helpers shared by the end-to-end tests: running the binary and building fixtures.
#![allow(dead_code)]

use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// A private data directory so tests never touch the user's database or key.
pub struct Env {
    pub home: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            home: tempfile::tempdir().unwrap(),
            data: tempfile::tempdir().unwrap(),
        }
    }

    pub fn dir(&self) -> &Path {
        self.data.path()
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.data.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        self.run_full(args, stdin, &[])
    }

    /// Runs with extra environment variables.
    pub fn run_env(&self, args: &[&str], vars: &[(&str, &Path)]) -> Output {
        self.run_full(args, None, vars)
    }

    fn run_full(&self, args: &[&str], stdin: Option<&[u8]>, vars: &[(&str, &Path)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_leakscope"));
        cmd.args(args)
            .env("LEAKSCOPE_HOME", self.home.path())
            .current_dir(self.data.path());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(data) = stdin {
            child.stdin.take().unwrap().write_all(data).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// Runs `scan … --format jsonl` and returns (exit code, finding records, other records).
    pub fn scan_jsonl(
        &self,
        extra: &[&str],
    ) -> (i32, Vec<serde_json::Value>, Vec<serde_json::Value>) {
        let mut args = vec!["scan", "--format", "jsonl", "--no-progress"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let mut findings = Vec::new();
        let mut other = Vec::new();
        for line in stdout.lines() {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("bad JSONL line {line:?}: {e}"));
            if v.get("type").is_some() {
                other.push(v);
            } else {
                findings.push(v);
            }
        }
        (out.status.code().unwrap_or(-1), findings, other)
    }
}

/// A valid resident ID number whose sequence digits are `seq` (distinct per fixture).
pub fn resident_id(seq: u32) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("11010519800101{:03}", seq % 1000);
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", char::from(b"10X98765432"[(sum % 11) as usize]))
}

pub fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in members {
            z.start_file(*name, opts).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

pub fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut t = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, name, *data).unwrap();
    }
    t.into_inner().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
        .collect();
    let doc = format!(
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"urn:w\"><w:body>{body}</w:body></w:document>"
    );
    zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", doc.as_bytes()),
    ])
}

/// A legacy Word file as Word 97-2003 writes Chinese text: an OLE2 compound file whose
/// `WordDocument` stream holds the paragraphs in UTF-16LE, ended by `\r`.
pub fn doc(paragraphs: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let mut stream: Vec<u8> = vec![0xEC, 0xA5, 0xC1, 0x00];
    for p in paragraphs {
        stream.extend(format!("{p}\r").encode_utf16().flat_map(u16::to_le_bytes));
    }
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    file.create_stream("WordDocument")
        .unwrap()
        .write_all(&stream)
        .unwrap();
    file.create_stream("1Table")
        .unwrap()
        .write_all(&[0; 64])
        .unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

pub fn pptx(text: &str) -> Vec<u8> {
    let slide = format!("<?xml version=\"1.0\"?><p:sld xmlns:p=\"urn:p\" xmlns:a=\"urn:a\"><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sld>");
    zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("ppt/slides/slide1.xml", slide.as_bytes()),
    ])
}

pub fn xlsx(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

/// A one-page PDF whose text layer holds `text` (ASCII, Helvetica).
pub fn pdf(text: &str) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![50.into(), 700.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = doc.add_object(
        dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id },
    );
    let pages = dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1, "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()] };
    doc.objects.insert(pages_id, Object::Dictionary(pages));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

pub fn seven_z(files: &[(&str, &[u8])]) -> Vec<u8> {
    let src = tempfile::tempdir().unwrap();
    for (name, data) in files {
        let p = src.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    sevenz_rust2::compress(src.path(), std::io::Cursor::new(Vec::new()))
        .unwrap()
        .into_inner()
}

pub fn sqlite(dir: &Path, name: &str, rows: &[(&str, &str)]) -> PathBuf {
    let p = dir.join(name);
    let conn = rusqlite::Connection::open(&p).unwrap();
    conn.execute_batch(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, real_name TEXT, id_card TEXT)",
    )
    .unwrap();
    for (n, id) in rows {
        conn.execute(
            "INSERT INTO people (real_name, id_card) VALUES (?1, ?2)",
            [n, id],
        )
        .unwrap();
    }
    p
}

/// Debian's chromium, when installed.
pub fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// The browser for a browser test, or `None` (with a message) when the machine has none and
/// the run does not require it; `scripts/test` sets `LEAKSCOPE_REQUIRE_BROWSER=1`.
pub fn browser_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("LEAKSCOPE_REQUIRE_BROWSER").is_none(),
            "chromium is required but missing"
        );
        eprintln!("browser test not run: no chromium on this machine (scripts/test installs it)");
    }
    found
}

/// Runs headless chromium on `url` with the flags that keep it off the network.
pub fn headless(browser: &Path, profile: &Path, extra: &[String], url: &str) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1300,2000",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs")
}

/// Where screenshots of browser tests are kept for people to look at.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running `leakscope serve`, stopped when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `leakscope serve` over `db` on a free loopback port.
pub fn serve(env: &Env, db: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(["serve", "--db", db, "--bind", "127.0.0.1:0"])
        .args(extra)
        .env("LEAKSCOPE_HOME", env.home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    Server { child, base }
}

/// GETs `url` (with a bearer token) and returns the status and the JSON body (or the
/// body as a JSON string when it is not JSON).
pub fn http_get(url: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.call().unwrap();
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
    )
}
