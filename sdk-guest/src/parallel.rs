//! `send_all`: several Jira requests at once, over `request-jira-all`.

use crate::raw;
use crate::{RequestBuilder, RequestError, Response};

/// Sends every request at once and waits for all of them, as
/// `Promise.all([api.asUser().requestJira(...), ...])` in Forge; the outcomes
/// come back in the order of `requests`.
///
/// The host sends them concurrently (it bounds how many are in flight) and
/// checks and counts each one on its own, so one refusal or failure does not
/// cancel the others. A request whose JSON body could not be serialised is
/// answered [`RequestError::InvalidRequest`] in its place and never sent.
///
/// ```no_run
/// use kiln_sdk::prelude::*;
///
/// # fn main() -> Result<(), AppError> {
/// let keys = ["KILN-1", "KILN-2", "KILN-3"];
/// let requests = keys
///     .iter()
///     .map(|key| Ok(as_user().get(route!("/rest/api/3/issue/{}", key)?)))
///     .collect::<Result<Vec<_>, RouteError>>()?;
/// for (key, outcome) in keys.iter().zip(kiln_sdk::send_all(requests)) {
///     let issue: serde_json::Value = outcome?.error_for_status()?.json()?;
///     log::info!("{key}: {}", issue["fields"]["summary"]);
/// }
/// # Ok(())
/// # }
/// ```
pub fn send_all(
    requests: impl IntoIterator<Item = RequestBuilder>,
) -> Vec<Result<Response, RequestError>> {
    let mut sendable = Vec::new();
    // `None`: sent, its outcome comes from the host; `Some`: refused here.
    let slots: Vec<Option<RequestError>> = requests
        .into_iter()
        .map(|request| match request.into_raw() {
            Ok(raw) => {
                sendable.push(raw);
                None
            }
            Err(error) => Some(error),
        })
        .collect();
    let mut answers = if sendable.is_empty() {
        Vec::new()
    } else {
        raw::request_all(sendable)
    }
    .into_iter();
    slots
        .into_iter()
        .map(|slot| match slot {
            // A host that answered fewer outcomes than requests broke the
            // contract; the missing ones are transport failures, not a panic.
            None => answers.next().unwrap_or_else(|| {
                Err(RequestError::Transport(
                    "the host returned fewer outcomes than requests".into(),
                ))
            }),
            Some(error) => Err(error),
        })
        .collect()
}
