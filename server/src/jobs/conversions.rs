//! The conversions worker: claims due server-side conversion events by lease, sends them to the ad platforms in
//! batches (one request per pixel and batch), and settles each: sent, failed with the platform's error, retried
//! with backoff, or dropped with the reason. Every instance runs one; leases keep them apart. A crash between a
//! send and its record sends the batch again after the lease: Meta and TikTok count an event id once, GA4 does
//! not (documented in the README).
use super::BackgroundTasks;
use app::server::conversions::clients::{self, Destination, Platform, SendOutcome};
use app::server::conversions::queue::{self, status};
use app::server::conversions::{settings, Conversions};
use app::server::entities::conversion_events;
use app::server::SharedClock;
use app::types::AppError;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

const IDLE_POLL: Duration = Duration::from_secs(1);
const CLAIM_LIMIT: u64 = 1000;
/// Long enough for several batches, each bounded by the client's timeout; a round stops sending before it ends.
const LEASE: chrono::Duration = chrono::Duration::seconds(120);
/// Attempts before an event is given up on.
pub const MAX_ATTEMPTS: i32 = 10;
/// Settled events stay in the delivery log this long.
const LOG_DAYS: i64 = 30;
const CLEANUP_EVERY: Duration = Duration::from_secs(3600);

/// The wait before attempt `attempts + 1`: 30 s, doubling, at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(7);
    chrono::Duration::seconds((30_i64 << exponent).min(3600))
}

pub fn spawn(
    db: DatabaseConnection,
    clock: SharedClock,
    conversions: Conversions,
    tasks: &BackgroundTasks,
) {
    let holder = format!("conversions-{}", hex::encode(rand::random::<[u8; 8]>()));
    tasks.spawn("conversions", move |cancel| async move {
        let mut last_cleanup: Option<tokio::time::Instant> = None;
        while !cancel.is_cancelled() {
            let worked = match round(&db, &clock, &conversions, &holder).await {
                Ok(settled) => settled > 0,
                Err(error) => {
                    tracing::warn!(%error, "conversions round failed");
                    false
                }
            };
            if last_cleanup.is_none_or(|at| at.elapsed() >= CLEANUP_EVERY) {
                let cutoff = clock.now() - chrono::Duration::days(LOG_DAYS);
                match queue::delete_settled_before(&db, cutoff).await {
                    Ok(deleted) if deleted > 0 => {
                        tracing::info!(deleted, "old conversion events removed from the log")
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "conversion log cleanup failed"),
                }
                last_cleanup = Some(tokio::time::Instant::now());
            }
            if !worked {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
        }
    });
}

/// One round: everything due now that this worker could claim. Returns how many events it took.
pub async fn round(
    db: &DatabaseConnection,
    clock: &SharedClock,
    conversions: &Conversions,
    holder: &str,
) -> Result<usize, AppError> {
    let now = clock.now();
    let lease_until = now + LEASE;
    let claimed = queue::claim(db, holder, now, lease_until, CLAIM_LIMIT).await?;
    let taken = claimed.len();
    if taken == 0 {
        return Ok(0);
    }
    // One request carries one pixel's events; GA4's also one client's.
    let mut groups: BTreeMap<(Option<i32>, String), Vec<conversion_events::Model>> =
        BTreeMap::new();
    let mut opened = HashMap::new();
    for row in claimed {
        let event = queue::outgoing(&conversions.keys, &row);
        let client = if row.platform == Platform::Ga4.as_str() {
            event.fan.ga_client_id.clone().unwrap_or_default()
        } else {
            String::new()
        };
        opened.insert(row.id, event);
        groups.entry((row.pixel_id, client)).or_default().push(row);
    }
    // Never start a request the lease might not outlast: what is left goes back for the next round.
    let timeout = conversions.clients.config().timeout;
    let cutoff = lease_until
        - chrono::Duration::from_std(timeout).unwrap_or(LEASE)
        - chrono::Duration::seconds(5);
    let round = Round {
        db,
        clock,
        holder,
        cutoff,
    };
    let lease_left = || round.lease_left();
    let mut destinations: HashMap<i32, Result<Option<Destination>, String>> = HashMap::new();
    for ((pixel_row, _), rows) in groups {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        if !lease_left() {
            queue::release(db, &ids, holder).await?;
            continue;
        }
        let Some(pixel_row) = pixel_row else {
            let reason = "not sent: its pixel setting was removed";
            queue::drop_unsent(db, &ids, holder, reason, clock.now()).await?;
            continue;
        };
        let destination = match destinations.get(&pixel_row) {
            Some(found) => found.clone(),
            None => {
                // A secret that does not open (its key was retired) stops this pixel only, never the queue.
                let found = settings::destination(db, &conversions.keys, pixel_row)
                    .await
                    .map_err(|error| {
                        tracing::warn!(%error, pixel_row, "an ad pixel's secret does not open");
                        "not sent: the pixel's secret cannot be opened (was its key retired?)"
                            .to_owned()
                    });
                destinations.insert(pixel_row, found.clone());
                found
            }
        };
        let destination = match destination {
            Ok(Some(destination)) => destination,
            Ok(None) => {
                let reason = "not sent: the pixel no longer has a server-side secret";
                queue::drop_unsent(db, &ids, holder, reason, clock.now()).await?;
                continue;
            }
            Err(reason) => {
                queue::drop_unsent(db, &ids, holder, &reason, clock.now()).await?;
                continue;
            }
        };
        let platform = destination.platform;
        // What the platform would refuse (Meta: the whole batch with it) is dropped with the reason instead.
        let now = clock.now();
        let mut fresh = Vec::new();
        let mut unsendable: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
        for row in rows {
            match opened
                .get(&row.id)
                .and_then(|event| clients::why_unsendable(platform, event, now))
            {
                Some(reason) => unsendable.entry(reason).or_default().push(row.id),
                None => fresh.push(row),
            }
        }
        for (reason, ids) in unsendable {
            let reason = if clients::is_too_old_reason(reason) {
                format!(
                    "not sent: older than {} accepts ({})",
                    platform.label(),
                    age_limit(platform)
                )
            } else {
                format!("not sent: {reason}")
            };
            queue::drop_unsent(db, &ids, holder, &reason, now).await?;
        }
        let mut chunks = fresh.chunks(clients::max_batch(platform));
        while let Some(chunk) = chunks.next() {
            if !lease_left() {
                let rest: Vec<i64> = std::iter::once(chunk)
                    .chain(chunks.by_ref())
                    .flatten()
                    .map(|r| r.id)
                    .collect();
                queue::release(db, &rest, holder).await?;
                break;
            }
            let events: Vec<_> = chunk
                .iter()
                .filter_map(|row| opened.get(&row.id).cloned())
                .collect();
            let outcome = conversions.clients.send(&destination, &events).await;
            match outcome {
                SendOutcome::Rejected { error } if chunk.len() > 1 => {
                    resend_one_by_one(
                        &round,
                        &conversions.clients,
                        &destination,
                        chunk,
                        events,
                        &error,
                    )
                    .await?;
                }
                outcome => record(db, clock, holder, chunk, platform, outcome).await?,
            }
        }
    }
    Ok(taken)
}

/// Who is sending, and until when its lease lets it start a request.
struct Round<'a> {
    db: &'a DatabaseConnection,
    clock: &'a SharedClock,
    holder: &'a str,
    cutoff: DateTime<Utc>,
}

impl Round<'_> {
    fn lease_left(&self) -> bool {
        self.clock.now() < self.cutoff
    }
}

/// A refused batch, sent again one event at a time so that one bad event does not sink the others. When the first
/// event alone is refused the same way, the fault is not in one event (a revoked token, say): the whole batch fails
/// with it, without a request per event.
async fn resend_one_by_one(
    round: &Round<'_>,
    clients: &clients::ConversionClients,
    destination: &Destination,
    chunk: &[conversion_events::Model],
    events: Vec<clients::OutgoingEvent>,
    batch_error: &str,
) -> Result<(), AppError> {
    let (db, clock, holder) = (round.db, round.clock, round.holder);
    let platform = destination.platform;
    for (index, (row, event)) in chunk.iter().zip(events).enumerate() {
        if !round.lease_left() {
            let rest: Vec<i64> = chunk[index..].iter().map(|r| r.id).collect();
            return queue::release(db, &rest, holder).await;
        }
        let single = clients
            .send(destination, std::slice::from_ref(&event))
            .await;
        if let (0, SendOutcome::Rejected { error }) = (index, &single) {
            if error == batch_error {
                return record(db, clock, holder, chunk, platform, single).await;
            }
        }
        record(
            db,
            clock,
            holder,
            std::slice::from_ref(row),
            platform,
            single,
        )
        .await?;
    }
    Ok(())
}

fn age_limit(platform: Platform) -> String {
    let hours = clients::max_age(platform).num_hours();
    if hours % 24 == 0 {
        format!("{} days", hours / 24)
    } else {
        format!("{hours} hours")
    }
}

/// Settles `rows` by the platform's answer.
async fn record(
    db: &DatabaseConnection,
    clock: &SharedClock,
    holder: &str,
    rows: &[conversion_events::Model],
    platform: Platform,
    outcome: SendOutcome,
) -> Result<(), AppError> {
    let now = clock.now();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    match outcome {
        SendOutcome::Sent { detail } => {
            queue::settle(db, &ids, holder, status::SENT, &detail, now).await
        }
        SendOutcome::Rejected { error } => {
            queue::settle(db, &ids, holder, status::FAILED, &error, now).await
        }
        SendOutcome::Retry { error, after } => {
            retry(db, holder, rows, platform, &error, after, now).await
        }
    }
}

/// A transient failure: each event is tried again after its backoff (or the platform's `Retry-After`), unless
/// it has used up its attempts or would be too old by then.
async fn retry(
    db: &DatabaseConnection,
    holder: &str,
    rows: &[conversion_events::Model],
    platform: Platform,
    error: &str,
    after: Option<Duration>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut give_up = Vec::new();
    let mut too_old = Vec::new();
    let mut later: BTreeMap<DateTime<Utc>, Vec<i64>> = BTreeMap::new();
    for row in rows {
        let attempts = row.attempts + 1;
        let wait = backoff(attempts).max(
            after
                .and_then(|after| chrono::Duration::from_std(after).ok())
                .unwrap_or_default(),
        );
        let next = now + wait;
        if attempts >= MAX_ATTEMPTS {
            give_up.push(row.id);
        } else if next - row.event_time > clients::max_age(platform) {
            too_old.push(row.id);
        } else {
            later.entry(next).or_default().push(row.id);
        }
    }
    queue::settle(
        db,
        &give_up,
        holder,
        status::DROPPED,
        &format!("gave up after {MAX_ATTEMPTS} attempts: {error}"),
        now,
    )
    .await?;
    queue::settle(
        db,
        &too_old,
        holder,
        status::DROPPED,
        &format!(
            "gave up: it would be older than {} accepts ({}) by the next attempt; last error: {error}",
            platform.label(),
            age_limit(platform)
        ),
        now,
    )
    .await?;
    for (next, ids) in later {
        queue::retry_later(db, &ids, holder, error, next).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), chrono::Duration::seconds(30));
        assert_eq!(backoff(2), chrono::Duration::seconds(60));
        assert_eq!(backoff(4), chrono::Duration::seconds(240));
        assert_eq!(backoff(9), chrono::Duration::seconds(3600));
        assert_eq!(backoff(50), chrono::Duration::seconds(3600));
    }

    #[test]
    fn age_limits_read_well() {
        assert_eq!(age_limit(Platform::Meta), "7 days");
        assert_eq!(age_limit(Platform::Ga4), "3 days");
    }
}
