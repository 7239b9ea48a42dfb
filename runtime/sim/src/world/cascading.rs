//! Cascading select fields (`cascadingselect`): two levels of options. A
//! context's top-level options are the parents; a child option names its
//! parent (`OptionRecord::parent`), a top-level option of the same context.
//! An issue's value is a parent and, optionally, one of that parent's
//! children (`CustomValue::Cascade`).
//!
//! Values are kept as option ids, like a select's, so a rename shows
//! everywhere; JQL compares a value's canonical strings: the parent's id, and
//! the child's id or, with no child, [`child_key`]'s marker, so
//! `cascadeOption(A, none)` can ask for a parent without a child.

use super::custom_field::{CustomFieldRecord, CustomValue, Kind, OptionRecord};
use super::field_context::ContextRecord;

/// A cascading value's second canonical string: the child's id, or a marker
/// no option id can be (ids are digits) for "no child under `parent`".
pub(crate) fn child_key(parent: &str, child: Option<&str>) -> String {
    match child {
        Some(child) => child.to_owned(),
        None => format!("{parent}:none"),
    }
}

/// The changelog's text for a cascading value, as Jira writes it:
/// `Parent values: A(10000)Level 1 values: a1(10001)`, the second part only
/// with a child. Jira leaves `from`/`to` empty for these fields.
pub(crate) fn change_string(
    field: &CustomFieldRecord,
    parent: &str,
    child: Option<&str>,
) -> String {
    let value = |id: &str| {
        field
            .option_by_id(id)
            .map(|o| o.value.clone())
            .unwrap_or_default()
    };
    let mut text = format!("Parent values: {}({parent})", value(parent));
    if let Some(child) = child {
        text.push_str(&format!("Level 1 values: {}({child})", value(child)));
    }
    text
}

/// A cascading value with option `old` replaced by `new` (`None`: taken
/// out), if it holds `old`: see `CustomValue::replacing_option`.
pub(crate) fn replacing(
    parent: &str,
    child: Option<&str>,
    old: &str,
    new: Option<&OptionRecord>,
) -> Option<Option<CustomValue>> {
    if parent == old {
        return Some(
            new.filter(|n| n.parent.is_none())
                .map(|n| CustomValue::Cascade {
                    parent: n.id.clone(),
                    child: None,
                }),
        );
    }
    if child != Some(old) {
        return None;
    }
    Some(Some(match new.and_then(|n| Some((n.parent.clone()?, n))) {
        Some((new_parent, new)) => CustomValue::Cascade {
            parent: new_parent,
            child: Some(new.id.clone()),
        },
        None => CustomValue::Cascade {
            parent: parent.to_owned(),
            child: None,
        },
    }))
}

/// Whether a JQL function is `cascadeOption` (function names are matched
/// without regard to case).
pub(crate) fn is_cascade_option(function: &str) -> bool {
    function.eq_ignore_ascii_case("cascadeOption")
}

/// The canonical values `cascadeOption(parent[, child])` stands for on a
/// cascading select `field` (named `name` in the clause): every parent of
/// that value or id (each context may have one) for `cascadeOption(A)`, their
/// children of the child's value or id for `cascadeOption(A, a1)`, the
/// no-child markers for `cascadeOption(A, none)`, and the empty value for
/// `cascadeOption(none)`. A parent or child the field does not have is
/// refused, as JQL refuses an unknown option.
pub(crate) fn cascade_option(
    field: Option<&CustomFieldRecord>,
    name: &str,
    args: &[String],
) -> Result<Vec<Option<String>>, String> {
    let Some(field) = field.filter(|f| f.kind == Kind::Cascading) else {
        return Err(format!(
            "Function 'cascadeOption' is not supported by the field '{name}'."
        ));
    };
    if args.is_empty() || args.len() > 2 {
        return Err(format!(
            "Function 'cascadeOption' expected between '1' and '2' arguments but received '{}'.",
            args.len()
        ));
    }
    let none = |arg: &str| arg.eq_ignore_ascii_case("none");
    let named = |o: &OptionRecord, arg: &str| o.id == arg || o.value.eq_ignore_ascii_case(arg);
    let parent_arg = args[0].as_str();
    if none(parent_arg) {
        return Ok(vec![None]);
    }
    let parents: Vec<&OptionRecord> = field
        .contexts
        .iter()
        .flat_map(|c| c.top_level())
        .filter(|o| named(o, parent_arg))
        .collect();
    if parents.is_empty() {
        return Err(format!(
            "The option '{parent_arg}' specified in function 'cascadeOption' is not a valid parent option."
        ));
    }
    let Some(child_arg) = args.get(1).map(String::as_str) else {
        return Ok(parents.iter().map(|p| Some(p.id.clone())).collect());
    };
    if none(child_arg) {
        return Ok(parents
            .iter()
            .map(|p| Some(child_key(&p.id, None)))
            .collect());
    }
    let children: Vec<Option<String>> = field
        .all_options()
        .filter(|o| {
            o.parent
                .as_deref()
                .is_some_and(|p| parents.iter().any(|parent| parent.id == p))
                && named(o, child_arg)
        })
        .map(|o| Some(o.id.clone()))
        .collect();
    if children.is_empty() {
        return Err(format!(
            "The option '{child_arg}' specified in function 'cascadeOption' is not a valid child option of '{parent_arg}'."
        ));
    }
    Ok(children)
}

impl ContextRecord {
    /// The top-level options (a cascading select's parents; every option of
    /// the other fields).
    pub(crate) fn top_level(&self) -> impl Iterator<Item = &OptionRecord> {
        self.options.iter().filter(|o| o.parent.is_none())
    }

    /// The child options of `parent`, in order.
    pub(crate) fn children_of<'a>(
        &'a self,
        parent: &'a str,
    ) -> impl Iterator<Item = &'a OptionRecord> {
        self.options
            .iter()
            .filter(move |o| o.parent.as_deref() == Some(parent))
    }

    /// A child of `parent` by id, or by value without regard to case.
    pub(crate) fn child_option(
        &self,
        parent: &str,
        id: Option<&str>,
        value: Option<&str>,
    ) -> Option<&OptionRecord> {
        let mut children = self
            .options
            .iter()
            .filter(|o| o.parent.as_deref() == Some(parent));
        match (id, value) {
            (Some(id), _) => children.find(|o| o.id == id),
            (None, Some(value)) => children.find(|o| o.value.eq_ignore_ascii_case(value)),
            (None, None) => None,
        }
    }

    /// The options as `GET …/option` lists them: the top-level options, then
    /// the child options ("Options are returned first then cascading
    /// options"), each level in its order.
    pub(crate) fn listed(&self) -> Vec<&OptionRecord> {
        self.top_level()
            .chain(self.options.iter().filter(|o| o.parent.is_some()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(id: &str, parent: Option<&str>) -> OptionRecord {
        OptionRecord {
            id: id.to_owned(),
            value: format!("v{id}"),
            disabled: false,
            parent: parent.map(str::to_owned),
        }
    }

    fn cascade(parent: &str, child: Option<&str>) -> CustomValue {
        CustomValue::Cascade {
            parent: parent.to_owned(),
            child: child.map(str::to_owned),
        }
    }

    #[test]
    fn a_parent_replaces_a_parent_and_a_child_a_child() {
        let (p2, c2) = (option("2", None), option("21", Some("2")));
        assert_eq!(
            replacing("1", Some("11"), "1", Some(&p2)),
            Some(Some(cascade("2", None)))
        );
        assert_eq!(
            replacing("1", Some("11"), "11", Some(&c2)),
            Some(Some(cascade("2", Some("21"))))
        );
        assert_eq!(replacing("1", Some("11"), "1", None), Some(None));
        assert_eq!(
            replacing("1", Some("11"), "11", None),
            Some(Some(cascade("1", None)))
        );
        assert_eq!(replacing("1", None, "11", Some(&c2)), None, "not held");
        assert_eq!(child_key("1", None), "1:none");
        assert_eq!(child_key("1", Some("11")), "11");
    }
}
