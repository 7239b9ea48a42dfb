//! An app's result as the HTTP response, in Forge's two shapes:
//! - `dynamic`: the result is `{ statusCode, headers?: { name: [values] }, body?, statusText? }`
//!   (Forge: "if the function result is not compatible with the JSON format, then an error
//!   response with status code 500 is sent");
//! - `static`: the result is `{ outputKey }` and the response is that manifest output, so
//!   nothing the function read reaches the caller.
//!
//! The result is guest-controlled: every field is checked, and a bad one is a typed error
//! that the handler turns into a 500 without echoing the app's text to the caller.

use std::collections::BTreeMap;

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use kiln_manifest::{WebTriggerModule, WebTriggerResponseType};
use serde::Deserialize;

use crate::headers::passes_out;

/// Most headers an app may set on one response.
pub const MAX_RESPONSE_HEADERS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseShapeError {
    #[error("the result is not a web trigger response object")]
    NotAResponse,
    #[error("statusCode must be an integer from 100 to 599")]
    BadStatus,
    #[error("a response header name or value is not valid HTTP")]
    BadHeader,
    #[error("the response sets more than {MAX_RESPONSE_HEADERS} headers")]
    TooManyHeaders,
    #[error("the result names no output of this static web trigger")]
    UnknownOutput,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DynamicResult {
    status_code: serde_json::Value,
    #[serde(default)]
    headers: BTreeMap<String, HeaderValues>,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum HeaderValues {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StaticResult {
    output_key: String,
}

/// The HTTP response for the app's JSON `result`.
pub fn to_http(
    module: &WebTriggerModule,
    result: &str,
) -> Result<Response<String>, ResponseShapeError> {
    match module.response_type() {
        WebTriggerResponseType::Dynamic => dynamic(result),
        WebTriggerResponseType::Static => fixed(module, result),
    }
}

fn dynamic(result: &str) -> Result<Response<String>, ResponseShapeError> {
    let parsed: DynamicResult =
        serde_json::from_str(result).map_err(|_| ResponseShapeError::NotAResponse)?;
    let status = parsed
        .status_code
        .as_u64()
        .and_then(|code| u16::try_from(code).ok())
        .filter(|code| (100..=599).contains(code))
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or(ResponseShapeError::BadStatus)?;
    let mut response = Response::new(parsed.body.unwrap_or_default());
    *response.status_mut() = status;
    let mut count = 0usize;
    for (name, values) in parsed.headers {
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| ResponseShapeError::BadHeader)?;
        if !passes_out(&name) {
            continue;
        }
        let values = match values {
            HeaderValues::One(v) => vec![v],
            HeaderValues::Many(v) => v,
        };
        for value in values {
            count += 1;
            if count > MAX_RESPONSE_HEADERS {
                return Err(ResponseShapeError::TooManyHeaders);
            }
            let value = HeaderValue::from_str(&value).map_err(|_| ResponseShapeError::BadHeader)?;
            response.headers_mut().append(name.clone(), value);
        }
    }
    Ok(response)
}

fn fixed(module: &WebTriggerModule, result: &str) -> Result<Response<String>, ResponseShapeError> {
    let parsed: StaticResult =
        serde_json::from_str(result).map_err(|_| ResponseShapeError::UnknownOutput)?;
    let output = module
        .static_outputs()
        .iter()
        .find(|output| output.key == parsed.output_key)
        .ok_or(ResponseShapeError::UnknownOutput)?;
    let mut response = Response::new(output.body.clone().unwrap_or_default());
    *response.status_mut() =
        StatusCode::from_u16(output.status_code).map_err(|_| ResponseShapeError::BadStatus)?;
    if let Some(content_type) = &output.content_type {
        let value =
            HeaderValue::from_str(content_type).map_err(|_| ResponseShapeError::BadHeader)?;
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(yaml: &str) -> WebTriggerModule {
        serde_json::from_value(kiln_manifest::yaml::parse_yaml(yaml).unwrap()).unwrap()
    }

    #[test]
    fn dynamic_results_are_checked() {
        let m = module("key: w\nfunction: f\n");
        let ok = to_http(
            &m,
            r#"{"statusCode":201,"headers":{"Content-Type":["application/json"],"Set-Cookie":["a=b"],"X-One":"1"},"body":"{}"}"#,
        )
        .unwrap();
        assert_eq!(ok.status(), 201);
        assert_eq!(ok.headers()["content-type"], "application/json");
        assert_eq!(ok.headers()["x-one"], "1");
        assert!(ok.headers().get("set-cookie").is_none());
        for bad in [
            r#""just text""#,
            r#"{"statusCode":99}"#,
            r#"{"statusCode":"200"}"#,
            r#"{"statusCode":70000}"#,
            r#"{"statusCode":200,"headers":{"bad name":["x"]}}"#,
            r#"{"statusCode":200,"headers":{"x":["line\nbreak"]}}"#,
        ] {
            assert!(to_http(&m, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn static_results_pick_a_manifest_output() {
        let m = module(
            "key: w\nfunction: f\nresponse:\n  type: static\n  outputs:\n    - key: ok\n      statusCode: 204\n    - key: no\n      statusCode: 403\n      body: denied\n      contentType: text/plain\n",
        );
        assert_eq!(to_http(&m, r#"{"outputKey":"ok"}"#).unwrap().status(), 204);
        let no = to_http(&m, r#"{"outputKey":"no","body":"leak"}"#).unwrap();
        assert_eq!(no.status(), 403);
        assert_eq!(no.body(), "denied");
        assert_eq!(
            to_http(&m, r#"{"statusCode":200,"body":"leak"}"#).unwrap_err(),
            ResponseShapeError::UnknownOutput
        );
    }
}
