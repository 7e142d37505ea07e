//! Installing through the real binaries: verification before unpacking, no-op re-runs, uninstall.

use osops_tests::fixtures::script_asset;
use osops_tests::{TestContext, TestRegistry, walk};

/// Publishes the test asset `name@version` and returns the archive's sha256 from `osops info`.
fn publish(ctx: &TestContext, name: &str, version: &str) -> String {
    let dir = script_asset(
        &ctx.work_dir().join(format!("src-{version}")),
        name,
        version,
    );
    ctx.osops(&["publish", &dir.to_string_lossy()])
        .assert_success();
    let info = ctx.osops(&["info", name, "--json"]).assert_success().json();
    let versions = info["versions"].as_array().expect("versions");
    let this = versions
        .iter()
        .find(|v| v["version"] == version)
        .expect("published version listed");
    this["cksum"].as_str().expect("cksum").to_string()
}

#[test]
fn install_links_runs_is_idempotent_and_uninstalls() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    publish(&ctx, "hello-ops", "1.0.0");

    let first = ctx.osops(&["install", "hello-ops"]).assert_success();
    assert!(first.stderr.contains("Installed"), "{}", first.stderr);
    let ran = ctx
        .osops(&["run", "hello-ops", "--", "a", "b"])
        .assert_success();
    assert_eq!(ran.stdout.trim(), "hello from hello-ops 1.0.0 a b");
    let linked = std::process::Command::new(ctx.osops_home().join("bin/hello-ops"))
        .output()
        .expect("the linked command runs");
    assert_eq!(
        String::from_utf8_lossy(&linked.stdout).trim(),
        "hello from hello-ops 1.0.0"
    );

    let again = ctx.osops(&["install", "hello-ops"]).assert_success();
    assert!(
        again.stderr.contains("already installed"),
        "{}",
        again.stderr
    );

    ctx.osops(&["uninstall", "hello-ops"]).assert_success();
    assert!(!ctx.osops_home().join("bin/hello-ops").exists());
    assert!(!ctx.osops_home().join("assets/hello-ops/1.0.0").exists());
    assert_eq!(
        ctx.osops(&["list", "--json"]).assert_success().json(),
        serde_json::json!([])
    );
    ctx.osops(&["run", "hello-ops"]).assert_failure();
}

#[test]
fn install_picks_newest_matching_version_and_upgrades_in_place() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    for version in ["1.0.0", "1.4.2", "2.0.0"] {
        publish(&ctx, "hello-ops", version);
    }

    ctx.osops(&["install", "hello-ops@1"]).assert_success();
    let ran = ctx.osops(&["run", "hello-ops"]).assert_success();
    assert_eq!(ran.stdout.trim(), "hello from hello-ops 1.4.2");

    ctx.osops(&["install", "hello-ops"]).assert_success();
    let ran = ctx.osops(&["run", "hello-ops"]).assert_success();
    assert_eq!(ran.stdout.trim(), "hello from hello-ops 2.0.0");
    assert!(
        !ctx.osops_home().join("assets/hello-ops/1.4.2").exists(),
        "the old version is removed"
    );
    let listed = ctx.osops(&["list", "--json"]).assert_success().json();
    assert_eq!(
        listed,
        serde_json::json!([{"name": "hello-ops", "version": "2.0.0", "dependency": false}])
    );
}

#[test]
fn case_11_a_download_whose_sha256_differs_from_the_index_fails_and_installs_nothing() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let cksum = publish(&ctx, "hello-ops", "1.0.0");

    let blobs = registry.blob_paths(&cksum);
    assert_eq!(
        blobs.len(),
        1,
        "the archive is stored once, under its sha256"
    );
    let mut bytes = std::fs::read(&blobs[0]).expect("read stored archive");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blobs[0], bytes).expect("tamper with stored archive");

    let failed = ctx.osops(&["install", "hello-ops"]).assert_failure();
    assert!(failed.stderr.contains("checksum"), "{}", failed.stderr);
    assert!(
        failed.stderr.contains(&cksum),
        "the error names the expected sha256: {}",
        failed.stderr
    );
    assert!(
        !ctx.osops_home()
            .join("assets/hello-ops")
            .join("1.0.0")
            .exists()
    );
    assert!(!ctx.osops_home().join("bin/hello-ops").exists());
    // Only the tree's lock file, which is not state; the cache holds no such archive.
    let lock = ctx.osops_home().join(".lock");
    let leftovers: Vec<_> = walk(&ctx.osops_home())
        .into_iter()
        .filter(|p| *p != lock)
        .chain(
            walk(&ctx.root().join("home/.cache/osops"))
                .into_iter()
                .filter(|p| p.to_string_lossy().contains(&cksum)),
        )
        .collect();
    assert!(
        leftovers.is_empty(),
        "nothing installed or cached: {leftovers:?}"
    );
    assert_eq!(
        ctx.osops(&["list", "--json"]).assert_success().json(),
        serde_json::json!([])
    );
}

#[test]
fn unknown_asset_and_unmatched_requirement_fail_clearly() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    publish(&ctx, "hello-ops", "1.0.0");

    let missing = ctx.osops(&["install", "no-such-asset"]).assert_failure();
    assert!(
        missing.stderr.contains("no-such-asset"),
        "{}",
        missing.stderr
    );
    let unmatched = ctx.osops(&["install", "hello-ops@2"]).assert_failure();
    assert!(
        unmatched.stderr.contains("1.0.0"),
        "lists the versions there are: {}",
        unmatched.stderr
    );
}
