//! Recursive-descent parser from tokens to a JQL syntax tree.

use super::JqlError;
use super::lexer::{Spanned, Token, lex};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Clause(Clause),
    /// `field CHANGED …` or `field WAS [NOT] [IN] value …`: JQL's history
    /// operators (`history.rs`).
    History(HistoryClause),
}

/// `status CHANGED FROM "To Do" TO Done BY currentUser() AFTER -1w`,
/// `status WAS IN (Done, Closed) BEFORE -1w`: the field, the operator, its
/// value (`WAS` only) and its time predicates, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryClause {
    pub(crate) field: String,
    pub(crate) operator: HistoryOperator,
    /// `None` for `CHANGED`, which takes no value.
    pub(crate) operand: Option<Operand>,
    pub(crate) predicates: Vec<TimePredicate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HistoryOperator {
    Changed,
    Was,
    WasIn,
    WasNot,
    WasNotIn,
}

impl HistoryOperator {
    /// The operator, as Jira's parsed structure names it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Changed => "changed",
            Self::Was => "was",
            Self::WasIn => "was in",
            Self::WasNot => "was not",
            Self::WasNotIn => "was not in",
        }
    }
}

/// One predicate of a history clause (Jira's `JqlQueryClauseTimePredicate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TimePredicate {
    pub(crate) kind: PredicateKind,
    pub(crate) operand: Operand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PredicateKind {
    Before,
    After,
    From,
    To,
    On,
    During,
    By,
}

impl PredicateKind {
    const ALL: [Self; 7] = [
        Self::Before,
        Self::After,
        Self::From,
        Self::To,
        Self::On,
        Self::During,
        Self::By,
    ];

    /// The keyword, as Jira's parsed structure names it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
            Self::From => "from",
            Self::To => "to",
            Self::On => "on",
            Self::During => "during",
            Self::By => "by",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Clause {
    pub(crate) field: String,
    pub(crate) operator: Operator,
    pub(crate) operand: Operand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    In,
    NotIn,
    Is,
    IsNot,
    /// `<`, `>`, `<=`, `>=`: dates, priorities, issue keys, custom date and
    /// range-searched number fields take them; for any other field the
    /// message names the field. Read by [`ordering_holds`].
    Ordering(&'static str),
}

impl Operator {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "=",
            Self::NotEquals => "!=",
            Self::Contains => "~",
            Self::NotContains => "!~",
            Self::In => "in",
            Self::NotIn => "not in",
            Self::Is => "is",
            Self::IsNot => "is not",
            Self::Ordering(op) => op,
        }
    }
}

/// Whether `ordering` (the value against the clause's bound) meets a
/// `<`, `<=`, `>` or `>=` clause: the one reading of [`Operator::Ordering`]
/// every field that takes it shares.
pub(crate) fn ordering_holds(operator: &str, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Greater, Less};
    match operator {
        "<" => ordering == Less,
        "<=" => ordering != Greater,
        ">" => ordering == Greater,
        ">=" => ordering != Less,
        _ => false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Operand {
    Literal(String),
    Empty,
    /// A function and its arguments (`startOfMonth(-1)`), as written.
    Function(String, Vec<String>),
    List(Vec<Operand>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sort {
    pub(crate) field: String,
    pub(crate) descending: bool,
    /// Whether the query wrote `ASC` or `DESC`: Jira's parsed structure
    /// (`POST /jql/parse`) names a direction only where the query did.
    pub(crate) direction_written: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ast {
    pub(crate) filter: Option<Expr>,
    pub(crate) order: Vec<Sort>,
}

/// Parenthesised groups nest at most this deep, so a hostile query cannot overflow
/// the parser's stack.
const MAX_DEPTH: usize = 64;

const OPERATOR_HINT: &str = "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.";

/// Characters of a JQL query the simulator reads, wherever it comes from (a
/// search, a board's `jql`, a saved filter, a webhook's filter, the issue
/// picker): a hostile query cannot make lexing and parsing expensive, and a
/// saved filter is never one a search would refuse for its length.
pub(crate) const MAX_JQL_CHARS: usize = 10_000;

pub(crate) fn parse(input: &str) -> Result<Ast, JqlError> {
    if input.chars().count() > MAX_JQL_CHARS {
        return Err(JqlError(String::from("The JQL query is too long.")));
    }
    let tokens = lex(input)?;
    let end = input.chars().count() + 1;
    let mut parser = Parser { tokens, at: 0, end };
    let filter = if parser.peek().is_none() || parser.peek_keyword("order") {
        None
    } else {
        Some(parser.or_expr(0)?)
    };
    let order = parser.order_by()?;
    if let Some(extra) = parser.peek_spanned() {
        let message = format!(
            "Expecting either 'OR' or 'AND' but got '{}'.",
            extra.token.describe()
        );
        return Err(JqlError::syntax(message, extra.position));
    }
    Ok(Ast { filter, order })
}

struct Parser {
    tokens: Vec<Spanned>,
    at: usize,
    /// Position just past the end, for "but got end of query" errors.
    end: usize,
}

impl Parser {
    fn peek_spanned(&self) -> Option<&Spanned> {
        self.tokens.get(self.at)
    }

    fn peek(&self) -> Option<&Token> {
        self.peek_spanned().map(|s| &s.token)
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is_keyword(keyword))
    }

    fn position(&self) -> usize {
        self.peek_spanned().map_or(self.end, |s| s.position)
    }

    fn next(&mut self) -> Option<Spanned> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn expected(&self, what: &str) -> JqlError {
        let got = self
            .peek()
            .map_or_else(|| String::from("EOF"), Token::describe);
        JqlError::syntax(
            format_args!("Expecting {what} but got '{got}'."),
            self.position(),
        )
    }

    fn or_expr(&mut self, depth: usize) -> Result<Expr, JqlError> {
        let mut terms = vec![self.and_expr(depth)?];
        while self.peek_keyword("or") {
            self.next();
            terms.push(self.and_expr(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and_expr(&mut self, depth: usize) -> Result<Expr, JqlError> {
        let mut terms = vec![self.unary(depth)?];
        while self.peek_keyword("and") {
            self.next();
            terms.push(self.unary(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, JqlError> {
        if depth > MAX_DEPTH {
            return Err(JqlError::syntax(
                "The query is nested too deeply.",
                self.position(),
            ));
        }
        if self.peek_keyword("not") {
            self.next();
            return Ok(Expr::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.next();
            let inner = self.or_expr(depth + 1)?;
            if self.peek() != Some(&Token::RParen) {
                return Err(self.expected("')'"));
            }
            self.next();
            return Ok(inner);
        }
        self.clause()
    }

    fn clause(&mut self) -> Result<Expr, JqlError> {
        let field = match self.peek() {
            Some(Token::Word(w)) if !is_reserved(w) => w.clone(),
            Some(Token::Quoted(q)) => q.clone(),
            _ => return Err(self.expected("a field name")),
        };
        self.next();
        if let Some(operator) = self.history_operator() {
            let operand = match operator {
                HistoryOperator::Changed => None,
                HistoryOperator::WasIn | HistoryOperator::WasNotIn => Some(self.operand(true)?),
                HistoryOperator::Was | HistoryOperator::WasNot => Some(self.operand(false)?),
            };
            let predicates = self.predicates()?;
            return Ok(Expr::History(HistoryClause {
                field,
                operator,
                operand,
                predicates,
            }));
        }
        let operator = self.operator()?;
        let operand = self.operand(matches!(operator, Operator::In | Operator::NotIn))?;
        Ok(Expr::Clause(Clause {
            field,
            operator,
            operand,
        }))
    }

    /// `CHANGED`, `WAS`, `WAS IN`, `WAS NOT` or `WAS NOT IN`, taken; `None`
    /// (nothing taken) for any other operator.
    fn history_operator(&mut self) -> Option<HistoryOperator> {
        if self.peek_keyword("changed") {
            self.next();
            return Some(HistoryOperator::Changed);
        }
        if !self.peek_keyword("was") {
            return None;
        }
        self.next();
        let not = self.peek_keyword("not");
        if not {
            self.next();
        }
        let list = self.peek_keyword("in");
        if list {
            self.next();
        }
        Some(match (not, list) {
            (false, false) => HistoryOperator::Was,
            (false, true) => HistoryOperator::WasIn,
            (true, false) => HistoryOperator::WasNot,
            (true, true) => HistoryOperator::WasNotIn,
        })
    }

    /// The predicates of a history clause, each a keyword and one operand, or
    /// a list (`DURING` takes two values, `BY` a list of users; checked when
    /// compiled).
    fn predicates(&mut self) -> Result<Vec<TimePredicate>, JqlError> {
        let mut predicates = Vec::new();
        while let Some(kind) = PredicateKind::ALL
            .into_iter()
            .find(|kind| self.peek_keyword(kind.as_str()))
        {
            self.next();
            let list = kind == PredicateKind::During || self.peek() == Some(&Token::LParen);
            let operand = self.operand(list)?;
            predicates.push(TimePredicate { kind, operand });
        }
        Ok(predicates)
    }

    fn operator(&mut self) -> Result<Operator, JqlError> {
        let operator = match self.peek() {
            Some(Token::Operator(op)) => match *op {
                "=" => Operator::Equals,
                "!=" => Operator::NotEquals,
                "~" => Operator::Contains,
                "!~" => Operator::NotContains,
                other => Operator::Ordering(other),
            },
            Some(t) if t.is_keyword("in") => Operator::In,
            Some(t) if t.is_keyword("is") => {
                self.next();
                if self.peek_keyword("not") {
                    self.next();
                    return Ok(Operator::IsNot);
                }
                return Ok(Operator::Is);
            }
            Some(t) if t.is_keyword("not") => {
                self.next();
                if !self.peek_keyword("in") {
                    return Err(self.expected("'IN'"));
                }
                Operator::NotIn
            }
            _ => return Err(self.expected("operator").with_hint(OPERATOR_HINT)),
        };
        self.next();
        Ok(operator)
    }

    fn operand(&mut self, list: bool) -> Result<Operand, JqlError> {
        if list {
            // `IN` takes a list, or a function that stands for one
            // (`issuetype in subTaskIssueTypes()`).
            if self.peek() != Some(&Token::LParen) {
                let expected = self.expected("'('");
                return match self.operand(false) {
                    Ok(function @ Operand::Function(..)) => Ok(function),
                    _ => Err(expected),
                };
            }
            self.next();
            let mut items = vec![self.operand(false)?];
            while self.peek() == Some(&Token::Comma) {
                self.next();
                items.push(self.operand(false)?);
            }
            if self.peek() != Some(&Token::RParen) {
                return Err(self.expected("')'"));
            }
            self.next();
            return Ok(Operand::List(items));
        }
        match self.peek().cloned() {
            Some(Token::Quoted(q)) => {
                self.next();
                Ok(Operand::Literal(q))
            }
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("empty") || w.eq_ignore_ascii_case("null") =>
            {
                self.next();
                Ok(Operand::Empty)
            }
            Some(Token::Word(w)) if !is_reserved(&w) => {
                self.next();
                if self.peek() == Some(&Token::LParen) {
                    self.next();
                    let args = self.arguments()?;
                    return Ok(Operand::Function(w, args));
                }
                Ok(Operand::Literal(w))
            }
            _ => Err(self.expected("either a value, list or function")),
        }
    }

    /// A function's arguments after its `(`, through its `)`: words or quoted
    /// strings, separated by commas.
    fn arguments(&mut self) -> Result<Vec<String>, JqlError> {
        let mut args = Vec::new();
        if self.peek() == Some(&Token::RParen) {
            self.next();
            return Ok(args);
        }
        loop {
            match self.peek().cloned() {
                Some(Token::Word(w)) => args.push(w),
                Some(Token::Quoted(q)) => args.push(q),
                _ => return Err(self.expected("a function argument")),
            }
            self.next();
            match self.peek() {
                Some(Token::Comma) => {
                    self.next();
                }
                Some(Token::RParen) => {
                    self.next();
                    return Ok(args);
                }
                _ => return Err(self.expected("')'")),
            }
        }
    }

    fn order_by(&mut self) -> Result<Vec<Sort>, JqlError> {
        if !self.peek_keyword("order") {
            return Ok(Vec::new());
        }
        self.next();
        if !self.peek_keyword("by") {
            return Err(self.expected("'by'"));
        }
        self.next();
        let mut sorts = Vec::new();
        loop {
            let field = match self.peek() {
                Some(Token::Word(w)) if !is_reserved(w) => w.clone(),
                Some(Token::Quoted(q)) => q.clone(),
                _ => return Err(self.expected("a field name")),
            };
            self.next();
            let descending = self.peek_keyword("desc");
            let direction_written = descending || self.peek_keyword("asc");
            if direction_written {
                self.next();
            }
            sorts.push(Sort {
                field,
                descending,
                direction_written,
            });
            if self.peek() != Some(&Token::Comma) {
                return Ok(sorts);
            }
            self.next();
        }
    }
}

impl JqlError {
    fn with_hint(self, hint: &str) -> Self {
        // Jira puts the operator hint before the position suffix.
        match self.0.rfind(" (line 1") {
            Some(at) => Self(format!("{} {hint}{}", &self.0[..at], &self.0[at..])),
            None => self,
        }
    }
}

/// Words that cannot be a field name or bare value (quoted, they can). The
/// autocomplete reference lists them as `jqlReservedWords` (`reference.rs`).
pub(super) const RESERVED_WORDS: [&str; 11] = [
    "and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc",
];

fn is_reserved(word: &str) -> bool {
    RESERVED_WORDS.iter().any(|r| word.eq_ignore_ascii_case(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(field: &str, operator: Operator, operand: Operand) -> Expr {
        Expr::Clause(Clause {
            field: String::from(field),
            operator,
            operand,
        })
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let ast =
            parse("project = KILN OR status = Done AND labels in (a, \"b c\") ORDER BY key DESC")
                .expect("parses");
        assert_eq!(
            ast.filter,
            Some(Expr::Or(vec![
                clause(
                    "project",
                    Operator::Equals,
                    Operand::Literal(String::from("KILN"))
                ),
                Expr::And(vec![
                    clause(
                        "status",
                        Operator::Equals,
                        Operand::Literal(String::from("Done"))
                    ),
                    clause(
                        "labels",
                        Operator::In,
                        Operand::List(vec![
                            Operand::Literal(String::from("a")),
                            Operand::Literal(String::from("b c")),
                        ])
                    ),
                ]),
            ]))
        );
        assert_eq!(
            ast.order,
            vec![Sort {
                field: String::from("key"),
                descending: true,
                direction_written: true,
            }]
        );
    }

    #[test]
    fn is_not_empty_and_functions_parse() {
        let ast = parse("assignee IS NOT EMPTY AND reporter = currentUser()").expect("parses");
        assert_eq!(
            ast.filter,
            Some(Expr::And(vec![
                clause("assignee", Operator::IsNot, Operand::Empty),
                clause(
                    "reporter",
                    Operator::Equals,
                    Operand::Function(String::from("currentUser"), Vec::new())
                ),
            ]))
        );
    }

    #[test]
    fn functions_take_arguments() {
        let ast =
            parse("created > startOfMonth(-1) AND updated < endOfDay(\"+1d\", x)").expect("parses");
        assert_eq!(
            ast.filter,
            Some(Expr::And(vec![
                clause(
                    "created",
                    Operator::Ordering(">"),
                    Operand::Function(String::from("startOfMonth"), vec![String::from("-1")])
                ),
                clause(
                    "updated",
                    Operator::Ordering("<"),
                    Operand::Function(
                        String::from("endOfDay"),
                        vec![String::from("+1d"), String::from("x")]
                    )
                ),
            ]))
        );
        assert!(parse("created > now(-1").is_err(), "unclosed");
        assert!(parse("created > now(,)").is_err(), "no argument");
    }

    #[test]
    fn syntax_errors_use_jira_wording() {
        let err = parse("project = KILN foo").expect_err("trailing word");
        assert_eq!(
            err.0,
            "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'foo'. (line 1, character 16)"
        );
        let err = parse("project KILN").expect_err("no operator");
        assert!(
            err.0.starts_with(
                "Error in the JQL Query: Expecting operator but got 'KILN'. The valid operators"
            ),
            "{}",
            err.0
        );
        let err = parse("(project = KILN").expect_err("unclosed group");
        assert!(err.0.contains("Expecting ')' but got 'EOF'"), "{}", err.0);
    }

    #[test]
    fn was_takes_a_value_a_list_and_not() {
        for (query, operator, list) in [
            ("status WAS Done", HistoryOperator::Was, false),
            (
                "status was in (Done, \"To Do\")",
                HistoryOperator::WasIn,
                true,
            ),
            (
                "status WAS NOT Done BY currentUser()",
                HistoryOperator::WasNot,
                false,
            ),
            (
                "status WAS NOT IN (Done) before -1d",
                HistoryOperator::WasNotIn,
                true,
            ),
        ] {
            let ast = parse(query).unwrap_or_else(|e| panic!("{query}: {e:?}"));
            let Some(Expr::History(clause)) = ast.filter else {
                panic!("{query}: {:?}", ast.filter);
            };
            assert_eq!(clause.operator, operator, "{query}");
            assert_eq!(
                matches!(clause.operand, Some(Operand::List(_))),
                list,
                "{query}"
            );
        }
        assert!(parse("status WAS IN Done").is_err(), "IN takes a list");
        assert!(parse("status WAS").is_err(), "WAS takes a value");
    }

    #[test]
    fn changed_takes_its_predicates_in_the_order_written() {
        let ast = parse(
            "project = KILN AND status changed FROM \"To Do\" TO Done BY (currentUser()) \
             DURING (\"2025/01/01\", now()) before -2w",
        )
        .expect("parses");
        let Some(Expr::And(terms)) = ast.filter else {
            panic!("an AND: {:?}", ast.filter);
        };
        let Expr::History(changed) = &terms[1] else {
            panic!("a CHANGED clause: {:?}", terms[1]);
        };
        assert_eq!(changed.field, "status");
        let kinds: Vec<&str> = changed.predicates.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["from", "to", "by", "during", "before"]);
        assert_eq!(
            changed.predicates[0].operand,
            Operand::Literal(String::from("To Do"))
        );
        assert_eq!(
            changed.predicates[2].operand,
            Operand::List(vec![Operand::Function(String::from("currentUser"), vec![])])
        );
        let bare = parse("assignee CHANGED").expect("no predicates");
        assert!(matches!(bare.filter, Some(Expr::History(ref c))
            if c.predicates.is_empty() && c.operand.is_none()));
        let err = parse("status CHANGED TO").expect_err("a predicate needs its value");
        assert!(err.0.starts_with("Error in the JQL Query:"), "{}", err.0);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let query = format!("{}project = KILN{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&query).is_err());
    }
}
