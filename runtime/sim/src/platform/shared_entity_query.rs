//! What the searches of Jira's shared entities, saved filters
//! (`getFiltersPaginated`) and dashboards (`getDashboardsPaginated`), refuse
//! alike about who owns or shares them: the spec's 400s for `owner` with
//! `accountId` and `groupname` with `groupId`, and `owner` (a user name) at all,
//! since Jira Cloud users have none.

use crate::jira_error::JiraError;

/// Which of the owner and group parameters a search was given (non-empty).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OwnerAndGroups {
    pub(crate) owner: bool,
    pub(crate) account_id: bool,
    pub(crate) group_name: bool,
    pub(crate) group_id: bool,
}

impl OwnerAndGroups {
    /// The first refusal that applies, in the order Jira checks them.
    pub(crate) fn check(self) -> Result<(), JiraError> {
        if self.owner && self.account_id {
            return Err(JiraError::bad_request(
                "The 'owner' and 'accountId' parameters cannot be used together.",
            ));
        }
        if self.owner {
            return Err(JiraError::bad_request(
                "The 'owner' parameter (a user name) is not supported because of privacy \
                 changes: Jira Cloud users have no user names. Use 'accountId'.",
            ));
        }
        if self.group_name && self.group_id {
            return Err(JiraError::bad_request(
                "The 'groupname' and 'groupId' parameters cannot be used together.",
            ));
        }
        Ok(())
    }
}
