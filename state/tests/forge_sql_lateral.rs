//! drizzle-orm's relational queries (`db.query.*.findMany({ with })`) on Forge SQL: MySQL's
//! `LEFT JOIN LATERAL (…) ON TRUE`, which SQLite lacks, runs as correlated scalar subqueries
//! (`state/src/forge_sql/lateral.rs`) with MySQL's rows, and what cannot be proved to give
//! them is refused before it runs.
//!
//! The statements are drizzle-orm 0.45.1's own (`mysql-core/dialect.js`,
//! `buildRelationalQuery`, default mode) for the schema below, as its mysql-proxy driver
//! hands them to `@forge/sql`.

use kiln_state::forge_sql::dialect::{StatementKind, translate};
use kiln_state::forge_sql::{
    Endpoint, ForgeSqlCode, ForgeSqlDatabase, ForgeSqlError, ForgeSqlLimits,
};
use serde_json::{Value, json};

/// `db.query.teams.findMany({ with: { tasks: true } })`: one-to-many.
const TEAMS_WITH_TASKS: &str = "select `teams`.`id`, `teams`.`name`, `teams_tasks`.`data` as `tasks` from `teams` `teams` left join lateral (select coalesce(json_arrayagg(json_array(`teams_tasks`.`id`, `teams_tasks`.`team_id`, `teams_tasks`.`title`, `teams_tasks`.`points`, `teams_tasks`.`meta`)), json_array()) as `data` from `tasks` `teams_tasks` where `teams_tasks`.`team_id` = `teams`.`id`) `teams_tasks` on true";

/// `db.query.tasks.findMany({ with: { team: true } })`: one-to-one, `limit ?` bound to 1.
const TASKS_WITH_TEAM: &str = "select `tasks`.`id`, `tasks`.`team_id`, `tasks`.`title`, `tasks`.`points`, `tasks`.`meta`, `tasks_team`.`data` as `team` from `tasks` `tasks` left join lateral (select json_array(`tasks_team`.`id`, `tasks_team`.`name`) as `data` from (select * from `teams` `tasks_team` where `tasks_team`.`id` = `tasks`.`team_id` limit ?) `tasks_team`) `tasks_team` on true";

/// `db.query.teams.findMany({ columns: { name: true }, with: { tasks: { columns: { title:
/// true }, with: { team: { columns: { name: true } } } } } })`: a lateral in a lateral.
const NESTED: &str = "select `teams`.`name`, `teams_tasks`.`data` as `tasks` from `teams` `teams` left join lateral (select coalesce(json_arrayagg(json_array(`teams_tasks`.`title`, `teams_tasks_team`.`data`)), json_array()) as `data` from `tasks` `teams_tasks` left join lateral (select json_array(`teams_tasks_team`.`name`) as `data` from (select * from `teams` `teams_tasks_team` where `teams_tasks_team`.`id` = `teams_tasks`.`team_id` limit ?) `teams_tasks_team`) `teams_tasks_team` on true where `teams_tasks`.`team_id` = `teams`.`id`) `teams_tasks` on true";

/// `db.query.teams.findFirst({ where: eq(teams.name, ?), with: { tasks: { columns: { title:
/// true }, where: gt(tasks.points, ?), orderBy: [desc(tasks.points)], limit: ? } } })`: the
/// relation's rows filtered, ordered and limited in a derived table, and parameters before and
/// after the lateral.
const FILTERED: &str = "select `teams`.`id`, `teams`.`name`, `teams_tasks`.`data` as `tasks` from `teams` `teams` left join lateral (select coalesce(json_arrayagg(json_array(`teams_tasks`.`title`)), json_array()) as `data` from (select *, row_number() over (order by `teams_tasks`.`points` desc) from `tasks` `teams_tasks` where (`teams_tasks`.`team_id` = `teams`.`id` and `teams_tasks`.`points` > ?) limit ?) `teams_tasks`) `teams_tasks` on true where `teams`.`name` = ? limit ?";

fn database() -> ForgeSqlDatabase {
    let mut db =
        ForgeSqlDatabase::in_memory(ForgeSqlLimits::default()).expect("in-memory database");
    for statement in [
        "CREATE TABLE `teams` (`id` int AUTO_INCREMENT NOT NULL, `name` varchar(100) NOT NULL, \
         CONSTRAINT `teams_id` PRIMARY KEY(`id`))",
        "CREATE TABLE `tasks` (`id` int AUTO_INCREMENT NOT NULL, `team_id` int NOT NULL, \
         `title` varchar(200) NOT NULL, `points` int NOT NULL, `meta` json, \
         CONSTRAINT `tasks_id` PRIMARY KEY(`id`))",
    ] {
        db.execute(Endpoint::Schema, statement, &[])
            .expect("schema");
    }
    run(
        &mut db,
        "INSERT INTO teams (name) VALUES ('platform'), ('apps'), ('idle')",
        json!([]),
    );
    run(
        &mut db,
        "INSERT INTO tasks (team_id, title, points, meta) VALUES \
         (1, 'upgrade runtime', 5, '{\"labels\":[\"infra\"]}'), (1, 'rotate keys', 3, NULL), \
         (2, 'ship app', 8, NULL), (9, 'orphan', 1, NULL)",
        json!([]),
    );
    db
}

fn run(db: &mut ForgeSqlDatabase, query: &str, params: Value) -> Value {
    let params = params.as_array().cloned().unwrap_or_default();
    match db.execute(Endpoint::Data, query, &params) {
        Ok(answer) => answer["rows"].clone(),
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

fn sqlite_text(query: &str) -> String {
    let translated = translate(query, Endpoint::Data).expect("translates");
    assert_eq!(translated.kind, StatementKind::Query);
    match translated.statements.as_slice() {
        [kiln_state::forge_sql::dialect::Step::Sql(text)] => text.clone(),
        other => panic!("one SQLite statement expected: {other:?}"),
    }
}

#[test]
fn a_lateral_join_becomes_a_correlated_scalar_subquery_typed_json() {
    let text = sqlite_text(TEAMS_WITH_TASKS);
    assert!(!text.to_ascii_lowercase().contains("lateral"), "{text}");
    assert_eq!(
        text,
        "SELECT `teams`.`id`, `teams`.`name`, json((SELECT `teams_tasks`.`data` FROM \
         (SELECT coalesce(json_group_array(json_array(`teams_tasks`.`id`, `teams_tasks`.`team_id`, \
         `teams_tasks`.`title`, `teams_tasks`.`points`, `teams_tasks`.`meta`)), json_array()) AS `data` \
         FROM `tasks` `teams_tasks` WHERE `teams_tasks`.`team_id` = `teams`.`id`) AS `teams_tasks`)) \
         AS `tasks` FROM `teams` `teams`"
    );
    let translated = translate(TEAMS_WITH_TASKS, Endpoint::Data).expect("translates");
    // The nested rows are JSON in Forge's answer, as MySQL types `json_arrayagg`.
    assert_eq!(translated.json_columns, vec![2]);
    assert!(translated.single_row_limits.is_empty());

    // A bound LIMIT is what makes drizzle's one-to-one yield one row: it is checked per call.
    let translated = translate(TASKS_WITH_TEAM, Endpoint::Data).expect("translates");
    assert_eq!(translated.single_row_limits, vec![0]);
    assert_eq!(translated.json_columns, vec![5]);
}

#[test]
fn drizzle_one_to_many_nests_each_rows_children_as_json() {
    let mut db = database();
    assert_eq!(
        run(&mut db, TEAMS_WITH_TASKS, json!([])),
        json!([
            // The JSON column nests as its document, as MySQL nests a JSON value.
            { "id": 1, "name": "platform", "tasks": [
                [1, 1, "upgrade runtime", 5, { "labels": ["infra"] }],
                [2, 1, "rotate keys", 3, null],
            ] },
            { "id": 2, "name": "apps", "tasks": [[3, 2, "ship app", 8, null]] },
            // No child: MySQL's `coalesce(json_arrayagg(…), json_array())` is `[]`.
            { "id": 3, "name": "idle", "tasks": [] },
        ])
    );
}

#[test]
fn drizzle_one_to_one_nests_the_row_or_null() {
    let mut db = database();
    assert_eq!(
        run(&mut db, TASKS_WITH_TEAM, json!([1])),
        json!([
            { "id": 1, "team_id": 1, "title": "upgrade runtime", "points": 5,
              "meta": { "labels": ["infra"] }, "team": [1, "platform"] },
            { "id": 2, "team_id": 1, "title": "rotate keys", "points": 3, "meta": null,
              "team": [1, "platform"] },
            { "id": 3, "team_id": 2, "title": "ship app", "points": 8, "meta": null,
              "team": [2, "apps"] },
            // The lateral yields no row: LEFT JOIN's NULL.
            { "id": 4, "team_id": 9, "title": "orphan", "points": 1, "meta": null, "team": null },
        ])
    );
    // LIMIT 0 yields no row either.
    let none = run(&mut db, TASKS_WITH_TEAM, json!([0]));
    assert!(
        none.as_array()
            .is_some_and(|rows| rows.iter().all(|row| row["team"].is_null())),
        "{none}"
    );
}

#[test]
fn nested_relations_nest_json_in_json() {
    let mut db = database();
    assert_eq!(
        run(&mut db, NESTED, json!([1])),
        json!([
            { "name": "platform", "tasks": [
                ["upgrade runtime", ["platform"]],
                ["rotate keys", ["platform"]],
            ] },
            { "name": "apps", "tasks": [["ship app", ["apps"]]] },
            { "name": "idle", "tasks": [] },
        ])
    );
}

#[test]
fn filtered_ordered_and_limited_relations_bind_every_parameter_in_place() {
    let mut db = database();
    // points > 2, the 1 highest, of the team named 'platform', first team only.
    assert_eq!(
        run(&mut db, FILTERED, json!([2, 1, "platform", 1])),
        json!([{ "id": 1, "name": "platform", "tasks": [["upgrade runtime"]] }])
    );
    assert_eq!(
        run(&mut db, FILTERED, json!([4, 5, "platform", 1])),
        json!([{ "id": 1, "name": "platform", "tasks": [["upgrade runtime"]] }])
    );
    assert_eq!(
        run(&mut db, FILTERED, json!([0, 5, "apps", 1])),
        json!([{ "id": 2, "name": "apps", "tasks": [["ship app"]] }])
    );
}

#[test]
fn a_column_read_bare_and_read_twice_is_named_and_copied_as_mysql_names_it() {
    let mut db = database();
    // `a.n` selected bare is named `n`, as MySQL names it; read in WHERE and ORDER BY too.
    let query = "SELECT t.name, c.n FROM teams t LEFT JOIN LATERAL \
                 (SELECT COUNT(*) AS n FROM tasks k WHERE k.team_id = t.id AND k.title <> ?) c ON TRUE \
                 WHERE c.n >= ? ORDER BY c.n DESC, t.name";
    assert_eq!(
        run(&mut db, query, json!(["rotate keys", 0])),
        json!([
            { "name": "apps", "n": 1 },
            { "name": "platform", "n": 1 },
            { "name": "idle", "n": 0 },
        ])
    );
    // A LIMIT 1 written in the subquery proves one row as well.
    let query = "SELECT t.title, pick.name FROM tasks t LEFT JOIN LATERAL \
                 (SELECT m.name FROM teams m WHERE m.id = t.team_id ORDER BY m.name LIMIT 1) pick ON TRUE \
                 ORDER BY t.id";
    assert_eq!(
        run(&mut db, query, json!([])),
        json!([
            { "title": "upgrade runtime", "name": "platform" },
            { "title": "rotate keys", "name": "platform" },
            { "title": "ship app", "name": "apps" },
            { "title": "orphan", "name": null },
        ])
    );
}

fn assert_refused(error: &ForgeSqlError, words: &str) {
    assert_eq!(error.code, ForgeSqlCode::InvalidSqlQuery, "{error}");
    assert!(error.message.contains(words), "{error}");
    assert!(
        error
            .message
            .contains("LEFT JOIN LATERAL (subquery) alias ON TRUE"),
        "the refusal says what runs: {error}"
    );
}

#[test]
fn a_lateral_that_may_yield_several_rows_is_refused_before_it_runs() {
    let mut db = database();
    // Each task of a team is a row of the join in MySQL: no scalar subquery gives that.
    let error = refused(
        &mut db,
        "SELECT t.name, k.title FROM teams t LEFT JOIN LATERAL \
         (SELECT title FROM tasks WHERE team_id = t.id) k ON TRUE",
        json!([]),
    );
    assert_refused(&error, "may yield more than one row");
    // GROUP BY makes an aggregate yield a row per group.
    let error = refused(
        &mut db,
        "SELECT t.name, k.n FROM teams t LEFT JOIN LATERAL \
         (SELECT COUNT(*) AS n FROM tasks WHERE team_id = t.id GROUP BY points) k ON TRUE",
        json!([]),
    );
    assert_refused(&error, "may yield more than one row");
    // A bound LIMIT the rewrite relies on must be 0 or 1 when the call arrives.
    let error = refused(&mut db, TASKS_WITH_TEAM, json!([2]));
    assert_refused(
        &error,
        "parameter 1 is a LATERAL subquery's LIMIT, bound to 2",
    );
    let error = refused(&mut db, TASKS_WITH_TEAM, json!(["1"]));
    assert_refused(&error, "bound to \"1\"");
    // The app's value is quoted cut and escaped, as every value in Forge SQL's messages.
    let flood = format!("{}\u{2028}forged", "x".repeat(10_000));
    let error = refused(&mut db, TASKS_WITH_TEAM, json!([flood]));
    assert_refused(&error, "bound to \"xxxx");
    assert!(error.message.len() < 1_000, "{}", error.message.len());
    assert!(!error.message.contains('\u{2028}'), "{error}");
}

#[test]
fn other_lateral_shapes_are_refused_saying_what_runs() {
    let mut db = database();
    let one = "(SELECT COUNT(*) AS n FROM tasks WHERE team_id = t.id)";
    for (query, words) in [
        // An inner join drops the rows whose lateral yields none.
        (format!("SELECT t.name, k.n FROM teams t JOIN LATERAL {one} k ON TRUE"), "LEFT JOIN … ON TRUE"),
        (format!("SELECT t.name, k.n FROM teams t, LATERAL {one} k"), "LEFT JOIN … ON TRUE"),
        (format!("SELECT t.name, k.n FROM teams t CROSS JOIN LATERAL {one} k"), "LEFT JOIN … ON TRUE"),
        (format!("SELECT t.name, k.n FROM teams t LEFT JOIN LATERAL {one} k ON k.n > 0"), "not TRUE"),
        (format!("SELECT * FROM teams t LEFT JOIN LATERAL {one} k ON TRUE"), "selects `*`"),
        (format!("SELECT k.* FROM teams t LEFT JOIN LATERAL {one} k ON TRUE"), "`alias.*`"),
        // Unqualified, `n` would be the lateral's or another table's by what the tables hold.
        (format!("SELECT t.name, n FROM teams t LEFT JOIN LATERAL {one} k ON TRUE"), "qualify it"),
        (
            format!("SELECT t.name, k.n FROM teams t LEFT JOIN LATERAL {one} k ON TRUE RIGHT JOIN tasks x ON x.team_id = t.id"),
            "RIGHT or FULL",
        ),
        (
            format!("SELECT t.name, k.n FROM teams t LEFT JOIN LATERAL {one} k ON TRUE WHERE EXISTS (SELECT 1 FROM tasks k WHERE k.id = t.id)"),
            "also named `k`",
        ),
        (
            "SELECT t.name, k.c FROM teams t LEFT JOIN LATERAL (SELECT COUNT(*) FROM tasks) k ON TRUE".to_owned(),
            "without a name",
        ),
    ] {
        let error = refused(&mut db, &query, json!([]));
        assert_refused(&error, words);
    }
    // A column the lateral does not yield is MySQL's unknown column.
    let error = refused(
        &mut db,
        &format!("SELECT t.name, k.missing FROM teams t LEFT JOIN LATERAL {one} k ON TRUE"),
        json!([]),
    );
    assert_eq!(error.code, ForgeSqlCode::SqlExecutionError, "{error}");
    assert!(error.message.starts_with("Error 1054"), "{error}");
}

#[test]
fn laterals_nest_to_a_bound_and_copies_stop_at_a_bound() {
    let mut db = database();
    // Each level a lateral inside the one before, read once.
    let nested = |depth: usize| {
        let mut inner = "SELECT COUNT(*) AS n FROM tasks".to_owned();
        for level in 0..depth {
            inner = format!(
                "SELECT COUNT(*) + MAX(l{level}.n) AS n FROM teams LEFT JOIN LATERAL ({inner}) l{level} ON TRUE"
            );
        }
        inner
    };
    let eight = run(&mut db, &nested(8), json!([]));
    assert_eq!(eight, json!([{ "n": 4 + 8 * 3 }]));
    let error = refused(&mut db, &nested(9), json!([]));
    assert_eq!(error.code, ForgeSqlCode::InvalidSqlQuery, "{error}");
    assert!(error.message.contains("nest more than 8 deep"), "{error}");

    // A statement that reads a lateral's column many times at each level would grow past
    // SQLite's statement length with each copy: refused by name, not built.
    let mut inner = format!(
        "SELECT COUNT(*) AS n, '{}' AS pad FROM tasks",
        "x".repeat(2_000)
    );
    for level in 0..6 {
        let reads = vec![format!("l{level}.n"); 8].join(" + ");
        inner = format!(
            "SELECT COUNT(*) + MAX({reads}) AS n FROM teams LEFT JOIN LATERAL ({inner}) l{level} ON TRUE"
        );
    }
    let error = refused(&mut db, &inner, json!([]));
    assert_eq!(error.code, ForgeSqlCode::InvalidSqlQuery, "{error}");
    assert!(
        error.message.contains("would pass 2097152 bytes"),
        "{error}"
    );
}

#[test]
fn a_json_column_nested_in_a_json_function_is_its_document_as_in_mysql() {
    let mut db = database();
    let rows = run(
        &mut db,
        "SELECT json_array(k.id, k.meta) AS a, json_object('meta', k.meta, 'title', k.title) AS o, \
         (SELECT json_arrayagg(meta) FROM tasks WHERE id <= 2) AS agg, \
         (SELECT json_array(d.meta) FROM (SELECT * FROM tasks d0 WHERE d0.id = k.id LIMIT 1) d) AS derived \
         FROM tasks k WHERE k.id = 1",
        json!([]),
    );
    assert_eq!(
        rows,
        json!([{
            "a": [1, { "labels": ["infra"] }],
            "o": { "meta": { "labels": ["infra"] }, "title": "upgrade runtime" },
            "agg": [{ "labels": ["infra"] }, null],
            "derived": [{ "labels": ["infra"] }],
        }])
    );
    // A text column holding JSON's text stays a string, as MySQL nests a VARCHAR.
    let rows = run(
        &mut db,
        "SELECT json_array(title, '{\"a\":1}') AS a FROM tasks WHERE id = 1",
        json!([]),
    );
    assert_eq!(rows, json!([{ "a": ["upgrade runtime", "{\"a\":1}"] }]));
}

#[test]
fn laterals_run_in_each_select_of_a_union_and_only_in_queries() {
    let mut db = database();
    let one = "(SELECT COUNT(*) AS n FROM tasks WHERE team_id = t.id)";
    assert_eq!(
        run(
            &mut db,
            &format!(
                "SELECT t.name, k.n FROM teams t LEFT JOIN LATERAL {one} k ON TRUE WHERE t.id = 1 \
                 UNION ALL SELECT t.name, k.n FROM teams t LEFT JOIN LATERAL {one} k ON TRUE WHERE t.id = 3"
            ),
            json!([]),
        ),
        json!([{ "name": "platform", "n": 2 }, { "name": "idle", "n": 0 }])
    );
    let error = refused(
        &mut db,
        &format!(
            "DELETE FROM teams WHERE id IN (SELECT t.id FROM teams t LEFT JOIN LATERAL {one} k \
             ON TRUE WHERE k.n = 0)"
        ),
        json!([]),
    );
    assert_refused(&error, "not in a SELECT statement");
}

/// A lateral's aggregate may select an outer column (one value per outer row): TiDB's
/// ONLY_FULL_GROUP_BY takes it, so Kiln's check does not count it as the inner table's
/// column of the same name; the inner table's own bare column is still refused.
#[test]
fn an_aggregated_lateral_may_select_an_outer_column() {
    let mut db = database();
    assert_eq!(
        run(
            &mut db,
            "SELECT t.name, c.n, c.team FROM teams t LEFT JOIN LATERAL \
             (SELECT COUNT(*) AS n, t.id AS team FROM tasks k WHERE k.team_id = t.id + 0) c ON TRUE \
             WHERE t.id = 1",
            json!([]),
        ),
        json!([{ "name": "platform", "n": 2, "team": 1 }])
    );
    let error = refused(
        &mut db,
        "SELECT k.title, COUNT(*) AS n FROM tasks k",
        json!([]),
    );
    assert!(
        error.message.starts_with(
            "Error 1140 (42000): In aggregated query without GROUP BY, expression #1 of SELECT \
             list contains nonaggregated column 'forge.k.title'"
        ),
        "{error}"
    );
}
