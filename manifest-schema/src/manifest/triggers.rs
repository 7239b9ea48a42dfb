//! The modules that invoke a function without a person typing `runtime run`,
//! with Forge's names and shapes (Forge manifest reference, modules `trigger`,
//! `webtrigger` and `scheduledTrigger`):
//!
//! ```yaml
//! modules:
//!   trigger:
//!     - key: on-issue
//!       function: triage
//!       events: [avi:jira:created:issue]
//!       filter: { ignoreSelf: true }
//!   webtrigger:
//!     - key: alert-in
//!       function: alert
//!       response: { type: dynamic }
//!   scheduledTrigger:
//!     - key: weekly
//!       function: summary
//!       interval: week
//! ```
//!
//! Each module's `function` names a `modules.function` key, as in Forge; Kiln's
//! function entries keep their own `handler` (the name the component dispatches
//! on). Forge features Kiln cannot honour are refused rather than ignored, so a
//! manifest never promises more than the host does: Forge Remote `endpoint`s,
//! Jira-expression filters (`filter.expression`, `onError`) and the EAP
//! web trigger `security` block are unknown fields here.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::events::ProductEvent;

/// `modules.trigger[]`: runs `function` when one of `events` happens on the site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TriggerModule {
    /// Module key, unique among all modules (Forge: `^[a-zA-Z0-9_-]+$`).
    pub key: String,
    /// The `modules.function` key to invoke.
    pub function: String,
    /// Jira product events, at least one, without duplicates; the declared
    /// scopes must let the app read each of them.
    pub events: Vec<ProductEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<TriggerFilter>,
}

/// `modules.trigger[].filter`. Forge requires `ignoreSelf` or `expression`;
/// Kiln has no Jira-expression evaluator, so `ignoreSelf` is the only filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TriggerFilter {
    /// Drop events the app's own Jira writes caused (Forge's `ignoreSelf`);
    /// it is also what stops an app from triggering itself in a loop.
    pub ignore_self: bool,
}

impl TriggerModule {
    /// Whether events the app caused itself are dropped (default: delivered,
    /// as in Forge, where they carry `selfGenerated: true`).
    pub fn ignores_self(&self) -> bool {
        self.filter.is_some_and(|filter| filter.ignore_self)
    }
}

/// `modules.webtrigger[]`: runs `function` for an HTTP request to the
/// installation's unguessable URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WebTriggerModule {
    /// Module key, unique among all modules.
    pub key: String,
    /// The `modules.function` key to invoke.
    pub function: String,
    /// How the function's result becomes the HTTP response (default dynamic,
    /// as in Forge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<WebTriggerResponse>,
}

/// `modules.webtrigger[].response`: Forge's `{ type, outputs }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WebTriggerResponse {
    #[serde(rename = "type")]
    pub kind: WebTriggerResponseType,
    /// The fixed responses a `static` web trigger chooses from (1-20, keys
    /// unique); a `dynamic` one has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<StaticOutput>,
}

/// `modules.webtrigger[].response.outputs[]`: one fixed response, picked by
/// the function's result (`{ outputKey }`), so nothing the function read can
/// reach the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StaticOutput {
    /// 1-255 characters, unique within the module.
    pub key: String,
    /// An HTTP status code (100-599).
    pub status_code: u16,
    /// At most 1024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// At most 255 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// Forge's two web trigger kinds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WebTriggerResponseType {
    /// The function's `{ statusCode, headers, body }` is sent back: the
    /// function can pass data out to the caller. Forge's default.
    #[default]
    Dynamic,
    /// The response is one of `outputs`, fixed in the manifest: nothing the
    /// function read leaves through it (Forge: cannot egress data).
    Static,
}

impl WebTriggerModule {
    /// The response type, defaulted as Forge does.
    pub fn response_type(&self) -> WebTriggerResponseType {
        self.response
            .as_ref()
            .map(|response| response.kind)
            .unwrap_or_default()
    }

    /// The fixed responses of a `static` web trigger (empty when dynamic).
    pub fn static_outputs(&self) -> &[StaticOutput] {
        self.response
            .as_ref()
            .map_or(&[], |response| response.outputs.as_slice())
    }
}

/// `modules.scheduledTrigger[]`: runs `function` every `interval`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScheduledTriggerModule {
    /// Module key, unique among all modules.
    pub key: String,
    /// The `modules.function` key to invoke.
    pub function: String,
    pub interval: Interval,
}

/// Forge's four schedule intervals, and nothing finer: the shortest is five
/// minutes, so a scheduled app cannot become a busy loop against the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Interval {
    FiveMinute,
    Hour,
    Day,
    Week,
}

impl Interval {
    /// Every interval, shortest first.
    pub const ALL: [Interval; 4] = [
        Interval::FiveMinute,
        Interval::Hour,
        Interval::Day,
        Interval::Week,
    ];

    /// The period between two runs.
    pub const fn as_duration(self) -> Duration {
        Duration::from_secs(match self {
            Interval::FiveMinute => 5 * 60,
            Interval::Hour => 60 * 60,
            Interval::Day => 24 * 60 * 60,
            Interval::Week => 7 * 24 * 60 * 60,
        })
    }

    /// The name as written in a manifest (`fiveMinute`, `hour`, `day`, `week`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Interval::FiveMinute => "fiveMinute",
            Interval::Hour => "hour",
            Interval::Day => "day",
            Interval::Week => "week",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_forges_four_periods() {
        let seconds: Vec<u64> = Interval::ALL
            .iter()
            .map(|interval| interval.as_duration().as_secs())
            .collect();
        assert_eq!(seconds, [300, 3_600, 86_400, 604_800]);
        for interval in Interval::ALL {
            let json = serde_json::to_value(interval).expect("serializes");
            assert_eq!(json, interval.as_str());
        }
    }
}
