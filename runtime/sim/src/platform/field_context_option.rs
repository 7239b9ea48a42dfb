//! `GET /rest/api/3/customFieldOption/{id}` (getCustomFieldOption): one option
//! of a custom field's context, by its site-wide id: the `self` every issue's
//! option value links to (`custom_field::render_value`).
//!
//! Visible to an admin, or to a caller who may browse a project the option's
//! context applies to (any project for a global context), as the spec's "at
//! least one project the custom field is used in"; anyone else is told it does
//! not exist (`404`), as Jira hides what a caller may not see.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;
use crate::world::field_context::ContextRecord;

#[derive(Deserialize)]
pub(crate) struct OptionPath {
    id: String,
}

/// Whether `caller` may see the options of `context`: an admin always, anyone
/// else with *Browse projects* in a project it applies to.
fn may_see(world: &World, caller: &Caller, context: &ContextRecord) -> bool {
    world.is_site_admin(&caller.account_id)
        || world
            .projects
            .iter()
            .filter(|p| context.is_global() || context.project_ids.contains(&p.id))
            .any(|p| world.may(&caller.account_id, &p.key, SeedPermission::Browse))
}

/// `GET /customFieldOption/{id}`: the `CustomFieldOption` (`self`, `value`).
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<OptionPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let not_found = || {
        JiraError::not_found(format!(
            "The custom field option {} was not found.",
            path.id
        ))
    };
    let (context, option) = world
        .custom_fields
        .iter()
        .flat_map(|f| &f.contexts)
        .find_map(|c| Some((c, c.options.iter().find(|o| o.id == path.id)?)))
        .ok_or_else(not_found)?;
    if !may_see(&world, &caller, context) {
        return Err(not_found());
    }
    Ok(Json(json!({
        "self": format!("{}/rest/api/3/customFieldOption/{}", caller.links, option.id),
        "value": option.value,
    })))
}
