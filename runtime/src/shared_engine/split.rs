//! Splitting a JavaScript component into the engine's code, which every
//! app built by the same toolchain shares, and the app's own snapshot.
//!
//! componentize-js gives one core module holding StarlingMonkey's code
//! *and*, in its data segments, the engine's heap after the app's top-level
//! code ran (wizer's snapshot). The code is the same for every app
//! ([`crate::sandbox::known_engines`]); only the snapshot (data segments, the
//! memory's initial size, the globals' initial values) is the app's. A
//! wasmtime component is compiled as a whole, so today every JS app carries
//! its own 40 MB of machine code for the same engine.
//!
//! The rewrite (nothing else in the component changes):
//!
//! ```text
//! before                                   after
//! (core module $engine                     (core type $t (module …))       ; the engine's imports and exports
//!   (memory 145) (global (mut i32) …)      (import "kiln-shared-engine" (core module (type $t)))
//!   code… data…)                           (core module $snapshot          ; the app's
//!                                            (memory (export "memory") 145)
//!                                            (global (export "global0") (mut i32) …)
//!                                            data…)
//! …                                        …
//! (core instance (instantiate $engine …))  (core instance $s (instantiate $snapshot))
//!                                          (core instance (instantiate $engine … (with "kiln-snapshot" (instance $s))))
//! ```
//!
//! The engine module now *imports* its memory and its globals from the
//! snapshot's instance (same indices: it imported none before, so the
//! imported ones take the defined ones' places) and re-exports the memory
//! under its old name, so everything that used the engine's memory (the
//! canonical ABI's options, the WASI adapter) is unchanged. Its bytes are
//! then the same for every app of one engine: the host compiles them once
//! and gives the compiled module to every component that imports it
//! ([`super::SharedEngines`]).
//!
//! Only a component of the exact shape componentize-js produces is split:
//! one known engine, instantiated once, at the top level of a component
//! with no core types of its own, no start function, constant initial
//! values, one non-shared 32-bit memory defined and none imported. Anything
//! else is loaded whole, as before: the split is an optimisation, never a
//! condition of loading.

use wasm_encoder::reencode::{
    Error as ReencodeError, Reencode, ReencodeComponent, RoundtripReencoder,
};
use wasm_encoder::{
    ComponentImportSection, ComponentSectionId, ComponentTypeRef, CoreTypeSection, EntityType,
    ImportSection, InstanceSection, MemoryType, ModuleArg, ModuleType, RawSection, SectionId,
};
use wasmparser::{Parser, Payload};

use crate::sandbox::known_engines::{KNOWN_ENGINES, KnownEngine, known_engine_in};

/// The component-level import the engine's compiled module is given under.
pub const ENGINE_IMPORT: &str = "kiln-shared-engine";

/// The core module name under which the engine imports the snapshot's memory
/// and globals.
pub const SNAPSHOT_MODULE: &str = "kiln-snapshot";

/// The engine's memory in the snapshot's exports (the engine re-exports it
/// under its own export name).
const SNAPSHOT_MEMORY: &str = "memory";

/// A component split into the shared engine and the app's part.
#[derive(Debug)]
pub struct Split<'e> {
    /// The vetted engine whose code this is.
    pub engine: &'e KnownEngine,
    /// The engine's core module, memory and globals imported: the same bytes
    /// for every app built with that engine.
    pub engine_module: Vec<u8>,
    /// The app's component, importing the engine module as
    /// [`ENGINE_IMPORT`].
    pub app_component: Vec<u8>,
}

/// The split of `component`, or `None` when it is not of the shape split
/// here (see the module's documentation) or holds no known engine.
pub fn split(component: &[u8]) -> Option<Split<'static>> {
    split_among(component, KNOWN_ENGINES)
}

/// [`split`] around one of `engines`.
pub(crate) fn split_among<'e>(component: &[u8], engines: &'e [KnownEngine]) -> Option<Split<'e>> {
    // The bytes are the app's. The parser and the re-encoder answer bad
    // input with errors; should either panic on an input nobody foresaw,
    // the component is loaded whole rather than the load failing.
    std::panic::catch_unwind(|| split_unguarded(component, engines))
        .ok()
        .flatten()
}

fn split_unguarded<'e>(component: &[u8], engines: &'e [KnownEngine]) -> Option<Split<'e>> {
    let plan = Plan::of(component, engines)?;
    let engine_bytes = &component[plan.engine_range.clone()];
    let parts = EngineParts::of(engine_bytes)?;
    let module_type = parts.module_type()?;
    let mut splicer = Splicer {
        plan: &plan,
        parts: &parts,
        module_type,
        depth: 0,
        modules_seen: 0,
        instances_seen: 0,
    };
    let mut out = wasm_encoder::Component::new();
    wasm_encoder::reencode::component_utils::parse_component(
        &mut splicer,
        &mut out,
        Parser::new(0),
        component,
        component,
    )
    .ok()?;
    Some(Split {
        engine: plan.engine,
        engine_module: parts.engine_module(),
        app_component: out.finish(),
    })
}

/// Where the engine is in the component, found in a first pass.
struct Plan<'e> {
    engine: &'e KnownEngine,
    /// The engine's index among the top level's core modules.
    engine_module: u32,
    /// Its bytes' range in the component.
    engine_range: std::ops::Range<usize>,
    /// The index of the one core instance instantiating it.
    engine_instance: u32,
}

impl<'e> Plan<'e> {
    fn of(component: &[u8], engines: &'e [KnownEngine]) -> Option<Self> {
        let mut parser = Parser::new(0);
        let mut remaining = component;
        let mut modules = 0u32;
        let mut instances = 0u32;
        let mut engine: Option<(u32, std::ops::Range<usize>, &'e KnownEngine)> = None;
        let mut engine_instance = None;
        loop {
            let (consumed, payload) = match parser.parse(remaining, true).ok()? {
                wasmparser::Chunk::Parsed { consumed, payload } => (consumed, payload),
                wasmparser::Chunk::NeedMoreData(_) => return None,
            };
            let mut skip = 0;
            match payload {
                Payload::Version { encoding, .. }
                    if encoding != wasmparser::Encoding::Component =>
                {
                    return None;
                }
                Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    skip = unchecked_range.len();
                    let bytes = component.get(unchecked_range.clone())?;
                    if let Some(known) = known_engine_of(bytes, engines) {
                        // Two engines: not the shape split here.
                        if engine.is_some() {
                            return None;
                        }
                        engine = Some((modules, unchecked_range, known));
                    }
                    modules += 1;
                }
                Payload::ComponentSection {
                    unchecked_range, ..
                } => skip = unchecked_range.len(),
                // Our module type becomes core type 0: no other may exist.
                Payload::CoreTypeSection(_) => return None,
                // Core modules that come from anywhere but a module section
                // (an import, an alias) would take places in the module
                // index space this plan does not count: not split.
                Payload::ComponentImportSection(reader) => {
                    for import in reader {
                        if matches!(import.ok()?.ty, wasmparser::ComponentTypeRef::Module(_)) {
                            return None;
                        }
                    }
                }
                Payload::ComponentAliasSection(reader) => {
                    for alias in reader {
                        let module = match alias.ok()? {
                            wasmparser::ComponentAlias::InstanceExport { kind, .. } => {
                                kind == wasmparser::ComponentExternalKind::Module
                            }
                            wasmparser::ComponentAlias::Outer { kind, .. } => {
                                kind == wasmparser::ComponentOuterAliasKind::CoreModule
                            }
                            wasmparser::ComponentAlias::CoreInstanceExport { .. } => false,
                        };
                        if module {
                            return None;
                        }
                    }
                }
                Payload::InstanceSection(reader) => {
                    for instance in reader {
                        if let wasmparser::Instance::Instantiate { module_index, .. } =
                            instance.ok()?
                            && engine
                                .as_ref()
                                .is_some_and(|(index, ..)| *index == module_index)
                        {
                            if engine_instance.is_some() {
                                return None;
                            }
                            engine_instance = Some(instances);
                        }
                        instances += 1;
                    }
                }
                Payload::End(_) => break,
                _ => {}
            }
            remaining = remaining.get(consumed + skip..)?;
        }
        let (engine_module, engine_range, engine) = engine?;
        Some(Self {
            engine,
            engine_module,
            engine_range,
            engine_instance: engine_instance?,
        })
    }
}

/// The engine among `engines` in a core module's code section, if any.
fn known_engine_of<'e>(module: &[u8], engines: &'e [KnownEngine]) -> Option<&'e KnownEngine> {
    for payload in Parser::new(0).parse_all(module) {
        if let Payload::CodeSectionStart { count, range, .. } = payload.ok()? {
            return known_engine_in(engines, module.get(range)?, count);
        }
    }
    None
}

/// The engine module taken apart: what stays (the code) and what is the
/// app's (memory, globals, data).
struct EngineParts<'a> {
    /// Sections copied unchanged into the shared module, in order, with the
    /// import section's place marked by `None`.
    kept: Vec<Option<(u8, &'a [u8])>>,
    /// The engine's own imports.
    imports: Vec<wasmparser::Import<'a>>,
    /// Its function types (the type section holds nothing else).
    types: Vec<wasmparser::FuncType>,
    /// The type of each function, imported ones first.
    function_types: Vec<u32>,
    exports: Vec<wasmparser::Export<'a>>,
    memory: wasmparser::MemoryType,
    globals: Vec<(wasmparser::GlobalType, wasmparser::ConstExpr<'a>)>,
    data: Option<&'a [u8]>,
}

impl<'a> EngineParts<'a> {
    fn of(module: &'a [u8]) -> Option<Self> {
        let mut parts = EngineParts {
            kept: Vec::new(),
            imports: Vec::new(),
            types: Vec::new(),
            function_types: Vec::new(),
            exports: Vec::new(),
            memory: wasmparser::MemoryType {
                memory64: false,
                shared: false,
                initial: 0,
                maximum: None,
                page_size_log2: None,
            },
            globals: Vec::new(),
            data: None,
        };
        let mut memories = 0;
        let mut import_place = false;
        for payload in Parser::new(0).parse_all(module) {
            let payload = payload.ok()?;
            match &payload {
                Payload::Version { encoding, .. } => {
                    if *encoding != wasmparser::Encoding::Module {
                        return None;
                    }
                    continue;
                }
                Payload::TypeSection(reader) => {
                    for group in reader.clone() {
                        let group = group.ok()?;
                        if group.is_explicit_rec_group() {
                            return None;
                        }
                        for sub in group.into_types() {
                            match sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(func)
                                    if sub.is_final
                                        && sub.supertype_idx.is_none()
                                        && !sub.composite_type.shared =>
                                {
                                    parts.types.push(func)
                                }
                                _ => return None,
                            }
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.clone().into_imports() {
                        let import = import.ok()?;
                        match import.ty {
                            wasmparser::TypeRef::Func(ty) => parts.function_types.push(ty),
                            // The engine's memory and globals become imports in
                            // the places of its defined ones: it may import none.
                            wasmparser::TypeRef::Memory(_) | wasmparser::TypeRef::Global(_) => {
                                return None;
                            }
                            _ => {}
                        }
                        parts.imports.push(import);
                    }
                    parts.kept.push(None);
                    import_place = true;
                    continue;
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader.clone() {
                        parts.function_types.push(ty.ok()?);
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader.clone() {
                        parts.memory = memory.ok()?;
                        memories += 1;
                    }
                    if !import_place {
                        parts.kept.push(None);
                        import_place = true;
                    }
                    continue;
                }
                Payload::GlobalSection(reader) => {
                    for global in reader.clone() {
                        let global = global.ok()?;
                        parts.globals.push((global.ty, global.init_expr));
                    }
                    continue;
                }
                Payload::ExportSection(reader) => {
                    for export in reader.clone() {
                        parts.exports.push(export.ok()?);
                    }
                }
                Payload::DataSection(reader) => {
                    parts.data = Some(module.get(reader.range())?);
                    continue;
                }
                // The data's count goes with the data; code that names a
                // segment (`memory.init`, `data.drop`) would no longer
                // validate, and the host then loads the component whole.
                Payload::DataCountSection { .. } => continue,
                Payload::StartSection { .. } | Payload::TagSection(_) => return None,
                Payload::CustomSection(_) => continue,
                Payload::CodeSectionStart { .. }
                | Payload::CodeSectionEntry(_)
                | Payload::End(_) => {}
                Payload::TableSection(_) | Payload::ElementSection(_) => {}
                _ => return None,
            }
            if let Payload::CodeSectionEntry(_) | Payload::End(_) = payload {
                continue;
            }
            let (id, range) = payload.as_section()?;
            if let Payload::CodeSectionStart { range, .. } = &payload {
                parts.kept.push(Some((id, module.get(range.clone())?)));
            } else {
                parts.kept.push(Some((id, module.get(range)?)));
            }
        }
        let plain_memory = memories == 1
            && !parts.memory.memory64
            && !parts.memory.shared
            && parts.memory.page_size_log2.is_none();
        if !plain_memory || !import_place {
            return None;
        }
        // Initial values the snapshot can hold alone: constants only (no
        // `global.get` of an import it does not have).
        for (_, init) in &parts.globals {
            let mut ops = init.get_operators_reader();
            let constant = matches!(
                ops.read().ok()?,
                wasmparser::Operator::I32Const { .. }
                    | wasmparser::Operator::I64Const { .. }
                    | wasmparser::Operator::F32Const { .. }
                    | wasmparser::Operator::F64Const { .. }
            ) && matches!(ops.read().ok()?, wasmparser::Operator::End)
                && ops.eof();
            if !constant {
                return None;
            }
        }
        Some(parts)
    }

    /// The memory the engine imports: the app's maximum, no minimum (the
    /// snapshot's memory has the app's own).
    fn imported_memory(&self) -> MemoryType {
        MemoryType {
            minimum: 0,
            maximum: self.memory.maximum,
            memory64: false,
            shared: false,
            page_size_log2: None,
        }
    }

    fn global_name(index: usize) -> String {
        format!("global{index}")
    }

    /// The engine's own imports, then the snapshot's memory and globals.
    fn import_section(&self) -> Option<ImportSection> {
        let mut section = ImportSection::new();
        let mut roundtrip = RoundtripReencoder;
        for import in &self.imports {
            section.import(
                import.module,
                import.name,
                roundtrip.entity_type(import.ty).ok()?,
            );
        }
        section.import(SNAPSHOT_MODULE, SNAPSHOT_MEMORY, self.imported_memory());
        for (index, (ty, _)) in self.globals.iter().enumerate() {
            section.import(
                SNAPSHOT_MODULE,
                &Self::global_name(index),
                roundtrip.global_type(*ty).ok()?,
            );
        }
        Some(section)
    }

    /// The shared module: the engine with its memory and globals imported,
    /// its data and custom sections gone.
    fn engine_module(&self) -> Vec<u8> {
        let mut module = wasm_encoder::Module::new();
        for kept in &self.kept {
            match kept {
                Some((id, data)) => {
                    module.section(&RawSection { id: *id, data });
                }
                None => {
                    if let Some(imports) = self.import_section() {
                        module.section(&imports);
                    }
                }
            }
        }
        module.finish()
    }

    /// The app's snapshot: the memory, the globals and the data.
    fn snapshot_module(&self) -> Option<wasm_encoder::Module> {
        let mut roundtrip = RoundtripReencoder;
        let mut module = wasm_encoder::Module::new();
        let mut memories = wasm_encoder::MemorySection::new();
        memories.memory(roundtrip.memory_type(self.memory).ok()?);
        module.section(&memories);
        let mut globals = wasm_encoder::GlobalSection::new();
        for (ty, init) in &self.globals {
            globals.global(
                roundtrip.global_type(*ty).ok()?,
                &roundtrip.const_expr(init.clone()).ok()?,
            );
        }
        if !self.globals.is_empty() {
            module.section(&globals);
        }
        let mut exports = wasm_encoder::ExportSection::new();
        exports.export(SNAPSHOT_MEMORY, wasm_encoder::ExportKind::Memory, 0);
        for index in 0..self.globals.len() {
            exports.export(
                &Self::global_name(index),
                wasm_encoder::ExportKind::Global,
                u32::try_from(index).ok()?,
            );
        }
        module.section(&exports);
        if let Some(data) = self.data {
            module.section(&RawSection {
                id: SectionId::Data as u8,
                data,
            });
        }
        Some(module)
    }

    /// The shared module's type, as the component declares its import.
    fn module_type(&self) -> Option<ModuleType> {
        let mut roundtrip = RoundtripReencoder;
        let mut ty = ModuleType::new();
        for func in &self.types {
            let mut val_types = |types: &[wasmparser::ValType]| -> Option<Vec<_>> {
                types.iter().map(|t| roundtrip.val_type(*t).ok()).collect()
            };
            let params = val_types(func.params())?;
            let results = val_types(func.results())?;
            ty.ty().function(params, results);
        }
        for import in &self.imports {
            ty.import(
                import.module,
                import.name,
                roundtrip.entity_type(import.ty).ok()?,
            );
        }
        ty.import(
            SNAPSHOT_MODULE,
            SNAPSHOT_MEMORY,
            EntityType::Memory(self.imported_memory()),
        );
        for (index, (global, _)) in self.globals.iter().enumerate() {
            ty.import(
                SNAPSHOT_MODULE,
                &Self::global_name(index),
                EntityType::Global(roundtrip.global_type(*global).ok()?),
            );
        }
        for export in &self.exports {
            let entity = match export.kind {
                wasmparser::ExternalKind::Func => EntityType::Function(
                    *self
                        .function_types
                        .get(usize::try_from(export.index).ok()?)?,
                ),
                wasmparser::ExternalKind::Memory if export.index == 0 => {
                    EntityType::Memory(self.imported_memory())
                }
                wasmparser::ExternalKind::Global => {
                    let (global, _) = self.globals.get(usize::try_from(export.index).ok()?)?;
                    EntityType::Global(roundtrip.global_type(*global).ok()?)
                }
                // Tables and tags are not exported by the engine.
                _ => return None,
            };
            ty.export(export.name, entity);
        }
        Some(ty)
    }
}

/// Rewrites the component around the engine (see the module's
/// documentation): every later core module and core instance index moves
/// up by one, in the top level only.
struct Splicer<'p, 'a> {
    plan: &'p Plan<'p>,
    parts: &'p EngineParts<'a>,
    module_type: ModuleType,
    depth: u32,
    modules_seen: u32,
    instances_seen: u32,
}

impl Splicer<'_, '_> {
    /// The snapshot's module index: right after the engine's import.
    fn snapshot_module(&self) -> u32 {
        self.plan.engine_module + 1
    }

    /// The snapshot's instance index: right before the engine's.
    fn snapshot_instance(&self) -> u32 {
        self.plan.engine_instance
    }
}

impl Reencode for Splicer<'_, '_> {
    type Error = std::convert::Infallible;
}

impl ReencodeComponent for Splicer<'_, '_> {
    fn push_depth(&mut self) {
        self.depth += 1;
    }

    fn pop_depth(&mut self) {
        self.depth -= 1;
    }

    fn module_index(&mut self, module: u32) -> u32 {
        if self.depth == 0 && module > self.plan.engine_module {
            module + 1
        } else {
            module
        }
    }

    fn outer_module_index(&mut self, count: u32, module: u32) -> u32 {
        if count == self.depth && module > self.plan.engine_module {
            module + 1
        } else {
            module
        }
    }

    fn instance_index(&mut self, instance: u32) -> u32 {
        if self.depth == 0 && instance >= self.plan.engine_instance {
            instance + 1
        } else {
            instance
        }
    }

    fn parse_component_submodule(
        &mut self,
        component: &mut wasm_encoder::Component,
        _parser: Parser,
        submodule: &[u8],
    ) -> Result<(), ReencodeError<Self::Error>> {
        let index = self.modules_seen;
        if self.depth == 0 {
            self.modules_seen += 1;
        }
        if self.depth != 0 || index != self.plan.engine_module {
            // Any other module is copied byte for byte.
            component.section(&RawSection {
                id: ComponentSectionId::CoreModule as u8,
                data: submodule,
            });
            return Ok(());
        }
        let mut types = CoreTypeSection::new();
        types.ty().module(&self.module_type);
        component.section(&types);
        let mut imports = ComponentImportSection::new();
        imports.import(ENGINE_IMPORT, ComponentTypeRef::Module(0));
        component.section(&imports);
        let snapshot = self
            .parts
            .snapshot_module()
            .ok_or(ReencodeError::UnexpectedNonComponentSection)?;
        component.section(&wasm_encoder::ModuleSection(&snapshot));
        Ok(())
    }

    fn parse_instance(
        &mut self,
        instances: &mut InstanceSection,
        instance: wasmparser::Instance<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        let index = self.instances_seen;
        if self.depth == 0 {
            self.instances_seen += 1;
        }
        if self.depth == 0 && index == self.plan.engine_instance {
            let wasmparser::Instance::Instantiate { module_index, args } = instance else {
                return Err(ReencodeError::UnexpectedNonComponentSection);
            };
            instances.instantiate(
                self.snapshot_module(),
                std::iter::empty::<(&str, ModuleArg)>(),
            );
            let mut moved: Vec<(&str, ModuleArg)> = args
                .iter()
                .map(|arg| {
                    (
                        arg.name,
                        ModuleArg::Instance(self.instance_index(arg.index)),
                    )
                })
                .collect();
            moved.push((
                SNAPSHOT_MODULE,
                ModuleArg::Instance(self.snapshot_instance()),
            ));
            instances.instantiate(self.module_index(module_index), moved);
            return Ok(());
        }
        wasm_encoder::reencode::component_utils::parse_instance(self, instances, instance)
    }

    fn parse_component_custom_section(
        &mut self,
        component: &mut wasm_encoder::Component,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        // Debug names of the top level's indices, which moved: dropped
        // rather than left naming the wrong items.
        if self.depth == 0 && section.name() == "component-name" {
            return Ok(());
        }
        wasm_encoder::reencode::component_utils::parse_component_custom_section(
            self, component, section,
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::time::Duration;
    use wasmtime::component::{Component, Linker};
    use wasmtime::{Engine, Module, Store};

    fn validate(bytes: &[u8]) {
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(bytes)
            .unwrap();
    }

    /// A stand-in for the JS engine: code that reads its memory and bumps a
    /// global, calls an import, two data segments far apart, and a second
    /// global that is immutable.
    pub(crate) const ENGINE: &str = r#"
        (import "helper" "seven" (func $seven (result i32)))
        (memory (export "memory") 2)
        (global $g (mut i32) (i32.const 1234))
        (global $h i64 (i64.const 99))
        (func (export "read") (param i32) (result i32) local.get 0 i32.load)
        (func (export "bump") (result i32)
            global.get $g i32.const 1 i32.add global.set $g global.get $g)
        (func (export "seven") (result i32) call $seven)
        (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store)
        (data (i32.const 100) "\2a\00\00\00")
        (data (i32.const 70000) "\05\00\00\00")
    "#;

    /// A component shaped as componentize-js's: modules before and after
    /// the engine, instances before and after its instantiation, a nested
    /// component, names.
    pub(crate) fn component(engine: &str) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(component
                (core module $helper
                    (func (export "seven") (result i32) i32.const 7)
                    (global (export "g") i64 (i64.const 5)))
                (core module $engine {engine})
                (core instance $h (instantiate $helper))
                (core instance $e (instantiate $engine (with "helper" (instance $h))))
                (core module $after (func (export "x") (result i32) i32.const 3))
                (core instance $a (instantiate $after))
                (component $nested)
                (func (export "read") (param "at" u32) (result u32) (canon lift (core func $e "read")))
                (func (export "bump") (result u32) (canon lift (core func $e "bump")))
                (func (export "poke") (param "at" u32) (param "value" u32) (canon lift (core func $e "poke")))
                (func (export "seven") (result u32) (canon lift (core func $e "seven")))
                (func (export "three") (result u32) (canon lift (core func $a "x")))
            )"#
        ))
        .unwrap()
    }

    /// `module`'s code section as a known engine.
    pub(crate) fn known(module: &str) -> KnownEngine {
        use sha2::{Digest as _, Sha256};
        let bytes = wat::parse_str(format!("(module {module})")).unwrap();
        for payload in Parser::new(0).parse_all(&bytes) {
            if let Ok(Payload::CodeSectionStart { count, range, .. }) = payload {
                return KnownEngine {
                    name: "test engine",
                    code_sha256: Sha256::digest(&bytes[range]).into(),
                    functions: count,
                    compile_cpu_allowance: Duration::ZERO,
                };
            }
        }
        panic!("no code");
    }

    pub(crate) fn call(
        store: &mut Store<()>,
        instance: &wasmtime::component::Instance,
        name: &str,
        args: &[u32],
    ) -> u32 {
        use wasmtime::component::Val;
        let func = instance.get_func(&mut *store, name).unwrap();
        let params: Vec<Val> = args.iter().map(|a| Val::U32(*a)).collect();
        let mut results = vec![Val::Bool(false); if name == "poke" { 0 } else { 1 }];
        func.call(&mut *store, &params, &mut results).unwrap();
        match results.first() {
            Some(Val::U32(value)) => *value,
            None => 0,
            other => panic!("unexpected result {other:?}"),
        }
    }

    #[test]
    fn a_split_component_runs_as_the_whole_one_did_with_a_fresh_snapshot_per_instance() {
        let engines = [known(ENGINE)];
        let whole = component(ENGINE);
        let split = split_among(&whole, &engines).expect("split");
        validate(&split.engine_module);
        validate(&split.app_component);
        // The engine's bytes hold neither the snapshot's data nor its globals.
        for payload in Parser::new(0).parse_all(&split.engine_module) {
            assert!(
                !matches!(
                    payload.unwrap(),
                    Payload::DataSection(_) | Payload::GlobalSection(_) | Payload::MemorySection(_)
                ),
                "the engine module keeps none of the snapshot"
            );
        }

        let engine = Engine::default();
        let module = Module::new(&engine, &split.engine_module).unwrap();
        let app = Component::new(&engine, &split.app_component).unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker.root().module(ENGINE_IMPORT, &module).unwrap();
        let pre = linker.instantiate_pre(&app).unwrap();
        for _ in 0..2 {
            let mut store = Store::new(&engine, ());
            let instance = pre.instantiate(&mut store).unwrap();
            assert_eq!(call(&mut store, &instance, "read", &[100]), 42);
            assert_eq!(call(&mut store, &instance, "read", &[70000]), 5);
            assert_eq!(call(&mut store, &instance, "bump", &[]), 1235);
            assert_eq!(call(&mut store, &instance, "bump", &[]), 1236);
            call(&mut store, &instance, "poke", &[100, 9]);
            assert_eq!(call(&mut store, &instance, "read", &[100]), 9);
            assert_eq!(call(&mut store, &instance, "seven", &[]), 7);
            assert_eq!(call(&mut store, &instance, "three", &[]), 3);
        }
    }

    #[test]
    fn apps_of_one_engine_share_its_bytes_and_keep_their_own_snapshots() {
        let other = ENGINE
            .replace(r#"(i32.const 1234)"#, r#"(i32.const 77)"#)
            .replace(r#""\2a\00\00\00""#, r#""\2b\00\00\00""#)
            .replace(
                "(memory (export \"memory\") 2)",
                "(memory (export \"memory\") 3)",
            );
        let engines = [known(ENGINE)];
        let first = split_among(&component(ENGINE), &engines).unwrap();
        let second = split_among(&component(&other), &engines).unwrap();
        assert_eq!(first.engine_module, second.engine_module);
        assert_ne!(first.app_component, second.app_component);
    }

    #[test]
    fn anything_but_the_expected_shape_is_loaded_whole() {
        let engines = [known(ENGINE)];
        // No known engine.
        assert!(split_among(&component(ENGINE), &[]).is_none());
        // Not a component, or a truncated one.
        assert!(
            split_among(
                &wat::parse_str(format!("(module {ENGINE})")).unwrap(),
                &engines
            )
            .is_none()
        );
        let whole = component(ENGINE);
        for len in (0..whole.len()).step_by(7) {
            let _ = split_among(&whole[..len], &engines);
        }
        // Any byte changed: split or not, never a panic, and what is split
        // is still two valid halves or fails wasmtime's validation cleanly.
        for at in 0..whole.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut changed = whole.clone();
                changed[at] ^= flip;
                if let Some(split) = split_among(&changed, &engines) {
                    let _ = wasmparser::Validator::new().validate_all(&split.app_component);
                }
            }
        }
        // The engine instantiated twice.
        let twice = wat::parse_str(format!(
            r#"(component
                (core module $helper (func (export "seven") (result i32) i32.const 7))
                (core module $engine {ENGINE})
                (core instance $h (instantiate $helper))
                (core instance (instantiate $engine (with "helper" (instance $h))))
                (core instance (instantiate $engine (with "helper" (instance $h))))
            )"#
        ))
        .unwrap();
        assert!(split_among(&twice, &engines).is_none());
        // A core module imported before the engine: the module indices the
        // plan counts would be off by one.
        let imported_module = wat::parse_str(format!(
            r#"(component
                (import "other" (core module $m))
                (core module $helper
                    (func (export "seven") (result i32) i32.const 7)
                    (global (export "g") i64 (i64.const 5)))
                (core module $engine {ENGINE})
                (core instance $h (instantiate $helper))
                (core instance (instantiate $engine (with "helper" (instance $h))))
            )"#
        ))
        .unwrap();
        assert!(split_among(&imported_module, &engines).is_none());
        // A start function, or a global initialised from an import.
        let started = format!("{ENGINE} (func $s) (start $s)");
        assert!(split_among(&component(&started), &[known(&started)]).is_none());
        let imported_global = ENGINE
            .replace(
                "(func $seven (result i32)))",
                "(func $seven (result i32))) (import \"helper\" \"g\" (global $i i64))",
            )
            .replace(
                "(global $h i64 (i64.const 99))",
                "(global $h i64 (global.get $i))",
            );
        assert!(split_among(&component(&imported_global), &[known(&imported_global)]).is_none());
    }

    /// The split's output for a fixed input, pinned: a cached split is
    /// found again by [`crate::shared_engine::SPLIT_RECORD`], which must change
    /// whenever this output does (else a record of an older Kiln pairs an
    /// app with an engine module it was not split against). When this
    /// fails after a change to the split, bump the record's version and
    /// pin the new digest. (A new `wat` encoding the input differently fails
    /// it too: pin the new digest then, the record need not change.)
    #[test]
    fn the_split_of_a_fixed_component_is_pinned() {
        use sha2::{Digest as _, Sha256};
        let engines = [known(ENGINE)];
        let split = split_among(&component(ENGINE), &engines).unwrap();
        let mut digest = Sha256::new();
        digest.update(&split.engine_module);
        digest.update(b"\0");
        digest.update(&split.app_component);
        let digest = hex::encode(digest.finalize());
        assert_eq!(
            (crate::shared_engine::SPLIT_RECORD, digest.as_str()),
            (
                "shared-engine-split-v1",
                "8f2c464453c358b748053439ef05f88f1d09def81c02675e9e61f79fddb31ed2"
            ),
        );
    }

    /// Splits a component built by Kiln's JS toolchain and checks both
    /// halves.
    #[test]
    #[ignore = "needs a component built by Kiln's JS toolchain: KILN_JS_COMPONENT=<path>"]
    fn split_a_built_component() {
        let path = std::env::var("KILN_JS_COMPONENT").expect("KILN_JS_COMPONENT");
        let bytes = std::fs::read(path).unwrap();
        let started = std::time::Instant::now();
        let split = split(&bytes).expect("a known engine");
        println!(
            "split in {:?}: engine {} bytes, app {} bytes ({})",
            started.elapsed(),
            split.engine_module.len(),
            split.app_component.len(),
            split.engine.name
        );
        validate(&split.engine_module);
        validate(&split.app_component);
    }
}
