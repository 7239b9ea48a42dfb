//! `modules.jira:customField[]`: a custom field the app brings to Jira.
//!
//! ```yaml
//! modules:
//!   jira:customField:
//!     - key: experiment-field
//!       name: Experiment
//!       description: The GrowthBook experiment linked to the issue
//!       type: object                # string, number, user, group, datetime, date, object
//!       collection: none            # or `list`: the field holds a list of values
//!       readOnly: true              # only the app writes it
//!       schema:                     # object fields: the value's JSON Schema
//!         properties:
//!           id: { type: string }
//!       view: { resource: main, experience: [issue-view] }   # UI: kept as written
//! ```
//!
//! Forge creates one field per module on every site the app is installed on,
//! owned by the app: only the app writes its values through `PUT
//! /rest/api/3/app/field/{fieldIdOrKey}/value` and `POST
//! /rest/api/3/app/field/value`. Kiln's embedded Jira simulator does the same
//! for an app run or served on it (`kiln_sim::Simulator::register_app_fields`);
//! a real site has the field from the app's Forge deployment. The module's UI
//! (`view`, `edit`, `formatter`, `validation`, …) is kept as written and not
//! served: Kiln serves no frontend and evaluates no Jira expression of it.
//!
//! `modules.jira:customFieldType[]` is declared with the same properties and
//! held in the same [`CustomFieldModule`], but Forge creates no field for it:
//! it makes a field *type* available, and a Jira administrator creates fields
//! of it (Jira's UI, or `POST /rest/api/3/field` with `type` set to the
//! module's extension ARI). Each such field is the app's, written as a
//! `jira:customField`'s is. Kiln's simulator learns the types with the app's
//! fields and creates fields of them when an administrator asks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::field_path::FieldPath;
use super::rules::{Violation, violation};

/// Most `jira:customField` modules one app declares, and, separately, most
/// `jira:customFieldType` modules. Each field module becomes a field on the
/// simulated site, which bounds how many fields a manifest can add there;
/// each type is one the simulator holds for the app.
pub const MAX_CUSTOM_FIELD_MODULES: usize = 100;

/// Longest field name, as Jira allows for any custom field.
pub const MAX_CUSTOM_FIELD_NAME_CHARS: usize = 255;

/// Longest field description kept, as for Jira's other custom fields in the
/// simulator.
pub const MAX_CUSTOM_FIELD_DESCRIPTION_CHARS: usize = 1_000;

/// `modules.jira:customField[]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldModule {
    /// The module key, unique in the manifest; with the app and its
    /// environment it names the field's type (`schema.custom`).
    pub key: String,
    /// The field's name in Jira.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What one value is.
    #[serde(rename = "type")]
    pub field_type: CustomFieldType,
    /// Whether the field holds one value or a list of them.
    #[serde(default, skip_serializing_if = "Collection::is_none")]
    pub collection: Collection,
    /// Whether users may not edit it in Jira's UI; the app still writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// An `object` field's JSON Schema for its value, kept as written (Forge
    /// checks values against it; Kiln's simulator only checks that a value is
    /// an object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// Every other property Forge documents for the module (`view`, `edit`,
    /// `formatter`, `validation`, `searchAlias`, `contextConfig`,
    /// `displayConditions`, …), kept as written and not acted on: they are the
    /// field's UI and Jira expressions, which Kiln neither serves nor
    /// evaluates. Kept rather than refused so a Forge manifest loads
    /// unchanged as Forge adds properties.
    #[serde(flatten)]
    pub ui: BTreeMap<String, serde_json::Value>,
}

/// `type`: Forge's data types of a custom field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomFieldType {
    String,
    Number,
    User,
    Group,
    Datetime,
    Date,
    Object,
}

impl CustomFieldType {
    /// The name as the manifest writes it, and as Jira's field schema
    /// reports the value's type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::User => "user",
            Self::Group => "group",
            Self::Datetime => "datetime",
            Self::Date => "date",
            Self::Object => "object",
        }
    }
}

/// `collection`: Forge's collection types.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Collection {
    /// One value (Forge's default).
    #[default]
    None,
    /// A list of values of the field's type.
    List,
}

impl Collection {
    fn is_none(&self) -> bool {
        *self == Collection::None
    }
}

impl CustomFieldModule {
    /// Whether the field holds a list of values.
    pub fn is_list(&self) -> bool {
        self.collection == Collection::List
    }
}

/// What serde cannot say of the modules: how many, and the bounds of each
/// name and description (the simulator holds them as a field's); a `schema`
/// only on an `object` field, the one type Forge gives one. Key grammar and
/// uniqueness are checked with every other module's (`rules.rs`).
///
/// `module_type` is `jira:customField` or `jira:customFieldType`: a field
/// type is declared with a field's properties and bounds (Forge documents the
/// same `type`, `collection` and UI for both), so both are checked here.
pub(crate) fn check(
    module_type: &str,
    modules: &[CustomFieldModule],
    path: &FieldPath,
) -> Result<(), Violation> {
    if modules.len() > MAX_CUSTOM_FIELD_MODULES {
        return Err(violation(
            path.clone(),
            format!("at most {MAX_CUSTOM_FIELD_MODULES} {module_type} modules are allowed"),
        ));
    }
    for (index, module) in modules.iter().enumerate() {
        let item = path.index(index);
        let name = module.name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_CUSTOM_FIELD_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(violation(
                item.key("name"),
                format!(
                    "the field name must be 1-{MAX_CUSTOM_FIELD_NAME_CHARS} characters without control characters"
                ),
            ));
        }
        if module
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_CUSTOM_FIELD_DESCRIPTION_CHARS)
        {
            return Err(violation(
                item.key("description"),
                format!(
                    "the description must be at most {MAX_CUSTOM_FIELD_DESCRIPTION_CHARS} characters"
                ),
            ));
        }
        if module.schema.is_some() && module.field_type != CustomFieldType::Object {
            return Err(violation(
                item.key("schema"),
                format!(
                    "a schema describes an object field's value; this field's type is {}",
                    module.field_type.as_str()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_type_is_typed_as_a_field_and_is_no_field_nor_ui_module() {
        let manifest = crate::Manifest::from_yaml(
            "app:\n  id: picker\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  \
             jira:customFieldType:\n    - key: issue-picker\n      name: Issue Picker\n      \
             type: string\n      collection: list\n      view: {resource: main}\n      \
             contextConfig: {resource: main}\nresources:\n  - key: main\n    path: static\n",
        )
        .expect("a Forge field type");
        assert!(manifest.custom_fields().is_empty(), "a type makes no field");
        let [picker] = manifest.custom_field_types() else {
            panic!("one type: {:?}", manifest.custom_field_types());
        };
        assert_eq!(picker.key, "issue-picker");
        assert_eq!(picker.field_type, CustomFieldType::String);
        assert!(picker.is_list());
        assert!(picker.ui.contains_key("view") && picker.ui.contains_key("contextConfig"));
        assert!(
            manifest.ui_modules().is_empty(),
            "typed, not a bare UI module"
        );
    }

    #[test]
    fn a_module_keeps_its_ui_and_types_its_data() {
        let module: CustomFieldModule = serde_json::from_value(serde_json::json!({
            "key": "experiment",
            "name": "Experiment",
            "type": "object",
            "readOnly": true,
            "schema": { "properties": { "id": { "type": "string" } } },
            "view": { "resource": "main" },
        }))
        .expect("a Forge module");
        assert_eq!(module.field_type, CustomFieldType::Object);
        assert_eq!(module.collection, Collection::None);
        assert!(!module.is_list());
        assert_eq!(module.read_only, Some(true));
        assert_eq!(module.ui["view"]["resource"], "main");
        assert!(!module.ui.contains_key("schema"));

        let list: CustomFieldModule = serde_json::from_value(serde_json::json!({
            "key": "reviewers", "name": "Reviewers", "type": "user", "collection": "list",
        }))
        .expect("a list");
        assert!(list.is_list());
        for bad in [
            serde_json::json!({ "key": "k", "name": "N", "type": "boolean" }),
            serde_json::json!({ "key": "k", "name": "N", "type": "string", "collection": "set" }),
            serde_json::json!({ "key": "k", "type": "string" }),
        ] {
            assert!(
                serde_json::from_value::<CustomFieldModule>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}
