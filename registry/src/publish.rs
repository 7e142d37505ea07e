//! The publish operation, independent of HTTP: the API's `PUT /api/v1/assets` and the `--demo`
//! loader both call [`publish`].
//!
//! 1. Validate the archive with `osops_index::archive::read` (the same validator `osops install`
//!    runs); its manifest is the only source of metadata.
//! 2. The token's patterns must match the name ([`Actor::require_asset`]).
//! 3. Ask the store what it would answer ([`AssetStore::check_publish`]): a refusal (scope, owner,
//!    look-alike, version taken) or an identical re-publish returns before anything is written.
//! 4. Take a token from the publisher's rate-limit bucket (`new-name` or `new-version`), given
//!    back unless the version is created.
//! 5. Every need the manifest addresses must exist ([`NeedStore::unknown_needs`]); needs are never
//!    deleted, so this check does not need repeating in the transaction.
//! 6. A dry run stops here: every check ran, nothing was stored.
//! 7. Store the blob under its sha256 (an atomic put).
//! 8. Commit asset, owner, version, search rows and the audit event in one transaction that
//!    checks every rule again, so of two racing publishes exactly one commits.
//!
//! A crash between 7 and 8 leaves an unreferenced blob and nothing visible.
//!
//! [`AssetStore::check_publish`]: crate::store::AssetStore::check_publish
//! [`NeedStore::unknown_needs`]: crate::store::NeedStore::unknown_needs

use bytes::Bytes;
use osops_index::archive::{self, Archive, ArchiveError};
use osops_index::{AssetName, IndexDependency, IndexEntry};

use crate::access::{Actor, Denied, Scope};
use crate::blobs::{BlobError, BlobKey};
use crate::error::{ApiError, chain};
use crate::rate_limit::{Limited, RateAction};
use crate::state::AppState;
use crate::store::{NewVersion, PublishCheck, PublishOutcome, StoreError, StoredManifest};

/// A published (or already present) version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Published {
    #[schema(value_type = crate::openapi::AssetNameSchema)]
    pub name: AssetName,
    #[serde(serialize_with = "display")]
    #[schema(value_type = String)]
    pub version: semver::Version,
    /// sha256 of the archive, lowercase hex.
    pub cksum: String,
    /// `false` for a byte-identical re-publish, which changes nothing.
    pub new: bool,
    /// Only a dry run says so; then nothing was stored.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

fn display<S: serde::Serializer>(v: &semver::Version, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{}", chain(.0))]
    Archive(#[source] ArchiveError),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Limited(#[from] Limited),
    /// `asset.name` is another spelling (`Nova_Tools`) of an asset that exists (`nova-tools`).
    #[error(
        "the manifest inside the archive is invalid: `asset.name`: {message}: it is another \
         spelling of the existing asset `{existing}` (hint: to publish a version of it, set \
         `name = \"{existing}\"` in osops.toml; for a new asset, pick another name)"
    )]
    Respelled {
        message: String,
        existing: AssetName,
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
    /// A fault a test injected (`failpoints` feature only).
    #[cfg(feature = "failpoints")]
    #[error(transparent)]
    Injected(#[from] crate::failpoint::Injected),
}

/// Whether the blob store refused the archive because its disk (or quota) is full.
fn storage_full(err: &BlobError) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::StorageFull
        {
            return true;
        }
        source = e.source();
    }
    false
}

impl From<PublishError> for ApiError {
    fn from(err: PublishError) -> Self {
        match err {
            PublishError::Archive(ArchiveError::TooLarge { .. }) => {
                ApiError::too_large(err.to_string())
            }
            PublishError::Archive(_)
            | PublishError::Respelled { .. }
            | PublishError::UnknownNeeds { .. } => ApiError::bad_request(err.to_string()),
            PublishError::Denied(denied) => denied.into(),
            PublishError::Limited(limited) => limited.into(),
            PublishError::Lookalike { .. } | PublishError::VersionConflict { .. } => {
                ApiError::conflict(err.to_string())
            }
            PublishError::Store(e) => e.into(),
            PublishError::Blob(ref e) if storage_full(e) => ApiError::unavailable(
                "the registry's archive storage is full: nothing was published (hint: try again \
                 later; the registry's operator has to free space)",
                err,
            ),
            PublishError::Task(_) | PublishError::Blob(_) => ApiError::internal(err),
            #[cfg(feature = "failpoints")]
            PublishError::Injected(_) => ApiError::internal(err),
        }
    }
}

/// Refuses, before the body is read, a token that can publish nothing.
pub fn require_some_publish_scope(actor: &Actor) -> Result<(), Denied> {
    if actor.may(Scope::PublishNew) || actor.may(Scope::PublishUpdate) {
        Ok(())
    } else {
        actor.require(Scope::PublishUpdate)
    }
}

/// Publishes the archive `bytes` as `actor`; with `dry_run`, runs every check and stores nothing.
pub async fn publish(
    state: &AppState,
    actor: &Actor,
    bytes: Bytes,
    dry_run: bool,
) -> Result<Published, PublishError> {
    let limits = state.settings.limits;
    let (archive, sha256) = {
        let bytes = bytes.clone();
        // Decompressing and checking up to `max_unpacked` bytes is CPU work: off the async threads.
        let read = tokio::task::spawn_blocking(move || {
            archive::read(&bytes, &limits).map(|a| (a, osops_index::sha256_hex(&bytes)))
        })
        .await
        .map_err(|e| PublishError::Task(e.to_string()))?;
        match read {
            Ok(read) => read,
            Err(e) => return Err(archive_refusal(state, e).await),
        }
    };
    actor.require_asset(&archive.manifest.asset.name)?;
    let new = new_version(&archive, sha256, bytes.len() as u64, actor);
    let published = |new_version: bool| Published {
        name: new.name.clone(),
        version: new.version.clone(),
        cksum: new.sha256.clone(),
        new: new_version,
        dry_run,
    };

    let action = match state.assets.check_publish(&new).await? {
        PublishCheck::Answer(outcome) => {
            return refusal(&new, outcome).map(|()| published(false));
        }
        PublishCheck::NewAsset => RateAction::NewName,
        PublishCheck::NewVersion => RateAction::NewVersion,
    };
    let permit = match (actor.rate_limited(), dry_run) {
        (false, _) => None,
        (true, true) => {
            state.limiter.check(&actor.rate_subject(), action)?;
            None
        }
        (true, false) => Some(state.limiter.acquire(actor.rate_subject(), action)?),
    };

    let unknown = state.needs.unknown_needs(&new.manifest.needs).await?;
    if !unknown.is_empty() {
        return Err(PublishError::UnknownNeeds {
            name: new.name.clone(),
            needs: unknown,
        });
    }
    if dry_run {
        return Ok(published(true));
    }

    let key = BlobKey::archive(&new.sha256)?;
    state.blobs.put(&key, bytes).await?;
    #[cfg(feature = "failpoints")]
    state
        .blobs
        .failpoints()
        .hit(crate::failpoint::PUBLISH_AFTER_BLOB)
        .await?;
    let outcome = state.assets.publish(&new).await?;
    if outcome == PublishOutcome::Created {
        state.index_files.changed(&new.name);
    }
    #[cfg(feature = "failpoints")]
    state
        .blobs
        .failpoints()
        .hit(crate::failpoint::PUBLISH_AFTER_COMMIT)
        .await?;
    match outcome {
        PublishOutcome::Created => {
            if let Some(permit) = permit {
                permit.commit();
            }
            tracing::info!(name = %new.name, version = %new.version, user = %actor.user.name, "published");
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

/// The archive's refusal; when its manifest spells the name of an existing asset another way
/// (`Nova_Tools` for `nova-tools`), one that names that asset, so that neither its owner nor anyone
/// else takes the refusal for "no such asset" (case 12 of SECURITY-TESTS.md).
async fn archive_refusal(state: &AppState, err: ArchiveError) -> PublishError {
    if let ArchiveError::Manifest(e) = &err
        && e.field == "asset.name"
        && let Some(existing) = e.canonical_name()
    {
        match state.assets.asset(&existing).await {
            Ok(Some(_)) => {
                return PublishError::Respelled {
                    message: e.message.clone(),
                    existing,
                };
            }
            Ok(None) => {}
            Err(e) => return PublishError::Store(e),
        }
    }
    PublishError::Archive(err)
}

/// `Ok` for an identical re-publish, the matching error for every refusal.
fn refusal(new: &NewVersion, outcome: PublishOutcome) -> Result<(), PublishError> {
    match outcome {
        PublishOutcome::Created | PublishOutcome::Identical => Ok(()),
        PublishOutcome::NotOwner { owners } => Err(PublishError::Denied(Denied::NotOwner {
            user: new.publisher.user.name.clone(),
            asset: new.name.to_string(),
            owners,
            action: "publish new versions",
        })),
        PublishOutcome::MissingScope(scope) => Err(PublishError::Denied(Denied::Scope {
            scope,
            has: new.publisher.scopes(),
        })),
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

fn new_version(archive: &Archive, sha256: String, size: u64, actor: &Actor) -> NewVersion {
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
        publisher: actor.clone(),
        published_at,
    }
}
