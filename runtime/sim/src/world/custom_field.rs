//! Custom fields: their definitions (name, kind, searcher, select options) and the
//! values issues hold for them.
//!
//! A definition is numbered like Jira's (`customfield_10000` upward); a value is
//! kept already validated, in a form both rendering (`platform/render.rs`) and JQL
//! (`jql/compile.rs`) read without looking anything up but options and users.

use std::collections::BTreeSet;

use serde_json::Value;
use time::{Date, OffsetDateTime};

use super::app_field::AppFieldOwner;
use super::cascading;
use super::field_context::{self, ContextRecord};
use crate::adf;
use crate::clock::jira_timestamp;

/// The prefix of every custom field type key Jira ships.
pub(crate) const TYPE_PREFIX: &str = "com.atlassian.jira.plugin.system.customfieldtypes:";

/// The id prefix of a custom field (`customfield_10010`).
pub(crate) const ID_PREFIX: &str = "customfield_";

/// Jira numbers custom fields from 10000 up.
pub(crate) const FIRST_CUSTOM_FIELD_ID: u64 = 10_000;
/// Options and contexts are numbered per site from 10000 up as well.
pub(crate) const FIRST_OPTION_ID: u64 = 10_000;

/// Most custom fields a site holds: a hostile caller cannot grow the site without
/// bound (Jira Cloud's own limits are in the same region).
pub(crate) const MAX_CUSTOM_FIELDS: usize = 1_000;
/// Most options one select or multiselect field holds.
pub(crate) const MAX_OPTIONS: usize = 1_000;
/// Longest custom field name, as Jira allows.
pub(crate) const MAX_NAME_CHARS: usize = 255;
/// Longest custom field description kept.
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 1_000;
/// Longest option value, as Jira allows.
pub(crate) const MAX_OPTION_CHARS: usize = 255;
/// A single-line text field holds 255 characters, as on Jira.
pub(crate) const MAX_TEXTFIELD_CHARS: usize = 255;
/// A multi-line text field holds 32,767 characters (of text), as on Jira.
pub(crate) const MAX_TEXTAREA_CHARS: usize = 32_767;
/// Most labels one labels field holds.
pub(crate) const MAX_LABELS: usize = 1_000;

/// The custom field types the simulator models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    TextField,
    TextArea,
    Float,
    Select,
    MultiSelect,
    Labels,
    DatePicker,
    DateTime,
    UserPicker,
    /// A select list (cascading): a parent option and, optionally, one of its
    /// child options (`world/cascading.rs`).
    Cascading,
    /// A field an app brings whose values have no Jira type the simulator
    /// models (Forge's groups, objects and lists, `world/app_field.rs`): never
    /// created through `POST /field` or a seed, so not in [`Kind::ALL`].
    App,
}

impl Kind {
    pub(crate) const ALL: [Kind; 10] = [
        Kind::TextField,
        Kind::TextArea,
        Kind::Float,
        Kind::Select,
        Kind::MultiSelect,
        Kind::Labels,
        Kind::DatePicker,
        Kind::DateTime,
        Kind::UserPicker,
        Kind::Cascading,
    ];

    /// The type's short key, after [`TYPE_PREFIX`].
    pub(crate) fn key(self) -> &'static str {
        match self {
            Kind::TextField => "textfield",
            Kind::TextArea => "textarea",
            Kind::Float => "float",
            Kind::Select => "select",
            Kind::MultiSelect => "multiselect",
            Kind::Labels => "labels",
            Kind::DatePicker => "datepicker",
            Kind::DateTime => "datetime",
            Kind::UserPicker => "userpicker",
            Kind::Cascading => "cascadingselect",
            Kind::App => "app",
        }
    }

    /// The type's name as Jira shows it (`Field.typeDisplayName` of `GET
    /// /field/search`), which is also what JQL's `"Name[Type]"` names a custom
    /// field by when several share its name.
    pub(crate) fn display_name(self) -> &'static str {
        match self {
            Kind::TextField => "Short text",
            Kind::TextArea => "Paragraph",
            Kind::Float => "Number",
            Kind::Select => "Dropdown",
            Kind::MultiSelect => "Select list (multiple choices)",
            Kind::Labels => "Labels",
            Kind::DatePicker => "Date picker",
            Kind::DateTime => "Date time picker",
            Kind::UserPicker => "User picker (single user)",
            Kind::Cascading => "Select list (cascading)",
            Kind::App => "Forge app field",
        }
    }

    /// The full type key (`com.atlassian.jira.plugin.system.customfieldtypes:select`).
    pub(crate) fn type_key(self) -> String {
        format!("{TYPE_PREFIX}{}", self.key())
    }

    /// The kind named by a full type key, or (in seeds) its short form.
    pub(crate) fn from_type(text: &str) -> Option<Kind> {
        let short = text.strip_prefix(TYPE_PREFIX).unwrap_or(text);
        Kind::ALL.into_iter().find(|k| k.key() == short)
    }

    /// `schema.type` and `schema.items` of `GET /field`, as Jira reports them.
    pub(crate) fn schema(self) -> (&'static str, Option<&'static str>) {
        match self {
            Kind::TextField | Kind::TextArea => ("string", None),
            Kind::Float => ("number", None),
            Kind::Select => ("option", None),
            Kind::MultiSelect => ("array", Some("option")),
            Kind::Labels => ("array", Some("string")),
            Kind::DatePicker => ("date", None),
            Kind::DateTime => ("datetime", None),
            Kind::UserPicker => ("user", None),
            Kind::Cascading => ("option-with-child", None),
            // An app field's record reports its own ([`CustomFieldRecord::schema`]).
            Kind::App => ("any", None),
        }
    }

    /// The searchers valid for the type (short keys), the first the usual one,
    /// as `CustomFieldDefinitionJsonBean.searcherKey` lists them.
    pub(crate) fn searchers(self) -> &'static [&'static str] {
        match self {
            Kind::TextField | Kind::TextArea => &["textsearcher"],
            Kind::Float => &["exactnumber", "numberrange"],
            Kind::Select | Kind::MultiSelect => &["multiselectsearcher"],
            Kind::Labels => &["labelsearcher"],
            Kind::DatePicker => &["daterange"],
            Kind::DateTime => &["datetimerange"],
            Kind::UserPicker => &["userpickergroupsearcher"],
            Kind::Cascading => &["cascadingselectsearcher"],
            Kind::App => &[],
        }
    }

    /// Whether values are searched as text (`~`) rather than compared (`=`).
    pub(crate) fn is_text(self) -> bool {
        matches!(self, Kind::TextField | Kind::TextArea)
    }

    /// Whether the type holds options.
    pub(crate) fn has_options(self) -> bool {
        matches!(self, Kind::Select | Kind::MultiSelect | Kind::Cascading)
    }
}

/// One option of a select, multiselect or cascading select field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OptionRecord {
    pub(crate) id: String,
    pub(crate) value: String,
    pub(crate) disabled: bool,
    /// A cascading select's child option: the id of its parent, a top-level
    /// option of the same context. `None` for every other option.
    pub(crate) parent: Option<String>,
}

/// A custom field's definition.
#[derive(Debug, Clone)]
pub(crate) struct CustomFieldRecord {
    /// The number in `customfield_N`.
    pub(crate) number: u64,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) kind: Kind,
    /// Full searcher key; `None` makes the field unsearchable, as in Jira.
    pub(crate) searcher_key: Option<String>,
    /// Where the field applies, each context with its options
    /// (`world/field_context.rs`); a new field has one global context.
    pub(crate) contexts: Vec<ContextRecord>,
    /// The app that brought the field (a Forge `jira:customField`), the only
    /// caller that writes it through `/app/field/value`; `None` for the
    /// site's own fields.
    pub(crate) app: Option<AppFieldOwner>,
}

impl CustomFieldRecord {
    /// `customfield_N`.
    pub(crate) fn id(&self) -> String {
        format!("{ID_PREFIX}{}", self.number)
    }

    /// `schema.custom`: Jira's type key, or an app field's extension ARI.
    pub(crate) fn type_key(&self) -> String {
        self.app
            .as_ref()
            .map_or_else(|| self.kind.type_key(), AppFieldOwner::type_key)
    }

    /// `schema.type` and `schema.items`: the kind's, or an app field's own.
    pub(crate) fn schema(&self) -> (&'static str, Option<&'static str>) {
        self.app
            .as_ref()
            .map_or_else(|| self.kind.schema(), AppFieldOwner::schema)
    }

    /// Every option of every context: option ids are the site's, so an id
    /// names one option wherever it is read (rendering, changelogs, JQL).
    pub(crate) fn all_options(&self) -> impl Iterator<Item = &OptionRecord> {
        self.contexts.iter().flat_map(|c| &c.options)
    }

    /// An option of any context by value, without regard to case: what JQL
    /// names an option by, as Jira's searches span the field's contexts.
    pub(crate) fn option_by_value(&self, value: &str) -> Option<&OptionRecord> {
        self.all_options()
            .find(|o| o.value.eq_ignore_ascii_case(value))
    }

    pub(crate) fn option_by_id(&self, id: &str) -> Option<&OptionRecord> {
        self.all_options().find(|o| o.id == id)
    }

    /// The context that applies to an issue of the project and issue type.
    pub(crate) fn context_for(
        &self,
        project_id: &str,
        issue_type_id: &str,
    ) -> Option<&ContextRecord> {
        field_context::applicable(&self.contexts, project_id, issue_type_id)
    }
}

impl super::World {
    /// Takes the options `removed` out of every issue's value for the field
    /// numbered `number` (the options are being deleted, alone or with their
    /// context), and out of its contexts' defaults; a value left with no
    /// option goes, as on Jira.
    pub(crate) fn clear_option_values(&mut self, number: u64, removed: &BTreeSet<&str>) {
        if let Some(field) = self.custom_fields.iter_mut().find(|f| f.number == number) {
            for context in &mut field.contexts {
                context.forget_options(removed);
            }
        }
        for issue in &mut self.issues {
            let emptied = match issue.custom_fields.get_mut(&number) {
                Some(CustomValue::Option(id)) => removed.contains(id.as_str()),
                Some(CustomValue::Options(ids)) => {
                    ids.retain(|id| !removed.contains(id.as_str()));
                    ids.is_empty()
                }
                Some(CustomValue::Cascade { parent, child }) => {
                    if child.as_deref().is_some_and(|c| removed.contains(c)) {
                        *child = None;
                    }
                    removed.contains(parent.as_str())
                }
                _ => false,
            };
            if emptied {
                issue.custom_fields.remove(&number);
            }
        }
    }
}

impl CustomValue {
    /// The value with option `old` replaced by `new` (`None`: taken out), if
    /// the value holds `old`: `Some(None)` when nothing is left. A multiselect
    /// that holds `new` already keeps it once. A cascading value replaces a
    /// parent by a parent (its child goes: it is not the new parent's) and a
    /// child by a child (with the new child's parent); taking a parent out
    /// empties the value, taking a child out leaves the parent.
    pub(crate) fn replacing_option(
        &self,
        old: &str,
        new: Option<&OptionRecord>,
    ) -> Option<Option<Self>> {
        if let CustomValue::Cascade { parent, child } = self {
            return cascading::replacing(parent, child.as_deref(), old, new);
        }
        let new = new.map(|o| o.id.as_str());
        match self {
            CustomValue::Option(id) if id == old => {
                Some(new.map(|new| CustomValue::Option(new.to_owned())))
            }
            CustomValue::Options(ids) if ids.iter().any(|id| id == old) => {
                let mut after: Vec<String> = Vec::with_capacity(ids.len());
                for id in ids {
                    let id = if id == old {
                        match new {
                            Some(new) => new,
                            None => continue,
                        }
                    } else {
                        id.as_str()
                    };
                    if !after.iter().any(|a| a == id) {
                        after.push(id.to_owned());
                    }
                }
                Some((!after.is_empty()).then_some(CustomValue::Options(after)))
            }
            _ => None,
        }
    }
}

/// The number in a `customfield_N` id, if `id` is one.
pub(crate) fn number_of(id: &str) -> Option<u64> {
    let digits = id.strip_prefix(ID_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A value an issue holds for a custom field (never empty: an empty value is absent).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CustomValue {
    Text(String),
    /// An ADF document (textarea).
    Document(Value),
    Number(f64),
    /// Option id.
    Option(String),
    /// Option ids, in the order given.
    Options(Vec<String>),
    /// A cascading select's value: a top-level option's id and, if chosen,
    /// the id of one of its children.
    Cascade {
        parent: String,
        child: Option<String>,
    },
    Labels(Vec<String>),
    Date(Date),
    DateTime(OffsetDateTime),
    /// Account id.
    User(String),
    /// A group (an app field's): its id, and its name when written, shown if
    /// the group has gone since.
    Group {
        id: String,
        name: String,
    },
    /// An app's object value, as written (a JSON object).
    Object(Value),
    /// An app's list field: its values, in the order written (never empty).
    List(Vec<CustomValue>),
}

/// `yyyy-MM-dd`, as Jira writes dates.
pub(crate) fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Parses `yyyy-MM-dd` (JQL also allows `yyyy/MM/dd`).
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let mut parts = text.splitn(3, ['-', '/']);
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if !(1000..=9999).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// Parses a date-time as Jira accepts one in a create or edit: ISO 8601 with an
/// offset, `2024-01-01T10:00:00.000+0000` or RFC 3339 `2024-01-01T10:00:00Z`.
/// Only instants in the years 0000 to 9999 in UTC, the ones the simulator
/// writes back ([`crate::clock::in_calendar`], which both forms are read
/// through): `9999-12-31T23:59:00.000-1000` is `None`.
pub(crate) fn parse_datetime(text: &str) -> Option<OffsetDateTime> {
    if let Some(at) = crate::clock::parse_rfc3339(text) {
        return Some(at);
    }
    // Jira's own form: `+0000` offsets without a colon.
    let (head, offset) = text.split_at_checked(text.len().checked_sub(5)?)?;
    let sign = match offset.as_bytes().first()? {
        b'+' => '+',
        b'-' => '-',
        _ => return None,
    };
    let digits = offset.get(1..)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let with_colon = format!("{head}{sign}{}:{}", digits.get(..2)?, digits.get(2..)?);
    crate::clock::parse_rfc3339(&with_colon)
}

/// Numbers as Jira shows them in changelogs and compares them in JQL.
pub(crate) fn format_number(number: f64) -> String {
    format!("{number}")
}

impl CustomValue {
    /// The value in canonical strings: what JQL's `=`/`IN` compare against.
    /// Options by id, users by account id, dates as `yyyy-MM-dd`, date-times as
    /// `yyyy-MM-dd HH:mm` (UTC), numbers as [`format_number`].
    pub(crate) fn canonical(&self) -> Vec<String> {
        match self {
            CustomValue::Text(text) => vec![text.clone()],
            CustomValue::Document(doc) => vec![adf::plain_text(doc)],
            CustomValue::Number(n) => vec![format_number(*n)],
            CustomValue::Option(id) | CustomValue::User(id) => vec![id.clone()],
            CustomValue::Options(ids) => ids.clone(),
            CustomValue::Cascade { parent, child } => {
                vec![
                    parent.clone(),
                    cascading::child_key(parent, child.as_deref()),
                ]
            }
            CustomValue::Labels(labels) => labels.clone(),
            CustomValue::Date(date) => vec![format_date(*date)],
            CustomValue::DateTime(at) => vec![minute_of(*at)],
            CustomValue::Group { id, .. } => vec![id.clone()],
            CustomValue::Object(object) => vec![object.to_string()],
            CustomValue::List(items) => items.iter().flat_map(CustomValue::canonical).collect(),
        }
    }

    /// The text `~` searches.
    pub(crate) fn text(&self) -> String {
        match self {
            CustomValue::Text(text) => text.clone(),
            CustomValue::Document(doc) => adf::plain_text(doc),
            other => other.canonical().join(" "),
        }
    }

    /// The changelog's `from`/`to` and `fromString`/`toString` for the value.
    pub(crate) fn change_strings(
        &self,
        field: &CustomFieldRecord,
        display_name: impl Fn(&str) -> Option<String> + Copy,
    ) -> (Option<String>, String) {
        match self {
            CustomValue::Text(text) => (None, text.clone()),
            CustomValue::Document(doc) => (None, adf::plain_text(doc).trim_end().to_owned()),
            CustomValue::Number(n) => (None, format_number(*n)),
            CustomValue::Option(id) => (
                Some(id.clone()),
                field
                    .option_by_id(id)
                    .map(|o| o.value.clone())
                    .unwrap_or_default(),
            ),
            CustomValue::Options(ids) => (
                Some(format!("[{}]", ids.join(", "))),
                ids.iter()
                    .filter_map(|id| field.option_by_id(id).map(|o| o.value.clone()))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            CustomValue::Cascade { parent, child } => (
                None,
                cascading::change_string(field, parent, child.as_deref()),
            ),
            CustomValue::Labels(labels) => (None, labels.join(" ")),
            CustomValue::Date(date) => (Some(format_date(*date)), format_date(*date)),
            CustomValue::DateTime(at) => (Some(jira_timestamp(*at)), jira_timestamp(*at)),
            CustomValue::User(id) => (Some(id.clone()), display_name(id).unwrap_or_default()),
            CustomValue::Group { id, name } => (Some(id.clone()), name.clone()),
            CustomValue::Object(object) => (None, object.to_string()),
            // As a multiselect's: the ids bracketed when every value has one,
            // the texts comma-separated.
            CustomValue::List(items) => {
                let strings: Vec<(Option<String>, String)> = items
                    .iter()
                    .map(|item| item.change_strings(field, display_name))
                    .collect();
                let ids: Option<Vec<String>> = strings.iter().map(|(id, _)| id.clone()).collect();
                let texts: Vec<String> = strings.into_iter().map(|(_, text)| text).collect();
                (
                    ids.map(|ids| format!("[{}]", ids.join(", "))),
                    texts.join(","),
                )
            }
        }
    }
}

/// `yyyy-MM-dd HH:mm` in UTC: the precision JQL compares date-times at (the
/// epoch for a date outside [`crate::clock::in_calendar`], which
/// [`parse_datetime`] refuses, rather than a panic).
pub(crate) fn minute_of(at: OffsetDateTime) -> String {
    let at = crate::clock::utc(at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{} {:02}:{:02}",
        format_date(at.date()),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_kinds_and_dates_parse_strictly() {
        assert_eq!(number_of("customfield_10010"), Some(10_010));
        assert_eq!(number_of("customfield_"), None);
        assert_eq!(number_of("customfield_+1"), None);
        assert_eq!(number_of("customfield_99999999999999999999999"), None);
        assert_eq!(
            Kind::from_type("com.atlassian.jira.plugin.system.customfieldtypes:select"),
            Some(Kind::Select)
        );
        assert_eq!(Kind::from_type("select"), Some(Kind::Select));
        assert_eq!(Kind::from_type("grouppicker"), None);
        assert_eq!(
            parse_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("tomorrow"), None);
        let at = parse_datetime("2024-01-02T10:30:00.000+0100").expect("Jira's form");
        assert_eq!(minute_of(at), "2024-01-02 09:30");
        assert!(parse_datetime("2024-01-02T10:30:00Z").is_some());
        assert_eq!(parse_datetime("+0000"), None);
        assert_eq!(parse_datetime("ö"), None);
    }

    #[test]
    fn date_times_are_those_of_the_calendar_in_utc() {
        for outside in [
            "9999-12-31T23:59:00.000-1000",
            "0000-01-01T09:59:00.000+1000",
            "9999-12-31T23:59:00-10:00",
        ] {
            assert_eq!(parse_datetime(outside), None, "{outside}");
        }
        let last = parse_datetime("9999-12-31T13:59:59.999-1000").expect("the last instant");
        assert_eq!(minute_of(last), "9999-12-31 23:59");
        let first = parse_datetime("0000-01-01T10:00:00.000+1000").expect("the first instant");
        assert_eq!(minute_of(first), "0000-01-01 00:00");
        let past = time::macros::datetime!(9999-12-31 23:59 -10:00);
        assert_eq!(minute_of(past), "1970-01-01 00:00");
    }
}
