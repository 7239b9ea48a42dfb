//! The JSM Ops endpoints as `curl -u email:token` reaches them on a simulator
//! started the way `runtime sim --listen` starts it: plain HTTP/1.1 over a TCP
//! socket, the basic-auth header built by hand from the printed credentials, no
//! HTTP client library in between.

use crate::common;
use crate::ops::contract;

use base64::Engine as _;
use common::{ADMIN, OUTSIDER, USER, account_id, start};
use kiln_sim::Simulator;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// What `curl -s -w '%{http_code}'` would show: the status and the JSON body
/// (`Null` when there is none).
struct Answer {
    status: u16,
    body: Value,
}

/// One request on a fresh connection, as `curl` sends it with `-u` (when `as_user`
/// is given) and `-H 'Content-Type: application/json' -d BODY` (when `body` is).
async fn curl(
    sim: &Simulator,
    method: &str,
    path: &str,
    as_user: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let address = sim.base_url().trim_start_matches("http://");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nConnection: close\r\n"
    );
    if let Some(email) = as_user {
        let token = &sim.user(email).expect("seeded user").api_token;
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"));
        head.push_str(&format!("Authorization: Basic {credentials}\r\n"));
    }
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    if !payload.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));

    let mut stream = TcpStream::connect(address).await.expect("connects");
    stream
        .write_all(format!("{head}{payload}").as_bytes())
        .await
        .expect("request written");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("response read");
    let answer = parse(&raw);
    if path.starts_with("/jsm/ops/") {
        // Ops answers keep to the JSM Ops contract (an empty body is `Null`).
        let text = if answer.body.is_null() { "" } else { "{}" };
        contract::check(method, path, answer.status, &answer.body, text);
    }
    answer
}

/// Splits a `Connection: close` response into status and body, decoding a chunked
/// body if the server chose one.
fn parse(raw: &[u8]) -> Answer {
    let text = String::from_utf8(raw.to_vec()).expect("UTF-8 response");
    let (head, rest) = text.split_once("\r\n\r\n").expect("a header block");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let chunked = head
        .lines()
        .any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let content = if chunked {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    Answer {
        status,
        body: serde_json::from_str(&content).unwrap_or(Value::Null),
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut content = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        content.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    content
}

#[tokio::test]
async fn every_ops_endpoint_answers_a_curl_with_the_printed_credentials() {
    let sim = start().await;
    let ops = |rest: &str| format!("/jsm/ops/api/{}/v1{rest}", sim.cloud_id());

    let anonymous = curl(&sim, "GET", &ops("/teams"), None, None).await;
    assert_eq!(anonymous.status, 401);

    let teams = curl(&sim, "GET", &ops("/teams"), Some(ADMIN), None).await;
    assert_eq!(teams.status, 200);
    let team_id = teams.body["platformTeams"][0]["teamId"].clone();

    let schedule = json!({ "name": "Curl rota", "teamId": team_id });
    let refused = curl(
        &sim,
        "POST",
        &ops("/schedules"),
        Some(USER),
        Some(schedule.clone()),
    )
    .await;
    assert_eq!(refused.status, 403);
    let created = curl(
        &sim,
        "POST",
        &ops("/schedules"),
        Some(ADMIN),
        Some(schedule),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("schedule id").to_owned();
    let schedule_path = ops(&format!("/schedules/{id}"));
    for (method, body, expected) in [
        ("GET", None, 200),
        ("PATCH", Some(json!({ "description": "from curl" })), 200),
    ] {
        let answer = curl(&sim, method, &schedule_path, Some(ADMIN), body).await;
        assert_eq!(answer.status, expected, "{method} schedule");
    }
    let listed = curl(&sim, "GET", &ops("/schedules"), Some(ADMIN), None).await;
    assert_eq!(listed.status, 200);

    let rotation = json!({
        "name": "Weekly", "type": "weekly", "startDate": "2024-01-01T09:00:00Z",
        "participants": [
            { "id": account_id(&sim, ADMIN), "type": "user" },
            { "id": account_id(&sim, USER), "type": "user" },
        ],
    });
    let rotations = format!("{schedule_path}/rotations");
    let rotation = curl(&sim, "POST", &rotations, Some(ADMIN), Some(rotation)).await;
    assert_eq!(rotation.status, 201, "{}", rotation.body);
    let rotation_path = format!(
        "{rotations}/{}",
        rotation.body["id"].as_str().expect("rotation id")
    );
    assert_eq!(
        curl(&sim, "GET", &rotations, Some(ADMIN), None)
            .await
            .status,
        200
    );
    assert_eq!(
        curl(&sim, "GET", &rotation_path, Some(ADMIN), None)
            .await
            .status,
        200
    );
    let renamed = curl(
        &sim,
        "PATCH",
        &rotation_path,
        Some(ADMIN),
        Some(json!({ "name": "Weekly primary" })),
    )
    .await;
    assert_eq!(renamed.status, 200);

    let overrides = format!("{schedule_path}/overrides");
    let cover = json!({
        "responder": { "type": "user", "id": account_id(&sim, OUTSIDER) },
        "startDate": "2024-01-02T00:00:00Z", "endDate": "2024-01-03T00:00:00Z",
    });
    let created = curl(&sim, "POST", &overrides, Some(ADMIN), Some(cover.clone())).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        curl(&sim, "GET", &overrides, Some(ADMIN), None)
            .await
            .status,
        200
    );
    let cover_path = format!(
        "{overrides}/{}",
        created.body["alias"].as_str().expect("alias")
    );
    assert_eq!(
        curl(&sim, "GET", &cover_path, Some(ADMIN), None)
            .await
            .status,
        200
    );
    assert_eq!(
        curl(&sim, "PUT", &cover_path, Some(ADMIN), Some(cover))
            .await
            .status,
        200
    );

    let on_call = curl(
        &sim,
        "GET",
        &format!("{schedule_path}/on-calls?date=2024-01-02T12:00:00Z"),
        Some(USER),
        None,
    )
    .await;
    assert_eq!(on_call.status, 200);
    assert_eq!(
        on_call.body["onCallParticipants"][0]["id"],
        account_id(&sim, OUTSIDER)
    );

    let raised = curl(
        &sim,
        "POST",
        &ops("/alerts"),
        Some(USER),
        Some(json!({ "message": "curl alert" })),
    )
    .await;
    assert_eq!(raised.status, 200);
    let request_id = raised.body["requestId"].as_str().expect("request id");
    let request = curl(
        &sim,
        "GET",
        &ops(&format!("/alerts/requests/{request_id}")),
        Some(USER),
        None,
    )
    .await;
    assert_eq!(request.status, 200);
    let alert = ops(&format!(
        "/alerts/{}",
        request.body["alertId"].as_str().expect("alert id")
    ));
    assert_eq!(
        curl(&sim, "GET", &ops("/alerts"), Some(USER), None)
            .await
            .status,
        200
    );
    assert_eq!(
        curl(&sim, "GET", &alert, Some(USER), None).await.status,
        200
    );
    for action in ["acknowledge", "close"] {
        let answer = curl(
            &sim,
            "POST",
            &format!("{alert}/{action}"),
            Some(ADMIN),
            None,
        )
        .await;
        assert_eq!(answer.status, 202, "{action}");
    }

    for path in [&cover_path, &rotation_path, &schedule_path] {
        assert_eq!(
            curl(&sim, "DELETE", path, Some(ADMIN), None).await.status,
            204,
            "{path}"
        );
    }
    assert_eq!(
        curl(&sim, "GET", &schedule_path, Some(ADMIN), None)
            .await
            .status,
        404
    );
    sim.shutdown().await;
}
