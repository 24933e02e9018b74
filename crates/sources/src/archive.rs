//! Archives and compressors: zip, tar, gzip, bzip2, xz, zstd and 7z, recursively.
//!
//! Members are decoded in memory or as streams; nothing is written to disk. Every byte
//! that comes out of a decompressor passes a [`Guard`] that enforces the per-object
//! [`Budget`] of decompressed bytes and the compression-ratio limit, so a zip bomb stops
//! with a located error instead of filling memory.

use crate::decode::{decode_reader, Kind};
use crate::error::{guard, SourceError};
use crate::{report_error, report_skip, Limits, Sink};
use leakscope_core::ObjectPath;
use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::rc::Rc;

/// Decompressed bytes still allowed for one top-level object. Clones share the same
/// remainder, so members of nested containers all draw on their root's budget.
#[derive(Debug, Clone)]
pub struct Budget {
    remaining: Rc<Cell<u64>>,
    limit: u64,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Self {
        Budget {
            remaining: Rc::new(Cell::new(limit)),
            limit,
        }
    }

    /// Takes `n` bytes from the budget, or fails when it is exhausted.
    fn take(&self, n: u64) -> Result<(), SourceError> {
        let left = self.remaining.get();
        if n > left {
            return Err(SourceError::TotalBudget { limit: self.limit });
        }
        self.remaining.set(left - n);
        Ok(())
    }
}

/// Counts bytes read from the compressed side of a decompressor.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Wraps the decompressed side: enforces the budget and the ratio limit.
pub struct Guard<R> {
    inner: R,
    consumed: Rc<Cell<u64>>,
    produced: u64,
    budget: Budget,
    max_ratio: u64,
    grace: u64,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        self.budget.take(n as u64).map_err(io::Error::other)?;
        if self.produced > self.grace
            && self.produced > self.consumed.get().max(1).saturating_mul(self.max_ratio)
        {
            return Err(io::Error::other(SourceError::Ratio {
                limit: self.max_ratio,
                produced: self.produced,
            }));
        }
        Ok(n)
    }
}

impl<R: Read> Guard<R> {
    /// Guards `inner`, the decompressed side of an entry whose compressed size is
    /// `compressed` bytes (document parts read straight from a zip).
    pub(crate) fn new(inner: R, compressed: u64, limits: &Limits, budget: &Budget) -> Self {
        Guard {
            inner,
            consumed: Rc::new(Cell::new(compressed.max(1))),
            produced: 0,
            budget: budget.clone(),
            max_ratio: limits.max_ratio,
            grace: limits.ratio_grace_bytes,
        }
    }

    /// Decompressed bytes read through the guard so far.
    pub(crate) fn produced(&self) -> u64 {
        self.produced
    }
}

/// Opens zip entry `index` of a document (docx, xlsx, ods parts) for reading through a
/// [`Guard`]. Stored and deflated entries, which is what office files use, are inflated
/// here from their raw bytes, so the ratio guard compares what came out with what was
/// actually read, and a bomb stops after the grace bytes rather than after 200 times the
/// whole part. Other methods go through the zip crate with the declared compressed size.
pub(crate) fn zip_part<'a, R: Read + io::Seek>(
    archive: &'a mut ::zip::ZipArchive<R>,
    index: usize,
    limits: &Limits,
    budget: &Budget,
) -> Result<Box<dyn Read + 'a>, SourceError> {
    let corrupt = |e: ::zip::result::ZipError| SourceError::corrupt("zip part", e);
    let (method, encrypted, compressed) = {
        let file = archive.by_index_raw(index).map_err(corrupt)?;
        (file.compression(), file.encrypted(), file.compressed_size())
    };
    if encrypted {
        return Err(SourceError::Encrypted {
            format: "office document",
        });
    }
    let consumed = Rc::new(Cell::new(0));
    let guard = |inner: Box<dyn Read + 'a>, consumed: Rc<Cell<u64>>| Guard {
        inner,
        consumed,
        produced: 0,
        budget: budget.clone(),
        max_ratio: limits.max_ratio,
        grace: limits.ratio_grace_bytes,
    };
    Ok(match method {
        ::zip::CompressionMethod::Stored | ::zip::CompressionMethod::Deflated => {
            let raw = archive.by_index_raw(index).map_err(corrupt)?;
            let counted = Counting {
                inner: raw,
                count: consumed.clone(),
            };
            let inner: Box<dyn Read + 'a> = if method == ::zip::CompressionMethod::Stored {
                Box::new(counted)
            } else {
                Box::new(flate2::read::DeflateDecoder::new(counted))
            };
            Box::new(guard(inner, consumed))
        }
        _ => {
            consumed.set(compressed.max(1));
            let file = archive.by_index(index).map_err(corrupt)?;
            Box::new(guard(Box::new(file), consumed))
        }
    })
}

/// The typed limit error a [`Guard`] raised inside an IO error, if that is what it is, so
/// a parser that wraps IO errors still reports "ratio" or "budget" rather than "corrupt".
pub(crate) fn limit_error(e: &io::Error) -> Option<SourceError> {
    match e.get_ref()?.downcast_ref::<SourceError>()? {
        SourceError::Ratio { limit, produced } => Some(SourceError::Ratio {
            limit: *limit,
            produced: *produced,
        }),
        SourceError::TotalBudget { limit } => Some(SourceError::TotalBudget { limit: *limit }),
        _ => None,
    }
}

/// Name of the content inside a single-stream compressed file (`a.csv.gz` holds `a.csv`).
fn inner_name(name: &str) -> String {
    for ext in [
        ".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz", ".zst", ".zstd",
    ] {
        if let Some(stem) = name.strip_suffix(ext).or_else(|| {
            name.to_ascii_lowercase()
                .strip_suffix(ext)
                .map(|s| &name[..s.len()])
        }) {
            return match ext {
                ".tgz" | ".tbz2" | ".txz" => format!("{stem}.tar"),
                _ => stem.to_string(),
            };
        }
    }
    name.to_string()
}

/// Decompresses a gzip, bzip2, xz or zstd stream and decodes what it holds under the same
/// path (the compression layer is transparent in locations).
pub fn decompress(
    path: &ObjectPath,
    name: &str,
    kind: Kind,
    input: impl Read,
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let consumed = Rc::new(Cell::new(0));
    let counted = Counting {
        inner: input,
        count: consumed.clone(),
    };
    let decoder: Box<dyn Read> = match kind {
        Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counted)),
        Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(counted)),
        Kind::Xz => Box::new(xz2::read::XzDecoder::new_multi_decoder(counted)),
        Kind::Zstd => Box::new(zstd::stream::read::Decoder::new(counted)?),
        _ => return Err(SourceError::corrupt("stream", "not a compressed stream")),
    };
    let mut guarded = Guard {
        inner: decoder,
        consumed,
        produced: 0,
        budget: budget.clone(),
        max_ratio: limits.max_ratio,
        grace: limits.ratio_grace_bytes,
    };
    let inner = inner_name(name);
    let mut errors = ErrorCatcher {
        inner: &mut guarded,
        error: None,
    };
    decode_reader(path, &inner, &mut errors, None, limits, budget, sink);
    match errors.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Marks a read error that an [`ErrorCatcher`] has already taken charge of: the decoder
/// that consumed the stream must not report it again.
#[derive(Debug)]
pub struct Caught;

impl std::fmt::Display for Caught {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("read stopped (reported on the container)")
    }
}

impl std::error::Error for Caught {}

/// True when an IO error is one an [`ErrorCatcher`] reports itself.
pub fn is_caught(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Caught>())
}

/// Remembers the first typed error that a guarded reader raised, so it is reported once
/// with its own message rather than as a generic read error of whatever consumed it.
struct ErrorCatcher<'a, R> {
    inner: &'a mut R,
    error: Option<SourceError>,
}

impl<R: Read> Read for ErrorCatcher<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => Ok(n),
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(
                        limit_error(&e)
                            .unwrap_or_else(|| SourceError::corrupt("compressed stream", &e)),
                    );
                }
                Err(io::Error::other(Caught))
            }
        }
    }
}

/// Decodes one archive member through a [`Guard`] (budget and ratio, with `compressed`
/// bytes counted as its input) and an [`ErrorCatcher`], then reads the member to its end
/// (7z solid blocks need that before the next entry). Returns the guard's error, if any,
/// for the caller to report on the member.
#[allow(clippy::too_many_arguments)]
fn decode_member(
    child: &ObjectPath,
    name: &str,
    reader: &mut dyn Read,
    compressed: u64,
    size: Option<u64>,
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Option<SourceError> {
    let mut guarded = Guard::new(reader, compressed, limits, budget);
    let mut catcher = ErrorCatcher {
        inner: &mut guarded,
        error: None,
    };
    let short = name.rsplit('/').next().unwrap_or(name).to_string();
    decode_reader(child, &short, &mut catcher, size, limits, budget, sink);
    let _ = io::copy(&mut catcher, &mut io::sink());
    catcher.error
}

/// Reads a tar stream; each regular file is decoded as a member.
pub fn tar(
    path: &ObjectPath,
    input: impl Read,
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let mut archive = ::tar::Archive::new(input);
    let entries = archive
        .entries()
        .map_err(|e| SourceError::corrupt("tar", e))?;
    let mut count = 0usize;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => return Err(SourceError::corrupt("tar", e)),
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        count += 1;
        if count > limits.max_members {
            report_skip(
                sink,
                path,
                format!(
                    "more than {} members; the rest were not read",
                    limits.max_members
                ),
            );
            break;
        }
        let member = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| format!("member-{count}"));
        let child = path.child(member.clone());
        let size = entry.header().size().ok();
        let name = member.rsplit('/').next().unwrap_or(&member).to_string();
        decode_reader(&child, &name, &mut entry, size, limits, budget, sink);
    }
    Ok(())
}

/// Reads a zip archive from memory; each file member is decoded recursively.
pub fn zip(
    path: &ObjectPath,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let mut archive = guard("zip", || {
        ::zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| SourceError::corrupt("zip", e))
    })?;
    let n = archive.len();
    if n > limits.max_members {
        report_skip(
            sink,
            path,
            format!(
                "{n} members; only the first {} are read",
                limits.max_members
            ),
        );
    }
    for i in 0..n.min(limits.max_members) {
        let result = guard("zip", || {
            let mut file = match archive.by_index(i) {
                Ok(f) => f,
                Err(::zip::result::ZipError::UnsupportedArchive(msg))
                    if msg.contains("ncrypt") || msg.contains("assword") =>
                {
                    return Err(SourceError::Encrypted {
                        format: "zip member",
                    })
                }
                Err(e) => return Err(SourceError::corrupt("zip", e)),
            };
            if !file.is_file() {
                return Ok(None);
            }
            if file.encrypted() {
                return Err(SourceError::Encrypted {
                    format: "zip member",
                });
            }
            let name = file.name().to_string();
            let child = path.child(name.clone());
            let declared = file.size();
            let compressed = file.compressed_size().max(1);
            if declared > limits.ratio_grace_bytes && declared / compressed > limits.max_ratio {
                return Ok(Some((
                    child,
                    Err(SourceError::Ratio {
                        limit: limits.max_ratio,
                        produced: declared,
                    }),
                )));
            }
            let error = decode_member(
                &child,
                &name,
                &mut file,
                compressed,
                Some(declared),
                limits,
                budget,
                sink,
            );
            Ok(Some((child, error.map_or(Ok(()), Err))))
        });
        match result {
            Ok(None) | Ok(Some((_, Ok(())))) => {}
            Ok(Some((child, Err(e)))) => report_error(sink, &child, e),
            Err(e) => {
                // The member could not be opened, but its name is in the directory.
                let child = path.child(
                    archive
                        .name_for_index(i)
                        .map_or_else(|| format!("#{i}"), str::to_string),
                );
                match e {
                    SourceError::Encrypted { .. } => report_skip(sink, &child, e),
                    e => report_error(sink, &child, e),
                }
            }
        }
    }
    Ok(())
}

/// Reads a 7z archive from memory.
pub fn seven_z(
    path: &ObjectPath,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    check_seven_z_header(bytes)?;
    guard("7z", || {
        let mut reader =
            sevenz_rust2::ArchiveReader::new(Cursor::new(bytes), sevenz_rust2::Password::empty())
                .map_err(seven_z_error)?;
        let mut count = 0usize;
        let mut member_errors: Vec<(ObjectPath, SourceError)> = Vec::new();
        reader
            .for_each_entries(|entry, rd| {
                if entry.is_directory() || !entry.has_stream {
                    return Ok(true);
                }
                count += 1;
                if count > limits.max_members {
                    return Ok(false);
                }
                let name = entry.name().to_string();
                let child = path.child(name.clone());
                // 7z does not expose per-entry compressed sizes here, so only the byte
                // budget applies to its members, not the ratio check.
                let no_ratio = u64::MAX / limits.max_ratio.max(1);
                if let Some(e) = decode_member(
                    &child,
                    &name,
                    rd,
                    no_ratio,
                    Some(entry.size),
                    limits,
                    budget,
                    sink,
                ) {
                    member_errors.push((child, e));
                    return Ok(false);
                }
                Ok(true)
            })
            .map_err(seven_z_error)?;
        for (child, e) in member_errors {
            report_error(sink, &child, e);
        }
        Ok(())
    })
}

/// Checks the 7z start header before the archive is opened: the reader allocates the
/// next header at the size this header declares, so a size past the end of the file (a
/// crafted one asked for 8 EiB, which aborts the process) is refused here.
fn check_seven_z_header(bytes: &[u8]) -> Result<(), SourceError> {
    let field = |at: usize| {
        bytes
            .get(at..at + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    };
    let (Some(offset), Some(size)) = (field(12), field(20)) else {
        return Err(SourceError::corrupt("7z", "truncated start header"));
    };
    let end = 32u64.checked_add(offset).and_then(|e| e.checked_add(size));
    match end {
        // An archive whose start header was never finished (a cut download) has zeros
        // here. The reader would then try every position of the last megabyte as a
        // header, which a crafted file turns into minutes of work (a fuzz find): such
        // archives are reported instead.
        _ if offset == 0 && size == 0 => Err(SourceError::corrupt(
            "7z",
            "the start header is empty (an unfinished archive)",
        )),
        Some(end) if end <= bytes.len() as u64 => Ok(()),
        _ => Err(SourceError::corrupt(
            "7z",
            format!(
                "the header is declared at {offset}+{size} bytes, past the end of the {}-byte file",
                bytes.len()
            ),
        )),
    }
}

/// A 7z error as a source error: a password request, or a cipher this build does not
/// decrypt (AES, the only one 7z uses), means an encrypted archive, not a corrupt one.
fn seven_z_error(e: sevenz_rust2::Error) -> SourceError {
    let encrypted = matches!(
        e,
        sevenz_rust2::Error::PasswordRequired | sevenz_rust2::Error::MaybeBadPassword(_)
    ) || matches!(&e, sevenz_rust2::Error::UnsupportedCompressionMethod(m) if m.starts_with("AES"));
    if encrypted {
        SourceError::Encrypted {
            format: "7z archive",
        }
    } else {
        SourceError::corrupt("7z", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_names() {
        assert_eq!(inner_name("a.csv.gz"), "a.csv");
        assert_eq!(inner_name("b.tgz"), "b.tar");
        assert_eq!(inner_name("LOG.XZ"), "LOG");
        assert_eq!(inner_name("plain"), "plain");
    }
}
