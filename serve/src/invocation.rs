//! The one place a served invocation is built.
//!
//! `kiln:app@0.1.0` hands an app its payload and a context (invocation id, account, site,
//! module key); it has no field for *why* the app runs. Until the host side of
//! `kiln:app@0.2.0` lands (installation id, trigger kind and environment in the invocation
//! context and in [`Invocation`]), the trigger is visible to the app only through its
//! payload (a Forge event has `eventType`, a web trigger request `method`/`path`, a
//! scheduled run `context.trigger`). [`invocation_for`] is where those three fields will be
//! set, once, for every trigger.

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
    // kiln:app@0.2.0: set installation id (installed.installation), trigger kind (`kind`)
    // and environment (installed.installation.environment()) here when `Invocation` has them.
    let _ = kind;
    Invocation {
        function_key: Some(function_key.to_owned()),
        payload,
        account_id: installed.site.account_id.clone(),
    }
}
