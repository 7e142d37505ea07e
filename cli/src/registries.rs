//! Which registry a name or URL means: the registries named in the config file, the default one,
//! and the ones asked when the user did not choose.
//!
//! [`Registries`] is read once from the [`ConfigFile`] (its `[registries.NAME]` tables and
//! `[registry] default`). `--registry` and `OSOPS_REGISTRY` take a name from there or a URL, which
//! [`Registries::resolve`] turns into the URL the client uses; without either, commands talk to
//! [`Registries::default_url`], and a requirement without a registry is looked up in every one of
//! [`Registries::candidates`] (docs/install.md, "Registries").
//!
//! URLs are handled as [`config::registry_key`] writes them (scheme and host in lower case, no
//! trailing `/`), so two spellings of one registry are one registry.

use std::path::PathBuf;

use osops_index::DEFAULT_REGISTRY;

use crate::config::{self, ConfigFile, NamedRegistry, RegistrySettings, registry_key};

/// The registries the user configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registries {
    /// Sorted by name.
    named: Vec<NamedRegistry>,
    /// The default registry's URL.
    default: String,
    /// The config file they came from, for messages.
    path: Option<PathBuf>,
}

impl Default for Registries {
    /// No named registries; the default is [`DEFAULT_REGISTRY`].
    fn default() -> Self {
        Registries {
            named: Vec::new(),
            default: DEFAULT_REGISTRY.to_owned(),
            path: None,
        }
    }
}

impl Registries {
    /// From the config file (`None` or a missing file: no named registries, default =
    /// [`DEFAULT_REGISTRY`]).
    pub fn load(config: Option<&ConfigFile>) -> Result<Registries, config::Error> {
        let Some(config) = config else {
            return Ok(Registries::default());
        };
        let settings = config.registry_settings()?;
        Registries::from_settings(settings, config.path().to_owned())
    }

    fn from_settings(settings: RegistrySettings, path: PathBuf) -> Result<Self, config::Error> {
        let mut registries = Registries {
            named: settings.named,
            path: Some(path.clone()),
            ..Registries::default()
        };
        if let Some(default) = settings.default {
            registries.default =
                registries
                    .resolve(&default)
                    .map_err(|_| config::Error::Shape {
                        path,
                        key: "registry.default".into(),
                        expected: "the name of a registry under `[registries]`, \
                               or an http://, https:// or file:/// URL",
                    })?;
        }
        Ok(registries)
    }

    /// A configured name → its URL; else an http(s) URL, normalized; else an error that lists
    /// the configured names and says how to add one.
    pub fn resolve(&self, name_or_url: &str) -> Result<String, config::Error> {
        let wanted = name_or_url.trim();
        if let Some(named) = self.named.iter().find(|named| named.name == wanted) {
            return Ok(named.url.clone());
        }
        // Anything with a scheme is meant as a URL; the client's error says what is wrong with it.
        if wanted.contains("://") {
            return Ok(registry_key(wanted)?);
        }
        Err(config::Error::UnknownRegistry {
            name: wanted.to_owned(),
            known: self.named.iter().map(|named| named.name.clone()).collect(),
            path: self.path.clone(),
        })
    }

    /// The `[registry] default` (resolved), else [`DEFAULT_REGISTRY`].
    pub fn default_url(&self) -> &str {
        &self.default
    }

    /// The name `[registry] default` gives, when it gives one (rather than a URL).
    pub fn default_name(&self) -> Option<&str> {
        self.name_of(&self.default)
    }

    /// Every distinct configured registry URL: the named ones and the default, sorted and
    /// deduplicated. The registries asked when the user did not choose one.
    pub fn candidates(&self) -> Vec<String> {
        let mut urls: Vec<String> = self
            .named
            .iter()
            .map(|named| named.url.clone())
            .chain([self.default.clone()])
            .collect();
        urls.sort();
        urls.dedup();
        urls
    }

    /// The named registries, sorted by name.
    pub fn named(&self) -> &[NamedRegistry] {
        &self.named
    }

    /// The first name (in name order) of the registry at `url`, if it has one.
    pub fn name_of(&self, url: &str) -> Option<&str> {
        let key = registry_key(url).ok()?;
        self.named
            .iter()
            .find(|named| named.url == key)
            .map(|named| named.name.as_str())
    }

    /// `internal (https://…)` for a named registry, else the URL: how messages show a registry.
    pub fn label(&self, url: &str) -> String {
        match self.name_of(url) {
            Some(name) => format!("{name} ({url})"),
            None => url.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (tempfile::TempDir, Result<Registries, config::Error>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = ConfigFile::at(dir.path().join("config.toml"));
        std::fs::write(file.path(), text).expect("write");
        let registries = Registries::load(Some(&file));
        (dir, registries)
    }

    const TWO: &str = r#"
[registries.internal]
url = "https://Osops.Cloud.Example.internal/"
token = "osops_internal"

[registries.public]
url = "https://osops.dev"

[registries."https://old.example.org"]
token = "osops_old"
"#;

    #[test]
    fn without_a_config_file_the_default_is_the_public_registry() {
        for registries in [
            Registries::load(None).expect("no file"),
            Registries::load(Some(&ConfigFile::at("/nonexistent/osops/config.toml")))
                .expect("missing file"),
        ] {
            assert_eq!(registries.default_url(), DEFAULT_REGISTRY);
            assert_eq!(registries.candidates(), [DEFAULT_REGISTRY]);
            assert_eq!(registries.default_name(), None);
            assert_eq!(
                registries
                    .resolve("https://osops.example.org/")
                    .expect("a URL"),
                "https://osops.example.org"
            );
        }
    }

    #[test]
    fn a_name_resolves_to_its_url_and_a_url_to_itself() {
        let (_dir, registries) = load(TWO);
        let registries = registries.expect("load");
        assert_eq!(
            registries.resolve("internal").expect("named"),
            "https://osops.cloud.example.internal"
        );
        assert_eq!(
            registries.resolve(" public ").expect("named"),
            "https://osops.dev"
        );
        assert_eq!(
            registries
                .resolve("https://Other.Example.org/")
                .expect("URL"),
            "https://other.example.org"
        );
        // A URL-keyed token entry is not a name.
        assert!(registries.resolve("old").is_err());
        assert!(matches!(
            registries.resolve("ftp://osops.dev"),
            Err(config::Error::Registry(_))
        ));
        assert_eq!(registries.default_url(), DEFAULT_REGISTRY);
        assert_eq!(
            registries.label("https://osops.cloud.example.internal"),
            "internal (https://osops.cloud.example.internal)"
        );
        assert_eq!(
            registries.label("https://old.example.org"),
            "https://old.example.org"
        );
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones_and_how_to_add_one() {
        let (_dir, registries) = load(TWO);
        let err = registries
            .expect("load")
            .resolve("internl")
            .expect_err("unknown");
        let config::Error::UnknownRegistry { name, known, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(name, "internl");
        assert_eq!(known, &["internal", "public"]);
        assert!(
            err.to_string()
                .starts_with("no registry named `internl` in `")
        );
        let hint = err.hint().expect("hint");
        assert!(hint.contains("`internal`, `public`"), "{hint}");
        assert!(hint.contains("[registries.NAME]"), "{hint}");

        let err = Registries::default().resolve("internal").expect_err("none");
        let hint = err.hint().expect("hint");
        assert!(hint.starts_with("no registry has a name yet"), "{hint}");
    }

    #[test]
    fn the_default_is_a_name_or_a_url() {
        let (_dir, registries) = load(&format!("[registry]\ndefault = \"internal\"\n{TWO}"));
        let registries = registries.expect("load");
        assert_eq!(
            registries.default_url(),
            "https://osops.cloud.example.internal"
        );
        assert_eq!(registries.default_name(), Some("internal"));

        let (_dir, registries) = load(&format!(
            "[registry]\ndefault = \"https://Osops.dev/\"\n{TWO}"
        ));
        let registries = registries.expect("load");
        assert_eq!(registries.default_url(), "https://osops.dev");
        assert_eq!(
            registries.default_name(),
            Some("public"),
            "the URL of a named one"
        );

        let (_dir, registries) = load("[registry]\ndefault = \"https://third.example.org\"\n");
        assert_eq!(
            registries.expect("load").default_url(),
            "https://third.example.org"
        );

        for bad in ["\"nope\"", "\"ftp://x\"", "3"] {
            let (_dir, registries) = load(&format!("[registry]\ndefault = {bad}\n{TWO}"));
            let err = registries.expect_err(bad);
            assert!(
                matches!(&err, config::Error::Shape { key, .. } if key == "registry.default"),
                "{bad}: {err:?}"
            );
        }
        let (_dir, registries) = load("registry = \"internal\"\n");
        assert!(matches!(registries, Err(config::Error::Shape { key, .. }) if key == "registry"),);
    }

    #[test]
    fn candidates_are_every_configured_url_once() {
        let (_dir, registries) = load(&format!(
            "[registry]\ndefault = \"https://osops.dev\"\n{TWO}\n[registries.alias]\nurl = \"https://osops.cloud.example.internal\"\n"
        ));
        assert_eq!(
            registries.expect("load").candidates(),
            ["https://osops.cloud.example.internal", "https://osops.dev"],
            "sorted, without the URL-keyed token entry, each URL once"
        );
        let (_dir, registries) = load(TWO);
        assert_eq!(
            registries.expect("load").candidates(),
            [
                DEFAULT_REGISTRY,
                "https://osops.cloud.example.internal",
                "https://osops.dev"
            ],
        );
    }
}
