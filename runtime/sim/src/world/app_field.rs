//! Custom fields an app brings to the site: Forge's `jira:customField` modules.
//!
//! Forge creates one custom field per module on every site the app is
//! installed on. The field is the app's: its type (`schema.custom`) is the
//! module's extension ARI,
//! `ari:cloud:ecosystem::extension/{appId}/{environmentId}/static/{moduleKey}`,
//! and only the app writes its values (`PUT /rest/api/3/app/field/{id}/value`,
//! `POST /rest/api/3/app/field/value`, `platform/app_field_value.rs`).
//!
//! The simulator learns an app's fields when Kiln runs or serves the app on
//! it ([`crate::Simulator::register_app_fields`]). Each is an ordinary custom
//! field of the site (`customfield_N`, listed by `GET /field`, carried by
//! issues) with an [`AppFieldOwner`]. A field whose Forge type has a Jira
//! counterpart the simulator models (a single string, number, date, date-time
//! or user) takes that [`Kind`], so issues render it, changelogs record it
//! and JQL searches it as they do Jira's own; groups, objects and lists are
//! [`Kind::App`]: rendered and logged, not searchable.
//!
//! Registering the same app again (the next `runtime run` of the app, a
//! redeploy under `runtime serve`) finds its fields by module key and keeps
//! their ids, as Forge keeps a field across deployments.
//!
//! Fields an administrator creates of an app's `jira:customFieldType`
//! (`app_field_type.rs`) carry an [`AppFieldOwner`] too, marked
//! [`AppFieldOwner::of_type`]: the same rule ([`app_field`]) makes them the
//! app's, and registering the app's fields again never takes one of them
//! for a module's field.

use kiln_manifest::{CustomFieldModule, CustomFieldType, MAX_CUSTOM_FIELD_MODULES};

use super::World;
use super::custom_field::{Kind, MAX_CUSTOM_FIELDS, TYPE_PREFIX, number_of};
use crate::jira_error::JiraError;
use crate::platform::custom_field::{Checked, add_field, check_description, check_name};

/// What every Forge extension ARI starts with.
const EXTENSION_ARI_PREFIX: &str = "ari:cloud:ecosystem::extension/";

/// What a Forge app id (its ARI) starts with; the part after it is the app id
/// the extension ARI carries, as Forge's `getAppContext().appId` gives it.
const APP_ARI_PREFIX: &str = "ari:cloud:ecosystem::app/";

/// Most fields one app registers: the manifest's own bound, so an app that
/// loads registers all its fields.
pub(crate) const MAX_APP_FIELDS: usize = MAX_CUSTOM_FIELD_MODULES;

/// Longest app id or environment name a field's ARI is built from: Forge's
/// are UUIDs, Kiln's app ids at most 128 characters.
const MAX_ID_CHARS: usize = 128;

/// The app that owns a custom field, and the Forge declaration it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppFieldOwner {
    /// The client id of the app's client-credentials integration: the
    /// caller ([`crate::access::Caller::app_itself`]) that may write values.
    pub(crate) client_id: String,
    /// The app id as the ARI carries it (a Forge app's UUID).
    pub(crate) app_id: String,
    /// The environment the app was registered in (Kiln's `--environment`,
    /// which its Forge layer also gives as `environmentId`).
    pub(crate) environment: String,
    pub(crate) module_key: String,
    pub(crate) field_type: CustomFieldType,
    pub(crate) list: bool,
    /// Forge's `readOnly`: kept and reported in `schema.configuration`; the
    /// app writes the field whatever it says.
    pub(crate) read_only: bool,
    /// Whether the module is a `jira:customFieldType`, whose fields an
    /// administrator creates (any number, kept when the app registers
    /// again), rather than the one field of a `jira:customField`.
    pub(crate) of_type: bool,
}

impl AppFieldOwner {
    /// The owner of the fields of `module`, one of `app`'s (`app_id` as
    /// [`checked_ari_app_id`] gives it); `of_type` for a
    /// `jira:customFieldType`.
    pub(crate) fn of_module(
        app: &Registration<'_>,
        app_id: &str,
        module: &CustomFieldModule,
        of_type: bool,
    ) -> Self {
        Self {
            client_id: app.client_id.to_owned(),
            app_id: app_id.to_owned(),
            environment: app.environment.to_owned(),
            module_key: module.key.clone(),
            field_type: module.field_type,
            list: module.is_list(),
            read_only: module.read_only.unwrap_or(false),
            of_type,
        }
    }

    /// `schema.custom`: the module's extension ARI.
    pub(crate) fn type_key(&self) -> String {
        format!(
            "{EXTENSION_ARI_PREFIX}{}/{}/static/{}",
            self.app_id, self.environment, self.module_key
        )
    }

    /// `schema.type` and `schema.items`, as Jira reports a Forge field: the
    /// Forge type, or `array` of it for a list.
    pub(crate) fn schema(&self) -> (&'static str, Option<&'static str>) {
        let one = self.field_type.as_str();
        if self.list {
            ("array", Some(one))
        } else {
            (one, None)
        }
    }

    /// The simulator's kind for the field: the Jira type a single value
    /// shares its shape with, else [`Kind::App`].
    pub(crate) fn kind(&self) -> Kind {
        if self.list {
            return Kind::App;
        }
        match self.field_type {
            CustomFieldType::String => Kind::TextField,
            CustomFieldType::Number => Kind::Float,
            CustomFieldType::Date => Kind::DatePicker,
            CustomFieldType::Datetime => Kind::DateTime,
            CustomFieldType::User => Kind::UserPicker,
            CustomFieldType::Group | CustomFieldType::Object => Kind::App,
        }
    }

    /// The searcher Jira gives a Forge field of a type JQL can search in the
    /// simulator; `None` for the others.
    pub(crate) fn searcher(&self) -> Option<String> {
        let kind = self.kind();
        if kind == Kind::App {
            return None;
        }
        kind.searchers()
            .first()
            .map(|s| format!("{TYPE_PREFIX}{s}"))
    }
}

/// Why a field is not the calling app's to work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotTheApps {
    /// No custom field has that id: Jira's `404`.
    Unknown,
    /// The site's own field or another app's: Jira's `403`.
    Owned,
}

/// An app field's index, or why not: the one rule of which app a custom field
/// belongs to, for its values (`platform/app_field_value.rs`) and its
/// contexts' configuration (`platform/app_field_configuration.rs`). `app` is
/// the client id of the app calling as itself
/// ([`crate::access::Caller::app_itself`]); `None` finds any app's field.
pub(crate) fn app_field(
    world: &World,
    app: Option<&str>,
    id_or_key: &str,
) -> Result<usize, NotTheApps> {
    let index = number_of(id_or_key)
        .and_then(|n| world.custom_fields.iter().position(|f| f.number == n))
        .ok_or(NotTheApps::Unknown)?;
    match &world.custom_fields[index].app {
        Some(owner) if app.is_none_or(|app| owner.client_id == app) => Ok(index),
        _ => Err(NotTheApps::Owned),
    }
}

/// An app's fields (or field types) to register, and who the app is.
pub(crate) struct Registration<'a> {
    pub(crate) client_id: &'a str,
    /// The app's id as its manifest gives it (`ari:cloud:ecosystem::app/…`
    /// or a Kiln id).
    pub(crate) app_id: &'a str,
    pub(crate) environment: &'a str,
    pub(crate) fields: &'a [CustomFieldModule],
}

/// The app id a field's ARI carries (a Forge app's UUID, a Kiln id as it
/// is), once it and the environment are known to fit an ARI segment.
pub(crate) fn checked_ari_app_id<'a>(app: &Registration<'a>) -> Result<&'a str, JiraError> {
    let app_id = app
        .app_id
        .strip_prefix(APP_ARI_PREFIX)
        .unwrap_or(app.app_id);
    if !is_ari_segment(app_id) || !is_ari_segment(app.environment) {
        return Err(JiraError::bad_request(format!(
            "The app id and environment must be 1-{MAX_ID_CHARS} of A-Z a-z 0-9 - _ ."
        )));
    }
    Ok(app_id)
}

/// Whether `text` may stand in an ARI segment: non-empty, bounded, and none
/// of the characters that would split or escape it.
fn is_ari_segment(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= MAX_ID_CHARS
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl World {
    /// Creates the app's fields, or finds them again, and returns their ids
    /// in declaration order. Everything is checked before anything changes
    /// (names, descriptions, the app's and the site's field limits), so a
    /// refused registration leaves the site as it was.
    pub(crate) fn register_app_fields(
        &mut self,
        app: &Registration<'_>,
    ) -> Result<Vec<String>, JiraError> {
        let app_id = checked_ari_app_id(app)?;
        if app.fields.len() > MAX_APP_FIELDS {
            return Err(JiraError::bad_request(format!(
                "An app registers at most {MAX_APP_FIELDS} custom fields."
            )));
        }
        let mut planned = Vec::with_capacity(app.fields.len());
        for module in app.fields {
            if planned
                .iter()
                .any(|(owner, ..): &(AppFieldOwner, _, _, _)| owner.module_key == module.key)
            {
                return Err(JiraError::bad_request(format!(
                    "The custom field module {} is declared twice.",
                    module.key
                )));
            }
            let owner = AppFieldOwner::of_module(app, app_id, module, false);
            let checked = Checked {
                name: check_name(Some(&module.name))?,
                description: check_description(module.description.as_deref())?,
                kind: owner.kind(),
                searcher_key: owner.searcher(),
            };
            let existing = self.custom_fields.iter().position(|f| {
                // A field an administrator created of the app's type is not
                // the field of a module.
                f.app.as_ref().is_some_and(|o| {
                    !o.of_type
                        && o.app_id == owner.app_id
                        && o.environment == owner.environment
                        && o.module_key == owner.module_key
                })
            });
            planned.push((owner, checked, existing, module));
        }
        let new = planned.iter().filter(|(_, _, at, _)| at.is_none()).count();
        if self.custom_fields.len() + new > MAX_CUSTOM_FIELDS {
            return Err(JiraError::bad_request(format!(
                "The site already has the simulator's limit of {MAX_CUSTOM_FIELDS} custom fields."
            )));
        }
        let mut ids = Vec::with_capacity(planned.len());
        for (owner, checked, existing, _) in planned {
            let index = match existing {
                Some(index) => {
                    self.refresh_app_field(index, &owner, checked);
                    index
                }
                None => add_field(self, checked, None)?,
            };
            let field = &mut self.custom_fields[index];
            field.app = Some(owner);
            ids.push(field.id());
        }
        Ok(ids)
    }

    /// The field at `index` as the app declares it now: its name and
    /// description; a field whose type changed starts afresh, without the
    /// values of its old type (Forge refuses such a deployment outright).
    fn refresh_app_field(&mut self, index: usize, owner: &AppFieldOwner, checked: Checked) {
        let field = &mut self.custom_fields[index];
        let retyped = field
            .app
            .as_ref()
            .is_none_or(|o| (o.field_type, o.list) != (owner.field_type, owner.list));
        field.name = checked.name;
        field.description = checked.description;
        if retyped {
            field.kind = checked.kind;
            field.searcher_key = checked.searcher_key;
            let number = field.number;
            for issue in &mut self.issues {
                issue.custom_fields.remove(&number);
            }
        }
    }
}
