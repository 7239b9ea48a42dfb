//! App storage's limits, each enforced with a typed error ([`super::StorageError`]).
//!
//! Sources (Atlassian's Forge documentation, read 2026-11):
//! - <https://developer.atlassian.com/platform/forge/limits-kvs-ce/> ("KVS and Custom Entity
//!   Store limits"): key length 500, value size 240 KiB, object depth 31, and "Internally,
//!   Forge automatically prepends an identifier to every key, mapping it to the right app and
//!   installation", which Kiln reproduces with separate columns (see `installation.rs`).
//! - <https://developer.atlassian.com/platform/forge/runtime-reference/storage-api-query/>:
//!   a query "returns up to 10 values by default, this can be increased to a maximum of 100".
//! - <https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs/>:
//!   the error codes (`KEY_TOO_LONG`, `MAX_SIZE`, `MAX_DEPTH`) that [`super::StorageError`]
//!   mirrors.
//! - <https://developer.atlassian.com/platform/forge/storage-reference/transactions/>
//!   (`kvs.transact()`): at most 25 operations, each on a distinct key, and 4 MB of payload
//!   per transaction, all committed or none.
//!
//! What Forge does not document and Kiln assumed:
//! - **Longest time to live.** Forge's `ttl` option names no maximum. Kiln caps it at 365
//!   days by default ([`DEFAULT_MAX_TTL`], [`StorageLimits::max_ttl`]).
//! - **Total size per installation.** Forge meters storage per app and seat
//!   (<https://developer.atlassian.com/platform/forge/platform-quotas-and-limits/>), not as a
//!   per-installation cap. A self-hosted runtime needs one so an app cannot fill the disk:
//!   Kiln defaults to 64 MiB per installation, counted as key bytes + stored value bytes
//!   (ciphertext for secrets), and lets the operator change it.
//! - **How length is counted.** Forge counts a key in characters (JavaScript string length);
//!   Kiln counts Unicode scalar values, which equals Forge's count for every key Forge's own
//!   format accepts (ASCII only). Value size is the UTF-8 JSON text's byte length.

use std::time::Duration;

use super::{StorageError, UnixMillis};

/// Forge's maximum key length, in characters.
pub const FORGE_MAX_KEY_CHARS: usize = 500;
/// Forge's maximum size of one value: 240 KiB.
pub const FORGE_MAX_VALUE_BYTES: usize = 240 * 1024;
/// Forge's maximum nesting depth of a value (a scalar has depth 0, `{"a":1}` depth 1).
pub const FORGE_MAX_DEPTH: usize = 31;
/// Forge's default page size for a query.
pub const FORGE_DEFAULT_PAGE_SIZE: u32 = 10;
/// Forge's maximum page size for a query.
pub const FORGE_MAX_PAGE_SIZE: u32 = 100;
/// Kiln's default cap on one installation's stored bytes (an assumption; see above).
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// Forge's maximum number of operations in one transaction.
pub const FORGE_MAX_TRANSACTION_OPERATIONS: usize = 25;
/// Forge's maximum payload of one transaction: 4 MiB (Forge says "4 MB"; Kiln reads it as
/// binary, like its 240 KiB value limit).
pub const FORGE_MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;
/// Kiln's default longest time to live of an expiring value: 365 days (an assumption; see
/// above and [`StorageLimits::max_ttl`]).
pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// The limits one [`super::AppStorage`] enforces. `Default` is Forge's documented values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageLimits {
    pub max_key_chars: usize,
    pub max_value_bytes: usize,
    pub max_depth: usize,
    pub max_page_size: u32,
    pub max_total_bytes: u64,
    /// Operations in one transaction. A transaction holds its installation's write lock
    /// (SQLite: the whole file's) while it reads and writes each of its keys, so this
    /// bounds how long one invocation can stall every other writer, and how many
    /// statements and bound parameters one transaction sends.
    pub max_transaction_operations: usize,
    /// Bytes of values one transaction sets: the sum of each `set`'s encoded JSON text
    /// (what [`Self::max_value_bytes`] counts), keys and deletes and checks not included
    /// (keys are bounded by `max_transaction_operations` × `max_key_chars`). The values are
    /// held in memory and written under the lock, so this bounds the host memory and the
    /// lock time one transaction costs beyond what the operation count allows
    /// (25 × 240 KiB would be 6 MiB).
    pub max_transaction_bytes: usize,
    /// Longest time to live of an expiring value. A time to live becomes a timestamp
    /// (`now + ttl`, milliseconds in a 64-bit column), so the bound keeps that arithmetic far
    /// from overflow whatever a guest asks (`u64::MAX` seconds), and it keeps "expiring"
    /// meaning something: a value meant to live for centuries is a plain `set`, which the
    /// app must delete itself, not a row that looks temporary and lives forever. Zero is
    /// refused too: a value that is absent the instant it is written is a mistake.
    pub max_ttl: Duration,
}

impl Default for StorageLimits {
    fn default() -> Self {
        Self {
            max_key_chars: FORGE_MAX_KEY_CHARS,
            max_value_bytes: FORGE_MAX_VALUE_BYTES,
            max_depth: FORGE_MAX_DEPTH,
            max_page_size: FORGE_MAX_PAGE_SIZE,
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
            max_transaction_operations: FORGE_MAX_TRANSACTION_OPERATIONS,
            max_transaction_bytes: FORGE_MAX_TRANSACTION_BYTES,
            max_ttl: DEFAULT_MAX_TTL,
        }
    }
}

impl StorageLimits {
    /// When a value written at `now` with time to live `ttl` expires, if `ttl` is allowed:
    /// at least one millisecond, at most [`Self::max_ttl`].
    pub fn expiry(&self, now: UnixMillis, ttl: Duration) -> Result<UnixMillis, StorageError> {
        if ttl.as_millis() == 0 || ttl > self.max_ttl {
            return Err(StorageError::InvalidTtl {
                requested_ms: ttl.as_millis(),
                max_secs: self.max_ttl.as_secs(),
            });
        }
        // `plus` saturates; with `max_ttl` bounded and a sane clock it never has to.
        Ok(now.plus(ttl))
    }
}
