//! In-memory fakes of Jira, app storage and egress for an app's unit tests,
//! as Forge developers mock `@forge/api`.
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
//! Each test thread has its own fake, so tests run in parallel without
//! seeing each other's requests or storage. A request no stub answers makes
//! the test panic with the request and how to stub it, rather than let the
//! app see an answer nobody wrote.
//!
//! The host's own checks (scopes, quotas) are not reproduced, since a fake
//! cannot know the manifest; a test simulates their outcomes instead:
//! [`StubBuilder::fail`] with [`RequestError::ScopeDenied`],
//! [`JiraFake::max_requests`], [`StorageFake::deny`] (no `storage:app`),
//! [`StorageFake::fail_next`] and [`StorageFake::max_total_bytes`]. The
//! storage fake does keep the host's documented key, value and page rules,
//! so a key the host would refuse fails in the test too.

mod egress_fake;
mod jira_fake;
mod storage_fake;

use std::cell::RefCell;
use std::rc::Rc;

pub use egress_fake::{EgressFailure, EgressFake, EgressRequest, EgressResponse, EgressStub};
pub use jira_fake::{JiraFake, StubBuilder};
pub use storage_fake::StorageFake;

use crate::log::Level;
use crate::raw::RawRequest;
use crate::storage::{Expected, RawEntry, RawOperation, RawPage, StorageError, TransactOutcome};
use crate::{Context, RequestError, Response, TriggerKind};

/// The storage rules the fake keeps: Forge's documented limits, which the
/// host enforces too.
pub mod storage_limits {
    pub use super::storage_fake::{
        DEFAULT_PAGE_SIZE, MAX_DEPTH, MAX_KEY_CHARS, MAX_PAGE_SIZE, MAX_VALUE_BYTES,
    };
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

/// Everything one fake holds: the host as one installation sees it.
#[derive(Default)]
struct State {
    jira: jira_fake::JiraState,
    storage: storage_fake::StorageState,
    egress: egress_fake::EgressState,
    logs: Vec<LogLine>,
}

type Shared = Rc<RefCell<State>>;

thread_local! {
    /// The fake the SDK's calls on this thread go to.
    static CURRENT: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

/// The fakes of one test: Jira, storage, egress and the log. Installed on the
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
}
