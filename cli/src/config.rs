//! The user's config file: API tokens per registry, written by `osops login`.
//!
//! ```toml
//! # $XDG_CONFIG_HOME/osops/config.toml, else ~/.config/osops/config.toml
//! [registries."https://osops.example.org"]
//! token = "osops_…"
//! ```
//!
//! Registries are keyed by their URL as [`registry_key`] writes it (scheme and host in lower case,
//! no trailing `/`). The file holds secrets, so it is written atomically (a temporary file in the
//! same directory, created 0600, then renamed over the old one) and is never group- or
//! world-readable; the `osops` directory is 0700. Keys osops does not know are kept as they are.
//!
//! Errors never contain a token: a syntax error reports a line number and the parser's message,
//! not the parser's excerpt of the file.

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

    /// The token saved for `registry`, if any.
    pub fn token(&self, registry: &str) -> Result<Option<String>, Error> {
        let key = registry_key(registry)?;
        let table = self.read()?;
        let Some(entry) = self.registry_entry(&table, &key)? else {
            return Ok(None);
        };
        match entry.get("token") {
            None => Ok(None),
            Some(Value::String(token)) => Ok(Some(token.clone())),
            Some(_) => Err(self.shape(format!("registries.\"{key}\".token"), "a string")),
        }
    }

    /// Saves `token` for `registry`, keeping everything else in the file.
    pub fn set_token(&self, registry: &str, token: &str) -> Result<(), Error> {
        let key = registry_key(registry)?;
        let mut table = self.read()?;
        let registries = self.registries_mut(&mut table)?;
        let entry = registries
            .entry(key.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        let Value::Table(entry) = entry else {
            return Err(self.shape(format!("registries.\"{key}\""), "a table"));
        };
        entry.insert("token".into(), Value::String(token.to_owned()));
        self.write(&table)
    }

    /// Removes the token saved for `registry`; `false` when there was none (nothing is written).
    pub fn remove_token(&self, registry: &str) -> Result<bool, Error> {
        let key = registry_key(registry)?;
        let mut table = self.read()?;
        let registries = self.registries_mut(&mut table)?;
        let Some(Value::Table(entry)) = registries.get_mut(&key) else {
            return Ok(false);
        };
        if entry.remove("token").is_none() {
            return Ok(false);
        }
        if entry.is_empty() {
            registries.remove(&key);
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

    fn registry_entry<'t>(&self, table: &'t Table, key: &str) -> Result<Option<&'t Table>, Error> {
        match table.get("registries") {
            None => Ok(None),
            Some(Value::Table(registries)) => match registries.get(key) {
                None => Ok(None),
                Some(Value::Table(entry)) => Ok(Some(entry)),
                Some(_) => Err(self.shape(format!("registries.\"{key}\""), "a table")),
            },
            Some(_) => Err(self.shape("registries".into(), "a table")),
        }
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
