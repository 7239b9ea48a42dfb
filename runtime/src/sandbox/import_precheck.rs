//! The component's imports, read from its bytes before anything is compiled.
//!
//! [`super::component_check::check_world`] checks the compiled component's
//! types; compiling a JavaScript app takes seconds (a 12 MB engine), so a
//! component importing something Kiln never provides (`wasi:http`, another
//! world's interface) would be refused only after that compile. The names of
//! the top-level imports are in the component's import sections: reading
//! them is one pass over the section headers, and a refused import is named
//! at once, by the same rule as after compiling.

use wasmparser::{ComponentTypeRef, Parser, Payload};

use super::component_check::{ComponentError, check_import_name};

/// Refuses a component whose top-level imports include one Kiln does not
/// provide. Imports of nested components and core modules are satisfied
/// inside the component and are not the host's concern.
/// `egress` as in [`super::component_check::check_world`].
pub fn check_imports_before_compiling(bytes: &[u8], egress: bool) -> Result<(), ComponentError> {
    // parse_all descends into nested modules and components; each opens with
    // its section and closes with an `End` payload.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| ComponentError::Invalid(e.to_string()))? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(imports) if depth == 0 => {
                for import in imports {
                    let import = import.map_err(|e| ComponentError::Invalid(e.to_string()))?;
                    let is_instance = matches!(import.ty, ComponentTypeRef::Instance(_));
                    check_import_name(import.name.name, is_instance, egress)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn importing(imports: &str) -> Vec<u8> {
        wat::parse_str(format!("(component {imports})")).unwrap()
    }

    #[test]
    fn a_forbidden_import_is_named_before_compiling() {
        let http = importing(r#"(import "wasi:http/outgoing-handler@0.2.0" (instance))"#);
        let error = check_imports_before_compiling(&http, false).unwrap_err();
        assert!(
            matches!(&error, ComponentError::ForbiddenImport { name, .. } if name == "wasi:http/outgoing-handler@0.2.0"),
            "{error}"
        );
        let unknown = importing(r#"(import "evil:pkg/door@1.0.0" (instance))"#);
        assert!(matches!(
            check_imports_before_compiling(&unknown, false),
            Err(ComponentError::ForbiddenImport { .. })
        ));
        let bare_function = importing(r#"(import "steal" (func))"#);
        assert!(matches!(
            check_imports_before_compiling(&bare_function, false),
            Err(ComponentError::ForbiddenImport { .. })
        ));
    }

    #[test]
    fn the_shared_engine_import_is_the_hosts_alone() {
        // The host gives a split JavaScript component its engine under this
        // name (`crate::shared_engine`); a component as loaded may not ask
        // for it, as a module or as anything else.
        let name = crate::shared_engine::split::ENGINE_IMPORT;
        for ty in ["(core module)", "(instance)", "(func)"] {
            let asking = importing(&format!(r#"(import "{name}" {ty})"#));
            assert!(
                matches!(
                    check_imports_before_compiling(&asking, false),
                    Err(ComponentError::ForbiddenImport { .. })
                ),
                "{ty}"
            );
        }
    }

    #[test]
    fn provided_imports_pass_and_nested_imports_are_not_the_hosts() {
        let provided = importing(
            r#"(import "wasi:clocks/monotonic-clock@0.2.3" (instance))
               (import "wasi:random/random@0.2.0" (instance))"#,
        );
        assert_eq!(check_imports_before_compiling(&provided, false), Ok(()));
        // A nested component may import anything its parent gives it.
        let nested = importing(r#"(component (import "anything" (func)))"#);
        assert_eq!(check_imports_before_compiling(&nested, false), Ok(()));
    }

    #[test]
    fn the_check_agrees_with_the_check_after_compiling() {
        // Same rule, same message: one `check_import_name`.
        let http = importing(r#"(import "wasi:http/types@0.2.0" (instance))"#);
        let before = check_imports_before_compiling(&http, false)
            .unwrap_err()
            .to_string();
        assert!(before.contains("wasi:http"), "{before}");
    }

    #[test]
    fn truncated_bytes_are_invalid_not_a_panic() {
        let whole = importing(r#"(import "wasi:random/random@0.2.0" (instance))"#);
        for len in 8..whole.len() {
            let _ = check_imports_before_compiling(&whole[..len], false);
        }
    }
}
