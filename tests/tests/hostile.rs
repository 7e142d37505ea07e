//! SECURITY-TESTS.md cases 1–10 end to end: every hostile archive is refused by the real registry
//! on publish, and by the real client on install from a registry that serves it anyway.

use osops_tests::hostile::{self, NAME, VERSION};
use osops_tests::{StaticRegistry, TestContext, TestRegistry, walk};

/// One test per case, named for the attack; each sends every archive of its case through both
/// sides.
macro_rules! case {
    ($test:ident, $case:literal) => {
        #[test]
        fn $test() {
            refused_at_publish_and_nothing_is_stored($case);
            refused_at_install_and_nothing_is_written($case);
        }
    };
}

case!(
    case_01_parent_dir_traversal_and_entries_outside_the_prefix_are_refused,
    1
);
case!(case_02_absolute_and_drive_paths_are_refused, 2);
case!(
    case_03_links_devices_fifos_sparse_files_and_unknown_types_are_refused,
    3
);
case!(case_04_entries_beneath_a_link_are_refused, 4);
case!(case_05_duplicate_and_colliding_paths_are_refused, 5);
case!(
    case_07_bombs_huge_names_and_lying_sizes_stop_at_the_limits,
    7
);
case!(
    case_08_non_utf8_nul_backslash_control_and_empty_names_are_refused,
    8
);
case!(case_09_truncated_and_corrupt_archives_are_refused, 9);
case!(
    case_10_an_archive_carrying_the_clients_marker_or_receipt_is_refused,
    10
);

/// Case 6 (modes and owners) is accepted and normalised, so it is not in the catalogue
/// (tests/tests/client_faults.rs installs it); every other archive case has a test above.
#[test]
fn the_catalogue_holds_exactly_the_refused_archive_cases() {
    let cases: std::collections::BTreeSet<u8> =
        hostile::catalogue().iter().map(|h| h.case).collect();
    assert_eq!(
        cases.into_iter().collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 7, 8, 9, 10]
    );
}

fn of_case(case: u8) -> Vec<hostile::Hostile> {
    let archives: Vec<_> = (hostile::catalogue().into_iter())
        .filter(|h| h.case == case)
        .collect();
    assert!(
        !archives.is_empty(),
        "the catalogue has no archive for case {case}"
    );
    archives
}

fn refused_at_publish_and_nothing_is_stored(case: u8) {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("mallory"));
    let file = ctx.work_dir().join(format!("{NAME}-{VERSION}.osops"));
    for case in of_case(case) {
        std::fs::write(&file, &case.archive).expect("write archive");
        let refused = ctx.osops(&["publish", &file.to_string_lossy()]);
        assert!(
            !refused.success(),
            "case {} `{}` was published",
            case.case,
            case.attack
        );
        assert!(
            refused.stderr.contains("400") || refused.stderr.contains("413"),
            "case {} `{}`: the registry refuses it as a bad request:\n{}",
            case.case,
            case.attack,
            refused.stderr
        );
    }
    let search = ctx
        .osops(&["search", "--json", NAME])
        .assert_success()
        .json();
    assert_eq!(search["total"], 0, "no hostile asset is listed");
    ctx.osops(&["info", NAME]).assert_failure();
    let stored: Vec<_> = walk(&registry.data_dir().join("blobs"));
    assert!(stored.is_empty(), "no blob was kept: {stored:?}");
}

fn refused_at_install_and_nothing_is_written(case: u8) {
    let registry = StaticRegistry::start();
    for case in of_case(case) {
        let entry = hostile::index_entry(&case.archive);
        registry.publish(&entry, case.archive);
        let ctx = TestContext::new(registry.url());
        let refused = ctx
            .command()
            .args(["install", NAME])
            .env("OSOPS_HTTP_RETRIES", "0")
            .output()
            .expect("osops runs");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            !refused.status.success(),
            "case {} `{}` was installed",
            case.case,
            case.attack
        );
        assert!(
            stderr.contains("error:"),
            "case {} `{}`: a clear error:\n{stderr}",
            case.case,
            case.attack
        );

        // The download cache keeps the verified bytes, and the tree's lock file is only a lock;
        // nothing else may appear.
        let cache = ctx.root().join("home/.cache/osops");
        let lock = ctx.osops_home().join(".lock");
        let written: Vec<_> = walk(ctx.root())
            .into_iter()
            .filter(|p| !p.starts_with(&cache) && *p != lock)
            .collect();
        assert!(
            written.is_empty(),
            "case {} `{}` wrote {written:?}",
            case.case,
            case.attack
        );
        let dirs: Vec<_> = std::fs::read_dir(ctx.osops_home())
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            dirs.iter().all(|d| d == ".lock" || d == "assets"),
            "case {} `{}` created {dirs:?}",
            case.case,
            case.attack
        );
        let assets = ctx.osops_home().join("assets");
        assert!(walk(&assets).is_empty() && !assets.join(NAME).join(VERSION).exists());
    }
}
