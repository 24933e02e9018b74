//! Shared bodies of the fuzz targets: each decoder target feeds its bytes to the real
//! dispatch under a fixed file name, so sniffing and every limit run as in a scan.

use leakscope_core::ObjectPath;
use leakscope_sources::{Budget, FieldAt, Limits, Notice, Sink};

/// A sink that checks the protocol (text objects do not nest, notices are located) and
/// drops the content.
#[derive(Default)]
pub struct Checked {
    open: bool,
}

impl Sink for Checked {
    fn begin_text(&mut self, _: &ObjectPath, _: &'static str) {
        assert!(!self.open, "text objects do not nest");
        self.open = true;
    }
    fn text_chunk(&mut self, _: &str) {
        assert!(self.open, "text only inside a text object");
    }
    fn end_text(&mut self) {
        assert!(self.open, "a text object ends once");
        self.open = false;
    }
    fn field(&mut self, _: &ObjectPath, _: FieldAt<'_>, _: &str) {}
    fn notice(&mut self, notice: Notice) {
        assert!(!notice.path.is_empty() && !notice.message.is_empty());
    }
}

/// Limits small enough that a fuzzing run stays inside libFuzzer's memory limit when the
/// limits hold, so an out-of-memory report means a limit is missing.
pub fn limits() -> Limits {
    Limits {
        max_object_bytes: 8 << 20,
        max_total_bytes: 64 << 20,
        ratio_grace_bytes: 1 << 20,
        ..Limits::default()
    }
}

/// Lets panics unwind. libfuzzer-sys makes every panic abort, but leakscope catches the
/// panics of third-party parsers on purpose (`catch_unwind` around them turns one into a
/// located notice), and those are not crashes. A panic nothing catches still unwinds out
/// of the target and ends the run.
pub fn panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

/// Decodes `data` as a file called `name`.
pub fn decode_as(name: &str, data: &[u8]) {
    panics_unwind();
    let limits = limits();
    let budget = Budget::new(limits.max_total_bytes);
    let mut sink = Checked::default();
    leakscope_sources::decode_bytes(&ObjectPath::root(name), name, data, &limits, &budget, &mut sink);
    assert!(!sink.open, "every text object is closed");
}
