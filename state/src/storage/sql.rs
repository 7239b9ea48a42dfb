//! The statements of app storage, written once in the SQL SQLite and PostgreSQL share
//! (`$n` parameters, `ON CONFLICT`, `RETURNING`), so the PostgreSQL backend
//! reuses this text rather than restating the rules. Parameters appear in ascending order:
//! SQLite binds `$n` by name, PostgreSQL by position.

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

pub(crate) const GET_ENTRY: &str = "SELECT value, version FROM storage_entries \
     WHERE installation_id = $1 AND space = $2 AND key = $3";

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
/// column Kiln reads is 64-bit.
pub(crate) const ENTRY_SIZE: &str = "SELECT version, CAST(length(key) + length(value) AS BIGINT) FROM storage_entries \
     WHERE installation_id = $1 AND space = $2 AND key = $3";

pub(crate) const UPSERT_ENTRY: &str = "INSERT INTO storage_entries (installation_id, space, key, value, version) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (installation_id, space, key) \
     DO UPDATE SET value = excluded.value, version = excluded.version";

pub(crate) const DELETE_ENTRY: &str =
    "DELETE FROM storage_entries WHERE installation_id = $1 AND space = $2 AND key = $3";

pub(crate) const SET_BYTES_USED: &str =
    "UPDATE storage_usage SET bytes_used = $1 WHERE installation_id = $2";

pub(crate) const SCAN: &str = "SELECT key, value, version FROM storage_entries \
     WHERE installation_id = $1 AND space = $2 AND key >= $3 AND key < $4 \
     ORDER BY key LIMIT $5";

pub(crate) const BYTES_USED: &str =
    "SELECT bytes_used FROM storage_usage WHERE installation_id = $1";

/// A page of installations by id, for host-wide passes (key rotation).
pub(crate) const INSTALLATIONS_AFTER: &str = "SELECT id, app_id, site, environment \
     FROM installations WHERE id > $1 ORDER BY id LIMIT $2";
