//! Forge's manifest variables
//! (<https://developer.atlassian.com/platform/forge/manifest-reference/variables/>):
//! `environment.variables` declares names, and `${NAME}` in a field's value is
//! replaced, wholly or in part, before the manifest is read.
//!
//! ```yaml
//! environment:
//!   variables:
//!     - APP_ID                      # a value is required
//!     - key: LABEL
//!       default: "hello"            # used when none is given
//! app:
//!   id: ${APP_ID}
//! ```
//!
//! Forge's CLI takes the values from its whole process environment. Kiln
//! does not: the names are the manifest's, so a manifest declaring
//! `JIRA_API_TOKEN` and writing `https://${JIRA_API_TOKEN}.example.com` as a
//! backend would carry the operator's credential to a host of the app's
//! choosing. A value comes from `KILN_MANIFEST_VAR_<NAME>` (set on purpose,
//! for manifests), else the declared default; a declared name with neither
//! is refused, as is `${NAME}` for an undeclared name. Only values are
//! replaced (never keys), the result is checked like any written manifest,
//! and replacement is one pass: a value holding `${…}` is not read again.

use serde_json::Value;

use super::field_path::FieldPath;
use super::rules::Violation;

/// Where a value for `NAME` is taken from: `KILN_MANIFEST_VAR_NAME`.
pub const VALUE_PREFIX: &str = "KILN_MANIFEST_VAR_";

/// Most variables a manifest may declare. Threat: a manifest that makes every
/// string a search through thousands of names.
pub const MAX_VARIABLES: usize = 50;

/// Longest value substituted, in bytes; the manifest's own bound applies to
/// the result as to any value.
const MAX_VALUE_BYTES: usize = 4096;

/// Takes `environment` out of `manifest` and replaces `${NAME}` in every
/// string value with the variable's value from `lookup` (given
/// `KILN_MANIFEST_VAR_NAME`) or its default.
pub(crate) fn substitute(
    manifest: &mut Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Violation> {
    let Some(environment) = manifest
        .as_object_mut()
        .and_then(|object| object.remove("environment"))
    else {
        // None declared: a `${NAME}` is refused all the same (nothing is
        // read from the process), by the same walk with no values.
        return replace(manifest, &FieldPath::root(), &[]);
    };
    let root = FieldPath::root().key("environment");
    let variables = declared(&environment, &root)?;
    let mut values = Vec::with_capacity(variables.len());
    for (index, (name, default)) in variables.into_iter().enumerate() {
        let at = root.key("variables").index(index);
        let value = lookup(&format!("{VALUE_PREFIX}{name}")).or(default);
        let Some(value) = value else {
            return Err(Violation {
                path: at,
                message: format!(
                    "manifest variable {name} has no value: set {VALUE_PREFIX}{name} in the \
                     environment (Kiln reads no other variable into a manifest) or give it a \
                     `default`"
                ),
            });
        };
        if value.len() > MAX_VALUE_BYTES {
            return Err(Violation {
                path: at,
                message: format!(
                    "manifest variable {name}'s value is longer than {MAX_VALUE_BYTES} bytes"
                ),
            });
        }
        values.push((name, value));
    }
    replace(manifest, &FieldPath::root(), &values)
}

/// `environment.variables` as (name, default) pairs.
fn declared(
    environment: &Value,
    root: &FieldPath,
) -> Result<Vec<(String, Option<String>)>, Violation> {
    let invalid = |path: FieldPath, message: &str| Violation {
        path,
        message: message.to_owned(),
    };
    let Some(environment) = environment.as_object() else {
        return Err(invalid(
            root.clone(),
            "`environment` is a mapping with `variables`",
        ));
    };
    if let Some(other) = environment.keys().find(|key| *key != "variables") {
        return Err(invalid(
            root.key(other),
            "`environment` has only `variables` (Forge's manifest variables)",
        ));
    }
    let list = root.key("variables");
    let Some(variables) = environment.get("variables").and_then(Value::as_array) else {
        return Err(invalid(
            list,
            "`environment.variables` is a list of names, or of `{ key, default }`",
        ));
    };
    if variables.len() > MAX_VARIABLES {
        return Err(invalid(
            list,
            &format!("at most {MAX_VARIABLES} manifest variables are allowed"),
        ));
    }
    let mut out: Vec<(String, Option<String>)> = Vec::with_capacity(variables.len());
    for (index, variable) in variables.iter().enumerate() {
        let at = list.index(index);
        let (name, default) = match variable {
            Value::String(name) => (name.as_str(), None),
            Value::Object(entry) => {
                if let Some(other) = entry.keys().find(|key| *key != "key" && *key != "default") {
                    return Err(invalid(
                        at.key(other),
                        "a manifest variable has a `key` and an optional `default`",
                    ));
                }
                let default = match entry.get("default") {
                    None => None,
                    Some(Value::String(text)) => Some(text.clone()),
                    Some(_) => {
                        return Err(invalid(
                            at.key("default"),
                            "a manifest variable's `default` is a string",
                        ));
                    }
                };
                match entry.get("key").and_then(Value::as_str) {
                    Some(name) => (name, default),
                    None => {
                        return Err(invalid(at, "a manifest variable needs a `key`, a string"));
                    }
                }
            }
            _ => {
                return Err(invalid(
                    at,
                    "a manifest variable is a name, or `{ key, default }`",
                ));
            }
        };
        if !is_name(name) {
            return Err(invalid(
                at,
                "a manifest variable's name is letters, digits and `_`, not starting with a \
                 digit, at most 64 characters",
            ));
        }
        if out.iter().any(|(seen, _)| seen == name) {
            return Err(invalid(
                at,
                &format!("manifest variable {name} is declared twice"),
            ));
        }
        out.push((name.to_owned(), default));
    }
    Ok(out)
}

/// An environment variable's name: `[A-Za-z_][A-Za-z0-9_]{0,63}`.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64
}

/// Replaces `${NAME}` in every string value under `value`.
fn replace(
    value: &mut Value,
    path: &FieldPath,
    values: &[(String, String)],
) -> Result<(), Violation> {
    match value {
        Value::String(text) => {
            if let Some(replaced) = replaced(text, path, values)? {
                *text = replaced;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .try_for_each(|(index, item)| replace(item, &path.index(index), values)),
        Value::Object(entries) => entries
            .iter_mut()
            .try_for_each(|(key, item)| replace(item, &path.key(key), values)),
        _ => Ok(()),
    }
}

/// `text` with every `${NAME}` replaced, or `None` when it holds none.
fn replaced(
    text: &str,
    path: &FieldPath,
    values: &[(String, String)],
) -> Result<Option<String>, Violation> {
    if !text.contains("${") {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // No closing brace: not a variable, kept as written.
            out.push_str(&rest[start..]);
            return Ok(Some(out));
        };
        let name = &after[..end];
        match values.iter().find(|(declared, _)| declared == name) {
            Some((_, value)) => out.push_str(value),
            None if is_name(name) => {
                return Err(Violation {
                    path: path.clone(),
                    message: format!(
                        "${{{name}}} names a manifest variable `environment.variables` does not \
                         declare"
                    ),
                });
            }
            // `${` followed by something that is no name: written text.
            None => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with(lookup: &[(&str, &str)], mut manifest: Value) -> Result<Value, String> {
        let given: Vec<(String, String)> = lookup
            .iter()
            .map(|(name, value)| (format!("{VALUE_PREFIX}{name}"), (*value).to_owned()))
            .collect();
        let lookup = move |name: &str| {
            given
                .iter()
                .find(|(given, _)| given == name)
                .map(|(_, value)| value.clone())
        };
        substitute(&mut manifest, &lookup)
            .map(|()| manifest)
            .map_err(|violation| format!("{}: {}", violation.path, violation.message))
    }

    #[test]
    fn values_come_from_the_prefixed_variable_else_the_default() {
        let manifest = json!({
            "environment": { "variables": ["APP_ID", { "key": "HOST", "default": "api.example.com" }] },
            "app": { "id": "${APP_ID}", "description": "on ${HOST} and ${HOST}, costs $5, ${not a name}" },
            "permissions": { "external": { "fetch": { "backend": ["https://${HOST}/v1"] } } },
        });
        let out = with(&[("APP_ID", "my-app")], manifest.clone()).unwrap();
        assert_eq!(
            out,
            json!({
                "app": { "id": "my-app", "description": "on api.example.com and api.example.com, costs $5, ${not a name}" },
                "permissions": { "external": { "fetch": { "backend": ["https://api.example.com/v1"] } } },
            })
        );
        // The prefixed variable wins over the default.
        let out = with(&[("APP_ID", "a"), ("HOST", "other.example.com")], manifest).unwrap();
        assert_eq!(
            out["permissions"]["external"]["fetch"]["backend"][0],
            "https://other.example.com/v1"
        );
    }

    #[test]
    fn a_value_holding_a_reference_is_not_read_again() {
        let manifest = json!({
            "environment": { "variables": ["A", "B"] },
            "app": { "id": "${A}" },
        });
        let out = with(&[("A", "${B}"), ("B", "x")], manifest).unwrap();
        assert_eq!(out["app"]["id"], "${B}");
    }

    #[test]
    fn names_without_values_undeclared_references_and_bad_declarations_are_refused() {
        let err = |lookup: &[(&str, &str)], manifest: Value| with(lookup, manifest).unwrap_err();
        assert!(
            err(
                &[],
                json!({ "environment": { "variables": ["APP_ID"] }, "app": { "id": "${APP_ID}" } })
            )
            .contains("set KILN_MANIFEST_VAR_APP_ID"),
        );
        assert!(
            err(
                &[],
                json!({ "environment": { "variables": [] }, "app": { "id": "${HOME}" } })
            )
            .starts_with("app.id: ${HOME} names a manifest variable"),
        );
        // Without `environment` too: nothing is read from the process.
        assert!(err(&[], json!({ "app": { "id": "${HOME}" } })).contains("does not declare"));
        for bad in [
            json!({ "environment": [] }),
            json!({ "environment": { "variables": ["1X"] } }),
            json!({ "environment": { "variables": ["X", "X"] } }),
            json!({ "environment": { "variables": [{ "key": "X", "default": 1 }] } }),
            json!({ "environment": { "variables": [{ "name": "X" }] } }),
            json!({ "environment": { "variables": ["X"], "other": 1 } }),
        ] {
            assert!(with(&[("X", "x")], bad.clone()).is_err(), "{bad}");
        }
        let many: Vec<String> = (0..=MAX_VARIABLES).map(|i| format!("V{i}")).collect();
        assert!(with(&[], json!({ "environment": { "variables": many } })).is_err());
        let long = "x".repeat(MAX_VALUE_BYTES + 1);
        assert!(
            with(
                &[("X", long.as_str())],
                json!({ "environment": { "variables": ["X"] } })
            )
            .unwrap_err()
            .contains("longer than")
        );
    }

    #[test]
    fn keys_are_never_replaced() {
        let manifest = json!({
            "environment": { "variables": [{ "key": "K", "default": "v" }] },
            "modules": { "${K}": ["${K}"] },
        });
        assert_eq!(
            with(&[], manifest).unwrap(),
            json!({ "modules": { "${K}": ["v"] } })
        );
    }
}
