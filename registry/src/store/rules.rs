//! The publish rules and the "latest version" rule, apart from SQL: each backend reads the rows,
//! these decide, so SQLite and PostgreSQL cannot drift apart on what a publish is allowed to do.

use semver::Version;

use super::{NewVersion, PublishOutcome, StoreError};
use crate::access::Scope;

/// What the rules say about a publish, before anything is written.
pub(crate) enum Decision {
    Refuse(PublishOutcome),
    /// Go ahead; `Some(id)` when the asset exists already.
    Insert(Option<i64>),
}

impl NewVersion {
    /// A token minted by trusted publishing publishes new versions of exactly its patterns'
    /// assets, though its system user `trusted-publisher` owns none of them; the `publish-update`
    /// scope is still required (see [`NewVersion::decide_version`]), and it never has
    /// `publish-new`.
    pub(crate) fn by_trusted_publisher(&self) -> bool {
        self.publisher.grant.as_ref().is_some_and(|g| {
            g.trusted_publisher.is_some()
                && g.patterns.iter().any(|p| p.matches(self.name.as_str()))
        })
    }

    /// The rule for an existing asset the publisher may publish to, given the row (sha256,
    /// version as published) of this version if there is one: never the same version twice
    /// (identical bytes are "already published"), and a new version needs `publish-update`.
    pub(crate) fn decide_version(
        &self,
        asset_id: i64,
        existing: Option<(String, String)>,
    ) -> Decision {
        match existing {
            None if !self.publisher.may(Scope::PublishUpdate) => {
                Decision::Refuse(PublishOutcome::MissingScope(Scope::PublishUpdate))
            }
            None => Decision::Insert(Some(asset_id)),
            Some((sha256, _)) if sha256 == self.sha256 => {
                Decision::Refuse(PublishOutcome::Identical)
            }
            Some((_, existing)) => Decision::Refuse(PublishOutcome::VersionConflict { existing }),
        }
    }
}

/// An asset's latest version among its versions `(id, version, yanked)`: the newest non-yanked
/// one, else the newest (then the asset is unlisted). Returns its id and whether the asset is
/// listed.
pub(crate) fn latest(
    asset_id: i64,
    versions: &[(i64, Version, bool)],
) -> Result<(i64, bool), StoreError> {
    let listed = versions.iter().any(|(_, _, yanked)| !yanked);
    versions
        .iter()
        .filter(|(_, _, yanked)| !listed || !yanked)
        .max_by(|a, b| a.1.cmp(&b.1))
        .map(|(id, _, _)| (*id, listed))
        .ok_or_else(|| StoreError::Corrupt(format!("asset {asset_id} has no versions")))
}
