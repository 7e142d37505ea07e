//! Asset names (and need ids, which follow the same rules).

use std::fmt;

/// A canonical asset name: `[a-z0-9][a-z0-9-]*`, 2 to 64 characters.
///
/// Other spellings (`Nova_Tools`) fold to one canonical form (`nova-tools`) with
/// [`AssetName::canonical_form`]; parsing a non-canonical spelling is an error that names the
/// canonical one, so two assets can never differ only by case or `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct AssetName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name `{0}` is empty")]
    Empty(String),
    #[error("name `{name}` is {len} characters long; names have 2 to 64")]
    Length { name: String, len: usize },
    #[error("name `{name}` contains `{ch}`; names use only a-z, 0-9 and `-`")]
    Character { name: String, ch: char },
    #[error("name `{0}` must start with a letter or digit")]
    Start(String),
    #[error("name `{name}` is not canonical (hint: use `{canonical}`)")]
    NotCanonical { name: String, canonical: String },
}

impl AssetName {
    /// Parses a name that must already be canonical.
    pub fn parse(name: &str) -> Result<Self, NameError> {
        todo!("{name}")
    }

    /// Folds `_` to `-` and upper case to lower case, then validates the result.
    pub fn canonical_form(name: &str) -> Result<Self, NameError> {
        todo!("{name}")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for AssetName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for AssetName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}
