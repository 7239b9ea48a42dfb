//! What a component must be before Kiln instantiates it: a component (not a
//! core module), within the size cap, importing only interfaces of a
//! `kiln:app` world Kiln implements (0.1.0 to 0.5.0, [`WorldVersion`]) and the
//! WASI 0.2 interfaces the sandbox implements (all denying), and exporting the
//! handler of one of those worlds. Anything else is refused with an error
//! that names the offending import or export, before any guest code runs.

use std::time::Duration;

use wasmtime::Engine;
use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

use super::code_limits::{CodeLimit, check_code_limits};
use super::compile_deadline::CompileClock;
use crate::bindings::{WORLD_PACKAGE, WorldVersion, handler_exports_text};
use crate::guest_text::{
    GuestList, GuestText, MAX_GUEST_ERROR_BYTES, MAX_GUEST_LIST_ITEMS, MAX_GUEST_NAME_BYTES, cap,
    cap_owned,
};

/// Largest component accepted, in bytes (memory exhaustion of the host by an
/// oversized file: it is read whole before anything is parsed). 128 MiB: a
/// JavaScript app that uses `Intl` is ≈ 55–59 MB before its own dependencies
/// (the engine's snapshot ≈ 13 MB, FormatJS's polyfills, locale and IANA
/// time-zone data ≈ 20 MB and more per locale, date patterns worked out at
/// build 7–8 MB each: all data, not code), and a Forge app as its author
/// ships it adds its packages' snapshot on top: forge-sql-orm's examples
/// (drizzle-orm, node-sql-parser, luxon, whose `Intl` use brings the data)
/// are ≈ 88 MB, over the 64 MiB this was before, so `runtime build` made a
/// component no command could load. What bounds compile time is the code's
/// shape and the compile deadline, checked apart
/// ([`crate::sandbox::code_limits`], [`crate::sandbox::compile_deadline`]),
/// and what an instance may use is its memory limit: the size of the file
/// bounds neither.
pub const MAX_COMPONENT_BYTES: usize = 128 * 1024 * 1024;

/// WASI packages a component may import, with the version prefix the host
/// implements. `wasi:http` is absent on purpose: `request-jira` is the only way
/// out. `kiln:app` interfaces are checked by name and exact world version
/// ([`WorldVersion::importable_interfaces`]).
const IMPORTABLE_PACKAGES: &[(&str, &str)] = &[
    ("wasi:cli", "0.2."),
    ("wasi:clocks", "0.2."),
    ("wasi:filesystem", "0.2."),
    ("wasi:io", "0.2."),
    ("wasi:random", "0.2."),
    ("wasi:sockets", "0.2."),
];

/// Why a component was refused before running.
///
/// Import and export names, and the validator's messages (which quote them),
/// are the component's text: capped when the error is built, escaped by
/// `Display` ([`GuestText`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComponentError {
    #[error("the component is {size} bytes; the limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("this is not a WebAssembly file (bad magic number)")]
    NotWasm,
    #[error(
        "this is a core WebAssembly module, not a component: build the app for wasm32-wasip2 (`runtime build`), which produces a component"
    )]
    CoreModule,
    #[error("the component is invalid or truncated: {}", GuestText(.0))]
    Invalid(String),
    #[error(
        "the component has {found} {limit}; the limit is {max} (code shaped like this costs too much to compile)"
    )]
    TooComplex {
        limit: CodeLimit,
        found: u64,
        max: u64,
    },
    #[error("compiling the component {}", .clock.overrun(*.limit))]
    CompileTimeout {
        limit: Duration,
        clock: CompileClock,
    },
    #[error("the component imports `{}`, which Kiln does not provide: {}", GuestText(.name), GuestText(.reason))]
    ForbiddenImport { name: String, reason: String },
    #[error(
        "the component was built for `{}`, but this runtime implements {}",
        GuestText(.found), handler_exports_text()
    )]
    IncompatibleVersion { found: String },
    #[error("the component does not export {} (it exports: {}); is it a Kiln app?", handler_exports_text(), GuestList(.exports, ", "))]
    WrongWorld { exports: Vec<String> },
    /// The component lists the handlers it exports (`crate::exported_handlers`) and a
    /// manifest function names another.
    #[error(
        "the manifest's function `{}` names the handler `{}`, which the component does not export (it exports: {}): list it in kiln_sdk::export_app!, or correct the manifest",
        GuestText(.function), GuestText(.handler), GuestList(.exported, ", ")
    )]
    HandlerNotExported {
        function: String,
        handler: String,
        exported: Vec<String>,
    },
}

/// Cheap checks on the bytes, before compiling: the size cap first (before
/// any byte is parsed), the header, then the code's shape
/// ([`check_code_limits`]).
pub fn check_bytes(bytes: &[u8]) -> Result<(), ComponentError> {
    check_format(bytes)?;
    check_code_limits(bytes).map(|_| ())
}

/// The part of [`check_bytes`] that matters even when no compilation
/// follows (an artifact-cache hit): the size cap, then the header. The code
/// shape only bounds compile cost, so the artifact cache runs it just before
/// compiling ([`crate::cache::compile_cached`]).
pub fn check_format(bytes: &[u8]) -> Result<(), ComponentError> {
    if bytes.len() > MAX_COMPONENT_BYTES {
        return Err(ComponentError::TooLarge {
            size: bytes.len(),
            limit: MAX_COMPONENT_BYTES,
        });
    }
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(ComponentError::CoreModule);
    }
    if !wasmparser::Parser::is_component(bytes) {
        return Err(ComponentError::NotWasm);
    }
    Ok(())
}

impl ComponentError {
    /// A compilation (validation included) that wasmtime refused.
    pub fn compile_failed(error: &wasmtime::Error) -> Self {
        ComponentError::Invalid(cap_owned(format!("{error:#}"), MAX_GUEST_ERROR_BYTES))
    }
}

/// Checks a compiled component's imports and exports; returns the world
/// whose handler it exports. `egress`: whether the manifest declares egress
/// backends, the only case in which `wasi:http` may be imported.
pub fn check_world(
    engine: &Engine,
    component: &Component,
    egress: bool,
    shared_engine: bool,
) -> Result<WorldVersion, ComponentError> {
    let ty = component.component_type();
    for (name, item) in ty.imports(engine) {
        // The one import the host itself added when it split a JavaScript
        // component around its engine (`crate::shared_engine`): a core module
        // the host provides. A component as loaded may not import it (the
        // check before compiling refuses any import but an interface).
        if shared_engine
            && name == crate::shared_engine::split::ENGINE_IMPORT
            && matches!(item.ty, ComponentItem::Module(_))
        {
            continue;
        }
        check_import(name, &item.ty, egress)?;
    }
    if let Some(version) = WorldVersion::of_component(component) {
        return Ok(version);
    }
    if let Some((found, _)) = ty
        .exports(engine)
        .find(|(name, _)| name.starts_with("kiln:app/handler"))
    {
        return Err(ComponentError::IncompatibleVersion {
            found: cap(found, MAX_GUEST_NAME_BYTES).into_owned(),
        });
    }
    let all = ty.exports(engine).count();
    let mut exports: Vec<String> = ty
        .exports(engine)
        .take(MAX_GUEST_LIST_ITEMS)
        .map(|(name, _)| cap(name, MAX_GUEST_NAME_BYTES).into_owned())
        .collect();
    if all > MAX_GUEST_LIST_ITEMS {
        exports.push(format!("… {} more", all - MAX_GUEST_LIST_ITEMS));
    }
    Err(ComponentError::WrongWorld { exports })
}

fn check_import(name: &str, item: &ComponentItem, egress: bool) -> Result<(), ComponentError> {
    check_import_name(
        name,
        matches!(item, ComponentItem::ComponentInstance(_)),
        egress,
    )
}

/// The import rule on a name, whether it is an interface (instance) and
/// whether the manifest declares egress: shared by this check and the one
/// before compiling ([`super::import_precheck`]).
pub(crate) fn check_import_name(
    name: &str,
    is_instance: bool,
    egress: bool,
) -> Result<(), ComponentError> {
    let refuse = |reason: &str| ComponentError::ForbiddenImport {
        name: cap(name, MAX_GUEST_NAME_BYTES).into_owned(),
        reason: reason.to_owned(),
    };
    if !is_instance {
        return Err(refuse(
            "only interface imports of the kiln:app world and WASI 0.2 are provided",
        ));
    }
    let (package, version) =
        split_interface_name(name).ok_or_else(|| refuse("not a versioned WIT interface"))?;
    if package == WORLD_PACKAGE {
        return check_kiln_import(name, version).map_err(|reason| refuse(&reason));
    }
    if package == "wasi:http" {
        // Only the client side: an app is never an HTTP server.
        let (_, interface) = name.split_once('/').unwrap_or_default();
        let client_side =
            interface.starts_with("outgoing-handler@") || interface.starts_with("types@");
        if egress && client_side && version.starts_with("0.2.") {
            return Ok(());
        }
        return Err(refuse(if egress {
            "only wasi:http/outgoing-handler and wasi:http/types 0.2 are provided"
        } else {
            "wasi:http is only available to apps that declare permissions.external.fetch.backend in their manifest; call Jira through kiln:app/jira request-jira"
        }));
    }
    match IMPORTABLE_PACKAGES.iter().find(|(p, _)| *p == package) {
        Some((_, prefix)) if version.starts_with(prefix) => Ok(()),
        Some((_, prefix)) => Err(refuse(&format!(
            "this runtime provides {package}@{prefix}x"
        ))),
        None => Err(refuse("not part of a kiln:app world or WASI 0.2")),
    }
}

/// A `kiln:app` import must name an interface of a world Kiln implements,
/// at that world's exact version: `kiln:app/storage@0.1.0` or
/// `kiln:app/jira@0.5.0` is refused here, by name, rather than left to the
/// linker.
fn check_kiln_import(name: &str, version: &str) -> Result<(), String> {
    let Some(world) = WorldVersion::of_version(version) else {
        let known: Vec<&str> = WorldVersion::ALL.iter().map(|v| v.as_str()).collect();
        return Err(format!(
            "this runtime implements {WORLD_PACKAGE}@{}",
            known.join(", @")
        ));
    };
    let interface = name
        .split_once('/')
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(interface, _)| interface)
        .unwrap_or_default();
    if world.importable_interfaces().contains(&interface) {
        Ok(())
    } else {
        Err(format!("{world} has no interface of this name"))
    }
}

/// Splits `ns:pkg/iface@1.2.3` into (`ns:pkg`, `1.2.3`).
fn split_interface_name(name: &str) -> Option<(&str, &str)> {
    let (path, version) = name.split_once('@')?;
    let (package, interface) = path.split_once('/')?;
    if package.contains(':') && !interface.is_empty() {
        Some((package, version))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_sorted_into_module_component_and_junk() {
        let core = wat::parse_str("(module)").unwrap();
        assert_eq!(check_bytes(&core), Err(ComponentError::CoreModule));
        let component = wat::parse_str("(component)").unwrap();
        assert_eq!(check_bytes(&component), Ok(()));
        assert_eq!(check_bytes(b"\x7fELF"), Err(ComponentError::NotWasm));
        assert_eq!(check_bytes(b""), Err(ComponentError::NotWasm));
        let huge = vec![0u8; MAX_COMPONENT_BYTES + 1];
        assert!(matches!(
            check_bytes(&huge),
            Err(ComponentError::TooLarge { .. })
        ));
    }

    /// A well-formed component the size of forge-sql-orm's example apps as
    /// their author ships them (≈ 88 MB, mostly snapshot data) is not
    /// refused for its size; one byte over the cap still is.
    #[test]
    fn a_component_the_size_of_a_js_app_with_an_sql_orm_is_within_the_cap() {
        let mut component = wat::parse_str("(component)").unwrap();
        pad_with_custom_section(&mut component, 88_000_000);
        assert_eq!(check_format(&component), Ok(()));
        let over = MAX_COMPONENT_BYTES + 1 - component.len();
        pad_with_custom_section(&mut component, over);
        assert!(component.len() > MAX_COMPONENT_BYTES);
        assert_eq!(
            check_format(&component),
            Err(ComponentError::TooLarge {
                size: component.len(),
                limit: MAX_COMPONENT_BYTES
            })
        );
    }

    /// Appends a custom section (id 0) of at least `len` bytes in all.
    fn pad_with_custom_section(wasm: &mut Vec<u8>, len: usize) {
        let name = b"padding";
        let mut body = vec![name.len() as u8];
        body.extend_from_slice(name);
        body.resize(len.max(body.len()), 0);
        wasm.push(0);
        let mut size = body.len();
        loop {
            let byte = (size & 0x7f) as u8;
            size >>= 7;
            if size == 0 {
                wasm.push(byte);
                break;
            }
            wasm.push(byte | 0x80);
        }
        wasm.extend_from_slice(&body);
    }

    #[test]
    fn kiln_imports_must_name_an_interface_of_their_world() {
        assert_eq!(check_kiln_import("kiln:app/jira@0.1.0", "0.1.0"), Ok(()));
        assert_eq!(check_kiln_import("kiln:app/storage@0.2.0", "0.2.0"), Ok(()));
        assert_eq!(check_kiln_import("kiln:app/storage@0.3.0", "0.3.0"), Ok(()));
        assert_eq!(check_kiln_import("kiln:app/events@0.4.0", "0.4.0"), Ok(()));
        assert_eq!(check_kiln_import("kiln:app/sql@0.5.0", "0.5.0"), Ok(()));
        // Forge SQL does not exist before 0.5.0.
        assert!(check_kiln_import("kiln:app/sql@0.4.0", "0.4.0").is_err());
        // Storage does not exist in 0.1.0, events not before 0.4.0, nor a
        // sixth world.
        assert!(check_kiln_import("kiln:app/storage@0.1.0", "0.1.0").is_err());
        assert!(check_kiln_import("kiln:app/events@0.3.0", "0.3.0").is_err());
        assert!(check_kiln_import("kiln:app/jira@0.6.0", "0.6.0").is_err());
        assert!(check_kiln_import("kiln:app/jira@0.1.1", "0.1.1").is_err());
        assert!(check_kiln_import("kiln:app/secrets@0.2.0", "0.2.0").is_err());
    }

    #[test]
    fn interface_names_split() {
        assert_eq!(
            split_interface_name("wasi:cli/environment@0.2.3"),
            Some(("wasi:cli", "0.2.3"))
        );
        assert_eq!(
            split_interface_name("kiln:app/jira@0.1.0"),
            Some(("kiln:app", "0.1.0"))
        );
        assert_eq!(split_interface_name("plain"), None);
        assert_eq!(split_interface_name("wasi:cli/environment"), None);
    }
}
