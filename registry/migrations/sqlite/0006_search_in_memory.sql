-- Asset search runs on an index the store keeps in memory (`store::search::live`), built from
-- the `assets` and `versions` rows; the full-text table it replaced is no longer written.

DROP TABLE assets_fts;
