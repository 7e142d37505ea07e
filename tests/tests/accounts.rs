//! Accounts through the real binaries: token refusals (case 16), owners and teams, tokens at rest,
//! rate limits (case 20), server-side dry runs, login, and the audit log.

use std::io::Write;
use std::process::Stdio;

use osops_tests::fixtures::script_asset;
use osops_tests::{Output, TestContext, TestRegistry, execute_sql, walk};

fn publish(ctx: &TestContext, name: &str, version: &str) -> Output {
    let dir = script_asset(
        &ctx.work_dir().join(format!("{name}-{version}")),
        name,
        version,
    );
    ctx.command()
        .args(["publish", "--http-retries", "0", &dir.to_string_lossy()])
        .output()
        .expect("osops runs")
        .into()
}

#[track_caller]
fn refused(output: Output, code: i32, reason: &str) {
    assert_eq!(
        output.code,
        Some(code),
        "exit code for `{reason}`:\n{}",
        output.stderr
    );
    assert!(
        output.stderr.contains(reason),
        "expected `{reason}` in:\n{}",
        output.stderr
    );
}

/// `osops token create` as `ctx`, returning the new token.
fn token(ctx: &TestContext, args: &[&str]) -> String {
    let created = ctx
        .osops(&[&["token", "create"], args].concat())
        .assert_success();
    created.stdout.trim().to_string()
}

/// A token with a valid checksum that the registry never issued: `osops_` + 32 random base62
/// characters + the base62 CRC32 of those, 6 characters, most significant first.
fn well_formed_unknown_token() -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let random = "0123456789abcdefghijABCDEFGHIJkl";
    let mut crc = flate2::Crc::new();
    crc.update(random.as_bytes());
    let mut n = u64::from(crc.sum());
    let mut checksum = [b'0'; 6];
    for digit in checksum.iter_mut().rev() {
        *digit = BASE62[(n % 62) as usize];
        n /= 62;
    }
    format!("osops_{random}{}", String::from_utf8_lossy(&checksum))
}

#[test]
fn case_16_every_token_refusal_names_its_rule() {
    let registry = TestRegistry::start();
    let jane = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    publish(&jane, "nova-tools", "1.0.0").assert_success();
    let as_token = |t: &str| TestContext::new(registry.url()).with_token(t);

    refused(
        publish(&as_token("osops_not-a-token"), "nova-tools", "1.0.1"),
        4,
        "malformed",
    );
    refused(
        publish(
            &as_token(&well_formed_unknown_token()),
            "nova-tools",
            "1.0.1",
        ),
        4,
        "unknown token",
    );

    let yank_only = token(&jane, &["yank-only", "--scope", "yank"]);
    refused(
        publish(&as_token(&yank_only), "nova-tools", "1.0.1"),
        4,
        "lacks the `publish-update` scope",
    );

    let nova_only = token(
        &jane,
        &["nova-only", "--scope", "publish-new", "--pattern", "nova-*"],
    );
    refused(
        publish(&as_token(&nova_only), "glance-x", "1.0.0"),
        4,
        "`nova-*`",
    );
    jane.osops(&["info", "glance-x"]).assert_failure();

    let revoked = token(&jane, &["ci", "--scope", "publish-update"]);
    let listed = jane
        .osops(&["token", "list", "--json"])
        .assert_success()
        .json();
    let id = listed["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["name"] == "ci")
        .expect("the new token is listed")["id"]
        .to_string();
    assert!(
        !listed.to_string().contains(&revoked),
        "a list never shows a secret"
    );
    jane.osops(&["token", "revoke", &id]).assert_success();
    refused(
        publish(&as_token(&revoked), "nova-tools", "1.0.1"),
        4,
        "revoked",
    );

    let expiring = token(
        &jane,
        &[
            "expiring",
            "--scope",
            "publish-update",
            "--expires-in-days",
            "1",
        ],
    );
    execute_sql(
        registry.data_dir(),
        "UPDATE tokens SET expires_at = '2001-01-01T00:00:00Z' WHERE name = 'expiring'",
    );
    refused(
        publish(&as_token(&expiring), "nova-tools", "1.0.1"),
        4,
        "expired",
    );

    let mallory = TestContext::new(registry.url()).with_token(&registry.user_with_token("mallory"));
    refused(publish(&mallory, "nova-tools", "1.0.1"), 4, "not an owner");
    refused(
        mallory.osops(&["yank", "nova-tools@1.0.0"]),
        4,
        "not an owner",
    );
    refused(
        mallory.osops(&["owner", "add", "nova-tools", "mallory"]),
        4,
        "not an owner",
    );

    registry
        .admin(&["user", "disable", "mallory"])
        .assert_success();
    refused(publish(&mallory, "mallory-tools", "1.0.0"), 4, "disabled");

    let info = jane
        .osops(&["info", "nova-tools", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        info["versions"].as_array().expect("versions").len(),
        1,
        "nothing was published"
    );
    assert_eq!(info["versions"][0]["yanked"], false);
}

#[test]
fn team_members_act_as_owners_and_the_last_owner_stays() {
    let registry = TestRegistry::start();
    let jane = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let bob = TestContext::new(registry.url()).with_token(&registry.user_with_token("bob"));
    publish(&jane, "nova-tools", "1.0.0").assert_success();
    refused(publish(&bob, "nova-tools", "1.1.0"), 4, "not an owner");

    registry
        .admin(&["team", "add", "nova-core"])
        .assert_success();
    registry
        .admin(&["team", "member", "add", "nova-core", "bob"])
        .assert_success();
    jane.osops(&["owner", "add", "nova-tools", "team:nova-core"])
        .assert_success();
    let owners = jane
        .osops(&["owner", "list", "nova-tools"])
        .assert_success();
    assert_eq!(
        owners.stdout.lines().collect::<Vec<_>>(),
        ["jane", "team:nova-core"]
    );

    publish(&bob, "nova-tools", "1.1.0").assert_success();
    bob.osops(&["yank", "nova-tools@1.1.0", "--reason", "breaks on caracal"])
        .assert_success();
    let info = jane.osops(&["info", "nova-tools"]).assert_success();
    assert!(info.stdout.contains("breaks on caracal"), "{}", info.stdout);

    jane.osops(&["owner", "remove", "nova-tools", "team:nova-core"])
        .assert_success();
    refused(publish(&bob, "nova-tools", "1.2.0"), 4, "not an owner");
    let last = jane
        .osops(&["owner", "remove", "nova-tools", "jane"])
        .assert_failure();
    assert_eq!(
        last.code,
        Some(5),
        "removing the last owner is a conflict: {}",
        last.stderr
    );
}

#[test]
fn no_token_is_stored_in_plain_text() {
    let registry = TestRegistry::start();
    let admin_made = registry.user_with_token("jane");
    let jane = TestContext::new(registry.url()).with_token(&admin_made);
    let user_made = token(&jane, &["ci", "--scope", "publish-new"]);
    publish(&jane, "nova-tools", "1.0.0").assert_success();

    for file in walk(registry.data_dir()) {
        let bytes = std::fs::read(&file).expect("read data file");
        for secret in [&admin_made, &user_made] {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{} holds a token in plain text", file.display());
        }
    }
}

#[test]
fn case_20_bursts_past_the_rate_limit_get_429_with_retry_after() {
    let registry = TestRegistry::start_with(&["--rate-limit", "new-version=1/1h"]);
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    publish(&ctx, "nova-tools", "1.0.0").assert_success();
    publish(&ctx, "nova-tools", "1.1.0").assert_success();
    let limited = publish(&ctx, "nova-tools", "1.2.0");
    refused(limited.clone(), 6, "rate limit");
    assert!(limited.stderr.contains("retry after"), "{}", limited.stderr);
    let info = ctx
        .osops(&["info", "nova-tools", "--json"])
        .assert_success()
        .json();
    assert_eq!(info["versions"].as_array().expect("versions").len(), 2);
}

#[test]
fn a_dry_run_asks_the_registry_and_stores_nothing() {
    let registry = TestRegistry::start();
    let jane = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let mallory = TestContext::new(registry.url()).with_token(&registry.user_with_token("mallory"));
    publish(&jane, "nova-tools", "1.0.0").assert_success();

    let fresh = script_asset(&jane.work_dir().join("fresh"), "nova-tools", "1.1.0");
    jane.osops(&["publish", "--dry-run", &fresh.to_string_lossy()])
        .assert_success();
    let info = jane
        .osops(&["info", "nova-tools", "--json"])
        .assert_success()
        .json();
    assert_eq!(info["latest"], "1.0.0", "a dry run publishes nothing");

    let changed = script_asset(&jane.work_dir().join("changed"), "nova-tools", "1.0.0");
    std::fs::write(changed.join("README.md"), "# different\n").expect("change readme");
    let conflict = jane.osops(&["publish", "--dry-run", &changed.to_string_lossy()]);
    refused(conflict, 5, "already published");
    let theirs = script_asset(&mallory.work_dir().join("theirs"), "nova-tools", "2.0.0");
    refused(
        mallory.osops(&["publish", "--dry-run", &theirs.to_string_lossy()]),
        4,
        "not an owner",
    );
}

#[test]
fn login_keeps_the_token_for_that_registry_only_and_logout_forgets_it() {
    let registry = TestRegistry::start();
    let token = registry.user_with_token("jane");
    let ctx = TestContext::new(registry.url());
    let mut login = ctx
        .command()
        .arg("login")
        .stdin(Stdio::piped())
        .spawn()
        .expect("osops login starts");
    login
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{token}\n").as_bytes())
        .expect("send token");
    assert!(login.wait().expect("login finishes").success());

    let config = ctx.root().join("home/.config/osops/config.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config)
            .expect("config written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner can read the token");
    }
    publish(&ctx, "nova-tools", "1.0.0").assert_success();
    let elsewhere = ctx
        .command()
        .args([
            "--registry",
            "http://127.0.0.1:9",
            "--http-retries",
            "0",
            "token",
            "list",
        ])
        .output();
    let elsewhere: Output = elsewhere.expect("osops runs").into();
    assert!(!elsewhere.success() && !elsewhere.stderr.contains(&token));

    ctx.osops(&["logout"]).assert_success();
    refused(publish(&ctx, "nova-tools", "1.0.1"), 4, "token");
}

#[test]
fn the_audit_log_records_who_did_what_with_which_token() {
    let registry = TestRegistry::start();
    let jane = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    publish(&jane, "nova-tools", "1.0.0").assert_success();
    jane.osops(&["yank", "nova-tools@1.0.0", "--reason", "oops"])
        .assert_success();
    jane.osops(&["yank", "nova-tools@1.0.0", "--undo"])
        .assert_success();

    let audit = registry
        .admin(&["audit", "--asset", "nova-tools", "--json"])
        .assert_success()
        .json();
    let events = audit["events"].as_array().expect("events");
    let actions: Vec<_> = events
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["unyank", "yank", "publish"], "newest first");
    assert!(
        events
            .iter()
            .all(|e| e["actor"] == "jane" && !e["token_id"].is_null()),
        "{events:?}"
    );
}
