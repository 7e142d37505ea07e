//! `osops.toml`: the DESIGN.md example, and one test per rule with the field path it reports.

use osops_index::{AssetName, Kind, Manifest, ManifestError};

const EXAMPLE: &str = r#"
[asset]
name = "nova-evacuate-host"          # [a-z0-9][a-z0-9-]{1,63}; '_' and case fold to '-' and lower
version = "1.2.0"                    # semver
kind = "script"                      # script | playbook | role | tool | check | template | config
description = "Live-migrate or evacuate every instance off a compute host"
license = "Apache-2.0"               # SPDX expression
authors = ["Jane Operator <jane@example.org>"]
repository = "https://opendev.org/example/ops-tools"
readme = "README.md"
keywords = ["maintenance", "compute"]
include = ["bin/**", "README.md"]    # optional; default: everything but VCS dirs

[openstack]
services = ["nova", "placement"]     # from a known list (schemas/), unknown names rejected
releases = ">=2023.1, <=2025.2"      # release series range; names like "antelope" accepted too

[needs]
addresses = ["drain-compute-host"]   # ids of needs in the registry's needs catalog
prompted-by = ["https://bugs.launchpad.net/nova/+bug/1234567"]

[entrypoints]                        # what `osops install` links onto PATH, `osops run` runs
bin = { "nova-evacuate-host" = "bin/evacuate.sh" }
playbook = "site.yml"                # for playbooks and roles

[dependencies]                       # other assets, semver requirements (caret by default)
os-cloud-helpers = "0.3"

[requires]                           # what must be on the operator's machine; checked, not installed
commands = ["openstack", "jq"]
"#;

const MINIMAL: &str = r#"
[asset]
name = "nova-tools"
version = "0.1.0"
kind = "tool"
description = "Tools"
"#;

/// The example with `from` replaced by `to` (which must occur).
fn variant(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "{from}");
    EXAMPLE.replacen(from, to, 1)
}

fn error(text: &str) -> ManifestError {
    Manifest::from_toml_str(text).expect_err("manifest should be rejected")
}

#[test]
fn design_example_parses() {
    let m = Manifest::from_toml_str(EXAMPLE).expect("the DESIGN.md example is valid");
    assert_eq!(m.asset.name.as_str(), "nova-evacuate-host");
    assert_eq!(m.asset.version, semver::Version::new(1, 2, 0));
    assert_eq!(m.asset.kind, Kind::Script);
    assert_eq!(m.openstack.services, ["nova", "placement"]);
    assert_eq!(
        m.openstack.releases.as_ref().map(|r| r.releases().len()),
        Some(6)
    );
    assert_eq!(m.needs.addresses[0].as_str(), "drain-compute-host");
    assert_eq!(
        m.entrypoints
            .bin
            .get("nova-evacuate-host")
            .map(String::as_str),
        Some("bin/evacuate.sh")
    );
    let (dep, req) = m.dependencies.iter().next().expect("one dependency");
    assert_eq!(dep.as_str(), "os-cloud-helpers");
    assert_eq!(req.to_string(), "^0.3");
    assert_eq!(m.requires.commands, ["openstack", "jq"]);
    assert_eq!(m.archive_stem(), "nova-evacuate-host-1.2.0");
}

#[test]
fn manifest_round_trips_through_toml() {
    for text in [EXAMPLE, MINIMAL] {
        let m = Manifest::from_toml_str(text).expect("valid");
        let again = Manifest::from_toml_str(&m.to_toml_string()).expect("round trip parses");
        assert_eq!(m, again);
    }
    let minimal = Manifest::from_toml_str(MINIMAL)
        .expect("valid")
        .to_toml_string();
    assert!(
        !minimal.contains("[openstack]"),
        "empty tables are left out:\n{minimal}"
    );
}

#[test]
fn typo_in_key_gives_path_and_suggestion() {
    let e = error(&variant("description =", "descripton ="));
    assert_eq!(e.field, "asset.descripton");
    assert_eq!(e.hint.as_deref(), Some("did you mean `description`?"));
    let e = error(&variant("prompted-by", "prompted_by"));
    assert_eq!(e.field, "needs.prompted_by");
    assert_eq!(e.hint.as_deref(), Some("did you mean `prompted-by`?"));
    let e = error(&variant("[requires]", "[requirez]"));
    assert_eq!(e.field, "requirez");
    assert_eq!(e.hint.as_deref(), Some("did you mean `requires`?"));
}

#[test]
fn unknown_key_without_a_close_match_lists_valid_keys() {
    let e = error(&variant("commands = [", "colour = \"blue\"\ncommands = ["));
    assert_eq!(e.field, "requires.colour");
    assert!(
        e.hint.as_deref().is_some_and(|h| h.contains("`commands`")),
        "{e}"
    );
    let e = error(&format!("name = \"x\"\n{MINIMAL}"));
    assert_eq!(
        e.hint.as_deref(),
        Some("`name` belongs in the `[asset]` table")
    );
}

#[test]
fn unknown_service_is_rejected_with_suggestion() {
    let e = error(&variant("\"placement\"]", "\"placment\"]"));
    assert_eq!(e.field, "openstack.services[1]");
    assert!(e.message.contains("`placment`"), "{e}");
    assert_eq!(e.hint.as_deref(), Some("did you mean `placement`?"));
    let e = error(&variant("\"placement\"]", "\"kubernetes-thing\"]"));
    assert!(
        e.hint.as_deref().is_some_and(|h| h.contains("`nova`")),
        "{e}"
    );
}

#[test]
fn service_spelling_is_normalised() {
    let m = Manifest::from_toml_str(&variant("\"placement\"]", "\"Placement\"]")).expect("valid");
    assert_eq!(m.openstack.services, ["nova", "placement"]);
}

#[test]
fn non_canonical_name_names_the_canonical_form() {
    let e = error(&variant("\"nova-evacuate-host\"   ", "\"Nova_Tools\"   "));
    assert_eq!(e.field, "asset.name");
    assert_eq!(e.hint.as_deref(), Some("use `nova-tools`"));
    assert!(e.to_string().contains("`nova-tools`"), "{e}");
    assert_eq!(
        e.canonical_name().as_ref().map(AssetName::as_str),
        Some("nova-tools")
    );
    let e = error(&variant("\"nova-evacuate-host\"   ", "\"nova_töols\"   "));
    assert_eq!(e.field, "asset.name");
    assert_eq!(e.canonical_name(), None, "{e}");
}

#[test]
fn invalid_semver_is_rejected() {
    let e = error(&variant("\"1.2.0\"", "\"1.2\""));
    assert_eq!(e.field, "asset.version");
    assert_eq!(e.hint.as_deref(), Some("use three numbers like `1.2.0`"));
    let e = error(&variant("\"1.2.0\"", "1"));
    assert_eq!(e.field, "asset.version");
    assert!(
        e.message.contains("expected a string, found an integer"),
        "{e}"
    );
}

#[test]
fn javascript_url_is_rejected() {
    let e = error(&variant(
        "\"https://opendev.org/example/ops-tools\"",
        "\"javascript:alert(1)\"",
    ));
    assert_eq!(e.field, "asset.repository");
    let e = error(&variant(
        "\"https://bugs.launchpad.net/nova/+bug/1234567\"",
        "\"JavaScript://%0aalert(1)\"",
    ));
    assert_eq!(e.field, "needs.prompted-by[0]");
    let e = error(&variant(
        "\"https://opendev.org/example/ops-tools\"",
        "\"https://x.org/a b\"",
    ));
    assert_eq!(e.field, "asset.repository");
    let e = error(&variant(
        "\"https://opendev.org/example/ops-tools\"",
        "\"https://\"",
    ));
    assert!(e.message.contains("no host"), "{e}");
}

#[test]
fn control_characters_are_rejected_anywhere() {
    let e = error(&variant("\"Live-migrate", "\"Live\\r\\nmigrate"));
    assert_eq!(e.field, "asset.description");
    let e = error(&variant("\"jq\"]", "\"jq\\u0000\"]"));
    assert_eq!(e.field, "requires.commands[1]");
    let e = error(&variant("os-cloud-helpers =", "\"os\\ncloud\" ="));
    assert_eq!(e.field, "dependencies.\"os\\ncloud\"");
}

#[test]
fn huge_manifest_is_an_error() {
    let e = error(&format!("{MINIMAL}# {}\n", "x".repeat(70_000)));
    assert!(e.message.contains("limit"), "{e}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for text in [
        format!(
            "{MINIMAL}[requires]\ncommands = {}{}",
            "[".repeat(20_000),
            "]".repeat(20_000)
        ),
        format!(
            "{MINIMAL}x = {}1{}",
            "{a = ".repeat(10_000),
            "}".repeat(10_000)
        ),
        format!("[{}]\n{MINIMAL}", vec!["a"; 10_000].join(".")),
    ] {
        let e = error(&text);
        assert!(!e.message.is_empty());
    }
}

#[test]
fn syntax_errors_carry_the_toml_message_and_position() {
    let e = error("[asset]\nname = \"x\"\nversion = 1.2.3\n");
    assert_eq!(e.field, "");
    assert!(e.message.starts_with("invalid TOML at line 3"), "{e}");
}

#[test]
fn missing_required_fields_are_named() {
    let e = error(&MINIMAL.replace("kind = \"tool\"\n", ""));
    assert_eq!(e.field, "asset.kind");
    assert!(error("[openstack]\n").field == "asset");
    let e = error(&MINIMAL.replace("\"tool\"", "\"tol\""));
    assert_eq!(e.hint.as_deref(), Some("did you mean `tool`?"));
}

#[test]
fn description_rules() {
    assert_eq!(
        error(&MINIMAL.replace("\"Tools\"", "\"  \"")).field,
        "asset.description"
    );
    let long = format!("\"{}\"", "x".repeat(501));
    assert!(
        error(&MINIMAL.replace("\"Tools\"", &long))
            .message
            .contains("501")
    );
}

#[test]
fn entrypoint_paths_stay_inside_the_asset() {
    for bad in [
        "../evil.sh",
        "/usr/bin/x",
        "bin\\\\x.sh",
        "C:/x",
        "bin//x",
        "./bin/x",
        ".osops-complete",
        "",
    ] {
        let e = error(&variant("\"bin/evacuate.sh\"", &format!("\"{bad}\"")));
        assert_eq!(e.field, "entrypoints.bin.nova-evacuate-host", "{bad}: {e}");
    }
    assert_eq!(
        error(&variant("\"site.yml\"", "\"../site.yml\"")).field,
        "entrypoints.playbook"
    );
    assert_eq!(
        error(&variant("\"README.md\"\n", "\"/README.md\"\n")).field,
        "asset.readme"
    );
    assert_eq!(
        error(&variant("\"bin/**\"", "\"../**\"")).field,
        "asset.include[0]"
    );
}

#[test]
fn command_names_are_simple() {
    for bad in ["..", ".hidden", "-rf", "a/b", "a b"] {
        let e = error(&variant(
            "{ \"nova-evacuate-host\" =",
            &format!("{{ \"{bad}\" ="),
        ));
        assert!(e.field.starts_with("entrypoints.bin."), "{bad}: {e}");
    }
    assert_eq!(
        error(&variant("\"jq\"]", "\"jq; rm -rf /\"]")).field,
        "requires.commands[1]"
    );
}

#[test]
fn keyword_rules() {
    let e = error(&variant("\"compute\"]", "\"Compute\"]"));
    assert_eq!(e.field, "asset.keywords[1]");
    let many: Vec<String> = (0..11).map(|i| format!("\"k{i}\"")).collect();
    let e = error(&variant(
        "[\"maintenance\", \"compute\"]",
        &format!("[{}]", many.join(", ")),
    ));
    assert_eq!(e.field, "asset.keywords");
    assert_eq!(
        error(&variant("\"compute\"]", "\"maintenance\"]")).field,
        "asset.keywords[1]"
    );
}

#[test]
fn dependency_rules() {
    let e = error(&variant("os-cloud-helpers =", "OS_Cloud_Helpers ="));
    assert_eq!(e.field, "dependencies.OS_Cloud_Helpers");
    assert_eq!(e.hint.as_deref(), Some("use `os-cloud-helpers`"));
    let e = error(&variant(
        "os-cloud-helpers = \"0.3\"",
        "os-cloud-helpers = \"not a version\"",
    ));
    assert_eq!(e.field, "dependencies.os-cloud-helpers");
    let e = error(&variant("os-cloud-helpers =", "nova-evacuate-host ="));
    assert!(e.message.contains("depends on itself"), "{e}");
}

#[test]
fn need_ids_must_be_canonical() {
    let e = error(&variant("\"drain-compute-host\"", "\"Drain_Compute_Host\""));
    assert_eq!(e.field, "needs.addresses[0]");
    assert_eq!(e.hint.as_deref(), Some("use `drain-compute-host`"));
}

#[test]
fn release_range_errors_are_reported_on_the_field() {
    let e = error(&variant(">=2023.1, <=2025.2", ">=2023.1, <=2099.1"));
    assert_eq!(e.field, "openstack.releases");
    assert!(e.message.contains("`2099.1`"), "{e}");
}

#[test]
fn from_dir_reads_the_manifest_and_explains_a_missing_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = Manifest::from_dir(dir.path()).expect_err("no manifest");
    assert_eq!(
        e.hint.as_deref(),
        Some("run `osops init` there to create one")
    );
    std::fs::write(dir.path().join("osops.toml"), MINIMAL).expect("write");
    assert_eq!(
        Manifest::from_dir(dir.path())
            .expect("valid")
            .asset
            .name
            .as_str(),
        "nova-tools"
    );
}

#[test]
fn to_toml_string_keeps_the_documented_order() {
    let text = Manifest::from_toml_str(EXAMPLE)
        .expect("valid")
        .to_toml_string();
    let order: Vec<_> = [
        "[asset]\nname = ",
        "version = ",
        "[openstack]",
        "[needs]",
        "[entrypoints",
        "[dependencies]",
        "[requires]",
    ]
    .iter()
    .map(|needle| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing in\n{text}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
}

/// A tiny deterministic PRNG (xorshift), so the fuzz tests need no extra crate and replay exactly.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn case_21_arbitrary_toml_never_panics() {
    let tokens = [
        "[asset]",
        "[openstack]",
        "[[asset]]",
        "name",
        "version",
        "=",
        "\"",
        "'",
        "\"\"\"",
        "{",
        "}",
        "[",
        "]",
        ",",
        ".",
        "\n",
        "\r\n",
        "#",
        "1.2.0",
        "nova",
        "-",
        "_",
        "0",
        "1e400",
        "true",
        "\\u0000",
        "\\",
        "é",
        "\u{0}",
        "kind",
        "script",
        "bin",
        "x = ",
        "[entrypoints.bin]",
        "dependencies",
        "releases",
        ">=",
        "2023.1",
        "*",
        "   ",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3_000 {
        let len = (xorshift(&mut state) % 40) as usize;
        let text: String = (0..len)
            .map(|_| tokens[(xorshift(&mut state) % tokens.len() as u64) as usize])
            .collect();
        let _ = Manifest::from_toml_str(&text);
        let _ = Manifest::from_toml_str(&format!("{MINIMAL}{text}"));
    }
}
