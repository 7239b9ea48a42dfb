//! Helpers the contract tests (platform, JSM Ops, Jira Software) use to cut a
//! committed snapshot out of an OpenAPI document: follow `$ref`s, drop prose, keep
//! the snapshot current. One copy, so the snapshots are cut the same way; what
//! differs between them is a parameter, not a fork.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Where Atlassian's spec `file` is, if anywhere: `$KILN_SPECS_DIR`,
/// `../shared/specs` beside the clone, then `/work/shared/specs`. Without it a
/// contract test checks against its committed snapshot alone.
pub fn spec_path(file: &str) -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("KILN_SPECS_DIR").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs")),
        Some(PathBuf::from("/work/shared/specs")),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|dir| dir.join(file))
        .find(|path| path.is_file())
}

/// Schema keywords that carry no constraint, dropped from a snapshot.
#[derive(Debug, Clone, Copy)]
pub enum Prose {
    /// `description`, `example`, `externalDocs`.
    Docs,
    /// Those and `xml`: the platform spec carries XML serialisation hints the JSON
    /// API never uses; the Ops snapshot keeps its (absent) `xml` as the spec has it.
    DocsAndXml,
}

impl Prose {
    fn drops(self, key: &str) -> bool {
        matches!(key, "description" | "example" | "externalDocs")
            || (matches!(self, Prose::DocsAndXml) && key == "xml")
    }
}

/// Pushes the name of every `#/components/schemas/NAME` that `value` references.
pub fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref")
                && let Some(name) = target.strip_prefix("#/components/schemas/")
            {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// `value` without `prose` keywords. Keys directly under `properties` are property
/// *names* (a property may be called `description`) and are always kept.
pub fn strip_prose(value: &Value, prose: Prose) -> Value {
    strip(value, prose, false)
}

fn strip(value: &Value, prose: Prose, in_properties: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| in_properties || !prose.drops(k))
                .map(|(k, v)| {
                    (
                        k.clone(),
                        strip(v, prose, !in_properties && k == "properties"),
                    )
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| strip(v, prose, false)).collect()),
        other => other.clone(),
    }
}

/// The component schemas `roots` name and every schema they reach through
/// `$ref`, without `prose`: a snapshot's `components.schemas`.
pub fn reachable_schemas(spec: &Value, roots: Vec<String>, prose: Prose) -> Map<String, Value> {
    let all = &spec["components"]["schemas"];
    let mut queue = roots;
    let mut wanted = BTreeSet::new();
    while let Some(name) = queue.pop() {
        if wanted.insert(name.clone()) {
            collect_refs(&all[&name], &mut queue);
        }
    }
    wanted
        .into_iter()
        .map(|name| {
            let schema = strip_prose(&all[&name], prose);
            (name, schema)
        })
        .collect()
}

/// Asserts the snapshot committed at `path` is what was just cut from the spec,
/// after rewriting it when `KILN_SIM_REGENERATE_SCHEMAS` is set.
pub fn assert_current(path: &Path, extracted: &Value) {
    if std::env::var_os("KILN_SIM_REGENERATE_SCHEMAS").is_some() {
        let text = serde_json::to_string_pretty(extracted).expect("serializes");
        std::fs::write(path, text + "\n").expect("snapshot written");
    }
    let text = std::fs::read_to_string(path).expect("schema snapshot is committed");
    let committed: Value = serde_json::from_str(&text).expect("snapshot is JSON");
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    assert!(
        committed == *extracted,
        "tests/data/{name} is stale; rerun with KILN_SIM_REGENERATE_SCHEMAS=1"
    );
}
