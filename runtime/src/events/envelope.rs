//! The host's envelope around a pushed event, and the event a consumer
//! sees.
//!
//! What is stored is the host's own JSON: the event's ids, its chain depth
//! and the body the app pushed (checked to be a JSON object at the push).
//! A consumer gets Forge's `AsyncEvent` built from it at delivery:
//!
//! ```json
//! { "body": {...}, "queueName": "work", "jobId": "…", "eventId": "…-0",
//!   "retryContext": { "retryCount": 1, "retryReason": "…", "retryData": … } }
//! ```
//!
//! `retryContext` only on a retry. The chain depth stays with the host: the
//! app cannot read it, and cannot write it either, because the envelope is
//! never the app's text.
//!
//! A resolver-style consumer (`resolver: { function, method }`) gets the
//! event inside Forge's resolver call, `{"call": {"functionKey": method,
//! "payload": event}}`, which `@forge/resolver`'s definitions dispatch.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The stored envelope of one event.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Envelope {
    pub queue_name: String,
    pub job_id: String,
    pub event_id: String,
    /// How many consumers deep the push that made it was (0: pushed by an
    /// invocation that was not a consumer's).
    pub depth: u32,
    pub body: Box<RawValue>,
}

/// Why a stored envelope could not be read back: damaged state, never the
/// app's doing.
#[derive(Debug, thiserror::Error)]
#[error("a queued event's envelope is damaged: {0}")]
pub struct EnvelopeError(#[from] serde_json::Error);

/// Why the host retries an event, as the consumer's `retryContext` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryContext {
    /// Retries so far, this one included (1 on the first retry).
    pub retry_count: u32,
    /// The consumer's `retryReason`, or Forge's code for a stop the host
    /// saw ([`super::outcome`]).
    pub reason: String,
    /// JSON text the consumer asked to get back, checked when it was kept.
    pub data: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AsyncEvent<'a> {
    body: &'a RawValue,
    queue_name: &'a str,
    job_id: &'a str,
    event_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_context: Option<ForgeRetryContext<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ForgeRetryContext<'a> {
    retry_count: u32,
    retry_reason: &'a str,
    retry_data: Option<&'a RawValue>,
}

#[derive(Serialize)]
struct ResolverCall<'a> {
    call: ResolverCallInner<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResolverCallInner<'a> {
    function_key: &'a str,
    payload: AsyncEvent<'a>,
}

impl Envelope {
    /// The envelope as stored.
    pub fn to_stored(&self) -> String {
        // Strings and raw JSON only: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_stored(text: &[u8]) -> Result<Self, EnvelopeError> {
        Ok(serde_json::from_slice(text)?)
    }

    /// The payload the consumer is invoked with: Forge's event, inside a
    /// resolver call when the consumer names a resolver `method`.
    pub fn consumer_payload(
        &self,
        retry: Option<&RetryContext>,
        resolver_method: Option<&str>,
    ) -> Result<String, EnvelopeError> {
        let data = match retry.and_then(|retry| retry.data.as_deref()) {
            Some(text) => Some(serde_json::from_str::<&RawValue>(text)?),
            None => None,
        };
        let event = AsyncEvent {
            body: &self.body,
            queue_name: &self.queue_name,
            job_id: &self.job_id,
            event_id: &self.event_id,
            retry_context: retry.map(|retry| ForgeRetryContext {
                retry_count: retry.retry_count,
                retry_reason: &retry.reason,
                retry_data: data,
            }),
        };
        Ok(match resolver_method {
            None => serde_json::to_string(&event)?,
            Some(method) => serde_json::to_string(&ResolverCall {
                call: ResolverCallInner {
                    function_key: method,
                    payload: event,
                },
            })?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> Envelope {
        Envelope {
            queue_name: "work".into(),
            job_id: "j".into(),
            event_id: "j-0".into(),
            depth: 2,
            body: RawValue::from_string(r#"{"issue":"KEY-1"}"#.into()).expect("json"),
        }
    }

    #[test]
    fn a_consumer_sees_forges_event_without_the_depth() {
        let stored = envelope().to_stored();
        let back = Envelope::from_stored(stored.as_bytes()).expect("round trip");
        assert_eq!(back.depth, 2);
        let payload: serde_json::Value =
            serde_json::from_str(&back.consumer_payload(None, None).expect("payload")).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({"body": {"issue": "KEY-1"}, "queueName": "work", "jobId": "j", "eventId": "j-0"})
        );
    }

    #[test]
    fn a_retry_carries_its_context_and_a_resolver_gets_a_call() {
        let retry = RetryContext {
            retry_count: 1,
            reason: "FUNCTION_RETRY_REQUEST".into(),
            data: Some(r#"{"page":2}"#.into()),
        };
        let payload: serde_json::Value = serde_json::from_str(
            &envelope()
                .consumer_payload(Some(&retry), Some("event-listener"))
                .expect("payload"),
        )
        .unwrap();
        assert_eq!(payload["call"]["functionKey"], "event-listener");
        assert_eq!(
            payload["call"]["payload"]["retryContext"],
            serde_json::json!({"retryCount": 1, "retryReason": "FUNCTION_RETRY_REQUEST", "retryData": {"page": 2}})
        );
    }

    #[test]
    fn an_envelope_with_extra_fields_is_refused() {
        let stored = r#"{"queueName":"q","jobId":"j","eventId":"e","depth":0,"body":{},"x":1}"#;
        assert!(Envelope::from_stored(stored.as_bytes()).is_err());
    }
}
