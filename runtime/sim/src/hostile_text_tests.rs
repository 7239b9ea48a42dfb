//! The simulator's two languages under hostile text: whatever JQL or Jira expression an app
//! sends, the simulator answers a result or a typed error, and never panics.
//!
//! An app writes both (`/search/jql`, `/expression/eval`), and the embedded simulator runs in
//! the host's process: a panic there drops the app's request and, with a lock held, could stop
//! the site answering anyone. Hand-written tests take the paths someone thought of; these
//! splice each language's words into shapes its parser accepts often enough to reach the
//! compiler and the evaluator behind it. The generator is seeded, so a failure reproduces; set
//! `KILN_SIM_HOSTILE_CASES` to run more than CI's share, and `KILN_SIM_HOSTILE_PRINT` (with
//! `--nocapture`) to see each text and what became of it.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::expression::{self, Context, ExpressionError, Site};
use crate::jql::compile;
use crate::seed::Seed;
use crate::world::World;

/// CI's share per language: enough to walk each construct many times, seconds on two cores.
const CASES: u32 = 1_500;

const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";

fn cases() -> u32 {
    std::env::var("KILN_SIM_HOSTILE_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(CASES)
}

fn runner() -> TestRunner {
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// A text made from `shapes` whose `{}` holes take `fills`, or (one case in five) `words`
/// alone, in any order.
fn text(
    shapes: &'static [&'static str],
    fills: &'static [&'static str],
    words: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let fill = prop_oneof![
        5 => prop::sample::select(fills).prop_map(str::to_owned),
        1 => prop::collection::vec(prop::sample::select(words), 1..=3)
            .prop_map(|words| words.join(" ")),
    ];
    let shaped = (prop::sample::select(shapes), prop::collection::vec(fill, 6)).prop_map(
        |(shape, fills)| {
            let mut text = shape.to_owned();
            for fill in fills {
                text = text.replacen("{}", &fill, 1);
            }
            text
        },
    );
    let loose = prop::collection::vec(prop::sample::select(words), 1..=16)
        .prop_map(|words| words.join(" "));
    prop_oneof![4 => shaped, 1 => loose]
}

const JQL_SHAPES: &[&str] = &[
    "{} AND {} ORDER BY created DESC",
    "({} OR {}) AND NOT {}",
    "{}",
    "project = KILN AND {} ORDER BY priority DESC, key ASC, cf[10000]",
    "{} OR {} ORDER BY rank, duedate, \"Story Points\" DESC",
    "NOT ({} AND ({} OR ({})))",
];

const JQL_FILLS: &[&str] = &[
    "project = KILN",
    "project in (KILN, \"No such\")",
    "status = 'In Progress'",
    "status WAS Done BY currentUser() DURING (-1w, now())",
    "status CHANGED FROM 'To Do' TO Done AFTER startOfMonth()",
    "assignee = currentUser()",
    "assignee IS EMPTY",
    "assignee in membersOf('jira-users')",
    "reporter != 5b10ac8d82e05b22cc7d4ca1",
    "labels in (docs, release)",
    "labels NOT IN (x)",
    "summary ~ 'crash*'",
    "text ~ \"\\\"exact phrase\\\"~2\"",
    "description !~ 'a AND b'",
    "created >= -1d",
    "updated < '2024-02-30'",
    "duedate <= endOfWeek(+1)",
    "due <= startOfDay(-999999d)",
    "priority > Low",
    "issuetype = Bug",
    "key = KILN-1",
    "issuekey > KILN-999999999999999999999",
    "parent = KILN-1",
    "sprint in openSprints()",
    "sprint = 1",
    "fixVersion = '1.0'",
    "cf[10000] = 3",
    "\"Story Points\" > 2",
    "issue.property[triage].level = 'high'",
    "issue.property['a.b'].c.d IS NOT EMPTY",
    "filter = 10000",
    "watcher = currentUser()",
    "resolution = Unresolved",
    "statusCategory = Done",
    "comment ~ hello",
];

const JQL_WORDS: &[&str] = &[
    "project",
    "status",
    "assignee",
    "summary",
    "text",
    "created",
    "cf[10000]",
    "issue",
    "property",
    "[",
    "]",
    ".",
    "=",
    "!=",
    "~",
    "!~",
    ">",
    ">=",
    "<",
    "<=",
    "IN",
    "NOT",
    "IS",
    "EMPTY",
    "NULL",
    "WAS",
    "CHANGED",
    "BY",
    "DURING",
    "ON",
    "BEFORE",
    "AFTER",
    "FROM",
    "TO",
    "AND",
    "OR",
    "ORDER",
    "ASC",
    "DESC",
    "(",
    ")",
    ",",
    "KILN",
    "KILN-1",
    "'x'",
    "\"",
    "'",
    "\\",
    "currentUser()",
    "now()",
    "startOfDay(",
    "-1d",
    "+4w",
    "99999999999999999999",
    "membersOf(",
    "openSprints()",
    "é",
    "\u{0}",
    "%",
    "*",
    "?",
    "&&",
    "||",
    "!",
    "-",
];

#[test]
fn any_jql_compiles_or_errs() {
    let world = World::from_seed(&Seed::default()).expect("the default seed");
    runner()
        .run(&text(JQL_SHAPES, JQL_FILLS, JQL_WORDS), |jql| {
            // A query that compiles also runs: the matching and the ordering are code a
            // compiled query reaches.
            let compiled = compile(&jql, &world, ALICE);
            if std::env::var_os("KILN_SIM_HOSTILE_PRINT").is_some() {
                eprintln!("JQL {jql} -> {:?}", compiled.as_ref().err());
            }
            if let Ok(query) = compiled {
                let mut hits: Vec<_> = world.issues.iter().filter(|i| query.matches(i)).collect();
                query.sort(&mut hits, &world);
            }
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
}

const EXPRESSION_SHAPES: &[&str] = &[
    "{}",
    "{} + {}",
    "{} ? {} : {}",
    "issues.map(i => {}).filter(v => {})",
    "{}.reduce((a, b) => {}, {})",
    "{ k: {}, 'q': [{}, {}] }",
    "let x = {}; x.length + {}",
    "{} == {} && !({} || {})",
];

const EXPRESSION_FILLS: &[&str] = &[
    "issue.key",
    "issue.summary",
    "issue.id",
    "issue.status.name",
    "issue.assignee?.displayName",
    "issue.labels",
    "issue.properties['triage']",
    "issue.comments.map(c => c.body.plainText)",
    "issue.created.toISOString()",
    "issue.subtasks.length",
    "issue.links",
    "issues.length",
    "issues",
    "project.key",
    "user.accountId",
    "new Date()",
    "new Date('2024-02-30').plusDays(-100000)",
    "new Calendar(99999999).toCalendarDate()",
    "'abc'.match('(a)|(b)+')",
    "'aaa'.replace('a', '$&$1$<x>')",
    "'x'.repeat(1000000)",
    "'abc'.split('')",
    "'abc'.slice(-1, 99)",
    "'abc'.substring(5, -3)",
    "'ﬀé'.toUpperCase()",
    "[1, 2, 3].sort()",
    "[].reduce((a, b) => a + b)",
    "[[[[[]]]]].flatten()",
    "Object.keys({})",
    "1 / 0",
    "-0",
    "9007199254740993",
    "1e309",
    "0.1 + 0.2",
    "null",
    "undefined",
    "'\\u{1F600}'",
    "typeof issue",
    "issue.key.length % 0",
];

const EXPRESSION_WORDS: &[&str] = &[
    "issue",
    "issues",
    "user",
    "project",
    "sprint",
    "board",
    ".",
    "?.",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ";",
    "=>",
    "let",
    "new",
    "Date",
    "map",
    "filter",
    "reduce",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    ">",
    "&&",
    "||",
    "!",
    "??",
    "?",
    "'x'",
    "\"",
    "'",
    "`",
    "\\",
    "1",
    "0",
    "-1",
    "1e400",
    "key",
    "length",
    "match",
    "'(?<a>x)\\k<a>'",
    "'[\\1]'",
    "'\\8'",
    "'\\k<x>'",
    "'(?=a)('",
    "typeof",
    "this",
    "é",
    "\u{0}",
];

#[test]
fn any_expression_evaluates_or_errs() {
    let world = World::from_seed(&Seed::default()).expect("the default seed");
    let issue = world.issues.first().map(|i| i.id);
    let context = Context {
        issue,
        issues: Some(world.issues.iter().take(5).map(|i| i.id).collect()),
        project: Some(String::from("KILN")),
        ..Context::default()
    };
    let site = Site {
        world: &world,
        account_id: ALICE,
    };
    runner()
        .run(
            &text(EXPRESSION_SHAPES, EXPRESSION_FILLS, EXPRESSION_WORDS),
            |text| {
                // The evaluator runs on a thread of its own and reports a panic there as
                // `NoEvaluator`: caught, but still a defect.
                let outcome = expression::evaluate(&text, &site, &context, "https://sim.test");
                prop_assert!(
                    !matches!(outcome, Err(ExpressionError::NoEvaluator(_))),
                    "{text}: {outcome:?}"
                );
                if std::env::var_os("KILN_SIM_HOSTILE_PRINT").is_some() {
                    eprintln!("EXPR {text} -> {:?}", outcome.as_ref().map(|e| &e.value));
                }
                let syntax = expression::check_syntax(&text);
                prop_assert!(
                    !matches!(syntax, Err(ExpressionError::NoEvaluator(_))),
                    "{text}: {syntax:?}"
                );
                Ok(())
            },
        )
        .unwrap_or_else(|failure| panic!("{failure}"));
}
