//! Asset names: the canonical pattern, folding, and look-alike keys.

use osops_index::{AssetName, NameError};

#[test]
fn accepts_canonical_names() {
    for name in [
        "ab",
        "nova-evacuate-host",
        "0day",
        "42",
        "a-",
        &"a".repeat(64),
    ] {
        assert_eq!(
            AssetName::parse(name).map(|n| n.to_string()),
            Ok(name.to_owned()),
            "{name}"
        );
    }
}

#[test]
fn rejects_too_short_and_too_long() {
    assert_eq!(AssetName::parse(""), Err(NameError::Empty(String::new())));
    assert!(matches!(
        AssetName::parse("a"),
        Err(NameError::Length { len: 1, .. })
    ));
    let long = "a".repeat(65);
    assert!(matches!(
        AssetName::parse(&long),
        Err(NameError::Length { len: 65, .. })
    ));
}

#[test]
fn rejects_bad_characters_and_start() {
    assert!(matches!(
        AssetName::parse("nova tools"),
        Err(NameError::Character { ch: ' ', .. })
    ));
    assert!(matches!(
        AssetName::parse("nova.tools"),
        Err(NameError::Character { ch: '.', .. })
    ));
    assert!(matches!(
        AssetName::parse("növa"),
        Err(NameError::Character { ch: 'ö', .. })
    ));
    assert!(matches!(
        AssetName::parse("-nova"),
        Err(NameError::Start(_))
    ));
    assert!(matches!(
        AssetName::parse("nova\n"),
        Err(NameError::Character { ch: '\n', .. })
    ));
    // The Kelvin sign lower-cases to `k` in Unicode; it must not fold into a valid name.
    assert!(matches!(
        AssetName::canonical_form("\u{212A}eystone"),
        Err(NameError::Character { .. })
    ));
}

#[test]
fn folds_case_and_underscores() {
    let folded = AssetName::canonical_form("Nova_Tools").expect("foldable");
    assert_eq!(folded.as_str(), "nova-tools");
    assert_eq!(
        AssetName::canonical_form("NOVA-tools")
            .expect("foldable")
            .as_str(),
        "nova-tools"
    );
    assert!(matches!(
        AssetName::canonical_form("_nova"),
        Err(NameError::Start(_))
    ));
}

#[test]
fn non_canonical_spelling_names_the_canonical_one() {
    let err = AssetName::parse("Nova_Tools").expect_err("not canonical");
    assert_eq!(
        err,
        NameError::NotCanonical {
            name: "Nova_Tools".into(),
            canonical: "nova-tools".into()
        }
    );
    assert!(err.to_string().contains("`nova-tools`"), "{err}");
}

#[test]
fn deserialize_requires_canonical() {
    let ok: AssetName = serde_json::from_str("\"nova-tools\"").expect("canonical");
    assert_eq!(ok.as_str(), "nova-tools");
    assert!(serde_json::from_str::<AssetName>("\"Nova_Tools\"").is_err());
}

fn key(name: &str) -> String {
    AssetName::parse(name).expect("valid").lookalike_key()
}

#[test]
fn lookalike_names_share_a_key() {
    assert_eq!(key("neutr0n-cleanup"), key("neutron-cleanup"));
    assert_eq!(key("nova-tools"), key("novatools"));
    assert_eq!(key("nova--tools"), key("nova-tools-"));
    assert_eq!(key("g1ance-check"), key("glance-check"));
    assert_eq!(key("ci1nder"), key("cllnder"));
    assert_eq!(key("rnodel"), key("model"));
    assert_eq!(key("vvatcher"), key("watcher"));
    assert_eq!(key("5wift-ring"), key("swift-ring"));
}

#[test]
fn distinct_names_keep_distinct_keys() {
    assert_ne!(key("nova-tools"), key("neutron-tools"));
    assert_ne!(key("cinder-backup"), key("cinder-backups"));
    assert_ne!(key("heat-stack"), key("heat-stacks"));
}
