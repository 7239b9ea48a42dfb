//! Escape suite, Forge SQL, as a JavaScript (Forge) app: the raw
//! `kiln:app/sql@0.5.0` import, past `@forge/sql` and the Forge layer, with
//! statements that would reach beyond the installation's own database:
//! attaching another file (`/etc/passwd`, a path on the host, the path as a
//! bound parameter), `VACUUM INTO` a host path, the engine's pragmas, a
//! second statement behind the first, `load_extension`. Each must be
//! refused as a statement Forge SQL does not run, or by the database, and
//! no file outside be created; an app whose manifest declares no `sql`
//! module gets no database at all.

use std::path::Path;

use serde_json::{Value, json};

use crate::escape_js_app::{self as js, SCOPES};
use crate::support::{Harness, ok_json};

/// Every statement `sql_escape` tries (tests/js/hostile/src/index.js).
const ATTEMPTS: &[&str] = &[
    "attach_passwd",
    "attach_passwd_schema",
    "attach_outside",
    "attach_bound",
    "vacuum_into",
    "pragma_list",
    "pragma_writable_schema",
    "two_statements",
    "two_selects",
    "smuggled_attach",
    "smuggled_attach_schema",
    "load_extension",
    "params_not_json",
    "params_not_an_array",
];

/// The hostile app's test manifest with Forge's `sql` module declared.
fn manifest_declaring_sql() -> String {
    let manifest = js::manifest(SCOPES, "timeoutSeconds: 10");
    let declared = manifest.replacen(
        "modules:\n",
        "modules:\n  sql:\n    - key: main\n      engine: mysql\n",
        1,
    );
    assert_ne!(declared, manifest, "the manifest has modules");
    declared
}

/// Runs `sql_escape` with `outside` as the host path to leave alone.
async fn attempts(h: &Harness, app: &kiln_runtime::LoadedApp, outside: &Path) -> Value {
    let payload = json!({ "outside": outside.to_str().expect("a UTF-8 path") });
    let out = ok_json(&h.invoke(app, "sql_escape", payload).await);
    for attempt in ATTEMPTS {
        assert!(out[attempt].is_object(), "{attempt} ran: {out}");
    }
    out
}

#[tokio::test]
async fn js_sql_raw_statements_beyond_the_installations_database_refused() {
    let h = Harness::start().await;
    let Some(app) = js::load_manifest(&h, &manifest_declaring_sql()).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("a scratch folder");
    let outside = dir.path().join("outside.db");
    let out = attempts(&h, &app, &outside).await;
    for attempt in ATTEMPTS {
        let code = out[attempt]["err"]["code"].as_str();
        assert!(
            matches!(code, Some("invalid-sql-query" | "sql-execution-error")),
            "{attempt} was not refused as a statement: {}",
            out[attempt]
        );
    }
    // Nothing was attached, vacuumed or loaded from outside: the file that
    // any of them would have created does not exist, nor does anything else
    // in its folder.
    assert!(!outside.exists(), "{out}");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("the folder").count(),
        0,
        "{out}"
    );
    js::assert_serves(&h, &app).await;
    h.assert_jira_untouched();
}

#[tokio::test]
async fn js_sql_raw_statements_of_an_app_without_a_sql_module_not_enabled() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("a scratch folder");
    let outside = dir.path().join("outside.db");
    let out = attempts(&h, &app, &outside).await;
    for attempt in ATTEMPTS {
        assert_eq!(
            out[attempt]["err"]["code"], "app-not-enabled",
            "{attempt}: {out}"
        );
    }
    assert!(!outside.exists(), "{out}");
    js::assert_serves(&h, &app).await;
}
