//! Splits an expression into tokens: JavaScript's literals, identifiers and the
//! punctuation of the subset the parser reads.

use super::error::ExpressionError;

/// A token and where it sits in the text: `start..end` are byte offsets on
/// character boundaries (so slicing the text there never panics), `line` and
/// `column` count characters from 1 for error messages.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    Number(f64),
    String(String),
    Identifier(String),
    /// Punctuation and operators, as written (`=>`, `&&`, `(` …).
    Punct(&'static str),
    /// A piece of a template literal's text (escapes applied): `` `a${ `` is
    /// a piece that `opens` (the literal's start) and does not `close` (a
    /// substitution follows); `` }b` `` one that closes; `` `ab` `` both.
    Template {
        text: String,
        opens: bool,
        closes: bool,
    },
    End,
}

impl TokenKind {
    /// How a syntax error names the token it met.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Number(_) => String::from("NUMBER"),
            Self::String(_) => String::from("STRING"),
            Self::Identifier(name) => name.clone(),
            Self::Punct(p) => (*p).to_owned(),
            Self::Template { .. } => String::from("TEMPLATE_LITERAL"),
            Self::End => String::from("end of expression"),
        }
    }
}

/// Operators and punctuation, longest first so `===` is not read as `==` `=`.
const PUNCTUATION: &[&str] = &[
    "===", "!==", "...", "=>", "==", "!=", "<=", ">=", "&&", "||", "?.", "??", "(", ")", "[", "]",
    "{", "}", ",", ".", ":", "?", "+", "-", "*", "/", "%", "!", "<", ">", "=", ";",
];

struct Cursor<'t> {
    text: &'t str,
    /// Byte offset of the next character.
    at: usize,
    line: usize,
    column: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.text.get(self.at..)?.chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.text.get(self.at..)?.chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn rest(&self) -> &str {
        self.text.get(self.at..).unwrap_or("")
    }

    fn error(&self, message: impl Into<String>) -> ExpressionError {
        ExpressionError::syntax(self.line, self.column, message)
    }
}

/// The tokens of `text`, ending with [`TokenKind::End`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, ExpressionError> {
    let mut cursor = Cursor {
        text,
        at: 0,
        line: 1,
        column: 1,
    };
    let mut tokens = Vec::new();
    // For each template substitution open (`${` … `}`), the braces opened
    // inside it and not yet closed: its own `}` is the one met at zero.
    let mut substitutions: Vec<usize> = Vec::new();
    loop {
        while cursor.peek().is_some_and(char::is_whitespace) {
            cursor.bump();
        }
        let (start, line, column) = (cursor.at, cursor.line, cursor.column);
        let Some(c) = cursor.peek() else {
            tokens.push(Token {
                kind: TokenKind::End,
                start,
                end: start,
                line,
                column,
            });
            return Ok(tokens);
        };
        let kind = if c.is_ascii_digit()
            || (c == '.' && cursor.peek_second().is_some_and(|d| d.is_ascii_digit()))
        {
            number(&mut cursor)?
        } else if c == '\'' || c == '"' {
            string(&mut cursor, c)?
        } else if c == '`' {
            cursor.bump();
            let (text, closes) = template_piece(&mut cursor, line, column)?;
            if !closes {
                substitutions.push(0);
            }
            TokenKind::Template {
                text,
                opens: true,
                closes,
            }
        } else if c == '}' && substitutions.last() == Some(&0) {
            cursor.bump();
            substitutions.pop();
            let (text, closes) = template_piece(&mut cursor, line, column)?;
            if !closes {
                substitutions.push(0);
            }
            TokenKind::Template {
                text,
                opens: false,
                closes,
            }
        } else if c == '/' && matches!(cursor.peek_second(), Some('/' | '*')) {
            return Err(ExpressionError::not_modelled("comments", None));
        } else if is_identifier_start(c) {
            let mut name = String::new();
            while let Some(c) = cursor.peek().filter(|c| is_identifier_part(*c)) {
                name.push(c);
                cursor.bump();
            }
            TokenKind::Identifier(name)
        } else if let Some(p) = PUNCTUATION.iter().find(|p| {
            // `a ? .5 : 1` is a conditional, not optional chaining: JavaScript
            // reads `?.` before a digit as `?` and a number.
            cursor.rest().starts_with(**p)
                && !(**p == "?."
                    && cursor
                        .rest()
                        .get(2..)
                        .is_some_and(|after| after.starts_with(|c: char| c.is_ascii_digit())))
        }) {
            for _ in 0..p.len() {
                cursor.bump();
            }
            if let Some(open) = substitutions.last_mut() {
                match *p {
                    "{" => *open += 1,
                    "}" => *open = open.saturating_sub(1),
                    _ => {}
                }
            }
            TokenKind::Punct(p)
        } else {
            return Err(cursor.error(format!("unexpected character '{c}'.")));
        };
        tokens.push(Token {
            kind,
            start,
            end: cursor.at,
            line,
            column,
        });
    }
}

fn is_identifier_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_identifier_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// A decimal number: digits, an optional fraction and exponent. Read as a
/// JavaScript number (an `f64`): a literal too large becomes `Infinity`, as in
/// JavaScript, never an overflow.
fn number(cursor: &mut Cursor<'_>) -> Result<TokenKind, ExpressionError> {
    let start = cursor.at;
    let digits = |cursor: &mut Cursor<'_>| {
        while cursor.peek().is_some_and(|c| c.is_ascii_digit()) {
            cursor.bump();
        }
    };
    digits(cursor);
    if cursor.peek() == Some('.') && cursor.peek_second().is_some_and(|c| c.is_ascii_digit()) {
        cursor.bump();
        digits(cursor);
    }
    if matches!(cursor.peek(), Some('e' | 'E')) {
        cursor.bump();
        if matches!(cursor.peek(), Some('+' | '-')) {
            cursor.bump();
        }
        if !cursor.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Err(cursor.error("a digit expected in the number's exponent."));
        }
        digits(cursor);
    }
    if cursor.peek().is_some_and(is_identifier_part) {
        return Err(cursor.error("an identifier cannot start right after a number."));
    }
    let text = cursor.text.get(start..cursor.at).unwrap_or("");
    text.parse::<f64>()
        .map(TokenKind::Number)
        .map_err(|_| cursor.error(format!("'{text}' is not a number.")))
}

/// A quoted string, with JavaScript's common escapes.
fn string(cursor: &mut Cursor<'_>, quote: char) -> Result<TokenKind, ExpressionError> {
    let (line, column) = (cursor.line, cursor.column);
    cursor.bump();
    let mut value = String::new();
    loop {
        match cursor.bump() {
            None | Some('\n') => {
                return Err(ExpressionError::syntax(
                    line,
                    column,
                    "unterminated string.",
                ));
            }
            Some(c) if c == quote => return Ok(TokenKind::String(value)),
            Some('\\') => value.push(escape(cursor)?),
            Some(c) => value.push(c),
        }
    }
}

/// A template literal's text up to its closing backtick (`true`) or the `${`
/// of a substitution (`false`), both consumed; line breaks are part of the
/// text, as in JavaScript. `line` and `column` are where the literal began.
fn template_piece(
    cursor: &mut Cursor<'_>,
    line: usize,
    column: usize,
) -> Result<(String, bool), ExpressionError> {
    let mut text = String::new();
    loop {
        match cursor.bump() {
            None => {
                return Err(ExpressionError::syntax(
                    line,
                    column,
                    "unterminated template literal.",
                ));
            }
            Some('`') => return Ok((text, true)),
            Some('$') if cursor.peek() == Some('{') => {
                cursor.bump();
                return Ok((text, false));
            }
            Some('\\') => text.push(escape(cursor)?),
            Some(c) => text.push(c),
        }
    }
}

fn escape(cursor: &mut Cursor<'_>) -> Result<char, ExpressionError> {
    Ok(match cursor.bump() {
        Some('n') => '\n',
        Some('t') => '\t',
        Some('r') => '\r',
        Some('b') => '\u{8}',
        Some('f') => '\u{c}',
        Some('v') => '\u{b}',
        Some('0') => '\0',
        Some('u') => {
            let mut code = 0u32;
            for _ in 0..4 {
                let digit = cursor
                    .bump()
                    .and_then(|c| c.to_digit(16))
                    .ok_or_else(|| cursor.error("four hex digits expected after \\u."))?;
                code = code * 16 + digit;
            }
            // A lone surrogate half is no character: JavaScript keeps it in a
            // UTF-16 string, Rust's strings cannot, so it becomes U+FFFD.
            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
        }
        Some(c) => c,
        None => return Err(cursor.error("unterminated string.")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text)
            .expect("lexes")
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn reads_literals_identifiers_and_operators() {
        assert_eq!(
            kinds("a.b >= 1.5e2 && 'x\\'y' !== \"z\""),
            vec![
                TokenKind::Identifier(String::from("a")),
                TokenKind::Punct("."),
                TokenKind::Identifier(String::from("b")),
                TokenKind::Punct(">="),
                TokenKind::Number(150.0),
                TokenKind::Punct("&&"),
                TokenKind::String(String::from("x'y")),
                TokenKind::Punct("!=="),
                TokenKind::String(String::from("z")),
                TokenKind::End,
            ]
        );
    }

    #[test]
    fn a_question_mark_before_a_fraction_is_a_conditional() {
        assert_eq!(
            kinds("a?.5:1")[1..3],
            [TokenKind::Punct("?"), TokenKind::Number(0.5)]
        );
        assert_eq!(kinds("a?.b")[1], TokenKind::Punct("?."));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let tokens = tokenize("'é€' +\n  x").expect("lexes");
        assert_eq!((tokens[1].line, tokens[1].column), (1, 6));
        assert_eq!((tokens[2].line, tokens[2].column), (2, 3));
        let text = "'é€' + x";
        for token in &tokens {
            assert!(text.is_char_boundary(token.start.min(text.len())));
        }
    }

    #[test]
    fn a_huge_number_is_infinity_not_an_overflow() {
        let huge = "9".repeat(400);
        assert_eq!(kinds(&huge)[0], TokenKind::Number(f64::INFINITY));
    }

    #[test]
    fn escapes_and_non_ascii_survive() {
        assert_eq!(
            kinds(r"'\u00e9\n日本\ud800'")[0],
            TokenKind::String(String::from("é\n日本\u{fffd}"))
        );
    }

    #[test]
    fn malformed_input_is_a_syntax_error_with_its_place() {
        assert_eq!(
            tokenize("1 + 'abc").unwrap_err(),
            ExpressionError::syntax(1, 5, "unterminated string.")
        );
        assert_eq!(
            tokenize("a # b").unwrap_err(),
            ExpressionError::syntax(1, 3, "unexpected character '#'.")
        );
        assert!(matches!(
            tokenize("1e").unwrap_err(),
            ExpressionError::Syntax { .. }
        ));
        assert!(matches!(
            tokenize("'\\u12'").unwrap_err(),
            ExpressionError::Syntax { .. }
        ));
        assert!(matches!(
            tokenize("`x${1}").unwrap_err(),
            ExpressionError::Syntax { .. }
        ));
    }

    #[test]
    fn template_literals_are_pieces_around_their_substitutions() {
        let pieces = |text: &str| -> Vec<(String, bool, bool)> {
            tokenize(text)
                .expect("tokens")
                .into_iter()
                .filter_map(|t| match t.kind {
                    TokenKind::Template {
                        text,
                        opens,
                        closes,
                    } => Some((text, opens, closes)),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(pieces("`ab`"), [(String::from("ab"), true, true)]);
        assert_eq!(
            pieces("`a${x}b${ {c: 1}.c }d`"),
            [
                (String::from("a"), true, false),
                (String::from("b"), false, false),
                (String::from("d"), false, true),
            ]
        );
        // A `}` outside any template is punctuation, as ever.
        assert_eq!(kinds("{}")[1], TokenKind::Punct("}"));
    }
}
