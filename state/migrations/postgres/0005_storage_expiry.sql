-- Kiln state on PostgreSQL, version 5: expiring app-storage values and entry metadata
-- (kiln:app@0.4.0). The same columns and indexes as migrations/sqlite/0005, in BIGINT.
-- Times are milliseconds since the Unix epoch from the host's clock (Kiln binds every one;
-- the database's clock never decides). A value with `expires_at <= now` is absent.

-- Existing rows: created and updated at the migration's time, never expiring. The default
-- is evaluated once for the whole table (now() is the transaction's time) and then
-- dropped, so a write that forgets a time fails instead of inventing one.
ALTER TABLE storage_entries
    ADD COLUMN created_at BIGINT NOT NULL DEFAULT ((extract(epoch FROM now()) * 1000)::BIGINT),
    ADD COLUMN updated_at BIGINT NOT NULL DEFAULT ((extract(epoch FROM now()) * 1000)::BIGINT),
    ADD COLUMN expires_at BIGINT;
ALTER TABLE storage_entries
    ALTER COLUMN created_at DROP DEFAULT,
    ALTER COLUMN updated_at DROP DEFAULT;

-- Partial indexes: only expiring rows are in them. The first orders the host-wide purge
-- (earliest expiry first); the second sums one installation's expired bytes for its quota
-- and purges one installation under its lock.
CREATE INDEX storage_entries_expiry ON storage_entries (expires_at)
    WHERE expires_at IS NOT NULL;
CREATE INDEX storage_entries_installation_expiry ON storage_entries (installation_id, expires_at)
    WHERE expires_at IS NOT NULL;
