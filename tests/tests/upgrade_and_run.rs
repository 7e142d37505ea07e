//! After the install: `osops upgrade` and `osops list --outdated` for the global tree, `--strict`
//! host requirements, and `osops run` inside a project (its own tree, the environment passed
//! through, dependencies' commands on PATH).

use osops_tests::assets::{publish_with_deps, write_project};
use osops_tests::fixtures::{script_asset, set_executable};
use osops_tests::{TestContext, TestRegistry, walk};
use serde_json::json;

fn registry_and_publisher() -> (TestRegistry, TestContext) {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    (registry, ctx)
}

/// The installed version of `name` in `ctx`'s `$OSOPS_HOME`, from `osops list --json`.
fn installed(ctx: &TestContext, name: &str) -> Option<String> {
    let listed = ctx.osops(&["list", "--json"]).assert_success().json();
    listed
        .as_array()
        .expect("array")
        .iter()
        .find(|a| a["name"] == name)
        .map(|a| a["version"].as_str().expect("version").to_owned())
}

#[test]
fn upgrade_and_list_outdated_stay_within_the_requirement_installed_with() {
    let (_registry, ctx) = registry_and_publisher();
    publish_with_deps(&ctx, "rabbit-check", "1.0.0", &[]);
    ctx.osops(&["install", "rabbit-check@1"]).assert_success();
    publish_with_deps(&ctx, "rabbit-check", "1.1.0", &[]);
    publish_with_deps(&ctx, "rabbit-check", "2.0.0", &[]);

    let outdated = ctx
        .osops(&["list", "--outdated", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        outdated,
        json!([{"name": "rabbit-check", "current": "1.0.0", "compatible": "1.1.0", "latest": "2.0.0"}])
    );

    let dry = ctx.osops(&["upgrade", "--dry-run"]).assert_success();
    assert!(
        dry.stderr.contains("rabbit-check v1.0.0 → v1.1.0"),
        "{}",
        dry.stderr
    );
    assert_eq!(installed(&ctx, "rabbit-check").as_deref(), Some("1.0.0"));

    ctx.osops(&["upgrade"]).assert_success();
    assert_eq!(
        installed(&ctx, "rabbit-check").as_deref(),
        Some("1.1.0"),
        "`^1`, as installed, keeps it below 2.0.0"
    );
    let ran = ctx.osops(&["run", "rabbit-check"]).assert_success();
    assert_eq!(ran.stdout.trim(), "hello from rabbit-check 1.1.0");

    // Asking again by name, without a requirement, moves it to the newest.
    ctx.osops(&["install", "rabbit-check"]).assert_success();
    assert_eq!(installed(&ctx, "rabbit-check").as_deref(), Some("2.0.0"));
    let none = ctx
        .osops(&["list", "--outdated", "--json"])
        .assert_success()
        .json();
    assert_eq!(none, json!([]));
}

#[test]
fn strict_refuses_missing_host_commands_before_changing_anything() {
    let (registry, ctx) = registry_and_publisher();
    let dir = script_asset(&ctx.work_dir().join("src"), "needs-tools", "1.0.0");
    let manifest = std::fs::read_to_string(dir.join("osops.toml")).expect("manifest");
    std::fs::write(
        dir.join("osops.toml"),
        format!("{manifest}\n[requires]\ncommands = [\"osops-test-no-such-command\"]\n"),
    )
    .expect("manifest");
    ctx.osops(&["publish", &dir.to_string_lossy()])
        .assert_success();

    let strict = TestContext::new(registry.url());
    let refused = strict
        .osops(&["install", "needs-tools", "--strict"])
        .assert_failure();
    assert!(
        refused
            .stderr
            .contains("`osops-test-no-such-command` (for needs-tools)"),
        "{}",
        refused.stderr
    );
    let tree: Vec<_> = walk(&strict.osops_home())
        .into_iter()
        .filter(|p| !p.ends_with(".lock"))
        .collect();
    assert!(tree.is_empty(), "nothing installed: {tree:?}");

    let lenient = strict.osops(&["install", "needs-tools"]).assert_success();
    assert!(
        lenient
            .stderr
            .contains("needs-tools needs `osops-test-no-such-command`, which is not on PATH"),
        "{}",
        lenient.stderr
    );
    assert_eq!(installed(&strict, "needs-tools").as_deref(), Some("1.0.0"));
}

#[cfg(unix)]
#[test]
fn run_in_a_project_uses_its_tree_passes_the_environment_and_finds_dependencies() {
    let (_registry, ctx) = registry_and_publisher();
    publish_with_deps(&ctx, "cloud-helper", "1.0.0", &[]);
    let dir = script_asset(&ctx.work_dir().join("src"), "env-probe", "1.0.0");
    let manifest = std::fs::read_to_string(dir.join("osops.toml")).expect("manifest");
    std::fs::write(
        dir.join("osops.toml"),
        format!("{manifest}\n[dependencies]\ncloud-helper = \"1\"\n"),
    )
    .expect("manifest");
    // Prints what it was given, then calls its dependency by name.
    let script = dir.join("bin/env-probe");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"cloud=$OS_CLOUD auth=$OS_AUTH_URL dir=$OSOPS_ASSET_DIR args=$*\"\ncloud-helper\n",
    )
    .expect("script");
    set_executable(&script);
    ctx.osops(&["publish", &dir.to_string_lossy()])
        .assert_success();

    let project = write_project(&ctx.work_dir().join("site"), &[("env-probe", "1")]);
    ctx.osops_in(&project, &["install"]).assert_success();
    let ran = ctx
        .command()
        .current_dir(&project)
        .env("OS_CLOUD", "region-one")
        .env("OS_AUTH_URL", "https://keystone.example:5000/v3")
        .args(["run", "env-probe", "--", "--host", "compute-07"])
        .output()
        .expect("osops runs");
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let asset_dir =
        std::path::absolute(project.join(".osops/assets/env-probe/1.0.0")).expect("absolute");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            format!(
                "cloud=region-one auth=https://keystone.example:5000/v3 dir={} args=--host compute-07",
                asset_dir.display()
            )
            .as_str(),
            "hello from cloud-helper 1.0.0 ",
        ]
    );
    // The project's tree, not $OSOPS_HOME.
    assert!(!ctx.osops_home().join("receipts/env-probe.json").exists());
    ctx.osops(&["run", "env-probe"]).assert_failure();
}
