//! Whole responses of allowed calls, returned to the host test, which looks
//! for the credential in them: a host that echoed the `Authorization` header
//! or a token back through a response would show it here.

use kiln_sdk::raw::{self, RawRequest};
use kiln_sdk::{Method, Principal};
use serde_json::{Value, json};

/// Allowed reads that return user and site data.
const PATHS: &[&str] = &[
    "/rest/api/3/myself",
    "/rest/api/3/issue/KILN-1",
    "/rest/api/3/project/search",
];

pub fn fetch_all() -> Value {
    let responses: Vec<Value> = PATHS
        .iter()
        .map(|path| {
            let outcome = raw::request(RawRequest {
                principal: Principal::User,
                method: Method::Get,
                path: (*path).to_owned(),
                query: Vec::new(),
                headers: Vec::new(),
                body: None,
            });
            match outcome {
                Ok(response) => json!({
                    "path": path,
                    "status": response.status(),
                    "headers": response.headers(),
                    "body": String::from_utf8_lossy(response.bytes()),
                }),
                Err(error) => json!({ "path": path, "error": error.to_string() }),
            }
        })
        .collect();
    json!({ "responses": responses })
}
