//! Air-gapped mirrors through the real binaries: `osops mirror DIR` from the real registry, then
//! installs, search, info and needs from `file:///DIR`, from a plain HTTP server and from nginx
//! serving DIR, with the registry stopped; incremental re-runs (trusting recorded stamps, or
//! `--verify`); names with their dependency closure; filters; yanked versions.
//! The guide is docs/guides/air-gapped.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use osops_index::{AssetName, Manifest, index_path};
use osops_tests::assets::{publish_with_deps, tree_contents};
use osops_tests::nginx::{Nginx, SUB_PATH};
use osops_tests::{StaticRegistry, TestContext, TestRegistry, examples_dir, walk};
use serde_json::Value;

/// Demo assets installed from the live registry and from the mirror.
const PICKED: [&str; 3] = [
    "nova-evacuate-host",
    "galera-cluster-check",
    "keystone-fernet-rotate",
];

/// The demo catalog's manifests, by name.
fn demo_manifests() -> BTreeMap<String, Manifest> {
    std::fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("osops.toml").is_file())
        .map(|p| {
            let manifest =
                Manifest::from_dir(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (manifest.asset.name.to_string(), manifest)
        })
        .collect()
}

fn demo_registry() -> TestRegistry {
    TestRegistry::start_with(&["--demo", &examples_dir().to_string_lossy()])
}

fn file_url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

/// Runs `osops mirror DIR --json ARGS` and returns the summary.
#[track_caller]
fn mirror(ctx: &TestContext, dir: &Path, args: &[&str]) -> Value {
    let dir = dir.to_string_lossy();
    let mut all = vec!["mirror", dir.as_ref(), "--json"];
    all.extend_from_slice(args);
    ctx.osops(&all).assert_success().json()
}

/// The mirror's files by relative path, but its record and lock file.
fn mirrored(dir: &Path) -> BTreeSet<String> {
    walk(dir)
        .iter()
        .map(|p| {
            p.strip_prefix(dir)
                .expect("below the mirror")
                .to_string_lossy()
                .into_owned()
        })
        .filter(|rel| rel != "mirror.json" && rel != ".osops-mirror.lock")
        .collect()
}

/// The files every mirror holds beside its index files and archives.
fn index_documents() -> [String; 3] {
    [
        "index/catalog.json",
        "index/config.json",
        "index/needs.json",
    ]
    .map(str::to_owned)
}

/// The files a mirror holds for `name@version`: its index file and its archive.
fn files_of(name: &str, version: &str) -> [String; 2] {
    let parsed = AssetName::parse(name).expect("name");
    [
        format!("index/{}", index_path(&parsed)),
        format!("archives/{name}/{name}-{version}.osops"),
    ]
}

/// The installed files of `name` in a context's tree, by path below `assets/NAME/`.
#[track_caller]
fn installed(ctx: &TestContext, name: &str) -> BTreeMap<PathBuf, Vec<u8>> {
    let files = tree_contents(&ctx.osops_home().join("assets").join(name));
    assert!(!files.is_empty(), "{name} is installed");
    files
}

/// `(device, inode, mtime)` of every archive in the mirror: a file rewritten (even with the
/// same bytes, through a rename) gets another inode.
fn archive_identities(dir: &Path) -> BTreeMap<PathBuf, (u64, u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    walk(&dir.join("archives"))
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).expect("stat");
            let id = (meta.dev(), meta.ino(), meta.modified().expect("mtime"));
            (p, id)
        })
        .collect()
}

fn names_in(search: &Value) -> BTreeSet<String> {
    search["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| a["name"].as_str().expect("name").to_owned())
        .collect()
}

#[test]
fn a_mirror_installs_the_same_files_with_the_registry_stopped_and_updates_incrementally() {
    let manifests = demo_manifests();
    let registry = demo_registry();
    let live = TestContext::new(registry.url());
    let mut install = vec!["install"];
    install.extend(PICKED);
    live.osops(&install).assert_success();

    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("mirror");
    let first = mirror(&live, &dir, &[]);
    assert_eq!(first["assets"], manifests.len(), "{first}");
    assert_eq!(first["versions"], manifests.len(), "{first}");
    assert_eq!(first["archives"]["added"], manifests.len(), "{first}");
    assert_eq!(first["archives"]["unchanged"], 0, "{first}");
    assert!(first["downloaded_bytes"].as_u64().expect("bytes") > 0);
    let mut expected: BTreeSet<String> = manifests
        .iter()
        .flat_map(|(name, m)| files_of(name, &m.asset.version.to_string()))
        .collect();
    expected.extend(index_documents());
    assert_eq!(
        mirrored(&dir),
        expected,
        "exactly the sparse index and archives"
    );
    let config: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index/config.json")).expect("config.json"))
            .expect("json");
    assert_eq!(
        config["dl"], "/archives/{name}/{name}-{version}.osops",
        "relative download URLs"
    );
    // Every archive hashes to its index line's cksum.
    for name in manifests.keys() {
        let parsed = AssetName::parse(name).expect("name");
        let line = std::fs::read_to_string(dir.join("index").join(index_path(&parsed)))
            .expect("index file");
        let entry: Value = serde_json::from_str(line.trim()).expect("one line");
        let archive = dir.join(format!(
            "archives/{name}/{name}-{}.osops",
            entry["vers"].as_str().expect("vers")
        ));
        let bytes = std::fs::read(&archive).expect("archive");
        assert_eq!(osops_index::sha256_hex(&bytes), entry["cksum"], "{name}");
    }

    // The registry goes away; the mirror is all there is.
    let data = registry.kill();
    let offline = TestContext::new(&file_url(&dir));
    let done = offline.osops(&install).assert_success();
    assert!(done.stderr.contains("Installed"), "{}", done.stderr);
    for name in PICKED {
        assert_eq!(installed(&offline, name), installed(&live, name), "{name}");
    }
    let receipt: Value = serde_json::from_slice(
        &std::fs::read(
            offline
                .osops_home()
                .join("receipts/nova-evacuate-host.json"),
        )
        .expect("receipt"),
    )
    .expect("json");
    assert_eq!(receipt["registry"], file_url(&dir));

    // Search and info answer from the index files.
    let found = offline
        .osops(&["search", "evacuate", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        names_in(&found),
        BTreeSet::from(["nova-evacuate-host".into()])
    );
    let description = &manifests["nova-evacuate-host"].asset.description;
    assert_eq!(found["assets"][0]["description"], description.as_str());
    let checks = offline
        .osops(&["search", "--kind", "check", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        names_in(&checks),
        BTreeSet::from([
            "galera-cluster-check".into(),
            "rabbitmq-cluster-health".into()
        ])
    );
    let rabbit = offline
        .osops(&["search", "--service", "rabbitmq", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        names_in(&rabbit),
        BTreeSet::from(["rabbitmq-cluster-health".into()])
    );
    let info = offline
        .osops(&["info", "nova-evacuate-host", "--json"])
        .assert_success()
        .json();
    assert_eq!(info["latest"], "1.2.0");
    assert_eq!(info["description"], description.as_str());
    let human = offline
        .osops(&["info", "nova-evacuate-host"])
        .assert_success();
    assert!(
        human.stdout.contains("services:     nova, placement"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("downloads:"), "{}", human.stdout);

    // What needs a registry server is refused, saying so.
    let refused = offline
        .osops(&["owner", "list", "nova-evacuate-host"])
        .assert_failure();
    assert!(
        refused
            .stderr
            .contains("is a mirror, not a registry server"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("hint:"), "{}", refused.stderr);
    let example = examples_dir().join("nova-evacuate-host");
    let publish = offline
        .osops(&["publish", &example.to_string_lossy()])
        .assert_failure();
    assert!(
        publish.stderr.contains("it has no API for publishing"),
        "{}",
        publish.stderr
    );
    let login = offline.osops(&["login"]).assert_failure();
    assert!(login.stderr.contains("a mirror"), "{}", login.stderr);

    // A directory that is not a mirror says how to make one.
    let empty = work.path().join("not-a-mirror");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let wrong = TestContext::new(&file_url(&empty))
        .osops(&["install", "nova-evacuate-host"])
        .assert_failure();
    assert!(
        wrong.stderr.contains("is not an osops mirror"),
        "{}",
        wrong.stderr
    );
    assert!(
        wrong.stderr.contains("osops mirror DIR"),
        "{}",
        wrong.stderr
    );

    // Again, against the restarted registry: nothing changes, no archive is rewritten.
    let registry = TestRegistry::start_on(data, &["--demo", &examples_dir().to_string_lossy()]);
    let before = archive_identities(&dir);
    let ctx = TestContext::new(registry.url());
    let second = mirror(&ctx, &dir, &[]);
    for kind in ["archives", "index_files"] {
        for count in ["added", "updated", "removed"] {
            assert_eq!(second[kind][count], 0, "{kind}.{count}: {second}");
        }
    }
    assert_eq!(second["archives"]["unchanged"], manifests.len(), "{second}");
    assert_eq!(second["downloaded_bytes"], 0, "{second}");
    assert_eq!(archive_identities(&dir), before, "no archive was rewritten");
    let human = ctx
        .osops(&["mirror", &dir.to_string_lossy()])
        .assert_success();
    assert!(human.stderr.contains("nothing changed"), "{}", human.stderr);

    // An archive changed behind the record's back, its size and mtime put back: a plain run
    // trusts the recorded stamp (no archive is read), `--verify` hashes and repairs it.
    let archive = dir.join(&files_of("nova-evacuate-host", "1.2.0")[1]);
    let good = std::fs::read(&archive).expect("archive");
    let mtime = std::fs::metadata(&archive)
        .and_then(|m| m.modified())
        .expect("mtime");
    let mut bad = good.clone();
    bad[good.len() / 2] ^= 0xff;
    std::fs::write(&archive, &bad).expect("tamper");
    std::fs::File::options()
        .write(true)
        .open(&archive)
        .and_then(|f| f.set_modified(mtime))
        .expect("restore mtime");
    let trusted = mirror(&ctx, &dir, &[]);
    assert_eq!(trusted["archives"]["updated"], 0, "{trusted}");
    assert_eq!(std::fs::read(&archive).expect("archive"), bad);
    let verified = mirror(&ctx, &dir, &["--verify"]);
    assert_eq!(verified["archives"]["updated"], 1, "{verified}");
    assert_eq!(
        verified["archives"]["unchanged"],
        manifests.len() - 1,
        "{verified}"
    );
    assert_eq!(std::fs::read(&archive).expect("archive"), good);

    // A filter: only the checks, and exactly their files.
    let checks_dir = work.path().join("checks");
    let summary = mirror(&ctx, &checks_dir, &["--kind", "check"]);
    assert_eq!(summary["assets"], 2, "{summary}");
    let mut expected: BTreeSet<String> = ["galera-cluster-check", "rabbitmq-cluster-health"]
        .iter()
        .flat_map(|name| files_of(name, &manifests[*name].asset.version.to_string()))
        .collect();
    expected.extend(index_documents());
    assert_eq!(mirrored(&checks_dir), expected);
}

#[test]
fn names_bring_their_dependencies_yanked_versions_come_on_request_and_removals_are_counted() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    publish_with_deps(&ctx, "ops-lib", "1.0.0", &[]);
    publish_with_deps(&ctx, "ops-lib", "1.1.0", &[]);
    ctx.osops(&["yank", "ops-lib@1.1.0"]).assert_success();
    publish_with_deps(&ctx, "ops-tool", "1.0.0", &[("ops-lib", "^1")]);
    publish_with_deps(&ctx, "other-tool", "1.0.0", &[]);
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("mirror");
    let base = BTreeSet::from(index_documents());

    // A name brings its dependencies, without their yanked versions.
    let first = mirror(&ctx, &dir, &["ops-tool"]);
    assert_eq!(first["assets"], 2, "{first}");
    assert_eq!(first["versions"], 2, "{first}");
    let mut expected = base.clone();
    expected.extend(files_of("ops-tool", "1.0.0"));
    expected.extend(files_of("ops-lib", "1.0.0"));
    assert_eq!(mirrored(&dir), expected);
    let lib_index = dir.join("index/op/s-/ops-lib");
    let lines = std::fs::read_to_string(&lib_index).expect("index file");
    assert_eq!(
        lines.lines().count(),
        1,
        "only the mirrored version: {lines}"
    );

    let offline = TestContext::new(&file_url(&dir));
    offline.osops(&["install", "ops-tool"]).assert_success();
    let listed = offline.osops(&["list", "--json"]).assert_success().json();
    let names: BTreeSet<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, BTreeSet::from(["ops-lib", "ops-tool"]));
    let ran = offline.osops(&["run", "ops-tool"]).assert_success();
    assert_eq!(ran.stdout.trim(), "hello from ops-tool 1.0.0");
    // Without --include-yanked, the yanked version is not in the mirror at all.
    offline
        .osops(&["install", "ops-lib@=1.1.0"])
        .assert_failure();

    // --include-yanked adds the yanked version, still marked yanked.
    let second = mirror(&ctx, &dir, &["ops-tool", "--include-yanked"]);
    assert_eq!(second["archives"]["added"], 1, "{second}");
    assert_eq!(second["archives"]["unchanged"], 2, "{second}");
    assert_eq!(second["index_files"]["updated"], 1, "{second}");
    assert_eq!(second["index_files"]["unchanged"], 4, "{second}");
    let lines = std::fs::read_to_string(&lib_index).expect("index file");
    let yanked: Vec<bool> = lines
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("line")["yanked"] == true)
        .collect();
    assert_eq!(yanked, [false, true]);
    assert!(dir.join("archives/ops-lib/ops-lib-1.1.0.osops").is_file());
    // A version pinned exactly (as a lockfile pins it) installs from the mirror although yanked.
    let pinned = TestContext::new(&file_url(&dir));
    pinned
        .osops(&["install", "ops-lib@=1.1.0"])
        .assert_success();
    let ran = pinned.osops(&["run", "ops-lib"]).assert_success();
    assert_eq!(ran.stdout.trim(), "hello from ops-lib 1.1.0");

    // Another choice: what the mirror no longer wants is removed, and counted.
    let third = mirror(&ctx, &dir, &["other-tool"]);
    assert_eq!(third["archives"]["added"], 1, "{third}");
    assert_eq!(third["archives"]["removed"], 3, "{third}");
    assert_eq!(third["index_files"]["removed"], 2, "{third}");
    let mut expected = base;
    expected.extend(files_of("other-tool", "1.0.0"));
    assert_eq!(mirrored(&dir), expected);
    assert!(!dir.join("archives/ops-lib").exists(), "emptied dirs go");

    // A name the registry does not have is an error, and writes nothing.
    let before = mirrored(&dir);
    let missing = ctx
        .osops(&["mirror", &dir.to_string_lossy(), "no-such-asset"])
        .assert_failure();
    assert!(
        missing.stderr.contains("no asset named `no-such-asset`"),
        "{}",
        missing.stderr
    );
    assert_eq!(mirrored(&dir), before);

    // A directory that holds something else is not taken over.
    let busy = work.path().join("home");
    std::fs::create_dir_all(&busy).expect("mkdir");
    std::fs::write(busy.join("notes.txt"), "mine").expect("write");
    let refused = ctx
        .osops(&["mirror", &busy.to_string_lossy()])
        .assert_failure();
    assert!(
        refused.stderr.contains("is not a mirror"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_dir(&busy).expect("read").count(),
        1,
        "nothing written"
    );
}

/// Serves every file of the mirror at `dir` (its `config.json` too) from a plain HTTP server
/// that knows nothing else: every other path is a 404, as from any static web server.
fn serve_files(dir: &Path) -> StaticRegistry {
    let server = StaticRegistry::start();
    for path in walk(dir) {
        let rel = path.strip_prefix(dir).expect("below the mirror");
        server.put(
            &format!("/{}", rel.to_string_lossy()),
            std::fs::read(&path).expect("read"),
        );
    }
    server
}

/// `osops ARGS --json` in `ctx`.
#[track_caller]
fn json_of(ctx: &TestContext, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    ctx.osops(&all).assert_success().json()
}

#[test]
fn a_served_mirror_answers_search_info_and_needs_as_its_directory_does() {
    let registry = demo_registry();
    let live = TestContext::new(registry.url());
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("mirror");
    mirror(&live, &dir, &[]);
    let live_needs = json_of(&live, &["need", "list", "--per-page", "100"]);
    drop(registry);

    let server = serve_files(&dir);
    let served = TestContext::new(server.url()).with_token("osops_not_sent_anywhere");
    let local = TestContext::new(&file_url(&dir));
    let queries: [&[&str]; 7] = [
        &["search", "evacuate"],
        &["search", "--kind", "check", "--service", "rabbitmq"],
        &["info", "nova-evacuate-host"],
        &["need", "list", "--per-page", "100"],
        &["need", "list", "--unanswered"],
        &["need", "list", "fernet", "--service", "keystone"],
        &["need", "show", "drain-compute-host"],
    ];
    for query in queries {
        let mut answers = [json_of(&served, query), json_of(&local, query)];
        for answer in &mut answers {
            // `info` and `need show` name the mirror they read, which differs.
            answer.as_object_mut().map(|o| o.remove("mirror"));
        }
        assert_eq!(answers[0], answers[1], "{query:?}");
        assert_ne!(answers[0], Value::Null, "{query:?}");
    }

    let found = json_of(&served, &["search", "evacuate"]);
    assert_eq!(
        names_in(&found),
        BTreeSet::from(["nova-evacuate-host".into()])
    );
    let info = json_of(&served, &["info", "nova-evacuate-host"]);
    assert_eq!(info["latest"], "1.2.0");
    // Every need of the registry, each answered by what the mirror holds (all of the demo).
    let needs = json_of(&served, &["need", "list", "--per-page", "100"]);
    let summary = |list: &Value| -> BTreeMap<String, (Value, Value)> {
        list["needs"]
            .as_array()
            .expect("needs")
            .iter()
            .map(|n| {
                let id = n["id"].as_str().expect("id").to_owned();
                (id, (n["status"].clone(), n["answers"].clone()))
            })
            .collect()
    };
    assert_eq!(needs["total"], live_needs["total"]);
    assert_eq!(summary(&needs), summary(&live_needs));
    let drain = json_of(&served, &["need", "show", "drain-compute-host"]);
    let answers: Vec<&str> = drain["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert!(answers.contains(&"nova-evacuate-host"), "{drain}");
    let human = served
        .osops(&["need", "show", "drain-compute-host"])
        .assert_success();
    assert!(
        human.stdout.contains("nova-evacuate-host"),
        "{}",
        human.stdout
    );

    // Installs work as from the directory; writes are refused as writes to a mirror.
    served
        .osops(&["install", "nova-evacuate-host"])
        .assert_success();
    let vote = served
        .osops(&["need", "vote", "drain-compute-host"])
        .assert_failure();
    assert!(
        vote.stderr.contains("is a mirror, not a registry server"),
        "{}",
        vote.stderr
    );
    let missing = served.osops(&["info", "no-such-tool"]).assert_failure();
    assert!(
        missing.stderr.contains("no asset named `no-such-tool`"),
        "{}",
        missing.stderr
    );

    // A mirror of the served mirror (for an enclave further in) is the same, file for file.
    let inner = work.path().join("inner");
    mirror(&served, &inner, &[]);
    let files = mirrored(&dir);
    assert_eq!(mirrored(&inner), files);
    for rel in &files {
        let read = |root: &Path| std::fs::read(root.join(rel)).expect("read");
        assert!(read(&inner) == read(&dir), "{rel} differs");
    }
}

#[test]
fn nginx_serves_a_mirror_that_installs_with_the_registry_stopped() {
    if std::env::var_os("OSOPS_TEST_NGINX").is_none() {
        eprintln!("skipped: set OSOPS_TEST_NGINX=1 to serve a mirror with nginx (nginx-light)");
        return;
    }
    let registry = demo_registry();
    let live = TestContext::new(registry.url());
    let mut install = vec!["install"];
    install.extend(PICKED);
    live.osops(&install).assert_success();
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("mirror");
    mirror(&live, &dir, &[]);
    drop(registry);

    let nginx = Nginx::start(&dir, &work.path().join("nginx")).unwrap_or_else(|e| {
        panic!("OSOPS_TEST_NGINX is set, but nginx cannot serve the mirror: {e:#}")
    });
    let at_root = TestContext::new(&format!("{}/", nginx.url()));
    at_root.osops(&install).assert_success();
    for name in PICKED {
        assert_eq!(
            installed(&at_root, name),
            installed(&live, name),
            "{name}\n{}",
            nginx.logs()
        );
    }
    // Relative download URLs: the same mirror served under a sub-path works as well.
    let at_sub = TestContext::new(&format!("{}{SUB_PATH}/", nginx.url()));
    at_sub
        .osops(&["install", "nova-evacuate-host"])
        .assert_success();
    assert_eq!(
        installed(&at_sub, "nova-evacuate-host"),
        installed(&live, "nova-evacuate-host")
    );
    // Search, info and needs from the served files; a publish is refused as one to a mirror.
    let found = json_of(&at_sub, &["search", "evacuate"]);
    assert_eq!(
        names_in(&found),
        BTreeSet::from(["nova-evacuate-host".into()])
    );
    assert_eq!(
        json_of(&at_root, &["info", "nova-evacuate-host"])["latest"],
        "1.2.0"
    );
    let drain = json_of(&at_root, &["need", "show", "drain-compute-host"]);
    assert_eq!(drain["status"], "addressed", "{drain}");
    let example = examples_dir().join("nova-evacuate-host");
    let publish = at_root
        .with_token("osops_not_sent_anywhere")
        .osops(&["publish", &example.to_string_lossy()])
        .assert_failure();
    assert!(
        publish
            .stderr
            .contains("is a mirror, not a registry server"),
        "{}\n{}",
        publish.stderr,
        nginx.logs()
    );
}
