//! In-memory fakes of Jira, app storage, async events, Forge SQL and egress for an
//! app's unit tests, as Forge developers mock `@forge/api`.
//!
//! An app's `cargo test` runs on the developer's machine, not in the Kiln
//! host, so the SDK's calls to the host land here instead (see the seam in
//! `host/mod.rs`). No setting is needed: on `wasm32` this module does not
//! exist and the real imports are used; everywhere else the fakes are.
//!
//! A test installs a [`Fake`] on its thread, programs it, calls the handler
//! as a plain function, then asserts on what the app sent and stored:
//!
//! ```
//! use kiln_sdk::prelude::*;
//! use kiln_sdk::testing::{self, Fake};
//! use serde_json::json;
//!
//! // The app's code, as it would be in src/lib.rs.
//! fn label(key: &str) -> Result<u64, AppError> {
//!     as_user()
//!         .put(route!("/rest/api/3/issue/{}", key)?)
//!         .json(&json!({ "update": { "labels": [{ "add": "bug" }] } }))
//!         .send()?
//!         .error_for_status()?;
//!     Ok(kiln_sdk::storage::update("labelled", |n: Option<u64>| n.unwrap_or(0) + 1)?)
//! }
//!
//! let fake = Fake::install();
//! fake.jira().on(Method::Put, "/rest/api/3/issue/{key}").status(204);
//! fake.storage().set("labelled", &41);
//!
//! assert_eq!(label("KILN-1").unwrap(), 42);
//!
//! let sent = fake.jira().requests();
//! assert_eq!(sent.len(), 1);
//! assert_eq!(sent[0].principal, Principal::User);
//! assert_eq!(sent[0].path, "/rest/api/3/issue/KILN-1");
//! assert_eq!(
//!     sent[0].json::<serde_json::Value>().unwrap().unwrap()["update"]["labels"][0]["add"],
//!     "bug"
//! );
//! assert_eq!(fake.storage().get::<u64>("labelled"), Some(42));
//! # let _ = testing::context();
//! ```
//!
//! The fake host has a clock of its own ([`Fake::now`], starting at
//! 2026-01-01T00:00:00Z) that moves only when the test says
//! ([`Fake::advance`]): stored values set with a time to live disappear, and
//! delayed or retried events become due, exactly when the test wants.
//!
//! Queues work the same way: the app pushes, the test reads
//! [`EventsFake::pushes`] and hands the events to the consumer with
//! [`EventsFake::deliver`], which passes each one as the host would (the
//! JSON of a [`QueueEvent`](crate::events::QueueEvent)):
//!
//! ```
//! use kiln_sdk::prelude::*;
//! use kiln_sdk::testing::Fake;
//! use serde_json::{Value, json};
//!
//! // The app: a producer and its consumer.
//! fn plan(issues: &[&str]) -> Result<kiln_sdk::events::JobId, AppError> {
//!     let bodies: Vec<Value> = issues.iter().map(|key| json!({ "issue": key })).collect();
//!     Ok(Queue::new("label-issues")?.push_all(&bodies)?)
//! }
//! fn label_one(event: QueueEvent<Value>, _ctx: &Context) -> Result<(), AppError> {
//!     storage::set(&format!("seen:{}", event.body["issue"].as_str().unwrap_or("?")), &true)?;
//!     Ok(())
//! }
//!
//! let fake = Fake::install();
//! fake.events().queues(["label-issues"]); // the manifest's consumer queues
//! let job = plan(&["KILN-1", "KILN-2"]).unwrap();
//! assert_eq!(fake.events().pushed("label-issues").len(), 2);
//!
//! let delivered = fake.events().deliver("label-issues", label_one);
//! assert!(delivered.iter().all(|delivery| delivery.outcome.is_ok()));
//! assert_eq!(fake.storage().get::<bool>("seen:KILN-2"), Some(true));
//! assert_eq!(fake.events().stats(&job).success, 2);
//! ```
//!
//! Forge SQL is scripted per statement, as Jira is per path; the migration
//! runner's own bookkeeping needs no script:
//!
//! ```
//! use kiln_sdk::sql::{self, SqlErrorCode};
//! use kiln_sdk::testing::Fake;
//! use serde::Deserialize;
//! use serde_json::json;
//!
//! #[derive(Deserialize)]
//! struct Item {
//!     id: i32,
//!     name: String,
//! }
//!
//! // The app's code.
//! fn add(name: &str) -> Result<Vec<Item>, kiln_sdk::AppError> {
//!     sql::migration_runner()
//!         .enqueue("v001_items", "CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) UNIQUE)")
//!         .run()?;
//!     match sql::prepare("INSERT INTO items (name) VALUES (?)").bind(name).execute() {
//!         Err(error) if error.mysql_error() == Some(1062) => {} // already there
//!         other => { other?; }
//!     }
//!     Ok(sql::prepare("SELECT id, name FROM items").fetch_all()?)
//! }
//!
//! let fake = Fake::install();
//! let insert = "INSERT INTO items (name) VALUES (?)";
//! fake.sql().on(insert).params(&["chair"]).once().inserted(1);
//! fake.sql().on(insert).params(&["chair"]).fail(
//!     SqlErrorCode::SqlExecutionError,
//!     "Error 1062 (23000): Duplicate entry 'chair' for key 'items.name'",
//! );
//! fake.sql().on("SELECT id, name FROM items").rows(&[json!({ "id": 1, "name": "chair" })]);
//!
//! assert_eq!(add("chair").unwrap()[0].name, "chair");
//! assert_eq!(add("chair").unwrap().len(), 1, "the duplicate is not an error");
//! assert_eq!(fake.sql().migrations(), ["v001_items"], "applied once");
//! assert_eq!(fake.sql().statements_of(insert).len(), 2);
//! ```
//!
//! Each test thread has its own fake, so tests run in parallel without
//! seeing each other's requests or storage. A request no stub answers makes
//! the test panic with the request and how to stub it, rather than let the
//! app see an answer nobody wrote.
//!
//! The host's own checks (scopes, quotas) are not reproduced, since a fake
//! cannot know the manifest; a test simulates their outcomes instead:
//! [`StubBuilder::fail`] with [`RequestError::ScopeDenied`],
//! [`JiraFake::max_requests`], [`StorageFake::deny`] (no `storage:app`),
//! [`StorageFake::fail_next`], [`StorageFake::max_total_bytes`] and
//! [`EventsFake::fail_next`], [`SqlFake::disable`] (no `sql` module) and
//! [`SqlStubBuilder::fail`]. The storage fake does keep the host's
//! documented key, value, time-to-live and page rules, and the events fake
//! the host's push rules (queue name, 1 to 50 events, JSON-object bodies,
//! delays up to 900 seconds, 200 KB a push, and unknown queues once
//! [`EventsFake::queues`] names the app's), so what the host would refuse
//! fails in the test too.

mod budget;
mod egress_fake;
mod events_fake;
mod jira_fake;
mod sql_fake;
mod storage_fake;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

pub use egress_fake::{EgressFailure, EgressFake, EgressRequest, EgressResponse, EgressStub};
pub use events_fake::{Delivery, EventsFake, Push, PushedEvent};
pub use jira_fake::{JiraFake, StubBuilder};
pub use sql_fake::{SentStatement, SqlFake, SqlStubBuilder};
pub use storage_fake::StorageFake;

use crate::events::{EventsError, JobStats, RawPushEvent};
use crate::log::Level;
use crate::raw::RawRequest;
use crate::sql::{SqlError, StatementKind};
use crate::storage::{Expected, RawEntry, RawOperation, RawPage, StorageError, TransactOutcome};
use crate::{Context, RequestError, Response, TriggerKind};

/// The storage rules the fake keeps: Forge's documented limits, which the
/// host enforces too.
pub mod storage_limits {
    pub use super::storage_fake::{
        DEFAULT_PAGE_SIZE, MAX_DEPTH, MAX_KEY_CHARS, MAX_PAGE_SIZE, MAX_TTL, MAX_VALUE_BYTES,
    };
}

/// The events rules the fake keeps beyond Forge's (which are in
/// [`events`](crate::events)): the host's own bounds.
pub mod events_limits {
    pub use super::events_fake::{MAX_CHAIN_DEPTH, MAX_EVENTS_PER_INVOCATION};
}

pub(crate) mod egress {
    //! The native door of `kiln_sdk::fetch`.
    pub(crate) use super::egress_fake::send;
}

/// A context for calling a handler in a test: fixed, recognisable values
/// (`test-invocation`, account `test-account`, cloud `test-cloud`, site
/// `https://kiln.test`, module `main`, installation `test-installation`,
/// trigger [`TriggerKind::Function`], environment `development`). Change the
/// fields the test is about:
///
/// ```
/// let mut ctx = kiln_sdk::testing::context();
/// ctx.account_id = None;
/// ctx.trigger = kiln_sdk::TriggerKind::Scheduled;
/// ```
pub fn context() -> Context {
    Context {
        invocation_id: "test-invocation".into(),
        account_id: Some("test-account".into()),
        cloud_id: "test-cloud".into(),
        site_url: "https://kiln.test".into(),
        module_key: "main".into(),
        installation_id: "test-installation".into(),
        trigger: TriggerKind::Function,
        environment: "development".into(),
    }
}

/// One line the app logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Its severity.
    pub level: Level,
    /// Its text.
    pub message: String,
}

/// Where the fake's clock starts: 2026-01-01T00:00:00Z, in milliseconds
/// since the Unix epoch. Fixed, so times in a test's assertions are too.
pub const CLOCK_START_MILLIS: u64 = 1_767_225_600_000;

/// Everything one fake holds: the host as one installation sees it.
struct State {
    jira: jira_fake::JiraState,
    storage: storage_fake::StorageState,
    egress: egress_fake::EgressState,
    events: events_fake::EventsState,
    sql: sql_fake::SqlState,
    logs: Vec<LogLine>,
    /// The host's clock, in milliseconds since the Unix epoch: it moves only
    /// when the test says ([`Fake::advance`]).
    clock_ms: u64,
}

impl Default for State {
    fn default() -> Self {
        State {
            jira: Default::default(),
            storage: Default::default(),
            egress: Default::default(),
            events: Default::default(),
            sql: Default::default(),
            logs: Vec::new(),
            clock_ms: CLOCK_START_MILLIS,
        }
    }
}

type Shared = Rc<RefCell<State>>;

thread_local! {
    /// The fake the SDK's calls on this thread go to.
    static CURRENT: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

/// The fakes of one test: Jira, storage, events, Forge SQL, egress and the log. Installed on the
/// current thread by [`Fake::install`] until it is dropped.
#[must_use = "the fake is uninstalled when dropped; keep it in a variable for the whole test"]
pub struct Fake {
    state: Shared,
}

impl Fake {
    /// A fresh fake (no stubs, empty storage), installed on the current
    /// thread in place of any other: every SDK call on this thread goes to it
    /// until it is dropped.
    pub fn install() -> Fake {
        let state = Shared::default();
        CURRENT.with(|current| *current.borrow_mut() = Some(Rc::clone(&state)));
        Fake { state }
    }

    /// The fake Jira: stub answers, read the requests the app sent.
    pub fn jira(&self) -> JiraFake<'_> {
        JiraFake::new(&self.state)
    }

    /// The fake app storage of the installation: seed it, inspect it, make it
    /// fail.
    pub fn storage(&self) -> StorageFake<'_> {
        StorageFake::new(&self.state)
    }

    /// The fake egress for `kiln_sdk::fetch`: stub third-party answers, read
    /// the requests.
    pub fn egress(&self) -> EgressFake<'_> {
        EgressFake::new(&self.state)
    }

    /// The fake events host: name the app's queues, read what the app
    /// pushed, deliver it to a consumer.
    pub fn events(&self) -> EventsFake<'_> {
        EventsFake::new(&self.state)
    }

    /// The fake Forge SQL database: script answers per statement, read the
    /// statements the app sent and the migrations it applied.
    pub fn sql(&self) -> SqlFake<'_> {
        SqlFake::new(&self.state)
    }

    /// The host's clock, as stored entries' `created_at` and `expires_at`
    /// and events' delays see it. It starts at [`CLOCK_START_MILLIS`]
    /// (2026-01-01T00:00:00Z) and moves only by [`Fake::advance`].
    pub fn now(&self) -> SystemTime {
        crate::storage::time_of(self.state.borrow().clock_ms)
    }

    /// Moves the host's clock forward by `by` (to the millisecond): stored
    /// values whose time to live runs out are gone, delayed and retried
    /// events become due.
    pub fn advance(&self, by: Duration) {
        let mut state = self.state.borrow_mut();
        let millis = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        state.clock_ms = state.clock_ms.saturating_add(millis);
    }

    /// Every line the app logged, in order.
    pub fn logs(&self) -> Vec<LogLine> {
        self.state.borrow().logs.clone()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        CURRENT.with(|current| {
            let mut current = current.borrow_mut();
            // A later `install` on this thread replaced this fake: leave it.
            if current.as_ref().is_some_and(|c| Rc::ptr_eq(c, &self.state)) {
                *current = None;
            }
        });
    }
}

/// The fake installed on this thread, or a panic that says how to install
/// one: a test that reaches the host without a fake has no answer to give.
fn current(call: &str) -> Shared {
    CURRENT
        .with(|current| current.borrow().clone())
        .unwrap_or_else(|| {
            panic!(
                "kiln_sdk: the app called {call} outside the Kiln host, and no fake is installed \
                 on this thread; start the test with `let fake = kiln_sdk::testing::Fake::install();` \
                 and stub what the app calls"
            )
        })
}

/// The native side of the host seam: every call goes to the current fake.
pub(crate) struct FakeHost;

impl crate::host::Host for FakeHost {
    fn request_jira(request: RawRequest) -> Result<Response, RequestError> {
        jira_fake::request(&current("request-jira"), request)
    }

    fn request_jira_all(requests: Vec<RawRequest>) -> Vec<Result<Response, RequestError>> {
        let state = current("request-jira-all");
        state.borrow_mut().jira.batches.push(requests.clone());
        requests
            .into_iter()
            .map(|request| jira_fake::request(&state, request))
            .collect()
    }

    fn log(level: Level, message: &str) {
        match CURRENT.with(|current| current.borrow().clone()) {
            Some(state) => state.borrow_mut().logs.push(LogLine {
                level,
                message: message.to_owned(),
            }),
            // Logging needs no answer, so it works without a fake; the test
            // harness shows stderr of a failed test.
            None => eprintln!("[{level}] {message}"),
        }
    }

    fn storage_get(key: &str) -> Result<Option<RawEntry>, StorageError> {
        storage_fake::app_call(&current("storage get"), |s| s.get(key))
    }

    fn storage_set(key: &str, value: &str) -> Result<u64, StorageError> {
        storage_fake::app_call(&current("storage set"), |s| s.set(key, value))
    }

    fn storage_set_expiring(key: &str, value: &str, ttl_seconds: u64) -> Result<u64, StorageError> {
        storage_fake::app_call(&current("storage set-expiring"), |s| {
            s.set_expiring(key, value, ttl_seconds)
        })
    }

    fn storage_delete(key: &str) -> Result<(), StorageError> {
        storage_fake::app_call(&current("storage delete"), |s| s.delete(key))
    }

    fn storage_query(
        prefix: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<RawPage, StorageError> {
        storage_fake::app_call(&current("storage query"), |s| {
            s.query(prefix, cursor, limit)
        })
    }

    fn storage_compare_and_set(
        key: &str,
        expected: Expected,
        value: Option<&str>,
    ) -> Result<bool, StorageError> {
        storage_fake::app_call(&current("storage compare-and-set"), |s| {
            s.compare_and_set(key, expected, value)
        })
    }

    fn storage_transact(operations: &[RawOperation]) -> Result<TransactOutcome, StorageError> {
        storage_fake::app_call(&current("storage transact"), |s| s.transact(operations))
    }

    fn storage_get_secret(key: &str) -> Result<Option<String>, StorageError> {
        storage_fake::app_call(&current("storage get-secret"), |s| s.get_secret(key))
    }

    fn storage_set_secret(key: &str, value: &str) -> Result<(), StorageError> {
        storage_fake::app_call(&current("storage set-secret"), |s| s.set_secret(key, value))
    }

    fn storage_delete_secret(key: &str) -> Result<(), StorageError> {
        storage_fake::app_call(&current("storage delete-secret"), |s| s.delete_secret(key))
    }

    fn events_push(queue: &str, events: &[RawPushEvent]) -> Result<String, EventsError> {
        events_call(&current("events push"), |e, now| e.push(queue, events, now))
    }

    fn events_stats(queue: &str, job_id: &str) -> Result<JobStats, EventsError> {
        events_call(&current("events stats"), |e, _| e.stats(queue, job_id))
    }

    fn events_cancel(queue: &str, job_id: &str) -> Result<(), EventsError> {
        events_call(&current("events cancel"), |e, _| e.cancel(queue, job_id))
    }

    fn sql_execute(kind: StatementKind, query: &str, params: &str) -> Result<String, SqlError> {
        sql_fake::execute(&current("sql execute"), kind, query, params)
    }
}

/// Runs one of the app's events calls: failed with the next injected
/// failure, else `call` on the state at the fake's time.
fn events_call<R>(
    state: &Shared,
    call: impl FnOnce(&mut events_fake::EventsState, u64) -> Result<R, EventsError>,
) -> Result<R, EventsError> {
    let mut state = state.borrow_mut();
    let now = state.clock_ms;
    if let Some(failure) = state.events.next_failure() {
        return Err(failure);
    }
    call(&mut state.events, now)
}
