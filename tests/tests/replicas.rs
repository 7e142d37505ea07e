//! Two `osops-registry serve` processes sharing one PostgreSQL database and one S3 bucket behave
//! as one registry: publishes through either are visible and downloadable through both at once,
//! with the right checksum, and a version published twice with different bytes has one winner.
//!
//! Needs `OSOPS_TEST_POSTGRES` (a database URL; the test uses a fresh schema of it) and
//! `OSOPS_TEST_S3` (`s3://BUCKET`, with the `AWS_*` variables; the test uses a fresh prefix):
//! `scripts/dev-services.sh` prints both, `.ci/run` sets them. Skipped, saying so, without them.

use std::collections::BTreeMap;
use std::path::Path;

use osops_tests::fixtures::script_asset;
use osops_tests::services::shared_storage;
use osops_tests::{TestContext, TestRegistry};

/// Two registries serving one database and one bucket.
fn two_replicas(database: &str, storage: &str) -> (TestRegistry, TestRegistry) {
    let shared = ["--database-url", database, "--storage", storage];
    (
        TestRegistry::start_with(&shared),
        TestRegistry::start_with(&shared),
    )
}

/// A user `jane` and a token for her, made with the admin commands on the shared database.
fn publisher_token(replica: &TestRegistry, database: &str) -> String {
    let admin = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--database-url", database]);
        replica.admin(&all).assert_success()
    };
    admin(&["user", "add", "jane"]);
    admin(&["token", "create", "--user", "jane"])
        .stdout
        .trim()
        .to_owned()
}

/// Every version of `name` as `osops info --json` through `ctx`'s registry reports it.
fn checksums(ctx: &TestContext, name: &str) -> BTreeMap<String, String> {
    let info = ctx.osops(&["info", name, "--json"]).assert_success().json();
    info["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                v["version"].as_str().expect("version").to_owned(),
                v["cksum"].as_str().expect("cksum").to_owned(),
            )
        })
        .collect()
}

fn write_asset(root: &Path, name: &str, version: &str, flavour: &str) -> std::path::PathBuf {
    let dir = script_asset(
        &root.join(format!("{name}-{version}-{flavour}")),
        name,
        version,
    );
    std::fs::write(dir.join("README.md"), format!("# {name}\n\n{flavour}\n")).expect("readme");
    dir
}

#[test]
fn two_replicas_on_one_database_and_bucket_are_one_registry() {
    let Some((database, storage)) = shared_storage("replicas") else {
        return;
    };
    let (a, b) = two_replicas(&database, &storage);
    let token = publisher_token(&a, &database);
    let via_a = TestContext::new(a.url()).with_token(&token);
    let via_b = TestContext::new(b.url()).with_token(&token);

    // Eight publishers, four through each replica, three versions of their own asset each.
    let sources = tempfile::tempdir().expect("sources");
    std::thread::scope(|scope| {
        for publisher in 0..8 {
            let ctx = if publisher % 2 == 0 { &via_a } else { &via_b };
            let root = sources.path();
            scope.spawn(move || {
                for minor in 0..3 {
                    let name = format!("replica-tool-{publisher}");
                    let version = format!("1.{minor}.0");
                    let dir = write_asset(root, &name, &version, "only");
                    ctx.osops(&["publish", &dir.to_string_lossy()])
                        .assert_success();
                }
            });
        }
    });

    // One version published at once through both replicas with different bytes: one winner.
    let first = write_asset(sources.path(), "contested-tool", "1.0.0", "first");
    let second = write_asset(sources.path(), "contested-tool", "1.0.0", "second");
    let (one, two) = std::thread::scope(|scope| {
        let one = scope.spawn(|| via_a.osops(&["publish", &first.to_string_lossy()]));
        let two = scope.spawn(|| via_b.osops(&["publish", &second.to_string_lossy()]));
        (
            one.join().expect("publisher"),
            two.join().expect("publisher"),
        )
    });
    assert_eq!(
        [one.success(), two.success()]
            .iter()
            .filter(|s| **s)
            .count(),
        1,
        "exactly one of the racing publishes wins:\n{}\n{}",
        one.stderr,
        two.stderr
    );
    let loser = if one.success() { &two } else { &one };
    assert!(
        loser.stderr.contains("already published") || loser.stderr.contains("409"),
        "{}",
        loser.stderr
    );

    // Both replicas see every version with the same checksum, at once.
    for publisher in 0..8 {
        let name = format!("replica-tool-{publisher}");
        let seen_a = checksums(&via_a, &name);
        assert_eq!(seen_a.len(), 3, "{name}: {seen_a:?}");
        assert_eq!(seen_a, checksums(&via_b, &name), "{name}");
    }
    assert_eq!(
        checksums(&via_a, "contested-tool"),
        checksums(&via_b, "contested-tool")
    );

    // And serve the same, verified bytes: installs through either replica check every sha256.
    for (ctx, label) in [(&via_a, "a"), (&via_b, "b")] {
        let names: Vec<String> = (0..8).map(|p| format!("replica-tool-{p}@1.1.0")).collect();
        let mut args = vec!["install"];
        args.extend(names.iter().map(String::as_str));
        args.push("contested-tool");
        ctx.osops(&args).assert_success();
        let ran = ctx.osops(&["run", "replica-tool-3"]).assert_success();
        assert_eq!(
            ran.stdout.trim(),
            "hello from replica-tool-3 1.1.0",
            "{label}"
        );
    }

    // A publish through one replica is in the other's index and search immediately.
    let late = write_asset(sources.path(), "late-arrival", "0.1.0", "only");
    via_b
        .osops(&["publish", &late.to_string_lossy()])
        .assert_success();
    assert_eq!(checksums(&via_a, "late-arrival").len(), 1);
    let found = via_a
        .osops(&["search", "late-arrival", "--json"])
        .assert_success()
        .json();
    assert!(
        found["assets"]
            .as_array()
            .expect("assets")
            .iter()
            .any(|a| a["name"] == "late-arrival"),
        "{found}"
    );
}

#[test]
fn a_replica_killed_mid_publish_loses_nothing_it_answered() {
    let Some((database, storage)) = shared_storage("replicas") else {
        return;
    };
    let (a, b) = two_replicas(&database, &storage);
    let token = publisher_token(&b, &database);
    let via_a = TestContext::new(a.url()).with_token(&token);
    let via_b = TestContext::new(b.url()).with_token(&token);

    // Six publishers through replica A; A is killed (SIGKILL) as soon as one publish succeeded,
    // with the others in flight or still to come.
    let sources = tempfile::tempdir().expect("sources");
    let (first_success, succeeded) = std::sync::mpsc::channel();
    let outcomes = std::thread::scope(|scope| {
        let publishers: Vec<_> = (0..6)
            .map(|publisher| {
                let (via_a, root, first_success) = (&via_a, sources.path(), first_success.clone());
                scope.spawn(move || {
                    let mut outcomes = Vec::new();
                    for minor in 0..3 {
                        let name = format!("crash-tool-{publisher}");
                        let version = format!("1.{minor}.0");
                        let dir = write_asset(root, &name, &version, "only");
                        let published: osops_tests::Output = via_a
                            .command()
                            .env("OSOPS_HTTP_RETRIES", "0")
                            .args(["publish", &dir.to_string_lossy()])
                            .output()
                            .expect("osops runs")
                            .into();
                        if published.success() {
                            let _ = first_success.send(());
                        }
                        outcomes.push((dir, name, version, published.success()));
                    }
                    outcomes
                })
            })
            .collect();
        succeeded
            .recv()
            .expect("one publish succeeds before the kill");
        drop(a);
        publishers
            .into_iter()
            .flat_map(|p| p.join().expect("publisher"))
            .collect::<Vec<_>>()
    });

    let answered = outcomes.iter().filter(|o| o.3).count();
    assert!(answered >= 1);
    for (dir, name, version, succeeded) in &outcomes {
        if !succeeded {
            // No answer, or an error: retrying through the other replica succeeds (a publish
            // that did land is answered "already published", never 409).
            via_b
                .osops(&["publish", &dir.to_string_lossy()])
                .assert_success();
        }
        let seen = checksums(&via_b, name);
        assert!(seen.contains_key(version), "{name} {version}: {seen:?}");
    }
    // Everything answered or retried installs from the surviving replica with its checksum.
    let specs: Vec<String> = (0..6).map(|p| format!("crash-tool-{p}@=1.2.0")).collect();
    let mut args = vec!["install"];
    args.extend(specs.iter().map(String::as_str));
    via_b.osops(&args).assert_success();
}
