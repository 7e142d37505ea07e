-- The web catalog's license facet: the latest version's license, denormalised like the other
-- latest columns and rewritten with them (`refresh_latest`).

ALTER TABLE assets ADD COLUMN license TEXT;

UPDATE assets SET license = (
    SELECT json_extract(v.manifest, '$.license') FROM versions v
    WHERE v.asset_id = assets.id AND v.version = assets.latest_version
);
