//! Injected faults, switched at run time. No test measures time: each checks what
//! the client observes.

use crate::common;

use std::time::Duration;

use common::{ADMIN, account_id, caller, start, start_with};
use kiln_sim::{Faults, SimConfig};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn server_errors_and_rate_limits_answer_instead_of_the_handler() {
    let sim = start().await;
    sim.set_faults(Faults {
        status_5xx: Some(503),
        ..Faults::default()
    });
    let unavailable = caller(&sim, ADMIN).get("/rest/api/3/myself").await;
    assert_eq!(unavailable.status, StatusCode::SERVICE_UNAVAILABLE);

    sim.set_faults(Faults {
        rate_limit: Some(7),
        ..Faults::default()
    });
    let limited = caller(&sim, ADMIN).get("/rest/api/3/myself").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["retry-after"], "7");

    sim.set_faults(Faults::default());
    let healthy = caller(&sim, ADMIN).get("/rest/api/3/myself").await;
    assert_eq!(healthy.status, StatusCode::OK);

    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 429, 200]);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_redirect_points_off_site_and_is_not_followed() {
    let sim = start().await;
    sim.set_faults(Faults {
        redirect_to: Some(String::from("http://127.0.0.2:9")),
        ..Faults::default()
    });
    let response = caller(&sim, ADMIN).get("/rest/api/3/issue/KILN-1").await;
    assert_eq!(response.status, StatusCode::FOUND);
    assert_eq!(
        response.headers["location"],
        "http://127.0.0.2:9/rest/api/3/issue/KILN-1"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_oversized_body_is_exactly_the_size_asked() {
    let sim = start().await;
    let size = 3 * 64 * 1024 + 17;
    sim.set_faults(Faults {
        oversized_body: Some(size),
        ..Faults::default()
    });
    let response = caller(&sim, ADMIN).get("/rest/api/3/myself").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text.len(), size);
    assert!(response.body["padding"].is_string(), "still valid JSON");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_trickling_body_keeps_sending_and_shutdown_still_completes() {
    let sim = start().await;
    sim.set_faults(Faults {
        trickle_body: true,
        ..Faults::default()
    });
    let mut response = caller(&sim, ADMIN)
        .request(Method::GET, "/rest/api/3/myself")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    // The body never ends: after many chunks it is still open.
    let mut received = 0;
    for _ in 0..5 {
        let chunk = response
            .chunk()
            .await
            .expect("readable")
            .expect("the body has not ended");
        received += chunk.len();
    }
    assert!(received >= 5);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_reset_connection_gets_no_answer_but_is_logged() {
    let sim = start().await;
    sim.set_faults(Faults {
        reset_connection: true,
        ..Faults::default()
    });
    let error = caller(&sim, ADMIN)
        .request(Method::GET, "/rest/api/3/issue/KILN-2?fields=summary")
        .send()
        .await
        .expect_err("the connection is reset");
    assert!(!error.is_status(), "{error}");
    let logged = sim.requests();
    let entry = logged.last().expect("the request head was logged");
    assert_eq!(
        (entry.path.as_str(), entry.query.as_deref(), entry.status),
        ("/rest/api/3/issue/KILN-2", Some("fields=summary"), 0)
    );
    assert_eq!(
        entry.account_id.as_deref(),
        Some(account_id(&sim, ADMIN).as_str())
    );

    sim.set_faults(Faults::default());
    let healthy = caller(&sim, ADMIN).get("/rest/api/3/myself").await;
    assert_eq!(healthy.status, StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_delays_but_does_not_change_the_answer() {
    let config = SimConfig {
        faults: Faults {
            latency: Some(Duration::from_millis(20)),
            ..Faults::default()
        },
        ..SimConfig::default()
    };
    let sim = start_with(config).await;
    let response = caller(&sim, ADMIN).get("/rest/api/3/myself").await;
    assert_eq!(response.status, StatusCode::OK);
    sim.shutdown().await;
}
