//! The `properties` parameter: which entity properties an answer carries, as
//! `getIssue`, the enhanced JQL search (`GET` and `POST /search/jql`),
//! `bulkFetchIssues`, `getProject`, `getAllProjects` and `searchProjects` take
//! it. One reading for all of them, so a key selects the same property
//! everywhere.
//!
//! The spec documents two syntaxes. `getIssue`'s ([`Syntax::Full`]): property
//! keys, `*all` for every property, and `-key` to leave one out (`*all,-prop1`);
//! the searches, bulk fetch and the project operations document a list of keys
//! only ([`Syntax::Keys`]), so there `*all` and `-key` are keys like any other
//! (and name no property a well-behaved app stores). In a query string each
//! value is a comma-separated list and the parameter may repeat
//! (`properties=prop1,prop2&properties=prop3`); in a JSON body
//! (`SearchAndReconcileRequestBean`, `BulkFetchIssueRequestBean`) each item
//! of the array is one key. Blank items name nothing.
//!
//! An answer carries `properties` (`IssueBean.properties`, "Details of the
//! issue properties identified in the request") only when the request names
//! properties: the selected ones that exist, by key, with their stored values;
//! a key the entity does not have is left out, not reported.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::jira_error::JiraError;

/// The spec's cap on the issue properties a search or bulk fetch returns
/// ("A list of up to 5 issue properties", "A maximum of 5 issue property keys").
pub(crate) const MAX_ISSUE_PROPERTIES: usize = 5;

/// Which of the spec's syntaxes an operation's `properties` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// Keys, `*all` and `-key` (`getIssue`).
    Full,
    /// Keys only (the searches, bulk fetch, the project operations).
    Keys,
}

/// The properties a request asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PropertySelection {
    /// Some property was named (an answer then carries `properties`).
    asked: bool,
    /// `*all`.
    all: bool,
    /// Keys named, in the order first named.
    keys: Vec<String>,
    /// Keys named with `-`.
    excluded: BTreeSet<String>,
    /// How many items the request named (for the spec's caps).
    named: usize,
}

impl PropertySelection {
    /// From a JSON body's list: each item one key.
    pub(crate) fn from_list<'a>(items: impl IntoIterator<Item = &'a str>, syntax: Syntax) -> Self {
        let mut selection = Self::default();
        for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
            selection.named += 1;
            selection.asked = true;
            match (syntax, item) {
                (Syntax::Full, "*all") => selection.all = true,
                (Syntax::Full, _) if item.len() > 1 && item.starts_with('-') => {
                    selection.excluded.insert(item[1..].to_owned());
                }
                _ => {
                    if !selection.keys.iter().any(|k| k == item) {
                        selection.keys.push(item.to_owned());
                    }
                }
            }
        }
        selection
    }

    /// From a raw query string: every `properties` parameter, each a
    /// comma-separated list.
    pub(crate) fn from_query(raw: Option<&str>, syntax: Syntax) -> Self {
        let values: Vec<String> = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .filter(|(key, _)| key == "properties")
            .map(|(_, value)| value.into_owned())
            .collect();
        Self::from_list(values.iter().flat_map(|v| v.split(',')), syntax)
    }

    /// This selection, or Jira's 400 when it names more than `max` properties
    /// (the issue searches and bulk fetch take at most
    /// [`MAX_ISSUE_PROPERTIES`]).
    pub(crate) fn at_most(self, max: usize) -> Result<Self, JiraError> {
        if self.named > max {
            return Err(JiraError::field(
                "properties",
                format!("You can request up to {max} issue properties."),
            ));
        }
        Ok(self)
    }

    /// The selected properties of `stored` that exist, by key.
    pub(crate) fn select(&self, stored: &BTreeMap<String, Value>) -> Map<String, Value> {
        let wanted =
            |key: &String| !self.excluded.contains(key) && (self.all || self.keys.contains(key));
        stored
            .iter()
            .filter(|(key, _)| wanted(key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }

    /// Sets `answer`'s `properties` to the selection from `stored`, if the
    /// request named any; leaves `answer` as it is otherwise.
    pub(crate) fn add_to(&self, stored: &BTreeMap<String, Value>, answer: &mut Value) {
        if self.asked {
            answer["properties"] = Value::Object(self.select(stored));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored() -> BTreeMap<String, Value> {
        BTreeMap::from([
            (String::from("a"), json!(1)),
            (String::from("b"), json!({ "x": true })),
            (String::from("*all"), json!("odd")),
        ])
    }

    fn keys(selection: &PropertySelection) -> Vec<String> {
        selection.select(&stored()).keys().cloned().collect()
    }

    #[test]
    fn get_issue_takes_keys_all_and_exclusions() {
        let all = PropertySelection::from_query(Some("properties=*all,-b"), Syntax::Full);
        assert_eq!(keys(&all), ["*all", "a"]);
        let repeated =
            PropertySelection::from_query(Some("properties=a&properties=b,c"), Syntax::Full);
        assert_eq!(keys(&repeated), ["a", "b"]);
        let only_excluded = PropertySelection::from_query(Some("properties=-a"), Syntax::Full);
        let mut answer = json!({});
        only_excluded.add_to(&stored(), &mut answer);
        assert_eq!(answer, json!({ "properties": {} }));
    }

    #[test]
    fn keys_only_reads_wildcards_and_dashes_as_keys() {
        let literal = PropertySelection::from_list(["*all", "-a"], Syntax::Keys);
        assert_eq!(keys(&literal), ["*all"]);
    }

    #[test]
    fn nothing_named_is_not_asked_and_blank_items_name_nothing() {
        for raw in [
            None,
            Some(""),
            Some("properties="),
            Some("properties=,,"),
            Some("x=a"),
        ] {
            let selection = PropertySelection::from_query(raw, Syntax::Full);
            let mut answer = json!({});
            selection.add_to(&stored(), &mut answer);
            assert_eq!(answer, json!({}), "{raw:?}");
        }
    }

    #[test]
    fn the_cap_counts_the_items_named() {
        let five =
            PropertySelection::from_query(Some("properties=a,b,c,d&properties=e"), Syntax::Keys);
        assert!(five.at_most(MAX_ISSUE_PROPERTIES).is_ok());
        let six = PropertySelection::from_list(["a", "b", "c", "d", "e", "f"], Syntax::Keys);
        assert!(six.at_most(MAX_ISSUE_PROPERTIES).is_err());
    }
}
