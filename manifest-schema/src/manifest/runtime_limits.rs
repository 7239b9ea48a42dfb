//! Per-invocation limits an app declares under `app.runtime`.
//!
//! Every limit has a default and a hard bound, so a manifest can tighten the
//! sandbox but never switch a limit off. The runtime may apply an operator cap
//! on top (e.g. less memory than the manifest asks for).

use serde::{Deserialize, Serialize};

use super::forge::{Architecture, ForgeRuntime};

/// Default linear-memory cap, as Forge's default function memory.
pub const DEFAULT_MEMORY_MIB: u32 = 128;
/// Threat: a guest sized to exhaust host RAM (several invocations run at once).
pub const MAX_MEMORY_MIB: u32 = 1024;

/// Default wall-clock limit, Forge's 25 s.
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 25;
/// Forge's default for the invocations it allows longer: a web trigger's (55 s, its
/// most), and a scheduled or queued run of a function that sets no `timeoutSeconds`
/// (Forge's "Invocation limits": 55 s by default, up to 900 s with `timeoutSeconds`).
/// Applied where the manifest writes no `app.runtime.timeoutSeconds` of its own: a Forge
/// manifest never does, since the key is Kiln's.
pub const FORGE_LONG_TIMEOUT_SECONDS: u32 = 55;
/// Threat: an invocation holding a worker (and its credentials' use) for hours;
/// 900 s is Forge's longest (async event) timeout.
pub const MAX_TIMEOUT_SECONDS: u32 = 900;

/// Default `request-jira` calls per invocation. Forge sets no per-invocation limit on
/// `requestJira` (its 100 network requests per runtime minute exclude it; Jira's own rate
/// limits are what bound an app), so a Forge app looping over a few hundred issues must
/// not fail here; Kiln still keeps the limit explicit, at the operator's default cap.
/// Egress requests are counted apart (`kiln_runtime::egress::budget`).
pub const DEFAULT_MAX_REQUESTS: u32 = 1_000;
/// Threat: an app used as a request amplifier against the Jira site.
pub const MAX_MAX_REQUESTS: u32 = 10_000;

/// Default log lines kept per invocation (Forge).
pub const DEFAULT_MAX_LOG_LINES: u32 = 100;
/// Threat: log flooding that fills the host's disk or buries audit lines.
pub const MAX_MAX_LOG_LINES: u32 = 10_000;

/// Default log bytes kept per invocation: 200 KiB (Forge).
pub const DEFAULT_MAX_LOG_BYTES: u32 = 200 * 1024;
/// Threat: as for lines, by volume: 10 MiB.
pub const MAX_MAX_LOG_BYTES: u32 = 10 * 1024 * 1024;

/// The limits of one invocation. `Default` is the documented defaults.
///
/// It is read and written through [`RuntimeLimitsAsWritten`], which holds
/// both spellings of the memory limit and refuses both at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RuntimeLimitsAsWritten", into = "RuntimeLimitsAsWritten")]
pub struct RuntimeLimits {
    /// Linear memory cap in MiB (1..=1024), whichever key gave it.
    pub memory_mib: u32,
    /// The key the memory limit was written under, so errors and `inspect`
    /// name the key the author wrote (and the manifest re-serializes as it
    /// was written).
    pub memory_key: MemoryKey,
    /// Wall-clock limit in seconds (1..=900).
    pub timeout_seconds: u32,
    /// Whether the manifest wrote `timeoutSeconds` itself. When it did not, web triggers
    /// and scheduled or queued runs get Forge's longer default
    /// ([`FORGE_LONG_TIMEOUT_SECONDS`]) instead of `timeout_seconds`; when it did, that
    /// limit holds for every invocation it covers (a manifest may tighten, never loosen
    /// by omission).
    pub timeout_written: bool,
    /// Deterministic CPU budget in wasmtime fuel; `None` means no fuel limit
    /// (the timeout still applies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    /// `request-jira` calls per invocation (0..=10000).
    pub max_requests: u32,
    /// Log lines kept per invocation (0..=10000).
    pub max_log_lines: u32,
    /// Log bytes kept per invocation (0..=10 MiB).
    pub max_log_bytes: u32,
    /// Forge's `runtime.name` (`nodejs22.x`), kept as written; Kiln runs
    /// JavaScript on its own engine whatever it says.
    pub name: Option<ForgeRuntime>,
    /// Forge's `runtime.architecture`, kept as written.
    pub architecture: Option<Architecture>,
    /// Forge's `runtime.snapshots` (whether Forge may snapshot the app's
    /// initialised code), kept as written: Kiln always runs a JS app's
    /// top-level code once, at build, and every invocation starts from it.
    pub snapshots: Option<bool>,
}

/// Which key of `app.runtime` gave the memory limit. Both mean MiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MemoryKey {
    /// Kiln's `memoryMiB` (also the default, when neither is written).
    #[default]
    MemoryMiB,
    /// Forge's `memoryMB`, in Lambda's sense: MiB.
    MemoryMB,
}

impl MemoryKey {
    /// The key as it appears in `manifest.yml`.
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryKey::MemoryMiB => "memoryMiB",
            MemoryKey::MemoryMB => "memoryMB",
        }
    }
}

/// `app.runtime` exactly as a manifest may write it: both spellings of the
/// memory limit are optional fields here, so that giving both can be named
/// as such (serde's `alias` would report a bare "duplicate field").
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct RuntimeLimitsAsWritten {
    /// Kiln's spelling.
    #[serde(rename = "memoryMiB", skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u32>,
    /// Forge's spelling, same unit.
    #[serde(rename = "memoryMB", skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_requests: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_log_lines: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_log_bytes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<ForgeRuntime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<Architecture>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshots: Option<bool>,
}

/// A manifest gave the memory limit under both `memoryMiB` and `memoryMB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the memory limit is given twice, as memoryMiB: {memory_mib} (Kiln's key) and memoryMB: \
     {memory_mb} (Forge's key, also MiB): keep one of them"
)]
pub struct MemoryGivenTwice {
    pub memory_mib: u32,
    pub memory_mb: u32,
}

impl TryFrom<RuntimeLimitsAsWritten> for RuntimeLimits {
    type Error = MemoryGivenTwice;

    fn try_from(written: RuntimeLimitsAsWritten) -> Result<Self, Self::Error> {
        let defaults = RuntimeLimits::default();
        let (memory_mib, memory_key) = match (written.memory_mib, written.memory_mb) {
            (Some(memory_mib), Some(memory_mb)) => {
                return Err(MemoryGivenTwice {
                    memory_mib,
                    memory_mb,
                });
            }
            (Some(mib), None) => (mib, MemoryKey::MemoryMiB),
            (None, Some(mb)) => (mb, MemoryKey::MemoryMB),
            (None, None) => (defaults.memory_mib, MemoryKey::MemoryMiB),
        };
        Ok(RuntimeLimits {
            memory_mib,
            memory_key,
            timeout_seconds: written.timeout_seconds.unwrap_or(defaults.timeout_seconds),
            timeout_written: written.timeout_seconds.is_some(),
            fuel: written.fuel,
            max_requests: written.max_requests.unwrap_or(defaults.max_requests),
            max_log_lines: written.max_log_lines.unwrap_or(defaults.max_log_lines),
            max_log_bytes: written.max_log_bytes.unwrap_or(defaults.max_log_bytes),
            name: written.name,
            architecture: written.architecture,
            snapshots: written.snapshots,
        })
    }
}

/// Every limit written out (defaults filled in, but for the timeout, written only if
/// the manifest wrote it), memory under the key it was read from, so a loaded
/// manifest prints as Kiln understood it.
impl From<RuntimeLimits> for RuntimeLimitsAsWritten {
    fn from(limits: RuntimeLimits) -> Self {
        let (memory_mib, memory_mb) = match limits.memory_key {
            MemoryKey::MemoryMiB => (Some(limits.memory_mib), None),
            MemoryKey::MemoryMB => (None, Some(limits.memory_mib)),
        };
        RuntimeLimitsAsWritten {
            memory_mib,
            memory_mb,
            // Only as written: a default printed here would read back as the app's own
            // limit and take Forge's longer defaults away from its web triggers.
            timeout_seconds: limits.timeout_written.then_some(limits.timeout_seconds),
            fuel: limits.fuel,
            max_requests: Some(limits.max_requests),
            max_log_lines: Some(limits.max_log_lines),
            max_log_bytes: Some(limits.max_log_bytes),
            name: limits.name,
            architecture: limits.architecture,
            snapshots: limits.snapshots,
        }
    }
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        RuntimeLimits {
            memory_mib: DEFAULT_MEMORY_MIB,
            memory_key: MemoryKey::MemoryMiB,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            timeout_written: false,
            fuel: None,
            max_requests: DEFAULT_MAX_REQUESTS,
            max_log_lines: DEFAULT_MAX_LOG_LINES,
            max_log_bytes: DEFAULT_MAX_LOG_BYTES,
            name: None,
            architecture: None,
            snapshots: None,
        }
    }
}

impl RuntimeLimits {
    /// `(field, value, min, max)` for every bounded limit, for validation.
    pub(crate) fn bounded(&self) -> [(&'static str, u64, u64, u64); 6] {
        [
            (
                self.memory_key.as_str(),
                self.memory_mib.into(),
                1,
                MAX_MEMORY_MIB.into(),
            ),
            (
                "timeoutSeconds",
                self.timeout_seconds.into(),
                1,
                MAX_TIMEOUT_SECONDS.into(),
            ),
            ("fuel", self.fuel.unwrap_or(1), 1, u64::MAX),
            (
                "maxRequests",
                self.max_requests.into(),
                0,
                MAX_MAX_REQUESTS.into(),
            ),
            (
                "maxLogLines",
                self.max_log_lines.into(),
                0,
                MAX_MAX_LOG_LINES.into(),
            ),
            (
                "maxLogBytes",
                self.max_log_bytes.into(),
                0,
                MAX_MAX_LOG_BYTES.into(),
            ),
        ]
    }
}
