//! The admin API, on its own listener (loopback by default), every route behind
//! `Authorization: Bearer <token>` compared in constant time. Without a configured token
//! there is no admin listener at all.
//!
//! | Route | Does |
//! |---|---|
//! | `GET /v1/installations` | list installations (registry and live state) |
//! | `POST /v1/installations` `{app, site, environment?}` | install: approves the code served now (releases a hold) |
//! | `POST /v1/installations/uninstall` `{app, site?, environment?}` | uninstall (app storage is kept); starts the app's `preUninstall` functions, not waiting for them, and lists them |
//! | `POST /v1/installations/pause` / `…/resume` | pause: events wait, web triggers answer 503 |
//! | `POST /v1/webtriggers` `{app, key, site?, environment?}` | issue a new URL (the old one stops) |
//! | `GET /v1/dead-letters` | events whose retries are used up (or a cancelled job's that failed), each with its `job` id and `queue` (null outside an async-events job) |
//! | `GET /v1/webhooks` | each 3LO site's dynamic webhooks: ids, events, expiry, state, last error |
//! | `POST /v1/clock` `{advanceMs}` | move a `--manual-clock` (tests) |

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use kiln_state::serve::InstallRecord;

use crate::clock::Clock;
use crate::host::Installed;
use crate::installations::{self, InstallError};
use crate::reply;
use crate::shared::Shared;

pub fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route("/v1/installations", get(list).post(install))
        .route("/v1/installations/uninstall", post(uninstall))
        .route("/v1/installations/pause", post(pause))
        .route("/v1/installations/resume", post(resume))
        .route("/v1/webtriggers", post(web_trigger))
        .route("/v1/dead-letters", get(dead_letters))
        .route("/v1/webhooks", get(webhooks))
        .route("/v1/clock", post(clock))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            authorize,
        ))
        .with_state(shared)
}

/// The request's JSON body. A body that is not the JSON a route takes is answered in the
/// admin API's own shape (`{"error": …}`, which `runtime webtrigger` and the other admin
/// clients read) with axum's status (400, 415, 422), not axum's plain text.
struct JsonBody<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(reply::error(rejection.status(), &rejection.body_text())),
        }
    }
}

async fn authorize(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(token) = &shared.admin_token else {
        return reply::error(StatusCode::NOT_FOUND, "no admin API");
    };
    let presented = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .unwrap_or_default();
    let expected = token.expose_secret().as_bytes();
    if presented.len() != expected.len() || !bool::from(presented.ct_eq(expected)) {
        return reply::error(StatusCode::UNAUTHORIZED, "admin token required");
    }
    next.run(request).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Selector {
    app: String,
    site: Option<String>,
    environment: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

/// The one live installation the selector names, or a response saying why not.
fn select(shared: &Shared, selector: &Selector) -> Result<Arc<Installed>, Box<Response>> {
    let matching: Vec<Arc<Installed>> = shared
        .host
        .all_installed()
        .into_iter()
        .filter(|i| i.installation.app_id() == selector.app)
        .filter(|i| selector.site.as_ref().is_none_or(|s| *s == i.site.name))
        .filter(|i| {
            selector
                .environment
                .as_ref()
                .is_none_or(|e| e == i.installation.environment())
        })
        .collect();
    match matching.len() {
        1 => Ok(matching.into_iter().next().expect("one")),
        0 => Err(Box::new(reply::error(
            StatusCode::NOT_FOUND,
            "no such installation",
        ))),
        _ => Err(Box::new(reply::error(
            StatusCode::CONFLICT,
            "several installations match; name the site and environment",
        ))),
    }
}

fn install_error(error: InstallError) -> Response {
    let status = match &error {
        InstallError::State(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    reply::error(status, &error.to_string())
}

async fn list(State(shared): State<Arc<Shared>>) -> Response {
    match shared.state.list_installations().await {
        Ok(records) => {
            let list: Vec<serde_json::Value> = records
                .iter()
                .map(|r| {
                    json!({
                        "app": r.installation.app_id(),
                        "site": r.installation.site(),
                        "environment": r.installation.environment(),
                        "paused": r.paused,
                        "live": shared.host.installed(&r.installation).is_some(),
                        "approvedSha256": r.approval.as_ref().map(|a| a.component.as_str()),
                        "approvedSite": r.approval.as_ref().map(|a| json!({
                            "origin": a.site.origin(),
                            "cloudId": a.site.cloud_id(),
                        })),
                        "runningSha256": shared.host.installed(&r.installation).map(|i| i.component.as_str().to_owned()),
                        "held": r.hold.as_ref().map(|h| json!({
                            "reason": h.reason.as_str(),
                            "description": h.reason.describe(),
                            "pendingSha256": h.pending.as_str(),
                        })),
                        "scopes": r.scopes.as_slice().iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                        "storageSite": storage_site(&shared, r),
                    })
                })
                .collect();
            Json(json!({ "installations": list })).into_response()
        }
        Err(error) => reply::error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string()),
    }
}

/// The site `runtime storage --site` opens the installation's app storage by (with
/// `environment`): as the app served here uses it (the simulator's name, or a real site's
/// cloud id, else its URL); for an installation this host does not serve, the approved
/// site's cloud id, when there is one. `site` names a real site by its URL, which app
/// storage does not go by.
fn storage_site(shared: &Shared, record: &InstallRecord) -> Option<String> {
    use kiln_runtime::storage::{SIMULATOR_SITE, site_name_of_storage};
    if let Some(installed) = shared.host.installed(&record.installation) {
        return Some(site_name_of_storage(installed.app.installation_site()).to_owned());
    }
    if record.installation.site() == SIMULATOR_SITE {
        return Some(SIMULATOR_SITE.to_owned());
    }
    record
        .approval
        .as_ref()
        .map(|approval| approval.site.cloud_id())
        .filter(|cloud_id| !cloud_id.is_empty())
        .map(str::to_owned)
}

async fn webhooks(State(shared): State<Arc<Shared>>) -> Response {
    match shared.state.webhook_registrations().await {
        Ok(registrations) => {
            let list: Vec<serde_json::Value> = registrations
                .iter()
                .map(|r| {
                    json!({
                        "site": r.site,
                        "url": r.url,
                        "state": r.status.as_str(),
                        "webhooks": r.webhooks.iter().map(|w| json!({
                            "id": w.id,
                            "events": w.events,
                            "jqlFilter": w.jql_filter,
                        })).collect::<Vec<_>>(),
                        "expiresAt": r.expires_at.0,
                        "refreshedAt": r.refreshed_at.0,
                        "lastError": r.last_error,
                        "failures": r.failures,
                        "nextAttemptAt": r.next_attempt_at.0,
                    })
                })
                .collect();
            Json(json!({ "webhooks": list })).into_response()
        }
        Err(error) => reply::error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string()),
    }
}

async fn install(
    State(shared): State<Arc<Shared>>,
    JsonBody(selector): JsonBody<Selector>,
) -> Response {
    let site_name = selector
        .site
        .clone()
        .unwrap_or_else(|| crate::config::SIMULATOR_SITE.into());
    let Some(site) = shared.host.site(&site_name).cloned() else {
        return reply::error(StatusCode::BAD_REQUEST, "no such site");
    };
    let environment = selector
        .environment
        .clone()
        .unwrap_or_else(|| "production".into());
    match installations::install(
        &shared,
        &selector.app,
        &site,
        &environment,
        selector.scopes.as_deref(),
    )
    .await
    {
        Ok(endpoints) => {
            shared.webhooks_changed.notify_waiters();
            (StatusCode::CREATED, Json(json!({ "endpoints": endpoints }))).into_response()
        }
        Err(error) => install_error(error),
    }
}

async fn uninstall(
    State(shared): State<Arc<Shared>>,
    JsonBody(selector): JsonBody<Selector>,
) -> Response {
    let installed = match select(&shared, &selector) {
        Ok(installed) => installed,
        Err(response) => return *response,
    };
    // Started before the installation goes, and not waited for (Forge's rule): each run
    // holds its own handle on the app.
    let pre_uninstall = crate::pre_uninstall::start(&shared, &installed).await;
    shared.host.deactivate(&installed.installation);
    let uninstalled = shared.state.uninstall(&installed.installation).await;
    shared.web_triggers.forget();
    shared.webhooks_changed.notify_waiters();
    match uninstalled {
        Ok(_) => {
            Json(json!({ "uninstalled": true, "preUninstall": pre_uninstall })).into_response()
        }
        Err(error) => reply::error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string()),
    }
}

async fn pause(
    State(shared): State<Arc<Shared>>,
    JsonBody(selector): JsonBody<Selector>,
) -> Response {
    set_paused(&shared, &selector, true).await
}

async fn resume(
    State(shared): State<Arc<Shared>>,
    JsonBody(selector): JsonBody<Selector>,
) -> Response {
    let response = set_paused(&shared, &selector, false).await;
    shared.queued.notify_waiters();
    response
}

async fn set_paused(shared: &Shared, selector: &Selector, paused: bool) -> Response {
    let installed = match select(shared, selector) {
        Ok(installed) => installed,
        Err(response) => return *response,
    };
    let done = if paused {
        shared.state.pause(&installed.installation).await
    } else {
        shared.state.resume(&installed.installation).await
    };
    shared.web_triggers.forget();
    match done {
        Ok(_) => Json(json!({ "paused": paused })).into_response(),
        Err(error) => reply::error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string()),
    }
}

async fn web_trigger(
    State(shared): State<Arc<Shared>>,
    JsonBody(selector): JsonBody<Selector>,
) -> Response {
    let installed = match select(&shared, &selector) {
        Ok(installed) => installed,
        Err(response) => return *response,
    };
    let Some(key) = &selector.key else {
        return reply::error(StatusCode::BAD_REQUEST, "name the web trigger's key");
    };
    match installations::rotate_web_trigger(&shared, &installed, key).await {
        Ok(url) => Json(json!({ "url": url, "rotated": true })).into_response(),
        Err(error) => install_error(error),
    }
}

async fn dead_letters(State(shared): State<Arc<Shared>>) -> Response {
    match shared.state.dead_letters(100).await {
        Ok(dead) => {
            let list: Vec<serde_json::Value> = dead
                .iter()
                .map(|d| {
                    json!({
                        "event": d.event.get(),
                        "app": d.installation.app_id(),
                        "site": d.installation.site(),
                        "module": d.module_key.as_str(),
                        "attempts": d.attempts,
                        "lastError": d.last_error,
                        // Which `Queue.push` the event came from, so an operator can match
                        // it to the job id the app logged or its `getStats()` failure.
                        "job": d.job.as_ref().map(|j| j.id.as_str()),
                        "queue": d.job.as_ref().map(|j| j.queue.as_str()),
                    })
                })
                .collect();
            Json(json!({ "deadLetters": list })).into_response()
        }
        Err(error) => reply::error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClockMove {
    advance_ms: u64,
}

async fn clock(State(shared): State<Arc<Shared>>, JsonBody(body): JsonBody<ClockMove>) -> Response {
    match &shared.clock {
        Clock::Manual(clock) => {
            let now = clock.advance(Duration::from_millis(body.advance_ms));
            Json(json!({ "nowMs": now.0 })).into_response()
        }
        Clock::System => reply::error(
            StatusCode::CONFLICT,
            "the server runs on the system clock (start it with --manual-clock to move time)",
        ),
    }
}
