use serde_json::json;

use super::*;

fn payload() -> Value {
    json!({
        "eventType": "avi:jira:updated:issue",
        "selfGenerated": false,
        "atlassianId": "u-1",
        "issue": {
            "id": "10001",
            "key": "OPS-7",
            "fields": {
                "summary": "  Disk Full on db-1 ",
                "issuetype": { "name": "Bug" },
                "issueType": { "name": "Bug" },
                "labels": ["ops", "urgent"],
                "priority": null,
                "parent": null,
                "storyPoints": 5,
                "components": [{ "name": "db" }, { "name": "api" }],
                "project": { "key": "OPS" }
            }
        },
        "changelog": { "items": [{ "field": "status", "toString": "Done" }] },
        "context": { "cloudId": "c-1", "moduleKey": "on-update" }
    })
}

fn eval(source: &str) -> Result<Value, EvalError> {
    JiraExpression::parse(source)
        .unwrap_or_else(|error| panic!("{source}: {error}"))
        .evaluate(&payload())
}

fn holds(source: &str) -> bool {
    JiraExpression::parse(source)
        .unwrap_or_else(|error| panic!("{source}: {error}"))
        .matches(&payload())
        .unwrap_or_else(|error| panic!("{source}: {error}"))
}

fn refused(source: &str) -> ParseError {
    match JiraExpression::parse(source) {
        Ok(expression) => panic!("{source}: accepted as {expression:?}"),
        Err(error) => error,
    }
}

#[test]
fn forge_documentation_examples() {
    // The trigger module page's example, and the task's.
    assert!(holds("event.issue.fields?.issueType.name == 'Bug'"));
    assert!(holds(
        "event.issue.fields.issuetype.name == 'Bug' && event.issue.fields.labels.includes('ops')"
    ));
    // Jira expressions' own examples, over lists in the payload.
    assert!(holds(
        "event.issue.fields.components.filter(c => c.name == 'db').length > 0"
    ));
    assert!(holds("event.issue.fields.project.key == 'OPS'"));
}

#[test]
fn literals() {
    assert_eq!(eval("'it\\'s'"), Ok(json!("it's")));
    assert_eq!(eval("\"say \\\"hi\\\"\""), Ok(json!("say \"hi\"")));
    assert_eq!(
        eval(r#"'\n\t\\\/\u0041\u{1F600}'"#),
        Ok(json!("\n\t\\/A😀"))
    );
    assert_eq!(eval("42"), Ok(json!(42)));
    assert_eq!(eval("4.5"), Ok(json!(4.5)));
    assert_eq!(eval("1e3"), Ok(json!(1000)));
    assert_eq!(eval(".5"), Ok(json!(0.5)));
    assert_eq!(eval("true"), Ok(json!(true)));
    assert_eq!(eval("false"), Ok(json!(false)));
    assert_eq!(eval("null"), Ok(json!(null)));
    assert_eq!(eval("-3"), Ok(json!(-3)));
    assert_eq!(eval("--3"), Ok(json!(3)));
}

#[test]
fn member_and_index_access() {
    assert_eq!(eval("event.issue.key"), Ok(json!("OPS-7")));
    assert_eq!(eval("event['issue']['key']"), Ok(json!("OPS-7")));
    assert_eq!(eval("event.issue.fields.labels[1]"), Ok(json!("urgent")));
    assert_eq!(eval("event.issue.fields.labels[2]"), Ok(json!(null)));
    assert_eq!(eval("event.issue.fields.labels[-1]"), Ok(json!(null)));
    assert_eq!(eval("event.issue.fields.labels[0.5]"), Ok(json!(null)));
    assert_eq!(eval("event.issue.missing"), Ok(json!(null)));
    assert_eq!(eval("event.changelog.items[0].toString"), Ok(json!("Done")));
    assert_eq!(
        eval("event.issue.fields[event.context.moduleKey]"),
        Ok(json!(null))
    );
    assert_eq!(eval("event.issue.fields.labels.length"), Ok(json!(2)));
    assert_eq!(eval("event.issue.key.length"), Ok(json!(5)));
    assert_eq!(eval("'😀'.length"), Ok(json!(2)), "UTF-16 units");
}

#[test]
fn null_member_access_is_an_error_unless_optional() {
    assert_eq!(
        eval("event.issue.fields.parent.key"),
        Err(EvalError::NoProperties("null"))
    );
    assert_eq!(eval("event.issue.fields.parent?.key"), Ok(json!(null)));
    // `?.` short-circuits the rest of the chain, as in JavaScript.
    assert_eq!(
        eval("event.issue.fields.parent?.issuetype.name"),
        Ok(json!(null))
    );
    assert_eq!(eval("event.missing?.[0]"), Ok(json!(null)));
    assert_eq!(eval("event.missing?.includes('x')"), Ok(json!(null)));
    assert_eq!(
        eval("event.missing[0]"),
        Err(EvalError::NoProperties("null"))
    );
    assert!(matches!(
        eval("event.issue.key.foo"),
        Err(EvalError::NoSuchProperty {
            receiver: "String",
            ..
        })
    ));
    // Parentheses end a chain: the short-circuit does not reach past them.
    assert_eq!(
        eval("(event.missing?.a).b"),
        Err(EvalError::NoProperties("null"))
    );
}

#[test]
fn equality_is_strict() {
    assert!(holds("1 == 1.0"));
    assert!(!holds("1 == '1'"));
    assert!(holds("1 != '1'"));
    assert!(!holds("true == 1"));
    assert!(!holds("null == false"));
    assert!(holds("null == null"));
    assert!(holds("event.issue.fields.priority == null"));
    assert!(!holds("event.issue == null"));
    assert!(holds("event.issue.fields.storyPoints == 5"));
    assert!(!holds("'Bug' == 'bug'"));
    assert_eq!(
        eval("event.issue == event.issue"),
        Err(EvalError::Incomparable("Object", "Object"))
    );
}

#[test]
fn ordering_compares_numbers_or_strings_only() {
    assert!(holds("event.issue.fields.storyPoints >= 5"));
    assert!(holds("event.issue.fields.storyPoints < 8"));
    assert!(!holds("event.issue.fields.storyPoints > 5"));
    assert!(holds("3 <= 3"));
    assert!(holds("'a' < 'b'"));
    assert!(holds("'B' < 'a'"));
    assert_eq!(
        eval("1 < '2'"),
        Err(EvalError::Incomparable("Number", "String"))
    );
    assert_eq!(
        eval("null < 1"),
        Err(EvalError::Incomparable("null", "Number"))
    );
}

#[test]
fn logic_and_conditionals() {
    assert!(holds("!false"));
    assert!(holds("!!event.issue"));
    assert!(holds("!event.issue.fields.parent"));
    assert!(holds("!''"));
    assert!(holds("!0"));
    assert!(holds("true && true || false"));
    assert!(holds("false || true && true"));
    assert!(!holds("false && event.missing.boom"), "short-circuits");
    assert!(holds("true || event.missing.boom"), "short-circuits");
    assert_eq!(eval("'a' && 'b'"), Ok(json!("b")));
    assert_eq!(eval("null || 'x'"), Ok(json!("x")));
    assert!(holds("event.issue.fields.parent ? false : true"));
    assert_eq!(eval("true ? 1 : false ? 2 : 3"), Ok(json!(1)));
    assert_eq!(eval("false ? 1 : false ? 2 : 3"), Ok(json!(3)));
    assert!(holds("!!event.issue.fields.parent == false"));
    assert_eq!(eval("-'a'"), Err(EvalError::NotANumber("String")));
}

#[test]
fn nullish_coalescing_replaces_only_null() {
    assert_eq!(
        eval("event.issue.fields.priority ?? 'none'"),
        Ok(json!("none"))
    );
    assert_eq!(eval("event.missing?.name ?? null ?? 3"), Ok(json!(3)));
    assert_eq!(eval("event.selfGenerated ?? true"), Ok(json!(false)));
    assert_eq!(eval("event.issue.fields.storyPoints ?? 0"), Ok(json!(5)));
    assert_eq!(eval("0 ?? 1"), Ok(json!(0)));
    assert!(holds("(event.issue.fields.parent?.key ?? '') == ''"));
    // Looser than `||`, tighter than the conditional; the right side is not
    // evaluated once a value is found.
    assert_eq!(eval("null ?? false || 'x'"), Ok(json!("x")));
    assert_eq!(eval("null ?? 1 ? 'a' : 'b'"), Ok(json!("a")));
    assert_eq!(eval("1 ?? event.missing.boom"), Ok(json!(1)));
}

#[test]
fn string_methods() {
    assert!(holds("event.issue.key.startsWith('OPS-')"));
    assert!(holds("event.issue.key.endsWith('-7')"));
    assert!(holds("event.issue.fields.summary.includes('Disk')"));
    assert!(holds(
        "event.issue.fields.summary.toLowerCase().includes('disk full')"
    ));
    assert_eq!(
        eval("event.issue.fields.summary.trim()"),
        Ok(json!("Disk Full on db-1"))
    );
    assert_eq!(eval("'abc'.toUpperCase()"), Ok(json!("ABC")));
    assert_eq!(eval("'abc'.indexOf('c')"), Ok(json!(2)));
    assert_eq!(eval("'😀c'.indexOf('c')"), Ok(json!(2)), "UTF-16 units");
    assert_eq!(eval("'abc'.indexOf('z')"), Ok(json!(-1)));
    assert!(matches!(
        eval("'abc'.includes(1)"),
        Err(EvalError::BadArgument {
            method: "includes",
            ..
        })
    ));
    assert!(matches!(
        eval("'abc'.some(x => true)"),
        Err(EvalError::BadReceiver { method: "some", .. })
    ));
    assert!(matches!(
        eval("event.issue.fields.storyPoints.trim()"),
        Err(EvalError::BadReceiver {
            method: "trim",
            receiver: "Number"
        })
    ));
}

#[test]
fn list_methods() {
    assert!(holds("event.issue.fields.labels.includes('urgent')"));
    assert!(!holds("event.issue.fields.labels.includes('Urgent')"));
    assert_eq!(
        eval("event.issue.fields.labels.indexOf('urgent')"),
        Ok(json!(1))
    );
    assert_eq!(
        eval("event.issue.fields.labels.indexOf('x')"),
        Ok(json!(-1))
    );
    assert!(holds(
        "event.issue.fields.labels.some(l => l.startsWith('urg'))"
    ));
    assert!(holds("event.issue.fields.labels.every(l => l.length > 2)"));
    assert!(!holds("event.issue.fields.labels.every(l => l == 'ops')"));
    assert_eq!(
        eval("event.issue.fields.components.map(c => c.name)"),
        Ok(json!(["db", "api"]))
    );
    assert_eq!(
        eval("event.issue.fields.components.map((c) => c.name).includes('api')"),
        Ok(json!(true))
    );
    assert_eq!(
        eval("event.issue.fields.labels.filter(l => l != 'ops')"),
        Ok(json!(["urgent"]))
    );
    // Nested arrows see the outer parameter.
    assert!(holds(
        "event.issue.fields.labels.some(l => event.issue.fields.labels.some(m => m != l))"
    ));
    assert!(holds(
        "event.issue.fields.components.map(c => c.name)[1] == 'api'"
    ));
    assert!(!holds("event.issue.fields.components.includes('db')"));
    assert!(matches!(
        eval("event.issue.map(x => x)"),
        Err(EvalError::BadReceiver {
            method: "map",
            receiver: "Object"
        })
    ));
}

#[test]
fn the_result_must_be_a_boolean() {
    let expression = JiraExpression::parse("event.issue.key").unwrap();
    assert_eq!(
        expression.matches(&payload()),
        Err(EvalError::NotBoolean("String"))
    );
    let expression = JiraExpression::parse("event.issue.fields.parent").unwrap();
    assert_eq!(
        expression.matches(&payload()),
        Err(EvalError::NotBoolean("null"))
    );
}

#[test]
fn unsupported_constructs_are_refused_with_their_column() {
    let cases: &[(&str, usize, &str)] = &[
        ("issue.key == 'A'", 1, "unknown identifier `issue`"),
        ("event.a + 1", 9, "the operator `+`"),
        ("event.a - 1", 9, "the binary operator `-`"),
        ("event.a * 2 == 1", 9, "the operator `*`"),
        ("event.a === 1", 9, "`===`"),
        ("event.a !== 1", 9, "`!==`"),
        ("event.a.slice(0, 2)", 9, "the method `slice`"),
        ("event.a.length()", 9, "the method `length`"),
        ("[1, 2].includes(1)", 1, "a list literal"),
        ("{a: 1}", 1, "an object literal"),
        ("`x`", 1, "a template literal"),
        ("typeof event", 1, "`typeof`"),
        ("new Date()", 1, "`new`"),
        ("let x = 1; x", 1, "`let`"),
        ("event.a; true", 8, "statement separator"),
        ("x => true", 1, "an arrow function outside"),
        ("event.a.map(x => y)", 18, "unknown identifier `y`"),
        (
            "event.a.some(true)",
            9,
            "`some` takes one argument, an arrow function",
        ),
        (
            "event.a.includes(x => x)",
            9,
            "`includes` takes one argument, a value",
        ),
        ("event.a.includes()", 9, "`includes` takes one argument"),
        ("event.a.includes(1, 2)", 9, "`includes` takes one argument"),
        ("event.a.trim(1)", 9, "`trim` takes no arguments"),
        ("event.a.map(event => 1)", 13, "a parameter name"),
        ("event(1)", 6, "calling anything"),
        ("event.a = 1", 9, "assignment"),
        ("event.a == 'x", 12, "not closed"),
        ("'\\q'", 2, "unsupported escape `\\q`"),
        ("'\\uD83D'", 2, "unsupported escape"),
        ("'\\\u{1b}[31m'", 2, "unsupported escape `\\\\u{1b}`"),
        ("01x", 1, "malformed number"),
        ("1e", 1, "malformed number"),
        ("event.a ==", 11, "expected a value, found the end"),
        ("(event.a", 9, "expected `)`"),
        ("event.a ? 1", 12, "expected `:`"),
        ("event.", 7, "a property name"),
        ("event.1", 6, "found a number"),
        ("event.a b", 9, "expected the end of the expression"),
        ("event.a # b", 9, "unexpected character '#'"),
        ("", 1, "empty"),
        ("   ", 1, "empty"),
        ("undefined", 1, "`undefined`"),
    ];
    for (source, column, text) in cases {
        let error = refused(source);
        assert_eq!(error.column, *column, "{source}: {error}");
        assert!(error.to_string().contains(text), "{source}: {error}");
        assert!(
            error
                .to_string()
                .starts_with(&format!("Jira expression, column {column}: ")),
            "{error}"
        );
    }
}

#[test]
fn length_and_nesting_are_bounded() {
    let long = format!("event.a == '{}'", "x".repeat(MAX_EXPRESSION_CHARS));
    assert!(matches!(
        refused(&long).kind,
        ParseErrorKind::TooLong { .. }
    ));
    let fits = format!(
        "event.a == '{}'",
        "x".repeat(MAX_EXPRESSION_CHARS - "event.a == ''".len())
    );
    JiraExpression::parse(&fits).expect("exactly at the limit");

    for deep in [
        format!("{}true{}", "(".repeat(498), ")".repeat(498)),
        "!".repeat(996) + "true",
        "-".repeat(999) + "1",
        format!("{}1", "true ? ".repeat(120)),
        format!("event{}", "[event".repeat(160)),
        format!("event.a.map(x => {}", "x.a.map(x => ".repeat(60)),
        "(".repeat(1000),
    ] {
        let error = refused(&deep);
        assert_eq!(error.kind, ParseErrorKind::TooDeep, "{error}");
    }
    let nested = format!("{}true{}", "(".repeat(20), ")".repeat(20));
    assert!(holds(&nested));
    // Long flat chains are fine: they are loops, not recursion.
    let chain = vec!["true"; 120].join(" && ");
    assert!(holds(&chain));
}

#[test]
fn evaluation_stops_at_the_step_budget() {
    let huge = json!({ "list": vec![1; 100_000] });
    let expression = JiraExpression::parse("event.list.map(x => x).length > 0").expect("parses");
    assert_eq!(expression.matches(&huge), Err(EvalError::Budget));
    let quadratic =
        JiraExpression::parse("event.list.some(x => event.list.some(y => y == 2))").unwrap();
    let list = json!({ "list": vec![1; 1_000] });
    assert_eq!(quadratic.matches(&list), Err(EvalError::Budget));
    // `includes` on a huge list is paid per element too.
    let includes = JiraExpression::parse("event.list.includes(2)").unwrap();
    assert_eq!(includes.matches(&huge), Err(EvalError::Budget));
    // A small list fits easily.
    assert_eq!(includes.matches(&list), Ok(false));
}

#[test]
fn serializes_back_to_its_source() {
    let source = "event.issue.fields?.issueType.name == 'Bug'";
    let expression = JiraExpression::parse(source).unwrap();
    assert_eq!(serde_json::to_value(&expression).unwrap(), json!(source));
    let back: JiraExpression = serde_json::from_value(json!(source)).unwrap();
    assert_eq!(back, expression);
    assert_eq!(back.to_string(), source);
    let error = serde_json::from_value::<JiraExpression>(json!("issue.key")).unwrap_err();
    assert!(error.to_string().contains("unknown identifier `issue`"));
}

/// A small deterministic generator (xorshift), so the fuzz cases are the
/// same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn garbage_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let pieces = [
        "event",
        ".",
        "?.",
        "[",
        "]",
        "(",
        ")",
        "'",
        "\"",
        "\\",
        "==",
        "!=",
        "<",
        ">=",
        "&&",
        "||",
        "!",
        "-",
        "?",
        ":",
        "=>",
        "x",
        "issue",
        "fields",
        "labels",
        "includes(",
        "map(",
        "some(",
        "length",
        "0",
        "1.5",
        "1e9",
        "true",
        "null",
        " ",
        ",",
        "`",
        "{",
        "}",
        "+",
        "😀",
        "\u{0}",
        "\n",
        "trim()",
        "filter(x => ",
        "x.",
        "'ops'",
        "\\u{",
        "\\u00",
    ];
    let data = payload();
    let mut accepted = 0;
    for _ in 0..20_000 {
        let len = (rng.next() % 24) as usize;
        let source: String = (0..len).map(|_| rng.pick(&pieces)).collect();
        if let Ok(expression) = JiraExpression::parse(&source) {
            accepted += 1;
            let _ = expression.evaluate(&data);
            let _ = expression.matches(&data);
            // Round trip through serde holds for whatever was accepted.
            let again = JiraExpression::parse(expression.as_str()).expect("re-parses");
            assert_eq!(again, expression);
        }
    }
    assert!(
        accepted > 0,
        "the generator should produce some valid expressions"
    );

    // Random bytes, interpreted as (lossy) UTF-8.
    for _ in 0..5_000 {
        let len = (rng.next() % 64) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let source = String::from_utf8_lossy(&bytes);
        if let Ok(expression) = JiraExpression::parse(&source) {
            let _ = expression.matches(&data);
        }
    }
}

#[test]
fn valid_expressions_on_hostile_payloads_never_panic() {
    let expressions = [
        "event.issue.fields.labels.includes('ops')",
        "event.issue.fields.summary.toLowerCase().startsWith('x')",
        "event.a[event.b] == event.c",
        "event.a.map(x => x.b).filter(y => y > 1).length >= 2",
        "event.a.length > 3 ? event.a[0] == 1 : !event.a",
        "-event.a < event.b",
        "event.a.indexOf(event.b) != -1",
    ];
    let payloads = [
        json!(null),
        json!([]),
        json!("string"),
        json!({ "a": null }),
        json!({ "a": "text", "b": 1.5e300, "c": [] }),
        json!({ "a": [1, "x", null, [], {}], "b": "x" }),
        json!({ "a": { "length": "no" }, "b": { "x": 1 } }),
        json!({ "a": 1e308, "b": -1e308 }),
        json!({ "issue": { "fields": { "labels": "ops", "summary": 7 } } }),
        json!({ "issue": { "fields": null } }),
        json!({ "a": [{ "b": 2 }, { "b": 3 }, { "b": "4" }] }),
    ];
    for source in expressions {
        let expression = JiraExpression::parse(source).expect(source);
        for data in &payloads {
            let _ = expression.evaluate(data);
            let _ = expression.matches(data);
        }
    }
}

#[test]
fn a_parsed_expression_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<JiraExpression>();
}

#[test]
fn the_deepest_accepted_expressions_fit_a_quarter_of_a_worker_stack() {
    // Tokio workers and test threads have 2 MiB; these run in 512 KiB, in a
    // debug build (whose frames are the largest).
    let worst = [
        vec!["true"; 166].join("&&"),
        vec!["1"; 333].join("=="),
        format!("{}true{}", "(".repeat(31), ")".repeat(31)),
        "!".repeat(31) + "true",
        format!("{}true{}", "event.a.some(x => ".repeat(15), ")".repeat(15)),
    ];
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let data = json!({ "a": [1, 2] });
            for source in &worst {
                assert!(source.chars().count() <= MAX_EXPRESSION_CHARS, "{source}");
                let expression = JiraExpression::parse(source).expect(source);
                let _ = expression.evaluate(&data);
            }
            // One level deeper is refused before it costs more stack.
            let deeper = format!("{}true{}", "(".repeat(32), ")".repeat(32));
            assert_eq!(
                JiraExpression::parse(&deeper).map(|_| ()).unwrap_err().kind,
                ParseErrorKind::TooDeep
            );
        })
        .unwrap()
        .join()
        .unwrap();
}
