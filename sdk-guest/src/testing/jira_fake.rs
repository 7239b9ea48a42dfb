//! The fake Jira: stubbed answers per method and path, and a record of every
//! request the app sent.

use super::budget::Budget;
use std::fmt;
use std::rc::Rc;

use serde::Serialize;

use super::Shared;
use crate::raw::RawRequest;
use crate::{Method, Principal, RequestError, Response};

type Answer = Rc<dyn Fn(&RawRequest) -> Result<Response, RequestError>>;

#[derive(Default)]
pub(super) struct JiraState {
    stubs: Vec<Stub>,
    requests: Vec<RawRequest>,
    pub(super) batches: Vec<Vec<RawRequest>>,
    max_requests: Option<usize>,
    fallback: Option<Answer>,
}

struct Stub {
    method: Method,
    pattern: String,
    principal: Option<Principal>,
    query: Vec<(String, String)>,
    /// How many more requests it answers; `None`: any number.
    remaining: Budget,
    answer: Answer,
}

impl Stub {
    fn matches(&self, request: &RawRequest) -> bool {
        self.remaining.left()
            && self.method == request.method
            && path_matches(&self.pattern, &request.path)
            && self.principal.is_none_or(|p| p == request.principal)
            && self
                .query
                .iter()
                .all(|pair| request.query.iter().any(|sent| sent == pair))
    }
}

impl fmt::Debug for Stub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.pattern)?;
        if let Some(principal) = self.principal {
            write!(f, " as {principal}")?;
        }
        for (name, value) in &self.query {
            write!(f, " ?{name}={value}")?;
        }
        write!(f, "{}", self.remaining)?;
        Ok(())
    }
}

/// Whether `path` fits `pattern`, where a `{name}` segment of the pattern
/// stands for any one non-empty segment and every other segment must be equal
/// (as sent, so an encoded value is matched encoded).
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut pattern = pattern.split('/');
    let mut path = path.split('/');
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(want), Some(got)) => {
                let placeholder = want.len() >= 2 && want.starts_with('{') && want.ends_with('}');
                if !(want == got || placeholder && !got.is_empty()) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Answers one request: the first stub (in the order they were added) that
/// matches and has answers left.
pub(super) fn request(state: &Shared, request: RawRequest) -> Result<Response, RequestError> {
    let answer = {
        let mut state = state.borrow_mut();
        let jira = &mut state.jira;
        jira.requests.push(request.clone());
        if let Some(max) = jira.max_requests
            && jira.requests.len() > max
        {
            return Err(RequestError::QuotaExceeded(format!(
                "requests: the invocation may send at most {max}"
            )));
        }
        match jira.stubs.iter_mut().find(|stub| stub.matches(&request)) {
            Some(stub) => {
                stub.remaining.spend();
                Rc::clone(&stub.answer)
            }
            None if jira.fallback.is_some() => {
                Rc::clone(jira.fallback.as_ref().expect("checked by the guard"))
            }
            None => {
                let stubs: Vec<String> = jira.stubs.iter().map(|s| format!("{s:?}")).collect();
                drop(state);
                panic!(
                    "kiln_sdk::testing: no stub answers {method} {path:?} as {principal}{query}; \
                     add `fake.jira().on(Method::{variant:?}, {path:?}).json(200, &...)` \
                     (stubs: {stubs:?})",
                    method = request.method,
                    path = request.path,
                    principal = request.principal,
                    query = if request.query.is_empty() {
                        String::new()
                    } else {
                        format!(" with query {:?}", request.query)
                    },
                    variant = request.method,
                );
            }
        }
    };
    // Called with the state released, so an answer may itself use the fake.
    answer(&request)
}

/// The fake Jira of a [`Fake`](super::Fake).
pub struct JiraFake<'a> {
    state: &'a Shared,
}

impl<'a> JiraFake<'a> {
    pub(super) fn new(state: &'a Shared) -> Self {
        JiraFake { state }
    }

    /// Starts a stub for requests with `method` whose path fits `path`: equal
    /// segment by segment, where a `{name}` segment stands for any one
    /// segment (`"/rest/api/3/issue/{key}"`). Finish it with an answer
    /// ([`StubBuilder::json`], [`StubBuilder::status`], [`StubBuilder::fail`],
    /// ...). When several stubs fit a request, the first one added answers.
    pub fn on(&self, method: Method, path: impl Into<String>) -> StubBuilder<'a> {
        StubBuilder {
            state: self.state,
            method,
            pattern: path.into(),
            principal: None,
            query: Vec::new(),
            remaining: Budget::default(),
        }
    }

    /// Every request the app sent, in order (refused ones included), exactly
    /// as the host would have received them.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.state.borrow().jira.requests.clone()
    }

    /// The requests with `method` whose path fits `path` (same rules as
    /// [`on`](Self::on)).
    pub fn requests_to(&self, method: Method, path: &str) -> Vec<RawRequest> {
        self.state
            .borrow()
            .jira
            .requests
            .iter()
            .filter(|request| request.method == method && path_matches(path, &request.path))
            .cloned()
            .collect()
    }

    /// The requests sent together by each [`send_all`](crate::send_all), one
    /// list per call, so a test can check they went out at once.
    pub fn batches(&self) -> Vec<Vec<RawRequest>> {
        self.state.borrow().jira.batches.clone()
    }

    /// Answers every request no stub fits with `answer`, in place of failing
    /// the test: a whole fake Jira in one closure, when stubs per path are
    /// not the right shape.
    pub fn fallback(
        &self,
        answer: impl Fn(&RawRequest) -> Result<Response, RequestError> + 'static,
    ) {
        self.state.borrow_mut().jira.fallback = Some(Rc::new(answer));
    }

    /// Simulates the manifest's `maxRequests`: every request after the first
    /// `max` is answered [`RequestError::QuotaExceeded`], as the host does.
    pub fn max_requests(&self, max: usize) {
        self.state.borrow_mut().jira.max_requests = Some(max);
    }
}

/// A stub being built; it takes effect when an answer finishes it.
#[must_use = "a stub does nothing until an answer (json, status, fail, ...) finishes it"]
pub struct StubBuilder<'a> {
    state: &'a Shared,
    method: Method,
    pattern: String,
    principal: Option<Principal>,
    query: Vec<(String, String)>,
    remaining: Budget,
}

impl StubBuilder<'_> {
    /// Only requests sent as `principal` ([`as_user`](crate::as_user) or
    /// [`as_app`](crate::as_app)).
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Only requests with this query pair (raw value, as the app passed it).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Answers one request only; add several to answer a sequence.
    pub fn once(self) -> Self {
        self.times(1)
    }

    /// Answers `times` requests, then lets later stubs answer.
    pub fn times(mut self, times: usize) -> Self {
        self.remaining = Budget::limited(times);
        self
    }

    /// Answers `status` with `body` as JSON (and `Content-Type:
    /// application/json`).
    ///
    /// # Panics
    /// If `body` cannot be serialised: a mistake in the test itself.
    pub fn json<T: Serialize + ?Sized>(self, status: u16, body: &T) {
        let body = match serde_json::to_vec(body) {
            Ok(body) => body,
            Err(error) => {
                panic!("kiln_sdk::testing: the stubbed JSON body does not serialise: {error}")
            }
        };
        self.respond(Response::new(
            status,
            vec![("Content-Type".into(), "application/json".into())],
            body,
        ));
    }

    /// Answers `status` with an empty body (`204` for a successful `PUT`).
    pub fn status(self, status: u16) {
        self.respond(Response::new(status, Vec::new(), Vec::new()));
    }

    /// Answers `status` with `body` as it is.
    pub fn body(self, status: u16, body: impl Into<Vec<u8>>) {
        self.respond(Response::new(status, Vec::new(), body.into()));
    }

    /// Answers with `response`.
    pub fn respond(self, response: Response) {
        self.respond_with(move |_| Ok(response.clone()));
    }

    /// Refuses the request as the host would: [`RequestError::ScopeDenied`]
    /// for a scope the manifest lacks, [`RequestError::QuotaExceeded`],
    /// [`RequestError::Timeout`], ...
    pub fn fail(self, error: RequestError) {
        self.respond_with(move |_| Err(error.clone()));
    }

    /// Answers with whatever `answer` returns for the request.
    pub fn respond_with(
        self,
        answer: impl Fn(&RawRequest) -> Result<Response, RequestError> + 'static,
    ) {
        self.state.borrow_mut().jira.stubs.push(Stub {
            method: self.method,
            pattern: self.pattern,
            principal: self.principal,
            query: self.query,
            remaining: self.remaining,
            answer: Rc::new(answer),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn placeholders_stand_for_exactly_one_non_empty_segment() {
        let pattern = "/rest/api/3/issue/{key}/comment";
        assert!(path_matches(pattern, "/rest/api/3/issue/KILN-1/comment"));
        assert!(path_matches(pattern, "/rest/api/3/issue/A%2FB/comment"));
        assert!(!path_matches(pattern, "/rest/api/3/issue//comment"));
        assert!(!path_matches(pattern, "/rest/api/3/issue/A/B/comment"));
        assert!(!path_matches(pattern, "/rest/api/3/issue/KILN-1"));
        assert!(path_matches("/rest/api/3/myself", "/rest/api/3/myself"));
        assert!(!path_matches("/rest/api/3/myself", "/rest/api/3/myself/"));
        assert!(path_matches("/rest/api/3/issue/{}", "/rest/api/3/issue/x"));
    }
}
