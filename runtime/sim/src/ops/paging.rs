//! Offset paging of Ops lists: `?offset=&size=` in, `{"values", "links": {"next"}}`
//! out, as the Ops API reference shows for schedules, overrides and alerts
//! (`"next": "/v1/schedules?offset=50&size=25"`).

use serde_json::{Value, json};

use super::error::OpsError;

/// Items per page when the caller does not say. The reference gives no default;
/// Opsgenie's list APIs used 20 for alerts and returned every schedule, so 50 is a
/// guess that keeps the seeded site on one page while still exercising `next`.
const DEFAULT_SIZE: usize = 50;
/// The most items one page may ask for: bounds the work and the answer of a
/// single request however many records an app has created.
const MAX_SIZE: usize = 100;

/// Where a page starts and how long it is, checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    offset: usize,
    size: usize,
}

impl Paging {
    pub(crate) fn new(offset: Option<usize>, size: Option<usize>) -> Result<Self, OpsError> {
        let size = size.unwrap_or(DEFAULT_SIZE);
        if size == 0 || size > MAX_SIZE {
            return Err(OpsError::field("size", "Size must be between 1 and 100."));
        }
        Ok(Self {
            offset: offset.unwrap_or(0),
            size,
        })
    }

    /// The page of `items` this asks for, each rendered, with a `next` link to the
    /// rest of `path` (`/v1/...`, without the cloud id, as the Ops API writes it) when
    /// there is more. Only the page's items are rendered.
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
        let first = Paging::new(None, Some(2)).expect("valid").page(
            &numbers(5),
            |n| json!(n),
            "/v1/schedules",
        );
        assert_eq!(first["values"], json!([0, 1]));
        assert_eq!(first["links"]["next"], "/v1/schedules?offset=2&size=2");
        let last = Paging::new(Some(4), Some(2)).expect("valid").page(
            &numbers(5),
            |n| json!(n),
            "/v1/schedules",
        );
        assert_eq!(last["values"], json!([4]));
        assert_eq!(last["links"], json!({}));
        let beyond = Paging::new(Some(usize::MAX), None).expect("valid").page(
            &numbers(5),
            |n| json!(n),
            "/v1/schedules",
        );
        assert_eq!(beyond["values"], json!([]));
    }

    #[test]
    fn sizes_outside_one_to_a_hundred_are_refused() {
        assert!(Paging::new(None, Some(0)).is_err());
        assert!(Paging::new(None, Some(101)).is_err());
        assert!(Paging::new(None, Some(100)).is_ok());
    }
}
