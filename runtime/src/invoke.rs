//! One invocation: a fresh Store and instance, a deadline, and a typed
//! outcome.
//!
//! The Store is created here and dropped here, whatever happens: a trap, a
//! timeout or a limit never leaves state behind for the next invocation.
//! The deadline is enforced twice: by epoch interruption inside guest code,
//! and by a timeout around the whole call, which also covers host calls in
//! flight (a guest parked in a slow `request-jira`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use wasmtime::{Store, Trap, UpdateDeadline, WasmBacktrace};

use crate::bindings::{self, AppError, AppPre, HandlerError, RetryAsked};
use crate::guest_text::{
    GuestList, GuestText, MAX_GUEST_ERROR_BYTES, MAX_GUEST_LIST_ITEMS, MAX_GUEST_NAME_BYTES, cap,
    cap_owned,
};
use crate::jira::session::{Door, JiraSession, SessionConfig};
use crate::runtime::LoadedApp;
use crate::sandbox::guest_log::{Dropped, GuestLog, LogLine};
use crate::sandbox::json_depth::{MAX_JSON_DEPTH, exceeds_depth};
use crate::sandbox::limiter::{GuestLimiter, LimitHit};
use crate::sandbox::state::InvocationState;
use crate::storage::DEFAULT_ENVIRONMENT;
use crate::storage::session::StorageSession;

/// Extra time the outer timeout allows beyond the deadline, so that the epoch
/// trap (which names the guest frame) normally wins over the blunt cut-off.
const DEADLINE_GRACE: Duration = Duration::from_millis(250);

/// What to invoke.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The manifest's function key; `None` picks the only function.
    pub function_key: Option<String>,
    /// The JSON payload.
    pub payload: String,
    /// Who wrote the payload's text, which decides whether its syntax is
    /// checked again ([`PayloadSource`]).
    pub payload_source: PayloadSource,
    /// The invoking user's account id, passed to the app in its context.
    pub account_id: Option<String>,
    /// What started the invocation (0.2.0's `context.trigger`).
    pub trigger: Trigger,
    /// The environment the app runs in: with the app id and the site, it
    /// names the installation whose storage the invocation uses.
    pub environment: String,
    /// The installation's web trigger URLs (module key, URL), handed to the
    /// guest as its `KILN_WEBTRIGGER_URLS` environment entry
    /// ([`crate::guest_env`]); empty outside `runtime serve`.
    pub web_trigger_urls: crate::guest_env::WebTriggerUrls,
    /// How many consumers deep in a chain of pushes this invocation runs:
    /// 0, unless it is a queue event's consumer (the event's depth). Events
    /// it pushes are one deeper ([`crate::events`]).
    pub chain_depth: u32,
    /// How much of the app's result the runtime reads before handing it on
    /// ([`ResultCheck`]).
    pub result_check: ResultCheck,
}

impl Default for Invocation {
    fn default() -> Self {
        Self {
            function_key: None,
            payload: String::new(),
            payload_source: PayloadSource::default(),
            account_id: None,
            trigger: Trigger::default(),
            environment: DEFAULT_ENVIRONMENT.to_owned(),
            web_trigger_urls: Default::default(),
            chain_depth: 0,
            result_check: ResultCheck::default(),
        }
    }
}

/// Who wrote an invocation's payload text.
///
/// Its size and nesting depth are checked whoever wrote it: the values
/// inside are a caller's (a web trigger's body and headers) even when the
/// host wrote the JSON around them, and the limits are the operator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayloadSource {
    /// Text the host received (a `--payload`, a stored event, a lint
    /// fixture): it must also parse as JSON, or the invocation is refused
    /// with [`InvokeError::InvalidPayload`].
    #[default]
    Text,
    /// Written by the host in this process with `serde_json`'s serializer
    /// from a typed value (`runtime serve`'s Forge web trigger request),
    /// which emits valid JSON or fails: parsing it again would re-read what
    /// was written a moment before, on every request. Never for text that
    /// came from outside the process.
    HostSerialized,
}

/// How much of an app's result the runtime reads before handing it on.
///
/// Its size and nesting depth are always checked: they bound what the host
/// keeps and what any parser of it recurses through, whoever reads it next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultCheck {
    /// It must also parse as JSON, or the invocation fails with
    /// [`InvocationFailure::InvalidResult`]: the result goes on as JSON text
    /// (printed by `runtime run`, kept with an event, read by a script).
    #[default]
    Json,
    /// The caller parses the result at once, with `serde_json` into a typed
    /// value, which refuses what is not JSON as this check would
    /// (`runtime serve`'s web trigger response): checking its syntax here
    /// too would read every result twice, on every request. The caller must
    /// then treat a result that does not parse as the app's bad result.
    ParsedByCaller,
}

/// What started an invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trigger {
    /// A person or a script ran a function module (`runtime run`).
    #[default]
    Function,
    /// A Jira product event delivered to a `trigger` module.
    ProductEvent,
    /// An HTTP request to a `webtrigger` module's URL.
    WebTrigger,
    /// A `scheduledTrigger` module's interval came round.
    Scheduled,
    /// An event pushed to a queue reached the queue's `consumer` module.
    QueueEvent,
}

/// Why an invocation did not run at all (bad input, nothing executed).
///
/// Function keys come from the manifest (the app's text) and the caller:
/// `Display` escapes them ([`GuestText`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    #[error("the manifest has no function `{}` (functions: {})", GuestText(.key), GuestList(.available, ", "))]
    UnknownFunction { key: String, available: Vec<String> },
    #[error("the manifest declares several functions ({}); choose one with --function", GuestList(.0, ", "))]
    AmbiguousFunction(Vec<String>),
    #[error("the payload is not valid JSON: {}", GuestText(.0))]
    InvalidPayload(String),
    #[error("the payload is {size} bytes; the limit is {limit}")]
    PayloadTooLarge { size: usize, limit: usize },
    #[error("the payload nests arrays and objects deeper than {limit} levels")]
    PayloadTooDeep { limit: usize },
    /// The environment (with the app id and site) does not name a valid
    /// installation: empty, over 1 KiB, or holding a control character.
    #[error("the installation cannot be named: {0}")]
    InvalidInstallation(#[from] kiln_state::InstallationError),
    /// The app's config variables could not be read (the state database is
    /// unavailable, or a stored variable is damaged): the app does not run
    /// without its configuration. The text carries no value.
    #[error("the app's config variables cannot be read: {0}")]
    Variables(String),
}

/// How a started invocation failed.
///
/// Every string field holds guest-controlled text, capped by Kiln
/// ([`MAX_GUEST_ERROR_BYTES`], [`MAX_GUEST_NAME_BYTES`]). `Display` is the
/// sentence for people and escapes that text ([`GuestText`]), so it is one
/// line that cannot forge one of Kiln's own; `Serialize` keeps the text as
/// the app wrote it, for JSON (see [`crate::guest_text::to_json_pretty`]).
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum InvocationFailure {
    /// The app returned an error.
    #[error("the app returned an error: {}", GuestText(.message))]
    App {
        message: String,
        #[serde(skip)]
        error: AppErrorKind,
    },
    #[error("the invocation exceeded its {seconds:.1}s deadline")]
    Timeout { seconds: f64 },
    #[error("the app exceeded its memory limit of {limit_mib} MiB")]
    MemoryLimit { limit_mib: usize },
    #[error("the app exceeded its table limit of {limit} elements")]
    TableLimit { limit: usize },
    #[error("the app used up its CPU budget (fuel)")]
    FuelExhausted,
    #[error("the app overflowed its stack")]
    StackOverflow,
    #[error("the app called exit({code})")]
    Exit { code: i32 },
    /// The cause comes first; the wasm backtrace (innermost frame first,
    /// names from the component's name section) is kept apart, so the cause
    /// is never buried under it.
    #[error("the app trapped: {}", GuestText(.message))]
    Trap {
        message: String,
        backtrace: Vec<String>,
    },
    /// One call moved more data from the guest to the host than Kiln copies
    /// per call (a string, or a list of strings that all point at the same
    /// bytes, in an argument of an import or in the handler's return value).
    #[error(
        "the app handed the host more than {limit} bytes in one call (Kiln's per-call copy limit)"
    )]
    CopyLimit { limit: usize },
    #[error("the app's result is {size} bytes; the limit is {limit}")]
    ResultTooLarge { size: usize, limit: usize },
    #[error("the app's result nests arrays and objects deeper than {limit} levels")]
    ResultTooDeep { limit: usize },
    #[error("the app's result is not valid JSON: {}", GuestText(.message))]
    InvalidResult { message: String },
    /// A consumer asked to see its event again (Forge's `InvocationError`).
    /// Only a queue event is retried on request; for any other invocation
    /// this is a failure like [`InvocationFailure::App`].
    #[error("the app asked to run again in {after_seconds}s: {}", GuestText(.reason))]
    RetryRequested {
        /// At least 1 and at most [`MAX_RETRY_AFTER_SECONDS`].
        after_seconds: u32,
        /// Forge's `retryReason` (a code, not prose: cut without a marker),
        /// at most [`MAX_RETRY_REASON_BYTES`].
        reason: String,
        /// JSON text of at most [`MAX_RETRY_DATA_BYTES`] and
        /// [`MAX_JSON_DEPTH`] levels; `None` when the app gave none, or gave
        /// text that is not such JSON.
        data: Option<String>,
    },
}

/// The app error's category, for exit codes and hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppErrorKind {
    #[default]
    Failed,
    InvalidPayload,
    UnknownFunction,
    /// The app gave up after request-jira refused a call for a scope the
    /// manifest does not declare (a policy refusal with its own remedy).
    ScopeDenied,
    /// The app gave up after request-jira refused a call on other policy
    /// grounds (invalid request, unknown route).
    RequestRefused,
    /// The app gave up after another request-jira failure.
    RequestFailed,
}

impl AppErrorKind {
    /// Whether the app stopped because the host refused a call on policy
    /// grounds ([`crate::bindings::RequestError::is_policy_refusal`]).
    pub fn is_policy_refusal(self) -> bool {
        matches!(
            self,
            AppErrorKind::ScopeDenied | AppErrorKind::RequestRefused
        )
    }
}

/// What an invocation produced.
#[derive(Debug, Clone)]
pub struct Invoked {
    pub invocation_id: String,
    /// The app's JSON result, or why there is none. Under
    /// [`ResultCheck::ParsedByCaller`] its syntax is the caller's to check.
    pub result: Result<String, InvocationFailure>,
    pub logs: Vec<LogLine>,
    pub dropped: Dropped,
    /// request-jira calls made (each request of a request-jira-all counts),
    /// and how many the host refused on policy.
    pub requests: u32,
    pub policy_refusals: u32,
    /// Storage calls made (refused ones included).
    pub storage_calls: u32,
    /// Forge SQL statements sent (refused ones included).
    pub sql_calls: u32,
    pub elapsed: Duration,
}

impl Invoked {
    /// Whether the sandbox refused something the app tried, or a limit stopped it.
    pub fn is_sandbox_violation(&self) -> bool {
        match &self.result {
            Ok(_) => false,
            Err(InvocationFailure::App { error, .. }) => error.is_policy_refusal(),
            // The app's own answer, as a returned error is.
            Err(InvocationFailure::RetryRequested { .. }) => false,
            Err(_) => true,
        }
    }
}

impl LoadedApp {
    /// Runs one invocation in a fresh Store.
    pub async fn invoke(&self, invocation: Invocation) -> Result<Invoked, InvokeError> {
        let function = self.resolve_function(invocation.function_key.as_deref())?;
        let handler = function.handler.clone();
        let module_key = function.key.clone();
        self.check_payload(&invocation.payload, invocation.payload_source)?;
        // The installation is the host's choice: the manifest's app id, the
        // site this runtime talks to, the caller's environment.
        let site = self.client.site();
        let identity = self.last_installation.identity(
            self.app_id.as_ref(),
            self.installation_site.as_ref(),
            invocation.environment.as_str(),
        )?;
        let installation = &identity.installation;

        // The app's own configuration, read before the instance exists so a
        // change made between two invocations is seen by the second.
        let env = if self.reads_environment {
            crate::guest_env::GuestEnvironment::load(
                self.storage.as_ref(),
                self.app_id.as_ref(),
                invocation.environment.as_str(),
                &invocation.web_trigger_urls,
            )
            .await
            .map_err(|e| InvokeError::Variables(e.to_string()))?
        } else {
            crate::guest_env::GuestEnvironment::default()
        };

        // A pool slot for this invocation's instance, held until the Store is
        // dropped. The semaphore is never closed, so acquiring cannot fail.
        let _slot = match &self.slots {
            Some(slots) => slots.acquire().await.ok(),
            None => None,
        };
        let started = Instant::now();
        let invocation_id = new_invocation_id();
        let timeout = self.limits.timeout_for(function, invocation.trigger);
        let deadline = tokio::time::Instant::now() + timeout;
        let log = GuestLog::new(
            self.limits.max_log_lines as usize,
            self.limits.max_log_bytes as usize,
        );
        let jira = JiraSession::new(SessionConfig {
            client: self.client.clone(),
            scopes: self.scopes.clone(),
            audit: self.audit.clone(),
            app_id: self.app_id.clone(),
            invocation_id: invocation_id.clone(),
            deadline,
            max_requests: self.limits.max_requests,
            max_egress_requests: crate::egress::budget::egress_requests_for(timeout),
            door: Door::App,
        });
        // Egress shares the invocation's budget: its own request count, one byte count.
        let egress = crate::egress::EgressState::new(
            self.egress.clone(),
            jira.budget(),
            self.audit.clone(),
            self.app_id.clone(),
            &invocation_id,
            deadline,
        );
        let state = InvocationState {
            wasi: None,
            table: wasmtime::component::ResourceTable::new(),
            limiter: GuestLimiter::new(self.limits.memory_bytes),
            jira,
            storage: StorageSession::new(
                self.storage.clone(),
                self.storage_allowed,
                Arc::clone(installation),
                deadline,
            ),
            log: log.clone(),
            env,
            egress,
            events: crate::events::EventsSession::new(
                self.events.clone(),
                self.queues.clone(),
                self.event_limits,
                Arc::clone(installation),
                invocation.chain_depth,
                deadline,
            ),
            sql: crate::sql::SqlSession::new(
                self.forge_sql.clone(),
                self.manifest.declares_sql(),
                Arc::clone(installation),
                deadline,
            ),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        // Kiln's own bound on what one call copies out of the guest, rather
        // than wasmtime's default (128 MiB).
        store.set_hostcall_fuel(self.limits.max_copy_bytes);
        // Where the engine counts fuel, a manifest budget is set here; without
        // one it is effectively unlimited and the deadline is the only CPU
        // bound, as it is on an engine that does not count (which is only
        // given apps without a budget: `Runtime::check_manifest`).
        if self.counts_fuel {
            let _ = store.set_fuel(self.limits.fuel.unwrap_or(u64::MAX));
        }
        let wall_deadline = Instant::now() + timeout;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= wall_deadline {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });

        let payload = &invocation.payload;
        // Calls `handle` of a world from 0.2.0 on: the same context record
        // and the same call in each version, in that version's types.
        macro_rules! call_handle {
            ($pre:expr, $world:ident) => {{
                let context = bindings::$world::Context {
                    invocation_id: invocation_id.clone(),
                    account_id: invocation.account_id.clone(),
                    cloud_id: site.cloud_id().to_owned(),
                    site_url: site.site_url().to_owned(),
                    module_key,
                    installation_id: identity.id.clone(),
                    trigger: invocation.trigger.into(),
                    environment: invocation.environment.clone(),
                };
                let app = $pre.instantiate_async(&mut store).await?;
                let returned = app
                    .kiln_app_handler()
                    .call_handle(&mut store, &handler, payload, &context)
                    .await?;
                Ok(returned.map_err(HandlerError::from))
            }};
        }
        let call = async {
            match &self.pre {
                // A 0.1.0 component gets 0.1.0's context, unchanged.
                AppPre::V0_1(pre) => {
                    let context = bindings::v0_1::Context {
                        invocation_id: invocation_id.clone(),
                        account_id: invocation.account_id.clone(),
                        cloud_id: site.cloud_id().to_owned(),
                        site_url: site.site_url().to_owned(),
                        module_key,
                    };
                    let app = pre.instantiate_async(&mut store).await?;
                    let returned = app
                        .kiln_app_handler()
                        .call_handle(&mut store, &handler, payload, &context)
                        .await?;
                    Ok(returned.map_err(HandlerError::from))
                }
                AppPre::V0_2(pre) => call_handle!(pre, v0_2),
                AppPre::V0_3(pre) => call_handle!(pre, v0_3),
                AppPre::V0_4(pre) => call_handle!(pre, v0_4),
                AppPre::V0_5(pre) => call_handle!(pre, v0_5),
            }
        };
        let outcome = tokio::time::timeout(timeout + DEADLINE_GRACE, call).await;

        let timeout_failure = InvocationFailure::Timeout {
            seconds: timeout.as_secs_f64(),
        };
        let (result, requests, policy_refusals, storage_calls, sql_calls) = match outcome {
            // The call future was dropped mid-flight: the Store is only fit to
            // be dropped, so nothing more is read from it.
            Err(_elapsed) => (Err(timeout_failure), 0, 0, 0, 0),
            Ok(returned) => {
                let state = store.data();
                let result = match returned {
                    Ok(Ok(json)) => self.check_result(json, invocation.result_check),
                    Ok(Err(app_error)) => Err(handler_failure(app_error)),
                    Err(error) => Err(classify_trap(
                        &error,
                        state.limiter.hit(),
                        timeout_failure,
                        self.limits.max_copy_bytes,
                    )),
                };
                (
                    result,
                    state.jira.request_count(),
                    state.jira.policy_refusals(),
                    state.storage.call_count(),
                    state.sql.call_count(),
                )
            }
        };
        drop(store);
        let (logs, dropped) = log.finish();
        Ok(Invoked {
            invocation_id,
            result,
            logs,
            dropped,
            requests,
            policy_refusals,
            storage_calls,
            sql_calls,
            elapsed: started.elapsed(),
        })
    }

    fn resolve_function(
        &self,
        key: Option<&str>,
    ) -> Result<&kiln_manifest::FunctionModule, InvokeError> {
        let functions = &self.manifest.modules.function;
        let keys = || functions.iter().map(|f| f.key.clone()).collect::<Vec<_>>();
        match key {
            Some(key) => self
                .manifest
                .function(key)
                .ok_or_else(|| InvokeError::UnknownFunction {
                    key: key.to_owned(),
                    available: keys(),
                }),
            None if functions.len() == 1 => Ok(&functions[0]),
            None => Err(InvokeError::AmbiguousFunction(keys())),
        }
    }

    fn check_payload(&self, payload: &str, source: PayloadSource) -> Result<(), InvokeError> {
        if payload.len() > self.limits.max_payload_bytes {
            return Err(InvokeError::PayloadTooLarge {
                size: payload.len(),
                limit: self.limits.max_payload_bytes,
            });
        }
        if exceeds_depth(payload, MAX_JSON_DEPTH).is_some() {
            return Err(InvokeError::PayloadTooDeep {
                limit: MAX_JSON_DEPTH,
            });
        }
        if source == PayloadSource::HostSerialized {
            return Ok(());
        }
        serde_json::from_str::<serde::de::IgnoredAny>(payload)
            .map(|_| ())
            .map_err(|e| InvokeError::InvalidPayload(e.to_string()))
    }

    fn check_result(&self, json: String, check: ResultCheck) -> Result<String, InvocationFailure> {
        if json.len() > self.limits.max_result_bytes {
            return Err(InvocationFailure::ResultTooLarge {
                size: json.len(),
                limit: self.limits.max_result_bytes,
            });
        }
        if exceeds_depth(&json, MAX_JSON_DEPTH).is_some() {
            return Err(InvocationFailure::ResultTooDeep {
                limit: MAX_JSON_DEPTH,
            });
        }
        if check == ResultCheck::ParsedByCaller {
            return Ok(json);
        }
        serde_json::from_str::<serde::de::IgnoredAny>(&json).map_err(|e| {
            InvocationFailure::InvalidResult {
                message: e.to_string(),
            }
        })?;
        Ok(json)
    }
}

/// Longest delay a consumer may ask for before its event runs again:
/// Forge's bound on a push's delay, so an app cannot park an event in the
/// queue (counted against its depth) for longer than it could push one.
pub const MAX_RETRY_AFTER_SECONDS: u32 = 900;

/// Most bytes of `retryData` and of `retryReason` kept with a retried
/// event: both are stored in the queue with it and handed back, so they are
/// bounded like its metadata, not like its body. The queue's own bounds, so
/// what the host keeps is always what the queue accepts.
pub use kiln_state::serve::{MAX_RETRY_DATA_BYTES, MAX_RETRY_REASON_BYTES};

/// What a handler's error becomes: a retry request bounded here, before
/// the host keeps any of it, or the app's failure.
fn handler_failure(error: HandlerError) -> InvocationFailure {
    match error {
        HandlerError::App(error) => app_failure(error),
        HandlerError::Retry(RetryAsked {
            after_seconds,
            reason,
            data,
        }) => InvocationFailure::RetryRequested {
            after_seconds: after_seconds.clamp(1, MAX_RETRY_AFTER_SECONDS),
            reason: cut_at_char(reason, MAX_RETRY_REASON_BYTES),
            data: data.filter(|text| {
                text.len() <= MAX_RETRY_DATA_BYTES
                    && exceeds_depth(text, MAX_JSON_DEPTH).is_none()
                    && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
            }),
        },
    }
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut_at_char(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Maps the app's typed error to a failure with a readable message. Every
/// string in it is the app's and is capped here, before the host keeps it.
fn app_failure(error: AppError) -> InvocationFailure {
    use bindings::RequestError as R;
    let error_text = |m: &str| cap(m, MAX_GUEST_ERROR_BYTES).into_owned();
    let (kind, message) = match error {
        AppError::InvalidPayload(m) => (
            AppErrorKind::InvalidPayload,
            format!("invalid payload: {}", error_text(&m)),
        ),
        AppError::UnknownFunction(m) => (
            AppErrorKind::UnknownFunction,
            format!("no handler named `{}`", cap(&m, MAX_GUEST_NAME_BYTES)),
        ),
        AppError::Failed(m) => (AppErrorKind::Failed, cap_owned(m, MAX_GUEST_ERROR_BYTES)),
        AppError::Request(r) => {
            let kind = match &r {
                R::ScopeDenied(_) => AppErrorKind::ScopeDenied,
                r if r.is_policy_refusal() => AppErrorKind::RequestRefused,
                _ => AppErrorKind::RequestFailed,
            };
            (kind, describe_request_error(&r))
        }
    };
    InvocationFailure::App {
        message,
        error: kind,
    }
}

/// A request-jira error as a sentence for the developer. The error may be
/// the app's own (an app can return any `request-error` it likes), so every
/// string in it is capped; the sentence is unescaped text, escaped where it
/// is printed.
pub fn describe_request_error(error: &bindings::RequestError) -> String {
    use bindings::RequestError as R;
    let text = |m: &str| cap(m, MAX_GUEST_ERROR_BYTES).into_owned();
    match error {
        R::InvalidRequest(m) => format!("request-jira refused an invalid request: {}", text(m)),
        R::UnknownRoute(m) => format!("request-jira refused an unknown route: {}", text(m)),
        R::ScopeDenied(d) => format!(
            "request-jira refused {}: scope denied; add to permissions.scopes in manifest.yml: {}",
            cap(&d.route, MAX_GUEST_NAME_BYTES),
            capped_list(&d.missing)
        ),
        R::NeedsAuthentication(p) => format!(
            "request-jira needs authentication: no credential is configured for the {} principal",
            p.name()
        ),
        R::QuotaExceeded(m) => format!("request-jira quota exceeded: {}", text(m)),
        R::Timeout => "request-jira timed out waiting for Jira".to_owned(),
        R::Transport(m) => format!("request-jira could not reach Jira: {}", text(m)),
    }
}

/// At most [`MAX_GUEST_LIST_ITEMS`] names, each capped, and a count of the
/// rest.
fn capped_list(items: &[String]) -> String {
    let mut out: Vec<String> = items
        .iter()
        .take(MAX_GUEST_LIST_ITEMS)
        .map(|item| cap(item, MAX_GUEST_NAME_BYTES).into_owned())
        .collect();
    if items.len() > MAX_GUEST_LIST_ITEMS {
        out.push(format!("… {} more", items.len() - MAX_GUEST_LIST_ITEMS));
    }
    out.join(", ")
}

/// Turns a wasmtime error into the limit or trap it stands for.
fn classify_trap(
    error: &wasmtime::Error,
    hit: Option<LimitHit>,
    timeout: InvocationFailure,
    copy_limit: usize,
) -> InvocationFailure {
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return InvocationFailure::Exit { code: exit.0 };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => return timeout,
        Some(Trap::OutOfFuel) => return InvocationFailure::FuelExhausted,
        Some(Trap::StackOverflow) => return InvocationFailure::StackOverflow,
        _ => {}
    }
    match hit {
        Some(LimitHit::Memory { limit_bytes }) => InvocationFailure::MemoryLimit {
            limit_mib: limit_bytes / (1024 * 1024),
        },
        Some(LimitHit::Table { limit_elements }) => InvocationFailure::TableLimit {
            limit: limit_elements,
        },
        None if is_copy_limit(error) => InvocationFailure::CopyLimit { limit: copy_limit },
        None => {
            let (message, backtrace) = describe_trap(error);
            InvocationFailure::Trap { message, backtrace }
        }
    }
}

/// wasmtime's error when a call's hostcall fuel (set to Kiln's copy limit
/// per Store) runs out. Its type is private, so it is known by its text;
/// `escape_quotas.rs` fails if a wasmtime upgrade changes it.
const HOSTCALL_FUEL_EXHAUSTED: &str =
    "too much data is being copied between the host and the guest";

fn is_copy_limit(error: &wasmtime::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.to_string().starts_with(HOSTCALL_FUEL_EXHAUSTED))
}

/// A trap's cause (every message of the error chain but the backtrace, so
/// the cause reads first) and its frames, innermost first, as
/// `module!function` with the names the component's name section gives,
/// all capped.
fn describe_trap(error: &wasmtime::Error) -> (String, Vec<String>) {
    let backtrace = error.downcast_ref::<WasmBacktrace>();
    let backtrace_text = backtrace.map(ToString::to_string);
    let cause = error
        .chain()
        .map(|cause| cause.to_string())
        .filter(|text| Some(text) != backtrace_text.as_ref())
        .collect::<Vec<_>>()
        .join(": ");
    let frames = backtrace.map(|b| b.frames()).unwrap_or_default();
    let mut named: Vec<String> = frames
        .iter()
        .take(MAX_GUEST_LIST_ITEMS)
        .map(|frame| {
            let module = frame.module().name().unwrap_or("<module>");
            let function = match frame.func_name() {
                Some(name) => cap(name, MAX_GUEST_NAME_BYTES).into_owned(),
                None => format!("<wasm function {}>", frame.func_index()),
            };
            format!("{}!{function}", cap(module, MAX_GUEST_NAME_BYTES))
        })
        .collect();
    if frames.len() > MAX_GUEST_LIST_ITEMS {
        named.push(format!(
            "… {} more frames",
            frames.len() - MAX_GUEST_LIST_ITEMS
        ));
    }
    (cap_owned(cause, MAX_GUEST_ERROR_BYTES), named)
}

/// 128 random bits, hex: unique per invocation, meaningless otherwise.
fn new_invocation_id() -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // By hand: `format!("{:032x}")` and `hex::encode` both cost several
    // times more, on every invocation.
    let mut id = String::with_capacity(32);
    for byte in rand::random::<[u8; 16]>() {
        id.push(char::from(DIGITS[usize::from(byte >> 4)]));
        id.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocation_ids_are_32_lowercase_hex_digits_and_differ() {
        let id = new_invocation_id();
        assert_eq!(id.len(), 32, "{id}");
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{id}"
        );
        assert_ne!(id, new_invocation_id());
    }
}
