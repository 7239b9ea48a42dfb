//! A parsed query as Jira's `POST /rest/api/3/jql/parse` describes it: the spec's
//! `JqlQuery` (`where` and `orderBy`), its clauses (`CompoundClause`,
//! `FieldValueClause`) and operands (`ValueOperand`, `ListOperand`,
//! `FunctionOperand`, `KeywordOperand`), each value beside its `encoded…` form, the
//! text that puts it back into a query.
//!
//! Built from the same syntax tree the searches run ([`super::parser`]), so a query
//! the parse operation calls well formed is one a search reads alike. The tree
//! keeps values, not how they were written, so an encoded form is the canonical
//! one: bare where a bare word reads back as the same value, quoted otherwise
//! (`"Service requests"`), as Jira's encoder writes it. An entity property field
//! (`issue.property[stats].comments.count`) is named as written, with the spec's
//! `property` details (`entity`, `key`, `path`; not its `type`, which needs the
//! site's indexes). A `CHANGED` clause is the spec's `FieldChangedClause` and a
//! `WAS` clause its `FieldWasClause`, their predicates in the order written.

use serde_json::{Map, Value, json};

use super::lexer::is_word_char;
use super::parser::{Ast, Clause, Expr, Operand, RESERVED_WORDS, Sort};

/// The `JqlQuery` of a parsed query; an empty query is `{}`, as Jira answers it.
pub(super) fn of(ast: &Ast) -> Value {
    let mut query = Map::new();
    if let Some(filter) = &ast.filter {
        query.insert(String::from("where"), clause(filter));
    }
    if !ast.order.is_empty() {
        let fields: Vec<Value> = ast.order.iter().map(order_element).collect();
        query.insert(String::from("orderBy"), json!({ "fields": fields }));
    }
    Value::Object(query)
}

fn clause(expr: &Expr) -> Value {
    match expr {
        Expr::And(terms) => compound("and", terms.iter()),
        Expr::Or(terms) => compound("or", terms.iter()),
        Expr::Not(term) => compound("not", std::iter::once(term.as_ref())),
        Expr::Clause(Clause {
            field: name,
            operator,
            operand: value,
        }) => json!({
            "field": field(name),
            "operator": operator.as_str(),
            "operand": operand(value),
        }),
        Expr::History(history) => {
            let predicates: Vec<Value> = history
                .predicates
                .iter()
                .map(|p| json!({ "operator": p.kind.as_str(), "operand": operand(&p.operand) }))
                .collect();
            let mut clause = json!({
                "field": field(&history.field),
                "operator": history.operator.as_str(),
                "predicates": predicates,
            });
            if let Some(value) = &history.operand {
                clause["operand"] = operand(value);
            }
            clause
        }
    }
}

fn compound<'a>(operator: &str, terms: impl Iterator<Item = &'a Expr>) -> Value {
    let clauses: Vec<Value> = terms.map(clause).collect();
    json!({ "clauses": clauses, "operator": operator })
}

fn order_element(sort: &Sort) -> Value {
    let mut element = json!({ "field": field(&sort.field) });
    if sort.direction_written {
        element["direction"] = json!(if sort.descending { "desc" } else { "asc" });
    }
    element
}

fn field(name: &str) -> Value {
    let mut field = json!({ "name": name, "encodedName": encode_name(name) });
    if let Some((key, path)) = super::entity_property::split_name(name) {
        field["property"] = json!([{ "entity": "issue", "key": key, "path": path }]);
    }
    field
}

fn operand(value: &Operand) -> Value {
    match value {
        Operand::Literal(text) => json!({ "value": text, "encodedValue": encode(text) }),
        Operand::Empty => json!({ "keyword": "empty" }),
        Operand::Function(name, arguments) => json!({
            "function": name,
            "arguments": arguments,
            "encodedOperand": encode_operand(value),
        }),
        Operand::List(items) => {
            let values: Vec<Value> = items.iter().map(operand).collect();
            json!({ "values": values, "encodedOperand": encode_operand(value) })
        }
    }
}

/// The operand as JQL text.
pub(super) fn encode_operand(value: &Operand) -> String {
    match value {
        Operand::Literal(text) => encode(text),
        Operand::Empty => String::from("EMPTY"),
        Operand::Function(name, arguments) => {
            let arguments: Vec<String> = arguments.iter().map(|a| encode(a)).collect();
            format!("{name}({})", arguments.join(", "))
        }
        Operand::List(items) => {
            let items: Vec<String> = items.iter().map(encode_operand).collect();
            format!("({})", items.join(", "))
        }
    }
}

/// A field's name as JQL text: a custom field by number (`cf[10010]`) is one word,
/// as the lexer reads it.
pub(super) fn encode_name(name: &str) -> String {
    // Compared as bytes: a name is the caller's text, and its third byte need not
    // end a character (`abé`), where slicing the `str` would panic.
    let bytes = name.as_bytes();
    let by_number = bytes.len() > 4
        && bytes[..3].eq_ignore_ascii_case(b"cf[")
        && bytes.ends_with(b"]")
        && bytes[3..bytes.len() - 1].iter().all(u8::is_ascii_digit);
    if by_number || super::entity_property::is_bare_name(name) {
        String::from(name)
    } else {
        encode(name)
    }
}

/// A value as JQL text: bare when the lexer reads the bare word back as this value
/// (word characters only, not a reserved word), otherwise in double quotes with `"`
/// and `\` escaped.
fn encode(text: &str) -> String {
    let bare = !text.is_empty()
        && text.chars().all(is_word_char)
        && !RESERVED_WORDS.iter().any(|r| text.eq_ignore_ascii_case(r));
    if bare {
        return String::from(text);
    }
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::super::lexer::{Token, lex};
    use super::super::parser::parse;
    use super::*;

    fn structure(jql: &str) -> Value {
        of(&parse(jql).expect("parses"))
    }

    #[test]
    fn the_specs_example_has_its_shape() {
        let got = structure(
            "summary ~ test AND (labels in (urgent, blocker) OR assignee = currentUser()) ORDER BY updated DESC",
        );
        assert_eq!(
            got,
            json!({
                "where": {
                    "operator": "and",
                    "clauses": [
                        {
                            "field": { "name": "summary", "encodedName": "summary" },
                            "operator": "~",
                            "operand": { "value": "test", "encodedValue": "test" }
                        },
                        {
                            "operator": "or",
                            "clauses": [
                                {
                                    "field": { "name": "labels", "encodedName": "labels" },
                                    "operator": "in",
                                    "operand": {
                                        "values": [
                                            { "value": "urgent", "encodedValue": "urgent" },
                                            { "value": "blocker", "encodedValue": "blocker" }
                                        ],
                                        "encodedOperand": "(urgent, blocker)"
                                    }
                                },
                                {
                                    "field": { "name": "assignee", "encodedName": "assignee" },
                                    "operator": "=",
                                    "operand": {
                                        "function": "currentUser",
                                        "arguments": [],
                                        "encodedOperand": "currentUser()"
                                    }
                                }
                            ]
                        }
                    ]
                },
                "orderBy": {
                    "fields": [
                        { "field": { "name": "updated", "encodedName": "updated" }, "direction": "desc" }
                    ]
                }
            })
        );
    }

    #[test]
    fn not_empty_and_unwritten_directions() {
        let got = structure("NOT assignee IS EMPTY ORDER BY created, key ASC");
        assert_eq!(
            got["where"],
            json!({
                "operator": "not",
                "clauses": [{
                    "field": { "name": "assignee", "encodedName": "assignee" },
                    "operator": "is",
                    "operand": { "keyword": "empty" }
                }]
            })
        );
        assert_eq!(
            got["orderBy"]["fields"],
            json!([
                { "field": { "name": "created", "encodedName": "created" } },
                { "field": { "name": "key", "encodedName": "key" }, "direction": "asc" }
            ])
        );
        assert_eq!(structure(""), json!({}));
        assert_eq!(structure("ORDER BY rank").get("where"), None);
    }

    #[test]
    fn values_that_need_quotes_get_them() {
        let got = structure(
            r#""Story Points" in ("Service requests", Incidents, "a \"b\" \\ c", "or", cf[10010]) AND cf[10010] = 5"#,
        );
        let first = &got["where"]["clauses"][0];
        assert_eq!(first["field"]["encodedName"], "\"Story Points\"");
        assert_eq!(
            first["operand"]["encodedOperand"],
            r#"("Service requests", Incidents, "a \"b\" \\ c", "or", "cf[10010]")"#
        );
        assert_eq!(first["operand"]["values"][2]["value"], r#"a "b" \ c"#);
        assert_eq!(
            got["where"]["clauses"][1]["field"]["encodedName"],
            "cf[10010]"
        );
    }

    /// A field name is the caller's text: one whose first bytes cut a character
    /// is encoded, not a panic.
    #[test]
    fn field_names_of_any_text_are_encoded() {
        for name in ["abé", "aé", "cf[1]é", "€€€", "cf[é]", "CF[12]"] {
            let encoded = encode_name(name);
            assert!(!encoded.is_empty(), "{name}");
        }
        assert_eq!(encode_name("CF[12]"), "CF[12]");
        assert_eq!(encode_name("cf[é]"), "\"cf[é]\"");
        let got = structure("abé = 1");
        assert_eq!(got["where"]["field"]["name"], "abé");
    }

    /// Every encoded value reads back, through the lexer, as the value it encodes.
    #[test]
    fn encoded_values_read_back_as_themselves() {
        for text in [
            "plain",
            "two words",
            "a\"quote",
            "back\\slash",
            "",
            "and",
            "EMPTY",
            "-1d",
            "x=y",
            "naïve",
            "(paren",
            "tab\there",
        ] {
            let tokens = lex(&encode(text)).expect("lexes");
            let [token] = tokens.as_slice() else {
                panic!("{text:?} encodes as {} tokens", tokens.len());
            };
            match &token.token {
                Token::Word(w) | Token::Quoted(w) => assert_eq!(w, text),
                other => panic!("{text:?} encodes as {other:?}"),
            }
        }
    }
}
