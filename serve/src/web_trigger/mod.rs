//! Web triggers: `ANY /x1/{id}[/{user path}]`.
//!
//! The id (256 random bits, see kiln-state's `web_trigger.rs`) is the only credential: it is
//! parsed strictly, looked up by its hash, and compared in constant time; an unknown,
//! revoked or malformed id gets the same 404. Then, in order: admission (429 +
//! `Retry-After` when full), the body within its cap and time limit, the Forge request
//! (hop-by-hop and credential headers removed), one invocation in a fresh instance, and the
//! app's result checked into an HTTP response.

pub mod cache;
pub mod request;
pub mod response;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kiln_runtime::{InvocationFailure, PayloadSource, ResultCheck};

use crate::invocation::{TriggerKind, invocation_for};
use crate::metrics::{InvocationLabels, Metrics};
use crate::reply;
use crate::shared::Shared;
use request::ForgeRequest;

/// Seconds a refused caller is asked to wait.
const RETRY_AFTER_SECONDS: u64 = 1;

// The request is taken whole: axum's `Method`, `Uri` and `HeaderMap` extractors each clone
// their part of it, on every request.
//
// A path that is not UTF-8 once percent-decoded (`/x1/{id}/%FF`) fails axum's extractor; it
// is answered here, in the server's JSON and counted, rather than with axum's plain-text
// rejection: an id that is not UTF-8 is no id (404, as every malformed id), a user path that
// is not cannot be handed to the app as the text Forge's request carries (400). The
// rejection names the parameter that failed.
pub async fn handle_root(
    State(shared): State<Arc<Shared>>,
    id: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let response = match id {
        Ok(Path(id)) => handle(&shared, &id, "", request).await,
        Err(_) => not_found(),
    };
    count(&shared.metrics, &response);
    response
}

pub async fn handle_sub(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Response {
    let response = match path {
        Ok(Path((id, rest))) => handle(&shared, &id, &rest, request).await,
        Err(PathRejection::FailedToDeserializePathParams(failed)) if matches!(failed.kind(), ErrorKind::InvalidUtf8InPathParam { key } if key == "rest") => {
            reply::error(
                StatusCode::BAD_REQUEST,
                "the web trigger's path is not UTF-8 once percent-decoded",
            )
        }
        Err(_) => not_found(),
    };
    count(&shared.metrics, &response);
    response
}

fn count(metrics: &Metrics, response: &Response) {
    Metrics::outcome(&metrics.web_requests, response.status().as_str());
}

fn not_found() -> Response {
    reply::error(StatusCode::NOT_FOUND, "no such web trigger")
}

async fn handle(shared: &Shared, id: &str, user_path: &str, request: Request) -> Response {
    if shared.draining() {
        return reply::retry_after(
            StatusCode::SERVICE_UNAVAILABLE,
            RETRY_AFTER_SECONDS,
            "the server is shutting down",
        );
    }
    let resolved = match shared.web_triggers.resolve(&shared.state, id).await {
        Ok(Some(resolved)) => resolved,
        Ok(None) | Err(kiln_state::ServeError::WebTriggerId(_)) => return not_found(),
        Err(error) => {
            tracing::error!(%error, "web trigger lookup failed");
            return reply::retry_after(StatusCode::SERVICE_UNAVAILABLE, 5, "state unavailable");
        }
    };
    let Some(installed) = shared.host.installed(&resolved.installation) else {
        return not_found();
    };
    let Some(module) = installed
        .manifest()
        .web_triggers()
        .iter()
        .find(|m| m.key == resolved.module_key.as_str())
    else {
        return not_found();
    };
    if resolved.held || resolved.approved_component.as_ref() != Some(&installed.component) {
        // Nothing is accepted: the caller is told to come back, as for a pause.
        return reply::retry_after(
            StatusCode::SERVICE_UNAVAILABLE,
            60,
            "the installation's code waits for approval",
        );
    }
    if resolved.paused {
        return reply::retry_after(
            StatusCode::SERVICE_UNAVAILABLE,
            60,
            "the installation is paused",
        );
    }
    let Some(place) = shared.admission.enter() else {
        return reply::retry_after(
            StatusCode::TOO_MANY_REQUESTS,
            RETRY_AFTER_SECONDS,
            "too many requests are waiting",
        );
    };
    let (parts, body) = request.into_parts();
    let body = match crate::body::read(
        &parts.headers,
        body,
        shared.limits.max_body_bytes,
        shared.limits.client_timeout(),
    )
    .await
    {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    let request = ForgeRequest::build(
        &parts.method,
        user_path,
        parts.uri.query(),
        &parts.headers,
        &body,
    );
    let payload = match serde_json::to_string(&request) {
        Ok(payload) => payload,
        Err(_) => return reply::error(StatusCode::BAD_REQUEST, "the request cannot be passed on"),
    };
    // Its maps are not held across the invocation's awaits.
    drop(request);
    let app_id = installed.installation.app_id().to_owned();
    let Some(_slot) = shared.admission.slot(&app_id, place).await else {
        return reply::retry_after(
            StatusCode::TOO_MANY_REQUESTS,
            RETRY_AFTER_SECONDS,
            "the app is busy",
        );
    };

    // `serde_json::to_string` of the typed request above: valid JSON or an error, so the
    // runtime does not parse it again (its size and depth, the caller's, are still checked).
    let mut invocation = invocation_for(
        shared,
        &installed,
        TriggerKind::WebTrigger,
        &module.function,
        payload,
        PayloadSource::HostSerialized,
    )
    .await;
    // `response::to_http` parses the result into its typed shape, which refuses what is not
    // JSON: the runtime checks its size and depth only, rather than read it twice.
    invocation.result_check = ResultCheck::ParsedByCaller;
    let invoked =
        crate::invocation::run(shared, &installed, TriggerKind::WebTrigger, invocation).await;
    let mut outcome = crate::invocation::outcome(&invoked);
    let response = match invoked {
        Err(error) => {
            tracing::warn!(app = %app_id, %error, "web trigger invocation refused");
            reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the web trigger's function could not run",
            )
        }
        Ok(invoked) => match &invoked.result {
            Ok(result) => match response::to_http(module, result) {
                Ok(response) => response.map(Body::from),
                Err(error) => {
                    tracing::warn!(app = %app_id, %error, "web trigger result is not a response");
                    // The function ran and returned; what it returned is no HTTP answer, or
                    // (counted as every trigger's unreadable result is) no JSON at all.
                    outcome = match error {
                        response::ResponseShapeError::NotJson => crate::invocation::BAD_RESULT,
                        _ => "bad-response",
                    };
                    reply::error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the web trigger's function returned no valid response",
                    )
                }
            },
            Err(failure) => {
                tracing::warn!(app = %app_id, %failure, "web trigger invocation failed");
                let status = match failure {
                    InvocationFailure::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                reply::error(status, "the web trigger's function failed")
            }
        },
    };
    shared.metrics.count_invocation(InvocationLabels::new(
        app_id,
        &module.function,
        TriggerKind::WebTrigger,
        outcome,
    ));
    response
}
