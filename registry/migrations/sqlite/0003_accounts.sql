-- Accounts (issue 4): disabled users, teams and team owners, scoped expiring revocable tokens,
-- yank reasons and the audit log. (0004 is reserved for trusted publishing.)

-- Set by `osops-registry user disable`: the user's tokens are refused with 403.
ALTER TABLE users ADD COLUMN disabled_at TEXT;

-- Tokens made before this migration were `osops_` + 32 characters, with no checksum: none of them
-- passes the format check any more (src/token.rs), so their rows are dropped rather than kept
-- unusable. (No registry was deployed with the old format.)
DELETE FROM tokens;
-- JSON list of scope names (access::Scope), e.g. `["publish-update","yank"]`.
ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]';
-- JSON list of asset-name globs (`["nova-*"]`); empty: every asset.
ALTER TABLE tokens ADD COLUMN patterns TEXT NOT NULL DEFAULT '[]';
-- NULL: never (only admins make such tokens).
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN revoked_at TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
-- The identity (issuer and subject) of a token minted by trusted publishing; NULL otherwise.
ALTER TABLE tokens ADD COLUMN trusted_publisher TEXT;

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    -- Same rules as user names; owners name a team as `team:NAME`.
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE team_members (
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_user ON team_members (user_id);

-- Teams owning assets, beside asset_owners (users). Every member of an owning team counts as an
-- owner; an asset always keeps at least one row in one of the two tables.
CREATE TABLE asset_team_owners (
    asset_id   INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    team_id    INTEGER NOT NULL REFERENCES teams (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (asset_id, team_id)
) WITHOUT ROWID;
CREATE INDEX asset_team_owners_team ON asset_team_owners (team_id);

-- Why a version was yanked (NULL when no reason was given, and after an unyank).
ALTER TABLE versions ADD COLUMN yank_reason TEXT;

-- Append-only. Names are stored as text, not as foreign keys, so that an event always reads the
-- way it was written.
CREATE TABLE audit_events (
    id                INTEGER PRIMARY KEY,
    at                TEXT NOT NULL,
    -- store::AuditAction::as_str: publish, yank, unyank, owner-add, owner-remove, token-create,
    -- token-revoke, trusted-publishing-exchange, user-disable, user-enable, team-member-add,
    -- team-member-remove.
    action            TEXT NOT NULL,
    asset             TEXT,
    version           TEXT,
    -- A user name, or `(admin)` for admin commands on the data directory.
    actor             TEXT NOT NULL,
    -- The token the actor used (no foreign key: tokens may be deleted some day, events stay).
    token_id          INTEGER,
    trusted_publisher TEXT,
    detail            TEXT
);
CREATE INDEX audit_events_asset ON audit_events (asset, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
