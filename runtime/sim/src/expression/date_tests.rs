//! The evaluator's dates end to end: `new Date(…)` and `new CalendarDate(…)`,
//! their methods, comparisons and text, `issue.dueDate`, dates in a result,
//! hostile amounts; and `user.groups`.

use std::time::{Duration, SystemTime};

use serde_json::{Value as Json, json};
use time::macros::date;

use super::{Context, ExpressionError, Site, evaluate};
use crate::seed::Seed;
use crate::world::World;

const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";
const BOB: &str = "5b10ac8d82e05b22cc7d4b0b";
const CAROL: &str = "5b10ac8d82e05b22cc7d4ca1";
const LINKS: &str = "https://sim.test";

/// 2026-03-01T02:30:00Z: still February 28 in New York (Carol's zone), already
/// March 1 in London (Alice's, GMT then).
const NOW_MILLIS: u64 = 1_772_332_200_000;

/// The default site with its clock stopped at [`NOW_MILLIS`] and KILN-1 due
/// on 2026-03-31.
fn world() -> World {
    let mut world = World::from_seed(&Seed::default()).expect("the default seed");
    world
        .clock
        .set(SystemTime::UNIX_EPOCH + Duration::from_millis(NOW_MILLIS));
    if let Some(issue) = world.issues.iter_mut().find(|i| i.key == "KILN-1") {
        issue.due_date = Some(date!(2026 - 03 - 31));
    }
    world
}

fn run_as(world: &World, who: &str, text: &str) -> Result<Json, ExpressionError> {
    let context = Context {
        issue: world
            .issues
            .iter()
            .find(|i| i.key == "KILN-1")
            .map(|i| i.id),
        ..Context::default()
    };
    let site = Site {
        world,
        account_id: who,
    };
    evaluate(text, &site, &context, LINKS).map(|e| e.value)
}

fn value_as(who: &str, text: &str) -> Json {
    run_as(&world(), who, text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn value(text: &str) -> Json {
    value_as(ALICE, text)
}

fn failure(text: &str) -> ExpressionError {
    match run_as(&world(), ALICE, text) {
        Ok(v) => panic!("{text} evaluated to {v}"),
        Err(e) => e,
    }
}

#[test]
fn dates_are_constructed_from_now_milliseconds_and_iso_text() {
    assert_eq!(value("new Date().getTime()"), json!(NOW_MILLIS));
    assert_eq!(value("new Date"), json!("2026-03-01T02:30:00.000+0000"));
    assert_eq!(
        value("new Date(0).toISOString()"),
        json!("1970-01-01T00:00:00.000Z")
    );
    assert_eq!(
        value("new Date(1.9).getTime()"),
        json!(1),
        "a fraction of a millisecond is dropped"
    );
    assert_eq!(
        value("new Date('2008-09-15T15:53:00+05:00').toISOString()"),
        json!("2008-09-15T10:53:00.000Z")
    );
    assert_eq!(
        value("new Date('2026-01-01').getTime()"),
        json!(1_767_225_600_000_u64),
        "a date alone is midnight UTC"
    );
    assert_eq!(value("typeof new Date()"), json!("Date"));
}

#[test]
fn a_date_in_the_result_is_jiras_rest_api_text() {
    assert_eq!(
        value("[issue.created, new Date(1530274597471)]"),
        json!([
            "2025-01-06T09:00:00.000+0000",
            "2018-06-29T12:16:37.471+0000"
        ])
    );
    assert_eq!(
        value("{ due: issue.dueDate, day: new CalendarDate('2024-02-29') }"),
        json!({ "due": "2026-03-31", "day": "2024-02-29" })
    );
}

#[test]
fn arithmetic_moves_by_calendar_units_in_utc() {
    assert_eq!(
        value(
            "let d = new Date('2024-01-31T10:00:00Z'); \
             [d.plusMonths(1), d.minusMonths(2), d.plusDays(1), d.minusDays(31), \
              d.plusHours(14), d.minusHours(10), d.plusMinutes(90), d.minusMinutes(1)]\
             .map(x => x.toISOString())"
        ),
        json!([
            "2024-02-29T10:00:00.000Z",
            "2023-11-30T10:00:00.000Z",
            "2024-02-01T10:00:00.000Z",
            "2023-12-31T10:00:00.000Z",
            "2024-02-01T00:00:00.000Z",
            "2024-01-31T00:00:00.000Z",
            "2024-01-31T11:30:00.000Z",
            "2024-01-31T09:59:00.000Z",
        ])
    );
    assert_eq!(
        value("issue.updated > new Date().minusDays(7)"),
        json!(false),
        "the documented example: KILN-1 was updated long ago"
    );
    assert_eq!(
        value("new Date().minusDays(7) < new Date() && new Date(5) == new Date(5)"),
        json!(true)
    );
    assert_eq!(
        value("new Date(5) != new Date(6) && new Date(5) <= new Date(5)"),
        json!(true)
    );
    assert_eq!(
        value("new Date('2008-09-15T15:53:00+05:00') == new Date('2008-09-15T10:53:00Z')"),
        json!(true),
        "the same instant, whatever offset it was written with"
    );
}

#[test]
fn getters_read_utc_or_the_callers_wall_clock() {
    // 2026-03-01T02:30Z is Sunday March 1 in London, Saturday February 28,
    // 21:30, in New York.
    let getters = "let d = new Date(); [d.getFullYear(), d.getMonth(), d.getDate(), d.getDay(), \
                   d.getHours(), d.getMinutes(), d.getUTCHours(), d.getUTCDate()]";
    assert_eq!(
        value_as(ALICE, getters),
        json!([2026, 2, 1, 0, 2, 30, 2, 1])
    );
    assert_eq!(
        value_as(CAROL, getters),
        json!([2026, 1, 28, 6, 21, 30, 2, 1])
    );
    assert_eq!(
        value("new Date(1234).getSeconds() + new Date(1234).getMilliseconds()"),
        json!(235)
    );
}

#[test]
fn to_string_and_calendar_dates_follow_the_callers_time_zone() {
    assert_eq!(
        value_as(ALICE, "new Date().toString()"),
        json!("01/Mar/26 2:30 AM")
    );
    assert_eq!(
        value_as(CAROL, "new Date().toString()"),
        json!("28/Feb/26 9:30 PM")
    );
    assert_eq!(
        value_as(BOB, "'at ' + new Date()"),
        json!("at 01/Mar/26 3:30 AM")
    );
    assert_eq!(
        value_as(CAROL, "new Date().toCalendarDate()"),
        json!("2026-02-28")
    );
    assert_eq!(
        value_as(CAROL, "new Date().toCalendarDateUTC()"),
        json!("2026-03-01")
    );
    assert_eq!(value_as(CAROL, "new CalendarDate()"), json!("2026-02-28"));
    assert_eq!(value_as(ALICE, "new CalendarDate()"), json!("2026-03-01"));
}

#[test]
fn calendar_dates_have_their_documented_methods() {
    assert_eq!(
        value(
            "let d = issue.dueDate; [typeof d, d.getFullYear(), d.getMonth(), d.getDate(), \
             d.getDay(), d.toISOString(), d.toString(), `${d}`]"
        ),
        json!([
            "CalendarDate",
            2026,
            2,
            31,
            2,
            "2026-03-31",
            "31/Mar/26",
            "31/Mar/26"
        ])
    );
    assert_eq!(
        value(
            "let d = issue.dueDate; [d.plusMonths(1), d.minusMonths(1), d.plusDays(1), d.minusDays(31)]"
        ),
        json!(["2026-04-30", "2026-02-28", "2026-04-01", "2026-02-28"])
    );
    assert_eq!(
        value(
            "issue.dueDate > new CalendarDate('2026-03-30') && \
             issue.dueDate == new CalendarDate('2026-03-31') && \
             new Date('2026-03-31T23:00:00Z').toCalendarDateUTC() == issue.dueDate"
        ),
        json!(true)
    );
    let mut world = world();
    for issue in &mut world.issues {
        issue.due_date = None;
    }
    assert_eq!(
        run_as(&world, ALICE, "issue.dueDate").expect("evaluates"),
        Json::Null
    );
}

#[test]
fn misuse_fails_in_typed_errors() {
    for (text, expected) in [
        ("new Date('yesterday')", "Invalid date: 'yesterday'"),
        ("new Date('2026-02-30')", "Invalid date"),
        ("new CalendarDate('2026-01-01T00:00Z')", "Invalid date"),
        ("new Date([])", "The constructor Date takes"),
        ("new Date(1, 2)", "The constructor Date takes"),
        ("new CalendarDate(1)", "The constructor CalendarDate takes"),
        ("new Nothing()", "Unrecognized constructor: Nothing."),
        ("new Date().plusDays('1')", "takes one Number"),
        (
            "issue.dueDate.plusHours(1)",
            "Unrecognized method of type 'CalendarDate'",
        ),
        (
            "issue.dueDate.getHours()",
            "Unrecognized method of type 'CalendarDate'",
        ),
        (
            "new Date() < issue.dueDate",
            "Can't compare Date to CalendarDate",
        ),
        ("new Date() < 1", "Can't compare Date to Number"),
        (
            "new Date() + 1",
            "Operator + cannot be applied to Date and Number",
        ),
    ] {
        let error = failure(text);
        assert!(
            matches!(error, ExpressionError::Evaluation { .. })
                && error.to_string().contains(expected),
            "{text}: {error}"
        );
    }
    for text in [
        "new Date() - new Date()",
        "new Date().getTimezoneOffset()",
        "new Date().setFullYear(2000)",
        "new Issue('KILN-1')",
        "Date.now()",
    ] {
        assert!(failure(text).is_not_modelled(), "{text}");
    }
}

#[test]
fn hostile_amounts_and_dates_are_refused_not_overflowed() {
    for text in [
        "new Date().plusDays(1e15)",
        "new Date().minusMonths(1e300)",
        "new Date().plusMinutes(0 / 0)",
        "new Date().plusHours(1 / 0)",
        "new Date().plusDays(3000000)",
        "issue.dueDate.plusDays(1e15)",
        "issue.dueDate.minusMonths(12 * 2027)",
        "new Date(8.64e15)",
        "new Date(-1e300)",
        "new Date('9999-12-31T23:59:00-10:00')",
    ] {
        let error = failure(text);
        assert!(
            matches!(error, ExpressionError::Evaluation { .. }),
            "{text}: {error}"
        );
    }
    let long = format!("new Date('{}')", "9".repeat(900));
    assert!(failure(&long).to_string().contains("Invalid date"));
    // The last day the simulator keeps, and one past it.
    assert_eq!(
        value("new CalendarDate('9999-12-30').plusDays(1)"),
        json!("9999-12-31")
    );
    assert!(matches!(
        failure("new CalendarDate('9999-12-31').plusDays(1)"),
        ExpressionError::Evaluation { .. }
    ));
}

#[test]
fn a_users_groups_are_read_by_name_or_id() {
    assert_eq!(
        value("user.groups"),
        json!(["jira-software-users", "kiln-developers", "site-admins"])
    );
    assert_eq!(
        value_as(CAROL, "user.groups"),
        json!(["jira-software-users"])
    );
    let ids = value("user.groupIds");
    assert_eq!(ids.as_array().map(Vec::len), Some(3));
    assert!(ids.as_array().is_some_and(|ids| {
        ids.iter()
            .all(|id| id.as_str().is_some_and(|s| s.len() == 36))
    }));
    // A site admin reads anyone's; another user only their own.
    assert_eq!(
        value("issue.reporter.groups.includes('kiln-developers')"),
        json!(true)
    );
    let other = run_as(&world(), CAROL, "issue.reporter.groups");
    assert!(
        other.as_ref().is_err_and(ExpressionError::is_not_modelled),
        "{other:?}"
    );
}

#[test]
fn reading_groups_is_one_expensive_operation_per_user() {
    let world = world();
    let site = Site {
        world: &world,
        account_id: ALICE,
    };
    let once = evaluate(
        "[user.groups, user.groups, user.groupIds].length",
        &site,
        &Context::default(),
        LINKS,
    )
    .expect("evaluates");
    assert_eq!(once.value, json!(3));
    assert_eq!(once.complexity.expensive_operations, 1);
}
