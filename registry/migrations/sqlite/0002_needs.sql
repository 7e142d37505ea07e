-- Needs: the operator problems assets answer, their votes, their full-text index, and the links
-- from each listed asset's latest (newest non-yanked) version to the needs it addresses.

CREATE TABLE needs (
    -- The rowid of the full-text row; `id` is the slug everyone else uses. (An INTEGER PRIMARY KEY
    -- keeps the rowid stable across VACUUM, which the FTS table relies on.)
    seq            INTEGER PRIMARY KEY,
    -- Slug, same rules as asset names; never changes.
    id             TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    -- Markdown, in the operator's words.
    problem        TEXT NOT NULL,
    persona        TEXT,
    -- JSON arrays: canonical service names, http(s) links, and use cases
    -- (`[{"persona": "…", "text": "…"}]`, persona optional).
    services       TEXT NOT NULL DEFAULT '[]',
    links          TEXT NOT NULL DEFAULT '[]',
    use_cases      TEXT NOT NULL DEFAULT '[]',
    -- Set by an admin (`osops-registry need retire`); status is computed, never stored:
    -- retired, else addressed when some row of asset_needs names it, else open.
    retired        INTEGER NOT NULL DEFAULT 0,
    retired_reason TEXT,
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX needs_created ON needs (created_at);

-- One vote per user and need.
CREATE TABLE need_votes (
    need_id    TEXT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (need_id, user_id)
) WITHOUT ROWID;

-- One row per need (rowid = needs.seq); `use_cases` holds their personas and texts.
CREATE VIRTUAL TABLE needs_fts USING fts5 (
    id, title, problem, use_cases,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The needs each listed asset's latest version addresses: a need's answers. Rewritten with the
-- asset's denormalised columns in every transaction that changes its versions (publish, yank,
-- unyank); an asset whose versions are all yanked has no rows. No foreign key to needs: rows
-- written before a need existed (databases older than this migration) start answering it as
-- soon as it is created.
CREATE TABLE asset_needs (
    need_id  TEXT NOT NULL,
    asset_id INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    PRIMARY KEY (need_id, asset_id)
) WITHOUT ROWID;
CREATE INDEX asset_needs_asset ON asset_needs (asset_id);

INSERT OR IGNORE INTO asset_needs (need_id, asset_id)
    SELECT json_each.value, a.id FROM assets a, json_each(a.needs) WHERE a.listed = 1;
