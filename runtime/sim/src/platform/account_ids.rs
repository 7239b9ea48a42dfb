//! The `accountId` query parameter as the user operations take it: one id
//! (`getUserEmail`) or repeated (`accountId=a&accountId=b`: `bulkGetUsers`,
//! `getUserEmailBulk`). Each id is at most the spec's `maxLength`, else a 400
//! naming the parameter; repeated, each id counts once, in the order first
//! asked for, and an empty value names nobody.

use std::collections::HashSet;

use crate::jira_error::JiraError;

/// The spec's `maxLength` of an `accountId`.
pub(crate) const MAX_ACCOUNT_ID_CHARS: usize = 128;

/// `id`, or the 400 for one longer than the spec allows.
pub(crate) fn checked(id: &str) -> Result<&str, JiraError> {
    if id.chars().count() > MAX_ACCOUNT_ID_CHARS {
        return Err(JiraError::field(
            "accountId",
            format!("An account ID can be at most {MAX_ACCOUNT_ID_CHARS} characters long."),
        ));
    }
    Ok(id)
}

/// Repeated `accountId` values, collected one parameter at a time.
#[derive(Debug, Default)]
pub(crate) struct AccountIds {
    ids: Vec<String>,
    seen: HashSet<String>,
}

impl AccountIds {
    /// Adds one parameter's value: checked, and kept only the first time.
    pub(crate) fn add(&mut self, value: &str) -> Result<(), JiraError> {
        if value.is_empty() {
            return Ok(());
        }
        if self.seen.insert(checked(value)?.to_owned()) {
            self.ids.push(value.to_owned());
        }
        Ok(())
    }

    /// How many different ids were asked for.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The ids, each once, in the order first asked for.
    pub(crate) fn into_ids(self) -> Vec<String> {
        self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_count_once_in_order_and_long_ones_are_refused() {
        let mut ids = AccountIds::default();
        for value in ["b", "", "a", "b"] {
            ids.add(value).expect("valid");
        }
        assert_eq!(ids.len(), 2);
        assert_eq!(ids.into_ids(), ["b", "a"]);
        assert!(checked(&"é".repeat(128)).is_ok());
        assert!(checked(&"x".repeat(129)).is_err());
        assert!(AccountIds::default().add(&"x".repeat(129)).is_err());
    }
}
