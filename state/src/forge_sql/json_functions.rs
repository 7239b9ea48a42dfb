//! MySQL's JSON functions that SQLite's JSON1 lacks or names otherwise: `JSON_LENGTH`,
//! `JSON_UNQUOTE`, `JSON_CONTAINS`, `JSON_KEYS`, `JSON_SEARCH`, `JSON_ARRAY_APPEND` and
//! `MEMBER OF` (`JSON_MERGE_PATCH` is SQLite's `json_patch`, renamed in
//! [`super::expressions`]).
//!
//! Values are read with serde_json (text that is not JSON gives NULL here, where MySQL raises
//! an error); paths take the `$`, `.key` and `[n]` steps apps write.

use rusqlite::Connection;
use rusqlite::functions::Context;
use rusqlite::types::ValueRef;
use serde_json::Value as Json;

fn document(context: &Context<'_>, index: usize) -> Option<Json> {
    match context.get_raw(index) {
        ValueRef::Text(text) => serde_json::from_slice(text).ok(),
        ValueRef::Integer(value) => Some(Json::from(value)),
        ValueRef::Real(value) => serde_json::Number::from_f64(value).map(Json::Number),
        _ => None,
    }
}

use super::arguments::text;

/// One step of a MySQL JSON path: `.key`, `."a key"` or `[n]`.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The steps of a path `$…`; `None` when it is not of that form.
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut rest = path.trim().strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let (key, next) = if let Some(quoted) = after.strip_prefix('"') {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            } else {
                let end = after.find(['.', '[']).unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            out.push(Step::Key(key));
            rest = next;
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            out.push(Step::Index(after[..end].trim().parse().ok()?));
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

/// The value at a MySQL JSON path (`$.a.b[0]`, `$."a key"`); `None` when absent or when the
/// path is not of that form.
fn at<'a>(mut value: &'a Json, path: &str) -> Option<&'a Json> {
    for step in steps(path)? {
        value = match step {
            Step::Key(key) => value.get(key)?,
            Step::Index(index) => value.get(index)?,
        };
    }
    Some(value)
}

/// [`at`], for changing the value found.
fn at_mut<'a>(mut value: &'a mut Json, path: &str) -> Option<&'a mut Json> {
    for step in steps(path)? {
        value = match step {
            Step::Key(key) => value.get_mut(key)?,
            Step::Index(index) => value.get_mut(index)?,
        };
    }
    Some(value)
}

/// The paths of the strings equal to `wanted` under `value`, in document order.
fn search(value: &Json, path: String, wanted: &str, all: bool, found: &mut Vec<String>) {
    if !all && !found.is_empty() {
        return;
    }
    match value {
        Json::String(text) if text == wanted => found.push(path),
        Json::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                search(item, format!("{path}[{index}]"), wanted, all, found);
            }
        }
        Json::Object(fields) => {
            for (key, item) in fields {
                let step = if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    format!("{path}.{key}")
                } else {
                    format!("{path}.{}", Json::String(key.clone()))
                };
                search(item, step, wanted, all, found);
            }
        }
        _ => {}
    }
}

/// MySQL's containment: a scalar contains what equals it; an array contains a candidate
/// array whose every element it contains, or a candidate scalar it holds; an object contains
/// a candidate object whose every key it has with a contained value.
fn contains(target: &Json, candidate: &Json) -> bool {
    match (target, candidate) {
        (Json::Array(items), Json::Array(wanted)) => wanted
            .iter()
            .all(|want| items.iter().any(|item| contains(item, want))),
        (Json::Array(items), scalar) => items.iter().any(|item| contains(item, scalar)),
        (Json::Object(fields), Json::Object(wanted)) => wanted
            .iter()
            .all(|(key, want)| fields.get(key).is_some_and(|field| contains(field, want))),
        (Json::Number(a), Json::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// Registers the JSON functions on `connection`.
pub fn register_json_functions(connection: &Connection) -> rusqlite::Result<()> {
    let flags = super::functions::PURE;
    for arity in [1, 2] {
        connection.create_scalar_function("json_length", arity, flags, move |context| {
            Ok((|| {
                let whole = document(context, 0)?;
                let value = if arity == 2 {
                    at(&whole, text(context, 1)?)?.clone()
                } else {
                    whole
                };
                Some(match value {
                    Json::Array(items) => items.len() as i64,
                    Json::Object(fields) => fields.len() as i64,
                    _ => 1,
                })
            })())
        })?;
        connection.create_scalar_function("json_keys", arity, flags, move |context| {
            Ok((|| {
                let whole = document(context, 0)?;
                let value = if arity == 2 {
                    at(&whole, text(context, 1)?)?
                } else {
                    &whole
                };
                let Json::Object(fields) = value else {
                    return None;
                };
                Some(Json::from(fields.keys().cloned().collect::<Vec<_>>()).to_string())
            })())
        })?;
    }
    for arity in [2, 3] {
        connection.create_scalar_function("json_contains", arity, flags, move |context| {
            Ok((|| {
                let whole = document(context, 0)?;
                let candidate = document(context, 1)?;
                let target = if arity == 3 {
                    at(&whole, text(context, 2)?)?
                } else {
                    &whole
                };
                Some(contains(target, &candidate))
            })())
        })?;
    }
    // `JSON_OVERLAPS(a, b)`: whether two arrays share an element, two objects a key and its
    // value, or two scalars are equal (a scalar and an array: whether the array holds it).
    connection.create_scalar_function("json_overlaps", 2, flags, |context| {
        Ok((|| {
            let (a, b) = (document(context, 0)?, document(context, 1)?);
            Some(match (&a, &b) {
                (Json::Array(left), Json::Array(right)) => left.iter().any(|x| right.contains(x)),
                (Json::Object(left), Json::Object(right)) => left
                    .iter()
                    .any(|(key, value)| right.get(key) == Some(value)),
                (Json::Array(list), scalar) | (scalar, Json::Array(list)) => list.contains(scalar),
                _ => a == b,
            })
        })())
    })?;
    // `JSON_VALID(x)`: whether x is JSON text (NULL for NULL).
    connection.create_scalar_function("json_valid", 1, flags, |context| {
        Ok(match context.get_raw(0) {
            ValueRef::Null => None,
            ValueRef::Text(text) => Some(serde_json::from_slice::<Json>(text).is_ok()),
            _ => Some(false),
        })
    })?;
    // `JSON_QUOTE(s)`: s as a JSON string.
    connection.create_scalar_function("json_quote", 1, flags, |context| {
        Ok(text(context, 0).map(|text| Json::String(text.to_owned()).to_string()))
    })?;
    // `v MEMBER OF (array)`, rewritten by `expressions`: `v` (a scalar, or JSON text) is an
    // element of the array.
    connection.create_scalar_function("kiln_member_of", 2, flags, |context| {
        Ok((|| {
            let wanted = match context.get_raw(0) {
                ValueRef::Text(text) => Json::String(String::from_utf8_lossy(text).into_owned()),
                _ => document(context, 0)?,
            };
            let Json::Array(items) = document(context, 1)? else {
                return Some(false);
            };
            Some(
                items
                    .iter()
                    .any(|item| contains(item, &wanted) && contains(&wanted, item)),
            )
        })())
    })?;
    // JSON_SEARCH(doc, 'one'|'all', text): the path (or paths) of strings equal to `text`.
    connection.create_scalar_function("json_search", 3, flags, |context| {
        Ok((|| {
            let whole = document(context, 0)?;
            let all = text(context, 1)?.eq_ignore_ascii_case("all");
            let wanted = text(context, 2)?;
            let mut found = Vec::new();
            search(&whole, "$".to_owned(), wanted, all, &mut found);
            match (found.len(), all) {
                (0, _) => None,
                (1, _) | (_, false) => Some(Json::String(found.swap_remove(0)).to_string()),
                _ => Some(Json::from(found).to_string()),
            }
        })())
    })?;
    // JSON_ARRAY_APPEND(doc, path, value): the value appended to the array at `path` (a
    // scalar there becomes an array of it and the value).
    connection.create_scalar_function("json_array_append", 3, flags, |context| {
        Ok((|| {
            let mut whole = document(context, 0)?;
            let value = match context.get_raw(2) {
                ValueRef::Text(text) => Json::String(String::from_utf8_lossy(text).into_owned()),
                ValueRef::Null => Json::Null,
                _ => document(context, 2)?,
            };
            let target = at_mut(&mut whole, text(context, 1)?)?;
            match target {
                Json::Array(items) => items.push(value),
                other => *other = Json::Array(vec![other.take(), value]),
            }
            Some(whole.to_string())
        })())
    })?;
    // A JSON string's text; anything else as it is.
    connection.create_scalar_function("json_unquote", 1, flags, |context| {
        Ok(match context.get_raw(0) {
            ValueRef::Text(text) => {
                let raw = String::from_utf8_lossy(text);
                match serde_json::from_str::<Json>(&raw) {
                    Ok(Json::String(inner)) if raw.trim_start().starts_with('"') => Some(inner),
                    _ => Some(raw.into_owned()),
                }
            }
            ValueRef::Integer(value) => Some(value.to_string()),
            ValueRef::Real(value) => Some(value.to_string()),
            _ => None,
        })
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_containment_follow_mysql() {
        let doc = json!({"a": {"b": [1, {"c": "x"}]}, "k y": 2});
        assert_eq!(at(&doc, "$.a.b[1].c"), Some(&json!("x")));
        assert_eq!(at(&doc, "$.\"k y\""), Some(&json!(2)));
        assert_eq!(at(&doc, "$.missing"), None);
        assert_eq!(at(&doc, "a.b"), None);
        assert!(contains(&json!([1, 2, 3]), &json!([3, 1])));
        assert!(contains(&json!([1, 2, 3]), &json!(2)));
        assert!(!contains(&json!([1, 2]), &json!([4])));
        assert!(contains(&json!({"a": 1, "b": [1, 2]}), &json!({"b": [2]})));
        assert!(contains(&json!(1), &json!(1.0)));
    }
}
