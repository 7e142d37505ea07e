//! Case 22 of `SECURITY-TESTS.md` at exact points: the real `osops-registry` is stopped in the
//! middle of a publish at a named point (`OSOPS_FAILPOINT=POINT:PIPE`, registry/src/failpoint.rs),
//! killed there with SIGKILL, and restarted on the same data dir. Whatever the point, the version
//! is afterwards either fully visible and downloadable with the right checksum or absent, the
//! retry succeeds, and `osops-registry gc` removes the one thing a kill may leave: a blob that no
//! version references.
//!
//! `crash.rs` kills at moments chosen by events, many times over; these three tests hit the three
//! places where a kill changes the outcome on purpose, once each.

use std::path::PathBuf;

use osops_tests::fixtures::script_asset;
use osops_tests::pause::PausePipe;
use osops_tests::visible::{check_visible, sha256_hex};
use osops_tests::{Output, TestContext, TestRegistry};

const NAME: &str = "nova-evacuate";

/// A registry killed at `point` while publishing `NAME` 1.1.0, restarted on the same data dir;
/// 1.0.0 was published before.
struct Crashed {
    registry: TestRegistry,
    ctx: TestContext,
    /// 1.0.0's archive and its sha256.
    first: (PathBuf, String),
    /// 1.1.0's archive (the publish that was killed) and its sha256.
    second: (PathBuf, String),
    /// What `osops publish` of 1.1.0 printed: it got no answer.
    killed_publish: Output,
}

impl Crashed {
    fn url(&self) -> String {
        self.registry.url().to_string()
    }

    /// The registry lists exactly `versions` of `NAME` (index and API agree), each downloading
    /// with its checksum.
    fn assert_lists(&self, versions: &[&(PathBuf, String)], when: &str) {
        let listed = check_visible(&self.ctx, &self.url(), NAME);
        let expected: Vec<(String, String)> = versions
            .iter()
            .map(|(file, sha)| (version_of(file), sha.clone()))
            .collect();
        let listed: Vec<(String, String)> = listed.into_iter().collect();
        assert_eq!(listed, expected, "{NAME} {when}");
    }

    fn stored(&self) -> Vec<String> {
        self.registry.stored_archives().into_iter().collect()
    }

    fn publish(&self, file: &std::path::Path) -> Output {
        self.ctx
            .command()
            .env("OSOPS_REGISTRY", self.url())
            .args(["publish", &file.to_string_lossy()])
            .output()
            .expect("osops runs")
            .into()
    }

    fn gc(&self) -> Output {
        let gc = self
            .registry
            .admin(&["gc", "--min-age", "0s"])
            .assert_success();
        assert!(
            !gc.both().contains("missing"),
            "no version lost its archive: {gc:?}"
        );
        gc
    }
}

fn version_of(file: &std::path::Path) -> String {
    let stem = file.file_stem().expect("archive name").to_string_lossy();
    stem.strip_prefix(&format!("{NAME}-"))
        .expect("NAME-VERSION.osops")
        .to_string()
}

fn package(ctx: &TestContext, version: &str) -> (PathBuf, String) {
    let dir = script_asset(&ctx.work_dir().join("src").join(version), NAME, version);
    let out = ctx
        .osops(&[
            "package",
            &dir.to_string_lossy(),
            "--out",
            &ctx.work_dir().to_string_lossy(),
        ])
        .assert_success();
    let file = ctx.work_dir().join(out.stdout.trim());
    let sha = sha256_hex(&std::fs::read(&file).expect("read the archive"));
    (file, sha)
}

/// Publishes 1.0.0, restarts the registry paused at `point`, publishes 1.1.0 until the server
/// reports (through a named pipe) that it reached `point`, SIGKILLs it there and restarts it.
///
/// If the publish ends without the server reaching the point, the test fails with what
/// `osops publish` said rather than hanging (see [`PausePipe`]).
fn kill_registry_at(point: &str) -> Crashed {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let first = package(&ctx, "1.0.0");
    let second = package(&ctx, "1.1.0");
    ctx.osops(&["publish", &first.0.to_string_lossy()])
        .assert_success();

    let pipe = PausePipe::new();
    let setting = pipe.setting(point);
    let data_dir = registry.kill();
    let registry = TestRegistry::start_on_with_env(data_dir, &[], &[("OSOPS_FAILPOINT", &setting)]);

    let publishing = {
        let mut cmd = ctx.command();
        cmd.env("OSOPS_REGISTRY", registry.url())
            .env("OSOPS_HTTP_RETRIES", "0")
            .args(["publish", &second.0.to_string_lossy()]);
        let waker = pipe.waker();
        std::thread::spawn(move || {
            let output = Output::from(cmd.output().expect("osops runs"));
            waker.ended("(the publish ended)");
            output
        })
    };
    let (at_point, line) = pipe.wait_for(point);
    let log = registry.log();
    let data_dir = registry.kill();
    let killed_publish = publishing.join().expect("the publishing thread");
    assert!(
        at_point,
        "the registry never reached `{point}` (pipe said {line:?}); osops publish: \
         {killed_publish:?}\nregistry log:\n{log}"
    );
    assert!(
        !killed_publish.success(),
        "a publish whose server was killed before answering cannot succeed: {killed_publish:?}"
    );

    let registry = TestRegistry::start_on(data_dir, &[]);
    Crashed {
        registry,
        ctx,
        first,
        second,
        killed_publish,
    }
}

#[test]
fn case_22_kill_9_before_the_archive_is_stored_leaves_nothing_and_the_retry_publishes() {
    let crashed = kill_registry_at("store-put");
    crashed.assert_lists(&[&crashed.first], "after a kill before the blob write");
    assert_eq!(crashed.stored(), vec![crashed.first.1.clone()]);
    assert!(crashed.gc().stdout.contains("removed 0 unreferenced"));

    let retry = crashed.publish(&crashed.second.0).assert_success();
    assert!(!retry.both().contains("already published"), "{retry:?}");
    crashed.assert_lists(&[&crashed.first, &crashed.second], "after the retry");
}

#[test]
fn case_22_kill_9_between_the_archive_and_the_commit_leaves_only_a_blob_that_gc_removes() {
    let crashed = kill_registry_at("publish-after-blob");
    crashed.assert_lists(&[&crashed.first], "after a kill before the commit");
    let mut stored = crashed.stored();
    stored.sort();
    let mut expected = vec![crashed.first.1.clone(), crashed.second.1.clone()];
    expected.sort();
    assert_eq!(
        stored, expected,
        "the blob of the unanswered publish is there, unreferenced"
    );

    let gc = crashed.gc();
    assert!(
        gc.stdout.contains(&format!("removed {}", crashed.second.1)),
        "gc removes the unreferenced blob: {gc:?}"
    );
    assert!(
        gc.stdout.contains("removed 1 unreferenced archive"),
        "{gc:?}"
    );
    assert_eq!(crashed.stored(), vec![crashed.first.1.clone()]);
    crashed.assert_lists(&[&crashed.first], "after gc");

    let retry = crashed.publish(&crashed.second.0).assert_success();
    assert!(!retry.both().contains("already published"), "{retry:?}");
    crashed.assert_lists(&[&crashed.first, &crashed.second], "after the retry");
}

#[test]
fn case_22_kill_9_after_the_commit_before_the_answer_keeps_the_version_and_the_retry_is_already_published()
 {
    let crashed = kill_registry_at("publish-after-commit");
    // Committed but never answered: the client could not know, so it must be able to retry.
    crashed.assert_lists(
        &[&crashed.first, &crashed.second],
        "after a kill between the commit and the answer",
    );
    assert!(
        !crashed.killed_publish.both().contains("published"),
        "the killed publish reported no success: {:?}",
        crashed.killed_publish
    );
    assert!(crashed.gc().stdout.contains("removed 0 unreferenced"));

    let retry = crashed.publish(&crashed.second.0).assert_success();
    assert!(retry.both().contains("already published"), "{retry:?}");
    crashed.assert_lists(&[&crashed.first, &crashed.second], "after the retry");
    TestContext::new(&crashed.url())
        .osops(&["install", &format!("{NAME}@=1.1.0")])
        .assert_success();
}
