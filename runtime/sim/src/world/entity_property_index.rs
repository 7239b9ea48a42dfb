//! Entity property indexes apps declare: Forge's `jira:entityProperty`
//! modules.
//!
//! Jira indexes the paths a module names of every entity's property, and
//! JQL searches an issue property's as `issue.property[key].path` or by the
//! value's `searchAlias` (`jql/entity_property.rs`). The simulator learns an
//! app's indexes when Kiln runs or serves the app on it
//! ([`crate::Simulator::register_entity_property_indexes`]) and keeps those
//! of issue properties: its JQL is issue search, and its user and project
//! searches take no property clauses, so a `user` or `project` module is
//! left out (and counted, so the caller can say so).
//!
//! Nothing is copied out of the properties: a search reads each issue's
//! property value as it is now (`issue.properties`), so the index is never
//! behind, as the simulator's other searches are not.
//!
//! Registering an app again (the next `runtime run`, a redeploy under
//! `runtime serve`) replaces its indexes with those it declares now.

use kiln_manifest::{
    EntityPropertyModule, EntityType, IndexedValueType, MAX_ENTITY_PROPERTY_VALUES,
    manifest::entity_property::{is_entity_property_key, is_entity_property_path, is_search_alias},
};

use super::World;
use crate::jira_error::JiraError;

/// Most indexed values one app registers: Forge's bound, which the manifest
/// checks too.
pub(crate) const MAX_APP_INDEXED_VALUES: usize = MAX_ENTITY_PROPERTY_VALUES;

/// Most indexed values the site holds across all apps: each search clause
/// and sort looks one up, and a site with many apps stays small.
pub(crate) const MAX_SITE_INDEXED_VALUES: usize = 1_000;

/// Longest app id an index is registered under (Forge's are ARIs of a
/// UUID; Kiln's app ids at most 128 characters).
const MAX_APP_ID_CHARS: usize = 256;

/// One path of an issue property that JQL may search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexedPath {
    /// The app (its manifest's id) whose module declared it.
    pub(crate) app_id: String,
    pub(crate) module_key: String,
    pub(crate) property_key: String,
    /// `.`-separated keys into the property's value.
    pub(crate) path: String,
    pub(crate) value_type: IndexedValueType,
    pub(crate) alias: Option<String>,
}

/// What registering an app's indexes did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegisteredIndexes {
    /// Issue property values JQL now searches for the app.
    pub issue_values: usize,
    /// Values of `user` and `project` modules, kept out: the simulator
    /// searches no user or project property.
    pub skipped_values: usize,
}

impl World {
    /// Replaces `app_id`'s indexes with `modules`' issue property values.
    /// Everything is checked before anything changes (the grammar the
    /// manifest checks, the app's and the site's bounds, an alias no other
    /// app uses), so a refused registration leaves the site as it was.
    pub(crate) fn register_entity_property_indexes(
        &mut self,
        app_id: &str,
        modules: &[EntityPropertyModule],
    ) -> Result<RegisteredIndexes, JiraError> {
        if app_id.is_empty()
            || app_id.chars().count() > MAX_APP_ID_CHARS
            || app_id.chars().any(char::is_control)
        {
            return Err(JiraError::bad_request(format!(
                "The app id must be 1-{MAX_APP_ID_CHARS} characters without control characters."
            )));
        }
        let total: usize = modules.iter().map(|m| m.values.len()).sum();
        if total > MAX_APP_INDEXED_VALUES {
            return Err(JiraError::bad_request(format!(
                "An app indexes at most {MAX_APP_INDEXED_VALUES} entity property values."
            )));
        }
        let mut registered = RegisteredIndexes::default();
        let mut planned: Vec<IndexedPath> = Vec::with_capacity(total);
        for module in modules {
            if module.entity_type != EntityType::Issue {
                registered.skipped_values += module.values.len();
                continue;
            }
            if !is_entity_property_key(&module.property_key) {
                return Err(JiraError::bad_request(format!(
                    "The entity property key of module {} is not one JQL can name.",
                    module.key
                )));
            }
            for value in &module.values {
                if !is_entity_property_path(&value.path) {
                    return Err(JiraError::bad_request(format!(
                        "The path of module {} is not one the simulator indexes.",
                        module.key
                    )));
                }
                if let Some(alias) = &value.search_alias {
                    let taken = |other: &IndexedPath| {
                        other
                            .alias
                            .as_deref()
                            .is_some_and(|a| a.eq_ignore_ascii_case(alias))
                    };
                    if !is_search_alias(alias)
                        || planned.iter().any(taken)
                        || self
                            .entity_property_indexes
                            .iter()
                            .any(|other| other.app_id != app_id && taken(other))
                    {
                        return Err(JiraError::bad_request(format!(
                            "The search alias {alias} of module {} is not valid or is another \
                             index's already.",
                            module.key
                        )));
                    }
                }
                let same_path = |other: &IndexedPath| {
                    other.property_key == module.property_key && other.path == value.path
                };
                if planned.iter().any(same_path) {
                    return Err(JiraError::bad_request(format!(
                        "issue.property[{}].{} is indexed twice.",
                        module.property_key, value.path
                    )));
                }
                planned.push(IndexedPath {
                    app_id: app_id.to_owned(),
                    module_key: module.key.clone(),
                    property_key: module.property_key.clone(),
                    path: value.path.clone(),
                    value_type: value.value_type,
                    alias: value.search_alias.clone(),
                });
            }
        }
        let others = self
            .entity_property_indexes
            .iter()
            .filter(|i| i.app_id != app_id)
            .count();
        if others + planned.len() > MAX_SITE_INDEXED_VALUES {
            return Err(JiraError::bad_request(format!(
                "The site already indexes the simulator's limit of {MAX_SITE_INDEXED_VALUES} \
                 entity property values."
            )));
        }
        registered.issue_values = planned.len();
        self.entity_property_indexes.retain(|i| i.app_id != app_id);
        self.entity_property_indexes.extend(planned);
        Ok(registered)
    }

    /// The index whose search alias is `name`, without regard to case as
    /// JQL reads field names (aliases are unique on the site).
    pub(crate) fn entity_property_alias(&self, name: &str) -> Option<&IndexedPath> {
        self.entity_property_indexes.iter().find(|i| {
            i.alias
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(name))
        })
    }

    /// The index of `path` in the issue property `key` (both as written: Jira
    /// keeps property keys and JSON keys as they are), if an app declared
    /// one. Two apps indexing the same path are one index to JQL; the first
    /// registered answers.
    pub(crate) fn entity_property_path(&self, key: &str, path: &str) -> Option<&IndexedPath> {
        self.entity_property_indexes
            .iter()
            .find(|i| i.property_key == key && i.path == path)
    }
}
