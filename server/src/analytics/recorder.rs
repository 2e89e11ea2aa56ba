//! A bounded in-memory buffer written to the database in batches by one background task. A full buffer drops the
//! event and counts it (metric and log), never blocks a fan; shutdown writes everything buffered.
use super::{user_agent, visitor::VisitorHasher, NewEvent};
use crate::jobs::BackgroundTasks;
use app::server::entities::events;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const BATCH_SIZE: usize = 500;
const FLUSH_INTERVAL: Duration = Duration::from_millis(200);

#[derive(Clone)]
pub struct EventRecorder {
    sender: mpsc::Sender<NewEvent>,
    stats: Arc<RecorderStats>,
}

#[derive(Debug, Default)]
pub struct RecorderStats {
    pub accepted: AtomicU64,
    pub written: AtomicU64,
    /// Events lost because the buffer was full or a batch could not be written.
    pub dropped: AtomicU64,
}

impl EventRecorder {
    /// Starts the writer task; `capacity` events may wait in memory.
    /// `site` (the public host) goes into visitor hashes.
    pub fn start(
        db: DatabaseConnection,
        tasks: &BackgroundTasks,
        capacity: usize,
        site: String,
    ) -> Self {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let stats = Arc::new(RecorderStats::default());
        let writer_stats = stats.clone();
        let hasher = VisitorHasher::new(db.clone(), site);
        tasks.spawn("event-writer", move |cancel| async move {
            write_batches(db, receiver, writer_stats, hasher, cancel).await;
        });
        EventRecorder { sender, stats }
    }

    /// Never waits: a full buffer drops the event and counts the loss.
    pub fn record(&self, event: NewEvent) {
        match self.sender.try_send(event) {
            Ok(()) => {
                self.stats.accepted.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                let dropped = self.stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped.is_power_of_two() {
                    tracing::warn!(dropped, "analytics buffer full: events dropped");
                }
            }
        }
    }

    pub fn stats(&self) -> &RecorderStats {
        &self.stats
    }
}

async fn write_batches(
    db: DatabaseConnection,
    mut receiver: mpsc::Receiver<NewEvent>,
    stats: Arc<RecorderStats>,
    mut hasher: VisitorHasher,
    cancel: tokio_util::sync::CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH_SIZE);
    loop {
        tokio::select! {
            received = receiver.recv_many(&mut batch, BATCH_SIZE) => {
                if received == 0 {
                    break; // every sender is gone
                }
                // Let a burst fill the batch a little before writing.
                if batch.len() < BATCH_SIZE {
                    tokio::time::sleep(FLUSH_INTERVAL).await;
                    while batch.len() < BATCH_SIZE {
                        match receiver.try_recv() {
                            Ok(event) => batch.push(event),
                            Err(_) => break,
                        }
                    }
                }
                write(&db, &mut batch, &stats, &mut hasher).await;
            }
            () = cancel.cancelled() => break,
        }
    }
    // Shutdown: write what is still buffered.
    receiver.close();
    while receiver.recv_many(&mut batch, BATCH_SIZE).await > 0 {
        write(&db, &mut batch, &stats, &mut hasher).await;
    }
    tracing::info!(
        written = stats.written.load(Ordering::Relaxed),
        dropped = stats.dropped.load(Ordering::Relaxed),
        "analytics writer stopped"
    );
}

async fn write(
    db: &DatabaseConnection,
    batch: &mut Vec<NewEvent>,
    stats: &RecorderStats,
    hasher: &mut VisitorHasher,
) {
    if batch.is_empty() {
        return;
    }
    let count = batch.len() as u64;
    let mut rows = Vec::with_capacity(batch.len());
    for event in batch.drain(..) {
        rows.push(row(event, hasher).await);
    }
    // One retry covers a transient lock or connection blip; after that the loss is counted, not hidden.
    for attempt in 1..=2 {
        match events::Entity::insert_many(rows.clone()).exec(db).await {
            Ok(_) => {
                stats.written.fetch_add(count, Ordering::Relaxed);
                return;
            }
            Err(error) if attempt == 1 => {
                tracing::warn!(%error, "writing analytics events failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => {
                stats.dropped.fetch_add(count, Ordering::Relaxed);
                tracing::error!(%error, count, "analytics events lost: the batch could not be written");
            }
        }
    }
}

/// The stored row: the client's address and User-Agent become a visitor hash and device families here, off the
/// request path, and are dropped.
async fn row(event: NewEvent, hasher: &mut VisitorHasher) -> events::ActiveModel {
    let (family, visitor_hash) = match &event.client {
        Some(client) => {
            let family = user_agent::classify(&client.user_agent);
            let hash = if family.is_bot {
                None
            } else {
                hasher
                    .hash(
                        event.occurred_at,
                        event.occurred_at,
                        client.ip,
                        &client.user_agent,
                    )
                    .await
            };
            (family, hash)
        }
        None => (user_agent::ClientFamily::default(), None),
    };
    events::ActiveModel {
        occurred_at: Set(event.occurred_at),
        kind: Set(event.kind.as_str().to_owned()),
        artist_id: Set(event.artist_id),
        release_id: Set(event.release_id),
        service: Set(event.service),
        referrer_domain: Set(event.referrer_domain),
        utm_source: Set(event.utm.utm_source),
        utm_medium: Set(event.utm.utm_medium),
        utm_campaign: Set(event.utm.utm_campaign),
        utm_content: Set(event.utm.utm_content),
        utm_term: Set(event.utm.utm_term),
        country: Set(event.country.map(|c| c.as_str().to_owned())),
        locale: Set(event.locale),
        is_bot: Set(family.is_bot || event.speculative),
        device_class: Set(family.device_class.map(str::to_owned)),
        browser: Set(family.browser.map(str::to_owned)),
        os: Set(family.os.map(str::to_owned)),
        visitor_hash: Set(visitor_hash),
        ..Default::default()
    }
}
