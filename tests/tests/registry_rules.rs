//! SECURITY-TESTS.md cases 12–15 through the real binaries: look-alike names, immutable versions,
//! racing publishes, and yanked versions.

use std::process::Stdio;

use osops_tests::fixtures::script_asset;
use osops_tests::{TestContext, TestRegistry};

fn publish(ctx: &TestContext, dir: &std::path::Path) -> osops_tests::Output {
    ctx.osops(&["publish", &dir.to_string_lossy()])
}

#[test]
fn look_alike_name_is_refused_for_a_new_owner_naming_the_existing_asset() {
    let registry = TestRegistry::start();
    let jane = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let mallory = TestContext::new(registry.url()).with_token(&registry.user_with_token("mallory"));
    publish(
        &jane,
        &script_asset(&jane.work_dir(), "neutron-cleanup", "1.0.0"),
    )
    .assert_success();

    let refused = publish(
        &mallory,
        &script_asset(&mallory.work_dir(), "neutr0n-cleanup", "1.0.0"),
    )
    .assert_failure();
    assert!(
        refused.stderr.contains("`neutron-cleanup`"),
        "{}",
        refused.stderr
    );
    mallory.osops(&["info", "neutr0n-cleanup"]).assert_failure();

    // A non-canonical spelling of an existing name is folded by the client, never a second asset.
    let folded = jane
        .osops(&["info", "Neutron_Cleanup", "--json"])
        .assert_success()
        .json();
    assert_eq!(folded["name"], "neutron-cleanup");
}

#[test]
fn build_metadata_does_not_make_a_new_version() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    publish(
        &ctx,
        &script_asset(&ctx.work_dir().join("a"), "hello-ops", "1.2.0"),
    )
    .assert_success();
    let refused = publish(
        &ctx,
        &script_asset(&ctx.work_dir().join("b"), "hello-ops", "1.2.0+build2"),
    )
    .assert_failure();
    assert!(
        refused.stderr.contains("already published"),
        "{}",
        refused.stderr
    );
    let info = ctx
        .osops(&["info", "hello-ops", "--json"])
        .assert_success()
        .json();
    assert_eq!(info["versions"].as_array().expect("versions").len(), 1);
}

/// Case 14: fifty real `osops publish` processes race one name and version with different bytes.
#[test]
fn case_14_fifty_racing_publishes_of_one_version_leave_exactly_one_winner() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    // The name exists first, so the race is on the version alone.
    publish(
        &ctx,
        &script_asset(&ctx.work_dir().join("seed"), "hello-ops", "0.1.0"),
    )
    .assert_success();

    let dirs: Vec<_> = (0..50)
        .map(|i| {
            let dir = script_asset(
                &ctx.work_dir().join(format!("racer-{i}")),
                "hello-ops",
                "1.0.0",
            );
            std::fs::write(dir.join("README.md"), format!("# racer {i}\n")).expect("write readme");
            dir
        })
        .collect();
    let racers: Vec<_> = dirs
        .iter()
        .map(|dir| {
            ctx.command()
                .args(["publish", &dir.to_string_lossy()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("osops starts")
        })
        .collect();
    let outcomes: Vec<osops_tests::Output> = racers
        .into_iter()
        .map(|c| c.wait_with_output().expect("osops finishes").into())
        .collect();

    let winners: Vec<usize> = (0..50).filter(|&i| outcomes[i].success()).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one publish wins: {:?}",
        outcomes.iter().map(|o| o.code).collect::<Vec<_>>()
    );
    for loser in outcomes.iter().filter(|o| !o.success()) {
        assert!(
            loser.stderr.contains("already published"),
            "losers are told why: {}",
            loser.stderr
        );
    }

    let info = ctx
        .osops(&["info", "hello-ops", "--json"])
        .assert_success()
        .json();
    let versions = info["versions"].as_array().expect("versions");
    assert_eq!(
        versions.iter().filter(|v| v["version"] == "1.0.0").count(),
        1,
        "one row"
    );
    ctx.osops(&["install", "hello-ops@=1.0.0"]).assert_success();
    let readme = ctx.osops_home().join("assets/hello-ops/1.0.0/README.md");
    let installed = std::fs::read_to_string(readme).expect("installed readme");
    assert_eq!(
        installed,
        format!("# racer {}\n", winners[0]),
        "the stored archive is the winner's"
    );
}

/// Case 15: a yanked version is skipped by ranges; an exact pin still installs it, with a warning.
#[test]
fn case_15_yanked_versions_are_skipped_by_ranges_and_installed_by_exact_pins_with_a_warning() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    for version in ["1.0.0", "1.1.0"] {
        publish(
            &ctx,
            &script_asset(&ctx.work_dir().join(version), "hello-ops", version),
        )
        .assert_success();
    }
    ctx.osops(&["yank", "hello-ops@1.1.0"]).assert_success();

    ctx.osops(&["install", "hello-ops@1"]).assert_success();
    assert_eq!(
        ctx.osops(&["run", "hello-ops"])
            .assert_success()
            .stdout
            .trim(),
        "hello from hello-ops 1.0.0"
    );

    let pinned = ctx.osops(&["install", "hello-ops@=1.1.0"]).assert_success();
    assert!(
        pinned.stderr.contains("warning:") && pinned.stderr.contains("yanked"),
        "{}",
        pinned.stderr
    );
    assert_eq!(
        ctx.osops(&["run", "hello-ops"])
            .assert_success()
            .stdout
            .trim(),
        "hello from hello-ops 1.1.0"
    );
}
