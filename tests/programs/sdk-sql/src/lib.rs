//! A Forge SQL app on `kiln_sdk::sql`, for `tests/tests/sdk_sql.rs`: each
//! handler does what an app's author would (migrate, insert, read rows into
//! a struct, upsert, recognise a refusal by its code) and reports what it
//! saw, so the host test checks the SDK against the real engine.

use kiln_sdk::prelude::*;
use kiln_sdk::sql::{self, Answer, MigrationError, SqlError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The schema, as a Forge app declares it: a table, then a change to it.
fn migrations() -> sql::MigrationRunner {
    sql::migration_runner()
        .enqueue(
            "v001_create_items",
            "CREATE TABLE IF NOT EXISTS items (
                id INT PRIMARY KEY AUTO_INCREMENT,
                name VARCHAR(255) NOT NULL UNIQUE,
                views BIGINT NOT NULL DEFAULT 0,
                price DECIMAL(10,2),
                attrs JSON,
                created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        )
        .enqueue(
            "v002_add_stock",
            "ALTER TABLE items ADD COLUMN stock INT NOT NULL DEFAULT 0",
        )
        .enqueue(
            "v003_index_price",
            "CREATE INDEX idx_items_price ON items (price)",
        )
}

#[derive(Serialize)]
struct Migrated {
    ran: Vec<String>,
    listed: Vec<Value>,
}

#[kiln_sdk::handler]
fn migrate(_payload: Value) -> Result<Migrated, AppError> {
    let ran = migrations().run()?;
    let listed = migrations()
        .list()?
        .into_iter()
        .map(|m| json!({ "id": m.id, "name": m.name, "migratedAtLength": m.migrated_at.len() }))
        .collect();
    Ok(Migrated { ran, listed })
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
    views: i64,
    price: String,
    attrs: Value,
    stock: i32,
}

#[kiln_sdk::handler]
fn insert(items: Vec<NewItem>) -> Result<Vec<Value>, AppError> {
    let mut headers = Vec::new();
    for item in items {
        let header = sql::prepare(
            "INSERT INTO items (name, views, price, attrs, stock) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&item.name)
        .bind(&item.views)
        .bind(&item.price)
        .bind_json(&item.attrs)
        .bind(&item.stock)
        .execute()?;
        headers.push(json!({
            "affectedRows": header.affected_rows,
            "insertId": header.insert_id,
            "changedRows": header.changed_rows,
        }));
    }
    Ok(headers)
}

/// A row as the app reads it: BIGINT and DECIMAL come back as text.
#[derive(Deserialize, Serialize)]
struct Item {
    id: i32,
    name: String,
    #[serde(deserialize_with = "sql::number::deserialize")]
    views: i64,
    price: Option<String>,
    attrs: Value,
    stock: i32,
    created_at: String,
}

#[kiln_sdk::handler]
fn read(_payload: Value) -> Result<Vec<Item>, AppError> {
    Ok(sql::prepare(
        "SELECT id, name, views, price, attrs, stock, created_at FROM items ORDER BY id",
    )
    .fetch_all()?)
}

#[derive(Deserialize)]
struct Lookup {
    name: String,
}

#[kiln_sdk::handler]
fn find(lookup: Lookup) -> Result<Value, AppError> {
    let found: Option<Item> = sql::prepare(
        "SELECT id, name, views, price, attrs, stock, created_at FROM items WHERE name = ?",
    )
    .bind(&lookup.name)
    .fetch_optional()?;
    Ok(serde_json::to_value(found)?)
}

#[derive(Deserialize)]
struct Restock {
    name: String,
    stock: i32,
}

/// MySQL's upsert: a new name is inserted, a known one gets more stock.
#[kiln_sdk::handler]
fn upsert(restock: Restock) -> Result<Value, AppError> {
    let header = sql::prepare(
        "INSERT INTO items (name, stock) VALUES (?, ?) \
         ON DUPLICATE KEY UPDATE stock = stock + VALUES(stock)",
    )
    .bind(&restock.name)
    .bind(&restock.stock)
    .execute()?;
    #[derive(Deserialize, Serialize)]
    struct Stock {
        name: String,
        stock: i32,
    }
    let row: Stock = sql::prepare("SELECT name, stock FROM items WHERE name = ?")
        .bind(&restock.name)
        .fetch_one()?;
    Ok(json!({ "affectedRows": header.affected_rows, "row": row }))
}

/// What an error looked like to the app: Forge's code, MySQL's number, the
/// message.
fn reported(error: &SqlError) -> Value {
    json!({
        "code": error.code.as_str(),
        "mysql": error.mysql_error(),
        "message": error.message,
    })
}

/// Statements that fail, each caught and reported as the app sees it.
#[kiln_sdk::handler]
fn errors(_payload: Value) -> Result<Value, AppError> {
    let caught = |outcome: Result<(), SqlError>| match outcome {
        Ok(()) => json!("ran"),
        Err(error) => reported(&error),
    };
    let duplicate = caught(
        sql::prepare("INSERT INTO items (id, name) VALUES (?, ?)")
            .bind(&1)
            .bind("another")
            .execute()
            .map(drop),
    );
    let no_table = caught(
        sql::prepare("SELECT * FROM nowhere")
            .fetch_all::<Value>()
            .map(drop),
    );
    let not_mysql = caught(sql::execute_raw("SELEKT 1").map(drop));
    let two_statements = caught(sql::execute_raw("SELECT 1; SELECT 2").map(drop));
    let params_mismatch = caught(
        sql::prepare("SELECT * FROM items WHERE id = ? AND name = ?")
            .bind(&1)
            .fetch_all::<Value>()
            .map(drop),
    );
    let not_found = caught(
        sql::prepare("SELECT id FROM items WHERE name = ?")
            .bind("no such item")
            .fetch_one::<Value>()
            .map(drop),
    );
    let failed_migration = match sql::migration_runner()
        .enqueue("v900_broken", "ALTER TABLE nowhere ADD COLUMN x INT")
        .run()
    {
        Ok(ran) => json!({ "ran": ran }),
        Err(MigrationError::Execution {
            migration, cause, ..
        }) => json!({ "migration": migration, "cause": reported(&cause) }),
        Err(other) => json!({ "other": other.to_string() }),
    };
    Ok(json!({
        "duplicate": duplicate,
        "noTable": no_table,
        "notMysql": not_mysql,
        "twoStatements": two_statements,
        "paramsMismatch": params_mismatch,
        "notFound": not_found,
        "failedMigration": failed_migration,
    }))
}

/// Schema script and raw statements: `execute_ddl` of two statements, then
/// `execute_raw` of a write and a query.
#[kiln_sdk::handler]
fn raw(_payload: Value) -> Result<Value, AppError> {
    let ddl = sql::execute_ddl(
        "CREATE TABLE IF NOT EXISTS notes (id INT PRIMARY KEY AUTO_INCREMENT, body TEXT);
         CREATE TABLE IF NOT EXISTS tags (note INT NOT NULL, tag VARCHAR(64) NOT NULL);",
    )?;
    let written = match sql::execute_raw("INSERT INTO notes (body) VALUES ('hello')")? {
        Answer::Written(header) => {
            json!({ "affectedRows": header.affected_rows, "insertId": header.insert_id })
        }
        Answer::Rows(_) => json!("rows?"),
    };
    let count = match sql::execute_raw("SELECT COUNT(*) AS n FROM notes")? {
        Answer::Rows(rows) => rows[0]["n"].clone(),
        Answer::Written(_) => json!("header?"),
    };
    Ok(json!({ "ddlAffected": ddl.affected_rows, "written": written, "count": count }))
}

/// Any statement, for the undeclared case: what the host answers.
#[kiln_sdk::handler]
fn probe(_payload: Value) -> Result<Value, AppError> {
    Ok(match sql::execute_raw("SELECT 1 AS one") {
        Ok(_) => json!("ran"),
        Err(error) => reported(&error),
    })
}

kiln_sdk::export_app!(migrate, insert, read, find, upsert, errors, raw, probe);
