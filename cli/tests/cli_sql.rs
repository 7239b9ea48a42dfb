//! `runtime sql` through the real binary, as a developer uses it on the database `runtime run`
//! keeps for an app: schema scripts and bound statements run as the app's own would, answers
//! keep the select list's order, the database's refusals exit 1 with Forge's code and MySQL's
//! number, a data statement for an app with no database creates none, and the app's values are
//! escaped before they reach the terminal.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::repo;

fn runtime(state: &Path, args: &[&str]) -> Output {
    let mut command = crate::support::runtime();
    command
        .arg("sql")
        .args(args)
        .arg(format!("--storage={}", state.display()))
        .current_dir(repo());
    command.output().expect("the runtime binary starts")
}

#[track_caller]
fn exits(output: &Output, code: i32) -> (String, String) {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    (stdout, stderr)
}

#[test]
fn statements_run_on_the_apps_database_and_answer_as_forge_sql() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    let forge_sql = dir.path().join("forge-sql");

    // No database yet: a data statement is refused and makes none.
    let (_, stderr) = exits(&runtime(&state, &["notes-app", "SELECT 1"]), 2);
    assert!(stderr.contains("no Forge SQL database"), "{stderr}");
    assert!(!forge_sql.exists() || std::fs::read_dir(&forge_sql).unwrap().count() == 0);

    exits(
        &runtime(
            &state,
            &[
                "notes-app",
                "--schema",
                "CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(40) NOT NULL, \
                 body TEXT); CREATE INDEX idx_title ON notes (title);",
            ],
        ),
        0,
    );
    let (stdout, _) = exits(
        &runtime(
            &state,
            &[
                "notes-app",
                "INSERT INTO notes (title, body) VALUES (?, ?)",
                "--params",
                "[\"first\", \"\\u001b[31mred\\u202e\"]",
            ],
        ),
        0,
    );
    let header: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(header["rows"]["insertId"], 1, "{stdout}");

    let (stdout, _) = exits(
        &runtime(&state, &["notes-app", "SELECT body, title, id FROM notes"]),
        0,
    );
    assert!(
        stdout.starts_with(r#"{"rows":[{"body":"#),
        "the select list's order: {stdout}"
    );
    assert!(stdout.find("\"title\"") < stdout.find("\"id\""), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'),
        "{stdout:?}"
    );
    let rows: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(rows["rows"][0]["body"], "\u{1b}[31mred\u{202e}");

    // The database's refusal: exit 1, Forge's code and MySQL's number.
    let (_, stderr) = exits(&runtime(&state, &["notes-app", "SELECT * FROM missing"]), 1);
    assert!(stderr.contains("SQL_EXECUTION_ERROR"), "{stderr}");
    assert!(stderr.contains("Error 1146"), "{stderr}");
    let (_, stderr) = exits(
        &runtime(&state, &["notes-app", "PRAGMA table_info(notes)"]),
        1,
    );
    assert!(stderr.contains("INVALID_SQL_QUERY"), "{stderr}");

    // Another app's database is its own.
    let (_, stderr) = exits(&runtime(&state, &["other-app", "SELECT * FROM notes"]), 2);
    assert!(stderr.contains("other-app"), "{stderr}");

    // Parameters that are not an array are bad input.
    exits(
        &runtime(&state, &["notes-app", "SELECT ?", "--params", "{}"]),
        2,
    );
}
