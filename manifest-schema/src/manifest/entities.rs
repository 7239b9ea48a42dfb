//! Forge's custom entities, `app.storage.entities`: typed records an app
//! stores with `kvs.entity(name)` and queries through declared indexes.
//!
//! ```yaml
//! app:
//!   storage:
//!     entities:
//!       - name: employee
//!         attributes:
//!           surname: { type: string }
//!           age: { type: integer }
//!           team: { type: string }
//!         indexes:
//!           - surname                      # an index named after its one attribute
//!           - name: by-team-age
//!             partition: [team]            # equality only; isolates one team's entries
//!             range: [age]                 # the order and the `where` conditions
//! ```
//!
//! Kiln's Forge layer (`forge/kiln-forge-api/src/entity.js`) keeps each
//! entity and its index entries in the installation's key-value storage;
//! `runtime build` hands it these declarations. The checks here are the
//! ones the layer relies on: names that cannot hold its separators, index
//! attributes that exist and are orderable (`string`, `integer`, `float`),
//! and bounds on how many storage writes one `set` costs.
//!
//! Bounds Forge documents loosely or not at all are Kiln's own (each says
//! its threat): at most [`MAX_ENTITIES`] entities, [`MAX_ATTRIBUTES`]
//! attributes and [`MAX_INDEXES`] indexes per entity, at most
//! [`MAX_PARTITION`] partition attributes per index.
//!
//! Every entity also has Forge's key index, [`KEY_INDEX`] (`by-key`),
//! without declaring it: Forge reserves the name, so a declared index of
//! that name is refused, and it does not count towards [`MAX_INDEXES`]
//! (the layer queries it by scanning the items, so it adds no write).

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::field_path::FieldPath;
use super::rules::Violation;

/// Threat: a manifest that makes every build and `inspect` walk thousands of
/// declarations.
pub const MAX_ENTITIES: usize = 20;
/// Threat: as for entities.
pub const MAX_ATTRIBUTES: usize = 50;
/// Each index costs two storage writes per `set` (an ascending and a
/// descending entry): the bound caps one `set` at 15 writes. The key index
/// ([`KEY_INDEX`]) is not declared and costs no write, so it is not counted.
pub const MAX_INDEXES: usize = 7;
/// The name of the index of every entity's key, which Forge creates for each
/// entity ("The key index's name is `by-key`") and the Forge layer answers
/// without a declaration.
pub const KEY_INDEX: &str = "by-key";
/// Partition values are part of every index entry's key, which shares
/// Kiln's 500-character key limit with the range value and the item key.
pub const MAX_PARTITION: usize = 4;

/// `app.storage`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppStorage {
    /// Forge's custom entities, in manifest order; names are unique.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
    /// Forge's labels for the kind of data stored (`ugc`, `pii`, `other`),
    /// kept as written: Kiln stores every value alike, in the operator's
    /// state, and reports nothing about it to anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classifications: Option<serde_json::Value>,
}

impl AppStorage {
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty() && self.classifications.is_none()
    }
}

/// `app.storage.entities[]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Entity {
    /// `[a-z0-9:._-]{3,60}`.
    pub name: String,
    /// Attribute name -> type. Attributes a value carries beyond these are
    /// stored and filterable, not type-checked.
    pub attributes: BTreeMap<String, Attribute>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
}

/// One declared attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Attribute {
    #[serde(rename = "type")]
    pub kind: AttributeType,
}

/// Forge's attribute types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributeType {
    String,
    /// A 32-bit signed integer (Forge's rule).
    Integer,
    /// A finite number: 0, or a magnitude from 1e-130 to below 1e126.
    Float,
    Boolean,
    /// Any JSON value; not indexable.
    Any,
}

impl AttributeType {
    /// Whether an index can order or partition by it.
    pub fn indexable(self) -> bool {
        matches!(self, Self::String | Self::Integer | Self::Float)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Float => "float",
            Self::Boolean => "boolean",
            Self::Any => "any",
        }
    }
}

/// `indexes[]`: an attribute name (an index of that name, ordered by that
/// attribute) or a named index with a range and an optional partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Index {
    Attribute(String),
    Custom(CustomIndex),
}

/// A named index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomIndex {
    pub name: String,
    /// Exactly one attribute: the entries' order and what `where` compares.
    pub range: Vec<String>,
    /// Attributes a query must give values for (equality).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partition: Vec<String>,
}

impl Index {
    pub fn name(&self) -> &str {
        match self {
            Self::Attribute(attribute) => attribute,
            Self::Custom(index) => &index.name,
        }
    }

    /// The range attribute(s) as declared (one, once validated).
    pub fn range(&self) -> &[String] {
        match self {
            Self::Attribute(attribute) => std::slice::from_ref(attribute),
            Self::Custom(index) => &index.range,
        }
    }

    pub fn partition(&self) -> &[String] {
        match self {
            Self::Attribute(_) => &[],
            Self::Custom(index) => &index.partition,
        }
    }
}

/// `[a-z0-9:._-]{3,60}`: no separator of the layer's storage keys (`!`)
/// and nothing an error message would need to escape.
pub fn is_entity_name(name: &str) -> bool {
    (3..=60).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b":._-".contains(&b))
}

/// `[A-Za-z0-9:._-]{1,64}`, for attribute and index names.
pub fn is_attribute_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":._-".contains(&b))
}

pub(crate) fn check(storage: &AppStorage, path: &FieldPath) -> Result<(), Violation> {
    let entities_path = path.key("entities");
    if storage.entities.len() > MAX_ENTITIES {
        return Err(violation(
            &entities_path,
            format!(
                "{} entities declared; Kiln allows at most {MAX_ENTITIES}",
                storage.entities.len()
            ),
        ));
    }
    let mut names = HashSet::new();
    for (i, entity) in storage.entities.iter().enumerate() {
        let at = entities_path.index(i);
        if !is_entity_name(&entity.name) {
            return Err(violation(
                &at.key("name"),
                format!(
                    "invalid entity name {:?}: use 3-60 of a-z 0-9 : . _ -",
                    entity.name
                ),
            ));
        }
        if !names.insert(entity.name.as_str()) {
            return Err(violation(
                &at.key("name"),
                format!("duplicate entity name {}", entity.name),
            ));
        }
        check_entity(entity, &at)?;
    }
    Ok(())
}

fn check_entity(entity: &Entity, at: &FieldPath) -> Result<(), Violation> {
    let attributes = at.key("attributes");
    if entity.attributes.is_empty() || entity.attributes.len() > MAX_ATTRIBUTES {
        return Err(violation(
            &attributes,
            format!("an entity declares 1-{MAX_ATTRIBUTES} attributes"),
        ));
    }
    for name in entity.attributes.keys() {
        if !is_attribute_name(name) {
            return Err(violation(
                &attributes.key(name),
                format!("invalid attribute name {name:?}: use 1-64 of A-Z a-z 0-9 : . _ -"),
            ));
        }
    }
    let indexes = at.key("indexes");
    if entity.indexes.len() > MAX_INDEXES {
        return Err(violation(
            &indexes,
            format!(
                "{} indexes declared; Kiln allows at most {MAX_INDEXES} per entity",
                entity.indexes.len()
            ),
        ));
    }
    let mut index_names = HashSet::new();
    for (i, index) in entity.indexes.iter().enumerate() {
        let at = indexes.index(i);
        let name_path = match index {
            Index::Attribute(_) => at.clone(),
            Index::Custom(_) => at.key("name"),
        };
        if !is_attribute_name(index.name()) {
            return Err(violation(
                &name_path,
                format!(
                    "invalid index name {:?}: use 1-64 of A-Z a-z 0-9 : . _ -",
                    index.name()
                ),
            ));
        }
        // The key index holds the name already: refused as the duplicate it
        // is, not shadowed, since a declared `by-key` would be ordered by an
        // attribute where apps (and Forge) read `by-key` as the key's order.
        if index.name() == KEY_INDEX {
            return Err(violation(
                &name_path,
                format!(
                    "duplicate index name {KEY_INDEX}: Forge gives every entity an index of that name, ordered by the entity's key, without declaring it; query it as index('{KEY_INDEX}') and give this index another name"
                ),
            ));
        }
        if !index_names.insert(index.name()) {
            return Err(violation(
                &name_path,
                format!("duplicate index name {}", index.name()),
            ));
        }
        if index.range().len() != 1 {
            return Err(violation(
                &at.key("range"),
                "an index has exactly one range attribute".to_owned(),
            ));
        }
        if index.partition().len() > MAX_PARTITION {
            return Err(violation(
                &at.key("partition"),
                format!("an index has at most {MAX_PARTITION} partition attributes"),
            ));
        }
        let uses = index
            .range()
            .iter()
            .map(|a| (a, "range"))
            .chain(index.partition().iter().map(|a| (a, "partition")));
        let mut seen = HashSet::new();
        for (attribute, role) in uses {
            let attribute_path = match index {
                Index::Attribute(_) => at.clone(),
                Index::Custom(_) => at.key(role),
            };
            let Some(declared) = entity.attributes.get(attribute) else {
                return Err(violation(
                    &attribute_path,
                    format!(
                        "index {} uses attribute {attribute:?}, which entity {} does not declare",
                        index.name(),
                        entity.name
                    ),
                ));
            };
            if !declared.kind.indexable() {
                return Err(violation(
                    &attribute_path,
                    format!(
                        "index {} uses attribute {attribute}, of type {}: only string, integer and float attributes can be indexed",
                        index.name(),
                        declared.kind.as_str()
                    ),
                ));
            }
            if !seen.insert(attribute) {
                return Err(violation(
                    &attribute_path,
                    format!("index {} uses attribute {attribute} twice", index.name()),
                ));
            }
        }
    }
    Ok(())
}

fn violation(path: &FieldPath, message: String) -> Violation {
    Violation {
        path: path.clone(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_hold_the_layers_separators() {
        for good in ["employee", "a:b.c_d-e", "abc"] {
            assert!(is_entity_name(good), "{good}");
        }
        for bad in [
            "ab",
            "Employee",
            "a!b",
            "a/b",
            "a b",
            "é-entity",
            &"a".repeat(61),
        ] {
            assert!(!is_entity_name(bad), "{bad}");
        }
        assert!(is_attribute_name("firstName"));
        for bad in ["", "a!b", "a b", "a\u{1}", &"a".repeat(65)] {
            assert!(!is_attribute_name(bad), "{bad:?}");
        }
    }

    fn entity(indexes: Vec<Index>) -> AppStorage {
        let attributes = ["by-key", "a0", "a1", "a2", "a3", "a4", "a5", "a6"]
            .into_iter()
            .map(|name| {
                let kind = AttributeType::String;
                (name.to_owned(), Attribute { kind })
            })
            .collect();
        AppStorage {
            entities: vec![Entity {
                name: "schedule".to_owned(),
                attributes,
                indexes,
            }],
            classifications: None,
        }
    }

    fn custom(name: &str, range: &str) -> Index {
        Index::Custom(CustomIndex {
            name: name.to_owned(),
            range: vec![range.to_owned()],
            partition: Vec::new(),
        })
    }

    #[test]
    fn the_key_index_name_is_reserved_in_either_form() {
        for (indexes, path) in [
            (
                vec![custom("by-age", "a0"), custom(KEY_INDEX, "a1")],
                "app.storage.entities[0].indexes[1].name",
            ),
            (
                vec![Index::Attribute(KEY_INDEX.to_owned())],
                "app.storage.entities[0].indexes[0]",
            ),
        ] {
            let storage = entity(indexes);
            let error = check(&storage, &FieldPath::root().key("app").key("storage"))
                .expect_err("by-key is Forge's");
            assert_eq!(error.path.to_string(), path);
            assert!(
                error.message.starts_with("duplicate index name by-key: "),
                "{}",
                error.message
            );
        }
        // Any other name, even one that only looks like it, is the app's.
        for name in ["by_key", "By-Key", "by-key2", "key"] {
            let storage = entity(vec![custom(name, "a0")]);
            check(&storage, &FieldPath::root()).unwrap_or_else(|v| panic!("{name}: {}", v.message));
        }
    }

    #[test]
    fn the_key_index_does_not_count_towards_the_limit() {
        let full: Vec<Index> = (0..MAX_INDEXES)
            .map(|i| custom(&format!("by-a{i}"), &format!("a{i}")))
            .collect();
        check(&entity(full.clone()), &FieldPath::root()).expect("the limit is declared indexes");
        let mut over = full;
        over.push(custom("by-key-too", "by-key"));
        let error = check(&entity(over), &FieldPath::root()).expect_err("one too many");
        assert!(
            error.message.contains(&format!("at most {MAX_INDEXES}")),
            "{}",
            error.message
        );
    }
}
