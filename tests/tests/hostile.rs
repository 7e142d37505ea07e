//! SECURITY-TESTS.md cases 1–10 end to end: every hostile archive is refused by the real registry
//! on publish, and by the real client on install from a registry that serves it anyway.

use osops_index::{AssetName, IndexEntry, Kind, sha256_hex};
use osops_tests::hostile::{self, NAME, VERSION};
use osops_tests::{StaticRegistry, TestContext, TestRegistry, walk};

#[test]
fn every_hostile_archive_is_refused_at_publish_and_nothing_is_stored() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("mallory"));
    let file = ctx.work_dir().join(format!("{NAME}-{VERSION}.osops"));
    for case in hostile::catalogue() {
        std::fs::write(&file, &case.archive).expect("write archive");
        let refused = ctx.osops(&["publish", &file.to_string_lossy()]);
        assert!(
            !refused.success(),
            "case {} `{}` was published",
            case.case,
            case.attack
        );
        assert!(
            refused.stderr.contains("400") || refused.stderr.contains("413"),
            "case {} `{}`: the registry refuses it as a bad request:\n{}",
            case.case,
            case.attack,
            refused.stderr
        );
    }
    let search = ctx
        .osops(&["search", "--json", NAME])
        .assert_success()
        .json();
    assert_eq!(search["total"], 0, "no hostile asset is listed");
    ctx.osops(&["info", NAME]).assert_failure();
    let stored: Vec<_> = walk(&registry.data_dir().join("blobs"));
    assert!(stored.is_empty(), "no blob was kept: {stored:?}");
}

#[test]
fn every_hostile_archive_is_refused_at_install_and_nothing_is_written() {
    let registry = StaticRegistry::start();
    for case in hostile::catalogue() {
        let entry = IndexEntry {
            name: AssetName::parse(NAME).expect("valid name"),
            vers: VERSION.parse().expect("valid version"),
            kind: Kind::Script,
            // The checksum is right: this registry serves exactly the bytes it lists.
            cksum: sha256_hex(&case.archive),
            deps: vec![],
            services: vec![],
            releases: None,
            needs: vec![],
            yanked: false,
            published_at: "2026-01-01T00:00:00Z".into(),
            v: 1,
        };
        registry.publish(&entry, case.archive);
        let ctx = TestContext::new(registry.url());
        let refused = ctx
            .command()
            .args(["install", NAME])
            .env("OSOPS_HTTP_RETRIES", "0")
            .output()
            .expect("osops runs");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            !refused.status.success(),
            "case {} `{}` was installed",
            case.case,
            case.attack
        );
        assert!(
            stderr.contains("error:"),
            "case {} `{}`: a clear error:\n{stderr}",
            case.case,
            case.attack
        );

        // The download cache keeps the verified bytes, and the tree's lock file is only a lock;
        // nothing else may appear.
        let cache = ctx.root().join("home/.cache/osops");
        let lock = ctx.osops_home().join(".lock");
        let written: Vec<_> = walk(ctx.root())
            .into_iter()
            .filter(|p| !p.starts_with(&cache) && *p != lock)
            .collect();
        assert!(
            written.is_empty(),
            "case {} `{}` wrote {written:?}",
            case.case,
            case.attack
        );
        let dirs: Vec<_> = std::fs::read_dir(ctx.osops_home())
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            dirs.iter().all(|d| d == ".lock" || d == "assets"),
            "case {} `{}` created {dirs:?}",
            case.case,
            case.attack
        );
        let assets = ctx.osops_home().join("assets");
        assert!(walk(&assets).is_empty() && !assets.join(NAME).join(VERSION).exists());
    }
}
