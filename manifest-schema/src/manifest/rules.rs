//! The checks serde cannot express: identifier syntax, bounds, uniqueness.
//!
//! They mirror the JSON Schema (a test keeps the two in step), but give messages
//! written for people, and also cover what the schema cannot say (unique keys).

use std::collections::HashMap;

use super::Manifest;
use super::field_path::FieldPath;

/// The first rule a manifest breaks, in document order.
#[derive(Debug)]
pub(crate) struct Violation {
    pub path: FieldPath,
    pub message: String,
}

/// Longest app id / display name; threat: unbounded strings copied into every
/// audit line and error.
const MAX_ID_LEN: usize = 128;
const MAX_NAME_CHARS: usize = 128;
const MAX_KEY_LEN: usize = 64;
const MAX_HANDLER_LEN: usize = 64;
/// Threat: a manifest that makes the host index thousands of exports.
pub(crate) const MAX_FUNCTIONS: usize = 100;

pub(crate) fn check(manifest: &Manifest) -> Result<(), Violation> {
    let root = FieldPath::root();
    let app = root.key("app");

    if !is_app_id(&manifest.app.id) {
        return Err(violation(
            app.key("id"),
            format!(
                "invalid app id {:?}: use 1-{MAX_ID_LEN} of a-z 0-9 . _ : / -, starting with a letter or digit \
                 (or a Forge ARI, ari:cloud:ecosystem::app/<uuid>)",
                manifest.app.id
            ),
        ));
    }
    if let Some(name) = &manifest.app.name {
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(violation(
                app.key("name"),
                format!(
                    "the name must be 1-{MAX_NAME_CHARS} characters without control characters"
                ),
            ));
        }
    }
    let runtime = app.key("runtime");
    for (field, value, min, max) in manifest.app.runtime.bounded() {
        if value < min || value > max {
            return Err(violation(
                runtime.key(field),
                format!("{value} is out of range ({min}..={max})"),
            ));
        }
    }

    let functions = root.key("modules").key("function");
    if manifest.modules.function.is_empty() {
        return Err(violation(
            functions,
            "declare at least one function".to_owned(),
        ));
    }
    if manifest.modules.function.len() > MAX_FUNCTIONS {
        return Err(violation(
            functions,
            format!("at most {MAX_FUNCTIONS} functions are allowed"),
        ));
    }
    let mut seen_keys = HashMap::new();
    for (index, function) in manifest.modules.function.iter().enumerate() {
        let item = functions.index(index);
        if !is_function_key(&function.key) {
            return Err(violation(
                item.key("key"),
                format!(
                    "invalid function key {:?}: use 1-{MAX_KEY_LEN} of a-z 0-9 - _, starting with a letter or digit",
                    function.key
                ),
            ));
        }
        if let Some(first) = seen_keys.insert(function.key.as_str(), index) {
            return Err(violation(
                item.key("key"),
                format!(
                    "duplicate function key {:?} (first used by modules.function[{first}])",
                    function.key
                ),
            ));
        }
        if !is_handler(&function.handler) {
            return Err(violation(
                item.key("handler"),
                format!(
                    "invalid handler {:?}: use 1-{MAX_HANDLER_LEN} of a-z 0-9 _, not starting with a digit",
                    function.handler
                ),
            ));
        }
    }

    let scopes = root.key("permissions").key("scopes");
    let mut seen_scopes = HashMap::new();
    for (index, scope) in manifest.permissions.scopes.iter().enumerate() {
        if let Some(first) = seen_scopes.insert(*scope, index) {
            return Err(violation(
                scopes.index(index),
                format!(
                    "duplicate scope {:?} (already permissions.scopes[{first}])",
                    scope.as_str()
                ),
            ));
        }
    }
    Ok(())
}

fn violation(path: FieldPath, message: String) -> Violation {
    Violation { path, message }
}

/// `[a-z0-9][a-z0-9._:/-]{0,127}`; Forge ARIs (`ari:cloud:ecosystem::app/<uuid>`)
/// fit the same alphabet.
fn is_app_id(id: &str) -> bool {
    starts_lower_alnum(id)
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._:/-".contains(&b))
}

/// `[a-z0-9][a-z0-9-_]{0,63}`.
fn is_function_key(key: &str) -> bool {
    starts_lower_alnum(key)
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `[a-z_][a-z0-9_]{0,63}`.
fn is_handler(handler: &str) -> bool {
    handler
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && handler.len() <= MAX_HANDLER_LEN
        && handler
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn starts_lower_alnum(text: &str) -> bool {
    text.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_syntax() {
        assert!(is_app_id("hello-jira"));
        assert!(is_app_id(
            "ari:cloud:ecosystem::app/0f6a1d2e-9b3c-4d5e-8f70-123456789abc"
        ));
        assert!(is_app_id(&"a".repeat(128)));
        assert!(!is_app_id(&"a".repeat(129)));
        assert!(!is_app_id("-x") && !is_app_id("") && !is_app_id("Hello") && !is_app_id("a b"));

        assert!(is_function_key("main") && is_function_key("0-a_b"));
        assert!(
            !is_function_key("_main")
                && !is_function_key("Main")
                && !is_function_key(&"k".repeat(65))
        );

        assert!(is_handler("summary") && is_handler("_private2"));
        assert!(
            !is_handler("2fast")
                && !is_handler("has-dash")
                && !is_handler("")
                && !is_handler(&"h".repeat(65))
        );
    }
}
