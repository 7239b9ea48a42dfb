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
//!
//! What Forge does not document and Kiln assumed:
//! - **Total size per installation.** Forge meters storage per app and seat
//!   (<https://developer.atlassian.com/platform/forge/platform-quotas-and-limits/>), not as a
//!   per-installation cap. A self-hosted runtime needs one so an app cannot fill the disk:
//!   Kiln defaults to 64 MiB per installation, counted as key bytes + stored value bytes
//!   (ciphertext for secrets), and lets the operator change it.
//! - **How length is counted.** Forge counts a key in characters (JavaScript string length);
//!   Kiln counts Unicode scalar values, which equals Forge's count for every key Forge's own
//!   format accepts (ASCII only). Value size is the UTF-8 JSON text's byte length.

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

/// The limits one [`super::AppStorage`] enforces. `Default` is Forge's documented values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageLimits {
    pub max_key_chars: usize,
    pub max_value_bytes: usize,
    pub max_depth: usize,
    pub max_page_size: u32,
    pub max_total_bytes: u64,
}

impl Default for StorageLimits {
    fn default() -> Self {
        Self {
            max_key_chars: FORGE_MAX_KEY_CHARS,
            max_value_bytes: FORGE_MAX_VALUE_BYTES,
            max_depth: FORGE_MAX_DEPTH,
            max_page_size: FORGE_MAX_PAGE_SIZE,
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
        }
    }
}
