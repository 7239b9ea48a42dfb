//! Links between issues (`/rest/api/3/issueLink`) and the site's issue link
//! types (`/rest/api/3/issueLinkType`).
//!
//! A link joins two issues, so it belongs to neither: the world keeps every link
//! once, by the ids of its two issues, and each issue finds its links from
//! either side. Kept outside [`super::IssueRecord`] also because an issue is
//! cloned on every edit (to diff it for webhooks) and its links need not be.

/// One of a Jira Cloud site's issue link types: a name, and how a link reads
/// from each side ("A blocks B", "B is blocked by A").
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct IssueLinkType {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    /// How the link reads from its inward issue.
    pub(crate) inward: &'static str,
    /// How the link reads from its outward issue.
    pub(crate) outward: &'static str,
}

/// A new Jira Cloud site's issue link types, in the order `getIssueLinkTypes`
/// lists them (by name). Ids are numbered from 10000 like the site's other
/// configuration; Blocks as 10000 is what Atlassian's "Jira issue linking model"
/// guide shows, and the others follow in the order a fresh site creates them.
/// A site with Jira Service Management or Product Discovery has more (e.g.
/// "Problem/Incident"); the simulator models a plain Jira Software site.
/// Administering link types (`createIssueLinkType` and the like) is not
/// modelled, so these are all a site ever has.
pub(crate) const ISSUE_LINK_TYPES: [IssueLinkType; 4] = [
    IssueLinkType {
        id: "10000",
        name: "Blocks",
        inward: "is blocked by",
        outward: "blocks",
    },
    IssueLinkType {
        id: "10001",
        name: "Cloners",
        inward: "is cloned by",
        outward: "clones",
    },
    IssueLinkType {
        id: "10002",
        name: "Duplicate",
        inward: "is duplicated by",
        outward: "duplicates",
    },
    IssueLinkType {
        id: "10003",
        name: "Relates",
        inward: "relates to",
        outward: "relates to",
    },
];

/// The link type with this id.
pub(crate) fn issue_link_type(id: &str) -> Option<&'static IssueLinkType> {
    ISSUE_LINK_TYPES.iter().find(|t| t.id == id)
}

/// The link type with this name. Case matters: the simulator does not accept
/// what a real site might refuse.
pub(crate) fn issue_link_type_named(name: &str) -> Option<&'static IssueLinkType> {
    ISSUE_LINK_TYPES.iter().find(|t| t.name == name)
}

/// Links one issue takes part in, either side: Jira Cloud's per-issue limit
/// (2,000 issue links, its 413 "the per-issue limit for issue links has been
/// breached"). Links live until they or an issue of theirs is deleted, so
/// without it a client could grow the simulator's memory without end, one link
/// at a time.
pub(crate) const MAX_ISSUE_LINKS_PER_ISSUE: usize = 2_000;

/// A link: its `outward` issue relates to its `inward` issue as the type's
/// `outward` text says ("outward blocks inward").
#[derive(Debug, Clone)]
pub(crate) struct IssueLinkRecord {
    pub(crate) id: u64,
    pub(crate) link_type: &'static IssueLinkType,
    /// The issue's id (not its index: indexes move as issues are deleted).
    pub(crate) inward: u64,
    pub(crate) outward: u64,
}

impl IssueLinkRecord {
    /// Whether the issue with id `issue_id` is either side of the link.
    pub(crate) fn involves(&self, issue_id: u64) -> bool {
        self.inward == issue_id || self.outward == issue_id
    }

    /// How the link reads from the issue with id `issue_id` (one of the link's
    /// issues): the type's outward text from the outward issue ("blocks"), its
    /// inward text from the inward one ("is blocked by").
    pub(crate) fn reads_from(&self, issue_id: u64) -> &'static str {
        if self.outward == issue_id {
            self.link_type.outward
        } else {
            self.link_type.inward
        }
    }

    /// The other side, as seen from `issue_id` (one of the link's issues):
    /// `(other issue's id, whether the other is the outward issue)`.
    pub(crate) fn seen_from(&self, issue_id: u64) -> (u64, bool) {
        if self.outward == issue_id {
            (self.inward, false)
        } else {
            (self.outward, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_types_are_found_by_id_and_exact_name() {
        assert_eq!(issue_link_type("10000").map(|t| t.name), Some("Blocks"));
        assert_eq!(issue_link_type("1"), None);
        assert_eq!(
            issue_link_type_named("Relates").map(|t| t.id),
            Some("10003")
        );
        assert_eq!(issue_link_type_named("relates"), None);
    }

    #[test]
    fn a_link_is_seen_from_either_side() {
        let link = IssueLinkRecord {
            id: 1,
            link_type: &ISSUE_LINK_TYPES[0],
            inward: 20,
            outward: 10,
        };
        assert!(link.involves(10) && link.involves(20) && !link.involves(30));
        assert_eq!(link.seen_from(10), (20, false));
        assert_eq!(link.seen_from(20), (10, true));
        assert_eq!(link.reads_from(10), "blocks");
        assert_eq!(link.reads_from(20), "is blocked by");
    }
}
