//! A project: a directory whose `osops.toml` has a `[project]` table (a site repository) or an
//! `[asset]` table (an asset being written), and whose `[dependencies]` `osops install` installs
//! into `./.osops/` as pinned by `osops.lock`.
//!
//! ```toml
//! [project]
//! name = "region-one-ops"          # optional
//!
//! [dependencies]
//! nova-evacuate-host = "1.2"
//! galera-health = { version = "=2.1.0", registry = "internal" }
//! ```

use std::path::{Path, PathBuf};

use osops_index::manifest::MANIFEST_FILE;
use osops_index::{AssetName, Manifest};
use semver::VersionReq;

/// The directory a project installs into, beside its `osops.toml`.
pub const INSTALL_DIR: &str = ".osops";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}`: {message}", .path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("`{}` has neither a `[project]` nor an `[asset]` table", .path.display())]
    NotAProject { path: PathBuf },
    #[error("no osops.toml in `{}` or any directory above it", .dir.display())]
    NotFound { dir: PathBuf },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NotAProject { .. } | Error::NotFound { .. } => Some(
                "name the assets to install (`osops install NAME`), or write an osops.toml with \
                 a `[project]` table and its `[dependencies]` (see `osops install --help`)"
                    .into(),
            ),
            Error::Invalid { .. } => Some(
                "a dependency is `name = \"REQ\"` or `name = { version = \"REQ\", registry = \"NAME\" }`"
                    .into(),
            ),
            Error::Io { .. } => None,
        }
    }
}

/// One `[dependencies]` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub name: AssetName,
    pub req: VersionReq,
    /// A registry name from the user's config, or a URL; `None`: the registry chosen for the run.
    pub registry: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The directory holding `osops.toml`.
    pub dir: PathBuf,
    /// `[project] name`, or the asset's name; for messages.
    pub name: String,
    pub dependencies: Vec<Dependency>,
}

impl Project {
    /// The project `dir` or the nearest directory above it holds.
    pub fn find(dir: &Path) -> Result<Project, Error> {
        let start = std::path::absolute(dir).map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?;
        for candidate in start.ancestors() {
            let path = candidate.join(MANIFEST_FILE);
            if path.is_file() {
                return Project::load(candidate);
            }
        }
        Err(Error::NotFound { dir: start })
    }

    /// Whether `dir` or a directory above it holds a project (an `osops.toml` that parses as one).
    pub fn discover(dir: &Path) -> Option<Project> {
        Project::find(dir).ok()
    }

    /// The project whose `osops.toml` is in `dir`.
    pub fn load(dir: &Path) -> Result<Project, Error> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let invalid = |message: String| Error::Invalid {
            path: path.clone(),
            message,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| invalid(e.message().to_owned()))?;
        if table.contains_key("asset") {
            // An asset is a project too: its own manifest rules apply, validated in full.
            let manifest = Manifest::from_toml_str(&text).map_err(|e| invalid(e.to_string()))?;
            return Ok(Project {
                dir: dir.to_owned(),
                name: manifest.asset.name.to_string(),
                dependencies: manifest
                    .dependencies
                    .into_iter()
                    .map(|(name, req)| Dependency {
                        name,
                        req,
                        registry: None,
                    })
                    .collect(),
            });
        }
        let Some(project) = table.get("project") else {
            return Err(Error::NotAProject { path });
        };
        if let Some(key) = table
            .keys()
            .find(|k| !["project", "dependencies"].contains(&k.as_str()))
        {
            return Err(invalid(format!(
                "unknown table `{key}`; a project has `[project]` and `[dependencies]`"
            )));
        }
        let project = project
            .as_table()
            .ok_or_else(|| invalid("`project` must be a table".into()))?;
        if let Some(key) = project.keys().find(|k| k.as_str() != "name") {
            return Err(invalid(format!(
                "unknown key `project.{key}`; `[project]` has only `name`"
            )));
        }
        let name = match project.get("name") {
            None => dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "this project".into()),
            Some(toml::Value::String(name)) if !name.trim().is_empty() => name.trim().to_owned(),
            Some(_) => return Err(invalid("`project.name` must be a non-empty string".into())),
        };
        let dependencies = match table.get("dependencies") {
            None => Vec::new(),
            Some(toml::Value::Table(deps)) => deps
                .iter()
                .map(|(key, value)| dependency(key, value).map_err(&invalid))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid("`dependencies` must be a table".into())),
        };
        Ok(Project {
            dir: dir.to_owned(),
            name,
            dependencies,
        })
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dir.join(crate::lockfile::FILE_NAME)
    }

    /// Where the project's assets are installed.
    pub fn install_dir(&self) -> PathBuf {
        self.dir.join(INSTALL_DIR)
    }
}

fn dependency(key: &str, value: &toml::Value) -> Result<Dependency, String> {
    let name = AssetName::parse(key).map_err(|e| {
        let folded = AssetName::canonical_form(key)
            .map(|c| format!("; write it `{c}`"))
            .unwrap_or_default();
        format!("dependency `{key}`: {e}{folded}")
    })?;
    let (req, registry) = match value {
        toml::Value::String(req) => (req.as_str(), None),
        toml::Value::Table(table) => {
            if let Some(k) = table
                .keys()
                .find(|k| !["version", "registry"].contains(&k.as_str()))
            {
                return Err(format!(
                    "unknown key `dependencies.{key}.{k}`; a dependency has `version` and `registry`"
                ));
            }
            let req = match table.get("version") {
                Some(toml::Value::String(req)) => req.as_str(),
                _ => return Err(format!("`dependencies.{key}.version` must be a string")),
            };
            let registry = match table.get("registry") {
                None => None,
                Some(toml::Value::String(r)) if !r.trim().is_empty() => Some(r.trim().to_owned()),
                Some(_) => {
                    return Err(format!(
                        "`dependencies.{key}.registry` must be a registry name or URL"
                    ));
                }
            };
            (req, registry)
        }
        _ => {
            return Err(format!(
                "`dependencies.{key}` must be a requirement string or a table"
            ));
        }
    };
    let req = VersionReq::parse(req)
        .map_err(|e| format!("`dependencies.{key}`: `{req}` is not a semver requirement: {e}"))?;
    Ok(Dependency {
        name,
        req,
        registry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(text: &str) -> Result<Project, Error> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(MANIFEST_FILE), text).expect("write");
        Project::load(dir.path())
    }

    #[test]
    fn reads_a_site_repository() {
        let p = project(
            "[project]\nname = \"region-one\"\n[dependencies]\nnova-tools = \"1.2\"\n\
             galera-health = { version = \"=2.1.0\", registry = \"internal\" }\n",
        )
        .expect("project");
        assert_eq!(p.name, "region-one");
        assert_eq!(
            p.dependencies,
            vec![
                Dependency {
                    name: AssetName::parse("galera-health").expect("name"),
                    req: VersionReq::parse("=2.1.0").expect("req"),
                    registry: Some("internal".into()),
                },
                Dependency {
                    name: AssetName::parse("nova-tools").expect("name"),
                    req: VersionReq::parse("^1.2").expect("req"),
                    registry: None,
                },
            ]
        );
    }

    #[test]
    fn an_asset_is_a_project_of_its_dependencies() {
        let p = project(
            "[asset]\nname = \"nova-tools\"\nversion = \"1.0.0\"\nkind = \"script\"\n\
             description = \"x\"\n[dependencies]\nos-helpers = \"0.3\"\n",
        )
        .expect("asset");
        assert_eq!(p.name, "nova-tools");
        assert_eq!(p.dependencies.len(), 1);
        assert_eq!(p.dependencies[0].req.to_string(), "^0.3");
    }

    #[test]
    fn bad_projects_say_what_is_wrong() {
        let cases = [
            ("[dependencies]\nx = \"1\"\n", "neither a `[project]`"),
            ("[project]\nnam = \"x\"\n", "unknown key `project.nam`"),
            (
                "[project]\n[dependencies]\nNova_Tools = \"1\"\n",
                "write it `nova-tools`",
            ),
            (
                "[project]\n[dependencies]\nnova-tools = \"banana\"\n",
                "not a semver requirement",
            ),
            (
                "[project]\n[dependencies]\nnova-tools = { version = \"1\", reg = \"x\" }\n",
                "unknown key `dependencies.nova-tools.reg`",
            ),
            (
                "[project]\n[dependencies]\nnova-tools = 1\n",
                "must be a requirement string",
            ),
            ("[project]\n[extra]\n", "unknown table `extra`"),
            ("[project\n", "`"),
        ];
        for (text, expected) in cases {
            let err = project(text).expect_err(text).to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn finds_the_nearest_project_above() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(MANIFEST_FILE), "[project]\n").expect("write");
        let below = dir.path().join("playbooks").join("site");
        std::fs::create_dir_all(&below).expect("mkdir");
        let found = Project::find(&below).expect("found");
        assert_eq!(found.dir, std::path::absolute(dir.path()).expect("abs"));
        assert!(found.dependencies.is_empty());
        let elsewhere = tempfile::tempdir().expect("tempdir");
        assert!(Project::discover(elsewhere.path()).is_none());
    }
}
