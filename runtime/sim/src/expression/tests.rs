//! The evaluator end to end on the built-in site: values, Jira objects,
//! permissions, limits and hostile expressions.

use serde_json::{Value as Json, json};

use super::limits::{MAX_EXPENSIVE_OPERATIONS, MAX_STEPS};
use super::{Context, ExpressionError, Site, evaluate};
use crate::seed::Seed;
use crate::world::World;

const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";
const CAROL: &str = "5b10ac8d82e05b22cc7d4ca1";
const LINKS: &str = "https://sim.test";

fn world() -> World {
    World::from_seed(&Seed::default()).expect("the default seed")
}

fn issue_id(world: &World, key: &str) -> u64 {
    world
        .issues
        .iter()
        .find(|i| i.key == key)
        .map(|i| i.id)
        .expect("seeded issue")
}

/// `text` evaluated as Alice with KILN-1 as `issue` and every KILN issue as
/// `issues`.
fn run(text: &str) -> Result<Json, ExpressionError> {
    let world = world();
    let context = Context {
        issue: Some(issue_id(&world, "KILN-1")),
        issues: Some(
            world
                .issues
                .iter()
                .filter(|i| i.project_key == "KILN")
                .map(|i| i.id)
                .collect(),
        ),
        project: Some(String::from("KILN")),
        ..Context::default()
    };
    let site = Site {
        world: &world,
        account_id: ALICE,
    };
    evaluate(text, &site, &context, LINKS).map(|e| e.value)
}

fn value(text: &str) -> Json {
    run(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn failure(text: &str) -> String {
    match run(text) {
        Ok(v) => panic!("{text} evaluated to {v}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn literals_and_operators_evaluate_as_javascript() {
    assert_eq!(value("1 + 2 * 3"), json!(7));
    assert_eq!(value("7 % 4 - 0.5"), json!(2.5));
    assert_eq!(value("1 / 0"), Json::Null, "Infinity is null in JSON");
    assert_eq!(value("'a' + 1 + true + null"), json!("a1truenull"));
    assert_eq!(
        value("[1, 'x', null, true, [2]]"),
        json!([1, "x", null, true, [2]])
    );
    assert_eq!(
        value("{ a: 1, 'b c': [2], a: 3 }"),
        json!({ "a": 3, "b c": [2] })
    );
    assert_eq!(
        value("1 < 2 && 'b' > 'a' && 2 >= 2 && !(1 == 2)"),
        json!(true)
    );
    assert_eq!(value("null || 0 || 'fallback'"), json!("fallback"));
    assert_eq!(value("'' && x"), json!(""), "&& short-circuits");
    assert_eq!(
        value("[1, [2]] == [1, [2]] && { a: 1 } != { a: 2 }"),
        json!(true)
    );
    assert_eq!(value("1 > 2 ? 'yes' : 'no'"), json!("no"));
    assert_eq!(
        value("typeof 1 + typeof 'a' + typeof [] + typeof issue"),
        json!("NumberStringListIssue")
    );
    assert_eq!(value("-(2) + +3"), json!(1));
    assert_eq!(
        value("1e308 * 10 > 0"),
        json!(true),
        "overflow is Infinity, never a panic"
    );
}

#[test]
fn arrow_functions_close_over_their_scope() {
    assert_eq!(value("(x => x * 2)(21)"), json!(42));
    assert_eq!(
        value("((a, b) => [a, b])(1)"),
        json!([1, null]),
        "a missing argument is null"
    );
    assert_eq!(
        value("((a) => a)(1, 2)"),
        json!(1),
        "an extra argument is dropped"
    );
    assert_eq!(value("(a => b => a + b)(1)(2)"), json!(3));
    assert_eq!(
        value("[1, 2].map(x => [1, 2].map(y => x * 10 + y))"),
        json!([[11, 12], [21, 22]])
    );
    assert_eq!(
        value("x => x"),
        json!("x => x"),
        "a function's value is its text"
    );
}

#[test]
fn list_methods() {
    assert_eq!(value("[1, 2, 3].map((x, i) => x + i)"), json!([1, 3, 5]));
    assert_eq!(value("[1, 2, 3, 4].filter(x => x % 2 == 0)"), json!([2, 4]));
    assert_eq!(
        value("[[1, 2].some(x => x > 1), [1, 2].every(x => x > 1)]"),
        json!([true, false])
    );
    assert_eq!(value("[1, 2, 3].find(x => x > 1)"), json!(2));
    assert_eq!(
        value("[1, 'a'].includes('a') && [1, 'a'].indexOf(2) == -1"),
        json!(true)
    );
    assert_eq!(
        value("[1, null, 'a'].join('-') + [1, 2].join()"),
        json!("1--a1,2")
    );
    assert_eq!(value("[1, 2, 3, 4].slice(1, -1)"), json!([2, 3]));
    assert_eq!(value("[1, 2, 3].slice(-2)"), json!([2, 3]));
    assert_eq!(value("[[1, 2], 3, [[4]]].flatten()"), json!([1, 2, 3, [4]]));
    assert_eq!(value("[1, 2, 3].reduce((a, x) => a + x, 10)"), json!(16));
    assert_eq!(value("[1, 2, 3].reduce((a, x) => a + x)"), json!(6));
    assert_eq!(value("[3, 1, 2].sort()"), json!([1, 2, 3]));
    assert_eq!(value("['b', 'a'].sort()"), json!(["a", "b"]));
    assert_eq!(value("[1, 3, 2].sort((a, b) => b - a)"), json!([3, 2, 1]));
    assert_eq!(value("[1].concat([2, 3], 4)"), json!([1, 2, 3, 4]));
    assert_eq!(value("[[1, 2].length, [][0]]"), json!([2, null]));
    assert!(failure("[].reduce((a, x) => a)").contains("empty list"));
    assert!(failure("[1, 'a'].sort()").contains("Can't compare Number to String."));
    assert!(failure("[1].nope()").contains("Unrecognized method of type 'List': \"nope\""));
}

#[test]
fn string_methods_count_characters_and_never_cut_one() {
    assert_eq!(value("'héllo wörld'.length"), json!(11));
    assert_eq!(value("'héllo'.slice(1, 3)"), json!("él"));
    assert_eq!(value("'日本語'.slice(-2)"), json!("本語"));
    assert_eq!(value("'日本語'[1]"), json!("本"));
    assert_eq!(value("'日本語'.indexOf('語')"), json!(2));
    assert_eq!(
        value("['Ab'.toLowerCase(), 'ß'.toUpperCase(), ' x '.trim()]"),
        json!(["ab", "SS", "x"])
    );
    assert_eq!(value("'a,b,,c'.split(',')"), json!(["a", "b", "", "c"]));
    assert_eq!(value("'añ'.split('')"), json!(["a", "ñ"]));
    assert_eq!(value("'aXbX'.replace('X', '-')"), json!("a-bX"));
    assert_eq!(
        value("['abc'.includes('b'), 'abc'.startsWith('ab'), 'abc'.endsWith('bc')]"),
        json!([true, true, true])
    );
    assert!(
        failure("'a'.localeCompare('b')").contains("does not model the method `localeCompare`")
    );
    assert!(failure("'a'.nope()").contains("Unrecognized method of type 'String'"));
}

#[test]
fn resolution_environment_and_time_tracking_read_the_issue() {
    let mut world = world();
    let id = issue_id(&world, "KILN-1");
    let issue = world
        .issues
        .iter_mut()
        .find(|i| i.id == id)
        .expect("KILN-1");
    issue.resolution = crate::world::resolution::RESOLUTIONS.first();
    issue.resolution_date = Some(time::macros::datetime!(2026-01-02 03:04:05 UTC));
    issue.estimates.original = Some(7_200);
    issue.estimates.remaining = None;
    let resolution_name = crate::world::resolution::RESOLUTIONS[0].name;
    let context = Context {
        issue: Some(id),
        ..Context::default()
    };
    let site = Site {
        world: &world,
        account_id: ALICE,
    };
    let read = |text: &str| {
        evaluate(text, &site, &context, LINKS)
            .map(|e| e.value)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    };
    assert_eq!(
        read(
            "[issue.resolution.name, typeof issue.resolution, issue.resolutionDate.toISOString()]"
        ),
        json!([resolution_name, "Resolution", "2026-01-02T03:04:05.000Z"])
    );
    assert_eq!(
        read("[issue.originalEstimate, issue.remainingEstimate, issue.timeSpent]"),
        json!([7200, null, null])
    );
    // As a result, the resolution is its REST representation.
    assert_eq!(read("issue.resolution")["name"], json!(resolution_name));
    assert_eq!(
        read("issue.resolution")["self"]
            .as_str()
            .map(|s| s.starts_with(LINKS)),
        Some(true)
    );
    // Without an environment: null. A seeded issue resolved as Done reads so.
    assert_eq!(value("issue.environment"), Json::Null);
    assert_eq!(value("issue.resolution?.name"), json!("Done"));
}

#[test]
fn more_list_methods_follow_javascript() {
    assert_eq!(value("[1, 2, 3].at(-1)"), json!(3));
    assert_eq!(value("[[1, 2, 3].at(3), [].at(0)]"), json!([null, null]));
    assert_eq!(
        value("[[5, 6, 7].findIndex(x => x > 5), [5].findIndex(x => x > 5)]"),
        json!([1, -1])
    );
    assert_eq!(
        value(
            "[[5, 6, 7].findLast(x => x > 5), [5, 6, 7].findLastIndex(x => x < 7), [1].findLast(x => false)]"
        ),
        json!([7, 1, null])
    );
    assert_eq!(value("[1, 2, 1].lastIndexOf(1)"), json!(2));
    assert_eq!(
        value("[1, 2].flatMap(x => [x, x * 10])"),
        json!([1, 10, 2, 20])
    );
    assert_eq!(value("[1, 2].flatMap(x => x)"), json!([1, 2]));
    assert!(failure("[1].reverse()").contains("does not model the method `reverse`"));
    // A flatMap that grows without bound is refused as it grows.
    assert!(
        failure("let big = [1,2,3,4,5,6,7,8,9,10].flatMap(a => [1,2,3,4,5,6,7,8,9,10]).flatMap(b => [1,2,3,4,5,6,7,8,9,10]); big.flatMap(c => big)")
            .contains("list items")
    );
}

#[test]
fn more_string_methods_follow_javascript() {
    assert_eq!(value("'日本語'.at(-1)"), json!("語"));
    assert_eq!(
        value("['abc'.at(5), 'abc'.charAt(5), 'abc'.charAt()]"),
        json!([null, "", "a"])
    );
    assert_eq!(value("'abcabc'.lastIndexOf('bc')"), json!(4));
    assert_eq!(value("'héllo'.lastIndexOf('z')"), json!(-1));
    assert_eq!(
        value(
            "['héllo'.substring(1, 3), 'héllo'.substring(3, 1), 'abc'.substring(-2), 'abc'.substring(1)]"
        ),
        json!(["él", "él", "abc", "bc"])
    );
    assert_eq!(
        value("['7'.padStart(3, '0'), 'ab'.padEnd(5, 'xy'), 'abc'.padStart(2), 'a'.padStart(3)]"),
        json!(["007", "abxyx", "abc", "  a"])
    );
    assert_eq!(
        value("['ab'.repeat(3), 'x'.repeat(0)]"),
        json!(["ababab", ""])
    );
    assert_eq!(value("'a-b-c'.replaceAll('-', '+')"), json!("a+b+c"));
    assert_eq!(value("'ab'.replaceAll('', '.')"), json!(".a.b."));
    assert_eq!(
        value("['  x '.trimStart(), ' x  '.trimEnd()]"),
        json!(["x ", " x"])
    );
    assert!(failure("'a'.repeat(-1)").contains("must be a finite Number"));
    assert!(failure("'a'.substring('1')").contains("takes at most two Number positions"));
    // What would build more text than the simulator's bound is refused before
    // it is built.
    for hostile in [
        "'ab'.repeat(1e15)",
        "'a'.padStart(1e12)",
        "'a'.padEnd(2000000, 'xy')",
        "'aaaaaaaaaa'.replaceAll('', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb').repeat(10000)",
    ] {
        assert!(failure(hostile).contains("characters of text"), "{hostile}");
    }
    assert_eq!(value("''.repeat(1e300)"), json!(""));
}

#[test]
fn issue_members_read_the_site() {
    let v = value(
        "{ key: issue.key, id: typeof issue.id, summary: issue.summary, \
         description: issue.description.plainText.split('. ')[0], \
         status: [issue.status.name, issue.status.category.key], type: issue.issueType.name, \
         priority: issue.priority.name, assignee: issue.assignee.displayName, \
         reporter: issue.reporter.accountId, creator: issue.creator.accountId, \
         project: issue.project.key, labels: issue.labels, \
         comments: issue.comments.map(c => [c.author.displayName, c.body.plainText]), \
         createdBeforeUpdated: issue.created <= issue.updated, \
         created: issue.created.toISOString(), millis: issue.created.getTime(), \
         parent: issue.parent, subtasks: issue.subtasks.length }",
    );
    assert_eq!(v["key"], "KILN-1");
    assert_eq!(v["id"], "Number");
    assert_eq!(v["summary"], "Sandbox escapes must be impossible");
    assert_eq!(v["description"], "Audit every host import");
    assert_eq!(v["status"], json!(["Done", "done"]));
    assert_eq!(v["type"], "Story");
    assert_eq!(v["assignee"], "Alice Admin");
    assert_eq!(v["reporter"], ALICE);
    assert_eq!(v["creator"], ALICE);
    assert_eq!(v["project"], "KILN");
    assert_eq!(v["labels"], json!(["security", "sandbox"]));
    assert_eq!(
        v["comments"],
        json!([
            [
                "Bob User",
                "Reviewed the import list; only jira and log remain."
            ],
            ["Alice Admin", "Closing after the audit."]
        ])
    );
    assert_eq!(v["createdBeforeUpdated"], true);
    assert_eq!(v["created"], "2025-01-06T09:00:00.000Z");
    assert_eq!(v["millis"], json!(1_736_154_000_000_i64));
    assert_eq!(v["parent"], Json::Null);
    assert_eq!(v["subtasks"], 0);
    assert_eq!(value("user.accountId"), json!(ALICE));
    assert_eq!(
        value("[project.key, project.name, typeof project.id]"),
        json!(["KILN", "Kiln", "Number"])
    );
    let kiln: Vec<String> = world()
        .issues
        .iter()
        .filter(|i| i.project_key == "KILN")
        .map(|i| i.key.clone())
        .collect();
    assert_eq!(value("issues.map(i => i.key)"), json!(kiln));
}

#[test]
fn a_jira_object_in_the_result_is_its_rest_representation() {
    let v = value("[issue.status, user, issue.priority, issue.project]");
    assert_eq!(v[0]["name"], "Done");
    assert_eq!(v[0]["self"], format!("{LINKS}/rest/api/3/status/10001"));
    assert_eq!(v[1]["accountId"], ALICE);
    assert_eq!(v[1]["displayName"], "Alice Admin");
    assert!(v[2]["name"].is_string());
    assert_eq!(v[3]["key"], "KILN");
    let issue = value("issue");
    assert_eq!(issue["key"], "KILN-1");
    assert_eq!(
        issue["fields"]["summary"],
        "Sandbox escapes must be impossible"
    );
    assert_eq!(value("issue.description")["type"], "doc");
}

#[test]
fn unknown_and_unmodelled_members_fail_in_jiras_words() {
    assert_eq!(
        failure("issue['a' + 'b']"),
        "Evaluation failed: \"issue['a' + 'b']\" - Unrecognized property of `issue`: \"ab\" \
         ('a' + 'b'). Available properties of type 'Issue' are: 'assignee', 'comments', \
         'created', 'creator', 'description', 'dueDate', 'environment', 'id', 'issueType', \
         'key', 'labels', 'links', 'originalEstimate', 'parent', 'priority', 'project', 'properties', \
         'remainingEstimate', 'reporter', 'resolution', 'resolutionDate', 'status', 'subtasks', \
         'summary', 'timeSpent', 'updated', 'voters', 'votes', 'watchers', 'watches'"
    );
    let versions = run("issue.fixVersions").unwrap_err();
    assert!(versions.is_not_modelled(), "{versions}");
    assert!(
        versions
            .to_string()
            .contains("the property `fixVersions` of type 'Issue'")
    );
    assert!(failure("nothing").contains("Unrecognized identifier: nothing."));
    assert!(run("JSON.stringify(1)").unwrap_err().is_not_modelled());
    assert_eq!(
        value("sprint"),
        Json::Null,
        "a context variable not provided is null"
    );
    assert_eq!(
        failure("sprint.id"),
        "Evaluation failed: \"sprint.id\" - Cannot read property \"id\" of null (`sprint`)."
    );
    assert!(failure("1 < 'a'").contains("Can't compare Number to String."));
    assert!(failure("[] - 1").contains("Operator - cannot be applied to List and Number."));
    assert!(failure("(1)(2)").contains("A Number is not a function."));
}

#[test]
fn hidden_issues_read_as_none() {
    let world = world();
    let sec = issue_id(&world, "SEC-1");
    let site = Site {
        world: &world,
        account_id: CAROL,
    };
    // The handler never gives Carol SEC-1; were it reached (a parent, a
    // subtask), it reads as no issue and renders as null.
    assert!(site.issue(sec).is_none());
    assert!(
        Site {
            world: &world,
            account_id: ALICE
        }
        .issue(sec)
        .is_some()
    );
}

#[test]
fn complexity_is_counted_and_limits_bite() {
    let world = world();
    let site = Site {
        world: &world,
        account_id: ALICE,
    };
    let context = Context {
        issue: Some(issue_id(&world, "KILN-1")),
        ..Context::default()
    };
    let evaluation = evaluate(
        "issue.comments.length + issue.comments.length",
        &site,
        &context,
        LINKS,
    )
    .expect("evaluates");
    assert_eq!(evaluation.value, json!(4));
    assert_eq!(evaluation.complexity.expensive_operations, 1, "loaded once");
    assert!(evaluation.complexity.steps > 0);
    assert_eq!(evaluation.complexity.primitive_values, 1);
    let beans = evaluate("[user, user]", &site, &context, LINKS).expect("evaluates");
    assert_eq!(beans.complexity.beans, 2);

    // More issues' comments than the limit of expensive operations: the seed's
    // first issue copied under new ids.
    let mut crowded = world.clone();
    let template = crowded.issues[0].clone();
    for n in 1..=u64::from(MAX_EXPENSIVE_OPERATIONS) {
        let mut copy = template.clone();
        copy.id = 90_000 + n;
        copy.key = format!("KILN-{}", 900 + n);
        crowded.issues.push(copy);
    }
    let ids: Vec<u64> = crowded
        .issues
        .iter()
        .filter(|i| i.project_key == "KILN")
        .map(|i| i.id)
        .collect();
    assert!(ids.len() > MAX_EXPENSIVE_OPERATIONS as usize);
    let site = Site {
        world: &crowded,
        account_id: ALICE,
    };
    let crowded_context = Context {
        issues: Some(ids),
        ..Context::default()
    };
    assert_eq!(
        evaluate(
            "issues.map(i => i.comments.length)",
            &site,
            &crowded_context,
            LINKS
        )
        .unwrap_err()
        .to_string(),
        format!(
            "Evaluation failed: \"i.comments\" - The expression exceeded the limit of \
             {MAX_EXPENSIVE_OPERATIONS} expensive operations."
        )
    );
    assert!(evaluate("issues.map(i => i.key)", &site, &crowded_context, LINKS).is_ok());

    let thirty = (0..30).map(|n| n.to_string()).collect::<Vec<_>>().join(",");
    let steps = failure(&format!(
        "[{thirty}].map(a => [{thirty}].map(b => [{thirty}].map(c => a + b + c)))"
    ));
    assert!(
        steps.ends_with(&format!(
            "The expression exceeded the limit of {MAX_STEPS} steps."
        )),
        "{steps}"
    );
}

#[test]
fn hostile_expressions_are_bounded() {
    // Doubling a string: stopped by the text budget, not memory.
    let doubling = format!(
        "['x']{}",
        ".map(s => s + s + s + s + s + s + s + s + s + s)".repeat(12)
    );
    assert!(
        failure(&doubling).contains("characters of text"),
        "{doubling}"
    );
    // Few steps, each walking a long list: stopped by the work budget. `l` is
    // 880 one-letter strings, `big` 88,000 of them.
    let letters = format!("'{}'.split('')", "a".repeat(880));
    let walking = format!(
        "(l => (big => l.map(x => big.includes('b')))(l.slice(0, 100).map(x => l).flatten()))({letters})"
    );
    assert!(failure(&walking).contains("walked more than"), "{walking}");
    // One string concatenated with itself many times in one call.
    let concat = format!(
        "['{}'].map(s => s + s + s + s + s + s + s + s + s + s)\
         .map(s => s + s + s + s + s + s + s + s + s + s).map(s => s.concat({}))",
        "x".repeat(300),
        ["s"; 40].join(", ")
    );
    let refused = failure(&concat);
    assert!(refused.contains("characters of text"), "{refused}");
    // Self-application recurses without end: stopped by the depth bound.
    assert!(failure("(f => f(f))(f => f(f))").contains("recursed deeper than"));
    // Nesting a value once per step.
    let nesting = format!(
        "[{}].reduce((a, x) => [a], [])",
        (0..150)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    assert!(failure(&nesting).contains("nests deeper than"));
    // A comparator that is no order does not panic the sort.
    assert_eq!(value("[3, 1, 2].sort((a, b) => 1).length"), json!(3));
    assert!(failure("[1, 2].sort((a, b) => 'x')").contains("must return a Number"));
    // Huge literals and odd positions.
    assert_eq!(value(&"9".repeat(400)), Json::Null);
    assert_eq!(value("'abc'.slice(1e300, -1e300)"), json!(""));
    assert_eq!(value("[1, 2][1.5]"), Json::Null);
    assert_eq!(value("'é'[-1]"), Json::Null);
    // Too long, too deep.
    assert_eq!(
        failure(&"1+".repeat(600)),
        "Jira expression is too long (1200), limit: 1000 characters"
    );
    assert!(failure(&format!("{}1", "!".repeat(500))).contains("nests deeper than"));
}

#[test]
fn issue_properties_read_as_values_and_cost_one_load() {
    let mut world = world();
    let kiln_1 = issue_id(&world, "KILN-1");
    let Some(issue) = world.issues.iter_mut().find(|i| i.id == kiln_1) else {
        panic!("KILN-1 is seeded");
    };
    issue.properties.insert(
        String::from("review"),
        json!({ "state": "approved", "by": ["a", "b"], "score": 4.5 }),
    );
    let mut deep = json!(1);
    for _ in 0..150 {
        deep = json!([deep]);
    }
    issue.properties.insert(String::from("deep"), deep);
    let site = Site {
        world: &world,
        account_id: ALICE,
    };
    let context = Context {
        issue: Some(kiln_1),
        ..Context::default()
    };
    let evaluation = evaluate(
        "[issue.properties['review'].state, issue.properties.get('review').by.length, \
         issue.properties.review.score, issue.properties.get('absent'), \
         issue.properties.keys()]",
        &site,
        &context,
        LINKS,
    )
    .expect("evaluates");
    assert_eq!(
        evaluation.value,
        json!(["approved", 2, 4.5, null, ["deep", "review"]])
    );
    assert_eq!(evaluation.complexity.expensive_operations, 1);
    let whole = evaluate("issue.properties", &site, &context, LINKS).expect("evaluates");
    assert_eq!(whole.value["review"]["state"], "approved");
    let too_deep = evaluate("issue.properties.deep", &site, &context, LINKS)
        .expect_err("too deep")
        .to_string();
    assert!(too_deep.contains("nests deeper than"), "{too_deep}");
}

#[test]
fn a_member_of_an_object_the_site_no_longer_has_is_null() {
    let world = world();
    let site = Site {
        world: &world,
        account_id: ALICE,
    };
    let context = Context::default();
    // `user` names an account the site has no record of.
    let ghost = Site {
        world: &world,
        account_id: "no-such-account",
    };
    let evaluation = evaluate(
        "[user.accountId, user.displayName, user.active]",
        &ghost,
        &context,
        LINKS,
    )
    .expect("evaluates");
    assert_eq!(evaluation.value, json!(["no-such-account", null, false]));
    // An unknown member is still an error, not null.
    assert!(evaluate("user.nope", &site, &context, LINKS).is_err());
}

#[test]
fn declarations_bind_values_for_what_follows() {
    assert_eq!(value("let a = 2; let b = a * 3; return a + b;"), json!(8));
    // `let` may be left out, as Jira's grammar allows.
    assert_eq!(value("n = issue.key; n + '!'"), json!("KILN-1!"));
    // A later declaration hides an earlier one and a context variable.
    assert_eq!(value("let a = 1; let a = a + 1; a"), json!(2));
    assert_eq!(value("let issue = 'mine'; issue"), json!("mine"));
    // An arrow function closes over the declarations before it.
    assert_eq!(
        value("let base = 10; let add = x => x + base; [1, 2].map(add)"),
        json!([11, 12])
    );
    // A name is bound only after its declaration: no recursion through it.
    assert!(failure("let f = x => f(x); f(1)").contains("Unrecognized identifier: f"));
}

#[test]
fn if_statements_are_conditionals_with_blocks() {
    let classify = |n: i32| {
        value(&format!(
            "let n = {n}; if (n > 0) {{ 'positive' }} else if (n < 0) {{ let word = 'negative'; \
             word }} else {{ return 'zero'; }}"
        ))
    };
    assert_eq!(classify(5), json!("positive"));
    assert_eq!(classify(-5), json!("negative"));
    assert_eq!(classify(0), json!("zero"));
    // A block's declaration hides an outer one inside the block.
    assert_eq!(
        value("let a = 1; if (a == 1) { let a = 2; a } else { a }"),
        json!(2)
    );
    // An `if` is a statement: not a value to declare.
    assert!(
        failure("let a = if (true) { 1 } else { 0 }; a").starts_with("Jira expression is invalid")
    );
}

#[test]
fn nullish_coalescing_takes_the_right_side_only_for_null() {
    assert_eq!(value("null ?? 'fallback'"), json!("fallback"));
    assert_eq!(value("issue.parent ?? 'no parent'"), json!("no parent"));
    // `false`, `0` and `''` are values, unlike for `||`.
    assert_eq!(
        value("[false ?? 1, 0 ?? 1, '' ?? 1]"),
        json!([false, 0, ""])
    );
    assert_eq!(value("[false || 1, 0 || 1]"), json!([1, 1]));
    // The right side is not evaluated when the left is a value.
    assert_eq!(value("1 ?? null.a"), json!(1));
}

#[test]
fn optional_chaining_short_circuits_the_whole_chain() {
    assert_eq!(value("issue.parent?.key"), Json::Null);
    assert_eq!(
        value("issue.parent?.summary.toUpperCase().length"),
        Json::Null,
        "null at an optional link ends the chain, not only the link"
    );
    assert_eq!(value("issue?.key"), json!("KILN-1"));
    assert_eq!(
        value("let o = null; [o?.[0], o?.a.b, o?.a()]"),
        json!([null, null, null])
    );
    assert_eq!(value("let f = null; f?.(1)"), Json::Null);
    assert_eq!(value("let f = x => x + 1; f?.(1)"), json!(2));
    assert_eq!(value("[[1]]?.[0]?.[0]"), json!(1));
    assert_eq!(value("(null)?.a ?? 'default'"), json!("default"));
    // Only the optional link is forgiving: a plain link after a value that is
    // null still fails.
    assert!(failure("issue?.parent.key").contains("Cannot read property"));
    // Inside a call's arguments, a chain is its own.
    assert_eq!(value("[null?.a, 1].length"), json!(2));
}

#[test]
fn template_literals_join_their_pieces_as_text() {
    assert_eq!(
        value("`${issue.key}: ${1 + 1} ${null} ${true}`"),
        json!("KILN-1: 2 null true")
    );
    assert_eq!(value("`plain`"), json!("plain"));
    assert_eq!(value("`a\\`b${'}'}c`"), json!("a`b}c"));
    // Braces inside a substitution are its own: an object literal, a nested
    // template.
    assert_eq!(value("`${ {a: 1}.a }-${ `in${'ner'}` }`"), json!("1-inner"));
    assert_eq!(value("`line\nbreak`.split('\\n').length"), json!(2));
    assert_eq!(
        value("`${issue.created}`"),
        json!("06/Jan/25 9:00 AM"),
        "a Date as its toString(), on the caller's (UTC) wall clock"
    );
    assert!(failure("`${[1]}`").contains("cannot be turned into text"));
    assert!(failure("`open").starts_with("Jira expression is invalid"));
    assert!(failure("`${1`").starts_with("Jira expression is invalid"));
    assert!(failure("`${}`").starts_with("Jira expression is invalid"));
}

#[test]
fn links_voters_and_watchers_read_the_issue() {
    let mut world = world();
    let (one, two) = (issue_id(&world, "KILN-1"), issue_id(&world, "KILN-2"));
    let blocks = &crate::world::issue_link::ISSUE_LINK_TYPES[0];
    // KILN-1 blocks KILN-2.
    world
        .issue_links
        .push(crate::world::issue_link::IssueLinkRecord {
            id: 77,
            link_type: blocks,
            inward: two,
            outward: one,
        });
    let kiln1 = world
        .issues
        .iter_mut()
        .find(|i| i.id == one)
        .expect("KILN-1");
    kiln1.voters = vec![String::from(CAROL)];
    kiln1.watchers = vec![String::from(ALICE), String::from(CAROL)];
    let site = Site {
        world: &world,
        account_id: ALICE,
    };
    let read = |key: u64, text: &str| {
        let context = Context {
            issue: Some(key),
            ..Context::default()
        };
        evaluate(text, &site, &context, LINKS)
            .map(|e| e.value)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    };
    assert_eq!(
        read(
            one,
            "issue.links.map(l => [l.id, l.direction, l.type.name, l.type.outward, l.linkedIssue.key])"
        ),
        json!([[77, "outward", blocks.name, blocks.outward, "KILN-2"]])
    );
    assert_eq!(
        read(
            two,
            "issue.links.map(l => [l.direction, l.linkedIssue.key])"
        ),
        json!([["inward", "KILN-1"]])
    );
    // A link in a result is the issue's `issuelinks` entry.
    let entry = read(one, "issue.links[0]");
    assert_eq!(entry["id"], json!("77"));
    assert_eq!(entry["type"]["name"], json!(blocks.name));
    assert!(entry.get("inwardIssue").is_some() || entry.get("outwardIssue").is_some());
    assert_eq!(
        read(
            one,
            "[issue.votes, issue.voters.map(u => u.accountId), issue.watches]"
        ),
        json!([1, [CAROL], 2])
    );
    assert_eq!(
        read(
            two,
            "[issue.votes, issue.voters, issue.watches == issue.watchers.length]"
        ),
        json!([0, [], true])
    );
}
