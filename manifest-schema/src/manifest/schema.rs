//! Validation against the published `manifest.schema.json`, so that what editors
//! check (via `# yaml-language-server: $schema=...`) and what Kiln accepts agree.

use std::sync::OnceLock;

use serde_json::Value;

use super::field_path::FieldPath;

/// The published schema, compiled into the binary (nothing is fetched).
pub const MANIFEST_SCHEMA: &str = include_str!("../../manifest.schema.json");

/// The first schema violation: where, and the validator's words.
#[derive(Debug)]
pub(crate) struct SchemaViolation {
    pub path: FieldPath,
    pub message: String,
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        // The schema is a constant of this crate, checked by its tests; failing
        // here is a build defect, not bad input.
        let schema: Value =
            serde_json::from_str(MANIFEST_SCHEMA).expect("manifest.schema.json is valid JSON");
        jsonschema::draft202012::new(&schema)
            .expect("manifest.schema.json is a valid draft 2020-12 schema")
    })
}

pub(crate) fn validate(instance: &Value) -> Result<(), SchemaViolation> {
    match validator().iter_errors(instance).next() {
        None => Ok(()),
        Some(error) => {
            let message = match error.kind() {
                // The default text lists every allowed value (hundreds of scopes).
                jsonschema::error::ValidationErrorKind::Enum { .. } => {
                    format!(
                        "{} is not one of the values the schema allows",
                        error.instance()
                    )
                }
                _ => error.to_string(),
            };
            Err(SchemaViolation {
                path: FieldPath::from_schema(error.instance_path()),
                message,
            })
        }
    }
}
