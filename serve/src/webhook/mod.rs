//! Jira webhooks: `POST /webhooks/jira/{site}`.
//!
//! In order, each step refusing before the next costs anything: the site must be known and
//! have a webhook secret or a 3LO login (404); the body within its cap and time limit; its
//! authentication (401, nothing runs): `X-Hub-Signature` (constant time) over the exact
//! bytes for admin webhooks, the bearer JWT under the login's client secret for dynamic
//! webhooks (`bearer`); Jira's
//! delivery id (`X-Atlassian-Webhook-Identifier`, 400 without). Then the delivery is mapped
//! to its Forge events (usually one; an assignee change or a comment mentioning people
//! raises a second, `event::MappedEvent::from_delivery_all`) and, for each, for every live
//! installation on that site whose app subscribes to it, **could read it** (its approved scopes cover one of the event's scope alternatives),
//! and does not filter it out (`ignoreSelf`, the `expression` over the payload the function
//! would receive, the loop guard), one event is built; the
//! delivery record and all its events are stored in one transaction (kiln-state's
//! `accept_delivery`), so a redelivery runs nothing twice and a refused delivery (queue
//! full: 429 + `Retry-After`, which Jira retries) stores nothing.

pub mod bearer;
pub mod event;
pub mod jira_api;
pub mod registrar;
pub mod registration;
pub mod signature;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use kiln_state::ServeError;
use kiln_state::serve::{DeliveryId, DeliveryKey, EnqueueOutcome, ModuleKey, NewEvent};
use secrecy::ExposeSecret;

use crate::dispatch::{self, CommitGate};
use crate::host::Cause;
use crate::metrics::Metrics;
use crate::reply;
use crate::shared::Shared;
use event::MappedEvent;

pub const DELIVERY_ID_HEADER: &str = "x-atlassian-webhook-identifier";

/// Jira retries a refused delivery; this asks it to wait a little first.
const RETRY_AFTER_SECONDS: u64 = 30;

/// Whether the delivery comes from the site: an admin webhook's `X-Hub-Signature` under
/// the site's webhook secret, or a 3LO login's dynamic webhook's bearer JWT under its OAuth
/// client secret. A site configured with both accepts either, each checked by its own rule;
/// a delivery that satisfies neither runs nothing. The error names the rule, never a secret.
fn authenticate(
    shared: &Shared,
    site: &crate::host::SiteHost,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let hub = headers.get(signature::HEADER).map(|v| v.as_bytes());
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    match (&site.webhook_secret, &site.oauth_client_secret) {
        (Some(secret), None) => {
            signature::verify(secret.expose_secret(), body, hub).map_err(|e| e.to_string())
        }
        (Some(secret), Some(_)) if hub.is_some() => {
            signature::verify(secret.expose_secret(), body, hub).map_err(|e| e.to_string())
        }
        (_, Some(client_secret)) => bearer::verify(
            client_secret.expose_secret(),
            bearer,
            shared.clock.now().0.div_euclid(1000),
        )
        .map_err(|e| e.to_string()),
        (None, None) => Err("this site's webhooks are not accepted".into()),
    }
}

pub async fn handle(
    State(shared): State<Arc<Shared>>,
    Path(site_name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (outcome, response) = receive(&shared, &site_name, &headers, body).await;
    Metrics::outcome(&shared.metrics.webhooks, outcome);
    response
}

async fn receive(
    shared: &Arc<Shared>,
    site_name: &str,
    headers: &HeaderMap,
    body: Body,
) -> (&'static str, Response) {
    let Some(site) = shared.host.site(site_name).cloned() else {
        return (
            "unknown-site",
            reply::error(StatusCode::NOT_FOUND, "no such site"),
        );
    };
    if site.webhook_secret.is_none() && site.oauth_client_secret.is_none() {
        return (
            "unknown-site",
            reply::error(
                StatusCode::NOT_FOUND,
                "this site's webhooks are not accepted",
            ),
        );
    }
    let body = match crate::body::read(
        headers,
        body,
        shared.limits.max_body_bytes,
        shared.limits.client_timeout(),
    )
    .await
    {
        Ok(body) => body,
        Err(error) => return ("bad-body", error.into_response()),
    };
    if let Err(error) = authenticate(shared, &site, headers, &body) {
        tracing::warn!(site = %site.name, %error, "webhook refused");
        return (
            "bad-signature",
            reply::error(StatusCode::UNAUTHORIZED, &error),
        );
    }
    let Some(delivery) = headers
        .get(DELIVERY_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DeliveryId::new(v).ok())
        .and_then(|id| DeliveryKey::new(site.key.clone(), id).ok())
    else {
        return (
            "bad-delivery",
            reply::error(
                StatusCode::BAD_REQUEST,
                "missing or invalid X-Atlassian-Webhook-Identifier",
            ),
        );
    };
    let parsed: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) => {
            return (
                "bad-delivery",
                reply::error(StatusCode::BAD_REQUEST, "the body is not JSON"),
            );
        }
    };
    let mapped = match MappedEvent::from_delivery_all(&parsed) {
        Ok(mapped) => mapped,
        Err(error) => {
            return (
                "bad-delivery",
                reply::error(StatusCode::BAD_REQUEST, &error.to_string()),
            );
        }
    };
    let acting_app = acting_app(site.simulator.is_some(), &parsed);
    let now = shared.clock.now();
    let events: Vec<NewEvent> = mapped
        .iter()
        .flat_map(|mapped| events_for(shared, &site, mapped, acting_app, now))
        .collect();
    let queued = events.len();
    let stored = accept(shared, &delivery, &events, now).await;
    match stored {
        Ok((EnqueueOutcome::Accepted(_), all_started)) => {
            // Workers are woken only if the fast path left some of these events waiting:
            // waking them all for nothing would have each take a run slot for a claim that
            // finds nothing, and the next delivery find no slot idle.
            if queued > 0 && !all_started {
                shared.queued.notify_waiters();
            }
            (
                if queued > 0 { "accepted" } else { "ignored" },
                (
                    StatusCode::ACCEPTED,
                    axum::Json(serde_json::json!({ "queued": queued })),
                )
                    .into_response(),
            )
        }
        Ok((EnqueueOutcome::Duplicate, _)) => (
            "duplicate",
            (
                StatusCode::OK,
                axum::Json(serde_json::json!({ "duplicate": true })),
            )
                .into_response(),
        ),
        Err(ServeError::QueueFull(full)) => {
            tracing::warn!(site = %site.name, %full, "webhook refused: queue full");
            (
                "queue-full",
                reply::retry_after(
                    StatusCode::TOO_MANY_REQUESTS,
                    RETRY_AFTER_SECONDS,
                    "the queue is full",
                ),
            )
        }
        Err(ServeError::PayloadTooLarge { .. }) => (
            "too-large",
            reply::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the event is too large to queue",
            ),
        ),
        Err(error) => {
            tracing::error!(%error, "cannot store a webhook delivery");
            (
                "state-error",
                reply::retry_after(
                    StatusCode::SERVICE_UNAVAILABLE,
                    RETRY_AFTER_SECONDS,
                    "state unavailable",
                ),
            )
        }
    }
}

/// Stores the delivery and its events (deduplicated, in one transaction) and returns once
/// that is durable. With idle run slots, the events those slots can take are claimed in
/// the same transaction and **started before its commit returns** (`dispatch::CommitGate`):
/// the handler is entered while the fsync runs instead of after it and a worker's claim.
/// What each started run records waits for the commit, and is dropped if it fails.
/// Returns what was stored and whether every one of its events was started here.
async fn accept(
    shared: &Arc<Shared>,
    delivery: &DeliveryKey,
    events: &[NewEvent],
    now: kiln_state::serve::UnixMillis,
) -> Result<(EnqueueOutcome, bool), ServeError> {
    let mut slots = Vec::new();
    while slots.len() < events.len() && !shared.draining() {
        match shared.run_slots.clone().try_acquire_owned() {
            Ok(slot) => slots.push(slot),
            Err(_) => break,
        }
    }
    if slots.is_empty() {
        let outcome = shared.state.accept_delivery(delivery, events, now).await?;
        return Ok((outcome, false));
    }
    let pending = shared
        .state
        .accept_delivery_claiming(delivery, events, now, slots.len())
        .await?;
    let (landed, gate) = CommitGate::pending();
    // The commit runs in a task of its own: a caller that hangs up must not abandon a
    // transaction half-way (SQLite would keep its write lock).
    let commit = tokio::spawn(async move {
        let committed = pending.commit.await;
        let _ = landed.send(Some(committed.is_ok()));
        committed
    });
    // The claim is fair: it may have started an older event of another installation.
    let all_started = match &pending.outcome {
        EnqueueOutcome::Accepted(ids) => ids
            .iter()
            .all(|id| pending.claimed.iter().any(|c| c.lease.event == *id)),
        EnqueueOutcome::Duplicate => true,
    };
    for (event, slot) in pending.claimed.into_iter().zip(slots) {
        let (shared, gate) = (shared.clone(), gate.clone());
        tokio::spawn(async move { dispatch::run(&shared, event, gate, slot).await });
    }
    match commit.await {
        Ok(Ok(())) => Ok((pending.outcome, all_started)),
        Ok(Err(error)) => Err(error),
        Err(_) => Err(ServeError::Corrupt(
            "the commit task ended without an answer",
        )),
    }
}

/// The app integration the embedded simulator says made the write
/// ([`kiln_sim::ACTING_APP_FIELD`], Kiln's extension, inside the body its signature
/// covers, checked before this), trusted only from it: a configured site's delivery never
/// carries it, and one that did is not believed (Jira says no such thing).
fn acting_app(from_simulator: bool, delivery: &serde_json::Value) -> Option<&str> {
    from_simulator
        .then(|| delivery.get(kiln_sim::ACTING_APP_FIELD)?.as_str())
        .flatten()
}

/// One event per subscribed trigger of every live installation on the site that may read it.
fn events_for(
    shared: &Shared,
    site: &crate::host::SiteHost,
    mapped: &MappedEvent,
    acting_app: Option<&str>,
    now: kiln_state::serve::UnixMillis,
) -> Vec<NewEvent> {
    let cloud_id = site.runtime.client().site().cloud_id().to_owned();
    let mut events = Vec::new();
    let installations = shared.host.installed_on(site);
    for installed in &installations {
        // Each app is its own: another app's write is not this one's self.
        let cause = installed.cause(mapped.actor.as_deref(), acting_app, &installations);
        let self_generated = cause == Cause::OwnWrite;
        if !mapped.event.readable_with(&installed.scopes) {
            tracing::debug!(app = %installed.installation.app_id(), event = %mapped.event, "not readable with the approved scopes");
            continue;
        }
        for trigger in installed.manifest().triggers_for(mapped.event) {
            if self_generated && trigger.ignores_self(mapped.event) {
                continue;
            }
            let payload = mapped.payload(self_generated, &cloud_id, &trigger.key);
            // Before the loop guard, so an event the filter drops never counts
            // against the app's self-trigger allowance.
            if !filter_accepts(
                shared,
                installed.installation.app_id(),
                trigger,
                mapped.event,
                &payload,
            ) {
                continue;
            }
            if cause != Cause::Other
                && !shared
                    .loop_guard
                    .allow(&installed.installation, &mapped.subject, now)
            {
                if cause == Cause::OwnWrite {
                    tracing::warn!(app = %installed.installation.app_id(), trigger = %trigger.key, "self-generated event dropped: the app keeps triggering itself");
                } else {
                    tracing::warn!(app = %installed.installation.app_id(), trigger = %trigger.key, "app-caused event dropped: apps on this site keep triggering each other");
                }
                Metrics::outcome(&shared.metrics.webhooks, "loop-dropped");
                continue;
            }
            let Ok(module_key) = ModuleKey::new(trigger.key.clone()) else {
                continue;
            };
            events.push(NewEvent::new(
                installed.installation.clone(),
                module_key,
                payload.to_string().into_bytes(),
            ));
        }
    }
    events
}

/// Forge's `filter.expression` (of `event`'s own filter, or the module's),
/// evaluated on the payload the function would receive: `false` drops the
/// event (counted `filtered`); an evaluation error
/// (or a value that is not a boolean) goes as `onError` says, counted
/// `filter-error`. The log names the app, the trigger and the error (whose
/// text carries the expression's member names, app-written, so escaped),
/// never the payload.
fn filter_accepts(
    shared: &Shared,
    app: impl std::fmt::Display,
    trigger: &kiln_manifest::TriggerModule,
    event: kiln_manifest::ProductEvent,
    payload: &serde_json::Value,
) -> bool {
    match trigger.accepts(event, payload) {
        Ok(true) => true,
        Ok(false) => {
            tracing::debug!(app = %app, trigger = %trigger.key, "event filtered out by the trigger's expression");
            Metrics::outcome(&shared.metrics.webhooks, "filtered");
            false
        }
        Err(error) => {
            let on_error = trigger.on_error(event);
            let deliver = on_error.delivers();
            if on_error.logs() {
                let error = error.to_string();
                tracing::warn!(
                    app = %app,
                    trigger = %trigger.key,
                    on_error = on_error.as_str(),
                    delivered = deliver,
                    error = %kiln_runtime::guest_text::GuestText(&error),
                    "the trigger's filter expression failed"
                );
            }
            Metrics::outcome(&shared.metrics.webhooks, "filter-error");
            deliver
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_acting_app_is_believed_only_from_the_embedded_simulator() {
        let delivery = json!({
            "webhookEvent": "comment_created",
            (kiln_sim::ACTING_APP_FIELD): "app-client",
        });
        assert_eq!(acting_app(true, &delivery), Some("app-client"));
        assert_eq!(acting_app(false, &delivery), None, "a configured site's");
        let odd = json!({ "webhookEvent": "comment_created", (kiln_sim::ACTING_APP_FIELD): 7 });
        assert_eq!(acting_app(true, &odd), None);
        assert_eq!(acting_app(true, &json!({ "webhookEvent": "x" })), None);
    }

    #[test]
    fn the_acting_app_never_reaches_an_apps_payload() {
        let delivery = json!({
            "timestamp": 1,
            "webhookEvent": "comment_created",
            (kiln_sim::ACTING_APP_FIELD): "app-client",
            "comment": { "id": "10", "author": { "accountId": "person" } },
            "issue": { "id": "1", "key": "KILN-1" },
        });
        for mapped in MappedEvent::from_delivery_all(&delivery).unwrap() {
            let payload = mapped.payload(true, "cloud", "trigger").to_string();
            assert!(!payload.contains(kiln_sim::ACTING_APP_FIELD), "{payload}");
            assert!(!payload.contains("app-client"), "{payload}");
        }
    }
}
