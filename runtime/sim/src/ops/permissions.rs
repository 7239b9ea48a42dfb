//! Who may see and who may change a schedule and everything under it, as the
//! "Permissions required" of each operation in the Ops reference lists them.
//!
//! The reference names two global rights, "read-only administrative" and "edit
//! (delete) configuration", which its narrative gives to the global Admin role;
//! the simulator's site admins hold that role ([`World::is_ops_admin`]). Every
//! list in the reference is a list of alternatives: any one suffices.

use super::error::OpsError;
use crate::world::{Participant, ScheduleRecord, World};

const SCHEDULE_ADMIN_REQUIRED: &str = "You must be a Team Admin of the schedule's owner team, or hold the global admin right, to perform this action.";
const GLOBAL_SCHEDULE_ADMIN_REQUIRED: &str =
    "Only holders of the global admin right manage a schedule without an owner team.";
const OVERRIDE_NOT_ALLOWED: &str = "You may add or change an override only for yourself on a schedule you are part of, as a member of the schedule's team, or with the global admin right.";
const OVERRIDE_DELETE_NOT_ALLOWED: &str = "Only the override's responder, a Team Admin of the schedule's team or a holder of the global admin right may delete it.";

/// Whether `account_id` is in `schedule`: a user participant of one of its
/// rotations, a member of a team participant, or the responder of one of its
/// overrides ("exists in the schedule directly or indirectly by flattening";
/// escalations, the third way, are not modelled).
pub(crate) fn in_schedule(world: &World, account_id: &str, schedule: &ScheduleRecord) -> bool {
    schedule.rotations.iter().any(|r| {
        r.participants.iter().any(|p| match p {
            Participant::User(id) => id == account_id,
            Participant::Team(team) => world.is_team_member(account_id, team),
            Participant::Noone => false,
        })
    }) || schedule
        .overrides
        .iter()
        .any(|o| o.responder.as_deref() == Some(account_id))
}

/// Who may see a schedule: an admin, a member of its team, or someone in it.
pub(crate) fn can_read(world: &World, account_id: &str, schedule: &ScheduleRecord) -> bool {
    world.is_ops_admin(account_id)
        || schedule
            .team_id
            .as_deref()
            .is_some_and(|t| world.is_team_member(account_id, t))
        || in_schedule(world, account_id, schedule)
}

/// The index of schedule `id` if the caller may read it: 404 if there is no such
/// schedule, 403 if there is one the caller may not see.
pub(crate) fn readable(world: &World, account_id: &str, id: &str) -> Result<usize, OpsError> {
    let index = world
        .schedule_index(id)
        .ok_or_else(|| OpsError::not_found(format!("Schedule with id [{id}] does not exist.")))?;
    if !can_read(world, account_id, &world.schedules[index]) {
        return Err(OpsError::forbidden(
            "You are not allowed to access this schedule.",
        ));
    }
    Ok(index)
}

/// The index of schedule `id` if the caller may change it and its rotations:
/// an admin, or a Team Admin of its team.
pub(crate) fn administered(world: &World, account_id: &str, id: &str) -> Result<usize, OpsError> {
    let index = readable(world, account_id, id)?;
    may_own(world, account_id, world.schedules[index].team_id.as_deref())?;
    Ok(index)
}

/// 403 unless the caller may manage schedules owned by `team_id` (`None`: a
/// global schedule, which needs the global admin right).
pub(crate) fn may_own(
    world: &World,
    account_id: &str,
    team_id: Option<&str>,
) -> Result<(), OpsError> {
    if world.is_ops_admin(account_id) {
        return Ok(());
    }
    match team_id {
        Some(team) if world.is_team_admin(account_id, team) => Ok(()),
        Some(_) => Err(OpsError::forbidden(SCHEDULE_ADMIN_REQUIRED)),
        None => Err(OpsError::forbidden(GLOBAL_SCHEDULE_ADMIN_REQUIRED)),
    }
}

/// May the caller create or update an override of `schedule`?
///
/// The reference lists: the edit configuration right; membership of the
/// schedule's team; "adding override to themself"; "exists in the schedule".
/// Read as four independent alternatives, the third would let anyone put
/// themselves on call on any schedule, even one they cannot see. The simulator
/// reads the last two together (an inference): someone in the schedule may
/// override it with themselves. Whom the override names is only known from the
/// payload, so this check comes in two steps: [`may_touch_overrides`] before the
/// payload is read, this one after.
pub(crate) fn may_set_override(
    world: &World,
    account_id: &str,
    schedule: &ScheduleRecord,
    responder: Option<&str>,
) -> Result<(), OpsError> {
    let team_member = schedule
        .team_id
        .as_deref()
        .is_some_and(|t| world.is_team_member(account_id, t));
    if world.is_ops_admin(account_id)
        || team_member
        || (responder == Some(account_id) && in_schedule(world, account_id, schedule))
    {
        Ok(())
    } else {
        Err(OpsError::forbidden(OVERRIDE_NOT_ALLOWED))
    }
}

/// Whether the caller could set any override at all on `schedule` (an admin,
/// a team member, or someone in the schedule): checked before the payload.
pub(crate) fn may_touch_overrides(
    world: &World,
    account_id: &str,
    schedule: &ScheduleRecord,
) -> Result<(), OpsError> {
    may_set_override(world, account_id, schedule, Some(account_id))
}

/// May the caller delete an override of `schedule` answered by `responder`?
pub(crate) fn may_delete_override(
    world: &World,
    account_id: &str,
    schedule: &ScheduleRecord,
    responder: Option<&str>,
) -> Result<(), OpsError> {
    if responder == Some(account_id)
        || may_own(world, account_id, schedule.team_id.as_deref()).is_ok()
    {
        Ok(())
    } else {
        Err(OpsError::forbidden(OVERRIDE_DELETE_NOT_ALLOWED))
    }
}
