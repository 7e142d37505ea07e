//! The formats both sides of osops speak, with no I/O beyond files and bytes.
//!
//! - [`AssetName`]: the canonical asset (and need) name, how other spellings fold to it, and the
//!   look-alike key the registry uses to refuse `neutr0n-cleanup` next to `neutron-cleanup`.
//! - [`Manifest`]: `osops.toml`, parsed and validated with errors that name the field and a hint.
//! - [`openstack`]: the services and release series a manifest may name, and [`ReleaseRange`].
//! - [`archive`]: deterministic packing, and the ONE validator the registry (on publish) and the CLI
//!   (on install) both run; extraction writes exactly the entries the validator accepted.
//! - [`IndexEntry`] / [`IndexConfig`] / [`index_path`]: the sparse index's files.
//! - [`NeedRecord`] / [`need::import`]: needs as people write them, TOML files and rST user stories.
//! - [`schema`]: JSON Schemas generated from these types into `schemas/`.

pub mod archive;
mod checksum;
mod entry;
pub mod manifest;
mod name;
pub mod need;
pub mod openstack;
pub mod schema;
mod suggest;

/// Where `osops` looks for a registry unless told otherwise: one started locally with
/// `osops-registry serve`, which listens there by default.
pub const DEFAULT_REGISTRY: &str = "http://127.0.0.1:8080";

pub use checksum::{Sha256Hex, sha256_hex};
pub use entry::{IndexConfig, IndexDependency, IndexEntry, index_path};
pub use manifest::{Kind, Manifest, ManifestError};
pub use name::{AssetName, NameError};
pub use need::{NeedRecord, NeedStatus, UseCase};
pub use openstack::ReleaseRange;
