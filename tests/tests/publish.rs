//! Publishing through the real binaries: ownership, immutability, and manifest errors.

use osops_tests::assets::publish_with_deps;
use osops_tests::fixtures::{script_asset, write_manifest};
use osops_tests::{TestContext, TestRegistry, walk};

#[test]
fn case_13_identical_republish_succeeds_and_changed_bytes_are_refused() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let dir = script_asset(&ctx.work_dir(), "hello-ops", "1.0.0");
    let path = dir.to_string_lossy().to_string();

    ctx.osops(&["publish", &path]).assert_success();
    let retry = ctx.osops(&["publish", &path]).assert_success();
    assert!(
        retry.stderr.contains("already published"),
        "{}",
        retry.stderr
    );

    std::fs::write(dir.join("README.md"), "# changed\n").expect("change the readme");
    let refused = ctx.osops(&["publish", &path]).assert_failure();
    assert!(refused.stderr.contains("1.0.0"), "{}", refused.stderr);
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
    assert_eq!(
        info["readme"].as_str().expect("readme"),
        "# hello-ops\n\nA test asset.\n"
    );
}

#[test]
fn only_owners_publish_new_versions() {
    let registry = TestRegistry::start();
    let jane = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let mallory = TestContext::new(registry.url()).with_token(&registry.user_with_token("mallory"));
    let v1 = script_asset(&jane.work_dir(), "hello-ops", "1.0.0");
    jane.osops(&["publish", &v1.to_string_lossy()])
        .assert_success();

    let v2 = script_asset(&mallory.work_dir(), "hello-ops", "1.0.1");
    let refused = mallory
        .osops(&["publish", &v2.to_string_lossy()])
        .assert_failure();
    assert!(refused.stderr.contains("owner"), "{}", refused.stderr);
    let info = jane
        .osops(&["info", "hello-ops", "--json"])
        .assert_success()
        .json();
    assert_eq!(info["latest"], "1.0.0");
}

#[test]
fn publishing_without_a_token_says_how_to_get_one() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url());
    let dir = script_asset(&ctx.work_dir(), "hello-ops", "1.0.0");
    let refused = ctx
        .osops(&["publish", &dir.to_string_lossy()])
        .assert_failure();
    assert!(refused.stderr.contains("OSOPS_TOKEN"), "{}", refused.stderr);
}

/// Each broken manifest gets one error naming the field, and a hint.
#[test]
fn manifest_mistakes_name_the_field_and_a_fix() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let dir = script_asset(&ctx.work_dir(), "hello-ops", "1.0.0");
    let valid = std::fs::read_to_string(dir.join("osops.toml")).expect("read manifest");
    let cases = [
        (
            valid.replace("description =", "descripton ="),
            ["asset.descripton", "description"],
        ),
        (
            valid.replace(r#"["nova"]"#, r#"["novaa"]"#),
            ["openstack.services", "novaa"],
        ),
        (
            valid.replace(r#"name = "hello-ops""#, r#"name = "Hello_Ops""#),
            ["asset.name", "hello-ops"],
        ),
        (
            valid.replace(r#"version = "1.0.0""#, r#"version = "1.0""#),
            ["asset.version", "1.0"],
        ),
    ];
    for (manifest, expected) in cases {
        write_manifest(&dir, &manifest);
        let failed = ctx
            .osops(&["publish", &dir.to_string_lossy()])
            .assert_failure();
        for needle in expected {
            assert!(
                failed.stderr.contains(needle),
                "expected `{needle}` in:\n{}",
                failed.stderr
            );
        }
        assert!(
            failed.stderr.contains("hint"),
            "a hint is given:\n{}",
            failed.stderr
        );
    }
    let nothing = ctx
        .osops(&["search", "hello", "--json"])
        .assert_success()
        .json();
    assert_eq!(nothing["total"], 0);
}

#[test]
fn the_config_file_can_say_where_the_data_lives() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let database = elsewhere.path().join("metadata.db");
    let blobs = elsewhere.path().join("archives");
    let config = elsewhere.path().join("registry.toml");
    std::fs::write(
        &config,
        format!(
            "[storage]\ndatabase-url = \"sqlite://{}\"\nurl = \"file://{}\"\n",
            database.display(),
            blobs.display()
        ),
    )
    .expect("config file");
    let registry = TestRegistry::start_with(&["--config", &config.to_string_lossy()]);
    // The admin commands take the same database by flag.
    let admin = |args: &[&str]| {
        let mut all = args.to_vec();
        let url = format!("sqlite://{}", database.display());
        all.extend(["--database-url", url.as_str()]);
        registry.admin(&all).assert_success()
    };
    admin(&["user", "add", "jane"]);
    let token = admin(&["token", "create", "--user", "jane"]);
    let ctx = TestContext::new(registry.url()).with_token(token.stdout.trim());
    let cksum = publish_with_deps(&ctx, "hello-ops", "1.0.0", &[]);

    assert!(database.is_file(), "the metadata is where the file says");
    let stored: Vec<_> = walk(&blobs)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(&cksum))
        .collect();
    assert_eq!(stored.len(), 1, "the archive is where the file says");
    assert!(
        !registry.data_dir().join("registry.db").exists() && registry.blob_paths(&cksum).is_empty(),
        "nothing in the data dir"
    );
}
