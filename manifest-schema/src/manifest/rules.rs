//! The checks serde cannot express: identifier syntax, bounds, uniqueness.
//!
//! They mirror the JSON Schema (a test keeps the two in step), but give messages
//! written for people, and also cover what the schema cannot say (unique keys).

use std::collections::{HashMap, HashSet};

use super::Manifest;
use super::field_path::FieldPath;
use super::forge::{is_forge_handler, is_product_module_type, not_served_reason};
use super::triggers::{WebTriggerAuthentication, WebTriggerModule, WebTriggerResponseType};

/// The first rule a manifest breaks, in document order.
#[derive(Debug)]
pub(crate) struct Violation {
    pub path: FieldPath,
    pub message: String,
}

/// Longest app id / display name; threat: unbounded strings copied into every
/// audit line and error.
const MAX_ID_LEN: usize = 128;
const MAX_NAME_CHARS: usize = 128;
const MAX_KEY_LEN: usize = 64;
const MAX_HANDLER_LEN: usize = 64;
/// Forge's app description. Threat: as for the name.
const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Threat: a manifest that makes the host index thousands of exports.
pub(crate) const MAX_FUNCTIONS: usize = 100;
/// Per trigger list. Threat: thousands of webhook subscriptions, URLs or
/// timers for one app.
pub(crate) const MAX_TRIGGERS: usize = 100;
/// Per trigger. Threat: an event list that makes every delivery and every
/// warning walk thousands of names; Forge's table of every product's events
/// holds fewer than 160.
pub(crate) const MAX_EVENTS_PER_TRIGGER: usize = 100;
/// An event name Kiln does not know is kept and echoed in warnings and
/// `runtime inspect`. Threat: a name of a quarter megabyte in every such
/// line; real names are under 60 characters.
pub(crate) const MAX_EVENT_NAME_CHARS: usize = 255;
/// Forge's bounds on a static web trigger's fixed responses.
pub(crate) const MAX_STATIC_OUTPUTS: usize = 20;
const MAX_OUTPUT_KEY_CHARS: usize = 255;
const MAX_OUTPUT_BODY_CHARS: usize = 1024;
const MAX_CONTENT_TYPE_CHARS: usize = 255;

pub(crate) fn check(manifest: &Manifest) -> Result<(), Violation> {
    let root = FieldPath::root();
    let app = root.key("app");

    if !is_app_id(&manifest.app.id) {
        return Err(violation(
            app.key("id"),
            format!(
                "invalid app id {:?}: use 1-{MAX_ID_LEN} of a-z 0-9 . _ : / -, starting with a letter or digit \
                 (or a Forge ARI, ari:cloud:ecosystem::app/<uuid>)",
                manifest.app.id
            ),
        ));
    }
    if let Some(rest) = manifest.app.id.strip_prefix(FORGE_APP_ARI_PREFIX)
        && !is_uuid(rest)
    {
        return Err(violation(
            app.key("id"),
            format!(
                "the app id {:?} is Forge's app ARI without its UUID (`{FORGE_APP_ARI_PREFIX}<uuid>`, \
                 which `forge register` fills in): a placeholder would give every app that ships it \
                 one storage and one approval; give the app its own id (`id: my-app`) or the ARI \
                 `forge register` wrote",
                manifest.app.id
            ),
        ));
    }
    if let Some(name) = &manifest.app.name {
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(violation(
                app.key("name"),
                format!(
                    "the name must be 1-{MAX_NAME_CHARS} characters without control characters"
                ),
            ));
        }
    }
    let runtime = app.key("runtime");
    for (field, value, min, max) in manifest.app.runtime.bounded() {
        if value < min || value > max {
            return Err(violation(
                runtime.key(field),
                format!("{value} is out of range ({min}..={max})"),
            ));
        }
    }

    super::entities::check(&manifest.app.storage, &app.key("storage"))?;
    // A field type is declared as a field is: one set of checks for both.
    for (module_type, modules) in [
        ("jira:customField", &manifest.modules.jira_custom_field),
        (
            "jira:customFieldType",
            &manifest.modules.jira_custom_field_type,
        ),
    ] {
        super::custom_field::check(module_type, modules, &root.key("modules").key(module_type))?;
    }
    super::entity_property::check(
        &manifest.modules.jira_entity_property,
        &root.key("modules").key("jira:entityProperty"),
    )?;

    let functions = root.key("modules").key("function");
    if manifest.modules.function.is_empty() {
        // A misspelt `function:` lands among the other module types: name
        // it, rather than only report that functions are missing.
        check_forge_modules(manifest, &root)?;
        return Err(violation(
            functions,
            "declare at least one function".to_owned(),
        ));
    }
    if manifest.modules.function.len() > MAX_FUNCTIONS {
        return Err(violation(
            functions,
            format!("at most {MAX_FUNCTIONS} functions are allowed"),
        ));
    }
    let mut seen_keys = HashMap::new();
    for (index, function) in manifest.modules.function.iter().enumerate() {
        let item = functions.index(index);
        if !is_module_key(&function.key) {
            return Err(violation(
                item.key("key"),
                format!(
                    "invalid function key {:?}: use 1-{MAX_KEY_LEN} of A-Z a-z 0-9 - _ (Forge's module key)",
                    function.key
                ),
            ));
        }
        if let Some(first) = seen_keys.insert(function.key.as_str(), index) {
            return Err(violation(
                item.key("key"),
                format!(
                    "duplicate function key {:?} (first used by modules.function[{first}])",
                    function.key
                ),
            ));
        }
        if !is_handler(&function.handler) && !is_forge_handler(&function.handler) {
            return Err(violation(
                item.key("handler"),
                format!(
                    "invalid handler {:?}: use 1-{MAX_HANDLER_LEN} of a-z 0-9 _, not starting with a digit, \
                     or Forge's file.export (`index.run`)",
                    function.handler
                ),
            ));
        }
        if let Some(seconds) = function.timeout_seconds
            && !(1..=super::MAX_TIMEOUT_SECONDS).contains(&seconds)
        {
            return Err(violation(
                item.key("timeoutSeconds"),
                format!(
                    "{seconds} is out of range (1..={}, Forge's longest)",
                    super::MAX_TIMEOUT_SECONDS
                ),
            ));
        }
    }

    // Forge's shapes first: a consumer naming its function twice is
    // reported as such, not as an unknown function.
    check_forge_modules(manifest, &root)?;
    check_trigger_modules(manifest, &root)?;

    // A scope given twice is refused where the scopes are read (`scopes.rs`).
    let backends = root
        .key("permissions")
        .key("external")
        .key("fetch")
        .key("backend");
    let declared = &manifest.permissions.external.fetch.backend;
    if declared.len() > super::egress::MAX_BACKENDS {
        return Err(violation(
            backends,
            format!(
                "at most {} backends are allowed",
                super::egress::MAX_BACKENDS
            ),
        ));
    }
    // Entries naming one grant twice were merged when read (`egress.rs`).

    check_event_scopes(manifest, &root)
}

/// Keys, function references and web trigger responses of the `trigger`,
/// `webtrigger` and `scheduledTrigger` lists.
fn check_trigger_modules(manifest: &Manifest, root: &FieldPath) -> Result<(), Violation> {
    let modules = root.key("modules");
    let functions = &manifest.modules.function;
    // Forge: a module key "must be unique within the manifest", across types.
    let mut seen_keys: HashMap<&str, String> = functions
        .iter()
        .enumerate()
        .map(|(index, function)| {
            (
                function.key.as_str(),
                modules.key("function").index(index).to_string(),
            )
        })
        .collect();
    let lists = [
        (
            "trigger",
            manifest
                .modules
                .trigger
                .iter()
                .map(|m| (m.key.as_str(), Some(m.function.as_str())))
                .collect::<Vec<_>>(),
        ),
        (
            "webtrigger",
            manifest
                .modules
                .webtrigger
                .iter()
                .map(|m| (m.key.as_str(), Some(m.function.as_str())))
                .collect(),
        ),
        (
            "scheduledTrigger",
            manifest
                .modules
                .scheduled_trigger
                .iter()
                .map(|m| (m.key.as_str(), Some(m.function.as_str())))
                .collect(),
        ),
        (
            "consumer",
            manifest
                .modules
                .consumer
                .iter()
                .map(|m| (m.key.as_str(), Some(m.function_key().unwrap_or_default())))
                .collect(),
        ),
        (
            "preUninstall",
            manifest
                .modules
                .pre_uninstall
                .iter()
                .map(|m| (m.key.as_str(), Some(m.function.as_str())))
                .collect(),
        ),
        (
            // Custom fields name no function either: the app writes them.
            "jira:customField",
            manifest
                .modules
                .jira_custom_field
                .iter()
                .map(|m| (m.key.as_str(), None))
                .collect(),
        ),
        (
            // Nor do custom field types: the app writes their fields.
            "jira:customFieldType",
            manifest
                .modules
                .jira_custom_field_type
                .iter()
                .map(|m| (m.key.as_str(), None))
                .collect(),
        ),
        (
            // Nor do entity property indexes: Jira reads the property.
            "jira:entityProperty",
            manifest
                .modules
                .jira_entity_property
                .iter()
                .map(|m| (m.key.as_str(), None))
                .collect(),
        ),
        (
            // Forge SQL's declarations name no function; their keys follow the same rules.
            "sql",
            manifest
                .modules
                .sql
                .iter()
                .map(|m| (m.key.as_str(), None))
                .collect(),
        ),
    ];
    for (list, entries) in &lists {
        let list_path = modules.key(list);
        if entries.len() > MAX_TRIGGERS {
            return Err(violation(
                list_path,
                format!("at most {MAX_TRIGGERS} {list} modules are allowed"),
            ));
        }
        for (index, (key, function)) in entries.iter().enumerate() {
            let item = list_path.index(index);
            if !is_module_key(key) {
                return Err(violation(
                    item.key("key"),
                    format!(
                        "invalid module key {key:?}: use 1-{MAX_KEY_LEN} of A-Z a-z 0-9 - _ (Forge's module key)"
                    ),
                ));
            }
            if let Some(first) = seen_keys.get(key) {
                return Err(violation(
                    item.key("key"),
                    format!(
                        "duplicate module key {key:?} (first used by {first}); module keys are unique across all modules"
                    ),
                ));
            }
            seen_keys.insert(key, item.to_string());
            let Some(function) = function else {
                continue;
            };
            if manifest.function(function).is_none() {
                let keys = functions.iter().map(|f| (f.key.as_str(), f.key.as_str()));
                let suggestion = crate::suggest::nearest(function, keys, 3)
                    .map(|key| format!(" (did you mean {key:?}?)"))
                    .unwrap_or_default();
                return Err(violation(
                    item.key("function"),
                    format!(
                        "function {function:?} is not declared in modules.function{suggestion}"
                    ),
                ));
            }
        }
    }

    for (index, trigger) in manifest.modules.trigger.iter().enumerate() {
        let events = modules.key("trigger").index(index).key("events");
        let names = trigger.written_names();
        if names.is_empty() {
            return Err(violation(
                events,
                "subscribe to at least one event".to_owned(),
            ));
        }
        if names.len() > MAX_EVENTS_PER_TRIGGER {
            return Err(violation(
                events,
                format!("at most {MAX_EVENTS_PER_TRIGGER} events per trigger are allowed"),
            ));
        }
        for unknown in &trigger.unknown_events {
            if unknown.name.chars().count() > MAX_EVENT_NAME_CHARS {
                return Err(violation(
                    events.index(unknown.position),
                    format!("an event name has at most {MAX_EVENT_NAME_CHARS} characters"),
                ));
            }
        }
        let mut seen = HashSet::new();
        for (position, name) in names.into_iter().enumerate() {
            if !seen.insert(name) {
                return Err(violation(
                    events.index(position),
                    format!("duplicate event {name:?}"),
                ));
            }
        }
    }

    for (index, web_trigger) in manifest.modules.webtrigger.iter().enumerate() {
        check_web_trigger_response(web_trigger, &modules.key("webtrigger").index(index))?;
    }
    Ok(())
}

/// Forge's rule: `static` needs 1-20 `outputs`, `dynamic` takes none. And
/// Kiln's: a web trigger whose caller Forge would authenticate with a shared
/// secret is refused, since serving it without the check promises less than
/// the manifest says.
fn check_web_trigger_response(
    module: &WebTriggerModule,
    item: &FieldPath,
) -> Result<(), Violation> {
    if module
        .request
        .as_ref()
        .and_then(|request| request.authentication)
        == Some(WebTriggerAuthentication::HmacSharedSecret)
    {
        return Err(violation(
            item.key("request").key("authentication"),
            "Kiln cannot check Forge's hmacSharedSecret signature (it holds no such secret), and \
             will not serve the URL unchecked: use `authentication: none` and verify the caller \
             in the function (the URL itself is a 256-bit secret)"
                .to_owned(),
        ));
    }
    let Some(response) = &module.response else {
        return Ok(());
    };
    let path = item.key("response");
    let outputs = path.key("outputs");
    match response.kind {
        WebTriggerResponseType::Dynamic if !response.outputs.is_empty() => {
            return Err(violation(
                outputs,
                "a dynamic web trigger's function builds its response: outputs belong to type static".to_owned(),
            ));
        }
        WebTriggerResponseType::Static
            if response.outputs.is_empty() || response.outputs.len() > MAX_STATIC_OUTPUTS =>
        {
            return Err(violation(
                outputs,
                format!(
                    "a static web trigger declares 1-{MAX_STATIC_OUTPUTS} outputs, the responses its function may pick"
                ),
            ));
        }
        _ => {}
    }
    let mut seen = HashMap::new();
    for (index, output) in response.outputs.iter().enumerate() {
        let at = outputs.index(index);
        let key_chars = output.key.chars().count();
        if key_chars == 0 || key_chars > MAX_OUTPUT_KEY_CHARS {
            return Err(violation(
                at.key("key"),
                format!("an output key has 1-{MAX_OUTPUT_KEY_CHARS} characters"),
            ));
        }
        if let Some(first) = seen.insert(output.key.as_str(), index) {
            return Err(violation(
                at.key("key"),
                format!(
                    "duplicate output key {:?} (first used by outputs[{first}])",
                    output.key
                ),
            ));
        }
        if !(100..=599).contains(&output.status_code) {
            return Err(violation(
                at.key("statusCode"),
                format!(
                    "{} is not an HTTP status code (100..=599)",
                    output.status_code
                ),
            ));
        }
        if output
            .body
            .as_ref()
            .is_some_and(|body| body.chars().count() > MAX_OUTPUT_BODY_CHARS)
        {
            return Err(violation(
                at.key("body"),
                format!("a static body has at most {MAX_OUTPUT_BODY_CHARS} characters"),
            ));
        }
        if output
            .content_type
            .as_ref()
            .is_some_and(|content_type| content_type.chars().count() > MAX_CONTENT_TYPE_CHARS)
        {
            return Err(violation(
                at.key("contentType"),
                format!("a content type has at most {MAX_CONTENT_TYPE_CHARS} characters"),
            ));
        }
    }
    Ok(())
}

/// An app only receives events it could have read (issue 15): a trigger
/// whose events the declared scopes cannot read is refused, as Forge's own
/// validator refuses it. A warning would leave a trigger that silently never
/// fires (the host drops what the app may not read), found only in production.
fn check_event_scopes(manifest: &Manifest, root: &FieldPath) -> Result<(), Violation> {
    let declared = manifest.declared_scopes();
    for (index, trigger) in manifest.modules.trigger.iter().enumerate() {
        for (index_in_events, event) in trigger.events.iter().enumerate() {
            if event.readable_with(&declared) {
                continue;
            }
            let position = trigger.written_position(index_in_events);
            let names = |scopes: &[crate::catalogue::Scope]| {
                scopes
                    .iter()
                    .map(|scope| scope.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(violation(
                root.key("modules")
                    .key("trigger")
                    .index(index)
                    .key("events")
                    .index(position),
                format!(
                    "{event} carries data the declared scopes cannot read: add {} to permissions.scopes (or the granular {})",
                    names(event.classic_scopes()),
                    names(event.granular_scopes())
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn violation(path: FieldPath, message: String) -> Violation {
    Violation { path, message }
}

/// Forge's app ARIs: this, then the app's UUID.
const FORGE_APP_ARI_PREFIX: &str = "ari:cloud:ecosystem::app/";

/// A UUID as Forge writes app ids: 8-4-4-4-12 lower-case hex digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, len)| {
            group.len() == len
                && group
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// `[a-z0-9][a-z0-9._:/-]{0,127}`; Forge ARIs (`ari:cloud:ecosystem::app/<uuid>`)
/// fit the same alphabet, and must carry their UUID.
fn is_app_id(id: &str) -> bool {
    starts_lower_alnum(id)
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._:/-".contains(&b))
}

/// Forge's names of modules and queues: `^[a-zA-Z0-9_-]+$`, at most `max`
/// bytes.
fn is_forge_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A module key: Forge's name, at most 64 bytes as Kiln's function keys.
fn is_module_key(key: &str) -> bool {
    is_forge_name(key, MAX_KEY_LEN)
}

/// Longest queue name (Forge names no bound; Kiln's queue stores at most this).
const MAX_QUEUE_NAME_BYTES: usize = 255;

/// A queue name (`@forge/events`' rule), bounded.
fn is_queue_name(name: &str) -> bool {
    is_forge_name(name, MAX_QUEUE_NAME_BYTES)
}

/// Forge's parts of a manifest ([`super::forge`]): the description, the
/// consumer shapes, and module types: Forge's product (UI) modules are
/// admitted as lists, any other unknown type is refused by name.
fn check_forge_modules(manifest: &Manifest, root: &FieldPath) -> Result<(), Violation> {
    if let Some(description) = &manifest.app.description {
        let chars = description.chars().count();
        let control = description.chars().any(|c| c.is_control() && c != '\n');
        if chars > MAX_DESCRIPTION_CHARS || control {
            return Err(violation(
                root.key("app").key("description"),
                format!(
                    "the description must be at most {MAX_DESCRIPTION_CHARS} characters without control characters"
                ),
            ));
        }
    }
    let modules = root.key("modules");
    let mut queues = std::collections::BTreeSet::new();
    for (index, consumer) in manifest.modules.consumer.iter().enumerate() {
        let path = modules.key("consumer").index(index);
        if consumer.function_key().is_none() {
            return Err(violation(
                path,
                "give the consumer's function as `function: <key>` or `resolver: { function: <key> }`, one of them"
                    .to_owned(),
            ));
        }
        // The queue is what an app pushes to (`new Queue({ key })`): Forge's rule for its
        // name, and one consumer per queue, so a push has exactly one place to go.
        if !is_queue_name(&consumer.queue) {
            return Err(violation(
                path.key("queue"),
                format!(
                    "a queue name is 1 to {MAX_QUEUE_NAME_BYTES} bytes of letters, digits, `-` and `_` (Forge's rule)"
                ),
            ));
        }
        if !queues.insert(consumer.queue.as_str()) {
            return Err(violation(
                path.key("queue"),
                format!(
                    "the queue {:?} has another consumer already: a queue has one consumer",
                    consumer.queue
                ),
            ));
        }
    }
    for (module_type, entries) in &manifest.modules.product {
        let path = modules.key(module_type);
        if !is_product_module_type(module_type) && not_served_reason(module_type).is_none() {
            return Err(violation(
                path,
                format!(
                    "unknown module type {module_type:?}: Kiln runs function, trigger, webtrigger, \
                     scheduledTrigger and consumer modules, and lists Forge's UI modules (product:module, \
                     such as jira:issuePanel) and event modules"
                ),
            ));
        }
        if !entries.is_array() {
            return Err(violation(
                path,
                format!("{module_type} must be a list of modules"),
            ));
        }
    }
    Ok(())
}

/// `[a-z_][a-z0-9_]{0,63}`.
fn is_handler(handler: &str) -> bool {
    handler
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && handler.len() <= MAX_HANDLER_LEN
        && handler
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn starts_lower_alnum(text: &str) -> bool {
    text.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_syntax() {
        assert!(is_app_id("hello-jira"));
        assert!(is_app_id(
            "ari:cloud:ecosystem::app/0f6a1d2e-9b3c-4d5e-8f70-123456789abc"
        ));
        assert!(is_app_id(&"a".repeat(128)));
        assert!(!is_app_id(&"a".repeat(129)));
        assert!(!is_app_id("-x") && !is_app_id("") && !is_app_id("Hello") && !is_app_id("a b"));
        // A Forge ARI carries its UUID (checked beside `is_app_id`).
        assert!(is_uuid("0f6a1d2e-9b3c-4d5e-8f70-123456789abc"));
        assert!(
            !is_uuid("")
                && !is_uuid("0f6a1d2e-9b3c-4d5e-8f70")
                && !is_uuid("0F6A1D2E-9B3C-4D5E-8F70-123456789ABC")
                && !is_uuid("0f6a1d2e-9b3c-4d5e-8f70-123456789abc-")
                && !is_uuid("issue-triage")
        );

        // Function keys are module keys: Forge writes `onIssueUpdated`.
        assert!(is_module_key("main") && is_module_key("0-a_b") && is_module_key("onIssueUpdated"));
        assert!(
            !is_module_key("on issue")
                && !is_module_key("")
                && !is_module_key("a.b")
                && !is_module_key(&"k".repeat(65))
        );

        assert!(is_handler("summary") && is_handler("_private2"));
        assert!(
            !is_handler("2fast")
                && !is_handler("has-dash")
                && !is_handler("")
                && !is_handler(&"h".repeat(65))
        );
    }
}
