//! Forge SQL's engine: the MySQL public Forge apps write runs on an installation's SQLite
//! database and answers in the JSON `@forge/sql` reads; what it must refuse, it refuses with
//! Forge's error codes; and no statement reaches past the installation's own database.

use std::time::Duration;

use kiln_state::forge_sql::{
    Endpoint, ForgeSqlCode, ForgeSqlDatabase, ForgeSqlError, ForgeSqlLimits,
};
use serde_json::{Value, json};

fn database() -> ForgeSqlDatabase {
    ForgeSqlDatabase::in_memory(ForgeSqlLimits::default()).expect("in-memory database")
}

fn run(db: &mut ForgeSqlDatabase, query: &str, params: Value) -> Value {
    let params = params.as_array().cloned().unwrap_or_default();
    match db.execute(Endpoint::Data, query, &params) {
        Ok(answer) => answer,
        Err(error) => panic!("{query}\n  failed: {error}"),
    }
}

fn refused(db: &mut ForgeSqlDatabase, query: &str, params: Value) -> ForgeSqlError {
    let params = params.as_array().cloned().unwrap_or_default();
    match db.execute(Endpoint::Data, query, &params) {
        Ok(answer) => panic!("{query}\n  ran: {answer}"),
        Err(error) => error,
    }
}

fn rows(answer: &Value) -> &Vec<Value> {
    answer["rows"].as_array().expect("rows is an array")
}

/// `@forge/sql`'s migrationRunner (4.0.8) sends exactly these statements.
#[test]
fn the_migration_runner_of_forge_sql_runs_unchanged() {
    let mut db = database();
    let create = "CREATE TABLE IF NOT EXISTS __migrations (id BIGINT PRIMARY KEY AUTO_INCREMENT, \
                  name VARCHAR(255) NOT NULL, migratedAt TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);";
    let header = run(&mut db, create, json!([]));
    assert_eq!(header["rows"]["affectedRows"], 0);
    run(&mut db, create, json!([])); // IF NOT EXISTS: a second run is a no-op
    let inserted = run(
        &mut db,
        "INSERT INTO __migrations (name) VALUES (?);",
        json!(["v001_create_tickets"]),
    );
    assert_eq!(inserted["rows"]["affectedRows"], 1);
    assert_eq!(inserted["rows"]["insertId"], 1);
    run(
        &mut db,
        "INSERT INTO __migrations (name) VALUES (?);",
        json!(["v002"]),
    );
    let listed = run(
        &mut db,
        "SELECT id, name, migratedAt FROM __migrations;",
        json!([]),
    );
    let listed = rows(&listed);
    assert_eq!(listed.len(), 2);
    // A BIGINT comes back as a string, the AUTO_INCREMENT id too, as Forge answers.
    assert_eq!(listed[0]["id"], "1");
    assert_eq!(listed[0]["name"], "v001_create_tickets");
    let migrated_at = listed[0]["migratedAt"].as_str().expect("a date string");
    assert_eq!(
        migrated_at.len(),
        "2026-12-04 10:00:00".len(),
        "{migrated_at}"
    );
    assert_eq!(&migrated_at[4..5], "-");
}

/// A schema in the style public Forge apps declare (types, options, inline keys, table
/// options), and values coming back as Forge's data-types page says.
#[test]
fn mysql_schemas_and_types_come_back_as_forge_returns_them() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE IF NOT EXISTS `tickets` (
            `id` VARCHAR(64) NOT NULL PRIMARY KEY,
            `issue_key` VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'Jira key',
            `hits` INT(11) UNSIGNED NOT NULL DEFAULT 0,
            `views` BIGINT NOT NULL DEFAULT 0,
            `price` DECIMAL(10,2),
            `ratio` DOUBLE,
            `done` BOOLEAN DEFAULT FALSE,
            `status` ENUM('open','closed') NOT NULL DEFAULT 'open',
            `payload` JSON,
            `created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            `updated_at` DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
            KEY `idx_issue` (`issue_key`),
            UNIQUE KEY `uq_issue_status` (`issue_key`, `status`),
            INDEX (`created_at` DESC)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO tickets (id, issue_key, hits, views, price, ratio, done, status, payload) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        json!([
            "t1",
            "KILN-1",
            3,
            9_007_199_254_740_993_i64,
            "12.5",
            0.25,
            true,
            "closed",
            "{\"labels\":[\"a\"]}"
        ]),
    );
    let answer = run(&mut db, "SELECT * FROM tickets WHERE id = ?", json!(["t1"]));
    let row = &rows(&answer)[0];
    assert_eq!(row["hits"], 3);
    assert_eq!(
        row["views"], "9007199254740993",
        "BIGINT comes back as a string"
    );
    assert_eq!(row["price"], "12.50", "DECIMAL as a string with its scale");
    assert_eq!(row["ratio"], 0.25);
    assert_eq!(row["done"], 1, "BOOLEAN is TINYINT(1)");
    assert_eq!(row["status"], "closed");
    assert_eq!(
        row["payload"],
        json!({"labels": ["a"]}),
        "a JSON column is JSON"
    );
    assert!(row["created_at"].is_string());

    // The inline indexes exist, under names that include the table; an unnamed one has
    // MySQL's name for it, its first column's.
    let indexes = run(
        &mut db,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' ORDER BY name",
        json!([]),
    );
    let names: Vec<&str> = rows(&indexes)
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(names.contains(&"tickets__idx_issue"), "{names:?}");
    assert!(names.contains(&"tickets__created_at"), "{names:?}");

    // ENUM refuses what MySQL's strict mode refuses.
    let error = refused(
        &mut db,
        "INSERT INTO tickets (id, issue_key, status) VALUES ('t2', 'KILN-2', 'reopened')",
        json!([]),
    );
    assert_eq!(error.code, ForgeSqlCode::SqlExecutionError);
    assert!(
        error
            .message
            .starts_with("Error 1265 (01000): Data truncated for column 'status' at row 1"),
        "{error}"
    );

    // A count is a number; a SUM of an INT is MySQL's DECIMAL, which mysql2 answers as a
    // string; other computed values have no declared type: numbers stay numbers. (A bare
    // `hits + 1` beside them is ONLY_FULL_GROUP_BY's 1140.)
    let counted = run(
        &mut db,
        "SELECT COUNT(*) AS n, SUM(hits) AS total, MAX(hits) + 1 AS next FROM tickets",
        json!([]),
    );
    assert_eq!(rows(&counted)[0], json!({"n": 1, "total": "3", "next": 4}));
}

#[test]
fn upserts_and_ignores_follow_mysql() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE counters (name VARCHAR(50) PRIMARY KEY, n INT NOT NULL, note TEXT)",
        json!([]),
    );
    let upsert = "INSERT INTO counters (name, n, note) VALUES (?, ?, ?) \
                  ON DUPLICATE KEY UPDATE n = n + VALUES(n), note = VALUES(note)";
    let inserted = run(&mut db, upsert, json!(["a", 1, "first"]));
    assert_eq!(
        inserted["rows"]["affectedRows"], 1,
        "inserted: 1, as in MySQL"
    );
    let updated = run(&mut db, upsert, json!(["a", 5, "second"]));
    assert_eq!(
        updated["rows"]["affectedRows"], 2,
        "updated: 2, as in MySQL"
    );
    assert_eq!(updated["rows"]["insertId"], 0);
    // drizzle qualifies the column VALUES() names.
    let both = run(
        &mut db,
        "INSERT INTO counters (name, n) VALUES ('a', 1), ('b', 1) \
         ON DUPLICATE KEY UPDATE n = n + VALUES(`counters`.`n`)",
        json!([]),
    );
    assert_eq!(
        both["rows"]["affectedRows"], 3,
        "one updated (2), one inserted (1)"
    );
    // An update that leaves the row as it was counts it once (MySQL's 0, or 1 with the
    // FOUND_ROWS flag mysql2 sets, as Forge's answers read).
    let unchanged = run(
        &mut db,
        "INSERT INTO counters (name, n) VALUES ('a', 0) \
         ON DUPLICATE KEY UPDATE n = n + VALUES(n)",
        json!([]),
    );
    assert_eq!(unchanged["rows"]["affectedRows"], 1, "{unchanged}");
    run(&mut db, "DELETE FROM counters WHERE name = 'b'", json!([]));
    let answer = run(&mut db, "SELECT * FROM counters", json!([]));
    assert_eq!(
        rows(&answer),
        &vec![json!({"name": "a", "n": 7, "note": "second"})]
    );

    let ignored = run(
        &mut db,
        "INSERT IGNORE INTO counters (name, n) VALUES ('a', 100)",
        json!([]),
    );
    assert_eq!(ignored["rows"]["affectedRows"], 0);
    run(
        &mut db,
        "REPLACE INTO counters (name, n) VALUES ('a', 7)",
        json!([]),
    );
    let answer = run(
        &mut db,
        "SELECT n, note FROM counters WHERE name = 'a'",
        json!([]),
    );
    assert_eq!(rows(&answer)[0], json!({"n": 7, "note": null}));

    let updated = run(
        &mut db,
        "UPDATE counters SET n = n + 1 WHERE name = ?",
        json!(["a"]),
    );
    assert_eq!(updated["rows"]["affectedRows"], 1);
    assert_eq!(updated["rows"]["changedRows"], 1);
    // Matched and changed apart (MySQL's "Rows matched: 2  Changed: 1"), the placeholders
    // bound in the order written through SET, WHERE and LIMIT: `a` already holds the values.
    run(
        &mut db,
        "INSERT INTO counters (name, n) VALUES ('b', 5)",
        json!([]),
    );
    let some = run(
        &mut db,
        "UPDATE counters SET n = ?, note = ? WHERE n >= ? ORDER BY name LIMIT ?",
        json!([8, null, 5, 5]),
    );
    assert_eq!(some["rows"]["affectedRows"], 2, "{some}");
    assert_eq!(some["rows"]["changedRows"], 1, "{some}");
    // The same for an upsert, a placeholder in its update bound where the app wrote it.
    let upsert = "INSERT INTO counters (name, n) VALUES (?, ?) ON DUPLICATE KEY UPDATE n = ?";
    let same = run(&mut db, upsert, json!(["b", 1, 8]));
    assert_eq!(same["rows"]["affectedRows"], 1, "{same}");
    let other = run(&mut db, upsert, json!(["b", 1, 9]));
    assert_eq!(other["rows"]["affectedRows"], 2, "{other}");
    let aliased = run(
        &mut db,
        "INSERT INTO counters (name, n) VALUES (?, ?) AS new ON DUPLICATE KEY UPDATE n = new.n",
        json!(["b", 9]),
    );
    assert_eq!(aliased["rows"]["affectedRows"], 1, "{aliased}");
    run(
        &mut db,
        "UPDATE counters SET n = 8 WHERE name = 'b'",
        json!([]),
    );
    let both = run(
        &mut db,
        "SELECT name, n FROM counters ORDER BY name",
        json!([]),
    );
    assert_eq!(
        rows(&both),
        &vec![json!({"name": "a", "n": 8}), json!({"name": "b", "n": 8})]
    );
    let deleted = run(
        &mut db,
        "DELETE FROM counters WHERE name = ?",
        json!(["nobody"]),
    );
    assert_eq!(deleted["rows"]["affectedRows"], 0);
}

/// String literals are MySQL's (backslash escapes, doubled quotes, double-quoted strings) and
/// reach SQLite as the same values, whatever quotes and backslashes they hold.
#[test]
fn string_literals_keep_their_values() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)",
        json!([]),
    );
    let cases: [(&str, &str); 7] = [
        ("'it''s'", "it's"),
        (r"'it\'s ok'", "it's ok"),
        (r#""double \"quoted\"""#, r#"double "quoted""#),
        (r"'back\\slash'", r"back\slash"),
        (r"'\\'' OR 1=1 --'", r"\' OR 1=1 --"),
        ("'line\\nbreak'", "line\nbreak"),
        ("'__kiln_literal_0__'", "__kiln_literal_0__"),
    ];
    for (index, (literal, value)) in cases.iter().enumerate() {
        run(
            &mut db,
            &format!("INSERT INTO notes (id, body) VALUES ({index}, {literal})"),
            json!([]),
        );
        let answer = run(
            &mut db,
            "SELECT body FROM notes WHERE id = ?",
            json!([index]),
        );
        assert_eq!(rows(&answer)[0]["body"], *value, "{literal}");
        let found = run(
            &mut db,
            &format!("SELECT COUNT(*) AS n FROM notes WHERE body = {literal}"),
            json!([]),
        );
        assert_eq!(rows(&found)[0]["n"], 1, "{literal}");
    }
    let answer = run(&mut db, "SELECT COUNT(*) AS n FROM notes", json!([]));
    assert_eq!(rows(&answer)[0]["n"], cases.len());
}

#[test]
fn mysql_query_forms_and_functions_run() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME, ref CHAR(36))",
        json!([]),
    );
    for _ in 0..5 {
        run(
            &mut db,
            "INSERT INTO events (at, ref) VALUES (NOW(), UUID())",
            json!([]),
        );
    }
    let page = run(
        &mut db,
        "SELECT id FROM events ORDER BY id LIMIT 1, 2",
        json!([]),
    );
    assert_eq!(rows(&page), &vec![json!({"id": 2}), json!({"id": 3})]);
    let locked = run(
        &mut db,
        "SELECT id FROM events WHERE id = 1 FOR UPDATE",
        json!([]),
    );
    assert_eq!(rows(&locked).len(), 1);
    let now = run(
        &mut db,
        "SELECT CURRENT_TIMESTAMP() AS a, NOW() AS b, UNIX_TIMESTAMP('2000-02-29 00:00:00') AS c, \
         FROM_UNIXTIME(0) AS d, CURDATE() AS e",
        json!([]),
    );
    let now = &rows(&now)[0];
    assert_eq!(now["c"], 951_782_400);
    assert_eq!(now["d"], "1970-01-01 00:00:00");
    assert_eq!(now["a"].as_str().map(str::len), Some(19));
    assert_eq!(now["e"].as_str().map(str::len), Some(10));
    let distinct = run(
        &mut db,
        "SELECT COUNT(DISTINCT ref) AS n FROM events",
        json!([]),
    );
    assert_eq!(rows(&distinct)[0]["n"], 5, "UUID() differs per row");

    // TRUNCATE restarts AUTO_INCREMENT, as MySQL's does.
    run(&mut db, "TRUNCATE TABLE events", json!([]));
    let again = run(&mut db, "INSERT INTO events (at) VALUES (NOW())", json!([]));
    assert_eq!(again["rows"]["insertId"], 1);
}

/// The MySQL that hand-written Forge apps and ORMs (drizzle through forge-sql-orm) send, beyond
/// SQLite's grammar: each runs and answers what MySQL answers.
#[test]
fn mysql_only_write_forms_run() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE notes (id BIGINT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(20) NOT NULL, \
         body TEXT, hits INT NOT NULL DEFAULT 0, UNIQUE KEY uq_title (title))",
        json!([]),
    );
    // INSERT … SET, placeholders kept in order.
    let set = run(
        &mut db,
        "INSERT INTO notes SET title = ?, body = ?",
        json!(["a", "first"]),
    );
    assert_eq!(set["rows"]["insertId"], 1);
    // drizzle writes `default` for a column the app left out.
    let drizzle = run(
        &mut db,
        "insert into `notes` (`id`, `title`, `body`, `hits`) values (default, ?, ?, default), \
         (default, ?, ?, default)",
        json!(["b", "second", "c", "third"]),
    );
    assert_eq!(drizzle["rows"]["affectedRows"], 2);
    // DEFAULT in some rows only (drizzle's multi-row insert of objects with different keys):
    // those rows get the column's default.
    let mixed = run(
        &mut db,
        "INSERT INTO notes (title, body, hits) VALUES (?, default, default), (?, 'x', 5)",
        json!(["d", "e"]),
    );
    assert_eq!(mixed["rows"]["affectedRows"], 2);
    let filled = run(
        &mut db,
        "SELECT title, body, hits FROM notes WHERE title IN ('d', 'e') ORDER BY title",
        json!([]),
    );
    assert_eq!(
        rows(&filled),
        &vec![
            json!({"title": "d", "body": null, "hits": 0}),
            json!({"title": "e", "body": "x", "hits": 5}),
        ]
    );
    let without_default = refused(
        &mut db,
        "INSERT INTO notes (title, hits) VALUES (default, 1), ('f', 2)",
        json!([]),
    );
    assert!(
        without_default.message.contains("'title'"),
        "{without_default}"
    );
    run(
        &mut db,
        "DELETE FROM notes WHERE title IN ('d', 'e')",
        json!([]),
    );
    // Nothing but DEFAULT (drizzle's `insert(t).values({})`): a row of defaults, numbered.
    run(
        &mut db,
        "CREATE TABLE counters (id INT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL DEFAULT 3)",
        json!([]),
    );
    let defaults = run(
        &mut db,
        "insert into `counters` (`id`, `n`) values (default, default)",
        json!([]),
    );
    assert_eq!(defaults["rows"]["insertId"], 1);
    let counted = run(&mut db, "SELECT id, n FROM counters", json!([]));
    assert_eq!(rows(&counted), &vec![json!({"id": 1, "n": 3})]);
    let taken = refused(&mut db, "INSERT INTO notes (title) VALUES ('a')", json!([]));
    assert!(
        taken
            .message
            .starts_with("Error 1062 (23000): Duplicate entry 'a' for key 'notes.uq_title'"),
        "{taken}"
    );
    // A row alias in the upsert, and a column alias of it.
    run(
        &mut db,
        "INSERT INTO notes (title, body) VALUES (?, ?) AS new ON DUPLICATE KEY UPDATE \
         body = new.body, hits = hits + 1",
        json!(["a", "updated"]),
    );
    run(
        &mut db,
        "INSERT INTO notes (title, body) VALUES (?, ?) AS new(t, b) ON DUPLICATE KEY UPDATE \
         body = CONCAT(b, '!')",
        json!(["b", "again"]),
    );
    let read = run(
        &mut db,
        "SELECT title, body, hits FROM notes ORDER BY id",
        json!([]),
    );
    assert_eq!(
        rows(&read),
        &vec![
            json!({"title": "a", "body": "updated", "hits": 1}),
            json!({"title": "b", "body": "again!", "hits": 0}),
            json!({"title": "c", "body": "third", "hits": 0}),
        ]
    );
    // UPDATE/DELETE … ORDER BY … LIMIT touch the rows MySQL's would.
    let bumped = run(
        &mut db,
        "UPDATE notes SET hits = hits + ? WHERE hits < ? ORDER BY id DESC LIMIT 1",
        json!([10, 5]),
    );
    assert_eq!(bumped["rows"]["affectedRows"], 1);
    let deleted = run(
        &mut db,
        "DELETE FROM notes WHERE hits < ? ORDER BY title LIMIT ?",
        json!([5, 1]),
    );
    assert_eq!(deleted["rows"]["affectedRows"], 1);
    let left = run(
        &mut db,
        "SELECT title, hits FROM notes ORDER BY id",
        json!([]),
    );
    assert_eq!(
        rows(&left),
        &vec![
            json!({"title": "b", "hits": 0}),
            json!({"title": "c", "hits": 10}),
        ],
        "a: hits 1, deleted first by title; c: bumped as the highest id below 5"
    );
    // Strict mode: a value too long or out of range is refused, not stored.
    let long = refused(
        &mut db,
        "INSERT INTO notes (title) VALUES (?)",
        json!(["x".repeat(21)]),
    );
    assert_eq!(long.code, ForgeSqlCode::SqlExecutionError);
    assert!(
        long.message
            .starts_with("Error 1406 (22001): Data too long for column 'title' at row 1"),
        "{long}"
    );
    run(
        &mut db,
        "INSERT INTO notes (title) VALUES (?)",
        json!(["é".repeat(20)]),
    ); // twenty characters fit VARCHAR(20), whatever their bytes
    let range = refused(
        &mut db,
        "UPDATE notes SET hits = ? WHERE title = 'b'",
        json!([2_147_483_648_i64]),
    );
    assert!(
        range
            .message
            .starts_with("Error 1264 (22003): Out of range value for column 'hits' at row 1"),
        "{range}"
    );
}

/// drizzle (forge-sql-orm) reads a row's values by position, and writes its schema as
/// drizzle-kit does: rows keep the select list's order, and its forms of primary keys and
/// defaults run.
#[test]
fn drizzle_schemas_run_and_rows_keep_the_select_lists_order() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE `users` (`id` int AUTO_INCREMENT NOT NULL, `name` varchar(200), \
         `created` datetime DEFAULT (now()), `uid` varchar(36) DEFAULT (UUID()), \
         CONSTRAINT `users_id` PRIMARY KEY(`id`))",
        json!([]),
    );
    run(
        &mut db,
        "CREATE TABLE q (id BIGINT NOT NULL AUTO_INCREMENT, name VARCHAR(5), PRIMARY KEY (id))",
        json!([]),
    );
    let inserted = run(
        &mut db,
        "insert into `users` (`id`, `name`, `created`, `uid`) values (default, ?, default, default)",
        json!(["ada"]),
    );
    assert_eq!(inserted["rows"]["insertId"], 1);
    let text = db
        .execute_text(
            Endpoint::Data,
            "select `uid`, `name`, `id`, `created` from `users`",
            &[],
        )
        .expect("select");
    let keys: Vec<&str> = text
        .match_indices("\":")
        .map(|(at, _)| {
            let start = text[..at].rfind('"').map_or(0, |quote| quote + 1);
            &text[start..at]
        })
        .collect();
    assert_eq!(keys, ["rows", "uid", "name", "id", "created"], "{text}");
    let answer: Value = serde_json::from_str(&text).expect("json");
    let row = &rows(&answer)[0];
    assert_eq!(row["uid"].as_str().map(str::len), Some(36));
    assert_eq!(row["created"].as_str().map(str::len), Some(19));
    let composite = refused(
        &mut db,
        "CREATE TABLE c (id INT AUTO_INCREMENT, k INT, PRIMARY KEY (id, k))",
        json!([]),
    );
    assert!(
        composite.message.contains("whole primary key"),
        "{composite}"
    );

    // drizzle-kit's later migrations: unique constraints, foreign keys added after the
    // tables, RENAME TABLE; a multi-row insert answers its first id.
    run_schema(
        &mut db,
        "CREATE TABLE `posts` (`id` int AUTO_INCREMENT NOT NULL, `user_id` int, \
         `slug` varchar(50), CONSTRAINT `posts_id` PRIMARY KEY(`id`));\n\
         ALTER TABLE `posts` ADD CONSTRAINT `posts_slug_unique` UNIQUE(`slug`);\n\
         ALTER TABLE `posts` ADD CONSTRAINT `posts_user_id_users_id_fk` FOREIGN KEY (`user_id`) \
         REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;\n\
         RENAME TABLE `posts` TO `articles`;",
    );
    let many = run(
        &mut db,
        "insert into `articles` (`id`, `user_id`, `slug`) values (default, ?, ?), (default, ?, ?)",
        json!([1, "one", 1, "two"]),
    );
    assert_eq!(many["rows"]["insertId"], 1, "MySQL answers the first id");
    let duplicate = refused(
        &mut db,
        "insert into `articles` (`user_id`, `slug`) values (?, ?)",
        json!([1, "one"]),
    );
    // The key as MySQL names it, under the table's new name.
    assert!(
        duplicate.message.starts_with(
            "Error 1062 (23000): Duplicate entry 'one' for key 'articles.posts_slug_unique'"
        ),
        "{duplicate}"
    );
}

/// The `ALTER TABLE` forms SQLite's own cannot make, which drizzle-kit writes for a changed
/// column (`MODIFY`), a renamed one (`CHANGE`) and keys added after the tables: Kiln rebuilds
/// the table, and each change answers as MySQL's does, over the rows already there.
#[test]
fn alter_table_changes_columns_and_keys_over_existing_rows() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE `owners` (`id` int AUTO_INCREMENT NOT NULL, `name` varchar(20), \
         CONSTRAINT `owners_id` PRIMARY KEY(`id`));\n\
         CREATE TABLE `pets` (`id` int AUTO_INCREMENT NOT NULL, `owner_id` int, \
         `name` varchar(10) NOT NULL, `age` int, CONSTRAINT `pets_id` PRIMARY KEY(`id`), \
         KEY `pets_name` (`name`));",
    );
    run(
        &mut db,
        "INSERT INTO owners (name) VALUES ('ada'), ('bob')",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO pets (owner_id, name, age) VALUES (1, 'rex', 3), (2, 'tom', 5), (2, 'kit', 1)",
        json!([]),
    );
    run(&mut db, "DELETE FROM pets WHERE id = 3", json!([]));
    let count = |db: &mut ForgeSqlDatabase, query: &str| -> i64 {
        rows(&run(db, query, json!([])))[0]["n"]
            .as_i64()
            .expect("a count")
    };

    // MODIFY widens a column; rows, indexes and the AUTO_INCREMENT counter stay.
    run(
        &mut db,
        "ALTER TABLE `pets` MODIFY COLUMN `name` varchar(30) NOT NULL",
        json!([]),
    );
    let long_name = "a name of twenty-five chr";
    let inserted = run(
        &mut db,
        "INSERT INTO pets (owner_id, name) VALUES (1, ?)",
        json!([long_name]),
    );
    assert_eq!(inserted["rows"]["insertId"], 4, "ids are not reused");
    let too_long = refused(
        &mut db,
        "INSERT INTO pets (owner_id, name) VALUES (1, ?)",
        json!(["x".repeat(31)]),
    );
    assert!(too_long.message.contains("Error 1406"), "{too_long}");
    assert_eq!(
        count(
            &mut db,
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pets'"
        ),
        1,
        "the KEY survives the rebuild"
    );
    // Narrowing it over a longer value fails whole, as in MySQL's strict mode.
    let narrowed = refused(
        &mut db,
        "ALTER TABLE pets MODIFY name varchar(3) NOT NULL",
        json!([]),
    );
    assert!(narrowed.message.contains("Error 1406"), "{narrowed}");
    assert_eq!(count(&mut db, "SELECT COUNT(*) AS n FROM pets"), 3);

    // CHANGE renames and retypes; AFTER places the column in `SELECT *`. NOT NULL over a
    // NULL fails (MySQL's strict mode: "Invalid use of NULL value").
    let null_age = refused(
        &mut db,
        "ALTER TABLE pets CHANGE `age` `years` smallint NOT NULL DEFAULT 0 AFTER `id`",
        json!([]),
    );
    assert!(null_age.message.contains("'years'"), "{null_age}");
    assert!(!null_age.message.contains("kiln_rebuild"), "{null_age}");
    run(
        &mut db,
        "UPDATE pets SET age = 0 WHERE age IS NULL",
        json!([]),
    );
    run(
        &mut db,
        "ALTER TABLE pets CHANGE `age` `years` smallint NOT NULL DEFAULT 0 AFTER `id`",
        json!([]),
    );
    let text = db
        .execute_text(Endpoint::Data, "SELECT * FROM pets WHERE id = 1", &[])
        .expect("select");
    assert!(
        text.starts_with(r#"{"rows":[{"id":1,"years":3,"owner_id":1,"name":"rex"}"#),
        "{text}"
    );
    run(&mut db, "INSERT INTO pets (name) VALUES ('pip')", json!([]));
    assert_eq!(
        count(&mut db, "SELECT years AS n FROM pets WHERE name = 'pip'"),
        0
    );
    run(
        &mut db,
        "ALTER TABLE pets ALTER COLUMN years SET DEFAULT 7",
        json!([]),
    );
    run(&mut db, "INSERT INTO pets (name) VALUES ('sol')", json!([]));
    assert_eq!(
        count(&mut db, "SELECT years AS n FROM pets WHERE name = 'sol'"),
        7
    );
    run(
        &mut db,
        "ALTER TABLE pets ALTER COLUMN years DROP DEFAULT",
        json!([]),
    );
    let no_default = refused(&mut db, "INSERT INTO pets (name) VALUES ('ivy')", json!([]));
    assert!(no_default.message.contains("'years'"), "{no_default}");

    // A foreign key added by ALTER TABLE is kept in the table's definition and, as on Forge
    // SQL ("foreign keys are not supported … DELETE operations will not be cascaded"),
    // checks nothing: not the rows already there, not new ones, and no delete cascades.
    run(
        &mut db,
        "UPDATE pets SET owner_id = 99 WHERE id = 1",
        json!([]),
    );
    let add_key = "ALTER TABLE `pets` ADD CONSTRAINT `pets_owner_id_owners_id_fk` FOREIGN KEY \
                   (`owner_id`) REFERENCES `owners`(`id`) ON DELETE cascade ON UPDATE no action";
    run(&mut db, add_key, json!([]));
    run(
        &mut db,
        "INSERT INTO pets (owner_id, name, years) VALUES (98, 'max', 1)",
        json!([]),
    );
    let twice = refused(&mut db, add_key, json!([]));
    assert!(twice.message.contains("Error 1826"), "{twice}");
    let created = run(&mut db, "SHOW CREATE TABLE pets", json!([]));
    assert!(
        rows(&created)[0]["Create Table"]
            .as_str()
            .unwrap_or_default()
            .contains("CONSTRAINT `pets_owner_id_owners_id_fk` FOREIGN KEY"),
        "{created}"
    );
    let pets = count(&mut db, "SELECT COUNT(*) AS n FROM pets WHERE owner_id = 2");
    assert!(pets > 0);
    run(&mut db, "DELETE FROM owners WHERE id = 2", json!([]));
    assert_eq!(
        count(&mut db, "SELECT COUNT(*) AS n FROM pets WHERE owner_id = 2"),
        pets,
        "Forge SQL does not cascade"
    );
    run(
        &mut db,
        "ALTER TABLE pets DROP FOREIGN KEY `pets_owner_id_owners_id_fk`",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO pets (owner_id, name, years) VALUES (99, 'max', 1)",
        json!([]),
    );
    let missing = refused(&mut db, "ALTER TABLE pets DROP FOREIGN KEY nope", json!([]));
    assert!(missing.message.contains("Error 1091"), "{missing}");

    // The AUTO_INCREMENT column widened keeps numbering; its key cannot be dropped.
    let before = count(&mut db, "SELECT MAX(id) AS n FROM pets");
    run(
        &mut db,
        "ALTER TABLE pets MODIFY id bigint AUTO_INCREMENT NOT NULL",
        json!([]),
    );
    let next = run(
        &mut db,
        "INSERT INTO pets (name, years) VALUES ('neo', 2)",
        json!([]),
    );
    assert_eq!(next["rows"]["insertId"], before + 1);
    let auto_key = refused(&mut db, "ALTER TABLE pets DROP PRIMARY KEY", json!([]));
    assert!(auto_key.message.contains("Error 1075"), "{auto_key}");

    // ADD PRIMARY KEY over duplicates fails; a second key is refused; DROP PRIMARY KEY frees.
    run(
        &mut db,
        "CREATE TABLE tags (name VARCHAR(10) NOT NULL, n INT)",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO tags VALUES ('a', 1), ('a', 2)",
        json!([]),
    );
    let duplicate = refused(
        &mut db,
        "ALTER TABLE tags ADD PRIMARY KEY (name)",
        json!([]),
    );
    assert!(duplicate.message.contains("Error 1062"), "{duplicate}");
    run(&mut db, "DELETE FROM tags WHERE n = 2", json!([]));
    run(
        &mut db,
        "ALTER TABLE tags ADD PRIMARY KEY (name)",
        json!([]),
    );
    let second = refused(&mut db, "ALTER TABLE tags ADD PRIMARY KEY (n)", json!([]));
    assert!(second.message.contains("Error 1068"), "{second}");
    let taken = refused(&mut db, "INSERT INTO tags VALUES ('a', 3)", json!([]));
    assert!(
        taken
            .message
            .starts_with("Error 1062 (23000): Duplicate entry 'a' for key 'tags.PRIMARY'"),
        "{taken}"
    );
    run(&mut db, "ALTER TABLE tags DROP PRIMARY KEY", json!([]));
    run(&mut db, "INSERT INTO tags VALUES ('a', 3)", json!([]));

    // Names and values holding commas, parentheses and quotes are read whole.
    run(
        &mut db,
        "CREATE TABLE `odd,(t)` (`a,b)` varchar(8) DEFAULT 'x'',y)', `c` int, \
         `PRIMARY KEY` int)",
        json!([]),
    );
    run(&mut db, "INSERT INTO `odd,(t)` (c) VALUES (1)", json!([]));
    run(
        &mut db,
        "ALTER TABLE `odd,(t)` MODIFY `c` bigint NOT NULL",
        json!([]),
    );
    run(
        &mut db,
        "ALTER TABLE `odd,(t)` ADD PRIMARY KEY (`c`)",
        json!([]),
    );
    let odd = run(&mut db, "SELECT * FROM `odd,(t)`", json!([]));
    assert_eq!(rows(&odd)[0]["a,b)"], "x',y)", "{odd}");
    assert_eq!(rows(&odd)[0]["c"], "1", "BIGINT reads as a string");

    // A missing table or column reads as MySQL's; a change to neither leaves everything.
    let table = refused(&mut db, "ALTER TABLE nothing MODIFY a INT", json!([]));
    assert!(table.message.contains("Error 1146"), "{table}");
    let column = refused(&mut db, "ALTER TABLE tags MODIFY nothing INT", json!([]));
    assert!(column.message.contains("Error 1054"), "{column}");
    // SQLite's own pragmas stay refused to the app, alone or beside a schema change.
    for query in [
        "PRAGMA foreign_keys = OFF",
        "SELECT * FROM pragma_foreign_key_check",
        "SELECT * FROM pragma_foreign_key_check()",
    ] {
        refused(&mut db, query, json!([]));
    }
    let beside = db.execute(
        Endpoint::Schema,
        "ALTER TABLE tags MODIFY n BIGINT; PRAGMA foreign_keys = OFF",
        &[],
    );
    assert!(beside.is_err(), "{beside:?}");
}

/// Digests and encodings apps compute in SQL (an audit log's hash chain, a content digest, a
/// checksum to shard by), with MySQL's documented answers.
/// drizzle-kit adds columns as `ALTER TABLE t ADD c type DEFAULT (now()) NOT NULL`, which
/// SQLite's own ADD COLUMN refuses; MySQL also places, checks and keys a new column.
#[test]
fn add_column_places_checks_and_fills_existing_rows_as_tidb() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(20) NOT NULL)",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO items (title) VALUES ('a'), ('b')",
        json!([]),
    );
    for alter in [
        "ALTER TABLE `items` ADD `created_at` timestamp DEFAULT (now()) NOT NULL",
        "ALTER TABLE items ADD COLUMN stock INT NOT NULL AFTER id",
        "ALTER TABLE items ADD COLUMN state ENUM('open', 'closed') NOT NULL FIRST",
        "ALTER TABLE items ADD COLUMN note VARCHAR(3) NOT NULL",
        "ALTER TABLE items ADD COLUMN meta JSON NOT NULL",
        "ALTER TABLE items ADD COLUMN due DATETIME NOT NULL",
        "ALTER TABLE items ADD COLUMN price DECIMAL(10,2)",
    ] {
        run(&mut db, alter, json!([]));
    }
    let text = db
        .execute_text(
            Endpoint::Data,
            "SELECT state, id, stock, title, note, meta, due, price FROM items ORDER BY id",
            &[],
        )
        .expect("select");
    assert!(
        text.starts_with(
            r#"{"rows":[{"state":"open","id":1,"stock":0,"title":"a","note":"","meta":null,"due":"0000-00-00 00:00:00","price":null}"#
        ),
        "{text}"
    );
    // `SELECT *` shows the columns where FIRST and AFTER put them.
    let star = db
        .execute_text(Endpoint::Data, "SELECT * FROM items WHERE id = 2", &[])
        .expect("select");
    assert!(
        star.starts_with(r#"{"rows":[{"state":"open","id":2,"stock":0,"title":"b","created_at":"#),
        "{star}"
    );
    // Each existing row got the expression default, evaluated for it.
    let stamped = run(
        &mut db,
        "SELECT COUNT(*) AS n FROM items WHERE created_at > '2000-01-01'",
        json!([]),
    );
    assert_eq!(rows(&stamped)[0]["n"], 2);

    // The new column is held to its size and list, as a created one is.
    let too_long = refused(
        &mut db,
        "UPDATE items SET note = 'abcd' WHERE id = 1",
        json!([]),
    );
    assert!(too_long.message.contains("Error 1406"), "{too_long}");
    let not_listed = refused(
        &mut db,
        "UPDATE items SET state = 'lost' WHERE id = 1",
        json!([]),
    );
    assert!(not_listed.message.contains("Error 1265"), "{not_listed}");

    // A unique column over rows that share its filled value fails whole, as MySQL's does.
    let unique = refused(
        &mut db,
        "ALTER TABLE items ADD COLUMN code VARCHAR(5) NOT NULL UNIQUE",
        json!([]),
    );
    assert!(unique.message.contains("Error 1062"), "{unique}");
    run(
        &mut db,
        "ALTER TABLE items ADD COLUMN code VARCHAR(5) UNIQUE",
        json!([]),
    );
    run(
        &mut db,
        "UPDATE items SET code = 'x' WHERE id = 1",
        json!([]),
    );
    // A column's own UNIQUE is a key named after the column, in MySQL.
    let same_code = refused(
        &mut db,
        "UPDATE items SET code = 'x' WHERE id = 2",
        json!([]),
    );
    assert!(
        same_code
            .message
            .starts_with("Error 1062 (23000): Duplicate entry 'x' for key 'items.code'"),
        "{same_code}"
    );
    let duplicate = refused(&mut db, "ALTER TABLE items ADD note TEXT", json!([]));
    assert!(duplicate.message.contains("Error 1060"), "{duplicate}");
    let second_key = refused(
        &mut db,
        "ALTER TABLE items ADD COLUMN other INT AUTO_INCREMENT PRIMARY KEY",
        json!([]),
    );
    assert!(second_key.message.contains("Error 1068"), "{second_key}");
    let nowhere = refused(
        &mut db,
        "ALTER TABLE items ADD COLUMN x INT AFTER missing",
        json!([]),
    );
    assert!(nowhere.message.contains("Error 1054"), "{nowhere}");

    // The AUTO_INCREMENT counter and the row ids survive every rebuild.
    let inserted = run(
        &mut db,
        "INSERT INTO items (state, stock, title, note, meta, due) \
         VALUES ('closed', 1, 'c', '', '{}', NOW())",
        json!([]),
    );
    assert_eq!(inserted["rows"]["insertId"], 3);

    // An AUTO_INCREMENT key added to a table without one numbers its rows.
    run(&mut db, "CREATE TABLE tags (name VARCHAR(10))", json!([]));
    run(&mut db, "INSERT INTO tags VALUES ('x'), ('y')", json!([]));
    run(
        &mut db,
        "ALTER TABLE tags ADD COLUMN id INT AUTO_INCREMENT PRIMARY KEY FIRST",
        json!([]),
    );
    let tags = db
        .execute_text(Endpoint::Data, "SELECT * FROM tags ORDER BY id", &[])
        .expect("select");
    assert!(
        tags.starts_with(r#"{"rows":[{"id":1,"name":"x"},{"id":2,"name":"y"}]"#),
        "{tags}"
    );
}

#[test]
fn digests_and_encodings_answer_as_mysql() {
    let mut db = database();
    let answer = run(
        &mut db,
        "SELECT MD5('abc') AS md5, SHA1('abc') AS sha1, SHA('abc') AS sha, \
         SHA2('abc', 256) AS sha256, SHA2('abc', 0) AS sha0, SHA2('abc', 100) AS bad_bits, \
         CRC32('MySQL') AS crc, CRC32(NULL) AS crc_null, MD5(123) AS md5_number, \
         TO_BASE64('abc') AS b64, FROM_BASE64('YWJj') AS text, FROM_BASE64('//8=') AS bytes, \
         FROM_BASE64('%%') AS not_base64, HEX(255) AS hex_number, HEX('abc') AS hex_text, \
         LENGTH(TO_BASE64(REPEAT('x', 120))) AS wrapped",
        json!([]),
    );
    let row = &rows(&answer)[0];
    let expected = json!({
        "md5": "900150983cd24fb0d6963f7d28e17f72",
        "sha1": "a9993e364706816aba3e25717850c26c9cd0d89d",
        "sha": "a9993e364706816aba3e25717850c26c9cd0d89d",
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "sha0": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "bad_bits": null,
        "crc": 3_259_397_556_i64,
        "crc_null": null,
        "md5_number": "202cb962ac59075b964b07152d234b70",
        "b64": "YWJj",
        "text": "abc",
        "bytes": {"type": "Buffer", "data": [255, 255]},
        "not_base64": null,
        "hex_number": "FF",
        "hex_text": "616263",
        // 160 base64 characters in lines of 76: two line breaks.
        "wrapped": 162,
    });
    assert_eq!(row, &expected);

    // A hash chain: each entry's hash covers the previous one's.
    run(
        &mut db,
        "CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, payload TEXT NOT NULL, \
         hash CHAR(64) NOT NULL)",
        json!([]),
    );
    for payload in ["created", "approved"] {
        run(
            &mut db,
            "INSERT INTO audit (payload, hash) SELECT ?, SHA2(CONCAT(COALESCE((SELECT hash FROM \
             audit ORDER BY id DESC LIMIT 1), ''), ?), 256)",
            json!([payload, payload]),
        );
    }
    let chain = run(
        &mut db,
        "SELECT a.id FROM audit a JOIN audit b ON b.id = a.id - 1 \
         WHERE a.hash = SHA2(CONCAT(b.hash, a.payload), 256)",
        json!([]),
    );
    assert_eq!(rows(&chain).len(), 1, "{chain}");
}

/// `SHOW TABLES`, `DESCRIBE t` and `SHOW COLUMNS FROM t`, which tools and migrations read
/// before changing a table, answer in MySQL's shape: the column order, the types as MySQL
/// writes them, keys, defaults and extras.
#[test]
fn show_tables_and_describe_answer_in_mysqls_shape() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE `items` (`id` bigint AUTO_INCREMENT NOT NULL, `sku` varchar(20) NOT NULL, \
         `name` varchar(100) DEFAULT 'it''s', `kind` enum('a','b') NOT NULL DEFAULT 'a', \
         `price` decimal(10,2), `qty` int unsigned DEFAULT 0, `owner_id` int, \
         `updated` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, \
         CONSTRAINT `items_id` PRIMARY KEY(`id`), CONSTRAINT `items_sku` UNIQUE(`sku`), \
         KEY `items_owner` (`owner_id`, `name`));\n\
         CREATE TABLE `owners` (`id` int PRIMARY KEY);",
    );
    let tables = run(&mut db, "SHOW TABLES", json!([]));
    assert_eq!(
        tables,
        json!({"rows": [{"Tables_in_forge": "items"}, {"Tables_in_forge": "owners"}]})
    );
    let some = run(&mut db, "SHOW TABLES LIKE 'own%'", json!([]));
    assert_eq!(rows(&some).len(), 1, "{some}");

    let text = db
        .execute_text(Endpoint::Data, "DESCRIBE `items`", &[])
        .expect("describe");
    assert!(
        text.starts_with(r#"{"rows":[{"Field":"id","Type":"bigint","Null":"NO","Key":"PRI","Default":null,"Extra":"auto_increment"}"#),
        "{text}"
    );
    let described: Value = serde_json::from_str(&text).expect("json");
    let column = |name: &str| -> Value {
        rows(&described)
            .iter()
            .find(|row| row["Field"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {described}"))
    };
    assert_eq!(
        column("sku"),
        json!({"Field": "sku", "Type": "varchar(20)", "Null": "NO", "Key": "UNI", "Default": null, "Extra": ""})
    );
    assert_eq!(column("name")["Default"], "it's");
    assert_eq!(column("name")["Null"], "YES");
    assert_eq!(column("kind")["Type"], "enum('a','b')");
    assert_eq!(column("kind")["Default"], "a");
    assert_eq!(column("price")["Type"], "decimal(10,2)");
    assert_eq!(column("qty")["Type"], "int unsigned");
    assert_eq!(column("qty")["Default"], "0");
    assert_eq!(column("owner_id")["Key"], "MUL");
    assert_eq!(column("updated")["Default"], "CURRENT_TIMESTAMP");
    assert_eq!(
        column("updated")["Extra"],
        "DEFAULT_GENERATED on update CURRENT_TIMESTAMP"
    );
    assert_eq!(
        run(&mut db, "SHOW COLUMNS FROM items", json!([])),
        described,
        "SHOW COLUMNS is DESCRIBE"
    );
    // A column changed by a rebuild reads as changed.
    run(
        &mut db,
        "ALTER TABLE items MODIFY qty bigint NOT NULL DEFAULT 1",
        json!([]),
    );
    let changed = run(&mut db, "DESCRIBE items", json!([]));
    let qty = rows(&changed)
        .iter()
        .find(|row| row["Field"] == "qty")
        .cloned();
    assert_eq!(
        qty,
        Some(
            json!({"Field": "qty", "Type": "bigint", "Null": "NO", "Key": "", "Default": "1", "Extra": ""})
        )
    );

    // SHOW CREATE TABLE reads the same back as MySQL's DDL, which runs again as it reads.
    run(
        &mut db,
        "ALTER TABLE items ADD CONSTRAINT items_owner_fk FOREIGN KEY (owner_id) REFERENCES \
         owners(id) ON DELETE CASCADE",
        json!([]),
    );
    let created = run(&mut db, "SHOW CREATE TABLE `items`", json!([]));
    let ddl = rows(&created)[0]["Create Table"]
        .as_str()
        .expect("the DDL")
        .to_owned();
    assert_eq!(rows(&created)[0]["Table"], "items");
    for line in [
        "CREATE TABLE `items` (\n  `id` bigint NOT NULL AUTO_INCREMENT,\n",
        "  `sku` varchar(20) NOT NULL,\n",
        "  `name` varchar(100) DEFAULT 'it''s',\n",
        "  `kind` enum('a','b') NOT NULL DEFAULT 'a',\n",
        "  `price` decimal(10,2) DEFAULT NULL,\n",
        "  `updated` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n",
        "  PRIMARY KEY (`id`),\n",
        "  UNIQUE KEY `items_sku` (`sku`),\n",
        "  KEY `items_owner` (`owner_id`,`name`),\n",
        "  CONSTRAINT items_owner_fk FOREIGN KEY (owner_id) REFERENCES owners(id) ON DELETE CASCADE\n",
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    ] {
        assert!(ddl.contains(line), "{line:?} in\n{ddl}");
    }
    assert!(!ddl.contains("kiln_"), "Kiln's own checks stay out:\n{ddl}");

    // SHOW INDEX: a row per column of each key, the primary key first, in TiDB's shape.
    let indexes = db
        .execute_text(Endpoint::Data, "SHOW INDEX FROM `items`", &[])
        .expect("show index");
    assert!(
        indexes.starts_with(
            r#"{"rows":[{"Table":"items","Non_unique":0,"Key_name":"PRIMARY","Seq_in_index":1,"Column_name":"id","Collation":"A","Cardinality":0,"Sub_part":null,"Packed":null,"Null":"","Index_type":"BTREE","Comment":"","Index_comment":"","Visible":"YES","Expression":null,"Clustered":"YES"}"#
        ),
        "{indexes}"
    );
    let indexes: Value = serde_json::from_str(&indexes).expect("json");
    let keys: Vec<(String, i64, i64, String, String)> = rows(&indexes)
        .iter()
        .map(|row| {
            (
                row["Key_name"].as_str().unwrap_or_default().to_owned(),
                row["Non_unique"].as_i64().unwrap_or(-1),
                row["Seq_in_index"].as_i64().unwrap_or(-1),
                row["Column_name"].as_str().unwrap_or_default().to_owned(),
                row["Null"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let key = |name: &str, non_unique, seq, column: &str, null: &str| {
        (
            name.to_owned(),
            non_unique,
            seq,
            column.to_owned(),
            null.to_owned(),
        )
    };
    assert_eq!(
        keys,
        [
            key("PRIMARY", 0, 1, "id", ""),
            key("items_sku", 0, 1, "sku", ""),
            key("items_owner", 1, 1, "owner_id", "YES"),
            key("items_owner", 1, 2, "name", "YES"),
        ]
    );
    for same in ["SHOW INDEXES IN items", "SHOW KEYS FROM items FROM forge"] {
        assert_eq!(run(&mut db, same, json!([])), indexes, "{same}");
    }
    assert_eq!(
        refused(&mut db, "SHOW INDEX FROM nothing", json!([])).code,
        ForgeSqlCode::SqlExecutionError
    );
    run(&mut db, "DROP TABLE items", json!([]));
    run(&mut db, &ddl, json!([]));
    assert_eq!(run(&mut db, "DESCRIBE items", json!([])), changed);

    let missing = refused(&mut db, "DESCRIBE nothing", json!([]));
    assert!(missing.message.contains("Error 1146"), "{missing}");
    refused(&mut db, "SHOW TABLES WHERE 1", json!([]));
}

/// MySQL's answers for what an `INSERT` leaves out: a `NOT NULL` column with no default that
/// the statement does not name is 1364 (one it sets to NULL is 1048), and a table without an
/// `AUTO_INCREMENT` column reports no `insertId`.
#[test]
fn inserts_answer_ids_and_missing_values_as_mysql() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE tags (name VARCHAR(20) PRIMARY KEY, note TEXT NOT NULL, n INT)",
        json!([]),
    );
    let inserted = run(
        &mut db,
        "INSERT INTO tags (name, note) VALUES ('a', 'x')",
        json!([]),
    );
    assert_eq!(inserted["rows"]["insertId"], 0, "no AUTO_INCREMENT column");
    assert_eq!(inserted["rows"]["affectedRows"], 1);
    let left_out = refused(&mut db, "INSERT INTO tags (name) VALUES ('b')", json!([]));
    assert!(
        left_out
            .message
            .starts_with("Error 1364 (HY000): Field 'note' doesn't have a default value"),
        "{left_out}"
    );
    let by_default = refused(
        &mut db,
        "INSERT INTO tags (name, note) VALUES ('b', DEFAULT)",
        json!([]),
    );
    assert!(by_default.message.contains("Error 1364"), "{by_default}");
    let written_null = refused(
        &mut db,
        "INSERT INTO tags (name, note) VALUES ('b', ?)",
        json!([null]),
    );
    assert!(
        written_null
            .message
            .starts_with("Error 1048 (23000): Column 'note' cannot be null"),
        "{written_null}"
    );
    let every_column = refused(&mut db, "INSERT INTO tags VALUES ('c', NULL, 1)", json!([]));
    assert!(
        every_column.message.contains("Error 1048"),
        "{every_column}"
    );

    run(
        &mut db,
        "CREATE TABLE numbered (id INT AUTO_INCREMENT PRIMARY KEY, v INT)",
        json!([]),
    );
    let numbered = run(&mut db, "INSERT INTO numbered (v) VALUES (1)", json!([]));
    assert_eq!(numbered["rows"]["insertId"], 1);
}

/// An ORM's bulk insert binds thousands of values (forge-sql-orm's examples: 4,000 rows of
/// five columns in one `INSERT`). Kiln takes as many as SQLite can bind, inside Forge's
/// request size, and refuses more with a typed error, not SQLite's.
#[test]
fn bulk_inserts_bind_thousands_of_values() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE item (id INT PRIMARY KEY, name VARCHAR(20), a INT, b INT, c INT)",
        json!([]),
    );
    let count = 4_000;
    let tuples = vec!["(?, ?, ?, ?, ?)"; count].join(", ");
    let params: Vec<Value> = (0..count)
        .flat_map(|i| {
            [
                json!(i),
                json!(format!("item {i}")),
                json!(i),
                json!(1),
                json!(2),
            ]
        })
        .collect();
    run(
        &mut db,
        &format!("INSERT INTO item VALUES {tuples}"),
        Value::from(params),
    );
    let answer = run(&mut db, "SELECT COUNT(*) AS n FROM item", json!([]));
    assert_eq!(rows(&answer)[0]["n"], 4_000);

    let limit = ForgeSqlLimits::default().max_parameters;
    let many = vec!["?"; limit + 1].join(", ");
    let error = refused(
        &mut db,
        &format!("SELECT COALESCE({many})"),
        Value::from(vec![json!(1); limit + 1]),
    );
    assert!(
        error
            .message
            .contains(&format!("{} parameters bound", limit + 1)),
        "{error}"
    );
}

fn run_schema(db: &mut ForgeSqlDatabase, script: &str) {
    if let Err(error) = db.execute(Endpoint::Schema, script, &[]) {
        panic!("{script}\n  failed: {error}");
    }
}

/// A JS `Date` reaches Forge SQL as ISO text, drizzle writes trailing fractional zeros: MySQL
/// stores each in its one form, compares text with a date column as a date, and refuses what
/// is not a date; so does Kiln. ON UPDATE CURRENT_TIMESTAMP columns follow every update that
/// changes the row.
#[test]
fn dates_are_stored_and_compared_as_mysql_does() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE ev (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME NOT NULL, \
         at3 DATETIME(3), day DATE, version TIMESTAMP NOT NULL, \
         touched TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO ev (at, at3, day, version, touched) VALUES (?, ?, ?, ?, ?)",
        json!([
            "2024-05-01T10:20:30.000Z",
            "2024-05-01T10:20:30.1234Z",
            "2024-05-01T23:30:00-02:00",
            "2025-01-01 00:00:00.000",
            "2000-01-01 00:00:00"
        ]),
    );
    let stored = run(
        &mut db,
        "SELECT at, at3, day, version, touched FROM ev",
        json!([]),
    );
    assert_eq!(
        rows(&stored)[0],
        json!({
            "at": "2024-05-01 10:20:30", "at3": "2024-05-01 10:20:30.123",
            "day": "2024-05-02", "version": "2025-01-01 00:00:00",
            "touched": "2000-01-01 00:00:00"
        })
    );
    // drizzle's optimistic lock: the version compares as a date.
    let locked = run(
        &mut db,
        "update `ev` set `at` = ?, `version` = ? where (`id` = ? and `version` = ?)",
        json!([
            "2024-06-01T00:00:00Z",
            "2025-01-02 00:00:00.000",
            1,
            "2025-01-01 00:00:00.000"
        ]),
    );
    assert_eq!(locked["rows"]["affectedRows"], 1);
    let found = run(
        &mut db,
        "SELECT at, touched FROM ev WHERE version = ?",
        json!(["2025-01-02T00:00:00.000Z"]),
    );
    assert_eq!(rows(&found)[0]["at"], "2024-06-01 00:00:00");
    assert_ne!(
        rows(&found)[0]["touched"],
        "2000-01-01 00:00:00",
        "ON UPDATE CURRENT_TIMESTAMP"
    );
    // An update that leaves the row's values as they were keeps its time, as MySQL does:
    // it matched the row and changed nothing.
    run(
        &mut db,
        "UPDATE ev SET touched = '2000-01-01 00:00:00'",
        json!([]),
    );
    let same = run(
        &mut db,
        "update `ev` set `at` = ? where `id` = ?",
        json!(["2024-06-01T00:00:00Z", 1]),
    );
    assert_eq!(same["rows"]["affectedRows"], 1, "{same}");
    assert_eq!(same["rows"]["changedRows"], 0, "{same}");
    let kept = run(&mut db, "SELECT touched FROM ev", json!([]));
    assert_eq!(rows(&kept)[0]["touched"], "2000-01-01 00:00:00");
    // So does an upsert's update that leaves the row as it was; one that changes it moves it.
    let upsert = "INSERT INTO ev (id, at, version) VALUES (?, ?, NOW()) \
                  ON DUPLICATE KEY UPDATE at = VALUES(at)";
    let same = run(&mut db, upsert, json!([1, "2024-06-01 00:00:00"]));
    assert_eq!(same["rows"]["affectedRows"], 1, "{same}");
    let kept = run(&mut db, "SELECT touched FROM ev", json!([]));
    assert_eq!(rows(&kept)[0]["touched"], "2000-01-01 00:00:00");
    let moved = run(&mut db, upsert, json!([1, "2024-06-02 00:00:00"]));
    assert_eq!(moved["rows"]["affectedRows"], 2, "{moved}");
    let stamped = run(&mut db, "SELECT touched FROM ev", json!([]));
    assert_ne!(rows(&stamped)[0]["touched"], "2000-01-01 00:00:00");
    let wrong = refused(
        &mut db,
        "INSERT INTO ev (at, version) VALUES ('next tuesday', NOW())",
        json!([]),
    );
    assert_eq!(
        wrong.message,
        "Error 1292 (22007): Incorrect datetime value: 'next tuesday' for column 'at' at row 1"
    );
    let gone = run(
        &mut db,
        "DELETE FROM ev WHERE at < ?",
        json!(["2024-07-01T00:00:00+00:00"]),
    );
    assert_eq!(gone["rows"]["affectedRows"], 1);

    // `CURRENT_TIMESTAMP(3)`, as Prisma and drizzle declare a `DATETIME(3)` column's default
    // and stamp, keeps milliseconds; so does `NOW(3)` in a query.
    run_schema(
        &mut db,
        "CREATE TABLE stamped (id INT PRIMARY KEY, n INT, \
         created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \
         updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE \
         CURRENT_TIMESTAMP(6))",
    );
    run(
        &mut db,
        "INSERT INTO stamped (id, n) VALUES (1, 1)",
        json!([]),
    );
    run(
        &mut db,
        "UPDATE stamped SET updated_at = '2000-01-01 00:00:00'",
        json!([]),
    );
    run(&mut db, "UPDATE stamped SET n = 2", json!([]));
    let row = run(
        &mut db,
        "SELECT created_at, updated_at, NOW(3) AS now3, CURRENT_TIMESTAMP(2) AS now2 FROM stamped",
        json!([]),
    );
    let row = &rows(&row)[0];
    let fraction = |name: &str| {
        let text = row[name].as_str().unwrap_or_default();
        assert!(
            text.starts_with("20") && !text.starts_with("2000"),
            "{name}: {text}"
        );
        text.rsplit_once('.').map_or(0, |(_, digits)| digits.len())
    };
    assert_eq!(fraction("created_at"), 3, "{row}");
    assert_eq!(fraction("updated_at"), 6, "{row}");
    assert_eq!(fraction("now3"), 3, "{row}");
    assert_eq!(fraction("now2"), 2, "{row}");
    let precision = refused(&mut db, "SELECT NOW(7)", json!([]));
    assert!(
        precision
            .message
            .contains("Error 1426 (42000): Too big precision 7"),
        "{precision}"
    );
}

/// Date arithmetic, MySQL's date, text and aggregate functions, and the names MySQL gives
/// unaliased expressions.
#[test]
fn mysql_functions_and_intervals_answer_as_mysql() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME, day DATE, tag VARCHAR(10))",
        json!([]),
    );
    for (at, tag) in [
        ("2024-01-31 10:00:00", "b"),
        ("2024-02-29 23:30:00", "a"),
        ("2024-03-01 00:15:00", "b"),
    ] {
        run(
            &mut db,
            "INSERT INTO log (at, day, tag) VALUES (?, DATE(?), ?)",
            json!([at, at, tag]),
        );
    }
    let dates = run(
        &mut db,
        "SELECT at + INTERVAL 1 MONTH AS a, DATE_SUB(day, INTERVAL ? DAY) AS b, \
         INTERVAL 90 MINUTE + at AS c, DATE_ADD(at, INTERVAL -1 YEAR) AS d, \
         DATEDIFF(?, day) AS e, TIMESTAMPDIFF(HOUR, at, '2024-03-01 12:00:00') AS f, \
         DATE_FORMAT(at, '%W %D %M %Y %H:%i') AS g, YEAR(at) AS h, DAYOFWEEK(day) AS i, \
         LAST_DAY(day) AS j, STR_TO_DATE('31/01/2024', '%d/%m/%Y') AS k \
         FROM log WHERE id = 1",
        json!([31, "2024-03-01"]),
    );
    assert_eq!(
        rows(&dates)[0],
        json!({
            "a": "2024-02-29 10:00:00", "b": "2023-12-31", "c": "2024-01-31 11:30:00",
            "d": "2023-01-31 10:00:00", "e": 30, "f": 722,
            "g": "Wednesday 31st January 2024 10:00", "h": 2024, "i": 4,
            "j": "2024-01-31", "k": "2024-01-31"
        })
    );
    let recent = run(
        &mut db,
        "SELECT COUNT(*) AS n FROM log WHERE at > ? - INTERVAL 1 DAY",
        json!(["2024-03-01 00:00:00"]),
    );
    assert_eq!(rows(&recent)[0]["n"], 2);
    let text = run(
        &mut db,
        "SELECT GROUP_CONCAT(tag ORDER BY id SEPARATOR '; ') AS a, \
         GROUP_CONCAT(DISTINCT tag ORDER BY tag DESC SEPARATOR '|') AS b, \
         JSON_ARRAYAGG(id) AS c FROM log",
        json!([]),
    );
    assert_eq!(rows(&text)[0]["a"], "b; a; b");
    assert_eq!(rows(&text)[0]["b"], "b|a");
    assert_eq!(
        rows(&text)[0]["c"],
        json!([1, 2, 3]),
        "a JSON value, not its text"
    );
    let built = run(
        &mut db,
        "SELECT JSON_OBJECT('tag', tag, 'id', id) AS o, JSON_EXTRACT('{\"a\": [1, 2]}', '$.a') AS a, \
         '{\"n\": {\"m\": 1}}'->'$.n' AS n, tag FROM log WHERE id = 1",
        json!([]),
    );
    assert_eq!(
        rows(&built)[0],
        json!({"o": {"tag": "b", "id": 1}, "a": [1, 2], "n": {"m": 1}, "tag": "b"})
    );
    // How ORMs nest rows: a choice between JSON values, or a scalar subquery of one, is JSON
    // too (MySQL types it so); a choice with text in it is not.
    let nested = run(
        &mut db,
        "SELECT (SELECT COALESCE(JSON_ARRAYAGG(JSON_OBJECT('id', l.id)), JSON_ARRAY()) \
         FROM log l WHERE l.tag = log.tag) AS same, \
         (SELECT COALESCE(JSON_ARRAYAGG(l.id), JSON_ARRAY()) FROM log l WHERE l.tag = 'none') AS none, \
         IF(id > 1, JSON_ARRAY(id), NULL) AS maybe, \
         CASE WHEN id = 1 THEN JSON_OBJECT('first', id) ELSE JSON_ARRAY() END AS chosen, \
         COALESCE(NULL, 'text') AS plain FROM log WHERE id = 1",
        json!([]),
    );
    assert_eq!(
        rows(&nested)[0],
        json!({
            "same": [{"id": 1}, {"id": 3}], "none": [], "maybe": null,
            "chosen": {"first": 1}, "plain": "text"
        })
    );
    let unaliased = run(
        &mut db,
        "SELECT CHAR_LENGTH(tag), LEFT('kiln', 2), RIGHT('kiln', 3), LOCATE('l', 'kiln'), \
         SUBSTRING_INDEX('a.b.c', '.', -2), GREATEST(1, 3, 2), 7 DIV 2, IF(id > 1, 'y', 'n'), \
         tag REGEXP '^[ab]$' FROM log WHERE id = 2",
        json!([]),
    );
    assert_eq!(
        rows(&unaliased)[0],
        json!({
            "CHAR_LENGTH(tag)": 1, "LEFT('kiln', 2)": "ki", "RIGHT('kiln', 3)": "iln",
            "LOCATE('l', 'kiln')": 3, "SUBSTRING_INDEX('a.b.c', '.', -2)": "b.c",
            "GREATEST(1, 3, 2)": 3, "7 DIV 2": 3, "IF(id > 1, 'y', 'n')": "y",
            "tag REGEXP '^[ab]$'": 1
        })
    );
    // A pattern that would expand past regex's limit is an error, not a stall.
    let bomb = refused(
        &mut db,
        "SELECT tag FROM log WHERE tag REGEXP '(a{1000}){1000}'",
        json!([]),
    );
    assert_eq!(bomb.code, ForgeSqlCode::SqlExecutionError);
    let more = run(
        &mut db,
        "SELECT FLOOR(2.7) AS a, CEIL(2.1) AS b, POW(2, 10) AS c, MOD(-7, 3) AS d, \
         TRUNCATE(1.999, 2) AS e, LPAD(id, 3, '0') AS f, REPEAT('ab', 2) AS g, \
         FIND_IN_SET(tag, 'x,a,b') AS h, EXTRACT(MONTH FROM at) AS i, POSITION('b' IN tag) AS j, \
         SUBSTRING('kiln' FROM 2 FOR 2) AS k, TRIM(LEADING 'x' FROM 'xxk') AS l, \
         CONVERT(id, CHAR) AS m, ISNULL(day) AS n, SHA2('a', 256) AS o \
         FROM log WHERE id = 2",
        json!([]),
    );
    assert_eq!(
        rows(&more)[0],
        json!({
            "a": 2, "b": 3, "c": 1024.0, "d": -1, "e": 1.99, "f": "002", "g": "abab", "h": 2,
            "i": 2, "j": 0, "k": "il", "l": "k", "m": "2", "n": 0,
            "o": "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
        })
    );
    let document = r#"{"tags": ["a", "b"], "name": "kiln"}"#;
    let json_functions = run(
        &mut db,
        "SELECT JSON_LENGTH(?) AS a, JSON_CONTAINS(?, '\"b\"', '$.tags') AS b, \
         JSON_UNQUOTE(JSON_EXTRACT(?, '$.name')) AS c, JSON_KEYS(?) AS d",
        json!([document, document, document, document]),
    );
    assert_eq!(
        rows(&json_functions)[0],
        json!({"a": 2, "b": 1, "c": "kiln", "d": ["name", "tags"]})
    );
    // forge-sql-orm's query-analyses example keys rows by UUID_TO_BIN; its migrations open
    // with SET statements.
    run_schema(
        &mut db,
        "SET FOREIGN_KEY_CHECKS = 0; SET NAMES utf8mb4; \
         CREATE TABLE u (id BINARY(16) PRIMARY KEY, j JSON); SET FOREIGN_KEY_CHECKS = 1;",
    );
    run(
        &mut db,
        "INSERT INTO u (id, j) VALUES (UUID_TO_BIN(?, 1), ?)",
        json!([
            "6ccd780c-baba-1026-9564-5b8c656024db",
            r#"{"a": [1, 2], "b": "x"}"#
        ]),
    );
    run(
        &mut db,
        "UPDATE u SET j = JSON_ARRAY_APPEND(j, '$.a', 3)",
        json!([]),
    );
    let keyed = run(
        &mut db,
        "SELECT BIN_TO_UUID(id, 1) AS id, JSON_SEARCH(j, 'one', 'x') AS s, \
         3 MEMBER OF (j->'$.a') AS m, j FROM u",
        json!([]),
    );
    assert_eq!(
        rows(&keyed)[0],
        json!({
            "id": "6ccd780c-baba-1026-9564-5b8c656024db", "s": "$.b", "m": 1,
            "j": {"a": [1, 2, 3], "b": "x"}
        })
    );
    let times = run(
        &mut db,
        "SELECT WEEK('2025-01-05') AS a, DAYNAME('2025-02-10') AS b, SEC_TO_TIME(3661) AS c, \
         TIME_TO_SEC('01:00:00') AS d, ADDTIME('2025-01-01 23:30:00', '01:00:00') AS e, \
         CONVERT_TZ('2025-01-01 00:00:00', '+00:00', '+05:30') AS f, MAKEDATE(2025, 32) AS g, \
         FROM_UNIXTIME(1735689600, '%Y-%m') AS h, ELT(2, 'x', 'y') AS i, \
         INET_ATON('10.0.0.1') AS j, MONTHNAME('2025-02-10') AS k",
        json!([]),
    );
    assert_eq!(
        rows(&times)[0],
        json!({
            "a": 1, "b": "Monday", "c": "01:01:01", "d": 3600, "e": "2025-01-02 00:30:00",
            "f": "2025-01-01 05:30:00", "g": "2025-02-01", "h": "2025-01", "i": "y",
            "j": 167_772_161, "k": "February"
        })
    );
    // Arguments at the edges of their types answer NULL or MySQL's value, never a panic or
    // an unbounded string.
    let edges = run(
        &mut db,
        "SELECT MAKEDATE(2025, 9223372036854775807) AS a, SEC_TO_TIME(1e300) AS b, \
         FROM_UNIXTIME(-1e300, '%Y') AS c, MOD(-9223372036854775808, -1) AS d, \
         REPEAT('a', 9223372036854775807) AS e, LPAD('a', 9223372036854775807, 'b') AS f, \
         LOCATE('a', 'b', 9223372036854775807) AS g, \
         DATE_ADD('2024-01-01', INTERVAL -9223372036854775808 SECOND) AS h, \
         WEEK('2024-01-01', 9223372036854775807) AS i, ELT(-1, 'a') AS j, INET_NTOA(-1) AS k, \
         ADDTIME('9999-12-31 23:59:59', '838:59:59') AS l, SPACE(99999999999) AS m, \
         UNIX_TIMESTAMP('99999999-01-01') AS n",
        json!([]),
    );
    assert_eq!(
        rows(&edges)[0],
        json!({
            "a": null, "b": null, "c": null, "d": 0, "e": null, "f": null, "g": 0, "h": null,
            "i": null, "j": null, "k": null, "l": null, "m": null, "n": null
        })
    );
    // utf8mb4_bin, TiDB's default collation: LIKE tells case apart.
    let like = run(
        &mut db,
        "SELECT COUNT(*) AS n FROM log WHERE tag LIKE 'A%'",
        json!([]),
    );
    assert_eq!(rows(&like)[0]["n"], 0);
    let bare = refused(&mut db, "SELECT INTERVAL 1 DAY", json!([]));
    assert_eq!(bare.code, ForgeSqlCode::InvalidSqlQuery);
}

/// MySQL's manual reads "every row from an offset on" as `LIMIT offset, 18446744073709551615`
/// (its largest count), and Knex writes an `offset()` without a `limit()` so; SQLite's
/// integers stop at `i64::MAX`.
#[test]
fn the_largest_mysql_count_reads_every_row() {
    let mut db = database();
    run(&mut db, "CREATE TABLE n (v INT PRIMARY KEY)", json!([]));
    run(&mut db, "INSERT INTO n VALUES (1), (2), (3)", json!([]));
    for (query, rows) in [
        (
            "SELECT v FROM n ORDER BY v LIMIT 1, 18446744073709551615",
            json!([{"v": 2}, {"v": 3}]),
        ),
        (
            "SELECT v FROM n ORDER BY v LIMIT 18446744073709551615 OFFSET 2",
            json!([{"v": 3}]),
        ),
        (
            "SELECT COUNT(*) AS c FROM (SELECT v FROM n LIMIT 18446744073709551615) AS d",
            json!([{"c": 3}]),
        ),
    ] {
        assert_eq!(run(&mut db, query, json!([]))["rows"], rows, "{query}");
    }
    let deleted = run(
        &mut db,
        "DELETE FROM n WHERE v > 1 ORDER BY v LIMIT 18446744073709551615",
        json!([]),
    );
    assert_eq!(deleted["rows"]["affectedRows"], 2, "{deleted}");
}

/// A bound count is a non-negative integer, as TiDB's planner takes it (`Error 1210`
/// otherwise), and a count TiDB's grammar does not read is refused before anything runs;
/// SQLite would read `-1` as "every row" and take `'2'`.
#[test]
fn counts_are_what_tidb_takes() {
    let mut db = database();
    run(&mut db, "CREATE TABLE n (v INT PRIMARY KEY)", json!([]));
    run(&mut db, "INSERT INTO n VALUES (1), (2), (3)", json!([]));
    let page = "SELECT v FROM n ORDER BY v LIMIT ? OFFSET ?";
    assert_eq!(
        run(&mut db, page, json!([2, 1]))["rows"],
        json!([{"v": 2}, {"v": 3}])
    );
    assert_eq!(run(&mut db, page, json!([0, 0]))["rows"], json!([]));
    for params in [
        json!([-1, 0]),
        json!(["2", 0]),
        json!([1.5, 0]),
        json!([null, 0]),
        json!([2, -1]),
    ] {
        let error = refused(&mut db, page, params.clone());
        assert_eq!(error.code, ForgeSqlCode::SqlExecutionError, "{params}");
        assert!(
            error
                .message
                .contains("Error 1210 (HY000): Incorrect arguments to LIMIT"),
            "{params}: {error}"
        );
    }
    let deleted = run(&mut db, "DELETE FROM n ORDER BY v DESC LIMIT ?", json!([1]));
    assert_eq!(deleted["rows"]["affectedRows"], 1, "{deleted}");
    for query in [
        "SELECT v FROM n LIMIT -1",
        "SELECT v FROM n LIMIT '2'",
        "SELECT v FROM n LIMIT NOW()",
        "UPDATE n SET v = v + 10 LIMIT 1.5",
    ] {
        let error = refused(&mut db, query, json!([]));
        assert_eq!(error.code, ForgeSqlCode::InvalidSqlQuery, "{query}");
        assert!(
            error.message.contains("LIMIT and OFFSET"),
            "{query}: {error}"
        );
    }
    assert!(
        refused(&mut db, "SELECT v FROM n LIMIT 'two'", json!([]))
            .message
            .ends_with("not 'two'")
    );
    assert_eq!(
        run(&mut db, "SELECT v FROM n ORDER BY v", json!([]))["rows"],
        json!([{"v": 1}, {"v": 2}]),
        "nothing refused changed a row"
    );
}

/// A number column takes numbers, and text that reads as one, as MySQL's strict mode (TiDB's
/// default) does: other text is `Error 1366`, where SQLite would store it as text.
#[test]
fn number_columns_refuse_text_that_is_no_number() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE t (id INT PRIMARY KEY, n INT, b BIGINT, d DECIMAL(10, 2), f DOUBLE, \
         ok BOOLEAN, s VARCHAR(10))",
        json!([]),
    );
    for (column, kind) in [
        ("n", "int"),
        ("b", "bigint"),
        ("d", "decimal"),
        ("f", "double"),
        ("ok", "tinyint"),
    ] {
        for value in ["abc", "", "12abc", "0x1A"] {
            let insert = format!("INSERT INTO t (id, {column}) VALUES (1, ?)");
            let error = refused(&mut db, &insert, json!([value]));
            assert_eq!(
                error.code,
                ForgeSqlCode::SqlExecutionError,
                "{column} {value:?}"
            );
            assert!(
                error.message.starts_with(&format!(
                    "Error 1366 (HY000): Incorrect {kind} value for column '{column}' at row 1"
                )),
                "{column} {value:?}: {error}"
            );
        }
    }
    // Text that reads as a number is that number; text columns take anything.
    run(
        &mut db,
        "INSERT INTO t VALUES (1, '12', ' 9007199254740993 ', '3.5', '1e3', '1', 'abc')",
        json!([]),
    );
    assert_eq!(
        run(&mut db, "SELECT n, b, d, f, ok, s FROM t", json!([]))["rows"],
        json!([{"n": 12, "b": "9007199254740993", "d": "3.50", "f": 1000.0, "ok": 1, "s": "abc"}])
    );
    // An AUTO_INCREMENT id is SQLite's row id, which refuses what is no integer itself.
    run(
        &mut db,
        "CREATE TABLE auto (id INT AUTO_INCREMENT PRIMARY KEY, v INT)",
        json!([]),
    );
    let error = refused(
        &mut db,
        "INSERT INTO auto (id, v) VALUES (?, 1)",
        json!(["abc"]),
    );
    assert!(
        error
            .message
            .starts_with("Error 1366 (HY000): Incorrect int value"),
        "{error}"
    );
    // An UPDATE is held to the same rule, and a range check comes after the type's.
    let error = refused(&mut db, "UPDATE t SET n = 'many'", json!([]));
    assert!(error.message.contains("Error 1366"), "{error}");
    let error = refused(&mut db, "UPDATE t SET n = 99999999999", json!([]));
    assert!(error.message.contains("Error 1264"), "{error}");
    assert_eq!(
        run(&mut db, "SHOW CREATE TABLE t", json!([]))["rows"][0]["Create Table"]
            .as_str()
            .map(|text| text.contains("kiln_")),
        Some(false),
        "Kiln's checks are not the app's"
    );
}

/// A fraction written to an integer column is stored as the integer TiDB rounds it to, never
/// as the fraction: a literal or text half away from zero, a bound JavaScript number (a
/// `DOUBLE`) half to even; past `BIGINT` it is `Error 1264`, and the smaller types' range is
/// checked on the rounded value.
#[test]
fn integer_columns_store_fractions_rounded_as_tidb_does() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, n INT, b BIGINT, s SMALLINT, \
         u INT UNSIGNED, ok BOOLEAN, f DOUBLE)",
        json!([]),
    );
    // Literals and text: half away from zero.
    run(
        &mut db,
        "INSERT INTO t (n, b, s, u, ok, f) VALUES (2.5, -2.5, '3.5', ' 7.49 ', 0.5, 2.5)",
        json!([]),
    );
    // Bound numbers: half to even; an integer and a text number bound as they are.
    run(
        &mut db,
        "INSERT INTO t (n, b, s, u, ok, f) VALUES (?, ?, ?, ?, ?, ?)",
        json!([2.5, 3.5, -2.5, "4.5", 0.4, 2.5]),
    );
    // The id too, and an exponent literal is a DOUBLE: half to even.
    run(
        &mut db,
        "INSERT INTO t (id, n) VALUES (9.5, 25e-1)",
        json!([]),
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT id, n, b, s, u, ok, f FROM t ORDER BY id",
            json!([])
        )["rows"],
        json!([
            {"id": 1, "n": 3, "b": "-3", "s": 4, "u": 7, "ok": 1, "f": 2.5},
            {"id": 2, "n": 2, "b": "4", "s": -2, "u": 5, "ok": 0, "f": 2.5},
            {"id": 10, "n": 2, "b": null, "s": null, "u": null, "ok": null, "f": null},
        ])
    );
    // An UPDATE and an upsert's update round the same way; comparing after them finds the
    // integers.
    run(&mut db, "UPDATE t SET n = n * 0.25 WHERE id = 1", json!([]));
    run(
        &mut db,
        "INSERT INTO t (id, n) VALUES (2, 0) ON DUPLICATE KEY UPDATE n = ?",
        json!([6.5]),
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT id FROM t WHERE n = 1 OR n = 6 ORDER BY id",
            json!([])
        )["rows"],
        json!([{"id": 1}, {"id": 2}])
    );
    // A value rounded into the same integer is no change (MySQL's changedRows).
    let answer = run(&mut db, "UPDATE t SET n = 6.4 WHERE id = 2", json!([]));
    assert_eq!(answer["rows"]["changedRows"], json!(0), "{answer}");
    // The range is the rounded value's: 32767.4 fits a SMALLINT, 32767.5 does not; a
    // negative fraction that rounds to 0 fits an UNSIGNED column, one that rounds to -1
    // does not; past BIGINT is out of range too.
    run(
        &mut db,
        "UPDATE t SET s = 32767.4, u = -0.4 WHERE id = 1",
        json!([]),
    );
    for (assignment, column) in [
        ("s = 32767.5", "s"),
        ("u = -0.5", "u"),
        ("b = 1e19", "b"),
        ("b = ?", "b"),
    ] {
        let error = refused(
            &mut db,
            &format!("UPDATE t SET {assignment} WHERE id = 1"),
            json!(if assignment.ends_with('?') {
                json!([-1e19])
            } else {
                json!([])
            }),
        );
        assert!(
            error.message.starts_with(&format!(
                "Error 1264 (22003): Out of range value for column '{column}' at row 1"
            )),
            "{assignment}: {error}"
        );
    }
    // INSERT … SELECT writes as VALUES does; `VALUES ()` is a row of defaults.
    run(
        &mut db,
        "INSERT INTO t (id, n, s) SELECT id + 100, n * 1.5, ok FROM t WHERE id = 1",
        json!([]),
    );
    run(&mut db, "INSERT INTO t VALUES ()", json!([]));
    assert_eq!(
        run(
            &mut db,
            "SELECT id, n FROM t WHERE id > 100 ORDER BY id",
            json!([])
        )["rows"],
        json!([{"id": 101, "n": 2}, {"id": 102, "n": null}])
    );
    // Text that is no number is still refused as such.
    let error = refused(&mut db, "UPDATE t SET n = '2.5x' WHERE id = 1", json!([]));
    assert!(error.message.starts_with("Error 1366"), "{error}");
    assert_eq!(
        run(&mut db, "SELECT s, u FROM t WHERE id = 1", json!([]))["rows"],
        json!([{"s": 32767, "u": 0}])
    );
}

/// MySQL's `/` never truncates: two integers divide to four places (`div_precision_increment`),
/// rounded half away from zero; anything else divides as a number; by zero is NULL. SQLite
/// would answer `7 / 2` with 3.
#[test]
fn division_does_not_truncate_integers() {
    let mut db = database();
    run(&mut db, "CREATE TABLE v (n INT, r DOUBLE)", json!([]));
    run(
        &mut db,
        "INSERT INTO v VALUES (1, 0.5), (2, 1.5), (4, 2.5)",
        json!([]),
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT 7 / 2 AS half, 2 / 3 AS third, -2 / 3 AS negative, 5 / 0 AS by_zero, \
             7.5 / 2 AS real, ? / 4 AS bound, '9' / 2 AS text, 0x10 / 4 AS hex",
            json!([3]),
        )["rows"],
        // A quotient of exact numbers is MySQL's DECIMAL, which Forge answers as a string with
        // the dividend's places and 4 more; text and bound numbers are DOUBLEs.
        json!([{
            "half": "3.5000", "third": "0.6667", "negative": "-0.6667", "by_zero": null,
            "real": "3.75000", "bound": 0.75, "text": 4.5, "hex": "4.0000"
        }])
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT SUM(n) / COUNT(*) AS mean, MAX(r) / MIN(n) AS ratio FROM v",
            json!([]),
        )["rows"],
        json!([{"mean": "2.3333", "ratio": 2.5}])
    );
    // In a WHERE clause and written to an integer column (rounded there, as TiDB stores it).
    assert_eq!(
        run(&mut db, "SELECT n FROM v WHERE n / 4 = 0.5", json!([]))["rows"],
        json!([{"n": 2}])
    );
    run(&mut db, "UPDATE v SET n = n / 4", json!([]));
    assert_eq!(
        run(&mut db, "SELECT n FROM v ORDER BY r", json!([]))["rows"],
        json!([{"n": 0}, {"n": 1}, {"n": 1}])
    );
}

/// A `DECIMAL(p, s)` column stores what is written rounded to `s` places, half away from
/// zero on the digits written (`1.005` is 1.01, where the binary fraction nearest it is
/// below), and refuses more digits before the point than it holds with `Error 1264`; `ROUND`
/// rounds a DECIMAL the same way and a DOUBLE as MySQL does, half to even.
#[test]
fn decimal_columns_round_to_their_scale_and_hold_their_digits() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE money (id INT PRIMARY KEY, price DECIMAL(5, 2), whole DECIMAL)",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO money VALUES (1, 1.005, 2.5), (2, '2.345', ?), (3, ?, -2.5)",
        json!([9.5, 999.994]),
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT id, price, whole FROM money ORDER BY id",
            json!([])
        )["rows"],
        json!([
            {"id": 1, "price": "1.01", "whole": "3"},
            {"id": 2, "price": "2.35", "whole": "10"},
            {"id": 3, "price": "999.99", "whole": "-3"},
        ])
    );
    // What is stored compares as written rounded: 1.01, not 1.005.
    assert_eq!(
        run(
            &mut db,
            "SELECT id FROM money WHERE price = 1.01",
            json!([])
        )["rows"],
        json!([{"id": 1}])
    );
    for (statement, params) in [
        ("UPDATE money SET price = 999.995 WHERE id = 1", json!([])),
        ("UPDATE money SET price = ? WHERE id = 1", json!([-1000])),
        (
            "INSERT INTO money (id, whole) VALUES (4, 12345678901)",
            json!([]),
        ),
    ] {
        let error = refused(&mut db, statement, params);
        assert!(
            error
                .message
                .starts_with("Error 1264 (22003): Out of range value for column"),
            "{statement}: {error}"
        );
    }
    assert_eq!(
        run(
            &mut db,
            "SELECT ROUND(1.005, 2) AS decimal_places, ROUND(2.5) AS half, ROUND(-2.5) AS minus, \
             ROUND(2.5e0) AS double_half, ROUND(?, 0) AS bound, ROUND(1250, -2) AS hundreds, \
             ROUND(1234.5, -2) AS fraction_hundreds, ROUND(price, 1) AS column_round, \
             ROUND(7) AS integer, ROUND(1.5, NULL) AS no_places FROM money WHERE id = 2",
            json!([0.5]),
        )["rows"],
        // A DECIMAL rounded is a DECIMAL (a string from Forge); an integer or a DOUBLE a number.
        json!([{
            "decimal_places": "1.01", "half": "3", "minus": "-3", "double_half": 2.0,
            "bound": 0.0, "hundreds": 1300, "fraction_hundreds": "1200", "column_round": "2.4",
            "integer": 7, "no_places": null
        }])
    );
    // FORMAT and CAST AS DECIMAL round the same way; arithmetic on DECIMALs is a DECIMAL of
    // MySQL's scale (a product's is its operands' summed).
    assert_eq!(
        run(
            &mut db,
            "SELECT FORMAT(1.005, 2) AS f, CAST(1.005 AS DECIMAL(10, 2)) AS c, \
             price * 3 AS tripled, price * 1.5 AS scaled, price + 1 AS plus, 0.1 + 0.2 AS exact, \
             price * ? AS by_double FROM money WHERE id = 1",
            json!([2]),
        )["rows"],
        json!([{
            "f": "1.01", "c": "1.01", "tripled": "3.03", "scaled": "1.515", "plus": "2.01",
            "exact": "0.3", "by_double": 2.02
        }])
    );
    // A function whose value is one of its arguments has their widest type: how apps turn a
    // NULL price into zero keeps it a DECIMAL; with a DOUBLE among them, a number.
    assert_eq!(
        run(
            &mut db,
            "SELECT COALESCE(price, 0) AS c, IFNULL(whole, 0.5) AS i, GREATEST(price, 2) AS g, \
             ABS(-price) AS a, IF(id > 1, price, 0) AS f, COALESCE(price, ?) AS d, \
             COALESCE(id, 0) AS n FROM money WHERE id = 1",
            json!([1]),
        )["rows"],
        json!([{
            "c": "1.01", "i": "3.0", "g": "2.00", "a": "1.01", "f": "0.00", "d": 1.01, "n": 1
        }])
    );
}

/// TiDB's default `sql_mode` holds `ONLY_FULL_GROUP_BY`: a grouped query may select a column
/// only inside an aggregate or where its groups determine it. SQLite answers with whichever
/// row it met, so these queries ran on Kiln and fail on Forge; Kiln refuses them as TiDB
/// does, and never one TiDB runs (a key, an alias, a position, a `WHERE` equality, an
/// expression grouped as written, a join it does not judge).
#[test]
fn grouped_queries_select_only_what_their_groups_determine() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE issues (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL, \
         status VARCHAR(10), title VARCHAR(50), points INT, UNIQUE KEY uq_code (code))",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO issues VALUES (1, 'A-1', 'open', 'one', 3), (2, 'A-2', 'open', 'two', 5), \
         (3, 'A-3', 'done', 'three', 1)",
        json!([]),
    );
    for (query, message) in [
        (
            "SELECT status, title FROM issues GROUP BY status",
            "Error 1055 (42000): Expression #2 of SELECT list is not in GROUP BY clause and \
             contains nonaggregated column 'forge.issues.title' which is not functionally \
             dependent on columns in GROUP BY clause; this is incompatible with \
             sql_mode=only_full_group_by",
        ),
        (
            "SELECT title, COUNT(*) FROM issues",
            "Error 1140 (42000): In aggregated query without GROUP BY, expression #1 of SELECT \
             list contains nonaggregated column 'forge.issues.title'; this is incompatible with \
             sql_mode=only_full_group_by",
        ),
        (
            "SELECT i.status, UPPER(i.title) AS t, SUM(points) FROM issues i GROUP BY i.status",
            "Error 1055 (42000): Expression #2 of SELECT list is not in GROUP BY clause and \
             contains nonaggregated column 'forge.i.title'",
        ),
        (
            "SELECT * FROM issues GROUP BY status",
            "Error 1055 (42000): Expression #1 of SELECT list",
        ),
        (
            "SELECT points + 1, COUNT(*) FROM issues GROUP BY points * 2",
            "Error 1055 (42000): Expression #1 of SELECT list",
        ),
    ] {
        let error = refused(&mut db, query, json!([]));
        assert_eq!(error.code, ForgeSqlCode::SqlExecutionError, "{query}");
        assert!(error.message.starts_with(message), "{query}: {error}");
    }
    for (query, rows) in [
        (
            "SELECT status, COUNT(*) AS n, SUM(points) AS p FROM issues GROUP BY status \
             ORDER BY status",
            json!([{"status": "done", "n": 1, "p": "1"}, {"status": "open", "n": 2, "p": "8"}]),
        ),
        // Grouped by the primary key, or by a unique key of NOT NULL columns: every column.
        (
            "SELECT id, title FROM issues GROUP BY id ORDER BY id LIMIT 1",
            json!([{"id": 1, "title": "one"}]),
        ),
        (
            "SELECT code, title FROM issues GROUP BY code ORDER BY code LIMIT 1",
            json!([{"code": "A-1", "title": "one"}]),
        ),
        // An alias, a position, an expression grouped as written, an aggregate's argument.
        (
            "SELECT UPPER(status) AS s, COUNT(*) AS n FROM issues GROUP BY s ORDER BY s",
            json!([{"s": "DONE", "n": 1}, {"s": "OPEN", "n": 2}]),
        ),
        (
            "SELECT status, MAX(title) AS t FROM issues GROUP BY 1 ORDER BY 1",
            json!([{"status": "done", "t": "three"}, {"status": "open", "t": "two"}]),
        ),
        (
            "SELECT points * 2 AS d, COUNT(*) AS n FROM issues GROUP BY points * 2 ORDER BY d LIMIT 1",
            json!([{"d": 2, "n": 1}]),
        ),
        (
            "SELECT ANY_VALUE(title) AS t, COUNT(*) AS n FROM issues WHERE id = 3",
            json!([{"t": "three", "n": 1}]),
        ),
        // A column the WHERE fixes to one value.
        (
            "SELECT status, COUNT(*) AS n FROM issues WHERE status = 'open'",
            json!([{"status": "open", "n": 2}]),
        ),
        // A subquery's aggregate does not make the outer query an aggregate.
        (
            "SELECT title, (SELECT COUNT(*) FROM issues) AS n FROM issues WHERE id = 1",
            json!([{"title": "one", "n": 3}]),
        ),
        // DISTINCT may order by what it selects: a column, an alias, a position, an
        // expression of selected columns.
        (
            "SELECT DISTINCT status, points FROM issues ORDER BY points * 2 DESC, 1 LIMIT 1",
            json!([{"status": "open", "points": 5}]),
        ),
        (
            "SELECT DISTINCT UPPER(status) AS s FROM issues ORDER BY s",
            json!([{"s": "DONE"}, {"s": "OPEN"}]),
        ),
    ] {
        assert_eq!(run(&mut db, query, json!([]))["rows"], rows, "{query}");
    }
    // Which of two duplicates gives the unselected column to order by is not defined: MySQL
    // and TiDB refuse it.
    let error = refused(
        &mut db,
        "SELECT DISTINCT status FROM issues ORDER BY points",
        json!([]),
    );
    assert_eq!(
        error.message,
        "Error 3065 (HY000): Expression #1 of ORDER BY clause is not in SELECT list, references \
         column 'forge.issues.points' which is not in SELECT list; this is incompatible with \
         DISTINCT"
    );
}

/// `CAST(x AS SIGNED | UNSIGNED)` makes an integer as TiDB does (SQLite has no such type, and
/// read `CAST(1.5 AS SIGNED)` as 1.5): numbers rounded, text by its leading digits.
#[test]
fn casts_to_signed_and_unsigned_make_integers() {
    let mut db = database();
    assert_eq!(
        run(
            &mut db,
            "SELECT CAST(1.5 AS SIGNED) AS a, CAST(-1.5 AS SIGNED INTEGER) AS b, \
             CAST('1.9' AS SIGNED) AS c, CAST('12abc' AS SIGNED) AS d, CAST(2.5 AS UNSIGNED) AS e, \
             CONVERT(7.5, SIGNED) AS f, CAST(? AS SIGNED) AS g, CAST(-1 AS UNSIGNED) AS h, \
             CAST(NULL AS SIGNED) AS i",
            json!([2.5]),
        )["rows"],
        json!([{
            "a": 2, "b": -2, "c": 1, "d": 12, "e": 3, "f": 8, "g": 2,
            "h": "18446744073709551615", "i": null
        }])
    );
    // CONVERT's other types are CAST's too: a date, not the number SQLite would read.
    assert_eq!(
        run(
            &mut db,
            "SELECT CONVERT('2024-05-01 10:20:30', DATE) AS d, \
             CONVERT('2024-05-01', DATETIME) AS t, CONVERT(2.25, DECIMAL(10, 1)) AS n",
            json!([]),
        )["rows"],
        json!([{"d": "2024-05-01", "t": "2024-05-01 00:00:00", "n": "2.3"}])
    );
}

/// Text functions SQLite runs otherwise, as MySQL runs them: `LIKE` escapes with `\\` unless
/// told another escape; `UPPER`/`LOWER` map every letter, not only ASCII; `SUBSTRING` at
/// position 0 (or before the start) is empty; `COUNT(DISTINCT a, b)` counts pairs.
#[test]
fn text_functions_follow_mysql_where_sqlite_differs() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE names (a INT, b VARCHAR(20))",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO names VALUES (1, '50% off'), (1, '50 more'), (2, 'Élodie'), (2, NULL), \
         (1, '50% off')",
        json!([]),
    );
    // An app escaping a search term for LIKE with backslashes finds only what it meant.
    assert_eq!(
        run(
            &mut db,
            "SELECT b FROM names WHERE b LIKE ? ORDER BY b",
            json!(["50\\%%"]),
        )["rows"],
        json!([{"b": "50% off"}, {"b": "50% off"}])
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT 'a_b' LIKE 'a\\_b' AS escaped, 'axb' LIKE 'a\\_b' AS other, \
             'a%b' LIKE 'a|%b' ESCAPE '|' AS own_escape, 'AB' LIKE 'a%' AS case_kept, \
             'axb' NOT LIKE 'a\\_b' AS negated",
            json!([]),
        )["rows"],
        json!([{"escaped": 1, "other": 0, "own_escape": 1, "case_kept": 0, "negated": 1}])
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT UPPER(b) AS up, LOWER(b) AS down, UCASE('straße') AS sharp, UPPER(12) AS n \
             FROM names WHERE a = 2 AND b IS NOT NULL",
            json!([]),
        )["rows"],
        json!([{"up": "ÉLODIE", "down": "élodie", "sharp": "STRAßE", "n": "12"}])
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT SUBSTRING('Élodie', 0) AS zero, SUBSTRING('Élodie', 1, 2) AS first, \
             SUBSTRING('Élodie' FROM -3) AS last, SUBSTR('abc', -5) AS before, \
             MID('abc', 2, 0) AS none, SUBSTRING('abc', 2, 5) AS rest, SUBSTRING(NULL, 1) AS n",
            json!([]),
        )["rows"],
        json!([{
            "zero": "", "first": "Él", "last": "die", "before": "", "none": "", "rest": "bc",
            "n": null
        }])
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT COUNT(DISTINCT a, b) AS pairs, COUNT(DISTINCT a) AS firsts FROM names",
            json!([]),
        )["rows"],
        json!([{"pairs": 3, "firsts": 2}])
    );
}

/// MySQL's NULL-safe `<=>`, which SQLite's grammar lacks (it answered "near '>': syntax
/// error"): 1 or 0, never NULL, in a select list, a `WHERE` and an `UPDATE`'s.
#[test]
fn null_safe_equality_compares_nulls() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE n (id INT PRIMARY KEY, v VARCHAR(5))",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO n VALUES (1, 'a'), (2, NULL)",
        json!([]),
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT NULL <=> NULL AS both_null, 1 <=> NULL AS one_null, 'a' <=> 'a' AS same",
            json!([]),
        )["rows"],
        json!([{"both_null": 1, "one_null": 0, "same": 1}])
    );
    assert_eq!(
        run(&mut db, "SELECT id FROM n WHERE v <=> ?", json!([null]))["rows"],
        json!([{"id": 2}])
    );
    run(&mut db, "UPDATE n SET v = 'b' WHERE v <=> NULL", json!([]));
    assert_eq!(
        run(&mut db, "SELECT id, v FROM n ORDER BY id", json!([]))["rows"],
        json!([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    );
}

/// `||` is MySQL's `OR` (TiDB's default `sql_mode` has no `PIPES_AS_CONCAT`): an app that
/// concatenates with it gets 0 on Forge, and so on Kiln.
#[test]
fn double_pipes_are_or_as_in_mysql() {
    let mut db = database();
    assert_eq!(
        run(
            &mut db,
            "SELECT 'a' || 'b' AS words, 0 || 1 AS one, 0 || 0 AS zero, NULL || 1 AS null_or_one, \
             CONCAT('a', 'b') AS concatenated",
            json!([]),
        )["rows"],
        json!([{"words": 0, "one": 1, "zero": 0, "null_or_one": 1, "concatenated": "ab"}])
    );
}

/// A division by zero is NULL in a query and, in a write, TiDB's `Error 1365` (its default
/// `sql_mode` holds `ERROR_FOR_DIVISION_BY_ZERO` with strict mode): `/`, `DIV` and `MOD` alike,
/// anywhere in the statement; `INSERT IGNORE` stores the NULL.
#[test]
fn division_by_zero_fails_a_write_and_is_null_in_a_query() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE r (id INT PRIMARY KEY, done INT, total INT, ratio DOUBLE)",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO r VALUES (1, 3, 0, NULL), (2, 1, 2, NULL)",
        json!([]),
    );
    assert_eq!(
        run(
            &mut db,
            "SELECT done / total AS q, done DIV total AS d, done % total AS m FROM r WHERE id = 1",
            json!([])
        )["rows"],
        json!([{"q": null, "d": null, "m": null}])
    );
    for statement in [
        "UPDATE r SET ratio = done / total",
        "UPDATE r SET ratio = done DIV total WHERE id = 1",
        "UPDATE r SET ratio = MOD(done, total) WHERE id = 1",
        "INSERT INTO r VALUES (3, 1, 0, 1 / 0)",
        "DELETE FROM r WHERE done / total > 1",
        "UPDATE r SET ratio = 1 WHERE done % ? = 0",
    ] {
        let params = if statement.contains('?') {
            json!([0])
        } else {
            json!([])
        };
        let error = refused(&mut db, statement, params);
        assert!(
            error
                .message
                .starts_with("Error 1365 (22012): Division by 0"),
            "{statement}: {error}"
        );
    }
    // Nothing a refused statement did is kept; a write without a zero divisor runs.
    run(
        &mut db,
        "UPDATE r SET ratio = done / total WHERE total <> 0",
        json!([]),
    );
    run(
        &mut db,
        "INSERT IGNORE INTO r VALUES (3, 1, 0, 1 / 0)",
        json!([]),
    );
    assert_eq!(
        run(&mut db, "SELECT id, ratio FROM r ORDER BY id", json!([]))["rows"],
        json!([{"id": 1, "ratio": null}, {"id": 2, "ratio": 0.5}, {"id": 3, "ratio": null}])
    );
}

/// MySQL names an unnamed key after its first column (`_2`, `_3`, … where that name is
/// taken), so two unnamed indexes added one after the other are two keys, and each is dropped
/// and listed by that name.
#[test]
fn unnamed_indexes_take_mysql_names() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, KEY (a), KEY (a, b), UNIQUE (b))",
        json!([]),
    );
    run(&mut db, "ALTER TABLE t ADD INDEX (b)", json!([]));
    run(&mut db, "ALTER TABLE t ADD INDEX (id, a)", json!([]));
    // Two in one statement: the second is named against the first, as MySQL names them.
    run(
        &mut db,
        "ALTER TABLE t ADD COLUMN c INT, ADD INDEX (c), ADD UNIQUE (c, a)",
        json!([]),
    );
    let keys = run(&mut db, "SHOW INDEX FROM t", json!([]));
    let mut names: Vec<&str> = rows(&keys)
        .iter()
        .filter(|row| row["Seq_in_index"] == 1)
        .filter_map(|row| row["Key_name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["PRIMARY", "a", "a_2", "b", "b_2", "c", "c_2", "id"],
        "{keys}"
    );
    for drop in [
        "ALTER TABLE t DROP INDEX a_2",
        "DROP INDEX id ON t",
        "ALTER TABLE t DROP INDEX b",
        "ALTER TABLE t DROP INDEX c_2, DROP INDEX c",
    ] {
        run(&mut db, drop, json!([]));
    }
}

/// MySQL drops a unique key `CREATE TABLE` declared as it drops any index: by its name, or,
/// unnamed, by its first column's. SQLite keeps such a key in the table, not as an index.
#[test]
fn unique_keys_of_create_table_drop_by_their_mysql_names() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100), login VARCHAR(20) UNIQUE, \
         team INT, seat INT, UNIQUE KEY uq_email (email), UNIQUE (team, seat), KEY by_team (team))",
        json!([]),
    );
    let insert = "INSERT INTO users VALUES (?, 'a@example.com', ?, 1, 1)";
    run(&mut db, insert, json!([1, "a"]));
    let duplicate = refused(&mut db, insert, json!([2, "b"]));
    assert!(duplicate.message.contains("1062"), "{duplicate}");
    for drop in [
        "ALTER TABLE users DROP INDEX uq_email",
        "DROP INDEX team ON users",
        "ALTER TABLE users DROP KEY login",
        "ALTER TABLE users DROP INDEX by_team",
    ] {
        run(&mut db, drop, json!([]));
    }
    // Every key is gone: the same values go in twice, and the rows stayed.
    run(&mut db, insert, json!([2, "a"]));
    assert_eq!(
        run(&mut db, "SELECT COUNT(*) AS n FROM users", json!([])),
        json!({"rows": [{"n": 2}]})
    );
    for missing in [
        "ALTER TABLE users DROP INDEX uq_email",
        "DROP INDEX nope ON users",
    ] {
        let error = refused(&mut db, missing, json!([]));
        assert!(
            error
                .message
                .starts_with("Error 1091 (42000): Can't DROP '"),
            "{missing}: {error}"
        );
    }
    // TiDB's guard: dropping a key that is not there does nothing.
    run(
        &mut db,
        "ALTER TABLE users DROP INDEX IF EXISTS uq_email",
        json!([]),
    );
}

#[test]
fn schema_changes_run_and_fail_whole() {
    let mut db = database();
    run(
        &mut db,
        "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100))",
        json!([]),
    );
    run(
        &mut db,
        "ALTER TABLE users ADD COLUMN name VARCHAR(50) NOT NULL DEFAULT '' AFTER id",
        json!([]),
    );
    run(
        &mut db,
        "ALTER TABLE users ADD INDEX idx_email (email)",
        json!([]),
    );
    run(
        &mut db,
        "CREATE UNIQUE INDEX uq_name ON users (name)",
        json!([]),
    );
    run(&mut db, "DROP INDEX uq_name ON users", json!([]));
    run(&mut db, "ALTER TABLE users DROP INDEX idx_email", json!([]));
    run(
        &mut db,
        "ALTER TABLE users RENAME COLUMN email TO mail",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO users (id, name, mail) VALUES (1, 'a', 'a@example.com')",
        json!([]),
    );
    // Two tables may each have an index of the same MySQL name.
    run(
        &mut db,
        "CREATE TABLE teams (id INT PRIMARY KEY, name TEXT, KEY idx_name (name))",
        json!([]),
    );
    run(
        &mut db,
        "CREATE TABLE squads (id INT PRIMARY KEY, name TEXT, KEY idx_name (name))",
        json!([]),
    );

    // A CREATE TABLE whose second part fails leaves no table behind.
    let error = refused(
        &mut db,
        "CREATE TABLE broken (id INT PRIMARY KEY, KEY idx (missing_column))",
        json!([]),
    );
    assert_eq!(error.code, ForgeSqlCode::SqlExecutionError, "{error}");
    let tables = run(
        &mut db,
        "SELECT name FROM sqlite_master WHERE name = 'broken'",
        json!([]),
    );
    assert!(rows(&tables).is_empty());

    run(&mut db, "DROP TABLE IF EXISTS users, teams", json!([]));
    // forge-sql-orm's drop-everything web trigger drops each table's sequence too: there is
    // none (Kiln creates no sequence), and only IF EXISTS says that is fine.
    let nothing = run(&mut db, "DROP SEQUENCE IF EXISTS `users`", json!([]));
    assert_eq!(nothing["rows"]["affectedRows"], 0, "{nothing}");
    let sequence = refused(&mut db, "DROP SEQUENCE users", json!([]));
    assert_eq!(sequence.code, ForgeSqlCode::InvalidSqlQuery, "{sequence}");
    let error = refused(&mut db, "SELECT * FROM users", json!([]));
    assert_eq!(error.code, ForgeSqlCode::SqlExecutionError);
    assert!(error.message.contains("no such table"), "{error}");
}

#[test]
fn bad_statements_get_forges_error_codes() {
    let mut db = database();
    run(&mut db, "CREATE TABLE t (id INT PRIMARY KEY)", json!([]));
    let cases = [
        ("SELEC 1", json!([]), "not MySQL"),
        ("SELECT 1; SELECT 2", json!([]), "2 statements"),
        ("", json!([]), "no statement"),
        (
            "SELECT * FROM t WHERE id = ?",
            json!([]),
            "1 placeholders and 0 parameters",
        ),
        (
            "SELECT * FROM t WHERE id = ?",
            json!([1, 2]),
            "1 placeholders and 2 parameters",
        ),
        ("SELECT ?", json!([{"a": 1}]), "JSON object"),
        ("GRANT ALL ON *.* TO 'x'", json!([]), "not run by Kiln"),
        (
            "CREATE TEMPORARY TABLE x (id INT)",
            json!([]),
            "CREATE TEMPORARY TABLE",
        ),
        ("SELECT 'a\0b'", json!([]), "NUL"),
    ];
    for (query, params, expected) in cases {
        let error = refused(&mut db, query, params);
        assert_eq!(
            error.code,
            ForgeSqlCode::InvalidSqlQuery,
            "{query}: {error}"
        );
        assert!(error.message.contains(expected), "{query}: {error}");
        assert_eq!(error.code.as_str(), "INVALID_SQL_QUERY");
    }
    let error = refused(&mut db, "INSERT INTO t (id) VALUES (1), (1)", json!([]));
    assert_eq!(error.code, ForgeSqlCode::SqlExecutionError);
    assert!(error.message.contains("UNIQUE"), "{error}");
    // The failed statement wrote nothing: it was one transaction.
    let answer = run(&mut db, "SELECT COUNT(*) AS n FROM t", json!([]));
    assert_eq!(rows(&answer)[0]["n"], 0);
}

/// Hostile statements: the database reaches no file, no setting and no code but its own.
#[test]
fn no_statement_reaches_past_the_installations_database() {
    let mut db = database();
    run(&mut db, "CREATE TABLE t (id INT PRIMARY KEY)", json!([]));
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = dir.path().join("stolen.db");
    let outside_text = outside.display().to_string();
    let hostile = [
        format!("ATTACH DATABASE '{outside_text}' AS stolen"),
        format!("VACUUM INTO '{outside_text}'"),
        "PRAGMA writable_schema = ON".to_owned(),
        "PRAGMA journal_mode = OFF".to_owned(),
        "SELECT load_extension('/tmp/evil.so')".to_owned(),
        "SELECT readfile('/etc/passwd')".to_owned(),
        "SELECT * FROM pragma_table_list".to_owned(),
        "SELECT sqlite_version() FROM pragma_database_list".to_owned(),
        "UPDATE sqlite_master SET sql = 'x' WHERE name = 't'".to_owned(),
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM t; END".to_owned(),
        "CREATE VIEW v AS SELECT * FROM t".to_owned(),
        "CREATE VIRTUAL TABLE f USING fts5(body)".to_owned(),
        "CREATE TABLE c AS SELECT * FROM t".to_owned(),
        "SET GLOBAL max_connections = 1".to_owned(),
        "LOAD DATA INFILE '/etc/passwd' INTO TABLE t".to_owned(),
        "SELECT * FROM t INTO OUTFILE '/tmp/kiln-forge-sql-out'".to_owned(),
    ];
    for query in &hostile {
        let error = refused(&mut db, query, json!([]));
        assert_ne!(error.code, ForgeSqlCode::QueryTimedOut, "{query}");
    }
    assert!(
        !outside.exists(),
        "no file was created outside the database"
    );
    assert!(!std::path::Path::new("/tmp/kiln-forge-sql-out").exists());
    let answer = run(&mut db, "SELECT COUNT(*) AS n FROM t", json!([]));
    assert_eq!(rows(&answer)[0]["n"], 0, "the table is intact");
}

#[test]
fn limits_end_a_statement_and_keep_the_database_serving() {
    let limits = ForgeSqlLimits {
        statement_time: Duration::from_millis(500),
        max_answer_bytes: 10_000,
        max_database_bytes: 512 * 1024,
        max_statement_bytes: 4_096,
        ..ForgeSqlLimits::default()
    };
    let mut db = ForgeSqlDatabase::in_memory(limits).expect("database");
    run(
        &mut db,
        "CREATE TABLE big (id INT PRIMARY KEY, body TEXT)",
        json!([]),
    );

    let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
                   SELECT COUNT(*) AS c FROM n";
    let error = refused(&mut db, endless, json!([]));
    assert_eq!(error.code, ForgeSqlCode::QueryTimedOut, "{error}");
    assert_eq!(error.code.as_str(), "QUERY_TIMED_OUT");

    // Large rows, so the size limit comes after ~70 of them, far inside the time limit even
    // on a loaded machine.
    let fill = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) \
                INSERT INTO big SELECT i, hex(randomblob(4000)) FROM n";
    let error = refused(&mut db, fill, json!([]));
    assert_eq!(error.code, ForgeSqlCode::SqlExecutionError);
    assert!(error.message.contains("size limit"), "{error}");
    let answer = run(&mut db, "SELECT COUNT(*) AS n FROM big", json!([]));
    assert_eq!(rows(&answer)[0]["n"], 0, "the refused insert left nothing");

    for id in 0..40 {
        run(
            &mut db,
            "INSERT INTO big VALUES (?, ?)",
            json!([id, "x".repeat(500)]),
        );
    }
    let error = refused(&mut db, "SELECT * FROM big", json!([]));
    assert!(error.message.contains("10000 bytes"), "{error}");
    let error = refused(
        &mut db,
        &format!("SELECT '{}'", "y".repeat(5_000)),
        json!([]),
    );
    assert!(error.message.contains("Kiln's limit is 4096"), "{error}");
    // The values bound count too, as Forge counts its request.
    let error = refused(
        &mut db,
        "INSERT INTO big VALUES (?, ?)",
        json!([99, "z".repeat(5_000)]),
    );
    assert!(error.message.contains("parameters are 5"), "{error}");

    let deep = format!("SELECT {}1{}", "(".repeat(500), ")".repeat(500));
    let error = refused(&mut db, &deep, json!([]));
    assert_eq!(error.code, ForgeSqlCode::InvalidSqlQuery, "{error}");

    // A write gets Forge's write limit, longer than a query's.
    let mut timed = ForgeSqlDatabase::in_memory(ForgeSqlLimits {
        statement_time: Duration::from_millis(1),
        write_time: Duration::from_secs(30),
        ..ForgeSqlLimits::default()
    })
    .expect("database");
    run_schema(&mut timed, "CREATE TABLE numbers (n INT)");
    let many = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200000)";
    let query = refused(
        &mut timed,
        &format!("{many} SELECT COUNT(*) AS n FROM c"),
        json!([]),
    );
    assert_eq!(query.code, ForgeSqlCode::QueryTimedOut, "{query}");
    let write = run(
        &mut timed,
        &format!("INSERT INTO numbers {many} SELECT i FROM c WHERE i <= 20000"),
        json!([]),
    );
    assert_eq!(write["rows"]["affectedRows"], 20000, "{write}");

    // Forge's 200 tables per installation: a script that would pass it fails whole.
    let mut tables = ForgeSqlDatabase::in_memory(ForgeSqlLimits {
        max_tables: 3,
        ..ForgeSqlLimits::default()
    })
    .expect("database");
    run_schema(
        &mut tables,
        "CREATE TABLE t1 (a INT); CREATE TABLE t2 (a INT)",
    );
    let script = "CREATE TABLE t3 (a INT); CREATE TABLE t4 (a INT)";
    let error = tables
        .execute(Endpoint::Schema, script, &[])
        .expect_err("a fourth table");
    assert!(error.message.contains("Forge SQL allows 3"), "{error}");
    let listed = run(&mut tables, "SHOW TABLES", json!([]));
    assert_eq!(rows(&listed).len(), 2, "the script left nothing: {listed}");
    run_schema(&mut tables, "CREATE TABLE t3 (a INT)");

    // Still serving.
    let answer = run(&mut db, "SELECT COUNT(*) AS n FROM big", json!([]));
    assert_eq!(rows(&answer)[0]["n"], 40);
}

/// Forge answers a `BIGINT` as a string, and an `AUTO_INCREMENT` id declared `BIGINT` is no
/// exception, though SQLite's row id must be declared `INTEGER`: an app comparing an id with
/// one from a URL (`row.id === params.id`) behaves as on Forge. Kept through table rebuilds.
#[test]
fn bigint_auto_increment_ids_come_back_as_strings_as_on_forge() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE items (id BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT, n INTEGER, name TEXT);\n\
         CREATE TABLE small (id INT AUTO_INCREMENT PRIMARY KEY, item_id BIGINT)",
    );
    run(
        &mut db,
        "INSERT INTO items (n, name) VALUES (7, 'a')",
        json!([]),
    );
    let inserted = run(&mut db, "INSERT INTO small (item_id) VALUES (1)", json!([]));
    assert_eq!(inserted["rows"]["insertId"], 1, "insertId stays a number");

    let answer = run(&mut db, "SELECT * FROM items", json!([]));
    assert_eq!(rows(&answer)[0], json!({"id": "1", "n": 7, "name": "a"}));
    let answer = run(&mut db, "SELECT * FROM small", json!([]));
    assert_eq!(rows(&answer)[0], json!({"id": 1, "item_id": "1"}));
    // Through an alias, a join and a derived table; a computed value is as SQLite holds it.
    let answer = run(
        &mut db,
        "SELECT i.id AS item, s.id AS small, i.id + 0 AS computed, d.id AS derived \
         FROM items i JOIN small s ON s.item_id = i.id JOIN (SELECT id FROM items) d ON d.id = i.id",
        json!([]),
    );
    assert_eq!(
        rows(&answer)[0],
        json!({"item": "1", "small": 1, "computed": 1, "derived": "1"})
    );
    let described = run(&mut db, "DESCRIBE items", json!([]));
    assert_eq!(
        rows(&described)[0]["Type"],
        "bigint unsigned",
        "{described}"
    );

    // A rebuild (ADD COLUMN) keeps the type; MODIFY gives the id another.
    run_schema(
        &mut db,
        "ALTER TABLE items ADD COLUMN stock INT NOT NULL DEFAULT 0",
    );
    let answer = run(&mut db, "SELECT id, stock FROM items", json!([]));
    assert_eq!(rows(&answer)[0], json!({"id": "1", "stock": 0}));
    run_schema(&mut db, "ALTER TABLE small MODIFY id BIGINT AUTO_INCREMENT");
    let answer = run(&mut db, "SELECT id FROM small", json!([]));
    assert_eq!(rows(&answer)[0], json!({"id": "1"}));
    let described = run(&mut db, "DESCRIBE small", json!([]));
    assert_eq!(rows(&described)[0]["Type"], "bigint", "{described}");
    run_schema(&mut db, "ALTER TABLE items MODIFY id INT AUTO_INCREMENT");
    let answer = run(&mut db, "SELECT id FROM items", json!([]));
    assert_eq!(rows(&answer)[0], json!({"id": 1}));
}

/// Forge SQL's size per row, 6 MiB (TiDB's entry limit): a row past it, inserted whole or
/// grown by an update, fails with TiDB's error 8025 naming the limit, and leaves the table as
/// it was.
#[test]
fn a_row_past_forges_size_per_row_fails_as_tidbs_and_changes_nothing() {
    let mut db = database();
    assert_eq!(ForgeSqlLimits::default().max_row_bytes, 6 * 1024 * 1024);
    run_schema(
        &mut db,
        "CREATE TABLE docs (id INT PRIMARY KEY, a LONGTEXT, b LONGTEXT)",
    );
    // 3.5 MB in one row: under the limit.
    run(
        &mut db,
        "INSERT INTO docs VALUES (1, REPEAT('a', 3500000), '')",
        json!([]),
    );

    let whole = refused(
        &mut db,
        "INSERT INTO docs VALUES (2, REPEAT('a', 3500000), REPEAT('b', 3500000))",
        json!([]),
    );
    assert_eq!(whole.code, ForgeSqlCode::SqlExecutionError, "{whole}");
    assert!(
        whole
            .message
            .starts_with("Error 8025 (HY000): entry too large, the max entry size is 6291456"),
        "{whole}"
    );
    let grown = refused(
        &mut db,
        "UPDATE docs SET b = CONCAT(a, a) WHERE id = 1",
        json!([]),
    );
    assert!(grown.message.contains("entry too large"), "{grown}");

    let answer = run(
        &mut db,
        "SELECT COUNT(*) AS n, MAX(LENGTH(a)) AS a, MAX(LENGTH(b)) AS b FROM docs",
        json!([]),
    );
    assert_eq!(rows(&answer)[0], json!({"n": 1, "a": 3500000, "b": 0}));

    // A host that sets a smaller limit gets it, and names it.
    let mut small = ForgeSqlDatabase::in_memory(ForgeSqlLimits {
        max_row_bytes: 10_000,
        ..ForgeSqlLimits::default()
    })
    .expect("database");
    run_schema(&mut small, "CREATE TABLE t (body TEXT)");
    run(
        &mut small,
        "INSERT INTO t VALUES (?)",
        json!(["x".repeat(9_000)]),
    );
    let error = refused(
        &mut small,
        "INSERT INTO t VALUES (?)",
        json!(["x".repeat(11_000)]),
    );
    assert!(
        error.message.contains("the max entry size is 10000"),
        "{error}"
    );
    let answer = run(&mut small, "SELECT COUNT(*) AS n FROM t", json!([]));
    assert_eq!(rows(&answer)[0]["n"], 1);
}

#[test]
fn what_is_committed_survives_reopening_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("installation.sqlite3");
    {
        let mut db = ForgeSqlDatabase::open(&path, ForgeSqlLimits::default()).expect("open");
        run(
            &mut db,
            "CREATE TABLE kept (id INT PRIMARY KEY, v TEXT)",
            json!([]),
        );
        run(
            &mut db,
            "INSERT INTO kept VALUES (1, 'still here')",
            json!([]),
        );
    }
    let mut db = ForgeSqlDatabase::open(&path, ForgeSqlLimits::default()).expect("reopen");
    let answer = run(&mut db, "SELECT v FROM kept", json!([]));
    assert_eq!(rows(&answer)[0]["v"], "still here");

    // A rebuilt table is the same file's table after a restart, keys and all.
    run(
        &mut db,
        "CREATE TABLE child (id INT PRIMARY KEY, kept_id INT)",
        json!([]),
    );
    run(&mut db, "INSERT INTO child VALUES (1, 1)", json!([]));
    run_schema(
        &mut db,
        "ALTER TABLE kept MODIFY v VARCHAR(20) NOT NULL;\n\
         ALTER TABLE child ADD CONSTRAINT fk_kept FOREIGN KEY (kept_id) REFERENCES kept(id) \
         ON DELETE CASCADE;",
    );
    drop(db);
    let mut db = ForgeSqlDatabase::open(&path, ForgeSqlLimits::default()).expect("reopen");
    let too_long = refused(
        &mut db,
        "UPDATE kept SET v = 'twenty-one characters' WHERE id = 1",
        json!([]),
    );
    assert!(too_long.message.contains("Error 1406"), "{too_long}");
    let created = run(&mut db, "SHOW CREATE TABLE child", json!([]));
    assert!(
        rows(&created)[0]["Create Table"]
            .as_str()
            .unwrap_or_default()
            .contains("CONSTRAINT fk_kept FOREIGN KEY (kept_id) REFERENCES kept(id)"),
        "{created}"
    );
}

mod store {
    use super::*;
    use kiln_state::Installation;
    use kiln_state::forge_sql::store::MAX_OPEN_DATABASES;
    use kiln_state::forge_sql::{ForgeSqlPlacement, ForgeSqlStore};
    use std::sync::Arc;

    fn installation(site: &str) -> Installation {
        Installation::new("app-1", site, "development").expect("installation")
    }

    /// Each installation has its own database; the same installation finds its tables again,
    /// in memory and in files, including after its database was closed for being idle.
    #[tokio::test]
    async fn each_installation_has_its_own_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        for placement in [
            ForgeSqlPlacement::Memory,
            ForgeSqlPlacement::Directory(dir.path().join("forge-sql")),
        ] {
            let store = Arc::new(ForgeSqlStore::new(
                placement.clone(),
                ForgeSqlLimits::default(),
            ));
            let (a, b) = (installation("a.example"), installation("b.example"));
            let create = "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)".to_owned();
            store
                .execute(&a, Endpoint::Data, create.clone(), vec![])
                .await
                .expect("create in a");
            store
                .execute(
                    &a,
                    Endpoint::Data,
                    "INSERT INTO notes VALUES (1, 'a''s')".into(),
                    vec![],
                )
                .await
                .expect("insert in a");
            let error = store
                .execute(&b, Endpoint::Data, "SELECT * FROM notes".into(), vec![])
                .await
                .expect_err("b has no such table");
            assert!(error.message.contains("no such table"), "{error}");
            // Enough other installations to close idle files.
            for site in 0..=MAX_OPEN_DATABASES {
                store
                    .execute(
                        &installation(&format!("s{site}.example")),
                        Endpoint::Data,
                        "SELECT 1".into(),
                        vec![],
                    )
                    .await
                    .expect("select");
            }
            let answer = store
                .execute(&a, Endpoint::Data, "SELECT body FROM notes".into(), vec![])
                .await
                .expect("a's table is still there");
            // The rows; the answer's metadata (a time among it) is forge_sql_metadata.rs's.
            let answer: Value = serde_json::from_str(&answer).expect("the answer is JSON");
            assert_eq!(answer["rows"], json!([{"body": "a's"}]), "{placement:?}");
        }
    }

    #[test]
    fn files_are_private_and_named_by_digest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = ForgeSqlStore::beside_state_file(
            &dir.path().join("state.sqlite3"),
            ForgeSqlLimits::default(),
        );
        let hostile =
            Installation::new("app/../../x", "site.example", "dev").expect("installation");
        store
            .execute_blocking(&hostile, Endpoint::Schema, "CREATE TABLE t (id INT)", &[])
            .expect("create");
        let path = store.path_for(&hostile).expect("a file");
        assert_eq!(path.parent(), Some(dir.path().join("forge-sql").as_path()));
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(
            name.len() == 64 + ".sqlite3".len() && !name.contains(".."),
            "{name}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("file").permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }
}

/// A migration written as one script (several schema statements in one `executeDDL`), foreign
/// keys with cascades, and the duplicate-key check apps write against MySQL's wording.
#[test]
fn schema_scripts_run_whole_and_errors_read_as_mysql() {
    let mut db = database();
    let script = "
        -- children first, so the drops never trip a foreign key
        DROP TABLE IF EXISTS comments;
        DROP TABLE IF EXISTS posts;
        CREATE TABLE IF NOT EXISTS posts (
            id VARCHAR(64) PRIMARY KEY,
            title TEXT,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        );
        CREATE TABLE IF NOT EXISTS comments (
            id VARCHAR(64) PRIMARY KEY,
            post_id VARCHAR(64) NOT NULL,
            body TEXT,
            CONSTRAINT fk_post FOREIGN KEY (post_id) REFERENCES posts(id) ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS idx_comments_post ON comments(post_id);
    ";
    let answer = db
        .execute(Endpoint::Schema, script, &[])
        .expect("the script runs");
    assert_eq!(answer["rows"]["affectedRows"], 0);
    // The data endpoint runs one statement per call, as Forge SQL does.
    let error = db
        .execute(Endpoint::Data, script, &[])
        .expect_err("several statements");
    assert!(error.message.contains("sql.executeDDL"), "{error}");
    // A script stops whole at its first failure: nothing of it stays.
    let error = db
        .execute(
            Endpoint::Schema,
            "CREATE TABLE extra (id INT PRIMARY KEY); CREATE TABLE posts (id INT)",
            &[],
        )
        .expect_err("posts exists");
    assert!(
        error
            .message
            .starts_with("Error 1050 (42S01): Table 'posts' already exists"),
        "{error}"
    );
    let extra = run(
        &mut db,
        "SELECT name FROM sqlite_master WHERE name = 'extra'",
        json!([]),
    );
    assert!(
        rows(&extra).is_empty(),
        "the script's first table was rolled back"
    );
    let error = db
        .execute(Endpoint::Schema, "DROP TABLE posts; SELECT 1", &[])
        .expect_err("a query among several");
    assert_eq!(error.code, ForgeSqlCode::InvalidSqlQuery);

    run(
        &mut db,
        "INSERT INTO posts (id, title) VALUES (?, ?)",
        json!(["p1", "hello"]),
    );
    run(
        &mut db,
        "INSERT INTO comments (id, post_id, body) VALUES (?, ?, ?)",
        json!(["c1", "p1", "first"]),
    );
    // What apps check to treat a concurrent insert as already done.
    let duplicate = refused(
        &mut db,
        "INSERT INTO posts (id, title) VALUES (?, ?)",
        json!(["p1", "again"]),
    );
    assert!(
        duplicate.message.contains("Duplicate entry") && duplicate.message.contains("1062"),
        "{duplicate}"
    );
    assert!(
        duplicate.message.contains("for key 'posts.PRIMARY'"),
        "{duplicate}"
    );
    // Forge SQL keeps foreign keys and enforces none: a row may name a post that is not
    // there, and deleting a post leaves its comments.
    run(
        &mut db,
        "INSERT INTO comments (id, post_id) VALUES ('c2', 'nowhere')",
        json!([]),
    );
    let missing = refused(&mut db, "SELECT * FROM nothing_here", json!([]));
    assert!(
        missing
            .message
            .starts_with("Error 1146 (42S02): Table 'nothing_here' doesn't exist"),
        "{missing}"
    );
    let before = run(&mut db, "SELECT COUNT(*) AS n FROM comments", json!([]));
    run(&mut db, "DELETE FROM posts WHERE id = ?", json!(["p1"]));
    let left = run(&mut db, "SELECT COUNT(*) AS n FROM comments", json!([]));
    assert_eq!(left, before, "ON DELETE CASCADE does not run on Forge SQL");
}

/// MySQL's multi-table forms, as apps keep derived columns and clean up related rows: the join
/// picks the rows, each target row changes once, placeholders bind in the order written, and
/// what MySQL refuses (or Kiln cannot run in one statement) is refused before anything runs.
#[test]
fn multi_table_updates_and_deletes_run_as_mysql() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE projects (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) NOT NULL, \
         archived BOOLEAN NOT NULL DEFAULT FALSE, open_tasks INT NOT NULL DEFAULT 0, \
         last_task VARCHAR(40), touched DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE \
         CURRENT_TIMESTAMP(3)); \
         CREATE TABLE tasks (id INT PRIMARY KEY AUTO_INCREMENT, project_id INT NOT NULL, \
         title VARCHAR(40) NOT NULL, done BOOLEAN NOT NULL DEFAULT FALSE, kind VARCHAR(10))",
    );
    run(
        &mut db,
        "INSERT INTO projects (name, archived) VALUES ('alpha', 0), ('beta', 0), ('gamma', 1)",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO tasks (project_id, title, done, kind) VALUES (1, 'a1', 0, 'bug'), \
         (1, 'a2', 0, 'bug'), (2, 'b1', 1, 'bug'), (2, 'b2', 0, 'story'), (3, 'c1', 0, 'bug')",
        json!([]),
    );
    run(
        &mut db,
        "UPDATE projects SET touched = '2020-01-01 00:00:00.000'",
        json!([]),
    );

    // A placeholder in the join condition, one in SET and one in WHERE bind in that order,
    // though the rewrite computes the assigned value before the join. Project 1 matches two
    // tasks and is updated once, with one of them.
    let joined = run(
        &mut db,
        "UPDATE projects p JOIN tasks t ON t.project_id = p.id AND t.kind = ? \
         SET p.last_task = CONCAT(t.title, ?) WHERE t.done = ?",
        json!(["bug", "!", 0]),
    );
    assert_eq!(joined["rows"]["affectedRows"], 2, "{joined}");
    assert_eq!(joined["rows"]["changedRows"], 2, "{joined}");
    let projects = run(
        &mut db,
        "SELECT id, last_task, touched FROM projects ORDER BY id",
        json!([]),
    );
    let projects = rows(&projects);
    let last = projects[0]["last_task"].as_str().unwrap_or_default();
    assert!(last == "a1!" || last == "a2!", "{projects:?}");
    assert_eq!(
        projects[1]["last_task"],
        Value::Null,
        "beta has no open bug"
    );
    assert_eq!(projects[2]["last_task"], "c1!");
    // ON UPDATE CURRENT_TIMESTAMP moved on the changed rows only.
    assert_ne!(projects[0]["touched"], "2020-01-01 00:00:00.000");
    assert_eq!(projects[1]["touched"], "2020-01-01 00:00:00.000");

    // A derived table of counts (the usual way to keep a counter), the target unqualified.
    let counted = run(
        &mut db,
        "UPDATE projects JOIN (SELECT project_id, COUNT(*) AS n FROM tasks WHERE done = 0 \
         GROUP BY project_id) AS c ON c.project_id = projects.id SET open_tasks = c.n",
        json!([]),
    );
    assert_eq!(counted["rows"]["affectedRows"], 3, "{counted}");
    let counts = run(
        &mut db,
        "SELECT open_tasks FROM projects ORDER BY id",
        json!([]),
    );
    assert_eq!(
        counts["rows"],
        json!([{"open_tasks": 2}, {"open_tasks": 1}, {"open_tasks": 1}])
    );
    // The same update again matches the rows and changes none, leaving their stamps.
    let before = run(
        &mut db,
        "SELECT touched FROM projects WHERE id = 2",
        json!([]),
    );
    let again = run(
        &mut db,
        "UPDATE projects JOIN (SELECT project_id, COUNT(*) AS n FROM tasks WHERE done = 0 \
         GROUP BY project_id) AS c ON c.project_id = projects.id SET open_tasks = c.n",
        json!([]),
    );
    assert_eq!(again["rows"]["affectedRows"], 3, "{again}");
    assert_eq!(again["rows"]["changedRows"], 0, "{again}");
    assert_eq!(
        run(
            &mut db,
            "SELECT touched FROM projects WHERE id = 2",
            json!([])
        )["rows"],
        before["rows"]
    );
    // A LEFT JOIN reaches the rows with no match too.
    run(
        &mut db,
        "UPDATE projects LEFT JOIN tasks ON tasks.project_id = projects.id AND tasks.kind = \
         'story' SET projects.last_task = COALESCE(tasks.title, 'none')",
        json!([]),
    );
    let stories = run(
        &mut db,
        "SELECT last_task FROM projects ORDER BY id",
        json!([]),
    );
    assert_eq!(
        stories["rows"],
        json!([{"last_task": "none"}, {"last_task": "b2"}, {"last_task": "none"}])
    );

    // DELETE t FROM … JOIN …, with an alias, and the USING form.
    let archived = run(
        &mut db,
        "DELETE t FROM tasks AS t JOIN projects p ON p.id = t.project_id WHERE p.archived = ?",
        json!([true]),
    );
    assert_eq!(archived["rows"]["affectedRows"], 1, "{archived}");
    let finished = run(
        &mut db,
        "DELETE FROM tasks USING tasks JOIN projects ON projects.id = tasks.project_id \
         WHERE projects.name = ? AND tasks.done = 1",
        json!(["beta"]),
    );
    assert_eq!(finished["rows"]["affectedRows"], 1, "{finished}");
    let left = run(&mut db, "SELECT title FROM tasks ORDER BY id", json!([]));
    assert_eq!(
        left["rows"],
        json!([{"title": "a1"}, {"title": "a2"}, {"title": "b2"}])
    );
    // The projects were only read.
    let projects = run(&mut db, "SELECT COUNT(*) AS n FROM projects", json!([]));
    assert_eq!(projects["rows"], json!([{"n": 3}]));

    // What MySQL refuses, and what Kiln cannot run as one statement, is refused whole.
    for (query, code, words) in [
        (
            "UPDATE projects p JOIN tasks t ON t.project_id = p.id SET p.open_tasks = 0, \
             t.done = 1",
            ForgeSqlCode::InvalidSqlQuery,
            "one UPDATE per table",
        ),
        (
            "DELETE p, t FROM projects p JOIN tasks t ON t.project_id = p.id",
            ForgeSqlCode::InvalidSqlQuery,
            "one DELETE per table",
        ),
        (
            "UPDATE projects p JOIN tasks t ON t.project_id = p.id SET id = 0",
            ForgeSqlCode::SqlExecutionError,
            "Error 1052 (23000): Column 'id' in field list is ambiguous",
        ),
        (
            "UPDATE projects p JOIN tasks t ON t.project_id = p.id SET x.id = 0",
            ForgeSqlCode::SqlExecutionError,
            "Error 1054 (42S22): Unknown column 'x.id' in 'field list'",
        ),
        (
            "UPDATE projects p JOIN tasks t ON t.project_id = p.id SET p.open_tasks = 0 LIMIT 1",
            ForgeSqlCode::SqlExecutionError,
            "Error 1221 (HY000): Incorrect usage of UPDATE and LIMIT",
        ),
        (
            "DELETE x FROM tasks t JOIN projects p ON p.id = t.project_id",
            ForgeSqlCode::SqlExecutionError,
            "Error 1109 (42S02): Unknown table 'x' in MULTI DELETE",
        ),
    ] {
        let error = refused(&mut db, query, json!([]));
        assert_eq!(error.code, code, "{query}: {error}");
        assert!(error.message.contains(words), "{query}: {error}");
    }
    let unchanged = run(
        &mut db,
        "SELECT COUNT(*) AS n FROM tasks WHERE done = 0",
        json!([]),
    );
    assert_eq!(unchanged["rows"], json!([{"n": 3}]));
}

/// A JSON value taken by path is JSON where MySQL returns it (`true` stays `true`) and compares
/// as the SQL value where MySQL compares it (`doc->'$.status' = 'open'`); `TRUE` and `FALSE`
/// written into JSON are JSON's booleans.
#[test]
fn json_paths_keep_their_types_and_compare_as_mysql() {
    let mut db = database();
    run_schema(&mut db, "CREATE TABLE docs (id INT PRIMARY KEY, doc JSON)");
    run(
        &mut db,
        "INSERT INTO docs VALUES (1, ?), (2, ?)",
        json!([
            r#"{"done": true, "status": "open", "n": 2, "tags": [true, null]}"#,
            r#"{"done": false, "status": "closed", "n": 10, "tags": []}"#
        ]),
    );
    let ids = |db: &mut ForgeSqlDatabase, filter: &str| {
        let answer = run(
            db,
            &format!("SELECT id FROM docs WHERE {filter} ORDER BY id"),
            json!([]),
        );
        rows(&answer)
            .iter()
            .map(|row| row["id"].as_i64().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&mut db, "doc->'$.status' = 'open'"), [1]);
    assert_eq!(
        ids(&mut db, "JSON_EXTRACT(doc, '$.status') IN ('open', 'x')"),
        [1]
    );
    assert_eq!(ids(&mut db, "doc->'$.n' > 5"), [2]);
    assert_eq!(ids(&mut db, "doc->'$.n' BETWEEN 1 AND 3"), [1]);
    assert_eq!(ids(&mut db, "doc->'$.done' AND id > 0"), [1]);
    assert_eq!(ids(&mut db, "NOT doc->'$.done'"), [2]);
    assert_eq!(ids(&mut db, "doc->>'$.status' <> 'open'"), [2]);

    let selected = run(
        &mut db,
        "SELECT JSON_EXTRACT(doc, '$.done') AS done, doc->'$.done' AS arrow, \
         JSON_EXTRACT(doc, '$.status') AS status, JSON_EXTRACT(doc, '$.tags') AS tags, \
         JSON_EXTRACT(doc, '$.n', '$.status') AS both_paths, \
         JSON_OBJECT('yes', TRUE, 'no', FALSE, 'done', JSON_EXTRACT(doc, '$.done')) AS object, \
         JSON_ARRAY(TRUE, 1, FALSE) AS list, JSON_SET(doc, '$.done', FALSE) AS cleared \
         FROM docs WHERE id = 1",
        json!([]),
    );
    let row = &rows(&selected)[0];
    assert_eq!(row["done"], json!(true), "{row}");
    assert_eq!(row["arrow"], json!(true), "{row}");
    assert_eq!(row["status"], json!("open"), "{row}");
    assert_eq!(row["tags"], json!([true, null]), "{row}");
    assert_eq!(row["both_paths"], json!([2, "open"]), "{row}");
    assert_eq!(
        row["object"],
        json!({"yes": true, "no": false, "done": true}),
        "{row}"
    );
    assert_eq!(row["list"], json!([true, 1, false]), "{row}");
    assert_eq!(row["cleared"]["done"], json!(false), "{row}");
    // A selected ->> is text, as JSON_UNQUOTE makes it in MySQL; in a comparison it is the
    // value (above).
    let unquoted = run(
        &mut db,
        "SELECT doc->>'$.n' AS n, doc->>'$.done' AS done, doc->>'$.status' AS status, \
         (doc->>'$.missing') AS missing, JSON_UNQUOTE(JSON_EXTRACT(doc, '$.n')) AS same \
         FROM docs WHERE id = 1",
        json!([]),
    );
    assert_eq!(
        unquoted["rows"],
        json!([{"n": "2", "done": "true", "status": "open", "missing": null, "same": "2"}])
    );
    // Printed as text, a JSON string keeps its quotes, as in MySQL.
    let printed = run(
        &mut db,
        "SELECT CONCAT(doc->'$.status', '!') AS c, JSON_UNQUOTE(JSON_EXTRACT(doc, '$.status')) AS u \
         FROM docs WHERE id = 1",
        json!([]),
    );
    assert_eq!(printed["rows"], json!([{"c": "\"open\"!", "u": "open"}]));
    // An update written with both forms finds its row and stores JSON's false.
    let cleared = run(
        &mut db,
        "UPDATE docs SET doc = JSON_SET(doc, '$.done', FALSE) WHERE JSON_EXTRACT(doc, '$.done') = TRUE",
        json!([]),
    );
    assert_eq!(cleared["rows"]["affectedRows"], 1);
    let stored = run(&mut db, "SELECT doc FROM docs WHERE id = 1", json!([]));
    assert_eq!(rows(&stored)[0]["doc"]["done"], json!(false));
}

/// Names MySQL lets an app write bare and SQLite reserves (a Git integration's `commit` table,
/// a ledger's `transaction` column) work everywhere a name goes.
#[test]
fn names_sqlite_reserves_run_bare_as_in_mysql() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE commit (id INT PRIMARY KEY AUTO_INCREMENT, transaction VARCHAR(20) NOT NULL, \
         escape INT DEFAULT 1, nothing TEXT, returning INT, raise INT, deferrable INT, \
         notnull INT, autoincrement INT, KEY ix_transaction (transaction))",
    );
    run(
        &mut db,
        "INSERT INTO commit (transaction, nothing) VALUES (?, ?)",
        json!(["t1", "n"]),
    );
    run(
        &mut db,
        "UPDATE commit SET escape = escape + 1 WHERE nothing LIKE 'n%' ESCAPE '!'",
        json!([]),
    );
    run_schema(
        &mut db,
        "ALTER TABLE commit ADD COLUMN cast INT AFTER transaction",
    );
    run_schema(
        &mut db,
        "ALTER TABLE commit MODIFY escape BIGINT NOT NULL DEFAULT 5",
    );
    let read = run(
        &mut db,
        "SELECT c.transaction, c.escape, c.nothing AS isnull, ISNULL(c.cast) AS no_cast, \
         CAST(c.escape AS CHAR) AS text FROM commit AS c JOIN commit AS d ON d.id = c.id \
         WHERE c.transaction = ? ORDER BY c.escape",
        json!(["t1"]),
    );
    assert_eq!(
        read["rows"],
        // A BIGINT comes back as text, as Forge returns it.
        json!([{"transaction": "t1", "escape": "2", "isnull": "n", "no_cast": 1, "text": "2"}])
    );
    let keys = run(&mut db, "SHOW INDEX FROM commit", json!([]));
    assert_eq!(rows(&keys)[1]["Column_name"], "transaction");
    let gone = run(
        &mut db,
        "DELETE FROM commit WHERE transaction = ?",
        json!(["t1"]),
    );
    assert_eq!(gone["rows"]["affectedRows"], 1);
    run_schema(&mut db, "DROP TABLE IF EXISTS nothing");
    run_schema(&mut db, "DROP TABLE commit");
}

/// `DROP COLUMN` as MySQL makes it: the column leaves its keys and indexes (a key of that
/// column alone goes with it), its checks go too, the rows and the AUTO_INCREMENT counter
/// stay; what MySQL refuses is refused and changes nothing.
#[test]
fn drop_column_leaves_keys_and_indexes_as_mysql() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE owners (id INT PRIMARY KEY); \
         CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20), n INT, m INT, \
         kind ENUM('a', 'b') NOT NULL DEFAULT 'a', owner_id INT, KEY ix_name (name), \
         KEY ix_nm (n, m), UNIQUE KEY uq_m (m), \
         CONSTRAINT items_owner FOREIGN KEY (owner_id) REFERENCES owners (id))",
    );
    run(
        &mut db,
        "INSERT INTO items (name, n, m, kind) VALUES ('x', 1, 1, 'b'), ('y', 1, 2, 'a')",
        json!([]),
    );
    run_schema(&mut db, "ALTER TABLE items DROP COLUMN name, DROP COLUMN n");
    run_schema(&mut db, "ALTER TABLE items DROP COLUMN kind");
    run_schema(
        &mut db,
        "ALTER TABLE items DROP COLUMN IF EXISTS nothing_here",
    );
    let keys = run(&mut db, "SHOW INDEX FROM items", json!([]));
    let names: Vec<(String, String)> = rows(&keys)
        .iter()
        .map(|row| {
            (
                row["Key_name"].as_str().unwrap_or_default().to_owned(),
                row["Column_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let key = |name: &str, column: &str| (name.to_owned(), column.to_owned());
    assert_eq!(
        names,
        [key("PRIMARY", "id"), key("uq_m", "m"), key("ix_nm", "m")],
        "ix_name went with its column, ix_nm lost n"
    );
    let left = run(&mut db, "SELECT * FROM items ORDER BY id", json!([]));
    assert_eq!(
        left["rows"],
        json!([{"id": 1, "m": 1, "owner_id": null}, {"id": 2, "m": 2, "owner_id": null}])
    );
    // The unique key on m still holds, and ids go on where they were.
    let duplicate = refused(&mut db, "INSERT INTO items (m) VALUES (1)", json!([]));
    assert!(duplicate.message.contains("Error 1062"), "{duplicate}");
    let next = run(&mut db, "INSERT INTO items (m) VALUES (3)", json!([]));
    assert_eq!(next["rows"]["insertId"], 3, "{next}");
    run_schema(&mut db, "ALTER TABLE items DROP COLUMN m");
    assert_eq!(
        rows(&run(&mut db, "SHOW INDEX FROM items", json!([]))).len(),
        1,
        "only the primary key is left"
    );

    for (statement, words) in [
        (
            "ALTER TABLE items DROP COLUMN owner_id",
            "Error 1828 (HY000): Cannot drop column 'owner_id': needed in a foreign key \
             constraint 'items_owner'",
        ),
        (
            "ALTER TABLE items DROP COLUMN missing",
            "Error 1091 (42000): Can't DROP 'missing'; check that column/key exists",
        ),
        (
            "ALTER TABLE owners DROP COLUMN id",
            "Error 1090 (42000): You can't delete all columns with ALTER TABLE",
        ),
    ] {
        let error = refused(&mut db, statement, json!([]));
        assert!(error.message.contains(words), "{statement}: {error}");
    }
    let described = run(&mut db, "DESCRIBE items", json!([]));
    assert_eq!(rows(&described).len(), 2, "{described}");
}
/// `information_schema`'s `TABLES`, `COLUMNS` and `STATISTICS`, as migration code reads them
/// to see whether a table, column or index exists before changing it, always of the schema as
/// it is now; `DATABASE()` names the database they are in.
#[test]
fn information_schema_answers_what_the_schema_has() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, sku VARCHAR(20) NOT NULL, \
         price DECIMAL(10,2), at DATETIME(3), kind ENUM('a','b') DEFAULT 'a', note TEXT, \
         UNIQUE KEY uq_sku (sku), KEY ix_price_at (price, at))",
    );
    let database = run(&mut db, "SELECT DATABASE() AS d, SCHEMA() AS s", json!([]));
    assert_eq!(database["rows"], json!([{"d": "forge", "s": "forge"}]));
    let tables = run(
        &mut db,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()",
        json!([]),
    );
    // MySQL 8 names information_schema's columns in capitals, however the query writes them.
    assert_eq!(tables["rows"], json!([{"TABLE_NAME": "items"}]));
    let has_column = "SELECT COUNT(*) AS n FROM information_schema.columns \
                      WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?";
    assert_eq!(
        run(&mut db, has_column, json!(["items", "sku"]))["rows"],
        json!([{"n": 1}])
    );
    assert_eq!(
        run(&mut db, has_column, json!(["items", "owner"]))["rows"],
        json!([{"n": 0}])
    );
    // The same query, run again after the schema changed, sees the change.
    run_schema(
        &mut db,
        "ALTER TABLE items ADD COLUMN owner VARCHAR(40) NOT NULL DEFAULT ''",
    );
    assert_eq!(
        run(&mut db, has_column, json!(["items", "owner"]))["rows"],
        json!([{"n": 1}])
    );

    let text = db
        .execute_text(
            Endpoint::Data,
            "SELECT * FROM information_schema.COLUMNS AS c WHERE c.TABLE_NAME = 'items' \
             AND c.COLUMN_NAME = 'sku'",
            &[],
        )
        .expect("columns");
    assert_eq!(
        text,
        r#"{"rows":[{"TABLE_CATALOG":"def","TABLE_SCHEMA":"forge","TABLE_NAME":"items","COLUMN_NAME":"sku","ORDINAL_POSITION":2,"COLUMN_DEFAULT":null,"IS_NULLABLE":"NO","DATA_TYPE":"varchar","CHARACTER_MAXIMUM_LENGTH":20,"CHARACTER_OCTET_LENGTH":80,"NUMERIC_PRECISION":null,"NUMERIC_SCALE":null,"DATETIME_PRECISION":null,"CHARACTER_SET_NAME":"utf8mb4","COLLATION_NAME":"utf8mb4_bin","COLUMN_TYPE":"varchar(20)","COLUMN_KEY":"UNI","EXTRA":"","PRIVILEGES":"select,insert,update,references","COLUMN_COMMENT":"","GENERATION_EXPRESSION":""}]}"#
    );
    let details = run(
        &mut db,
        "SELECT column_name, data_type, numeric_precision, numeric_scale, datetime_precision, \
         column_default, column_key FROM information_schema.columns WHERE table_name = 'items' \
         ORDER BY ordinal_position",
        json!([]),
    );
    let by_name = |name: &str| {
        rows(&details)
            .iter()
            .find(|row| row["COLUMN_NAME"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {details}"))
    };
    assert_eq!(by_name("id")["COLUMN_KEY"], "PRI");
    assert_eq!(by_name("price")["NUMERIC_PRECISION"], 10);
    assert_eq!(by_name("price")["NUMERIC_SCALE"], 2);
    assert_eq!(by_name("price")["COLUMN_KEY"], "MUL");
    assert_eq!(by_name("at")["DATETIME_PRECISION"], 3);
    assert_eq!(by_name("kind")["DATA_TYPE"], "enum");
    assert_eq!(by_name("kind")["COLUMN_DEFAULT"], "a");
    assert_eq!(rows(&details).len(), 7);

    let keys = run(
        &mut db,
        "SELECT index_name, column_name, non_unique, seq_in_index FROM \
         information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'items' \
         ORDER BY index_name, seq_in_index",
        json!([]),
    );
    assert_eq!(
        keys["rows"],
        json!([
            {"INDEX_NAME": "PRIMARY", "COLUMN_NAME": "id", "NON_UNIQUE": 0, "SEQ_IN_INDEX": 1},
            {"INDEX_NAME": "ix_price_at", "COLUMN_NAME": "price", "NON_UNIQUE": 1, "SEQ_IN_INDEX": 1},
            {"INDEX_NAME": "ix_price_at", "COLUMN_NAME": "at", "NON_UNIQUE": 1, "SEQ_IN_INDEX": 2},
            {"INDEX_NAME": "uq_sku", "COLUMN_NAME": "sku", "NON_UNIQUE": 0, "SEQ_IN_INDEX": 1},
        ])
    );
    let joined = run(
        &mut db,
        "SELECT t.TABLE_NAME, COUNT(c.COLUMN_NAME) AS columns FROM information_schema.TABLES t \
         JOIN information_schema.COLUMNS c ON c.TABLE_NAME = t.TABLE_NAME GROUP BY t.TABLE_NAME",
        json!([]),
    );
    assert_eq!(
        joined["rows"],
        json!([{"TABLE_NAME": "items", "columns": 7}])
    );

    let unknown = refused(
        &mut db,
        "SELECT * FROM information_schema.processlist",
        json!([]),
    );
    assert_eq!(unknown.code, ForgeSqlCode::SqlExecutionError);
    assert!(
        unknown
            .message
            .contains("Unknown table 'PROCESSLIST' in information_schema"),
        "{unknown}"
    );
    // The functions behind the views read only their arguments, and any text at all.
    for text in [
        "CREATE TABLE x (",
        "CREATE TABLE x (a INT, , PRIMARY KEY ()) é",
        "(((((",
        "CREATE TABLE \"x (a 'b, `c",
        "",
    ] {
        for call in [
            "SELECT kiln_schema_columns(?, '[1, null, \"CREATE INDEX i ON x (\"]') AS v",
            "SELECT kiln_schema_keys('x', ?, 'not json') AS v",
        ] {
            let params = json!([text]);
            let params = params.as_array().cloned().unwrap_or_default();
            if let Err(error) = db.execute(Endpoint::Data, call, &params) {
                assert_ne!(error.code, ForgeSqlCode::UnknownError, "{text:?}: {error}");
            }
        }
    }
    // Views of the schema, never a way into it.
    refused(
        &mut db,
        "DELETE FROM information_schema.tables WHERE 1 = 1",
        json!([]),
    );
}

/// TiDB's guards on `ALTER TABLE` clauses, which migrations written for Forge use so that they
/// can run again: a second run finds the column or index there (or gone) and does nothing.
#[test]
fn tidb_if_exists_guards_make_alter_table_rerunnable() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE items (id INT PRIMARY KEY, sku VARCHAR(20), old INT, KEY idx_old (old))",
    );
    run(
        &mut db,
        "INSERT INTO items (id, sku) VALUES (1, 'a')",
        json!([]),
    );
    let migration = "ALTER TABLE items ADD COLUMN IF NOT EXISTS stock INT NOT NULL DEFAULT 3, \
                     ADD INDEX IF NOT EXISTS idx_stock (stock), \
                     ADD UNIQUE KEY IF NOT EXISTS uq_sku (sku), \
                     DROP INDEX IF EXISTS idx_old";
    for _ in 0..2 {
        run_schema(&mut db, migration);
    }
    let keys = run(&mut db, "SHOW INDEX FROM items", json!([]));
    let names: Vec<&str> = rows(&keys)
        .iter()
        .filter_map(|row| row["Key_name"].as_str())
        .collect();
    assert_eq!(names, ["PRIMARY", "idx_stock", "uq_sku"], "{keys}");
    let stock = run(&mut db, "SELECT stock FROM items", json!([]));
    assert_eq!(stock["rows"], json!([{"stock": 3}]));
    // A script of guarded statements, as a migration runner sends it, runs again too.
    let script = "ALTER TABLE items ADD IF NOT EXISTS note TEXT;\n\
                  ALTER TABLE items DROP KEY IF EXISTS idx_stock;";
    run_schema(&mut db, script);
    run_schema(&mut db, script);
    let described = run(&mut db, "DESCRIBE items", json!([]));
    assert_eq!(rows(&described).len(), 5, "{described}");
    // Unguarded, the same clauses fail as MySQL's do.
    let again = refused(&mut db, "ALTER TABLE items ADD COLUMN note TEXT", json!([]));
    assert!(again.message.contains("Error 1060"), "{again}");
}

/// MySQL's generated columns, as apps index a field of a JSON document: computed on write and
/// read, indexed, kept through a table rebuild, refused as a target as MySQL refuses it.
#[test]
fn generated_columns_compute_and_index_as_mysql() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE person (id INT PRIMARY KEY, info JSON, \
         city VARCHAR(64) AS (JSON_UNQUOTE(JSON_EXTRACT(info, '$.city'))) VIRTUAL, \
         age INT GENERATED ALWAYS AS (info->'$.age') STORED, KEY idx_city (city))",
    );
    run(
        &mut db,
        "INSERT INTO person (id, info) VALUES (?, ?), (?, ?)",
        json!([
            1,
            r#"{"city": "Oslo", "age": 40}"#,
            2,
            r#"{"city": "Bergen", "age": 31}"#
        ]),
    );
    let found = run(
        &mut db,
        "SELECT id, city, age FROM person WHERE city = ? AND age > 30",
        json!(["Oslo"]),
    );
    assert_eq!(found["rows"], json!([{"id": 1, "city": "Oslo", "age": 40}]));
    let described = run(&mut db, "DESCRIBE person", json!([]));
    let extra: Vec<&str> = rows(&described)
        .iter()
        .filter_map(|row| row["Extra"].as_str())
        .collect();
    assert_eq!(
        extra,
        ["", "", "VIRTUAL GENERATED", "STORED GENERATED"],
        "{described}"
    );
    assert_eq!(rows(&described)[2]["Type"], "varchar(64)");
    // A rebuild (a column added first) computes them again rather than copying them.
    run_schema(&mut db, "ALTER TABLE person ADD COLUMN note TEXT FIRST");
    run(
        &mut db,
        "UPDATE person SET info = JSON_SET(info, '$.city', 'Tromsø') WHERE id = 2",
        json!([]),
    );
    let moved = run(&mut db, "SELECT city FROM person WHERE id = 2", json!([]));
    assert_eq!(moved["rows"], json!([{"city": "Tromsø"}]));
    let error = refused(
        &mut db,
        "INSERT INTO person (id, info, city) VALUES (3, '{}', 'x')",
        json!([]),
    );
    assert!(
        error
            .message
            .starts_with("Error 3105 (HY000): The value specified for generated column"),
        "{error}"
    );
}

/// Functions and forms whose SQLite namesakes answer something else (`FORMAT` is printf there,
/// `LENGTH` counts characters, a CAST to `DATETIME` or `JSON` gives a number), and MySQL 8's
/// functions and syntax TiDB runs, answering as MySQL does.
#[test]
fn mysql_namesakes_and_newer_forms_answer_as_mysql() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE t (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20), price DECIMAL(10,2), \
         doc JSON)",
    );
    run(
        &mut db,
        "INSERT INTO t (name, price, doc) VALUES ROW('Ål', 2.25, '{\"k\": [1, 2]}'), ROW('b', NULL, NULL)",
        json!([]),
    );
    let row = |db: &mut ForgeSqlDatabase, query: &str| {
        let answer = run(db, query, json!([]));
        rows(&answer)[0].clone()
    };
    assert_eq!(
        row(
            &mut db,
            "SELECT FORMAT(1234567.891, 2) AS a, FORMAT(-1234.5, 0) AS b, FORMAT(0.5, 3) AS c, \
             LENGTH('é') AS bytes, CHAR_LENGTH('é') AS chars FROM DUAL"
        ),
        json!({"a": "1,234,567.89", "b": "-1,235", "c": "0.500", "bytes": 2, "chars": 1})
    );
    assert_eq!(
        row(
            &mut db,
            "SELECT CAST('2024-01-02 03:04:05' AS DATETIME) AS dt, CAST('2024-01-02 03:04:05' AS \
             DATE) AS d, CAST('2024-01-02 03:04:05' AS TIME) AS tm, CAST(price AS DECIMAL(10,1)) \
             AS dec1, CAST(doc AS JSON) AS j, CAST('not a date' AS DATETIME) AS bad \
             FROM t WHERE id = 1"
        ),
        json!({"dt": "2024-01-02 03:04:05", "d": "2024-01-02", "tm": "03:04:05", "dec1": "2.3",
               "j": {"k": [1, 2]}, "bad": null})
    );
    assert_eq!(
        row(
            &mut db,
            "SELECT REGEXP_LIKE(name, '^Å') AS l, REGEXP_REPLACE(name, 'l', '$1') AS r, \
             REGEXP_SUBSTR(name, '[a-z]') AS s, REGEXP_INSTR(name, 'l') AS i FROM t WHERE id = 1"
        ),
        json!({"l": 1, "r": "Å$1", "s": "l", "i": 2})
    );
    assert_eq!(
        row(
            &mut db,
            "SELECT JSON_OVERLAPS(doc->'$.k', '[2, 5]') AS o, JSON_OVERLAPS('[1]', '[3]') AS n, \
             JSON_VALID(doc) AS v, JSON_VALID('{') AS nv, JSON_QUOTE(name) AS q FROM t WHERE id = 1"
        ),
        json!({"o": 1, "n": 0, "v": 1, "nv": 0, "q": "\"Ål\""})
    );
    run_schema(&mut db, "CREATE TABLE nums (n INT)");
    run(
        &mut db,
        "INSERT INTO nums VALUES (2), (4), (4), (4), (5), (5), (7), (9), (NULL)",
        json!([]),
    );
    assert_eq!(
        row(
            &mut db,
            "SELECT BIT_AND(n) AS a, BIT_OR(n) AS o, BIT_XOR(n) AS x, STD(n) AS sd,              STDDEV_SAMP(n) AS ss, VARIANCE(n) AS v, VAR_SAMP(n) AS vs FROM nums"
        ),
        json!({"a": 0, "o": 15, "x": 8, "sd": 2.0, "ss": 2.138089935299395, "v": 4.0,
               "vs": 4.571428571428571})
    );
    assert_eq!(
        row(
            &mut db,
            "SELECT STD(n) AS sd, VAR_SAMP(n) AS vs, BIT_OR(n) AS o, BIT_AND(n) AS a              FROM nums WHERE n > 100"
        ),
        json!({"sd": null, "vs": null, "o": 0, "a": "18446744073709551615"})
    );
    assert_eq!(
        row(
            &mut db,
            "SELECT ORD('a') AS a, ORD('é') AS e, BIN(5) AS b, OCT(8) AS o"
        ),
        json!({"a": 97, "e": 50089, "b": "101", "o": "10"})
    );
    let seeded = row(&mut db, "SELECT RAND(7) AS a, RAND(7) AS b, RAND(8) AS c");
    assert_eq!(seeded["a"], seeded["b"]);
    assert_ne!(seeded["a"], seeded["c"]);
    let unit = seeded["a"].as_f64().unwrap_or(-1.0);
    assert!((0.0..1.0).contains(&unit), "{seeded}");
    // Planner hints change no answer, and STRAIGHT_JOIN is an inner join.
    let hinted = run(
        &mut db,
        "SELECT a.id FROM t a USE INDEX (PRIMARY) STRAIGHT_JOIN t b FORCE INDEX (PRIMARY) \
         ON a.id = b.id ORDER BY a.id",
        json!([]),
    );
    assert_eq!(hinted["rows"], json!([{"id": 1}, {"id": 2}]));
    let bad = refused(&mut db, "SELECT REGEXP_LIKE(name, '(') FROM t", json!([]));
    assert!(bad.message.contains("REGEXP pattern is not valid"), "{bad}");
}

/// `a MOD b`, `INTERVAL(n, …)` and `CONV`, which sqlparser's MySQL grammar or SQLite lack,
/// answer as MySQL 8.0 does; `%` keeps a fraction as MySQL's does.
#[test]
fn word_operators_and_base_conversion_answer_as_mysql() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE t (id INT PRIMARY KEY, n INT, x DOUBLE, `mod` INT)",
    );
    run(
        &mut db,
        "INSERT INTO t (id, n, x, `mod`) VALUES (1, 7, 7.5, 2), (2, -9, -7.5, 4)",
        json!([]),
    );
    let answer = run(
        &mut db,
        "SELECT n MOD 4 AS a, n % 4 AS b, MOD(n, 4) AS c, x MOD 2 AS d, x % `mod` AS e \
         FROM t WHERE id MOD 2 = ? ORDER BY id",
        json!([1]),
    );
    assert_eq!(
        rows(&answer),
        &vec![json!({"a": 3, "b": 3, "c": 3, "d": 1.5, "e": 1.5})]
    );
    let answer = run(
        &mut db,
        "SELECT n MOD 4 AS a, x % 2 AS d FROM t WHERE id = 2",
        json!([]),
    );
    assert_eq!(rows(&answer), &vec![json!({"a": -1, "d": -1.5})]);
    let answer = run(
        &mut db,
        "SELECT INTERVAL(23, 1, 15, 17, 30, 44, 200) AS i, INTERVAL(10, 1, 10, 100, 1000) AS j, \
         INTERVAL(22, 23, 30, 44, 200) AS k, INTERVAL(NULL, 1) AS l, \
         DATE_ADD('2024-01-31', INTERVAL (1 + 1) DAY) AS m",
        json!([]),
    );
    assert_eq!(
        rows(&answer),
        &vec![json!({"i": 3, "j": 2, "k": 0, "l": -1, "m": "2024-02-02"})]
    );
    let answer = run(
        &mut db,
        "SELECT CONV('a', 16, 2) AS a, CONV('6E', 18, 8) AS b, CONV(-17, 10, -18) AS c, \
         CONV(10 + '10' + '10', 10, 10) AS d, CONV('1', 37, 10) AS e",
        json!([]),
    );
    assert_eq!(
        rows(&answer),
        &vec![json!({"a": "1010", "b": "172", "c": "-H", "d": "30", "e": null})]
    );
}

/// TiDB refuses `SQL_CALC_FOUND_ROWS` and `LOCK IN SHARE MODE` (noop clauses it runs only
/// with `tidb_enable_noop_functions`), in its own words; the planner's modifiers run.
#[test]
fn tidbs_noop_clauses_are_refused_in_tidbs_words() {
    let mut db = database();
    run_schema(&mut db, "CREATE TABLE t (id INT PRIMARY KEY, n INT)");
    run(&mut db, "INSERT INTO t VALUES (1, 7), (2, 9)", json!([]));
    for (query, clause) in [
        (
            "SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1",
            "SQL_CALC_FOUND_ROWS",
        ),
        (
            "SELECT * FROM t WHERE id = ? lock  in\nshare MODE",
            "LOCK IN SHARE MODE",
        ),
    ] {
        let error = refused(&mut db, query, json!([1]));
        assert_eq!(error.code, ForgeSqlCode::SqlExecutionError, "{query}");
        assert_eq!(
            error.message,
            format!(
                "Error 1235 (42000): function {clause} has only noop implementation in tidb \
                 now, use tidb_enable_noop_functions to enable these functions"
            ),
            "{query}"
        );
    }
    // Words in a string are no clause: the parser's own refusal.
    let error = refused(&mut db, "SELECT 'LOCK IN SHARE MODE' FROM t t t", json!([]));
    assert_eq!(error.code, ForgeSqlCode::InvalidSqlQuery, "{error}");
    let answer = run(
        &mut db,
        "SELECT HIGH_PRIORITY SQL_SMALL_RESULT SQL_NO_CACHE n FROM t WHERE id = 2 FOR SHARE",
        json!([]),
    );
    assert_eq!(rows(&answer), &vec![json!({"n": 9})]);
}

/// `ORDER BY` a JSON path orders as MySQL orders JSON scalars: numbers by value, then strings.
#[test]
fn json_paths_order_by_value() {
    let mut db = database();
    run_schema(&mut db, "CREATE TABLE docs (id INT PRIMARY KEY, doc JSON)");
    run(
        &mut db,
        "INSERT INTO docs VALUES (1, '{\"n\": 10, \"s\": \"b\"}'), (2, '{\"n\": 9, \"s\": \"a\"}'), \
         (3, '{\"n\": 100.5, \"s\": \"c\"}'), (4, '{\"n\": \"x\", \"s\": \"10\"}')",
        json!([]),
    );
    let ids = |answer: &Value| -> Vec<Value> {
        rows(answer).iter().map(|row| row["id"].clone()).collect()
    };
    let answer = run(
        &mut db,
        "SELECT id FROM docs ORDER BY doc->'$.n'",
        json!([]),
    );
    assert_eq!(ids(&answer), vec![json!(2), json!(1), json!(3), json!(4)]);
    let answer = run(
        &mut db,
        "SELECT id, doc->'$.n' AS n FROM docs ORDER BY JSON_EXTRACT(doc, '$.n') DESC, id",
        json!([]),
    );
    assert_eq!(ids(&answer), vec![json!(4), json!(3), json!(1), json!(2)]);
    // Still JSON where it is selected.
    assert_eq!(rows(&answer)[0]["n"], json!("x"));
    let answer = run(
        &mut db,
        "SELECT id FROM docs ORDER BY doc->>'$.s'",
        json!([]),
    );
    assert_eq!(ids(&answer), vec![json!(4), json!(2), json!(1), json!(3)]);
}

/// MySQL's duplicate-key error quotes the value that broke the key, which apps log and parse
/// (`Duplicate entry '(.*)' for key '(.*)'`): Kiln finds it in the statement's rows, writes it
/// as TiDB does (a multi-column key's values joined with `-`, cut to 64 characters), and never
/// lets the app's text start a line of its own.
#[test]
fn a_duplicate_key_error_quotes_the_value_as_tidb_does() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE members (id BIGINT PRIMARY KEY AUTO_INCREMENT, email VARCHAR(2000), \
         org INT, team VARCHAR(20), price DECIMAL(10, 2), \
         UNIQUE KEY members_email (email), UNIQUE KEY org_team (org, team), \
         UNIQUE KEY by_price (price))",
    );
    let message = |db: &mut ForgeSqlDatabase, query: &str, params: Value| {
        let error = refused(db, query, params);
        assert_eq!(error.code, ForgeSqlCode::SqlExecutionError, "{error}");
        error.message
    };
    run(
        &mut db,
        "INSERT INTO members (email, org, team, price) VALUES (?, ?, ?, ?)",
        json!(["a@b.c", 7, "red", "12.5"]),
    );
    assert_eq!(
        message(
            &mut db,
            "INSERT INTO members (email) VALUES (?)",
            json!(["a@b.c"])
        ),
        "Error 1062 (23000): Duplicate entry 'a@b.c' for key 'members.members_email' \
         (SQLite: UNIQUE constraint failed: members.email)"
    );
    // A multi-column key: its values joined with `-`; a number bound as text is the number.
    assert!(
        message(
            &mut db,
            "INSERT INTO members (org, team) VALUES ('7', 'red')",
            json!([])
        )
        .starts_with("Error 1062 (23000): Duplicate entry '7-red' for key 'members.org_team'"),
        "{}",
        message(
            &mut db,
            "UPDATE members m SET m.team = ? WHERE m.team = ? LIMIT ?",
            json!(["red", "blue", 1])
        ),
    );
    // A DECIMAL with its declared scale, as MySQL prints it.
    assert!(
        message(
            &mut db,
            "INSERT INTO members (price) VALUES (12.5)",
            json!([])
        )
        .starts_with("Error 1062 (23000): Duplicate entry '12.50' for key 'members.by_price'"),
    );
    // The primary key, and the row of a multi-row insert that broke the key: the second row
    // here, which repeats the first.
    assert!(
        message(&mut db, "INSERT INTO members (id) VALUES (1)", json!([]))
            .starts_with("Error 1062 (23000): Duplicate entry '1' for key 'members.PRIMARY'")
    );
    assert!(
        message(
            &mut db,
            "INSERT INTO members (email) VALUES (?), (?), (?)",
            json!(["x@y.z", "new@y.z", "new@y.z"])
        )
        .starts_with(
            "Error 1062 (23000): Duplicate entry 'new@y.z' for key 'members.members_email'"
        ),
    );
    assert_eq!(
        rows(&run(
            &mut db,
            "SELECT COUNT(*) AS n FROM members",
            json!([])
        ))[0]["n"],
        1,
        "nothing of the failed statements stays"
    );
    // Hostile values: a huge one is cut to 64 characters, a multi-byte one at a character,
    // quotes kept as MySQL keeps them, a line break written as an escape.
    let huge = "x".repeat(1500);
    let accented = "é".repeat(100);
    let forged = "o'brien\"\nError 1146 (42S02): Table 'x' doesn't exist";
    for value in [&huge, &accented, &forged.to_owned()] {
        run(
            &mut db,
            "INSERT INTO members (email) VALUES (?)",
            json!([value]),
        );
    }
    let duplicate = |db: &mut ForgeSqlDatabase, value: &str| {
        message(db, "INSERT INTO members (email) VALUES (?)", json!([value]))
    };
    assert!(duplicate(&mut db, &huge).starts_with(&format!(
        "Error 1062 (23000): Duplicate entry '{}' for key 'members.members_email'",
        "x".repeat(64)
    )));
    assert!(duplicate(&mut db, &accented).starts_with(&format!(
        "Error 1062 (23000): Duplicate entry '{}' for key 'members.members_email'",
        "é".repeat(64)
    )));
    let forged_message = duplicate(&mut db, forged);
    assert!(
        forged_message.starts_with(
            "Error 1062 (23000): Duplicate entry 'o'brien\"\\x0AError 1146 (42S02): Table 'x' \
             doesn't exist' for key 'members.members_email'"
        ),
        "{forged_message}"
    );
    assert!(!forged_message.contains('\n'), "{forged_message}");
    // An UPDATE: the value it assigns, or the row's own beside it in a longer key.
    run(
        &mut db,
        "INSERT INTO members (email, org, team) VALUES ('b@b.c', 7, 'blue')",
        json!([]),
    );
    assert!(
        message(
            &mut db,
            "UPDATE members SET email = LOWER(?) WHERE email = ?",
            json!(["A@B.C", "b@b.c"])
        )
        .starts_with("Error 1062 (23000): Duplicate entry 'a@b.c' for key 'members.members_email'"),
    );
    assert!(
        message(
            &mut db,
            "UPDATE members SET team = ? WHERE team = ? LIMIT ?",
            json!(["red", "blue", 1])
        )
        .starts_with("Error 1062 (23000): Duplicate entry '7-red' for key 'members.org_team'"),
    );
    assert!(
        message(
            &mut db,
            "UPDATE members m SET m.team = ? WHERE m.team = ?",
            json!(["red", "blue"])
        )
        .starts_with("Error 1062 (23000): Duplicate entry '7-red' for key 'members.org_team'"),
    );
    // MySQL's alias forms of a single-table UPDATE run (SQLite wants `AS`, and no alias in
    // `SET`).
    let aliased = run(
        &mut db,
        "UPDATE members m SET m.team = ? WHERE m.team = ? ORDER BY m.id LIMIT ?",
        json!(["green", "blue", 1]),
    );
    assert_eq!(aliased["rows"]["affectedRows"], 1);
    // A row the statement computes from another table is not looked for: the key is named
    // without a value.
    assert!(
        message(
            &mut db,
            "INSERT INTO members (email) SELECT email FROM members WHERE id = 1",
            json!([])
        )
        .starts_with("Error 1062 (23000): Duplicate entry for key 'members.members_email'"),
    );
}

/// MySQL types `SUM`/`AVG` of an exact column `DECIMAL` (the column's scale; 4 more for an
/// average) and `MIN`/`MAX` as the column, and mysql2, so Forge SQL, answers a `DECIMAL` and a
/// `BIGINT` as strings: `SUM(price)` of `DECIMAL(10, 2)` is `"12.50"`, `AVG` of an `INT`
/// `"2.5000"`, `COUNT` a number. The sums are decimal, not binary: a hundred thousand cents
/// add to exactly 1000.00.
#[test]
fn aggregates_of_exact_columns_answer_as_mysql_types_them() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, price DECIMAL(10, 2), \
         qty INT, big BIGINT, ratio DOUBLE, team VARCHAR(10))",
    );
    run(
        &mut db,
        "INSERT INTO orders (price, qty, big, ratio, team) VALUES (?, ?, ?, ?, ?), \
         (?, ?, ?, ?, ?)",
        json!([
            "10.25",
            2,
            "9007199254740993",
            0.5,
            "a",
            2.25,
            3,
            1,
            0.25,
            "a"
        ]),
    );
    let answer = run(
        &mut db,
        "SELECT SUM(price), SUM(qty) AS qty, AVG(qty) AS avg_qty, AVG(o.price) AS avg_price, \
         COUNT(*) AS n, SUM(ratio) AS ratio, MAX(big) AS top, MIN(price) AS least, \
         COALESCE(SUM(price), 0) AS total, SUM(DISTINCT qty) AS distinct_qty \
         FROM orders o",
        json!([]),
    );
    assert_eq!(
        rows(&answer)[0],
        json!({
            "SUM(price)": "12.50", "qty": "5", "avg_qty": "2.5000", "avg_price": "6.250000",
            "n": 2, "ratio": 0.75, "top": "9007199254740993", "least": "2.25",
            "total": "12.50", "distinct_qty": "5",
        })
    );
    // A BIGINT AUTO_INCREMENT id (SQLite's INTEGER row id) is a BIGINT to MIN/MAX and SUM.
    let ids = run(
        &mut db,
        "SELECT MAX(id) AS last, MIN(orders.id) AS first, SUM(id) AS total FROM orders",
        json!([]),
    );
    assert_eq!(
        rows(&ids)[0],
        json!({"last": "2", "first": "1", "total": "3"})
    );
    // Grouped, compared and ordered as numbers.
    let grouped = run(
        &mut db,
        "SELECT team, SUM(price) AS total FROM orders GROUP BY team \
         HAVING SUM(price) > 12 ORDER BY SUM(price) DESC",
        json!([]),
    );
    assert_eq!(
        rows(&grouped),
        &vec![json!({"team": "a", "total": "12.50"})]
    );
    // Through a join and its aliases; a window's SUM is SQLite's, read back to the scale.
    run_schema(
        &mut db,
        "CREATE TABLE teams (name VARCHAR(10), budget DECIMAL(8, 3))",
    );
    run(
        &mut db,
        "INSERT INTO teams (name, budget) VALUES ('a', 1.5)",
        json!([]),
    );
    let joined = run(
        &mut db,
        "SELECT t.name, SUM(o.price) AS spent, MAX(t.budget) AS budget \
         FROM orders AS o JOIN teams t ON t.name = o.team GROUP BY t.name",
        json!([]),
    );
    assert_eq!(
        rows(&joined),
        &vec![json!({"name": "a", "spent": "12.50", "budget": "1.500"})]
    );
    let windowed = run(
        &mut db,
        "SELECT id, SUM(price) OVER (ORDER BY id) AS running FROM orders ORDER BY id",
        json!([]),
    );
    assert_eq!(
        rows(&windowed),
        &vec![
            json!({"id": "1", "running": "10.25"}),
            json!({"id": "2", "running": "12.50"}),
        ]
    );
    // No rows: NULL, as MySQL's SUM and AVG of nothing.
    let none = run(
        &mut db,
        "SELECT SUM(price) AS s, AVG(qty) AS a FROM orders WHERE id > 99",
        json!([]),
    );
    assert_eq!(rows(&none)[0], json!({"s": null, "a": null}));
    // Exact where binary sums drift: 100,000 cents, and an average rounded half away from
    // zero (1/32 = 0.03125 is 0.0313 in MySQL, where a double prints 0.0312).
    run_schema(&mut db, "CREATE TABLE cents (c DECIMAL(10, 2), n INT)");
    run(
        &mut db,
        "INSERT INTO cents (c, n) WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k \
         WHERE i < 100000) SELECT 0.01, CASE WHEN i <= 1 THEN 1 ELSE 0 END FROM k WHERE i <= 100000",
        json!([]),
    );
    let exact = run(&mut db, "SELECT SUM(c) AS total FROM cents", json!([]));
    assert_eq!(rows(&exact)[0], json!({"total": "1000.00"}));
    let rounded = run(
        &mut db,
        "SELECT AVG(n) AS a FROM (SELECT n FROM cents LIMIT 32) AS firsts",
        json!([]),
    );
    // A derived table's column has no declared type Kiln follows: SQLite's double.
    assert_eq!(rows(&rounded)[0], json!({"a": 0.03125}));
    run_schema(&mut db, "CREATE TABLE few (n INT)");
    run(
        &mut db,
        "INSERT INTO few (n) VALUES (1), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), \
         (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), \
         (0), (0), (0), (0)",
        json!([]),
    );
    let half_up = run(&mut db, "SELECT AVG(n) AS a FROM few", json!([]));
    assert_eq!(rows(&half_up)[0], json!({"a": "0.0313"}));
}

/// A hexadecimal literal is MySQL's binary string, and in arithmetic the number its bytes
/// spell: `X'41' + 0` is 65 (SQLite's blob would read as 0).
#[test]
fn hexadecimal_literals_are_numbers_in_arithmetic() {
    let mut db = database();
    let answer = run(
        &mut db,
        "SELECT X'41' + 0 AS a, 0x0100 * 2 AS b, -X'0A' AS c, X'' + 1 AS d, \
         10 DIV 0x03 AS e, 0x7FFFFFFFFFFFFFFF - 1 AS f",
        json!([]),
    );
    assert_eq!(
        rows(&answer)[0],
        json!({"a": 65, "b": 512, "c": -10, "d": 1, "e": 3, "f": 9_223_372_036_854_775_806_i64})
    );
    // Selected alone it is a binary string, as mysql2 answers one (a Buffer).
    let selected = run(&mut db, "SELECT X'4142' AS bytes", json!([]));
    assert_eq!(
        rows(&selected)[0],
        json!({"bytes": {"type": "Buffer", "data": [65, 66]}})
    );
    // Written to a number column it is stored as the number (SQLite's blob would fail the
    // column's range check); to a binary column, as the bytes. Compared with a number column
    // of the one table read, or set into one, the number again.
    run_schema(
        &mut db,
        "CREATE TABLE flags (n INT, amount DECIMAL(6, 2), b VARBINARY(4))",
    );
    run(
        &mut db,
        "INSERT INTO flags (n, amount, b) VALUES (0x41, X'0A', 0x41)",
        json!([]),
    );
    let stored = run(
        &mut db,
        "SELECT n, amount, b FROM flags WHERE n = 0x41",
        json!([]),
    );
    assert_eq!(
        rows(&stored),
        &vec![json!({"n": 65, "amount": "10.00", "b": {"type": "Buffer", "data": [65]}})]
    );
    let changed = run(
        &mut db,
        "UPDATE flags SET n = 0xFF WHERE 0x41 = n",
        json!([]),
    );
    assert_eq!(changed["rows"]["affectedRows"], 1);
    let updated = run(&mut db, "SELECT n FROM flags", json!([]));
    assert_eq!(rows(&updated), &vec![json!({"n": 255})]);
}

/// Finding a duplicate's value is bounded: an `UPDATE` whose broken row comes after 100,000
/// others is named by its key alone rather than remembering every row before it.
#[test]
fn a_duplicate_found_past_the_probe_bound_names_the_key_alone() {
    let mut db = database();
    run_schema(
        &mut db,
        "CREATE TABLE counters (k INT, UNIQUE KEY by_k (k))",
    );
    run(
        &mut db,
        "INSERT INTO counters (k) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
         WHERE i < 100001) SELECT i FROM n",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO counters (k) VALUES (300001)",
        json!([]),
    );
    let error = refused(
        &mut db,
        "UPDATE counters SET k = k + 200000 WHERE k <= 100001",
        json!([]),
    );
    assert!(
        error
            .message
            .starts_with("Error 1062 (23000): Duplicate entry for key 'counters.by_k'"),
        "{error}"
    );
    // One row fewer before it, and the value is found.
    let error = refused(
        &mut db,
        "UPDATE counters SET k = k + 200000 WHERE k >= 2 AND k <= 100001",
        json!([]),
    );
    assert!(
        error
            .message
            .starts_with("Error 1062 (23000): Duplicate entry '300001' for key 'counters.by_k'"),
        "{error}"
    );
}

/// `SLEEP(seconds)` sleeps, answers 0, and is cut at the statement's time limit, which fails
/// the statement as every statement past it fails; the database serves on. Functions it lacks
/// and wrong argument counts are refused in TiDB's words.
#[test]
fn sleep_is_bounded_by_the_statements_limit_and_unknown_functions_read_as_tidb() {
    let limits = ForgeSqlLimits {
        statement_time: Duration::from_millis(400),
        ..ForgeSqlLimits::default()
    };
    let mut db = ForgeSqlDatabase::in_memory(limits).expect("database");
    let started = std::time::Instant::now();
    let answer = run(&mut db, "SELECT SLEEP(0.1) AS s", json!([]));
    assert_eq!(rows(&answer)[0]["s"], 0);
    assert!(started.elapsed() >= Duration::from_millis(100));

    let started = std::time::Instant::now();
    let error = refused(&mut db, "SELECT SLEEP(3600) AS s", json!([]));
    assert_eq!(error.code, ForgeSqlCode::QueryTimedOut, "{error}");
    // Ended at the limit, not an hour later (the bound is loose: the machine may be busy).
    assert!(started.elapsed() < Duration::from_secs(60));
    // Bound parameters and a sleep inside a larger query are cut alike.
    let error = refused(
        &mut db,
        "SELECT 1 AS a FROM (SELECT 1) AS x WHERE SLEEP(?) = 0",
        json!([1e300]),
    );
    assert_eq!(error.code, ForgeSqlCode::QueryTimedOut, "{error}");
    let answer = run(&mut db, "SELECT 1 AS one", json!([]));
    assert_eq!(
        rows(&answer)[0]["one"],
        1,
        "the database serves after a cut sleep"
    );

    for (query, words) in [
        (
            "SELECT SLEEP(-1)",
            "Error 1210 (HY000): Incorrect arguments to sleep",
        ),
        (
            "SELECT SLEEP(NULL)",
            "Error 1210 (HY000): Incorrect arguments to sleep",
        ),
        (
            "SELECT SLEEP()",
            "Error 1582 (42000): Incorrect parameter count in the call to native function 'SLEEP'",
        ),
        (
            "SELECT NO_SUCH_THING(1)",
            "Error 1305 (42000): FUNCTION forge.NO_SUCH_THING does not exist",
        ),
    ] {
        let error = refused(&mut db, query, json!([]));
        assert_eq!(
            error.code,
            ForgeSqlCode::SqlExecutionError,
            "{query}: {error}"
        );
        assert!(error.message.starts_with(words), "{query}: {error}");
    }
    // Never from the schema: a default that sleeps would slow every insert.
    let error = db
        .execute(
            Endpoint::Schema,
            "CREATE TABLE slow (id INT PRIMARY KEY, at INT DEFAULT (SLEEP(1)))",
            &[],
        )
        .and_then(|_| db.execute(Endpoint::Data, "INSERT INTO slow (id) VALUES (1)", &[]));
    let error = error.expect_err("a schema that sleeps");
    assert!(error.message.contains("unsafe use of SLEEP"), "{error}");
}
