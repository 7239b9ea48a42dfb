//! Conversions between the SDK's types and the generated WIT bindings.
//!
//! Kept in one place so the rest of the crate never touches raw bindings.

use crate::bindings::kiln::app::types as wit;
use crate::raw::RawRequest;
use crate::{AppError, Context, Method, Principal, RequestError, Response, ScopeDenied};

impl From<Principal> for wit::Principal {
    fn from(principal: Principal) -> Self {
        match principal {
            Principal::User => wit::Principal::User,
            Principal::App => wit::Principal::App,
        }
    }
}

impl From<wit::Principal> for Principal {
    fn from(principal: wit::Principal) -> Self {
        match principal {
            wit::Principal::User => Principal::User,
            wit::Principal::App => Principal::App,
        }
    }
}

impl From<Method> for wit::Method {
    fn from(method: Method) -> Self {
        match method {
            Method::Get => wit::Method::Get,
            Method::Post => wit::Method::Post,
            Method::Put => wit::Method::Put,
            Method::Patch => wit::Method::Patch,
            Method::Delete => wit::Method::Delete,
        }
    }
}

impl From<RawRequest> for wit::Request {
    fn from(request: RawRequest) -> Self {
        wit::Request {
            principal: request.principal.into(),
            method: request.method.into(),
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
        }
    }
}

impl From<wit::Response> for Response {
    fn from(response: wit::Response) -> Self {
        Response::new(response.status, response.headers, response.body)
    }
}

impl From<wit::RequestError> for RequestError {
    fn from(error: wit::RequestError) -> Self {
        match error {
            wit::RequestError::InvalidRequest(rule) => RequestError::InvalidRequest(rule),
            wit::RequestError::UnknownRoute(route) => RequestError::UnknownRoute(route),
            wit::RequestError::ScopeDenied(denied) => RequestError::ScopeDenied(ScopeDenied {
                route: denied.route,
                missing: denied.missing,
            }),
            wit::RequestError::NeedsAuthentication(principal) => {
                RequestError::NeedsAuthentication(principal.into())
            }
            wit::RequestError::QuotaExceeded(quota) => RequestError::QuotaExceeded(quota),
            wit::RequestError::Timeout => RequestError::Timeout,
            wit::RequestError::Transport(reason) => RequestError::Transport(reason),
        }
    }
}

impl From<RequestError> for wit::RequestError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::InvalidRequest(rule) => wit::RequestError::InvalidRequest(rule),
            RequestError::UnknownRoute(route) => wit::RequestError::UnknownRoute(route),
            RequestError::ScopeDenied(denied) => wit::RequestError::ScopeDenied(wit::ScopeDenied {
                route: denied.route,
                missing: denied.missing,
            }),
            RequestError::NeedsAuthentication(principal) => {
                wit::RequestError::NeedsAuthentication(principal.into())
            }
            RequestError::QuotaExceeded(quota) => wit::RequestError::QuotaExceeded(quota),
            RequestError::Timeout => wit::RequestError::Timeout,
            RequestError::Transport(reason) => wit::RequestError::Transport(reason),
        }
    }
}

impl From<AppError> for wit::AppError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::InvalidPayload(reason) => wit::AppError::InvalidPayload(reason),
            AppError::UnknownFunction(name) => wit::AppError::UnknownFunction(name),
            AppError::Request(error) => wit::AppError::Request(error.into()),
            AppError::Failed(message) => wit::AppError::Failed(message),
        }
    }
}

impl From<wit::Context> for Context {
    fn from(context: wit::Context) -> Self {
        Context {
            invocation_id: context.invocation_id,
            account_id: context.account_id,
            cloud_id: context.cloud_id,
            site_url: context.site_url,
            module_key: context.module_key,
        }
    }
}
