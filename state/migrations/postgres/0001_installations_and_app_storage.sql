-- Kiln state on PostgreSQL, version 1: installations and app storage (issue 14).
-- The same tables, columns and version numbers as migrations/sqlite/0001, in PostgreSQL's
-- types: every integer is BIGINT (Kiln reads all of them as i64), bytes are bytea, which
-- compares byte by byte as SQLite's BLOB does, so prefix queries stay byte ranges.
-- Applied by sqlx's migrator under a PostgreSQL advisory lock (replicas starting together
-- apply it once); never edit an applied migration, add the next one.

CREATE TABLE installations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id      TEXT   NOT NULL,
    site        TEXT   NOT NULL,
    environment TEXT   NOT NULL,
    created_at  BIGINT NOT NULL DEFAULT (extract(epoch FROM now())::BIGINT),
    UNIQUE (app_id, site, environment)
);

-- Per installation: bytes stored (keys + values, both spaces) and the version counter.
-- Every write updates this row first: its row lock serialises writers to one installation,
-- across every replica.
CREATE TABLE storage_usage (
    installation_id BIGINT PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
    bytes_used      BIGINT NOT NULL DEFAULT 0 CHECK (bytes_used >= 0),
    last_version    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE storage_entries (
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    space           BIGINT NOT NULL CHECK (space IN (0, 1)),
    key             bytea  NOT NULL,
    value           bytea  NOT NULL,
    version         BIGINT NOT NULL,
    PRIMARY KEY (installation_id, space, key)
);
