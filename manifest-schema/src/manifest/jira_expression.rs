//! A documented subset of Atlassian's Jira expression language, for Forge's
//! trigger filters (`modules.trigger[].filter.expression`), evaluated over
//! the JSON event payload bound to `event`.
//!
//! The manifest comes from an app and the payload from a site; neither is
//! trusted. So the expression is parsed once, at manifest load, against a
//! strict grammar: anything outside the subset is refused there, naming the
//! construct and its column, rather than accepted and evaluated in some other
//! way. Evaluation never panics and is bounded by a step budget.
//!
//! # Grammar
//!
//! ```text
//! expression  := coalesce ( "?" expression ":" expression )?
//! coalesce    := or ( "??" or )*
//! or          := and ( "||" and )*
//! and         := equality ( "&&" equality )*
//! equality    := relational ( ( "==" | "!=" ) relational )*
//! relational  := unary ( ( "<" | "<=" | ">" | ">=" ) unary )*
//! unary       := ( "!" | "-" ) unary | chain
//! chain       := primary link*
//! link        := ( "." | "?." ) name [ "(" arguments ")" ]  -- a call only for a METHOD
//!              | "?."? "[" expression "]"
//! primary     := number | string | "true" | "false" | "null"
//!              | "event" | parameter | "(" expression ")"
//! arguments   := expression                                 -- includes, startsWith, endsWith, indexOf
//!              | parameter "=>" expression                  -- some, every, filter, map
//!              | "(" parameter ")" "=>" expression
//!              | (nothing)                                  -- toLowerCase, toUpperCase, trim
//! number      := digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]
//! string      := '...' | "..."   with \' \" \\ \/ \n \r \t \b \f \v \0 \uXXXX \u{X...}
//! ```
//!
//! `event` is the only free identifier; a `parameter` is a name bound by an
//! enclosing arrow function. Not supported (refused at load): other
//! identifiers (`issue`, `user`, …), arithmetic (`+ - * / %` as binary
//! operators), `===`/`!==`, list, object and template literals,
//! `typeof`, `new`, variables, statements, and every method not listed.
//!
//! # Semantics (Jira expressions, where they overlap JavaScript)
//!
//! - `==` and `!=` are strict: values of different types are never equal,
//!   there is no coercion. Comparing two lists or two objects is an error.
//! - `<` `<=` `>` `>=` compare two numbers or two strings; other pairs are an
//!   error (Jira: "Can't compare Number to String").
//! - `!`, `&&`, `||` and `?:` use JavaScript truthiness (`false`, `null`, `0`
//!   and `""` are falsy); `&&` and `||` short-circuit and yield an operand.
//! - `.name` on an object yields the member, or `null` when absent. On `null`
//!   it is an error (Jira: "Type null does not have any properties") unless
//!   written `?.`, which short-circuits the rest of the chain to `null`.
//! - `[i]` on a list takes an integer index (`null` outside the list); `[k]`
//!   on an object takes a string key.
//! - `.length` is the length of a string (UTF-16 units, as in JavaScript) or
//!   a list. String methods: `includes`, `startsWith`, `endsWith`, `indexOf`
//!   (UTF-16 index, -1 when absent), `toLowerCase`, `toUpperCase`, `trim`.
//!   List methods: `includes`, `indexOf` (strict equality), and `some`,
//!   `every`, `filter`, `map` with an arrow function `x => …`.
//! - A filter ([`JiraExpression::matches`]) holds only for the boolean
//!   `true`; `false` drops the event; any other value is an error, as in
//!   Forge, and goes to the trigger's `onError` like every evaluation error.
//!
//! # Limits
//!
//! [`MAX_EXPRESSION_CHARS`] is Jira's own limit on an expression's length;
//! [`MAX_NESTING`] bounds the parser's recursion (brackets, prefix operators,
//! ternaries, arguments), so no input overflows the stack; [`MAX_STEPS`]
//! bounds one evaluation, counting every node evaluated and every list
//! element visited, so a huge list in the payload ends in an error instead
//! of a hang.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Longest expression accepted, in characters: Jira's limit ("Jira
/// expression is too long (1040), limit: 1000 characters").
pub const MAX_EXPRESSION_CHARS: usize = 1_000;

/// Deepest nesting of brackets, prefix operators, ternaries and arguments.
/// Real filters nest a handful of levels; the bound keeps the recursive
/// parser (and the evaluator, which follows the same tree) far from the
/// stack's end on hostile input such as `((((…` or `!!!!…`. Chains of a
/// binary operator (`a && b && …`) are flat lists, parsed and evaluated by
/// loops, so they add no depth.
pub const MAX_NESTING: usize = 32;

/// Evaluation steps per event: one per node evaluated, per list element
/// visited and per KiB of string scanned. A filter over a list of a few
/// hundred labels or comments takes a few thousand steps; a nested `map`
/// over a hostile payload's huge list stops here, with an error.
pub const MAX_STEPS: u32 = 20_000;

/// A Jira expression in Kiln's subset, parsed and validated. Serializes back
/// to its source text.
#[derive(Clone)]
pub struct JiraExpression {
    source: String,
    root: Expr,
}

impl JiraExpression {
    /// Parses `source`, refusing anything outside the subset.
    pub fn parse(source: &str) -> Result<JiraExpression, ParseError> {
        let chars = source.chars().count();
        if chars > MAX_EXPRESSION_CHARS {
            return Err(ParseError {
                column: MAX_EXPRESSION_CHARS + 1,
                kind: ParseErrorKind::TooLong { chars },
            });
        }
        let tokens = lex(source)?;
        let mut parser = Parser {
            tokens,
            at: 0,
            depth: 0,
            scope: Vec::new(),
            end_column: chars + 1,
        };
        if parser.peek().is_none() {
            return Err(ParseError {
                column: 1,
                kind: ParseErrorKind::Empty,
            });
        }
        let root = parser.expression()?;
        if let Some(token) = parser.peek() {
            return Err(parser.unexpected(token.clone(), "the end of the expression"));
        }
        Ok(JiraExpression {
            source: source.to_owned(),
            root,
        })
    }

    /// The expression exactly as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Evaluates the expression with `event` bound to `payload`.
    pub fn evaluate(&self, payload: &Value) -> Result<Value, EvalError> {
        let mut eval = Eval {
            steps: 0,
            event: payload,
            params: Vec::new(),
        };
        eval.expr(&self.root).map(|value| value.to_json())
    }

    /// Whether the expression holds for `payload`: its value must be a
    /// boolean, as Forge requires; any other value is an error.
    pub fn matches(&self, payload: &Value) -> Result<bool, EvalError> {
        let mut eval = Eval {
            steps: 0,
            event: payload,
            params: Vec::new(),
        };
        match eval.expr(&self.root)?.view() {
            View::Bool(result) => Ok(result),
            other => Err(EvalError::NotBoolean(other.type_name())),
        }
    }
}

impl PartialEq for JiraExpression {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for JiraExpression {}

impl fmt::Debug for JiraExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JiraExpression({:?})", self.source)
    }
}

impl fmt::Display for JiraExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for JiraExpression {
    type Err = ParseError;

    fn from_str(source: &str) -> Result<Self, Self::Err> {
        JiraExpression::parse(source)
    }
}

impl Serialize for JiraExpression {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for JiraExpression {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        JiraExpression::parse(&source).map_err(serde::de::Error::custom)
    }
}

/// Why an expression was refused at load.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Jira expression, column {column}: {kind}")]
pub struct ParseError {
    /// 1-based, in characters from the start of the expression.
    pub column: usize,
    pub kind: ParseErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    #[error("the expression is empty")]
    Empty,
    #[error("the expression is {chars} characters long; the limit is {MAX_EXPRESSION_CHARS}")]
    TooLong { chars: usize },
    #[error("the expression nests deeper than {MAX_NESTING} levels")]
    TooDeep,
    #[error("unexpected character {0:?}")]
    UnexpectedCharacter(char),
    #[error("the string is not closed")]
    UnterminatedString,
    #[error("unsupported escape `\\{0}` in a string")]
    BadEscape(String),
    #[error("malformed number")]
    BadNumber,
    #[error("expected {expected}, found {found}")]
    Unexpected {
        expected: &'static str,
        found: String,
    },
    #[error(
        "unknown identifier `{0}`: only `event` (the event payload) and arrow function parameters are in scope"
    )]
    UnknownIdentifier(String),
    #[error("{0} is not supported by Kiln's Jira expression subset")]
    Unsupported(String),
    #[error("`{method}` takes {expected}")]
    Arguments {
        method: &'static str,
        expected: &'static str,
    },
}

/// Why an evaluation failed; handled as the trigger's `onError` says. The
/// text names types and the expression's own member names, never a value
/// from the payload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("the expression evaluated to {0}, not a boolean")]
    NotBoolean(&'static str),
    #[error("type {0} does not have any properties (use `?.` to allow it)")]
    NoProperties(&'static str),
    #[error("type {receiver} does not have a property `{name}`")]
    NoSuchProperty {
        receiver: &'static str,
        name: String,
    },
    #[error("cannot index {receiver} with {index}")]
    BadIndex {
        receiver: &'static str,
        index: &'static str,
    },
    #[error("`{method}` cannot be called on {receiver}")]
    BadReceiver {
        method: &'static str,
        receiver: &'static str,
    },
    #[error("`{method}` expects {expected}, got {got}")]
    BadArgument {
        method: &'static str,
        expected: &'static str,
        got: &'static str,
    },
    #[error("cannot compare {0} to {1}")]
    Incomparable(&'static str, &'static str),
    #[error("unary `-` needs a number, got {0}")]
    NotANumber(&'static str),
    #[error("the evaluation exceeded {MAX_STEPS} steps")]
    Budget,
}

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Punct(&'static str),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    column: usize,
}

/// Longest first, so `===` is one token (and refused as such).
const PUNCTUATION: &[&str] = &[
    "===", "!==", "...", "=>", "?.", "??", "==", "!=", "<=", ">=", "&&", "||", "(", ")", "[", "]",
    ".", ",", "?", ":", "!", "<", ">", "-", "+", "*", "/", "%", "{", "}", "=", "&", "|", ";", "^",
    "~",
];

fn lex(source: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let error = |column: usize, kind| Err(ParseError { column, kind });
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            let (text, next) = lex_string(&chars, i)?;
            tokens.push(Token {
                tok: Tok::Str(text),
                column,
            });
            i = next;
            continue;
        }
        let starts_number =
            c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if starts_number {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if matches!(chars.get(i), Some('e' | 'E')) {
                i += 1;
                if matches!(chars.get(i), Some('+' | '-')) {
                    i += 1;
                }
                if !chars.get(i).is_some_and(char::is_ascii_digit) {
                    return error(column, ParseErrorKind::BadNumber);
                }
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if chars
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
            {
                return error(column, ParseErrorKind::BadNumber);
            }
            let text: String = chars[start..i].iter().collect();
            let Ok(number) = text.parse::<f64>() else {
                return error(column, ParseErrorKind::BadNumber);
            };
            if !number.is_finite() {
                return error(column, ParseErrorKind::BadNumber);
            }
            tokens.push(Token {
                tok: Tok::Num(number),
                column,
            });
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Ident(chars[start..i].iter().collect()),
                column,
            });
            continue;
        }
        if c == '`' {
            return error(
                column,
                ParseErrorKind::Unsupported("a template literal".into()),
            );
        }
        let punct = PUNCTUATION.iter().find(|p| {
            let len = p.chars().count();
            chars.len() - i >= len && p.chars().zip(&chars[i..]).all(|(a, b)| a == *b)
        });
        match punct {
            // `a?.5:0` is a ternary, as in JavaScript.
            Some(&"?.") if chars.get(i + 2).is_some_and(char::is_ascii_digit) => {
                tokens.push(Token {
                    tok: Tok::Punct("?"),
                    column,
                });
                i += 1;
            }
            Some(p) => {
                tokens.push(Token {
                    tok: Tok::Punct(p),
                    column,
                });
                i += p.len();
            }
            None => return error(column, ParseErrorKind::UnexpectedCharacter(c)),
        }
    }
    Ok(tokens)
}

fn lex_string(chars: &[char], open: usize) -> Result<(String, usize), ParseError> {
    let quote = chars[open];
    let mut text = String::new();
    let mut i = open + 1;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(ParseError {
                column: open + 1,
                kind: ParseErrorKind::UnterminatedString,
            });
        };
        let column = i + 1;
        i += 1;
        if c == quote {
            return Ok((text, i));
        }
        if c == '\n' || c == '\r' {
            return Err(ParseError {
                column: open + 1,
                kind: ParseErrorKind::UnterminatedString,
            });
        }
        if c != '\\' {
            text.push(c);
            continue;
        }
        // Escaped: the text is quoted back in an error a terminal shows.
        let bad = |what: String| ParseError {
            column,
            kind: ParseErrorKind::BadEscape(what.escape_debug().to_string()),
        };
        let Some(&escape) = chars.get(i) else {
            return Err(ParseError {
                column: open + 1,
                kind: ParseErrorKind::UnterminatedString,
            });
        };
        i += 1;
        match escape {
            '\'' | '"' | '\\' | '/' => text.push(escape),
            'n' => text.push('\n'),
            'r' => text.push('\r'),
            't' => text.push('\t'),
            'b' => text.push('\u{8}'),
            'f' => text.push('\u{c}'),
            'v' => text.push('\u{b}'),
            '0' if !chars.get(i).is_some_and(char::is_ascii_digit) => text.push('\0'),
            'u' => {
                let (code, next) = if chars.get(i) == Some(&'{') {
                    let close = chars[i..]
                        .iter()
                        .take(8)
                        .position(|c| *c == '}')
                        .map(|offset| i + offset)
                        .ok_or_else(|| bad("u{".into()))?;
                    let hex: String = chars[i + 1..close].iter().collect();
                    (hex, close + 1)
                } else {
                    let end = (i + 4).min(chars.len());
                    (chars[i..end].iter().collect::<String>(), end)
                };
                let valid_hex = !code.is_empty()
                    && code.len() <= 6
                    && code.chars().all(|c| c.is_ascii_hexdigit())
                    && (chars.get(i) == Some(&'{') || code.len() == 4);
                let decoded = valid_hex
                    .then(|| u32::from_str_radix(&code, 16).ok())
                    .flatten()
                    .and_then(char::from_u32);
                // Lone surrogates (`\uD83D`) are refused: Rust strings hold
                // scalar values only.
                let Some(decoded) = decoded else {
                    return Err(bad(format!("u{code}")));
                };
                text.push(decoded);
                i = next;
            }
            other => return Err(bad(other.to_string())),
        }
    }
}

// ---------------------------------------------------------------- syntax tree

#[derive(Clone, Debug)]
enum Expr {
    Null,
    Bool(bool),
    Num(f64),
    Str(Arc<str>),
    Event,
    /// An arrow parameter, by name (the innermost binding wins).
    Param(Arc<str>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    /// `a op b op c …`, left to right: a loop, not a left-deep tree, so a
    /// long chain costs no stack depth.
    Compare(Box<Expr>, Vec<(Cmp, Expr)>),
    /// `a && b && …` (two or more operands), likewise flat.
    And(Vec<Expr>),
    /// `a || b || …` (two or more operands), likewise flat.
    Or(Vec<Expr>),
    /// `a ?? b ?? …` (two or more operands), likewise flat.
    Coalesce(Vec<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Chain(Box<Expr>, Vec<Link>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug)]
struct Link {
    optional: bool,
    kind: LinkKind,
}

#[derive(Clone, Debug)]
enum LinkKind {
    Member(Arc<str>),
    Index(Box<Expr>),
    Call(Method, Args),
}

#[derive(Clone, Debug)]
enum Args {
    None,
    One(Box<Expr>),
    Arrow(Arc<str>, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Includes,
    StartsWith,
    EndsWith,
    IndexOf,
    ToLowerCase,
    ToUpperCase,
    Trim,
    Some,
    Every,
    Filter,
    Map,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    None,
    One,
    Arrow,
}

impl Method {
    fn named(name: &str) -> Option<Method> {
        Some(match name {
            "includes" => Method::Includes,
            "startsWith" => Method::StartsWith,
            "endsWith" => Method::EndsWith,
            "indexOf" => Method::IndexOf,
            "toLowerCase" => Method::ToLowerCase,
            "toUpperCase" => Method::ToUpperCase,
            "trim" => Method::Trim,
            "some" => Method::Some,
            "every" => Method::Every,
            "filter" => Method::Filter,
            "map" => Method::Map,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Method::Includes => "includes",
            Method::StartsWith => "startsWith",
            Method::EndsWith => "endsWith",
            Method::IndexOf => "indexOf",
            Method::ToLowerCase => "toLowerCase",
            Method::ToUpperCase => "toUpperCase",
            Method::Trim => "trim",
            Method::Some => "some",
            Method::Every => "every",
            Method::Filter => "filter",
            Method::Map => "map",
        }
    }

    fn arity(self) -> Arity {
        match self {
            Method::Includes | Method::StartsWith | Method::EndsWith | Method::IndexOf => {
                Arity::One
            }
            Method::ToLowerCase | Method::ToUpperCase | Method::Trim => Arity::None,
            Method::Some | Method::Every | Method::Filter | Method::Map => Arity::Arrow,
        }
    }
}

// ---------------------------------------------------------------- parser

const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "event",
    "undefined",
    "typeof",
    "new",
    "let",
    "var",
    "const",
    "return",
    "if",
    "else",
    "try",
    "catch",
    "function",
    "this",
    "in",
    "instanceof",
];

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    scope: Vec<Arc<str>>,
    end_column: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek_punct(&self, punct: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Punct(p), .. }) if *p == punct)
    }

    fn peek_punct_at(&self, offset: usize, punct: &str) -> bool {
        matches!(self.tokens.get(self.at + offset), Some(Token { tok: Tok::Punct(p), .. }) if *p == punct)
    }

    fn eat(&mut self, punct: &str) -> bool {
        let found = self.peek_punct(punct);
        if found {
            self.at += 1;
        }
        found
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |token| token.column)
    }

    fn error(&self, column: usize, kind: ParseErrorKind) -> ParseError {
        ParseError { column, kind }
    }

    fn unexpected(&self, token: Token, expected: &'static str) -> ParseError {
        let kind = match &token.tok {
            Tok::Punct(p) => unsupported_operator(p).map_or_else(
                || ParseErrorKind::Unexpected {
                    expected,
                    found: format!("`{p}`"),
                },
                |what| ParseErrorKind::Unsupported(what.into()),
            ),
            Tok::Num(_) => ParseErrorKind::Unexpected {
                expected,
                found: "a number".into(),
            },
            Tok::Str(_) => ParseErrorKind::Unexpected {
                expected,
                found: "a string".into(),
            },
            Tok::Ident(name) => ParseErrorKind::Unexpected {
                expected,
                found: format!("`{name}`"),
            },
        };
        self.error(token.column, kind)
    }

    fn expect(&mut self, punct: &'static str, expected: &'static str) -> Result<(), ParseError> {
        if self.eat(punct) {
            return Ok(());
        }
        Err(match self.peek() {
            Some(token) => self.unexpected(token.clone(), expected),
            None => self.error(
                self.end_column,
                ParseErrorKind::Unexpected {
                    expected,
                    found: "the end of the expression".into(),
                },
            ),
        })
    }

    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(self.column(), ParseErrorKind::TooDeep));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn expression(&mut self) -> Result<Expr, ParseError> {
        self.nested(|p| {
            let condition = p.coalesce()?;
            if !p.eat("?") {
                return Ok(condition);
            }
            let then = p.expression()?;
            p.expect(":", "`:` of the conditional `a ? b : c`")?;
            let otherwise = p.expression()?;
            Ok(Expr::Cond(
                Box::new(condition),
                Box::new(then),
                Box::new(otherwise),
            ))
        })
    }

    fn coalesce(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.or()?];
        while self.eat("??") {
            operands.push(self.or()?);
        }
        Ok(match operands.len() {
            1 => operands.remove(0),
            _ => Expr::Coalesce(operands),
        })
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.and()?];
        while self.eat("||") {
            operands.push(self.and()?);
        }
        Ok(match operands.len() {
            1 => operands.remove(0),
            _ => Expr::Or(operands),
        })
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.equality()?];
        while self.eat("&&") {
            operands.push(self.equality()?);
        }
        Ok(match operands.len() {
            1 => operands.remove(0),
            _ => Expr::And(operands),
        })
    }

    fn equality(&mut self) -> Result<Expr, ParseError> {
        let first = self.relational()?;
        let mut rest = Vec::new();
        loop {
            let op = if self.eat("==") {
                Cmp::Eq
            } else if self.eat("!=") {
                Cmp::Ne
            } else {
                break;
            };
            rest.push((op, self.relational()?));
        }
        Ok(compare_chain(first, rest))
    }

    fn relational(&mut self) -> Result<Expr, ParseError> {
        let first = self.unary()?;
        let mut rest = Vec::new();
        loop {
            let op = if self.eat("<=") {
                Cmp::Le
            } else if self.eat(">=") {
                Cmp::Ge
            } else if self.eat("<") {
                Cmp::Lt
            } else if self.eat(">") {
                Cmp::Gt
            } else {
                break;
            };
            rest.push((op, self.unary()?));
        }
        Ok(compare_chain(first, rest))
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat("!") {
            return self.nested(|p| Ok(Expr::Not(Box::new(p.unary()?))));
        }
        if self.eat("-") {
            return self.nested(|p| Ok(Expr::Neg(Box::new(p.unary()?))));
        }
        self.chain()
    }

    fn chain(&mut self) -> Result<Expr, ParseError> {
        let base = self.primary()?;
        let mut links = Vec::new();
        loop {
            let optional = self.peek_punct("?.");
            if optional || self.peek_punct(".") {
                self.at += 1;
                if self.peek_punct("[") {
                    if !optional {
                        return Err(self.unexpected(
                            self.tokens[self.at].clone(),
                            "a property name after `.`",
                        ));
                    }
                    self.at += 1;
                    let index = self.expression()?;
                    self.expect("]", "`]`")?;
                    links.push(Link {
                        optional,
                        kind: LinkKind::Index(Box::new(index)),
                    });
                    continue;
                }
                let (name, column) = match self.peek() {
                    Some(Token {
                        tok: Tok::Ident(name),
                        column,
                    }) => (name.clone(), *column),
                    Some(token) => {
                        return Err(self.unexpected(token.clone(), "a property name after `.`"));
                    }
                    None => {
                        return Err(self.error(
                            self.end_column,
                            ParseErrorKind::Unexpected {
                                expected: "a property name after `.`",
                                found: "the end of the expression".into(),
                            },
                        ));
                    }
                };
                self.at += 1;
                if self.peek_punct("(") {
                    let method = Method::named(&name).ok_or_else(|| {
                        self.error(
                            column,
                            ParseErrorKind::Unsupported(format!("the method `{name}`")),
                        )
                    })?;
                    self.at += 1;
                    let args = self.arguments(method, column)?;
                    links.push(Link {
                        optional,
                        kind: LinkKind::Call(method, args),
                    });
                } else {
                    links.push(Link {
                        optional,
                        kind: LinkKind::Member(name.into()),
                    });
                }
            } else if self.eat("[") {
                let index = self.expression()?;
                self.expect("]", "`]`")?;
                links.push(Link {
                    optional: false,
                    kind: LinkKind::Index(Box::new(index)),
                });
            } else if self.peek_punct("(") {
                return Err(self.error(
                    self.column(),
                    ParseErrorKind::Unsupported(
                        "calling anything but a listed method (`x.includes(…)`)".into(),
                    ),
                ));
            } else {
                break;
            }
        }
        if links.is_empty() {
            Ok(base)
        } else {
            Ok(Expr::Chain(Box::new(base), links))
        }
    }

    /// After `method(`: the arguments and the closing `)`.
    fn arguments(&mut self, method: Method, column: usize) -> Result<Args, ParseError> {
        let wrong = |expected| ParseError {
            column,
            kind: ParseErrorKind::Arguments {
                method: method.name(),
                expected,
            },
        };
        let args = match method.arity() {
            Arity::None => {
                if !self.peek_punct(")") {
                    return Err(wrong("no arguments"));
                }
                Args::None
            }
            Arity::One => {
                if self.peek_punct(")") || self.arrow_ahead() {
                    return Err(wrong("one argument, a value"));
                }
                Args::One(Box::new(self.expression()?))
            }
            Arity::Arrow => {
                if !self.arrow_ahead() {
                    return Err(wrong("one argument, an arrow function `x => …`"));
                }
                let parenthesized = self.eat("(");
                let Some(Token {
                    tok: Tok::Ident(name),
                    column: name_column,
                }) = self.peek().cloned()
                else {
                    return Err(wrong("one argument, an arrow function `x => …`"));
                };
                if RESERVED.contains(&name.as_str()) {
                    return Err(self.error(
                        name_column,
                        ParseErrorKind::Unexpected {
                            expected: "a parameter name",
                            found: format!("`{name}`"),
                        },
                    ));
                }
                self.at += 1;
                if parenthesized {
                    self.expect(")", "`)` after the parameter")?;
                }
                self.expect("=>", "`=>`")?;
                let name: Arc<str> = name.into();
                self.scope.push(name.clone());
                let body = self.expression();
                self.scope.pop();
                Args::Arrow(name, Box::new(body?))
            }
        };
        if self.peek_punct(",") {
            return Err(wrong(match method.arity() {
                Arity::None => "no arguments",
                Arity::One => "one argument, a value",
                Arity::Arrow => "one argument, an arrow function `x => …`",
            }));
        }
        self.expect(")", "`)` closing the arguments")?;
        Ok(args)
    }

    /// `x =>` or `(x) =>` next.
    fn arrow_ahead(&self) -> bool {
        let ident = |offset: usize| {
            matches!(
                self.tokens.get(self.at + offset),
                Some(Token {
                    tok: Tok::Ident(_),
                    ..
                })
            )
        };
        (ident(0) && self.peek_punct_at(1, "=>"))
            || (self.peek_punct("(")
                && ident(1)
                && self.peek_punct_at(2, ")")
                && self.peek_punct_at(3, "=>"))
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.error(
                self.end_column,
                ParseErrorKind::Unexpected {
                    expected: "a value",
                    found: "the end of the expression".into(),
                },
            ));
        };
        self.at += 1;
        let column = token.column;
        match token.tok {
            Tok::Num(number) => Ok(Expr::Num(number)),
            Tok::Str(text) => Ok(Expr::Str(text.into())),
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Bool(true)),
                "false" => Ok(Expr::Bool(false)),
                "null" => Ok(Expr::Null),
                _ if self.peek_punct("=>") => Err(self.error(
                    column,
                    ParseErrorKind::Unsupported(
                        "an arrow function outside `some`, `every`, `filter` or `map`".into(),
                    ),
                )),
                _ if self.scope.iter().any(|bound| **bound == *name) => {
                    Ok(Expr::Param(name.into()))
                }
                "event" => Ok(Expr::Event),
                "typeof" | "new" | "let" | "var" | "const" | "return" | "if" | "try"
                | "function" | "this" | "undefined" => {
                    Err(self.error(column, ParseErrorKind::Unsupported(format!("`{name}`"))))
                }
                _ => Err(self.error(column, ParseErrorKind::UnknownIdentifier(name))),
            },
            Tok::Punct("(") => {
                let inner = self.expression()?;
                self.expect(")", "`)`")?;
                Ok(inner)
            }
            Tok::Punct("[") => Err(self.error(
                column,
                ParseErrorKind::Unsupported("a list literal `[…]`".into()),
            )),
            Tok::Punct("{") => Err(self.error(
                column,
                ParseErrorKind::Unsupported("an object literal `{…}`".into()),
            )),
            Tok::Punct("+") => Err(self.error(
                column,
                ParseErrorKind::Unsupported("the unary operator `+`".into()),
            )),
            _ => Err(self.unexpected(token, "a value")),
        }
    }
}

fn compare_chain(first: Expr, rest: Vec<(Cmp, Expr)>) -> Expr {
    if rest.is_empty() {
        first
    } else {
        Expr::Compare(Box::new(first), rest)
    }
}

/// Operators Jira expressions (or JavaScript) have and the subset does not.
fn unsupported_operator(punct: &str) -> Option<&'static str> {
    Some(match punct {
        "+" => "the operator `+`",
        "-" => "the binary operator `-`",
        "*" => "the operator `*`",
        "/" => "the operator `/`",
        "%" => "the operator `%`",
        "===" => "the operator `===` (write `==`, which is strict)",
        "!==" => "the operator `!==` (write `!=`, which is strict)",
        "=" => "assignment `=`",
        ";" => "a statement separator `;`",
        "..." => "spread `...`",
        "&" | "|" | "^" | "~" => "bitwise operators",
        "=>" => "an arrow function outside `some`, `every`, `filter` or `map`",
        _ => return None,
    })
}

// ---------------------------------------------------------------- evaluation

/// A value during evaluation: borrowed from the payload where possible, so
/// member access copies nothing.
#[derive(Clone, Debug)]
enum Val<'a> {
    Json(&'a Value),
    Null,
    Bool(bool),
    Num(f64),
    Str(Arc<str>),
    List(Rc<Vec<Val<'a>>>),
}

/// A borrowed look at a [`Val`], whichever way it is held.
enum View<'v, 'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(&'v str),
    JsonList(&'a [Value]),
    List(&'v [Val<'a>]),
    Object(&'a Map<String, Value>),
}

impl<'a> Val<'a> {
    fn view(&self) -> View<'_, 'a> {
        match self {
            Val::Null => View::Null,
            Val::Bool(b) => View::Bool(*b),
            Val::Num(n) => View::Num(*n),
            Val::Str(s) => View::Str(s),
            Val::List(items) => View::List(items),
            Val::Json(value) => match value {
                Value::Null => View::Null,
                Value::Bool(b) => View::Bool(*b),
                // Integers beyond 2^53 lose precision, as in JavaScript.
                Value::Number(n) => View::Num(n.as_f64().unwrap_or(f64::NAN)),
                Value::String(s) => View::Str(s),
                Value::Array(items) => View::JsonList(items),
                Value::Object(map) => View::Object(map),
            },
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Val::Json(value) => (*value).clone(),
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => number_to_json(*n),
            Val::Str(s) => Value::String(s.to_string()),
            Val::List(items) => Value::Array(items.iter().map(Val::to_json).collect()),
        }
    }

    fn truthy(&self) -> bool {
        match self.view() {
            View::Null => false,
            View::Bool(b) => b,
            View::Num(n) => n != 0.0 && !n.is_nan(),
            View::Str(s) => !s.is_empty(),
            View::JsonList(_) | View::List(_) | View::Object(_) => true,
        }
    }
}

fn number_to_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

impl View<'_, '_> {
    fn type_name(&self) -> &'static str {
        match self {
            View::Null => "null",
            View::Bool(_) => "Boolean",
            View::Num(_) => "Number",
            View::Str(_) => "String",
            View::JsonList(_) | View::List(_) => "List",
            View::Object(_) => "Object",
        }
    }

    fn len(&self) -> Option<usize> {
        match self {
            View::JsonList(items) => Some(items.len()),
            View::List(items) => Some(items.len()),
            _ => None,
        }
    }
}

struct Eval<'a> {
    steps: u32,
    event: &'a Value,
    params: Vec<(Arc<str>, Val<'a>)>,
}

impl<'a> Eval<'a> {
    fn tick(&mut self, cost: usize) -> Result<(), EvalError> {
        let cost = u32::try_from(cost).unwrap_or(u32::MAX);
        self.steps = self.steps.saturating_add(cost);
        if self.steps > MAX_STEPS {
            return Err(EvalError::Budget);
        }
        Ok(())
    }

    /// One step, plus one per KiB of text a string operation scans.
    fn tick_text(&mut self, text: &str) -> Result<(), EvalError> {
        self.tick(1 + text.len() / 1024)
    }

    fn expr(&mut self, expr: &Expr) -> Result<Val<'a>, EvalError> {
        self.tick(1)?;
        Ok(match expr {
            Expr::Null => Val::Null,
            Expr::Bool(b) => Val::Bool(*b),
            Expr::Num(n) => Val::Num(*n),
            Expr::Str(s) => Val::Str(s.clone()),
            Expr::Event => Val::Json(self.event),
            Expr::Param(name) => self
                .params
                .iter()
                .rev()
                .find(|(bound, _)| bound == name)
                .map_or(Val::Null, |(_, value)| value.clone()),
            Expr::Not(inner) => Val::Bool(!self.expr(inner)?.truthy()),
            Expr::Neg(inner) => match self.expr(inner)?.view() {
                View::Num(n) => Val::Num(-n),
                other => return Err(EvalError::NotANumber(other.type_name())),
            },
            // The first falsy operand, else the last (JavaScript's `&&`).
            Expr::And(operands) => {
                let mut value = Val::Bool(true);
                for operand in operands {
                    value = self.expr(operand)?;
                    if !value.truthy() {
                        break;
                    }
                }
                value
            }
            // The first truthy operand, else the last (JavaScript's `||`).
            Expr::Or(operands) => {
                let mut value = Val::Bool(false);
                for operand in operands {
                    value = self.expr(operand)?;
                    if value.truthy() {
                        break;
                    }
                }
                value
            }
            // The first operand that is not `null`, else the last (`??`).
            Expr::Coalesce(operands) => {
                let mut value = Val::Null;
                for operand in operands {
                    value = self.expr(operand)?;
                    if !matches!(value.view(), View::Null) {
                        break;
                    }
                }
                value
            }
            Expr::Cond(condition, then, otherwise) => {
                if self.expr(condition)?.truthy() {
                    self.expr(then)?
                } else {
                    self.expr(otherwise)?
                }
            }
            Expr::Compare(first, rest) => {
                let mut left = self.expr(first)?;
                for (op, right) in rest {
                    let right = self.expr(right)?;
                    left = Val::Bool(self.compare(*op, &left, &right)?);
                }
                left
            }
            Expr::Chain(base, links) => {
                let mut value = self.expr(base)?;
                for link in links {
                    if link.optional && matches!(value.view(), View::Null) {
                        return Ok(Val::Null);
                    }
                    value = self.link(value, link)?;
                }
                value
            }
        })
    }

    fn compare(&mut self, op: Cmp, left: &Val<'a>, right: &Val<'a>) -> Result<bool, EvalError> {
        let (left, right) = (left.view(), right.view());
        match op {
            Cmp::Eq => self.equal(&left, &right),
            Cmp::Ne => self.equal(&left, &right).map(|equal| !equal),
            _ => {
                let ordering = match (&left, &right) {
                    (View::Num(a), View::Num(b)) => a.partial_cmp(b),
                    (View::Str(a), View::Str(b)) => {
                        self.tick_text(a)?;
                        // JavaScript compares UTF-16 code units.
                        Some(a.encode_utf16().cmp(b.encode_utf16()))
                    }
                    _ => {
                        return Err(EvalError::Incomparable(left.type_name(), right.type_name()));
                    }
                };
                // NaN compares false both ways, as in JavaScript.
                Ok(ordering.is_some_and(|ordering| match op {
                    Cmp::Lt => ordering.is_lt(),
                    Cmp::Le => ordering.is_le(),
                    Cmp::Gt => ordering.is_gt(),
                    _ => ordering.is_ge(),
                }))
            }
        }
    }

    /// Strict equality: no coercion; lists and objects are not compared.
    fn equal(&mut self, left: &View<'_, 'a>, right: &View<'_, 'a>) -> Result<bool, EvalError> {
        Ok(match (left, right) {
            (View::Null, View::Null) => true,
            (View::Bool(a), View::Bool(b)) => a == b,
            (View::Num(a), View::Num(b)) => a == b,
            (View::Str(a), View::Str(b)) => {
                self.tick_text(a)?;
                a == b
            }
            (
                View::JsonList(_) | View::List(_) | View::Object(_),
                View::JsonList(_) | View::List(_) | View::Object(_),
            ) => {
                return Err(EvalError::Incomparable(left.type_name(), right.type_name()));
            }
            _ => false,
        })
    }

    fn link(&mut self, value: Val<'a>, link: &Link) -> Result<Val<'a>, EvalError> {
        match &link.kind {
            LinkKind::Member(name) => self.member(&value, name),
            LinkKind::Index(index) => {
                let index = self.expr(index)?;
                self.index(&value, &index)
            }
            LinkKind::Call(method, args) => self.call(value, *method, args),
        }
    }

    fn member(&mut self, value: &Val<'a>, name: &str) -> Result<Val<'a>, EvalError> {
        match value.view() {
            View::Object(map) => Ok(map.get(name).map_or(Val::Null, Val::Json)),
            View::Str(s) if name == "length" => Ok(Val::Num(s.encode_utf16().count() as f64)),
            view @ (View::JsonList(_) | View::List(_)) if name == "length" => {
                Ok(Val::Num(view.len().unwrap_or(0) as f64))
            }
            View::Null => Err(EvalError::NoProperties("null")),
            other => Err(EvalError::NoSuchProperty {
                receiver: other.type_name(),
                name: name.to_owned(),
            }),
        }
    }

    fn index(&mut self, value: &Val<'a>, index: &Val<'a>) -> Result<Val<'a>, EvalError> {
        let (view, key) = (value.view(), index.view());
        match (&view, &key) {
            (View::Object(map), View::Str(key)) => Ok(map.get(*key).map_or(Val::Null, Val::Json)),
            (View::JsonList(_) | View::List(_), View::Num(n)) => {
                if n.fract() != 0.0 || *n < 0.0 {
                    return Ok(Val::Null);
                }
                let at = *n as usize;
                Ok(match view {
                    View::JsonList(items) => items.get(at).map_or(Val::Null, Val::Json),
                    View::List(items) => items.get(at).cloned().unwrap_or(Val::Null),
                    _ => Val::Null,
                })
            }
            (View::Null, _) => Err(EvalError::NoProperties("null")),
            _ => Err(EvalError::BadIndex {
                receiver: view.type_name(),
                index: key.type_name(),
            }),
        }
    }

    fn call(
        &mut self,
        receiver: Val<'a>,
        method: Method,
        args: &Args,
    ) -> Result<Val<'a>, EvalError> {
        let bad_receiver = |view: &View<'_, '_>| EvalError::BadReceiver {
            method: method.name(),
            receiver: view.type_name(),
        };
        let view = receiver.view();
        if let View::Str(text) = view {
            self.tick_text(text)?;
            let argument = match args {
                Args::One(argument) => Some(self.expr(argument)?),
                _ => None,
            };
            let needle = |argument: &Option<Val<'a>>| -> Result<Arc<str>, EvalError> {
                match argument.as_ref().map(Val::view) {
                    Some(View::Str(needle)) => Ok(needle.into()),
                    other => Err(EvalError::BadArgument {
                        method: method.name(),
                        expected: "a String",
                        got: other.map_or("nothing", |view| view.type_name()),
                    }),
                }
            };
            return Ok(match method {
                Method::Includes => Val::Bool(text.contains(&*needle(&argument)?)),
                Method::StartsWith => Val::Bool(text.starts_with(&*needle(&argument)?)),
                Method::EndsWith => Val::Bool(text.ends_with(&*needle(&argument)?)),
                Method::IndexOf => {
                    let needle = needle(&argument)?;
                    Val::Num(
                        text.find(&*needle)
                            .map_or(-1.0, |byte| text[..byte].encode_utf16().count() as f64),
                    )
                }
                Method::ToLowerCase => Val::Str(text.to_lowercase().into()),
                Method::ToUpperCase => Val::Str(text.to_uppercase().into()),
                Method::Trim => Val::Str(text.trim().into()),
                Method::Some | Method::Every | Method::Filter | Method::Map => {
                    return Err(bad_receiver(&view));
                }
            });
        }
        // Elements are fetched one at a time, each paid for in steps, so a
        // huge list in the payload costs nothing before the budget stops it.
        let len = match view {
            View::JsonList(items) => items.len(),
            View::List(items) => items.len(),
            View::Null => return Err(EvalError::NoProperties("null")),
            other => return Err(bad_receiver(&other)),
        };
        let item = |at: usize| -> Val<'a> {
            match &receiver {
                Val::Json(Value::Array(items)) => items.get(at).map_or(Val::Null, Val::Json),
                Val::List(items) => items.get(at).cloned().unwrap_or(Val::Null),
                _ => Val::Null,
            }
        };
        match (method, args) {
            (Method::Includes | Method::IndexOf, Args::One(argument)) => {
                let wanted = self.expr(argument)?;
                let wanted = wanted.view();
                let mut found = None;
                for at in 0..len {
                    self.tick(1)?;
                    let element = item(at);
                    let element = element.view();
                    let compound = |v: &View<'_, '_>| {
                        matches!(v, View::JsonList(_) | View::List(_) | View::Object(_))
                    };
                    // An element that is a list or object never equals a
                    // primitive; two compound values are not compared.
                    let equal = if compound(&element) && !compound(&wanted) {
                        false
                    } else {
                        self.equal(&element, &wanted)?
                    };
                    if equal {
                        found = Some(at);
                        break;
                    }
                }
                Ok(if method == Method::Includes {
                    Val::Bool(found.is_some())
                } else {
                    Val::Num(found.map_or(-1.0, |at| at as f64))
                })
            }
            (
                Method::Some | Method::Every | Method::Filter | Method::Map,
                Args::Arrow(name, body),
            ) => {
                let mut kept = Vec::new();
                for at in 0..len {
                    self.tick(1)?;
                    let item = item(at);
                    self.params.push((name.clone(), item.clone()));
                    let result = self.expr(body);
                    self.params.pop();
                    let result = result?;
                    match method {
                        Method::Some if result.truthy() => return Ok(Val::Bool(true)),
                        Method::Every if !result.truthy() => return Ok(Val::Bool(false)),
                        Method::Filter if result.truthy() => kept.push(item),
                        Method::Map => kept.push(result),
                        _ => {}
                    }
                }
                Ok(match method {
                    Method::Some => Val::Bool(false),
                    Method::Every => Val::Bool(true),
                    _ => Val::List(Rc::new(kept)),
                })
            }
            _ => Err(bad_receiver(&View::JsonList(&[]))),
        }
    }
}

#[cfg(test)]
mod tests;
