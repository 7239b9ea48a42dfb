//! Async events under `runtime serve`: the real binary, the embedded simulator, and
//! serve-app's `fan-out-in` web trigger pushing to its `comments` queue, whose consumer
//! comments on an issue: the comment is the proof the consumer ran, with what.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test serve queues::`.

use serde_json::{Value, json};

use crate::support::*;

fn trigger_url(serve: &Serve, key: &str) -> String {
    serve.line("webtrigger", Some(key))["url"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Pushes through serve-app's `fan-out-in` web trigger; the job id.
fn fan_out(serve: &Serve, asked: Value) -> String {
    fan_out_at(&trigger_url(serve, "fan-out-in"), asked)
}

fn fan_out_at(url: &str, asked: Value) -> String {
    let response = client().post(url).body(asked.to_string()).send().unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().unwrap();
    answer["job"].as_str().expect("a job id").to_owned()
}

fn job_stats(serve: &Serve, job: &str) -> Value {
    job_stats_at(&trigger_url(serve, "job-in"), job)
}

/// The stats of `job`, through serve-app's `job-in` web trigger at `url`.
fn job_stats_at(url: &str, job: &str) -> Value {
    client()
        .get(format!("{url}?job={job}"))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

fn queued_comments(serve: &Serve, issue: &str) -> Vec<String> {
    let (base, email, token) = serve.sim();
    comment_bodies(&base, &email, &token, issue)
        .into_iter()
        .filter(|c| c.contains("serve-app queued"))
        .collect()
}

#[test]
fn pushed_events_run_on_their_consumer_and_the_job_counts_them() {
    let serve = Serve::start("");
    let consumer = serve.line("consumer", Some("comment-consumer"));
    assert_eq!(
        (&consumer["queue"], &consumer["app"]),
        (&json!("comments"), &json!("serve-app"))
    );
    let job = fan_out(&serve, json!({"issue": "KILN-2", "count": 3}));
    wait_for("three consumer runs", || {
        queued_comments(&serve, "KILN-2").len() == 3
    });
    let comments = queued_comments(&serve, "KILN-2");
    for n in 0..3 {
        assert!(
            comments
                .iter()
                .any(|c| c.contains(&format!("queued {n} of job {job} retries 0"))),
            "{comments:?}"
        );
    }
    wait_for("the job's stats", || {
        job_stats(&serve, &job) == json!({"success": 3, "inProgress": 0, "failed": 0})
    });
}

#[test]
fn a_consumer_asking_for_a_retry_gets_its_event_again_with_the_retry_context() {
    let serve = Serve::start("");
    let job = fan_out(
        &serve,
        json!({"issue": "KILN-3", "count": 1, "retry_until": 2}),
    );
    wait_for("the consumer after two retries", || {
        !queued_comments(&serve, "KILN-3").is_empty()
    });
    let comments = queued_comments(&serve, "KILN-3");
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(
        comments[0].contains(&format!(
            "queued 0 of job {job} retries 2 reason FUNCTION_RETRY_REQUEST data {{\\\"seen\\\":1}}"
        )),
        "{comments:?}"
    );
    wait_for("the job's stats", || {
        job_stats(&serve, &job) == json!({"success": 1, "inProgress": 0, "failed": 0})
    });
}

#[test]
fn a_delayed_event_waits_for_its_time_on_the_servers_clock_and_survives_a_restart() {
    const MINUTE: i64 = 60_000;
    let dir = tempfile::tempdir().unwrap();
    let start = 1_900_000_000_000i64;
    let clock = start.to_string();
    let serve = Serve::start_with(dir.path(), "", None, &["--manual-clock", &clock]);
    // Printed at the first start only, when the ids are issued; they stay valid.
    let job_url = trigger_url(&serve, "job-in");
    let job = fan_out(&serve, json!({"issue": "KILN-4", "count": 2, "delay": 300}));
    assert_eq!(
        job_stats_at(&job_url, &job),
        json!({"success": 0, "inProgress": 2, "failed": 0})
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(
        queued_comments(&serve, "KILN-4").is_empty(),
        "not before its time"
    );

    // Stopped and started again: the queued events are still there, still waiting.
    drop(serve);
    let serve = Serve::start_with(dir.path(), "", None, &["--manual-clock", &clock]);
    let job_url = job_url.replacen(&job_url[..job_url.find("/x1/").unwrap()], &serve.url(), 1);
    assert_eq!(
        job_stats_at(&job_url, &job),
        json!({"success": 0, "inProgress": 2, "failed": 0})
    );
    admin(&serve, "/v1/clock", &json!({ "advanceMs": 5 * MINUTE }));
    wait_for("both delayed events", || {
        queued_comments(&serve, "KILN-4").len() == 2
    });
}

/// The dead letters `GET /v1/dead-letters` lists.
fn dead_letters(serve: &Serve) -> Vec<Value> {
    admin_list(serve, "/v1/dead-letters", "deadLetters")
}

#[test]
fn a_dead_letter_names_the_job_and_queue_it_was_pushed_in() {
    let serve = Serve::start("");
    // Asks for more retries than its 5 attempts allow (1 s apart): dead after the fifth.
    let job = fan_out(
        &serve,
        json!({"issue": "KILN-5", "count": 1, "retry_until": 9}),
    );
    wait_for("the job's failure", || {
        job_stats(&serve, &job) == json!({"success": 0, "inProgress": 0, "failed": 1})
    });
    let dead = dead_letters(&serve);
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(
        (&dead[0]["job"], &dead[0]["queue"], &dead[0]["module"]),
        (&json!(job), &json!("comments"), &json!("comment-consumer")),
        "{dead:?}"
    );
    assert_eq!(dead[0]["attempts"], json!(5), "{dead:?}");
    assert!(queued_comments(&serve, "KILN-5").is_empty());
}
