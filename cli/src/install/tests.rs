//! The install operation against a canned registry: checksums, leftovers of crashes, links,
//! upgrades, and failing closed (SECURITY-TESTS 10, 11, 15, 25, 26, 27).

use std::path::Path;
use std::time::Duration;

use osops_index::archive::{Limits, pack};
use osops_index::{AssetName, IndexEntry, Kind, Manifest, index_path, sha256_hex};

use std::collections::BTreeMap;

use super::global::{self, Request};
use super::*;
use crate::cache::Cache;
use crate::cache::download::DownloadError;
use crate::client::{self, Client, Settings};
use crate::home::Home;
use crate::printer::{Printer, Verbosity};
use crate::resolve::Spec;
use crate::test_server::{Reply, TestServer};

/// The bytes of a packed asset whose bins print `NAME VERSION`.
fn archive(name: &str, version: &str, bins: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin_table: Vec<String> = bins
        .iter()
        .map(|b| format!("\"{b}\" = \"bin/{b}.sh\""))
        .collect();
    let manifest = format!(
        "[asset]\nname = \"{name}\"\nversion = \"{version}\"\nkind = \"script\"\ndescription = \"test asset\"\n\n\
         [entrypoints]\nbin = {{ {} }}\n",
        bin_table.join(", ")
    );
    std::fs::write(dir.path().join("osops.toml"), manifest).expect("manifest");
    std::fs::create_dir(dir.path().join("bin")).expect("bin");
    for bin in bins {
        let path = dir.path().join("bin").join(format!("{bin}.sh"));
        std::fs::write(&path, format!("#!/bin/sh\necho {name} {version}\n")).expect("script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }
    let manifest = Manifest::from_dir(dir.path()).expect("valid manifest");
    pack(dir.path(), &manifest, &Limits::default()).expect("pack")
}

fn name(s: &str) -> AssetName {
    AssetName::parse(s).expect("name")
}

fn v(s: &str) -> Version {
    Version::parse(s).expect("version")
}

struct Registry {
    server: TestServer,
}

/// One version as the fake registry lists and serves it.
struct Published<'a> {
    version: &'a str,
    /// What the index lists the checksum of.
    listed: Vec<u8>,
    /// What the download answers.
    served: Reply,
    yanked: bool,
}

impl<'a> Published<'a> {
    fn honest(version: &'a str, bytes: Vec<u8>) -> Self {
        Published {
            version,
            served: Reply::ok(bytes.clone()),
            listed: bytes,
            yanked: false,
        }
    }
}

impl Registry {
    fn start() -> Registry {
        let server = TestServer::start();
        let config = serde_json::json!({
            "dl": format!("{}/api/v1/assets/{{name}}/{{version}}/download", server.url),
            "api": server.url,
            "v": 1,
        });
        server.route("GET /index/config.json", vec![Reply::json(200, &config)]);
        Registry { server }
    }

    fn publish(&self, asset: &str, versions: Vec<Published<'_>>) {
        let mut lines = String::new();
        for p in versions {
            let entry = IndexEntry {
                name: name(asset),
                vers: v(p.version),
                kind: Kind::Script,
                cksum: sha256_hex(&p.listed),
                deps: vec![],
                services: vec![],
                releases: None,
                needs: vec![],
                yanked: p.yanked,
                published_at: "2026-01-01T00:00:00Z".into(),
                v: 1,
            };
            lines.push_str(&serde_json::to_string(&entry).expect("json"));
            lines.push('\n');
            self.server
                .route(&download(asset, p.version), vec![p.served]);
        }
        self.server.route(
            &format!("GET /index/{}", index_path(&name(asset))),
            vec![Reply::ok(lines)],
        );
    }
}

fn download(asset: &str, version: &str) -> String {
    format!("GET /api/v1/assets/{asset}/{version}/download")
}

struct Setup {
    _dir: tempfile::TempDir,
    home: Home,
    cache: Cache,
    registry: String,
    printer: Printer,
}

fn setup(registry: &Registry) -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    Setup {
        home: Home::at(dir.path().join("osops")),
        cache: Cache::at(dir.path().join("cache")),
        registry: registry.server.url.clone(),
        printer: Printer::new(Verbosity::Quiet),
        _dir: dir,
    }
}

/// What one `osops install NAME` did to NAME.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Installed {
        name: AssetName,
        version: Version,
        bins: Vec<String>,
        playbook: Option<String>,
        replaced: Option<Version>,
    },
    AlreadyInstalled {
        name: AssetName,
        version: Version,
    },
}

impl Setup {
    fn engine(&self, force: bool) -> Engine<'_> {
        let settings = Settings {
            retries: 1,
            backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
            ..Settings::default()
        };
        let client = Client::new(&self.registry, None, settings).expect("client");
        Engine {
            sources: Sources::new(
                BTreeMap::from([(self.registry.clone(), client)]),
                self.cache.clone(),
                false,
                2,
            ),
            options: Options {
                force,
                ..Options::default()
            },
            printer: &self.printer,
        }
    }

    fn install(&self, spec: &str, force: bool) -> Result<Outcome, Error> {
        let spec = Spec::parse(spec).expect("spec");
        let name = spec.name.clone();
        let tree = Tree::open(self.home.clone(), &self.printer)?;
        let request = Request {
            spec,
            sources: vec![self.registry.clone()],
        };
        let applied = global::install(&self.engine(force), &tree, &[request])?;
        if let Some(done) = applied.installed.into_iter().find(|d| d.name == name) {
            return Ok(Outcome::Installed {
                name: done.name,
                version: done.version,
                bins: done.bins,
                playbook: done.playbook,
                replaced: done.replaced,
            });
        }
        let (name, version) = applied
            .unchanged
            .into_iter()
            .find(|(n, _)| *n == name)
            .expect("installed or unchanged");
        Ok(Outcome::AlreadyInstalled { name, version })
    }

    fn uninstall(&self, asset: &str) -> Result<Option<Version>, Error> {
        let tree = Tree::open(self.home.clone(), &self.printer)?;
        Ok(global::uninstall(&tree, &[name(asset)])?
            .into_iter()
            .next()
            .and_then(|(_, version)| version))
    }

    fn archive_path(&self, registry: &str, bytes: &[u8]) -> std::path::PathBuf {
        self.cache
            .registry(registry)
            .archive_path(&sha256_hex(bytes))
            .expect("archive path")
    }

    /// Everything under `dir`, relative, sorted; empty if it does not exist.
    fn tree(&self, dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                out.push(
                    path.strip_prefix(root)
                        .expect("prefix")
                        .to_string_lossy()
                        .into_owned(),
                );
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    walk(root, &path, out);
                }
            }
        }
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    fn assert_nothing_installed(&self, asset: &str) {
        assert_eq!(self.home.read_receipt(&name(asset)).expect("receipt"), None);
        assert_eq!(
            self.tree(&self.home.assets_dir()),
            Vec::<String>::new(),
            "nothing extracted"
        );
        assert_eq!(
            self.tree(&self.home.bin_dir()),
            Vec::<String>::new(),
            "nothing linked"
        );
        let cache = self.tree(self.cache.registry(&self.registry).dir());
        assert!(
            cache.iter().all(|f| !f.starts_with(".download-")),
            "no partial download left: {cache:?}"
        );
    }
}

#[test]
fn install_extracts_links_and_writes_the_receipt() {
    let registry = Registry::start();
    let bytes = archive("nova-tools", "1.0.0", &["evac"]);
    registry.publish(
        "nova-tools",
        vec![Published::honest("1.0.0", bytes.clone())],
    );
    let s = setup(&registry);

    let outcome = s.install("nova-tools", false).expect("install");
    assert_eq!(
        outcome,
        Outcome::Installed {
            name: name("nova-tools"),
            version: v("1.0.0"),
            bins: vec!["evac".into()],
            playbook: None,
            replaced: None
        }
    );
    let receipt = s
        .home
        .read_receipt(&name("nova-tools"))
        .expect("read")
        .expect("receipt");
    assert_eq!(receipt.cksum, sha256_hex(&bytes));
    assert_eq!(receipt.registry, registry.server.url);
    assert_eq!(
        receipt.bins.get("evac").map(String::as_str),
        Some("bin/evac.sh")
    );
    // The link resolves to the installed script.
    let script = std::fs::read_to_string(s.home.bin_dir().join("evac")).expect("follow link");
    assert_eq!(script, "#!/bin/sh\necho nova-tools 1.0.0\n");
    assert_eq!(
        s.tree(&s.home.asset_dir(&name("nova-tools"))),
        [
            "1.0.0",
            "1.0.0/bin",
            "1.0.0/bin/evac.sh",
            "1.0.0/osops.toml"
        ]
    );
    // The verified archive is cached under its sha256, in this registry's cache only.
    assert!(s.archive_path(&registry.server.url, &bytes).is_file());

    // Again: nothing to do, nothing downloaded.
    assert_eq!(
        s.install("nova-tools@1", false).expect("again"),
        Outcome::AlreadyInstalled {
            name: name("nova-tools"),
            version: v("1.0.0")
        }
    );
    assert_eq!(registry.server.count(&download("nova-tools", "1.0.0")), 1);
}

#[test]
fn checksum_mismatch_deletes_the_download_and_installs_nothing() {
    let registry = Registry::start();
    let listed = archive("nova-tools", "1.0.0", &["evac"]);
    let served = archive("nova-tools", "1.0.0", &["evac", "backdoor"]);
    registry.publish(
        "nova-tools",
        vec![Published {
            version: "1.0.0",
            listed: listed.clone(),
            served: Reply::ok(served.clone()),
            yanked: false,
        }],
    );
    let s = setup(&registry);

    let err = s.install("nova-tools", false).expect_err("mismatch");
    assert_eq!(
        err.to_string(),
        format!(
            "checksum mismatch for nova-tools v1.0.0: expected {}, got {}; the registry or a proxy served \
             different bytes than its index lists",
            sha256_hex(&listed),
            sha256_hex(&served)
        )
    );
    s.assert_nothing_installed("nova-tools");
    let cached = s.tree(&s.cache.registry(&s.registry).archives_dir());
    assert!(
        cached.iter().all(|f| !f.ends_with(".osops")),
        "download deleted: {cached:?}"
    );
}

#[test]
fn a_failing_download_is_retried_then_fails_closed() {
    let registry = Registry::start();
    let bytes = archive("nova-tools", "1.0.0", &["evac"]);
    registry.publish(
        "nova-tools",
        vec![Published {
            version: "1.0.0",
            listed: bytes,
            served: Reply::problem(502, "bad gateway"),
            yanked: false,
        }],
    );
    let s = setup(&registry);
    let err = s.install("nova-tools", false).expect_err("5xx");
    assert!(
        matches!(
            &err,
            Error::Download(DownloadError::Client {
                source: client::Error::GaveUp { attempts: 2, .. },
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(registry.server.count(&download("nova-tools", "1.0.0")), 2);
    s.assert_nothing_installed("nova-tools");
}

#[test]
fn leftovers_of_an_interrupted_install_are_never_linked_and_a_rerun_completes() {
    let registry = Registry::start();
    registry.publish(
        "nova-tools",
        vec![Published::honest(
            "1.0.0",
            archive("nova-tools", "1.0.0", &["evac"]),
        )],
    );
    let s = setup(&registry);
    // What a kill -9 mid-install can leave: a half extraction, a renamed but unrecorded version
    // directory with a stray file, and a link into it.
    let asset_dir = s.home.asset_dir(&name("nova-tools"));
    std::fs::create_dir_all(asset_dir.join(".tmp-1.0.0-0123456789ab/bin")).expect("tmp");
    std::fs::create_dir_all(asset_dir.join("1.0.0/bin")).expect("stale");
    std::fs::write(
        asset_dir.join("1.0.0/bin/evac.sh"),
        "#!/bin/sh\necho half-writ",
    )
    .expect("half");
    std::fs::write(asset_dir.join("1.0.0/planted"), "x").expect("planted");
    crate::links::link(
        &s.home,
        "evac",
        &crate::links::target(&name("nova-tools"), &v("1.0.0"), "bin/evac.sh"),
    )
    .expect("link");
    // Without a receipt it is not installed: `osops run` refuses it.
    assert!(matches!(
        crate::runner::target(&s.home, &name("nova-tools"), None),
        Err(crate::runner::Error::NotInstalled(_))
    ));

    s.install("nova-tools", false).expect("re-run completes");
    assert_eq!(
        s.tree(&asset_dir),
        [
            "1.0.0",
            "1.0.0/bin",
            "1.0.0/bin/evac.sh",
            "1.0.0/osops.toml"
        ]
    );
    let script = std::fs::read_to_string(s.home.bin_dir().join("evac")).expect("follow link");
    assert_eq!(script, "#!/bin/sh\necho nova-tools 1.0.0\n");
}

#[test]
fn an_upgrade_relinks_and_removes_the_old_version_after_the_receipt() {
    let registry = Registry::start();
    registry.publish(
        "nova-tools",
        vec![Published::honest(
            "1.0.0",
            archive("nova-tools", "1.0.0", &["evac", "old"]),
        )],
    );
    let s = setup(&registry);
    s.install("nova-tools", false).expect("1.0.0");
    registry.publish(
        "nova-tools",
        vec![
            Published::honest("1.0.0", archive("nova-tools", "1.0.0", &["evac", "old"])),
            Published::honest("1.1.0", archive("nova-tools", "1.1.0", &["evac"])),
        ],
    );
    let outcome = s.install("nova-tools", false).expect("1.1.0");
    assert!(
        matches!(outcome, Outcome::Installed { replaced: Some(ref old), .. } if *old == v("1.0.0")),
        "{outcome:?}"
    );
    assert_eq!(
        s.tree(&s.home.bin_dir()),
        ["evac"],
        "the command 1.1.0 dropped is unlinked"
    );
    let script = std::fs::read_to_string(s.home.bin_dir().join("evac")).expect("follow link");
    assert_eq!(script, "#!/bin/sh\necho nova-tools 1.1.0\n");
    let dirs = s.tree(&s.home.asset_dir(&name("nova-tools")));
    assert_eq!(
        dirs.iter().filter(|d| !d.contains('/')).collect::<Vec<_>>(),
        ["1.1.0"]
    );
}

#[test]
fn a_command_owned_by_another_asset_is_refused_unless_forced() {
    let registry = Registry::start();
    registry.publish(
        "nova-tools",
        vec![Published::honest(
            "1.0.0",
            archive("nova-tools", "1.0.0", &["evac"]),
        )],
    );
    registry.publish(
        "evac-clone",
        vec![Published::honest(
            "2.0.0",
            archive("evac-clone", "2.0.0", &["evac"]),
        )],
    );
    let s = setup(&registry);
    s.install("nova-tools", false).expect("first owner");

    let err = s.install("evac-clone", false).expect_err("conflict");
    assert_eq!(
        err.to_string(),
        "command `evac` is already provided by `nova-tools`"
    );
    assert!(err.hint().is_some_and(|h| h.contains("--force")));
    assert_eq!(
        s.home.read_receipt(&name("evac-clone")).expect("read"),
        None
    );
    assert!(
        !s.home.asset_dir(&name("evac-clone")).exists(),
        "nothing extracted before the check"
    );

    s.install("evac-clone", true).expect("forced");
    let script = std::fs::read_to_string(s.home.bin_dir().join("evac")).expect("follow link");
    assert_eq!(script, "#!/bin/sh\necho evac-clone 2.0.0\n");
    // Uninstalling the old owner leaves the new owner's link alone.
    assert_eq!(
        s.uninstall("nova-tools").expect("uninstall"),
        Some(v("1.0.0"))
    );
    assert!(s.home.bin_dir().join("evac").exists());
}

#[test]
fn a_file_osops_did_not_make_is_never_replaced_silently() {
    let registry = Registry::start();
    registry.publish(
        "nova-tools",
        vec![Published::honest(
            "1.0.0",
            archive("nova-tools", "1.0.0", &["evac"]),
        )],
    );
    let s = setup(&registry);
    std::fs::create_dir_all(s.home.bin_dir()).expect("bin");
    std::fs::write(s.home.bin_dir().join("evac"), "mine").expect("file");
    assert!(matches!(
        s.install("nova-tools", false),
        Err(Error::BinForeign { .. })
    ));
    assert_eq!(
        std::fs::read_to_string(s.home.bin_dir().join("evac")).expect("read"),
        "mine"
    );
}

#[test]
fn the_cache_is_reverified_before_reuse() {
    let registry = Registry::start();
    let bytes = archive("nova-tools", "1.0.0", &["evac"]);
    registry.publish(
        "nova-tools",
        vec![Published::honest("1.0.0", bytes.clone())],
    );
    let s = setup(&registry);
    s.install("nova-tools", false).expect("install");
    s.uninstall("nova-tools").expect("uninstall");

    s.install("nova-tools", false).expect("from cache");
    assert_eq!(
        registry.server.count(&download("nova-tools", "1.0.0")),
        1,
        "the cached archive was reused"
    );

    s.uninstall("nova-tools").expect("uninstall");
    let cached = s.archive_path(&registry.server.url, &bytes);
    std::fs::write(&cached, b"tampered").expect("tamper");
    s.install("nova-tools", false).expect("downloaded again");
    assert_eq!(registry.server.count(&download("nova-tools", "1.0.0")), 2);
    assert_eq!(std::fs::read(&cached).expect("cache"), bytes);
}

#[test]
fn an_archive_that_is_not_the_indexed_version_is_refused() {
    let registry = Registry::start();
    // The bytes match the index's checksum, but they hold another version.
    registry.publish(
        "nova-tools",
        vec![Published::honest(
            "1.0.0",
            archive("nova-tools", "1.0.1", &["evac"]),
        )],
    );
    let s = setup(&registry);
    let err = s.install("nova-tools", false).expect_err("mismatch");
    assert_eq!(
        err.to_string(),
        "the archive the lock lists as nova-tools v1.0.0 contains nova-tools v1.0.1"
    );
    assert_eq!(
        s.home.read_receipt(&name("nova-tools")).expect("read"),
        None
    );
    assert!(!s.home.assets_dir().exists());
}

#[test]
fn an_invalid_archive_installs_nothing() {
    let registry = Registry::start();
    registry.publish(
        "nova-tools",
        vec![Published::honest("1.0.0", b"not a gzip stream".to_vec())],
    );
    let s = setup(&registry);
    let err = s.install("nova-tools", false).expect_err("invalid");
    assert!(matches!(err, Error::Archive { .. }), "{err:?}");
    assert_eq!(
        s.home.read_receipt(&name("nova-tools")).expect("read"),
        None
    );
    assert!(!s.home.assets_dir().exists());
    assert!(!s.home.bin_dir().exists());
}

#[test]
fn yanked_versions_install_only_when_pinned() {
    let registry = Registry::start();
    registry.publish(
        "nova-tools",
        vec![
            Published::honest("1.0.0", archive("nova-tools", "1.0.0", &["evac"])),
            Published {
                yanked: true,
                ..Published::honest("1.1.0", archive("nova-tools", "1.1.0", &["evac"]))
            },
        ],
    );
    let s = setup(&registry);
    assert!(
        matches!(s.install("nova-tools", false), Ok(Outcome::Installed { ref version, .. }) if *version == v("1.0.0"))
    );
    assert!(matches!(
        s.install("nova-tools@~1.1", false),
        Err(Error::Solve(crate::solve::Error::Conflict { .. }))
    ));
    assert!(
        matches!(s.install("nova-tools@1.1.0", false), Ok(Outcome::Installed { ref version, .. }) if *version == v("1.1.0"))
    );
}

#[test]
fn an_asset_from_another_registry_is_not_replaced() {
    let first = Registry::start();
    let second = Registry::start();
    first.publish(
        "nova-tools",
        vec![Published::honest(
            "1.0.0",
            archive("nova-tools", "1.0.0", &["evac"]),
        )],
    );
    second.publish(
        "nova-tools",
        vec![Published::honest(
            "1.0.0",
            archive("nova-tools", "1.0.0", &["evac", "x"]),
        )],
    );
    let s = setup(&first);
    s.install("nova-tools", false).expect("first");
    let other = Setup {
        home: s.home.clone(),
        cache: s.cache.clone(),
        ..setup(&second)
    };
    assert!(matches!(
        other.install("nova-tools", false),
        Err(Error::OtherRegistry { .. })
    ));
    assert_eq!(second.server.count(&download("nova-tools", "1.0.0")), 0);
    assert_ne!(
        s.cache.registry(&first.server.url).dir(),
        s.cache.registry(&second.server.url).dir()
    );
}

#[test]
fn unknown_assets_say_so() {
    let registry = Registry::start();
    let s = setup(&registry);
    let err = s.install("Nova_Tools", false).expect_err("unknown");
    assert_eq!(
        err.to_string(),
        format!("no asset named `nova-tools` in {}", registry.server.url)
    );
}

#[test]
fn uninstall_removes_links_receipt_and_directory() {
    let registry = Registry::start();
    registry.publish(
        "nova-tools",
        vec![Published::honest(
            "1.0.0",
            archive("nova-tools", "1.0.0", &["evac", "drain"]),
        )],
    );
    let s = setup(&registry);
    s.install("nova-tools", false).expect("install");
    assert_eq!(
        s.uninstall("nova-tools").expect("uninstall"),
        Some(v("1.0.0"))
    );
    assert_eq!(s.tree(&s.home.bin_dir()), Vec::<String>::new());
    assert_eq!(s.tree(&s.home.assets_dir()), Vec::<String>::new());
    assert_eq!(
        s.home.read_receipt(&name("nova-tools")).expect("read"),
        None
    );
    assert!(matches!(
        s.uninstall("nova-tools"),
        Err(Error::NotInstalled(_))
    ));
}

#[test]
fn force_reinstalls_the_same_version_from_scratch() {
    let registry = Registry::start();
    registry.publish(
        "nova-tools",
        vec![Published::honest(
            "1.0.0",
            archive("nova-tools", "1.0.0", &["evac"]),
        )],
    );
    let s = setup(&registry);
    s.install("nova-tools", false).expect("install");
    let script = s
        .home
        .version_dir(&name("nova-tools"), &v("1.0.0"))
        .join("bin/evac.sh");
    std::fs::write(&script, "#!/bin/sh\necho edited by hand\n").expect("edit");

    assert!(matches!(
        s.install("nova-tools", true),
        Ok(Outcome::Installed { .. })
    ));
    assert_eq!(
        std::fs::read_to_string(&script).expect("read"),
        "#!/bin/sh\necho nova-tools 1.0.0\n"
    );
    assert!(
        s.home
            .read_receipt(&name("nova-tools"))
            .expect("read")
            .is_some()
    );
    assert_eq!(s.tree(&s.home.bin_dir()), ["evac"]);
}
