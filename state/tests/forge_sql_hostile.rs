//! Forge SQL under hostile statements: whatever text and values an app sends, the database
//! answers a result or a typed error, never a panic, and keeps answering afterwards.
//!
//! An app's statement reaches a parser, a tree rewrite for SQLite (LATERAL, JSON paths,
//! aggregate types, wildcards, `information_schema`, `SHOW`, table rebuilds) and SQLite
//! itself: each is code a malformed or unexpected statement can drive down a path no
//! hand-written test took. The statements here are built from MySQL's words and Kiln's
//! rewritten constructs, spliced at random into shapes the parser accepts often enough to
//! reach the rewrites. The generator is seeded, so a failure reproduces; set
//! `KILN_SQL_HOSTILE_CASES` to run more than CI's share, and `KILN_SQL_HOSTILE_PRINT` (with
//! `--nocapture`) to see each statement and its answer.

use std::cell::Cell;

use kiln_state::forge_sql::{Endpoint, ForgeSqlDatabase, ForgeSqlLimits};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

/// CI's share: enough to walk each rewrite many times, a few seconds on two cores.
const CASES: u32 = 1_500;

const SCHEMA: [&str; 3] = [
    "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50) NOT NULL, \
     team_id INT, born DATE, doc JSON, price DECIMAL(10, 2), big BIGINT, UNIQUE KEY uname (name))",
    "CREATE TABLE teams (id INT PRIMARY KEY, title VARCHAR(50), created TIMESTAMP)",
    "CREATE INDEX by_team ON users (team_id)",
];

const ROWS: [&str; 3] = [
    "INSERT INTO teams VALUES (1, 'core', '2024-01-02 03:04:05')",
    "INSERT INTO users (name, team_id, born, doc, price, big) VALUES \
     ('ada', 1, '1815-12-10', '{\"a\": [1, 2], \"b\": {\"c\": \"d\"}}', 12.5, 9007199254740993)",
    "INSERT INTO users (name, team_id, doc) VALUES ('bob', NULL, '[]')",
];

/// Words a statement is made of: keywords, names of the tables and columns above (and of
/// ones that do not exist), operators, literals at their types' edges, placeholders.
const WORDS: &[&str] = &[
    "SELECT",
    "DISTINCT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "EXISTS",
    "JOIN",
    "LEFT",
    "RIGHT",
    "INNER",
    "CROSS",
    "STRAIGHT_JOIN",
    "NATURAL",
    "LATERAL",
    "ON",
    "USING",
    "AS",
    "GROUP",
    "BY",
    "HAVING",
    "ORDER",
    "ASC",
    "DESC",
    "LIMIT",
    "OFFSET",
    "UNION",
    "ALL",
    "WITH",
    "RECURSIVE",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "INSERT",
    "INTO",
    "VALUES",
    "VALUE",
    "REPLACE",
    "ON DUPLICATE KEY UPDATE",
    "UPDATE",
    "SET",
    "DELETE",
    "CREATE",
    "TABLE",
    "INDEX",
    "UNIQUE",
    "ALTER",
    "ADD",
    "COLUMN",
    "MODIFY",
    "CHANGE",
    "RENAME",
    "TO",
    "DROP",
    "IF",
    "EXISTS",
    "PRIMARY KEY",
    "DEFAULT",
    "SHOW",
    "TABLES",
    "COLUMNS",
    "CREATE TABLE",
    "INDEXES",
    "FOR UPDATE",
    "LOCK IN SHARE MODE",
    "users",
    "teams",
    "u",
    "t",
    "a",
    "b",
    "d",
    "id",
    "name",
    "team_id",
    "born",
    "doc",
    "price",
    "big",
    "title",
    "created",
    "nope",
    "information_schema.columns",
    "information_schema.tables",
    "COLUMN_NAME",
    "TABLE_NAME",
    "*",
    "u.*",
    "a.*",
    ".",
    ",",
    "(",
    ")",
    ";",
    "=",
    "<>",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "DIV",
    "MOD",
    "||",
    "&&",
    "->",
    "->>",
    "?",
    "0",
    "1",
    "-1",
    "2147483648",
    "-9223372036854775809",
    "18446744073709551616",
    "1e308",
    "0x41",
    "X'00'",
    "b'1'",
    "'$.a'",
    "'$.b.c'",
    "'$[0]'",
    "'$**'",
    "'x'",
    "''",
    "'\\''",
    "'2024-02-30'",
    "'0000-00-00'",
    "\"q\"",
    "`users`",
    "`x``y`",
    "COUNT(*)",
    "SUM(price)",
    "AVG(price)",
    "MIN(big)",
    "MAX(big)",
    "GROUP_CONCAT(name)",
    "JSON_EXTRACT(doc, '$.a')",
    "JSON_OBJECT('k', id)",
    "JSON_ARRAYAGG(id)",
    "JSON_UNQUOTE(doc->'$.b')",
    "COALESCE(",
    "IFNULL(",
    "CAST(",
    "AS SIGNED",
    "AS CHAR",
    "DATE_ADD(born, INTERVAL 1 DAY)",
    "NOW()",
    "CURRENT_TIMESTAMP",
    "UNIX_TIMESTAMP()",
    "SLEEP(0)",
    "REGEXP",
    "'a.*'",
    "LPAD(name, 5, '*')",
    "CONCAT(",
    "SUBSTRING(",
    "MD5(name)",
    "UUID()",
    "LAST_INSERT_ID()",
    "ROW_NUMBER() OVER ()",
    "VARCHAR(10)",
    "INT",
    "BIGINT",
    "DECIMAL(65, 30)",
    "JSON",
    "TEXT",
    "DATETIME",
    "ENUM('a')",
];

/// Statements the parser accepts, for the splices to start from.
const SHAPES: &[&str] = &[
    "SELECT {e}, {e} AS x FROM users u WHERE {c} ORDER BY {e} LIMIT {n}",
    "SELECT {w} FROM users a JOIN users b ON a.id = b.id {j}",
    "SELECT {w} FROM users u {k} JOIN teams t {o} WHERE {c}",
    "SELECT {e} FROM users u, LATERAL (SELECT {e} FROM teams t WHERE t.id = u.team_id LIMIT {n}) AS l",
    "SELECT {a} FROM users GROUP BY {e} HAVING {c}",
    "SELECT * FROM (SELECT {w} FROM users) AS d WHERE {c}",
    "WITH q AS (SELECT {e} AS v FROM users) SELECT v FROM q WHERE {c}",
    "SELECT {e} FROM users UNION SELECT {e} FROM teams",
    "INSERT INTO users (name, {col}) VALUES ({e}, {e}) ON DUPLICATE KEY UPDATE {col} = {e}",
    "INSERT INTO users SET name = {e}, {col} = {e}",
    "REPLACE INTO teams VALUES ({e}, {e}, {e})",
    "UPDATE users u JOIN teams t ON t.id = u.team_id SET u.{col} = {e} WHERE {c}",
    "UPDATE users SET {col} = {e} WHERE {c} ORDER BY id LIMIT {n}",
    "DELETE FROM users WHERE {c} LIMIT {n}",
    "ALTER TABLE users {alter}",
    "CREATE TABLE IF NOT EXISTS extra ({col} {type}, {col} {type} DEFAULT {e})",
    "SHOW {show}",
    // Migration scripts: several schema statements run whole or not at all.
    "ALTER TABLE users {alter}; CREATE INDEX extra_idx ON users ({col}); ALTER TABLE users {alter}",
    "CREATE TABLE IF NOT EXISTS extra ({col} {type}); DROP INDEX uname ON users; DROP TABLE extra",
    "RENAME TABLE users TO people; ALTER TABLE people {alter}; RENAME TABLE people TO users",
    "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.columns WHERE TABLE_NAME = {e}",
    "SELECT JSON_EXTRACT(doc, {e}), doc->{e}, doc->>{e} FROM users WHERE {c}",
];

/// What each hole of a shape takes when it is filled well: the fills the parser accepts,
/// so that the rewrites behind it run.
const FILLS: &[(&str, &[&str])] = &[
    (
        "{e}",
        &[
            "id",
            "u.name",
            "price * 2",
            "?",
            "NULL",
            "'x'",
            "1",
            "-9223372036854775808",
            "COALESCE(SUM(price), 0)",
            "JSON_EXTRACT(doc, '$.b.c')",
            "doc->>'$.a[1]'",
            "doc->'$.b'",
            "CONCAT(name, ?)",
            "CAST(big AS CHAR)",
            "DATE_ADD(born, INTERVAL ? DAY)",
            "NOW()",
            "(SELECT MAX(id) FROM teams)",
            "CASE WHEN id > 1 THEN 'a' ELSE NULL END",
            "UUID()",
            "JSON_OBJECT('k', id, 'v', JSON_ARRAY(name))",
            "LPAD(name, 300, '*')",
            "big DIV 0",
            "'2024-02-30'",
            "0x41",
            "ROW_NUMBER() OVER (ORDER BY id)",
            "name REGEXP '^(a|b)+$'",
        ],
    ),
    (
        "{c}",
        &[
            "id = ?",
            "u.id IN (1, 2, ?)",
            "name LIKE 'a%'",
            "doc->>'$.b.c' = 'd'",
            "1",
            "price > ?",
            "born BETWEEN '1800-01-01' AND ?",
            "EXISTS (SELECT 1 FROM teams t2 WHERE t2.id = ?)",
            "team_id IS NULL OR team_id <> 1",
            "NOT (id < 0)",
            "name = 'bob' AND id >= 2",
        ],
    ),
    (
        "{n}",
        &[
            "1",
            "0",
            "?",
            "10",
            "18446744073709551615",
            "1, 2",
            "? OFFSET ?",
        ],
    ),
    (
        "{w}",
        &[
            "*",
            "a.*",
            "a.*, b.name",
            "b.*, a.id",
            "a.name AS x, b.*",
            "COUNT(*)",
            "d.*",
        ],
    ),
    (
        "{j}",
        &[
            "",
            "WHERE a.id = ?",
            "ORDER BY a.name DESC",
            "LIMIT 1",
            "FOR UPDATE",
        ],
    ),
    (
        "{k}",
        &["", "LEFT", "RIGHT", "INNER", "CROSS", "STRAIGHT_JOIN"],
    ),
    (
        "{o}",
        &["ON t.id = u.team_id", "USING (id)", "ON 1", "ON t.id = ?"],
    ),
    (
        "{a}",
        &[
            "COUNT(*) AS n",
            "SUM(price)",
            "AVG(price), MIN(big), MAX(big)",
            "GROUP_CONCAT(name ORDER BY id)",
            "JSON_ARRAYAGG(id)",
            "team_id, COUNT(*)",
        ],
    ),
    (
        "{col}",
        &[
            "name",
            "team_id",
            "born",
            "doc",
            "price",
            "big",
            "nope",
            "`odd``name`",
        ],
    ),
    (
        "{alter}",
        &[
            "ADD COLUMN extra INT DEFAULT 3",
            "MODIFY name VARCHAR(5)",
            "DROP COLUMN big",
            "CHANGE team_id squad BIGINT",
            "RENAME TO people",
            "ADD INDEX (born)",
            "ALTER COLUMN price SET DEFAULT 1",
            "DROP INDEX uname",
            "ADD UNIQUE (team_id)",
        ],
    ),
    (
        "{type}",
        &[
            "INT",
            "VARCHAR(10)",
            "DECIMAL(65, 30)",
            "JSON",
            "DATETIME",
            "ENUM('a', 'b')",
            "TEXT",
        ],
    ),
    (
        "{show}",
        &[
            "TABLES",
            "COLUMNS FROM users",
            "CREATE TABLE users",
            "INDEXES FROM users",
            "FULL TABLES",
        ],
    ),
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_owned)
}

fn words(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..=max).prop_map(|words| words.join(" "))
}

/// A hole's fill: mostly one the parser accepts, sometimes a few words from anywhere.
fn fill(good: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(good).prop_map(str::to_owned),
        1 => words(3),
    ]
}

/// A statement: a shape with its holes filled, or words alone.
fn statement() -> impl Strategy<Value = String> {
    let holes: Vec<_> = FILLS
        .iter()
        .map(|(hole, good)| {
            prop::collection::vec(fill(good), 3).prop_map(move |fills| (*hole, fills))
        })
        .collect();
    let shaped = (prop::sample::select(SHAPES), holes).prop_map(|(shape, holes)| {
        let mut text = shape.to_owned();
        for (hole, fills) in holes {
            // Each occurrence of a hole takes its own fill.
            for fill in fills.iter().cycle().take(8) {
                text = text.replacen(hole, fill, 1);
            }
        }
        text
    });
    prop_oneof![6 => shaped, 1 => words(24)]
}

/// Bound values of every JSON kind, at their edges.
fn argument() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
        Just(json!({"a": [1, {"b": null}]})),
        Just(json!([[]])),
    ]
}

fn database() -> ForgeSqlDatabase {
    let mut db = ForgeSqlDatabase::in_memory(ForgeSqlLimits::default()).expect("database");
    for ddl in SCHEMA {
        db.execute_answer(Endpoint::Schema, ddl, &[])
            .expect("schema");
    }
    for row in ROWS {
        db.execute_answer(Endpoint::Data, row, &[]).expect("row");
    }
    db
}

fn cases() -> u32 {
    std::env::var("KILN_SQL_HOSTILE_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(CASES)
}

#[test]
fn any_statement_answers_or_errs_and_the_database_keeps_serving() {
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    // The values bound: as many as the text has placeholders, or (one case in eight) a
    // count that does not match; the endpoint the statement's kind goes to, or the other.
    let case = (
        statement(),
        prop::collection::vec(argument(), 8),
        prop::sample::select(&[-1_i32, 0, 0, 0, 0, 0, 0, 1][..]),
        prop::bool::weighted(0.125),
    );
    // The runner takes a `Fn`: the counts are shared across its cases. Each case has a
    // database of its own, so that one that drops a table leaves the next its statements.
    let answered = Cell::new(0_u32);
    let refused = Cell::new(0_u32);
    runner
        .run(&case, |(text, values, miscount, other_endpoint)| {
            let placeholders = text.matches('?').count();
            let bound = placeholders
                .saturating_add_signed(miscount as isize)
                .min(values.len());
            let arguments = values.get(..bound).unwrap_or_default();
            let schema = ["CREATE", "ALTER", "DROP", "RENAME"]
                .iter()
                .any(|kind| text.starts_with(kind));
            let endpoint = if schema != other_endpoint {
                Endpoint::Schema
            } else {
                Endpoint::Data
            };
            let mut db = database();
            let outcome = db.execute_answer(endpoint, &text, arguments);
            if std::env::var_os("KILN_SQL_HOSTILE_PRINT").is_some() {
                eprintln!("{text} {arguments:?} -> {outcome:?}");
            }
            match outcome {
                Ok(answer) => {
                    answered.set(answered.get() + 1);
                    // What an app receives is JSON it can parse.
                    let forge: Value = serde_json::from_str(&answer.to_forge_text())
                        .map_err(|error| TestCaseError::fail(format!("{text}: {error}")))?;
                    prop_assert!(forge.get("rows").is_some(), "{text}: {forge}");
                }
                Err(error) => {
                    refused.set(refused.get() + 1);
                    // An error says what went wrong.
                    prop_assert!(!error.to_string().is_empty(), "{text}");
                }
            }
            // Whatever the statement did, the next one is served.
            let probe = db
                .execute_answer(Endpoint::Data, "SELECT 1 AS one", &[])
                .map_err(|error| TestCaseError::fail(format!("after {text}: {error}")))?;
            prop_assert_eq!(&probe.rows, r#"[{"one":1}]"#, "after {}", text);
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    // The generator reaches past the parser: a run where nothing is answered, or nothing
    // refused, tests less than it claims.
    let (answered, refused) = (answered.get(), refused.get());
    assert!(
        answered > cases() / 20,
        "answered {answered}, refused {refused}"
    );
    assert!(
        refused > cases() / 20,
        "answered {answered}, refused {refused}"
    );
}
