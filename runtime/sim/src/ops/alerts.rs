//! Alerts: create, list, read, acknowledge, close, and the status of those
//! asynchronous requests.
//!
//! The Ops API accepts alert actions asynchronously (202 with a `requestId`); the
//! simulator applies them at once, so the request status is already final.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::OpsError;
use super::extract::{OpsJson, OpsQuery};
use super::paging::Paging;
use super::render;
use crate::access::Caller;
use crate::clock::rfc3339;
use crate::shared::Shared;
use crate::world::{AlertRecord, AlertRequest, AlertStatus, World};

/// The Ops API's limits on alert text.
const MAX_MESSAGE_CHARS: usize = 130;
const MAX_ALIAS_CHARS: usize = 512;
const MAX_DESCRIPTION_CHARS: usize = 15_000;
const MAX_TAGS: usize = 20;
/// Alerts kept per run; the oldest closed ones go first past this, so an app
/// raising alerts in a loop cannot exhaust memory.
const MAX_ALERTS: usize = 10_000;

#[derive(Deserialize)]
pub(crate) struct AlertPath {
    alert_id: String,
}

#[derive(Deserialize)]
pub(crate) struct RequestPath {
    request_id: String,
}

#[derive(Deserialize)]
pub(crate) struct CreateInput {
    message: Option<String>,
    alias: Option<String>,
    description: Option<String>,
    priority: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    OpsJson(input): OpsJson<CreateInput>,
) -> Result<(StatusCode, Json<Value>), OpsError> {
    let message = input
        .message
        .filter(|m| !m.trim().is_empty() && m.chars().count() <= MAX_MESSAGE_CHARS)
        .ok_or_else(|| OpsError::field("message", "Message must be 1 to 130 characters."))?;
    let priority = input.priority.unwrap_or_else(|| String::from("P3"));
    if !["P1", "P2", "P3", "P4", "P5"].contains(&priority.as_str()) {
        return Err(OpsError::field(
            "priority",
            "Priority must be one of P1, P2, P3, P4, P5.",
        ));
    }
    let description = input.description.unwrap_or_default();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(OpsError::field("description", "Description is too long."));
    }
    if input.tags.len() > MAX_TAGS {
        return Err(OpsError::field("tags", "At most 20 tags."));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let alias = input.alias.unwrap_or_else(|| id.clone());
    if alias.chars().count() > MAX_ALIAS_CHARS {
        return Err(OpsError::field("alias", "Alias is too long."));
    }
    let mut world = shared.world();
    let now = world.now();
    let tiny_id = world.next_alert_tiny_id;
    world.next_alert_tiny_id += 1;
    if world.alerts.len() >= MAX_ALERTS
        && let Some(oldest) = world
            .alerts
            .iter()
            .position(|a| a.status == AlertStatus::Closed)
    {
        world.alerts.remove(oldest);
    }
    if world.alerts.len() >= MAX_ALERTS {
        return Err(OpsError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many open alerts.",
        ));
    }
    world.alerts.push(AlertRecord {
        id: id.clone(),
        tiny_id,
        alias,
        message,
        description,
        priority,
        tags: input.tags,
        status: AlertStatus::Open,
        acknowledged: false,
        reporter: caller.account_id,
        created: now,
        updated: now,
    });
    Ok(accepted(&mut world, "Create", &id))
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    offset: Option<usize>,
    size: Option<usize>,
}

/// Newest first; `count` is the number of alerts on every page together.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    OpsQuery(query): OpsQuery<ListQuery>,
) -> Result<Json<Value>, OpsError> {
    let paging = Paging::new(query.offset, query.size)?;
    let world = shared.world();
    let mut alerts: Vec<&AlertRecord> = world.alerts.iter().collect();
    alerts.sort_by(|a, b| b.created.cmp(&a.created).then(b.tiny_id.cmp(&a.tiny_id)));
    let mut page = paging.page(&alerts, |a| render::alert(a), "/v1/alerts");
    let count = alerts.len();
    page["count"] = json!(count);
    Ok(Json(page))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    Path(path): Path<AlertPath>,
) -> Result<Json<Value>, OpsError> {
    let world = shared.world();
    let alert = world
        .alerts
        .iter()
        .find(|a| a.id == path.alert_id)
        .ok_or_else(|| alert_not_found(&path.alert_id))?;
    Ok(Json(render::alert(alert)))
}

pub(crate) async fn acknowledge(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    Path(path): Path<AlertPath>,
) -> Result<(StatusCode, Json<Value>), OpsError> {
    change(&shared, &path.alert_id, "Acknowledge", |alert| {
        alert.acknowledged = true
    })
}

pub(crate) async fn close(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    Path(path): Path<AlertPath>,
) -> Result<(StatusCode, Json<Value>), OpsError> {
    change(&shared, &path.alert_id, "Close", |alert| {
        alert.status = AlertStatus::Closed
    })
}

pub(crate) async fn request_status(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    Path(path): Path<RequestPath>,
) -> Result<Json<Value>, OpsError> {
    let world = shared.world();
    let request = world
        .alert_requests
        .iter()
        .find(|r| r.id == path.request_id)
        .ok_or_else(|| {
            OpsError::not_found(format!(
                "Request with id [{}] does not exist.",
                path.request_id
            ))
        })?;
    Ok(Json(json!({
        "success": true,
        "action": request.action,
        "processedAt": rfc3339(request.processed),
        "status": format!("{} processed", request.action),
        "alertId": request.alert_id,
        "alias": request.alias,
    })))
}

fn change(
    shared: &Shared,
    alert_id: &str,
    action: &'static str,
    apply: impl FnOnce(&mut AlertRecord),
) -> Result<(StatusCode, Json<Value>), OpsError> {
    let mut world = shared.world();
    let now = world.now();
    let alert = world
        .alerts
        .iter_mut()
        .find(|a| a.id == alert_id)
        .ok_or_else(|| alert_not_found(alert_id))?;
    apply(alert);
    alert.updated = now;
    Ok(accepted(&mut world, action, alert_id))
}

/// Records an applied action and answers 202 with its request id.
fn accepted(world: &mut World, action: &'static str, alert_id: &str) -> (StatusCode, Json<Value>) {
    let request_id = uuid::Uuid::new_v4().to_string();
    let alias = world
        .alerts
        .iter()
        .find(|a| a.id == alert_id)
        .map(|a| a.alias.clone())
        .unwrap_or_default();
    if world.alert_requests.len() >= MAX_ALERTS {
        world.alert_requests.remove(0);
    }
    let processed = world.now();
    world.alert_requests.push(AlertRequest {
        id: request_id.clone(),
        action,
        alert_id: alert_id.to_owned(),
        alias,
        processed,
    });
    (
        StatusCode::ACCEPTED,
        Json(
            json!({ "result": "Request will be processed", "took": 0.0, "requestId": request_id }),
        ),
    )
}

fn alert_not_found(id: &str) -> OpsError {
    OpsError::not_found(format!("Alert with id [{id}] does not exist."))
}
