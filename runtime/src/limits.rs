//! Every limit an invocation runs under, explicit and in one place: the
//! manifest asks, the operator caps, the smaller wins.

use std::time::Duration;

use kiln_manifest::RuntimeLimits;

/// The operator's caps, above anything a manifest may ask for.
#[derive(Debug, Clone)]
pub struct OperatorLimits {
    /// Linear memory per invocation (memory exhaustion of the host).
    pub max_memory_mib: u32,
    /// Wall-clock deadline per invocation (hung or looping apps).
    pub max_timeout: Duration,
    /// Largest JSON payload handed to an app.
    pub max_payload_bytes: usize,
    /// Largest JSON result accepted from an app (a guest building a giant
    /// result to exhaust the host).
    pub max_result_bytes: usize,
    /// Most request-jira calls per invocation.
    pub max_requests: u32,
    /// Most log lines and bytes kept per invocation.
    pub max_log_lines: u32,
    pub max_log_bytes: u32,
    /// Most CPU time (all compiling threads together) a component may take
    /// to compile when it is loaded (compile bombs that pass the
    /// pre-compile shape limits of [`crate::sandbox::code_limits`]). CPU
    /// time, so that the same app loads on a busy machine as on an idle one
    /// ([`crate::sandbox::compile_deadline`] says why). A vetted engine's
    /// exact code adds its allowance ([`crate::sandbox::known_engines`]).
    /// The load fails with `ComponentError::CompileTimeout`; the abandoned
    /// compilation finishes in the background and is dropped.
    pub max_compile_time: Duration,
    /// Longest a load may wait for its compilation by the wall clock,
    /// whatever its CPU time: the backstop for a compilation starved of CPU
    /// or stalled on something else, never raised by an engine's allowance.
    pub max_compile_wall_time: Duration,
    /// Most bytes one call may copy from the guest to the host: the
    /// arguments of one import call (a `request-jira` request, a log line)
    /// or the handler's return value, lists counted by their size in guest
    /// memory plus every string they point at (so a list of a million
    /// entries all pointing at the same string counts a million times). A
    /// guest that crosses it is stopped with `InvocationFailure::CopyLimit`
    /// before the host allocates more. Never below the result limit plus
    /// [`COPY_HEADROOM_BYTES`], so every result the result limit accepts can
    /// cross.
    pub max_copy_bytes: usize,
}

/// What a call copies beyond its largest single value (the result, a
/// request body): the rest of the record, its other strings and lists.
pub const COPY_HEADROOM_BYTES: usize = 1024 * 1024;

/// Default [`OperatorLimits::max_compile_time`]: the largest real Rust
/// guest compiles in about a second of CPU; thirty times that leaves room
/// for a slower machine without letting one upload hold a core for minutes.
pub const DEFAULT_MAX_COMPILE_TIME: Duration = Duration::from_secs(30);

/// Default [`OperatorLimits::max_compile_wall_time`]: ten times the CPU
/// budget, so a compile within its CPU budget still loads when its threads
/// get a fifth of a core each (a 2-core machine at load average 10), and a
/// stalled one ends the load within minutes.
pub const DEFAULT_MAX_COMPILE_WALL_TIME: Duration = Duration::from_secs(300);

impl Default for OperatorLimits {
    fn default() -> Self {
        Self {
            max_memory_mib: 1024,
            max_timeout: Duration::from_secs(900),
            max_payload_bytes: 1024 * 1024,
            max_result_bytes: 5 * 1024 * 1024,
            max_requests: 1000,
            max_log_lines: 1000,
            max_log_bytes: 1024 * 1024,
            max_compile_time: DEFAULT_MAX_COMPILE_TIME,
            max_compile_wall_time: DEFAULT_MAX_COMPILE_WALL_TIME,
            max_copy_bytes: 8 * 1024 * 1024,
        }
    }
}

/// The limits one app's invocations run under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveLimits {
    pub memory_bytes: usize,
    /// The app's wall-clock limit (`app.runtime.timeoutSeconds`, capped).
    pub timeout: Duration,
    /// Whether the manifest wrote `timeoutSeconds` (else Forge's longer defaults apply
    /// where Forge has them: [`EffectiveLimits::timeout_for`]).
    pub timeout_written: bool,
    /// [`OperatorLimits::max_timeout`]: the cap a function's own timeout
    /// ([`EffectiveLimits::timeout_for`]) is held to as well.
    pub max_timeout: Duration,
    pub fuel: Option<u64>,
    pub max_requests: u32,
    pub max_log_lines: u32,
    pub max_log_bytes: u32,
    pub max_payload_bytes: usize,
    pub max_result_bytes: usize,
    /// [`OperatorLimits::max_copy_bytes`], raised to the result limit plus
    /// [`COPY_HEADROOM_BYTES`] if it was set below.
    pub max_copy_bytes: usize,
}

impl EffectiveLimits {
    /// The manifest's request, capped by the operator.
    pub fn resolve(manifest: &RuntimeLimits, operator: &OperatorLimits) -> Self {
        let memory_mib = manifest.memory_mib.min(operator.max_memory_mib);
        Self {
            memory_bytes: usize::try_from(u64::from(memory_mib) * 1024 * 1024)
                .unwrap_or(usize::MAX),
            timeout: Duration::from_secs(u64::from(manifest.timeout_seconds))
                .min(operator.max_timeout),
            timeout_written: manifest.timeout_written,
            max_timeout: operator.max_timeout,
            fuel: manifest.fuel,
            max_requests: manifest.max_requests.min(operator.max_requests),
            max_log_lines: manifest.max_log_lines.min(operator.max_log_lines),
            max_log_bytes: manifest.max_log_bytes.min(operator.max_log_bytes),
            max_payload_bytes: operator.max_payload_bytes,
            max_result_bytes: operator.max_result_bytes,
            max_copy_bytes: operator.max_copy_bytes.max(
                operator
                    .max_result_bytes
                    .saturating_add(COPY_HEADROOM_BYTES),
            ),
        }
    }
}

impl EffectiveLimits {
    /// The wall-clock limit of one invocation of `function` triggered by
    /// `trigger`, capped by the operator either way:
    /// - a scheduled or queued run: the function's Forge `timeoutSeconds`
    ///   (what Forge applies it to);
    /// - else, when the manifest wrote `app.runtime.timeoutSeconds`, that;
    /// - else Forge's defaults: 55 s for a web trigger and for a scheduled or
    ///   queued run ([`FORGE_LONG_TIMEOUT_SECONDS`]), 25 s for the rest.
    ///
    /// [`FORGE_LONG_TIMEOUT_SECONDS`]: kiln_manifest::FORGE_LONG_TIMEOUT_SECONDS
    pub fn timeout_for(
        &self,
        function: &kiln_manifest::FunctionModule,
        trigger: crate::invoke::Trigger,
    ) -> Duration {
        use crate::invoke::Trigger;
        let forge_long = || {
            Duration::from_secs(u64::from(kiln_manifest::FORGE_LONG_TIMEOUT_SECONDS))
                .min(self.max_timeout)
        };
        match (function.timeout_seconds, trigger) {
            (Some(seconds), Trigger::Scheduled | Trigger::QueueEvent) => {
                Duration::from_secs(u64::from(seconds)).min(self.max_timeout)
            }
            (_, Trigger::Scheduled | Trigger::QueueEvent | Trigger::WebTrigger)
                if !self.timeout_written =>
            {
                forge_long()
            }
            _ => self.timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_caps_win() {
        let manifest = RuntimeLimits {
            memory_mib: 4096,
            timeout_seconds: 3600,
            max_requests: 5000,
            ..RuntimeLimits::default()
        };
        let operator = OperatorLimits {
            max_memory_mib: 256,
            max_timeout: Duration::from_secs(30),
            max_requests: 200,
            ..OperatorLimits::default()
        };
        let l = EffectiveLimits::resolve(&manifest, &operator);
        assert_eq!(l.memory_bytes, 256 * 1024 * 1024);
        assert_eq!(l.timeout, Duration::from_secs(30));
        assert_eq!(l.max_requests, 200);
    }

    #[test]
    fn defaults_follow_forge() {
        let l = EffectiveLimits::resolve(&RuntimeLimits::default(), &OperatorLimits::default());
        assert_eq!(l.memory_bytes, 128 * 1024 * 1024);
        assert_eq!(l.timeout, Duration::from_secs(25));
        assert!(!l.timeout_written);
        assert_eq!(l.max_requests, 1000);
        assert_eq!(l.max_log_lines, 100);
        assert_eq!(l.max_log_bytes, 200 * 1024);
        assert_eq!(l.fuel, None);
        assert_eq!(l.max_copy_bytes, 8 * 1024 * 1024);
    }

    #[test]
    fn the_copy_limit_never_blocks_a_result_the_result_limit_accepts() {
        let operator = OperatorLimits {
            max_copy_bytes: 1024,
            max_result_bytes: 10 * 1024 * 1024,
            ..OperatorLimits::default()
        };
        let l = EffectiveLimits::resolve(&RuntimeLimits::default(), &operator);
        assert_eq!(l.max_copy_bytes, 10 * 1024 * 1024 + COPY_HEADROOM_BYTES);
    }

    #[test]
    fn a_functions_timeout_applies_to_scheduled_and_queued_runs_under_the_cap() {
        use crate::invoke::Trigger;
        let manifest = RuntimeLimits {
            timeout_seconds: 10,
            timeout_written: true,
            ..RuntimeLimits::default()
        };
        let operator = OperatorLimits {
            max_timeout: Duration::from_secs(60),
            ..OperatorLimits::default()
        };
        let limits = EffectiveLimits::resolve(&manifest, &operator);
        let mut function = kiln_manifest::FunctionModule::new("f", "f");
        for trigger in [Trigger::Function, Trigger::Scheduled, Trigger::WebTrigger] {
            assert_eq!(
                limits.timeout_for(&function, trigger),
                Duration::from_secs(10)
            );
        }
        function.timeout_seconds = Some(30);
        assert_eq!(
            limits.timeout_for(&function, Trigger::Scheduled),
            Duration::from_secs(30)
        );
        assert_eq!(
            limits.timeout_for(&function, Trigger::QueueEvent),
            Duration::from_secs(30)
        );
        assert_eq!(
            limits.timeout_for(&function, Trigger::Function),
            Duration::from_secs(10)
        );
        assert_eq!(
            limits.timeout_for(&function, Trigger::ProductEvent),
            Duration::from_secs(10)
        );
        function.timeout_seconds = Some(900);
        assert_eq!(
            limits.timeout_for(&function, Trigger::Scheduled),
            Duration::from_secs(60),
            "the operator's cap"
        );
    }

    #[test]
    fn without_a_timeout_of_its_own_an_app_gets_forges_defaults_per_trigger() {
        use crate::invoke::Trigger;
        let limits =
            EffectiveLimits::resolve(&RuntimeLimits::default(), &OperatorLimits::default());
        let mut function = kiln_manifest::FunctionModule::new("f", "f");
        for (trigger, seconds) in [
            (Trigger::Function, 25),
            (Trigger::ProductEvent, 25),
            (Trigger::WebTrigger, 55),
            (Trigger::Scheduled, 55),
            (Trigger::QueueEvent, 55),
        ] {
            assert_eq!(
                limits.timeout_for(&function, trigger),
                Duration::from_secs(seconds),
                "{trigger:?}"
            );
        }
        function.timeout_seconds = Some(600);
        assert_eq!(
            limits.timeout_for(&function, Trigger::Scheduled),
            Duration::from_secs(600)
        );
        assert_eq!(
            limits.timeout_for(&function, Trigger::WebTrigger),
            Duration::from_secs(55),
            "a web trigger's limit is Forge's 55 s, whatever the function sets"
        );
        // The operator's cap holds over Forge's defaults too.
        let capped = EffectiveLimits::resolve(
            &RuntimeLimits::default(),
            &OperatorLimits {
                max_timeout: Duration::from_secs(30),
                ..OperatorLimits::default()
            },
        );
        assert_eq!(
            capped.timeout_for(&function, Trigger::WebTrigger),
            Duration::from_secs(30)
        );
    }
}
