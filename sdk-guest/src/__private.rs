//! What the macros expand to. Not a public API: it may change in any release.

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use wit_bindgen;

use crate::bindings::kiln::app::types as wit;
use crate::{AppError, Context};

/// Implemented by `#[handler]` on a hidden type named like the function, so
/// `export_app!` can find the handler's name and entry point from its path.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Kiln handler",
    note = "mark the function with `#[kiln_sdk::handler]`"
)]
pub trait Handler {
    /// The name the manifest's `handler` field uses.
    const NAME: &'static str;

    /// Runs the handler on a JSON payload and returns JSON.
    fn call(payload: &str, context: &Context) -> Result<String, AppError>;
}

/// Deserialises `payload`, runs `handler`, serialises its output.
pub fn invoke<I, O, E>(
    payload: &str,
    handler: impl FnOnce(I) -> Result<O, E>,
) -> Result<String, AppError>
where
    I: DeserializeOwned,
    O: Serialize,
    AppError: From<E>,
{
    // An absent payload is JSON `null`, so `Option<T>` and `()` inputs work.
    let payload = if payload.trim().is_empty() {
        "null"
    } else {
        payload
    };
    let input: I = serde_json::from_str(payload).map_err(|error| {
        AppError::InvalidPayload(format!("expected {}: {error}", std::any::type_name::<I>()))
    })?;
    let output = handler(input)?;
    serde_json::to_string(&output)
        .map_err(|error| AppError::Failed(format!("the handler's result is not JSON: {error}")))
}

/// A handler's entry point, as `Handler::call`.
pub type EntryFn = fn(&str, &Context) -> Result<String, AppError>;

/// One exported handler: its name and entry point.
pub type Entry = (&'static str, EntryFn);

/// Runs the handler named `handler` among `entries`; the body of the `Guest`
/// implementation `export_app!` generates.
pub fn dispatch(
    entries: &[Entry],
    handler: &str,
    payload: &str,
    context: wit::Context,
) -> Result<String, wit::AppError> {
    let context = Context::from(context);
    let Some((_, call)) = entries.iter().find(|(name, _)| *name == handler) else {
        return Err(AppError::UnknownFunction(handler.to_owned()).into());
    };
    call(payload, &context).map_err(wit::AppError::from)
}

/// Whether `names` has no duplicates; `export_app!` asserts it in a constant
/// so two handlers sharing a name is a compile error.
/// The custom section `export_app!` writes into the app's core module: each
/// exported handler's name followed by `\n`. The host reads it at load
/// (`kiln_runtime::exported_handlers`) to refuse a manifest whose function
/// names a handler the component does not export, before any event runs it.
pub const HANDLERS_SECTION: &str = "kiln-handlers";

/// The length of [`handlers_section`]'s bytes for `names`.
pub const fn handlers_section_len(names: &[&str]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < names.len() {
        len += names[i].len() + 1;
        i += 1;
    }
    len
}

/// The [`HANDLERS_SECTION`] bytes for `names`; `N` is
/// [`handlers_section_len`] of them.
pub const fn handlers_section<const N: usize>(names: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < names.len() {
        let name = names[i].as_bytes();
        let mut j = 0;
        while j < name.len() {
            out[at] = name[j];
            at += 1;
            j += 1;
        }
        out[at] = b'\n';
        at += 1;
        i += 1;
    }
    out
}

/// Whether no name holds a line break (the section's separator).
pub const fn names_are_single_lines(names: &[&str]) -> bool {
    let mut i = 0;
    while i < names.len() {
        let name = names[i].as_bytes();
        let mut j = 0;
        while j < name.len() {
            if name[j] == b'\n' {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

pub const fn names_are_unique(names: &[&str]) -> bool {
    let mut i = 0;
    while i < names.len() {
        let mut j = i + 1;
        while j < names.len() {
            if str_eq(names[i], names[j]) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> wit::Context {
        wit::Context {
            invocation_id: "inv-1".into(),
            account_id: None,
            cloud_id: "cloud".into(),
            site_url: "http://localhost".into(),
            module_key: "main".into(),
            installation_id: "inst-1".into(),
            trigger: wit::TriggerKind::ProductEvent,
            environment: "staging".into(),
        }
    }

    fn echo_module_key(payload: &str, context: &Context) -> Result<String, AppError> {
        invoke(payload, |input: serde_json::Value| {
            Ok::<_, AppError>(serde_json::json!({"input": input, "key": context.module_key}))
        })
    }

    #[test]
    fn dispatch_runs_the_named_handler_with_the_context() {
        let entries: [Entry; 1] = [("echo", echo_module_key as EntryFn)];
        let output = dispatch(&entries, "echo", r#"{"a":1}"#, context()).unwrap();
        assert_eq!(output, r#"{"input":{"a":1},"key":"main"}"#);
    }

    fn echo_context(payload: &str, context: &Context) -> Result<String, AppError> {
        invoke(payload, |_: serde_json::Value| {
            Ok::<_, AppError>(serde_json::json!({
                "installation": context.installation_id,
                "trigger": context.trigger.to_string(),
                "environment": context.environment,
            }))
        })
    }

    #[test]
    fn dispatch_passes_the_installation_trigger_and_environment() {
        let entries: [Entry; 1] = [("ctx", echo_context as EntryFn)];
        let output = dispatch(&entries, "ctx", "", context()).unwrap();
        assert_eq!(
            output,
            r#"{"environment":"staging","installation":"inst-1","trigger":"product event"}"#
        );
    }

    #[test]
    fn dispatch_refuses_an_unknown_name() {
        let entries: [Entry; 1] = [("echo", echo_module_key as EntryFn)];
        let error = dispatch(&entries, "nope", "{}", context()).unwrap_err();
        assert!(matches!(error, wit::AppError::UnknownFunction(name) if name == "nope"));
    }

    #[test]
    fn a_bad_payload_is_invalid_payload_naming_the_serde_error() {
        #[derive(serde::Deserialize, Debug)]
        struct Input {
            #[allow(dead_code, reason = "only deserialised")]
            issue: String,
        }
        let error = invoke("{\"issue\": 7}", |_: Input| Ok::<_, AppError>(())).unwrap_err();
        match error {
            AppError::InvalidPayload(reason) => {
                assert!(reason.contains("invalid type: integer `7`"), "{reason}");
                assert!(reason.contains("Input"), "{reason}");
            }
            other => panic!("expected InvalidPayload, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_payload_is_null() {
        let output = invoke("", |input: Option<u8>| Ok::<_, AppError>(input)).unwrap();
        assert_eq!(output, "null");
    }

    #[test]
    fn duplicate_names_are_detected() {
        assert!(names_are_unique(&["a", "b", "ab"]));
        assert!(!names_are_unique(&["a", "b", "a"]));
    }

    #[test]
    fn the_handlers_section_lists_each_name_on_its_line() {
        const NAMES: [&str; 3] = ["summary", "on_event", "x"];
        const LEN: usize = handlers_section_len(&NAMES);
        const BYTES: [u8; LEN] = handlers_section::<LEN>(&NAMES);
        assert_eq!(&BYTES, b"summary\non_event\nx\n");
        assert_eq!(handlers_section_len(&[]), 0);
        assert!(names_are_single_lines(&NAMES));
        assert!(!names_are_single_lines(&["a", "b\nc"]));
    }
}
