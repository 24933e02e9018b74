//! Git history end to end: a repository built with the real `git`, scanned through its
//! object database. Deleted credentials, personal data in a zip inside a zip, a deleted
//! branch and a dangling blob are all found at the commits that introduced them; a rescan
//! after one more commit reads only the new blob.

mod common;
use common::{resident_id, zip, Env};
use std::path::Path;
use std::process::Command;

/// Runs git in `dir` with a fixed identity and clock, and no user or system config.
fn git(dir: &Path, args: &[&str], tick: u32) -> String {
    let date = format!("2021-03-0{} 10:00:00 +0800", tick.clamp(1, 9));
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Li Lei",
            "-c",
            "user.email=lilei@corp.example.cn",
        ])
        .args(["-c", "init.defaultBranch=main", "-c", "gc.auto=0"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("git is installed (scripts/test installs it)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn commit_all(dir: &Path, message: &str, tick: u32) -> String {
    commit_paths(dir, &["-A"], message, tick)
}

fn commit_paths(dir: &Path, paths: &[&str], message: &str, tick: u32) -> String {
    let mut add = vec!["add"];
    add.extend_from_slice(paths);
    git(dir, &add, tick);
    git(dir, &["commit", "-q", "-m", message], tick);
    git(dir, &["rev-parse", "HEAD"], tick)
}

struct Fixture {
    env: Env,
    credential_commit: String,
    archive_commit: String,
    branch_commit: String,
    dangling_blob: String,
}

const AWS_KEY: &str = "AKIAZ7QWERTYUIOPAS4D";
const GITHUB_TOKEN: &str = "ghp_R8x2Kq9LmN4vB7cT1yH6jW3eZ5uA0sD2fG4h";

/// A repository with a credential committed and then deleted, a resident ID in a zip in a
/// zip, a branch deleted after one commit, a blob no commit holds, and an untracked file.
fn fixture() -> Fixture {
    let env = Env::new();
    let repo = env.dir().join("leak");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"], 1);
    env.write("leak/README.md", b"# internal tools\n");
    commit_all(&repo, "initial import", 1);
    env.write(
        "leak/deploy/prod.env",
        format!("AWS_ACCESS_KEY_ID={AWS_KEY}\nDB_HOST=10.2.3.4\n").as_bytes(),
    );
    let credential_commit = commit_all(&repo, "deploy settings", 2);
    std::fs::remove_file(repo.join("deploy/prod.env")).unwrap();
    commit_all(&repo, "remove secrets", 3);
    let csv = format!("姓名,身份证号\n王小明,{}\n", resident_id(411));
    let inner = zip(&[("名单/people.csv", csv.as_bytes())]);
    env.write(
        "leak/exports/2019.zip",
        &zip(&[("batch/inner.zip", &inner)]),
    );
    let archive_commit = commit_all(&repo, "exports", 4);
    git(&repo, &["checkout", "-q", "-b", "experiment"], 5);
    env.write(
        "leak/ci/token.txt",
        format!("GITHUB_TOKEN={GITHUB_TOKEN}\n").as_bytes(),
    );
    let branch_commit = commit_all(&repo, "try CI", 5);
    git(&repo, &["checkout", "-q", "main"], 6);
    git(&repo, &["branch", "-q", "-D", "experiment"], 6);
    git(&repo, &["reflog", "expire", "--expire=now", "--all"], 6);
    env.write("leak/scratch.txt", "手机 13912345678\n".as_bytes());
    let dangling_blob = git(&repo, &["hash-object", "-w", "scratch.txt"], 6);
    std::fs::remove_file(repo.join("scratch.txt")).unwrap();
    // Packed like a clone that arrived over the wire.
    git(&repo, &["repack", "-a", "-d", "-q"], 6);
    env.write("leak/notes.txt", "联系电话 13812345678\n".as_bytes());
    Fixture {
        env,
        credential_commit,
        archive_commit,
        branch_commit,
        dangling_blob,
    }
}

fn paths_of<'a>(findings: &'a [serde_json::Value], detector: &str) -> Vec<&'a str> {
    findings
        .iter()
        .filter(|f| f["detector"] == detector)
        .map(|f| f["path"].as_str().unwrap())
        .collect()
}

#[test]
fn one_scan_finds_deleted_credentials_nested_archives_and_unreachable_objects_at_their_commits() {
    let fx = fixture();
    let (code, findings, _) = fx.env.scan_jsonl(&["leak", "--no-db"]);
    assert_eq!(code, 1, "{findings:#?}");
    assert_eq!(
        paths_of(&findings, "aws_access_key_id"),
        [format!("git:leak@{}:deploy/prod.env", fx.credential_commit)],
        "the deleted credential, once, at the commit that added it"
    );
    assert_eq!(
        paths_of(&findings, "cn_resident_id"),
        [format!(
            "git:leak@{}:exports/2019.zip!/batch/inner.zip!/名单/people.csv",
            fx.archive_commit
        )],
        "the ID inside the nested zip, once (the committed work-tree copy is not scanned again)"
    );
    assert_eq!(
        paths_of(&findings, "github_token"),
        [format!("git:leak@{}:ci/token.txt", fx.branch_commit)],
        "the token on the deleted branch"
    );
    let mobiles = paths_of(&findings, "cn_mobile");
    let dangling = format!("git:leak@unreachable:{}", fx.dangling_blob);
    assert!(mobiles.contains(&dangling.as_str()), "{mobiles:?}");
    assert!(
        mobiles.contains(&"leak/notes.txt"),
        "the untracked file is scanned as a file: {mobiles:?}"
    );
    // Each finding in history says who committed it and when.
    let aws = findings
        .iter()
        .find(|f| f["detector"] == "aws_access_key_id")
        .unwrap();
    assert_eq!(aws["commit"]["id"], fx.credential_commit.as_str());
    assert_eq!(aws["commit"]["summary"], "deploy settings");
    assert_eq!(aws["commit"]["date"], "2021-03-02T10:00:00+08:00");
    let author = aws["commit"]["author"].as_str().unwrap();
    assert!(author.starts_with("Li Lei <"), "{author}");
    assert!(
        !author.contains("lilei@corp.example.cn"),
        "the author's address is masked like any other: {author}"
    );
    // No finding comes from the compressed object files themselves.
    assert!(
        findings
            .iter()
            .all(|f| !f["path"].as_str().unwrap().contains(".git/objects")),
        "{findings:#?}"
    );
}

#[test]
fn sarif_of_history_points_at_files_in_the_checkout_with_their_commit() {
    let fx = fixture();
    let out = fx.env.run(&[
        "scan",
        "leak",
        "--no-db",
        "--no-progress",
        "--format",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = leakscope_report::sarif::github_problems(&doc);
    assert!(problems.is_empty(), "{problems:#?}");
    let aws = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "aws_access_key_id")
        .expect("the deleted credential");
    let location = &aws["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "leak/deploy/prod.env");
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
    assert_eq!(aws["properties"]["commit"], fx.credential_commit.as_str());
}

#[test]
fn a_rescan_after_one_more_commit_reads_only_the_new_blob() {
    let fx = fixture();
    let db = fx.env.dir().join("f.db");
    let db = db.to_str().unwrap();
    let summary = |other: &[serde_json::Value]| {
        let s = other.iter().find(|o| o["type"] == "summary").unwrap();
        (
            s["objects_scanned"].as_u64().unwrap(),
            s["objects_unchanged"].as_u64().unwrap(),
        )
    };
    let (_, first, other) = fx.env.scan_jsonl(&["leak", "--db", db]);
    let (scanned_first, _) = summary(&other);
    assert!(scanned_first >= 5, "{other:?}");
    let repo = fx.env.dir().join("leak");
    fx.env.write(
        "leak/contacts.txt",
        format!("身份证 {}\n", resident_id(412)).as_bytes(),
    );
    let new_commit = commit_paths(&repo, &["contacts.txt"], "contacts", 7);
    let (_, second, other) = fx.env.scan_jsonl(&["leak", "--db", db]);
    let (scanned, unchanged) = summary(&other);
    assert_eq!(scanned, 1, "only the new blob is read: {other:?}");
    assert_eq!(unchanged, scanned_first, "{other:?}");
    assert_eq!(second.len(), first.len() + 1);
    assert!(
        paths_of(&second, "cn_resident_id")
            .contains(&format!("git:leak@{new_commit}:contacts.txt").as_str()),
        "{second:#?}"
    );
    // Findings of unchanged blobs keep their commits.
    let aws = second
        .iter()
        .find(|f| f["detector"] == "aws_access_key_id")
        .unwrap();
    assert_eq!(aws["commit"]["id"], fx.credential_commit.as_str());
    // Read back from the database, findings keep their commits too.
    let out = fx.env.run(&["findings", "--db", db, "--format", "jsonl"]);
    let stored: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let aws = stored
        .iter()
        .find(|f| f["detector"] == "aws_access_key_id")
        .unwrap_or_else(|| panic!("{stored:#?}"));
    assert_eq!(aws["commit"]["id"], fx.credential_commit.as_str());
    assert_eq!(aws["commit"]["summary"], "deploy settings");
}

#[test]
fn staged_and_since_commit_narrow_the_scan_for_hooks_and_ci() {
    let fx = fixture();
    let repo = fx.env.dir().join("leak");
    let base = git(&repo, &["rev-parse", "HEAD"], 7);
    fx.env.write(
        "leak/app/settings.py",
        format!("GITHUB = \"{GITHUB_TOKEN}\"\n").as_bytes(),
    );
    git(&repo, &["add", "app/settings.py"], 7);
    let (code, staged, _) = fx.env.scan_jsonl(&["leak", "--no-db", "--staged"]);
    assert_eq!(code, 1);
    let paths: Vec<&str> = staged.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["git:leak@staged:app/settings.py"], "{staged:#?}");
    let added = commit_paths(&repo, &["app/settings.py"], "settings", 8);
    let (_, since, _) = fx
        .env
        .scan_jsonl(&["leak", "--no-db", "--since-commit", &base]);
    let in_history: Vec<&str> = since
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .filter(|p| p.starts_with("git:"))
        .collect();
    assert_eq!(
        in_history,
        [format!("git:leak@{added}:app/settings.py")],
        "{since:#?}"
    );
    // Without history the work tree is plain files, and the deleted credential is gone.
    let (_, plain, _) = fx.env.scan_jsonl(&["leak", "--no-db", "--no-git-history"]);
    assert!(
        paths_of(&plain, "aws_access_key_id").is_empty(),
        "{plain:#?}"
    );
    assert!(!paths_of(&plain, "cn_resident_id").is_empty());
}

#[test]
fn a_bare_mirror_is_read_as_history_and_its_config_as_a_file() {
    let fx = fixture();
    let env = &fx.env;
    git(
        env.dir(),
        &["clone", "-q", "--mirror", "leak", "mirror.git"],
        7,
    );
    let mirror = env.dir().join("mirror.git");
    git(
        &mirror,
        &[
            "config",
            "remote.origin.url",
            &format!("https://deploy:{GITHUB_TOKEN}@git.corp.example.cn/tools.git"),
        ],
        7,
    );
    let (_, findings, _) = env.scan_jsonl(&["mirror.git", "--no-db"]);
    assert_eq!(
        paths_of(&findings, "aws_access_key_id"),
        [format!(
            "git:mirror.git@{}:deploy/prod.env",
            fx.credential_commit
        )]
    );
    assert!(
        paths_of(&findings, "github_token").contains(&"mirror.git/config"),
        "{findings:#?}"
    );
}

#[test]
fn a_damaged_pack_gives_located_errors_and_the_work_tree_is_still_scanned() {
    let fx = fixture();
    let pack_dir = fx.env.dir().join("leak/.git/objects/pack");
    let pack = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&pack).unwrap();
    f.set_len(600).unwrap();
    let (code, findings, other) = fx.env.scan_jsonl(&["leak", "--no-db"]);
    assert_eq!(code, 2, "errors are in the exit code: {other:?}");
    assert!(
        other
            .iter()
            .any(|o| o["type"] == "error" && o["path"] == "git:leak"),
        "{other:?}"
    );
    // The work tree is read as files when its history cannot be: the zip is found there.
    let ids = paths_of(&findings, "cn_resident_id");
    assert!(
        ids.iter().any(|p| p.starts_with("leak/exports/2019.zip!/")),
        "{ids:?} {other:#?}"
    );
    assert!(paths_of(&findings, "cn_mobile").contains(&"leak/notes.txt"));
}
