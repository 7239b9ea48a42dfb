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
//!       filter:
//!         ignoreSelf: true
//!         expression: event.issue.fields.labels.includes('ops')
//!         onError: IGNORE_AND_LOG
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
//! a web trigger's `request.authentication: hmacSharedSecret` and the EAP web
//! trigger `security` block are refused here. A filter's `expression` is held to
//! the subset of Jira expressions in [`super::jira_expression`], refused at load
//! when it leaves it.
//!
//! What Forge declares and Kiln honours by doing nothing is taken as written:
//! `filter.appIsLicensed` (Kiln does no licensing, so every installation runs as
//! licensed and the filter drops nothing), a trigger's `payload.include` (the
//! function receives the whole event, a superset of what it asked for), a web
//! trigger's `urlFormat` (Kiln's URLs have one format of their own) and
//! `request.authentication: none`. `runtime inspect` lists them
//! ([`super::not_acted_on`]).
//!
//! Forge also lets each event carry its own filter (`events: [{ eventType,
//! filter, payload }]`); such an event is filtered by its own filter, the
//! others by the module's.
//!
//! An event name Kiln does not know is kept, not refused: Forge's manifest
//! takes any string there (its schema types `events` as strings, and its
//! scope validator asks nothing of a name its event table lacks), and
//! public Forge apps name events no Forge reference lists
//! (`avi:jira-issue-link:created`) or another product's. Refusing them would
//! stop such an app from loading over a subscription that, on Forge too,
//! never fires. Kiln keeps them in [`TriggerModule::unknown_events`], never
//! delivers them, asks no scope for them (they carry nothing), and says so:
//! [`Manifest::warnings`](super::Manifest::warnings) names each, with the
//! nearest known event when it looks like a typo.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::events::ProductEvent;
use super::jira_expression::{EvalError, JiraExpression};

/// `modules.trigger[]`: runs `function` when one of `events` happens on the site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "TriggerAsWritten", into = "TriggerAsWritten")]
pub struct TriggerModule {
    /// Module key, unique among all modules (Forge: `^[a-zA-Z0-9_-]+$`).
    pub key: String,
    /// The `modules.function` key to invoke.
    pub function: String,
    /// Jira product events, at least one, without duplicates; the declared
    /// scopes must let the app read each of them. In manifest order, whether
    /// written as a name or as Forge's `{ eventType, filter, payload }`.
    pub events: Vec<ProductEvent>,
    /// The module's filter, for the events without one of their own.
    pub filter: Option<TriggerFilter>,
    /// Forge's `payload` (`include.fields`/`include.propertyPaths`), kept as
    /// written: the function receives the whole event.
    pub payload: Option<Value>,
    /// The events written as `{ eventType, filter, payload }`, with their own
    /// filter (and payload, kept as written), in manifest order.
    pub event_filters: Vec<EventFilter>,
    /// The entries of `events` naming an event Kiln does not know: kept as
    /// written, never delivered (module docs), in manifest order.
    pub unknown_events: Vec<UnknownSubscription>,
}

/// An entry of `modules.trigger[].events` whose name Kiln does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSubscription {
    /// Its index in the manifest's `events` list (the known events sit
    /// around it).
    pub position: usize,
    /// The name as written.
    pub name: String,
    /// Its own filter and payload, when written as `{ eventType, filter,
    /// payload }`: checked like any other, kept so the entry is written
    /// back as it came.
    pub filter: Option<TriggerFilter>,
    pub payload: Option<Value>,
}

/// One entry of `modules.trigger[].events` written as Forge's object form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EventFilter {
    pub event_type: ProductEvent,
    /// Required, as in Forge's schema: this event's filter, in place of the
    /// module's.
    pub filter: TriggerFilter,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
}

/// A trigger as a manifest writes it.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TriggerAsWritten {
    key: String,
    function: String,
    events: Vec<EventAsWritten>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    filter: Option<TriggerFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload: Option<Value>,
}

/// An entry of `events`: an event's name, or Forge's object form, for an
/// event Kiln knows or not. Read by hand rather than as an untagged enum, so
/// that a misspelt field of the object form is reported by its name.
#[derive(Serialize)]
#[serde(untagged)]
enum EventAsWritten {
    Name(ProductEvent),
    Filtered(EventFilter),
    UnknownName(String),
    UnknownFiltered(NamedEventFilter),
}

/// Forge's object form with the event as written: read for every event,
/// kept for one Kiln does not know.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NamedEventFilter {
    event_type: String,
    filter: TriggerFilter,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload: Option<Value>,
}

/// An event name as written: known (`Some`), or to keep as unknown. Empty
/// is refused: it names nothing, not even a typo.
fn read_event_name<E: serde::de::Error>(name: &str) -> Result<Option<ProductEvent>, E> {
    if name.is_empty() {
        return Err(E::custom("an event name is empty"));
    }
    Ok(ProductEvent::lookup(name))
}

impl UnknownSubscription {
    /// The known event nearest to the name, when it looks like a typo.
    /// Computed on demand, not at load: loading stays linear in the
    /// manifest's size whatever names it holds.
    pub fn suggestion(&self) -> Option<ProductEvent> {
        ProductEvent::suggest(&self.name)
    }
}

impl<'de> Deserialize<'de> for EventAsWritten {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entry;

        impl<'de> serde::de::Visitor<'de> for Entry {
            type Value = EventAsWritten;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a Jira product event name such as \"avi:jira:created:issue\", or \
                     `{ eventType, filter, payload }`",
                )
            }

            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
                Ok(match read_event_name(name)? {
                    Some(event) => EventAsWritten::Name(event),
                    None => EventAsWritten::UnknownName(name.to_owned()),
                })
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                map: M,
            ) -> Result<Self::Value, M::Error> {
                let written = NamedEventFilter::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(match read_event_name::<M::Error>(&written.event_type)? {
                    Some(event_type) => EventAsWritten::Filtered(EventFilter {
                        event_type,
                        filter: written.filter,
                        payload: written.payload,
                    }),
                    None => EventAsWritten::UnknownFiltered(written),
                })
            }
        }

        deserializer.deserialize_any(Entry)
    }
}

impl From<TriggerAsWritten> for TriggerModule {
    fn from(written: TriggerAsWritten) -> Self {
        let mut events = Vec::with_capacity(written.events.len());
        let mut event_filters = Vec::new();
        let mut unknown_events = Vec::new();
        for (position, entry) in written.events.into_iter().enumerate() {
            let unknown = |name, filter, payload| UnknownSubscription {
                position,
                name,
                filter,
                payload,
            };
            match entry {
                EventAsWritten::Name(event) => events.push(event),
                EventAsWritten::Filtered(filtered) => {
                    events.push(filtered.event_type);
                    event_filters.push(filtered);
                }
                EventAsWritten::UnknownName(name) => {
                    unknown_events.push(unknown(name, None, None));
                }
                EventAsWritten::UnknownFiltered(written) => unknown_events.push(unknown(
                    written.event_type,
                    Some(written.filter),
                    written.payload,
                )),
            }
        }
        TriggerModule {
            key: written.key,
            function: written.function,
            events,
            filter: written.filter,
            payload: written.payload,
            event_filters,
            unknown_events,
        }
    }
}

impl From<TriggerModule> for TriggerAsWritten {
    fn from(trigger: TriggerModule) -> Self {
        let mut filtered = trigger.event_filters;
        let mut events: Vec<EventAsWritten> = trigger
            .events
            .into_iter()
            .map(
                |event| match filtered.iter().position(|f| f.event_type == event) {
                    Some(at) => EventAsWritten::Filtered(filtered.remove(at)),
                    None => EventAsWritten::Name(event),
                },
            )
            .collect();
        // Back where the manifest had them: positions ascend, so each
        // insertion lands after the entries that preceded it.
        for unknown in trigger.unknown_events {
            let name = unknown.name;
            let entry = match unknown.filter {
                Some(filter) => EventAsWritten::UnknownFiltered(NamedEventFilter {
                    event_type: name,
                    filter,
                    payload: unknown.payload,
                }),
                None => EventAsWritten::UnknownName(name),
            };
            events.insert(unknown.position.min(events.len()), entry);
        }
        TriggerAsWritten {
            key: trigger.key,
            function: trigger.function,
            events,
            filter: trigger.filter,
            payload: trigger.payload,
        }
    }
}

/// `modules.trigger[].filter`, as Forge documents it: `ignoreSelf`,
/// `expression`, `appIsLicensed`, or several (one is required); `onError`
/// only beside an `expression`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FilterAsWritten", into = "FilterAsWritten")]
pub struct TriggerFilter {
    /// Drop events the app's own Jira writes caused (Forge's `ignoreSelf`);
    /// it is also what stops an app from triggering itself in a loop.
    pub ignore_self: bool,
    /// Deliver an event only when this holds for the payload the function
    /// would receive (bound to `event`).
    pub expression: Option<JiraExpression>,
    /// What an evaluation error does (Forge's default: `IGNORE_AND_LOG`).
    pub on_error: OnError,
    /// Forge's `appIsLicensed`, kept as written: Kiln does no licensing and
    /// runs every installation as licensed, so it drops nothing.
    pub app_is_licensed: Option<bool>,
}

/// Forge's `filter.onError`: what happens to an event whose `expression`
/// cannot be evaluated (an error, or a value that is not a boolean).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OnError {
    /// Not delivered; a warning is logged. Forge's default.
    #[default]
    IgnoreAndLog,
    /// Not delivered, nothing logged (Kiln still counts it).
    Ignore,
    /// Delivered; a warning is logged.
    ReceiveAndLog,
    /// Delivered, nothing logged.
    Receive,
}

impl OnError {
    /// Whether the event is delivered despite the error.
    pub fn delivers(self) -> bool {
        matches!(self, OnError::ReceiveAndLog | OnError::Receive)
    }

    /// Whether the error is logged.
    pub fn logs(self) -> bool {
        matches!(self, OnError::IgnoreAndLog | OnError::ReceiveAndLog)
    }

    /// The name as written in a manifest.
    pub const fn as_str(self) -> &'static str {
        match self {
            OnError::IgnoreAndLog => "IGNORE_AND_LOG",
            OnError::Ignore => "IGNORE",
            OnError::ReceiveAndLog => "RECEIVE_AND_LOG",
            OnError::Receive => "RECEIVE",
        }
    }
}

/// The filter's fields as a manifest writes them.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FilterAsWritten {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ignore_self: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expression: Option<JiraExpression>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_error: Option<OnError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_is_licensed: Option<bool>,
}

impl TryFrom<FilterAsWritten> for TriggerFilter {
    type Error = &'static str;

    fn try_from(written: FilterAsWritten) -> Result<Self, Self::Error> {
        if written.ignore_self.is_none()
            && written.expression.is_none()
            && written.app_is_licensed.is_none()
        {
            return Err(
                "a filter needs `ignoreSelf`, `expression` or `appIsLicensed` (as in Forge)",
            );
        }
        if written.on_error.is_some() && written.expression.is_none() {
            return Err("`onError` applies to an `expression`: give one, or drop `onError`");
        }
        Ok(TriggerFilter {
            ignore_self: written.ignore_self.unwrap_or(false),
            expression: written.expression,
            on_error: written.on_error.unwrap_or_default(),
            app_is_licensed: written.app_is_licensed,
        })
    }
}

impl From<TriggerFilter> for FilterAsWritten {
    fn from(filter: TriggerFilter) -> Self {
        let has_expression = filter.expression.is_some();
        let alone = !has_expression && filter.app_is_licensed.is_none();
        FilterAsWritten {
            // Written whenever it is set or is the filter's only field, so
            // the output loads again.
            ignore_self: (filter.ignore_self || alone).then_some(filter.ignore_self),
            on_error: has_expression.then_some(filter.on_error),
            expression: filter.expression,
            app_is_licensed: filter.app_is_licensed,
        }
    }
}

impl TriggerModule {
    /// Where the `index`th of [`TriggerModule::events`] is in the manifest's
    /// `events` list, which also holds the unknown events.
    pub fn written_position(&self, index: usize) -> usize {
        let mut position = index;
        for unknown in &self.unknown_events {
            if unknown.position <= position {
                position += 1;
            } else {
                break;
            }
        }
        position
    }

    /// Every event name the manifest's `events` list holds, known or not, in
    /// manifest order.
    pub fn written_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.events.iter().map(|event| event.as_str()).collect();
        for unknown in &self.unknown_events {
            names.insert(unknown.position.min(names.len()), &unknown.name);
        }
        names
    }

    /// The filter that applies to `event`: its own, when the manifest wrote
    /// the event as `{ eventType, filter }`, otherwise the module's.
    pub fn filter_for(&self, event: ProductEvent) -> Option<&TriggerFilter> {
        self.event_filters
            .iter()
            .find(|filtered| filtered.event_type == event)
            .map(|filtered| &filtered.filter)
            .or(self.filter.as_ref())
    }

    /// Whether `event`s the app caused itself are dropped (default:
    /// delivered, as in Forge, where they carry `selfGenerated: true`).
    pub fn ignores_self(&self, event: ProductEvent) -> bool {
        self.filter_for(event)
            .is_some_and(|filter| filter.ignore_self)
    }

    /// Whether the `expression` of `event`'s filter lets `payload` (the event
    /// the function would receive) through: `Ok(true)` without an
    /// expression, otherwise the expression's boolean value. An error is for
    /// the caller to handle as [`TriggerModule::on_error`] says.
    pub fn accepts(&self, event: ProductEvent, payload: &Value) -> Result<bool, EvalError> {
        match self
            .filter_for(event)
            .and_then(|filter| filter.expression.as_ref())
        {
            Some(expression) => expression.matches(payload),
            None => Ok(true),
        }
    }

    /// What an evaluation error of `event`'s filter expression does.
    pub fn on_error(&self, event: ProductEvent) -> OnError {
        self.filter_for(event)
            .map(|filter| filter.on_error)
            .unwrap_or_default()
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
    /// Forge's `urlFormat` (`v1`, `v2`: the shape of Forge's own URL), kept as
    /// written: Kiln's web trigger URLs have one format of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_format: Option<UrlFormat>,
    /// Forge's `request` options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<WebTriggerRequest>,
    /// Forge's `security` (`egress.allowDataEgress`, `allowedResponses`): the
    /// app's own declaration of what its responses may carry, for Forge's
    /// data-residency programme. Kept as written, not acted on: Kiln returns
    /// what the function returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<serde_json::Value>,
}

/// Forge's two web trigger URL formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UrlFormat {
    V1,
    V2,
}

/// `modules.webtrigger[].request`: Forge's `{ authentication }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WebTriggerRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<WebTriggerAuthentication>,
}

/// How Forge authenticates a web trigger's caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WebTriggerAuthentication {
    /// Anyone holding the URL may call (the URL is the credential): Kiln's
    /// web triggers are exactly that.
    None,
    /// Forge checks an HMAC signature made with a secret it shares with the
    /// caller. Kiln holds no such secret, and serving the URL without the
    /// check would be weaker than the manifest says: refused at load
    /// (`rules.rs`).
    HmacSharedSecret,
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
    /// Forge's `filter` (`appIsLicensed`), kept as written: Kiln runs every
    /// installation as licensed, so it skips no run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<ScheduledTriggerFilter>,
}

/// `modules.preUninstall[]`: runs `function` when the app is uninstalled from
/// a site, for its cleanup (Forge's pre-uninstall trigger). As in Forge, the
/// run does not hold the uninstall up and its outcome changes nothing: the
/// uninstall goes on whether it succeeds, fails or is still running.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreUninstallModule {
    /// Module key, unique among all modules.
    pub key: String,
    /// The `modules.function` key to invoke.
    pub function: String,
}

/// `modules.scheduledTrigger[].filter`: Forge's `{ appIsLicensed }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScheduledTriggerFilter {
    pub app_is_licensed: bool,
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
