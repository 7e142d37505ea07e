use super::*;

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn in_tempdir() -> (tempfile::TempDir, ConfigFile) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = ConfigFile::locate(Some(&dir.path().join("xdg")), None).expect("locate");
    (dir, file)
}

#[test]
fn the_file_lives_under_xdg_config_home_else_home() {
    let home = Path::new("/home/jane");
    assert_eq!(
        ConfigFile::locate(Some(Path::new("/cfg")), Some(home))
            .expect("xdg")
            .path(),
        Path::new("/cfg/osops/config.toml")
    );
    // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    assert_eq!(
        ConfigFile::locate(Some(Path::new("rel")), Some(home))
            .expect("home")
            .path(),
        Path::new("/home/jane/.config/osops/config.toml")
    );
    assert!(matches!(
        ConfigFile::locate(None, None),
        Err(Error::NoConfigDir)
    ));
}

#[test]
fn tokens_are_saved_per_registry_and_found_by_any_spelling_of_its_url() {
    let (_dir, file) = in_tempdir();
    assert_eq!(
        file.token("https://osops.example.org").expect("no file"),
        None
    );
    file.set_token("https://osops.example.org/", "osops_one")
        .expect("save");
    file.set_token("http://127.0.0.1:8080", "osops_two")
        .expect("save");
    assert_eq!(
        file.token("https://Osops.Example.ORG")
            .expect("read")
            .as_deref(),
        Some("osops_one")
    );
    assert_eq!(
        file.token("http://127.0.0.1:8080/")
            .expect("read")
            .as_deref(),
        Some("osops_two")
    );
    assert_eq!(file.token("https://other.example.org").expect("read"), None);
    let text = std::fs::read_to_string(file.path()).expect("text");
    assert!(
        text.contains("[registries.\"https://osops.example.org\"]\ntoken = \"osops_one\"\n"),
        "{text}"
    );

    assert!(
        file.remove_token("https://osops.example.org")
            .expect("remove")
    );
    assert!(
        !file
            .remove_token("https://osops.example.org")
            .expect("again")
    );
    assert_eq!(file.token("https://osops.example.org").expect("read"), None);
    assert_eq!(
        file.token("http://127.0.0.1:8080")
            .expect("read")
            .as_deref(),
        Some("osops_two"),
        "the other registry's token stays"
    );
    assert!(file.remove_token("http://127.0.0.1:8080").expect("remove"));
    assert_eq!(
        std::fs::read_to_string(file.path()).expect("text").trim(),
        "",
        "no empty tables are left behind"
    );
}

#[cfg(unix)]
#[test]
fn the_file_is_0600_in_a_0700_directory_even_when_it_was_looser() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, file) = in_tempdir();
    file.set_token("https://osops.example.org", "osops_one")
        .expect("save");
    assert_eq!(mode(file.path()), 0o600);
    let osops_dir = file.path().parent().expect("dir");
    assert_eq!(mode(osops_dir), 0o700);
    assert_eq!(file.loose_mode(), None);

    // A file someone made world-readable is reported, and the next write tightens it.
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::set_permissions(osops_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(file.loose_mode(), Some(0o644));
    file.set_token("https://osops.example.org", "osops_two")
        .expect("save");
    assert_eq!(mode(file.path()), 0o600);
    assert_eq!(mode(osops_dir), 0o700);
}

#[cfg(unix)]
#[test]
fn writes_replace_the_file_atomically_and_keep_other_settings() {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let (_dir, file) = in_tempdir();
    let osops_dir = file.path().parent().expect("dir").to_owned();
    std::fs::create_dir_all(&osops_dir).expect("dir");
    let before = "# mine\nfuture-setting = true\n\n[registries.\"https://a.example.org\"]\ntoken = \"osops_old\"\nmirror = \"x\"\n";
    std::fs::write(file.path(), before).expect("write");
    let inode = std::fs::metadata(file.path()).expect("meta").ino();
    // A reader that opened the file before the write…
    let mut reader = std::fs::File::open(file.path()).expect("open");

    file.set_token("https://a.example.org", "osops_new")
        .expect("save");

    // …still reads the old file whole: the new one was renamed over it, not written into it.
    let mut old = String::new();
    reader.read_to_string(&mut old).expect("read");
    assert_eq!(old, before);
    assert_ne!(
        std::fs::metadata(file.path()).expect("meta").ino(),
        inode,
        "a new file replaced the old one"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&osops_dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, ["config.toml"], "no temporary file is left");

    let after: Table = std::fs::read_to_string(file.path())
        .expect("read")
        .parse()
        .expect("toml");
    assert_eq!(after["future-setting"].as_bool(), Some(true));
    assert_eq!(
        after["registries"]["https://a.example.org"]["mirror"].as_str(),
        Some("x")
    );
    assert_eq!(
        after["registries"]["https://a.example.org"]["token"].as_str(),
        Some("osops_new")
    );
}

#[test]
fn a_broken_file_is_reported_by_line_without_its_contents() {
    let (_dir, file) = in_tempdir();
    std::fs::create_dir_all(file.path().parent().expect("dir")).expect("dir");
    std::fs::write(
        file.path(),
        "[registries.\"https://a.example.org\"]\ntoken = \"osops_SECRETSECRET\n",
    )
    .expect("write");
    let err = file.token("https://a.example.org").expect_err("broken");
    let text = err.to_string();
    assert!(matches!(err, Error::Syntax { line: 2, .. }), "{text}");
    assert!(!text.contains("SECRET"), "{text}");
    assert!(err.hint().is_some_and(|h| h.contains("osops login")));
    let err = file
        .set_token("https://a.example.org", "osops_x")
        .expect_err("not overwritten");
    assert!(matches!(err, Error::Syntax { .. }));

    std::fs::write(file.path(), "registries = 3\n").expect("write");
    let err = file.token("https://a.example.org").expect_err("shape");
    assert!(
        err.to_string().ends_with("`registries` must be a table"),
        "{err}"
    );
}

#[test]
fn the_flag_beats_the_variable_which_beats_the_file() {
    let (_dir, file) = in_tempdir();
    let registry = "https://osops.example.org";
    file.set_token(registry, "osops_saved").expect("save");
    let resolve = |flag, env| {
        resolve_token(flag, env, Some(&file), registry)
            .expect("resolve")
            .map(|t| (t.secret, t.source))
    };
    assert_eq!(
        resolve(Some("osops_flag"), Some("osops_env")),
        Some(("osops_flag".into(), TokenSource::Flag))
    );
    assert_eq!(
        resolve(None, Some("osops_env")),
        Some(("osops_env".into(), TokenSource::Env))
    );
    assert_eq!(
        resolve(None, None),
        Some((
            "osops_saved".into(),
            TokenSource::Config(file.path().to_owned())
        ))
    );
    // Empty values are absent, not empty tokens.
    assert_eq!(
        resolve(Some(""), Some(" ")),
        Some((
            "osops_saved".into(),
            TokenSource::Config(file.path().to_owned())
        ))
    );
    // The file's token is for its registry only.
    assert_eq!(
        resolve_token(None, None, Some(&file), "https://other.example.org").expect("resolve"),
        None
    );
    assert_eq!(
        resolve_token(None, None, None, registry).expect("no file"),
        None
    );
    assert_eq!(
        resolve_token(None, None, Some(&file), "ftp://x").expect("not a registry URL"),
        None
    );
    // A broken file matters only when it is needed.
    std::fs::write(file.path(), "not toml [").expect("write");
    assert_eq!(
        resolve(None, Some("osops_env")),
        Some(("osops_env".into(), TokenSource::Env))
    );
    assert!(resolve_token(None, None, Some(&file), registry).is_err());
    let shown = format!(
        "{:?}",
        resolve_token(Some("osops_flag"), None, None, registry).expect("flag")
    );
    assert!(!shown.contains("osops_flag"), "{shown}");
}

fn with_text(text: &str) -> (tempfile::TempDir, ConfigFile) {
    let (dir, file) = in_tempdir();
    std::fs::create_dir_all(file.path().parent().expect("dir")).expect("dir");
    std::fs::write(file.path(), text).expect("write");
    (dir, file)
}

const NAMED: &str = r#"# the team's registries
[registry]
default = "internal"

[registries.internal]
url = "https://Osops.Cloud.Example.internal/"
token = "osops_named"
mirror = "kept"

[registries.public]
url = "https://osops.dev"

[registries."https://osops.cloud.example.internal"]
token = "osops_old"

[registries."https://old.example.org"]
token = "osops_only_old"
"#;

#[test]
fn named_registries_and_the_default_are_read_as_written() {
    let (_dir, file) = with_text(NAMED);
    let settings = file.registry_settings().expect("settings");
    assert_eq!(
        settings,
        RegistrySettings {
            named: vec![
                NamedRegistry {
                    name: "internal".into(),
                    url: "https://osops.cloud.example.internal".into(),
                },
                NamedRegistry {
                    name: "public".into(),
                    url: "https://osops.dev".into(),
                },
            ],
            default: Some("internal".into()),
        }
    );
    let (_dir, missing) = in_tempdir();
    assert_eq!(
        missing.registry_settings().expect("no file"),
        RegistrySettings::default()
    );
}

#[test]
fn a_token_is_found_in_the_named_registry_with_that_url_before_the_url_keyed_one() {
    let (_dir, file) = with_text(NAMED);
    assert_eq!(
        file.token("https://osops.cloud.example.internal")
            .expect("read")
            .as_deref(),
        Some("osops_named"),
        "the named entry wins"
    );
    assert_eq!(
        file.token("https://Osops.Cloud.Example.INTERNAL/")
            .expect("read")
            .as_deref(),
        Some("osops_named"),
        "any spelling of the URL"
    );
    assert_eq!(
        file.token("https://old.example.org")
            .expect("read")
            .as_deref(),
        Some("osops_only_old")
    );
    assert_eq!(file.token("https://osops.dev").expect("read"), None);
    let found = resolve_token(
        None,
        None,
        Some(&file),
        "https://osops.cloud.example.internal",
    )
    .expect("resolve")
    .expect("a token");
    assert_eq!(found.secret, "osops_named");
    assert_eq!(found.source, TokenSource::Config(file.path().to_owned()));

    // A named registry without a token leaves the one saved under its URL in use.
    let (_dir, file) = with_text(
        "[registries.internal]\nurl = \"https://i.example.org\"\n\n[registries.\"https://i.example.org\"]\ntoken = \"osops_old\"\n",
    );
    assert_eq!(
        file.token("https://i.example.org")
            .expect("read")
            .as_deref(),
        Some("osops_old")
    );
}

#[test]
fn login_saves_into_the_named_registry_by_name_or_by_its_url() {
    let (_dir, file) = with_text(NAMED);
    file.set_token("public", "osops_by_name").expect("save");
    file.set_token("https://osops.cloud.example.internal/", "osops_by_url")
        .expect("save");
    file.set_token("https://new.example.org", "osops_new")
        .expect("save");
    let after: Table = std::fs::read_to_string(file.path())
        .expect("read")
        .parse()
        .expect("toml");
    let registries = &after["registries"];
    assert_eq!(
        registries["public"]["token"].as_str(),
        Some("osops_by_name")
    );
    assert_eq!(
        registries["public"]["url"].as_str(),
        Some("https://osops.dev")
    );
    assert_eq!(
        registries["internal"]["token"].as_str(),
        Some("osops_by_url")
    );
    assert_eq!(registries["internal"]["mirror"].as_str(), Some("kept"));
    assert!(
        registries
            .get("https://osops.cloud.example.internal")
            .is_none(),
        "the token saved under the URL before the registry was named is gone"
    );
    assert_eq!(
        registries["https://new.example.org"]["token"].as_str(),
        Some("osops_new"),
        "a registry without a name is saved under its URL, as always"
    );
    assert_eq!(after["registry"]["default"].as_str(), Some("internal"));
    assert_eq!(
        file.token("https://osops.dev").expect("read").as_deref(),
        Some("osops_by_name")
    );
    // A name that is not configured is not a URL either.
    assert!(matches!(
        file.set_token("nope", "osops_x"),
        Err(Error::Registry(client::Error::BadRegistryUrl(_)))
    ));
}

#[test]
fn logout_removes_the_token_wherever_it_is_and_keeps_the_named_registry() {
    let (_dir, file) = with_text(NAMED);
    assert!(
        file.remove_token("https://osops.cloud.example.internal")
            .expect("remove")
    );
    assert_eq!(
        file.token("https://osops.cloud.example.internal")
            .expect("read"),
        None,
        "neither the named entry's token nor the old one is left"
    );
    assert!(
        !file
            .remove_token("https://osops.cloud.example.internal")
            .expect("again")
    );
    let settings = file.registry_settings().expect("settings");
    assert_eq!(settings.named.len(), 2, "named registries stay");
    let after: Table = std::fs::read_to_string(file.path())
        .expect("read")
        .parse()
        .expect("toml");
    assert_eq!(
        after["registries"]["internal"]["mirror"].as_str(),
        Some("kept")
    );
    assert!(!file.remove_token("https://osops.dev").expect("none saved"));
}

#[test]
fn malformed_registries_are_reported_by_key_without_values() {
    let cases = [
        (
            "[registries.internal]\nurl = 3\n",
            "registries.internal.url",
            "a string",
        ),
        (
            "[registries.internal]\nurl = \"ftp://osops_SECRET.example.org\"\n",
            "registries.internal.url",
            "http://, https:// or file:///",
        ),
        (
            "[registries.Internal]\nurl = \"https://i.example.org\"\n",
            "registries.Internal",
            "lower-case",
        ),
        (
            "[registries.\"int ernal\"]\nurl = \"https://i.example.org\"\n",
            "registries.\"int ernal\"",
            "lower-case",
        ),
        (
            "[registries.\"https://i.example.org\"]\nurl = \"https://i.example.org\"\n",
            "registries.\"https://i.example.org\"",
            "not a URL",
        ),
        (
            "[registries.internal]\ntoken = \"osops_SECRET\"\n",
            "registries.internal.url",
            "set to the registry's",
        ),
        (
            "[registries.\"osops.example.org\"]\ntoken = \"osops_SECRET\"\n",
            "registries.\"osops.example.org\"",
            "a registry name",
        ),
        (
            "[registries.internal]\nurl = \"https://i.example.org\"\ntoken = 7\n",
            "registries.internal.token",
            "a string",
        ),
        (
            "[registries]\ninternal = \"https://i.example.org\"\n",
            "registries.internal",
            "a table",
        ),
        ("[registry]\ndefault = 1\n", "registry.default", "a string"),
    ];
    for (text, key, says) in cases {
        let (_dir, file) = with_text(text);
        let err = file.registry_settings().expect_err(text);
        let shown = err.to_string();
        assert!(
            matches!(&err, Error::Shape { key: k, .. } if k == key),
            "{text}: {err:?}"
        );
        assert!(shown.contains(&format!("`{key}` must be")), "{shown}");
        assert!(shown.contains(says), "{text}: {shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(err.hint().is_some());
        if !key.starts_with("registry.") {
            // Every registry's token depends on the entries being understood.
            assert!(file.token("https://other.example.org").is_err(), "{text}");
        }
    }
}

#[test]
fn an_old_config_file_still_works() {
    let (_dir, file) = with_text(
        "future-setting = true\n\n[registries.\"https://a.example.org\"]\ntoken = \"osops_old\"\nmirror = \"x\"\n",
    );
    assert_eq!(
        file.registry_settings().expect("settings"),
        RegistrySettings::default()
    );
    assert_eq!(
        file.token("https://a.example.org/")
            .expect("read")
            .as_deref(),
        Some("osops_old")
    );
    file.set_token("https://a.example.org", "osops_new")
        .expect("save");
    let after = std::fs::read_to_string(file.path()).expect("read");
    assert!(
        after.contains("[registries.\"https://a.example.org\"]\n"),
        "{after}"
    );
    assert_eq!(
        file.token("https://a.example.org")
            .expect("read")
            .as_deref(),
        Some("osops_new")
    );
}

#[test]
fn registry_names_are_lower_case_and_never_urls() {
    for good in ["internal", "a", "0", "eu-west_2"] {
        assert!(is_registry_name(good), "{good}");
    }
    for bad in [
        "",
        "-x",
        "_x",
        "Internal",
        "osops.dev",
        "https://x",
        "a b",
        "ü",
    ] {
        assert!(!is_registry_name(bad), "{bad}");
    }
}
