//! Properties: the key/value pairs a provider tags its submissions with, to
//! delete (and, for development information, query) by them later.
//!
//! The spec's rules: at most 5 properties per submission; keys must not start
//! with `_` (which marks the query's own parameters, such as
//! `_updateSequenceNumber`) and, for builds, deployments, feature flags and
//! remote links, must not contain `:`; values are strings of at most 255
//! characters (development information states no length). Properties are
//! never returned with the data. A query names one or more properties and
//! matches data that has ALL of them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::{DevOpsError, Shape};

/// The spec's limit on properties per submission.
pub(crate) const MAX_PROPERTIES: usize = 5;

/// The spec's limit on a property value's length.
const MAX_VALUE_CHARS: usize = 255;

/// A submission's properties, or a query's.
pub(crate) type Properties = BTreeMap<String, String>;

/// Whether `have` holds every property of `wanted` (an AND).
pub(crate) fn matches(have: &Properties, wanted: &Properties) -> bool {
    wanted.iter().all(|(k, v)| have.get(k) == Some(v))
}

/// The `properties` of a submission body, checked; a broken rule is the
/// spec's 400 for the whole request.
pub(crate) fn submitted(
    body: &Map<String, Value>,
    shape: Shape,
) -> Result<Properties, DevOpsError> {
    let refuse = |message: String| DevOpsError::bad_request(shape, message);
    let object = match body.get("properties") {
        None | Some(Value::Null) => return Ok(Properties::new()),
        Some(Value::Object(object)) => object,
        Some(_) => {
            return Err(refuse(String::from(
                "properties: must be an object of strings.",
            )));
        }
    };
    if object.len() > MAX_PROPERTIES {
        return Err(refuse(format!(
            "properties: at most {MAX_PROPERTIES} properties can be supplied."
        )));
    }
    let mut properties = Properties::new();
    for (key, value) in object {
        if key.starts_with('_') || (shape == Shape::List && key.contains(':')) || key.is_empty() {
            let rule = if shape == Shape::List {
                "must not be empty, contain ':' or start with '_'"
            } else {
                "must not be empty or start with '_'"
            };
            return Err(refuse(format!("properties: a property key {rule}.")));
        }
        let Some(value) = value.as_str() else {
            return Err(refuse(format!("properties.{key}: must be a string.")));
        };
        if shape == Shape::List && value.chars().count() > MAX_VALUE_CHARS {
            return Err(refuse(format!(
                "properties.{key}: must be at most {MAX_VALUE_CHARS} characters."
            )));
        }
        properties.insert(key.clone(), value.to_owned());
    }
    Ok(properties)
}

/// A `bulkByProperties` (or `existsByProperties`) query: the properties to
/// match, and the number given as `sequence_param`, if any (`None` for the
/// APIs whose spec says the parameter is no longer supported: it is ignored).
#[derive(Debug)]
pub(crate) struct Query {
    pub(crate) properties: Properties,
    pub(crate) sequence: Option<i64>,
}

/// Reads a raw query string. At least one property is required; a property
/// named twice is refused (the devinfo spec says so; the others' specs are
/// silent, and one value per key is the only reading an AND allows);
/// `sequence_param` must be a number. Other parameters starting with `_` are
/// not properties (no property key may start with `_`) and are ignored.
pub(crate) fn query(
    raw: Option<&str>,
    sequence_param: Option<&str>,
    shape: Shape,
) -> Result<Query, DevOpsError> {
    let refuse = |message: String| DevOpsError::bad_request(shape, message);
    let mut properties = Properties::new();
    let mut sequence = None;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if Some(key.as_ref()) == sequence_param {
            sequence = Some(
                value
                    .parse::<i64>()
                    .map_err(|_| refuse(format!("{key}: must be a number.")))?,
            );
        } else if key.starts_with('_') || key.is_empty() {
            continue;
        } else if properties.contains_key(key.as_ref()) {
            return Err(refuse(format!(
                "The property '{key}' is given more than once: delete by each of its values in \
                 its own request."
            )));
        } else {
            properties.insert(key.into_owned(), value.into_owned());
        }
    }
    if properties.is_empty() {
        return Err(refuse(String::from(
            "At least one property must be given as a query parameter.",
        )));
    }
    Ok(Query {
        properties,
        sequence,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn submitted_properties_follow_the_spec() {
        let ok = json!({ "properties": { "accountId": "a-1", "repo": "r" } });
        let props = submitted(ok.as_object().expect("object"), Shape::List).expect("valid");
        assert_eq!(props.len(), 2);
        for bad in [
            json!({ "properties": { "a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6" } }),
            json!({ "properties": { "_a": "1" } }),
            json!({ "properties": { "a:b": "1" } }),
            json!({ "properties": { "a": 1 } }),
            json!({ "properties": { "a": "x".repeat(256) } }),
            json!({ "properties": [] }),
        ] {
            let err = submitted(bad.as_object().expect("object"), Shape::List).expect_err("bad");
            assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST, "{bad}");
        }
        let colon = json!({ "properties": { "a:b": "x".repeat(300) } });
        assert!(submitted(colon.as_object().expect("object"), Shape::Wrapped).is_ok());
    }

    #[test]
    fn a_query_needs_one_property_each_once() {
        let q = query(
            Some("accountId=a%201&_updateSequenceId=5&_x=1"),
            Some("_updateSequenceId"),
            Shape::Wrapped,
        )
        .expect("valid");
        assert_eq!(
            q.properties.get("accountId").map(String::as_str),
            Some("a 1")
        );
        assert_eq!(q.sequence, Some(5));
        assert!(query(None, Some("_u"), Shape::List).is_err());
        assert!(query(Some("_u=1"), Some("_u"), Shape::List).is_err());
        assert!(query(Some("a=1&a=2"), Some("_u"), Shape::List).is_err());
        assert!(query(Some("a=1&_u=x"), Some("_u"), Shape::List).is_err());
        let mut have = Properties::new();
        have.insert("a".into(), "1".into());
        have.insert("b".into(), "2".into());
        let q = query(Some("a=1&b=2"), Some("_u"), Shape::List).expect("valid");
        assert!(matches(&have, &q.properties));
        let q = query(Some("a=1&b=3"), Some("_u"), Shape::List).expect("valid");
        assert!(!matches(&have, &q.properties));
    }
}
