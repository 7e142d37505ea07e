-- Trusted publishing: which CI identities may publish new versions of an asset, and which identity
-- tokens were already exchanged (each works once).

-- One row per rule: tokens of `issuer` (the configured `iss`) whose every claim named in `claims`
-- matches its glob may publish new versions of the asset.
CREATE TABLE trusted_publishers (
    id         INTEGER PRIMARY KEY,
    asset_id   INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    issuer     TEXT NOT NULL,
    -- JSON object {claim name: glob}, keys sorted (serde_json of a BTreeMap), so that identical
    -- rules are identical text.
    claims     TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    UNIQUE (asset_id, issuer, claims)
);
-- An exchange reads every rule of the token's issuer.
CREATE INDEX trusted_publishers_issuer ON trusted_publishers (issuer);

-- Identity tokens already exchanged, kept until they expire (then they are refused anyway).
CREATE TABLE trusted_token_uses (
    issuer     TEXT NOT NULL,
    jti        TEXT NOT NULL,
    -- RFC 3339 UTC, like every time here: the token's `exp` plus the tolerated clock skew.
    expires_at TEXT NOT NULL,
    used_at    TEXT NOT NULL,
    PRIMARY KEY (issuer, jti)
) WITHOUT ROWID;
CREATE INDEX trusted_token_uses_expiry ON trusted_token_uses (expires_at);
