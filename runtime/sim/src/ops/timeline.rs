//! `GET .../schedules/{id}/timeline`: who is on call over a range, per rotation
//! and per layer, as the `ScheduleTimelineResponse` schema describes it.
//!
//! The range starts at the beginning of the `intervalUnit` (day, week from
//! Monday, month) containing `date`, in the schedule's time zone, and lasts
//! `interval` units; it may reach back one year and forward two from today.
//! The final layer is always sent; `expand` adds `base`, `override` and
//! `forwarding`. Periods of the final layer that lie before now are
//! `historical` and list their flattened responders, as the reference's example
//! does. The simulator models no forwarding rules, so the forwarding layer is
//! empty; deleted rotations are forgotten, so every rotation listed is live.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};
use time::{Date, Duration, Month, OffsetDateTime};

use super::error::OpsError;
use super::extract::Params;
use super::permissions::readable;
use super::{SchedulePath, render};
use crate::access::Caller;
use crate::clock::rfc3339;
use crate::shared::Shared;
use crate::world::on_call::{Source, layers};
use crate::world::rotation::{MAX_PERIODS, Period};
use crate::world::zone::Zone;
use crate::world::{Participant, World};

const EXPANSIONS: [&str; 3] = ["base", "forwarding", "override"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Days,
    Weeks,
    Months,
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchedulePath>,
    params: Params,
) -> Result<Json<Value>, OpsError> {
    params.only(&["interval", "intervalUnit", "date", "expand"])?;
    let interval = match params.one("interval")? {
        None => 1,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1_100).contains(n))
            .ok_or_else(|| OpsError::field("interval", "must be a positive integer."))?,
    };
    let unit = match params.one("intervalUnit")?.unwrap_or("weeks") {
        "days" => Unit::Days,
        "weeks" => Unit::Weeks,
        "months" => Unit::Months,
        other => {
            return Err(OpsError::field(
                "intervalUnit",
                format!("[{other}] is not one of days, weeks, months."),
            ));
        }
    };
    let expand = params.list("expand");
    if let Some(unknown) = expand.iter().find(|e| !EXPANSIONS.contains(e)) {
        return Err(OpsError::field(
            "expand",
            format!("[{unknown}] is not one of base, forwarding, override."),
        ));
    }
    let world = shared.world();
    let index = readable(&world, &caller.account_id, &path.schedule_id)?;
    let now = world.now();
    let date = params.date_or("date", now)?;
    let schedule = &world.schedules[index];
    let zone = schedule.zone();
    let (from, to) = range(&zone, date, unit, interval)
        .ok_or_else(|| OpsError::field("date", "gives a range outside the calendar."))?;
    if from < now - Duration::days(366) || to > now + Duration::days(731) {
        return Err(OpsError::unprocessable(
            "The timeline can go back at most one year from today and as far as two years from today.",
        ));
    }
    let too_long = || {
        OpsError::unprocessable(
            "The timeline has too many on-call periods; ask for a shorter interval.",
        )
    };
    let mut last = Vec::new();
    let mut base = Vec::new();
    let mut overrides = Vec::new();
    // One bound for the whole answer, not per rotation: a hundred busy
    // rotations must not make one request build millions of periods.
    let mut budget = MAX_PERIODS;
    for (order, rotation) in schedule.rotations.iter().enumerate() {
        let found = layers(schedule, rotation, from, to).map_err(|_| too_long())?;
        let size = found.base.len() + found.overrides.len() + found.last.len();
        budget = budget.checked_sub(size).ok_or_else(too_long)?;
        let head = json!({
            "id": rotation.id,
            "name": rotation.name,
            "order": order + 1,
            "deleted": false,
        });
        let final_periods: Vec<Value> = found
            .last
            .iter()
            .flat_map(|(p, source)| split_at_now(&world, p, *source, now))
            .collect();
        last.push(with_periods(&head, final_periods));
        let base_periods = found
            .base
            .iter()
            .map(|p| period(&world, p, "base", false))
            .collect();
        base.push(with_periods(&head, base_periods));
        let override_periods: Vec<Value> = found
            .overrides
            .iter()
            .map(|p| period(&world, p, "override", false))
            .collect();
        if !override_periods.is_empty() {
            overrides.push(with_periods(&head, override_periods));
        }
    }
    let mut body = json!({
        "startDate": rfc3339(from),
        "endDate": rfc3339(to),
        "finalTimeline": { "rotations": last },
        "_expands": EXPANSIONS,
    });
    if expand.contains(&"base") {
        body["baseTimeline"] = json!({ "rotations": base });
    }
    if expand.contains(&"override") {
        body["overrideTimeline"] = json!({ "rotations": overrides });
    }
    if expand.contains(&"forwarding") {
        body["forwardingTimeline"] = json!({ "rotations": [] });
    }
    Ok(Json(body))
}

/// `[start, end)` of `interval` units from the start of the unit containing
/// `date`, in `zone`.
fn range(
    zone: &Zone,
    date: OffsetDateTime,
    unit: Unit,
    interval: u32,
) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let (day, _, _) = zone.local(date);
    let first: Date = match unit {
        Unit::Days => day,
        Unit::Weeks => day - Duration::days(i64::from(day.weekday().number_days_from_monday())),
        Unit::Months => day.replace_day(1).ok()?,
    };
    let last: Date = match unit {
        Unit::Days => first.checked_add(Duration::days(i64::from(interval)))?,
        Unit::Weeks => first.checked_add(Duration::weeks(i64::from(interval)))?,
        Unit::Months => {
            let months = i32::from(u8::from(first.month())) - 1 + i32::try_from(interval).ok()?;
            let year = first.year() + months / 12;
            let month = Month::try_from(u8::try_from(months % 12 + 1).ok()?).ok()?;
            Date::from_calendar_date(year, month, 1).ok()?
        }
    };
    Some((zone.instant(first, 0, 0)?, zone.instant(last, 0, 0)?))
}

fn with_periods(head: &Value, periods: Vec<Value>) -> Value {
    let mut rotation = head.clone();
    rotation["periods"] = json!(periods);
    rotation
}

/// A final-layer period, cut at `now`: the part before is `historical`.
fn split_at_now(world: &World, p: &Period, source: Source, now: OffsetDateTime) -> Vec<Value> {
    let kind = match source {
        Source::Base => "base",
        Source::Override => "override",
    };
    if p.end <= now {
        return vec![period(world, p, "historical", true)];
    }
    if p.start >= now {
        return vec![period(world, p, kind, false)];
    }
    let past = Period {
        end: now,
        ..p.clone()
    };
    let future = Period {
        start: now,
        ..p.clone()
    };
    vec![
        period(world, &past, "historical", true),
        period(world, &future, kind, false),
    ]
}

/// A `TimelinePeriod`.
fn period(world: &World, p: &Period, kind: &str, flattened: bool) -> Value {
    let mut value = json!({
        "startDate": rfc3339(p.start),
        "endDate": rfc3339(p.end),
        "type": kind,
        "responder": render::participant(&p.responder),
    });
    if flattened && p.responder != Participant::Noone {
        let users: Vec<Value> = render::flattened(world, &p.responder)
            .iter()
            .map(|id| json!({ "id": id, "type": "user" }))
            .collect();
        value["flattenedResponders"] = json!(users);
    }
    value
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn ranges_start_at_the_unit_containing_the_date() {
        let utc = Zone::utc();
        // The reference's example: 2 months from 2023-12-15 is Dec 1 to Feb 1.
        assert_eq!(
            range(&utc, datetime!(2023-12-15 15:20:25 UTC), Unit::Months, 2),
            Some((
                datetime!(2023-12-01 00:00 UTC),
                datetime!(2024-02-01 00:00 UTC)
            ))
        );
        // Weeks start on Monday.
        assert_eq!(
            range(&utc, datetime!(2024-02-01 08:00 UTC), Unit::Weeks, 2),
            Some((
                datetime!(2024-01-29 00:00 UTC),
                datetime!(2024-02-12 00:00 UTC)
            ))
        );
        let berlin = Zone::named("Europe/Berlin").expect("zone");
        assert_eq!(
            range(&berlin, datetime!(2024-07-01 23:30 UTC), Unit::Days, 1),
            Some((
                datetime!(2024-07-01 22:00 UTC),
                datetime!(2024-07-02 22:00 UTC)
            ))
        );
    }
}
