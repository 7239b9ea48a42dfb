//! A component built from the frozen `wit/0.1.0` with raw wit-bindgen
//! bindings: the host tests' proof that 0.1.0 apps keep loading and running
//! unchanged beside 0.2.0 ones, whatever the SDK (which follows the newest
//! world) becomes.
//!
//! Handlers: `context` returns 0.1.0's context record as JSON; `myself`
//! calls `GET /rest/api/3/myself` and returns `{"status"}` or
//! `{"err": kind}`; `log` logs `payload.message` at info.

wit_bindgen::generate!({
    path: "../../../wit/0.1.0",
    world: "app",
    generate_all,
});

use kiln::app::jira;
use kiln::app::log;
use kiln::app::types::{AppError, Context, Level, Method, Principal, Request, RequestError};
use serde_json::{Value, json};

struct Component;

export!(Component);

impl exports::kiln::app::handler::Guest for Component {
    fn handle(handler: String, payload: String, context: Context) -> Result<String, AppError> {
        let payload: Value =
            serde_json::from_str(&payload).map_err(|e| AppError::InvalidPayload(e.to_string()))?;
        let result = match handler.as_str() {
            "context" => json!({
                "invocation_id": context.invocation_id,
                "account_id": context.account_id,
                "cloud_id": context.cloud_id,
                "site_url": context.site_url,
                "module_key": context.module_key,
            }),
            "myself" => {
                let request = Request {
                    principal: Principal::User,
                    method: Method::Get,
                    path: "/rest/api/3/myself".into(),
                    query: Vec::new(),
                    headers: Vec::new(),
                    body: None,
                };
                match jira::request_jira(&request) {
                    Ok(response) => json!({"status": response.status}),
                    Err(RequestError::ScopeDenied(denied)) => {
                        json!({"err": "scope-denied", "missing": denied.missing})
                    }
                    Err(_) => json!({"err": "other"}),
                }
            }
            "log" => {
                log::log(Level::Info, payload["message"].as_str().unwrap_or_default());
                Value::Null
            }
            other => return Err(AppError::UnknownFunction(other.to_owned())),
        };
        Ok(result.to_string())
    }
}
