//! The one place a served invocation is built.
//!
//! [`invocation_for`] sets, once for every trigger, what the host tells the app about why
//! and where it runs: the trigger kind and the installation's environment (`kiln:app@0.2.0`
//! context; the runtime names the installation from the app id, the site and this
//! environment). A `kiln:app@0.1.0` app sees the trigger only through its payload (a Forge
//! event's `eventType`, a web trigger request's `method`/`path`, a scheduled run's
//! `context.trigger`).

use kiln_runtime::Invocation;

use crate::host::Installed;

/// What made the host invoke a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TriggerKind {
    /// An HTTP request to a web trigger URL.
    WebTrigger,
    /// A Jira product event (`trigger` module).
    ProductEvent,
    /// A `scheduledTrigger` interval.
    Scheduled,
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
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TriggerKind::WebTrigger => "webtrigger",
            TriggerKind::ProductEvent => "trigger",
            TriggerKind::Scheduled => "scheduledTrigger",
        }
    }
}

/// The invocation of `function_key` for `installed`, triggered by `kind`.
pub fn invocation_for(
    installed: &Installed,
    kind: TriggerKind,
    function_key: &str,
    payload: String,
) -> Invocation {
    Invocation {
        function_key: Some(function_key.to_owned()),
        payload,
        account_id: installed.site.account_id.clone(),
        trigger: kind.runtime_trigger(),
        environment: installed.installation.environment().to_owned(),
    }
}
