//! A failing Jira while serve registers a 3LO site's dynamic webhook: rate limited (429
//! with `Retry-After`), then broken (503), then well again. serve keeps serving, shows each
//! failure (the admin API's `GET /v1/webhooks`, `kiln_webhook_registrations{site,state}`),
//! backs off on its own clock (30 s, then 60 s) and registers once Jira answers.

use std::time::Duration;

use kiln_sim::Faults;
use serde_json::json;

use crate::support::metrics;
use crate::support::{self, admin, client, wait_for};
use crate::three_legged::{free_port, logged_in_site, registrations};

#[test]
fn a_failing_jira_is_retried_with_backoff_shown_and_survived() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let site = logged_in_site(&runtime, dir.path());
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let config = site.config(
        dir.path(),
        &format!("127.0.0.1:{port}"),
        &public,
        "state.sqlite3",
    );
    // Every call to the site is answered 429, Retry-After 1 s.
    site.sim.set_faults(Faults {
        rate_limit: Some(1),
        ..Faults::default()
    });
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let serve =
        support::spawn_config(&config, &["--manual-clock", &start.to_string()], None).serving();
    let listed = |field: &str| registrations(&serve)["webhooks"][0][field].clone();
    wait_for("the first failure", || listed("failures") == 1);
    assert_eq!(listed("state"), "failing");
    assert!(
        listed("lastError").as_str().unwrap().contains("429"),
        "{}",
        listed("lastError")
    );
    // 30 s by serve's clock (more than the 1 s Jira asked for).
    assert_eq!(listed("nextAttemptAt").as_i64().unwrap(), start + 30_000);
    assert!(
        metrics(&serve).contains("kiln_webhook_registrations{site=\"cloud\",state=\"failing\"} 1"),
        "{}",
        metrics(&serve)
    );
    let healthy = client()
        .get(format!("{}/healthz", serve.url()))
        .send()
        .unwrap();
    assert_eq!(healthy.status().as_u16(), 200, "serve keeps serving");

    // Not before the backoff ends, however often it looks.
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(listed("failures"), 1);

    // Broken (503) at the next attempt: the backoff doubles.
    site.sim.set_faults(Faults {
        status_5xx: Some(503),
        ..Faults::default()
    });
    admin(&serve, "/v1/clock", &json!({ "advanceMs": 30_000 }));
    wait_for("the second failure", || listed("failures") == 2);
    assert!(listed("lastError").as_str().unwrap().contains("503"));
    assert_eq!(
        listed("nextAttemptAt").as_i64().unwrap(),
        start + 30_000 + 60_000
    );

    // Well again: registered at the next attempt, the failure cleared.
    site.sim.set_faults(Faults::default());
    admin(&serve, "/v1/clock", &json!({ "advanceMs": 60_000 }));
    wait_for("the registration", || listed("state") == "registered");
    assert_eq!(listed("failures"), 0);
    assert_eq!(listed("lastError"), "");
    assert_eq!(site.webhooks().len(), 1);
    assert!(
        metrics(&serve).contains("kiln_webhook_registrations{site=\"cloud\",state=\"failing\"} 0")
    );
    drop(serve);
}

/// The login is revoked (its refresh token was used twice: Atlassian's rotating tokens then
/// revoke the whole family). The refresh serve owes Jira fails as an authentication
/// failure, which is listed as such and retried, never crash-looped.
#[test]
fn a_revoked_login_is_shown_and_retried_not_fatal() {
    const DAY_MS: i64 = 86_400_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let site = logged_in_site(&runtime, dir.path());
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let config = site.config(
        dir.path(),
        &format!("127.0.0.1:{port}"),
        &public,
        "state.sqlite3",
    );
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let serve =
        support::spawn_config(&config, &["--manual-clock", &start.to_string()], None).serving();
    let listed = |field: &str| registrations(&serve)["webhooks"][0][field].clone();
    wait_for("the registration", || listed("state") == "registered");

    let oauth = site.sim.oauth_client();
    let refresh = || {
        client()
            .post(format!("{}/oauth/token", site.base))
            .json(&json!({
                "grant_type": "refresh_token",
                "client_id": oauth.client_id,
                "client_secret": oauth.client_secret,
                "refresh_token": site.refresh,
            }))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(refresh(), 200);
    assert_ne!(refresh(), 200, "a reused refresh token is refused");

    // The refresh is due: Jira says 401, the login cannot renew.
    admin(&serve, "/v1/clock", &json!({ "advanceMs": 21 * DAY_MS }));
    wait_for("the failure", || listed("state") == "failing");
    let error = listed("lastError");
    assert!(error.as_str().unwrap().contains("log in again"), "{error}");
    assert_eq!(listed("failures"), 1);
    let healthy = client()
        .get(format!("{}/healthz", serve.url()))
        .send()
        .unwrap();
    assert_eq!(healthy.status().as_u16(), 200, "serve keeps serving");
    // Retried after the backoff, failing the same way.
    admin(&serve, "/v1/clock", &json!({ "advanceMs": 30_000 }));
    wait_for("the retry", || listed("failures") == 2);
    drop(serve);
}

/// Two replicas whose clocks disagree by two minutes (more than the 60 s lease) start
/// together on one PostgreSQL against a slow site (3 s per call): the one ahead may take the
/// site's lease over while the other is still registering. Whichever way the race goes, the
/// site ends with one webhook: a replica that registered and then found its lease taken
/// stores nothing and deletes what it registered.
#[test]
fn a_lease_taken_over_mid_registration_leaves_one_webhook() {
    let Some(database) = support::fresh_postgres_database() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let site = logged_in_site(&runtime, dir.path());
    site.sim.set_faults(Faults {
        latency: Some(Duration::from_secs(3)),
        ..Faults::default()
    });
    let (a, b) = (free_port(), free_port());
    let public = format!("http://127.0.0.1:{a}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let logs = [dir.path().join("a.log"), dir.path().join("b.log")];
    let starting: Vec<_> = [(a, now), (b, now + 120_000)]
        .iter()
        .zip(&logs)
        .map(|((port, clock), log)| {
            let config = site.config(dir.path(), &format!("127.0.0.1:{port}"), &public, &database);
            support::spawn_config(&config, &["--manual-clock", &clock.to_string()], Some(log))
        })
        .collect();
    let replicas: Vec<_> = starting.into_iter().map(|s| s.serving()).collect();
    let registered = || -> usize {
        logs.iter()
            .map(|log| support::log_entries(log, "dynamic webhooks registered").len())
            .sum()
    };
    wait_for("a registration", || registered() >= 1);
    // Every call in flight has finished (3 s each) and both replicas looked again.
    std::thread::sleep(Duration::from_secs(15));
    site.sim.set_faults(Faults::default());
    let hooks = site.webhooks();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    let undone: usize = logs
        .iter()
        .map(|log| {
            support::log_entries(
                log,
                "the site's webhook lease was taken over; undoing this replica's registration",
            )
            .len()
        })
        .sum();
    eprintln!(
        "registrations: {}, undone after a takeover: {undone}",
        registered()
    );
    assert_eq!(
        registered(),
        1 + undone,
        "every registration but the stored one was undone"
    );
    drop(replicas);
}
