//! Reading need documents: TOML need files and the OpenStack Product Working Group's
//! reStructuredText user stories.

use std::path::Path;

use super::NeedRecord;

/// What one file gave.
#[derive(Debug)]
pub struct Imported {
    /// The records read (a TOML file may hold several `[[need]]` tables).
    pub records: Vec<NeedRecord>,
    /// Notes about parts that were skipped or guessed ("no use cases", "section `Gaps` ignored").
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read `{path}`")]
    Io { path: String, #[source] source: std::io::Error },
    #[error("`{path}` is not a need file: {reason}")]
    NotANeed { path: String, reason: String },
    #[error("`{path}`: invalid need")]
    Invalid { path: String, #[source] source: super::NeedError },
}

/// Reads one file: `.toml` as need records, `.rst` as a user story; anything else is refused.
pub fn import_file(path: &Path) -> Result<Imported, ImportError> {
    todo!("{}", path.display())
}

/// Parses a TOML need file: either `[[need]]` tables or one need at the top level.
pub fn parse_toml(text: &str, origin: &str) -> Result<Imported, ImportError> {
    todo!("{text} {origin}")
}

/// Parses a user story. The id comes from `file_stem` (folded to a canonical name).
pub fn parse_user_story(text: &str, file_stem: &str, origin: &str) -> Result<Imported, ImportError> {
    todo!("{text} {file_stem} {origin}")
}
