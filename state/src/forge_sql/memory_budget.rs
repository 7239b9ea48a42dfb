//! Memory that statements running at once may hold, reserved before a statement loads its
//! database.
//!
//! With PostgreSQL state a statement runs on a copy of its installation's database in the
//! replica's memory (`postgres_images`), and the copy holds the database up to three times
//! (the image as stored, and SQLite's live buffer, which grows by doubling). Idle copies have
//! their own budget; a copy in use is outside it. Without this budget, every installation
//! with a statement running at once could hold its whole database three times: a few
//! installations with databases at Forge's 1 GiB quota would end the replica.
//!
//! A statement reserves what its copy holds before it loads or catches up its copy, and gives
//! it back when its copy is idle again (or dropped). A reservation larger than the whole
//! budget takes the whole budget: the statement runs alone rather than never. A statement
//! that grows its database while it runs is not charged for the growth in advance; the
//! database's size limit bounds it.

use std::sync::Arc;

use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};

/// The budget's unit: reservations are whole MiB, rounded up, so any size fits a semaphore's
/// permit count.
const UNIT_BYTES: usize = 1024 * 1024;

/// Memory reservable by statements running at once.
#[derive(Debug, Clone)]
pub(super) struct MemoryBudget {
    units: Arc<Semaphore>,
    total_units: u32,
}

/// Memory reserved for one statement, given back when dropped.
#[derive(Debug)]
pub(super) struct Reservation {
    _units: OwnedSemaphorePermit,
}

impl MemoryBudget {
    /// A budget of `total_bytes`, at least one unit.
    pub(super) fn new(total_bytes: usize) -> Self {
        let total_units = u32::try_from(total_bytes.div_ceil(UNIT_BYTES))
            .unwrap_or(u32::MAX)
            .clamp(1, Semaphore::MAX_PERMITS as u32);
        MemoryBudget {
            units: Arc::new(Semaphore::new(total_units as usize)),
            total_units,
        }
    }

    /// Waits until `bytes` (or the whole budget, if `bytes` is more) can be reserved, then
    /// reserves it. Reservations are served in the order they were asked for. Fails only
    /// once the budget is closed (the replica is stopping).
    pub(super) async fn reserve(&self, bytes: usize) -> Result<Reservation, AcquireError> {
        let units = u32::try_from(bytes.div_ceil(UNIT_BYTES))
            .unwrap_or(u32::MAX)
            .clamp(1, self.total_units);
        let permit = Arc::clone(&self.units).acquire_many_owned(units).await?;
        Ok(Reservation { _units: permit })
    }

    /// Bytes not reserved now.
    #[cfg(test)]
    fn available_bytes(&self) -> usize {
        self.units.available_permits() * UNIT_BYTES
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const MIB: usize = 1024 * 1024;

    #[tokio::test]
    async fn reservations_round_up_and_come_back_when_dropped() {
        let budget = MemoryBudget::new(10 * MIB);
        let one = budget.reserve(1).await.expect("open");
        assert_eq!(budget.available_bytes(), 9 * MIB, "one byte takes a unit");
        let three = budget.reserve(2 * MIB + 1).await.expect("open");
        assert_eq!(budget.available_bytes(), 6 * MIB);
        drop(one);
        drop(three);
        assert_eq!(budget.available_bytes(), 10 * MIB);
    }

    #[tokio::test]
    async fn a_reservation_past_what_is_free_waits_for_one_to_end() {
        let budget = MemoryBudget::new(10 * MIB);
        let first = budget.reserve(6 * MIB).await.expect("open");
        let waiting = {
            let budget = budget.clone();
            tokio::spawn(async move { budget.reserve(6 * MIB).await.expect("open") })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "12 MiB of 10 cannot be held at once"
        );
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(10), waiting)
            .await
            .expect("the second reservation is served once the first ends")
            .expect("the task ran");
        assert_eq!(budget.available_bytes(), 4 * MIB);
        drop(second);
    }

    #[tokio::test]
    async fn a_reservation_larger_than_the_budget_runs_alone() {
        let budget = MemoryBudget::new(10 * MIB);
        let huge = tokio::time::timeout(Duration::from_secs(10), budget.reserve(usize::MAX))
            .await
            .expect("a reservation past the whole budget takes the whole budget")
            .expect("open");
        assert_eq!(budget.available_bytes(), 0);
        let small = {
            let budget = budget.clone();
            tokio::spawn(async move { budget.reserve(1).await.expect("open") })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!small.is_finished(), "nothing runs beside it");
        drop(huge);
        tokio::time::timeout(Duration::from_secs(10), small)
            .await
            .expect("served after")
            .expect("the task ran");
    }
}
