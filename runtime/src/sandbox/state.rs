//! What a Store holds for one invocation, and the host side of the world's
//! imports. A fresh one is built per invocation and dropped with the Store.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::guest_log::{GuestLog, LogLevel};
use super::limiter::GuestLimiter;
use super::wasi::sandboxed_wasi;
use crate::bindings::{Level, Request, RequestError, Response, v0_1, v0_2, v0_3, v0_4, v0_5};
use crate::guest_text::cap;
use crate::jira::session::JiraSession;
use crate::storage::session::StorageSession;

/// Longest single message kept from the `log` import; the rest is cut with
/// a marker. (What the guest can copy into the host in the first place is
/// bounded by the per-call copy limit, `OperatorLimits::max_copy_bytes`.)
const MAX_LOG_MESSAGE: usize = 16 * 1024;

/// The Store's data.
pub struct InvocationState {
    /// Built on the guest's first WASI call ([`sandboxed_wasi`], the same
    /// deny-by-default context either way): many invocations make none, and
    /// building one (its random generators seeded, its streams wired to the
    /// log) is a fifth of Kiln's own cost of an invocation.
    pub(crate) wasi: Option<WasiCtx>,
    pub(crate) table: ResourceTable,
    pub(crate) limiter: GuestLimiter,
    pub(crate) jira: JiraSession,
    pub(crate) storage: StorageSession,
    pub(crate) log: GuestLog,
    /// What the guest sees as its environment ([`crate::guest_env`]).
    pub(crate) env: crate::guest_env::GuestEnvironment,
    /// `wasi:http` (egress); only reachable when the app declares a backend
    /// (see crate::egress, which implements `WasiHttpView` on this state).
    pub(crate) egress: crate::egress::EgressState,
    /// `kiln:app/events` (0.4.0): pushes to the app's own queues.
    pub(crate) events: crate::events::EventsSession,
    /// `kiln:app/sql` (0.5.0): the installation's Forge SQL database.
    pub(crate) sql: crate::sql::SqlSession,
}

impl WasiView for InvocationState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let log = &self.log;
        let env = &self.env;
        WasiCtxView {
            ctx: self.wasi.get_or_insert_with(|| sandboxed_wasi(log, env)),
            table: &mut self.table,
        }
    }
}

// kiln:app@0.1.0

impl v0_1::kiln::app::types::Host for InvocationState {}

impl v0_1::kiln::app::jira::Host for InvocationState {
    async fn request_jira(&mut self, req: Request) -> Result<Response, RequestError> {
        self.jira.request(req).await
    }
}

impl v0_1::kiln::app::log::Host for InvocationState {
    fn log(&mut self, level: Level, message: String) {
        self.push_log(level, &message);
    }
}

// kiln:app@0.2.0 to 0.5.0: the same session and log, through the
// conversions of `bindings::shapes`.

/// The `types`, `jira` and `log` hosts of a world from 0.2.0 on: identical
/// interfaces in each version.
macro_rules! jira_and_log_hosts {
    ($world:ident) => {
        impl $world::kiln::app::types::Host for InvocationState {}

        impl $world::kiln::app::jira::Host for InvocationState {
            async fn request_jira(
                &mut self,
                req: $world::Request,
            ) -> Result<$world::Response, $world::RequestError> {
                self.jira
                    .request(req.into())
                    .await
                    .map(Into::into)
                    .map_err(Into::into)
            }

            async fn request_jira_all(
                &mut self,
                reqs: Vec<$world::Request>,
            ) -> Vec<Result<$world::Response, $world::RequestError>> {
                let reqs = reqs.into_iter().map(Into::into).collect();
                self.jira
                    .request_all(reqs)
                    .await
                    .into_iter()
                    .map(|outcome| outcome.map(Into::into).map_err(Into::into))
                    .collect()
            }
        }

        impl $world::kiln::app::log::Host for InvocationState {
            fn log(&mut self, level: $world::Level, message: String) {
                self.push_log(level.into(), &message);
            }
        }
    };
}

jira_and_log_hosts!(v0_2);
jira_and_log_hosts!(v0_3);
jira_and_log_hosts!(v0_4);
jira_and_log_hosts!(v0_5);

/// 0.4.0's async events.
impl v0_4::kiln::app::events::Host for InvocationState {
    async fn push(
        &mut self,
        queue: String,
        events: Vec<v0_4::PushEvent>,
    ) -> Result<String, v0_4::EventsError> {
        self.events.push(queue, events).await
    }

    async fn stats(
        &mut self,
        queue: String,
        job_id: String,
    ) -> Result<v0_4::JobStats, v0_4::EventsError> {
        self.events.stats(queue, job_id).await
    }

    async fn cancel(&mut self, queue: String, job_id: String) -> Result<(), v0_4::EventsError> {
        self.events.cancel(queue, job_id).await
    }
}

/// 0.4.0's storage: the session answers in its shapes.
impl v0_4::kiln::app::storage::Host for InvocationState {
    async fn get(&mut self, key: String) -> Result<Option<v0_4::Entry>, v0_4::StorageError> {
        self.storage.get(key).await
    }

    async fn set(&mut self, key: String, value: String) -> Result<u64, v0_4::StorageError> {
        self.storage.set(key, value).await
    }

    async fn set_expiring(
        &mut self,
        key: String,
        value: String,
        ttl_seconds: u64,
    ) -> Result<u64, v0_4::StorageError> {
        self.storage.set_expiring(key, value, ttl_seconds).await
    }

    async fn delete(&mut self, key: String) -> Result<(), v0_4::StorageError> {
        self.storage.delete(key).await
    }

    async fn query(
        &mut self,
        prefix: String,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<v0_4::Page, v0_4::StorageError> {
        self.storage.query(prefix, cursor, limit).await
    }

    async fn compare_and_set(
        &mut self,
        key: String,
        expected: v0_4::Expected,
        value: Option<String>,
    ) -> Result<bool, v0_4::StorageError> {
        self.storage.compare_and_set(key, expected, value).await
    }

    async fn transact(
        &mut self,
        operations: Vec<v0_4::Operation>,
    ) -> Result<v0_4::TransactOutcome, v0_4::StorageError> {
        self.storage.transact(operations).await
    }

    async fn get_secret(&mut self, key: String) -> Result<Option<String>, v0_4::StorageError> {
        self.storage.get_secret(key).await
    }

    async fn set_secret(&mut self, key: String, value: String) -> Result<(), v0_4::StorageError> {
        self.storage.set_secret(key, value).await
    }

    async fn delete_secret(&mut self, key: String) -> Result<(), v0_4::StorageError> {
        self.storage.delete_secret(key).await
    }
}

/// 0.5.0's Forge SQL.
impl v0_5::kiln::app::sql::Host for InvocationState {
    async fn execute(
        &mut self,
        kind: v0_5::StatementKind,
        query: String,
        params: String,
    ) -> Result<String, v0_5::SqlError> {
        self.sql.execute(kind, query, params).await
    }
}

/// 0.5.0's async events: 0.4.0's, in 0.5.0's shapes.
impl v0_5::kiln::app::events::Host for InvocationState {
    async fn push(
        &mut self,
        queue: String,
        events: Vec<v0_5::PushEvent>,
    ) -> Result<String, v0_5::EventsError> {
        let events = events.into_iter().map(Into::into).collect();
        Ok(self.events.push(queue, events).await?)
    }

    async fn stats(
        &mut self,
        queue: String,
        job_id: String,
    ) -> Result<v0_5::JobStats, v0_5::EventsError> {
        Ok(self.events.stats(queue, job_id).await?.into())
    }

    async fn cancel(&mut self, queue: String, job_id: String) -> Result<(), v0_5::EventsError> {
        Ok(self.events.cancel(queue, job_id).await?)
    }
}

/// 0.5.0's storage: 0.4.0's, in 0.5.0's shapes.
impl v0_5::kiln::app::storage::Host for InvocationState {
    async fn get(&mut self, key: String) -> Result<Option<v0_5::Entry>, v0_5::StorageError> {
        Ok(self.storage.get(key).await?.map(Into::into))
    }

    async fn set(&mut self, key: String, value: String) -> Result<u64, v0_5::StorageError> {
        Ok(self.storage.set(key, value).await?)
    }

    async fn set_expiring(
        &mut self,
        key: String,
        value: String,
        ttl_seconds: u64,
    ) -> Result<u64, v0_5::StorageError> {
        Ok(self.storage.set_expiring(key, value, ttl_seconds).await?)
    }

    async fn delete(&mut self, key: String) -> Result<(), v0_5::StorageError> {
        Ok(self.storage.delete(key).await?)
    }

    async fn query(
        &mut self,
        prefix: String,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<v0_5::Page, v0_5::StorageError> {
        Ok(self.storage.query(prefix, cursor, limit).await?.into())
    }

    async fn compare_and_set(
        &mut self,
        key: String,
        expected: v0_5::Expected,
        value: Option<String>,
    ) -> Result<bool, v0_5::StorageError> {
        Ok(self
            .storage
            .compare_and_set(key, expected.into(), value)
            .await?)
    }

    async fn transact(
        &mut self,
        operations: Vec<v0_5::Operation>,
    ) -> Result<v0_5::TransactOutcome, v0_5::StorageError> {
        let operations = operations.into_iter().map(Into::into).collect();
        Ok(self.storage.transact(operations).await?.into())
    }

    async fn get_secret(&mut self, key: String) -> Result<Option<String>, v0_5::StorageError> {
        Ok(self.storage.get_secret(key).await?)
    }

    async fn set_secret(&mut self, key: String, value: String) -> Result<(), v0_5::StorageError> {
        Ok(self.storage.set_secret(key, value).await?)
    }

    async fn delete_secret(&mut self, key: String) -> Result<(), v0_5::StorageError> {
        Ok(self.storage.delete_secret(key).await?)
    }
}

/// 0.3.0's storage: 0.4.0's without expiry and metadata, answers converted.
impl v0_3::kiln::app::storage::Host for InvocationState {
    async fn get(&mut self, key: String) -> Result<Option<v0_3::Entry>, v0_3::StorageError> {
        Ok(self.storage.get(key).await?.map(Into::into))
    }

    async fn set(&mut self, key: String, value: String) -> Result<u64, v0_3::StorageError> {
        Ok(self.storage.set(key, value).await?)
    }

    async fn delete(&mut self, key: String) -> Result<(), v0_3::StorageError> {
        Ok(self.storage.delete(key).await?)
    }

    async fn query(
        &mut self,
        prefix: String,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<v0_3::Page, v0_3::StorageError> {
        Ok(self.storage.query(prefix, cursor, limit).await?.into())
    }

    async fn compare_and_set(
        &mut self,
        key: String,
        expected: v0_3::Expected,
        value: Option<String>,
    ) -> Result<bool, v0_3::StorageError> {
        Ok(self
            .storage
            .compare_and_set(key, expected.into(), value)
            .await?)
    }

    async fn transact(
        &mut self,
        operations: Vec<v0_3::Operation>,
    ) -> Result<v0_3::TransactOutcome, v0_3::StorageError> {
        let operations = operations.into_iter().map(Into::into).collect();
        Ok(self.storage.transact(operations).await?.into())
    }

    async fn get_secret(&mut self, key: String) -> Result<Option<String>, v0_3::StorageError> {
        Ok(self.storage.get_secret(key).await?)
    }

    async fn set_secret(&mut self, key: String, value: String) -> Result<(), v0_3::StorageError> {
        Ok(self.storage.set_secret(key, value).await?)
    }

    async fn delete_secret(&mut self, key: String) -> Result<(), v0_3::StorageError> {
        Ok(self.storage.delete_secret(key).await?)
    }
}

/// 0.2.0's storage: 0.3.0's without `transact`, answers converted through
/// 0.3.0's shapes.
impl v0_2::kiln::app::storage::Host for InvocationState {
    async fn get(&mut self, key: String) -> Result<Option<v0_2::Entry>, v0_2::StorageError> {
        let found = self.storage.get(key).await.map_err(to_v0_2)?;
        Ok(found.map(|entry| v0_3::Entry::from(entry).into()))
    }

    async fn set(&mut self, key: String, value: String) -> Result<u64, v0_2::StorageError> {
        self.storage.set(key, value).await.map_err(to_v0_2)
    }

    async fn delete(&mut self, key: String) -> Result<(), v0_2::StorageError> {
        self.storage.delete(key).await.map_err(to_v0_2)
    }

    async fn query(
        &mut self,
        prefix: String,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<v0_2::Page, v0_2::StorageError> {
        let page = self
            .storage
            .query(prefix, cursor, limit)
            .await
            .map_err(to_v0_2)?;
        Ok(v0_3::Page::from(page).into())
    }

    async fn compare_and_set(
        &mut self,
        key: String,
        expected: v0_2::Expected,
        value: Option<String>,
    ) -> Result<bool, v0_2::StorageError> {
        let expected = v0_4::Expected::from(v0_3::Expected::from(expected));
        self.storage
            .compare_and_set(key, expected, value)
            .await
            .map_err(to_v0_2)
    }

    async fn get_secret(&mut self, key: String) -> Result<Option<String>, v0_2::StorageError> {
        self.storage.get_secret(key).await.map_err(to_v0_2)
    }

    async fn set_secret(&mut self, key: String, value: String) -> Result<(), v0_2::StorageError> {
        self.storage.set_secret(key, value).await.map_err(to_v0_2)
    }

    async fn delete_secret(&mut self, key: String) -> Result<(), v0_2::StorageError> {
        self.storage.delete_secret(key).await.map_err(to_v0_2)
    }
}

/// A storage error in 0.2.0's shape, through 0.3.0's.
fn to_v0_2(error: v0_4::StorageError) -> v0_2::StorageError {
    v0_3::StorageError::from(error).into()
}

impl InvocationState {
    fn push_log(&mut self, level: Level, message: &str) {
        let level = match level {
            Level::Trace => LogLevel::Trace,
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
        };
        self.log.push(level, &cap(message, MAX_LOG_MESSAGE));
    }
}
