//! What a project is besides its key, name and lead: its type and its default
//! assignee, each one of the closed sets the spec's `CreateProjectDetails`
//! enumerates. Seeded projects are `software` projects whose new issues go
//! unassigned, as the simulator always reported them.

/// A project's type (`projectTypeKey`): which product's features it has. The
/// simulator models the same issue types and workflow for every type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ProjectType {
    #[default]
    Software,
    ServiceDesk,
    Business,
}

impl ProjectType {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Software => "software",
            Self::ServiceDesk => "service_desk",
            Self::Business => "business",
        }
    }

    pub(crate) fn keyed(key: &str) -> Option<Self> {
        [Self::Software, Self::ServiceDesk, Self::Business]
            .into_iter()
            .find(|t| t.key() == key)
    }
}

/// Who a new issue of the project is assigned to when its create names no one
/// (`assigneeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DefaultAssignee {
    ProjectLead,
    #[default]
    Unassigned,
}

impl DefaultAssignee {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::ProjectLead => "PROJECT_LEAD",
            Self::Unassigned => "UNASSIGNED",
        }
    }

    pub(crate) fn named(name: &str) -> Option<Self> {
        [Self::ProjectLead, Self::Unassigned]
            .into_iter()
            .find(|t| t.name() == name)
    }
}
