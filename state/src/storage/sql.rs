//! The statements of app storage, written once in the SQL SQLite and PostgreSQL share
//! (`$n` parameters, `ON CONFLICT`, `RETURNING`), so the PostgreSQL backend
//! reuses this text rather than restating the rules. Parameters appear in ascending order:
//! SQLite binds `$n` by name, PostgreSQL by position.
//!
//! Expiry: an entry is live while `expires_at IS NULL OR expires_at > now`, the test
//! `meta::is_live` makes; `now` is always a bound parameter from the caller's clock, never
//! the database's. Only values expire: a secret's `expires_at` is always NULL.

pub(crate) const FIND_INSTALLATION: &str =
    "SELECT id FROM installations WHERE app_id = $1 AND site = $2 AND environment = $3";

/// An installation whose storage is ready: its `storage_usage` row exists. `runtime serve`
/// records installations (`installations`) before their app first opens its storage, so
/// an installation row alone does not mean the row every write updates first is there.
pub(crate) const FIND_STORAGE_INSTALLATION: &str = "SELECT i.id FROM installations i \
     JOIN storage_usage u ON u.installation_id = i.id \
     WHERE i.app_id = $1 AND i.site = $2 AND i.environment = $3";

pub(crate) const INSERT_INSTALLATION: &str = "INSERT INTO installations (app_id, site, environment) \
     VALUES ($1, $2, $3) ON CONFLICT (app_id, site, environment) DO NOTHING";

pub(crate) const INSERT_USAGE: &str = "INSERT INTO storage_usage (installation_id) VALUES ($1) ON CONFLICT (installation_id) DO NOTHING";

pub(crate) const GET_ENTRY: &str = "SELECT value, version, created_at, updated_at, expires_at \
     FROM storage_entries \
     WHERE installation_id = $1 AND space = $2 AND key = $3 \
     AND (expires_at IS NULL OR expires_at > $4)";

/// The first statement of every write: takes the installation's lock, allocates the version.
///
/// The entry's current version is read by a *separate* statement after this one, not by a
/// subquery in this `RETURNING`: under PostgreSQL's READ COMMITTED a statement reads from the
/// snapshot taken when it started, so a subquery here would see the entry as it was before
/// this writer waited for the lock, and compare-and-set would accept a stale version. The
/// next statement takes a fresh snapshot, after the lock is held.
pub(crate) const BUMP_VERSION: &str = "UPDATE storage_usage SET last_version = last_version + 1 \
     WHERE installation_id = $1 RETURNING last_version, bytes_used";

/// The size is cast because PostgreSQL's `length` is a 32-bit integer and every integer
/// column Kiln reads is 64-bit. Expired or not: the write decides (`plan_batch`).
pub(crate) const ENTRY_SIZE: &str = "SELECT version, CAST(length(key) + length(value) AS BIGINT), \
     created_at, updated_at, expires_at FROM storage_entries \
     WHERE installation_id = $1 AND space = $2 AND key = $3";

/// Every column is written, so an overwrite always replaces an earlier expiry.
pub(crate) const UPSERT_ENTRY: &str = "INSERT INTO storage_entries \
     (installation_id, space, key, value, version, created_at, updated_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (installation_id, space, key) \
     DO UPDATE SET value = excluded.value, version = excluded.version, \
     created_at = excluded.created_at, updated_at = excluded.updated_at, \
     expires_at = excluded.expires_at";

pub(crate) const DELETE_ENTRY: &str =
    "DELETE FROM storage_entries WHERE installation_id = $1 AND space = $2 AND key = $3";

pub(crate) const SET_BYTES_USED: &str =
    "UPDATE storage_usage SET bytes_used = $1 WHERE installation_id = $2";

/// Expired entries are filtered here, before `LIMIT`, so a page holds live entries only
/// and its last key (the next cursor) is a live one.
pub(crate) const SCAN: &str = "SELECT key, value, version, created_at, updated_at, expires_at \
     FROM storage_entries \
     WHERE installation_id = $1 AND space = $2 AND key >= $3 AND key < $4 \
     AND (expires_at IS NULL OR expires_at > $5) \
     ORDER BY key LIMIT $6";

/// The installation's stored bytes less those of its entries expired at `$2`.
pub(crate) const BYTES_USED: &str = "SELECT u.bytes_used - CAST(COALESCE((\
     SELECT SUM(length(e.key) + length(e.value)) FROM storage_entries e \
     WHERE e.installation_id = $1 AND e.expires_at <= $2), 0) AS BIGINT) \
     FROM storage_usage u WHERE u.installation_id = $1";

/// Bytes of the installation's entries expired at `$2`: a range of the partial index
/// `storage_entries_installation_expiry`. Only run when the quota would refuse otherwise.
pub(crate) const EXPIRED_BYTES: &str = "SELECT CAST(COALESCE(SUM(length(key) + length(value)), 0) AS BIGINT) \
     FROM storage_entries WHERE installation_id = $1 AND expires_at <= $2";

/// The installations with entries among the `$2` earliest expired at `$1`, and how many
/// each: a range of the partial index `storage_entries_expiry`.
pub(crate) const PURGE_DUE: &str = "SELECT installation_id, COUNT(*) FROM (\
     SELECT installation_id FROM storage_entries WHERE expires_at <= $1 \
     ORDER BY expires_at LIMIT $2) due \
     GROUP BY installation_id ORDER BY installation_id";

/// Takes the installation's write lock without taking a version: the first statement of a
/// purge, so a purge and a write on one installation queue as two writes do.
pub(crate) const LOCK_USAGE: &str = "UPDATE storage_usage SET bytes_used = bytes_used \
     WHERE installation_id = $1 RETURNING bytes_used";

/// Up to `$3` of the installation's entries expired at `$2`, earliest first, and their
/// sizes. Secrets never match (`expires_at` is NULL).
pub(crate) const PURGE_INSTALLATION: &str = "DELETE FROM storage_entries \
     WHERE installation_id = $1 AND expires_at <= $2 AND key IN (\
     SELECT key FROM storage_entries WHERE installation_id = $1 AND expires_at <= $2 \
     ORDER BY expires_at LIMIT $3) \
     RETURNING CAST(length(key) + length(value) AS BIGINT)";

/// A page of installations by id, for host-wide passes (key rotation).
pub(crate) const INSTALLATIONS_AFTER: &str = "SELECT id, app_id, site, environment \
     FROM installations WHERE id > $1 ORDER BY id LIMIT $2";
