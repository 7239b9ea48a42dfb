//! A job's id, which only the host makes, and its events' ids. Queue and
//! job names are the state layer's types ([`kiln_state::serve::QueueName`],
//! [`kiln_state::serve::JobId`]): one rule for what a name may be, where
//! the queue stores them.

use kiln_state::serve::JobId;
use rand::TryRng;

/// The OS had no randomness for a job id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the operating system has no randomness for a job id")]
pub struct JobIdError;

/// A new job's id: a random UUID (version 4) for each push, so a job can
/// be named only by whoever was told its id; the installation it belongs to
/// is checked on every lookup besides.
pub fn generate_job_id() -> Result<JobId, JobIdError> {
    let mut bytes = [0u8; 16];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| JobIdError)?;
    JobId::new(kiln_state::uuid::uuid_v4_text(bytes)).map_err(|_| JobIdError)
}

/// An event's id within its job: the job's id and the event's index.
pub fn event_id(job: &JobId, index: usize) -> String {
    format!("{}-{index}", job.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_random_uuids() {
        let id = generate_job_id().expect("randomness");
        let text = id.as_str();
        assert_eq!(text.len(), 36);
        assert_eq!(&text[14..15], "4", "version 4");
        assert!(
            matches!(&text[19..20], "8" | "9" | "a" | "b"),
            "RFC 4122 variant"
        );
        assert_eq!(text.matches('-').count(), 4);
        assert_ne!(generate_job_id().expect("randomness"), id);
    }
}
