-- Kiln state, version 7 (PostgreSQL only): installations' Forge SQL databases, for replicas
-- (state/src/forge_sql/postgres_images.rs; docs/state.md, "Forge SQL"). With SQLite state each
-- database is a file beside the state file, so SQLite's state has no version 7.

-- One row per installation's database, locked (FOR UPDATE) by each statement that runs on it.
-- database_key: SHA-256 of the installation's identity (length-prefixed app id, site,
-- environment), the same digest that names its file with SQLite state. The three names are
-- kept for operators. generation: raised by each statement that changes the database.
CREATE TABLE forge_sql_databases (
    database_key BYTEA  PRIMARY KEY CHECK (octet_length(database_key) = 32),
    app_id       TEXT   NOT NULL,
    site         TEXT   NOT NULL,
    environment  TEXT   NOT NULL,
    generation   BIGINT NOT NULL CHECK (generation >= 0),
    size_bytes   BIGINT NOT NULL CHECK (size_bytes >= 0)
);

-- The database's SQLite file in 4 KiB chunks (chunk n holds bytes n * 4096 onwards), each with
-- the generation that last wrote it: a replica holding generation g reads only the chunks
-- with a later one.
CREATE TABLE forge_sql_chunks (
    database_key BYTEA  NOT NULL REFERENCES forge_sql_databases (database_key) ON DELETE CASCADE,
    chunk        BIGINT NOT NULL CHECK (chunk >= 0),
    generation   BIGINT NOT NULL CHECK (generation > 0),
    bytes        BYTEA  NOT NULL,
    PRIMARY KEY (database_key, chunk)
);
