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
