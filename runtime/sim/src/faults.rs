//! Injected failures: how a test makes "Jira" slow, broken, hostile or rate limiting.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use futures_util::stream;

use crate::jira_error::JiraError;
use crate::shared::Shared;

/// Seconds a 429 tells the client to wait, sent as `Retry-After`.
pub type RetryAfterSecs = u64;

/// Failures to inject; `Default` injects none. Several may be on at once: latency is
/// added first, then the first of redirect, rate limit, 5xx, oversized body and
/// trickling body that is set answers instead of the real handler.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Delay before every response.
    pub latency: Option<Duration>,
    /// Answer every request with this status (500..=599) and a Jira error body.
    pub status_5xx: Option<u16>,
    /// Answer 429 with `Retry-After` set to this many seconds.
    pub rate_limit: Option<RetryAfterSecs>,
    /// Reset each new connection (TCP RST) after reading the request head, without
    /// answering. Connections already open keep working.
    pub reset_connection: bool,
    /// Send the response headers, then a body that never ends: one byte at a time,
    /// forever, to prove the client enforces its own deadline.
    pub trickle_body: bool,
    /// Answer `302 Found` to this origin (the request path is appended) to prove the
    /// client never follows a redirect off the site.
    pub redirect_to: Option<String>,
    /// Answer 200 with a JSON body of this many bytes to prove the client caps what it
    /// reads.
    pub oversized_body: Option<usize>,
}

/// Pause between trickled bytes: slow enough to never finish, fast enough that a
/// client's idle timeout alone does not save it.
const TRICKLE_INTERVAL: Duration = Duration::from_millis(50);

/// Chunk size of an oversized body, so a huge body is never held in memory at once.
const OVERSIZED_CHUNK: usize = 64 * 1024;

/// Applies the current faults; with none set the request goes on untouched.
pub(crate) async fn inject(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let faults = shared.faults();
    if let Some(delay) = faults.latency {
        tokio::time::sleep(delay).await;
    }
    if let Some(origin) = &faults.redirect_to {
        return redirect(origin, &req);
    }
    if let Some(secs) = faults.rate_limit {
        let mut response =
            JiraError::new(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded.").into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return response;
    }
    if let Some(code) = faults.status_5xx {
        let status = StatusCode::from_u16(code)
            .ok()
            .filter(StatusCode::is_server_error)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return JiraError::new(status, "Internal server error").into_response();
    }
    if let Some(size) = faults.oversized_body {
        return oversized(size);
    }
    if faults.trickle_body {
        return trickle(shared.shutdown_signal());
    }
    next.run(req).await
}

fn redirect(origin: &str, req: &Request) -> Response {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let target = format!("{}{path_and_query}", origin.trim_end_matches('/'));
    match HeaderValue::from_str(&target) {
        Ok(location) => {
            let mut response = StatusCode::FOUND.into_response();
            response.headers_mut().insert(header::LOCATION, location);
            response
        }
        Err(_) => JiraError::new(StatusCode::INTERNAL_SERVER_ERROR, "Invalid redirect target")
            .into_response(),
    }
}

fn oversized(size: usize) -> Response {
    // `{"padding":"xxxx…"}`: valid JSON whatever the size, so a client cannot tell it
    // apart from a real large answer before the cap trips.
    let head = Bytes::from_static(b"{\"padding\":\"");
    let tail = Bytes::from_static(b"\"}");
    let filler = size.saturating_sub(head.len() + tail.len());
    let full_chunks = filler / OVERSIZED_CHUNK;
    let last = filler % OVERSIZED_CHUNK;
    let chunk = Bytes::from(vec![b'x'; OVERSIZED_CHUNK.min(filler)]);
    let body = std::iter::once(head)
        .chain(std::iter::repeat_n(chunk.clone(), full_chunks))
        .chain((last > 0).then(|| chunk.slice(..last)))
        .chain(std::iter::once(tail))
        .map(Ok::<_, Infallible>);
    let mut response = Response::new(Body::from_stream(stream::iter(body)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

fn trickle(shutdown: tokio::sync::watch::Receiver<bool>) -> Response {
    let first = Bytes::from_static(b"{\"issues\":[");
    let body = stream::once(async move { Ok::<_, Infallible>(first) }).chain(stream::unfold(
        (),
        move |()| {
            let mut shutdown = shutdown.clone();
            async move {
                tokio::select! {
                    // Ends the stream when the simulator shuts down so graceful
                    // shutdown does not wait on a body designed never to finish.
                    _ = shutdown.wait_for(|stopped| *stopped) => None,
                    () = tokio::time::sleep(TRICKLE_INTERVAL) => Some((Ok(Bytes::from_static(b" ")), ())),
                }
            }
        },
    ));
    let mut response = Response::new(Body::from_stream(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}
