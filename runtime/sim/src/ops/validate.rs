//! Checks shared by the Ops handlers' payloads: names, dates, time zones,
//! responders and time restrictions, each refused with a 422 naming the field.

use serde::Deserialize;
use time::OffsetDateTime;

use super::error::OpsError;
use crate::clock::parse_rfc3339;
use crate::world::zone::Zone;
use crate::world::{ClockTime, Participant, TimeRestriction, WeekWindow, World};

/// Ops names are capped at 100 characters (the simulator's bound; the
/// reference gives none, and a name is a label, not a document).
const MAX_NAME_CHARS: usize = 100;

/// A trimmed name of 1 to 100 characters.
pub(crate) fn name(field: &str, text: &str) -> Result<String, OpsError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(OpsError::field(field, "must be 1 to 100 characters."));
    }
    Ok(trimmed.to_owned())
}

/// The years an Ops date may fall in. On-call arithmetic adds up to two years
/// and steps back days from a date; bounding the years keeps every such sum
/// inside what `time` represents, so no caller-chosen date can overflow it.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=2200;

/// A required ISO 8601 (RFC 3339) date-time field, between 1970 and 2200.
pub(crate) fn date(field: &str, text: Option<&str>) -> Result<OffsetDateTime, OpsError> {
    text.and_then(parse_rfc3339)
        .filter(|at| YEARS.contains(&at.year()))
        .ok_or_else(|| {
            OpsError::field(
                field,
                "must be an ISO 8601 date-time between 1970 and 2200.",
            )
        })
}

/// An IANA time zone id the simulator can resolve.
pub(crate) fn timezone(text: &str) -> Result<String, OpsError> {
    Zone::named(text).map(|_| text.to_owned()).ok_or_else(|| {
        OpsError::field("timezone", format!("[{text}] is not a known time zone id."))
    })
}

/// A responder as the Ops API writes one: `{"type", "id"}` (`ResponderInfo`,
/// and `OverrideResponderInfo`, which allows only `user` and `noone`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Responder {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
}

impl Responder {
    /// The participant this names, which must exist: a user or a team of the
    /// site, or `noone`. The simulator models no escalations, so no escalation
    /// id names one that exists: refused as the real API refuses an unknown one.
    pub(crate) fn participant(&self, world: &World, field: &str) -> Result<Participant, OpsError> {
        let id = || {
            self.id
                .as_deref()
                .ok_or_else(|| OpsError::field(field, format!("a {} needs an id.", self.kind)))
        };
        match self.kind.as_str() {
            "user" => {
                let id = id()?;
                world
                    .user(id)
                    .map(|u| Participant::User(u.account_id.clone()))
                    .ok_or_else(|| OpsError::field(field, format!("user [{id}] does not exist.")))
            }
            "team" => {
                let id = id()?;
                world
                    .team(id)
                    .map(|t| Participant::Team(t.id.clone()))
                    .ok_or_else(|| OpsError::field(field, format!("team [{id}] does not exist.")))
            }
            "escalation" => Err(OpsError::field(
                field,
                format!(
                    "escalation [{}] does not exist.",
                    self.id.as_deref().unwrap_or_default()
                ),
            )),
            "noone" if self.id.is_none() => Ok(Participant::Noone),
            "noone" => Err(OpsError::field(field, "a noone responder has no id.")),
            other => Err(OpsError::field(
                field,
                format!("type [{other}] is not one of user, team, escalation, noone."),
            )),
        }
    }

    /// An override's responder: an existing user (`Some`) or `noone` (`None`).
    pub(crate) fn override_responder(&self, world: &World) -> Result<Option<String>, OpsError> {
        match self.kind.as_str() {
            "user" | "noone" => match self.participant(world, "responder")? {
                Participant::User(id) => Ok(Some(id)),
                _ => Ok(None),
            },
            other => Err(OpsError::field(
                "responder",
                format!("type [{other}] is not one of user, noone."),
            )),
        }
    }
}

/// A rotation's `timeRestriction`, either kind, as the request schemas write it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestrictionInput {
    #[serde(rename = "type")]
    kind: String,
    restriction: Option<DayWindowInput>,
    restrictions: Option<Vec<WeekWindowInput>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DayWindowInput {
    start_hour: u8,
    start_min: u8,
    end_hour: u8,
    end_min: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct WeekWindowInput {
    start_day: String,
    end_day: String,
    start_hour: u8,
    start_min: u8,
    end_hour: u8,
    end_min: u8,
}

/// Weekly windows per restriction: more would be a restriction no one reads.
const MAX_WEEK_WINDOWS: usize = 50;

impl RestrictionInput {
    pub(crate) fn check(self) -> Result<TimeRestriction, OpsError> {
        const FIELD: &str = "timeRestriction";
        match (self.kind.as_str(), self.restriction, self.restrictions) {
            ("time-of-day", Some(day), None) => Ok(TimeRestriction::TimeOfDay {
                start: clock(day.start_hour, day.start_min)?,
                end: clock(day.end_hour, day.end_min)?,
            }),
            ("weekday-and-time-of-day", None, Some(windows)) => {
                if windows.is_empty() || windows.len() > MAX_WEEK_WINDOWS {
                    return Err(OpsError::field(FIELD, "needs 1 to 50 restrictions."));
                }
                windows
                    .into_iter()
                    .map(|w| {
                        Ok(WeekWindow {
                            start_day: weekday(&w.start_day)?,
                            start: clock(w.start_hour, w.start_min)?,
                            end_day: weekday(&w.end_day)?,
                            end: clock(w.end_hour, w.end_min)?,
                        })
                    })
                    .collect::<Result<_, _>>()
                    .map(TimeRestriction::Weekday)
            }
            ("time-of-day", ..) => Err(OpsError::field(
                FIELD,
                "a time-of-day restriction has one `restriction`.",
            )),
            ("weekday-and-time-of-day", ..) => Err(OpsError::field(
                FIELD,
                "a weekday-and-time-of-day restriction has a `restrictions` list.",
            )),
            (other, ..) => Err(OpsError::field(
                FIELD,
                format!("type [{other}] is not time-of-day or weekday-and-time-of-day."),
            )),
        }
    }
}

fn clock(hour: u8, minute: u8) -> Result<ClockTime, OpsError> {
    if hour > 23 || minute > 59 {
        return Err(OpsError::field(
            "timeRestriction",
            "hours are 0 to 23 and minutes 0 to 59.",
        ));
    }
    Ok(ClockTime { hour, minute })
}

fn weekday(text: &str) -> Result<time::Weekday, OpsError> {
    use time::Weekday::*;
    Ok(match text {
        "monday" => Monday,
        "tuesday" => Tuesday,
        "wednesday" => Wednesday,
        "thursday" => Thursday,
        "friday" => Friday,
        "saturday" => Saturday,
        "sunday" => Sunday,
        _ => {
            return Err(OpsError::field(
                "timeRestriction",
                format!("[{text}] is not a lower-case day name."),
            ));
        }
    })
}
