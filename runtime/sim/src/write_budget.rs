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
//! It counts what clients *sent* to writes that were accepted, not what the site
//! holds: an edit that replaces a value costs its body again, and a delete gives
//! nothing back. What was sent is the body, the request's path and query (a
//! property's key, a watcher's account id are kept from there), and
//! [`WRITE_ENTRY_BYTES`] for the entry every write adds, so a stream of tiny
//! writes (a property under a long key whose value is `1`) is charged near what
//! the site keeps for it, not near nothing.
//!
//! Some writes make the site keep far more than they send: a bulk property
//! write puts one value on 10,000 issues, a bulk transition or edit adds a
//! changelog entry to each issue it names. Those copies are charged too, where
//! they are made ([`keeps_entry`]: every changelog entry, every bulk-set property),
//! so no route can turn one request's bytes into a thousand times as many kept. That is deliberately coarse and deliberately general: no route
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

/// What an accepted write costs beyond the bytes it sent: the entry it adds to
/// the site (a map node, the `String`s and JSON value around its text, an id,
/// a timestamp). Without it a write with an empty body would be free, and a
/// client could grow the site by writes that each send a byte.
pub const WRITE_ENTRY_BYTES: u64 = 128;

/// What a write accepted with `body` bytes is charged when its request target
/// (path and query) is `target` long.
pub(crate) fn write_cost(target: usize, body: u64) -> u64 {
    WRITE_ENTRY_BYTES
        .saturating_add(u64::try_from(target).unwrap_or(u64::MAX))
        .saturating_add(body)
}

tokio::task_local! {
    /// What the write being handled has made the site keep beyond its request,
    /// in bytes: [`charge`] sets it around the write's handler, [`keeps_entry`] adds
    /// to it.
    static KEPT: Arc<AtomicU64>;
}

/// Charges the write being handled for an entry of `bytes` the site keeps
/// because of it beyond what it sent (a copy of its value on another issue, a
/// changelog entry), plus [`WRITE_ENTRY_BYTES`] for the entry itself. Outside a
/// charged write (the seed, a read, the simulator's own schedules) it does
/// nothing.
pub(crate) fn keeps_entry(bytes: usize) {
    let bytes = u64::try_from(bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(WRITE_ENTRY_BYTES);
    // `try_with` fails only outside a charged write, which is not charged.
    let _ = KEPT.try_with(|kept| kept.fetch_add(bytes, Ordering::Relaxed));
}

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
/// `2xx` or `303` answer) its [`write_cost`] and what it keeps beyond it ([`keeps_entry`]). Checked before the write runs, so
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
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
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
    let kept = Arc::new(AtomicU64::new(0));
    let response = KEPT.scope(Arc::clone(&kept), next.run(request)).await;
    // Accepted: a `2xx`, or the `303 See Other` to the finished task that
    // bulk and asynchronous writes answer.
    let status = response.status();
    if status.is_success() || status.is_redirection() {
        let sent = write_cost(target, counted.load(Ordering::Relaxed));
        budget.spend(sent.saturating_add(kept.load(Ordering::Relaxed)));
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
