//! `leakscope generate`: a directory of synthetic, leak-like data in many formats.
//!
//! Everything is made up by [`crate::corpus::Generator`]: identifiers are structurally valid
//! (check digits computed) but belong to nobody. The bundled `examples/leak-dump` was made
//! with this command, and the end-to-end tests and benchmarks use it too.

use crate::corpus::{Generator, Rng, BULK_KINDS};
use base64::Engine as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a dataset could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// Writing a file or directory failed.
    #[error("writing {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Building an archive failed.
    #[error("building an archive: {0}")]
    Archive(#[from] std::io::Error),
    /// Building a zip archive failed.
    #[error("building a zip archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing a JSON example failed.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Building the SQLite example failed.
    #[error("building the SQLite example: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

type Result<T> = std::result::Result<T, GenerateError>;

/// Attaches the path to an IO error.
fn at(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(at(parent))?;
    }
    std::fs::write(&path, bytes).map_err(at(&path))
}

fn zip_bytes(members: &[(&str, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in members {
            z.start_file(*name, opts)?;
            z.write_all(data)?;
        }
        z.finish()?;
    }
    Ok(out.into_inner())
}

fn tar_gz_bytes(members: &[(&str, Vec<u8>)]) -> Result<Vec<u8>> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut t = tar::Builder::new(gz);
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        t.append_data(&mut h, name, data.as_slice())?;
    }
    Ok(t.into_inner()?.finish()?)
}

/// Largest part written as one dataset; bigger requests are split into `part-NNN`
/// directories, each a complete dataset with its own seed, so a large tree has many files
/// of every kind rather than one huge chat log.
const PART_MIB: usize = 8;

/// Writes the synthetic dataset of about `mib` MiB.
pub fn generate(dir: &Path, mib: usize, seed: u64) -> Result<()> {
    if mib <= PART_MIB {
        return generate_part(dir, mib, seed);
    }
    let parts = mib.div_ceil(PART_MIB);
    for i in 0..parts {
        generate_part(
            &dir.join(format!("part-{i:03}")),
            PART_MIB,
            seed.wrapping_add(i as u64 * 7919),
        )?;
    }
    Ok(())
}

/// Writes one complete dataset; `mib` scales the bulk text.
fn generate_part(dir: &Path, mib: usize, seed: u64) -> Result<()> {
    let mut g = Generator::new(seed);
    let mut rng = Rng::new(seed ^ 0x5eed);
    std::fs::create_dir_all(dir).map_err(at(dir))?;

    // The bulk of the size: chat, logs, exports and decoy-heavy tables in the shares of
    // `BULK_KINDS`. The other files take about 100 KiB.
    let bulk = (mib.max(1) << 20).saturating_sub(100 << 10);
    let shares: u32 = BULK_KINDS.iter().map(|(_, s)| s).sum();
    for (kind, share) in BULK_KINDS {
        let bytes = bulk * *share as usize / shares as usize;
        let content = g.bulk(kind, bytes).into_bytes();
        match kind.split_once("!/") {
            Some((archive, member)) => write(dir, archive, &zip_bytes(&[(member, content)])?)?,
            None => write(dir, kind, &content)?,
        }
    }

    // A household-register style CSV export.
    let mut csv = String::from("姓名,身份证号,手机,住址,备注\n");
    for i in 0..200 {
        csv.push_str(&format!(
            "{},{},{},{},第{}条\n",
            g.name(),
            g.resident_id(),
            g.mobile(),
            g.address(),
            i + 1
        ));
    }
    write(dir, "records/户籍信息.csv", csv.as_bytes())?;

    // The same kind of data from a legacy system, in GBK.
    let mut legacy = String::new();
    for _ in 0..50 {
        legacy.push_str(&format!(
            "姓名：{} 身份证号：{} 联系电话：{}\r\n",
            g.name(),
            g.resident_id(),
            g.mobile()
        ));
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&legacy);
    write(dir, "records/旧系统导出_gbk.txt", &gbk)?;

    // A Windows export: UTF-16LE with a byte-order mark.
    let mut utf16 = vec![0xFF, 0xFE];
    let mut text = String::from("name\tmobile\tcard\r\n");
    for _ in 0..30 {
        text.push_str(&format!(
            "{}\t{}\t{}\r\n",
            g.name(),
            g.mobile(),
            g.bank_card()
        ));
    }
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    write(dir, "records/members_utf16.tsv", &utf16)?;

    // API dumps.
    let mut users = Vec::new();
    for i in 0..40 {
        users.push(serde_json::json!({
            "id": i + 1,
            "name": g.name(),
            "phone": g.mobile(),
            "id_card": g.resident_id(),
            "imsi": format!("4600{}{:010}", 1 + rng.below(2), rng.below(10_000_000_000)),
            "location": { "lat": 31.0 + rng.below(10000) as f64 / 10000.0, "lng": 121.0 + rng.below(10000) as f64 / 10000.0 },
        }));
    }
    write(
        dir,
        "api/users.json",
        serde_json::to_string_pretty(&users)?.as_bytes(),
    )?;
    let mut events = String::new();
    for _ in 0..40 {
        events.push_str(&serde_json::to_string(&serde_json::json!({"event": "login", "user": g.name(), "mobile": g.mobile(), "ip": format!("114.{}.{}.{}", rng.below(256), rng.below(256), 1 + rng.below(254))}))?);
        events.push('\n');
    }
    write(dir, "api/events.jsonl", events.as_bytes())?;

    // Configuration with credentials.
    let secret: String = (0..40)
        .map(|_| {
            char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
                    [rng.below(64) as usize],
            )
        })
        .collect();
    let akid: String = (0..16)
        .map(|_| char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rng.below(32) as usize]))
        .collect();
    let config = format!(
        "[aws]\naws_access_key_id = AKIA{akid}\naws_secret_access_key = {secret}\n\n[database]\nurl = postgresql://app:Xk9#mQ2v@db.internal:5432/citizens\npassword = Xk9#mQ2v\n"
    );
    write(dir, "config/app.ini", config.as_bytes())?;
    let body: String = (0..8)
        .map(|_| {
            (0..64)
                .map(|_| {
                    char::from(
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                            [rng.below(64) as usize],
                    )
                })
                .collect::<String>()
                + "\n"
        })
        .collect();
    write(
        dir,
        "config/deploy_key",
        format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{body}-----END OPENSSH PRIVATE KEY-----\n")
            .as_bytes(),
    )?;

    // Archives: a zip holding a CSV and a nested tar.gz.
    let mut staff = String::from("工号,姓名,手机,邮箱\n");
    for i in 0..20 {
        staff.push_str(&format!(
            "E{:04},{},{},staff{}@example.com\n",
            i,
            g.name(),
            g.mobile(),
            i
        ));
    }
    let inner = tar_gz_bytes(&[(
        "notes/交接.txt",
        format!(
            "新同事{}的身份证号 {}，手机 {}\n",
            g.name(),
            g.resident_id(),
            g.mobile()
        )
        .into_bytes(),
    )])?;
    write(
        dir,
        "archives/backup_2019.zip",
        &zip_bytes(&[
            ("hr/staff.csv", staff.into_bytes()),
            ("hr/old.tar.gz", inner),
        ])?,
    )?;

    // Mail with an attachment.
    let attachment = format!("姓名,手机\n{},{}\n", g.name(), g.mobile());
    let b64 = base64_lines(attachment.as_bytes());
    let mbox = format!(
        "From ops@example.com Mon Jan  1 00:00:00 2024\nFrom: Ops <ops@example.com>\nTo: li.lei@example.cn\nSubject: 名单\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\n请核对，报案人手机 {}。\n--b1\nContent-Type: text/csv; name=\"list.csv\"\nContent-Disposition: attachment; filename=\"list.csv\"\nContent-Transfer-Encoding: base64\n\n{b64}\n--b1--\n",
        g.mobile()
    );
    write(dir, "mail/inbox.mbox", mbox.as_bytes())?;

    // An SQLite database file.
    let db_path = dir.join("db/customers.sqlite");
    if let Some(parent) = db_path.parent() {
        std::fs::create_dir_all(parent).map_err(at(parent))?;
    }
    let _ = std::fs::remove_file(&db_path);
    let conn = rusqlite::Connection::open(&db_path)?;
    conn.execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, mobile TEXT, card_no TEXT);")?;
    for _ in 0..25 {
        conn.execute(
            "INSERT INTO customers (full_name, mobile, card_no) VALUES (?1, ?2, ?3)",
            rusqlite::params![g.name(), g.mobile(), g.bank_card()],
        )?;
    }
    drop(conn);

    // A Word document.
    let mut paragraphs = String::new();
    for _ in 0..5 {
        paragraphs.push_str(&format!(
            "<w:p><w:r><w:t>联系人：{}，电话 {}</w:t></w:r></w:p>",
            g.name(),
            g.mobile()
        ));
    }
    let document = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{paragraphs}</w:body></w:document>");
    let content_types = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    write(
        dir,
        "docs/联系人名单.docx",
        &zip_bytes(&[
            ("[Content_Types].xml", content_types.as_bytes().to_vec()),
            ("word/document.xml", document.into_bytes()),
        ])?,
    )?;

    // Decoys only: nothing here should be reported.
    write(dir, "misc/release-notes.txt", b"Version 10.0.19041.1 ships build 20231231235959123456 with sha da39a3ee5e6b4b0d3255bfef95601890afd80709.\nOrder 2024011512345678901 shipped; masked phone 138****5678.\n")?;
    Ok(())
}

/// Base64 in lines of 76 characters, as MIME bodies are written.
fn base64_lines(data: &[u8]) -> String {
    let flat = base64::engine::general_purpose::STANDARD.encode(data);
    flat.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}
