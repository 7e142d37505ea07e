//! Asset names (and need ids, which follow the same rules).
//!
//! A name is `[a-z0-9][a-z0-9-]*`, 2 to 64 characters, exactly the pattern DESIGN.md gives. Trailing
//! `-` and `--` are allowed because the pattern allows them and other parts (schemas, the registry's
//! database constraint) are written against that pattern; the confusion they could cause
//! (`nova-tools` vs `nova--tools` vs `novatools`) is caught instead by [`AssetName::lookalike_key`],
//! which drops every `-`, so the registry refuses such a name to anyone but the owner of the first.

use std::fmt;

/// A canonical asset name: `[a-z0-9][a-z0-9-]*`, 2 to 64 characters.
///
/// Other spellings (`Nova_Tools`) fold to one canonical form (`nova-tools`) with
/// [`AssetName::canonical_form`]; parsing a non-canonical spelling is an error that names the
/// canonical one, so two assets can never differ only by case or `_`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct AssetName(
    #[schemars(length(min = 2, max = 64), regex(pattern = r"^[a-z0-9][a-z0-9-]*$"))] String,
);

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

/// Shortest and longest name, in characters (all valid names are ASCII, so also bytes).
const MIN_LEN: usize = 2;
const MAX_LEN: usize = 64;

impl AssetName {
    /// Parses a name that must already be canonical.
    ///
    /// A spelling that is wrong only by case or `_` gives [`NameError::NotCanonical`] naming the
    /// canonical form, so the user is told what to type rather than which character is bad.
    pub fn parse(name: &str) -> Result<Self, NameError> {
        if name.is_empty() {
            return Err(NameError::Empty(String::new()));
        }
        // (No let-chains: the workspace's rust-version is 1.85.)
        if let Some(canonical) = Self::canonical_form(name).ok().filter(|c| c.0 != name) {
            return Err(NameError::NotCanonical {
                name: name.to_owned(),
                canonical: canonical.0,
            });
        }
        check(name)?;
        Ok(AssetName(name.to_owned()))
    }

    /// `_` as `-` and ASCII upper case as lower case, unvalidated (asset-name patterns fold the
    /// same way).
    pub fn fold(name: &str) -> String {
        name.chars()
            .map(|c| {
                if c == '_' {
                    '-'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    /// Folds `_` to `-` and upper case to lower case, then validates the result.
    ///
    /// Only ASCII letters are folded: Unicode lower-casing would turn look-alikes such as the
    /// Kelvin sign `K` into `k`, letting a name smuggle in a character the user never typed.
    pub fn canonical_form(name: &str) -> Result<Self, NameError> {
        let folded = Self::fold(name);
        check(&folded).map_err(|e| match e {
            // Report the name as the user wrote it, not the folded one.
            NameError::Character { ch, .. } => NameError::Character {
                name: name.to_owned(),
                ch,
            },
            NameError::Length { len, .. } => NameError::Length {
                name: name.to_owned(),
                len,
            },
            NameError::Start(_) => NameError::Start(name.to_owned()),
            other => other,
        })?;
        Ok(AssetName(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A skeleton of the name for refusing look-alikes: two *different* names with the same key
    /// (`neutr0n-cleanup` / `neutron-cleanup`, `nova-tools` / `novatools`, `cinder-rn` /
    /// `cinder-m`) would be mistaken for each other by a reader, so the registry gives the second
    /// one only to the owner of the first.
    ///
    /// Digits and letters that render alike map to one letter (`0`→`o`, `1`/`i`/`l`→`l`, `5`→`s`,
    /// `2`→`z`, `3`→`e`, `4`→`a`, `6`/`8`→`b`, `7`→`t`, `9`→`g`), `-` is dropped, then the pairs
    /// `rn`→`m` and `vv`→`w` (and `uu`→`w`) are merged. The key is only ever compared, never shown.
    pub fn lookalike_key(&self) -> String {
        let mapped: String = self
            .0
            .chars()
            .filter(|&c| c != '-')
            .map(|c| match c {
                '0' => 'o',
                '1' | 'i' => 'l',
                '2' => 'z',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '6' | '8' => 'b',
                '7' => 't',
                '9' => 'g',
                other => other,
            })
            .collect();
        mapped
            .replace("rn", "m")
            .replace("vv", "w")
            .replace("uu", "w")
    }
}

/// The canonical-name rules, on a string that has already been folded (or must not need it).
fn check(name: &str) -> Result<(), NameError> {
    let len = name.chars().count();
    if len == 0 {
        return Err(NameError::Empty(name.to_owned()));
    }
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(NameError::Length {
            name: name.to_owned(),
            len,
        });
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if let Some(first) = name.chars().next().filter(|&c| !allowed(c)) {
        // `-x` is a start error; `Ωx` is a character error, which says more.
        return Err(if first == '-' {
            NameError::Start(name.to_owned())
        } else {
            NameError::Character {
                name: name.to_owned(),
                ch: first,
            }
        });
    }
    if let Some(ch) = name.chars().find(|&c| !(allowed(c) || c == '-')) {
        return Err(NameError::Character {
            name: name.to_owned(),
            ch,
        });
    }
    Ok(())
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
