//! The analytics rollup job: every minute, roll up the hours that have closed. Any number of instances run it;
//! a lease in the database lets one work at a time, and a dead holder's lease lapses.
use super::BackgroundTasks;
use app::server::analytics::rollups;
use app::server::SharedClock;
use sea_orm::DatabaseConnection;
use std::time::Duration;

const INTERVAL: Duration = Duration::from_secs(60);

pub fn spawn(db: DatabaseConnection, clock: SharedClock, tasks: &BackgroundTasks) {
    let holder = format!("instance-{}", hex::encode(rand::random::<[u8; 8]>()));
    tasks.spawn("analytics-rollups", move |cancel| async move {
        loop {
            let wait = match rollups::run_once(&db, &holder, clock.now()).await {
                // A long backlog: keep going without waiting.
                Ok(run) if run.hours >= 24 * 7 => Duration::ZERO,
                Ok(run) => {
                    if run.hours > 0 {
                        tracing::debug!(hours = run.hours, days = run.days, "analytics rolled up");
                    }
                    INTERVAL
                }
                Err(error) => {
                    tracing::warn!(%error, "analytics rollup failed; retrying");
                    INTERVAL
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = cancel.cancelled() => break,
            }
        }
    });
}
