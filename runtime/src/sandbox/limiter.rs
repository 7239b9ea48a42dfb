//! Per-invocation resource limits enforced inside the Store.
//!
//! Linear memory and tables are capped in total across the component's core
//! instances (a component may hold several memories: capping each alone would
//! multiply the budget). Instance, table and memory counts are bounded so a
//! compile-time-cheap component cannot ask for thousands of them. When a
//! limit refuses growth the limiter remembers it, so that the trap the guest
//! then raises (Rust aborts on allocation failure) is reported as the limit it
//! really is.

use wasmtime::ResourceLimiter;

/// Most core instances a component may create (a Rust guest has a handful).
pub const MAX_INSTANCES: usize = 64;
/// Most tables and memories, each, per component.
pub const MAX_TABLES: usize = 64;
pub const MAX_MEMORIES: usize = 16;
/// Most table elements in total (funcref tables of a large Rust app hold a
/// few thousand; table-growth bombs ask for millions).
pub const MAX_TABLE_ELEMENTS: usize = 100_000;

/// Which limit stopped the guest, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitHit {
    Memory { limit_bytes: usize },
    Table { limit_elements: usize },
}

/// The Store's limiter.
pub struct GuestLimiter {
    memory_limit: usize,
    memory_in_use: usize,
    table_elements: usize,
    hit: Option<LimitHit>,
}

impl GuestLimiter {
    pub fn new(memory_limit: usize) -> Self {
        Self {
            memory_limit,
            memory_in_use: 0,
            table_elements: 0,
            hit: None,
        }
    }

    /// The limit that refused growth during this invocation, if any.
    pub fn hit(&self) -> Option<LimitHit> {
        self.hit
    }
}

impl ResourceLimiter for GuestLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current);
        let total = self.memory_in_use.saturating_add(growth);
        if total > self.memory_limit {
            self.hit = Some(LimitHit::Memory {
                limit_bytes: self.memory_limit,
            });
            return Ok(false);
        }
        self.memory_in_use = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current);
        let total = self.table_elements.saturating_add(growth);
        if total > MAX_TABLE_ELEMENTS {
            self.hit = Some(LimitHit::Table {
                limit_elements: MAX_TABLE_ELEMENTS,
            });
            return Ok(false);
        }
        self.table_elements = total;
        Ok(true)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_capped_in_total_across_memories() {
        let mut l = GuestLimiter::new(100);
        assert!(l.memory_growing(0, 60, None).unwrap());
        assert!(
            !l.memory_growing(0, 60, None).unwrap(),
            "a second memory shares the budget"
        );
        assert_eq!(l.hit(), Some(LimitHit::Memory { limit_bytes: 100 }));
        assert!(l.memory_growing(0, 40, None).unwrap());
    }

    #[test]
    fn table_growth_bombs_are_refused() {
        let mut l = GuestLimiter::new(100);
        assert!(l.table_growing(0, 1000, None).unwrap());
        assert!(!l.table_growing(1000, 10_000_000, None).unwrap());
        assert!(matches!(l.hit(), Some(LimitHit::Table { .. })));
    }
}
