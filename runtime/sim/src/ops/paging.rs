//! Offset paging of Ops lists: `?offset=&size=` in, `{"values", "links": {"next"}}`
//! out, with each operation's declared default and maximum `size`
//! (`"next": "/v1/schedules?offset=50&size=25"`, as the reference writes it).

use serde_json::{Value, json};

use super::error::OpsError;
use super::extract::Params;

/// A list operation's `size` bounds, from its OpenAPI parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    default: usize,
    max: usize,
}

/// Schedules, rotations and overrides: `size` default 25, maximum 50.
pub(crate) const CONFIG: Limits = Limits {
    default: 25,
    max: 50,
};
/// Alerts: `size` default 20, maximum 100.
pub(crate) const ALERTS: Limits = Limits {
    default: 20,
    max: 100,
};

/// Where a page starts and how long it is, checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub(crate) offset: usize,
    pub(crate) size: usize,
}

impl Paging {
    pub(crate) fn from_params(params: &Params, limits: Limits) -> Result<Self, OpsError> {
        Self::new(params.number("offset")?, params.number("size")?, limits)
    }

    pub(crate) fn new(
        offset: Option<usize>,
        size: Option<usize>,
        limits: Limits,
    ) -> Result<Self, OpsError> {
        let size = size.unwrap_or(limits.default);
        if size == 0 || size > limits.max {
            return Err(OpsError::field(
                "size",
                format!("must be between 1 and {}.", limits.max),
            ));
        }
        Ok(Self {
            offset: offset.unwrap_or(0),
            size,
        })
    }

    /// The page of `items` this asks for, each rendered, with a `next` link to the
    /// rest of `path` (`/v1/...`, without the cloud id, as the Ops API writes it)
    /// when there is more. Only the page's items are rendered.
    pub(crate) fn page<T>(self, items: &[T], render: impl Fn(&T) -> Value, path: &str) -> Value {
        let total = items.len();
        let values: Vec<Value> = items
            .iter()
            .skip(self.offset)
            .take(self.size)
            .map(render)
            .collect();
        let end = self.offset.saturating_add(values.len());
        let mut links = json!({});
        if end < total {
            let separator = if path.contains('?') { '&' } else { '?' };
            links["next"] = json!(format!("{path}{separator}offset={end}&size={}", self.size));
        }
        json!({ "values": values, "links": links })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: u32) -> Vec<u32> {
        (0..n).collect()
    }

    #[test]
    fn pages_walk_the_list_and_the_last_has_no_next() {
        let first = Paging::new(None, Some(2), CONFIG).expect("valid").page(
            &numbers(5),
            |n| json!(n),
            "/v1/schedules",
        );
        assert_eq!(first["values"], json!([0, 1]));
        assert_eq!(first["links"]["next"], "/v1/schedules?offset=2&size=2");
        let last = Paging::new(Some(4), Some(2), CONFIG).expect("valid").page(
            &numbers(5),
            |n| json!(n),
            "/v1/schedules",
        );
        assert_eq!(last["values"], json!([4]));
        assert_eq!(last["links"], json!({}));
        let beyond = Paging::new(Some(usize::MAX), None, CONFIG)
            .expect("valid")
            .page(&numbers(5), |n| json!(n), "/v1/schedules");
        assert_eq!(beyond["values"], json!([]));
    }

    #[test]
    fn sizes_follow_each_operations_declared_bounds() {
        assert_eq!(Paging::new(None, None, CONFIG).expect("default").size, 25);
        assert_eq!(Paging::new(None, None, ALERTS).expect("default").size, 20);
        assert!(Paging::new(None, Some(0), CONFIG).is_err());
        assert!(Paging::new(None, Some(51), CONFIG).is_err());
        assert!(Paging::new(None, Some(50), CONFIG).is_ok());
        assert!(Paging::new(None, Some(100), ALERTS).is_ok());
        assert!(Paging::new(None, Some(101), ALERTS).is_err());
    }
}
