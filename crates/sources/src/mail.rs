//! Mail: single messages (eml) and mailboxes (mbox), MIME-decoded by `mail-parser`.
//!
//! Headers that carry people (From, To, Cc, Reply-To, Subject) and every text part are
//! scanned as one text per message; attachments are decoded recursively as members
//! (`inbox.mbox!/3/attachments/报表.xlsx`).

use crate::archive::Budget;
use crate::decode::decode_bytes;
use crate::error::{guard, SourceError};
use crate::{emit_text, Limits, Sink};
use leakscope_core::ObjectPath;
use mail_parser::{MessageParser, MimeHeaders};

/// Scans one message.
pub fn eml(
    path: &ObjectPath,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    message(path, bytes, limits, budget, sink)
}

/// Splits a mailbox at `From ` separator lines and scans each message as member `N`.
pub fn mbox(
    path: &ObjectPath,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let mut starts = Vec::new();
    if bytes.starts_with(b"From ") {
        starts.push(0);
    }
    starts.extend(memchr::memmem::find_iter(bytes, b"\nFrom ").map(|p| p + 1));
    if starts.is_empty() {
        return message(path, bytes, limits, budget, sink);
    }
    starts.push(bytes.len());
    for (i, w) in starts.windows(2).enumerate() {
        let raw = &bytes[w[0]..w[1]];
        // Drop the separator line itself.
        let body = raw
            .iter()
            .position(|b| *b == b'\n')
            .map_or(raw, |p| &raw[p + 1..]);
        let child = path.child((i + 1).to_string());
        if let Err(e) = message(&child, body, limits, budget, sink) {
            crate::report_error(sink, &child, e);
        }
    }
    Ok(())
}

fn message(
    path: &ObjectPath,
    bytes: &[u8],
    limits: &Limits,
    budget: &Budget,
    sink: &mut dyn Sink,
) -> Result<(), SourceError> {
    let (text, attachments) = guard("mail", || {
        let msg = MessageParser::default()
            .parse(bytes)
            .ok_or_else(|| SourceError::corrupt("mail message", "no headers found"))?;
        let mut text = String::new();
        for (label, header) in [
            ("From", msg.from()),
            ("To", msg.to()),
            ("Cc", msg.cc()),
            ("Reply-To", msg.reply_to()),
        ] {
            if let Some(addrs) = header {
                let list: Vec<String> = addrs
                    .iter()
                    .map(|a| match (a.name(), a.address()) {
                        (Some(n), Some(ad)) => format!("{n} <{ad}>"),
                        (None, Some(ad)) => ad.to_string(),
                        (Some(n), None) => n.to_string(),
                        (None, None) => String::new(),
                    })
                    .collect();
                text.push_str(&format!("{label}: {}\n", list.join(", ")));
            }
        }
        if let Some(s) = msg.subject() {
            text.push_str(&format!("Subject: {s}\n"));
        }
        text.push('\n');
        for i in 0..msg.text_body_count() {
            if let Some(body) = msg.body_text(i) {
                text.push_str(&body);
                text.push('\n');
            }
        }
        let attachments: Vec<(String, Vec<u8>)> = msg
            .attachments()
            .enumerate()
            .map(|(i, a)| {
                (
                    a.attachment_name()
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("attachment-{}", i + 1)),
                    a.contents().to_vec(),
                )
            })
            .collect();
        Ok((text, attachments))
    })?;
    emit_text(sink, path, "UTF-8", &text);
    for (name, data) in attachments {
        let child = path.child(format!("attachments/{name}"));
        decode_bytes(&child, &name, &data, limits, budget, sink);
    }
    Ok(())
}
