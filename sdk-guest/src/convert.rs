//! Conversions between the SDK's types and the generated WIT bindings.
//!
//! Kept in one place so the rest of the crate never touches raw bindings.

use crate::bindings::kiln::app::events as wit_events;
use crate::bindings::kiln::app::sql as wit_sql;
use crate::bindings::kiln::app::storage as wit_storage;
use crate::bindings::kiln::app::types as wit;
use crate::events::{EventsError, JobStats, RawPushEvent};
use crate::log::Level;
use crate::raw::RawRequest;
use crate::sql::{SqlError, SqlErrorCode, StatementKind};
use crate::storage::{
    Expected, RawAction, RawEntry, RawExpiring, RawOperation, RawPage, StorageError,
    TransactOutcome,
};
use crate::{
    AppError, Context, Method, Principal, RequestError, Response, RetryRequest, ScopeDenied,
    TriggerKind,
};

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
            AppError::Retry(retry) => wit::AppError::Retry(retry.into()),
        }
    }
}

impl From<RetryRequest> for wit::RetryRequest {
    fn from(retry: RetryRequest) -> Self {
        // Whole seconds, rounded up so the event never comes back sooner
        // than asked; the host bounds the delay anyway.
        let seconds = crate::seconds_rounded_up(retry.after);
        wit::RetryRequest {
            after_seconds: u32::try_from(seconds).unwrap_or(u32::MAX),
            reason: retry.reason,
            data: retry.data.map(|data| data.to_string()),
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
            installation_id: context.installation_id,
            trigger: context.trigger.into(),
            environment: context.environment,
        }
    }
}

impl From<wit::TriggerKind> for TriggerKind {
    fn from(trigger: wit::TriggerKind) -> Self {
        match trigger {
            wit::TriggerKind::Function => TriggerKind::Function,
            wit::TriggerKind::ProductEvent => TriggerKind::ProductEvent,
            wit::TriggerKind::WebTrigger => TriggerKind::WebTrigger,
            wit::TriggerKind::Scheduled => TriggerKind::Scheduled,
            wit::TriggerKind::QueueEvent => TriggerKind::QueueEvent,
        }
    }
}

impl From<Level> for wit::Level {
    fn from(level: Level) -> Self {
        match level {
            Level::Trace => wit::Level::Trace,
            Level::Debug => wit::Level::Debug,
            Level::Info => wit::Level::Info,
            Level::Warn => wit::Level::Warn,
            Level::Error => wit::Level::Error,
        }
    }
}

impl From<wit_storage::StorageError> for StorageError {
    fn from(error: wit_storage::StorageError) -> Self {
        match error {
            wit_storage::StorageError::ScopeDenied => StorageError::ScopeDenied,
            wit_storage::StorageError::InvalidKey(rule) => StorageError::InvalidKey(rule),
            wit_storage::StorageError::InvalidValue(rule) => StorageError::InvalidValue(rule),
            wit_storage::StorageError::InvalidCursor => StorageError::InvalidCursor,
            wit_storage::StorageError::InvalidLimit(limit) => StorageError::InvalidLimit(limit),
            wit_storage::StorageError::QuotaExceeded(quota) => StorageError::QuotaExceeded(quota),
            wit_storage::StorageError::Unavailable(reason) => StorageError::Unavailable(reason),
            wit_storage::StorageError::InvalidTransaction(rule) => {
                StorageError::InvalidTransaction(rule)
            }
        }
    }
}

impl From<wit_storage::Entry> for RawEntry {
    fn from(entry: wit_storage::Entry) -> Self {
        RawEntry {
            key: entry.key,
            value: entry.value,
            version: entry.version,
            created_at: entry.created_at,
            updated_at: entry.updated_at,
            expires_at: entry.expires_at,
        }
    }
}

impl From<wit_storage::Page> for RawPage {
    fn from(page: wit_storage::Page) -> Self {
        RawPage {
            entries: page.entries.into_iter().map(RawEntry::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

impl From<Expected> for wit_storage::Expected {
    fn from(expected: Expected) -> Self {
        match expected {
            Expected::Absent => wit_storage::Expected::Absent,
            Expected::Version(version) => wit_storage::Expected::Version(version),
        }
    }
}

impl From<RawOperation> for wit_storage::Operation {
    fn from(operation: RawOperation) -> Self {
        let RawOperation {
            key,
            action,
            expected,
        } = operation;
        wit_storage::Operation {
            key,
            action: match action {
                RawAction::Set(json) => wit_storage::Action::Set(json),
                RawAction::SetExpiring(RawExpiring { value, ttl_seconds }) => {
                    wit_storage::Action::SetExpiring(wit_storage::ExpiringValue {
                        value,
                        ttl_seconds,
                    })
                }
                RawAction::Delete => wit_storage::Action::Delete,
                RawAction::Check => wit_storage::Action::Check,
            },
            expected: expected.map(Into::into),
        }
    }
}

impl From<wit_storage::TransactOutcome> for TransactOutcome {
    fn from(outcome: wit_storage::TransactOutcome) -> Self {
        match outcome {
            wit_storage::TransactOutcome::Committed(version) => {
                TransactOutcome::Committed { version }
            }
            // An index the host sends is below the operation count; on a
            // 32-bit guest a u32 always fits a usize.
            wit_storage::TransactOutcome::ConditionFailed(index) => {
                TransactOutcome::ConditionFailed {
                    index: index as usize,
                }
            }
        }
    }
}

impl From<RawPushEvent> for wit_events::PushEvent {
    fn from(event: RawPushEvent) -> Self {
        wit_events::PushEvent {
            body: event.body,
            delay_seconds: event.delay_seconds,
        }
    }
}

impl From<wit_events::JobStats> for JobStats {
    fn from(stats: wit_events::JobStats) -> Self {
        JobStats {
            success: stats.success,
            in_progress: stats.in_progress,
            failed: stats.failed,
        }
    }
}

impl From<wit_events::EventsError> for EventsError {
    fn from(error: wit_events::EventsError) -> Self {
        use wit_events::EventsError as Wit;
        match error {
            Wit::UnknownQueue(queue) => EventsError::UnknownQueue(queue),
            Wit::InvalidQueueName => EventsError::InvalidQueueName,
            Wit::InvalidEvent(reason) => EventsError::InvalidEvent(reason),
            Wit::TooManyEvents(count) => EventsError::TooManyEvents(count),
            Wit::PayloadTooLarge(limit) => EventsError::PayloadTooLarge(limit),
            Wit::InvocationLimitReached => EventsError::InvocationLimitReached,
            Wit::RateLimited(wait) => EventsError::RateLimited(wait),
            Wit::UnknownJob => EventsError::UnknownJob,
            Wit::Unavailable(reason) => EventsError::Unavailable(reason),
        }
    }
}

impl From<StatementKind> for wit_sql::StatementKind {
    fn from(kind: StatementKind) -> Self {
        match kind {
            StatementKind::Data => wit_sql::StatementKind::Data,
            StatementKind::Schema => wit_sql::StatementKind::Schema,
        }
    }
}

impl From<wit_sql::SqlError> for SqlError {
    fn from(error: wit_sql::SqlError) -> Self {
        let code = match error.code {
            wit_sql::SqlErrorCode::InvalidSqlQuery => SqlErrorCode::InvalidSqlQuery,
            wit_sql::SqlErrorCode::SqlExecutionError => SqlErrorCode::SqlExecutionError,
            wit_sql::SqlErrorCode::QueryTimedOut => SqlErrorCode::QueryTimedOut,
            wit_sql::SqlErrorCode::AppNotEnabled => SqlErrorCode::AppNotEnabled,
            wit_sql::SqlErrorCode::UnknownError => SqlErrorCode::UnknownError,
        };
        SqlError {
            code,
            message: error.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_storage_error_keeps_its_case_and_text() {
        let cases = [
            (
                wit_storage::StorageError::ScopeDenied,
                StorageError::ScopeDenied,
            ),
            (
                wit_storage::StorageError::InvalidKey("empty".into()),
                StorageError::InvalidKey("empty".into()),
            ),
            (
                wit_storage::StorageError::InvalidValue("deep".into()),
                StorageError::InvalidValue("deep".into()),
            ),
            (
                wit_storage::StorageError::InvalidCursor,
                StorageError::InvalidCursor,
            ),
            (
                wit_storage::StorageError::InvalidLimit(0),
                StorageError::InvalidLimit(0),
            ),
            (
                wit_storage::StorageError::QuotaExceeded("64 MiB".into()),
                StorageError::QuotaExceeded("64 MiB".into()),
            ),
            (
                wit_storage::StorageError::Unavailable("locked".into()),
                StorageError::Unavailable("locked".into()),
            ),
        ];
        for (wit, sdk) in cases {
            assert_eq!(StorageError::from(wit), sdk);
        }
    }

    #[test]
    fn pages_entries_and_expectations_carry_every_field() {
        let page = RawPage::from(wit_storage::Page {
            entries: vec![wit_storage::Entry {
                key: "k".into(),
                value: "1".into(),
                version: 7,
                created_at: 1_000,
                updated_at: 2_000,
                expires_at: Some(3_000),
            }],
            next_cursor: Some("c".into()),
        });
        assert_eq!(
            page,
            RawPage {
                entries: vec![RawEntry {
                    key: "k".into(),
                    value: "1".into(),
                    version: 7,
                    created_at: 1_000,
                    updated_at: 2_000,
                    expires_at: Some(3_000),
                }],
                next_cursor: Some("c".into()),
            }
        );
        assert!(matches!(
            wit_storage::Expected::from(Expected::Version(7)),
            wit_storage::Expected::Version(7)
        ));
        assert!(matches!(
            wit_storage::Expected::from(Expected::Absent),
            wit_storage::Expected::Absent
        ));
    }

    #[test]
    fn every_trigger_kind_and_level_maps_to_its_namesake() {
        for (wit, sdk) in [
            (wit::TriggerKind::Function, TriggerKind::Function),
            (wit::TriggerKind::ProductEvent, TriggerKind::ProductEvent),
            (wit::TriggerKind::WebTrigger, TriggerKind::WebTrigger),
            (wit::TriggerKind::Scheduled, TriggerKind::Scheduled),
            (wit::TriggerKind::QueueEvent, TriggerKind::QueueEvent),
        ] {
            assert_eq!(TriggerKind::from(wit), sdk);
        }
        for (sdk, wit) in [
            (Level::Trace, wit::Level::Trace),
            (Level::Debug, wit::Level::Debug),
            (Level::Info, wit::Level::Info),
            (Level::Warn, wit::Level::Warn),
            (Level::Error, wit::Level::Error),
        ] {
            assert_eq!(wit::Level::from(sdk), wit);
        }
    }

    #[test]
    fn a_retry_is_whole_seconds_rounded_up_with_its_data_as_json_text() {
        let error = AppError::retry(
            std::time::Duration::from_millis(2_500),
            "FUNCTION_RETRY_REQUEST",
            Some(serde_json::json!({"page": 2})),
        );
        match wit::AppError::from(error) {
            wit::AppError::Retry(retry) => {
                assert_eq!(retry.after_seconds, 3);
                assert_eq!(retry.reason, "FUNCTION_RETRY_REQUEST");
                assert_eq!(retry.data.as_deref(), Some(r#"{"page":2}"#));
            }
            other => panic!("expected retry, got {other:?}"),
        }
        let never = AppError::retry(std::time::Duration::MAX, "r", None);
        assert!(matches!(
            wit::AppError::from(never),
            wit::AppError::Retry(wit::RetryRequest {
                after_seconds: u32::MAX,
                data: None,
                ..
            })
        ));
    }

    #[test]
    fn an_expiring_set_keeps_its_time_to_live_in_a_transaction() {
        let operation = wit_storage::Operation::from(RawOperation {
            key: "k".into(),
            action: RawAction::SetExpiring(RawExpiring {
                value: "1".into(),
                ttl_seconds: 60,
            }),
            expected: None,
        });
        assert!(matches!(
            operation.action,
            wit_storage::Action::SetExpiring(wit_storage::ExpiringValue { ref value, ttl_seconds: 60 })
                if value == "1"
        ));
    }

    #[test]
    fn every_events_error_keeps_its_case_and_text() {
        use wit_events::EventsError as Wit;
        let cases = [
            (
                Wit::UnknownQueue("q".into()),
                EventsError::UnknownQueue("q".into()),
            ),
            (Wit::InvalidQueueName, EventsError::InvalidQueueName),
            (
                Wit::InvalidEvent("0".into()),
                EventsError::InvalidEvent("0".into()),
            ),
            (Wit::TooManyEvents(51), EventsError::TooManyEvents(51)),
            (
                Wit::PayloadTooLarge("200 KB".into()),
                EventsError::PayloadTooLarge("200 KB".into()),
            ),
            (
                Wit::InvocationLimitReached,
                EventsError::InvocationLimitReached,
            ),
            (Wit::RateLimited(60), EventsError::RateLimited(60)),
            (Wit::UnknownJob, EventsError::UnknownJob),
            (
                Wit::Unavailable("down".into()),
                EventsError::Unavailable("down".into()),
            ),
        ];
        for (wit, sdk) in cases {
            assert_eq!(EventsError::from(wit), sdk);
        }
        let stats = JobStats::from(wit_events::JobStats {
            success: 1,
            in_progress: 2,
            failed: 3,
        });
        assert_eq!(
            stats,
            JobStats {
                success: 1,
                in_progress: 2,
                failed: 3
            }
        );
    }
}
