//! The registry's config file (`osops-registry serve --config FILE`), TOML:
//!
//! ```toml
//! [storage]                                # each key as the `serve` flag of the same name,
//! database-url = "postgres://osops@db.internal/osops"   # which (or its env variable) wins
//! url = "s3://osops-archives"              # --storage
//! s3-endpoint = "https://rgw.internal:8080"
//! s3-region = "default"
//!
//! [[trusted-publishing.issuer]]
//! url = "https://token.actions.githubusercontent.com"   # the tokens' `iss`, exactly
//! audience = "osops"                                      # the `aud` they must carry (default)
//! jwks-url = "https://token.actions.githubusercontent.com/.well-known/jwks"
//!
//! [[trusted-publishing.issuer]]
//! url = "https://gitlab.example.org"
//! jwks-file = "gitlab-jwks.json"                          # relative to the config file
//! ```
//!
//! Every table and key is checked: an unknown key is an error that names it, so a typo never
//! silently turns a setting off.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The audience an issuer's tokens must carry when the config does not say.
pub const DEFAULT_AUDIENCE: &str = "osops";

/// The whole config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub trusted_publishing: TrustedPublishingConfig,
}

/// `[storage]`: where the metadata and the archives live, for a deployment that keeps its
/// settings in a file rather than on the command line (secrets stay in `AWS_*` variables).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StorageConfig {
    pub database_url: Option<String>,
    pub url: Option<String>,
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
}

/// `[trusted-publishing]`: the OIDC issuers whose identity tokens may be exchanged for publish
/// tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedPublishingConfig {
    #[serde(default, rename = "issuer")]
    pub issuers: Vec<IssuerConfig>,
}

/// One `[[trusted-publishing.issuer]]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IssuerConfig {
    /// The issuer's identifier: tokens' `iss` must equal it, byte for byte.
    pub url: String,
    #[serde(default = "default_audience")]
    pub audience: String,
    /// Where the issuer publishes its signing keys (fetched at start-up, again on an unknown
    /// `kid`, and when older than an hour).
    pub jwks_url: Option<String>,
    /// A JWKS document on disk, read once at start-up (for issuers the registry cannot reach).
    pub jwks_file: Option<PathBuf>,
}

fn default_audience() -> String {
    DEFAULT_AUDIENCE.to_owned()
}

/// Where an issuer's keys come from, once the config is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksLocation {
    Url(String),
    /// Absolute, or relative to the working directory (a config file's relative paths are
    /// resolved against its own directory by [`ConfigFile::load`]).
    File(PathBuf),
}

impl IssuerConfig {
    pub fn jwks(&self) -> Result<JwksLocation, Error> {
        match (&self.jwks_url, &self.jwks_file) {
            (Some(url), None) => Ok(JwksLocation::Url(url.clone())),
            (None, Some(file)) => Ok(JwksLocation::File(file.clone())),
            _ => Err(Error::Invalid(format!(
                "trusted-publishing issuer `{}` needs exactly one of `jwks-url` and `jwks-file`",
                self.url
            ))),
        }
    }
}

impl ConfigFile {
    /// Reads and checks the file; relative `jwks-file` paths are taken from the file's directory.
    pub fn load(path: &Path) -> Result<ConfigFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut config = ConfigFile::parse(&text)
            .map_err(|e| Error::Invalid(format!("config file `{}`: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for issuer in &mut config.trusted_publishing.issuers {
            if let Some(file) = &mut issuer.jwks_file
                && file.is_relative()
            {
                *file = base.join(&*file);
            }
        }
        Ok(config)
    }

    /// Parses and checks a config file's text. The error names the offending key or value.
    pub fn parse(text: &str) -> Result<ConfigFile, String> {
        let config: ConfigFile = toml::from_str(text).map_err(|e| e.to_string())?;
        config.check().map_err(|e| e.to_string())?;
        Ok(config)
    }

    fn check(&self) -> Result<(), Error> {
        let mut seen = BTreeSet::new();
        for issuer in &self.trusted_publishing.issuers {
            check_url("url", &issuer.url)?;
            if !seen.insert(issuer.url.as_str()) {
                return Err(Error::Invalid(format!(
                    "trusted-publishing issuer `{}` is listed twice",
                    issuer.url
                )));
            }
            if issuer.audience.trim().is_empty() || issuer.audience.len() > 256 {
                return Err(Error::Invalid(format!(
                    "trusted-publishing issuer `{}`: `audience` must be 1 to 256 characters",
                    issuer.url
                )));
            }
            if let JwksLocation::Url(url) = issuer.jwks()? {
                check_url("jwks-url", &url)?;
            }
        }
        Ok(())
    }
}

fn check_url(key: &str, url: &str) -> Result<(), Error> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let valid = rest.is_some_and(|r| {
        !r.is_empty() && !r.contains(|c: char| c.is_whitespace() || c.is_control())
    });
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "trusted-publishing `{key}` `{}` is not an http(s) URL",
            url.escape_debug()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_shape() {
        let config = ConfigFile::parse(
            r#"
            [[trusted-publishing.issuer]]
            url = "https://token.actions.githubusercontent.com"
            jwks-url = "https://token.actions.githubusercontent.com/.well-known/jwks"

            [[trusted-publishing.issuer]]
            url = "https://gitlab.example.org"
            audience = "https://registry.example.org"
            jwks-file = "/etc/osops/gitlab-jwks.json"
            "#,
        )
        .expect("valid");
        let issuers = &config.trusted_publishing.issuers;
        assert_eq!(issuers.len(), 2);
        assert_eq!(issuers[0].audience, "osops");
        assert_eq!(
            issuers[0].jwks().expect("jwks"),
            JwksLocation::Url(
                "https://token.actions.githubusercontent.com/.well-known/jwks".into()
            )
        );
        assert_eq!(issuers[1].audience, "https://registry.example.org");
        assert_eq!(
            issuers[1].jwks().expect("jwks"),
            JwksLocation::File("/etc/osops/gitlab-jwks.json".into())
        );
    }

    #[test]
    fn storage_keys_are_read() {
        let config = ConfigFile::parse(
            "[storage]\ndatabase-url = \"postgres://osops@db/osops\"\nurl = \"s3://archives\"\n\
             s3-endpoint = \"https://rgw:8080\"\ns3-region = \"default\"\n",
        )
        .expect("valid");
        assert_eq!(
            config.storage,
            StorageConfig {
                database_url: Some("postgres://osops@db/osops".into()),
                url: Some("s3://archives".into()),
                s3_endpoint: Some("https://rgw:8080".into()),
                s3_region: Some("default".into()),
            }
        );
        let typo = ConfigFile::parse("[storage]\ndatabase_url = \"x\"\n").expect_err("typo");
        assert!(typo.contains("database_url"), "{typo}");
    }

    #[test]
    fn empty_file_has_no_issuers() {
        assert_eq!(ConfigFile::parse("").expect("empty"), ConfigFile::default());
    }

    #[test]
    fn unknown_keys_are_named() {
        for (text, key) in [
            ("[trusted-publishing]\nissuers = []\n", "issuers"),
            ("[trusted_publishing]\n", "trusted_publishing"),
            ("listen = \"x\"\n", "listen"),
            (
                "[[trusted-publishing.issuer]]\nurl = \"https://a\"\njwks-file = \"k\"\njwks_url = \"https://b\"\n",
                "jwks_url",
            ),
        ] {
            let err = ConfigFile::parse(text).expect_err(text);
            assert!(err.contains(&format!("unknown field `{key}`")), "{err}");
        }
    }

    #[test]
    fn bad_issuers() {
        for (text, expected) in [
            (
                "[[trusted-publishing.issuer]]\nurl = \"https://a\"\n",
                "issuer `https://a` needs exactly one of `jwks-url` and `jwks-file`",
            ),
            (
                "[[trusted-publishing.issuer]]\nurl = \"https://a\"\njwks-file = \"k\"\njwks-url = \"https://b\"\n",
                "needs exactly one of",
            ),
            (
                "[[trusted-publishing.issuer]]\nurl = \"gitlab\"\njwks-file = \"k\"\n",
                "`url` `gitlab` is not an http(s) URL",
            ),
            (
                "[[trusted-publishing.issuer]]\nurl = \"https://a\"\njwks-url = \"file:///k\"\n",
                "`jwks-url` `file:///k` is not an http(s) URL",
            ),
            (
                "[[trusted-publishing.issuer]]\nurl = \"https://a\"\naudience = \"\"\njwks-file = \"k\"\n",
                "`audience` must be",
            ),
            (
                "[[trusted-publishing.issuer]]\nurl = \"https://a\"\njwks-file = \"k\"\n\
                 [[trusted-publishing.issuer]]\nurl = \"https://a\"\njwks-file = \"j\"\n",
                "issuer `https://a` is listed twice",
            ),
            (
                "[[trusted-publishing.issuer]]\njwks-file = \"k\"\n",
                "missing field `url`",
            ),
        ] {
            let err = ConfigFile::parse(text).expect_err(text);
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn relative_jwks_files_are_next_to_the_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("registry.toml");
        std::fs::write(
            &path,
            "[[trusted-publishing.issuer]]\nurl = \"https://a\"\njwks-file = \"keys/jwks.json\"\n",
        )
        .expect("write");
        let config = ConfigFile::load(&path).expect("load");
        assert_eq!(
            config.trusted_publishing.issuers[0].jwks_file.as_deref(),
            Some(dir.path().join("keys/jwks.json").as_path())
        );
        let missing = ConfigFile::load(&dir.path().join("nope.toml")).expect_err("missing");
        assert!(missing.to_string().contains("nope.toml"), "{missing}");
    }
}
