//! Checking one submitted entity against its spec schema.
//!
//! The DevOps APIs validate each entity of a submission on its own and report
//! the invalid ones in the 202 answer (`rejectedBuilds`, `failedFeatureFlags`,
//! ...), so validation cannot be a deserialisation that fails the request:
//! it is a walk over the JSON that collects what is wrong with it. Each API
//! declares its entity as a table of [`Field`]s, transcribed from the spec's
//! schema (types, required properties, `maxLength`, `minItems`/`maxItems`,
//! enums, patterns); this module walks a value against such a table.
//!
//! `null` counts as absent, as Jira's JSON reader treats it. The walk visits
//! each value of the body once and keeps at most [`MAX_PROBLEMS`] messages, so
//! its work and answer are bounded by the (bounded) body.

use serde_json::{Map, Value};

/// Messages kept per entity: enough to fix a client, not a flood.
pub(crate) const MAX_PROBLEMS: usize = 10;

/// One property of an object schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) required: bool,
}

/// A required property.
pub(crate) const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

/// An optional property.
pub(crate) const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

/// What a value must be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// A string of at most `max` characters (`None`: no limit in the spec).
    Text(Option<usize>),
    /// An absolute URL (`format: uri`/`url`) of at most `max` characters.
    Url(usize),
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// An integer in `[min, max]` (`int64` unless the spec says `int32`).
    Int {
        min: i64,
        max: i64,
    },
    /// A number in `[min, max]`.
    Number {
        min: f64,
        max: f64,
    },
    Bool,
    /// An RFC 3339 date-time (`format: date-time`).
    DateTime,
    /// A string the predicate accepts (a `pattern`), described for the message.
    Pattern(fn(&str) -> bool, &'static str),
    /// An array of `min` to `max` items of one kind.
    List {
        item: &'static Kind,
        min: usize,
        max: Option<usize>,
    },
    /// An object with these properties (others are allowed and ignored).
    Object(&'static [Field]),
    /// An object of strings (`additionalProperties: string`).
    TextMap,
    /// An object whose `associationType` picks what its `values` must be.
    Association(&'static [Variant]),
}

/// One `associationType` and the kind of each of its `values`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Variant {
    pub(crate) types: &'static [&'static str],
    pub(crate) value: &'static Kind,
}

/// The spec's `int64`.
pub(crate) const INT64: Kind = Kind::Int {
    min: i64::MIN,
    max: i64::MAX,
};

/// The spec's `int32` with `minimum: 0`.
pub(crate) const COUNT: Kind = Kind::Int {
    min: 0,
    max: i32::MAX as i64,
};

/// Most of the spec's strings: `maxLength: 255`.
pub(crate) const TEXT255: Kind = Kind::Text(Some(255));

/// The spec's URLs: `maxLength: 2000`.
pub(crate) const URL: Kind = Kind::Url(2000);

/// The issue key builds, deployments, feature flags and remote links take:
/// `^\w{1,255}-\d{1,255}$` (`\w` being ASCII letters, digits and `_`, as in
/// Java's regular expressions).
pub(crate) fn is_issue_key(text: &str) -> bool {
    let Some((project, number)) = text.rsplit_once('-') else {
        return false;
    };
    (1..=255).contains(&project.len())
        && project
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && (1..=255).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// An issue key or an issue id: `(\w{1,255}-\d{1,255}|\d{1,255})`.
pub(crate) fn is_issue_id_or_key(text: &str) -> bool {
    is_issue_key(text)
        || ((1..=255).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
}

pub(crate) const ISSUE_KEY: Kind = Kind::Pattern(is_issue_key, "an issue key such as ABC-123");

/// A list of `max` issue keys at most, at least one.
pub(crate) const fn issue_keys(max: usize) -> Kind {
    Kind::List {
        item: &ISSUE_KEY,
        min: 1,
        max: Some(max),
    }
}

/// What is wrong with one entity, at most [`MAX_PROBLEMS`] messages.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<String>);

impl Problems {
    pub(crate) fn push(&mut self, message: String) {
        if self.0.len() < MAX_PROBLEMS {
            self.0.push(message);
        }
    }

    fn full(&self) -> bool {
        self.0.len() >= MAX_PROBLEMS
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_messages(self) -> Vec<String> {
        self.0
    }
}

/// Checks `object` against `fields`, adding what is wrong to `problems`.
pub(crate) fn check(object: &Map<String, Value>, fields: &[Field], problems: &mut Problems) {
    check_fields("", object, fields, problems);
}

/// The declared, non-null properties of `object`: what is stored of an
/// entity (properties the spec does not declare are not kept).
pub(crate) fn declared(object: &Map<String, Value>, fields: &[Field]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|f| {
            object
                .get(f.name)
                .filter(|v| !v.is_null())
                .map(|v| (f.name.to_owned(), v.clone()))
        })
        .collect()
}

fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn check_fields(
    path: &str,
    object: &Map<String, Value>,
    fields: &[Field],
    problems: &mut Problems,
) {
    for field in fields {
        if problems.full() {
            return;
        }
        let at = child(path, field.name);
        match object.get(field.name) {
            None | Some(Value::Null) => {
                if field.required {
                    problems.push(format!("{at}: is required."));
                }
            }
            Some(value) => check_value(&at, value, &field.kind, problems),
        }
    }
}

fn check_value(at: &str, value: &Value, kind: &Kind, problems: &mut Problems) {
    match kind {
        Kind::Text(max) => match value.as_str() {
            None => problems.push(format!("{at}: must be a string.")),
            Some(text) => {
                if let Some(max) = max
                    && text.chars().count() > *max
                {
                    problems.push(format!("{at}: must be at most {max} characters."));
                }
            }
        },
        Kind::Url(max) => match value.as_str() {
            None => problems.push(format!("{at}: must be a URL.")),
            Some(text) if text.chars().count() > *max => {
                problems.push(format!("{at}: must be at most {max} characters."));
            }
            Some(text) => {
                if url::Url::parse(text).is_err() {
                    problems.push(format!("{at}: must be an absolute URL."));
                }
            }
        },
        Kind::Enum(allowed) => {
            if !value.as_str().is_some_and(|v| allowed.contains(&v)) {
                problems.push(format!("{at}: must be one of {}.", allowed.join(", ")));
            }
        }
        Kind::Int { min, max } => {
            if !value.as_i64().is_some_and(|n| (*min..=*max).contains(&n)) {
                problems.push(format!("{at}: must be an integer from {min} to {max}."));
            }
        }
        Kind::Number { min, max } => {
            if !value.as_f64().is_some_and(|n| (*min..=*max).contains(&n)) {
                problems.push(format!("{at}: must be a number from {min} to {max}."));
            }
        }
        Kind::Bool => {
            if !value.is_boolean() {
                problems.push(format!("{at}: must be true or false."));
            }
        }
        Kind::DateTime => {
            if value
                .as_str()
                .and_then(crate::clock::parse_rfc3339)
                .is_none()
            {
                problems.push(format!(
                    "{at}: must be an RFC 3339 date-time such as 2018-01-20T23:27:25.000Z."
                ));
            }
        }
        Kind::Pattern(accepts, what) => {
            if !value.as_str().is_some_and(accepts) {
                problems.push(format!("{at}: must be {what}."));
            }
        }
        Kind::List { item, min, max } => match value.as_array() {
            None => problems.push(format!("{at}: must be a list.")),
            Some(items) => {
                if items.len() < *min {
                    problems.push(format!("{at}: must have at least {min} item(s)."));
                }
                if let Some(max) = max
                    && items.len() > *max
                {
                    // Its items are not checked: the list is refused anyway,
                    // and it may be long.
                    problems.push(format!("{at}: must have at most {max} items."));
                    return;
                }
                for (index, value) in items.iter().enumerate() {
                    if problems.full() {
                        return;
                    }
                    check_value(&format!("{at}[{index}]"), value, item, problems);
                }
            }
        },
        Kind::Object(fields) => match value.as_object() {
            None => problems.push(format!("{at}: must be an object.")),
            Some(object) => check_fields(at, object, fields, problems),
        },
        Kind::TextMap => match value.as_object() {
            None => problems.push(format!("{at}: must be an object of strings.")),
            Some(object) => {
                if let Some((key, _)) = object.iter().find(|(_, v)| !v.is_string()) {
                    problems.push(format!("{}: must be a string.", child(at, key)));
                }
            }
        },
        Kind::Association(variants) => check_association(at, value, variants, problems),
    }
}

fn check_association(at: &str, value: &Value, variants: &[Variant], problems: &mut Problems) {
    let Some(object) = value.as_object() else {
        problems.push(format!("{at}: must be an object."));
        return;
    };
    let kind = object.get("associationType").and_then(Value::as_str);
    let Some(variant) = variants
        .iter()
        .find(|v| kind.is_some_and(|k| v.types.contains(&k)))
    else {
        let types: Vec<&str> = variants
            .iter()
            .flat_map(|v| v.types.iter().copied())
            .collect();
        problems.push(format!(
            "{at}.associationType: must be one of {}.",
            types.join(", ")
        ));
        return;
    };
    let values = Kind::List {
        item: variant.value,
        min: 1,
        max: Some(MAX_ASSOCIATION_VALUES),
    };
    match object.get("values") {
        None | Some(Value::Null) => problems.push(format!("{at}.values: is required.")),
        Some(list) => check_value(&format!("{at}.values"), list, &values, problems),
    }
}

/// The spec's limit on an association's values, and on the values of all of
/// an entity's associations together.
pub(crate) const MAX_ASSOCIATION_VALUES: usize = 500;

/// An entity's associations whose `associationType` is one of `types`: their
/// values, as strings (others are skipped; the entity was checked first).
pub(crate) fn association_values<'a>(
    entity: &'a Map<String, Value>,
    types: &'a [&'a str],
) -> impl Iterator<Item = &'a str> + 'a {
    entity
        .get("associations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(move |a| {
            a.get("associationType")
                .and_then(Value::as_str)
                .is_some_and(|t| types.contains(&t))
        })
        .filter_map(|a| a.get("values").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
}

/// Checks the spec's limit on the values of all associations together.
pub(crate) fn check_association_total(entity: &Map<String, Value>, problems: &mut Problems) {
    let total: usize = entity
        .get("associations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("values").and_then(Value::as_array))
        .map(Vec::len)
        .sum();
    if total > MAX_ASSOCIATION_VALUES {
        problems.push(format!(
            "associations: must have at most {MAX_ASSOCIATION_VALUES} values in all."
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const THING: &[Field] = &[
        req("id", TEXT255),
        opt("url", URL),
        req("n", INT64),
        opt("keys", issue_keys(2)),
        opt(
            "inner",
            Kind::Object(&[
                req("state", Kind::Enum(&["a", "b"])),
                opt("at", Kind::DateTime),
            ]),
        ),
    ];

    fn problems(value: Value) -> Vec<String> {
        let mut found = Problems::default();
        check(value.as_object().expect("object"), THING, &mut found);
        found.into_messages()
    }

    #[test]
    fn each_rule_of_the_schema_is_checked() {
        assert!(problems(json!({ "id": "x", "n": 1, "keys": ["A-1"] })).is_empty());
        assert_eq!(
            problems(json!({ "id": null, "n": 1.5, "url": "not a url" })),
            [
                "id: is required.",
                "url: must be an absolute URL.",
                "n: must be an integer from -9223372036854775808 to 9223372036854775807."
            ]
        );
        assert_eq!(
            problems(json!({
                "id": "x".repeat(256), "n": 1, "keys": ["a-1", "b 2"],
                "inner": { "state": "c", "at": "yesterday" }
            })),
            [
                "id: must be at most 255 characters.",
                "keys[1]: must be an issue key such as ABC-123.",
                "inner.state: must be one of a, b.",
                "inner.at: must be an RFC 3339 date-time such as 2018-01-20T23:27:25.000Z."
            ]
        );
        let long = problems(json!({ "id": "x", "n": 1, "keys": vec!["!"; 10_000] }));
        assert_eq!(long, ["keys: must have at most 2 items."]);
    }

    #[test]
    fn issue_keys_follow_the_spec_pattern() {
        for good in ["A-1", "KILN_2-10", "kiln-3", "UTF-8"] {
            assert!(is_issue_key(good), "{good}");
        }
        for bad in ["A1", "-1", "A-", "A-1x", "A B-1", "É-1"] {
            assert!(!is_issue_key(bad), "{bad}");
        }
        assert!(is_issue_id_or_key("10001"));
        assert!(!is_issue_id_or_key(""));
    }
}
