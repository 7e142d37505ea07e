-- The registry's first schema: users and their tokens, assets with their owners and versions, and
-- the full-text index over each asset's newest non-yanked version.
--
-- Times are RFC 3339 UTC text (`2026-11-23T15:21:06Z`), so they sort as text. Lists are JSON arrays
-- of strings, queried with json_each.

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    -- sha256 (hex) of the token; the token itself is never stored.
    sha256       TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE assets (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    -- AssetName::lookalike_key: names that look alike (`neutr0n-cleanup`, `neutron-cleanup`)
    -- share it, and only the owners of the first may take another. Changing how the key is
    -- computed needs a migration that recomputes this column.
    lookalike_key  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    downloads      INTEGER NOT NULL DEFAULT 0,
    -- Denormalised from the latest version (the newest non-yanked one, else the newest), rewritten
    -- in the transaction that changes the set of versions.
    latest_version TEXT NOT NULL,
    -- 1 while some version is not yanked: only listed assets are searched.
    listed         INTEGER NOT NULL DEFAULT 1,
    kind           TEXT NOT NULL,
    description    TEXT NOT NULL,
    services       TEXT NOT NULL DEFAULT '[]',
    -- The `openstack.releases` range as written, NULL when the manifest has none.
    releases       TEXT,
    needs          TEXT NOT NULL DEFAULT '[]',
    keywords       TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX assets_updated ON assets (updated_at);
CREATE INDEX assets_lookalike ON assets (lookalike_key);

CREATE TABLE asset_owners (
    asset_id   INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (asset_id, user_id)
) WITHOUT ROWID;

CREATE TABLE versions (
    id           INTEGER PRIMARY KEY,
    asset_id     INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    -- As published, build metadata included.
    version      TEXT NOT NULL,
    -- Without build metadata: `1.2.0+build2` is the same version as `1.2.0`.
    version_key  TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    -- JSON of store::StoredManifest, the registry's own copy of the manifest's fields.
    manifest     TEXT NOT NULL,
    -- JSON of the osops_index::IndexEntry as published; `yanked` comes from the column.
    index_entry  TEXT NOT NULL,
    readme       TEXT,
    published_by INTEGER NOT NULL REFERENCES users (id),
    published_at TEXT NOT NULL,
    yanked       INTEGER NOT NULL DEFAULT 0,
    downloads    INTEGER NOT NULL DEFAULT 0,
    -- Two racing publishes of one version: exactly one row.
    UNIQUE (asset_id, version_key)
);

-- One row per listed asset (rowid = assets.id), holding its latest version's text.
CREATE VIRTUAL TABLE assets_fts USING fts5 (
    name, description, keywords, readme,
    tokenize = 'unicode61 remove_diacritics 2'
);
