//! The site's write budget: how much a client may write into the simulated site in
//! all, whatever route it writes through.
//!
//! The simulator keeps its whole site in memory, in the process that serves it;
//! `runtime run` and `runtime serve` embed it in the process that hosts the apps.
//! Each route bounds what one request or one entity may hold (a body's size, a
//! field's length, the per-issue limits Jira documents), but a client that keeps
//! writing (an app hammered through a web trigger, creating issue after issue)
//! could still grow the site until the host runs out of memory, and take every
//! other app down with it. So the site also counts, over its life, the request
//! bytes of every write it accepted, and past [`DEFAULT_WRITE_BUDGET_BYTES`]
//! refuses further writes with a `507` that says why. Reads, and writes it
//! refuses for another reason, cost nothing; reads keep working when the budget
//! is spent.
//!
//! It counts what clients *sent* to writes that succeeded, not what the site
//! holds: an edit that replaces a value costs its body again, and a delete gives
//! nothing back. That is deliberately coarse and deliberately general: no route
//! needs to know about it (a new write is bounded the day it is added), and it
//! cannot be undercounted. The price is that a long-lived simulator that is
//! written to heavily will, eventually, refuse writes; restarting it (the site is
//! built from its seed at every start) starts a new budget.
//!
//! Which operations write is the route → scope catalogue's answer
//! ([`crate::scopes::only_reads`]): an operation Jira opens with read scopes only
//! (`POST /rest/api/3/search/jql`, `POST /rest/api/3/issue/bulkfetch`) reads,
//! whatever its method.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::access::{catalogue_template, is_ops};
use crate::jira_error::JiraError;
use crate::scopes::only_reads;

/// Bytes of accepted writes a site takes over its life: 256 MiB, about a million
/// typical issue writes. The site's memory is a small multiple of this (parsed
/// JSON is larger than its text), so the process hosting it stays far from the
/// memory of a developer's machine whatever a client does.
pub const DEFAULT_WRITE_BUDGET_BYTES: u64 = 256 * 1024 * 1024;

/// What is left of a site's budget, shared by every connection.
#[derive(Debug)]
pub(crate) struct WriteBudget {
    limit: u64,
    spent: AtomicU64,
}

impl WriteBudget {
    pub(crate) fn new(limit: u64) -> Arc<Self> {
        Arc::new(Self {
            limit,
            spent: AtomicU64::new(0),
        })
    }

    fn exhausted(&self) -> bool {
        self.spent.load(Ordering::Relaxed) >= self.limit
    }

    fn spend(&self, bytes: u64) {
        self.spent.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// Refuses a write once the budget is spent, and charges an accepted write (a
/// `2xx` answer) the bytes of its body. Checked before the write runs, so
/// concurrent writes may together pass the limit by at most one body each
/// (every route bounds its body).
pub(crate) async fn charge(
    State(budget): State<Arc<WriteBudget>>,
    request: Request,
    next: Next,
) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    if only_reads(request.method(), &catalogue_template(&template)) {
        return next.run(request).await;
    }
    if budget.exhausted() {
        return spent(budget.limit, is_ops(&template));
    }
    let counted = Arc::new(AtomicU64::new(0));
    let request = {
        let counted = Arc::clone(&counted);
        request.map(move |body| {
            Body::from_stream(body.into_data_stream().inspect(move |chunk| {
                if let Ok(bytes) = chunk {
                    counted.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                }
            }))
        })
    };
    let response = next.run(request).await;
    if response.status().is_success() {
        budget.spend(counted.load(Ordering::Relaxed));
    }
    response
}

/// The refusal: `507 Insufficient Storage` (the site cannot keep what the request
/// would add), in the error shape of the API it was sent to.
fn spent(limit: u64, ops: bool) -> Response {
    let message = format!(
        "Kiln's Jira simulator accepts at most {limit} bytes of writes over its life, and this \
         site has taken them; it keeps serving reads. Restart it to start again from its seed."
    );
    if ops {
        crate::ops::refused(StatusCode::INSUFFICIENT_STORAGE, message)
    } else {
        JiraError::new(StatusCode::INSUFFICIENT_STORAGE, message).into_response()
    }
}
