//! Release series, services and release ranges.

use osops_index::openstack::{RELEASES, SERVICES, find_release, find_service};
use osops_index::{AssetName, ReleaseRange};

#[test]
fn release_list_is_ordered_and_complete() {
    assert_eq!(
        RELEASES.first().map(|r| (r.name, r.number)),
        Some(("austin", "2010.1"))
    );
    assert_eq!(
        RELEASES.last().map(|r| (r.name, r.number)),
        Some(("hibiscus", "2026.2"))
    );
    assert_eq!(RELEASES.len(), 34);
    for pair in RELEASES.windows(2) {
        assert!(
            pair[0].number < pair[1].number,
            "{:?} before {:?}",
            pair[0],
            pair[1]
        );
    }
    assert_eq!(find_release("Mitaka").map(|r| r.number), Some("2016.1"));
    assert_eq!(find_release("2023.1").map(|r| r.name), Some("antelope"));
    assert_eq!(find_release("zed").map(|r| r.number), Some("2022.2"));
    assert!(find_release("2022.3").is_none());
}

#[test]
fn services_are_unique_canonical_names() {
    let mut seen = std::collections::HashSet::new();
    for s in SERVICES {
        assert!(AssetName::parse(s).is_ok(), "{s}");
        assert!(seen.insert(s), "{s} twice");
    }
    for s in [
        "nova",
        "neutron",
        "kolla-ansible",
        "openstack-helm",
        "rabbitmq",
        "galera",
        "ceph",
        "ovn",
    ] {
        assert_eq!(find_service(&s.to_uppercase()), Some(s));
    }
    assert_eq!(find_service("novaa"), None);
}

#[test]
fn range_by_number() {
    let r = ReleaseRange::parse(">=2023.1, <=2025.2").expect("valid");
    assert_eq!(r.as_str(), ">=2023.1, <=2025.2");
    let names: Vec<_> = r.releases().iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        [
            "antelope",
            "bobcat",
            "caracal",
            "dalmatian",
            "epoxy",
            "flamingo"
        ]
    );
    assert!(r.contains("2024.1") && r.contains("Caracal"));
    assert!(!r.contains("zed") && !r.contains("2026.1") && !r.contains("nonsense"));
}

#[test]
fn range_by_name_and_mixed_operators() {
    let r = ReleaseRange::parse(">Zed, <EPOXY").expect("valid");
    let names: Vec<_> = r.releases().iter().map(|r| r.name).collect();
    assert_eq!(names, ["antelope", "bobcat", "caracal", "dalmatian"]);
    let exact = ReleaseRange::parse("2024.1").expect("valid");
    assert_eq!(exact.releases().len(), 1);
    assert_eq!(
        ReleaseRange::parse("=caracal").expect("valid").releases(),
        exact.releases()
    );
    assert_eq!(
        ReleaseRange::parse("*").expect("valid").releases().len(),
        RELEASES.len()
    );
    assert_eq!(
        ReleaseRange::parse(">=train")
            .expect("valid")
            .releases()
            .first()
            .map(|r| r.number),
        Some("2019.2")
    );
}

#[test]
fn range_errors_name_the_problem() {
    let e = ReleaseRange::parse(">=2025.1, <2024.1").expect_err("empty");
    assert!(e.contains("matches no release"), "{e}");
    let e = ReleaseRange::parse(">=antilope").expect_err("unknown");
    assert!(e.contains("`antilope`") && e.contains("antelope"), "{e}");
    assert!(ReleaseRange::parse("").is_err());
    assert!(ReleaseRange::parse(">=2023.1,").is_err());
    assert!(ReleaseRange::parse("<austin").is_err());
    assert!(ReleaseRange::parse(">hibiscus").is_err());
}

#[test]
fn range_deserializes_from_a_string() {
    let r: ReleaseRange = serde_json::from_str("\">=antelope\"").expect("valid");
    assert!(r.contains("2026.2"));
    assert!(serde_json::from_str::<ReleaseRange>("\">=nope\"").is_err());
    assert_eq!(
        serde_json::to_string(&r).ok().as_deref(),
        Some("\">=antelope\"")
    );
}
