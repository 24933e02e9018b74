//! `leakscope audit` against real Redis servers on loopback: one open, one with
//! `requirepass`, and a port nobody listens on. The servers are Debian's redis-server,
//! started here on free ports and stopped by PID; `scripts/test` installs it and sets
//! `LEAKSCOPE_REQUIRE_SERVERS=1` so the test cannot silently skip in CI.

mod common;

use common::*;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Redis {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn redis(extra: &[&str]) -> Option<Redis> {
    let bin = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(bin) = bin else {
        assert!(
            std::env::var_os("LEAKSCOPE_REQUIRE_SERVERS").is_none(),
            "redis-server is required but missing"
        );
        eprintln!("audit test not run: no redis-server (scripts/test installs it)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(bin)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
        ])
        .arg(dir.path())
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Redis {
        child,
        port,
        _dir: dir,
    })
}

#[test]
fn audit_tells_open_protected_and_unreachable_redis_apart() {
    let Some(open) = redis(&[]) else { return };
    let Some(locked) = redis(&["--requirepass", "n0t-guessable"]) else {
        return;
    };
    let nobody = free_port();
    let env = Env::new();
    let targets = [
        format!("redis://127.0.0.1:{}", open.port),
        // Credentials in a target are never used: the probe only tries none.
        format!("redis://:n0t-guessable@127.0.0.1:{}/0", locked.port),
        format!("redis://127.0.0.1:{nobody}"),
    ];
    let mut args = vec![
        "audit",
        "--format",
        "jsonl",
        "--timeout",
        "3",
        "--interval-ms",
        "0",
    ];
    args.extend(targets.iter().map(String::as_str));
    let out = env.run(&args);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stdout.contains("n0t-guessable"),
        "credentials never appear in output"
    );
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3, "{stdout}");
    assert!(records
        .iter()
        .all(|r| r["type"] == "exposure" && r["service"] == "redis"));
    assert_eq!(records[0]["exposed"], true, "{:#}", records[0]);
    assert!(records[0]["evidence"].as_str().unwrap().contains("PONG"));
    assert_eq!(records[1]["exposed"], false, "{:#}", records[1]);
    assert!(records[1]["evidence"].as_str().unwrap().contains("NOAUTH"));
    assert_eq!(
        records[1]["target"],
        format!("redis://127.0.0.1:{}/0", locked.port)
    );
    assert_eq!(records[2]["exposed"], serde_json::Value::Null);
    assert!(records[2]["evidence"]
        .as_str()
        .unwrap()
        .contains("unreachable"));
    assert_eq!(
        out.status.code(),
        Some(2),
        "an undecided target makes the exit code 2"
    );

    let only_locked = env.run(&[
        "audit",
        "--interval-ms",
        "0",
        &format!("redis://127.0.0.1:{}", locked.port),
    ]);
    assert_eq!(
        only_locked.status.code(),
        Some(0),
        "a protected store alone: nothing exposed"
    );
    let only_open = env.run(&["audit", &format!("redis://127.0.0.1:{}", open.port)]);
    assert_eq!(only_open.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&only_open.stdout).starts_with("EXPOSED"));
}

#[test]
fn unsupported_or_malformed_targets_fail_before_any_probe() {
    let env = Env::new();
    let out = env.run(&[
        "audit",
        "redis://127.0.0.1:6379",
        "mongodb://root:pw@10.1.2.3/admin",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a supported target") && !err.contains("pw@"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing was probed");
}
