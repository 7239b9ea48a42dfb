//! The handlers a component says it exports, checked against its manifest at load.
//!
//! A Kiln app exports one function, `handle(handler, payload, context)`, and dispatches on
//! the handler's name inside: which names it answers is not in its types. An app built with
//! the Rust SDK lists them in a custom section of its core module (`kiln-handlers`, written
//! by `export_app!`: each name followed by `\n`). With it, a manifest function naming a
//! handler the component does not export (a typo, a handler left out of `export_app!`) is
//! refused at load, naming both, instead of failing with `unknown-function` at the first
//! event that runs it, hours later. Components without the section (JavaScript apps, other
//! toolchains, older SDKs) are not checked: their calls answer `unknown-function` as before.
//!
//! The section is the guest's own text, used for nothing but this check: a component that
//! lies in it only turns off a check of its own manifest. It is bounded, must be UTF-8, and
//! its names are only compared, never run or printed unescaped.

use std::collections::BTreeSet;

use kiln_manifest::Manifest;
use wasmparser::{Parser, Payload};

use crate::sandbox::component_check::ComponentError;

/// The section's name, as `kiln_sdk::__private::HANDLERS_SECTION`.
pub const HANDLERS_SECTION: &str = "kiln-handlers";

/// Largest section read, in bytes. An app's handlers are a few dozen short names; 64 KiB
/// is thousands of them, and bounds what a hostile component makes the host collect.
pub const MAX_HANDLERS_SECTION_BYTES: usize = 64 * 1024;

/// The names of every `kiln-handlers` section in the component (one per core module that
/// has one), or `None` when there is none.
pub fn exported_handlers(bytes: &[u8]) -> Result<Option<BTreeSet<String>>, ComponentError> {
    let mut names: Option<BTreeSet<String>> = None;
    let mut read = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| ComponentError::Invalid(e.to_string()))?;
        let Payload::CustomSection(section) = payload else {
            continue;
        };
        if section.name() != HANDLERS_SECTION {
            continue;
        }
        read = read.saturating_add(section.data().len());
        if read > MAX_HANDLERS_SECTION_BYTES {
            return Err(ComponentError::Invalid(format!(
                "its {HANDLERS_SECTION} section is over {MAX_HANDLERS_SECTION_BYTES} bytes"
            )));
        }
        let text = std::str::from_utf8(section.data()).map_err(|_| {
            ComponentError::Invalid(format!("its {HANDLERS_SECTION} section is not UTF-8"))
        })?;
        names
            .get_or_insert_with(BTreeSet::new)
            .extend(text.split_terminator('\n').map(str::to_owned));
    }
    Ok(names)
}

/// Refuses `manifest` when the component lists its handlers and a function's handler is
/// not among them.
pub fn check_handlers_exported(bytes: &[u8], manifest: &Manifest) -> Result<(), ComponentError> {
    let Some(exported) = exported_handlers(bytes)? else {
        return Ok(());
    };
    match manifest
        .modules
        .function
        .iter()
        .find(|function| !exported.contains(&function.handler))
    {
        Some(function) => Err(ComponentError::HandlerNotExported {
            function: function.key.clone(),
            handler: function.handler.clone(),
            exported: exported.into_iter().collect(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component whose core module carries `sections` (name, data) as custom sections.
    fn component(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut module = wasm_encoder::Module::new();
        for (name, data) in sections {
            module.section(&wasm_encoder::CustomSection {
                name: (*name).into(),
                data: (*data).into(),
            });
        }
        let mut component = wasm_encoder::Component::new();
        component.section(&wasm_encoder::ModuleSection(&module));
        component.finish()
    }

    fn manifest(handlers: &[&str]) -> Manifest {
        let functions: String = handlers
            .iter()
            .enumerate()
            .map(|(i, h)| format!("    - key: f{i}\n      handler: {h}\n"))
            .collect();
        Manifest::from_yaml(&format!(
            "app:\n  id: demo\nmodules:\n  function:\n{functions}"
        ))
        .expect("manifest")
    }

    #[test]
    fn a_handler_the_component_does_not_export_is_named_at_load() {
        let bytes = component(&[(HANDLERS_SECTION, b"summary\non_event\n")]);
        assert_eq!(
            exported_handlers(&bytes).unwrap(),
            Some(BTreeSet::from(["summary".into(), "on_event".into()]))
        );
        check_handlers_exported(&bytes, &manifest(&["summary", "on_event"])).unwrap();
        let error = check_handlers_exported(&bytes, &manifest(&["summary", "on_evnt"]))
            .expect_err("not exported");
        assert!(
            matches!(&error, ComponentError::HandlerNotExported { function, handler, exported }
                if function == "f1" && handler == "on_evnt" && exported.len() == 2),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            "the manifest's function `f1` names the handler `on_evnt`, which the component does not export (it exports: on_event, summary): list it in kiln_sdk::export_app!, or correct the manifest"
        );
    }

    #[test]
    fn components_without_the_list_are_not_checked() {
        let bytes = component(&[("name", b"\x00\x05hello")]);
        assert_eq!(exported_handlers(&bytes).unwrap(), None);
        check_handlers_exported(&bytes, &manifest(&["anything"])).unwrap();
    }

    #[test]
    fn hostile_sections_are_typed_errors() {
        let not_utf8 = component(&[(HANDLERS_SECTION, b"ok\n\xff\xfe\n")]);
        assert!(matches!(
            exported_handlers(&not_utf8),
            Err(ComponentError::Invalid(text)) if text.contains("UTF-8")
        ));
        let huge = vec![b'a'; MAX_HANDLERS_SECTION_BYTES + 1];
        let too_big = component(&[(HANDLERS_SECTION, &huge)]);
        assert!(matches!(
            exported_handlers(&too_big),
            Err(ComponentError::Invalid(text)) if text.contains("bytes")
        ));
        // Many small sections count together.
        let half = vec![b'a'; MAX_HANDLERS_SECTION_BYTES / 2 + 1];
        let split = component(&[(HANDLERS_SECTION, &half), (HANDLERS_SECTION, &half)]);
        assert!(exported_handlers(&split).is_err());
        // Truncated bytes are the parser's typed error, not a panic.
        let bytes = component(&[(HANDLERS_SECTION, b"summary\n")]);
        for cut in 0..bytes.len() {
            let _ = exported_handlers(&bytes[..cut]);
        }
    }
}
