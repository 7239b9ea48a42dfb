//! Admission of web trigger requests: the caller waits on its connection, so its work is
//! held in memory, bounded, and refused with 429 + `Retry-After` when the bound is reached.
//!
//! Why not the persistent queue: a web trigger's caller is waiting for the function's
//! response, which cannot outlive this process; a request is *accepted* when its response
//! is sent, and a caller whose connection drops has not been told it was. Putting it on disk
//! would cost three synchronous writes per request and save nothing. Events that nobody
//! waits on (webhooks, schedules) go to the persistent queue instead.
//!
//! Per app, at most `web_concurrency_per_app` requests run at once; waiting requests are
//! served first come, first served (tokio's semaphore is fair), so one busy installation
//! cannot starve another of the same app indefinitely; all apps together have at most
//! `web_max_waiting` requests waiting.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct Admission {
    per_app: Mutex<HashMap<String, Arc<Semaphore>>>,
    per_app_limit: usize,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    max_wait: Duration,
}

/// A place among the waiting requests; released on drop.
pub struct WaitingPlace(Arc<AtomicUsize>);

impl Drop for WaitingPlace {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    pub fn new(per_app_limit: usize, max_waiting: usize, max_wait: Duration) -> Self {
        Self {
            per_app: Mutex::new(HashMap::new()),
            per_app_limit: per_app_limit.max(1),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
            max_wait,
        }
    }

    /// A place to wait, or `None`: too many are waiting already (answer 429).
    pub fn enter(&self) -> Option<WaitingPlace> {
        let previous = self.waiting.fetch_add(1, Ordering::SeqCst);
        let place = WaitingPlace(self.waiting.clone());
        (previous < self.max_waiting).then_some(place)
    }

    /// A slot of the app, or `None` when none frees up in time (answer 429).
    pub async fn slot(&self, app_id: &str, _place: WaitingPlace) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            let mut map = self.per_app.lock().ok()?;
            map.entry(app_id.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_app_limit)))
                .clone()
        };
        match semaphore.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => tokio::time::timeout(self.max_wait, semaphore.acquire_owned())
                .await
                .ok()?
                .ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_bounds_refuse_instead_of_queueing_without_end() {
        let admission = Admission::new(1, 1, Duration::from_millis(50));
        let first = admission
            .slot("a", admission.enter().unwrap())
            .await
            .unwrap();
        let waiting = admission.enter().unwrap();
        assert!(admission.enter().is_none(), "one waiter at most");
        assert!(admission.slot("a", waiting).await.is_none(), "timed out");
        // Another app has its own slot.
        assert!(
            admission
                .slot("b", admission.enter().unwrap())
                .await
                .is_some()
        );
        drop(first);
        assert!(
            admission
                .slot("a", admission.enter().unwrap())
                .await
                .is_some()
        );
    }
}
