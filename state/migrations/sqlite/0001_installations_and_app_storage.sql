-- Kiln state, version 1: installations and app storage (issue 14).
-- Applied once by sqlx's migrator, which records it in _sqlx_migrations with a checksum;
-- never edit an applied migration, add the next one.

-- One app on one site in one environment. Later versions add what `runtime serve` needs
-- (credentials reference, approved scopes, web trigger ids) as new columns or tables.
CREATE TABLE installations (
    id          INTEGER PRIMARY KEY,
    app_id      TEXT    NOT NULL,
    site        TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    created_at  INTEGER NOT NULL DEFAULT (unixepoch()),
    UNIQUE (app_id, site, environment)
);

-- Per installation: bytes stored (keys + values, both spaces) and the version counter.
-- Every write updates this row first, which serialises writers to one installation.
CREATE TABLE storage_usage (
    installation_id INTEGER PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
    bytes_used      INTEGER NOT NULL DEFAULT 0 CHECK (bytes_used >= 0),
    last_version    INTEGER NOT NULL DEFAULT 0
);

-- Keys are BLOBs so they compare as bytes (memcmp), as PostgreSQL's bytea does: prefix
-- queries are byte ranges, with no collation, LIKE pattern or escape involved. The CHECKs
-- keep a future TEXT binding from slipping in (SQLite orders every TEXT before every BLOB).
CREATE TABLE storage_entries (
    installation_id INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    space           INTEGER NOT NULL CHECK (space IN (0, 1)),
    key             BLOB    NOT NULL CHECK (typeof(key) = 'blob'),
    value           BLOB    NOT NULL CHECK (typeof(value) = 'blob'),
    version         INTEGER NOT NULL,
    PRIMARY KEY (installation_id, space, key)
) WITHOUT ROWID;
