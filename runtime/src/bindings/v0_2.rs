//! Host bindings for `kiln:app@0.2.0` (`wit/0.2.0`): 0.1.0 plus app storage,
//! `request-jira-all` and a richer context.
//!
//! Every import that waits on the host (Jira, storage) is async; none is
//! `trappable`, as in 0.1.0. The request, response and error records are the
//! same shapes as 0.1.0's, in another package version: the conversions below
//! carry them to and from the host's own ([`super::v0_1`]) field by field,
//! so `request-jira` has one implementation.

wasmtime::component::bindgen!({
    path: "../wit/0.2.0",
    world: "app",
    imports: {
        "kiln:app/jira": async,
        "kiln:app/storage": async,
    },
    exports: { default: async },
});

use super::v0_1;

pub use kiln::app::storage::{Entry, Expected, Page, StorageError};
pub use kiln::app::types::{
    AppError, Context, Level, Method, Principal, Request, RequestError, Response, ScopeDenied,
    TriggerKind,
};

impl From<Principal> for v0_1::Principal {
    fn from(principal: Principal) -> Self {
        match principal {
            Principal::User => v0_1::Principal::User,
            Principal::App => v0_1::Principal::App,
        }
    }
}

impl From<v0_1::Principal> for Principal {
    fn from(principal: v0_1::Principal) -> Self {
        match principal {
            v0_1::Principal::User => Principal::User,
            v0_1::Principal::App => Principal::App,
        }
    }
}

impl From<Method> for v0_1::Method {
    fn from(method: Method) -> Self {
        match method {
            Method::Get => v0_1::Method::Get,
            Method::Post => v0_1::Method::Post,
            Method::Put => v0_1::Method::Put,
            Method::Patch => v0_1::Method::Patch,
            Method::Delete => v0_1::Method::Delete,
        }
    }
}

impl From<Request> for v0_1::Request {
    fn from(req: Request) -> Self {
        let Request {
            principal,
            method,
            path,
            query,
            headers,
            body,
        } = req;
        v0_1::Request {
            principal: principal.into(),
            method: method.into(),
            path,
            query,
            headers,
            body,
        }
    }
}

impl From<v0_1::Response> for Response {
    fn from(response: v0_1::Response) -> Self {
        let v0_1::Response {
            status,
            headers,
            body,
        } = response;
        Response {
            status,
            headers,
            body,
        }
    }
}

impl From<v0_1::RequestError> for RequestError {
    fn from(error: v0_1::RequestError) -> Self {
        use v0_1::RequestError as Old;
        match error {
            Old::InvalidRequest(text) => RequestError::InvalidRequest(text),
            Old::UnknownRoute(text) => RequestError::UnknownRoute(text),
            Old::ScopeDenied(v0_1::ScopeDenied { route, missing }) => {
                RequestError::ScopeDenied(ScopeDenied { route, missing })
            }
            Old::NeedsAuthentication(principal) => {
                RequestError::NeedsAuthentication(principal.into())
            }
            Old::QuotaExceeded(text) => RequestError::QuotaExceeded(text),
            Old::Timeout => RequestError::Timeout,
            Old::Transport(text) => RequestError::Transport(text),
        }
    }
}

impl From<RequestError> for v0_1::RequestError {
    fn from(error: RequestError) -> Self {
        use v0_1::RequestError as Old;
        match error {
            RequestError::InvalidRequest(text) => Old::InvalidRequest(text),
            RequestError::UnknownRoute(text) => Old::UnknownRoute(text),
            RequestError::ScopeDenied(ScopeDenied { route, missing }) => {
                Old::ScopeDenied(v0_1::ScopeDenied { route, missing })
            }
            RequestError::NeedsAuthentication(principal) => {
                Old::NeedsAuthentication(principal.into())
            }
            RequestError::QuotaExceeded(text) => Old::QuotaExceeded(text),
            RequestError::Timeout => Old::Timeout,
            RequestError::Transport(text) => Old::Transport(text),
        }
    }
}

impl From<Level> for v0_1::Level {
    fn from(level: Level) -> Self {
        match level {
            Level::Trace => v0_1::Level::Trace,
            Level::Debug => v0_1::Level::Debug,
            Level::Info => v0_1::Level::Info,
            Level::Warn => v0_1::Level::Warn,
            Level::Error => v0_1::Level::Error,
        }
    }
}

impl From<AppError> for v0_1::AppError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::InvalidPayload(text) => v0_1::AppError::InvalidPayload(text),
            AppError::UnknownFunction(text) => v0_1::AppError::UnknownFunction(text),
            AppError::Request(error) => v0_1::AppError::Request(error.into()),
            AppError::Failed(text) => v0_1::AppError::Failed(text),
        }
    }
}
