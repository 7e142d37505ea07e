//! Trusted publishing through the `osops-registry` binary: `serve --config FILE` with a
//! `jwks-file` issuer, a rule added over HTTP, one exchange and a publish with the minted token;
//! and a config file with an unknown key refused at start-up, naming the key.

mod common;
use osops_tests::issuer;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use common::Asset;
use issuer::TestIssuer;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_osops-registry");
const CI: &str = "https://ci.example.org";

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

/// `serve` on a free port; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(data: &str, config: &Path) -> Server {
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                data,
                "--config",
            ])
            .arg(config)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve");
        let stderr = child.stderr.take().expect("stderr");
        // Read the log on a thread until the end, so that the server never writes to a closed pipe.
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut log = Vec::new();
        for line in lines.iter() {
            if let Some((_, rest)) = line.split_once("listening on http://") {
                let addr = rest.trim().parse().expect("address in the log line");
                return Server { child, addr };
            }
            log.push(line);
        }
        let status = child.wait().expect("wait");
        panic!("serve exited ({status}) before listening: {log:#?}");
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json_of(response: reqwest::blocking::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.text().expect("body");
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}")),
    )
}

#[test]
fn serve_with_a_jwks_file_exchanges_and_publishes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("UTF-8 path");
    let ci = TestIssuer::new(CI, "key-1");
    std::fs::write(dir.path().join("jwks.json"), ci.jwks().to_string()).expect("JWKS");
    let config = dir.path().join("registry.toml");
    // A relative jwks-file is read next to the config file.
    std::fs::write(&config, ci.config_table("jwks.json")).expect("config");

    let out = run(&["user", "add", "jane", "--data-dir", data]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["token", "create", "--user", "jane", "--data-dir", data]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let jane = text(&out.stdout).trim().to_owned();

    let server = Server::start(data, &config);
    let http = reqwest::blocking::Client::new();
    let publish = |token: &str, version: &str| {
        http.put(server.url("/api/v1/assets"))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(Asset::new("tool", version).archive())
            .send()
            .expect("publish")
    };
    let (status, body) = json_of(publish(&jane, "1.0.0"));
    assert_eq!(status, 201, "{body}");

    let (status, body) = json_of(
        http.post(server.url("/api/v1/assets/tool/trusted-publishers"))
            .bearer_auth(&jane)
            .json(
                &json!({"issuer": CI, "claims": {"repository": "org/tool", "ref": "refs/tags/*"}}),
            )
            .send()
            .expect("add rule"),
    );
    assert_eq!(status, 201, "{body}");

    let jwt = ci.token(json!({}));
    let exchange = || {
        http.post(server.url("/api/v1/trusted-publishing/exchange"))
            .json(&json!({ "jwt": jwt }))
            .send()
            .expect("exchange")
    };
    let (status, body) = json_of(exchange());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["assets"], json!(["tool"]));
    let minted = body["token"].as_str().expect("token").to_owned();

    let (status, body) = json_of(exchange());
    assert_eq!(status, 401, "{body}");
    assert!(
        body["detail"].as_str().expect("detail").contains("replay"),
        "{body}"
    );

    let (status, body) = json_of(publish(&minted, "1.1.0"));
    assert_eq!(status, 201, "{body}");
}

#[test]
fn serve_refuses_a_config_file_with_an_unknown_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("registry.toml");
    std::fs::write(
        &config,
        "[[trusted-publishing.issuer]]\nurl = \"https://ci.example.org\"\njwks-file = \"k.json\"\naudiences = [\"osops\"]\n",
    )
    .expect("config");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .env_remove("RUST_LOG")
        .output()
        .expect("run serve");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("registry.toml"), "{stderr}");
    assert!(stderr.contains("unknown field `audiences`"), "{stderr}");

    // A jwks-file that is not there is named too.
    std::fs::write(
        &config,
        "[[trusted-publishing.issuer]]\nurl = \"https://ci.example.org\"\njwks-file = \"missing.json\"\n",
    )
    .expect("config");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .env_remove("RUST_LOG")
        .output()
        .expect("run serve");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("missing.json"), "{stderr}");
}
