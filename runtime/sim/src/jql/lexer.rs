//! Splits a JQL string into tokens, each with its 1-based character position.

use super::JqlError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// An unquoted word: a field name, value, keyword or function name.
    Word(String),
    /// A quoted string, unescaped.
    Quoted(String),
    LParen,
    RParen,
    Comma,
    /// `=`, `!=`, `~`, `!~`, `<`, `>`, `<=`, `>=`.
    Operator(&'static str),
}

impl Token {
    /// How Jira quotes a token in "but got '…'" messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Word(w) => w.clone(),
            Self::Quoted(q) => q.clone(),
            Self::LParen => String::from("("),
            Self::RParen => String::from(")"),
            Self::Comma => String::from(","),
            Self::Operator(op) => String::from(*op),
        }
    }

    /// Whether this is the keyword `keyword` (case-insensitive, unquoted).
    pub(crate) fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self, Self::Word(w) if w.eq_ignore_ascii_case(keyword))
    }
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spanned {
    pub(crate) token: Token,
    pub(crate) position: usize,
}

/// Characters Jira lets an unquoted word contain besides letters and digits.
pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | ':' | '*' | '/' | '+')
}

pub(crate) fn lex(input: &str) -> Result<Vec<Spanned>, JqlError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        let (token, next) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (Token::LParen, i + 1),
            ')' => (Token::RParen, i + 1),
            ',' => (Token::Comma, i + 1),
            '=' => (Token::Operator("="), i + 1),
            '~' => (Token::Operator("~"), i + 1),
            '!' if chars.get(i + 1) == Some(&'=') => (Token::Operator("!="), i + 2),
            '!' if chars.get(i + 1) == Some(&'~') => (Token::Operator("!~"), i + 2),
            '<' if chars.get(i + 1) == Some(&'=') => (Token::Operator("<="), i + 2),
            '>' if chars.get(i + 1) == Some(&'=') => (Token::Operator(">="), i + 2),
            '<' => (Token::Operator("<"), i + 1),
            '>' => (Token::Operator(">"), i + 1),
            '"' | '\'' => quoted(&chars, i)?,
            c if is_word_char(c) => {
                let mut end = (i..chars.len())
                    .find(|&j| !is_word_char(chars[j]))
                    .unwrap_or(chars.len());
                // `cf[10010]`: a custom field by number, one word as in Jira.
                if end - i == 2
                    && chars[i..end]
                        .iter()
                        .collect::<String>()
                        .eq_ignore_ascii_case("cf")
                    && chars.get(end) == Some(&'[')
                    && let Some(close) =
                        (end + 1..chars.len()).find(|&j| !chars[j].is_ascii_digit())
                    && close > end + 1
                    && chars[close] == ']'
                {
                    end = close + 1;
                }
                // `issue.property[key].path`: one word too.
                end = super::entity_property::lexed_end(&chars, i, end);
                (Token::Word(chars[i..end].iter().collect()), end)
            }
            other => {
                return Err(JqlError::syntax(
                    format_args!(
                        "The character '{other}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u{:04x}' instead.",
                        u32::from(other)
                    ),
                    position,
                ));
            }
        };
        tokens.push(Spanned { token, position });
        i = next;
    }
    Ok(tokens)
}

fn quoted(chars: &[char], start: usize) -> Result<(Token, usize), JqlError> {
    let quote = chars[start];
    let mut text = String::new();
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                let Some(&escaped) = chars.get(i + 1) else {
                    break;
                };
                text.push(escaped);
                i += 2;
            }
            c if c == quote => return Ok((Token::Quoted(text), i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err(JqlError::syntax(
        format_args!("The quoted string '{text}' has not been completed."),
        start + 1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_operators_words_and_strings() {
        let tokens: Vec<Token> =
            lex(r#"project = KILN AND text ~ "sand box" AND labels != 'a\'b'"#)
                .expect("lexes")
                .into_iter()
                .map(|s| s.token)
                .collect();
        assert_eq!(tokens[1], Token::Operator("="));
        assert_eq!(tokens[6], Token::Quoted(String::from("sand box")));
        assert_eq!(tokens[9], Token::Operator("!="));
        assert_eq!(tokens[10], Token::Quoted(String::from("a'b")));
    }

    #[test]
    fn a_custom_field_by_number_is_one_word() {
        let tokens: Vec<Token> = lex("cf[10010] = x AND CF[1]~y")
            .expect("lexes")
            .into_iter()
            .map(|s| s.token)
            .collect();
        assert_eq!(tokens[0], Token::Word(String::from("cf[10010]")));
        assert_eq!(tokens[4], Token::Word(String::from("CF[1]")));
        assert!(
            lex("cf[x] = 1").is_err(),
            "not a number: '[' stays reserved"
        );
        assert!(lex("cf[] = 1").is_err());
    }

    #[test]
    fn an_unclosed_string_is_reported_where_it_starts() {
        let err = lex(r#"text ~ "open"#).expect_err("unclosed");
        assert!(err.0.contains("has not been completed"), "{}", err.0);
        assert!(err.0.ends_with("(line 1, character 8)"), "{}", err.0);
    }
}
