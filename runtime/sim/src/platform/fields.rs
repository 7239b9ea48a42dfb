//! The `fields` parameter: which issue fields a response includes.

use std::collections::BTreeSet;

/// Every field the simulator stores, in Jira's names.
pub(crate) const ALL_FIELDS: [&str; 13] = [
    "summary",
    "status",
    "assignee",
    "reporter",
    "labels",
    "project",
    "issuetype",
    "created",
    "updated",
    "description",
    "components",
    "priority",
    "comment",
];

/// Fields shown in issue navigator columns: every stored field but `comment`.
fn navigable() -> impl Iterator<Item = &'static str> {
    ALL_FIELDS.into_iter().filter(|field| *field != "comment")
}

/// A resolved selection of fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSelection {
    fields: BTreeSet<&'static str>,
    /// Nothing was asked for: the enhanced search then returns bare `{"id"}` issues.
    ids_only: bool,
}

impl FieldSelection {
    pub(crate) fn all() -> Self {
        Self {
            fields: ALL_FIELDS.into_iter().collect(),
            ids_only: false,
        }
    }

    /// Only the issue id (the enhanced search's default).
    pub(crate) fn id_only() -> Self {
        Self {
            fields: BTreeSet::new(),
            ids_only: true,
        }
    }

    /// Parses Jira's syntax: names, `*all`, `*navigable`, and `-name` to exclude.
    /// Unknown names (and `key`, `id`, always present) select no field, as in Jira.
    pub(crate) fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Self {
        let mut include = BTreeSet::new();
        let mut exclude = BTreeSet::new();
        for item in items.into_iter().flat_map(|i| i.split(',')).map(str::trim) {
            match item {
                "*all" => include.extend(ALL_FIELDS),
                "*navigable" => include.extend(navigable()),
                other => {
                    let (set, name) = match other.strip_prefix('-') {
                        Some(name) => (&mut exclude, name),
                        None => (&mut include, other),
                    };
                    if let Some(known) = ALL_FIELDS.iter().find(|f| **f == name) {
                        set.insert(*known);
                    }
                }
            }
        }
        Self {
            fields: include.difference(&exclude).copied().collect(),
            ids_only: false,
        }
    }

    pub(crate) fn has(&self, field: &str) -> bool {
        self.fields.contains(field)
    }

    pub(crate) fn is_id_only(&self) -> bool {
        self.ids_only
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_groups_and_exclusions() {
        let selection = FieldSelection::parse(["summary,status", "bogus"]);
        assert!(selection.has("summary") && selection.has("status") && !selection.has("labels"));
        let selection = FieldSelection::parse(["*navigable,-description"]);
        assert!(
            selection.has("summary") && !selection.has("description") && !selection.has("comment")
        );
        assert!(FieldSelection::parse(["*all"]).has("comment"));
    }
}
