//! YAML → JSON value, remembering where every node came from.
//!
//! Kiln reads YAML through an event parser rather than a serde YAML crate so that
//! any field path (from serde, the rules or the JSON Schema) maps back to a line,
//! and so that the risky YAML features are refused before they cost anything.

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::field_path::{FieldPath, PathSegment};

/// Nesting deeper than this is refused. A manifest needs four levels; the cap
/// stops stack exhaustion in the recursive code downstream (serde, `Value` drop,
/// schema validation) when fed `[[[[…`.
const MAX_DEPTH: usize = 32;

/// A 1-based line and column in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    pub line: usize,
    pub column: usize,
}

impl From<Marker> for Position {
    fn from(marker: Marker) -> Self {
        // yaml-rust2 counts lines from 1 and columns from 0.
        Position {
            line: marker.line(),
            column: marker.col() + 1,
        }
    }
}

/// A parse failure, at a position when the parser knows one.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub position: Option<Position>,
    pub message: String,
}

impl SyntaxError {
    fn at(marker: Marker, message: impl Into<String>) -> Self {
        SyntaxError {
            position: Some(marker.into()),
            message: message.into(),
        }
    }
}

/// Where each node of the parsed document starts.
#[derive(Debug)]
pub(crate) struct Node {
    position: Position,
    children: Children,
}

#[derive(Debug)]
enum Children {
    None,
    Sequence(Vec<Node>),
    /// `(key, where the key is, the value's node)`.
    Mapping(Vec<(String, Position, Node)>),
}

/// Which end of a mapping entry an error should point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The key (`foo:`), e.g. for "unknown field".
    Key,
    /// The value, e.g. for "invalid id".
    Value,
}

impl Node {
    /// The position of the deepest node on `path`. A missing tail resolves to the
    /// key of the nearest existing ancestor (`app:` for a missing `app.id`), which
    /// is where a missing field belongs.
    pub(crate) fn locate(&self, path: &FieldPath, anchor: Anchor) -> Position {
        let mut node = self;
        let mut key_position = None;
        for segment in path.segments() {
            let next = match (&node.children, segment) {
                (Children::Mapping(entries), PathSegment::Key(key)) => entries
                    .iter()
                    .find(|(name, _, _)| name == key)
                    .map(|(_, at, child)| (Some(*at), child)),
                (Children::Sequence(items), PathSegment::Index(index)) => {
                    items.get(*index).map(|child| (None, child))
                }
                _ => None,
            };
            match next {
                Some((at, child)) => {
                    key_position = at;
                    node = child;
                }
                None => return key_position.unwrap_or(node.position),
            }
        }
        match (anchor, key_position) {
            (Anchor::Key, Some(at)) => at,
            _ => node.position,
        }
    }
}

/// Parses a single YAML document into a JSON value and its position tree.
pub(crate) fn parse(source: &str) -> Result<(Value, Node), SyntaxError> {
    let mut parser = Parser::new_from_str(source);
    let mut builder = Builder::default();
    loop {
        let (event, marker) = parser
            .next_token()
            .map_err(|error| SyntaxError::at(*error.marker(), error.info().to_owned()))?;
        match event {
            Event::StreamEnd => break,
            _ => builder.on_event(event, marker)?,
        }
    }
    builder.root.ok_or(SyntaxError {
        position: None,
        message: "the manifest is empty".to_owned(),
    })
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<(Value, Node)>,
    documents: usize,
}

enum Frame {
    Sequence {
        position: Position,
        values: Vec<Value>,
        nodes: Vec<Node>,
    },
    Mapping {
        position: Position,
        values: Map<String, Value>,
        entries: Vec<(String, Position, Node)>,
        pending_key: Option<(String, Position)>,
    },
}

impl Builder {
    fn on_event(&mut self, event: Event, marker: Marker) -> Result<(), SyntaxError> {
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(SyntaxError::at(
                        marker,
                        "a manifest is a single YAML document",
                    ));
                }
            }
            Event::Alias(_) => return Err(SyntaxError::at(marker, ANCHORS_REFUSED)),
            Event::Scalar(text, style, anchor, tag) => {
                refuse_anchor_and_tag(anchor, tag.is_some(), marker)?;
                if let Some(Frame::Mapping {
                    pending_key: pending @ None,
                    values,
                    position,
                    entries,
                }) = self.stack.last_mut()
                {
                    if values.contains_key(&text) {
                        return Err(SyntaxError::at(marker, format!("duplicate key `{text}`")));
                    }
                    if entries.is_empty() {
                        // The parser marks a block mapping's start after its first
                        // key; the first key is where a reader looks.
                        *position = marker.into();
                    }
                    *pending = Some((text, marker.into()));
                    return Ok(());
                }
                let value = resolve_scalar(text, style);
                self.attach(
                    value,
                    Node {
                        position: marker.into(),
                        children: Children::None,
                    },
                    marker,
                )?;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                refuse_anchor_and_tag(anchor, tag.is_some(), marker)?;
                if let Some(Frame::Mapping {
                    pending_key: None, ..
                }) = self.stack.last()
                {
                    return Err(SyntaxError::at(
                        marker,
                        "mapping keys must be plain strings",
                    ));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(SyntaxError::at(
                        marker,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let position = marker.into();
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Sequence {
                            position,
                            values: Vec::new(),
                            nodes: Vec::new(),
                        }
                    } else {
                        Frame::Mapping {
                            position,
                            values: Map::new(),
                            entries: Vec::new(),
                            pending_key: None,
                        }
                    });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, node) = match self.stack.pop() {
                    Some(Frame::Sequence {
                        position,
                        values,
                        nodes,
                    }) => (
                        Value::Array(values),
                        Node {
                            position,
                            children: Children::Sequence(nodes),
                        },
                    ),
                    Some(Frame::Mapping {
                        position,
                        values,
                        entries,
                        ..
                    }) => (
                        Value::Object(values),
                        Node {
                            position,
                            children: Children::Mapping(entries),
                        },
                    ),
                    None => return Err(SyntaxError::at(marker, "unbalanced collection end")),
                };
                self.attach(value, node, marker)?;
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn attach(&mut self, value: Value, node: Node, marker: Marker) -> Result<(), SyntaxError> {
        match self.stack.last_mut() {
            None => self.root = Some((value, node)),
            Some(Frame::Sequence { values, nodes, .. }) => {
                values.push(value);
                nodes.push(node);
            }
            Some(Frame::Mapping {
                values,
                entries,
                pending_key,
                ..
            }) => {
                let Some((key, key_position)) = pending_key.take() else {
                    return Err(SyntaxError::at(
                        marker,
                        "mapping keys must be plain strings",
                    ));
                };
                values.insert(key.clone(), value);
                entries.push((key, key_position, node));
            }
        }
        Ok(())
    }
}

/// Threat: "billion laughs", where a few aliases expand into gigabytes.
/// Manifests have no use for them, so anchors and aliases are refused outright.
const ANCHORS_REFUSED: &str = "YAML anchors and aliases are not supported";

/// Tags would let YAML pick types the schema does not expect: refused too.
fn refuse_anchor_and_tag(anchor: usize, tagged: bool, marker: Marker) -> Result<(), SyntaxError> {
    if anchor != 0 {
        return Err(SyntaxError::at(marker, ANCHORS_REFUSED));
    }
    if tagged {
        return Err(SyntaxError::at(marker, "YAML tags are not supported"));
    }
    Ok(())
}

/// YAML 1.2 core schema: plain scalars may be null, booleans or numbers; quoted
/// and block scalars are always strings. (So `no` stays the string "no".)
fn resolve_scalar(text: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(number) = resolve_number(&text) {
        return Value::Number(number);
    }
    Value::String(text)
}

fn resolve_number(text: &str) -> Option<Number> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let negative = text.starts_with('-');
    let radix =
        |digits: &str, radix: u32| u64::from_str_radix(digits, radix).ok().map(Number::from);
    if let Some(hex) = text.strip_prefix("0x") {
        return radix(hex, 16);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return radix(octal, 8);
    }
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        let parsed = if negative {
            text.parse::<i64>().ok().map(Number::from)
        } else {
            unsigned.parse::<u64>().ok().map(Number::from)
        };
        // Out of range for 64 bits: keep the magnitude as a float so the type
        // error names a number, not a string.
        return parsed.or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64));
    }
    if is_decimal_float(unsigned) {
        return text.parse::<f64>().ok().and_then(Number::from_f64);
    }
    None
}

/// `[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?` with at least one digit before the exponent.
fn is_decimal_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn value(source: &str) -> Value {
        parse(source).expect("valid YAML").0
    }

    #[test]
    fn plain_scalars_follow_the_yaml_1_2_core_schema() {
        assert_eq!(
            value(
                "a: 12\nb: -3\nc: 1.5\nd: true\ne: no\nf: ~\ng: '12'\nh: 0x1F\ni: 1e3\nj: .5\nk: 99999999999999999999"
            ),
            json!({"a": 12, "b": -3, "c": 1.5, "d": true, "e": "no", "f": null, "g": "12", "h": 31, "i": 1000.0, "j": 0.5, "k": 1e20})
        );
    }

    #[test]
    fn positions_are_one_based() {
        let (_, tree) = parse("app:\n  id: x\nlist:\n  - a\n  - b\n").expect("valid YAML");
        let id = FieldPath::root().key("app").key("id");
        assert_eq!(
            tree.locate(&id, Anchor::Value),
            Position { line: 2, column: 7 }
        );
        assert_eq!(
            tree.locate(&id, Anchor::Key),
            Position { line: 2, column: 3 }
        );
        let second = FieldPath::root().key("list").index(1);
        assert_eq!(
            tree.locate(&second, Anchor::Value),
            Position { line: 5, column: 5 }
        );
        let missing = FieldPath::root().key("app").key("name");
        assert_eq!(
            tree.locate(&missing, Anchor::Value),
            Position { line: 1, column: 1 },
            "nearest ancestor's key"
        );
    }

    #[test]
    fn refuses_aliases_anchors_tags_and_duplicate_keys() {
        for (source, expected) in [
            ("a: &x 1\nb: *x\n", "anchors and aliases"),
            ("a: [*x]\n", "anchor"),
            ("a: !!str 1\n", "tags"),
            ("a: 1\na: 2\n", "duplicate key `a`"),
            ("? [a]\n: 1\n", "mapping keys must be plain strings"),
            ("a: 1\n---\nb: 2\n", "single YAML document"),
            ("", "empty"),
        ] {
            let error = parse(source).expect_err(source);
            assert!(
                error.message.contains(expected),
                "{source:?}: {}",
                error.message
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let source = "[".repeat(40);
        let error = parse(&source).expect_err("too deep");
        assert!(
            error.message.contains("nesting deeper than 32"),
            "{}",
            error.message
        );
        // Far deeper input stops in the parser's own recursion guard instead.
        let error = parse(&"[".repeat(100_000)).expect_err("far too deep");
        assert!(error.position.is_some(), "{}", error.message);
    }
}
