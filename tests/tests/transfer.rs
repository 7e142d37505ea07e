//! Moving a registry with `osops-registry export` and `import`, through the real binaries: a
//! SQLite registry populated through the API and the admin commands (users, a team, owners,
//! scoped and revoked tokens, versions with a yank, needs with votes, a trusted-publisher rule and
//! a trusted publish, the audit log) is exported, imported into a fresh SQLite registry (always)
//! and into PostgreSQL + S3 (when `OSOPS_TEST_POSTGRES` and `OSOPS_TEST_S3` are set; skipped,
//! saying so, otherwise), served by the real `osops-registry serve` and read with the real
//! `osops`: everything reads the same, tokens still authenticate, search finds the same assets and
//! needs, `osops install` installs the same bytes, and new writes get new ids. Then the refusals:
//! tampered table files and archives, missing archives, a non-empty target, and an import that
//! fails half-way commits nothing and completes when re-run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use osops_tests::fixtures::{address_needs, script_asset};
use osops_tests::issuer::TestIssuer;
use osops_tests::services::shared_storage;
use osops_tests::{Output, TestContext, TestRegistry, binary, walk};
use serde_json::{Value, json};

const ISSUER: &str = "https://ci.example.org";

/// Runs `osops-registry ARGS` (export and import take all their flags from ARGS).
fn registry_command(args: &[&str]) -> Output {
    Command::new(binary("osops-registry"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("osops-registry runs")
        .into()
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The source registry: SQLite, populated, still running.
struct Source {
    registry: TestRegistry,
    config: PathBuf,
    issuer: TestIssuer,
    jane: String,
    bob: String,
    /// A token of jane's, revoked before the export.
    revoked: String,
    /// The CI identity token already exchanged (its `jti` is used).
    used_jwt: String,
    _config_dir: tempfile::TempDir,
}

fn publish(ctx: &TestContext, name: &str, version: &str, edit: impl FnOnce(&Path)) {
    let dir = script_asset(
        &ctx.work_dir().join(format!("{name}-{version}")),
        name,
        version,
    );
    edit(&dir);
    ctx.osops(&["publish", &path(&dir)]).assert_success();
}

fn ci_publish(url: &str, jwt: &str, name: &str, version: &str) -> Output {
    let ci = TestContext::new(url);
    let dir = script_asset(&ci.work_dir(), name, version);
    ci.command()
        .args(["publish", "--trusted", "--http-retries", "0", &path(&dir)])
        .env("OSOPS_OIDC_TOKEN", jwt)
        .output()
        .expect("osops runs")
        .into()
}

/// A SQLite registry with a bit of everything in it.
fn populate() -> Source {
    let issuer = TestIssuer::new(ISSUER, "key-1");
    let config_dir = tempfile::tempdir().expect("config dir");
    std::fs::write(
        config_dir.path().join("jwks.json"),
        issuer.jwks().to_string(),
    )
    .expect("write jwks");
    let config = config_dir.path().join("registry.toml");
    std::fs::write(&config, issuer.config_table("jwks.json")).expect("write config");
    let registry = TestRegistry::start_with(&["--config", &path(&config)]);
    let admin = |args: &[&str]| registry.admin(args).assert_success();

    let jane = registry.user_with_token("jane");
    let bob = registry.user_with_token("bob");
    admin(&["user", "add", "carol"]);
    admin(&["user", "disable", "carol"]);
    admin(&["team", "add", "nova-core"]);
    admin(&["team", "member", "add", "nova-core", "bob"]);
    admin(&["team", "member", "add", "nova-core", "carol"]);
    admin(&[
        "token",
        "create",
        "--user",
        "bob",
        "--name",
        "yank-only",
        "--scope",
        "yank",
        "--pattern",
        "nova-*",
        "--no-expiry",
    ]);
    let revoked = admin(&["token", "create", "--user", "jane", "--name", "old"])
        .stdout
        .trim()
        .to_owned();
    let list = admin(&["token", "list", "--user", "jane"]).stdout;
    let old_id = list
        .lines()
        .find(|l| l.split('\t').nth(1) == Some("old"))
        .and_then(|l| l.split('\t').next())
        .expect("the token `old` is listed")
        .to_owned();
    admin(&["token", "revoke", &old_id]);

    let as_jane = TestContext::new(registry.url()).with_token(&jane);
    let as_bob = TestContext::new(registry.url()).with_token(&bob);
    for (id, title) in [
        (
            "drain-compute-host",
            "Empty a compute host before maintenance",
        ),
        (
            "rotate-fernet-keys",
            "Rotate Fernet keys on every controller",
        ),
    ] {
        as_jane
            .osops(&[
                "need",
                "new",
                id,
                "--title",
                title,
                "--problem",
                "Operators keep doing this by hand at 3 a.m.",
                "--persona",
                "cloud operator",
                "--service",
                "nova",
            ])
            .assert_success();
    }
    as_jane
        .osops(&["need", "vote", "drain-compute-host"])
        .assert_success();
    as_bob
        .osops(&["need", "vote", "drain-compute-host"])
        .assert_success();
    as_bob
        .osops(&["need", "vote", "rotate-fernet-keys"])
        .assert_success();

    publish(&as_jane, "nova-tools", "1.0.0", |_| {});
    publish(&as_jane, "nova-tools", "1.1.0", |_| {});
    publish(&as_jane, "hello-drain", "1.0.0", |dir| {
        address_needs(dir, &["drain-compute-host"]);
        std::fs::write(
            dir.join("README.md"),
            "# hello-drain\n\nMoves every instance off a zanzibar host.\n",
        )
        .expect("readme");
    });
    publish(&as_bob, "glance-tools", "0.1.0", |_| {});
    as_jane
        .osops(&["yank", "nova-tools@1.1.0", "--reason", "breaks on caracal"])
        .assert_success();
    as_jane
        .osops(&["owner", "add", "nova-tools", "team:nova-core"])
        .assert_success();
    as_bob
        .osops(&["owner", "add", "glance-tools", "jane"])
        .assert_success();
    as_jane
        .osops(&[
            "trusted-publisher",
            "add",
            "nova-tools",
            "--issuer",
            ISSUER,
            "--claim",
            "repository=org/nova-tools",
            "--claim",
            "ref=refs/tags/*",
        ])
        .assert_success();
    let used_jwt = issuer.token(json!({"repository": "org/nova-tools", "ref": "refs/tags/v1.2.0"}));
    ci_publish(registry.url(), &used_jwt, "nova-tools", "1.2.0").assert_success();

    Source {
        registry,
        config,
        issuer,
        jane,
        bob,
        revoked,
        used_jwt,
        _config_dir: config_dir,
    }
}

/// Removes every `last_used_at` (reading with a token changes it).
fn strip_last_used(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("last_used_at");
            map.values_mut().for_each(strip_last_used);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_last_used),
        _ => {}
    }
}

/// What a registry shows, through `osops` (with jane's and bob's tokens) and its admin commands,
/// its own URL replaced by `REGISTRY`: `(what, shown)` pairs.
fn observe(
    url: &str,
    jane: &str,
    bob: &str,
    admin: &dyn Fn(&[&str]) -> Output,
) -> Vec<(String, String)> {
    let as_jane = TestContext::new(url).with_token(jane);
    let as_bob = TestContext::new(url).with_token(bob);
    let mut seen = Vec::new();
    let mut note = |what: &str, output: Output| {
        let output = output.assert_success();
        let text = match serde_json::from_str::<Value>(&output.stdout) {
            Ok(mut json) => {
                strip_last_used(&mut json);
                // Each store ranks text matches its own way (bm25, ts_rank): the same assets
                // must be found, not necessarily in the same order.
                if let Some(assets) = json.get_mut("assets").and_then(Value::as_array_mut) {
                    assets.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
                }
                serde_json::to_string_pretty(&json).expect("JSON")
            }
            Err(_) => output.stdout,
        };
        seen.push((what.to_owned(), text.replace(url, "REGISTRY")));
    };
    for name in ["nova-tools", "hello-drain", "glance-tools"] {
        note(
            &format!("info {name}"),
            as_jane.osops(&["info", name, "--json"]),
        );
        note(
            &format!("owners {name}"),
            as_jane.osops(&["owner", "list", name]),
        );
    }
    note(
        "search (all)",
        as_jane.osops(&["search", "--per-page", "100", "--json"]),
    );
    note(
        "search zanzibar (a README word)",
        as_jane.osops(&["search", "zanzibar", "--json"]),
    );
    note(
        "search greeting",
        as_jane.osops(&["search", "greeting", "--json"]),
    );
    note(
        "search by need",
        as_jane.osops(&["search", "--need", "drain-compute-host", "--json"]),
    );
    note(
        "needs",
        as_jane.osops(&["need", "list", "--per-page", "100", "--json"]),
    );
    note(
        "needs fernet",
        as_jane.osops(&["need", "list", "fernet", "--json"]),
    );
    note(
        "need drain-compute-host",
        as_jane.osops(&["need", "show", "drain-compute-host", "--json"]),
    );
    note(
        "trusted publishers",
        as_jane.osops(&["trusted-publisher", "list", "nova-tools", "--json"]),
    );
    note("jane's tokens", as_jane.osops(&["token", "list", "--json"]));
    note("bob's tokens", as_bob.osops(&["token", "list", "--json"]));
    note("users", admin(&["user", "list"]));
    note("teams", admin(&["team", "list"]));
    note("audit", admin(&["audit", "--json"]));
    seen
}

#[track_caller]
fn assert_same(expected: &[(String, String)], actual: &[(String, String)]) {
    assert_eq!(expected.len(), actual.len());
    for ((what, want), (_, got)) in expected.iter().zip(actual) {
        assert_eq!(got, want, "{what} differs after the move");
    }
}

/// The cksum of `name@version` as `osops info --json` reports it.
fn cksum(ctx: &TestContext, name: &str, version: &str) -> String {
    let info = ctx.osops(&["info", name, "--json"]).assert_success().json();
    info["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .find(|v| v["version"] == version)
        .and_then(|v| v["cksum"].as_str())
        .unwrap_or_else(|| panic!("no {name}@{version} in {info}"))
        .to_owned()
}

/// The table files of an export, by name.
fn tables(dir: &Path) -> Vec<(String, Vec<u8>)> {
    walk(&dir.join("tables"))
        .into_iter()
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("table file"))
        })
        .collect()
}

/// Where the moved registry goes.
enum Target {
    /// A fresh data dir.
    Sqlite,
    /// `--database-url` and `--storage`.
    Shared { database: String, storage: String },
}

impl Target {
    /// The storage flags of `import` and `export` for this target in `data_dir`.
    fn flags(&self, data_dir: &Path) -> Vec<String> {
        let mut flags = vec!["--data-dir".to_owned(), path(data_dir)];
        if let Target::Shared { database, storage } = self {
            flags.extend([
                "--database-url".to_owned(),
                database.clone(),
                "--storage".to_owned(),
                storage.clone(),
            ]);
        }
        flags
    }
}

fn command_with(args: &[&str], flags: &[String]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(flags.iter().map(String::as_str));
    registry_command(&all)
}

/// Populates a SQLite registry, moves it to `target`, serves the result and checks that it is
/// the same registry.
fn move_and_compare(target: Target) {
    let source = populate();
    let expected = observe(
        source.registry.url(),
        &source.jane,
        &source.bob,
        &|args: &[&str]| source.registry.admin(args),
    );
    let source_nova = cksum(
        &TestContext::new(source.registry.url()),
        "nova-tools",
        "1.2.0",
    );

    // Exported while the source still serves (SQLite's WAL lets it read a consistent snapshot).
    let work = tempfile::tempdir().expect("work dir");
    let export = work.path().join("export");
    let out = registry_command(&[
        "export",
        &path(&export),
        "--data-dir",
        &path(source.registry.data_dir()),
    ])
    .assert_success();
    assert!(
        out.stdout.contains("users 4,")
            && out.stdout.contains("versions 5,")
            && out.stdout.contains("archives: 5 (")
            && out.stdout.contains("5 copied, 0 already"),
        "{}",
        out.stdout
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(export.join("manifest.json")).expect("manifest"))
            .expect("manifest JSON");
    assert_eq!(manifest["format"], "osops-registry-export");
    assert_eq!(manifest["format_version"], 1);
    assert_eq!(manifest["source"]["store"], "sqlite");
    assert_eq!(manifest["source"]["migration"], 6);

    let target_dir = tempfile::tempdir().expect("target data dir");
    let flags = target.flags(target_dir.path());
    let out = command_with(&["import", &path(&export)], &flags).assert_success();
    assert!(
        out.stdout.contains("archives: 5 (") && out.stdout.contains("5 copied, 0 already"),
        "{}",
        out.stdout
    );

    // The target exported again gives the same table files, byte for byte (ids, flags, NULLs,
    // order): nothing was lost or changed on the way.
    let again = work.path().join("again");
    let out = command_with(&["export", &path(&again)], &flags).assert_success();
    assert!(out.stdout.contains("5 copied"), "{}", out.stdout);
    assert_eq!(tables(&again), tables(&export));

    let mut serve = vec!["--config".to_owned(), path(&source.config)];
    if let Target::Shared { database, storage } = &target {
        serve.extend([
            "--database-url".to_owned(),
            database.clone(),
            "--storage".to_owned(),
            storage.clone(),
        ]);
    }
    let serve: Vec<&str> = serve.iter().map(String::as_str).collect();
    let moved = TestRegistry::start_on(target_dir, &serve);
    let database_flags: Vec<String> = match &target {
        Target::Sqlite => Vec::new(),
        Target::Shared { database, .. } => vec!["--database-url".to_owned(), database.clone()],
    };
    let moved_admin = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(database_flags.iter().map(String::as_str));
        moved.admin(&all)
    };
    let actual = observe(moved.url(), &source.jane, &source.bob, &moved_admin);
    assert_same(&expected, &actual);

    // The same bytes install.
    let as_jane = TestContext::new(moved.url()).with_token(&source.jane);
    as_jane.osops(&["install", "nova-tools"]).assert_success();
    let receipt: Value = serde_json::from_slice(
        &std::fs::read(as_jane.osops_home().join("receipts/nova-tools.json")).expect("receipt"),
    )
    .expect("receipt JSON");
    assert_eq!(receipt["version"], "1.2.0");
    assert_eq!(receipt["cksum"].as_str(), Some(source_nova.as_str()));
    let ran = as_jane.osops(&["run", "nova-tools"]).assert_success();
    assert!(ran.stdout.contains("hello from nova-tools 1.2.0"));

    // Tokens: exported ones authenticate (bob's scoped one too), the revoked one is refused, and
    // an exchanged identity token cannot be exchanged again.
    let as_bob = TestContext::new(moved.url()).with_token(&source.bob);
    as_bob
        .osops(&["yank", "glance-tools@0.1.0"])
        .assert_success();
    let revoked = TestContext::new(moved.url())
        .with_token(&source.revoked)
        .osops(&["yank", "nova-tools@1.0.0"]);
    assert_eq!(revoked.code, Some(4), "{}", revoked.stderr);
    let replay = ci_publish(moved.url(), &source.used_jwt, "nova-tools", "1.3.0");
    assert_eq!(replay.code, Some(4), "{}", replay.stderr);
    assert!(replay.stderr.contains("already used"), "{}", replay.stderr);
    let fresh = source
        .issuer
        .token(json!({"repository": "org/nova-tools", "ref": "refs/tags/v1.3.0"}));
    ci_publish(moved.url(), &fresh, "nova-tools", "1.3.0").assert_success();

    // New rows get new ids (PostgreSQL's sequences were moved past the imported ones).
    publish(&as_jane, "nova-tools", "1.4.0", |_| {});
    publish(&as_jane, "keystone-tools", "0.1.0", |_| {});
    let dave = moved_admin(&["user", "add", "dave"]);
    dave.assert_success();
    let token = moved_admin(&["token", "create", "--user", "dave"]).assert_success();
    let as_dave = TestContext::new(moved.url()).with_token(token.stdout.trim());
    as_dave
        .osops(&["need", "vote", "rotate-fernet-keys"])
        .assert_success();
    as_dave
        .osops(&[
            "need",
            "new",
            "rebuild-amphora",
            "--title",
            "Rebuild a broken amphora",
            "--problem",
            "Load balancers stall.",
        ])
        .assert_success();
    let need = as_dave
        .osops(&["need", "show", "rotate-fernet-keys", "--json"])
        .assert_success()
        .json();
    assert_eq!(need["votes"], 2);
    let found = as_jane
        .osops(&["search", "keystone", "--json"])
        .assert_success()
        .json();
    assert_eq!(found["assets"][0]["name"], "keystone-tools");
    let audit = moved_admin(&["audit", "--asset", "nova-tools", "--json"])
        .assert_success()
        .json();
    assert_eq!(audit["events"][0]["version"], "1.4.0");
}

#[test]
fn a_sqlite_registry_moves_to_a_new_data_dir_unchanged() {
    move_and_compare(Target::Sqlite);
}

#[test]
fn a_sqlite_registry_moves_to_postgres_and_s3_unchanged() {
    let Some((database, storage)) = shared_storage("transfer") else {
        return;
    };
    move_and_compare(Target::Shared { database, storage });
}

/// The sha256 (hex) of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Copies an export directory.
fn copy_dir(from: &Path, to: &Path) {
    for file in walk(from) {
        let dest = to.join(file.strip_prefix(from).expect("inside"));
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&file, &dest).expect("copy");
    }
}

/// The archive files of an export.
fn archives(dir: &Path) -> Vec<PathBuf> {
    walk(&dir.join("archives"))
}

/// Rewrites a table file with `edit`, and the manifest to match (count and sha256), so that the
/// export is consistent but its rows are not.
fn rewrite_table(dir: &Path, table: &str, edit: impl FnOnce(Vec<String>) -> Vec<String>) {
    let file = dir.join(format!("tables/{table}.jsonl"));
    let text = std::fs::read_to_string(&file).expect("table");
    let lines = edit(text.lines().map(str::to_owned).collect());
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&file, &text).expect("write table");
    let manifest_path = dir.join("manifest.json");
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("manifest")).expect("JSON");
    for entry in manifest["tables"].as_array_mut().expect("tables") {
        if entry["name"] == table {
            entry["rows"] = json!(lines.len());
            entry["sha256"] = json!(sha256_hex(text.as_bytes()));
        }
    }
    std::fs::write(&manifest_path, manifest.to_string()).expect("write manifest");
}

#[test]
fn exports_resume_and_imports_refuse_what_is_wrong_and_commit_all_or_nothing() {
    let source = TestRegistry::start();
    let jane = source.user_with_token("jane");
    let as_jane = TestContext::new(source.url()).with_token(&jane);
    publish(&as_jane, "hello-ops", "1.0.0", |_| {});
    publish(&as_jane, "hello-ops", "1.1.0", |_| {});
    let work = tempfile::tempdir().expect("work dir");
    let export = work.path().join("export");
    let source_flags = ["--data-dir".to_owned(), path(source.data_dir())];

    // An export goes only into a new, empty or export directory.
    let foreign = work.path().join("foreign");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    std::fs::write(foreign.join("notes.txt"), "mine").expect("write");
    let refused = command_with(&["export", &path(&foreign)], &source_flags).assert_failure();
    assert!(
        refused.stderr.contains("which an export does not write"),
        "{}",
        refused.stderr
    );
    let missing = command_with(
        &["export", &path(&export)],
        &["--data-dir".to_owned(), path(&work.path().join("nothing"))],
    )
    .assert_failure();
    assert!(
        missing.stderr.contains("no registry database"),
        "{}",
        missing.stderr
    );

    // Exporting again copies only what is missing or damaged.
    let out = command_with(&["export", &path(&export)], &source_flags).assert_success();
    assert!(out.stdout.contains("2 copied, 0 already"), "{}", out.stdout);
    let out = command_with(&["export", &path(&export)], &source_flags).assert_success();
    assert!(out.stdout.contains("0 copied, 2 already"), "{}", out.stdout);
    let files = archives(&export);
    assert_eq!(files.len(), 2);
    std::fs::write(&files[0], b"damaged").expect("damage");
    let out = command_with(&["export", &path(&export)], &source_flags).assert_success();
    assert!(out.stdout.contains("1 copied, 1 already"), "{}", out.stdout);
    std::fs::remove_file(&files[1]).expect("remove");
    let out = command_with(&["export", &path(&export)], &source_flags).assert_success();
    assert!(out.stdout.contains("1 copied, 1 already"), "{}", out.stdout);

    let target = tempfile::tempdir().expect("target");
    let target_flags = ["--data-dir".to_owned(), path(target.path())];
    let import = |dir: &Path, extra: &[&str]| {
        let mut args = vec!["import", dir.to_str().expect("UTF-8 path")];
        args.extend(extra);
        command_with(&args, &target_flags)
    };

    // A changed table file.
    let tampered = work.path().join("tampered-table");
    copy_dir(&export, &tampered);
    let users = tampered.join("tables/users.jsonl");
    let text = std::fs::read_to_string(&users).expect("users");
    std::fs::write(&users, text.replace("jane", "mallory")).expect("tamper");
    let refused = import(&tampered, &[]).assert_failure();
    assert!(
        refused.stderr.contains("users.jsonl") && refused.stderr.contains("changed or damaged"),
        "{}",
        refused.stderr
    );

    // A changed archive.
    let tampered = work.path().join("tampered-archive");
    copy_dir(&export, &tampered);
    for file in archives(&tampered) {
        let mut bytes = std::fs::read(&file).expect("archive");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&file, bytes).expect("tamper");
    }
    let refused = import(&tampered, &[]).assert_failure();
    assert!(
        refused
            .stderr
            .contains("damaged or was changed after the export"),
        "{}",
        refused.stderr
    );

    // A missing archive.
    let incomplete = work.path().join("incomplete");
    copy_dir(&export, &incomplete);
    std::fs::remove_file(&archives(&incomplete)[0]).expect("remove");
    let refused = import(&incomplete, &[]).assert_failure();
    assert!(
        refused.stderr.contains("lacks 1 of its 2 archives"),
        "{}",
        refused.stderr
    );
    // An unfinished export (no manifest).
    std::fs::remove_file(incomplete.join("manifest.json")).expect("remove");
    let refused = import(&incomplete, &[]).assert_failure();
    assert!(
        refused.stderr.contains("did not finish"),
        "{}",
        refused.stderr
    );

    // Consistent files whose rows the database refuses (a token of a user that is not there):
    // the archives are copied, then the transaction fails, and nothing is committed.
    let broken = work.path().join("broken");
    copy_dir(&export, &broken);
    rewrite_table(&broken, "users", |_| Vec::new());
    let refused = import(&broken, &[]).assert_failure();
    assert!(
        refused.stderr.contains("cannot insert into `tokens`"),
        "{}",
        refused.stderr
    );

    // The good export then goes into the same target, which is still empty (no --force needed),
    // its archives already there.
    let out = import(&export, &[]).assert_success();
    assert!(out.stdout.contains("0 copied, 2 already"), "{}", out.stdout);

    // Now the target holds a registry: refused, unless --force, which replaces it (a damaged
    // archive in its blob store is replaced too).
    let refused = import(&export, &[]).assert_failure();
    assert!(
        refused.stderr.contains("is not empty (users 1") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    let stored = walk(&target.path().join("blobs"));
    assert_eq!(stored.len(), 2);
    std::fs::write(&stored[0], b"damaged").expect("damage");
    registry_command(&["user", "add", "stray", "--data-dir", &path(target.path())])
        .assert_success();
    let out = import(&export, &["--force"]).assert_success();
    assert!(
        out.stdout.contains("1 copied, 1 already") && out.stdout.contains("replaced:"),
        "{}",
        out.stdout
    );

    let moved = TestRegistry::start_on(target, &[]);
    let users = moved.admin(&["user", "list"]).assert_success();
    assert_eq!(users.stdout, "jane\n", "the stray user was replaced");
    let moved_jane = TestContext::new(moved.url()).with_token(&jane);
    let source_jane = TestContext::new(source.url());
    for version in ["1.0.0", "1.1.0"] {
        assert_eq!(
            cksum(&moved_jane, "hello-ops", version),
            cksum(&source_jane, "hello-ops", version)
        );
    }
    moved_jane.osops(&["install", "hello-ops"]).assert_success();
    publish(&moved_jane, "hello-ops", "1.2.0", |_| {});
}
