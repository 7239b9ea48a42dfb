//! Scope names, descriptions and parsing, on top of the generated [`Scope`] enum.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

use super::generated::{self, Scope};

/// Suggest a known scope only when the typo is this close (edits, transpositions
/// counted once): further away, a suggestion is more likely wrong than helpful.
const MAX_SUGGESTION_DISTANCE: usize = 3;

impl Scope {
    /// Every known scope, sorted by name.
    pub const ALL: &'static [Scope] = &generated::ALL;

    /// The scope as written in a manifest and an OAuth grant, e.g. `read:jira-work`.
    pub const fn as_str(self) -> &'static str {
        generated::NAMES[self as usize]
    }

    /// Atlassian's description of the scope, where the specs give one.
    pub const fn description(self) -> Option<&'static str> {
        generated::DESCRIPTIONS[self as usize]
    }

    /// The known scope nearest to `input`, if any is close enough to be a typo.
    pub fn suggest(input: &str) -> Option<Scope> {
        crate::suggest::nearest(
            input,
            Scope::ALL.iter().map(|scope| (*scope, scope.as_str())),
            MAX_SUGGESTION_DISTANCE,
        )
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownScope {
    /// What was written.
    pub input: String,
    /// The nearest known scope, when it looks like a typo.
    pub suggestion: Option<Scope>,
}

impl fmt::Display for UnknownScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown scope {:?}", self.input)?;
        match self.suggestion {
            Some(scope) => write!(f, " (did you mean {:?}?)", scope.as_str()),
            None => Ok(()),
        }
    }
}

impl FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        generated::NAMES
            .binary_search(&input)
            .map(|index| generated::ALL[index])
            .map_err(|_| UnknownScope {
                input: input.to_owned(),
                suggestion: Scope::suggest(input),
            })
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScopeVisitor;

        impl Visitor<'_> for ScopeVisitor {
            type Value = Scope;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Jira OAuth scope such as \"read:jira-work\"")
            }

            fn visit_str<E: de::Error>(self, input: &str) -> Result<Scope, E> {
                input.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(ScopeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_unique_and_round_trip() {
        assert!(generated::NAMES.windows(2).all(|pair| pair[0] < pair[1]));
        for (index, scope) in Scope::ALL.iter().enumerate() {
            assert_eq!(*scope as usize, index);
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(*scope));
        }
    }

    #[test]
    fn classic_granular_and_jsm_ops_scopes_are_known() {
        for name in [
            "read:jira-work",
            "write:jira-work",
            "read:jira-user",
            "manage:jira-configuration",
        ] {
            assert!(name.parse::<Scope>().is_ok(), "{name}");
        }
        assert!("read:issue-details:jira".parse::<Scope>().is_ok());
        assert!(
            "read:ops-config:jira-service-management"
                .parse::<Scope>()
                .is_ok()
        );
        assert!("read:sprint:jira-software".parse::<Scope>().is_ok());
    }

    #[test]
    fn classic_scopes_carry_descriptions() {
        let scope: Scope = "read:jira-work".parse().expect("known scope");
        assert!(scope.description().is_some_and(|d| d.contains("issue")));
    }

    #[test]
    fn typo_suggests_the_nearest_scope() {
        let error = "read:jira-wrok".parse::<Scope>().expect_err("typo");
        assert_eq!(error.suggestion.map(Scope::as_str), Some("read:jira-work"));
        assert_eq!(
            error.to_string(),
            r#"unknown scope "read:jira-wrok" (did you mean "read:jira-work"?)"#
        );
    }

    #[test]
    fn far_off_input_gets_no_suggestion() {
        let error = "admin".parse::<Scope>().expect_err("unknown");
        assert_eq!(error.suggestion, None);
        assert_eq!(error.to_string(), r#"unknown scope "admin""#);
        assert!("".parse::<Scope>().is_err());
        assert!(
            "READ:JIRA-WORK".parse::<Scope>().is_err(),
            "scopes are case-sensitive"
        );
    }

    #[test]
    fn serde_uses_the_scope_string() {
        let scope: Scope = serde_json::from_str("\"read:jira-user\"").expect("deserialize");
        assert_eq!(
            serde_json::to_string(&scope).expect("serialize"),
            "\"read:jira-user\""
        );
        let error = serde_json::from_str::<Scope>("42").expect_err("not a string");
        assert!(error.to_string().contains("a Jira OAuth scope"), "{error}");
    }
}
