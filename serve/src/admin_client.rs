//! The admin API's client side, for `runtime webtrigger`: asks a running server to issue a
//! web trigger URL (as `forge webtrigger` does). Only loopback or explicit URLs; the token
//! goes in the `Authorization` header and nowhere else.

use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AdminClientError {
    #[error("cannot reach the admin API at {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("the admin API refused ({status}): {message}")]
    Refused { status: u16, message: String },
}

/// Issues a new URL for web trigger `key` of `app` (the previous URL stops working).
pub async fn issue_web_trigger(
    admin_url: &str,
    token: &str,
    app: &str,
    key: &str,
    site: Option<&str>,
    environment: Option<&str>,
) -> Result<String, AdminClientError> {
    let url = format!("{}/v1/webtriggers", admin_url.trim_end_matches('/'));
    let unreachable = |e: reqwest::Error| AdminClientError::Unreachable {
        url: admin_url.to_owned(),
        message: e.to_string(),
    };
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(unreachable)?;
    let response = client
        .post(&url)
        .bearer_auth(token)
        .json(&json!({ "app": app, "key": key, "site": site, "environment": environment }))
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if !status.is_success() {
        return Err(AdminClientError::Refused {
            status: status.as_u16(),
            message: body["error"]
                .as_str()
                .unwrap_or("no reason given")
                .to_owned(),
        });
    }
    body["url"]
        .as_str()
        .map(str::to_owned)
        .ok_or(AdminClientError::Refused {
            status: status.as_u16(),
            message: "no url in the answer".into(),
        })
}
