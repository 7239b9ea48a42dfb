//! The shapes every world from 0.2.0 on shares with 0.1.0 (principal,
//! method, request, response, request-error, level): identical records in
//! another package version. One macro writes their conversions to and from
//! the host's own ([`super::v0_1`]) for each world, so a world version adds
//! no copy of them and `request-jira` keeps one implementation. A second
//! macro converts the app error and the trigger kind of 0.2.0 and 0.3.0,
//! which 0.4.0 extends (`app-error.retry`, `trigger-kind.queue-event`).

/// Conversions between the invoking world module's shapes and 0.1.0's. The
/// module has its shapes in scope by their WIT names and 0.1.0's module as
/// `v0_1` (paths in a macro resolve where it is invoked).
macro_rules! same_shapes_as_v0_1 {
    () => {
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
    };
}

/// The app error and trigger kind of 0.2.0 and 0.3.0, as
/// [`same_shapes_as_v0_1`] converts the other shapes.
macro_rules! app_error_and_trigger_as_v0_1 {
    () => {
        impl From<AppError> for $crate::bindings::HandlerError {
            fn from(error: AppError) -> Self {
                $crate::bindings::HandlerError::App(error.into())
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

        impl From<$crate::invoke::Trigger> for TriggerKind {
            fn from(trigger: $crate::invoke::Trigger) -> Self {
                match trigger {
                    $crate::invoke::Trigger::Function => TriggerKind::Function,
                    $crate::invoke::Trigger::ProductEvent => TriggerKind::ProductEvent,
                    $crate::invoke::Trigger::WebTrigger => TriggerKind::WebTrigger,
                    $crate::invoke::Trigger::Scheduled => TriggerKind::Scheduled,
                    // Only a queue's consumer is invoked for a queue event,
                    // and only a 0.4.0 app can push to its queues; were an
                    // older component a consumer, it would see the nearest
                    // kind its world has.
                    $crate::invoke::Trigger::QueueEvent => TriggerKind::Function,
                }
            }
        }
    };
}

/// The app error (with `retry`) and trigger kind (with `queue-event`) of
/// 0.4.0 and later worlds, which have them whole.
macro_rules! app_error_and_trigger_from_v0_4 {
    () => {
        impl From<AppError> for $crate::bindings::HandlerError {
            fn from(error: AppError) -> Self {
                let app = |error| $crate::bindings::HandlerError::App(error);
                match error {
                    AppError::InvalidPayload(text) => app(v0_1::AppError::InvalidPayload(text)),
                    AppError::UnknownFunction(text) => app(v0_1::AppError::UnknownFunction(text)),
                    AppError::Request(error) => app(v0_1::AppError::Request(error.into())),
                    AppError::Failed(text) => app(v0_1::AppError::Failed(text)),
                    AppError::Retry(RetryRequest {
                        after_seconds,
                        reason,
                        data,
                    }) => $crate::bindings::HandlerError::Retry($crate::bindings::RetryAsked {
                        after_seconds,
                        reason,
                        data,
                    }),
                }
            }
        }

        impl From<$crate::invoke::Trigger> for TriggerKind {
            fn from(trigger: $crate::invoke::Trigger) -> Self {
                use $crate::invoke::Trigger;
                match trigger {
                    Trigger::Function => TriggerKind::Function,
                    Trigger::ProductEvent => TriggerKind::ProductEvent,
                    Trigger::WebTrigger => TriggerKind::WebTrigger,
                    Trigger::Scheduled => TriggerKind::Scheduled,
                    Trigger::QueueEvent => TriggerKind::QueueEvent,
                }
            }
        }
    };
}

pub(crate) use {
    app_error_and_trigger_as_v0_1, app_error_and_trigger_from_v0_4, same_shapes_as_v0_1,
};
