//! The install engine through the real binaries: dependencies resolved together, `osops.lock`,
//! `--locked`/`--offline`/`--frozen`, yanked versions, `update`/`outdated`, global dependencies,
//! killed installs, and one name served by two registries. `docs/install.md` is the contract.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use osops_tests::assets::{
    kill_at_failpoint, lock_bytes, locked_versions, publish_with_deps, read_lock, run_bin,
    temporary_dirs, tree_contents, write_project,
};
use osops_tests::{Output, TestContext, TestRegistry, walk};
use serde_json::json;

/// A registry and a context with a publish token for it.
fn registry_and_publisher() -> (TestRegistry, TestContext) {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    (registry, ctx)
}

/// `dir/.osops/bin/NAME`.
fn project_bin(project: &Path, name: &str) -> PathBuf {
    project.join(".osops/bin").join(name)
}

/// The names of the receipts in `tree/receipts/`, sorted.
fn receipt_names(tree: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(tree.join("receipts"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Whether `path` exists as anything, a dangling symbolic link included.
fn present(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

#[test]
fn a_diamond_of_five_assets_resolves_locks_and_installs() {
    let (registry, ctx) = registry_and_publisher();
    let mut sums = BTreeMap::new();
    for version in ["1.0.0", "1.1.0", "1.2.0", "2.0.0"] {
        sums.insert(
            ("ops-d", version),
            publish_with_deps(&ctx, "ops-d", version, &[]),
        );
    }
    sums.insert(
        ("ops-b", "1.0.0"),
        publish_with_deps(&ctx, "ops-b", "1.0.0", &[("ops-d", "^1")]),
    );
    sums.insert(
        ("ops-c", "1.0.0"),
        publish_with_deps(&ctx, "ops-c", "1.0.0", &[("ops-d", ">=1.1, <2")]),
    );
    sums.insert(
        ("ops-a", "1.0.0"),
        publish_with_deps(&ctx, "ops-a", "1.0.0", &[("ops-b", "1"), ("ops-c", "1")]),
    );
    sums.insert(
        ("ops-e", "1.0.0"),
        publish_with_deps(&ctx, "ops-e", "1.0.0", &[]),
    );

    let project = write_project(
        &ctx.work_dir().join("site"),
        &[("ops-a", "1"), ("ops-e", "1")],
    );
    let first = ctx.osops_in(&project, &["install"]).assert_success();

    let text = String::from_utf8(lock_bytes(&project)).expect("osops.lock is UTF-8");
    assert!(
        text.lines().any(|l| l.trim() == "version = 1"),
        "the lock states its format version:\n{text}"
    );
    let lock = read_lock(&project);
    let expected: Vec<(&str, &str, Vec<&str>)> = vec![
        ("ops-a", "1.0.0", vec!["ops-b", "ops-c"]),
        ("ops-b", "1.0.0", vec!["ops-d"]),
        ("ops-c", "1.0.0", vec!["ops-d"]),
        ("ops-d", "1.2.0", vec![]),
        ("ops-e", "1.0.0", vec![]),
    ];
    assert_eq!(
        lock.iter()
            .map(|e| (e.name.as_str(), e.version.as_str()))
            .collect::<Vec<_>>(),
        expected
            .iter()
            .map(|(n, v, _)| (*n, *v))
            .collect::<Vec<_>>(),
        "sorted by name; ops-d at the newest version both ^1 and >=1.1,<2 allow:\n{text}"
    );
    for (entry, (name, version, deps)) in lock.iter().zip(&expected) {
        assert_eq!(&entry.dependencies, deps, "dependencies of {name}:\n{text}");
        assert_eq!(entry.source, registry.url(), "source of {name}:\n{text}");
        assert_eq!(
            Some(&entry.sha256),
            sums.get(&(*name, *version)),
            "the lock's sha256 of {name} {version} is the registry's:\n{text}"
        );
    }

    let tree = project.join(".osops");
    assert_eq!(
        receipt_names(&tree),
        [
            "ops-a.json",
            "ops-b.json",
            "ops-c.json",
            "ops-d.json",
            "ops-e.json"
        ]
    );
    assert!(tree.join("assets/ops-d/1.2.0").is_dir());
    for other in ["1.0.0", "1.1.0", "2.0.0"] {
        assert!(
            !present(&tree.join("assets/ops-d").join(other)),
            "one version of ops-d per tree"
        );
    }
    assert!(
        !present(&ctx.osops_home().join("receipts")) || receipt_names(&ctx.osops_home()).is_empty(),
        "a project install leaves $OSOPS_HOME alone"
    );
    for (name, version, _) in &expected {
        assert_eq!(
            run_bin(&project_bin(&project, name)),
            format!("hello from {name} {version}"),
            "stderr of the install:\n{}",
            first.stderr
        );
    }

    let lock_before = lock_bytes(&project);
    let tree_before = tree_contents(&tree);
    let again = ctx.osops_in(&project, &["install"]).assert_success();
    assert!(
        again.stderr.contains("already installed") || again.stderr.contains("Finished"),
        "{}",
        again.stderr
    );
    assert!(
        !again.stderr.contains("Installed"),
        "a re-run installs nothing:\n{}",
        again.stderr
    );
    assert_eq!(
        lock_bytes(&project),
        lock_before,
        "the lock is not rewritten"
    );
    assert_eq!(
        tree_contents(&tree),
        tree_before,
        "nothing under .osops changes (receipts included)"
    );
}

#[test]
fn a_conflict_is_explained_naming_the_chain() {
    let (_registry, ctx) = registry_and_publisher();
    publish_with_deps(&ctx, "shared", "1.0.0", &[]);
    publish_with_deps(&ctx, "shared", "2.0.0", &[]);
    publish_with_deps(&ctx, "ops-x", "1.0.0", &[("shared", "^1")]);
    publish_with_deps(&ctx, "ops-y", "1.0.0", &[("shared", "^2")]);
    let project = write_project(
        &ctx.work_dir().join("site"),
        &[("ops-x", "1"), ("ops-y", "1")],
    );

    let failed = ctx.osops_in(&project, &["install"]).assert_failure();
    assert!(
        failed
            .stderr
            .starts_with("error: no set of versions satisfies every requirement"),
        "{}",
        failed.stderr
    );
    for needle in ["ops-x 1.0.0", "ops-y 1.0.0", "shared", "^1", "^2"] {
        assert!(
            failed.stderr.contains(needle),
            "the explanation names `{needle}`:\n{}",
            failed.stderr
        );
    }
    assert!(!present(&project.join("osops.lock")), "no lock is written");
    assert_eq!(
        walk(&project.join(".osops/assets")),
        Vec::<PathBuf>::new(),
        "nothing is installed"
    );
}

#[test]
fn a_yanked_version_is_skipped_by_a_range_but_installed_from_the_lock() {
    let (registry, ctx) = registry_and_publisher();
    publish_with_deps(&ctx, "nova-tool", "1.0.0", &[]);
    let yanked_sum = publish_with_deps(&ctx, "nova-tool", "1.1.0", &[]);
    let project = write_project(&ctx.work_dir().join("site"), &[("nova-tool", "1")]);
    ctx.osops_in(&project, &["install"]).assert_success();
    assert_eq!(
        locked_versions(&project),
        BTreeMap::from([("nova-tool".into(), "1.1.0".into())])
    );
    ctx.osops(&["yank", "nova-tool@1.1.0"]).assert_success();

    // Another machine, with the project's two files as committed.
    let other = TestContext::new(registry.url());
    let checkout = other.work_dir().join("site");
    std::fs::create_dir_all(&checkout).expect("create checkout");
    for file in ["osops.toml", "osops.lock"] {
        std::fs::copy(project.join(file), checkout.join(file)).expect("copy project file");
    }
    let lock = lock_bytes(&checkout);
    let installed = other.osops_in(&checkout, &["install"]).assert_success();
    assert!(
        installed.stderr.contains("warning:") && installed.stderr.contains("yanked"),
        "installing a locked yanked version warns:\n{}",
        installed.stderr
    );
    assert_eq!(
        run_bin(&project_bin(&checkout, "nova-tool")),
        "hello from nova-tool 1.1.0"
    );
    assert_eq!(lock_bytes(&checkout), lock, "the lock keeps the yanked pin");
    assert_eq!(read_lock(&checkout)[0].sha256, yanked_sum);

    // The same requirement without a lock skips the yanked version.
    let fresh = write_project(&other.work_dir().join("fresh"), &[("nova-tool", "1")]);
    other.osops_in(&fresh, &["install"]).assert_success();
    assert_eq!(
        locked_versions(&fresh),
        BTreeMap::from([("nova-tool".into(), "1.0.0".into())])
    );
    assert_eq!(
        run_bin(&project_bin(&fresh, "nova-tool")),
        "hello from nova-tool 1.0.0"
    );
}

#[test]
fn locked_fails_after_a_requirement_change() {
    let (_registry, ctx) = registry_and_publisher();
    publish_with_deps(&ctx, "nova-tool", "1.0.0", &[]);
    publish_with_deps(&ctx, "nova-tool", "2.0.0", &[]);
    let project = write_project(&ctx.work_dir().join("site"), &[("nova-tool", "1")]);
    ctx.osops_in(&project, &["install"]).assert_success();
    assert_eq!(
        locked_versions(&project),
        BTreeMap::from([("nova-tool".into(), "1.0.0".into())])
    );
    // The lock satisfies the unchanged osops.toml: --locked passes.
    ctx.osops_in(&project, &["install", "--locked"])
        .assert_success();

    write_project(&project, &[("nova-tool", "^2")]);
    let lock = lock_bytes(&project);
    let failed = ctx
        .osops_in(&project, &["install", "--locked"])
        .assert_failure();
    assert!(
        failed.stderr.contains("nova-tool") && failed.stderr.contains("^2"),
        "names the asset and the requirement it no longer meets:\n{}",
        failed.stderr
    );
    assert_eq!(lock_bytes(&project), lock, "--locked never writes the lock");
    assert_eq!(
        run_bin(&project_bin(&project, "nova-tool")),
        "hello from nova-tool 1.0.0",
        "nor changes .osops"
    );

    ctx.osops_in(&project, &["install"]).assert_success();
    assert_ne!(lock_bytes(&project), lock);
    assert_eq!(
        locked_versions(&project),
        BTreeMap::from([("nova-tool".into(), "2.0.0".into())])
    );
    assert_eq!(
        run_bin(&project_bin(&project, "nova-tool")),
        "hello from nova-tool 2.0.0"
    );
}

#[test]
fn offline_installs_from_the_cache_with_the_registry_stopped() {
    let (registry, ctx) = registry_and_publisher();
    let lib_sum = publish_with_deps(&ctx, "ops-lib", "1.0.0", &[]);
    let app_sum = publish_with_deps(&ctx, "ops-app", "1.0.0", &[("ops-lib", "^1")]);
    let project = write_project(&ctx.work_dir().join("site"), &[("ops-app", "1")]);
    ctx.osops_in(&project, &["install"]).assert_success();
    let lock = lock_bytes(&project);
    let tree = project.join(".osops");

    std::fs::remove_dir_all(&tree).expect("remove .osops");
    let _data = registry.kill();

    for flag in ["--offline", "--frozen"] {
        ctx.osops_in(&project, &["install", flag]).assert_success();
        assert_eq!(
            run_bin(&project_bin(&project, "ops-app")),
            "hello from ops-app 1.0.0",
            "{flag}"
        );
        assert_eq!(
            run_bin(&project_bin(&project, "ops-lib")),
            "hello from ops-lib 1.0.0",
            "{flag}"
        );
        assert_eq!(lock_bytes(&project), lock, "{flag} keeps the lock");
        std::fs::remove_dir_all(&tree).expect("remove .osops");
    }

    ctx.osops(&["cache", "clean"]).assert_success();
    let failed = ctx
        .osops_in(&project, &["install", "--offline"])
        .assert_failure();
    for needle in [
        "ops-app v1.0.0",
        "ops-lib v1.0.0",
        app_sum.as_str(),
        lib_sum.as_str(),
    ] {
        assert!(
            failed.stderr.contains(needle),
            "the error names each missing archive (`{needle}`):\n{}",
            failed.stderr
        );
    }
    assert_eq!(
        walk(&tree.join("assets")),
        Vec::<PathBuf>::new(),
        "nothing is installed"
    );
    assert!(!present(&project_bin(&project, "ops-app")));
}

#[test]
fn a_lock_installs_identical_bytes_on_a_second_machine() {
    let (registry, ctx) = registry_and_publisher();
    publish_with_deps(&ctx, "ops-lib", "1.0.0", &[]);
    publish_with_deps(&ctx, "ops-lib", "1.3.0", &[]);
    publish_with_deps(&ctx, "ops-app", "1.0.0", &[("ops-lib", "^1")]);
    publish_with_deps(&ctx, "ops-check", "0.2.0", &[("ops-lib", "1.0")]);
    let project = write_project(
        &ctx.work_dir().join("site"),
        &[("ops-app", "1"), ("ops-check", "0.2")],
    );
    ctx.osops_in(&project, &["install"]).assert_success();

    let other = TestContext::new(registry.url());
    let checkout = other.work_dir().join("site");
    std::fs::create_dir_all(&checkout).expect("create checkout");
    for file in ["osops.toml", "osops.lock"] {
        std::fs::copy(project.join(file), checkout.join(file)).expect("copy project file");
    }
    let lock = lock_bytes(&checkout);
    other
        .osops_in(&checkout, &["install", "--locked"])
        .assert_success();
    assert_eq!(lock_bytes(&checkout), lock);

    let here = tree_contents(&project.join(".osops/assets"));
    let there = tree_contents(&checkout.join(".osops/assets"));
    assert_eq!(
        here.keys().collect::<Vec<_>>(),
        there.keys().collect::<Vec<_>>(),
        "the same files"
    );
    assert!(
        here.keys()
            .any(|p| p.starts_with("ops-lib/1.3.0") && p.ends_with("bin/ops-lib")),
        "{:?}",
        here.keys()
    );
    for (path, bytes) in &here {
        assert_eq!(Some(bytes), there.get(path), "`{}` differs", path.display());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for path in here.keys() {
            let mode = |root: &Path| {
                std::fs::metadata(root.join(".osops/assets").join(path))
                    .expect("metadata")
                    .permissions()
                    .mode()
                    & 0o111
            };
            assert_eq!(
                mode(&project),
                mode(&checkout),
                "exec bits of `{}`",
                path.display()
            );
        }
    }
}

/// The checks after a global install of `nova-tool` was killed at a pause point.
fn assert_not_installed(ctx: &TestContext, point: &str) {
    let home = ctx.osops_home();
    assert!(
        !present(&home.join("receipts/nova-tool.json")),
        "{point}: no receipt"
    );
    let run = ctx.osops(&["run", "nova-tool"]).assert_failure();
    assert!(
        !run.stdout.contains("hello from"),
        "{point}: `osops run` does not use a half-installed asset:\n{}",
        run.stdout
    );
    assert_eq!(
        ctx.osops(&["list", "--json"]).assert_success().json(),
        json!([]),
        "{point}: `osops list` does not show it"
    );
}

/// The checks after a re-run completed the install of `nova-tool`.
fn assert_completed(ctx: &TestContext, point: &str) {
    let home = ctx.osops_home();
    assert!(
        home.join("receipts/nova-tool.json").is_file(),
        "{point}: receipt"
    );
    assert_eq!(
        run_bin(&home.join("bin/nova-tool")),
        "hello from nova-tool 1.0.0",
        "{point}"
    );
    assert_eq!(
        ctx.osops(&["run", "nova-tool"])
            .assert_success()
            .stdout
            .trim(),
        "hello from nova-tool 1.0.0",
        "{point}"
    );
    assert_eq!(
        ctx.osops(&["list", "--json"]).assert_success().json(),
        json!([{"name": "nova-tool", "version": "1.0.0", "dependency": false}]),
        "{point}"
    );
    assert_eq!(
        temporary_dirs(&home.join("assets")),
        Vec::<PathBuf>::new(),
        "{point}: no temporary directory remains"
    );
}

#[test]
fn case_25_a_killed_install_is_never_used_and_a_rerun_completes() {
    let (registry, publisher) = registry_and_publisher();
    publish_with_deps(&publisher, "nova-tool", "1.0.0", &[]);

    // Killed after extraction, before the rename: no bin link yet either.
    let ctx = TestContext::new(registry.url());
    let mut cmd = ctx.command();
    cmd.args(["install", "nova-tool"]);
    kill_at_failpoint(cmd, "install-extracted");
    assert!(
        !present(&ctx.osops_home().join("bin/nova-tool")),
        "install-extracted: no bin link"
    );
    assert!(
        !present(&ctx.osops_home().join("assets/nova-tool/1.0.0")),
        "install-extracted: not renamed into place"
    );
    assert_not_installed(&ctx, "install-extracted");
    let rerun = ctx.osops(&["install", "nova-tool"]).assert_success();
    assert!(rerun.stderr.contains("Installed"), "{}", rerun.stderr);
    assert_completed(&ctx, "install-extracted");

    // Killed after the rename and the bin links, before the receipt.
    let ctx = TestContext::new(registry.url());
    let mut cmd = ctx.command();
    cmd.args(["install", "nova-tool"]);
    kill_at_failpoint(cmd, "install-linked");
    assert!(
        ctx.osops_home().join("assets/nova-tool/1.0.0").is_dir(),
        "install-linked: the pause point is after the rename"
    );
    assert_not_installed(&ctx, "install-linked");
    let rerun = ctx.osops(&["install", "nova-tool"]).assert_success();
    assert!(rerun.stderr.contains("Installed"), "{}", rerun.stderr);
    assert_completed(&ctx, "install-linked");
}

/// Runs `osops ARGS` in `ctx` with no `OSOPS_REGISTRY`: the config file decides.
fn osops_unchosen(ctx: &TestContext, args: &[&str]) -> Output {
    ctx.command()
        .env_remove("OSOPS_REGISTRY")
        .args(args)
        .output()
        .expect("osops runs")
        .into()
}

/// The first 16 hex digits of the sha256 of a registry URL: its cache directory's name.
fn registry_id(url: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        url.trim_end_matches('/').to_ascii_lowercase().as_bytes(),
    );
    digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn case_27_two_registries_serving_one_name_need_an_explicit_choice() {
    let (first, first_publisher) = registry_and_publisher();
    let (second, second_publisher) = registry_and_publisher();
    let first_sum = publish_with_deps(&first_publisher, "dup-tool", "1.0.0", &[]);
    let second_sum = publish_with_deps(&second_publisher, "dup-tool", "2.0.0", &[]);
    let only_first_sum = publish_with_deps(&first_publisher, "first-only", "1.0.0", &[]);

    let ctx = TestContext::new(first.url());
    let config_dir = ctx.root().join("home/.config/osops");
    std::fs::create_dir_all(&config_dir).expect("create config dir");
    let config = config_dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[registry]\ndefault = \"first\"\n\n[registries.first]\nurl = \"{}\"\n\n\
             [registries.second]\nurl = \"{}\"\n",
            first.url(),
            second.url()
        ),
    )
    .expect("write config");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600))
            .expect("chmod config");
    }

    let refused = osops_unchosen(&ctx, &["install", "dup-tool"]).assert_failure();
    for needle in ["several registries", first.url(), second.url()] {
        assert!(
            refused.stderr.contains(needle),
            "names `{needle}`:\n{}",
            refused.stderr
        );
    }
    assert_eq!(
        osops_unchosen(&ctx, &["list", "--json"])
            .assert_success()
            .json(),
        json!([])
    );
    assert!(!present(&ctx.osops_home().join("bin/dup-tool")));

    osops_unchosen(&ctx, &["install", "dup-tool", "--registry", "second"]).assert_success();
    let receipt: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ctx.osops_home().join("receipts/dup-tool.json")).expect("read receipt"),
    )
    .expect("the receipt is JSON");
    assert_eq!(receipt["registry"], second.url(), "{receipt}");
    assert_eq!(receipt["version"], "2.0.0", "{receipt}");
    assert_eq!(
        run_bin(&ctx.osops_home().join("bin/dup-tool")),
        "hello from dup-tool 2.0.0"
    );

    // A name only one configured registry serves needs no choice.
    osops_unchosen(&ctx, &["install", "first-only"]).assert_success();
    let receipt: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ctx.osops_home().join("receipts/first-only.json")).expect("read receipt"),
    )
    .expect("the receipt is JSON");
    assert_eq!(receipt["registry"], first.url(), "{receipt}");

    // Each registry has its own cache directory, holding only its own archives.
    let info = osops_unchosen(&ctx, &["cache", "info", "--json"])
        .assert_success()
        .json();
    let root = PathBuf::from(info["root"].as_str().expect("root"));
    let registries = info["registries"].as_array().expect("registries");
    let path_of = |url: &str| -> PathBuf {
        let entry = registries
            .iter()
            .find(|r| r["url"] == url)
            .unwrap_or_else(|| panic!("no cache for {url}: {info}"));
        assert_eq!(entry["id"], registry_id(url).as_str(), "{info}");
        PathBuf::from(entry["path"].as_str().expect("path"))
    };
    let first_dir = path_of(first.url());
    let second_dir = path_of(second.url());
    assert_ne!(first_dir, second_dir);
    for dir in [&first_dir, &second_dir] {
        assert_eq!(
            dir.parent(),
            Some(root.as_path()),
            "under the cache root: {info}"
        );
    }
    assert!(
        !first_dir.starts_with(&second_dir) && !second_dir.starts_with(&first_dir),
        "{info}"
    );
    let archives = |dir: &Path| -> Vec<String> {
        walk(&dir.join("archives"))
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect()
    };
    assert_eq!(
        archives(&first_dir),
        [format!("{only_first_sum}.osops")],
        "the first registry's cache has its archive only"
    );
    assert_eq!(
        archives(&second_dir),
        [format!("{second_sum}.osops")],
        "the second registry's cache has its archive only"
    );
    assert!(
        !archives(&first_dir).contains(&format!("{first_sum}.osops")),
        "the first registry's dup-tool was never downloaded"
    );
}

#[test]
fn global_dependencies_are_installed_removed_and_listed() {
    let (registry, publisher) = registry_and_publisher();
    publish_with_deps(&publisher, "ops-d", "1.0.0", &[]);
    publish_with_deps(&publisher, "ops-b", "1.0.0", &[("ops-d", "^1")]);
    publish_with_deps(&publisher, "ops-c", "1.0.0", &[]);
    publish_with_deps(
        &publisher,
        "ops-a",
        "1.0.0",
        &[("ops-b", "1"), ("ops-c", "1")],
    );
    publish_with_deps(&publisher, "ops-e", "1.0.0", &[]);

    let ctx = TestContext::new(registry.url());
    let home = ctx.osops_home();
    ctx.osops(&["install", "ops-a"]).assert_success();
    ctx.osops(&["install", "ops-e"]).assert_success();
    assert_eq!(
        ctx.osops(&["list", "--json"]).assert_success().json(),
        json!([
            {"name": "ops-a", "version": "1.0.0", "dependency": false},
            {"name": "ops-b", "version": "1.0.0", "dependency": true},
            {"name": "ops-c", "version": "1.0.0", "dependency": true},
            {"name": "ops-d", "version": "1.0.0", "dependency": true},
            {"name": "ops-e", "version": "1.0.0", "dependency": false},
        ])
    );
    for name in ["ops-b", "ops-c", "ops-d"] {
        let receipt: serde_json::Value = serde_json::from_slice(
            &std::fs::read(home.join(format!("receipts/{name}.json"))).expect("read receipt"),
        )
        .expect("the receipt is JSON");
        assert_eq!(receipt["requested"], false, "{name}: {receipt}");
    }
    for name in ["ops-a", "ops-b", "ops-c", "ops-d", "ops-e"] {
        assert_eq!(
            run_bin(&home.join("bin").join(name)),
            format!("hello from {name} 1.0.0")
        );
    }

    let refused = ctx.osops(&["uninstall", "ops-b"]).assert_failure();
    assert!(
        refused.stderr.contains("ops-a"),
        "names the asset that needs it:\n{}",
        refused.stderr
    );
    assert!(home.join("receipts/ops-b.json").is_file());
    assert_eq!(run_bin(&home.join("bin/ops-b")), "hello from ops-b 1.0.0");

    ctx.osops(&["uninstall", "ops-a"]).assert_success();
    assert_eq!(
        ctx.osops(&["list", "--json"]).assert_success().json(),
        json!([{"name": "ops-e", "version": "1.0.0", "dependency": false}]),
        "ops-a and the dependencies nothing else needs are gone"
    );
    for name in ["ops-a", "ops-b", "ops-c", "ops-d"] {
        assert!(
            !present(&home.join("bin").join(name)),
            "{name}: bin link removed"
        );
        assert!(
            !present(&home.join("assets").join(name).join("1.0.0")),
            "{name}: files removed"
        );
        assert!(
            !present(&home.join("receipts").join(format!("{name}.json"))),
            "{name}: receipt removed"
        );
    }
    assert_eq!(run_bin(&home.join("bin/ops-e")), "hello from ops-e 1.0.0");
}

#[test]
fn update_and_outdated_move_the_lock_within_requirements() {
    let (_registry, ctx) = registry_and_publisher();
    publish_with_deps(&ctx, "nova-tool", "1.0.0", &[]);
    let project = write_project(&ctx.work_dir().join("site"), &[("nova-tool", "1")]);
    ctx.osops_in(&project, &["install"]).assert_success();
    assert_eq!(
        locked_versions(&project),
        BTreeMap::from([("nova-tool".into(), "1.0.0".into())])
    );
    let newer_sum = publish_with_deps(&ctx, "nova-tool", "1.1.0", &[]);
    publish_with_deps(&ctx, "nova-tool", "2.0.0", &[]);

    // A plain install keeps the lock: it still satisfies osops.toml.
    let lock = lock_bytes(&project);
    ctx.osops_in(&project, &["install"]).assert_success();
    assert_eq!(lock_bytes(&project), lock, "install does not update");

    let outdated = ctx
        .osops_in(&project, &["outdated", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        outdated,
        json!([{"name": "nova-tool", "current": "1.0.0", "compatible": "1.1.0", "latest": "2.0.0"}])
    );

    let tree_before = tree_contents(&project.join(".osops"));
    let dry = ctx
        .osops_in(&project, &["update", "--dry-run"])
        .assert_success();
    assert!(
        dry.stderr.contains("1.1.0"),
        "the dry run shows the change:\n{}",
        dry.stderr
    );
    assert_eq!(lock_bytes(&project), lock, "--dry-run changes no lock");
    assert_eq!(
        tree_contents(&project.join(".osops")),
        tree_before,
        "--dry-run changes nothing under .osops"
    );

    ctx.osops_in(&project, &["update"]).assert_success();
    let entries = read_lock(&project);
    assert_eq!(
        locked_versions(&project),
        BTreeMap::from([("nova-tool".into(), "1.1.0".into())]),
        "the newest version ^1 allows, not 2.0.0"
    );
    assert_eq!(entries[0].sha256, newer_sum);
    assert_eq!(
        run_bin(&project_bin(&project, "nova-tool")),
        "hello from nova-tool 1.1.0"
    );
    let outdated = ctx
        .osops_in(&project, &["outdated", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        outdated,
        json!([{"name": "nova-tool", "current": "1.1.0", "compatible": "1.1.0", "latest": "2.0.0"}])
    );
}
