//! Forge SQL through the Rust SDK, end to end: `tests/programs/sdk-sql` is an
//! app written against `kiln_sdk::sql` as an author writes one, and runs
//! here on the real runtime and the real engine (`kiln_state::forge_sql`,
//! in memory). The expectations are Forge SQL's documented behaviour, as
//! `tests/tests/forge_sql_app.rs` holds the real `@forge/sql` to them: the
//! migration runner applying each migration once (with `@forge/sql`'s own
//! statements, so both share `__migrations`), bound values, MySQL's result
//! header, rows decoded into the app's struct (BIGINT and DECIMAL as text),
//! MySQL's upsert, refusals with Forge's codes and MySQL's numbers, and the
//! data staying between invocations. The same component under a manifest
//! without a `sql` module loads and runs, and its statements answer
//! `APP_NOT_ENABLED`.

use kiln_runtime::LoadedApp;
use kiln_runtime::bindings::WorldVersion;
use kiln_tests::programs;
use serde_json::{Value, json};

use crate::support::{Harness, manifest, ok_json};

const HANDLERS: &[&str] = &[
    "migrate", "insert", "read", "find", "upsert", "errors", "raw", "probe",
];

/// The test manifest, with Forge's `sql` module declared or not.
fn sdk_sql_manifest(id: &str, declared: bool) -> String {
    let yaml = manifest(id, HANDLERS, &[], "");
    if !declared {
        return yaml;
    }
    let with_sql = yaml.replacen(
        "modules:\n",
        "modules:\n  sql:\n    - key: main\n      engine: mysql\n",
        1,
    );
    assert_ne!(with_sql, yaml, "the manifest has modules");
    with_sql
}

async fn sdk_sql_app(h: &Harness, id: &str, declared: bool) -> LoadedApp {
    let app = h
        .load(programs::SDK_SQL, &sdk_sql_manifest(id, declared))
        .await;
    // The SDK builds against the newest world, which has Forge SQL.
    assert_eq!(app.world(), WorldVersion::V0_5);
    assert_eq!(app.world(), WorldVersion::NEWEST);
    app
}

async fn call(h: &Harness, app: &LoadedApp, handler: &str, payload: Value) -> Value {
    let invoked = h.invoke(app, handler, payload).await;
    h.assert_no_canary(&invoked);
    ok_json(&invoked)
}

#[tokio::test]
async fn sdk_sql_migrates_writes_and_reads_typed_rows_across_invocations() {
    let h = Harness::start().await;
    let app = sdk_sql_app(&h, "sdk-sql", true).await;

    // The migrations run once, in order, recorded in `__migrations`.
    let first = call(&h, &app, "migrate", json!({})).await;
    let listed = json!([
        { "id": 1, "name": "v001_create_items", "migratedAtLength": 19 },
        { "id": 2, "name": "v002_add_stock", "migratedAtLength": 19 },
        { "id": 3, "name": "v003_index_price", "migratedAtLength": 19 },
    ]);
    assert_eq!(
        first,
        json!({
            "ran": ["v001_create_items", "v002_add_stock", "v003_index_price"],
            "listed": listed
        })
    );
    // Another invocation finds them applied.
    let invoked = h.invoke(&app, "migrate", json!({})).await;
    // The runner's CREATE TABLE IF NOT EXISTS, its SELECT of what ran, and
    // the handler's listing: each statement is one call.
    assert!(invoked.sql_calls >= 2, "{}", invoked.sql_calls);
    let again = ok_json(&invoked);
    assert_eq!(again, json!({ "ran": [], "listed": listed }));

    // Bound inserts answer MySQL's result header, the AUTO_INCREMENT id in
    // `insert_id`; an INSERT has no `changedRows`.
    let items = json!([
        { "name": "chair", "views": 9_007_199_254_740_993_i64, "price": "12.5",
          "attrs": { "color": "red", "tags": ["a", "b"] }, "stock": 3 },
        { "name": "lamp ' \"quoted\"; DROP TABLE items", "views": 0, "price": "19.99",
          "attrs": {}, "stock": 0 },
    ]);
    let inserted = call(&h, &app, "insert", items).await;
    assert_eq!(
        inserted,
        json!([
            { "affectedRows": 1, "insertId": 1, "changedRows": null },
            { "affectedRows": 1, "insertId": 2, "changedRows": null },
        ])
    );

    // Read back in an invocation of its own, into the app's struct: a
    // BIGINT beyond 2^53 exact (it came as text), DECIMAL as text with its
    // declared scale, JSON as the value stored, the TIMESTAMP default as
    // `YYYY-MM-DD HH:MM:SS`; a bound value is data, never SQL.
    let rows = call(&h, &app, "read", json!({})).await;
    let rows = rows.as_array().unwrap_or_else(|| panic!("rows: {rows}"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["id"], 1);
    assert_eq!(rows[0]["name"], "chair");
    assert_eq!(rows[0]["views"], 9_007_199_254_740_993_i64);
    assert_eq!(rows[0]["price"], "12.50");
    assert_eq!(
        rows[0]["attrs"],
        json!({ "color": "red", "tags": ["a", "b"] })
    );
    assert_eq!(rows[0]["stock"], 3);
    assert_eq!(rows[1]["name"], "lamp ' \"quoted\"; DROP TABLE items");
    assert_eq!(rows[1]["price"], "19.99");
    for row in rows {
        let created = row["created_at"].as_str().unwrap_or_default();
        assert!(
            created.len() == 19 && created.as_bytes()[4] == b'-' && created.as_bytes()[13] == b':',
            "a date and time: {row}"
        );
    }
    // fetch_optional: the row, or null.
    let found = call(&h, &app, "find", json!({ "name": "chair" })).await;
    assert_eq!(found["id"], 1, "{found}");
    let missing = call(&h, &app, "find", json!({ "name": "sofa" })).await;
    assert_eq!(missing, Value::Null);

    // MySQL's upsert: the first inserts the row, the second adds to its
    // stock; one row under that name either way.
    let inserted = call(&h, &app, "upsert", json!({ "name": "desk", "stock": 2 })).await;
    assert_eq!(
        inserted,
        json!({ "affectedRows": 1, "row": { "name": "desk", "stock": 2 } })
    );
    let updated = call(&h, &app, "upsert", json!({ "name": "desk", "stock": 5 })).await;
    assert_eq!(updated["row"], json!({ "name": "desk", "stock": 7 }));
    assert_eq!(
        updated["affectedRows"], 2,
        "MySQL counts an updated row twice"
    );
    let rows = call(&h, &app, "read", json!({})).await;
    assert_eq!(rows.as_array().map(Vec::len), Some(3), "{rows}");

    // A schema script of two statements, and raw statements of both shapes.
    let raw = call(&h, &app, "raw", json!({})).await;
    assert_eq!(
        raw,
        json!({ "ddlAffected": 0, "written": { "affectedRows": 1, "insertId": 1 }, "count": 1 })
    );
    h.assert_jira_untouched();
}

#[tokio::test]
async fn sdk_sql_refusals_carry_forges_codes_and_mysqls_numbers() {
    let h = Harness::start().await;
    let app = sdk_sql_app(&h, "sdk-sql-errors", true).await;
    call(&h, &app, "migrate", json!({})).await;
    call(
        &h,
        &app,
        "insert",
        json!([{ "name": "chair", "views": 1, "price": "1", "attrs": {}, "stock": 1 }]),
    )
    .await;

    let errors = call(&h, &app, "errors", json!({})).await;
    let code = |case: &str| errors[case]["code"].as_str().unwrap_or_default().to_owned();
    // The database's refusals, worded as MySQL's where apps match them.
    assert_eq!(code("duplicate"), "SQL_EXECUTION_ERROR", "{errors}");
    assert_eq!(errors["duplicate"]["mysql"], 1062, "{errors}");
    assert_eq!(code("noTable"), "SQL_EXECUTION_ERROR", "{errors}");
    assert_eq!(errors["noTable"]["mysql"], 1146, "{errors}");
    // Not one MySQL statement Forge SQL runs, or parameters that do not
    // match the `?`s.
    for case in ["notMysql", "twoStatements", "paramsMismatch"] {
        assert_eq!(code(case), "INVALID_SQL_QUERY", "{case}: {errors}");
    }
    // The SDK's own: fetch_one of no row.
    assert_eq!(code("notFound"), "ROW_NOT_FOUND", "{errors}");
    // A broken migration stops the runner, named, with the cause's code;
    // nothing of it is recorded.
    assert_eq!(
        errors["failedMigration"]["migration"], "v900_broken",
        "{errors}"
    );
    assert_eq!(
        errors["failedMigration"]["cause"]["code"], "SQL_EXECUTION_ERROR",
        "{errors}"
    );
    let migrated = call(&h, &app, "migrate", json!({})).await;
    assert_eq!(
        migrated["listed"].as_array().map(Vec::len),
        Some(3),
        "{migrated}"
    );
    // The refusals wrote nothing: one item still.
    let rows = call(&h, &app, "read", json!({})).await;
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
}

/// An app whose manifest declares no `sql` module still loads and runs (the
/// door is linked for every 0.5.0 component); its statements answer Forge's
/// `APP_NOT_ENABLED`, and no database is made for it.
#[tokio::test]
async fn sdk_sql_without_the_module_is_app_not_enabled() {
    let h = Harness::start().await;
    let app = sdk_sql_app(&h, "sdk-sql-undeclared", false).await;
    let probed = call(&h, &app, "probe", json!({})).await;
    assert_eq!(probed["code"], "APP_NOT_ENABLED", "{probed}");
    assert!(
        probed["message"]
            .as_str()
            .is_some_and(|message| message.contains("sql")),
        "says what to declare: {probed}"
    );
    // The migration runner's first statement is refused the same way, and
    // the handler's error says so.
    let invoked = h.invoke(&app, "migrate", json!({})).await;
    // Refused statements are counted: `runtime lint` reports them as calls
    // that need the module.
    assert_eq!(
        invoked.sql_calls, 1,
        "the runner stops at its first refusal"
    );
    let error = format!("{:?}", invoked.result.expect_err("no database"));
    assert!(error.contains("APP_NOT_ENABLED"), "{error}");
}
