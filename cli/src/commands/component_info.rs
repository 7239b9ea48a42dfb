//! Reads a component's top-level imports and exports without compiling it,
//! for `runtime inspect`. Nested core modules and components are skipped:
//! only the outermost interface is what the host is asked to provide.

use wasmparser::{Parser, Payload};

/// What a component asks of its host and offers to it.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ComponentInfo {
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    /// The vetted language engine its code is, if any (a JavaScript app's
    /// StarlingMonkey): admitted beyond the code-shape limits and compiled
    /// once for every app built on it.
    pub engine: Option<&'static str>,
}

/// Why the bytes could not be read as a component.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the component: {0}")]
pub struct ReadError(#[from] wasmparser::BinaryReaderError);

/// The outermost component's import and export names, in file order.
pub fn read(wasm: &[u8]) -> Result<ComponentInfo, ReadError> {
    let mut info = ComponentInfo::default();
    // Nesting depth: sections of inner modules/components are not the app's
    // own interface.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    info.imports.push(import?.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    info.exports.push(export?.name.name.to_owned());
                }
            }
            // A core module of the component itself (not of a nested one).
            Payload::CodeSectionStart { count, range, .. } if depth == 1 => {
                if let Some(engine) = wasm.get(range).and_then(|code| {
                    kiln_runtime::sandbox::known_engines::known_engine(code, count)
                }) {
                    info.engine = Some(engine.name);
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outer_imports_and_exports_are_listed_and_inner_ones_skipped() {
        let wasm = wat::parse_str(
            r#"(component
                (import "kiln:app/log@0.1.0" (instance))
                (component $inner (import "inner:pkg/x@1.0.0" (instance)))
                (export "kiln:app/handler@0.1.0" (component $inner))
            )"#,
        )
        .unwrap();
        let info = read(&wasm).unwrap();
        assert_eq!(info.imports, ["kiln:app/log@0.1.0"]);
        assert_eq!(info.exports, ["kiln:app/handler@0.1.0"]);
    }

    #[test]
    fn junk_is_an_error_not_a_panic() {
        assert!(read(b"\0asm\x0d\0\x01\0\xff\xff").is_err());
    }
}
