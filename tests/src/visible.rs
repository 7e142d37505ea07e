//! What a registry shows of an asset, read over plain HTTP and through `osops info`, for tests
//! that must prove nothing is half-visible: the index, the API and the download agree.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use osops_index::{AssetName, index_path};

use crate::{Output, TestContext};

/// A guard against a hang, never a synchronisation.
const STUCK: Duration = Duration::from_secs(120);

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `GET url` over HTTP/1.0 (so the body ends with the connection): status and body.
pub fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(host).expect("connect to the registry");
    stream
        .set_read_timeout(Some(STUCK))
        .expect("set read timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("send request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read response");
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete HTTP head");
    let head = String::from_utf8_lossy(&response[..end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in `{head}`"));
    (status, response[end + 4..].to_vec())
}

/// Every version of `name` with its cksum, as `osops info NAME --json` lists them (empty when the
/// name is unknown).
pub fn info_versions(ctx: &TestContext, url: &str, name: &str) -> BTreeMap<String, String> {
    let output: Output = ctx
        .command()
        .env("OSOPS_REGISTRY", url)
        .args(["info", name, "--json"])
        .output()
        .expect("osops runs")
        .into();
    if !output.success() {
        assert!(
            output.both().contains("not found") || output.both().contains("404"),
            "osops info {name} failed: {output:?}"
        );
        return BTreeMap::new();
    }
    output.json()["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                v["version"].as_str().expect("version").to_string(),
                v["cksum"].as_str().expect("cksum").to_string(),
            )
        })
        .collect()
}

/// Every version of `name` with its cksum, as the index file lists them.
pub fn index_versions(url: &str, name: &str) -> BTreeMap<String, String> {
    let asset: AssetName = name.parse().expect("asset name");
    let (status, body) = http_get(&format!("{url}/index/{}", index_path(&asset)));
    if status == 404 {
        return BTreeMap::new();
    }
    assert_eq!(status, 200, "index of {name}");
    String::from_utf8(body)
        .expect("index is UTF-8")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let entry: serde_json::Value = serde_json::from_str(line).expect("index line is JSON");
            (
                entry["vers"].as_str().expect("vers").to_string(),
                entry["cksum"].as_str().expect("cksum").to_string(),
            )
        })
        .collect()
}

/// Checks that `name`'s index lists exactly what `info` lists, and that every listed version
/// downloads with its cksum; returns the listing.
pub fn check_visible(ctx: &TestContext, url: &str, name: &str) -> BTreeMap<String, String> {
    let info = info_versions(ctx, url, name);
    let index = index_versions(url, name);
    assert_eq!(
        info, index,
        "{name}: the index and `osops info` disagree (half-visible version)"
    );
    for (version, cksum) in &info {
        let (status, body) = http_get(&format!("{url}/api/v1/assets/{name}/{version}/download"));
        assert_eq!(
            status, 200,
            "{name} {version} is listed but does not download"
        );
        assert_eq!(
            &sha256_hex(&body),
            cksum,
            "{name} {version} downloads with the wrong checksum"
        );
    }
    info
}
