//! Jira's complexity counters, kept while evaluating and reported in
//! `meta.complexity` (`JiraExpressionsComplexityBean`).

use std::collections::BTreeSet;

use serde_json::{Value as Json, json};

use super::limits::{MAX_BEANS, MAX_EXPENSIVE_OPERATIONS, MAX_PRIMITIVE_VALUES, MAX_STEPS};

/// Which limit an evaluation went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    Steps,
    ExpensiveOperations,
    Beans,
    PrimitiveValues,
}

impl Limit {
    /// The error's words for it.
    pub(crate) fn describe(self) -> String {
        let (limit, what) = match self {
            Self::Steps => (MAX_STEPS, "steps"),
            Self::ExpensiveOperations => (MAX_EXPENSIVE_OPERATIONS, "expensive operations"),
            Self::Beans => (MAX_BEANS, "Jira REST API objects in the result"),
            Self::PrimitiveValues => (MAX_PRIMITIVE_VALUES, "primitive values in the result"),
        };
        format!("The expression exceeded the limit of {limit} {what}.")
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Complexity {
    pub(crate) steps: u32,
    pub(crate) expensive_operations: u32,
    pub(crate) beans: u32,
    pub(crate) primitive_values: u32,
    /// What has been loaded already (`comments:10001`): Jira loads an issue's
    /// comments once however often an expression reads them, and counts one
    /// expensive operation for it.
    loaded: BTreeSet<String>,
}

impl Complexity {
    pub(crate) fn step(&mut self) -> Result<(), Limit> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(Limit::Steps);
        }
        Ok(())
    }

    /// Counts loading `what` as an expensive operation, the first time only.
    pub(crate) fn load(&mut self, what: String) -> Result<(), Limit> {
        if self.loaded.insert(what) {
            self.expensive_operations += 1;
            if self.expensive_operations > MAX_EXPENSIVE_OPERATIONS {
                return Err(Limit::ExpensiveOperations);
            }
        }
        Ok(())
    }

    pub(crate) fn bean(&mut self) -> Result<(), Limit> {
        self.beans += 1;
        if self.beans > MAX_BEANS {
            return Err(Limit::Beans);
        }
        Ok(())
    }

    pub(crate) fn primitive(&mut self) -> Result<(), Limit> {
        self.primitive_values += 1;
        if self.primitive_values > MAX_PRIMITIVE_VALUES {
            return Err(Limit::PrimitiveValues);
        }
        Ok(())
    }

    /// `meta.complexity`.
    pub(crate) fn to_json(&self) -> Json {
        let pair = |value: u32, limit: u32| json!({ "value": value, "limit": limit });
        json!({
            "steps": pair(self.steps, MAX_STEPS),
            "expensiveOperations": pair(self.expensive_operations, MAX_EXPENSIVE_OPERATIONS),
            "beans": pair(self.beans, MAX_BEANS),
            "primitiveValues": pair(self.primitive_values, MAX_PRIMITIVE_VALUES),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_counts_once_and_limits_bite_one_past_the_limit() {
        let mut complexity = Complexity::default();
        for _ in 0..3 {
            complexity.load(String::from("comments:1")).expect("within");
        }
        assert_eq!(complexity.expensive_operations, 1);
        for n in 2..=MAX_EXPENSIVE_OPERATIONS {
            complexity.load(format!("comments:{n}")).expect("within");
        }
        assert_eq!(
            complexity.load(String::from("comments:99")),
            Err(Limit::ExpensiveOperations)
        );
        let mut steps = Complexity::default();
        for _ in 0..MAX_STEPS {
            steps.step().expect("within");
        }
        assert_eq!(steps.step(), Err(Limit::Steps));
        assert_eq!(
            Complexity::default().to_json()["steps"],
            json!({ "value": 0, "limit": MAX_STEPS })
        );
    }
}
