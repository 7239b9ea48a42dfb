//! An epic's own fields, as Jira Software's agile API shows an epic: its name
//! (Jira's Epic Name field), its colour (Epic Colour) and whether it is done
//! (Epic Status, which is not the issue's status: an epic is marked done on
//! the board, whatever its workflow says). Which issues an epic holds is the
//! hierarchy's (`world::hierarchy`): the agile epic API is a view over it.
//!
//! Every issue carries these fields, unset, so an issue whose type becomes
//! Epic has them; they are read only while it is an epic.

use super::IssueRecord;
use super::workflow::EPIC_LEVEL;

/// The colours an epic may have: the spec's `color_1` to `color_14`.
pub(crate) const EPIC_COLORS: [&str; 14] = [
    "color_1", "color_2", "color_3", "color_4", "color_5", "color_6", "color_7", "color_8",
    "color_9", "color_10", "color_11", "color_12", "color_13", "color_14",
];

/// Characters of an epic's name: Jira's Epic Name is a short text field,
/// 255 wide, which also bounds what a name costs to keep.
pub(crate) const MAX_EPIC_NAME_CHARS: usize = 255;

/// The epic fields an issue holds; all unset on a new issue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EpicFields {
    /// The Epic Name; `None` shows the summary, as Jira Cloud fills a new
    /// epic's name from it.
    pub(crate) name: Option<String>,
    /// The Epic Colour, one of [`EPIC_COLORS`]; `None` shows the one the
    /// epic was given when created ([`IssueRecord::epic_color`]).
    pub(crate) color: Option<&'static str>,
    /// The Epic Status: whether the epic is marked done.
    pub(crate) done: bool,
}

/// The colour `key` names, if it is one of [`EPIC_COLORS`] (exactly: the
/// spec's enum is case-sensitive).
pub(crate) fn color_named(key: &str) -> Option<&'static str> {
    EPIC_COLORS.iter().copied().find(|c| *c == key)
}

impl IssueRecord {
    /// Whether the issue is an epic (its type is at the epic level).
    pub(crate) fn is_epic(&self) -> bool {
        self.issue_type.hierarchy_level == EPIC_LEVEL
    }

    /// The epic's name: its Epic Name, else its summary.
    pub(crate) fn epic_name(&self) -> &str {
        self.epic.name.as_deref().unwrap_or(&self.summary)
    }

    /// The epic's colour: the one set, else the one Jira gave it when it was
    /// created. Jira hands new epics the colours in turn; the simulator picks
    /// by the issue's id, so the same epic always has the same colour and
    /// epics created one after another differ.
    pub(crate) fn epic_color(&self) -> &'static str {
        self.epic.color.unwrap_or_else(|| {
            let turn = usize::try_from(self.id % EPIC_COLORS.len() as u64).unwrap_or(0);
            EPIC_COLORS[turn]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_the_specs_fourteen_by_exact_key() {
        assert_eq!(color_named("color_14"), Some("color_14"));
        for bad in ["color_0", "color_15", "COLOR_1", " color_1", ""] {
            assert_eq!(color_named(bad), None, "{bad}");
        }
    }
}
