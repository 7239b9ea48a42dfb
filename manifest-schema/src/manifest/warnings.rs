//! What a manifest says that loads but does less than it reads.
//!
//! A warning is for a field Forge accepts and Kiln keeps, where the
//! developer most likely expects something to happen and nothing will. Today
//! that is one case: a trigger subscribed to an event name Kiln does not know
//! ([`super::triggers`]), which Forge accepts too and which never fires. A
//! typo of a known event is the likeliest cause, so the nearest known name is
//! offered. Fields Kiln keeps knowingly and that change nothing for the
//! backend (a UI's permissions, licensing) are not warnings: `runtime
//! inspect` lists them ([`super::not_acted_on`]).
//!
//! The words live here, once: `runtime build`, `run`, `lint`, `inspect` and
//! `serve` print these as they are.

use std::fmt;

use super::Manifest;
use super::events::{LIFECYCLE_PREFIX, ProductEvent};
use super::field_path::FieldPath;
use super::triggers::{TriggerModule, UnknownSubscription};

/// The prefixes of the Jira family's events (`avi:jira:`,
/// `avi:jira-software:`, JSM's `avi:jsm-entity:`, and names an app made up
/// in their likeness, `avi:jira-issue-link:created`).
const JIRA_PREFIXES: [&str; 2] = ["avi:jira", "avi:jsm"];

/// One warning: the field, and what it means for the app.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ManifestWarning {
    /// As errors spell it: `modules.trigger[0].events[1]`.
    pub field: String,
    /// What is wrong, in words; names written in the manifest are quoted
    /// and escaped.
    pub message: String,
}

impl fmt::Display for ManifestWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl Manifest {
    /// What this manifest declares that Kiln keeps and that will never take
    /// effect, in manifest order (module docs).
    pub fn warnings(&self) -> Vec<ManifestWarning> {
        let triggers = FieldPath::root().key("modules").key("trigger");
        self.modules
            .trigger
            .iter()
            .enumerate()
            .flat_map(|(index, trigger)| {
                let events = triggers.index(index).key("events");
                trigger
                    .unknown_events
                    .iter()
                    .map(move |unknown| ManifestWarning {
                        field: events.index(unknown.position).to_string(),
                        message: unknown_event_message(trigger, unknown),
                    })
            })
            .collect()
    }
}

fn unknown_event_message(trigger: &TriggerModule, unknown: &UnknownSubscription) -> String {
    let name = &unknown.name;
    let what = if name.starts_with(LIFECYCLE_PREFIX) {
        "is not a Forge lifecycle event Kiln raises"
    } else if JIRA_PREFIXES.iter().any(|prefix| name.starts_with(prefix)) {
        "is not a Jira event Kiln knows"
    } else {
        "is not a Jira event (Kiln serves Jira alone)"
    };
    let hint = match unknown.suggestion() {
        Some(event) if trigger.events.contains(&event) => {
            format!(
                " (did you mean {:?}? the trigger names it already)",
                event.as_str()
            )
        }
        Some(event) => format!(" (did you mean {:?}?)", event.as_str()),
        None => String::new(),
    };
    let fires = match trigger.events.is_empty() {
        true => format!("trigger {:?} never runs", trigger.key),
        false => format!(
            "trigger {:?} never runs for it, only for {}",
            trigger.key,
            names(&trigger.events)
        ),
    };
    format!("{name:?} {what}: {fires}{hint}")
}

/// `"a", "b" and "c"`.
fn names(events: &[ProductEvent]) -> String {
    let quoted: Vec<String> = events.iter().map(|e| format!("{:?}", e.as_str())).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(events: &str) -> Manifest {
        Manifest::from_yaml(&format!(
            "app:\n  id: watcher\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  trigger:\n    - key: on-change\n      function: main\n      events: {events}\npermissions:\n  scopes: [read:jira-work]\n"
        ))
        .unwrap_or_else(|error| panic!("{events}: {error}"))
    }

    fn warnings(events: &str) -> Vec<String> {
        manifest(events)
            .warnings()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_manifest_of_known_events_has_no_warning() {
        assert!(warnings("[avi:jira:created:issue, avi:forge:installed:app]").is_empty());
    }

    #[test]
    fn a_typo_is_kept_and_warned_about_with_the_nearest_name() {
        assert_eq!(
            warnings("[avi:jira:created:issue, avi:jira:updated:isue]"),
            [
                "modules.trigger[0].events[1]: \"avi:jira:updated:isue\" is not a Jira event Kiln knows: trigger \"on-change\" never runs for it, only for \"avi:jira:created:issue\" (did you mean \"avi:jira:updated:issue\"?)"
            ]
        );
        assert_eq!(
            warnings("[avi:forge:uninstalled:app]"),
            [
                "modules.trigger[0].events[0]: \"avi:forge:uninstalled:app\" is not a Forge lifecycle event Kiln raises: trigger \"on-change\" never runs (did you mean \"avi:forge:installed:app\"?)"
            ]
        );
    }

    #[test]
    fn names_far_from_any_known_event_get_no_suggestion() {
        assert_eq!(
            warnings(
                "[avi:jira-issue-link:created, avi:confluence:created:page, avi:jira:created:issue, avi:jira:deleted:issue]"
            ),
            [
                "modules.trigger[0].events[0]: \"avi:jira-issue-link:created\" is not a Jira event Kiln knows: trigger \"on-change\" never runs for it, only for \"avi:jira:created:issue\" and \"avi:jira:deleted:issue\"",
                "modules.trigger[0].events[1]: \"avi:confluence:created:page\" is not a Jira event (Kiln serves Jira alone): trigger \"on-change\" never runs for it, only for \"avi:jira:created:issue\" and \"avi:jira:deleted:issue\"",
            ]
        );
    }

    /// Threat: a name built to break the line a terminal or log shows it
    /// on. It is quoted and escaped like every name from the manifest.
    #[test]
    fn control_characters_in_a_name_are_escaped() {
        let [warning] = &warnings("[\"avi:jira:\\e[2Jcreated\\nissue\"]")[..] else {
            panic!("one warning")
        };
        assert!(
            warning.contains(r#""avi:jira:\u{1b}[2Jcreated\nissue""#),
            "{warning}"
        );
        assert!(!warning.contains(['\n', '\u{1b}']), "{warning}");
    }

    /// The unknown entries keep their places: the scope rule and duplicate
    /// check point at the manifest's own index, and the manifest is written
    /// back as it came.
    #[test]
    fn unknown_entries_keep_their_place_in_the_list() {
        let manifest = manifest(
            "[avi:jira:unknown:one, avi:jira:created:issue, {eventType: avi:jira:unknown:two, filter: {ignoreSelf: true}}, avi:jira:deleted:issue]",
        );
        let trigger = &manifest.triggers()[0];
        assert_eq!(
            trigger.written_names(),
            [
                "avi:jira:unknown:one",
                "avi:jira:created:issue",
                "avi:jira:unknown:two",
                "avi:jira:deleted:issue"
            ]
        );
        assert_eq!(trigger.written_position(0), 1);
        assert_eq!(trigger.written_position(1), 3);
        let json = serde_json::to_value(&manifest).expect("serializes");
        assert_eq!(
            json["modules"]["trigger"][0]["events"],
            serde_json::json!([
                "avi:jira:unknown:one",
                "avi:jira:created:issue",
                {"eventType": "avi:jira:unknown:two", "filter": {"ignoreSelf": true}},
                "avi:jira:deleted:issue"
            ])
        );
        let again: Manifest = Manifest::from_yaml(&serde_json::to_string(&json).unwrap()).unwrap();
        assert_eq!(again, manifest);
    }

    #[test]
    fn unknown_events_are_never_delivered_and_need_no_scope() {
        let manifest = Manifest::from_yaml("app:\n  id: other-product\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  trigger:\n    - key: on-page\n      function: main\n      events: [avi:confluence:created:page]\npermissions:\n  scopes: []\n").expect("loads without scopes");
        for event in ProductEvent::all() {
            assert_eq!(manifest.triggers_for(event).count(), 0, "{event}");
        }
        assert!(manifest.triggers()[0].events.is_empty());
        let listed: Vec<&str> = manifest.not_acted_on().iter().map(|n| n.field).collect();
        assert_eq!(listed, ["modules.trigger[].events Kiln does not know"]);
    }

    #[test]
    fn duplicates_and_bounds_hold_for_unknown_names_too() {
        let refused = |events: &str| {
            Manifest::from_yaml(&format!(
                "app:\n  id: watcher\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  trigger:\n    - key: on-change\n      function: main\n      events: {events}\npermissions:\n  scopes: [read:jira-work]\n"
            ))
            .expect_err(events)
            .to_string()
        };
        assert!(
            refused("[avi:jira:created:issue, avi:x:y, avi:x:y]")
                .contains("modules.trigger[0].events[2]: duplicate event \"avi:x:y\""),
        );
        assert!(refused("['']").contains("an event name is empty"));
        let long = format!("[avi:{}]", "x".repeat(300));
        assert!(refused(&long).contains("at most 255 characters"));
        let many: Vec<String> = (0..101).map(|n| format!("avi:x:{n}")).collect();
        assert!(refused(&format!("[{}]", many.join(", "))).contains("at most 100 events"));
    }
}
