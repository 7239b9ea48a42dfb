//! An app's result as the HTTP response, in Forge's two shapes:
//! - `dynamic`: the result is `{ statusCode, headers?: { name: [values] }, body?, statusText? }`
//!   (Forge: "if the function result is not compatible with the JSON format, then an error
//!   response with status code 500 is sent");
//! - `static`: the result is `{ outputKey }` and the response is that manifest output, so
//!   nothing the function read reaches the caller.
//!
//! The result is guest-controlled: every field is checked, and a bad one is a typed error
//! that the handler turns into a 500 without echoing the app's text to the caller.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use kiln_manifest::{WebTriggerModule, WebTriggerResponseType};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use crate::headers::passes_out;

/// Most headers an app may set on one response.
pub const MAX_RESPONSE_HEADERS: usize = 32;

/// Longest `statusText` an app may give, in bytes: a reason phrase is a few words, and
/// it travels in the status line, which clients and proxies read into small buffers.
pub const MAX_STATUS_TEXT_BYTES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseShapeError {
    /// The runtime leaves the result's syntax to this parse
    /// ([`kiln_runtime::ResultCheck::ParsedByCaller`]): this is the app's bad result, not a
    /// bad response.
    #[error("the result is not valid JSON")]
    NotJson,
    #[error("the result is not a web trigger response object")]
    NotAResponse,
    #[error("the result is not an object: a web trigger returns {{ statusCode, headers, body }}")]
    NotAnObject,
    #[error("body must be a string (JSON.stringify an object first)")]
    BodyNotAString,
    #[error("headers must be an object mapping each name to a string or a list of strings")]
    BadHeaders,
    #[error("statusCode must be an integer from 100 to 599")]
    BadStatus,
    #[error("a response header name or value is not valid HTTP")]
    BadHeader,
    #[error("the response sets more than {MAX_RESPONSE_HEADERS} headers")]
    TooManyHeaders,
    #[error(
        "statusText must be at most {MAX_STATUS_TEXT_BYTES} bytes of text without line breaks or control characters"
    )]
    BadStatusText,
    #[error("the result names no output of this static web trigger")]
    UnknownOutput,
}

/// Names and values are borrowed from the result where they hold no JSON escape: the
/// result is read on every request, and a header set is a handful of short strings.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DynamicResult<'a> {
    status_code: serde_json::Value,
    #[serde(default, borrow)]
    headers: BTreeMap<Text<'a>, HeaderValues<'a>>,
    #[serde(default)]
    body: Option<String>,
    /// Forge's "text returned to communicate status": the status line's reason phrase.
    #[serde(default)]
    status_text: Option<String>,
}

/// A header's value or values: `"v"` or `["v", …]`, nothing else.
///
/// By hand rather than `#[serde(untagged)]`, which buffers each value into serde's
/// private `Content` tree (allocations per value) to try the variants in turn; this
/// accepts exactly what the untagged enum did (a string, or an array of strings).
enum HeaderValues<'a> {
    One(Text<'a>),
    Many(Vec<Text<'a>>),
}

/// A string of the result, borrowed when it holds no escape. (serde's own `Cow<str>`
/// always copies outside a struct field marked `borrow`, as in a map key or an array.)
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(value)))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for HeaderValues<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HeaderValuesVisitor(PhantomData))
    }
}

struct HeaderValuesVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for HeaderValuesVisitor<'a> {
    type Value = HeaderValues<'a>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a header value or an array of header values")
    }

    // One value: read as `Text` reads a string, borrowed or not.
    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        TextVisitor(PhantomData)
            .visit_borrowed_str(value)
            .map(HeaderValues::One)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        TextVisitor(PhantomData)
            .visit_str(value)
            .map(HeaderValues::One)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        TextVisitor(PhantomData)
            .visit_string(value)
            .map(HeaderValues::One)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // At most a few elements are allocated ahead: the count is the guest's claim.
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4));
        while let Some(value) = seq.next_element::<Text<'a>>()? {
            values.push(value);
        }
        Ok(HeaderValues::Many(values))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StaticResult {
    output_key: String,
}

/// Whether `result` is no JSON text at all. Read again only on an error path.
fn is_not_json(result: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(result).is_err()
}

/// Which part of a result that is no response is wrong, for the operator's log: a
/// fixed message per part (serde's own names the guest's keys and values, which a log
/// line must not carry unescaped). Read again as a tree only on this error path.
fn what_is_wrong(result: &str) -> ResponseShapeError {
    let fields = match serde_json::from_str::<serde_json::Value>(result) {
        Ok(serde_json::Value::Object(fields)) => fields,
        Ok(_) => return ResponseShapeError::NotAnObject,
        Err(_) if is_not_json(result) => return ResponseShapeError::NotJson,
        // JSON whose strings are not all Unicode (a lone surrogate escape): no response.
        Err(_) => return ResponseShapeError::NotAnObject,
    };
    let status_ok = fields
        .get("statusCode")
        .and_then(serde_json::Value::as_u64)
        .is_some_and(|code| (100..=599).contains(&code));
    if !status_ok {
        return ResponseShapeError::BadStatus;
    }
    if fields
        .get("body")
        .is_some_and(|body| !(body.is_string() || body.is_null()))
    {
        return ResponseShapeError::BodyNotAString;
    }
    if let Some(headers) = fields.get("headers") {
        let valid = |value: &serde_json::Value| match value {
            serde_json::Value::String(_) => true,
            serde_json::Value::Array(values) => values.iter().all(serde_json::Value::is_string),
            _ => false,
        };
        let headers_ok = match headers {
            serde_json::Value::Object(map) => map.values().all(valid),
            serde_json::Value::Null => true,
            _ => false,
        };
        if !headers_ok {
            return ResponseShapeError::BadHeaders;
        }
    }
    ResponseShapeError::NotAResponse
}

/// The HTTP response for the app's `result`, whose size and depth the runtime checked and
/// whose syntax is checked here ([`ResponseShapeError::NotJson`]).
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
    // serde reads a struct from an array of its fields in order too; Forge's
    // response is an object.
    if result.trim_start().starts_with('[') {
        return Err(if is_not_json(result) {
            ResponseShapeError::NotJson
        } else {
            ResponseShapeError::NotAnObject
        });
    }
    let parsed: DynamicResult = serde_json::from_str(result).map_err(|_| what_is_wrong(result))?;
    let status = parsed
        .status_code
        .as_u64()
        .and_then(|code| u16::try_from(code).ok())
        .filter(|code| (100..=599).contains(code))
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or(ResponseShapeError::BadStatus)?;
    let mut response = Response::new(parsed.body.unwrap_or_default());
    *response.status_mut() = status;
    if let Some(text) = parsed.status_text {
        // hyper writes it in place of the canonical phrase (HTTP/1; HTTP/2 has none),
        // after refusing CR, LF and other control bytes, so it cannot split the response.
        let phrase = Some(text)
            .filter(|text| text.len() <= MAX_STATUS_TEXT_BYTES)
            .and_then(|text| hyper::ext::ReasonPhrase::try_from(text).ok())
            .ok_or(ResponseShapeError::BadStatusText)?;
        response.extensions_mut().insert(phrase);
    }
    let mut count = 0usize;
    for (name, values) in parsed.headers {
        let name =
            HeaderName::from_bytes(name.0.as_bytes()).map_err(|_| ResponseShapeError::BadHeader)?;
        if !passes_out(&name) {
            continue;
        }
        let values = match &values {
            HeaderValues::One(value) => std::slice::from_ref(value),
            HeaderValues::Many(values) => values.as_slice(),
        };
        for value in values {
            count += 1;
            if count > MAX_RESPONSE_HEADERS {
                return Err(ResponseShapeError::TooManyHeaders);
            }
            let value =
                HeaderValue::from_str(&value.0).map_err(|_| ResponseShapeError::BadHeader)?;
            response.headers_mut().append(name.clone(), value);
        }
    }
    Ok(response)
}

fn fixed(module: &WebTriggerModule, result: &str) -> Result<Response<String>, ResponseShapeError> {
    let parsed: StaticResult = serde_json::from_str(result).map_err(|_| {
        if is_not_json(result) {
            ResponseShapeError::NotJson
        } else {
            ResponseShapeError::UnknownOutput
        }
    })?;
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
        // Escaped names and values are read as their text; an empty list sets nothing.
        let escaped = to_http(
            &m,
            r#"{"statusCode":200,"headers":{"X-\u0045sc":["a\u0062","c"],"X-None":[]}}"#,
        )
        .unwrap();
        let values: Vec<_> = escaped.headers().get_all("x-esc").iter().collect();
        assert_eq!(values, ["ab", "c"]);
        assert!(escaped.headers().get("x-none").is_none());
        for bad in [
            r#""just text""#,
            r#"{"statusCode":99}"#,
            r#"{"statusCode":"200"}"#,
            r#"{"statusCode":70000}"#,
            r#"{"statusCode":200,"headers":{"bad name":["x"]}}"#,
            r#"{"statusCode":200,"headers":{"x":["line\nbreak"]}}"#,
            r#"{"statusCode":200,"headers":{"x":1}}"#,
            r#"{"statusCode":200,"headers":{"x":[1]}}"#,
            r#"{"statusCode":200,"headers":{"x":{"a":"b"}}}"#,
            r#"{"statusCode":200,"headers":{"x":null}}"#,
        ] {
            assert!(to_http(&m, bad).is_err(), "{bad}");
        }
        // What the operator's log is told, by the part that is wrong.
        for (bad, said) in [
            // The runtime left the syntax to this parse (`ResultCheck::ParsedByCaller`).
            ("{", ResponseShapeError::NotJson),
            ("[1", ResponseShapeError::NotJson),
            ("just text", ResponseShapeError::NotJson),
            (
                r#"{"statusCode":200} trailing"#,
                ResponseShapeError::NotJson,
            ),
            (
                r#"{"statusCode":200,"body":"\x"}"#,
                ResponseShapeError::NotJson,
            ),
            // JSON, but a lone surrogate is no string the response can carry.
            (
                r#"{"statusCode":200,"body":"\ud800"}"#,
                ResponseShapeError::NotAnObject,
            ),
            (r#""just text""#, ResponseShapeError::NotAnObject),
            (r#"[1]"#, ResponseShapeError::NotAnObject),
            (r#"{"body":"x"}"#, ResponseShapeError::BadStatus),
            (r#"{"statusCode":"200"}"#, ResponseShapeError::BadStatus),
            (
                r#"{"statusCode":200,"body":{"a":1}}"#,
                ResponseShapeError::BodyNotAString,
            ),
            (
                r#"{"statusCode":200,"headers":{"x":1}}"#,
                ResponseShapeError::BadHeaders,
            ),
            (
                r#"{"statusCode":200,"headers":["x"]}"#,
                ResponseShapeError::BadHeaders,
            ),
        ] {
            assert_eq!(to_http(&m, bad).unwrap_err(), said, "{bad}");
        }
    }

    #[test]
    fn status_text_is_the_reason_phrase_when_it_is_one_line_of_text() {
        let m = module("key: w\nfunction: f\n");
        let phrase = |result: &str| {
            to_http(&m, result).map(|response| {
                response
                    .extensions()
                    .get::<hyper::ext::ReasonPhrase>()
                    .map(|phrase| String::from_utf8_lossy(phrase.as_bytes()).into_owned())
            })
        };
        assert_eq!(
            phrase(r#"{"statusCode":202,"statusText":"Accepted, Issue created"}"#),
            Ok(Some("Accepted, Issue created".to_owned()))
        );
        assert_eq!(phrase(r#"{"statusCode":202}"#), Ok(None));
        let long = format!(
            r#"{{"statusCode":200,"statusText":"{}"}}"#,
            "a".repeat(MAX_STATUS_TEXT_BYTES + 1)
        );
        for bad in [
            r#"{"statusCode":200,"statusText":"OK\r\nSet-Cookie: a=b"}"#,
            r#"{"statusCode":200,"statusText":"nul\u0000"}"#,
            long.as_str(),
        ] {
            assert_eq!(phrase(bad), Err(ResponseShapeError::BadStatusText), "{bad}");
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
        assert_eq!(
            to_http(&m, r#"{"outputKey":"ok""#).unwrap_err(),
            ResponseShapeError::NotJson
        );
    }
}
