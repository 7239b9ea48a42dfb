//! Limits on the shape of a component's code, checked with one cheap
//! `wasmparser` pass before Cranelift sees it (compile bombs).
//!
//! Compiling is the costliest thing a host does with an app it has not yet
//! run: a few kilobytes of wasm can ask for seconds to minutes of Cranelift
//! time (deep block nesting, tens of thousands of locals that all stay live,
//! hundreds of thousands of functions), and a runtime that loads apps on
//! demand would spend that CPU on behalf of anyone who can upload one.
//! `wasmparser`'s own validation (which wasmtime runs while compiling) bounds
//! shape only loosely, for parser safety, not compile cost:
//!
//! | what | wasmparser (validation) | Kiln, before compiling |
//! |---|---|---|
//! | defined functions | 1,000,000 per module | [`MAX_FUNCTIONS`] in the whole component |
//! | function body | 7,654,321 bytes | [`MAX_FUNCTION_BODY_BYTES`] |
//! | locals per function | 50,000 | [`MAX_FUNCTION_LOCALS`] |
//! | block nesting | none (only the body size) | [`MAX_NESTING_DEPTH`] |
//! | core modules, components | 1,000 each, per component | [`MAX_CORE_MODULES`], [`MAX_COMPONENTS`] in total |
//!
//! The pass reads function bodies but does not validate them; validation
//! (types, stack discipline) is left to wasmtime, which runs it while
//! compiling.
//!
//! Every limit is at least ten times what real apps use. Measured on the
//! release builds of the example apps and test programs in this repository
//! (serde, the SDK, wit-bindgen, the WASI adapter): at most 894 functions,
//! 20 KB in one body, 65 locals, nesting 45 deep, 3 core modules. Measured
//! on the same 2-core machine, the costliest shapes compile in: 1,000 nested
//! `loop`s with a `br_if` each (7 KB of wasm) 2.2 s, 2,000 of them 6.5 s
//! (quadratic); 10,000 locals written under 10,000 `if`s 4.9 s; 10,000 empty
//! functions 7 s. What the limits leave (a component full of functions each
//! just under every limit) is caught by the compile budget
//! ([`crate::OperatorLimits::max_compile_time`], [`super::compile_deadline`]).
//!
//! One exception, bound to exact code: a vetted language engine's code
//! section (StarlingMonkey, for JavaScript apps) is admitted whole, and its
//! compile-time allowance granted, see [`super::known_engines`].

use std::fmt;
use std::time::Duration;

use wasmparser::{Operator, Parser, Payload};

use super::component_check::ComponentError;
use super::known_engines::{KNOWN_ENGINES, KnownEngine, known_engine_in};

/// Function bodies in the whole component, all core modules together.
/// Threat: per-function compile overhead (an empty body still costs
/// Cranelift and wasmtime's trampolines about a millisecond on a loaded
/// machine; wasmparser allows a million per module).
pub const MAX_FUNCTIONS: usize = 10_000;

/// Largest single function body, in bytes. Threat: Cranelift's
/// register allocation and optimisation passes grow faster than linearly
/// with function size.
pub const MAX_FUNCTION_BODY_BYTES: usize = 256 * 1024;

/// Locals in one function (parameters excluded). Threat: SSA construction
/// and register allocation over thousands of simultaneously live values
/// (cost grows with locals times blocks).
pub const MAX_FUNCTION_LOCALS: u64 = 5_000;

/// Deepest nesting of `block`/`loop`/`if`/`try_table` in one function.
/// Threat: control-flow graphs whose analyses cost quadratic time in the
/// depth (nested loops: 7 KB of wasm, 2 s to compile at this limit). A Rust
/// `match` lowers to one nested block per arm, so this still admits matches
/// of hundreds of arms.
pub const MAX_NESTING_DEPTH: usize = 1_000;

/// Core modules, nested ones included. A Rust guest has three (the
/// program, the WASI adapter, a shim). Threat: per-module compile and link
/// overhead.
pub const MAX_CORE_MODULES: usize = 16;

/// Components nested inside the top-level one (a Rust guest has none).
/// Threat: as for modules.
pub const MAX_COMPONENTS: usize = 16;

/// Which structural limit a component broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeLimit {
    Functions,
    FunctionBodyBytes,
    FunctionLocals,
    NestingDepth,
    CoreModules,
    Components,
}

impl fmt::Display for CodeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodeLimit::Functions => "functions in the component",
            CodeLimit::FunctionBodyBytes => "bytes in one function body",
            CodeLimit::FunctionLocals => "locals in one function",
            CodeLimit::NestingDepth => "nested blocks in one function",
            CodeLimit::CoreModules => "core modules in the component",
            CodeLimit::Components => "nested components",
        })
    }
}

impl CodeLimit {
    /// Every limit, in the order they are reported.
    pub const ALL: [CodeLimit; 6] = [
        CodeLimit::Functions,
        CodeLimit::FunctionBodyBytes,
        CodeLimit::FunctionLocals,
        CodeLimit::NestingDepth,
        CodeLimit::CoreModules,
        CodeLimit::Components,
    ];

    /// The limit's value.
    pub fn max(self) -> u64 {
        let max = match self {
            CodeLimit::Functions => MAX_FUNCTIONS,
            CodeLimit::FunctionBodyBytes => MAX_FUNCTION_BODY_BYTES,
            CodeLimit::FunctionLocals => return MAX_FUNCTION_LOCALS,
            CodeLimit::NestingDepth => MAX_NESTING_DEPTH,
            CodeLimit::CoreModules => MAX_CORE_MODULES,
            CodeLimit::Components => MAX_COMPONENTS,
        };
        max as u64
    }
}

/// Every limit and its value, as text. Part of the artifact cache's key: a
/// cached artifact skips these checks (it was checked before it was
/// compiled), so a change to any limit must not find it.
pub fn fingerprint() -> String {
    CodeLimit::ALL
        .iter()
        .map(|limit| format!("{limit}={}", limit.max()))
        // The engines admitted beyond the limits are part of what was
        // checked: dropping one must not leave its apps loadable from cache.
        .chain(KNOWN_ENGINES.iter().map(|engine| {
            let digest: String = engine
                .code_sha256
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("engine={digest}/{}", engine.functions)
        }))
        .collect::<Vec<_>>()
        .join(";")
}

/// Running totals of one pass over a component.
#[derive(Debug, Default)]
struct Totals {
    functions: usize,
    core_modules: usize,
    components: usize,
}

/// What the shape check admitted beyond the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Admission<'e> {
    /// The known engine whose code was admitted whole, if any (the one with
    /// the largest compile allowance, if the component holds several).
    pub engine: Option<&'e KnownEngine>,
}

impl Admission<'_> {
    /// Extra compile CPU time this component gets beyond the operator's
    /// budget: the admitted engine's allowance, once per component (a
    /// second copy of an engine gets no second allowance), else nothing.
    pub fn compile_allowance(&self) -> Duration {
        self.engine
            .map_or(Duration::ZERO, |engine| engine.compile_cpu_allowance)
    }
}

/// Checks every structural limit; the first one broken is the error.
/// On success, says which known engine (if any) was admitted beyond them.
///
/// Call it after [`super::component_check::check_format`]'s size cap, which
/// bounds the work this pass can be made to do.
pub fn check_code_limits(bytes: &[u8]) -> Result<Admission<'static>, ComponentError> {
    check_code_limits_admitting(bytes, KNOWN_ENGINES)
}

/// [`check_code_limits`], admitting the code sections of `engines`.
pub(crate) fn check_code_limits_admitting<'e>(
    bytes: &[u8],
    engines: &'e [KnownEngine],
) -> Result<Admission<'e>, ComponentError> {
    let mut totals = Totals::default();
    let mut admission = Admission::default();
    let mut known_bodies_left = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::ModuleSection { .. } => {
                totals.core_modules += 1;
                at_most(CodeLimit::CoreModules, totals.core_modules as u64)?;
            }
            Payload::ComponentSection { .. } => {
                totals.components += 1;
                at_most(CodeLimit::Components, totals.components as u64)?;
            }
            Payload::CodeSectionStart { count, range, .. } => {
                // A vetted engine's code is admitted as a whole
                // (`known_engines`): its bodies are neither counted nor
                // walked. The range is in bounds: parse_all has the bytes.
                let code = bytes.get(range).unwrap_or_default();
                if let Some(engine) = known_engine_in(engines, code, count) {
                    known_bodies_left = count;
                    let larger = admission.engine.is_none_or(|admitted| {
                        engine.compile_cpu_allowance > admitted.compile_cpu_allowance
                    });
                    if larger {
                        admission.engine = Some(engine);
                    }
                    continue;
                }
                // Counted from the section header, before any body is read.
                totals.functions = totals.functions.saturating_add(count as usize);
                at_most(CodeLimit::Functions, totals.functions as u64)?;
            }
            Payload::CodeSectionEntry(_) if known_bodies_left > 0 => known_bodies_left -= 1,
            Payload::CodeSectionEntry(body) => check_body(&body)?,
            _ => {}
        }
    }
    Ok(admission)
}

fn check_body(body: &wasmparser::FunctionBody<'_>) -> Result<(), ComponentError> {
    at_most(CodeLimit::FunctionBodyBytes, body.range().len() as u64)?;

    let mut locals = 0u64;
    for group in body.get_locals_reader().map_err(invalid)? {
        let (count, _) = group.map_err(invalid)?;
        locals = locals.saturating_add(u64::from(count));
        at_most(CodeLimit::FunctionLocals, locals)?;
    }

    let mut depth = 0usize;
    let mut operators = body.get_operators_reader().map_err(invalid)?;
    while !operators.eof() {
        match operators.read().map_err(invalid)? {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                depth += 1;
                at_most(CodeLimit::NestingDepth, depth as u64)?;
            }
            // The body's own final `end` takes the depth below zero; a
            // stray `end` is for validation to refuse.
            Operator::End => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn at_most(limit: CodeLimit, found: u64) -> Result<(), ComponentError> {
    if found > limit.max() {
        Err(ComponentError::TooComplex {
            limit,
            found,
            max: limit.max(),
        })
    } else {
        Ok(())
    }
}

fn invalid(error: wasmparser::BinaryReaderError) -> ComponentError {
    ComponentError::Invalid(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::component_check::check_bytes;

    /// A component holding one core module with these functions.
    fn component(funcs: &str) -> Vec<u8> {
        wat::parse_str(format!("(component (core module {funcs}))")).unwrap()
    }

    fn refused(bytes: &[u8]) -> Option<(CodeLimit, u64)> {
        match check_code_limits(bytes) {
            Err(ComponentError::TooComplex { limit, found, max }) => {
                assert_eq!(max, limit.max());
                Some((limit, found))
            }
            Err(other) => panic!("refused for another reason: {other}"),
            Ok(_) => None,
        }
    }

    /// Just under a limit, a component passes the check and compiles.
    fn loads(bytes: &[u8]) {
        assert_eq!(check_bytes(bytes), Ok(()));
        let engine = wasmtime::Engine::new(&crate::engine::engine_config(
            &crate::engine::InstanceAllocation::OnDemand,
            64 << 20,
            crate::engine::FuelMetering::Counted,
        ))
        .unwrap();
        wasmtime::component::Component::new(&engine, bytes).expect("compiles");
    }

    fn nested_blocks(depth: usize) -> String {
        format!("(func {}{})", "(block ".repeat(depth), ")".repeat(depth))
    }

    #[test]
    fn block_nesting_is_capped() {
        let over = component(&nested_blocks(MAX_NESTING_DEPTH + 1));
        assert_eq!(
            refused(&over),
            Some((CodeLimit::NestingDepth, MAX_NESTING_DEPTH as u64 + 1))
        );
        loads(&component(&nested_blocks(MAX_NESTING_DEPTH)));
    }

    #[test]
    fn every_kind_of_block_counts_towards_nesting() {
        let depth = MAX_NESTING_DEPTH / 3 + 1;
        let mixed = format!(
            "(func (param i32) {}{})",
            "(loop (if (local.get 0) (then (block ".repeat(depth),
            "))))".repeat(depth)
        );
        assert!(matches!(
            refused(&component(&mixed)),
            Some((CodeLimit::NestingDepth, _))
        ));
        // Siblings do not nest: many blocks one after another are fine.
        let flat = format!("(func {})", "(block)".repeat(MAX_NESTING_DEPTH * 2));
        assert_eq!(refused(&component(&flat)), None);
    }

    #[test]
    fn locals_are_capped() {
        let with_locals = |n: u64| {
            // Two declaration groups, so the count is summed across groups.
            let half = n / 2;
            format!(
                "(func (local {}) (local {}))",
                "i32 ".repeat(half as usize),
                "i64 ".repeat((n - half) as usize)
            )
        };
        assert_eq!(
            refused(&component(&with_locals(MAX_FUNCTION_LOCALS + 1))),
            Some((CodeLimit::FunctionLocals, MAX_FUNCTION_LOCALS + 1))
        );
        loads(&component(&with_locals(MAX_FUNCTION_LOCALS)));
    }

    #[test]
    fn a_huge_declared_local_count_is_refused_without_allocating() {
        // One local group claiming u32::MAX locals: a 10-byte bomb.
        let bytes = wasm_with_code_body(&[0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b]);
        assert_eq!(
            refused(&bytes),
            Some((CodeLimit::FunctionLocals, u64::from(u32::MAX)))
        );
    }

    #[test]
    fn function_bodies_are_capped() {
        // A body is its locals vector (1 byte, empty), the code and `end`.
        let with_body = |bytes: usize| format!("(func {})", "nop ".repeat(bytes - 2));
        assert_eq!(
            refused(&component(&with_body(MAX_FUNCTION_BODY_BYTES + 1))),
            Some((
                CodeLimit::FunctionBodyBytes,
                MAX_FUNCTION_BODY_BYTES as u64 + 1
            ))
        );
        loads(&component(&with_body(MAX_FUNCTION_BODY_BYTES)));
    }

    #[test]
    fn functions_are_capped_across_modules() {
        let half = MAX_FUNCTIONS / 2;
        let two_modules = |second: usize| {
            wat::parse_str(format!(
                "(component (core module {}) (core module {}))",
                "(func)".repeat(half),
                "(func)".repeat(second)
            ))
            .unwrap()
        };
        assert_eq!(
            refused(&two_modules(MAX_FUNCTIONS - half + 1)),
            Some((CodeLimit::Functions, MAX_FUNCTIONS as u64 + 1))
        );
        loads(&two_modules(MAX_FUNCTIONS - half));
    }

    #[test]
    fn core_modules_and_components_are_capped() {
        let modules = |n: usize| {
            wat::parse_str(format!("(component {})", "(core module)".repeat(n))).unwrap()
        };
        assert_eq!(
            refused(&modules(MAX_CORE_MODULES + 1)),
            Some((CodeLimit::CoreModules, MAX_CORE_MODULES as u64 + 1))
        );
        loads(&modules(MAX_CORE_MODULES));

        let components =
            |n: usize| wat::parse_str(format!("(component {})", "(component)".repeat(n))).unwrap();
        assert_eq!(
            refused(&components(MAX_COMPONENTS + 1)),
            Some((CodeLimit::Components, MAX_COMPONENTS as u64 + 1))
        );
        loads(&components(MAX_COMPONENTS));
    }

    #[test]
    fn nested_components_count_towards_the_totals() {
        let inner = format!(
            "(component (core module {}))",
            nested_blocks(MAX_NESTING_DEPTH + 1)
        );
        let outer = wat::parse_str(format!("(component (component {inner}))")).unwrap();
        assert!(matches!(
            refused(&outer),
            Some((CodeLimit::NestingDepth, _))
        ));
    }

    #[test]
    fn malformed_code_is_invalid_not_a_panic() {
        // A body that ends in the middle of an operator.
        let truncated = wasm_with_code_body(&[0x00, 0x41]);
        assert!(matches!(
            check_code_limits(&truncated),
            Err(ComponentError::Invalid(_))
        ));
        // Truncation anywhere in a real component.
        let whole = component(&nested_blocks(8));
        for len in 0..whole.len() {
            let _ = check_code_limits(&whole[..len]);
        }
    }

    /// The digest and count of the first code section of `bytes`.
    fn first_code_section(bytes: &[u8]) -> KnownEngine {
        use sha2::{Digest as _, Sha256};
        for payload in Parser::new(0).parse_all(bytes) {
            if let Ok(Payload::CodeSectionStart { count, range, .. }) = payload {
                return KnownEngine {
                    name: "test engine",
                    code_sha256: Sha256::digest(&bytes[range]).into(),
                    functions: count,
                    compile_cpu_allowance: Duration::from_secs(60),
                };
            }
        }
        panic!("no code section");
    }

    #[test]
    fn a_known_engine_is_admitted_beyond_the_limits_and_nothing_else_is() {
        // An "engine" over every limit that applies to code.
        let engine_funcs = format!(
            "{}{}",
            "(func)".repeat(MAX_FUNCTIONS + 1),
            nested_blocks(MAX_NESTING_DEPTH + 1)
        );
        let alone = component(&engine_funcs);
        let engines = [first_code_section(&alone)];
        assert!(matches!(
            check_code_limits_admitting(&alone, &[]),
            Err(ComponentError::TooComplex { .. })
        ));
        assert_eq!(
            check_code_limits_admitting(&alone, &engines),
            Ok(Admission {
                engine: Some(&engines[0])
            })
        );

        // One body changed (a `nop` more): unknown code, normal limits.
        let tampered = component(&format!("{engine_funcs}(func nop)"));
        assert!(matches!(
            check_code_limits_admitting(&tampered, &engines),
            Err(ComponentError::TooComplex {
                limit: CodeLimit::Functions,
                ..
            })
        ));

        // The engine beside other code: the other code meets every limit.
        let beside = |other: &str| {
            wat::parse_str(format!(
                "(component (core module {engine_funcs}) (core module {other}))"
            ))
            .unwrap()
        };
        assert_eq!(
            check_code_limits_admitting(&beside("(func) (func)"), &engines)
                .map(|admitted| admitted.compile_allowance()),
            Ok(Duration::from_secs(60))
        );
        assert!(matches!(
            check_code_limits_admitting(&beside(&nested_blocks(MAX_NESTING_DEPTH + 1)), &engines),
            Err(ComponentError::TooComplex {
                limit: CodeLimit::NestingDepth,
                ..
            })
        ));
        assert!(matches!(
            check_code_limits_admitting(&beside(&"(func)".repeat(MAX_FUNCTIONS + 1)), &engines),
            Err(ComponentError::TooComplex {
                limit: CodeLimit::Functions,
                ..
            })
        ));
    }

    #[test]
    fn code_of_an_engines_shape_but_not_its_bytes_gets_no_allowance() {
        // An "engine" within every limit, so that the shape check passes
        // whether or not it is recognised: only the digest decides.
        let engine_funcs = "(func (result i32) i32.const 1) (func (result i32) i32.const 2)";
        let engines = [first_code_section(&component(engine_funcs))];
        let admitted = |funcs: &str| {
            check_code_limits_admitting(&component(funcs), &engines)
                .unwrap()
                .compile_allowance()
        };
        assert_eq!(admitted(engine_funcs), Duration::from_secs(60));
        // Same function count, same types, same body sizes, one constant
        // changed: the normal budget.
        let same_shape = "(func (result i32) i32.const 1) (func (result i32) i32.const 3)";
        assert_eq!(admitted(same_shape), Duration::ZERO);
        // No engine at all: nothing beyond the operator's budget.
        assert_eq!(
            check_code_limits(&component("(func)"))
                .unwrap()
                .compile_allowance(),
            Duration::ZERO
        );
    }

    #[test]
    fn two_copies_of_an_engine_get_one_allowance() {
        let engine_funcs = "(func (result i32) i32.const 1)";
        let engines = [first_code_section(&component(engine_funcs))];
        let twice = wat::parse_str(format!(
            "(component (core module {engine_funcs}) (core module {engine_funcs}))"
        ))
        .unwrap();
        assert_eq!(
            check_code_limits_admitting(&twice, &engines)
                .unwrap()
                .compile_allowance(),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn the_known_engines_are_part_of_the_cache_fingerprint() {
        let fingerprint = fingerprint();
        for engine in KNOWN_ENGINES {
            let digest: String = engine
                .code_sha256
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(fingerprint.contains(&digest), "{fingerprint}");
        }
    }

    #[test]
    fn the_refusal_names_the_limit() {
        let over = component(&nested_blocks(MAX_NESTING_DEPTH + 1));
        let text = check_code_limits(&over).unwrap_err().to_string();
        assert_eq!(
            text,
            format!(
                "the component has {} nested blocks in one function; the limit is {MAX_NESTING_DEPTH} (code shaped like this costs too much to compile)",
                MAX_NESTING_DEPTH + 1
            )
        );
    }

    /// A component whose one core module has one function with this raw
    /// body (bytes after the body's size), for shapes WAT cannot express.
    fn wasm_with_code_body(body: &[u8]) -> Vec<u8> {
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend([0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type: [] -> []
        module.extend([0x03, 0x02, 0x01, 0x00]); // one function of type 0
        let mut code = vec![0x01, body.len() as u8];
        code.extend(body);
        module.push(0x0a);
        module.push(code.len() as u8);
        module.extend(code);
        // Component header, then a core module section (id 1) holding it.
        let mut component = b"\0asm\x0d\0\x01\0".to_vec();
        component.push(0x01);
        component.push(module.len() as u8);
        component.extend(module);
        component
    }
}
