//! SECURITY-TESTS 24, the client's side: the disk filling while `osops install` extracts an
//! archive, writes a download into the cache, or writes the receipt. The real binary fails at a
//! failure point (`OSOPS_FAILPOINT=POINT:enospc`, `cli/src/failpoint.rs`) with the error a full
//! disk gives; the install must end with a clean error that says so and where, leave nothing
//! linked, recorded or visible as installed, and complete when run again.

use std::path::{Path, PathBuf};

use osops_tests::assets::{publish_with_deps, run_bin, temporary_dirs};
use osops_tests::{Output, TestContext, TestRegistry};
use serde_json::json;

/// A registry with `nova-tool` 1.0.0 (one bin, `nova-tool`) published.
fn registry_with_nova_tool() -> TestRegistry {
    let registry = TestRegistry::start();
    let publisher = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    publish_with_deps(&publisher, "nova-tool", "1.0.0", &[]);
    registry
}

/// Runs `osops install nova-tool` in `ctx` with the failure point `point` failing as a full disk.
fn install_with_full_disk(ctx: &TestContext, point: &str) -> Output {
    let output: Output = ctx
        .command()
        .env("OSOPS_FAILPOINT", format!("{point}:enospc"))
        .args(["install", "nova-tool"])
        .output()
        .expect("osops runs")
        .into();
    output.assert_failure()
}

/// Whether `path` exists as anything, a dangling symbolic link included.
fn present(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// The paths below `dir` whose file name starts with `.download-` (downloads in progress).
fn downloads_in_progress(dir: &Path) -> Vec<PathBuf> {
    osops_tests::walk(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".download-"))
        })
        .collect()
}

/// The cache's archives (`*.osops`).
fn cached_archives(ctx: &TestContext) -> Vec<PathBuf> {
    osops_tests::walk(&ctx.root().join("home/.cache/osops"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "osops"))
        .collect()
}

/// The error names the full disk and `place`, a path the failure concerns.
#[track_caller]
fn assert_says_disk_full(failed: &Output, place: &str) {
    assert!(
        failed.stderr.contains("No space left on device"),
        "the error says the disk is full:\n{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains(place),
        "the error says where (`{place}`):\n{}",
        failed.stderr
    );
    assert!(
        !failed.stderr.contains("panicked"),
        "a clean error, not a panic:\n{}",
        failed.stderr
    );
}

/// Nothing is installed, linked, recorded or visible as installed.
#[track_caller]
fn assert_nothing_installed(ctx: &TestContext) {
    let home = ctx.osops_home();
    assert!(
        !present(&home.join("receipts/nova-tool.json")),
        "no receipt"
    );
    assert!(!present(&home.join("bin/nova-tool")), "no bin link");
    assert!(
        !present(&home.join("assets/nova-tool/1.0.0")),
        "no installed directory"
    );
    assert_eq!(
        ctx.osops(&["list", "--json"]).assert_success().json(),
        json!([]),
        "`osops list` shows nothing"
    );
    let run = ctx.osops(&["run", "nova-tool"]).assert_failure();
    assert!(
        !run.stdout.contains("hello from"),
        "`osops run` refuses:\n{}",
        run.stdout
    );
    assert_eq!(
        downloads_in_progress(ctx.root()),
        Vec::<PathBuf>::new(),
        "no download in progress is left"
    );
}

/// Re-running without the failure point completes, and leaves no temporary directory.
#[track_caller]
fn assert_rerun_completes(ctx: &TestContext) {
    let rerun = ctx.osops(&["install", "nova-tool"]).assert_success();
    assert!(rerun.stderr.contains("Installed"), "{}", rerun.stderr);
    let home = ctx.osops_home();
    assert!(home.join("receipts/nova-tool.json").is_file(), "receipt");
    assert_eq!(
        run_bin(&home.join("bin/nova-tool")),
        "hello from nova-tool 1.0.0"
    );
    assert_eq!(
        ctx.osops(&["run", "nova-tool"])
            .assert_success()
            .stdout
            .trim(),
        "hello from nova-tool 1.0.0"
    );
    assert_eq!(
        ctx.osops(&["list", "--json"]).assert_success().json(),
        json!([{"name": "nova-tool", "version": "1.0.0", "dependency": false}])
    );
    assert_eq!(
        temporary_dirs(&home.join("assets")),
        Vec::<PathBuf>::new(),
        "no temporary directory remains"
    );
    assert_eq!(
        downloads_in_progress(ctx.root()),
        Vec::<PathBuf>::new(),
        "no download in progress remains"
    );
}

#[test]
fn case_24_disk_full_during_a_client_extraction_is_a_clean_error_and_leaves_nothing_visible() {
    let registry = registry_with_nova_tool();
    let ctx = TestContext::new(registry.url());

    let failed = install_with_full_disk(&ctx, "install-extracting");
    // The temporary directory the extraction was writing into.
    assert_says_disk_full(&failed, "assets/nova-tool/.tmp-1.0.0-");
    assert!(
        failed.stderr.contains("cannot extract nova-tool v1.0.0"),
        "{}",
        failed.stderr
    );
    assert_nothing_installed(&ctx);
    // The half-written temporary directory was removed with the error (freeing space is what
    // a full disk needs); a leftover one would be removed by the next run, checked below.
    assert_eq!(
        temporary_dirs(&ctx.osops_home().join("assets")),
        Vec::<PathBuf>::new(),
        "the partly written temporary directory is gone"
    );
    // The download itself was fine: it stays cached.
    assert_eq!(cached_archives(&ctx).len(), 1, "the archive is cached");

    assert_rerun_completes(&ctx);
}

#[test]
fn case_24_a_leftover_partial_extraction_is_removed_by_the_next_run() {
    let registry = registry_with_nova_tool();
    let ctx = TestContext::new(registry.url());
    // What a failure that could not even clean up leaves: a half-written temporary directory.
    let leftover = ctx
        .osops_home()
        .join("assets/nova-tool/.tmp-1.0.0-0123456789ab");
    std::fs::create_dir_all(leftover.join("bin")).expect("make the leftover");
    std::fs::write(leftover.join("bin/nova-tool"), "#!/bin/sh\necho hal").expect("half a file");

    assert_nothing_installed(&ctx);
    assert_rerun_completes(&ctx);
    assert!(!present(&leftover), "the leftover is removed");
}

#[test]
fn case_24_disk_full_while_writing_a_download_into_the_cache_is_a_clean_error() {
    let registry = registry_with_nova_tool();
    let ctx = TestContext::new(registry.url());

    let failed = install_with_full_disk(&ctx, "cache-writing");
    assert_says_disk_full(&failed, "/archives/.download-");
    assert!(
        failed.stderr.contains("download cache"),
        "the error says it was the cache, not the registry:\n{}",
        failed.stderr
    );
    assert_nothing_installed(&ctx);
    assert_eq!(
        cached_archives(&ctx),
        Vec::<PathBuf>::new(),
        "nothing cached"
    );
    assert!(
        !present(&ctx.osops_home().join("assets/nova-tool")),
        "the tree was not touched"
    );

    assert_rerun_completes(&ctx);
    assert_eq!(cached_archives(&ctx).len(), 1, "cached by the re-run");
}

#[test]
fn case_24_disk_full_while_writing_the_receipt_is_a_clean_error_and_unlinks() {
    let registry = registry_with_nova_tool();
    let ctx = TestContext::new(registry.url());

    let failed = install_with_full_disk(&ctx, "install-receipt");
    assert_says_disk_full(&failed, "receipts/nova-tool.json");
    // The bin link made before the receipt is taken back, and the directory with it.
    assert_nothing_installed(&ctx);
    assert_eq!(
        temporary_dirs(ctx.osops_home().as_path()),
        Vec::<PathBuf>::new(),
        "no temporary file of the receipt or the links is left"
    );

    assert_rerun_completes(&ctx);
}
