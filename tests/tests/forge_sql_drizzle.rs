//! Forge SQL through drizzle-orm, end to end: the app `tests/js/forge-sql-drizzle`
//! bundles drizzle-orm 0.45.1 and `@forge/sql` 4.0.8 from its lockfile and
//! connects them as forge-sql-orm does (drizzle's `mysql-proxy` driver, rows
//! handed back as arrays that drizzle maps by position). Its schema is
//! drizzle-kit's DDL run by the migration runner, a second migration adding
//! columns as drizzle-kit writes them (`ADD `c` timestamp DEFAULT (now()) NOT
//! NULL`).
//!
//! drizzle's relational queries (`db.query.*.findMany({ with })`) write
//! `LEFT JOIN LATERAL (…) ON TRUE`, which Kiln runs as correlated scalar
//! subqueries (`state/src/forge_sql/lateral.rs`).
//!
//! The expectations are what the same statements answer on MySQL 8 (TiDB):
//! the SQL each call sends is drizzle's own, recorded by the app, so a
//! change in what drizzle writes shows here as well as a change in Kiln.

use serde_json::{Value, json};

use crate::support::{Harness, forge_example, ok_json};

/// Runs handler `key` in an invocation of its own (as each of Forge's is).
async fn call(h: &Harness, app: &kiln_runtime::LoadedApp, key: &str) -> Value {
    ok_json(&h.invoke(app, key, json!({})).await)
}

/// The statements drizzle sent for a handler, as the app recorded them.
fn sent(report: &Value) -> Vec<&str> {
    report["sent"]
        .as_array()
        .unwrap_or_else(|| panic!("sent: {report}"))
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

#[tokio::test]
async fn drizzle_orm_over_forge_sql_migrates_writes_and_reads_as_on_mysql() {
    let Some((h, app)) = forge_example::load_test_app("forge-sql-drizzle").await else {
        return;
    };

    // drizzle-kit's migrations, each statement once, the second adding
    // `created_at` (DEFAULT (now())) and `points` (NOT NULL, no default,
    // AFTER title) to `tasks`.
    let migrated = call(&h, &app, "migrate").await;
    let names = json!([
        "v001_teams",
        "v001_tasks",
        "v001_tasks_fk",
        "v001_tasks_status_idx",
        "v002_tasks_created_at",
        "v002_tasks_points"
    ]);
    assert_eq!(migrated["ok"]["ran"], names, "{migrated}");
    assert_eq!(migrated["ok"]["listed"], names, "{migrated}");
    let again = call(&h, &app, "migrate").await;
    assert_eq!(again["ok"]["ran"], json!([]), "{again}");

    // `$returningId()` reads MySQL's insertId, the FIRST id of a multi-row
    // insert; rows of one insert with different keys get DEFAULT where the
    // app gave nothing; the upsert's update counts 2.
    let seeded = call(&h, &app, "seed").await;
    assert_eq!(
        seeded["ok"],
        json!({
            "ids": [{ "id": 1 }, { "id": 2 }],
            "tasks": { "affectedRows": 3, "insertId": 1 },
            "upsert": { "affectedRows": 2 },
        }),
        "{seeded}"
    );
    let statements = sent(&seeded);
    assert!(
        statements[1].contains("(default, ?, ?, ?, default, ?, ?, default), (default, ?, ?, ?, ?, default, default, default)"),
        "drizzle wrote DEFAULT in some rows only: {}",
        statements[1]
    );
    assert!(
        statements[2].contains("values(`teams`.`name`)"),
        "{}",
        statements[2]
    );

    let read = call(&h, &app, "read").await;
    let ok = &read["ok"];
    // Whole rows, mapped by position: each value lands on its own field.
    // DECIMAL(6,2) as a string with its scale, JSON as its value, the
    // ENUM's default, `created_at` from its DEFAULT (now()).
    assert_eq!(
        ok["all"],
        json!([
            { "id": 1, "teamId": 1, "title": "upgrade runtime", "points": 5, "status": "todo",
              "estimate": "3.50", "meta": { "labels": ["infra"] }, "createdAtIsText": true },
            { "id": 2, "teamId": 1, "title": "rotate keys", "points": 3, "status": "doing",
              "estimate": null, "meta": null, "createdAtIsText": true },
            { "id": 3, "teamId": 2, "title": "ship 'triage' app", "points": 8, "status": "todo",
              "estimate": "12.00", "meta": { "labels": [] }, "createdAtIsText": true },
        ]),
        "{read}"
    );
    assert_eq!(
        ok["joined"],
        json!([
            { "team": "apps-2", "title": "ship 'triage' app", "points": 8 },
            { "team": "platform", "title": "upgrade runtime", "points": 5 },
        ]),
        "{read}"
    );
    // drizzle's sum() reads MySQL's DECIMAL sum as a string.
    assert_eq!(
        ok["perTeam"],
        json!([
            { "team": "apps-2", "tasks": 1, "points": "8" },
            { "team": "platform", "tasks": 2, "points": "8" },
        ]),
        "{read}"
    );
    assert_eq!(
        ok["nested"],
        json!([
            { "name": "platform", "tasks": [
                { "title": "upgrade runtime", "status": "todo" },
                { "title": "rotate keys", "status": "doing" },
            ] },
            { "name": "apps-2", "tasks": [{ "title": "ship 'triage' app", "status": "todo" }] },
        ]),
        "{read}"
    );

    // drizzle's relational queries (`db.query`): each relation's rows nested
    // as JSON in a `LEFT JOIN LATERAL (…) ON TRUE`, which Kiln runs as
    // correlated scalar subqueries; the rows are MySQL's.
    let relational = call(&h, &app, "relational").await;
    let ok = &relational["ok"];
    assert_eq!(
        ok["teamsWithTasks"],
        json!([
            // The `json()` column nests as its document, as MySQL nests it.
            { "id": 1, "name": "platform", "tasks": [
                { "title": "upgrade runtime", "status": "todo", "points": 5,
                  "meta": { "labels": ["infra"] } },
                { "title": "rotate keys", "status": "doing", "points": 3, "meta": null },
            ] },
            { "id": 2, "name": "apps-2", "tasks": [
                { "title": "ship 'triage' app", "status": "todo", "points": 8,
                  "meta": { "labels": [] } },
            ] },
        ]),
        "{relational}"
    );
    assert_eq!(
        ok["tasksWithTeam"],
        json!([
            { "id": 1, "title": "upgrade runtime", "team": { "id": 1, "name": "platform" } },
            { "id": 2, "title": "rotate keys", "team": { "id": 1, "name": "platform" } },
            { "id": 3, "title": "ship 'triage' app", "team": { "id": 2, "name": "apps-2" } },
        ]),
        "{relational}"
    );
    assert_eq!(
        ok["nested"],
        json!([
            { "name": "platform", "tasks": [
                { "title": "upgrade runtime", "team": { "name": "platform" } },
                { "title": "rotate keys", "team": { "name": "platform" } },
            ] },
            { "name": "apps-2", "tasks": [
                { "title": "ship 'triage' app", "team": { "name": "apps-2" } },
            ] },
        ]),
        "{relational}"
    );
    // The relation's `where`, `orderBy` and `limit`: the highest-pointed task.
    assert_eq!(
        ok["first"],
        json!({ "id": 1, "name": "platform", "tasks": [{ "title": "upgrade runtime", "points": 5 }] }),
        "{relational}"
    );
    assert_eq!(
        ok["extras"],
        json!([{ "id": 1, "shout": "UPGRADE RUNTIME" }]),
        "{relational}"
    );
    // What drizzle sent: its lateral joins, the one-to-one's `limit ?`, and a
    // lateral inside a lateral for the nested relation.
    let statements = sent(&relational);
    assert_eq!(
        statements[0],
        "select `teams`.`id`, `teams`.`name`, `teams_tasks`.`data` as `tasks` from `teams` \
         `teams` left join lateral (select coalesce(json_arrayagg(json_array(`teams_tasks`.\
         `title`, `teams_tasks`.`status`, `teams_tasks`.`points`, `teams_tasks`.`meta`)), \
         json_array()) as `data` from \
         `tasks` `teams_tasks` where `teams_tasks`.`team_id` = `teams`.`id`) `teams_tasks` on \
         true order by `teams`.`id` asc",
        "{relational}"
    );
    assert!(
        statements[1].contains(
            "left join lateral (select json_array(`tasks_team`.`id`, `tasks_team`.`name`) as \
             `data` from (select * from `teams` `tasks_team` where `tasks_team`.`id` = \
             `tasks`.`team_id` limit ?) `tasks_team`) `tasks_team` on true"
        ),
        "{}",
        statements[1]
    );
    assert_eq!(
        statements[2].matches("left join lateral").count(),
        2,
        "{}",
        statements[2]
    );
    assert!(
        statements[3].contains("row_number() over (order by `teams_tasks`.`points` desc)"),
        "{}",
        statements[3]
    );

    // An update's header (the rows it matched, and those it changed: none
    // when it sets the values they hold). The foreign key drizzle-kit added
    // with ON DELETE cascade is kept and, as on Forge SQL, cascades nothing:
    // the team's two tasks stay until the app deletes them.
    let changed = call(&h, &app, "change").await;
    assert_eq!(
        changed["ok"],
        json!({
            "updated": { "affectedRows": 1, "changedRows": 1 },
            "unchanged": { "affectedRows": 1, "changedRows": 0 },
            "deleted": 1,
            "tasksAfterDelete": 3,
            "orphansDeleted": 2,
            "left": [{ "title": "ship 'triage' app", "status": "todo", "points": 8 }],
        }),
        "{changed}"
    );

    // What MySQL refuses reaches the app as drizzle's error around
    // @forge/sql's, with MySQL's number in the message.
    let failures = call(&h, &app, "failures").await;
    for (case, number) in [
        ("duplicate", "Error 1062"),
        ("tooLong", "Error 1406"),
        ("badStatus", "Error 1265"),
        ("noDefault", "Error 1364"),
    ] {
        let err = &failures[case]["err"];
        assert_eq!(err["className"], "_DrizzleQueryError", "{case}: {failures}");
        assert_eq!(err["code"], "SQL_EXECUTION_ERROR", "{case}: {failures}");
        let cause = err["cause"].as_str().unwrap_or_default();
        assert!(cause.starts_with(number), "{case}: {cause}");
    }
    // A task naming no team is stored: Forge SQL checks no foreign key.
    assert_eq!(failures["orphan"]["ok"][0]["affectedRows"], 1, "{failures}");
    // The key by the name drizzle-kit gave it, as MySQL words it.
    let duplicate = failures["duplicate"]["err"]["cause"]
        .as_str()
        .unwrap_or_default();
    assert!(
        duplicate.contains("for key 'teams.teams_name_unique'"),
        "{duplicate}"
    );
    h.assert_jira_untouched();
}
