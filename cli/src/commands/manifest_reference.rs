//! `runtime manifest-reference` (hidden): renders `docs/manifest-reference.md`
//! from the manifest's JSON Schema, so the reference cannot say something the
//! validator does not enforce. A unit test fails when the committed file
//! drifts from what this renders.

use std::fmt::Write as _;

use kiln_manifest::{ProductEvent, Scope};
use serde_json::Value;

use super::exit::{Exit, Failure};

/// The schema the runtime validates manifests against.
const SCHEMA: &str = include_str!("../../../manifest-schema/manifest.schema.json");

/// How to regenerate the file, in its header and in the drift test's message.
pub const REGENERATE: &str =
    "cargo run -p kiln-cli -- manifest-reference > docs/manifest-reference.md";

#[derive(clap::Args, Debug)]
pub struct ManifestReferenceArgs {}

pub fn run(_args: ManifestReferenceArgs) -> Result<Exit, Failure> {
    let schema: Value =
        serde_json::from_str(SCHEMA).map_err(|e| Failure::environment(anyhow::anyhow!(e)))?;
    print!("{}", render(&schema));
    Ok(Exit::Success)
}

/// The Markdown reference for `schema`.
pub fn render(schema: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Manifest reference\n");
    let _ = writeln!(
        out,
        "<!-- Generated from manifest-schema/manifest.schema.json by `{REGENERATE}`. Do not edit by hand. -->\n"
    );
    if let Some(description) = schema["description"].as_str() {
        let _ = writeln!(out, "{description}\n");
    }
    let _ = writeln!(
        out,
        "Editors complete and check the file when its first line is\n`# yaml-language-server: $schema=<path to>/manifest-schema/manifest.schema.json`\n(`runtime new` writes it).\n"
    );
    let _ = writeln!(out, "## Fields\n");
    let _ = writeln!(
        out,
        "| Field | Type | Required | Default | Constraints | Description |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    walk(schema, schema, "", &mut out);
    let _ = writeln!(out, "\n## Scopes\n");
    let _ = writeln!(
        out,
        "`permissions.scopes` takes any of these {} scopes. A route is allowed when every scope of one of its alternatives is declared; `runtime inspect` shows what each declared scope opens and `runtime lint` which ones an app really uses. It also takes every other scope Forge's manifest knows (`manifest-schema/catalogue/forge-scopes.txt`, from `@forge/manifest` 13.7.0: Confluence's, JSM's REST API, `report:personal-data`, …), which no route Kiln serves needs: they load and open nothing.\n",
        Scope::ALL.len()
    );
    let _ = writeln!(out, "| Scope | Description |");
    let _ = writeln!(out, "|---|---|");
    for scope in Scope::ALL {
        let _ = writeln!(
            out,
            "| `{}` | {} |",
            scope.as_str(),
            cell(scope.description().unwrap_or(""))
        );
    }
    let _ = writeln!(out, "\n## Product events\n");
    let _ = writeln!(
        out,
        "`modules.trigger[].events` takes any of these {} Jira product events (Forge's names, from Forge's Jira events reference). An app only receives events it could have read: the manifest is refused unless `permissions.scopes` holds every classic scope of the event, or every granular one (Atlassian's event to scope mapping, as shipped in `@forge/manifest` 13.7.0). It also takes Forge's {} lifecycle events, which need no scope: `runtime serve` raises them itself, `avi:forge:installed:app` when an installation is first approved and `avi:forge:upgraded:app` when it is approved for new code (docs/porting-forge-apps.md). Any other name loads, as on Forge (another product's event, a name Forge's reference does not list, a typo), and is never delivered and asks no scope: loading warns about each, with the nearest known event when it looks like a typo, `runtime lint` counts it as a finding and `runtime inspect` lists it.\n",
        ProductEvent::all().filter(|e| !e.is_lifecycle()).count(),
        ProductEvent::all().filter(|e| e.is_lifecycle()).count()
    );
    let _ = writeln!(out, "| Event | Classic scopes | Granular scopes |");
    let _ = writeln!(out, "|---|---|---|");
    let list = |scopes: &[Scope]| {
        scopes
            .iter()
            .map(|s| format!("`{}`", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for event in ProductEvent::all().filter(|e| !e.is_lifecycle()) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            event.as_str(),
            list(event.classic_scopes()),
            list(event.granular_scopes())
        );
    }
    out
}

/// One table row per property of `node`, depth first.
fn walk(root: &Value, node: &Value, prefix: &str, out: &mut String) {
    let node = resolve(root, node);
    let Some(properties) = node["properties"].as_object() else {
        return;
    };
    let required: Vec<&str> = node["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, property) in properties {
        let path = format!("{prefix}{name}");
        let target = resolve(root, property);
        let description = property["description"]
            .as_str()
            .or_else(|| target["description"].as_str())
            .unwrap_or("");
        let _ = writeln!(
            out,
            "| `{path}` | {} | {} | {} | {} | {} |",
            type_of(root, target),
            if required.contains(&name.as_str()) {
                "yes"
            } else {
                "no"
            },
            target
                .get("default")
                .map(|d| format!("`{d}`"))
                .unwrap_or_default(),
            cell(&constraints(target)),
            cell(description)
        );
        match target["type"].as_str() {
            Some("object") => walk(root, target, &format!("{path}."), out),
            Some("array") => walk(root, &target["items"], &format!("{path}[]."), out),
            _ => {}
        }
    }
}

/// Follows a local `$ref` (`#/$defs/name`).
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str().and_then(|r| r.strip_prefix("#/")) {
        Some(pointer) => root.pointer(&format!("/{pointer}")).unwrap_or(node),
        None => node,
    }
}

fn type_of(root: &Value, node: &Value) -> String {
    match node["type"].as_str() {
        Some("array") => format!("list of {}", type_of(root, resolve(root, &node["items"]))),
        Some("string") if node["enum"].as_array().is_some_and(|e| e.len() > 10) => {
            let first = node["enum"][0].as_str().unwrap_or("");
            if first.starts_with("avi:") {
                String::from("event name")
            } else {
                String::from("scope name")
            }
        }
        Some("string") if node.get("enum").is_some() => node["enum"]
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            })
            .unwrap_or_default(),
        Some(other) => other.to_owned(),
        None => String::from("any"),
    }
}

fn constraints(node: &Value) -> String {
    let mut parts = Vec::new();
    for (key, label) in [
        ("minimum", "min"),
        ("maximum", "max"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
    ] {
        if let Some(value) = node.get(key) {
            parts.push(format!("{label} {value}"));
        }
    }
    if let Some(pattern) = node["pattern"].as_str() {
        parts.push(format!("pattern `{pattern}`"));
    }
    if node["uniqueItems"] == Value::Bool(true) {
        parts.push(String::from("unique"));
    }
    if node["items"]["$ref"]
        .as_str()
        .is_some_and(|r| r.ends_with("/scope"))
    {
        parts.push(String::from("see [Scopes](#scopes)"));
    }
    if node["items"]["$ref"]
        .as_str()
        .is_some_and(|r| r.ends_with("/event"))
    {
        parts.push(String::from("see [Product events](#product-events)"));
    }
    parts.join(", ")
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_manifest_reference_matches_the_schema() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let expected = render(&schema);
        let committed = include_str!("../../../docs/manifest-reference.md");
        assert!(
            committed == expected,
            "docs/manifest-reference.md is out of date with the manifest schema; regenerate it with `{REGENERATE}`"
        );
    }

    #[test]
    fn every_schema_field_has_a_row() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let text = render(&schema);
        for field in [
            "`app.id`",
            "`app.runtime.memoryMiB`",
            "`app.runtime.fuel`",
            "`modules.function[].handler`",
            "`permissions.scopes`",
            "`modules.trigger[].events`",
            "`modules.trigger[].filter.ignoreSelf`",
            "`modules.webtrigger[].response.type`",
            "`modules.webtrigger[].response.outputs[].statusCode`",
            "`modules.scheduledTrigger[].interval`",
        ] {
            assert!(text.contains(field), "{field} missing");
        }
        assert!(text.contains("| `read:jira-work` |"));
        assert!(text.contains("| `avi:jira:created:issue` | `read:jira-work` |"));
        assert!(text.contains("`fiveMinute` or `hour` or `day` or `week`"));
    }
}
