//! The methods of Jira's `Date` and `CalendarDate`, and their constructors
//! (`new Date(…)`, `new CalendarDate(…)`), as Jira's type reference documents
//! them; the dates themselves are `dates.rs`'.
//!
//! Time zones: `toString()`, `toCalendarDate()` and the getters without `UTC`
//! read the caller's profile time zone, as Jira reads "the current user's"
//! (UTC for a zone the tz database does not know); everything else, and the
//! arithmetic, is in UTC.

use time::OffsetDateTime;

use super::ast::Node;
use super::dates::{self, Unit};
use super::error::ExpressionError;
use super::eval::Evaluator;
use super::list_methods::wrong_arguments;
use super::value::{Bean, Value};
use crate::clock;
use crate::world::zone::Zone;

/// Constructors Jira documents that the simulator does not model.
/// (`RegExp`: JavaScript's, but Atlassian's reference for Jira expressions, as far
/// as the simulator's authors could read it, neither documents nor rules it out.)
const CONSTRUCTORS_NOT_MODELLED: &[&str] =
    &["Issue", "Project", "User", "RichText", "Map", "RegExp"];

impl<'a> Evaluator<'a, '_> {
    /// The caller's profile time zone (UTC when the site has no such user or
    /// the tz database no such zone).
    pub(crate) fn caller_zone(&self) -> Zone {
        self.site
            .world
            .user(self.site.account_id)
            .and_then(|user| Zone::named(&user.time_zone))
            .unwrap_or_else(Zone::utc)
    }

    /// `new class(arguments…)`.
    pub(crate) fn construct(
        &mut self,
        node: &Node,
        class: &str,
        arguments: &[Value<'a>],
    ) -> Result<Value<'a>, ExpressionError> {
        match (class, arguments) {
            ("Date", []) => Ok(Value::bean(Bean::Date(self.site.world.now()))),
            ("Date", [Value::Number(ms)]) => match dates::from_millis(*ms) {
                Some(at) => Ok(Value::bean(Bean::Date(at))),
                None => Err(self.out_of_range(node)),
            },
            ("Date", [Value::String(text)]) => match dates::parse_date_time(text) {
                Some(at) => Ok(Value::bean(Bean::Date(at))),
                None => Err(self.invalid_date(node, text, "an ISO 8601 date or date-time")),
            },
            ("Date", _) => Err(self.fail(
                node,
                "The constructor Date takes nothing, a Number of milliseconds or a String.",
            )),
            ("CalendarDate", []) => {
                let today = self.caller_zone().wall_clock(self.site.world.now()).date();
                Ok(Value::bean(Bean::CalendarDate(today)))
            }
            ("CalendarDate", [Value::String(text)]) => match dates::parse_calendar_date(text) {
                Some(day) => Ok(Value::bean(Bean::CalendarDate(day))),
                None => Err(self.invalid_date(node, text, "a date written yyyy-MM-dd")),
            },
            ("CalendarDate", _) => Err(self.fail(
                node,
                "The constructor CalendarDate takes nothing or a String.",
            )),
            _ if CONSTRUCTORS_NOT_MODELLED.contains(&class) => Err(ExpressionError::not_modelled(
                format!("the constructor `new {class}(…)`"),
                Some(node.source(self.text)),
            )),
            _ => Err(self.fail(node, format!("Unrecognized constructor: {class}."))),
        }
    }

    /// `date.method(arguments…)`.
    pub(crate) fn date_method(
        &mut self,
        node: &Node,
        at: OffsetDateTime,
        method: &str,
        arguments: &[Value<'a>],
    ) -> Result<Value<'a>, ExpressionError> {
        if let Some((unit, backwards)) = Unit::of_method(method) {
            let amount = self.amount(node, method, arguments)?;
            return match dates::shift(at, unit, amount, backwards) {
                Some(moved) => Ok(Value::bean(Bean::Date(moved))),
                None => Err(self.out_of_range(node)),
            };
        }
        if !arguments.is_empty() {
            return Err(self.date_not_modelled(node, "Date", method));
        }
        let utc = Zone::utc().wall_clock(at);
        match method {
            "getTime" | "valueOf" => Ok(Value::Number(dates::millis(at))),
            "toISOString" => {
                self.build_chars(node, dates::ISO_TEXT_CHARS)?;
                Ok(Value::string(dates::iso_text(at)))
            }
            "toString" => {
                let human = clock::CompleteDateTime::at(at, &self.caller_zone());
                self.build_chars(node, human.chars())?;
                Ok(Value::string(human.text()))
            }
            "toCalendarDate" => Ok(Value::bean(Bean::CalendarDate(
                self.caller_zone().wall_clock(at).date(),
            ))),
            "toCalendarDateUTC" => Ok(Value::bean(Bean::CalendarDate(utc.date()))),
            _ => {
                // JavaScript's getters: `getUTCHours` in UTC, `getHours` on
                // the caller's wall clock.
                let read = match (method.strip_prefix("getUTC"), method.strip_prefix("get")) {
                    (Some(name), _) => Some((name, utc)),
                    (None, Some(name)) => Some((name, self.caller_zone().wall_clock(at))),
                    _ => None,
                };
                read.and_then(|(name, local)| field(name, local))
                    .map(Value::Number)
                    .ok_or_else(|| self.date_not_modelled(node, "Date", method))
            }
        }
    }

    /// `calendarDate.method(arguments…)`.
    pub(crate) fn calendar_date_method(
        &mut self,
        node: &Node,
        day: time::Date,
        method: &str,
        arguments: &[Value<'a>],
    ) -> Result<Value<'a>, ExpressionError> {
        if let Some((unit @ (Unit::Months | Unit::Days), backwards)) = Unit::of_method(method) {
            let amount = self.amount(node, method, arguments)?;
            return match dates::shift_day(day, unit, amount, backwards) {
                Some(moved) => Ok(Value::bean(Bean::CalendarDate(moved))),
                None => Err(self.out_of_range(node)),
            };
        }
        if !arguments.is_empty() {
            return Err(self.unrecognized_calendar_method(node, method));
        }
        match method {
            "getFullYear" => Ok(Value::Number(f64::from(day.year()))),
            "getMonth" => Ok(Value::Number(f64::from(u8::from(day.month())) - 1.0)),
            "getDate" => Ok(Value::Number(f64::from(day.day()))),
            "getDay" => Ok(Value::Number(f64::from(
                day.weekday().number_days_from_sunday(),
            ))),
            "toISOString" => {
                self.build_chars(node, dates::CALENDAR_TEXT_CHARS)?;
                Ok(Value::string(dates::calendar_text(day)))
            }
            "toString" => {
                self.build_chars(node, dates::HUMAN_DAY_CHARS)?;
                Ok(Value::string(crate::clock::day_month_year(day)))
            }
            _ => Err(self.unrecognized_calendar_method(node, method)),
        }
    }

    /// The one Number a `plus…`/`minus…` method takes.
    fn amount(
        &self,
        node: &Node,
        method: &str,
        arguments: &[Value<'a>],
    ) -> Result<f64, ExpressionError> {
        match arguments {
            [Value::Number(n)] => Ok(*n),
            _ => Err(wrong_arguments(self, node, method, "one Number")),
        }
    }

    /// A date that would fall outside the years the simulator keeps.
    fn out_of_range(&self, node: &Node) -> ExpressionError {
        self.fail(
            node,
            "The date falls outside the years 0000 to 9999 (UTC), the simulator's bound.",
        )
    }

    fn invalid_date(&self, node: &Node, text: &str, expected: &str) -> ExpressionError {
        let shown: String = text.chars().take(40).collect();
        self.fail(
            node,
            format!("Invalid date: '{shown}' is not {expected} in the years 0000 to 9999."),
        )
    }

    /// A JavaScript `Date` method Jira's dates have but the simulator lacks
    /// (`getTimezoneOffset`, `toLocaleDateString`, setters, …).
    fn date_not_modelled(&self, node: &Node, type_name: &str, method: &str) -> ExpressionError {
        ExpressionError::not_modelled(
            format!("the method `{method}` of type '{type_name}' (or it was given arguments)"),
            Some(node.source(self.text)),
        )
    }

    /// `CalendarDate` has only the methods its type reference lists, all
    /// modelled.
    fn unrecognized_calendar_method(&self, node: &Node, method: &str) -> ExpressionError {
        self.fail(
            node,
            format!(
                "Unrecognized method of type 'CalendarDate': \"{method}\" (or it was given \
                 arguments)."
            ),
        )
    }
}

/// A JavaScript `Date` getter's field of `local` (`FullYear`, `Month` from 0,
/// `Day` of the week from Sunday = 0, …).
fn field(name: &str, local: OffsetDateTime) -> Option<f64> {
    Some(f64::from(match name {
        "FullYear" => local.year(),
        "Month" => i32::from(u8::from(local.month())) - 1,
        "Date" => i32::from(local.day()),
        "Day" => i32::from(local.weekday().number_days_from_sunday()),
        "Hours" => i32::from(local.hour()),
        "Minutes" => i32::from(local.minute()),
        "Seconds" => i32::from(local.second()),
        "Milliseconds" => i32::from(local.millisecond()),
        _ => return None,
    }))
}
