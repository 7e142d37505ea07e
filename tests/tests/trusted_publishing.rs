//! Trusted publishing end to end: an OIDC issuer made up in the test (ES256 key, JWKS file), the
//! real registry configured to trust it, and `osops publish --trusted` exchanging identity tokens.

use osops_tests::fixtures::script_asset;
use osops_tests::issuer::{TestIssuer, now_secs};
use osops_tests::{Output, TestContext, TestRegistry};
use serde_json::json;

const ISSUER: &str = "https://ci.example.org";

struct Setup {
    registry: TestRegistry,
    issuer: TestIssuer,
    owner: TestContext,
    _config: tempfile::TempDir,
}

/// A registry trusting ISSUER, with `nova-tools` 1.0.0 published by jane, whose rule lets tag
/// builds of `org/nova-tools` publish it.
fn setup() -> Setup {
    let issuer = TestIssuer::new(ISSUER, "key-1");
    let config = tempfile::tempdir().expect("config dir");
    std::fs::write(config.path().join("jwks.json"), issuer.jwks().to_string()).expect("write jwks");
    let file = config.path().join("registry.toml");
    std::fs::write(&file, issuer.config_table("jwks.json")).expect("write config");
    let registry = TestRegistry::start_with(&["--config", &file.to_string_lossy()]);
    let owner = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let dir = script_asset(&owner.work_dir().join("v1"), "nova-tools", "1.0.0");
    owner
        .osops(&["publish", &dir.to_string_lossy()])
        .assert_success();
    owner
        .osops(&[
            "trusted-publisher",
            "add",
            "nova-tools",
            "--issuer",
            ISSUER,
            "--claim",
            "repository=org/nova-tools",
            "--claim",
            "ref=refs/tags/*",
        ])
        .assert_success();
    Setup {
        registry,
        issuer,
        owner,
        _config: config,
    }
}

/// `osops publish --trusted` of `name@version` from a CI job holding `jwt` and no token.
fn ci_publish(setup: &Setup, jwt: &str, name: &str, version: &str) -> Output {
    let ci = TestContext::new(setup.registry.url());
    let dir = script_asset(&ci.work_dir(), name, version);
    ci.command()
        .args([
            "publish",
            "--trusted",
            "--http-retries",
            "0",
            &dir.to_string_lossy(),
        ])
        .env("OSOPS_OIDC_TOKEN", jwt)
        .output()
        .expect("osops runs")
        .into()
}

fn tag_build(issuer: &TestIssuer) -> String {
    issuer.token(json!({"repository": "org/nova-tools", "ref": "refs/tags/v1.1.0"}))
}

#[track_caller]
fn refused(output: Output, reason: &str) {
    assert_eq!(
        output.code,
        Some(4),
        "an authentication failure:\n{}",
        output.stderr
    );
    assert!(
        output.stderr.contains(reason),
        "expected `{reason}` in:\n{}",
        output.stderr
    );
}

#[test]
fn a_ci_identity_exchanges_its_token_and_publishes_once() {
    let setup = setup();
    let jwt = tag_build(&setup.issuer);
    ci_publish(&setup, &jwt, "nova-tools", "1.1.0").assert_success();
    let info = setup
        .owner
        .osops(&["info", "nova-tools", "--json"])
        .assert_success()
        .json();
    assert_eq!(info["latest"], "1.1.0");

    refused(
        ci_publish(&setup, &jwt, "nova-tools", "1.2.0"),
        "already used",
    );

    let audit = setup
        .registry
        .admin(&["audit", "--asset", "nova-tools", "--json"])
        .assert_success()
        .json();
    let publish = &audit["events"][0];
    assert_eq!(publish["action"], "publish");
    assert!(
        publish["trusted_publisher"]
            .as_str()
            .is_some_and(|t| t.contains("org/nova-tools")),
        "{publish}"
    );
}

#[test]
fn identity_tokens_that_do_not_prove_a_matching_identity_are_refused() {
    let setup = setup();
    let issuer = &setup.issuer;
    let cases = [
        (issuer.token(json!({"repository": "org/nova-tools", "ref": "refs/tags/v1", "aud": "other"})), "audience"),
        (issuer.token(json!({"repository": "org/nova-tools", "ref": "refs/tags/v1", "exp": now_secs() - 600})), "expired"),
        (TestIssuer::new(ISSUER, "key-2").token(json!({"repository": "org/nova-tools"})), "unknown key id"),
        (TestIssuer::new("https://evil.example.org", "key-1").token(json!({})), "not trusted"),
        (issuer.token(json!({"repository": "org/nova-tools", "ref": "refs/heads/main"})), "no trusted publisher rule"),
        (issuer.token(json!({"repository": "mallory/nova-tools", "ref": "refs/tags/v1"})), "no trusted publisher rule"),
    ];
    for (jwt, reason) in cases {
        refused(ci_publish(&setup, &jwt, "nova-tools", "1.1.0"), reason);
    }
    let info = setup
        .owner
        .osops(&["info", "nova-tools", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        info["versions"].as_array().expect("versions").len(),
        1,
        "nothing was published"
    );
}

#[test]
fn a_minted_token_publishes_only_the_assets_its_rules_name() {
    let setup = setup();
    let other = ci_publish(&setup, &tag_build(&setup.issuer), "glance-tools", "1.0.0");
    refused(other, "nova-tools");
    setup
        .owner
        .osops(&["info", "glance-tools"])
        .assert_failure();
}
