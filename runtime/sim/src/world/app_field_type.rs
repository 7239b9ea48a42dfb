//! Field types an app offers the site: Forge's `jira:customFieldType`
//! modules.
//!
//! Unlike a `jira:customField`, a type makes no field: Forge makes the type
//! available, and a Jira administrator creates fields of it (Jira's UI, or
//! `POST /rest/api/3/field` with `type` set to the module's extension ARI,
//! `ari:cloud:ecosystem::extension/{appId}/{environmentId}/static/{moduleKey}`).
//! Each such field belongs to the app exactly as a `jira:customField`'s does
//! (an [`AppFieldOwner`], so `app_field::app_field` finds it for the value
//! and configuration routes), with the type's data type.
//!
//! The simulator learns an app's types when Kiln runs or serves the app on
//! it ([`crate::Simulator::register_app_field_types`]). Registering the app
//! again replaces its types; fields already created of them stay, as Forge
//! keeps the fields administrators made across deployments.

use kiln_manifest::MAX_CUSTOM_FIELD_MODULES;

use super::World;
use super::app_field::{AppFieldOwner, Registration, checked_ari_app_id};
use crate::jira_error::JiraError;

/// Most field types one app registers: the manifest's own bound, so an app
/// that loads registers all its types.
pub(crate) const MAX_APP_FIELD_TYPES: usize = MAX_CUSTOM_FIELD_MODULES;

/// Most field types the site holds across its apps: a handful of apps each
/// at [`MAX_APP_FIELD_TYPES`].
pub(crate) const MAX_SITE_FIELD_TYPES: usize = 10 * MAX_APP_FIELD_TYPES;

impl World {
    /// Replaces the app's field types (those registered before for the same
    /// app and environment) with `app.fields`, and returns their extension
    /// ARIs in declaration order. Everything is checked before anything
    /// changes; no field is created or removed.
    pub(crate) fn register_app_field_types(
        &mut self,
        app: &Registration<'_>,
    ) -> Result<Vec<String>, JiraError> {
        let app_id = checked_ari_app_id(app)?;
        if app.fields.len() > MAX_APP_FIELD_TYPES {
            return Err(JiraError::bad_request(format!(
                "An app registers at most {MAX_APP_FIELD_TYPES} custom field types."
            )));
        }
        let mut planned: Vec<AppFieldOwner> = Vec::with_capacity(app.fields.len());
        for module in app.fields {
            if planned.iter().any(|owner| owner.module_key == module.key) {
                return Err(JiraError::bad_request(format!(
                    "The custom field type module {} is declared twice.",
                    module.key
                )));
            }
            planned.push(AppFieldOwner::of_module(app, app_id, module, true));
        }
        let is_this_apps =
            |t: &AppFieldOwner| t.app_id == app_id && t.environment == app.environment;
        let others = self
            .app_field_types
            .iter()
            .filter(|t| !is_this_apps(t))
            .count();
        if others + planned.len() > MAX_SITE_FIELD_TYPES {
            return Err(JiraError::bad_request(format!(
                "The site already has the simulator's limit of {MAX_SITE_FIELD_TYPES} app custom field types."
            )));
        }
        let keys = planned.iter().map(AppFieldOwner::type_key).collect();
        self.app_field_types.retain(|t| !is_this_apps(t));
        self.app_field_types.extend(planned);
        Ok(keys)
    }

    /// The registered field type whose extension ARI is `type_key`: the
    /// owner every field created of it gets.
    pub(crate) fn app_field_type(&self, type_key: &str) -> Option<&AppFieldOwner> {
        self.app_field_types
            .iter()
            .find(|t| t.type_key() == type_key)
    }
}
