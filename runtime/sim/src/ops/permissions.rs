//! Who may see and who may change a schedule and everything under it.
//!
//! Reading follows the Ops API reference's list of who may access a schedule
//! (minus escalations, which the simulator does not model); changing a schedule,
//! its rotations or its overrides needs a Team Admin of the schedule's team.

use super::error::OpsError;
use crate::world::{ScheduleRecord, World};

/// The message for a schedule change by someone who is not a Team Admin.
const TEAM_ADMIN_REQUIRED: &str =
    "You must be a Team Admin of the schedule's owner team to perform this action.";

/// Who may see a schedule: a site admin, a member of its team, someone on one of
/// its rotations, or someone one of its overrides puts on call.
pub(crate) fn can_read(world: &World, account_id: &str, schedule: &ScheduleRecord) -> bool {
    world.user(account_id).is_some_and(|u| u.site_admin)
        || world
            .team(&schedule.team_id)
            .is_some_and(|t| t.role_of(account_id).is_some())
        || schedule
            .rotations
            .iter()
            .any(|r| r.participants.iter().any(|p| p == account_id))
        || schedule.overrides.iter().any(|o| o.responder == account_id)
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

/// The index of schedule `id` if the caller is a Team Admin of its team.
pub(crate) fn administered(world: &World, account_id: &str, id: &str) -> Result<usize, OpsError> {
    let index = readable(world, account_id, id)?;
    require_team_admin(world, account_id, &world.schedules[index].team_id)?;
    Ok(index)
}

/// 403 unless `account_id` is a Team Admin of `team_id`.
pub(crate) fn require_team_admin(
    world: &World,
    account_id: &str,
    team_id: &str,
) -> Result<(), OpsError> {
    if world.is_team_admin(account_id, team_id) {
        Ok(())
    } else {
        Err(OpsError::forbidden(TEAM_ADMIN_REQUIRED))
    }
}
