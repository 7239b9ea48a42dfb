//! Calling third-party services: `kiln_sdk::fetch`, over the standard
//! `wasi:http/outgoing-handler` (enable the SDK's `fetch` feature).
//!
//! The host only lets a request out to a backend the manifest declares
//! (`permissions.external.fetch.backend`), over https, to a public address;
//! anything else comes back as [`FetchError::Refused`]. Redirects are
//! returned to the app, never followed.
//!
//! ```no_run
//! # fn demo() -> Result<(), kiln_sdk::fetch::FetchError> {
//! use kiln_sdk::fetch::{fetch, fetch_all};
//! let forecast = fetch("https://api.weather.example/v1/forecast?city=Oslo")
//!     .header("accept", "application/json")
//!     .send()?
//!     .json::<serde_json::Value>()?;
//! // Several requests in flight at once; results in the same order.
//! let pages = fetch_all(vec![
//!     fetch("https://api.weather.example/v1/a"),
//!     fetch("https://api.weather.example/v1/b"),
//! ]);
//! # let _ = (forecast, pages); Ok(()) }
//! ```
//!
//! Built on the `wasip2` crate, the Bytecode Alliance's generated bindings
//! of WASI 0.2 (the version Kiln's host implements), rather than a second
//! wit-bindgen run of the wasi:http WIT inside the SDK.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, FutureIncomingResponse, Headers, IncomingResponse, Method, OutgoingBody,
    OutgoingRequest, Scheme,
};
use wasip2::io::streams::StreamError;

/// Largest response body read (the host caps it too).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL is not `http(s)://host[:port]/path`.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// A header name or value the request cannot carry (or one the host
    /// sets itself, such as `host`).
    #[error("invalid header {0:?}")]
    InvalidHeader(String),
    /// The host refused the request: the backend is not declared in the
    /// manifest, needs https, or resolves to an address apps may not reach.
    #[error("the host refused the request: {0}")]
    Refused(String),
    /// The invocation's request or byte budget (shared with request-jira)
    /// is spent.
    #[error("{0}")]
    QuotaExceeded(String),
    /// The connection, the first byte or the whole exchange took too long.
    #[error("the request timed out")]
    Timeout,
    /// Connection, TLS or protocol failure, or a body over the size limit.
    #[error("the request failed: {0}")]
    Transport(String),
    /// The body could not be serialized or parsed as JSON.
    #[error("JSON: {0}")]
    Json(String),
}

impl From<ErrorCode> for FetchError {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::HttpRequestDenied => {
                FetchError::Refused("the backend is not allowed for this app".to_owned())
            }
            ErrorCode::DestinationIpProhibited => {
                FetchError::Refused("the host resolves to an address apps may not reach".to_owned())
            }
            ErrorCode::InternalError(Some(message)) if message.starts_with("quota exceeded") => {
                FetchError::QuotaExceeded(message)
            }
            ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::ConnectionWriteTimeout
            | ErrorCode::HttpResponseTimeout
            | ErrorCode::DnsTimeout => FetchError::Timeout,
            other => FetchError::Transport(format!("{other:?}")),
        }
    }
}

/// A request being built: `fetch(url)`, then headers and a body, then
/// [`FetchBuilder::send`].
#[derive(Debug, Clone)]
#[must_use = "a fetch does nothing until it is sent"]
pub struct FetchBuilder {
    method: &'static str,
    url: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Option<Vec<u8>>,
    error: Option<FetchError>,
}

/// Starts a GET of `url`.
pub fn fetch(url: impl Into<String>) -> FetchBuilder {
    FetchBuilder {
        method: "GET",
        url: url.into(),
        headers: Vec::new(),
        body: None,
        error: None,
    }
}

impl FetchBuilder {
    /// `GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE` or `OPTIONS`.
    pub fn method(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }

    /// Adds a header (`host`, hop-by-hop and `proxy-*` headers are the host's).
    pub fn header(mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }

    /// A JSON body (and `content-type: application/json`); a POST unless
    /// another method was chosen.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(bytes);
                if self.method == "GET" {
                    self.method = "POST";
                }
                self = self.header("content-type", "application/json");
            }
            Err(error) => self.error = Some(FetchError::Json(error.to_string())),
        }
        self
    }

    /// A `multipart/form-data` body (and its `content-type`, with the
    /// boundary); a POST unless another method was chosen. See
    /// [`crate::multipart`].
    pub fn multipart(mut self, form: &crate::multipart::Form) -> Self {
        let (content_type, body) = form.encode();
        self.body = Some(body);
        if self.method == "GET" {
            self.method = "POST";
        }
        self.header("content-type", content_type)
    }

    /// A raw body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sends and waits for the response.
    pub fn send(self) -> Result<FetchResponse, FetchError> {
        self.start()?.wait()
    }

    /// Sends without waiting; [`PendingFetch::wait`] collects the response.
    pub fn start(self) -> Result<PendingFetch, FetchError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let (scheme, authority, path) = split_url(&self.url)?;
        let headers = Headers::new();
        for (name, value) in &self.headers {
            headers
                .append(name, value)
                .map_err(|_| FetchError::InvalidHeader(name.clone()))?;
        }
        let request = OutgoingRequest::new(headers);
        let method = match self.method {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            other => {
                return Err(FetchError::InvalidUrl(format!(
                    "unsupported method {other}"
                )));
            }
        };
        let invalid = || FetchError::InvalidUrl(self.url.clone());
        request.set_method(&method).map_err(|()| invalid())?;
        request.set_scheme(Some(&scheme)).map_err(|()| invalid())?;
        request
            .set_authority(Some(authority))
            .map_err(|()| invalid())?;
        request
            .set_path_with_query(Some(path))
            .map_err(|()| invalid())?;
        let body = request
            .body()
            .map_err(|()| FetchError::Transport("no request body".to_owned()))?;
        let future = outgoing_handler::handle(request, None)?;
        if let Some(bytes) = &self.body {
            let stream = body
                .write()
                .map_err(|()| FetchError::Transport("no request stream".to_owned()))?;
            for chunk in bytes.chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| FetchError::Transport(format!("writing the body: {e:?}")))?;
            }
        }
        OutgoingBody::finish(body, None)?;
        Ok(PendingFetch { future })
    }
}

/// A request in flight.
pub struct PendingFetch {
    future: FutureIncomingResponse,
}

impl PendingFetch {
    /// Waits for the response and reads its body.
    pub fn wait(self) -> Result<FetchResponse, FetchError> {
        self.future.subscribe().block();
        let response = self
            .future
            .get()
            .ok_or_else(|| FetchError::Transport("the response is not ready".to_owned()))?
            .map_err(|()| FetchError::Transport("the response was taken".to_owned()))??;
        read_response(response)
    }
}

/// Sends every request before waiting for any (they are in flight
/// together); results in the same order.
pub fn fetch_all(requests: Vec<FetchBuilder>) -> Vec<Result<FetchResponse, FetchError>> {
    let pending: Vec<Result<PendingFetch, FetchError>> =
        requests.into_iter().map(FetchBuilder::start).collect();
    pending
        .into_iter()
        .map(|p| p.and_then(PendingFetch::wait))
        .collect()
}

/// A third party's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchResponse {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl FetchResponse {
    /// The HTTP status (a 3xx redirect is returned, never followed).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The first value of header `name` (case-insensitive), as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    /// The body's bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, FetchError> {
        serde_json::from_slice(&self.body).map_err(|e| FetchError::Json(e.to_string()))
    }
}

fn read_response(response: IncomingResponse) -> Result<FetchResponse, FetchError> {
    let status = response.status();
    let headers = response.headers().entries().into_iter().collect::<Vec<_>>();
    let body = response
        .consume()
        .map_err(|()| FetchError::Transport("no response body".to_owned()))?;
    let stream = body
        .stream()
        .map_err(|()| FetchError::Transport("no response stream".to_owned()))?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                if bytes.len() + chunk.len() > MAX_BODY {
                    return Err(FetchError::Transport(
                        "the response is too large".to_owned(),
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(FetchError::Transport(e.to_debug_string()));
            }
        }
    }
    drop(stream);
    Ok(FetchResponse {
        status,
        headers,
        body: bytes,
    })
}

/// `scheme://authority/path?query` → its parts; a fragment is dropped (it
/// never leaves a client).
fn split_url(url: &str) -> Result<(Scheme, &str, &str), FetchError> {
    let invalid = || FetchError::InvalidUrl(url.to_owned());
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "https" => Scheme::Https,
        "http" => Scheme::Http,
        _ => return Err(invalid()),
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let (authority, path) = match rest.find(['/', '?']) {
        Some(at) if rest[at..].starts_with('/') => (&rest[..at], &rest[at..]),
        Some(_) => return Err(invalid()),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(invalid());
    }
    Ok((scheme, authority, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_scheme_authority_and_path() {
        let (scheme, authority, path) = split_url("https://api.example.com/v1/x?y=1#frag").unwrap();
        assert!(matches!(scheme, Scheme::Https));
        assert_eq!(authority, "api.example.com");
        assert_eq!(path, "/v1/x?y=1");
        assert_eq!(split_url("http://h:8080").unwrap().2, "/");
        for bad in [
            "ftp://x/",
            "api.example.com/x",
            "https:///x",
            "https://u@h/",
            "https://h?x",
        ] {
            assert!(split_url(bad).is_err(), "{bad}");
        }
    }
}
