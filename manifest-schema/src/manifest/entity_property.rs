//! `modules.jira:entityProperty[]`: an entity property the app asks Jira to
//! index, so that JQL can search it.
//!
//! ```yaml
//! modules:
//!   jira:entityProperty:
//!     - key: stats-index
//!       entityType: issue          # issue (Forge's default), user or project
//!       propertyKey: stats         # the entity property's key
//!       values:
//!         - path: comments.count   # a path into the property's JSON value
//!           type: number           # number, string, text, user or date
//!           searchAlias: commentCount   # optional: `commentCount > 3` in JQL
//! ```
//!
//! As Forge documents the module (its manifest reference, *Jira entity
//! property*): a module `key` (`^[a-zA-Z0-9_-]+$`), an optional `entityType`
//! (`issue`, `user`, `project`; `issue` by default), the `propertyKey`, and
//! `values`, each a `path` (the key of the flattened JSON object, `.` between
//! levels; a path reaching an array indexes each element, whose type `type`
//! names), a `type` and an optional `searchAlias` (no dots). All of an app's
//! `jira:entityProperty` modules together index at most 100 values.
//!
//! Jira indexes the property of every entity of the type and JQL searches an
//! issue property as `issue.property[stats].comments.count` or by its alias.
//! Kiln's embedded Jira simulator does the same for an issue property of an
//! app run or served on it (`kiln_sim::Simulator::register_entity_property_indexes`);
//! `user` and `project` indexes are kept and typed, and not searched: the
//! simulator's JQL is issue search, and its user and project searches take no
//! property clauses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::field_path::FieldPath;
use super::rules::{Violation, violation};

/// Most `jira:entityProperty` modules one app declares.
pub const MAX_ENTITY_PROPERTY_MODULES: usize = 100;

/// Most values all of an app's `jira:entityProperty` modules index together:
/// Forge's limit ("all your jira:entityProperty modules combined can't
/// declare more than 100 values").
pub const MAX_ENTITY_PROPERTY_VALUES: usize = 100;

/// Longest entity property key, as Jira allows for any entity property.
pub const MAX_ENTITY_PROPERTY_KEY_CHARS: usize = 255;

/// Longest path into a property's value (Kiln's bound: Jira names none).
pub const MAX_ENTITY_PROPERTY_PATH_CHARS: usize = 255;

/// Most levels a path descends (Kiln's bound: Jira names none).
pub const MAX_ENTITY_PROPERTY_PATH_SEGMENTS: usize = 16;

/// Longest `searchAlias` (Kiln's bound: Jira names none).
pub const MAX_SEARCH_ALIAS_CHARS: usize = 64;

/// `modules.jira:entityProperty[]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EntityPropertyModule {
    /// The module key, unique in the manifest.
    pub key: String,
    /// The kind of entity whose property is indexed.
    #[serde(default, skip_serializing_if = "EntityType::is_issue")]
    pub entity_type: EntityType,
    /// The key of the entity property the values are read from.
    pub property_key: String,
    /// What is indexed, and as what.
    pub values: Vec<IndexedValue>,
}

/// `entityType`: what the property is set on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityType {
    /// Forge's default: issue properties, searched by issue JQL.
    #[default]
    Issue,
    User,
    Project,
}

impl EntityType {
    fn is_issue(&self) -> bool {
        *self == EntityType::Issue
    }

    /// The name as the manifest writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::User => "user",
            Self::Project => "project",
        }
    }
}

/// `values[]`: one path of the property's value, indexed as one type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IndexedValue {
    /// `.`-separated keys from the top of the property's JSON object.
    pub path: String,
    /// How the value (or each element of an array there) is indexed.
    #[serde(rename = "type")]
    pub value_type: IndexedValueType,
    /// The name JQL may use in place of `issue.property[key].path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_alias: Option<String>,
}

/// `values[].type`: Forge's (and Connect's) index types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexedValueType {
    /// A number: equality and ranges (`=`, `>`, …), ordered by value.
    Number,
    /// Words: `~` and `!~` search them.
    Text,
    /// The exact value: `=`, `!=`, `IN`, `NOT IN`.
    String,
    /// An Atlassian account id: `=`, `!=`, `IN`, `NOT IN`, `currentUser()`.
    User,
    /// A date or date-time: equality and ranges, ordered by time.
    Date,
}

impl IndexedValueType {
    /// The name as the manifest writes it, and as Jira reports the
    /// extraction's type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Text => "text",
            Self::String => "string",
            Self::User => "user",
            Self::Date => "date",
        }
    }
}

/// Whether `key` is an entity property key JQL can name between the
/// brackets of `issue.property[…]`: 1-255 of letters, digits, `.`, `_`, `-`.
pub fn is_entity_property_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().count() <= MAX_ENTITY_PROPERTY_KEY_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Whether `path` is a path Kiln indexes: 1-16 non-empty segments joined by
/// `.`, each of letters, digits, `_`, `-`, at most 255 characters in all.
pub fn is_entity_property_path(path: &str) -> bool {
    path.len() <= MAX_ENTITY_PROPERTY_PATH_CHARS
        && path.split('.').count() <= MAX_ENTITY_PROPERTY_PATH_SEGMENTS
        && path.split('.').all(|segment| {
            !segment.is_empty()
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        })
}

/// Whether `alias` is a search alias: a letter, then letters, digits, `_`
/// or `-`, at most 64 in all (no dots, as Forge requires; one unquoted JQL
/// word).
pub fn is_search_alias(alias: &str) -> bool {
    alias.len() <= MAX_SEARCH_ALIAS_CHARS
        && alias
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

/// What serde cannot say of the modules: how many, how many values in all,
/// each module's values non-empty, the grammar of keys, paths and aliases,
/// a path indexed once per entity property, and aliases unique in the app
/// (without regard to case, as JQL reads field names). Module key grammar
/// and uniqueness are checked with every other module's (`rules.rs`).
pub(crate) fn check(modules: &[EntityPropertyModule], path: &FieldPath) -> Result<(), Violation> {
    if modules.len() > MAX_ENTITY_PROPERTY_MODULES {
        return Err(violation(
            path.clone(),
            format!(
                "at most {MAX_ENTITY_PROPERTY_MODULES} jira:entityProperty modules are allowed"
            ),
        ));
    }
    let total: usize = modules.iter().map(|m| m.values.len()).sum();
    if total > MAX_ENTITY_PROPERTY_VALUES {
        return Err(violation(
            path.clone(),
            format!(
                "the jira:entityProperty modules index {total} values; Forge allows at most \
                 {MAX_ENTITY_PROPERTY_VALUES} across all of them"
            ),
        ));
    }
    // Alias (lower case) → where it was first declared.
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    // (entity type, property key, path) → where it was first indexed.
    let mut paths: BTreeMap<(EntityType, &str, &str), String> = BTreeMap::new();
    for (index, module) in modules.iter().enumerate() {
        let item = path.index(index);
        if !is_entity_property_key(&module.property_key) {
            return Err(violation(
                item.key("propertyKey"),
                format!(
                    "invalid entity property key {:?}: use 1-{MAX_ENTITY_PROPERTY_KEY_CHARS} of \
                     A-Z a-z 0-9 . _ - (what JQL names in issue.property[…])",
                    module.property_key
                ),
            ));
        }
        if module.values.is_empty() {
            return Err(violation(
                item.key("values"),
                "declare at least one value to index".to_owned(),
            ));
        }
        for (at, value) in module.values.iter().enumerate() {
            let value_path = item.key("values").index(at);
            if !is_entity_property_path(&value.path) {
                return Err(violation(
                    value_path.key("path"),
                    format!(
                        "invalid path {:?}: use 1-{MAX_ENTITY_PROPERTY_PATH_SEGMENTS} keys of \
                         A-Z a-z 0-9 _ - joined by `.`, at most {MAX_ENTITY_PROPERTY_PATH_CHARS} \
                         characters",
                        value.path
                    ),
                ));
            }
            let place = value_path.to_string();
            if let Some(first) = paths.insert(
                (module.entity_type, &module.property_key, &value.path),
                place.clone(),
            ) {
                return Err(violation(
                    value_path.key("path"),
                    format!(
                        "{}.property[{}].{} is already indexed by {first}",
                        module.entity_type.as_str(),
                        module.property_key,
                        value.path
                    ),
                ));
            }
            let Some(alias) = &value.search_alias else {
                continue;
            };
            if !is_search_alias(alias) {
                return Err(violation(
                    value_path.key("searchAlias"),
                    format!(
                        "invalid search alias {alias:?}: use a letter, then letters, digits, _ \
                         or -, at most {MAX_SEARCH_ALIAS_CHARS} characters (no dots)"
                    ),
                ));
            }
            if let Some(first) = aliases.insert(alias.to_ascii_lowercase(), place) {
                return Err(violation(
                    value_path.key("searchAlias"),
                    format!(
                        "duplicate search alias {alias:?} (first used by {first}); an app's \
                         aliases are unique, without regard to case"
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(value: serde_json::Value) -> Result<EntityPropertyModule, serde_json::Error> {
        serde_json::from_value(value)
    }

    fn checked(modules: &[EntityPropertyModule]) -> Result<(), String> {
        check(
            modules,
            &FieldPath::root().key("modules").key("jira:entityProperty"),
        )
        .map_err(|v| format!("{}: {}", v.path, v.message))
    }

    #[test]
    fn a_module_types_its_values_and_defaults_to_issues() {
        let m = module(serde_json::json!({
            "key": "stats-index",
            "propertyKey": "stats",
            "values": [
                { "path": "comments.count", "type": "number", "searchAlias": "commentCount" },
                { "path": "labels", "type": "string" },
            ],
        }))
        .expect("a Forge module");
        assert_eq!(m.entity_type, EntityType::Issue);
        assert_eq!(m.values[0].value_type, IndexedValueType::Number);
        assert_eq!(m.values[0].search_alias.as_deref(), Some("commentCount"));
        assert_eq!(m.values[1].search_alias, None);
        checked(&[m]).expect("valid");

        let user = module(serde_json::json!({
            "key": "u", "entityType": "user", "propertyKey": "prefs",
            "values": [{ "path": "theme", "type": "text" }],
        }))
        .expect("a user index");
        assert_eq!(user.entity_type, EntityType::User);

        for bad in [
            serde_json::json!({ "key": "k", "propertyKey": "p", "values": [{ "path": "a", "type": "boolean" }] }),
            serde_json::json!({ "key": "k", "entityType": "comment", "propertyKey": "p", "values": [] }),
            serde_json::json!({ "key": "k", "propertyKey": "p", "values": [{ "path": "a", "type": "string", "alias": "x" }] }),
            serde_json::json!({ "key": "k", "values": [{ "path": "a", "type": "string" }] }),
            serde_json::json!({ "key": "k", "propertyKey": "p" }),
        ] {
            assert!(module(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_paths_and_aliases_have_a_grammar_and_bounds() {
        assert!(is_entity_property_key("com.example.stats_v2-a"));
        assert!(is_entity_property_key(&"k".repeat(255)));
        for bad in ["", "a b", "a]b", "a[b", "ké", &"k".repeat(256)] {
            assert!(!is_entity_property_key(bad), "{bad}");
        }
        assert!(is_entity_property_path("comments.count"));
        assert!(is_entity_property_path("a_b-c.D9"));
        for bad in [
            "",
            ".a",
            "a.",
            "a..b",
            "a b",
            "a[0]",
            &["a"; 17].join("."),
            &"p".repeat(256),
        ] {
            assert!(!is_entity_property_path(bad), "{bad}");
        }
        assert!(is_search_alias("commentCount"));
        assert!(is_search_alias("comment_count-2"));
        for bad in [
            "",
            "2count",
            "comment.count",
            "comment count",
            "é",
            &"a".repeat(65),
        ] {
            assert!(!is_search_alias(bad), "{bad}");
        }
    }

    #[test]
    fn validation_names_what_is_wrong() {
        let one = |property_key: &str, values: serde_json::Value| {
            module(serde_json::json!({ "key": "k", "propertyKey": property_key, "values": values }))
                .expect("typed")
        };
        let err = checked(&[one(
            "a b",
            serde_json::json!([{ "path": "x", "type": "number" }]),
        )])
        .unwrap_err();
        assert!(
            err.contains("propertyKey: invalid entity property key"),
            "{err}"
        );
        let err = checked(&[one("p", serde_json::json!([]))]).unwrap_err();
        assert!(err.contains("values: declare at least one"), "{err}");
        let err = checked(&[one(
            "p",
            serde_json::json!([{ "path": "a..b", "type": "number" }]),
        )])
        .unwrap_err();
        assert!(err.contains("values[0].path: invalid path"), "{err}");
        let err = checked(&[one(
            "p",
            serde_json::json!([
                { "path": "a", "type": "number" },
                { "path": "a", "type": "string" },
            ]),
        )])
        .unwrap_err();
        assert!(
            err.contains("issue.property[p].a is already indexed"),
            "{err}"
        );
        let err = checked(&[one(
            "p",
            serde_json::json!([{ "path": "a", "type": "number", "searchAlias": "a.b" }]),
        )])
        .unwrap_err();
        assert!(err.contains("searchAlias: invalid search alias"), "{err}");
        let err = checked(&[
            one(
                "p",
                serde_json::json!([{ "path": "a", "type": "number", "searchAlias": "Count" }]),
            ),
            one(
                "q",
                serde_json::json!([{ "path": "a", "type": "number", "searchAlias": "count" }]),
            ),
        ])
        .unwrap_err();
        assert!(
            err.contains("[1].values[0].searchAlias: duplicate search alias"),
            "{err}"
        );

        // Forge's 100 values across all modules.
        let values: Vec<serde_json::Value> = (0..51)
            .map(|i| serde_json::json!({ "path": format!("v{i}"), "type": "number" }))
            .collect();
        let err = checked(&[
            one("p", serde_json::Value::Array(values.clone())),
            one("q", serde_json::Value::Array(values)),
        ])
        .unwrap_err();
        assert!(
            err.contains("index 102 values; Forge allows at most 100"),
            "{err}"
        );
    }
}
