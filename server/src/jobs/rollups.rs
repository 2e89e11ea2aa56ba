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
                    if run.days > 0 {
                        refresh_planner_statistics(&db).await;
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

/// SQLite plans queries from statistics that only `ANALYZE` gathers; `PRAGMA optimize` refreshes those that have
/// drifted, cheaply. PostgreSQL's autovacuum does this by itself.
async fn refresh_planner_statistics(db: &DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        if let Err(error) = db.execute_unprepared("PRAGMA optimize").await {
            tracing::warn!(%error, "refreshing SQLite's planner statistics failed");
        }
    }
}
