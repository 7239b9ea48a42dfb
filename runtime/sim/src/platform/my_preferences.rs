//! The caller's preferences (`/rest/api/3/mypreferences?key=`): `getPreference`,
//! `setPreference`, `removePreference`. Apps keep per-user settings there as
//! plain text under a key, and read Jira's own (the notification mime type,
//! whether new filters are private).
//!
//! Each user's set preferences live on their record (`UserRecord::preferences`).
//! A system preference the spec gives a default for answers that default until
//! set, and again once removed ("restores the default value of system defined
//! settings"); any other key the user never set is the spec's 404. The spec
//! answers every bad request with 404, not 400: a missing key, a missing or
//! invalid value (the simulator's invalid: empty, longer than 255 characters, or
//! not text). Any signed-in caller reaches their own preferences; there is no
//! way to name another user's. Not modelled: `jira.user.locale` and
//! `jira.user.timezone` do not change what `GET /mypreferences/locale` or the
//! user's `timeZone` answer (Atlassian deprecated both keys in favour of the
//! user's profile); they are stored as any other key.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;

/// The spec's bound on a key and on a value: "The maximum length is 255
/// characters."
const MAX_CHARS: usize = 255;

/// Whether new filters and dashboards are private: the preference the default
/// share scope (`filter/default_share_scope.rs`) reads and writes, as Jira's does.
pub(crate) const SHARE_PRIVATE: &str = "user.default.share.private";

/// The system preferences `setPreference` documents with a default: their
/// value until the user sets one.
const SYSTEM_DEFAULTS: &[(&str, &str)] = &[
    ("user.notifications.mimetype", "html"),
    (SHARE_PRIVATE, "true"),
    ("user.keyboard.shortcuts.disabled", "false"),
];

#[derive(Deserialize)]
pub(crate) struct PreferenceQuery {
    key: Option<String>,
}

/// The key the query names, or the spec's 404 for none (it answers a missing
/// key with 404, not 400).
fn key_of(query: &PreferenceQuery) -> Result<&str, JiraError> {
    let key = query
        .key
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| JiraError::not_found("The key query parameter is required."))?;
    if key.chars().count() > MAX_CHARS {
        return Err(JiraError::not_found(format!(
            "The preference key cannot be longer than {MAX_CHARS} characters."
        )));
    }
    Ok(key)
}

fn default_of(key: &str) -> Option<&'static str> {
    SYSTEM_DEFAULTS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, value)| *value)
}

/// The value of preference `key` for the user at `index`: the one they set,
/// else the system default, if any.
pub(crate) fn preference<'w>(world: &'w World, index: usize, key: &str) -> Option<&'w str> {
    world.users[index]
        .preferences
        .get(key)
        .map(String::as_str)
        .or_else(|| default_of(key))
}

pub(crate) fn caller_index(world: &World, caller: &Caller) -> Result<usize, JiraError> {
    // Every authenticated caller is one of the world's users; a caller that is
    // not (none today) is told so rather than given someone's preferences.
    world
        .users
        .iter()
        .position(|u| u.account_id == caller.account_id)
        .ok_or_else(|| JiraError::not_found("The calling user does not exist on this site."))
}

fn not_found(key: &str) -> JiraError {
    JiraError::not_found(format!("The preference with key '{key}' does not exist."))
}

/// `getPreference`: the value as a JSON string.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<PreferenceQuery>,
) -> Result<Json<Value>, JiraError> {
    let key = key_of(&query)?;
    let world = shared.world();
    let index = caller_index(&world, &caller)?;
    preference(&world, index, key)
        .map(|value| Json(Value::String(value.to_owned())))
        .ok_or_else(|| not_found(key))
}

/// The value a `setPreference` body carries: a plain text string, or a JSON
/// string (the spec takes both `text/plain` and `application/json`), so
/// `false` and `"false"` both store `false`.
fn value_of(body: &[u8]) -> Result<String, JiraError> {
    let invalid = || {
        JiraError::not_found(format!(
            "The preference value must be text of 1 to {MAX_CHARS} characters."
        ))
    };
    // A body far past the bound is refused before it is decoded.
    if body.len() > MAX_CHARS * 4 + 2 {
        return Err(invalid());
    }
    let text = std::str::from_utf8(body).map_err(|_| invalid())?;
    let value = match serde_json::from_str::<Value>(text) {
        Ok(Value::String(inner)) => inner,
        _ => text.to_owned(),
    };
    if value.is_empty() || value.chars().count() > MAX_CHARS {
        return Err(invalid());
    }
    Ok(value)
}

/// `setPreference`: 204.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<PreferenceQuery>,
    body: Bytes,
) -> Result<StatusCode, JiraError> {
    let key = key_of(&query)?;
    let value = value_of(&body)?;
    let mut world = shared.world();
    let index = caller_index(&world, &caller)?;
    world.users[index].preferences.insert(key.to_owned(), value);
    Ok(StatusCode::NO_CONTENT)
}

/// `removePreference`: 204. A system preference is always there to remove
/// (its default comes back); any other key the user did not set is 404.
pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<PreferenceQuery>,
) -> Result<StatusCode, JiraError> {
    let key = key_of(&query)?;
    let mut world = shared.world();
    let index = caller_index(&world, &caller)?;
    let removed = world.users[index].preferences.remove(key).is_some();
    if removed || default_of(key).is_some() {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found(key))
    }
}

#[cfg(test)]
mod tests {
    use super::value_of;

    #[test]
    fn a_value_is_plain_text_or_a_json_string() {
        assert_eq!(value_of(b"false").ok().as_deref(), Some("false"));
        assert_eq!(value_of(b"\"text\"").ok().as_deref(), Some("text"));
        assert_eq!(value_of(b"{\"a\":1}").ok().as_deref(), Some("{\"a\":1}"));
    }

    #[test]
    fn an_empty_long_or_binary_value_is_refused_with_404() {
        for body in [
            b"".to_vec(),
            b"\"\"".to_vec(),
            vec![b'x'; 256],
            vec![0xff, 0xfe],
        ] {
            let refused = value_of(&body).err().map(|e| e.status());
            assert_eq!(refused, Some(axum::http::StatusCode::NOT_FOUND));
        }
    }
}
