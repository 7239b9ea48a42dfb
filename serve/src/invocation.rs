//! The one place a served invocation is built.
//!
//! [`invocation_for`] sets, once for every trigger, what the host tells the app about why
//! and where it runs: the trigger kind and the installation's environment (`kiln:app@0.2.0`
//! context; the runtime names the installation from the app id, the site and this
//! environment). A `kiln:app@0.1.0` app sees the trigger only through its payload (a Forge
//! event's `eventType`, a web trigger request's `method`/`path`, a scheduled run's
//! `context.trigger`).

use std::time::Instant;

use kiln_runtime::guest_env::WebTriggerUrls;
use kiln_runtime::{
    Invocation, InvocationFailure, InvokeError, Invoked, PayloadSource, ResultCheck,
};

use crate::host::Installed;
use crate::metrics::LatencyLabels;
use crate::shared::Shared;

/// What made the host invoke a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TriggerKind {
    /// An HTTP request to a web trigger URL.
    WebTrigger,
    /// A Jira product event (`trigger` module).
    ProductEvent,
    /// A `scheduledTrigger` interval.
    Scheduled,
    /// An event an app pushed to one of its queues (`consumer` module).
    QueueEvent,
    /// The app is being uninstalled from the site (`preUninstall` module).
    PreUninstall,
}

impl TriggerKind {
    /// The manifest module name, also the `trigger` label of the metrics.
    /// The runtime's name for it (the app's `context.trigger`).
    pub fn runtime_trigger(self) -> kiln_runtime::invoke::Trigger {
        use kiln_runtime::invoke::Trigger;
        match self {
            TriggerKind::WebTrigger => Trigger::WebTrigger,
            TriggerKind::ProductEvent => Trigger::ProductEvent,
            TriggerKind::Scheduled => Trigger::Scheduled,
            TriggerKind::QueueEvent => Trigger::QueueEvent,
            // The worlds' `trigger` enum is frozen: an uninstall is a lifecycle event of
            // the site, as Forge's `avi:forge:*` events are, and those arrive as product
            // events.
            TriggerKind::PreUninstall => Trigger::ProductEvent,
        }
    }

    /// Whether a user stands behind the invocation, so that the app is told the site
    /// principal's account id as its invoking user (`context.accountId`). Forge runs
    /// scheduled triggers "without a user context", a web trigger's caller is whoever
    /// holds the URL, and a product event offers `asApp()` or impersonating the event's
    /// `atlassianId`: none has an invoking user, and telling the app the operator's
    /// account would let `asUser()` act for a person who asked for nothing (the Forge
    /// layer refuses `asUser()` in them: `forge/kiln-forge-api/src/request.js`). A
    /// queue's consumer keeps it: it runs work an app pushed, as the pusher's code did.
    pub fn has_invoking_user(self) -> bool {
        match self {
            TriggerKind::QueueEvent => true,
            TriggerKind::WebTrigger
            | TriggerKind::ProductEvent
            | TriggerKind::Scheduled
            | TriggerKind::PreUninstall => false,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TriggerKind::WebTrigger => "webtrigger",
            TriggerKind::ProductEvent => "trigger",
            TriggerKind::Scheduled => "scheduledTrigger",
            TriggerKind::QueueEvent => "consumer",
            TriggerKind::PreUninstall => "preUninstall",
        }
    }
}

/// The invocation of `function_key` for `installed`, triggered by `kind`, with `payload`
/// written by `source` (see [`PayloadSource`]: only a payload this process serialized
/// skips the syntax check).
pub async fn invocation_for(
    shared: &Shared,
    installed: &Installed,
    kind: TriggerKind,
    function_key: &str,
    payload: String,
    source: PayloadSource,
) -> Invocation {
    Invocation {
        function_key: Some(function_key.to_owned()),
        payload,
        payload_source: source,
        account_id: installed
            .site
            .account_id
            .clone()
            .filter(|_| kind.has_invoking_user()),
        trigger: kind.runtime_trigger(),
        environment: installed.installation.environment().to_owned(),
        web_trigger_urls: web_trigger_urls(shared, installed).await,
        chain_depth: 0,
        // Checked as JSON; a web trigger, which parses it itself, says otherwise.
        result_check: ResultCheck::default(),
    }
}

/// The installation's web trigger URLs, for the app's `webTrigger.getUrl` (handed to the
/// guest as its `KILN_WEBTRIGGER_URLS` environment entry: `kiln_runtime::guest_env`).
///
/// Each module's id is the copy kept sealed when it was issued
/// (`kiln_state::web_trigger_urls`), checked to still resolve to this installation and
/// module: after a rotation by another replica, or for an id issued before Kiln kept
/// copies, the module is left out (the app's `getUrl` then says it has no URL) rather
/// than handing out a dead URL. A state failure is logged and leaves the module out too:
/// the invocation itself does not depend on it. The list is kept for a second with the
/// resolved ids (`web_trigger::cache`), and forgotten with them when this replica changes
/// an id.
async fn web_trigger_urls(shared: &Shared, installed: &Installed) -> WebTriggerUrls {
    let modules = installed.manifest().web_triggers();
    // A component that cannot read its environment would never see them: no state
    // round trip for it on every request.
    if modules.is_empty() || !installed.app.reads_environment() {
        return WebTriggerUrls::default();
    }
    let installation = &installed.installation;
    // Kept with the resolved ids, for as long and forgotten with them: recalling costs a
    // sealed read per module, on every invocation of the app otherwise.
    if let Some(urls) = shared.web_triggers.urls_of(installation) {
        return urls;
    }
    let asked = shared.web_triggers.asked();
    let Some(storage) = installed.app.storage() else {
        return WebTriggerUrls::default();
    };
    // Through the host's cache of opened installations, once for all modules.
    let holder = match kiln_state::web_trigger_urls::holder(installation) {
        Ok(holder) => storage.open(&holder).await.map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    };
    let store = match holder {
        Ok(store) => store,
        Err(error) => {
            tracing::warn!(app = %installation.app_id(), %error, "web trigger URLs not recalled");
            return WebTriggerUrls::default();
        }
    };
    let mut urls = Vec::new();
    let mut complete = true;
    for module in modules {
        let recalled = kiln_state::web_trigger_urls::recall_in(&store, &module.key).await;
        let id = match recalled {
            Ok(Some(id)) => id.expose(),
            Ok(None) => continue,
            Err(error) => {
                tracing::warn!(app = %installation.app_id(), module = %module.key, %error, "web trigger URL not recalled");
                complete = false;
                continue;
            }
        };
        // Through the same one-second cache as the requests themselves
        // (`web_trigger::cache`): a URL rotated here is forgotten at once, elsewhere
        // within the second.
        match shared.web_triggers.resolve(&shared.state, &id).await {
            Ok(Some(resolved))
                if &resolved.installation == installation
                    && resolved.module_key.as_str() == module.key =>
            {
                urls.push((module.key.clone(), shared.web_trigger_url(&id)));
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(app = %installation.app_id(), module = %module.key, %error, "web trigger URL not checked");
                complete = false;
            }
        }
    }
    let urls = WebTriggerUrls::new(&urls);
    // A list cut short by a state failure is not kept: the next invocation asks again.
    if complete {
        shared
            .web_triggers
            .remember_urls(installation, urls.clone(), asked);
    }
    urls
}

/// Runs `invocation` in `installed`'s app: the one place a served invocation runs. It holds
/// a pool slot in `kiln_slots_in_use` while it runs, also when the caller gives up and drops
/// this future (a web trigger's client gone, a queue lease lost), and its latency is
/// observed under `kind`.
pub async fn run(
    shared: &Shared,
    installed: &Installed,
    kind: TriggerKind,
    invocation: Invocation,
) -> Result<Invoked, InvokeError> {
    let slot = SlotInUse::enter(shared);
    let started = Instant::now();
    let invoked = installed.app.invoke(invocation).await;
    drop(slot);
    if let Ok(invoked) = &invoked {
        log_app_lines(installed.installation.app_id(), invoked);
    }
    shared
        .metrics
        .latency
        .get_or_create(&LatencyLabels {
            app: installed.installation.app_id().to_owned(),
            trigger: kind.as_str(),
        })
        .observe(started.elapsed().as_secs_f64());
    invoked
}

/// The target of what apps log (`console.log`, the `log` import, stdout and stderr), apart
/// from the server's own diagnostics: the CLI shows it at `info` by default, where the
/// server's own lines start at `warn`, so a developer running `runtime serve` sees what
/// their app printed, for every trigger alike.
pub const APP_LOG_TARGET: &str = "kiln::app";

/// `invoked`'s log lines on the server's log, at the app's level, the text escaped
/// (`GuestText`): an app's line cannot forge another line or move the terminal.
fn log_app_lines(app_id: &str, invoked: &Invoked) {
    use kiln_runtime::guest_text::GuestText;
    use kiln_runtime::sandbox::guest_log::LogLevel;
    let invocation = invoked.invocation_id.as_str();
    for line in &invoked.logs {
        let message = GuestText(&line.message);
        match line.level {
            LogLevel::Trace => {
                tracing::trace!(target: APP_LOG_TARGET, app = %app_id, invocation, "{message}")
            }
            LogLevel::Debug => {
                tracing::debug!(target: APP_LOG_TARGET, app = %app_id, invocation, "{message}")
            }
            LogLevel::Info | LogLevel::Stdout => {
                tracing::info!(target: APP_LOG_TARGET, app = %app_id, invocation, "{message}")
            }
            LogLevel::Warn => {
                tracing::warn!(target: APP_LOG_TARGET, app = %app_id, invocation, "{message}")
            }
            LogLevel::Error | LogLevel::Stderr => {
                tracing::error!(target: APP_LOG_TARGET, app = %app_id, invocation, "{message}")
            }
        }
    }
}

/// Counts a running invocation in `kiln_slots_in_use` until dropped.
struct SlotInUse<'a>(&'a Shared);

impl<'a> SlotInUse<'a> {
    fn enter(shared: &'a Shared) -> Self {
        shared.metrics.slots_in_use.inc();
        Self(shared)
    }
}

impl Drop for SlotInUse<'_> {
    fn drop(&mut self) {
        self.0.metrics.slots_in_use.dec();
    }
}

/// What a run of an app's function came to, as the `outcome` label of
/// `kiln_invocations_total` names it, for every trigger alike: `ok`, `refused` (the runtime
/// would not start it: [`InvokeError`]) or the failure's kind ([`failure_kind`]). A caller
/// that judges the result further says so itself (a web trigger's `bad-response`).
pub fn outcome(invoked: &Result<Invoked, InvokeError>) -> &'static str {
    match invoked {
        Err(_) => "refused",
        Ok(invoked) => match &invoked.result {
            Ok(_) => "ok",
            Err(failure) => failure_kind(failure),
        },
    }
}

/// The outcome of an invocation whose result is too large, too deep or not JSON.
pub const BAD_RESULT: &str = "bad-result";

/// A failure's kind (`app-error`, `timeout`, `memory-limit`, …), the `outcome` label of a
/// failed run.
pub fn failure_kind(failure: &InvocationFailure) -> &'static str {
    match failure {
        InvocationFailure::App { .. } => "app-error",
        InvocationFailure::Timeout { .. } => "timeout",
        InvocationFailure::MemoryLimit { .. } | InvocationFailure::TableLimit { .. } => {
            "memory-limit"
        }
        InvocationFailure::FuelExhausted => "fuel-exhausted",
        InvocationFailure::StackOverflow | InvocationFailure::Trap { .. } => "trap",
        InvocationFailure::Exit { .. } => "exit",
        InvocationFailure::CopyLimit { .. } => "copy-limit",
        InvocationFailure::ResultTooLarge { .. }
        | InvocationFailure::ResultTooDeep { .. }
        | InvocationFailure::InvalidResult { .. } => BAD_RESULT,
        InvocationFailure::RetryRequested { .. } => "retry-requested",
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ran(result: Result<String, InvocationFailure>) -> Result<Invoked, InvokeError> {
        Ok(Invoked {
            invocation_id: "i".into(),
            result,
            logs: Vec::new(),
            dropped: Default::default(),
            requests: 0,
            policy_refusals: 0,
            storage_calls: 0,
            sql_calls: 0,
            elapsed: Duration::ZERO,
        })
    }

    #[test]
    fn every_trigger_names_an_outcome_the_same_way() {
        assert_eq!(outcome(&ran(Ok("{}".into()))), "ok");
        assert_eq!(
            outcome(&Err(InvokeError::AmbiguousFunction(vec!["a".into()]))),
            "refused"
        );
        assert_eq!(
            outcome(&ran(Err(InvocationFailure::Timeout { seconds: 1.0 }))),
            "timeout"
        );
        assert_eq!(
            outcome(&ran(Err(InvocationFailure::FuelExhausted))),
            "fuel-exhausted"
        );
        assert_eq!(outcome(&ran(Err(InvocationFailure::StackOverflow))), "trap");
    }
}
