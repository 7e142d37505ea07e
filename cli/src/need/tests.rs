//! Flags and files to records, walking import paths, and sorting import failures.
//!
//! Tests that reach `NeedRecord::validate` or the importer run the osops-index code for real.

use std::path::{Path, PathBuf};

use super::*;

/// An [`Ask`] with canned answers that records what it was asked.
#[derive(Default)]
struct Canned {
    line: Option<String>,
    text: Option<String>,
    asked: Vec<String>,
}

impl Ask for Canned {
    fn line(&mut self, label: &str) -> std::io::Result<Option<String>> {
        self.asked.push(label.to_owned());
        Ok(self.line.clone())
    }
    fn text(&mut self, label: &str) -> std::io::Result<Option<String>> {
        self.asked.push(label.to_owned());
        Ok(self.text.clone())
    }
}

fn draft() -> Draft {
    Draft {
        id: Some("drain-compute-host".into()),
        title: Some("Empty a compute host before maintenance".into()),
        problem: Some("Operators move every instance by hand at 3 a.m.".into()),
        problem_file: None,
        persona: Some("cloud operator".into()),
        services: vec!["nova".into(), "placement".into()],
        links: vec!["https://bugs.launchpad.net/nova/+bug/1234567".into()],
    }
}

#[track_caller]
fn missing(result: Result<(NeedRecord, Option<String>), Error>) -> (&'static str, String, String) {
    match result {
        Err(e @ Error::Missing { flag, .. }) => (flag, e.to_string(), e.hint().unwrap_or_default()),
        other => panic!("expected a missing flag, got {other:?}"),
    }
}

#[test]
fn a_missing_title_names_the_flag_when_there_is_no_terminal() {
    let (flag, message, hint) = missing(record_from_flags(
        Draft {
            title: None,
            ..draft()
        },
        None,
    ));
    assert_eq!(flag, "--title");
    assert_eq!(message, "missing `--title`: the need's one-line title");
    assert!(
        hint.contains("`--title TEXT`") && hint.contains("`--from FILE`"),
        "{hint}"
    );
    // A blank title is no title.
    let (flag, ..) = missing(record_from_flags(
        Draft {
            title: Some("  ".into()),
            ..draft()
        },
        None,
    ));
    assert_eq!(flag, "--title");
}

#[test]
fn a_missing_problem_names_the_flag_when_there_is_no_terminal() {
    let (flag, message, hint) = missing(record_from_flags(
        Draft {
            problem: None,
            ..draft()
        },
        None,
    ));
    assert_eq!(flag, "--problem");
    assert_eq!(message, "missing `--problem`: the problem statement");
    assert!(hint.contains("`--problem-file FILE`"), "{hint}");
}

#[test]
fn a_missing_id_is_an_error_even_on_a_terminal() {
    let mut ask = Canned {
        line: Some("a title".into()),
        text: Some("a problem".into()),
        ..Canned::default()
    };
    let (flag, message, _) = missing(record_from_flags(
        Draft {
            id: None,
            ..draft()
        },
        Some(&mut ask),
    ));
    assert_eq!(flag, "ID");
    assert_eq!(message, "missing `ID`: the need's id");
    assert!(ask.asked.is_empty(), "asked {:?}", ask.asked);
}

#[test]
fn an_id_that_cannot_be_a_slug_is_refused_before_anything_else() {
    let err = record_from_flags(
        Draft {
            id: Some("drain host!".into()),
            title: None,
            ..draft()
        },
        None,
    )
    .expect_err("bad id");
    assert!(matches!(err, Error::Id { .. }), "{err:?}");
    assert_eq!(err.to_string(), "need id `drain host!` is not valid");
    assert!(err.hint().is_some_and(|h| h.contains("a-z, 0-9 and `-`")));
}

#[test]
fn an_unanswered_prompt_is_still_an_error_naming_the_flag() {
    let mut ask = Canned::default();
    let (flag, ..) = missing(record_from_flags(
        Draft {
            title: None,
            ..draft()
        },
        Some(&mut ask),
    ));
    assert_eq!(flag, "--title");
    assert_eq!(ask.asked, ["Title"]);
}

#[test]
fn a_problem_file_that_cannot_be_read_names_it_and_nothing_is_asked() {
    let mut ask = Canned::default();
    let err = record_from_flags(
        Draft {
            problem: None,
            problem_file: Some(PathBuf::from("/nonexistent/problem.md")),
            ..draft()
        },
        Some(&mut ask),
    )
    .expect_err("missing file");
    assert_eq!(err.to_string(), "cannot read `/nonexistent/problem.md`");
    assert!(ask.asked.is_empty());
}

#[test]
fn an_empty_problem_file_is_a_missing_problem_not_a_prompt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("problem.md");
    std::fs::write(&file, "\n  \n").expect("write");
    let mut ask = Canned {
        text: Some("typed".into()),
        ..Canned::default()
    };
    let (flag, ..) = missing(record_from_flags(
        Draft {
            problem: None,
            problem_file: Some(file),
            ..draft()
        },
        Some(&mut ask),
    ));
    assert_eq!(flag, "--problem");
    assert!(ask.asked.is_empty());
}

#[test]
fn a_problem_file_over_the_limit_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("problem.md");
    std::fs::write(&file, vec![b'x'; MAX_PROBLEM_FILE as usize + 1]).expect("write");
    let err = record_from_flags(
        Draft {
            problem: None,
            problem_file: Some(file),
            ..draft()
        },
        None,
    )
    .expect_err("too large");
    assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
}

// --- Through osops-index's `NeedRecord::validate` ---

#[test]
fn flags_become_a_validated_record() {
    let (record, folded) = record_from_flags(
        Draft {
            id: Some("Drain_Compute_Host".into()),
            ..draft()
        },
        None,
    )
    .expect("valid");
    assert_eq!(folded.as_deref(), Some("Drain_Compute_Host"));
    assert_eq!(record.id.as_str(), "drain-compute-host");
    assert_eq!(record.title, "Empty a compute host before maintenance");
    assert_eq!(
        record.problem,
        "Operators move every instance by hand at 3 a.m."
    );
    assert_eq!(record.persona.as_deref(), Some("cloud operator"));
    assert_eq!(record.services, ["nova", "placement"]);
    assert_eq!(
        record.links,
        ["https://bugs.launchpad.net/nova/+bug/1234567"]
    );
    assert!(record.use_cases.is_empty());
}

#[test]
fn the_problem_comes_from_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("problem.md");
    std::fs::write(&file, "# Draining\n\nBy hand, at 3 a.m.\n").expect("write");
    let (record, _) = record_from_flags(
        Draft {
            problem: None,
            problem_file: Some(file),
            ..draft()
        },
        None,
    )
    .expect("valid");
    assert!(
        record.problem.contains("By hand, at 3 a.m."),
        "{}",
        record.problem
    );
}

#[test]
fn a_terminal_is_asked_for_the_title_and_problem() {
    let mut ask = Canned {
        line: Some("Asked title".into()),
        text: Some("Asked problem\nover two lines\n".into()),
        ..Canned::default()
    };
    let (record, _) = record_from_flags(
        Draft {
            title: None,
            problem: None,
            ..draft()
        },
        Some(&mut ask),
    )
    .expect("valid");
    assert_eq!(ask.asked.len(), 2, "{:?}", ask.asked);
    assert_eq!(record.title, "Asked title");
    assert!(record.problem.starts_with("Asked problem\nover two lines"));
}

#[test]
fn an_unknown_service_names_the_field_and_hints() {
    let err = record_from_flags(
        Draft {
            services: vec!["nova".into(), "neutorn".into()],
            ..draft()
        },
        None,
    )
    .expect_err("unknown service");
    let Error::Invalid { id, field, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(id, "drain-compute-host");
    assert!(field.starts_with("services"), "{field}");
    assert!(
        err.to_string()
            .starts_with("invalid need `drain-compute-host`: `services")
    );
    assert!(
        !err.to_string().contains("(hint:"),
        "the hint is its own line: {err}"
    );
    assert!(
        err.hint().is_some_and(|h| h.contains("neutron")),
        "{:?}",
        err.hint()
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, text).expect("write");
    path
}

const ONE_NEED: &str = r#"
id = "rotate-fernet-keys"
title = "Rotate Fernet keys on every controller"
problem = "Keys must rotate in step on every controller."
services = ["keystone"]
"#;

const TWO_NEEDS: &str = r#"
[[need]]
id = "need-one"
title = "One"
problem = "The first."

[[need]]
id = "need-two"
title = "Two"
problem = "The second."
"#;

#[test]
fn a_need_file_gives_its_one_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "fernet.toml", ONE_NEED);
    let (record, _) = record_from_file(&file, None).expect("one need");
    assert_eq!(record.id.as_str(), "rotate-fernet-keys");
    assert_eq!(record.services, ["keystone"]);
    let (record, _) = record_from_file(&file, Some("Rotate_Fernet_Keys")).expect("same id");
    assert_eq!(record.id.as_str(), "rotate-fernet-keys");
    let err = record_from_file(&file, Some("other-need")).expect_err("other id");
    assert!(matches!(err, Error::IdMismatch { .. }), "{err:?}");
}

#[test]
fn a_need_file_with_several_needs_points_at_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "two.toml", TWO_NEEDS);
    let err = record_from_file(&file, None).expect_err("two needs");
    assert!(matches!(err, Error::NotOne { count: 2, .. }), "{err:?}");
    assert!(err.hint().is_some_and(|h| h.contains("osops need import")));
}

#[test]
fn import_puts_every_record_of_a_file_and_reports_refusals_per_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "two.toml", TWO_NEEDS);
    let put = |record: &NeedRecord| {
        if record.id.as_str() == "need-two" {
            Err(client::Error::Api {
                status: 403,
                detail: "only its creator may update it".into(),
                url: "http://x/api/v1/needs/need-two".into(),
                retry_after: None,
            })
        } else {
            Ok(true)
        }
    };
    let mut saved = Vec::new();
    let report = import_one(&file, Some(&put), |r, created| {
        saved.push((r.id.to_string(), created))
    })
    .expect("not fatal");
    assert_eq!(report.imported, ["need-one"]);
    assert_eq!(saved, [("need-one".to_owned(), true)]);
    let error = report.error.expect("need-two refused");
    assert!(
        error.starts_with("need `need-two`: the registry answered 403"),
        "{error}"
    );

    // A dry run lists what would be imported.
    let report = import_one(&file, None, |_, _| panic!("nothing is saved")).expect("dry run");
    assert_eq!(report.imported, ["need-one", "need-two"]);
    assert_eq!(report.error, None);
}

#[test]
fn import_stops_when_the_token_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "fernet.toml", ONE_NEED);
    let put = |_: &NeedRecord| {
        Err(client::Error::Api {
            status: 401,
            detail: "unknown token".into(),
            url: "http://x".into(),
            retry_after: None,
        })
    };
    let err = import_one(&file, Some(&put), |_, _| {}).expect_err("fatal");
    assert_eq!(err.status(), Some(401));
}

#[test]
fn import_skips_a_file_that_is_not_a_need() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "notes.json", "{}");
    let report = import_one(&file, None, |_, _| {}).expect("not fatal");
    assert!(report.imported.is_empty());
    assert!(report.notes.is_empty());
    let error = report.error.expect("refused");
    assert!(error.starts_with("not a need file: "), "{error}");
    assert!(
        !error.contains("notes.json"),
        "the line names the file already: {error}"
    );
}

// --- Independent of osops-index's importer ---

#[test]
fn sources_walk_directories_sorted_and_skip_hidden_and_other_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "stories/b.rst", "");
    write(root, "stories/a.toml", "");
    write(root, "stories/nested/c.RST", "");
    write(root, "stories/README.md", "");
    write(root, "stories/.git/config.toml", "");
    write(root, "stories/.hidden.toml", "");
    let explicit = write(root, "notes.txt", "");
    std::fs::create_dir_all(root.join("empty")).expect("mkdir");
    let paths = [
        root.join("stories"),
        explicit.clone(),
        root.join("missing"),
        root.join("empty"),
        root.join("stories/a.toml"),
    ];
    let found = sources(&paths);
    let Source::Unreadable { reason, .. } = &found[4] else {
        panic!("{found:#?}");
    };
    assert!(!reason.is_empty());
    assert_eq!(
        found,
        [
            Source::File(root.join("stories/a.toml")),
            Source::File(root.join("stories/b.rst")),
            Source::File(root.join("stories/nested/c.RST")),
            // Named on the command line: read whatever it is, and say what it is not.
            Source::File(explicit),
            Source::Unreadable {
                path: root.join("missing"),
                reason: reason.clone(),
            },
            Source::Empty(root.join("empty")),
            // `stories/a.toml` again: listed once.
        ]
    );
}

#[cfg(unix)]
#[test]
fn sources_do_not_follow_links_out_of_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = write(dir.path(), "outside/secret.toml", "");
    std::fs::create_dir_all(dir.path().join("stories")).expect("mkdir");
    std::os::unix::fs::symlink(&outside, dir.path().join("stories/link.toml")).expect("link");
    std::os::unix::fs::symlink(dir.path().join("outside"), dir.path().join("stories/dir"))
        .expect("link");
    assert_eq!(
        sources(&[dir.path().join("stories")]),
        [Source::Empty(dir.path().join("stories"))]
    );
}

#[test]
fn only_refusals_about_one_record_let_the_run_go_on() {
    let api = |status| client::Error::Api {
        status,
        detail: String::new(),
        url: String::new(),
        retry_after: None,
    };
    for status in [400, 403, 409, 413, 500] {
        assert!(is_per_record(&api(status)), "{status}");
    }
    assert!(!is_per_record(&api(401)));
    assert!(!is_per_record(&client::Error::NoToken { action: "x" }));
    assert!(!is_per_record(&client::Error::GaveUp {
        url: String::new(),
        attempts: 3,
        last: Box::new(api(503)),
    }));
}
