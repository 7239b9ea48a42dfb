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
    pub(crate) team_id: String,
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
    /// Account id of the user on call instead.
    pub(crate) responder: String,
    pub(crate) start: OffsetDateTime,
    pub(crate) end: OffsetDateTime,
    /// Rotations the override replaces; empty means every rotation of the schedule.
    pub(crate) rotation_ids: Vec<String>,
}

impl OverrideRecord {
    /// Whether this override replaces `rotation_id`'s participant at `at`.
    pub(crate) fn covers(&self, rotation_id: &str, at: OffsetDateTime) -> bool {
        self.start <= at
            && at < self.end
            && (self.rotation_ids.is_empty() || self.rotation_ids.iter().any(|r| r == rotation_id))
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
    /// Account ids, in turn order.
    pub(crate) participants: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlertStatus {
    Open,
    Closed,
}

impl AlertStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
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
    pub(crate) status: AlertStatus,
    pub(crate) acknowledged: bool,
    /// Account id of whoever raised it.
    pub(crate) reporter: String,
    pub(crate) created: OffsetDateTime,
    pub(crate) updated: OffsetDateTime,
}

/// An accepted asynchronous alert action, as the Ops API's request-status endpoint
/// reports it.
#[derive(Debug, Clone)]
pub(crate) struct AlertRequest {
    pub(crate) id: String,
    /// `Create`, `Acknowledge` or `Close`.
    pub(crate) action: &'static str,
    pub(crate) alert_id: String,
    pub(crate) alias: String,
    pub(crate) processed: OffsetDateTime,
}
