//! Running a rule file's own examples: the check that makes a broken rule fail.
//!
//! Every rule carries texts it must find something in (`examples`, `field_examples`,
//! `record_examples`) and texts it must find nothing in (their `negative_` twins). The
//! catalog test runs them for the built-in rules, and `leakscope rules check` runs them for
//! a user's files, through this one function so that both check the same things.

use crate::engine::{Engine, RecordField};
use crate::rules::{FieldExample, RuleFile};
use leakscope_core::Finding;

/// One example that did not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule's detector id.
    pub detector: String,
    /// What went wrong, with the example, in one line.
    pub message: String,
}

/// How many examples were run and which of them failed.
#[derive(Debug, Clone, Default)]
pub struct ExampleReport {
    /// Examples run.
    pub checked: usize,
    /// The ones that did not behave.
    pub failures: Vec<ExampleFailure>,
}

/// Runs every example of every rule of `file` with `engine`, which must have been built
/// with the file's rules enabled.
pub fn check_examples(engine: &Engine, file: &RuleFile) -> ExampleReport {
    let mut report = ExampleReport::default();
    let mut scanner = engine.scanner();
    let mut out: Vec<Finding> = Vec::new();
    let mut owners: Vec<u32> = Vec::new();
    for spec in &file.rules {
        let id = spec.id.get_ref();
        let expect =
            |report: &mut ExampleReport, found: &[Finding], positive: bool, what: String| {
                report.checked += 1;
                if found.iter().any(|f| &f.detector == id) != positive {
                    let verdict = if positive {
                        "missed"
                    } else {
                        "matched negative"
                    };
                    report.failures.push(ExampleFailure {
                        detector: id.clone(),
                        message: format!("{verdict} {what}"),
                    });
                }
            };
        let texts = spec.examples.iter().map(|t| (t, true));
        for (text, positive) in texts.chain(spec.negative_examples.iter().map(|t| (t, false))) {
            out.clear();
            scanner.scan(text, &mut out);
            expect(&mut report, &out, positive, format!("example {text:?}"));
        }
        let fields = spec.field_examples.iter().map(|f| (f, true));
        for (ex, positive) in fields.chain(spec.negative_field_examples.iter().map(|f| (f, false)))
        {
            out.clear();
            scanner.scan_field(&ex.field, &ex.value, &mut out);
            expect(
                &mut report,
                &out,
                positive,
                format!("field example {}={:?}", ex.field, ex.value),
            );
        }
        let records = spec.record_examples.iter().map(|r| (r, true));
        for (record, positive) in
            records.chain(spec.negative_record_examples.iter().map(|r| (r, false)))
        {
            let fields: Vec<RecordField<'_>> = record
                .iter()
                .map(|f: &FieldExample| RecordField {
                    name: &f.field,
                    value: &f.value,
                })
                .collect();
            out.clear();
            owners.clear();
            scanner.scan_record(&fields, &mut out, &mut owners);
            let shown: Vec<String> = record
                .iter()
                .map(|f| format!("{}={:?}", f.field, f.value))
                .collect();
            let what = format!("record example [{}]", shown.join(", "));
            expect(&mut report, &out, positive, what);
        }
    }
    report
}
