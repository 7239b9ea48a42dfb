//! Fewer data segments in a JS engine's snapshot, so that every instance of
//! the app starts sooner.
//!
//! The wizer writes the engine's initialized memory as one active data
//! segment per run of non-zero bytes (merging only runs 4 bytes apart, then
//! the closest ones down to its cap of 10,000), and turns each of the
//! engine's own active segments into an empty passive one, keeping their
//! indices. A StarlingMonkey snapshot so has 16,714 segments. Wasmtime reads
//! the memory image once, when it compiles, but it writes a base and a length
//! for *every* segment into each new instance's context: 16,714 entries on
//! every invocation, about a tenth of a JS no-op invocation's time (measured
//! in BENCHMARKS.md, "Data segments of a JS snapshot").
//!
//! [`compact`] rewrites the data section of such a module, and nothing else:
//!
//! - active segments closer than [`MAX_GAP`] bytes become one, the zeros
//!   between them written out. The memory the module starts with is the same
//!   bytes, and so the memory image;
//! - when no function's code names a data segment (`memory.init`,
//!   `data.drop`), the empty passive segments (the engine's own, already
//!   applied) are dropped, and the data count follows. If any code does, every
//!   passive segment keeps its index.
//!
//! A module it cannot read this way (overlapping active segments, an offset
//! that is not a constant, code naming an active segment) is returned as it
//! came: the rewrite is an optimisation, never a requirement.

use std::ops::Range;

use wasm_encoder::{ConstExpr, DataCountSection, DataSection, RawSection};
use wasmparser::{DataKind, Operator, Parser, Payload};

/// The largest run of zeros written out to join two active segments. Each
/// zero costs a byte of the component; 64 takes a StarlingMonkey snapshot
/// from 10,000 active segments to about a thousand for about 1.6 % more
/// bytes (a per-instance cost of a few entries, against one of thousands).
pub const MAX_GAP: u64 = 64;

/// `module` with its data segments compacted (see the module docs), or the
/// module unchanged when it cannot be.
pub fn compact(module: &[u8]) -> Vec<u8> {
    match rewrite(module) {
        Ok(Some(rewritten)) => rewritten,
        Ok(None) | Err(_) => module.to_vec(),
    }
}

/// One active segment as read: where it goes and its bytes.
struct Active<'a> {
    memory: u32,
    offset: u64,
    is64: bool,
    data: &'a [u8],
}

/// An active segment after merging: where it goes and its bytes.
struct Merged {
    memory: u32,
    offset: u64,
    is64: bool,
    data: Vec<u8>,
}

fn rewrite(module: &[u8]) -> Result<Option<Vec<u8>>, wasmparser::BinaryReaderError> {
    // First pass: what code names, and the data section.
    let mut named = Vec::new();
    let mut data_range: Option<Range<usize>> = None;
    for payload in Parser::new(0).parse_all(module) {
        match payload? {
            Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    match ops.read()? {
                        Operator::MemoryInit { data_index, .. }
                        | Operator::DataDrop { data_index } => named.push(data_index),
                        _ => {}
                    }
                }
            }
            Payload::DataSection(reader) => data_range = Some(reader.range()),
            // A component, or a module within one: not what a wizer writes.
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => return Ok(None),
            _ => {}
        }
    }
    let Some(data_range) = data_range else {
        return Ok(None);
    };

    let reader = wasmparser::DataSectionReader::new(wasmparser::BinaryReader::new(
        &module[data_range.clone()],
        data_range.start,
    ))?;
    let mut passive: Vec<(u32, &[u8])> = Vec::new();
    let mut active = Vec::new();
    for (index, segment) in (0u32..).zip(reader) {
        let segment = segment?;
        match segment.kind {
            DataKind::Passive => passive.push((index, segment.data)),
            DataKind::Active {
                memory_index,
                offset_expr,
            } => {
                if named.contains(&index) {
                    return Ok(None);
                }
                let mut ops = offset_expr.get_operators_reader();
                let (offset, is64) = match ops.read()? {
                    Operator::I32Const { value } => (u64::from(value.cast_unsigned()), false),
                    Operator::I64Const { value } => (value.cast_unsigned(), true),
                    _ => return Ok(None),
                };
                if !matches!(ops.read()?, Operator::End) || !ops.eof() {
                    return Ok(None);
                }
                active.push(Active {
                    memory: memory_index,
                    offset,
                    is64,
                    data: segment.data,
                });
            }
        }
    }
    let Some(merged) = merge(active) else {
        return Ok(None);
    };
    // Passive segments stay, in their places, when code names any segment;
    // they must then come first, or their indices would move.
    let kept_passive: Vec<&[u8]> = if named.is_empty() {
        Vec::new()
    } else if (0usize..)
        .zip(&passive)
        .all(|(i, (index, _))| *index as usize == i)
    {
        passive.iter().map(|(_, data)| *data).collect()
    } else {
        return Ok(None);
    };

    let mut section = DataSection::new();
    for data in &kept_passive {
        section.passive(data.iter().copied());
    }
    for segment in &merged {
        let offset = if segment.is64 {
            ConstExpr::i64_const(segment.offset.cast_signed())
        } else {
            let Ok(offset) = u32::try_from(segment.offset) else {
                return Ok(None);
            };
            ConstExpr::i32_const(offset.cast_signed())
        };
        section.active(segment.memory, &offset, segment.data.iter().copied());
    }
    let count = section.len();

    // Second pass: every section as it was, but the data and its count.
    let mut out = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload?;
        match &payload {
            Payload::DataSection(_) => {
                out.section(&section);
            }
            Payload::DataCountSection { .. } => {
                out.section(&DataCountSection { count });
            }
            Payload::CustomSection(reader) => {
                out.section(&wasm_encoder::CustomSection {
                    name: reader.name().into(),
                    data: reader.data().into(),
                });
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    out.section(&RawSection {
                        id,
                        data: &module[range],
                    });
                }
            }
        }
    }
    Ok(Some(out.finish()))
}

/// `segments` sorted and joined where at most [`MAX_GAP`] zero bytes lie
/// between two of one memory; `None` if two overlap (which one wins would
/// depend on their order).
fn merge(mut segments: Vec<Active<'_>>) -> Option<Vec<Merged>> {
    segments.sort_by_key(|s| (s.memory, s.offset));
    let mut merged: Vec<Merged> = Vec::with_capacity(segments.len());
    for segment in segments {
        if let Some(last) = merged.last_mut()
            && last.memory == segment.memory
        {
            let end = last.offset + last.data.len() as u64;
            if segment.offset < end {
                return None;
            }
            let gap = segment.offset - end;
            if gap <= MAX_GAP {
                last.data.resize(last.data.len() + gap as usize, 0);
                last.data.extend_from_slice(segment.data);
                continue;
            }
        }
        merged.push(Merged {
            memory: segment.memory,
            offset: segment.offset,
            is64: segment.is64,
            data: segment.data.to_vec(),
        });
    }
    Some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with one memory, `passive` passive segments, the active
    /// `segments` (offset, bytes) and, if `drop`, a function that drops
    /// segment 0.
    fn module(passive: usize, segments: &[(i32, &[u8])], drop: bool) -> Vec<u8> {
        let mut m = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let mut funcs = wasm_encoder::FunctionSection::new();
        funcs.function(0);
        m.section(&funcs);
        let mut memories = wasm_encoder::MemorySection::new();
        memories.memory(wasm_encoder::MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&memories);
        let total = u32::try_from(passive + segments.len()).expect("few");
        m.section(&DataCountSection { count: total });
        let mut code = wasm_encoder::CodeSection::new();
        let mut f = wasm_encoder::Function::new([]);
        if drop {
            f.instruction(&wasm_encoder::Instruction::DataDrop(0));
        }
        f.instruction(&wasm_encoder::Instruction::End);
        code.function(&f);
        m.section(&code);
        let mut data = DataSection::new();
        for _ in 0..passive {
            data.passive([]);
        }
        for (offset, bytes) in segments {
            data.active(0, &ConstExpr::i32_const(*offset), bytes.iter().copied());
        }
        m.section(&data);
        m.section(&wasm_encoder::CustomSection {
            name: "name".into(),
            data: [0u8; 0][..].into(),
        });
        m.finish()
    }

    /// The memory a module starts with, and how many data segments it has.
    fn start(wasm: &[u8]) -> (Vec<u8>, usize) {
        wasmparser::Validator::new()
            .validate_all(wasm)
            .expect("a valid module");
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, wasm).expect("compiles");
        let mut store = wasmtime::Store::new(&engine, ());
        wasmtime::Instance::new(&mut store, &module, &[]).expect("instantiates");
        let mut segments = 0;
        let mut memory = vec![0u8; 65536];
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::DataSection(reader) = payload.expect("parses") {
                for segment in reader {
                    let segment = segment.expect("a segment");
                    segments += 1;
                    if let DataKind::Active { offset_expr, .. } = segment.kind {
                        let Operator::I32Const { value } =
                            offset_expr.get_operators_reader().read().expect("op")
                        else {
                            panic!("a constant offset");
                        };
                        let at = usize::try_from(value).expect("positive");
                        memory[at..at + segment.data.len()].copy_from_slice(segment.data);
                    }
                }
            }
        }
        (memory, segments)
    }

    #[test]
    fn close_segments_join_and_the_memory_is_the_same() {
        let segments: &[(i32, &[u8])] = &[(100, b"abc"), (103, b"d"), (170, b"far"), (8, b"first")];
        let before = module(5, segments, false);
        let after = compact(&before);
        let (memory_before, count_before) = start(&before);
        let (memory_after, count_after) = start(&after);
        assert_eq!(memory_after, memory_before);
        assert_eq!(count_before, 9);
        // 8 "first" … 100 "abcd" … 170 "far": 8 to 103 is 87 zeros (apart),
        // 104 to 170 is 66 (apart), the rest touch; the empty passive ones go.
        assert_eq!(count_after, 3);
        assert!(after.len() < before.len() + 3 * MAX_GAP as usize);
    }

    #[test]
    fn passive_segments_keep_their_indices_when_code_names_one() {
        let before = module(2, &[(0, b"a"), (2, b"b")], true);
        let after = compact(&before);
        let (memory_before, _) = start(&before);
        let (memory_after, count_after) = start(&after);
        assert_eq!(memory_after, memory_before);
        assert_eq!(count_after, 3, "two passive kept, the actives joined");
    }

    #[test]
    fn what_it_cannot_read_comes_back_unchanged() {
        let overlapping = module(0, &[(0, b"abcd"), (2, b"xy")], false);
        assert_eq!(compact(&overlapping), overlapping);
        assert_eq!(compact(b"not wasm"), b"not wasm");
    }
}
