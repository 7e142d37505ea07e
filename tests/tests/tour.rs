//! The README's five-minute tour, through the real server and the real CLI: publish every demo
//! asset, find each by a word of its description and by service, install it byte-identically, run it.

use std::path::{Path, PathBuf};

use osops_index::{Manifest, archive};
use osops_tests::{TestContext, TestRegistry, examples_dir};

/// Every directory under `examples/` that holds an asset.
fn demo_assets() -> Vec<(PathBuf, Manifest)> {
    let mut assets: Vec<_> = std::fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("osops.toml").is_file())
        .map(|p| {
            let manifest =
                Manifest::from_dir(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, manifest)
        })
        .collect();
    assets.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        assets.len() >= 8,
        "the demo catalog has at least eight assets"
    );
    assets
}

/// The most distinctive word of a description: its longest alphabetic word.
fn search_word(description: &str) -> String {
    description
        .split(|c: char| !c.is_ascii_alphabetic())
        .max_by_key(|w| w.len())
        .expect("description has a word")
        .to_lowercase()
}

fn names_in(search: &serde_json::Value) -> Vec<String> {
    search["assets"]
        .as_array()
        .expect("`assets` is an array")
        .iter()
        .map(|a| a["name"].as_str().expect("name is a string").to_string())
        .collect()
}

fn assert_installed_identically(source: &Path, manifest: &Manifest, installed: &Path) {
    let files = archive::package_files(source, manifest).expect("list packaged files");
    assert!(!files.is_empty());
    for file in files {
        let want = std::fs::read(source.join(&file)).expect("read source file");
        let got = std::fs::read(installed.join(&file))
            .unwrap_or_else(|e| panic!("{} not installed: {e}", installed.join(&file).display()));
        assert_eq!(want, got, "{} differs from its source", file.display());
    }
}

#[test]
fn every_demo_asset_publishes_is_found_installs_identically_and_runs() {
    let registry = TestRegistry::start();
    let token = registry.user_with_token("jane");
    let ctx = TestContext::new(registry.url()).with_token(&token);
    // The demo assets address the demo needs, which must exist before they publish.
    let needs = examples_dir().join("needs.toml");
    registry
        .admin(&["need", "import", &needs.to_string_lossy()])
        .assert_success();

    let assets = demo_assets();
    for (dir, _) in &assets {
        let published = ctx
            .osops(&["publish", &dir.to_string_lossy()])
            .assert_success();
        assert!(
            published.stderr.contains("Published"),
            "{}",
            published.stderr
        );
    }

    for (dir, manifest) in &assets {
        let name = manifest.asset.name.as_str();
        let version = manifest.asset.version.to_string();

        let word = search_word(&manifest.asset.description);
        let found = ctx
            .osops(&["search", &word, "--json"])
            .assert_success()
            .json();
        assert!(
            names_in(&found).contains(&name.to_string()),
            "`{word}` should find {name}: {found}"
        );

        let service = manifest
            .openstack
            .services
            .first()
            .expect("demo assets name a service");
        let by_service = ctx
            .osops(&["search", "--service", service, "--json"])
            .assert_success()
            .json();
        assert!(
            names_in(&by_service).contains(&name.to_string()),
            "--service {service} should find {name}"
        );
        for asset in by_service["assets"].as_array().expect("assets") {
            let services = asset["services"].as_array().expect("services");
            assert!(
                services.iter().any(|s| s == service.as_str()),
                "--service {service} returned {asset}"
            );
        }

        ctx.osops(&["install", name]).assert_success();
        let installed = ctx.osops_home().join("assets").join(name).join(&version);
        assert_installed_identically(dir, manifest, &installed);

        for command in manifest.entrypoints.bin.keys() {
            let help = ctx
                .osops(&["run", name, "--bin", command, "--", "--help"])
                .assert_success();
            assert!(
                !help.stdout.trim().is_empty(),
                "{command} --help printed nothing"
            );
            let link = ctx.osops_home().join("bin").join(command);
            assert!(link.exists(), "{} is linked", link.display());
        }
    }

    let listed = ctx.osops(&["list", "--json"]).assert_success().json();
    assert_eq!(
        listed.as_array().expect("list is an array").len(),
        assets.len()
    );
}
