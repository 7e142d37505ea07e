//! The user's config file: named registries, the default one, and API tokens per registry
//! (written by `osops login`).
//!
//! ```toml
//! # $XDG_CONFIG_HOME/osops/config.toml, else ~/.config/osops/config.toml
//! [registry]
//! default = "internal"                  # a name below, or a URL
//!
//! [registries.internal]                 # a named registry: it has a `url`
//! url = "https://osops.cloud.example.internal"
//! token = "osops_…"                     # optional
//!
//! [registries."https://osops.example.org"]   # keyed by a URL: a token only
//! token = "osops_…"
//! ```
//!
//! A table under `registries` with a `url` is a *named* registry; its name is `[a-z0-9][a-z0-9_-]*`
//! (so never a URL). A table without `url` is keyed by a registry URL as [`registry_key`] writes it
//! (scheme and host in lower case, no trailing `/`) and holds that registry's token: the form
//! `osops login` has always written for a registry without a name, and still writes. A token is
//! looked up in the named registries with that URL first, then under the URL. Which registry a
//! name or URL means is [`crate::registries`]' business.
//!
//! The file holds secrets, so it is written atomically (a temporary file in the same directory,
//! created 0600, then renamed over the old one) and is never group- or world-readable; the `osops`
//! directory is 0700. Keys osops does not know are kept as they are.
//!
//! Errors never contain a token: a syntax error reports a line number and the parser's message,
//! not the parser's excerpt of the file; a shape error names the key, not its value.

use std::io::Write;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::client;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot find the osops config directory: neither XDG_CONFIG_HOME nor HOME is set")]
    NoConfigDir,
    #[error("cannot access `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not valid TOML: line {line}: {message}", .path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("`{}`: `{key}` must be {expected}", .path.display())]
    Shape {
        path: PathBuf,
        key: String,
        expected: &'static str,
    },
    #[error("no registry named `{name}`{}", .path.as_ref().map(|p| format!(" in `{}`", p.display())).unwrap_or_default())]
    UnknownRegistry {
        name: String,
        /// The configured names, sorted.
        known: Vec<String>,
        /// The config file, when there is one.
        path: Option<PathBuf>,
    },
    #[error(transparent)]
    Registry(#[from] client::Error),
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoConfigDir => {
                Some("set HOME, or XDG_CONFIG_HOME to the directory for osops' config".into())
            }
            Error::Syntax { path, .. } | Error::Shape { path, .. } => Some(format!(
                "fix `{}` by hand, or delete it and run `osops login` again",
                path.display()
            )),
            Error::UnknownRegistry { known, path, .. } => {
                let file = path.as_ref().map_or_else(
                    || "the config file".to_owned(),
                    |p| format!("`{}`", p.display()),
                );
                let add = format!(
                    "or name one in {file}: `[registries.NAME]` with `url = \"https://…\"`"
                );
                Some(if known.is_empty() {
                    format!("no registry has a name yet: pass a URL (`https://…`), {add}")
                } else {
                    let known: Vec<String> = known.iter().map(|n| format!("`{n}`")).collect();
                    format!(
                        "the registries named are {}; pass one of them or a URL (`https://…`), {add}",
                        known.join(", ")
                    )
                })
            }
            Error::Registry(e) => e.hint(),
            Error::Io { .. } => None,
        }
    }
}

/// The config file of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    path: PathBuf,
}

impl ConfigFile {
    /// `$XDG_CONFIG_HOME/osops/config.toml` (when set and absolute), else
    /// `$HOME/.config/osops/config.toml`. Environment values are passed in, so callers (and
    /// tests) decide where they come from.
    pub fn locate(xdg_config_home: Option<&Path>, home: Option<&Path>) -> Result<Self, Error> {
        let dir = match (xdg_config_home, home) {
            (Some(xdg), _) if xdg.is_absolute() => xdg.to_owned(),
            (_, Some(home)) if !home.as_os_str().is_empty() => home.join(".config"),
            _ => return Err(Error::NoConfigDir),
        };
        Ok(ConfigFile::at(dir.join("osops").join("config.toml")))
    }

    /// [`ConfigFile::locate`] with this process's environment.
    pub fn from_env() -> Result<Self, Error> {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        ConfigFile::locate(var("XDG_CONFIG_HOME").as_deref(), var("HOME").as_deref())
    }

    pub fn at(path: impl Into<PathBuf>) -> Self {
        ConfigFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the file says about registries: the named ones and `[registry] default`. Checks the
    /// shape of every `registries` entry, so a mistake is reported wherever it is.
    pub fn registry_settings(&self) -> Result<RegistrySettings, Error> {
        let table = self.read()?;
        let named = self
            .entries(&table)?
            .into_iter()
            .filter_map(|entry| {
                entry.url.map(|url| NamedRegistry {
                    name: entry.key,
                    url,
                })
            })
            .collect();
        let default = match table.get("registry") {
            None => None,
            Some(Value::Table(registry)) => match registry.get("default") {
                None => None,
                Some(Value::String(default)) if !default.trim().is_empty() => {
                    Some(default.trim().to_owned())
                }
                Some(_) => {
                    return Err(self.shape(
                        "registry.default".into(),
                        "a string: the name of a registry under `[registries]`, or a URL",
                    ));
                }
            },
            Some(_) => return Err(self.shape("registry".into(), "a table")),
        };
        Ok(RegistrySettings { named, default })
    }

    /// The token saved for the registry at `registry` (a URL), if any: a named registry's with
    /// that URL (the first by name that has one), else the one saved under the URL.
    pub fn token(&self, registry: &str) -> Result<Option<String>, Error> {
        let key = registry_key(registry)?;
        let table = self.read()?;
        let entries = self.entries(&table)?;
        let saved = entries
            .iter()
            .filter(|entry| entry.url.as_deref() == Some(key.as_str()))
            .chain(entries.iter().filter(|entry| entry.is_keyed_by(&key)))
            .find_map(|entry| saved_token(&table, &entry.key));
        Ok(saved)
    }

    /// Saves `token` for `registry`, keeping everything else in the file. `registry` is the name
    /// of a named registry, or a URL: the token goes into the first named registry (by name) with
    /// that URL, else under the URL. A token saved under the URL before the registry was named is
    /// removed, so the file holds one token per registry.
    pub fn set_token(&self, registry: &str, token: &str) -> Result<(), Error> {
        let mut table = self.read()?;
        let entries = self.entries(&table)?;
        let registry = registry.trim();
        let (target, url) = match entries
            .iter()
            .find(|entry| entry.url.is_some() && entry.key == registry)
        {
            Some(named) => (named.key.clone(), named.url.clone().unwrap_or_default()),
            None => {
                let url = registry_key(registry)?;
                let target = entries
                    .iter()
                    .find(|entry| entry.url.as_deref() == Some(url.as_str()))
                    .map_or_else(|| url.clone(), |named| named.key.clone());
                (target, url)
            }
        };
        let registries = self.registries_mut(&mut table)?;
        if target != url {
            remove_saved_token(registries, &url);
        }
        let entry = registries
            .entry(target.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        let Value::Table(entry) = entry else {
            return Err(self.shape(entry_key(&target), "a table"));
        };
        entry.insert("token".into(), Value::String(token.to_owned()));
        self.write(&table)
    }

    /// Removes every token saved for the registry at `registry` (a URL): the named registries'
    /// with that URL and the one under the URL. `false` when there was none (nothing is written).
    /// Named registries stay, without their token.
    pub fn remove_token(&self, registry: &str) -> Result<bool, Error> {
        let key = registry_key(registry)?;
        let mut table = self.read()?;
        let entries = self.entries(&table)?;
        let Some(Value::Table(registries)) = table.get_mut("registries") else {
            return Ok(false);
        };
        let mut removed = false;
        for entry in entries.iter().filter(|e| e.url.as_deref() == Some(&key)) {
            if let Some(Value::Table(named)) = registries.get_mut(&entry.key) {
                removed |= named.remove("token").is_some();
            }
        }
        if entries.iter().any(|entry| entry.is_keyed_by(&key)) {
            removed |= remove_saved_token(registries, &key);
        }
        if !removed {
            return Ok(false);
        }
        if registries.is_empty() {
            table.remove("registries");
        }
        self.write(&table)?;
        Ok(true)
    }

    /// The file's permission bits when others than its owner may read or write it.
    pub fn loose_mode(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&self.path).ok()?.permissions().mode() & 0o777;
            (mode & 0o077 != 0).then_some(mode)
        }
        #[cfg(not(unix))]
        None
    }

    /// The file as a TOML table; an empty one when there is no file.
    fn read(&self) -> Result<Table, Error> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Table::new()),
            Err(source) => {
                return Err(Error::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        text.parse::<Table>().map_err(|e| {
            let line = e.span().map_or(0, |span| {
                let before = &text.as_bytes()[..span.start.min(text.len())];
                before.iter().filter(|&&b| b == b'\n').count() + 1
            });
            Error::Syntax {
                path: self.path.clone(),
                line,
                message: e.message().trim().to_owned(),
            }
        })
    }

    /// The entries under `registries`, each checked: a named registry (with a `url`) or a token
    /// saved under a registry URL.
    fn entries(&self, table: &Table) -> Result<Vec<Entry>, Error> {
        let registries = match table.get("registries") {
            None => return Ok(Vec::new()),
            Some(Value::Table(registries)) => registries,
            Some(_) => return Err(self.shape("registries".into(), "a table")),
        };
        let mut entries = Vec::with_capacity(registries.len());
        for (key, value) in registries {
            let Value::Table(entry) = value else {
                return Err(self.shape(entry_key(key), "a table"));
            };
            let url = match entry.get("url") {
                Some(url) => {
                    if registry_key(key).is_ok() {
                        return Err(self.shape(
                            entry_key(key),
                            "named, not a URL, as it has a `url`: \
                             `[registries.NAME]` with lower-case letters, digits, `-` and `_`",
                        ));
                    }
                    if !is_registry_name(key) {
                        return Err(self.shape(
                            entry_key(key),
                            "a name of lower-case letters, digits, `-` and `_` \
                             that starts with a letter or digit",
                        ));
                    }
                    let Value::String(url) = url else {
                        return Err(self.shape(
                            format!("{}.url", entry_key(key)),
                            "a string: the registry's http://, https:// or file:/// URL",
                        ));
                    };
                    let url = registry_key(url).map_err(|_| {
                        self.shape(
                            format!("{}.url", entry_key(key)),
                            "an http://, https:// or file:/// URL",
                        )
                    })?;
                    Some(url)
                }
                None if registry_key(key).is_ok() => None,
                None if is_registry_name(key) => {
                    return Err(self.shape(
                        format!("{}.url", entry_key(key)),
                        "set to the registry's http://, https:// or file:/// URL: \
                         a table named like this one is a named registry",
                    ));
                }
                None => {
                    return Err(self.shape(
                        entry_key(key),
                        "a registry name (a table with a `url`) or a registry's http(s) URL \
                         (a table with its `token`)",
                    ));
                }
            };
            if entry.get("token").is_some_and(|token| !token.is_str()) {
                return Err(self.shape(format!("{}.token", entry_key(key)), "a string"));
            }
            entries.push(Entry {
                key: key.clone(),
                url,
            });
        }
        Ok(entries)
    }

    fn registries_mut<'t>(&self, table: &'t mut Table) -> Result<&'t mut Table, Error> {
        match table
            .entry("registries")
            .or_insert_with(|| Value::Table(Table::new()))
        {
            Value::Table(registries) => Ok(registries),
            _ => Err(self.shape("registries".into(), "a table")),
        }
    }

    fn shape(&self, key: String, expected: &'static str) -> Error {
        Error::Shape {
            path: self.path.clone(),
            key,
            expected,
        }
    }

    /// Replaces the file atomically: other processes see the old file or the new one, whole,
    /// and never a file others may read.
    fn write(&self, table: &Table) -> Result<(), Error> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| Error::Io { path, source }
        };
        let text = toml::to_string(table).map_err(|e| Error::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(io(dir))?;
        // `tempfile` creates the file 0600 on Unix; the mode is set again in case of an odd umask
        // or platform, before any secret is written into it.
        let mut tmp = tempfile::Builder::new()
            .prefix(".config.toml.tmp-")
            .tempfile_in(dir)
            .map_err(io(dir))?;
        set_mode(tmp.as_file(), 0o600).map_err(io(tmp.path()))?;
        tmp.write_all(text.as_bytes()).map_err(io(tmp.path()))?;
        tmp.as_file().sync_all().map_err(io(tmp.path()))?;
        tmp.persist(&self.path).map_err(|e| Error::Io {
            path: self.path.clone(),
            source: e.error,
        })?;
        // Make the rename itself durable; not every platform can open a directory for this.
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// Creates `dir` (and missing parents) 0700, and makes `dir` itself 0700 if it existed.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

fn set_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

/// A registry the config file names: `[registries.NAME]` with a `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRegistry {
    pub name: String,
    /// The `url`, as [`registry_key`] writes it.
    pub url: String,
}

/// What the config file says about registries, tokens aside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrySettings {
    /// The named registries, sorted by name.
    pub named: Vec<NamedRegistry>,
    /// `[registry] default` as written: a name or a URL.
    pub default: Option<String>,
}

/// One checked entry under `registries`.
struct Entry {
    key: String,
    /// A named registry's `url` (as [`registry_key`] writes it); `None` for a table keyed by a URL.
    url: Option<String>,
}

impl Entry {
    /// Whether this is the table keyed by the URL `key` (which [`registry_key`] wrote).
    fn is_keyed_by(&self, key: &str) -> bool {
        self.url.is_none() && self.key == key
    }
}

/// Whether `name` may name a registry: `[a-z0-9][a-z0-9_-]*`, which no URL is.
pub fn is_registry_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// How an entry's key is written in messages: `registries.internal`, or
/// `registries."https://osops.example.org"` when the key needs quotes.
fn entry_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        format!("registries.{key}")
    } else {
        format!("registries.{key:?}")
    }
}

/// The non-empty `token` of `registries.KEY`, trimmed; the entries were checked already.
fn saved_token(table: &Table, key: &str) -> Option<String> {
    table
        .get("registries")?
        .get(key)?
        .get("token")?
        .as_str()
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}

/// Removes the `token` saved under the URL `key`, and the table when nothing else is left in it.
fn remove_saved_token(registries: &mut Table, key: &str) -> bool {
    let Some(Value::Table(entry)) = registries.get_mut(key) else {
        return false;
    };
    let removed = entry.remove("token").is_some();
    if entry.is_empty() {
        registries.remove(key);
    }
    removed
}

/// Where the token a command uses came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `--token`.
    Flag,
    /// `OSOPS_TOKEN`.
    Env,
    /// The config file, saved by `osops login` for the registry in use.
    Config(PathBuf),
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Flag => f.write_str("--token"),
            TokenSource::Env => f.write_str("OSOPS_TOKEN"),
            TokenSource::Config(path) => write!(f, "`{}`", path.display()),
        }
    }
}

/// A token and where it came from. `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub secret: String,
    pub source: TokenSource,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("secret", &"<redacted>")
            .field("source", &self.source)
            .finish()
    }
}

/// The token for `registry`: `--token` (`flag`), else `OSOPS_TOKEN` (`env`), else the one saved in
/// the config file for that registry. Empty values count as absent; the file is read only when
/// neither flag nor variable gives a token.
pub fn resolve_token(
    flag: Option<&str>,
    env: Option<&str>,
    config: Option<&ConfigFile>,
    registry: &str,
) -> Result<Option<Token>, Error> {
    let given = |value: Option<&str>, source: TokenSource| {
        value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| Token {
                secret: v.to_owned(),
                source,
            })
    };
    if let Some(token) = given(flag, TokenSource::Flag).or_else(|| given(env, TokenSource::Env)) {
        return Ok(Some(token));
    }
    let Some(config) = config else {
        return Ok(None);
    };
    // A registry URL that is not one has no saved token; the client reports the URL itself.
    if registry_key(registry).is_err() {
        return Ok(None);
    }
    Ok(config
        .token(registry)?
        .filter(|t| !t.trim().is_empty())
        .map(|secret| Token {
            secret: secret.trim().to_owned(),
            source: TokenSource::Config(config.path().to_owned()),
        }))
}

/// The key a registry's settings are saved under: the URL as the client uses it (no trailing
/// `/`), with scheme and host in lower case, so `HTTPS://Osops.Example.org/` finds
/// `https://osops.example.org`.
pub fn registry_key(registry: &str) -> Result<String, client::Error> {
    let normalized = client::normalize_registry(registry)?;
    let (scheme, rest) = normalized.split_once("://").unwrap_or(("", &normalized));
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    Ok(format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests;
