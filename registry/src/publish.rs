//! The publish operation, independent of HTTP: the API's `PUT /api/v1/assets` and the `--demo`
//! loader both call [`publish`].
//!
//! 1. Validate the archive with `osops_index::archive::read` (the same validator `osops install`
//!    runs); its manifest is the only source of metadata.
//! 2. Ask the store what it would answer ([`AssetStore::check_publish`]): a refusal or an identical
//!    re-publish returns before anything is written.
//!    Then every need the manifest addresses must exist ([`NeedStore::unknown_needs`]); needs are
//!    never deleted, so this check does not need repeating in the transaction.
//! 3. Store the blob under its sha256 (an atomic put).
//! 4. Commit asset, owner, version and search rows in one transaction that checks every rule again,
//!    so of two racing publishes exactly one commits.
//!
//! A crash between 3 and 4 leaves an unreferenced blob and nothing visible.
//!
//! [`AssetStore::check_publish`]: crate::store::AssetStore::check_publish
//! [`NeedStore::unknown_needs`]: crate::store::NeedStore::unknown_needs

use bytes::Bytes;
use osops_index::archive::{self, Archive, ArchiveError};
use osops_index::{AssetName, IndexDependency, IndexEntry};

use crate::blobs::{BlobError, BlobKey};
use crate::error::{ApiError, chain};
use crate::state::AppState;
use crate::store::{NewVersion, PublishOutcome, StoreError, StoredManifest, User};

/// A published (or already present) version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    pub name: AssetName,
    #[serde(serialize_with = "display")]
    pub version: semver::Version,
    pub cksum: String,
    /// `false` for a byte-identical re-publish, which changes nothing.
    pub new: bool,
}

fn display<S: serde::Serializer>(v: &semver::Version, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{}", chain(.0))]
    Archive(#[source] ArchiveError),
    #[error(
        "only the owners of `{name}` may publish it, and `{user}` is not one of them (owners: {owners}) \
         (hint: ask an owner to add you, or publish under another name)"
    )]
    NotOwner {
        name: AssetName,
        user: String,
        owners: String,
    },
    #[error(
        "asset name `{name}` is too similar to the existing asset `{existing}`, which you do not own \
         (hint: pick a name that differs by more than look-alike characters or `-`)"
    )]
    Lookalike { name: AssetName, existing: String },
    #[error(
        "version `{version}` of `{name}` is already published with different contents{same}; \
         versions are immutable (hint: bump `asset.version` in osops.toml)"
    )]
    VersionConflict {
        name: AssetName,
        version: String,
        same: String,
    },
    #[error(
        "`{name}` addresses the unknown need{} {} (hint: check the id, or create the need first \
         with `osops need new {} --title …`)",
        if .needs.len() == 1 { "" } else { "s" },
        .needs.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
        .needs.first().map_or("ID", String::as_str)
    )]
    UnknownNeeds { name: AssetName, needs: Vec<String> },
    #[error("cannot validate the archive: {0}")]
    Task(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot store the archive")]
    Blob(#[from] BlobError),
}

impl From<PublishError> for ApiError {
    fn from(err: PublishError) -> Self {
        match err {
            PublishError::Archive(ArchiveError::TooLarge { .. }) => {
                ApiError::too_large(err.to_string())
            }
            PublishError::Archive(_) | PublishError::UnknownNeeds { .. } => {
                ApiError::bad_request(err.to_string())
            }
            PublishError::NotOwner { .. } => ApiError::forbidden(err.to_string()),
            PublishError::Lookalike { .. } | PublishError::VersionConflict { .. } => {
                ApiError::conflict(err.to_string())
            }
            PublishError::Store(e) => e.into(),
            PublishError::Task(_) | PublishError::Blob(_) => ApiError::internal(err),
        }
    }
}

/// Publishes the archive `bytes` as `user`.
pub async fn publish(
    state: &AppState,
    user: &User,
    bytes: Bytes,
) -> Result<Published, PublishError> {
    let limits = state.settings.limits;
    let (archive, sha256) = {
        let bytes = bytes.clone();
        // Decompressing and checking up to `max_unpacked` bytes is CPU work: off the async threads.
        tokio::task::spawn_blocking(move || {
            archive::read(&bytes, &limits).map(|a| (a, osops_index::sha256_hex(&bytes)))
        })
        .await
        .map_err(|e| PublishError::Task(e.to_string()))?
        .map_err(PublishError::Archive)?
    };
    let new = new_version(&archive, sha256, bytes.len() as u64, user);
    let published = |new_version: bool| Published {
        name: new.name.clone(),
        version: new.version.clone(),
        cksum: new.sha256.clone(),
        new: new_version,
    };

    if let Some(outcome) = state.assets.check_publish(&new).await? {
        return refusal(&new, outcome).map(|()| published(false));
    }

    let unknown = state.needs.unknown_needs(&new.manifest.needs).await?;
    if !unknown.is_empty() {
        return Err(PublishError::UnknownNeeds {
            name: new.name.clone(),
            needs: unknown,
        });
    }

    let key = BlobKey::archive(&new.sha256)?;
    state.blobs.put(&key, bytes).await?;
    let outcome = state.assets.publish(&new).await?;
    match outcome {
        PublishOutcome::Created => {
            tracing::info!(name = %new.name, version = %new.version, user = %user.name, "published");
            Ok(published(true))
        }
        PublishOutcome::Identical => Ok(published(false)),
        PublishOutcome::VersionConflict { .. } => {
            // Lost a race to other bytes for this version. These bytes name this (name, version)
            // in their manifest, so nothing can ever reference their blob: remove it.
            if let Err(e) = state.blobs.delete(&key).await {
                tracing::warn!(key = %key, "cannot remove the blob of a refused publish: {}", chain(&e));
            }
            refusal(&new, outcome).map(|()| published(false))
        }
        // Left for garbage collection: an owner may be publishing these same bytes right now.
        other => refusal(&new, other).map(|()| published(false)),
    }
}

/// `Ok` for an identical re-publish, the matching error for every refusal.
fn refusal(new: &NewVersion, outcome: PublishOutcome) -> Result<(), PublishError> {
    match outcome {
        PublishOutcome::Created | PublishOutcome::Identical => Ok(()),
        PublishOutcome::NotOwner { owners } => Err(PublishError::NotOwner {
            name: new.name.clone(),
            user: new.publisher.name.clone(),
            owners: owners
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", "),
        }),
        PublishOutcome::Lookalike { existing } => Err(PublishError::Lookalike {
            name: new.name.clone(),
            existing,
        }),
        PublishOutcome::VersionConflict { existing } => {
            let version = new.version.to_string();
            let same = if existing == version {
                String::new()
            } else {
                format!(" as `{existing}` (build metadata does not make a new version)")
            };
            Err(PublishError::VersionConflict {
                name: new.name.clone(),
                version,
                same,
            })
        }
    }
}

fn new_version(archive: &Archive, sha256: String, size: u64, user: &User) -> NewVersion {
    let m = &archive.manifest;
    let published_at = crate::time::now();
    let index_entry = IndexEntry {
        name: m.asset.name.clone(),
        vers: m.asset.version.clone(),
        kind: m.asset.kind,
        cksum: sha256.clone(),
        deps: m
            .dependencies
            .iter()
            .map(|(name, req)| IndexDependency {
                name: name.clone(),
                req: req.clone(),
            })
            .collect(),
        services: m.openstack.services.clone(),
        releases: m.openstack.releases.as_ref().map(|r| r.as_str().to_owned()),
        needs: m.needs.addresses.iter().map(ToString::to_string).collect(),
        yanked: false,
        published_at: published_at.clone(),
        v: 1,
    };
    NewVersion {
        name: m.asset.name.clone(),
        lookalike_key: m.asset.name.lookalike_key(),
        version: m.asset.version.clone(),
        sha256,
        size,
        manifest: StoredManifest::from(m),
        index_entry,
        readme: archive.readme().map(str::to_owned),
        publisher: user.clone(),
        published_at,
    }
}
