//! Reads tokens into a tree ([`super::ast`]) by precedence climbing, JavaScript's
//! precedence from the arrow function (loosest) to member access and calls
//! (tightest).
//!
//! Around the expression, the statements of Atlassian's grammar for Jira
//! expressions ("Jira expressions grammar", developer.atlassian.com): a
//! program, and each `{ … }` block, is variable declarations, each ended by
//! `;`, then its value, optionally after `return` and before a `;`:
//!
//! ```text
//! let_in      := ( "let"? IDENTIFIER "=" expression ";" )* "return"? body ";"?
//! body        := if | expression                  -- try/catch: not modelled
//! if          := "if" "(" expression ")" block ( "else" "if" "(" expression ")" block )* "else" block
//! block       := "{" let_in "}"
//! expression  := arrow | conditional              -- conditional over `??`, then `||`, …
//! ```
//!
//! An `if` always has its `else` (it is an expression: it has a value either
//! way), and a declaration is a binding for what follows it, not an
//! assignment: nothing can be assigned again.

use super::ast::{BinaryOperator, Kind, Node, UnaryOperator};
use super::error::ExpressionError;
use super::lexer::{Token, TokenKind, tokenize};
use super::limits::{MAX_EXPRESSION_CHARS, MAX_NESTING_DEPTH};

/// The tree of `text`: the whole text must be one expression.
pub(crate) fn parse(text: &str) -> Result<Node, ExpressionError> {
    let length = text.chars().count();
    if length > MAX_EXPRESSION_CHARS {
        return Err(ExpressionError::TooLong(length));
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        next: 0,
        nesting: 0,
    };
    let node = parser.let_in()?;
    match parser.peek() {
        TokenKind::End => Ok(node),
        _ => Err(parser.expected("an operator or the end of the expression")),
    }
}

/// Binary operators by precedence level, loosest first. Each level is
/// left-associative.
const LEVELS: &[&[(&str, BinaryOperator)]] = &[
    &[("??", BinaryOperator::Coalesce)],
    &[("||", BinaryOperator::Or)],
    &[("&&", BinaryOperator::And)],
    &[
        ("==", BinaryOperator::Equal),
        ("===", BinaryOperator::Equal),
        ("!=", BinaryOperator::NotEqual),
        ("!==", BinaryOperator::NotEqual),
    ],
    &[
        ("<", BinaryOperator::Less),
        ("<=", BinaryOperator::LessOrEqual),
        (">", BinaryOperator::Greater),
        (">=", BinaryOperator::GreaterOrEqual),
    ],
    &[("+", BinaryOperator::Add), ("-", BinaryOperator::Subtract)],
    &[
        ("*", BinaryOperator::Multiply),
        ("/", BinaryOperator::Divide),
        ("%", BinaryOperator::Remainder),
    ],
];

/// Punctuation JavaScript (and so Jira) reads that the simulator does not.
const NOT_MODELLED_PUNCTUATION: &[(&str, &str)] = &[("...", "the spread operator (...)")];

/// What may start a value, in the words of Jira's syntax errors.
const PRIMARY_EXPECTED: &str =
    "!, -, typeof, (, IDENTIFIER, null, true, false, NUMBER, STRING, TEMPLATE_LITERAL, new, [ or {";

/// Words the grammar gives a meaning: never a variable's name.
const RESERVED: &[&str] = &[
    "true", "false", "null", "let", "return", "if", "else", "try", "catch", "throw", "new",
    "typeof",
];

/// The token past the last: what an empty token list (which the lexer never
/// makes) would read as.
static END: Token = Token {
    kind: TokenKind::End,
    start: 0,
    end: 0,
    line: 1,
    column: 1,
};

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// How many levels of [`Parser::expression`] and [`Parser::unary`] are on the
    /// stack: the bound on recursion ([`MAX_NESTING_DEPTH`]).
    nesting: usize,
}

impl Parser {
    /// The next token; past the end, the end (the lexer ends its list with
    /// `End`, which is never consumed, so this holds however far one looks).
    fn token(&self) -> &Token {
        self.token_at(0)
    }

    fn token_at(&self, ahead: usize) -> &Token {
        self.tokens
            .get(self.next.saturating_add(ahead))
            .or_else(|| self.tokens.last())
            .unwrap_or(&END)
    }

    fn peek(&self) -> &TokenKind {
        &self.token().kind
    }

    fn peek_at(&self, ahead: usize) -> &TokenKind {
        &self.token_at(ahead).kind
    }

    fn advance(&mut self) -> Token {
        let token = self.token().clone();
        if token.kind != TokenKind::End {
            self.next += 1;
        }
        token
    }

    fn is(&self, punct: &str) -> bool {
        matches!(self.peek(), TokenKind::Punct(p) if *p == punct)
    }

    fn eat(&mut self, punct: &str) -> bool {
        let found = self.is(punct);
        if found {
            self.advance();
        }
        found
    }

    /// End offset of the last token consumed.
    fn last_end(&self) -> usize {
        self.next
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.end)
    }

    fn expect(&mut self, punct: &str) -> Result<(), ExpressionError> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(self.expected(punct))
        }
    }

    /// A syntax error at the next token, in the form of Jira's: "`what` expected,
    /// `found` encountered." Punctuation Jira reads but the simulator does not is
    /// said to be not modelled instead.
    fn expected(&self, what: &str) -> ExpressionError {
        let token = self.token();
        if let TokenKind::Punct(p) = &token.kind
            && let Some((_, name)) = NOT_MODELLED_PUNCTUATION.iter().find(|(q, _)| q == p)
        {
            return ExpressionError::not_modelled(*name, None);
        }
        ExpressionError::syntax(
            token.line,
            token.column,
            format!("{what} expected, {} encountered.", token.kind.describe()),
        )
    }

    /// Runs `parse` one level of recursion deeper, refusing to go deeper than
    /// [`MAX_NESTING_DEPTH`].
    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, ExpressionError>,
    ) -> Result<T, ExpressionError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING_DEPTH {
            return Err(self.too_deep());
        }
        let parsed = parse(self);
        self.nesting -= 1;
        parsed
    }

    fn too_deep(&self) -> ExpressionError {
        let token = self.token();
        ExpressionError::syntax(
            token.line,
            token.column,
            format!("the expression nests deeper than {MAX_NESTING_DEPTH} levels."),
        )
    }

    /// A node, refused if the tree under it is deeper than [`MAX_NESTING_DEPTH`]
    /// (an operator or member chain grows the tree without recursing).
    fn node(&self, kind: Kind, start: usize, end: usize) -> Result<Node, ExpressionError> {
        let node = Node::new(kind, start, end);
        if node.depth > MAX_NESTING_DEPTH {
            return Err(self.too_deep());
        }
        Ok(node)
    }

    fn is_word(&self, ahead: usize, word: &str) -> bool {
        matches!(self.peek_at(ahead), TokenKind::Identifier(name) if name == word)
    }

    /// Declarations, then the value (see the module documentation): the
    /// whole program, or a block's inside.
    fn let_in(&mut self) -> Result<Node, ExpressionError> {
        self.nested(Self::let_in_inner)
    }

    fn let_in_inner(&mut self) -> Result<Node, ExpressionError> {
        let start = self.token().start;
        let declared = self.is_word(0, "let")
            || (matches!(self.peek(), TokenKind::Identifier(_))
                && matches!(self.peek_at(1), TokenKind::Punct("=")));
        if declared {
            if self.is_word(0, "let") {
                self.advance();
            }
            let name = self.variable_name()?;
            self.expect("=")?;
            let value = self.expression()?;
            self.expect(";")?;
            let body = self.let_in()?;
            return self.node(
                Kind::Let {
                    name,
                    value: Box::new(value),
                    body: Box::new(body),
                },
                start,
                self.last_end(),
            );
        }
        if self.is_word(0, "return") {
            self.advance();
        }
        let body = if self.is_word(0, "if") && matches!(self.peek_at(1), TokenKind::Punct("(")) {
            self.if_statement()?
        } else if self.is_word(0, "try") && matches!(self.peek_at(1), TokenKind::Punct("{")) {
            return Err(ExpressionError::not_modelled("try and catch", None));
        } else {
            self.expression()?
        };
        self.eat(";");
        Ok(body)
    }

    /// A declared variable's name: an identifier that is not a reserved word.
    fn variable_name(&mut self) -> Result<String, ExpressionError> {
        match self.peek() {
            TokenKind::Identifier(name) if !RESERVED.contains(&name.as_str()) => self.identifier(),
            _ => Err(self.expected("IDENTIFIER")),
        }
    }

    /// `if (test) { … } else if (test) { … } else { … }`: a conditional.
    fn if_statement(&mut self) -> Result<Node, ExpressionError> {
        self.nested(Self::if_inner)
    }

    fn if_inner(&mut self) -> Result<Node, ExpressionError> {
        let start = self.token().start;
        self.advance();
        self.expect("(")?;
        let test = self.expression()?;
        self.expect(")")?;
        let then = self.block()?;
        if !self.is_word(0, "else") {
            return Err(self.expected("else"));
        }
        self.advance();
        let otherwise = if self.is_word(0, "if") && matches!(self.peek_at(1), TokenKind::Punct("("))
        {
            self.if_statement()?
        } else {
            self.block()?
        };
        self.node(
            Kind::Conditional {
                test: Box::new(test),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            start,
            self.last_end(),
        )
    }

    fn block(&mut self) -> Result<Node, ExpressionError> {
        self.expect("{")?;
        let inner = self.let_in()?;
        self.expect("}")?;
        Ok(inner)
    }

    fn expression(&mut self) -> Result<Node, ExpressionError> {
        self.nested(|p| {
            if p.arrow_ahead() {
                p.arrow()
            } else {
                p.conditional()
            }
        })
    }

    /// Whether an arrow function starts here: `x =>`, `() =>`, `(a, b) =>`.
    fn arrow_ahead(&self) -> bool {
        match self.peek() {
            TokenKind::Identifier(_) => matches!(self.peek_at(1), TokenKind::Punct("=>")),
            TokenKind::Punct("(") => {
                let mut ahead = 1;
                loop {
                    match self.peek_at(ahead) {
                        TokenKind::Punct(")") => {
                            return matches!(self.peek_at(ahead + 1), TokenKind::Punct("=>"));
                        }
                        TokenKind::Identifier(_) => {}
                        _ => return false,
                    }
                    ahead += 1;
                    match self.peek_at(ahead) {
                        TokenKind::Punct(",") => ahead += 1,
                        TokenKind::Punct(")") => {}
                        _ => return false,
                    }
                }
            }
            _ => false,
        }
    }

    fn arrow(&mut self) -> Result<Node, ExpressionError> {
        let start = self.token().start;
        let mut parameters = Vec::new();
        if self.eat("(") {
            while !self.eat(")") {
                parameters.push(self.identifier()?);
                if !self.is(")") {
                    self.expect(",")?;
                }
            }
        } else {
            parameters.push(self.identifier()?);
        }
        self.expect("=>")?;
        let body = self.expression()?;
        self.node(
            Kind::Arrow {
                parameters,
                body: Box::new(body),
            },
            start,
            self.last_end(),
        )
    }

    fn identifier(&mut self) -> Result<String, ExpressionError> {
        match self.peek().clone() {
            TokenKind::Identifier(name) => {
                self.advance();
                Ok(name)
            }
            _ => Err(self.expected("IDENTIFIER")),
        }
    }

    fn conditional(&mut self) -> Result<Node, ExpressionError> {
        let start = self.token().start;
        let test = self.binary(0)?;
        if !self.eat("?") {
            return Ok(test);
        }
        let then = self.expression()?;
        self.expect(":")?;
        let otherwise = self.expression()?;
        self.node(
            Kind::Conditional {
                test: Box::new(test),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            start,
            self.last_end(),
        )
    }

    fn binary(&mut self, level: usize) -> Result<Node, ExpressionError> {
        let Some(operators) = LEVELS.get(level) else {
            return self.unary();
        };
        let start = self.token().start;
        let mut left = self.binary(level + 1)?;
        loop {
            let TokenKind::Punct(p) = self.peek() else {
                return Ok(left);
            };
            let Some((_, operator)) = operators.iter().find(|(q, _)| q == p) else {
                return Ok(left);
            };
            let operator = *operator;
            self.advance();
            let right = self.binary(level + 1)?;
            left = self.node(
                Kind::Binary {
                    operator,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                start,
                self.last_end(),
            )?;
        }
    }

    fn unary(&mut self) -> Result<Node, ExpressionError> {
        let start = self.token().start;
        let operator = match self.peek() {
            TokenKind::Punct("!") => Some(UnaryOperator::Not),
            TokenKind::Punct("-") => Some(UnaryOperator::Negate),
            TokenKind::Punct("+") => Some(UnaryOperator::Plus),
            TokenKind::Identifier(name) if name == "typeof" => Some(UnaryOperator::TypeOf),
            _ => None,
        };
        let Some(operator) = operator else {
            return self.postfix();
        };
        self.advance();
        let operand = self.nested(Self::unary)?;
        self.node(
            Kind::Unary {
                operator,
                operand: Box::new(operand),
            },
            start,
            self.last_end(),
        )
    }

    /// A primary expression followed by member accesses, indexes and calls,
    /// each of which may be optional (`?.name`, `?.[index]`, `?.(arguments)`):
    /// a chain with one is wrapped in [`Kind::OptionalChain`].
    fn postfix(&mut self) -> Result<Node, ExpressionError> {
        let start = self.token().start;
        let mut node = self.primary()?;
        let mut any_optional = false;
        loop {
            let optional = self.eat("?.");
            any_optional |= optional;
            let kind = if self.eat("[") {
                let index = self.expression()?;
                self.expect("]")?;
                Kind::Index {
                    object: Box::new(node),
                    index: Box::new(index),
                    optional,
                }
            } else if self.eat("(") {
                let arguments = self.list_of(")")?;
                Kind::Call {
                    callee: Box::new(node),
                    arguments,
                    optional,
                }
            } else if optional || self.eat(".") {
                Kind::Member {
                    object: Box::new(node),
                    property: self.identifier()?,
                    optional,
                }
            } else {
                break;
            };
            node = self.node(kind, start, self.last_end())?;
        }
        if any_optional {
            node = self.node(Kind::OptionalChain(Box::new(node)), start, self.last_end())?;
        }
        Ok(node)
    }

    /// Expressions separated by commas up to `close` (consumed); a trailing
    /// comma is allowed, as in JavaScript.
    fn list_of(&mut self, close: &str) -> Result<Vec<Node>, ExpressionError> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.expression()?);
            if !self.is(close) {
                self.expect(",")?;
            }
        }
        Ok(items)
    }

    fn primary(&mut self) -> Result<Node, ExpressionError> {
        let token = self.token().clone();
        let kind = match token.kind {
            TokenKind::Number(n) => {
                self.advance();
                Kind::Number(n)
            }
            TokenKind::String(s) => {
                self.advance();
                Kind::String(s)
            }
            TokenKind::Identifier(name) => {
                self.advance();
                match name.as_str() {
                    "true" => Kind::Bool(true),
                    "false" => Kind::Bool(false),
                    "null" => Kind::Null,
                    "new" => {
                        let class = self.identifier()?;
                        let arguments = if self.eat("(") {
                            self.list_of(")")?
                        } else {
                            Vec::new()
                        };
                        Kind::New { class, arguments }
                    }
                    "throw" | "try" => {
                        return Err(ExpressionError::not_modelled("throw, try and catch", None));
                    }
                    // Statement words where a value belongs (`1 + let`): refused
                    // as Jira's parser refuses them.
                    "let" | "return" | "if" | "else" | "catch" => {
                        return Err(ExpressionError::syntax(
                            token.line,
                            token.column,
                            format!("{PRIMARY_EXPECTED} expected, {name} encountered."),
                        ));
                    }
                    _ => Kind::Identifier(name),
                }
            }
            TokenKind::Template {
                text,
                opens: true,
                closes,
            } => {
                self.advance();
                if closes {
                    Kind::String(text)
                } else {
                    self.template(text, token.start)?
                }
            }
            TokenKind::Punct("(") => {
                self.advance();
                let inner = self.expression()?;
                self.expect(")")?;
                return Ok(inner);
            }
            TokenKind::Punct("[") => {
                self.advance();
                Kind::List(self.list_of("]")?)
            }
            TokenKind::Punct("{") => {
                self.advance();
                Kind::Object(self.object_entries()?)
            }
            _ => {
                return Err(self.expected(PRIMARY_EXPECTED));
            }
        };
        self.node(kind, token.start, self.last_end())
    }

    /// The rest of a template literal whose first piece, `head`, opened a
    /// substitution: substitutions and the pieces between them, to the piece
    /// that closes it.
    fn template(&mut self, head: String, start: usize) -> Result<Kind, ExpressionError> {
        let mut parts = vec![self.node(Kind::String(head), start, self.last_end())?];
        loop {
            parts.push(self.expression()?);
            let token = self.token().clone();
            let TokenKind::Template {
                text,
                opens: false,
                closes,
            } = token.kind
            else {
                return Err(self.expected("}"));
            };
            self.advance();
            parts.push(self.node(Kind::String(text), token.start, token.end)?);
            if closes {
                return Ok(Kind::Template(parts));
            }
        }
    }

    /// `key: value` pairs up to `}`: a key is an identifier or a string, and
    /// `{ key }` is short for `{ key: key }`.
    fn object_entries(&mut self) -> Result<Vec<(String, Node)>, ExpressionError> {
        let mut entries = Vec::new();
        while !self.eat("}") {
            let token = self.token().clone();
            let key = match &token.kind {
                TokenKind::Identifier(name) => name.clone(),
                TokenKind::String(s) => s.clone(),
                _ => return Err(self.expected("IDENTIFIER or STRING")),
            };
            self.advance();
            let value = if self.eat(":") {
                self.expression()?
            } else if matches!(token.kind, TokenKind::Identifier(_)) {
                self.node(Kind::Identifier(key.clone()), token.start, token.end)?
            } else {
                return Err(self.expected(":"));
            };
            entries.push((key, value));
            if !self.is("}") {
                self.expect(",")?;
            }
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(node: &Node, text: &str) -> String {
        match &node.kind {
            Kind::Binary {
                operator,
                left,
                right,
            } => format!(
                "({:?} {} {})",
                operator,
                shape(left, text),
                shape(right, text)
            ),
            Kind::Conditional {
                test,
                then,
                otherwise,
            } => format!(
                "(? {} {} {})",
                shape(test, text),
                shape(then, text),
                shape(otherwise, text)
            ),
            _ => node.source(text).to_owned(),
        }
    }

    fn parsed(text: &str) -> String {
        shape(&parse(text).expect("parses"), text)
    }

    #[test]
    fn precedence_and_associativity_follow_javascript() {
        assert_eq!(parsed("1 + 2 * 3"), "(Add 1 (Multiply 2 3))");
        assert_eq!(parsed("1 - 2 - 3"), "(Subtract (Subtract 1 2) 3)");
        assert_eq!(parsed("a || b && c == d"), "(Or a (And b (Equal c d)))");
        assert_eq!(parsed("a ? b : c ? d : e"), "(? a b (? c d e))");
        assert_eq!(parsed("a < b === true"), "(Equal (Less a b) true)");
    }

    #[test]
    fn arrows_members_calls_and_literals_parse() {
        let node = parse("issues.map((i, n) => { key: i.key, n })[0]['key']").expect("parses");
        let Kind::Index { object, .. } = &node.kind else {
            panic!("an index: {node:?}");
        };
        let Kind::Index { object, .. } = &object.kind else {
            panic!("an index");
        };
        let Kind::Call {
            callee, arguments, ..
        } = &object.kind
        else {
            panic!("a call");
        };
        assert!(matches!(&callee.kind, Kind::Member { property, .. } if property == "map"));
        let Kind::Arrow { parameters, body } = &arguments[0].kind else {
            panic!("an arrow");
        };
        assert_eq!(parameters, &["i", "n"]);
        let Kind::Object(entries) = &body.kind else {
            panic!("an object");
        };
        assert_eq!(entries[1].0, "n");
        assert!(parse("x => x").is_ok());
        assert!(parse("() => 1").is_ok());
        assert!(parse("[1, 2,]").is_ok());
        assert!(parse("(1 + 2) * 3").is_ok());
    }

    #[test]
    fn syntax_errors_say_what_was_expected_and_where() {
        assert_eq!(
            parse("1 +").unwrap_err(),
            ExpressionError::syntax(
                1,
                4,
                "!, -, typeof, (, IDENTIFIER, null, true, false, NUMBER, STRING, TEMPLATE_LITERAL, new, [ or { \
                 expected, end of expression encountered."
            )
        );
        assert_eq!(
            parse("(1").unwrap_err(),
            ExpressionError::syntax(1, 3, ") expected, end of expression encountered.")
        );
        assert!(matches!(parse("a b"), Err(ExpressionError::Syntax { .. })));
        assert!(matches!(parse(""), Err(ExpressionError::Syntax { .. })));
        assert!(matches!(
            parse("{1: 2}"),
            Err(ExpressionError::Syntax { .. })
        ));
    }

    #[test]
    fn what_jira_reads_but_the_simulator_does_not_is_said_so() {
        for text in [
            "[...a]",
            "try { 1 } catch (e) { 2 }",
            "let x = 1; try { x } catch { 0 }",
            "a ? throw 1 : 2",
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.is_not_modelled(), "{text}: {error:?}");
        }
    }

    #[test]
    fn constructors_bind_their_arguments_before_a_member_chain() {
        let node = parse("new Date('2026-01-31').plusDays(1)").expect("parses");
        let Kind::Call { callee, .. } = &node.kind else {
            panic!("a call: {node:?}");
        };
        let Kind::Member {
            object, property, ..
        } = &callee.kind
        else {
            panic!("a member");
        };
        assert_eq!(property, "plusDays");
        assert!(
            matches!(&object.kind, Kind::New { class, arguments } if class == "Date" && arguments.len() == 1)
        );
        assert!(matches!(
            parse("new Date").map(|n| n.kind),
            Ok(Kind::New { arguments, .. }) if arguments.is_empty()
        ));
        assert!(matches!(
            parse("new 1"),
            Err(ExpressionError::Syntax { .. })
        ));
        assert!(matches!(
            parse("new Date("),
            Err(ExpressionError::Syntax { .. })
        ));
    }

    #[test]
    fn declarations_ifs_and_returns_follow_jiras_grammar() {
        for text in [
            "let x = 1; x",
            "x = 1; y = x; return x + y;",
            "return 1",
            "1;",
            "let a = 1; if (a > 0) { 'yes' } else if (a < 0) { 'no' } else { let z = 0; z }",
            "if (true) { return 1; } else { 2 }",
            "a?.b?.[0]?.(1)",
            "a ?? b || c",
        ] {
            assert!(parse(text).is_ok(), "{text}: {:?}", parse(text));
        }
        // Jira's grammar has no assignment, no statement after the value, no
        // `if` without `else`, no declaration without its `;`, and no reserved
        // word as a name.
        for text in [
            "a = 1",
            "1; 2",
            "let x = 1 x",
            "if (a) { 1 }",
            "let true = 1; true",
            "let if = 1; 2",
            "1 + let",
            "return return 1",
            "a.b = 1; 2",
            "{ let x = 1; x }",
        ] {
            assert!(
                matches!(parse(text), Err(ExpressionError::Syntax { .. })),
                "{text}: {:?}",
                parse(text)
            );
        }
        assert_eq!(parsed("a ?? b || c"), "(Coalesce a (Or b c))");
        // Room for what people write: thirty declarations, twenty `else if`s.
        let declarations: String = (0..30).map(|i| format!("let v{i} = {i}; ")).collect();
        assert!(parse(&format!("{declarations}v29")).is_ok());
        let branches = "if (a == 1) { 1 } else ".repeat(20);
        assert!(parse(&format!("{branches}{{ 0 }}")).is_ok());
    }

    #[test]
    fn hostile_nesting_is_refused_not_overflowed() {
        for text in [
            format!("{}1{}", "(".repeat(450), ")".repeat(450)),
            format!("{}1", "!".repeat(900)),
            format!("{}1", "-".repeat(900)),
            format!("a{}", ".b".repeat(400)),
            format!("1{}", " + 1".repeat(200)),
            format!("{}1{}", "[".repeat(400), "]".repeat(400)),
            format!("{}1", "x => ".repeat(150)),
            "a(".repeat(400),
            format!("{}a", "a = 1; ".repeat(120)),
            format!("{}1{}", "if(a){".repeat(70), "}else{2}".repeat(70)),
            format!("{}1", "if(a){1}else ".repeat(70)),
        ] {
            let error = parse(&text).unwrap_err();
            assert!(
                matches!(&error, ExpressionError::Syntax { message, .. } if message.contains("nests deeper")),
                "{}…: {error:?}",
                &text[..20]
            );
        }
        // Nesting within the bound parses.
        assert!(parse(&format!("{}1{}", "(".repeat(60), ")".repeat(60))).is_ok());
    }

    #[test]
    fn the_length_limit_counts_characters() {
        assert!(parse(&format!("'{}'", "é".repeat(998))).is_ok());
        assert_eq!(
            parse(&format!("'{}'", "é".repeat(999))).unwrap_err(),
            ExpressionError::TooLong(1001)
        );
    }
}
