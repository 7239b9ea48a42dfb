//! Sends exactly the `wasi:http` requests its payload describes, through the
//! raw `wasi:http/outgoing-handler`, so the host tests can try hostile
//! authorities, schemes, methods and headers and see what the *host* allows.
//!
//! Payload of `send`: `{"requests": [{"scheme": "https"|"http"|null,
//! "authority": "api.example.com:443", "method": "GET", "path": "/x",
//! "headers": [["k", "v"]], "body": "...", "body_len": n,
//! "body_after_answer": false}]}`. All requests are sent before any is
//! awaited (they are in flight together). With `body_after_answer` the body
//! is written only once the host has answered the request (a refusal is
//! quick), as an engine that streams a body in the background may.
//! Result: `{"results": [{"status": 200, "body": "..."} | {"error": "..."}]}`.

use kiln_sdk::prelude::*;
use kiln_sdk::raw::{self, RawRequest};
use serde::Deserialize;
use serde_json::{Value, json};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, FutureIncomingResponse, Headers, Method as HttpMethod, OutgoingBody,
    OutgoingRequest, Scheme,
};

#[derive(Deserialize)]
struct Batch {
    /// request-jira calls (`GET /rest/api/3/myself`) made first, to spend the
    /// invocation's shared budget.
    #[serde(default)]
    jira_calls: usize,
    requests: Vec<Call>,
}

#[derive(Deserialize)]
struct Call {
    #[serde(default)]
    scheme: Option<String>,
    #[serde(default)]
    authority: Option<String>,
    #[serde(default = "get")]
    method: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_len: Option<usize>,
    #[serde(default)]
    body_after_answer: bool,
}

fn get() -> String {
    "GET".to_owned()
}

#[kiln_sdk::handler]
fn send(batch: Batch) -> Result<Value, AppError> {
    let jira: Vec<Value> = (0..batch.jira_calls)
        .map(|_| {
            let request = RawRequest {
                principal: Principal::User,
                method: kiln_sdk::Method::Get,
                path: "/rest/api/3/myself".to_owned(),
                query: Vec::new(),
                headers: Vec::new(),
                body: None,
            };
            match raw::request(request) {
                Ok(response) => json!({ "status": response.status() }),
                Err(error) => json!({ "error": format!("{error:?}") }),
            }
        })
        .collect();
    let pending: Vec<Result<FutureIncomingResponse, String>> =
        batch.requests.iter().map(start).collect();
    let results: Vec<Value> = pending
        .into_iter()
        .map(|p| match p.and_then(finish) {
            Ok(value) => value,
            Err(error) => json!({ "error": error }),
        })
        .collect();
    Ok(json!({ "jira": jira, "results": results }))
}

fn start(call: &Call) -> Result<FutureIncomingResponse, String> {
    let headers = Headers::new();
    for (name, value) in &call.headers {
        headers
            .append(name, value.as_bytes())
            .map_err(|e| format!("header {name}: {e:?}"))?;
    }
    let request = OutgoingRequest::new(headers);
    let method = match call.method.as_str() {
        "GET" => HttpMethod::Get,
        "HEAD" => HttpMethod::Head,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "CONNECT" => HttpMethod::Connect,
        "OPTIONS" => HttpMethod::Options,
        "TRACE" => HttpMethod::Trace,
        "PATCH" => HttpMethod::Patch,
        other => HttpMethod::Other(other.to_owned()),
    };
    request
        .set_method(&method)
        .map_err(|()| "method refused by the guest bindings".to_owned())?;
    let scheme = call.scheme.as_deref().map(|s| match s {
        "https" => Scheme::Https,
        "http" => Scheme::Http,
        other => Scheme::Other(other.to_owned()),
    });
    request
        .set_scheme(scheme.as_ref())
        .map_err(|()| "scheme refused".to_owned())?;
    request
        .set_authority(call.authority.as_deref())
        .map_err(|()| "authority refused".to_owned())?;
    request
        .set_path_with_query(call.path.as_deref())
        .map_err(|()| "path refused".to_owned())?;
    let body_bytes = match (&call.body, call.body_len) {
        (Some(body), _) => Some(body.as_bytes().to_vec()),
        (None, Some(len)) => Some(vec![b'x'; len]),
        (None, None) => None,
    };
    let outgoing_body = request.body().map_err(|()| "no body".to_owned())?;
    let future = outgoing_handler::handle(request, None).map_err(describe)?;
    if call.body_after_answer {
        future.subscribe().block();
    }
    if let Some(bytes) = body_bytes {
        let stream = outgoing_body.write().map_err(|()| "no stream".to_owned())?;
        for chunk in bytes.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| format!("write: {e:?}"))?;
        }
        drop(stream);
    }
    OutgoingBody::finish(outgoing_body, None).map_err(describe)?;
    Ok(future)
}

fn finish(future: FutureIncomingResponse) -> Result<Value, String> {
    future.subscribe().block();
    let response = future
        .get()
        .ok_or("not ready")?
        .map_err(|()| "already taken")?
        .map_err(describe)?;
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .first()
        .map(|v| String::from_utf8_lossy(v).into_owned());
    let body = response.consume().map_err(|()| "no body")?;
    let stream = body.stream().map_err(|()| "no stream")?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(wasip2::io::streams::StreamError::Closed) => break,
            Err(wasip2::io::streams::StreamError::LastOperationFailed(e)) => {
                return Err(format!("body: {}", e.to_debug_string()));
            }
        }
    }
    Ok(json!({
        "status": status,
        "location": location,
        "body": String::from_utf8_lossy(&bytes),
    }))
}

fn describe(error: ErrorCode) -> String {
    format!("{error:?}")
}

kiln_sdk::export_app!(send);
