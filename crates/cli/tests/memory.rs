//! Memory is bounded by the chunk, not by the findings of one object: a file holding
//! millions of mobile numbers is scanned into the database at a small, flat peak.
//!
//! This is the only test in its binary, because the peak is read with
//! `getrusage(RUSAGE_CHILDREN)`, which covers every child this process has waited for.

mod common;

use common::*;

#[cfg(target_os = "linux")]
#[test]
fn millions_of_findings_in_one_file_keep_a_flat_peak() {
    let env = Env::new();
    let mut text = String::with_capacity(2_000_000 * 12);
    for i in 1..=2_000_000u64 {
        text.push_str(&format!("138{:08}\n", i * 37 % 100_000_000));
    }
    env.write("big/phones.txt", text.as_bytes());
    drop(text);
    let db = env.home.path().join("m.db");
    let out = env.run(&[
        "scan",
        "--no-progress",
        "-q",
        "--db",
        db.to_str().unwrap(),
        "big",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_CHILDREN is always valid.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    assert_eq!(rc, 0);
    // SAFETY: initialised by the successful call above.
    let peak_kib = unsafe { usage.assume_init() }.ru_maxrss;
    let findings = env.run(&["scans", "--db", db.to_str().unwrap()]);
    let listed = String::from_utf8_lossy(&findings.stdout);
    assert!(
        listed.contains("2000000"),
        "every number was recorded: {listed}"
    );
    // Holding the findings of the object until its end took about 1 GB here.
    assert!(peak_kib < 256 * 1024, "peak RSS {} MiB", peak_kib / 1024);
}
