//! Keeps the committed catalogue honest against Atlassian's specs.
//!
//! With `<repo>/../shared/specs` present, the generator is re-run into a temp
//! directory and its output must equal the committed files, and every operation
//! with an OAuth scope must be catalogued. Without the specs (a user's clone)
//! these tests say so and check the committed counts instead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_manifest::{Access, Method, Product, catalogue};
use serde_json::Value;

/// Committed coverage: 533 operations of the December 2025 platform spec with a
/// non-empty scope set or open to every app (`serverInfo`, `permissions/check`); 51 Software operations with `OAuth2` security
/// and the 23 DevOps operations `extra-routes.tsv` opens to Forge's scopes; 236 JSM
/// Ops operations with an `OAuth2[...]` alternative (including the 74
/// `/stakeholder-comms/` ones).
const PLATFORM_ROUTES: usize = 534;
const ANONYMOUS_READS: usize = 2;
/// Routes on the calling app's own data (`Access::OwnAppData`), listed in
/// `tests/catalogue.rs`.
const OWN_APP_DATA_ROUTES: usize = 8;
const SOFTWARE_ROUTES: usize = 74;
const JSM_OPS_ROUTES: usize = 236;
const STAKEHOLDER_COMMS_ROUTES: usize = 74;
const HAND_ADDED_ROUTES: usize = 23;

/// The platform spec the generator reads (see `shared/specs/README.md`).
const PLATFORM_SPEC: &str = "jira-platform.v3.2025-12.json";

const REGENERATE: &str = "cargo run -p kiln-manifest --bin generate-catalogue";

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `<repo>/../shared/specs`, or `KILN_SPECS_DIR` when set (a worktree that is not a
/// sibling of `shared/`).
fn specs_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("KILN_SPECS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("../../shared/specs"));
    if dir.join(PLATFORM_SPEC).is_file() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: {} not found (the specs are not part of a clone)",
            dir.display()
        );
        None
    }
}

#[test]
fn committed_counts() {
    let count = |product| {
        catalogue()
            .routes()
            .iter()
            .filter(|route| route.product == product)
            .count()
    };
    assert_eq!(count(Product::Platform), PLATFORM_ROUTES);
    assert_eq!(count(Product::Software), SOFTWARE_ROUTES);
    assert_eq!(count(Product::JsmOps), JSM_OPS_ROUTES);
    let stakeholder_comms = catalogue()
        .routes()
        .iter()
        .filter(|route| route.template.starts_with("/jsm/ops/stakeholder-comms/"))
        .count();
    assert_eq!(stakeholder_comms, STAKEHOLDER_COMMS_ROUTES);
    let anonymous_reads = catalogue()
        .routes()
        .iter()
        .filter(|route| route.access == Access::AnonymousRead)
        .count();
    assert_eq!(anonymous_reads, ANONYMOUS_READS);
    let own_app_data = catalogue()
        .routes()
        .iter()
        .filter(|route| route.access == Access::OwnAppData)
        .count();
    assert_eq!(own_app_data, OWN_APP_DATA_ROUTES);
}

#[test]
fn generated_files_match_the_specs() {
    let Some(specs) = specs_dir() else { return };
    let out = tempfile::tempdir().expect("temp dir");
    let status = Command::new(env!("CARGO_BIN_EXE_generate-catalogue"))
        .arg("--specs")
        .arg(&specs)
        .arg("--out")
        .arg(out.path().join("manifest"))
        .arg("--sim-out")
        .arg(out.path().join("sim"))
        .status()
        .expect("run the generator");
    assert!(status.success(), "the generator failed");
    let outputs = [
        ("manifest", "manifest-schema", "src/catalogue/generated.rs"),
        ("manifest", "manifest-schema", "manifest.schema.json"),
        ("sim", "runtime/sim", "src/not_modelled/generated.rs"),
    ];
    for (fresh_dir, crate_path, file) in outputs {
        let fresh =
            std::fs::read_to_string(out.path().join(fresh_dir).join(file)).expect("generated file");
        let committed = std::fs::read_to_string(crate_dir().join("..").join(crate_path).join(file))
            .expect("committed file");
        assert!(
            fresh == committed,
            "{crate_path}/{file} is out of date with the specs or the generator; regenerate with `{REGENERATE}`"
        );
    }
}

/// The schema is the template with its scope lists filled in, and nothing else: a
/// hand edit of `manifest.schema.json` would be lost at the next regeneration. This
/// check needs no specs, so it runs in every clone, not only beside `shared/`.
#[test]
fn committed_schema_is_the_template_plus_the_scope_list() {
    let read = |file: &str| -> Value {
        let text = std::fs::read_to_string(crate_dir().join(file)).expect("schema file");
        serde_json::from_str(&text).expect("schema JSON")
    };
    let template = read("catalogue/manifest.schema.template.json");
    let mut committed = read("manifest.schema.json");
    let scopes = committed
        .pointer_mut("/$defs/scope/enum")
        .expect("the committed schema lists the scopes");
    assert!(
        scopes.as_array().is_some_and(|list| !list.is_empty()),
        "the scope list is empty"
    );
    *scopes = Value::String("@generated-scope-list@".into());
    // Forge's scopes without a route in Kiln: `catalogue/forge-scopes.txt` less the
    // catalogue's, in the file's order.
    let kiln: BTreeSet<String> = kiln_manifest::catalogue::Scope::ALL
        .iter()
        .map(|scope| scope.as_str().to_owned())
        .collect();
    let expected: Vec<Value> = kiln_manifest::catalogue::forge_scopes()
        .filter(|scope| !kiln.contains(*scope))
        .map(|scope| Value::String(scope.into()))
        .collect();
    let forge = committed
        .pointer_mut("/$defs/forgeScope/enum")
        .expect("the committed schema lists Forge's scopes");
    assert_eq!(
        forge.as_array(),
        Some(&expected),
        "the committed schema's Forge scopes are not forge-scopes.txt less the catalogue's: `{REGENERATE}`"
    );
    *forge = Value::String("@generated-forge-scope-list@".into());
    assert!(
        committed == template,
        "manifest-schema/manifest.schema.json differs from catalogue/manifest.schema.template.json \
         beyond the scope list: edit the template, then `{REGENERATE}`"
    );
}

/// `(METHOD, path)` of every operation that some OAuth scope set opens, and of
/// every read (`x-atlassian-connect-scope: READ`) whose `security` admits both
/// an anonymous caller (`{}`) and any OAuth 2.0 token (`{"OAuth2": []}`), which
/// every app may call.
fn granted_operations(specs: &Path) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (file, product) in [
        (PLATFORM_SPEC, Product::Platform),
        ("jira-software.v3.json", Product::Software),
    ] {
        let text = std::fs::read_to_string(specs.join(file)).expect("spec");
        let spec: Value = serde_json::from_str(&text).expect("spec JSON");
        let paths = spec["paths"].as_object().expect("paths");
        for (path, items) in paths {
            for (method, operation) in items.as_object().expect("path item") {
                let lists: Vec<&Value> = match product {
                    Product::Platform => operation["x-atlassian-oauth2-scopes"]
                        .as_array()
                        .map(|alternatives| alternatives.iter().map(|a| &a["scopes"]).collect())
                        .unwrap_or_default(),
                    _ => operation["security"]
                        .as_array()
                        .map(|requirements| {
                            requirements
                                .iter()
                                .filter_map(|r| r.get("OAuth2"))
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                let security = operation["security"].as_array();
                let anonymous_read = operation["x-atlassian-connect-scope"] == "READ"
                    && security.is_some_and(|requirements| {
                        requirements
                            .iter()
                            .any(|r| r.as_object().is_some_and(|r| r.is_empty()))
                            && requirements.iter().any(|r| {
                                r.get("OAuth2")
                                    .and_then(Value::as_array)
                                    .is_some_and(|scopes| scopes.is_empty())
                            })
                    });
                if anonymous_read
                    || lists
                        .iter()
                        .any(|list| list.as_array().is_some_and(|l| !l.is_empty()))
                {
                    operations.insert((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
    }
    let tsv = std::fs::read_to_string(specs.join("jsm-ops-routes.tsv")).expect("JSM Ops table");
    for line in tsv.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        if let [method, path, _, scopes] = columns.as_slice()
            && scopes.contains("OAuth2[")
        {
            operations.insert((method.to_string(), format!("/jsm/ops{path}")));
        }
    }
    operations
}

#[test]
fn every_granted_operation_is_catalogued() {
    let Some(specs) = specs_dir() else { return };
    let expected = granted_operations(&specs);
    let catalogued: BTreeSet<(String, String)> = catalogue()
        .routes()
        .iter()
        .map(|route| (route.method.to_string(), route.template.to_owned()))
        .collect();
    let missing: Vec<_> = expected.difference(&catalogued).collect();
    assert!(
        missing.is_empty(),
        "operations some app may be granted, missing from the catalogue: {missing:?}"
    );
    let extra: Vec<_> = catalogued.difference(&expected).collect();
    assert_eq!(
        extra.len(),
        HAND_ADDED_ROUTES,
        "only the hand-added routes are beyond the specs: {extra:?}"
    );
    assert_eq!(
        catalogue().routes().len(),
        expected.len() + HAND_ADDED_ROUTES
    );
    for method in Method::ALL {
        assert!(
            catalogue()
                .routes()
                .iter()
                .any(|route| route.method == method),
            "no {method} route"
        );
    }
}
