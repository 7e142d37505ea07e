//! Accounts, tokens and publishing from CI through the real `osops` binary: `login`/`logout` and
//! the config file, token precedence, exit codes, dry runs, and trusted publishing. Nothing leaves
//! the machine: registry answers come from the crate's canned test server on 127.0.0.1.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

#[allow(dead_code)]
#[path = "../src/test_server.rs"]
mod test_server;

use test_server::{Reply, TestServer};

/// A registry nothing listens on.
const NO_REGISTRY: &str = "http://127.0.0.1:1";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        std::fs::create_dir_all(env.work()).expect("work dir");
        env
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("config/osops/config.toml")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_osops"));
        cmd.args(args)
            .current_dir(self.work())
            .env("OSOPS_HOME", self.dir.path().join("osops-home"))
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("NO_COLOR", "1")
            .env("OSOPS_HTTP_RETRIES", "0")
            .stdin(Stdio::null());
        for var in [
            "OSOPS_TOKEN",
            "OSOPS_REGISTRY",
            "OSOPS_HTTP_TIMEOUT",
            "OSOPS_OIDC_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        Run(self.cmd(args).output().expect("run osops"))
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.cmd(args);
        cmd.envs(env.iter().copied());
        Run(cmd.output().expect("run osops"))
    }

    /// Runs with `input` on stdin.
    fn run_stdin(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn osops");
        let written = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes());
        // A command that fails before reading its input (`login --token`) may be gone already.
        if let Err(e) = written
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            panic!("write stdin: {e}");
        }
        Run(child.wait_with_output().expect("wait"))
    }

    /// A fresh asset, `hello-ops` 0.1.0, in the work directory.
    fn asset(&self) -> &'static str {
        self.run(&["new", "hello-ops", "--kind", "script"]).exits(0);
        "hello-ops"
    }
}

struct Run(Output);

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    #[track_caller]
    fn exits(self, code: i32) -> Run {
        assert_eq!(
            self.0.status.code(),
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// A well-formed token: `osops_`, 32 × `fill`, and the right checksum.
fn valid_token(fill: char) -> String {
    let random: String = std::iter::repeat_n(fill, 32).collect();
    format!("osops_{random}{}", osops::token::checksum(&random))
}

fn with_header(reply: Reply, key: &str, value: &str) -> Reply {
    match reply {
        Reply::Http {
            status,
            mut headers,
            body,
        } => {
            headers.push((key.into(), value.into()));
            Reply::Http {
                status,
                headers,
                body,
            }
        }
        other => other,
    }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

// --- login and logout ---

#[test]
fn login_reads_stdin_writes_a_private_config_and_logout_removes_the_token() {
    let env = Env::new();
    let token = valid_token('a');
    let registry = "https://osops.example.org";
    let run = env
        .run_stdin(&["login", "--registry", registry], &format!("{token}\n"))
        .exits(0);
    assert_eq!(run.stdout(), "", "nothing on stdout, and never the token");
    let config = env.config_path();
    assert_eq!(
        run.stderr(),
        format!(
            "       Saved token for {registry} in `{}`\n",
            config.display()
        )
    );
    let text = std::fs::read_to_string(&config).expect("config written");
    assert_eq!(
        text,
        format!("[registries.\"{registry}\"]\ntoken = \"{token}\"\n")
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&config), 0o600);
        assert_eq!(mode(config.parent().expect("dir")), 0o700);
    }

    let run = env.run(&["logout", "--registry", registry]).exits(0);
    assert!(
        run.stderr().starts_with(&format!(
            "     Removed the token for {registry} from `{}`\n",
            config.display()
        )),
        "{}",
        run.stderr()
    );
    assert!(
        !std::fs::read_to_string(&config)
            .expect("config")
            .contains("osops_")
    );
    let run = env.run(&["logout", "--registry", registry]).exits(0);
    assert!(
        run.stderr().contains("note: no token saved for"),
        "{}",
        run.stderr()
    );
}

#[test]
fn login_refuses_a_malformed_token_locally_and_writes_nothing() {
    let env = Env::new();
    let good = valid_token('b');
    let typo = good.replacen('b', "c", 1);
    let cases = [
        (typo.as_str(), "error: the token's checksum does not match"),
        (
            &good[..good.len() - 1],
            "error: the token is 43 characters long; osops tokens are 44",
        ),
        ("ghp_0123456789", "error: this is not an osops token"),
        ("", "error: the token is empty"),
    ];
    for (input, expected) in cases {
        let run = env
            .run_stdin(&["login", "--registry", NO_REGISTRY], &format!("{input}\n"))
            .exits(4);
        assert!(run.stderr().starts_with(expected), "{}", run.stderr());
        assert!(run.stderr().contains("hint: copy the whole token"));
        if !input.is_empty() {
            assert!(!run.stderr().contains(&input[6..]), "{}", run.stderr());
        }
        assert!(!env.config_path().exists(), "nothing written for {input:?}");
    }
    // The token is never taken from the command line, where `ps` shows it.
    let run = env
        .run_stdin(&["login", "--token", &good], &format!("{good}\n"))
        .exits(1);
    assert!(
        run.stderr()
            .starts_with("error: `osops login` reads the token from standard input"),
        "{}",
        run.stderr()
    );
}

// --- tokens ---

#[test]
fn token_create_without_a_token_exits_4_and_sends_nothing() {
    let env = Env::new();
    let server = TestServer::start();
    let run = env
        .run(&[
            "token",
            "create",
            "ci",
            "--scope",
            "publish-update",
            "--registry",
            &server.url,
        ])
        .exits(4);
    assert!(
        run.stderr()
            .starts_with("error: creating a token needs an API token\nhint: set OSOPS_TOKEN"),
        "{}",
        run.stderr()
    );
    assert!(server.requests().is_empty());
}

#[test]
fn token_create_prints_only_the_new_token_on_stdout() {
    let env = Env::new();
    let server = TestServer::start();
    let minted = valid_token('m');
    server.route(
        "POST /api/v1/tokens",
        vec![Reply::json(
            201,
            &serde_json::json!({"id": 7, "name": "ci-nova", "token": minted,
                "scopes": ["publish-update"], "patterns": ["nova-*"],
                "expires_at": "2027-02-21T10:00:00Z"}),
        )],
    );
    let parent = valid_token('p');
    let run = env
        .run_with(
            &[
                "token",
                "create",
                "ci-nova",
                "--scope",
                "publish-update",
                "--pattern",
                "nova-*",
                "--expires-in-days",
                "30",
                "--registry",
                &server.url,
            ],
            &[("OSOPS_TOKEN", &parent)],
        )
        .exits(0);
    assert_eq!(run.stdout(), format!("{minted}\n"));
    assert_eq!(
        run.stderr(),
        "     Created token `ci-nova` (id 7): scopes publish-update; assets nova-*; expires 2027-02-21T10:00:00Z\n\
         note: this is the only time the token is shown: store it now (a CI secret, or `osops login`)\n"
    );
    let seen = server.seen();
    assert_eq!(seen[0].authorization, Some(format!("Bearer {parent}")));
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).expect("json");
    assert_eq!(
        body,
        serde_json::json!({"name": "ci-nova", "scopes": ["publish-update"],
                           "patterns": ["nova-*"], "expires_in_days": 30})
    );
}

#[test]
fn the_flag_beats_osops_token_which_beats_the_saved_token() {
    let env = Env::new();
    let server = TestServer::start();
    server.route(
        "GET /api/v1/tokens",
        vec![Reply::json(200, &serde_json::json!({"tokens": []}))],
    );
    let (saved, from_env, flag) = (valid_token('s'), valid_token('e'), valid_token('f'));
    env.run_stdin(&["login", "--registry", &server.url], &saved)
        .exits(0);
    let list = ["token", "list", "--registry", &server.url, "--verbose"];

    let run = env.run(&list).exits(0);
    assert!(
        run.stderr().contains(&format!(
            "Using the token saved for {} in `{}`",
            server.url,
            env.config_path().display()
        )),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("note: you have no tokens"));
    env.run_with(&list, &[("OSOPS_TOKEN", &from_env)]).exits(0);
    let mut with_flag = list.to_vec();
    with_flag.extend(["--token", &flag]);
    let run = env
        .run_with(&with_flag, &[("OSOPS_TOKEN", &from_env)])
        .exits(0);
    assert!(run.stderr().contains("Using the token from --token"));

    let sent: Vec<Option<String>> = server.seen().into_iter().map(|s| s.authorization).collect();
    assert_eq!(
        sent,
        [
            Some(format!("Bearer {saved}")),
            Some(format!("Bearer {from_env}")),
            Some(format!("Bearer {flag}")),
        ]
    );
    // The saved token is for its registry only.
    let run = env
        .run(&["token", "list", "--registry", NO_REGISTRY])
        .exits(4);
    assert!(
        run.stderr()
            .starts_with("error: listing tokens needs an API token")
    );
}

// --- publish: exit codes, dry runs ---

#[test]
fn publish_exit_codes_follow_the_registry_answer() {
    let env = Env::new();
    let asset = env.asset();
    let token = valid_token('t');
    let cases = [
        (
            Reply::problem(
                400,
                "the manifest inside the archive is invalid: `asset.version`",
            ),
            3,
        ),
        (Reply::problem(401, "token expired on 2026-01-01"), 4),
        (
            Reply::problem(403, "`mallory` is not an owner of `hello-ops`"),
            4,
        ),
        (
            Reply::problem(
                409,
                "version `0.1.0` of `hello-ops` is already published with different contents",
            ),
            5,
        ),
        (
            with_header(
                Reply::problem(429, "too many new versions; retry in 3600s"),
                "Retry-After",
                "3600",
            ),
            6,
        ),
        (
            Reply::problem(500, "internal error; see the registry's log"),
            1,
        ),
    ];
    for (reply, code) in cases {
        let server = TestServer::start();
        server.route("PUT /api/v1/assets", vec![reply]);
        let run = env
            .run_with(
                &["publish", asset, "--registry", &server.url],
                &[("OSOPS_TOKEN", &token)],
            )
            .exits(code);
        assert!(
            run.stderr().contains("error: the registry answered"),
            "{}",
            run.stderr()
        );
        if code == 6 {
            assert!(
                run.stderr().contains(
                    "hint: the registry limits how often this may be done; retry after 3600s"
                ),
                "{}",
                run.stderr()
            );
        }
        assert_eq!(server.count("PUT /api/v1/assets"), 1);
    }

    // Published, and published again with identical contents: both 0.
    let server = TestServer::start();
    let answer = |new| serde_json::json!({"name": "hello-ops", "version": "0.1.0", "cksum": "ab", "new": new});
    server.route(
        "PUT /api/v1/assets",
        vec![
            Reply::json(201, &answer(true)),
            Reply::json(200, &answer(false)),
        ],
    );
    let publish = ["publish", asset, "--registry", &server.url];
    let run = env.run_with(&publish, &[("OSOPS_TOKEN", &token)]).exits(0);
    assert!(
        run.stderr()
            .contains("   Published hello-ops v0.1.0 (sha256 ab)")
    );
    let run = env.run_with(&publish, &[("OSOPS_TOKEN", &token)]).exits(0);
    assert!(
        run.stderr()
            .contains("hello-ops v0.1.0 is already published with identical contents")
    );
    // A broken manifest is refused locally with 3, before any request.
    std::fs::write(
        env.work().join(asset).join("osops.toml"),
        "[asset]\nname = 3\n",
    )
    .expect("break the manifest");
    env.run_with(&publish, &[("OSOPS_TOKEN", &token)]).exits(3);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_dry_run_with_a_token_asks_the_registry_and_without_one_stays_local() {
    let env = Env::new();
    let asset = env.asset();
    let server = TestServer::start();
    server.route(
        "PUT /api/v1/assets?dry_run=true",
        vec![Reply::json(
            200,
            &serde_json::json!({"name": "hello-ops", "version": "0.1.0", "cksum": "ab",
                                "new": true, "dry_run": true}),
        )],
    );
    let token = valid_token('d');
    let run = env
        .run_with(
            &["publish", asset, "--dry-run", "--registry", &server.url],
            &[("OSOPS_TOKEN", &token)],
        )
        .exits(0);
    assert!(
        run.stderr().contains(&format!(
            "     Checked hello-ops v0.1.0 with {}: ready to publish\n\
             note: dry run: the registry ran every check and stored nothing\n",
            server.url
        )),
        "{}",
        run.stderr()
    );
    assert_eq!(server.requests(), ["PUT /api/v1/assets?dry_run=true"]);

    // Refusals of a dry run exit as a publish's would.
    server.route(
        "PUT /api/v1/assets?dry_run=true",
        vec![Reply::problem(403, "`jane` is not an owner of `hello-ops`")],
    );
    env.run_with(
        &["publish", asset, "--dry-run", "--registry", &server.url],
        &[("OSOPS_TOKEN", &token)],
    )
    .exits(4);

    // A registry that ignores `dry_run` published it: say so, and fail.
    server.route(
        "PUT /api/v1/assets?dry_run=true",
        vec![Reply::json(
            201,
            &serde_json::json!({"name": "hello-ops", "version": "0.1.0", "cksum": "ab", "new": true}),
        )],
    );
    let run = env
        .run_with(
            &["publish", asset, "--dry-run", "--registry", &server.url],
            &[("OSOPS_TOKEN", &token)],
        )
        .exits(1);
    assert!(
        run.stderr()
            .contains("does not support dry runs and PUBLISHED")
    );

    // Without a token: local checks only, nothing sent, and a note that says so.
    let before = server.requests().len();
    let run = env
        .run(&[
            "publish",
            asset,
            "--dry-run",
            "--registry",
            &server.url,
            "--json",
        ])
        .exits(0);
    assert!(
        run.stderr().contains(
            "note: dry run: nothing was uploaded; without a token only the local checks ran"
        ),
        "{}",
        run.stderr()
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).expect("json");
    assert_eq!(json["registry_checked"], false);
    assert_eq!(json["name"], "hello-ops");
    assert_eq!(server.requests().len(), before);
}

// --- trusted publishing ---

fn exchange_reply(minted: &str) -> Reply {
    Reply::json(
        200,
        &serde_json::json!({"token": minted, "expires_at": "2026-11-23T15:51:06Z",
                            "assets": ["hello-ops"]}),
    )
}

fn published_reply() -> Reply {
    Reply::json(
        201,
        &serde_json::json!({"name": "hello-ops", "version": "0.1.0", "cksum": "ab", "new": true}),
    )
}

#[test]
fn trusted_publish_exchanges_osops_oidc_token_and_publishes_with_the_minted_token() {
    let env = Env::new();
    let asset = env.asset();
    let server = TestServer::start();
    let minted = valid_token('x');
    server.route(
        "POST /api/v1/trusted-publishing/exchange",
        vec![exchange_reply(&minted)],
    );
    server.route("PUT /api/v1/assets", vec![published_reply()]);
    let long_lived = valid_token('l');
    let run = env
        .run_with(
            &["publish", asset, "--trusted", "--registry", &server.url],
            &[
                ("OSOPS_OIDC_TOKEN", "gitlab.jwt.sig"),
                // Present, but --trusted does not use it.
                ("OSOPS_TOKEN", &long_lived),
            ],
        )
        .exits(0);
    let seen = server.seen();
    assert_eq!(
        seen.iter().map(|s| s.request.as_str()).collect::<Vec<_>>(),
        [
            "POST /api/v1/trusted-publishing/exchange",
            "PUT /api/v1/assets"
        ]
    );
    assert_eq!(seen[0].authorization, None);
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).expect("json");
    assert_eq!(body, serde_json::json!({"jwt": "gitlab.jwt.sig"}));
    assert_eq!(seen[1].authorization, Some(format!("Bearer {minted}")));
    assert!(
        run.stderr().contains(
            "   Exchanged the identity token from OSOPS_OIDC_TOKEN for a publish token (hello-ops; expires 2026-11-23T15:51:06Z)"
        ),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("Published hello-ops v0.1.0"));
    for text in [run.stdout(), run.stderr()] {
        assert!(!text.contains(&minted) && !text.contains("gitlab.jwt.sig"));
    }
    assert!(
        !env.config_path().exists(),
        "the minted token is never saved"
    );
}

#[test]
fn trusted_publish_in_github_actions_requests_the_identity_token_for_the_audience() {
    let env = Env::new();
    let asset = env.asset();
    let server = TestServer::start();
    let minted = valid_token('g');
    server.route(
        "GET /_apis/idtoken?api-version=2.0&audience=osops.example.org",
        vec![Reply::json(
            200,
            &serde_json::json!({"count": 1, "value": "gh.jwt.sig"}),
        )],
    );
    server.route(
        "POST /api/v1/trusted-publishing/exchange",
        vec![exchange_reply(&minted)],
    );
    server.route("PUT /api/v1/assets", vec![published_reply()]);
    let request_url = format!("{}/_apis/idtoken?api-version=2.0", server.url);
    env.run_with(
        &[
            "publish",
            asset,
            "--trusted",
            "--audience",
            "osops.example.org",
            "--registry",
            &server.url,
        ],
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &request_url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token"),
        ],
    )
    .exits(0);
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "{seen:#?}");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer gh-request-token")
    );
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).expect("json");
    assert_eq!(body, serde_json::json!({"jwt": "gh.jwt.sig"}));
    assert_eq!(seen[2].authorization, Some(format!("Bearer {minted}")));
}

#[test]
fn trusted_publish_without_an_identity_token_exits_4_before_packaging() {
    let env = Env::new();
    let asset = env.asset();
    let server = TestServer::start();
    let run = env
        .run(&["publish", asset, "--trusted", "--registry", &server.url])
        .exits(4);
    assert!(
        run.stderr().starts_with(
            "error: --trusted needs an OIDC identity token, and none was found in the environment\nhint: "
        ),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("Packaged"));
    assert!(server.requests().is_empty());

    // A refused exchange is an authentication failure too, and nothing is uploaded.
    server.route(
        "POST /api/v1/trusted-publishing/exchange",
        vec![Reply::problem(401, "identity token expired")],
    );
    let run = env
        .run_with(
            &["publish", asset, "--trusted", "--registry", &server.url],
            &[("OSOPS_OIDC_TOKEN", "old.jwt.sig")],
        )
        .exits(4);
    assert!(
        run.stderr()
            .contains("Caused by: the registry answered 401: identity token expired"),
        "{}",
        run.stderr()
    );
    assert_eq!(server.count("PUT /api/v1/assets"), 0);
}

// --- owners, yank reasons, help ---

#[test]
fn owners_are_listed_one_per_line_and_changed_with_the_token() {
    let env = Env::new();
    let server = TestServer::start();
    let owners = serde_json::json!({"owners": [{"kind": "user", "name": "jane"},
                                               {"kind": "team", "name": "nova-core"}]});
    server.route(
        "GET /api/v1/assets/hello-ops/owners",
        vec![Reply::json(200, &owners)],
    );
    server.route(
        "PUT /api/v1/assets/hello-ops/owners",
        vec![Reply::json(200, &owners)],
    );
    let run = env
        .run(&["owner", "list", "Hello_Ops", "--registry", &server.url])
        .exits(0);
    assert_eq!(run.stdout(), "jane\nteam:nova-core\n");
    let token = valid_token('o');
    let run = env
        .run_with(
            &[
                "owner",
                "add",
                "hello-ops",
                "team:nova-core",
                "--registry",
                &server.url,
            ],
            &[("OSOPS_TOKEN", &token)],
        )
        .exits(0);
    assert_eq!(
        run.stderr(),
        "       Added `team:nova-core` to the owners of hello-ops\n\
         note: owners of hello-ops: jane, team:nova-core\n"
    );
    let seen = server.seen();
    assert_eq!(seen[1].authorization, Some(format!("Bearer {token}")));
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).expect("json");
    assert_eq!(body, serde_json::json!({"owners": ["team:nova-core"]}));
}

#[test]
fn yank_sends_the_reason() {
    let env = Env::new();
    let server = TestServer::start();
    server.route(
        "DELETE /api/v1/assets/hello-ops/1.0.0/yank",
        vec![Reply::json(
            200,
            &serde_json::json!({"name": "hello-ops", "version": "1.0.0", "yanked": true}),
        )],
    );
    let token = valid_token('y');
    let run = env
        .run_with(
            &[
                "yank",
                "hello-ops@1.0.0",
                "--reason",
                "deletes the wrong ports",
                "--registry",
                &server.url,
            ],
            &[("OSOPS_TOKEN", &token)],
        )
        .exits(0);
    assert_eq!(run.stderr(), "      Yanked hello-ops v1.0.0\n");
    let body: serde_json::Value = serde_json::from_slice(&server.seen()[0].body).expect("json");
    assert_eq!(
        body,
        serde_json::json!({"reason": "deletes the wrong ports"})
    );
}

#[test]
fn help_texts_list_the_exit_codes() {
    let env = Env::new();
    for args in [&["--help"][..], &["publish", "--help"]] {
        let help = env.run(args).exits(0).stdout();
        assert!(help.contains("Exit status:\n"), "{help}");
        for line in [
            "  0  success; for publish: published, or already published with identical contents",
            "  2  usage error",
            "  3  invalid asset",
            "  4  authentication",
            "  5  conflict (HTTP 409)",
            "  6  rate limited (HTTP 429)",
        ] {
            assert!(help.contains(line), "`{line}` missing from:\n{help}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_config_file_others_can_read_or_nobody_can_parse_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let server = TestServer::start();
    server.route(
        "GET /api/v1/tokens",
        vec![Reply::json(200, &serde_json::json!({"tokens": []}))],
    );
    let saved = valid_token('w');
    env.run_stdin(&["login", "--registry", &server.url], &saved)
        .exits(0);
    let config = env.config_path();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let run = env
        .run(&["token", "list", "--registry", &server.url])
        .exits(0);
    assert!(
        run.stderr().starts_with(&format!(
            "warning: `{}` holds API tokens but others may read it (mode 644); run `chmod 600 {}`\n",
            config.display(),
            config.display()
        )),
        "{}",
        run.stderr()
    );

    // A broken file is skipped with a warning: commands that need no token still work, and
    // those that do say why they have none.
    std::fs::write(
        &config,
        format!("[registries.\"{}\"]\ntoken = \"{saved}\n", server.url),
    )
    .expect("break the file");
    let run = env
        .run(&["token", "list", "--registry", &server.url])
        .exits(4);
    assert!(
        run.stderr().starts_with(&format!(
            "warning: ignoring the config file: `{}` is not valid TOML: line 2: ",
            config.display()
        )),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains(&saved[6..]), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("error: listing tokens needs an API token")
    );
    assert_eq!(server.requests().len(), 1, "only the first list was sent");
}
