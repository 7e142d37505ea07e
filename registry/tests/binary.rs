//! The `osops-registry` binary itself: admin commands' output and exit codes, `serve` reporting
//! its real port, `--demo`, a publish over real HTTP, graceful shutdown on SIGTERM and a restart on
//! the same data directory.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;

use common::Asset;

const BIN: &str = env!("CARGO_BIN_EXE_osops-registry");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run osops-registry")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn user_add_and_token_create() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");

    let out = run(&["user", "add", "jane", "--data-dir", data]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "jane\n");

    let out = run(&["user", "add", "jane", "--data-dir", data]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("error: user `jane` already exists"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&["user", "add", "Bad Name", "--data-dir", data]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("user name `Bad Name` is not valid"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&[
        "token",
        "create",
        "--user",
        "jane",
        "--name",
        "ci",
        "--data-dir",
        data,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let token = stdout.strip_suffix('\n').expect("one line");
    assert_eq!(token.len(), 44, "{stdout:?}");
    assert_eq!(osops_registry::token::check(token), Ok(()), "{stdout:?}");
    let db = std::fs::read(Path::new(data).join("registry.db")).expect("db");
    assert!(
        !db.windows(token.len()).any(|w| w == token.as_bytes()),
        "the token itself is not stored"
    );

    let out = run(&["token", "create", "--user", "nobody", "--data-dir", data]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("no user `nobody`"),
        "{}",
        text(&out.stderr)
    );
}

/// A running `serve`, its address, and its stderr lines as they come.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: Vec<String>,
    lines: mpsc::Receiver<String>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut log = Vec::new();
        for line in lines.iter() {
            log.push(line.clone());
            if let Some((_, rest)) = line.split_once("listening on http://") {
                let addr = rest.trim().parse().expect("address in the log line");
                return Server {
                    child,
                    addr,
                    log,
                    lines,
                };
            }
        }
        let status = child.wait().expect("wait");
        panic!("serve exited ({status}) before listening: {log:#?}");
    }

    /// Sends SIGTERM and waits; returns whether it exited successfully, and the rest of its log.
    fn stop(mut self) -> (bool, Vec<String>) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(status.success());
        let exit = self.child.wait().expect("wait");
        let rest: Vec<String> = self.lines.iter().collect();
        let mut log = std::mem::take(&mut self.log);
        log.extend(rest);
        (exit.success(), log)
    }

    fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let (status, _, body) = self.http_with_head(method, path, headers, body);
        (status, body)
    }

    /// [`Server::http`], with the response's head (status line and headers) as text.
    fn http_with_head(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        stream.write_all(request.as_bytes()).expect("write");
        stream.write_all(body).expect("write body");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read");
        let end = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response");
        let head = text(&response[..end]);
        let status = head
            .split(' ')
            .nth(1)
            .expect("status")
            .parse()
            .expect("status code");
        (status, head, response[end + 4..].to_vec())
    }

    /// [`Server::http`] for a text body.
    fn http_text(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let (status, body) = self.http(method, path, headers, body);
        (status, text(&body))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only if a test failed before `stop`: do not leave the child running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_demo_publish_shutdown_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");

    // A demo directory: the needs file, two good assets (one addresses a need of the file, so it
    // publishes only if the needs are loaded first), one broken one, one directory without a
    // manifest.
    let demo = dir.path().join("examples");
    std::fs::create_dir_all(&demo).expect("mkdir");
    std::fs::write(
        demo.join("needs.toml"),
        need_file("demo-need", "A demo need"),
    )
    .expect("needs");
    let mut one = Asset::new("demo-one", "1.0.0");
    one.needs = vec!["demo-need".into()];
    for (name, asset) in [("a", one), ("b", Asset::new("demo-two", "0.3.0"))] {
        let archive_dir = demo.join(name);
        std::fs::create_dir_all(archive_dir.join("bin")).expect("mkdir");
        std::fs::write(archive_dir.join("osops.toml"), asset.toml()).expect("manifest");
        std::fs::write(archive_dir.join("bin/run.sh"), "#!/bin/sh\n").expect("script");
    }
    std::fs::create_dir_all(demo.join("broken")).expect("mkdir");
    std::fs::write(
        demo.join("broken/osops.toml"),
        "[asset]\nname = \"Broken\"\n",
    )
    .expect("manifest");
    std::fs::create_dir_all(demo.join("not-an-asset")).expect("mkdir");

    let out = run(&["user", "add", "jane", "--data-dir", data]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["token", "create", "--user", "jane", "--data-dir", data]);
    let token = text(&out.stdout).trim().to_owned();

    let server = Server::start(&["--data-dir", data, "--demo", demo.to_str().expect("utf-8")]);
    assert_ne!(server.addr.port(), 0, "the real port is reported");
    let log = server.log.join("\n");
    assert!(log.contains("demo: loaded 2 assets"), "{log}");
    assert!(
        log.contains("demo: skipping") && log.contains("broken"),
        "{log}"
    );

    let (status, body) = server.http_text("GET", "/healthz", &[], b"");
    assert_eq!((status, body.as_str()), (200, "{\"status\":\"ok\"}"));
    let (status, body) = server.http_text("GET", "/index/config.json", &[], b"");
    assert_eq!(status, 200);
    let config: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        config["api"],
        format!("http://{}", server.addr),
        "public URL defaults to the bound address"
    );
    let (_, body) = server.http_text("GET", "/api/v1/assets", &[], b"");
    let search: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(search["total"], 2);
    let (_, body) = server.http_text("GET", "/api/v1/assets/demo-one", &[], b"");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).expect("json")["owners"],
        serde_json::json!(["demo"])
    );
    let (status, body) = server.http_text("GET", "/api/v1/needs/demo-need", &[], b"");
    assert_eq!(status, 200, "{body}");
    let need: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(need["status"], "addressed", "{need}");
    assert_eq!(need["created_by"], "demo");
    assert_eq!(need["answers"][0]["name"], "demo-one");

    let archive = Asset::new("real-http", "1.0.0").archive();
    let auth = format!("Bearer {token}");
    let (status, body) = server.http_text(
        "PUT",
        "/api/v1/assets",
        &[("Authorization", &auth)],
        &archive,
    );
    assert_eq!(status, 201, "{body}");

    let (clean, log) = server.stop();
    assert!(clean, "exit status after SIGTERM: {log:#?}");

    // Same data directory: everything is still there, and the demo is not loaded twice.
    let server = Server::start(&["--data-dir", data, "--demo", demo.to_str().expect("utf-8")]);
    assert!(
        server.log.join("\n").contains("already has assets"),
        "{:#?}",
        server.log
    );
    let (_, body) = server.http_text("GET", "/api/v1/assets", &[], b"");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).expect("json")["total"],
        3
    );
    let (status, body) = server.http("GET", "/api/v1/assets/real-http/1.0.0/download", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(body, archive);
    let (clean, _) = server.stop();
    assert!(clean);
}

#[test]
fn serve_refuses_a_bad_public_url() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let out = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--public-url",
        "ftp://x",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("public URL `ftp://x` is not an http(s) URL"),
        "{}",
        text(&out.stderr)
    );
}

/// A TOML need file with one or more needs: `(id, title)`.
fn need_file(id: &str, title: &str) -> String {
    need_toml(&[(id, title)])
}

fn need_toml(needs: &[(&str, &str)]) -> String {
    needs
        .iter()
        .map(|(id, title)| {
            format!(
                "[[need]]\nid = {id:?}\ntitle = {title:?}\nproblem = \"Operators do {id} by hand.\"\n\
                 persona = \"cloud operator\"\nservices = [\"nova\"]\n\
                 use-cases = [{{ persona = \"cloud operator\", text = \"I want {id} in one command\" }}]\n\n"
            )
        })
        .collect()
}

/// The needs stored in a data directory, through the store the server uses.
fn stored_needs(data: &str) -> Vec<serde_json::Value> {
    use osops_registry::store::{NeedQuery, NeedStore};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store =
            osops_registry::store::sqlite::SqliteStore::open(&Path::new(data).join("registry.db"))
                .await
                .expect("open");
        let page = store
            .list_needs(&NeedQuery {
                page: 1,
                per_page: 100,
                ..Default::default()
            })
            .await
            .expect("list");
        let mut needs = Vec::new();
        for summary in page.needs {
            let id = osops_index::AssetName::parse(&summary.id).expect("id");
            let need = store.need(&id).await.expect("need").expect("exists");
            needs.push(serde_json::json!({
                "id": summary.id, "title": need.record.title, "created_by": need.created_by,
                "status": need.status, "retired_reason": need.retired_reason,
                "use_cases": need.record.use_cases.len(),
            }));
        }
        store.close().await;
        needs.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        needs
    })
}

#[test]
fn need_import_reports_each_file_and_reimport_updates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(docs.join("asset")).expect("mkdir");
    let good = docs.join("good.toml");
    std::fs::write(
        &good,
        need_toml(&[
            ("drain-compute-host", "Empty a compute host"),
            ("monitor-galera", "Watch Galera"),
        ]),
    )
    .expect("good");
    let bad = docs.join("bad.toml");
    std::fs::write(
        &bad,
        "[[need]]\nid = \"bad-need\"\ntitle = \"Bad\"\nproblem = \"p\"\nservices = [\"warp-drive\"]\n",
    )
    .expect("bad");
    // Not a need: an asset manifest. And a file the walk leaves alone.
    let manifest = docs.join("asset/osops.toml");
    std::fs::write(&manifest, Asset::new("some-asset", "1.0.0").toml()).expect("manifest");
    std::fs::write(docs.join("notes.txt"), "not looked at").expect("notes");

    let docs_arg = docs.to_str().expect("utf-8");
    let out = run(&["need", "import", docs_arg, "--data-dir", data]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "one line per need document, none for notes.txt: {stdout}"
    );
    assert!(
        lines[0].starts_with(&format!("skipped {}: ", manifest.display())),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with(&format!("skipped {}: ", bad.display())),
        "{stdout}"
    );
    assert!(lines[1].contains("warp-drive"), "says why: {stdout}");
    assert_eq!(
        lines[2],
        format!(
            "imported {}: drain-compute-host, monitor-galera",
            good.display()
        )
    );
    let needs = stored_needs(data);
    assert_eq!(
        needs,
        [
            serde_json::json!({"id": "drain-compute-host", "title": "Empty a compute host",
                "created_by": "admin", "status": "open", "retired_reason": null, "use_cases": 1}),
            serde_json::json!({"id": "monitor-galera", "title": "Watch Galera",
                "created_by": "admin", "status": "open", "retired_reason": null, "use_cases": 1}),
        ]
    );

    // Re-importing a changed file (as another user) updates the records: no duplicate, same creator.
    std::fs::write(
        &good,
        need_toml(&[
            ("drain-compute-host", "Empty a compute host, safely"),
            ("monitor-galera", "Watch Galera"),
        ]),
    )
    .expect("good");
    let good_arg = good.to_str().expect("utf-8");
    let out = run(&[
        "need",
        "import",
        good_arg,
        "--as",
        "jane",
        "--data-dir",
        data,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "imported {}: drain-compute-host, monitor-galera (",
            good.display()
        )) && stdout.contains("`drain-compute-host` updated"),
        "{stdout}"
    );
    let needs = stored_needs(data);
    assert_eq!(needs.len(), 2);
    assert_eq!(needs[0]["title"], "Empty a compute host, safely");
    assert_eq!(needs[0]["created_by"], "admin");

    // Only files that fail: exit 1, every file still reported.
    let missing = docs.join("missing.toml");
    let out = run(&[
        "need",
        "import",
        bad.to_str().expect("utf-8"),
        missing.to_str().expect("utf-8"),
        "--data-dir",
        data,
    ]);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(&format!("skipped {}: ", missing.display()))),
        "{stdout}"
    );

    // Retire.
    let out = run(&[
        "need",
        "retire",
        "monitor-galera",
        "--reason",
        "covered by the database need",
        "--data-dir",
        data,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "monitor-galera\n");
    let needs = stored_needs(data);
    assert_eq!(needs[1]["status"], "retired");
    assert_eq!(needs[1]["retired_reason"], "covered by the database need");
    let out = run(&[
        "need",
        "retire",
        "no-such-need",
        "--reason",
        "x",
        "--data-dir",
        data,
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no need `no-such-need`"),
        "{}",
        text(&out.stderr)
    );
}

/// Runs an admin command on `data`, checks that it succeeded, and returns its stdout.
fn admin(data: &str, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--data-dir", data]);
    let out = run(&all);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// Runs an admin command on `data` that must fail; returns its stderr.
fn admin_fails(data: &str, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--data-dir", data]);
    let out = run(&all);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
    text(&out.stderr)
}

#[test]
fn users_teams_and_their_admin_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");
    assert_eq!(admin(data, &["user", "add", "jane"]), "jane\n");
    assert_eq!(admin(data, &["user", "add", "bob"]), "bob\n");
    assert_eq!(admin(data, &["user", "list"]), "bob\njane\n");

    assert_eq!(admin(data, &["user", "disable", "jane"]), "jane\n");
    let list = admin(data, &["user", "list"]);
    assert!(list.starts_with("bob\njane (disabled since 20"), "{list}");
    assert!(list.ends_with("Z)\n"), "{list}");
    let err = admin_fails(data, &["token", "create", "--user", "jane"]);
    assert!(err.contains("error: user `jane` is disabled"), "{err}");
    assert_eq!(admin(data, &["user", "enable", "jane"]), "jane\n");
    assert_eq!(admin(data, &["user", "list"]), "bob\njane\n");
    let err = admin_fails(data, &["user", "disable", "nobody"]);
    assert!(err.contains("error: no user `nobody`"), "{err}");

    assert_eq!(admin(data, &["team", "add", "nova-core"]), "nova-core\n");
    let err = admin_fails(data, &["team", "add", "nova-core"]);
    assert!(
        err.contains("error: team `nova-core` already exists"),
        "{err}"
    );
    let err = admin_fails(data, &["team", "add", "Nova Core"]);
    assert!(err.contains("team name `Nova Core` is not valid"), "{err}");
    assert_eq!(
        admin(data, &["team", "member", "add", "nova-core", "bob"]),
        "bob\n"
    );
    assert_eq!(
        admin(data, &["team", "member", "add", "nova-core", "jane"]),
        "jane\n"
    );
    // Adding again is not an error.
    assert_eq!(
        admin(data, &["team", "member", "add", "nova-core", "bob"]),
        "bob\n"
    );
    assert_eq!(
        admin(data, &["team", "add", "glance-core"]),
        "glance-core\n"
    );
    assert_eq!(
        admin(data, &["team", "list"]),
        "glance-core:\nnova-core: bob, jane\n"
    );
    assert_eq!(
        admin(data, &["team", "member", "remove", "nova-core", "bob"]),
        "bob\n"
    );
    let err = admin_fails(data, &["team", "member", "remove", "nova-core", "bob"]);
    assert!(
        err.contains("error: `bob` is not a member of team `nova-core`"),
        "{err}"
    );
    let err = admin_fails(data, &["team", "member", "add", "nova-cor", "bob"]);
    assert!(err.contains("error: no team `nova-cor`"), "{err}");
    let err = admin_fails(data, &["team", "member", "add", "nova-core", "bobby"]);
    assert!(err.contains("error: no user `bobby`"), "{err}");
}

#[test]
fn token_admin_commands_scopes_patterns_expiry_and_revocation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");
    admin(data, &["user", "add", "jane"]);

    let all = admin(data, &["token", "create", "--user", "jane"]);
    let narrow = admin(
        data,
        &[
            "token",
            "create",
            "--user",
            "jane",
            "--name",
            "ci",
            "--scope",
            "publish-update",
            "--scope",
            "yank",
            "--pattern",
            "nova-*",
            "--pattern",
            "Neutron_*",
            "--expires-in-days",
            "7",
        ],
    );
    let forever = admin(
        data,
        &[
            "token",
            "create",
            "--user",
            "jane",
            "--name",
            "robot",
            "--no-expiry",
        ],
    );
    for token in [&all, &narrow, &forever] {
        assert_eq!(
            osops_registry::token::check(token.trim()),
            Ok(()),
            "{token:?}"
        );
    }

    let list = admin(data, &["token", "list", "--user", "jane"]);
    let lines: Vec<Vec<&str>> = list.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert_eq!(
        &lines[0][..4],
        [
            "1",
            "default",
            "publish-new,publish-update,yank,change-owners,needs",
            "*"
        ]
    );
    let in_90_days = osops_registry::tokens::rfc3339(osops_registry::tokens::days_from_now(90));
    assert!(
        lines[0][4].starts_with("expires ") && lines[0][4][8..] <= *in_90_days,
        "{list}"
    );
    assert_eq!(&lines[0][5..], ["last used never", "active"]);
    assert_eq!(
        &lines[1][..4],
        ["2", "ci", "publish-update,yank", "neutron-*, nova-*"]
    );
    let in_7_days = osops_registry::tokens::rfc3339(osops_registry::tokens::days_from_now(7));
    assert!(
        lines[1][4][8..] <= *in_7_days
            && lines[1][4][8..]
                > *osops_registry::tokens::rfc3339(osops_registry::tokens::days_from_now(6))
    );
    assert_eq!(
        &lines[2][1..],
        [
            "robot",
            "publish-new,publish-update,yank,change-owners,needs",
            "*",
            "expires never",
            "last used never",
            "active"
        ]
    );
    assert!(!list.contains(all.trim()) && !list.contains(&narrow.trim()[6..38]));

    assert_eq!(admin(data, &["token", "revoke", "2"]), "2\n");
    assert!(
        admin(data, &["token", "list", "--user", "jane"])
            .lines()
            .nth(1)
            .is_some_and(|l| l.ends_with("\trevoked"))
    );
    let err = admin_fails(data, &["token", "revoke", "99"]);
    assert!(err.contains("error: no token `99`"), "{err}");

    // Refused flags.
    let out = run(&[
        "token",
        "create",
        "--user",
        "jane",
        "--no-expiry",
        "--expires-in-days",
        "3",
        "--data-dir",
        data,
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&[
        "token",
        "create",
        "--user",
        "jane",
        "--scope",
        "publish",
        "--data-dir",
        data,
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("unknown scope `publish`"),
        "{}",
        text(&out.stderr)
    );
    let err = admin_fails(
        data,
        &["token", "create", "--user", "jane", "--pattern", "nova/*"],
    );
    assert!(
        err.contains("pattern `nova/*` is not an asset-name glob"),
        "{err}"
    );
    let err = admin_fails(
        data,
        &[
            "token",
            "create",
            "--user",
            "jane",
            "--expires-in-days",
            "400",
        ],
    );
    assert!(err.contains("1 to 365 days, not 400"), "{err}");
    let err = admin_fails(data, &["token", "list", "--user", "nobody"]);
    assert!(err.contains("no user `nobody`"), "{err}");
}

#[test]
fn audit_shows_the_log_as_lines_or_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_path = dir.path().join("data");
    let data = data_path.to_str().expect("utf-8 path");
    admin(data, &["user", "add", "jane"]);
    admin(
        data,
        &[
            "token", "create", "--user", "jane", "--name", "ci", "--scope", "yank",
        ],
    );
    admin(data, &["team", "add", "nova-core"]);
    admin(data, &["team", "member", "add", "nova-core", "jane"]);
    // A publish, through the library on the same data directory.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let data_dir = osops_registry::DataDir::create(&data_path).expect("data dir");
        let settings =
            osops_registry::Settings::new("http://registry.test", 1 << 20).expect("settings");
        let database = osops_registry::store::Database::Sqlite(data_dir.database());
        let blobs = osops_registry::blobs::Blobs::local(&data_dir.blobs()).expect("blobs");
        let (state, store) = osops_registry::server::open(&database, blobs, settings)
            .await
            .expect("open");
        let jane = state
            .users
            .user("jane")
            .await
            .expect("lookup")
            .expect("jane");
        let archive = Asset::new("nova-tools", "1.0.0").archive();
        osops_registry::publish::publish(
            &state,
            &osops_registry::access::Actor::direct(jane),
            archive.into(),
            false,
        )
        .await
        .expect("publish");
        store.close().await;
    });

    let all = admin(data, &["audit"]);
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 3, "{all}");
    let rest = |line: &str| line.split_once(' ').expect("time first").1.to_owned();
    assert!(
        rest(lines[0]).starts_with("publish nova-tools@1.0.0 by jane: new asset; sha256 "),
        "{all}"
    );
    assert_eq!(
        rest(lines[1]),
        "team-member-add by (admin): team:nova-core jane"
    );
    assert_eq!(
        rest(lines[2]),
        "token-create by (admin): token 1 `ci` of `jane`: scopes `yank`; assets every asset; expires "
            .to_owned()
            + &lines[2][lines[2].rfind(' ').expect("space") + 1..]
    );
    assert_eq!(
        admin(data, &["audit", "--asset", "Nova_Tools"])
            .lines()
            .count(),
        1
    );
    assert_eq!(
        admin(data, &["audit", "--user", "(admin)"]).lines().count(),
        2
    );
    assert_eq!(admin(data, &["audit", "--user", "bob"]), "");

    let json: serde_json::Value =
        serde_json::from_str(&admin(data, &["audit", "--asset", "nova-tools", "--json"]))
            .expect("json");
    let events = json["events"].as_array().expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["action"], "publish");
    assert_eq!(events[0]["asset"], "nova-tools");
    assert_eq!(events[0]["version"], "1.0.0");
    assert_eq!(events[0]["actor"], "jane");
    assert_eq!(events[0]["token_id"], serde_json::Value::Null);
    let mut keys: Vec<&String> = events[0].as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "action",
            "actor",
            "asset",
            "at",
            "detail",
            "id",
            "token_id",
            "trusted_publisher",
            "version"
        ]
    );
}

#[test]
fn serve_applies_rate_limits_and_refuses_bad_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");
    let out = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data,
        "--rate-limit",
        "publish=1/1h",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("unknown rate-limited action `publish`"),
        "{}",
        text(&out.stderr)
    );

    admin(data, &["user", "add", "jane"]);
    let token = admin(data, &["token", "create", "--user", "jane"]);
    let auth = format!("Bearer {}", token.trim());
    let server = Server::start(&[
        "--data-dir",
        data,
        "--rate-limit",
        "new-name=1/1h",
        "--rate-limit",
        "yank=off",
    ]);
    let (status, _) = server.http_text(
        "PUT",
        "/api/v1/assets",
        &[("Authorization", &auth)],
        &Asset::new("nova-tools", "1.0.0").archive(),
    );
    assert_eq!(status, 201);
    let (status, head, body) = server.http_with_head(
        "PUT",
        "/api/v1/assets",
        &[("Authorization", &auth)],
        &Asset::new("glance-tools", "1.0.0").archive(),
    );
    assert_eq!(status, 429, "{}", text(&body));
    assert!(
        head.to_ascii_lowercase().contains("\r\nretry-after: "),
        "{head}"
    );
    assert!(
        text(&body).contains("rate limit for `new-name`"),
        "{}",
        text(&body)
    );
    let (clean, _) = server.stop();
    assert!(clean);
}
