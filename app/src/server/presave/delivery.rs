//! Delivering pre-saves: library adds and follows at each fan's release moment, exactly once.
//!
//! A worker works in rounds. Each round:
//! 1. **Claims fans**, not pre-saves: a lease on the fan's token row (`spotify_tokens.lease_*`), taken with one
//!    conditional UPDATE, so two instances never hold one fan. Refresh tokens rotate, so only one worker may ever
//!    refresh a fan's token at a time, and one fan's due pre-saves go out in one request.
//! 2. **Marks their due pre-saves `sending`** before anything goes to Spotify.
//! 3. For each fan (several at once, every request paced by the shared rate): refreshes the access token if needed
//!    and stores the rotated refresh token at once; if any pre-save was already `sending` (its worker crashed, or
//!    its last answer was a timeout), asks Spotify which items are already in the library and sends only the rest;
//!    then saves and follows in as few requests as the API mode allows.
//! 4. **Records** the outcomes, the analytics events and the lease's release in one transaction.
//!
//! A crash between 3 and 4 leaves pre-saves `sending`; after the lease runs out the next worker checks the library
//! before sending again, so nothing is saved twice and nothing is lost. A worker that runs late stops before a
//! request once its lease is nearly over, so a fan is never in two workers' hands.
use super::fans::{self, open_tokens};
use super::spotify_user::{SpotifyItem, SpotifyUserError};
use super::{parse_follows, release_item, status, Presaves};
use crate::server::clock::SharedClock;
use crate::server::entities::{
    events, presave_subscriptions, presaves, release_links, releases, spotify_tokens,
};
use crate::types::AppError;

/// `StreamingService::Spotify.key()`, as events and links store it.
const SPOTIFY_KEY: &str = "spotify";
use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt as _;
use sea_orm::sea_query::Expr;
use sea_orm::ExprTrait as _;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Attempts that reached Spotify and failed (outages, odd answers) before a pre-save is given up.
pub const MAX_ATTEMPTS: i32 = 15;
/// How long a release may stay missing from Spotify after its moment before its pre-saves fail.
pub const PENDING_SOURCE_FOR: Duration = Duration::days(7);
const PENDING_SOURCE_RETRY: Duration = Duration::hours(1);

/// Paces Web API requests: at most `rate` a second, and nothing at all while Spotify asked us to wait.
pub struct RateLimiter {
    state: Mutex<RateState>,
}

struct RateState {
    interval: std::time::Duration,
    next: tokio::time::Instant,
}

impl RateLimiter {
    pub fn new(requests_per_second: f64) -> RateLimiter {
        RateLimiter {
            state: Mutex::new(RateState {
                interval: interval(requests_per_second),
                next: tokio::time::Instant::now(),
            }),
        }
    }

    pub fn set_rate(&self, requests_per_second: f64) {
        self.lock().interval = interval(requests_per_second);
    }

    /// Requests a second, as currently set.
    pub fn rate(&self) -> f64 {
        1.0 / self.lock().interval.as_secs_f64()
    }

    /// Waits for the slot of `requests` requests.
    pub async fn acquire(&self, requests: usize) {
        let slot = {
            let mut state = self.lock();
            let now = tokio::time::Instant::now();
            let slot = std::cmp::max(state.next, now);
            state.next = slot + state.interval * requests.max(1) as u32;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// After a 429: no request before `wait` has passed.
    pub fn pause_for(&self, wait: std::time::Duration) {
        let mut state = self.lock();
        let until = tokio::time::Instant::now() + wait;
        state.next = std::cmp::max(state.next, until);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn interval(requests_per_second: f64) -> std::time::Duration {
    std::time::Duration::from_secs_f64(1.0 / requests_per_second.max(0.001))
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub fans: usize,
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
    pub pending_source: usize,
}

impl RoundReport {
    pub fn did_work(&self) -> bool {
        self.fans > 0
    }
}

/// One pre-save in a worker's hands.
struct WorkRow {
    presave: presaves::Model,
    /// The release on Spotify; `None`: not there yet.
    item: Option<SpotifyItem>,
    artist_id: i32,
    follows: Vec<SpotifyItem>,
    /// Already `sending` when claimed: check the library before sending again.
    verify: bool,
}

impl WorkRow {
    fn items(&self) -> Vec<SpotifyItem> {
        self.item
            .iter()
            .cloned()
            .chain(self.follows.iter().cloned())
            .collect()
    }
}

enum Outcome {
    Delivered,
    /// Back to `status` at `at`; `error` is kept for the dashboard. `counts` when the attempt reached Spotify.
    Retry {
        status: &'static str,
        at: DateTime<Utc>,
        error: Option<String>,
        counts: bool,
    },
    PendingSource,
    Failed(String),
}

enum FanResult {
    Rows(Vec<(i32, Outcome)>),
    /// The fan's grant is gone (revoked at Spotify, expired after six months): their tokens are deleted and
    /// everything open fails with this reason.
    Revoked(String),
}

/// Runs one round; returns what it did (nothing when no fan is due).
pub async fn run_round(
    db: &DatabaseConnection,
    presaves: &Presaves,
    limiter: &RateLimiter,
    clock: &SharedClock,
    holder: &str,
) -> Result<RoundReport, AppError> {
    let settings = &presaves.delivery;
    let now = clock.now();
    let lease = Duration::from_std(settings.lease).unwrap_or(Duration::seconds(60));
    let round_holder = format!("{holder}:{}", hex::encode(rand::random::<[u8; 6]>()));
    // The last moment a request may start: it must be answered (or time out) before the lease ends, with a second
    // to spare for clocks that differ between instances.
    let timeout =
        Duration::from_std(presaves.spotify.config().timeout).unwrap_or(Duration::seconds(10));
    let working_time = lease - timeout - Duration::seconds(1);
    // A round should end well inside that at this instance's pace (one or two requests per fan).
    let fans_per_round = settings
        .fans_per_round
        .min((limiter.rate() * working_time.num_milliseconds() as f64 / 1000.0 / 3.0) as usize)
        .max(1);

    // 1. Due fans, then a lease on each that nobody else holds. One query per status, so each reads the
    // (status, next_attempt_at) index in order instead of sorting every open row.
    let mut candidates: Vec<(DateTime<Utc>, i32)> = Vec::new();
    for wanted in status::OPEN {
        let due: Vec<(DateTime<Utc>, i32)> = presaves::Entity::find()
            .select_only()
            .column(presaves::Column::NextAttemptAt)
            .column(presaves::Column::FanId)
            .filter(presaves::Column::Status.eq(wanted))
            .filter(presaves::Column::NextAttemptAt.lte(now))
            .order_by_asc(presaves::Column::NextAttemptAt)
            .limit(fans_per_round as u64 * 4)
            .into_tuple()
            .all(db)
            .await?;
        candidates.extend(due);
    }
    candidates.sort_by_key(|(at, _)| *at);
    let candidates = candidates.into_iter().map(|(_, fan_id)| fan_id);
    // The earliest due first, each fan once.
    let mut fan_ids: Vec<i32> = Vec::with_capacity(fans_per_round);
    for fan_id in candidates {
        if fan_ids.len() == fans_per_round {
            break;
        }
        if !fan_ids.contains(&fan_id) {
            fan_ids.push(fan_id);
        }
    }
    if fan_ids.is_empty() {
        return Ok(RoundReport::default());
    }
    spotify_tokens::Entity::update_many()
        .col_expr(
            spotify_tokens::Column::LeaseHolder,
            Expr::value(&round_holder),
        )
        .col_expr(spotify_tokens::Column::LeaseUntil, Expr::value(now + lease))
        .filter(spotify_tokens::Column::FanId.is_in(fan_ids.clone()))
        .filter(
            spotify_tokens::Column::LeaseUntil
                .is_null()
                .or(spotify_tokens::Column::LeaseUntil.lt(now)),
        )
        .exec(db)
        .await?;
    let tokens = spotify_tokens::Entity::find()
        .filter(spotify_tokens::Column::LeaseHolder.eq(&round_holder))
        .all(db)
        .await?;
    let mut report = RoundReport::default();
    // Due pre-saves of fans without tokens (disconnected while one was being sent) can never go out.
    let with_tokens: Vec<i32> = spotify_tokens::Entity::find()
        .select_only()
        .column(spotify_tokens::Column::FanId)
        .filter(spotify_tokens::Column::FanId.is_in(fan_ids.clone()))
        .into_tuple::<i32>()
        .all(db)
        .await?;
    let orphans: Vec<i32> = fan_ids
        .iter()
        .copied()
        .filter(|id| !with_tokens.contains(id))
        .collect();
    if !orphans.is_empty() {
        report.failed += fail_open(db, &orphans, "Spotify was disconnected", now).await?;
    }
    if tokens.is_empty() {
        return Ok(report);
    }

    // 2. Their due pre-saves, and what each one saves and follows.
    let claimed: Vec<i32> = tokens.iter().map(|t| t.fan_id).collect();
    let rows = presaves::Entity::find()
        .filter(presaves::Column::FanId.is_in(claimed.clone()))
        .filter(presaves::Column::Status.is_in(status::OPEN))
        .filter(presaves::Column::NextAttemptAt.lte(now))
        .all(db)
        .await?;
    let release_ids: Vec<i32> = rows.iter().map(|r| r.release_id).collect();
    let release_rows = releases::Entity::find()
        .filter(releases::Column::Id.is_in(release_ids.clone()))
        .all(db)
        .await?;
    let spotify_links: HashMap<i32, String> = release_links::Entity::find()
        .filter(release_links::Column::ReleaseId.is_in(release_ids))
        .filter(release_links::Column::Service.eq(SPOTIFY_KEY))
        .all(db)
        .await?
        .into_iter()
        .map(|link| (link.release_id, link.url))
        .collect();
    let mut work_rows: Vec<WorkRow> = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(release) = release_rows.iter().find(|r| r.id == row.release_id) else {
            continue;
        };
        let item = release_item(release, spotify_links.get(&release.id).map(String::as_str));
        work_rows.push(WorkRow {
            item,
            artist_id: release.artist_id,
            follows: parse_follows(&row.follows),
            verify: row.status == status::SENDING,
            presave: row,
        });
    }
    // Marked `sending` before any request; if we crash from here on, the next worker checks first. Only rows still
    // open are marked (a fan may have cancelled one since it was read), and only those are sent.
    let sendable: Vec<i32> = work_rows
        .iter()
        .filter(|row| row.item.is_some())
        .map(|row| row.presave.id)
        .collect();
    for chunk in sendable.chunks(500) {
        presaves::Entity::update_many()
            .col_expr(presaves::Column::Status, Expr::value(status::SENDING))
            .col_expr(presaves::Column::NextAttemptAt, Expr::value(now + lease))
            .col_expr(presaves::Column::UpdatedAt, Expr::value(now))
            .filter(presaves::Column::Id.is_in(chunk.to_vec()))
            .filter(presaves::Column::Status.is_in(status::OPEN))
            .exec(db)
            .await?;
    }
    let marked: std::collections::HashSet<i32> = presaves::Entity::find()
        .select_only()
        .column(presaves::Column::Id)
        .filter(presaves::Column::FanId.is_in(claimed.clone()))
        .filter(presaves::Column::Status.eq(status::SENDING))
        .into_tuple::<i32>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut work: BTreeMap<i32, Vec<WorkRow>> = BTreeMap::new();
    for row in work_rows {
        if row.item.is_none() || marked.contains(&row.presave.id) {
            work.entry(row.presave.fan_id).or_default().push(row);
        }
    }

    // 3. Each fan's requests, paced; stop short of the lease's end.
    let deadline = now + working_time;
    let token_by_fan: HashMap<i32, spotify_tokens::Model> =
        tokens.into_iter().map(|t| (t.fan_id, t)).collect();
    // Token stores one at a time: on SQLite, writers that collide wait in its busy handler for milliseconds each.
    let store_lock = tokio::sync::Mutex::new(());
    let mut jobs = Vec::new();
    for (fan_id, rows) in work {
        if let Some(token) = token_by_fan.get(&fan_id) {
            jobs.push(
                FanJob {
                    db,
                    presaves,
                    limiter,
                    clock,
                    deadline,
                    token: token.clone(),
                    rows,
                    store_lock: &store_lock,
                }
                .run(),
            );
        }
    }
    let results: Vec<(i32, Vec<WorkRow>, FanResult)> = futures_util::stream::iter(jobs)
        .buffer_unordered(presaves.delivery.concurrency.max(1))
        .collect()
        .await;

    // 4. Outcomes, events and the lease's release together, for the fans this round still holds (taking the row
    // locks first, so on PostgreSQL nobody takes one over meanwhile). A fan lost to another worker keeps its rows
    // `sending`: whoever holds it now checks the library first.
    let now = clock.now();
    let txn = crate::server::db::begin_write(db).await?;
    spotify_tokens::Entity::update_many()
        .col_expr(spotify_tokens::Column::LeaseUntil, Expr::value(now + lease))
        .filter(spotify_tokens::Column::LeaseHolder.eq(&round_holder))
        .exec(&txn)
        .await?;
    let still_held: std::collections::HashSet<i32> = spotify_tokens::Entity::find()
        .select_only()
        .column(spotify_tokens::Column::FanId)
        .filter(spotify_tokens::Column::LeaseHolder.eq(&round_holder))
        .into_tuple::<i32>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let results: Vec<_> = results
        .into_iter()
        .filter(|(fan_id, _, _)| still_held.contains(fan_id))
        .collect();
    let mut delivered_ids = Vec::new();
    let mut new_events = Vec::new();
    let mut revoked = Vec::new();
    report.fans = results.len();
    for (fan_id, rows, result) in results {
        match result {
            FanResult::Revoked(reason) => revoked.push((fan_id, reason)),
            FanResult::Rows(outcomes) => {
                for (presave_id, outcome) in outcomes {
                    let Some(row) = rows.iter().find(|r| r.presave.id == presave_id) else {
                        continue;
                    };
                    match outcome {
                        Outcome::Delivered => {
                            report.delivered += 1;
                            delivered_ids.push(presave_id);
                            new_events.push(event(now, "library_add", row));
                            for _ in &row.follows {
                                new_events.push(event(now, "follow", row));
                            }
                        }
                        Outcome::PendingSource => {
                            let waited_enough = now > row.presave.deliver_at + PENDING_SOURCE_FOR;
                            if waited_enough {
                                report.failed += 1;
                                set_status(
                                    &txn,
                                    row,
                                    status::FAILED,
                                    now,
                                    Some("The release never appeared on Spotify".to_owned()),
                                    row.presave.attempts,
                                    now,
                                )
                                .await?;
                            } else {
                                report.pending_source += 1;
                                set_status(
                                    &txn,
                                    row,
                                    status::PENDING_SOURCE,
                                    now + PENDING_SOURCE_RETRY,
                                    Some("Not on Spotify yet".to_owned()),
                                    row.presave.attempts,
                                    now,
                                )
                                .await?;
                            }
                        }
                        Outcome::Failed(reason) => {
                            report.failed += 1;
                            set_status(
                                &txn,
                                row,
                                status::FAILED,
                                now,
                                Some(reason),
                                row.presave.attempts + 1,
                                now,
                            )
                            .await?;
                        }
                        Outcome::Retry {
                            status: next_status,
                            at,
                            error,
                            counts,
                        } => {
                            let attempts = row.presave.attempts + i32::from(counts);
                            if counts && attempts >= MAX_ATTEMPTS {
                                report.failed += 1;
                                let reason = format!(
                                    "Gave up after {attempts} attempts: {}",
                                    error.as_deref().unwrap_or("unknown error")
                                );
                                set_status(
                                    &txn,
                                    row,
                                    status::FAILED,
                                    now,
                                    Some(reason),
                                    attempts,
                                    now,
                                )
                                .await?;
                            } else {
                                report.retried += 1;
                                set_status(&txn, row, next_status, at, error, attempts, now)
                                    .await?;
                            }
                        }
                    }
                }
            }
        }
    }
    for chunk in delivered_ids.chunks(500) {
        presaves::Entity::update_many()
            .col_expr(presaves::Column::Status, Expr::value(status::DELIVERED))
            .col_expr(presaves::Column::DeliveredAt, Expr::value(now))
            .col_expr(presaves::Column::LastError, Expr::cust("NULL"))
            .col_expr(presaves::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                presaves::Column::Attempts,
                Expr::col(presaves::Column::Attempts).add(1),
            )
            .filter(presaves::Column::Id.is_in(chunk.to_vec()))
            .filter(presaves::Column::Status.is_in(status::OPEN))
            .exec(&txn)
            .await?;
    }
    for chunk in new_events.chunks(500) {
        events::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for (fan_id, reason) in &revoked {
        spotify_tokens::Entity::delete_by_id(*fan_id)
            .exec(&txn)
            .await?;
        presave_subscriptions::Entity::delete_many()
            .filter(presave_subscriptions::Column::FanId.eq(*fan_id))
            .exec(&txn)
            .await?;
        report.failed += fail_open(&txn, &[*fan_id], reason, now).await?;
    }
    spotify_tokens::Entity::update_many()
        .col_expr(spotify_tokens::Column::LeaseHolder, Expr::cust("NULL"))
        .col_expr(spotify_tokens::Column::LeaseUntil, Expr::cust("NULL"))
        .filter(spotify_tokens::Column::LeaseHolder.eq(&round_holder))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(report)
}

fn event(now: DateTime<Utc>, kind: &str, row: &WorkRow) -> events::ActiveModel {
    events::ActiveModel {
        occurred_at: Set(now),
        kind: Set(kind.to_owned()),
        artist_id: Set(Some(row.artist_id)),
        release_id: Set(Some(row.presave.release_id)),
        service: Set(Some(SPOTIFY_KEY.to_owned())),
        country: Set(row.presave.country.clone()),
        is_bot: Set(false),
        ..Default::default()
    }
}

async fn set_status(
    db: &impl ConnectionTrait,
    row: &WorkRow,
    new_status: &str,
    next_attempt_at: DateTime<Utc>,
    error: Option<String>,
    attempts: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    presaves::Entity::update_many()
        .col_expr(presaves::Column::Status, Expr::value(new_status))
        .col_expr(
            presaves::Column::NextAttemptAt,
            Expr::value(next_attempt_at),
        )
        .col_expr(presaves::Column::LastError, Expr::value(error))
        .col_expr(presaves::Column::Attempts, Expr::value(attempts))
        .col_expr(presaves::Column::UpdatedAt, Expr::value(now))
        .filter(presaves::Column::Id.eq(row.presave.id))
        // A fan's cancellation meanwhile stands.
        .filter(presaves::Column::Status.is_in(status::OPEN))
        .exec(db)
        .await?;
    Ok(())
}

/// Fails every open pre-save of these fans with `reason`; returns how many.
async fn fail_open(
    db: &impl ConnectionTrait,
    fan_ids: &[i32],
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let result = presaves::Entity::update_many()
        .col_expr(presaves::Column::Status, Expr::value(status::FAILED))
        .col_expr(presaves::Column::LastError, Expr::value(reason))
        .col_expr(presaves::Column::UpdatedAt, Expr::value(now))
        .filter(presaves::Column::FanId.is_in(fan_ids.to_vec()))
        .filter(presaves::Column::Status.is_in(status::OPEN))
        .exec(db)
        .await?;
    Ok(result.rows_affected as usize)
}

/// The wait before attempt `attempts + 1`: a minute, doubling, at most two hours, with jitter.
fn backoff(attempts: i32, now: DateTime<Utc>) -> DateTime<Utc> {
    let minutes = 1i64 << attempts.clamp(0, 7);
    let jitter = rand::random_range(0..30);
    now + Duration::minutes(std::cmp::min(minutes, 120)) + Duration::seconds(jitter)
}

/// One fan's share of a round.
struct FanJob<'a> {
    db: &'a DatabaseConnection,
    presaves: &'a Presaves,
    limiter: &'a RateLimiter,
    clock: &'a SharedClock,
    deadline: DateTime<Utc>,
    token: spotify_tokens::Model,
    rows: Vec<WorkRow>,
    store_lock: &'a tokio::sync::Mutex<()>,
}

/// Why a fan's requests stopped before the save went out, or how the save ended.
enum Stop {
    /// Nothing reached Spotify in a way that could have saved anything; rows go back as they were.
    NotSent {
        /// When to try again; `None`: back off by the row's attempts so far.
        at: Option<DateTime<Utc>>,
        error: Option<String>,
        counts: bool,
    },
    /// The save may or may not have gone through (timeout, 5xx): check the library next time.
    Unknown {
        error: String,
    },
    Failed(String),
    Revoked(String),
    NotFound,
}

impl<'a> FanJob<'a> {
    async fn run(self) -> (i32, Vec<WorkRow>, FanResult) {
        let fan_id = self.token.fan_id;
        let mut outcomes = Vec::new();
        let (ready, waiting): (Vec<&WorkRow>, Vec<&WorkRow>) =
            self.rows.iter().partition(|row| row.item.is_some());
        for row in waiting {
            outcomes.push((row.presave.id, Outcome::PendingSource));
        }
        if !ready.is_empty() {
            match self.deliver(&ready).await {
                Ok(per_row) => outcomes.extend(per_row),
                Err(Stop::Revoked(reason)) => {
                    return (fan_id, self.rows, FanResult::Revoked(reason))
                }
                Err(stop) => {
                    for row in &ready {
                        outcomes.push((row.presave.id, self.outcome_of(&stop, row)));
                    }
                }
            }
        }
        (fan_id, self.rows, FanResult::Rows(outcomes))
    }

    fn outcome_of(&self, stop: &Stop, row: &WorkRow) -> Outcome {
        let now = self.clock.now();
        match stop {
            Stop::NotSent { at, error, counts } => Outcome::Retry {
                // A row that was `sending` before stays so: it still needs its check.
                status: if row.verify {
                    status::SENDING
                } else {
                    status::QUEUED
                },
                at: at.unwrap_or_else(|| backoff(row.presave.attempts, now)),
                error: error.clone(),
                counts: *counts,
            },
            Stop::Unknown { error } => Outcome::Retry {
                status: status::SENDING,
                at: backoff(row.presave.attempts, now),
                error: Some(error.clone()),
                counts: true,
            },
            Stop::Failed(reason) | Stop::Revoked(reason) => Outcome::Failed(reason.clone()),
            Stop::NotFound => Outcome::PendingSource,
        }
    }

    async fn deliver(&self, rows: &[&WorkRow]) -> Result<Vec<(i32, Outcome)>, Stop> {
        let mut access = self.access_token().await?;
        let mut items: Vec<SpotifyItem> = Vec::new();
        for item in rows.iter().flat_map(|row| row.items()) {
            if !items.contains(&item) {
                items.push(item);
            }
        }
        if rows.iter().any(|row| row.verify) {
            let requests = items.len().div_ceil(40);
            self.slot(requests).await?;
            let present = match self.presaves.spotify.contains(&access, &items).await {
                Err(SpotifyUserError::AccessTokenExpired) => {
                    access = self.refresh().await?;
                    self.slot(requests).await?;
                    self.presaves.spotify.contains(&access, &items).await
                }
                other => other,
            }
            .map_err(|e| self.not_sent(e))?;
            items = items
                .into_iter()
                .zip(present)
                .filter(|(_, present)| !present)
                .map(|(item, _)| item)
                .collect();
        }
        if items.is_empty() {
            return Ok(rows
                .iter()
                .map(|row| (row.presave.id, Outcome::Delivered))
                .collect());
        }
        match self.save(&mut access, &items).await {
            Ok(()) => Ok(rows
                .iter()
                .map(|row| (row.presave.id, Outcome::Delivered))
                .collect()),
            // One unknown item fails the whole request: try each pre-save alone to find which.
            Err(Stop::NotFound) if rows.len() > 1 => {
                let mut outcomes = Vec::new();
                for row in rows {
                    let outcome = match self.save(&mut access, &row.items()).await {
                        Ok(()) => Outcome::Delivered,
                        // Keep what was delivered before it; the rest fail with the reason.
                        Err(Stop::Revoked(reason)) => Outcome::Failed(reason),
                        Err(stop) => self.outcome_of(&stop, row),
                    };
                    outcomes.push((row.presave.id, outcome));
                }
                Ok(outcomes)
            }
            Err(stop) => Err(stop),
        }
    }

    async fn save(&self, access: &mut String, items: &[SpotifyItem]) -> Result<(), Stop> {
        let spotify = &self.presaves.spotify;
        let requests = spotify.requests_for(items);
        self.slot(requests).await?;
        let result = match spotify.save(access, items).await {
            // A refused token on a one-request save saved nothing: refresh and send it again.
            Err(SpotifyUserError::AccessTokenExpired) if requests == 1 => {
                *access = self.refresh().await?;
                self.slot(requests).await?;
                spotify.save(access, items).await
            }
            other => other,
        };
        result.map_err(|error| match error {
            SpotifyUserError::GrantRevoked { message } => {
                Stop::Revoked(format!("Spotify access was revoked ({message})"))
            }
            // Several requests (type-specific endpoints, over 40 items) stop at the first error, after the ones
            // before it succeeded: what went through is unknown, so the next attempt checks the library first.
            error if requests > 1 => {
                if let SpotifyUserError::RateLimited { retry_after } = &error {
                    self.limiter.pause_for(*retry_after);
                }
                Stop::Unknown {
                    error: error.to_string(),
                }
            }
            SpotifyUserError::NotFound { .. } => Stop::NotFound,
            SpotifyUserError::Unavailable { message } | SpotifyUserError::Malformed { message } => {
                Stop::Unknown { error: message }
            }
            other => self.not_sent(other),
        })
    }

    /// A refusal before anything was saved.
    fn not_sent(&self, error: SpotifyUserError) -> Stop {
        let now = self.clock.now();
        match error {
            SpotifyUserError::RateLimited { retry_after } => {
                self.limiter.pause_for(retry_after);
                Stop::NotSent {
                    at: Some(now + Duration::from_std(retry_after).unwrap_or(Duration::seconds(1))),
                    error: None,
                    counts: false,
                }
            }
            SpotifyUserError::GrantRevoked { message } => {
                Stop::Revoked(format!("Spotify access was revoked ({message})"))
            }
            SpotifyUserError::Forbidden { message } => {
                Stop::Failed(format!("Spotify refused: {message}"))
            }
            SpotifyUserError::Rejected { status, message } => Stop::Failed(format!(
                "Spotify rejected the request ({status}): {message}"
            )),
            SpotifyUserError::AccessTokenExpired => Stop::NotSent {
                at: None,
                error: Some("Spotify refused a fresh access token".to_owned()),
                counts: true,
            },
            SpotifyUserError::NotFound { .. } => Stop::NotFound,
            SpotifyUserError::Unavailable { message } | SpotifyUserError::Malformed { message } => {
                Stop::NotSent {
                    at: None,
                    error: Some(message),
                    counts: true,
                }
            }
        }
    }

    /// Waits for the rate's slot for `requests` requests, then makes sure the lease still covers them.
    async fn slot(&self, requests: usize) -> Result<(), Stop> {
        self.before_request()?;
        self.limiter.acquire(requests).await;
        self.before_request()
    }

    /// Past the safe end of our lease another worker may take the fan over: stop, and leave the rest to it.
    fn before_request(&self) -> Result<(), Stop> {
        if self.clock.now() >= self.deadline {
            Err(Stop::NotSent {
                at: Some(self.clock.now()),
                error: None,
                counts: false,
            })
        } else {
            Ok(())
        }
    }

    async fn access_token(&self) -> Result<String, Stop> {
        match open_tokens(&self.presaves.keys, &self.token, self.clock.now()) {
            Ok(tokens) => match tokens.access_token {
                Some(access) => Ok(access),
                None => self.refresh_with(&tokens.refresh_token).await,
            },
            Err(error) => Err(self.unreadable(error)),
        }
    }

    async fn refresh(&self) -> Result<String, Stop> {
        // The stored refresh token may have rotated since the claim (an earlier refresh in this round).
        let row = spotify_tokens::Entity::find_by_id(self.token.fan_id)
            .one(self.db)
            .await
            .map_err(|e| self.db_error(e.into()))?
            .ok_or_else(|| Stop::Revoked("Spotify was disconnected".to_owned()))?;
        let tokens = open_tokens(&self.presaves.keys, &row, self.clock.now())
            .map_err(|e| self.unreadable(e))?;
        self.refresh_with(&tokens.refresh_token).await
    }

    async fn refresh_with(&self, refresh_token: &str) -> Result<String, Stop> {
        // Only while the lease holds: a late refresh would spend a refresh token another worker now owns.
        self.before_request()?;
        let tokens = self
            .presaves
            .spotify
            .refresh(refresh_token)
            .await
            .map_err(|e| self.not_sent(e))?;
        // Stored before it is used: a rotated refresh token lost would lose the fan. A busy database gets a few
        // more tries.
        let mut tries = 0;
        let _one_writer = self.store_lock.lock().await;
        loop {
            match fans::store_tokens(
                self.db,
                &self.presaves.keys,
                self.token.fan_id,
                &tokens,
                Some(refresh_token),
                self.clock.now(),
            )
            .await
            {
                Ok(()) => return Ok(tokens.access_token),
                Err(error) if tries >= 4 => return Err(self.db_error(error)),
                Err(_) => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200 * tries)).await;
                }
            }
        }
    }

    fn unreadable(&self, error: crate::server::sealed::SealError) -> Stop {
        match error {
            // A configuration problem (a retired key left out), not the fan's: keep trying.
            crate::server::sealed::SealError::UnknownKey(_) => Stop::NotSent {
                at: Some(self.clock.now() + Duration::hours(1)),
                error: Some(error.to_string()),
                counts: false,
            },
            crate::server::sealed::SealError::Damaged => Stop::Revoked(error.to_string()),
        }
    }

    fn db_error(&self, error: AppError) -> Stop {
        Stop::NotSent {
            at: None,
            error: Some(format!("database: {error}")),
            counts: true,
        }
    }
}

/// A worker's presence, so the configured rate can be shared among the instances delivering: each takes
/// `rate / live workers`. Returns how many are live, this one included.
pub async fn heartbeat(
    db: &DatabaseConnection,
    holder: &str,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<usize, AppError> {
    use crate::server::entities::job_leases;
    let name = format!("{WORKER_PREFIX}{holder}");
    job_leases::Entity::insert(job_leases::ActiveModel {
        name: Set(name.clone()),
        holder: Set(Some(holder.to_owned())),
        lease_until: Set(Some(now + lifetime)),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(job_leases::Column::Name)
            .update_column(job_leases::Column::LeaseUntil)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    // Workers gone for a day are forgotten.
    job_leases::Entity::delete_many()
        .filter(job_leases::Column::Name.starts_with(WORKER_PREFIX))
        .filter(job_leases::Column::LeaseUntil.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    let live = job_leases::Entity::find()
        .filter(job_leases::Column::Name.starts_with(WORKER_PREFIX))
        .filter(job_leases::Column::LeaseUntil.gt(now))
        .count(db)
        .await?;
    Ok((live as usize).max(1))
}

/// Removes a stopping worker's presence, so the others take its share at once.
pub async fn sign_off(db: &DatabaseConnection, holder: &str) -> Result<(), AppError> {
    use crate::server::entities::job_leases;
    job_leases::Entity::delete_by_id(format!("{WORKER_PREFIX}{holder}"))
        .exec(db)
        .await?;
    Ok(())
}

const WORKER_PREFIX: &str = "presave-worker:";
