//! Values: JSON, bounded in size and depth before they reach a backend.

use serde_json::Value;

use super::{StorageError, StorageLimits};

/// Serialises `value` and checks it against the limits. Returns the bytes to store.
pub(crate) fn encode(value: &Value, limits: &StorageLimits) -> Result<Vec<u8>, StorageError> {
    check_depth(value, limits.max_depth)?;
    let bytes = serde_json::to_vec(value).map_err(|_| StorageError::ValueNotJson)?;
    check_size(bytes.len(), limits)?;
    Ok(bytes)
}

pub(crate) fn check_size(bytes: usize, limits: &StorageLimits) -> Result<(), StorageError> {
    if bytes > limits.max_value_bytes {
        return Err(StorageError::ValueTooLarge {
            bytes,
            max: limits.max_value_bytes,
        });
    }
    Ok(())
}

/// Depth by an explicit stack, not recursion: a value built in memory can be nested deeper
/// than the thread's stack, and this check must not be the thing that overflows.
fn check_depth(value: &Value, max: usize) -> Result<(), StorageError> {
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth + 1 > max {
            return Err(StorageError::ValueTooDeep { max });
        }
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Value, StorageError> {
    serde_json::from_slice(bytes).map_err(|_| StorageError::Corrupt("a stored value is not JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(depth: usize) -> Value {
        let mut value = json!(1);
        for _ in 0..depth {
            value = json!([value]);
        }
        value
    }

    #[test]
    fn depth_and_size_are_bounded() {
        let limits = StorageLimits::default();
        assert!(encode(&nested(31), &limits).is_ok());
        assert!(matches!(
            encode(&nested(32), &limits),
            Err(StorageError::ValueTooDeep { max: 31 })
        ));
        assert!(matches!(
            encode(&nested(200), &limits),
            Err(StorageError::ValueTooDeep { .. })
        ));
        let big = json!("x".repeat(limits.max_value_bytes));
        assert!(matches!(
            encode(&big, &limits),
            Err(StorageError::ValueTooLarge { .. })
        ));
        let fits = json!("x".repeat(limits.max_value_bytes - 2));
        assert!(encode(&fits, &limits).is_ok());
    }
}
