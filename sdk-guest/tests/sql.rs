//! `kiln_sdk::sql` on the native test seam, as an app's unit tests use it:
//! statements, binds, typed rows, result headers, errors and the migration
//! runner against `kiln_sdk::testing::Fake`'s SQL fake.

use kiln_sdk::sql::{
    self, Answer, CREATE_MIGRATIONS_TABLE, INSERT_MIGRATION, LIST_MIGRATIONS, MigrationError,
    ResultHeader, SqlErrorCode, StatementKind,
};
use kiln_sdk::testing::Fake;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: i32,
    name: String,
    #[serde(deserialize_with = "sql::number::deserialize")]
    views: i64,
    price: String,
}

#[test]
fn rows_decode_into_the_apps_type_and_the_statement_is_sent_as_the_host_gets_it() {
    let fake = Fake::install();
    fake.sql()
        .on("SELECT id, name, views, price FROM items WHERE name = ?")
        .rows(&[
            json!({ "id": 1, "name": "chair", "views": "9007199254740993", "price": "12.50" }),
        ]);

    let item: Item = sql::prepare(
        "SELECT id, name, views, price
           FROM items
          WHERE name = ?",
    )
    .bind("chair")
    .fetch_one()
    .unwrap();
    assert_eq!(
        item,
        Item {
            id: 1,
            name: "chair".into(),
            views: 9_007_199_254_740_993,
            price: "12.50".into()
        }
    );
    let sent = fake.sql().statements();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, StatementKind::Data);
    assert_eq!(sent[0].params, [json!("chair")]);
}

#[test]
fn fetch_one_and_fetch_optional_hold_the_query_to_one_row() {
    let fake = Fake::install();
    fake.sql().on("SELECT 1 AS n").once().rows::<Value>(&[]);
    fake.sql().on("SELECT 1 AS n").once().rows::<Value>(&[]);
    fake.sql()
        .on("SELECT 1 AS n")
        .rows(&[json!({ "n": 1 }), json!({ "n": 1 })]);

    assert_eq!(
        sql::prepare("SELECT 1 AS n")
            .fetch_optional::<Value>()
            .unwrap(),
        None
    );
    let none = sql::prepare("SELECT 1 AS n")
        .fetch_one::<Value>()
        .unwrap_err();
    assert_eq!(none.code, SqlErrorCode::RowNotFound);
    let several = sql::prepare("SELECT 1 AS n")
        .fetch_one::<Value>()
        .unwrap_err();
    assert_eq!(several.code, SqlErrorCode::UnexpectedAnswer);
    assert!(several.message.contains("2 rows"), "{several}");
    assert_eq!(
        sql::prepare("SELECT 1 AS n")
            .fetch_all::<Value>()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn writes_answer_their_header_and_execute_raw_either_shape() {
    let fake = Fake::install();
    fake.sql()
        .on("INSERT INTO items (name) VALUES (?)")
        .inserted(7);
    fake.sql()
        .on("UPDATE items SET name = ?")
        .header(ResultHeader {
            affected_rows: 3,
            insert_id: 0,
            changed_rows: Some(2),
        });
    fake.sql()
        .on("SELECT name FROM items")
        .rows(&[json!({ "name": "a" })]);

    let inserted = sql::prepare("INSERT INTO items (name) VALUES (?)")
        .bind("lamp")
        .execute()
        .unwrap();
    assert_eq!((inserted.affected_rows, inserted.insert_id), (1, 7));
    let updated = sql::prepare("UPDATE items SET name = ?")
        .bind("x")
        .execute()
        .unwrap();
    assert_eq!(updated.changed_rows, Some(2));
    assert!(matches!(
        sql::execute_raw("UPDATE items SET name = ?").unwrap(),
        Answer::Written(ResultHeader {
            affected_rows: 3,
            ..
        })
    ));
    assert!(matches!(
        sql::execute_raw("SELECT name FROM items").unwrap(),
        Answer::Rows(rows) if rows[0]["name"] == "a"
    ));
    // A query where a header is expected, and the reverse, are the app's
    // mistake, said as such.
    let error = sql::prepare("SELECT name FROM items")
        .execute()
        .unwrap_err();
    assert_eq!(error.code, SqlErrorCode::UnexpectedAnswer);
    let error = sql::prepare("UPDATE items SET name = ?")
        .bind("x")
        .fetch_all::<Value>()
        .unwrap_err();
    assert_eq!(error.code, SqlErrorCode::UnexpectedAnswer);
}

#[test]
fn a_value_that_is_not_a_scalar_is_refused_before_anything_is_sent() {
    let fake = Fake::install();
    let error = sql::prepare("INSERT INTO t VALUES (?, ?)")
        .bind("a")
        .bind(&json!({ "nested": true }))
        .execute()
        .unwrap_err();
    assert_eq!(error.code, SqlErrorCode::InvalidSqlQuery);
    assert!(error.message.contains("parameter 2"), "{error}");
    assert!(fake.sql().statements().is_empty());
}

#[test]
fn the_hosts_refusals_keep_forges_code_and_mysqls_words() {
    let fake = Fake::install();
    fake.sql().on("INSERT INTO items (id) VALUES (?)").fail(
        SqlErrorCode::SqlExecutionError,
        "Error 1062 (23000): Duplicate entry '1' for key 'items.id'",
    );
    let error = sql::prepare("INSERT INTO items (id) VALUES (?)")
        .bind(&1)
        .execute()
        .unwrap_err();
    assert_eq!(error.code, SqlErrorCode::SqlExecutionError);
    assert_eq!(error.mysql_error(), Some(1062));
    assert!(
        error.to_string().starts_with("SQL_EXECUTION_ERROR: "),
        "{error}"
    );

    fake.sql().disable();
    let error = sql::execute_raw("SELECT 1").unwrap_err();
    assert_eq!(error.code, SqlErrorCode::AppNotEnabled);
    assert_eq!(error.code.as_str(), "APP_NOT_ENABLED");
}

#[test]
fn the_migration_runner_sends_forge_sqls_statements_and_applies_each_once() {
    let fake = Fake::install();
    fake.sql().migrated(["v001_create_items"]);
    let runner = || {
        sql::migration_runner()
            .enqueue(
                "v001_create_items",
                "CREATE TABLE items (id INT PRIMARY KEY)",
            )
            .enqueue("v002_add_stock", "ALTER TABLE items ADD COLUMN stock INT")
            .enqueue("v002_add_stock", "ignored: the name is enqueued already")
    };
    assert_eq!(runner().enqueued(), ["v001_create_items", "v002_add_stock"]);

    assert_eq!(runner().run().unwrap(), ["v002_add_stock"]);
    assert_eq!(runner().run().unwrap(), Vec::<String>::new());
    assert_eq!(
        fake.sql().migrations(),
        ["v001_create_items", "v002_add_stock"]
    );
    let listed = runner().list().unwrap();
    assert_eq!(listed[1].id, 2);
    assert_eq!(listed[1].name, "v002_add_stock");

    // Exactly @forge/sql 4.0.8's statements, through its endpoints.
    let sent: Vec<(StatementKind, String, Vec<Value>)> = fake
        .sql()
        .statements()
        .into_iter()
        .take(5)
        .map(|s| (s.kind, s.query, s.params))
        .collect();
    assert_eq!(
        sent,
        [
            (
                StatementKind::Schema,
                CREATE_MIGRATIONS_TABLE.into(),
                vec![]
            ),
            (StatementKind::Schema, LIST_MIGRATIONS.into(), vec![]),
            (
                StatementKind::Schema,
                "ALTER TABLE items ADD COLUMN stock INT".into(),
                vec![]
            ),
            (
                StatementKind::Data,
                INSERT_MIGRATION.into(),
                vec![json!("v002_add_stock")]
            ),
            (
                StatementKind::Schema,
                CREATE_MIGRATIONS_TABLE.into(),
                vec![]
            ),
        ]
    );
}

#[test]
fn a_failing_migration_stops_the_run_and_names_what_is_left() {
    let fake = Fake::install();
    fake.sql().on("ALTER TABLE nope ADD COLUMN x INT").fail(
        SqlErrorCode::SqlExecutionError,
        "Error 1146 (42S02): Table 'nope' doesn't exist",
    );
    let error = sql::migration_runner()
        .enqueue("v001", "CREATE TABLE a (id INT)")
        .enqueue("v002", "ALTER TABLE nope ADD COLUMN x INT")
        .enqueue("v003", "CREATE TABLE b (id INT)")
        .run()
        .unwrap_err();
    match &error {
        MigrationError::Execution {
            migration,
            yet_to_run,
            cause,
        } => {
            assert_eq!(migration, "v002");
            assert_eq!(yet_to_run, &["v001", "v002", "v003"]);
            assert_eq!(cause.mysql_error(), Some(1146));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with("Failed to execute migration with name v002: SQL_EXECUTION_ERROR"),
        "{error}"
    );
    assert_eq!(fake.sql().migrations(), ["v001"], "v001 stays applied");
    let as_sql: sql::SqlError = error.into();
    assert_eq!(as_sql.code, SqlErrorCode::SqlExecutionError);
}

#[test]
#[should_panic(expected = "no stub answers the SQL statement")]
fn an_unscripted_query_fails_the_test_rather_than_invent_rows() {
    let _fake = Fake::install();
    let _ = sql::prepare("SELECT * FROM items").fetch_all::<Value>();
}
