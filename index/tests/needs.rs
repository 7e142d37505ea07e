//! Needs: record validation, TOML need files and the Product Working Group's rST user stories.

use std::path::{Path, PathBuf};

use osops_index::need::import::{self, ImportError, Imported};
use osops_index::{AssetName, ManifestError, NeedRecord, UseCase};

fn record() -> NeedRecord {
    NeedRecord {
        id: AssetName::parse("drain-compute-host").expect("valid id"),
        title: "Empty a compute host before maintenance".into(),
        problem: "Before I patch a hypervisor I have to move every instance off it.".into(),
        persona: Some("cloud operator".into()),
        services: vec!["nova".into(), "Placement".into()],
        links: vec!["https://docs.openstack.org/nova/latest/admin/evacuate.html".into()],
        use_cases: vec![UseCase {
            persona: Some("cloud operator".into()),
            text: "As a cloud operator, I want to drain a host with one command.".into(),
        }],
    }
}

fn invalid(r: NeedRecord) -> ManifestError {
    r.validate().expect_err("record should be rejected")
}

// ---------------------------------------------------------------------------------------------
// NeedRecord::validate

#[test]
fn valid_record_gets_canonical_services() {
    let r = record().validate().expect("valid");
    assert_eq!(r.services, ["nova", "placement"]);
    assert_eq!(r.title, "Empty a compute host before maintenance");
}

#[test]
fn bad_id_is_refused() {
    // An id can only be built valid, so a bad one arrives through deserialisation.
    let json = serde_json::json!({"id": "Drain_Host", "title": "t", "problem": "p"});
    let e = serde_json::from_value::<NeedRecord>(json).expect_err("non-canonical id");
    assert!(e.to_string().contains("drain-host"), "{e}");
    // In a need file the same id is a field error with the canonical spelling as hint.
    let e = import::parse_toml(
        "id = \"Drain_Host\"\ntitle = \"t\"\nproblem = \"p\"\n",
        "x.toml",
    )
    .expect_err("non-canonical id");
    let source = invalid_source(e);
    assert_eq!(source.field, "id");
    assert_eq!(source.hint.as_deref(), Some("use `drain-host`"));
}

#[test]
fn empty_title_is_refused() {
    let e = invalid(NeedRecord {
        title: "   ".into(),
        ..record()
    });
    assert_eq!(e.field, "title");
    assert!(e.message.contains("empty"), "{e}");
}

#[test]
fn multi_line_title_is_refused() {
    let e = invalid(NeedRecord {
        title: "one\ntwo".into(),
        ..record()
    });
    assert_eq!(e.field, "title");
    assert!(e.message.contains("control character"), "{e}");
}

#[test]
fn long_title_is_refused() {
    let e = invalid(NeedRecord {
        title: "x".repeat(201),
        ..record()
    });
    assert_eq!(e.field, "title");
    assert!(e.message.contains("201 characters"), "{e}");
}

#[test]
fn empty_problem_is_refused_and_newlines_are_kept() {
    let e = invalid(NeedRecord {
        problem: "\n \n".into(),
        ..record()
    });
    assert_eq!(e.field, "problem");
    let r = NeedRecord {
        problem: "line one\r\n\r\n\tline two\n".into(),
        ..record()
    };
    assert_eq!(
        r.validate().expect("valid").problem,
        "line one\n\n\tline two"
    );
    let e = invalid(NeedRecord {
        problem: "bell\u{7}".into(),
        ..record()
    });
    assert_eq!(e.field, "problem");
}

#[test]
fn unknown_service_is_refused_with_hint() {
    let e = invalid(NeedRecord {
        services: vec!["nova".into(), "cinder".into(), "neutorn".into()],
        ..record()
    });
    assert_eq!(e.field, "services[2]");
    assert!(e.message.contains("`neutorn`"), "{e}");
    assert_eq!(e.hint.as_deref(), Some("did you mean `neutron`?"));
}

#[test]
fn duplicate_service_after_canonicalisation_is_refused() {
    let e = invalid(NeedRecord {
        services: vec!["nova".into(), "NOVA".into()],
        ..record()
    });
    assert_eq!(e.field, "services[1]");
}

#[test]
fn javascript_link_is_refused() {
    let e = invalid(NeedRecord {
        links: vec!["javascript:alert(1)".into()],
        ..record()
    });
    assert_eq!(e.field, "links[0]");
    assert!(e.message.contains("not an http(s) URL"), "{e}");
}

#[test]
fn use_case_fields_are_checked() {
    let mut r = record();
    r.use_cases.push(UseCase {
        persona: None,
        text: " ".into(),
    });
    let e = invalid(r);
    assert_eq!(e.field, "use_cases[1].text");
    let mut r = record();
    r.use_cases[0].persona = Some("x".repeat(101));
    assert_eq!(invalid(r).field, "use_cases[0].persona");
}

fn invalid_source(e: ImportError) -> ManifestError {
    match e {
        ImportError::Invalid { source, .. } => source,
        other => panic!("expected an invalid need, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// TOML need files

fn examples_needs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/needs.toml")
}

#[test]
fn example_needs_file_parses() {
    let imported = import::import_file(&examples_needs()).expect("examples/needs.toml is valid");
    assert_eq!(imported.records.len(), 13);
    assert!(imported.notes.is_empty(), "{:?}", imported.notes);
    let first = &imported.records[0];
    assert_eq!(first.id.as_str(), "drain-compute-host");
    assert_eq!(first.services, ["nova", "placement"]);
    assert_eq!(
        first.persona.as_deref(),
        Some("cloud operator on call for the compute fleet")
    );
    assert_eq!(imported.records[12].id.as_str(), "migrate-ovs-to-ovn");
}

const TWO_NEEDS: &str = r#"
[[need]]
id = "drain-compute-host"
title = "Empty a compute host"
problem = "Moving instances by hand at 3 a.m. is where mistakes happen."
services = ["Nova"]

[[need]]
id = "monitor-galera"
title = "Detect a Galera node that cannot serve"
problem = """A node outside the Primary component still accepts connections.

HAProxy keeps sending it traffic."""
persona = "control-plane operator"
links = ["https://galeracluster.com/library/documentation/monitoring-cluster.html"]
use-cases = [
  { persona = "control-plane operator", text = "As a control-plane operator, I want an alert on lost quorum." },
  { text = "Alert on flow control before users notice." },
]
"#;

fn toml_error(text: &str) -> ManifestError {
    invalid_source(import::parse_toml(text, "needs.toml").expect_err("need file should be refused"))
}

#[test]
fn need_tables_parse_with_use_cases() {
    let imported = import::parse_toml(TWO_NEEDS, "needs.toml").expect("valid");
    let [drain, galera] = imported.records.as_slice() else {
        panic!("two records expected: {:?}", imported.records);
    };
    assert_eq!(drain.services, ["nova"], "canonicalised");
    assert_eq!(galera.problem.lines().count(), 3);
    assert_eq!(
        galera.use_cases,
        [
            UseCase {
                persona: Some("control-plane operator".into()),
                text: "As a control-plane operator, I want an alert on lost quorum.".into(),
            },
            UseCase {
                persona: None,
                text: "Alert on flow control before users notice.".into(),
            },
        ]
    );
}

#[test]
fn single_top_level_need_parses() {
    let text = r#"
id = "rotate-fernet-keys"
title = "Rotate Keystone Fernet keys everywhere"
problem = "Keys rotated on one node only make tokens fail at random."
services = ["keystone"]
use_cases = [{ text = "Rotate on one node and distribute." }]
"#;
    let imported = import::parse_toml(text, "fernet.toml").expect("valid");
    assert_eq!(imported.records.len(), 1);
    assert_eq!(imported.records[0].id.as_str(), "rotate-fernet-keys");
    assert_eq!(imported.records[0].use_cases.len(), 1);
}

#[test]
fn typo_in_a_need_gets_did_you_mean() {
    let e = toml_error(&TWO_NEEDS.replacen("persona =", "persnoa =", 1));
    assert_eq!(e.field, "need[1].persnoa");
    assert!(e.message.contains("unknown key `persnoa`"), "{e}");
    assert_eq!(e.hint.as_deref(), Some("did you mean `persona`?"));

    let e = toml_error("id = \"x-y\"\ntitel = \"t\"\nproblem = \"p\"\n");
    assert_eq!(e.field, "titel");
    assert_eq!(e.hint.as_deref(), Some("did you mean `title`?"));

    let e = toml_error(&TWO_NEEDS.replacen("[[need]]", "[[needs]]", 1));
    assert_eq!(e.field, "needs");
    assert_eq!(e.hint.as_deref(), Some("did you mean `[[need]]`?"));

    let e = toml_error(&format!("title = \"stray\"\n{TWO_NEEDS}"));
    assert_eq!(e.field, "title");
    assert_eq!(
        e.hint.as_deref(),
        Some("`title` belongs in a `[[need]]` table")
    );

    let e = toml_error(&TWO_NEEDS.replacen("{ text =", "{ txt =", 1));
    assert_eq!(e.field, "need[1].use-cases[1].txt");
    assert_eq!(e.hint.as_deref(), Some("did you mean `text`?"));
}

#[test]
fn invalid_values_name_their_place_in_the_file() {
    let e = toml_error(&TWO_NEEDS.replacen("[\"Nova\"]", "[\"Nova\", \"neutorn\"]", 1));
    assert_eq!(e.field, "need[0].services[1]");
    assert_eq!(e.hint.as_deref(), Some("did you mean `neutron`?"));

    let e = toml_error(&TWO_NEEDS.replacen("text = \"Alert on", "text = \"Alert\\non", 1));
    assert_eq!(e.field, "need[1].use-cases[1].text");

    let e = toml_error(&TWO_NEEDS.replacen("monitor-galera", "drain-compute-host", 1));
    assert_eq!(e.field, "need[1].id");
    assert!(e.message.contains("`drain-compute-host`"), "{e}");

    let e = toml_error("id = \"a-b\"\ntitle = \"t\"\n");
    assert_eq!(e.field, "problem");
    assert!(e.message.contains("missing required key `problem`"), "{e}");

    let e = toml_error("[need]\nid = \"a-b\"\n");
    assert_eq!(e.field, "need");
    assert_eq!(
        e.hint.as_deref(),
        Some("write each need as a `[[need]]` table")
    );

    let e = toml_error("id = \"a-b\"\ntitle = 3\nproblem = \"p\"\n");
    assert_eq!(e.field, "title");
    assert!(e.message.contains("expected a string"), "{e}");

    let e = toml_error("id = \"a-b\"\ntitle = \n");
    assert!(e.message.contains("invalid TOML at line 2"), "{e}");

    let e = toml_error("# nothing but a comment\n");
    assert!(e.message.contains("no need"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// User stories

fn story(file: &str) -> Imported {
    let path = fixture(file);
    import::import_file(&path).unwrap_or_else(|e| panic!("{file}: {e} ({e:?})"))
}

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/user-stories")
        .join(file)
}

fn one(imported: &Imported) -> &NeedRecord {
    assert_eq!(imported.records.len(), 1, "{:?}", imported.records);
    &imported.records[0]
}

fn personas(r: &NeedRecord) -> Vec<Option<&str>> {
    r.use_cases.iter().map(|u| u.persona.as_deref()).collect()
}

/// Overlined title, "Problem description" with an emphasised "Problem Definition" and
/// "Opportunity/Justification" nested, "Use Cases" > "User Stories" bulleted, `text <url>`_ links.
#[test]
fn story_with_nested_sections_and_overlined_title() {
    let imported = story("host-maintenance.rst");
    let r = one(&imported);
    assert_eq!(r.id.as_str(), "host-maintenance");
    assert_eq!(r.title, "Draining Compute Hosts for Planned Maintenance");
    assert_eq!(
        personas(r),
        [
            Some("cloud operator"),
            Some("cloud operator"),
            Some("operator of a public cloud")
        ]
    );
    assert_eq!(
        r.use_cases[1].text,
        "As a cloud operator, I want migrations that stall to be aborted and reported, so that \
         a single stuck instance does not block the whole maintenance window."
    );
    assert_eq!(r.persona.as_deref(), Some("cloud operator"));
    assert_eq!(r.services, ["nova", "placement"]);
    assert_eq!(
        r.links,
        [
            "https://docs.openstack.org/nova/latest/admin/live-migration-usage.html",
            "https://etherpad.opendev.org/p/ops-meetup-host-maintenance",
            "https://bugs.launchpad.net/nova/+bug/1916031",
        ]
    );
    // The licence comment and the template's bookkeeping lines stay out; inline literals become
    // markdown code; the note, the opportunity and the requirements follow the problem.
    assert!(
        r.problem
            .starts_with("Every month operators patch the kernel"),
        "{}",
        r.problem
    );
    assert!(!r.problem.contains("Cross Project Spec"));
    assert!(!r.problem.contains("Creative Commons"));
    assert!(
        r.problem.contains("disable the `nova-compute` service"),
        "{}",
        r.problem
    );
    assert!(r.problem.contains(
        "\n\n**Note:** Instances with attached volumes or SR-IOV ports are the ones that fail most often.\n\n"
    ));
    assert!(
        r.problem
            .contains("\n\n**Opportunity:** Draining a host is the most frequent")
    );
    assert!(
        r.problem.ends_with(
            "**Requirements:**\n\n- The procedure must work with shared and local storage.\n\
         - Migrations must be limited to a configurable number at a time."
        ),
        "{}",
        r.problem
    );
    assert!(
        !r.problem.contains("batches of five"),
        "usage scenarios are not the problem"
    );
    assert_eq!(
        imported.notes,
        ["sections ignored: Usage Scenario Examples, Glossary"]
    );
}

/// Sections with the title's own adornment, "Problem Definition", "Opportunity / Justification",
/// numbered "Use cases" with an unindented continuation line, bare URLs and `.. _x: url` targets.
#[test]
fn story_with_numbered_use_cases_and_link_targets() {
    let imported = story("db_purge.rst");
    let r = one(&imported);
    assert_eq!(r.id.as_str(), "db-purge", "the stem folds to the id");
    assert_eq!(
        r.title,
        "Purging soft-deleted rows from the OpenStack databases"
    );
    assert_eq!(
        personas(r),
        [Some("deployer"), Some("cloud operator"), Some("deployer")]
    );
    assert_eq!(
        r.use_cases[2].text,
        "As a deployer I need a dry run that prints how many rows each table would lose."
    );
    assert_eq!(
        r.persona.as_deref(),
        Some("deployer"),
        "the most common persona"
    );
    assert_eq!(
        r.services,
        ["nova", "cinder", "glance", "mariadb", "galera"]
    );
    assert_eq!(
        r.links,
        [
            "http://lists.openstack.org/pipermail/openstack-operators/2016-May/010432.html",
            "https://docs.openstack.org/nova/latest/cli/nova-manage.html",
            "https://etherpad.opendev.org/p/ops-db-purge",
            "https://docs.openstack.org/cinder/latest/cli/cinder-manage.html",
        ]
    );
    assert!(
        r.problem
            .starts_with("Nova, Cinder and Glance never delete rows")
    );
    assert!(
        r.problem
            .contains("**Opportunity:** Every long-lived cloud hits this. The projects ship archive and purge commands (`nova-manage db archive_deleted_rows`, `cinder-manage db purge`)"),
        "{}",
        r.problem
    );
    assert!(
        !r.problem.contains("Block Storage service purges"),
        "gaps are not the problem"
    );
    assert_eq!(
        imported.notes,
        [
            "sections ignored: Gaps",
            "links skipped (not valid http(s) URLs): `ftp://archive.example.org/db-purge.tar.gz`",
        ]
    );
}

/// `#`-overlined title, `~` sections, "Problem Statement", top-level "User Stories" written
/// `*As …` without a space, a literal block, `<url>`_ and an anonymous `__ url` target.
#[test]
fn story_with_user_stories_section_and_literal_block() {
    let imported = story("quota-visibility.rst");
    let r = one(&imported);
    assert_eq!(r.title, "Quota usage visibility across all projects");
    assert_eq!(
        personas(r),
        [Some("Operator"), Some("Operator"), Some("capacity planner")]
    );
    assert_eq!(
        r.use_cases[2].text,
        "As a capacity planner I want to see the trend of usage over the last quarter."
    );
    assert_eq!(r.persona.as_deref(), Some("Operator"));
    // "Orchestration" is the alias of heat; "instance placement decisions" is English.
    assert_eq!(r.services, ["nova", "neutron", "cinder", "heat"]);
    assert_eq!(
        r.links,
        [
            "https://docs.openstack.org/python-openstackclient/latest/cli/command-objects/quota.html",
            "https://etherpad.opendev.org/p/forum-quota-management",
            "https://docs.openstack.org/operations-guide/ops-projects-users.html#quotas",
        ]
    );
    assert!(
        r.problem.contains(
            "A typical check today looks like this:\n\n```\nopenstack quota show --usage PROJECT\n```\n\nand has to be repeated"
        ),
        "{}",
        r.problem
    );
    assert!(r.problem.ends_with(
        "**Requirements:**\n\n1. Works with the admin credentials the operator already has.\n\
         2. Read-only: the report never changes a quota."
    ));
    assert!(
        !r.problem.contains("alerts"),
        "prose in the use-case section is not the problem"
    );
    assert!(imported.notes.is_empty(), "{:?}", imported.notes);
}

#[test]
fn story_without_use_cases_is_imported_with_a_note() {
    let imported = story("rabbitmq-partitions.rst");
    let r = one(&imported);
    assert_eq!(
        r.title,
        "RabbitMQ partitions go unnoticed until the APIs hang"
    );
    assert!(r.use_cases.is_empty());
    assert_eq!(r.persona, None);
    assert!(r.links.is_empty(), "\"None.\" is not a link");
    assert_eq!(
        r.services,
        ["rabbitmq", "neutron", "kolla-ansible", "openstack-ansible"]
    );
    assert!(
        r.problem
            .starts_with("When the RabbitMQ cluster partitions")
    );
    assert!(
        r.problem
            .contains("**Requirements:**\n\n- A check that a monitoring system")
    );
    assert_eq!(imported.notes, ["no use cases found"]);
}

#[test]
fn story_whose_file_name_is_not_an_id_gets_one_from_its_title() {
    let imported = story("replace_failed_OSD.v2.rst");
    let r = one(&imported);
    assert_eq!(
        r.id.as_str(),
        "replacing-a-failed-ceph-osd-without-losing-redundancy"
    );
    assert_eq!(
        r.title,
        "Replacing a failed Ceph OSD without losing redundancy"
    );
    assert_eq!(
        personas(r),
        [Some("storage operator"), Some("storage operator"), None]
    );
    assert_eq!(
        r.use_cases[2].text,
        "Replace several OSDs of one host in one maintenance window."
    );
    assert_eq!(r.persona.as_deref(), Some("storage operator"));
    assert_eq!(r.services, ["ceph", "cinder", "nova"]);
    assert!(r.problem.starts_with("When a disk behind a Ceph OSD fails"));
    assert!(
        r.problem.ends_with("configured replica count."),
        "only the first paragraph"
    );
    assert_eq!(imported.notes.len(), 3, "{:?}", imported.notes);
    assert!(
        imported.notes[0]
            .starts_with("the file name `replace_failed_OSD.v2` is not a valid need id")
            && imported.notes[0].ends_with(
                "used `replacing-a-failed-ceph-osd-without-losing-redundancy`, made from the title"
            ),
        "{}",
        imported.notes[0]
    );
    assert_eq!(
        imported.notes[1],
        "no problem section; used the first paragraph"
    );
    assert_eq!(imported.notes[2], "sections ignored: Affected By");
}

#[test]
fn readme_is_not_a_need() {
    let e = import::import_file(&fixture("README.rst")).expect_err("not a user story");
    match e {
        ImportError::NotANeed { path, reason } => {
            assert!(path.ends_with("README.rst"), "{path}");
            assert_eq!(
                reason,
                "no problem, use case or requirements section (its sections are `Installation`, `Usage`)"
            );
        }
        other => panic!("{other:?}"),
    }
}

fn not_a_need(text: &str) -> String {
    match import::parse_user_story(text, "story", "story.rst") {
        Err(ImportError::NotANeed { reason, .. }) => reason,
        other => panic!("expected NotANeed, got {other:?}"),
    }
}

#[test]
fn documents_without_a_title_are_not_needs() {
    assert!(not_a_need("Just some text.\n\nAs an operator, I want things.\n").contains("no title"));
    let reason = not_a_need("Problem Description\n===================\n\nHosts fail.\n");
    assert_eq!(
        reason,
        "it has no title: its first heading is the section `Problem Description`"
    );
}

#[test]
fn only_use_cases_make_the_problem() {
    let text = "\
Rolling upgrades
================

Use Cases
---------

- As a deployer, I want to upgrade one service at a time.
- As a deployer, I want the APIs to stay up during the upgrade.
";
    let imported = import::parse_user_story(text, "rolling-upgrades", "x.rst").expect("story");
    let r = one(&imported);
    assert_eq!(
        r.problem,
        "- As a deployer, I want to upgrade one service at a time.\n\
         - As a deployer, I want the APIs to stay up during the upgrade."
    );
    assert_eq!(imported.notes, ["no problem section; used the use cases"]);
    assert!(r.services.is_empty());
}

#[test]
fn use_case_paragraph_takes_the_list_it_introduces() {
    // The shape of many working-group stories: one "As …" paragraph ending with a colon, then
    // the cases it covers; a nested "User Cases" (sic) under the problem's own adornment.
    let text = "\
High availability for instances
===============================

Problem Description
===================

Problem Definition
------------------
Instances of pet applications must come back when their host dies.

User Cases
==========

User Stories
------------
As a cloud operator, I would like failed instances to be recovered automatically. Failures include:

* the instance is down;
* the compute host is down.

N.B. This is about high availability, not 100% availability.
";
    let imported = import::parse_user_story(text, "ha_vm", "ha_vm.rst").expect("story");
    let r = one(&imported);
    assert_eq!(r.id.as_str(), "ha-vm");
    assert_eq!(
        r.use_cases,
        [UseCase {
            persona: Some("cloud operator".into()),
            text: "As a cloud operator, I would like failed instances to be recovered \
                   automatically. Failures include: the instance is down; the compute host is down"
                .into(),
        }]
    );
    assert_eq!(
        r.problem,
        "Instances of pet applications must come back when their host dies."
    );
    assert!(imported.notes.is_empty(), "{:?}", imported.notes);
}

#[test]
fn use_cases_one_per_line_are_separate() {
    let text = "\
Fernet key rotation
~~~~~~~~~~~~~~~~~~~

Problem definition
~~~~~~~~~~~~~~~~~~

Keys rotated on one Keystone node only make tokens fail at random.

Use cases
~~~~~~~~~

As an operator, I want to rotate keys on one node and distribute them
to every other node.
As an operator, I want to verify that every node holds the same keys.
As a security officer I want a record of each rotation.
";
    let imported = import::parse_user_story(text, "fernet", "fernet.rst").expect("story");
    let r = one(&imported);
    assert_eq!(
        personas(r),
        [Some("operator"), Some("operator"), Some("security officer")]
    );
    assert_eq!(
        r.use_cases[0].text,
        "As an operator, I want to rotate keys on one node and distribute them to every other node."
    );
    assert_eq!(r.persona.as_deref(), Some("operator"));
    assert_eq!(r.services, ["keystone"]);
}

#[test]
fn nested_unknown_sections_belong_to_their_parent() {
    let text = "\
Telco workloads on shared hosts
===============================

Problem description
-------------------

Noisy neighbours hurt latency-sensitive network functions.

Examples
~~~~~~~~

A packet core shares a host with a batch job.

Personas Impacted
-----------------

* Network operator
";
    let imported = import::parse_user_story(text, "telco", "telco.rst").expect("story");
    assert_eq!(
        one(&imported).problem,
        "Noisy neighbours hurt latency-sensitive network functions.\n\n**Examples**\n\n\
         A packet core shares a host with a batch job."
    );
    assert_eq!(
        imported.notes,
        ["no use cases found", "sections ignored: Personas Impacted"]
    );
}

#[test]
fn empty_problem_section_falls_back_to_the_first_paragraph() {
    let text = "\
Image cache cleanup
===================

Cached images fill the disks of compute hosts.

Problem Description
-------------------

None.

Use Cases
---------

* As an operator, I want old cached images removed.
";
    let imported = import::parse_user_story(text, "image-cache", "x.rst").expect("story");
    assert_eq!(
        one(&imported).problem,
        "Cached images fill the disks of compute hosts."
    );
    assert_eq!(
        imported.notes,
        ["the problem section is empty; used the first paragraph"]
    );
}

#[test]
fn long_title_is_cut_with_a_note() {
    let title = "Operators need ".repeat(20);
    let text = format!(
        "{t}\n{u}\n\nProblem\n-------\n\nIt is long.\n",
        t = title.trim(),
        u = "=".repeat(title.len())
    );
    let imported = import::parse_user_story(&text, "long", "long.rst").expect("story");
    let r = one(&imported);
    assert_eq!(r.title.chars().count(), 200);
    assert!(r.title.ends_with('…'));
    assert!(
        imported
            .notes
            .contains(&"title cut to 200 characters".to_owned())
    );
}

#[test]
fn inline_markup_and_directives() {
    let text = "\
Scheduler hints
===============

Problem Description
-------------------

See :doc:`the guide <scheduling>` and the `spec`_. Run :command:`nova-manage` with
``--verbose``; escaped \\*stars\\* stay. A `reference <https://example.org/ref>`__ here,
`twice <https://example.org/ref>`__.

.. image:: diagram.png

.. code-block:: console

   $ openstack server list

.. _spec: https://specs.openstack.org/openstack/nova-specs/scheduler-hints.html
";
    let imported = import::parse_user_story(text, "hints", "hints.rst").expect("story");
    let r = one(&imported);
    assert_eq!(
        r.problem,
        "See the guide and the spec. Run `nova-manage` with `--verbose`; escaped *stars* stay. \
         A [reference](https://example.org/ref) here, [twice](https://example.org/ref).\n\n```console\n$ openstack server list\n```"
    );
    assert_eq!(
        r.links,
        [
            "https://example.org/ref",
            "https://specs.openstack.org/openstack/nova-specs/scheduler-hints.html",
        ]
    );
    assert_eq!(r.services, ["nova"]);
    assert_eq!(
        imported.notes,
        ["no use cases found", "directives dropped: image"]
    );
}

#[test]
fn import_file_refuses_other_extensions() {
    let e = import::import_file(Path::new("notes/needs.md")).expect_err("markdown is not imported");
    match e {
        ImportError::NotANeed { path, reason } => {
            assert_eq!(path, "notes/needs.md");
            assert_eq!(
                reason,
                "only .toml need files and .rst user stories are imported"
            );
        }
        other => panic!("{other:?}"),
    }
    let e = import::import_file(Path::new("/nonexistent/story.rst")).expect_err("missing");
    assert!(
        matches!(&e, ImportError::Io { path, .. } if path == "/nonexistent/story.rst"),
        "{e:?}"
    );
}

#[test]
fn import_file_reads_txt_as_rst_and_refuses_non_utf8() {
    let dir = tempfile::tempdir().expect("tempdir");
    let txt = dir.path().join("quota.txt");
    std::fs::copy(fixture("quota-visibility.rst"), &txt).expect("copy");
    let imported = import::import_file(&txt).expect("a .txt user story");
    assert_eq!(one(&imported).id.as_str(), "quota");

    let bad = dir.path().join("bad.rst");
    std::fs::write(&bad, b"Title\n=====\n\xff\n").expect("write");
    let e = invalid_source(import::import_file(&bad).expect_err("not UTF-8"));
    assert!(e.message.contains("is not UTF-8"), "{e}");
}

#[test]
fn importing_the_fixture_directory_reports_per_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/user-stories");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    let results: Vec<(String, Result<String, String>)> = names
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let result = import::import_file(p)
                .map(|i| one(&i).id.to_string())
                .map_err(|e| match e {
                    ImportError::NotANeed { .. } => "not a need".to_owned(),
                    other => other.to_string(),
                });
            (name, result)
        })
        .collect();
    let expected = [
        ("README.rst", Err("not a need")),
        ("db_purge.rst", Ok("db-purge")),
        ("host-maintenance.rst", Ok("host-maintenance")),
        ("quota-visibility.rst", Ok("quota-visibility")),
        ("rabbitmq-partitions.rst", Ok("rabbitmq-partitions")),
        (
            "replace_failed_OSD.v2.rst",
            Ok("replacing-a-failed-ceph-osd-without-losing-redundancy"),
        ),
    ];
    let expected: Vec<(String, Result<String, String>)> = expected
        .iter()
        .map(|(n, r)| ((*n).to_owned(), r.map(str::to_owned).map_err(str::to_owned)))
        .collect();
    assert_eq!(results, expected);
}

#[test]
fn deeply_nested_text_is_flattened_not_recursed() {
    let mut text = String::from("Deep nesting\n============\n\nProblem\n-------\n\n");
    for i in 0..1000 {
        text.push_str(&" ".repeat(i));
        text.push_str("- word\n");
    }
    let imported = import::parse_user_story(&text, "deep", "deep.rst").expect("story");
    assert_eq!(one(&imported).problem.matches("word").count(), 1000);
}
