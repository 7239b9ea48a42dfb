//! Forge SQL's answer metadata: each column of a query traced to the table it comes from, as
//! mysql2's fields name it (forge-sql-orm checks row-level rules by `orgTable` and skips
//! the check when the fields are missing), and the time and size Forge reports.

use kiln_state::forge_sql::answer::{Answer, Field};
use kiln_state::forge_sql::{Endpoint, ForgeSqlDatabase, ForgeSqlLimits};
use serde_json::{Value, json};

fn database() -> ForgeSqlDatabase {
    let mut db = ForgeSqlDatabase::in_memory(ForgeSqlLimits::default()).expect("database");
    for ddl in [
        "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50), team_id INT)",
        "CREATE TABLE teams (id INT PRIMARY KEY, title VARCHAR(50))",
    ] {
        db.execute_answer(Endpoint::Schema, ddl, &[])
            .expect("schema");
    }
    for insert in [
        "INSERT INTO teams VALUES (1, 'core')",
        "INSERT INTO users VALUES (7, 'ada', 1)",
    ] {
        db.execute_answer(Endpoint::Data, insert, &[])
            .expect("insert");
    }
    db
}

fn answer(db: &mut ForgeSqlDatabase, query: &str) -> Answer {
    match db.execute_answer(Endpoint::Data, query, &[]) {
        Ok(answer) => answer,
        Err(error) => panic!("{query}\n  failed: {error}"),
    }
}

fn field(name: &str, org_name: &str, table: &str, org_table: &str) -> Field {
    Field {
        name: name.to_owned(),
        org_name: org_name.to_owned(),
        table: table.to_owned(),
        org_table: org_table.to_owned(),
    }
}

#[test]
fn a_join_names_each_columns_alias_table_and_origin() {
    let mut db = database();
    let answer = answer(
        &mut db,
        "SELECT u.id, u.name AS who, t.title FROM users AS u JOIN teams t ON t.id = u.team_id",
    );
    assert_eq!(
        answer.fields,
        Some(vec![
            field("id", "id", "u", "users"),
            field("who", "name", "u", "users"),
            field("title", "title", "t", "teams"),
        ])
    );
}

#[test]
fn a_table_without_alias_goes_by_its_name() {
    let mut db = database();
    let answer = answer(&mut db, "SELECT name FROM users WHERE id = 7");
    assert_eq!(
        answer.fields,
        Some(vec![field("name", "name", "users", "users")])
    );
}

#[test]
fn computed_columns_have_no_origin() {
    let mut db = database();
    let answer = answer(
        &mut db,
        "SELECT COUNT(*) AS n, UPPER(MAX(name)) AS loud, 1 + 1 AS two FROM users",
    );
    assert_eq!(
        answer.fields,
        Some(vec![
            field("n", "", "", ""),
            field("loud", "", "", ""),
            field("two", "", "", ""),
        ])
    );
}

/// SQLite traces a column to its table, not to the alias it came through: with the table
/// named twice, naming either alias could name the wrong one, so the table's name is given.
#[test]
fn a_self_join_names_the_alias_each_column_is_read_by() {
    let mut db = database();
    let answer = answer(
        &mut db,
        "SELECT a.name, b.name AS other, upper(b.name) AS shout FROM users a JOIN users b ON a.id = b.id",
    );
    assert_eq!(
        answer.fields,
        Some(vec![
            field("name", "name", "a", "users"),
            field("other", "name", "b", "users"),
            field("shout", "", "", ""),
        ])
    );
}

/// `a.*` is every column of `a`'s table in the table's order, so the columns it stands for
/// are the run SQLite traces to that table, up to a name the run already gave: MySQL names
/// `a` for each of them, and `b` for what is read through `b`.
#[test]
fn a_self_join_read_by_wildcards_names_each_alias() {
    let mut db = database();
    let users = |table: &str| {
        vec![
            field("id", "id", table, "users"),
            field("name", "name", table, "users"),
            field("team_id", "team_id", table, "users"),
        ]
    };
    for (query, expected) in [
        (
            "SELECT a.*, b.name FROM users a JOIN users b ON a.id = b.id",
            [users("a"), vec![field("name", "name", "b", "users")]].concat(),
        ),
        (
            "SELECT b.*, a.* FROM users a JOIN users b ON a.id = b.id",
            [users("b"), users("a")].concat(),
        ),
        // `*` is each table of `FROM` in turn.
        (
            "SELECT * FROM users a JOIN users b ON a.id = b.id",
            [users("a"), users("b")].concat(),
        ),
        // A column read after `a.*` begins where `a`'s run ends, even from `a` itself.
        (
            "SELECT a.*, a.id AS again, b.id FROM users a JOIN users b ON a.id = b.id",
            [
                users("a"),
                vec![
                    field("again", "id", "a", "users"),
                    field("id", "id", "b", "users"),
                ],
            ]
            .concat(),
        ),
        // Another table between the runs.
        (
            "SELECT a.*, t.*, b.team_id FROM users a JOIN teams t ON t.id = a.team_id \
             JOIN users b ON b.id = a.id",
            [
                users("a"),
                vec![
                    field("id", "id", "t", "teams"),
                    field("title", "title", "t", "teams"),
                    field("team_id", "team_id", "b", "users"),
                ],
            ]
            .concat(),
        ),
    ] {
        assert_eq!(answer(&mut db, query).fields, Some(expected), "{query}");
    }
}

/// `USING` shows the column it joins on once, so where `b`'s columns begin under `*` is not
/// in the text: rather than guess an alias, each self-joined column goes by the table's name.
#[test]
fn a_self_join_whose_wildcard_cannot_be_placed_names_the_table_not_a_guessed_alias() {
    let mut db = database();
    let answer = answer(
        &mut db,
        "SELECT *, a.name AS mine FROM users a JOIN users b USING (id)",
    );
    let fields = answer.fields.expect("a query's fields");
    assert!(fields.len() > 1, "{fields:?}");
    assert!(
        fields
            .iter()
            .all(|f| f.table == "users" && f.org_table == "users"),
        "{fields:?}"
    );
}

#[test]
fn the_forge_text_carries_rows_then_metadata() {
    let mut db = database();
    let answer = answer(&mut db, "SELECT u.name FROM users u");
    let text = answer.to_forge_text();
    assert!(
        text.starts_with(r#"{"rows":[{"name":"ada"}],"metadata":"#),
        "{text}"
    );
    let json: Value = serde_json::from_str(&text).expect("JSON");
    let metadata = &json["metadata"];
    assert!(metadata["dbExecutionTime"].is_u64(), "{metadata}");
    assert_eq!(metadata["responseSize"], r#"[{"name":"ada"}]"#.len());
    assert_eq!(
        metadata["fields"],
        json!([{"name": "name", "orgName": "name", "table": "u", "orgTable": "users"}])
    );
}

/// mysql2 answers a write with a result header and no fields.
#[test]
fn a_write_carries_time_and_size_but_no_fields() {
    let mut db = database();
    let answer = db
        .execute_answer(
            Endpoint::Data,
            "UPDATE users SET name = ? WHERE id = 7",
            &[json!("grace")],
        )
        .expect("update");
    assert_eq!(answer.fields, None);
    let json: Value = serde_json::from_str(&answer.to_forge_text()).expect("JSON");
    assert_eq!(json["rows"]["affectedRows"], 1);
    assert_eq!(
        json["metadata"]["responseSize"],
        json["rows"].to_string().len()
    );
    assert!(json["metadata"].get("fields").is_none());
}
