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
/// Threat: an invocation holding a worker (and its credentials' use) for hours;
/// 900 s is Forge's longest (async event) timeout.
pub const MAX_TIMEOUT_SECONDS: u32 = 900;

/// Default `request-jira` calls per invocation, Forge's egress limit.
pub const DEFAULT_MAX_REQUESTS: u32 = 100;
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct RuntimeLimits {
    /// Linear memory cap in MiB (1..=1024).
    #[serde(rename = "memoryMiB")]
    pub memory_mib: u32,
    /// Wall-clock limit in seconds (1..=900).
    pub timeout_seconds: u32,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<ForgeRuntime>,
    /// Forge's `runtime.architecture`, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<Architecture>,
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        RuntimeLimits {
            memory_mib: DEFAULT_MEMORY_MIB,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            fuel: None,
            max_requests: DEFAULT_MAX_REQUESTS,
            max_log_lines: DEFAULT_MAX_LOG_LINES,
            max_log_bytes: DEFAULT_MAX_LOG_BYTES,
            name: None,
            architecture: None,
        }
    }
}

impl RuntimeLimits {
    /// `(field, value, min, max)` for every bounded limit, for validation.
    pub(crate) fn bounded(&self) -> [(&'static str, u64, u64, u64); 6] {
        [
            (
                "memoryMiB",
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
