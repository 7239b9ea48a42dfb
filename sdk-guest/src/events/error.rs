//! Why an events call failed.

use std::fmt;

/// Why an [`events`](crate::events) call did not happen; it mirrors the WIT
/// `events-error`. The SDK reports its own checks (a queue name, a body that
/// is not a JSON object) with the same cases, before calling the host. No
/// case carries an event's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventsError {
    /// No `consumer` module of this app listens on the queue: add one to
    /// `modules.consumer` in `manifest.yml`. The text is the host's (it does
    /// not repeat the name).
    UnknownQueue(String),
    /// The queue name breaks Forge's rule: 1 to
    /// [`MAX_QUEUE_NAME_BYTES`](crate::events::MAX_QUEUE_NAME_BYTES) of
    /// letters, digits, `-` and `_`.
    InvalidQueueName,
    /// An event is not acceptable (its body is not a JSON object, its delay
    /// is over [`MAX_DELAY`](crate::events::MAX_DELAY)), or the invocation
    /// pushed more events in all than the host allows; the text says which,
    /// by index.
    InvalidEvent(String),
    /// More events than one push may carry, or none; the number is the
    /// host's limit ([`MAX_EVENTS_PER_PUSH`](crate::events::MAX_EVENTS_PER_PUSH)
    /// by default).
    TooManyEvents(u32),
    /// The push is larger than allowed
    /// ([`MAX_PUSH_BYTES`](crate::events::MAX_PUSH_BYTES) of bodies); the
    /// text names the limit.
    PayloadTooLarge(String),
    /// Pushes chained from consumer to consumer went deeper than the host
    /// allows (Forge's cyclic invocation limit).
    InvocationLimitReached,
    /// The host's queue is full for now: try again after this many seconds.
    RateLimited(u32),
    /// No job of this id in this queue of this installation.
    UnknownJob,
    /// The host cannot queue now; the text says how, without data.
    Unavailable(String),
}

impl fmt::Display for EventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventsError::UnknownQueue(reason) => write!(
                f,
                "unknown queue: {reason}; add a modules.consumer entry with this queue to manifest.yml"
            ),
            EventsError::InvalidQueueName => {
                f.write_str("invalid queue name: use 1 to 255 letters, digits, `-` and `_`")
            }
            EventsError::InvalidEvent(reason) => write!(f, "invalid event: {reason}"),
            EventsError::TooManyEvents(limit) => write!(f, "a push carries 1 to {limit} events"),
            EventsError::PayloadTooLarge(limit) => write!(f, "the push is too large: {limit}"),
            EventsError::InvocationLimitReached => f.write_str(
                "events pushed from consumer to consumer went deeper than the host allows",
            ),
            EventsError::RateLimited(seconds) => write!(
                f,
                "the host's queue is full for now; try again in {seconds} s"
            ),
            EventsError::UnknownJob => f.write_str("no such job in this queue"),
            EventsError::Unavailable(reason) => write!(f, "events are unavailable: {reason}"),
        }
    }
}

impl std::error::Error for EventsError {}
