//! The fake egress: third-party HTTP answers for `kiln_sdk::fetch` in unit
//! tests, and a record of what the app sent.
//!
//! The types here are plain data on purpose: the fetch builder converts its
//! own request to an [`EgressRequest`] and an [`EgressResponse`] or
//! [`EgressFailure`] back, so the fake does not depend on how `wasi:http` is
//! spoken on `wasm32`.

use super::budget::Budget;
use std::fmt;
use std::rc::Rc;

use serde::Serialize;

use super::Shared;

/// A request the app sent to a third-party host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressRequest {
    /// The method, upper-case (`GET`, `POST`, ...).
    pub method: String,
    /// The absolute URL, `scheme://host[:port]/path[?query]`.
    pub url: String,
    /// Header pairs, as the app set them.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
}

impl EgressRequest {
    /// The first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body parsed as JSON into `T`; `None` when there is no body.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Option<Result<T, serde_json::Error>> {
        self.body.as_deref().map(serde_json::from_slice)
    }

    /// The URL without its query.
    fn url_without_query(&self) -> &str {
        self.url.split(['?', '#']).next().unwrap_or(&self.url)
    }
}

/// A third-party host's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header pairs.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why the host did not return a third-party answer, as a test simulates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EgressFailure {
    /// The host refused the destination: not in the manifest's
    /// `permissions.external.fetch.backend`, or an address it never connects
    /// to; the text says which.
    NotAllowed(String),
    /// A per-invocation quota (requests or bytes) is used up.
    QuotaExceeded(String),
    /// The host did not answer within the deadline.
    Timeout,
    /// The connection failed; the text says how.
    Transport(String),
}

impl fmt::Display for EgressFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EgressFailure::NotAllowed(why) => write!(f, "egress refused: {why}"),
            EgressFailure::QuotaExceeded(quota) => {
                write!(f, "per-invocation quota exceeded: {quota}")
            }
            EgressFailure::Timeout => f.write_str("the third-party host did not answer in time"),
            EgressFailure::Transport(why) => write!(f, "egress failed: {why}"),
        }
    }
}

impl std::error::Error for EgressFailure {}

type Answer = Rc<dyn Fn(&EgressRequest) -> Result<EgressResponse, EgressFailure>>;

struct Stub {
    method: String,
    url: String,
    remaining: Budget,
    answer: Answer,
}

impl Stub {
    /// Method case-insensitive; the URL whole when the stub's has a query,
    /// else without the request's query.
    fn matches(&self, request: &EgressRequest) -> bool {
        let url = if self.url.contains('?') {
            request.url.as_str()
        } else {
            request.url_without_query()
        };
        self.remaining.left()
            && self.method.eq_ignore_ascii_case(&request.method)
            && self.url == url
    }
}

#[derive(Default)]
pub(super) struct EgressState {
    stubs: Vec<Stub>,
    requests: Vec<EgressRequest>,
}

/// Answers one egress request from the fake installed on this thread: the
/// native door `kiln_sdk::fetch` uses where `wasm32` uses `wasi:http`.
///
/// # Panics
/// When no fake is installed, or no stub answers the request (the panic says
/// how to add one).
#[allow(
    dead_code,
    reason = "kiln_sdk::fetch calls it on native targets; the fake's own tests do meanwhile"
)]
pub(crate) fn send(request: EgressRequest) -> Result<EgressResponse, EgressFailure> {
    let state = super::current("egress (kiln_sdk::fetch)");
    let answer = {
        let mut state = state.borrow_mut();
        let egress = &mut state.egress;
        egress.requests.push(request.clone());
        match egress.stubs.iter_mut().find(|stub| stub.matches(&request)) {
            Some(stub) => {
                stub.remaining.spend();
                Rc::clone(&stub.answer)
            }
            None => {
                drop(state);
                panic!(
                    "kiln_sdk::testing: no egress stub answers {} {:?}; add \
                     `fake.egress().on({:?}, {:?}).json(200, &...)`",
                    request.method,
                    request.url,
                    request.method,
                    request.url_without_query()
                );
            }
        }
    };
    answer(&request)
}

/// The fake egress of a [`Fake`](super::Fake).
pub struct EgressFake<'a> {
    state: &'a Shared,
}

impl<'a> EgressFake<'a> {
    pub(super) fn new(state: &'a Shared) -> Self {
        EgressFake { state }
    }

    /// Starts a stub for `method` requests to `url`. A `url` without a query
    /// matches the request's URL with its query ignored; with one, exactly.
    /// When several stubs fit, the first one added answers.
    pub fn on(&self, method: &str, url: impl Into<String>) -> EgressStub<'a> {
        EgressStub {
            state: self.state,
            method: method.to_owned(),
            url: url.into(),
            remaining: Budget::default(),
        }
    }

    /// Every egress request the app sent, in order.
    pub fn requests(&self) -> Vec<EgressRequest> {
        self.state.borrow().egress.requests.clone()
    }
}

/// An egress stub being built; it takes effect when an answer finishes it.
#[must_use = "a stub does nothing until an answer (json, status, fail, ...) finishes it"]
pub struct EgressStub<'a> {
    state: &'a Shared,
    method: String,
    url: String,
    remaining: Budget,
}

impl EgressStub<'_> {
    /// Answers one request only.
    pub fn once(mut self) -> Self {
        self.remaining = Budget::limited(1);
        self
    }

    /// Answers `status` with `body` as JSON.
    ///
    /// # Panics
    /// If `body` cannot be serialised.
    pub fn json<T: Serialize + ?Sized>(self, status: u16, body: &T) {
        let body = serde_json::to_vec(body).unwrap_or_else(|error| {
            panic!("kiln_sdk::testing: the stubbed JSON body does not serialise: {error}")
        });
        self.respond(EgressResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
        });
    }

    /// Answers `status` with an empty body.
    pub fn status(self, status: u16) {
        self.respond(EgressResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        });
    }

    /// Answers with `response`.
    pub fn respond(self, response: EgressResponse) {
        self.respond_with(move |_| Ok(response.clone()));
    }

    /// Fails the request as the host would.
    pub fn fail(self, failure: EgressFailure) {
        self.respond_with(move |_| Err(failure.clone()));
    }

    /// Answers with whatever `answer` returns for the request.
    pub fn respond_with(
        self,
        answer: impl Fn(&EgressRequest) -> Result<EgressResponse, EgressFailure> + 'static,
    ) {
        self.state.borrow_mut().egress.stubs.push(Stub {
            method: self.method,
            url: self.url,
            remaining: self.remaining,
            answer: Rc::new(answer),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Fake;

    fn get(url: &str) -> EgressRequest {
        EgressRequest {
            method: "GET".into(),
            url: url.into(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: None,
        }
    }

    #[test]
    fn a_stub_answers_by_method_and_url_and_the_request_is_recorded() {
        let fake = Fake::install();
        fake.egress()
            .on("get", "https://api.example.com/v1/rates")
            .json(200, &serde_json::json!({"eur": 1}));
        let response = crate::host::egress_send(get("https://api.example.com/v1/rates?day=1"))
            .expect("stubbed");
        assert_eq!(response.status, 200);
        assert_eq!(response.body, br#"{"eur":1}"#);
        let sent = fake.egress().requests();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].url, "https://api.example.com/v1/rates?day=1");
        assert_eq!(sent[0].header("accept"), Some("application/json"));
    }

    #[test]
    fn a_url_with_a_query_matches_exactly_and_failures_are_simulated() {
        let fake = Fake::install();
        fake.egress()
            .on("GET", "https://api.example.com/v1?x=1")
            .once()
            .fail(EgressFailure::NotAllowed(
                "api.example.com is not declared".into(),
            ));
        fake.egress()
            .on("GET", "https://api.example.com/v1")
            .status(204);
        assert_eq!(
            send(get("https://api.example.com/v1?x=1")),
            Err(EgressFailure::NotAllowed(
                "api.example.com is not declared".into()
            ))
        );
        assert_eq!(
            send(get("https://api.example.com/v1?x=1")).map(|r| r.status),
            Ok(204)
        );
        assert_eq!(
            send(get("https://api.example.com/v1?x=2")).map(|r| r.status),
            Ok(204)
        );
    }

    #[test]
    #[should_panic(expected = "no egress stub answers GET \"https://other.example/x\"")]
    fn an_unstubbed_egress_request_fails_the_test() {
        let _fake = Fake::install();
        let _ = send(get("https://other.example/x"));
    }
}
