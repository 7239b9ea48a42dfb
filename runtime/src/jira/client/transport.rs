//! The seam between the policy pipeline and the socket.
//!
//! `request-jira` decides everything before a byte leaves the host: the
//! pipeline in [`crate::jira::session`] checks quota, path, route, scopes,
//! tenant, headers and body, builds the URL with the one URL builder, attaches
//! the principal's credential and only then hands a finished
//! [`OutgoingRequest`] to a [`Transport`]. What comes back is capped, filtered
//! and charged to the invocation's quota on the same common path.
//!
//! A transport therefore replaces the socket and nothing else:
//!
//! * [`Transport::http`] is the real one: reqwest with redirects never
//!   followed (a redirect would carry the credential to another origin), no
//!   system proxy (an environment variable must not reroute credentials), no
//!   cookies and explicit timeouts. It cannot be built from an arbitrary
//!   `reqwest::Client`, so those settings cannot be lost.
//! * [`Transport::in_process`] answers from a closure, without a socket: the
//!   benchmarks measure the host call rather than loopback TCP with it, and
//!   tests and fuzzers drive the whole pipeline hermetically. The closure sees
//!   exactly what would have gone on the wire.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use super::{ClientError, HttpLimits};

/// A request the host has decided to send: built by the pipeline, never by
/// the guest.
///
/// `Debug` is safe to print: the `Authorization` value is marked sensitive and
/// prints as `Sensitive`.
#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    pub method: Method,
    /// From the one URL builder, on the configured origin.
    pub url: Url,
    /// The guest's validated headers plus the host's own, `Authorization`
    /// included.
    pub headers: HeaderMap,
    /// `None` for a GET; a state-changing call always carries one (maybe empty).
    pub body: Option<Bytes>,
}

/// Why a transport produced no response. The text never holds a URL or a
/// header: it is shown to the guest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Jira did not answer in time.
    #[error("timed out")]
    Timeout,
    /// The exchange failed (connection refused, reset, malformed answer …).
    #[error("{0}")]
    Failed(String),
}

/// The closure behind an in-process transport.
type Answer =
    dyn Fn(&OutgoingRequest) -> Result<http::Response<Bytes>, TransportError> + Send + Sync;

/// How requests leave the host. See the module documentation.
#[derive(Clone)]
pub struct Transport {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Http(reqwest::Client),
    InProcess(Arc<Answer>),
}

impl Transport {
    /// The real transport: HTTP(S), no redirects, no proxy, the timeouts of
    /// `limits`.
    pub fn http(limits: &HttpLimits) -> Result<Self, ClientError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(limits.connect_timeout)
            // No `.timeout(request_timeout)`: `JiraSession::send` (the only
            // caller) bounds the whole exchange, body included, by the
            // request timeout and the invocation's deadline; a second timer
            // per request would only add cost.
            // The endpoint decides the scheme; `Endpoint::parse` allows plain
            // http for loopback only.
            .https_only(false)
            .build()
            .map_err(|e| ClientError(e.without_url().to_string()))?;
        Ok(Self {
            kind: Kind::Http(client),
        })
    }

    /// A transport that answers every request with `answer`, in process,
    /// without a socket. `answer` runs on the executor: keep it quick.
    pub fn in_process(
        answer: impl Fn(&OutgoingRequest) -> Result<http::Response<Bytes>, TransportError>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            kind: Kind::InProcess(Arc::new(answer)),
        }
    }

    /// Whether this is the in-process transport (shown in diagnostics).
    pub fn is_in_process(&self) -> bool {
        matches!(self.kind, Kind::InProcess(_))
    }

    /// Sends `request`; the body is read afterwards, chunk by chunk, so the
    /// caller can cap it as it arrives.
    pub(crate) async fn send(&self, request: OutgoingRequest) -> Result<Incoming, TransportError> {
        match &self.kind {
            Kind::Http(client) => {
                let mut outgoing = reqwest::Request::new(request.method, request.url);
                *outgoing.headers_mut() = request.headers;
                if let Some(body) = request.body {
                    *outgoing.body_mut() = Some(body.into());
                }
                let mut response = client.execute(outgoing).await.map_err(reqwest_error)?;
                Ok(Incoming {
                    status: response.status(),
                    // Taken, not cloned: the body is read from `response`,
                    // its headers are not needed there again.
                    headers: std::mem::take(response.headers_mut()),
                    content_length: response.content_length(),
                    body: IncomingBody::Http(response),
                })
            }
            Kind::InProcess(answer) => {
                let (parts, body) = answer(&request)?.into_parts();
                Ok(Incoming {
                    status: parts.status,
                    headers: parts.headers,
                    content_length: u64::try_from(body.len()).ok(),
                    body: IncomingBody::Buffered(Some(body)),
                })
            }
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            Kind::Http(_) => "Transport::Http",
            Kind::InProcess(_) => "Transport::InProcess",
        })
    }
}

/// A response whose status and headers have arrived; its body is read with
/// [`Incoming::chunk`].
pub(crate) struct Incoming {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    /// The announced body length, when known, to refuse an oversized body
    /// before reading it.
    pub(crate) content_length: Option<u64>,
    body: IncomingBody,
}

enum IncomingBody {
    Http(reqwest::Response),
    Buffered(Option<Bytes>),
}

impl Incoming {
    /// The next piece of the body, `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        match &mut self.body {
            IncomingBody::Http(response) => response.chunk().await.map_err(reqwest_error),
            IncomingBody::Buffered(body) => Ok(body.take()),
        }
    }
}

/// A reqwest failure, described without URL or headers.
fn reqwest_error(error: reqwest::Error) -> TransportError {
    if error.is_timeout() {
        return TransportError::Timeout;
    }
    TransportError::Failed(crate::oauth::http::describe(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> OutgoingRequest {
        OutgoingRequest {
            method: Method::GET,
            url: Url::parse("https://kiln.atlassian.net/rest/api/3/myself").unwrap(),
            headers: HeaderMap::new(),
            body: None,
        }
    }

    #[tokio::test]
    async fn in_process_answers_with_the_closures_response_in_one_chunk() {
        let transport = Transport::in_process(|_| {
            Ok(http::Response::builder()
                .status(StatusCode::CREATED)
                .header("content-type", "application/json")
                .body(Bytes::from_static(b"{\"ok\":true}"))
                .unwrap())
        });
        let mut incoming = transport.send(request()).await.unwrap();
        assert_eq!(incoming.status, StatusCode::CREATED);
        assert_eq!(incoming.headers["content-type"], "application/json");
        assert_eq!(incoming.content_length, Some(11));
        assert_eq!(
            incoming.chunk().await.unwrap().as_deref(),
            Some(&b"{\"ok\":true}"[..])
        );
        assert_eq!(incoming.chunk().await.unwrap(), None);
    }

    #[tokio::test]
    async fn in_process_failures_pass_through() {
        let transport = Transport::in_process(|_| Err(TransportError::Timeout));
        assert!(matches!(
            transport.send(request()).await,
            Err(TransportError::Timeout)
        ));
    }

    #[tokio::test]
    async fn http_failures_name_no_url() {
        // Port 9 on loopback (discard) is closed on a test machine; whatever
        // the failure, its text must not carry the URL.
        let transport = Transport::http(&HttpLimits::default()).unwrap();
        let mut request = request();
        request.url = Url::parse("http://127.0.0.1:9/rest/api/3/myself?secret=1").unwrap();
        match transport.send(request).await {
            Err(TransportError::Failed(text)) => {
                assert!(!text.contains("127.0.0.1"), "{text}");
                assert!(!text.contains("secret"), "{text}");
            }
            Err(TransportError::Timeout) => {}
            Ok(incoming) => panic!("port 9 answered with {}", incoming.status),
        }
    }

    #[test]
    fn debug_names_the_kind_only() {
        let transport = Transport::in_process(|_| Err(TransportError::Timeout));
        assert_eq!(format!("{transport:?}"), "Transport::InProcess");
        assert!(transport.is_in_process());
    }
}
