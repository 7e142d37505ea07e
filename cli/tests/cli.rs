//! The `osops` binary's offline commands, driven as an operator would: exit codes, stdout (data)
//! and stderr (talk) checked. Commands that need a registry are covered end to end in `tests/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("osops-home")
    }

    fn work(&self) -> PathBuf {
        let work = self.dir.path().join("work");
        std::fs::create_dir_all(&work).expect("work dir");
        work
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_osops"));
        cmd.args(args)
            .current_dir(self.work())
            .env("OSOPS_HOME", self.home())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("NO_COLOR", "1")
            .env_remove("OSOPS_TOKEN")
            .env_remove("OSOPS_OIDC_TOKEN")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
            .env_remove("OSOPS_REGISTRY")
            .env_remove("OSOPS_HTTP_TIMEOUT")
            .env_remove("OSOPS_HTTP_RETRIES");
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        Run(self.cmd(args).output().expect("run osops"))
    }
}

struct Run(Output);

impl Run {
    fn code(&self) -> i32 {
        self.0.status.code().expect("exit code")
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    #[track_caller]
    fn success(self) -> Run {
        assert_eq!(
            self.code(),
            0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    #[track_caller]
    fn failure(self) -> Run {
        self.exits(1)
    }
    #[track_caller]
    fn exits(self, code: i32) -> Run {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

fn sha256_file(path: &Path) -> String {
    osops_index::sha256_hex(&std::fs::read(path).expect("read archive"))
}

#[test]
fn every_command_has_help_with_an_example() {
    let env = Env::new();
    let commands: &[&[&str]] = &[
        &["new"],
        &["init"],
        &["package"],
        &["publish"],
        &["search"],
        &["info"],
        &["install"],
        &["list"],
        &["uninstall"],
        &["run"],
        &["yank"],
        &["owner"],
        &["owner", "list"],
        &["owner", "add"],
        &["owner", "remove"],
        &["login"],
        &["logout"],
        &["token"],
        &["token", "create"],
        &["token", "list"],
        &["token", "revoke"],
        &["trusted-publisher"],
        &["trusted-publisher", "add"],
        &["trusted-publisher", "list"],
        &["trusted-publisher", "remove"],
        &["need"],
        &["need", "list"],
        &["need", "show"],
        &["need", "new"],
        &["need", "vote"],
        &["need", "import"],
        &["completions"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let run = env.run(&args).success();
        assert!(
            run.stdout().contains("Examples:\n  osops"),
            "`osops {} --help`:\n{}",
            command.join(" "),
            run.stdout()
        );
    }
    assert!(
        env.run(&["--help"])
            .success()
            .stdout()
            .contains("Examples:")
    );
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    assert_eq!(env.run(&["uninstall"]).code(), 2);
    assert_eq!(env.run(&["new", "x-y", "--kind", "banana"]).code(), 2);
    assert_eq!(env.run(&["search", "--per-page", "101"]).code(), 2);
    assert_eq!(
        env.run(&["need", "list", "--unanswered", "--sort", "recent"])
            .code(),
        2
    );
    assert_eq!(env.run(&["need", "list", "--status", "closed"]).code(), 2);
    assert_eq!(
        env.run(&["need", "new", "x-y", "--from", "f.toml", "--title", "t"])
            .code(),
        2
    );
    assert_eq!(env.run(&["need", "import"]).code(), 2);
    assert_eq!(env.run(&["yank"]).code(), 2);
    assert_eq!(
        env.run(&["yank", "a-b@1.0.0", "--undo", "--reason", "x"])
            .code(),
        2
    );
    assert_eq!(env.run(&["token", "create", "ci"]).code(), 2, "a scope");
    assert_eq!(
        env.run(&["token", "create", "ci", "--scope", "admin"])
            .code(),
        2
    );
    assert_eq!(env.run(&["token", "revoke", "seven"]).code(), 2);
    assert_eq!(env.run(&["owner", "add", "a-b"]).code(), 2);
    assert_eq!(env.run(&["owner", "add", "a-b", "team:"]).code(), 2);
    assert_eq!(
        env.run(&["trusted-publisher", "add", "a-b", "--issuer", "https://x"])
            .code(),
        2,
        "a claim"
    );
    assert_eq!(
        env.run(&[
            "trusted-publisher",
            "add",
            "a-b",
            "--issuer",
            "https://x",
            "--claim",
            "repository"
        ])
        .code(),
        2
    );
    assert_eq!(env.run(&["publish", "--audience", "x"]).code(), 2);
}

#[test]
fn new_then_package_writes_a_reproducible_archive_beside_the_operator() {
    let env = Env::new();
    let run = env
        .run(&["new", "Nova_Evacuate", "--kind", "script"])
        .success();
    assert_eq!(run.stdout(), "", "talk goes to stderr");
    assert!(
        run.stderr()
            .contains("note: using the canonical name `nova-evacuate` for `Nova_Evacuate`"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("     Created script `nova-evacuate` in `nova-evacuate`"),
        "{}",
        run.stderr()
    );
    let asset = env.work().join("nova-evacuate");
    let stub = std::fs::read_to_string(asset.join("bin/nova-evacuate")).expect("stub");
    assert!(stub.contains("set -euo pipefail") && stub.contains("--help"));

    let run = env.run(&["package", "nova-evacuate"]).success();
    assert_eq!(run.stdout(), "nova-evacuate-0.1.0.osops\n");
    let archive = env.work().join("nova-evacuate-0.1.0.osops");
    let sha = sha256_file(&archive);
    let expected = "    Packaged nova-evacuate v0.1.0 (3 files, ";
    assert!(run.stderr().starts_with(expected), "{}", run.stderr());
    assert!(
        run.stderr().trim_end().ends_with(&format!("sha256 {sha})")),
        "{}",
        run.stderr()
    );

    let run = env
        .run(&["package", "nova-evacuate", "--out", "dist"])
        .success();
    assert_eq!(run.stdout(), "dist/nova-evacuate-0.1.0.osops\n");
    assert_eq!(
        sha256_file(&env.work().join("dist/nova-evacuate-0.1.0.osops")),
        sha,
        "same sources, same bytes"
    );

    let run = env.run(&["package", "nova-evacuate", "--list"]).success();
    assert_eq!(run.stdout(), "README.md\nbin/nova-evacuate\nosops.toml\n");
}

#[test]
fn every_kind_scaffolds_an_asset_that_packages() {
    let env = Env::new();
    for kind in [
        "script", "playbook", "role", "tool", "check", "template", "config",
    ] {
        let name = format!("my-{kind}");
        env.run(&["new", &name, "--kind", kind]).success();
        let run = env.run(&["package", &name, "--out", "out"]).success();
        assert_eq!(run.stdout(), format!("out/{name}-0.1.0.osops\n"));
    }
}

#[test]
fn init_names_the_asset_after_its_directory_and_never_overwrites() {
    let env = Env::new();
    let dir = env.work().join("Galera_Health");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("README.md"), "# mine\n").expect("readme");
    let run = env
        .run(&["init", "Galera_Health", "--kind", "check"])
        .success();
    assert!(
        run.stderr().contains("Created check `galera-health`"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("note: kept the existing `README.md`"),
        "{}",
        run.stderr()
    );
    let manifest = std::fs::read_to_string(dir.join("osops.toml")).expect("manifest");
    assert!(manifest.contains("name = \"galera-health\"") && manifest.contains("# [requires]"));
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).expect("readme"),
        "# mine\n"
    );

    let run = env.run(&["init", "Galera_Health"]).failure();
    assert!(
        run.stderr().starts_with(
            "error: `Galera_Health/osops.toml` already exists; refusing to overwrite it\n"
        ),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("hint: edit it, or remove it to start over")
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("osops.toml")).expect("manifest"),
        manifest
    );

    env.run(&["package", "Galera_Health", "--out", "out"])
        .success();
}

#[test]
fn new_refuses_an_existing_directory() {
    let env = Env::new();
    std::fs::create_dir_all(env.work().join("taken")).expect("dir");
    let run = env.run(&["new", "taken", "--kind", "tool"]).failure();
    assert_eq!(
        run.stderr(),
        "error: destination `taken` already exists\nhint: use `osops init taken` to make an asset of an existing directory\n"
    );
}

#[test]
fn a_typo_in_the_manifest_names_the_field_and_suggests_the_key() {
    let env = Env::new();
    env.run(&["new", "typo-asset", "--kind", "script"])
        .success();
    let manifest = env.work().join("typo-asset/osops.toml");
    let text = std::fs::read_to_string(&manifest)
        .expect("read")
        .replace("\nversion = ", "\nverison = ");
    std::fs::write(&manifest, text).expect("write");
    // An invalid asset exits 3, whichever command finds it.
    let run = env.run(&["package", "typo-asset"]).exits(3);
    let stderr = run.stderr();
    assert!(
        stderr.starts_with("error: invalid manifest `typo-asset/osops.toml`\n  Caused by: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("asset.verison") && stderr.contains("did you mean"),
        "{stderr}"
    );
    assert_eq!(run.stdout(), "");
    assert!(!env.work().join("typo-asset-0.1.0.osops").exists());
}

#[test]
fn package_without_a_manifest_says_how_to_make_one() {
    let env = Env::new();
    let run = env.run(&["package"]).exits(3);
    assert_eq!(
        run.stderr(),
        "error: no `osops.toml` in `.`\n\
         hint: create one with `osops init` here, or start a new asset with `osops new NAME --kind KIND`\n"
    );
}

#[test]
fn publish_without_a_token_says_how_to_get_one() {
    let env = Env::new();
    env.run(&["new", "pub-asset", "--kind", "script"]).success();
    let run = env
        .run(&["publish", "pub-asset", "--registry", "http://127.0.0.1:1"])
        .exits(4);
    assert_eq!(
        run.stderr(),
        "error: publishing needs an API token\n\
         hint: set OSOPS_TOKEN, pass --token, or save one with `osops login`; create one with `osops token create` or, as an administrator, `osops-registry token create --user NAME`\n"
    );
    // A dry run without a token needs no registry: only the local checks run.
    let run = env.run(&["publish", "pub-asset", "--dry-run"]).success();
    assert!(
        run.stderr().contains("Packaged pub-asset v0.1.0"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("note: dry run: nothing was uploaded"),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_unreachable_registry_fails_with_a_hint() {
    let env = Env::new();
    let run = env
        .run(&[
            "search",
            "x",
            "--registry",
            "http://127.0.0.1:1",
            "--http-retries",
            "0",
        ])
        .failure();
    assert!(
        run.stderr()
            .starts_with("error: cannot connect to `http://127.0.0.1:1/api/v1/assets?q=x`\n"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("hint: check `--registry` (or OSOPS_REGISTRY)"),
        "{}",
        run.stderr()
    );
    let run = env
        .run(&["search", "x", "--registry", "ftp://example.org"])
        .failure();
    assert!(run.stderr().starts_with(
        "error: registry URL `ftp://example.org` is not an http://, https:// or file:/// URL"
    ));
}

/// Lays out an installed asset by hand, as `osops install` would leave it.
fn fake_install(env: &Env, name: &str, bins: &[(&str, &str)]) {
    let dir = env.home().join("assets").join(name).join("1.0.0");
    std::fs::create_dir_all(dir.join("bin")).expect("asset dir");
    let mut receipt_bins = serde_json::Map::new();
    for (cmd, script) in bins {
        let path = dir.join("bin").join(format!("{cmd}.sh"));
        std::fs::write(&path, script).expect("script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        receipt_bins.insert((*cmd).to_owned(), format!("bin/{cmd}.sh").into());
    }
    let receipt = serde_json::json!({
        "name": name, "version": "1.0.0", "cksum": "0".repeat(64), "registry": "http://127.0.0.1:8080",
        "installed_at": "2026-01-01T00:00:00Z", "bins": receipt_bins,
    });
    std::fs::create_dir_all(env.home().join("receipts")).expect("receipts");
    std::fs::write(
        env.home().join("receipts").join(format!("{name}.json")),
        receipt.to_string(),
    )
    .expect("receipt");
}

#[test]
fn install_without_names_outside_a_project_says_what_to_do() {
    let env = Env::new();
    let run = env.run(&["install"]).failure();
    assert!(
        run.stderr().contains("no osops.toml in"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("name the assets to install"),
        "the hint: {}",
        run.stderr()
    );
    assert!(
        !env.work().join("osops.lock").exists(),
        "nothing is written"
    );
}

#[test]
fn list_prints_installed_assets_sorted() {
    let env = Env::new();
    assert_eq!(env.run(&["list", "--json"]).success().stdout(), "[]\n");
    assert_eq!(env.run(&["list"]).success().stdout(), "");
    fake_install(&env, "zeta-check", &[]);
    fake_install(&env, "alpha-tool", &[]);
    assert_eq!(
        env.run(&["list"]).success().stdout(),
        "alpha-tool 1.0.0\nzeta-check 1.0.0\n"
    );
    assert_eq!(
        env.run(&["list", "--json"]).success().stdout(),
        "[{\"name\":\"alpha-tool\",\"version\":\"1.0.0\",\"dependency\":false},\
         {\"name\":\"zeta-check\",\"version\":\"1.0.0\",\"dependency\":false}]\n"
    );
}

#[cfg(unix)]
#[test]
fn run_passes_arguments_and_propagates_the_exit_code() {
    let env = Env::new();
    fake_install(
        &env,
        "exit-tool",
        &[("exit-tool", "#!/bin/sh\necho \"args: $*\"\nexit 7\n")],
    );
    let run = env.run(&["run", "exit-tool", "--", "--host", "compute-07"]);
    assert_eq!(run.code(), 7, "{}", run.stderr());
    assert_eq!(run.stdout(), "args: --host compute-07\n");
}

#[cfg(unix)]
#[test]
fn run_needs_bin_when_an_asset_has_several() {
    let env = Env::new();
    fake_install(
        &env,
        "multi-tool",
        &[
            ("one", "#!/bin/sh\necho one\n"),
            ("two", "#!/bin/sh\necho two\n"),
        ],
    );
    let run = env.run(&["run", "multi-tool"]).failure();
    assert_eq!(
        run.stderr(),
        "error: multi-tool has several commands (one, two); say which one to run\n\
         hint: pass `--bin`, e.g. `osops run multi-tool --bin one`\n"
    );
    assert_eq!(
        env.run(&["run", "multi-tool", "--bin", "two", "-q"])
            .success()
            .stdout(),
        "two\n"
    );
}

#[test]
fn run_and_uninstall_of_a_missing_asset_say_so() {
    let env = Env::new();
    let run = env.run(&["run", "nope-tool"]).failure();
    assert_eq!(
        run.stderr(),
        "error: `nope-tool` is not installed\nhint: install it with `osops install nope-tool`\n"
    );
    let run = env.run(&["uninstall", "nope-tool"]).failure();
    assert_eq!(
        run.stderr(),
        "error: `nope-tool` is not installed\nhint: see what is installed with `osops list`\n"
    );
}

#[test]
fn uninstall_removes_an_installed_asset() {
    let env = Env::new();
    fake_install(&env, "gone-tool", &[("gone-tool", "#!/bin/sh\n")]);
    let run = env.run(&["uninstall", "gone-tool"]).success();
    assert_eq!(run.stderr(), "     Removed gone-tool v1.0.0\n");
    assert!(!env.home().join("assets/gone-tool").exists());
    assert!(!env.home().join("receipts/gone-tool.json").exists());
}

#[test]
fn completions_for_each_shell() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.run(&["completions", shell]).success().stdout();
        assert!(out.contains("osops") && out.contains("install"), "{shell}");
    }
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let env = Env::new();
    let mut child = env
        .cmd(&["completions", "zsh"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn quiet_silences_talk_but_not_data() {
    let env = Env::new();
    env.run(&["new", "quiet-asset", "--kind", "script", "-q"])
        .success();
    let run = env.run(&["package", "quiet-asset", "-q"]).success();
    assert_eq!(run.stdout(), "quiet-asset-0.1.0.osops\n");
    assert_eq!(run.stderr(), "");
}

/// A registry nothing listens on: a command that reaches the network fails with "cannot connect".
const NO_REGISTRY: &str = "http://127.0.0.1:1";

#[test]
fn yank_without_a_version_says_how_to_name_one() {
    let env = Env::new();
    for spec in ["hello-drain", "hello-drain@"] {
        let run = env
            .run(&["yank", spec, "--registry", NO_REGISTRY])
            .failure();
        assert_eq!(
            run.stderr(),
            "error: name the version to yank: `osops yank NAME@1.2.0`\n\
             hint: see the versions of `hello-drain` with `osops info hello-drain`\n"
        );
    }
    let run = env
        .run(&[
            "yank",
            "hello-drain@^1",
            "--undo",
            "--registry",
            NO_REGISTRY,
        ])
        .failure();
    assert!(
        run.stderr()
            .starts_with("error: `^1` is not a version; yank names one exact version\n"),
        "{}",
        run.stderr()
    );
    // A well-formed spec goes to the registry, and needs a token first.
    let run = env
        .run(&["yank", "hello-drain@1.0.0", "--registry", NO_REGISTRY])
        .exits(4);
    assert!(
        run.stderr()
            .starts_with("error: yanking needs an API token\n"),
        "{}",
        run.stderr()
    );
}

#[test]
fn need_new_without_a_terminal_names_the_missing_flag_and_never_prompts() {
    let env = Env::new();
    // stdin is not a terminal here (the test harness gives the child none), so nothing may be
    // asked: the command must fail at once, before the network, naming the flag.
    let run = env
        .run(&[
            "need",
            "new",
            "drain-compute-host",
            "--problem",
            "By hand at 3 a.m.",
            "--registry",
            NO_REGISTRY,
        ])
        .failure();
    assert_eq!(
        run.stderr(),
        "error: missing `--title`: the need's one-line title\n\
         hint: pass `--title TEXT`, or describe the need in a TOML file and pass `--from FILE`\n"
    );
    assert_eq!(run.stdout(), "");
    let run = env
        .run(&[
            "need",
            "new",
            "drain-compute-host",
            "--title",
            "Empty a host",
            "--registry",
            NO_REGISTRY,
        ])
        .failure();
    assert!(
        run.stderr()
            .starts_with("error: missing `--problem`: the problem statement\n"),
        "{}",
        run.stderr()
    );
    let run = env
        .run(&["need", "new", "--title", "t", "--problem", "p"])
        .failure();
    assert!(
        run.stderr()
            .starts_with("error: missing `ID`: the need's id\n"),
        "{}",
        run.stderr()
    );
}

#[test]
fn need_new_refuses_an_unknown_service_before_the_network() {
    let env = Env::new();
    let run = env
        .cmd(&[
            "need",
            "new",
            "drain-compute-host",
            "--title",
            "Empty a compute host",
            "--problem",
            "By hand at 3 a.m.",
            "--service",
            "neutorn",
            "--registry",
            NO_REGISTRY,
        ])
        .env("OSOPS_TOKEN", "osops_test")
        .output()
        .expect("run osops");
    let run = Run(run).failure();
    let stderr = run.stderr();
    assert!(
        stderr.starts_with("error: invalid need `drain-compute-host`: `services[0]`: "),
        "{stderr}"
    );
    assert!(stderr.contains("`neutorn`"), "{stderr}");
    assert!(
        stderr.contains("\nhint: ") && stderr.contains("neutron"),
        "{stderr}"
    );
    assert!(!stderr.contains("cannot connect"), "{stderr}");
}

#[test]
fn need_new_checks_the_record_before_asking_for_a_token() {
    let env = Env::new();
    let run = env
        .run(&[
            "need",
            "new",
            "drain-compute-host",
            "--title",
            "Empty a compute host",
            "--problem",
            "By hand at 3 a.m.",
            "--service",
            "nova",
            "--registry",
            NO_REGISTRY,
        ])
        .exits(4);
    assert_eq!(
        run.stderr(),
        "error: writing to the registry needs an API token\n\
         hint: set OSOPS_TOKEN, pass --token, or save one with `osops login`; create one with `osops token create` or, as an administrator, `osops-registry token create --user NAME`\n"
    );
}

#[test]
fn need_new_from_a_file_with_several_needs_points_at_import() {
    let env = Env::new();
    std::fs::write(
        env.work().join("two.toml"),
        "[[need]]\nid = \"need-one\"\ntitle = \"One\"\nproblem = \"First.\"\n\n\
         [[need]]\nid = \"need-two\"\ntitle = \"Two\"\nproblem = \"Second.\"\n",
    )
    .expect("write");
    let run = env
        .run(&[
            "need",
            "new",
            "--from",
            "two.toml",
            "--registry",
            NO_REGISTRY,
        ])
        .failure();
    assert_eq!(
        run.stderr(),
        "error: `two.toml` holds 2 needs; `--from` takes a file with one\n\
         hint: import them all with `osops need import two.toml`\n"
    );
}

const GOOD_NEED: &str = r#"
id = "rotate-fernet-keys"
title = "Rotate Fernet keys on every controller"
problem = "Keys must rotate in step on every controller, or tokens fail at random."
services = ["keystone"]
"#;

/// A directory with a good need file, a need file with an unknown service, and a TOML file that
/// is not a need at all (an asset manifest), plus a file the walk must not pick up.
fn import_dir(env: &Env) -> PathBuf {
    let dir = env.work().join("needs");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("a-good.toml"), GOOD_NEED).expect("good");
    std::fs::write(
        dir.join("b-bad.toml"),
        GOOD_NEED
            .replace("rotate-fernet-keys", "bad-service")
            .replace("keystone", "keystoen"),
    )
    .expect("bad");
    std::fs::write(
        dir.join("c-manifest.toml"),
        "[asset]\nname = \"x-y\"\nversion = \"1.0.0\"\nkind = \"script\"\n",
    )
    .expect("manifest");
    std::fs::write(dir.join("notes.txt"), "not walked").expect("notes");
    dir
}

#[test]
fn need_import_dry_run_reports_each_file_and_goes_on_after_a_bad_one() {
    let env = Env::new();
    import_dir(&env);
    // No token and no registry: a dry run sends nothing.
    let run = env
        .run(&[
            "need",
            "import",
            "needs",
            "--dry-run",
            "--registry",
            NO_REGISTRY,
        ])
        .success();
    let stderr = run.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0], "      Parsed needs/a-good.toml: rotate-fernet-keys",
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("warning: skipped needs/b-bad.toml: ")
            && lines[1].contains("keystoen"),
        "{stderr}"
    );
    assert!(
        lines[2].starts_with("warning: skipped needs/c-manifest.toml: "),
        "{stderr}"
    );
    assert_eq!(
        &lines[3..],
        [
            "      Parsed 1 need from 1 file (2 skipped)",
            "note: dry run: nothing was sent to the registry",
        ],
        "{stderr}"
    );
    assert!(!stderr.contains("notes.txt"), "{stderr}");
    assert_eq!(run.stdout(), "");

    let run = env
        .run(&["need", "import", "needs", "--dry-run", "--json", "-q"])
        .success();
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).expect("json report");
    let files = report.as_array().expect("array");
    assert_eq!(files.len(), 3, "{report}");
    assert_eq!(
        files[0],
        serde_json::json!({"file": "needs/a-good.toml", "imported": ["rotate-fernet-keys"],
                           "notes": files[0]["notes"], "error": null})
    );
    assert!(files[0]["notes"].is_array());
    for bad in &files[1..] {
        assert_eq!(bad["imported"], serde_json::json!([]), "{bad}");
        assert!(bad["error"].is_string(), "{bad}");
    }
    assert_eq!(files[1]["file"], "needs/b-bad.toml");
    assert_eq!(files[2]["file"], "needs/c-manifest.toml");
}

#[test]
fn need_import_fails_only_when_nothing_could_be_imported() {
    let env = Env::new();
    let dir = import_dir(&env);
    std::fs::remove_file(dir.join("a-good.toml")).expect("rm");
    let run = env
        .run(&["need", "import", "needs", "needs/missing.toml", "--dry-run"])
        .failure();
    let stderr = run.stderr();
    assert!(
        stderr.contains("warning: skipped needs/missing.toml: cannot read it: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("      Parsed 0 needs from 0 files (3 skipped)\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: no needs were imported: 3 files failed\n"),
        "{stderr}"
    );
    // An empty directory is not a failure: there was nothing to import.
    std::fs::create_dir_all(env.work().join("empty")).expect("dir");
    let run = env.run(&["need", "import", "empty", "--dry-run"]).success();
    assert!(
        run.stderr()
            .starts_with("warning: no *.toml or *.rst files in `empty`\n"),
        "{}",
        run.stderr()
    );
}

#[test]
fn need_import_needs_a_token_unless_it_is_a_dry_run() {
    let env = Env::new();
    import_dir(&env);
    let run = env
        .run(&["need", "import", "needs", "--registry", NO_REGISTRY])
        .exits(4);
    assert_eq!(
        run.stderr(),
        "error: importing needs an API token\n\
         hint: set OSOPS_TOKEN, pass --token, or save one with `osops login`; create one with `osops token create` or, as an administrator, `osops-registry token create --user NAME`\n"
    );
}

#[test]
fn need_ids_are_checked_before_the_network() {
    let env = Env::new();
    for command in ["show", "vote"] {
        let run = env
            .run(&["need", command, "drain host!", "--registry", NO_REGISTRY])
            .failure();
        assert!(
            run.stderr()
                .starts_with("error: name `drain host!` contains ` `"),
            "{command}: {}",
            run.stderr()
        );
    }
}
