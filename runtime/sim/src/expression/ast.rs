//! The parsed form of an expression.

/// A node and the text it was parsed from (`start..end`, byte offsets on
/// character boundaries), which errors quote as Jira does. `depth` is the height
/// of the tree under it, so the parser can refuse a tree too deep to walk
/// ([`super::limits::MAX_NESTING_DEPTH`]) as it builds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) depth: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Number(f64),
    String(String),
    Bool(bool),
    Null,
    Identifier(String),
    List(Vec<Node>),
    /// `{ key: value, … }`, keys in the order written.
    Object(Vec<(String, Node)>),
    /// `object.property`, or `object?.property` when `optional`.
    Member {
        object: Box<Node>,
        property: String,
        optional: bool,
    },
    /// `object[index]`, or `object?.[index]` when `optional`.
    Index {
        object: Box<Node>,
        index: Box<Node>,
        optional: bool,
    },
    /// `callee(arguments…)`: a method when the callee is a member access;
    /// `callee?.(arguments…)` when `optional`.
    Call {
        callee: Box<Node>,
        arguments: Vec<Node>,
        optional: bool,
    },
    /// A chain of member accesses, indexes and calls with at least one optional
    /// link (`?.`): where an optional link's receiver is `null`, the whole
    /// chain is `null` (JavaScript's short-circuit), not only that link.
    OptionalChain(Box<Node>),
    Unary {
        operator: UnaryOperator,
        operand: Box<Node>,
    },
    Binary {
        operator: BinaryOperator,
        left: Box<Node>,
        right: Box<Node>,
    },
    /// `test ? then : otherwise`
    Conditional {
        test: Box<Node>,
        then: Box<Node>,
        otherwise: Box<Node>,
    },
    /// `(a, b) => body`
    Arrow {
        parameters: Vec<String>,
        body: Box<Node>,
    },
    /// `new Class(arguments…)` (the parentheses may be left out, as in
    /// JavaScript).
    New {
        class: String,
        arguments: Vec<Node>,
    },
    /// A template literal: its text pieces and substitutions, in order, each
    /// turned into text and joined.
    Template(Vec<Node>),
    /// `let name = value; body` (the `let` may be left out): `name` is
    /// `value` while `body` is evaluated.
    Let {
        name: String,
        value: Box<Node>,
        body: Box<Node>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnaryOperator {
    Not,
    Negate,
    Plus,
    TypeOf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOperator {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,
    /// `??`: the right side when the left is `null`.
    Coalesce,
}

impl Node {
    /// A node over `start..end`, its depth one more than its deepest child's.
    pub(crate) fn new(kind: Kind, start: usize, end: usize) -> Self {
        let depth = 1 + kind.children().map(|c| c.depth).max().unwrap_or(0);
        Self {
            kind,
            start,
            end,
            depth,
        }
    }

    /// The text this node was parsed from.
    pub(crate) fn source<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

impl Kind {
    fn children(&self) -> Box<dyn Iterator<Item = &Node> + '_> {
        match self {
            Self::Number(_)
            | Self::String(_)
            | Self::Bool(_)
            | Self::Null
            | Self::Identifier(_) => Box::new(std::iter::empty()),
            Self::List(items) => Box::new(items.iter()),
            Self::Object(entries) => Box::new(entries.iter().map(|(_, v)| v)),
            Self::Member { object, .. } => Box::new(std::iter::once(&**object)),
            Self::Index { object, index, .. } => Box::new([&**object, &**index].into_iter()),
            Self::Call {
                callee, arguments, ..
            } => Box::new(std::iter::once(&**callee).chain(arguments.iter())),
            Self::Unary { operand, .. } => Box::new(std::iter::once(&**operand)),
            Self::Binary { left, right, .. } => Box::new([&**left, &**right].into_iter()),
            Self::Conditional {
                test,
                then,
                otherwise,
            } => Box::new([&**test, &**then, &**otherwise].into_iter()),
            Self::Arrow { body, .. } => Box::new(std::iter::once(&**body)),
            Self::OptionalChain(chain) => Box::new(std::iter::once(&**chain)),
            Self::Template(parts) => Box::new(parts.iter()),
            Self::New { arguments, .. } => Box::new(arguments.iter()),
            Self::Let { value, body, .. } => Box::new([&**value, &**body].into_iter()),
        }
    }
}
