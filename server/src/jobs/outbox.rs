//! The email outbox worker: delivers the `email_outbox` rows over SMTP. Runs only when `--smtp-url` is set.
//!
//! Safe with several server instances: a worker sends a row only after winning a lease on it with one conditional
//! UPDATE (`claim_email`), so no two workers send the same row at once, and a crashed worker's lease lapses so
//! another picks the row up. Delivery is therefore at-least-once: a worker that dies after the SMTP server accepted
//! a message but before recording it leaves the row to be sent again when its lease lapses (each attempt carries
//! the same Message-ID, so receivers can spot the duplicate).
//!
//! Times in the table come from the app clock (so tests move them with a `ManualClock`); the pause between polls is
//! real time.
use crate::jobs::BackgroundTasks;
use crate::mail::{Mailer, SendError, SEND_TIMEOUT};
use app::server::entities::email_outbox;
use app::server::models::outbox::{
    claim_email, due_emails, mark_email_failed, mark_email_retry, mark_email_sent, OutgoingEmail,
};
use app::server::SharedClock;
use app::types::AppError;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Attempts before a message is given up on (a permanent 5xx answer gives up at once).
pub const MAX_ATTEMPTS: i32 = 8;
/// How often the worker looks for due rows when nobody wakes it.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How long a claimed row is reserved for its worker: well beyond one delivery's time limit.
pub const LEASE_SECS: i64 = 300;
/// Rows fetched per query; each is still claimed one by one.
pub const BATCH_SIZE: u64 = 10;
const FIRST_BACKOFF_SECS: i64 = 30;
const MAX_BACKOFF_SECS: i64 = 3600;
/// `last_error` is for people reading the table; an SMTP server's essay is cut.
const MAX_ERROR_CHARS: usize = 1000;

const _: () = assert!(LEASE_SECS as u64 > 2 * SEND_TIMEOUT.as_secs());

/// The wait before attempt `attempts + 1`, after `attempts` failed ones: 30 s, doubling, at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    chrono::Duration::seconds(
        FIRST_BACKOFF_SECS
            .saturating_mul(1_i64 << doublings)
            .min(MAX_BACKOFF_SECS),
    )
}

/// A handle for waking the worker after queueing an email; cheap to clone, and harmless when no worker runs.
#[derive(Clone, Default)]
pub struct Outbox {
    notify: Arc<Notify>,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the worker look for due rows now instead of at its next poll. Call it after the transaction that
    /// enqueued the email has committed. A wake-up while the worker is busy is remembered, not lost.
    pub fn notify(&self) {
        self.notify.notify_one();
    }

    /// The same wake-up as a closure, for code in the `app` crate, which cannot name this type
    /// (`app::server::ctx::MailHook::enabled(outbox.wake_fn())`).
    pub fn wake_fn(&self) -> Arc<dyn Fn() + Send + Sync> {
        let notify = self.notify.clone();
        Arc::new(move || notify.notify_one())
    }
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Outbox")
    }
}

/// Tunables, defaulting to the constants above (tests shorten the poll).
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    pub poll_interval: Duration,
    pub lease: chrono::Duration,
    pub batch_size: u64,
    pub max_attempts: i32,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            poll_interval: POLL_INTERVAL,
            lease: chrono::Duration::seconds(LEASE_SECS),
            batch_size: BATCH_SIZE,
            max_attempts: MAX_ATTEMPTS,
        }
    }
}

/// What one pass over the due rows did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    /// Failed for now, rescheduled with backoff.
    pub retrying: usize,
    /// Given up on: a permanent error or the last allowed attempt.
    pub failed: usize,
}

impl Pass {
    pub fn attempted(&self) -> usize {
        self.sent + self.retrying + self.failed
    }
}

enum Outcome {
    Sent,
    Retrying,
    Failed,
    /// Shutdown arrived mid-delivery; the lease lapses and the row is retried later.
    Abandoned,
}

pub struct OutboxWorker {
    db: DatabaseConnection,
    clock: SharedClock,
    mailer: Arc<Mailer>,
    outbox: Outbox,
    settings: WorkerSettings,
}

impl OutboxWorker {
    pub fn new(
        db: DatabaseConnection,
        clock: SharedClock,
        mailer: Arc<Mailer>,
        outbox: Outbox,
    ) -> Self {
        OutboxWorker {
            db,
            clock,
            mailer,
            outbox,
            settings: WorkerSettings::default(),
        }
    }

    pub fn with_settings(mut self, settings: WorkerSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Runs the worker as a background task that stops when the tasks shut down.
    pub fn start(self, tasks: &BackgroundTasks) {
        tasks.spawn("email-outbox", move |cancel| self.run(cancel));
    }

    /// Delivers due rows, then waits for a wake-up or the poll interval, until `cancel`.
    pub async fn run(self, cancel: CancellationToken) {
        tracing::info!(smtp = %self.mailer.url(), "email outbox worker started");
        while !cancel.is_cancelled() {
            match self.run_once(&cancel).await {
                Ok(pass) if pass.attempted() > 0 => tracing::debug!(?pass, "email outbox pass"),
                Ok(_) => {}
                // The cause was logged where the database error became an AppError.
                Err(error) => tracing::warn!(%error, "email outbox pass stopped early"),
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = self.outbox.notify.notified() => {}
                _ = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
        tracing::info!("email outbox worker stopped");
    }

    /// Claims and delivers every row due now, one at a time, until none is left that this worker can claim.
    pub async fn run_once(&self, cancel: &CancellationToken) -> Result<Pass, AppError> {
        let mut pass = Pass::default();
        loop {
            let candidates =
                due_emails(&self.db, self.clock.now(), self.settings.batch_size).await?;
            if candidates.is_empty() {
                return Ok(pass);
            }
            let mut claimed_any = false;
            for candidate in candidates {
                if cancel.is_cancelled() {
                    return Ok(pass);
                }
                let now = self.clock.now();
                let Some(row) =
                    claim_email(&self.db, candidate.id, now, now + self.settings.lease).await?
                else {
                    continue; // another worker got it first
                };
                claimed_any = true;
                match self.deliver(row, cancel).await? {
                    Outcome::Sent => pass.sent += 1,
                    Outcome::Retrying => pass.retrying += 1,
                    Outcome::Failed => pass.failed += 1,
                    Outcome::Abandoned => return Ok(pass),
                }
            }
            if !claimed_any {
                return Ok(pass);
            }
        }
    }

    /// Sends one claimed row and records the result. Never logs the body.
    async fn deliver(
        &self,
        row: email_outbox::Model,
        cancel: &CancellationToken,
    ) -> Result<Outcome, AppError> {
        let id = row.id;
        let attempts = row.attempts.saturating_add(1);
        let message_key = format!("outbox.{id}.{}", row.created_at.timestamp());
        let email = OutgoingEmail {
            to: row.to_address,
            subject: row.subject,
            body_text: row.body_text,
        };
        let result = tokio::select! {
            result = self.mailer.send(&email, &message_key, self.clock.now()) => result,
            _ = cancel.cancelled() => {
                tracing::info!(id, "shutting down during an email delivery; it will be retried once its lease lapses");
                return Ok(Outcome::Abandoned);
            }
        };
        let now = self.clock.now();
        match result {
            Ok(()) => {
                mark_email_sent(&self.db, id, attempts, now).await?;
                tracing::info!(id, attempts, "email sent");
                Ok(Outcome::Sent)
            }
            Err(error) if error.is_permanent() || attempts >= self.settings.max_attempts => {
                mark_email_failed(&self.db, id, attempts, &error_text(&error), now).await?;
                tracing::warn!(id, attempts, %error, "email not delivered; giving up");
                Ok(Outcome::Failed)
            }
            Err(error) => {
                let retry_at = now + backoff(attempts);
                mark_email_retry(&self.db, id, attempts, &error_text(&error), retry_at).await?;
                tracing::warn!(id, attempts, %retry_at, %error, "email not delivered; will retry");
                Ok(Outcome::Retrying)
            }
        }
    }
}

fn error_text(error: &SendError) -> String {
    let text = error.to_string();
    match text.char_indices().nth(MAX_ERROR_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_30_seconds_up_to_an_hour() {
        let seconds: Vec<i64> = (1..=9).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(seconds, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(i32::MAX).num_seconds(), 3600);
        assert_eq!(backoff(0).num_seconds(), 30);
    }

    #[test]
    fn long_errors_are_cut() {
        let long = SendError::Transient("x".repeat(5000));
        assert_eq!(error_text(&long).chars().count(), MAX_ERROR_CHARS + 1);
        let short = SendError::Permanent("550 no such user".into());
        assert_eq!(error_text(&short), "permanent failure: 550 no such user");
    }

    #[tokio::test]
    async fn a_wake_up_before_the_wait_is_not_lost() {
        let outbox = Outbox::new();
        (outbox.wake_fn())();
        tokio::time::timeout(Duration::from_secs(1), outbox.notify.notified())
            .await
            .expect("the stored wake-up completes the wait at once");
    }
}
