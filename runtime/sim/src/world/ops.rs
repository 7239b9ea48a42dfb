//! JSM Ops records: teams, schedules with their rotations and overrides, alerts.

use time::OffsetDateTime;

use crate::seed::TeamRole;

#[derive(Debug, Clone)]
pub(crate) struct TeamRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Account id and role, in seed order.
    pub(crate) members: Vec<(String, TeamRole)>,
}

impl TeamRecord {
    pub(crate) fn role_of(&self, account_id: &str) -> Option<TeamRole> {
        self.members
            .iter()
            .find(|(member, _)| member == account_id)
            .map(|(_, role)| *role)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ScheduleRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) timezone: String,
    pub(crate) enabled: bool,
    /// The owning team; `None` for a global schedule, which only holders of the
    /// global admin right manage.
    pub(crate) team_id: Option<String>,
    pub(crate) rotations: Vec<RotationRecord>,
    /// In creation order; an override created later wins where two overlap.
    pub(crate) overrides: Vec<OverrideRecord>,
}

impl ScheduleRecord {
    pub(crate) fn rotation_index(&self, id: &str) -> Option<usize> {
        self.rotations.iter().position(|r| r.id == id)
    }

    pub(crate) fn override_index(&self, alias: &str) -> Option<usize> {
        self.overrides.iter().position(|o| o.alias == alias)
    }
}

/// Someone standing in for a schedule's rotations during `[start, end)`.
#[derive(Debug, Clone)]
pub(crate) struct OverrideRecord {
    /// The override's id within its schedule (the Ops API addresses overrides by
    /// alias, not by a global id).
    pub(crate) alias: String,
    /// Account id of the user on call instead; `None` for a `noone` override,
    /// which leaves the covered turns empty.
    pub(crate) responder: Option<String>,
    pub(crate) start: OffsetDateTime,
    pub(crate) end: OffsetDateTime,
    /// Rotations the override replaces; empty means every rotation of the schedule.
    pub(crate) rotation_ids: Vec<String>,
}

impl OverrideRecord {
    /// Whether this override stands in for rotation `rotation_id`.
    pub(crate) fn applies_to(&self, rotation_id: &str) -> bool {
        self.rotation_ids.is_empty() || self.rotation_ids.iter().any(|r| r == rotation_id)
    }
}

/// The unit of a rotation's turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RotationKind {
    Hourly,
    Daily,
    Weekly,
}

impl RotationKind {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "hourly" => Some(Self::Hourly),
            "daily" => Some(Self::Daily),
            "weekly" => Some(Self::Weekly),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Hourly => "hourly",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
        }
    }

    /// Length of one unit, in seconds.
    pub(crate) fn unit_seconds(self) -> i64 {
        match self {
            Self::Hourly => 3_600,
            Self::Daily => 86_400,
            Self::Weekly => 604_800,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RotationRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: RotationKind,
    /// Units per turn; at least 1.
    pub(crate) length: u32,
    pub(crate) start: OffsetDateTime,
    pub(crate) end: Option<OffsetDateTime>,
    /// Who takes each turn, in turn order.
    pub(crate) participants: Vec<Participant>,
    /// When in the week the rotation runs; `None` is around the clock.
    pub(crate) restriction: Option<TimeRestriction>,
}

/// A rotation participant, as the Ops API's `ResponderInfo` names one.
///
/// Escalations are a participant kind of the real API too; the simulator models
/// no escalations, so none can exist to be named (see `ops::validate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Participant {
    /// A user, by account id.
    User(String),
    /// A team, by id: on call means its members are (see `world::on_call`).
    Team(String),
    /// A turn nobody takes.
    Noone,
}

impl Participant {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Team(_) => "team",
            Self::Noone => "noone",
        }
    }

    pub(crate) fn id(&self) -> Option<&str> {
        match self {
            Self::User(id) | Self::Team(id) => Some(id),
            Self::Noone => None,
        }
    }
}

/// A clock reading, `hour:minute`, in a schedule's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ClockTime {
    pub(crate) hour: u8,
    pub(crate) minute: u8,
}

/// When a rotation runs, as the Ops API's two restriction kinds say it; outside
/// these windows the rotation has nobody on call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimeRestriction {
    /// `time-of-day`: every day from `start` to `end` (past midnight when `end`
    /// is not after `start`).
    TimeOfDay { start: ClockTime, end: ClockTime },
    /// `weekday-and-time-of-day`: weekly windows.
    Weekday(Vec<WeekWindow>),
}

/// From `start_day` at `start` to `end_day` at `end`, every week (wrapping into
/// the next week when the end is not after the start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WeekWindow {
    pub(crate) start_day: time::Weekday,
    pub(crate) start: ClockTime,
    pub(crate) end_day: time::Weekday,
    pub(crate) end: ClockTime,
}

/// The alert states the simulator reaches: created `open`, `acked` by an
/// acknowledgement, `closed` by a close. (`resolved` and `snoozed` come from
/// actions it does not serve.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlertStatus {
    Open,
    Acked,
    Closed,
}

impl AlertStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acked => "acked",
            Self::Closed => "closed",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(Self::Open),
            "acked" => Some(Self::Acked),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// A responder or viewer an alert names: `{"type", "id"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AlertParty {
    /// `user`, `team`, `escalation` or `schedule` (viewers: `user` or `team`).
    pub(crate) kind: String,
    pub(crate) id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct AlertRecord {
    pub(crate) id: String,
    pub(crate) tiny_id: u64,
    pub(crate) alias: String,
    pub(crate) message: String,
    pub(crate) description: String,
    pub(crate) priority: String,
    pub(crate) tags: Vec<String>,
    pub(crate) entity: Option<String>,
    pub(crate) source: String,
    pub(crate) actions: Vec<String>,
    pub(crate) extra_properties: std::collections::BTreeMap<String, String>,
    pub(crate) responders: Vec<AlertParty>,
    pub(crate) visible_to: Vec<AlertParty>,
    /// The create request's `note`: the alert's first note. The simulator
    /// serves no notes endpoint, so it is kept here and not shown.
    #[expect(dead_code, reason = "kept, not lost; no served operation shows notes")]
    pub(crate) note: Option<String>,
    pub(crate) status: AlertStatus,
    pub(crate) acknowledged: bool,
    pub(crate) seen: bool,
    /// How many creates this alert stands for (de-duplicated by alias).
    pub(crate) count: u32,
    /// Account id of whoever raised it.
    pub(crate) reporter: String,
    pub(crate) created: OffsetDateTime,
    pub(crate) updated: OffsetDateTime,
    pub(crate) last_occurred: OffsetDateTime,
}

/// An accepted asynchronous alert action, as the Ops API's request-status endpoint
/// reports it.
#[derive(Debug, Clone)]
pub(crate) struct AlertRequest {
    pub(crate) id: String,
    /// `Create`, `Acknowledge` or `Close`.
    pub(crate) action: &'static str,
    /// Empty when the action named no alert that exists.
    pub(crate) alert_id: String,
    pub(crate) alias: String,
    pub(crate) processed: OffsetDateTime,
    pub(crate) success: bool,
    /// What happened, as the request status reports it.
    pub(crate) status: String,
}
