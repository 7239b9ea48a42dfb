//! What a consumer's invocation means for its event: one rule, used by
//! `runtime run`'s queue and `runtime serve`'s alike.
//!
//! Forge's rule: an event whose consumer *returned* is done, whether it
//! succeeded or failed on its own terms (a retry would repeat whatever it
//! wrote before failing); it comes back when the consumer asks for it
//! (`InvocationError`, [`InvocationFailure::RetryRequested`]) or when the
//! platform stopped the consumer (a timeout, memory, a trap), with Forge's
//! `retryReason` for what happened.

use std::time::Duration;

use crate::invoke::InvocationFailure;

/// Forge's `retryReason` when the consumer ran out of time.
pub const TIME_OUT_REASON: &str = "FUNCTION_TIME_OUT";
/// Forge's `retryReason` when the consumer ran out of memory.
pub const OUT_OF_MEMORY_REASON: &str = "FUNCTION_OUT_OF_MEMORY";
/// Forge's `retryReason` for any other stop the consumer did not choose.
pub const UNKNOWN_ERROR_REASON: &str = "FUNCTION_PLATFORM_UNKNOWN_ERROR";

/// What becomes of an event after its consumer ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Handled: counts as a success of its job.
    Done,
    /// The consumer failed on its own terms: not retried, counts as failed.
    Failed,
    /// Run again, with this reason (and data) in its `retryContext`.
    Retry {
        /// The consumer's delay; `None`: the host's backoff decides.
        after: Option<Duration>,
        reason: String,
        data: Option<String>,
    },
}

impl EventOutcome {
    pub fn of(result: &Result<String, InvocationFailure>) -> Self {
        let host_retry = |reason: &str| EventOutcome::Retry {
            after: None,
            reason: reason.to_owned(),
            data: None,
        };
        match result {
            Ok(_) => EventOutcome::Done,
            Err(InvocationFailure::RetryRequested {
                after_seconds,
                reason,
                data,
            }) => EventOutcome::Retry {
                after: Some(Duration::from_secs(u64::from(*after_seconds))),
                reason: reason.clone(),
                data: data.clone(),
            },
            Err(InvocationFailure::App { .. }) => EventOutcome::Failed,
            Err(InvocationFailure::Timeout { .. }) => host_retry(TIME_OUT_REASON),
            Err(InvocationFailure::MemoryLimit { .. } | InvocationFailure::TableLimit { .. }) => {
                host_retry(OUT_OF_MEMORY_REASON)
            }
            Err(_) => host_retry(UNKNOWN_ERROR_REASON),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoke::AppErrorKind;

    #[test]
    fn forges_rule() {
        assert_eq!(EventOutcome::of(&Ok("{}".into())), EventOutcome::Done);
        let app = InvocationFailure::App {
            message: "no".into(),
            error: AppErrorKind::Failed,
        };
        assert_eq!(EventOutcome::of(&Err(app)), EventOutcome::Failed);
        let asked = InvocationFailure::RetryRequested {
            after_seconds: 30,
            reason: "FUNCTION_RETRY_REQUEST".into(),
            data: Some("1".into()),
        };
        assert_eq!(
            EventOutcome::of(&Err(asked)),
            EventOutcome::Retry {
                after: Some(Duration::from_secs(30)),
                reason: "FUNCTION_RETRY_REQUEST".into(),
                data: Some("1".into()),
            }
        );
        let reason = |failure| match EventOutcome::of(&Err(failure)) {
            EventOutcome::Retry {
                after: None,
                reason,
                data: None,
            } => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(InvocationFailure::Timeout { seconds: 1.0 }),
            TIME_OUT_REASON
        );
        assert_eq!(
            reason(InvocationFailure::MemoryLimit { limit_mib: 1 }),
            OUT_OF_MEMORY_REASON
        );
        assert_eq!(
            reason(InvocationFailure::FuelExhausted),
            UNKNOWN_ERROR_REASON
        );
    }
}
