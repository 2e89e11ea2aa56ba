//! Background work owned by the server process. Every task gets a cancellation token and is awaited on shutdown,
//! so work stops at a point of its choosing instead of being dropped mid-write.
pub mod catalog;
pub mod conversions;
pub mod outbox;
pub mod presave;
pub mod rollups;

use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument as _;

#[derive(Clone, Default)]
pub struct BackgroundTasks {
    tracker: TaskTracker,
    cancel: CancellationToken,
}

impl BackgroundTasks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `task`; it should return soon after its token is cancelled.
    pub fn spawn<F, Fut>(&self, name: &'static str, task: F)
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let future = task(self.cancel.child_token());
        self.tracker
            .spawn(future.instrument(tracing::info_span!("job", name)));
    }

    pub fn running(&self) -> usize {
        self.tracker.len()
    }

    /// Cancels every task and waits up to `timeout` for them; true if all finished in time.
    pub async fn shutdown(&self, timeout: Duration) -> bool {
        self.cancel.cancel();
        self.tracker.close();
        let finished = tokio::time::timeout(timeout, self.tracker.wait())
            .await
            .is_ok();
        if !finished {
            tracing::warn!(
                still_running = self.tracker.len(),
                "background tasks did not stop within the drain timeout"
            );
        }
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn shutdown_cancels_and_waits_for_tasks() {
        let tasks = BackgroundTasks::new();
        let cleaned_up = Arc::new(AtomicBool::new(false));
        let flag = cleaned_up.clone();
        tasks.spawn("cooperative", move |cancel| async move {
            cancel.cancelled().await;
            tokio::task::yield_now().await; // the "flush" a real task does after cancellation
            flag.store(true, Ordering::SeqCst);
        });
        assert_eq!(tasks.running(), 1);
        assert!(tasks.shutdown(Duration::from_secs(5)).await);
        assert!(cleaned_up.load(Ordering::SeqCst));
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_reports_a_task_that_ignores_cancellation() {
        let tasks = BackgroundTasks::new();
        tasks.spawn("stubborn", |_cancel| async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
        assert!(!tasks.shutdown(Duration::from_secs(1)).await);
    }
}
