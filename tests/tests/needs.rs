//! Needs through the real binaries: filed, voted on, answered by assets, reopened by a yank.

use osops_tests::fixtures::{address_needs, script_asset};
use osops_tests::{Output, TestContext, TestRegistry};

fn new_need(ctx: &TestContext, id: &str, title: &str) -> Output {
    ctx.osops(&[
        "need",
        "new",
        id,
        "--title",
        title,
        "--problem",
        "Operators keep doing this by hand at 3 a.m.",
        "--persona",
        "cloud operator",
        "--service",
        "nova",
    ])
}

fn ids(list: &serde_json::Value) -> Vec<String> {
    list["needs"]
        .as_array()
        .expect("`needs` is an array")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_string())
        .collect()
}

fn need(ctx: &TestContext, id: &str) -> serde_json::Value {
    ctx.osops(&["need", "show", id, "--json"])
        .assert_success()
        .json()
}

#[test]
fn needs_are_answered_by_assets_and_reopen_when_the_only_answer_is_yanked() {
    let registry = TestRegistry::start();
    let jane = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let bob = TestContext::new(registry.url()).with_token(&registry.user_with_token("bob"));
    new_need(
        &jane,
        "drain-compute-host",
        "Empty a compute host before maintenance",
    )
    .assert_success();
    new_need(
        &jane,
        "rotate-fernet-keys",
        "Rotate Fernet keys on every controller",
    )
    .assert_success();

    jane.osops(&["need", "vote", "drain-compute-host"])
        .assert_success();
    jane.osops(&["need", "vote", "drain-compute-host"])
        .assert_success();
    bob.osops(&["need", "vote", "drain-compute-host"])
        .assert_success();
    bob.osops(&["need", "vote", "rotate-fernet-keys"])
        .assert_success();
    assert_eq!(
        need(&jane, "drain-compute-host")["votes"],
        2,
        "one vote per user"
    );

    let unanswered = jane
        .osops(&["need", "list", "--unanswered", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        ids(&unanswered),
        ["drain-compute-host", "rotate-fernet-keys"],
        "most votes first"
    );

    let dir = script_asset(&jane.work_dir(), "hello-drain", "1.0.0");
    address_needs(&dir, &["drain-compute-host"]);
    jane.osops(&["publish", &dir.to_string_lossy()])
        .assert_success();

    let drain = need(&jane, "drain-compute-host");
    assert_eq!(drain["status"], "addressed");
    assert_eq!(drain["answers"][0]["name"], "hello-drain");
    assert_eq!(drain["answers"][0]["version"], "1.0.0");
    let shown = jane
        .osops(&["need", "show", "drain-compute-host"])
        .assert_success();
    assert!(
        shown.stdout.contains("hello-drain"),
        "answers are listed:\n{}",
        shown.stdout
    );
    let unanswered = jane
        .osops(&["need", "list", "--unanswered", "--json"])
        .assert_success()
        .json();
    assert_eq!(ids(&unanswered), ["rotate-fernet-keys"]);
    let by_need = jane
        .osops(&["search", "--need", "drain-compute-host", "--json"])
        .assert_success()
        .json();
    assert_eq!(by_need["assets"][0]["name"], "hello-drain");

    jane.osops(&["yank", "hello-drain@1.0.0"]).assert_success();
    let drain = need(&jane, "drain-compute-host");
    assert_eq!(
        drain["status"], "open",
        "yanking the only answer reopens the need"
    );
    assert_eq!(drain["answers"], serde_json::json!([]));
    let unanswered = jane
        .osops(&["need", "list", "--unanswered", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        ids(&unanswered),
        ["drain-compute-host", "rotate-fernet-keys"]
    );

    jane.osops(&["yank", "hello-drain@1.0.0", "--undo"])
        .assert_success();
    assert_eq!(need(&jane, "drain-compute-host")["status"], "addressed");
}

#[test]
fn publishing_an_asset_that_addresses_an_unknown_need_names_the_id() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    new_need(&ctx, "drain-compute-host", "Empty a compute host").assert_success();
    let dir = script_asset(&ctx.work_dir(), "hello-drain", "1.0.0");
    address_needs(&dir, &["drain-compute-host", "drain-compute-hots"]);

    let refused = ctx
        .osops(&["publish", &dir.to_string_lossy()])
        .assert_failure();
    assert!(
        refused.stderr.contains("`drain-compute-hots`"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("osops need new"),
        "says how to create it: {}",
        refused.stderr
    );
    ctx.osops(&["info", "hello-drain"]).assert_failure();
}

#[test]
fn info_shows_the_needs_an_asset_addresses_and_where_it_was_prompted() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    new_need(&ctx, "drain-compute-host", "Empty a compute host").assert_success();
    let dir = script_asset(&ctx.work_dir(), "hello-drain", "1.0.0");
    address_needs(&dir, &["drain-compute-host"]);
    ctx.osops(&["publish", &dir.to_string_lossy()])
        .assert_success();

    let info = ctx.osops(&["info", "hello-drain"]).assert_success();
    assert!(
        info.stdout.contains("drain-compute-host"),
        "{}",
        info.stdout
    );
    assert!(
        info.stdout
            .contains("https://bugs.launchpad.net/nova/+bug/1234567"),
        "{}",
        info.stdout
    );
}

#[test]
fn the_demo_catalog_has_its_needs_and_some_are_unanswered() {
    let examples = osops_tests::examples_dir();
    let registry = TestRegistry::start_with(&["--demo", &examples.to_string_lossy()]);
    let ctx = TestContext::new(registry.url());
    let all = ctx
        .osops(&["need", "list", "--per-page", "100", "--json"])
        .assert_success()
        .json();
    assert!(all["total"].as_u64().expect("total") >= 13, "{all}");
    let unanswered = ctx
        .osops(&["need", "list", "--unanswered", "--json"])
        .assert_success()
        .json();
    assert!(
        !ids(&unanswered).is_empty(),
        "some demo needs have no answer yet"
    );
    assert!(!ids(&unanswered).contains(&"drain-compute-host".to_string()));
    let drain = need(&ctx, "drain-compute-host");
    assert_eq!(drain["answers"][0]["name"], "nova-evacuate-host");
}

/// The user stories the index crate's tests are written against: several section spellings, a
/// story with no use cases, a file name that is no valid id, and a README that is no story at all.
fn user_stories() -> std::path::PathBuf {
    osops_tests::workspace_dir().join("index/tests/fixtures/user-stories")
}

#[test]
fn importing_user_stories_reports_each_file_and_reimporting_updates() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("wg"));
    let dir = user_stories().to_string_lossy().to_string();

    let first = ctx
        .osops(&["need", "import", &dir, "--json"])
        .assert_success();
    let report = first.json();
    let report = report.as_array().expect("a report per file");
    assert_eq!(report.len(), 6, "every file is reported: {report:?}");
    let for_file = |stem: &str| {
        report
            .iter()
            .find(|r| r["file"].as_str().is_some_and(|f| f.ends_with(stem)))
            .unwrap_or_else(|| panic!("{stem} is in the report"))
    };
    assert!(
        for_file("README.rst")["error"]
            .as_str()
            .expect("an error")
            .contains("not a need")
    );
    assert_eq!(
        for_file("host-maintenance.rst")["imported"],
        serde_json::json!(["host-maintenance"])
    );
    assert!(
        for_file("rabbitmq-partitions.rst")["notes"]
            .to_string()
            .contains("no use cases"),
        "a story without use cases is imported with a note"
    );
    assert!(first.stderr.contains("skipped"), "{}", first.stderr);

    let drain = need(&ctx, "host-maintenance");
    assert_eq!(
        drain["title"],
        "Draining Compute Hosts for Planned Maintenance"
    );
    assert_eq!(drain["persona"], "cloud operator");
    assert_eq!(drain["services"], serde_json::json!(["nova", "placement"]));
    let use_cases = drain["use_cases"].as_array().expect("use cases");
    let personas: Vec<_> = use_cases
        .iter()
        .map(|u| u["persona"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        personas,
        [
            "cloud operator",
            "cloud operator",
            "operator of a public cloud"
        ]
    );
    assert!(
        drain["problem"]
            .as_str()
            .expect("problem")
            .contains("live migration")
    );
    assert_eq!(
        need(&ctx, "rabbitmq-partitions")["use_cases"],
        serde_json::json!([])
    );

    let listed = ctx
        .osops(&["need", "list", "--per-page", "100", "--json"])
        .assert_success()
        .json();
    assert_eq!(listed["total"], 5);
    ctx.osops(&["need", "import", &dir]).assert_success();
    let again = ctx
        .osops(&["need", "list", "--per-page", "100", "--json"])
        .assert_success()
        .json();
    assert_eq!(
        again["total"], 5,
        "re-importing updates instead of duplicating"
    );
}
