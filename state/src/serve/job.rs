//! Forge's async-event jobs (`@forge/events`' `Queue.push`): one push is one job, named by
//! its queue and a host-generated id, whose events run in a `consumer` module of the same
//! installation. The queue stores the events (`queue.rs`); this file holds the job's names,
//! what it reports (`JobStats`), and what a consumer's requested retry carries (`RetryInfo`).
//!
//! Everything here may come from a guest (queue names, job ids it was handed and hands back,
//! retry reasons and data), so each value is checked once when built, and no error echoes
//! the input.

use std::time::Duration;

/// Longest queue name, in bytes (Forge's rule).
pub const MAX_QUEUE_NAME_BYTES: usize = 255;
/// Longest job id, in bytes. The host generates ids (a UUID is 36); the cap keeps a guest's
/// `stats`/`cancel` argument from reaching the database as a large key.
pub const MAX_JOB_ID_BYTES: usize = 64;
/// Longest retry reason kept, in bytes. Forge's reasons are short constants
/// (`FUNCTION_RETRY_REQUEST`); the cap bounds what a consumer can make the host store.
pub const MAX_RETRY_REASON_BYTES: usize = 255;
/// Largest retry data kept, in bytes: JSON the consumer hands to its own next attempt.
/// Bounded so a retrying consumer cannot grow its event row without limit (the payload bound
/// does not cover it).
pub const MAX_RETRY_DATA_BYTES: usize = 4096;
/// The reason a retried event carries when its previous attempt did not ask for the retry
/// (the consumer failed, trapped or timed out, or its claimer died): Forge's name for a
/// platform-side failure, so a consumer written for Forge recognises it.
pub const HOST_RETRY_REASON: &str = "FUNCTION_PLATFORM_UNKNOWN_ERROR";

/// Why a job's name or a retry request was refused. None carries the input: it is a guest's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error("a queue name is 1 to {MAX_QUEUE_NAME_BYTES} bytes of letters, digits, '-' and '_'")]
    InvalidQueueName,
    #[error("a job id is 1 to {MAX_JOB_ID_BYTES} bytes of lowercase hex digits and '-'")]
    InvalidJobId,
    #[error("the retry reason is {bytes} bytes, over the {MAX_RETRY_REASON_BYTES}-byte limit")]
    RetryReasonTooLong { bytes: usize },
    #[error("the retry data is {bytes} bytes, over the {MAX_RETRY_DATA_BYTES}-byte limit")]
    RetryDataTooLarge { bytes: usize },
}

/// A queue's name, as Forge allows it: `^[a-zA-Z0-9_-]+$`, at most 255 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueName(String);

impl QueueName {
    pub fn new(value: impl Into<String>) -> Result<Self, JobError> {
        let value = value.into();
        let valid = !value.is_empty()
            && value.len() <= MAX_QUEUE_NAME_BYTES
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(value))
        } else {
            Err(JobError::InvalidQueueName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A job's id: host-generated text, 1 to 64 bytes of `[0-9a-f-]` (a UUID fits). One
/// spelling only, so a guest cannot name one job two ways.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(String);

impl JobId {
    pub fn new(value: impl Into<String>) -> Result<Self, JobError> {
        let value = value.into();
        let valid = !value.is_empty()
            && value.len() <= MAX_JOB_ID_BYTES
            && value
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b'-'));
        if valid {
            Ok(Self(value))
        } else {
            Err(JobError::InvalidJobId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One push: the queue it went to and its id. Scoped by installation wherever it is stored
/// or looked up, so two installations' jobs never meet even under equal keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobKey {
    pub queue: QueueName,
    pub id: JobId,
}

/// A job's events by outcome, as Forge's `getStats()`.
///
/// - `success`: completed.
/// - `in_progress`: stored and not dead: ready (delayed or not), leased, or waiting for a
///   retry.
/// - `failed`: dead-lettered, whether still listed or discarded since.
///
/// Events removed by [`crate::ServeState::cancel_job`] count nowhere: they neither ran nor
/// failed, and Forge's stats say nothing about them; a caller that cancelled knows it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobStats {
    pub success: u64,
    pub in_progress: u64,
    pub failed: u64,
}

/// What a retried event's previous attempt left for the next one (Forge's `retryContext`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryInfo {
    /// The consumer's `retryReason`, or [`HOST_RETRY_REASON`] when the previous attempt
    /// failed without asking for a retry.
    pub reason: String,
    /// The consumer's `retryData` (JSON text), only when it asked for the retry.
    pub data: Option<String>,
}

/// A consumer's request to run its event again later, checked against the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RetryRequest<'a> {
    pub after: Duration,
    pub reason: &'a str,
    pub data: Option<&'a str>,
}

impl<'a> RetryRequest<'a> {
    /// Raises a zero delay to one second (a consumer asking again at once would spin) and
    /// caps it at `max_after`; refuses an over-long reason or data.
    pub fn new(
        after: Duration,
        reason: &'a str,
        data: Option<&'a str>,
        max_after: Duration,
    ) -> Result<Self, JobError> {
        if reason.len() > MAX_RETRY_REASON_BYTES {
            return Err(JobError::RetryReasonTooLong {
                bytes: reason.len(),
            });
        }
        if let Some(data) = data
            && data.len() > MAX_RETRY_DATA_BYTES
        {
            return Err(JobError::RetryDataTooLarge { bytes: data.len() });
        }
        Ok(Self {
            after: after.max(Duration::from_secs(1)).min(max_after),
            reason,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_follow_forges_rule() {
        assert!(QueueName::new("my-queue_1").is_ok());
        assert!(QueueName::new("a".repeat(255)).is_ok());
        for bad in ["", "a b", "é", "a/b", "a\0", "a.b"] {
            assert_eq!(QueueName::new(bad), Err(JobError::InvalidQueueName));
        }
        assert!(QueueName::new("a".repeat(256)).is_err());
    }

    #[test]
    fn job_ids_have_one_spelling() {
        assert!(JobId::new("0f8fad5b-d9cb-469f-a165-70867728950e").is_ok());
        for bad in ["", "ABC", "g", "0f8f ad5b", "x".repeat(10).as_str()] {
            assert_eq!(JobId::new(bad), Err(JobError::InvalidJobId));
        }
        assert!(JobId::new("a".repeat(65)).is_err());
    }

    #[test]
    fn errors_do_not_echo_input() {
        let secret = "secret-queue-name!";
        let error = QueueName::new(secret).unwrap_err().to_string();
        assert!(!error.contains(secret));
    }

    #[test]
    fn retry_delays_are_raised_and_capped() {
        let max = Duration::from_secs(900);
        let zero = RetryRequest::new(Duration::ZERO, "R", None, max).unwrap();
        assert_eq!(zero.after, Duration::from_secs(1));
        let long = RetryRequest::new(Duration::from_secs(10_000), "R", None, max).unwrap();
        assert_eq!(long.after, max);
        let data = "x".repeat(MAX_RETRY_DATA_BYTES + 1);
        assert!(RetryRequest::new(max, "R", Some(&data), max).is_err());
        assert!(RetryRequest::new(max, &"r".repeat(256), None, max).is_err());
    }
}
