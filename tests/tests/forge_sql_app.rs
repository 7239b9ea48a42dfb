//! Forge SQL on Kiln, end to end: the app `tests/js/forge-sql` bundles the
//! real `@forge/sql` 4.0.8 from its lockfile, whose statements reach the
//! host's `kiln:app/sql@0.5.0` through the Forge layer's `__fetchProduct`
//! (forge/kiln-forge-api/src/forge_sql.js), and run on the installation's
//! own database (state/src/forge_sql). Each handler reports what it
//! observed; the expectations are Forge SQL's documented behaviour: the
//! migration runner applying each migration once, bound parameters,
//! MySQL's result header (`affectedRows`, `insertId`), how each column type
//! comes back (DECIMAL as a string with its scale, JSON as its value, dates
//! as strings), MySQL's upsert, the `errorCodes` an app branches on with
//! their HTTP statuses, and the data staying between invocations. The same
//! code under a manifest without a `sql` module has no database at all.

use serde_json::{Value, json};

use crate::support::{forge_example, ok_json};

/// The failure a handler caught: `{ code, status }` and its class.
fn failure(report: &Value) -> (&str, u64, bool) {
    let err = &report["err"];
    (
        err["code"]
            .as_str()
            .unwrap_or_else(|| panic!("an error code: {report}")),
        err["status"]
            .as_u64()
            .unwrap_or_else(|| panic!("a status: {report}")),
        err["forgeSqlApiError"] == true,
    )
}

#[tokio::test]
async fn the_real_forge_sql_package_migrates_writes_and_reads_across_invocations() {
    let Some((h, app)) = forge_example::load_test_app("forge-sql").await else {
        return;
    };

    // The migration runner: both migrations run once, in order, recorded in
    // `__migrations`, which `list()` reads back with Dates.
    let first = ok_json(&h.invoke(&app, "migrate", json!({})).await);
    assert_eq!(
        first["ok"]["ran"],
        json!(["v001_create_items", "v002_add_stock"]),
        "{first}"
    );
    // `__migrations.id` is a BIGINT: a string, as Forge answers one.
    let listed = json!([
        { "id": "1", "name": "v001_create_items", "migratedAtIsDate": true },
        { "id": "2", "name": "v002_add_stock", "migratedAtIsDate": true },
    ]);
    assert_eq!(first["ok"]["listed"], listed, "{first}");
    // Another invocation (as each of Forge's is) finds them applied.
    let again = ok_json(&h.invoke(&app, "migrate", json!({})).await);
    assert_eq!(again["ok"]["ran"], json!([]), "{again}");
    assert_eq!(again["ok"]["listed"], listed, "{again}");

    // Bound inserts answer MySQL's result header, the AUTO_INCREMENT id in
    // `insertId`.
    let items = json!([
        { "name": "chair", "attrs": { "color": "red", "tags": ["a", "b"] }, "price": 12.5, "stock": 3 },
        { "name": "lamp ' \"quoted\"; DROP TABLE items", "attrs": {}, "price": "19.99", "stock": 0 },
    ]);
    let inserted = ok_json(&h.invoke(&app, "insert", json!({ "items": items })).await);
    assert_eq!(
        inserted["ok"],
        json!([
            { "affectedRows": 1, "insertId": 1 },
            { "affectedRows": 1, "insertId": 2 },
        ]),
        "{inserted}"
    );

    // Read back in an invocation of its own: the rows stayed. DECIMAL comes
    // back as a string with its declared scale, JSON as the value stored,
    // INT as a number, the BIGINT AUTO_INCREMENT id as a string, TIMESTAMP (its default, the time of the insert) as a
    // string; a bound value is data, never SQL.
    let read = ok_json(&h.invoke(&app, "read", json!({})).await);
    let rows = read["ok"]
        .as_array()
        .unwrap_or_else(|| panic!("rows: {read}"));
    assert_eq!(rows.len(), 2, "{read}");
    for (row, (id, name, attrs, price, stock)) in rows.iter().zip([
        (
            "1",
            "chair",
            json!({ "color": "red", "tags": ["a", "b"] }),
            "12.50",
            3,
        ),
        (
            "2",
            "lamp ' \"quoted\"; DROP TABLE items",
            json!({}),
            "19.99",
            0,
        ),
    ]) {
        assert_eq!(row["id"], id, "{row}");
        assert_eq!(row["name"], name, "{row}");
        assert_eq!(row["attrs"], attrs, "{row}");
        assert_eq!(row["price"], price, "{row}");
        assert_eq!(row["stock"], stock, "{row}");
        let created = row["created_at"].as_str().unwrap_or_default();
        assert!(
            created.len() >= 19
                && created.as_bytes()[4] == b'-'
                && created[11..19].bytes().filter(|b| *b == b':').count() == 2,
            "a date and time: {row}"
        );
    }

    // MySQL's upsert: the first inserts the row, the second adds to the
    // existing row's stock; one row under that key either way.
    let upsert = |stock: u32| json!({ "id": 10, "name": "desk", "stock": stock });
    let inserted = ok_json(&h.invoke(&app, "upsert", upsert(2)).await);
    assert_eq!(
        inserted["ok"]["rows"],
        json!([{ "id": "10", "name": "desk", "stock": 2 }]),
        "{inserted}"
    );
    assert_eq!(inserted["ok"]["affectedRows"], 1, "{inserted}");
    let updated = ok_json(&h.invoke(&app, "upsert", upsert(5)).await);
    assert_eq!(
        updated["ok"]["rows"],
        json!([{ "id": "10", "name": "desk", "stock": 7 }]),
        "{updated}"
    );
    let read = ok_json(&h.invoke(&app, "read", json!({})).await);
    assert_eq!(read["ok"].as_array().map(Vec::len), Some(3), "{read}");
    h.assert_jira_untouched();
}

/// Forge's answer is `{ rows, metadata }`: forge-sql-orm reports
/// `dbExecutionTime` and `responseSize`, and enforces row-level rules by each
/// column's `orgTable` in `metadata.fields`, skipping them when the fields are
/// missing; the real `@forge/sql` hands the metadata to the app as it came.
#[tokio::test]
async fn answers_carry_forges_metadata_with_each_columns_origin() {
    let Some((h, app)) = forge_example::load_test_app("forge-sql").await else {
        return;
    };
    ok_json(&h.invoke(&app, "migrate", json!({})).await);
    let items = json!([{ "name": "chair", "attrs": {}, "price": 1, "stock": 3 }]);
    ok_json(&h.invoke(&app, "insert", json!({ "items": items })).await);

    let report = ok_json(&h.invoke(&app, "metadata", json!({})).await);
    let ok = &report["ok"];
    assert_eq!(
        ok["rows"],
        json!([{ "item": "chair", "label": "top", "doubled": 6 }]),
        "{report}"
    );
    let query = &ok["query"];
    // mysql2's names: `table` is the alias the statement gave, `orgTable` the
    // table; a computed column comes from no table.
    let fields: Vec<Value> = query["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("fields: {report}"))
        .iter()
        .map(|field| {
            json!([
                field["name"],
                field["orgName"],
                field["table"],
                field["orgTable"]
            ])
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            json!(["item", "name", "i", "items"]),
            json!(["label", "label", "s", "shelves"]),
            json!(["doubled", "", "", ""]),
        ],
        "{report}"
    );
    assert!(query["dbExecutionTime"].is_u64(), "{report}");
    // The size of the rows as sent: the JSON text of the one row.
    let sent = r#"[{"item":"chair","label":"top","doubled":6}]"#;
    assert_eq!(query["responseSize"], sent.len(), "{report}");

    // A write answers its result header: time and size, no fields.
    let write = &ok["write"];
    assert!(write["dbExecutionTime"].is_u64(), "{report}");
    assert!(
        write["responseSize"].as_u64().is_some_and(|n| n > 0),
        "{report}"
    );
    assert!(write.get("fields").is_none(), "{report}");
}

#[tokio::test]
async fn statements_forge_sql_refuses_are_its_errors_with_forges_codes_and_statuses() {
    let Some((h, app)) = forge_example::load_test_app("forge-sql").await else {
        return;
    };
    let bad = ok_json(&h.invoke(&app, "bad", json!({})).await);
    // The package's own `errorCodes`, which the app branches on.
    assert_eq!(
        bad["codes"],
        json!({
            "UNKNOWN_ERROR": "UNKNOWN_ERROR",
            "SQL_EXECUTION_ERROR": "SQL_EXECUTION_ERROR",
            "INVALID_SQL_QUERY": "INVALID_SQL_QUERY",
            "QUERY_TIMED_OUT": "QUERY_TIMED_OUT",
            "APP_NOT_ENABLED": "APP_NOT_ENABLED",
        })
    );
    // A statement the database refuses, and ones that are not one MySQL
    // statement, each a ForgeSQLAPIError with the service's 400.
    assert_eq!(
        failure(&bad["noTable"]),
        ("SQL_EXECUTION_ERROR", 400, true),
        "{bad}"
    );
    assert_eq!(
        failure(&bad["notSql"]),
        ("INVALID_SQL_QUERY", 400, true),
        "{bad}"
    );
    assert_eq!(
        failure(&bad["twoStatements"]),
        ("INVALID_SQL_QUERY", 400, true),
        "{bad}"
    );
    // A migration that fails is the runner's MigrationExecutionError, the
    // service's error its cause.
    let migration = &bad["badMigration"]["err"];
    assert_eq!(migration["className"], "MigrationExecutionError", "{bad}");
    assert_eq!(migration["cause"]["code"], "INVALID_SQL_QUERY", "{bad}");
    assert_eq!(migration["cause"]["status"], 400, "{bad}");

    // The statement kinds: a schema change through executeDDL changes no
    // rows; a data statement through executeRaw; a computed column comes
    // back as a number.
    let kinds = ok_json(&h.invoke(&app, "kinds", json!({})).await);
    assert_eq!(kinds["ddl"]["ok"]["rows"]["affectedRows"], 0, "{kinds}");
    assert_eq!(kinds["raw"]["ok"]["rows"]["affectedRows"], 1, "{kinds}");
    assert_eq!(kinds["count"]["ok"]["rows"], json!([{ "n": 1 }]), "{kinds}");
    h.assert_jira_untouched();
}

#[tokio::test]
async fn an_app_whose_manifest_declares_no_sql_module_has_no_database() {
    // tests/js/forge-sql's component under its manifest without the `sql`
    // module: what the host grants follows the declaration, not the code.
    let sql_module = "  sql:\n    - key: main\n      engine: mysql\n";
    let Some((h, app)) = forge_example::load_test_app_with_manifest("forge-sql", |manifest| {
        assert!(manifest.contains(sql_module), "{manifest}");
        manifest.replace(sql_module, "")
    })
    .await
    else {
        return;
    };
    // Forge's answer to an app without Forge SQL: APP_NOT_ENABLED, 403, for
    // schema and data statements alike.
    let migrate = ok_json(&h.invoke(&app, "migrate", json!({})).await);
    assert_eq!(
        failure(&migrate),
        ("APP_NOT_ENABLED", 403, true),
        "{migrate}"
    );
    let items = json!([{ "name": "chair", "attrs": {}, "price": 1, "stock": 1 }]);
    let insert = ok_json(&h.invoke(&app, "insert", json!({ "items": items })).await);
    assert_eq!(failure(&insert), ("APP_NOT_ENABLED", 403, true), "{insert}");
    let kinds = ok_json(&h.invoke(&app, "kinds", json!({})).await);
    for kind in ["ddl", "raw", "count"] {
        assert_eq!(
            failure(&kinds[kind]),
            ("APP_NOT_ENABLED", 403, true),
            "{kind}: {kinds}"
        );
    }
    h.assert_jira_untouched();
}
