//! Default values of custom field contexts: the value a new issue takes for a
//! custom field its create does not set.
//!
//! A context holds at most one default ([`ContextRecord::default_value`]),
//! set with `PUT /field/{fieldId}/context/defaultValue`
//! (`platform/field_context_default.rs`). On a create, each custom field the
//! issue is offered ([`World::offered_fields`]: on the screen, with a context
//! that applies) and the request does not name takes the default of the
//! context that applies to the new issue, as Jira fills a field left out of
//! its create screen's form. An option default names an option of its own
//! context, and goes when that option does ([`ContextRecord::forget_options`]).

use std::collections::BTreeSet;

use time::OffsetDateTime;

use super::World;
use super::custom_field::{CustomValue, Kind};
use super::field_context::ContextRecord;
use super::screen_scheme::IssueOperation;
use crate::adf;

/// Most groups and most roles a single user picker's `userFilter` names, as
/// `UserFilter` states ("A maximum of 10 groups can be provided").
pub(crate) const MAX_FILTER_ITEMS: usize = 10;
/// Longest default of a single-line text field, as
/// `CustomFieldContextDefaultValueTextField` states (one less than a value).
pub(crate) const MAX_TEXTFIELD_DEFAULT_CHARS: usize = 254;

/// A context's default value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ContextDefault {
    /// A fixed value, held as an issue holds it (`world/custom_field.rs`):
    /// text, a number, an option or options of the context, labels, a date or
    /// a date-time. Never a user: see [`ContextDefault::User`].
    Value(CustomValue),
    /// A paragraph (`textarea`) field's text: the spec sets it as plain text,
    /// and an issue takes it as a document of its lines.
    Paragraphs(String),
    /// `useCurrent` of a date or date-time field: the day or the instant of
    /// the create.
    Current,
    /// A single user picker's default user, and the filter its picker
    /// suggests users by (kept and answered; the simulator suggests no users
    /// for custom fields).
    User {
        account_id: String,
        filter: UserFilter,
    },
}

/// `UserFilter`: which users a user picker suggests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserFilter {
    pub(crate) enabled: bool,
    /// Group names, at most [`MAX_FILTER_ITEMS`].
    pub(crate) groups: Vec<String>,
    /// Project role ids, at most [`MAX_FILTER_ITEMS`].
    pub(crate) role_ids: Vec<i64>,
}

/// The `type` of `CustomFieldContextDefaultValue` a field of `kind` takes:
/// each modelled kind takes exactly one.
pub(crate) fn default_type(kind: Kind) -> &'static str {
    match kind {
        Kind::TextField => "textfield",
        Kind::TextArea => "textarea",
        Kind::Float => "float",
        Kind::Select => "option.single",
        Kind::MultiSelect => "option.multiple",
        Kind::Labels => "labels",
        Kind::DatePicker => "datepicker",
        Kind::DateTime => "datetimepicker",
        Kind::UserPicker => "single.user.select",
        Kind::Cascading => "option.cascading",
        // An app's group, object or list field (`app_field.rs`); its
        // defaults are not modelled (`platform/field_context_default.rs`).
        Kind::App => "forge.object",
    }
}

impl ContextDefault {
    /// The value a new issue created at `now` takes from this default, for a
    /// field of `kind`.
    pub(crate) fn issue_value(&self, kind: Kind, now: OffsetDateTime) -> CustomValue {
        match self {
            ContextDefault::Value(value) => value.clone(),
            ContextDefault::Paragraphs(text) => CustomValue::Document(adf::from_text(text)),
            // The simulator's day is UTC's: it models no user time zones.
            ContextDefault::Current if kind == Kind::DatePicker => {
                CustomValue::Date(crate::clock::utc(now).unwrap_or(now).date())
            }
            ContextDefault::Current => CustomValue::DateTime(now),
            ContextDefault::User { account_id, .. } => CustomValue::User(account_id.clone()),
        }
    }
}

impl ContextRecord {
    /// Takes the options `removed` (being deleted) out of this context's
    /// default; a default left with no option goes, as an issue's value does
    /// ([`World::clear_option_values`]).
    pub(crate) fn forget_options(&mut self, removed: &BTreeSet<&str>) {
        let emptied = match &mut self.default_value {
            Some(ContextDefault::Value(CustomValue::Option(id))) => removed.contains(id.as_str()),
            Some(ContextDefault::Value(CustomValue::Options(ids))) => {
                ids.retain(|id| !removed.contains(id.as_str()));
                ids.is_empty()
            }
            Some(ContextDefault::Value(CustomValue::Cascade { parent, child })) => {
                if child.as_deref().is_some_and(|c| removed.contains(c)) {
                    *child = None;
                }
                removed.contains(parent.as_str())
            }
            _ => false,
        };
        if emptied {
            self.default_value = None;
        }
    }
}

impl World {
    /// The custom field values a new issue of the project and issue type,
    /// created at `now`, takes by default: for each field offered there
    /// ([`World::offered_fields`]) (on the create screen) whose applicable context has a default, its
    /// number and value. `named` says which field ids the create sets itself:
    /// those keep what the request says, an empty value included.
    pub(crate) fn context_defaults(
        &self,
        project_id: &str,
        issue_type_id: &str,
        now: OffsetDateTime,
        named: impl Fn(&str) -> bool,
    ) -> Vec<(u64, CustomValue)> {
        let offered = self.offered_fields(project_id, issue_type_id, IssueOperation::Create);
        self.custom_fields
            .iter()
            .filter_map(|field| {
                let id = field.id();
                if named(&id) || !offered.offers(&id) {
                    return None;
                }
                let default = field
                    .context_for(project_id, issue_type_id)?
                    .default_value
                    .as_ref()?;
                Some((field.number, default.issue_value(field.kind, now)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_with(default: ContextDefault) -> ContextRecord {
        ContextRecord {
            default_value: Some(default),
            ..ContextRecord::default_for("10000".to_owned(), "F")
        }
    }

    #[test]
    fn deleted_options_leave_the_default() {
        let removed = BTreeSet::from(["2"]);
        let mut single = context_with(ContextDefault::Value(CustomValue::Option("2".into())));
        single.forget_options(&removed);
        assert_eq!(single.default_value, None);
        let both = CustomValue::Options(vec!["1".into(), "2".into()]);
        let mut multiple = context_with(ContextDefault::Value(both));
        multiple.forget_options(&removed);
        let left = ContextDefault::Value(CustomValue::Options(vec!["1".into()]));
        assert_eq!(multiple.default_value, Some(left));
        multiple.forget_options(&BTreeSet::from(["1"]));
        assert_eq!(multiple.default_value, None, "no option left: no default");
        let mut other = context_with(ContextDefault::Value(CustomValue::Option("3".into())));
        other.forget_options(&removed);
        assert!(
            other.default_value.is_some(),
            "another option's default stays"
        );
    }

    #[test]
    fn current_is_the_day_or_instant_of_the_create() {
        let now = time::macros::datetime!(2025-03-01 23:30 -02:00);
        assert_eq!(
            ContextDefault::Current.issue_value(Kind::DatePicker, now),
            CustomValue::Date(time::macros::date!(2025 - 03 - 02)),
            "the day in UTC"
        );
        assert_eq!(
            ContextDefault::Current.issue_value(Kind::DateTime, now),
            CustomValue::DateTime(now)
        );
    }
}
