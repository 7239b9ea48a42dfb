//! The `fields` parameter: which issue fields a response includes.

use std::collections::BTreeSet;

use crate::world::custom_field::number_of;

/// Every field the simulator stores, in Jira's names.
pub(crate) const ALL_FIELDS: [&str; 34] = [
    "summary",
    "status",
    "assignee",
    "reporter",
    "creator",
    "labels",
    "project",
    "issuetype",
    "created",
    "updated",
    "statuscategorychangedate",
    "resolution",
    "resolutiondate",
    "description",
    "environment",
    "duedate",
    "components",
    "fixVersions",
    "versions",
    "priority",
    "comment",
    "attachment",
    "issuelinks",
    "votes",
    "parent",
    "subtasks",
    "timetracking",
    "timeoriginalestimate",
    "timeestimate",
    "timespent",
    "aggregatetimeoriginalestimate",
    "aggregatetimeestimate",
    "aggregatetimespent",
    "worklog",
];

/// Whether Jira shows the field as an issue navigator column (`*navigable`
/// selects these): every stored field but the comments, attachments,
/// worklogs and `timetracking` (Jira's field list marks those four not
/// navigable; the estimates and time spent, and their sums, are columns).
/// Links are one ("Linked Issues" is a navigator column; Jira's field list
/// marks `issuelinks` navigable), and so are votes (the "Votes" column), the
/// parent ("Parent"), sub-tasks ("Sub-tasks"), the due date ("Due date") and
/// the environment (Jira's field list marks both navigable), and the creator,
/// resolution, resolution date ("Resolved") and status category change date
/// ("Status Category Changed"), all navigator columns.
pub(crate) fn is_navigable(field: &str) -> bool {
    !matches!(field, "comment" | "attachment" | "worklog" | "timetracking")
}

fn navigable() -> impl Iterator<Item = &'static str> {
    ALL_FIELDS.into_iter().filter(|field| is_navigable(field))
}

/// The fields an endpoint returns when its `fields` list names none: what a
/// list of exclusions only (`-description`) is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultFields {
    /// `*all`: `getIssue`'s default ("-description Returns all (default)
    /// fields except description").
    All,
    /// `*navigable`: the search's and the bulk fetch's ("Returns all navigable
    /// (default) fields except description").
    Navigable,
}

impl DefaultFields {
    fn item(self) -> &'static str {
        match self {
            Self::All => "*all",
            Self::Navigable => "*navigable",
        }
    }
}

/// A resolved selection of fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSelection {
    fields: BTreeSet<&'static str>,
    /// `*all` or `*navigable` asked for every custom field.
    all_custom: bool,
    /// Custom fields (`customfield_N`) named, and named with `-`.
    custom: BTreeSet<String>,
    custom_excluded: BTreeSet<String>,
    /// Nothing was asked for: the enhanced search then returns bare `{"id"}` issues.
    ids_only: bool,
}

impl FieldSelection {
    pub(crate) fn all() -> Self {
        Self {
            fields: ALL_FIELDS.into_iter().collect(),
            all_custom: true,
            custom: BTreeSet::new(),
            custom_excluded: BTreeSet::new(),
            ids_only: false,
        }
    }

    /// Only the issue id (the enhanced search's default).
    pub(crate) fn id_only() -> Self {
        Self {
            fields: BTreeSet::new(),
            all_custom: false,
            custom: BTreeSet::new(),
            custom_excluded: BTreeSet::new(),
            ids_only: true,
        }
    }

    /// Parses Jira's syntax: names, `*all`, `*navigable`, and `-name` to exclude.
    /// Unknown names (and `key`, `id`, always present) select no field, as in Jira.
    ///
    /// A list of exclusions only (`-comment,-description`) is taken from the
    /// endpoint's `default`, as Jira documents it: "-description Returns all
    /// (default) fields except description". Any other item, even an unknown
    /// name or `id`, is an inclusion and leaves the default out; a list with no
    /// item at all (`fields=`) is not one of exclusions and stays empty.
    pub(crate) fn parse<'a>(
        items: impl IntoIterator<Item = &'a str>,
        default: DefaultFields,
    ) -> Self {
        let items: Vec<&str> = items
            .into_iter()
            .flat_map(|i| i.split(','))
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .collect();
        let only_exclusions = !items.is_empty() && items.iter().all(|item| item.starts_with('-'));
        let default = only_exclusions.then_some(default.item());
        let mut include = BTreeSet::new();
        let mut exclude = BTreeSet::new();
        let mut all_custom = false;
        let mut custom = BTreeSet::new();
        let mut custom_excluded = BTreeSet::new();
        for item in default.into_iter().chain(items) {
            match item {
                "*all" => {
                    include.extend(ALL_FIELDS);
                    all_custom = true;
                }
                "*navigable" => {
                    include.extend(navigable());
                    all_custom = true;
                }
                other => {
                    let (excluding, name) = match other.strip_prefix('-') {
                        Some(name) => (true, name),
                        None => (false, other),
                    };
                    if let Some(known) = ALL_FIELDS.iter().find(|f| **f == name) {
                        if excluding {
                            exclude.insert(*known);
                        } else {
                            include.insert(*known);
                        }
                    } else if number_of(name).is_some() {
                        // Bounded by the request's length; only existing fields render.
                        if excluding {
                            custom_excluded.insert(name.to_owned());
                        } else {
                            custom.insert(name.to_owned());
                        }
                    }
                }
            }
        }
        Self {
            fields: include.difference(&exclude).copied().collect(),
            all_custom,
            custom,
            custom_excluded,
            ids_only: false,
        }
    }

    pub(crate) fn has(&self, field: &str) -> bool {
        self.fields.contains(field)
    }

    /// Whether the custom field `id` (`customfield_N`) is selected.
    pub(crate) fn has_custom(&self, id: &str) -> bool {
        !self.ids_only
            && (self.all_custom || self.custom.contains(id))
            && !self.custom_excluded.contains(id)
    }

    pub(crate) fn is_id_only(&self) -> bool {
        self.ids_only
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_selected_by_name_or_all_never_as_navigable() {
        let has = |items: &[&str]| {
            FieldSelection::parse(items.iter().copied(), DefaultFields::All).has("attachment")
        };
        assert!(has(&["attachment"]));
        assert!(has(&["summary,attachment"]));
        assert!(has(&["*all"]));
        assert!(!has(&["*navigable"]));
        assert!(!has(&["*all,-attachment"]));
        assert!(!has(&["summary"]));
        assert!(FieldSelection::all().has("attachment"));
    }

    #[test]
    fn votes_are_selected_by_name_all_or_navigable() {
        let has = |items: &[&str]| {
            FieldSelection::parse(items.iter().copied(), DefaultFields::All).has("votes")
        };
        assert!(has(&["votes"]) && has(&["*all"]) && has(&["*navigable"]));
        assert!(!has(&["*navigable,-votes"]) && !has(&["summary"]));
        assert!(FieldSelection::all().has("votes"));
    }

    #[test]
    fn due_date_and_environment_are_selected_by_name_all_or_navigable() {
        for field in ["duedate", "environment"] {
            let has = |items: &[&str]| {
                FieldSelection::parse(items.iter().copied(), DefaultFields::All).has(field)
            };
            assert!(has(&[field]) && has(&["*all"]) && has(&["*navigable"]));
            assert!(!has(&["summary"]) && !has(&[&format!("*all,-{field}")]));
            assert!(FieldSelection::all().has(field));
        }
    }

    #[test]
    fn creator_and_resolution_fields_are_selected_by_name_all_or_navigable() {
        for field in [
            "creator",
            "statuscategorychangedate",
            "resolution",
            "resolutiondate",
        ] {
            let has = |items: &[&str]| {
                FieldSelection::parse(items.iter().copied(), DefaultFields::All).has(field)
            };
            assert!(has(&[field]) && has(&["*all"]) && has(&["*navigable"]));
            assert!(!has(&["summary"]) && !has(&[&format!("*navigable,-{field}")]));
            assert!(FieldSelection::all().has(field));
        }
    }

    #[test]
    fn time_tracking_fields_are_selected_as_jira_lists_them() {
        let has = |items: &[&str], field: &str| {
            FieldSelection::parse(items.iter().copied(), DefaultFields::All).has(field)
        };
        for field in ["timetracking", "worklog"] {
            assert!(has(&[field], field) && has(&["*all"], field));
            assert!(!has(&["*navigable"], field), "{field} is not navigable");
        }
        for field in super::super::time_tracking::READ_ONLY {
            assert!(has(&[field], field) && has(&["*all"], field) && has(&["*navigable"], field));
            assert!(!has(&["summary"], field) && !has(&[&format!("*all,-{field}")], field));
        }
    }

    #[test]
    fn parses_names_groups_and_exclusions() {
        let selection = FieldSelection::parse(["summary,status", "bogus"], DefaultFields::All);
        assert!(selection.has("summary") && selection.has("status") && !selection.has("labels"));
        let selection = FieldSelection::parse(["*navigable,-description"], DefaultFields::All);
        assert!(
            selection.has("summary") && !selection.has("description") && !selection.has("comment")
        );
        assert!(FieldSelection::parse(["*all"], DefaultFields::All).has("comment"));
        let selection = FieldSelection::parse(
            ["summary,customfield_10001,-customfield_10002"],
            DefaultFields::All,
        );
        assert!(
            selection.has_custom("customfield_10001") && !selection.has_custom("customfield_10002")
        );
        let selection =
            FieldSelection::parse(["*navigable,-customfield_10002"], DefaultFields::All);
        assert!(
            selection.has_custom("customfield_10001") && !selection.has_custom("customfield_10002")
        );
        assert!(
            !FieldSelection::parse(["summary"], DefaultFields::All).has_custom("customfield_10001")
        );
        assert!(!FieldSelection::id_only().has_custom("customfield_10001"));
    }

    #[test]
    fn exclusions_alone_are_taken_from_the_endpoints_default() {
        let all = FieldSelection::parse(["-comment"], DefaultFields::All);
        assert!(all.has("summary") && all.has("attachment") && !all.has("comment"));
        assert!(all.has_custom("customfield_10001"));
        let navigable = FieldSelection::parse(["-comment,-description"], DefaultFields::Navigable);
        assert!(navigable.has("summary") && !navigable.has("description"));
        assert!(!navigable.has("attachment") && !navigable.has("comment"));
        let split = FieldSelection::parse(["-comment", " -description"], DefaultFields::All);
        assert!(split.has("worklog") && !split.has("comment") && !split.has("description"));
        // Any inclusion, even of a name that selects nothing, drops the default.
        for items in ["summary,-comment", "id,-comment", "bogus,-comment"] {
            let selection = FieldSelection::parse([items], DefaultFields::All);
            assert!(!selection.has("status"), "{items}");
        }
        assert!(!FieldSelection::parse([""], DefaultFields::All).has("summary"));
        assert!(
            !FieldSelection::parse(["-customfield_10001"], DefaultFields::All)
                .has_custom("customfield_10001")
        );
    }
}
