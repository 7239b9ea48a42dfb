//! Jira's dynamic webhook API (`/rest/api/3/webhook`): an OAuth 2.0 app registers,
//! lists, refreshes and deletes its own webhooks and reads its failed deliveries.
//!
//! Only apps may call it (`403` "the caller isn't an app" otherwise, checked before
//! the body is read); each app sees only its own registrations. Registration
//! reports each webhook's outcome separately (`createdWebhookId` or `errors`), as
//! `ContainerForRegisteredWebhooks` does.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::page::{PageQuery, page_bean};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::webhooks::WebhookEvent;
use crate::webhooks::event::millis;
use crate::webhooks::registry::{
    DYNAMIC_WEBHOOK_LIFETIME, DynamicRequest, DynamicWebhook, MAX_DYNAMIC_PER_APP,
    compile_dynamic_filter,
};
use crate::webhooks::target;

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 100;

/// The calling app's client id, or the spec's 403 for anyone else.
fn app(caller: &Caller) -> Result<&str, JiraError> {
    caller.app.as_deref().ok_or_else(|| {
        JiraError::forbidden("Only Connect and OAuth 2.0 apps can use this operation.")
    })
}

/// A JSON body read after the permission check; unreadable is Jira's 400.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JiraError> {
    serde_json::from_slice(bytes).map_err(|_| JiraError::invalid_payload())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Registration {
    url: Option<String>,
    webhooks: Option<Vec<Details>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Details {
    #[serde(default)]
    events: Vec<String>,
    jql_filter: Option<String>,
    field_ids_filter: Option<Vec<String>>,
    issue_property_keys_filter: Option<Vec<String>>,
}

pub(crate) async fn register(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    bytes: Bytes,
) -> Result<Json<Value>, JiraError> {
    let app = app(&caller)?;
    let input: Registration = body(&bytes)?;
    let url = input
        .url
        .ok_or_else(|| JiraError::field("url", "The webhook URL must be provided."))?;
    let webhooks = input
        .webhooks
        .ok_or_else(|| JiraError::field("webhooks", "The list of webhooks must be provided."))?;
    let url = target::check(&url, shared.deliveries.config().targets)
        .map_err(|e| JiraError::field("url", e.to_string()))?;
    let mut world = shared.world();
    if world
        .webhooks
        .app_url(app)
        .is_some_and(|existing| *existing != url)
    {
        return Err(JiraError::field(
            "url",
            "Only a single URL per app is allowed to be registered.",
        ));
    }
    let now = world.now();
    let mut results = Vec::with_capacity(webhooks.len());
    for details in webhooks {
        let outcome = validate(&world, &caller.account_id, details).and_then(|(request, jql)| {
            world
                .webhooks
                .add_dynamic(app, &caller.account_id, url.clone(), request, jql, now)
                .ok_or_else(|| {
                    vec![format!(
                        "An app may register at most {MAX_DYNAMIC_PER_APP} webhooks."
                    )]
                })
        });
        results.push(match outcome {
            Ok(id) => json!({ "createdWebhookId": id }),
            Err(errors) => json!({ "errors": errors }),
        });
    }
    Ok(Json(json!({ "webhookRegistrationResult": results })))
}

/// One webhook's request, or the messages saying why it is refused.
fn validate(
    world: &crate::world::World,
    owner: &str,
    details: Details,
) -> Result<(DynamicRequest, crate::jql::Query), Vec<String>> {
    let mut errors = Vec::new();
    let mut events = Vec::new();
    for name in &details.events {
        // Only the spec's `WebhookDetails.events`: Jira refuses a dynamic
        // webhook for the events only admin webhooks get (worklog, attachment,
        // issue link), so an app learns here rather than by waiting for them.
        match WebhookEvent::parse(name).filter(|e| e.dynamic()) {
            Some(event) if !events.contains(&event) => events.push(event),
            Some(_) => {}
            None => errors.push(format!("The event {name} is unsupported")),
        }
    }
    if details.events.is_empty() {
        errors.push(String::from("At least one event must be provided"));
    }
    let jql_text = details.jql_filter.unwrap_or_default();
    let jql = if jql_text.trim().is_empty() {
        errors.push(String::from("The JQL filter must be provided"));
        None
    } else {
        compile_dynamic_filter(world, owner, &jql_text)
            .map_err(|e| errors.push(e))
            .ok()
    };
    match jql {
        Some(jql) if errors.is_empty() => Ok((
            DynamicRequest {
                events,
                jql_text,
                field_ids: details.field_ids_filter,
                property_keys: details.issue_property_keys_filter,
            },
            jql,
        )),
        _ => Err(errors),
    }
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let app = app(&caller)?;
    let world = shared.world();
    let all: Vec<&DynamicWebhook> = world.webhooks.app_webhooks(app).collect();
    let window = query.bean_window(DEFAULT_PAGE, MAX_PAGE);
    let values: Vec<Value> = window.of(&all).map(|w| webhook(w)).collect();
    let base = format!("{}/rest/api/3/webhook", caller.links);
    Ok(Json(page_bean(&base, window, all.len(), values)))
}

/// A `Webhook`.
fn webhook(hook: &DynamicWebhook) -> Value {
    let mut value = json!({
        "id": hook.id,
        "jqlFilter": hook.jql_text,
        "events": hook.events,
        "expirationDate": millis(hook.expires),
        "url": hook.url.as_str(),
    });
    if let Some(fields) = &hook.field_ids {
        value["fieldIdsFilter"] = json!(fields);
    }
    if let Some(keys) = &hook.property_keys {
        value["issuePropertyKeysFilter"] = json!(keys);
    }
    value
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookIds {
    webhook_ids: Option<Vec<i64>>,
}

fn ids(bytes: &[u8]) -> Result<Vec<u64>, JiraError> {
    let input: WebhookIds = body(bytes)?;
    let ids = input.webhook_ids.ok_or_else(|| {
        JiraError::field("webhookIds", "The list of webhook IDs must be provided.")
    })?;
    // Ids that cannot be ours (negative) match nothing, like another app's ids.
    Ok(ids
        .into_iter()
        .filter_map(|id| u64::try_from(id).ok())
        .collect())
}

pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    bytes: Bytes,
) -> Result<StatusCode, JiraError> {
    let app = app(&caller)?;
    let ids = ids(&bytes)?;
    shared.world().webhooks.remove_dynamic(app, &ids);
    Ok(StatusCode::ACCEPTED)
}

pub(crate) async fn refresh(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    bytes: Bytes,
) -> Result<Json<Value>, JiraError> {
    let app = app(&caller)?;
    let ids = ids(&bytes)?;
    let mut world = shared.world();
    let until = world.now() + DYNAMIC_WEBHOOK_LIFETIME;
    world.webhooks.refresh_dynamic(app, &ids, until);
    Ok(Json(json!({ "expirationDate": millis(until) })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FailedQuery {
    max_results: Option<usize>,
    after: Option<i64>,
}

pub(crate) async fn failed(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<FailedQuery>,
) -> Result<Json<Value>, JiraError> {
    let app = app(&caller)?;
    let max = query.max_results.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let failures = shared.deliveries.failed(app, query.after);
    // Records sharing a failure time are never split across pages, as the spec
    // says of `maxResults`.
    let mut page: Vec<_> = failures.iter().take(max).collect();
    if let Some(last) = page.last().map(|f| f.failure_time) {
        page.extend(
            failures
                .iter()
                .skip(page.len())
                .take_while(|f| f.failure_time == last),
        );
    }
    let values: Vec<Value> = page
        .iter()
        .map(|f| json!({ "id": f.id, "body": f.body, "url": f.url, "failureTime": f.failure_time }))
        .collect();
    let mut out = json!({ "values": values, "maxResults": max });
    if let Some(last) = page.last() {
        out["next"] = json!(format!(
            "{}/rest/api/3/webhook/failed?after={}&maxResults={max}",
            caller.links, last.failure_time
        ));
    }
    Ok(Json(out))
}
