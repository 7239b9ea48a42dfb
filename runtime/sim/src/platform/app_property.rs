//! Forge app properties (`/rest/forge/1/app/properties/...`): data an app keeps on
//! the site, readable in Jira expressions and display conditions.
//!
//! As Atlassian documents them, and unlike issue, project and user properties:
//! - only an app calling as itself may use them (Forge's `asApp()`). A user's API
//!   token or an app acting for a user (3LO, `asUser()`) gets `403` with
//!   "Access to this resource must be authenticated as an app.";
//! - each app sees only its own properties: they are keyed by the calling app;
//! - a key is at most 127 characters and the value a non-empty JSON blob of at most
//!   32,768 characters;
//! - writes and refusals other than 403 answer with an `OperationMessage`
//!   (`{"message", "statusCode"}`), not Jira's `ErrorCollection`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::property::property_keys;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// The spec's limits for a Forge app property.
const MAX_KEY_CHARS: usize = 127;
const MAX_VALUE_CHARS: usize = 32_768;

const BASE: &str = "/rest/forge/1/app/properties";

#[derive(Deserialize)]
pub(crate) struct PropertyPath {
    property_key: String,
}

/// An `OperationMessage` with its status, as these routes answer writes and errors.
fn message(status: StatusCode, text: &str) -> Response {
    (
        status,
        Json(json!({ "message": text, "statusCode": status.as_u16() })),
    )
        .into_response()
}

/// Why a call was refused: `403` in Jira's error shape, the rest as `OperationMessage`.
pub(crate) enum Refusal {
    NotAnApp,
    Message(StatusCode, String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::NotAnApp => {
                JiraError::forbidden("Access to this resource must be authenticated as an app.")
                    .into_response()
            }
            Self::Message(status, text) => message(status, &text),
        }
    }
}

/// The calling app's client id, if the call is the app acting as itself
/// ([`Caller::app_itself`]).
fn calling_app<'a>(shared: &Shared, caller: &'a Caller) -> Result<&'a str, Refusal> {
    caller.app_itself(shared).ok_or(Refusal::NotAnApp)
}

fn checked_key(key: &str) -> Result<(), Refusal> {
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(Refusal::Message(
            StatusCode::BAD_REQUEST,
            format!("The property key cannot be longer than {MAX_KEY_CHARS} characters."),
        ));
    }
    Ok(())
}

fn not_found() -> Refusal {
    Refusal::Message(StatusCode::NOT_FOUND, "Property with key not found.".into())
}

/// The value of a write: valid, non-empty JSON of at most the spec's length.
fn checked_value(body: &[u8]) -> Result<Value, Refusal> {
    let bad = |text: &str| Refusal::Message(StatusCode::BAD_REQUEST, text.into());
    let text = std::str::from_utf8(body).map_err(|_| bad("The value isn't valid JSON."))?;
    if text.chars().count() > MAX_VALUE_CHARS {
        return Err(Refusal::Message(
            StatusCode::BAD_REQUEST,
            format!("The value cannot be longer than {MAX_VALUE_CHARS} characters."),
        ));
    }
    if text.trim().is_empty() {
        return Err(bad("The value cannot be empty."));
    }
    serde_json::from_str(text).map_err(|_| bad("The value isn't valid JSON."))
}

/// `getForgeAppPropertyKeys`.
pub(crate) async fn keys(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Json<Value>, Refusal> {
    let app = calling_app(&shared, &caller)?;
    let world = shared.world();
    let base = format!("{}{BASE}", caller.links);
    let empty = BTreeMap::new();
    let properties = world.app_properties.get(app).unwrap_or(&empty);
    Ok(Json(property_keys(&base, properties.keys())))
}

/// `getForgeAppProperty`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<Json<Value>, Refusal> {
    let app = calling_app(&shared, &caller)?;
    checked_key(&path.property_key)?;
    let world = shared.world();
    let value = world
        .app_properties
        .get(app)
        .and_then(|properties| properties.get(&path.property_key))
        .ok_or_else(not_found)?;
    Ok(Json(json!({ "key": path.property_key, "value": value })))
}

/// `putForgeAppProperty`: 201 "Property created." or 200 "Property updated.".
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let app = calling_app(&shared, &caller)?;
    checked_key(&path.property_key)?;
    let value = checked_value(&body)?;
    let mut world = shared.world();
    let replaced = world
        .app_properties
        .entry(app.to_owned())
        .or_default()
        .insert(path.property_key, value);
    Ok(match replaced {
        None => message(StatusCode::CREATED, "Property created."),
        Some(_) => message(StatusCode::OK, "Property updated."),
    })
}

/// `deleteForgeAppProperty`: 204, or 404 when this app has no such property.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyPath>,
) -> Result<StatusCode, Refusal> {
    let app = calling_app(&shared, &caller)?;
    checked_key(&path.property_key)?;
    let mut world = shared.world();
    world
        .app_properties
        .get_mut(app)
        .and_then(|properties| properties.remove(&path.property_key))
        .ok_or_else(not_found)?;
    Ok(StatusCode::NO_CONTENT)
}
