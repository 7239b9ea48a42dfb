-- Kiln state, version 5: expiring app-storage values and entry metadata (kiln:app@0.4.0:
-- Forge's `ttl` option, `created-at`, `updated-at`, `expires-at`).
-- Times are milliseconds since the Unix epoch from the host's clock (Kiln binds every one;
-- the database's clock never decides). A value with `expires_at <= now` is absent.

-- Existing rows: created and updated "now" (the migration's time; their real history is
-- unknown), never expiring. SQLite cannot add a column with an expression default, so the
-- columns are added with 0 and filled in once.
ALTER TABLE storage_entries ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE storage_entries ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE storage_entries ADD COLUMN expires_at INTEGER;
UPDATE storage_entries SET created_at = unixepoch() * 1000, updated_at = unixepoch() * 1000;

-- Partial indexes: only expiring rows (values with a `ttl`) are in them, so values and
-- secrets that never expire cost nothing. The first orders the host-wide purge (earliest
-- expiry first); the second sums one installation's expired bytes for its quota and purges
-- one installation under its lock.
CREATE INDEX storage_entries_expiry ON storage_entries (expires_at)
    WHERE expires_at IS NOT NULL;
CREATE INDEX storage_entries_installation_expiry ON storage_entries (installation_id, expires_at)
    WHERE expires_at IS NOT NULL;
