//! A bounded in-memory buffer written to the database in batches by one background task. A full buffer drops the
//! event and counts it (metric and log), never blocks a fan; shutdown writes everything buffered.
use super::{user_agent, visitor::VisitorHasher, NewEvent};
use crate::jobs::BackgroundTasks;
use app::server::entities::{conversion_events, events};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const BATCH_SIZE: usize = 500;
const FLUSH_INTERVAL: Duration = Duration::from_millis(200);

/// What the writer task takes: an analytics event (perhaps with conversion events), or conversion events alone (a
/// fan allowed ad measurement after the page view was recorded).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // events are nearly every item: boxing them would cost an allocation per request
enum Item {
    Event(NewEvent),
    Conversions(Vec<conversion_events::ActiveModel>),
}

#[derive(Clone)]
pub struct EventRecorder {
    sender: mpsc::Sender<Item>,
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
        self.send(Item::Event(event));
    }

    /// Queues conversion events for the ad platforms with the next batch, without an analytics event.
    pub fn queue_conversions(&self, rows: Vec<conversion_events::ActiveModel>) {
        self.send(Item::Conversions(rows));
    }

    /// The stats count analytics events only.
    fn send(&self, item: Item) {
        let counted = u64::from(matches!(item, Item::Event(_)));
        match self.sender.try_send(item) {
            Ok(()) => {
                self.stats.accepted.fetch_add(counted, Ordering::Relaxed);
            }
            Err(_) => {
                let dropped = self.stats.dropped.fetch_add(counted, Ordering::Relaxed) + counted;
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
    mut receiver: mpsc::Receiver<Item>,
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
    batch: &mut Vec<Item>,
    stats: &RecorderStats,
    hasher: &mut VisitorHasher,
) {
    if batch.is_empty() {
        return;
    }
    let mut rows = Vec::with_capacity(batch.len());
    let mut conversions = Vec::new();
    for item in batch.drain(..) {
        match item {
            Item::Event(mut event) => {
                conversions.append(&mut event.conversions);
                rows.push(row(event, hasher).await);
            }
            Item::Conversions(mut more) => conversions.append(&mut more),
        }
    }
    write_conversions(db, conversions).await;
    if rows.is_empty() {
        return;
    }
    let count = rows.len() as u64;
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

/// Queues the batch's conversion events for the ad platforms' worker. Written before the analytics rows, with the
/// same one retry; a loss is logged and counted like theirs.
async fn write_conversions(db: &DatabaseConnection, rows: Vec<conversion_events::ActiveModel>) {
    // SQLite binds at most 32,766 values a statement: 500 rows of 24 columns stay well under.
    for chunk in rows.chunks(500) {
        insert_conversions(db, chunk).await;
    }
}

async fn insert_conversions(db: &DatabaseConnection, rows: &[conversion_events::ActiveModel]) {
    for attempt in 1..=2 {
        match conversion_events::Entity::insert_many(rows.to_vec())
            .exec(db)
            .await
        {
            Ok(_) => return,
            Err(error) if attempt == 1 => {
                tracing::warn!(%error, "queuing conversion events failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => {
                tracing::error!(%error, count = rows.len(), "conversion events lost: the batch could not be written");
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
